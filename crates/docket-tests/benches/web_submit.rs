//! Durable web submissions per second, measured (not a test):
//! `cargo bench -p docket-tests --bench web_submit`.
//!
//! A contributor signs in once; then 1 or 64 clients POST a 700-word guest blog through the edit
//! form ("Submit the changes") as fast as each answer comes back. Every 303 means the revision,
//! its receipt in the outbox and the audit event are committed. References measured in the same
//! run, on the same disk or server:
//! - SQLite's raw commit rate: one 5 KB row per transaction, WAL, `synchronous = FULL`;
//! - PostgreSQL: `pgbench -f` with a one-row 5 KB insert, at 8 and 64 clients (when `pgbench`
//!   and the test server are there; `DOCKET_TEST_POSTGRES_URL`).
//!
//! Each level runs for `SECONDS`; the rates are printed with their ratio to the reference.
//!
//! Reading the ratios: a ratio near 1 at one client would mean each request costs one durable
//! commit and little else, and only group commit (one fsync for the transactions of several
//! requests) could go further. Far below 1, the time goes elsewhere: each submission reads the
//! session, the call and the piece, runs the judge (the word count), writes the revision, the
//! piece's search index, the receipt in the outbox and the audit event in one transaction, and
//! renders the receipt and the answer. With many clients, SQLite's one writer serialises those
//! transactions, while PostgreSQL runs them side by side; on a small machine the load generator
//! shares the cores with the server.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;

use docket_tests::app::{TestApp, Visitor};
use docket_tests::db::TestDb;
use sqlx::ConnectOptions;
use sqlx::Connection;

const SECONDS: u64 = 5;

fn blog() -> String {
    let sentence = "Probation officers now see police records the same day, which changes everything for the people they supervise.";
    let words: Vec<&str> = sentence.split(' ').cycle().take(700).collect();
    words
        .chunks(70)
        .map(|chunk| chunk.join(" "))
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// A piece started for one client, whose form it then submits again and again.
async fn start(web: &Visitor) -> anyhow::Result<i64> {
    let page = web
        .post(
            "/calls/digital-justice-week-2022/submit",
            &[("kind", "blog"), ("day", "2022-11-15")],
        )
        .await;
    anyhow::ensure!(page.status == 303, "start: {}", page.body);
    Ok(page
        .location()
        .trim_start_matches("/submissions/")
        .trim_end_matches("/edit")
        .parse()?)
}

/// Submissions per second with `clients` at once.
async fn web_rate(app: &TestApp, web: &Arc<Visitor>, clients: usize) -> anyhow::Result<f64> {
    let mut ids = Vec::new();
    for _ in 0..clients {
        ids.push(start(web).await?);
    }
    let csrf = web.csrf().await;
    let body = Arc::new(blog());
    let done = Arc::new(AtomicUsize::new(0));
    let until = Instant::now() + Duration::from_secs(SECONDS);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for id in ids {
        let (web, body, done, csrf) = (web.clone(), body.clone(), done.clone(), csrf.clone());
        let url = app.url(&format!("/submissions/{id}/edit"));
        tasks.push(tokio::spawn(async move {
            while Instant::now() < until {
                let form = reqwest::multipart::Form::new()
                    .text("csrf", csrf.clone())
                    .text("kind", "blog")
                    .text("day", "2022-11-15")
                    .text("title", "Joining up probation and police records")
                    .text(
                        "summary",
                        "What changed when officers saw records the same day.",
                    )
                    .text("author_name_0", "Ada Lovelace")
                    .text("body", body.as_str().to_owned())
                    .text("action", "submit");
                let response = web.http.post(&url).multipart(form).send().await?;
                let status = response.status().as_u16();
                if status != 303 {
                    anyhow::bail!("a submission answered {status}: {}", response.text().await?);
                }
                done.fetch_add(1, Ordering::Relaxed);
            }
            anyhow::Ok(())
        }));
    }
    for task in tasks {
        task.await??;
    }
    Ok(done.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64())
}

/// SQLite's own commit rate on the same disk: a 5 KB row per transaction, WAL, synchronous=FULL.
async fn sqlite_commit_rate(dir: &std::path::Path) -> anyhow::Result<f64> {
    let options = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(dir.join("raw.db"))
        .create_if_missing(true)
        .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
        .synchronous(sqlx::sqlite::SqliteSynchronous::Full);
    let mut connection = options.connect().await?;
    sqlx::query("CREATE TABLE rows (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
        .execute(&mut connection)
        .await?;
    let row = "x".repeat(5 * 1024);
    let until = Instant::now() + Duration::from_secs(SECONDS);
    let started = Instant::now();
    let mut count = 0usize;
    while Instant::now() < until {
        let mut tx = connection.begin().await?;
        sqlx::query("INSERT INTO rows (body) VALUES (?1)")
            .bind(&row)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        count += 1;
    }
    Ok(count as f64 / started.elapsed().as_secs_f64())
}

/// `pgbench` inserting one 5 KB row per transaction with `clients` clients, if it can run.
fn pgbench_rate(admin_url: &str, clients: usize) -> Option<f64> {
    let dir = tempfile::tempdir().ok()?;
    let script = dir.path().join("insert.sql");
    std::fs::write(
        &script,
        "INSERT INTO docket_bench_rows (body) VALUES (repeat('x', 5120));\n",
    )
    .ok()?;
    let psql = |sql: &str| {
        std::process::Command::new("psql")
            .args([admin_url, "-qc", sql])
            .output()
            .ok()
            .filter(|out| out.status.success())
    };
    psql(
        "DROP TABLE IF EXISTS docket_bench_rows; CREATE TABLE docket_bench_rows (id bigserial PRIMARY KEY, body text NOT NULL)",
    )?;
    let output = std::process::Command::new("pgbench")
        .args([
            "-n",
            "-c",
            &clients.to_string(),
            "-j",
            "2",
            "-T",
            &SECONDS.to_string(),
            "-f",
        ])
        .arg(&script)
        .arg(admin_url)
        .output()
        .ok()?;
    psql("DROP TABLE IF EXISTS docket_bench_rows");
    let text = String::from_utf8_lossy(&output.stdout);
    text.lines()
        .find_map(|line| line.strip_prefix("tps = "))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|tps| tps.parse().ok())
}

async fn measure(name: &str, db: TestDb, references: &[(String, f64)]) -> anyhow::Result<()> {
    let config = docket_web::WebConfig {
        max_body_bytes: 25 * 1024 * 1024,
        ..docket_web::WebConfig::default()
    };
    let app = TestApp::spawn_with(&db, config).await;
    app.clock.set("2022-10-20T09:00:00Z".parse()?);
    let web = Arc::new(
        app.signed_up("bench@example.org", "correct horse battery")
            .await,
    );
    for clients in [1, 64] {
        let rate = web_rate(&app, &web, clients).await?;
        let ratios: Vec<String> = references
            .iter()
            .map(|(what, reference)| {
                format!("{:.3} of {what} ({reference:.0}/s)", rate / reference)
            })
            .collect();
        println!(
            "{name}: {clients:>2} client(s): {rate:.1} durable submissions/s; {}",
            ratios.join("; ")
        );
    }
    app.stop().await;
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let db = TestDb::sqlite().await;
        let folder = std::path::Path::new(db.url().trim_start_matches("sqlite://"))
            .parent()
            .context("the test database's folder")?
            .to_owned();
        let raw = sqlite_commit_rate(&folder).await?;
        println!("SQLite raw commits (5 KB row, WAL, synchronous=FULL): {raw:.0}/s");
        measure("SQLite", db, &[("SQLite's raw commit rate".into(), raw)]).await?;

        let admin_url = std::env::var("DOCKET_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
        let mut references = Vec::new();
        for clients in [8, 64] {
            if let Some(tps) = pgbench_rate(&admin_url, clients) {
                println!("pgbench, one 5 KB row per transaction, {clients} clients: {tps:.0}/s");
                references.push((format!("pgbench at {clients} clients"), tps));
            }
        }
        match TestDb::postgres().await {
            Some(db) if !references.is_empty() => measure("PostgreSQL", db, &references).await?,
            _ => println!("PostgreSQL: skipped (no server or no pgbench)"),
        }
        Ok(())
    })
}
