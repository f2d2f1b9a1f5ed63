//! Time limits. In a test binary of their own: timed-out isolated threads are counted
//! process-wide, and other tests must not see them.

mod common;

use std::time::Duration;

use common::fixture;
use docket_documents::{ExtractError, Limits, extract};

fn no_time() -> Limits {
    Limits {
        timeout: Duration::ZERO,
        ..Limits::default()
    }
}

#[test]
fn every_reader_honours_the_timeout() {
    for name in [
        "blog.docx",
        "blog.odt",
        "report.pdf",
        "tone.mp3",
        "blog.html",
    ] {
        let err = extract(&fixture(name), None, &no_time()).expect_err(name);
        assert!(matches!(err, ExtractError::TimedOut), "{name}: {err:?}");
        assert!(
            err.user_message().contains("too long"),
            "{}",
            err.user_message()
        );
        // Let the abandoned thread (PDF, audio, HTML) finish before the next one.
        std::thread::sleep(Duration::from_millis(300));
    }
    // Abandoned threads are released once they finish: normal work goes on.
    let got = extract(&fixture("report.pdf"), None, &Limits::default()).expect("pdf");
    assert_eq!(got.pages, Some(3));
}
