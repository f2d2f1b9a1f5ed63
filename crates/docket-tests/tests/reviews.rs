//! Reviews through the web, on both backends: a reviewer who declared a conflict never sees the
//! piece (in a list, a count or by its address), reviews stay hidden from other reviewers until
//! they write their own, editors read them beside the piece and in the queue, and in an
//! anonymised review no page a reviewer can reach names an author.

use std::io::{Read as _, Write as _};

use docket_store::{Actor, StaffRole};
use docket_tests::app::{NowTimestamp, TestApp, Visitor};
use docket_tests::both_backends;
use docket_tests::db::TestDb;

both_backends! {
    a_reviewer_with_a_declared_conflict_never_sees_the_piece => conflicts,
    reviews_are_written_edited_and_read_in_the_right_order => review_order,
    an_anonymised_review_shows_no_author_identity_anywhere_a_reviewer_can_look => anonymised,
    a_copy_edit_waits_for_the_author_before_the_piece_can_be_scheduled => copy_edit,
}

const PASSWORD: &str = "correct horse battery";
const SLUG: &str = "digital-justice-week-2022";
const CONSOLE: &str = "/console/calls/digital-justice-week-2022";
const DOCX: &[u8] = include_bytes!("../../docket-documents/tests/fixtures/blog.docx");
const PNG: &[u8] = include_bytes!("../../docket-documents/tests/fixtures/headshot.png");

fn words(n: usize) -> String {
    (0..n)
        .map(|i| ["justice", "data", "services", "people", "work"][i % 5])
        .collect::<Vec<_>>()
        .join(" ")
}

async fn spawn(db: &TestDb) -> TestApp {
    TestApp::spawn_with(
        db,
        docket_web::WebConfig {
            rate_limits: docket_web::RateLimits {
                sign_up_per_minute: 100,
                ..docket_web::RateLimits::default()
            },
            ..docket_web::WebConfig::default()
        },
    )
    .await
}

/// A blog for Tuesday by an author of `organisation`, sent through the web; its id.
async fn send(visitor: &Visitor, title: &str, author: &str, organisation: &str, body: &str) -> i64 {
    let page = visitor
        .post(
            &format!("/calls/{SLUG}/submit"),
            &[("kind", "blog"), ("day", "2022-11-15")],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let id = page.piece_id();
    let page = visitor
        .post_multipart(
            &format!("/submissions/{id}/edit"),
            &[
                ("kind", "blog"),
                ("title", title),
                ("summary", "A summary."),
                ("body", body),
                ("author_name_0", author),
                ("author_organisation_0", organisation),
                ("day", "2022-11-15"),
                ("action", "submit"),
            ],
            vec![],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    id
}

async fn conflicts(db: &TestDb) {
    let app = spawn(db).await;
    let (reviewer, _) = app
        .staff_member(SLUG, "rev@example.org", PASSWORD, StaffRole::Reviewer)
        .await;
    let (other, _) = app
        .staff_member(SLUG, "rev2@example.org", PASSWORD, StaffRole::Reviewer)
        .await;
    let (editor, _) = app
        .staff_member(SLUG, "ed@example.org", PASSWORD, StaffRole::Editor)
        .await;
    // The reviewer declares a conflict with Acme, and with everyone at rival.example.
    let page = reviewer
        .post(
            &format!("{CONSOLE}/conflicts"),
            &[
                ("organisations", "ACME Ltd"),
                ("addresses", "not an address"),
            ],
        )
        .await;
    assert_eq!(page.status, 400);
    assert!(page.body.contains("href=\"#addresses\""));
    let page = reviewer
        .post(
            &format!("{CONSOLE}/conflicts"),
            &[
                ("organisations", "ACME Ltd"),
                ("addresses", "@rival.example"),
            ],
        )
        .await;
    assert_eq!(page.status, 200);
    let acme = app.signed_up("ann@acme.example", PASSWORD).await;
    let rival = app.signed_up("rob@rival.example", PASSWORD).await;
    let free = app.signed_up("fay@free.example", PASSWORD).await;
    let acme_piece = send(&acme, "Acme's view", "Ann", "Acme Ltd", &words(700)).await;
    let rival_piece = send(&rival, "Rival's view", "Rob", "Rival plc", &words(700)).await;
    let free_piece = send(&free, "A free view", "Fay", "Free Co", &words(700)).await;
    // Balancing gives every piece two reviewers, but never the conflicted ones to `rev`.
    let page = editor
        .post(&format!("{CONSOLE}/reviews/balance"), &[])
        .await;
    assert_eq!(page.status, 303);
    let reviewers = |id: i64| {
        let store = app.store.clone();
        async move {
            store
                .reviewers_of(docket_store::SubmissionId(id))
                .await
                .unwrap()
        }
    };
    assert_eq!(
        reviewers(free_piece).await,
        ["rev2@example.org", "rev@example.org"]
    );
    assert_eq!(reviewers(acme_piece).await, ["rev2@example.org"]);
    assert_eq!(reviewers(rival_piece).await, ["rev2@example.org"]);
    // Assigning by hand is refused too.
    let page = editor
        .post(
            &format!("{CONSOLE}/pieces/{acme_piece}/reviewers"),
            &[("reviewer", "rev@example.org")],
        )
        .await;
    assert!(
        page.location().contains("declared+a+conflict"),
        "{}",
        page.location()
    );
    // An assignment made before the conflict was declared is not shown either.
    app.store
        .assign_reviewer(
            docket_store::SubmissionId(rival_piece),
            "rev@example.org",
            &Actor::Cli,
            app.clock.now_timestamp(),
        )
        .await
        .unwrap();
    let list = reviewer.get(&format!("{CONSOLE}/reviews")).await;
    assert!(list.body.contains("A free view"));
    // Each reviewer is told how many pieces they were given, and where: nothing more.
    let told = app.mail_to("rev@example.org").await;
    let told = told
        .iter()
        .find(|m| m.template == "review_assigned")
        .unwrap();
    assert!(
        told.subject.contains("1 piece for you to review"),
        "{}",
        told.subject
    );
    assert!(told.text.contains(&format!("{CONSOLE}/reviews")));
    assert!(!told.text.contains("A free view"));
    for hidden in [
        "Acme's view",
        "Acme&#x27;s view",
        "Rival's view",
        "Rival&#x27;s view",
    ] {
        assert!(!list.body.contains(hidden), "{hidden}");
    }
    for id in [acme_piece, rival_piece] {
        assert_eq!(
            reviewer
                .get(&format!("{CONSOLE}/reviews/{id}"))
                .await
                .status,
            404
        );
        let page = reviewer
            .post(
                &format!("{CONSOLE}/reviews/{id}"),
                &[("score", "1"), ("recommendation", "reject")],
            )
            .await;
        assert_eq!(page.status, 404);
    }
    // No count on the overview gives them away, and the queue is not a reviewer's.
    let overview = reviewer.get(CONSOLE).await;
    assert!(!overview.body.contains("<h2>Pieces</h2>"));
    assert_eq!(reviewer.get(&format!("{CONSOLE}/pieces")).await.status, 404);
    // The other reviewer sees all three.
    let list = other.get(&format!("{CONSOLE}/reviews")).await;
    assert_eq!(list.body.matches("/reviews/").count(), 3, "{}", list.body);
    app.stop().await;
}

async fn review_order(db: &TestDb) {
    let app = spawn(db).await;
    let (first, _) = app
        .staff_member(SLUG, "rev@example.org", PASSWORD, StaffRole::Reviewer)
        .await;
    let (second, _) = app
        .staff_member(SLUG, "rev2@example.org", PASSWORD, StaffRole::Reviewer)
        .await;
    let (editor, _) = app
        .staff_member(SLUG, "ed@example.org", PASSWORD, StaffRole::Editor)
        .await;
    let ada = app.signed_up("ada@example.org", PASSWORD).await;
    let id = send(
        &ada,
        "Data at the heart of justice",
        "Ada",
        "Engines",
        &words(700),
    )
    .await;
    editor
        .post(&format!("{CONSOLE}/reviews/balance"), &[])
        .await;
    let review = format!("{CONSOLE}/reviews/{id}");
    // A review needs a score and a recommendation.
    let page = first.post(&review, &[("comments", "Good")]).await;
    assert_eq!(page.status, 400);
    assert!(
        page.body.contains("href=\"#score\"") && page.body.contains("href=\"#recommendation\"")
    );
    let page = first
        .post(
            &review,
            &[
                ("score", "4"),
                ("recommendation", "accept_with_changes"),
                ("checklist", "0"),
                ("checklist", "2"),
                ("comments", "Strong on data, light on examples."),
            ],
        )
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    // The second reviewer sees no other review before writing their own.
    let page = second.get(&review).await;
    assert!(!page.body.contains("Strong on data"));
    assert!(page.body.contains("once you have written yours"));
    second
        .post(
            &review,
            &[
                ("score", "2"),
                ("recommendation", "reject"),
                ("comments", "Off theme."),
            ],
        )
        .await;
    let page = second.get(&review).await;
    assert!(page.body.contains("Strong on data, light on examples."));
    // The first edits theirs: one review each, the latest words.
    first
        .post(
            &review,
            &[
                ("score", "5"),
                ("recommendation", "accept"),
                ("comments", "On reflection, excellent."),
            ],
        )
        .await;
    let stored = app
        .store
        .reviews(docket_store::SubmissionId(id))
        .await
        .unwrap();
    assert_eq!(stored.len(), 2);
    assert!(
        stored
            .iter()
            .any(|r| r.score == 5 && r.comments == "On reflection, excellent.")
    );
    // Editors see every review beside the piece, and the average and spread in the queue.
    let page = editor.get(&format!("{CONSOLE}/pieces/{id}")).await;
    assert!(page.body.contains("On reflection, excellent.") && page.body.contains("Off theme."));
    let queue = editor.get(&format!("{CONSOLE}/pieces")).await;
    assert!(
        queue.body.contains("2 reviews, average 3.5, spread 3"),
        "{}",
        queue.body
    );
    // The author sees none of it.
    let own = ada.get(&format!("/submissions/{id}")).await;
    assert!(!own.body.contains("Off theme.") && !own.body.contains("excellent"));
    app.stop().await;
}

/// True when the reviewer's page of piece `id` shows `passage`.
async fn page_has(reviewer: &Visitor, id: i64, passage: &str) -> bool {
    let page = reviewer.get(&format!("{CONSOLE}/reviews/{id}")).await;
    let escaped = passage.replace('\'', "&#x27;").replace('"', "&quot;");
    page.body.contains(passage) || page.body.contains(&escaped)
}

/// The fixture .docx with its author's name in its metadata and an extra line naming them.
fn docx_by(name: &str) -> Vec<u8> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(DOCX.to_vec())).unwrap();
    let mut out = std::io::Cursor::new(Vec::new());
    {
        let mut zip = zip::ZipWriter::new(&mut out);
        let options = zip::write::SimpleFileOptions::default();
        for index in 0..archive.len() {
            let mut file = archive.by_index(index).unwrap();
            let file_name = file.name().unwrap().into_owned();
            let mut bytes = Vec::new();
            file.read_to_end(&mut bytes).unwrap();
            if file_name == "docProps/core.xml" {
                continue;
            }
            zip.start_file(file_name, options).unwrap();
            zip.write_all(&bytes).unwrap();
        }
        zip.start_file("docProps/core.xml", options).unwrap();
        zip.write_all(format!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator>{name}</dc:creator><cp:lastModifiedBy>{name}</cp:lastModifiedBy></cp:coreProperties>"#
        ).as_bytes()).unwrap();
        zip.finish().unwrap();
    }
    out.into_inner()
}

async fn anonymised(db: &TestDb) {
    let app = spawn(db).await;
    // The seed call, with anonymised review.
    app.import(&docket_tests::SEED_CALL.replacen(
        "checklist = [",
        "anonymised_review = true\nchecklist = [",
        1,
    ))
    .await;
    let (reviewer, _) = app
        .staff_member(SLUG, "rev@example.org", PASSWORD, StaffRole::Reviewer)
        .await;
    let (editor, _) = app
        .staff_member(SLUG, "ed@example.org", PASSWORD, StaffRole::Editor)
        .await;
    // An author whose identity is everywhere: name, organisation, address, profile, headshot,
    // the file's name and metadata, and an email about the piece.
    let author = app
        .signed_up("zebedee.quux@quuxworks.example", PASSWORD)
        .await;
    author
        .post_multipart(
            "/account/profile",
            &[
                ("name", "Zebedee Quux"),
                ("organisation", "Quuxworks"),
                ("bio", "Zebedee runs Quuxworks."),
            ],
            vec![("headshot", "zebedee-quux.png", PNG.to_vec())],
        )
        .await;
    let page = author
        .post(
            &format!("/calls/{SLUG}/submit"),
            &[("kind", "blog"), ("day", "2022-11-15")],
        )
        .await;
    let id = page.piece_id();
    let page = author
        .post_multipart(
            &format!("/submissions/{id}/edit"),
            &[
                ("kind", "blog"),
                ("title", "Data at the heart of justice"),
                ("summary", "A summary."),
                ("author_name_0", "Zebedee Quux"),
                ("author_role_0", "Founder"),
                ("author_organisation_0", "Quuxworks"),
                ("author_bio_0", "Zebedee founded Quuxworks."),
                ("day", "2022-11-15"),
                ("action", "submit"),
            ],
            vec![
                (
                    "document",
                    "zebedee-quux-final.docx",
                    docx_by("Zebedee Quux"),
                ),
                ("headshot", "zebedee-quux-photo.png", PNG.to_vec()),
            ],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let page = author
        .post(&format!("/submissions/{id}/consent"), &[("action", "give")])
        .await;
    assert_eq!(page.status, 303);
    // The editor assigns the reviewer, comments, and hides a passage (none here to hide, but the
    // form is there).
    editor
        .post(&format!("{CONSOLE}/reviews/balance"), &[])
        .await;
    editor
        .post(
            &format!("{CONSOLE}/pieces/{id}/comments"),
            &[("body", "Check the data claims.")],
        )
        .await;
    let identity = [
        "Zebedee",
        "Quux",
        "quuxworks",
        "zebedee.quux@",
        "zebedee-quux",
        "Founder",
    ];
    let mut pages = vec![
        "/console".to_owned(),
        CONSOLE.to_owned(),
        format!("{CONSOLE}/reviews"),
        format!("{CONSOLE}/reviews/{id}"),
        format!("{CONSOLE}/conflicts"),
        "/account".to_owned(),
        "/submissions".to_owned(),
    ];
    let mut seen = Vec::new();
    for path in &pages {
        let page = reviewer.get(path).await;
        assert_eq!(page.status, 200, "{path}: {}", page.body);
        seen.push((path.clone(), page.body));
    }
    // After writing a review, and with another reviewer's review shown.
    let page = reviewer
        .post(
            &format!("{CONSOLE}/reviews/{id}"),
            &[
                ("score", "3"),
                ("recommendation", "accept"),
                ("comments", "Fine."),
            ],
        )
        .await;
    seen.push(("the saved review".into(), page.body));
    pages.push(format!("{CONSOLE}/reviews/{id}"));
    let page = reviewer.get(&format!("{CONSOLE}/reviews/{id}")).await;
    seen.push(("the review again".into(), page.body));
    // Pages a reviewer cannot reach answer the same not-found page, naming nothing.
    for path in [
        format!("{CONSOLE}/pieces/{id}"),
        format!("{CONSOLE}/pieces?q=quux"),
        format!("{CONSOLE}/inbound"),
        format!("/submissions/{id}"),
    ] {
        let page = reviewer.get(&path).await;
        assert_eq!(page.status, 404, "{path}");
        seen.push((path, page.body));
    }
    // And no email to the reviewer names the author.
    for mail in app.mail_to("rev@example.org").await {
        seen.push((
            format!("mail {}", mail.subject),
            format!("{}\n{}\n{}", mail.subject, mail.text, mail.html),
        ));
    }
    let mut leaks = Vec::new();
    for (path, body) in &seen {
        for needle in identity {
            if body.to_lowercase().contains(&needle.to_lowercase()) {
                leaks.push(format!("{path} shows {needle:?}"));
            }
        }
    }
    assert!(leaks.is_empty(), "{}", leaks.join("\n"));
    // The text itself is there: the reviewer can review it.
    let page = reviewer.get(&format!("{CONSOLE}/reviews/{id}")).await;
    assert!(page.body.contains("Data at the heart of justice"));
    // An editor hides a passage (as where an author names themselves in the text).
    let piece = app
        .store
        .submission(docket_store::SubmissionId(id))
        .await
        .unwrap()
        .unwrap();
    let document = piece.draft.document.expect("the uploaded file");
    let text = app
        .store
        .asset(document.id)
        .await
        .unwrap()
        .unwrap()
        .text
        .unwrap();
    // Four plain words in a row, as they appear in the rendered page too.
    let all: Vec<&str> = text.split_whitespace().collect();
    let passage = all
        .windows(4)
        .find(|window| {
            window
                .iter()
                .all(|word| word.chars().all(|c| c.is_ascii_alphabetic()))
        })
        .expect("four plain words")
        .join(" ");
    assert!(
        page_has(&reviewer, id, &passage).await,
        "the passage is shown before"
    );
    editor
        .post(
            &format!("{CONSOLE}/pieces/{id}/hidden"),
            &[("passages", &passage)],
        )
        .await;
    assert!(
        !page_has(&reviewer, id, &passage).await,
        "the passage is hidden after"
    );
    let page = reviewer.get(&format!("{CONSOLE}/reviews/{id}")).await;
    assert!(page.body.contains("hidden from reviewers by the editors"));
    // Editors still see who wrote it.
    let staff_view = editor.get(&format!("{CONSOLE}/pieces/{id}")).await;
    assert!(staff_view.body.contains("Zebedee Quux"));
    app.stop().await;
}

async fn copy_edit(db: &TestDb) {
    let app = spawn(db).await;
    let (editor, _) = app
        .staff_member(SLUG, "ed@example.org", PASSWORD, StaffRole::Editor)
        .await;
    let ada = app.signed_up("ada@example.org", PASSWORD).await;
    let body = format!("Teh opening sentence. {}", words(700));
    let id = send(
        &ada,
        "Data at the heart of justice",
        "Ada",
        "Engines",
        &body,
    )
    .await;
    let piece = docket_store::SubmissionId(id);
    // Not before acceptance.
    assert_eq!(
        editor
            .get(&format!("{CONSOLE}/pieces/{id}/copy-edit"))
            .await
            .status,
        404
    );
    let ada_user = app
        .store
        .user_by_email("ada@example.org")
        .await
        .unwrap()
        .unwrap();
    app.store
        .set_state(
            piece,
            ada_user.id,
            docket_core::submission::SubmissionState::Submitted,
            docket_core::submission::SubmissionState::Accepted,
            None,
            app.clock.now_timestamp(),
        )
        .await
        .unwrap();
    let page = editor
        .get(&format!("{CONSOLE}/pieces/{id}/copy-edit"))
        .await;
    assert_eq!(page.status, 200);
    // Saving nothing changed is refused.
    let unchanged = editor
        .post(
            &format!("{CONSOLE}/pieces/{id}/copy-edit"),
            &[
                ("title", "Data at the heart of justice"),
                ("summary", "A summary."),
                ("body", &body),
            ],
        )
        .await;
    assert_eq!(unchanged.status, 400);
    let edited = body.replacen("Teh opening", "The opening", 1);
    let page = editor
        .post(
            &format!("{CONSOLE}/pieces/{id}/copy-edit"),
            &[
                ("title", "Data at the heart of justice"),
                ("summary", "A summary."),
                ("body", &edited),
                ("note", "We fixed a typo in the first line."),
            ],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    // The editors' version is a new revision, marked as theirs; the author's is intact.
    let revisions = app.store.revisions(piece).await.unwrap();
    assert_eq!(revisions.len(), 2);
    assert!(!revisions[0].by_staff && revisions[1].by_staff);
    assert!(revisions[0].piece.body.starts_with("Teh opening"));
    assert_eq!(revisions[1].created_by, "ed@example.org");
    // The author is asked, and the piece cannot be scheduled until they answer.
    let mail = app
        .mail_to("ada@example.org")
        .await
        .into_iter()
        .find(|m| m.template == "copy_edit")
        .unwrap();
    assert!(mail.text.contains(&format!("/submissions/{id}/changes")));
    assert!(mail.text.contains("We fixed a typo"));
    assert!(
        docket_app::editorial::schedule_blocker(app.store.as_ref(), piece)
            .await
            .unwrap()
            .is_some()
    );
    let own = ada.get(&format!("/submissions/{id}")).await;
    assert!(own.body.contains("See the changes and approve them"));
    let changes = ada.get(&format!("/submissions/{id}/changes")).await;
    assert_eq!(changes.status, 200);
    assert!(
        changes.body.contains("<del>Teh</del>") && changes.body.contains("<ins>The</ins>"),
        "{}",
        changes.body
    );
    // Someone else cannot see or approve them.
    let bo = app.signed_up("bo@example.org", PASSWORD).await;
    assert_eq!(
        bo.get(&format!("/submissions/{id}/changes")).await.status,
        404
    );
    assert_eq!(
        bo.post(
            &format!("/submissions/{id}/changes"),
            &[("action", "approve")]
        )
        .await
        .status,
        404
    );
    // A comment reaches the editors; an approval frees the piece.
    ada.post(
        &format!("/submissions/{id}/changes"),
        &[("action", "comment"), ("comment", "Thanks, all good.")],
    )
    .await;
    let staff_view = editor.get(&format!("{CONSOLE}/pieces/{id}")).await;
    assert!(staff_view.body.contains("Thanks, all good."));
    let page = ada
        .post(
            &format!("/submissions/{id}/changes"),
            &[("action", "approve")],
        )
        .await;
    assert!(page.body.contains("you approved the changes"));
    assert!(
        docket_app::editorial::schedule_blocker(app.store.as_ref(), piece)
            .await
            .unwrap()
            .is_none()
    );
    // A second round, overridden by an editor with a reason.
    editor
        .post(
            &format!("{CONSOLE}/pieces/{id}/copy-edit"),
            &[
                ("title", "Data at the heart of justice"),
                ("summary", "A summary."),
                ("body", &format!("{edited} One more line.")),
            ],
        )
        .await;
    assert!(
        docket_app::editorial::schedule_blocker(app.store.as_ref(), piece)
            .await
            .unwrap()
            .is_some()
    );
    let page = editor
        .post(
            &format!("{CONSOLE}/pieces/{id}/copy-edit/override"),
            &[("reason", "The author is travelling; the change is a typo.")],
        )
        .await;
    assert!(
        page.location().contains("can+be+scheduled"),
        "{}",
        page.location()
    );
    assert!(
        docket_app::editorial::schedule_blocker(app.store.as_ref(), piece)
            .await
            .unwrap()
            .is_none()
    );
    // A third round, which the author answers with their own version: a revision of theirs,
    // and the piece waits for the editors again.
    editor
        .post(
            &format!("{CONSOLE}/pieces/{id}/copy-edit"),
            &[
                ("title", "Data at the heart of justice"),
                ("summary", "A summary."),
                ("body", &format!("{edited} A third line.")),
            ],
        )
        .await;
    let page = ada
        .post(
            &format!("/submissions/{id}/changes"),
            &[
                ("action", "revise"),
                ("body", &format!("{edited} My own last line.")),
            ],
        )
        .await;
    assert!(
        page.body.contains("the editors have your version"),
        "{}",
        page.body
    );
    let revisions = app.store.revisions(piece).await.unwrap();
    let last = revisions.last().unwrap();
    assert!(!last.by_staff && last.piece.body.ends_with("My own last line."));
    assert!(
        docket_app::editorial::schedule_blocker(app.store.as_ref(), piece)
            .await
            .unwrap()
            .is_some()
    );
    let trail = app
        .store
        .audit_trail(&format!("submission:{id}"))
        .await
        .unwrap();
    assert!(
        trail
            .iter()
            .any(|e| e.action == "submission.copy_edit_overridden"
                && e.detail["reason"] == "The author is travelling; the change is a typo.")
    );
    app.stop().await;
}
