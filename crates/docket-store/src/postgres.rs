//! The scale-out backend: PostgreSQL, shared by several stateless `docket serve` nodes.

use std::str::FromStr;
use std::time::Duration;

use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// A store in a PostgreSQL database (or one schema of it, with `?options=-csearch_path%3DNAME`).
#[derive(Debug, Clone)]
pub struct PostgresStore {
    pool: PgPool,
}

impl PostgresStore {
    /// Connects to the database at `url`.
    pub async fn connect(url: &str) -> Result<Self, crate::StoreError> {
        let options = PgConnectOptions::from_str(url)?;
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await?;
        Ok(Self { pool })
    }
}

fn to_db(at: jiff::Timestamp) -> jiff_sqlx::Timestamp {
    jiff_sqlx::ToSqlx::to_sqlx(at)
}

fn from_db(at: jiff_sqlx::Timestamp) -> Result<jiff::Timestamp, crate::StoreError> {
    Ok(at.to_jiff())
}

crate::backend::store_impl!(
    PostgresStore,
    sqlx::Postgres,
    Backend::Postgres,
    jiff_sqlx::Timestamp,
    to_db,
    from_db,
    "FOR UPDATE SKIP LOCKED"
);
