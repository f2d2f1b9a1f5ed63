//! Docket's web face: the public call site, operational endpoints, and (in later work) the
//! contributor portal and editor console. Pages are server-rendered, work without JavaScript and
//! carry security headers on every response.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::http::Method;
use axum::routing::MethodRouter;
use docket_core::Clock;
use docket_store::Store;
use tokio::net::TcpListener;

pub mod auth;
mod csrf;
mod error;
pub mod feeds;
mod forms;
mod metrics;
mod ratelimit;
mod routes;
mod security;
pub mod site;
pub use routes::assets::embedded as static_asset;
pub use routes::week::calendar_pieces;
pub mod week;

pub use error::WebError;
pub use ratelimit::RateLimits;

/// Settings the web layer needs, taken from Docket's configuration.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Largest request body accepted, in bytes; larger requests are refused before they are read.
    pub max_body_bytes: usize,
    /// The address people use to reach Docket (`https://docket.example.org`); decides HSTS,
    /// secure cookies and the links in emails.
    pub public_url: String,
    /// Demo mode: the outbox is readable on a demo mailbox page linked from the banner.
    pub demo: bool,
    /// A session ends after this long without a request.
    pub session_idle: jiff::SignedDuration,
    /// A session ends this long after sign-in, however active.
    pub session_lifetime: jiff::SignedDuration,
    /// `/metrics` answers only requests with `Authorization: Bearer <this>`; without it, `/metrics`
    /// is not served at all.
    pub metrics_token: Option<String>,
    /// How mail is read; the web uses it to file held mail its sender confirmed.
    pub ingest: docket_app::ingest::IngestSettings,
    /// How many sign-in, code and sign-up attempts a minute are allowed.
    pub rate_limits: RateLimits,
    /// Reverse proxies whose `Forwarded` / `X-Forwarded-For` say who the client is; anyone
    /// else's are ignored.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// How long an editor's decision can be undone before it reaches the author.
    pub undo_window: jiff::SignedDuration,
}

impl WebConfig {
    /// True when Docket is reached over HTTPS.
    pub fn secure(&self) -> bool {
        self.public_url.starts_with("https://")
    }
}

impl Default for WebConfig {
    fn default() -> Self {
        Self {
            max_body_bytes: 25 * 1024 * 1024,
            public_url: "http://127.0.0.1:8080".into(),
            demo: false,
            session_idle: jiff::SignedDuration::from_hours(12),
            session_lifetime: jiff::SignedDuration::from_hours(7 * 24),
            metrics_token: None,
            ingest: docket_app::ingest::IngestSettings::default(),
            rate_limits: RateLimits::default(),
            trusted_proxies: Vec::new(),
            undo_window: jiff::SignedDuration::from_mins(10),
        }
    }
}

/// Everything a request handler may need, cheap to clone.
#[derive(Debug, Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
    pub config: Arc<WebConfig>,
    pub mailer: Arc<docket_app::mail::Mailer>,
    /// The deployment's CSRF key, read from the store on first use.
    csrf_key: Arc<tokio::sync::OnceCell<csrf::CsrfKey>>,
    /// Rendered public pages for visitors who are not signed in.
    pub(crate) public_cache: Arc<routes::week::PublicCache>,
}

impl AppState {
    /// State over `store`, reading time from `clock`.
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>, config: WebConfig) -> Self {
        Self {
            store,
            clock,
            mailer: Arc::new(docket_app::mail::Mailer::new(&config.public_url)),
            config: Arc::new(config),
            csrf_key: Arc::new(tokio::sync::OnceCell::new()),
            public_cache: Arc::default(),
        }
    }

    /// The key CSRF tokens are signed with: one per deployment, kept in the store.
    pub(crate) async fn csrf_key(&self) -> Result<csrf::CsrfKey, WebError> {
        self.csrf_key
            .get_or_try_init(|| async {
                let bytes = self
                    .store
                    .site_secret("csrf", jiff::Timestamp::now())
                    .await?;
                Ok::<_, WebError>(csrf::CsrfKey::new(bytes))
            })
            .await
            .cloned()
    }
}

/// One route: a method, a path, and its handler. The router is built from one table of these
/// ([`route_table`]), so that the authorisation test can walk every route there is.
pub(crate) struct Route {
    method: Method,
    path: &'static str,
    handler: MethodRouter<AppState>,
}

impl Route {
    /// `GET path`.
    pub(crate) fn get<H, T>(path: &'static str, handler: H) -> Self
    where
        H: axum::handler::Handler<T, AppState>,
        T: 'static,
    {
        Self::new(Method::GET, path, axum::routing::get(handler))
    }

    /// `POST path`.
    pub(crate) fn post<H, T>(path: &'static str, handler: H) -> Self
    where
        H: axum::handler::Handler<T, AppState>,
        T: 'static,
    {
        Self::new(Method::POST, path, axum::routing::post(handler))
    }

    /// `method path`, with a handler that may carry layers of its own.
    pub(crate) fn new(method: Method, path: &'static str, handler: MethodRouter<AppState>) -> Self {
        Self {
            method,
            path,
            handler,
        }
    }
}

/// Every route of the app, from each resource's module.
fn routes(max_body: usize) -> Vec<Route> {
    [
        routes::public::routes(),
        routes::account::routes(),
        routes::mail::routes(),
        routes::submissions::routes(max_body),
        routes::console::routes(),
        routes::people::routes(),
        routes::editorial::routes(),
        routes::reviews::routes(),
        routes::copy_edit::routes(),
        routes::announcements::routes(),
        routes::board::routes(),
        routes::week::routes(),
        routes::me::routes(max_body),
        routes::demo::routes(),
        routes::ops::routes(),
        routes::assets::routes(),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// Every route the app answers, as (method, path pattern): what the authorisation matrix walks.
pub fn route_table() -> Vec<(Method, &'static str)> {
    routes(WebConfig::default().max_body_bytes)
        .into_iter()
        .map(|route| (route.method, route.path))
        .collect()
}

/// The letterhead for mail about a call's page at `path` (`/calls/SLUG/…`, where someone signs in
/// from), else about the only call open now (the rule mail coming in follows), else Docket's own
/// wording.
pub(crate) async fn letterhead_for_path(
    state: &AppState,
    path: &str,
) -> Result<docket_app::mail::Letterhead, WebError> {
    let slug = path
        .strip_prefix("/calls/")
        .and_then(|rest| rest.split(['/', '?', '#']).next())
        .filter(|slug| !slug.is_empty());
    let call = match slug {
        Some(slug) => state.store.call(slug).await?,
        None => None,
    };
    let call = match call {
        Some(call) => Some(call),
        None => {
            let calls = state.store.calls().await?;
            docket_app::ingest::only_open_call(&calls, state.clock.now()).cloned()
        }
    };
    Ok(match call {
        Some(call) => {
            docket_app::letterhead(state.store.as_ref(), &state.mailer, call.id, &call.call).await?
        }
        None => docket_app::mail::Letterhead::plain(),
    })
}

/// The whole router: pages, operational endpoints, static assets and the layers around them.
/// The security headers are the outermost layer, so that every answer carries them, the early
/// ones (413, a refused cross-site form) included.
pub fn router(state: AppState) -> Router {
    let secure = state.config.secure();
    let max_body = state.config.max_body_bytes;
    let app = routes(max_body)
        .into_iter()
        .fold(Router::new(), |router, route| {
            router.route(route.path, route.handler)
        })
        .fallback(routes::public::not_found)
        .layer(axum::middleware::from_fn(metrics::record))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            csrf::ensure_token,
        ))
        .layer(tower_http::csrf::CsrfLayer::new())
        .layer(tower_http::limit::RequestBodyLimitLayer::new(max_body))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            security::cache_policy,
        ))
        .layer(
            tower_http::trace::TraceLayer::new_for_http().make_span_with(
                |request: &axum::http::Request<axum::body::Body>| {
                    tracing::info_span!(
                        "request",
                        method = %request.method(),
                        path = %security::loggable_path(request.uri().path()),
                    )
                },
            ),
        )
        .with_state(state);
    security::apply(app, secure)
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
        let service = self
            .router
            .into_make_service_with_connect_info::<SocketAddr>();
        axum::serve(self.listener, service)
            .with_graceful_shutdown(shutdown)
            .await
    }
}

/// A rendered page with its status: the one way every route answers with HTML.
pub(crate) fn render(
    template: impl askama::Template,
    status: axum::http::StatusCode,
) -> Result<axum::response::Response, WebError> {
    use axum::response::IntoResponse as _;
    Ok((status, axum::response::Html(template.render()?)).into_response())
}
