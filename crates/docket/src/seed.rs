//! The demo's call, shipped inside the binary: techUK's Digital Justice Week 2022.

/// The seed call file, as in `calls/digital-justice-week-2022.toml`.
pub const SEED_CALL: &str = include_str!("../../../calls/digital-justice-week-2022.toml");
