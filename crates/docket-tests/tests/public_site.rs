//! The public pages of a call, over HTTP, on both backends.

use docket_tests::app::TestApp;
use docket_tests::db::TestDb;
use docket_tests::{SECOND_CALL, both_backends};
use docket_web::WebConfig;
use jiff::SignedDuration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

both_backends! {
    the_call_page_shows_what_a_contributor_needs => call_page_shows_what_a_contributor_needs,
    every_themed_day_has_its_own_page => every_themed_day_has_its_own_page,
    after_the_deadline_the_page_says_it_has_passed => after_the_deadline_the_page_says_so,
    unknown_calls_days_and_addresses_are_404_pages => unknown_things_are_404_pages,
    every_response_carries_the_security_headers => every_response_carries_security_headers,
    an_oversized_body_is_refused_before_it_is_read => oversized_body_refused_before_read,
    health_and_metrics_answer => health_and_metrics_answer,
    another_call_shows_its_own_zone_and_kinds => another_call_shows_its_own_zone_and_kinds,
    script_in_a_call_is_rendered_inert => script_in_a_call_is_rendered_inert,
    the_way_in_is_on_the_call_page_and_every_day_page => the_way_in_is_on_every_call_page,
    once_closed_the_way_in_gives_way_to_the_calls_own_words => once_closed_the_call_says_so,
    the_demo_banner_reads_the_calls_zone_on_pages_of_no_call => banner_in_the_calls_zone,
}

const CALL: &str = "/calls/digital-justice-week-2022";

async fn call_page_shows_what_a_contributor_needs(db: &TestDb) {
    let app = TestApp::spawn(db).await;
    let page = app.get(CALL).await;
    assert_eq!(page.status, 200);
    let body = &page.body;
    for expected in [
        "<h1>Digital Justice Week 2022</h1>",
        "Run by techUK, with Ministry of Justice (MoJ) Innovation Month",
        "Monday 14 November 2022 to Friday 18 November 2022",
        // The deadline as UK local time (GMT in November), with the time left on the demo clock.
        "12:00 GMT, Saturday 5 November 2022 (Europe/London)",
        "23 days, 4 hours left.",
        // Every kind with its limits.
        "Guest blog",
        "600–800 words",
        "Case study",
        "Whitepaper",
        "up to 40 pages",
        "Podcast",
        "up to 60 minutes",
        // How to take part, guidelines and contacts.
        "How to take part",
        // Links between the call's pages are relative.
        "href=\"digital-justice-week-2022/guidelines\"",
        "Georgie Morgan",
        "Head of Justice and Emergency Services, techUK",
        // The demo banner, since the clock is not real time.
        "Docket’s clock reads Thursday 13 October 2022, 09:00 BST",
    ] {
        assert!(body.contains(expected), "the call page lacks {expected:?}");
    }
    for day in 14..=18 {
        assert!(
            body.contains(&format!(
                "href=\"digital-justice-week-2022/days/2022-11-{day}\""
            )),
            "no link to day {day}"
        );
    }
    let guidelines = app.get(&format!("{CALL}/guidelines")).await;
    assert_eq!(guidelines.status, 200);
    assert!(guidelines.body.contains("Contributor guidelines"));
    assert!(guidelines.body.contains("Guest blogs are 600–800 words"));
    app.stop().await;
}

async fn every_themed_day_has_its_own_page(db: &TestDb) {
    let app = TestApp::spawn(db).await;
    let days = [
        (
            "2022-11-14",
            "Monday 14 November 2022",
            "Tackling reoffending",
            "How can technology be utilised to transform how people live and work in prison?",
        ),
        (
            "2022-11-15",
            "Tuesday 15 November 2022",
            "Harnessing the power of data",
            "How can we move towards an interoperable CJS?",
        ),
        (
            "2022-11-16",
            "Wednesday 16 November 2022",
            "Meeting the needs of the user",
            "What are some of the challenges?",
        ),
        (
            "2022-11-17",
            "Thursday 17 November 2022",
            "Connected Justice",
            "What are your views on how data and technology can support",
        ),
        (
            "2022-11-18",
            "Friday 18 November 2022",
            "Emerging technology",
            "What are the barriers to implementation and, what needs to change to drive adoption?",
        ),
    ];
    for (iso, date, theme, question) in days {
        let page = app.get(&format!("{CALL}/days/{iso}")).await;
        assert_eq!(page.status, 200, "{iso}");
        assert!(
            page.body
                .contains(&format!("<time datetime=\"{iso}\">{date}</time>")),
            "{iso} date"
        );
        assert!(page.body.contains(theme), "{iso} theme");
        assert!(
            page.body.contains(&format!("<li>{question}")),
            "{iso} question {question:?}"
        );
    }
    let monday = app.get(&format!("{CALL}/days/2022-11-14")).await.body;
    assert!(monday.contains("Next day: Tuesday 15 November 2022"));
    assert!(!monday.contains("Previous day"));
    app.stop().await;
}

async fn after_the_deadline_the_page_says_so(db: &TestDb) {
    let app = TestApp::spawn(db).await;
    // One minute before midday GMT on 5 November 2022.
    app.clock.set("2022-11-05T11:59:00Z".parse().unwrap());
    assert!(app.get(CALL).await.body.contains("1 minute left."));
    app.clock.advance(SignedDuration::from_mins(1));
    let body = app.get(CALL).await.body;
    assert!(
        body.contains("The deadline has passed: submissions are closed."),
        "{body}"
    );
    assert!(body.contains("deadline--closed"));
    app.stop().await;
}

async fn unknown_things_are_404_pages(db: &TestDb) {
    let app = TestApp::spawn(db).await;
    for path in [
        "/calls/no-such-call",
        "/calls/no-such-call/days/2022-11-14",
        "/calls/digital-justice-week-2022/days/2022-11-19",
        "/calls/digital-justice-week-2022/days/not-a-date",
        "/calls/digital-justice-week-2022/days/2022-02-30",
        "/no/such/page",
        "/static/missing.css",
    ] {
        let page = app.get(path).await;
        assert_eq!(page.status, 404, "{path}");
        if !path.starts_with("/static") {
            assert!(
                page.body.contains("<h1>Page not found</h1>"),
                "{path} is not a page: {}",
                page.body
            );
            assert!(
                page.header("content-type").starts_with("text/html"),
                "{path}"
            );
        }
    }
    app.stop().await;
}

async fn every_response_carries_security_headers(db: &TestDb) {
    let app = TestApp::spawn(db).await;
    for path in [
        "/",
        CALL,
        "/no/such/page",
        "/static/docket.css",
        "/healthz",
        "/metrics",
    ] {
        let page = app.get(path).await;
        let csp = page.header("content-security-policy");
        assert!(
            csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
            "{path}: {csp}"
        );
        assert!(csp.contains("frame-ancestors 'none'"), "{path}");
        assert_eq!(page.header("x-content-type-options"), "nosniff", "{path}");
        assert_eq!(page.header("x-frame-options"), "DENY", "{path}");
        assert_eq!(
            page.header("referrer-policy"),
            "strict-origin-when-cross-origin",
            "{path}"
        );
        assert!(
            page.header("strict-transport-security").is_empty(),
            "no HSTS over plain HTTP"
        );
    }
    assert_eq!(
        app.get("/static/docket.css").await.header("content-type"),
        "text/css"
    );
    app.stop().await;
}

async fn oversized_body_refused_before_read(db: &TestDb) {
    let app = TestApp::spawn_with(
        db,
        docket_web::WebConfig {
            max_body_bytes: 1024 * 1024,
            ..Default::default()
        },
    )
    .await;
    // Announce a gigabyte and send none of it: the answer must come without reading the body.
    let mut stream = tokio::net::TcpStream::connect(app.address).await.unwrap();
    stream
        .write_all(b"POST /calls/digital-justice-week-2022 HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/octet-stream\r\nContent-Length: 1073741824\r\n\r\n")
        .await
        .unwrap();
    let mut answer = vec![0u8; 1024];
    let read = tokio::time::timeout(std::time::Duration::from_secs(10), stream.read(&mut answer))
        .await
        .expect("an answer without the body being sent")
        .unwrap();
    let answer = String::from_utf8_lossy(&answer[..read]);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    app.stop().await;
}

async fn health_and_metrics_answer(db: &TestDb) {
    // Without a token in the configuration, /metrics is not served at all.
    let app = TestApp::spawn(db).await;
    assert_eq!(app.get("/metrics").await.status, 404);
    app.stop().await;

    let app = TestApp::spawn_with(
        db,
        WebConfig {
            metrics_token: Some("scrape-me-0123456789".into()),
            ..WebConfig::default()
        },
    )
    .await;
    let health = app.get("/healthz").await;
    assert_eq!((health.status, health.body.as_str()), (200, "ok\n"));
    app.get(CALL).await;
    for presented in [
        None,
        Some("Bearer wrong-token"),
        Some("scrape-me-0123456789"),
    ] {
        let mut request = app.http.get(app.url("/metrics"));
        if let Some(value) = presented {
            request = request.header("authorization", value);
        }
        let status = request.send().await.unwrap().status().as_u16();
        assert_eq!(status, 401, "{presented:?}");
    }
    let response = app
        .http
        .get(app.url("/metrics"))
        .bearer_auth("scrape-me-0123456789")
        .send()
        .await
        .unwrap();
    let metrics = docket_tests::app::Page {
        status: response.status().as_u16(),
        headers: response.headers().clone(),
        body: response.text().await.unwrap(),
    };
    assert_eq!(metrics.status, 200);
    assert!(metrics.header("content-type").starts_with("text/plain"));
    assert!(
        metrics.body.contains(
            "docket_http_requests_total{method=\"GET\",route=\"/calls/{slug}\",status=\"200\"}"
        ),
        "{}",
        metrics.body
    );
    app.stop().await;
}

async fn another_call_shows_its_own_zone_and_kinds(db: &TestDb) {
    let app = TestApp::spawn(db).await;
    app.import(SECOND_CALL).await;
    app.clock.set("2027-02-27T22:00:00Z".parse().unwrap());
    let page = app.get("/calls/open-data-week-2027").await;
    assert_eq!(page.status, 200);
    for expected in [
        "17:00 EST, Monday 1 March 2027 (America/New_York)",
        "2 days left.",
        "A grace period of 1 hour follows the deadline.",
        "Essay",
        "1000–1500 words",
        "Recorded conversation",
        "15–45 minutes",
        "files up to 200 MB",
        "mailto:submissions@opendataweek.example.org",
        "Telephone: +1 212 555 0142",
    ] {
        assert!(page.body.contains(expected), "lacks {expected:?}");
    }
    let home = app.get("/").await.body;
    assert!(
        home.find("Open Data Week 2027").unwrap() < home.find("Digital Justice Week 2022").unwrap()
    );
    app.stop().await;
}

async fn script_in_a_call_is_rendered_inert(db: &TestDb) {
    let app = TestApp::spawn(db).await;
    let hostile = SECOND_CALL
        .replace("Open Data Week brings together", "<script>alert('x')</script> <img src=x onerror=alert(1)> Open Data Week brings together")
        .replace("title = \"Open Data Week 2027\"", "title = \"Open <b onmouseover=alert(2)>Data</b> Week\"");
    app.import(&hostile).await;
    let body = app.get("/calls/open-data-week-2027").await.body;
    assert!(!body.contains("<script>alert"), "script survived");
    assert!(!body.contains("onerror"), "event handler survived");
    assert!(!body.contains("<b onmouseover"), "title was not escaped");
    assert!(
        body.contains("Open &#60;b onmouseover=alert(2)&#62;Data&#60;/b&#62; Week"),
        "title shown as text: {body}"
    );
    app.stop().await;
}

async fn the_way_in_is_on_every_call_page(db: &TestDb) {
    let app = TestApp::spawn(db).await;
    // The seed call has no inbox: the button alone.
    let seed = app.get(CALL).await.body;
    assert!(seed.contains("Offer a piece") && !seed.contains("Or email it to"));
    app.import(SECOND_CALL).await;
    app.clock.set("2027-02-20T15:00:00Z".parse().unwrap());
    let slug = "/calls/open-data-week-2027";
    let page = app.get(slug).await.body;
    // Above the fold: before the deadline and the call's own prose.
    let way_in = page
        .find("Offer a piece")
        .expect("the button on the call page");
    assert!(way_in < page.find("About the week").unwrap());
    assert!(
        page.contains(&format!("href=\"{slug}/submit\">Offer a piece</a>")),
        "{page}"
    );
    for said in [
        "Or email it to <a href=\"mailto:submissions@opendataweek.example.org\">",
        "say which day it is for (for example “for Tuesday”, or “any day”)",
        "and attach the piece as a Word, OpenDocument or PDF file",
        "or paste it into the message",
    ] {
        assert!(page.contains(said), "the call page lacks {said:?}");
    }
    let call = app
        .store
        .call("open-data-week-2027")
        .await
        .unwrap()
        .unwrap()
        .call;
    for day in &call.days {
        let page = app.get(&format!("{slug}/days/{}", day.date)).await.body;
        assert!(
            page.contains(&format!(
                "href=\"{slug}/submit?day={}\">Offer a piece for this day</a>",
                day.date
            )),
            "day {}: {page}",
            day.date
        );
        assert!(page.contains("mailto:submissions@opendataweek.example.org"));
        // Above the fold there too: before the day's prompt, with what to put in the email.
        let way_in = page.find("Offer a piece for this day").unwrap();
        assert!(way_in < page.find("What to write about").unwrap(), "{page}");
        for said in [
            "In the email, say which day it is for",
            "and what it is (",
            "or paste it into the message",
        ] {
            assert!(
                page.contains(said),
                "day {}: the page lacks {said:?}",
                day.date
            );
        }
    }
    // The form started from a day's page has that day chosen, and only that one.
    let first = call.days[0].date;
    let visitor = app
        .signed_up("ada@example.org", "correct horse battery")
        .await;
    let form = visitor
        .get(&format!("{slug}/submit?day={first}"))
        .await
        .body;
    assert!(
        form.contains(&format!("value=\"{first}\" checked")),
        "{form}"
    );
    assert_eq!(form.matches(" checked").count(), 1, "{form}");
    // A day that is not the call's chooses nothing, and is no error.
    let form = visitor.get(&format!("{slug}/submit?day=1999-01-01")).await;
    assert_eq!(form.status, 200);
    assert_eq!(form.body.matches(" checked").count(), 0);
    app.stop().await;
}

async fn once_closed_the_call_says_so(db: &TestDb) {
    let app = TestApp::spawn(db).await;
    // After midday GMT on 5 November 2022 the seed call takes nothing more.
    app.clock.set("2022-11-05T12:00:01Z".parse().unwrap());
    let page = app.get(CALL).await.body;
    assert!(!page.contains("Offer a piece"), "no way in once closed");
    assert!(
        page.contains("This call closed on Saturday 5 November 2022 at 12:00 GMT. To reach the organisers, contact Georgie Morgan or Jago."),
        "{page}"
    );
    let day = app.get(&format!("{CALL}/days/2022-11-15")).await.body;
    assert!(!day.contains("Offer a piece") && day.contains("This call closed on"));
    // A call's own words replace Docket's.
    let own = docket_tests::SEED_CALL
        .replace("slug = \"digital-justice-week-2022\"", "slug = \"closed-week\"\nafter_deadline = \"\"\"Thank you: we have all we need. Blogs are **published from 14 November**.\"\"\"");
    app.import(&own).await;
    let page = app.get("/calls/closed-week").await.body;
    assert!(
        page.contains(
            "Thank you: we have all we need. Blogs are <strong>published from 14 November</strong>."
        ),
        "{page}"
    );
    assert!(!page.contains("This call closed on"));
    // A call that still takes late pieces keeps its way in.
    app.import(SECOND_CALL).await;
    app.clock.set("2027-03-03T12:00:00Z".parse().unwrap());
    let page = app.get("/calls/open-data-week-2027").await.body;
    assert!(page.contains("Offer a piece"));
    app.stop().await;
}

async fn banner_in_the_calls_zone(db: &TestDb) {
    let app = TestApp::spawn(db).await;
    for path in ["/account/sign-in", "/account/sign-up", "/"] {
        let page = app.get(path).await.body;
        assert!(
            page.contains("Docket’s clock reads Thursday 13 October 2022, 09:00 BST"),
            "{path}: {page}"
        );
        assert!(!page.contains("UTC"), "{path}");
    }
    // In November the same zone reads GMT.
    app.clock.set("2022-11-14T09:00:00Z".parse().unwrap());
    let page = app.get("/account/sign-in").await.body;
    assert!(
        page.contains("Monday 14 November 2022, 09:00 GMT"),
        "{page}"
    );
    app.stop().await;
}
