//! Rich Text Format (`.rtf`) to Markdown: a small, bounded, iterative reader.
//!
//! It reads control words and groups one byte at a time (no recursion: a group is a frame on a
//! heap stack of at most [`MAX_DEPTH`]), `\uN` Unicode with its fallback skipped (`\ucN`),
//! `\'hh` bytes decoded with the code page of the font (`\fcharsetN`) or of the document
//! (`\ansicpgN`) through encoding_rs, and skips the destinations that are not text
//! (`\fonttbl`, `\colortbl`, `\stylesheet`, `\info`, `\pict`, headers and footers, and every
//! unknown `\*` destination). `\binN` data is skipped, and refused when it claims more bytes than
//! the file has.
//!
//! Kept as for Word: paragraphs, headings (style names "heading N" and "Title", or
//! `\outlinelevelN`), quotes, bold and italic, list labels as written (`\listtext`, `\pntext`),
//! footnotes and endnotes (as Markdown footnotes), text boxes (`\shptxt`), field results (never
//! field codes), links of `HYPERLINK` fields, tables (GFM), tracked insertions (deletions left
//! out), comments (returned apart, with their author and the text they comment on), and the
//! author and company of `\info`.

use std::collections::HashMap;

use encoding_rs::Encoding;

use crate::isolate::Deadline;
use crate::markdown::{
    Block, BlockKind, Cell, Label, Note, collapse_whitespace, first_heading, render_document,
    safe_url,
};
use crate::{Comment, DocumentMetadata, ExtractError, Extracted, FileType};

const RTF: FileType = FileType::Rtf;

/// Deepest group nesting accepted; real documents stay far below it.
const MAX_DEPTH: usize = 300;

/// Most notes and comments kept (see the Word reader).
const MAX_ITEMS: usize = 10_000;

/// What the text of a group is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Dest {
    /// Running text.
    Text,
    /// Not text: skipped.
    Skip,
    FontTable,
    StyleSheet,
    /// A property of `\info` (title, author, …).
    Info(&'static str),
    /// A list label (`\listtext`, `\pntext`).
    ListLabel,
    FieldCode,
    CommentAuthor,
    /// The id of a comment's range (`\atrfstart`, `\atrfend`) or of the comment (`\atnref`).
    RangeStart,
    RangeEnd,
    CommentRef,
}

/// A text box, note or comment open in a group: the paragraph it interrupts waits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Inset {
    TextBox,
    Note,
    Comment,
}

#[derive(Clone, Debug)]
struct Group {
    dest: Dest,
    bold: bool,
    italic: bool,
    hidden: bool,
    /// Characters of fallback after `\uN`.
    uc: u32,
    font: Option<i32>,
    /// This group opened a field result with this link.
    link: bool,
    /// This group opened an inset, which ends with it.
    inset: Option<Inset>,
    /// A `\*` just opened this group: an unknown destination is skipped.
    starred: bool,
}

impl Group {
    fn root() -> Self {
        Group {
            dest: Dest::Text,
            bold: false,
            italic: false,
            hidden: false,
            uc: 1,
            font: None,
            link: false,
            inset: None,
            starred: false,
        }
    }
}

/// Paragraph properties, kept until `\pard`.
#[derive(Clone, Debug, Default)]
struct ParaProps {
    style: Option<i32>,
    outline: Option<u8>,
    list: Option<(i32, u8)>,
    in_table: bool,
}

struct SavedInset {
    kind: Inset,
    para: Option<Block>,
    props: ParaProps,
    label: Option<String>,
    blocks: Vec<Block>,
    after: Vec<Block>,
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
    deadline: &'a Deadline,
    groups: Vec<Group>,
    ansi: &'static Encoding,
    fonts: HashMap<i32, &'static Encoding>,
    /// The font being described in the font table, and its charset.
    font_def: Option<i32>,
    styles: HashMap<i32, String>,
    style_def: Option<i32>,
    style_name: String,
    props: ParaProps,
    para: Option<Block>,
    /// The label of the paragraph being read, from `\listtext`.
    label: Option<String>,
    label_text: String,
    blocks: Vec<Block>,
    /// Text boxes anchored in the paragraph being read.
    after: Vec<Block>,
    insets: Vec<SavedInset>,
    table: Vec<Vec<Cell>>,
    row: Vec<Cell>,
    cell: Vec<Block>,
    list_ids: HashMap<i32, u64>,
    notes: Vec<Note>,
    comments: Vec<Comment>,
    comment_author: String,
    comment_ref: String,
    range_id: String,
    open_ranges: Vec<(String, String)>,
    anchored: HashMap<String, String>,
    field_code: String,
    links: Vec<Option<String>>,
    metadata: DocumentMetadata,
    info_text: String,
    /// `\'hh` bytes waiting to be decoded together (double-byte code pages).
    pending: Vec<u8>,
    pending_encoding: Option<&'static Encoding>,
    /// Fallback characters still to skip after `\uN`.
    skip: u32,
    /// A high surrogate waiting for its low half.
    high_surrogate: Option<u16>,
    count: u32,
}

/// The encoding of a Windows code page, if encoding_rs knows it.
fn code_page(cp: i32) -> Option<&'static Encoding> {
    let label = match cp {
        437 | 850 | 1252 => "windows-1252",
        874 => "windows-874",
        932 => "shift_jis",
        936 => "gbk",
        949 => "euc-kr",
        950 => "big5",
        1250..=1258 => return Encoding::for_label(format!("windows-{cp}").as_bytes()),
        10000 => "macintosh",
        _ => return None,
    };
    Encoding::for_label(label.as_bytes())
}

/// The encoding of a font charset (`\fcharsetN`).
fn charset(n: i32) -> Option<&'static Encoding> {
    code_page(match n {
        0 | 1 => 1252,
        77 => 10000,
        128 => 932,
        129 => 949,
        134 => 936,
        136 => 950,
        161 => 1253,
        162 => 1254,
        163 => 1258,
        177 => 1255,
        178 => 1256,
        186 => 1257,
        204 => 1251,
        222 => 874,
        238 => 1250,
        _ => return None,
    })
}

/// Destinations whose text is not the document's.
const SKIPPED: &[&str] = &[
    "colortbl",
    "pict",
    "object",
    "header",
    "headerl",
    "headerr",
    "headerf",
    "footer",
    "footerl",
    "footerr",
    "footerf",
    "listtable",
    "listoverridetable",
    "revtbl",
    "rsidtbl",
    "generator",
    "xmlnstbl",
    "themedata",
    "colorschememapping",
    "datastore",
    "latentstyles",
    "pgdsctbl",
    "ftnsep",
    "ftnsepc",
    "aftnsep",
    "aftnsepc",
    "bkmkstart",
    "bkmkend",
    "atnid",
    "atndate",
    "sp",
    "shprslt",
    "nonshppict",
    "pntxta",
    "pntxtb",
    "template",
    "userprops",
    "docvar",
    "falt",
    "panose",
    "fname",
    "filetbl",
    "stylesheet_ignored",
    "wgrffmtfilter",
    "mmathPr",
    "passwordhash",
    "xe",
    "tc",
    "tcn",
];

impl<'a> Reader<'a> {
    fn group(&self) -> &Group {
        self.groups.last().expect("the root group")
    }

    fn group_mut(&mut self) -> &mut Group {
        self.groups.last_mut().expect("the root group")
    }

    fn error(&self, what: &str) -> ExtractError {
        ExtractError::malformed(RTF, format!("{what} at byte {}", self.pos))
    }

    /// Decodes the `\'hh` bytes waiting.
    fn flush_bytes(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        let encoding = self.pending_encoding.unwrap_or(self.ansi);
        let bytes = std::mem::take(&mut self.pending);
        let (text, _, _) = encoding.decode(&bytes);
        let text = text.into_owned();
        self.text(&text);
    }

    fn font_encoding(&self) -> &'static Encoding {
        self.group()
            .font
            .and_then(|f| self.fonts.get(&f).copied())
            .unwrap_or(self.ansi)
    }

    /// Text of the current group.
    fn text(&mut self, text: &str) {
        let group = self.group().clone();
        match group.dest {
            Dest::Skip => {}
            Dest::FontTable => {}
            Dest::StyleSheet => {
                if self.style_def.is_some() && self.style_name.len() < 200 {
                    self.style_name.push_str(text);
                }
            }
            Dest::Info(_) => {
                if self.info_text.len() < 10_000 {
                    self.info_text.push_str(text);
                }
            }
            Dest::ListLabel => {
                if self.label_text.len() < 200 {
                    self.label_text.push_str(text);
                }
            }
            Dest::FieldCode => {
                if self.field_code.len() < 4096 {
                    self.field_code.push_str(text);
                }
            }
            Dest::CommentAuthor => self.comment_author.push_str(text),
            Dest::CommentRef => self.comment_ref.push_str(text),
            Dest::RangeStart | Dest::RangeEnd => self.range_id.push_str(text),
            Dest::Text => {
                if group.hidden {
                    return;
                }
                for (_, anchored) in &mut self.open_ranges {
                    if anchored.len() < 10_000 {
                        anchored.push_str(text);
                    }
                }
                let link = self.links.last().cloned().flatten();
                self.para
                    .get_or_insert_with(|| Block::new(BlockKind::Paragraph))
                    .push(text, group.bold, group.italic, link.as_deref());
            }
        }
    }

    fn push_char(&mut self, c: char) {
        self.flush_bytes();
        if self.skip > 0 {
            self.skip -= 1;
            return;
        }
        let mut buf = [0; 4];
        self.text(c.encode_utf8(&mut buf));
    }

    fn heading_level(&self) -> Option<u8> {
        if let Some(level) = self.props.outline {
            return (level < 9).then(|| (level + 1).min(6));
        }
        let name = self.props.style.and_then(|s| self.styles.get(&s))?;
        let name = name.trim().to_ascii_lowercase();
        if name == "title" {
            return Some(1);
        }
        let n = name.strip_prefix("heading ")?.trim().parse::<u8>().ok()?;
        (1..=9).contains(&n).then(|| n.min(6))
    }

    fn is_quote(&self) -> bool {
        self.props
            .style
            .and_then(|s| self.styles.get(&s))
            .is_some_and(|n| n.to_ascii_lowercase().contains("quot"))
    }

    /// Ends the paragraph being read (at `\par`, `\cell`, `\row` or the end).
    fn end_paragraph(&mut self) {
        self.flush_bytes();
        let label = self.label.take();
        let block = self.para.take();
        let after = std::mem::take(&mut self.after);
        let Some(mut block) =
            block.or_else(|| label.as_ref().map(|_| Block::new(BlockKind::Paragraph)))
        else {
            for b in after {
                self.emit(b);
            }
            return;
        };
        let label = label
            .map(|l| l.replace('\t', " ").trim().to_owned())
            .filter(|l| !l.is_empty());
        if let Some(level) = self.heading_level() {
            if let Some(l) = &label {
                let rest = std::mem::take(&mut block.spans);
                block.push(&format!("{l} "), false, false, None);
                block.spans.extend(rest);
            }
            block.kind = BlockKind::Heading(level);
        } else if let Some(l) = label {
            let (ls, ilvl) = self.props.list.unwrap_or((0, 0));
            let next = self.list_ids.len() as u64;
            let list = *self.list_ids.entry(ls).or_insert(next);
            let digits = l.trim_end_matches('.');
            let label = if matches!(
                l.as_str(),
                "\u{2022}"
                    | "\u{b7}"
                    | "\u{f0b7}"
                    | "o"
                    | "\u{25aa}"
                    | "-"
                    | "\u{2013}"
                    | "\u{25cf}"
            ) {
                Label::Bullet
            } else if l.ends_with('.')
                && !digits.is_empty()
                && digits.bytes().all(|b| b.is_ascii_digit())
                && let Ok(n) = digits.parse::<u64>()
            {
                Label::Number(n)
            } else {
                Label::Text(l)
            };
            block.kind = BlockKind::ListItem {
                list,
                level: usize::from(ilvl),
                label,
            };
        } else if self.is_quote() {
            block.kind = BlockKind::Quote;
        }
        self.emit(block);
        for b in after {
            self.emit(b);
        }
    }

    fn emit(&mut self, block: Block) {
        if let Some(inset) = self.insets.last_mut() {
            inset.blocks.push(block);
            return;
        }
        if self.props.in_table {
            self.cell.push(block);
            return;
        }
        self.flush_table();
        self.blocks.push(block);
    }

    fn flush_table(&mut self) {
        if !self.cell.is_empty() {
            let blocks = std::mem::take(&mut self.cell);
            self.row.push(Cell { blocks, span: 1 });
        }
        if !self.row.is_empty() {
            let row = std::mem::take(&mut self.row);
            self.table.push(row);
        }
        if !self.table.is_empty() {
            let rows = std::mem::take(&mut self.table);
            self.blocks.push(Block::new(BlockKind::Table(rows)));
        }
    }

    fn start_inset(&mut self, kind: Inset) {
        self.flush_bytes();
        self.insets.push(SavedInset {
            kind,
            para: self.para.take(),
            props: std::mem::take(&mut self.props),
            label: self.label.take(),
            blocks: Vec::new(),
            after: std::mem::take(&mut self.after),
        });
        self.group_mut().inset = Some(kind);
    }

    fn end_inset(&mut self) {
        self.end_paragraph();
        let Some(saved) = self.insets.pop() else {
            return;
        };
        self.para = saved.para;
        self.props = saved.props;
        self.label = saved.label;
        self.after = saved.after;
        match saved.kind {
            Inset::TextBox => self.after.extend(saved.blocks),
            Inset::Note => {
                if !saved.blocks.iter().all(Block::is_blank) && self.notes.len() < MAX_ITEMS {
                    let label = (self.notes.len() + 1).to_string();
                    self.para
                        .get_or_insert_with(|| Block::new(BlockKind::Paragraph))
                        .push_raw(&format!("[^{label}]"));
                    self.notes.push(Note {
                        label,
                        blocks: saved.blocks,
                    });
                }
            }
            Inset::Comment => {
                if self.comments.len() < MAX_ITEMS {
                    let text = saved
                        .blocks
                        .iter()
                        .map(Block::plain_text)
                        .filter(|t| !t.is_empty())
                        .collect::<Vec<_>>()
                        .join("\n\n");
                    let id = std::mem::take(&mut self.comment_ref);
                    let author = collapse_whitespace(&std::mem::take(&mut self.comment_author));
                    self.comments.push(Comment {
                        author: (!author.is_empty()).then_some(author),
                        date: None,
                        text,
                        anchored_text: self
                            .anchored
                            .get(id.trim())
                            .map(|t| collapse_whitespace(t))
                            .unwrap_or_default(),
                    });
                }
            }
        }
    }

    fn open_group(&mut self) -> Result<(), ExtractError> {
        self.flush_bytes();
        if self.groups.len() >= MAX_DEPTH {
            return Err(self.error("groups nested too deeply"));
        }
        let mut group = self.group().clone();
        group.link = false;
        group.inset = None;
        group.starred = false;
        self.groups.push(group);
        Ok(())
    }

    fn close_group(&mut self) -> Result<(), ExtractError> {
        self.flush_bytes();
        if self.groups.len() <= 1 {
            // A stray closing brace after the document: ignore the rest.
            self.pos = self.bytes.len();
            return Ok(());
        }
        let group = self.groups.pop().expect("a group");
        self.skip = 0;
        match group.dest {
            Dest::StyleSheet => {
                if let Some(id) = self.style_def.take()
                    && self.group().dest == Dest::StyleSheet
                {
                    let name = std::mem::take(&mut self.style_name);
                    let name = name.trim().trim_end_matches(';').trim().to_owned();
                    self.styles.insert(id, name);
                }
            }
            Dest::Info(field) if self.group().dest != Dest::Info(field) => {
                let value = collapse_whitespace(&std::mem::take(&mut self.info_text));
                if !value.is_empty() {
                    let slot = match field {
                        "title" => &mut self.metadata.title,
                        "author" => &mut self.metadata.author,
                        "operator" => &mut self.metadata.last_modified_by,
                        "company" => &mut self.metadata.company,
                        "manager" => &mut self.metadata.manager,
                        _ => &mut self.metadata.application,
                    };
                    *slot = Some(value);
                }
            }
            Dest::ListLabel if self.group().dest != Dest::ListLabel => {
                self.label = Some(std::mem::take(&mut self.label_text));
            }
            Dest::RangeStart if self.group().dest != Dest::RangeStart => {
                let id = std::mem::take(&mut self.range_id).trim().to_owned();
                self.open_ranges.push((id, String::new()));
            }
            Dest::RangeEnd if self.group().dest != Dest::RangeEnd => {
                let id = std::mem::take(&mut self.range_id).trim().to_owned();
                if let Some(i) = self.open_ranges.iter().position(|(o, _)| *o == id) {
                    let (id, text) = self.open_ranges.remove(i);
                    self.anchored.insert(id, text);
                }
            }
            _ => {}
        }
        if group.link {
            self.links.pop();
        }
        if group.inset.is_some() {
            self.end_inset();
        }
        Ok(())
    }

    /// A control word with its parameter.
    fn control(&mut self, word: &str, param: Option<i32>) -> Result<(), ExtractError> {
        let starred = std::mem::replace(&mut self.group_mut().starred, false);
        let on = param != Some(0);
        // Destinations first: they decide what the group's text is.
        let dest = match word {
            "fonttbl" => Some(Dest::FontTable),
            "stylesheet" => Some(Dest::StyleSheet),
            "info" => Some(Dest::Skip),
            "title" | "author" | "operator" | "company" | "manager"
                if self.groups.iter().any(|g| g.dest == Dest::Skip) =>
            {
                // Inside \info only.
                Some(Dest::Info(match word {
                    "title" => "title",
                    "author" => "author",
                    "operator" => "operator",
                    "company" => "company",
                    _ => "manager",
                }))
            }
            "listtext" | "pntext" => Some(Dest::ListLabel),
            "fldinst" => {
                self.field_code.clear();
                Some(Dest::FieldCode)
            }
            "atnauthor" => {
                self.comment_author.clear();
                Some(Dest::CommentAuthor)
            }
            "atnref" => {
                self.comment_ref.clear();
                Some(Dest::CommentRef)
            }
            "atrfstart" => Some(Dest::RangeStart),
            "atrfend" => Some(Dest::RangeEnd),
            w if SKIPPED.contains(&w) => Some(Dest::Skip),
            _ => None,
        };
        if let Some(dest) = dest {
            // \info's properties sit in a skipped group: let them through.
            if self.group().dest != Dest::Skip || matches!(dest, Dest::Info(_)) {
                self.group_mut().dest = dest;
            }
            return Ok(());
        }
        if self.group().dest == Dest::Skip {
            return Ok(());
        }
        if self.group().dest != Dest::Text {
            // In a list label, a field code or a property: only characters matter.
            match word {
                "u" | "uc" | "f" | "fcharset" | "tab" | "emdash" | "endash" | "lquote"
                | "rquote" | "ldblquote" | "rdblquote" | "bullet" | "s" | "ansicpg" => {}
                _ => return Ok(()),
            }
        }
        match word {
            "fldrslt" => {
                let link = field_link(&self.field_code);
                self.links.push(link);
                self.group_mut().link = true;
            }
            "footnote" => self.start_inset(Inset::Note),
            "annotation" => self.start_inset(Inset::Comment),
            "shptxt" => self.start_inset(Inset::TextBox),
            "shpinst" | "shp" | "ud" | "field" | "upr" => {}
            _ if starred => {
                // An unknown destination: skipped, as the specification says.
                self.group_mut().dest = Dest::Skip;
                return Ok(());
            }
            _ => {}
        }
        match word {
            "ansicpg" => {
                if let Some(e) = param.and_then(code_page) {
                    self.ansi = e;
                }
            }
            "f" => {
                if self.group().dest == Dest::FontTable {
                    self.font_def = param;
                } else {
                    self.flush_bytes();
                    self.group_mut().font = param;
                }
            }
            "fcharset" => {
                if let (Some(font), Some(e)) = (self.font_def, param.and_then(charset)) {
                    self.fonts.insert(font, e);
                }
            }
            "s" if self.group().dest == Dest::StyleSheet => {
                self.style_def = param;
                self.style_name.clear();
            }
            "s" => self.props.style = param,
            "pard" => {
                self.props = ParaProps::default();
            }
            "intbl" => self.props.in_table = true,
            "outlinelevel" => self.props.outline = param.and_then(|p| u8::try_from(p).ok()),
            "ls" => {
                let ilvl = self.props.list.map_or(0, |(_, l)| l);
                self.props.list = Some((param.unwrap_or(0), ilvl));
            }
            "ilvl" => {
                let ls = self.props.list.map_or(0, |(l, _)| l);
                self.props.list = Some((ls, param.and_then(|p| u8::try_from(p).ok()).unwrap_or(0)));
            }
            "plain" => {
                self.flush_bytes();
                let g = self.group_mut();
                g.bold = false;
                g.italic = false;
                g.hidden = false;
            }
            "b" => {
                self.flush_bytes();
                self.group_mut().bold = on;
            }
            "i" => {
                self.flush_bytes();
                self.group_mut().italic = on;
            }
            "v" | "deleted" => {
                self.flush_bytes();
                self.group_mut().hidden = on;
            }
            "uc" => self.group_mut().uc = param.unwrap_or(1).clamp(0, 10) as u32,
            "u" => {
                self.flush_bytes();
                let unit = param.unwrap_or(0) as i64;
                let unit = if unit < 0 { unit + 65536 } else { unit } as u32;
                let uc = self.group().uc;
                match unit {
                    0xD800..=0xDBFF => self.high_surrogate = Some(unit as u16),
                    0xDC00..=0xDFFF => {
                        if let Some(high) = self.high_surrogate.take() {
                            let c = char::decode_utf16([high, unit as u16]).next();
                            if let Some(Ok(c)) = c {
                                self.push_char(c);
                            }
                        }
                    }
                    _ => {
                        self.high_surrogate = None;
                        if let Some(c) =
                            char::from_u32(unit).filter(|c| !c.is_control() || *c == '\t')
                        {
                            self.push_char(c);
                        }
                    }
                }
                self.skip = uc;
            }
            "par" | "sect" => {
                self.end_paragraph();
            }
            "nestcell" => self.end_paragraph(),
            "cell" => {
                self.end_paragraph();
                let blocks = std::mem::take(&mut self.cell);
                self.row.push(Cell { blocks, span: 1 });
                self.props.in_table = true;
            }
            "row" => {
                self.end_paragraph();
                if !self.cell.is_empty() {
                    let blocks = std::mem::take(&mut self.cell);
                    self.row.push(Cell { blocks, span: 1 });
                }
                let row = std::mem::take(&mut self.row);
                if !row.is_empty() {
                    self.table.push(row);
                }
            }
            "line" => self.push_char('\n'),
            "tab" => self.push_char(' '),
            "page" | "column" => self.push_char(' '),
            "emdash" => self.push_char('\u{2014}'),
            "endash" => self.push_char('\u{2013}'),
            "lquote" => self.push_char('\u{2018}'),
            "rquote" => self.push_char('\u{2019}'),
            "ldblquote" => self.push_char('\u{201c}'),
            "rdblquote" => self.push_char('\u{201d}'),
            "bullet" => self.push_char('\u{2022}'),
            "emspace" | "enspace" | "qmspace" => self.push_char(' '),
            "chftn" | "chatn" | "chpgn" => {}
            _ => {}
        }
        Ok(())
    }

    fn run(&mut self) -> Result<(), ExtractError> {
        while self.pos < self.bytes.len() {
            self.count = self.count.wrapping_add(1);
            if self.count.is_multiple_of(4096) {
                self.deadline.check()?;
            }
            let b = self.bytes[self.pos];
            self.pos += 1;
            match b {
                b'{' => self.open_group()?,
                b'}' => self.close_group()?,
                b'\\' => self.escape()?,
                b'\r' | b'\n' => {}
                _ => {
                    // Plain text up to the next special byte, decoded with the font's code page.
                    let start = self.pos - 1;
                    let mut end = self.pos;
                    while end < self.bytes.len()
                        && !matches!(self.bytes[end], b'{' | b'}' | b'\\' | b'\r' | b'\n')
                    {
                        end += 1;
                    }
                    self.pos = end;
                    self.flush_bytes();
                    let raw = &self.bytes[start..end];
                    let mut chunk = raw;
                    // The fallback of a \uN is skipped character by character.
                    while self.skip > 0 && !chunk.is_empty() {
                        self.skip -= 1;
                        chunk = &chunk[1..];
                    }
                    if !chunk.is_empty() {
                        let (text, _, _) = self.font_encoding().decode(chunk);
                        let text = text.into_owned();
                        self.text(&text);
                    }
                }
            }
        }
        self.flush_bytes();
        Ok(())
    }

    fn escape(&mut self) -> Result<(), ExtractError> {
        let Some(&c) = self.bytes.get(self.pos) else {
            return Ok(());
        };
        self.pos += 1;
        if c.is_ascii_alphabetic() {
            let start = self.pos - 1;
            while self.pos < self.bytes.len()
                && self.bytes[self.pos].is_ascii_alphabetic()
                && self.pos - start < 32
            {
                self.pos += 1;
            }
            let word = std::str::from_utf8(&self.bytes[start..self.pos])
                .unwrap_or_default()
                .to_owned();
            let mut param: Option<i32> = None;
            let num_start = self.pos;
            if self.bytes.get(self.pos) == Some(&b'-') {
                self.pos += 1;
            }
            while self.pos < self.bytes.len()
                && self.bytes[self.pos].is_ascii_digit()
                && self.pos - num_start < 11
            {
                self.pos += 1;
            }
            if self.pos > num_start {
                let text = std::str::from_utf8(&self.bytes[num_start..self.pos]).unwrap_or("0");
                param = Some(
                    text.parse::<i64>()
                        .unwrap_or(0)
                        .clamp(i32::MIN as i64, i32::MAX as i64) as i32,
                );
            }
            if self.bytes.get(self.pos) == Some(&b' ') {
                self.pos += 1;
            }
            if word == "bin" {
                // Binary data: skipped, and refused when it claims more than the file has.
                let n = param.unwrap_or(0).max(0) as usize;
                if n > self.bytes.len() - self.pos {
                    return Err(self.error("\\bin claims more bytes than the file has"));
                }
                self.pos += n;
                return Ok(());
            }
            return self.control(&word, param);
        }
        match c {
            b'\'' => {
                let hex = self.bytes.get(self.pos..self.pos + 2);
                let value = hex
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                if let Some(v) = value {
                    self.pos += 2;
                    if self.skip > 0 {
                        self.skip -= 1;
                        return Ok(());
                    }
                    let encoding = self.font_encoding();
                    if self.pending_encoding != Some(encoding) {
                        self.flush_bytes();
                    }
                    self.pending_encoding = Some(encoding);
                    self.pending.push(v);
                }
            }
            b'*' => self.group_mut().starred = true,
            b'~' => self.push_char('\u{a0}'),
            b'-' => self.push_char('\u{ad}'),
            b'_' => self.push_char('\u{2011}'),
            b'\\' | b'{' | b'}' => self.push_char(char::from(c)),
            b'\n' | b'\r' => self.end_paragraph(),
            _ => {}
        }
        Ok(())
    }
}

/// The target of a `HYPERLINK "url"` field instruction.
fn field_link(instruction: &str) -> Option<String> {
    let rest = instruction.trim_start().strip_prefix("HYPERLINK")?;
    let start = rest.find('"')? + 1;
    let end = start + rest[start..].find('"')?;
    safe_url(&rest[start..end])
}

pub(crate) fn extract(bytes: &[u8], deadline: &Deadline) -> Result<Extracted, ExtractError> {
    if !bytes.starts_with(b"{\\rtf") {
        return Err(ExtractError::malformed(RTF, "no {\\rtf header"));
    }
    let mut r = Reader {
        bytes,
        pos: 0,
        deadline,
        groups: vec![Group::root()],
        ansi: encoding_rs::WINDOWS_1252,
        fonts: HashMap::new(),
        font_def: None,
        styles: HashMap::new(),
        style_def: None,
        style_name: String::new(),
        props: ParaProps::default(),
        para: None,
        label: None,
        label_text: String::new(),
        blocks: Vec::new(),
        after: Vec::new(),
        insets: Vec::new(),
        table: Vec::new(),
        row: Vec::new(),
        cell: Vec::new(),
        list_ids: HashMap::new(),
        notes: Vec::new(),
        comments: Vec::new(),
        comment_author: String::new(),
        comment_ref: String::new(),
        range_id: String::new(),
        open_ranges: Vec::new(),
        anchored: HashMap::new(),
        field_code: String::new(),
        links: Vec::new(),
        metadata: DocumentMetadata::default(),
        info_text: String::new(),
        pending: Vec::new(),
        pending_encoding: None,
        skip: 0,
        high_surrogate: None,
        count: 0,
    };
    r.run()?;
    if r.groups.len() > 2 {
        // The document's own group and more are still open: the file was cut short.
        return Err(ExtractError::malformed(RTF, "the file ends inside a group"));
    }
    while !r.insets.is_empty() {
        r.end_inset();
    }
    r.end_paragraph();
    r.props.in_table = false;
    r.flush_table();
    let markdown = render_document(&r.blocks, &r.notes);
    let title = r
        .metadata
        .title
        .clone()
        .or_else(|| first_heading(&r.blocks));
    Ok(Extracted {
        markdown,
        title,
        comments: r.comments,
        metadata: r.metadata,
        ..Extracted::new(RTF)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn md(rtf: &str) -> String {
        extract(rtf.as_bytes(), &Deadline::after(Duration::from_secs(5)))
            .expect("rtf")
            .markdown
    }

    #[test]
    fn text_unicode_and_code_pages() {
        assert_eq!(
            md(r"{\rtf1\ansi Hello {\b bold} world\par}"),
            "Hello **bold** world\n"
        );
        assert_eq!(
            md(r"{\rtf1\ansi\ansicpg1252 caf\'e9 \u8364?5\par}"),
            "café €5\n"
        );
        assert_eq!(md(r"{\rtf1\ansi\uc2 x\u26085\'93\'fa y\par}"), "x日 y\n");
        assert_eq!(
            md(r"{\rtf1\ansi{\fonttbl{\f1\fcharset128 MS Mincho;}}{\f1 \'93\'fa\'96\'7b}\par}"),
            "日本\n"
        );
    }

    #[test]
    fn destinations_are_skipped_and_fields_show_their_result() {
        assert_eq!(
            md(
                r#"{\rtf1{\fonttbl{\f0 Arial;}}{\colortbl;\red0;}{\*\unknown secret}{\info{\author Jane}}Body {\field{\*\fldinst HYPERLINK "https://example.org/"}{\fldrslt link}}\par}"#
            ),
            "Body [link](https://example.org/)\n"
        );
    }
}
