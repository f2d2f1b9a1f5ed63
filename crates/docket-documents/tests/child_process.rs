//! PDF, audio and HTML read in a child process with its own CPU-time and memory limits, killed
//! at its time-out: a hung parse, a crash or a parser that eats memory becomes a clear error,
//! and later files still read. In a test binary of its own, since the worker is configured once
//! per process (as the `docket` binary does at start-up).

mod common;

use std::sync::Once;
use std::time::{Duration, Instant};

use common::fixture;
use docket_documents::isolate::{configure_worker_with_memory, worker_configured};
use docket_documents::{ExtractError, Limits, extract};

static WORKER: Once = Once::new();

fn with_worker() {
    WORKER.call_once(|| {
        let program = env!("CARGO_BIN_EXE_docket-documents-test-worker");
        // 1 GiB of address space: the memory fault asks for 1.5 GiB.
        assert!(configure_worker_with_memory(
            program,
            Vec::<String>::new(),
            1 << 30
        ));
    });
    assert!(worker_configured());
}

/// A PDF whose worker-side "parser" misbehaves (see tests/worker_bin/worker.rs).
fn faulty_pdf(fault: &str) -> Vec<u8> {
    let mut bytes = format!("%FAULT {fault}\n").into_bytes();
    bytes.extend(fixture("report.pdf"));
    bytes
}

fn limits(timeout: Duration) -> Limits {
    Limits {
        timeout,
        ..Limits::default()
    }
}

#[test]
fn files_read_in_the_worker_as_in_process() {
    with_worker();
    let got = extract(&fixture("report.pdf"), None, &Limits::default()).expect("pdf");
    assert_eq!(got.pages, Some(3));
    assert_eq!(got.markdown, common::fixture_text("report.expected.md"));
    let got = extract(&fixture("tone.mp3"), None, &Limits::default()).expect("mp3");
    assert!(got.duration_seconds.is_some_and(|s| s > 0.5));
    let got = extract(&fixture("blog.html"), None, &Limits::default()).expect("html");
    assert!(got.markdown.contains("Digital Justice"), "{}", got.markdown);
}

#[test]
fn a_hung_parse_is_killed_at_its_time_out_and_later_files_still_read() {
    with_worker();
    for _ in 0..3 {
        let start = Instant::now();
        let err = extract(
            &faulty_pdf("hang"),
            None,
            &limits(Duration::from_millis(800)),
        )
        .expect_err("hangs");
        assert!(matches!(err, ExtractError::TimedOut), "{err:?}");
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "{:?}",
            start.elapsed()
        );
        assert!(
            err.user_message().contains("took too long"),
            "{}",
            err.user_message()
        );
    }
    // Three hung parses in the in-process fallback would have refused work ("Busy"); killed
    // children leave nothing behind.
    let got = extract(&fixture("report.pdf"), None, &Limits::default()).expect("pdf after hangs");
    assert_eq!(got.pages, Some(3));
    let got = extract(&fixture("tone.wav"), None, &Limits::default()).expect("wav after hangs");
    assert!(got.duration_seconds.is_some());
}

#[test]
fn running_out_of_memory_is_a_clear_error() {
    with_worker();
    let err = extract(&faulty_pdf("memory"), None, &Limits::default()).expect_err("memory");
    assert!(matches!(err, ExtractError::OutOfMemory { .. }), "{err:?}");
    assert_eq!(
        err.user_message(),
        "This file needs more memory to read than we allow, which usually means it is damaged \
         or unusually complex: export it again, or send it as .docx or plain text."
    );
}

#[test]
fn a_crash_in_the_worker_is_a_clear_error_not_a_crash_here() {
    with_worker();
    let err = extract(&faulty_pdf("abort"), None, &Limits::default()).expect_err("abort");
    assert!(
        matches!(&err, ExtractError::Malformed { reason, .. } if reason.contains("crashed")),
        "{err:?}"
    );
    assert!(
        err.user_message().contains("looks damaged"),
        "{}",
        err.user_message()
    );
    let got = extract(&fixture("report.pdf"), None, &Limits::default()).expect("pdf after crash");
    assert_eq!(got.pages, Some(3));
}
