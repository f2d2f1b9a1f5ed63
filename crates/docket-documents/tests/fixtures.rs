//! Real files (made by python-docx, odfpy, LibreOffice and ffmpeg; see
//! `tests/fixtures/make_fixtures.py`) and the Markdown or metadata expected from each.

mod common;

use common::{fixture, fixture_text};
use docket_documents::{FileType, Limits, check_image, extract, sniff};

const TITLE: &str = "Designing Digital Justice That Works for Everyone";

fn assert_markdown(name: &str, expected: &str, file_type: FileType) {
    let bytes = fixture(name);
    assert_eq!(sniff(&bytes, None), file_type, "{name}");
    let got =
        extract(&bytes, Some(name), &Limits::default()).unwrap_or_else(|e| panic!("{name}: {e:?}"));
    assert_eq!(got.file_type, file_type);
    let expected = fixture_text(expected);
    if got.markdown != expected {
        let dump = std::env::temp_dir().join(format!("{name}.got.md"));
        let _ = std::fs::write(&dump, &got.markdown);
        panic!(
            "{name}: Markdown differs from the expected file (got written to {})\n{}",
            dump.display(),
            got.markdown
        );
    }
    assert_eq!(got.title.as_deref(), Some(TITLE), "{name}");
    assert_eq!(got.pages, None);
    assert_eq!(got.duration_seconds, None);
}

#[test]
fn blog_docx_from_python_docx() {
    assert_markdown("blog.docx", "blog.expected.md", FileType::Docx);
}

#[test]
fn blog_odt_from_odfpy() {
    assert_markdown("blog.odt", "blog.expected.md", FileType::Odt);
}

#[test]
fn blog_docx_saved_by_libreoffice() {
    assert_markdown("blog-libreoffice.docx", "blog.expected.md", FileType::Docx);
}

#[test]
fn blog_odt_saved_by_libreoffice() {
    assert_markdown("blog-libreoffice.odt", "blog.expected.md", FileType::Odt);
}

#[test]
fn blog_html() {
    assert_markdown("blog.html", "blog.expected.md", FileType::Html);
}

#[test]
fn blog_markdown_is_kept_as_written() {
    assert_markdown("blog.md", "blog.md", FileType::Markdown);
}

#[test]
fn notes_plain_text() {
    let bytes = fixture("notes.txt");
    assert_eq!(sniff(&bytes, Some("notes.txt")), FileType::PlainText);
    let got = extract(&bytes, Some("notes.txt"), &Limits::default()).expect("notes.txt");
    assert_eq!(got.markdown, fixture_text("notes.expected.md"));
    assert_eq!(got.title, None);
}

#[test]
fn blog_is_about_700_words() {
    let words = fixture_text("blog.expected.md").split_whitespace().count();
    assert!((650..=750).contains(&words), "{words} words");
}

#[test]
fn pdf_text_and_three_pages() {
    let bytes = fixture("report.pdf");
    assert_eq!(sniff(&bytes, None), FileType::Pdf);
    let got = extract(&bytes, None, &Limits::default()).expect("report.pdf");
    assert_eq!(got.file_type, FileType::Pdf);
    assert_eq!(got.pages, Some(3));
    assert_eq!(
        got.title.as_deref(),
        Some("Annual Report on Court Digitisation")
    );
    assert_eq!(got.markdown, fixture_text("report.expected.md"));
}

#[test]
fn pdf_page_limit() {
    let limits = Limits {
        max_pdf_pages: 2,
        ..Limits::default()
    };
    let err = extract(&fixture("report.pdf"), None, &limits).expect_err("3 pages > 2");
    assert!(
        matches!(
            err,
            docket_documents::ExtractError::TooManyPages { pages: 3, limit: 2 }
        ),
        "{err:?}"
    );
    assert!(
        err.user_message().contains("3 pages"),
        "{}",
        err.user_message()
    );
}

fn assert_duration(name: &str, file_type: FileType) {
    let bytes = fixture(name);
    assert!(bytes.len() < 100_000, "{name} should stay small");
    assert_eq!(sniff(&bytes, Some("podcast.bin")), file_type, "{name}");
    let got = extract(&bytes, None, &Limits::default()).unwrap_or_else(|e| panic!("{name}: {e:?}"));
    assert_eq!(got.file_type, file_type);
    assert!(got.markdown.is_empty());
    let seconds = got.duration_seconds.expect("duration");
    assert!((seconds - 3.0).abs() <= 0.1, "{name}: {seconds} s");
}

#[test]
fn mp3_duration() {
    assert_duration("tone.mp3", FileType::Mp3);
}

#[test]
fn mp3_without_xing_header_duration() {
    assert_duration("tone-noxing.mp3", FileType::Mp3);
}

#[test]
fn m4a_duration() {
    assert_duration("tone.m4a", FileType::M4a);
}

#[test]
fn ogg_vorbis_duration() {
    assert_duration("tone.ogg", FileType::Ogg);
}

#[test]
fn ogg_opus_duration() {
    assert_duration("tone.opus", FileType::Ogg);
}

#[test]
fn wav_duration() {
    assert_duration("tone.wav", FileType::Wav);
}

#[test]
fn images() {
    for (name, file_type) in [
        ("headshot.png", FileType::Png),
        ("headshot.jpg", FileType::Jpeg),
        ("headshot.gif", FileType::Gif),
        ("headshot.webp", FileType::Webp),
    ] {
        let bytes = fixture(name);
        let info = check_image(&bytes).unwrap_or_else(|e| panic!("{name}: {e:?}"));
        assert_eq!(
            (info.file_type, info.width, info.height),
            (file_type, 48, 64),
            "{name}"
        );
        let got = extract(&bytes, Some("headshot.docx"), &Limits::default()).expect(name);
        assert_eq!(got.file_type, file_type);
        assert!(got.markdown.is_empty());
    }
}

#[test]
fn audio_is_not_an_image() {
    let err = check_image(&fixture("tone.mp3")).expect_err("not an image");
    assert!(
        err.user_message().contains("JPEG"),
        "{}",
        err.user_message()
    );
}

#[test]
fn fixtures_stay_small() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let total: u64 = std::fs::read_dir(dir)
        .expect("fixtures dir")
        .filter_map(|e| e.ok()?.metadata().ok())
        .map(|m| m.len())
        .sum();
    assert!(total < 2 * 1024 * 1024, "fixtures take {total} bytes");
}

#[test]
fn file_type_names() {
    assert_eq!(FileType::Docx.describe(), "Word document (.docx)");
    assert_eq!(FileType::Docx.extension(), "docx");
    assert_eq!(FileType::Pdf.mime(), "application/pdf");
    assert!(FileType::Ogg.is_audio() && !FileType::Ogg.is_image());
    assert!(FileType::Webp.is_image());
}
