//! Inbound email: a corpus of messages written the way real clients write them, each read with
//! `parse` and then `recognise` against the seed call and checked against `expected.toml`; then
//! hostile input, which must give an error or a sane result and never a panic.

use std::path::PathBuf;
use std::sync::LazyLock;
use std::time::{Duration, Instant};

use docket_core::Call;
use docket_core::call_file;
use docket_core::recognise::{candidate_days, kind};
use docket_core::submission::CandidateDays;
use docket_mail::inbound::{self, InboundError, MAX_MESSAGE_BYTES, parse, reply_token};
use proptest::prelude::*;

const SEED: &str = include_str!("../../../calls/digital-justice-week-2022.toml");

static CALL: LazyLock<Call> =
    LazyLock::new(|| call_file::check(SEED).call.expect("the seed call reads"));

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/inbound")
}

fn strings(table: &toml::Table, key: &str) -> Vec<String> {
    table
        .get(key)
        .and_then(|v| v.as_array())
        .unwrap_or_else(|| panic!("`{key}` must be an array"))
        .iter()
        .map(|v| v.as_str().expect("strings").to_owned())
        .collect()
}

fn string(table: &toml::Table, key: &str) -> String {
    table
        .get(key)
        .and_then(|v| v.as_str())
        .unwrap_or_else(|| panic!("`{key}` must be a string"))
        .to_owned()
}

/// Checks one message against its expectations; returns what differs.
fn check(expected: &toml::Table) -> Vec<String> {
    let file = string(expected, "file");
    let raw = std::fs::read(fixtures().join(&file)).expect("fixture exists");
    let message = match parse(&raw) {
        Ok(message) => message,
        Err(error) => return vec![format!("{file}: {error}")],
    };
    let mut problems = Vec::new();
    let mut expect = |what: &str, got: String, want: String| {
        if got != want {
            problems.push(format!("{file}: {what}: got {got:?}, expected {want:?}"));
        }
    };
    let (from_name, from) = message.from.clone().unwrap_or_default();
    expect("from", from.into_string(), string(expected, "from"));
    expect(
        "from_name",
        from_name.unwrap_or_default(),
        string(expected, "from_name"),
    );
    expect(
        "subject",
        message.subject.clone(),
        string(expected, "subject"),
    );

    let read = format!("{}\n{}", message.subject, message.text);
    let days = match candidate_days(&CALL, &read) {
        None => Vec::new(),
        Some(CandidateDays::AnyDay) => vec!["any".to_owned()],
        Some(CandidateDays::Days(days)) => days.iter().map(ToString::to_string).collect(),
    };
    expect(
        "days",
        format!("{days:?}"),
        format!("{:?}", strings(expected, "days")),
    );
    let mimes: Vec<&str> = message
        .attachments
        .iter()
        .map(|a| a.mime.as_str())
        .collect();
    expect(
        "kind",
        kind(&CALL, &read, &mimes).unwrap_or_default(),
        string(expected, "kind"),
    );
    let names: Vec<String> = message
        .attachments
        .iter()
        .map(|a| a.name.clone().unwrap_or_default())
        .collect();
    expect(
        "attachments",
        format!("{names:?}"),
        format!("{:?}", strings(expected, "attachments")),
    );
    expect(
        "mimes",
        format!("{mimes:?}"),
        format!("{:?}", strings(expected, "mimes")),
    );
    // Who wrote a forwarded message; "" for a message that forwards nothing.
    let forwarded = message
        .forwarded_from
        .as_ref()
        .map(|person| match (&person.name, &person.address) {
            (Some(name), Some(address)) => format!("{name} <{}>", address.as_str()),
            (Some(name), None) => name.clone(),
            (None, Some(address)) => address.as_str().to_owned(),
            (None, None) => String::new(),
        })
        .unwrap_or_default();
    expect(
        "forwarded_from",
        forwarded,
        expected
            .get("forwarded_from")
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_owned(),
    );
    for attachment in &message.attachments {
        if attachment.bytes.is_empty() {
            problems.push(format!("{file}: attachment {:?} is empty", attachment.name));
        }
        if attachment.mime.contains("wordprocessingml") || attachment.mime.contains("opendocument")
        {
            // The attached document arrives whole: a zip archive.
            if !attachment.bytes.starts_with(b"PK\x03\x04") {
                problems.push(format!("{file}: {:?} is not a zip", attachment.name));
            }
        }
    }
    let automatic = expected
        .get("automatic")
        .and_then(|v| v.as_bool())
        .expect("automatic");
    if message.automatic.is_some() != automatic {
        problems.push(format!(
            "{file}: automatic: got {:?}, expected {automatic}",
            message.automatic
        ));
    }
    let contains = string(expected, "contains");
    if !message.text.contains(&contains) {
        problems.push(format!(
            "{file}: text lacks {contains:?}:\n---\n{}\n---",
            message.text
        ));
    }
    for lacks in strings(expected, "lacks") {
        if message.text.contains(&lacks) {
            problems.push(format!(
                "{file}: text holds {lacks:?}:\n---\n{}\n---",
                message.text
            ));
        }
    }
    if let Some(token) = expected.get("reply_token").and_then(|v| v.as_str()) {
        let mut addresses = message.to.clone();
        addresses.extend(message.cc.clone());
        let got = reply_token(&addresses, Some("docket.techuk.example"));
        if got.as_deref() != Some(token) {
            problems.push(format!(
                "{file}: reply_token: got {got:?}, expected {token}"
            ));
        }
    }
    problems
}

#[test]
fn the_corpus_reads_as_expected() {
    let source = std::fs::read_to_string(fixtures().join("expected.toml")).expect("expected.toml");
    let table: toml::Table = source.parse().expect("expected.toml parses");
    let messages = table
        .get("message")
        .and_then(|v| v.as_array())
        .expect("[[message]] entries");
    // Every fixture has its expectations, and every expectation its fixture.
    let mut listed: Vec<String> = messages
        .iter()
        .map(|m| string(m.as_table().expect("table"), "file"))
        .collect();
    listed.sort();
    let mut on_disk: Vec<String> = std::fs::read_dir(fixtures())
        .expect("fixtures folder")
        .filter_map(|entry| entry.ok())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".eml"))
        .collect();
    on_disk.sort();
    assert_eq!(listed, on_disk, "expected.toml and the .eml files differ");
    assert!(listed.len() >= 12, "a corpus of at least a dozen messages");

    let problems: Vec<String> = messages
        .iter()
        .flat_map(|m| check(m.as_table().expect("table")))
        .collect();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn headers_and_threading_are_read() {
    let raw = std::fs::read(fixtures().join("outlook-html-only.eml")).unwrap();
    let message = parse(&raw).unwrap();
    assert_eq!(
        message.message_id.as_deref(),
        Some("AM0PR07MB6340B1C2D7E8F9A0B1C2D3E4F5A6B7C8@AM0PR07MB6340.eurprd07.prod.outlook.com")
    );
    assert_eq!(
        message.in_reply_to.as_deref(),
        Some("CAF7k2x1y2z3w4v5u6t7@mail.gmail.com")
    );
    assert_eq!(
        message.references,
        vec!["CAF7k2x1y2z3w4v5u6t7@mail.gmail.com"]
    );
    assert_eq!(message.to, vec!["jago@techuk.org"]);

    let raw = std::fs::read(fixtures().join("gmail-reply-any-day.eml")).unwrap();
    let message = parse(&raw).unwrap();
    assert_eq!(message.cc, vec!["mina.park@courtside.example"]);
    assert_eq!(message.reply_to, None);
}

#[test]
fn the_attached_docx_is_the_real_file() {
    let raw = std::fs::read(fixtures().join("apple-mail-rfc2231.eml")).unwrap();
    let message = parse(&raw).unwrap();
    let original = std::fs::read(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../docket-documents/tests/fixtures/blog.docx"),
    )
    .unwrap();
    assert_eq!(message.attachments.len(), 1);
    assert_eq!(message.attachments[0].bytes, original);
}

#[test]
fn automatic_messages_say_why() {
    let reason = |file: &str| {
        parse(&std::fs::read(fixtures().join(file)).unwrap())
            .unwrap()
            .automatic
            .unwrap_or_default()
    };
    assert_eq!(reason("out-of-office.eml"), "Auto-Submitted: auto-replied");
    assert!(reason("newsletter-list.eml").starts_with("Precedence: bulk"));
    assert!(!reason("bounce.eml").is_empty());

    let with = |header: &str| {
        let raw = format!(
            "{header}\r\nFrom: a@example.org\r\nTo: b@example.org\r\nSubject: Hi\r\n\r\nBody\r\n"
        );
        parse(raw.as_bytes()).unwrap().automatic
    };
    assert_eq!(with("Auto-Submitted: no"), None);
    assert!(with("Auto-Submitted: auto-generated").is_some());
    assert!(with("Precedence: junk").is_some());
    assert_eq!(with("Precedence: first-class"), None);
    assert!(with("List-Id: <a.lists.example.org>").is_some());
    assert!(with("X-Autoreply: yes").is_some());
    assert!(with("X-Autorespond: On vacation").is_some());
    assert!(with("Return-Path: <>").is_some());
    let postmaster = parse(b"From: postmaster@example.org\r\nSubject: x\r\n\r\nhi\r\n").unwrap();
    assert!(postmaster.automatic.is_some());
    let report = parse(
        b"From: a@example.org\r\nContent-Type: multipart/report; report-type=disposition-notification; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nRead\r\n--b--\r\n",
    )
    .unwrap();
    assert!(
        report
            .automatic
            .unwrap()
            .contains("disposition-notification")
    );
}

#[test]
fn errors_explain_themselves() {
    assert_eq!(parse(b""), Err(InboundError::Empty));
    assert_eq!(parse(b" \r\n\t"), Err(InboundError::Empty));
    for error in [
        InboundError::Empty,
        InboundError::NotAMessage,
        InboundError::TooLarge {
            size: 60 * 1024 * 1024,
            limit: MAX_MESSAGE_BYTES,
        },
    ] {
        assert!(!error.user_message().is_empty());
        assert!(!error.to_string().is_empty());
    }
    let too_large = InboundError::TooLarge {
        size: 60 * 1024 * 1024,
        limit: MAX_MESSAGE_BYTES,
    };
    assert!(
        too_large.user_message().contains("60 MB"),
        "{}",
        too_large.user_message()
    );
}

// ---------------------------------------------------------------------------------------------
// Hostile input: an error or a sane result, never a panic, in reasonable time.

fn timed<T>(what: &str, limit: Duration, run: impl FnOnce() -> T) -> T {
    let started = Instant::now();
    let result = run();
    assert!(
        started.elapsed() < limit,
        "{what} took {:?}",
        started.elapsed()
    );
    result
}

#[test]
fn a_20_mb_message_is_read() {
    let mut raw = String::from(
        "From: big@example.org\r\nTo: jago@techuk.org\r\nSubject: Whitepaper for Friday\r\n\
         MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n\
         --b\r\nContent-Type: text/plain\r\n\r\nOur whitepaper, attached.\r\n\
         --b\r\nContent-Type: application/pdf; name=\"big.pdf\"\r\n\
         Content-Disposition: attachment; filename=\"big.pdf\"\r\n\
         Content-Transfer-Encoding: base64\r\n\r\n",
    );
    let line = "JVBERi0xLjQKJcOkw7zDtsOfCjIgMCBvYmoKPDwvTGVuZ3RoIDMgMCBSL0ZpbHRlci9GbGF0ZUR\r\n";
    while raw.len() < 20 * 1024 * 1024 {
        raw.push_str(line);
    }
    raw.push_str("--b--\r\n");
    let message = timed("20 MB", Duration::from_secs(30), || parse(raw.as_bytes())).unwrap();
    assert_eq!(message.text, "Our whitepaper, attached.");
    assert_eq!(message.attachments.len(), 1);
    assert!(message.attachments[0].bytes.len() > 14 * 1024 * 1024);
    assert!(message.attachments[0].bytes.starts_with(b"%PDF-1.4"));
}

#[test]
fn a_message_over_the_limit_is_refused_unread() {
    let raw = vec![b'a'; MAX_MESSAGE_BYTES + 1];
    assert!(matches!(parse(&raw), Err(InboundError::TooLarge { .. })));
}

#[test]
fn deeply_nested_multiparts() {
    let depth = 1000;
    let mut raw = String::from("From: deep@example.org\r\nSubject: Deep\r\nMIME-Version: 1.0\r\n");
    for level in 0..depth {
        raw.push_str(&format!(
            "Content-Type: multipart/mixed; boundary=\"b{level}\"\r\n\r\n--b{level}\r\n"
        ));
    }
    raw.push_str("Content-Type: text/plain\r\n\r\nBlog for Tuesday\r\n");
    for level in (0..depth).rev() {
        raw.push_str(&format!("--b{level}--\r\n"));
    }
    let result = timed("1000 nested multiparts", Duration::from_secs(30), || {
        parse(raw.as_bytes())
    });
    if let Ok(message) = result {
        assert_eq!(message.subject, "Deep");
        assert!(message.text.len() < raw.len());
    }
}

#[test]
fn deeply_nested_messages_and_html() {
    // Forwarded messages inside forwarded messages.
    let mut raw = String::from("Subject: innermost\r\nContent-Type: text/plain\r\n\r\nBlog\r\n");
    for level in 0..200 {
        raw = format!(
            "From: f{level}@example.org\r\nSubject: Fwd {level}\r\nMIME-Version: 1.0\r\n\
             Content-Type: multipart/mixed; boundary=\"m{level}\"\r\n\r\n--m{level}\r\n\
             Content-Type: message/rfc822\r\n\r\n{raw}\r\n--m{level}--\r\n"
        );
    }
    let result = timed("200 nested messages", Duration::from_secs(30), || {
        parse(raw.as_bytes())
    });
    assert!(result.is_ok());
    // HTML nested 100,000 deep.
    let html = format!(
        "From: a@example.org\r\nSubject: html\r\nContent-Type: text/html\r\n\r\n{}Blog for Monday{}",
        "<div>".repeat(100_000),
        "</div>".repeat(100_000)
    );
    let message = timed("deep HTML", Duration::from_secs(30), || {
        parse(html.as_bytes())
    })
    .unwrap();
    assert!(message.text.contains("Blog for Monday"));
}

#[test]
fn invalid_base64_and_quoted_printable() {
    let raw = b"From: a@example.org\r\nSubject: broken\r\nMIME-Version: 1.0\r\n\
        Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Type: text/plain\r\n\
        Content-Transfer-Encoding: base64\r\n\r\n!!!not base64 at all***\r\n\
        --x\r\nContent-Type: application/pdf; name=a.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n\
        JVBER=i0x$LjQK%%%\r\n--x\r\nContent-Type: text/plain; charset=utf-8\r\n\
        Content-Transfer-Encoding: quoted-printable\r\n\r\nBad =ZZ escape =\r\n--x--\r\n";
    let message = parse(raw).expect("a damaged message is still a message");
    assert_eq!(message.subject, "broken");
}

#[test]
fn nul_bytes_and_garbage() {
    assert_eq!(parse(&vec![0u8; 4096]), Err(InboundError::NotAMessage));
    let mut with_nuls =
        b"From: a@example.org\r\nSubject: nul\0s\r\n\r\nBlog\0for\0Tuesday\r\n".to_vec();
    with_nuls.extend(vec![0u8; 1000]);
    if let Ok(message) = parse(&with_nuls) {
        assert!(!message.subject.contains('\0'));
    }
    let binary: Vec<u8> = (0..65536u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 24) as u8)
        .collect();
    let _ = parse(&binary);
}

#[test]
fn truncated_headers() {
    for raw in [
        &b"From: a@example.org\r\nSubj"[..],
        b"From: =?utf-8?B?SGVsbG8",
        b"Content-Type: multipart/mixed; boundary=\"unterminated",
        b"Subject: =?iso-8859-1?Q?caf=E",
        b"From:",
        b":",
        b"From: a@example.org\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: application/pdf; filename*0*=utf-8''a%",
    ] {
        match parse(raw) {
            Ok(message) => {
                let _ = inbound::reply_token(&message.to, None);
            }
            Err(error) => assert!(!error.user_message().is_empty()),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn parse_never_panics_on_arbitrary_bytes(raw in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let _ = parse(&raw);
    }

    #[test]
    fn parse_never_panics_on_mangled_messages(
        cut in 0usize..4000,
        flips in proptest::collection::vec((0usize..4000, any::<u8>()), 0..8),
    ) {
        let mut raw = std::fs::read(fixtures().join("gmail-reply-any-day.eml")).unwrap();
        for (at, byte) in flips {
            if let Some(b) = raw.get_mut(at) {
                *b = byte;
            }
        }
        raw.truncate(cut.min(raw.len()));
        if let Ok(message) = parse(&raw) {
            let _ = candidate_days(&CALL, &message.text);
        }
    }

    #[test]
    fn reply_token_never_panics(addresses in proptest::collection::vec("\\PC{0,40}", 0..4), hint in proptest::option::of("\\PC{0,10}")) {
        let _ = reply_token(&addresses, hint.as_deref());
    }
}
