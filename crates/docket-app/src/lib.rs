//! Docket's use cases, called by every adapter: the web (`docket-web`), mail coming in (IMAP
//! or standard input) and the command line. An adapter turns its input into core types and
//! calls in here; the rules, the store's units of work and the mail a step owes someone live
//! here once, whichever way the step was asked for.
//!
//! The dependencies point one way: adapters → `docket-app` → `docket-store` (persistence),
//! `docket-mail` (letters, MIME, SMTP and IMAP clients) and `docket-core` (domain rules, no
//! I/O). The web never imports the mail crate: what it shows of mail (the console's previews,
//! a piece's length in words) it gets from [`mail`].

pub mod editorial;
pub mod ingest;
pub mod intake;
pub mod jobs;
pub mod outbox;
pub mod people;
pub mod pieces;
pub mod pledges;
pub mod policy;
pub mod reviews;
pub mod two_factor;
pub mod week;

use docket_core::Call;
use docket_store::{Store, StoreError};

/// What adapters use of Docket's letters: the wording, the letterhead and its previews.
pub mod mail {
    pub use docket_mail::auth;
    pub use docket_mail::letters::PledgeFacts;
    pub use docket_mail::letters::{self, Letter, Part, TemplateProblem};
    pub use docket_mail::{CallFacts, Letterhead, Mailer, PieceFacts, measure, state_explanation};

    /// What a letter says of a stored piece as it stands (its working copy, revision count and
    /// late flag), linking to `path` on Docket.
    pub fn facts_of(
        mailer: &Mailer,
        call: &docket_core::Call,
        record: &docket_store::SubmissionRecord,
        path: &str,
    ) -> PieceFacts {
        mailer.piece_facts(
            call,
            &record.draft,
            path,
            record.revision_count,
            record.late,
            Vec::new(),
        )
    }
}

/// The letterhead for mail about `call` (stored with `call_id`): its facts and its own
/// wordings. Takes the call the caller already holds, so only the wordings are read.
pub async fn letterhead(
    store: &dyn Store,
    mailer: &docket_mail::Mailer,
    call_id: docket_core::CallId,
    call: &Call,
) -> Result<docket_mail::Letterhead, StoreError> {
    let templates = store.mail_templates(call_id).await?;
    Ok(docket_mail::Letterhead::for_call(
        mailer.call_facts(call_id, call),
        templates,
    ))
}
