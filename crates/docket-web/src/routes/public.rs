//! The public pages of a call: the call, its themed days, its guidelines.

use axum::extract::{Extension, Path, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use jiff::civil::Date;

use axum::http::HeaderMap;

use crate::auth::MaybeUser;
use crate::csrf::CsrfToken;
use crate::routes::week::{Freshness, live_week};
use crate::site::{self, Visit};
use crate::{AppState, Route, WebError};

/// Routes for the public site.
pub fn routes() -> Vec<Route> {
    vec![
        Route::get("/", home),
        Route::get("/calls/{slug}", call),
        Route::get("/calls/{slug}/days/{date}", day),
        Route::get("/calls/{slug}/guidelines", guidelines),
        Route::get("/privacy", privacy),
    ]
}

/// A public page: a shared cache may keep it for a minute when the visitor is not signed in
/// (a signed-in visitor's copy shows their account, and is never stored).
fn public_page(visitor: &MaybeUser, html: String) -> Response {
    if visitor.0.is_none() {
        ([(header::CACHE_CONTROL, "public, max-age=60")], Html(html)).into_response()
    } else {
        Html(html).into_response()
    }
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
) -> Result<Response, WebError> {
    let calls: Vec<_> = state
        .store
        .calls()
        .await?
        .into_iter()
        .map(|stored| stored.call)
        .collect();
    let visit = visit(&state, &visitor, &csrf);
    let html = site::home(&calls, state.clock.as_ref(), visit)?;
    Ok(public_page(&visitor, html))
}

async fn call(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    visitor: MaybeUser,
    headers: HeaderMap,
    Extension(csrf): Extension<CsrfToken>,
) -> Result<Response, WebError> {
    let (stored, fresh) = Freshness::load(&state, &slug, &visitor).await?;
    let path = format!("/calls/{slug}");
    if let Some(page) = fresh.cached(&state, &path) {
        return Ok(fresh.answer(&headers, &page));
    }
    let announcements = state.store.announcements(stored.id).await?;
    let pieces = fresh.pieces(&state, &stored).await?;
    let week = live_week(&state, &stored.call, &pieces);
    let visit = visit(&state, &visitor, &csrf);
    let html = site::call_page(&week, state.clock.as_ref(), visit, &announcements)?;
    let page = fresh.keep(&state, &path, html);
    Ok(fresh.answer(&headers, &page))
}

async fn day(
    State(state): State<AppState>,
    Path((slug, date)): Path<(String, String)>,
    visitor: MaybeUser,
    headers: HeaderMap,
    Extension(csrf): Extension<CsrfToken>,
) -> Result<Response, WebError> {
    let (stored, fresh) = Freshness::load(&state, &slug, &visitor).await?;
    let date: Date = date.parse().map_err(|_| WebError::not_found(&state))?;
    if stored.call.day(date).is_none() {
        return Err(WebError::not_found(&state));
    }
    let path = format!("/calls/{slug}/days/{date}");
    if let Some(page) = fresh.cached(&state, &path) {
        return Ok(fresh.answer(&headers, &page));
    }
    let pieces = fresh.pieces(&state, &stored).await?;
    let week = live_week(&state, &stored.call, &pieces);
    let visit = visit(&state, &visitor, &csrf);
    match site::day_page(&week, date, state.clock.as_ref(), visit) {
        Some(html) => {
            let page = fresh.keep(&state, &path, html?);
            Ok(fresh.answer(&headers, &page))
        }
        None => Err(WebError::not_found(&state)),
    }
}

async fn guidelines(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    visitor: MaybeUser,
    Extension(csrf): Extension<CsrfToken>,
) -> Result<Response, WebError> {
    let call = load(&state, &slug).await?;
    let visit = visit(&state, &visitor, &csrf);
    let week = live_week(&state, &call, &[]);
    let html = site::guidelines_page(&week, state.clock.as_ref(), visit)?;
    Ok(public_page(&visitor, html))
}

#[derive(askama::Template)]
#[template(path = "privacy.html")]
struct PrivacyPage {
    layout: site::Layout,
    html: String,
}

/// What Docket keeps, why and for how long: docs/privacy.md, as the repository has it.
async fn privacy(
    State(state): State<AppState>,
    visitor: crate::auth::MaybeUser,
    Extension(csrf): Extension<crate::csrf::CsrfToken>,
) -> Result<Response, WebError> {
    static HTML: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let html = HTML
        .get_or_init(|| {
            docket_core::markdown::to_safe_html(include_str!("../../../../docs/privacy.md"))
        })
        .clone();
    crate::render(
        PrivacyPage {
            layout: site::Layout::new("Privacy", state.clock.as_ref(), None).for_visitor(
                visitor.0.as_ref(),
                &csrf,
                state.config.demo,
            ),
            html,
        },
        axum::http::StatusCode::OK,
    )
}
