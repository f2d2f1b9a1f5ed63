//! Every public page type in a real Chromium: zero axe-core WCAG 2.2 AA violations, and zero
//! errors from the Nu Html Checker on the HTML the server sends.

use docket_tests::SECOND_CALL;
use docket_tests::app::TestApp;
use docket_tests::browser::{self, Browser};
use docket_tests::db::TestDb;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn public_pages_pass_axe_and_the_html_checker() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let db = TestDb::sqlite().await;
    let app = TestApp::spawn(&db).await;
    app.import(SECOND_CALL).await;
    let pages = [
        ("home", "/"),
        ("call", "/calls/digital-justice-week-2022"),
        (
            "themed day",
            "/calls/digital-justice-week-2022/days/2022-11-16",
        ),
        (
            "last themed day",
            "/calls/digital-justice-week-2022/days/2022-11-18",
        ),
        ("guidelines", "/calls/digital-justice-week-2022/guidelines"),
        ("second call", "/calls/open-data-week-2027"),
        ("not found", "/calls/no-such-call"),
        ("sign in", "/account/sign-in"),
        (
            "sign-in code",
            "/account/sign-in/code?email=a%40example.org",
        ),
        ("reset request", "/account/reset"),
        ("new password", "/account/reset/some-token"),
        ("check your email", "/account/check-email"),
        ("confirm button", "/account/confirm/some-token"),
    ];
    let mut failures = Vec::new();
    let mut documents = Vec::new();
    for (name, path) in pages {
        for violation in browser.axe(&app.url(path)).await {
            failures.push(format!(
                "{name} ({path}): axe {} [{}] {}: {:?}",
                violation.id, violation.impact, violation.help, violation.targets
            ));
        }
        documents.push((name.to_owned(), app.get(path).await.body));
    }
    // The page title reaches the browser, and the skip link is the first thing a keyboard reaches.
    browser
        .client
        .goto(&app.url("/calls/digital-justice-week-2022"))
        .await
        .unwrap();
    assert_eq!(
        browser.client.title().await.unwrap(),
        "Digital Justice Week 2022 · Docket"
    );
    let first_focus = browser
        .client
        .execute(
            "document.querySelector('a').focus(); return document.activeElement.textContent;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(first_focus, "Skip to main content");
    browser.close().await;
    failures.extend(browser::validate_html(&documents));
    app.stop().await;
    assert!(
        failures.is_empty(),
        "accessibility or HTML problems:\n{}",
        failures.join("\n")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_checks_catch_a_broken_page() {
    // The harness itself must be able to fail: a page with an image without alt text, an
    // unlabelled field and a stray end tag is reported by both tools.
    let Some(browser) = Browser::start().await else {
        return;
    };
    let broken = "<!DOCTYPE html><html><head><title>x</title></head><body><img src=\"a.png\"><input type=\"text\"></span></body></html>";
    let url = format!("data:text/html,{}", broken.replace('#', "%23"));
    let violations = browser.axe(&url).await;
    let ids: Vec<_> = violations.iter().map(|v| v.id.as_str()).collect();
    assert!(ids.contains(&"image-alt"), "{ids:?}");
    assert!(ids.contains(&"html-has-lang"), "{ids:?}");
    browser.close().await;
    let errors = browser::validate_html(&[("broken".into(), broken.into())]);
    assert!(errors.iter().any(|e| e.contains("alt")), "{errors:?}");
    assert!(errors.iter().any(|e| e.contains("span")), "{errors:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_contributor_submits_in_chromium_with_the_error_summary_and_a_live_word_count() {
    use fantoccini::Locator;
    let Some(browser) = Browser::start().await else {
        return;
    };
    let db = TestDb::sqlite().await;
    let app = TestApp::spawn_with(
        &db,
        docket_web::WebConfig {
            demo: true,
            ..Default::default()
        },
    )
    .await;
    let client = &browser.client;
    let mut failures = Vec::new();
    let mut documents = Vec::new();
    macro_rules! check {
        ($name:expr) => {{
            let url = client.current_url().await.unwrap().to_string();
            // Re-run axe on the page as it is (axe() navigates, so inject on the current page instead).
            client.execute(browser.axe_source(), vec![]).await.expect("inject axe-core");
            let result = client
                .execute("return await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a','wcag2aa','wcag21a','wcag21aa','wcag22aa']}});", vec![])
                .await
                .expect("run axe-core");
            for violation in result["violations"].as_array().into_iter().flatten() {
                failures.push(format!("{} ({url}): axe {} {}: {}", $name, violation["id"], violation["help"], violation["nodes"]));
            }
            // WebDriver's source is the DOM serialised without its doctype: put it back.
            documents.push(($name.to_string(), format!("<!DOCTYPE html>{}", client.source().await.unwrap())));
        }};
    }

    // Sign up, first with mistakes: the error summary lists them, linked to the fields.
    client.goto(&app.url("/account/sign-up")).await.unwrap();
    check!("sign up");
    fill(client, "#email", "not an address").await;
    press(client, "button[type=submit].button").await;
    client
        .wait()
        .for_element(Locator::Css(".error-summary"))
        .await
        .unwrap();
    let summary = client
        .wait()
        .for_element(Locator::Css(".error-summary"))
        .await
        .expect("an error summary");
    let links = summary.find_all(Locator::Css("a")).await.unwrap();
    let mut targets = Vec::new();
    for link in links {
        targets.push(link.attr("href").await.unwrap().unwrap_or_default());
    }
    assert_eq!(targets, ["#email", "#password"]);
    check!("sign up with errors");
    fill(client, "#email", "ada@example.org").await;
    fill(client, "#password", "correct horse battery").await;
    press(client, "button[type=submit].button").await;
    arrive(client, "/account/check-email").await;
    check!("check your email");
    client.goto(&app.url("/demo/mailbox")).await.unwrap();
    check!("demo mailbox");
    press(client, "tbody a").await;
    client
        .wait()
        .for_element(Locator::Css(".mail-text"))
        .await
        .unwrap();
    check!("demo message");
    let link = app
        .link_in_mail("ada@example.org", "/account/confirm/")
        .await;
    client.goto(&app.url(&link)).await.unwrap();
    check!("confirm button");
    press(client, "main button[type=submit]").await;
    arrive(client, "/submissions").await;
    check!("your submissions (empty)");

    // Start a blog for two days.
    client
        .goto(&app.url("/calls/digital-justice-week-2022/submit"))
        .await
        .unwrap();
    check!("start a piece");
    press(client, "#kind-blog").await;
    press(client, "#day-2022-11-15").await;
    press(client, "#day-2022-11-17").await;
    press(client, "main form button[type=submit]").await;
    arrive(client, "/edit").await;
    check!("edit a draft");

    // The word count follows typing, with JavaScript on.
    fill(client, "#body", "One two three—four, and state-of-the-art.").await;
    let count = client
        .find(Locator::Id("body-count"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(count, "6 words");
    // List bullets count, as in the server's count and LibreOffice's.
    fill(client, "#body", "- one\n- two").await;
    let count = client
        .find(Locator::Id("body-count"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(count, "4 words");

    // Submitting with the title missing: the summary links to it.
    press(client, "main button[value=submit]").await;
    let summary = client
        .wait()
        .for_element(Locator::Css(".error-summary"))
        .await
        .expect("an error summary");
    let text = summary.text().await.unwrap();
    assert!(text.contains("Give the piece a title"), "{text}");
    check!("edit with errors");

    fill(client, "#title", "Data at the heart of justice").await;
    fill(
        client,
        "#summary",
        "How data can follow a person through the justice system.",
    )
    .await;
    fill(client, "#author_name_0", "Ada Lovelace").await;
    let body =
        "Digital services should work for everyone who meets the justice system. ".repeat(70);
    client
        .execute("document.getElementById('body').value = arguments[0]; document.getElementById('body').dispatchEvent(new Event('input'));", vec![body.into()])
        .await
        .unwrap();
    assert_eq!(
        client
            .find(Locator::Id("body-count"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        "770 words"
    );
    press(client, "main button[value=submit]").await;
    client
        .wait()
        .for_element(Locator::Css(".notice"))
        .await
        .expect("a notice");
    let errors = client.find(Locator::Css(".error-summary")).await.ok();
    assert!(
        errors.is_none(),
        "770 words fits the 600–800 the call asks for"
    );
    let page = client.source().await.unwrap();
    assert!(page.contains("Your piece has been submitted"), "{page}");
    check!("submitted piece");
    press(client, "a[href$='/preview']").await;
    arrive(client, "/preview").await;
    check!("preview");
    client.goto(&app.url("/submissions")).await.unwrap();
    check!("your submissions");
    press(client, "tbody a").await;
    client
        .wait()
        .for_element(Locator::Css("a[href$='/revisions/1']"))
        .await
        .unwrap();
    press(client, "a[href$='/revisions/1']").await;
    arrive(client, "/revisions/1").await;
    check!("revision");

    // Tell the organisers about a piece still to write, from a day's page.
    client
        .goto(&app.url("/calls/digital-justice-week-2022/days/2022-11-16"))
        .await
        .unwrap();
    press(client, "a[href$='/pledge?day=2022-11-16']").await;
    arrive(client, "/pledge").await;
    check!("pledge form");
    press(client, "main form button[type=submit]").await;
    check!("pledge form with errors");
    press(client, "#kind-not-sure").await;
    fill(
        client,
        "#title",
        "What victims told us about digital services",
    )
    .await;
    press(client, "main form button[type=submit]").await;
    // The first pledge of this fresh database.
    arrive(client, "/pledges/1").await;
    check!("a pledge");
    client.goto(&app.url("/submissions")).await.unwrap();
    check!("your submissions and pledges");

    browser.close().await;
    failures.extend(browser::validate_html(&documents));
    app.stop().await;
    assert!(
        failures.is_empty(),
        "accessibility or HTML problems:\n{}",
        failures.join("\n")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_pages_pass_axe_and_the_html_checker_and_the_preview_shows_the_mail() {
    use docket_store::{Actor, NewMail, StaffRole};
    use docket_tests::app::NowTimestamp;
    use fantoccini::Locator;
    let Some(browser) = Browser::start().await else {
        return;
    };
    let db = TestDb::sqlite().await;
    let app = TestApp::spawn(&db).await;
    let client = &browser.client;
    let console = "/console/calls/digital-justice-week-2022";
    let now = app.clock.now_timestamp();
    app.signed_up("org@example.org", "correct horse battery")
        .await;
    let call = app
        .store
        .call("digital-justice-week-2022")
        .await
        .unwrap()
        .unwrap();
    app.store
        .add_staff(
            call.id,
            "org@example.org",
            StaffRole::Organiser,
            &Actor::Cli,
            now,
        )
        .await
        .unwrap();
    // A failed mail, so that the outbox shows its "Send again" form.
    app.store
        .enqueue_mail(
            NewMail {
                message_id: "<console-browser@docket.example.org>".into(),
                to: "ada@example.org".into(),
                subject: "Received: Data at the heart of justice".into(),
                text: "body".into(),
                html: "<p>body</p>".into(),
                template: "receipt".into(),
                submission_id: None,
                call_id: Some(call.id),
                reply_to: None,
                idempotency_key: None,
                list_unsubscribe: None,
            },
            now,
        )
        .await
        .unwrap();
    let until = now.checked_add(jiff::SignedDuration::from_mins(5)).unwrap();
    for row in app.store.lease_outbox("t", now, until, 100).await.unwrap() {
        let retry = (row.mail.call_id.is_none()).then_some(now);
        app.store
            .mark_attempt_failed(row.id, "t", "550 mailbox unavailable", retry)
            .await
            .unwrap();
    }

    // A message kept for triage and a filed one, so that "Mail in" shows both tables.
    for (n, outcome, reason) in [
        (1, docket_store::InboundOutcome::Triage, "no day named"),
        (
            2,
            docket_store::InboundOutcome::Ignored,
            "automatic message (auto-replied)",
        ),
    ] {
        app.store
            .record_inbound(
                &docket_store::NewInbound {
                    message_id: format!("<in-{n}@example.org>"),
                    sender: "cy@example.org".into(),
                    subject: "My blog".into(),
                    raw: b"Subject: My blog\r\n\r\nHello".to_vec(),
                    outcome,
                    reason: reason.into(),
                    call_id: Some(call.id),
                    sender_trust: docket_store::SenderTrust::NotVerified,
                    received_at: now,
                    release_held: false,
                    release_triage: false,
                },
                None,
            )
            .await
            .unwrap();
    }

    // A pledge, so that the call's pledges show one with its "Decline" form.
    let pledger = app
        .store
        .user_by_email("org@example.org")
        .await
        .unwrap()
        .unwrap();
    // A piece sent twice, so that the queue, the piece and the diff between revisions show.
    let mut piece = docket_core::submission::Piece {
        kind: "blog".into(),
        title: "Data at the heart of justice".into(),
        summary: "How data can follow a person through justice.".into(),
        body: "Justice needs joined-up data. ".repeat(120),
        authors: vec![docket_core::submission::Author {
            name: "Ada Lovelace".into(),
            ..Default::default()
        }],
        days: Some(docket_core::submission::CandidateDays::AnyDay),
        words: Some(600),
        ..Default::default()
    };
    let piece_id = app
        .store
        .create_draft(call.id, &pledger, &piece, now)
        .await
        .unwrap();
    for (n, body) in [
        "Justice needs joined-up data. ",
        "Justice needs connected data. ",
    ]
    .into_iter()
    .enumerate()
    {
        piece.body = body.repeat(120);
        app.store
            .submit_revision(
                piece_id,
                pledger.id,
                &piece,
                false,
                &[],
                docket_tests::mail::receipt(
                    format!("<browser-receipt-{n}@docket.example.org>"),
                    "org@example.org",
                    piece_id,
                    call.id,
                ),
                now,
            )
            .await
            .unwrap();
    }
    // The organiser reviews the piece too, so that its review page shows.
    app.store
        .assign_reviewer(piece_id, "org@example.org", &Actor::Cli, now)
        .await
        .unwrap();
    // An accepted piece, so that the copy-edit page shows.
    let accepted_id = app
        .store
        .create_draft(call.id, &pledger, &piece, now)
        .await
        .unwrap();
    app.store
        .submit_revision(
            accepted_id,
            pledger.id,
            &piece,
            false,
            &[],
            docket_tests::mail::receipt(
                "<browser-receipt-accepted@docket.example.org>".into(),
                "org@example.org",
                accepted_id,
                call.id,
            ),
            now,
        )
        .await
        .unwrap();
    app.store
        .set_state(
            accepted_id,
            pledger.id,
            docket_core::submission::SubmissionState::Submitted,
            docket_core::submission::SubmissionState::Accepted,
            None,
            now,
        )
        .await
        .unwrap();
    // The editors' copy-edit of it, so that its author's page of changes shows.
    let mut edited = piece.clone();
    edited.body = edited.body.replacen("Justice", "Fair justice", 1);
    app.store
        .copy_edit(
            accepted_id,
            pledger.id,
            &edited,
            NewMail {
                message_id: "<browser-copy-edit@docket.example.org>".into(),
                to: "org@example.org".into(),
                subject: "Edits".into(),
                text: "Edits".into(),
                html: String::new(),
                template: "copy_edit".into(),
                submission_id: Some(accepted_id),
                call_id: Some(call.id),
                reply_to: None,
                idempotency_key: None,
                list_unsubscribe: None,
            },
            now,
        )
        .await
        .unwrap();
    // A piece placed on Tuesday, consented to and published, so that the board and the public
    // week show it.
    let (_, published_slug) = docket_tests::week::placed_piece(
        app.store.as_ref(),
        "digital-justice-week-2022",
        &docket_tests::week::TestPiece {
            owner: "org@example.org",
            author: "Ada Lovelace, Director, Analytical Engines Ltd",
            kind: "blog",
            title: "Data at the heart of justice",
            day: jiff::civil::date(2022, 11, 15),
            file: None,
            minutes: None,
        },
        true,
        now,
    )
    .await;
    let triaged = app
        .store
        .call_inbound(Some(call.id), 10)
        .await
        .unwrap()
        .into_iter()
        .find(|record| record.outcome == docket_store::InboundOutcome::Triage)
        .expect("a message kept for triage")
        .id;
    app.store
        .add_pledge(
            &docket_store::NewPledge {
                call_id: call.id,
                owner_id: pledger.id,
                pledge: docket_core::pledge::Pledge {
                    kind: Some("blog".into()),
                    days: Some(docket_core::submission::CandidateDays::AnyDay),
                    working_title: "Joining up the data".into(),
                    author: "Ada Lovelace".into(),
                    ..Default::default()
                },
                source: "email",
                sender_trust: None,
            },
            None,
            now,
        )
        .await
        .unwrap();

    let mut failures = Vec::new();
    let mut documents = Vec::new();
    // The empty console of someone on no staff, by its HTML alone.
    let stranger = app
        .signed_up("stranger@example.org", "correct horse battery")
        .await;
    documents.push((
        "empty console".to_owned(),
        stranger.get("/console").await.body,
    ));

    client.goto(&app.url("/account/sign-in")).await.unwrap();
    let field = client.find(Locator::Css("#email")).await.unwrap();
    field.send_keys("org@example.org").await.unwrap();
    let field = client.find(Locator::Css("#password")).await.unwrap();
    field.send_keys("correct horse battery").await.unwrap();
    client
        .find(Locator::Css("main form button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    arrive(client, "/submissions").await;
    client
        .find(Locator::Css("a[href='/console']"))
        .await
        .expect("the console is linked for staff")
        .click()
        .await
        .unwrap();
    arrive(client, "/console").await;
    check_current(&browser, "console", &mut failures, &mut documents).await;

    // Staff set up two-step sign-in before the call's console opens: the QR code and the key
    // as text, the code from the app, the recovery codes shown once.
    client.goto(&app.url(console)).await.unwrap();
    arrive(client, "/account/two-factor").await;
    check_current(&browser, "two-step set-up", &mut failures, &mut documents).await;
    let secret = client
        .find(Locator::Css("#secret"))
        .await
        .expect("the key as text")
        .text()
        .await
        .unwrap();
    let authenticator = docket_tests::app::Authenticator::new(&secret);
    fill(client, "#code", &authenticator.code().await).await;
    press(client, "main form button[type=submit]").await;
    client
        .wait()
        .for_element(Locator::XPath("//h1[text()='Your recovery codes']"))
        .await
        .expect("the recovery codes");
    check_current(&browser, "recovery codes", &mut failures, &mut documents).await;
    press(client, "main a.button").await;
    arrive(client, console).await;

    for (name, path) in [
        ("call overview", console.to_owned()),
        ("staff", format!("{console}/staff")),
        ("your account", "/account".to_owned()),
        ("two-step sign-in", "/account/two-factor".to_owned()),
        ("profile", "/account/profile".to_owned()),
        ("your data", "/account/data".to_owned()),
        ("privacy", "/privacy".to_owned()),
        ("pieces", format!("{console}/pieces?q=justice")),
        ("piece", format!("{console}/pieces/{piece_id}")),
        (
            "diff",
            format!("{console}/pieces/{piece_id}/diff?from=1&to=2"),
        ),
        ("triage", format!("{console}/inbound/{triaged}")),
        ("reviews", format!("{console}/reviews")),
        ("review", format!("{console}/reviews/{piece_id}")),
        ("conflicts", format!("{console}/conflicts")),
        ("announcements", format!("{console}/announcements")),
        ("day board", format!("{console}/board")),
        (
            "published piece",
            format!("/calls/digital-justice-week-2022/pieces/{published_slug}"),
        ),
        (
            "author",
            "/calls/digital-justice-week-2022/authors/ada-lovelace".to_owned(),
        ),
        (
            "call with its week",
            "/calls/digital-justice-week-2022".to_owned(),
        ),
        (
            "day with its pieces",
            "/calls/digital-justice-week-2022/days/2022-11-15".to_owned(),
        ),
        (
            "copy-edit",
            format!("{console}/pieces/{accepted_id}/copy-edit"),
        ),
        ("unsubscribe link", "/unsubscribe/made-up-token".to_owned()),
        ("changes", format!("/submissions/{accepted_id}/changes")),
        ("outbox", format!("{console}/outbox")),
        ("mail in", format!("{console}/inbound")),
        ("pledges", format!("{console}/pledges")),
        ("emails", format!("{console}/emails")),
        ("one email", format!("{console}/emails/receipt")),
    ] {
        client.goto(&app.url(&path)).await.unwrap();
        check_current(&browser, name, &mut failures, &mut documents).await;
    }

    // The preview frame shows the sample mail, styled by the layout's own stylesheet (which the
    // page's CSP admits by its hash), and runs no script.
    let frame = client
        .find(Locator::Css("iframe.mail-preview"))
        .await
        .unwrap();
    frame.enter_frame().await.unwrap();
    let body = client.find(Locator::Css("body")).await.unwrap();
    let text = body.text().await.unwrap();
    assert!(text.contains("Data at the heart of justice"), "{text}");
    let font = body.css_value("font-family").await.unwrap();
    assert!(font.contains("Arial"), "the layout's style applies: {font}");
    client.enter_parent_frame().await.unwrap();

    // A misspelt variable: the error summary links to the field, and the page still passes.
    let text = client.find(Locator::Css("#text")).await.unwrap();
    text.clear().await.unwrap();
    text.send_keys("Thanks for {{ piece.titel }}")
        .await
        .unwrap();
    client
        .find(Locator::Css("button[value=save]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let summary = client
        .wait()
        .for_element(Locator::Css(".error-summary"))
        .await
        .expect("an error summary");
    let link = summary.find(Locator::Css("a")).await.unwrap();
    assert_eq!(link.attr("href").await.unwrap().as_deref(), Some("#text"));
    check_current(
        &browser,
        "one email with errors",
        &mut failures,
        &mut documents,
    )
    .await;
    link.click().await.unwrap();
    let focused = client
        .execute("return document.activeElement.id", vec![])
        .await
        .unwrap();
    assert_eq!(
        focused, "text",
        "the summary's link takes the keyboard to the field"
    );

    // A site administrator's page of mail for no call.
    app.store
        .add_admin("org@example.org", &Actor::Cli, now)
        .await
        .unwrap();
    let mailer = docket_mail::Mailer::new("http://127.0.0.1:8080");
    let settings = docket_app::ingest::IngestSettings::default();
    let lost = "Message-ID: <lost-browser@example.org>\r\nFrom: Lost <lost@example.org>\r\nTo: someone@elsewhere.example\r\nSubject: Hello\r\nContent-Type: text/plain\r\n\r\nIs this the right place?\r\n";
    let own =
        docket_tests::mail::blog_with_docx("held-browser@example.org", "Org <org@example.org>");
    for raw in [lost.as_bytes(), own.as_slice()] {
        docket_app::ingest::ingest(app.store.as_ref(), &app.clock, &mailer, raw, &settings)
            .await
            .unwrap();
    }
    client.goto(&app.url("/console/inbound")).await.unwrap();
    check_current(&browser, "mail for no call", &mut failures, &mut documents).await;
    // The page a held message's owner opens from their email, and the page after confirming.
    let link = app.link_in_mail("org@example.org", "/mail/confirm/").await;
    client.goto(&app.url(&link)).await.unwrap();
    check_current(&browser, "held mail", &mut failures, &mut documents).await;
    client
        .find(Locator::Css("button[value=file]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client
        .wait()
        .for_element(Locator::XPath("//h1[text()='Thank you']"))
        .await
        .expect("the confirmation's answer");
    check_current(&browser, "held mail filed", &mut failures, &mut documents).await;

    // A decision: the error summary first, then the email previewed before it is confirmed.
    client
        .goto(&app.url(&format!("{console}/pieces/{piece_id}")))
        .await
        .unwrap();
    press(client, "form[action$='/decide'] button[type=submit]").await;
    client
        .wait()
        .for_element(Locator::Css(".error-summary"))
        .await
        .expect("an error summary");
    check_current(
        &browser,
        "decision with errors",
        &mut failures,
        &mut documents,
    )
    .await;
    press(client, "#action-accept").await;
    fill(client, "#note", "Thank you: just what the week needed.").await;
    press(client, "form[action$='/decide'] button[type=submit]").await;
    client
        .wait()
        .for_element(Locator::XPath(
            "//h1[text()='Check the email before it goes']",
        ))
        .await
        .expect("the preview");
    check_current(&browser, "decision preview", &mut failures, &mut documents).await;

    // Signing in again asks for the app's code before the console.
    press(client, ".account-nav button[type=submit]").await;
    // The sign-out's own answer first, or it could land after the sign-in page and replace it.
    client
        .wait()
        .for_element(Locator::Css(".account-nav a[href='/account/sign-in']"))
        .await
        .expect("signed out");
    client.goto(&app.url("/account/sign-in")).await.unwrap();
    client
        .wait()
        .for_element(Locator::Css("#email"))
        .await
        .expect("the sign-in form");
    fill(client, "#email", "org@example.org").await;
    fill(client, "#password", "correct horse battery").await;
    press(client, "main form button[type=submit]").await;
    arrive(client, "/account/two-factor/check").await;
    check_current(&browser, "two-step check", &mut failures, &mut documents).await;
    fill(client, "#code", &authenticator.code().await).await;
    press(client, "main form button[type=submit]").await;
    arrive(client, "/submissions").await;
    client.goto(&app.url(console)).await.unwrap();
    arrive(client, console).await;

    browser.close().await;
    failures.extend(browser::validate_html(&documents));
    app.stop().await;
    assert!(
        failures.is_empty(),
        "accessibility or HTML problems:\n{}",
        failures.join("\n")
    );
}

/// Runs axe-core on the page the browser is on, as it is, and keeps its HTML for the checker.
async fn check_current(
    browser: &Browser,
    name: &str,
    failures: &mut Vec<String>,
    documents: &mut Vec<(String, String)>,
) {
    let client = &browser.client;
    let url = client.current_url().await.unwrap().to_string();
    client
        .execute(browser.axe_source(), vec![])
        .await
        .expect("inject axe-core");
    let result = client
        .execute("return await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a','wcag2aa','wcag21a','wcag21aa','wcag22aa']}});", vec![])
        .await
        .expect("run axe-core");
    for violation in result["violations"].as_array().into_iter().flatten() {
        failures.push(format!(
            "{name} ({url}): axe {} {}: {}",
            violation["id"], violation["help"], violation["nodes"]
        ));
    }
    // WebDriver's source is the DOM serialised without its doctype: put it back.
    documents.push((
        name.to_owned(),
        format!("<!DOCTYPE html>{}", client.source().await.unwrap()),
    ));
}

async fn fill(client: &fantoccini::Client, css: &str, text: &str) {
    let field = client
        .find(fantoccini::Locator::Css(css))
        .await
        .unwrap_or_else(|_| panic!("no {css}"));
    field.clear().await.unwrap();
    field.send_keys(text).await.unwrap();
}

async fn press(client: &fantoccini::Client, css: &str) {
    client
        .find(fantoccini::Locator::Css(css))
        .await
        .unwrap_or_else(|_| panic!("no {css}"))
        .click()
        .await
        .unwrap();
}

/// Waits (bounded) until the browser has loaded a page whose path ends with `suffix`.
async fn arrive(client: &fantoccini::Client, suffix: &str) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    loop {
        let url = client.current_url().await.unwrap();
        let ready = client
            .execute("return document.readyState", vec![])
            .await
            .unwrap();
        if url.path().ends_with(suffix) && ready == "complete" {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "never reached {suffix}: at {url}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}
