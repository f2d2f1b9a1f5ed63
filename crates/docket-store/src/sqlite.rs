//! The embedded backend: one SQLite file in WAL mode with foreign keys on, a busy timeout and
//! full fsync on commit (a success answer means the data is on disk).

use std::str::FromStr;
use std::time::Duration;

use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// A store in one SQLite file.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    /// Opens (creating if missing) the database at `url` (`sqlite://docket.db`).
    pub async fn connect(url: &str) -> Result<Self, crate::StoreError> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await?;
        Ok(Self { pool })
    }
}

fn to_micros(at: jiff::Timestamp) -> i64 {
    at.as_microsecond()
}

fn from_micros(micros: i64) -> Result<jiff::Timestamp, crate::StoreError> {
    jiff::Timestamp::from_microsecond(micros)
        .map_err(|error| crate::StoreError::Corrupt(error.to_string()))
}

crate::backend::store_impl!(
    SqliteStore,
    sqlx::Sqlite,
    Backend::Sqlite,
    i64,
    to_micros,
    from_micros,
    ""
);
