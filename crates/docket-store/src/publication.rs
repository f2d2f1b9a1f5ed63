//! The week goes live: the day board (where each accepted piece is placed, in what order and at
//! what time), scheduling with a durable publish job, publishing exactly once, taking a piece
//! down, and what the public week reads: published pieces as they were frozen at publication,
//! their consented authors, their addresses.
//!
//! Publishing is one conditional update (`state = 'scheduled' AND publish_at = the job's
//! instant`) in the transaction that writes its audit event and queues its "live" email: however
//! many nodes run the job, and however often a crash makes one run it again, one of them changes
//! the row and the others change nothing.

use async_trait::async_trait;
use docket_core::submission::{CandidateDays, Piece, SubmissionState};
use jiff::Timestamp;
use jiff::civil::Date;
use sqlx::types::Json;

use crate::backend::{SqlStore, audit, insert_job, insert_mail_once, ts, ts_opt};
use crate::sql::{self, Row, Tx};
use crate::{Actor, CallId, JobKind, JobSpec, NewMail, StoreError, SubmissionId};

/// An accepted, scheduled or published piece as the day board shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct BoardPiece {
    pub id: SubmissionId,
    pub state: SubmissionState,
    pub title: String,
    pub kind: String,
    /// The days its author offered it for.
    pub offered: Option<CandidateDays>,
    /// The authors' names as the piece gives them (for the board's "one author twice" warning).
    pub authors: Vec<String>,
    pub owner_email: String,
    /// The day it is placed on.
    pub day: Option<Date>,
    /// Its order within the day (lower first).
    pub position: i64,
    pub publish_at: Option<Timestamp>,
    /// Why it is on a day it was not offered for.
    pub note: String,
    /// Its public address within the call, once scheduled.
    pub slug: Option<String>,
    pub published_at: Option<Timestamp>,
    /// Whether the partner programme's feed takes it.
    pub partner: bool,
}

/// An author of a published piece, as they consented to be shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicAuthor {
    /// Who this is, for grouping an author's pieces: never shown (`user:12`, or `consent:7` for
    /// an account that was deleted).
    pub identity: String,
    /// The byline they agreed to: "Name, Job title, Organisation".
    pub byline: String,
    /// Their name: the profile's, else the byline's first part.
    pub name: String,
    /// Markdown, from their profile.
    pub bio: String,
    pub links: Vec<String>,
    pub headshot_id: Option<i64>,
}

/// A published piece, frozen as it was when it went live.
#[derive(Debug, Clone, PartialEq)]
pub struct PublishedPiece {
    pub id: SubmissionId,
    pub slug: String,
    pub day: Date,
    pub position: i64,
    pub publish_at: Timestamp,
    pub published_at: Timestamp,
    /// The revision shown.
    pub piece: Piece,
    /// The authors whose consent stands, in the order they gave it.
    pub authors: Vec<PublicAuthor>,
    pub partner: bool,
}

/// What a public address leads to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SlugLookup {
    /// The piece is published and this is its current address.
    Current(SubmissionId),
    /// The piece is published under another address now.
    Moved(String),
    /// The piece was published and taken down.
    Gone,
    /// Nothing public has this address.
    Unknown,
}

/// What running a publish job did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublishOutcome {
    /// Published now, by this call: its event and mail were written.
    Published,
    /// Published already (an earlier run, or another node): nothing written.
    AlreadyPublished,
    /// The piece is no longer scheduled for that instant (moved, taken off the timetable, or
    /// changed): nothing written.
    Stale,
}

/// The day board and the public week.
#[async_trait]
pub trait Publication: Send + Sync {
    /// A call's accepted, scheduled and published pieces, by day, order and id.
    async fn board(&self, call_id: CallId) -> Result<Vec<BoardPiece>, StoreError>;

    /// One piece as the board shows it, if it is on `call_id`'s board.
    async fn board_piece(
        &self,
        call_id: CallId,
        id: SubmissionId,
    ) -> Result<Option<BoardPiece>, StoreError>;

    /// Places an accepted or scheduled piece on `day` at `publish_at`, last in the day when it
    /// moves there. A scheduled piece's publish job moves with it. Audited.
    async fn place(
        &self,
        id: SubmissionId,
        day: Date,
        publish_at: Timestamp,
        note: &str,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<(), StoreError>;

    /// Moves a piece one place earlier (`up`) or later within its day. Audited.
    async fn reorder(
        &self,
        id: SubmissionId,
        up: bool,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<(), StoreError>;

    /// Accepted → Scheduled: gives the piece its public address (`slug`, made unique within the
    /// call with a number, unless it has one) and writes its publish job. Returns the address.
    async fn schedule(
        &self,
        id: SubmissionId,
        slug: &str,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<String, StoreError>;

    /// Scheduled → Accepted: its publish job is cancelled. Audited.
    async fn unschedule(
        &self,
        id: SubmissionId,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<(), StoreError>;

    /// Publishes a piece scheduled for `at`, once: the state, the frozen revision, the audit
    /// event and `mail` (each queued once) in one transaction.
    async fn publish(
        &self,
        id: SubmissionId,
        at: Timestamp,
        mails: &[NewMail],
        now: Timestamp,
    ) -> Result<PublishOutcome, StoreError>;

    /// Published → Withdrawn: its address answers 410 Gone from now on. Audited with `reason`.
    async fn unpublish(
        &self,
        id: SubmissionId,
        reason: &str,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<(), StoreError>;

    /// Gives a scheduled or published piece a new address (`slug`, already made URL-safe); its
    /// earlier ones redirect to it. Refused when another piece of the call has or had it.
    /// Audited.
    async fn rename_slug(
        &self,
        id: SubmissionId,
        slug: &str,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<(), StoreError>;

    /// Whether the partner programme's feed takes a piece. Audited.
    async fn set_partner(
        &self,
        id: SubmissionId,
        partner: bool,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<(), StoreError>;

    /// A number that changes with every publication and take-down of the call's pieces, and
    /// when it last changed.
    async fn week_version(&self, call_id: CallId) -> Result<(i64, Option<Timestamp>), StoreError>;

    /// The call's published pieces, by day, order and id.
    async fn published(&self, call_id: CallId) -> Result<Vec<PublishedPiece>, StoreError>;

    /// What `slug` leads to in the call.
    async fn lookup_slug(&self, call_id: CallId, slug: &str) -> Result<SlugLookup, StoreError>;
}

/// The states of the pieces on the board, as SQL.
macro_rules! board_states {
    () => {
        "('accepted', 'scheduled', 'published')"
    };
}
const BOARD_STATES: &str = board_states!();

/// A call's pieces as the board shows them (`$1` is the call).
const BOARD_SELECT: &str = concat!(
    "SELECT s.id, s.state, s.draft, u.email AS owner_email, s.accepted_day,
        s.day_position, s.publish_at, s.placement_note, s.published_at, s.partner, ps.slug
     FROM submissions s
     JOIN users u ON u.id = s.owner_id
     LEFT JOIN piece_slugs ps ON ps.submission_id = s.id AND ps.current = TRUE
     WHERE s.call_id = $1 AND s.state IN ",
    board_states!()
);

fn board_row(row: &Row) -> Result<BoardPiece, StoreError> {
    let state: String = row.get("state")?;
    let Json(draft): Json<Piece> = row.get("draft")?;
    let day: Option<String> = row.get("accepted_day")?;
    Ok(BoardPiece {
        id: row.get("id")?,
        state: SubmissionState::parse(&state)
            .ok_or_else(|| StoreError::Corrupt(format!("unknown submission state `{state}`")))?,
        title: draft.title.clone(),
        kind: draft.kind.clone(),
        offered: draft.days.clone(),
        authors: draft
            .authors
            .iter()
            .map(|author| author.name.clone())
            .collect(),
        owner_email: row.get("owner_email")?,
        day: day.and_then(|day| day.parse().ok()),
        position: row.get::<Option<i64>>("day_position")?.unwrap_or(0),
        publish_at: ts_opt(row, "publish_at")?,
        note: row.get("placement_note")?,
        slug: row.get("slug")?,
        published_at: ts_opt(row, "published_at")?,
        partner: row.get("partner")?,
    })
}

/// The piece's state, locked for this transaction; NotFound when there is none.
async fn locked_state(
    store: &SqlStore,
    tx: &mut Tx,
    id: SubmissionId,
) -> Result<(SubmissionState, CallId), StoreError> {
    let row = sql::query(format!(
        "SELECT state, call_id FROM submissions WHERE id = $1{}",
        store.pool.for_update()
    ))
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(StoreError::NotFound)?;
    let state: String = row.get("state")?;
    let state = SubmissionState::parse(&state)
        .ok_or_else(|| StoreError::Corrupt(format!("unknown submission state `{state}`")))?;
    Ok((state, row.get("call_id")?))
}

fn refused(state: SubmissionState, what: &str) -> StoreError {
    StoreError::Conflict(format!(
        "This piece is {} and cannot be {what}",
        state.label().to_lowercase()
    ))
}

/// Cancels the piece's queued publish jobs, except the one with `keep` as its key.
async fn cancel_publish_jobs(
    tx: &mut Tx,
    id: SubmissionId,
    keep: Option<&str>,
) -> Result<(), StoreError> {
    sql::query(
        "UPDATE jobs SET status = 'cancelled' WHERE kind = $1 AND status = 'queued' AND key LIKE $2 AND key <> $3",
    )
    .bind(JobKind::Publish.as_str())
    .bind(format!("{}:{id}:%", JobKind::Publish.as_str()))
    .bind(keep.unwrap_or(""))
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Ends a step on the board: the call's week changes, the step is audited on the piece, and
/// all of it commits.
#[allow(clippy::too_many_arguments)]
async fn committed(
    mut tx: Tx,
    call_id: CallId,
    id: SubmissionId,
    actor: &Actor,
    action: &str,
    detail: serde_json::Value,
    now: Timestamp,
) -> Result<(), StoreError> {
    bump_week(&mut tx, call_id, now).await?;
    audit(
        &mut tx,
        now,
        actor,
        action,
        &format!("submission:{id}"),
        detail,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

async fn bump_week(tx: &mut Tx, call_id: CallId, now: Timestamp) -> Result<(), StoreError> {
    sql::query(
        "UPDATE calls SET week_version = week_version + 1, week_changed_at = $2 WHERE id = $1",
    )
    .bind(call_id)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

#[async_trait]
impl Publication for SqlStore {
    async fn board(&self, call_id: CallId) -> Result<Vec<BoardPiece>, StoreError> {
        let rows = sql::query(format!(
            "{BOARD_SELECT} ORDER BY s.accepted_day, s.day_position, s.id"
        ))
        .bind(call_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(board_row).collect()
    }

    async fn board_piece(
        &self,
        call_id: CallId,
        id: SubmissionId,
    ) -> Result<Option<BoardPiece>, StoreError> {
        let row = sql::query(format!("{BOARD_SELECT} AND s.id = $2"))
            .bind(call_id)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(board_row).transpose()
    }

    async fn place(
        &self,
        id: SubmissionId,
        day: Date,
        publish_at: Timestamp,
        note: &str,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        let (state, call_id) = locked_state(self, &mut tx, id).await?;
        if !matches!(
            state,
            SubmissionState::Accepted | SubmissionState::Scheduled
        ) {
            return Err(refused(state, "placed"));
        }
        let day_text = day.to_string();
        sql::query(
            "UPDATE submissions SET
                day_position = CASE WHEN accepted_day = $2 AND day_position IS NOT NULL THEN day_position
                    ELSE (SELECT COALESCE(MAX(o.day_position), 0) + 1 FROM submissions o
                          WHERE o.call_id = $3 AND o.accepted_day = $2 AND o.id <> $1) END,
                accepted_day = $2, publish_at = $4, placement_note = $5, updated_at = $6
             WHERE id = $1",
        )
        .bind(id)
        .bind(day_text.as_str())
        .bind(call_id)
        .bind(publish_at)
        .bind(note)
        .bind(now)
        .execute(&mut tx)
        .await?;
        // The calendar shows where scheduled pieces are.
        bump_week(&mut tx, call_id, now).await?;
        if state == SubmissionState::Scheduled {
            let spec = JobSpec::Publish {
                call_id,
                submission_id: id,
                at: publish_at,
            };
            cancel_publish_jobs(&mut tx, id, Some(&spec.key())).await?;
            insert_job(&mut tx, &spec, now).await?;
        }
        audit(
            &mut tx,
            now,
            actor,
            "submission.placed",
            &format!("submission:{id}"),
            serde_json::json!({ "day": day_text, "publish_at": publish_at.to_string(), "note": note }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn reorder(
        &self,
        id: SubmissionId,
        up: bool,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        let (_, call_id) = locked_state(self, &mut tx, id).await?;
        let day: Option<String> =
            sql::query_scalar("SELECT accepted_day FROM submissions WHERE id = $1")
                .bind(id)
                .fetch_one(&mut tx)
                .await?;
        let Some(day) = day else {
            return Err(StoreError::Conflict(
                "This piece is on no day yet: place it on one first".into(),
            ));
        };
        let mut order: Vec<SubmissionId> = sql::query_scalar(format!(
            "SELECT id FROM submissions WHERE call_id = $1 AND accepted_day = $2 AND state IN {BOARD_STATES}
             ORDER BY day_position, id"
        ))
        .bind(call_id)
        .bind(day.as_str())
        .fetch_all(&mut tx)
        .await?;
        let Some(at) = order.iter().position(|other| *other == id) else {
            return Err(StoreError::NotFound);
        };
        let to = if up { at.checked_sub(1) } else { Some(at + 1) };
        let Some(to) = to.filter(|to| *to < order.len()) else {
            // Already first (or last): nothing moves.
            return Ok(());
        };
        order.swap(at, to);
        for (index, piece) in order.iter().enumerate() {
            sql::query("UPDATE submissions SET day_position = $1 WHERE id = $2")
                .bind(index as i64 + 1)
                .bind(*piece)
                .execute(&mut tx)
                .await?;
        }
        audit(
            &mut tx,
            now,
            actor,
            "submission.reordered",
            &format!("submission:{id}"),
            serde_json::json!({ "day": day, "position": to + 1 }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn schedule(
        &self,
        id: SubmissionId,
        slug: &str,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<String, StoreError> {
        let mut tx = self.pool.begin().await?;
        let (state, call_id) = locked_state(self, &mut tx, id).await?;
        if state != SubmissionState::Accepted {
            return Err(refused(state, "scheduled"));
        }
        let row = sql::query("SELECT accepted_day, publish_at FROM submissions WHERE id = $1")
            .bind(id)
            .fetch_one(&mut tx)
            .await?;
        let (Some(day), Some(at)) = (
            row.get::<Option<String>>("accepted_day")?,
            ts_opt(&row, "publish_at")?,
        ) else {
            return Err(StoreError::Conflict(
                "Place this piece on a day and a time before scheduling it".into(),
            ));
        };
        let existing: Option<String> = sql::query_scalar(
            "SELECT slug FROM piece_slugs WHERE submission_id = $1 AND current = TRUE",
        )
        .bind(id)
        .fetch_optional(&mut tx)
        .await?;
        let slug = match existing {
            Some(slug) => slug,
            None => {
                let base = if slug.is_empty() { "piece" } else { slug };
                let taken: Vec<String> = sql::query_scalar(
                    "SELECT slug FROM piece_slugs WHERE call_id = $1 AND (slug = $2 OR slug LIKE $3)",
                )
                .bind(call_id)
                .bind(base)
                .bind(format!("{base}-%"))
                .fetch_all(&mut tx)
                .await?;
                let chosen = std::iter::once(base.to_owned())
                    .chain((2..).map(|n| format!("{base}-{n}")))
                    .find(|candidate| !taken.contains(candidate))
                    .unwrap_or_else(|| format!("{base}-{id}"));
                sql::query(
                    "INSERT INTO piece_slugs (call_id, slug, submission_id, current, created_at)
                     VALUES ($1, $2, $3, TRUE, $4)",
                )
                .bind(call_id)
                .bind(chosen.as_str())
                .bind(id)
                .bind(now)
                .execute(&mut tx)
                .await?;
                chosen
            }
        };
        sql::query("UPDATE submissions SET state = 'scheduled', updated_at = $1 WHERE id = $2")
            .bind(now)
            .bind(id)
            .execute(&mut tx)
            .await?;
        let spec = JobSpec::Publish {
            call_id,
            submission_id: id,
            at,
        };
        cancel_publish_jobs(&mut tx, id, Some(&spec.key())).await?;
        insert_job(&mut tx, &spec, now).await?;
        bump_week(&mut tx, call_id, now).await?;
        audit(
            &mut tx,
            now,
            actor,
            "submission.scheduled",
            &format!("submission:{id}"),
            serde_json::json!({ "from": "accepted", "to": "scheduled", "day": day, "publish_at": at.to_string(), "slug": slug }),
        )
        .await?;
        tx.commit().await?;
        Ok(slug)
    }

    async fn unschedule(
        &self,
        id: SubmissionId,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        let (state, call_id) = locked_state(self, &mut tx, id).await?;
        if state != SubmissionState::Scheduled {
            return Err(refused(state, "taken off the timetable"));
        }
        bump_week(&mut tx, call_id, now).await?;
        sql::query("UPDATE submissions SET state = 'accepted', updated_at = $1 WHERE id = $2")
            .bind(now)
            .bind(id)
            .execute(&mut tx)
            .await?;
        cancel_publish_jobs(&mut tx, id, None).await?;
        audit(
            &mut tx,
            now,
            actor,
            "submission.unscheduled",
            &format!("submission:{id}"),
            serde_json::json!({ "from": "scheduled", "to": "accepted" }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn publish(
        &self,
        id: SubmissionId,
        at: Timestamp,
        mails: &[NewMail],
        now: Timestamp,
    ) -> Result<PublishOutcome, StoreError> {
        let mut tx = self.pool.begin().await?;
        let changed = sql::query(
            "UPDATE submissions SET state = 'published', published_at = $1,
                    published_revision = revisions, updated_at = $1
             WHERE id = $2 AND state = 'scheduled' AND publish_at = $3",
        )
        .bind(now)
        .bind(id)
        .bind(at)
        .execute(&mut tx)
        .await?;
        if changed == 0 {
            let state: Option<String> =
                sql::query_scalar("SELECT state FROM submissions WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&mut tx)
                    .await?;
            return Ok(if state.as_deref() == Some("published") {
                PublishOutcome::AlreadyPublished
            } else {
                PublishOutcome::Stale
            });
        }
        let call_id: CallId = sql::query_scalar("SELECT call_id FROM submissions WHERE id = $1")
            .bind(id)
            .fetch_one(&mut tx)
            .await?;
        bump_week(&mut tx, call_id, now).await?;
        sql::query("UPDATE piece_slugs SET public = TRUE WHERE submission_id = $1")
            .bind(id)
            .execute(&mut tx)
            .await?;
        audit(
            &mut tx,
            now,
            &Actor::System,
            "submission.published",
            &format!("submission:{id}"),
            serde_json::json!({ "from": "scheduled", "to": "published", "publish_at": at.to_string() }),
        )
        .await?;
        for mail in mails {
            insert_mail_once(&mut tx, mail, now).await?;
        }
        tx.commit().await?;
        Ok(PublishOutcome::Published)
    }

    async fn unpublish(
        &self,
        id: SubmissionId,
        reason: &str,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        let (state, call_id) = locked_state(self, &mut tx, id).await?;
        if state != SubmissionState::Published {
            return Err(refused(state, "taken down"));
        }
        sql::query(
            "UPDATE submissions SET state = 'withdrawn', unpublished_at = $1, updated_at = $1 WHERE id = $2",
        )
        .bind(now)
        .bind(id)
        .execute(&mut tx)
        .await?;
        committed(
            tx,
            call_id,
            id,
            actor,
            "submission.unpublished",
            serde_json::json!({ "from": "published", "to": "withdrawn", "reason": reason }),
            now,
        )
        .await
    }

    async fn rename_slug(
        &self,
        id: SubmissionId,
        slug: &str,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        let (state, call_id) = locked_state(self, &mut tx, id).await?;
        if !matches!(
            state,
            SubmissionState::Scheduled | SubmissionState::Published
        ) {
            return Err(refused(state, "given a new address"));
        }
        let owner: Option<Option<SubmissionId>> = sql::query_scalar(
            "SELECT submission_id FROM piece_slugs WHERE call_id = $1 AND slug = $2",
        )
        .bind(call_id)
        .bind(slug)
        .fetch_optional(&mut tx)
        .await?;
        match owner {
            Some(Some(other)) if other == id => {}
            Some(_) => {
                return Err(StoreError::Conflict(format!(
                    "Another piece of this call has or had the address “{slug}”: choose another"
                )));
            }
            None => {
                sql::query(
                    "INSERT INTO piece_slugs (call_id, slug, submission_id, current, created_at)
                     VALUES ($1, $2, $3, FALSE, $4)",
                )
                .bind(call_id)
                .bind(slug)
                .bind(id)
                .bind(now)
                .execute(&mut tx)
                .await?;
            }
        }
        let published = state == SubmissionState::Published;
        sql::query(
            "UPDATE piece_slugs SET current = (slug = $2),
                    public = CASE WHEN slug = $2 THEN $3 ELSE public END
             WHERE submission_id = $1",
        )
        .bind(id)
        .bind(slug)
        .bind(published)
        .execute(&mut tx)
        .await?;
        committed(
            tx,
            call_id,
            id,
            actor,
            "submission.address",
            serde_json::json!({ "slug": slug }),
            now,
        )
        .await
    }

    async fn set_partner(
        &self,
        id: SubmissionId,
        partner: bool,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        let (state, call_id) = locked_state(self, &mut tx, id).await?;
        if !matches!(
            state,
            SubmissionState::Accepted | SubmissionState::Scheduled | SubmissionState::Published
        ) {
            return Err(refused(state, "offered to the partner"));
        }
        sql::query("UPDATE submissions SET partner = $1 WHERE id = $2")
            .bind(partner)
            .bind(id)
            .execute(&mut tx)
            .await?;
        committed(
            tx,
            call_id,
            id,
            actor,
            "submission.partner",
            serde_json::json!({ "partner": partner }),
            now,
        )
        .await
    }

    async fn week_version(&self, call_id: CallId) -> Result<(i64, Option<Timestamp>), StoreError> {
        let row = sql::query("SELECT week_version, week_changed_at FROM calls WHERE id = $1")
            .bind(call_id)
            .fetch_optional(&self.pool)
            .await?;
        match row {
            Some(row) => Ok((row.get("week_version")?, ts_opt(&row, "week_changed_at")?)),
            None => Ok((0, None)),
        }
    }

    async fn published(&self, call_id: CallId) -> Result<Vec<PublishedPiece>, StoreError> {
        let rows = sql::query(
            "SELECT s.id, s.accepted_day, s.day_position, s.publish_at, s.published_at, s.partner,
                    r.content, ps.slug
             FROM submissions s
             JOIN revisions r ON r.submission_id = s.id AND r.number = s.published_revision
             JOIN piece_slugs ps ON ps.submission_id = s.id AND ps.current = TRUE
             WHERE s.call_id = $1 AND s.state = 'published'
             ORDER BY s.accepted_day, s.day_position, s.id",
        )
        .bind(call_id)
        .fetch_all(&self.pool)
        .await?;
        let consents = sql::query(
            "SELECT c.id, c.submission_id, c.byline, u.id AS user_id, p.name, p.bio, p.links,
                    p.headshot_id
             FROM consents c
             JOIN submissions s ON s.id = c.submission_id
             LEFT JOIN users u ON u.email = c.email
             LEFT JOIN profiles p ON p.user_id = u.id
             WHERE s.call_id = $1 AND s.state = 'published' AND c.withdrawn_at IS NULL
             ORDER BY c.submission_id, c.given_at, c.id",
        )
        .bind(call_id)
        .fetch_all(&self.pool)
        .await?;
        let mut authors: std::collections::HashMap<SubmissionId, Vec<PublicAuthor>> =
            std::collections::HashMap::new();
        for row in &consents {
            let byline: String = row.get("byline")?;
            let consent: i64 = row.get("id")?;
            let user: Option<i64> = row.get("user_id")?;
            let profile_name: Option<String> = row.get("name")?;
            let name = profile_name
                .filter(|name| !name.trim().is_empty())
                .unwrap_or_else(|| byline.split(',').next().unwrap_or("").trim().to_owned());
            authors
                .entry(row.get("submission_id")?)
                .or_default()
                .push(PublicAuthor {
                    identity: match user {
                        Some(user) => format!("user:{user}"),
                        None => format!("consent:{consent}"),
                    },
                    byline,
                    name,
                    bio: row.get::<Option<String>>("bio")?.unwrap_or_default(),
                    links: row
                        .get::<Option<String>>("links")?
                        .unwrap_or_default()
                        .lines()
                        .map(str::trim)
                        .filter(|line| !line.is_empty())
                        .map(str::to_owned)
                        .collect(),
                    headshot_id: row.get("headshot_id")?,
                });
        }
        let mut pieces = Vec::with_capacity(rows.len());
        for row in &rows {
            let id: SubmissionId = row.get("id")?;
            let Json(piece): Json<Piece> = row.get("content")?;
            let day: String = row.get("accepted_day")?;
            pieces.push(PublishedPiece {
                id,
                slug: row.get("slug")?,
                day: day
                    .parse()
                    .map_err(|_| StoreError::Corrupt(format!("unreadable day `{day}`")))?,
                position: row.get::<Option<i64>>("day_position")?.unwrap_or(0),
                publish_at: ts(row, "publish_at")?,
                published_at: ts(row, "published_at")?,
                piece,
                authors: authors.remove(&id).unwrap_or_default(),
                partner: row.get("partner")?,
            });
        }
        Ok(pieces)
    }

    async fn lookup_slug(&self, call_id: CallId, slug: &str) -> Result<SlugLookup, StoreError> {
        let Some(row) = sql::query(
            "SELECT s.state, s.unpublished_at, ps.current, ps.public,
                    (SELECT c.slug FROM piece_slugs c WHERE c.submission_id = s.id AND c.current = TRUE) AS current_slug,
                    s.id
             FROM piece_slugs ps LEFT JOIN submissions s ON s.id = ps.submission_id
             WHERE ps.call_id = $1 AND ps.slug = $2",
        )
        .bind(call_id)
        .bind(slug)
        .fetch_optional(&self.pool)
        .await?
        else {
            return Ok(SlugLookup::Unknown);
        };
        // An address whose piece was erased after it was taken down.
        let Some(state) = row.get::<Option<String>>("state")? else {
            return Ok(if row.get::<bool>("public")? {
                SlugLookup::Gone
            } else {
                SlugLookup::Unknown
            });
        };
        if state == "published" {
            let current: bool = row.get("current")?;
            return Ok(if current {
                SlugLookup::Current(row.get("id")?)
            } else {
                match row.get::<Option<String>>("current_slug")? {
                    Some(slug) => SlugLookup::Moved(slug),
                    None => SlugLookup::Unknown,
                }
            });
        }
        if ts_opt(&row, "unpublished_at")?.is_some() {
            return Ok(SlugLookup::Gone);
        }
        Ok(SlugLookup::Unknown)
    }
}
