//! The storage contract, run against SQLite and PostgreSQL alike.

use docket_core::submission::{Piece, SubmissionState};
use docket_store::{
    Actor, CodeOutcome, InboundOutcome, JobStatus, MailStatus, NewAsset, NewInbound, NewMail,
    NewToken, Saved, SenderTrust, StaffRole, StoreError, TemplateText, TokenPurpose, User,
};
use docket_tests::app::parse_call;
use docket_tests::db::TestDb;
use docket_tests::{SECOND_CALL, SEED_CALL, both_backends};
use jiff::Timestamp;

both_backends! {
    a_saved_call_reads_back_unchanged => saved_call_reads_back_unchanged,
    saving_a_call_again_updates_it_and_both_changes_are_audited => saving_again_updates_and_audits,
    calls_are_listed_latest_week_first => calls_listed_latest_first,
    migrating_twice_changes_nothing => migrating_twice_changes_nothing,
    a_committed_call_survives_reopening_the_database => committed_call_survives_reopening,
    an_unknown_slug_is_none => unknown_slug_is_none,
    a_sign_up_queues_its_mail_and_an_address_signs_up_once => sign_up_once,
    a_token_is_used_once_and_a_code_locks_after_its_attempts => tokens_and_codes,
    a_session_ends_when_idle_signed_out_or_the_password_changes => sessions,
    mail_is_queued_once_per_key_leased_to_one_worker_and_retried => outbox_leases,
    a_message_is_recorded_once_and_held_mail_is_released_or_expired => inbound_once_and_held,
    a_piece_moves_draft_to_revision_and_a_stale_change_is_refused => piece_lifecycle,
    a_co_author_is_invited_once_and_finds_the_piece_by_address => coauthors,
    a_file_reads_back_with_its_uploader => assets,
    staff_and_wording_of_a_call_change_with_an_audit_event => staff_and_wording,
    a_call_schedules_one_reminder_that_is_leased_once_and_finished => jobs,
    site_secrets_are_made_once_and_settings_read_back => site,
}

fn at(text: &str) -> Timestamp {
    text.parse().unwrap()
}

async fn open(db: &TestDb) -> std::sync::Arc<dyn docket_store::Store> {
    let store = docket_store::connect(db.url()).await.expect("connect");
    store.migrate().await.expect("migrate");
    store
}

async fn saved_call_reads_back_unchanged(db: &TestDb) {
    let store = open(db).await;
    let call = parse_call(SEED_CALL);
    let (stored, saved) = store
        .save_call(&call, &Actor::Cli, at("2022-10-13T08:00:00Z"))
        .await
        .unwrap();
    assert_eq!(saved, Saved::Created);
    assert_eq!(stored.call, call);
    let read = store
        .call("digital-justice-week-2022")
        .await
        .unwrap()
        .expect("stored");
    assert_eq!(read.call, call);
    assert_eq!(read.created_at, at("2022-10-13T08:00:00Z"));
    assert_eq!(read.id, stored.id);
    store.close().await;
}

async fn saving_again_updates_and_audits(db: &TestDb) {
    let store = open(db).await;
    let mut call = parse_call(SEED_CALL);
    store
        .save_call(&call, &Actor::System, at("2022-10-13T08:00:00Z"))
        .await
        .unwrap();
    call.title = "Digital Justice Week 2022 (revised)".into();
    let (stored, saved) = store
        .save_call(&call, &Actor::Cli, at("2022-10-14T08:00:00Z"))
        .await
        .unwrap();
    assert_eq!(saved, Saved::Updated);
    assert_eq!(stored.created_at, at("2022-10-13T08:00:00Z"));
    assert_eq!(stored.updated_at, at("2022-10-14T08:00:00Z"));
    assert_eq!(store.calls().await.unwrap().len(), 1, "same slug, one call");
    let trail = store
        .audit_trail("call:digital-justice-week-2022")
        .await
        .unwrap();
    let actions: Vec<_> = trail
        .iter()
        .map(|e| (e.actor.as_str(), e.action.as_str()))
        .collect();
    assert_eq!(
        actions,
        [("system", "call.created"), ("cli", "call.updated")]
    );
    assert_eq!(
        trail[1].detail["title"],
        "Digital Justice Week 2022 (revised)"
    );
    store.close().await;
}

async fn calls_listed_latest_first(db: &TestDb) {
    let store = open(db).await;
    let now = at("2022-10-13T08:00:00Z");
    store
        .save_call(&parse_call(SEED_CALL), &Actor::Cli, now)
        .await
        .unwrap();
    store
        .save_call(&parse_call(SECOND_CALL), &Actor::Cli, now)
        .await
        .unwrap();
    let slugs: Vec<_> = store
        .calls()
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.call.slug.to_string())
        .collect();
    assert_eq!(slugs, ["open-data-week-2027", "digital-justice-week-2022"]);
    store.close().await;
}

async fn migrating_twice_changes_nothing(db: &TestDb) {
    let store = open(db).await;
    store
        .save_call(
            &parse_call(SEED_CALL),
            &Actor::Cli,
            at("2022-10-13T08:00:00Z"),
        )
        .await
        .unwrap();
    store.migrate().await.expect("second migration");
    assert_eq!(store.calls().await.unwrap().len(), 1);
    store.ping().await.unwrap();
    store.close().await;
}

async fn committed_call_survives_reopening(db: &TestDb) {
    let store = open(db).await;
    store
        .save_call(
            &parse_call(SECOND_CALL),
            &Actor::Cli,
            at("2027-02-01T14:00:00Z"),
        )
        .await
        .unwrap();
    store.close().await;
    let reopened = open(db).await;
    let call = reopened
        .call("open-data-week-2027")
        .await
        .unwrap()
        .expect("still there");
    assert_eq!(call.call.deadline_at(), at("2027-03-01T22:00:00Z"));
    reopened.close().await;
}

async fn unknown_slug_is_none(db: &TestDb) {
    let store = open(db).await;
    assert!(store.call("no-such-call").await.unwrap().is_none());
    store.close().await;
}

#[tokio::test]
async fn a_url_of_another_kind_is_refused_with_what_to_write() {
    let error = docket_store::connect("mysql://localhost/docket")
        .await
        .unwrap_err();
    assert!(
        error.to_string().contains("sqlite:// or postgres://"),
        "{error}"
    );
}

// ---------------------------------------------------------------------------------------------
// One story per resource: what each trait promises, on both backends.

fn mail(to: &str, template: &str) -> NewMail {
    NewMail {
        message_id: format!("<{}@docket.test>", docket_store::secret::random_token()),
        to: to.into(),
        subject: "Subject".into(),
        text: "Text".into(),
        html: String::new(),
        template: template.into(),
        submission_id: None,
        call_id: None,
        reply_to: None,
        idempotency_key: None,
        list_unsubscribe: None,
    }
}

fn token(purpose: TokenPurpose, secret: &str, email: &str, expires_at: Timestamp) -> NewToken {
    NewToken {
        purpose,
        token_hash: docket_store::secret::hash_token(secret),
        code_hash: None,
        email: email.into(),
        user_id: None,
        inbound_id: None,
        expires_at,
    }
}

/// The seed's call, stored.
async fn seed_call(store: &dyn docket_store::Store) -> docket_store::StoredCall {
    let (call, _) = store
        .save_call(
            &parse_call(SEED_CALL),
            &Actor::Cli,
            at("2022-10-01T08:00:00Z"),
        )
        .await
        .unwrap();
    call
}

async fn account(store: &dyn docket_store::Store, email: &str) -> User {
    let now = at("2022-10-13T08:00:00Z");
    let user = store
        .sign_up(
            email,
            "hash",
            token(
                TokenPurpose::ConfirmEmail,
                email,
                email,
                at("2022-10-14T08:00:00Z"),
            ),
            mail(email, "confirm_email"),
            now,
        )
        .await
        .unwrap()
        .expect("a new address");
    store.confirm_user(user.id, now, true).await.unwrap();
    store.user_by_email(email).await.unwrap().unwrap()
}

async fn sign_up_once(db: &TestDb) {
    let store = open(db).await;
    let now = at("2022-10-13T08:00:00Z");
    let later = at("2022-10-14T08:00:00Z");
    let first = store
        .sign_up(
            "ada@example.org",
            "hash",
            token(TokenPurpose::ConfirmEmail, "one", "ada@example.org", later),
            mail("ada@example.org", "confirm_email"),
            now,
        )
        .await
        .unwrap()
        .expect("created");
    assert_eq!(first.email, "ada@example.org");
    assert_eq!(first.confirmed_at, None);
    let again = store
        .sign_up(
            "ada@example.org",
            "other",
            token(TokenPurpose::ConfirmEmail, "two", "ada@example.org", later),
            mail("ada@example.org", "confirm_email"),
            now,
        )
        .await
        .unwrap();
    assert_eq!(again, None, "one account per address");
    let queued = store.outbox(10).await.unwrap();
    assert_eq!(queued.len(), 1, "the second sign-up queued nothing");
    assert_eq!(queued[0].status, MailStatus::Queued);
    // Confirming ends nothing twice and keeps the password only when asked.
    assert!(store.confirm_user(first.id, now, false).await.unwrap());
    assert!(!store.confirm_user(first.id, now, false).await.unwrap());
    let user = store
        .user_by_email("ada@example.org")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(user.confirmed_at, Some(now));
    assert_eq!(
        user.password_hash, None,
        "set before the address was proved"
    );
    store.close().await;
}

async fn tokens_and_codes(db: &TestDb) {
    let store = open(db).await;
    let now = at("2022-10-13T08:00:00Z");
    let later = at("2022-10-13T09:00:00Z");
    store
        .issue_token(
            token(
                TokenPurpose::ResetPassword,
                "reset",
                "ada@example.org",
                later,
            ),
            mail("ada@example.org", "reset_password"),
            now,
        )
        .await
        .unwrap();
    let hash = docket_store::secret::hash_token("reset");
    assert!(
        store
            .peek_token(&hash, TokenPurpose::ResetPassword, now)
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        store
            .redeem_token(&hash, TokenPurpose::SignIn, now)
            .await
            .unwrap()
            .is_none(),
        "a token of another purpose does nothing"
    );
    let used = store
        .redeem_token(&hash, TokenPurpose::ResetPassword, now)
        .await
        .unwrap();
    assert_eq!(
        used.map(|token| token.email).as_deref(),
        Some("ada@example.org")
    );
    assert!(
        store
            .redeem_token(&hash, TokenPurpose::ResetPassword, now)
            .await
            .unwrap()
            .is_none(),
        "once"
    );
    // An expired token is no token.
    store
        .issue_token(
            token(TokenPurpose::ResetPassword, "old", "ada@example.org", later),
            mail("ada@example.org", "reset_password"),
            now,
        )
        .await
        .unwrap();
    let old = docket_store::secret::hash_token("old");
    let after = at("2022-10-13T10:00:00Z");
    assert!(
        store
            .redeem_token(&old, TokenPurpose::ResetPassword, after)
            .await
            .unwrap()
            .is_none()
    );
    // A sign-in code: wrong guesses count, and the code dies after the last allowed one.
    let mut code = token(TokenPurpose::SignIn, "link", "bea@example.org", later);
    code.code_hash = Some(docket_store::secret::hash_token("12345678"));
    store
        .issue_token(code, mail("bea@example.org", "sign_in_code"), now)
        .await
        .unwrap();
    let wrong = docket_store::secret::hash_token("00000000");
    let right = docket_store::secret::hash_token("12345678");
    assert_eq!(
        store
            .redeem_code("bea@example.org", &wrong, 2, now)
            .await
            .unwrap(),
        CodeOutcome::Wrong
    );
    assert_eq!(
        store
            .redeem_code("bea@example.org", &wrong, 2, now)
            .await
            .unwrap(),
        CodeOutcome::Wrong
    );
    assert_eq!(
        store
            .redeem_code("bea@example.org", &right, 2, now)
            .await
            .unwrap(),
        CodeOutcome::NoLiveCode,
        "locked after two wrong guesses"
    );
    store.close().await;
}

async fn sessions(db: &TestDb) {
    let store = open(db).await;
    let ada = account(store.as_ref(), "ada@example.org").await;
    let now = at("2022-10-13T08:00:00Z");
    let idle = jiff::SignedDuration::from_mins(30);
    let week = at("2022-10-20T08:00:00Z");
    store.create_session(ada.id, "s1", now, week).await.unwrap();
    let live = store.session("s1", now, idle).await.unwrap().expect("live");
    assert_eq!(live.user.id, ada.id);
    assert!(
        store
            .session("s1", at("2022-10-13T09:00:00Z"), idle)
            .await
            .unwrap()
            .is_none(),
        "idle for an hour"
    );
    store.create_session(ada.id, "s2", now, week).await.unwrap();
    store.delete_session("s2").await.unwrap();
    assert!(
        store.session("s2", now, idle).await.unwrap().is_none(),
        "signed out"
    );
    store.create_session(ada.id, "s3", now, week).await.unwrap();
    store.set_password(ada.id, "new hash", now).await.unwrap();
    assert!(
        store.session("s3", now, idle).await.unwrap().is_none(),
        "a new password ends it"
    );
    store.close().await;
}

async fn outbox_leases(db: &TestDb) {
    let store = open(db).await;
    let now = at("2022-10-13T08:00:00Z");
    let lease = at("2022-10-13T08:05:00Z");
    let mut once = mail("ada@example.org", "deadline_reminder");
    once.idempotency_key = Some("reminder:1:1".into());
    assert!(store.enqueue_mail_once(once.clone(), now).await.unwrap());
    once.message_id = "<another@docket.test>".into();
    assert!(
        !store.enqueue_mail_once(once, now).await.unwrap(),
        "the same key queues nothing"
    );
    store
        .enqueue_mail(mail("bea@example.org", "receipt"), now)
        .await
        .unwrap();
    let first = store.lease_outbox("a", now, lease, 10).await.unwrap();
    assert_eq!(first.len(), 2);
    assert!(first.iter().all(|row| row.status == MailStatus::Sending));
    assert!(
        store
            .lease_outbox("b", now, lease, 10)
            .await
            .unwrap()
            .is_empty(),
        "leased to a"
    );
    store.mark_sent(first[0].id, "a", now).await.unwrap();
    store
        .mark_attempt_failed(
            first[1].id,
            "a",
            "451 try later",
            Some(at("2022-10-13T08:01:00Z")),
        )
        .await
        .unwrap();
    let rows = store.outbox(10).await.unwrap();
    let by_id = |id| rows.iter().find(|row| row.id == id).unwrap();
    assert_eq!(by_id(first[0].id).status, MailStatus::Sent);
    assert_eq!(by_id(first[0].id).sent_at, Some(now));
    assert_eq!(by_id(first[1].id).status, MailStatus::Queued);
    assert_eq!(by_id(first[1].id).attempts, 1);
    assert_eq!(
        by_id(first[1].id).last_error.as_deref(),
        Some("451 try later")
    );
    // Not before its retry time; then to whoever asks.
    assert!(
        store
            .lease_outbox("b", now, lease, 10)
            .await
            .unwrap()
            .is_empty()
    );
    let retried = store
        .lease_outbox("b", at("2022-10-13T08:02:00Z"), lease, 10)
        .await
        .unwrap();
    assert_eq!(retried.len(), 1);
    store
        .mark_attempt_failed(retried[0].id, "b", "550 no such user", None)
        .await
        .unwrap();
    assert_eq!(
        store
            .outbox(10)
            .await
            .unwrap()
            .iter()
            .filter(|row| row.status == MailStatus::Failed)
            .count(),
        1
    );
    let found = store
        .outbound_message(&first[0].mail.message_id)
        .await
        .unwrap();
    assert_eq!(found, Some((None, first[0].mail.to.clone())));
    assert_eq!(
        store
            .mail_count_since("bea@example.org", "receipt", at("2022-10-13T07:00:00Z"))
            .await
            .unwrap(),
        1
    );
    store.close().await;
}

fn inbound(message_id: &str, outcome: InboundOutcome, at_: Timestamp) -> NewInbound {
    NewInbound {
        message_id: message_id.into(),
        sender: "ada@example.org".into(),
        subject: "My blog".into(),
        raw: b"Subject: My blog\r\n\r\nHello".to_vec(),
        outcome,
        reason: "no day named".into(),
        call_id: None,
        sender_trust: SenderTrust::NotVerified,
        received_at: at_,
        release_held: false,
        release_triage: false,
    }
}

async fn inbound_once_and_held(db: &TestDb) {
    let store = open(db).await;
    let now = at("2022-10-13T08:00:00Z");
    let first = inbound("<one@example.org>", InboundOutcome::Triage, now);
    assert!(
        store
            .record_inbound(&first, Some(mail("ada@example.org", "triage_answer")))
            .await
            .unwrap()
    );
    assert!(
        !store
            .record_inbound(&first, Some(mail("ada@example.org", "triage_answer")))
            .await
            .unwrap(),
        "the same Message-ID is recorded once"
    );
    assert_eq!(
        store.outbox(10).await.unwrap().len(),
        1,
        "and answered once"
    );
    assert_eq!(
        store
            .inbound_count_since("ada@example.org", at("2022-10-13T07:00:00Z"))
            .await
            .unwrap(),
        1
    );
    // Held mail: kept with its raw message, released by its sender, or moved to triage later.
    let held = inbound("<two@example.org>", InboundOutcome::Held, now);
    let id = store
        .hold_inbound(&held, None)
        .await
        .unwrap()
        .expect("held");
    let other = inbound("<three@example.org>", InboundOutcome::Held, now);
    store
        .hold_inbound(&other, None)
        .await
        .unwrap()
        .expect("held");
    let (record, raw) = store.inbound_message(id).await.unwrap().unwrap();
    assert_eq!(record.outcome, InboundOutcome::Held);
    assert_eq!(raw, held.raw);
    assert_eq!(
        store.held_messages("ada@example.org").await.unwrap().len(),
        2
    );
    let released = store
        .unhold_messages("ada@example.org", &[id], "not theirs", &Actor::Cli, now)
        .await
        .unwrap();
    assert_eq!(released, 1);
    assert_eq!(
        store.held_messages("ada@example.org").await.unwrap().len(),
        1
    );
    assert_eq!(
        store
            .expire_held(at("2022-10-20T08:00:00Z"), at("2022-10-20T08:00:00Z"))
            .await
            .unwrap(),
        1
    );
    assert!(
        store
            .held_messages("ada@example.org")
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(store.inbound(10).await.unwrap().len(), 3);
    store.close().await;
}

fn piece(title: &str) -> Piece {
    Piece {
        kind: "blog".into(),
        title: title.into(),
        body: "Hello".into(),
        words: Some(1),
        ..Piece::default()
    }
}

async fn piece_lifecycle(db: &TestDb) {
    let store = open(db).await;
    let call = seed_call(store.as_ref()).await;
    let ada = account(store.as_ref(), "ada@example.org").await;
    let now = at("2022-10-13T08:00:00Z");
    let id = store
        .create_draft(call.id, &ada, &piece("Draft"), now)
        .await
        .unwrap();
    let draft = store.submission(id).await.unwrap().unwrap();
    assert_eq!(
        (draft.state, draft.revision_count, draft.owner_id),
        (SubmissionState::Draft, 0, ada.id)
    );
    assert!(draft.reply_token.len() >= 16, "a secret reply address");
    assert_eq!(store.drafts_of_call(call.id).await.unwrap().len(), 1);
    store
        .save_draft(id, ada.id, &piece("Saved"), now)
        .await
        .unwrap();
    let number = store
        .submit_revision(
            id,
            ada.id,
            &piece("Version one"),
            false,
            &[],
            mail("ada@example.org", "receipt"),
            now,
        )
        .await
        .unwrap();
    assert_eq!(number, 1);
    let number = store
        .submit_revision(
            id,
            ada.id,
            &piece("Version two"),
            true,
            &[],
            mail("ada@example.org", "receipt"),
            now,
        )
        .await
        .unwrap();
    assert_eq!(number, 2);
    let revisions = store.revisions(id).await.unwrap();
    let titles: Vec<_> = revisions
        .iter()
        .map(|revision| revision.piece.title.as_str())
        .collect();
    assert_eq!(
        titles,
        ["Version one", "Version two"],
        "each revision frozen as it was"
    );
    assert_eq!(revisions[1].created_by, "ada@example.org");
    let record = store.submission(id).await.unwrap().unwrap();
    assert_eq!(record.state, SubmissionState::Submitted);
    assert!(record.late, "one late revision makes the piece late");
    assert_eq!(
        store
            .outbox(10)
            .await
            .unwrap()
            .iter()
            .filter(|row| row.mail.template == "receipt")
            .count(),
        2
    );
    // A change from a state the piece has left is refused, and nothing moves.
    store
        .set_state(
            id,
            ada.id,
            SubmissionState::Submitted,
            SubmissionState::Withdrawn,
            None,
            now,
        )
        .await
        .unwrap();
    let stale = store
        .set_state(
            id,
            ada.id,
            SubmissionState::Submitted,
            SubmissionState::Withdrawn,
            None,
            now,
        )
        .await;
    assert!(
        matches!(&stale, Err(StoreError::Conflict(message)) if message.contains("withdrawn")),
        "a piece that has moved on says where it stands: {stale:?}"
    );
    let refused = store.save_draft(id, ada.id, &piece("Too late"), now).await;
    assert!(
        matches!(refused, Err(StoreError::Conflict(_))),
        "{refused:?}"
    );
    assert!(matches!(
        store
            .save_draft(
                docket_store::SubmissionId(id.0 + 1000),
                ada.id,
                &piece("x"),
                now
            )
            .await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(
        store.submission(id).await.unwrap().unwrap().draft.title,
        "Version two"
    );
    let trail = store
        .audit_trail(&format!("submission:{id}"))
        .await
        .unwrap();
    let actions: Vec<_> = trail.iter().map(|event| event.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "submission.created",
            "submission.draft_saved",
            "submission.submitted",
            "submission.revised",
            "submission.withdrawn"
        ]
    );
    let token = store.submission(id).await.unwrap().unwrap().reply_token;
    assert_eq!(
        store
            .submission_by_reply_token(id, &token.to_uppercase())
            .await
            .unwrap(),
        Some(id)
    );
    assert_eq!(
        store
            .submission_by_reply_token(id, "guessed")
            .await
            .unwrap(),
        None
    );
    store.close().await;
}

async fn coauthors(db: &TestDb) {
    let store = open(db).await;
    let call = seed_call(store.as_ref()).await;
    let ada = account(store.as_ref(), "ada@example.org").await;
    let now = at("2022-10-13T08:00:00Z");
    let id = store
        .create_draft(call.id, &ada, &piece("Shared"), now)
        .await
        .unwrap();
    store
        .create_draft(call.id, &ada, &piece("Alone"), now)
        .await
        .unwrap();
    for _ in 0..2 {
        store
            .invite_coauthor(
                id,
                ada.id,
                "bea@example.org",
                mail("bea@example.org", "coauthor_invite"),
                now,
            )
            .await
            .unwrap();
    }
    assert_eq!(
        store.submission(id).await.unwrap().unwrap().coauthors,
        ["bea@example.org"]
    );
    assert_eq!(
        store
            .outbox(10)
            .await
            .unwrap()
            .iter()
            .filter(|row| row.mail.template == "coauthor_invite")
            .count(),
        1,
        "invited once"
    );
    assert_eq!(
        store
            .invitations_since(ada.id, at("2022-10-13T07:00:00Z"))
            .await
            .unwrap(),
        1
    );
    let shared = store
        .submissions_for(docket_store::UserId(-1), Some("bea@example.org"))
        .await
        .unwrap();
    assert_eq!(
        shared.iter().map(|piece| piece.id).collect::<Vec<_>>(),
        [id]
    );
    assert_eq!(store.submissions_for(ada.id, None).await.unwrap().len(), 2);
    assert_eq!(store.call_submissions(call.id).await.unwrap().len(), 2);
    store.close().await;
}

async fn assets(db: &TestDb) {
    let store = open(db).await;
    let ada = account(store.as_ref(), "ada@example.org").await;
    let bytes = b"PK\x03\x04 a document".to_vec();
    let id = store
        .add_asset(
            NewAsset {
                sha256: docket_store::secret::sha256_hex(&bytes),
                name: "blog.docx".into(),
                mime: "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
                    .into(),
                bytes: bytes.clone(),
                text: Some("a document".into()),
                uploaded_by: ada.id,
            },
            at("2022-10-13T08:00:00Z"),
        )
        .await
        .unwrap();
    let asset = store.asset(id).await.unwrap().unwrap();
    assert_eq!(
        (asset.name.as_str(), asset.bytes, asset.uploaded_by),
        ("blog.docx", bytes, ada.id)
    );
    assert!(store.asset(id + 1000).await.unwrap().is_none());
    store.close().await;
}

async fn staff_and_wording(db: &TestDb) {
    let store = open(db).await;
    let call = seed_call(store.as_ref()).await;
    let now = at("2022-10-13T08:00:00Z");
    store
        .add_staff(
            call.id,
            "org@example.org",
            StaffRole::Organiser,
            &Actor::Cli,
            now,
        )
        .await
        .unwrap();
    store
        .add_staff(
            call.id,
            "ed@example.org",
            StaffRole::Editor,
            &Actor::Cli,
            now,
        )
        .await
        .unwrap();
    let staff = store.staff(call.id).await.unwrap();
    assert_eq!(staff.len(), 2);
    let calls = store.staffed_calls("ed@example.org").await.unwrap();
    assert_eq!(calls.len(), 1);
    assert_eq!((calls[0].0.id, calls[0].1), (call.id, StaffRole::Editor));
    assert!(
        store
            .remove_staff(call.id, "ed@example.org", &Actor::Cli, now)
            .await
            .unwrap()
    );
    assert!(
        !store
            .remove_staff(call.id, "ed@example.org", &Actor::Cli, now)
            .await
            .unwrap()
    );
    assert!(
        store
            .staffed_calls("ed@example.org")
            .await
            .unwrap()
            .is_empty()
    );
    let wording = TemplateText {
        subject: "Thanks".into(),
        text: "We have it.".into(),
        html: String::new(),
    };
    store
        .save_mail_template(call.id, "receipt", Some(&wording), &Actor::Cli, now)
        .await
        .unwrap();
    let templates = store.mail_templates(call.id).await.unwrap();
    assert_eq!(templates.len(), 1);
    assert_eq!(
        (templates[0].kind.as_str(), &templates[0].template),
        ("receipt", &wording)
    );
    store
        .save_mail_template(call.id, "receipt", None, &Actor::Cli, now)
        .await
        .unwrap();
    assert!(
        store.mail_templates(call.id).await.unwrap().is_empty(),
        "restored to Docket's wording"
    );
    let trail = store
        .audit_trail("call:digital-justice-week-2022")
        .await
        .unwrap();
    assert!(
        trail
            .iter()
            .any(|event| event.action == "call.email_reworded"),
        "{trail:?}"
    );
    store
        .add_admin("root@example.org", &Actor::Cli, now)
        .await
        .unwrap();
    assert_eq!(
        store.admins().await.unwrap(),
        [("root@example.org".to_owned(), now)]
    );
    assert!(
        store
            .remove_admin("root@example.org", &Actor::Cli, now)
            .await
            .unwrap()
    );
    assert!(store.admins().await.unwrap().is_empty());
    store.close().await;
}

async fn jobs(db: &TestDb) {
    let store = open(db).await;
    let call = seed_call(store.as_ref()).await;
    let scheduled = store.call_jobs(call.id).await.unwrap();
    assert_eq!(scheduled.len(), 1, "the seed asks for a deadline reminder");
    assert_eq!(scheduled[0].status, JobStatus::Queued);
    let due = scheduled[0].run_at;
    assert_eq!(
        scheduled[0].spec(),
        Some(docket_store::JobSpec::RemindDrafts {
            call_id: call.id,
            at: due
        }),
        "the job reads back as what was scheduled"
    );
    let lease = due + jiff::SignedDuration::from_mins(5);
    assert!(
        store
            .lease_jobs("a", due - jiff::SignedDuration::from_mins(1), lease, 10)
            .await
            .unwrap()
            .is_empty(),
        "not yet due"
    );
    let leased = store.lease_jobs("a", due, lease, 10).await.unwrap();
    assert_eq!(leased.len(), 1);
    assert!(
        store
            .lease_jobs("b", due, lease, 10)
            .await
            .unwrap()
            .is_empty(),
        "leased to a"
    );
    store
        .fail_job(
            leased[0].id,
            "a",
            "SMTP down",
            Some(due + jiff::SignedDuration::from_mins(1)),
        )
        .await
        .unwrap();
    let again = store
        .lease_jobs("b", due + jiff::SignedDuration::from_mins(2), lease, 10)
        .await
        .unwrap();
    assert_eq!(again.len(), 1, "retried");
    assert_eq!(again[0].attempts, 2);
    store
        .finish_job(again[0].id, "b", "reminded 0 contributors", due)
        .await
        .unwrap();
    let done = store.call_jobs(call.id).await.unwrap();
    assert_eq!(done[0].status, JobStatus::Done);
    assert_eq!(done[0].outcome.as_deref(), Some("reminded 0 contributors"));
    store.close().await;
}

async fn site(db: &TestDb) {
    let store = open(db).await;
    let now = at("2022-10-13T08:00:00Z");
    assert!(
        !store.holds_data().await.unwrap(),
        "a new database holds nothing"
    );
    let secret = store.site_secret("csrf", now).await.unwrap();
    assert!(secret.len() >= 32);
    assert_eq!(
        store.site_secret("csrf", now).await.unwrap(),
        secret,
        "made once, then read"
    );
    assert_ne!(store.site_secret("other", now).await.unwrap(), secret);
    assert_eq!(store.site_setting("theme").await.unwrap(), None);
    store.set_site_setting("theme", "plain").await.unwrap();
    store.set_site_setting("theme", "bold").await.unwrap();
    assert_eq!(
        store.site_setting("theme").await.unwrap().as_deref(),
        Some("bold")
    );
    store
        .save_call(&parse_call(SEED_CALL), &Actor::Cli, now)
        .await
        .unwrap();
    assert!(store.holds_data().await.unwrap());
    store.close().await;
}
