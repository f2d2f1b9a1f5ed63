//! The organiser console: only a call's staff reach it (everyone else meets the not-found page),
//! editors see the outbox but not the emails, organisers reword an email with a checked preview
//! and the next real mail uses it, and failed mail can be sent again. Both backends.

use docket_store::{Actor, NewMail, StaffRole};
use docket_tests::app::{NowTimestamp, TestApp, Visitor};
use docket_tests::db::TestDb;
use docket_tests::{SECOND_CALL, both_backends};

both_backends! {
    a_contributor_not_on_the_staff_meets_not_found_on_every_console_page => outsiders_get_404,
    an_editor_sees_the_outbox_but_cannot_change_emails_or_send_mail_again => editor_limits,
    an_organiser_rewords_the_receipt_and_the_next_submission_is_sent_in_it => reworded_receipt,
    a_wording_with_a_misspelt_variable_is_refused_at_the_field_and_nothing_is_saved => typo_refused,
    docket_s_wording_can_be_restored => restore_default,
    a_failed_mail_can_be_sent_again => failed_mail_retried,
    the_outbox_shows_the_call_s_mail_only_without_bodies => outbox_is_the_call_s,
    every_console_form_without_its_csrf_token_is_refused => csrf_required,
    an_editor_who_asks_a_code_for_the_organiser_finds_it_on_no_console_page => codes_stay_in_their_mail,
    staff_see_the_call_s_mail_in_with_triage_first_and_download_originals_as_plain_text => mail_in,
    the_overview_counts_pieces_by_state_and_by_day => overview_counts,
}

const PASSWORD: &str = "correct horse battery";
const CONSOLE: &str = "/console/calls/digital-justice-week-2022";
const OTHER_CONSOLE: &str = "/console/calls/open-data-week-2027";
const RECEIPT: &str = "/console/calls/digital-justice-week-2022/emails/receipt";
const NEW_SUBJECT: &str = "Thanks for your piece for {{ call.title }}";

/// The app with the second call imported, and `email` signed up and on the seed call's staff as
/// `role`.
async fn with_staff(db: &TestDb, email: &str, role: StaffRole) -> (TestApp, Visitor) {
    let app = TestApp::spawn(db).await;
    app.import(SECOND_CALL).await;
    let visitor = app.signed_up(email, PASSWORD).await;
    make_staff(&app, "digital-justice-week-2022", email, role).await;
    visitor.enrol_two_factor().await;
    (app, visitor)
}

async fn make_staff(app: &TestApp, slug: &str, email: &str, role: StaffRole) {
    let call = app.store.call(slug).await.unwrap().expect("the call");
    app.store
        .add_staff(call.id, email, role, &Actor::Cli, app.clock.now_timestamp())
        .await
        .unwrap();
}

async fn call_id(app: &TestApp, slug: &str) -> docket_store::CallId {
    app.store.call(slug).await.unwrap().expect("the call").id
}

fn mail(n: &str, to: &str, call_id: Option<docket_store::CallId>, template: &str) -> NewMail {
    NewMail {
        message_id: format!("<console-{n}-{}@docket.example.org>", std::process::id()),
        to: to.to_owned(),
        subject: format!("Subject {n}"),
        text: format!("Secret body {n}"),
        html: format!("<p>Secret body {n}</p>"),
        template: template.to_owned(),
        submission_id: None,
        call_id,
        reply_to: None,
        idempotency_key: None,
        list_unsubscribe: None,
    }
}

/// Queues `mail`, then lets one worker round fail it for good; everything else due is sent.
async fn fail_mail(app: &TestApp, failing: NewMail) -> i64 {
    let now = app.clock.now_timestamp();
    let message_id = failing.message_id.clone();
    app.store.enqueue_mail(failing, now).await.unwrap();
    let until = now.checked_add(jiff::SignedDuration::from_mins(5)).unwrap();
    let leased = app
        .store
        .lease_outbox("test", now, until, 1000)
        .await
        .unwrap();
    let mut failed = None;
    for row in leased {
        if row.mail.message_id == message_id {
            app.store
                .mark_attempt_failed(row.id, "test", "550 mailbox unavailable", None)
                .await
                .unwrap();
            failed = Some(row.id);
        } else {
            app.store.mark_sent(row.id, "test", now).await.unwrap();
        }
    }
    failed.expect("the mail was leased")
}

/// Every console page of the seed call, and the forms with fields that would change something.
fn console_gets() -> Vec<String> {
    ["", "/outbox", "/inbound", "/emails", "/emails/receipt"]
        .iter()
        .map(|suffix| format!("{CONSOLE}{suffix}"))
        .collect()
}

fn email_fields<'a>(subject: &'a str, text: &'a str, action: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("subject", subject),
        ("text", text),
        ("html", "<p>Thank you for {{ piece.title }}.</p>"),
        ("action", action),
    ]
}

const GOOD_TEXT: &str = "Thank you for {{ piece.title }}.\r\nSee it at {{ piece.link }}\r\n";

/// `n` words of ordinary prose.
fn words(n: usize) -> String {
    let sentence = [
        "Digital", "services", "should", "work", "for", "everyone", "who", "meets", "the",
        "justice", "system.",
    ];
    (0..n)
        .map(|i| sentence[i % sentence.len()])
        .collect::<Vec<_>>()
        .join(" ")
}

/// A contributor submits a 700-word blog to the seed call on the web; returns its id.
async fn submit_blog(visitor: &Visitor, title: &str) -> i64 {
    let page = visitor
        .post(
            "/calls/digital-justice-week-2022/submit",
            &[("kind", "blog"), ("day", "2022-11-15")],
        )
        .await;
    assert_eq!(page.status, 303, "start: {}", page.body);
    let id: i64 = page
        .location()
        .trim_start_matches("/submissions/")
        .trim_end_matches("/edit")
        .parse()
        .expect("an id");
    let body = words(700);
    let page = visitor
        .post_multipart(
            &format!("/submissions/{id}/edit"),
            &[
                ("kind", "blog"),
                ("title", title),
                ("summary", "How data can follow a person through justice."),
                ("body", &body),
                ("author_name_0", "Ada Lovelace"),
                ("day", "2022-11-15"),
                ("action", "submit"),
            ],
            vec![],
        )
        .await;
    assert_eq!(page.status, 303, "submit: {}", page.body);
    id
}

async fn outsiders_get_404(db: &TestDb) {
    let (app, organiser) = with_staff(db, "org@example.org", StaffRole::Organiser).await;
    let ada = app.signed_up("ada@example.org", PASSWORD).await;
    let djw = call_id(&app, "digital-justice-week-2022").await;
    let failed = fail_mail(&app, mail("f", "x@example.org", Some(djw), "receipt")).await;

    // A contributor on no staff: the console says how to get access, and nothing else shows.
    let home = ada.get("/console").await;
    assert_eq!(home.status, 200);
    assert!(home.body.contains("docket staff add"), "{}", home.body);
    assert!(!home.body.contains("Digital Justice Week 2022"));
    assert!(!ada.get("/submissions").await.body.contains("/console"));
    for path in console_gets() {
        let page = ada.get(&path).await;
        assert_eq!(page.status, 404, "GET {path}");
        assert!(page.body.contains("Page not found"), "GET {path}");
    }
    for (path, fields) in [
        (
            format!("{CONSOLE}/outbox/{failed}/retry"),
            vec![("action", "save")],
        ),
        (
            RECEIPT.to_owned(),
            email_fields(NEW_SUBJECT, GOOD_TEXT, "save"),
        ),
        (RECEIPT.to_owned(), vec![("action", "restore")]),
    ] {
        assert_eq!(ada.post(&path, &fields).await.status, 404, "POST {path}");
    }
    assert!(app.store.mail_templates(djw).await.unwrap().is_empty());
    let row = &app.store.call_outbox(djw, 10).await.unwrap()[0];
    assert_eq!(
        row.status,
        docket_store::MailStatus::Failed,
        "the contributor's retry changed nothing"
    );

    // The seed call's organiser is a stranger to the other call's console.
    for suffix in ["", "/outbox", "/emails", "/emails/receipt"] {
        let path = format!("{OTHER_CONSOLE}{suffix}");
        assert_eq!(organiser.get(&path).await.status, 404, "GET {path}");
    }
    assert_eq!(
        organiser
            .post(
                &format!("{OTHER_CONSOLE}/emails/receipt"),
                &email_fields(NEW_SUBJECT, GOOD_TEXT, "save"),
            )
            .await
            .status,
        404
    );
    // A call that does not exist and an email that does not exist look the same.
    assert_eq!(
        organiser.get("/console/calls/no-such-call").await.status,
        404
    );
    assert_eq!(
        organiser
            .get(&format!("{CONSOLE}/emails/no_such"))
            .await
            .status,
        404
    );
    // The organiser's own console lists the call with the role, linked from their submissions.
    let home = organiser.get("/console").await.body;
    assert!(home.contains(&format!(
        "<a href=\"{CONSOLE}\">Digital Justice Week 2022</a>"
    )));
    assert!(home.contains("Organiser"));
    assert!(!home.contains("Open Data Week 2027"));
    assert!(
        organiser
            .get("/submissions")
            .await
            .body
            .contains("<a href=\"/console\">Organiser console</a>")
    );

    // Signed out: sent to sign in, and brought back.
    let anonymous = app.visitor();
    for path in ["/console".to_owned(), format!("{CONSOLE}/outbox")] {
        let page = anonymous.get(&path).await;
        assert_eq!(page.status, 303, "GET {path}");
        assert!(
            page.location()
                .starts_with("/account/sign-in?next=%2Fconsole"),
            "{}",
            page.location()
        );
    }
    app.stop().await;
}

async fn editor_limits(db: &TestDb) {
    let (app, editor) = with_staff(db, "ed@example.org", StaffRole::Editor).await;
    let djw = call_id(&app, "digital-justice-week-2022").await;
    let failed = fail_mail(&app, mail("f", "x@example.org", Some(djw), "receipt")).await;

    let overview = editor.get(CONSOLE).await;
    assert_eq!(overview.status, 200);
    assert!(overview.body.contains("Editor"));
    assert!(overview.body.contains(&format!("{CONSOLE}/outbox")));
    assert!(!overview.body.contains(&format!("{CONSOLE}/emails")));
    let outbox = editor.get(&format!("{CONSOLE}/outbox")).await;
    assert_eq!(outbox.status, 200);
    assert!(outbox.body.contains("Subject f"));
    assert!(outbox.body.contains("Failed"));
    assert!(!outbox.body.contains("Send again"));

    for path in [
        format!("{CONSOLE}/emails"),
        RECEIPT.to_owned(),
        format!("{CONSOLE}/emails/sign_in_code"),
    ] {
        assert_eq!(editor.get(&path).await.status, 404, "GET {path}");
    }
    assert_eq!(
        editor
            .post(RECEIPT, &email_fields(NEW_SUBJECT, GOOD_TEXT, "save"))
            .await
            .status,
        404
    );
    assert_eq!(
        editor.post(RECEIPT, &[("action", "restore")]).await.status,
        404
    );
    assert_eq!(
        editor
            .post(&format!("{CONSOLE}/outbox/{failed}/retry"), &[])
            .await
            .status,
        404
    );
    assert!(app.store.mail_templates(djw).await.unwrap().is_empty());
    assert_eq!(
        app.store.call_outbox(djw, 10).await.unwrap()[0].status,
        docket_store::MailStatus::Failed
    );
    app.stop().await;
}

async fn reworded_receipt(db: &TestDb) {
    let (app, organiser) = with_staff(db, "org@example.org", StaffRole::Organiser).await;
    let djw = call_id(&app, "digital-justice-week-2022").await;

    let list = organiser.get(&format!("{CONSOLE}/emails")).await;
    assert_eq!(list.status, 200);
    assert!(
        list.body
            .contains(&format!("<a href=\"{RECEIPT}\">Submission receipt</a>"))
    );
    assert!(!list.body.contains("This call’s own"));

    // The form starts from Docket's wording, with its variables and a preview of the sample.
    let page = organiser.get(RECEIPT).await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("Received: {{ piece.title }}"),
        "{}",
        page.body
    );
    assert!(page.body.contains("{{ piece.link }}"));
    assert!(page.body.contains("Received: Data at the heart of justice"));
    assert!(
        page.body.contains(
            "<iframe class=\"mail-preview\" sandbox=\"\" srcdoc=\"&#60;!DOCTYPE html&#62;"
        ),
        "{}",
        page.body
    );
    assert!(page.body.contains("uses Docket’s wording"));
    // The page lets exactly the mail layout's stylesheet into the preview, and nothing else.
    let csp = page.header("content-security-policy");
    assert!(csp.contains("style-src 'self' 'sha256-"), "{csp}");
    assert!(csp.contains("script-src 'self';"), "{csp}");

    // Preview: rendered from what was typed, and nothing saved.
    let preview = organiser
        .post(RECEIPT, &email_fields(NEW_SUBJECT, GOOD_TEXT, "preview"))
        .await;
    assert_eq!(preview.status, 200, "{}", preview.body);
    assert!(
        preview
            .body
            .contains("Thanks for your piece for Digital Justice Week 2022")
    );
    assert!(preview.body.contains("nothing has been saved"));
    assert!(app.store.mail_templates(djw).await.unwrap().is_empty());

    // Save: back to the page, which says so and holds the new wording.
    let saved = organiser
        .post(RECEIPT, &email_fields(NEW_SUBJECT, GOOD_TEXT, "save"))
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    assert_eq!(saved.location(), format!("{RECEIPT}?saved=1"));
    let page = organiser.get(saved.location()).await.body;
    assert!(page.contains("Saved."));
    assert!(page.contains("uses its own wording"));
    assert!(page.contains("value=\"Thanks for your piece for {{ call.title }}\""));
    let stored = app.store.mail_templates(djw).await.unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].kind, "receipt");
    assert_eq!(stored[0].template.subject, NEW_SUBJECT);
    assert_eq!(
        stored[0].template.text, "Thank you for {{ piece.title }}.\nSee it at {{ piece.link }}\n",
        "line breaks are stored as typed, without the browser's carriage returns"
    );
    assert!(
        organiser
            .get(&format!("{CONSOLE}/emails"))
            .await
            .body
            .contains("This call’s own")
    );

    // A real submission on the web is acknowledged in the new words.
    let ada = app.signed_up("ada@example.org", PASSWORD).await;
    let id = submit_blog(&ada, "Courts and code").await;
    let receipt = &app.mail_to("ada@example.org").await[0];
    assert_eq!(
        receipt.subject,
        "Thanks for your piece for Digital Justice Week 2022"
    );
    assert!(receipt.text.starts_with("Thank you for Courts and code."));
    assert!(receipt.text.contains(&format!("/submissions/{id}")));
    // And the organiser finds it in the outbox, named, in UK time, without its body.
    let outbox = organiser.get(&format!("{CONSOLE}/outbox")).await.body;
    assert!(outbox.contains("Thanks for your piece for Digital Justice Week 2022"));
    assert!(outbox.contains("<td>Submission receipt</td>"));
    assert!(outbox.contains("<td>ada@example.org</td>"));
    assert!(outbox.contains("13 October 2022, 09:00 BST"));
    assert!(outbox.contains(">Queued</span>"));
    assert!(!outbox.contains("Thank you for Courts and code"));
    app.stop().await;
}

async fn typo_refused(db: &TestDb) {
    let (app, organiser) = with_staff(db, "org@example.org", StaffRole::Organiser).await;
    let djw = call_id(&app, "digital-justice-week-2022").await;
    let saved = organiser
        .post(RECEIPT, &email_fields(NEW_SUBJECT, GOOD_TEXT, "save"))
        .await;
    assert_eq!(saved.status, 303);

    let typo = "Thank you for {{ piece.titel }}.\nSee it at {{ piece.link }}\n";
    let page = organiser
        .post(RECEIPT, &email_fields("Got it", typo, "save"))
        .await;
    assert_eq!(page.status, 400, "{}", page.body);
    assert!(page.body.contains("<title>Error: Submission receipt"));
    assert!(page.body.contains("There is a problem"));
    assert!(
        page.body.contains(
            "<li><a href=\"#text\">Plain text, line 1: uses a variable this email does not have"
        ),
        "{}",
        page.body
    );
    assert!(page.body.contains("id=\"text-error\""));
    assert!(
        page.body
            .contains("aria-describedby=\"text-hint text-error\"")
    );
    // What was typed comes back, to be put right rather than retyped.
    assert!(page.body.contains("{{ piece.titel }}"));
    assert!(page.body.contains("value=\"Got it\""));
    let stored = app.store.mail_templates(djw).await.unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].template.subject, NEW_SUBJECT, "unchanged");

    // An empty subject and a receipt without the piece's link are refused too, at their fields.
    let page = organiser
        .post(RECEIPT, &email_fields("", "Thanks.", "save"))
        .await;
    assert_eq!(page.status, 400);
    assert!(
        page.body
            .contains("<a href=\"#subject\">Enter a subject</a>")
    );
    let page = organiser
        .post(RECEIPT, &email_fields("Got it", "Thanks.", "save"))
        .await;
    assert_eq!(page.status, 400);
    assert!(
        page.body
            .contains("<a href=\"#text\">The plain-text message must include {{ piece.link }}"),
        "{}",
        page.body
    );
    let page = organiser
        .post(
            RECEIPT,
            &[
                ("subject", "Got it"),
                ("text", GOOD_TEXT),
                ("html", "{% if %}"),
                ("action", "save"),
            ],
        )
        .await;
    assert_eq!(page.status, 400);
    assert!(
        page.body.contains("<a href=\"#html\">HTML, line 1:"),
        "{}",
        page.body
    );
    assert_eq!(
        app.store.mail_templates(djw).await.unwrap()[0]
            .template
            .subject,
        NEW_SUBJECT
    );
    app.stop().await;
}

async fn restore_default(db: &TestDb) {
    let (app, organiser) = with_staff(db, "org@example.org", StaffRole::Organiser).await;
    let djw = call_id(&app, "digital-justice-week-2022").await;
    let page = organiser.get(RECEIPT).await.body;
    assert!(
        !page.contains("Use Docket’s wording"),
        "nothing to restore yet"
    );
    organiser
        .post(RECEIPT, &email_fields(NEW_SUBJECT, GOOD_TEXT, "save"))
        .await;
    assert!(
        organiser
            .get(RECEIPT)
            .await
            .body
            .contains("Use Docket’s wording")
    );
    let restored = organiser.post(RECEIPT, &[("action", "restore")]).await;
    assert_eq!(restored.status, 303);
    assert_eq!(restored.location(), format!("{RECEIPT}?restored=1"));
    assert!(app.store.mail_templates(djw).await.unwrap().is_empty());
    let page = organiser.get(restored.location()).await.body;
    assert!(page.contains("Docket’s own wording is used again."));
    assert!(page.contains("Received: {{ piece.title }}"));
    // The next receipt is Docket's again.
    let ada = app.signed_up("ada@example.org", PASSWORD).await;
    submit_blog(&ada, "Courts and code").await;
    assert_eq!(
        app.mail_to("ada@example.org").await[0].subject,
        "Received: Courts and code"
    );
    let trail = app
        .store
        .audit_trail("call:digital-justice-week-2022")
        .await
        .unwrap();
    assert!(
        trail.iter().any(|event| event.actor.starts_with("user:")),
        "the changes are in the call's audit trail: {trail:?}"
    );
    app.stop().await;
}

async fn failed_mail_retried(db: &TestDb) {
    let (app, organiser) = with_staff(db, "org@example.org", StaffRole::Organiser).await;
    let djw = call_id(&app, "digital-justice-week-2022").await;
    let other = call_id(&app, "open-data-week-2027").await;
    let failed = fail_mail(&app, mail("f", "x@example.org", Some(djw), "receipt")).await;
    let elsewhere = fail_mail(&app, mail("g", "y@example.org", Some(other), "receipt")).await;

    let outbox = organiser.get(&format!("{CONSOLE}/outbox")).await.body;
    assert!(outbox.contains(">Failed</span>"));
    assert!(outbox.contains("550 mailbox unavailable"));
    assert!(outbox.contains(&format!("action=\"{CONSOLE}/outbox/{failed}/retry\"")));
    assert!(outbox.contains("Send again"));

    let page = organiser
        .post(&format!("{CONSOLE}/outbox/{failed}/retry"), &[])
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    assert_eq!(page.location(), format!("{CONSOLE}/outbox?retried=1"));
    let outbox = organiser.get(page.location()).await.body;
    assert!(outbox.contains("will be sent again"));
    let row = app
        .store
        .call_outbox(djw, 10)
        .await
        .unwrap()
        .into_iter()
        .find(|row| row.id == failed)
        .unwrap();
    assert_eq!(row.status, docket_store::MailStatus::Queued);

    // Another call's mail cannot be sent again through this call's console.
    let page = organiser
        .post(&format!("{CONSOLE}/outbox/{elsewhere}/retry"), &[])
        .await;
    assert_eq!(page.location(), format!("{CONSOLE}/outbox?retried=0"));
    assert_eq!(
        app.store.call_outbox(other, 10).await.unwrap()[0].status,
        docket_store::MailStatus::Failed
    );
    app.stop().await;
}

async fn outbox_is_the_call_s(db: &TestDb) {
    let (app, organiser) = with_staff(db, "org@example.org", StaffRole::Organiser).await;
    let djw = call_id(&app, "digital-justice-week-2022").await;
    let other = call_id(&app, "open-data-week-2027").await;
    let now = app.clock.now_timestamp();
    for mail in [
        mail("mine", "a@example.org", Some(djw), "state_changed"),
        mail("theirs", "b@example.org", Some(other), "receipt"),
        mail("code", "c@example.org", None, "sign_in_code"),
    ] {
        app.store.enqueue_mail(mail, now).await.unwrap();
    }
    let page = organiser.get(&format!("{CONSOLE}/outbox")).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Subject mine"));
    assert!(page.body.contains("<td>Change of state</td>"));
    assert!(!page.body.contains("Subject theirs"));
    assert!(!page.body.contains("Subject code"));
    assert!(!page.body.contains("c@example.org"));
    assert!(!page.body.contains("Secret body"), "no bodies");
    // The confirmation mail of the organiser's own sign-up concerns no call either.
    assert!(!page.body.contains("org@example.org</td>"));

    // The overview shows the deadline and the reminder job the call file asked for.
    let overview = organiser.get(CONSOLE).await.body;
    assert!(overview.contains("Digital Justice Week 2022"));
    assert!(
        overview.contains("12:00 GMT, Saturday 5 November 2022"),
        "{overview}"
    );
    let jobs = app.store.call_jobs(djw).await.unwrap();
    assert!(!jobs.is_empty(), "the seed call has a deadline reminder");
    let call = app
        .store
        .call("digital-justice-week-2022")
        .await
        .unwrap()
        .unwrap()
        .call;
    let runs = call
        .local(jobs[0].run_at)
        .strftime("%-d %B %Y, %H:%M %Z")
        .to_string();
    assert!(
        overview.contains(&format!(
            "<th scope=\"row\">Deadline reminder to everyone who still holds a draft</th><td>{runs}</td><td><span class=\"tag\">Waiting</span></td>"
        )),
        "{overview}"
    );
    assert!(overview.contains("<td>org@example.org</td><td>Organiser</td>"));
    app.stop().await;
}

async fn csrf_required(db: &TestDb) {
    let (app, organiser) = with_staff(db, "org@example.org", StaffRole::Organiser).await;
    let djw = call_id(&app, "digital-justice-week-2022").await;
    let failed = fail_mail(&app, mail("f", "x@example.org", Some(djw), "receipt")).await;
    organiser.csrf().await;
    let retry = format!("{CONSOLE}/outbox/{failed}/retry");
    for (path, fields) in [
        (retry.as_str(), vec![]),
        (RECEIPT, email_fields(NEW_SUBJECT, GOOD_TEXT, "save")),
        (RECEIPT, email_fields(NEW_SUBJECT, GOOD_TEXT, "preview")),
        (RECEIPT, vec![("action", "restore")]),
    ] {
        let page = organiser.post_raw(path, &fields).await;
        assert_eq!(page.status, 403, "POST {path} {fields:?}");
        let mut wrong = fields.clone();
        wrong.push(("csrf", "not-the-token-this-visitor-holds-at-all-no"));
        assert_eq!(
            organiser.post_raw(path, &wrong).await.status,
            403,
            "POST {path} with a wrong token"
        );
    }
    assert!(app.store.mail_templates(djw).await.unwrap().is_empty());
    assert_eq!(
        app.store.call_outbox(djw, 10).await.unwrap()[0].status,
        docket_store::MailStatus::Failed
    );
    app.stop().await;
}

async fn codes_stay_in_their_mail(db: &TestDb) {
    let (app, editor) = with_staff(db, "ed@example.org", StaffRole::Editor).await;
    let organiser = app.signed_up("org@example.org", PASSWORD).await;
    make_staff(
        &app,
        "digital-justice-week-2022",
        "org@example.org",
        StaffRole::Organiser,
    )
    .await;
    organiser.enrol_two_factor().await;
    let djw = call_id(&app, "digital-justice-week-2022").await;
    // A wording of the sign-in email stored by an older Docket, with the code in the subject:
    // account emails keep Docket's wording whatever a call holds, and no console offers them.
    app.store
        .save_mail_template(
            djw,
            "sign_in_code",
            Some(&docket_store::TemplateText {
                subject: "{{ call.title }}: your code is {{ code }}".into(),
                text: "Your code: {{ code }}\n{{ link }}\n".into(),
                html: "<p>Your code: {{ code }}</p>".into(),
            }),
            &Actor::Cli,
            app.clock.now_timestamp(),
        )
        .await
        .unwrap();
    for key in [
        "sign_in_code",
        "confirm_email",
        "reset_password",
        "already_registered",
        "confirm_message",
        "staff_invitation",
    ] {
        let path = format!("{CONSOLE}/emails/{key}");
        assert_eq!(organiser.get(&path).await.status, 404, "GET {path}");
        let saved = organiser
            .post(
                &path,
                &email_fields("{{ code }}", "{{ code }} {{ link }}", "save"),
            )
            .await;
        assert_eq!(saved.status, 404, "POST {path}");
    }
    let list = organiser.get(&format!("{CONSOLE}/emails")).await;
    assert!(!list.body.contains("Sign-in code"), "{}", list.body);

    // The editor asks for a code for the organiser's address, from the call's own page.
    let asked = editor
        .post(
            "/account/sign-in/code",
            &[
                ("email", "org@example.org"),
                ("next", "/calls/digital-justice-week-2022/submit"),
            ],
        )
        .await;
    assert_eq!(asked.status, 303, "{}", asked.body);
    let codes: Vec<NewMail> = app
        .mail_to("org@example.org")
        .await
        .into_iter()
        .filter(|mail| mail.template == "sign_in_code")
        .collect();
    assert_eq!(codes.len(), 1);
    let mail = &codes[0];
    assert_eq!(
        mail.subject, "Your Docket sign-in code",
        "no secret in a subject"
    );
    assert_eq!(mail.call_id, None, "no call's outbox lists account mail");
    let code: String = mail
        .text
        .split_whitespace()
        .find(|word| word.len() == 8 && word.bytes().all(|b| b.is_ascii_digit()))
        .expect("the code is in the body")
        .to_owned();
    let link = app
        .link_in_mail("org@example.org", "/account/sign-in/link/")
        .await;
    let token = link.rsplit('/').next().unwrap().to_owned();
    assert!(
        mail.html
            .contains("Sent by Docket for Digital Justice Week 2022"),
        "Docket's wording, in the call's letterhead: {}",
        mail.html
    );
    assert!(
        !mail.text.contains("your code is"),
        "not the call's stored wording"
    );
    // Neither the editor nor the organiser finds the code or the link on any console page.
    let mut pages = console_gets();
    pages.push("/console".into());
    pages.push(format!("{CONSOLE}/outbox?retried=1"));
    for visitor in [&editor, &organiser] {
        for path in &pages {
            let page = visitor.get(path).await;
            assert!(
                page.status == 200 || page.status == 404,
                "{path}: {}",
                page.status
            );
            assert!(!page.body.contains(&code), "the code is on {path}");
            assert!(!page.body.contains(&token), "the link is on {path}");
        }
    }
    // Outside the demo, the demo mailbox does not exist.
    assert_eq!(editor.get("/demo/mailbox").await.status, 404);
    app.stop().await;
}

/// A message as a mail client sends it, with no attachment.
fn plain_message(id: &str, from: &str, to: &str, subject: &str, body: &str) -> Vec<u8> {
    format!(
        "Message-ID: <{id}>\r\nDate: Thu, 20 Oct 2022 10:15:00 +0100\r\nFrom: {from}\r\nTo: {to}\r\n\
         Subject: {subject}\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
    )
    .into_bytes()
}

async fn mail_in(db: &TestDb) {
    let (app, editor) = with_staff(db, "ed@example.org", StaffRole::Editor).await;
    let mailer = docket_mail::Mailer::new("https://docket.example.org");
    let settings = docket_app::ingest::IngestSettings::default();
    let file = |raw: Vec<u8>| {
        let (store, clock, mailer, settings) =
            (app.store.clone(), app.clock.clone(), &mailer, &settings);
        async move {
            docket_app::ingest::ingest(store.as_ref(), &clock, mailer, &raw, settings)
                .await
                .unwrap()
        }
    };
    // The organiser has set the seed call's inbox, as organisers running Docket do.
    app.import(&docket_tests::SEED_CALL.replacen(
        "time_zone = \"Europe/London\"",
        "time_zone = \"Europe/London\"\ninbox = \"jago@techuk.example.org\"",
        1,
    ))
    .await;
    let no_day = file(docket_tests::mail::message_with_docx(
        "noday-console@example.org",
        "Cy <cy@example.org>",
        "My blog <script>alert(1)</script>",
        "Here is my blog.",
        "",
    ))
    .await;
    let filed = file(docket_tests::mail::blog_with_docx(
        "filed-console@example.org",
        "Ada Lovelace <ada@example.org>",
    ))
    .await;
    let other_call = file(plain_message(
        "odw@example.org",
        "Grace <grace@example.org>",
        "submissions@opendataweek.example.org",
        "An idea",
        "Not sure which day yet.",
    ))
    .await;
    assert!(
        matches!(other_call, docket_app::ingest::Outcome::Triage(_)),
        "{other_call:?}"
    );
    let lost = file(plain_message(
        "lost@example.org",
        "Lost <lost@example.org>",
        "someone@elsewhere.example",
        "Hello",
        "Is this the right place?",
    ))
    .await;
    assert_eq!(
        lost,
        docket_app::ingest::Outcome::Triage("no call recognised".into())
    );

    let page = editor.get(&format!("{CONSOLE}/inbound")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let (triage, rest) = page
        .body
        .split_once("Filed and other messages")
        .expect("two sections");
    let docket_app::ingest::Outcome::Submission(id) = filed else {
        panic!("not filed: {filed:?}")
    };
    assert!(
        matches!(&no_day, docket_app::ingest::Outcome::Triage(why) if why == "no day named"),
        "{no_day:?}"
    );
    assert!(triage.contains("cy@example.org"), "{triage}");
    assert!(triage.contains("no day named"), "{triage}");
    assert!(rest.contains(&format!("Filed as piece {id}")), "{rest}");
    assert!(rest.contains("ada@example.org"), "{rest}");
    // Mail Docket could tie to no call is not this call's: only site administrators see it.
    assert!(!page.body.contains("lost@example.org"), "{triage}");
    assert_eq!(editor.get("/console/inbound").await.status, 404);
    let admin = app.signed_up("admin@example.org", PASSWORD).await;
    app.store
        .add_admin("admin@example.org", &Actor::Cli, app.clock.now_timestamp())
        .await
        .unwrap();
    admin.enrol_two_factor().await;
    let unrouted = admin.get("/console/inbound").await;
    assert_eq!(unrouted.status, 200, "{}", unrouted.body);
    assert!(
        unrouted.body.contains("lost@example.org"),
        "{}",
        unrouted.body
    );
    assert!(unrouted.body.contains("no call recognised"));
    assert!(
        !unrouted.body.contains("cy@example.org"),
        "a call's own mail stays on its page"
    );
    assert!(
        triage.contains("sender not verified"),
        "staff see how the sender was known: {triage}"
    );
    assert!(
        !page.body.contains("<script>alert(1)"),
        "the subject is shown escaped"
    );
    assert!(
        page.body.contains("My blog &#60;script&#62;alert(1)"),
        "{}",
        page.body
    );
    assert!(
        !page.body.contains("grace@example.org"),
        "another call's mail is not listed"
    );

    // The original, as plain text to download, exactly as it came.
    let records = app.store.inbound(10).await.unwrap();
    let by = |sender: &str| {
        records
            .iter()
            .find(|record| record.sender == sender)
            .unwrap()
            .id
    };
    let id = by("cy@example.org");
    assert!(
        triage.contains(&format!("{CONSOLE}/inbound/{id}/original")),
        "{triage}"
    );
    let original = editor
        .get(&format!("{CONSOLE}/inbound/{id}/original"))
        .await;
    assert_eq!(original.status, 200);
    assert_eq!(original.header("content-type"), "text/plain; charset=utf-8");
    assert_eq!(
        original.header("content-disposition"),
        format!("attachment; filename=\"message-{id}.eml\"")
    );
    assert!(
        original
            .body
            .starts_with("Message-ID: <noday-console@example.org>")
    );
    // Another call's message is not reachable through this call's console.
    assert_eq!(
        editor
            .get(&format!(
                "{CONSOLE}/inbound/{}/original",
                by("grace@example.org")
            ))
            .await
            .status,
        404
    );
    // Outsiders meet 404 for originals too.
    let ada = app.signed_up("someone@example.org", PASSWORD).await;
    assert_eq!(
        ada.get(&format!("{CONSOLE}/inbound/{id}/original"))
            .await
            .status,
        404
    );
    // The original of mail for no call: the administrators' to download, nobody else's.
    let lost = by("lost@example.org");
    assert_eq!(
        editor
            .get(&format!("{CONSOLE}/inbound/{lost}/original"))
            .await
            .status,
        404
    );
    assert_eq!(
        editor
            .get(&format!("/console/inbound/{lost}/original"))
            .await
            .status,
        404
    );
    let original = admin
        .get(&format!("/console/inbound/{lost}/original"))
        .await;
    assert_eq!(original.status, 200);
    assert!(original.body.starts_with("Message-ID: <lost@example.org>"));
}

async fn overview_counts(db: &TestDb) {
    let (app, editor) = with_staff(db, "ed@example.org", StaffRole::Editor).await;
    let empty = editor.get(CONSOLE).await;
    assert!(empty.body.contains("No pieces yet."), "{}", empty.body);

    let ada = app.signed_up("ada@example.org", PASSWORD).await;
    submit_blog(&ada, "Data at the heart of justice").await;
    submit_blog(&ada, "Joined-up data").await;
    // A draft offered for Monday: not on offer until it is submitted.
    let started = ada
        .post(
            "/calls/digital-justice-week-2022/submit",
            &[("kind", "blog"), ("day", "2022-11-14")],
        )
        .await;
    assert_eq!(started.status, 303, "{}", started.body);

    let page = editor.get(CONSOLE).await;
    assert!(
        page.body.contains("<dt>Draft</dt><dd>1</dd>"),
        "{}",
        page.body
    );
    assert!(page.body.contains("<dt>Submitted</dt><dd>2</dd>"));
    assert!(
        !page.body.contains("<dt>Withdrawn</dt>"),
        "only states with pieces"
    );
    assert!(
        page.body.contains(
            "<tr><th scope=\"row\">Tuesday 15 November 2022</th><td>Harnessing the power of data</td><td>0</td><td>2</td><td>0</td></tr>"
        ),
        "{}",
        page.body
    );
    assert!(
        page.body.contains(
            "<tr><th scope=\"row\">Monday 14 November 2022</th><td>Tackling reoffending</td><td>0</td><td>0</td><td>0</td></tr>"
        ),
        "{}",
        page.body
    );
    // A piece accepted and placed on Wednesday counts there, as submitted and as accepted, and
    // under its kind.
    docket_tests::week::placed_piece(
        app.store.as_ref(),
        "digital-justice-week-2022",
        &docket_tests::week::TestPiece {
            owner: "bo@example.org",
            author: "Bo Diddley",
            kind: "case-study",
            title: "Courts online",
            day: jiff::civil::date(2022, 11, 16),
            file: None,
            minutes: None,
        },
        false,
        app.clock.now_timestamp(),
    )
    .await;
    let page = editor.get(CONSOLE).await;
    assert!(
        page.body.contains(
            "<tr><th scope=\"row\">Wednesday 16 November 2022</th><td>Meeting the needs of the user</td><td>0</td><td>1</td><td>1</td></tr>"
        ),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains("<tr><th scope=\"row\">Case study</th><td>0</td><td>1</td><td>1</td></tr>"),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains("<tr><th scope=\"row\">Guest blog</th><td>0</td><td>2</td><td>0</td></tr>"),
        "{}",
        page.body
    );
}
