//! PDF text and page count with pdf-extract (lopdf underneath), isolated on its own thread:
//! pdf-extract has open panic issues on malformed files, and a crafted object graph can make a
//! parser recurse deeply or loop. See [`crate::isolate`] for the guarantees and the residual risk.

use pdf_extract::{Document, Object, PlainTextOutput, output_doc_page};

use crate::isolate::Deadline;
use crate::{ExtractError, Extracted, FileType, Limits};

const PDF: FileType = FileType::Pdf;

pub(crate) fn extract(bytes: &[u8], limits: &Limits) -> Result<Extracted, ExtractError> {
    // A PDF ends with %%EOF; readers accept some trailing junk (Acrobat looks at the last KiB).
    // Without it the file was cut short, and whatever a lenient parser recovers is incomplete.
    let tail = &bytes[bytes.len().saturating_sub(1024)..];
    if !tail.windows(5).any(|w| w == b"%%EOF") {
        return Err(ExtractError::malformed(
            PDF,
            "truncated: no %%EOF at the end",
        ));
    }
    crate::isolate::run_third_party(PDF, bytes, limits)
}

/// Reads a PDF in this process (the caller isolates it).
pub(crate) fn parse(
    bytes: &[u8],
    limits: &Limits,
    deadline: &Deadline,
) -> Result<Extracted, ExtractError> {
    let (text, pages, title) = read(bytes, limits.max_pdf_pages, deadline)?;
    Ok(Extracted {
        file_type: PDF,
        markdown: crate::text::plain_to_markdown(&text),
        pages: Some(pages),
        duration_seconds: None,
        title,
        ..Extracted::new(PDF)
    })
}

fn read(
    bytes: &[u8],
    max_pages: u32,
    deadline: &Deadline,
) -> Result<(String, u32, Option<String>), ExtractError> {
    let mut doc =
        Document::load_mem(bytes).map_err(|e| ExtractError::malformed(PDF, format!("{e}")))?;
    deadline.check()?;
    if doc.is_encrypted() && doc.decrypt("").is_err() {
        // Only PDFs that open without a password (owner-password restrictions) are read.
        return Err(ExtractError::Encrypted { file_type: PDF });
    }
    let pages = doc.get_pages();
    let count = u32::try_from(pages.len()).unwrap_or(u32::MAX);
    if count == 0 {
        return Err(ExtractError::malformed(PDF, "no pages"));
    }
    if count > max_pages {
        return Err(ExtractError::TooManyPages {
            pages: count,
            limit: max_pages,
        });
    }
    let mut text = String::new();
    let mut failures = 0u32;
    for &page in pages.keys() {
        deadline.check()?;
        let mut page_text = String::new();
        let result = {
            let mut output = PlainTextOutput::new(&mut page_text);
            output_doc_page(&doc, &mut output, page)
        };
        match result {
            Ok(()) => {
                text.push_str(page_text.trim());
                text.push_str("\n\n");
            }
            Err(_) => failures += 1,
        }
    }
    if failures == count {
        return Err(ExtractError::malformed(PDF, "no page could be read"));
    }
    Ok((text, count, title(&doc)))
}

/// The `/Title` of the document information dictionary, if any.
fn title(doc: &Document) -> Option<String> {
    let resolve = |o: &'_ Object| -> Option<Object> {
        match o {
            Object::Reference(id) => doc.get_object(*id).ok().cloned(),
            other => Some(other.clone()),
        }
    };
    let info = resolve(doc.trailer.get(b"Info").ok()?)?;
    let info = info.as_dict().ok()?;
    let title = resolve(info.get(b"Title").ok()?)?;
    let raw = title.as_str().ok()?;
    let text = match raw {
        [0xFE, 0xFF, rest @ ..] => {
            let units: Vec<u16> = rest
                .chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect();
            String::from_utf16_lossy(&units)
        }
        [0xEF, 0xBB, 0xBF, rest @ ..] => String::from_utf8_lossy(rest).into_owned(),
        // PDFDocEncoding agrees with Latin-1 on the printable characters.
        bytes => bytes.iter().map(|&b| char::from(b)).collect(),
    };
    let text: String = crate::markdown::collapse_whitespace(&text)
        .chars()
        .filter(|c| !c.is_control())
        .take(500)
        .collect();
    (!text.is_empty()).then_some(text)
}
