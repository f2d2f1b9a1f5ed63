//! The public pages of a call: the call, its themed days, its guidelines.

use axum::Router;
use axum::extract::{Extension, Path, State};
use axum::response::Html;
use axum::routing::get;
use jiff::civil::Date;

use crate::auth::MaybeUser;
use crate::csrf::CsrfToken;
use crate::site::{self, Visit};
use crate::{AppState, WebError};

/// Routes for the public site.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/calls/{slug}", get(call))
        .route("/calls/{slug}/days/{date}", get(day))
        .route("/calls/{slug}/guidelines", get(guidelines))
}

/// The answer for any address nothing else answers.
pub async fn not_found(State(state): State<AppState>) -> WebError {
    WebError::not_found(&state)
}

async fn load(state: &AppState, slug: &str) -> Result<docket_core::Call, WebError> {
    match state.store.call(slug).await? {
        Some(stored) => Ok(stored.call),
        None => Err(WebError::not_found(state)),
    }
}

fn visit<'a>(state: &AppState, visitor: &'a MaybeUser, csrf: &'a CsrfToken) -> Option<Visit<'a>> {
    Some(Visit {
        user: visitor.0.as_ref(),
        csrf,
        demo: state.config.demo,
    })
}

async fn home(
    State(state): State<AppState>,
    visitor: MaybeUser,
    Extension(csrf): Extension<CsrfToken>,
) -> Result<Html<String>, WebError> {
    let calls: Vec<_> = state
        .store
        .calls()
        .await?
        .into_iter()
        .map(|stored| stored.call)
        .collect();
    let visit = visit(&state, &visitor, &csrf);
    Ok(Html(site::home(&calls, state.clock.as_ref(), visit)?))
}

async fn call(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    visitor: MaybeUser,
    Extension(csrf): Extension<CsrfToken>,
) -> Result<Html<String>, WebError> {
    let call = load(&state, &slug).await?;
    let visit = visit(&state, &visitor, &csrf);
    Ok(Html(site::call_page(&call, state.clock.as_ref(), visit)?))
}

async fn day(
    State(state): State<AppState>,
    Path((slug, date)): Path<(String, String)>,
    visitor: MaybeUser,
    Extension(csrf): Extension<CsrfToken>,
) -> Result<Html<String>, WebError> {
    let call = load(&state, &slug).await?;
    let date: Date = date.parse().map_err(|_| WebError::not_found(&state))?;
    let visit = visit(&state, &visitor, &csrf);
    match site::day_page(&call, date, state.clock.as_ref(), visit) {
        Some(page) => Ok(Html(page?)),
        None => Err(WebError::not_found(&state)),
    }
}

async fn guidelines(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    visitor: MaybeUser,
    Extension(csrf): Extension<CsrfToken>,
) -> Result<Html<String>, WebError> {
    let call = load(&state, &slug).await?;
    let visit = visit(&state, &visitor, &csrf);
    Ok(Html(site::guidelines_page(
        &call,
        state.clock.as_ref(),
        visit,
    )?))
}
