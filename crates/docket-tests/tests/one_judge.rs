//! One judge for every piece: the same piece sent on the web form and by email gets the same
//! verdict — the same refusal or warning codes and the same sentences — for every kind, at,
//! under and over each soft and hard bound, in a format its kind does not take, on time, in the
//! grace period, late and after the deadline. Both backends.
//!
//! Each row is sent twice, by a contributor on the web (a fresh piece, submitted through the edit
//! form) and by email from a new address (as a new contributor writes). What each path shows is
//! read back as a person would meet it: the web's error summary (each item carries its code) or
//! its receipt, the email's "not sent" answer or its receipt; the codes of what was sent are in
//! the piece's audit trail on both paths.

use docket_app::ingest::{self, IngestSettings, Outcome};
use docket_core::ManualClock;
use docket_tests::app::{TestApp, Visitor};
use docket_tests::both_backends;
use docket_tests::db::TestDb;
use jiff::Timestamp;

both_backends! {
    every_piece_gets_the_same_verdict_on_the_web_and_by_email => parity,
    a_reply_the_judge_refuses_is_kept_as_a_draft_and_the_sender_told_what_to_fix => refused_replies,
    a_text_kind_sent_as_a_pdf_keeps_the_pdf_and_a_links_length_is_in_the_receipt => kept_as_sent,
}

const PASSWORD: &str = "correct horse battery";
const DOCX: &[u8] = include_bytes!("../../docket-documents/tests/fixtures/blog.docx");
const PDF: &[u8] = include_bytes!("../../docket-documents/tests/fixtures/report.pdf");
/// 6,617 bytes: under the test call's podcast byte limit.
const OGG: &[u8] = include_bytes!("../../docket-documents/tests/fixtures/tone.ogg");
/// 9,371 bytes: over it.
const MP3: &[u8] = include_bytes!("../../docket-documents/tests/fixtures/tone.mp3");

/// The seed call with every kind of bound set, a grace period and an inbox: the strict call
/// takes nothing after the grace period.
fn call_file(slug: &str, inbox: &str, accept_late: bool) -> String {
    docket_tests::SEED_CALL
        .replace(
            "slug = \"digital-justice-week-2022\"",
            &format!("slug = \"{slug}\"\ninbox = \"{inbox}\""),
        )
        .replace(
            "title = \"Digital Justice Week 2022\"",
            &format!("title = \"Parity week {slug}\""),
        )
        .replace(
            "time = 12:00:00\n",
            &format!("time = 12:00:00\ngrace_minutes = 30\naccept_late = {accept_late}\n"),
        )
        .replace(
            "words = { min = 600, max = 800, hard_max = 1000 }",
            "words = { min = 600, max = 800, hard_min = 300, hard_max = 1000 }",
        )
        .replace(
            "minutes = { max = 60 }\nbytes = { max = 104857600 }",
            "minutes = { max = 45, hard_max = 60 }\nbytes = { max = 8000 }",
        )
}

const STRICT: (&str, &str) = ("parity-strict", "strict@docket.example.org");
const LENIENT: (&str, &str) = ("parity-late", "late@docket.example.org");

/// Calls like the strict one whose whitepaper page bounds (the 3-page report is at, over or
/// under them) or podcast byte limit (the 6,617-byte Ogg is exactly at it) differ: each with
/// the line of the call file that says so.
const BOUNDS: [((&str, &str), &str, &str); 5] = [
    (
        ("parity-pages-at", "pages-at@docket.example.org"),
        "pages = { max = 40 }",
        "pages = { max = 3 }",
    ),
    (
        ("parity-pages-hard", "pages-hard@docket.example.org"),
        "pages = { max = 40 }",
        "pages = { max = 2, hard_max = 3 }",
    ),
    (
        ("parity-pages-over", "pages-over@docket.example.org"),
        "pages = { max = 40 }",
        "pages = { max = 1, hard_max = 2 }",
    ),
    (
        ("parity-pages-under", "pages-under@docket.example.org"),
        "pages = { max = 40 }",
        "pages = { min = 4, max = 40 }",
    ),
    (
        ("parity-bytes", "bytes@docket.example.org"),
        "bytes = { max = 8000 }",
        "bytes = { max = 6617 }",
    ),
];

/// When a row is sent.
#[derive(Clone, Copy)]
enum When {
    /// Mid-October: open.
    Open,
    /// Ten minutes after the deadline (12:00 GMT, 5 November 2022), inside the grace period.
    Grace,
    /// An hour after the deadline: past the grace period.
    After,
}

impl When {
    fn instant(self) -> Timestamp {
        match self {
            When::Open => "2022-10-20T09:00:00Z",
            When::Grace => "2022-11-05T12:10:00Z",
            When::After => "2022-11-05T13:00:00Z",
        }
        .parse()
        .expect("an instant")
    }
}

/// What the piece is.
enum Content {
    /// Pasted text of this many words.
    Words(usize),
    /// An attached or uploaded file.
    File(&'static str, &'static str, &'static [u8]),
    /// A link to an episode, with what the sender says of it.
    Link(&'static str, &'static str),
}

struct Row {
    name: &'static str,
    call: (&'static str, &'static str),
    when: When,
    /// The kind chosen on the web, and as the email names it.
    kind: &'static str,
    kind_words: &'static str,
    content: Content,
    /// The title's length (email: the subject, which names the kind and day); 0: none at all.
    title_chars: Option<usize>,
    refused: &'static [&'static str],
    /// The judge's warnings on a piece that was sent, in order.
    warned: &'static [&'static str],
}

const fn row(
    name: &'static str,
    kind: &'static str,
    kind_words: &'static str,
    content: Content,
    refused: &'static [&'static str],
    warned: &'static [&'static str],
) -> Row {
    Row {
        name,
        call: STRICT,
        when: When::Open,
        kind,
        kind_words,
        content,
        title_chars: None,
        refused,
        warned,
    }
}

const NO_SUMMARY: &str = "summary_missing";

fn rows() -> Vec<Row> {
    use Content::*;
    let docx = File(
        "Data blog.docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        DOCX,
    );
    let pdf = || File("Court report.pdf", "application/pdf", PDF);
    vec![
        // A guest blog: 600–800 words advised, 300 to 1,000 taken.
        row(
            "blog at the advised minimum",
            "blog",
            "guest blog",
            Words(600),
            &[],
            &[NO_SUMMARY],
        ),
        row(
            "blog under the advised minimum",
            "blog",
            "guest blog",
            Words(599),
            &[],
            &[NO_SUMMARY, "words_under_advised"],
        ),
        row(
            "blog at the advised maximum",
            "blog",
            "guest blog",
            Words(800),
            &[],
            &[NO_SUMMARY],
        ),
        row(
            "blog over the advised maximum",
            "blog",
            "guest blog",
            Words(801),
            &[],
            &[NO_SUMMARY, "words_over_advised"],
        ),
        row(
            "blog at the hard maximum",
            "blog",
            "guest blog",
            Words(1000),
            &[],
            &[NO_SUMMARY, "words_over_advised"],
        ),
        row(
            "blog over the hard maximum",
            "blog",
            "guest blog",
            Words(1001),
            &["words_over_limit"],
            &[],
        ),
        row(
            "blog at the hard minimum",
            "blog",
            "guest blog",
            Words(300),
            &[],
            &[NO_SUMMARY, "words_under_advised"],
        ),
        row(
            "blog under the hard minimum",
            "blog",
            "guest blog",
            Words(299),
            &["words_under_limit"],
            &[],
        ),
        row(
            "blog as a Word document",
            "blog",
            "guest blog",
            docx,
            &[],
            &[NO_SUMMARY],
        ),
        // A case study: 400–1,500 advised, at most 2,500.
        row(
            "case study at the advised minimum",
            "case-study",
            "case study",
            Words(400),
            &[],
            &[NO_SUMMARY],
        ),
        row(
            "case study at the advised maximum",
            "case-study",
            "case study",
            Words(1500),
            &[],
            &[NO_SUMMARY],
        ),
        row(
            "case study under the advised minimum",
            "case-study",
            "case study",
            Words(399),
            &[],
            &[NO_SUMMARY, "words_under_advised"],
        ),
        row(
            "case study over the advised maximum",
            "case-study",
            "case study",
            Words(1501),
            &[],
            &[NO_SUMMARY, "words_over_advised"],
        ),
        row(
            "case study at the hard maximum",
            "case-study",
            "case study",
            Words(2500),
            &[],
            &[NO_SUMMARY, "words_over_advised"],
        ),
        row(
            "case study over the hard maximum",
            "case-study",
            "case study",
            Words(2501),
            &["words_over_limit"],
            &[],
        ),
        row(
            "case study sent as a PDF keeps its kind",
            "case-study",
            "case study",
            pdf(),
            &[],
            &[NO_SUMMARY, "words_under_advised"],
        ),
        // A whitepaper: a PDF of up to 40 pages.
        row(
            "whitepaper as a PDF",
            "whitepaper",
            "whitepaper",
            pdf(),
            &[],
            &[NO_SUMMARY],
        ),
        Row {
            call: BOUNDS[0].0,
            ..row(
                "whitepaper at the advised page maximum",
                "whitepaper",
                "whitepaper",
                pdf(),
                &[],
                &[NO_SUMMARY],
            )
        },
        Row {
            call: BOUNDS[1].0,
            ..row(
                "whitepaper at the hard page maximum",
                "whitepaper",
                "whitepaper",
                pdf(),
                &[],
                &[NO_SUMMARY, "pages_over_advised"],
            )
        },
        Row {
            call: BOUNDS[2].0,
            ..row(
                "whitepaper over the hard page maximum",
                "whitepaper",
                "whitepaper",
                pdf(),
                &["pages_over_limit"],
                &[],
            )
        },
        Row {
            call: BOUNDS[3].0,
            ..row(
                "whitepaper under the advised page minimum",
                "whitepaper",
                "whitepaper",
                pdf(),
                &[],
                &[NO_SUMMARY, "pages_under_advised"],
            )
        },
        row(
            "whitepaper as a Word document",
            "whitepaper",
            "whitepaper",
            File(
                "Paper.docx",
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                DOCX,
            ),
            &["file_format"],
            &[],
        ),
        // A podcast: up to 45 minutes advised, 60 taken, files up to 8,000 bytes.
        row(
            "podcast as a small Ogg file",
            "podcast",
            "podcast episode",
            File("Episode.ogg", "audio/ogg", OGG),
            &[],
            &[NO_SUMMARY],
        ),
        Row {
            call: BOUNDS[4].0,
            ..row(
                "podcast file exactly at the byte limit",
                "podcast",
                "podcast episode",
                File("Episode.ogg", "audio/ogg", OGG),
                &[],
                &[NO_SUMMARY],
            )
        },
        row(
            "podcast file over the byte limit",
            "podcast",
            "podcast episode",
            File("Episode.mp3", "audio/mpeg", MP3),
            &["file_too_large"],
            &[],
        ),
        row(
            "podcast as a Word document",
            "podcast",
            "podcast episode",
            File(
                "Episode.docx",
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                DOCX,
            ),
            &["file_format"],
            &[],
        ),
        row(
            "podcast link with its length",
            "podcast",
            "podcast episode",
            Link("https://pods.example.org/ep12.mp3", "25 minutes"),
            &[],
            &[NO_SUMMARY],
        ),
        row(
            "podcast link without a length",
            "podcast",
            "podcast episode",
            Link("https://pods.example.org/ep13.mp3", ""),
            &[],
            &[NO_SUMMARY, "duration_unknown"],
        ),
        row(
            "podcast link at the advised length",
            "podcast",
            "podcast episode",
            Link("https://pods.example.org/ep16.mp3", "45 minutes"),
            &[],
            &[NO_SUMMARY],
        ),
        row(
            "podcast link at the hard length",
            "podcast",
            "podcast episode",
            Link("https://pods.example.org/ep17.mp3", "a 60-minute episode"),
            &[],
            &[NO_SUMMARY, "minutes_over_advised"],
        ),
        row(
            "podcast link over the advised length",
            "podcast",
            "podcast episode",
            Link("https://pods.example.org/ep14.mp3", "50 minutes"),
            &[],
            &[NO_SUMMARY, "minutes_over_advised"],
        ),
        row(
            "podcast link over the hard length",
            "podcast",
            "podcast episode",
            Link("https://pods.example.org/ep15.mp3", "75 minutes"),
            &["minutes_over_limit"],
            &[],
        ),
        // A title longer than 300 characters.
        Row {
            title_chars: Some(301),
            ..row(
                "title over 300 characters",
                "blog",
                "guest blog",
                Words(700),
                &["title_too_long"],
                &[],
            )
        },
        // No title: a blank field, an empty subject (the message says the kind and day).
        Row {
            title_chars: Some(0),
            ..row(
                "podcast link with no title",
                "podcast",
                "podcast episode",
                Link("https://pods.example.org/ep18.mp3", "25 minutes"),
                &["title_missing"],
                &[],
            )
        },
        Row {
            title_chars: Some(300),
            ..row(
                "title of 300 characters",
                "blog",
                "guest blog",
                Words(700),
                &[],
                &[NO_SUMMARY],
            )
        },
        // The deadline, its grace, and late pieces.
        Row {
            when: When::Grace,
            ..row(
                "blog in the grace period",
                "blog",
                "guest blog",
                Words(700),
                &[],
                &["in_grace", NO_SUMMARY],
            )
        },
        Row {
            when: When::Grace,
            ..row(
                "blog over the limit in the grace period",
                "blog",
                "guest blog",
                Words(1200),
                &["words_over_limit"],
                &[],
            )
        },
        Row {
            when: When::After,
            ..row(
                "blog after the deadline",
                "blog",
                "guest blog",
                Words(700),
                &["closed"],
                &[],
            )
        },
        Row {
            when: When::After,
            call: LENIENT,
            ..row(
                "blog after the deadline of a call that takes late pieces",
                "blog",
                "guest blog",
                Words(700),
                &[],
                &["late", NO_SUMMARY],
            )
        },
    ]
}

/// `n` words of plausible prose, each counted once by the word counter.
fn prose(n: usize) -> String {
    const SENTENCE: [&str; 12] = [
        "Probation",
        "officers",
        "now",
        "see",
        "police",
        "records",
        "the",
        "same",
        "day,",
        "which",
        "changes",
        "everything.",
    ];
    let mut words: Vec<&str> = Vec::with_capacity(n);
    for index in 0..n {
        words.push(SENTENCE[index % SENTENCE.len()]);
    }
    // Paragraphs of about sixty words, as people write.
    words
        .chunks(60)
        .map(|chunk| chunk.join(" "))
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// The piece's title, which names its kind and day (an email's subject, read by Docket for both).
fn title(row: &Row) -> String {
    if row.title_chars == Some(0) {
        return String::new();
    }
    let mut title = format!("Our {} for Tuesday: {}", row.kind_words, row.name);
    if let Some(chars) = row.title_chars {
        while title.chars().count() < chars {
            title.push('x');
        }
    }
    title
}

/// The email: the kind and day said in the text, the piece pasted, attached or linked.
fn message(row: &Row, index: usize, from: &str) -> Vec<u8> {
    let boundary = "------------parity7Hq2Zb";
    let (text, attachment) = match &row.content {
        Content::Words(n) => (prose(*n), None),
        Content::File(name, mime, bytes) => (
            format!(
                "Hi Jago,\n\nPlease find attached our {} for Tuesday.\n\nBest wishes,\nAda",
                row.kind_words
            ),
            Some((*name, *mime, *bytes)),
        ),
        Content::Link(link, length) => (
            format!(
                "Hi Jago,\n\nOur {} for Tuesday is here: {link}{}\n\nBest wishes,\nAda",
                row.kind_words,
                if length.is_empty() {
                    String::new()
                } else {
                    format!(", {length}.")
                }
            ),
            None,
        ),
    };
    // The subject names the kind and the day, so pasted text is the piece alone.
    let mut raw = format!(
        "Message-ID: <parity-{index}-{}@example.org>\r\nDate: Thu, 20 Oct 2022 10:15:00 +0100\r\n\
         MIME-Version: 1.0\r\nFrom: Ada Lovelace <{from}>\r\nTo: Jago <{}>\r\nSubject: {}\r\n\
         Content-Type: multipart/mixed; boundary=\"{boundary}\"\r\n\r\n\
         --{boundary}\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{}\r\n",
        row.call.0,
        row.call.1,
        title(row),
        text.replace('\n', "\r\n"),
    );
    if let Some(attachment) = attachment {
        raw.push_str(&attachment_part(boundary, attachment));
    }
    raw.push_str(&format!("--{boundary}--\r\n"));
    raw.into_bytes()
}

/// One attachment part of a multipart message, its content in base64 lines as mail clients wrap it.
fn attachment_part(boundary: &str, (name, mime, bytes): (&str, &str, &[u8])) -> String {
    use base64::Engine;
    let encoded = base64::engine::general_purpose::STANDARD.encode(bytes);
    let lines: Vec<String> = encoded
        .as_bytes()
        .chunks(76)
        .map(|line| String::from_utf8_lossy(line).into_owned())
        .collect();
    format!(
        "--{boundary}\r\nContent-Type: {mime}; name=\"{name}\"\r\nContent-Disposition: attachment; filename=\"{name}\"\r\n\
         Content-Transfer-Encoding: base64\r\n\r\n{}\r\n",
        lines.join("\r\n")
    )
}

/// What one path said of a piece.
#[derive(Debug, PartialEq)]
struct Seen {
    refused: Vec<String>,
    warned: Vec<String>,
    /// The sentences a person read: the refusals, or the receipt's notes.
    sentences: Vec<String>,
    late: bool,
}

fn unescape(html: &str) -> String {
    html.replace("&#x27;", "'")
        .replace("&#39;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// The error summary's items: (code, sentence).
fn summary_items(html: &str) -> Vec<(String, String)> {
    let mut items = Vec::new();
    let mut rest = html;
    while let Some(at) = rest.find("<li data-code=\"") {
        rest = &rest[at + "<li data-code=\"".len()..];
        let code = rest[..rest.find('"').expect("a closing quote")].to_owned();
        let start = rest.find('>').expect("the link") + 1;
        let start = start + rest[start..].find('>').expect("the link's text") + 1;
        let end = start + rest[start..].find("</a>").expect("the link's end");
        items.push((code, unescape(&rest[start..end])));
    }
    items
}

/// The notes a receipt lists ("Note: … ."), and whether it says the piece is late.
fn receipt_notes(text: &str) -> (Vec<String>, bool) {
    let notes = text
        .lines()
        .filter_map(|line| line.strip_prefix("Note: "))
        .map(|note| note.trim_end_matches('.').to_owned())
        .collect();
    (
        notes,
        text.contains("It arrived after the deadline and is marked late."),
    )
}

async fn audit_detail(app: &TestApp, id: i64, action: &str) -> serde_json::Value {
    app.store
        .audit_trail(&format!("submission:{id}"))
        .await
        .expect("the audit trail")
        .into_iter()
        .rev()
        .find(|event| event.action == action)
        .unwrap_or_else(|| panic!("no {action} event for piece {id}"))
        .detail
}

fn codes(value: &serde_json::Value) -> Vec<String> {
    value
        .as_array()
        .map(|codes| {
            codes
                .iter()
                .filter_map(|c| c.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

async fn by_web(app: &TestApp, web: &Visitor, row: &Row) -> Seen {
    let slug = row.call.0;
    // Started while the call is open, as a contributor would; sent at the row's moment.
    app.clock.set(When::Open.instant());
    let page = web
        .post(
            &format!("/calls/{slug}/submit"),
            &[("kind", row.kind), ("day", "2022-11-15")],
        )
        .await;
    assert_eq!(page.status, 303, "{}: start: {}", row.name, page.body);
    let id = page.piece_id();
    app.clock.set(row.when.instant());
    let title = title(row);
    let mut fields: Vec<(&str, String)> = vec![
        ("kind", row.kind.into()),
        ("day", "2022-11-15".into()),
        ("title", title),
        ("author_name_0", "Ada Lovelace".into()),
        ("action", "submit".into()),
    ];
    let mut files = Vec::new();
    match &row.content {
        Content::Words(n) => fields.push(("body", prose(*n))),
        Content::File(name, _, bytes) => files.push(("document", *name, bytes.to_vec())),
        Content::Link(link, length) => {
            fields.push(("link", (*link).into()));
            fields.push(("minutes", (*length).into()));
        }
    }
    let borrowed: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let page = web
        .post_multipart(&format!("/submissions/{id}/edit"), &borrowed, files)
        .await;
    match page.status {
        303 => {
            let receipt = app
                .mail_to("web-parity@example.org")
                .await
                .into_iter()
                .next()
                .expect("a receipt");
            assert!(
                receipt.subject.starts_with("Received"),
                "{}: {}",
                row.name,
                receipt.subject
            );
            let (notes, late) = receipt_notes(&receipt.text);
            let detail = audit_detail(app, id, "submission.submitted").await;
            Seen {
                refused: vec![],
                warned: codes(&detail["findings"]),
                sentences: notes,
                late,
            }
        }
        400 => {
            let items = summary_items(&page.body);
            Seen {
                refused: items.iter().map(|(code, _)| code.clone()).collect(),
                warned: vec![],
                sentences: items.into_iter().map(|(_, sentence)| sentence).collect(),
                late: false,
            }
        }
        409 => {
            // Closed: the page says so in the judge's words.
            let sentence = docket_core::judge::closed_sentence(
                &app.store.call(slug).await.unwrap().expect("the call").call,
            );
            assert!(
                unescape(&page.body).contains(&sentence),
                "{}: {}",
                row.name,
                page.body
            );
            Seen {
                refused: vec!["closed".into()],
                warned: vec![],
                sentences: vec![sentence],
                late: false,
            }
        }
        other => panic!("{}: the web answered {other}: {}", row.name, page.body),
    }
}

async fn by_email(app: &TestApp, row: &Row, index: usize) -> Seen {
    app.clock.set(row.when.instant());
    let from = format!("mail-parity-{index}@example.org");
    let mailer = docket_mail::Mailer::new("https://docket.example.org");
    let clock: &ManualClock = &app.clock;
    let outcome = ingest::ingest(
        app.store.as_ref(),
        clock,
        &mailer,
        &message(row, index, &from),
        &IngestSettings::default(),
    )
    .await
    .expect("ingested");
    let answer = app
        .mail_to(&from)
        .await
        .into_iter()
        .next()
        .expect("an answer");
    match outcome {
        Outcome::Submission(id) => {
            let (notes, late) = receipt_notes(&answer.text);
            let detail = audit_detail(app, id.0, "submission.submitted_by_email").await;
            Seen {
                refused: vec![],
                warned: codes(&detail["findings"]),
                sentences: notes,
                late,
            }
        }
        Outcome::Draft(id) => {
            let detail = audit_detail(app, id.0, "submission.kept_as_draft_by_email").await;
            let record = app.store.submission(id).await.unwrap().expect("the draft");
            assert_eq!(record.state.as_str(), "draft", "{}", row.name);
            assert_eq!(record.revision_count, 0, "{}: no revision", row.name);
            assert!(
                answer.text.contains(&format!("/submissions/{}/edit", id.0)),
                "{}: the answer links to the draft: {}",
                row.name,
                answer.text
            );
            Seen {
                refused: codes(&detail["refused"]),
                warned: vec![],
                sentences: answer
                    .text
                    .lines()
                    .filter_map(|line| line.strip_prefix("- "))
                    .map(|line| line.trim_end_matches('.').to_owned())
                    .collect(),
                late: false,
            }
        }
        Outcome::Triage(reason) if reason == "after the deadline" => Seen {
            refused: vec!["closed".into()],
            warned: vec![],
            sentences: vec![docket_core::judge::closed_sentence(
                &app.store
                    .call(row.call.0)
                    .await
                    .unwrap()
                    .expect("the call")
                    .call,
            )]
            .into_iter()
            .filter(|sentence| answer.text.contains(sentence.as_str()))
            .collect(),
            late: false,
        },
        other => panic!("{}: by email: {other:?}", row.name),
    }
}

async fn parity(db: &TestDb) {
    // The rows move the clock across three weeks: a session that outlives them.
    let config = docket_web::WebConfig {
        session_idle: jiff::SignedDuration::from_hours(24 * 60),
        session_lifetime: jiff::SignedDuration::from_hours(24 * 60),
        ..docket_web::WebConfig::default()
    };
    let app = TestApp::spawn_with(db, config).await;
    app.import(&call_file(STRICT.0, STRICT.1, false)).await;
    app.import(&call_file(LENIENT.0, LENIENT.1, true)).await;
    for ((slug, inbox), line, bound) in BOUNDS {
        let file = call_file(slug, inbox, false);
        assert!(file.contains(line), "{slug}: the call file has {line:?}");
        app.import(&file.replacen(line, bound, 1)).await;
    }
    let web = app.signed_up("web-parity@example.org", PASSWORD).await;
    let rows = rows();
    assert!(rows.len() >= 25, "at least 25 pieces");
    for (index, row) in rows.iter().enumerate() {
        let on_web = by_web(&app, &web, row).await;
        let by_mail = by_email(&app, row, index).await;
        let expected_refused: Vec<String> = row.refused.iter().map(|c| c.to_string()).collect();
        assert_eq!(
            on_web.refused, expected_refused,
            "{}: refused on the web",
            row.name
        );
        if row.refused.is_empty() {
            let expected: Vec<String> = row.warned.iter().map(|c| c.to_string()).collect();
            assert_eq!(on_web.warned, expected, "{}: warnings on the web", row.name);
            assert_eq!(
                on_web.late,
                row.warned.contains(&"late"),
                "{}: late flag",
                row.name
            );
        }
        assert!(
            !on_web.sentences.iter().any(String::is_empty),
            "{}",
            row.name
        );
        assert_eq!(on_web, by_mail, "{}: the web and email disagree", row.name);
    }
    app.stop().await;
}

/// A reply to a piece's own address, from its owner, with `(name, mime, bytes)` attached.
fn reply(
    id: i64,
    token: &str,
    index: usize,
    from: &str,
    attachment: (&str, &str, &[u8]),
) -> Vec<u8> {
    let boundary = "------------reply4Kd9";
    format!(
        "Message-ID: <reply-{index}@example.org>\r\nDate: Fri, 21 Oct 2022 10:15:00 +0100\r\nMIME-Version: 1.0\r\n\
         From: Ada Lovelace <{from}>\r\nTo: <strict+s{id}-{token}@docket.example.org>\r\nSubject: Re: the new version\r\n\
         Content-Type: multipart/mixed; boundary=\"{boundary}\"\r\n\r\n\
         --{boundary}\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\nHere is the new version.\r\n{}--{boundary}--\r\n",
        attachment_part(boundary, attachment)
    )
    .into_bytes()
}

async fn refused_replies(db: &TestDb) {
    let app = TestApp::spawn(db).await;
    app.import(&call_file(STRICT.0, STRICT.1, false)).await;
    app.clock.set(When::Open.instant());
    let mailer = docket_mail::Mailer::new("https://docket.example.org");
    let ingest = |raw: Vec<u8>| {
        let app = &app;
        let mailer = &mailer;
        async move {
            ingest::ingest(
                app.store.as_ref(),
                &app.clock,
                mailer,
                &raw,
                &IngestSettings::default(),
            )
            .await
            .expect("ingested")
        }
    };
    let blog = rows()
        .into_iter()
        .find(|row| row.name == "blog at the advised maximum")
        .unwrap();
    let from = "ada@example.org";
    let Outcome::Submission(id) = ingest(message(&blog, 100, from)).await else {
        panic!("the first version is sent")
    };
    let first = app.store.submission(id).await.unwrap().unwrap();
    // A new version over the hard limit: the text is kept as the draft, not as a revision.
    let long = prose(1200);
    let outcome = ingest(reply(
        id.0,
        &first.reply_token,
        1,
        from,
        ("blog.txt", "text/plain", long.as_bytes()),
    ))
    .await;
    assert_eq!(
        outcome,
        Outcome::Reply {
            submission_id: id,
            revised: false
        }
    );
    let after = app.store.submission(id).await.unwrap().unwrap();
    assert_eq!(after.revision_count, 1, "no new revision");
    assert_eq!(
        after.state.as_str(),
        "submitted",
        "the sent version still stands"
    );
    assert_eq!(
        docket_core::text::count_markdown_words(&after.draft.body),
        1200,
        "the new text is kept, as the draft"
    );
    assert_eq!(
        app.store.revisions(id).await.unwrap()[0].piece.body,
        first.draft.body
    );
    let answer = app.mail_to(from).await.remove(0);
    assert!(
        answer.subject.starts_with("Not sent yet"),
        "{}",
        answer.subject
    );
    assert!(
        answer.text.contains("- This guest blog is 1200 words: the call asks for 600–800 words and takes at most 1000 words. Cut about 400 words."),
        "{}",
        answer.text
    );
    assert!(answer.text.contains(&format!("/submissions/{}/edit", id.0)));
    assert!(
        answer
            .reply_to
            .as_deref()
            .is_some_and(|to| to.contains(&first.reply_token)),
        "a reply to the answer finds the piece"
    );
    // A corrected version within the limit becomes revision 2.
    let fixed = prose(750);
    let outcome = ingest(reply(
        id.0,
        &first.reply_token,
        2,
        from,
        ("blog.txt", "text/plain", fixed.as_bytes()),
    ))
    .await;
    assert_eq!(
        outcome,
        Outcome::Reply {
            submission_id: id,
            revised: true
        }
    );
    let after = app.store.submission(id).await.unwrap().unwrap();
    assert_eq!(after.revision_count, 2);
    assert!(
        app.mail_to(from)
            .await
            .remove(0)
            .subject
            .starts_with("Received revision 2")
    );

    // A whitepaper answered with a Word file: refused for the piece's own kind, although the
    // call takes Word files for its blogs.
    let paper = rows()
        .into_iter()
        .find(|row| row.name == "whitepaper as a PDF")
        .unwrap();
    let from = "grace@example.org";
    let Outcome::Submission(id) = ingest(message(&paper, 101, from)).await else {
        panic!("the whitepaper is sent")
    };
    let record = app.store.submission(id).await.unwrap().unwrap();
    let docx = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
    let outcome = ingest(reply(
        id.0,
        &record.reply_token,
        3,
        from,
        ("Paper.docx", docx, DOCX),
    ))
    .await;
    assert_eq!(
        outcome,
        Outcome::Reply {
            submission_id: id,
            revised: false
        }
    );
    let after = app.store.submission(id).await.unwrap().unwrap();
    assert_eq!(after.revision_count, 1);
    assert_eq!(
        after.draft.document, record.draft.document,
        "the PDF stays the piece's file"
    );
    let answer = app.mail_to(from).await.remove(0);
    assert!(
        answer.text.contains("This file is a Word document (.docx), which a whitepaper cannot be sent as: send a PDF."),
        "{}",
        answer.text
    );

    // A new version that cannot be read (a Word file cut short): never silence. The piece is
    // unchanged and the answer says why, with where to change it.
    let from = "ada@example.org";
    let before = app.store.submission(first.id).await.unwrap().unwrap();
    let outcome = ingest(reply(
        first.id.0,
        &first.reply_token,
        4,
        from,
        ("blog.docx", docx, &DOCX[..DOCX.len() / 2]),
    ))
    .await;
    assert_eq!(
        outcome,
        Outcome::Reply {
            submission_id: first.id,
            revised: false
        }
    );
    let after = app.store.submission(first.id).await.unwrap().unwrap();
    assert_eq!(after.revision_count, before.revision_count);
    assert_eq!(after.draft, before.draft, "nothing of the piece changed");
    let answer = app.mail_to(from).await.remove(0);
    for said in [
        format!(
            "Your guest blog \u{201c}{}\u{201d} is unchanged",
            before.draft.title
        ),
        format!("/submissions/{}/edit", first.id.0),
    ] {
        assert!(answer.text.contains(&said), "{said:?}: {}", answer.text);
    }

    // After the deadline, a new version is answered with the call's closing words.
    app.clock.set(When::After.instant());
    let fixed = prose(760);
    let outcome = ingest(reply(
        first.id.0,
        &first.reply_token,
        5,
        from,
        ("blog.txt", "text/plain", fixed.as_bytes()),
    ))
    .await;
    assert_eq!(
        outcome,
        Outcome::Reply {
            submission_id: first.id,
            revised: false
        }
    );
    let after = app.store.submission(first.id).await.unwrap().unwrap();
    assert_eq!(after.revision_count, before.revision_count);
    assert_eq!(after.draft, before.draft);
    let answer = app.mail_to(from).await.remove(0);
    assert!(
        answer.text.contains("Submissions and changes are closed")
            && answer.text.contains("is unchanged"),
        "{}",
        answer.text
    );
    app.stop().await;
}

/// What each path stored and said: a case study sent as a PDF stays a case study, its words
/// counted from the PDF's text and the PDF kept as its document; a podcast link's length given
/// in words is the receipt's length, and a link without one is left to the editors.
async fn kept_as_sent(db: &TestDb) {
    let app = TestApp::spawn(db).await;
    app.import(&call_file(STRICT.0, STRICT.1, false)).await;
    app.clock.set(When::Open.instant());
    let web = app.signed_up("web-parity@example.org", PASSWORD).await;
    let named = |name: &str| rows().into_iter().find(|row| row.name == name).unwrap();
    let pdf_row = named("case study sent as a PDF keeps its kind");
    let with_length = named("podcast link with its length");
    let without_length = named("podcast link without a length");

    // By email.
    let mailer = docket_mail::Mailer::new("https://docket.example.org");
    let mut by_mail = Vec::new();
    for (index, row) in [&pdf_row, &with_length, &without_length]
        .into_iter()
        .enumerate()
    {
        let from = format!("kept-{index}@example.org");
        let outcome = ingest::ingest(
            app.store.as_ref(),
            &app.clock,
            &mailer,
            &message(row, 200 + index, &from),
            &IngestSettings::default(),
        )
        .await
        .expect("ingested");
        let Outcome::Submission(id) = outcome else {
            panic!("{}: {outcome:?}", row.name)
        };
        let receipt = app.mail_to(&from).await.remove(0);
        by_mail.push((id.0, receipt.text));
    }
    // On the web.
    let mut on_web = Vec::new();
    for row in [&pdf_row, &with_length, &without_length] {
        let page = web
            .post(
                &format!("/calls/{}/submit", STRICT.0),
                &[("kind", row.kind), ("day", "2022-11-15")],
            )
            .await;
        let id = page.piece_id();
        let mut fields = vec![
            ("kind", row.kind.to_owned()),
            ("day", "2022-11-15".to_owned()),
            ("title", title(row)),
            ("author_name_0", "Ada Lovelace".to_owned()),
            ("action", "submit".to_owned()),
        ];
        let mut files = Vec::new();
        match &row.content {
            Content::File(name, _, bytes) => files.push(("document", *name, bytes.to_vec())),
            Content::Link(link, length) => {
                fields.push(("link", (*link).to_owned()));
                fields.push(("minutes", (*length).to_owned()));
            }
            Content::Words(_) => unreachable!("rows with a file or a link"),
        }
        let borrowed: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let sent = web
            .post_multipart(&format!("/submissions/{id}/edit"), &borrowed, files)
            .await;
        assert_eq!(sent.status, 303, "{}: {}", row.name, sent.body);
        let receipt = app.mail_to("web-parity@example.org").await.remove(0);
        on_web.push((id, receipt.text));
    }
    for (path, pieces) in [("email", &by_mail), ("web", &on_web)] {
        // The case study: its kind kept, the PDF its document, its words read from the PDF.
        let (id, receipt) = &pieces[0];
        let record = app
            .store
            .submission(docket_store::SubmissionId(*id))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(record.draft.kind, "case-study", "{path}");
        let document = record.draft.document.as_ref().expect("the PDF is kept");
        assert_eq!(document.mime, "application/pdf", "{path}");
        let asset = app.store.asset(document.id).await.unwrap().expect("stored");
        assert_eq!(asset.bytes, PDF, "{path}: the PDF as sent");
        assert!(record.draft.words.is_some_and(|words| words > 0), "{path}");
        assert!(receipt.contains("Kind: Case study"), "{path}: {receipt}");
        assert!(
            receipt.contains(&format!("Length: {} words", record.draft.words.unwrap())),
            "{path}: {receipt}"
        );
        // The link with its length in words: the receipt's length.
        let (_, receipt) = &pieces[1];
        assert!(receipt.contains("Length: 25 minutes"), "{path}: {receipt}");
        // Without one: no length, and a note that the editors will check it.
        let (_, receipt) = &pieces[2];
        assert!(!receipt.contains("Length:"), "{path}: {receipt}");
        assert!(
            receipt.contains("until then the editors will check its length"),
            "{path}: {receipt}"
        );
    }
    app.stop().await;
}
