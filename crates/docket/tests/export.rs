//! `docket export site`: the whole public week as static files that open from a subfolder of a
//! real nginx, every link between them followed and found; a second run rewrites nothing, and
//! after one piece is taken down it rewrites what changed and removes that piece's files.

use std::collections::BTreeSet;
use std::process::{Child, Command, Stdio};

use docket_store::Actor;
use docket_tests::app::TestApp;
use docket_tests::db::TestDb;
use docket_tests::week::{TestPiece, placed_piece};

const SLUG: &str = "digital-justice-week-2022";

/// nginx serving `root` on a free loopback port, stopped when dropped.
struct Nginx {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl Nginx {
    fn start(root: &std::path::Path) -> Option<Self> {
        let binary = ["/usr/sbin/nginx", "/usr/bin/nginx"]
            .into_iter()
            .find(|path| std::path::Path::new(path).exists());
        let Some(binary) = binary else {
            if docket_tests::required("DOCKET_REQUIRE_FEEDS") {
                panic!("the export test needs nginx (DOCKET_REQUIRE_FEEDS=1): run scripts/test");
            }
            docket_tests::announce_skip("the export's nginx test", "nginx is not installed");
            return None;
        };
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .map(|address| address.port())
            .expect("a free port");
        let dir = tempfile::tempdir().expect("tempdir");
        let config = format!(
            "worker_processes 1;\n\
             pid {dir}/nginx.pid;\n\
             error_log {dir}/error.log;\n\
             events {{ worker_connections 64; }}\n\
             http {{\n\
               include /etc/nginx/mime.types;\n\
               types {{ application/atom+xml atom; application/rss+xml rss; text/calendar ics; }}\n\
               access_log off;\n\
               client_body_temp_path {dir}/body;\n\
               proxy_temp_path {dir}/proxy;\n\
               fastcgi_temp_path {dir}/fastcgi;\n\
               uwsgi_temp_path {dir}/uwsgi;\n\
               scgi_temp_path {dir}/scgi;\n\
               server {{ listen 127.0.0.1:{port}; root {root}; }}\n\
             }}\n",
            dir = dir.path().display(),
            root = root.display(),
        );
        let path = dir.path().join("nginx.conf");
        std::fs::write(&path, config).expect("write nginx.conf");
        let child = Command::new(binary)
            .args(["-e", "stderr", "-g", "daemon off; user root;", "-c"])
            .arg(&path)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start nginx");
        // Wait until it listens.
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        Some(Self {
            child,
            port,
            _dir: dir,
        })
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-QUIT", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}

/// Every `href`/`src` of a page that stays on the site.
fn local_links(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    for attribute in [" href=\"", " src=\""] {
        for part in html.split(attribute).skip(1) {
            let link = part.split('"').next().unwrap_or_default();
            if link.contains(':') || link.starts_with('#') || link.is_empty() {
                continue;
            }
            out.push(link.split('#').next().unwrap_or_default().to_owned());
        }
    }
    out
}

#[tokio::test]
async fn the_export_opens_from_a_subfolder_of_nginx_and_a_second_run_rewrites_only_what_changed() {
    let db = TestDb::sqlite().await;
    let app = TestApp::spawn(&db).await;
    let now = jiff::Timestamp::now();
    let tuesday = jiff::civil::date(2022, 11, 15);
    let mut ids = Vec::new();
    for (owner, author, title) in [
        (
            "ada@example.org",
            "Ada Lovelace",
            "Data at the heart of justice",
        ),
        ("grace@example.org", "Grace Hopper", "Courts that listen"),
    ] {
        let (id, _) = placed_piece(
            app.store.as_ref(),
            SLUG,
            &TestPiece {
                owner,
                author,
                kind: "blog",
                title,
                day: tuesday,
                file: None,
                minutes: None,
            },
            true,
            now,
        )
        .await;
        ids.push(id);
    }
    let (_, whitepaper) = placed_piece(
        app.store.as_ref(),
        SLUG,
        &TestPiece {
            owner: "alan@example.org",
            author: "Alan Turing",
            kind: "whitepaper",
            title: "Rehabilitation by design",
            day: jiff::civil::date(2022, 11, 18),
            file: Some(("application/pdf", b"%PDF-1.4\n% a test file\n".to_vec())),
            minutes: None,
        },
        true,
        now,
    )
    .await;

    let served = tempfile::tempdir().expect("tempdir");
    let dir = served.path().join("digital-justice-week");
    let base = "https://example.org/digital-justice-week/";
    let files = docket::export::render(
        app.store.as_ref(),
        SLUG,
        base,
        "https://docket.example.org",
        now,
    )
    .await
    .expect("render");
    let report = docket::export::write(&dir, &files, true).expect("export");
    assert_eq!(report.written, report.files);
    for expected in [
        "index.html",
        "guidelines/index.html",
        "days/2022-11-15/index.html",
        "pieces/data-at-the-heart-of-justice/index.html",
        "authors/ada-lovelace/index.html",
        "static/docket.css",
        "feed.atom",
        "feed.rss",
        "feed.json",
        "podcast.rss",
        "partner.atom",
        "week.ics",
        "days/2022-11-15/feed.atom",
    ] {
        assert!(dir.join(expected).exists(), "{expected} is missing");
    }
    assert!(dir.join(format!("pieces/{whitepaper}/file")).exists());
    let piece = std::fs::read_to_string(dir.join("pieces/data-at-the-heart-of-justice/index.html"))
        .expect("the piece's page");
    assert!(piece.contains(&format!(
        "<link rel=\"canonical\" href=\"{base}pieces/data-at-the-heart-of-justice/\">"
    )));
    assert!(piece.contains("href=\"../../static/docket.css\""));
    assert!(
        !piece.contains("href=\"/"),
        "no address from the server's root"
    );

    // From a subfolder of a real web server, every page and every link on it answers 200.
    {
        use std::os::unix::fs::PermissionsExt as _;
        let _ = std::fs::set_permissions(served.path(), std::fs::Permissions::from_mode(0o755));
    }
    let Some(nginx) = Nginx::start(served.path()) else {
        return;
    };
    let http = reqwest::Client::new();
    let origin = format!("http://127.0.0.1:{}", nginx.port);
    let mut queue = vec![format!("{origin}/digital-justice-week/")];
    let mut seen = BTreeSet::new();
    while let Some(url) = queue.pop() {
        if !seen.insert(url.clone()) {
            continue;
        }
        let response = http.get(&url).send().await.expect("request");
        assert_eq!(response.status().as_u16(), 200, "{url}");
        let is_html = response
            .headers()
            .get("content-type")
            .and_then(|value| value.to_str().ok())
            .is_some_and(|value| value.starts_with("text/html"));
        let body = response.text().await.unwrap_or_default();
        if is_html {
            let here = reqwest::Url::parse(&url).expect("url");
            for link in local_links(&body) {
                let next = here.join(&link.replace("&amp;", "&")).expect("join");
                queue.push(next.to_string());
            }
        }
    }
    assert!(seen.len() >= 15, "{seen:?}");
    assert!(
        seen.iter()
            .any(|url| url.ends_with("/pieces/courts-that-listen/"))
    );
    drop(nginx);

    // Again: nothing changed, nothing written.
    let files = docket::export::render(
        app.store.as_ref(),
        SLUG,
        base,
        "https://docket.example.org",
        now,
    )
    .await
    .expect("render");
    let again = docket::export::write(&dir, &files, true).expect("export again");
    assert_eq!(again.written, 0, "{again:?}");
    assert_eq!(again.removed, 0);

    // One piece taken down: its page goes, and only the pages and feeds that listed it change.
    app.store
        .unpublish(ids[1], "Withdrawn by its author", &Actor::Cli, now)
        .await
        .expect("take down");
    let files = docket::export::render(
        app.store.as_ref(),
        SLUG,
        base,
        "https://docket.example.org",
        now,
    )
    .await
    .expect("render");
    let changed = docket::export::write(&dir, &files, true).expect("export after a change");
    assert!(
        changed.written > 0 && changed.written < changed.files,
        "{changed:?}"
    );
    assert!(changed.removed >= 1, "{changed:?}");
    assert!(!dir.join("pieces/courts-that-listen/index.html").exists());
    assert!(
        dir.join("pieces/data-at-the-heart-of-justice/index.html")
            .exists()
    );
    app.stop().await;
}

#[test]
fn a_base_url_that_is_not_an_address_is_refused_in_plain_words() {
    let output = Command::new(env!("CARGO_BIN_EXE_docket"))
        .args([
            "export",
            "site",
            SLUG,
            "/tmp/never-written",
            "--base-url",
            "example.org",
        ])
        .env("DOCKET_DATABASE_URL", "sqlite::memory:")
        .env_remove("DOCKET_CONFIG")
        .output()
        .expect("docket");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("--base-url must be the full address"),
        "{stderr}"
    );
}
