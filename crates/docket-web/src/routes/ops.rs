//! Operational endpoints: health for load balancers, metrics for Prometheus.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;

use crate::{AppState, Route};

/// `/healthz` and `/metrics`.
pub fn routes() -> Vec<Route> {
    vec![
        Route::get("/healthz", healthz),
        Route::get("/metrics", metrics),
    ]
}

/// 200 when the database answers, 503 otherwise (so a load balancer takes the node out).
async fn healthz(State(state): State<AppState>) -> impl IntoResponse {
    match state.store.ping().await {
        Ok(()) => (StatusCode::OK, "ok\n"),
        Err(error) => {
            tracing::warn!(%error, "health check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n")
        }
    }
}

/// Prometheus metrics, for a scraper that holds the configured bearer token; without a token in
/// the configuration `/metrics` is not served (it would tell anyone the shape of the traffic).
async fn metrics(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
) -> axum::response::Response {
    use subtle::ConstantTimeEq;
    let Some(expected) = state.config.metrics_token.as_deref() else {
        return crate::WebError::not_found(&state).into_response();
    };
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .unwrap_or_default();
    let matches: bool = presented.as_bytes().ct_eq(expected.as_bytes()).into();
    if !matches || expected.is_empty() {
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer")],
            "a bearer token is required\n",
        )
            .into_response();
    }
    let body = crate::metrics::handle()
        .map(|handle| handle.render())
        .unwrap_or_default();
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body).into_response()
}
