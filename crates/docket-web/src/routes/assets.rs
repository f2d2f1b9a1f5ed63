//! Static assets embedded in the binary (no files read from the working directory).

use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use rust_embed::Embed;

use crate::Route;

#[derive(Embed)]
#[folder = "static/"]
struct Assets;

/// `/static/{path}`.
pub fn routes() -> Vec<Route> {
    vec![Route::get("/static/{*path}", asset)]
}

async fn asset(Path(path): Path<String>) -> Response {
    match Assets::get(&path) {
        Some(file) => {
            let mime = mime_guess::from_path(&path).first_or_octet_stream();
            (
                [
                    (header::CONTENT_TYPE, mime.as_ref().to_owned()),
                    (header::CACHE_CONTROL, "public, max-age=3600".to_owned()),
                ],
                file.data,
            )
                .into_response()
        }
        None => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
}

/// A static asset's bytes (`docket.css`), for the static export.
pub fn embedded(path: &str) -> Option<Vec<u8>> {
    Assets::get(path).map(|file| file.data.into_owned())
}
