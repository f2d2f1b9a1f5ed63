//! The one implementation of the [`Store`](crate::Store) contract, instantiated for each backend.
//!
//! The SQL is written once, in the dialect SQLite and PostgreSQL share (`$1` parameters,
//! `RETURNING`, `ON CONFLICT`); what differs is the timestamp type (INTEGER microseconds in
//! SQLite, `timestamptz` in PostgreSQL), passed in as a type and two conversion functions, and
//! each backend's migrations.

/// Columns read by `submission_row`.
macro_rules! submission_columns {
    () => {
        "s.id, s.call_id, c.slug AS call_slug, s.owner_id, u.email AS owner_email, s.state, s.late, s.draft, \
         s.revisions, s.reply_token, s.sender_trust, s.created_at, s.updated_at, s.open_until"
    };
}

/// Columns read by `outbox_row`.
macro_rules! outbox_columns {
    () => {
        "id, message_id, to_address, subject, body_text, body_html, template, submission_id, call_id, reply_to, \
         idempotency_key, status, attempts, last_error, created_at, sent_at, list_unsubscribe"
    };
}
pub(crate) use outbox_columns;

use sqlx::types::Json;

use crate::sql::{self, At, Pool, Row, Tx};
use crate::{
    Accounts, Actor, Asset, AuditEvent, Backend, CallId, Calls, CodeOutcome, FiledPiece, Inbound,
    InboundOutcome, InboundRecord, IncomingFile, IngestReply, Job, JobKind, JobSpec, JobStatus,
    Jobs, MailStatus, NewAsset, NewInbound, NewMail, NewPiece, NewToken, Outbox, OutboxMail,
    ReplyChange, Revision, Saved, SenderTrust, Session, Site, Staff, StaffMember, StaffRole, Store,
    StoreError, StoredCall, StoredTemplate, SubmissionId, SubmissionRecord, Submissions,
    TemplateText, Token, TokenPurpose, User, UserId, Work,
};
use docket_core::Call;
use docket_core::submission::{Piece, SubmissionState};
use jiff::Timestamp;

/// The store over either backend: every statement is shared, the differences live in [`sql`].
#[derive(Debug, Clone)]
pub struct SqlStore {
    pub(crate) pool: Pool,
}

impl SqlStore {
    pub(crate) fn new(pool: Pool) -> Self {
        Self { pool }
    }
}

/// A column stored as an enum's text, read back with its `parse`.
pub(crate) fn parsed<T>(
    row: &Row,
    column: &str,
    parse: fn(&str) -> Option<T>,
) -> Result<T, StoreError> {
    let text: String = row.get(column)?;
    parse(&text).ok_or_else(|| StoreError::Corrupt(format!("unknown {column} `{text}`")))
}

pub(crate) fn ts(row: &Row, column: &str) -> Result<Timestamp, StoreError> {
    Ok(row.get::<At>(column)?.0)
}

pub(crate) fn ts_opt(row: &Row, column: &str) -> Result<Option<Timestamp>, StoreError> {
    Ok(row.get::<Option<At>>(column)?.map(|at| at.0))
}

fn user_row(row: &Row) -> Result<User, StoreError> {
    Ok(User {
        id: row.get("id")?,
        email: row.get("email")?,
        password_hash: row.get("password_hash")?,
        confirmed_at: ts_opt(row, "confirmed_at")?,
        created_at: ts(row, "created_at")?,
    })
}

pub(crate) fn outbox_row(row: &Row) -> Result<OutboxMail, StoreError> {
    Ok(OutboxMail {
        id: row.get("id")?,
        mail: NewMail {
            message_id: row.get("message_id")?,
            to: row.get("to_address")?,
            subject: row.get("subject")?,
            text: row.get("body_text")?,
            html: row.get("body_html")?,
            template: row.get("template")?,
            submission_id: row.get("submission_id")?,
            call_id: row.get("call_id")?,
            reply_to: row.get("reply_to")?,
            idempotency_key: row.get("idempotency_key")?,
            list_unsubscribe: row.get("list_unsubscribe")?,
        },
        status: parsed(row, "status", MailStatus::parse)?,
        attempts: row.get("attempts")?,
        last_error: row.get("last_error")?,
        created_at: ts(row, "created_at")?,
        sent_at: ts_opt(row, "sent_at")?,
    })
}

fn stored_call(row: &Row) -> Result<StoredCall, StoreError> {
    let Json(call): Json<Call> = row.get("document")?;
    Ok(StoredCall {
        id: row.get("id")?,
        call,
        created_at: ts(row, "created_at")?,
        updated_at: ts(row, "updated_at")?,
    })
}

fn submission_row(row: &Row, coauthors: Vec<String>) -> Result<SubmissionRecord, StoreError> {
    let state: String = row.get("state")?;
    let Json(draft): Json<Piece> = row.get("draft")?;
    Ok(SubmissionRecord {
        id: row.get("id")?,
        call_id: row.get("call_id")?,
        call_slug: row.get("call_slug")?,
        owner_id: row.get("owner_id")?,
        owner_email: row.get("owner_email")?,
        state: SubmissionState::parse(&state)
            .ok_or_else(|| StoreError::Corrupt(format!("unknown submission state `{state}`")))?,
        late: row.get("late")?,
        draft,
        revision_count: row.get("revisions")?,
        coauthors,
        reply_token: row
            .get::<Option<String>>("reply_token")?
            .unwrap_or_default(),
        sender_trust: row
            .get::<Option<String>>("sender_trust")?
            .as_deref()
            .map(trust)
            .transpose()?,
        created_at: ts(row, "created_at")?,
        updated_at: ts(row, "updated_at")?,
        open_until: ts_opt(row, "open_until")?,
    })
}

pub(crate) fn trust(stored: &str) -> Result<SenderTrust, StoreError> {
    SenderTrust::parse(stored)
        .ok_or_else(|| StoreError::Corrupt(format!("unknown sender trust `{stored}`")))
}

pub(crate) async fn audit(
    tx: &mut Tx,
    now: Timestamp,
    actor: &Actor,
    action: &str,
    subject: &str,
    detail: serde_json::Value,
) -> Result<(), StoreError> {
    sql::query(
        "INSERT INTO audit_events (at, actor, action, subject, detail) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(now)
    .bind(actor.as_audit())
    .bind(action)
    .bind(subject)
    .bind(Json(detail))
    .execute(&mut *tx)
    .await?;
    Ok(())
}

async fn insert_token(tx: &mut Tx, token: &NewToken, now: Timestamp) -> Result<(), StoreError> {
    sql::query(
        "INSERT INTO email_tokens (purpose, token_hash, code_hash, email, user_id, created_at, expires_at, inbound_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(token.purpose.as_str())
    .bind(&token.token_hash)
    .bind(&token.code_hash)
    .bind(&token.email)
    .bind(token.user_id)
    .bind(now)
    .bind(token.expires_at)
    .bind(token.inbound_id)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

pub(crate) async fn insert_mail(
    tx: &mut Tx,
    mail: &NewMail,
    now: Timestamp,
) -> Result<(), StoreError> {
    insert_mail_row(&mut *tx, mail, now, false).await?;
    Ok(())
}

/// Queues `mail` in the transaction unless a mail with its idempotency key is there already.
pub(crate) async fn insert_mail_once(
    tx: &mut Tx,
    mail: &NewMail,
    now: Timestamp,
) -> Result<bool, StoreError> {
    insert_mail_row(&mut *tx, mail, now, true).await
}

/// Inserts an outbox row; with `once`, a row with the same idempotency key already there is
/// kept and `false` returned instead of an error.
async fn insert_mail_row<'e>(
    executor: impl Into<sql::On<'e>>,
    mail: &NewMail,
    now: Timestamp,
    once: bool,
) -> Result<bool, StoreError> {
    macro_rules! insert {
        () => {
            "INSERT INTO outbox (message_id, to_address, subject, body_text, body_html, template, submission_id, call_id, reply_to, created_at, idempotency_key, list_unsubscribe)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
        };
    }
    const INSERT: &str = insert!();
    const INSERT_ONCE: &str = concat!(insert!(), " ON CONFLICT DO NOTHING");
    let inserted = sql::query(if once { INSERT_ONCE } else { INSERT })
        .bind(&mail.message_id)
        .bind(&mail.to)
        .bind(&mail.subject)
        .bind(&mail.text)
        .bind(&mail.html)
        .bind(&mail.template)
        .bind(mail.submission_id)
        .bind(mail.call_id)
        .bind(&mail.reply_to)
        .bind(now)
        .bind(&mail.idempotency_key)
        .bind(&mail.list_unsubscribe)
        .execute(executor)
        .await?;
    Ok(inserted > 0)
}

/// A fresh secret for a piece's reply address: 16 characters from 32 letters and digits
/// (80 bits), lower case so that mail systems that fold the local part keep it intact.
pub(crate) fn new_reply_token() -> String {
    use rand::Rng as _;
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut rng = rand::rng();
    (0..16)
        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
        .collect()
}

/// Queues `spec` once: a job with the same key is kept.
pub(crate) async fn insert_job(
    tx: &mut Tx,
    spec: &JobSpec,
    now: Timestamp,
) -> Result<(), StoreError> {
    sql::query(
        "INSERT INTO jobs (kind, key, call_id, run_at, created_at, payload) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (key) DO NOTHING",
    )
    .bind(spec.kind().as_str())
    .bind(spec.key())
    .bind(spec.call_id())
    .bind(spec.run_at())
    .bind(now)
    .bind(Json(spec))
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Schedules the call's deadline reminder (or cancels it when the call asks for none). The key
/// holds the instant, so a moved deadline makes a new job and cancels the old one.
async fn schedule_reminder(
    tx: &mut Tx,
    call_id: CallId,
    call: &Call,
    now: Timestamp,
) -> Result<(), StoreError> {
    let spec = call
        .reminder_at()
        .map(|at| JobSpec::RemindDrafts { call_id, at });
    let key = spec.as_ref().map(JobSpec::key);
    sql::query("UPDATE jobs SET status = 'cancelled' WHERE call_id = $1 AND kind = $2 AND status = 'queued' AND key <> $3")
        .bind(call_id)
        .bind(JobKind::RemindDrafts.as_str())
        .bind(key.as_deref().unwrap_or(""))
        .execute(&mut *tx)
        .await?;
    if let Some(spec) = spec {
        insert_job(tx, &spec, now).await?;
    }
    Ok(())
}

pub(crate) fn inbound_row(row: &Row) -> Result<InboundRecord, StoreError> {
    Ok(InboundRecord {
        id: row.get("id")?,
        message_id: row.get("message_id")?,
        sender: row.get("sender")?,
        subject: row.get("subject")?,
        outcome: parsed(row, "outcome", InboundOutcome::parse)?,
        reason: row.get("reason")?,
        submission_id: row.get("submission_id")?,
        call_id: row.get("call_id")?,
        sender_trust: trust(&row.get::<String>("sender_trust")?)?,
        received_at: ts(row, "received_at")?,
    })
}

/// A call's pieces, in one state or all of them, oldest first.
async fn pieces_of_call(
    pool: &Pool,
    call_id: CallId,
    state: Option<SubmissionState>,
) -> Result<Vec<SubmissionRecord>, StoreError> {
    let rows = sql::query(concat!(
        "SELECT ",
        submission_columns!(),
        " FROM submissions s JOIN calls c ON c.id = s.call_id JOIN users u ON u.id = s.owner_id
         WHERE s.call_id = $1 AND ($2 IS NULL OR s.state = $2) ORDER BY s.id"
    ))
    .bind(call_id)
    .bind(state.map(SubmissionState::as_str))
    .fetch_all(pool)
    .await?;
    // Every co-author of the call's pieces in one query, not one query per piece.
    let members = sql::query(
        "SELECT m.submission_id, m.email FROM submission_members m JOIN submissions s ON s.id = m.submission_id
         WHERE s.call_id = $1 ORDER BY m.invited_at, m.email",
    )
    .bind(call_id)
    .fetch_all(pool)
    .await?;
    let mut by_piece: std::collections::HashMap<i64, Vec<String>> =
        std::collections::HashMap::new();
    for member in members {
        by_piece
            .entry(member.get("submission_id")?)
            .or_default()
            .push(member.get("email")?);
    }
    rows.iter()
        .map(|row| {
            let id: i64 = row.get("id")?;
            submission_row(row, by_piece.remove(&id).unwrap_or_default())
        })
        .collect()
}

/// The slug of the call with this id (for audit subjects), or NotFound.
pub(crate) async fn call_slug(tx: &mut Tx, call_id: CallId) -> Result<String, StoreError> {
    let slug: Option<String> = sql::query_scalar("SELECT slug FROM calls WHERE id = $1")
        .bind(call_id)
        .fetch_optional(&mut *tx)
        .await?;
    slug.ok_or(StoreError::NotFound)
}

pub(crate) fn staff_role(stored: &str) -> Result<StaffRole, StoreError> {
    StaffRole::parse(stored)
        .ok_or_else(|| StoreError::Corrupt(format!("unknown staff role `{stored}`")))
}

fn job_row(row: &Row) -> Result<Job, StoreError> {
    Ok(Job {
        id: row.get("id")?,
        kind: row.get("kind")?,
        key: row.get("key")?,
        call_id: row.get("call_id")?,
        run_at: ts(row, "run_at")?,
        status: parsed(row, "status", JobStatus::parse)?,
        attempts: row.get("attempts")?,
        last_error: row.get("last_error")?,
        outcome: row.get("outcome")?,
        payload: row
            .get::<Option<Json<serde_json::Value>>>("payload")?
            .map(|Json(payload)| payload),
    })
}

/// Inserts the inbound row; false when its Message-ID is already there. A message held for
/// its sender's confirmation is updated instead when `release_held` is set.
async fn insert_inbound(
    tx: &mut Tx,
    message: &NewInbound,
    submission_id: Option<SubmissionId>,
) -> Result<bool, StoreError> {
    let inserted = sql::query(
        "INSERT INTO inbound_messages (message_id, sender, subject, raw, outcome, reason, submission_id, received_at, call_id, sender_trust)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, COALESCE($9, (SELECT call_id FROM submissions WHERE id = $7)), $10)
         ON CONFLICT (message_id) DO UPDATE SET outcome = excluded.outcome, reason = excluded.reason,
             submission_id = excluded.submission_id, call_id = excluded.call_id, sender_trust = excluded.sender_trust
         WHERE (inbound_messages.outcome = 'held' AND $11) OR (inbound_messages.outcome = 'triage' AND $12)",
    )
    .bind(&message.message_id)
    .bind(&message.sender)
    .bind(&message.subject)
    .bind(&message.raw)
    .bind(message.outcome.as_str())
    .bind(&message.reason)
    .bind(submission_id)
    .bind(message.received_at)
    .bind(message.call_id)
    .bind(message.sender_trust.as_str())
    .bind(message.release_held)
    .bind(message.release_triage)
    .execute(&mut *tx)
    .await?;
    Ok(inserted == 1)
}

async fn insert_file(
    tx: &mut Tx,
    file: &IncomingFile,
    user_id: UserId,
    now: Timestamp,
) -> Result<docket_core::submission::AssetRef, StoreError> {
    let id: i64 = sql::query_scalar(
        "INSERT INTO assets (sha256, name, mime, size, bytes, text, uploaded_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(&file.sha256)
    .bind(&file.name)
    .bind(&file.mime)
    .bind(file.bytes.len() as i64)
    .bind(&file.bytes)
    .bind(&file.text)
    .bind(user_id)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    Ok(docket_core::submission::AssetRef {
        id,
        name: file.name.clone(),
        mime: file.mime.clone(),
        size: file.bytes.len() as u64,
    })
}

/// Freezes `piece` as revision `number` of a piece. Revisions are never updated.
async fn insert_revision(
    tx: &mut Tx,
    id: SubmissionId,
    number: i64,
    piece: &Piece,
    late: bool,
    created_by: UserId,
    now: Timestamp,
) -> Result<(), StoreError> {
    sql::query(
        "INSERT INTO revisions (submission_id, number, content, late, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(id)
    .bind(number)
    .bind(Json(piece))
    .bind(late)
    .bind(created_by)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    crate::editorial::index_piece(tx, id, piece, now).await?;
    Ok(())
}

async fn coauthors(executor: &Pool, id: SubmissionId) -> Result<Vec<String>, StoreError> {
    let emails = sql::query_scalar(
        "SELECT email FROM submission_members WHERE submission_id = $1 ORDER BY invited_at, email",
    )
    .bind(id)
    .fetch_all(executor)
    .await?;
    Ok(emails)
}

/// Who owns a piece (NotFound when there is no such piece).
async fn submission_owner(tx: &mut Tx, id: SubmissionId) -> Result<UserId, StoreError> {
    let owner: Option<UserId> = sql::query_scalar("SELECT owner_id FROM submissions WHERE id = $1")
        .bind(id)
        .fetch_optional(tx)
        .await?;
    owner.ok_or(StoreError::NotFound)
}

/// A new version of piece `id` with the file that came with it stored as its owner's upload:
/// (the owner, the version referring to the stored file).
async fn with_file(
    tx: &mut Tx,
    id: SubmissionId,
    piece: &Piece,
    file: Option<&IncomingFile>,
    now: Timestamp,
) -> Result<(UserId, Piece), StoreError> {
    let owner = submission_owner(tx, id).await?;
    let mut piece = piece.clone();
    if let Some(file) = file {
        piece.document = Some(insert_file(tx, file, owner, now).await?);
    }
    Ok((owner, piece))
}

/// Why a change to piece `id` did not happen: NotFound when there is no such piece, Conflict
/// when it is past the state where it can change.
async fn not_changed(tx: &mut Tx, id: SubmissionId) -> StoreError {
    let state: Result<Option<String>, StoreError> =
        sql::query_scalar("SELECT state FROM submissions WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await;
    match state {
        Ok(Some(state)) => {
            let label =
                SubmissionState::parse(&state).map_or(state.clone(), |s| s.label().to_lowercase());
            StoreError::Conflict(format!(
                "This piece is {label} and can no longer be changed"
            ))
        }
        Ok(None) => StoreError::NotFound,
        Err(error) => error,
    }
}

#[async_trait::async_trait]
impl Calls for SqlStore {
    async fn save_call(
        &self,
        call: &Call,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<(StoredCall, Saved), StoreError> {
        let mut tx = self.pool.begin().await?;
        let existed: Option<i64> = sql::query_scalar("SELECT id FROM calls WHERE slug = $1")
            .bind(call.slug.as_str())
            .fetch_optional(&mut tx)
            .await?;
        let row = sql::query(
            "INSERT INTO calls (slug, title, deadline_at, document, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $5)
             ON CONFLICT (slug) DO UPDATE SET
                 title = excluded.title, deadline_at = excluded.deadline_at,
                 document = excluded.document, updated_at = excluded.updated_at
             RETURNING id, document, created_at, updated_at",
        )
        .bind(call.slug.as_str())
        .bind(&call.title)
        .bind(call.deadline_at())
        .bind(Json(call))
        .bind(now)
        .fetch_one(&mut tx)
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
        audit(
            &mut tx,
            now,
            actor,
            action,
            &crate::call_subject(call),
            serde_json::json!({ "title": call.title }),
        )
        .await?;
        let call_id: CallId = row.get("id")?;
        schedule_reminder(&mut tx, call_id, call, now).await?;
        tx.commit().await?;
        Ok((stored_call(&row)?, saved))
    }

    async fn call(&self, slug: &str) -> Result<Option<StoredCall>, StoreError> {
        let row =
            sql::query("SELECT id, document, created_at, updated_at FROM calls WHERE slug = $1")
                .bind(slug)
                .fetch_optional(&self.pool)
                .await?;
        row.as_ref().map(stored_call).transpose()
    }

    async fn calls(&self) -> Result<Vec<StoredCall>, StoreError> {
        let rows = sql::query("SELECT id, document, created_at, updated_at FROM calls ORDER BY deadline_at DESC, slug")
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(stored_call).collect()
    }

    async fn audit_trail(&self, subject: &str) -> Result<Vec<AuditEvent>, StoreError> {
        let rows = sql::query("SELECT at, actor, action, subject, detail FROM audit_events WHERE subject = $1 ORDER BY at, id")
            .bind(subject)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| {
                let Json(detail): Json<serde_json::Value> = row.get("detail")?;
                Ok(AuditEvent {
                    at: ts(row, "at")?,
                    actor: row.get("actor")?,
                    action: row.get("action")?,
                    subject: row.get("subject")?,
                    detail,
                })
            })
            .collect()
    }

    async fn call_by_id(&self, id: CallId) -> Result<Option<StoredCall>, StoreError> {
        let row =
            sql::query("SELECT id, document, created_at, updated_at FROM calls WHERE id = $1")
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
        row.as_ref().map(stored_call).transpose()
    }
}

#[async_trait::async_trait]
impl Accounts for SqlStore {
    async fn sign_up(
        &self,
        email: &str,
        password_hash: &str,
        mut token: NewToken,
        mail: NewMail,
        now: Timestamp,
    ) -> Result<Option<User>, StoreError> {
        let mut tx = self.pool.begin().await?;
        let row = sql::query(
            "INSERT INTO users (email, password_hash, created_at) VALUES ($1, $2, $3)
             ON CONFLICT (email) DO NOTHING
             RETURNING id, email, password_hash, confirmed_at, created_at",
        )
        .bind(email)
        .bind(password_hash)
        .bind(now)
        .fetch_optional(&mut tx)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let user = user_row(&row)?;
        token.user_id = Some(user.id);
        insert_token(&mut tx, &token, now).await?;
        insert_mail(&mut tx, &mail, now).await?;
        audit(
            &mut tx,
            now,
            &Actor::User(user.id),
            "user.signed_up",
            &format!("user:{}", user.id),
            serde_json::json!({}),
        )
        .await?;
        tx.commit().await?;
        Ok(Some(user))
    }

    async fn user_by_email(&self, email: &str) -> Result<Option<User>, StoreError> {
        let row = sql::query(
            "SELECT id, email, password_hash, confirmed_at, created_at FROM users WHERE email = $1",
        )
        .bind(email)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(user_row).transpose()
    }

    async fn issue_token(
        &self,
        token: NewToken,
        mail: NewMail,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        insert_token(&mut tx, &token, now).await?;
        insert_mail(&mut tx, &mail, now).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn redeem_token(
        &self,
        token_hash: &str,
        purpose: TokenPurpose,
        now: Timestamp,
    ) -> Result<Option<Token>, StoreError> {
        let row = sql::query(
            "UPDATE email_tokens SET used_at = $1
             WHERE token_hash = $2 AND purpose = $3 AND used_at IS NULL AND expires_at > $1
             RETURNING email, user_id, inbound_id",
        )
        .bind(now)
        .bind(token_hash)
        .bind(purpose.as_str())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            Ok(Token {
                email: row.get("email")?,
                user_id: row.get("user_id")?,
                inbound_id: row.get("inbound_id")?,
            })
        })
        .transpose()
    }

    async fn peek_token(
        &self,
        token_hash: &str,
        purpose: TokenPurpose,
        now: Timestamp,
    ) -> Result<Option<Token>, StoreError> {
        let row = sql::query(
            "SELECT email, user_id, inbound_id FROM email_tokens
             WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3",
        )
        .bind(token_hash)
        .bind(purpose.as_str())
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            Ok(Token {
                email: row.get("email")?,
                user_id: row.get("user_id")?,
                inbound_id: row.get("inbound_id")?,
            })
        })
        .transpose()
    }

    async fn redeem_code(
        &self,
        email: &str,
        code_hash: &str,
        max_attempts: i64,
        now: Timestamp,
    ) -> Result<CodeOutcome, StoreError> {
        let mut tx = self.pool.begin().await?;
        let live: Option<i64> = sql::query_scalar(
            "SELECT id FROM email_tokens
             WHERE email = $1 AND purpose = 'sign_in' AND code_hash IS NOT NULL AND used_at IS NULL
               AND expires_at > $2 AND attempts < $3
             ORDER BY created_at DESC, id DESC LIMIT 1",
        )
        .bind(email)
        .bind(now)
        .bind(max_attempts)
        .fetch_optional(&mut tx)
        .await?;
        let Some(id) = live else {
            return Ok(CodeOutcome::NoLiveCode);
        };
        let accepted = sql::query(
            "UPDATE email_tokens SET used_at = $1
             WHERE id = $2 AND code_hash = $3 AND used_at IS NULL AND attempts < $4
             RETURNING email, user_id",
        )
        .bind(now)
        .bind(id)
        .bind(code_hash)
        .bind(max_attempts)
        .fetch_optional(&mut tx)
        .await?;
        let outcome = match accepted {
            Some(row) => CodeOutcome::Accepted(Token {
                email: row.get("email")?,
                user_id: row.get("user_id")?,
                inbound_id: None,
            }),
            None => {
                sql::query("UPDATE email_tokens SET attempts = attempts + 1 WHERE id = $1")
                    .bind(id)
                    .execute(&mut tx)
                    .await?;
                CodeOutcome::Wrong
            }
        };
        tx.commit().await?;
        Ok(outcome)
    }

    async fn confirm_user(
        &self,
        user_id: UserId,
        now: Timestamp,
        keep_password: bool,
    ) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await?;
        let first = sql::query(
            "UPDATE users SET confirmed_at = $1, password_hash = CASE WHEN $3 THEN password_hash ELSE NULL END
             WHERE id = $2 AND confirmed_at IS NULL",
        )
        .bind(now)
        .bind(user_id)
        .bind(keep_password)
        .execute(&mut tx)
        .await?
            == 1;
        if first {
            // Nobody held this address before now: no session made before it may survive.
            sql::query("DELETE FROM sessions WHERE user_id = $1")
                .bind(user_id)
                .execute(&mut tx)
                .await?;
            audit(
                &mut tx,
                now,
                &Actor::User(user_id),
                "user.confirmed",
                &format!("user:{user_id}"),
                serde_json::json!({ "password_kept": keep_password }),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(first)
    }

    async fn set_password(
        &self,
        user_id: UserId,
        password_hash: &str,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        sql::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(password_hash)
            .bind(user_id)
            .execute(&mut tx)
            .await?;
        sql::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut tx)
            .await?;
        audit(
            &mut tx,
            now,
            &Actor::User(user_id),
            "user.password_set",
            &format!("user:{user_id}"),
            serde_json::json!({}),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn create_session(
        &self,
        user_id: UserId,
        token_hash: &str,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        sql::query(
            "INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, expires_at) VALUES ($1, $2, $3, $3, $4)",
        )
        .bind(token_hash)
        .bind(user_id)
        .bind(now)
        .bind(expires_at)
        .execute(&mut tx)
        .await?;
        audit(
            &mut tx,
            now,
            &Actor::User(user_id),
            "user.signed_in",
            &format!("user:{user_id}"),
            serde_json::json!({}),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn session(
        &self,
        token_hash: &str,
        now: Timestamp,
        idle: jiff::SignedDuration,
    ) -> Result<Option<Session>, StoreError> {
        let idle_since = now.checked_sub(idle).unwrap_or(now);
        let row = sql::query(
            "SELECT u.id, u.email, u.password_hash, u.confirmed_at, u.created_at,
                    s.id AS session_id, s.created_at AS session_created_at, s.last_seen_at, s.expires_at,
                    u.totp_enrolled_at, s.second_factor_at
             FROM sessions s JOIN users u ON u.id = s.user_id
             WHERE s.token_hash = $1 AND s.expires_at > $2 AND s.last_seen_at > $3",
        )
        .bind(token_hash)
        .bind(now)
        .bind(idle_since)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let last_seen = ts(&row, "last_seen_at")?;
        if now.duration_since(last_seen) > jiff::SignedDuration::from_secs(60) {
            let session_id: i64 = row.get("session_id")?;
            sql::query("UPDATE sessions SET last_seen_at = $1 WHERE id = $2")
                .bind(now)
                .bind(session_id)
                .execute(&self.pool)
                .await?;
        }
        Ok(Some(Session {
            user: user_row(&row)?,
            created_at: ts(&row, "session_created_at")?,
            expires_at: ts(&row, "expires_at")?,
            two_factor_enrolled: ts_opt(&row, "totp_enrolled_at")?.is_some(),
            second_factor_passed: ts_opt(&row, "second_factor_at")?.is_some(),
        }))
    }

    async fn delete_session(&self, token_hash: &str) -> Result<(), StoreError> {
        sql::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

#[async_trait::async_trait]
impl Outbox for SqlStore {
    async fn enqueue_mail(&self, mail: NewMail, now: Timestamp) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        insert_mail(&mut tx, &mail, now).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn outbox(&self, limit: i64) -> Result<Vec<OutboxMail>, StoreError> {
        let rows = sql::query(concat!(
            "SELECT ",
            outbox_columns!(),
            " FROM outbox ORDER BY id DESC LIMIT $1"
        ))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(outbox_row).collect()
    }

    async fn lease_outbox(
        &self,
        worker: &str,
        now: Timestamp,
        lease_until: Timestamp,
        limit: i64,
    ) -> Result<Vec<OutboxMail>, StoreError> {
        // One statement: the rows are chosen and leased atomically (PostgreSQL skips rows
        // another worker is leasing; SQLite runs one writer at a time).
        let rows = sql::query(format!(
            "UPDATE outbox SET status = 'sending', lease_until = $1, leased_by = $2
             WHERE id IN (
                SELECT id FROM outbox
                WHERE (status = 'queued' AND next_attempt_at <= $3) OR (status = 'sending' AND lease_until < $3)
                ORDER BY id LIMIT $4 {}) RETURNING {}",
            self.pool.skip_locked(),
            outbox_columns!()
        ))
        .bind(lease_until)
        .bind(worker)
        .bind(now)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        let mut mails: Vec<OutboxMail> = rows.iter().map(outbox_row).collect::<Result<_, _>>()?;
        mails.sort_by_key(|mail| mail.id);
        Ok(mails)
    }

    async fn mark_sent(&self, id: i64, worker: &str, now: Timestamp) -> Result<(), StoreError> {
        sql::query(
            "UPDATE outbox SET status = 'sent', sent_at = $1, attempts = attempts + 1, lease_until = NULL, last_error = NULL
             WHERE id = $2 AND leased_by = $3 AND status = 'sending'",
        )
        .bind(now)
        .bind(id)
        .bind(worker)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn mark_attempt_failed(
        &self,
        id: i64,
        worker: &str,
        error: &str,
        retry_at: Option<Timestamp>,
    ) -> Result<(), StoreError> {
        let (status, next) = match retry_at {
            Some(at) => (MailStatus::Queued.as_str(), at),
            None => (MailStatus::Failed.as_str(), Timestamp::UNIX_EPOCH),
        };
        sql::query(
            "UPDATE outbox SET status = $1, next_attempt_at = $2, attempts = attempts + 1, lease_until = NULL, last_error = $3
             WHERE id = $4 AND leased_by = $5 AND status = 'sending'",
        )
        .bind(status)
        .bind(next)
        .bind(error)
        .bind(id)
        .bind(worker)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn outbound_message(
        &self,
        message_id: &str,
    ) -> Result<Option<(Option<SubmissionId>, String)>, StoreError> {
        let found =
            sql::query("SELECT submission_id, to_address FROM outbox WHERE message_id = $1")
                .bind(message_id)
                .fetch_optional(&self.pool)
                .await?;
        found
            .map(|row| Ok((row.get("submission_id")?, row.get("to_address")?)))
            .transpose()
    }

    async fn mail_count_since(
        &self,
        to: &str,
        template: &str,
        since: Timestamp,
    ) -> Result<i64, StoreError> {
        let count: i64 = sql::query_scalar("SELECT COUNT(*) FROM outbox WHERE to_address = $1 AND template = $2 AND created_at > $3")
            .bind(to)
            .bind(template)
            .bind(since)
            .fetch_one(&self.pool)
            .await?;
        Ok(count)
    }

    async fn call_outbox(
        &self,
        call_id: CallId,
        limit: i64,
    ) -> Result<Vec<OutboxMail>, StoreError> {
        let rows = sql::query(concat!(
            "SELECT ",
            outbox_columns!(),
            " FROM outbox WHERE call_id = $1 ORDER BY id DESC LIMIT $2"
        ))
        .bind(call_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(outbox_row).collect()
    }

    async fn retry_mail(
        &self,
        id: i64,
        call_id: CallId,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await?;
        let changed = sql::query(
            "UPDATE outbox SET status = 'queued', next_attempt_at = $1, attempts = 0
             WHERE id = $2 AND call_id = $3 AND status = 'failed'",
        )
        .bind(now)
        .bind(id)
        .bind(call_id)
        .execute(&mut tx)
        .await?;
        if changed > 0 {
            audit(
                &mut tx,
                now,
                actor,
                "mail.retried",
                &format!("mail:{id}"),
                serde_json::json!({}),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(changed > 0)
    }

    async fn enqueue_mail_once(&self, mail: NewMail, now: Timestamp) -> Result<bool, StoreError> {
        insert_mail_row(&self.pool, &mail, now, true).await
    }
}

#[async_trait::async_trait]
impl Inbound for SqlStore {
    async fn record_inbound(
        &self,
        message: &NewInbound,
        answer: Option<NewMail>,
    ) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await?;
        if !insert_inbound(&mut tx, message, None).await? {
            return Ok(false);
        }
        if let Some(answer) = &answer {
            insert_mail(&mut tx, answer, message.received_at).await?;
        }
        audit(
            &mut tx,
            message.received_at,
            &Actor::System,
            &format!("inbound.{}", message.outcome),
            &format!("message:{}", message.message_id),
            serde_json::json!({ "sender": message.sender, "reason": message.reason }),
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn hold_inbound(
        &self,
        message: &NewInbound,
        confirmation: Option<(NewToken, NewMail)>,
    ) -> Result<Option<i64>, StoreError> {
        let mut tx = self.pool.begin().await?;
        if !insert_inbound(&mut tx, message, None).await? {
            return Ok(None);
        }
        let id: i64 = sql::query_scalar("SELECT id FROM inbound_messages WHERE message_id = $1")
            .bind(&message.message_id)
            .fetch_one(&mut tx)
            .await?;
        if let Some((mut token, mail)) = confirmation {
            token.inbound_id = Some(id);
            insert_token(&mut tx, &token, message.received_at).await?;
            insert_mail(&mut tx, &mail, message.received_at).await?;
        }
        audit(
            &mut tx,
            message.received_at,
            &Actor::System,
            "inbound.held",
            &format!("message:{}", message.message_id),
            serde_json::json!({ "sender": message.sender, "reason": message.reason }),
        )
        .await?;
        tx.commit().await?;
        Ok(Some(id))
    }

    async fn ingest_reply(&self, reply: IngestReply, now: Timestamp) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await?;
        if !insert_inbound(&mut tx, &reply.message, Some(reply.submission_id)).await? {
            return Ok(false);
        }
        let id = reply.submission_id;
        audit(
            &mut tx,
            now,
            &Actor::System,
            "submission.correspondence",
            &format!("submission:{id}"),
            serde_json::json!({
                "message_id": reply.message.message_id, "sender": reply.message.sender,
                "sender_trust": reply.message.sender_trust.as_str(),
            }),
        )
        .await?;
        match &reply.change {
            None => {}
            Some(ReplyChange::Unchanged { answer }) => {
                insert_mail(&mut tx, answer, now).await?;
            }
            Some(ReplyChange::Revision {
                piece,
                file,
                late,
                receipt,
            }) => {
                let (owner, piece) = with_file(&mut tx, id, piece, file.as_ref(), now).await?;
                let number: Option<i64> = sql::query_scalar(
                    "UPDATE submissions SET revisions = revisions + 1, state = 'submitted', late = (late OR $1), draft = $2, updated_at = $3
                     WHERE id = $4 AND state IN ('draft', 'submitted', 'changes_requested') RETURNING revisions",
                )
                .bind(*late)
                .bind(Json(&piece))
                .bind(now)
                .bind(id)
                .fetch_optional(&mut tx)
                .await?;
                let Some(number) = number else {
                    return Err(not_changed(&mut tx, id).await);
                };
                insert_revision(&mut tx, id, number, &piece, *late, owner, now).await?;
                insert_mail(&mut tx, receipt, now).await?;
                audit(
                    &mut tx,
                    now,
                    &Actor::User(owner),
                    "submission.revised_by_email",
                    &format!("submission:{id}"),
                    serde_json::json!({ "revision": number }),
                )
                .await?;
            }
            Some(ReplyChange::Draft {
                piece,
                file,
                answer,
            }) => {
                let (owner, piece) = with_file(&mut tx, id, piece, file.as_ref(), now).await?;
                let changed = sql::query(
                    "UPDATE submissions SET draft = $1, updated_at = $2
                     WHERE id = $3 AND state IN ('draft', 'submitted', 'changes_requested')",
                )
                .bind(Json(&piece))
                .bind(now)
                .bind(id)
                .execute(&mut tx)
                .await?;
                if changed == 0 {
                    return Err(not_changed(&mut tx, id).await);
                }
                insert_mail(&mut tx, answer, now).await?;
                audit(
                    &mut tx,
                    now,
                    &Actor::User(owner),
                    "submission.draft_saved_by_email",
                    &format!("submission:{id}"),
                    serde_json::json!({}),
                )
                .await?;
            }
        }
        tx.commit().await?;
        Ok(true)
    }

    async fn inbound_count_since(&self, sender: &str, since: Timestamp) -> Result<i64, StoreError> {
        let count: i64 = sql::query_scalar(
            "SELECT COUNT(*) FROM inbound_messages WHERE sender = $1 AND received_at > $2",
        )
        .bind(sender)
        .bind(since)
        .fetch_one(&self.pool)
        .await?;
        Ok(count)
    }

    async fn inbound(&self, limit: i64) -> Result<Vec<InboundRecord>, StoreError> {
        let rows = sql::query(
            "SELECT id, message_id, sender, subject, outcome, reason, submission_id, call_id, sender_trust, received_at
             FROM inbound_messages ORDER BY id DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(inbound_row).collect()
    }

    async fn call_inbound(
        &self,
        call_id: Option<CallId>,
        limit: i64,
    ) -> Result<Vec<InboundRecord>, StoreError> {
        let rows = sql::query(
            "SELECT id, message_id, sender, subject, outcome, reason, submission_id, call_id, sender_trust, received_at
             FROM inbound_messages WHERE call_id = $1 OR ($1 IS NULL AND call_id IS NULL) ORDER BY id DESC LIMIT $2",
        )
        .bind(call_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(inbound_row).collect()
    }

    async fn call_inbound_message(
        &self,
        call_id: Option<CallId>,
        id: i64,
    ) -> Result<Option<(InboundRecord, Vec<u8>)>, StoreError> {
        let row = sql::query(
            "SELECT id, message_id, sender, subject, outcome, reason, submission_id, call_id, sender_trust, received_at, raw
             FROM inbound_messages WHERE id = $1 AND (call_id = $2 OR ($2 IS NULL AND call_id IS NULL))",
        )
        .bind(id)
        .bind(call_id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| Ok((inbound_row(&row)?, row.get("raw")?)))
            .transpose()
    }

    async fn inbound_message(
        &self,
        id: i64,
    ) -> Result<Option<(InboundRecord, Vec<u8>)>, StoreError> {
        let row = sql::query(
            "SELECT id, message_id, sender, subject, outcome, reason, submission_id, call_id, sender_trust, received_at, raw
             FROM inbound_messages WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| Ok((inbound_row(&row)?, row.get("raw")?)))
            .transpose()
    }

    async fn held_messages(&self, sender: &str) -> Result<Vec<InboundRecord>, StoreError> {
        let rows = sql::query(
            "SELECT id, message_id, sender, subject, outcome, reason, submission_id, call_id, sender_trust, received_at
             FROM inbound_messages WHERE sender = $1 AND outcome = 'held' ORDER BY id",
        )
        .bind(sender)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(inbound_row).collect()
    }

    async fn unhold_messages(
        &self,
        sender: &str,
        ids: &[i64],
        reason: &str,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<u64, StoreError> {
        let mut tx = self.pool.begin().await?;
        let mut changed = 0;
        for id in ids {
            let message_id: Option<String> = sql::query_scalar(
                "UPDATE inbound_messages SET outcome = 'triage', reason = $1
                 WHERE id = $2 AND sender = $3 AND outcome = 'held' RETURNING message_id",
            )
            .bind(reason)
            .bind(id)
            .bind(sender)
            .fetch_optional(&mut tx)
            .await?;
            if let Some(message_id) = message_id {
                changed += 1;
                audit(
                    &mut tx,
                    now,
                    actor,
                    "inbound.triage",
                    &format!("message:{message_id}"),
                    serde_json::json!({ "reason": reason }),
                )
                .await?;
            }
        }
        tx.commit().await?;
        Ok(changed)
    }

    async fn expire_held(&self, before: Timestamp, now: Timestamp) -> Result<u64, StoreError> {
        let mut tx = self.pool.begin().await?;
        let expired: Vec<String> = sql::query_scalar(
            "UPDATE inbound_messages SET outcome = 'triage', reason = 'its sender did not confirm it in time'
             WHERE outcome = 'held' AND received_at < $1 RETURNING message_id",
        )
        .bind(before)
        .fetch_all(&mut tx)
        .await?;
        for message_id in &expired {
            audit(
                &mut tx,
                now,
                &Actor::System,
                "inbound.triage",
                &format!("message:{message_id}"),
                serde_json::json!({ "reason": "not confirmed in time" }),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(expired.len() as u64)
    }
}

#[async_trait::async_trait]
impl Submissions for SqlStore {
    async fn add_asset(&self, asset: NewAsset, now: Timestamp) -> Result<i64, StoreError> {
        let mut tx = self.pool.begin().await?;
        let file = IncomingFile {
            name: asset.name.clone(),
            mime: asset.mime.clone(),
            sha256: asset.sha256.clone(),
            bytes: asset.bytes,
            text: asset.text,
        };
        let id = insert_file(&mut tx, &file, asset.uploaded_by, now)
            .await?
            .id;
        audit(
            &mut tx,
            now,
            &Actor::User(asset.uploaded_by),
            "asset.uploaded",
            &format!("asset:{id}"),
            serde_json::json!({ "sha256": file.sha256, "mime": file.mime, "size": file.bytes.len() }),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    async fn asset(&self, id: i64) -> Result<Option<Asset>, StoreError> {
        let row =
            sql::query("SELECT id, name, mime, bytes, text, uploaded_by FROM assets WHERE id = $1")
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
        row.map(|row| {
            Ok(Asset {
                id: row.get("id")?,
                name: row.get("name")?,
                mime: row.get("mime")?,
                bytes: row.get("bytes")?,
                text: row.get("text")?,
                uploaded_by: row.get("uploaded_by")?,
            })
        })
        .transpose()
    }

    async fn create_draft(
        &self,
        call_id: CallId,
        owner: &User,
        piece: &Piece,
        now: Timestamp,
    ) -> Result<SubmissionId, StoreError> {
        let mut tx = self.pool.begin().await?;
        let id: SubmissionId = sql::query_scalar(
            "INSERT INTO submissions (call_id, owner_id, state, draft, reply_token, created_at, updated_at)
             VALUES ($1, $2, 'draft', $3, $4, $5, $5) RETURNING id",
        )
        .bind(call_id)
        .bind(owner.id)
        .bind(Json(piece))
        .bind(new_reply_token())
        .bind(now)
        .fetch_one(&mut tx)
        .await?;
        audit(
            &mut tx,
            now,
            &Actor::User(owner.id),
            "submission.created",
            &format!("submission:{id}"),
            serde_json::json!({ "kind": piece.kind }),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    async fn submission(&self, id: SubmissionId) -> Result<Option<SubmissionRecord>, StoreError> {
        let row = sql::query(concat!(
            "SELECT ",
            submission_columns!(),
            " FROM submissions s JOIN calls c ON c.id = s.call_id JOIN users u ON u.id = s.owner_id
             WHERE s.id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        match row {
            Some(row) => Ok(Some(submission_row(
                &row,
                coauthors(&self.pool, id).await?,
            )?)),
            None => Ok(None),
        }
    }

    async fn submissions_for(
        &self,
        owner_id: UserId,
        member: Option<&str>,
    ) -> Result<Vec<SubmissionRecord>, StoreError> {
        let rows = sql::query(concat!(
            "SELECT ",
            submission_columns!(),
            " FROM submissions s JOIN calls c ON c.id = s.call_id JOIN users u ON u.id = s.owner_id
             WHERE s.owner_id = $1 OR EXISTS (
                SELECT 1 FROM submission_members m WHERE m.submission_id = s.id AND m.email = $2)
             ORDER BY s.updated_at DESC, s.id DESC"
        ))
        .bind(owner_id)
        .bind(member.unwrap_or(""))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| submission_row(row, Vec::new()))
            .collect()
    }

    async fn save_draft(
        &self,
        id: SubmissionId,
        by: UserId,
        piece: &Piece,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        let changed = sql::query(
            "UPDATE submissions SET draft = $1, updated_at = $2
             WHERE id = $3 AND state IN ('draft', 'submitted', 'changes_requested')",
        )
        .bind(Json(piece))
        .bind(now)
        .bind(id)
        .execute(&mut tx)
        .await?;
        if changed == 0 {
            return Err(not_changed(&mut tx, id).await);
        }
        audit(
            &mut tx,
            now,
            &Actor::User(by),
            "submission.draft_saved",
            &format!("submission:{id}"),
            serde_json::json!({ "words": piece.words }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn submit_revision(
        &self,
        id: SubmissionId,
        by: UserId,
        piece: &Piece,
        late: bool,
        findings: &[&str],
        receipt: NewMail,
        now: Timestamp,
    ) -> Result<i64, StoreError> {
        let mut tx = self.pool.begin().await?;
        let before: Option<String> =
            sql::query_scalar("SELECT state FROM submissions WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut tx)
                .await?;
        let Some(before) = before else {
            return Err(StoreError::NotFound);
        };
        let number: Option<i64> = sql::query_scalar(
            "UPDATE submissions SET revisions = revisions + 1, state = 'submitted', late = (late OR $1),
                    draft = $2, updated_at = $3
             WHERE id = $4 AND state = $5 AND state IN ('draft', 'submitted', 'changes_requested')
             RETURNING revisions",
        )
        .bind(late)
        .bind(Json(piece))
        .bind(now)
        .bind(id)
        .bind(&before)
        .fetch_optional(&mut tx)
        .await?;
        let Some(number) = number else {
            return Err(not_changed(&mut tx, id).await);
        };
        insert_revision(&mut tx, id, number, piece, late, by, now).await?;
        insert_mail(&mut tx, &receipt, now).await?;
        let action = if before == "draft" {
            "submission.submitted"
        } else {
            "submission.revised"
        };
        audit(
            &mut tx,
            now,
            &Actor::User(by),
            action,
            &format!("submission:{id}"),
            serde_json::json!({
                "revision": number, "from": before, "late": late, "words": piece.words,
                "findings": findings,
            }),
        )
        .await?;
        tx.commit().await?;
        Ok(number)
    }

    async fn revisions(&self, id: SubmissionId) -> Result<Vec<Revision>, StoreError> {
        let rows = sql::query(
            "SELECT r.number, r.content, r.late, u.email, r.created_at, r.by_staff
             FROM revisions r JOIN users u ON u.id = r.created_by
             WHERE r.submission_id = $1 ORDER BY r.number",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let Json(piece): Json<Piece> = row.get("content")?;
                Ok(Revision {
                    number: row.get("number")?,
                    piece,
                    late: row.get("late")?,
                    created_by: row.get("email")?,
                    created_at: ts(row, "created_at")?,
                    by_staff: row.get("by_staff")?,
                })
            })
            .collect()
    }

    async fn set_state(
        &self,
        id: SubmissionId,
        by: UserId,
        from: SubmissionState,
        to: SubmissionState,
        mail: Option<NewMail>,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        let changed = sql::query(
            "UPDATE submissions SET state = $1, updated_at = $2 WHERE id = $3 AND state = $4",
        )
        .bind(to.as_str())
        .bind(now)
        .bind(id)
        .bind(from.as_str())
        .execute(&mut tx)
        .await?;
        if changed == 0 {
            return Err(not_changed(&mut tx, id).await);
        }
        audit(
            &mut tx,
            now,
            &Actor::User(by),
            &format!("submission.{}", to.as_str()),
            &format!("submission:{id}"),
            serde_json::json!({ "from": from.as_str(), "to": to.as_str() }),
        )
        .await?;
        if let Some(mail) = &mail {
            insert_mail(&mut tx, mail, now).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn invitations_since(
        &self,
        owner_id: UserId,
        since: Timestamp,
    ) -> Result<i64, StoreError> {
        let count: i64 = sql::query_scalar(
            "SELECT COUNT(*) FROM submission_members WHERE invited_by = $1 AND invited_at > $2",
        )
        .bind(owner_id)
        .bind(since)
        .fetch_one(&self.pool)
        .await?;
        Ok(count)
    }

    async fn invite_coauthor(
        &self,
        id: SubmissionId,
        by: UserId,
        email: &str,
        mail: NewMail,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        let exists: Option<i64> = sql::query_scalar("SELECT id FROM submissions WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut tx)
            .await?;
        if exists.is_none() {
            return Err(StoreError::NotFound);
        }
        let added = sql::query(
            "INSERT INTO submission_members (submission_id, email, invited_by, invited_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (submission_id, email) DO NOTHING",
        )
        .bind(id)
        .bind(email)
        .bind(by)
        .bind(now)
        .execute(&mut tx)
        .await?;
        if added == 1 {
            insert_mail(&mut tx, &mail, now).await?;
            audit(
                &mut tx,
                now,
                &Actor::User(by),
                "submission.coauthor_invited",
                &format!("submission:{id}"),
                serde_json::json!({ "email": email }),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn drafts_of_call(&self, call_id: CallId) -> Result<Vec<SubmissionRecord>, StoreError> {
        pieces_of_call(&self.pool, call_id, Some(SubmissionState::Draft)).await
    }

    async fn call_submissions(&self, call_id: CallId) -> Result<Vec<SubmissionRecord>, StoreError> {
        pieces_of_call(&self.pool, call_id, None).await
    }

    async fn submission_by_reply_token(
        &self,
        id: SubmissionId,
        token: &str,
    ) -> Result<Option<SubmissionId>, StoreError> {
        let found: Option<SubmissionId> =
            sql::query_scalar("SELECT id FROM submissions WHERE id = $1 AND reply_token = $2")
                .bind(id)
                .bind(token.to_ascii_lowercase())
                .fetch_optional(&self.pool)
                .await?;
        Ok(found)
    }
}

#[async_trait::async_trait]
impl Staff for SqlStore {
    async fn add_staff(
        &self,
        call_id: CallId,
        email: &str,
        role: StaffRole,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        let slug = call_slug(&mut tx, call_id).await?;
        sql::query(
            "INSERT INTO call_staff (call_id, email, role, added_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (call_id, email) DO UPDATE SET role = excluded.role",
        )
        .bind(call_id)
        .bind(email)
        .bind(role.as_str())
        .bind(now)
        .execute(&mut tx)
        .await?;
        audit(
            &mut tx,
            now,
            actor,
            "call.staff_added",
            &format!("call:{slug}"),
            serde_json::json!({ "email": email, "role": role.as_str() }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn remove_staff(
        &self,
        call_id: CallId,
        email: &str,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await?;
        let slug = call_slug(&mut tx, call_id).await?;
        let removed = sql::query("DELETE FROM call_staff WHERE call_id = $1 AND email = $2")
            .bind(call_id)
            .bind(email)
            .execute(&mut tx)
            .await?;
        if removed > 0 {
            audit(
                &mut tx,
                now,
                actor,
                "call.staff_removed",
                &format!("call:{slug}"),
                serde_json::json!({ "email": email }),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(removed > 0)
    }

    async fn staff(&self, call_id: CallId) -> Result<Vec<StaffMember>, StoreError> {
        let rows = sql::query(
            "SELECT email, role, added_at FROM call_staff WHERE call_id = $1 ORDER BY email",
        )
        .bind(call_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let role: String = row.get("role")?;
                Ok(StaffMember {
                    email: row.get("email")?,
                    role: staff_role(&role)?,
                    added_at: ts(row, "added_at")?,
                })
            })
            .collect()
    }

    async fn staffed_calls(&self, email: &str) -> Result<Vec<(StoredCall, StaffRole)>, StoreError> {
        let rows = sql::query(
            "SELECT c.id, c.document, c.created_at, c.updated_at, st.role
             FROM call_staff st JOIN calls c ON c.id = st.call_id
             WHERE st.email = $1 ORDER BY c.deadline_at DESC",
        )
        .bind(email)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let role: String = row.get("role")?;
                let role = staff_role(&role)?;
                Ok((stored_call(row)?, role))
            })
            .collect()
    }

    async fn mail_templates(&self, call_id: CallId) -> Result<Vec<StoredTemplate>, StoreError> {
        let rows = sql::query(
            "SELECT kind, subject, body_text, body_html, updated_by, updated_at FROM mail_templates
             WHERE call_id = $1 ORDER BY kind",
        )
        .bind(call_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(StoredTemplate {
                    kind: row.get("kind")?,
                    template: TemplateText {
                        subject: row.get("subject")?,
                        text: row.get("body_text")?,
                        html: row.get("body_html")?,
                    },
                    updated_by: row.get("updated_by")?,
                    updated_at: ts(row, "updated_at")?,
                })
            })
            .collect()
    }

    async fn save_mail_template(
        &self,
        call_id: CallId,
        kind: &str,
        template: Option<&TemplateText>,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        let slug = call_slug(&mut tx, call_id).await?;
        let action = match template {
            Some(template) => {
                sql::query(
                    "INSERT INTO mail_templates (call_id, kind, subject, body_text, body_html, updated_by, updated_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7)
                     ON CONFLICT (call_id, kind) DO UPDATE SET subject = excluded.subject, body_text = excluded.body_text,
                         body_html = excluded.body_html, updated_by = excluded.updated_by, updated_at = excluded.updated_at",
                )
                .bind(call_id)
                .bind(kind)
                .bind(&template.subject)
                .bind(&template.text)
                .bind(&template.html)
                .bind(actor.as_audit())
                .bind(now)
                .execute(&mut tx)
                .await?;
                "call.email_reworded"
            }
            None => {
                sql::query("DELETE FROM mail_templates WHERE call_id = $1 AND kind = $2")
                    .bind(call_id)
                    .bind(kind)
                    .execute(&mut tx)
                    .await?;
                "call.email_default_restored"
            }
        };
        audit(
            &mut tx,
            now,
            actor,
            action,
            &format!("call:{slug}"),
            serde_json::json!({ "email": kind }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn add_admin(
        &self,
        email: &str,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        sql::query("INSERT INTO site_admins (email, added_at) VALUES ($1, $2) ON CONFLICT (email) DO NOTHING")
            .bind(email)
            .bind(now)
            .execute(&mut tx)
            .await?;
        audit(
            &mut tx,
            now,
            actor,
            "site.admin_added",
            "site",
            serde_json::json!({ "email": email }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn remove_admin(
        &self,
        email: &str,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await?;
        let removed = sql::query("DELETE FROM site_admins WHERE email = $1")
            .bind(email)
            .execute(&mut tx)
            .await?;
        if removed > 0 {
            audit(
                &mut tx,
                now,
                actor,
                "site.admin_removed",
                "site",
                serde_json::json!({ "email": email }),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(removed > 0)
    }

    async fn admins(&self) -> Result<Vec<(String, Timestamp)>, StoreError> {
        let rows = sql::query("SELECT email, added_at FROM site_admins ORDER BY email")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| Ok((row.get("email")?, ts(row, "added_at")?)))
            .collect()
    }
}

#[async_trait::async_trait]
impl Jobs for SqlStore {
    async fn lease_jobs(
        &self,
        worker: &str,
        now: Timestamp,
        lease_until: Timestamp,
        limit: i64,
    ) -> Result<Vec<Job>, StoreError> {
        let rows = sql::query(format!(
            "UPDATE jobs SET status = 'running', lease_until = $1, leased_by = $2, attempts = attempts + 1
             WHERE id IN (
                SELECT id FROM jobs
                WHERE (status = 'queued' AND run_at <= $3) OR (status = 'running' AND lease_until < $3)
                ORDER BY run_at, id LIMIT $4 {})
             RETURNING id, kind, key, call_id, run_at, status, attempts, last_error, outcome, payload",
            self.pool.skip_locked()
        ))
        .bind(lease_until)
        .bind(worker)
        .bind(now)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        let mut jobs: Vec<Job> = rows.iter().map(job_row).collect::<Result<_, _>>()?;
        jobs.sort_by_key(|job| (job.run_at, job.id));
        Ok(jobs)
    }

    async fn finish_job(
        &self,
        id: i64,
        worker: &str,
        outcome: &str,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        let row = sql::query(
            "UPDATE jobs SET status = 'done', outcome = $1, done_at = $2, lease_until = NULL, last_error = NULL
             WHERE id = $3 AND leased_by = $4 AND status = 'running' RETURNING kind, call_id",
        )
        .bind(outcome)
        .bind(now)
        .bind(id)
        .bind(worker)
        .fetch_optional(&mut tx)
        .await?;
        if let Some(row) = row {
            let kind: String = row.get("kind")?;
            audit(
                &mut tx,
                now,
                &Actor::System,
                &format!("job.{kind}.done"),
                &format!("job:{id}"),
                serde_json::json!({ "outcome": outcome }),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn fail_job(
        &self,
        id: i64,
        worker: &str,
        error: &str,
        retry_at: Option<Timestamp>,
    ) -> Result<(), StoreError> {
        let (status, next) = match retry_at {
            Some(at) => (JobStatus::Queued.as_str(), Some(at)),
            None => (JobStatus::Failed.as_str(), None),
        };
        sql::query(
            "UPDATE jobs SET status = $1, run_at = COALESCE($2, run_at), lease_until = NULL, last_error = $3
             WHERE id = $4 AND leased_by = $5 AND status = 'running'",
        )
        .bind(status)
        .bind(next)
        .bind(error)
        .bind(id)
        .bind(worker)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn call_jobs(&self, call_id: CallId) -> Result<Vec<Job>, StoreError> {
        let rows = sql::query(
            "SELECT id, kind, key, call_id, run_at, status, attempts, last_error, outcome, payload FROM jobs
             WHERE call_id = $1 ORDER BY run_at, id",
        )
        .bind(call_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(job_row).collect()
    }
}

#[async_trait::async_trait]
impl Site for SqlStore {
    async fn site_secret(&self, name: &str, now: Timestamp) -> Result<Vec<u8>, StoreError> {
        use rand::RngCore as _;
        let mut fresh = vec![0u8; 32];
        rand::rng().fill_bytes(&mut fresh);
        // Whichever node comes first makes it; every other node reads the one that won.
        sql::query("INSERT INTO site_secrets (name, value, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING")
            .bind(name)
            .bind(&fresh)
            .bind(now)
            .execute(&self.pool)
            .await?;
        let value: Vec<u8> = sql::query_scalar("SELECT value FROM site_secrets WHERE name = $1")
            .bind(name)
            .fetch_one(&self.pool)
            .await?;
        Ok(value)
    }

    async fn site_setting(&self, name: &str) -> Result<Option<String>, StoreError> {
        let value: Option<String> =
            sql::query_scalar("SELECT value FROM site_settings WHERE name = $1")
                .bind(name)
                .fetch_optional(&self.pool)
                .await?;
        Ok(value)
    }

    async fn set_site_setting(&self, name: &str, value: &str) -> Result<(), StoreError> {
        sql::query("INSERT INTO site_settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = excluded.value")
            .bind(name)
            .bind(value)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn holds_data(&self) -> Result<bool, StoreError> {
        let found: Option<i64> = sql::query_scalar(
            "SELECT CAST(1 AS BIGINT) WHERE EXISTS (SELECT 1 FROM calls) OR EXISTS (SELECT 1 FROM users) OR EXISTS (SELECT 1 FROM inbound_messages)",
        )
        .fetch_optional(&self.pool)
        .await?;
        Ok(found.is_some())
    }

    async fn count_attempt(
        &self,
        key_hash: &str,
        since: Timestamp,
        forget_before: Timestamp,
        now: Timestamp,
    ) -> Result<i64, StoreError> {
        let mut tx = self.pool.begin().await?;
        sql::query("DELETE FROM rate_attempts WHERE at < $1")
            .bind(forget_before)
            .execute(&mut tx)
            .await?;
        sql::query("INSERT INTO rate_attempts (key_hash, at) VALUES ($1, $2)")
            .bind(key_hash)
            .bind(now)
            .execute(&mut tx)
            .await?;
        let count: i64 =
            sql::query_scalar("SELECT COUNT(*) FROM rate_attempts WHERE key_hash = $1 AND at > $2")
                .bind(key_hash)
                .bind(since)
                .fetch_one(&mut tx)
                .await?;
        tx.commit().await?;
        Ok(count)
    }
}

/// The unit of work over one transaction.
struct SqlWork {
    tx: Tx,
}

#[async_trait::async_trait]
impl Work for SqlWork {
    async fn record_inbound(&mut self, message: &NewInbound) -> Result<bool, StoreError> {
        insert_inbound(&mut self.tx, message, None).await
    }

    async fn account_id(&mut self, email: &str) -> Result<Option<UserId>, StoreError> {
        sql::query_scalar("SELECT id FROM users WHERE email = $1")
            .bind(email)
            .fetch_optional(&mut self.tx)
            .await
    }

    async fn create_account(&mut self, email: &str, now: Timestamp) -> Result<UserId, StoreError> {
        sql::query_scalar("INSERT INTO users (email, created_at) VALUES ($1, $2) RETURNING id")
            .bind(email)
            .bind(now)
            .fetch_one(&mut self.tx)
            .await
    }

    async fn add_file(
        &mut self,
        file: &IncomingFile,
        owner_id: UserId,
        now: Timestamp,
    ) -> Result<docket_core::submission::AssetRef, StoreError> {
        insert_file(&mut self.tx, file, owner_id, now).await
    }

    async fn file_piece(
        &mut self,
        new: &NewPiece,
        now: Timestamp,
    ) -> Result<FiledPiece, StoreError> {
        let reply_token = new_reply_token();
        let (state, revisions) = if new.submitted {
            ("submitted", 1)
        } else {
            ("draft", 0)
        };
        let id: SubmissionId = sql::query_scalar(
            "INSERT INTO submissions (call_id, owner_id, state, late, draft, revisions, reply_token, created_at, updated_at, sender_trust)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9) RETURNING id",
        )
        .bind(new.call_id)
        .bind(new.owner_id)
        .bind(state)
        .bind(new.late && new.submitted)
        .bind(Json(&new.piece))
        .bind(revisions)
        .bind(&reply_token)
        .bind(now)
        .bind(new.sender_trust.as_str())
        .fetch_one(&mut self.tx)
        .await?;
        if new.submitted {
            insert_revision(&mut self.tx, id, 1, &new.piece, new.late, new.owner_id, now).await?;
        }
        Ok(FiledPiece { id, reply_token })
    }

    async fn link_inbound(
        &mut self,
        message_id: &str,
        submission_id: SubmissionId,
    ) -> Result<(), StoreError> {
        sql::query("UPDATE inbound_messages SET submission_id = $1 WHERE message_id = $2")
            .bind(submission_id)
            .bind(message_id)
            .execute(&mut self.tx)
            .await?;
        Ok(())
    }

    async fn enqueue_mail(&mut self, mail: &NewMail, now: Timestamp) -> Result<(), StoreError> {
        insert_mail(&mut self.tx, mail, now).await
    }

    async fn audit(
        &mut self,
        actor: &Actor,
        action: &str,
        subject: &str,
        detail: serde_json::Value,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        audit(&mut self.tx, now, actor, action, subject, detail).await
    }

    async fn add_pledge(
        &mut self,
        pledge: &crate::NewPledge,
        now: Timestamp,
    ) -> Result<(i64, String), StoreError> {
        crate::pledges::insert_pledge(&mut self.tx, pledge, now).await
    }

    async fn link_pledge(
        &mut self,
        id: i64,
        submission_id: SubmissionId,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        crate::pledges::link(&mut self.tx, id, submission_id, actor, now).await
    }

    async fn commit(self: Box<Self>) -> Result<(), StoreError> {
        self.tx.commit().await
    }
}

#[async_trait::async_trait]
impl Store for SqlStore {
    async fn begin(&self) -> Result<Box<dyn Work>, StoreError> {
        Ok(Box::new(SqlWork {
            tx: self.pool.begin().await?,
        }))
    }

    fn backend(&self) -> Backend {
        self.pool.backend()
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        self.pool.migrate().await?;
        // Pieces sent before the search index existed are indexed once.
        let indexed = crate::editorial::index_missing(self).await?;
        if indexed > 0 {
            tracing::info!(indexed, "indexed pieces for the queue's search");
        }
        Ok(())
    }

    async fn ping(&self) -> Result<(), StoreError> {
        sql::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    async fn close(&self) {
        self.pool.close().await;
    }
}
