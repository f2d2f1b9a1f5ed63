//! The week's feeds and calendar, read by the tools readers' software is built on: Python's
//! feedparser reads every feed without `bozo`, the Atom feeds pass RFC 4287's RELAX NG schema
//! (jing, compact syntax), the podcast feed's enclosure has the file's length and type and the
//! iTunes tags, and Python's icalendar reads the calendar with the right local times on both
//! sides of a clock change. What is not published is in no feed. Both backends.

use std::io::Write as _;
use std::process::{Command, Stdio};

use docket_tests::app::TestApp;
use docket_tests::both_backends;
use docket_tests::db::TestDb;
use docket_tests::week::{TestPiece, placed_piece};

both_backends! {
    every_feed_reads_cleanly_and_holds_only_what_is_published => feeds_read,
}

const SLUG: &str = "digital-justice-week-2022";
const PYTHON: &str = "/usr/bin/python3";
const SCHEMA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/feeds/atom.rnc");

/// True when feedparser, icalendar and jing are here; else the tests are skipped with a note,
/// or fail when `DOCKET_REQUIRE_FEEDS=1` (as in `scripts/test`).
fn tools() -> bool {
    let python = Command::new(PYTHON)
        .args(["-c", "import feedparser, icalendar"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    let jing = Command::new("jing")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok();
    if python && jing {
        return true;
    }
    if docket_tests::required("DOCKET_REQUIRE_FEEDS") {
        panic!(
            "the feed tests are required (DOCKET_REQUIRE_FEEDS=1) but Debian's python3-feedparser, python3-icalendar or jing is missing: run scripts/test"
        );
    }
    docket_tests::announce_skip(
        "the feed tests",
        "python3-feedparser, python3-icalendar or jing is missing; run scripts/test",
    );
    false
}

/// Runs `script` with `input` on standard input; its standard output.
fn python(script: &str, input: &[u8]) -> String {
    let mut child = Command::new(PYTHON)
        .args(["-c", script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input)
        .expect("write");
    let output = child.wait_with_output().expect("python3 runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// What feedparser makes of a feed: `bozo`, then one line per entry (title, link,
/// enclosure href, length, type).
fn feedparser(feed: &[u8]) -> String {
    python(
        r#"
import sys, feedparser
d = feedparser.parse(sys.stdin.buffer.read())
print("bozo", d.bozo, repr(d.get("bozo_exception")))
print("version", d.version)
print("itunes_explicit", d.feed.get("itunes_explicit"), "author", d.feed.get("author"))
for e in d.entries:
    enc = (e.get("enclosures") or [{}])[0]
    print("entry", e.title, "|", e.link, "|", enc.get("href"), enc.get("length"), enc.get("type"))
"#,
        feed,
    )
}

/// jing's verdict on an Atom feed against RFC 4287's schema.
fn jing(feed: &[u8]) -> Result<(), String> {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("feed.atom");
    std::fs::write(&path, feed).expect("write");
    let output = Command::new("jing")
        .args(["-c", SCHEMA])
        .arg(&path)
        .output()
        .expect("jing");
    if output.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&output.stdout).into_owned())
    }
}

async fn feeds_read(db: &TestDb) {
    if !tools() {
        return;
    }
    let app = TestApp::spawn_with(
        db,
        docket_web::WebConfig {
            public_url: "https://week.example.org".into(),
            ..docket_web::WebConfig::default()
        },
    )
    .await;
    let now = jiff::Timestamp::now();
    let tuesday = jiff::civil::date(2022, 11, 15);
    let thursday = jiff::civil::date(2022, 11, 17);
    let audio = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../docket-documents/tests/fixtures/tone.mp3"
    ))
    .expect("the audio fixture");
    let audio_len = audio.len();
    let store = app.store.as_ref();
    let (_, blog) = placed_piece(
        store,
        SLUG,
        &TestPiece {
            owner: "ada@example.org",
            author: "Ada Lovelace, Director",
            kind: "blog",
            title: "Data at the heart of justice",
            day: tuesday,
            file: None,
            minutes: None,
        },
        true,
        now,
    )
    .await;
    let (_, episode) = placed_piece(
        store,
        SLUG,
        &TestPiece {
            owner: "grace@example.org",
            author: "Grace Hopper",
            kind: "podcast",
            title: "Courts that listen, episode 1",
            day: tuesday,
            file: Some(("audio/mpeg", audio)),
            minutes: Some(25.0),
        },
        true,
        now,
    )
    .await;
    let (thursday_id, _) = placed_piece(
        store,
        SLUG,
        &TestPiece {
            owner: "alan@example.org",
            author: "Alan Turing",
            kind: "blog",
            title: "Not yet live on Thursday",
            day: thursday,
            file: None,
            minutes: None,
        },
        false,
        now,
    )
    .await;

    let base = format!("https://week.example.org/calls/{SLUG}");
    for (path, content_type, entries) in [
        ("feed.atom", "application/atom+xml", 2),
        ("feed.rss", "application/rss+xml", 2),
        ("days/2022-11-15/feed.atom", "application/atom+xml", 2),
        ("days/2022-11-17/feed.atom", "application/atom+xml", 0),
        ("partner.atom", "application/atom+xml", 2),
        ("podcast.rss", "application/rss+xml", 1),
    ] {
        let page = app.get(&format!("/calls/{SLUG}/{path}")).await;
        assert_eq!(page.status, 200, "{path}");
        assert!(
            page.header("content-type").starts_with(content_type),
            "{path}"
        );
        assert!(!page.header("etag").is_empty(), "{path}");
        let read = feedparser(page.body.as_bytes());
        assert!(read.starts_with("bozo False"), "{path}: {read}");
        assert_eq!(read.matches("\nentry ").count(), entries, "{path}: {read}");
        assert!(!read.contains("Not yet live"), "{path}: {read}");
        assert!(!page.body.contains("Not yet live"), "{path}");
        if path.ends_with(".atom") {
            jing(page.body.as_bytes()).unwrap_or_else(|error| panic!("{path}: {error}"));
        }
        if entries > 0 && path != "podcast.rss" {
            assert!(
                read.contains(&format!("| {base}/pieces/{blog} |")),
                "{path}: absolute links from public_url: {read}"
            );
        }
        if path == "podcast.rss" {
            assert!(
                read.contains(&format!(
                    "| {base}/pieces/{episode}/file {audio_len} audio/mpeg"
                )),
                "the enclosure has the file's length and type: {read}"
            );
            // Apple's current values are "true" and "false".
            assert!(
                page.body
                    .contains("<itunes:explicit>false</itunes:explicit>"),
                "{}",
                page.body
            );
            assert!(
                page.body.contains("<itunes:category text=\"Technology\""),
                "{}",
                page.body
            );
            assert!(
                page.body
                    .contains("<itunes:duration>0:25:00</itunes:duration>")
            );
        }
    }
    // The enclosure's address serves the file, with its length.
    let file = app
        .get(&format!("/calls/{SLUG}/pieces/{episode}/file"))
        .await;
    assert_eq!(file.status, 200);
    assert_eq!(file.header("content-type"), "audio/mpeg");

    // JSON Feed 1.1.
    let page = app.get(&format!("/calls/{SLUG}/feed.json")).await;
    let json: serde_json::Value = serde_json::from_str(&page.body).expect("JSON");
    assert_eq!(json["version"], "https://jsonfeed.org/version/1.1");
    assert_eq!(json["items"].as_array().map(Vec::len), Some(2));
    assert_eq!(
        json["items"][0]["attachments"][0]["size_in_bytes"].as_u64(),
        Some(audio_len as u64),
        "the newest first: the episode was published last"
    );

    // The calendar: a day event per theme, each piece at its time in London, the unpublished
    // one only as what is coming; UIDs stable across requests.
    let page = app.get(&format!("/calls/{SLUG}/week.ics")).await;
    assert!(page.header("content-type").starts_with("text/calendar"));
    let events = python(
        r#"
import sys, icalendar
c = icalendar.Calendar.from_ical(sys.stdin.buffer.read())
for e in c.walk("VEVENT"):
    dt = e["DTSTART"].dt
    print(e["UID"], "|", e["SUMMARY"], "|", dt.isoformat())
"#,
        page.body.as_bytes(),
    );
    assert_eq!(events.lines().count(), 8, "{events}");
    assert!(
        events.contains("| Digital Justice Week 2022: Harnessing the power of data | 2022-11-15\n"),
        "{events}"
    );
    assert!(
        events.contains("| Data at the heart of justice | 2022-11-15T09:00:00+00:00"),
        "{events}"
    );
    assert!(
        events.contains("| Coming: a guest blog for Connected Justice | 2022-11-17T09:00:00+00:00"),
        "{events}"
    );
    assert!(!events.contains("Not yet live"), "{events}");
    assert!(events.contains(&format!("piece-{thursday_id}-{SLUG}@week.example.org")));
    let again = app.get(&format!("/calls/{SLUG}/week.ics")).await;
    assert_eq!(again.body, page.body, "the same calendar on every request");
    app.stop().await;
}

/// A call in March: pieces on both sides of the clock change read at their local times.
#[test]
fn the_calendar_keeps_local_times_across_the_march_clock_change() {
    if !tools() {
        return;
    }
    let call = docket_tests::app::parse_call(
        r#"
slug = "spring-week-2023"
title = "Spring Week 2023"
organiser = "Docket tests"
time_zone = "Europe/London"
intro = "A week across the clock change."
guidelines = "Write well."
[week]
first_day = 2023-03-24
last_day = 2023-03-28
[deadline]
date = 2023-03-10
time = 12:00
[[days]]
date = 2023-03-24
theme = "Before"
[[days]]
date = 2023-03-27
theme = "After"
[[kinds]]
key = "blog"
name = "Blog"
format = "text"
[[contacts]]
name = "Someone"
"#,
    );
    let week = docket_web::week::Week::new(
        docket_web::week::Mode::Live,
        &call,
        &[],
        "https://week.example.org",
        "https://week.example.org",
        jiff::Timestamp::now(),
    );
    let at = |date| call.local_instant(date, jiff::civil::time(9, 0, 0, 0));
    let scheduled = [
        docket_web::feeds::ScheduledPiece {
            id: docket_store::SubmissionId(1),
            title: "Friday before".into(),
            at: at(jiff::civil::date(2023, 3, 24)),
            url: None,
        },
        docket_web::feeds::ScheduledPiece {
            id: docket_store::SubmissionId(2),
            title: "Monday after".into(),
            at: at(jiff::civil::date(2023, 3, 27)),
            url: None,
        },
    ];
    let text = week.calendar(&scheduled);
    let events = python(
        r#"
import sys, icalendar, datetime
c = icalendar.Calendar.from_ical(sys.stdin.buffer.read())
for e in c.walk("VEVENT"):
    dt = e["DTSTART"].dt
    if isinstance(dt, datetime.datetime):
        print(e["SUMMARY"], dt.isoformat(), dt.astimezone(datetime.timezone.utc).isoformat())
"#,
        text.as_bytes(),
    );
    assert!(
        events.contains("Friday before 2023-03-24T09:00:00+00:00 2023-03-24T09:00:00+00:00"),
        "{events}"
    );
    assert!(
        events.contains("Monday after 2023-03-27T09:00:00+01:00 2023-03-27T08:00:00+00:00"),
        "{events}"
    );
    assert!(text.contains("TZID=Europe/London"), "{text}");
    assert!(text.contains("BEGIN:VTIMEZONE"), "{text}");
}
