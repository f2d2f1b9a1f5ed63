//! A contributor's pieces: reading and changing them through the access policy. Each function
//! loads what the decision needs, asks [`policy::may`], and only then calls the store, so a
//! piece someone may not see answers [`StoreError::NotFound`] (a 404 on the web), exactly as a
//! piece that does not exist.

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

/// The piece, if `user` may do `action` to it; NotFound otherwise.
async fn allowed(
    store: &dyn Store,
    user: &User,
    id: SubmissionId,
    action: PieceAction,
) -> Result<SubmissionRecord, StoreError> {
    store
        .submission(id)
        .await?
        .filter(|piece| policy::may(Actor::Person(user), action, piece))
        .ok_or(StoreError::NotFound)
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
    id: SubmissionId,
) -> Result<Vec<Revision>, StoreError> {
    allowed(store, user, id, PieceAction::View).await?;
    store.revisions(id).await
}

/// Replaces the working copy of a piece `user` may edit.
pub async fn save_draft(
    store: &dyn Store,
    user: &User,
    id: SubmissionId,
    piece: &Piece,
    now: Timestamp,
) -> Result<(), StoreError> {
    allowed(store, user, id, PieceAction::Edit).await?;
    store.save_draft(id, user.id, piece, now).await
}

/// Submits `piece` as the next revision of a piece `user` may edit, with its receipt.
pub async fn submit_revision(
    store: &dyn Store,
    user: &User,
    id: SubmissionId,
    piece: &Piece,
    late: bool,
    receipt: NewMail,
    now: Timestamp,
) -> Result<i64, StoreError> {
    allowed(store, user, id, PieceAction::Edit).await?;
    store
        .submit_revision(id, user.id, piece, late, receipt, now)
        .await
}

/// Moves a piece `user` may edit from `from` to `to` (the caller checked the transition).
pub async fn set_state(
    store: &dyn Store,
    user: &User,
    id: SubmissionId,
    from: SubmissionState,
    to: SubmissionState,
    mail: Option<NewMail>,
    now: Timestamp,
) -> Result<(), StoreError> {
    allowed(store, user, id, PieceAction::Edit).await?;
    store.set_state(id, user.id, from, to, mail, now).await
}

/// Lets `email` see and edit a piece `user` owns, and queues the invitation.
pub async fn invite_coauthor(
    store: &dyn Store,
    user: &User,
    id: SubmissionId,
    email: &str,
    mail: NewMail,
    now: Timestamp,
) -> Result<(), StoreError> {
    allowed(store, user, id, PieceAction::InviteCoauthor).await?;
    store.invite_coauthor(id, user.id, email, mail, now).await
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
