//! Rate limits every node shares: attempts are counted in the database, so two `docket serve`
//! nodes over one database enforce one limit between them; and a client address is taken from
//! `X-Forwarded-For` only when the peer is a trusted proxy. Both backends.

use docket_tests::app::{TestApp, Visitor};
use docket_tests::both_backends;
use docket_tests::db::TestDb;
use docket_web::WebConfig;

both_backends! {
    two_nodes_over_one_database_enforce_one_sign_in_limit => two_nodes,
    a_forged_forwarding_header_from_an_untrusted_peer_changes_nothing => forged_forwarding,
    a_trusted_proxy_names_the_client => trusted_proxy,
    two_nodes_share_the_sign_in_code_and_sign_up_limits => codes_and_sign_ups,
    attempts_older_than_an_hour_are_pruned => pruned,
}

/// Posts `fields` (with the visitor's CSRF token) to `path`; the status.
async fn post(visitor: &Visitor, path: &str, fields: &[(&str, &str)]) -> u16 {
    let csrf = visitor.csrf().await;
    let mut form: Vec<(&str, &str)> = fields.to_vec();
    form.push(("csrf", &csrf));
    visitor
        .http
        .post(format!("{}{path}", visitor.base()))
        .form(&form)
        .send()
        .await
        .expect("request")
        .status()
        .as_u16()
}

async fn codes_and_sign_ups(db: &TestDb) {
    let first = TestApp::spawn(db).await;
    let second = TestApp::spawn(db).await;
    let (one, two) = (first.visitor(), second.visitor());
    // Sign-in codes for one address, alternating between the nodes: five a minute in all.
    let mut codes = Vec::new();
    for attempt in 0..6 {
        let visitor = if attempt % 2 == 0 { &one } else { &two };
        codes.push(
            post(
                visitor,
                "/account/sign-in/code",
                &[("email", "kim@example.org"), ("next", "")],
            )
            .await,
        );
    }
    assert!(codes[..5].iter().all(|s| *s != 429), "{codes:?}");
    assert_eq!(codes[5], 429, "{codes:?}");
    // Accounts made from one client, each for another address: five a minute in all.
    let mut sign_ups = Vec::new();
    for n in 0..6 {
        let visitor = if n % 2 == 0 { &one } else { &two };
        let email = format!("new{n}@example.org");
        sign_ups.push(
            post(
                visitor,
                "/account/sign-up",
                &[("email", &email), ("password", "correct horse battery")],
            )
            .await,
        );
    }
    assert!(sign_ups[..5].iter().all(|s| *s != 429), "{sign_ups:?}");
    assert_eq!(sign_ups[5], 429, "{sign_ups:?}");
    second.stop().await;
    first.stop().await;
}

async fn pruned(db: &TestDb) {
    let app = TestApp::spawn(db).await;
    let at = |text: &str| text.parse::<jiff::Timestamp>().unwrap();
    let long_ago = at("2022-10-01T00:00:00Z");
    // Three attempts at nine o'clock.
    for _ in 0..3 {
        app.store
            .count_attempt("key-a", long_ago, long_ago, at("2022-10-20T09:00:00Z"))
            .await
            .unwrap();
    }
    // Another key's attempt at eleven forgets everything before ten.
    app.store
        .count_attempt(
            "key-b",
            long_ago,
            at("2022-10-20T10:00:00Z"),
            at("2022-10-20T11:00:00Z"),
        )
        .await
        .unwrap();
    // Counted over a window reaching back to October (and forgetting nothing itself), key A
    // has only its new attempt left.
    let count = app
        .store
        .count_attempt("key-a", long_ago, long_ago, at("2022-10-20T11:00:01Z"))
        .await
        .unwrap();
    assert_eq!(count, 1, "the nine o'clock attempts were pruned");
    app.stop().await;
}

async fn sign_in(visitor: &Visitor, email: &str, forwarded_for: Option<&str>) -> u16 {
    let csrf = visitor.csrf().await;
    let mut request = visitor
        .http
        .post(format!("{}/account/sign-in", visitor.base()))
        .form(&[
            ("email", email),
            ("password", "guess guess guess"),
            ("csrf", &csrf),
        ]);
    if let Some(address) = forwarded_for {
        request = request.header("x-forwarded-for", address);
    }
    request.send().await.expect("request").status().as_u16()
}

async fn two_nodes(db: &TestDb) {
    let first = TestApp::spawn(db).await;
    let second = TestApp::spawn(db).await;
    let (one, two) = (first.visitor(), second.visitor());
    let mut statuses = Vec::new();
    // Ten wrong passwords for one address, alternating between the nodes: each node alone saw
    // five, well under the limit of ten a minute.
    for attempt in 0..12 {
        let visitor = if attempt % 2 == 0 { &one } else { &two };
        statuses.push(sign_in(visitor, "hal@example.org", None).await);
    }
    assert!(statuses[..10].iter().all(|s| *s == 400), "{statuses:?}");
    assert_eq!(&statuses[10..], [429, 429], "{statuses:?}");
    // A minute later the window has passed, on both nodes.
    for app in [&first, &second] {
        app.clock.advance(jiff::SignedDuration::from_secs(61));
    }
    assert_eq!(sign_in(&two, "hal@example.org", None).await, 400);
    second.stop().await;
    first.stop().await;
}

async fn forged_forwarding(db: &TestDb) {
    let app = TestApp::spawn(db).await;
    let visitor = app.visitor();
    // Eleven addresses, each attempt claiming another client: the peer is not a trusted proxy,
    // so every attempt counts against the one real client (ten a minute).
    let mut statuses = Vec::new();
    for n in 0..11 {
        let email = format!("person{n}@example.org");
        let forged = format!("203.0.113.{n}");
        statuses.push(sign_in(&visitor, &email, Some(&forged)).await);
    }
    assert!(statuses[..10].iter().all(|s| *s == 400), "{statuses:?}");
    assert_eq!(statuses[10], 429, "{statuses:?}");
    app.stop().await;
}

async fn trusted_proxy(db: &TestDb) {
    let config = WebConfig {
        trusted_proxies: vec!["127.0.0.1/32".parse().unwrap()],
        ..WebConfig::default()
    };
    let app = TestApp::spawn_with(db, config).await;
    let visitor = app.visitor();
    // Behind the proxy, eleven clients are eleven clients.
    for n in 0..11 {
        let email = format!("person{n}@example.org");
        let client = format!("203.0.113.{n}");
        assert_eq!(
            sign_in(&visitor, &email, Some(&client)).await,
            400,
            "client {n}"
        );
    }
    // One client is still limited, whatever the address it tries.
    let mut statuses = Vec::new();
    for n in 0..11 {
        let email = format!("other{n}@example.org");
        statuses.push(sign_in(&visitor, &email, Some("198.51.100.7")).await);
    }
    assert_eq!(statuses[10], 429, "{statuses:?}");
    app.stop().await;
}
