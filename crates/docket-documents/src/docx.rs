//! Word (`.docx`, Office Open XML) to Markdown.
//!
//! The main part is found as the OPC standard says, through `_rels/.rels` (it is usually, not
//! always, `word/document.xml`), and the parts it uses (styles, numbering, footnotes, endnotes,
//! comments, images) through its own relationships.
//!
//! Headings come from `styles.xml` by style *name* ("heading 1".."heading 9", "Title") or
//! outline level, never by style ID (Word localises IDs: German "berschrift1"). Lists and
//! numbered headings come from `w:numPr` (on the paragraph or its style) and `numbering.xml`,
//! with the label Word shows (`3.`, `a)`, `iv.`, `1.2`), counted as Word counts (start values,
//! overrides, restarts of lower levels). Links come from `r:id` and `HYPERLINK` fields; quotes
//! from style names containing "Quot".
//!
//! Kept: footnotes and endnotes (as Markdown footnotes, numbered in order of reference), text
//! boxes and shapes (the `mc:Choice` of an `mc:AlternateContent`, never also its fallback, placed
//! after the paragraph they are anchored in), content controls, the displayed result of fields
//! (never the field code), symbols, soft hyphens, no-break spaces and hyphens, tracked
//! insertions and moves (once), tables (as GFM tables), images (as placeholders, with the bytes
//! of PNG/JPEG/GIF/WebP ones). Left out: tracked deletions, hidden text, headers and footers
//! (Word does not count them either), comments (returned on their own, with their author and the
//! text they comment on).

use std::collections::HashMap;

use crate::isolate::Deadline;
use crate::markdown::{
    Block, BlockKind, Cell, Label, Note, first_heading, render_document, safe_url,
};
use crate::xml::{Ev, Xml, attr, local, on_off};
use crate::zipsafe::SafeZip;
use crate::{Comment, DocumentMetadata, EmbeddedImage, ExtractError, Extracted, FileType, Limits};

const DOCX: FileType = FileType::Docx;

/// The default place of the main part, for packages without `_rels/.rels`.
const DEFAULT_MAIN: &str = "word/document.xml";

/// A relationship of a part: its type (last segment of the type URI) and target.
#[derive(Debug, Clone)]
struct Rel {
    kind: String,
    target: String,
    external: bool,
}

type Rels = HashMap<String, Rel>;

/// The folder of a part (`word/document.xml` → `word/`).
fn folder(part: &str) -> &str {
    match part.rfind('/') {
        Some(i) => &part[..=i],
        None => "",
    }
}

/// Resolves a relationship target against the folder of its source part, as OPC says: an
/// absolute target starts at the package root; `..` goes up.
pub(crate) fn resolve(base_folder: &str, target: &str) -> String {
    let joined = match target.strip_prefix('/') {
        Some(absolute) => absolute.to_owned(),
        None => format!("{base_folder}{target}"),
    };
    let mut parts: Vec<&str> = Vec::new();
    for segment in joined.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    parts.join("/")
}

/// The relationships part of a part (`word/document.xml` → `word/_rels/document.xml.rels`).
fn rels_part(part: &str) -> String {
    let (dir, name) = match part.rfind('/') {
        Some(i) => (&part[..=i], &part[i + 1..]),
        None => ("", part),
    };
    format!("{dir}_rels/{name}.rels")
}

fn parse_rels(xml: &str, deadline: &Deadline) -> Result<Rels, ExtractError> {
    let mut map = HashMap::new();
    let mut x = Xml::new(xml, DOCX, "relationships", deadline);
    loop {
        match x.next()? {
            Ev::Start(e) if local(&e) == "Relationship" => {
                if let (Some(id), Some(kind), Some(target)) =
                    (attr(&e, "Id"), attr(&e, "Type"), attr(&e, "Target"))
                {
                    let kind = kind.rsplit('/').next().unwrap_or_default().to_owned();
                    let external = attr(&e, "TargetMode").as_deref() == Some("External");
                    map.insert(
                        id,
                        Rel {
                            kind,
                            target,
                            external,
                        },
                    );
                }
            }
            Ev::Eof => return Ok(map),
            _ => {}
        }
    }
}

/// The main document part named by the package relationships, if any.
pub(crate) fn main_part_of(rels_xml: &str, deadline: &Deadline) -> Option<String> {
    let rels = parse_rels(rels_xml, deadline).ok()?;
    let mut found: Vec<&Rel> = rels
        .values()
        .filter(|r| r.kind == "officeDocument" && !r.external)
        .collect();
    found.sort_by(|a, b| a.target.cmp(&b.target));
    found.first().map(|r| resolve("", &r.target))
}

struct Package<'a> {
    zip: SafeZip<'a>,
    deadline: &'a Deadline,
}

impl Package<'_> {
    fn read_xml(&mut self, part: &str) -> Result<Option<String>, ExtractError> {
        self.zip.read_xml(part)
    }

    fn rels_of(&mut self, part: &str) -> Result<Rels, ExtractError> {
        match self.read_xml(&rels_part(part))? {
            Some(xml) => parse_rels(&xml, self.deadline),
            None => Ok(HashMap::new()),
        }
    }

    /// The first part related to `source` by a relationship of this type, resolved.
    fn related(rels: &Rels, source: &str, kind: &str) -> Option<String> {
        let mut found: Vec<&Rel> = rels
            .values()
            .filter(|r| r.kind == kind && !r.external)
            .collect();
        found.sort_by(|a, b| a.target.cmp(&b.target));
        found.first().map(|r| resolve(folder(source), &r.target))
    }

    /// The XML of the part of this type related to `source`, or of `fallback`.
    fn part_xml(
        &mut self,
        rels: &Rels,
        source: &str,
        kind: &str,
        fallback: &str,
    ) -> Result<Option<String>, ExtractError> {
        let name = Self::related(rels, source, kind)
            .unwrap_or_else(|| format!("{}{fallback}", folder(source)));
        self.read_xml(&name)
    }
}

pub(crate) fn extract(
    bytes: &[u8],
    limits: &Limits,
    deadline: &Deadline,
) -> Result<Extracted, ExtractError> {
    let zip = SafeZip::open(bytes, limits, DOCX)?;
    let mut pkg = Package { zip, deadline };
    let package_rels = match pkg.read_xml("_rels/.rels")? {
        Some(xml) => parse_rels(&xml, deadline)?,
        None => HashMap::new(),
    };
    let main = Package::related(&package_rels, "", "officeDocument")
        .unwrap_or_else(|| DEFAULT_MAIN.to_owned());
    let document = match pkg.read_xml(&main)? {
        Some(xml) => xml,
        None if main != DEFAULT_MAIN => pkg
            .read_xml(DEFAULT_MAIN)?
            .ok_or_else(|| ExtractError::malformed(DOCX, "no main document part"))?,
        None => return Err(ExtractError::malformed(DOCX, "no main document part")),
    };
    let rels = pkg.rels_of(&main)?;
    let styles = match pkg.part_xml(&rels, &main, "styles", "styles.xml")? {
        Some(xml) => parse_styles(&xml, deadline)?,
        None => Styles::default(),
    };
    let mut numbering = match pkg.part_xml(&rels, &main, "numbering", "numbering.xml")? {
        Some(xml) => parse_numbering(&xml, deadline)?,
        None => Numbering::default(),
    };
    numbering.resolve_style_links(&styles);
    let mut ctx = Ctx {
        folder: folder(&main).to_owned(),
        styles,
        numbering,
        rels,
        notes: HashMap::new(),
        comments: HashMap::new(),
    };
    for (kind, file, element) in [
        ("footnotes", "footnotes.xml", "footnote"),
        ("endnotes", "endnotes.xml", "endnote"),
    ] {
        if let Some(xml) = pkg.part_xml(&ctx.rels, &main, kind, file)? {
            for (id, blocks) in parse_items(&xml, &ctx, element, deadline)? {
                ctx.notes.insert((element, id.id), blocks);
            }
        }
    }
    if let Some(xml) = pkg.part_xml(&ctx.rels, &main, "comments", "comments.xml")? {
        for (item, blocks) in parse_items(&xml, &ctx, "comment", deadline)? {
            ctx.comments.insert(item.id.clone(), (item, blocks));
        }
    }
    let body = parse_body(&document, &ctx, deadline)?;
    let markdown = render_document(&body.blocks, &body.notes);

    let mut images: Vec<EmbeddedImage> = Vec::new();
    for image in &body.images {
        if !image.shown || images.iter().any(|i| i.name == image.name) {
            continue;
        }
        if let Some(bytes) = pkg.zip.read(&image.part)?
            && let Ok(info) = crate::image::check(&bytes)
        {
            images.push(EmbeddedImage {
                name: image.name.clone(),
                mime: info.file_type.mime(),
                bytes,
                alt: image.alt.clone(),
            });
        }
    }
    let mut metadata = DocumentMetadata::default();
    let core = Package::related(&package_rels, "", "core-properties")
        .unwrap_or_else(|| "docProps/core.xml".into());
    if let Ok(Some(xml)) = pkg.read_xml(&core) {
        read_properties(&xml, "core.xml", &mut metadata, deadline);
    }
    let app = Package::related(&package_rels, "", "extended-properties")
        .unwrap_or_else(|| "docProps/app.xml".into());
    if let Ok(Some(xml)) = pkg.read_xml(&app) {
        read_properties(&xml, "app.xml", &mut metadata, deadline);
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
        ..Extracted::new(DOCX)
    })
}

/// Reads the properties Docket shows editors from `core.xml` or `app.xml`; a damaged
/// properties part is ignored (it is not the author's text).
fn read_properties(
    xml: &str,
    part: &'static str,
    metadata: &mut DocumentMetadata,
    deadline: &Deadline,
) {
    let mut x = Xml::new(xml, DOCX, part, deadline);
    let mut current: Option<String> = None;
    let mut text = String::new();
    loop {
        match x.next() {
            Ok(Ev::Start(e)) => {
                current = Some(local(&e).to_owned());
                text.clear();
            }
            Ok(Ev::Text(t)) => {
                if current.is_some() && text.len() < 10_000 {
                    text.push_str(&t);
                }
            }
            Ok(Ev::End) => {
                if let Some(name) = current.take() {
                    let value = crate::markdown::collapse_whitespace(&text);
                    if !value.is_empty() {
                        let slot = match name.as_str() {
                            "title" => &mut metadata.title,
                            "creator" => &mut metadata.author,
                            "lastModifiedBy" => &mut metadata.last_modified_by,
                            "Company" => &mut metadata.company,
                            "Manager" => &mut metadata.manager,
                            "Application" => &mut metadata.application,
                            "created" => &mut metadata.created,
                            "modified" => &mut metadata.modified,
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

/// One level of a list definition.
#[derive(Debug, Default, Clone)]
struct Level {
    start: Option<u64>,
    format: Option<String>,
    text: Option<String>,
    /// Legal numbering: every level's number shown in decimal.
    legal: bool,
}

impl Level {
    /// Fills what this level leaves unsaid from `base`.
    fn over(&self, base: Option<&Level>) -> Level {
        let base = base.cloned().unwrap_or_default();
        Level {
            start: self.start.or(base.start),
            format: self.format.clone().or(base.format),
            text: self.text.clone().or(base.text),
            legal: self.legal || base.legal,
        }
    }
}

#[derive(Debug, Default)]
struct Num {
    abstract_id: String,
    /// Levels redefined by `w:lvlOverride/w:lvl`.
    levels: HashMap<u8, Level>,
    /// `w:lvlOverride/w:startOverride`: the list starts again at this value.
    start_overrides: HashMap<u8, u64>,
}

#[derive(Debug, Default)]
struct Numbering {
    abstracts: HashMap<String, HashMap<u8, Level>>,
    nums: HashMap<String, Num>,
    /// Definitions that take their levels from a list style (`w:numStyleLink`): definition →
    /// style ID.
    style_links: HashMap<String, String>,
}

impl Numbering {
    /// Gives each definition that links to a list style the levels of the definition that
    /// style's numbering uses (Word writes outline lists of headings this way).
    fn resolve_style_links(&mut self, styles: &Styles) {
        let links: Vec<(String, String)> = self.style_links.drain().collect();
        for (abstract_id, style_id) in links {
            let target = styles
                .chain(&style_id)
                .find_map(|s| s.num_id.clone())
                .and_then(|num| self.nums.get(&num))
                .map(|num| num.abstract_id.clone());
            if let Some(target) = target
                && target != abstract_id
                && let Some(levels) = self.abstracts.get(&target).cloned()
            {
                let own = self.abstracts.entry(abstract_id).or_default();
                if own.is_empty() {
                    *own = levels;
                }
            }
        }
    }
}

impl Numbering {
    /// The definition of level `ilvl` of list `num_id`, overrides applied.
    fn level(&self, num_id: &str, ilvl: u8) -> Option<Level> {
        let num = self.nums.get(num_id)?;
        let base = self
            .abstracts
            .get(&num.abstract_id)
            .and_then(|a| a.get(&ilvl));
        let mut level = match num.levels.get(&ilvl) {
            Some(own) => own.over(base),
            None => base?.clone(),
        };
        if let Some(&start) = num.start_overrides.get(&ilvl) {
            level.start = Some(start);
        }
        Some(level)
    }
}

/// The counters of the lists seen so far in one part, and the labels they give. As in Word,
/// lists (`w:num`) that share a definition (`w:abstractNum`) share its counters: one with a
/// `w:startOverride` starts that level again when it is first used (LibreOffice relies on this
/// when it saves a restarted list).
#[derive(Default)]
struct Counters {
    values: HashMap<String, [Option<u64>; 9]>,
    /// Lists whose start override has been applied, by (list, level).
    restarted: std::collections::HashSet<(String, u8)>,
}

impl Numbering {
    /// The counters a list uses: those of its definition.
    fn counter_key(&self, num_id: &str) -> String {
        match self.nums.get(num_id) {
            Some(num) if !num.abstract_id.is_empty() => format!("a{}", num.abstract_id),
            _ => format!("n{num_id}"),
        }
    }
}

/// A number written in a Word number format.
pub(crate) fn format_number(n: u64, format: &str) -> String {
    fn letters(n: u64, upper: bool) -> String {
        // Word repeats the letter: 27 is "aa", 28 "bb".
        if n == 0 {
            return "0".into();
        }
        let letter = (b'a' + ((n - 1) % 26) as u8) as char;
        let times = ((n - 1) / 26 + 1).min(50) as usize;
        let s: String = std::iter::repeat_n(letter, times).collect();
        if upper { s.to_uppercase() } else { s }
    }
    fn roman(mut n: u64, upper: bool) -> String {
        if n == 0 || n >= 4000 {
            return n.to_string();
        }
        let table = [
            (1000, "m"),
            (900, "cm"),
            (500, "d"),
            (400, "cd"),
            (100, "c"),
            (90, "xc"),
            (50, "l"),
            (40, "xl"),
            (10, "x"),
            (9, "ix"),
            (5, "v"),
            (4, "iv"),
            (1, "i"),
        ];
        let mut s = String::new();
        for (value, digits) in table {
            while n >= value {
                s.push_str(digits);
                n -= value;
            }
        }
        if upper { s.to_uppercase() } else { s }
    }
    match format {
        "upperLetter" => letters(n, true),
        "lowerLetter" => letters(n, false),
        "upperRoman" => roman(n, true),
        "lowerRoman" => roman(n, false),
        "decimalZero" if n < 10 => format!("0{n}"),
        "ordinal" => {
            let suffix = match (n % 10, n % 100) {
                (_, 11..=13) => "th",
                (1, _) => "st",
                (2, _) => "nd",
                (3, _) => "rd",
                _ => "th",
            };
            format!("{n}{suffix}")
        }
        "decimalEnclosedCircle" if (1..=20).contains(&n) => {
            char::from_u32(0x2460 + n as u32 - 1).map_or(n.to_string(), String::from)
        }
        "none" => String::new(),
        _ => n.to_string(),
    }
}

impl Counters {
    /// Counts a paragraph of list `num_id` at level `ilvl` and returns the label it shows.
    fn next(&mut self, numbering: &Numbering, num_id: &str, ilvl: u8) -> Option<Label> {
        let ilvl = ilvl.min(8);
        let level = numbering.level(num_id, ilvl)?;
        let format = level.format.clone().unwrap_or_else(|| "decimal".into());
        let key = numbering.counter_key(num_id);
        let overridden = numbering
            .nums
            .get(num_id)
            .is_some_and(|n| n.start_overrides.contains_key(&ilvl));
        let restart = overridden && self.restarted.insert((num_id.to_owned(), ilvl));
        let values = self.values.entry(key).or_insert([None; 9]);
        let i = usize::from(ilvl);
        if restart {
            values[i] = None;
        }
        let value = match values[i] {
            Some(v) => v.saturating_add(1),
            None => level.start.unwrap_or(1),
        };
        values[i] = Some(value);
        // A level starts again after any higher level is counted.
        for deeper in values.iter_mut().skip(i + 1) {
            *deeper = None;
        }
        if format == "bullet" {
            let text = level.text.unwrap_or_else(|| "\u{2022}".into());
            return (!text.trim().is_empty()).then_some(Label::Bullet);
        }
        let Some(pattern) = level.text else {
            // No label text given: the number with a dot.
            return match format.as_str() {
                "none" => None,
                "decimal" => Some(Label::Number(value)),
                _ => Some(Label::Text(format!("{}.", format_number(value, &format)))),
            };
        };
        let mut label = String::new();
        let mut chars = pattern.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '%'
                && let Some(d) = chars.peek().and_then(|d| d.to_digit(10))
                && (1..=9).contains(&d)
            {
                chars.next();
                let k = (d - 1) as u8;
                let k_level = numbering.level(num_id, k).unwrap_or_default();
                let k_value = values[usize::from(k)].unwrap_or(k_level.start.unwrap_or(1));
                let k_format = if level.legal && k < ilvl {
                    "decimal".to_owned()
                } else if k == ilvl {
                    format.clone()
                } else {
                    k_level.format.unwrap_or_else(|| "decimal".into())
                };
                label.push_str(&format_number(k_value, &k_format));
            } else {
                label.push(c);
            }
        }
        let label = label.trim().to_owned();
        if label.is_empty() {
            return None;
        }
        if format == "decimal" && label == format!("{value}.") {
            Some(Label::Number(value))
        } else {
            Some(Label::Text(label))
        }
    }
}

fn parse_numbering(xml: &str, deadline: &Deadline) -> Result<Numbering, ExtractError> {
    let mut numbering = Numbering::default();
    let mut x = Xml::new(xml, DOCX, "word/numbering.xml", deadline);
    // Open elements, by the names that matter ("" for the others).
    let mut stack: Vec<&'static str> = Vec::new();
    let mut abstract_id: Option<String> = None;
    let mut num_id: Option<String> = None;
    let mut override_level: Option<u8> = None;
    let mut level: Option<(u8, Level)> = None;
    loop {
        match x.next()? {
            Ev::Start(e) => {
                let name = local(&e);
                let parent = stack.last().copied();
                let tracked = match name {
                    "abstractNum" => {
                        abstract_id = attr(&e, "abstractNumId");
                        if let Some(id) = &abstract_id {
                            numbering.abstracts.entry(id.clone()).or_default();
                        }
                        "abstractNum"
                    }
                    "num" => {
                        num_id = attr(&e, "numId");
                        if let Some(id) = &num_id {
                            numbering.nums.entry(id.clone()).or_default();
                        }
                        "num"
                    }
                    "lvlOverride" => {
                        override_level = parse_u8(attr(&e, "ilvl"));
                        "lvlOverride"
                    }
                    "lvl" => {
                        level = parse_u8(attr(&e, "ilvl"))
                            .or(override_level)
                            .map(|l| (l, Level::default()));
                        "lvl"
                    }
                    // Paragraph and run properties of a level carry nothing we use.
                    "pPr" | "rPr" => {
                        x.skip_element()?;
                        continue;
                    }
                    _ => "",
                };
                let value = || attr(&e, "val");
                match (parent, name) {
                    (Some("num"), "abstractNumId") => {
                        if let (Some(id), Some(target)) = (&num_id, value())
                            && let Some(num) = numbering.nums.get_mut(id)
                        {
                            num.abstract_id = target;
                        }
                    }
                    (Some("lvlOverride"), "startOverride") => {
                        if let (Some(id), Some(l), Some(v)) = (
                            &num_id,
                            override_level,
                            value().and_then(|v| v.trim().parse::<u64>().ok()),
                        ) && let Some(num) = numbering.nums.get_mut(id)
                        {
                            num.start_overrides.insert(l, v);
                        }
                    }
                    (Some("abstractNum"), "numStyleLink") => {
                        if let (Some(id), Some(style)) = (&abstract_id, value()) {
                            numbering.style_links.insert(id.clone(), style);
                        }
                    }
                    (Some("lvl"), "start") => {
                        if let Some((_, l)) = level.as_mut() {
                            l.start = value().and_then(|v| v.trim().parse().ok());
                        }
                    }
                    (Some("lvl"), "numFmt") => {
                        if let Some((_, l)) = level.as_mut() {
                            l.format = value();
                        }
                    }
                    (Some("lvl"), "lvlText") => {
                        if let Some((_, l)) = level.as_mut() {
                            l.text = Some(value().unwrap_or_default());
                        }
                    }
                    (Some("lvl"), "isLgl") => {
                        if let Some((_, l)) = level.as_mut() {
                            l.legal = on_off(&e);
                        }
                    }
                    _ => {}
                }
                stack.push(tracked);
            }
            Ev::End => match stack.pop() {
                Some("abstractNum") => abstract_id = None,
                Some("num") => num_id = None,
                Some("lvlOverride") => override_level = None,
                Some("lvl") => {
                    if let Some((ilvl, l)) = level.take() {
                        if stack.last() == Some(&"lvlOverride") {
                            if let Some(num) =
                                num_id.as_ref().and_then(|n| numbering.nums.get_mut(n))
                            {
                                num.levels.insert(ilvl, l);
                            }
                        } else if let Some(levels) = abstract_id
                            .as_ref()
                            .and_then(|a| numbering.abstracts.get_mut(a))
                        {
                            levels.insert(ilvl, l);
                        }
                    }
                }
                _ => {}
            },
            Ev::Text(_) => {}
            Ev::Eof => return Ok(numbering),
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
    // The fallback of an mc:AlternateContent repeats its choice (a text box as VML).
    "Fallback",
    "object",
    "sectPr",
    "rPrChange",
    "pPrChange",
    "tblPrChange",
    "trPrChange",
    "tcPrChange",
    "sectPrChange",
    "numberingChange",
    "fldData",
    "ffData",
    "sdtPr",
    "sdtEndPr",
    "tblPr",
    "tblGrid",
    "trPr",
];

/// What the parts of a document share while they are read.
struct Ctx {
    /// The folder of the main part, against which its relationships resolve.
    folder: String,
    styles: Styles,
    numbering: Numbering,
    rels: Rels,
    /// Footnotes and endnotes by (element name, id).
    notes: HashMap<(&'static str, String), Vec<Block>>,
    /// Comments by id.
    comments: HashMap<String, (Item, Vec<Block>)>,
}

/// A footnote, endnote or comment as its part gives it.
#[derive(Debug, Clone, Default)]
struct Item {
    id: String,
    author: Option<String>,
    date: Option<String>,
}

#[derive(Default)]
struct Para {
    style: Option<String>,
    num_id: Option<String>,
    ilvl: Option<u8>,
    outline: Option<u8>,
    block: Option<Block>,
    /// Text boxes anchored in this paragraph: emitted right after it.
    after: Vec<Block>,
}

#[derive(Default)]
struct Run {
    /// How many `w:r` were open around it: a run inside a run (crafted) is part of it, a run
    /// in a text box inside a run is a run of its own.
    depth: u32,
    bold: Option<bool>,
    italic: Option<bool>,
    hidden: bool,
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

/// Where finished paragraphs go.
enum Container {
    /// The part itself (or one footnote, endnote or comment of it).
    Root(Vec<Block>),
    /// A text box: the paragraph it interrupts waits here.
    TextBox {
        para: Option<Para>,
        run: Option<Run>,
        blocks: Vec<Block>,
    },
    /// A table: rows of cells; paragraphs go to the last cell.
    Table(Vec<Vec<Cell>>),
}

/// An image met in the text.
#[derive(Debug, Clone)]
struct ImageRef {
    /// Its part in the package.
    part: String,
    /// Its file name, as the placeholder names it.
    name: String,
    alt: Option<String>,
    /// PNG, JPEG, GIF or WebP, which Docket shows; others get a placeholder only.
    shown: bool,
}

/// The element names the reader needs to know it is inside of.
const TRACKED: [&str; 11] = [
    "pPr",
    "rPr",
    "numPr",
    "r",
    "t",
    "instrText",
    "hyperlink",
    "fldSimple",
    "p",
    "tcPr",
    "drawing",
];

fn tracked(name: &str) -> Option<usize> {
    TRACKED.iter().position(|t| *t == name)
}

/// The index of `w:r` in [`TRACKED`].
const RUN: usize = 3;

/// Most footnotes, comments and images kept from one document; past that the text still
/// comes, the extras do not (a crafted file could otherwise make millions of them).
const MAX_ITEMS: usize = 10_000;

struct Reader<'s> {
    ctx: &'s Ctx,
    containers: Vec<Container>,
    para: Option<Para>,
    run: Option<Run>,
    /// How many elements of each tracked name are open (see [`TRACKED`]).
    open: [u32; TRACKED.len()],
    links: Vec<Option<String>>,
    fields: Vec<Field>,
    counters: Counters,
    /// Markdown list identity of each Word list.
    list_ids: HashMap<String, u64>,
    /// Footnotes and endnotes in order of reference.
    notes: Vec<Note>,
    /// Comments whose range is open: id → text so far.
    open_comments: Vec<(String, String)>,
    /// Text each comment anchors on, and the order comments appear in.
    anchored: HashMap<String, String>,
    comment_order: Vec<String>,
    images: Vec<ImageRef>,
    /// The alt text of the drawing being read.
    drawing_alt: Option<String>,
    /// Whether the drawing being read had a picture.
    drawing_had_image: bool,
    /// Bytes of Markdown text produced, to bound what a crafted file makes.
    produced: usize,
}

impl<'s> Reader<'s> {
    fn new(ctx: &'s Ctx) -> Self {
        Reader {
            ctx,
            containers: vec![Container::Root(Vec::new())],
            para: None,
            run: None,
            open: [0; TRACKED.len()],
            links: Vec::new(),
            fields: Vec::new(),
            counters: Counters::default(),
            list_ids: HashMap::new(),
            notes: Vec::new(),
            open_comments: Vec::new(),
            anchored: HashMap::new(),
            comment_order: Vec::new(),
            images: Vec::new(),
            drawing_alt: None,
            drawing_had_image: false,
            produced: 0,
        }
    }

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

    /// Text between a field's begin and separate is its instruction, not content.
    fn in_field_code(&self) -> bool {
        self.fields.last().is_some_and(|f| !f.in_result)
    }

    fn push_text(&mut self, text: &str) {
        if self.in_field_code() || self.run.as_ref().is_some_and(|r| r.hidden) {
            return;
        }
        let (bold, italic) = match &self.run {
            Some(run) => {
                let style = run.style.as_deref();
                (
                    run.bold
                        .or_else(|| style.and_then(|s| self.ctx.styles.bold(s)))
                        .unwrap_or(false),
                    run.italic
                        .or_else(|| style.and_then(|s| self.ctx.styles.italic(s)))
                        .unwrap_or(false),
                )
            }
            None => (false, false),
        };
        for (_, anchored) in &mut self.open_comments {
            if anchored.len() < 10_000 {
                anchored.push_str(text);
            }
        }
        let link = self.current_link();
        if let Some(block) = self.para.as_mut().and_then(|p| p.block.as_mut()) {
            self.produced += text.len();
            block.push(text, bold, italic, link.as_deref());
        }
    }

    fn push_raw(&mut self, markdown: &str) {
        if self.in_field_code() {
            return;
        }
        if let Some(block) = self.para.as_mut().and_then(|p| p.block.as_mut()) {
            block.push_raw(markdown);
        }
    }

    /// Puts a finished block where it belongs: the open table cell, text box or part.
    fn emit(&mut self, block: Block) {
        match self.containers.last_mut() {
            Some(Container::Root(blocks)) | Some(Container::TextBox { blocks, .. }) => {
                blocks.push(block);
            }
            Some(Container::Table(rows)) => {
                if rows.is_empty() {
                    rows.push(Vec::new());
                }
                let row = rows.last_mut().expect("a row");
                if row.is_empty() {
                    row.push(Cell::default());
                }
                let cell = row.last_mut().expect("a cell");
                match block.kind {
                    // A table in a cell: its cells' paragraphs join this cell.
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
        let after = std::mem::take(&mut para.after);
        if let Some(block) = self.classify(&mut para) {
            self.emit(block);
        }
        for block in after {
            self.emit(block);
        }
    }

    /// The kind of a finished paragraph: heading, list item (with its label), quote or plain.
    fn classify(&mut self, para: &mut Para) -> Option<Block> {
        let mut block = para.block.take()?;
        let styles = &self.ctx.styles;
        let style = para.style.as_deref();
        let heading = match para.outline {
            Some(level) if level < 9 => Some((level + 1).min(6)),
            Some(_) => None,
            None => style.and_then(|s| styles.heading_level(s)),
        };
        let numbering = match para.num_id.take() {
            Some(id) => Some((id, para.ilvl)),
            None => style
                .and_then(|s| styles.numbering(s))
                .map(|(id, ilvl)| (id, para.ilvl.or(ilvl))),
        };
        let mut label = None;
        let mut list = None;
        if let Some((num_id, ilvl)) = numbering.filter(|(id, _)| id != "0") {
            let ilvl = ilvl.unwrap_or(0).min(8);
            label = self.counters.next(&self.ctx.numbering, &num_id, ilvl);
            let next_id = self.list_ids.len() as u64;
            let key = self.ctx.numbering.counter_key(&num_id);
            list = Some((*self.list_ids.entry(key).or_insert(next_id), ilvl));
        }
        block.kind = if let Some(level) = heading {
            // A numbered heading shows its number before its text.
            let shown = match &label {
                Some(Label::Number(n)) => Some(format!("{n}.")),
                Some(Label::Text(t)) => Some(t.clone()),
                Some(Label::Bullet) => Some("\u{2022}".to_owned()),
                _ => None,
            };
            if let Some(shown) = shown
                && !block.is_blank()
            {
                let rest = std::mem::take(&mut block.spans);
                block.push(&format!("{shown} "), false, false, None);
                block.spans.extend(rest);
            }
            BlockKind::Heading(level)
        } else if let (Some(label), Some((list, ilvl))) = (label, list) {
            BlockKind::ListItem {
                list,
                level: usize::from(ilvl),
                label,
            }
        } else if style.is_some_and(|s| styles.is_quote(s)) {
            BlockKind::Quote
        } else {
            BlockKind::Paragraph
        };
        Some(block)
    }

    fn start_text_box(&mut self) {
        self.containers.push(Container::TextBox {
            para: self.para.take(),
            run: self.run.take(),
            blocks: Vec::new(),
        });
    }

    fn end_text_box(&mut self) {
        self.finish_paragraph();
        if !matches!(self.containers.last(), Some(Container::TextBox { .. })) {
            return;
        }
        let Some(Container::TextBox { para, run, blocks }) = self.containers.pop() else {
            return;
        };
        self.para = para;
        self.run = run;
        match self.para.as_mut() {
            Some(p) => p.after.extend(blocks),
            None => {
                for block in blocks {
                    self.emit(block);
                }
            }
        }
    }

    fn start_table(&mut self) {
        self.finish_paragraph();
        self.containers.push(Container::Table(Vec::new()));
    }

    fn end_table(&mut self) {
        self.finish_paragraph();
        if !matches!(self.containers.last(), Some(Container::Table(_))) {
            return;
        }
        if let Some(Container::Table(rows)) = self.containers.pop() {
            self.emit(Block::new(BlockKind::Table(rows)));
        }
    }

    fn table_rows(&mut self) -> Option<&mut Vec<Vec<Cell>>> {
        match self.containers.last_mut() {
            Some(Container::Table(rows)) => Some(rows),
            _ => None,
        }
    }

    fn note_reference(&mut self, element: &'static str, id: Option<String>) {
        if self.in_field_code() || self.notes.len() >= MAX_ITEMS {
            return;
        }
        let Some(blocks) = id.and_then(|id| self.ctx.notes.get(&(element, id))) else {
            return;
        };
        if blocks.iter().all(Block::is_blank) {
            return;
        }
        let label = (self.notes.len() + 1).to_string();
        self.notes.push(Note {
            label: label.clone(),
            blocks: blocks.clone(),
        });
        self.push_raw(&format!("[^{label}]"));
    }

    fn image(&mut self, rel_id: Option<String>, alt: Option<String>) {
        let Some(rel) = rel_id.and_then(|id| self.ctx.rels.get(&id)) else {
            return;
        };
        if rel.external || self.images.len() >= MAX_ITEMS {
            return;
        }
        // Image parts live next to the main part; its rels resolve against its folder.
        let part = resolve(&self.ctx.folder, &rel.target);
        let name = part.rsplit('/').next().unwrap_or(&part).to_owned();
        let extension = name
            .rsplit_once('.')
            .map(|(_, e)| e.to_ascii_lowercase())
            .unwrap_or_default();
        let shown = matches!(
            extension.as_str(),
            "png" | "jpg" | "jpeg" | "jpe" | "gif" | "webp"
        );
        let alt = alt
            .map(|a| crate::markdown::collapse_whitespace(&a))
            .filter(|a| !a.is_empty());
        let placeholder = crate::markdown::image_placeholder(&name, alt.as_deref(), shown);
        self.push_raw(&placeholder);
        self.images.push(ImageRef {
            part,
            name,
            alt,
            shown,
        });
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
            "r" if self.run.is_none() => {
                self.run = Some(Run {
                    depth: self.open[RUN],
                    ..Run::default()
                });
            }
            "rStyle" | "b" | "i" | "vanish" if self.in_("rPr") && !in_ppr => {
                if let Some(run) = self.run.as_mut() {
                    match name {
                        "rStyle" => run.style = attr(e, "val"),
                        "b" => run.bold = Some(on_off(e)),
                        "i" => run.italic = Some(on_off(e)),
                        _ => run.hidden = on_off(e),
                    }
                }
            }
            "tab" | "ptab" if self.in_("r") && !in_ppr => self.push_text(" "),
            "br" if self.in_("r") => match attr(e, "type").as_deref() {
                Some("page" | "column") => self.push_text(" "),
                _ => self.push_text("\n"),
            },
            "cr" if self.in_("r") => self.push_text("\n"),
            "noBreakHyphen" if self.in_("r") => self.push_text("\u{2011}"),
            "softHyphen" if self.in_("r") => self.push_text("\u{ad}"),
            "sym" if self.in_("r") => {
                // Word keeps the symbol font's code; Writer shows (and counts) the same
                // private-use character. Codes under 0x100 are shorthand for 0xF0xx.
                if let Some(code) = attr(e, "char").and_then(|c| u32::from_str_radix(&c, 16).ok()) {
                    let code = if code < 0x100 { code + 0xF000 } else { code };
                    if let Some(c) = char::from_u32(code).filter(|c| !c.is_control()) {
                        self.push_text(c.encode_utf8(&mut [0; 4]));
                    }
                }
            }
            "hyperlink" => {
                let link = attr(e, "id")
                    .and_then(|id| self.ctx.rels.get(&id))
                    .filter(|r| r.kind == "hyperlink")
                    .and_then(|r| safe_url(&r.target));
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
            "footnoteReference" => self.note_reference("footnote", attr(e, "id")),
            "endnoteReference" => self.note_reference("endnote", attr(e, "id")),
            "commentRangeStart" | "commentReference" => {
                if let Some(id) = attr(e, "id")
                    && !self.comment_order.contains(&id)
                    && self.comment_order.len() < MAX_ITEMS
                {
                    self.comment_order.push(id.clone());
                    if name == "commentRangeStart" {
                        self.open_comments.push((id, String::new()));
                    }
                }
            }
            "commentRangeEnd" => {
                if let Some(id) = attr(e, "id")
                    && let Some(i) = self.open_comments.iter().position(|(c, _)| *c == id)
                {
                    let (id, text) = self.open_comments.remove(i);
                    self.anchored.insert(id, text);
                }
            }
            "txbxContent" => self.start_text_box(),
            "tbl" => self.start_table(),
            "tr" => {
                if let Some(rows) = self.table_rows() {
                    rows.push(Vec::new());
                }
            }
            "tc" => {
                if let Some(rows) = self.table_rows() {
                    if rows.is_empty() {
                        rows.push(Vec::new());
                    }
                    if let Some(row) = rows.last_mut() {
                        row.push(Cell::default());
                    }
                }
            }
            "gridSpan" if self.in_("tcPr") => {
                let span = attr(e, "val")
                    .and_then(|v| v.trim().parse::<usize>().ok())
                    .unwrap_or(1)
                    .clamp(1, 64);
                if let Some(cell) = self
                    .table_rows()
                    .and_then(|rows| rows.last_mut())
                    .and_then(|row| row.last_mut())
                {
                    cell.span = span;
                }
            }
            "drawing" => {
                self.drawing_alt = None;
                self.drawing_had_image = false;
            }
            "docPr" if self.in_("drawing") => {
                self.drawing_alt = attr(e, "descr")
                    .filter(|d| !d.trim().is_empty())
                    .or_else(|| attr(e, "title"));
            }
            "blip" if self.in_("drawing") && !self.drawing_had_image => {
                self.drawing_had_image = true;
                let alt = self.drawing_alt.clone();
                self.image(attr(e, "embed"), alt);
            }
            "imagedata" => self.image(attr(e, "id"), attr(e, "title")),
            _ => {}
        }
    }

    fn end(&mut self, name: &str) {
        match name {
            "p" => self.finish_paragraph(),
            "r" if self.run.as_ref().is_some_and(|r| r.depth == self.open[RUN]) => {
                self.run = None;
            }
            "hyperlink" | "fldSimple" => {
                self.links.pop();
            }
            _ => {}
        }
    }
}

/// What the main part gives.
struct Body {
    blocks: Vec<Block>,
    notes: Vec<Note>,
    comments: Vec<Comment>,
    images: Vec<ImageRef>,
}

/// Reads the elements of a part with the reader; `item` names the elements that each hold one
/// footnote, endnote or comment (None for the main part, read whole).
fn read_part<'s>(
    xml: &str,
    ctx: &'s Ctx,
    item: Option<&'static str>,
    part: &'static str,
    deadline: &Deadline,
    mut on_item: impl FnMut(Item, Vec<Block>),
) -> Result<Reader<'s>, ExtractError> {
    let mut x = Xml::new(xml, DOCX, part, deadline);
    let mut r = Reader::new(ctx);
    // For each open element: its index in TRACKED, if any, and whether it ends an item,
    // a text box or a table.
    let mut open: Vec<(Option<usize>, u8)> = Vec::new();
    const PLAIN: u8 = 0;
    const ITEM: u8 = 1;
    const TEXT_BOX: u8 = 2;
    const TABLE: u8 = 3;
    let mut current: Option<Item> = None;
    loop {
        match x.next()? {
            Ev::Start(e) => {
                let name = local(&e);
                if SKIPPED.contains(&name) {
                    x.skip_element()?;
                    continue;
                }
                let mut role = PLAIN;
                if Some(name) == item {
                    // Separators between the text and the notes are not notes.
                    let kind = attr(&e, "type");
                    if kind.as_deref().is_some_and(|k| k != "normal") {
                        x.skip_element()?;
                        continue;
                    }
                    r.finish_paragraph();
                    r.containers = vec![Container::Root(Vec::new())];
                    current = Some(Item {
                        id: attr(&e, "id").unwrap_or_default(),
                        author: attr(&e, "author").filter(|a| !a.trim().is_empty()),
                        date: attr(&e, "date"),
                    });
                    role = ITEM;
                }
                if name == "txbxContent" {
                    role = TEXT_BOX;
                }
                if name == "tbl" {
                    role = TABLE;
                }
                r.start(&e);
                let t = tracked(name);
                if let Some(t) = t {
                    r.open[t] += 1;
                }
                open.push((t, role));
            }
            Ev::End => {
                let Some((t, role)) = open.pop() else {
                    continue;
                };
                if let Some(t) = t {
                    r.open[t] -= 1;
                    r.end(TRACKED[t]);
                }
                match role {
                    TEXT_BOX => r.end_text_box(),
                    TABLE => r.end_table(),
                    ITEM => {
                        r.finish_paragraph();
                        // Unclosed text boxes and tables end with their item.
                        while r.containers.len() > 1 {
                            match r.containers.last() {
                                Some(Container::TextBox { .. }) => r.end_text_box(),
                                _ => r.end_table(),
                            }
                        }
                        let blocks = match r.containers.pop() {
                            Some(Container::Root(blocks)) => blocks,
                            _ => Vec::new(),
                        };
                        r.containers = vec![Container::Root(Vec::new())];
                        if let Some(item) = current.take() {
                            on_item(item, blocks);
                        }
                    }
                    _ => {}
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
                while r.containers.len() > 1 {
                    match r.containers.last() {
                        Some(Container::TextBox { .. }) => r.end_text_box(),
                        _ => r.end_table(),
                    }
                }
                return Ok(r);
            }
        }
    }
}

/// The footnotes, endnotes or comments of a part, each with its paragraphs.
fn parse_items(
    xml: &str,
    ctx: &Ctx,
    element: &'static str,
    deadline: &Deadline,
) -> Result<Vec<(Item, Vec<Block>)>, ExtractError> {
    let mut items = Vec::new();
    read_part(
        xml,
        ctx,
        Some(element),
        "notes or comments",
        deadline,
        |item, blocks| {
            if items.len() < MAX_ITEMS {
                items.push((item, blocks));
            }
        },
    )?;
    Ok(items)
}

fn parse_body(xml: &str, ctx: &Ctx, deadline: &Deadline) -> Result<Body, ExtractError> {
    let mut r = read_part(xml, ctx, None, "main document part", deadline, |_, _| {})?;
    let blocks = match r.containers.pop() {
        Some(Container::Root(blocks)) => blocks,
        _ => Vec::new(),
    };
    for (id, text) in r.open_comments.drain(..) {
        r.anchored.insert(id, text);
    }
    let mut comments = Vec::new();
    let mut order = std::mem::take(&mut r.comment_order);
    // Comments never referenced from the text still belong to the document: keep them last.
    let mut unreferenced: Vec<&String> = ctx
        .comments
        .keys()
        .filter(|id| !order.contains(id))
        .collect();
    unreferenced.sort();
    order.extend(unreferenced.into_iter().cloned());
    for id in order {
        if let Some((item, blocks)) = ctx.comments.get(&id) {
            let text = blocks
                .iter()
                .map(Block::plain_text)
                .filter(|t| !t.is_empty())
                .collect::<Vec<_>>()
                .join("\n\n");
            let anchored_text = r
                .anchored
                .get(&id)
                .map(|t| crate::markdown::collapse_whitespace(t))
                .unwrap_or_default();
            comments.push(Comment {
                author: item.author.clone(),
                date: item.date.clone(),
                text,
                anchored_text,
            });
        }
    }
    Ok(Body {
        blocks,
        notes: r.notes,
        comments,
        images: r.images,
    })
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

    #[test]
    fn targets_resolve_as_opc_says() {
        assert_eq!(resolve("word/", "media/a.png"), "word/media/a.png");
        assert_eq!(resolve("word/", "../media/a.png"), "media/a.png");
        assert_eq!(resolve("", "/doc/main.xml"), "doc/main.xml");
        assert_eq!(resolve("a/b/", "../../../x"), "x");
        assert_eq!(rels_part("doc/main.xml"), "doc/_rels/main.xml.rels");
    }

    #[test]
    fn number_formats() {
        assert_eq!(format_number(4, "upperRoman"), "IV");
        assert_eq!(format_number(14, "lowerRoman"), "xiv");
        assert_eq!(format_number(28, "lowerLetter"), "bb");
        assert_eq!(format_number(3, "upperLetter"), "C");
        assert_eq!(format_number(2, "ordinal"), "2nd");
        assert_eq!(format_number(7, "decimalZero"), "07");
    }
}
