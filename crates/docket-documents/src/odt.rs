//! OpenDocument text (`.odt`) to Markdown.
//!
//! `content.xml` gives the text: `text:h` (outline level), `text:p`, `text:list`/`text:list-item`
//! (numbered or bulleted from the list style), `text:span` (bold/italic from its style),
//! `text:a`, `text:s`/`text:tab`/`text:line-break`. Styles come from `content.xml`'s automatic
//! styles (direct formatting) and `styles.xml`'s named styles: paragraph style "Quotations" (or
//! any whose name contains "Quot") is a quote, "Title" a level-1 heading.
//!
//! Kept as for Word: footnotes and endnotes (`text:note`, as Markdown footnotes), frames, text
//! boxes and shapes with text (after the paragraph they are anchored in), the displayed text of
//! fields, tables (GFM), images (placeholders, and the bytes of those Docket can show), list and
//! heading labels as LibreOffice shows them (`style:num-format`, prefix and suffix, the levels
//! shown, start values). Left out: tracked deletions (kept apart in `text:tracked-changes`),
//! hidden text, indexes' generated copies of headings stay (they are text of the document),
//! annotations (returned as comments, with their author and the text they comment on).

use std::collections::HashMap;

use crate::isolate::Deadline;
use crate::markdown::{
    Block, BlockKind, Cell, Label, Note, collapse_whitespace, first_heading, render_document,
    safe_url,
};
use crate::xml::{Ev, Xml, attr, local};
use crate::zipsafe::SafeZip;
use crate::{Comment, DocumentMetadata, EmbeddedImage, ExtractError, Extracted, FileType, Limits};

const ODT: FileType = FileType::Odt;

pub(crate) fn extract(
    bytes: &[u8],
    limits: &Limits,
    deadline: &Deadline,
) -> Result<Extracted, ExtractError> {
    let mut zip = SafeZip::open(bytes, limits, ODT)?;
    // ODF encrypts parts itself (the zip entries are not flagged): the manifest tells.
    if let Some(manifest) = zip.read("META-INF/manifest.xml")?
        && contains(&manifest, b"encryption-data")
    {
        return Err(ExtractError::Encrypted { file_type: ODT });
    }
    let content = zip
        .read_xml("content.xml")?
        .ok_or_else(|| ExtractError::malformed(ODT, "no content.xml"))?;
    let mut styles = Styles::default();
    if let Some(xml) = zip.read_xml("styles.xml")? {
        parse_styles(&xml, "styles.xml", &mut styles, deadline)?;
    }
    // Automatic styles of content.xml override those of styles.xml with the same name.
    parse_styles(&content, "content.xml", &mut styles, deadline)?;
    let mut metadata = DocumentMetadata::default();
    if let Ok(Some(xml)) = zip.read_xml("meta.xml") {
        read_meta(&xml, &mut metadata, deadline);
    }
    let body = parse_content(&content, &styles, deadline)?;
    let markdown = render_document(&body.blocks, &body.notes);
    let mut images: Vec<EmbeddedImage> = Vec::new();
    for (part, name, alt) in &body.images {
        if images.iter().any(|i| i.name == *name) {
            continue;
        }
        if let Some(bytes) = zip.read(part)?
            && let Ok(info) = crate::image::check(&bytes)
        {
            images.push(EmbeddedImage {
                name: name.clone(),
                mime: info.file_type.mime(),
                bytes,
                alt: alt.clone(),
            });
        }
    }
    let title = metadata
        .title
        .clone()
        .or_else(|| first_heading(&body.blocks));
    Ok(Extracted {
        markdown,
        title,
        comments: body.comments,
        images,
        metadata,
        ..Extracted::new(ODT)
    })
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

// ---------------------------------------------------------------------------------- styles

#[derive(Debug, Default, Clone)]
struct Style {
    display: Option<String>,
    parent: Option<String>,
    bold: Option<bool>,
    italic: Option<bool>,
    list_style: Option<String>,
    outline: Option<u8>,
    /// `text:display="none"`: hidden text.
    hidden: Option<bool>,
}

#[derive(Debug, Default)]
struct Styles {
    /// Automatic styles: direct formatting.
    automatic: HashMap<String, Style>,
    /// Named (common) styles.
    named: HashMap<String, Style>,
    /// List style name → level (1-based) → how its label is made. The outline numbering of
    /// headings is the list named [`OUTLINE`].
    lists: HashMap<String, HashMap<u8, ListLevel>>,
}

/// The name under which the outline numbering (`text:outline-style`) is kept.
const OUTLINE: &str = "\u{0}outline";

/// How one level of a list style labels its items.
#[derive(Debug, Clone, Default)]
struct ListLevel {
    /// A bullet character (empty for none); `None` for a numbered level.
    bullet: Option<String>,
    /// `style:num-format`: `1`, `a`, `A`, `i`, `I`, or empty for no number.
    format: String,
    prefix: String,
    suffix: String,
    /// How many levels' numbers the label shows (`text:display-levels`).
    display_levels: u8,
    start: u64,
    /// LibreOffice's own label pattern (`loext:num-list-format`, `%1%.%2%.`), when written.
    pattern: Option<String>,
}

const MAX_CHAIN: usize = 16;

impl Styles {
    fn get(&self, name: &str) -> Option<(&str, &Style)> {
        self.automatic
            .get_key_value(name)
            .or_else(|| self.named.get_key_value(name))
            .map(|(k, v)| (k.as_str(), v))
    }

    /// The style and its parents, nearest first, with their names.
    fn chain<'s>(&'s self, name: &str) -> impl Iterator<Item = (&'s str, &'s Style)> + 's {
        let mut next = self.get(name);
        std::iter::from_fn(move || {
            let current = next?;
            next = current.1.parent.as_deref().and_then(|p| self.get(p));
            Some(current)
        })
        .take(MAX_CHAIN)
    }

    fn names_match(&self, name: &str, test: impl Fn(&str) -> bool) -> bool {
        self.chain(name).any(|(n, s)| {
            test(&n.to_ascii_lowercase())
                || s.display
                    .as_deref()
                    .is_some_and(|d| test(&d.to_ascii_lowercase()))
        })
    }

    fn is_quote(&self, name: &str) -> bool {
        self.names_match(name, |n| n.contains("quot"))
    }

    fn is_title(&self, name: &str) -> bool {
        self.names_match(name, |n| n == "title")
    }

    fn outline(&self, name: &str) -> Option<u8> {
        self.chain(name).find_map(|(_, s)| s.outline)
    }

    fn list_style(&self, name: &str) -> Option<String> {
        self.chain(name).find_map(|(_, s)| s.list_style.clone())
    }

    /// Bold/italic of a text style (automatic or named), inherited from its parents.
    fn text_format(&self, name: &str) -> (Option<bool>, Option<bool>) {
        let mut bold = None;
        let mut italic = None;
        for (_, s) in self.chain(name) {
            bold = bold.or(s.bold);
            italic = italic.or(s.italic);
        }
        (bold, italic)
    }

    /// Direct formatting of a paragraph: only its own automatic style counts (the look of
    /// named styles such as headings is not emphasis).
    fn paragraph_format(&self, name: &str) -> (bool, bool) {
        match self.automatic.get(name) {
            Some(s) => (s.bold.unwrap_or(false), s.italic.unwrap_or(false)),
            None => (false, false),
        }
    }

    fn level(&self, list_style: &str, level: u8) -> Option<&ListLevel> {
        self.lists.get(list_style)?.get(&level)
    }

    /// Hidden text style (`text:display="none"`), inherited from its parents.
    fn hidden(&self, name: &str) -> bool {
        self.chain(name)
            .find_map(|(_, s)| s.hidden)
            .unwrap_or(false)
    }
}

fn font_weight_bold(value: &str) -> Option<bool> {
    match value.trim() {
        "bold" => Some(true),
        "normal" => Some(false),
        n => n.parse::<u32>().ok().map(|w| w >= 600),
    }
}

fn font_style_italic(value: &str) -> Option<bool> {
    match value.trim() {
        "italic" | "oblique" => Some(true),
        "normal" => Some(false),
        _ => None,
    }
}

fn parse_styles(
    xml: &str,
    part: &'static str,
    styles: &mut Styles,
    deadline: &Deadline,
) -> Result<(), ExtractError> {
    let mut x = Xml::new(xml, ODT, part, deadline);
    // Open elements, by the names that matter ("" for the others).
    let mut path: Vec<&'static str> = Vec::new();
    let mut automatic = 0u32;
    let mut style: Option<(String, Style)> = None;
    let mut list: Option<String> = None;
    loop {
        match x.next()? {
            Ev::Start(e) => {
                let name = local(&e);
                // The body of content.xml is read separately.
                if name == "body" || name == "master-styles" {
                    x.skip_element()?;
                    continue;
                }
                match name {
                    "style" if style.is_none() && list.is_none() => {
                        let mut s = Style {
                            display: attr(&e, "display-name"),
                            parent: attr(&e, "parent-style-name"),
                            list_style: attr(&e, "list-style-name"),
                            outline: attr(&e, "default-outline-level")
                                .and_then(|v| v.trim().parse().ok()),
                            ..Style::default()
                        };
                        if s.list_style.as_deref() == Some("") {
                            s.list_style = None;
                        }
                        style = attr(&e, "name").map(|n| (n, s));
                    }
                    "text-properties" => {
                        if let Some((_, s)) = style.as_mut() {
                            if let Some(w) = attr(&e, "font-weight") {
                                s.bold = font_weight_bold(&w);
                            }
                            if let Some(v) = attr(&e, "font-style") {
                                s.italic = font_style_italic(&v);
                            }
                            if let Some(v) = attr(&e, "display") {
                                s.hidden = Some(v == "none");
                            }
                        }
                    }
                    "list-style" | "outline-style" if style.is_none() => {
                        list = if name == "outline-style" {
                            Some(OUTLINE.to_owned())
                        } else {
                            attr(&e, "name")
                        };
                        if let Some(n) = &list {
                            styles.lists.insert(n.clone(), HashMap::new());
                        }
                    }
                    "list-level-style-number"
                    | "outline-level-style"
                    | "list-level-style-bullet"
                    | "list-level-style-image" => {
                        if let (Some(n), Some(level)) = (
                            &list,
                            attr(&e, "level").and_then(|l| l.trim().parse::<u8>().ok()),
                        ) && let Some(levels) = styles.lists.get_mut(n)
                        {
                            let numbered =
                                matches!(name, "list-level-style-number" | "outline-level-style");
                            let level_style = ListLevel {
                                bullet: match name {
                                    "list-level-style-bullet" => {
                                        Some(attr(&e, "bullet-char").unwrap_or_default())
                                    }
                                    "list-level-style-image" => Some("\u{2022}".into()),
                                    _ => None,
                                },
                                format: if numbered {
                                    // A number style says its format; an outline level without
                                    // one shows no number.
                                    attr(&e, "num-format").unwrap_or_else(|| {
                                        if name == "outline-level-style" {
                                            String::new()
                                        } else {
                                            "1".into()
                                        }
                                    })
                                } else {
                                    String::new()
                                },
                                prefix: attr(&e, "num-prefix").unwrap_or_default(),
                                suffix: attr(&e, "num-suffix").unwrap_or_default(),
                                display_levels: attr(&e, "display-levels")
                                    .and_then(|v| v.trim().parse().ok())
                                    .unwrap_or(1),
                                start: attr(&e, "start-value")
                                    .and_then(|v| v.trim().parse().ok())
                                    .unwrap_or(1),
                                pattern: attr(&e, "num-list-format"),
                            };
                            levels.insert(level, level_style);
                        }
                    }
                    _ => {}
                }
                if name == "automatic-styles" {
                    automatic += 1;
                }
                path.push(match name {
                    "style" => "style",
                    "list-style" | "outline-style" => "list-style",
                    "automatic-styles" => "automatic-styles",
                    _ => "",
                });
            }
            Ev::End => match path.pop() {
                Some("automatic-styles") => automatic -= 1,
                Some("style") => {
                    if let Some((n, s)) = style.take() {
                        if automatic > 0 {
                            styles.automatic.insert(n, s);
                        } else {
                            styles.named.insert(n, s);
                        }
                    }
                }
                Some("list-style") => list = None,
                _ => {}
            },
            Ev::Text(_) => {}
            Ev::Eof => return Ok(()),
        }
    }
}

/// The properties of `meta.xml` Docket shows editors; a damaged one is ignored.
fn read_meta(xml: &str, metadata: &mut DocumentMetadata, deadline: &Deadline) {
    let mut x = Xml::new(xml, ODT, "meta.xml", deadline);
    let mut current: Option<String> = None;
    let mut text = String::new();
    loop {
        match x.next() {
            Ok(Ev::Start(e)) => {
                // Word's Company and Manager come to an .odt as user-defined properties.
                current = Some(match (local(&e), attr(&e, "name")) {
                    ("user-defined", Some(n)) => format!("user-defined:{n}"),
                    (name, _) => name.to_owned(),
                });
                text.clear();
            }
            Ok(Ev::Text(t)) => {
                if current.is_some() && text.len() < 10_000 {
                    text.push_str(&t);
                }
            }
            Ok(Ev::End) => {
                if let Some(name) = current.take() {
                    let value = collapse_whitespace(&text);
                    if !value.is_empty() {
                        let slot = match name.as_str() {
                            "title" => &mut metadata.title,
                            "initial-creator" => &mut metadata.author,
                            "creator" => &mut metadata.last_modified_by,
                            "generator" => &mut metadata.application,
                            "creation-date" => &mut metadata.created,
                            "date" => &mut metadata.modified,
                            "user-defined:Company" => &mut metadata.company,
                            "user-defined:Manager" => &mut metadata.manager,
                            _ => continue,
                        };
                        *slot = Some(value);
                    }
                }
            }
            Ok(Ev::Eof) | Err(_) => return,
        }
    }
}

// --------------------------------------------------------------------------------- content

/// Elements whose content is not part of the running text.
const SKIPPED: &[&str] = &[
    "note-citation",
    "tracked-changes",
    "sequence-decls",
    "variable-decls",
    "user-field-decls",
    "dde-connection-decls",
    "forms",
    "automatic-styles",
    "font-face-decls",
    "scripts",
    "table-columns",
    "table-column",
    "enhanced-geometry",
    "object",
    "object-ole",
    "ruby-text",
    "event-listeners",
    "contour-polygon",
    "image-map",
];

/// Shapes whose text is read like a text box.
const SHAPES: &[&str] = &[
    "text-box",
    "custom-shape",
    "rect",
    "ellipse",
    "polygon",
    "polyline",
    "path",
    "line",
    "connector",
    "circle",
    "caption",
    "measure",
    "regular-polygon",
];

/// A number in an OpenDocument number format (`1`, `a`, `A`, `i`, `I`).
fn format_number(n: u64, format: &str) -> String {
    let word = match format {
        "a" => "lowerLetter",
        "A" => "upperLetter",
        "i" => "lowerRoman",
        "I" => "upperRoman",
        "" => "none",
        _ => "decimal",
    };
    crate::docx::format_number(n, word)
}

struct ListCtx {
    style: Option<String>,
    id: u64,
    paragraphs_in_item: usize,
    /// `text:start-value` of the item being read.
    start: Option<u64>,
}

struct Para {
    block: Block,
    /// Depth of `formats` when the paragraph started.
    formats_base: usize,
    /// Frames and shapes anchored in this paragraph: emitted right after it.
    after: Vec<Block>,
    /// The number put before a heading's text, if any.
    label: Option<String>,
}

/// Where finished paragraphs go.
enum Container {
    /// The document body.
    Root(Vec<Block>),
    /// A frame, shape, note or annotation: the paragraph it interrupts waits here.
    Inset {
        kind: Inset,
        para: Option<Para>,
        formats: Vec<(bool, bool, bool)>,
        links: Vec<Option<String>>,
        blocks: Vec<Block>,
    },
    /// A table: rows of cells; paragraphs go to the last cell.
    Table {
        rows: Vec<Vec<Cell>>,
        /// Covered cells still to skip in this row (they are part of a column span).
        covered: usize,
    },
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Inset {
    Shape,
    Note,
    Annotation,
}

struct Content {
    blocks: Vec<Block>,
    notes: Vec<Note>,
    comments: Vec<Comment>,
    /// Images: (part, name, alt).
    images: Vec<(String, String, Option<String>)>,
}

/// Most notes, comments and images kept from one document (see the Word reader).
const MAX_ITEMS: usize = 10_000;

struct ContentReader<'s> {
    styles: &'s Styles,
    containers: Vec<Container>,
    para: Option<Para>,
    /// Bold/italic/hidden of the enclosing paragraph and spans, innermost last.
    formats: Vec<(bool, bool, bool)>,
    links: Vec<Option<String>>,
    lists: Vec<ListCtx>,
    next_list_id: u64,
    last_top_list: Option<(u64, Option<String>)>,
    /// Counters of each list (by id) and of the outline, per level.
    counters: HashMap<u64, [Option<u64>; 10]>,
    /// Element names open, innermost last (only those the reader reacts to at their end).
    open: Vec<&'static str>,
    notes: Vec<Note>,
    comments: Vec<Comment>,
    /// The annotation being read: author, date.
    annotation: Option<(Option<String>, Option<String>, Option<String>)>,
    /// Text in the element being read (dc:creator, dc:date) of an annotation.
    annotation_field: Option<&'static str>,
    /// Annotations whose range is open: name → index in `comments`.
    open_ranges: Vec<(String, usize)>,
    images: Vec<(String, String, Option<String>)>,
    /// The frames being read: their alt text and images.
    frames: Vec<Frame>,
}

/// A `draw:frame` being read.
#[derive(Default)]
struct Frame {
    alt: Option<String>,
    /// Its images' parts, in order.
    images: Vec<String>,
}

/// The id under which the outline numbering counts.
const OUTLINE_ID: u64 = u64::MAX;

impl ContentReader<'_> {
    fn push_text(&mut self, text: &str) {
        let (bold, italic, hidden) = self
            .formats
            .last()
            .copied()
            .unwrap_or((false, false, false));
        if hidden {
            return;
        }
        for (_, i) in &self.open_ranges {
            if let Some(c) = self.comments.get_mut(*i)
                && c.anchored_text.len() < 10_000
            {
                c.anchored_text.push_str(text);
            }
        }
        let link = self.links.last().cloned().flatten();
        if let Some(p) = self.para.as_mut() {
            p.block.push(text, bold, italic, link.as_deref());
        }
    }

    fn push_raw(&mut self, markdown: &str) {
        if let Some(p) = self.para.as_mut() {
            p.block.push_raw(markdown);
        }
    }

    fn emit(&mut self, block: Block) {
        match self.containers.last_mut() {
            Some(Container::Root(blocks)) | Some(Container::Inset { blocks, .. }) => {
                blocks.push(block);
            }
            Some(Container::Table { rows, .. }) => {
                if rows.is_empty() {
                    rows.push(Vec::new());
                }
                let row = rows.last_mut().expect("a row");
                if row.is_empty() {
                    row.push(Cell::default());
                }
                let cell = row.last_mut().expect("a cell");
                match block.kind {
                    BlockKind::Table(inner) => {
                        for c in inner.into_iter().flatten() {
                            cell.blocks.extend(c.blocks);
                        }
                    }
                    _ => cell.blocks.push(block),
                }
            }
            None => {}
        }
    }

    /// The label of the next paragraph of list `id` at 1-based `depth`, counted.
    fn count(
        &mut self,
        id: u64,
        style: Option<&str>,
        depth: u8,
        restart: Option<u64>,
    ) -> Option<Label> {
        let styles = self.styles;
        let depth = depth.clamp(1, 10);
        // A list without a list style shows bullets (LibreOffice's default list).
        let Some(level) = style.and_then(|s| styles.level(s, depth)) else {
            return (id != OUTLINE_ID).then_some(Label::Bullet);
        };
        let style = style.unwrap_or_default();
        let values = self.counters.entry(id).or_insert([None; 10]);
        let i = usize::from(depth - 1);
        let value = match (restart, values[i]) {
            (Some(start), _) => start,
            (None, Some(v)) => v.saturating_add(1),
            (None, None) => level.start,
        };
        values[i] = Some(value);
        for deeper in values.iter_mut().skip(i + 1) {
            *deeper = None;
        }
        if let Some(bullet) = &level.bullet {
            return (!bullet.trim().is_empty()).then_some(Label::Bullet);
        }
        let number_of = |k: u8| -> String {
            let k_level = styles.level(style, k);
            let format = k_level.map_or("1", |l| l.format.as_str());
            let v = values[usize::from(k - 1)].unwrap_or(k_level.map_or(1, |l| l.start));
            format_number(v, format)
        };
        let label = match &level.pattern {
            Some(pattern) => {
                // `%1%.%2%`: each `%N%` is level N's number.
                let mut out = String::new();
                let mut rest = pattern.as_str();
                while let Some(at) = rest.find('%') {
                    out.push_str(&rest[..at]);
                    let after = &rest[at + 1..];
                    let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
                    match digits.parse::<u8>() {
                        Ok(k)
                            if (1..=10).contains(&k) && after[digits.len()..].starts_with('%') =>
                        {
                            out.push_str(&number_of(k));
                            rest = &after[digits.len() + 1..];
                        }
                        _ => {
                            out.push('%');
                            rest = after;
                        }
                    }
                }
                out.push_str(rest);
                out
            }
            None => {
                if level.format.is_empty() {
                    format!("{}{}", level.prefix, level.suffix)
                } else {
                    let shown = level.display_levels.clamp(1, depth);
                    let numbers: Vec<String> = (depth + 1 - shown..=depth).map(number_of).collect();
                    format!("{}{}{}", level.prefix, numbers.join("."), level.suffix)
                }
            }
        };
        let label = label.trim().to_owned();
        if label.is_empty() {
            None
        } else if level.format == "1" && label == format!("{value}.") {
            Some(Label::Number(value))
        } else {
            Some(Label::Text(label))
        }
    }

    fn start_paragraph(&mut self, e: &quick_xml::events::BytesStart<'_>, heading: bool) {
        self.finish_paragraph();
        let style = attr(e, "style-name");
        let style = style.as_deref();
        let mut label = None;
        let mut list_item = None;
        if !self.lists.is_empty() {
            let level = self.lists.len() - 1;
            let styles = self.styles;
            let list = &mut self.lists[level];
            list.paragraphs_in_item += 1;
            if list.paragraphs_in_item == 1 {
                let list_style = list
                    .style
                    .clone()
                    .or_else(|| style.and_then(|s| styles.list_style(s)));
                let (id, restart) = (list.id, list.start.take());
                let depth = u8::try_from(level + 1).unwrap_or(u8::MAX);
                label = self.count(id, list_style.as_deref(), depth, restart);
                list_item = Some((id, level));
            }
        }
        let kind = if heading {
            let level = attr(e, "outline-level")
                .and_then(|l| l.trim().parse::<u8>().ok())
                .or_else(|| style.and_then(|s| self.styles.outline(s)))
                .unwrap_or(1);
            // A heading outside a list is numbered by the outline numbering.
            if self.lists.is_empty() && attr(e, "is-list-header").as_deref() != Some("true") {
                label = self.count(OUTLINE_ID, Some(OUTLINE), level, None);
            }
            BlockKind::Heading(level.clamp(1, 6))
        } else if let Some((list, level)) = list_item {
            match label.take() {
                Some(label) => BlockKind::ListItem { list, level, label },
                None => BlockKind::Paragraph,
            }
        } else if !self.lists.is_empty() {
            BlockKind::ListContinuation {
                level: self.lists.len() - 1,
            }
        } else if style.is_some_and(|s| self.styles.is_title(s)) {
            BlockKind::Heading(1)
        } else if style.is_some_and(|s| self.styles.is_quote(s)) {
            BlockKind::Quote
        } else {
            BlockKind::Paragraph
        };
        let (bold, italic) = style.map_or((false, false), |s| self.styles.paragraph_format(s));
        let hidden = style.is_some_and(|s| self.styles.hidden(s));
        let formats_base = self.formats.len();
        self.formats.push((bold, italic, hidden));
        let mut block = Block::new(kind);
        let mut heading_label = None;
        if let (BlockKind::Heading(_), Some(label)) = (&block.kind, label) {
            let shown = match label {
                Label::Number(n) => format!("{n}."),
                Label::Text(t) => t,
                _ => "\u{2022}".into(),
            };
            block.push(&format!("{shown} "), false, false, None);
            heading_label = Some(shown);
        }
        self.para = Some(Para {
            block,
            formats_base,
            after: Vec::new(),
            label: heading_label,
        });
    }

    fn finish_paragraph(&mut self) {
        if let Some(p) = self.para.take() {
            self.formats.truncate(p.formats_base);
            let mut block = p.block;
            // A heading that is only its number shows nothing.
            if p.label.is_some_and(|l| block.plain_text() == l)
                && !block.spans.iter().any(|s| s.raw)
            {
                block.spans.clear();
            }
            self.emit(block);
            for b in p.after {
                self.emit(b);
            }
        }
    }

    fn start_inset(&mut self, kind: Inset) {
        self.containers.push(Container::Inset {
            kind,
            para: self.para.take(),
            formats: std::mem::take(&mut self.formats),
            links: std::mem::take(&mut self.links),
            blocks: Vec::new(),
        });
    }

    /// Ends a frame, shape, note or annotation: returns its paragraphs, the interrupted
    /// paragraph open again.
    fn end_inset(&mut self) -> Option<(Inset, Vec<Block>)> {
        self.finish_paragraph();
        if !matches!(self.containers.last(), Some(Container::Inset { .. })) {
            return None;
        }
        let Some(Container::Inset {
            kind,
            para,
            formats,
            links,
            blocks,
        }) = self.containers.pop()
        else {
            return None;
        };
        self.para = para;
        self.formats = formats;
        self.links = links;
        Some((kind, blocks))
    }

    fn end_shape(&mut self) {
        if let Some((_, blocks)) = self.end_inset() {
            match self.para.as_mut() {
                Some(p) => p.after.extend(blocks),
                None => {
                    for b in blocks {
                        self.emit(b);
                    }
                }
            }
        }
    }

    fn end_note(&mut self) {
        if let Some((_, blocks)) = self.end_inset()
            && !blocks.iter().all(Block::is_blank)
            && self.notes.len() < MAX_ITEMS
        {
            let label = (self.notes.len() + 1).to_string();
            self.push_raw(&format!("[^{label}]"));
            self.notes.push(Note { label, blocks });
        }
    }

    fn end_annotation(&mut self) {
        if let Some((_, blocks)) = self.end_inset()
            && let Some((author, date, name)) = self.annotation.take()
            && self.comments.len() < MAX_ITEMS
        {
            let text = blocks
                .iter()
                .map(Block::plain_text)
                .filter(|t| !t.is_empty())
                .collect::<Vec<_>>()
                .join("\n\n");
            self.comments.push(Comment {
                author,
                date,
                text,
                anchored_text: String::new(),
            });
            if let Some(name) = name {
                self.open_ranges.push((name, self.comments.len() - 1));
            }
        }
    }

    fn start_table(&mut self) {
        self.finish_paragraph();
        self.containers.push(Container::Table {
            rows: Vec::new(),
            covered: 0,
        });
    }

    fn end_table(&mut self) {
        self.finish_paragraph();
        if !matches!(self.containers.last(), Some(Container::Table { .. })) {
            return;
        }
        if let Some(Container::Table { rows, .. }) = self.containers.pop() {
            self.emit(Block::new(BlockKind::Table(rows)));
        }
    }

    /// Notes an image of the frame being read; its placeholder comes at the frame's end, once
    /// its alt text (`svg:desc`, after the image) is known.
    fn image(&mut self, href: Option<String>) {
        let Some(href) = href else { return };
        // Replacement images of embedded objects, and linked images, are not the author's.
        let part = href.trim_start_matches("./").to_owned();
        if part.starts_with("ObjectReplacements") || part.contains("://") {
            return;
        }
        if let Some(frame) = self.frames.last_mut()
            && frame.images.len() < 4
        {
            frame.images.push(part);
        }
    }

    fn end_frame(&mut self) {
        let Some(frame) = self.frames.pop() else {
            return;
        };
        let is_shown = |part: &str| {
            let extension = part
                .rsplit_once('.')
                .map(|(_, e)| e.to_ascii_lowercase())
                .unwrap_or_default();
            matches!(extension.as_str(), "png" | "jpg" | "jpeg" | "gif" | "webp")
        };
        // An SVG comes with a PNG copy for other programs: the one Docket can show is taken.
        let Some(part) = frame
            .images
            .iter()
            .find(|p| is_shown(p))
            .or(frame.images.first())
            .cloned()
        else {
            return;
        };
        if self.images.len() >= MAX_ITEMS {
            return;
        }
        let name = part.rsplit('/').next().unwrap_or(&part).to_owned();
        let shown = is_shown(&part);
        let placeholder = crate::markdown::image_placeholder(&name, frame.alt.as_deref(), shown);
        self.push_raw(&placeholder);
        if shown {
            self.images.push((part, name, frame.alt));
        }
    }

    fn start_list(&mut self, e: &quick_xml::events::BytesStart<'_>) {
        let own_style = attr(e, "style-name").filter(|s| !s.is_empty());
        let (id, style) = match self.lists.last() {
            Some(parent) => (parent.id, own_style.or_else(|| parent.style.clone())),
            None => {
                let continues = attr(e, "continue-numbering").as_deref() == Some("true")
                    || attr(e, "continue-list").is_some();
                match (&self.last_top_list, continues) {
                    (Some((id, prev_style)), true) => {
                        (*id, own_style.or_else(|| prev_style.clone()))
                    }
                    _ => {
                        self.next_list_id += 1;
                        (self.next_list_id, own_style)
                    }
                }
            }
        };
        if self.lists.is_empty() {
            self.last_top_list = Some((id, style.clone()));
        }
        self.lists.push(ListCtx {
            style,
            id,
            paragraphs_in_item: 0,
            start: None,
        });
    }
}

fn parse_content(xml: &str, styles: &Styles, deadline: &Deadline) -> Result<Content, ExtractError> {
    let mut x = Xml::new(xml, ODT, "content.xml", deadline);
    let mut r = ContentReader {
        styles,
        containers: vec![Container::Root(Vec::new())],
        para: None,
        formats: Vec::new(),
        links: Vec::new(),
        lists: Vec::new(),
        next_list_id: 0,
        last_top_list: None,
        counters: HashMap::new(),
        open: Vec::new(),
        notes: Vec::new(),
        comments: Vec::new(),
        annotation: None,
        annotation_field: None,
        open_ranges: Vec::new(),
        images: Vec::new(),
        frames: Vec::new(),
    };
    loop {
        match x.next()? {
            Ev::Start(e) => {
                let name = local(&e);
                if SKIPPED.contains(&name) {
                    x.skip_element()?;
                    continue;
                }
                let tracked: &'static str = match name {
                    "p" => {
                        r.start_paragraph(&e, false);
                        "p"
                    }
                    "h" => {
                        r.start_paragraph(&e, true);
                        "h"
                    }
                    "span" if r.para.is_some() => {
                        let (outer_b, outer_i, outer_h) =
                            r.formats.last().copied().unwrap_or((false, false, false));
                        let style = attr(&e, "style-name");
                        let (b, i) = style
                            .as_deref()
                            .map_or((None, None), |s| styles.text_format(s));
                        let hidden = outer_h || style.as_deref().is_some_and(|s| styles.hidden(s));
                        r.formats
                            .push((b.unwrap_or(outer_b), i.unwrap_or(outer_i), hidden));
                        "span"
                    }
                    "hidden-text" | "hidden-paragraph" => {
                        // Conditionally hidden: shown unless the condition holds, which we
                        // cannot evaluate; LibreOffice shows it by default.
                        ""
                    }
                    "a" => {
                        r.links.push(attr(&e, "href").and_then(|h| safe_url(&h)));
                        "a"
                    }
                    "list" => {
                        r.start_list(&e);
                        "list"
                    }
                    "list-item" | "list-header" => {
                        if let Some(l) = r.lists.last_mut() {
                            l.paragraphs_in_item = if name == "list-header" { 1 } else { 0 };
                            l.start = attr(&e, "start-value").and_then(|v| v.trim().parse().ok());
                        }
                        ""
                    }
                    "s" => {
                        let n = attr(&e, "c")
                            .and_then(|c| c.trim().parse::<usize>().ok())
                            .unwrap_or(1)
                            .clamp(1, 100);
                        r.push_text(&" ".repeat(n));
                        ""
                    }
                    "tab" => {
                        r.push_text(" ");
                        ""
                    }
                    "line-break" => {
                        r.push_text("\n");
                        ""
                    }
                    "note" => {
                        r.start_inset(Inset::Note);
                        "note"
                    }
                    "annotation" => {
                        r.annotation = Some((None, None, attr(&e, "name")));
                        r.start_inset(Inset::Annotation);
                        "annotation"
                    }
                    "annotation-end" => {
                        if let Some(n) = attr(&e, "name")
                            && let Some(i) = r.open_ranges.iter().position(|(o, _)| *o == n)
                        {
                            r.open_ranges.remove(i);
                        }
                        ""
                    }
                    "creator" | "date" if r.annotation.is_some() && r.para.is_none() => {
                        r.annotation_field =
                            Some(if name == "creator" { "creator" } else { "date" });
                        "field"
                    }
                    "frame" => {
                        r.frames.push(Frame::default());
                        "frame"
                    }
                    "title" | "desc" if !r.frames.is_empty() => {
                        r.annotation_field = Some(name_static(name));
                        "field"
                    }
                    "image" if !r.frames.is_empty() => {
                        r.image(attr(&e, "href"));
                        ""
                    }
                    n if SHAPES.contains(&n) => {
                        r.start_inset(Inset::Shape);
                        "shape"
                    }
                    "table" => {
                        r.start_table();
                        "table"
                    }
                    "table-row" => {
                        if let Some(Container::Table { rows, covered }) = r.containers.last_mut() {
                            rows.push(Vec::new());
                            *covered = 0;
                        }
                        ""
                    }
                    "table-cell" | "covered-table-cell" => {
                        if let Some(Container::Table { rows, covered }) = r.containers.last_mut() {
                            if rows.is_empty() {
                                rows.push(Vec::new());
                            }
                            if name == "covered-table-cell" && *covered > 0 {
                                // Part of a column span: the span already keeps its place.
                                *covered -= 1;
                            } else if let Some(row) = rows.last_mut() {
                                let span = attr(&e, "number-columns-spanned")
                                    .and_then(|v| v.trim().parse::<usize>().ok())
                                    .unwrap_or(1)
                                    .clamp(1, 64);
                                *covered = span - 1;
                                row.push(Cell {
                                    blocks: Vec::new(),
                                    span,
                                });
                            }
                        }
                        ""
                    }
                    _ => "",
                };
                r.open.push(tracked);
            }
            Ev::End => match r.open.pop() {
                Some("p" | "h") => r.finish_paragraph(),
                // Only pop what this span pushed (a paragraph may have been cut short).
                Some("span")
                    if r.para
                        .as_ref()
                        .is_some_and(|p| r.formats.len() > p.formats_base + 1) =>
                {
                    r.formats.pop();
                }
                Some("a") => {
                    r.links.pop();
                }
                Some("list") => {
                    r.lists.pop();
                }
                Some("note") => r.end_note(),
                Some("annotation") => r.end_annotation(),
                Some("field") => r.annotation_field = None,
                Some("frame") => r.end_frame(),
                Some("shape") => r.end_shape(),
                Some("table") => r.end_table(),
                _ => {}
            },
            Ev::Text(text) => {
                if let Some(field) = r.annotation_field {
                    let value = collapse_whitespace(&text);
                    match field {
                        "creator" | "date" => {
                            if let Some((author, date, _)) = r.annotation.as_mut() {
                                let slot = if field == "creator" { author } else { date };
                                *slot = Some(value);
                            }
                        }
                        _ => {
                            // A frame's title or description is its image's alt text; the
                            // description wins.
                            if let Some(alt) = r.frames.last_mut().map(|f| &mut f.alt)
                                && !value.is_empty()
                                && (field == "desc" || alt.is_none())
                            {
                                *alt = Some(value);
                            }
                        }
                    }
                } else if r.para.is_some() {
                    // ODF collapses white space in text (spaces are written as text:s).
                    let mut collapsed = String::with_capacity(text.len());
                    let mut prev_space = false;
                    for c in text.chars() {
                        if matches!(c, ' ' | '\t' | '\n' | '\r') {
                            if !prev_space {
                                collapsed.push(' ');
                            }
                            prev_space = true;
                        } else {
                            collapsed.push(c);
                            prev_space = false;
                        }
                    }
                    r.push_text(&collapsed);
                }
            }
            Ev::Eof => {
                r.finish_paragraph();
                while r.containers.len() > 1 {
                    match r.containers.last() {
                        Some(Container::Inset { .. }) => r.end_shape(),
                        _ => r.end_table(),
                    }
                }
                let blocks = match r.containers.pop() {
                    Some(Container::Root(blocks)) => blocks,
                    _ => Vec::new(),
                };
                return Ok(Content {
                    blocks,
                    notes: r.notes,
                    comments: r.comments,
                    images: r.images,
                });
            }
        }
    }
}

/// The static name of a frame's alt-text element.
fn name_static(name: &str) -> &'static str {
    if name == "desc" { "desc" } else { "title" }
}
