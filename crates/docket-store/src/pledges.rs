//! Pledges: someone's word that they will contribute. One record from promise to piece: the
//! piece a pledge led to is linked to it, and the pledge counts as fulfilled once that piece is
//! sent (read from the piece, never stored twice).

use async_trait::async_trait;
use docket_core::pledge::{Pledge, PledgeState};
use docket_core::submission::SubmissionState;
use jiff::Timestamp;
use sqlx::types::Json;

use crate::backend::{SqlStore, audit, insert_mail, new_reply_token, parsed, trust, ts};
use crate::sql::{self, Row, Tx};
use crate::{Actor, CallId, NewMail, SenderTrust, StoreError, SubmissionId, UserId};

/// A pledge as stored, with the state of the piece it led to.
#[derive(Debug, Clone, PartialEq)]
pub struct PledgeRecord {
    pub id: i64,
    pub call_id: CallId,
    pub owner_id: UserId,
    pub owner_email: String,
    pub state: PledgeState,
    pub pledge: Pledge,
    pub submission_id: Option<SubmissionId>,
    /// The state of the piece it led to, if any.
    pub submission_state: Option<SubmissionState>,
    /// The secret half of the answer's reply address (`inbox+p7-…@…`).
    pub reply_token: String,
    /// An editor's note when declined.
    pub note: String,
    /// `web` or `email`.
    pub source: String,
    pub sender_trust: Option<SenderTrust>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl PledgeRecord {
    /// True once the piece it led to was sent (not only started).
    pub fn piece_sent(&self) -> bool {
        self.submission_state
            .is_some_and(|state| state != SubmissionState::Draft)
    }
}

/// A new pledge.
#[derive(Debug, Clone)]
pub struct NewPledge {
    pub call_id: CallId,
    pub owner_id: UserId,
    pub pledge: Pledge,
    /// `web` or `email`.
    pub source: &'static str,
    pub sender_trust: Option<SenderTrust>,
}

/// Pledges, read and changed.
#[async_trait]
pub trait Pledges: Send + Sync {
    /// Stores a pledge made on the web, with the mail that confirms it, in one transaction.
    /// Returns its id.
    async fn add_pledge(
        &self,
        new: &NewPledge,
        mail: Option<NewMail>,
        now: Timestamp,
    ) -> Result<i64, StoreError>;

    /// The pledge with this id.
    async fn pledge(&self, id: i64) -> Result<Option<PledgeRecord>, StoreError>;

    /// The pledge a reply address names, when its secret matches.
    async fn pledge_by_reply_token(
        &self,
        id: i64,
        token: &str,
    ) -> Result<Option<PledgeRecord>, StoreError>;

    /// A call's pledges, oldest first.
    async fn call_pledges(&self, call_id: CallId) -> Result<Vec<PledgeRecord>, StoreError>;

    /// Someone's pledges, newest first.
    async fn pledges_of(&self, owner_id: UserId) -> Result<Vec<PledgeRecord>, StoreError>;

    /// Moves a pledge from `from` to `to` (withdrawn by its author, declined by an editor with
    /// `note`), queuing `mail`, with an audit event; Conflict when it moved meanwhile.
    #[allow(clippy::too_many_arguments)]
    async fn set_pledge_state(
        &self,
        id: i64,
        from: PledgeState,
        to: PledgeState,
        note: &str,
        mail: Option<NewMail>,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<(), StoreError>;

    /// Links a pledge to the piece started from it.
    async fn link_pledge(
        &self,
        id: i64,
        submission_id: SubmissionId,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<(), StoreError>;
}

const SELECT: &str =
    "SELECT p.id, p.call_id, p.owner_id, u.email AS owner_email, p.state, p.pledge,
        p.submission_id, s.state AS submission_state, p.reply_token, p.note, p.source,
        p.sender_trust, p.created_at, p.updated_at
     FROM pledges p JOIN users u ON u.id = p.owner_id
     LEFT JOIN submissions s ON s.id = p.submission_id";

fn pledge_row(row: &Row) -> Result<PledgeRecord, StoreError> {
    let Json(pledge): Json<Pledge> = row.get("pledge")?;
    Ok(PledgeRecord {
        id: row.get("id")?,
        call_id: row.get("call_id")?,
        owner_id: row.get("owner_id")?,
        owner_email: row.get("owner_email")?,
        state: parsed(row, "state", PledgeState::parse)?,
        pledge,
        submission_id: row.get("submission_id")?,
        submission_state: row
            .get::<Option<String>>("submission_state")?
            .as_deref()
            .and_then(SubmissionState::parse),
        reply_token: row.get("reply_token")?,
        note: row.get("note")?,
        source: row.get("source")?,
        sender_trust: row
            .get::<Option<String>>("sender_trust")?
            .as_deref()
            .map(trust)
            .transpose()?,
        created_at: ts(row, "created_at")?,
        updated_at: ts(row, "updated_at")?,
    })
}

/// Inserts a pledge with its audit event: (id, reply token). For the store and units of work.
pub(crate) async fn insert_pledge(
    tx: &mut Tx,
    new: &NewPledge,
    now: Timestamp,
) -> Result<(i64, String), StoreError> {
    let token = new_reply_token();
    let id: i64 = sql::query_scalar(
        "INSERT INTO pledges (call_id, owner_id, state, pledge, reply_token, source, sender_trust, created_at, updated_at)
         VALUES ($1, $2, 'open', $3, $4, $5, $6, $7, $7) RETURNING id",
    )
    .bind(new.call_id)
    .bind(new.owner_id)
    .bind(Json(&new.pledge))
    .bind(&token)
    .bind(new.source)
    .bind(new.sender_trust.map(|trust| trust.as_str().to_owned()))
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    audit(
        tx,
        now,
        &Actor::User(new.owner_id),
        "pledge.made",
        &format!("pledge:{id}"),
        serde_json::json!({ "source": new.source, "pledge": new.pledge }),
    )
    .await?;
    Ok((id, token))
}

/// Links pledge `id` to the piece it led to, with its audit event.
pub(crate) async fn link(
    tx: &mut Tx,
    id: i64,
    submission_id: SubmissionId,
    actor: &Actor,
    now: Timestamp,
) -> Result<(), StoreError> {
    let changed = sql::query(
        "UPDATE pledges SET submission_id = $1, updated_at = $2 WHERE id = $3 AND state = 'open'",
    )
    .bind(submission_id)
    .bind(now)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    if changed == 0 {
        return Err(StoreError::Conflict(
            "This pledge is no longer open".to_owned(),
        ));
    }
    audit(
        tx,
        now,
        actor,
        "pledge.piece_linked",
        &format!("pledge:{id}"),
        serde_json::json!({ "submission": submission_id }),
    )
    .await
}

#[async_trait]
impl Pledges for SqlStore {
    async fn add_pledge(
        &self,
        new: &NewPledge,
        mail: Option<NewMail>,
        now: Timestamp,
    ) -> Result<i64, StoreError> {
        let mut tx = self.pool.begin().await?;
        let (id, _) = insert_pledge(&mut tx, new, now).await?;
        if let Some(mail) = mail {
            insert_mail(&mut tx, &mail, now).await?;
        }
        tx.commit().await?;
        Ok(id)
    }

    async fn pledge(&self, id: i64) -> Result<Option<PledgeRecord>, StoreError> {
        sql::query(format!("{SELECT} WHERE p.id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .map(|row| pledge_row(&row))
            .transpose()
    }

    async fn pledge_by_reply_token(
        &self,
        id: i64,
        token: &str,
    ) -> Result<Option<PledgeRecord>, StoreError> {
        sql::query(format!("{SELECT} WHERE p.id = $1 AND p.reply_token = $2"))
            .bind(id)
            .bind(token.to_ascii_lowercase())
            .fetch_optional(&self.pool)
            .await?
            .map(|row| pledge_row(&row))
            .transpose()
    }

    async fn call_pledges(&self, call_id: CallId) -> Result<Vec<PledgeRecord>, StoreError> {
        let rows = sql::query(format!("{SELECT} WHERE p.call_id = $1 ORDER BY p.id"))
            .bind(call_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(pledge_row).collect()
    }

    async fn pledges_of(&self, owner_id: UserId) -> Result<Vec<PledgeRecord>, StoreError> {
        let rows = sql::query(format!("{SELECT} WHERE p.owner_id = $1 ORDER BY p.id DESC"))
            .bind(owner_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(pledge_row).collect()
    }

    async fn set_pledge_state(
        &self,
        id: i64,
        from: PledgeState,
        to: PledgeState,
        note: &str,
        mail: Option<NewMail>,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        let changed = sql::query(
            "UPDATE pledges SET state = $1, note = $2, updated_at = $3 WHERE id = $4 AND state = $5",
        )
        .bind(to.as_str())
        .bind(note)
        .bind(now)
        .bind(id)
        .bind(from.as_str())
        .execute(&mut tx)
        .await?;
        if changed == 0 {
            return Err(StoreError::Conflict(
                "This pledge has changed meanwhile: look at it again".to_owned(),
            ));
        }
        if let Some(mail) = mail {
            insert_mail(&mut tx, &mail, now).await?;
        }
        audit(
            &mut tx,
            now,
            actor,
            &format!("pledge.{}", to.as_str()),
            &format!("pledge:{id}"),
            serde_json::json!({ "from": from.as_str(), "note": note }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn link_pledge(
        &self,
        id: i64,
        submission_id: SubmissionId,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        link(&mut tx, id, submission_id, actor, now).await?;
        tx.commit().await?;
        Ok(())
    }
}
