//! Mail held for its sender's confirmation: a message from the address of an existing account,
//! with nothing to show who really sent it, waits until the owner of the address follows the
//! single-use link Docket mailed them and says which of the held messages are theirs.

use askama::Template;
use axum::Form;
use axum::extract::{Extension, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use docket_app::ingest::{self, Outcome};
use docket_store::{Actor, TokenPurpose};

use crate::auth::{self, MaybeUser};
use crate::csrf::CsrfToken;
use crate::site::Layout;
use crate::{AppState, Route, WebError, render};

/// `/mail/confirm/{token}`.
pub fn routes() -> Vec<Route> {
    vec![
        Route::get("/mail/confirm/{token}", confirm_page),
        Route::post("/mail/confirm/{token}", confirm),
    ]
}

struct HeldRow {
    id: i64,
    subject: String,
    received: String,
    checked: bool,
}

#[derive(Template)]
#[template(path = "mail/confirm.html")]
struct ConfirmPage {
    layout: Layout,
    email: String,
    action: String,
    messages: Vec<HeldRow>,
}

#[derive(Template)]
#[template(path = "account/message.html")]
struct MessagePage {
    layout: Layout,
    heading: String,
    paragraphs: Vec<String>,
}

fn layout(state: &AppState, title: &str, visitor: &MaybeUser, csrf: &CsrfToken) -> Layout {
    Layout::new(title, state.clock.as_ref(), None).for_visitor(
        visitor.0.as_ref(),
        csrf,
        state.config.demo,
    )
}

fn message(
    state: &AppState,
    visitor: &MaybeUser,
    csrf: &CsrfToken,
    status: StatusCode,
    heading: &str,
    paragraphs: Vec<String>,
) -> Result<Response, WebError> {
    let page = MessagePage {
        layout: layout(state, heading, visitor, csrf),
        heading: heading.to_owned(),
        paragraphs,
    };
    render(page, status)
}

fn used_up(state: &AppState, visitor: &MaybeUser, csrf: &CsrfToken) -> Result<Response, WebError> {
    message(
        state,
        visitor,
        csrf,
        StatusCode::GONE,
        "This link no longer works",
        vec!["It has expired or has already been used. If you sent a piece that has not been filed, sign in and send it on the web, or email it again and follow the link in the new email.".into()],
    )
}

async fn confirm_page(
    State(state): State<AppState>,
    Path(token): Path<String>,
    visitor: MaybeUser,
    Extension(csrf): Extension<CsrfToken>,
) -> Result<Response, WebError> {
    // A GET never uses the token: mail scanners follow links, people press buttons.
    let now = state.clock.now();
    let Some(found) = state
        .store
        .peek_token(&auth::hash_token(&token), TokenPurpose::ConfirmMessage, now)
        .await?
    else {
        return used_up(&state, &visitor, &csrf);
    };
    let held = state.store.held_messages(&found.email).await?;
    if held.is_empty() {
        return message(
            &state,
            &visitor,
            &csrf,
            StatusCode::OK,
            "Nothing is waiting",
            vec!["No message from your address is waiting for you to confirm it.".into()],
        );
    }
    let messages = held
        .iter()
        .map(|record| HeldRow {
            id: record.id,
            subject: if record.subject.is_empty() {
                "(no subject)".into()
            } else {
                record.subject.clone()
            },
            received: record
                .received_at
                .strftime("%-d %B %Y, %H:%M UTC")
                .to_string(),
            checked: found.inbound_id == Some(record.id),
        })
        .collect();
    let page = ConfirmPage {
        layout: layout(&state, "Did you send these messages?", &visitor, &csrf),
        email: found.email,
        action: format!("/mail/confirm/{token}"),
        messages,
    };
    render(page, StatusCode::OK)
}

/// What happened to one confirmed message, for the person who confirmed it.
fn said(subject: &str, outcome: &Outcome) -> String {
    let subject = if subject.is_empty() {
        "Your message"
    } else {
        subject
    };
    match outcome {
        Outcome::Submission(_) => {
            format!("\u{201c}{subject}\u{201d} is filed as a new piece: a receipt is on its way.")
        }
        Outcome::Pledge(_) => format!(
            "\u{201c}{subject}\u{201d} is noted as your pledge: an email says what we understood."
        ),
        Outcome::Draft(_) => format!(
            "\u{201c}{subject}\u{201d} is kept as a draft of a new piece, not sent yet: we have emailed you what to correct."
        ),
        Outcome::Reply { revised: true, .. } => {
            format!(
                "\u{201c}{subject}\u{201d} is filed as a new revision of your piece: a receipt is on its way."
            )
        }
        Outcome::Reply { .. } => {
            format!(
                "\u{201c}{subject}\u{201d} is filed with your piece for the organisers to read."
            )
        }
        Outcome::Triage(reason) => format!(
            "\u{201c}{subject}\u{201d} could not be filed as a piece ({reason}): it is kept for the organisers, and we have emailed you what to send instead."
        ),
        Outcome::Held { .. } | Outcome::Ignored(_) | Outcome::Duplicate => {
            format!("\u{201c}{subject}\u{201d} is kept for the organisers.")
        }
    }
}

async fn confirm(
    State(state): State<AppState>,
    Path(token): Path<String>,
    visitor: MaybeUser,
    Extension(csrf): Extension<CsrfToken>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let field = |name: &str| {
        form.iter()
            .find(|(key, _)| key == name)
            .map_or("", |(_, value)| value.as_str())
    };
    csrf.verify(field("csrf"))?;
    let now = state.clock.now();
    let Some(redeemed) = state
        .store
        .redeem_token(&auth::hash_token(&token), TokenPurpose::ConfirmMessage, now)
        .await?
    else {
        return used_up(&state, &visitor, &csrf);
    };
    let chosen: Vec<i64> = form
        .iter()
        .filter(|(key, _)| key == "message")
        .filter_map(|(_, value)| value.parse().ok())
        .collect();
    let held = state.store.held_messages(&redeemed.email).await?;
    let mut paragraphs = Vec::new();
    let mut refused = Vec::new();
    for record in &held {
        if field("action") == "file" && chosen.contains(&record.id) {
            let outcome = ingest::release(
                state.store.as_ref(),
                state.clock.as_ref(),
                &state.mailer,
                &redeemed.email,
                record.id,
                &state.config.ingest,
            )
            .await?;
            if let Some(outcome) = outcome {
                paragraphs.push(said(&record.subject, &outcome));
            }
        } else {
            refused.push(record.id);
        }
    }
    if !refused.is_empty() {
        let reason = if field("action") == "file" {
            "the owner of the address did not confirm it"
        } else {
            "the owner of the address said they did not send it"
        };
        state
            .store
            .unhold_messages(
                &redeemed.email,
                &refused,
                reason,
                &redeemed.user_id.map_or(Actor::System, Actor::User),
                now,
            )
            .await?;
        paragraphs.push(format!(
            "{} not filed: the organisers will see that you did not confirm {}.",
            if refused.len() == 1 {
                "One message is".to_owned()
            } else {
                format!("{} messages are", refused.len())
            },
            if refused.len() == 1 { "it" } else { "them" }
        ));
    }
    if paragraphs.is_empty() {
        paragraphs.push("No message from your address was waiting.".into());
    }
    message(
        &state,
        &visitor,
        &csrf,
        StatusCode::OK,
        "Thank you",
        paragraphs,
    )
}
