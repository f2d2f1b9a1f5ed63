//! A mail's From: is a claim, not an identity. On both backends: a forged From: never adds to an
//! existing account (a guessed reminder Message-ID, a reply to someone else's receipt, a new piece
//! in another person's name); mail from an existing account's address waits for its owner to
//! confirm it by a single-use link, at most one such email a day; unconfirmed, it stays in triage;
//! a new address may still file a piece, marked "sender not verified".

use docket_app::ingest::{self, IngestSettings, Outcome};
use docket_core::trust::SenderTrust;
use docket_store::{NewMail, User};
use docket_tests::app::TestApp;
use docket_tests::both_backends;
use docket_tests::db::TestDb;
use docket_tests::mail::{blog_with_docx, message_with_docx};
use jiff::SignedDuration;

both_backends! {
    a_forged_reply_naming_a_guessed_reminder_id_adds_no_revision => forged_reminder_reply,
    a_reply_to_someone_else_s_receipt_from_another_address_does_not_touch_their_piece => reply_from_stranger,
    mail_from_an_existing_account_waits_for_the_owner_s_confirmation_and_the_link_files_it => held_then_confirmed,
    the_owner_can_say_a_held_message_is_not_theirs => held_then_refused,
    held_mail_nobody_confirms_stays_in_triage_after_the_days => held_then_expired,
    a_new_address_still_files_a_piece_marked_sender_not_verified => new_address_files,
    every_message_id_docket_sends_is_random => random_message_ids,
}

const PASSWORD: &str = "correct horse battery";
const MAILER_URL: &str = "http://127.0.0.1:8080";

async fn file(app: &TestApp, raw: &[u8]) -> Outcome {
    ingest::ingest(
        app.store.as_ref(),
        &app.clock,
        &docket_mail::Mailer::new(MAILER_URL),
        raw,
        &IngestSettings::default(),
    )
    .await
    .unwrap()
}

async fn user(app: &TestApp, email: &str) -> User {
    app.store
        .user_by_email(email)
        .await
        .unwrap()
        .expect("an account")
}

async fn pieces(app: &TestApp, email: &str) -> Vec<docket_store::SubmissionRecord> {
    docket_app::pieces::of(app.store.as_ref(), &user(app, email).await)
        .await
        .unwrap()
}

fn mails(all: &[NewMail], template: &str) -> usize {
    all.iter().filter(|mail| mail.template == template).count()
}

/// Ada signs up on the web and submits a blog by email from her own (confirmed) address, replying
/// to nothing: it is held for her confirmation, which she gives. Returns the piece's id.
async fn ada_with_a_piece(app: &TestApp) -> i64 {
    let ada = app.signed_up("ada@example.org", PASSWORD).await;
    let started = ada
        .post(
            "/calls/digital-justice-week-2022/submit",
            &[("kind", "blog"), ("day", "2022-11-15")],
        )
        .await;
    assert_eq!(started.status, 303);
    let id: i64 = started
        .location()
        .trim_start_matches("/submissions/")
        .trim_end_matches("/edit")
        .parse()
        .unwrap();
    let body = "justice data ".repeat(350);
    let submitted = ada
        .post_multipart(
            &format!("/submissions/{id}/edit"),
            &[
                ("kind", "blog"),
                ("title", "Data at the heart of justice"),
                ("summary", "How data follows a person."),
                ("body", &body),
                ("author_name_0", "Ada Lovelace"),
                ("day", "2022-11-15"),
                ("action", "submit"),
            ],
            vec![],
        )
        .await;
    assert_eq!(submitted.status, 303, "{}", submitted.body);
    id
}

async fn forged_reminder_reply(db: &TestDb) {
    let app = TestApp::spawn(db).await;
    ada_with_a_piece(&app).await;
    // Ada also holds a draft, so the deadline reminder is sent to her about it.
    let ada = app.visitor();
    let signed_in = ada
        .post(
            "/account/sign-in",
            &[("email", "ada@example.org"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(signed_in.status, 303);
    let started = ada
        .post(
            "/calls/digital-justice-week-2022/submit",
            &[("kind", "blog"), ("day", "2022-11-16")],
        )
        .await;
    assert_eq!(started.status, 303);
    let draft: i64 = started
        .location()
        .trim_start_matches("/submissions/")
        .trim_end_matches("/edit")
        .parse()
        .unwrap();
    app.clock.set("2022-11-03T12:30:00Z".parse().unwrap());
    let mailer = docket_mail::Mailer::new(MAILER_URL);
    docket_app::jobs::run_once(
        app.store.as_ref(),
        &app.clock,
        &mailer,
        &docket_app::jobs::RunnerSettings::default(),
    )
    .await
    .unwrap();
    assert_eq!(
        mails(&app.mail_to("ada@example.org").await, "deadline_reminder"),
        1
    );
    // Mallory writes Ada's address on messages that name the Message-ID such a reminder was
    // once given (`reminder-JOB-PIECE@host`), with a document attached for the draft.
    let jobs = app
        .store
        .call_jobs(
            app.store
                .call("digital-justice-week-2022")
                .await
                .unwrap()
                .unwrap()
                .id,
        )
        .await
        .unwrap();
    for (n, job) in jobs.iter().enumerate() {
        let guessed = format!("<reminder-{}-{draft}@127.0.0.1>", job.id);
        let forged = message_with_docx(
            &format!("forged-{n}@evil.example"),
            "Ada Lovelace <ada@example.org>",
            "Re: The deadline is near",
            "Here is the final version.",
            &format!("In-Reply-To: {guessed}\r\nReferences: {guessed}\r\n"),
        );
        let outcome = file(&app, &forged).await;
        assert!(
            matches!(outcome, Outcome::Held { .. }),
            "{guessed}: {outcome:?}"
        );
    }
    let all = pieces(&app, "ada@example.org").await;
    assert_eq!(all.len(), 2, "no piece was added to her account");
    let record = all
        .iter()
        .find(|piece| piece.id == docket_store::SubmissionId(draft))
        .unwrap();
    assert_eq!(
        record.revision_count, 0,
        "no revision was added to her draft"
    );
    assert!(record.draft.document.is_none());
    // Ada is asked once, however many messages are held today.
    let sent = app.mail_to("ada@example.org").await;
    assert_eq!(mails(&sent, "confirm_message"), 1);
    app.stop().await;
}

async fn reply_from_stranger(db: &TestDb) {
    let app = TestApp::spawn(db).await;
    let id = ada_with_a_piece(&app).await;
    let receipt = app
        .mail_to("ada@example.org")
        .await
        .into_iter()
        .find(|mail| mail.template == "receipt")
        .unwrap();
    // Mallory got hold of the receipt's Message-ID (a forwarded mail) and answers it as herself.
    let reply = message_with_docx(
        "mallory-reply@evil.example",
        "Mallory <mallory@evil.example>",
        "Re: Received: Data at the heart of justice",
        "A better version for Tuesday.",
        &format!("In-Reply-To: {}\r\n", receipt.message_id),
    );
    let outcome = file(&app, &reply).await;
    assert!(
        !matches!(outcome, Outcome::Reply { .. }),
        "not a reply to Ada's piece: {outcome:?}"
    );
    assert_eq!(pieces(&app, "ada@example.org").await[0].revision_count, 1);
    let trail = app
        .store
        .audit_trail(&format!("submission:{id}"))
        .await
        .unwrap();
    assert!(
        !trail
            .iter()
            .any(|event| event.action == "submission.correspondence"),
        "{trail:?}"
    );
    // The same reply from Ada's own address is hers: it acts at once.
    let own = message_with_docx(
        "ada-reply@example.org",
        "Ada Lovelace <ada@example.org>",
        "Re: Received: Data at the heart of justice",
        "A corrected version.",
        &format!("In-Reply-To: {}\r\n", receipt.message_id),
    );
    assert_eq!(
        file(&app, &own).await,
        Outcome::Reply {
            submission_id: docket_store::SubmissionId(id),
            revised: true
        }
    );
    app.stop().await;
}

async fn held_then_confirmed(db: &TestDb) {
    let app = TestApp::spawn(db).await;
    ada_with_a_piece(&app).await;
    let raw = blog_with_docx("ada-second@example.org", "Ada Lovelace <ada@example.org>");
    assert_eq!(
        file(&app, &raw).await,
        Outcome::Held {
            confirmation_sent: true
        }
    );
    assert_eq!(
        pieces(&app, "ada@example.org").await.len(),
        1,
        "nothing filed yet"
    );
    let held = app.store.held_messages("ada@example.org").await.unwrap();
    assert_eq!(held.len(), 1);
    // The question quotes the subject, and nothing else the sender wrote.
    let asked = app
        .mail_to("ada@example.org")
        .await
        .into_iter()
        .find(|mail| mail.template == "confirm_message")
        .unwrap();
    assert!(asked.text.contains("Guest blog for Digital Justice Week"));
    assert!(
        !asked.text.contains("Please find attached"),
        "{}",
        asked.text
    );
    assert!(!asked.html.contains("Please find attached"));
    assert!(
        !asked.subject.contains("/mail/confirm/"),
        "no secret in the subject"
    );
    assert_eq!(asked.call_id, None, "no call's outbox lists it");

    // The link shows what waits; a GET uses nothing.
    let link = app.link_in_mail("ada@example.org", "/mail/confirm/").await;
    let someone = app.visitor();
    let page = someone.get(&link).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("Guest blog for Digital Justice Week"));
    assert!(
        page.body
            .contains(&format!("value=\"{}\" checked", held[0].id))
    );
    let id = held[0].id.to_string();
    let done = someone
        .post(&link, &[("message", id.as_str()), ("action", "file")])
        .await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert!(
        done.body.contains("is filed as a new piece"),
        "{}",
        done.body
    );
    let filed = pieces(&app, "ada@example.org").await;
    assert_eq!(filed.len(), 2);
    let new = filed
        .iter()
        .find(|piece| piece.draft.document.is_some())
        .unwrap();
    assert_eq!(new.sender_trust, Some(SenderTrust::ConfirmedByLink));
    let record = app.store.inbound(10).await.unwrap();
    let record = record
        .iter()
        .find(|r| r.message_id.contains("ada-second"))
        .unwrap();
    assert_eq!(record.outcome, docket_store::InboundOutcome::Submission);
    assert_eq!(record.sender_trust, SenderTrust::ConfirmedByLink);
    assert_eq!(mails(&app.mail_to("ada@example.org").await, "receipt"), 2);
    // Staff see how its sender was known, on the piece and in the call's mail log.
    let (editor, _) = app
        .staff_member(
            "digital-justice-week-2022",
            "editor@example.org",
            PASSWORD,
            docket_store::StaffRole::Editor,
        )
        .await;
    let console = "/console/calls/digital-justice-week-2022";
    let piece = editor
        .get(&format!("{console}/pieces/{}", new.id))
        .await
        .body;
    assert!(piece.contains("Sender: confirmed by link"), "{piece}");
    let log = editor.get(&format!("{console}/inbound")).await.body;
    assert!(log.contains("confirmed by link"), "{log}");
    // Single use.
    let again = someone
        .post(&link, &[("message", id.as_str()), ("action", "file")])
        .await;
    assert_eq!(again.status, 410);
    assert_eq!(pieces(&app, "ada@example.org").await.len(), 2);
    // The same message delivered again is a duplicate, not a new question.
    assert_eq!(file(&app, &raw).await, Outcome::Duplicate);
    app.stop().await;
}

async fn held_then_refused(db: &TestDb) {
    let app = TestApp::spawn(db).await;
    ada_with_a_piece(&app).await;
    let forged = blog_with_docx("forged-1@evil.example", "Ada Lovelace <ada@example.org>");
    assert!(matches!(file(&app, &forged).await, Outcome::Held { .. }));
    // A second forgery the same day: held, and Ada is not mailed again.
    let forged = blog_with_docx("forged-2@evil.example", "Ada Lovelace <ada@example.org>");
    assert_eq!(
        file(&app, &forged).await,
        Outcome::Held {
            confirmation_sent: false
        }
    );
    assert_eq!(
        mails(&app.mail_to("ada@example.org").await, "confirm_message"),
        1
    );
    let link = app.link_in_mail("ada@example.org", "/mail/confirm/").await;
    let page = app.visitor().post(&link, &[("action", "none")]).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body.contains("2 messages are not filed"),
        "{}",
        page.body
    );
    assert_eq!(pieces(&app, "ada@example.org").await.len(), 1);
    assert!(
        app.store
            .held_messages("ada@example.org")
            .await
            .unwrap()
            .is_empty()
    );
    let triage = app.store.inbound(10).await.unwrap();
    assert!(
        triage
            .iter()
            .filter(|r| r.message_id.contains("forged"))
            .all(|r| r.outcome == docket_store::InboundOutcome::Triage
                && r.reason.contains("did not send")),
        "{triage:?}"
    );
    // A day later, new mail may ask again.
    app.clock.advance(SignedDuration::from_hours(25));
    let third = blog_with_docx("forged-3@evil.example", "Ada Lovelace <ada@example.org>");
    assert_eq!(
        file(&app, &third).await,
        Outcome::Held {
            confirmation_sent: true
        }
    );
    app.stop().await;
}

async fn held_then_expired(db: &TestDb) {
    let app = TestApp::spawn(db).await;
    ada_with_a_piece(&app).await;
    let raw = blog_with_docx("ada-late@example.org", "Ada Lovelace <ada@example.org>");
    assert!(matches!(file(&app, &raw).await, Outcome::Held { .. }));
    let link = app.link_in_mail("ada@example.org", "/mail/confirm/").await;
    app.clock.advance(SignedDuration::from_hours(7 * 24 + 1));
    let mailer = docket_mail::Mailer::new(MAILER_URL);
    docket_app::jobs::run_once(
        app.store.as_ref(),
        &app.clock,
        &mailer,
        &docket_app::jobs::RunnerSettings::default(),
    )
    .await
    .unwrap();
    let record = app.store.inbound(10).await.unwrap();
    let record = record
        .iter()
        .find(|r| r.message_id.contains("ada-late"))
        .unwrap();
    assert_eq!(record.outcome, docket_store::InboundOutcome::Triage);
    assert!(
        record.reason.contains("did not confirm"),
        "{}",
        record.reason
    );
    assert_eq!(
        app.visitor().get(&link).await.status,
        410,
        "the link has expired"
    );
    assert_eq!(pieces(&app, "ada@example.org").await.len(), 1);
    app.stop().await;
}

async fn new_address_files(db: &TestDb) {
    let app = TestApp::spawn(db).await;
    let raw = blog_with_docx("bea-first@example.org", "Bea Jones <bea@example.org>");
    let Outcome::Submission(_) = file(&app, &raw).await else {
        panic!("a new address files its piece")
    };
    let filed = pieces(&app, "bea@example.org").await;
    assert_eq!(filed[0].sender_trust, Some(SenderTrust::NotVerified));
    let record = &app.store.inbound(1).await.unwrap()[0];
    assert_eq!(record.sender_trust, SenderTrust::NotVerified);
    // Her next message comes from an address that has an account now: it waits for her.
    let again = blog_with_docx("bea-second@example.org", "Bea Jones <bea@example.org>");
    assert!(matches!(file(&app, &again).await, Outcome::Held { .. }));
    app.stop().await;
}

async fn random_message_ids(db: &TestDb) {
    let app = TestApp::spawn(db).await;
    ada_with_a_piece(&app).await;
    // A draft, and its deadline reminder.
    let bea = app.signed_up("bea@example.org", PASSWORD).await;
    let started = bea
        .post(
            "/calls/digital-justice-week-2022/submit",
            &[("kind", "blog"), ("day", "2022-11-16")],
        )
        .await;
    assert_eq!(started.status, 303);
    app.clock.set("2022-11-03T12:30:00Z".parse().unwrap());
    let mailer = docket_mail::Mailer::new(MAILER_URL);
    let settings = docket_app::jobs::RunnerSettings::default();
    docket_app::jobs::run_once(app.store.as_ref(), &app.clock, &mailer, &settings)
        .await
        .unwrap();
    let all = app.store.outbox(100).await.unwrap();
    assert!(
        all.iter()
            .any(|row| row.mail.template == "deadline_reminder")
    );
    for row in &all {
        let id = row.mail.message_id.trim_matches(['<', '>']);
        let (local, _) = id.split_once('@').unwrap();
        assert!(
            local.len() == 32 && local.bytes().all(|b| b.is_ascii_hexdigit()),
            "{} ({}) says what it is about",
            row.mail.message_id,
            row.mail.template
        );
    }
    app.stop().await;
}
