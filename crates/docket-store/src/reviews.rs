//! Reviews: who reviews which piece, the conflicts of interest reviewers declare, what they
//! write, and the passages an editor hides from them. Every change is audited; a review's words
//! are not copied into the audit trail.

use async_trait::async_trait;
use jiff::Timestamp;
use sqlx::types::Json;

use crate::backend::{SqlStore, audit, parsed, ts};
use crate::sql::{self, Row};
use crate::{Actor, CallId, StoreError, SubmissionId, UserId};

/// What a reviewer recommends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recommendation {
    Accept,
    AcceptWithChanges,
    Reject,
}

impl Recommendation {
    pub const ALL: [Recommendation; 3] = [
        Recommendation::Accept,
        Recommendation::AcceptWithChanges,
        Recommendation::Reject,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Recommendation::Accept => "accept",
            Recommendation::AcceptWithChanges => "accept_with_changes",
            Recommendation::Reject => "reject",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == text)
    }

    pub fn label(self) -> &'static str {
        match self {
            Recommendation::Accept => "Accept",
            Recommendation::AcceptWithChanges => "Accept with changes",
            Recommendation::Reject => "Reject",
        }
    }
}

/// A review.
#[derive(Debug, Clone, PartialEq)]
pub struct Review {
    pub submission_id: SubmissionId,
    pub reviewer_email: String,
    /// 1 to 5.
    pub score: i64,
    pub recommendation: Recommendation,
    /// The indexes of the call's checklist items the reviewer ticked.
    pub checklist: Vec<usize>,
    /// To the editors.
    pub comments: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A declared conflict of interest.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Conflict {
    /// An organisation, matched without case against each author's organisation.
    Organisation(String),
    /// An address, or `@domain` for a whole domain.
    Address(String),
}

/// Reviews, read and changed.
#[async_trait]
pub trait Reviews: Send + Sync {
    /// Assigns a piece to `reviewer`. `Ok(false)`: they were assigned already.
    async fn assign_reviewer(
        &self,
        submission: SubmissionId,
        reviewer: &str,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<bool, StoreError>;

    /// Takes a piece off `reviewer`'s list. `Ok(false)`: it was not on it.
    async fn unassign_reviewer(
        &self,
        submission: SubmissionId,
        reviewer: &str,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<bool, StoreError>;

    /// The pieces of a call assigned to `reviewer`, oldest assignment first.
    async fn assigned_to(
        &self,
        call_id: CallId,
        reviewer: &str,
    ) -> Result<Vec<SubmissionId>, StoreError>;

    /// Who reviews a piece.
    async fn reviewers_of(&self, submission: SubmissionId) -> Result<Vec<String>, StoreError>;

    /// How many pieces of a call each reviewer has.
    async fn assignment_counts(&self, call_id: CallId) -> Result<Vec<(String, i64)>, StoreError>;

    /// Saves (or replaces) a reviewer's review.
    async fn save_review(&self, review: &Review, actor: UserId) -> Result<(), StoreError>;

    /// The reviews of a piece, oldest first.
    async fn reviews(&self, submission: SubmissionId) -> Result<Vec<Review>, StoreError>;

    /// What a reviewer declared for a call.
    async fn conflicts(&self, call_id: CallId, reviewer: &str)
    -> Result<Vec<Conflict>, StoreError>;

    /// Replaces what a reviewer declared for a call.
    async fn set_conflicts(
        &self,
        call_id: CallId,
        reviewer: &str,
        conflicts: &[Conflict],
        actor: UserId,
        now: Timestamp,
    ) -> Result<(), StoreError>;

    /// The passages hidden from reviewers of a piece.
    async fn blanked(&self, submission: SubmissionId) -> Result<Vec<String>, StoreError>;

    /// Replaces the passages hidden from reviewers of a piece.
    async fn set_blanked(
        &self,
        submission: SubmissionId,
        passages: &[String],
        actor: UserId,
        now: Timestamp,
    ) -> Result<(), StoreError>;
}

fn review_row(row: &Row) -> Result<Review, StoreError> {
    let Json(checklist): Json<Vec<usize>> = row.get("checklist")?;
    Ok(Review {
        submission_id: row.get("submission_id")?,
        reviewer_email: row.get("reviewer_email")?,
        score: row.get("score")?,
        recommendation: parsed(row, "recommendation", Recommendation::parse)?,
        checklist,
        comments: row.get("comments")?,
        created_at: ts(row, "created_at")?,
        updated_at: ts(row, "updated_at")?,
    })
}

#[async_trait]
impl Reviews for SqlStore {
    async fn assign_reviewer(
        &self,
        submission: SubmissionId,
        reviewer: &str,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await?;
        let by = match actor {
            Actor::User(id) => Some(*id),
            _ => None,
        };
        let inserted = sql::query(
            "INSERT INTO review_assignments (submission_id, reviewer_email, assigned_by, assigned_at)
             VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
        )
        .bind(submission)
        .bind(reviewer)
        .bind(by)
        .bind(now)
        .execute(&mut tx)
        .await?;
        if inserted > 0 {
            audit(
                &mut tx,
                now,
                actor,
                "submission.reviewer_assigned",
                &format!("submission:{submission}"),
                serde_json::json!({ "reviewer": reviewer }),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(inserted > 0)
    }

    async fn unassign_reviewer(
        &self,
        submission: SubmissionId,
        reviewer: &str,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await?;
        let removed = sql::query(
            "DELETE FROM review_assignments WHERE submission_id = $1 AND reviewer_email = $2",
        )
        .bind(submission)
        .bind(reviewer)
        .execute(&mut tx)
        .await?;
        if removed > 0 {
            audit(
                &mut tx,
                now,
                actor,
                "submission.reviewer_unassigned",
                &format!("submission:{submission}"),
                serde_json::json!({ "reviewer": reviewer }),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(removed > 0)
    }

    async fn assigned_to(
        &self,
        call_id: CallId,
        reviewer: &str,
    ) -> Result<Vec<SubmissionId>, StoreError> {
        sql::query_scalar(
            "SELECT a.submission_id FROM review_assignments a JOIN submissions s ON s.id = a.submission_id
             WHERE s.call_id = $1 AND a.reviewer_email = $2 ORDER BY a.assigned_at, a.submission_id",
        )
        .bind(call_id)
        .bind(reviewer)
        .fetch_all(&self.pool)
        .await
    }

    async fn reviewers_of(&self, submission: SubmissionId) -> Result<Vec<String>, StoreError> {
        sql::query_scalar(
            "SELECT reviewer_email FROM review_assignments WHERE submission_id = $1 ORDER BY assigned_at, reviewer_email",
        )
        .bind(submission)
        .fetch_all(&self.pool)
        .await
    }

    async fn assignment_counts(&self, call_id: CallId) -> Result<Vec<(String, i64)>, StoreError> {
        let rows = sql::query(
            "SELECT a.reviewer_email, COUNT(*) AS pieces FROM review_assignments a
             JOIN submissions s ON s.id = a.submission_id WHERE s.call_id = $1
             GROUP BY a.reviewer_email",
        )
        .bind(call_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| Ok((row.get("reviewer_email")?, row.get("pieces")?)))
            .collect()
    }

    async fn save_review(&self, review: &Review, actor: UserId) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        sql::query(
            "INSERT INTO reviews (submission_id, reviewer_email, score, recommendation, checklist, comments, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
             ON CONFLICT (submission_id, reviewer_email) DO UPDATE SET score = excluded.score,
                recommendation = excluded.recommendation, checklist = excluded.checklist,
                comments = excluded.comments, updated_at = excluded.updated_at",
        )
        .bind(review.submission_id)
        .bind(&review.reviewer_email)
        .bind(review.score)
        .bind(review.recommendation.as_str())
        .bind(Json(&review.checklist))
        .bind(&review.comments)
        .bind(review.updated_at)
        .execute(&mut tx)
        .await?;
        audit(
            &mut tx,
            review.updated_at,
            &Actor::User(actor),
            "submission.reviewed",
            &format!("submission:{}", review.submission_id),
            serde_json::json!({ "reviewer": review.reviewer_email }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn reviews(&self, submission: SubmissionId) -> Result<Vec<Review>, StoreError> {
        let rows = sql::query(
            "SELECT submission_id, reviewer_email, score, recommendation, checklist, comments, created_at, updated_at
             FROM reviews WHERE submission_id = $1 ORDER BY created_at, reviewer_email",
        )
        .bind(submission)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(review_row).collect()
    }

    async fn conflicts(
        &self,
        call_id: CallId,
        reviewer: &str,
    ) -> Result<Vec<Conflict>, StoreError> {
        let rows = sql::query(
            "SELECT kind, value FROM review_conflicts WHERE call_id = $1 AND reviewer_email = $2 ORDER BY kind, value",
        )
        .bind(call_id)
        .bind(reviewer)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let kind: String = row.get("kind")?;
                let value: String = row.get("value")?;
                Ok(if kind == "organisation" {
                    Conflict::Organisation(value)
                } else {
                    Conflict::Address(value)
                })
            })
            .collect()
    }

    async fn set_conflicts(
        &self,
        call_id: CallId,
        reviewer: &str,
        conflicts: &[Conflict],
        actor: UserId,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        sql::query("DELETE FROM review_conflicts WHERE call_id = $1 AND reviewer_email = $2")
            .bind(call_id)
            .bind(reviewer)
            .execute(&mut tx)
            .await?;
        for conflict in conflicts {
            let (kind, value) = match conflict {
                Conflict::Organisation(value) => ("organisation", value),
                Conflict::Address(value) => ("address", value),
            };
            sql::query(
                "INSERT INTO review_conflicts (call_id, reviewer_email, kind, value) VALUES ($1, $2, $3, $4)
                 ON CONFLICT DO NOTHING",
            )
            .bind(call_id)
            .bind(reviewer)
            .bind(kind)
            .bind(value)
            .execute(&mut tx)
            .await?;
        }
        let slug: String = sql::query_scalar("SELECT slug FROM calls WHERE id = $1")
            .bind(call_id)
            .fetch_one(&mut tx)
            .await?;
        audit(
            &mut tx,
            now,
            &Actor::User(actor),
            "call.conflicts_declared",
            &format!("call:{slug}"),
            serde_json::json!({ "reviewer": reviewer, "count": conflicts.len() }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn blanked(&self, submission: SubmissionId) -> Result<Vec<String>, StoreError> {
        let Some(row) = sql::query("SELECT blanked FROM submissions WHERE id = $1")
            .bind(submission)
            .fetch_optional(&self.pool)
            .await?
        else {
            return Err(StoreError::NotFound);
        };
        let Json(passages): Json<Vec<String>> = row.get("blanked")?;
        Ok(passages)
    }

    async fn set_blanked(
        &self,
        submission: SubmissionId,
        passages: &[String],
        actor: UserId,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        sql::query("UPDATE submissions SET blanked = $1 WHERE id = $2")
            .bind(Json(passages))
            .bind(submission)
            .execute(&mut tx)
            .await?;
        audit(
            &mut tx,
            now,
            &Actor::User(actor),
            "submission.passages_blanked",
            &format!("submission:{submission}"),
            serde_json::json!({ "passages": passages.len() }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
