//! The `docket` command as a user runs it: checking, importing and exporting call files, the
//! server with its configuration, and the demo.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use docket_tests::db::TestDb;

fn docket() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_docket"));
    // Keep the user's own configuration out of the tests.
    command
        .env_remove("DOCKET_CONFIG")
        .env_remove("DOCKET_DATABASE_URL")
        .env("NO_COLOR", "1");
    command
}

fn run(command: &mut Command) -> Output {
    command.output().expect("run docket")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn seed_path() -> &'static Path {
    Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../calls/digital-justice-week-2022.toml"
    ))
}

#[test]
fn checking_the_seed_call_passes_with_the_prose_date_warnings() {
    let output = run(docket().args(["call", "check"]).arg(seed_path()));
    let stderr = text(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stderr.contains(":60:51: warning: deadline.wording: “Friday 5 November” does not match the calendar: 5 November 2022 is a Saturday, not a Friday. Nearest consistent reading: Friday 4 November 2022"),
        "{stderr}"
    );
    assert!(stderr.contains("0 errors, 4 warnings"), "{stderr}");
}

#[test]
fn checking_a_broken_call_lists_every_error_and_fails() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("broken.toml");
    let source = std::fs::read_to_string(seed_path())
        .unwrap()
        .replace(
            "time_zone = \"Europe/London\"",
            "time_zone = \"Europe/Lundon\"",
        )
        .replace("date = 2022-11-18", "date = 2022-11-25")
        .replace(
            "words = { min = 600, max = 800, hard_max = 1000 }",
            "words = { min = 800, max = 600 }",
        );
    std::fs::write(&file, source).unwrap();
    let output = run(docket().args(["call", "check"]).arg(&file));
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("broken.toml:14:13: error: time_zone: `Europe/Lundon` is not a time zone"),
        "{stderr}"
    );
    assert!(
        stderr.contains("error: days[4].date: Friday 25 November 2022 is outside the week"),
        "{stderr}"
    );
    assert!(
        stderr.contains("error: kinds[0].words.max: the minimum (800) exceeds the maximum (600)"),
        "{stderr}"
    );
    assert!(stderr.contains("3 errors"), "{stderr}");
}

#[test]
fn a_file_that_is_not_there_or_not_text_is_a_clear_error() {
    let output = run(docket().args(["call", "check", "/no/such/call.toml"]));
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).contains("could not read /no/such/call.toml"));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("latin1.toml");
    std::fs::write(&file, b"title = \"Caf\xe9\"\n").unwrap();
    let output = run(docket().args(["call", "check"]).arg(&file));
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output.stderr).contains("is not UTF-8 text"),
        "{}",
        text(&output.stderr)
    );
}

fn import_export_round_trip(database_url: &str) {
    let dir = tempfile::tempdir().unwrap();
    let imported = run(docket()
        .args(["call", "import"])
        .arg(seed_path())
        .env("DOCKET_DATABASE_URL", database_url));
    assert!(imported.status.success(), "{}", text(&imported.stderr));
    assert!(text(&imported.stdout).contains("imported call digital-justice-week-2022"));
    let again = run(docket()
        .args(["call", "import"])
        .arg(seed_path())
        .env("DOCKET_DATABASE_URL", database_url));
    assert!(text(&again.stdout).contains("updated call digital-justice-week-2022"));

    let exported = dir.path().join("exported.toml");
    let output = run(docket()
        .args(["call", "export", "digital-justice-week-2022", "--output"])
        .arg(&exported)
        .env("DOCKET_DATABASE_URL", database_url));
    assert!(output.status.success(), "{}", text(&output.stderr));
    let original = docket_core::call_file::check(&std::fs::read_to_string(seed_path()).unwrap())
        .call
        .unwrap();
    let back = docket_core::call_file::check(&std::fs::read_to_string(&exported).unwrap())
        .call
        .unwrap();
    assert_eq!(back, original);

    let missing = run(docket()
        .args(["call", "export", "no-such-call"])
        .env("DOCKET_DATABASE_URL", database_url));
    assert_eq!(missing.status.code(), Some(2));
    assert!(text(&missing.stderr).contains("there is no call with the slug `no-such-call`"));
}

#[tokio::test]
async fn import_then_export_gives_back_the_call_on_sqlite() {
    let db = TestDb::sqlite().await;
    import_export_round_trip(db.url());
}

#[tokio::test]
async fn import_then_export_gives_back_the_call_on_postgres() {
    if let Some(db) = TestDb::postgres().await {
        let url = db.url().to_owned();
        tokio::task::spawn_blocking(move || import_export_round_trip(&url))
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn an_organiser_is_added_listed_and_removed_and_the_reminder_job_is_listed() {
    let db = TestDb::sqlite().await;
    let url = db.url().to_owned();
    tokio::task::spawn_blocking(move || {
        let docket_at = |args: &[&str]| run(docket().args(args).env("DOCKET_DATABASE_URL", &url));
        let none = docket_at(&["staff", "list", "digital-justice-week-2022"]);
        assert_eq!(none.status.code(), Some(2));
        assert!(
            text(&none.stderr).contains("import it first with `docket call import FILE`"),
            "{}",
            text(&none.stderr)
        );
        let imported = run(docket()
            .args(["call", "import"])
            .arg(seed_path())
            .env("DOCKET_DATABASE_URL", &url));
        assert!(imported.status.success(), "{}", text(&imported.stderr));

        let added = docket_at(&[
            "staff",
            "add",
            "digital-justice-week-2022",
            "Jago@Example.org",
        ]);
        assert!(added.status.success(), "{}", text(&added.stderr));
        assert!(
            text(&added.stdout)
                .contains("jago@example.org is now an organiser of Digital Justice Week 2022"),
            "{}",
            text(&added.stdout)
        );
        let wrong = docket_at(&[
            "staff",
            "add",
            "digital-justice-week-2022",
            "ed@example.org",
            "--role",
            "boss",
        ]);
        assert_eq!(wrong.status.code(), Some(2));
        assert!(
            text(&wrong.stderr)
                .contains("`boss` is not a role: use `organiser`, `editor` or `reviewer`"),
            "{}",
            text(&wrong.stderr)
        );
        let listed = docket_at(&["staff", "list", "digital-justice-week-2022"]);
        assert_eq!(text(&listed.stdout).trim(), "organiser  jago@example.org");

        let jobs = docket_at(&["jobs", "list", "digital-justice-week-2022"]);
        assert!(jobs.status.success(), "{}", text(&jobs.stderr));
        assert!(
            text(&jobs.stdout).contains("queued     remind_drafts  2022-11-03 12:00 GMT"),
            "{}",
            text(&jobs.stdout)
        );

        let removed = docket_at(&[
            "staff",
            "remove",
            "digital-justice-week-2022",
            "jago@example.org",
        ]);
        assert!(removed.status.success(), "{}", text(&removed.stderr));
        let again = docket_at(&[
            "staff",
            "remove",
            "digital-justice-week-2022",
            "jago@example.org",
        ]);
        assert_eq!(again.status.code(), Some(2));
        assert!(text(&again.stderr).contains("is not on the staff"));
    })
    .await
    .unwrap();
}

#[test]
fn a_call_with_errors_is_not_imported() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("late.toml");
    let source = std::fs::read_to_string(seed_path())
        .unwrap()
        .replace("date = 2022-11-05", "date = 2022-11-15");
    std::fs::write(&file, source).unwrap();
    let database = format!("sqlite://{}", dir.path().join("d.db").display());
    let output = run(docket()
        .args(["call", "import"])
        .arg(&file)
        .env("DOCKET_DATABASE_URL", &database));
    assert_eq!(output.status.code(), Some(1));
    assert!(text(&output.stderr).contains("not imported"));
    assert!(
        !dir.path().join("d.db").exists(),
        "nothing was opened, nothing stored"
    );
}

#[test]
fn config_default_prints_a_commented_file_that_docket_accepts() {
    let output = run(docket().args(["config", "default"]));
    assert!(output.status.success());
    let printed = text(&output.stdout);
    assert!(printed.contains("# Where Docket keeps its data."));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("docket.toml");
    std::fs::write(
        &file,
        printed.replace("sqlite://docket.db", "sqlite::memory:"),
    )
    .unwrap();
    // The printed file is a valid configuration: import through it works.
    let output = run(docket()
        .arg("--config")
        .arg(&file)
        .args(["call", "import"])
        .arg(seed_path()));
    assert!(output.status.success(), "{}", text(&output.stderr));
}

/// A running `docket` process whose first stdout line names its address.
struct Running {
    child: Child,
    address: String,
}

impl Running {
    fn start(command: &mut Command, marker: &str) -> Self {
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start docket");
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        let address = loop {
            let line = lines
                .next()
                .expect("docket exited before listening")
                .unwrap();
            if let Some(rest) = line.split(marker).nth(1) {
                break rest
                    .split_whitespace()
                    .next()
                    .unwrap()
                    .trim_end_matches('/')
                    .to_owned();
            }
        };
        Self { child, address }
    }

    fn terminate(self) -> (std::process::ExitStatus, String) {
        let pid = self.child.id().to_string();
        assert!(
            Command::new("kill")
                .args(["-TERM", &pid])
                .status()
                .unwrap()
                .success()
        );
        let output = self.child.wait_with_output().unwrap();
        (output.status, text(&output.stderr))
    }
}

async fn get(url: &str) -> (u16, String) {
    let response = reqwest::get(url).await.expect("request");
    (response.status().as_u16(), response.text().await.unwrap())
}

async fn serve_story(database_url: &str) {
    let mut command = docket();
    command
        .arg("serve")
        .env("DOCKET_DATABASE_URL", database_url)
        .env("DOCKET_LISTEN", "127.0.0.1:0")
        .env("DOCKET_LOG_FORMAT", "json");
    let running = Running::start(&mut command, "listening on ");
    assert_eq!(
        get(&format!("{}/healthz", running.address)).await,
        (200, "ok\n".to_owned())
    );
    let (status, body) = get(&format!("{}/", running.address)).await;
    assert_eq!(status, 200);
    assert!(
        !body.contains("demo-banner"),
        "no demo banner on a real clock"
    );
    let (status, logs) = tokio::time::timeout(
        Duration::from_secs(20),
        tokio::task::spawn_blocking(move || running.terminate()),
    )
    .await
    .expect("docket stops within 20 s of SIGTERM")
    .unwrap();
    assert!(status.success(), "exit status {status:?}\n{logs}");
    assert!(
        logs.contains("\"message\":\"database ready\""),
        "json logs: {logs}"
    );
    assert!(logs.contains("\"message\":\"stopped\""), "{logs}");
}

#[tokio::test]
async fn serve_migrates_answers_and_stops_cleanly_on_sigterm_on_sqlite() {
    let db = TestDb::sqlite().await;
    serve_story(db.url()).await;
}

#[tokio::test]
async fn serve_migrates_answers_and_stops_cleanly_on_sigterm_on_postgres() {
    if let Some(db) = TestDb::postgres().await {
        serve_story(db.url()).await;
    }
}

#[tokio::test]
async fn the_demo_loads_the_seed_call_and_shows_its_clock() {
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}", dir.path().join("demo.db").display());
    let mut command = docket();
    command.args(["demo", "--listen", "127.0.0.1:0", "--database", &database]);
    let running = Running::start(&mut command, "Open ");
    assert!(
        running
            .address
            .ends_with("/calls/digital-justice-week-2022"),
        "{}",
        running.address
    );
    let (status, body) = get(&running.address).await;
    assert_eq!(status, 200);
    assert!(
        body.contains("Docket’s clock reads Thursday 13 October 2022, 09:0"),
        "banner"
    );
    assert!(
        body.contains("23 days, "),
        "the call is open on the demo clock"
    );
    // A page of no call (signing in) reads the clock in the call's zone too, not UTC.
    let (status, sign_in) = get(&running
        .address
        .replace("/calls/digital-justice-week-2022", "/account/sign-in"))
    .await;
    assert_eq!(status, 200);
    assert!(
        sign_in.contains("Docket’s clock reads Thursday 13 October 2022, 09:0")
            && sign_in.contains(" BST and runs on"),
        "the sign-in page's banner in UK summer time: {sign_in}"
    );
    let (status, _) = running.terminate();
    assert!(status.success());
    // A second start finds the call already there and does not load it twice.
    let mut command = docket();
    command.args([
        "demo",
        "--listen",
        "127.0.0.1:0",
        "--database",
        &database,
        "--at",
        "2022-11-06T10:00:00Z",
    ]);
    let running = Running::start(&mut command, "Open ");
    let (_, body) = get(&running.address).await;
    assert!(
        body.contains("The deadline has passed"),
        "the --at clock is used"
    );
    let (_, home) = get(&running
        .address
        .replace("/calls/digital-justice-week-2022", "/"))
    .await;
    assert_eq!(home.matches("<h2><a href=").count(), 1, "one call");
    let (status, _) = running.terminate();
    assert!(status.success());
}

#[tokio::test]
async fn the_demo_refuses_a_database_it_did_not_make() {
    let db = TestDb::sqlite().await;
    let url = db.url().to_owned();
    tokio::task::spawn_blocking(move || {
        // A database in use: a call imported with `docket call import`.
        let imported = run(docket()
            .args(["call", "import"])
            .arg(seed_path())
            .env("DOCKET_DATABASE_URL", &url));
        assert!(imported.status.success(), "{}", text(&imported.stderr));
        let refused = run(docket().args(["demo", "--listen", "127.0.0.1:0", "--database", &url]));
        assert_eq!(refused.status.code(), Some(2));
        let stderr = text(&refused.stderr);
        assert!(
            stderr.contains("already holds data that `docket demo` did not make"),
            "{stderr}"
        );
        assert!(
            stderr.contains("use `docket serve` for this one"),
            "{stderr}"
        );
        // Nothing was added to it: no demo staff.
        let staff = run(docket()
            .args(["staff", "list", "digital-justice-week-2022"])
            .env("DOCKET_DATABASE_URL", &url));
        assert!(
            text(&staff.stdout).contains("has no staff yet"),
            "{}",
            text(&staff.stdout)
        );
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn a_site_administrator_is_added_listed_and_removed() {
    let db = TestDb::sqlite().await;
    let url = db.url().to_owned();
    tokio::task::spawn_blocking(move || {
        let docket_at = |args: &[&str]| run(docket().args(args).env("DOCKET_DATABASE_URL", &url));
        let none = docket_at(&["admin", "list"]);
        assert!(none.status.success());
        assert!(text(&none.stdout).contains("There are no site administrators yet"));
        let bad = docket_at(&["admin", "add", "\"a>b\"@example.org"]);
        assert_eq!(bad.status.code(), Some(2));
        assert!(text(&bad.stderr).contains("is not an email address"));
        let added = docket_at(&["admin", "add", "Root@Example.org"]);
        assert!(added.status.success(), "{}", text(&added.stderr));
        assert!(text(&added.stdout).contains("root@example.org is now a site administrator"));
        let listed = docket_at(&["admin", "list"]);
        assert!(
            text(&listed.stdout).starts_with("root@example.org  (since "),
            "{}",
            text(&listed.stdout)
        );
        let removed = docket_at(&["admin", "remove", "root@example.org"]);
        assert!(removed.status.success());
        let again = docket_at(&["admin", "remove", "root@example.org"]);
        assert_eq!(again.status.code(), Some(2));
        assert!(text(&again.stderr).contains("is not a site administrator"));
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn pledges_are_listed_for_scripts_one_a_line_on_sqlite() {
    pledges_story(&TestDb::sqlite().await).await;
}

#[tokio::test]
async fn pledges_are_listed_for_scripts_one_a_line_on_postgres() {
    if let Some(db) = TestDb::postgres().await {
        pledges_story(&db).await;
    }
}

async fn pledges_story(db: &TestDb) {
    let url = db.url().to_owned();
    let imported = {
        let url = url.clone();
        tokio::task::spawn_blocking(move || {
            run(docket()
                .args(["call", "import"])
                .arg(seed_path())
                .env("DOCKET_DATABASE_URL", &url))
        })
        .await
        .unwrap()
    };
    assert!(imported.status.success(), "{}", text(&imported.stderr));
    // A pledge as an emailed promise leaves it (the call's deadline is long past by today's
    // clock, so the CLI shows it lapsed).
    let store = docket_store::connect(&url).await.unwrap();
    let call = store
        .call("digital-justice-week-2022")
        .await
        .unwrap()
        .unwrap();
    let now = jiff::Timestamp::now();
    let mut work = store.begin().await.unwrap();
    let owner = work.create_account("pat@example.org", now).await.unwrap();
    work.add_pledge(
        &docket_store::NewPledge {
            call_id: call.id,
            owner_id: owner,
            pledge: docket_core::pledge::Pledge {
                kind: Some("blog".into()),
                days: Some(docket_core::submission::CandidateDays::Days(
                    [jiff::civil::date(2022, 11, 15)].into_iter().collect(),
                )),
                working_title: "Data\tthat follows the person".into(),
                author: "Pat Lee".into(),
                ..Default::default()
            },
            source: "email",
            sender_trust: None,
        },
        now,
    )
    .await
    .unwrap();
    // A second one whose piece came: it names the piece.
    let (kept, _) = work
        .add_pledge(
            &docket_store::NewPledge {
                call_id: call.id,
                owner_id: owner,
                pledge: docket_core::pledge::Pledge {
                    kind: Some("case-study".into()),
                    days: Some(docket_core::submission::CandidateDays::Days(
                        [jiff::civil::date(2022, 11, 17)].into_iter().collect(),
                    )),
                    author: "Pat Lee".into(),
                    ..Default::default()
                },
                source: "web",
                sender_trust: None,
            },
            now,
        )
        .await
        .unwrap();
    work.commit().await.unwrap();
    let pat = store
        .user_by_email("pat@example.org")
        .await
        .unwrap()
        .unwrap();
    let piece = docket_core::submission::Piece {
        kind: "case-study".into(),
        days: Some(docket_core::submission::CandidateDays::Days(
            [jiff::civil::date(2022, 11, 17)].into_iter().collect(),
        )),
        title: "Courts online".into(),
        body: "Connected courts. ".repeat(300),
        ..Default::default()
    };
    let piece_id = store
        .create_draft(call.id, &pat, &piece, now)
        .await
        .unwrap();
    store
        .submit_revision(
            piece_id,
            pat.id,
            &piece,
            true,
            &[],
            docket_tests::mail::receipt(
                format!("<receipt-{piece_id}@docket.example.org>"),
                pat.email.clone(),
                piece_id,
                call.id,
            ),
            now,
        )
        .await
        .unwrap();
    store
        .link_pledge(kept, piece_id, &docket_store::Actor::Cli, now)
        .await
        .unwrap();
    store.close().await;
    let listed = tokio::task::spawn_blocking(move || {
        run(docket()
            .args(["pledges", "list", "digital-justice-week-2022"])
            .env("DOCKET_DATABASE_URL", &url))
    })
    .await
    .unwrap();
    assert!(listed.status.success(), "{}", text(&listed.stderr));
    let out = text(&listed.stdout);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "{out}");
    assert!(lines[0].starts_with("id\tstands\tkind\tdays"));
    let row = |id: i64| -> Vec<&str> {
        lines
            .iter()
            .map(|line| line.split('\t').collect::<Vec<_>>())
            .find(|cells| cells[0] == id.to_string())
            .unwrap_or_else(|| panic!("no row for pledge {id}: {out}"))
    };
    let fulfilled = row(kept);
    assert_eq!(fulfilled.len(), 9, "{out}");
    assert_eq!(fulfilled[1], "Piece sent", "{out}");
    assert_eq!(fulfilled[2], "Case study");
    assert_eq!(fulfilled[8], piece_id.to_string(), "the piece it led to");
    let cells: Vec<&str> = lines
        .iter()
        .skip(1)
        .map(|line| line.split('\t').collect::<Vec<_>>())
        .find(|cells| cells[0] != kept.to_string())
        .expect("the lapsed pledge");
    assert_eq!(cells.len(), 9, "{out}");
    assert_eq!(
        &cells[1..7],
        [
            "Lapsed",
            "Guest blog",
            "Tuesday 15 November 2022 (Harnessing the power of data)",
            "pat@example.org",
            "Pat Lee",
            "Data that follows the person",
        ]
    );
}

/// The current code shown for `email` on the demo mailbox page.
fn code_on_mailbox(html: &str, email: &str) -> String {
    let marker = format!("data-email=\"{email}\">");
    let start = html.find(&marker).expect("a code for the sample staff") + marker.len();
    html[start..start + 6].to_owned()
}

#[tokio::test]
async fn the_demo_is_full_of_samples_and_its_staff_sign_in_with_the_code_on_the_mailbox_page() {
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}", dir.path().join("demo.db").display());
    let mut command = docket();
    command.args(["demo", "--listen", "127.0.0.1:0", "--database", &database]);
    let running = Running::start(&mut command, "Open ");
    let base = running
        .address
        .replace("/calls/digital-justice-week-2022", "");
    let (status, mailbox) = get(&format!("{base}/demo/mailbox")).await;
    assert_eq!(status, 200);
    assert!(mailbox.contains("Sample staff"), "{mailbox}");
    let password = docket::samples::PASSWORD;
    assert!(mailbox.contains(password));
    for (email, role) in [
        ("organiser@example.org", "Organiser"),
        ("reviewer@example.org", "Reviewer"),
    ] {
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let page = client
            .get(format!("{base}/account/sign-in"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let csrf = docket_tests::app::form_token(&page).unwrap();
        let signed = client
            .post(format!("{base}/account/sign-in"))
            .form(&[
                ("email", email),
                ("password", password),
                ("next", "/console/calls/digital-justice-week-2022"),
                ("csrf", &csrf),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(signed.status(), 303);
        let asked = client
            .get(format!("{base}/console/calls/digital-justice-week-2022"))
            .send()
            .await
            .unwrap();
        assert_eq!(asked.status(), 303, "the console waits for the code");
        let (_, mailbox) = get(&format!("{base}/demo/mailbox")).await;
        let code = code_on_mailbox(&mailbox, email);
        let page = client
            .get(format!("{base}/account/two-factor/check"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let csrf = docket_tests::app::form_token(&page).unwrap();
        let checked = client
            .post(format!("{base}/account/two-factor/check"))
            .form(&[
                ("code", code.as_str()),
                ("next", "/console/calls/digital-justice-week-2022"),
                ("csrf", &csrf),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(checked.status(), 303);
        let overview = client
            .get(format!("{base}/console/calls/digital-justice-week-2022"))
            .send()
            .await
            .unwrap();
        assert_eq!(overview.status(), 200);
        let overview = overview.text().await.unwrap();
        assert!(overview.contains(&format!("<dd>{role}</dd>")));
        if role == "Reviewer" {
            // A reviewer sees what is theirs to review, and no counts of the call's pieces.
            assert!(overview.contains("Pieces for you to review"));
            let list = client
                .get(format!(
                    "{base}/console/calls/digital-justice-week-2022/reviews"
                ))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            assert!(list.contains("Sample: "), "{list}");
            continue;
        }
        // Pieces in every state the state machine has.
        for state in [
            "Draft",
            "Submitted",
            "Changes requested",
            "Accepted",
            "Scheduled",
            // No piece is published yet on the demo's first day: they go live on their days.
            "Not accepted",
            "Withdrawn",
        ] {
            assert!(
                overview.contains(&format!("<dt>{state}</dt>")),
                "{state}: {overview}"
            );
        }
    }
    let (status, _) = running.terminate();
    assert!(status.success());

    // `--empty` starts with the call alone.
    let database = format!("sqlite://{}", dir.path().join("empty.db").display());
    let mut command = docket();
    command.args([
        "demo",
        "--empty",
        "--listen",
        "127.0.0.1:0",
        "--database",
        &database,
    ]);
    let running = Running::start(&mut command, "Open ");
    let base = running
        .address
        .replace("/calls/digital-justice-week-2022", "");
    let (_, mailbox) = get(&format!("{base}/demo/mailbox")).await;
    assert!(!mailbox.contains("Sample staff"));
    assert!(mailbox.contains("No mail yet"));
    let (status, _) = running.terminate();
    assert!(status.success());
}

async fn samples_story(db: &TestDb) {
    let store = docket_store::connect(db.url()).await.unwrap();
    store.migrate().await.unwrap();
    let call = docket_core::call_file::check(docket::seed::SEED_CALL)
        .call
        .unwrap();
    let clock = docket_core::ManualClock::new("2022-10-13T08:00:00Z".parse().unwrap());
    store
        .save_call(
            &call,
            &docket_store::Actor::System,
            "2022-10-13T08:00:00Z".parse().unwrap(),
        )
        .await
        .unwrap();
    let stored = store.call(call.slug.as_str()).await.unwrap().unwrap();
    let mailer = docket_mail::Mailer::new("http://127.0.0.1:8080");
    docket::samples::load(store.as_ref(), &clock, &mailer, &stored)
        .await
        .unwrap();
    // Loaded once: a second start adds nothing.
    docket::samples::load(store.as_ref(), &clock, &mailer, &stored)
        .await
        .unwrap();
    // The scheduled samples go live on their days: by Wednesday afternoon, Monday's to
    // Wednesday's have, and Thursday's and Friday's wait.
    clock.set("2022-11-16T15:00:00Z".parse().unwrap());
    docket_app::jobs::run_once(
        store.as_ref(),
        &clock,
        &mailer,
        &docket_app::jobs::RunnerSettings::default(),
    )
    .await
    .unwrap();
    let pieces = store.call_submissions(stored.id).await.unwrap();
    assert!(pieces.len() >= 20, "{}", pieces.len());
    let drafts = store.drafts_of_call(stored.id).await.unwrap();
    let states: std::collections::BTreeSet<&str> = pieces
        .iter()
        .chain(drafts.iter())
        .map(|piece| piece.state.as_str())
        .collect();
    for state in docket_core::submission::SubmissionState::ALL {
        assert!(states.contains(state.as_str()), "{state:?} in {states:?}");
    }
    let kinds: std::collections::BTreeSet<&str> = pieces
        .iter()
        .map(|piece| piece.draft.kind.as_str())
        .collect();
    assert_eq!(kinds.len(), 4, "{kinds:?}");
    let by_mail = store.call_inbound(Some(stored.id), 100).await.unwrap();
    assert_eq!(by_mail.len(), 4);
    assert_eq!(
        by_mail
            .iter()
            .filter(|message| message.outcome == docket_store::InboundOutcome::Triage)
            .count(),
        1,
        "one sample kept for triage"
    );
    assert!(
        pieces
            .iter()
            .all(|piece| piece.draft.title.starts_with("Sample: "))
    );
    assert_eq!(store.call_pledges(stored.id).await.unwrap().len(), 3);
    // The sample reviewer has pieces to review, none by the organisation they declared.
    let assigned =
        docket_app::reviews::for_reviewer(store.as_ref(), &stored, "reviewer@example.org")
            .await
            .unwrap();
    assert!(!assigned.is_empty());
    assert!(
        assigned
            .iter()
            .all(|piece| piece.draft.authors[0].organisation != "Sample Justice Trust")
    );
    let staff = store.staff(stored.id).await.unwrap();
    assert_eq!(staff.len(), 3);
    for member in staff {
        let user = store.user_by_email(&member.email).await.unwrap().unwrap();
        assert!(store.two_factor(user.id).await.unwrap().secret.is_some());
    }
    store.close().await;
}

#[tokio::test]
async fn the_samples_load_once_on_sqlite() {
    samples_story(&TestDb::sqlite().await).await;
}

#[tokio::test]
async fn the_samples_load_once_on_postgres() {
    if let Some(db) = TestDb::postgres().await {
        samples_story(&db).await;
    }
}

#[tokio::test]
async fn the_demo_at_a_wednesday_afternoon_opens_on_a_live_week_and_its_clock_jumps_forward() {
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}", dir.path().join("demo.db").display());
    let mut command = docket();
    command.args([
        "demo",
        "--listen",
        "127.0.0.1:0",
        "--database",
        &database,
        "--at",
        "2022-11-16T15:00:00Z",
    ]);
    let running = Running::start(&mut command, "Open ");
    let (status, body) = get(&running.address).await;
    assert_eq!(status, 200);
    for live in [
        "Sample: Joining up data across the justice system",
        "Sample: What victims need from digital services",
        "Sample: Video hearings two years on",
    ] {
        assert!(body.contains(live), "Monday to Wednesday are live: {live}");
    }
    let thursday = "Sample: Algorithms in sentencing: what the evidence says";
    assert!(
        !body.contains(thursday),
        "Thursday's piece waits for Thursday"
    );

    // The clock jumps forward to Thursday 09:00 and Thursday's piece goes live; never back.
    let base = running
        .address
        .replace("/calls/digital-justice-week-2022", "");
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let page = http
        .get(format!("{base}/demo/clock"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Thursday 17 November 09:00"), "{page}");
    let csrf = docket_tests::app::form_token(&page).expect("the form's token");
    let back = http
        .post(format!("{base}/demo/clock"))
        .form(&[("csrf", csrf.as_str()), ("to", "2022-11-10T09:00")])
        .send()
        .await
        .unwrap();
    assert_eq!(back.status().as_u16(), 400);
    assert!(back.text().await.unwrap().contains("only runs forward"));
    let jumped = http
        .post(format!("{base}/demo/clock"))
        .form(&[("csrf", csrf.as_str()), ("to", "2022-11-17T09:00")])
        .send()
        .await
        .unwrap();
    assert_eq!(jumped.status().as_u16(), 303);
    let (_, body) = get(&running.address).await;
    assert!(body.contains(thursday), "Thursday is live after the jump");
    assert!(body.contains("Docket’s clock reads Thursday 17 November 2022, 09:0"));
    let (status, _) = running.terminate();
    assert!(status.success());
}
