//! A contributor's pieces: reading and changing them through the access policy. A piece is
//! found with [`visible`]; each change then takes that record, asks [`policy::may`] of it
//! (without reading it again) and only then calls the store, so a piece someone may not see or
//! change answers [`StoreError::NotFound`] (a 404 on the web), exactly as one that does not
//! exist. Whether the piece is still in a state that can change, the store checks as it writes.

use docket_core::judge::Verdict;
use docket_core::mail::NewMail;
use docket_core::submission::{Piece, SubmissionState};
use docket_store::{Asset, Revision, Store, StoreError, SubmissionId, SubmissionRecord, User};
use jiff::Timestamp;

use crate::policy::{self, Actor, PieceAction};

/// The piece, if `user` may see it.
pub async fn visible(
    store: &dyn Store,
    user: &User,
    id: SubmissionId,
) -> Result<Option<SubmissionRecord>, StoreError> {
    Ok(store
        .submission(id)
        .await?
        .filter(|piece| policy::may(Actor::Person(user), PieceAction::View, piece)))
}

/// NotFound unless `user` may do `action` to `piece`.
fn allowed(user: &User, piece: &SubmissionRecord, action: PieceAction) -> Result<(), StoreError> {
    if policy::may(Actor::Person(user), action, piece) {
        Ok(())
    } else {
        Err(StoreError::NotFound)
    }
}

/// The pieces `user` owns or co-authors, latest change first. Pieces shared with their address
/// count only once it is confirmed.
pub async fn of(store: &dyn Store, user: &User) -> Result<Vec<SubmissionRecord>, StoreError> {
    let member = user.confirmed_at.is_some().then_some(user.email.as_str());
    store.submissions_for(user.id, member).await
}

/// Every revision of a piece `user` may see, oldest first.
pub async fn revisions(
    store: &dyn Store,
    user: &User,
    record: &SubmissionRecord,
) -> Result<Vec<Revision>, StoreError> {
    allowed(user, record, PieceAction::View)?;
    store.revisions(record.id).await
}

/// Replaces the working copy of a piece `user` may edit.
pub async fn save_draft(
    store: &dyn Store,
    user: &User,
    record: &SubmissionRecord,
    piece: &Piece,
    now: Timestamp,
) -> Result<(), StoreError> {
    allowed(user, record, PieceAction::Edit)?;
    store.save_draft(record.id, user.id, piece, now).await
}

/// Submits `piece` as the next revision of a piece `user` may edit, with its receipt, when the
/// judge's `verdict` on it lets it be sent (late or not, as the verdict says). A piece that no
/// pledge names yet then fulfils its owner's open pledge for one of its days.
pub async fn submit_revision(
    store: &dyn Store,
    user: &User,
    record: &SubmissionRecord,
    piece: &Piece,
    verdict: &Verdict,
    receipt: NewMail,
    now: Timestamp,
) -> Result<i64, StoreError> {
    allowed(user, record, PieceAction::Edit)?;
    if !verdict.may_send() {
        return Err(StoreError::Conflict(
            verdict
                .refusals
                .iter()
                .map(|f| f.message.as_str())
                .collect::<Vec<_>>()
                .join(". "),
        ));
    }
    let number = store
        .submit_revision(
            record.id,
            user.id,
            piece,
            verdict.late,
            &verdict.codes(),
            receipt,
            now,
        )
        .await?;
    // The piece is sent and committed: a failure to link the pledge is not the author's to see
    // (the pledge stays open, and the organiser still sees that the piece came).
    let actor = docket_store::Actor::User(user.id);
    if let Err(error) = crate::pledges::fulfil_with(store, record, piece, &actor, now).await {
        tracing::warn!(piece = %record.id, %error, "the piece was sent, but its pledge was not linked");
    }
    Ok(number)
}

/// Moves a piece `user` may edit from the state it was read in to `to` (the caller checked the
/// transition); refused if it moved meanwhile.
pub async fn set_state(
    store: &dyn Store,
    user: &User,
    record: &SubmissionRecord,
    to: SubmissionState,
    mail: Option<NewMail>,
    now: Timestamp,
) -> Result<(), StoreError> {
    allowed(user, record, PieceAction::Edit)?;
    store
        .set_state(record.id, user.id, record.state, to, mail, now)
        .await
}

/// Lets `email` see and edit a piece `user` owns, and queues the invitation.
pub async fn invite_coauthor(
    store: &dyn Store,
    user: &User,
    record: &SubmissionRecord,
    email: &str,
    mail: NewMail,
    now: Timestamp,
) -> Result<(), StoreError> {
    allowed(user, record, PieceAction::InviteCoauthor)?;
    store
        .invite_coauthor(record.id, user.id, email, mail, now)
        .await
}

/// An uploaded file, if `user` may fetch it.
pub async fn asset(store: &dyn Store, user: &User, id: i64) -> Result<Option<Asset>, StoreError> {
    let Some(asset) = store.asset(id).await? else {
        return Ok(None);
    };
    if asset.uploaded_by == user.id {
        return Ok(Some(asset));
    }
    let visible = of(store, user).await?;
    Ok(policy::may_fetch(user, &asset, &visible).then_some(asset))
}
