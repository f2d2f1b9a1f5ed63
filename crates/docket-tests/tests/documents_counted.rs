//! The same blog, written by python-docx, odfpy and LibreOffice Writer, extracts to Markdown that
//! counts exactly the words LibreOffice Writer itself counted when it saved the file (the
//! statistic it stores in the .odt's meta.xml), list labels included.

use docket_core::text::count_markdown_words;
use docket_documents::{Limits, extract};

const EXPECTED: &str = include_str!("../../docket-documents/tests/fixtures/blog.expected.md");

#[test]
fn every_fixture_of_the_blog_counts_the_same_words() {
    let expected_words = count_markdown_words(EXPECTED);
    assert_eq!(
        expected_words,
        libreoffice_word_count(),
        "Docket counts what LibreOffice Writer counts"
    );
    let fixtures: [(&str, &[u8]); 5] = [
        (
            "blog.docx",
            include_bytes!("../../docket-documents/tests/fixtures/blog.docx"),
        ),
        (
            "blog.odt",
            include_bytes!("../../docket-documents/tests/fixtures/blog.odt"),
        ),
        (
            "blog-libreoffice.docx",
            include_bytes!("../../docket-documents/tests/fixtures/blog-libreoffice.docx"),
        ),
        (
            "blog-libreoffice.odt",
            include_bytes!("../../docket-documents/tests/fixtures/blog-libreoffice.odt"),
        ),
        (
            "blog.html",
            include_bytes!("../../docket-documents/tests/fixtures/blog.html"),
        ),
    ];
    for (name, bytes) in fixtures {
        let extracted = extract(bytes, Some(name), &Limits::default())
            .unwrap_or_else(|error| panic!("{name}: {error}"));
        assert_eq!(
            count_markdown_words(&extracted.markdown),
            expected_words,
            "{name}"
        );
    }
}

/// The word count LibreOffice Writer 7.4 recorded when it saved the fixture.
fn libreoffice_word_count() -> usize {
    let odt = include_bytes!("../../docket-documents/tests/fixtures/blog-libreoffice.odt");
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(&odt[..])).unwrap();
    let mut meta = String::new();
    std::io::Read::read_to_string(&mut archive.by_name("meta.xml").unwrap(), &mut meta).unwrap();
    let start = meta.find("meta:word-count=\"").expect("a word count") + "meta:word-count=\"".len();
    meta[start..].split('"').next().unwrap().parse().unwrap()
}
