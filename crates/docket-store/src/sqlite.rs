//! The embedded backend: one SQLite file in WAL mode with foreign keys on, a busy timeout and
//! full fsync on commit (a success answer means the data is on disk).

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use docket_core::Call;
use jiff::Timestamp;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Row, SqlitePool};

use crate::{Actor, AuditEvent, Backend, Saved, Store, StoreError, StoredCall};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// A store in one SQLite file.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    /// Opens (creating if missing) the database at `url` (`sqlite://docket.db`).
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
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

fn to_micros(at: Timestamp) -> i64 {
    at.as_microsecond()
}

fn from_micros(micros: i64) -> Result<Timestamp, StoreError> {
    Timestamp::from_microsecond(micros).map_err(|error| StoreError::Corrupt(error.to_string()))
}

fn stored_call(row: &sqlx::sqlite::SqliteRow) -> Result<StoredCall, StoreError> {
    Ok(StoredCall {
        id: row.try_get("id")?,
        call: crate::decode_call(row.try_get("document")?)?,
        created_at: from_micros(row.try_get("created_at")?)?,
        updated_at: from_micros(row.try_get("updated_at")?)?,
    })
}

#[async_trait]
impl Store for SqliteStore {
    fn backend(&self) -> Backend {
        Backend::Sqlite
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        MIGRATOR.run(&self.pool).await?;
        Ok(())
    }

    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    async fn save_call(
        &self,
        call: &Call,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<(StoredCall, Saved), StoreError> {
        let document = crate::encode_call(call)?;
        let mut tx = self.pool.begin().await?;
        let existed: Option<i64> = sqlx::query_scalar("SELECT id FROM calls WHERE slug = ?")
            .bind(call.slug.as_str())
            .fetch_optional(&mut *tx)
            .await?;
        let row = sqlx::query(
            "INSERT INTO calls (slug, title, deadline_at, document, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?5)
             ON CONFLICT (slug) DO UPDATE SET
                 title = excluded.title, deadline_at = excluded.deadline_at,
                 document = excluded.document, updated_at = excluded.updated_at
             RETURNING id, document, created_at, updated_at",
        )
        .bind(call.slug.as_str())
        .bind(&call.title)
        .bind(to_micros(call.deadline_at()))
        .bind(&document)
        .bind(to_micros(now))
        .fetch_one(&mut *tx)
        .await?;
        let saved = if existed.is_some() {
            Saved::Updated
        } else {
            Saved::Created
        };
        let action = match saved {
            Saved::Created => "call.created",
            Saved::Updated => "call.updated",
        };
        sqlx::query(
            "INSERT INTO audit_events (at, actor, action, subject, detail) VALUES (?, ?, ?, ?, ?)",
        )
        .bind(to_micros(now))
        .bind(actor.as_audit())
        .bind(action)
        .bind(crate::call_subject(call))
        .bind(serde_json::json!({ "title": call.title }).to_string())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok((stored_call(&row)?, saved))
    }

    async fn call(&self, slug: &str) -> Result<Option<StoredCall>, StoreError> {
        let row =
            sqlx::query("SELECT id, document, created_at, updated_at FROM calls WHERE slug = ?")
                .bind(slug)
                .fetch_optional(&self.pool)
                .await?;
        row.as_ref().map(stored_call).transpose()
    }

    async fn calls(&self) -> Result<Vec<StoredCall>, StoreError> {
        let rows = sqlx::query("SELECT id, document, created_at, updated_at FROM calls ORDER BY deadline_at DESC, slug")
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(stored_call).collect()
    }

    async fn audit_trail(&self, subject: &str) -> Result<Vec<AuditEvent>, StoreError> {
        let rows = sqlx::query("SELECT at, actor, action, subject, detail FROM audit_events WHERE subject = ? ORDER BY at, id")
            .bind(subject)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| {
                let detail: String = row.try_get("detail")?;
                Ok(AuditEvent {
                    at: from_micros(row.try_get("at")?)?,
                    actor: row.try_get("actor")?,
                    action: row.try_get("action")?,
                    subject: row.try_get("subject")?,
                    detail: serde_json::from_str(&detail)
                        .map_err(|e| StoreError::Corrupt(e.to_string()))?,
                })
            })
            .collect()
    }

    async fn close(&self) {
        self.pool.close().await;
    }
}
