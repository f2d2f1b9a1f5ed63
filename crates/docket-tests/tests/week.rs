//! The week goes live, on both backends: an editor places accepted pieces on the day board
//! (another day than offered needs a note; order and time change with buttons), schedules them,
//! and when the clock reaches Tuesday 09:00 the Tuesday pieces appear on the day's page, the
//! call's page and their own, each published once — one audit event and one "live" email even
//! with two job runners at it at once. A piece taken off the timetable stays private; a piece
//! taken down answers 410. Public pages set no cookie and answer conditional requests with 304.

use docket_core::submission::SubmissionState;
use docket_store::{StaffRole, SubmissionId};
use docket_tests::app::{TestApp, Visitor};
use docket_tests::both_backends;
use docket_tests::db::TestDb;

both_backends! {
    tuesday_goes_live_once_on_the_day_page_and_a_piece_taken_down_is_gone => week_goes_live,
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

async fn send_blog(visitor: &Visitor, title: &str, day: &str) -> SubmissionId {
    let page = visitor
        .post(
            &format!("/calls/{SLUG}/submit"),
            &[("kind", "blog"), ("day", day)],
        )
        .await;
    assert_eq!(page.status, 303, "start: {}", page.body);
    let id = page.piece_id();
    let body = words(&format!("{title} begins here"), 700);
    let page = visitor
        .post_multipart(
            &format!("/submissions/{id}/edit"),
            &[
                ("kind", "blog"),
                ("title", title),
                ("summary", "How data can follow a person through justice."),
                ("body", &body),
                ("author_name_0", "Ada Lovelace"),
                ("day", day),
                ("action", "submit"),
            ],
            vec![],
        )
        .await;
    assert_eq!(page.status, 303, "submit: {}", page.body);
    let page = visitor
        .post(&format!("/submissions/{id}/consent"), &[("action", "give")])
        .await;
    assert_eq!(page.status, 303, "consent: {}", page.body);
    SubmissionId(id)
}

async fn run_jobs(app: &TestApp, runner: &str) {
    let mailer = docket_mail::Mailer::new("https://week.example.org");
    docket_app::jobs::run_once(
        app.store.as_ref(),
        &app.clock,
        &mailer,
        &docket_app::jobs::RunnerSettings {
            name: runner.to_owned(),
            ..docket_app::jobs::RunnerSettings::default()
        },
    )
    .await
    .unwrap();
}

async fn accept(app: &TestApp, editor: &Visitor, id: SubmissionId, day: &str) {
    let page = editor
        .post(
            &format!("{CONSOLE}/pieces/{id}/decide"),
            &[
                ("action", "accept"),
                ("day", day),
                ("note", "Thank you: just right."),
                ("step", "confirm"),
            ],
        )
        .await;
    assert_eq!(page.status, 303, "accept: {}", page.body);
    let _ = app;
}

fn state_of(board: &[docket_store::BoardPiece], id: SubmissionId) -> SubmissionState {
    board
        .iter()
        .find(|piece| piece.id == id)
        .map(|piece| piece.state)
        .expect("on the board")
}

async fn week_goes_live(db: &TestDb) {
    let app = TestApp::spawn_with(
        db,
        docket_web::WebConfig {
            session_idle: jiff::SignedDuration::from_hours(24 * 60),
            session_lifetime: jiff::SignedDuration::from_hours(24 * 60),
            public_url: "https://week.example.org".into(),
            ..docket_web::WebConfig::default()
        },
    )
    .await;
    let (editor, _) = app
        .staff_member(SLUG, "ed@example.org", PASSWORD, StaffRole::Editor)
        .await;
    let ada = app.signed_up("ada@example.org", PASSWORD).await;
    let page = ada
        .post_multipart(
            "/account/profile",
            &[
                ("name", "Ada Lovelace"),
                ("job_title", "Director"),
                ("organisation", "Analytical Engines Ltd"),
                ("bio", "Ada writes about *engines*."),
            ],
            vec![],
        )
        .await;
    assert!(page.body.contains("Saved."), "profile: {}", page.body);

    let first = send_blog(&ada, "Data at the heart of justice", "2022-11-15").await;
    let second = send_blog(&ada, "Courts that listen", "2022-11-15").await;
    let moved = send_blog(&ada, "A Monday piece moved", "2022-11-14").await;
    let held = send_blog(&ada, "Held back for now", "2022-11-15").await;
    for (id, day) in [
        (first, "2022-11-15"),
        (second, "2022-11-15"),
        (moved, "2022-11-14"),
        (held, "2022-11-15"),
    ] {
        accept(&app, &editor, id, day).await;
    }
    app.clock.advance(jiff::SignedDuration::from_hours(1));
    run_jobs(&app, "runner-a").await;
    let board = app
        .store
        .board(app.store.call(SLUG).await.unwrap().unwrap().id)
        .await
        .unwrap();
    assert_eq!(board.len(), 4, "{board:?}");
    assert!(
        board
            .iter()
            .all(|piece| piece.state == SubmissionState::Accepted)
    );

    // The board: a column per day, the accepted pieces on theirs, the empty days warned about.
    let page = editor.get(&format!("{CONSOLE}/board")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("Data at the heart of justice"));
    assert!(
        page.body
            .contains("Wednesday 16 November 2022 has no pieces yet"),
        "{}",
        page.body
    );
    // Nobody else's business: a contributor gets the not-found page.
    assert_eq!(ada.get(&format!("{CONSOLE}/board")).await.status, 404);

    // Moving the Monday piece to Wednesday, a day it was not offered for, needs a note.
    let place = format!("{CONSOLE}/board/{moved}/place");
    let page = editor.post(&place, &[("day", "2022-11-16")]).await;
    assert_eq!(page.status, 400, "{}", page.body);
    assert!(
        page.body.contains(&format!("href=\"#note-{moved}\"")),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains("was not offered for Wednesday 16 November 2022")
    );
    let page = editor
        .post(
            &place,
            &[
                ("day", "2022-11-16"),
                ("goes_live", "2022-11-16T10:30"),
                ("note", "Wednesday needs a blog"),
            ],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let page = editor.get(&format!("{CONSOLE}/board")).await;
    assert!(
        page.body
            .contains("a day it was not offered for (note: Wednesday needs a blog)"),
        "{}",
        page.body
    );

    // Tuesday: the second piece first, at the call's usual time (09:00 in London, GMT).
    for id in [first, second, held] {
        let page = editor
            .post(
                &format!("{CONSOLE}/board/{id}/place"),
                &[("day", "2022-11-15")],
            )
            .await;
        assert_eq!(page.status, 303, "{}", page.body);
    }
    let page = editor
        .post(
            &format!("{CONSOLE}/board/{second}/move"),
            &[("direction", "up")],
        )
        .await;
    assert_eq!(page.status, 303);
    let call_id = app.store.call(SLUG).await.unwrap().unwrap().id;
    let board = app.store.board(call_id).await.unwrap();
    let tuesday: Vec<SubmissionId> = board
        .iter()
        .filter(|piece| piece.day == Some(jiff::civil::date(2022, 11, 15)))
        .map(|piece| piece.id)
        .collect();
    assert_eq!(tuesday, vec![second, first, held]);
    let nine = "2022-11-15T09:00:00Z".parse::<jiff::Timestamp>().unwrap();
    assert!(
        board
            .iter()
            .filter(|piece| tuesday.contains(&piece.id))
            .all(|piece| piece.publish_at == Some(nine))
    );

    // Scheduled; one taken off the timetable again.
    for id in [first, second, moved, held] {
        let page = editor
            .post(&format!("{CONSOLE}/board/{id}/schedule"), &[])
            .await;
        assert_eq!(page.status, 303, "{}", page.body);
    }
    let page = editor
        .post(&format!("{CONSOLE}/board/{held}/unschedule"), &[])
        .await;
    assert_eq!(page.status, 303);

    // Before 09:00 nothing is public: no page at any address the pieces will have.
    let board = app.store.board(call_id).await.unwrap();
    let slug_of = |id: SubmissionId| {
        board
            .iter()
            .find(|piece| piece.id == id)
            .and_then(|piece| piece.slug.clone())
            .expect("a scheduled piece has its address")
    };
    let first_slug = slug_of(first);
    assert_eq!(first_slug, "data-at-the-heart-of-justice");
    let first_page = format!("/calls/{SLUG}/pieces/{first_slug}");
    assert_eq!(app.get(&first_page).await.status, 404);
    let day_page = format!("/calls/{SLUG}/days/2022-11-15");
    assert!(
        !app.get(&day_page)
            .await
            .body
            .contains("Data at the heart of justice")
    );

    // 09:00:30 on Tuesday: two runners at once publish each due piece once.
    app.clock.set("2022-11-15T09:00:30Z".parse().unwrap());
    tokio::join!(run_jobs(&app, "runner-a"), run_jobs(&app, "runner-b"));
    run_jobs(&app, "runner-a").await;
    let board = app.store.board(call_id).await.unwrap();
    assert_eq!(state_of(&board, first), SubmissionState::Published);
    assert_eq!(state_of(&board, second), SubmissionState::Published);
    assert_eq!(
        state_of(&board, moved),
        SubmissionState::Scheduled,
        "Wednesday's waits"
    );
    assert_eq!(
        state_of(&board, held),
        SubmissionState::Accepted,
        "off the timetable"
    );
    for id in [first, second] {
        let events = app
            .store
            .audit_trail(&format!("submission:{id}"))
            .await
            .unwrap();
        let published = events
            .iter()
            .filter(|event| event.action == "submission.published")
            .count();
        assert_eq!(published, 1, "{events:?}");
    }
    let live: Vec<_> = app
        .mail_to("ada@example.org")
        .await
        .into_iter()
        .filter(|mail| mail.subject.ends_with("is live"))
        .collect();
    assert_eq!(live.len(), 2, "{live:?}");
    let mail = live
        .iter()
        .find(|mail| mail.subject.contains("Data at the heart of justice"))
        .expect("the live email");
    assert!(
        mail.text
            .contains(&format!("https://week.example.org{first_page}")),
        "{}",
        mail.text
    );

    // The day page, the call's page and the piece's own page show them.
    let page = app.get(&day_page).await;
    assert_eq!(page.status, 200);
    let (courts, data) = (
        page.body
            .find("Courts that listen")
            .expect("on the day page"),
        page.body
            .find("Data at the heart of justice")
            .expect("on the day page"),
    );
    assert!(courts < data, "in the board's order");
    assert!(!page.body.contains("Held back for now"));
    assert!(!page.body.contains("A Monday piece moved"));
    let page = app.get(&format!("/calls/{SLUG}")).await;
    assert!(page.body.contains("Data at the heart of justice"));
    assert!(page.body.contains("today is"), "{}", page.body);
    let page = app.get(&first_page).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.header("set-cookie").is_empty());
    assert!(
        page.body
            .contains("Ada Lovelace, Director, Analytical Engines Ltd")
    );
    assert!(page.body.contains("<em>engines</em>"));
    assert!(page.body.contains(&format!(
        "<link rel=\"canonical\" href=\"https://week.example.org{first_page}\">"
    )));
    assert!(page.body.contains("\"@type\":\"Article\""));
    assert!(page.body.contains("og:title"));
    assert!(page.body.contains("4 minute read"), "{}", page.body);
    assert!(
        page.body.contains("href=\"../days/2022-11-15\""),
        "links between pages are relative"
    );
    let etag = page.header("etag").to_owned();
    assert!(!etag.is_empty() && !page.header("last-modified").is_empty());
    assert!(page.header("cache-control").contains("public"));
    let again = app
        .http
        .get(app.url(&first_page))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status().as_u16(), 304);
    let since = app
        .http
        .get(app.url(&first_page))
        .header("if-modified-since", page.header("last-modified"))
        .send()
        .await
        .unwrap();
    assert_eq!(since.status().as_u16(), 304);
    let page = app
        .get(&format!("/calls/{SLUG}/authors/ada-lovelace"))
        .await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("Courts that listen")
            && page.body.contains("Data at the heart of justice")
    );
    // A new address: the earlier one leads there, for good; another piece's is refused.
    let page = editor
        .post(
            &format!("{CONSOLE}/board/{second}/address"),
            &[("address", "Courts That Listen Well")],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let moved_from = format!("/calls/{SLUG}/pieces/courts-that-listen");
    let page = app.get(&moved_from).await;
    assert_eq!(page.status, 308, "a permanent redirect");
    assert_eq!(page.header("location"), "courts-that-listen-well");
    assert_eq!(
        app.get(&format!("/calls/{SLUG}/pieces/courts-that-listen-well"))
            .await
            .status,
        200
    );
    let page = editor
        .post(
            &format!("{CONSOLE}/board/{second}/address"),
            &[("address", first_slug.as_str())],
        )
        .await;
    assert_eq!(page.status, 303);
    assert!(
        page.location().contains("choose+another"),
        "{}",
        page.location()
    );
    assert_eq!(
        app.get(&format!("/calls/{SLUG}/pieces/courts-that-listen-well"))
            .await
            .status,
        200,
        "unchanged"
    );

    // What is not published is nowhere: not the unscheduled piece, not Wednesday's.
    let held_slug = format!("/calls/{SLUG}/pieces/held-back-for-now");
    assert_eq!(app.get(&held_slug).await.status, 404);
    assert!(!page.body.contains("A Monday piece moved"));

    // A piece taken down answers 410 and leaves every list, on the next request.
    let page = editor
        .post(
            &format!("{CONSOLE}/board/{first}/unpublish"),
            &[("reason", "")],
        )
        .await;
    assert_eq!(page.status, 400);
    let page = editor
        .post(
            &format!("{CONSOLE}/board/{first}/unpublish"),
            &[("reason", "The author asked us to")],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    assert_eq!(app.get(&first_page).await.status, 410);
    let gone = app
        .http
        .get(app.url(&first_page))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status().as_u16(), 410, "a stale copy is not confirmed");
    assert!(
        !app.get(&day_page)
            .await
            .body
            .contains("Data at the heart of justice")
    );
    let events = app
        .store
        .audit_trail(&format!("submission:{first}"))
        .await
        .unwrap();
    assert!(
        events
            .iter()
            .any(|event| event.action == "submission.unpublished")
    );

    // Running the jobs again sends nothing twice.
    run_jobs(&app, "runner-b").await;
    let live = app
        .mail_to("ada@example.org")
        .await
        .into_iter()
        .filter(|mail| mail.subject.ends_with("is live"))
        .count();
    assert_eq!(live, 2);
    app.stop().await;
}
