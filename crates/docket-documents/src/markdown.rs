//! A small document model shared by the Word and OpenDocument readers, and its rendering to
//! CommonMark: escaped text, merged runs, nested lists, quotes, safe links.

use std::collections::HashMap;

/// A run of text with one formatting. `'\n'` in `text` is a line break. A `raw` span is
/// Markdown made by the reader itself (a footnote mark `[^1]`, an image placeholder), written
/// out as it is, never escaped nor emphasised.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Span {
    pub text: String,
    pub bold: bool,
    pub italic: bool,
    pub link: Option<String>,
    pub raw: bool,
}

impl Span {
    fn same_format(&self, other: &Span) -> bool {
        self.bold == other.bold
            && self.italic == other.italic
            && self.link == other.link
            && self.raw == other.raw
    }
}

/// The label a list item shows.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Label {
    /// A bullet: rendered as a Markdown bullet item.
    Bullet,
    /// This number with a dot (`3.`): a Markdown ordered item when Markdown would show that
    /// number, else written out as text.
    Number(u64),
    /// Any other label (`a)`, `iv.`, `1.2`, `Article 3`): written out as text before the item,
    /// since Markdown cannot show it.
    Text(String),
}

/// A table cell: its paragraphs (nested tables already flattened into them).
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct Cell {
    pub blocks: Vec<Block>,
    /// Columns the cell spans (`0` or `1` for one).
    pub span: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum BlockKind {
    Paragraph,
    /// Level 1 to 6.
    Heading(u8),
    Quote,
    /// An item of list `list` (an identity within the document) at nesting `level` (0 = top).
    ListItem {
        list: u64,
        level: usize,
        label: Label,
    },
    /// A further paragraph of the list item above, at nesting `level`.
    ListContinuation {
        level: usize,
    },
    /// A table: rows of cells, as a GFM table (the first row is its header). Merged cells are
    /// flattened: the text sits in the first cell of the merge, the others are empty.
    Table(Vec<Vec<Cell>>),
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Block {
    pub kind: BlockKind,
    pub spans: Vec<Span>,
}

impl Block {
    pub(crate) fn new(kind: BlockKind) -> Self {
        Block {
            kind,
            spans: Vec::new(),
        }
    }

    /// Appends text, extending the last span when the formatting is the same.
    pub(crate) fn push(&mut self, text: &str, bold: bool, italic: bool, link: Option<&str>) {
        if text.is_empty() {
            return;
        }
        if let Some(last) = self.spans.last_mut()
            && last.bold == bold
            && last.italic == italic
            && last.link.as_deref() == link
        {
            last.text.push_str(text);
            return;
        }
        self.spans.push(Span {
            text: text.to_owned(),
            bold,
            italic,
            link: link.map(str::to_owned),
            raw: false,
        });
    }

    /// Appends Markdown made by the reader (a footnote mark, an image placeholder).
    pub(crate) fn push_raw(&mut self, markdown: &str) {
        self.spans.push(Span {
            text: markdown.to_owned(),
            bold: false,
            italic: false,
            link: None,
            raw: true,
        });
    }

    /// True when the block has no visible text (raw spans such as images count as visible).
    pub(crate) fn is_blank(&self) -> bool {
        match &self.kind {
            BlockKind::Table(rows) => rows
                .iter()
                .all(|row| row.iter().all(|c| c.blocks.iter().all(Block::is_blank))),
            _ => self
                .spans
                .iter()
                .all(|s| !s.raw && s.text.trim().is_empty()),
        }
    }

    /// The text without formatting, whitespace collapsed (for titles and comments).
    pub(crate) fn plain_text(&self) -> String {
        let joined: String = self
            .spans
            .iter()
            .filter(|s| !s.raw)
            .map(|s| s.text.as_str())
            .collect();
        collapse_whitespace(&joined)
    }
}

/// The text of the first heading, if any.
pub(crate) fn first_heading(blocks: &[Block]) -> Option<String> {
    blocks
        .iter()
        .filter(|b| matches!(b.kind, BlockKind::Heading(_)))
        .map(Block::plain_text)
        .find(|t| !t.is_empty())
}

pub(crate) fn collapse_whitespace(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Keeps a link target only if it is `http`, `https` or `mailto`, percent-encoding the
/// characters that would end a Markdown link destination.
pub(crate) fn safe_url(url: &str) -> Option<String> {
    let url = url.trim();
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    let allowed = lower.starts_with("http://")
        || lower.starts_with("https://")
        || lower.starts_with("mailto:");
    if !allowed || url.len() > 2048 {
        return None;
    }
    let mut out = String::with_capacity(url.len());
    for c in url.chars() {
        match c {
            ' ' => out.push_str("%20"),
            '<' => out.push_str("%3C"),
            '>' => out.push_str("%3E"),
            '(' => out.push_str("%28"),
            ')' => out.push_str("%29"),
            '"' => out.push_str("%22"),
            '\\' => out.push_str("%5C"),
            '`' => out.push_str("%60"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    Some(out)
}

/// The Markdown placeholder of an image named `name` (its file name in the document): its alt
/// text, or its name; for an image Docket cannot show (`shown` false: SVG, EMF, WMF…), the alt
/// text also says so. Image syntax, so that it adds no word to the count (Word and LibreOffice
/// count no words for a picture).
pub(crate) fn image_placeholder(name: &str, alt: Option<&str>, shown: bool) -> String {
    let mut shown_alt = alt.unwrap_or(name).to_owned();
    if !shown {
        let extension = name
            .rsplit_once('.')
            .map(|(_, e)| e.to_ascii_uppercase())
            .unwrap_or_default();
        let kind = if extension.is_empty() {
            "an image".to_owned()
        } else {
            // "an SVG", "an EMF", "a WMF": the article follows how the letters are said.
            let article = if extension
                .starts_with(['A', 'E', 'F', 'H', 'I', 'L', 'M', 'N', 'O', 'R', 'S', 'X'])
            {
                "an"
            } else {
                "a"
            };
            format!("{article} {extension} image")
        };
        shown_alt = match alt {
            Some(alt) => format!("{alt} ({name}, {kind} that cannot be shown here)"),
            None => format!("{name}, {kind} that cannot be shown here"),
        };
    }
    let mut out = String::from("![");
    escape_inline(&shown_alt, &mut out);
    out.push_str("](");
    out.push_str(&link_destination(name));
    out.push(')');
    out
}

/// A link or image destination: `<…>` when it has characters that would end a bare one.
pub(crate) fn link_destination(target: &str) -> String {
    let clean: String = target
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '<' | '>' | '\n'))
        .collect();
    if clean.contains([' ', '(', ')']) || clean.is_empty() {
        format!("<{clean}>")
    } else {
        clean
    }
}

/// Escapes text so that CommonMark (and GFM) shows it literally: emphasis, code, links, raw
/// HTML, entities, strikethrough. Line starts are handled by [`escape_line_start`].
pub(crate) fn escape_inline(text: &str, out: &mut String) {
    for (i, c) in text.char_indices() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '~' => {
                out.push('\\');
                out.push(c);
            }
            '&' if looks_like_entity(&text[i + 1..]) => out.push_str("\\&"),
            '\t' => out.push(' '),
            '\r' => {}
            c if c.is_control() && c != '\n' => {}
            c => out.push(c),
        }
    }
}

fn looks_like_entity(rest: &str) -> bool {
    let body: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '#')
        .collect();
    !body.is_empty() && rest[body.len()..].starts_with(';')
}

/// Escapes what would make a line a heading, quote, list item, thematic break or table.
pub(crate) fn escape_line_start(line: &str) -> String {
    let mut chars = line.chars();
    match chars.next() {
        Some('#' | '>' | '-' | '+' | '=' | '|') => format!("\\{line}"),
        Some(c) if c.is_ascii_digit() => {
            let digits = line.bytes().take_while(u8::is_ascii_digit).count();
            // A list marker only when a space (or the end) follows: "1.1." is no marker.
            let after = line.as_bytes().get(digits + 1);
            match line.as_bytes().get(digits) {
                Some(b'.' | b')') if digits <= 9 && matches!(after, None | Some(b' ' | b'\t')) => {
                    format!("{}\\{}", &line[..digits], &line[digits..])
                }
                _ => line.to_owned(),
            }
        }
        _ => line.to_owned(),
    }
}

/// Renders inline spans; `'\n'` stays a raw newline (the caller turns it into a hard break).
fn render_inline(spans: &[Span], plain: bool) -> String {
    // Normalise: drop empty spans, strip formatting in plain mode.
    let mut spans: Vec<Span> = spans
        .iter()
        .filter(|s| !s.text.is_empty())
        .map(|s| Span {
            text: s.text.clone(),
            bold: s.bold && !plain && !s.raw,
            italic: s.italic && !plain && !s.raw,
            link: if s.raw { None } else { s.link.clone() },
            raw: s.raw,
        })
        .collect();
    // Whitespace between two spans of the same formatting takes that formatting, so that
    // "**a** **b**" becomes "**a b**"; elsewhere whitespace needs no formatting at all.
    for i in 0..spans.len() {
        if spans[i].raw || !spans[i].text.chars().all(|c| c == ' ' || c == '\t') {
            continue;
        }
        let (bold, italic) = match (i.checked_sub(1).map(|p| &spans[p]), spans.get(i + 1)) {
            (Some(prev), Some(next))
                if prev.bold == next.bold
                    && prev.italic == next.italic
                    && prev.link == spans[i].link =>
            {
                (prev.bold, prev.italic)
            }
            _ => (false, false),
        };
        spans[i].bold = bold;
        spans[i].italic = italic;
    }
    let mut merged: Vec<Span> = Vec::with_capacity(spans.len());
    for span in spans {
        match merged.last_mut() {
            Some(last) if last.same_format(&span) => last.text.push_str(&span.text),
            _ => merged.push(span),
        }
    }

    let mut out = String::new();
    let mut i = 0;
    while i < merged.len() {
        let link = merged[i].link.clone();
        let mut j = i;
        let mut inner = String::new();
        while j < merged.len() && merged[j].link == link {
            render_formatted(&merged[j], &mut inner);
            j += 1;
        }
        match link {
            Some(url) if !inner.trim().is_empty() => {
                // Keep surrounding whitespace outside the brackets.
                let start = inner.len() - inner.trim_start().len();
                let end = inner.trim_end().len();
                out.push_str(&inner[..start]);
                out.push('[');
                out.push_str(&inner[start..end].replace('\n', " "));
                out.push_str("](");
                out.push_str(&url);
                out.push(')');
                out.push_str(&inner[end..]);
            }
            _ => out.push_str(&inner),
        }
        i = j;
    }
    out
}

fn render_formatted(span: &Span, out: &mut String) {
    if span.raw {
        out.push_str(&span.text);
        return;
    }
    let mut escaped = String::with_capacity(span.text.len() + 8);
    escape_inline(&span.text, &mut escaped);
    let marker = match (span.bold, span.italic) {
        (true, true) => "***",
        (true, false) => "**",
        (false, true) => "*",
        (false, false) => {
            out.push_str(&escaped);
            return;
        }
    };
    let core = escaped.trim_matches(|c: char| c.is_whitespace());
    if core.is_empty() {
        out.push_str(&escaped);
        return;
    }
    let start = escaped.len()
        - escaped
            .trim_start_matches(|c: char| c.is_whitespace())
            .len();
    let end = start + core.len();
    out.push_str(&escaped[..start]);
    out.push_str(marker);
    out.push_str(core);
    out.push_str(marker);
    out.push_str(&escaped[end..]);
}

/// Splits rendered inline text into its non-empty lines, trimmed, spaces collapsed.
fn lines_of(inline: &str) -> Vec<String> {
    inline
        .split('\n')
        .map(|line| {
            let mut collapsed = String::with_capacity(line.len());
            let mut prev_space = false;
            for c in line.trim().chars() {
                if c == ' ' {
                    if !prev_space {
                        collapsed.push(' ');
                    }
                    prev_space = true;
                } else {
                    collapsed.push(c);
                    prev_space = false;
                }
            }
            collapsed
        })
        .filter(|l| !l.is_empty())
        .collect()
}

/// Deepest list level rendered as such (0-based, as Word's nine levels).
const MAX_LIST_LEVEL: usize = 8;

/// A footnote or endnote: its label (`1` for `[^1]`) and its paragraphs.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Note {
    pub label: String,
    pub blocks: Vec<Block>,
}

/// Renders blocks and then the notes as Markdown footnote definitions (`[^1]: …`, further
/// paragraphs indented by four spaces), ending with a newline (empty string for no text).
pub(crate) fn render_document(blocks: &[Block], notes: &[Note]) -> String {
    let mut out = render(blocks);
    for note in notes {
        let body = render(&note.blocks);
        if out.is_empty() {
            // Nothing above: still a definition, so that no mark is left dangling.
        } else {
            out.push('\n');
        }
        out.push_str("[^");
        out.push_str(&note.label);
        out.push_str("]: ");
        let mut first = true;
        for line in body.trim_end().split('\n') {
            if !first {
                out.push('\n');
                if !line.is_empty() {
                    out.push_str("    ");
                }
            }
            out.push_str(line);
            first = false;
        }
        out.push('\n');
    }
    out
}

/// The inline Markdown of a table cell: its paragraphs on one line, list labels as text, pipes
/// escaped.
fn cell_markdown(cell: &Cell) -> String {
    let mut parts: Vec<String> = Vec::new();
    for block in &cell.blocks {
        let mut text = String::new();
        if let BlockKind::ListItem { label, .. } = &block.kind {
            match label {
                Label::Bullet => text.push_str("\u{2022} "),
                Label::Number(n) => text.push_str(&format!("{n}. ")),
                Label::Text(t) => {
                    escape_inline(t, &mut text);
                    text.push(' ');
                }
            }
        }
        let plain = matches!(block.kind, BlockKind::Heading(_));
        let lines = lines_of(&render_inline(&block.spans, plain));
        if lines.is_empty() {
            continue;
        }
        text.push_str(&lines.join(" "));
        parts.push(text);
    }
    parts.join(" ").replace('|', "\\|")
}

fn render_table(rows: &[Vec<Cell>]) -> String {
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|row| {
            let mut cells = Vec::new();
            for cell in row {
                cells.push(cell_markdown(cell));
                // A merged cell: empty cells after it keep the columns in line.
                for _ in 1..cell.span.min(64) {
                    cells.push(String::new());
                }
            }
            cells
        })
        .filter(|row: &Vec<String>| !row.is_empty())
        .collect();
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    if columns == 0 || rows.iter().all(|r| r.iter().all(String::is_empty)) {
        return String::new();
    }
    let mut out = String::new();
    for (i, row) in rows.iter().enumerate() {
        out.push('|');
        for c in 0..columns {
            let cell = row.get(c).map(String::as_str).unwrap_or("");
            out.push(' ');
            out.push_str(cell);
            out.push_str(" |");
        }
        out.push('\n');
        if i == 0 {
            out.push('|');
            for _ in 0..columns {
                out.push_str(" --- |");
            }
            out.push('\n');
        }
    }
    out.pop();
    out
}

/// Renders blocks to CommonMark (GFM tables), ending with a newline (empty string for no text).
pub(crate) fn render(blocks: &[Block]) -> String {
    let mut out = String::new();
    let mut prev: Option<&BlockKind> = None;
    // Open list levels of the current list: content column of each level.
    let mut open: Vec<usize> = Vec::new();
    let mut open_list: Option<u64> = None;
    // Numbering of each list, per level (for labels Markdown numbers itself).
    let mut counters: HashMap<u64, Vec<u64>> = HashMap::new();
    let mut level_ordered: Vec<bool> = Vec::new();
    // The number Markdown would show next at each open level.
    let mut next_number: Vec<u64> = Vec::new();

    for block in blocks {
        let mut text = String::new();
        let separator;
        let mut keeps_list = false;
        if let BlockKind::Table(rows) = &block.kind {
            let table = render_table(rows);
            if table.is_empty() {
                continue;
            }
            text.push_str(&table);
            separator = "\n\n";
        } else {
            let plain = matches!(block.kind, BlockKind::Heading(_));
            let mut lines = lines_of(&render_inline(&block.spans, plain));
            if lines.is_empty() {
                // An empty list paragraph still shows its label, in Word as in LibreOffice
                // (which counts it).
                if !matches!(block.kind, BlockKind::ListItem { .. }) {
                    continue;
                }
                lines.push(String::new());
            }
            match &block.kind {
                BlockKind::Heading(level) => {
                    let mut joined = lines.join(" ");
                    if joined.ends_with('#') {
                        joined.pop();
                        joined.push_str("\\#");
                    }
                    text.push_str(&"#".repeat(usize::from((*level).clamp(1, 6))));
                    text.push(' ');
                    text.push_str(&joined);
                    separator = "\n\n";
                }
                BlockKind::Paragraph | BlockKind::Table(_) => {
                    text.push_str(&join_lines(&lines, ""));
                    separator = "\n\n";
                }
                BlockKind::Quote => {
                    text.push_str("> ");
                    text.push_str(&join_lines(&lines, "> "));
                    separator = if matches!(prev, Some(BlockKind::Quote)) {
                        "\n>\n"
                    } else {
                        "\n\n"
                    };
                }
                BlockKind::ListItem { list, level, label } => {
                    keeps_list = true;
                    let ordered = !matches!(label, Label::Bullet);
                    let continues = matches!(
                        prev,
                        Some(BlockKind::ListItem { .. } | BlockKind::ListContinuation { .. })
                    ) && open_list == Some(*list);
                    let mut level = *level;
                    if !continues {
                        level = 0;
                    } else {
                        // Deeper levels render at the deepest one (indentation grows with depth).
                        level = level.min(open.len()).min(MAX_LIST_LEVEL);
                    }
                    // A change between bullets and numbers at the same level starts a new list.
                    let switched =
                        continues && level_ordered.get(level).is_some_and(|o| *o != ordered);
                    let fresh_list = !continues || (switched && level == 0);
                    // Whether Markdown would show this item's own number.
                    let markdown_number = |n: u64| {
                        if fresh_list {
                            true
                        } else if level < next_number.len() && !switched {
                            next_number[level] == n
                        } else {
                            // A new nested list interrupts its parent's text: only 1 may do so.
                            n == 1
                        }
                    };
                    let as_text = match label {
                        Label::Text(t) => Some(t.clone()),
                        Label::Number(n) if !markdown_number(*n) => Some(format!("{n}.")),
                        _ => None,
                    };
                    if let Some(label_text) = as_text {
                        // Written out as a paragraph inside the item above it, if any.
                        let column = if continues && level > 0 {
                            open.get(level - 1).copied().unwrap_or(0)
                        } else {
                            0
                        };
                        if column == 0 {
                            open.clear();
                            level_ordered.clear();
                            next_number.clear();
                            open_list = None;
                            keeps_list = false;
                        } else {
                            open.truncate(level);
                            level_ordered.truncate(level);
                            next_number.truncate(level);
                        }
                        let mut first = String::new();
                        escape_inline(&label_text, &mut first);
                        first.push(' ');
                        first.push_str(&lines[0]);
                        lines[0] = first;
                        let pad = " ".repeat(column);
                        text.push_str(&pad);
                        text.push_str(&join_lines(&lines, &pad));
                        separator = "\n\n";
                    } else {
                        if fresh_list {
                            open.clear();
                            level_ordered.clear();
                            next_number.clear();
                            level = 0;
                            // A list picked up again after other blocks goes on counting (Word
                            // does so for the same numbering); a change of kind starts again.
                            if switched {
                                counters.remove(list);
                            }
                        }
                        open.truncate(level);
                        level_ordered.truncate(level);
                        next_number.truncate(level);
                        let numbers = counters.entry(*list).or_default();
                        numbers.resize(level + 1, 0);
                        let marker = match label {
                            Label::Bullet => "-".to_owned(),
                            Label::Number(n) => {
                                numbers[level] = *n;
                                format!("{n}.")
                            }
                            _ => {
                                numbers[level] += 1;
                                format!("{}.", numbers[level])
                            }
                        };
                        next_number.push(numbers[level] + 1);
                        let indent = if level == 0 { 0 } else { open[level - 1] };
                        let content = indent + marker.len() + 1;
                        open.push(content);
                        level_ordered.push(ordered);
                        open_list = Some(*list);
                        text.push_str(&" ".repeat(indent));
                        text.push_str(&marker);
                        text.push(' ');
                        text.push_str(&join_lines(&lines, &" ".repeat(content)));
                        separator = if fresh_list { "\n\n" } else { "\n" };
                    }
                }
                BlockKind::ListContinuation { level } => {
                    let in_list = matches!(
                        prev,
                        Some(BlockKind::ListItem { .. } | BlockKind::ListContinuation { .. })
                    ) && !open.is_empty();
                    keeps_list = in_list;
                    let column = if in_list {
                        open.get((*level).min(open.len().saturating_sub(1)))
                            .copied()
                            .unwrap_or(0)
                    } else {
                        0
                    };
                    let pad = " ".repeat(column);
                    text.push_str(&pad);
                    text.push_str(&join_lines(&lines, &pad));
                    separator = "\n\n";
                }
            }
        }
        if !out.is_empty() {
            out.push_str(separator);
        }
        out.push_str(text.trim_end_matches(' '));
        prev = Some(&block.kind);
        if !keeps_list {
            open.clear();
            level_ordered.clear();
            next_number.clear();
            open_list = None;
        }
    }
    if !out.is_empty() {
        out.push('\n');
    }
    out
}

/// Joins lines with hard breaks (`\` at the end of a line), each continuation line prefixed.
fn join_lines(lines: &[String], prefix: &str) -> String {
    let mut out = String::new();
    for (i, line) in lines.iter().enumerate() {
        if i > 0 {
            out.push_str("\\\n");
            out.push_str(prefix);
        }
        out.push_str(&escape_line_start(line));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn para(spans: &[(&str, bool, bool)]) -> Block {
        let mut b = Block::new(BlockKind::Paragraph);
        for (t, bold, italic) in spans {
            b.push(t, *bold, *italic, None);
        }
        b
    }

    #[test]
    fn adjacent_runs_merge_and_whitespace_stays_outside_markers() {
        let b = para(&[("a", true, false), (" ", false, false), ("b", true, false)]);
        assert_eq!(render(&[b]), "**a b**\n");
        let b = para(&[("word ", true, false), ("end", false, false)]);
        assert_eq!(render(&[b]), "**word** end\n");
        let b = para(&[
            ("Bo", true, false),
            ("ld", true, false),
            ("!", false, false),
        ]);
        assert_eq!(render(&[b]), "**Bold**!\n");
    }

    #[test]
    fn special_characters_are_escaped() {
        let b = para(&[(
            "# not a heading *or* <b>html</b> [x](y) a_b &amp; 1. ~",
            false,
            false,
        )]);
        assert_eq!(
            render(&[b]),
            "\\# not a heading \\*or\\* \\<b>html\\</b> \\[x\\](y) a\\_b \\&amp; 1. \\~\n"
        );
        let b = para(&[("1. not a list", false, false)]);
        assert_eq!(render(&[b]), "1\\. not a list\n");
        let b = para(&[("- not a list\n+ nor this", false, false)]);
        assert_eq!(render(&[b]), "\\- not a list\\\n\\+ nor this\n");
    }

    #[test]
    fn unsafe_links_are_dropped() {
        assert_eq!(safe_url("javascript:alert(1)"), None);
        assert_eq!(safe_url(" JavaScript:alert(1)"), None);
        assert_eq!(safe_url("data:text/html,x"), None);
        assert_eq!(
            safe_url("https://example.org/a b(c)").as_deref(),
            Some("https://example.org/a%20b%28c%29")
        );
    }

    #[test]
    fn nested_and_mixed_lists() {
        let item = |list, ordered: Option<u64>, level, text: &str| {
            let label = match ordered {
                Some(n) => Label::Number(n),
                None => Label::Bullet,
            };
            let mut b = Block::new(BlockKind::ListItem { list, level, label });
            b.push(text, false, false, None);
            b
        };
        let blocks = [
            item(1, Some(1), 0, "one"),
            item(1, None, 1, "sub"),
            item(1, Some(2), 0, "two"),
            item(2, None, 3, "other list, too deep"),
        ];
        assert_eq!(
            render(&blocks),
            "1. one\n   - sub\n2. two\n\n- other list, too deep\n"
        );
    }
}
