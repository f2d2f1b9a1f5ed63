//! Announcements: an organiser posts an update, shown on the call's page and emailed through the
//! outbox to the call's contributors and pledgers. Each email carries `List-Unsubscribe` and
//! `List-Unsubscribe-Post` (RFC 8058): a mail client's one-click POST to `/unsubscribe/TOKEN`
//! stops announcements of that call for that address, and nothing else (mail about one's own
//! piece still comes). That POST carries no CSRF token (a mail provider sends it, not a page
//! Docket served) and its token is the address's secret: both are listed as exceptions in
//! docs/security.md.

use askama::Template;
use axum::Form;
use axum::extract::{Extension, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use docket_store::AnnouncementMail;
use serde::Deserialize;

use crate::auth::{self, MaybeUser, Staff};
use crate::csrf::CsrfToken;
use crate::forms::FormErrors;
use crate::site::Layout;
use crate::{AppState, Route, WebError, render};

/// Routes for announcements and unsubscribing from them.
pub fn routes() -> Vec<Route> {
    vec![
        Route::get("/console/calls/{slug}/announcements", page),
        Route::post("/console/calls/{slug}/announcements", post),
        Route::get("/unsubscribe/{token}", unsubscribe_page),
        Route::post("/unsubscribe/{token}", unsubscribe),
    ]
}

#[derive(Template)]
#[template(path = "console/announcements.html")]
struct AnnouncementsPage {
    layout: Layout,
    href: String,
    title: String,
    announcements: Vec<(String, String, i64)>,
    recipients: usize,
    errors: FormErrors,
    form_title: String,
    form_body: String,
    notice: Option<String>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
struct AnnouncementForm {
    title: String,
    body: String,
    csrf: String,
}

async fn show(
    state: &AppState,
    staff: &Staff,
    csrf: &CsrfToken,
    errors: FormErrors,
    form: AnnouncementForm,
    notice: Option<String>,
) -> Result<Response, WebError> {
    let call = &staff.call.call;
    let announcements = state
        .store
        .announcements(staff.call.id)
        .await?
        .into_iter()
        .map(|a| {
            (
                a.title,
                call.local(a.posted_at)
                    .strftime("%-d %B %Y, %H:%M %Z")
                    .to_string(),
                a.recipients,
            )
        })
        .collect();
    let recipients = state
        .store
        .announcement_recipients(staff.call.id)
        .await?
        .len();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    render(
        AnnouncementsPage {
            layout: Layout {
                console: true,
                ..Layout::new(
                    if errors.is_empty() {
                        "Announcements"
                    } else {
                        "Error: Announcements"
                    },
                    state.clock.as_ref(),
                    None,
                )
                .for_visitor(Some(&staff.user), csrf, state.config.demo)
            },
            href: format!("/console/calls/{}", call.slug),
            title: call.title.clone(),
            announcements,
            recipients,
            errors,
            form_title: form.title,
            form_body: form.body,
            notice,
        },
        status,
    )
}

async fn page(
    State(state): State<AppState>,
    staff: Staff,
    Extension(csrf): Extension<CsrfToken>,
) -> Result<Response, WebError> {
    staff.require_organiser(&state)?;
    show(
        &state,
        &staff,
        &csrf,
        FormErrors::default(),
        AnnouncementForm::default(),
        None,
    )
    .await
}

async fn post(
    State(state): State<AppState>,
    staff: Staff,
    Extension(csrf): Extension<CsrfToken>,
    Form(form): Form<AnnouncementForm>,
) -> Result<Response, WebError> {
    staff.require_organiser(&state)?;
    csrf.verify(&form.csrf)?;
    let title = form.title.trim().to_owned();
    let body = form.body.trim().replace("\r\n", "\n");
    let mut errors = FormErrors::default();
    if title.is_empty() || title.chars().count() > 200 {
        errors.add(
            "title",
            "Give the announcement a title of at most 200 characters",
        );
    }
    if body.is_empty() || body.chars().count() > 10_000 {
        errors.add("body", "Write the announcement (at most 10,000 characters)");
    }
    if !errors.is_empty() {
        return show(&state, &staff, &csrf, errors, form, None).await;
    }
    let head = staff.letterhead(&state).await?;
    let mut mails = Vec::new();
    for email in state.store.announcement_recipients(staff.call.id).await? {
        let token = auth::random_token();
        let mail = state.mailer.announcement(
            &head,
            &email,
            &title,
            &body,
            &format!("/unsubscribe/{token}"),
        );
        mails.push(AnnouncementMail {
            mail,
            token_hash: auth::hash_token(&token),
        });
    }
    state
        .store
        .post_announcement(
            staff.call.id,
            &title,
            &body,
            staff.user.id,
            &mails,
            state.clock.now(),
        )
        .await?;
    let notice = format!(
        "Posted on the call's page and emailed to {} {}.",
        mails.len(),
        if mails.len() == 1 { "person" } else { "people" }
    );
    let query = serde_urlencoded::to_string([("notice", notice)]).unwrap_or_default();
    Ok(Redirect::to(&format!(
        "/console/calls/{}/announcements?{query}",
        staff.call.call.slug
    ))
    .into_response())
}

#[derive(Template)]
#[template(path = "unsubscribe.html")]
struct UnsubscribePage {
    layout: Layout,
    heading: String,
    text: String,
    action: Option<String>,
}

fn unsubscribe_view(
    state: &AppState,
    visitor: &MaybeUser,
    csrf: &CsrfToken,
    heading: &str,
    text: String,
    action: Option<String>,
    status: StatusCode,
) -> Result<Response, WebError> {
    render(
        UnsubscribePage {
            layout: Layout::new(heading, state.clock.as_ref(), None).for_visitor(
                visitor.0.as_ref(),
                csrf,
                state.config.demo,
            ),
            heading: heading.to_owned(),
            text,
            action,
        },
        status,
    )
}

const UNKNOWN: &str = "This unsubscribe link does not work: it may have been mistyped. Use the link in the latest announcement, or write to the call's organisers.";

async fn unsubscribe_page(
    State(state): State<AppState>,
    Path(token): Path<String>,
    visitor: MaybeUser,
    Extension(csrf): Extension<CsrfToken>,
) -> Result<Response, WebError> {
    // Looking does not unsubscribe: a mail scanner that follows links must not.
    let known = state
        .store
        .unsubscribe_token_known(&auth::hash_token(&token))
        .await?;
    if !known {
        return unsubscribe_view(
            &state,
            &visitor,
            &csrf,
            "Unsubscribe",
            UNKNOWN.into(),
            None,
            StatusCode::NOT_FOUND,
        );
    }
    unsubscribe_view(
        &state,
        &visitor,
        &csrf,
        "Stop announcements",
        "Press the button to stop the organisers' announcements of this call. Mail about your own pieces still comes.".into(),
        Some(format!("/unsubscribe/{token}")),
        StatusCode::OK,
    )
}

/// The one-click unsubscribe (RFC 8058): no CSRF token, by design; the token in the path is
/// the address's secret.
async fn unsubscribe(
    State(state): State<AppState>,
    Path(token): Path<String>,
    visitor: MaybeUser,
    Extension(csrf): Extension<CsrfToken>,
) -> Result<Response, WebError> {
    match state
        .store
        .unsubscribe(&auth::hash_token(&token), state.clock.now())
        .await?
    {
        Some((call_id, _)) => {
            let title = state
                .store
                .call_by_id(call_id)
                .await?
                .map(|call| call.call.title)
                .unwrap_or_default();
            unsubscribe_view(
                &state,
                &visitor,
                &csrf,
                "You are unsubscribed",
                format!(
                    "You will get no more announcements of {title}. Mail about your own pieces still comes."
                ),
                None,
                StatusCode::OK,
            )
        }
        None => unsubscribe_view(
            &state,
            &visitor,
            &csrf,
            "Unsubscribe",
            UNKNOWN.into(),
            None,
            StatusCode::NOT_FOUND,
        ),
    }
}
