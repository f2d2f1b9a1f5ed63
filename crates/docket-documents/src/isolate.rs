//! Deadlines, and isolation of third-party parsers that may crash, loop or recurse on hostile
//! input (PDF, audio, HTML).
//!
//! # In a child process (what the `docket` binary does)
//!
//! When a worker is configured with [`configure_worker`] (the `docket` binary does it once at
//! start-up, naming itself and its hidden subcommand [`WORKER_SUBCOMMAND`]), each such file is
//! read by a fresh child process: the parent writes the job and the file on the child's standard
//! input; the child ([`worker_main`]) sets its own CPU-time limit (`RLIMIT_CPU`, the time-out plus
//! a second) and address-space limit (`RLIMIT_AS`, [`WORKER_MEMORY`]) with the `rlimit` crate,
//! parses, and writes the result on its standard output as JSON. The parent kills the child at
//! the time-out (`Child::kill`), so a parser stuck in a loop costs nothing once its time is up,
//! and later files are read as usual; a child that runs out of memory or crashes (abort,
//! segmentation fault) becomes an [`ExtractError`] with a plain-English message, never a crash of
//! the parent. (The workspace forbids `unsafe`, so the limits are set by the child on itself, not
//! by a `pre_exec` hook.)
//!
//! # In-process fallback (tests, and any program that configures no worker)
//!
//! Many tests run the web application inside a test binary, whose own executable is no
//! `docket`. Without a configured worker, each such file is read on a dedicated thread with a
//! 256 MiB stack, under `catch_unwind`, and the caller waits at most until the deadline. On
//! time-out the caller gets [`ExtractError::TimedOut`] at once and the thread is left behind
//! (Rust cannot kill a thread); it is told to stop through a flag the parsers check between pages or packets,
//! and the number of such abandoned threads is bounded: while [`MAX_ABANDONED`] of them are still
//! running, new isolated work is refused with [`ExtractError::Busy`] ("try again later"). An
//! abandoned thread keeps its CPU and memory until the library call it is stuck in returns; a
//! recursion deeper than the stack, or an allocation the allocator cannot satisfy, aborts the
//! whole process. That residual risk is why the binary uses the child process.

use std::ffi::OsString;
use std::io::{Read, Write};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use crate::{ExtractError, Extracted, FileType, Limits};

/// At most this many timed-out threads may still be running; then isolated work is refused.
pub const MAX_ABANDONED: usize = 2;

/// The hidden subcommand of the `docket` binary that runs [`worker_main`].
pub const WORKER_SUBCOMMAND: &str = "__extract-worker";

/// The address space a worker process may use (2 GiB): ample for a 25 MiB PDF, small enough that
/// a crafted file cannot take the machine's memory.
pub const WORKER_MEMORY: u64 = 2 * 1024 * 1024 * 1024;

/// How to start a worker process.
#[derive(Debug, Clone)]
struct Worker {
    program: PathBuf,
    args: Vec<OsString>,
    memory: u64,
}

static WORKER: OnceLock<Worker> = OnceLock::new();

/// Makes PDF, audio and HTML files be read in a child process: `program` with `args` (for the
/// `docket` binary, its own path and [`WORKER_SUBCOMMAND`]), which must call [`worker_main`].
/// Call it once, at start-up; later calls are ignored and return `false`. Without it, those files
/// are read on a thread of this process (see the module documentation).
pub fn configure_worker<I, A>(program: impl Into<PathBuf>, args: I) -> bool
where
    I: IntoIterator<Item = A>,
    A: Into<OsString>,
{
    configure_worker_with_memory(program, args, WORKER_MEMORY)
}

/// Like [`configure_worker`], with the worker's address-space limit in bytes (tests use a small
/// one to see the limit work).
pub fn configure_worker_with_memory<I, A>(program: impl Into<PathBuf>, args: I, memory: u64) -> bool
where
    I: IntoIterator<Item = A>,
    A: Into<OsString>,
{
    WORKER
        .set(Worker {
            program: program.into(),
            args: args.into_iter().map(Into::into).collect(),
            memory,
        })
        .is_ok()
}

/// Whether a worker process is configured.
pub fn worker_configured() -> bool {
    WORKER.get().is_some()
}

/// Stack of an isolated thread: deep enough for the recursion of PDF object graphs and DOMs.
const STACK_SIZE: usize = 256 * 1024 * 1024;

static ABANDONED: AtomicUsize = AtomicUsize::new(0);

const RUNNING: u8 = 0;
const FINISHED: u8 = 1;
const GIVEN_UP: u8 = 2;

/// A point in time after which work stops with [`ExtractError::TimedOut`], plus the flag set
/// when the caller of an isolated thread gave up on it.
#[derive(Clone, Debug)]
pub struct Deadline {
    at: Option<Instant>,
    state: Option<Arc<AtomicU8>>,
}

impl Deadline {
    /// A deadline `timeout` from now.
    pub fn after(timeout: Duration) -> Self {
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
    pub fn check(&self) -> Result<(), ExtractError> {
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
fn abandoned_threads() -> usize {
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

/// Reads a file of a type read by third-party code, in the worker process if one is
/// configured, else on an isolated thread.
pub(crate) fn run_third_party(
    file_type: FileType,
    bytes: &[u8],
    limits: &Limits,
) -> Result<Extracted, ExtractError> {
    match WORKER.get() {
        Some(worker) => run_in_child(worker, file_type, bytes, limits),
        None => {
            let owned = bytes.to_vec();
            let limits = *limits;
            run_isolated(file_type, limits.timeout, move |deadline| {
                parse(file_type, &owned, &limits, deadline)
            })
        }
    }
}

/// Reads a PDF, audio file or web page in this process, without isolation: what a worker
/// process runs. For the tests of the worker machinery; programs call [`crate::extract`].
#[doc(hidden)]
pub fn parse_in_process(
    file_type: FileType,
    bytes: &[u8],
    limits: &Limits,
    deadline: &Deadline,
) -> Result<Extracted, ExtractError> {
    parse(file_type, bytes, limits, deadline)
}

/// The parser of each third-party type, run in this process.
fn parse(
    file_type: FileType,
    bytes: &[u8],
    limits: &Limits,
    deadline: &Deadline,
) -> Result<Extracted, ExtractError> {
    match file_type {
        FileType::Pdf => crate::pdf::parse(bytes, limits, deadline),
        FileType::Html => crate::html::parse(bytes, deadline),
        t if t.is_audio() => crate::audio::parse(bytes, t, deadline),
        t => Err(ExtractError::malformed(t, "not a type the worker reads")),
    }
}

/// The file types, by extension, as the job names them.
fn type_named(name: &str) -> Option<FileType> {
    [
        FileType::Pdf,
        FileType::Html,
        FileType::Mp3,
        FileType::M4a,
        FileType::Ogg,
        FileType::Wav,
    ]
    .into_iter()
    .find(|t| t.extension() == name)
}

/// The job, as the parent writes it before the file's bytes.
#[derive(serde::Serialize, serde::Deserialize)]
struct Job {
    file_type: String,
    max_pdf_pages: u32,
    timeout_ms: u64,
    memory: u64,
    bytes: u64,
}

/// What the worker answers.
#[derive(serde::Serialize, serde::Deserialize)]
enum Answer {
    Read {
        markdown: String,
        pages: Option<u32>,
        duration_seconds: Option<f64>,
        title: Option<String>,
    },
    Malformed(String),
    Encrypted,
    TooManyPages {
        pages: u32,
        limit: u32,
    },
    TimedOut,
}

fn answer_of(result: Result<Extracted, ExtractError>) -> Answer {
    match result {
        Ok(e) => Answer::Read {
            markdown: e.markdown,
            pages: e.pages,
            duration_seconds: e.duration_seconds,
            title: e.title,
        },
        Err(ExtractError::Encrypted { .. }) => Answer::Encrypted,
        Err(ExtractError::TooManyPages { pages, limit }) => Answer::TooManyPages { pages, limit },
        Err(ExtractError::TimedOut) => Answer::TimedOut,
        Err(ExtractError::Malformed { reason, .. }) => Answer::Malformed(reason),
        Err(other) => Answer::Malformed(other.to_string()),
    }
}

fn result_of(answer: Answer, file_type: FileType) -> Result<Extracted, ExtractError> {
    match answer {
        Answer::Read {
            markdown,
            pages,
            duration_seconds,
            title,
        } => Ok(Extracted {
            markdown,
            pages,
            duration_seconds,
            title,
            ..Extracted::new(file_type)
        }),
        Answer::Malformed(reason) => Err(ExtractError::Malformed { file_type, reason }),
        Answer::Encrypted => Err(ExtractError::Encrypted { file_type }),
        Answer::TooManyPages { pages, limit } => Err(ExtractError::TooManyPages { pages, limit }),
        Answer::TimedOut => Err(ExtractError::TimedOut),
    }
}

/// How often the parent looks whether the child is done.
const POLL: Duration = Duration::from_millis(5);

fn run_in_child(
    worker: &Worker,
    file_type: FileType,
    bytes: &[u8],
    limits: &Limits,
) -> Result<Extracted, ExtractError> {
    let deadline = Instant::now() + limits.timeout;
    let job = Job {
        file_type: file_type.extension().to_owned(),
        max_pdf_pages: limits.max_pdf_pages,
        timeout_ms: u64::try_from(limits.timeout.as_millis()).unwrap_or(u64::MAX),
        memory: worker.memory,
        bytes: bytes.len() as u64,
    };
    let mut header = serde_json::to_vec(&job).map_err(|e| ExtractError::malformed(file_type, e))?;
    header.push(b'\n');
    let mut child = match Command::new(&worker.program)
        .args(&worker.args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(child) => child,
        // No process could be started (out of processes or memory): the server is overloaded.
        Err(_) => return Err(ExtractError::Busy),
    };
    // Feed the child, and drain what it says, on threads of their own, so that neither a child
    // that stops reading nor one that writes a lot can block the parent past the deadline.
    let mut stdin = child.stdin.take();
    let input: Vec<u8> = [header.as_slice(), bytes].concat();
    let writer = std::thread::spawn(move || {
        if let Some(stdin) = stdin.as_mut() {
            // The child may be gone (killed, crashed): that is told by its exit status.
            let _ = stdin.write_all(&input);
        }
    });
    let drain = |pipe: Option<Box<dyn Read + Send>>, cap: u64| {
        std::thread::spawn(move || {
            let mut out = Vec::new();
            if let Some(pipe) = pipe {
                let _ = pipe.take(cap).read_to_end(&mut out);
            }
            out
        })
    };
    let stdout = drain(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
        256 * 1024 * 1024,
    );
    let stderr = drain(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
        64 * 1024,
    );
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            Ok(None) => std::thread::sleep(POLL),
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
        }
    };
    let _ = writer.join();
    let out = stdout.join().unwrap_or_default();
    let err = stderr.join().unwrap_or_default();
    let Some(status) = status else {
        return Err(ExtractError::TimedOut);
    };
    if status.success()
        && let Ok(answer) = serde_json::from_slice::<Answer>(&out)
    {
        return result_of(answer, file_type);
    }
    let stderr = String::from_utf8_lossy(&err);
    if stderr.contains("memory allocation") || stderr.contains("out of memory") {
        return Err(ExtractError::OutOfMemory { file_type });
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        // SIGXCPU (24), or SIGKILL past the hard limit: the CPU-time limit was reached.
        if matches!(status.signal(), Some(24)) {
            return Err(ExtractError::TimedOut);
        }
        if let Some(signal) = status.signal() {
            return Err(ExtractError::malformed(
                file_type,
                format!("the reader crashed (signal {signal})"),
            ));
        }
    }
    Err(ExtractError::malformed(
        file_type,
        format!("the reader failed ({status}): {}", stderr.trim()),
    ))
}

/// The entry point of a worker process: reads one job and its file on standard input, limits
/// its own CPU time and memory, reads the file, writes the result on standard output, and
/// returns the process exit code. The `docket` binary calls it from its hidden
/// [`WORKER_SUBCOMMAND`].
pub fn worker_main() -> i32 {
    worker_main_with(parse)
}

/// [`worker_main`] with another parser in place of Docket's; for tests of the process machinery
/// (a parser that hangs, crashes or eats memory), not for use in a program.
#[doc(hidden)]
pub fn worker_main_with(
    parse: fn(FileType, &[u8], &Limits, &Deadline) -> Result<Extracted, ExtractError>,
) -> i32 {
    let mut input = std::io::stdin().lock();
    let mut header = Vec::new();
    let mut byte = [0u8; 1];
    while header.len() < 4096 {
        match input.read(&mut byte) {
            Ok(1) if byte[0] == b'\n' => break,
            Ok(1) => header.push(byte[0]),
            _ => return 2,
        }
    }
    let Ok(job) = serde_json::from_slice::<Job>(&header) else {
        return 2;
    };
    let Some(file_type) = type_named(&job.file_type) else {
        return 2;
    };
    let timeout = Duration::from_millis(job.timeout_ms);
    // The limits first, before any byte of the file is looked at. The CPU-time limit must hold;
    // a system without an address-space limit (not Linux) still has the parent's time-out.
    let cpu = timeout.as_secs().saturating_add(1);
    if rlimit::setrlimit(rlimit::Resource::CPU, cpu, cpu.saturating_add(1)).is_err() {
        return 3;
    }
    let _ = rlimit::setrlimit(rlimit::Resource::AS, job.memory, job.memory);
    let mut bytes = Vec::new();
    if input
        .take(job.bytes.min(1 << 30))
        .read_to_end(&mut bytes)
        .is_err()
    {
        return 2;
    }
    let limits = Limits {
        max_pdf_pages: job.max_pdf_pages,
        timeout,
        ..Limits::default()
    };
    let deadline = Deadline::after(timeout);
    let result = catch_unwind(AssertUnwindSafe(|| {
        parse(file_type, &bytes, &limits, &deadline)
    }))
    .unwrap_or_else(|_| Err(ExtractError::malformed(file_type, "the parser panicked")));
    let answer = answer_of(result);
    let mut out = std::io::stdout().lock();
    match serde_json::to_writer(&mut out, &answer) {
        Ok(()) if out.flush().is_ok() => 0,
        _ => 4,
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
