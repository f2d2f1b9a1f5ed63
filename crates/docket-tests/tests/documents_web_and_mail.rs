//! The same document, uploaded on the web and attached to an email, becomes the same piece: the
//! same Markdown and the same word count (which is Microsoft Word's count: footnotes, text boxes
//! and list labels in, page headers out). Both backends.

use docket_app::ingest::{self, IngestSettings, Outcome};
use docket_core::text::count_markdown_words;
use docket_tests::app::{TestApp, Visitor};
use docket_tests::both_backends;
use docket_tests::db::TestDb;
use docket_tests::mail::message_with_file;

both_backends! {
    a_word_or_opendocument_file_gives_the_same_piece_by_web_and_by_email => same_piece_both_ways,
}

const CALL: &str = "/calls/digital-justice-week-2022";
const PASSWORD: &str = "correct horse battery";
/// A ~740-word guest blog with footnotes, a text box, a table and lists (see the corpus).
const DOCX: &[u8] =
    include_bytes!("../../docket-documents/tests/corpus/docx/guest-blog-mixed.docx");
const ODT: &[u8] = include_bytes!("../../docket-documents/tests/corpus/odt/guest-blog-mixed.odt");

async fn upload(visitor: &Visitor, name: &str, bytes: &[u8]) -> i64 {
    let page = visitor
        .post(
            &format!("{CALL}/submit"),
            &[("kind", "blog"), ("day", "2022-11-15")],
        )
        .await;
    assert_eq!(page.status, 303, "start: {}", page.body);
    let id: i64 = page
        .location()
        .trim_start_matches("/submissions/")
        .trim_end_matches("/edit")
        .parse()
        .expect("an id");
    let fields = vec![
        ("kind", "blog"),
        ("title", "Designing digital justice that works for everyone"),
        ("summary", "How courts can serve the people who use them."),
        ("author_name_0", "Ada Lovelace"),
        ("author_role_0", "Head of Data"),
        ("author_organisation_0", "Analytical Engines Ltd"),
        ("author_bio_0", "Ada writes about data."),
        ("day", "2022-11-15"),
        ("action", "save"),
    ];
    let page = visitor
        .post_multipart(
            &format!("/submissions/{id}/edit"),
            &fields,
            vec![("document", name, bytes.to_vec())],
        )
        .await;
    assert!(page.status == 303 || page.status == 200, "{}", page.body);
    id
}

async fn same_piece_both_ways(db: &TestDb) {
    let app = TestApp::spawn(db).await;
    let mailer = docket_mail::Mailer::new("https://docket.example.org");
    for (n, (name, mime, bytes)) in [
        (
            "Guest blog.docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            DOCX,
        ),
        (
            "Guest blog.odt",
            "application/vnd.oasis.opendocument.text",
            ODT,
        ),
    ]
    .into_iter()
    .enumerate()
    {
        // On the web.
        let web_author = format!("web{n}@example.org");
        let visitor = app.signed_up(&web_author, PASSWORD).await;
        upload(&visitor, name, bytes).await;
        let user = app.store.user_by_email(&web_author).await.unwrap().unwrap();
        let web = docket_app::pieces::of(app.store.as_ref(), &user)
            .await
            .unwrap()
            .remove(0);
        // By email, from someone else.
        let mail_author = format!("mail{n}@example.org");
        let raw = message_with_file(
            &format!("same-piece-{n}@example.org"),
            &format!("Grace Hopper <{mail_author}>"),
            "Guest blog for Digital Justice Week",
            "Hi Jago,\r\n\r\nPlease find attached my blog for Tuesday's data theme.\r\n\r\nGrace",
            "",
            (name, mime, bytes),
        );
        let outcome = ingest::ingest(
            app.store.as_ref(),
            &app.clock,
            &mailer,
            &raw,
            &IngestSettings::default(),
        )
        .await
        .unwrap();
        let Outcome::Submission(id) = outcome else {
            panic!("{name}: not filed: {outcome:?}")
        };
        let mail = app.store.submission(id).await.unwrap().unwrap();

        assert_eq!(web.draft.body, mail.draft.body, "{name}: the same Markdown");
        assert_eq!(web.draft.words, mail.draft.words, "{name}: the same count");
        let words = web.draft.words.expect("counted");
        assert_eq!(
            words,
            count_markdown_words(&web.draft.body) as u64,
            "{name}"
        );
        // Footnotes, the text box and the table are part of the piece.
        for kept in [
            "[^6]:",
            "Two in three users preferred video.",
            "| Manchester | 120 |",
        ] {
            assert!(
                web.draft.body.contains(kept),
                "{name}: {kept:?} in\n{}",
                web.draft.body
            );
        }
    }
}
