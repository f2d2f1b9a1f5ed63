//! The Docket binary's library: command line, configuration and wiring of the crates.

pub mod cli;
pub mod config;
pub mod export;
pub mod samples;
pub mod seed;
pub mod server;
