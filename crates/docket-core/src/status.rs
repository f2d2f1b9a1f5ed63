//! Where a mail, a job or an incoming message stands. Each is stored as its `as_str` text and
//! read back with `parse`, as [`SubmissionState`](crate::submission::SubmissionState) is, so a
//! misspelt status is a compile error rather than a row nobody matches.

use std::fmt;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::CallId;

/// A mail in the outbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MailStatus {
    /// Waiting to be sent (again, after a failed try).
    Queued,
    /// Leased by a worker that is sending it.
    Sending,
    Sent,
    /// Given up after the last try, or refused for good by the server.
    Failed,
}

impl MailStatus {
    pub const ALL: [MailStatus; 4] = [
        MailStatus::Queued,
        MailStatus::Sending,
        MailStatus::Sent,
        MailStatus::Failed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MailStatus::Queued => "queued",
            MailStatus::Sending => "sending",
            MailStatus::Sent => "sent",
            MailStatus::Failed => "failed",
        }
    }

    /// For people: "Queued".
    pub fn label(self) -> &'static str {
        match self {
            MailStatus::Queued => "Queued",
            MailStatus::Sending => "Sending",
            MailStatus::Sent => "Sent",
            MailStatus::Failed => "Failed",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|status| status.as_str() == text)
    }
}

/// A job in the queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JobStatus {
    Queued,
    /// Leased by a runner.
    Running,
    Done,
    Failed,
    /// Replaced before it ran (a moved deadline schedules a new reminder).
    Cancelled,
}

impl JobStatus {
    pub const ALL: [JobStatus; 5] = [
        JobStatus::Queued,
        JobStatus::Running,
        JobStatus::Done,
        JobStatus::Failed,
        JobStatus::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Queued => "queued",
            JobStatus::Running => "running",
            JobStatus::Done => "done",
            JobStatus::Failed => "failed",
            JobStatus::Cancelled => "cancelled",
        }
    }

    /// For people: "Waiting".
    pub fn label(self) -> &'static str {
        match self {
            JobStatus::Queued => "Waiting",
            JobStatus::Running => "Running",
            JobStatus::Done => "Done",
            JobStatus::Failed => "Failed",
            JobStatus::Cancelled => "Cancelled",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|status| status.as_str() == text)
    }
}

/// What a job does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JobKind {
    /// Remind the contributors who still hold drafts of a call that its deadline is near.
    RemindDrafts,
    /// Make a scheduled piece public at its placed time.
    Publish,
}

impl JobKind {
    pub const ALL: [JobKind; 2] = [JobKind::RemindDrafts, JobKind::Publish];

    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::RemindDrafts => "remind_drafts",
            JobKind::Publish => "publish",
        }
    }

    /// For people: what a job of this kind does.
    pub fn describe(self) -> &'static str {
        match self {
            JobKind::RemindDrafts => "Deadline reminder to everyone who still holds a draft",
            JobKind::Publish => "A scheduled piece goes live",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == text)
    }
}

/// A job to run: its kind and what it needs, stored as the job's payload (in the manner of
/// crates.io's background jobs), so that the runner reads a typed value, not columns it must
/// know the meaning of.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum JobSpec {
    /// Remind the contributors who still hold drafts of `call_id`, at `at`.
    RemindDrafts { call_id: CallId, at: Timestamp },
    /// Publish the scheduled piece `submission_id` of `call_id` at `at`.
    Publish {
        call_id: CallId,
        submission_id: crate::SubmissionId,
        at: Timestamp,
    },
}

impl JobSpec {
    pub fn kind(&self) -> JobKind {
        match self {
            JobSpec::RemindDrafts { .. } => JobKind::RemindDrafts,
            JobSpec::Publish { .. } => JobKind::Publish,
        }
    }

    /// When it is due.
    pub fn run_at(&self) -> Timestamp {
        match self {
            JobSpec::RemindDrafts { at, .. } | JobSpec::Publish { at, .. } => *at,
        }
    }

    /// The call it concerns, if any: its staff see it in the console.
    pub fn call_id(&self) -> Option<CallId> {
        match self {
            JobSpec::RemindDrafts { call_id, .. } | JobSpec::Publish { call_id, .. } => {
                Some(*call_id)
            }
        }
    }

    /// Unique per job: scheduling the same job twice makes one. It holds the instant, so a
    /// moved deadline makes a new reminder.
    pub fn key(&self) -> String {
        match self {
            JobSpec::RemindDrafts { call_id, at } => {
                format!("{}:{call_id}:{}", self.kind().as_str(), at.as_microsecond())
            }
            JobSpec::Publish {
                submission_id, at, ..
            } => format!(
                "{}:{submission_id}:{}",
                self.kind().as_str(),
                at.as_microsecond()
            ),
        }
    }
}

/// What became of an incoming message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InboundOutcome {
    /// Recorded and not answered: automatic mail, a list, a bounce, a sender over the limit.
    Ignored,
    /// Kept for the organisers to place.
    Triage,
    /// From an existing account's address, waiting for its owner to confirm it.
    Held,
    /// Filed as a new piece.
    Submission,
    /// Correspondence on a piece, with a new version when it carried one.
    Reply,
    /// A pledge: the sender says which day they will write for.
    Pledge,
    /// Kept for triage, then answered by an editor with a note.
    Answered,
    /// Kept for triage, then set aside by an editor.
    Dismissed,
}

impl InboundOutcome {
    pub const ALL: [InboundOutcome; 8] = [
        InboundOutcome::Ignored,
        InboundOutcome::Triage,
        InboundOutcome::Held,
        InboundOutcome::Submission,
        InboundOutcome::Reply,
        InboundOutcome::Pledge,
        InboundOutcome::Answered,
        InboundOutcome::Dismissed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            InboundOutcome::Ignored => "ignored",
            InboundOutcome::Triage => "triage",
            InboundOutcome::Held => "held",
            InboundOutcome::Submission => "submission",
            InboundOutcome::Reply => "reply",
            InboundOutcome::Pledge => "pledge",
            InboundOutcome::Answered => "answered",
            InboundOutcome::Dismissed => "dismissed",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|outcome| outcome.as_str() == text)
    }
}

// Each shows as its stored text, padded as a string is, so that a status fills a column in
// `docket mail outbox` or `docket jobs list` and reads the same in pages and logs.
impl fmt::Display for MailStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl fmt::Display for JobStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl fmt::Display for JobKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl fmt::Display for InboundOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_reads_back_what_it_stores_and_nothing_else() {
        for status in MailStatus::ALL {
            assert_eq!(MailStatus::parse(status.as_str()), Some(status));
        }
        for status in JobStatus::ALL {
            assert_eq!(JobStatus::parse(status.as_str()), Some(status));
        }
        for kind in JobKind::ALL {
            assert_eq!(JobKind::parse(kind.as_str()), Some(kind));
        }
        for outcome in InboundOutcome::ALL {
            assert_eq!(InboundOutcome::parse(outcome.as_str()), Some(outcome));
        }
        assert_eq!(MailStatus::parse("Sent"), None);
        assert_eq!(JobStatus::parse(""), None);
        assert_eq!(format!("{:<8}|", MailStatus::Sent), "sent    |");
    }

    #[test]
    fn a_job_s_payload_reads_back_as_the_same_job() {
        let spec = JobSpec::RemindDrafts {
            call_id: CallId(3),
            at: "2022-11-02T12:00:00Z".parse().expect("a valid literal"),
        };
        let stored = serde_json::to_value(&spec).expect("a job spec serialises");
        assert_eq!(stored["kind"], "remind_drafts");
        assert_eq!(
            serde_json::from_value::<JobSpec>(stored).expect("a stored job spec reads back"),
            spec
        );
        assert_eq!(spec.key(), "remind_drafts:3:1667390400000000");
    }
}
