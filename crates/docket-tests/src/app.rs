//! The app on port 0 over a fresh database, with the seed call loaded and a clock the test moves.

use std::net::SocketAddr;
use std::sync::Arc;

use docket_core::{Call, ManualClock, call_file};
use docket_store::{Actor, Store};
use docket_web::{AppState, Application, WebConfig};
use jiff::Timestamp;
use tokio::sync::oneshot;

use crate::db::TestDb;

/// 09:00 BST on 13 October 2022, the morning the seed call was published.
pub const SEED_PUBLISHED: &str = "2022-10-13T08:00:00Z";

/// A running Docket for one test.
pub struct TestApp {
    pub address: SocketAddr,
    pub store: Arc<dyn Store>,
    pub clock: ManualClock,
    pub http: reqwest::Client,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

/// A response read whole.
#[derive(Debug)]
pub struct Page {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Page {
    /// A header's value as text, or "" when absent.
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}

/// Reads a call file that must be free of errors.
pub fn parse_call(source: &str) -> Call {
    let report = call_file::check(source);
    report
        .call
        .unwrap_or_else(|| panic!("call file has errors: {:#?}", report.diagnostics))
}

impl TestApp {
    /// Docket over `db`, migrated, with the seed call imported and the clock at [`SEED_PUBLISHED`].
    pub async fn spawn(db: &TestDb) -> Self {
        Self::spawn_with(db, WebConfig::default()).await
    }

    /// As [`TestApp::spawn`], with web settings of the test's choosing.
    pub async fn spawn_with(db: &TestDb, config: WebConfig) -> Self {
        let store = docket_store::connect(db.url())
            .await
            .expect("open the test database");
        store.migrate().await.expect("migrate the test database");
        let clock = ManualClock::new(SEED_PUBLISHED.parse().expect("timestamp"));
        store
            .save_call(
                &parse_call(crate::SEED_CALL),
                &Actor::System,
                clock.now_timestamp(),
            )
            .await
            .expect("import the seed call");
        let state = AppState::new(store.clone(), Arc::new(clock.clone()), config);
        let app = Application::bind(SocketAddr::from(([127, 0, 0, 1], 0)), state)
            .await
            .expect("bind a free port");
        let address = app.local_addr().expect("bound address");
        let (shutdown, stopped) = oneshot::channel::<()>();
        let server = tokio::spawn(app.run(async move {
            let _ = stopped.await;
        }));
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("http client");
        Self {
            address,
            store,
            clock,
            http,
            shutdown: Some(shutdown),
            server: Some(server),
        }
    }

    /// `http://127.0.0.1:PORT` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    /// GETs `path` and reads the whole answer.
    pub async fn get(&self, path: &str) -> Page {
        let response = self.http.get(self.url(path)).send().await.expect("request");
        Page {
            status: response.status().as_u16(),
            headers: response.headers().clone(),
            body: response.text().await.expect("body"),
        }
    }

    /// Stores another call, as `docket call import` would.
    pub async fn import(&self, source: &str) -> Call {
        let call = parse_call(source);
        self.store
            .save_call(&call, &Actor::Cli, self.clock.now_timestamp())
            .await
            .expect("store the call");
        call
    }

    /// Stops the server, waiting for requests in flight, and closes the store.
    pub async fn stop(mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(server) = self.server.take() {
            server.await.expect("server task").expect("server");
        }
        self.store.close().await;
    }
}

/// Reads a [`ManualClock`] without importing the `Clock` trait everywhere.
pub trait NowTimestamp {
    /// The clock's current instant.
    fn now_timestamp(&self) -> Timestamp;
}

impl NowTimestamp for ManualClock {
    fn now_timestamp(&self) -> Timestamp {
        docket_core::Clock::now(self)
    }
}
