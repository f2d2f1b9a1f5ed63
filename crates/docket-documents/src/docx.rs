//! Word (`.docx`, Office Open XML) to Markdown.
//!
//! Headings come from `word/styles.xml` by style *name* ("heading 1".."heading 9", "Title") or
//! outline level, never by style ID (Word localises IDs: German "berschrift1"). Lists come from
//! `w:numPr` (on the paragraph or its style) and `word/numbering.xml`; links from `r:id` in
//! `word/_rels/document.xml.rels` (and `HYPERLINK` fields); quotes from style names containing
//! "Quot" (Quote, Intense Quote, Quotations). Tables give their cells as paragraphs. Footnotes,
//! comments, deleted text, text boxes and drawings are left out.

use std::collections::HashMap;

use crate::isolate::Deadline;
use crate::markdown::{Block, BlockKind, first_heading, render, safe_url};
use crate::xml::{Ev, Xml, attr, local, on_off};
use crate::zipsafe::SafeZip;
use crate::{ExtractError, Extracted, FileType, Limits};

const DOCX: FileType = FileType::Docx;

pub(crate) fn extract(
    bytes: &[u8],
    limits: &Limits,
    deadline: &Deadline,
) -> Result<Extracted, ExtractError> {
    let mut zip = SafeZip::open(bytes, limits, DOCX)?;
    let document = zip
        .read_xml("word/document.xml")?
        .ok_or_else(|| ExtractError::malformed(DOCX, "no word/document.xml"))?;
    let rels = match zip.read_xml("word/_rels/document.xml.rels")? {
        Some(xml) => parse_rels(&xml, deadline)?,
        None => HashMap::new(),
    };
    let styles = match zip.read_xml("word/styles.xml")? {
        Some(xml) => parse_styles(&xml, deadline)?,
        None => Styles::default(),
    };
    let numbering = match zip.read_xml("word/numbering.xml")? {
        Some(xml) => parse_numbering(&xml, deadline)?,
        None => Numbering::default(),
    };
    let meta_title = match zip.read_xml("docProps/core.xml") {
        Ok(Some(xml)) => parse_core_title(&xml, deadline).ok().flatten(),
        _ => None,
    };
    let blocks = parse_document(&document, &styles, &numbering, &rels, deadline)?;
    let markdown = render(&blocks);
    let title = meta_title.or_else(|| first_heading(&blocks));
    Ok(Extracted {
        file_type: DOCX,
        markdown,
        pages: None,
        duration_seconds: None,
        title,
    })
}

// ------------------------------------------------------------------------------------ rels

/// Relationship ID → external hyperlink target (only safe schemes).
fn parse_rels(xml: &str, deadline: &Deadline) -> Result<HashMap<String, String>, ExtractError> {
    let mut map = HashMap::new();
    let mut x = Xml::new(xml, DOCX, "word/_rels/document.xml.rels", deadline);
    loop {
        match x.next()? {
            Ev::Start(e) if local(&e) == "Relationship" => {
                let is_link = attr(&e, "Type").is_some_and(|t| t.ends_with("/hyperlink"));
                if let (true, Some(id), Some(target)) =
                    (is_link, attr(&e, "Id"), attr(&e, "Target"))
                    && let Some(url) = safe_url(&target)
                {
                    map.insert(id, url);
                }
            }
            Ev::Eof => return Ok(map),
            _ => {}
        }
    }
}

// ---------------------------------------------------------------------------------- styles

#[derive(Debug, Default, Clone)]
struct Style {
    name: String,
    based_on: Option<String>,
    outline: Option<u8>,
    num_id: Option<String>,
    ilvl: Option<u8>,
    bold: Option<bool>,
    italic: Option<bool>,
}

#[derive(Debug, Default)]
struct Styles {
    by_id: HashMap<String, Style>,
}

/// Longest `w:basedOn` chain followed (also guards against loops).
const MAX_CHAIN: usize = 16;

impl Styles {
    fn chain<'s>(&'s self, id: &str) -> impl Iterator<Item = &'s Style> + 's {
        let mut next = self.by_id.get(id);
        std::iter::from_fn(move || {
            let current = next?;
            next = current.based_on.as_deref().and_then(|b| self.by_id.get(b));
            Some(current)
        })
        .take(MAX_CHAIN)
    }

    /// Heading level of a paragraph style: its name ("heading 2", "Title"), else its outline
    /// level, inherited through `w:basedOn`.
    fn heading_level(&self, id: &str) -> Option<u8> {
        for style in self.chain(id) {
            let name = style.name.trim().to_ascii_lowercase();
            if name == "title" {
                return Some(1);
            }
            if let Some(n) = name.strip_prefix("heading ")
                && let Ok(n) = n.trim().parse::<u8>()
                && (1..=9).contains(&n)
            {
                return Some(n.min(6));
            }
            if let Some(level) = style.outline {
                return (level < 9).then(|| (level + 1).min(6));
            }
        }
        None
    }

    fn is_quote(&self, id: &str) -> bool {
        self.chain(id)
            .any(|s| s.name.to_ascii_lowercase().contains("quot"))
    }

    fn numbering(&self, id: &str) -> Option<(String, Option<u8>)> {
        self.chain(id)
            .find_map(|s| s.num_id.clone().map(|n| (n, s.ilvl)))
    }

    fn bold(&self, id: &str) -> Option<bool> {
        self.chain(id).find_map(|s| s.bold)
    }

    fn italic(&self, id: &str) -> Option<bool> {
        self.chain(id).find_map(|s| s.italic)
    }
}

fn parse_u8(value: Option<String>) -> Option<u8> {
    value.and_then(|v| v.trim().parse::<u8>().ok())
}

fn parse_styles(xml: &str, deadline: &Deadline) -> Result<Styles, ExtractError> {
    let mut styles = Styles::default();
    let mut x = Xml::new(xml, DOCX, "word/styles.xml", deadline);
    let mut current: Option<(String, Style)> = None;
    // Path of the elements inside the current w:style (only the names that matter).
    let mut path: Vec<&'static str> = Vec::new();
    loop {
        match x.next()? {
            Ev::Start(e) => {
                let name = local(&e);
                let Some((_, style)) = current.as_mut() else {
                    match name {
                        // Table styles and the latent-style list are large and carry nothing
                        // we use.
                        "style" if attr(&e, "type").as_deref() == Some("table") => {
                            x.skip_element()?;
                        }
                        "style" => {
                            let id = attr(&e, "styleId").unwrap_or_default();
                            current = Some((id, Style::default()));
                            path.clear();
                        }
                        "latentStyles" | "docDefaults" => x.skip_element()?,
                        _ => {}
                    }
                    continue;
                };
                let parent = path.last().copied();
                match (parent, name) {
                    (_, "tblStylePr" | "rPrChange" | "pPrChange" | "tblPr" | "trPr" | "tcPr") => {
                        x.skip_element()?;
                        continue;
                    }
                    (None, "name") => style.name = attr(&e, "val").unwrap_or_default(),
                    (None, "basedOn") => style.based_on = attr(&e, "val"),
                    (Some("pPr"), "outlineLvl") => style.outline = parse_u8(attr(&e, "val")),
                    (Some("numPr"), "numId") => style.num_id = attr(&e, "val"),
                    (Some("numPr"), "ilvl") => style.ilvl = parse_u8(attr(&e, "val")),
                    (Some("rPr"), "b") => style.bold = Some(on_off(&e)),
                    (Some("rPr"), "i") => style.italic = Some(on_off(&e)),
                    _ => {}
                }
                path.push(match name {
                    "pPr" => "pPr",
                    "rPr" => "rPr",
                    "numPr" => "numPr",
                    _ => "",
                });
            }
            Ev::End => {
                if current.is_some() && path.pop().is_none() {
                    let (id, style) = current.take().unwrap_or_default();
                    styles.by_id.insert(id, style);
                }
            }
            Ev::Text(_) => {}
            Ev::Eof => return Ok(styles),
        }
    }
}

// ------------------------------------------------------------------------------- numbering

#[derive(Debug, Default)]
struct Numbering {
    /// abstractNumId → ilvl → ordered?
    abstracts: HashMap<String, HashMap<u8, bool>>,
    /// numId → (abstractNumId, level overrides)
    nums: HashMap<String, (String, HashMap<u8, bool>)>,
}

impl Numbering {
    /// Whether list `num_id` is numbered (not bulleted) at `ilvl`; bullets when unknown.
    fn ordered(&self, num_id: &str, ilvl: u8) -> bool {
        let Some((abstract_id, overrides)) = self.nums.get(num_id) else {
            return false;
        };
        let pick =
            |levels: &HashMap<u8, bool>| (0..=ilvl).rev().find_map(|l| levels.get(&l).copied());
        if let Some(&o) = overrides.get(&ilvl) {
            return o;
        }
        self.abstracts
            .get(abstract_id)
            .and_then(pick)
            .unwrap_or(false)
    }
}

fn is_ordered_format(format: &str) -> bool {
    !matches!(format, "bullet" | "none" | "")
}

fn parse_numbering(xml: &str, deadline: &Deadline) -> Result<Numbering, ExtractError> {
    let mut numbering = Numbering::default();
    let mut x = Xml::new(xml, DOCX, "word/numbering.xml", deadline);
    // Open elements, by the names that matter ("" for the others).
    let mut stack: Vec<&'static str> = Vec::new();
    let (mut in_abstract, mut in_override) = (0u32, 0u32);
    let mut abstract_id: Option<String> = None;
    let mut num_id: Option<String> = None;
    let mut level: Option<u8> = None;
    loop {
        match x.next()? {
            Ev::Start(e) => {
                let name = local(&e);
                let parent = stack.last().copied();
                let tracked = match name {
                    "abstractNum" => {
                        in_abstract += 1;
                        abstract_id = attr(&e, "abstractNumId");
                        if let Some(id) = &abstract_id {
                            numbering.abstracts.entry(id.clone()).or_default();
                        }
                        "abstractNum"
                    }
                    "num" => {
                        num_id = attr(&e, "numId");
                        if let Some(id) = &num_id {
                            numbering
                                .nums
                                .entry(id.clone())
                                .or_insert_with(|| (String::new(), HashMap::new()));
                        }
                        "num"
                    }
                    "lvlOverride" => {
                        in_override += 1;
                        level = parse_u8(attr(&e, "ilvl"));
                        "lvlOverride"
                    }
                    "lvl" => {
                        level = parse_u8(attr(&e, "ilvl"));
                        "lvl"
                    }
                    _ => "",
                };
                match name {
                    "abstractNumId" if parent == Some("num") => {
                        if let (Some(id), Some(target)) = (&num_id, attr(&e, "val"))
                            && let Some(entry) = numbering.nums.get_mut(id)
                        {
                            entry.0 = target;
                        }
                    }
                    "numFmt" => {
                        let ordered = is_ordered_format(&attr(&e, "val").unwrap_or_default());
                        match (in_override > 0, &num_id, &abstract_id, level) {
                            (true, Some(n), _, Some(l)) => {
                                if let Some(entry) = numbering.nums.get_mut(n) {
                                    entry.1.insert(l, ordered);
                                }
                            }
                            (false, _, Some(a), Some(l)) if in_abstract > 0 => {
                                if let Some(levels) = numbering.abstracts.get_mut(a) {
                                    levels.insert(l, ordered);
                                }
                            }
                            _ => {}
                        }
                    }
                    _ => {}
                }
                stack.push(tracked);
            }
            Ev::End => match stack.pop() {
                Some("abstractNum") => {
                    in_abstract -= 1;
                    abstract_id = None;
                }
                Some("num") => num_id = None,
                Some("lvl") if in_override == 0 => level = None,
                Some("lvlOverride") => {
                    in_override -= 1;
                    level = None;
                }
                _ => {}
            },
            Ev::Text(_) => {}
            Ev::Eof => return Ok(numbering),
        }
    }
}

// ------------------------------------------------------------------------------- core.xml

fn parse_core_title(xml: &str, deadline: &Deadline) -> Result<Option<String>, ExtractError> {
    let mut x = Xml::new(xml, DOCX, "docProps/core.xml", deadline);
    let mut in_title = false;
    let mut title = String::new();
    loop {
        match x.next()? {
            Ev::Start(e) => in_title = local(&e) == "title",
            Ev::End => in_title = false,
            Ev::Text(t) if in_title => title.push_str(&t),
            Ev::Text(_) => {}
            Ev::Eof => {
                let title = crate::markdown::collapse_whitespace(&title);
                return Ok((!title.is_empty()).then_some(title));
            }
        }
    }
}

// -------------------------------------------------------------------------------- document

/// Elements whose content is not part of the running text.
const SKIPPED: &[&str] = &[
    "del",
    "moveFrom",
    "delText",
    "delInstrText",
    "drawing",
    "pict",
    "AlternateContent",
    "object",
    "footnoteReference",
    "endnoteReference",
    "commentReference",
    "annotationRef",
    "txbxContent",
    "sectPr",
    "rPrChange",
    "pPrChange",
    "fldData",
    "ffData",
    "sdtPr",
    "tblPr",
    "tblGrid",
    "trPr",
    "tcPr",
];

#[derive(Default)]
struct Para {
    style: Option<String>,
    num_id: Option<String>,
    ilvl: Option<u8>,
    outline: Option<u8>,
    block: Option<Block>,
}

#[derive(Default)]
struct Run {
    bold: Option<bool>,
    italic: Option<bool>,
    style: Option<String>,
}

struct Field {
    instruction: String,
    link: Option<String>,
    in_result: bool,
}

/// The target of a `HYPERLINK "url"` field instruction (a `\l` anchor is not kept).
fn field_link(instruction: &str) -> Option<String> {
    let rest = instruction.trim_start().strip_prefix("HYPERLINK")?;
    if rest.contains("\\l") && !rest.contains("http") {
        return None;
    }
    let start = rest.find('"')? + 1;
    let end = start + rest[start..].find('"')?;
    safe_url(&rest[start..end])
}

struct DocReader<'s> {
    styles: &'s Styles,
    numbering: &'s Numbering,
    rels: &'s HashMap<String, String>,
    blocks: Vec<Block>,
    para: Option<Para>,
    run: Option<Run>,
    /// How many elements of each tracked name are open (see [`TRACKED`]).
    open: [u32; TRACKED.len()],
    links: Vec<Option<String>>,
    fields: Vec<Field>,
    list_ids: HashMap<String, u64>,
}

/// The element names the reader needs to know it is inside of.
const TRACKED: [&str; 9] = [
    "pPr",
    "rPr",
    "numPr",
    "r",
    "t",
    "instrText",
    "hyperlink",
    "fldSimple",
    "p",
];

fn tracked(name: &str) -> Option<usize> {
    TRACKED.iter().position(|t| *t == name)
}

impl DocReader<'_> {
    fn in_(&self, name: &str) -> bool {
        tracked(name).is_some_and(|i| self.open[i] > 0)
    }

    fn current_link(&self) -> Option<String> {
        if let Some(Some(link)) = self.links.last() {
            return Some(link.clone());
        }
        self.fields
            .iter()
            .rev()
            .find(|f| f.in_result)
            .and_then(|f| f.link.clone())
    }

    fn push_text(&mut self, text: &str) {
        // Text between a field's begin and separate is its instruction, not content.
        if self.fields.last().is_some_and(|f| !f.in_result) {
            return;
        }
        let (bold, italic) = match &self.run {
            Some(run) => {
                let style = run.style.as_deref();
                (
                    run.bold
                        .or_else(|| style.and_then(|s| self.styles.bold(s)))
                        .unwrap_or(false),
                    run.italic
                        .or_else(|| style.and_then(|s| self.styles.italic(s)))
                        .unwrap_or(false),
                )
            }
            None => (false, false),
        };
        let link = self.current_link();
        if let Some(block) = self.para.as_mut().and_then(|p| p.block.as_mut()) {
            block.push(text, bold, italic, link.as_deref());
        }
    }

    fn start_paragraph(&mut self) {
        self.finish_paragraph();
        self.para = Some(Para {
            block: Some(Block::new(BlockKind::Paragraph)),
            ..Para::default()
        });
    }

    fn finish_paragraph(&mut self) {
        let Some(mut para) = self.para.take() else {
            return;
        };
        let Some(mut block) = para.block.take() else {
            return;
        };
        let style = para.style.as_deref();
        let heading = match para.outline {
            Some(level) if level < 9 => Some((level + 1).min(6)),
            Some(_) => None,
            None => style.and_then(|s| self.styles.heading_level(s)),
        };
        let numbering = match para.num_id.take() {
            Some(id) => Some((id, para.ilvl)),
            None => style
                .and_then(|s| self.styles.numbering(s))
                .map(|(id, ilvl)| (id, para.ilvl.or(ilvl))),
        };
        block.kind = if let Some(level) = heading {
            BlockKind::Heading(level)
        } else if let Some((num_id, ilvl)) = numbering.filter(|(id, _)| id != "0") {
            let ilvl = ilvl.unwrap_or(0).min(8);
            let next_id = self.list_ids.len() as u64;
            let list = *self.list_ids.entry(num_id.clone()).or_insert(next_id);
            BlockKind::ListItem {
                list,
                ordered: self.numbering.ordered(&num_id, ilvl),
                level: usize::from(ilvl),
            }
        } else if style.is_some_and(|s| self.styles.is_quote(s)) {
            BlockKind::Quote
        } else {
            BlockKind::Paragraph
        };
        self.blocks.push(block);
    }

    fn start(&mut self, e: &quick_xml::events::BytesStart<'_>) {
        let name = local(e);
        let in_ppr = self.in_("pPr");
        match name {
            "p" => self.start_paragraph(),
            "pStyle" if in_ppr => {
                if let Some(p) = self.para.as_mut() {
                    p.style = attr(e, "val");
                }
            }
            "ilvl" if self.in_("numPr") => {
                if let Some(p) = self.para.as_mut() {
                    p.ilvl = parse_u8(attr(e, "val"));
                }
            }
            "numId" if self.in_("numPr") => {
                if let Some(p) = self.para.as_mut() {
                    p.num_id = attr(e, "val");
                }
            }
            "outlineLvl" if in_ppr => {
                if let Some(p) = self.para.as_mut() {
                    p.outline = parse_u8(attr(e, "val"));
                }
            }
            "r" => self.run = Some(Run::default()),
            "rStyle" | "b" | "i" if self.in_("rPr") && !in_ppr => {
                if let Some(run) = self.run.as_mut() {
                    match name {
                        "rStyle" => run.style = attr(e, "val"),
                        "b" => run.bold = Some(on_off(e)),
                        _ => run.italic = Some(on_off(e)),
                    }
                }
            }
            "tab" if self.in_("r") && !in_ppr => self.push_text(" "),
            "br" if self.in_("r") => match attr(e, "type").as_deref() {
                Some("page" | "column") => self.push_text(" "),
                _ => self.push_text("\n"),
            },
            "cr" if self.in_("r") => self.push_text("\n"),
            "noBreakHyphen" if self.in_("r") => self.push_text("-"),
            "hyperlink" => {
                let link = attr(e, "id").and_then(|id| self.rels.get(&id).cloned());
                self.links.push(link);
            }
            "fldSimple" => {
                let link = attr(e, "instr").and_then(|i| field_link(&i));
                self.links.push(link);
            }
            "fldChar" => match attr(e, "fldCharType").as_deref() {
                // Real fields nest a few deep; a crafted file is not allowed a long stack.
                Some("begin") if self.fields.len() < 32 => self.fields.push(Field {
                    instruction: String::new(),
                    link: None,
                    in_result: false,
                }),
                Some("separate") => {
                    if let Some(f) = self.fields.last_mut() {
                        f.in_result = true;
                        f.link = field_link(&f.instruction);
                    }
                }
                Some("end") => {
                    self.fields.pop();
                }
                _ => {}
            },
            _ => {}
        }
    }

    fn end(&mut self, name: &str) {
        match name {
            "p" => self.finish_paragraph(),
            "r" => self.run = None,
            "hyperlink" | "fldSimple" => {
                self.links.pop();
            }
            _ => {}
        }
    }
}

fn parse_document(
    xml: &str,
    styles: &Styles,
    numbering: &Numbering,
    rels: &HashMap<String, String>,
    deadline: &Deadline,
) -> Result<Vec<Block>, ExtractError> {
    let mut x = Xml::new(xml, DOCX, "word/document.xml", deadline);
    let mut r = DocReader {
        styles,
        numbering,
        rels,
        blocks: Vec::new(),
        para: None,
        run: None,
        open: [0; TRACKED.len()],
        links: Vec::new(),
        fields: Vec::new(),
        list_ids: HashMap::new(),
    };
    // For each open element: its index in TRACKED, if any.
    let mut open: Vec<Option<usize>> = Vec::new();
    loop {
        match x.next()? {
            Ev::Start(e) => {
                let name = local(&e);
                if SKIPPED.contains(&name) {
                    x.skip_element()?;
                    continue;
                }
                r.start(&e);
                let t = tracked(name);
                if let Some(t) = t {
                    r.open[t] += 1;
                }
                open.push(t);
            }
            Ev::End => {
                if let Some(Some(t)) = open.pop() {
                    r.open[t] -= 1;
                    r.end(TRACKED[t]);
                }
            }
            Ev::Text(text) => {
                if r.in_("instrText") {
                    if let Some(f) = r.fields.last_mut()
                        && !f.in_result
                        && f.instruction.len() < 4096
                    {
                        f.instruction.push_str(&text);
                    }
                } else if r.in_("t") && r.in_("r") {
                    r.push_text(&text);
                }
            }
            Ev::Eof => {
                r.finish_paragraph();
                return Ok(r.blocks);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hyperlink_fields() {
        assert_eq!(
            field_link(r#" HYPERLINK "https://example.org/x" "#).as_deref(),
            Some("https://example.org/x")
        );
        assert_eq!(field_link(r#" HYPERLINK "javascript:alert(1)" "#), None);
        assert_eq!(field_link(r#" HYPERLINK \l "_Toc1" "#), None);
        assert_eq!(field_link(" PAGE "), None);
    }
}
