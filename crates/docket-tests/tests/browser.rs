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
