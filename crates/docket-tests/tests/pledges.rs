//! Pledges: "include in your email which day you will be submitting something against". A
//! message that names a day and promises a piece becomes a pledge with an answer that says what
//! Docket understood; the piece sent in reply fulfils it; organisers see both. Both backends.

use docket_app::ingest::{self, IngestSettings, Outcome};
use docket_core::pledge::PledgeState;
use docket_tests::app::{NowTimestamp, TestApp};
use docket_tests::both_backends;
use docket_tests::db::TestDb;
use docket_tests::mail::message_with_docx;

both_backends! {
    an_emailed_promise_is_a_pledge_and_the_reply_with_the_piece_fulfils_it => by_email,
    a_pledge_after_the_deadline_is_answered_with_the_calls_closing_words => after_deadline,
    the_deadline_reminder_reaches_pledgers_who_have_not_sent_once_each => reminders,
}

const INBOX: &str = "jago@techuk.example.org";

/// The seed call with its organiser's address as the inbox, as a deployment would set it.
fn with_inbox() -> String {
    docket_tests::SEED_CALL.replacen(
        "time_zone = \"Europe/London\"",
        &format!("time_zone = \"Europe/London\"\ninbox = \"{INBOX}\""),
        1,
    )
}

fn plain(id: &str, from: &str, to: &str, subject: &str, text: &str) -> Vec<u8> {
    format!(
        "Message-ID: <{id}>\r\nDate: Thu, 20 Oct 2022 10:15:00 +0100\r\nFrom: {from}\r\nTo: {to}\r\n\
         Subject: {subject}\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{text}\r\n"
    )
    .into_bytes()
}

async fn file(app: &TestApp, raw: &[u8]) -> Outcome {
    let mailer = docket_mail::Mailer::new("https://docket.example.org");
    ingest::ingest(
        app.store.as_ref(),
        &app.clock,
        &mailer,
        raw,
        &IngestSettings::default(),
    )
    .await
    .expect("ingested")
}

async fn by_email(db: &TestDb) {
    let app = TestApp::spawn(db).await;
    app.import(&with_inbox()).await;
    app.clock.set("2022-10-20T09:00:00Z".parse().unwrap());
    let raw = plain(
        "pledge-1@example.org",
        "Priya Shah <priya@example.org>",
        INBOX,
        "Digital Justice Week",
        "Hi Jago,\r\n\r\nI'd like to write a blog for Tuesday's data theme, I'll send it next week.\r\n\r\nPriya",
    );
    let Outcome::Pledge(id) = file(&app, &raw).await else {
        panic!("a pledge")
    };
    let pledge = app.store.pledge(id).await.unwrap().expect("the pledge");
    assert_eq!(pledge.state, PledgeState::Open);
    assert_eq!(pledge.pledge.kind.as_deref(), Some("blog"));
    assert_eq!(pledge.pledge.author, "Priya Shah");
    assert_eq!(pledge.owner_email, "priya@example.org");
    // The answer says what Docket understood, the deadline in UK time, and how to send it.
    let answer = app.mail_to("priya@example.org").await.remove(0);
    for said in [
        "Kind: Guest blog",
        "Days: Tuesday 15 November 2022 (Harnessing the power of data)",
        "The deadline is 12:00 GMT on Saturday 5 November 2022.",
        "reply to this email with it attached",
        &format!("/pledges/{id}"),
    ] {
        assert!(
            answer.text.contains(said),
            "the answer lacks {said:?}: {}",
            answer.text
        );
    }
    assert!(
        !answer.text.contains("file it as your piece"),
        "it was sure"
    );
    let reply_to = answer.reply_to.clone().expect("the pledge's reply address");
    assert!(reply_to.starts_with(&format!("jago+p{id}-")), "{reply_to}");
    // Nothing is submitted yet; the pledge waits for its piece.
    let call = app
        .store
        .call("digital-justice-week-2022")
        .await
        .unwrap()
        .unwrap();
    assert!(
        app.store
            .call_pledges(call.id)
            .await
            .unwrap()
            .iter()
            .all(|p| !p.piece_sent())
    );

    // The reply with the .docx, to the pledge's address: the piece, for Tuesday, fulfilling it.
    let reply = message_with_docx(
        "pledge-2@example.org",
        "Priya Shah <priya@example.org>",
        "Re: Thank you: guest blog for Tuesday",
        "Here it is!",
        &format!("In-Reply-To: {}\r\n", answer.message_id),
    );
    let reply = String::from_utf8(reply)
        .unwrap()
        .replacen(
            &format!("To: Jago <{INBOX}>"),
            &format!("To: {reply_to}"),
            1,
        )
        .into_bytes();
    let Outcome::Submission(piece) = file(&app, &reply).await else {
        panic!("the piece is filed")
    };
    let record = app.store.submission(piece).await.unwrap().unwrap();
    assert_eq!(record.owner_email, "priya@example.org");
    assert_eq!(record.draft.kind, "blog");
    assert_eq!(
        record
            .draft
            .days
            .as_ref()
            .map(|days| days.describe(&call.call)),
        Some("Tuesday 15 November 2022 (Harnessing the power of data)".into())
    );
    let pledge = app.store.pledge(id).await.unwrap().unwrap();
    assert_eq!(pledge.submission_id, Some(piece));
    assert!(pledge.piece_sent(), "fulfilled");
    // One record from promise to piece: the audit trail has both.
    let trail = app
        .store
        .audit_trail(&format!("pledge:{id}"))
        .await
        .unwrap();
    let actions: Vec<&str> = trail.iter().map(|event| event.action.as_str()).collect();
    assert_eq!(actions, ["pledge.made", "pledge.piece_linked"]);
    app.stop().await;
}

async fn after_deadline(db: &TestDb) {
    let app = TestApp::spawn(db).await;
    app.import(&with_inbox()).await;
    app.clock.set("2022-11-06T09:00:00Z".parse().unwrap());
    let raw = plain(
        "late-pledge@example.org",
        "Ola <ola@example.org>",
        INBOX,
        "Blog",
        "I'd like to write a blog for Thursday if there is still room.",
    );
    let outcome = file(&app, &raw).await;
    assert!(matches!(outcome, Outcome::Triage(_)), "{outcome:?}");
    let answer = app.mail_to("ola@example.org").await.remove(0);
    assert!(
        answer
            .text
            .contains("This call closed on Saturday 5 November 2022 at 12:00 GMT"),
        "{}",
        answer.text
    );
    app.stop().await;
}

async fn reminders(db: &TestDb) {
    let app = TestApp::spawn(db).await;
    app.import(&with_inbox()).await;
    app.clock.set("2022-10-20T09:00:00Z".parse().unwrap());
    // Ann pledges by email and again on the web; Bo pledges and sends the piece; Cy pledges.
    for (id, from, text) in [
        (
            "r1@example.org",
            "Ann <ann@example.org>",
            "I'd like to write a blog for Monday.",
        ),
        (
            "r3@example.org",
            "Bo <bo@example.org>",
            "I'm planning a blog for Wednesday.",
        ),
        (
            "r4@example.org",
            "Cy <cy@example.org>",
            "Put me down for a podcast on Thursday please.",
        ),
    ] {
        let outcome = file(&app, &plain(id, from, INBOX, "Digital Justice Week", text)).await;
        assert!(matches!(outcome, Outcome::Pledge(_)), "{outcome:?}");
    }
    let call = app
        .store
        .call("digital-justice-week-2022")
        .await
        .unwrap()
        .unwrap();
    let ann = app
        .store
        .user_by_email("ann@example.org")
        .await
        .unwrap()
        .unwrap();
    app.store
        .add_pledge(
            &docket_store::NewPledge {
                call_id: call.id,
                owner_id: ann.id,
                pledge: docket_core::pledge::Pledge {
                    kind: Some("case-study".into()),
                    days: Some(docket_core::submission::CandidateDays::Days(
                        [jiff::civil::date(2022, 11, 18)].into_iter().collect(),
                    )),
                    ..Default::default()
                },
                source: "web",
                sender_trust: None,
            },
            None,
            app.clock.now_timestamp(),
        )
        .await
        .unwrap();
    let bo = app.mail_to("bo@example.org").await.remove(0);
    let reply = message_with_docx(
        "r5@example.org",
        "Bo <bo@example.org>",
        "Re: my blog",
        "Attached.",
        "",
    );
    let reply = String::from_utf8(reply)
        .unwrap()
        .replacen(
            &format!("To: Jago <{INBOX}>"),
            &format!("To: {}", bo.reply_to.unwrap()),
            1,
        )
        .into_bytes();
    assert!(matches!(file(&app, &reply).await, Outcome::Submission(_)));
    // Two days before the deadline (midday GMT on 5 November), the reminder runs.
    app.clock.set("2022-11-03T12:00:00Z".parse().unwrap());
    let mailer = docket_mail::Mailer::new("https://docket.example.org");
    let settings = docket_app::jobs::RunnerSettings::default();
    let done = docket_app::jobs::run_once(app.store.as_ref(), &app.clock, &mailer, &settings)
        .await
        .unwrap();
    assert!(
        done.iter()
            .any(|(_, outcome)| outcome.contains("reminded 2 pledgers")),
        "{done:?}"
    );
    let reminder = |to: &str| {
        let app = &app;
        let to = to.to_owned();
        async move {
            app.mail_to(&to)
                .await
                .into_iter()
                .filter(|mail| mail.template == "pledge_reminder")
                .collect::<Vec<_>>()
        }
    };
    let ann = reminder("ann@example.org").await;
    assert_eq!(ann.len(), 1, "one reminder for Ann");
    for promised in [
        "a guest blog for Monday 14 November 2022",
        "a case study for Friday 18 November 2022",
    ] {
        assert!(ann[0].text.contains(promised), "{}", ann[0].text);
    }
    assert!(ann[0].text.contains("2 days"), "{}", ann[0].text);
    assert_eq!(reminder("cy@example.org").await.len(), 1);
    assert!(
        reminder("bo@example.org").await.is_empty(),
        "Bo sent his piece"
    );
    // Run again: nobody is reminded twice.
    docket_app::jobs::run_once(app.store.as_ref(), &app.clock, &mailer, &settings)
        .await
        .unwrap();
    assert_eq!(reminder("ann@example.org").await.len(), 1);
    app.stop().await;
}
