//! What an email is, apart from how it is written or sent: the content of one outgoing mail,
//! and a call's own wording of one of Docket's emails.

use jiff::Timestamp;

/// A mail to queue in the outbox.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct NewMail {
    /// Stable for the row, so a resend carries the same Message-ID.
    pub message_id: String,
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// Which template made it (`confirm_email`, `receipt`, …).
    pub template: String,
    pub submission_id: Option<crate::SubmissionId>,
    /// The call it concerns: its organisers see it on the call's outbox page.
    pub call_id: Option<crate::CallId>,
    /// Where replies go: a piece's own reply address, so that an answer finds its piece.
    pub reply_to: Option<String>,
    /// For mail that must be queued at most once (a reminder a job may run twice): a second mail
    /// with the same key is not queued. The Message-ID stays random.
    pub idempotency_key: Option<String>,
    /// For a mail its recipient may stop (announcements only): the one-click unsubscribe
    /// address, sent as `List-Unsubscribe` with `List-Unsubscribe-Post` (RFC 8058).
    #[serde(default)]
    pub list_unsubscribe: Option<String>,
}

/// The three parts of an email as a call words them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateText {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// A call's own wording of one email (`receipt`, `deadline_reminder`, …).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredTemplate {
    pub kind: String,
    pub template: TemplateText,
    pub updated_by: String,
    pub updated_at: Timestamp,
}
