//! Prometheus metrics: one recorder for the process, a middleware counting requests.

use std::sync::OnceLock;
use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// The process's Prometheus handle, installing the recorder the first time.
pub fn handle() -> Option<&'static PrometheusHandle> {
    HANDLE
        .get_or_init(|| match PrometheusBuilder::new().install_recorder() {
            Ok(handle) => Some(handle),
            Err(error) => {
                tracing::warn!(%error, "metrics recorder not installed: /metrics will be empty");
                None
            }
        })
        .as_ref()
}

/// Counts each request by method, route and status, and times it.
pub async fn record(request: Request, next: Next) -> Response {
    let _ = handle();
    let started = Instant::now();
    let method = request.method().to_string();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |path| path.as_str().to_owned());
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    let labels = [("method", method), ("route", route), ("status", status)];
    metrics::counter!("docket_http_requests_total", &labels).increment(1);
    metrics::histogram!("docket_http_request_duration_seconds", &labels)
        .record(started.elapsed().as_secs_f64());
    response
}
