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
