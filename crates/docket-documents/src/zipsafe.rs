//! Reading parts of a `.docx`/`.odt` zip in memory, within limits: entry count, encrypted
//! entries refused, and total decompressed bytes counted as actually read (through `take()`),
//! whatever the headers claim.

use std::io::{Cursor, Read};

use zip::ZipArchive;
use zip::result::ZipError;

use crate::{ExtractError, FileType, Limits};

pub(crate) struct SafeZip<'a> {
    archive: ZipArchive<Cursor<&'a [u8]>>,
    remaining: u64,
    limit: u64,
    file_type: FileType,
}

impl<'a> SafeZip<'a> {
    pub(crate) fn open(
        bytes: &'a [u8],
        limits: &Limits,
        file_type: FileType,
    ) -> Result<Self, ExtractError> {
        let archive = ZipArchive::new(Cursor::new(bytes))
            .map_err(|e| ExtractError::malformed(file_type, format!("zip: {e}")))?;
        if archive.len() > limits.max_zip_entries {
            return Err(ExtractError::TooManyEntries {
                entries: archive.len(),
                limit: limits.max_zip_entries,
            });
        }
        Ok(SafeZip {
            archive,
            remaining: limits.max_uncompressed_bytes,
            limit: limits.max_uncompressed_bytes,
            file_type,
        })
    }

    /// The decompressed bytes of an entry, or `None` if there is no such entry.
    pub(crate) fn read(&mut self, name: &str) -> Result<Option<Vec<u8>>, ExtractError> {
        let Some(index) = self.archive.index_for_name(name) else {
            return Ok(None);
        };
        let file_type = self.file_type;
        let zip_error = move |e: ZipError| match e {
            ZipError::UnsupportedArchive(msg) if msg == ZipError::PASSWORD_REQUIRED => {
                ExtractError::Encrypted { file_type }
            }
            other => ExtractError::malformed(file_type, format!("zip entry {name}: {other}")),
        };
        let declared = {
            let raw = self.archive.by_index_raw(index).map_err(zip_error)?;
            if raw.encrypted() {
                return Err(ExtractError::Encrypted { file_type });
            }
            raw.size()
        };
        // Cheap early refusal when the header is honest about being huge.
        if declared > self.remaining {
            return Err(ExtractError::ZipBomb { limit: self.limit });
        }
        let entry = self.archive.by_index(index).map_err(zip_error)?;
        // The header is not trusted: read at most one byte more than the budget allows.
        let mut buf = Vec::with_capacity(declared.min(8 * 1024 * 1024) as usize);
        let limit = self.limit;
        let read = entry
            .take(self.remaining.saturating_add(1))
            .read_to_end(&mut buf)
            .map_err(|e| {
                // The zip reader itself stops an entry that inflates past its declared size: the
                // signature of a bomb that lies in its headers. (Matched on the message; should
                // it change, the file is still refused, as damaged.)
                if e.to_string().contains("larger than its declared") {
                    ExtractError::ZipBomb { limit }
                } else {
                    ExtractError::malformed(file_type, format!("zip entry {name}: {e}"))
                }
            })?;
        let read = read as u64;
        if read > self.remaining {
            return Err(ExtractError::ZipBomb { limit: self.limit });
        }
        self.remaining -= read;
        Ok(Some(buf))
    }

    /// An entry decoded as XML text (UTF-8 or UTF-16 with a BOM), or `None` if absent.
    pub(crate) fn read_xml(&mut self, name: &str) -> Result<Option<String>, ExtractError> {
        match self.read(name)? {
            Some(bytes) => crate::xml::decode(bytes, self.file_type, name).map(Some),
            None => Ok(None),
        }
    }
}
