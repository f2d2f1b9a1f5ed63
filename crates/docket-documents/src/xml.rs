//! A thin pull parser over quick-xml for the Word and OpenDocument readers: local names only
//! (prefixes vary between producers), entities resolved, self-closing elements reported as a
//! start followed by an end, truncated documents refused, and a deadline checked as it goes.

use std::borrow::Cow;

use quick_xml::XmlVersion;
use quick_xml::events::{BytesStart, Event};

use crate::isolate::Deadline;
use crate::{ExtractError, FileType};

/// One event of the document.
pub(crate) enum Ev<'a> {
    Start(BytesStart<'a>),
    End,
    Text(Cow<'a, str>),
    Eof,
}

pub(crate) struct Xml<'a> {
    reader: quick_xml::Reader<&'a [u8]>,
    pending_end: bool,
    depth: usize,
    count: u32,
    file_type: FileType,
    part: &'static str,
    deadline: &'a Deadline,
}

/// The local name (`w:p` → `p`) of an element.
pub(crate) fn local<'e>(e: &'e BytesStart<'_>) -> &'e str {
    e.local_name().into_inner()
}

/// The value of the attribute with this local name (`w:val` → `val`), entities resolved.
pub(crate) fn attr(e: &BytesStart<'_>, local_name: &str) -> Option<String> {
    let mut attrs = e.attributes();
    attrs.with_checks(false);
    for a in attrs.flatten() {
        if a.key.local_name().into_inner() == local_name {
            return a
                .normalized_value(XmlVersion::Implicit1_0)
                .ok()
                .map(Cow::into_owned);
        }
    }
    None
}

/// A Word/OOXML on-off value: absent or `1`/`true`/`on` is on.
pub(crate) fn on_off(e: &BytesStart<'_>) -> bool {
    !matches!(
        attr(e, "val").as_deref(),
        Some("0" | "false" | "off" | "none")
    )
}

/// Decodes an XML part: UTF-8 (BOM stripped) or UTF-16 with a BOM.
pub(crate) fn decode(
    bytes: Vec<u8>,
    file_type: FileType,
    part: &str,
) -> Result<String, ExtractError> {
    if let Some((encoding, bom)) = encoding_rs::Encoding::for_bom(&bytes)
        && encoding != encoding_rs::UTF_8
    {
        let (text, had_errors) = encoding.decode_without_bom_handling(&bytes[bom..]);
        if had_errors {
            return Err(ExtractError::malformed(
                file_type,
                format!("{part}: bad UTF-16"),
            ));
        }
        return Ok(text.into_owned());
    }
    let mut text = String::from_utf8(bytes)
        .map_err(|_| ExtractError::malformed(file_type, format!("{part}: not UTF-8")))?;
    if text.starts_with('\u{feff}') {
        text.drain(..'\u{feff}'.len_utf8());
    }
    Ok(text)
}

impl<'a> Xml<'a> {
    pub(crate) fn new(
        text: &'a str,
        file_type: FileType,
        part: &'static str,
        deadline: &'a Deadline,
    ) -> Self {
        let mut reader = quick_xml::Reader::from_str(text);
        let config = reader.config_mut();
        config.check_end_names = true;
        config.allow_unmatched_ends = false;
        config.expand_empty_elements = false;
        Xml {
            reader,
            pending_end: false,
            depth: 0,
            count: 0,
            file_type,
            part,
            deadline,
        }
    }

    fn error(&self, what: impl std::fmt::Display) -> ExtractError {
        ExtractError::malformed(
            self.file_type,
            format!(
                "{}: {what} at byte {}",
                self.part,
                self.reader.buffer_position()
            ),
        )
    }

    pub(crate) fn next(&mut self) -> Result<Ev<'a>, ExtractError> {
        if self.pending_end {
            self.pending_end = false;
            self.depth -= 1;
            return Ok(Ev::End);
        }
        loop {
            self.count = self.count.wrapping_add(1);
            if self.count % 4096 == 1 {
                self.deadline.check()?;
            }
            let event = self.reader.read_event().map_err(|e| self.error(e))?;
            return Ok(match event {
                Event::Start(e) => {
                    self.depth += 1;
                    Ev::Start(e)
                }
                Event::Empty(e) => {
                    self.depth += 1;
                    self.pending_end = true;
                    Ev::Start(e)
                }
                Event::End(_) => {
                    self.depth = self
                        .depth
                        .checked_sub(1)
                        .ok_or_else(|| self.error("unmatched end tag"))?;
                    Ev::End
                }
                Event::Text(t) => Ev::Text(t.xml10_content()),
                Event::CData(t) => Ev::Text(t.xml10_content()),
                Event::GeneralRef(r) => {
                    let resolved = if r.is_char_ref() {
                        match r.resolve_char_ref() {
                            Ok(Some(c)) => c.to_string(),
                            _ => return Err(self.error("bad character reference")),
                        }
                    } else {
                        match &*r {
                            "amp" => "&",
                            "lt" => "<",
                            "gt" => ">",
                            "quot" => "\"",
                            "apos" => "'",
                            // Entities declared in a DTD are never expanded (no billion laughs).
                            _ => "",
                        }
                        .to_owned()
                    };
                    Ev::Text(Cow::Owned(resolved))
                }
                Event::Eof => {
                    if self.depth != 0 {
                        return Err(self.error("document ends inside an element"));
                    }
                    Ev::Eof
                }
                Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => continue,
            });
        }
    }

    /// Skips the children of the element just started, up to and including its end.
    pub(crate) fn skip_element(&mut self) -> Result<(), ExtractError> {
        let mut depth = 1usize;
        loop {
            match self.next()? {
                Ev::Start(_) => depth += 1,
                Ev::End => {
                    depth -= 1;
                    if depth == 0 {
                        return Ok(());
                    }
                }
                Ev::Text(_) => {}
                Ev::Eof => return Err(self.error("document ends inside an element")),
            }
        }
    }
}
