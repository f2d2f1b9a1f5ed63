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
        let seed = parse_call(crate::SEED_CALL);
        // As the demo does: pages of no call read the clock in the seed call's zone.
        let clock = ManualClock::new(SEED_PUBLISHED.parse().expect("timestamp"))
            .in_zone(seed.time_zone.zone().clone());
        store
            .save_call(&seed, &Actor::System, clock.now_timestamp())
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

    /// Puts `email` on the staff of the call `slug` with `role`, as `docket staff add` would.
    pub async fn add_staff(&self, slug: &str, email: &str, role: docket_store::StaffRole) {
        let call = self
            .store
            .call(slug)
            .await
            .expect("read the call")
            .expect("the call exists");
        self.store
            .add_staff(
                call.id,
                email,
                role,
                &Actor::Cli,
                self.clock.now_timestamp(),
            )
            .await
            .expect("add the staff member");
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

/// One person's browser: a cookie jar and the pages it fetched.
pub struct Visitor {
    pub http: reqwest::Client,
    jar: Arc<reqwest::cookie::Jar>,
    base: String,
}

impl TestApp {
    /// A new visitor with an empty cookie jar.
    pub fn visitor(&self) -> Visitor {
        let jar = Arc::new(reqwest::cookie::Jar::default());
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .cookie_provider(jar.clone())
            .build()
            .expect("http client");
        Visitor {
            http,
            jar,
            base: self.url(""),
        }
    }

    /// The mail queued for `to`, newest first.
    pub async fn mail_to(&self, to: &str) -> Vec<docket_store::NewMail> {
        self.store
            .outbox(1000)
            .await
            .expect("outbox")
            .into_iter()
            .filter(|row| row.mail.to == to)
            .map(|row| row.mail)
            .collect()
    }

    /// The path of the first link in the newest mail to `to` that contains `marker`.
    pub async fn link_in_mail(&self, to: &str, marker: &str) -> String {
        let mails = self.mail_to(to).await;
        let mail = mails.first().unwrap_or_else(|| panic!("no mail to {to}"));
        let start = mail
            .text
            .find(marker)
            .unwrap_or_else(|| panic!("no {marker} link in {}", mail.text));
        let link: String = mail.text[start..]
            .chars()
            .take_while(|c| !c.is_whitespace())
            .collect();
        link
    }

    /// Signs `email` up with `password`, confirms it from the mail, and returns the signed-in visitor.
    pub async fn signed_up(&self, email: &str, password: &str) -> Visitor {
        let visitor = self.visitor();
        let page = visitor
            .post(
                "/account/sign-up",
                &[("email", email), ("password", password)],
            )
            .await;
        assert_eq!(page.status, 303, "sign-up: {}", page.body);
        let link = self.link_in_mail(email, "/account/confirm/").await;
        let page = visitor.post(&link, &[]).await;
        assert_eq!(page.status, 303, "confirm: {}", page.body);
        visitor
    }
}

impl Visitor {
    /// The app's address, `http://127.0.0.1:PORT`.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// GETs `path`.
    pub async fn get(&self, path: &str) -> Page {
        let response = self
            .http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("request");
        read(response).await
    }

    /// The CSRF token a form served to this visitor now carries, read from a page as a browser
    /// would: no cookie holds it (it is tied to the session once signed in, and signed before).
    pub async fn csrf(&self) -> String {
        let page = self.get("/account/sign-in").await;
        form_token(&page.body).expect("a form with a CSRF token on the sign-in page")
    }

    /// Gives the visitor a cookie, as `name=value` (a session made in the store directly).
    pub fn set_cookie(&self, pair: &str) {
        let url: reqwest::Url = self.base.parse().expect("the app's address");
        self.jar.add_cookie_str(pair, &url);
    }

    /// The value of a cookie the visitor holds for the app.
    pub fn cookie(&self, name: &str) -> Option<String> {
        use reqwest::cookie::CookieStore;
        let url: reqwest::Url = self.base.parse().ok()?;
        let header = self.jar.cookies(&url)?;
        header
            .to_str()
            .ok()?
            .split("; ")
            .find_map(|pair| pair.strip_prefix(&format!("{name}=")).map(str::to_owned))
    }

    /// POSTs a form with the visitor's CSRF token added.
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        let csrf = self.csrf().await;
        let mut form: Vec<(&str, &str)> = fields.to_vec();
        form.push(("csrf", &csrf));
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .form(&form)
            .send()
            .await
            .expect("request");
        read(response).await
    }

    /// POSTs a form exactly as given (no token added).
    pub async fn post_raw(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .form(fields)
            .send()
            .await
            .expect("request");
        read(response).await
    }

    /// POSTs a multipart form with the CSRF token added; files are (field, file name, bytes).
    pub async fn post_multipart(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        files: Vec<(&str, &str, Vec<u8>)>,
    ) -> Page {
        let mut form = reqwest::multipart::Form::new().text("csrf", self.csrf().await);
        for (name, value) in fields {
            form = form.text(name.to_string(), value.to_string());
        }
        for (name, file_name, bytes) in files {
            form = form.part(
                name.to_string(),
                reqwest::multipart::Part::bytes(bytes).file_name(file_name.to_string()),
            );
        }
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .multipart(form)
            .send()
            .await
            .expect("request");
        read(response).await
    }
}

/// The value of the first hidden `csrf` field in a page.
pub fn form_token(html: &str) -> Option<String> {
    let start = html.find("name=\"csrf\" value=\"")? + "name=\"csrf\" value=\"".len();
    let end = start + html[start..].find('"')?;
    Some(html[start..end].to_owned())
}

async fn read(response: reqwest::Response) -> Page {
    Page {
        status: response.status().as_u16(),
        headers: response.headers().clone(),
        body: response.text().await.expect("body"),
    }
}

impl Page {
    /// The `Location` of a redirect.
    pub fn location(&self) -> &str {
        self.header("location")
    }

    /// The piece a redirect leads to (`/submissions/42` or `/submissions/42/edit`).
    pub fn piece_id(&self) -> i64 {
        self.location()
            .trim_start_matches("/submissions/")
            .trim_end_matches("/edit")
            .parse()
            .unwrap_or_else(|_| panic!("no piece in the redirect to {:?}", self.location()))
    }
}
