//! Many submissions at once: every one is answered (303, committed), none with a server error.
//! On SQLite a transaction that read and then wrote used to fail at once when another writer
//! committed in between; the store now takes the write lock when it begins. Both backends.

use std::sync::Arc;

use docket_tests::app::TestApp;
use docket_tests::both_backends;
use docket_tests::db::TestDb;

both_backends! {
    thirty_two_submissions_at_once_are_all_committed => at_once,
}

const CLIENTS: usize = 32;

async fn at_once(db: &TestDb) {
    let app = TestApp::spawn(db).await;
    let web = Arc::new(
        app.signed_up("ada@example.org", "correct horse battery")
            .await,
    );
    let mut ids = Vec::new();
    for _ in 0..CLIENTS {
        let page = web
            .post(
                "/calls/digital-justice-week-2022/submit",
                &[("kind", "blog"), ("day", "2022-11-15")],
            )
            .await;
        assert_eq!(page.status, 303, "{}", page.body);
        ids.push(page.piece_id());
    }
    let body: String = vec!["word"; 700].join(" ");
    let mut tasks = Vec::new();
    for id in &ids {
        let (web, body, id) = (web.clone(), body.clone(), *id);
        tasks.push(tokio::spawn(async move {
            web.post_multipart(
                &format!("/submissions/{id}/edit"),
                &[
                    ("kind", "blog"),
                    ("day", "2022-11-15"),
                    ("title", "Joining up records"),
                    ("author_name_0", "Ada Lovelace"),
                    ("body", &body),
                    ("action", "submit"),
                ],
                vec![],
            )
            .await
        }));
    }
    for task in tasks {
        let page = task.await.expect("the request");
        assert_eq!(page.status, 303, "{}", page.body);
    }
    for id in ids {
        let record = app
            .store
            .submission(docket_store::SubmissionId(id))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(record.revision_count, 1, "piece {id} was committed once");
    }
    assert_eq!(
        app.mail_to("ada@example.org").await.len(),
        1 + CLIENTS,
        "a confirmation and a receipt each"
    );
    app.stop().await;
}
