//! Announcements on both backends: an organiser's update is shown on the call's page and emailed
//! to its contributors and pledgers with a one-click unsubscribe (RFC 8058) that stops
//! announcements only.

use docket_store::StaffRole;
use docket_tests::app::TestApp;
use docket_tests::both_backends;
use docket_tests::db::TestDb;

both_backends! {
    an_announcement_reaches_contributors_with_a_working_unsubscribe => announcement,
}

const PASSWORD: &str = "correct horse battery";
const SLUG: &str = "digital-justice-week-2022";
const CONSOLE: &str = "/console/calls/digital-justice-week-2022";

fn words(n: usize) -> String {
    (0..n)
        .map(|i| ["justice", "data", "services", "people", "work"][i % 5])
        .collect::<Vec<_>>()
        .join(" ")
}

async fn announcement(db: &TestDb) {
    let app = TestApp::spawn_with(
        db,
        docket_web::WebConfig {
            rate_limits: docket_web::RateLimits {
                sign_up_per_minute: 100,
                ..docket_web::RateLimits::default()
            },
            ..docket_web::WebConfig::default()
        },
    )
    .await;
    let (organiser, _) = app
        .staff_member(SLUG, "org@example.org", PASSWORD, StaffRole::Organiser)
        .await;
    // A contributor who sent a piece, one who pledged, one with only a draft.
    let ada = app.signed_up("ada@example.org", PASSWORD).await;
    let page = ada
        .post(
            &format!("/calls/{SLUG}/submit"),
            &[("kind", "blog"), ("day", "2022-11-15")],
        )
        .await;
    let id = page.piece_id();
    let body = words(700);
    let sent = ada
        .post_multipart(
            &format!("/submissions/{id}/edit"),
            &[
                ("kind", "blog"),
                ("title", "Data at the heart of justice"),
                ("summary", "A summary."),
                ("body", &body),
                ("author_name_0", "Ada"),
                ("day", "2022-11-15"),
                ("action", "submit"),
            ],
            vec![],
        )
        .await;
    assert_eq!(sent.status, 303);
    let bo = app.signed_up("bo@example.org", PASSWORD).await;
    let pledged = bo
        .post(
            &format!("/calls/{SLUG}/pledge"),
            &[("kind", "blog"), ("day", "2022-11-16")],
        )
        .await;
    assert_eq!(pledged.status, 303, "{}", pledged.body);
    let cy = app.signed_up("cy@example.org", PASSWORD).await;
    cy.post(
        &format!("/calls/{SLUG}/submit"),
        &[("kind", "blog"), ("day", "2022-11-15")],
    )
    .await;

    // Bad input is explained and sends nothing.
    let page = organiser
        .post(
            &format!("{CONSOLE}/announcements"),
            &[("title", ""), ("body", "")],
        )
        .await;
    assert_eq!(page.status, 400);
    assert!(page.body.contains("href=\"#title\"") && page.body.contains("href=\"#body\""));
    let page = organiser
        .post(
            &format!("{CONSOLE}/announcements"),
            &[
                ("title", "More on Thursday's theme"),
                (
                    "body",
                    "Thursday now includes **the future of the courts**.",
                ),
            ],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    assert!(
        page.location().contains("emailed+to+2+people"),
        "{}",
        page.location()
    );
    // On the call's page.
    let public = app.get(&format!("/calls/{SLUG}")).await;
    assert!(public.body.contains("News from the organisers"));
    assert!(
        public
            .body
            .contains("<strong>the future of the courts</strong>")
    );
    // By email, with List-Unsubscribe, to the contributor and the pledger only.
    let to_ada = app
        .mail_to("ada@example.org")
        .await
        .into_iter()
        .find(|m| m.template == "announcement")
        .expect("Ada hears of it");
    assert!(
        app.mail_to("bo@example.org")
            .await
            .iter()
            .any(|m| m.template == "announcement")
    );
    assert!(
        !app.mail_to("cy@example.org")
            .await
            .iter()
            .any(|m| m.template == "announcement")
    );
    let link = to_ada.list_unsubscribe.clone().expect("List-Unsubscribe");
    assert!(to_ada.text.contains(&link));
    let from: lettre::message::Mailbox = "Docket <docket@example.org>".parse().unwrap();
    let message = docket_mail::smtp::build_message(&from, &to_ada).unwrap();
    let raw = String::from_utf8(message.formatted()).unwrap();
    assert!(
        raw.contains(&format!("List-Unsubscribe: <{link}>")),
        "{raw}"
    );
    assert!(raw.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"));
    // Mail about one's own piece carries no unsubscribe.
    let receipt = app
        .mail_to("ada@example.org")
        .await
        .into_iter()
        .find(|m| m.template == "receipt")
        .unwrap();
    assert!(receipt.list_unsubscribe.is_none());

    // Opening the link unsubscribes nobody; the one-click POST (no CSRF token) does.
    let path = link.trim_start_matches("http://127.0.0.1:8080");
    let look = app.get(path).await;
    assert_eq!(look.status, 200);
    let recipients = |app: &TestApp| {
        let store = app.store.clone();
        async move {
            let call = store.call(SLUG).await.unwrap().unwrap();
            store.announcement_recipients(call.id).await.unwrap()
        }
    };
    assert_eq!(recipients(&app).await.len(), 2);
    let response = app
        .http
        .post(app.url(path))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(recipients(&app).await, ["bo@example.org"]);
    // Again: still unsubscribed, no error. A made-up token is not found.
    let again = app
        .http
        .post(app.url(path))
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 200);
    let made_up = app
        .http
        .post(app.url("/unsubscribe/made-up"))
        .send()
        .await
        .unwrap();
    assert_eq!(made_up.status(), 404);
    // The next announcement does not reach Ada.
    organiser
        .post(
            &format!("{CONSOLE}/announcements"),
            &[
                ("title", "Final reminder"),
                ("body", "The deadline is near."),
            ],
        )
        .await;
    let to_ada: Vec<_> = app
        .mail_to("ada@example.org")
        .await
        .into_iter()
        .filter(|m| m.template == "announcement")
        .collect();
    assert_eq!(to_ada.len(), 1);
    let trail = app
        .store
        .audit_trail(&format!("call:{SLUG}"))
        .await
        .unwrap();
    assert!(
        trail
            .iter()
            .any(|e| e.action == "call.unsubscribed" && e.detail["email"] == "ada@example.org")
    );
    assert_eq!(
        trail
            .iter()
            .filter(|e| e.action == "call.announced")
            .count(),
        2
    );
    app.stop().await;
}
