//! The editors' queue with 10,000 pieces, measured (report only, not a test):
//! `cargo bench -p docket-tests --bench queue`.
//!
//! Loads 10,000 sent pieces of varied kinds, days and words into a fresh database (SQLite, then
//! PostgreSQL when `DOCKET_TEST_POSTGRES_URL` reaches one), signs an editor in with a second
//! factor, and asks for the queue page over HTTP `ROUNDS` times for each of: the first page, a
//! day-and-kind filter, a two-word search, a phrase search with a filter sorted by length, and
//! the hundredth page. Prints p50 and p99 of the whole answer (render included) and, for the
//! same queries, of the store's query alone.

use std::time::{Duration, Instant};

use anyhow::Context;

use docket_core::search::SearchQuery;
use docket_core::submission::{Author, CandidateDays, Piece};
use docket_store::{LengthFilter, QueueQuery, QueueSort, StaffRole};
use docket_tests::app::TestApp;
use docket_tests::db::TestDb;

const PIECES: usize = 10_000;
const ROUNDS: usize = 100;

const TOPICS: [&str; 8] = [
    "probation data sharing",
    "video hearings",
    "victims services",
    "courtroom technology",
    "legal aid reform",
    "machine learning bias",
    "open court data",
    "digital justice week",
];

fn percentile(mut times: Vec<Duration>, p: f64) -> Duration {
    times.sort();
    let index = ((times.len() as f64 - 1.0) * p).round() as usize;
    times[index]
}

async fn load(app: &TestApp) -> anyhow::Result<()> {
    let call = app
        .store
        .call("digital-justice-week-2022")
        .await?
        .context("the seed call")?;
    let now = "2022-10-20T09:00:00Z".parse()?;
    let days: Vec<_> = call.call.days.iter().map(|day| day.date).collect();
    let kinds = ["blog", "case-study", "blog", "podcast"];
    let mut owners = Vec::new();
    for n in 0..50 {
        let mut work = app.store.begin().await?;
        work.create_account(&format!("author{n}@example.org"), now)
            .await?;
        work.commit().await?;
        owners.push(
            app.store
                .user_by_email(&format!("author{n}@example.org"))
                .await?
                .context("the account just made")?,
        );
    }
    let started = Instant::now();
    for n in 0..PIECES {
        let topic = TOPICS[n % TOPICS.len()];
        let words = 500 + (n * 37) % 500;
        let body: String = format!("A piece about {topic}, number {n}. ")
            .split(' ')
            .cycle()
            .take(words)
            .collect::<Vec<_>>()
            .join(" ");
        let piece = Piece {
            kind: kinds[n % kinds.len()].into(),
            title: format!("On {topic}, part {n}"),
            summary: format!("What {topic} means for people."),
            body,
            authors: vec![Author {
                name: format!("Author {}", n % 50),
                ..Author::default()
            }],
            days: Some(CandidateDays::Days([days[n % days.len()]].into())),
            words: Some(words as u64),
            link: (kinds[n % kinds.len()] == "podcast")
                .then(|| "https://example.org/ep.mp3".into()),
            ..Piece::default()
        };
        let owner = &owners[n % owners.len()];
        let id = app.store.create_draft(call.id, owner, &piece, now).await?;
        app.store
            .submit_revision(
                id,
                owner.id,
                &piece,
                false,
                &[],
                docket_tests::mail::receipt(
                    format!("<bench-{n}-{}@docket.example.org>", std::process::id()),
                    owner.email.clone(),
                    id,
                    call.id,
                ),
                now,
            )
            .await?;
    }
    println!(
        "  loaded {PIECES} pieces in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

async fn measure(name: &str, db: &TestDb) -> anyhow::Result<()> {
    println!("{name}:");
    let app = TestApp::spawn(db).await;
    load(&app).await?;
    let (editor, _) = app
        .staff_member(
            "digital-justice-week-2022",
            "ed@example.org",
            "correct horse battery",
            StaffRole::Editor,
        )
        .await;
    let call_id = app
        .store
        .call("digital-justice-week-2022")
        .await?
        .context("the seed call")?
        .id;
    let cases: [(&str, &str, QueueQuery); 5] = [
        ("first page", "", QueueQuery::new(call_id)),
        ("day and kind", "day=2022-11-15&kind=blog", {
            let mut q = QueueQuery::new(call_id);
            q.day = Some(jiff::civil::date(2022, 11, 15));
            q.kind = Some("blog".into());
            q
        }),
        ("search two words", "q=video+hearings", {
            let mut q = QueueQuery::new(call_id);
            q.search = SearchQuery::parse("video hearings");
            q
        }),
        (
            "phrase, filter, by length",
            "q=%22data+sharing%22&length=over&sort=longest",
            {
                let mut q = QueueQuery::new(call_id);
                q.search = SearchQuery::parse("\"data sharing\"");
                q.length = Some(LengthFilter::Over);
                q.sort = QueueSort::Longest;
                q
            },
        ),
        ("page 100", "page=100", {
            let mut q = QueueQuery::new(call_id);
            q.offset = 99 * 50;
            q
        }),
    ];
    for (label, query, store_query) in cases {
        let mut page_times = Vec::new();
        let mut store_times = Vec::new();
        for _ in 0..ROUNDS {
            let started = Instant::now();
            let page = editor
                .get(&format!(
                    "/console/calls/digital-justice-week-2022/pieces?{query}"
                ))
                .await;
            page_times.push(started.elapsed());
            anyhow::ensure!(
                page.status == 200,
                "{label}: the page answered {}",
                page.status
            );
            let started = Instant::now();
            let found = app.store.queue(&store_query).await?;
            store_times.push(started.elapsed());
            anyhow::ensure!(found.total > 0, "{label}: the query finds pieces");
        }
        println!(
            "  {label:<28} page p50 {:>7.2} ms  p99 {:>7.2} ms   store p50 {:>7.2} ms  p99 {:>7.2} ms",
            percentile(page_times.clone(), 0.5).as_secs_f64() * 1000.0,
            percentile(page_times, 0.99).as_secs_f64() * 1000.0,
            percentile(store_times.clone(), 0.5).as_secs_f64() * 1000.0,
            percentile(store_times, 0.99).as_secs_f64() * 1000.0,
        );
    }
    app.stop().await;
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    println!("The editors' queue with {PIECES} pieces, {ROUNDS} requests per query:");
    measure("SQLite", &TestDb::sqlite().await).await?;
    match TestDb::postgres().await {
        Some(db) => measure("PostgreSQL", &db).await?,
        None => println!("PostgreSQL: not measured (no server at DOCKET_TEST_POSTGRES_URL)"),
    }
    Ok(())
}
