//! `docket`: the command line. Everything lives in the library; this only parses and dispatches.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = docket::cli::Cli::parse();
    docket::cli::run(cli)
}
