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

    /// Signs `email` up, puts them on the staff of `slug` as `role` and sets up their two-step
    /// sign-in: a staff member who reaches the console.
    pub async fn staff_member(
        &self,
        slug: &str,
        email: &str,
        password: &str,
        role: docket_store::StaffRole,
    ) -> (Visitor, Authenticator) {
        let visitor = self.signed_up(email, password).await;
        self.add_staff(slug, email, role).await;
        let app = visitor.enrol_two_factor().await;
        (visitor, app)
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

/// A person's authenticator app: the TOTP secret they scanned, giving each code once, as the
/// server accepts each time step once.
#[derive(Clone, Debug)]
pub struct Authenticator {
    pub secret: String,
    last_step: Arc<std::sync::Mutex<u64>>,
}

impl Authenticator {
    /// An app holding `secret` (base32, spaces ignored).
    pub fn new(secret: &str) -> Self {
        Self {
            secret: secret.split_whitespace().collect(),
            last_step: Arc::new(std::sync::Mutex::new(0)),
        }
    }

    /// A code the server has not seen yet: the current step's, or the next step's (one step of
    /// skew is allowed) when the current one was used; waits for a new step past that.
    pub async fn code(&self) -> String {
        loop {
            let now = docket_app::two_factor::wall_clock_seconds();
            let step = {
                let mut last = self.last_step.lock().expect("lock");
                let step = (now / 30).max(*last + 1);
                if step <= now / 30 + 1 {
                    *last = step;
                    Some(step)
                } else {
                    None
                }
            };
            if let Some(step) = step {
                return docket_app::two_factor::code_at(&self.secret, step * 30)
                    .expect("a valid secret");
            }
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        }
    }
}

/// The text of the element with `id` in a page, tags removed.
pub fn element_text(html: &str, id: &str) -> Option<String> {
    let marker = format!("id=\"{id}\"");
    let at = html.find(&marker)?;
    let start = at + html[at..].find('>')? + 1;
    let end = start + html[start..].find("</")?;
    Some(html[start..end].trim().to_owned())
}

impl Visitor {
    /// Sets up two-step sign-in through its pages, as someone with an app would: reads the key
    /// shown as text, types the app's code. Returns the app.
    pub async fn enrol_two_factor(&self) -> Authenticator {
        let page = self.get("/account/two-factor").await;
        assert_eq!(page.status, 200, "two-factor page: {}", page.body);
        let secret = element_text(&page.body, "secret").expect("the key shown as text");
        let app = Authenticator::new(&secret);
        let code = app.code().await;
        let page = self
            .post("/account/two-factor/enrol", &[("code", &code)])
            .await;
        assert_eq!(page.status, 200, "enrol: {}", page.body);
        assert!(page.body.contains("recovery codes"), "{}", page.body);
        app
    }

    /// Signs in with a password and, when asked, the app's code.
    pub async fn sign_in_with_code(&self, email: &str, password: &str, app: &Authenticator) {
        let page = self
            .post(
                "/account/sign-in",
                &[
                    ("email", email),
                    ("password", password),
                    ("next", "/account"),
                ],
            )
            .await;
        assert_eq!(page.status, 303, "sign-in: {}", page.body);
        let page = self.get("/account").await;
        assert_eq!(page.status, 303, "asked for the code: {}", page.body);
        assert!(page.location().starts_with("/account/two-factor/check"));
        let code = app.code().await;
        let page = self
            .post(
                "/account/two-factor/check",
                &[("code", &code), ("next", "/account")],
            )
            .await;
        assert_eq!(page.status, 303, "code: {}", page.body);
    }

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
