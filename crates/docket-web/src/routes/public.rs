//! The public pages of a call: the call, its themed days, its guidelines.

use axum::Router;
use axum::extract::{Path, State};
use axum::response::Html;
use axum::routing::get;
use jiff::civil::Date;

use crate::site::{self, Layout};
use crate::{AppState, WebError};

/// Routes for the public site.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/calls/{slug}", get(call))
        .route("/calls/{slug}/days/{date}", get(day))
        .route("/calls/{slug}/guidelines", get(guidelines))
}

fn not_found_error(state: &AppState) -> WebError {
    WebError::NotFound(Box::new(Layout::new(
        "Page not found",
        state.clock.as_ref(),
        None,
    )))
}

/// The answer for any address nothing else answers.
pub async fn not_found(State(state): State<AppState>) -> WebError {
    not_found_error(&state)
}

async fn load(state: &AppState, slug: &str) -> Result<docket_core::Call, WebError> {
    match state.store.call(slug).await? {
        Some(stored) => Ok(stored.call),
        None => Err(not_found_error(state)),
    }
}

async fn home(State(state): State<AppState>) -> Result<Html<String>, WebError> {
    let calls: Vec<_> = state
        .store
        .calls()
        .await?
        .into_iter()
        .map(|stored| stored.call)
        .collect();
    Ok(Html(site::home(&calls, state.clock.as_ref())?))
}

async fn call(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Html<String>, WebError> {
    let call = load(&state, &slug).await?;
    Ok(Html(site::call_page(&call, state.clock.as_ref())?))
}

async fn day(
    State(state): State<AppState>,
    Path((slug, date)): Path<(String, String)>,
) -> Result<Html<String>, WebError> {
    let call = load(&state, &slug).await?;
    let date: Date = date.parse().map_err(|_| not_found_error(&state))?;
    match site::day_page(&call, date, state.clock.as_ref()) {
        Some(page) => Ok(Html(page?)),
        None => Err(not_found_error(&state)),
    }
}

async fn guidelines(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Html<String>, WebError> {
    let call = load(&state, &slug).await?;
    Ok(Html(site::guidelines_page(&call, state.clock.as_ref())?))
}
