//! Docket's web face: the public call site, operational endpoints, and (in later work) the
//! contributor portal and editor console. Pages are server-rendered, work without JavaScript and
//! carry security headers on every response.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use docket_core::Clock;
use docket_store::Store;
use tokio::net::TcpListener;

mod error;
mod metrics;
mod routes;
mod security;
pub mod site;

pub use error::WebError;

/// Settings the web layer needs, taken from Docket's configuration.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Largest request body accepted, in bytes; larger requests are refused before they are read.
    pub max_body_bytes: usize,
    /// The address people use to reach Docket (`https://docket.example.org`); decides HSTS.
    pub public_url: String,
}

impl Default for WebConfig {
    fn default() -> Self {
        Self {
            max_body_bytes: 25 * 1024 * 1024,
            public_url: "http://127.0.0.1:8080".into(),
        }
    }
}

/// Everything a request handler may need, cheap to clone.
#[derive(Debug, Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
    pub config: Arc<WebConfig>,
}

impl AppState {
    /// State over `store`, reading time from `clock`.
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>, config: WebConfig) -> Self {
        Self {
            store,
            clock,
            config: Arc::new(config),
        }
    }
}

/// The whole router: pages, operational endpoints, static assets and the layers around them.
pub fn router(state: AppState) -> Router {
    let secure = state.config.public_url.starts_with("https://");
    let max_body = state.config.max_body_bytes;
    let app = Router::new()
        .merge(routes::public::router())
        .merge(routes::ops::router())
        .merge(routes::assets::router())
        .fallback(routes::public::not_found)
        .with_state(state)
        .layer(axum::middleware::from_fn(metrics::record));
    security::apply(app, secure)
        .layer(tower_http::limit::RequestBodyLimitLayer::new(max_body))
        .layer(axum::extract::DefaultBodyLimit::max(max_body))
        .layer(tower_http::trace::TraceLayer::new_for_http())
}

/// A bound listener and the app it serves: bind on port 0 in tests and ask for the real port.
pub struct Application {
    listener: TcpListener,
    router: Router,
}

impl Application {
    /// Binds `addr` (port 0 picks a free port) for the app over `state`.
    pub async fn bind(addr: SocketAddr, state: AppState) -> std::io::Result<Self> {
        let listener = TcpListener::bind(addr).await?;
        Ok(Self {
            listener,
            router: router(state),
        })
    }

    /// The address actually bound.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until `shutdown` completes, then finishes the requests in flight.
    pub async fn run(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        axum::serve(self.listener, self.router)
            .with_graceful_shutdown(shutdown)
            .await
    }
}
