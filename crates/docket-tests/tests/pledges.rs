//! Pledges: "include in your email which day you will be submitting something against". A
//! message that names a day and promises a piece becomes a pledge with an answer that says what
//! Docket understood; the piece sent in reply fulfils it; organisers see both. Both backends.

use docket_app::ingest::{self, IngestSettings, Outcome};
use docket_core::pledge::PledgeState;
use docket_tests::app::{NowTimestamp, TestApp, Visitor};
use docket_tests::both_backends;
use docket_tests::db::TestDb;
use docket_tests::mail::message_with_docx;

both_backends! {
    an_emailed_promise_is_a_pledge_and_the_reply_with_the_piece_fulfils_it => by_email,
    a_pledge_after_the_deadline_is_answered_with_the_calls_closing_words => after_deadline,
    the_deadline_reminder_reaches_pledgers_who_have_not_sent_once_each => reminders,
    a_pledge_made_on_the_web_becomes_the_piece_and_organisers_see_both => on_the_web,
    an_author_withdraws_and_an_editor_declines_with_a_note => withdraw_and_decline,
    an_unsure_pledge_can_be_filed_as_the_piece_it_was => file_it,
    an_organiser_nudges_the_pledgers_of_one_day => nudge,
    two_people_writing_separately_in_one_message_make_two_pledges => two_writers,
    a_piece_from_an_authenticated_sender_for_the_pledged_day_fulfils_the_pledge => authenticated_piece,
    someone_with_drafts_and_a_pledge_is_reminded_once => one_reminder_a_person,
    a_piece_sent_from_the_calls_own_form_fulfils_the_pledge_for_its_day => web_piece,
    after_the_deadline_the_web_takes_no_pledge => web_after_deadline,
    an_assistants_forward_is_the_senders_pledge_and_names_the_author => assistant_forward,
    two_people_writing_together_make_one_pledge_with_a_coauthor => writing_together,
    a_promise_from_an_existing_account_that_nothing_authenticates_waits_for_its_confirmation => held_pledge,
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
    // The organiser sees the promise kept: Tuesday's piece submitted, none still pledged, and
    // the pledge listed with its piece.
    let organiser = organiser(&app).await;
    let overview = organiser
        .get("/console/calls/digital-justice-week-2022")
        .await
        .body;
    assert_eq!(overview_count(&overview, "Tuesday 15 November 2022", 0), 0);
    assert_eq!(overview_count(&overview, "Tuesday 15 November 2022", 1), 1);
    assert_eq!(overview_count(&overview, "Guest blog", 1), 1);
    let list = organiser
        .get("/console/calls/digital-justice-week-2022/pledges")
        .await
        .body;
    assert!(
        list.contains("priya@example.org")
            && list.contains("Piece sent")
            && list.contains(&format!("piece {piece}")),
        "{list}"
    );
    app.stop().await;
}

async fn after_deadline(db: &TestDb) {
    let app = TestApp::spawn(db).await;
    app.import(&with_inbox()).await;
    // Without words of its own, the call says when it closed.
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
    // With its own `after_deadline`, the call's words are the answer.
    app.import(&with_inbox().replacen(
        "time_zone = \"Europe/London\"",
        "time_zone = \"Europe/London\"\nafter_deadline = \"\"\"We have all the blogs we need, thank you. The week is published from 14 November.\"\"\"",
        1,
    ))
    .await;
    let raw = plain(
        "late-pledge-2@example.org",
        "Uma <uma@example.org>",
        INBOX,
        "Blog for Friday",
        "Hello, I'm planning a blog for Friday's emerging technology theme. Is it too late?",
    );
    let outcome = file(&app, &raw).await;
    assert!(matches!(outcome, Outcome::Triage(_)), "{outcome:?}");
    let answer = app.mail_to("uma@example.org").await.remove(0);
    assert!(
        answer.text.contains(
            "We have all the blogs we need, thank you. The week is published from 14 November."
        ),
        "{}",
        answer.text
    );
    assert!(
        !answer.text.contains("This call closed on"),
        "{}",
        answer.text
    );
    // A piece sent after the deadline hears the same words, after the judge's.
    let late_piece = message_with_docx(
        "late-piece@example.org",
        "Uma <uma.piece@example.org>",
        "Blog for Friday",
        "Here is my blog for Friday.",
        "",
    );
    let outcome = file(&app, &late_piece).await;
    assert_eq!(outcome, Outcome::Triage("after the deadline".into()));
    let answer = app.mail_to("uma.piece@example.org").await.remove(0);
    for said in [
        "Submissions and changes are closed",
        "We have all the blogs we need, thank you. The week is published from 14 November.",
    ] {
        assert!(answer.text.contains(said), "{said:?}: {}", answer.text);
    }
    let call = app
        .store
        .call("digital-justice-week-2022")
        .await
        .unwrap()
        .unwrap();
    assert!(app.store.call_pledges(call.id).await.unwrap().is_empty());
    app.stop().await;
}

async fn web_after_deadline(db: &TestDb) {
    let app = TestApp::spawn(db).await;
    app.clock.set("2022-11-06T09:00:00Z".parse().unwrap());
    let ada = app.signed_up("ada@example.org", PASSWORD).await;
    // The form says the call is closed instead of asking, and a pledge posted anyway is refused.
    let form = ada.get(&format!("{CALL}/pledge?day=2022-11-15")).await;
    assert_eq!(form.status, 200);
    assert!(
        form.body.contains("Submissions and changes are closed"),
        "{}",
        form.body
    );
    assert!(!form.body.contains("What will you send?"), "{}", form.body);
    let refused = ada
        .post(
            &format!("{CALL}/pledge"),
            &[("kind", "blog"), ("day", "2022-11-15")],
        )
        .await;
    assert_eq!(refused.status, 409, "{}", refused.body);
    assert!(
        refused.body.contains("Submissions and changes are closed"),
        "{}",
        refused.body
    );
    let call = app
        .store
        .call("digital-justice-week-2022")
        .await
        .unwrap()
        .unwrap();
    assert!(app.store.call_pledges(call.id).await.unwrap().is_empty());
    app.stop().await;
}

async fn web_piece(db: &TestDb) {
    let app = TestApp::spawn(db).await;
    let ada = app.signed_up("ada@example.org", PASSWORD).await;
    // Ada promises a blog for Tuesday and a case study for Thursday.
    let mut pledges = Vec::new();
    for (kind, day) in [("blog", "2022-11-15"), ("case-study", "2022-11-17")] {
        let made = ada
            .post(&format!("{CALL}/pledge"), &[("kind", kind), ("day", day)])
            .await;
        assert_eq!(made.status, 303, "{}", made.body);
        let path = made.location().split('?').next().unwrap().to_owned();
        pledges.push(path.trim_start_matches("/pledges/").parse::<i64>().unwrap());
    }
    // She then sends a blog for Tuesday from the call's own form, as the reminder's link offers:
    // not from the pledge's page.
    let started = ada
        .post(
            &format!("{CALL}/submit"),
            &[("kind", "blog"), ("day", "2022-11-15")],
        )
        .await;
    assert_eq!(started.status, 303, "{}", started.body);
    let piece = started.piece_id();
    // A draft keeps no promise.
    assert!(
        !app.store
            .pledge(pledges[0])
            .await
            .unwrap()
            .unwrap()
            .piece_sent()
    );
    let body = vec!["word"; 700].join(" ");
    let sent = ada
        .post_multipart(
            &format!("/submissions/{piece}/edit"),
            &[
                ("kind", "blog"),
                ("day", "2022-11-15"),
                ("title", "Data that follows the person"),
                ("author_name_0", "Ada Lovelace"),
                ("body", &body),
                ("action", "submit"),
            ],
            vec![],
        )
        .await;
    assert_eq!(sent.status, 303, "{}", sent.body);
    let tuesday = app.store.pledge(pledges[0]).await.unwrap().unwrap();
    assert_eq!(
        tuesday.submission_id.map(|id| id.0),
        Some(piece),
        "Tuesday's pledge is kept by the piece"
    );
    assert!(tuesday.piece_sent());
    let thursday = app.store.pledge(pledges[1]).await.unwrap().unwrap();
    assert_eq!(thursday.submission_id, None, "Thursday's is still to come");
    // A second revision links nothing more.
    let again = ada
        .post_multipart(
            &format!("/submissions/{piece}/edit"),
            &[
                ("kind", "blog"),
                ("day", "2022-11-15"),
                ("day", "2022-11-17"),
                ("title", "Data that follows the person"),
                ("author_name_0", "Ada Lovelace"),
                ("body", &body),
                ("action", "submit"),
            ],
            vec![],
        )
        .await;
    assert_eq!(again.status, 303, "{}", again.body);
    assert_eq!(
        app.store
            .pledge(pledges[1])
            .await
            .unwrap()
            .unwrap()
            .submission_id,
        None
    );
    let trail = app
        .store
        .audit_trail(&format!("pledge:{}", pledges[0]))
        .await
        .unwrap();
    let actions: Vec<&str> = trail.iter().map(|event| event.action.as_str()).collect();
    assert_eq!(actions, ["pledge.made", "pledge.piece_linked"]);
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
    // The organiser words the pledgers' reminder for this call, like any other email.
    let organiser = organiser(&app).await;
    let saved = organiser
        .post(
            "/console/calls/digital-justice-week-2022/emails/pledge_reminder",
            &[
                ("subject", "{{ time_left }} to go: Digital Justice Week"),
                (
                    "text",
                    "Jago here. {{ time_left }} left. You promised {{ promised }}. Send it by {{ call.deadline }}: {{ link }}\r\n",
                ),
                ("html", "<p>Jago here. You promised {{ promised }}.</p>"),
                ("action", "save"),
            ],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
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
    assert!(
        ann[0]
            .text
            .contains("Jago here. 2 days left. You promised a guest blog"),
        "the call's own wording: {}",
        ann[0].text
    );
    assert_eq!(ann[0].subject, "2 days to go: Digital Justice Week");
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

const PASSWORD: &str = "correct horse battery";
const CALL: &str = "/calls/digital-justice-week-2022";

async fn organiser(app: &TestApp) -> Visitor {
    let visitor = app.signed_up("organiser@example.org", PASSWORD).await;
    app.add_staff(
        "digital-justice-week-2022",
        "organiser@example.org",
        docket_store::StaffRole::Organiser,
    )
    .await;
    visitor.enrol_two_factor().await;
    visitor
}

/// The number in the overview's row for `label`, column `column` (0: pledged, 1: submitted,
/// 2: accepted).
fn overview_count(html: &str, label: &str, column: usize) -> usize {
    let row = html
        .split("<tr>")
        .find(|row| row.contains(label))
        .unwrap_or_else(|| panic!("no row for {label}"));
    let cells: Vec<usize> = row
        .split("<td>")
        .skip(1)
        .filter_map(|cell| cell.split('<').next()?.trim().parse().ok())
        .collect();
    cells[cells.len() - 3 + column]
}

async fn on_the_web(db: &TestDb) {
    // The story runs past the deadline, three weeks on: sessions that last.
    let config = docket_web::WebConfig {
        session_idle: jiff::SignedDuration::from_hours(24 * 60),
        session_lifetime: jiff::SignedDuration::from_hours(24 * 60),
        ..docket_web::WebConfig::default()
    };
    let app = TestApp::spawn_with(db, config).await;
    let ada = app.signed_up("ada@example.org", PASSWORD).await;
    // From the day's page, with that day chosen.
    let day = app.get(&format!("{CALL}/days/2022-11-15")).await.body;
    assert!(
        day.contains(&format!(
            "href=\"{CALL}/pledge?day=2022-11-15\">Tell us you're writing for this day</a>"
        )),
        "{day}"
    );
    let form = ada.get(&format!("{CALL}/pledge?day=2022-11-15")).await;
    assert_eq!(form.status, 200);
    assert!(form.body.contains("value=\"2022-11-15\" checked"));
    // From the call's page, with no day chosen yet.
    let call_page = app.get(CALL).await.body;
    assert!(
        call_page.contains(&format!(
            "href=\"{CALL}/pledge\">Tell us you're writing for a day</a>"
        )),
        "{call_page}"
    );
    // A form with nothing chosen is refused with what to do.
    let refused = ada.post(&format!("{CALL}/pledge"), &[("title", "x")]).await;
    assert_eq!(refused.status, 400);
    assert!(
        refused.body.contains("Choose what you will send"),
        "{}",
        refused.body
    );
    let made = ada
        .post(
            &format!("{CALL}/pledge"),
            &[
                ("kind", "blog"),
                ("day", "2022-11-15"),
                ("title", "Data that follows the person"),
                ("coauthors", "Sam Patel, Jo Bloggs"),
            ],
        )
        .await;
    assert_eq!(made.status, 303, "{}", made.body);
    let path = made.location().split('?').next().unwrap().to_owned();
    let id: i64 = path.trim_start_matches("/pledges/").parse().unwrap();
    let page = ada.get(made.location()).await.body;
    for said in [
        "your pledge is noted",
        "Data that follows the person",
        "Promised",
        "Sam Patel, Jo Bloggs",
    ] {
        assert!(page.contains(said), "the pledge page lacks {said:?}");
    }
    let confirmation = app.mail_to("ada@example.org").await.remove(0);
    assert!(
        confirmation
            .text
            .contains("Working title: Data that follows the person")
    );
    // The organiser sees it, on Tuesday, as a blog.
    let organiser = organiser(&app).await;
    let overview = organiser
        .get("/console/calls/digital-justice-week-2022")
        .await
        .body;
    assert_eq!(overview_count(&overview, "Tuesday 15 November 2022", 0), 1);
    assert_eq!(overview_count(&overview, "Guest blog", 0), 1);
    assert_eq!(overview_count(&overview, "Tuesday 15 November 2022", 1), 0);
    // Another contributor cannot see it.
    let bo = app.signed_up("bo@example.org", PASSWORD).await;
    assert_eq!(bo.get(&path).await.status, 404);
    // Start the piece: kind, day, title and authors come from the pledge.
    let started = ada.post(&format!("{path}/start"), &[]).await;
    assert_eq!(started.status, 303, "{}", started.body);
    let piece: i64 = started.piece_id();
    let record = app
        .store
        .submission(docket_store::SubmissionId(piece))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(record.draft.title, "Data that follows the person");
    assert_eq!(record.draft.kind, "blog");
    assert_eq!(
        record.draft.days,
        Some(docket_core::submission::CandidateDays::Days(
            [jiff::civil::date(2022, 11, 15)].into_iter().collect()
        )),
        "the pledged day"
    );
    let names: Vec<&str> = record
        .draft
        .authors
        .iter()
        .map(|a| a.name.as_str())
        .collect();
    assert_eq!(names, ["", "Sam Patel", "Jo Bloggs"]);
    // Started is not sent: still promised.
    assert!(!app.store.pledge(id).await.unwrap().unwrap().piece_sent());
    let body = vec!["word"; 700].join(" ");
    let sent = ada
        .post_multipart(
            &format!("/submissions/{piece}/edit"),
            &[
                ("kind", "blog"),
                ("day", "2022-11-15"),
                ("title", "Data that follows the person"),
                ("author_name_0", "Ada Lovelace"),
                ("author_name_1", "Sam Patel"),
                ("author_name_2", "Jo Bloggs"),
                ("body", &body),
                ("action", "submit"),
            ],
            vec![],
        )
        .await;
    assert_eq!(sent.status, 303, "{}", sent.body);
    assert!(
        app.store.pledge(id).await.unwrap().unwrap().piece_sent(),
        "fulfilled"
    );
    assert!(ada.get(&path).await.body.contains("Piece sent"));
    let overview = organiser
        .get("/console/calls/digital-justice-week-2022")
        .await
        .body;
    assert_eq!(overview_count(&overview, "Tuesday 15 November 2022", 0), 0);
    assert_eq!(overview_count(&overview, "Tuesday 15 November 2022", 1), 1);
    let list = organiser
        .get("/console/calls/digital-justice-week-2022/pledges")
        .await
        .body;
    assert!(
        list.contains("Piece sent") && list.contains(&format!("piece {piece}")),
        "{list}"
    );
    // After the deadline, an unfulfilled pledge is shown as lapsed.
    let other = ada
        .post(
            &format!("{CALL}/pledge"),
            &[("kind", "not-sure"), ("any_day", "yes")],
        )
        .await;
    assert_eq!(other.status, 303, "{}", other.body);
    app.clock.set("2022-11-06T09:00:00Z".parse().unwrap());
    assert!(ada.get("/submissions").await.body.contains("Lapsed"));
    app.stop().await;
}

async fn withdraw_and_decline(db: &TestDb) {
    let app = TestApp::spawn(db).await;
    let ada = app.signed_up("ada@example.org", PASSWORD).await;
    let mut ids = Vec::new();
    for day in ["2022-11-14", "2022-11-16"] {
        let made = ada
            .post(
                &format!("{CALL}/pledge"),
                &[("kind", "case-study"), ("day", day)],
            )
            .await;
        assert_eq!(made.status, 303, "{}", made.body);
        ids.push(made.location().split('?').next().unwrap().to_owned());
    }
    let withdrawn = ada.post(&format!("{}/withdraw", ids[0]), &[]).await;
    assert_eq!(withdrawn.status, 303);
    assert!(ada.get(&ids[0]).await.body.contains("Withdrawn"));
    // Withdrawn once is withdrawn: a second try changes nothing and says so.
    assert_eq!(
        ada.post(&format!("{}/withdraw", ids[0]), &[]).await.status,
        409
    );
    let organiser = organiser(&app).await;
    let id = ids[1].trim_start_matches("/pledges/");
    let declined = organiser
        .post(
            &format!("/console/calls/digital-justice-week-2022/pledges/{id}/decline"),
            &[(
                "note",
                "We have more case studies for Wednesday than the day can hold.",
            )],
        )
        .await;
    assert_eq!(declined.status, 303, "{}", declined.body);
    let mail = app
        .mail_to("ada@example.org")
        .await
        .into_iter()
        .find(|mail| mail.template == "pledge_declined")
        .expect("the author is told");
    assert!(
        mail.text
            .contains("We have more case studies for Wednesday than the day can hold.")
    );
    let page = ada.get(&ids[1]).await.body;
    assert!(page.contains("Declined") && page.contains("than the day can hold"));
    let trail = app
        .store
        .audit_trail(&format!("pledge:{id}"))
        .await
        .unwrap();
    assert!(trail.iter().any(|event| event.action == "pledge.declined"));
    app.stop().await;
}

async fn file_it(db: &TestDb) {
    let app = TestApp::spawn(db).await;
    app.import(&with_inbox()).await;
    app.clock.set("2022-10-20T09:00:00Z".parse().unwrap());
    // A short text with a day and no promise: most likely a pledge, but Docket is not sure.
    let text = "Blog for Thursday: Connected services mean people tell their story once. Probation, police and courts now share one record, and the person at the centre notices.";
    let Outcome::Pledge(id) = file(
        &app,
        &plain(
            "unsure@example.org",
            "Kim <kim@example.org>",
            INBOX,
            "Thursday",
            text,
        ),
    )
    .await
    else {
        panic!("a pledge")
    };
    let answer = app.mail_to("kim@example.org").await.remove(0);
    assert!(
        answer.text.contains("file it as your piece here"),
        "{}",
        answer.text
    );
    // Kim signs in (the account was made by email) and files the message as the piece.
    let kim = app.visitor();
    let page = kim
        .post("/account/sign-in/code", &[("email", "kim@example.org")])
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let code_mail = app.mail_to("kim@example.org").await.remove(0);
    let code: String = code_mail
        .text
        .split_whitespace()
        .find(|word| word.len() == 8 && word.chars().all(|c| c.is_ascii_digit()))
        .expect("a code")
        .to_owned();
    let signed_in = kim
        .post(
            "/account/sign-in/code/verify",
            &[("email", "kim@example.org"), ("code", &code)],
        )
        .await;
    assert_eq!(signed_in.status, 303, "{}", signed_in.body);
    let page = kim.get(&format!("/pledges/{id}")).await.body;
    assert!(page.contains("This was my piece: file it"), "{page}");
    let filed = kim.post(&format!("/pledges/{id}/file"), &[]).await;
    assert_eq!(filed.status, 303, "{}", filed.body);
    let piece: i64 = filed.piece_id();
    let record = app
        .store
        .submission(docket_store::SubmissionId(piece))
        .await
        .unwrap()
        .unwrap();
    assert!(
        record
            .draft
            .body
            .contains("Connected services mean people tell their story once")
    );
    assert_eq!(
        record.state.as_str(),
        "draft",
        "kept as a draft for Kim to check and send"
    );
    // One record from promise to piece: the pledge names the piece, which keeps its day.
    let pledge = app.store.pledge(id).await.unwrap().unwrap();
    assert_eq!(pledge.submission_id, Some(record.id));
    assert_eq!(
        record.draft.days,
        Some(docket_core::submission::CandidateDays::Days(
            [jiff::civil::date(2022, 11, 17)].into_iter().collect()
        ))
    );
    app.stop().await;
}

async fn held_pledge(db: &TestDb) {
    let app = TestApp::spawn(db).await;
    app.import(&with_inbox()).await;
    app.clock.set("2022-10-20T09:00:00Z".parse().unwrap());
    // Ada has an account: a promise in her name that nothing authenticates waits for her.
    app.signed_up("ada@example.org", PASSWORD).await;
    let raw = plain(
        "held-pledge@example.org",
        "Ada Lovelace <ada@example.org>",
        INBOX,
        "Digital Justice Week",
        "I'd like to write a blog for Monday's reoffending theme.",
    );
    assert_eq!(
        file(&app, &raw).await,
        Outcome::Held {
            confirmation_sent: true
        }
    );
    let call = app
        .store
        .call("digital-justice-week-2022")
        .await
        .unwrap()
        .unwrap();
    assert!(app.store.call_pledges(call.id).await.unwrap().is_empty());
    // Her confirmation files it: a pledge for Monday, answered as any other.
    let link = app.link_in_mail("ada@example.org", "/mail/confirm/").await;
    let held = app.store.held_messages("ada@example.org").await.unwrap();
    let someone = app.visitor();
    let done = someone
        .post(
            &link,
            &[
                ("message", held[0].id.to_string().as_str()),
                ("action", "file"),
            ],
        )
        .await;
    assert_eq!(done.status, 200, "{}", done.body);
    let pledges = app.store.call_pledges(call.id).await.unwrap();
    assert_eq!(pledges.len(), 1);
    assert_eq!(pledges[0].owner_email, "ada@example.org");
    assert_eq!(
        pledges[0].pledge.days,
        Some(docket_core::submission::CandidateDays::Days(
            [jiff::civil::date(2022, 11, 14)].into_iter().collect()
        ))
    );
    assert!(
        app.mail_to("ada@example.org")
            .await
            .iter()
            .any(|mail| mail.template == "pledge_received")
    );
    app.stop().await;
}

async fn nudge(db: &TestDb) {
    let app = TestApp::spawn(db).await;
    for (email, day) in [
        ("ada@example.org", "2022-11-15"),
        ("bo@example.org", "2022-11-16"),
    ] {
        let visitor = app.signed_up(email, PASSWORD).await;
        let made = visitor
            .post(&format!("{CALL}/pledge"), &[("kind", "blog"), ("day", day)])
            .await;
        assert_eq!(made.status, 303, "{}", made.body);
    }
    let organiser = organiser(&app).await;
    let nudges = |email: &str| {
        let app = &app;
        let email = email.to_owned();
        async move {
            app.mail_to(&email)
                .await
                .into_iter()
                .filter(|mail| mail.template == "pledge_reminder")
                .count()
        }
    };
    let page = organiser
        .post(
            "/console/calls/digital-justice-week-2022/pledges/nudge",
            &[("day", "2022-11-15")],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    assert!(page.location().ends_with("nudged=1"), "{}", page.location());
    assert_eq!(nudges("ada@example.org").await, 1);
    assert_eq!(
        nudges("bo@example.org").await,
        0,
        "Bo pledged for Wednesday"
    );
    // A second click the same day nudges nobody twice.
    organiser
        .post(
            "/console/calls/digital-justice-week-2022/pledges/nudge",
            &[("day", "2022-11-15")],
        )
        .await;
    assert_eq!(nudges("ada@example.org").await, 1);
    // A day that is not the call's is refused with what to do.
    let refused = organiser
        .post(
            "/console/calls/digital-justice-week-2022/pledges/nudge",
            &[("day", "2022-12-25")],
        )
        .await;
    assert_eq!(refused.status, 400);
    assert!(refused.body.contains("Choose one of the call"));
    app.stop().await;
}

async fn two_writers(db: &TestDb) {
    let app = TestApp::spawn(db).await;
    app.import(&with_inbox()).await;
    app.clock.set("2022-10-20T09:00:00Z".parse().unwrap());
    let raw = plain(
        "two@example.org",
        "Ruth Ade <ruth@example.org>",
        INBOX,
        "Digital Justice Week",
        "Hi Jago,\r\n\r\nMy colleague Sam Patel will write a case study for Monday, and I'll write a blog for Wednesday.\r\n\r\nRuth",
    );
    assert!(matches!(file(&app, &raw).await, Outcome::Pledge(_)));
    let call = app
        .store
        .call("digital-justice-week-2022")
        .await
        .unwrap()
        .unwrap();
    let pledges = app.store.call_pledges(call.id).await.unwrap();
    let seen: Vec<(String, Option<String>)> = pledges
        .iter()
        .map(|p| (p.pledge.author.clone(), p.pledge.kind.clone()))
        .collect();
    assert_eq!(
        seen,
        [
            ("Ruth Ade".to_owned(), Some("blog".to_owned())),
            ("Sam Patel".to_owned(), Some("case-study".to_owned())),
        ]
    );
    assert!(pledges.iter().all(|p| p.owner_email == "ruth@example.org"));
    // One answer for each, each with its own reply address.
    let answers = app.mail_to("ruth@example.org").await;
    assert_eq!(answers.len(), 2);
    assert_ne!(answers[0].reply_to, answers[1].reply_to);
    app.stop().await;
}

async fn authenticated_piece(db: &TestDb) {
    let app = TestApp::spawn(db).await;
    app.import(&with_inbox()).await;
    app.clock.set("2022-10-20T09:00:00Z".parse().unwrap());
    let raw = plain(
        "auth-1@example.org",
        "Priya Shah <priya@example.org>",
        INBOX,
        "Digital Justice Week",
        "I'd like to write a blog for Tuesday's data theme.",
    );
    let Outcome::Pledge(id) = file(&app, &raw).await else {
        panic!("a pledge")
    };
    // Later, a new message (no reply address, no Docket headers) with the piece, vouched for by
    // the receiving server the deployment trusts.
    let authenticator = docket_mail::auth::Authenticator::new(
        &docket_mail::auth::Dns::Servers(vec!["127.0.0.1:9".parse().unwrap()]),
        vec!["mx.example.org".into()],
        std::time::Duration::from_secs(2),
        false,
    )
    .unwrap();
    let settings = IngestSettings {
        authenticator: Some(std::sync::Arc::new(authenticator)),
        ..IngestSettings::default()
    };
    let piece = message_with_docx(
        "auth-2@example.org",
        "Priya Shah <priya@example.org>",
        "My blog for Tuesday",
        "Here is my blog for Tuesday.",
        "Authentication-Results: mx.example.org; dkim=pass header.d=example.org; dmarc=pass header.from=example.org\r\n",
    );
    let mailer = docket_mail::Mailer::new("https://docket.example.org");
    let outcome = ingest::ingest(app.store.as_ref(), &app.clock, &mailer, &piece, &settings)
        .await
        .unwrap();
    let Outcome::Submission(submission) = outcome else {
        panic!("filed at once: {outcome:?}")
    };
    let pledge = app.store.pledge(id).await.unwrap().unwrap();
    assert_eq!(pledge.submission_id, Some(submission));
    assert!(pledge.piece_sent());
    app.stop().await;
}

async fn one_reminder_a_person(db: &TestDb) {
    let app = TestApp::spawn(db).await;
    let ada = app.signed_up("ada@example.org", PASSWORD).await;
    for day in ["2022-11-14", "2022-11-15"] {
        let started = ada
            .post(&format!("{CALL}/submit"), &[("kind", "blog"), ("day", day)])
            .await;
        assert_eq!(started.status, 303, "{}", started.body);
    }
    let made = ada
        .post(
            &format!("{CALL}/pledge"),
            &[("kind", "podcast"), ("day", "2022-11-18")],
        )
        .await;
    assert_eq!(made.status, 303, "{}", made.body);
    app.clock.set("2022-11-03T12:00:00Z".parse().unwrap());
    let mailer = docket_mail::Mailer::new("https://docket.example.org");
    let settings = docket_app::jobs::RunnerSettings::default();
    docket_app::jobs::run_once(app.store.as_ref(), &app.clock, &mailer, &settings)
        .await
        .unwrap();
    let reminders: Vec<String> = app
        .mail_to("ada@example.org")
        .await
        .into_iter()
        .filter(|mail| mail.template.contains("reminder"))
        .map(|mail| mail.template)
        .collect();
    assert_eq!(reminders, ["deadline_reminder"], "one reminder for Ada");
    app.stop().await;
}

async fn assistant_forward(db: &TestDb) {
    let app = TestApp::spawn(db).await;
    app.import(&with_inbox()).await;
    app.clock.set("2022-10-20T09:00:00Z".parse().unwrap());
    // Gmail's forward, and Outlook's with its directory name ("Gomez, Maria").
    let gmail = plain(
        "fwd-1@lawfirm.example",
        "Pat Jones <pat.jones@lawfirm.example>",
        INBOX,
        "Fwd: Digital Justice Week blog",
        "Hi Jago,\r\n\r\nPlease see below from Maria.\r\n\r\nBest,\r\nPat\r\n\r\n\
         ---------- Forwarded message ---------\r\n\
         From: Maria Gomez <m.gomez@lawfirm.example>\r\n\
         Date: Mon, 17 Oct 2022 at 16:02\r\n\
         Subject: Digital Justice Week blog\r\n\
         To: Pat Jones <pat.jones@lawfirm.example>\r\n\r\n\
         Pat, could you tell techUK I'd like to write a guest blog for Wednesday's user needs \
         theme? Working title \u{201c}Designing court services with the people who use them\u{201d}. \
         I'll have a draft by early November.\r\n\r\nThanks,\r\nMaria\r\n",
    );
    let outlook = plain(
        "fwd-2@lawfirm.example",
        "Sue Black <sue.black@lawfirm.example>",
        INBOX,
        "FW: techUK Digital Justice Week",
        "Jago - forwarding as requested.\r\n\r\nSue\r\n\r\n\
         ________________________________\r\n\
         From: Okafor, Rita <r.okafor@lawfirm.example>\r\n\
         Sent: 18 October 2022 11:20\r\n\
         To: Black, Sue <sue.black@lawfirm.example>\r\n\
         Subject: techUK Digital Justice Week\r\n\r\n\
         Sue, please let techUK know I plan to send a case study for Monday, on reducing \
         reoffending through data sharing.\r\n\r\nRita\r\n",
    );
    for (raw, owner, author, kind, day) in [
        (
            gmail,
            "pat.jones@lawfirm.example",
            "Maria Gomez",
            "blog",
            "Wednesday 16 November 2022",
        ),
        (
            outlook,
            "sue.black@lawfirm.example",
            "Rita Okafor",
            "case-study",
            "Monday 14 November 2022",
        ),
    ] {
        let Outcome::Pledge(id) = file(&app, &raw).await else {
            panic!("a pledge for {author}")
        };
        let pledge = app.store.pledge(id).await.unwrap().unwrap();
        assert_eq!(
            pledge.owner_email, owner,
            "the From: account answers for it"
        );
        assert_eq!(pledge.pledge.author, author, "the forward names the author");
        assert_eq!(pledge.pledge.kind.as_deref(), Some(kind));
        let answer = app.mail_to(owner).await.remove(0);
        for said in [format!("Written by: {author}"), format!("Days: {day}")] {
            assert!(answer.text.contains(&said), "{said:?}: {}", answer.text);
        }
    }
    assert!(
        app.mail_to("m.gomez@lawfirm.example").await.is_empty(),
        "the quoted author is a name, never an address Docket writes to"
    );
    app.stop().await;
}

async fn writing_together(db: &TestDb) {
    let app = TestApp::spawn(db).await;
    app.import(&with_inbox()).await;
    app.clock.set("2022-10-20T09:00:00Z".parse().unwrap());
    let raw = plain(
        "together@example.org",
        "Tom Reed <tom.reed@example.org>",
        INBOX,
        "Digital Justice Week - Thursday",
        "Dear Jago,\r\n\r\nMy colleague Sam Patel and I would like to write a case study \
         together for Thursday (connected justice), on the shared case file we built with two \
         police forces. We will send it before the deadline.\r\n\r\nKind regards,\r\nTom Reed\r\n\
         Head of Digital, Example Justice Ltd\r\n",
    );
    let Outcome::Pledge(id) = file(&app, &raw).await else {
        panic!("a pledge")
    };
    let call = app
        .store
        .call("digital-justice-week-2022")
        .await
        .unwrap()
        .unwrap();
    let pledges = app.store.call_pledges(call.id).await.unwrap();
    assert_eq!(pledges.len(), 1, "writing together is one pledge");
    let pledge = app.store.pledge(id).await.unwrap().unwrap();
    assert_eq!(pledge.pledge.author, "Tom Reed");
    assert_eq!(pledge.pledge.coauthors, ["Sam Patel"]);
    assert_eq!(pledge.pledge.kind.as_deref(), Some("case-study"));
    let answer = app.mail_to("tom.reed@example.org").await.remove(0);
    for said in [
        "Written by: Tom Reed, with Sam Patel",
        "Days: Thursday 17 November 2022 (Connected Justice)",
    ] {
        assert!(answer.text.contains(said), "{said:?}: {}", answer.text);
    }
    app.stop().await;
}
