//! Accounts and sessions as a contributor meets them, on both backends.

use docket_tests::app::TestApp;
use docket_tests::both_backends;
use docket_tests::db::TestDb;
use jiff::SignedDuration;

both_backends! {
    a_new_contributor_signs_up_confirms_and_is_signed_in => sign_up_confirm_sign_in,
    signing_up_again_with_the_same_address_reveals_nothing => signing_up_twice_reveals_nothing,
    a_wrong_password_and_an_unknown_address_get_the_same_answer => wrong_password_and_unknown_address_look_alike,
    each_sign_in_gets_a_new_session_and_sign_out_ends_it_on_the_server => sessions_rotate_and_end,
    a_sign_in_code_works_once_for_ten_minutes_with_limited_attempts => sign_in_code_rules,
    a_password_reset_replaces_the_password_and_ends_other_sessions => password_reset,
    forms_without_the_csrf_token_or_from_another_site_are_refused => csrf_is_enforced,
    repeated_sign_in_attempts_are_rate_limited => sign_in_is_rate_limited,
    form_errors_are_summarised_at_the_top_and_linked_to_their_fields => errors_are_summarised,
    an_idle_session_expires => idle_sessions_expire,
    a_session_ends_after_seven_days_however_active => sessions_have_an_absolute_lifetime,
    behind_https_the_session_cookie_is_secure_and_host_only => secure_cookies_behind_https,
}

const PASSWORD: &str = "correct horse battery";

async fn sign_up_confirm_sign_in(db: &TestDb) {
    let app = TestApp::spawn(db).await;
    let visitor = app.visitor();
    let page = visitor
        .post(
            "/account/sign-up",
            &[("email", "Ada@Example.org"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(
        (page.status, page.location()),
        (303, "/account/check-email")
    );
    // The confirmation went to the outbox in the same transaction as the account.
    let mails = app.mail_to("ada@example.org").await;
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].subject, "Confirm your email address for Docket");
    let link = app
        .link_in_mail("ada@example.org", "/account/confirm/")
        .await;
    assert!(
        link.len() > "/account/confirm/".len() + 40,
        "a long random token: {link}"
    );
    // Not usable before confirming: signing in sends a new link instead.
    let early = visitor
        .post(
            "/account/sign-in",
            &[("email", "ada@example.org"), ("password", PASSWORD)],
        )
        .await;
    assert!(
        early.body.contains("Confirm your email address first"),
        "{}",
        early.body
    );
    // Following the link shows a button (mail scanners that fetch links confirm nothing).
    let button = visitor.get(&link).await;
    assert_eq!(button.status, 200);
    assert!(button.body.contains("Confirm and sign in"));
    let confirmed = visitor.post(&link, &[]).await;
    assert_eq!(
        (confirmed.status, confirmed.location()),
        (303, "/submissions")
    );
    let cookie = confirmed.header("set-cookie");
    assert!(
        cookie.contains("docket_session=")
            && cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    let home = visitor.get("/").await;
    assert!(home.body.contains("Your submissions"), "signed in");
    // The link was single-use.
    let again = app.visitor().post(&link, &[]).await;
    assert_eq!(again.status, 410);
    let user = app
        .store
        .user_by_email("ada@example.org")
        .await
        .unwrap()
        .unwrap();
    assert!(user.confirmed_at.is_some());
    assert!(user.password_hash.unwrap().starts_with("$argon2id$"));
    let trail = app
        .store
        .audit_trail(&format!("user:{}", user.id))
        .await
        .unwrap();
    let actions: Vec<_> = trail.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        ["user.signed_up", "user.confirmed", "user.signed_in"]
    );
    app.stop().await;
}

async fn signing_up_twice_reveals_nothing(db: &TestDb) {
    let app = TestApp::spawn(db).await;
    app.signed_up("bo@example.org", PASSWORD).await;
    let page = app
        .visitor()
        .post(
            "/account/sign-up",
            &[
                ("email", "bo@example.org"),
                ("password", "another password"),
            ],
        )
        .await;
    assert_eq!(
        (page.status, page.location()),
        (303, "/account/check-email")
    );
    let mails = app.mail_to("bo@example.org").await;
    assert_eq!(mails[0].subject, "You already have a Docket account");
    // The first password still works; nothing was replaced.
    let page = app
        .visitor()
        .post(
            "/account/sign-in",
            &[("email", "bo@example.org"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(page.status, 303);
    app.stop().await;
}

fn without_tokens(body: &str) -> String {
    body.lines()
        .filter(|line| !line.contains("name=\"csrf\""))
        .collect::<Vec<_>>()
        .join("\n")
}

async fn wrong_password_and_unknown_address_look_alike(db: &TestDb) {
    let app = TestApp::spawn(db).await;
    app.signed_up("cy@example.org", PASSWORD).await;
    let visitor = app.visitor();
    let wrong = visitor
        .post(
            "/account/sign-in",
            &[
                ("email", "cy@example.org"),
                ("password", "not the password"),
            ],
        )
        .await;
    let unknown = visitor
        .post(
            "/account/sign-in",
            &[
                ("email", "nobody@example.org"),
                ("password", "not the password"),
            ],
        )
        .await;
    assert_eq!(wrong.status, 400);
    assert_eq!(unknown.status, 400);
    assert!(
        wrong
            .body
            .contains("The email address or the password is not right")
    );
    assert_eq!(
        without_tokens(&wrong.body).replace("cy@example.org", "X"),
        without_tokens(&unknown.body).replace("nobody@example.org", "X")
    );
    // Asking for a code or a reset answers the same for both, too.
    for path in ["/account/sign-in/code", "/account/reset"] {
        let known = visitor.post(path, &[("email", "cy@example.org")]).await;
        let unknown = visitor.post(path, &[("email", "nobody@example.org")]).await;
        assert_eq!(known.status, 303);
        assert_eq!(unknown.status, 303);
        assert_eq!(
            known.location().replace("cy%40example.org", "X"),
            unknown.location().replace("nobody%40example.org", "X")
        );
    }
    assert!(app.mail_to("nobody@example.org").await.is_empty());
    app.stop().await;
}

async fn sessions_rotate_and_end(db: &TestDb) {
    let app = TestApp::spawn(db).await;
    let first = app.signed_up("di@example.org", PASSWORD).await;
    let first_session = first.cookie("docket_session").unwrap();
    // Signing in again on the same browser replaces the session id and ends the old one.
    let page = first
        .post(
            "/account/sign-in",
            &[("email", "di@example.org"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(page.status, 303);
    let second_session = first.cookie("docket_session").unwrap();
    assert_ne!(first_session, second_session);
    let replay = home_with_session(&app, &first_session).await;
    assert!(
        !replay.contains("Your submissions"),
        "the old session id is dead"
    );
    // Sign out ends the session on the server, not only in the browser.
    let out = first.post("/account/sign-out", &[]).await;
    assert_eq!((out.status, out.location()), (303, "/"));
    let replay = home_with_session(&app, &second_session).await;
    assert!(
        !replay.contains("Your submissions"),
        "signed out on the server"
    );
    app.stop().await;
}

fn code_in(text: &str) -> String {
    let start = text.find("code is ").expect("a code") + "code is ".len();
    text[start..start + 8].to_owned()
}

async fn sign_in_code_rules(db: &TestDb) {
    let app = TestApp::spawn(db).await;
    app.signed_up("ed@example.org", PASSWORD).await;
    let visitor = app.visitor();
    let page = visitor
        .post("/account/sign-in/code", &[("email", "ed@example.org")])
        .await;
    assert_eq!(page.status, 303);
    let code = code_in(&app.mail_to("ed@example.org").await[0].text);
    // Five wrong tries use the code up: the right one no longer works.
    for _ in 0..5 {
        let wrong = visitor
            .post(
                "/account/sign-in/code/verify",
                &[("email", "ed@example.org"), ("code", "00000000")],
            )
            .await;
        assert_eq!(wrong.status, 400);
    }
    let late = visitor
        .post(
            "/account/sign-in/code/verify",
            &[("email", "ed@example.org"), ("code", &code)],
        )
        .await;
    assert_eq!(late.status, 400, "attempts are limited");
    // A new code works once, within ten minutes.
    visitor
        .post("/account/sign-in/code", &[("email", "ed@example.org")])
        .await;
    let code = code_in(&app.mail_to("ed@example.org").await[0].text);
    let ok = visitor
        .post(
            "/account/sign-in/code/verify",
            &[("email", "ed@example.org"), ("code", &code)],
        )
        .await;
    assert_eq!((ok.status, ok.location()), (303, "/submissions"));
    let reuse = app
        .visitor()
        .post(
            "/account/sign-in/code/verify",
            &[("email", "ed@example.org"), ("code", &code)],
        )
        .await;
    assert_eq!(reuse.status, 400, "one use");
    app.visitor()
        .post("/account/sign-in/code", &[("email", "ed@example.org")])
        .await;
    let code = code_in(&app.mail_to("ed@example.org").await[0].text);
    app.clock.advance(SignedDuration::from_mins(11));
    let expired = app
        .visitor()
        .post(
            "/account/sign-in/code/verify",
            &[("email", "ed@example.org"), ("code", &code)],
        )
        .await;
    assert_eq!(expired.status, 400, "ten minutes at most");
    // The emailed link signs in too, once.
    let link_visitor = app.visitor();
    link_visitor
        .post("/account/sign-in/code", &[("email", "ed@example.org")])
        .await;
    let link = app
        .link_in_mail("ed@example.org", "/account/sign-in/link/")
        .await;
    assert_eq!(link_visitor.post(&link, &[]).await.status, 303);
    assert_eq!(app.visitor().post(&link, &[]).await.status, 410);
    app.stop().await;
}

async fn password_reset(db: &TestDb) {
    let app = TestApp::spawn(db).await;
    let other_device = app.signed_up("fay@example.org", PASSWORD).await;
    let visitor = app.visitor();
    visitor
        .post("/account/reset", &[("email", "fay@example.org")])
        .await;
    let link = app.link_in_mail("fay@example.org", "/account/reset/").await;
    let short = visitor.post(&link, &[("password", "short")]).await;
    assert_eq!(
        short.status, 400,
        "the token is not used up by a rejected form"
    );
    let done = visitor
        .post(&link, &[("password", "a brand new passphrase")])
        .await;
    assert_eq!((done.status, done.location()), (303, "/submissions"));
    let old = app
        .visitor()
        .post(
            "/account/sign-in",
            &[("email", "fay@example.org"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(old.status, 400);
    let new = app
        .visitor()
        .post(
            "/account/sign-in",
            &[
                ("email", "fay@example.org"),
                ("password", "a brand new passphrase"),
            ],
        )
        .await;
    assert_eq!(new.status, 303);
    assert!(
        !other_device
            .get("/")
            .await
            .body
            .contains("Your submissions"),
        "other sessions ended"
    );
    assert_eq!(
        app.visitor()
            .post(&link, &[("password", "yet another passphrase")])
            .await
            .status,
        410
    );
    app.stop().await;
}

async fn csrf_is_enforced(db: &TestDb) {
    let app = TestApp::spawn(db).await;
    let visitor = app.visitor();
    visitor.csrf().await;
    let missing = visitor
        .post_raw(
            "/account/sign-up",
            &[("email", "gil@example.org"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(missing.status, 403);
    let forged = visitor
        .post_raw(
            "/account/sign-up",
            &[
                ("email", "gil@example.org"),
                ("password", PASSWORD),
                ("csrf", "forged-token-of-enough-length-0123456789"),
            ],
        )
        .await;
    assert_eq!(forged.status, 403);
    let token = visitor.csrf().await;
    let cross_site = visitor
        .http
        .post(app.url("/account/sign-up"))
        .header("sec-fetch-site", "cross-site")
        .header("origin", "https://evil.example")
        .form(&[
            ("email", "gil@example.org"),
            ("password", PASSWORD),
            ("csrf", token.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(cross_site.status().as_u16(), 403);
    assert!(
        app.store
            .user_by_email("gil@example.org")
            .await
            .unwrap()
            .is_none(),
        "nothing stored"
    );
    app.stop().await;
}

async fn sign_in_is_rate_limited(db: &TestDb) {
    let app = TestApp::spawn(db).await;
    let visitor = app.visitor();
    let mut statuses = Vec::new();
    for _ in 0..12 {
        statuses.push(
            visitor
                .post(
                    "/account/sign-in",
                    &[
                        ("email", "hal@example.org"),
                        ("password", "guess guess guess"),
                    ],
                )
                .await
                .status,
        );
    }
    assert!(statuses[..10].iter().all(|s| *s == 400), "{statuses:?}");
    assert_eq!(statuses[11], 429, "{statuses:?}");
    app.stop().await;
}

async fn errors_are_summarised(db: &TestDb) {
    let app = TestApp::spawn(db).await;
    let page = app
        .visitor()
        .post(
            "/account/sign-up",
            &[("email", "not an address"), ("password", "short")],
        )
        .await;
    assert_eq!(page.status, 400);
    assert!(
        page.body
            .contains("<title>Error: Create an account · Docket</title>")
    );
    let summary = page
        .body
        .find("There is a problem")
        .expect("an error summary");
    let form = page.body.find("<form").unwrap();
    assert!(summary < form, "the summary is above the form");
    assert!(page.body.contains(
        "<a href=\"#email\">Enter an email address in the correct format, like name@example.org</a>"
    ));
    assert!(
        page.body
            .contains("<a href=\"#password\">Enter a password of at least 10 characters</a>")
    );
    assert!(page.body.contains("id=\"email-error\""));
    assert!(
        page.body.contains("value=\"not an address\""),
        "what was typed is kept"
    );
    app.stop().await;
}

async fn idle_sessions_expire(db: &TestDb) {
    let app = TestApp::spawn(db).await;
    let visitor = app.signed_up("ivy@example.org", PASSWORD).await;
    app.clock.advance(SignedDuration::from_hours(11));
    assert!(
        visitor.get("/").await.body.contains("Your submissions"),
        "still active after 11 hours"
    );
    app.clock.advance(SignedDuration::from_hours(13));
    assert!(
        !visitor.get("/").await.body.contains("Your submissions"),
        "idle for 13 hours: signed out"
    );
    app.stop().await;
}

async fn sessions_have_an_absolute_lifetime(db: &TestDb) {
    let app = TestApp::spawn(db).await;
    let visitor = app.signed_up("jay@example.org", PASSWORD).await;
    // A request every ten hours keeps it from going idle, for 160 hours...
    for step in 1..=16 {
        app.clock.advance(SignedDuration::from_hours(10));
        assert!(
            visitor.get("/").await.body.contains("Your submissions"),
            "active after {} hours",
            step * 10
        );
    }
    // ...but not past 168 hours (seven days) after signing in.
    app.clock
        .advance(SignedDuration::from_hours(8) + SignedDuration::from_mins(1));
    assert!(
        !visitor.get("/").await.body.contains("Your submissions"),
        "seven days after sign-in: signed out"
    );
    app.stop().await;
}

async fn secure_cookies_behind_https(db: &TestDb) {
    let config = docket_web::WebConfig {
        public_url: "https://docket.example.org".into(),
        ..Default::default()
    };
    let app = TestApp::spawn_with(db, config).await;
    let visitor = app.visitor();
    visitor
        .post(
            "/account/sign-up",
            &[("email", "kim@example.org"), ("password", PASSWORD)],
        )
        .await;
    let link = app
        .link_in_mail(
            "kim@example.org",
            "https://docket.example.org/account/confirm/",
        )
        .await;
    let path = link.trim_start_matches("https://docket.example.org");
    let page = visitor.post(path, &[]).await;
    assert_eq!(page.status, 303);
    let cookie = page.header("set-cookie");
    assert!(cookie.starts_with("__Host-docket_session="), "{cookie}");
    assert!(
        cookie.contains("Secure") && cookie.contains("HttpOnly") && cookie.contains("Path=/"),
        "{cookie}"
    );
    assert!(
        app.get("/")
            .await
            .header("strict-transport-security")
            .contains("max-age="),
        "HSTS behind HTTPS"
    );
    app.stop().await;
}

/// The home page as seen by a browser presenting `session` as its session cookie.
async fn home_with_session(app: &TestApp, session: &str) -> String {
    let response = app
        .http
        .get(app.url("/"))
        .header("cookie", format!("docket_session={session}"))
        .send()
        .await
        .unwrap();
    response.text().await.unwrap()
}
