//! Word counts as authors see them in LibreOffice Writer: a table of cases, a realistic Markdown
//! post of known length, and properties that must hold for any text.

use docket_core::text::{count_markdown_words, count_words, markdown_to_text};
use proptest::prelude::*;

/// Plain text: (text, words, why an author cares).
const PLAIN: &[(&str, usize, &str)] = &[
    ("", 0, "empty"),
    ("   \t\n\r\n ", 0, "white space only"),
    (
        "\u{A0}\u{2009}\u{202F}\u{3000}",
        0,
        "Unicode white space only",
    ),
    ("hello", 1, "one word"),
    ("hello world", 2, "two words"),
    ("  leading and trailing  ", 3, "outer spaces"),
    ("tab\tnew\nline\r\nend", 4, "tabs and line ends"),
    ("one\u{A0}two", 2, "no-break space separates"),
    // Measured with LibreOffice Writer 7.4 (a Word `w:sym` keeps its private-use code point).
    (
        "five\u{F0E0} six",
        3,
        "a symbol-font character is a word of its own",
    ),
    ("one \u{F0B7} six", 3, "a symbol-font character alone"),
    ("one\u{2009}two\u{202F}three", 3, "thin spaces separate"),
    ("a - b", 3, "a lone hyphen-minus is a word"),
    ("\"$\"", 1, "punctuation alone is a word"),
    ("…", 1, "a lone ellipsis is a word"),
    ("Wait … what", 3, "spaced ellipsis"),
    (
        "Hello, world! How are you?",
        5,
        "punctuation sticks to words",
    ),
    ("\"Quoted speech,\" she said.", 4, "quotes stick to words"),
    ("(parenthetical) remark.", 2, "brackets stick to words"),
    ("word—word", 2, "em dash separates"),
    ("word – word", 2, "spaced en dash is no word"),
    ("word —word", 2, "em dash glued on one side"),
    ("—", 0, "lone em dash"),
    ("– — –", 0, "dashes only"),
    ("pages 10–20", 3, "en dash in a range separates"),
    ("state-of-the-art", 1, "hyphenated word"),
    ("http://www.example.com/a-b", 1, "URL"),
    (
        "See https://example.org/p?q=1&r=2#top now",
        3,
        "URL in a sentence",
    ),
    ("2024-11-05", 1, "ISO date"),
    ("05/11/2024", 1, "slashed date"),
    ("1,000", 1, "number with a thousands separator"),
    ("3.14159 and 42%", 3, "numbers"),
    ("don’t", 1, "contraction, typographic apostrophe"),
    ("don't", 1, "contraction, straight apostrophe"),
    ("e.g.", 1, "abbreviation"),
    ("co\u{AD}operate", 1, "soft hyphen is invisible"),
    ("zero\u{200B}width", 1, "zero-width space is invisible"),
    ("日本語のテキスト", 8, "each Han/Kana character is a word"),
    ("Docket日本", 3, "Latin glued to Han"),
    ("日本Docket", 3, "Han glued to Latin"),
    // Measured with LibreOffice 7.4.7 (Debian 12) on .docx files, like the rest of this block.
    ("日本、中国。", 6, "Japanese punctuation is a word"),
    ("「日本」", 4, "Japanese quotes are words"),
    (
        "Docket、日本",
        4,
        "an ideographic comma after Latin is a word",
    ),
    ("ＡＢＣ", 3, "each full-width letter is a word"),
    (
        "word。",
        2,
        "an ideographic full stop after Latin is a word",
    ),
    (
        "日本\"\"\"\" x",
        4,
        "a run of punctuation after CJK is one word",
    ),
    ("你好，世界！", 6, "Chinese fullwidth punctuation is a word"),
    ("東京 Tokyo", 3, "Han then Latin"),
    ("\"東京\" is 東京.", 8, "punctuation glued to Han is a word"),
    ("コーヒー", 4, "Katakana with the long vowel mark"),
    ("한국어 텍스트", 6, "each Hangul syllable is a word"),
    ("ㄱㄴ", 2, "each Hangul jamo is a word"),
    ("Καλημέρα κόσμε", 2, "Greek"),
    ("Привет, мир!", 2, "Cyrillic"),
    ("مرحبا بالعالم", 2, "Arabic"),
    ("I 🚀 Rust", 3, "emoji between spaces"),
    ("👨\u{200D}👩\u{200D}👧 family", 2, "joined emoji is one"),
];

/// Markdown: (source, words as rendered, why an author cares).
const MARKDOWN: &[(&str, usize, &str)] = &[
    ("**bold** _it_", 2, "emphasis markers"),
    ("word**bold**word", 1, "emphasis inside a word"),
    ("~~struck~~ text", 2, "strikethrough markers"),
    ("# Heading", 1, "ATX heading marker"),
    ("## Two words ##", 2, "closing heading marker"),
    ("Heading\n===", 1, "setext underline"),
    ("[link text](https://x.org/a-b)", 2, "link URL"),
    ("<https://example.org>", 1, "autolink shows its URL"),
    (
        "* item one\n* item two",
        6,
        "each bullet is a word, as LibreOffice counts list labels",
    ),
    (
        "1. first\n2. second",
        4,
        "each list number is a word, as LibreOffice counts list labels",
    ),
    (
        "- [x] done task",
        3,
        "the bullet counts, the checkbox does not",
    ),
    ("> quoted words", 2, "block quote marker"),
    ("![alt text](img.png)", 0, "image and its alt text"),
    ("[![logo](logo.png)](https://x.org)", 0, "linked image"),
    (
        "```rust\nlet x = 1;\n```",
        4,
        "fenced code block words count",
    ),
    ("    indented code here", 3, "indented code block"),
    ("Use `cargo test` now", 4, "code span keeps its text"),
    ("<span>two words</span>", 2, "inline HTML tags"),
    ("<div>\nblock html\n</div>", 2, "HTML block tags"),
    ("<!-- a comment -->", 0, "HTML comment"),
    ("&amp;", 1, "entity alone"),
    ("Fish &amp; chips", 3, "entity between words"),
    ("a&nbsp;b", 2, "no-break space entity separates"),
    ("\\*not emphasis\\*", 2, "escaped markers are shown"),
    ("Line one  \nline two", 4, "hard line break"),
    ("first paragraph\n\nsecond", 3, "paragraphs"),
    ("---", 0, "thematic break"),
    (
        "| a | b |\n|---|---|\n| c d | e |",
        5,
        "table pipes and rule",
    ),
    ("a -- b", 2, "smart punctuation renders -- as an en dash"),
    ("Claim.[^1]\n\n[^1]: Source.", 2, "footnote reference mark"),
    // Measured with LibreOffice Writer 7.4 on .docx files: a footnote or endnote mark after a
    // space is a word of its own; glued to a word, or between CJK characters, it is counted
    // as the number it shows.
    (
        "one two [^a] three\n\n[^a]: four five",
        6,
        "footnote mark standing alone",
    ),
    (
        "日本[^a]語\n\n[^a]: 東京",
        6,
        "footnote mark between CJK characters",
    ),
    (
        "[^a]one\n\n[^a]: two",
        2,
        "footnote mark glued before a word",
    ),
];

#[test]
fn plain_text_table() {
    let failures: Vec<String> = PLAIN
        .iter()
        .filter(|(text, expected, _)| count_words(text) != *expected)
        .map(|(text, expected, why)| {
            format!("{why}: {text:?} gave {} not {expected}", count_words(text))
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn markdown_table() {
    let failures: Vec<String> = MARKDOWN
        .iter()
        .filter(|(source, expected, _)| count_markdown_words(source) != *expected)
        .map(|(source, expected, why)| {
            format!(
                "{why}: {source:?} gave {} not {expected} (text {:?})",
                count_markdown_words(source),
                markdown_to_text(source)
            )
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn plain_text_counts_the_same_through_markdown() {
    // Text with no Markdown syntax in it counts the same either way.
    for (text, expected, why) in PLAIN {
        if !text.contains(['*', '_', '`', '#', '<', '&', '[', '!', '\\', '-', '"', '\'']) {
            assert_eq!(count_markdown_words(text), *expected, "{why}: {text:?}");
        }
    }
}

/// Five sentences of ten words each under the rules; the comments give the words.
const SENTENCES: [&str; 5] = [
    // We | don't | count | syntax | only | words | readers | see, | e.g. | today.
    "We **don't** count _syntax_—only words readers see, e.g. today.",
    // Guest | posts | run | 1,000 | 1,500 | words; | state-of-the-art | tooling | helps | editors.
    "Guest posts run 1,000–1,500 words; state-of-the-art tooling helps editors.",
    // Cite | sources | like | <url> | and | check | each | link | before | submitting.
    "Cite sources like https://www.example.com/a-b and check each link before submitting.",
    // Our | firm | deadline | is | 2024-11-05 | drafts | arrive | as | Markdown, | usually.
    "Our firm deadline is 2024-11-05 — drafts arrive as Markdown, usually.",
    // Quotes | like | “this | one” | and | a | lone | - | still | count.
    "Quotes like “this one” and a lone - still count.",
];

/// A 702-word guest post: a 4-word title, an image (0), 13 parts of a 2-word heading and a
/// 50-word paragraph (676), and a list of two 10-word items, each with its bullet, which
/// LibreOffice Writer counts as a word (22): 4 + 676 + 22 = 702.
fn guest_post() -> String {
    let paragraph = SENTENCES.join("\n");
    let mut post = String::from("# Counting words for guests\n\n");
    post.push_str("![Diagram of the review pipeline](pipeline.png)\n\n");
    for part in 1..=13 {
        post.push_str(&format!("## Part {part}\n\n{paragraph}\n\n"));
    }
    // Please | read | the | submission | guide | before | you | start | writing | today.
    post.push_str("- Please read the [submission guide](https://docket.example/guide-a-b) before you start writing today.\n");
    // Send | drafts | as | Markdown; | **bold** | and | italics | are | both | fine.
    post.push_str("- Send drafts as Markdown; `**bold**` and _italics_ are both fine.\n");
    post
}

#[test]
fn realistic_guest_post_counts_702_words() {
    for sentence in SENTENCES {
        assert_eq!(count_markdown_words(sentence), 10, "{sentence}");
    }
    let post = guest_post();
    assert_eq!(
        count_markdown_words(&post),
        702,
        "{}",
        markdown_to_text(&post)
    );
    // The raw source has more pieces between spaces (#, ##, list markers, image syntax):
    // counting it without rendering would be wrong.
    assert_ne!(count_words(&post), 700);
}

/// A fixed piece of text, as a strategy.
fn lit(text: &'static str) -> Just<String> {
    Just(text.to_owned())
}

/// Short strings mixing the things the rules treat differently.
fn mixed_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        "[a-zA-Z0-9]{1,8}",
        "[ .,;:!?\"'()$/-]",
        lit("\u{A0}"),
        lit("\u{2009}"),
        lit("\n"),
        lit("—"),
        lit("–"),
        lit("…"),
        lit("’"),
        lit("日本"),
        lit("テキスト"),
        lit("、"),
        lit("「"),
        lit("😀"),
        lit("\u{200B}"),
        lit("\u{AD}"),
        lit("Ωμέγα"),
        lit("한국"),
    ];
    prop::collection::vec(piece, 0..24).prop_map(|pieces| pieces.concat())
}

/// Like [`mixed_text`] but without CJK (Hangul included), dashes or invisible characters: plain
/// splitting on white space must agree with it.
fn western_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        "[a-zA-Z0-9]{1,8}",
        "[ .,;:!?\"'()$/-]",
        lit("\u{A0}"),
        lit("\u{2009}"),
        lit("\t"),
        lit("…"),
        lit("’"),
        lit("😀"),
        lit("Ωμέγα"),
        lit("Привет"),
    ];
    prop::collection::vec(piece, 0..24).prop_map(|pieces| pieces.concat())
}

/// Markdown-looking strings: syntax characters, HTML and entities in any order.
fn markdownish() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        "[a-z]{1,6}",
        "[ \n*_`#>\\[\\]()!<>&;|~\\\\-]",
        lit("<span>"),
        lit("</div>"),
        lit("<!--"),
        lit("-->"),
        lit("<script>"),
        lit("&amp;"),
        lit("&#x"),
        lit("```"),
        lit("\n\n"),
        lit("    "),
        lit("[^1]"),
        lit("日本"),
    ];
    prop::collection::vec(piece, 0..40).prop_map(|pieces| pieces.concat())
}

proptest! {
    #[test]
    fn count_never_panics_nor_exceeds_the_characters(text in any::<String>()) {
        prop_assert!(count_words(&text) <= text.chars().count());
    }

    #[test]
    fn count_of_mixed_text_is_bounded(text in mixed_text()) {
        prop_assert!(count_words(&text) <= text.chars().count());
    }

    #[test]
    fn joining_with_a_space_adds_the_counts(a in mixed_text(), b in mixed_text()) {
        prop_assert_eq!(count_words(&format!("{a} {b}")), count_words(&a) + count_words(&b));
    }

    #[test]
    fn joining_any_strings_with_a_space_adds_the_counts(a in any::<String>(), b in any::<String>()) {
        prop_assert_eq!(count_words(&format!("{a} {b}")), count_words(&a) + count_words(&b));
    }

    #[test]
    fn joining_with_a_dash_is_joining_with_a_space(a in mixed_text(), b in mixed_text()) {
        let spaced = count_words(&format!("{a} {b}"));
        prop_assert_eq!(count_words(&format!("{a}—{b}")), spaced);
        prop_assert_eq!(count_words(&format!("{a}–{b}")), spaced);
    }

    #[test]
    fn western_text_counts_as_split_on_white_space(text in western_text()) {
        prop_assert_eq!(count_words(&text), text.split_whitespace().count());
    }

    #[test]
    fn markdown_to_text_never_panics(source in any::<String>()) {
        let _ = markdown_to_text(&source);
    }

    #[test]
    fn markdownish_text_never_panics_and_stays_bounded(source in markdownish()) {
        let text = markdown_to_text(&source);
        prop_assert!(count_words(&text) <= source.chars().count());
    }
}
