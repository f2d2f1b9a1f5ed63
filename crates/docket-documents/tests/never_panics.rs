//! Property tests: `extract`, `sniff` and `check_image` never panic, whatever the bytes, and our
//! own readers (Word, OpenDocument, text) never even panic internally (a panic caught by the
//! `catch_unwind` guard would show as "the parser panicked").

mod common;

use common::{docx, fixture, odt, zip_of};
use docket_documents::{ExtractError, FileType, Limits, check_image, extract, sniff};
use proptest::prelude::*;

fn limits() -> Limits {
    Limits {
        timeout: std::time::Duration::from_secs(5),
        ..Limits::default()
    }
}

fn check(bytes: &[u8], name: Option<&str>) {
    let file_type = sniff(bytes, name);
    let _ = check_image(bytes);
    match extract(bytes, name, &limits()) {
        Ok(got) => assert_eq!(got.file_type, file_type),
        Err(e) => {
            assert!(!e.user_message().is_empty());
            if let ExtractError::Malformed { reason, .. } = &e {
                let ours = matches!(
                    file_type,
                    FileType::Docx
                        | FileType::Odt
                        | FileType::Rtf
                        | FileType::Markdown
                        | FileType::PlainText
                );
                assert!(
                    !(ours && reason.contains("panicked")),
                    "{file_type:?}: {reason}"
                );
            }
        }
    }
}

/// XML-ish fragments that the Word and OpenDocument readers react to.
fn xml_soup(tags: &'static [&'static str]) -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            prop::sample::select(tags).prop_map(str::to_owned),
            "[a-z <>&;#*_\\[\\]]{0,8}",
        ],
        0..60,
    )
    .prop_map(|parts| parts.concat())
}

const WORD_TAGS: &[&str] = &[
    "<w:p>",
    "</w:p>",
    "<w:r>",
    "</w:r>",
    "<w:t>",
    "</w:t>",
    "<w:rPr>",
    "</w:rPr>",
    "<w:b/>",
    "<w:i w:val=\"0\"/>",
    "<w:pPr>",
    "</w:pPr>",
    "<w:pStyle w:val=\"Heading1\"/>",
    "<w:numPr><w:ilvl w:val=\"7\"/><w:numId w:val=\"1\"/></w:numPr>",
    "<w:numPr><w:ilvl w:val=\"x\"/><w:numId w:val=\"0\"/></w:numPr>",
    "<w:outlineLvl w:val=\"255\"/>",
    "<w:hyperlink r:id=\"rId1\">",
    "</w:hyperlink>",
    "<w:br/>",
    "<w:tab/>",
    "<w:fldChar w:fldCharType=\"begin\"/>",
    "<w:fldChar w:fldCharType=\"separate\"/>",
    "<w:fldChar w:fldCharType=\"end\"/>",
    "<w:instrText> HYPERLINK \"",
    "</w:instrText>",
    "<w:del>",
    "</w:del>",
    "&amp;",
    "&#0;",
    "&#x1F600;",
    "<![CDATA[x]]>",
    "<w:tbl><w:tr><w:tc>",
    "</w:tc></w:tr></w:tbl>",
    "<w:r><w:footnoteReference w:id=\"1\"/></w:r>",
    "<w:txbxContent>",
    "</w:txbxContent>",
    "<mc:AlternateContent><mc:Choice>",
    "</mc:Choice><mc:Fallback>",
    "</mc:Fallback></mc:AlternateContent>",
    "<w:sdt><w:sdtContent>",
    "</w:sdtContent></w:sdt>",
    "<w:sym w:char=\"F0FC\"/>",
    "<w:sym w:char=\"zz\"/>",
    "<w:commentRangeStart w:id=\"0\"/>",
    "<w:commentRangeEnd w:id=\"0\"/>",
    "<w:tcPr><w:gridSpan w:val=\"99999\"/></w:tcPr>",
    "<w:drawing><wp:docPr descr=\"x\"/><a:blip r:embed=\"rId1\"/></w:drawing>",
];

/// RTF fragments that the RTF reader reacts to.
const RTF_TAGS: &[&str] = &[
    "{",
    "}",
    "\\par ",
    "\\b ",
    "\\b0 ",
    "\\i ",
    "\\u8364?",
    "\\u-10179\\u-8704 ",
    "\\uc0 ",
    "\\'e9",
    "\\'93\\'fa",
    "{\\*\\footnote ",
    "{\\*\\annotation ",
    "{\\*\\atnauthor A}",
    "{\\shptxt ",
    "{\\fonttbl{\\f1\\fcharset128 X;}}",
    "\\f1 ",
    "{\\stylesheet{\\s1 heading 1;}}",
    "\\s1 ",
    "\\pard ",
    "\\intbl ",
    "\\cell ",
    "\\row ",
    "{\\listtext 1.\\tab}",
    "\\bin5 abcde",
    "\\bin99999 ",
    "{\\field{\\*\\fldinst HYPERLINK \"https://e.org\"}{\\fldrslt x}}",
    "\\v ",
    "\\deleted ",
    "\\'zz",
    "\\",
    "\\*",
    "\\u",
    "\\ucx",
    "\\outlinelevel99 ",
];

const ODF_TAGS: &[&str] = &[
    "<text:p>",
    "</text:p>",
    "<text:h text:outline-level=\"99\">",
    "</text:h>",
    "<text:span text:style-name=\"T1\">",
    "</text:span>",
    "<text:list text:style-name=\"L1\">",
    "</text:list>",
    "<text:list-item>",
    "</text:list-item>",
    "<text:s text:c=\"99999\"/>",
    "<text:tab/>",
    "<text:line-break/>",
    "<text:a xlink:href=\"https://e.org\">",
    "</text:a>",
    "<text:note>",
    "</text:note>",
    "&lt;",
    "<text:list text:continue-numbering=\"true\">",
    "<draw:frame><draw:text-box>",
    "</draw:text-box></draw:frame>",
    "<draw:frame><draw:image xlink:href=\"Pictures/a.png\"/><svg:desc>alt</svg:desc></draw:frame>",
    "<draw:custom-shape>",
    "</draw:custom-shape>",
    "<office:annotation office:name=\"a\"><dc:creator>X</dc:creator>",
    "</office:annotation>",
    "<office:annotation-end office:name=\"a\"/>",
    "<table:table><table:table-row><table:table-cell table:number-columns-spanned=\"9999\">",
    "</table:table-cell></table:table-row></table:table>",
    "<table:covered-table-cell/>",
    "<text:list-item text:start-value=\"18446744073709551615\">",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..4096)) {
        check(&bytes, None);
        check(&bytes, Some("blog.docx"));
    }

    #[test]
    fn arbitrary_text(text in "\\PC{0,400}") {
        check(text.as_bytes(), Some("a.md"));
        check(text.as_bytes(), Some("a.html"));
        check(text.as_bytes(), Some("a.txt"));
    }

    #[test]
    fn bytes_after_a_zip_signature(rest in prop::collection::vec(any::<u8>(), 0..4096)) {
        let mut bytes = b"PK\x03\x04".to_vec();
        bytes.extend(rest);
        check(&bytes, None);
    }

    #[test]
    fn bytes_after_a_pdf_header(rest in prop::collection::vec(any::<u8>(), 0..4096), eof in any::<bool>()) {
        let mut bytes = b"%PDF-1.7\n".to_vec();
        bytes.extend(rest);
        if eof {
            bytes.extend(b"\n%%EOF\n");
        }
        check(&bytes, None);
    }

    #[test]
    fn word_documents_of_xml_soup(body in xml_soup(WORD_TAGS), styles in xml_soup(WORD_TAGS)) {
        check(&docx(&body, &styles, &body, ""), None);
        // The parts alone, unwrapped, too.
        check(&zip_of(&[("word/document.xml", body.as_bytes())]), None);
    }

    #[test]
    fn opendocument_texts_of_xml_soup(text in xml_soup(ODF_TAGS)) {
        check(&odt(&text, &text, ""), None);
    }

    #[test]
    fn rtf_of_control_word_soup(body in xml_soup(RTF_TAGS)) {
        check(format!("{{\\rtf1\\ansi {body}}}").as_bytes(), None);
        check(format!("{{\\rtf1 {body}").as_bytes(), Some("a.rtf"));
    }
}

/// Flips, cuts and splices real files.
fn mutate(original: &[u8], edits: &[(usize, u8)], cut: Option<usize>) -> Vec<u8> {
    let mut bytes = original.to_vec();
    for &(at, value) in edits {
        if !bytes.is_empty() {
            let i = at % bytes.len();
            bytes[i] = value;
        }
    }
    if let Some(cut) = cut {
        bytes.truncate(cut % (bytes.len() + 1));
    }
    bytes
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn mutated_fixtures(
        which in 0usize..9,
        edits in prop::collection::vec((any::<usize>(), any::<u8>()), 1..16),
        cut in prop::option::of(any::<usize>()),
    ) {
        let name = [
            "blog.docx", "blog.odt", "blog-libreoffice.docx", "report.pdf", "tone.mp3", "tone.m4a",
            "tone.ogg", "headshot.png", "blog.html",
        ][which];
        check(&mutate(&fixture(name), &edits, cut), Some(name));
    }
}
