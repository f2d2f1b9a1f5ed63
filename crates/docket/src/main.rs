//! `docket`: the command line. Everything lives in the library; this only parses and dispatches.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // PDF, audio and web pages are read by a child process of this binary, with its own limits.
    if let Ok(exe) = std::env::current_exe() {
        docket_documents::isolate::configure_worker(
            exe,
            [docket_documents::isolate::WORKER_SUBCOMMAND],
        );
    }
    let cli = docket::cli::Cli::parse();
    docket::cli::run(cli)
}
