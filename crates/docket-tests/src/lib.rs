//! Test support for Docket: a fresh database per test on either backend, the app on port 0 with a
//! clock the test controls, and a real Chromium with axe-core and the Nu Html Checker.
//!
//! Suites live in `tests/`; this crate is never published.

pub mod app;
pub mod browser;
pub mod db;
pub mod dkim;
pub mod dovecot;
pub mod mail;
pub mod smtp;
pub mod week;

use std::io::Write;

/// The seed call file (Digital Justice Week 2022), as shipped.
pub const SEED_CALL: &str = include_str!("../../../calls/digital-justice-week-2022.toml");
/// The second example call (Open Data Week 2027, Eastern time).
pub const SECOND_CALL: &str = include_str!("../../../calls/open-data-week-2027.toml");

/// Prints a note that a part of the suite was skipped, past the test harness's output capture
/// (so a plain `cargo test` shows it even when every test passes).
pub fn announce_skip(what: &str, why: &str) {
    let mut stderr = std::io::stderr().lock();
    let _ = writeln!(stderr, "\nSKIPPED {what}: {why}");
}

/// True when the environment variable is set to `1` (the CI script sets the `DOCKET_REQUIRE_…` ones).
pub fn required(variable: &str) -> bool {
    std::env::var(variable).is_ok_and(|value| value == "1")
}

/// Runs a story test against each backend: `both_backends!(name, async_fn)` makes the tests
/// `name::sqlite` and `name::postgres`; the function takes a [`db::TestDb`].
#[macro_export]
macro_rules! both_backends {
    ($($name:ident => $story:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    let db = $crate::db::TestDb::sqlite().await;
                    super::$story(&db).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    if let Some(db) = $crate::db::TestDb::postgres().await {
                        super::$story(&db).await;
                    }
                }
            }
        )*
    };
}
