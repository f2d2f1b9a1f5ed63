//! A copy of a `.docx` or `.odt` without the personal metadata in it, for reviewers and for
//! publication: who made and last saved it, the company and manager, the names (and e-mail
//! addresses) of the people who wrote comments and tracked changes, and who printed it. The text,
//! comments and changes themselves stay; every other part is copied byte for byte.

use std::io::{Cursor, Write};

use quick_xml::events::{BytesStart, Event};
use zip::ZipArchive;
use zip::write::{SimpleFileOptions, ZipWriter};

use crate::isolate::Deadline;
use crate::zipsafe::SafeZip;
use crate::{ExtractError, FileType, Limits};

/// What to take out of one XML part.
struct Rules {
    /// Elements (by local name) removed with their content.
    drop: &'static [&'static str],
    /// Elements whose text is emptied.
    blank_text: &'static [&'static str],
    /// Attributes (by local name) whose value is emptied.
    blank_attrs: &'static [&'static str],
}

const DOCX_CORE: Rules = Rules {
    drop: &["creator", "lastModifiedBy", "lastPrinted"],
    blank_text: &[],
    blank_attrs: &[],
};
const DOCX_APP: Rules = Rules {
    drop: &["Company", "Manager", "HyperlinkBase"],
    blank_text: &[],
    blank_attrs: &[],
};
/// The parts of the text: comment and revision authors, and the people list's identities.
const DOCX_TEXT: Rules = Rules {
    drop: &[],
    blank_text: &[],
    blank_attrs: &["author", "initials", "userId", "providerId"],
};
const ODT_META: Rules = Rules {
    // User-defined properties hold what Word's app.xml does (Company, Manager) and more.
    drop: &[
        "initial-creator",
        "creator",
        "printed-by",
        "print-date",
        "user-defined",
    ],
    blank_text: &[],
    blank_attrs: &[],
};
/// Annotations and tracked changes name their author in `dc:creator`.
const ODT_TEXT: Rules = Rules {
    drop: &[],
    blank_text: &["creator", "creator-initials"],
    blank_attrs: &[],
};

fn rules_for(file_type: FileType, part: &str) -> Option<&'static Rules> {
    match file_type {
        FileType::Docx => {
            if part.ends_with("core.xml") && part.starts_with("docProps/") {
                Some(&DOCX_CORE)
            } else if part == "docProps/app.xml" {
                Some(&DOCX_APP)
            } else if part.ends_with(".xml") && !part.starts_with("docProps/") {
                Some(&DOCX_TEXT)
            } else {
                None
            }
        }
        FileType::Odt => match part {
            "meta.xml" => Some(&ODT_META),
            "content.xml" | "styles.xml" => Some(&ODT_TEXT),
            _ => None,
        },
        _ => None,
    }
}

/// Rewrites one XML part by the rules; a part that is not well-formed is refused as damage.
fn rewrite(
    xml: &str,
    rules: &Rules,
    file_type: FileType,
    deadline: &Deadline,
) -> Result<Vec<u8>, ExtractError> {
    let mut reader = quick_xml::Reader::from_str(xml);
    reader.config_mut().check_end_names = true;
    let mut writer = quick_xml::Writer::new(Vec::with_capacity(xml.len()));
    let bad = |e: &dyn std::fmt::Display| ExtractError::malformed(file_type, format!("{e}"));
    // Depth inside an element being dropped, and inside one whose text is emptied.
    let (mut dropping, mut blanking) = (0usize, 0usize);
    let mut count = 0u32;
    loop {
        count = count.wrapping_add(1);
        if count.is_multiple_of(4096) {
            deadline.check()?;
        }
        let event = reader.read_event().map_err(|e| bad(&e))?;
        let local = |e: &BytesStart<'_>| e.local_name().into_inner().to_owned();
        match event {
            Event::Eof => break,
            Event::Start(e) => {
                let name = local(&e);
                let name = name.as_str();
                if dropping > 0 || rules.drop.contains(&name) {
                    dropping += 1;
                    continue;
                }
                if blanking > 0 || rules.blank_text.contains(&name) {
                    blanking += 1;
                }
                writer
                    .write_event(Event::Start(clean_attrs(&e, rules)))
                    .map_err(|e| bad(&e))?;
            }
            Event::Empty(e) => {
                let name = local(&e);
                let name = name.as_str();
                if dropping > 0 || rules.drop.contains(&name) {
                    continue;
                }
                writer
                    .write_event(Event::Empty(clean_attrs(&e, rules)))
                    .map_err(|e| bad(&e))?;
            }
            Event::End(e) => {
                if dropping > 0 {
                    dropping -= 1;
                    continue;
                }
                blanking = blanking.saturating_sub(1);
                writer.write_event(Event::End(e)).map_err(|e| bad(&e))?;
            }
            Event::Text(_) | Event::CData(_) | Event::GeneralRef(_)
                if dropping > 0 || blanking > 0 => {}
            other => writer.write_event(other).map_err(|e| bad(&e))?,
        }
    }
    Ok(writer.into_inner())
}

fn clean_attrs<'a>(e: &BytesStart<'a>, rules: &Rules) -> BytesStart<'a> {
    if rules.blank_attrs.is_empty() {
        return e.clone();
    }
    let mut out = BytesStart::new(e.name().as_ref().to_owned());
    for a in e.attributes().with_checks(false).flatten() {
        let key: &str = a.key.as_ref();
        let local: &str = a.key.local_name().into_inner();
        // Namespace declarations are kept whatever their prefix.
        if rules.blank_attrs.contains(&local) && !key.starts_with("xmlns") {
            out.push_attribute((key, ""));
        } else {
            // The value as written (already escaped).
            out.push_attribute(a.clone());
        }
    }
    out
}

pub(crate) fn strip(
    bytes: &[u8],
    file_type: FileType,
    limits: &Limits,
) -> Result<Vec<u8>, ExtractError> {
    if !matches!(file_type, FileType::Docx | FileType::Odt) {
        return Err(ExtractError::Unsupported {
            what: "not a Word or OpenDocument file",
            instead: "Only .docx and .odt copies can have their properties removed",
        });
    }
    let deadline = Deadline::after(limits.timeout);
    // Reading through SafeZip keeps the entry-count and decompression limits.
    let mut safe = SafeZip::open(bytes, limits, file_type)?;
    let mut archive = ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| ExtractError::malformed(file_type, format!("zip: {e}")))?;
    let mut out = ZipWriter::new(Cursor::new(Vec::with_capacity(bytes.len())));
    let zip_error =
        |e: zip::result::ZipError| ExtractError::malformed(file_type, format!("zip: {e}"));
    for i in 0..archive.len() {
        deadline.check()?;
        let name = {
            let entry = archive.by_index_raw(i).map_err(zip_error)?;
            if entry.encrypted() {
                return Err(ExtractError::Encrypted { file_type });
            }
            entry
                .name()
                .map_err(|e| ExtractError::malformed(file_type, format!("zip: {e}")))?
                .into_owned()
        };
        match rules_for(file_type, &name) {
            Some(rules) => {
                let Some(xml) = safe.read_xml(&name)? else {
                    continue;
                };
                let rewritten = rewrite(&xml, rules, file_type, &deadline)?;
                out.start_file(
                    name.as_str(),
                    SimpleFileOptions::default()
                        .compression_method(zip::CompressionMethod::Deflated),
                )
                .map_err(zip_error)?;
                out.write_all(&rewritten)
                    .map_err(|e| ExtractError::malformed(file_type, format!("zip: {e}")))?;
            }
            None => {
                // Copied as it is, compressed or not (an .odt's `mimetype` stays first and
                // stored, as OpenDocument requires).
                let entry = archive.by_index_raw(i).map_err(zip_error)?;
                out.raw_copy_file(entry).map_err(zip_error)?;
            }
        }
    }
    let out = out.finish().map_err(zip_error)?;
    Ok(out.into_inner())
}
