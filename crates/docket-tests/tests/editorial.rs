//! The editors' work through the web, on both backends: an editor finds a piece by a phrase of
//! its body, files a message kept for triage as a piece for Wednesday, accepts a blog for
//! Tuesday with a note that reaches the author only after the undo window, undoes another
//! decision inside it, decides on five pieces at once, compares revisions, comments, and holds a
//! piece open for changes past the deadline.

use docket_core::submission::SubmissionState;
use docket_store::{StaffRole, SubmissionId};
use docket_tests::app::{TestApp, Visitor};
use docket_tests::both_backends;
use docket_tests::db::TestDb;

both_backends! {
    an_editor_searches_files_triage_and_decides_with_an_undo_window => editorial_day,
    decisions_on_five_pieces_at_once_preview_each_distinct_message => many_at_once,
    a_request_for_changes_holds_a_piece_open_past_the_deadline => open_until,
}

const PASSWORD: &str = "correct horse battery";
const SLUG: &str = "digital-justice-week-2022";
const CONSOLE: &str = "/console/calls/digital-justice-week-2022";

fn words(topic: &str, n: usize) -> String {
    let mut text = format!("{topic}. ");
    for i in 0..n {
        text.push_str(["justice ", "data ", "services ", "people ", "work "][i % 5]);
    }
    text
}

/// A blog for `day`, sent through the web form.
async fn send_blog(visitor: &Visitor, title: &str, body: &str, day: &str) -> SubmissionId {
    let page = visitor
        .post(
            &format!("/calls/{SLUG}/submit"),
            &[("kind", "blog"), ("day", day)],
        )
        .await;
    assert_eq!(page.status, 303, "start: {}", page.body);
    let id = page.piece_id();
    let page = visitor
        .post_multipart(
            &format!("/submissions/{id}/edit"),
            &[
                ("kind", "blog"),
                ("title", title),
                ("summary", "A summary."),
                ("body", body),
                ("author_name_0", "Ada Lovelace"),
                ("day", day),
                ("action", "submit"),
            ],
            vec![],
        )
        .await;
    assert_eq!(page.status, 303, "submit: {}", page.body);
    SubmissionId(id)
}

async fn run_jobs(app: &TestApp) {
    let mailer = docket_mail::Mailer::new("http://127.0.0.1:8080");
    docket_app::jobs::run_once(
        app.store.as_ref(),
        &app.clock,
        &mailer,
        &docket_app::jobs::RunnerSettings::default(),
    )
    .await
    .unwrap();
}

/// A long session, so that moving the clock past the undo window keeps everyone signed in.
async fn spawn(db: &TestDb) -> TestApp {
    TestApp::spawn_with(
        db,
        docket_web::WebConfig {
            session_idle: jiff::SignedDuration::from_hours(24 * 60),
            session_lifetime: jiff::SignedDuration::from_hours(24 * 60),
            rate_limits: docket_web::RateLimits {
                sign_up_per_minute: 100,
                ..docket_web::RateLimits::default()
            },
            ..docket_web::WebConfig::default()
        },
    )
    .await
}

async fn editorial_day(db: &TestDb) {
    let app = spawn(db).await;
    let (editor, _) = app
        .staff_member(SLUG, "ed@example.org", PASSWORD, StaffRole::Editor)
        .await;
    let ada = app.signed_up("ada@example.org", PASSWORD).await;
    let phrase = "the quiet revolution in probation offices";
    let wanted = send_blog(
        &ada,
        "Data at the heart of justice",
        &words(&format!("We describe {phrase}"), 700),
        "2022-11-15",
    )
    .await;
    let other = send_blog(
        &ada,
        "Another view",
        &words("Something else", 700),
        "2022-11-15",
    )
    .await;

    // Searching a phrase from the body finds that piece alone.
    let query = format!("q=%22{}%22", phrase.replace(' ', "+"));
    let page = editor.get(&format!("{CONSOLE}/pieces?{query}")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("Pieces 1 to 1 of 1"), "{}", page.body);
    assert!(page.body.contains(&format!("{CONSOLE}/pieces/{wanted}")));
    assert!(!page.body.contains(&format!("{CONSOLE}/pieces/{other}\"")));

    // The piece as staff see it: text, checklist, length against the limits.
    let page = editor.get(&format!("{CONSOLE}/pieces/{wanted}")).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains(phrase));
    assert!(
        page.body
            .contains("Shares insight rather than a sales pitch")
    );
    assert!(page.body.contains("600–800 words"));

    // A message kept for triage (no day named) is filed as a piece for Wednesday.
    let settings = docket_app::ingest::IngestSettings::default();
    let mailer = docket_mail::Mailer::new("http://127.0.0.1:8080");
    let raw = format!(
        "Message-ID: <triage-{}@example.org>\r\nFrom: Cy <cy@example.org>\r\nTo: jago@techuk.example.org\r\nSubject: My blog\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHello, here is my blog.\r\n\r\n{}\r\n",
        std::process::id(),
        words("Courts that listen", 700)
    );
    let outcome = docket_app::ingest::ingest(
        app.store.as_ref(),
        &app.clock,
        &mailer,
        raw.as_bytes(),
        &settings,
    )
    .await
    .unwrap();
    assert!(
        matches!(outcome, docket_app::ingest::Outcome::Triage(_)),
        "{outcome:?}"
    );
    let djw = app.store.call(SLUG).await.unwrap().unwrap();
    let triaged = app
        .store
        .call_inbound(Some(djw.id), 10)
        .await
        .unwrap()
        .into_iter()
        .find(|record| record.sender == "cy@example.org")
        .unwrap();
    let inbound = editor.get(&format!("{CONSOLE}/inbound")).await;
    assert!(
        inbound
            .body
            .contains(&format!("{CONSOLE}/inbound/{}", triaged.id))
    );
    let page = editor
        .post(
            &format!("{CONSOLE}/inbound/{}/file", triaged.id),
            &[("kind", "blog")],
        )
        .await;
    assert_eq!(page.status, 400, "a day must be chosen");
    assert!(page.body.contains("href=\"#days\""));
    let page = editor
        .post(
            &format!("{CONSOLE}/inbound/{}/file", triaged.id),
            &[("kind", "blog"), ("days", "2022-11-16")],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    assert!(
        page.location().contains("Filed+as+piece"),
        "{}",
        page.location()
    );
    let cy = app
        .store
        .user_by_email("cy@example.org")
        .await
        .unwrap()
        .unwrap();
    let filed = app.store.submissions_for(cy.id, None).await.unwrap();
    assert_eq!(filed.len(), 1);
    assert_eq!(filed[0].state, SubmissionState::Submitted);
    assert_eq!(
        filed[0].days(),
        Some(&docket_core::submission::CandidateDays::Days(
            ["2022-11-16".parse().unwrap()].into()
        ))
    );
    assert!(
        app.mail_to("cy@example.org")
            .await
            .iter()
            .any(|m| m.template == "receipt")
    );
    // It is no longer in triage, and the trail says who filed it.
    let again = editor
        .get(&format!("{CONSOLE}/inbound/{}", triaged.id))
        .await;
    assert_eq!(again.status, 404);
    let ed = app
        .store
        .user_by_email("ed@example.org")
        .await
        .unwrap()
        .unwrap();
    let trail = app
        .store
        .audit_trail(&format!("inbound:{}", triaged.id))
        .await
        .unwrap();
    assert!(trail.iter().any(|e| e.action == "inbound.refiled"
        && e.actor == format!("user:{}", ed.id)
        && e.detail["kind"] == "blog"));

    // Accept the blog for Tuesday with a note: previewed, then waiting out the undo window.
    let note = "Thank you: just what Tuesday's data theme needed.";
    let decide = format!("{CONSOLE}/pieces/{wanted}/decide");
    let missing = editor
        .post(
            &decide,
            &[
                ("action", "accept"),
                ("day", "2022-11-15"),
                ("step", "preview"),
            ],
        )
        .await;
    assert_eq!(missing.status, 400);
    assert!(missing.body.contains("href=\"#note\""));
    let preview = editor
        .post(
            &decide,
            &[
                ("action", "accept"),
                ("day", "2022-11-15"),
                ("note", note),
                ("step", "preview"),
            ],
        )
        .await;
    assert_eq!(preview.status, 200, "{}", preview.body);
    assert!(
        preview
            .body
            .contains("accepted for Tuesday 15 November 2022")
    );
    assert!(preview.body.contains("Thank you: just what Tuesday"));
    let confirmed = editor
        .post(
            &decide,
            &[
                ("action", "accept"),
                ("day", "2022-11-15"),
                ("note", note),
                ("step", "confirm"),
            ],
        )
        .await;
    assert_eq!(confirmed.status, 303, "{}", confirmed.body);
    // Inside the window the author sees nothing.
    let mails = |app: &TestApp| {
        let app_store = app.store.clone();
        async move {
            app_store
                .outbox(1000)
                .await
                .unwrap()
                .into_iter()
                .filter(|row| row.mail.template == "decision")
                .map(|row| row.mail)
                .collect::<Vec<_>>()
        }
    };
    app.clock.advance(jiff::SignedDuration::from_mins(5));
    run_jobs(&app).await;
    assert!(mails(&app).await.is_empty());
    let own = ada.get(&format!("/submissions/{wanted}")).await;
    assert!(own.body.contains(">Submitted<"), "{}", own.body);

    // Another decision, undone inside its window: nothing reaches the author.
    editor
        .post(
            &format!("{CONSOLE}/pieces/{other}/decide"),
            &[
                ("action", "reject"),
                ("note", "Not this time."),
                ("step", "confirm"),
            ],
        )
        .await;
    let decision = app.store.decisions(other).await.unwrap()[0].id;
    let undone = editor
        .post(&format!("{CONSOLE}/decisions/{decision}/undo"), &[])
        .await;
    assert_eq!(undone.status, 303);
    assert!(
        undone.location().contains("Undone"),
        "{}",
        undone.location()
    );

    // After the window: the acceptance and its note reach the author, once.
    app.clock.advance(jiff::SignedDuration::from_mins(6));
    run_jobs(&app).await;
    run_jobs(&app).await;
    let sent = mails(&app).await;
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0].to, "ada@example.org");
    assert!(sent[0].text.contains(note));
    assert!(
        sent[0]
            .text
            .contains("accepted for Tuesday 15 November 2022")
    );
    let own = ada.get(&format!("/submissions/{wanted}")).await;
    assert!(own.body.contains(">Accepted<"), "{}", own.body);
    assert_eq!(
        app.store.submission(other).await.unwrap().unwrap().state,
        SubmissionState::Submitted
    );
    // Too late to undo now.
    let decision = app.store.decisions(wanted).await.unwrap()[0].id;
    let late = editor
        .post(&format!("{CONSOLE}/decisions/{decision}/undo"), &[])
        .await;
    assert!(late.location().contains("Too+late"), "{}", late.location());
    // A comment stays with the staff.
    editor
        .post(
            &format!("{CONSOLE}/pieces/{wanted}/comments"),
            &[("body", "Lovely opening paragraph.")],
        )
        .await;
    let page = editor.get(&format!("{CONSOLE}/pieces/{wanted}")).await;
    assert!(page.body.contains("Lovely opening paragraph."));
    assert!(!page.body.contains("Undo this decision"));
    let own = ada.get(&format!("/submissions/{wanted}")).await;
    assert!(!own.body.contains("Lovely opening paragraph."));
    let trail = app
        .store
        .audit_trail(&format!("submission:{other}"))
        .await
        .unwrap();
    assert!(
        trail
            .iter()
            .any(|e| e.action == "submission.decision_undone")
    );
    app.stop().await;
}

async fn many_at_once(db: &TestDb) {
    let app = spawn(db).await;
    let (editor, _) = app
        .staff_member(SLUG, "ed@example.org", PASSWORD, StaffRole::Editor)
        .await;
    let mut ids = Vec::new();
    for n in 0..5 {
        let author = app.signed_up(&format!("a{n}@example.org"), PASSWORD).await;
        ids.push(
            send_blog(
                &author,
                &format!("Piece number {n}"),
                &words("A view", 700),
                "2022-11-15",
            )
            .await,
        );
    }
    let mut form: Vec<(&str, String)> = ids.iter().map(|id| ("piece", id.to_string())).collect();
    form.extend([
        ("action", "accept".to_owned()),
        ("day", "2022-11-15".to_owned()),
        ("note", "Thank you for writing for Tuesday.".to_owned()),
        ("step", "preview".to_owned()),
    ]);
    let fields: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let preview = editor
        .post(&format!("{CONSOLE}/pieces/decide"), &fields)
        .await;
    assert_eq!(preview.status, 200, "{}", preview.body);
    // The five emails differ only by their titles: one preview, naming the five pieces.
    assert_eq!(
        preview.body.matches("<pre class=\"mail-text\">").count(),
        1,
        "{}",
        preview.body
    );
    assert!(preview.body.contains("To the authors of 5 pieces"));
    let confirm: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| {
            if *k == "step" {
                (*k, "confirm")
            } else {
                (*k, *v)
            }
        })
        .collect();
    let done = editor
        .post(&format!("{CONSOLE}/pieces/decide"), &confirm)
        .await;
    assert_eq!(done.status, 303, "{}", done.body);
    assert!(
        done.location().contains("Decided+on+5+pieces"),
        "{}",
        done.location()
    );
    for id in &ids {
        assert!(app.store.decisions(*id).await.unwrap()[0].pending());
    }
    // Nothing ticked: the error summary says so.
    let page = editor
        .post(
            &format!("{CONSOLE}/pieces/decide"),
            &[("action", "accept"), ("note", "x"), ("step", "preview")],
        )
        .await;
    assert_eq!(page.status, 400);
    assert!(page.body.contains("Tick the pieces to decide on"));
    app.clock.advance(jiff::SignedDuration::from_mins(11));
    run_jobs(&app).await;
    for (n, id) in ids.iter().enumerate() {
        assert_eq!(
            app.store.submission(*id).await.unwrap().unwrap().state,
            SubmissionState::Accepted
        );
        let mails = app.mail_to(&format!("a{n}@example.org")).await;
        let decision = mails.iter().find(|m| m.template == "decision").unwrap();
        assert!(decision.subject.contains(&format!("Piece number {n}")));
    }
    app.stop().await;
}

async fn open_until(db: &TestDb) {
    let app = spawn(db).await;
    let (editor, _) = app
        .staff_member(SLUG, "ed@example.org", PASSWORD, StaffRole::Editor)
        .await;
    let ada = app.signed_up("ada@example.org", PASSWORD).await;
    let id = send_blog(&ada, "A first draft", &words("First", 700), "2022-11-15").await;
    // Three days before the deadline, changes are requested until after it.
    app.clock.set("2022-11-02T10:00:00Z".parse().unwrap());
    let page = editor
        .post(
            &format!("{CONSOLE}/pieces/{id}/decide"),
            &[
                ("action", "request_changes"),
                ("open_until", "2022-11-09"),
                ("note", "Shorter paragraphs, please."),
                ("step", "confirm"),
            ],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    app.clock.advance(jiff::SignedDuration::from_mins(11));
    run_jobs(&app).await;
    let mail = app
        .mail_to("ada@example.org")
        .await
        .into_iter()
        .find(|m| m.template == "decision")
        .unwrap();
    assert!(
        mail.text
            .contains("until 23:59 GMT on Wednesday 9 November 2022"),
        "{}",
        mail.text
    );
    // After the deadline (12:00, 5 November), the piece can still change until the 9th.
    app.clock.set("2022-11-07T10:00:00Z".parse().unwrap());
    let page = ada
        .post_multipart(
            &format!("/submissions/{id}/edit"),
            &[
                ("kind", "blog"),
                ("title", "A second draft"),
                ("summary", "A summary."),
                ("body", &words("Second", 700)),
                ("author_name_0", "Ada Lovelace"),
                ("day", "2022-11-15"),
                ("action", "submit"),
            ],
            vec![],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    assert_eq!(app.store.revisions(id).await.unwrap().len(), 2);
    // The staff compare the two revisions word by word.
    let diff = editor
        .get(&format!("{CONSOLE}/pieces/{id}/diff?from=1&to=2"))
        .await;
    assert_eq!(diff.status, 200);
    assert!(
        diff.body.contains("<del>first</del>") || diff.body.contains("<del>First"),
        "{}",
        diff.body
    );
    assert!(diff.body.contains("<ins>"));
    // Someone else's piece, still closed: a piece of another contributor cannot change.
    let bo = app.signed_up("bo@example.org", PASSWORD).await;
    let page = bo.get("/calls/digital-justice-week-2022/submit").await;
    assert!(
        page.body.contains("closed"),
        "the call is closed for new pieces"
    );
    // By email too: a reply with a new version, to the piece's own address, before the 9th
    // is the next revision.
    // (The call takes mail at its organiser's inbox.)
    app.import(&docket_tests::SEED_CALL.replacen(
        "time_zone = \"Europe/London\"",
        "time_zone = \"Europe/London\"\ninbox = \"jago@techuk.example.org\"",
        1,
    ))
    .await;
    let token = app.store.submission(id).await.unwrap().unwrap().reply_token;
    let reply_to = format!("jago+s{id}-{token}@techuk.example.org");
    let reply = |message_id: &str| {
        let raw = docket_tests::mail::message_with_docx(
            message_id,
            "Ada Lovelace <ada@example.org>",
            "Re: A second draft",
            "Here is the shorter version.",
            "",
        );
        String::from_utf8(raw)
            .unwrap()
            .replacen(
                "To: Jago <jago@techuk.example.org>",
                &format!("To: {reply_to}"),
                1,
            )
            .into_bytes()
    };
    let ingest = |raw: Vec<u8>| {
        let app = &app;
        async move {
            docket_app::ingest::ingest(
                app.store.as_ref(),
                &app.clock,
                &docket_mail::Mailer::new("https://docket.example.org"),
                &raw,
                &docket_app::ingest::IngestSettings::default(),
            )
            .await
            .expect("ingested")
        }
    };
    app.clock.set("2022-11-08T10:00:00Z".parse().unwrap());
    assert_eq!(
        ingest(reply("open-until-1@example.org")).await,
        docket_app::ingest::Outcome::Reply {
            submission_id: id,
            revised: true
        }
    );
    assert_eq!(app.store.revisions(id).await.unwrap().len(), 3);
    // After the 9th it is closed again, on the web and by email.
    app.clock.set("2022-11-10T10:00:00Z".parse().unwrap());
    let page = ada.get(&format!("/submissions/{id}")).await;
    assert!(
        !page.body.contains(&format!("/submissions/{id}/edit")),
        "no longer editable"
    );
    assert_eq!(
        ingest(reply("open-until-2@example.org")).await,
        docket_app::ingest::Outcome::Reply {
            submission_id: id,
            revised: false
        }
    );
    assert_eq!(app.store.revisions(id).await.unwrap().len(), 3);
    let answer = app.mail_to("ada@example.org").await.remove(0);
    assert!(
        answer.text.contains("Submissions and changes are closed"),
        "{}",
        answer.text
    );
    app.stop().await;
}
