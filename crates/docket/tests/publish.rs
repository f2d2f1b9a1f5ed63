//! Publication exactly once across nodes: two `docket serve` processes on one PostgreSQL, a
//! piece scheduled a few seconds ahead on the real clock, and one node killed just before the
//! moment and started again just after it. The piece goes live once — one publish event in the
//! audit trail, one "live" email — and both nodes serve it; when it is taken down, both answer
//! 410 at once (each node's page cache follows the call's week version in the database).

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use docket_core::submission::{Author, CandidateDays, Piece, SubmissionState};
use docket_store::{Actor, Store};
use docket_tests::db::TestDb;

const SLUG: &str = "digital-justice-week-2022";

/// A `docket serve` node and the address it listens on.
struct Node {
    child: Child,
    address: String,
}

impl Node {
    fn start(database_url: &str) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_docket"))
            .arg("serve")
            .env_remove("DOCKET_CONFIG")
            .env("DOCKET_DATABASE_URL", database_url)
            .env("DOCKET_LISTEN", "127.0.0.1:0")
            .env("DOCKET_PUBLIC_URL", "https://week.example.org")
            .env("DOCKET_JOBS_POLL_SECONDS", "1")
            .env("DOCKET_LOG_FORMAT", "json")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start docket serve");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let address = loop {
            let line = lines
                .next()
                .expect("docket exited before listening")
                .expect("a line");
            if let Some(rest) = line.split("listening on ").nth(1) {
                break rest
                    .split_whitespace()
                    .next()
                    .unwrap_or_default()
                    .trim_end_matches('/')
                    .to_owned();
            }
        };
        // Keep reading stdout so the process never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        Self { child, address }
    }

    /// Killed at once, as a crash or a lost machine would stop it.
    fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    fn stop(mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}

async fn status(url: &str) -> u16 {
    reqwest::get(url)
        .await
        .map(|response| response.status().as_u16())
        .unwrap_or(0)
}

/// An accepted blog for Tuesday with its author's consent, placed to go live at `at`, scheduled.
async fn scheduled_piece(
    store: &dyn Store,
    at: jiff::Timestamp,
) -> (docket_store::SubmissionId, String) {
    let now = jiff::Timestamp::now();
    let stored = store.call(SLUG).await.unwrap().expect("the seed call");
    let mut work = store.begin().await.unwrap();
    let owner = work.create_account("ada@example.org", now).await.unwrap();
    work.commit().await.unwrap();
    store.confirm_user(owner, now, true).await.unwrap();
    let user = store
        .user_by_email("ada@example.org")
        .await
        .unwrap()
        .expect("the account");
    let tuesday = jiff::civil::date(2022, 11, 15);
    let piece = Piece {
        kind: "blog".into(),
        days: Some(CandidateDays::Days([tuesday].into())),
        title: "Data at the heart of justice".into(),
        summary: "How data can follow a person through justice.".into(),
        body: "Justice and data. ".repeat(350),
        authors: vec![Author {
            name: "Ada Lovelace".into(),
            ..Author::default()
        }],
        ..Piece::default()
    };
    let id = store
        .create_draft(stored.id, &user, &piece, now)
        .await
        .unwrap();
    let mailer = docket_mail::Mailer::new("https://week.example.org");
    let head = docket_app::letterhead(store, &mailer, stored.id, &stored.call)
        .await
        .unwrap();
    let record = store.submission(id).await.unwrap().expect("the piece");
    let facts = mailer.piece_facts(&stored.call, &piece, "/submissions/1", 1, false, Vec::new());
    let receipt = mailer.receipt(&head, &user.email, id, &record.reply_token, &facts);
    store
        .submit_revision(id, user.id, &piece, false, &[], receipt, now)
        .await
        .unwrap();
    store
        .set_state(
            id,
            user.id,
            SubmissionState::Submitted,
            SubmissionState::Accepted,
            None,
            now,
        )
        .await
        .unwrap();
    store
        .give_consent(
            id,
            &user.email,
            "Ada Lovelace, Director",
            &Actor::User(user.id),
            now,
        )
        .await
        .unwrap();
    store
        .place(id, tuesday, at, "", &Actor::Cli, now)
        .await
        .unwrap();
    let slug = store
        .schedule(id, "data-at-the-heart-of-justice", &Actor::Cli, now)
        .await
        .unwrap();
    (id, slug)
}

#[tokio::test]
async fn two_nodes_and_a_restart_at_the_moment_publish_a_piece_once() {
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    let store = docket_store::connect(db.url()).await.unwrap();
    store.migrate().await.unwrap();
    let seed = docket_tests::app::parse_call(docket_tests::SEED_CALL);
    store
        .save_call(&seed, &Actor::System, jiff::Timestamp::now())
        .await
        .unwrap();

    let url = db.url().to_owned();
    let (a, b) = tokio::task::spawn_blocking(move || (Node::start(&url), Node::start(&url)))
        .await
        .unwrap();
    let at = jiff::Timestamp::now()
        .checked_add(jiff::SignedDuration::from_secs(6))
        .unwrap();
    let (id, slug) = scheduled_piece(store.as_ref(), at).await;
    let path = format!("/calls/{SLUG}/pieces/{slug}");
    assert_eq!(
        status(&format!("{}{path}", b.address)).await,
        404,
        "not before its time"
    );

    // One node dies a second before the moment and comes back a second after it.
    let until_kill = at
        .checked_sub(jiff::SignedDuration::from_secs(1))
        .unwrap()
        .duration_since(jiff::Timestamp::now());
    tokio::time::sleep(Duration::try_from(until_kill).unwrap_or_default()).await;
    tokio::task::spawn_blocking(move || a.kill()).await.unwrap();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let url = db.url().to_owned();
    let a = tokio::task::spawn_blocking(move || Node::start(&url))
        .await
        .unwrap();

    let started = Instant::now();
    loop {
        let record = store.submission(id).await.unwrap().expect("the piece");
        if record.state == SubmissionState::Published {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "not published 30 s after its time"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Long enough for every node to have run its rounds a few more times.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let events = store
        .audit_trail(&format!("submission:{id}"))
        .await
        .unwrap();
    let published = events
        .iter()
        .filter(|event| event.action == "submission.published")
        .count();
    assert_eq!(published, 1, "{events:?}");
    let live = store
        .outbox(1000)
        .await
        .unwrap()
        .into_iter()
        .filter(|row| row.mail.to == "ada@example.org" && row.mail.subject.ends_with("is live"))
        .count();
    assert_eq!(live, 1, "one live email");
    for node in [&a, &b] {
        assert_eq!(status(&format!("{}{path}", node.address)).await, 200);
        // Twice: the second comes from the node's cache.
        assert_eq!(status(&format!("{}{path}", node.address)).await, 200);
    }

    // Taken down (here, as another node would do it): both nodes answer 410 at once.
    store
        .unpublish(
            id,
            "The author asked us to",
            &Actor::Cli,
            jiff::Timestamp::now(),
        )
        .await
        .unwrap();
    // Each node trusts what it read of the week for at most a second.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    for node in [&a, &b] {
        assert_eq!(status(&format!("{}{path}", node.address)).await, 410);
    }
    tokio::task::spawn_blocking(move || {
        a.stop();
        b.stop();
    })
    .await
    .unwrap();
}
