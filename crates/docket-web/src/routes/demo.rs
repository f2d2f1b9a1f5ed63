//! The demo mailbox: in the demo no mail leaves the machine, so every queued email is readable
//! here (linked from the demo banner). Outside the demo these routes answer 404.

use askama::Template;
use axum::extract::{Extension, Path, State};
use axum::response::Html;

use crate::auth::MaybeUser;
use crate::csrf::CsrfToken;
use crate::site::Layout;
use crate::{AppState, Route, WebError};

/// `/demo/mailbox` and one message in it.
pub fn routes() -> Vec<Route> {
    vec![
        Route::get("/demo/mailbox", mailbox),
        Route::get("/demo/mailbox/{id}", message),
    ]
}

/// One message in the list.
struct MailRow {
    id: i64,
    to: String,
    subject: String,
    when: String,
}

#[derive(Template)]
#[template(path = "demo/mailbox.html")]
struct MailboxPage {
    layout: Layout,
    mails: Vec<MailRow>,
}

#[derive(Template)]
#[template(path = "demo/message.html")]
struct MessagePage {
    layout: Layout,
    to: String,
    subject: String,
    when: String,
    /// The plain text in pieces; links are made clickable.
    segments: Vec<Segment>,
}

/// A run of mail text, or a link in it.
struct Segment {
    text: String,
    link: bool,
}

fn segments(text: &str) -> Vec<Segment> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest
        .find("http://")
        .into_iter()
        .chain(rest.find("https://"))
        .min()
    {
        let (before, from) = rest.split_at(start);
        let end = from.find(char::is_whitespace).unwrap_or(from.len());
        out.push(Segment {
            text: before.to_owned(),
            link: false,
        });
        out.push(Segment {
            text: from[..end].to_owned(),
            link: true,
        });
        rest = &from[end..];
    }
    out.push(Segment {
        text: rest.to_owned(),
        link: false,
    });
    out
}

fn demo_only(state: &AppState) -> Result<(), WebError> {
    if state.config.demo {
        Ok(())
    } else {
        Err(WebError::not_found(state))
    }
}

fn shown(at: jiff::Timestamp) -> String {
    at.strftime("%-d %B %Y, %H:%M UTC").to_string()
}

async fn mailbox(
    State(state): State<AppState>,
    visitor: MaybeUser,
    Extension(csrf): Extension<CsrfToken>,
) -> Result<Html<String>, WebError> {
    demo_only(&state)?;
    let mails = state
        .store
        .outbox(200)
        .await?
        .into_iter()
        .map(|row| MailRow {
            id: row.id,
            to: row.mail.to,
            subject: row.mail.subject,
            when: shown(row.created_at),
        })
        .collect();
    let layout = Layout::new("Demo mailbox", state.clock.as_ref(), None).for_visitor(
        visitor.0.as_ref(),
        &csrf,
        true,
    );
    Ok(Html(MailboxPage { layout, mails }.render()?))
}

async fn message(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    visitor: MaybeUser,
    Extension(csrf): Extension<CsrfToken>,
) -> Result<Html<String>, WebError> {
    demo_only(&state)?;
    let row = state
        .store
        .outbox(10_000)
        .await?
        .into_iter()
        .find(|row| row.id == id);
    let Some(row) = row else {
        return Err(WebError::not_found(&state));
    };
    let layout = Layout::new(&row.mail.subject, state.clock.as_ref(), None).for_visitor(
        visitor.0.as_ref(),
        &csrf,
        true,
    );
    Ok(Html(
        MessagePage {
            layout,
            to: row.mail.to,
            subject: row.mail.subject,
            when: shown(row.created_at),
            segments: segments(&row.mail.text),
        }
        .render()?,
    ))
}
