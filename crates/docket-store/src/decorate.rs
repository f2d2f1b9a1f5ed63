//! A store whose units of work pass through a function of the caller's, every other call going
//! straight to the store it wraps: a fault injected into a commit, or a unit of work timed or
//! traced, without writing again the seventy methods of the resource traits.

use std::fmt;
use std::sync::Arc;

use crate::{CallId, Store, StoreError, SubmissionId, UserId};

/// Turns a unit of work into another (wrapping it), each time one begins.
pub type WrapWork = Arc<dyn Fn(Box<dyn crate::Work>) -> Box<dyn crate::Work> + Send + Sync>;

/// `inner`, with each unit of work passed through `wrap`.
#[derive(Clone)]
pub struct WorkDecorated {
    inner: Arc<dyn Store>,
    wrap: WrapWork,
}

impl WorkDecorated {
    pub fn new(
        inner: Arc<dyn Store>,
        wrap: impl Fn(Box<dyn crate::Work>) -> Box<dyn crate::Work> + Send + Sync + 'static,
    ) -> Self {
        Self {
            inner,
            wrap: Arc::new(wrap),
        }
    }
}

impl fmt::Debug for WorkDecorated {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WorkDecorated")
            .field("inner", &self.inner)
            .finish_non_exhaustive()
    }
}

#[async_trait::async_trait]
impl crate::Calls for WorkDecorated {
    async fn save_call(
        &self,
        call: &docket_core::Call,
        actor: &crate::Actor,
        now: jiff::Timestamp,
    ) -> Result<(crate::StoredCall, crate::Saved), crate::StoreError> {
        self.inner.save_call(call, actor, now).await
    }

    async fn call(&self, slug: &str) -> Result<Option<crate::StoredCall>, crate::StoreError> {
        self.inner.call(slug).await
    }

    async fn calls(&self) -> Result<Vec<crate::StoredCall>, crate::StoreError> {
        self.inner.calls().await
    }

    async fn audit_trail(
        &self,
        subject: &str,
    ) -> Result<Vec<crate::AuditEvent>, crate::StoreError> {
        self.inner.audit_trail(subject).await
    }

    async fn call_by_id(&self, id: CallId) -> Result<Option<crate::StoredCall>, crate::StoreError> {
        self.inner.call_by_id(id).await
    }
}

#[async_trait::async_trait]
impl crate::Accounts for WorkDecorated {
    async fn peek_token(
        &self,
        token_hash: &str,
        purpose: crate::TokenPurpose,
        now: jiff::Timestamp,
    ) -> Result<Option<crate::Token>, crate::StoreError> {
        self.inner.peek_token(token_hash, purpose, now).await
    }

    async fn sign_up(
        &self,
        email: &str,
        hash: &str,
        token: crate::NewToken,
        mail: crate::NewMail,
        now: jiff::Timestamp,
    ) -> Result<Option<crate::User>, crate::StoreError> {
        self.inner.sign_up(email, hash, token, mail, now).await
    }

    async fn user_by_email(&self, email: &str) -> Result<Option<crate::User>, crate::StoreError> {
        self.inner.user_by_email(email).await
    }

    async fn issue_token(
        &self,
        token: crate::NewToken,
        mail: crate::NewMail,
        now: jiff::Timestamp,
    ) -> Result<(), crate::StoreError> {
        self.inner.issue_token(token, mail, now).await
    }

    async fn redeem_token(
        &self,
        hash: &str,
        purpose: crate::TokenPurpose,
        now: jiff::Timestamp,
    ) -> Result<Option<crate::Token>, crate::StoreError> {
        self.inner.redeem_token(hash, purpose, now).await
    }

    async fn redeem_code(
        &self,
        email: &str,
        hash: &str,
        max: i64,
        now: jiff::Timestamp,
    ) -> Result<crate::CodeOutcome, crate::StoreError> {
        self.inner.redeem_code(email, hash, max, now).await
    }

    async fn confirm_user(
        &self,
        id: UserId,
        now: jiff::Timestamp,
        keep_password: bool,
    ) -> Result<bool, crate::StoreError> {
        self.inner.confirm_user(id, now, keep_password).await
    }

    async fn set_password(
        &self,
        id: UserId,
        hash: &str,
        now: jiff::Timestamp,
    ) -> Result<(), crate::StoreError> {
        self.inner.set_password(id, hash, now).await
    }

    async fn create_session(
        &self,
        id: UserId,
        hash: &str,
        now: jiff::Timestamp,
        until: jiff::Timestamp,
    ) -> Result<(), crate::StoreError> {
        self.inner.create_session(id, hash, now, until).await
    }

    async fn session(
        &self,
        hash: &str,
        now: jiff::Timestamp,
        idle: jiff::SignedDuration,
    ) -> Result<Option<crate::Session>, crate::StoreError> {
        self.inner.session(hash, now, idle).await
    }

    async fn delete_session(&self, hash: &str) -> Result<(), crate::StoreError> {
        self.inner.delete_session(hash).await
    }
}

#[async_trait::async_trait]
impl crate::Outbox for WorkDecorated {
    async fn mail_count_since(
        &self,
        to: &str,
        template: &str,
        since: jiff::Timestamp,
    ) -> Result<i64, crate::StoreError> {
        self.inner.mail_count_since(to, template, since).await
    }

    async fn enqueue_mail(
        &self,
        mail: crate::NewMail,
        now: jiff::Timestamp,
    ) -> Result<(), crate::StoreError> {
        self.inner.enqueue_mail(mail, now).await
    }

    async fn outbox(&self, limit: i64) -> Result<Vec<crate::OutboxMail>, crate::StoreError> {
        self.inner.outbox(limit).await
    }

    async fn lease_outbox(
        &self,
        worker: &str,
        now: jiff::Timestamp,
        until: jiff::Timestamp,
        limit: i64,
    ) -> Result<Vec<crate::OutboxMail>, crate::StoreError> {
        self.inner.lease_outbox(worker, now, until, limit).await
    }

    async fn mark_sent(
        &self,
        id: i64,
        worker: &str,
        now: jiff::Timestamp,
    ) -> Result<(), crate::StoreError> {
        self.inner.mark_sent(id, worker, now).await
    }

    async fn mark_attempt_failed(
        &self,
        id: i64,
        worker: &str,
        error: &str,
        retry: Option<jiff::Timestamp>,
    ) -> Result<(), crate::StoreError> {
        self.inner
            .mark_attempt_failed(id, worker, error, retry)
            .await
    }

    async fn outbound_message(
        &self,
        id: &str,
    ) -> Result<Option<(Option<SubmissionId>, String)>, StoreError> {
        self.inner.outbound_message(id).await
    }

    async fn call_outbox(
        &self,
        call_id: CallId,
        limit: i64,
    ) -> Result<Vec<crate::OutboxMail>, crate::StoreError> {
        self.inner.call_outbox(call_id, limit).await
    }

    async fn retry_mail(
        &self,
        id: i64,
        call_id: CallId,
        actor: &crate::Actor,
        now: jiff::Timestamp,
    ) -> Result<bool, crate::StoreError> {
        self.inner.retry_mail(id, call_id, actor, now).await
    }

    async fn enqueue_mail_once(
        &self,
        mail: crate::NewMail,
        now: jiff::Timestamp,
    ) -> Result<bool, crate::StoreError> {
        self.inner.enqueue_mail_once(mail, now).await
    }
}

#[async_trait::async_trait]
impl crate::Inbound for WorkDecorated {
    async fn hold_inbound(
        &self,
        message: &crate::NewInbound,
        confirmation: Option<(crate::NewToken, crate::NewMail)>,
    ) -> Result<Option<i64>, crate::StoreError> {
        self.inner.hold_inbound(message, confirmation).await
    }

    async fn inbound_message(
        &self,
        id: i64,
    ) -> Result<Option<(crate::InboundRecord, Vec<u8>)>, crate::StoreError> {
        self.inner.inbound_message(id).await
    }

    async fn held_messages(
        &self,
        sender: &str,
    ) -> Result<Vec<crate::InboundRecord>, crate::StoreError> {
        self.inner.held_messages(sender).await
    }

    async fn unhold_messages(
        &self,
        sender: &str,
        ids: &[i64],
        reason: &str,
        actor: &crate::Actor,
        now: jiff::Timestamp,
    ) -> Result<u64, crate::StoreError> {
        self.inner
            .unhold_messages(sender, ids, reason, actor, now)
            .await
    }

    async fn expire_held(
        &self,
        before: jiff::Timestamp,
        now: jiff::Timestamp,
    ) -> Result<u64, crate::StoreError> {
        self.inner.expire_held(before, now).await
    }

    async fn record_inbound(
        &self,
        message: &crate::NewInbound,
        answer: Option<crate::NewMail>,
    ) -> Result<bool, crate::StoreError> {
        self.inner.record_inbound(message, answer).await
    }

    async fn ingest_reply(
        &self,
        reply: crate::IngestReply,
        now: jiff::Timestamp,
    ) -> Result<bool, crate::StoreError> {
        self.inner.ingest_reply(reply, now).await
    }

    async fn inbound_count_since(
        &self,
        sender: &str,
        since: jiff::Timestamp,
    ) -> Result<i64, crate::StoreError> {
        self.inner.inbound_count_since(sender, since).await
    }

    async fn inbound(&self, limit: i64) -> Result<Vec<crate::InboundRecord>, crate::StoreError> {
        self.inner.inbound(limit).await
    }

    async fn call_inbound(
        &self,
        call_id: Option<CallId>,
        limit: i64,
    ) -> Result<Vec<crate::InboundRecord>, crate::StoreError> {
        self.inner.call_inbound(call_id, limit).await
    }

    async fn call_inbound_message(
        &self,
        call_id: Option<CallId>,
        id: i64,
    ) -> Result<Option<(crate::InboundRecord, Vec<u8>)>, crate::StoreError> {
        self.inner.call_inbound_message(call_id, id).await
    }
}

#[async_trait::async_trait]
impl crate::Submissions for WorkDecorated {
    async fn invitations_since(
        &self,
        owner_id: UserId,
        since: jiff::Timestamp,
    ) -> Result<i64, crate::StoreError> {
        self.inner.invitations_since(owner_id, since).await
    }

    async fn add_asset(
        &self,
        asset: crate::NewAsset,
        now: jiff::Timestamp,
    ) -> Result<i64, crate::StoreError> {
        self.inner.add_asset(asset, now).await
    }

    async fn asset(&self, id: i64) -> Result<Option<crate::Asset>, crate::StoreError> {
        self.inner.asset(id).await
    }

    async fn create_draft(
        &self,
        call: CallId,
        owner: &crate::User,
        piece: &docket_core::submission::Piece,
        now: jiff::Timestamp,
    ) -> Result<SubmissionId, crate::StoreError> {
        self.inner.create_draft(call, owner, piece, now).await
    }

    async fn submission(
        &self,
        id: SubmissionId,
    ) -> Result<Option<crate::SubmissionRecord>, crate::StoreError> {
        self.inner.submission(id).await
    }

    async fn submissions_for(
        &self,
        owner_id: UserId,
        member: Option<&str>,
    ) -> Result<Vec<crate::SubmissionRecord>, crate::StoreError> {
        self.inner.submissions_for(owner_id, member).await
    }

    async fn save_draft(
        &self,
        id: SubmissionId,
        by: UserId,
        piece: &docket_core::submission::Piece,
        now: jiff::Timestamp,
    ) -> Result<(), crate::StoreError> {
        self.inner.save_draft(id, by, piece, now).await
    }

    async fn submit_revision(
        &self,
        id: SubmissionId,
        by: UserId,
        piece: &docket_core::submission::Piece,
        late: bool,
        findings: &[&str],
        receipt: crate::NewMail,
        now: jiff::Timestamp,
    ) -> Result<i64, crate::StoreError> {
        self.inner
            .submit_revision(id, by, piece, late, findings, receipt, now)
            .await
    }

    async fn revisions(&self, id: SubmissionId) -> Result<Vec<crate::Revision>, crate::StoreError> {
        self.inner.revisions(id).await
    }

    async fn set_state(
        &self,
        id: SubmissionId,
        by: UserId,
        from: docket_core::submission::SubmissionState,
        to: docket_core::submission::SubmissionState,
        mail: Option<crate::NewMail>,
        now: jiff::Timestamp,
    ) -> Result<(), crate::StoreError> {
        self.inner.set_state(id, by, from, to, mail, now).await
    }

    async fn invite_coauthor(
        &self,
        id: SubmissionId,
        by: UserId,
        email: &str,
        mail: crate::NewMail,
        now: jiff::Timestamp,
    ) -> Result<(), crate::StoreError> {
        self.inner.invite_coauthor(id, by, email, mail, now).await
    }

    async fn drafts_of_call(
        &self,
        call_id: CallId,
    ) -> Result<Vec<crate::SubmissionRecord>, crate::StoreError> {
        self.inner.drafts_of_call(call_id).await
    }

    async fn call_submissions(
        &self,
        call_id: CallId,
    ) -> Result<Vec<crate::SubmissionRecord>, crate::StoreError> {
        self.inner.call_submissions(call_id).await
    }

    async fn submission_by_reply_token(
        &self,
        id: SubmissionId,
        token: &str,
    ) -> Result<Option<SubmissionId>, StoreError> {
        self.inner.submission_by_reply_token(id, token).await
    }
}

#[async_trait::async_trait]
impl crate::Staff for WorkDecorated {
    async fn add_admin(
        &self,
        email: &str,
        actor: &crate::Actor,
        now: jiff::Timestamp,
    ) -> Result<(), crate::StoreError> {
        self.inner.add_admin(email, actor, now).await
    }

    async fn remove_admin(
        &self,
        email: &str,
        actor: &crate::Actor,
        now: jiff::Timestamp,
    ) -> Result<bool, crate::StoreError> {
        self.inner.remove_admin(email, actor, now).await
    }

    async fn admins(&self) -> Result<Vec<(String, jiff::Timestamp)>, crate::StoreError> {
        self.inner.admins().await
    }

    async fn add_staff(
        &self,
        call_id: CallId,
        email: &str,
        role: crate::StaffRole,
        actor: &crate::Actor,
        now: jiff::Timestamp,
    ) -> Result<(), crate::StoreError> {
        self.inner.add_staff(call_id, email, role, actor, now).await
    }

    async fn remove_staff(
        &self,
        call_id: CallId,
        email: &str,
        actor: &crate::Actor,
        now: jiff::Timestamp,
    ) -> Result<bool, crate::StoreError> {
        self.inner.remove_staff(call_id, email, actor, now).await
    }

    async fn staff(&self, call_id: CallId) -> Result<Vec<crate::StaffMember>, crate::StoreError> {
        self.inner.staff(call_id).await
    }

    async fn staffed_calls(
        &self,
        email: &str,
    ) -> Result<Vec<(crate::StoredCall, crate::StaffRole)>, crate::StoreError> {
        self.inner.staffed_calls(email).await
    }

    async fn mail_templates(
        &self,
        call_id: CallId,
    ) -> Result<Vec<crate::StoredTemplate>, crate::StoreError> {
        self.inner.mail_templates(call_id).await
    }

    async fn save_mail_template(
        &self,
        call_id: CallId,
        kind: &str,
        template: Option<&crate::TemplateText>,
        actor: &crate::Actor,
        now: jiff::Timestamp,
    ) -> Result<(), crate::StoreError> {
        self.inner
            .save_mail_template(call_id, kind, template, actor, now)
            .await
    }
}

#[async_trait::async_trait]
impl crate::Jobs for WorkDecorated {
    async fn lease_jobs(
        &self,
        worker: &str,
        now: jiff::Timestamp,
        lease_until: jiff::Timestamp,
        limit: i64,
    ) -> Result<Vec<crate::Job>, crate::StoreError> {
        self.inner.lease_jobs(worker, now, lease_until, limit).await
    }

    async fn finish_job(
        &self,
        id: i64,
        worker: &str,
        outcome: &str,
        now: jiff::Timestamp,
    ) -> Result<(), crate::StoreError> {
        self.inner.finish_job(id, worker, outcome, now).await
    }

    async fn fail_job(
        &self,
        id: i64,
        worker: &str,
        error: &str,
        retry_at: Option<jiff::Timestamp>,
    ) -> Result<(), crate::StoreError> {
        self.inner.fail_job(id, worker, error, retry_at).await
    }

    async fn call_jobs(&self, call_id: CallId) -> Result<Vec<crate::Job>, crate::StoreError> {
        self.inner.call_jobs(call_id).await
    }
}

#[async_trait::async_trait]
impl crate::Site for WorkDecorated {
    async fn site_secret(
        &self,
        name: &str,
        now: jiff::Timestamp,
    ) -> Result<Vec<u8>, crate::StoreError> {
        self.inner.site_secret(name, now).await
    }

    async fn site_setting(&self, name: &str) -> Result<Option<String>, crate::StoreError> {
        self.inner.site_setting(name).await
    }

    async fn set_site_setting(&self, name: &str, value: &str) -> Result<(), crate::StoreError> {
        self.inner.set_site_setting(name, value).await
    }

    async fn holds_data(&self) -> Result<bool, crate::StoreError> {
        self.inner.holds_data().await
    }

    async fn count_attempt(
        &self,
        key_hash: &str,
        since: jiff::Timestamp,
        forget_before: jiff::Timestamp,
        now: jiff::Timestamp,
    ) -> Result<i64, crate::StoreError> {
        self.inner
            .count_attempt(key_hash, since, forget_before, now)
            .await
    }
}

#[async_trait::async_trait]
impl crate::Pledges for WorkDecorated {
    async fn add_pledge(
        &self,
        new: &crate::NewPledge,
        mail: Option<crate::NewMail>,
        now: jiff::Timestamp,
    ) -> Result<i64, crate::StoreError> {
        self.inner.add_pledge(new, mail, now).await
    }

    async fn pledge(&self, id: i64) -> Result<Option<crate::PledgeRecord>, crate::StoreError> {
        self.inner.pledge(id).await
    }

    async fn pledge_by_reply_token(
        &self,
        id: i64,
        token: &str,
    ) -> Result<Option<crate::PledgeRecord>, crate::StoreError> {
        self.inner.pledge_by_reply_token(id, token).await
    }

    async fn call_pledges(
        &self,
        call_id: crate::CallId,
    ) -> Result<Vec<crate::PledgeRecord>, crate::StoreError> {
        self.inner.call_pledges(call_id).await
    }

    async fn pledges_of(
        &self,
        owner_id: crate::UserId,
    ) -> Result<Vec<crate::PledgeRecord>, crate::StoreError> {
        self.inner.pledges_of(owner_id).await
    }

    async fn set_pledge_state(
        &self,
        id: i64,
        from: docket_core::pledge::PledgeState,
        to: docket_core::pledge::PledgeState,
        note: &str,
        mail: Option<crate::NewMail>,
        actor: &crate::Actor,
        now: jiff::Timestamp,
    ) -> Result<(), crate::StoreError> {
        self.inner
            .set_pledge_state(id, from, to, note, mail, actor, now)
            .await
    }

    async fn link_pledge(
        &self,
        id: i64,
        submission_id: crate::SubmissionId,
        actor: &crate::Actor,
        now: jiff::Timestamp,
    ) -> Result<(), crate::StoreError> {
        self.inner.link_pledge(id, submission_id, actor, now).await
    }
}

#[async_trait::async_trait]
impl crate::Store for WorkDecorated {
    async fn begin(&self) -> Result<Box<dyn crate::Work>, crate::StoreError> {
        Ok((self.wrap)(self.inner.begin().await?))
    }

    fn backend(&self) -> crate::Backend {
        self.inner.backend()
    }

    async fn migrate(&self) -> Result<(), crate::StoreError> {
        self.inner.migrate().await
    }

    async fn ping(&self) -> Result<(), crate::StoreError> {
        self.inner.ping().await
    }

    async fn close(&self) {
        self.inner.close().await
    }
}

#[async_trait::async_trait]
impl crate::People for WorkDecorated {
    async fn invite_staff(
        &self,
        invitation: &crate::NewInvitation,
        mail: crate::NewMail,
        actor: &crate::Actor,
        now: jiff::Timestamp,
    ) -> Result<i64, crate::StoreError> {
        self.inner.invite_staff(invitation, mail, actor, now).await
    }
    async fn invitations(
        &self,
        call_id: crate::CallId,
    ) -> Result<Vec<crate::Invitation>, crate::StoreError> {
        self.inner.invitations(call_id).await
    }
    async fn invitation_by_token(
        &self,
        token_hash: &str,
    ) -> Result<Option<crate::Invitation>, crate::StoreError> {
        self.inner.invitation_by_token(token_hash).await
    }
    async fn accept_invitation(
        &self,
        id: i64,
        actor: &crate::Actor,
        now: jiff::Timestamp,
    ) -> Result<crate::Invitation, crate::StoreError> {
        self.inner.accept_invitation(id, actor, now).await
    }
    async fn revoke_invitation(
        &self,
        call_id: crate::CallId,
        id: i64,
        actor: &crate::Actor,
        now: jiff::Timestamp,
    ) -> Result<bool, crate::StoreError> {
        self.inner.revoke_invitation(call_id, id, actor, now).await
    }
    async fn two_factor(&self, user: crate::UserId) -> Result<crate::TwoFactor, crate::StoreError> {
        self.inner.two_factor(user).await
    }
    async fn set_pending_totp(
        &self,
        user: crate::UserId,
        secret: Option<&str>,
    ) -> Result<(), crate::StoreError> {
        self.inner.set_pending_totp(user, secret).await
    }
    async fn enrol_totp(
        &self,
        user: crate::UserId,
        secret: &str,
        step: i64,
        recovery_hashes: &[String],
        session_hash: &str,
        now: jiff::Timestamp,
    ) -> Result<(), crate::StoreError> {
        self.inner
            .enrol_totp(user, secret, step, recovery_hashes, session_hash, now)
            .await
    }
    async fn use_totp_step(
        &self,
        user: crate::UserId,
        step: i64,
        session_hash: &str,
        now: jiff::Timestamp,
    ) -> Result<bool, crate::StoreError> {
        self.inner
            .use_totp_step(user, step, session_hash, now)
            .await
    }
    async fn use_recovery_code(
        &self,
        user: crate::UserId,
        code_hash: &str,
        session_hash: &str,
        now: jiff::Timestamp,
    ) -> Result<bool, crate::StoreError> {
        self.inner
            .use_recovery_code(user, code_hash, session_hash, now)
            .await
    }
    async fn replace_recovery_codes(
        &self,
        user: crate::UserId,
        hashes: &[String],
        now: jiff::Timestamp,
    ) -> Result<(), crate::StoreError> {
        self.inner.replace_recovery_codes(user, hashes, now).await
    }
    async fn disable_totp(
        &self,
        user: crate::UserId,
        actor: &crate::Actor,
        now: jiff::Timestamp,
    ) -> Result<(), crate::StoreError> {
        self.inner.disable_totp(user, actor, now).await
    }
    async fn profile(
        &self,
        user: crate::UserId,
    ) -> Result<Option<crate::Profile>, crate::StoreError> {
        self.inner.profile(user).await
    }
    async fn save_profile(
        &self,
        user: crate::UserId,
        profile: &crate::Profile,
        now: jiff::Timestamp,
    ) -> Result<(), crate::StoreError> {
        self.inner.save_profile(user, profile, now).await
    }
    async fn consents(
        &self,
        submission: crate::SubmissionId,
    ) -> Result<Vec<crate::Consent>, crate::StoreError> {
        self.inner.consents(submission).await
    }
    async fn give_consent(
        &self,
        submission: crate::SubmissionId,
        email: &str,
        byline: &str,
        actor: &crate::Actor,
        now: jiff::Timestamp,
    ) -> Result<(), crate::StoreError> {
        self.inner
            .give_consent(submission, email, byline, actor, now)
            .await
    }
    async fn withdraw_consent(
        &self,
        submission: crate::SubmissionId,
        email: &str,
        actor: &crate::Actor,
        now: jiff::Timestamp,
    ) -> Result<bool, crate::StoreError> {
        self.inner
            .withdraw_consent(submission, email, actor, now)
            .await
    }
    async fn mail_to_address(
        &self,
        email: &str,
    ) -> Result<Vec<crate::OutboxMail>, crate::StoreError> {
        self.inner.mail_to_address(email).await
    }
    async fn mail_from_address(
        &self,
        email: &str,
    ) -> Result<Vec<crate::ReceivedMail>, crate::StoreError> {
        self.inner.mail_from_address(email).await
    }
    async fn audit_by(
        &self,
        actor: &crate::Actor,
    ) -> Result<Vec<crate::AuditEvent>, crate::StoreError> {
        self.inner.audit_by(actor).await
    }
    async fn erase_account(
        &self,
        user: crate::UserId,
        now: jiff::Timestamp,
    ) -> Result<crate::Erased, crate::StoreError> {
        self.inner.erase_account(user, now).await
    }
    async fn erase_expired_pieces(
        &self,
        ended_before: jiff::Timestamp,
        now: jiff::Timestamp,
    ) -> Result<u64, crate::StoreError> {
        self.inner.erase_expired_pieces(ended_before, now).await
    }
}

#[async_trait::async_trait]
impl crate::Editorial for WorkDecorated {
    async fn copy_edit(
        &self,
        submission: crate::SubmissionId,
        by: crate::UserId,
        piece: &docket_core::submission::Piece,
        mail: crate::NewMail,
        now: jiff::Timestamp,
    ) -> Result<i64, crate::StoreError> {
        self.inner.copy_edit(submission, by, piece, mail, now).await
    }
    async fn set_copy_edit(
        &self,
        submission: crate::SubmissionId,
        from: &[&str],
        to: &str,
        reason: &str,
        actor: &crate::Actor,
        now: jiff::Timestamp,
    ) -> Result<bool, crate::StoreError> {
        self.inner
            .set_copy_edit(submission, from, to, reason, actor, now)
            .await
    }
    async fn answer_copy_edit(
        &self,
        submission: crate::SubmissionId,
        by: crate::UserId,
        piece: &docket_core::submission::Piece,
        now: jiff::Timestamp,
    ) -> Result<i64, crate::StoreError> {
        self.inner
            .answer_copy_edit(submission, by, piece, now)
            .await
    }
    async fn copy_edit_state(
        &self,
        submission: crate::SubmissionId,
    ) -> Result<String, crate::StoreError> {
        self.inner.copy_edit_state(submission).await
    }
    async fn queue(
        &self,
        query: &crate::QueueQuery,
    ) -> Result<crate::QueuePage, crate::StoreError> {
        self.inner.queue(query).await
    }
    async fn decide(
        &self,
        decision: &crate::NewDecision,
        now: jiff::Timestamp,
    ) -> Result<i64, crate::StoreError> {
        self.inner.decide(decision, now).await
    }
    async fn undo_decision(
        &self,
        id: i64,
        by: crate::UserId,
        now: jiff::Timestamp,
    ) -> Result<bool, crate::StoreError> {
        self.inner.undo_decision(id, by, now).await
    }
    async fn decisions(
        &self,
        submission: crate::SubmissionId,
    ) -> Result<Vec<crate::Decision>, crate::StoreError> {
        self.inner.decisions(submission).await
    }
    async fn apply_due_decisions(
        &self,
        now: jiff::Timestamp,
    ) -> Result<Vec<i64>, crate::StoreError> {
        self.inner.apply_due_decisions(now).await
    }
    async fn add_comment(
        &self,
        submission: crate::SubmissionId,
        author: crate::UserId,
        body: &str,
        now: jiff::Timestamp,
    ) -> Result<(), crate::StoreError> {
        self.inner.add_comment(submission, author, body, now).await
    }
    async fn comments(
        &self,
        submission: crate::SubmissionId,
    ) -> Result<Vec<crate::Comment>, crate::StoreError> {
        self.inner.comments(submission).await
    }
    async fn piece_mail_in(
        &self,
        submission: crate::SubmissionId,
    ) -> Result<Vec<crate::InboundRecord>, crate::StoreError> {
        self.inner.piece_mail_in(submission).await
    }
    async fn piece_mail_out(
        &self,
        submission: crate::SubmissionId,
    ) -> Result<Vec<crate::OutboxMail>, crate::StoreError> {
        self.inner.piece_mail_out(submission).await
    }
    async fn settle_triage(
        &self,
        inbound_id: i64,
        outcome: crate::InboundOutcome,
        note: &str,
        mail: Option<crate::NewMail>,
        actor: &crate::Actor,
        now: jiff::Timestamp,
    ) -> Result<(), crate::StoreError> {
        self.inner
            .settle_triage(inbound_id, outcome, note, mail, actor, now)
            .await
    }
    async fn piece_placement(
        &self,
        submission: crate::SubmissionId,
    ) -> Result<(Option<jiff::civil::Date>, Option<jiff::Timestamp>), crate::StoreError> {
        self.inner.piece_placement(submission).await
    }
    async fn set_refile(&self, inbound_id: i64, json: &str) -> Result<(), crate::StoreError> {
        self.inner.set_refile(inbound_id, json).await
    }
    async fn refile_of(&self, inbound_id: i64) -> Result<Option<String>, crate::StoreError> {
        self.inner.refile_of(inbound_id).await
    }
    async fn decision(&self, id: i64) -> Result<Option<crate::Decision>, crate::StoreError> {
        self.inner.decision(id).await
    }
}

#[async_trait::async_trait]
impl crate::Reviews for WorkDecorated {
    async fn assign_reviewer(
        &self,
        submission: crate::SubmissionId,
        reviewer: &str,
        actor: &crate::Actor,
        now: jiff::Timestamp,
    ) -> Result<bool, crate::StoreError> {
        self.inner
            .assign_reviewer(submission, reviewer, actor, now)
            .await
    }
    async fn unassign_reviewer(
        &self,
        submission: crate::SubmissionId,
        reviewer: &str,
        actor: &crate::Actor,
        now: jiff::Timestamp,
    ) -> Result<bool, crate::StoreError> {
        self.inner
            .unassign_reviewer(submission, reviewer, actor, now)
            .await
    }
    async fn assigned_to(
        &self,
        call_id: crate::CallId,
        reviewer: &str,
    ) -> Result<Vec<crate::SubmissionId>, crate::StoreError> {
        self.inner.assigned_to(call_id, reviewer).await
    }
    async fn reviewers_of(
        &self,
        submission: crate::SubmissionId,
    ) -> Result<Vec<String>, crate::StoreError> {
        self.inner.reviewers_of(submission).await
    }
    async fn assignment_counts(
        &self,
        call_id: crate::CallId,
    ) -> Result<Vec<(String, i64)>, crate::StoreError> {
        self.inner.assignment_counts(call_id).await
    }
    async fn save_review(
        &self,
        review: &crate::Review,
        actor: crate::UserId,
    ) -> Result<(), crate::StoreError> {
        self.inner.save_review(review, actor).await
    }
    async fn reviews(
        &self,
        submission: crate::SubmissionId,
    ) -> Result<Vec<crate::Review>, crate::StoreError> {
        self.inner.reviews(submission).await
    }
    async fn conflicts(
        &self,
        call_id: crate::CallId,
        reviewer: &str,
    ) -> Result<Vec<crate::Conflict>, crate::StoreError> {
        self.inner.conflicts(call_id, reviewer).await
    }
    async fn set_conflicts(
        &self,
        call_id: crate::CallId,
        reviewer: &str,
        conflicts: &[crate::Conflict],
        actor: crate::UserId,
        now: jiff::Timestamp,
    ) -> Result<(), crate::StoreError> {
        self.inner
            .set_conflicts(call_id, reviewer, conflicts, actor, now)
            .await
    }
    async fn blanked(
        &self,
        submission: crate::SubmissionId,
    ) -> Result<Vec<String>, crate::StoreError> {
        self.inner.blanked(submission).await
    }
    async fn set_blanked(
        &self,
        submission: crate::SubmissionId,
        passages: &[String],
        actor: crate::UserId,
        now: jiff::Timestamp,
    ) -> Result<(), crate::StoreError> {
        self.inner
            .set_blanked(submission, passages, actor, now)
            .await
    }
}

#[async_trait::async_trait]
impl crate::Announcements for WorkDecorated {
    async fn post_announcement(
        &self,
        call_id: crate::CallId,
        title: &str,
        body: &str,
        by: crate::UserId,
        mails: &[crate::AnnouncementMail],
        now: jiff::Timestamp,
    ) -> Result<i64, crate::StoreError> {
        self.inner
            .post_announcement(call_id, title, body, by, mails, now)
            .await
    }
    async fn announcements(
        &self,
        call_id: crate::CallId,
    ) -> Result<Vec<crate::Announcement>, crate::StoreError> {
        self.inner.announcements(call_id).await
    }
    async fn announcement_recipients(
        &self,
        call_id: crate::CallId,
    ) -> Result<Vec<String>, crate::StoreError> {
        self.inner.announcement_recipients(call_id).await
    }
    async fn unsubscribe_token_known(&self, token_hash: &str) -> Result<bool, crate::StoreError> {
        self.inner.unsubscribe_token_known(token_hash).await
    }
    async fn unsubscribe(
        &self,
        token_hash: &str,
        now: jiff::Timestamp,
    ) -> Result<Option<(crate::CallId, String)>, crate::StoreError> {
        self.inner.unsubscribe(token_hash, now).await
    }
}

#[async_trait::async_trait]
impl crate::Publication for WorkDecorated {
    async fn board(
        &self,
        call_id: crate::CallId,
    ) -> Result<Vec<crate::BoardPiece>, crate::StoreError> {
        self.inner.board(call_id).await
    }
    async fn board_piece(
        &self,
        call_id: crate::CallId,
        id: crate::SubmissionId,
    ) -> Result<Option<crate::BoardPiece>, crate::StoreError> {
        self.inner.board_piece(call_id, id).await
    }
    async fn place(
        &self,
        id: crate::SubmissionId,
        day: jiff::civil::Date,
        publish_at: jiff::Timestamp,
        note: &str,
        actor: &crate::Actor,
        now: jiff::Timestamp,
    ) -> Result<(), crate::StoreError> {
        self.inner
            .place(id, day, publish_at, note, actor, now)
            .await
    }
    async fn reorder(
        &self,
        id: crate::SubmissionId,
        up: bool,
        actor: &crate::Actor,
        now: jiff::Timestamp,
    ) -> Result<(), crate::StoreError> {
        self.inner.reorder(id, up, actor, now).await
    }
    async fn schedule(
        &self,
        id: crate::SubmissionId,
        slug: &str,
        actor: &crate::Actor,
        now: jiff::Timestamp,
    ) -> Result<String, crate::StoreError> {
        self.inner.schedule(id, slug, actor, now).await
    }
    async fn unschedule(
        &self,
        id: crate::SubmissionId,
        actor: &crate::Actor,
        now: jiff::Timestamp,
    ) -> Result<(), crate::StoreError> {
        self.inner.unschedule(id, actor, now).await
    }
    async fn publish(
        &self,
        id: crate::SubmissionId,
        at: jiff::Timestamp,
        mails: &[crate::NewMail],
        now: jiff::Timestamp,
    ) -> Result<crate::PublishOutcome, crate::StoreError> {
        self.inner.publish(id, at, mails, now).await
    }
    async fn unpublish(
        &self,
        id: crate::SubmissionId,
        reason: &str,
        actor: &crate::Actor,
        now: jiff::Timestamp,
    ) -> Result<(), crate::StoreError> {
        self.inner.unpublish(id, reason, actor, now).await
    }
    async fn rename_slug(
        &self,
        id: crate::SubmissionId,
        slug: &str,
        actor: &crate::Actor,
        now: jiff::Timestamp,
    ) -> Result<(), crate::StoreError> {
        self.inner.rename_slug(id, slug, actor, now).await
    }
    async fn set_partner(
        &self,
        id: crate::SubmissionId,
        partner: bool,
        actor: &crate::Actor,
        now: jiff::Timestamp,
    ) -> Result<(), crate::StoreError> {
        self.inner.set_partner(id, partner, actor, now).await
    }
    async fn week_version(
        &self,
        call_id: crate::CallId,
    ) -> Result<(i64, Option<jiff::Timestamp>), crate::StoreError> {
        self.inner.week_version(call_id).await
    }
    async fn published(
        &self,
        call_id: crate::CallId,
    ) -> Result<Vec<crate::PublishedPiece>, crate::StoreError> {
        self.inner.published(call_id).await
    }
    async fn lookup_slug(
        &self,
        call_id: crate::CallId,
        slug: &str,
    ) -> Result<crate::SlugLookup, crate::StoreError> {
        self.inner.lookup_slug(call_id, slug).await
    }
}
