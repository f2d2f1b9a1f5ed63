//! Issue #12's features, on the corpus (tests/corpus/), in each format the corpus has the
//! document in: what Word made (docx/), what LibreOffice saved as .odt (odt/), and as .rtf
//! (rtf/) where present. Nothing the author wrote is lost; nothing is there twice.

use std::path::PathBuf;

use docket_documents::{Extracted, FileType, Limits, extract, sniff};

fn corpus(path: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/corpus")
        .join(path);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The document in every format the corpus has it in.
fn each_format(name: &str) -> Vec<(String, Extracted)> {
    let mut out = Vec::new();
    for (dir, ext) in [
        ("docx", "docx"),
        ("odt", "odt"),
        ("lo-docx", "docx"),
        ("rtf", "rtf"),
    ] {
        let path = format!("{dir}/{name}.{ext}");
        let full = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/corpus")
            .join(&path);
        if !full.exists() {
            continue;
        }
        let got = extract(&corpus(&path), None, &Limits::default())
            .unwrap_or_else(|e| panic!("{path}: {e:?}"));
        out.push((path, got));
    }
    assert!(
        out.len() >= 2,
        "{name} is in the corpus in at least two formats"
    );
    out
}

fn assert_has(path: &str, markdown: &str, wanted: &[&str]) {
    for w in wanted {
        assert!(markdown.contains(w), "{path}: no {w:?} in\n{markdown}");
    }
}

fn occurrences(haystack: &str, needle: &str) -> usize {
    haystack.matches(needle).count()
}

#[test]
fn footnotes_and_endnotes_are_markdown_footnotes_in_order() {
    for (path, got) in each_format("footnote-and-endnote") {
        assert_eq!(
            got.markdown,
            "Online hearings save time[^1] for some people[^2].\n\n\
             [^1]: Ministry of Justice figures for 2023, table four.\n\n\
             [^2]: Our own survey of forty users.\n",
            "{path}"
        );
    }
    // A footnote built from a content control keeps its words and its italics.
    for (path, got) in each_format("footnote-content-control") {
        assert_has(
            &path,
            &got.markdown,
            &[
                "principles[^1] after",
                "[^1]: See the *Report of the Civil Justice Council*, published in June 2023",
                "tested with court users.",
            ],
        );
    }
    for (path, got) in each_format("whitepaper-footnotes") {
        for n in 1..=5 {
            assert_eq!(
                occurrences(&got.markdown, &format!("[^{n}]")),
                2,
                "{path}: mark and note {n}"
            );
        }
        assert_has(
            &path,
            &got.markdown,
            &["[^3]: Source number 3, page 13.\n\n    A second paragraph of the note."],
        );
    }
}

#[test]
fn text_boxes_and_shapes_are_kept_once_where_they_are_anchored() {
    for (path, got) in each_format("text-box") {
        assert_eq!(
            occurrences(&got.markdown, "Key finding"),
            1,
            "{path}: once, not also its fallback"
        );
        let anchor = got
            .markdown
            .find("beside a box.")
            .expect("anchor paragraph");
        let boxed = got.markdown.find("Key finding").expect("box");
        let after = got.markdown.find("We spoke").expect("next paragraph");
        assert!(anchor < boxed && boxed < after, "{path}: {}", got.markdown);
    }
    // (LibreOffice's own .rtf of this document has lost the shape's text: it is not checked.)
    for (path, got) in each_format("shape-only")
        .into_iter()
        .filter(|(p, _)| !p.starts_with("rtf/"))
    {
        assert_has(
            &path,
            &got.markdown,
            &["the whole text of this piece sits inside one rounded rectangle"],
        );
    }
    for (path, got) in each_format("image-caption-text-box") {
        assert_has(
            &path,
            &got.markdown,
            &[
                "![A courtroom with screens](",
                "Figure 1: the remote hearing room in Leeds.",
            ],
        );
    }
    for (path, got) in each_format("many-boxes") {
        for text in [
            "First box text.",
            "Second box text.",
            "Shape words.",
            "Closing words.",
        ] {
            assert_eq!(occurrences(&got.markdown, text), 1, "{path}: {text}");
        }
    }
}

#[test]
fn numbered_headings_and_lists_show_their_labels() {
    for (path, got) in each_format("numbered-headings") {
        assert_has(
            &path,
            &got.markdown,
            &[
                "# 1. Chapter heading number 1\n",
                "## 1.2 Section about topic 2\n",
                "### 2.2.1 Detail\n",
            ],
        );
    }
    for (path, got) in each_format("list-formats") {
        assert_has(
            &path,
            &got.markdown,
            &[
                "1. decimal item 0\n2. decimal item 1\n3. decimal item 2",
                "C. upper letter item",
                "c) lower letter item",
                "IV. upper roman item",
                "(iii) lower roman item",
                "5. from five\n6. from five",
                "- first bullet\n  - nested bullet\n- second bullet",
                "1. restarted item\n2. restarted item",
            ],
        );
    }
    let (_, got) = &each_format("legal-numbering")[0];
    assert_has(
        "legal-numbering",
        &got.markdown,
        &[
            "1.1. In this agreement",
            "(b) user means",
            "Article 2 Notices",
        ],
    );
}

#[test]
fn tables_are_gfm_tables_with_merged_cells_flattened() {
    for (path, got) in each_format("tables-merged") {
        assert_has(
            &path,
            &got.markdown,
            &[
                "| Court | Hearings | Online share |\n| --- | --- | --- |\n",
                "| Leeds and Bradford combined |",
                "| Manchester | 120 | 55 percent |\n|  | 80 | 60 percent |",
                "Notes \\| pipes",
                "inner one inner two",
            ],
        );
    }
}

#[test]
fn fields_show_their_result_never_their_code() {
    for (path, got) in each_format("fields") {
        assert_has(
            &path,
            &got.markdown,
            &[
                "This is page 1 of the report by Jane Example.",
                "[our website](https://www.example.org/justice)",
            ],
        );
        for code in ["PAGE", "AUTHOR", "HYPERLINK", "NUMPAGES", "MERGEFORMAT"] {
            assert!(!got.markdown.contains(code), "{path}: {code}");
        }
    }
}

#[test]
fn symbols_soft_hyphens_and_no_break_spaces_are_as_the_author_sees_them() {
    for (path, got) in each_format("symbols-and-spaces") {
        assert_has(
            &path,
            &got.markdown,
            &[
                "Tick \u{F0FC} means done and \u{F0B7} is a dot.",
                "counter\u{AD}revolutionary",
                "£100\u{A0}000 by 5\u{A0}November",
                "A well\u{2011}known case and a tab.",
            ],
        );
    }
}

#[test]
fn tracked_changes_keep_insertions_drop_deletions_and_moves_once() {
    for (path, got) in each_format("tracked-changes") {
        assert_has(
            &path,
            &got.markdown,
            &["The court carefully considered", "inserted by the editor."],
        );
        assert!(!got.markdown.contains("quickly"), "{path}");
        assert_eq!(
            occurrences(&got.markdown, "This sentence moved down."),
            1,
            "{path}"
        );
    }
    for (path, got) in each_format("tracked-in-footnote") {
        assert_has(&path, &got.markdown, &["new report of 2024"]);
        assert!(!got.markdown.contains("old report"), "{path}");
    }
}

#[test]
fn comments_are_notes_for_editors_with_author_and_anchored_text() {
    for (path, got) in each_format("comments") {
        assert!(
            !got.markdown.contains("cite a source"),
            "{path}: comments are not text"
        );
        assert_eq!(got.comments.len(), 2, "{path}: {:?}", got.comments);
        let first = &got.comments[0];
        assert_eq!(first.author.as_deref(), Some("Sam Reviewer"), "{path}");
        assert_eq!(first.text, "Please cite a source for this.", "{path}");
        assert_eq!(
            first.anchored_text, "Two in three users preferred video",
            "{path}"
        );
        assert_eq!(
            got.comments[1].author.as_deref(),
            Some("Ana Editor"),
            "{path}"
        );
        assert_eq!(got.comments[1].text, "Nice point.", "{path}");
    }
}

#[test]
fn images_are_assets_with_alt_text_or_placeholders_naming_them() {
    for (path, got) in each_format("images-png-svg") {
        let png = got
            .images
            .iter()
            .find(|i| i.alt.as_deref() == Some("Bar chart of hearing lengths"))
            .unwrap_or_else(|| panic!("{path}: {:?}", got.images));
        assert_eq!(png.mime, "image/png");
        assert!(png.bytes.starts_with(b"\x89PNG"));
        assert_has(
            &path,
            &got.markdown,
            &[&format!("![Bar chart of hearing lengths]({})", png.name)],
        );
        if path.starts_with("docx/") {
            // The SVG itself: a placeholder that names it and says why it is not shown.
            assert_has(
                &path,
                &got.markdown,
                &[
                    "![Logo of the project (logo.svg, an SVG image that cannot be shown here)](logo.svg)",
                ],
            );
            assert_eq!(got.images.len(), 1, "{path}");
        } else {
            // LibreOffice keeps a PNG copy of the SVG beside it: that copy is shown.
            assert_has(&path, &got.markdown, &["![Logo of the project]("]);
        }
    }
}

#[test]
fn the_main_part_is_found_through_the_package_relationships() {
    let bytes = corpus("docx/main-part-elsewhere.docx");
    assert_eq!(sniff(&bytes, None), FileType::Docx);
    let got = extract(&bytes, None, &Limits::default()).expect("read");
    assert_has(
        "main-part-elsewhere",
        &got.markdown,
        &[
            "# Found through the relationships\n",
            "Courts are moving online",
        ],
    );
}

#[test]
fn metadata_is_read_for_the_editors() {
    for (path, got) in each_format("metadata") {
        assert_eq!(
            got.metadata.author.as_deref(),
            Some("Jane Author"),
            "{path}"
        );
        assert_eq!(
            got.metadata.company.as_deref(),
            Some("Example Legal Tech Ltd"),
            "{path}"
        );
        assert_eq!(
            got.metadata.title.as_deref(),
            Some("Property owners"),
            "{path}"
        );
        assert!(!got.markdown.contains("Jane Author"), "{path}");
    }
}

#[test]
fn hidden_text_and_headers_are_not_part_of_the_piece() {
    for (path, got) in each_format("hidden-text") {
        assert_eq!(
            got.markdown, "Visible words here. More visible.\n",
            "{path}"
        );
    }
    for (path, got) in each_format("header-footer") {
        assert!(!got.markdown.contains("running header draft"), "{path}");
        assert!(
            !got.markdown
                .contains("Digital Justice Week 2022 guest blog draft"),
            "{path}"
        );
    }
}

#[test]
fn content_controls_keep_their_text() {
    for (path, got) in each_format("content-controls") {
        assert_has(
            &path,
            &got.markdown,
            &[
                "A block content control holding a paragraph, with a nested control inside it.",
                "Inline rich text control in a sentence.",
                "The author is Jane Example.",
                "control in a cell",
            ],
        );
    }
}
