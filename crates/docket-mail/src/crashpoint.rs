//! Crash points: named places where a crash test can kill the process, to prove that what was
//! committed before the point survives and what was not is done again after a restart.
//!
//! A normal build has no such hook: without the `crashpoints` feature [`reached`] is an empty
//! inline function and the compiler removes every call. With the feature, a process started
//! with `DOCKET_CRASH_AT=NAME` dies the first time it reaches the point `NAME`, and with
//! `DOCKET_CRASH_AT=NAME@N` the `N`th time (so a test can let some work commit before the
//! crash). It writes `crashpoint NAME reached` to standard error and aborts at once: no
//! destructors, no flushing, no closing of connections, as with a power cut or `kill -9`.
//!
//! The points:
//! - `poll.before_commit`: the poller fetched a message and has not begun to ingest it;
//! - `poll.before_seen`: the message's ingestion committed and it is not yet flagged `\Seen`;
//! - `outbox.before_mark_sent`: the SMTP server accepted a mail and it is not yet marked sent.

/// Marks the crash point `name`; see the module documentation.
#[cfg(not(feature = "crashpoints"))]
#[inline(always)]
pub fn reached(_name: &str) {}

/// Marks the crash point `name`: kills the process if `DOCKET_CRASH_AT` asks for it here.
#[cfg(feature = "crashpoints")]
pub fn reached(name: &str) {
    use std::io::Write;
    use std::sync::OnceLock;
    use std::sync::atomic::{AtomicU64, Ordering};

    /// The armed point and after how many arrivals it fires, read once per process.
    static ARMED: OnceLock<Option<(String, u64)>> = OnceLock::new();
    /// How often the armed point was reached; only one point is armed per process.
    static ARRIVALS: AtomicU64 = AtomicU64::new(0);

    let armed = ARMED.get_or_init(|| {
        let value = std::env::var("DOCKET_CRASH_AT").ok()?;
        Some(match value.rsplit_once('@') {
            Some((point, nth)) => (point.to_owned(), nth.parse().unwrap_or(1)),
            None => (value, 1),
        })
    });
    let Some((point, nth)) = armed else {
        return;
    };
    if point != name {
        return;
    }
    if ARRIVALS.fetch_add(1, Ordering::SeqCst) + 1 < *nth {
        return;
    }
    // Standard error is unbuffered: the line is out before the process is gone.
    let _ = writeln!(std::io::stderr().lock(), "crashpoint {name} reached");
    std::process::abort();
}
