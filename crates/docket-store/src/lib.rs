//! Docket's storage: one [`Store`] trait with an embedded SQLite implementation and a PostgreSQL
//! one, each with its own migrations, chosen by the database URL's scheme.
//!
//! Every method that changes something does it in one transaction together with its audit event,
//! and returns only after the commit.

use std::fmt;
use std::sync::Arc;

pub use announcements::{Announcement, AnnouncementMail, Announcements};
use async_trait::async_trait;
pub use backend::SqlStore;
pub use decorate::{WorkDecorated, WrapWork};
use docket_core::Call;
pub use docket_core::ids::{CallId, SubmissionId, UserId};
pub use docket_core::mail::{NewMail, StoredTemplate, TemplateText};
pub use docket_core::status::{InboundOutcome, JobKind, JobSpec, JobStatus, MailStatus};
use docket_core::submission::{CandidateDays, Piece, SubmissionState};
pub use docket_core::trust::SenderTrust;
pub use editorial::{
    Comment, Decision, DecisionAction, Editorial, LengthFilter, NewDecision, QueuePage, QueueQuery,
    QueueRow, QueueSort,
};
use jiff::Timestamp;
pub use people::{
    Consent, Erased, Invitation, NewInvitation, People, Profile, ReceivedMail, TwoFactor,
};
pub use pledges::{NewPledge, PledgeRecord, Pledges};
pub use publication::{
    BoardPiece, PublicAuthor, Publication, PublishOutcome, PublishedPiece, SlugLookup,
};
pub use reviews::{Conflict, Recommendation, Review, Reviews};

pub mod announcements;
mod backend;
mod decorate;
pub mod editorial;
pub mod people;
pub mod pledges;
pub mod postgres;
pub mod publication;
pub mod reviews;
pub mod secret;
mod sql;

/// A unit of work: steps taken in one transaction. Dropped without [`Work::commit`], it rolls
/// back. The use case composes the steps (mail filing a piece: record the message, find or make
/// the account, store the file, file the piece, queue the receipt built from the stored piece).
#[async_trait]
pub trait Work: Send {
    /// Records an incoming message; false, storing nothing, when its Message-ID was recorded
    /// before (a held message is updated instead when it is being released).
    async fn record_inbound(&mut self, message: &NewInbound) -> Result<bool, StoreError>;
    /// The account with this (lower-cased) address.
    async fn account_id(&mut self, email: &str) -> Result<Option<UserId>, StoreError>;
    /// Makes an account for an address that sent a piece (unconfirmed, without a password).
    async fn create_account(&mut self, email: &str, now: Timestamp) -> Result<UserId, StoreError>;
    /// Stores a file that came with a message, as `owner_id`'s upload.
    async fn add_file(
        &mut self,
        file: &IncomingFile,
        owner_id: UserId,
        now: Timestamp,
    ) -> Result<docket_core::submission::AssetRef, StoreError>;
    /// Files a piece: submitted with its first revision, or (`submitted` false) as a draft.
    async fn file_piece(
        &mut self,
        piece: &NewPiece,
        now: Timestamp,
    ) -> Result<FiledPiece, StoreError>;
    /// Notes on the incoming message which piece it became.
    async fn link_inbound(
        &mut self,
        message_id: &str,
        submission_id: SubmissionId,
    ) -> Result<(), StoreError>;
    /// Queues a mail, sent only if the work commits.
    async fn enqueue_mail(&mut self, mail: &NewMail, now: Timestamp) -> Result<(), StoreError>;
    /// Records an audit event with the work.
    async fn audit(
        &mut self,
        actor: &Actor,
        action: &str,
        subject: &str,
        detail: serde_json::Value,
        now: Timestamp,
    ) -> Result<(), StoreError>;
    /// Stores a pledge: (its id, the secret half of its reply address).
    async fn add_pledge(
        &mut self,
        pledge: &NewPledge,
        now: Timestamp,
    ) -> Result<(i64, String), StoreError>;
    /// Links a pledge to the piece that fulfils it.
    async fn link_pledge(
        &mut self,
        id: i64,
        submission_id: SubmissionId,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<(), StoreError>;
    /// Makes every step durable at once.
    async fn commit(self: Box<Self>) -> Result<(), StoreError>;
}

/// The resource traits, for code that calls a store: `use docket_store::prelude::*;`.
pub mod prelude {
    pub use crate::{
        Accounts, Announcements, Calls, Editorial, Inbound, Jobs, Outbox, People, Pledges,
        Publication, Reviews, Site, Staff, Store, Submissions, Work,
    };
}
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
    /// A signed-in person.
    User(UserId),
}

impl Actor {
    fn as_audit(&self) -> String {
        match self {
            Actor::System => "system".into(),
            Actor::Cli => "cli".into(),
            Actor::User(id) => format!("user:{id}"),
        }
    }
}

/// A call as stored, with its database id and times.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredCall {
    pub id: CallId,
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

/// An account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: UserId,
    /// Lower-cased address, unique.
    pub email: String,
    pub password_hash: Option<String>,
    pub confirmed_at: Option<Timestamp>,
    pub created_at: Timestamp,
}

/// A live session and its account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub user: User,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    /// The account has a second factor (TOTP) enrolled.
    pub two_factor_enrolled: bool,
    /// This session passed the second factor (or the account has none).
    pub second_factor_passed: bool,
}

impl Session {
    /// True while the account has a second factor this session has not passed yet: it is not
    /// signed in for anything but answering that.
    pub fn awaits_second_factor(&self) -> bool {
        self.two_factor_enrolled && !self.second_factor_passed
    }
}

/// What a single-use email token is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenPurpose {
    ConfirmEmail,
    SignIn,
    ResetPassword,
    /// "Is this from you?": files the mail held from an existing account's address.
    ConfirmMessage,
}

impl TokenPurpose {
    fn as_str(self) -> &'static str {
        match self {
            TokenPurpose::ConfirmEmail => "confirm_email",
            TokenPurpose::SignIn => "sign_in",
            TokenPurpose::ResetPassword => "reset_password",
            TokenPurpose::ConfirmMessage => "confirm_message",
        }
    }
}

/// A token to store: only hashes are kept, never the token or code itself.
#[derive(Debug, Clone)]
pub struct NewToken {
    pub purpose: TokenPurpose,
    pub token_hash: String,
    /// For sign-in: the hash of the short code typed instead of following the link.
    pub code_hash: Option<String>,
    pub email: String,
    pub user_id: Option<UserId>,
    /// For [`TokenPurpose::ConfirmMessage`]: the held message the mail was sent about.
    pub inbound_id: Option<i64>,
    pub expires_at: Timestamp,
}

/// A redeemed token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub email: String,
    pub user_id: Option<UserId>,
    pub inbound_id: Option<i64>,
}

/// The outcome of typing a sign-in code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeOutcome {
    Accepted(Token),
    /// Wrong code; the attempt was counted.
    Wrong,
    /// No live code for that address (none sent, expired, used, or too many attempts).
    NoLiveCode,
}

/// A mail in the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxMail {
    pub id: i64,
    pub mail: NewMail,
    pub status: MailStatus,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub created_at: Timestamp,
    pub sent_at: Option<Timestamp>,
}

/// An uploaded file to store.
#[derive(Debug, Clone)]
pub struct NewAsset {
    pub sha256: String,
    pub name: String,
    pub mime: String,
    pub bytes: Vec<u8>,
    /// Text extracted from it, for search and counting.
    pub text: Option<String>,
    pub uploaded_by: UserId,
}

/// A stored file.
#[derive(Debug, Clone)]
pub struct Asset {
    pub id: i64,
    pub name: String,
    pub mime: String,
    pub bytes: Vec<u8>,
    /// The text read from it, for a document.
    pub text: Option<String>,
    /// The account that uploaded it: who may fetch it is the access policy's decision.
    pub uploaded_by: UserId,
}

/// A piece as stored: its working copy and where it stands.
#[derive(Debug, Clone, PartialEq)]
pub struct SubmissionRecord {
    pub id: SubmissionId,
    pub call_id: CallId,
    pub call_slug: String,
    pub owner_id: UserId,
    pub owner_email: String,
    pub state: SubmissionState,
    pub late: bool,
    pub draft: Piece,
    pub revision_count: i64,
    pub coauthors: Vec<String>,
    /// The secret half of the piece's reply address (`inbox+s{id}-{reply_token}@…`).
    pub reply_token: String,
    /// For a piece that came by email: how Docket knew who sent it.
    pub sender_trust: Option<SenderTrust>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// Until when the author may change it after the deadline (an editor asked for changes).
    pub open_until: Option<Timestamp>,
}

impl SubmissionRecord {
    /// The candidate days of the working copy.
    pub fn days(&self) -> Option<&CandidateDays> {
        self.draft.days.as_ref()
    }
}

/// One submitted version of a piece. Immutable.
#[derive(Debug, Clone, PartialEq)]
pub struct Revision {
    pub number: i64,
    pub piece: Piece,
    pub late: bool,
    pub created_by: String,
    pub created_at: Timestamp,
    /// An editor's version (a copy-edit), not the author's.
    pub by_staff: bool,
}

/// An inbound message as recorded.
#[derive(Debug, Clone)]
pub struct NewInbound {
    pub message_id: String,
    pub sender: String,
    pub subject: String,
    pub raw: Vec<u8>,
    pub outcome: InboundOutcome,
    /// Why, for people: "no day named", "automatic reply".
    pub reason: String,
    /// The call it was read for, once Docket could tell.
    pub call_id: Option<CallId>,
    /// How Docket knew who sent it.
    pub sender_trust: SenderTrust,
    pub received_at: Timestamp,
    /// True when this files a message that was held for its sender's confirmation: the held
    /// record is updated instead of counting as a duplicate.
    pub release_held: bool,
    /// An editor files a message kept for triage: its record is updated, not duplicated.
    pub release_triage: bool,
}

/// A file that came with a message.
#[derive(Debug, Clone)]
pub struct IncomingFile {
    pub name: String,
    pub mime: String,
    pub sha256: String,
    pub bytes: Vec<u8>,
    pub text: Option<String>,
}

/// A piece filed in one step, as mail files it: submitted, with its first revision.
#[derive(Debug, Clone)]
pub struct NewPiece {
    pub call_id: CallId,
    pub owner_id: UserId,
    pub piece: Piece,
    pub late: bool,
    /// How Docket knew who sent it.
    pub sender_trust: SenderTrust,
    /// False when the judge refused it: it is kept as a draft, with no revision, for its owner
    /// to correct.
    pub submitted: bool,
}

/// A piece just stored: its id and the secret half of its reply address, for the receipt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FiledPiece {
    pub id: SubmissionId,
    pub reply_token: String,
}

/// A reply to a piece's mail.
#[derive(Debug, Clone)]
pub struct IngestReply {
    pub message: NewInbound,
    pub submission_id: SubmissionId,
    /// What the reply changes in the piece, when it carried a new version.
    pub change: Option<ReplyChange>,
}

/// A new version carried by a reply.
#[derive(Debug, Clone)]
pub enum ReplyChange {
    /// Sent as the next revision (late or not), with its receipt.
    Revision {
        piece: Piece,
        file: Option<IncomingFile>,
        late: bool,
        receipt: NewMail,
    },
    /// Refused by the judge: kept as the piece's draft, with the answer saying what to fix.
    Draft {
        piece: Piece,
        file: Option<IncomingFile>,
        answer: NewMail,
    },
    /// A new version that cannot be taken at all (a file the piece's kind does not take or
    /// that cannot be read, or the call is closed): the piece is unchanged, and the answer
    /// says why and what to send.
    Unchanged { answer: NewMail },
}

/// An inbound message as stored.
#[derive(Debug, Clone)]
pub struct InboundRecord {
    pub id: i64,
    pub message_id: String,
    pub sender: String,
    pub subject: String,
    pub outcome: InboundOutcome,
    pub reason: String,
    pub submission_id: Option<SubmissionId>,
    pub call_id: Option<CallId>,
    pub sender_trust: SenderTrust,
    pub received_at: Timestamp,
}

/// What a member of a call's staff may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StaffRole {
    /// Runs the call: its wording, its emails, its outbox, its staff.
    Organiser,
    /// Decides on pieces and places them on the days.
    Editor,
    /// Reviews the pieces assigned to them.
    Reviewer,
}

impl StaffRole {
    /// Every role, most powerful first.
    pub const ALL: [StaffRole; 3] = [StaffRole::Organiser, StaffRole::Editor, StaffRole::Reviewer];

    /// The stored and typed name: `organiser`, `editor`, `reviewer`.
    pub fn as_str(self) -> &'static str {
        match self {
            StaffRole::Organiser => "organiser",
            StaffRole::Editor => "editor",
            StaffRole::Reviewer => "reviewer",
        }
    }

    /// The name people read: "Organiser", "Editor", "Reviewer".
    pub fn label(self) -> &'static str {
        match self {
            StaffRole::Organiser => "Organiser",
            StaffRole::Editor => "Editor",
            StaffRole::Reviewer => "Reviewer",
        }
    }

    /// Reads a stored or typed name.
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "organiser" | "organizer" => Some(StaffRole::Organiser),
            "editor" => Some(StaffRole::Editor),
            "reviewer" => Some(StaffRole::Reviewer),
            _ => None,
        }
    }
}

/// Someone on a call's staff, by (lower-cased) address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffMember {
    pub email: String,
    pub role: StaffRole,
    pub added_at: Timestamp,
}

/// A durable piece of background work.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    pub id: i64,
    /// What to do: a [`JobKind`]'s stored name. Kept as stored, so that one job of a kind this
    /// Docket does not know (written by a newer node) fails alone instead of stopping the queue.
    pub kind: String,
    /// Unique: scheduling the same key twice makes one job.
    pub key: String,
    pub call_id: Option<CallId>,
    pub run_at: Timestamp,
    pub status: JobStatus,
    pub attempts: i64,
    pub last_error: Option<String>,
    /// What running it did, for people ("reminded 3 contributors").
    pub outcome: Option<String>,
    /// The job as stored ([`JobSpec`] in JSON); read it with [`Job::spec`].
    pub payload: Option<serde_json::Value>,
}

impl Job {
    /// What to run, if this Docket knows the job's kind. A row written before jobs had a
    /// payload is read from its kind and call.
    pub fn spec(&self) -> Option<JobSpec> {
        match &self.payload {
            Some(payload) => serde::Deserialize::deserialize(payload).ok(),
            None => match (JobKind::parse(&self.kind), self.call_id) {
                (Some(JobKind::RemindDrafts), Some(call_id)) => Some(JobSpec::RemindDrafts {
                    call_id,
                    at: self.run_at,
                }),
                _ => None,
            },
        }
    }
}

/// What can go wrong in storage.
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
    /// The record does not exist, or the person asking may not see it.
    #[error("not found")]
    NotFound,
    /// The change conflicts with the record's current state (for example, a withdrawn piece).
    #[error("{0}")]
    Conflict(String),
    /// A stored document could not be read back (written by a newer Docket, or edited by hand).
    #[error("stored data could not be read: {0}")]
    Corrupt(String),
}

/// Calls and the audit trail.
#[async_trait]
pub trait Calls: Send + Sync {
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

    /// The call with this id.
    async fn call_by_id(&self, id: CallId) -> Result<Option<StoredCall>, StoreError>;
}

/// Accounts, single-use email tokens and sessions.
#[async_trait]
pub trait Accounts: Send + Sync {
    /// Creates an unconfirmed account and queues `mail` (with `token`) in the same transaction.
    /// Returns `None`, storing nothing, when the address already has an account.
    async fn sign_up(
        &self,
        email: &str,
        password_hash: &str,
        token: NewToken,
        mail: NewMail,
        now: Timestamp,
    ) -> Result<Option<User>, StoreError>;

    /// The account with this (lower-cased) address.
    async fn user_by_email(&self, email: &str) -> Result<Option<User>, StoreError>;

    /// Stores a single-use token and queues the mail that carries it, in one transaction.
    async fn issue_token(
        &self,
        token: NewToken,
        mail: NewMail,
        now: Timestamp,
    ) -> Result<(), StoreError>;

    /// Uses a token: returns it once if it exists, has this purpose, is unused and unexpired.
    async fn redeem_token(
        &self,
        token_hash: &str,
        purpose: TokenPurpose,
        now: Timestamp,
    ) -> Result<Option<Token>, StoreError>;

    /// The unused, unexpired token with this hash and purpose, without using it (to show what a
    /// link would do before the button that uses it is pressed).
    async fn peek_token(
        &self,
        token_hash: &str,
        purpose: TokenPurpose,
        now: Timestamp,
    ) -> Result<Option<Token>, StoreError>;

    /// Uses the newest sign-in code sent to `email`, counting failed attempts.
    async fn redeem_code(
        &self,
        email: &str,
        code_hash: &str,
        max_attempts: i64,
        now: Timestamp,
    ) -> Result<CodeOutcome, StoreError>;

    /// Marks the address confirmed (idempotent). The first time, every session of the account is
    /// ended, and unless `keep_password` any password set before confirmation is cleared: whoever
    /// set it never proved they hold the address (account pre-hijacking). Returns true the first time.
    async fn confirm_user(
        &self,
        user_id: UserId,
        now: Timestamp,
        keep_password: bool,
    ) -> Result<bool, StoreError>;

    /// Sets a new password hash and ends every session of the account.
    async fn set_password(
        &self,
        user_id: UserId,
        password_hash: &str,
        now: Timestamp,
    ) -> Result<(), StoreError>;

    /// Starts a session for the account.
    async fn create_session(
        &self,
        user_id: UserId,
        token_hash: &str,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> Result<(), StoreError>;

    /// The live session with this token: unexpired, and seen within `idle`. Touches it.
    async fn session(
        &self,
        token_hash: &str,
        now: Timestamp,
        idle: jiff::SignedDuration,
    ) -> Result<Option<Session>, StoreError>;

    /// Ends a session on the server.
    async fn delete_session(&self, token_hash: &str) -> Result<(), StoreError>;
}

/// The outbox: mail queued in the same transaction as the change it reports, and its sending.
#[async_trait]
pub trait Outbox: Send + Sync {
    /// Queues one mail on its own (when no other change goes with it).
    async fn enqueue_mail(&self, mail: NewMail, now: Timestamp) -> Result<(), StoreError>;

    /// The newest mail in the outbox, newest first.
    async fn outbox(&self, limit: i64) -> Result<Vec<OutboxMail>, StoreError>;

    /// Takes up to `limit` mails that are due (queued and due, or whose lease ran out) for
    /// `worker` until `lease_until`. Two workers never hold the same row at once.
    async fn lease_outbox(
        &self,
        worker: &str,
        now: Timestamp,
        lease_until: Timestamp,
        limit: i64,
    ) -> Result<Vec<OutboxMail>, StoreError>;

    /// Records that the SMTP server accepted a leased mail.
    async fn mark_sent(&self, id: i64, worker: &str, now: Timestamp) -> Result<(), StoreError>;

    /// Records a failed attempt: tried again at `retry_at`, or marked failed when `None`.
    async fn mark_attempt_failed(
        &self,
        id: i64,
        worker: &str,
        error: &str,
        retry_at: Option<Timestamp>,
    ) -> Result<(), StoreError>;

    /// The piece one of Docket's own Message-IDs was about, and the address that mail went to.
    async fn outbound_message(
        &self,
        message_id: &str,
    ) -> Result<Option<(Option<SubmissionId>, String)>, StoreError>;

    /// How many mails made by `template` were queued for `to` since `since`.
    async fn mail_count_since(
        &self,
        to: &str,
        template: &str,
        since: Timestamp,
    ) -> Result<i64, StoreError>;

    /// The newest mail concerning a call, newest first.
    async fn call_outbox(&self, call_id: CallId, limit: i64)
    -> Result<Vec<OutboxMail>, StoreError>;

    /// Puts a failed mail back in the queue to be tried again now.
    async fn retry_mail(
        &self,
        id: i64,
        call_id: CallId,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<bool, StoreError>;

    /// Queues a mail unless one with its idempotency key is already queued; `Ok(false)`: it was.
    /// Jobs derive the key from what they are doing, so a job run twice queues once.
    async fn enqueue_mail_once(&self, mail: NewMail, now: Timestamp) -> Result<bool, StoreError>;
}

/// Mail that came in: recorded once per Message-ID, held, filed or left for triage.
#[async_trait]
pub trait Inbound: Send + Sync {
    /// Records an inbound message that becomes nothing more (ignored, or kept for triage), with an
    /// optional answer to the sender, in one transaction. `Ok(false)`: already recorded.
    async fn record_inbound(
        &self,
        message: &NewInbound,
        answer: Option<NewMail>,
    ) -> Result<bool, StoreError>;

    /// Records a message held for its sender's confirmation, with the token and the mail that ask
    /// them (when one may be sent: at most one a day), in one transaction. Returns the record's
    /// id; `Ok(None)`: already recorded.
    async fn hold_inbound(
        &self,
        message: &NewInbound,
        confirmation: Option<(NewToken, NewMail)>,
    ) -> Result<Option<i64>, StoreError>;

    /// Attaches an inbound reply to its piece as correspondence, and when it carries a new
    /// version, stores that as the next revision with a receipt. `Ok(false)`: already recorded.
    async fn ingest_reply(&self, reply: IngestReply, now: Timestamp) -> Result<bool, StoreError>;

    /// How many messages `sender` sent since `since`.
    async fn inbound_count_since(&self, sender: &str, since: Timestamp) -> Result<i64, StoreError>;

    /// The newest inbound messages, newest first.
    async fn inbound(&self, limit: i64) -> Result<Vec<InboundRecord>, StoreError>;

    /// The newest inbound messages read for a call or about its pieces, newest first; with `None`,
    /// those Docket could tie to no call (for site administrators).
    async fn call_inbound(
        &self,
        call_id: Option<CallId>,
        limit: i64,
    ) -> Result<Vec<InboundRecord>, StoreError>;

    /// One of [`Store::call_inbound`]'s messages with its original bytes.
    async fn call_inbound_message(
        &self,
        call_id: Option<CallId>,
        id: i64,
    ) -> Result<Option<(InboundRecord, Vec<u8>)>, StoreError>;

    /// One inbound message with its original bytes, whatever it became.
    async fn inbound_message(
        &self,
        id: i64,
    ) -> Result<Option<(InboundRecord, Vec<u8>)>, StoreError>;

    /// The messages from `sender` held for their confirmation, oldest first.
    async fn held_messages(&self, sender: &str) -> Result<Vec<InboundRecord>, StoreError>;

    /// Keeps the held messages `ids` of `sender` for triage with `reason` (the sender said they
    /// did not send them, or never confirmed them). Returns how many changed.
    async fn unhold_messages(
        &self,
        sender: &str,
        ids: &[i64],
        reason: &str,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<u64, StoreError>;

    /// Every message held since before `before`, for triage: its sender did not confirm it in time.
    async fn expire_held(&self, before: Timestamp, now: Timestamp) -> Result<u64, StoreError>;
}

/// Pieces, their revisions, co-authors and files.
#[async_trait]
pub trait Submissions: Send + Sync {
    /// Stores an uploaded file.
    async fn add_asset(&self, asset: NewAsset, now: Timestamp) -> Result<i64, StoreError>;

    /// A stored file.
    async fn asset(&self, id: i64) -> Result<Option<Asset>, StoreError>;

    /// Starts a draft piece for `call_id` owned by `owner`.
    async fn create_draft(
        &self,
        call_id: CallId,
        owner: &User,
        piece: &Piece,
        now: Timestamp,
    ) -> Result<SubmissionId, StoreError>;

    /// The piece with this id, with its co-authors.
    async fn submission(&self, id: SubmissionId) -> Result<Option<SubmissionRecord>, StoreError>;

    /// The pieces account `owner_id` owns, and those shared with the address `member`, latest
    /// change first.
    async fn submissions_for(
        &self,
        owner_id: UserId,
        member: Option<&str>,
    ) -> Result<Vec<SubmissionRecord>, StoreError>;

    /// Replaces the working copy of a piece, changed by account `by`, while it can change.
    async fn save_draft(
        &self,
        id: SubmissionId,
        by: UserId,
        piece: &Piece,
        now: Timestamp,
    ) -> Result<(), StoreError>;

    /// Freezes `piece` as the next revision, moves the piece to Submitted, sets the late flag,
    /// and queues `receipt`, all in one transaction; the audit event keeps the judge's
    /// `findings` (their codes). Returns the revision's number.
    #[allow(clippy::too_many_arguments)]
    async fn submit_revision(
        &self,
        id: SubmissionId,
        by: UserId,
        piece: &Piece,
        late: bool,
        findings: &[&str],
        receipt: NewMail,
        now: Timestamp,
    ) -> Result<i64, StoreError>;

    /// Every revision of a piece, oldest first.
    async fn revisions(&self, id: SubmissionId) -> Result<Vec<Revision>, StoreError>;

    /// Moves a piece to `state` (the caller has checked the transition), with an audit event,
    /// and queues `mail` (telling the contributor) in the same transaction.
    async fn set_state(
        &self,
        id: SubmissionId,
        by: UserId,
        from: SubmissionState,
        to: SubmissionState,
        mail: Option<NewMail>,
        now: Timestamp,
    ) -> Result<(), StoreError>;

    /// How many co-authors `owner_id` invited, on any piece, since `since`.
    async fn invitations_since(
        &self,
        owner_id: UserId,
        since: Timestamp,
    ) -> Result<i64, StoreError>;

    /// Lets `email` see and edit the piece, and queues the invitation.
    async fn invite_coauthor(
        &self,
        id: SubmissionId,
        by: UserId,
        email: &str,
        mail: NewMail,
        now: Timestamp,
    ) -> Result<(), StoreError>;

    /// The pieces of a call that are still drafts (never submitted).
    async fn drafts_of_call(&self, call_id: CallId) -> Result<Vec<SubmissionRecord>, StoreError>;

    /// Every piece of a call, drafts included, oldest first: for its staff's overview.
    async fn call_submissions(&self, call_id: CallId) -> Result<Vec<SubmissionRecord>, StoreError>;

    /// The piece whose reply address carries this id and token.
    async fn submission_by_reply_token(
        &self,
        id: SubmissionId,
        token: &str,
    ) -> Result<Option<SubmissionId>, StoreError>;
}

/// A call's staff and wording, and the site's administrators.
#[async_trait]
pub trait Staff: Send + Sync {
    /// Adds `email` to a call's staff, or changes their role.
    async fn add_staff(
        &self,
        call_id: CallId,
        email: &str,
        role: StaffRole,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<(), StoreError>;

    /// Takes `email` off a call's staff. `Ok(false)`: they were not on it.
    async fn remove_staff(
        &self,
        call_id: CallId,
        email: &str,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<bool, StoreError>;

    /// A call's staff, by address.
    async fn staff(&self, call_id: CallId) -> Result<Vec<StaffMember>, StoreError>;

    /// The calls `email` is on the staff of, with the role, newest week first.
    async fn staffed_calls(&self, email: &str) -> Result<Vec<(StoredCall, StaffRole)>, StoreError>;

    /// A call's own wordings of its emails.
    async fn mail_templates(&self, call_id: CallId) -> Result<Vec<StoredTemplate>, StoreError>;

    /// Stores a call's wording of the `kind` email, or with `None` goes back to Docket's default.
    async fn save_mail_template(
        &self,
        call_id: CallId,
        kind: &str,
        template: Option<&TemplateText>,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<(), StoreError>;

    /// Makes `email` a site administrator.
    async fn add_admin(&self, email: &str, actor: &Actor, now: Timestamp)
    -> Result<(), StoreError>;

    /// Takes `email` off the site administrators. `Ok(false)`: they were not one.
    async fn remove_admin(
        &self,
        email: &str,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<bool, StoreError>;

    /// The site administrators, by address.
    async fn admins(&self) -> Result<Vec<(String, Timestamp)>, StoreError>;
}

/// Durable background work, leased like the outbox.
#[async_trait]
pub trait Jobs: Send + Sync {
    /// Takes up to `limit` jobs that are due for `worker` until `lease_until`.
    async fn lease_jobs(
        &self,
        worker: &str,
        now: Timestamp,
        lease_until: Timestamp,
        limit: i64,
    ) -> Result<Vec<Job>, StoreError>;

    /// Records that a leased job is done, with what it did, and an audit event.
    async fn finish_job(
        &self,
        id: i64,
        worker: &str,
        outcome: &str,
        now: Timestamp,
    ) -> Result<(), StoreError>;

    /// Records a failed run: tried again at `retry_at`, or marked failed when `None`.
    async fn fail_job(
        &self,
        id: i64,
        worker: &str,
        error: &str,
        retry_at: Option<Timestamp>,
    ) -> Result<(), StoreError>;

    /// The jobs of a call, soonest first.
    async fn call_jobs(&self, call_id: CallId) -> Result<Vec<Job>, StoreError>;
}

/// The site's own secrets and settings.
#[async_trait]
pub trait Site: Send + Sync {
    /// The deployment's secret called `name`: 32 random bytes made the first time any node asks,
    /// the same for every node after that.
    async fn site_secret(&self, name: &str, now: Timestamp) -> Result<Vec<u8>, StoreError>;

    /// A site-wide setting or mark.
    async fn site_setting(&self, name: &str) -> Result<Option<String>, StoreError>;

    /// Sets a site-wide setting or mark.
    async fn set_site_setting(&self, name: &str, value: &str) -> Result<(), StoreError>;

    /// True when the database holds any call or account (a database in use).
    async fn holds_data(&self) -> Result<bool, StoreError>;

    /// Counts one attempt under `key_hash` at `now` and answers how many it made since `since`,
    /// this one included: a rate limit every node shares. Attempts older than `forget_before`
    /// are deleted on the way.
    async fn count_attempt(
        &self,
        key_hash: &str,
        since: Timestamp,
        forget_before: Timestamp,
        now: Timestamp,
    ) -> Result<i64, StoreError>;
}

/// The storage contract both backends fulfil, the sum of the resource traits; one test suite
/// runs against both.
#[async_trait]
pub trait Store:
    Calls
    + Accounts
    + Outbox
    + Inbound
    + Submissions
    + Staff
    + Jobs
    + Site
    + Pledges
    + People
    + Editorial
    + Reviews
    + Announcements
    + Publication
    + Send
    + Sync
    + fmt::Debug
{
    /// Opens a unit of work: the use case takes its small steps in it and commits them
    /// together, or drops it and nothing happened.
    async fn begin(&self) -> Result<Box<dyn Work>, StoreError>;

    /// Which backend this is.
    fn backend(&self) -> Backend;

    /// Brings the schema up to date. Safe to run on every start, from several nodes at once.
    async fn migrate(&self) -> Result<(), StoreError>;

    /// Checks that the database answers (for `/healthz`).
    async fn ping(&self) -> Result<(), StoreError>;

    /// Closes the pool, waiting for connections to finish.
    async fn close(&self);
}

/// Opens the store a URL names: `sqlite://PATH` (created if missing), `sqlite::memory:`, or
/// `postgres://…` / `postgresql://…`. Does not migrate.
pub async fn connect(url: &str) -> Result<Arc<dyn Store>, StoreError> {
    if url.starts_with("sqlite:") {
        Ok(Arc::new(sqlite::connect(url).await?))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(postgres::connect(url).await?))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_job_from_before_payloads_is_read_from_its_kind_and_call() {
        let at: Timestamp = "2022-11-02T12:00:00Z".parse().expect("a valid literal");
        let mut job = Job {
            id: 1,
            kind: "remind_drafts".into(),
            key: "remind_drafts:3:1667390400000000".into(),
            call_id: Some(CallId(3)),
            run_at: at,
            status: JobStatus::Queued,
            attempts: 0,
            last_error: None,
            outcome: None,
            payload: None,
        };
        assert_eq!(
            job.spec(),
            Some(JobSpec::RemindDrafts {
                call_id: CallId(3),
                at
            })
        );
        job.kind = "publish_day".into();
        assert_eq!(job.spec(), None, "a kind this Docket does not know");
        job.payload = Some(serde_json::json!({ "kind": "publish_day", "day": "2022-11-14" }));
        assert_eq!(job.spec(), None);
    }

    #[test]
    fn passwords_never_reach_the_logs() {
        assert_eq!(
            redact_url("postgres://docket:s3cret@db.internal:5432/docket"),
            "postgres://docket:***@db.internal:5432/docket"
        );
        assert_eq!(redact_url("sqlite://docket.db"), "sqlite://docket.db");
    }
}
