//! OpenDocument text (`.odt`) to Markdown.
//!
//! `content.xml` gives the text: `text:h` (outline level), `text:p`, `text:list`/`text:list-item`
//! (numbered or bulleted from the list style), `text:span` (bold/italic from its style),
//! `text:a`, `text:s`/`text:tab`/`text:line-break`. Styles come from `content.xml`'s automatic
//! styles (direct formatting) and `styles.xml`'s named styles: paragraph style "Quotations" (or
//! any whose name contains "Quot") is a quote, "Title" a level-1 heading. Notes, annotations,
//! tracked deletions, frames and indexes are left out.

use std::collections::HashMap;

use crate::isolate::Deadline;
use crate::markdown::{
    Block, BlockKind, Label, collapse_whitespace, first_heading, render, safe_url,
};
use crate::xml::{Ev, Xml, attr, local};
use crate::zipsafe::SafeZip;
use crate::{ExtractError, Extracted, FileType, Limits};

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
    let meta_title = match zip.read_xml("meta.xml") {
        Ok(Some(xml)) => parse_meta_title(&xml, deadline).ok().flatten(),
        _ => None,
    };
    let blocks = parse_content(&content, &styles, deadline)?;
    let markdown = render(&blocks);
    let title = meta_title.or_else(|| first_heading(&blocks));
    Ok(Extracted {
        file_type: ODT,
        markdown,
        pages: None,
        duration_seconds: None,
        title,
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
}

#[derive(Debug, Default)]
struct Styles {
    /// Automatic styles: direct formatting.
    automatic: HashMap<String, Style>,
    /// Named (common) styles.
    named: HashMap<String, Style>,
    /// List style name → level (1-based) → numbered?
    lists: HashMap<String, HashMap<u8, bool>>,
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

    fn ordered(&self, list_style: Option<&str>, level: u8) -> bool {
        let Some(levels) = list_style.and_then(|n| self.lists.get(n)) else {
            return false;
        };
        (1..=level)
            .rev()
            .find_map(|l| levels.get(&l).copied())
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
                        }
                    }
                    "list-style" if style.is_none() => {
                        list = attr(&e, "name");
                        if let Some(n) = &list {
                            styles.lists.insert(n.clone(), HashMap::new());
                        }
                    }
                    "list-level-style-number"
                    | "list-level-style-bullet"
                    | "list-level-style-image" => {
                        if let (Some(n), Some(level)) = (
                            &list,
                            attr(&e, "level").and_then(|l| l.trim().parse::<u8>().ok()),
                        ) && let Some(levels) = styles.lists.get_mut(n)
                        {
                            // A number style with an empty format shows no number.
                            let numbered = name == "list-level-style-number"
                                && attr(&e, "num-format").is_none_or(|f| !f.is_empty());
                            levels.insert(level, numbered);
                        }
                    }
                    _ => {}
                }
                if name == "automatic-styles" {
                    automatic += 1;
                }
                path.push(match name {
                    "style" => "style",
                    "list-style" => "list-style",
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

fn parse_meta_title(xml: &str, deadline: &Deadline) -> Result<Option<String>, ExtractError> {
    let mut x = Xml::new(xml, ODT, "meta.xml", deadline);
    let mut in_title = false;
    let mut title = String::new();
    loop {
        match x.next()? {
            Ev::Start(e) => in_title = local(&e) == "title",
            Ev::End => in_title = false,
            Ev::Text(t) if in_title => title.push_str(&t),
            Ev::Text(_) => {}
            Ev::Eof => {
                let title = collapse_whitespace(&title);
                return Ok((!title.is_empty()).then_some(title));
            }
        }
    }
}

// --------------------------------------------------------------------------------- content

/// Elements whose content is not part of the running text.
const SKIPPED: &[&str] = &[
    "note",
    "annotation",
    "tracked-changes",
    "frame",
    "custom-shape",
    "sequence-decls",
    "variable-decls",
    "user-field-decls",
    "table-of-content",
    "alphabetical-index",
    "illustration-index",
    "table-index",
    "object-index",
    "user-index",
    "bibliography",
    "forms",
    "automatic-styles",
    "font-face-decls",
    "scripts",
    "table-columns",
    "table-column",
];

struct ListCtx {
    style: Option<String>,
    id: u64,
    paragraphs_in_item: usize,
}

struct Para {
    block: Block,
    /// Depth of `formats` when the paragraph started.
    formats_base: usize,
}

struct ContentReader<'s> {
    styles: &'s Styles,
    blocks: Vec<Block>,
    para: Option<Para>,
    /// Bold/italic of the enclosing paragraph and spans, innermost last.
    formats: Vec<(bool, bool)>,
    links: Vec<Option<String>>,
    lists: Vec<ListCtx>,
    next_list_id: u64,
    last_top_list: Option<(u64, Option<String>)>,
    /// Element names open, innermost last (only those the reader reacts to at their end).
    open: Vec<&'static str>,
}

impl ContentReader<'_> {
    fn push_text(&mut self, text: &str) {
        let (bold, italic) = self.formats.last().copied().unwrap_or((false, false));
        let link = self.links.last().cloned().flatten();
        if let Some(p) = self.para.as_mut() {
            p.block.push(text, bold, italic, link.as_deref());
        }
    }

    fn start_paragraph(&mut self, e: &quick_xml::events::BytesStart<'_>, heading: bool) {
        self.finish_paragraph();
        let style = attr(e, "style-name");
        let style = style.as_deref();
        let kind = if heading {
            let level = attr(e, "outline-level")
                .and_then(|l| l.trim().parse::<u8>().ok())
                .or_else(|| style.and_then(|s| self.styles.outline(s)))
                .unwrap_or(1);
            BlockKind::Heading(level.clamp(1, 6))
        } else if !self.lists.is_empty() {
            let level = self.lists.len() - 1;
            let styles = self.styles;
            let list = &mut self.lists[level];
            list.paragraphs_in_item += 1;
            if list.paragraphs_in_item == 1 {
                let list_style = list
                    .style
                    .clone()
                    .or_else(|| style.and_then(|s| styles.list_style(s)));
                let depth = u8::try_from(level + 1).unwrap_or(u8::MAX);
                BlockKind::ListItem {
                    list: list.id,
                    level,
                    label: if styles.ordered(list_style.as_deref(), depth) {
                        Label::Auto
                    } else {
                        Label::Bullet
                    },
                }
            } else {
                BlockKind::ListContinuation { level }
            }
        } else if style.is_some_and(|s| self.styles.is_title(s)) {
            BlockKind::Heading(1)
        } else if style.is_some_and(|s| self.styles.is_quote(s)) {
            BlockKind::Quote
        } else {
            BlockKind::Paragraph
        };
        let format = style.map_or((false, false), |s| self.styles.paragraph_format(s));
        let formats_base = self.formats.len();
        self.formats.push(format);
        self.para = Some(Para {
            block: Block::new(kind),
            formats_base,
        });
    }

    fn finish_paragraph(&mut self) {
        if let Some(p) = self.para.take() {
            self.formats.truncate(p.formats_base);
            self.blocks.push(p.block);
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
        });
    }
}

fn parse_content(
    xml: &str,
    styles: &Styles,
    deadline: &Deadline,
) -> Result<Vec<Block>, ExtractError> {
    let mut x = Xml::new(xml, ODT, "content.xml", deadline);
    let mut r = ContentReader {
        styles,
        blocks: Vec::new(),
        para: None,
        formats: Vec::new(),
        links: Vec::new(),
        lists: Vec::new(),
        next_list_id: 0,
        last_top_list: None,
        open: Vec::new(),
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
                        let (outer_b, outer_i) =
                            r.formats.last().copied().unwrap_or((false, false));
                        let (b, i) =
                            attr(&e, "style-name").map_or((None, None), |s| styles.text_format(&s));
                        r.formats.push((b.unwrap_or(outer_b), i.unwrap_or(outer_i)));
                        "span"
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
                            l.paragraphs_in_item = 0;
                        }
                        ""
                    }
                    "s" => {
                        r.push_text(" ");
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
                _ => {}
            },
            Ev::Text(text) => {
                if r.para.is_some() {
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
                return Ok(r.blocks);
            }
        }
    }
}
