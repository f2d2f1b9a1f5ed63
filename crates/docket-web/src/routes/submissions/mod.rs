//! The contributor's pieces: start one for a call, draft it (pasted or uploaded), preview it as it
//! will be published, submit it, change it (each change a new revision), withdraw it, invite
//! co-authors. Every route answers 404 for a piece the person may not see.

use askama::Template;
use axum::Form;
use axum::extract::{DefaultBodyLimit, Extension, Multipart, Path, Query, State};
use axum::http::Method;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;
use docket_app::mail::{Letterhead, measure};
use docket_core::call::human_bytes;
use docket_core::judge::{self, Code, Finding, Verdict};
use docket_core::submission::{
    Admission, AssetRef, Author, CandidateDays, Piece, SubmissionState, Transition, admission,
};
use docket_core::{Call, Format, markdown, text};
use docket_documents::{FileType, Limits as FileLimits};
use docket_store::{CallId, NewAsset, StoreError, SubmissionId, SubmissionRecord, User};
use serde::Deserialize;

use crate::auth::Contributor;
use crate::csrf::{CsrfOnly, CsrfToken};
use crate::forms::{FormErrors, Pairs};
use crate::site::Layout;
use crate::{AppState, Route, WebError, render};

mod consent;
mod edit;
mod file;
mod form;
mod invite;
mod list;
mod pledge;
mod show;
mod start;
mod withdraw;

use consent::*;
pub(crate) use edit::read_edit;
use edit::*;
use file::*;
pub(crate) use form::store_asset;
use form::*;
use invite::*;
use list::*;
use pledge::*;
use show::*;
use start::*;
use withdraw::*;

/// At most this many authors on one piece.
pub(super) const MAX_AUTHORS: usize = 8;

/// At most this many co-authors may be invited to one piece.
pub(super) const MAX_COAUTHORS: usize = 10;

/// At most this many invitations one person may send in an hour, whatever the piece: an
/// invitation is an email Docket sends to an address someone typed.
pub(super) const INVITATIONS_PER_HOUR: i64 = 10;

/// Headshots are small images.
pub(crate) const HEADSHOT_MAX_BYTES: u64 = 5 * 1024 * 1024;

/// Routes for pieces.
pub fn routes(max_upload_bytes: usize) -> Vec<Route> {
    vec![
        Route::get("/calls/{slug}/submit", start_page),
        Route::post("/calls/{slug}/submit", start),
        Route::get("/submissions", list),
        Route::get("/submissions/{id}", show),
        Route::get("/submissions/{id}/edit", edit_page),
        Route::new(
            Method::POST,
            "/submissions/{id}/edit",
            post(edit).layer(DefaultBodyLimit::max(max_upload_bytes)),
        ),
        Route::get("/submissions/{id}/preview", preview),
        Route::get("/submissions/{id}/revisions/{number}", revision),
        Route::post("/submissions/{id}/withdraw", withdraw),
        Route::post("/submissions/{id}/consent", consent),
        Route::post("/submissions/{id}/coauthors", invite),
        Route::get("/submissions/{id}/files/{asset}", file),
        Route::get("/calls/{slug}/pledge", new_pledge),
        Route::post("/calls/{slug}/pledge", make_pledge),
        Route::get("/pledges/{id}", show_pledge),
        Route::post("/pledges/{id}/start", start_from_pledge),
        Route::post("/pledges/{id}/file", file_pledge_message),
        Route::post("/pledges/{id}/withdraw", withdraw_pledge),
    ]
}

pub(super) fn layout(
    state: &AppState,
    title: &str,
    call: Option<&Call>,
    user: &User,
    csrf: &CsrfToken,
) -> Layout {
    Layout::new(title, state.clock.as_ref(), call).for_visitor(Some(user), csrf, state.config.demo)
}

pub(super) async fn load_call(state: &AppState, slug: &str) -> Result<(CallId, Call), WebError> {
    match state.store.call(slug).await? {
        Some(stored) => Ok((stored.id, stored.call)),
        None => Err(WebError::not_found(state)),
    }
}

pub(super) async fn load_piece(
    state: &AppState,
    id: SubmissionId,
    user: &User,
) -> Result<(SubmissionRecord, Call), WebError> {
    let record = docket_app::pieces::visible(state.store.as_ref(), user, id)
        .await?
        .ok_or_else(|| WebError::not_found(state))?;
    let (_, call) = load_call(state, &record.call_slug).await?;
    Ok((record, call))
}

/// The letterhead for mail about a piece of `call` (already loaded with the piece), in the
/// call's own wording.
pub(super) async fn letterhead_of(
    state: &AppState,
    record: &SubmissionRecord,
    call: &Call,
) -> Result<Letterhead, WebError> {
    Ok(docket_app::letterhead(state.store.as_ref(), &state.mailer, record.call_id, call).await?)
}

/// "Friday 18 November 2022 (Emerging technology)" choices for the day checkboxes.
pub(super) struct DayChoice {
    pub(super) iso: String,
    pub(super) label: String,
    pub(super) checked: bool,
}

pub(super) struct KindChoice {
    pub(super) key: String,
    pub(super) label: String,
    pub(super) hint: String,
    pub(super) checked: bool,
}

pub(super) fn day_choices(call: &Call, days: Option<&CandidateDays>) -> (Vec<DayChoice>, bool) {
    let any = matches!(days, Some(CandidateDays::AnyDay));
    let choices = call
        .days
        .iter()
        .map(|day| DayChoice {
            iso: day.date.to_string(),
            label: format!(
                "{}: {}",
                docket_core::prose_dates::long_date_with_weekday(day.date),
                day.theme
            ),
            checked: matches!(days, Some(CandidateDays::Days(dates)) if dates.contains(&day.date)),
        })
        .collect();
    (choices, any)
}

pub(super) fn kind_choices(call: &Call, chosen: &str) -> Vec<KindChoice> {
    call.kinds
        .iter()
        .map(|kind| KindChoice {
            key: kind.key.to_string(),
            label: kind.name.clone(),
            hint: [kind.description.clone(), kind.limits.describe()]
                .into_iter()
                .filter(|part| !part.is_empty())
                .collect::<Vec<_>>()
                .join(" "),
            checked: kind.key.as_str() == chosen,
        })
        .collect()
}

/// Why this piece can no longer be changed, if it cannot: the call is closed, unless an editor
/// asked for changes and gave until a date that has not passed.
pub(super) fn piece_closed(
    call: &Call,
    record: &SubmissionRecord,
    state: &AppState,
) -> Option<String> {
    if record
        .open_until
        .is_some_and(|until| state.clock.now() < until)
    {
        return None;
    }
    closed_message(call, state)
}

pub(super) fn closed_message(call: &Call, state: &AppState) -> Option<String> {
    match admission(call, state.clock.now()) {
        Admission::Closed(message) => Some(message),
        _ => None,
    }
}

/// The day a form was opened for (`?day=2022-11-15`, from a day's page), when it is one of the
/// call's themed days; anything else chooses nothing.
pub(super) fn offered_day(call: &Call, day: Option<&str>) -> Option<CandidateDays> {
    day.and_then(|day| day.parse::<jiff::civil::Date>().ok())
        .filter(|date| call.day(*date).is_some())
        .map(|date| CandidateDays::Days([date].into_iter().collect()))
}

pub(super) fn kind_name(call: &Call, key: &str) -> String {
    call.kind(key)
        .map_or_else(|| key.to_owned(), |kind| kind.name.clone())
}

pub(super) fn days_text(call: &Call, piece: &Piece) -> String {
    piece
        .days
        .as_ref()
        .map_or_else(|| "Not chosen".to_owned(), |days| days.describe(call))
}
