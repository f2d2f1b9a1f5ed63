//! Docket's storage: one [`Store`] trait with an embedded SQLite implementation and a PostgreSQL
//! one, each with its own migrations, chosen by the database URL's scheme.
//!
//! Every method that changes something does it in one transaction together with its audit event,
//! and returns only after the commit.

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use docket_core::Call;
use jiff::Timestamp;

pub mod postgres;
pub mod sqlite;

/// Which database a store talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        })
    }
}

/// Who made a change, as recorded in the audit trail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// Docket itself (start-up loading, background jobs).
    System,
    /// Someone at the command line on the server.
    Cli,
}

impl Actor {
    fn as_audit(&self) -> String {
        match self {
            Actor::System => "system".into(),
            Actor::Cli => "cli".into(),
        }
    }
}

/// A call as stored, with its database id and times.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredCall {
    pub id: i64,
    pub call: Call,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// Whether [`Store::save_call`] made a new call or replaced one with the same slug.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Saved {
    Created,
    Updated,
}

/// One line of the audit trail.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEvent {
    pub at: Timestamp,
    pub actor: String,
    pub action: String,
    pub subject: String,
    pub detail: serde_json::Value,
}

/// What can go wrong in storage. Callers show [`StoreError::Unavailable`] as "try again" and log the rest.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database URL is not one Docket can use.
    #[error("{0}")]
    BadUrl(String),
    /// The database could not be reached or answered with an error.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// Migrating the schema failed.
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A stored document could not be read back (written by a newer Docket, or edited by hand).
    #[error("stored data could not be read: {0}")]
    Corrupt(String),
}

/// The storage contract both backends fulfil; one test suite runs against both.
#[async_trait]
pub trait Store: Send + Sync + fmt::Debug {
    /// Which backend this is.
    fn backend(&self) -> Backend;

    /// Brings the schema up to date. Safe to run on every start, from several nodes at once.
    async fn migrate(&self) -> Result<(), StoreError>;

    /// Checks that the database answers (for `/healthz`).
    async fn ping(&self) -> Result<(), StoreError>;

    /// Stores `call`, replacing any call with the same slug, with an audit event, in one transaction.
    async fn save_call(
        &self,
        call: &Call,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<(StoredCall, Saved), StoreError>;

    /// The call with this slug.
    async fn call(&self, slug: &str) -> Result<Option<StoredCall>, StoreError>;

    /// Every call, the newest week first.
    async fn calls(&self) -> Result<Vec<StoredCall>, StoreError>;

    /// The audit trail for one subject (`call:digital-justice-week-2022`), oldest first.
    async fn audit_trail(&self, subject: &str) -> Result<Vec<AuditEvent>, StoreError>;

    /// Closes the pool, waiting for connections to finish.
    async fn close(&self);
}

/// Opens the store a URL names: `sqlite://PATH` (created if missing), `sqlite::memory:`, or
/// `postgres://…` / `postgresql://…`. Does not migrate.
pub async fn connect(url: &str) -> Result<Arc<dyn Store>, StoreError> {
    if url.starts_with("sqlite:") {
        Ok(Arc::new(sqlite::SqliteStore::connect(url).await?))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(postgres::PostgresStore::connect(url).await?))
    } else {
        Err(StoreError::BadUrl(format!(
            "the database URL must start with sqlite:// or postgres:// (got `{}`)",
            redact_url(url)
        )))
    }
}

/// The URL with any password replaced by `***`, for logs and messages.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_owned(),
    }
}

fn call_subject(call: &Call) -> String {
    format!("call:{}", call.slug)
}

fn decode_call(document: &str) -> Result<Call, StoreError> {
    serde_json::from_str(document)
        .map_err(|error| StoreError::Corrupt(format!("call document: {error}")))
}

fn encode_call(call: &Call) -> Result<String, StoreError> {
    serde_json::to_string(call)
        .map_err(|error| StoreError::Corrupt(format!("call document: {error}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_reach_the_logs() {
        assert_eq!(
            redact_url("postgres://docket:s3cret@db.internal:5432/docket"),
            "postgres://docket:***@db.internal:5432/docket"
        );
        assert_eq!(redact_url("sqlite://docket.db"), "sqlite://docket.db");
    }
}
