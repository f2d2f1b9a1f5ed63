//! Pieces that went live, made through the store's own steps (sent, accepted, consented to,
//! placed, scheduled, published), for the tests of the public week, its feeds and its export.

use docket_core::submission::{AssetRef, Author, CandidateDays, Piece, SubmissionState};
use docket_store::{Actor, Store, SubmissionId};
use jiff::Timestamp;
use jiff::civil::Date;

/// What a test piece is.
pub struct TestPiece<'a> {
    pub owner: &'a str,
    pub author: &'a str,
    pub kind: &'a str,
    pub title: &'a str,
    pub day: Date,
    /// A file the piece is (audio for a podcast, a PDF for a whitepaper): (MIME type, bytes).
    pub file: Option<(&'a str, Vec<u8>)>,
    pub minutes: Option<f64>,
}

/// An account for `email`, confirmed, made if missing.
pub async fn account(store: &dyn Store, email: &str, now: Timestamp) -> docket_store::User {
    if let Some(user) = store.user_by_email(email).await.expect("read account") {
        return user;
    }
    let mut work = store.begin().await.expect("begin");
    let id = work.create_account(email, now).await.expect("account");
    work.commit().await.expect("commit");
    store.confirm_user(id, now, true).await.expect("confirm");
    store
        .user_by_email(email)
        .await
        .expect("read account")
        .expect("the account")
}

/// Sends, accepts, consents to, places (at the call's publish time on its day) and schedules
/// the piece; publishes it too when `publish`. Returns its id and its public address.
pub async fn placed_piece(
    store: &dyn Store,
    slug: &str,
    spec: &TestPiece<'_>,
    publish: bool,
    now: Timestamp,
) -> (SubmissionId, String) {
    let stored = store
        .call(slug)
        .await
        .expect("read call")
        .expect("the call");
    let user = account(store, spec.owner, now).await;
    let document = match &spec.file {
        Some((mime, bytes)) => {
            let id = store
                .add_asset(
                    docket_store::NewAsset {
                        sha256: docket_store::secret::sha256_hex(bytes),
                        name: "file".into(),
                        mime: (*mime).to_owned(),
                        bytes: bytes.clone(),
                        text: None,
                        uploaded_by: user.id,
                    },
                    now,
                )
                .await
                .expect("store the file");
            Some(AssetRef {
                id,
                name: "file".into(),
                mime: (*mime).to_owned(),
                size: bytes.len() as u64,
            })
        }
        None => None,
    };
    let piece = Piece {
        kind: spec.kind.into(),
        days: Some(CandidateDays::Days([spec.day].into())),
        title: spec.title.into(),
        summary: format!("What “{}” is about.", spec.title),
        body: if document.is_some() && spec.kind != "podcast" {
            String::new()
        } else {
            format!("{} begins here. ", spec.title).repeat(60)
        },
        authors: vec![Author {
            name: spec.author.into(),
            ..Author::default()
        }],
        document,
        minutes: spec.minutes,
        words: Some(600),
        ..Piece::default()
    };
    let id = store
        .create_draft(stored.id, &user, &piece, now)
        .await
        .expect("draft");
    store
        .submit_revision(
            id,
            user.id,
            &piece,
            false,
            &[],
            crate::mail::receipt(
                format!("<receipt-{id}@docket.example.org>"),
                user.email.clone(),
                id,
                stored.id,
            ),
            now,
        )
        .await
        .expect("send");
    store
        .set_state(
            id,
            user.id,
            SubmissionState::Submitted,
            SubmissionState::Accepted,
            None,
            now,
        )
        .await
        .expect("accept");
    store
        .give_consent(id, &user.email, spec.author, &Actor::User(user.id), now)
        .await
        .expect("consent");
    let at = stored
        .call
        .local_instant(spec.day, stored.call.week.publish_time);
    store
        .place(id, spec.day, at, "", &Actor::Cli, now)
        .await
        .expect("place");
    let slug = store
        .schedule(
            id,
            &docket_core::text::slugify(spec.title, 72),
            &Actor::Cli,
            now,
        )
        .await
        .expect("schedule");
    if publish {
        store.publish(id, at, &[], now).await.expect("publish");
    }
    (id, slug)
}
