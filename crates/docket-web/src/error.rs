//! One error type for handlers. 4xx answers carry a page a person can act on; 5xx answers show a
//! plain page and log the detail inside the request's span.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use crate::site::{ErrorPage, Layout};

/// What a handler can fail with.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    /// The thing asked for does not exist (or is not this person's to see).
    #[error("not found")]
    NotFound(Box<Layout>),
    /// The request is not allowed (a failed CSRF check); the message says what to do.
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// The request could not be read; the message says what to do.
    #[error("bad request: {0}")]
    BadRequest(String),
    /// What was here was taken down on purpose (410); the message says so.
    #[error("gone: {0}")]
    Gone(String),
    /// Too many attempts from this address or for this account.
    #[error("too many requests")]
    TooManyRequests,
    /// Something inside Docket failed; the detail goes to the log only.
    #[error("internal error: {0}")]
    Internal(String),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] docket_store::StoreError),
    /// A template failed to render.
    #[error(transparent)]
    Render(#[from] askama::Error),
}

impl WebError {
    /// The not-found page, which is also the answer for what the visitor may not see: the two
    /// must look the same from outside.
    pub fn not_found(state: &crate::AppState) -> Self {
        WebError::NotFound(Box::new(Layout::new(
            "Page not found",
            state.clock.as_ref(),
            None,
        )))
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        match self {
            WebError::NotFound(layout) => {
                let page = ErrorPage {
                    layout: *layout,
                    heading: "Page not found".into(),
                    message: "There is no page at this address. If you typed it, check it; if you followed a link, the call or day may have moved.".into(),
                };
                match page.render() {
                    Ok(html) => (StatusCode::NOT_FOUND, Html(html)).into_response(),
                    Err(error) => {
                        tracing::error!(%error, "rendering the not-found page failed");
                        (StatusCode::NOT_FOUND, "Page not found").into_response()
                    }
                }
            }
            WebError::Forbidden(message) => {
                plain_page(StatusCode::FORBIDDEN, "This request was refused", &message)
            }
            WebError::BadRequest(message) => plain_page(
                StatusCode::BAD_REQUEST,
                "This request could not be read",
                &message,
            ),
            WebError::Gone(message) => {
                plain_page(StatusCode::GONE, "This page was removed", &message)
            }
            WebError::TooManyRequests => plain_page(
                StatusCode::TOO_MANY_REQUESTS,
                "Too many attempts",
                "There have been too many attempts from here or for this address. Wait a few minutes, then try again.",
            ),
            WebError::Store(docket_store::StoreError::NotFound) => plain_page(
                StatusCode::NOT_FOUND,
                "Page not found",
                "There is no page at this address, or it is not yours to see. Check the address, or go to your submissions.",
            ),
            WebError::Store(docket_store::StoreError::Conflict(message)) => {
                plain_page(StatusCode::CONFLICT, "This cannot be changed now", &message)
            }
            WebError::Store(docket_store::StoreError::Database(error)) => {
                tracing::error!(%error, "database error");
                server_error(StatusCode::SERVICE_UNAVAILABLE)
            }
            other => {
                tracing::error!(error = %other, "request failed");
                server_error(StatusCode::INTERNAL_SERVER_ERROR)
            }
        }
    }
}

fn plain_page(status: StatusCode, heading: &str, message: &str) -> Response {
    let page = ErrorPage {
        layout: Layout::plain(heading),
        heading: heading.into(),
        message: message.into(),
    };
    let html = page.render().unwrap_or_else(|_| message.to_owned());
    (status, Html(html)).into_response()
}

fn server_error(status: StatusCode) -> Response {
    let page = ErrorPage {
        layout: Layout::plain("Something went wrong"),
        heading: "Something went wrong on our side".into(),
        message: "Nothing you sent has been lost. Please try again in a minute; if it keeps happening, tell the organisers.".into(),
    };
    let html = page
        .render()
        .unwrap_or_else(|_| "Something went wrong on our side.".into());
    (status, Html(html)).into_response()
}
