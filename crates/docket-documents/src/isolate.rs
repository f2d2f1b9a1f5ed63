//! Deadlines, and isolation of third-party parsers that may crash, loop or recurse on hostile
//! input.
//!
//! [`run_isolated`] runs a parser on a dedicated thread with a 256 MiB stack, under
//! `catch_unwind`, and waits at most until the deadline. On time-out the caller gets
//! [`ExtractError::TimedOut`] at once and the thread is left behind (Rust cannot kill a thread);
//! it is told to stop through a flag the parsers check between pages or packets, and the number of
//! such abandoned threads is bounded: while [`MAX_ABANDONED`] of them are still running, new
//! isolated work is refused with [`ExtractError::Busy`] ("try again later"). The bound is one
//! process-wide count shared by the isolated readers (PDF, audio, HTML).
//!
//! Residual risk, accepted for now: an abandoned thread keeps its CPU and memory until the
//! library call it is stuck in returns (a parser that loops forever inside one page holds one
//! core for good, at most [`MAX_ABANDONED`] of them); a recursion deeper than the 256 MiB stack,
//! or an allocation the allocator cannot satisfy, aborts the whole process, which
//! `catch_unwind` cannot prevent. Moving these parsers to a child process with OS limits
//! (rlimits, a kill on time-out) would remove that risk, at the cost of a helper binary.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::{ExtractError, FileType};

/// At most this many timed-out threads may still be running; then isolated work is refused.
pub(crate) const MAX_ABANDONED: usize = 2;

/// Stack of an isolated thread: deep enough for the recursion of PDF object graphs and DOMs.
const STACK_SIZE: usize = 256 * 1024 * 1024;

static ABANDONED: AtomicUsize = AtomicUsize::new(0);

const RUNNING: u8 = 0;
const FINISHED: u8 = 1;
const GIVEN_UP: u8 = 2;

/// A point in time after which work stops with [`ExtractError::TimedOut`], plus the flag set
/// when the caller of an isolated thread gave up on it.
#[derive(Clone, Debug)]
pub(crate) struct Deadline {
    at: Option<Instant>,
    state: Option<Arc<AtomicU8>>,
}

impl Deadline {
    pub(crate) fn after(timeout: Duration) -> Self {
        Deadline {
            at: Instant::now().checked_add(timeout),
            state: None,
        }
    }

    fn remaining(&self) -> Duration {
        match self.at {
            Some(at) => at.saturating_duration_since(Instant::now()),
            None => Duration::MAX,
        }
    }

    /// `Err(TimedOut)` once the deadline has passed or the caller gave up.
    pub(crate) fn check(&self) -> Result<(), ExtractError> {
        let given_up = self
            .state
            .as_ref()
            .is_some_and(|s| s.load(Ordering::Acquire) == GIVEN_UP);
        let late = self.at.is_some_and(|at| Instant::now() >= at);
        if given_up || late {
            Err(ExtractError::TimedOut)
        } else {
            Ok(())
        }
    }
}

/// Number of timed-out isolated threads still running.
#[cfg(test)]
pub(crate) fn abandoned_threads() -> usize {
    ABANDONED.load(Ordering::Acquire)
}

/// Runs `work` on its own thread (big stack, `catch_unwind`) and waits until `timeout`.
///
/// `work` gets a [`Deadline`] to check between units of work.
pub(crate) fn run_isolated<T, F>(
    file_type: FileType,
    timeout: Duration,
    work: F,
) -> Result<T, ExtractError>
where
    T: Send + 'static,
    F: FnOnce(&Deadline) -> Result<T, ExtractError> + Send + 'static,
{
    if ABANDONED.load(Ordering::Acquire) >= MAX_ABANDONED {
        return Err(ExtractError::Busy);
    }
    let state = Arc::new(AtomicU8::new(RUNNING));
    let deadline = Deadline {
        at: Instant::now().checked_add(timeout),
        state: Some(Arc::clone(&state)),
    };
    let wait = deadline.remaining();
    let (tx, rx) = mpsc::sync_channel(1);
    let thread_state = Arc::clone(&state);
    let spawned = std::thread::Builder::new()
        .name(format!("docket-documents-{}", file_type.extension()))
        .stack_size(STACK_SIZE)
        .spawn(move || {
            let result = catch_unwind(AssertUnwindSafe(|| work(&deadline)))
                .unwrap_or_else(|_| Err(ExtractError::malformed(file_type, "the parser panicked")));
            // The receiver may be gone (the caller timed out); that is fine.
            let _ = tx.send(result);
            if thread_state.swap(FINISHED, Ordering::AcqRel) == GIVEN_UP {
                ABANDONED.fetch_sub(1, Ordering::AcqRel);
            }
        });
    if spawned.is_err() {
        // No thread could be started (out of threads or memory): the server is overloaded.
        return Err(ExtractError::Busy);
    }
    match rx.recv_timeout(wait) {
        Ok(result) => result,
        Err(mpsc::RecvTimeoutError::Timeout) => {
            // Count first, then try to mark the thread as abandoned, so that the thread's
            // decrement can never come before our increment.
            ABANDONED.fetch_add(1, Ordering::AcqRel);
            match state.compare_exchange(RUNNING, GIVEN_UP, Ordering::AcqRel, Ordering::Acquire) {
                Ok(_) => Err(ExtractError::TimedOut),
                Err(_) => {
                    // It finished just now: take its result.
                    ABANDONED.fetch_sub(1, Ordering::AcqRel);
                    rx.recv().unwrap_or(Err(ExtractError::TimedOut))
                }
            }
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => Err(ExtractError::malformed(
            file_type,
            "the parser thread ended without a result",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    /// The abandoned-thread counter is global: these tests must not overlap.
    static SERIAL: Mutex<()> = Mutex::new(());

    #[test]
    fn timed_out_threads_are_bounded_and_released() {
        let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
        let slow = |d: &Deadline| {
            // Ignores the flag on purpose, like a parser stuck inside a library call.
            let _ = d;
            std::thread::sleep(Duration::from_millis(600));
            Ok(())
        };
        for _ in 0..MAX_ABANDONED {
            let r = run_isolated(FileType::Pdf, Duration::from_millis(10), slow);
            assert!(matches!(r, Err(ExtractError::TimedOut)), "{r:?}");
        }
        assert_eq!(abandoned_threads(), MAX_ABANDONED);
        let r = run_isolated(FileType::Pdf, Duration::from_secs(5), |_| Ok(1));
        assert!(matches!(r, Err(ExtractError::Busy)), "{r:?}");
        assert!(!ExtractError::Busy.user_message().is_empty());
        let start = Instant::now();
        while abandoned_threads() > 0 && start.elapsed() < Duration::from_secs(10) {
            std::thread::sleep(Duration::from_millis(20));
        }
        assert_eq!(abandoned_threads(), 0);
        let r = run_isolated(FileType::Pdf, Duration::from_secs(5), |_| Ok(1));
        assert_eq!(r.ok(), Some(1));
    }

    #[test]
    fn panics_become_errors() {
        let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
        let r: Result<(), _> = run_isolated(FileType::Pdf, Duration::from_secs(5), |_| {
            panic!("hostile input");
        });
        assert!(matches!(r, Err(ExtractError::Malformed { .. })), "{r:?}");
    }

    #[test]
    fn deadline_in_the_past_fails() {
        let d = Deadline::after(Duration::ZERO);
        assert!(matches!(d.check(), Err(ExtractError::TimedOut)));
        let d = Deadline::after(Duration::from_secs(60));
        assert!(d.check().is_ok());
    }
}
