//! A worker process for the tests of docket-documents' child-process isolation (the shipped
//! worker is `docket __extract-worker`). It reads files with Docket's own parsers, except a file
//! that starts with `%FAULT hang`, `%FAULT abort` or `%FAULT memory`, whose "parser" spins
//! forever, aborts, or asks for far more memory than the worker's limit: the tests see the parent
//! survive each, and later files still read.

use docket_documents::isolate::{Deadline, parse_in_process, worker_main_with};
use docket_documents::{ExtractError, Extracted, FileType, Limits};

fn faulty(
    file_type: FileType,
    bytes: &[u8],
    limits: &Limits,
    deadline: &Deadline,
) -> Result<Extracted, ExtractError> {
    if bytes.starts_with(b"%FAULT hang") {
        // Spins without looking at the deadline, like a parser stuck inside a library call.
        let mut x: u64 = 0;
        loop {
            x = std::hint::black_box(x.wrapping_add(1));
        }
    }
    if bytes.starts_with(b"%FAULT abort") {
        std::process::abort();
    }
    if bytes.starts_with(b"%FAULT memory") {
        // 1.5 GiB: more than the 1 GiB address space the tests give the worker, well within the machine; the allocation fails only if the limit holds.
        let mut v: Vec<u8> = Vec::with_capacity(3 << 29);
        v.push(1);
        return Err(ExtractError::Malformed {
            file_type,
            reason: format!("allocated {}", std::hint::black_box(v).len()),
        });
    }
    parse_in_process(file_type, bytes, limits, deadline)
}

fn main() {
    std::process::exit(worker_main_with(faulty));
}
