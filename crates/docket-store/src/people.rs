//! People around a piece: invitations to a call's staff, the second factor (TOTP and recovery
//! codes), the profile the public sees, each author's consent per piece, everything held about a
//! person (for their download), and erasing an account or an expired piece.

use async_trait::async_trait;
use docket_core::submission::{Piece, SubmissionState};
use jiff::Timestamp;
use sqlx::types::Json;

use crate::backend::{
    SqlStore, audit, call_slug, insert_mail, outbox_columns, parsed, staff_role, ts, ts_opt,
};
use crate::sql::{self, Row, Tx};
use crate::{
    Actor, AuditEvent, CallId, NewMail, OutboxMail, StaffRole, StoreError, SubmissionId, UserId,
};

/// An invitation to join a call's staff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitation {
    pub id: i64,
    pub call_id: CallId,
    pub email: String,
    pub role: StaffRole,
    /// The address of the organiser who sent it.
    pub invited_by: String,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    pub accepted_at: Option<Timestamp>,
    pub revoked_at: Option<Timestamp>,
}

impl Invitation {
    /// True while the link can still be used.
    pub fn open(&self, now: Timestamp) -> bool {
        self.accepted_at.is_none() && self.revoked_at.is_none() && self.expires_at > now
    }
}

/// A new invitation: the hash of the link's token, never the token.
#[derive(Debug, Clone)]
pub struct NewInvitation {
    pub call_id: CallId,
    pub email: String,
    pub role: StaffRole,
    pub invited_by: String,
    pub token_hash: String,
    pub expires_at: Timestamp,
}

/// Where someone stands with the second factor.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TwoFactor {
    /// The enrolled TOTP secret (base32).
    pub secret: Option<String>,
    /// A secret shown for enrolment and not yet confirmed with a code.
    pub pending: Option<String>,
    pub enrolled_at: Option<Timestamp>,
    /// The last TOTP time step accepted: a code of that step or earlier is refused.
    pub last_step: i64,
    /// Recovery codes not yet used.
    pub recovery_left: i64,
}

/// How a person is shown to the public.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct Profile {
    pub name: String,
    pub job_title: String,
    pub organisation: String,
    pub bio: String,
    /// One address a line.
    pub links: Vec<String>,
    pub headshot_id: Option<i64>,
}

impl Profile {
    /// The byline an author consents to: "Name, Job title, Organisation", the empty parts left out.
    pub fn byline(&self) -> String {
        [&self.name, &self.job_title, &self.organisation]
            .into_iter()
            .map(|part| part.trim())
            .filter(|part| !part.is_empty())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// One author's consent to publish a piece under their name.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Consent {
    pub submission_id: SubmissionId,
    /// None once the account was deleted.
    pub email: Option<String>,
    pub byline: String,
    pub given_at: Timestamp,
    pub withdrawn_at: Option<Timestamp>,
}

impl Consent {
    /// True when it stands (given and not withdrawn).
    pub fn stands(&self) -> bool {
        self.withdrawn_at.is_none()
    }
}

/// A message received from someone, with its original bytes.
#[derive(Debug, Clone)]
pub struct ReceivedMail {
    pub id: i64,
    pub subject: String,
    pub raw: Vec<u8>,
    pub received_at: Timestamp,
}

/// What erasing an account did, for its audit event and the person's last page.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Erased {
    pub pieces_erased: u64,
    pub published_pieces_kept: u64,
    pub pledges_erased: u64,
    pub mails_erased: u64,
}

/// People, read and changed.
#[async_trait]
pub trait People: Send + Sync {
    /// Stores an invitation and queues the mail that carries its link, in one transaction.
    async fn invite_staff(
        &self,
        invitation: &NewInvitation,
        mail: NewMail,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<i64, StoreError>;

    /// A call's invitations, newest first.
    async fn invitations(&self, call_id: CallId) -> Result<Vec<Invitation>, StoreError>;

    /// The invitation a link's token hash names.
    async fn invitation_by_token(&self, token_hash: &str)
    -> Result<Option<Invitation>, StoreError>;

    /// Accepts an open invitation: its address joins the staff in its role. Conflict when it was
    /// used, withdrawn or has expired meanwhile.
    async fn accept_invitation(
        &self,
        id: i64,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<Invitation, StoreError>;

    /// Withdraws an open invitation. `Ok(false)`: there was no open one with this id on the call.
    async fn revoke_invitation(
        &self,
        call_id: CallId,
        id: i64,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<bool, StoreError>;

    /// Someone's second factor.
    async fn two_factor(&self, user: UserId) -> Result<TwoFactor, StoreError>;

    /// Keeps (or forgets, with None) a secret being enrolled.
    async fn set_pending_totp(&self, user: UserId, secret: Option<&str>) -> Result<(), StoreError>;

    /// Completes enrolment with the pending `secret`, confirmed by a code of time step `step`:
    /// stores the secret and the hashes of new recovery codes (replacing any), and marks the
    /// session `session_hash` as having passed the second factor.
    async fn enrol_totp(
        &self,
        user: UserId,
        secret: &str,
        step: i64,
        recovery_hashes: &[String],
        session_hash: &str,
        now: Timestamp,
    ) -> Result<(), StoreError>;

    /// Uses a TOTP code of time step `step`: `Ok(false)` when a code of that step or a later one
    /// was used already (on any node). Marks the session as having passed.
    async fn use_totp_step(
        &self,
        user: UserId,
        step: i64,
        session_hash: &str,
        now: Timestamp,
    ) -> Result<bool, StoreError>;

    /// Uses a recovery code, once: `Ok(false)` when there is no unused code with this hash.
    /// Marks the session as having passed.
    async fn use_recovery_code(
        &self,
        user: UserId,
        code_hash: &str,
        session_hash: &str,
        now: Timestamp,
    ) -> Result<bool, StoreError>;

    /// Replaces someone's recovery codes.
    async fn replace_recovery_codes(
        &self,
        user: UserId,
        hashes: &[String],
        now: Timestamp,
    ) -> Result<(), StoreError>;

    /// Turns the second factor off, forgetting the secret and the recovery codes.
    async fn disable_totp(
        &self,
        user: UserId,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<(), StoreError>;

    /// Someone's profile.
    async fn profile(&self, user: UserId) -> Result<Option<Profile>, StoreError>;

    /// Saves someone's profile, audited.
    async fn save_profile(
        &self,
        user: UserId,
        profile: &Profile,
        now: Timestamp,
    ) -> Result<(), StoreError>;

    /// The consents given for a piece, oldest first.
    async fn consents(&self, submission: SubmissionId) -> Result<Vec<Consent>, StoreError>;

    /// Records `email`'s consent to publish the piece under `byline` (given again, it replaces
    /// the byline and stands again).
    async fn give_consent(
        &self,
        submission: SubmissionId,
        email: &str,
        byline: &str,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<(), StoreError>;

    /// Withdraws `email`'s consent. Conflict once the piece is published; `Ok(false)` when there
    /// was none standing.
    async fn withdraw_consent(
        &self,
        submission: SubmissionId,
        email: &str,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<bool, StoreError>;

    /// Every mail Docket wrote to `email`, oldest first.
    async fn mail_to_address(&self, email: &str) -> Result<Vec<OutboxMail>, StoreError>;

    /// Every message received from `email`, oldest first, with its original bytes.
    async fn mail_from_address(&self, email: &str) -> Result<Vec<ReceivedMail>, StoreError>;

    /// The audit events `actor` caused, oldest first.
    async fn audit_by(&self, actor: &Actor) -> Result<Vec<AuditEvent>, StoreError>;

    /// Erases an account: its unpublished pieces (with their revisions, files, messages and
    /// consents), pledges, profile, second factor, sessions, staff places and mail; published
    /// pieces keep the consented byline under an anonymous owner. The account row stays as an
    /// anonymous tombstone so that what refers to it holds; audit events it caused name
    /// "deleted" instead. One transaction.
    async fn erase_account(&self, user: UserId, now: Timestamp) -> Result<Erased, StoreError>;

    /// Erases the rejected and withdrawn pieces of calls whose week ended before `ended_before`.
    /// Returns how many.
    async fn erase_expired_pieces(
        &self,
        ended_before: Timestamp,
        now: Timestamp,
    ) -> Result<u64, StoreError>;
}

const INVITATION: &str = "SELECT id, call_id, email, role, invited_by, created_at, expires_at, accepted_at, revoked_at FROM staff_invitations";

fn invitation_row(row: &Row) -> Result<Invitation, StoreError> {
    let role: String = row.get("role")?;
    Ok(Invitation {
        id: row.get("id")?,
        call_id: row.get("call_id")?,
        email: row.get("email")?,
        role: staff_role(&role)?,
        invited_by: row.get("invited_by")?,
        created_at: ts(row, "created_at")?,
        expires_at: ts(row, "expires_at")?,
        accepted_at: ts_opt(row, "accepted_at")?,
        revoked_at: ts_opt(row, "revoked_at")?,
    })
}

fn consent_row(row: &Row) -> Result<Consent, StoreError> {
    Ok(Consent {
        submission_id: row.get("submission_id")?,
        email: row.get("email")?,
        byline: row.get("byline")?,
        given_at: ts(row, "given_at")?,
        withdrawn_at: ts_opt(row, "withdrawn_at")?,
    })
}

/// Marks the session as having passed the second factor; `by` ("totp", "recovery_code"), when
/// given, is audited as how.
async fn pass_second_factor(
    tx: &mut Tx,
    user: UserId,
    session_hash: &str,
    by: Option<&str>,
    now: Timestamp,
) -> Result<(), StoreError> {
    sql::query("UPDATE sessions SET second_factor_at = $1 WHERE token_hash = $2 AND user_id = $3")
        .bind(now)
        .bind(session_hash)
        .bind(user)
        .execute(&mut *tx)
        .await?;
    if let Some(by) = by {
        audit(
            tx,
            now,
            &Actor::User(user),
            "account.second_factor_passed",
            &format!("user:{user}"),
            serde_json::json!({ "by": by }),
        )
        .await?;
    }
    Ok(())
}

async fn insert_recovery_codes(
    tx: &mut Tx,
    user: UserId,
    hashes: &[String],
) -> Result<(), StoreError> {
    sql::query("DELETE FROM recovery_codes WHERE user_id = $1")
        .bind(user)
        .execute(&mut *tx)
        .await?;
    for hash in hashes {
        sql::query("INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1, $2)")
            .bind(user)
            .bind(hash)
            .execute(&mut *tx)
            .await?;
    }
    Ok(())
}

/// The assets a piece's working copy and revisions refer to.
async fn assets_of(tx: &mut Tx, id: SubmissionId) -> Result<Vec<i64>, StoreError> {
    let mut ids = Vec::new();
    let mut pieces: Vec<Piece> = Vec::new();
    let rows = sql::query("SELECT content FROM revisions WHERE submission_id = $1")
        .bind(id)
        .fetch_all(&mut *tx)
        .await?;
    for row in &rows {
        let Json(piece): Json<Piece> = row.get("content")?;
        pieces.push(piece);
    }
    let draft = sql::query("SELECT draft FROM submissions WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
    if let Some(row) = draft {
        let Json(piece): Json<Piece> = row.get("draft")?;
        pieces.push(piece);
    }
    for piece in pieces {
        ids.extend(piece.document.map(|file| file.id));
        ids.extend(piece.headshot.map(|file| file.id));
    }
    ids.sort_unstable();
    ids.dedup();
    Ok(ids)
}

/// True when a piece still stored refers to `asset`. A file is carried only by pieces of the
/// person who uploaded it or that they helped write, so only those are read.
async fn kept_assets(tx: &mut Tx, asset: i64) -> Result<bool, StoreError> {
    let uploader: Option<UserId> =
        sql::query_scalar("SELECT uploaded_by FROM assets WHERE id = $1")
            .bind(asset)
            .fetch_optional(&mut *tx)
            .await?;
    let Some(uploader) = uploader else {
        return Ok(false);
    };
    let pieces: Vec<SubmissionId> = sql::query_scalar(
        "SELECT id FROM submissions WHERE owner_id = $1
         UNION SELECT submission_id FROM revisions WHERE created_by = $1",
    )
    .bind(uploader)
    .fetch_all(&mut *tx)
    .await?;
    for piece in pieces {
        if assets_of(tx, piece).await?.contains(&asset) {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Erases one piece with everything that hangs on it: revisions, co-authors, consents, its files
/// (unless another piece refers to them), the messages that made it and the mail about it.
async fn erase_piece(tx: &mut Tx, id: SubmissionId, now: Timestamp) -> Result<(), StoreError> {
    let assets = assets_of(tx, id).await?;
    crate::editorial::unindex_piece(tx, id).await?;
    for statement in [
        "DELETE FROM consents WHERE submission_id = $1",
        "DELETE FROM submission_members WHERE submission_id = $1",
        "DELETE FROM revisions WHERE submission_id = $1",
        "UPDATE pledges SET submission_id = NULL WHERE submission_id = $1",
        "DELETE FROM email_tokens WHERE inbound_id IN (SELECT id FROM inbound_messages WHERE submission_id = $1)",
        "DELETE FROM inbound_messages WHERE submission_id = $1",
        "DELETE FROM outbox WHERE submission_id = $1",
        "DELETE FROM submissions WHERE id = $1",
    ] {
        sql::query(statement).bind(id).execute(&mut *tx).await?;
    }
    for asset in assets {
        if !kept_assets(tx, asset).await? {
            sql::query("DELETE FROM assets WHERE id = $1")
                .bind(asset)
                .execute(&mut *tx)
                .await?;
        }
    }
    audit(
        tx,
        now,
        &Actor::System,
        "submission.erased",
        &format!("submission:{id}"),
        serde_json::json!({}),
    )
    .await
}

#[async_trait]
impl People for SqlStore {
    async fn invite_staff(
        &self,
        invitation: &NewInvitation,
        mail: NewMail,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<i64, StoreError> {
        let mut tx = self.pool.begin().await?;
        let slug = call_slug(&mut tx, invitation.call_id).await?;
        let id: i64 = sql::query_scalar(
            "INSERT INTO staff_invitations (call_id, email, role, token_hash, invited_by, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(invitation.call_id)
        .bind(&invitation.email)
        .bind(invitation.role.as_str())
        .bind(&invitation.token_hash)
        .bind(&invitation.invited_by)
        .bind(now)
        .bind(invitation.expires_at)
        .fetch_one(&mut tx)
        .await?;
        insert_mail(&mut tx, &mail, now).await?;
        audit(
            &mut tx,
            now,
            actor,
            "call.staff_invited",
            &format!("call:{slug}"),
            serde_json::json!({ "invitation": id, "email": invitation.email, "role": invitation.role.as_str() }),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    async fn invitations(&self, call_id: CallId) -> Result<Vec<Invitation>, StoreError> {
        let rows = sql::query(format!(
            "{INVITATION} WHERE call_id = $1 ORDER BY created_at DESC, id DESC"
        ))
        .bind(call_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(invitation_row).collect()
    }

    async fn invitation_by_token(
        &self,
        token_hash: &str,
    ) -> Result<Option<Invitation>, StoreError> {
        sql::query(format!("{INVITATION} WHERE token_hash = $1"))
            .bind(token_hash)
            .fetch_optional(&self.pool)
            .await?
            .map(|row| invitation_row(&row))
            .transpose()
    }

    async fn accept_invitation(
        &self,
        id: i64,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<Invitation, StoreError> {
        let mut tx = self.pool.begin().await?;
        let changed = sql::query(
            "UPDATE staff_invitations SET accepted_at = $1
             WHERE id = $2 AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > $1",
        )
        .bind(now)
        .bind(id)
        .execute(&mut tx)
        .await?;
        if changed == 0 {
            return Err(StoreError::Conflict(
                "This invitation was used, withdrawn or has expired: ask the organiser for a new one"
                    .to_owned(),
            ));
        }
        let row = sql::query(format!("{INVITATION} WHERE id = $1"))
            .bind(id)
            .fetch_one(&mut tx)
            .await?;
        let invitation = invitation_row(&row)?;
        let slug = call_slug(&mut tx, invitation.call_id).await?;
        sql::query(
            "INSERT INTO call_staff (call_id, email, role, added_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (call_id, email) DO UPDATE SET role = excluded.role",
        )
        .bind(invitation.call_id)
        .bind(&invitation.email)
        .bind(invitation.role.as_str())
        .bind(now)
        .execute(&mut tx)
        .await?;
        audit(
            &mut tx,
            now,
            actor,
            "call.staff_added",
            &format!("call:{slug}"),
            serde_json::json!({ "email": invitation.email, "role": invitation.role.as_str(), "invitation": id }),
        )
        .await?;
        tx.commit().await?;
        Ok(invitation)
    }

    async fn revoke_invitation(
        &self,
        call_id: CallId,
        id: i64,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await?;
        let slug = call_slug(&mut tx, call_id).await?;
        let changed = sql::query(
            "UPDATE staff_invitations SET revoked_at = $1
             WHERE id = $2 AND call_id = $3 AND accepted_at IS NULL AND revoked_at IS NULL",
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
                "call.staff_invitation_withdrawn",
                &format!("call:{slug}"),
                serde_json::json!({ "invitation": id }),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(changed > 0)
    }

    async fn two_factor(&self, user: UserId) -> Result<TwoFactor, StoreError> {
        let row = sql::query(
            "SELECT totp_secret, totp_pending, totp_enrolled_at, totp_last_step,
                    (SELECT COUNT(*) FROM recovery_codes r WHERE r.user_id = u.id AND r.used_at IS NULL) AS recovery_left
             FROM users u WHERE id = $1",
        )
        .bind(user)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        Ok(TwoFactor {
            secret: row.get("totp_secret")?,
            pending: row.get("totp_pending")?,
            enrolled_at: ts_opt(&row, "totp_enrolled_at")?,
            last_step: row.get("totp_last_step")?,
            recovery_left: row.get("recovery_left")?,
        })
    }

    async fn set_pending_totp(&self, user: UserId, secret: Option<&str>) -> Result<(), StoreError> {
        sql::query("UPDATE users SET totp_pending = $1 WHERE id = $2")
            .bind(secret)
            .bind(user)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn enrol_totp(
        &self,
        user: UserId,
        secret: &str,
        step: i64,
        recovery_hashes: &[String],
        session_hash: &str,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        let changed = sql::query(
            "UPDATE users SET totp_secret = $1, totp_pending = NULL, totp_enrolled_at = $2, totp_last_step = $3
             WHERE id = $4 AND totp_pending = $1",
        )
        .bind(secret)
        .bind(now)
        .bind(step)
        .bind(user)
        .execute(&mut tx)
        .await?;
        if changed == 0 {
            return Err(StoreError::Conflict(
                "This set-up code was replaced meanwhile: scan the new QR code".to_owned(),
            ));
        }
        insert_recovery_codes(&mut tx, user, recovery_hashes).await?;
        pass_second_factor(&mut tx, user, session_hash, None, now).await?;
        audit(
            &mut tx,
            now,
            &Actor::User(user),
            "account.two_factor_enrolled",
            &format!("user:{user}"),
            serde_json::json!({ "recovery_codes": recovery_hashes.len() }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn use_totp_step(
        &self,
        user: UserId,
        step: i64,
        session_hash: &str,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await?;
        let changed = sql::query(
            "UPDATE users SET totp_last_step = $1
             WHERE id = $2 AND totp_secret IS NOT NULL AND totp_last_step < $1",
        )
        .bind(step)
        .bind(user)
        .execute(&mut tx)
        .await?;
        if changed == 0 {
            return Ok(false);
        }
        pass_second_factor(&mut tx, user, session_hash, Some("totp"), now).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn use_recovery_code(
        &self,
        user: UserId,
        code_hash: &str,
        session_hash: &str,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await?;
        let changed = sql::query(
            "UPDATE recovery_codes SET used_at = $1
             WHERE user_id = $2 AND code_hash = $3 AND used_at IS NULL",
        )
        .bind(now)
        .bind(user)
        .bind(code_hash)
        .execute(&mut tx)
        .await?;
        if changed == 0 {
            return Ok(false);
        }
        pass_second_factor(&mut tx, user, session_hash, Some("recovery_code"), now).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn replace_recovery_codes(
        &self,
        user: UserId,
        hashes: &[String],
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        insert_recovery_codes(&mut tx, user, hashes).await?;
        audit(
            &mut tx,
            now,
            &Actor::User(user),
            "account.recovery_codes_replaced",
            &format!("user:{user}"),
            serde_json::json!({ "recovery_codes": hashes.len() }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn disable_totp(
        &self,
        user: UserId,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        sql::query(
            "UPDATE users SET totp_secret = NULL, totp_pending = NULL, totp_enrolled_at = NULL WHERE id = $1",
        )
        .bind(user)
        .execute(&mut tx)
        .await?;
        sql::query("DELETE FROM recovery_codes WHERE user_id = $1")
            .bind(user)
            .execute(&mut tx)
            .await?;
        audit(
            &mut tx,
            now,
            actor,
            "account.two_factor_disabled",
            &format!("user:{user}"),
            serde_json::json!({}),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn profile(&self, user: UserId) -> Result<Option<Profile>, StoreError> {
        let row = sql::query(
            "SELECT name, job_title, organisation, bio, links, headshot_id FROM profiles WHERE user_id = $1",
        )
        .bind(user)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            let links: String = row.get("links")?;
            Ok(Profile {
                name: row.get("name")?,
                job_title: row.get("job_title")?,
                organisation: row.get("organisation")?,
                bio: row.get("bio")?,
                links: links
                    .lines()
                    .filter(|line| !line.trim().is_empty())
                    .map(str::to_owned)
                    .collect(),
                headshot_id: row.get("headshot_id")?,
            })
        })
        .transpose()
    }

    async fn save_profile(
        &self,
        user: UserId,
        profile: &Profile,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        sql::query(
            "INSERT INTO profiles (user_id, name, job_title, organisation, bio, links, headshot_id, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
             ON CONFLICT (user_id) DO UPDATE SET name = excluded.name, job_title = excluded.job_title,
                organisation = excluded.organisation, bio = excluded.bio, links = excluded.links,
                headshot_id = excluded.headshot_id, updated_at = excluded.updated_at",
        )
        .bind(user)
        .bind(&profile.name)
        .bind(&profile.job_title)
        .bind(&profile.organisation)
        .bind(&profile.bio)
        .bind(profile.links.join("\n"))
        .bind(profile.headshot_id)
        .bind(now)
        .execute(&mut tx)
        .await?;
        // Their published pieces show the profile: those weeks' pages change.
        sql::query(
            "UPDATE calls SET week_version = week_version + 1, week_changed_at = $2
             WHERE id IN (SELECT s.call_id FROM submissions s
                          JOIN consents c ON c.submission_id = s.id
                          JOIN users u ON u.email = c.email
                          WHERE u.id = $1 AND s.state = 'published')",
        )
        .bind(user)
        .bind(now)
        .execute(&mut tx)
        .await?;
        audit(
            &mut tx,
            now,
            &Actor::User(user),
            "account.profile_saved",
            &format!("user:{user}"),
            serde_json::json!({ "byline": profile.byline() }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn consents(&self, submission: SubmissionId) -> Result<Vec<Consent>, StoreError> {
        let rows = sql::query(
            "SELECT submission_id, email, byline, given_at, withdrawn_at FROM consents
             WHERE submission_id = $1 ORDER BY given_at, id",
        )
        .bind(submission)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(consent_row).collect()
    }

    async fn give_consent(
        &self,
        submission: SubmissionId,
        email: &str,
        byline: &str,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        sql::query(
            "INSERT INTO consents (submission_id, email, byline, given_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (submission_id, email) DO UPDATE SET byline = excluded.byline,
                given_at = excluded.given_at, withdrawn_at = NULL",
        )
        .bind(submission)
        .bind(email)
        .bind(byline)
        .bind(now)
        .execute(&mut tx)
        .await?;
        audit(
            &mut tx,
            now,
            actor,
            "submission.consent_given",
            &format!("submission:{submission}"),
            serde_json::json!({ "byline": byline }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn withdraw_consent(
        &self,
        submission: SubmissionId,
        email: &str,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await?;
        let state = sql::query("SELECT state FROM submissions WHERE id = $1")
            .bind(submission)
            .fetch_optional(&mut tx)
            .await?
            .ok_or(StoreError::NotFound)?;
        if parsed(&state, "state", SubmissionState::parse)? == SubmissionState::Published {
            return Err(StoreError::Conflict(
                "This piece is published: consent can no longer be withdrawn here; write to the organisers".to_owned(),
            ));
        }
        let changed = sql::query(
            "UPDATE consents SET withdrawn_at = $1
             WHERE submission_id = $2 AND email = $3 AND withdrawn_at IS NULL",
        )
        .bind(now)
        .bind(submission)
        .bind(email)
        .execute(&mut tx)
        .await?;
        if changed > 0 {
            audit(
                &mut tx,
                now,
                actor,
                "submission.consent_withdrawn",
                &format!("submission:{submission}"),
                serde_json::json!({}),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(changed > 0)
    }

    async fn mail_to_address(&self, email: &str) -> Result<Vec<OutboxMail>, StoreError> {
        let rows = sql::query(concat!(
            "SELECT ",
            outbox_columns!(),
            " FROM outbox WHERE lower(to_address) = lower($1) ORDER BY created_at, id"
        ))
        .bind(email)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(crate::backend::outbox_row).collect()
    }

    async fn mail_from_address(&self, email: &str) -> Result<Vec<ReceivedMail>, StoreError> {
        let rows = sql::query(
            "SELECT id, subject, raw, received_at FROM inbound_messages
             WHERE lower(sender) = lower($1) ORDER BY received_at, id",
        )
        .bind(email)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(ReceivedMail {
                    id: row.get("id")?,
                    subject: row.get("subject")?,
                    raw: row.get("raw")?,
                    received_at: ts(row, "received_at")?,
                })
            })
            .collect()
    }

    async fn audit_by(&self, actor: &Actor) -> Result<Vec<AuditEvent>, StoreError> {
        let rows = sql::query(
            "SELECT at, actor, action, subject, detail FROM audit_events WHERE actor = $1 ORDER BY at, id",
        )
        .bind(actor.as_audit())
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

    async fn erase_account(&self, user: UserId, now: Timestamp) -> Result<Erased, StoreError> {
        let mut tx = self.pool.begin().await?;
        let email: String = sql::query_scalar("SELECT email FROM users WHERE id = $1")
            .bind(user)
            .fetch_optional(&mut tx)
            .await?
            .ok_or(StoreError::NotFound)?;
        let mut erased = Erased::default();
        let pieces = sql::query("SELECT id, state FROM submissions WHERE owner_id = $1")
            .bind(user)
            .fetch_all(&mut tx)
            .await?;
        for row in &pieces {
            let id: SubmissionId = row.get("id")?;
            if parsed(row, "state", SubmissionState::parse)? == SubmissionState::Published {
                erased.published_pieces_kept += 1;
            } else {
                erase_piece(&mut tx, id, now).await?;
                erased.pieces_erased += 1;
            }
        }
        erased.pledges_erased = sql::query("DELETE FROM pledges WHERE owner_id = $1")
            .bind(user)
            .execute(&mut tx)
            .await?;
        // Co-authored pieces of others: the place and any consent not yet published go.
        sql::query(
            "DELETE FROM consents WHERE email = $1 AND submission_id NOT IN
                (SELECT id FROM submissions WHERE state = 'published')",
        )
        .bind(&email)
        .execute(&mut tx)
        .await?;
        sql::query("UPDATE consents SET email = NULL WHERE email = $1")
            .bind(&email)
            .execute(&mut tx)
            .await?;
        sql::query("DELETE FROM submission_members WHERE email = $1")
            .bind(&email)
            .execute(&mut tx)
            .await?;
        sql::query(
            "DELETE FROM email_tokens WHERE lower(email) = lower($1) OR user_id = $2
                OR inbound_id IN (SELECT id FROM inbound_messages WHERE lower(sender) = lower($1))",
        )
        .bind(&email)
        .bind(user)
        .execute(&mut tx)
        .await?;
        let received = sql::query("DELETE FROM inbound_messages WHERE lower(sender) = lower($1)")
            .bind(&email)
            .execute(&mut tx)
            .await?;
        let sent = sql::query("DELETE FROM outbox WHERE lower(to_address) = lower($1)")
            .bind(&email)
            .execute(&mut tx)
            .await?;
        erased.mails_erased = received + sent;
        for statement in [
            "DELETE FROM profiles WHERE user_id = $1",
            "DELETE FROM recovery_codes WHERE user_id = $1",
            "DELETE FROM sessions WHERE user_id = $1",
        ] {
            sql::query(statement).bind(user).execute(&mut tx).await?;
        }
        for statement in [
            "DELETE FROM call_staff WHERE email = $1",
            "DELETE FROM site_admins WHERE email = $1",
            "DELETE FROM staff_invitations WHERE email = $1",
        ] {
            sql::query(statement).bind(&email).execute(&mut tx).await?;
        }
        // Files they uploaded that no kept piece refers to.
        let assets: Vec<i64> = sql::query_scalar("SELECT id FROM assets WHERE uploaded_by = $1")
            .bind(user)
            .fetch_all(&mut tx)
            .await?;
        for asset in assets {
            if !kept_assets(&mut tx, asset).await? {
                sql::query("DELETE FROM assets WHERE id = $1")
                    .bind(asset)
                    .execute(&mut tx)
                    .await?;
            }
        }
        // The account stays as an anonymous tombstone.
        sql::query(
            "UPDATE users SET email = $1, password_hash = NULL, confirmed_at = NULL, totp_secret = NULL,
                totp_pending = NULL, totp_enrolled_at = NULL WHERE id = $2",
        )
        .bind(format!("deleted-{user}@deleted.invalid"))
        .bind(user)
        .execute(&mut tx)
        .await?;
        sql::query("UPDATE audit_events SET actor = 'deleted' WHERE actor = $1")
            .bind(Actor::User(user).as_audit())
            .execute(&mut tx)
            .await?;
        audit(
            &mut tx,
            now,
            &Actor::System,
            "account.erased",
            &format!("user:{user}"),
            serde_json::to_value(&erased).unwrap_or_default(),
        )
        .await?;
        tx.commit().await?;
        Ok(erased)
    }

    async fn erase_expired_pieces(
        &self,
        ended_before: Timestamp,
        now: Timestamp,
    ) -> Result<u64, StoreError> {
        let calls = sql::query("SELECT id, document FROM calls")
            .fetch_all(&self.pool)
            .await?;
        let mut expired: Vec<SubmissionId> = Vec::new();
        for row in &calls {
            let id: CallId = row.get("id")?;
            let Json(call): Json<docket_core::Call> = row.get("document")?;
            let Some(last_day) = call.days.iter().map(|day| day.date).max() else {
                continue;
            };
            let ended = last_day
                .tomorrow()
                .ok()
                .and_then(|day| day.to_zoned(call.time_zone.zone().clone()).ok())
                .map(|zoned| zoned.timestamp());
            if ended.is_none_or(|ended| ended >= ended_before) {
                continue;
            }
            let pieces: Vec<SubmissionId> = sql::query_scalar(
                "SELECT id FROM submissions WHERE call_id = $1 AND state IN ('rejected', 'withdrawn')",
            )
            .bind(id)
            .fetch_all(&self.pool)
            .await?;
            expired.extend(pieces);
        }
        if expired.is_empty() {
            return Ok(0);
        }
        let mut tx = self.pool.begin().await?;
        let mut erased = 0;
        for piece in expired {
            // Read again inside the transaction: a piece may have moved meanwhile.
            let still: Option<String> = sql::query_scalar(
                "SELECT state FROM submissions WHERE id = $1 AND state IN ('rejected', 'withdrawn')",
            )
            .bind(piece)
            .fetch_optional(&mut tx)
            .await?;
            if still.is_some() {
                erase_piece(&mut tx, piece, now).await?;
                erased += 1;
            }
        }
        tx.commit().await?;
        Ok(erased)
    }
}
