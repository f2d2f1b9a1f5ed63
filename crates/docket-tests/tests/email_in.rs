//! Submissions by email, on both backends: the message as a contributor's mail client writes it
//! becomes the same submission the web makes; replies, duplicates, automatic mail, triage, limits.
//! The full path runs through a real Dovecot and a real SMTP receiver.

use std::sync::Arc;

use docket_app::ingest::{self, IngestSettings, Outcome};
use docket_app::intake::Intake;
use docket_app::outbox::{self, WorkerSettings};
use docket_core::{Clock, ManualClock};
use docket_mail::smtp::SmtpTransport;
use docket_store::{Store, StoreError, SubmissionId, UserId};
use docket_tests::app::parse_call;
use docket_tests::db::TestDb;
use docket_tests::dovecot::Dovecot;
use docket_tests::mail::message_with_docx;
use docket_tests::smtp::SmtpReceiver;
use docket_tests::{SEED_CALL, both_backends};

both_backends! {
    my_blog_for_tuesdays_data_theme_with_a_docx_is_filed_on_day_two_with_a_receipt => docx_by_email,
    a_reply_to_the_receipt_with_a_corrected_document_is_a_new_revision => reply_makes_revision,
    the_same_message_twice_makes_one_submission => duplicates_are_dropped,
    automatic_replies_and_bounces_are_recorded_and_never_answered => no_loops,
    a_message_naming_no_day_is_kept_for_triage_and_the_sender_told_what_to_send => no_day_triage,
    too_large_too_many_and_too_late_are_refused_with_a_message => limits_on_mail,
    a_message_delivered_to_dovecot_is_polled_filed_and_its_receipt_reaches_the_receiver => full_path,
    a_crash_before_the_commit_or_before_the_flag_loses_nothing_and_doubles_nothing => poller_crashes,
    a_reply_to_the_piece_s_own_address_finds_it_without_in_reply_to => reply_address,
}

fn blog_mail(message_id: &str) -> Vec<u8> {
    message_with_docx(
        message_id,
        "Ada Lovelace <ada@example.org>",
        "Guest blog for Digital Justice Week",
        "Hi Jago,\r\n\r\nPlease find attached my blog for Tuesday's data theme.\r\n\r\nBest wishes,\r\nAda\r\n-- \r\nAda Lovelace | Analytical Engines",
        "",
    )
}

struct Setup {
    store: Arc<dyn Store>,
    clock: ManualClock,
    ingestor: Intake,
}

async fn setup(db: &TestDb) -> Setup {
    let store = docket_store::connect(db.url()).await.unwrap();
    store.migrate().await.unwrap();
    let clock = ManualClock::new("2022-10-20T09:15:00Z".parse().unwrap());
    store
        .save_call(
            &parse_call(SEED_CALL),
            &docket_store::Actor::Cli,
            clock.now(),
        )
        .await
        .unwrap();
    let ingestor = Intake {
        store: store.clone(),
        clock: Arc::new(clock.clone()),
        mailer: Arc::new(docket_mail::Mailer::new("https://docket.example.org")),
        settings: IngestSettings::default(),
    };
    Setup {
        store,
        clock,
        ingestor,
    }
}

async fn file(setup: &Setup, raw: &[u8]) -> Outcome {
    ingest::ingest(
        setup.store.as_ref(),
        &setup.clock,
        &setup.ingestor.mailer,
        raw,
        &setup.ingestor.settings,
    )
    .await
    .unwrap()
}

async fn owner(setup: &Setup, email: &str) -> docket_store::User {
    let user = setup
        .store
        .user_by_email(email)
        .await
        .unwrap()
        .expect("an account for the sender");
    docket_store::User {
        confirmed_at: Some(setup.clock.now()),
        ..user
    }
}

async fn docx_by_email(db: &TestDb) {
    let setup = setup(db).await;
    let Outcome::Submission(id) = file(&setup, &blog_mail("blog-1@example.org")).await else {
        panic!("not filed")
    };
    let ada = owner(&setup, "ada@example.org").await;
    assert!(
        ada.password_hash.is_none(),
        "a new, unconfirmed contributor"
    );
    let record = setup.store.submission(id).await.unwrap().unwrap();
    assert_eq!(record.state.as_str(), "submitted");
    assert_eq!(record.draft.kind, "blog");
    let days = record.draft.days.clone().unwrap();
    assert_eq!(
        days,
        docket_core::submission::CandidateDays::Days([jiff::civil::date(2022, 11, 15)].into())
    );
    let words = record.draft.words.unwrap();
    assert!((600..=800).contains(&words), "{words}");
    assert_eq!(
        record.draft.document.as_ref().unwrap().name,
        "Data blog.docx"
    );
    let receipt = setup
        .store
        .outbox(10)
        .await
        .unwrap()
        .into_iter()
        .find(|row| row.mail.to == "ada@example.org")
        .unwrap();
    assert!(
        receipt
            .mail
            .text
            .contains("Days: Tuesday 15 November 2022 (Harnessing the power of data)"),
        "{}",
        receipt.mail.text
    );
    assert!(
        receipt
            .mail
            .text
            .contains(&format!("Length: {words} words"))
    );
    assert!(
        receipt
            .mail
            .text
            .contains(&format!("https://docket.example.org/submissions/{id}")),
        "a link to correct it"
    );
    assert_eq!(receipt.mail.submission_id, Some(id));
    assert_eq!(setup.store.revisions(id).await.unwrap().len(), 1);
}

async fn reply_makes_revision(db: &TestDb) {
    let setup = setup(db).await;
    let Outcome::Submission(id) = file(&setup, &blog_mail("blog-2@example.org")).await else {
        panic!("not filed")
    };
    let receipt_id = setup.store.outbox(10).await.unwrap()[0]
        .mail
        .message_id
        .clone();
    let headers =
        format!("In-Reply-To: {receipt_id}\r\nReferences: <blog-2@example.org> {receipt_id}\r\n");
    let reply = message_with_docx(
        "reply-1@example.org",
        "Ada Lovelace <ada@example.org>",
        "Re: Received: Data at the heart of justice",
        "Here is a corrected version.\r\n\r\nOn 20/10/2022 10:15, Docket wrote:\r\n> We have received your piece.\r\n> Days: Tuesday",
        &headers,
    );
    assert_eq!(
        file(&setup, &reply).await,
        Outcome::Reply {
            submission_id: id,
            revised: true
        }
    );
    assert_eq!(setup.store.revisions(id).await.unwrap().len(), 2);
    // A reply without a document is kept as correspondence, no new revision.
    let note = format!(
        "Message-ID: <reply-2@example.org>\r\nFrom: Ada <ada@example.org>\r\nTo: jago@techuk.example.org\r\nSubject: Re: Received\r\nIn-Reply-To: {receipt_id}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nThank you!\r\n"
    );
    assert_eq!(
        file(&setup, note.as_bytes()).await,
        Outcome::Reply {
            submission_id: id,
            revised: false
        }
    );
    assert_eq!(setup.store.revisions(id).await.unwrap().len(), 2);
    let trail = setup
        .store
        .audit_trail(&format!("submission:{id}"))
        .await
        .unwrap();
    assert_eq!(
        trail
            .iter()
            .filter(|event| event.action == "submission.correspondence")
            .count(),
        2
    );
}

async fn duplicates_are_dropped(db: &TestDb) {
    let setup = setup(db).await;
    assert!(matches!(
        file(&setup, &blog_mail("same@example.org")).await,
        Outcome::Submission(_)
    ));
    assert_eq!(
        file(&setup, &blog_mail("same@example.org")).await,
        Outcome::Duplicate
    );
    let ada = owner(&setup, "ada@example.org").await;
    assert_eq!(
        docket_app::pieces::of(setup.store.as_ref(), &ada)
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        setup.store.outbox(10).await.unwrap().len(),
        1,
        "one receipt"
    );
}

async fn no_loops(db: &TestDb) {
    let setup = setup(db).await;
    let auto_reply = b"Message-ID: <ooo@example.org>\r\nFrom: Bo <bo@example.org>\r\nTo: jago@techuk.example.org\r\nSubject: Automatic reply: Your piece\r\nAuto-Submitted: auto-replied\r\nX-Auto-Response-Suppress: All\r\nContent-Type: text/plain\r\n\r\nI am out of the office until Monday 14 November.\r\n";
    assert!(matches!(
        file(&setup, auto_reply).await,
        Outcome::Ignored(_)
    ));
    let bounce = b"Message-ID: <bounce@mx.example.org>\r\nFrom: Mail Delivery System <MAILER-DAEMON@mx.example.org>\r\nTo: jago@techuk.example.org\r\nSubject: Undelivered Mail Returned to Sender\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nThis is the mail system.\r\n--b\r\nContent-Type: message/delivery-status\r\n\r\nStatus: 5.1.1\r\n--b--\r\n";
    assert!(matches!(file(&setup, bounce).await, Outcome::Ignored(_)));
    assert!(
        setup.store.outbox(10).await.unwrap().is_empty(),
        "nothing answered"
    );
    let kept = setup.store.inbound(10).await.unwrap();
    assert_eq!(kept.len(), 2, "both kept");
    assert!(
        kept.iter()
            .all(|row| row.outcome == docket_store::InboundOutcome::Ignored)
    );
}

async fn no_day_triage(db: &TestDb) {
    let setup = setup(db).await;
    let raw = message_with_docx(
        "noday@example.org",
        "Cy <cy@example.org>",
        "My guest blog",
        "Hello, here is my blog.",
        "",
    );
    let Outcome::Triage(reason) = file(&setup, &raw).await else {
        panic!("not triaged")
    };
    assert_eq!(reason, "no day named");
    let answer = &setup.store.outbox(10).await.unwrap()[0];
    assert_eq!(answer.mail.to, "cy@example.org");
    assert!(
        answer
            .mail
            .text
            .contains("We could not tell which day your piece is for"),
        "{}",
        answer.mail.text
    );
    // In the one judge's words, as the web form says them.
    assert!(
        answer.mail.text.contains(docket_core::judge::DAYS_SENTENCE),
        "{}",
        answer.mail.text
    );
    assert!(
        answer
            .mail
            .text
            .contains("Tuesday 15 November 2022 (Harnessing the power of data)")
    );
    let row = &setup.store.inbound(10).await.unwrap()[0];
    assert_eq!(
        (row.outcome.as_str(), row.sender.as_str()),
        ("triage", "cy@example.org")
    );
}

async fn limits_on_mail(db: &TestDb) {
    let mut setup = setup(db).await;
    // Too large: told to send a link or a smaller file.
    setup.ingestor.settings.max_message_bytes = 10_000;
    let Outcome::Triage(reason) = file(&setup, &blog_mail("big@example.org")).await else {
        panic!()
    };
    assert!(reason.contains("larger than"), "{reason}");
    assert!(
        setup.store.outbox(1).await.unwrap()[0]
            .mail
            .text
            .contains("Send a smaller file, or a link to it")
    );
    setup.ingestor.settings = IngestSettings {
        per_sender_per_hour: 3,
        ..IngestSettings::default()
    };
    // Too many from one sender: after the limit, nothing more is answered.
    for n in 0..3 {
        let raw = format!(
            "Message-ID: <many-{n}@example.org>\r\nFrom: dee@example.org\r\nTo: jago@techuk.example.org\r\nSubject: hello {n}\r\n\r\nhi\r\n"
        );
        assert!(matches!(
            file(&setup, raw.as_bytes()).await,
            Outcome::Triage(_)
        ));
    }
    let raw = b"Message-ID: <many-3@example.org>\r\nFrom: dee@example.org\r\nTo: jago@techuk.example.org\r\nSubject: hello 3\r\n\r\nhi\r\n";
    assert_eq!(
        file(&setup, raw).await,
        Outcome::Ignored("too many messages from this sender".into())
    );
    // Too late: the deadline in UK time.
    setup.clock.set("2022-11-05T12:00:01Z".parse().unwrap());
    let Outcome::Triage(reason) = file(&setup, &blog_mail("late@example.org")).await else {
        panic!()
    };
    assert_eq!(reason, "after the deadline");
    let answer = setup.store.outbox(1).await.unwrap().remove(0);
    assert!(
        answer
            .mail
            .text
            .contains("12:00 GMT on Saturday 5 November 2022"),
        "{}",
        answer.mail.text
    );
}

async fn full_path(db: &TestDb) {
    let Some(mut dovecot) = Dovecot::start() else {
        return;
    };
    let Some(receiver) = SmtpReceiver::start() else {
        return;
    };
    let setup = setup(db).await;
    dovecot.deliver(&blog_mail("fullpath@example.org"));
    let outcomes = docket_mail::imap::poll_once(&dovecot.settings(), &setup.ingestor)
        .await
        .unwrap();
    assert!(
        matches!(outcomes[..], [Outcome::Submission(_)]),
        "{outcomes:?}"
    );
    assert_eq!(dovecot.seen(), 1, "marked seen after the commit");
    assert!(
        docket_mail::imap::poll_once(&dovecot.settings(), &setup.ingestor)
            .await
            .unwrap()
            .is_empty(),
        "nothing left unseen"
    );
    let transport = SmtpTransport::new(&receiver.settings()).unwrap();
    let round = outbox::run_once(
        setup.store.as_ref(),
        &transport,
        &setup.clock,
        &WorkerSettings::default(),
    )
    .await
    .unwrap();
    assert_eq!(round.sent, 1);
    let received = receiver.messages();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].header("X-RcptTo"), Some("ada@example.org"));
    assert!(received[0].raw.contains("Tuesday 15 November 2022"));
}

/// The seed call with the organiser's inbox set, as an organiser running Docket sets it.
fn call_with_inbox() -> String {
    let source = SEED_CALL.replacen(
        "time_zone = \"Europe/London\"",
        "time_zone = \"Europe/London\"\ninbox = \"jago@techuk.example.org\"",
        1,
    );
    assert_ne!(
        source, SEED_CALL,
        "the seed's time_zone line changed: update this test"
    );
    source
}

async fn reply_address(db: &TestDb) {
    let Some(receiver) = SmtpReceiver::start() else {
        return;
    };
    let setup = setup(db).await;
    setup
        .store
        .save_call(
            &parse_call(&call_with_inbox()),
            &docket_store::Actor::Cli,
            setup.clock.now(),
        )
        .await
        .unwrap();
    let Outcome::Submission(id) = file(&setup, &blog_mail("blog-ra@example.org")).await else {
        panic!("not filed")
    };
    let token = setup
        .store
        .submission(id)
        .await
        .unwrap()
        .unwrap()
        .reply_token;
    let address = format!("jago+s{id}-{token}@techuk.example.org");
    let receipt = setup.store.outbox(10).await.unwrap().remove(0);
    assert_eq!(receipt.mail.reply_to.as_deref(), Some(address.as_str()));

    // The receipt leaves with that Reply-To.
    let transport = SmtpTransport::new(&receiver.settings()).unwrap();
    let round = outbox::run_once(
        setup.store.as_ref(),
        &transport,
        &setup.clock,
        &WorkerSettings::default(),
    )
    .await
    .unwrap();
    assert_eq!(round.sent, 1);
    let received = receiver.messages();
    assert_eq!(received[0].header("Reply-To"), Some(address.as_str()));

    // A reply from a client that keeps no In-Reply-To or References, with a corrected document.
    let headers = "";
    let reply = message_with_docx(
        "reply-ra@example.org",
        "Ada Lovelace <ada@example.org>",
        "Corrected version",
        "Here is the corrected version.",
        headers,
    );
    let reply = String::from_utf8(reply).unwrap().replace(
        "To: Jago <jago@techuk.example.org>",
        &format!("To: Docket <{address}>"),
    );
    assert_eq!(
        file(&setup, reply.as_bytes()).await,
        Outcome::Reply {
            submission_id: id,
            revised: true
        }
    );
    assert_eq!(setup.store.revisions(id).await.unwrap().len(), 2);

    // A guessed token finds nothing: the message is read as a new one (no day named: triage).
    let forged = String::from_utf8(message_with_docx(
        "reply-forged@example.org",
        "Mallory <mallory@example.org>",
        "Corrected version",
        "Here is the corrected version.",
        "",
    ))
    .unwrap()
    .replace(
        "To: Jago <jago@techuk.example.org>",
        &format!("To: <jago+s{id}-aaaaaaaaaaaaaaaa@techuk.example.org>"),
    );
    assert!(
        matches!(file(&setup, forged.as_bytes()).await, Outcome::Triage(_)),
        "a wrong token is not a reply to the piece"
    );
    assert_eq!(setup.store.revisions(id).await.unwrap().len(), 2);
}

/// The store, with its first unit of work failing to commit, as if the process died just
/// before it. Only the unit of work is wrapped; every other call goes to the store itself.
fn fails_once(store: Arc<dyn Store>) -> docket_store::WorkDecorated {
    let failed = std::sync::atomic::AtomicBool::new(false);
    docket_store::WorkDecorated::new(store, move |inner| {
        let fail = !failed.swap(true, std::sync::atomic::Ordering::SeqCst);
        Box::new(FailingWork { inner, fail })
    })
}

async fn poller_crashes(db: &TestDb) {
    let Some(mut dovecot) = Dovecot::start() else {
        return;
    };
    let setup = setup(db).await;
    // Between fetch and commit: the database is gone when the message is read.
    dovecot.deliver(&blog_mail("crash-1@example.org"));
    let broken = Intake {
        store: Arc::new(fails_once(setup.store.clone())),
        ..setup.ingestor.clone()
    };
    assert!(
        docket_mail::imap::poll_once(&dovecot.settings(), &broken)
            .await
            .is_err()
    );
    assert_eq!(dovecot.seen(), 0, "not marked seen: it will be read again");
    assert!(
        setup.store.inbound(10).await.unwrap().is_empty(),
        "nothing half-stored"
    );
    let outcomes = docket_mail::imap::poll_once(&dovecot.settings(), &setup.ingestor)
        .await
        .unwrap();
    assert!(matches!(outcomes[..], [Outcome::Submission(_)]));
    // Between commit and flag: the message is stored, then the poller dies before flagging it.
    // (From a second contributor: a second message from Ada's address, which has an account
    // now, would wait for her confirmation instead.)
    let raw = String::from_utf8(blog_mail("crash-2@example.org"))
        .unwrap()
        .replace(
            "Ada Lovelace <ada@example.org>",
            "Bea Jones <bea@example.org>",
        )
        .into_bytes();
    dovecot.deliver(&raw);
    assert!(matches!(file(&setup, &raw).await, Outcome::Submission(_)));
    let outcomes = docket_mail::imap::poll_once(&dovecot.settings(), &setup.ingestor)
        .await
        .unwrap();
    assert_eq!(
        outcomes,
        vec![Outcome::Duplicate],
        "read again, not stored again"
    );
    assert_eq!(dovecot.seen(), 2);
    for sender in ["ada@example.org", "bea@example.org"] {
        let owner = owner(&setup, sender).await;
        assert_eq!(
            docket_app::pieces::of(setup.store.as_ref(), &owner)
                .await
                .unwrap()
                .len(),
            1,
            "two messages, two pieces, no more"
        );
    }
}

/// A unit of work that takes every step and then, the first time, fails to commit: what was
/// done is rolled back, as a crash before the commit would leave it.
struct FailingWork {
    inner: Box<dyn docket_store::Work>,
    fail: bool,
}

#[async_trait::async_trait]
impl docket_store::Work for FailingWork {
    async fn record_inbound(
        &mut self,
        message: &docket_store::NewInbound,
    ) -> Result<bool, docket_store::StoreError> {
        self.inner.record_inbound(message).await
    }
    async fn account_id(&mut self, email: &str) -> Result<Option<UserId>, StoreError> {
        self.inner.account_id(email).await
    }
    async fn create_account(
        &mut self,
        email: &str,
        now: jiff::Timestamp,
    ) -> Result<UserId, StoreError> {
        self.inner.create_account(email, now).await
    }
    async fn add_file(
        &mut self,
        file: &docket_store::IncomingFile,
        owner_id: UserId,
        now: jiff::Timestamp,
    ) -> Result<docket_core::submission::AssetRef, docket_store::StoreError> {
        self.inner.add_file(file, owner_id, now).await
    }
    async fn file_piece(
        &mut self,
        piece: &docket_store::NewPiece,
        now: jiff::Timestamp,
    ) -> Result<docket_store::FiledPiece, docket_store::StoreError> {
        self.inner.file_piece(piece, now).await
    }
    async fn link_inbound(
        &mut self,
        message_id: &str,
        submission_id: SubmissionId,
    ) -> Result<(), docket_store::StoreError> {
        self.inner.link_inbound(message_id, submission_id).await
    }
    async fn enqueue_mail(
        &mut self,
        mail: &docket_store::NewMail,
        now: jiff::Timestamp,
    ) -> Result<(), docket_store::StoreError> {
        self.inner.enqueue_mail(mail, now).await
    }
    async fn audit(
        &mut self,
        actor: &docket_store::Actor,
        action: &str,
        subject: &str,
        detail: serde_json::Value,
        now: jiff::Timestamp,
    ) -> Result<(), docket_store::StoreError> {
        self.inner.audit(actor, action, subject, detail, now).await
    }
    async fn add_pledge(
        &mut self,
        pledge: &docket_store::NewPledge,
        now: jiff::Timestamp,
    ) -> Result<(i64, String), docket_store::StoreError> {
        self.inner.add_pledge(pledge, now).await
    }
    async fn link_pledge(
        &mut self,
        id: i64,
        submission_id: docket_store::SubmissionId,
        actor: &docket_store::Actor,
        now: jiff::Timestamp,
    ) -> Result<(), docket_store::StoreError> {
        self.inner.link_pledge(id, submission_id, actor, now).await
    }
    async fn commit(self: Box<Self>) -> Result<(), docket_store::StoreError> {
        if self.fail {
            // Dropping the inner work rolls every step back.
            return Err(docket_store::StoreError::Database(sqlx_error()));
        }
        self.inner.commit().await
    }
}

fn sqlx_error() -> sqlx::Error {
    sqlx::Error::PoolTimedOut
}
