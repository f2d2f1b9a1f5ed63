//! A contributor takes part on the web: start a piece, draft it, upload it, submit it, change
//! it, withdraw it; every rule enforced by the server; nobody else's piece reachable. Both backends.

use std::io::Write;

use docket_tests::app::{TestApp, Visitor};
use docket_tests::db::TestDb;
use docket_tests::{SECOND_CALL, both_backends};

both_backends! {
    a_700_word_blog_from_a_docx_offered_for_two_days_is_submitted_with_a_receipt => docx_blog_for_two_days,
    a_1200_word_blog_is_refused_with_what_to_cut_and_the_draft_is_kept => long_blog_refused,
    a_change_after_submitting_is_a_new_revision_and_the_first_is_kept => revisions_are_kept,
    a_piece_can_be_withdrawn_until_a_decision_and_not_changed_after => withdraw_rules,
    another_contributors_piece_is_not_found_on_every_route => others_pieces_are_404,
    an_invited_coauthor_sees_and_changes_the_piece => coauthor_can_edit,
    after_the_deadline_submitting_is_refused_with_the_deadline_in_uk_time => refused_after_deadline,
    a_late_piece_is_taken_and_flagged_when_the_call_accepts_late_pieces => late_pieces_flagged,
    hostile_and_wrong_files_get_a_clear_message_and_nothing_is_lost => hostile_files,
    script_in_the_title_and_body_is_rendered_inert => script_is_inert,
    a_whitepaper_pdf_has_its_pages_counted_and_a_podcast_its_minutes => documents_and_audio_are_measured,
    the_form_works_without_javascript_saving_the_draft_at_every_step => drafts_save_without_js,
}

const CALL: &str = "/calls/digital-justice-week-2022";
const PASSWORD: &str = "correct horse battery";
const DOCX: &[u8] = include_bytes!("../../docket-documents/tests/fixtures/blog.docx");
const PDF: &[u8] = include_bytes!("../../docket-documents/tests/fixtures/report.pdf");
const MP3: &[u8] = include_bytes!("../../docket-documents/tests/fixtures/tone.mp3");
const PNG: &[u8] = include_bytes!("../../docket-documents/tests/fixtures/headshot.png");

/// `n` words of ordinary prose, in paragraphs, as Markdown.
fn words(n: usize) -> String {
    let sentence = [
        "Digital", "services", "should", "work", "for", "everyone", "who", "meets", "the",
        "justice", "system.",
    ];
    let mut out = String::new();
    for i in 0..n {
        out.push_str(sentence[i % sentence.len()]);
        out.push(if (i + 1) % 60 == 0 { '\n' } else { ' ' });
        if (i + 1) % 60 == 0 {
            out.push('\n');
        }
    }
    out
}

/// Starts a piece of `kind` for `days` and returns its id.
async fn start(visitor: &Visitor, call: &str, kind: &str, days: &[&str]) -> i64 {
    let mut fields = vec![("kind", kind)];
    fields.extend(days.iter().map(|day| ("day", *day)));
    let page = visitor.post(&format!("{call}/submit"), &fields).await;
    assert_eq!(page.status, 303, "start: {}", page.body);
    let location = page.location();
    location
        .trim_start_matches("/submissions/")
        .trim_end_matches("/edit")
        .parse()
        .expect("an id")
}

/// The edit form's fields for a typical blog.
fn blog_fields<'a>(
    title: &'a str,
    body: &'a str,
    days: &[&'a str],
    action: &'a str,
) -> Vec<(&'a str, &'a str)> {
    let mut fields = vec![
        ("kind", "blog"),
        ("title", title),
        (
            "summary",
            "How data can follow a person through the justice system.",
        ),
        ("body", body),
        ("author_name_0", "Ada Lovelace"),
        ("author_role_0", "Head of Data"),
        ("author_organisation_0", "Analytical Engines Ltd"),
        ("author_bio_0", "Ada writes about data."),
        ("action", action),
    ];
    fields.extend(days.iter().map(|day| ("day", *day)));
    fields
}

async fn submit_blog(
    visitor: &Visitor,
    id: i64,
    title: &str,
    body: &str,
) -> docket_tests::app::Page {
    visitor
        .post_multipart(
            &format!("/submissions/{id}/edit"),
            &blog_fields(title, body, &["2022-11-15"], "submit"),
            vec![],
        )
        .await
}

async fn docx_blog_for_two_days(db: &TestDb) {
    let app = TestApp::spawn(db).await;
    let ada = app.signed_up("ada@example.org", PASSWORD).await;
    let start_page = ada.get(&format!("{CALL}/submit")).await;
    assert_eq!(start_page.status, 200);
    assert!(
        start_page
            .body
            .contains("Tuesday 15 November 2022: Harnessing the power of data")
    );
    let id = start(&ada, CALL, "blog", &["2022-11-15", "2022-11-17"]).await;
    let mut fields = blog_fields("", "", &["2022-11-15", "2022-11-17"], "submit");
    fields.retain(|(name, _)| *name != "title" && *name != "body");
    fields.push(("title", "Data at the heart of justice"));
    let page = ada
        .post_multipart(
            &format!("/submissions/{id}/edit"),
            &fields,
            vec![("document", "My blog (final).docx", DOCX.to_vec())],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    assert_eq!(page.location(), format!("/submissions/{id}?submitted=1"));
    // The count the server made from the document, by the word processor's rules.
    let record = docket_app::pieces::of(
        app.store.as_ref(),
        &app.store
            .user_by_email("ada@example.org")
            .await
            .unwrap()
            .unwrap(),
    )
    .await
    .unwrap()
    .remove(0);
    let counted = record.draft.words.expect("counted");
    assert!(
        (600..=800).contains(&counted),
        "a 700-word blog counts {counted}"
    );
    assert!(
        record.draft.body.contains("## "),
        "headings kept as Markdown: {}",
        record.draft.body
    );
    let shown = ada
        .get(&format!("/submissions/{id}?submitted=1"))
        .await
        .body;
    assert!(shown.contains("Your piece has been submitted. We have emailed you a receipt."));
    assert!(shown.contains("Tuesday 15 November 2022 (Harnessing the power of data); Thursday 17 November 2022 (Connected Justice)"));
    assert!(shown.contains(&format!("{counted} words")));
    assert!(shown.contains("Revision 1</a>"));
    // The receipt says what Docket understood.
    let receipt = &app.mail_to("ada@example.org").await[0];
    assert_eq!(receipt.subject, "Received: Data at the heart of justice");
    assert!(receipt.text.contains("Kind: Guest blog"));
    assert!(receipt.text.contains("Days: Tuesday 15 November 2022 (Harnessing the power of data); Thursday 17 November 2022 (Connected Justice)"));
    assert!(receipt.text.contains(&format!("Length: {counted} words")));
    assert!(receipt.text.contains(&format!("/submissions/{id}")));
    // My submissions lists it with its state, days, kind, count and last change.
    let list = ada.get("/submissions").await.body;
    for expected in [
        "Data at the heart of justice",
        "Submitted",
        "Guest blog",
        "Tuesday 15 November 2022",
        &format!("{counted} words"),
        "13 October 2022, 09:00 BST",
    ] {
        assert!(list.contains(expected), "list lacks {expected:?}");
    }
    let trail = app
        .store
        .audit_trail(&format!("submission:{id}"))
        .await
        .unwrap();
    let actions: Vec<_> = trail.iter().map(|event| event.action.as_str()).collect();
    assert_eq!(actions.first(), Some(&"submission.created"));
    assert_eq!(actions.last(), Some(&"submission.submitted"));
    app.stop().await;
}

async fn long_blog_refused(db: &TestDb) {
    let app = TestApp::spawn(db).await;
    let bo = app.signed_up("bo@example.org", PASSWORD).await;
    let id = start(&bo, CALL, "blog", &["2022-11-15"]).await;
    let body = words(1200);
    let page = submit_blog(&bo, id, "Too long", &body).await;
    assert_eq!(page.status, 400);
    assert!(page.body.contains("There is a problem"));
    assert!(
        page.body.contains("<a href=\"#body\">This guest blog is 1200 words: the call asks for 600–800 words and takes at most 1000 words. Cut about 400 words</a>"),
        "{}",
        page.body
    );
    assert!(page.body.contains("1200 words when last saved"));
    // Nothing was submitted, but the draft (all 1,200 words) was kept.
    assert!(
        app.store
            .revisions(docket_store::SubmissionId(id))
            .await
            .unwrap()
            .is_empty()
    );
    let record = app
        .store
        .submission(docket_store::SubmissionId(id))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(record.draft.words, Some(1200));
    assert_eq!(record.state.as_str(), "draft");
    // 900 words is over the soft limit: accepted with a warning in the receipt.
    let page = submit_blog(&bo, id, "A little long", &words(900)).await;
    assert_eq!(page.status, 303, "{}", page.body);
    assert!(
        app.mail_to("bo@example.org").await[0]
            .text
            .contains("more than the call asks for (600–800 words)")
    );
    app.stop().await;
}

async fn revisions_are_kept(db: &TestDb) {
    let app = TestApp::spawn(db).await;
    let cy = app.signed_up("cy@example.org", PASSWORD).await;
    let id = start(&cy, CALL, "blog", &["2022-11-15"]).await;
    let first = format!("First version. {}", words(690));
    assert_eq!(
        submit_blog(&cy, id, "Version one", &first).await.status,
        303
    );
    let second = format!("Second version. {}", words(700));
    let page = submit_blog(&cy, id, "Version two", &second).await;
    assert_eq!(page.location(), format!("/submissions/{id}?submitted=2"));
    let one = cy.get(&format!("/submissions/{id}/revisions/1")).await.body;
    assert!(
        one.contains("Version one") && one.contains("First version."),
        "revision 1 unchanged"
    );
    let two = cy.get(&format!("/submissions/{id}/revisions/2")).await.body;
    assert!(two.contains("Version two") && two.contains("Second version."));
    let show = cy.get(&format!("/submissions/{id}")).await.body;
    assert!(show.contains("Revision 1</a>") && show.contains("Revision 2</a>"));
    assert_eq!(
        app.mail_to("cy@example.org").await[0].subject,
        "Received revision 2: Version two"
    );
    app.stop().await;
}

async fn withdraw_rules(db: &TestDb) {
    let app = TestApp::spawn(db).await;
    let di = app.signed_up("di@example.org", PASSWORD).await;
    let id = start(&di, CALL, "blog", &["2022-11-15"]).await;
    assert_eq!(
        submit_blog(&di, id, "To withdraw", &words(700))
            .await
            .status,
        303
    );
    let page = di.post(&format!("/submissions/{id}/withdraw"), &[]).await;
    assert_eq!(page.location(), format!("/submissions/{id}?withdrawn=1"));
    let shown = di.get(&format!("/submissions/{id}")).await.body;
    assert!(shown.contains("Withdrawn"));
    assert!(!shown.contains("Withdraw this piece"));
    assert_eq!(
        di.post(&format!("/submissions/{id}/withdraw"), &[])
            .await
            .status,
        409
    );
    assert_eq!(
        submit_blog(&di, id, "Back again", &words(700)).await.status,
        409
    );
    app.stop().await;
}

async fn others_pieces_are_404(db: &TestDb) {
    let app = TestApp::spawn(db).await;
    let owner = app.signed_up("owner@example.org", PASSWORD).await;
    let id = start(&owner, CALL, "blog", &["2022-11-15"]).await;
    let page = owner
        .post_multipart(
            &format!("/submissions/{id}/edit"),
            &blog_fields("Mine", &words(700), &["2022-11-15"], "submit"),
            vec![("headshot", "me.png", PNG.to_vec())],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let asset = app
        .store
        .submission(docket_store::SubmissionId(id))
        .await
        .unwrap()
        .unwrap()
        .draft
        .headshot
        .unwrap()
        .id;
    assert_eq!(
        owner
            .get(&format!("/submissions/{id}/files/{asset}"))
            .await
            .status,
        200
    );

    let other = app.signed_up("other@example.org", PASSWORD).await;
    for path in [
        format!("/submissions/{id}"),
        format!("/submissions/{id}/edit"),
        format!("/submissions/{id}/preview"),
        format!("/submissions/{id}/revisions/1"),
        format!("/submissions/{id}/files/{asset}"),
    ] {
        assert_eq!(other.get(&path).await.status, 404, "GET {path}");
    }
    for path in [
        format!("/submissions/{id}/withdraw"),
        format!("/submissions/{id}/coauthors"),
    ] {
        assert_eq!(
            other
                .post(&path, &[("email", "x@example.org")])
                .await
                .status,
            404,
            "POST {path}"
        );
    }
    let edit = other
        .post_multipart(
            &format!("/submissions/{id}/edit"),
            &blog_fields("Stolen", "x", &["2022-11-15"], "submit"),
            vec![],
        )
        .await;
    assert_eq!(edit.status, 404, "POST edit");
    assert!(!other.get("/submissions").await.body.contains("Mine"));
    // Signed out, every route sends to sign-in rather than showing anything.
    let anonymous = app.visitor();
    let page = anonymous.get(&format!("/submissions/{id}")).await;
    assert_eq!(page.status, 303);
    assert!(page.location().starts_with("/account/sign-in?next="));
    // The owner's piece is untouched.
    let record = app
        .store
        .submission(docket_store::SubmissionId(id))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(record.draft.title, "Mine");
    assert_eq!(record.state.as_str(), "submitted");
    app.stop().await;
}

async fn coauthor_can_edit(db: &TestDb) {
    let app = TestApp::spawn(db).await;
    let owner = app.signed_up("lead@example.org", PASSWORD).await;
    let id = start(&owner, CALL, "blog", &["2022-11-16"]).await;
    assert_eq!(
        submit_blog(&owner, id, "Written together", &words(700))
            .await
            .status,
        303
    );
    let page = owner
        .post(
            &format!("/submissions/{id}/coauthors"),
            &[("email", "Second@Example.org")],
        )
        .await;
    assert_eq!(page.status, 303);
    let invite = &app.mail_to("second@example.org").await[0];
    assert!(
        invite
            .subject
            .contains("invited you to co-author “Written together”")
    );
    let second = app.signed_up("second@example.org", PASSWORD).await;
    assert!(
        second
            .get("/submissions")
            .await
            .body
            .contains("Written together")
    );
    let page = submit_blog(&second, id, "Written together, revised", &words(720)).await;
    assert_eq!(page.status, 303, "{}", page.body);
    let shown = owner.get(&format!("/submissions/{id}")).await.body;
    assert!(shown.contains("by second@example.org"), "{shown}");
    app.stop().await;
}

async fn refused_after_deadline(db: &TestDb) {
    let app = TestApp::spawn(db).await;
    app.clock.set("2022-11-05T11:00:00Z".parse().unwrap());
    let ed = app.signed_up("ed@example.org", PASSWORD).await;
    let id = start(&ed, CALL, "blog", &["2022-11-15"]).await;
    // One minute after midday GMT on Saturday 5 November 2022.
    app.clock.set("2022-11-05T12:01:00Z".parse().unwrap());
    let page = submit_blog(&ed, id, "Just late", &words(700)).await;
    assert_eq!(page.status, 409);
    assert!(
        page.body.contains(
            "The deadline for Digital Justice Week 2022 was 12:00 GMT on Saturday 5 November 2022"
        ),
        "{}",
        page.body
    );
    let start_page = ed.get(&format!("{CALL}/submit")).await.body;
    assert!(start_page.contains("Submissions and changes are closed"));
    assert_eq!(
        ed.post(
            &format!("{CALL}/submit"),
            &[("kind", "blog"), ("day", "2022-11-15")]
        )
        .await
        .status,
        409
    );
    // A minute before, it went through.
    app.clock.set("2022-11-05T11:59:00Z".parse().unwrap());
    assert_eq!(
        submit_blog(&ed, id, "Just in time", &words(700))
            .await
            .status,
        303
    );
    app.stop().await;
}

async fn late_pieces_flagged(db: &TestDb) {
    let app = TestApp::spawn(db).await;
    app.import(SECOND_CALL).await;
    // 17:00 EST on 1 March 2027 is 22:00 UTC; the grace hour ends at 23:00 UTC.
    app.clock.set("2027-03-01T22:30:00Z".parse().unwrap());
    let fay = app.signed_up("fay@example.org", PASSWORD).await;
    let id = start(&fay, "/calls/open-data-week-2027", "essay", &["2027-03-23"]).await;
    let mut fields = blog_fields("In the grace hour", "", &["2027-03-23"], "submit");
    let body = words(1100);
    fields.retain(|(name, _)| *name != "kind" && *name != "body");
    fields.push(("kind", "essay"));
    fields.push(("body", &body));
    let page = fay
        .post_multipart(&format!("/submissions/{id}/edit"), &fields, vec![])
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    assert!(
        !fay.get(&format!("/submissions/{id}"))
            .await
            .body
            .contains("tag--late"),
        "inside the grace period: on time"
    );
    app.clock.set("2027-03-02T09:00:00Z".parse().unwrap());
    let page = fay
        .post_multipart(&format!("/submissions/{id}/edit"), &fields, vec![])
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let shown = fay.get(&format!("/submissions/{id}")).await.body;
    assert!(
        shown.contains("<span class=\"tag tag--late\">Late</span>"),
        "{shown}"
    );
    assert!(
        app.mail_to("fay@example.org").await[0]
            .text
            .contains("It arrived after the deadline and is marked late.")
    );
    app.stop().await;
}

fn zip_bomb() -> Vec<u8> {
    let mut buffer = std::io::Cursor::new(Vec::new());
    {
        let mut zip = zip::ZipWriter::new(&mut buffer);
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        zip.start_file("[Content_Types].xml", options).unwrap();
        zip.write_all(b"<Types/>").unwrap();
        zip.start_file("word/document.xml", options).unwrap();
        let zeros = vec![b' '; 1024 * 1024];
        for _ in 0..300 {
            zip.write_all(&zeros).unwrap();
        }
        zip.finish().unwrap();
    }
    buffer.into_inner()
}

async fn hostile_files(db: &TestDb) {
    let app = TestApp::spawn(db).await;
    let gil = app.signed_up("gil@example.org", PASSWORD).await;
    let id = start(&gil, CALL, "blog", &["2022-11-15"]).await;
    let keep = words(700);
    assert_eq!(
        gil.post_multipart(
            &format!("/submissions/{id}/edit"),
            &blog_fields("Kept", &keep, &["2022-11-15"], "save"),
            vec![]
        )
        .await
        .status,
        303
    );
    let mut truncated_docx = DOCX.to_vec();
    truncated_docx.truncate(DOCX.len() / 2);
    let mut bad_utf8 = b"An ordinary line, then bytes that are not UTF-8: ".to_vec();
    bad_utf8.extend_from_slice(&[0xff, 0xfe, 0xfa, 0x80]);
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("bomb.docx", zip_bomb()),
        ("broken.docx", truncated_docx),
        ("blog.docx", PNG.to_vec()),
        ("notes.txt", bad_utf8),
        ("empty.docx", Vec::new()),
        (
            "program.exe",
            b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff".to_vec(),
        ),
    ];
    for (name, bytes) in cases {
        let empty = bytes.is_empty();
        let page = gil
            .post_multipart(
                &format!("/submissions/{id}/edit"),
                &blog_fields("Kept", &keep, &["2022-11-15"], "save"),
                vec![("document", name, bytes)],
            )
            .await;
        if empty {
            // An empty file input is what a browser sends when no file is chosen: nothing to report.
            assert_eq!(page.status, 303, "{name}");
            continue;
        }
        assert_eq!(page.status, 400, "{name}: {}", page.body);
        assert!(
            page.body.contains("<a href=\"#document\">"),
            "{name}: the summary links to the file field"
        );
        let record = app
            .store
            .submission(docket_store::SubmissionId(id))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            record.draft.body.trim(),
            keep.trim(),
            "{name}: the text already there is kept"
        );
    }
    // A whitepaper must be a PDF: a truncated one is refused with a message, never a crash.
    let paper = start(&gil, CALL, "whitepaper", &["2022-11-18"]).await;
    let page = gil
        .post_multipart(
            &format!("/submissions/{paper}/edit"),
            &[
                ("kind", "whitepaper"),
                ("day", "2022-11-18"),
                ("action", "save"),
            ],
            vec![("document", "paper.pdf", PDF[..PDF.len() / 3].to_vec())],
        )
        .await;
    assert_eq!(page.status, 400, "{}", page.body);
    assert!(
        app.get("/healthz").await.status == 200,
        "the server is still up"
    );
    // An image that is not one is refused as a headshot.
    let page = gil
        .post_multipart(
            &format!("/submissions/{id}/edit"),
            &blog_fields("Kept", &keep, &["2022-11-15"], "save"),
            vec![(
                "headshot",
                "me.png",
                b"\x89PNG\r\n\x1a\nnot really".to_vec(),
            )],
        )
        .await;
    assert_eq!(page.status, 400);
    assert!(page.body.contains("<a href=\"#headshot\">"));
    app.stop().await;
}

async fn script_is_inert(db: &TestDb) {
    let app = TestApp::spawn(db).await;
    let hal = app.signed_up("hal@example.org", PASSWORD).await;
    let id = start(&hal, CALL, "blog", &["2022-11-15"]).await;
    let body = format!(
        "<script>alert('body')</script>\n\n[click](javascript:alert(1))\n\n<img src=x onerror=alert(2)>\n\n{}",
        words(700)
    );
    let page = submit_blog(&hal, id, "<script>alert('title')</script>", &body).await;
    assert_eq!(page.status, 303, "{}", page.body);
    for path in [
        format!("/submissions/{id}"),
        format!("/submissions/{id}/preview"),
        format!("/submissions/{id}/revisions/1"),
        "/submissions".to_owned(),
    ] {
        let body = hal.get(&path).await.body;
        if let Some(at) = body.find("<script>alert") {
            panic!(
                "{path}: script survived: {}",
                &body[at.saturating_sub(200)..(at + 100).min(body.len())]
            );
        }
        assert!(!body.contains("javascript:alert"), "{path}");
        assert!(!body.contains("onerror=alert"), "{path}");
    }
    // The edit form gives the author back exactly what they wrote, as text in the box.
    let edit = hal.get(&format!("/submissions/{id}/edit")).await.body;
    assert!(
        !edit.contains("<script>alert") && !edit.contains("<img src=x"),
        "no live markup in the form"
    );
    assert!(
        edit.contains("&#60;script&#62;alert(&#39;body&#39;)"),
        "the text is kept, escaped"
    );
    let preview = hal.get(&format!("/submissions/{id}/preview")).await.body;
    assert!(
        preview.contains("<h1>&#60;script&#62;alert("),
        "the title is shown as text"
    );
    app.stop().await;
}

async fn documents_and_audio_are_measured(db: &TestDb) {
    let app = TestApp::spawn(db).await;
    let ivy = app.signed_up("ivy@example.org", PASSWORD).await;
    let paper = start(&ivy, CALL, "whitepaper", &["2022-11-18"]).await;
    let fields = [
        ("kind", "whitepaper"),
        ("day", "2022-11-18"),
        ("title", "Emerging technology in courts"),
        ("summary", "A survey."),
        ("author_name_0", "Ivy"),
        ("action", "submit"),
    ];
    let page = ivy
        .post_multipart(
            &format!("/submissions/{paper}/edit"),
            &fields,
            vec![("document", "survey.pdf", PDF.to_vec())],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    assert!(
        ivy.get(&format!("/submissions/{paper}"))
            .await
            .body
            .contains("3 pages")
    );
    // The PDF is downloaded as an attachment under a name Docket makes, never rendered inline.
    let asset = app
        .store
        .submission(docket_store::SubmissionId(paper))
        .await
        .unwrap()
        .unwrap()
        .draft
        .document
        .unwrap();
    let file = ivy
        .get(&format!("/submissions/{paper}/files/{}", asset.id))
        .await;
    assert_eq!(file.header("content-type"), "application/pdf");
    assert_eq!(
        file.header("content-disposition"),
        format!(
            "attachment; filename=\"piece-{paper}-file-{}.pdf\"",
            asset.id
        )
    );
    assert!(file.header("content-security-policy").contains("sandbox"));
    assert_eq!(file.header("x-content-type-options"), "nosniff");

    let podcast = start(&ivy, CALL, "podcast", &["2022-11-18"]).await;
    let fields = [
        ("kind", "podcast"),
        ("day", "2022-11-18"),
        ("title", "Tone poem"),
        ("summary", "Three seconds."),
        ("author_name_0", "Ivy"),
        ("action", "submit"),
    ];
    let page = ivy
        .post_multipart(
            &format!("/submissions/{podcast}/edit"),
            &fields,
            vec![("document", "episode.mp3", MP3.to_vec())],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let minutes = app
        .store
        .submission(docket_store::SubmissionId(podcast))
        .await
        .unwrap()
        .unwrap()
        .draft
        .minutes
        .unwrap();
    assert!(
        (minutes * 60.0 - 3.0).abs() < 0.2,
        "three seconds of audio: {minutes} minutes"
    );
    // A podcast given as a link needs no file; a link that is not one is refused.
    let linked = start(&ivy, CALL, "podcast", &["2022-11-17"]).await;
    let mut fields = vec![
        ("kind", "podcast"),
        ("day", "2022-11-17"),
        ("title", "Linked"),
        ("summary", "Elsewhere."),
        ("author_name_0", "Ivy"),
        ("action", "submit"),
    ];
    fields.push(("link", "not a link"));
    assert_eq!(
        ivy.post_multipart(&format!("/submissions/{linked}/edit"), &fields, vec![])
            .await
            .status,
        400
    );
    fields.pop();
    fields.push(("link", "https://podcasts.example.org/episode-1"));
    assert_eq!(
        ivy.post_multipart(&format!("/submissions/{linked}/edit"), &fields, vec![])
            .await
            .status,
        303
    );
    app.stop().await;
}

async fn drafts_save_without_js(db: &TestDb) {
    let app = TestApp::spawn(db).await;
    let jo = app.signed_up("jo@example.org", PASSWORD).await;
    let id = start(&jo, CALL, "blog", &["2022-11-14"]).await;
    let edit = jo.get(&format!("/submissions/{id}/edit")).await;
    assert_eq!(edit.status, 200);
    assert!(edit.body.contains("enctype=\"multipart/form-data\""));
    assert!(edit.body.contains("0 words when last saved"));
    let page = jo
        .post_multipart(
            &format!("/submissions/{id}/edit"),
            &blog_fields("Half done", "Only a start.", &["2022-11-14"], "save"),
            vec![],
        )
        .await;
    // Saved, with a warning (three words is under the 600 the call asks for) but no refusal.
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Your draft has been saved."));
    assert!(
        page.body
            .contains("This guest blog is 3 words, fewer than the call asks for (600–800 words)")
    );
    let edit = jo.get(&format!("/submissions/{id}/edit")).await.body;
    assert!(edit.contains("Only a start."));
    assert!(edit.contains("3 words when last saved"));
    // A save with nothing to say redirects, so reloading the page does not send the form again.
    let page = jo
        .post_multipart(
            &format!("/submissions/{id}/edit"),
            &blog_fields("Half done", &words(700), &["2022-11-14"], "save"),
            vec![],
        )
        .await;
    assert_eq!(
        (page.status, page.location()),
        (303, format!("/submissions/{id}/edit?saved=1").as_str())
    );
    assert!(
        jo.get(&format!("/submissions/{id}/edit?saved=1"))
            .await
            .body
            .contains("Your draft has been saved.")
    );
    // Adding an author keeps everything typed so far.
    let page = jo
        .post_multipart(
            &format!("/submissions/{id}/edit"),
            &blog_fields("Half done", "Only a start.", &["2022-11-14"], "add_author"),
            vec![],
        )
        .await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Author 2"));
    // Preview shows the piece as the site will: Markdown rendered.
    jo.post_multipart(
        &format!("/submissions/{id}/edit"),
        &blog_fields(
            "Half done",
            "## A heading\n\nSome **bold** words.",
            &["2022-11-14"],
            "save",
        ),
        vec![],
    )
    .await;
    let preview = jo.get(&format!("/submissions/{id}/preview")).await.body;
    assert!(
        preview.contains("<h2>A heading</h2>") && preview.contains("<strong>bold</strong>"),
        "{preview}"
    );
    // Submitting with fields missing lists each, linked to its field. A summary and an
    // author's name are asked for, not required: an emailed piece has neither, and the one judge
    // takes pieces alike on both paths (the receipt asks for them).
    let mut fields = blog_fields("", "", &[], "submit");
    fields.retain(|(name, _)| !name.starts_with("author") && *name != "summary");
    let page = jo
        .post_multipart(&format!("/submissions/{id}/edit"), &fields, vec![])
        .await;
    assert_eq!(page.status, 400);
    for field in ["#days", "#title", "#body"] {
        assert!(
            page.body.contains(&format!("<a href=\"{field}\">")),
            "{field} missing from the summary"
        );
    }
    for field in ["#author_name_0", "#summary"] {
        assert!(
            !page.body.contains(&format!("<a href=\"{field}\">")),
            "{field} is not required"
        );
    }
    app.stop().await;
}
