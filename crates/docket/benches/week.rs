//! The public week, measured beside the references it should match (report only, not a test):
//! `cargo bench -p docket --bench week`.
//!
//! 1. Serving: Docket's piece page and day page under `wrk -t2 -c64` beside nginx serving the
//!    exported copy of the same pages, in one run: requests a second, p99, and the ratio.
//! 2. Exporting: `docket export site` of 10,000 published pieces beside Hugo building the same
//!    Markdown corpus with a minimal theme, in one run: seconds, and the ratio.
//!
//! Needs `wrk`, `nginx` and `hugo` (Debian's); a missing one is reported and its part skipped.
//! Set `BENCH_PIECES` for another corpus size and `BENCH_SECONDS` for another wrk duration.

use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;

use docket_core::submission::{Author, CandidateDays, Piece};
use docket_store::{Actor, Store};
use docket_tests::db::TestDb;

const SLUG: &str = "digital-justice-week-2022";

fn have(tool: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(default)
}

/// Loads `count` published pieces, spread over the week's days, straight through the store's
/// steps (each piece: sent, accepted, consented to, placed, scheduled, published).
async fn load(store: &dyn Store, count: usize) -> anyhow::Result<Vec<(String, String)>> {
    let stored = store.call(SLUG).await?.context("the seed call")?;
    let now = jiff::Timestamp::now();
    let days: Vec<_> = stored.call.days.iter().map(|day| day.date).collect();
    let mut owners = Vec::new();
    for n in 0..100 {
        owners
            .push(docket_tests::week::account(store, &format!("author{n}@example.org"), now).await);
    }
    let mut pieces = Vec::new();
    for n in 0..count {
        let owner = &owners[n % owners.len()];
        let day = days[n % days.len()];
        let title = format!("Piece {n}: data, courts and the people they serve");
        let body =
            format!("{title}.\n\nJustice needs joined-up data, and people who can use it well. ")
                .repeat(12);
        let piece = Piece {
            kind: "blog".into(),
            days: Some(CandidateDays::Days([day].into())),
            title: title.clone(),
            summary: format!("Summary of piece {n}."),
            body: body.clone(),
            authors: vec![Author {
                name: format!("Author {}", n % owners.len()),
                ..Author::default()
            }],
            words: Some(600),
            ..Piece::default()
        };
        let id = store.create_draft(stored.id, owner, &piece, now).await?;
        store
            .submit_revision(
                id,
                owner.id,
                &piece,
                false,
                &[],
                docket_tests::mail::receipt(
                    format!("<bench-{n}@docket.example.org>"),
                    owner.email.clone(),
                    id,
                    stored.id,
                ),
                now,
            )
            .await?;
        store
            .set_state(
                id,
                owner.id,
                docket_core::submission::SubmissionState::Submitted,
                docket_core::submission::SubmissionState::Accepted,
                None,
                now,
            )
            .await?;
        store
            .give_consent(
                id,
                &owner.email,
                &format!("Author {}", n % owners.len()),
                &Actor::User(owner.id),
                now,
            )
            .await?;
        let at = stored
            .call
            .local_instant(day, stored.call.week.publish_time);
        store.place(id, day, at, "", &Actor::Cli, now).await?;
        let slug = store
            .schedule(id, &format!("piece-{n}"), &Actor::Cli, now)
            .await?;
        store.publish(id, at, &[], now).await?;
        pieces.push((slug, body));
    }
    Ok(pieces)
}

/// The same pieces as a Hugo site: one Markdown file each, and a theme as small as Docket's
/// pages (a page per piece, a list per section).
fn hugo_site(dir: &Path, pieces: &[(String, String)]) -> anyhow::Result<()> {
    let content = dir.join("content/pieces");
    std::fs::create_dir_all(&content)?;
    std::fs::create_dir_all(dir.join("layouts/_default"))?;
    std::fs::write(
        dir.join("hugo.toml"),
        "baseURL = 'https://example.org/week/'\ntitle = 'Digital Justice Week 2022'\ndisableKinds = ['taxonomy', 'term', 'RSS', 'sitemap']\n",
    )?;
    std::fs::write(
        dir.join("layouts/_default/single.html"),
        "<!DOCTYPE html><html lang=\"en-GB\"><head><meta charset=\"utf-8\"><title>{{ .Title }}</title><link rel=\"canonical\" href=\"{{ .Permalink }}\"></head><body><main><h1>{{ .Title }}</h1><p>{{ .Summary }}</p>{{ .Content }}</main></body></html>\n",
    )?;
    std::fs::write(
        dir.join("layouts/_default/list.html"),
        "<!DOCTYPE html><html lang=\"en-GB\"><head><meta charset=\"utf-8\"><title>{{ .Title }}</title></head><body><main><h1>{{ .Title }}</h1><ul>{{ range .Pages }}<li><a href=\"{{ .RelPermalink }}\">{{ .Title }}</a></li>{{ end }}</ul></main></body></html>\n",
    )?;
    for (slug, body) in pieces {
        std::fs::write(
            content.join(format!("{slug}.md")),
            format!("---\ntitle: \"{slug}\"\ndate: 2022-11-15T09:00:00Z\n---\n\n{body}\n"),
        )?;
    }
    Ok(())
}

struct Wrk {
    requests_per_second: f64,
    p99: String,
}

fn wrk(url: &str, seconds: usize) -> anyhow::Result<Wrk> {
    let output = Command::new("wrk")
        .args(["-t2", "-c64", &format!("-d{seconds}s"), "--latency", url])
        .output()
        .context("wrk")?;
    let text = String::from_utf8_lossy(&output.stdout);
    let requests_per_second = text
        .lines()
        .find(|line| line.starts_with("Requests/sec:"))
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|value| value.parse().ok())
        .unwrap_or(0.0);
    let p99 = text
        .lines()
        .find(|line| line.trim_start().starts_with("99%"))
        .and_then(|line| line.split_whitespace().nth(1))
        .unwrap_or("?")
        .to_owned();
    if text.contains("Non-2xx") {
        eprintln!("warning: {url} answered errors:\n{text}");
    }
    Ok(Wrk {
        requests_per_second,
        p99,
    })
}

fn nginx(root: &Path, port: u16, dir: &Path) -> anyhow::Result<Child> {
    let config = format!(
        "worker_processes 2;\npid {d}/nginx.pid;\nerror_log {d}/error.log;\nevents {{ worker_connections 1024; }}\nhttp {{ include /etc/nginx/mime.types; access_log off; client_body_temp_path {d}/b; proxy_temp_path {d}/p; fastcgi_temp_path {d}/f; uwsgi_temp_path {d}/u; scgi_temp_path {d}/s; server {{ listen 127.0.0.1:{port}; root {r}; }} }}\n",
        d = dir.display(),
        r = root.display()
    );
    let path = dir.join("nginx.conf");
    std::fs::write(&path, config)?;
    let child = Command::new("nginx")
        .args(["-e", "stderr", "-g", "daemon off; user root;", "-c"])
        .arg(&path)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .context("nginx")?;
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(child)
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

fn main() -> anyhow::Result<()> {
    tokio::runtime::Runtime::new()?.block_on(run())
}

async fn run() -> anyhow::Result<()> {
    let count = env_number("BENCH_PIECES", 10_000);
    let seconds = env_number("BENCH_SECONDS", 10);
    let db = TestDb::sqlite().await;
    let store = docket_store::connect(db.url()).await?;
    store.migrate().await?;
    let seed = docket_tests::app::parse_call(docket_tests::SEED_CALL);
    store
        .save_call(&seed, &Actor::System, jiff::Timestamp::now())
        .await?;
    let started = Instant::now();
    let pieces = load(store.as_ref(), count).await?;
    println!(
        "loaded {count} published pieces in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    // --- Exporting, beside Hugo ---------------------------------------------------------------
    let work = tempfile::tempdir()?;
    let out = work.path().join("served/week");
    let started = Instant::now();
    let files = docket::export::render(
        store.as_ref(),
        SLUG,
        "https://example.org/week/",
        "https://docket.example.org",
        jiff::Timestamp::now(),
    )
    .await?;
    let report = docket::export::write(&out, &files, true)?;
    let docket_seconds = started.elapsed().as_secs_f64();
    println!(
        "docket export site: {} files in {docket_seconds:.2} s (cold: every file written)",
        report.files
    );
    let started = Instant::now();
    let files = docket::export::render(
        store.as_ref(),
        SLUG,
        "https://example.org/week/",
        "https://docket.example.org",
        jiff::Timestamp::now(),
    )
    .await?;
    let again = docket::export::write(&out, &files, true)?;
    println!(
        "docket export site again: {} written in {:.2} s",
        again.written,
        started.elapsed().as_secs_f64()
    );
    if have("hugo") {
        let site = work.path().join("hugo");
        hugo_site(&site, &pieces)?;
        let started = Instant::now();
        let status = Command::new("hugo")
            .args(["--quiet", "--source"])
            .arg(&site)
            .stdout(Stdio::null())
            .status()?;
        let hugo_seconds = started.elapsed().as_secs_f64();
        anyhow::ensure!(status.success(), "hugo failed");
        println!("hugo (same {count} Markdown pieces): {hugo_seconds:.2} s");
        println!(
            "export time / hugo time = {:.2} (goal: at most 0.5)",
            docket_seconds / hugo_seconds
        );
    } else {
        println!("hugo is not installed: the export was not compared (apt-get install hugo)");
    }

    // --- Serving, beside nginx ----------------------------------------------------------------
    if !(have("wrk") && have("nginx")) {
        println!("wrk or nginx is not installed: serving was not measured");
        return Ok(());
    }
    let state = docket_web::AppState::new(
        store.clone(),
        Arc::new(docket_core::SystemClock),
        docket_web::WebConfig {
            public_url: "https://example.org".into(),
            ..docket_web::WebConfig::default()
        },
    );
    let app = docket_web::Application::bind(SocketAddr::from(([127, 0, 0, 1], 0)), state).await?;
    let address = app.local_addr()?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.run(async move {
        let _ = stopped.await;
    }));
    let port = free_port()?;
    let nginx_dir = tempfile::tempdir()?;
    {
        use std::os::unix::fs::PermissionsExt as _;
        let _ = std::fs::set_permissions(work.path(), std::fs::Permissions::from_mode(0o755));
    }
    let mut nginx = nginx(&work.path().join("served"), port, nginx_dir.path())?;
    let piece = &pieces[count / 2].0;
    for (name, docket_path, nginx_path) in [
        (
            "piece page",
            format!("/calls/{SLUG}/pieces/{piece}"),
            format!("/week/pieces/{piece}/"),
        ),
        (
            "day page",
            format!("/calls/{SLUG}/days/2022-11-15"),
            "/week/days/2022-11-15/".to_owned(),
        ),
    ] {
        let ours = wrk(&format!("http://{address}{docket_path}"), seconds)?;
        let theirs = wrk(&format!("http://127.0.0.1:{port}{nginx_path}"), seconds)?;
        println!(
            "{name}: docket {:.0} req/s (p99 {}), nginx {:.0} req/s (p99 {}); docket / nginx = {:.2} (goal: at least 1)",
            ours.requests_per_second,
            ours.p99,
            theirs.requests_per_second,
            theirs.p99,
            ours.requests_per_second / theirs.requests_per_second.max(1.0)
        );
    }
    let _ = Command::new("kill")
        .args(["-QUIT", &nginx.id().to_string()])
        .status();
    let _ = nginx.wait();
    let _ = stop.send(());
    let _ = server.await;
    Ok(())
}
