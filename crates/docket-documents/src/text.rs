//! Markdown and plain-text uploads: UTF-8 (BOM stripped) or UTF-16 with a BOM; anything else is
//! refused with a message asking for UTF-8. Markdown is kept as written (line endings
//! normalised); plain text is escaped so that it renders as written.

use pulldown_cmark::{Event, Parser, Tag, TagEnd};

use crate::markdown::{collapse_whitespace, escape_inline, escape_line_start};
use crate::{ExtractError, Extracted, FileType};

pub(crate) fn decode(bytes: &[u8]) -> Result<String, ExtractError> {
    if let Some((encoding, bom)) = encoding_rs::Encoding::for_bom(bytes) {
        let body = &bytes[bom..];
        if encoding == encoding_rs::UTF_8 {
            return utf8(body, bom);
        }
        let (text, had_errors) = encoding.decode_without_bom_handling(body);
        if had_errors {
            return Err(ExtractError::NotUtf8 { offset: bom });
        }
        if let Some(offset) = text.find('\0') {
            return Err(ExtractError::NulByte { offset });
        }
        return Ok(text.into_owned());
    }
    utf8(bytes, 0)
}

fn utf8(bytes: &[u8], base: usize) -> Result<String, ExtractError> {
    let text = std::str::from_utf8(bytes).map_err(|e| ExtractError::NotUtf8 {
        offset: base + e.valid_up_to(),
    })?;
    if let Some(offset) = text.find('\0') {
        return Err(ExtractError::NulByte {
            offset: base + offset,
        });
    }
    Ok(text.to_owned())
}

fn normalise_newlines(text: &str) -> String {
    text.replace("\r\n", "\n").replace('\r', "\n")
}

pub(crate) fn extract(bytes: &[u8], file_type: FileType) -> Result<Extracted, ExtractError> {
    let text = normalise_newlines(&decode(bytes)?);
    if text.trim().is_empty() {
        return Err(ExtractError::Empty);
    }
    if let Some(refusal) = online_document_link(&text) {
        return Err(refusal);
    }
    let (markdown, title) = if file_type == FileType::Markdown {
        let title = markdown_title(&text);
        let mut markdown = text.trim_end().to_owned();
        markdown.push('\n');
        (markdown, title)
    } else {
        (plain_to_markdown(&text), None)
    };
    Ok(Extracted {
        file_type,
        markdown,
        pages: None,
        duration_seconds: None,
        title,
        ..Extracted::new(file_type)
    })
}

/// The text of the first heading of a Markdown document.
fn markdown_title(text: &str) -> Option<String> {
    let mut in_heading = false;
    let mut title = String::new();
    for event in Parser::new(text) {
        match event {
            Event::Start(Tag::Heading { .. }) => in_heading = true,
            Event::End(TagEnd::Heading(_)) => {
                let t = collapse_whitespace(&title);
                if !t.is_empty() {
                    return Some(t);
                }
                in_heading = false;
            }
            Event::Text(t) | Event::Code(t) if in_heading => title.push_str(&t),
            Event::SoftBreak | Event::HardBreak if in_heading => title.push(' '),
            _ => {}
        }
    }
    None
}

/// Plain text as Markdown that renders as written: lines and paragraphs kept, runs of white
/// space collapsed (Markdown would collapse them anyway; leading ones would make code blocks),
/// special characters escaped.
pub(crate) fn plain_to_markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 16);
    let mut blank = false;
    for line in text.lines() {
        let line = collapse_whitespace(line);
        if line.is_empty() {
            blank = !out.is_empty();
            continue;
        }
        if blank {
            out.push_str("\n\n");
        } else if !out.is_empty() {
            out.push('\n');
        }
        blank = false;
        let mut escaped = String::with_capacity(line.len());
        escape_inline(&line, &mut escaped);
        out.push_str(&escape_line_start(&escaped));
    }
    if !out.is_empty() {
        out.push('\n');
    }
    out
}

/// A text that is only a link (or an Internet shortcut) to a document kept online: Docket needs
/// the document itself, and says how to download it.
pub(crate) fn online_document_link(text: &str) -> Option<ExtractError> {
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.eq_ignore_ascii_case("[InternetShortcut]"))
        .collect();
    if lines.is_empty() || lines.len() > 3 {
        return None;
    }
    let mut found = None;
    for line in lines {
        let url = line.strip_prefix("URL=").unwrap_or(line);
        if url.contains(char::is_whitespace) || !url.to_ascii_lowercase().starts_with("http") {
            return None;
        }
        let host = url
            .split_once("://")
            .map(|(_, rest)| rest.split(['/', '?', '#']).next().unwrap_or(""))
            .unwrap_or("")
            .to_ascii_lowercase();
        let service = if host == "docs.google.com" || host == "drive.google.com" {
            (
                "a link to a Google Docs document",
                "Open it, choose File, Download, Microsoft Word (.docx), and send us that file",
            )
        } else if host == "onedrive.live.com"
            || host == "1drv.ms"
            || host.ends_with(".sharepoint.com")
            || host == "office.com"
            || host.ends_with(".office.com")
        {
            (
                "a link to a document in OneDrive or SharePoint",
                "Open it, choose File, Save As, Download a Copy, and send us that .docx file",
            )
        } else if host == "dropbox.com" || host.ends_with(".dropbox.com") || host == "db.tt" {
            (
                "a link to a file in Dropbox",
                "Download the file from Dropbox and send it to us as an attachment or upload",
            )
        } else if host == "icloud.com" || host.ends_with(".icloud.com") {
            (
                "a link to a document in iCloud",
                "Open it in Pages, choose File, Export To, Word, and send us the .docx file",
            )
        } else {
            return None;
        };
        found = Some(service);
    }
    let (what, instead) = found?;
    Some(ExtractError::Unsupported { what, instead })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings() {
        assert_eq!(decode(b"\xEF\xBB\xBFhello").ok().as_deref(), Some("hello"));
        let utf16: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("héllo".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        assert_eq!(decode(&utf16).ok().as_deref(), Some("héllo"));
        assert!(matches!(
            decode(b"caf\xE9"),
            Err(ExtractError::NotUtf8 { offset: 3 })
        ));
        assert!(matches!(
            decode(b"a\0b"),
            Err(ExtractError::NulByte { offset: 1 })
        ));
    }

    #[test]
    fn plain_text_is_escaped() {
        assert_eq!(
            plain_to_markdown("# not heading\n  <b>x</b> *y*\n\n\n1. no list\n"),
            "\\# not heading\n\\<b>x\\</b> \\*y\\*\n\n1\\. no list\n"
        );
    }

    #[test]
    fn markdown_title_is_first_heading() {
        assert_eq!(
            markdown_title("intro\n\nMy *Title*\n===\n\n# Other").as_deref(),
            Some("My Title")
        );
        assert_eq!(markdown_title("no heading"), None);
    }
}
