//! Word counts for submitted pieces, matching what authors see in their word processor
//! (LibreOffice Writer 7.4), for plain text and for Markdown.
//!
//! The rules, in short (measured with Debian 12's LibreOffice 7.4.7 on .docx and .odt files,
//! the oracle the corpus tests of docket-documents run):
//! - a word is a piece of text between separators, punctuation alone included (`a - b` is 3);
//! - separators are Unicode white space (no-break and thin spaces included), the em dash `—`
//!   and the en dash `–`;
//! - each Han, Hiragana, Katakana or Hangul character, each Chinese/Japanese punctuation mark
//!   (`、。「」，！` …) and each full-width form is a word of its own (`Docket日本` is 3,
//!   `日本、中国。` is 6, `한국어` is 3);
//! - other punctuation glued to CJK characters is a word of its own too (`"東京"` is 4,
//!   `東京.` is 3), as a run (`日本"""" x` is 4);
//! - invisible format characters (soft hyphen, zero-width space and joiners, bidi controls, BOM)
//!   neither make nor split a word.
//!
//! UAX #29 word segmentation is deliberately not used: it splits `state-of-the-art`, dates and
//! URLs into several words and skips lone punctuation, all of which Writer counts as one word.

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

/// Counts words the way LibreOffice Writer counts them: pieces between white space and em/en
/// dashes, with each CJK character (Chinese, Japanese, Korean, their punctuation and full-width
/// forms) a word of its own.
pub fn count_words(text: &str) -> usize {
    let bytes = text.as_bytes();
    let mut state = CountState::default();
    let mut i = 0;
    while i < bytes.len() {
        // Fast path, outside a piece with CJK in it: the ASCII white space and visible ASCII
        // at the start of the next eight bytes, where each run of visible characters is a word.
        if !state.piece_has_ideograph
            && let Some(chunk) = bytes.get(i..i + 8)
        {
            let x = u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
            let (separators, other) = ascii_masks(x);
            // Bytes from the first non-ASCII or control byte on are left to the slow path.
            let clean = other.trailing_zeros() as usize / 8;
            let keep = u64::MAX.checked_shr(64 - 8 * clean as u32).unwrap_or(0);
            let visible = !separators & HIGH_BITS & keep;
            let previous_visible = (visible << 8) | (u64::from(state.in_run) << 7);
            state.count += (separators & keep & previous_visible).count_ones() as usize;
            if clean > 0 {
                state.in_run = (visible >> (8 * clean - 1)) & 1 != 0;
                i += clean;
            }
            if clean == 8 {
                continue;
            }
        }
        // Slow path: one character, and the non-ASCII characters right after it.
        i = state.step(text, i);
        while bytes.get(i).is_some_and(|&b| b >= 0x80) {
            let (class, len) = class_at(bytes, i);
            match class {
                // The common cases, inline: a letter in a run, and CJK with no run before it.
                Class::Letter | Class::Glue => state.in_run = true,
                Class::Ideograph if !state.in_run => {
                    state.count += 1;
                    state.piece_has_ideograph = true;
                }
                _ => {
                    state.step(text, i);
                }
            }
            i += len;
        }
    }
    state.end_run(text, bytes.len());
    state.count
}

/// The text of a Markdown document as a reader sees it rendered: no syntax (no #, *, _, `, >,
/// link URLs, image syntax, HTML tags), each list item with the label a reader sees (`•` or
/// `1.`, which LibreOffice Writer counts as a word), paragraphs, headings, list items, table
/// cells and block quotes separated by newlines; link text kept (URL dropped); image alt text
/// dropped; code spans and code blocks kept as text; HTML tags dropped but their text kept
/// (except inside `<script>`/`<style>`); entities decoded.
///
/// Parsed like Docket renders pieces (tables, strikethrough, smart punctuation, so `--` reads
/// as `–`), plus task lists and footnotes. A footnote reference reads as its number (`1`, in
/// order of first reference), as a reader sees the superscript: glued to a word it adds no word,
/// standing alone it is one, which is what LibreOffice Writer counts for a footnote or endnote
/// mark. A footnote definition's own label is not text (Writer does not count the number in
/// the footnote area either).
pub fn markdown_to_text(markdown: &str) -> String {
    let mut options = Options::empty();
    options.insert(Options::ENABLE_TABLES);
    options.insert(Options::ENABLE_STRIKETHROUGH);
    options.insert(Options::ENABLE_SMART_PUNCTUATION);
    options.insert(Options::ENABLE_TASKLISTS);
    options.insert(Options::ENABLE_FOOTNOTES);

    let mut out = String::with_capacity(markdown.len());
    let mut image_depth = 0usize;
    let mut html = HtmlText::default();
    // The numbering of each open list: `Some(next)` for ordered lists, `None` for bullets.
    let mut lists: Vec<Option<u64>> = Vec::new();
    // Footnote labels in order of first reference: each reads as its position.
    let mut footnotes: Vec<String> = Vec::new();
    for event in Parser::new_ext(markdown, options) {
        match event {
            Event::Start(Tag::Image { .. }) => image_depth += 1,
            Event::End(TagEnd::Image) => image_depth = image_depth.saturating_sub(1),
            // Everything inside an image is its alt text, which a reader does not see.
            _ if image_depth > 0 => {}
            Event::Start(Tag::List(start)) => {
                line_break(&mut out);
                lists.push(start);
            }
            Event::End(TagEnd::List(_)) => {
                lists.pop();
                line_break(&mut out);
            }
            Event::Start(Tag::Item) => {
                line_break(&mut out);
                match lists.last_mut() {
                    Some(Some(next)) => {
                        out.push_str(&format!("{next}. "));
                        *next += 1;
                    }
                    _ => out.push_str("\u{2022} "),
                }
            }
            Event::Start(tag) => {
                if !is_inline(&tag) {
                    line_break(&mut out);
                }
            }
            Event::End(tag) => {
                if tag == TagEnd::HtmlBlock {
                    html.reset();
                }
                if !is_inline_end(tag) {
                    line_break(&mut out);
                }
            }
            Event::Text(text)
            | Event::Code(text)
            | Event::InlineMath(text)
            | Event::DisplayMath(text) => {
                if !html.in_raw_text() {
                    out.push_str(&text);
                }
            }
            Event::Html(raw) => html.feed(&raw, &mut out),
            Event::InlineHtml(raw) => {
                html.feed(&raw, &mut out);
                html.end_inline();
            }
            Event::SoftBreak => out.push(' '),
            Event::HardBreak | Event::Rule => line_break(&mut out),
            Event::FootnoteReference(label) => {
                let number = match footnotes.iter().position(|l| **l == *label) {
                    Some(i) => i + 1,
                    None => {
                        footnotes.push(label.to_string());
                        footnotes.len()
                    }
                };
                out.push_str(&number.to_string());
            }
            Event::TaskListMarker(_) => {}
        }
    }
    let trimmed = out.trim_end_matches('\n').len();
    out.truncate(trimmed);
    out
}

/// Counts the words of a Markdown document as rendered: `count_words(&markdown_to_text(markdown))`.
pub fn count_markdown_words(markdown: &str) -> usize {
    count_words(&markdown_to_text(markdown))
}

/// What a character does to the count.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Class {
    /// Ends a word: white space, em/en dash.
    Separator,
    /// A word by itself: Han, Hiragana, Katakana, Hangul, Bopomofo, CJK punctuation and
    /// full-width forms, private-use (symbol font) characters.
    Ideograph,
    /// Punctuation (not symbols like `$`): counted like letters (Writer's count once treated it
    /// apart next to CJK; measured, it does not).
    Glue,
    /// Anything else that is visible: letters, digits, symbols, emoji.
    Letter,
    /// Invisible format characters: neither part of the count nor a separator.
    Invisible,
}

/// The count so far.
#[derive(Default)]
struct CountState {
    count: usize,
    /// Inside a run of visible characters that are not CJK.
    in_run: bool,
    /// The current piece (text since the last separator) has a CJK character.
    piece_has_ideograph: bool,
}

impl CountState {
    /// Counts the character at byte `i` of `text`, returning the byte after it.
    #[inline]
    fn step(&mut self, text: &str, i: usize) -> usize {
        let (class, len) = class_at(text.as_bytes(), i);
        match class {
            Class::Letter | Class::Glue => self.in_run = true,
            Class::Separator => {
                self.end_run(text, i);
                self.piece_has_ideograph = false;
            }
            Class::Ideograph => {
                // What came right before a CJK character is a word of its own.
                if self.in_run {
                    self.count += 1;
                }
                self.in_run = false;
                self.count += 1;
                self.piece_has_ideograph = true;
            }
            Class::Invisible => {}
        }
        i + len
    }

    /// The run of visible characters ending at byte `end` (if any) is over: it is a word.
    #[inline]
    fn end_run(&mut self, _text: &str, _end: usize) {
        if self.in_run {
            self.count += 1;
        }
        self.in_run = false;
    }
}

/// The class and UTF-8 length of the character starting at byte `i` of valid UTF-8 `bytes`.
#[inline(always)]
fn class_at(bytes: &[u8], i: usize) -> (Class, usize) {
    let b0 = bytes[i];
    if b0 < 0x80 {
        return (ASCII_CLASS[b0 as usize], 1);
    }
    // Valid UTF-8: the lead byte tells the length, and the continuation bytes are there.
    let (cp, len) = if b0 < 0xE0 {
        (
            u32::from(b0 & 0x1F) << 6 | u32::from(bytes[i + 1] & 0x3F),
            2,
        )
    } else if b0 < 0xF0 {
        (
            u32::from(b0 & 0x0F) << 12
                | u32::from(bytes[i + 1] & 0x3F) << 6
                | u32::from(bytes[i + 2] & 0x3F),
            3,
        )
    } else {
        (
            u32::from(b0 & 0x07) << 18
                | u32::from(bytes[i + 1] & 0x3F) << 12
                | u32::from(bytes[i + 2] & 0x3F) << 6
                | u32::from(bytes[i + 3] & 0x3F),
            4,
        )
    };
    let class = if cp < 0x10000 {
        BMP_CLASS[cp as usize]
    } else {
        classify(cp)
    };
    (class, len)
}

/// The high bit of each of eight bytes.
const HIGH_BITS: u64 = 0x8080_8080_8080_8080;

/// For each ASCII byte of `x`, the high bit set when the byte is at least `n` (1 ≤ `n` ≤ 0x80);
/// an ASCII byte carries nothing into the next byte, a non-ASCII byte may.
#[inline(always)]
const fn at_least(x: u64, n: u8) -> u64 {
    (x.wrapping_add(0x0101_0101_0101_0101 * (0x80 - n as u64))) & HIGH_BITS
}

/// For the eight bytes of `x`, the high bit of each ASCII white space byte and of each other
/// byte that is not visible ASCII (non-ASCII or a control character). Exact for the bytes
/// before the first such other byte (carries only move up), which is all the caller uses.
#[inline(always)]
fn ascii_masks(x: u64) -> (u64, u64) {
    let space = at_least(x, b' ') & !at_least(x, b' ' + 1);
    let tab_to_return = at_least(x, b'\t') & !at_least(x, b'\r' + 1);
    let control = (!at_least(x, b' ') & HIGH_BITS & !tab_to_return) | at_least(x, 0x7F);
    (space | tab_to_return, control | (x & HIGH_BITS))
}

/// Classes of the ASCII characters, indexed by byte.
static ASCII_CLASS: [Class; 128] = {
    let mut table = [Class::Letter; 128];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        table[b] = if matches!(c, b'\t' | b'\n' | 0x0B | 0x0C | b'\r' | b' ') {
            Class::Separator
        } else if c < 0x20 || c == 0x7F {
            Class::Invisible
        } else if c.is_ascii_punctuation()
            && !matches!(
                c,
                b'$' | b'+' | b'<' | b'=' | b'>' | b'^' | b'`' | b'|' | b'~'
            )
        {
            // Punctuation (general category P), not symbols such as `$` or `+`.
            Class::Glue
        } else {
            Class::Letter
        };
        b += 1;
    }
    table
};

/// Classes of the Basic Multilingual Plane, indexed by code point (64 KiB, built at compile time).
static BMP_CLASS: [Class; 0x10000] = {
    let mut table = [Class::Letter; 0x10000];
    let mut cp = 0;
    while cp < 0x10000 {
        table[cp] = classify(cp as u32);
        cp += 1;
    }
    table
};

/// The class of a non-ASCII code point.
const fn classify(cp: u32) -> Class {
    match cp {
        // Unicode White_Space (the same set as `char::is_whitespace`).
        0x85 | 0xA0 | 0x1680 | 0x2000..=0x200A | 0x2028 | 0x2029 | 0x202F | 0x205F | 0x3000 => {
            Class::Separator
        }
        // En dash and em dash: Writer's default "additional separators".
        0x2013 | 0x2014 => Class::Separator,
        // C1 controls, soft hyphen, zero-width space/joiners, direction marks and embeddings,
        // word joiner and invisible operators, isolates, BOM.
        0x80..=0x9F
        | 0xAD
        | 0x200B..=0x200F
        | 0x202A..=0x202E
        | 0x2060..=0x2064
        | 0x2066..=0x206F
        | 0xFEFF => Class::Invisible,
        // The Private Use Area: symbol-font characters (Word's `w:sym`, Wingdings, Symbol).
        // Writer's word boundaries make each one a word, even glued to a letter ("five" and a
        // Wingdings arrow right after it are two words).
        0xE000..=0xF8FF => Class::Ideograph,
        // Combining kana voiced sound marks (decomposed が) and their halfwidth forms.
        0x3099 | 0x309A | 0xFF9E | 0xFF9F => Class::Invisible,
        // Latin-1 and general punctuation: quotes, ellipsis, bullets, hyphens, daggers.
        0xA1 | 0xAB | 0xB7 | 0xBB | 0xBF | 0x2010..=0x2012 | 0x2015..=0x2027 | 0x2030..=0x205E => {
            Class::Glue
        }
        // Chinese and Japanese punctuation: 、。〃 brackets 「」『』【】 〜 ・ ゠, vertical and
        // small forms, full-width ！，．：；？（）［］｛｝ and letters, halfwidth ｡｢｣､･, each a word
        // of its own (Writer: `日本、中国。` is 6, `ＡＢＣ` is 3, `Docket、日本` is 4).
        0x3001..=0x3003
        | 0x3008..=0x3011
        | 0x3014..=0x301F
        | 0x3030
        | 0x303D
        | 0x30A0
        | 0x30FB
        | 0xFE10..=0xFE1F
        | 0xFE30..=0xFE4F
        | 0xFE50..=0xFE6B
        | 0xFF01..=0xFF0F
        | 0xFF1A..=0xFF20
        | 0xFF3B..=0xFF40
        | 0xFF5B..=0xFF65
        | 0xFF21..=0xFF3A
        | 0xFF41..=0xFF5A
        | 0xFF10..=0xFF19
        | 0xFFE0..=0xFFE6 => Class::Ideograph,
        // Hangul syllables and jamo: each a word of its own (Writer: `한국어` is 3).
        0x1100..=0x11FF | 0x3131..=0x318E | 0xA960..=0xA97F | 0xAC00..=0xD7A3 | 0xD7B0..=0xD7FF => {
            Class::Ideograph
        }
        // Han (radicals, 々〆〇, Hangzhou numerals, unified and compatibility ideographs,
        // supplementary planes), Hiragana, Katakana (with ー), Bopomofo, halfwidth Katakana,
        // Kana supplements.
        0x2E80..=0x2FDF
        | 0x3005..=0x3007
        | 0x3021..=0x3029
        | 0x3038..=0x303B
        | 0x3041..=0x309F
        | 0x30A1..=0x30FF
        | 0x3105..=0x312F
        | 0x31A0..=0x31BF
        | 0x31F0..=0x31FF
        | 0x3400..=0x4DBF
        | 0x4E00..=0x9FFF
        | 0xF900..=0xFAFF
        | 0xFF66..=0xFF9D
        | 0x1AFF0..=0x1B16F
        | 0x20000..=0x3FFFF => Class::Ideograph,
        _ => Class::Letter,
    }
}

/// Inline tags: their start and end do not separate text.
fn is_inline(tag: &Tag<'_>) -> bool {
    matches!(
        tag,
        Tag::Emphasis
            | Tag::Strong
            | Tag::Strikethrough
            | Tag::Superscript
            | Tag::Subscript
            | Tag::Link { .. }
            | Tag::Image { .. }
    )
}

/// Inline tag ends: see [`is_inline`].
fn is_inline_end(tag: TagEnd) -> bool {
    matches!(
        tag,
        TagEnd::Emphasis
            | TagEnd::Strong
            | TagEnd::Strikethrough
            | TagEnd::Superscript
            | TagEnd::Subscript
            | TagEnd::Link
            | TagEnd::Image
    )
}

/// Ends the current line of `out`, unless it is empty or the line is already ended.
fn line_break(out: &mut String) {
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
}

/// Where the HTML reader is within the raw HTML seen so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum HtmlMode {
    #[default]
    Text,
    /// Inside `<...>`, in a quoted attribute value when `quote` is set.
    Tag { quote: Option<u8> },
    /// Inside `<!-- ... -->`.
    Comment,
}

/// Turns raw HTML (block or inline, possibly fed in pieces) into the text a reader sees.
#[derive(Default)]
struct HtmlText {
    mode: HtmlMode,
    /// The current tag is a closing tag (`</...`).
    closing: bool,
    /// The current tag's name, lower-cased, as far as it is read (long names are cut).
    name: [u8; 12],
    name_len: usize,
    name_done: bool,
    /// Inside `<script>` or `<style>`: text is not shown until the closing tag.
    raw_until: Option<&'static [u8]>,
}

/// HTML elements that start a new line when rendered.
const BLOCK_ELEMENTS: &[&[u8]] = &[
    b"address",
    b"article",
    b"aside",
    b"blockquote",
    b"br",
    b"dd",
    b"details",
    b"div",
    b"dl",
    b"dt",
    b"figcaption",
    b"figure",
    b"footer",
    b"h1",
    b"h2",
    b"h3",
    b"h4",
    b"h5",
    b"h6",
    b"header",
    b"hr",
    b"li",
    b"main",
    b"nav",
    b"ol",
    b"p",
    b"pre",
    b"section",
    b"summary",
    b"table",
    b"td",
    b"th",
    b"tr",
    b"ul",
];

impl HtmlText {
    /// Text is hidden: inside `<script>` or `<style>`.
    fn in_raw_text(&self) -> bool {
        self.raw_until.is_some()
    }

    /// An inline HTML event is always complete: never carry a half-read tag past it.
    fn end_inline(&mut self) {
        self.mode = HtmlMode::Text;
    }

    /// The HTML block is over: start the next one afresh.
    fn reset(&mut self) {
        *self = HtmlText::default();
    }

    /// Reads `html`, pushing its visible text (entities decoded) to `out`.
    fn feed(&mut self, html: &str, out: &mut String) {
        let bytes = html.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            match self.mode {
                HtmlMode::Comment => match html[i..].find("-->") {
                    Some(at) => {
                        i += at + 3;
                        self.mode = HtmlMode::Text;
                    }
                    None => return,
                },
                HtmlMode::Tag { quote } => {
                    let b = bytes[i];
                    i += 1;
                    match quote {
                        Some(q) if b == q => self.mode = HtmlMode::Tag { quote: None },
                        Some(_) => {}
                        None if b == b'"' || b == b'\'' => {
                            self.name_done = true;
                            self.mode = HtmlMode::Tag { quote: Some(b) };
                        }
                        None if b == b'>' => self.end_tag(out),
                        None if !self.name_done && b.is_ascii_alphanumeric() => {
                            if self.name_len < self.name.len() {
                                self.name[self.name_len] = b.to_ascii_lowercase();
                                self.name_len += 1;
                            }
                        }
                        None => self.name_done = true,
                    }
                }
                HtmlMode::Text => {
                    let rest = &html[i..];
                    if rest.starts_with("<!--") {
                        self.mode = HtmlMode::Comment;
                        i += 4;
                        continue;
                    }
                    let next = bytes.get(i + 1).copied();
                    if bytes[i] == b'<'
                        && next.is_some_and(|n| n.is_ascii_alphabetic() || b"/!?".contains(&n))
                    {
                        self.closing = next == Some(b'/');
                        self.name_len = 0;
                        self.name_done =
                            !next.is_some_and(|n| n.is_ascii_alphabetic() || n == b'/');
                        self.mode = HtmlMode::Tag { quote: None };
                        i += if self.closing { 2 } else { 1 };
                        continue;
                    }
                    let Some(c) = rest.chars().next() else { return };
                    if c == '&'
                        && let Some((decoded, len)) = decode_entity(rest)
                    {
                        if self.raw_until.is_none() {
                            out.push(decoded);
                        }
                        i += len;
                        continue;
                    }
                    if self.raw_until.is_none() {
                        if c == '\n' {
                            line_break(out);
                        } else {
                            out.push(c);
                        }
                    }
                    i += c.len_utf8();
                }
            }
        }
    }

    /// The tag just read ended with `>`.
    fn end_tag(&mut self, out: &mut String) {
        self.mode = HtmlMode::Text;
        let name = &self.name[..self.name_len];
        match self.raw_until {
            Some(raw) => {
                if self.closing && name == raw {
                    self.raw_until = None;
                }
            }
            None => {
                if !self.closing && (name == b"script" || name == b"style") {
                    self.raw_until = Some(if name == b"script" {
                        b"script"
                    } else {
                        b"style"
                    });
                } else if BLOCK_ELEMENTS.contains(&name) {
                    line_break(out);
                }
            }
        }
    }
}

/// Decodes the character reference at the start of `s` (`&amp;`, `&#8212;`, `&#x2014;`),
/// returning the character and the reference's length. Unknown names are left alone.
fn decode_entity(s: &str) -> Option<(char, usize)> {
    let end = s.as_bytes().iter().take(34).position(|&b| b == b';')?;
    let body = &s[1..end];
    let c = if let Some(number) = body.strip_prefix('#') {
        let code = match number.strip_prefix(['x', 'X']) {
            Some(hex) if !hex.is_empty() && hex.len() <= 6 => u32::from_str_radix(hex, 16).ok()?,
            None if !number.is_empty() && number.len() <= 7 => number.parse::<u32>().ok()?,
            _ => return None,
        };
        match code {
            0 => char::REPLACEMENT_CHARACTER,
            _ => char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER),
        }
    } else {
        match body {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            "nbsp" => '\u{A0}',
            "ensp" => '\u{2002}',
            "emsp" => '\u{2003}',
            "thinsp" => '\u{2009}',
            "shy" => '\u{AD}',
            "ZeroWidthSpace" => '\u{200B}',
            "zwj" => '\u{200D}',
            "zwnj" => '\u{200C}',
            "ndash" => '–',
            "mdash" => '—',
            "hellip" => '…',
            "lsquo" => '‘',
            "rsquo" => '’',
            "sbquo" => '‚',
            "ldquo" => '“',
            "rdquo" => '”',
            "bdquo" => '„',
            "laquo" => '«',
            "raquo" => '»',
            "middot" => '·',
            "bull" => '•',
            "copy" => '©',
            "reg" => '®',
            "trade" => '™',
            "deg" => '°',
            "times" => '×',
            "divide" => '÷',
            "euro" => '€',
            "pound" => '£',
            "yen" => '¥',
            "cent" => '¢',
            "sect" => '§',
            "para" => '¶',
            _ => return None,
        }
    };
    Some((c, end + 1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The rules written plainly, one character at a time, to check the fast path against.
    fn reference_count(text: &str) -> usize {
        let (mut count, mut in_run, mut has_letter, mut piece_has_ideograph) =
            (0, false, false, false);
        let mut buf = [0; 4];
        for c in text.chars().chain([' ']) {
            match class_at(c.encode_utf8(&mut buf).as_bytes(), 0).0 {
                Class::Letter => (in_run, has_letter) = (true, true),
                Class::Glue => (in_run, has_letter) = (true, true),
                Class::Invisible => {}
                Class::Separator => {
                    count += usize::from(in_run && (has_letter || !piece_has_ideograph));
                    (in_run, has_letter, piece_has_ideograph) = (false, false, false);
                }
                Class::Ideograph => {
                    count += usize::from(in_run && has_letter) + 1;
                    (in_run, has_letter, piece_has_ideograph) = (false, false, true);
                }
            }
        }
        count
    }

    fn tricky_text() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            "[a-z]{1,12}",
            "[ \t\n.,\"$-]{1,3}",
            "[\u{0}-\u{1f}\u{7f}\u{a0}\u{ad}\u{200b}\u{2013}\u{2014}\u{2026}\u{3001}\u{3099}]",
            "[日本語テキスト]{1,3}",
            "[éЖ한😀]",
        ];
        prop::collection::vec(piece, 0..60).prop_map(|pieces| pieces.concat())
    }

    proptest! {
        #[test]
        fn fast_count_agrees_with_the_plain_rules(text in tricky_text()) {
            prop_assert_eq!(count_words(&text), reference_count(&text));
        }

        #[test]
        fn fast_count_agrees_on_any_text(text in any::<String>()) {
            prop_assert_eq!(count_words(&text), reference_count(&text));
        }
    }

    #[test]
    fn fast_path_handles_runs_across_chunks() {
        let long = "abcdefghijklmnopqrstuvwxyz ".repeat(10);
        assert_eq!(count_words(&long), 10);
        assert_eq!(count_words(&format!("{long}\u{1}x\u{7f} y")), 12);
        assert_eq!(count_words("日本\"\"\"\"\"\"\"\"\"\" x"), 4);
        assert_eq!(count_words("日本......................本 ......."), 5);
    }

    #[test]
    fn ascii_table_agrees_with_std_on_white_space() {
        for b in 0u8..128 {
            let is_separator = ASCII_CLASS[b as usize] == Class::Separator;
            assert_eq!(is_separator, char::from(b).is_whitespace(), "byte {b:#x}");
        }
    }

    #[test]
    fn every_unicode_white_space_separates() {
        for c in (0..=0x10FFFFu32).filter_map(char::from_u32) {
            if c.is_whitespace() && !c.is_ascii() {
                assert_eq!(classify(c as u32), Class::Separator, "U+{:04X}", c as u32);
            }
        }
    }

    #[test]
    fn decoding_by_hand_matches_std_for_every_length() {
        // One character of each UTF-8 length, around separators.
        assert_eq!(count_words("é ∑ 😀 x"), 4);
        assert_eq!(count_words("é\u{A0}∑\u{3000}😀"), 3);
        assert_eq!(count_words("\u{20000}\u{20001}"), 2);
    }

    #[test]
    fn punctuation_glued_to_cjk_is_a_word() {
        // Measured with LibreOffice 7.4.7 (Debian 12) on .docx files.
        assert_eq!(count_words("\"東京\""), 4);
        assert_eq!(count_words("東京."), 3);
        assert_eq!(count_words("(東京)"), 4);
        // But letters or symbols glued to CJK do.
        assert_eq!(count_words("東京-Docket"), 3);
        assert_eq!(count_words("東京$"), 3);
        // And punctuation alone between spaces still counts.
        assert_eq!(count_words("東京 . 大阪"), 5);
    }

    #[test]
    fn invisible_characters_neither_count_nor_split() {
        assert_eq!(count_words("\u{200B}"), 0);
        assert_eq!(count_words("\u{FEFF}Hello world"), 2);
        assert_eq!(count_words("co\u{AD}operate"), 1);
        assert_eq!(count_words("\u{200F}שלום\u{200F} עולם"), 2);
        // Decomposed が is one character.
        assert_eq!(count_words("か\u{3099}"), 1);
    }

    #[test]
    fn markdown_text_separates_blocks_with_newlines() {
        let text = markdown_to_text(
            "# Title\n\nA *para*graph with [a link](https://x.org).\n\n* one\n* two\n  * nested\n\n> quote\n\n| a | b |\n|---|---|\n| c | d |\n",
        );
        assert_eq!(
            text,
            "Title\nA paragraph with a link.\n\u{2022} one\n\u{2022} two\n\u{2022} nested\nquote\na\nb\nc\nd"
        );
    }

    #[test]
    fn markdown_text_keeps_code_and_drops_images() {
        assert_eq!(
            markdown_to_text(
                "Run `cargo test` ![screenshot](s.png) now.\n\n```rust\nfn main() {}\n```"
            ),
            "Run cargo test  now.\nfn main() {}"
        );
        assert_eq!(markdown_to_text("[![logo](logo.png)](https://x.org)"), "");
    }

    #[test]
    fn markdown_text_strips_html_and_decodes_entities() {
        assert_eq!(markdown_to_text("<span>two words</span>"), "two words");
        assert_eq!(
            markdown_to_text("Fish &amp; chips &mdash; &#x41;&#66;"),
            "Fish & chips — AB"
        );
        assert_eq!(
            markdown_to_text(
                "<div class=\"note\" title='a > b'>\n<p>Hello &amp; <b>wel</b>come</p><p>again</p>\n</div>"
            ),
            "Hello & welcome\nagain"
        );
        assert_eq!(markdown_to_text("<!-- hidden\nnote -->\n\nshown"), "shown");
        assert_eq!(
            markdown_to_text("Hi <script>alert(1)</script> there"),
            "Hi  there"
        );
        assert_eq!(
            markdown_to_text("<style>\np { color: red }\n</style>\n\nshown"),
            "shown"
        );
        assert_eq!(markdown_to_text("a < b and c<d"), "a < b and c<d");
    }

    #[test]
    fn markdown_text_follows_docket_rendering() {
        // Smart punctuation, as in `markdown::to_safe_html`.
        assert_eq!(markdown_to_text("a -- b don't"), "a – b don’t");
        assert_eq!(count_markdown_words("a -- b"), 2);
        // A footnote reference reads as its number; its definition is text, without its label.
        assert_eq!(
            markdown_to_text("Claim.[^x]\n\n[^x]: Source."),
            "Claim.1\nSource."
        );
        // A task list item shows its bullet; the checkbox adds no text.
        assert_eq!(markdown_to_text("- [x] done"), "\u{2022} done");
    }

    #[test]
    fn entities_are_decoded_only_when_known() {
        assert_eq!(decode_entity("&amp;rest"), Some(('&', 5)));
        assert_eq!(decode_entity("&#8212;"), Some(('—', 7)));
        assert_eq!(decode_entity("&#0;"), Some(('\u{FFFD}', 4)));
        assert_eq!(decode_entity("&#xD800;"), Some(('\u{FFFD}', 8)));
        assert_eq!(decode_entity("&nosuch;"), None);
        assert_eq!(decode_entity("& amp"), None);
        assert_eq!(decode_entity("&#;"), None);
    }
}

/// The part of a web address made from `text`: folded as search folds it ("Café Ærø" → "cafe
/// aero"), ASCII letters and digits kept, every other run one hyphen, at most `max` characters
/// cut at a hyphen. Empty when nothing is left (a title in another script): callers fall back.
pub fn slugify(text: &str, max: usize) -> String {
    let folded = crate::search::fold(text);
    let mut slug = String::with_capacity(folded.len());
    for c in folded.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    while slug.ends_with('-') {
        slug.pop();
    }
    if slug.len() > max {
        let cut = slug[..max].rfind('-').filter(|&at| at > 0).unwrap_or(max);
        slug.truncate(cut);
    }
    slug
}

#[cfg(test)]
mod slug_tests {
    use super::slugify;

    #[test]
    fn a_title_becomes_a_short_readable_address() {
        assert_eq!(
            slugify("Data, Courts & the Citizen: What’s Next?", 80),
            "data-courts-the-citizen-what-s-next"
        );
        assert_eq!(slugify("Café Ærø — Übung", 80), "cafe-aero-ubung");
        assert_eq!(slugify("数据与司法", 80), "");
        assert_eq!(slugify("one two three four", 12), "one-two");
        assert_eq!(slugify("abcdefghijklmnop", 5), "abcde");
    }
}
