//! The day board: one column per themed day with its accepted pieces in order, where editors
//! move a piece to another day (one it was not offered for needs a note), reorder a day, set the
//! time a piece goes live, schedule it (a durable publish job at that instant), take it off the
//! timetable, or take a published piece down (its address then answers 410 Gone). Every control
//! is a form with buttons: it all works without JavaScript.

use askama::Template;
use axum::Form;
use axum::extract::{Extension, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use docket_app::week::{self, PlacementInput};
use docket_core::prose_dates::long_date_with_weekday;
use docket_core::submission::SubmissionState;
use docket_core::{Call, SubmissionId};
use docket_store::{Actor, BoardPiece, StoreError};
use jiff::civil::{Date, DateTime};
use serde::Deserialize;

use crate::auth::Staff;
use crate::csrf::CsrfToken;
use crate::forms::FormErrors;
use crate::routes::console::{console_href, local_time};
use crate::site::Layout;
use crate::{AppState, Route, WebError, render};

/// The board and its controls, for a call's editors and organisers.
pub fn routes() -> Vec<Route> {
    vec![
        Route::get("/console/calls/{slug}/board", page),
        Route::post("/console/calls/{slug}/board/{id}/place", place),
        Route::post("/console/calls/{slug}/board/{id}/move", reorder),
        Route::post("/console/calls/{slug}/board/{id}/schedule", schedule),
        Route::post("/console/calls/{slug}/board/{id}/unschedule", unschedule),
        Route::post("/console/calls/{slug}/board/{id}/unpublish", unpublish),
        Route::post("/console/calls/{slug}/board/{id}/partner", partner),
        Route::post("/console/calls/{slug}/board/{id}/address", address),
    ]
}

/// A day a piece may be put on, as the select shows it.
struct DayOption {
    value: String,
    label: String,
    selected: bool,
}

/// A piece on the board.
struct Card {
    id: i64,
    title: String,
    kind: String,
    authors: String,
    state: String,
    scheduled: bool,
    published: bool,
    accepted: bool,
    /// "09:00 GMT on Tuesday 15 November", or empty.
    goes_live: String,
    /// The datetime-local input's value: "2022-11-15T09:00".
    goes_live_value: String,
    note: String,
    /// The public address once published.
    public_href: Option<String>,
    console_href: String,
    days: Vec<DayOption>,
    first: bool,
    last: bool,
    /// Warnings about this piece.
    warnings: Vec<String>,
    /// In the partner programme's feed.
    partner: bool,
    /// Its address's last part, once scheduled.
    slug: Option<String>,
}

struct Column {
    iso: String,
    label: String,
    theme: String,
    /// "2 of 3 places taken", or "2 pieces".
    fill: String,
    cards: Vec<Card>,
    warnings: Vec<String>,
}

#[derive(Template)]
#[template(path = "console/board.html")]
struct BoardPage {
    layout: Layout,
    href: String,
    title: String,
    zone: String,
    columns: Vec<Column>,
    unplaced: Vec<Card>,
    /// Warnings about the whole board that belong to no one day or piece.
    general: Vec<String>,
    errors: FormErrors,
    notice: Option<String>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
struct NoticeQuery {
    notice: String,
}

#[derive(Debug, Deserialize, Default, Clone)]
#[serde(default)]
struct PlaceForm {
    csrf: String,
    day: String,
    goes_live: String,
    note: String,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
struct MoveForm {
    csrf: String,
    direction: String,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
struct ReasonForm {
    csrf: String,
    reason: String,
}

fn datetime_value(call: &Call, at: jiff::Timestamp) -> String {
    call.local(at).strftime("%Y-%m-%dT%H:%M").to_string()
}

fn card(
    call: &Call,
    piece: &BoardPiece,
    first: bool,
    last: bool,
    warnings: Vec<String>,
    failed: Option<&PlaceForm>,
) -> Card {
    let chosen = failed
        .and_then(|form| form.day.parse::<Date>().ok())
        .or(piece.day);
    let days = call
        .days
        .iter()
        .map(|day| {
            let offered = piece
                .offered
                .as_ref()
                .is_some_and(|days| days.includes(day.date));
            DayOption {
                value: day.date.to_string(),
                label: format!(
                    "{}{}",
                    long_date_with_weekday(day.date),
                    if offered { " (offered)" } else { "" }
                ),
                selected: chosen == Some(day.date),
            }
        })
        .collect();
    Card {
        id: piece.id.0,
        title: piece.title.clone(),
        kind: call
            .kind(&piece.kind)
            .map_or(piece.kind.clone(), |kind| kind.name.clone()),
        authors: piece.authors.join(", "),
        state: piece.state.label().to_owned(),
        scheduled: piece.state == SubmissionState::Scheduled,
        published: piece.state == SubmissionState::Published,
        accepted: piece.state == SubmissionState::Accepted,
        goes_live: piece
            .publish_at
            .map(|at| local_time(call, at))
            .unwrap_or_default(),
        goes_live_value: failed.map_or_else(
            || {
                piece
                    .publish_at
                    .map(|at| datetime_value(call, at))
                    .unwrap_or_default()
            },
            |form| form.goes_live.clone(),
        ),
        note: failed.map_or_else(|| piece.note.clone(), |form| form.note.clone()),
        public_href: (piece.state == SubmissionState::Published)
            .then(|| piece.slug.as_ref().map(|slug| week::piece_path(call, slug)))
            .flatten(),
        console_href: format!("{}/pieces/{}", console_href(call), piece.id),
        days,
        first,
        last,
        warnings,
        partner: piece.partner,
        slug: piece.slug.clone(),
    }
}

async fn show(
    state: &AppState,
    staff: &Staff,
    csrf: &CsrfToken,
    errors: FormErrors,
    failed: Option<(SubmissionId, PlaceForm)>,
    notice: Option<String>,
) -> Result<Response, WebError> {
    let call = &staff.call.call;
    let pieces = state.store.board(staff.call.id).await?;
    let mut blocked = Vec::new();
    for piece in &pieces {
        if piece.state != SubmissionState::Published
            && let Some(why) =
                docket_app::editorial::schedule_blocker(state.store.as_ref(), piece.id).await?
        {
            blocked.push((piece.id, why));
        }
    }
    let warnings = week::warnings(call, &pieces, &blocked, state.clock.now());
    let failed_form = |id: SubmissionId| {
        failed
            .as_ref()
            .filter(|(failed_id, _)| *failed_id == id)
            .map(|(_, form)| form)
    };
    let piece_warnings = |id: SubmissionId| -> Vec<String> {
        warnings
            .iter()
            .filter(|warning| warning.piece == Some(id))
            .map(|warning| warning.message.clone())
            .collect()
    };
    let columns = call
        .days
        .iter()
        .map(|day| {
            let placed: Vec<&BoardPiece> = pieces
                .iter()
                .filter(|piece| piece.day == Some(day.date))
                .collect();
            let count = placed.len();
            let cards = placed
                .iter()
                .enumerate()
                .map(|(index, piece)| {
                    card(
                        call,
                        piece,
                        index == 0,
                        index + 1 == count,
                        piece_warnings(piece.id),
                        failed_form(piece.id),
                    )
                })
                .collect();
            Column {
                iso: day.date.to_string(),
                label: long_date_with_weekday(day.date),
                theme: day.theme.clone(),
                fill: match call.capacity(day.date) {
                    Some(capacity) => format!("{count} of {capacity} places taken"),
                    None => format!("{count} {}", if count == 1 { "piece" } else { "pieces" }),
                },
                cards,
                warnings: warnings
                    .iter()
                    .filter(|warning| warning.day == Some(day.date) && warning.piece.is_none())
                    .map(|warning| warning.message.clone())
                    .collect(),
            }
        })
        .collect();
    let unplaced = pieces
        .iter()
        .filter(|piece| piece.day.is_none_or(|day| call.day(day).is_none()))
        .map(|piece| card(call, piece, true, true, Vec::new(), failed_form(piece.id)))
        .collect();
    let general = warnings
        .iter()
        .filter(|warning| warning.day.is_none() && warning.piece.is_none())
        .map(|warning| warning.message.clone())
        .collect();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    render(
        BoardPage {
            layout: Layout {
                console: true,
                ..Layout::new(
                    if errors.is_empty() {
                        "Day board"
                    } else {
                        "Error: Day board"
                    },
                    state.clock.as_ref(),
                    None,
                )
                .for_visitor(Some(&staff.user), csrf, state.config.demo)
            },
            href: console_href(call),
            title: call.title.clone(),
            zone: call.time_zone.name().to_owned(),
            columns,
            unplaced,
            general,
            errors,
            notice,
        },
        status,
    )
}

async fn page(
    State(state): State<AppState>,
    staff: Staff,
    Query(query): Query<NoticeQuery>,
    Extension(csrf): Extension<CsrfToken>,
) -> Result<Response, WebError> {
    staff.require_editor(&state)?;
    let notice = (!query.notice.is_empty()).then_some(query.notice);
    show(&state, &staff, &csrf, FormErrors::default(), None, notice).await
}

/// The piece on this call's board, or 404.
async fn board_piece(
    state: &AppState,
    staff: &Staff,
    id: SubmissionId,
) -> Result<BoardPiece, WebError> {
    state
        .store
        .board_piece(staff.call.id, id)
        .await?
        .ok_or_else(|| WebError::not_found(state))
}

/// Back to the board after a step: `notice` when it was taken, the store's refusal when not.
fn after(
    call: &Call,
    result: Result<(), StoreError>,
    notice: impl AsRef<str>,
    anchor: Option<SubmissionId>,
) -> Result<Response, WebError> {
    match result {
        Ok(()) => Ok(back(call, notice.as_ref(), anchor)),
        Err(StoreError::Conflict(message)) => Ok(back(call, &message, anchor)),
        Err(error) => Err(error.into()),
    }
}

fn back(call: &Call, notice: &str, anchor: Option<SubmissionId>) -> Response {
    let query = serde_urlencoded::to_string([("notice", notice)]).unwrap_or_default();
    let anchor = anchor.map(|id| format!("#piece-{id}")).unwrap_or_default();
    Redirect::to(&format!("{}/board?{query}{anchor}", console_href(call))).into_response()
}

async fn place(
    State(state): State<AppState>,
    staff: Staff,
    Path((_, id)): Path<(String, SubmissionId)>,
    Extension(csrf): Extension<CsrfToken>,
    Form(form): Form<PlaceForm>,
) -> Result<Response, WebError> {
    staff.require_editor(&state)?;
    csrf.verify(&form.csrf)?;
    let piece = board_piece(&state, &staff, id).await?;
    let call = &staff.call.call;
    let mut errors = FormErrors::default();
    let goes_live = match form.goes_live.trim() {
        "" => None,
        text => match text.parse::<DateTime>() {
            Ok(at) => Some(at),
            Err(_) => {
                errors.add(
                    &format!("goes-live-{id}"),
                    "Enter when it goes live as a date and time, such as 2022-11-15 09:00",
                );
                None
            }
        },
    };
    if errors.is_empty() {
        let input = PlacementInput {
            day: form.day.parse().ok(),
            goes_live,
            note: form.note.clone(),
        };
        let actor = Actor::User(staff.user.id);
        match week::place(
            state.store.as_ref(),
            call,
            &piece,
            &input,
            &actor,
            state.clock.now(),
        )
        .await?
        {
            Ok(()) => {
                let day = input.day.map(long_date_with_weekday).unwrap_or_default();
                return Ok(back(
                    call,
                    &format!("“{}” is on {day}.", piece.title),
                    Some(id),
                ));
            }
            Err(problems) => {
                for problem in problems {
                    let field = match problem.field {
                        "note" => format!("note-{id}"),
                        _ => format!("day-{id}"),
                    };
                    errors.add(&field, problem.message);
                }
            }
        }
    }
    show(&state, &staff, &csrf, errors, Some((id, form)), None).await
}

async fn reorder(
    State(state): State<AppState>,
    staff: Staff,
    Path((_, id)): Path<(String, SubmissionId)>,
    Extension(csrf): Extension<CsrfToken>,
    Form(form): Form<MoveForm>,
) -> Result<Response, WebError> {
    staff.require_editor(&state)?;
    csrf.verify(&form.csrf)?;
    let piece = board_piece(&state, &staff, id).await?;
    let up = form.direction == "up";
    let result = state
        .store
        .reorder(id, up, &Actor::User(staff.user.id), state.clock.now())
        .await;
    after(
        &staff.call.call,
        result,
        format!(
            "“{}” moved {} its day.",
            piece.title,
            if up { "up" } else { "down" }
        ),
        Some(id),
    )
}

async fn schedule(
    State(state): State<AppState>,
    staff: Staff,
    Path((_, id)): Path<(String, SubmissionId)>,
    Extension(csrf): Extension<CsrfToken>,
    Form(form): Form<crate::csrf::CsrfOnly>,
) -> Result<Response, WebError> {
    staff.require_editor(&state)?;
    csrf.verify(&form.csrf)?;
    let piece = board_piece(&state, &staff, id).await?;
    let call = &staff.call.call;
    match week::schedule(
        state.store.as_ref(),
        &piece,
        &Actor::User(staff.user.id),
        state.clock.now(),
    )
    .await?
    {
        Ok(_) => Ok(back(
            call,
            &format!(
                "“{}” is scheduled: it goes live at {}.",
                piece.title,
                piece
                    .publish_at
                    .map(|at| local_time(call, at))
                    .unwrap_or_default()
            ),
            Some(id),
        )),
        Err(why) => {
            let mut errors = FormErrors::default();
            errors.add(&format!("schedule-{id}"), why);
            show(&state, &staff, &csrf, errors, None, None).await
        }
    }
}

async fn unschedule(
    State(state): State<AppState>,
    staff: Staff,
    Path((_, id)): Path<(String, SubmissionId)>,
    Extension(csrf): Extension<CsrfToken>,
    Form(form): Form<crate::csrf::CsrfOnly>,
) -> Result<Response, WebError> {
    staff.require_editor(&state)?;
    csrf.verify(&form.csrf)?;
    let piece = board_piece(&state, &staff, id).await?;
    let result = state
        .store
        .unschedule(id, &Actor::User(staff.user.id), state.clock.now())
        .await;
    after(
        &staff.call.call,
        result,
        format!(
            "“{}” is off the timetable: it will not go live until it is scheduled again.",
            piece.title
        ),
        Some(id),
    )
}

async fn unpublish(
    State(state): State<AppState>,
    staff: Staff,
    Path((_, id)): Path<(String, SubmissionId)>,
    Extension(csrf): Extension<CsrfToken>,
    Form(form): Form<ReasonForm>,
) -> Result<Response, WebError> {
    staff.require_editor(&state)?;
    csrf.verify(&form.csrf)?;
    let piece = board_piece(&state, &staff, id).await?;
    let reason = form.reason.trim();
    if reason.is_empty() || reason.chars().count() > 500 {
        let mut errors = FormErrors::default();
        errors.add(
            &format!("reason-{id}"),
            "Say why the piece is taken down (at most 500 characters): the reason is kept in the audit trail",
        );
        return show(&state, &staff, &csrf, errors, None, None).await;
    }
    let result = state
        .store
        .unpublish(id, reason, &Actor::User(staff.user.id), state.clock.now())
        .await;
    after(
        &staff.call.call,
        result,
        format!(
            "“{}” is taken down: its address now says it was removed.",
            piece.title
        ),
        None,
    )
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
struct PartnerForm {
    csrf: String,
    partner: String,
}

/// Puts a piece in the partner programme's feed, or takes it out.
async fn partner(
    State(state): State<AppState>,
    staff: Staff,
    Path((_, id)): Path<(String, SubmissionId)>,
    Extension(csrf): Extension<CsrfToken>,
    Form(form): Form<PartnerForm>,
) -> Result<Response, WebError> {
    staff.require_editor(&state)?;
    csrf.verify(&form.csrf)?;
    let piece = board_piece(&state, &staff, id).await?;
    let partner = form.partner == "yes";
    let result = state
        .store
        .set_partner(id, partner, &Actor::User(staff.user.id), state.clock.now())
        .await;
    after(
        &staff.call.call,
        result,
        if partner {
            format!("“{}” is in the partner feed.", piece.title)
        } else {
            format!("“{}” is no longer in the partner feed.", piece.title)
        },
        Some(id),
    )
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
struct AddressForm {
    csrf: String,
    address: String,
}

/// Gives a scheduled or published piece a new address; the earlier one redirects to it.
async fn address(
    State(state): State<AppState>,
    staff: Staff,
    Path((_, id)): Path<(String, SubmissionId)>,
    Extension(csrf): Extension<CsrfToken>,
    Form(form): Form<AddressForm>,
) -> Result<Response, WebError> {
    staff.require_editor(&state)?;
    csrf.verify(&form.csrf)?;
    let piece = board_piece(&state, &staff, id).await?;
    let slug = docket_core::text::slugify(&form.address, 72);
    if slug.is_empty() {
        let mut errors = FormErrors::default();
        errors.add(
            &format!("address-{id}"),
            "Give the address some letters or digits, such as data-at-the-heart-of-justice",
        );
        return show(&state, &staff, &csrf, errors, None, None).await;
    }
    let result = state
        .store
        .rename_slug(id, &slug, &Actor::User(staff.user.id), state.clock.now())
        .await;
    after(
        &staff.call.call,
        result,
        format!(
            "“{}” is at {} now; its earlier address leads there.",
            piece.title,
            week::piece_path(&staff.call.call, &slug)
        ),
        Some(id),
    )
}
