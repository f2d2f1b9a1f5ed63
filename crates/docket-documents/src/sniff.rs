//! Content sniffing: the bytes decide; the name only breaks ties between text formats.

use std::io::{Cursor, Read};

use infer::MatcherType;
use zip::ZipArchive;

use crate::{ExtractError, FileType};

const ODT_MIME: &str = "application/vnd.oasis.opendocument.text";
const DOCX_MIME: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

pub(crate) fn sniff(bytes: &[u8], name_hint: Option<&str>) -> FileType {
    if bytes.is_empty() {
        return FileType::Unknown;
    }
    if bytes.starts_with(b"PK\x03\x04") {
        return sniff_zip(bytes);
    }
    if bytes.starts_with(b"{\\rtf") {
        return FileType::Rtf;
    }
    if let Some(kind) = infer::get(bytes) {
        match kind.mime_type() {
            "application/pdf" => return FileType::Pdf,
            "image/png" => return FileType::Png,
            "image/jpeg" => return FileType::Jpeg,
            "image/gif" => return FileType::Gif,
            "image/webp" => return FileType::Webp,
            "audio/mpeg" => return FileType::Mp3,
            "audio/m4a" => return FileType::M4a,
            "video/mp4" if is_audio_mp4(bytes) => return FileType::M4a,
            "audio/ogg" | "audio/opus" => return FileType::Ogg,
            "audio/x-wav" => return FileType::Wav,
            _ if kind.matcher_type() == MatcherType::Text => {}
            _ => return FileType::Unknown,
        }
    }
    // A PDF may have a few bytes of junk before its header (readers allow 1 KiB).
    if find(&bytes[..bytes.len().min(1024)], b"%PDF-").is_some() {
        return FileType::Pdf;
    }
    sniff_text(bytes, name_hint)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// An MP4 whose brands say audio (`M4A `, `M4B `); other MP4s are video.
fn is_audio_mp4(bytes: &[u8]) -> bool {
    let Some(size) = bytes
        .get(..4)
        .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    else {
        return false;
    };
    let end = (size as usize).clamp(8, 256).min(bytes.len());
    bytes[8.min(end)..end]
        .chunks(4)
        .any(|brand| brand == b"M4A " || brand == b"M4B ")
}

fn sniff_zip(bytes: &[u8]) -> FileType {
    match ZipArchive::new(Cursor::new(bytes)) {
        Ok(mut zip) => {
            if zip.index_for_name("word/document.xml").is_some() || is_wordprocessing(&mut zip) {
                return FileType::Docx;
            }
            if zip_mimetype(&mut zip).as_deref() == Some(ODT_MIME) {
                return FileType::Odt;
            }
            FileType::Unknown
        }
        // A damaged zip: go by its first local header, so that the contributor hears that the
        // document is damaged rather than unsupported.
        Err(_) => {
            if bytes.get(30..38) == Some(b"mimetype")
                && find(&bytes[38..bytes.len().min(120)], ODT_MIME.as_bytes()).is_some()
            {
                FileType::Odt
            } else if infer::get(bytes).is_some_and(|k| k.mime_type() == DOCX_MIME)
                || find(&bytes[..bytes.len().min(4096)], b"word/").is_some()
            {
                FileType::Docx
            } else {
                FileType::Unknown
            }
        }
    }
}

/// A Word package whose main part is elsewhere than `word/document.xml`: the package
/// relationships name it, and the content types say it is a word-processing document.
fn is_wordprocessing(zip: &mut ZipArchive<Cursor<&[u8]>>) -> bool {
    let mut read = |name: &str| -> Option<String> {
        let index = zip.index_for_name(name)?;
        let entry = zip.by_index(index).ok()?;
        let mut buf = Vec::new();
        entry.take(256 * 1024).read_to_end(&mut buf).ok()?;
        Some(String::from_utf8_lossy(&buf).into_owned())
    };
    let (Some(rels), Some(types)) = (read("_rels/.rels"), read("[Content_Types].xml")) else {
        return false;
    };
    let deadline = crate::isolate::Deadline::after(std::time::Duration::from_secs(2));
    let Some(main) = crate::docx::main_part_of(&rels, &deadline) else {
        return false;
    };
    zip.index_for_name(&main).is_some() && types.contains("wordprocessingml.document.main+xml")
}

fn zip_mimetype(zip: &mut ZipArchive<Cursor<&[u8]>>) -> Option<String> {
    let index = zip.index_for_name("mimetype")?;
    let entry = zip.by_index(index).ok()?;
    let mut buf = Vec::new();
    entry.take(200).read_to_end(&mut buf).ok()?;
    Some(String::from_utf8_lossy(&buf).trim().to_owned())
}

// ------------------------------------------------------------------------------------ text

/// Text if it has a UTF-16 BOM, or at most 1% control characters in its first 8 KiB.
fn looks_like_text(bytes: &[u8]) -> bool {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return true;
    }
    let sample = &bytes[..bytes.len().min(8192)];
    let control = sample
        .iter()
        .filter(|&&b| matches!(b, 0x00..=0x08 | 0x0B | 0x0E..=0x1A | 0x1C..=0x1F | 0x7F))
        .count();
    control * 100 <= sample.len()
}

/// The first KiB or so as lower-case text, whatever the Unicode encoding.
fn head_text(bytes: &[u8]) -> String {
    let head = &bytes[..bytes.len().min(4096)];
    let (text, _, _) = encoding_rs::UTF_8.decode(head);
    let text = match encoding_rs::Encoding::for_bom(head) {
        Some((enc, _)) if enc != encoding_rs::UTF_8 => enc.decode(head).0,
        _ => text,
    };
    text.trim_start_matches('\u{feff}')
        .trim_start()
        .to_lowercase()
}

fn extension(name: &str) -> Option<String> {
    let name = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let (_, ext) = name.rsplit_once('.')?;
    Some(ext.to_ascii_lowercase())
}

fn sniff_text(bytes: &[u8], name_hint: Option<&str>) -> FileType {
    if !looks_like_text(bytes) {
        return FileType::Unknown;
    }
    let head = head_text(bytes);
    if head.starts_with("<!doctype html") || head.starts_with("<html") {
        return FileType::Html;
    }
    match name_hint.and_then(extension).as_deref() {
        Some("html" | "htm" | "xhtml") => return FileType::Html,
        Some("md" | "markdown" | "mdown" | "mkd" | "mkdn") => return FileType::Markdown,
        Some("txt" | "text") => return FileType::PlainText,
        _ => {}
    }
    let html_tags = [
        "<head", "<body", "<p>", "<p ", "<div", "<h1", "<h2", "<br", "<ul", "<table", "<meta",
    ];
    if head.starts_with('<') && html_tags.iter().any(|t| head.contains(t)) {
        return FileType::Html;
    }
    if looks_like_markdown(&head) {
        return FileType::Markdown;
    }
    FileType::PlainText
}

fn looks_like_markdown(head: &str) -> bool {
    let mut list_lines = 0;
    for line in head.lines() {
        let t = line.trim_start();
        let hashes = t.bytes().take_while(|&b| b == b'#').count();
        if (1..=6).contains(&hashes) && t[hashes..].starts_with(' ') {
            return true;
        }
        if t.starts_with("```") || t.starts_with("> ") {
            return true;
        }
        if t.starts_with("- ") || t.starts_with("* ") || t.starts_with("+ ") {
            list_lines += 1;
        }
    }
    list_lines >= 2 || (head.contains("](") && head.contains('[')) || head.contains("**")
}

// ----------------------------------------------------------------------------- unsupported

/// What to send instead of most files we do not read.
const DOCUMENTS: &str =
    "Send your piece as a .docx, .odt, .rtf or PDF document, or as Markdown or plain text";
const ARCHIVE: (&str, &str) = (
    "a ZIP archive",
    "Send each file on its own: documents as .docx, .odt or PDF, audio as MP3 or M4A, images as \
     JPEG or PNG",
);
const SLIDES: &str = "Export the slides as PDF and send that";
const SPREADSHEET: &str = "Send your piece as a .docx, .odt or PDF document";

/// The error for a file of no type we read, naming what it is and what to send instead.
pub(crate) fn unsupported(bytes: &[u8]) -> ExtractError {
    let (what, instead) = if bytes.starts_with(b"PK\x03\x04") {
        zip_kind(bytes)
    } else if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        // Compound File (old Office). A password-protected .docx is one too.
        let encrypted = "EncryptedPackage"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect::<Vec<u8>>();
        if find(bytes, &encrypted).is_some() {
            return ExtractError::Encrypted {
                file_type: FileType::Docx,
            };
        }
        match infer::get(bytes).map(|k| k.mime_type()) {
            Some("application/vnd.ms-excel") => ("an older Excel spreadsheet (.xls)", SPREADSHEET),
            Some("application/vnd.ms-powerpoint") => {
                ("an older PowerPoint presentation (.ppt)", SLIDES)
            }
            _ => (
                "an older Word document (.doc)",
                "Open it in Word or LibreOffice and save it as .docx, then send that",
            ),
        }
    } else {
        match infer::get(bytes) {
            Some(k) if k.mime_type() == "application/epub+zip" => ("an e-book (.epub)", DOCUMENTS),
            Some(k) => match k.matcher_type() {
                MatcherType::Archive => ("an archive", ARCHIVE.1),
                MatcherType::App => ("a program", DOCUMENTS),
                MatcherType::Video => ("a video", "Send podcasts as audio: MP3, M4A, Ogg or WAV"),
                MatcherType::Audio => (
                    "audio in a format we do not know",
                    "Export it as MP3, M4A, Ogg or WAV and send that",
                ),
                MatcherType::Image => (
                    "an image in a format we do not know",
                    "Save it as JPEG, PNG, GIF or WebP and send that",
                ),
                _ => ("a file of an unknown kind", DOCUMENTS),
            },
            None => ("a file of an unknown kind", DOCUMENTS),
        }
    };
    ExtractError::Unsupported { what, instead }
}

fn zip_kind(bytes: &[u8]) -> (&'static str, &'static str) {
    let Ok(mut zip) = ZipArchive::new(Cursor::new(bytes)) else {
        return ARCHIVE;
    };
    let has = |zip: &ZipArchive<Cursor<&[u8]>>, name: &str| zip.index_for_name(name).is_some();
    let has_prefix = |zip: &ZipArchive<Cursor<&[u8]>>, prefix: &str| {
        zip.file_names()
            .any(|n| n.is_ok_and(|n| n.starts_with(prefix)))
    };
    if has(&zip, "Index/Document.iwa") || has(&zip, "index.xml") || has_prefix(&zip, "Index/") {
        if has_prefix(&zip, "Index/Slide") {
            return ("a Keynote presentation", SLIDES);
        }
        if has_prefix(&zip, "Index/CalculationEngine") || has_prefix(&zip, "Index/Tables") {
            return ("a Numbers spreadsheet", SPREADSHEET);
        }
        return (
            "a Pages document (.pages)",
            "In Pages, choose File, Export To, Word, and send the .docx file that makes",
        );
    }
    if has(&zip, "xl/workbook.xml") {
        return ("a spreadsheet", SPREADSHEET);
    }
    if has(&zip, "ppt/presentation.xml") {
        return ("a presentation", SLIDES);
    }
    match zip_mimetype(&mut zip).as_deref() {
        Some("application/epub+zip") => ("an e-book (.epub)", DOCUMENTS),
        Some(m) if m.starts_with("application/vnd.oasis.opendocument.spreadsheet") => {
            ("a spreadsheet", SPREADSHEET)
        }
        Some(m) if m.starts_with("application/vnd.oasis.opendocument.presentation") => {
            ("a presentation", SLIDES)
        }
        _ => ARCHIVE,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_formats_use_the_name_only_as_a_tie_breaker() {
        let md = b"# Title\n\nSome *text*.\n";
        assert_eq!(sniff(md, None), FileType::Markdown);
        assert_eq!(sniff(md, Some("notes.txt")), FileType::PlainText);
        assert_eq!(sniff(b"Just words.\n", Some("a.md")), FileType::Markdown);
        assert_eq!(sniff(b"Just words.\n", None), FileType::PlainText);
        assert_eq!(
            sniff(b"<!DOCTYPE html><p>x</p>", Some("a.txt")),
            FileType::Html
        );
        assert_eq!(sniff(b"<div><p>x</p></div>", None), FileType::Html);
        assert_eq!(sniff(b"<p>x</p>", Some("post.md")), FileType::Markdown);
    }

    #[test]
    fn binary_is_not_text() {
        assert_eq!(
            sniff(&[0u8, 1, 2, 3, 4, 5, 6, 7, 8, 9], Some("a.txt")),
            FileType::Unknown
        );
        assert_eq!(sniff(b"%PDF-1.7\n", Some("a.txt")), FileType::Pdf);
    }

    #[test]
    fn unsupported_names_what_to_send() {
        let e = unsupported(b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0");
        assert_eq!(
            e.user_message(),
            "This is a file of an unknown kind, which we cannot read. Send your piece as a \
             .docx, .odt, .rtf or PDF document, or as Markdown or plain text."
        );
    }
}
