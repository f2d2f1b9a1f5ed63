//! Pledges, as the web asks for them: made, read, turned into the piece, withdrawn by their
//! author, declined by an editor. A pledge is its author's alone: anyone else meets
//! [`StoreError::NotFound`], exactly as for a pledge that does not exist. Email pledges are
//! made by [`crate::ingest`].

use docket_core::Call;
use docket_core::pledge::{Pledge, PledgeState};
use docket_core::submission::{Author, Piece};
use docket_store::{
    Actor, CallId, NewMail, NewPledge, PledgeRecord, Store, StoreError, StoredCall, SubmissionId,
    SubmissionRecord, User, UserId,
};
use jiff::Timestamp;

/// The pledge, if it is `user`'s.
pub async fn own(store: &dyn Store, user: &User, id: i64) -> Result<PledgeRecord, StoreError> {
    store
        .pledge(id)
        .await?
        .filter(|pledge| pledge.owner_id == user.id)
        .ok_or(StoreError::NotFound)
}

/// Makes a pledge on the web, with the mail that confirms it, in one unit of work.
pub async fn make(
    store: &dyn Store,
    user: &User,
    call: &StoredCall,
    pledge: Pledge,
    mail: impl FnOnce(i64) -> Option<NewMail>,
    now: Timestamp,
) -> Result<i64, StoreError> {
    let new = NewPledge {
        call_id: call.id,
        owner_id: user.id,
        pledge,
        source: "web",
        sender_trust: None,
    };
    // The confirming mail names the pledge, whose id the store gives: both commit together.
    let mut work = store.begin().await?;
    let (id, _) = work.add_pledge(&new, now).await?;
    if let Some(mail) = mail(id) {
        work.enqueue_mail(&mail, now).await?;
    }
    work.commit().await?;
    Ok(id)
}

/// Starts the piece a pledge promised: a draft with the pledge's kind, days, working title and
/// authors, linked to the pledge, which it fulfils once sent. With `from_message`, the emailed
/// message Docket took for a pledge is the piece's text ("this was my piece: file it"). A
/// pledge already linked to a piece gives that piece.
pub async fn start_piece(
    store: &dyn Store,
    user: &User,
    call: &Call,
    pledge: &PledgeRecord,
    from_message: bool,
    now: Timestamp,
) -> Result<SubmissionId, StoreError> {
    if pledge.owner_id != user.id {
        return Err(StoreError::NotFound);
    }
    if let Some(id) = pledge.submission_id {
        return Ok(id);
    }
    if pledge.state != PledgeState::Open {
        return Err(StoreError::Conflict(
            "This pledge was withdrawn or declined: start a new piece from the call's page"
                .to_owned(),
        ));
    }
    let promised = &pledge.pledge;
    let mut authors = vec![Author {
        name: promised.author.clone(),
        organisation: promised.organisation.clone(),
        ..Author::default()
    }];
    authors.extend(promised.coauthors.iter().map(|name| Author {
        name: name.clone(),
        ..Author::default()
    }));
    let piece = Piece {
        kind: promised
            .kind
            .clone()
            .or_else(|| call.kinds.first().map(|kind| kind.key.to_string()))
            .unwrap_or_default(),
        days: promised.days.clone(),
        title: promised.working_title.clone(),
        body: if from_message {
            promised.about.clone()
        } else {
            String::new()
        },
        authors,
        ..Piece::default()
    };
    let id = store
        .create_draft(pledge.call_id, user, &piece, now)
        .await?;
    store
        .link_pledge(pledge.id, id, &Actor::User(user.id), now)
        .await?;
    Ok(id)
}

/// `owner`'s open pledge in the call, with no piece yet, for a day `piece` is offered for (or,
/// when either says "any day", any): the promise this piece keeps. The oldest such pledge
/// first, so promises are kept in the order they were made.
pub async fn open_for(
    store: &dyn Store,
    owner: UserId,
    call_id: CallId,
    piece: &Piece,
) -> Result<Option<i64>, StoreError> {
    Ok(open_among(&store.pledges_of(owner).await?, call_id, piece))
}

/// [`open_for`] among someone's pledges, newest first as the store lists them.
fn open_among(pledges: &[PledgeRecord], call_id: CallId, piece: &Piece) -> Option<i64> {
    use docket_core::submission::CandidateDays;
    let overlaps = |pledged: &Option<CandidateDays>| match (pledged, &piece.days) {
        (Some(CandidateDays::Days(promised)), Some(CandidateDays::Days(offered))) => {
            promised.intersection(offered).next().is_some()
        }
        _ => true,
    };
    pledges
        .iter()
        .rev()
        .find(|record| {
            record.call_id == call_id
                && record.state == PledgeState::Open
                && record.submission_id.is_none()
                && overlaps(&record.pledge.days)
        })
        .map(|record| record.id)
}

/// A piece sent on the web keeps its owner's promise: when no pledge names it yet, it fulfils
/// the owner's open pledge for one of its days, as a piece sent by email does.
pub async fn fulfil_with(
    store: &dyn Store,
    record: &SubmissionRecord,
    piece: &Piece,
    actor: &Actor,
    now: Timestamp,
) -> Result<(), StoreError> {
    let pledges = store.pledges_of(record.owner_id).await?;
    if pledges
        .iter()
        .any(|pledge| pledge.submission_id == Some(record.id))
    {
        return Ok(());
    }
    if let Some(id) = open_among(&pledges, record.call_id, piece) {
        match store.link_pledge(id, record.id, actor, now).await {
            // Withdrawn or linked by another request meanwhile: the piece is sent all the same.
            Err(StoreError::Conflict(_)) => {}
            other => other?,
        }
    }
    Ok(())
}

/// The author takes their pledge back.
pub async fn withdraw(
    store: &dyn Store,
    user: &User,
    pledge: &PledgeRecord,
    now: Timestamp,
) -> Result<(), StoreError> {
    if pledge.owner_id != user.id {
        return Err(StoreError::NotFound);
    }
    store
        .set_pledge_state(
            pledge.id,
            PledgeState::Open,
            PledgeState::Withdrawn,
            "",
            None,
            &Actor::User(user.id),
            now,
        )
        .await
}

/// An editor declines a pledge ("we have enough on that day"), with a note that goes to its
/// author. The caller has checked that `staff` is on the pledge's call.
pub async fn decline(
    store: &dyn Store,
    staff: &User,
    pledge: &PledgeRecord,
    note: &str,
    mail: NewMail,
    now: Timestamp,
) -> Result<(), StoreError> {
    store
        .set_pledge_state(
            pledge.id,
            PledgeState::Open,
            PledgeState::Declined,
            note,
            Some(mail),
            &Actor::User(staff.id),
            now,
        )
        .await
}

/// An organiser's one-off nudge to everyone who pledged for `day` and has not sent the piece:
/// one email a person, at most once a day per person for that day. Returns how many were sent.
pub async fn nudge(
    store: &dyn Store,
    mailer: &crate::mail::Mailer,
    call: &StoredCall,
    day: jiff::civil::Date,
    organiser: &User,
    now: Timestamp,
) -> Result<usize, StoreError> {
    use docket_core::submission::CandidateDays;
    let head = crate::letterhead(store, mailer, call.id, &call.call).await?;
    let deadline = call.call.deadline_at();
    let time_left = docket_core::call::describe_duration(now.duration_until(deadline));
    let mut people: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for pledge in store.call_pledges(call.id).await? {
        let for_day =
            matches!(&pledge.pledge.days, Some(CandidateDays::Days(days)) if days.contains(&day));
        if pledge.state != PledgeState::Open || pledge.piece_sent() || !for_day {
            continue;
        }
        let what = match pledge.pledge.kind {
            Some(_) => format!("a {}", pledge.pledge.kind_name(&call.call).to_lowercase()),
            None => "a piece".to_owned(),
        };
        people
            .entry(pledge.owner_email.clone())
            .or_default()
            .push(format!(
                "{what} for {}",
                docket_core::prose_dates::long_date_with_weekday(day)
            ));
    }
    let today = call.call.local(now).date();
    let mut sent = 0;
    for (email, promised) in &people {
        let mail = mailer.pledge_reminder(
            &head,
            email,
            &promised.join("; and "),
            &time_left,
            &format!("/calls/{}/submit?day={day}", call.call.slug),
            &format!("nudge:{}:{day}:{today}:{email}", call.id),
        );
        if store.enqueue_mail_once(mail, now).await? {
            sent += 1;
        }
    }
    let mut work = store.begin().await?;
    work.audit(
        &Actor::User(organiser.id),
        "pledges.nudged",
        &format!("call:{}", call.call.slug),
        serde_json::json!({ "day": day.to_string(), "sent": sent }),
        now,
    )
    .await?;
    work.commit().await?;
    Ok(sent)
}
