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
    async fn fill(client: &fantoccini::Client, css: &str, text: &str) {
        let field = client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|_| panic!("no {css}"));
        field.clear().await.unwrap();
        field.send_keys(text).await.unwrap();
    }
    async fn press(client: &fantoccini::Client, css: &str) {
        client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|_| panic!("no {css}"))
            .click()
            .await
            .unwrap();
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
    assert!(text.contains("Enter a title"), "{text}");
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

    browser.close().await;
    failures.extend(browser::validate_html(&documents));
    app.stop().await;
    assert!(
        failures.is_empty(),
        "accessibility or HTML problems:\n{}",
        failures.join("\n")
    );
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
