//! Web pages to Markdown with htmd (html5ever underneath).
//!
//! Decoding follows browsers: a BOM, else `<meta charset>` (or `http-equiv` content) in the first
//! KiB, else UTF-8. Invalid sequences become U+FFFD instead of failing: pages saved from a
//! browser are often slightly wrong, and the reviewer sees the result anyway.
//!
//! Before conversion the DOM is cleaned: script, style, iframe, object, embed, forms and the like
//! are dropped with their content; links keep only `http`, `https` and `mailto` targets and
//! images only `http`/`https` sources; nesting deeper than [`MAX_DEPTH`] is flattened to its text
//! (htmd recurses once per level), and so are lists and quotes nested more than
//! [`MAX_INDENTING`] deep (each level indents every line inside it). htmd escapes text, so the Markdown carries no raw HTML and no
//! event-handler attribute survives.

use std::rc::Rc;

use htmd::HtmlToMarkdown;
use htmd::options::{BrStyle, BulletListMarker, HrStyle, Options};
use markup5ever_rcdom::{Handle, NodeData};

use crate::markdown::{collapse_whitespace, safe_url};
use crate::{ExtractError, Extracted, FileType, Limits};

/// Deepest element nesting converted as such; deeper content is kept as plain text.
const MAX_DEPTH: usize = 200;

/// Deepest nesting of lists, and of quotes, converted as such; deeper ones become plain text.
const MAX_INDENTING: usize = 9;

/// Pages nesting elements deeper than this are refused before parsing: html5ever's scope checks
/// scan the stack of open elements, so parsing time grows with the square of the depth (100,000
/// nested `<div>`s take minutes).
const REFUSED_DEPTH: usize = 1_000;

/// Elements that are never closed, or whose end tag may be left out (the parser closes them
/// itself): they do not count towards [`REFUSED_DEPTH`].
const NOT_NESTING: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
    "wbr", "p", "li", "dt", "dd", "tr", "td", "th", "option", "optgroup", "thead", "tbody",
    "tfoot", "colgroup", "caption", "rb", "rt", "rtc", "rp", "html", "head", "body", "param",
    "keygen", "image",
];

const DROPPED: &[&str] = &[
    "script", "style", "iframe", "frame", "frameset", "object", "embed", "applet", "noscript",
    "template", "svg", "math", "canvas", "audio", "video", "source", "track", "form", "input",
    "button", "select", "textarea", "head", "link", "meta", "base", "title", "dialog", "portal",
];

pub(crate) fn extract(bytes: &[u8], limits: &Limits) -> Result<Extracted, ExtractError> {
    let html = decode(bytes);
    let depth = nesting_depth(&html);
    if depth > REFUSED_DEPTH {
        return Err(ExtractError::malformed(
            FileType::Html,
            format!("elements nested {depth} deep"),
        ));
    }
    // html5ever and htmd are third-party code recursing over the DOM: run them isolated.
    crate::isolate::run_third_party(FileType::Html, bytes, limits)
}

/// Converts a web page in this process (the caller isolates it).
pub(crate) fn parse(
    bytes: &[u8],
    deadline: &crate::isolate::Deadline,
) -> Result<Extracted, ExtractError> {
    deadline.check()?;
    let (markdown, title) = convert(&decode(bytes));
    deadline.check()?;
    Ok(Extracted {
        markdown,
        title,
        ..Extracted::new(FileType::Html)
    })
}

/// Decodes like a browser: BOM, `<meta charset>`, else UTF-8; never fails.
pub(crate) fn decode(bytes: &[u8]) -> String {
    let encoding = encoding_rs::Encoding::for_bom(bytes)
        .map(|(e, _)| e)
        .or_else(|| meta_charset(&bytes[..bytes.len().min(1024)]))
        .unwrap_or(encoding_rs::UTF_8);
    // As in browsers, a page in ASCII-compatible bytes that claims UTF-16 is read as UTF-8.
    let encoding = if (encoding == encoding_rs::UTF_16LE || encoding == encoding_rs::UTF_16BE)
        && encoding_rs::Encoding::for_bom(bytes).is_none()
    {
        encoding_rs::UTF_8
    } else {
        encoding
    };
    let (text, _, _) = encoding.decode(bytes);
    text.into_owned()
}

/// The encoding named by a `<meta charset=…>` or `<meta http-equiv content="…; charset=…">`.
fn meta_charset(head: &[u8]) -> Option<&'static encoding_rs::Encoding> {
    let lower: Vec<u8> = head.to_ascii_lowercase();
    let mut from = 0;
    while let Some(pos) = find(&lower[from..], b"<meta") {
        let tag_start = from + pos;
        let tag_end = find(&lower[tag_start..], b">").map_or(lower.len(), |e| tag_start + e);
        let tag = &lower[tag_start..tag_end];
        if let Some(c) = find(tag, b"charset") {
            let rest = &tag[c + "charset".len()..];
            let rest = rest
                .iter()
                .position(|&b| b != b' ' && b != b'=' && b != b'"' && b != b'\'')
                .map_or(&rest[rest.len()..], |i| &rest[i..]);
            let label_len = rest
                .iter()
                .position(|&b| matches!(b, b'"' | b'\'' | b' ' | b';' | b'/' | b'>'))
                .unwrap_or(rest.len());
            if let Some(enc) = encoding_rs::Encoding::for_label(&rest[..label_len]) {
                return Some(enc);
            }
        }
        from = tag_end;
    }
    None
}

/// An upper estimate of the element nesting depth, from the tags alone (comments and the raw
/// text of script and style skipped; elements in [`NOT_NESTING`] not counted).
fn nesting_depth(html: &str) -> usize {
    let bytes = html.as_bytes();
    let mut depth = 0usize;
    let mut max = 0usize;
    let mut i = 0;
    while let Some(offset) = bytes[i..].iter().position(|&b| b == b'<') {
        i += offset + 1;
        if bytes[i..].starts_with(b"!--") {
            i = find(&bytes[i..], b"-->").map_or(bytes.len(), |e| i + e + 3);
            continue;
        }
        let closing = bytes.get(i) == Some(&b'/');
        let name_start = i + usize::from(closing);
        let name_len = bytes[name_start..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric())
            .count();
        if name_len == 0 {
            continue;
        }
        let name = html[name_start..name_start + name_len].to_ascii_lowercase();
        // No `>` left means no complete tag left (and scanning again for each `<` would be
        // quadratic).
        let Some(tag_end) = bytes[name_start..]
            .iter()
            .position(|&b| b == b'>')
            .map(|e| name_start + e)
        else {
            break;
        };
        let self_closing = tag_end > 0 && bytes.get(tag_end - 1) == Some(&b'/');
        i = tag_end.min(bytes.len());
        if NOT_NESTING.contains(&name.as_str()) {
            continue;
        }
        if closing {
            depth = depth.saturating_sub(1);
        } else if !self_closing {
            depth += 1;
            max = max.max(depth);
            if matches!(
                name.as_str(),
                "script" | "style" | "textarea" | "title" | "xmp"
            ) {
                // Raw text up to the matching end tag (found without copying the rest).
                i = raw_text_end(bytes, i, name.as_bytes());
            }
        }
    }
    max
}

/// Where `</name` (any case) next starts at or after `from`, or the end of the input.
fn raw_text_end(bytes: &[u8], from: usize, name: &[u8]) -> usize {
    let mut i = from;
    while let Some(offset) = find(&bytes[i..], b"</") {
        let start = i + offset;
        let candidate = &bytes[start + 2..];
        if candidate.len() >= name.len() && candidate[..name.len()].eq_ignore_ascii_case(name) {
            return start;
        }
        i = start + 2;
    }
    bytes.len()
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn converter() -> HtmlToMarkdown {
    let options = Options {
        bullet_list_marker: BulletListMarker::Dash,
        ul_bullet_spacing: 1,
        ol_number_spacing: 1,
        br_style: BrStyle::Backslash,
        hr_style: HrStyle::Dashes,
        ..Options::default()
    };
    HtmlToMarkdown::builder()
        .options(options)
        .skip_tags(DROPPED.to_vec())
        .build()
}

/// Converts a decoded page to Markdown and its title.
pub(crate) fn convert(html: &str) -> (String, Option<String>) {
    let converter = converter();
    let Ok(tree) = converter.html_to_tree(html) else {
        return (String::new(), None);
    };
    let title = find_title(&tree);
    clean(&tree);
    let mut markdown = converter.tree_to_markdown(&tree);
    let trimmed = markdown.trim_end().len();
    markdown.truncate(trimmed);
    if !markdown.is_empty() {
        markdown.push('\n');
    }
    (markdown, title)
}

fn element_name(node: &Handle) -> Option<&str> {
    match &node.data {
        NodeData::Element { name, .. } => Some(&name.local),
        _ => None,
    }
}

/// All text under a node, in document order (iterative).
fn text_of(node: &Handle) -> String {
    let mut out = String::new();
    let mut stack = vec![Rc::clone(node)];
    while let Some(n) = stack.pop() {
        if let NodeData::Text { contents } = &n.data {
            out.push_str(&contents.borrow());
        }
        let children = n.children.borrow();
        stack.extend(children.iter().rev().cloned());
    }
    out
}

/// `<title>`, else the first `<h1>`…`<h6>`.
fn find_title(root: &Handle) -> Option<String> {
    let mut first_heading = None;
    let mut stack = vec![Rc::clone(root)];
    while let Some(n) = stack.pop() {
        match element_name(&n) {
            Some("title") => {
                let t = collapse_whitespace(&text_of(&n));
                if !t.is_empty() {
                    return Some(t);
                }
            }
            Some("h1" | "h2" | "h3" | "h4" | "h5" | "h6") if first_heading.is_none() => {
                let t = collapse_whitespace(&text_of(&n));
                if !t.is_empty() {
                    first_heading = Some(t);
                }
            }
            Some("script" | "style" | "template") => continue,
            _ => {}
        }
        stack.extend(n.children.borrow().iter().rev().cloned());
    }
    first_heading
}

/// Drops unsafe link targets and image sources, and flattens very deep nesting (iterative).
fn clean(root: &Handle) {
    // (node, depth, lists around it, quotes around it)
    let mut stack = vec![(Rc::clone(root), 0usize, 0usize, 0usize)];
    while let Some((node, depth, lists, quotes)) = stack.pop() {
        let (mut lists, mut quotes) = (lists, quotes);
        if let NodeData::Element { name, attrs, .. } = &node.data {
            let tag: &str = &name.local;
            let mut attrs = attrs.borrow_mut();
            attrs.retain_mut(|a| {
                let attr: &str = &a.name.local;
                match (tag, attr) {
                    ("a", "href") | ("area", "href") => safe_url(&a.value).is_some(),
                    ("img", "src") => safe_url(&a.value).is_some_and(|u| !u.starts_with("mailto")),
                    (_, "href" | "src" | "srcset" | "action" | "formaction" | "data" | "style") => {
                        false
                    }
                    (_, a) => !a.starts_with("on"),
                }
            });
            match tag {
                "ul" | "ol" | "menu" => lists += 1,
                "blockquote" => quotes += 1,
                _ => {}
            }
        }
        // Each level of list or quote indents every line inside it: past a few levels the
        // Markdown would grow with the square of the depth.
        if depth >= MAX_DEPTH || lists > MAX_INDENTING || quotes > MAX_INDENTING {
            flatten(&node);
            continue;
        }
        for child in node.children.borrow().iter() {
            stack.push((Rc::clone(child), depth + 1, lists, quotes));
        }
    }
}

/// Replaces the children of `node` with the text nodes found under it, in order.
fn flatten(node: &Handle) {
    let mut texts = Vec::new();
    let mut stack: Vec<Handle> = node.children.borrow().iter().rev().cloned().collect();
    while let Some(n) = stack.pop() {
        if matches!(n.data, NodeData::Text { .. }) {
            texts.push(n);
        } else if !element_name(&n).is_some_and(|t| DROPPED.contains(&t)) {
            stack.extend(n.children.borrow().iter().rev().cloned());
        }
    }
    for t in &texts {
        t.parent.set(Some(Rc::downgrade(node)));
    }
    *node.children.borrow_mut() = texts;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charset_from_meta() {
        let page = b"<html><head><meta charset=\"windows-1252\"></head><body>caf\xe9</body></html>";
        assert!(decode(page).contains("café"));
        let page =
            b"<meta http-equiv=\"Content-Type\" content=\"text/html; charset=ISO-8859-1\"><p>\xe9";
        assert!(decode(page).contains('é'));
        assert!(decode(b"<p>caf\xc3\xa9</p>").contains("café"));
        assert!(decode(b"<p>bad \xff</p>").contains('\u{fffd}'));
    }

    #[test]
    fn scripts_and_handlers_are_inert() {
        let (md, title) = convert(
            "<html><head><title>T</title><script>alert(1)</script></head><body>\
             <h1 onclick=\"x()\">Hi</h1><img src=x onerror=alert(2)>\
             <a href=\"javascript:alert(3)\">click</a> <a href=\"https://e.org\">ok</a>\
             <p>&lt;script&gt;alert(4)&lt;/script&gt;</p><iframe src=\"https://e.org\"></iframe>\
             </body></html>",
        );
        assert_eq!(title.as_deref(), Some("T"));
        assert!(!md.contains("alert(1)"), "{md}");
        assert!(!md.contains("alert(2)"), "{md}");
        assert!(!md.contains("javascript"), "{md}");
        // Text that looks like a tag stays text: every `<` is escaped.
        assert!(
            md.match_indices('<').all(|(i, _)| md[..i].ends_with('\\')),
            "{md}"
        );
        assert!(md.contains("[ok](https://e.org)"), "{md}");
        assert!(md.contains("# Hi"), "{md}");
    }

    #[test]
    fn deep_nesting_is_flattened() {
        let html = format!("{}deep text{}", "<div>".repeat(600), "</div>".repeat(600));
        assert!(nesting_depth(&html) <= REFUSED_DEPTH);
        // In production this runs on an isolated thread with a big stack; do the same here.
        let (md, _) = std::thread::Builder::new()
            .stack_size(64 * 1024 * 1024)
            .spawn(move || convert(&html))
            .ok()
            .and_then(|h| h.join().ok())
            .unwrap_or_default();
        assert!(md.contains("deep text"), "{md}");
    }

    #[test]
    fn deep_lists_do_not_blow_up_the_output() {
        let html = format!("{}{}", "<ul><li>item".repeat(150), "</li></ul>".repeat(150));
        let (md, _) = std::thread::Builder::new()
            .stack_size(64 * 1024 * 1024)
            .spawn(move || convert(&html))
            .ok()
            .and_then(|h| h.join().ok())
            .unwrap_or_default();
        let deepest = md
            .lines()
            .map(|l| l.len() - l.trim_start().len())
            .max()
            .unwrap_or(0);
        assert!(deepest <= 2 * MAX_INDENTING, "{deepest}: {md}");
        assert!(md.matches("item").count() == 150, "{md}");
    }

    #[test]
    fn nesting_depth_estimate() {
        assert_eq!(
            nesting_depth("<p>a<p>b<br><img src=x/><div><span>c</span></div>"),
            2
        );
        assert_eq!(
            nesting_depth("<script>if (a<b) {}</script><!-- <div> -->"),
            1
        );
        assert_eq!(nesting_depth(&"<div>".repeat(5000)), 5000);
    }
}
