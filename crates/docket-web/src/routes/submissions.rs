//! The contributor's pieces: start, draft, upload, preview, submit, revise, withdraw, co-authors.

use axum::Router;

use crate::AppState;

/// Routes under `/submissions` and `/calls/{slug}/submit`.
pub fn router() -> Router<AppState> {
    Router::new()
}
