//! Errors, with a message for developers (`Display`) and one for contributors (`user_message`).

use crate::FileType;

/// Why a file could not be read. `Display` is for logs; [`ExtractError::user_message`] is for the
/// person who sent the file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExtractError {
    /// The file has no content.
    #[error("the file is empty")]
    Empty,
    /// The file is larger than [`Limits::max_bytes`](crate::Limits::max_bytes).
    #[error("the file is {size} bytes, over the limit of {limit} bytes")]
    TooLarge {
        /// Size of the file in bytes.
        size: u64,
        /// The limit in bytes.
        limit: u64,
    },
    /// A kind of file we do not read; `what` names it and `instead` says what to send. The
    /// message reads "This is {what}, which we cannot read. {instead}."
    #[error("unsupported file: {what}")]
    Unsupported {
        /// What the file is, with its article, e.g. "an older Word document (.doc)".
        what: &'static str,
        /// What to do instead, as a sentence without its full stop, e.g. "Open it in Word or
        /// LibreOffice and save it as .docx, then send that".
        instead: &'static str,
    },
    /// Reading needed more memory than Docket allows one file (in the child process that
    /// reads PDFs, audio and web pages).
    #[error("the {file_type:?} needed more memory than allowed")]
    OutOfMemory {
        /// The sniffed type of the file.
        file_type: FileType,
    },
    /// The file is of a type we read but is damaged or crafted.
    #[error("malformed {file_type:?}: {reason}")]
    Malformed {
        /// The sniffed type of the file.
        file_type: FileType,
        /// What is wrong, for logs.
        reason: String,
    },
    /// A text file that is not UTF-8 (nor UTF-16 with a byte-order mark).
    #[error("text is not valid UTF-8 (first invalid byte at offset {offset})")]
    NotUtf8 {
        /// Offset of the first invalid byte.
        offset: usize,
    },
    /// A text file containing NUL bytes, i.e. binary data.
    #[error("text contains a NUL byte at offset {offset}")]
    NulByte {
        /// Offset of the first NUL byte.
        offset: usize,
    },
    /// The document is password-protected or encrypted.
    #[error("the {file_type:?} is encrypted")]
    Encrypted {
        /// The sniffed type of the file.
        file_type: FileType,
    },
    /// A zip (`.docx`, `.odt`) with more entries than
    /// [`Limits::max_zip_entries`](crate::Limits::max_zip_entries).
    #[error("the zip has {entries} entries, over the limit of {limit}")]
    TooManyEntries {
        /// Number of entries in the zip's central directory.
        entries: usize,
        /// The limit.
        limit: usize,
    },
    /// A zip (`.docx`, `.odt`) that decompresses to more than
    /// [`Limits::max_uncompressed_bytes`](crate::Limits::max_uncompressed_bytes).
    #[error("the zip decompresses to more than {limit} bytes")]
    ZipBomb {
        /// The limit in bytes.
        limit: u64,
    },
    /// A PDF with more pages than [`Limits::max_pdf_pages`](crate::Limits::max_pdf_pages).
    #[error("the PDF has {pages} pages, over the limit of {limit}")]
    TooManyPages {
        /// Number of pages of the PDF.
        pages: u32,
        /// The limit.
        limit: u32,
    },
    /// An image larger than 10,000 pixels a side or 40 megapixels (or of zero size).
    #[error("the image is {width}x{height} pixels, outside the accepted dimensions")]
    ImageDimensions {
        /// Width in pixels, as the header says.
        width: u64,
        /// Height in pixels, as the header says.
        height: u64,
    },
    /// Reading took longer than [`Limits::timeout`](crate::Limits::timeout).
    #[error("extraction timed out")]
    TimedOut,
    /// Too many earlier extractions timed out and are still running; try again later.
    #[error("too many timed-out extractions are still running")]
    Busy,
}

impl ExtractError {
    /// One sentence a contributor can act on, e.g. "This file is not a Word document we can read:
    /// it looks damaged. Save it again from your word processor, or paste the text instead."
    pub fn user_message(&self) -> String {
        match self {
            ExtractError::Empty => {
                "The file is empty: check that you attached the right file and send it again."
                    .into()
            }
            ExtractError::TooLarge { limit, .. } => format!(
                "The file is larger than {}, the most we accept: make it smaller (for example by \
                 compressing its images) or send a link to it instead.",
                megabytes(*limit)
            ),
            ExtractError::Unsupported { what, instead } => {
                format!("This is {what}, which we cannot read. {instead}.")
            }
            ExtractError::OutOfMemory { .. } => {
                "This file needs more memory to read than we allow, which usually means it is \
                 damaged or unusually complex: export it again, or send it as .docx or plain \
                 text."
                    .into()
            }
            ExtractError::Malformed { file_type, .. } => damaged(*file_type),
            ExtractError::NotUtf8 { .. } => {
                "This text file is not saved as UTF-8, so we cannot read it reliably: save it \
                 again with the encoding set to UTF-8, or paste the text instead."
                    .into()
            }
            ExtractError::NulByte { .. } => {
                "This file contains binary data, not plain text: save it again as UTF-8 text, \
                 or paste the text instead."
                    .into()
            }
            ExtractError::Encrypted { file_type } => format!(
                "This {} is protected by a password, so we cannot read it: remove the password \
                 and send it again.",
                short_name(*file_type)
            ),
            ExtractError::TooManyEntries { .. } => {
                "This document is made of more parts than we can open: save it again as a plain \
                 .docx or .odt without embedded files, or send it as PDF."
                    .into()
            }
            ExtractError::ZipBomb { limit } => format!(
                "This document expands to more than {} when opened, more than we accept: \
                 remove large images or embedded files and send it again, or send it as PDF.",
                megabytes(*limit)
            ),
            ExtractError::TooManyPages { pages, limit } => format!(
                "This PDF has {pages} pages and we accept at most {limit}: send a shorter \
                 document."
            ),
            ExtractError::ImageDimensions { width, height } => format!(
                "This image is {width} × {height} pixels, and we accept at most 10,000 pixels a \
                 side and 40 megapixels: resize it and send it again."
            ),
            ExtractError::TimedOut => {
                "This file took too long to read, which usually means it is damaged or unusually \
                 complex: save or export it again, or send it as .docx or plain text."
                    .into()
            }
            ExtractError::Busy => {
                "We cannot read this kind of file right now because earlier ones are still being \
                 processed: try again later, or send the document as .docx."
                    .into()
            }
        }
    }

    pub(crate) fn malformed(file_type: FileType, reason: impl std::fmt::Display) -> Self {
        ExtractError::Malformed {
            file_type,
            reason: reason.to_string(),
        }
    }
}

fn megabytes(bytes: u64) -> String {
    let mib = bytes as f64 / (1024.0 * 1024.0);
    if (mib - mib.round()).abs() < 0.05 {
        format!("{} MB", mib.round() as u64)
    } else if mib >= 1.0 {
        format!("{mib:.1} MB")
    } else {
        format!("{} KB", bytes.div_ceil(1024))
    }
}

fn short_name(file_type: FileType) -> &'static str {
    match file_type {
        FileType::Docx => "Word document",
        FileType::Odt => "OpenDocument file",
        FileType::Rtf => "RTF document",
        FileType::Pdf => "PDF",
        _ => "file",
    }
}

fn damaged(file_type: FileType) -> String {
    match file_type {
        FileType::Docx => "This file is not a Word document we can read: it looks damaged. Save \
                           it again from your word processor, or paste the text instead."
            .into(),
        FileType::Odt => "This file is not an OpenDocument text we can read: it looks damaged. \
                          Save it again from your word processor, or paste the text instead."
            .into(),
        FileType::Rtf => "This file is not an RTF document we can read: it looks damaged. Save \
                          it again from your word processor (as .docx if you can), or paste the \
                          text instead."
            .into(),
        FileType::Pdf => "We cannot read the text of this PDF: it looks damaged. Export it again \
                          from the program that made it, or send it as .docx."
            .into(),
        FileType::Html => "We cannot read this web page: it looks damaged. Save it again from \
                           your browser, or paste the text instead."
            .into(),
        FileType::Markdown | FileType::PlainText => "We cannot read this text file: it looks \
                                                     damaged. Save it again as UTF-8 text, or \
                                                     paste the text instead."
            .into(),
        FileType::Mp3 | FileType::M4a | FileType::Ogg | FileType::Wav => format!(
            "We cannot read this {}: it looks damaged or incomplete. Export the recording again \
             as MP3 or M4A and send it again.",
            file_type.describe()
        ),
        FileType::Png | FileType::Jpeg | FileType::Gif | FileType::Webp => format!(
            "We cannot read this {}: it looks damaged or incomplete. Save it again as JPEG or \
             PNG and send it again.",
            file_type.describe()
        ),
        FileType::Unknown => "We cannot read this file: it looks damaged. Send it again as \
                              .docx, .odt, PDF or plain text."
            .into(),
    }
}
