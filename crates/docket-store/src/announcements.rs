//! Announcements: an organiser's update on a call, its emails to the call's contributors and
//! pledgers, and one-click unsubscribes from announcements (never from mail about one's own
//! piece).

use async_trait::async_trait;
use jiff::Timestamp;

use crate::backend::{SqlStore, audit, call_slug, insert_mail, ts};
use crate::sql;
use crate::{Actor, CallId, NewMail, StoreError, UserId};

/// An announcement as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Announcement {
    pub id: i64,
    pub title: String,
    /// Markdown.
    pub body: String,
    pub posted_at: Timestamp,
    pub recipients: i64,
}

/// One email of an announcement, with the hash of its unsubscribe token.
#[derive(Debug, Clone)]
pub struct AnnouncementMail {
    pub mail: NewMail,
    pub token_hash: String,
}

/// Announcements, read and posted.
#[async_trait]
pub trait Announcements: Send + Sync {
    /// Stores an announcement and queues its emails, in one transaction. Returns its id.
    async fn post_announcement(
        &self,
        call_id: CallId,
        title: &str,
        body: &str,
        by: UserId,
        mails: &[AnnouncementMail],
        now: Timestamp,
    ) -> Result<i64, StoreError>;

    /// A call's announcements, newest first.
    async fn announcements(&self, call_id: CallId) -> Result<Vec<Announcement>, StoreError>;

    /// Who hears of a call's announcements: the owners and co-authors of pieces sent to it and
    /// the people who pledged, less those who unsubscribed.
    async fn announcement_recipients(&self, call_id: CallId) -> Result<Vec<String>, StoreError>;

    /// True when a token was sent in an announcement.
    async fn unsubscribe_token_known(&self, token_hash: &str) -> Result<bool, StoreError>;

    /// Unsubscribes whoever an announcement's token was for from the call's announcements:
    /// (the call, the address), or None for a token that names nobody. Audited; idempotent.
    async fn unsubscribe(
        &self,
        token_hash: &str,
        now: Timestamp,
    ) -> Result<Option<(CallId, String)>, StoreError>;
}

#[async_trait]
impl Announcements for SqlStore {
    async fn post_announcement(
        &self,
        call_id: CallId,
        title: &str,
        body: &str,
        by: UserId,
        mails: &[AnnouncementMail],
        now: Timestamp,
    ) -> Result<i64, StoreError> {
        let mut tx = self.pool.begin().await?;
        let slug = call_slug(&mut tx, call_id).await?;
        let id: i64 = sql::query_scalar(
            "INSERT INTO announcements (call_id, title, body, posted_by, posted_at, recipients)
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(call_id)
        .bind(title)
        .bind(body)
        .bind(by)
        .bind(now)
        .bind(mails.len() as i64)
        .fetch_one(&mut tx)
        .await?;
        for mail in mails {
            sql::query(
                "INSERT INTO unsubscribe_tokens (token_hash, call_id, email) VALUES ($1, $2, $3)",
            )
            .bind(&mail.token_hash)
            .bind(call_id)
            .bind(&mail.mail.to)
            .execute(&mut tx)
            .await?;
            insert_mail(&mut tx, &mail.mail, now).await?;
        }
        audit(
            &mut tx,
            now,
            &Actor::User(by),
            "call.announced",
            &format!("call:{slug}"),
            serde_json::json!({ "announcement": id, "title": title, "recipients": mails.len() }),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    async fn announcements(&self, call_id: CallId) -> Result<Vec<Announcement>, StoreError> {
        let rows = sql::query(
            "SELECT id, title, body, posted_at, recipients FROM announcements WHERE call_id = $1
             ORDER BY posted_at DESC, id DESC",
        )
        .bind(call_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(Announcement {
                    id: row.get("id")?,
                    title: row.get("title")?,
                    body: row.get("body")?,
                    posted_at: ts(row, "posted_at")?,
                    recipients: row.get("recipients")?,
                })
            })
            .collect()
    }

    async fn announcement_recipients(&self, call_id: CallId) -> Result<Vec<String>, StoreError> {
        sql::query_scalar(
            "SELECT DISTINCT email FROM (
                SELECT u.email AS email FROM submissions s JOIN users u ON u.id = s.owner_id
                 WHERE s.call_id = $1 AND s.state <> 'draft'
                UNION SELECT m.email FROM submission_members m JOIN submissions s ON s.id = m.submission_id
                 WHERE s.call_id = $1 AND s.state <> 'draft'
                UNION SELECT u.email FROM pledges p JOIN users u ON u.id = p.owner_id
                 WHERE p.call_id = $1
             ) people
             WHERE email NOT LIKE '%@deleted.invalid'
               AND email NOT IN (SELECT email FROM unsubscribes WHERE call_id = $1)
             ORDER BY email",
        )
        .bind(call_id)
        .fetch_all(&self.pool)
        .await
    }

    async fn unsubscribe_token_known(&self, token_hash: &str) -> Result<bool, StoreError> {
        let found: Option<String> =
            sql::query_scalar("SELECT email FROM unsubscribe_tokens WHERE token_hash = $1")
                .bind(token_hash)
                .fetch_optional(&self.pool)
                .await?;
        Ok(found.is_some())
    }

    async fn unsubscribe(
        &self,
        token_hash: &str,
        now: Timestamp,
    ) -> Result<Option<(CallId, String)>, StoreError> {
        let mut tx = self.pool.begin().await?;
        let row = sql::query("SELECT call_id, email FROM unsubscribe_tokens WHERE token_hash = $1")
            .bind(token_hash)
            .fetch_optional(&mut tx)
            .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let call_id: CallId = row.get("call_id")?;
        let email: String = row.get("email")?;
        let inserted = sql::query(
            "INSERT INTO unsubscribes (call_id, email, at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        )
        .bind(call_id)
        .bind(&email)
        .bind(now)
        .execute(&mut tx)
        .await?;
        if inserted > 0 {
            let slug = call_slug(&mut tx, call_id).await?;
            audit(
                &mut tx,
                now,
                &Actor::System,
                "call.unsubscribed",
                &format!("call:{slug}"),
                serde_json::json!({ "email": email }),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(Some((call_id, email)))
    }
}
