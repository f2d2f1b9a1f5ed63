//! Editors' decisions: what they may decide on a piece, the mail the author will get (written
//! by the editor, in the call's wording of the decision letter), and recording the decision in
//! its undo window. The job runner applies it once the window ends
//! ([`docket_store::Editorial::apply_due_decisions`]).

use docket_core::Call;
use docket_core::prose_dates::long_date_with_weekday;
use docket_core::submission::{CandidateDays, SubmissionState};
use docket_mail::Mailer;
use docket_store::{
    DecisionAction, NewDecision, NewMail, Store, StoreError, StoredCall, SubmissionRecord, User,
};
use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp};

/// What an editor typed.
#[derive(Debug, Clone, Default)]
pub struct DecisionInput {
    pub action: Option<DecisionAction>,
    /// For an acceptance: the day.
    pub day: Option<Date>,
    /// For a request for changes: until when the author may change the piece.
    pub open_until: Option<Date>,
    /// Why a decision already taken is changed (staff only).
    pub reason: String,
    /// The editor's words to the author.
    pub note: String,
}

/// A problem with what was typed: the form field and one sentence saying what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub field: &'static str,
    pub message: String,
}

fn problem(field: &'static str, message: impl Into<String>) -> Problem {
    Problem {
        field,
        message: message.into(),
    }
}

/// A decision checked against the piece and the call, ready to preview and record.
#[derive(Debug, Clone)]
pub struct Checked {
    pub action: DecisionAction,
    pub from: SubmissionState,
    pub to: SubmissionState,
    pub day: Option<Date>,
    /// The end of the open-until day, in the call's zone.
    pub open_until: Option<Timestamp>,
    pub reason: String,
    pub note: String,
    /// "accepted for Tuesday 15 November 2022".
    pub decision: String,
}

/// Checks a decision on `record`: the state machine allows it; an acceptance names one of the
/// call's days (another than the ones offered needs a note saying why); a request for changes
/// may hold the piece open until a later date; a changed decision says why; the author gets a
/// note, except when a rejection is reconsidered.
pub fn check(
    call: &Call,
    record: &SubmissionRecord,
    input: &DecisionInput,
    now: Timestamp,
) -> Result<Checked, Vec<Problem>> {
    let mut problems = Vec::new();
    let Some(action) = input.action else {
        return Err(vec![problem(
            "action",
            "Choose a decision: accept, request changes or reject",
        )]);
    };
    let from = record.state;
    let to = match from.apply(action.transition()) {
        Ok(to) => to,
        Err(error) => {
            return Err(vec![problem(
                "action",
                format!("This piece cannot be decided that way: {error}"),
            )]);
        }
    };
    let changing = matches!(from, SubmissionState::Accepted | SubmissionState::Rejected);
    if changing && input.reason.trim().is_empty() {
        problems.push(problem(
            "reason",
            "Say why the decision changes: it is kept in the piece's history for the staff",
        ));
    }
    let note = input.note.trim().to_owned();
    if note.is_empty() && action != DecisionAction::Reconsider {
        problems.push(problem(
            "note",
            "Write a note to the author: it is the heart of the email they get",
        ));
    }
    if note.chars().count() > 5000 {
        problems.push(problem(
            "note",
            "Shorten the note to 5,000 characters or fewer",
        ));
    }
    let mut day = None;
    if action == DecisionAction::Accept {
        match input.day {
            None => problems.push(problem("day", "Choose the day the piece is accepted for")),
            Some(date) if call.day(date).is_none() => {
                problems.push(problem("day", "Choose one of the call's themed days"))
            }
            Some(date) => {
                let offered = match record.days() {
                    Some(CandidateDays::Days(days)) => days.contains(&date),
                    _ => true,
                };
                if !offered && note.is_empty() {
                    problems.push(problem(
                        "note",
                        "The author did not offer the piece for this day: say why in the note",
                    ));
                }
                day = Some(date);
            }
        }
    }
    let mut open_until = None;
    if action == DecisionAction::RequestChanges
        && let Some(date) = input.open_until
    {
        let end = date
            .tomorrow()
            .ok()
            .and_then(|next| next.to_zoned(call.time_zone.zone().clone()).ok())
            .map(|zoned| zoned.timestamp());
        match end {
            Some(end) if end > now => open_until = Some(end),
            _ => problems.push(problem(
                "open_until",
                "Choose a date from today on, or leave it empty to keep the call's deadline",
            )),
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let decision = match action {
        DecisionAction::Accept => format!(
            "accepted for {}",
            day.map(long_date_with_weekday).unwrap_or_default()
        ),
        DecisionAction::RequestChanges => "sent back to you for changes".to_owned(),
        DecisionAction::Reject => "not accepted".to_owned(),
        DecisionAction::Reconsider => "being considered again".to_owned(),
    };
    Ok(Checked {
        action,
        from,
        to,
        day,
        open_until,
        reason: input.reason.trim().to_owned(),
        note,
        decision,
    })
}

/// "17:00 GMT on Friday 11 November 2022": the end of an open-until day, as the author reads it.
fn open_until_text(call: &Call, until: Option<Timestamp>) -> String {
    until
        .map(|until| {
            // The last minute of the day, not midnight of the next.
            let last = until - SignedDuration::from_secs(60);
            call.local(last)
                .strftime("%H:%M %Z on %A %-d %B %Y")
                .to_string()
        })
        .unwrap_or_default()
}

/// The email the author will get, as the call words it.
pub async fn mail(
    store: &dyn Store,
    mailer: &Mailer,
    stored: &StoredCall,
    record: &SubmissionRecord,
    checked: &Checked,
) -> Result<NewMail, StoreError> {
    let head = crate::letterhead(store, mailer, stored.id, &stored.call).await?;
    let facts = crate::mail::facts_of(
        mailer,
        &stored.call,
        record,
        &format!("/submissions/{}", record.id),
    );
    Ok(mailer.decision(
        &head,
        &record.owner_email,
        record.id,
        &record.reply_token,
        &facts,
        &checked.decision,
        checked.to,
        &checked.note,
        &open_until_text(&stored.call, checked.open_until),
    ))
}

/// Records a checked decision by `editor`: it reaches the author `undo` from now, unless undone.
#[allow(clippy::too_many_arguments)]
pub async fn decide(
    store: &dyn Store,
    mailer: &Mailer,
    stored: &StoredCall,
    record: &SubmissionRecord,
    checked: &Checked,
    editor: &User,
    undo: SignedDuration,
    now: Timestamp,
) -> Result<i64, StoreError> {
    let mail = mail(store, mailer, stored, record, checked).await?;
    let effective_at = now.checked_add(undo).unwrap_or(now);
    store
        .decide(
            &NewDecision {
                submission_id: record.id,
                action: checked.action,
                from: checked.from,
                to: checked.to,
                day: checked.day,
                open_until: checked.open_until,
                reason: checked.reason.clone(),
                note: checked.note.clone(),
                mail: Some(mail),
                decided_by: editor.id,
                effective_at,
            },
            now,
        )
        .await
}

/// Why a piece cannot be scheduled yet, if it cannot: an editor's copy-edit waits for its
/// author's approval (or an editor's override, with a reason).
pub async fn schedule_blocker(
    store: &dyn Store,
    id: docket_core::SubmissionId,
) -> Result<Option<String>, StoreError> {
    Ok(match store.copy_edit_state(id).await?.as_str() {
        "awaiting_author" => Some(
            "The author has not approved the copy-edit yet: wait for them, or override with a reason"
                .to_owned(),
        ),
        "answered" => Some(
            "The author answered the copy-edit with their own version: read it, then copy-edit again or override with a reason"
                .to_owned(),
        ),
        _ => None,
    })
}
