//! Submissions: the state machine every piece moves through, the days a piece is offered for,
//! its authors, and the rules (limits, deadline) a piece is judged by before it is stored.

use std::collections::BTreeSet;
use std::fmt;

use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::call::{Call, CallPhase};

/// Where a submission stands. "Late" is a flag on the submission, not a state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubmissionState {
    Draft,
    Submitted,
    ChangesRequested,
    Accepted,
    Scheduled,
    Published,
    Rejected,
    Withdrawn,
}

/// What someone does to a submission.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    /// The contributor sends it (first time, or again after changes were requested).
    Submit,
    /// An editor asks for changes.
    RequestChanges,
    Accept,
    Reject,
    /// An editor places it on a day and time.
    Schedule,
    /// The publish job runs.
    Publish,
    /// The contributor takes it back (possible until a decision).
    Withdraw,
    /// An editor takes a rejection back: the piece is on offer again.
    Reconsider,
    /// An editor takes a scheduled piece off the board's timetable: accepted again, unplaced.
    Unschedule,
    /// An editor takes a published piece down: its address answers 410 Gone.
    Unpublish,
}

/// A transition the state machine does not allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a piece that is {from} cannot be {attempt}")]
pub struct NotAllowed {
    pub from: SubmissionState,
    pub attempt: &'static str,
}

impl SubmissionState {
    /// Every state, in the order of the happy path.
    pub const ALL: [SubmissionState; 8] = [
        SubmissionState::Draft,
        SubmissionState::Submitted,
        SubmissionState::ChangesRequested,
        SubmissionState::Accepted,
        SubmissionState::Scheduled,
        SubmissionState::Published,
        SubmissionState::Rejected,
        SubmissionState::Withdrawn,
    ];

    /// The state after `transition`, or why it is not allowed.
    pub fn apply(self, transition: Transition) -> Result<SubmissionState, NotAllowed> {
        use SubmissionState as S;
        use Transition as T;
        let next = match (self, transition) {
            (S::Draft | S::ChangesRequested, T::Submit) => S::Submitted,
            // A decision can be changed, always with a reason: an accepted piece can be sent back
            // for changes or turned down, a rejected one reconsidered.
            (S::Submitted | S::Accepted, T::RequestChanges) => S::ChangesRequested,
            (S::Submitted | S::ChangesRequested, T::Accept) => S::Accepted,
            (S::Submitted | S::ChangesRequested | S::Accepted, T::Reject) => S::Rejected,
            (S::Rejected, T::Reconsider) => S::Submitted,
            (S::Accepted | S::Scheduled, T::Schedule) => S::Scheduled,
            (S::Scheduled, T::Publish) => S::Published,
            (S::Scheduled, T::Unschedule) => S::Accepted,
            (S::Published, T::Unpublish) => S::Withdrawn,
            (S::Draft | S::Submitted | S::ChangesRequested, T::Withdraw) => S::Withdrawn,
            (from, transition) => {
                return Err(NotAllowed {
                    from,
                    attempt: transition.past_participle(),
                });
            }
        };
        Ok(next)
    }

    /// True while the contributor may still change the piece (a new revision each time).
    pub fn editable_by_contributor(self) -> bool {
        matches!(
            self,
            SubmissionState::Draft | SubmissionState::Submitted | SubmissionState::ChangesRequested
        )
    }

    /// True when the piece is on offer to the editors: sent in, and not turned down or withdrawn.
    pub fn on_offer(self) -> bool {
        matches!(
            self,
            SubmissionState::Submitted
                | SubmissionState::ChangesRequested
                | SubmissionState::Accepted
                | SubmissionState::Scheduled
                | SubmissionState::Published
        )
    }

    /// The word stored in the database and used in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            SubmissionState::Draft => "draft",
            SubmissionState::Submitted => "submitted",
            SubmissionState::ChangesRequested => "changes_requested",
            SubmissionState::Accepted => "accepted",
            SubmissionState::Scheduled => "scheduled",
            SubmissionState::Published => "published",
            SubmissionState::Rejected => "rejected",
            SubmissionState::Withdrawn => "withdrawn",
        }
    }

    /// Reads the stored word.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|state| state.as_str() == text)
    }

    /// For people: "Changes requested".
    pub fn label(self) -> &'static str {
        match self {
            SubmissionState::Draft => "Draft",
            SubmissionState::Submitted => "Submitted",
            SubmissionState::ChangesRequested => "Changes requested",
            SubmissionState::Accepted => "Accepted",
            SubmissionState::Scheduled => "Scheduled",
            SubmissionState::Published => "Published",
            SubmissionState::Rejected => "Not accepted",
            SubmissionState::Withdrawn => "Withdrawn",
        }
    }
}

impl fmt::Display for SubmissionState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label().to_lowercase())
    }
}

impl Transition {
    fn past_participle(self) -> &'static str {
        match self {
            Transition::Submit => "submitted",
            Transition::RequestChanges => "sent back for changes",
            Transition::Accept => "accepted",
            Transition::Reject => "rejected",
            Transition::Schedule => "scheduled",
            Transition::Publish => "published",
            Transition::Unschedule => "taken off the timetable",
            Transition::Unpublish => "taken down",
            Transition::Withdraw => "withdrawn",
            Transition::Reconsider => "reconsidered",
        }
    }
}

/// The days a piece is offered for: any day, or one or more themed days.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type", content = "dates")]
pub enum CandidateDays {
    AnyDay,
    Days(BTreeSet<Date>),
}

impl CandidateDays {
    /// Checks the chosen dates against the call: at least one, each a themed day.
    pub fn parse(call: &Call, any_day: bool, dates: &[String]) -> Result<Self, String> {
        if any_day {
            return Ok(CandidateDays::AnyDay);
        }
        if dates.is_empty() {
            return Err("Choose at least one day, or \u{201c}Any day\u{201d}".into());
        }
        let mut chosen = BTreeSet::new();
        for text in dates {
            let date: Date = text.parse().map_err(|_| {
                format!("\u{201c}{text}\u{201d} is not one of the call\u{2019}s days")
            })?;
            if call.day(date).is_none() {
                return Err(format!(
                    "{date} is not one of the call\u{2019}s themed days"
                ));
            }
            chosen.insert(date);
        }
        Ok(CandidateDays::Days(chosen))
    }

    /// "Monday 14 November: Tackling reoffending; Tuesday …" or "Any day".
    pub fn describe(&self, call: &Call) -> String {
        match self {
            CandidateDays::AnyDay => "Any day".into(),
            CandidateDays::Days(dates) => dates
                .iter()
                .map(|date| match call.day(*date) {
                    Some(day) => format!(
                        "{} ({})",
                        crate::prose_dates::long_date_with_weekday(*date),
                        day.theme
                    ),
                    None => crate::prose_dates::long_date_with_weekday(*date),
                })
                .collect::<Vec<_>>()
                .join("; "),
        }
    }

    /// True when `date` is among the candidates.
    pub fn includes(&self, date: Date) -> bool {
        match self {
            CandidateDays::AnyDay => true,
            CandidateDays::Days(dates) => dates.contains(&date),
        }
    }
}

/// One author of a piece, as shown with it when published.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Author {
    pub name: String,
    pub role: String,
    pub organisation: String,
    pub bio: String,
}

/// Whether a piece can be submitted or changed at some instant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Admission {
    /// Before the deadline (or inside the grace period).
    OnTime,
    /// After the deadline, but the call takes late pieces: stored and flagged late.
    Late,
    /// After the deadline and any grace: refused with this message.
    Closed(String),
}

/// Decides whether `call` takes a piece at `now`.
pub fn admission(call: &Call, now: Timestamp) -> Admission {
    match call.phase(now) {
        CallPhase::Open { .. } | CallPhase::Grace { .. } => Admission::OnTime,
        CallPhase::Closed { accept_late: true } => Admission::Late,
        CallPhase::Closed { accept_late: false } => {
            Admission::Closed(crate::judge::closed_sentence(call))
        }
    }
}

/// Reads a link to a piece kept elsewhere (a podcast episode): an absolute `http` or `https`
/// address with a host, no spaces, at most 2,000 characters. Anything else (`javascript:`,
/// `data:`, a bare word) is refused with a sentence saying what to enter.
pub fn parse_link(text: &str) -> Result<String, String> {
    const PROBLEM: &str = crate::judge::LINK_SENTENCE;
    let text = text.trim();
    let lower = text.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))
        .ok_or(PROBLEM)?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = host.rsplit('@').next().unwrap_or_default();
    let host_ok = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
    if text.chars().count() > 2000
        || text.chars().any(|c| c.is_whitespace() || c.is_control())
        || !host_ok
    {
        return Err(PROBLEM.to_owned());
    }
    Ok(text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::SubmissionState as S;
    use super::Transition as T;
    use super::*;

    #[test]
    fn only_web_links_are_taken_for_a_piece_kept_elsewhere() {
        for good in [
            "https://podcasts.example.org/ep12.mp3",
            "http://example.org",
            "HTTPS://Example.org/a?b=c#d",
        ] {
            assert_eq!(parse_link(good).as_deref(), Ok(good), "{good}");
        }
        for bad in [
            "javascript:alert(1)",
            "data:text/html,<script>",
            "ftp://example.org/ep.mp3",
            "https://",
            "https:///path",
            "https://exa mple.org",
            "https://example.org/\u{7}",
            "example.org/ep12.mp3",
            "https://<script>/",
        ] {
            assert!(parse_link(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn only_pieces_sent_in_and_not_turned_down_are_on_offer() {
        let on_offer: Vec<S> = S::ALL
            .into_iter()
            .filter(|state| state.on_offer())
            .collect();
        assert_eq!(
            on_offer,
            [
                S::Submitted,
                S::ChangesRequested,
                S::Accepted,
                S::Scheduled,
                S::Published
            ]
        );
    }

    #[test]
    fn every_transition_is_allowed_or_refused_as_designed() {
        let allowed = [
            (S::Draft, T::Submit, S::Submitted),
            (S::ChangesRequested, T::Submit, S::Submitted),
            (S::Submitted, T::RequestChanges, S::ChangesRequested),
            (S::Submitted, T::Accept, S::Accepted),
            (S::ChangesRequested, T::Accept, S::Accepted),
            (S::Submitted, T::Reject, S::Rejected),
            (S::ChangesRequested, T::Reject, S::Rejected),
            (S::Accepted, T::Schedule, S::Scheduled),
            (S::Scheduled, T::Schedule, S::Scheduled),
            (S::Scheduled, T::Publish, S::Published),
            (S::Draft, T::Withdraw, S::Withdrawn),
            (S::Submitted, T::Withdraw, S::Withdrawn),
            (S::ChangesRequested, T::Withdraw, S::Withdrawn),
            (S::Accepted, T::RequestChanges, S::ChangesRequested),
            (S::Accepted, T::Reject, S::Rejected),
            (S::Rejected, T::Reconsider, S::Submitted),
        ];
        let transitions = [
            T::Submit,
            T::RequestChanges,
            T::Accept,
            T::Reject,
            T::Schedule,
            T::Publish,
            T::Withdraw,
            T::Reconsider,
        ];
        for from in S::ALL {
            for transition in transitions {
                let expected = allowed
                    .iter()
                    .find(|(f, t, _)| *f == from && *t == transition)
                    .map(|(_, _, to)| *to);
                match (from.apply(transition), expected) {
                    (Ok(to), Some(expected)) => assert_eq!(to, expected, "{from:?} {transition:?}"),
                    (Err(_), None) => {}
                    (got, expected) => {
                        panic!("{from:?} {transition:?}: got {got:?}, expected {expected:?}")
                    }
                }
            }
        }
    }

    #[test]
    fn nothing_leaves_a_final_state() {
        for from in [S::Published, S::Rejected, S::Withdrawn] {
            for transition in [
                T::Submit,
                T::Withdraw,
                T::Accept,
                T::Schedule,
                T::RequestChanges,
            ] {
                assert!(from.apply(transition).is_err());
            }
        }
        assert_eq!(
            S::Accepted.apply(T::Withdraw).unwrap_err().to_string(),
            "a piece that is accepted cannot be withdrawn"
        );
    }

    #[test]
    fn states_round_trip_through_their_stored_word() {
        for state in S::ALL {
            assert_eq!(S::parse(state.as_str()), Some(state));
        }
        assert_eq!(S::parse("nonsense"), None);
    }

    #[test]
    fn the_deadline_is_enforced_in_uk_time_across_the_clock_change() {
        let seed = include_str!("../../../calls/digital-justice-week-2022.toml");
        let mut call = crate::call_file::check(seed)
            .call
            .expect("the seed call reads");
        // Midday on Sunday 30 October 2022, the day the clocks went back at 02:00 BST: GMT by midday.
        call.deadline.date = jiff::civil::date(2022, 10, 30);
        let at = |text: &str| text.parse::<Timestamp>().expect("a valid literal");
        assert_eq!(
            admission(&call, at("2022-10-30T11:59:59Z")),
            Admission::OnTime
        );
        assert!(
            matches!(admission(&call, at("2022-10-30T12:00:00Z")), Admission::Closed(ref m) if m.contains("12:00 GMT on Sunday 30 October 2022"))
        );
        // Midday on Saturday 29 October 2022, still summer time: 11:00 UTC.
        call.deadline.date = jiff::civil::date(2022, 10, 29);
        assert_eq!(
            admission(&call, at("2022-10-29T10:59:59Z")),
            Admission::OnTime
        );
        assert!(
            matches!(admission(&call, at("2022-10-29T11:00:00Z")), Admission::Closed(ref m) if m.contains("12:00 BST on Saturday 29 October 2022"))
        );
        // With a grace period, on time until it ends; with late pieces accepted, late after that.
        call.deadline.grace_minutes = 30;
        call.deadline.accept_late = true;
        assert_eq!(
            admission(&call, at("2022-10-29T11:29:59Z")),
            Admission::OnTime
        );
        assert_eq!(
            admission(&call, at("2022-10-29T11:30:00Z")),
            Admission::Late
        );
    }
}

/// A stored file attached to a piece, as the piece refers to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssetRef {
    pub id: i64,
    /// The name shown to people (from the upload, cleaned); never used as a path.
    pub name: String,
    /// The sniffed type's MIME name.
    pub mime: String,
    pub size: u64,
}

/// The content of a piece: what a draft holds and what each revision freezes.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Piece {
    pub kind: String,
    pub days: Option<CandidateDays>,
    pub title: String,
    pub summary: String,
    /// Markdown: pasted, or extracted from an uploaded document.
    pub body: String,
    pub authors: Vec<Author>,
    /// The uploaded document or audio the piece is (or was extracted from).
    pub document: Option<AssetRef>,
    pub headshot: Option<AssetRef>,
    /// A podcast's link, when it is not uploaded.
    pub link: Option<String>,
    /// Measures taken when the piece was saved.
    pub words: Option<u64>,
    pub pages: Option<u32>,
    pub minutes: Option<f64>,
}
