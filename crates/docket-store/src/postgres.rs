//! The scale-out backend: PostgreSQL, shared by several stateless `docket serve` nodes.

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use docket_core::Call;
use jiff::Timestamp;
use jiff_sqlx::ToSqlx;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{PgPool, Row};

use crate::{Actor, AuditEvent, Backend, Saved, Store, StoreError, StoredCall};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// A store in a PostgreSQL database (or one schema of it, with `?options=-csearch_path%3DNAME`).
#[derive(Debug, Clone)]
pub struct PostgresStore {
    pool: PgPool,
}

impl PostgresStore {
    /// Connects to the database at `url`.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let options = PgConnectOptions::from_str(url)?;
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await?;
        Ok(Self { pool })
    }
}

fn stored_call(row: &sqlx::postgres::PgRow) -> Result<StoredCall, StoreError> {
    let document: serde_json::Value = row.try_get("document")?;
    let call: Call = serde_json::from_value(document)
        .map_err(|e| StoreError::Corrupt(format!("call document: {e}")))?;
    Ok(StoredCall {
        id: row.try_get("id")?,
        call,
        created_at: row
            .try_get::<jiff_sqlx::Timestamp, _>("created_at")?
            .to_jiff(),
        updated_at: row
            .try_get::<jiff_sqlx::Timestamp, _>("updated_at")?
            .to_jiff(),
    })
}

#[async_trait]
impl Store for PostgresStore {
    fn backend(&self) -> Backend {
        Backend::Postgres
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        // sqlx takes an advisory lock, so several nodes starting together migrate once.
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
        let document =
            serde_json::to_value(call).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let mut tx = self.pool.begin().await?;
        let row = sqlx::query(
            "INSERT INTO calls (slug, title, deadline_at, document, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $5)
             ON CONFLICT (slug) DO UPDATE SET
                 title = excluded.title, deadline_at = excluded.deadline_at,
                 document = excluded.document, updated_at = excluded.updated_at
             RETURNING id, document, created_at, updated_at, (xmax = 0) AS inserted",
        )
        .bind(call.slug.as_str())
        .bind(&call.title)
        .bind(call.deadline_at().to_sqlx())
        .bind(&document)
        .bind(now.to_sqlx())
        .fetch_one(&mut *tx)
        .await?;
        let inserted: bool = row.try_get("inserted")?;
        let saved = if inserted {
            Saved::Created
        } else {
            Saved::Updated
        };
        let action = match saved {
            Saved::Created => "call.created",
            Saved::Updated => "call.updated",
        };
        sqlx::query("INSERT INTO audit_events (at, actor, action, subject, detail) VALUES ($1, $2, $3, $4, $5)")
            .bind(now.to_sqlx())
            .bind(actor.as_audit())
            .bind(action)
            .bind(crate::call_subject(call))
            .bind(serde_json::json!({ "title": call.title }))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok((stored_call(&row)?, saved))
    }

    async fn call(&self, slug: &str) -> Result<Option<StoredCall>, StoreError> {
        let row =
            sqlx::query("SELECT id, document, created_at, updated_at FROM calls WHERE slug = $1")
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
        let rows = sqlx::query("SELECT at, actor, action, subject, detail FROM audit_events WHERE subject = $1 ORDER BY at, id")
            .bind(subject)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| {
                Ok(AuditEvent {
                    at: row.try_get::<jiff_sqlx::Timestamp, _>("at")?.to_jiff(),
                    actor: row.try_get("actor")?,
                    action: row.try_get("action")?,
                    subject: row.try_get("subject")?,
                    detail: row.try_get("detail")?,
                })
            })
            .collect()
    }

    async fn close(&self) {
        self.pool.close().await;
    }
}
