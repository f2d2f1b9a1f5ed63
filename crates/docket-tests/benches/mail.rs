//! Mail throughput, measured (not a test): `cargo bench -p docket-tests --bench mail`.
//!
//! 1. Ingestion: 1,000 messages with a .docx attached, read from a Maildir, each filed as a
//!    submission on embedded SQLite (parse, recognise, extract, count, commit with its receipt).
//!    Reference in the same run: parsing the same messages only.
//! 2. Sending: the 1,000 receipts sent by the outbox worker to a local SMTP receiver (aiosmtpd).

use std::time::Instant;

use docket_app::ingest::{self, IngestSettings, Outcome};
use docket_app::outbox::{self, WorkerSettings};
use docket_core::{Clock, ManualClock};
use docket_mail::smtp::SmtpTransport;
use docket_tests::app::parse_call;
use docket_tests::smtp::SmtpReceiver;

const MESSAGES: usize = 1000;

/// Each message from its own writer, so the per-sender limit never stops the run.
fn message(n: usize) -> Vec<u8> {
    docket_tests::mail::blog_with_docx(
        &format!("bench-{n}@example.org"),
        &format!("Writer {n} <writer{n}@example.org>"),
    )
}

fn main() -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(run())
}

async fn run() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let maildir = dir.path().join("Maildir/new");
    std::fs::create_dir_all(&maildir)?;
    for n in 0..MESSAGES {
        std::fs::write(maildir.join(format!("{n:05}.bench")), message(n))?;
    }
    let mut files = Vec::new();
    for entry in std::fs::read_dir(&maildir)? {
        files.push(entry?.path());
    }
    files.sort();

    let started = Instant::now();
    for file in &files {
        let raw = std::fs::read(file)?;
        docket_mail::inbound::parse(&raw).map_err(|error| anyhow::anyhow!("{error}"))?;
    }
    let parse_rate = MESSAGES as f64 / started.elapsed().as_secs_f64();

    let url = format!("sqlite://{}", dir.path().join("bench.db").display());
    let store = docket_store::connect(&url).await?;
    store.migrate().await?;
    let clock = ManualClock::new("2022-10-20T09:00:00Z".parse()?);
    let seed = include_str!("../../../calls/digital-justice-week-2022.toml");
    store
        .save_call(&parse_call(seed), &docket_store::Actor::Cli, clock.now())
        .await?;
    let mailer = docket_mail::Mailer::new("https://docket.example.org");
    let settings = IngestSettings::default();
    let started = Instant::now();
    for file in &files {
        let raw = std::fs::read(file)?;
        let outcome = ingest::ingest(store.as_ref(), &clock, &mailer, &raw, &settings).await?;
        anyhow::ensure!(
            matches!(outcome, Outcome::Submission(_)),
            "every message is filed: {outcome:?}"
        );
    }
    let ingest_rate = MESSAGES as f64 / started.elapsed().as_secs_f64();
    println!(
        "ingest: {ingest_rate:.1} messages/s with a .docx each, filed on SQLite (reference, parsing only: {parse_rate:.1} messages/s; ratio {:.3})",
        ingest_rate / parse_rate
    );

    let Some(receiver) = SmtpReceiver::start() else {
        println!("send: skipped (python3-aiosmtpd missing)");
        return Ok(());
    };
    let transport = SmtpTransport::new(&receiver.settings()).map_err(anyhow::Error::msg)?;
    let worker = WorkerSettings {
        batch: 50,
        ..WorkerSettings::default()
    };
    let started = Instant::now();
    let mut sent = 0;
    loop {
        let round = outbox::run_once(store.as_ref(), &transport, &clock, &worker).await?;
        if round.sent == 0 {
            break;
        }
        sent += round.sent;
    }
    let send_rate = sent as f64 / started.elapsed().as_secs_f64();
    println!(
        "send: {send_rate:.1} mails/s to a local SMTP receiver ({sent} receipts; each marked sent in its own durable commit)"
    );
    Ok(())
}
