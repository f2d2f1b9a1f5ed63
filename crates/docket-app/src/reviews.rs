//! Reviews: conflicts of interest, assignments balanced across a call's reviewers, and what a
//! reviewer may see of a piece. A reviewer is never assigned, nor shown, a piece they declared a
//! conflict with: every list a reviewer reads goes through [`for_reviewer`].

use docket_core::submission::SubmissionState;
use docket_store::{
    Actor, Conflict, StaffRole, Store, StoreError, StoredCall, SubmissionId, SubmissionRecord,
};
use jiff::Timestamp;

/// How many reviewers balancing gives each piece.
pub const REVIEWERS_PER_PIECE: usize = 2;

/// What stands in for a passage an editor hid from reviewers.
pub const HIDDEN: &str = "[a passage hidden from reviewers by the editors]";

fn normal(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// True when `conflicts` cover the piece: an author's organisation, or the address of its owner
/// or a co-author (exactly, or by `@domain`).
pub fn conflicted(record: &SubmissionRecord, conflicts: &[Conflict]) -> bool {
    let organisations: Vec<String> = record
        .draft
        .authors
        .iter()
        .map(|author| normal(&author.organisation))
        .filter(|organisation| !organisation.is_empty())
        .collect();
    let addresses: Vec<String> = std::iter::once(&record.owner_email)
        .chain(&record.coauthors)
        .map(|address| address.to_lowercase())
        .collect();
    conflicts.iter().any(|conflict| match conflict {
        Conflict::Organisation(name) => organisations.contains(&normal(name)),
        Conflict::Address(declared) => {
            let declared = declared.to_lowercase();
            addresses.iter().any(|address| {
                if declared.starts_with('@') {
                    address.ends_with(&declared)
                } else {
                    *address == declared
                }
            })
        }
    })
}

/// Reads what a reviewer declares: organisations and addresses, one a line. A line that is
/// neither an address nor `@domain` in the addresses box is refused with the reason.
pub fn read_conflicts(organisations: &str, addresses: &str) -> Result<Vec<Conflict>, String> {
    let mut conflicts = Vec::new();
    for line in organisations
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
    {
        if line.chars().count() > 200 {
            return Err(format!("“{line}” is too long for an organisation's name"));
        }
        conflicts.push(Conflict::Organisation(line.to_owned()));
    }
    for line in addresses.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let line = line.to_lowercase();
        let domain_ok = line.strip_prefix('@').is_some_and(|domain| {
            domain.contains('.') && !domain.contains('@') && !domain.contains(char::is_whitespace)
        });
        if !(domain_ok || docket_core::Email::parse(&line).is_ok()) {
            return Err(format!(
                "“{line}” is not an email address or a domain: write name@example.org, or @example.org for everyone there"
            ));
        }
        conflicts.push(Conflict::Address(line));
    }
    conflicts.sort();
    conflicts.dedup();
    Ok(conflicts)
}

/// The pieces assigned to `reviewer` on the call that they may see: never one they declared a
/// conflict with (declared after the assignment, say).
pub async fn for_reviewer(
    store: &dyn Store,
    stored: &StoredCall,
    reviewer: &str,
) -> Result<Vec<SubmissionRecord>, StoreError> {
    let conflicts = store.conflicts(stored.id, reviewer).await?;
    let mut pieces = Vec::new();
    for id in store.assigned_to(stored.id, reviewer).await? {
        if let Some(record) = store.submission(id).await?
            && record.state != SubmissionState::Draft
            && !conflicted(&record, &conflicts)
        {
            pieces.push(record);
        }
    }
    Ok(pieces)
}

/// The piece `id`, when it is on `reviewer`'s list and not in conflict.
pub async fn reviewable(
    store: &dyn Store,
    stored: &StoredCall,
    reviewer: &str,
    id: SubmissionId,
) -> Result<Option<SubmissionRecord>, StoreError> {
    // The same rules as the list, for this piece alone.
    if !store.reviewers_of(id).await?.iter().any(|r| r == reviewer) {
        return Ok(None);
    }
    let conflicts = store.conflicts(stored.id, reviewer).await?;
    Ok(store.submission(id).await?.filter(|record| {
        record.call_id == stored.id
            && record.state != SubmissionState::Draft
            && !conflicted(record, &conflicts)
    }))
}

/// Assigns `reviewer` to a piece, unless they declared a conflict with it. `Ok(false)`: in
/// conflict, or assigned already.
pub async fn assign(
    store: &dyn Store,
    stored: &StoredCall,
    record: &SubmissionRecord,
    reviewer: &str,
    actor: &Actor,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let conflicts = store.conflicts(stored.id, reviewer).await?;
    if conflicted(record, &conflicts) {
        return Ok(false);
    }
    store.assign_reviewer(record.id, reviewer, actor, now).await
}

/// Gives every piece waiting for a decision up to [`REVIEWERS_PER_PIECE`] reviewers, each time
/// the reviewer with the fewest pieces who has no conflict with it. Returns the reviewer of each
/// assignment made.
pub async fn balance(
    store: &dyn Store,
    stored: &StoredCall,
    actor: &Actor,
    now: Timestamp,
) -> Result<Vec<String>, StoreError> {
    let reviewers: Vec<String> = store
        .staff(stored.id)
        .await?
        .into_iter()
        .filter(|member| member.role == StaffRole::Reviewer)
        .map(|member| member.email)
        .collect();
    if reviewers.is_empty() {
        return Ok(Vec::new());
    }
    let mut load: Vec<(String, i64, Vec<Conflict>)> = Vec::new();
    let counts = store.assignment_counts(stored.id).await?;
    for reviewer in reviewers {
        let count = counts
            .iter()
            .find(|(email, _)| *email == reviewer)
            .map_or(0, |(_, count)| *count);
        let conflicts = store.conflicts(stored.id, &reviewer).await?;
        load.push((reviewer, count, conflicts));
    }
    let mut made = Vec::new();
    for record in store.call_submissions(stored.id).await? {
        if !matches!(
            record.state,
            SubmissionState::Submitted | SubmissionState::ChangesRequested
        ) {
            continue;
        }
        let mut have = store.reviewers_of(record.id).await?;
        while have.len() < REVIEWERS_PER_PIECE {
            let pick = load
                .iter_mut()
                .filter(|(email, _, conflicts)| {
                    !have.contains(email) && !conflicted(&record, conflicts)
                })
                .min_by(|a, b| a.1.cmp(&b.1).then_with(|| a.0.cmp(&b.0)));
            let Some((email, count, _)) = pick else {
                break;
            };
            if store.assign_reviewer(record.id, email, actor, now).await? {
                made.push(email.clone());
            }
            *count += 1;
            have.push(email.clone());
        }
    }
    Ok(made)
}

/// The text as a reviewer reads it: each passage the editors hid replaced.
pub fn hide_passages(text: &str, passages: &[String]) -> String {
    let mut text = text.to_owned();
    for passage in passages.iter().filter(|p| !p.trim().is_empty()) {
        text = text.replace(passage.trim(), HIDDEN);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use docket_core::submission::{Author, Piece};

    fn record(owner: &str, organisation: &str, coauthors: &[&str]) -> SubmissionRecord {
        SubmissionRecord {
            id: SubmissionId(1),
            call_id: docket_core::CallId(1),
            call_slug: "c".into(),
            owner_id: docket_core::UserId(1),
            owner_email: owner.into(),
            state: SubmissionState::Submitted,
            late: false,
            draft: Piece {
                authors: vec![Author {
                    name: "Ada".into(),
                    organisation: organisation.into(),
                    ..Author::default()
                }],
                ..Piece::default()
            },
            revision_count: 1,
            coauthors: coauthors.iter().map(|c| (*c).to_owned()).collect(),
            reply_token: String::new(),
            sender_trust: None,
            created_at: Timestamp::UNIX_EPOCH,
            updated_at: Timestamp::UNIX_EPOCH,
            open_until: None,
        }
    }

    #[test]
    fn conflicts_match_organisations_addresses_and_domains() {
        let piece = record(
            "ada@engines.example",
            "Analytical  Engines Ltd",
            &["bo@other.example"],
        );
        let org = |name: &str| Conflict::Organisation(name.into());
        let address = |value: &str| Conflict::Address(value.into());
        assert!(conflicted(&piece, &[org("analytical engines ltd")]));
        assert!(conflicted(&piece, &[address("ADA@engines.example")]));
        assert!(conflicted(&piece, &[address("@engines.example")]));
        assert!(conflicted(&piece, &[address("bo@other.example")]));
        assert!(!conflicted(&piece, &[org("Engines")]));
        assert!(
            !conflicted(&piece, &[address("@gines.example")]),
            "a domain is matched whole"
        );
        assert!(!conflicted(&piece, &[]));
    }

    #[test]
    fn declarations_are_read_one_a_line_and_bad_addresses_refused() {
        let read = read_conflicts(
            "Acme Ltd\n\n  Justice Trust ",
            "bo@example.org\n@acme.example",
        )
        .expect("the declarations are valid");
        assert_eq!(read.len(), 4);
        assert!(read_conflicts("", "not an address").is_err());
        assert!(read_conflicts("", "@nodot").is_err());
    }

    #[test]
    fn hidden_passages_are_replaced_everywhere() {
        assert_eq!(
            hide_passages(
                "I, Ada of Acme, write. Ada of Acme again.",
                &["Ada of Acme".into()]
            ),
            format!("I, {HIDDEN}, write. {HIDDEN} again.")
        );
    }
}
