//! The one judge of a piece, whichever way it came in (the web form or an email): limits (words,
//! pages, minutes, bytes; soft and hard), the formats each kind takes, what a piece must have
//! before it is sent, the title's length, and the deadline with its grace and late flag.
//!
//! Each finding has a stable [`Code`] and one sentence that says what to do; the web shows that
//! sentence beside the field, an email answer quotes it. Both adapters call [`judge`] and nothing
//! else, so a piece is refused, warned about or taken alike on both paths.

use jiff::Timestamp;
use serde::Serialize;

use crate::call::{Bounds, Call, CallPhase, Format, Kind, human_bytes};
use crate::submission::{Piece, parse_link};
use crate::text;

/// A title longer than this many characters is refused.
pub const TITLE_MAX_CHARS: usize = 300;
/// A summary is short: refused above this many words.
pub const SUMMARY_MAX_WORDS: usize = 100;
/// A bio is short: refused above this many words.
pub const BIO_MAX_WORDS: usize = 150;

/// What a limit measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    Words,
    Pages,
    Minutes,
}

impl Measure {
    fn unit(self) -> &'static str {
        match self {
            Measure::Words => "words",
            Measure::Pages => "pages",
            Measure::Minutes => "minutes",
        }
    }
}

/// Why a piece is refused or warned about. The words [`Code::as_str`] gives are stable: tests,
/// the audit trail and the web page's markup name findings by them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Code {
    /// The piece's kind is not one the call takes.
    KindUnknown,
    /// No themed day (nor "any day") chosen.
    DaysMissing,
    TitleMissing,
    TitleTooLong,
    /// A warning: the piece has no summary (the receipt asks for one).
    SummaryMissing,
    SummaryTooLong,
    /// A warning: no author's name to publish yet.
    AuthorMissing,
    BioTooLong,
    /// A text kind without text.
    TextMissing,
    /// A document kind without its file.
    DocumentMissing,
    /// An audio kind with neither a file nor a link.
    AudioMissing,
    /// The link given is not a web address.
    LinkInvalid,
    /// A warning: audio given as a link whose length nobody said.
    DurationUnknown,
    /// A file in a format the piece's kind does not take.
    FileFormat,
    /// A file over the kind's byte limit.
    FileTooLarge,
    /// Over the hard limit: refused.
    OverLimit(Measure),
    /// Under the hard minimum: refused.
    UnderLimit(Measure),
    /// Over the advised length, under the hard limit: a warning.
    OverAdvised(Measure),
    /// Under the advised length, over any hard minimum: a warning.
    UnderAdvised(Measure),
    /// After the deadline and any grace, and the call takes no late pieces.
    Closed,
    /// A warning: after the deadline and any grace, taken and marked late.
    Late,
    /// A warning: after the deadline, inside the grace period: on time.
    InGrace,
}

impl Code {
    /// The stable word for this finding: `words_over_limit`, `file_format`.
    pub fn as_str(self) -> &'static str {
        use Measure::*;
        match self {
            Code::KindUnknown => "kind_unknown",
            Code::DaysMissing => "days_missing",
            Code::TitleMissing => "title_missing",
            Code::TitleTooLong => "title_too_long",
            Code::SummaryMissing => "summary_missing",
            Code::SummaryTooLong => "summary_too_long",
            Code::AuthorMissing => "author_missing",
            Code::BioTooLong => "bio_too_long",
            Code::TextMissing => "text_missing",
            Code::DocumentMissing => "document_missing",
            Code::AudioMissing => "audio_missing",
            Code::LinkInvalid => "link_invalid",
            Code::DurationUnknown => "duration_unknown",
            Code::FileFormat => "file_format",
            Code::FileTooLarge => "file_too_large",
            Code::OverLimit(Words) => "words_over_limit",
            Code::OverLimit(Pages) => "pages_over_limit",
            Code::OverLimit(Minutes) => "minutes_over_limit",
            Code::UnderLimit(Words) => "words_under_limit",
            Code::UnderLimit(Pages) => "pages_under_limit",
            Code::UnderLimit(Minutes) => "minutes_under_limit",
            Code::OverAdvised(Words) => "words_over_advised",
            Code::OverAdvised(Pages) => "pages_over_advised",
            Code::OverAdvised(Minutes) => "minutes_over_advised",
            Code::UnderAdvised(Words) => "words_under_advised",
            Code::UnderAdvised(Pages) => "pages_under_advised",
            Code::UnderAdvised(Minutes) => "minutes_under_advised",
            Code::Closed => "closed",
            Code::Late => "late",
            Code::InGrace => "in_grace",
        }
    }

    /// True for what a draft may still lack: these refuse sending, not saving.
    pub fn is_missing(self) -> bool {
        matches!(
            self,
            Code::DaysMissing
                | Code::TitleMissing
                | Code::TextMissing
                | Code::DocumentMissing
                | Code::AudioMissing
        )
    }
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// One thing the judge found: its code, the part of the piece it concerns (the web form's field
/// name: `title`, `body`, `document`, `author_bio_0`), and the sentence that says what to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub code: Code,
    pub field: String,
    pub message: String,
}

impl Finding {
    fn new(code: Code, field: &str, message: impl Into<String>) -> Self {
        Self {
            code,
            field: field.to_owned(),
            message: message.into(),
        }
    }

    /// A link that is not a web address: what a form that reads the link first reports.
    pub fn link_invalid() -> Self {
        Self::new(Code::LinkInvalid, "link", LINK_SENTENCE)
    }
}

/// What a contributor is told of a piece offered for no day.
pub const DAYS_SENTENCE: &str =
    "Say which themed day or days the piece is for, or \u{201c}any day\u{201d}";

/// What a contributor is told of a link that is not a web address.
pub const LINK_SENTENCE: &str = "Give the link as a full web address starting with https://";

/// What the judge decided: what refuses the piece, what it is warned about, and whether it is
/// late (taken after the deadline and any grace, flagged).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Verdict {
    pub refusals: Vec<Finding>,
    pub warnings: Vec<Finding>,
    pub late: bool,
}

impl Verdict {
    /// True when the piece may be sent as it is.
    pub fn may_send(&self) -> bool {
        self.refusals.is_empty()
    }

    /// The warnings worth telling in a receipt: all but "late", which the receipt says itself.
    pub fn notes(&self) -> Vec<String> {
        self.warnings
            .iter()
            .filter(|f| f.code != Code::Late)
            .map(|f| f.message.clone())
            .collect()
    }

    /// Puts a refusal first (a file the piece's kind does not take), dropping the judge's own
    /// refusal of the same part of the piece: one sentence a part, as a form shows them.
    pub fn refuse_first(&mut self, finding: Finding) {
        self.refusals.retain(|f| f.field != finding.field);
        self.refusals.insert(0, finding);
    }

    /// The codes of the refusals: for the audit trail of a piece kept as a draft.
    pub fn refusal_codes(&self) -> Vec<&'static str> {
        self.refusals.iter().map(|f| f.code.as_str()).collect()
    }

    /// The codes of every finding, refusals first: for the audit trail.
    pub fn codes(&self) -> Vec<&'static str> {
        self.refusals
            .iter()
            .chain(&self.warnings)
            .map(|f| f.code.as_str())
            .collect()
    }
}

/// What kinds of file a kind of this format takes, for people: "a Word (.docx) …".
pub fn what_to_send(format: Format) -> &'static str {
    match format {
        Format::Text => {
            "a Word (.docx), OpenDocument (.odt), RTF, Markdown, plain text, HTML or PDF file, or the text pasted in"
        }
        Format::Document => "a PDF",
        Format::Audio => "an audio file (MP3, M4A, OGG or WAV), or a link to the episode",
    }
}

/// The shape of a file, from its (sniffed) MIME type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileShape {
    /// A word processor's or a text file: .docx, .odt, .rtf, .md, .txt, .html.
    Written,
    Pdf,
    Audio,
    Image,
    Other,
}

impl FileShape {
    /// Reads a MIME type (parameters and case ignored).
    pub fn of_mime(mime: &str) -> Self {
        let mime = mime.trim().to_ascii_lowercase();
        let essence = mime.split(';').next().unwrap_or("").trim();
        match essence {
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            | "application/vnd.oasis.opendocument.text"
            | "application/msword"
            | "application/rtf"
            | "text/rtf"
            | "text/plain"
            | "text/markdown"
            | "text/html" => FileShape::Written,
            "application/pdf" => FileShape::Pdf,
            audio if audio.starts_with("audio/") => FileShape::Audio,
            image if image.starts_with("image/") => FileShape::Image,
            _ => FileShape::Other,
        }
    }

    /// True when a kind of `format` takes a file of this shape: text kinds take written files
    /// and PDFs (their text is read for counting, the PDF kept as the original).
    pub fn suits(self, format: Format) -> bool {
        matches!(
            (format, self),
            (Format::Text, FileShape::Written | FileShape::Pdf)
                | (Format::Document, FileShape::Pdf)
                | (Format::Audio, FileShape::Audio)
        )
    }
}

/// Judges a file offered for a piece of `kind` before it is kept: its format, then its size.
/// `described` is the file's type for people, with its article ("a Word document (.docx)").
pub fn check_file(kind: &Kind, mime: &str, described: &str, size: u64) -> Option<Finding> {
    let name = kind.name.to_lowercase();
    if !FileShape::of_mime(mime).suits(kind.format) {
        return Some(Finding::new(
            Code::FileFormat,
            "document",
            format!(
                "This file is {described}, which a {name} cannot be sent as: send {}",
                what_to_send(kind.format)
            ),
        ));
    }
    if let Some(max) = kind.limits.bytes.and_then(|bytes| bytes.refuse_above())
        && size > max
    {
        let instead = if kind.format == Format::Audio {
            ", or send a link to it"
        } else {
            ""
        };
        return Some(Finding::new(
            Code::FileTooLarge,
            "document",
            format!(
                "The file is {}: a {name} can be at most {}. Make it smaller{instead}",
                human_bytes(size),
                human_bytes(max)
            ),
        ));
    }
    None
}

/// Judges `piece` as a piece of `call` sent at `moment`. `open_until`, when set and later than
/// `moment`, lets this one piece be changed on time after the deadline (an editor's request for
/// changes). The deadline's refusal comes alone: nothing else matters to a closed call.
pub fn judge(
    call: &Call,
    piece: &Piece,
    moment: Timestamp,
    open_until: Option<Timestamp>,
) -> Verdict {
    let mut verdict = Verdict::default();
    let held_open = open_until.is_some_and(|until| moment < until);
    if !held_open {
        match call.phase(moment) {
            CallPhase::Open { .. } => {}
            CallPhase::Grace { .. } => verdict.warnings.push(Finding::new(
                Code::InGrace,
                "deadline",
                format!(
                    "The deadline ({}) has passed, but the call takes pieces until {}: this one is on time",
                    deadline_words(call),
                    call.local(call.closes_at()).strftime("%H:%M %Z")
                ),
            )),
            CallPhase::Closed { accept_late: true } => {
                verdict.late = true;
                verdict.warnings.push(Finding::new(
                    Code::Late,
                    "deadline",
                    "It arrived after the deadline and is marked late",
                ));
            }
            CallPhase::Closed { accept_late: false } => {
                verdict.refusals.push(Finding::new(
                    Code::Closed,
                    "deadline",
                    closed_sentence(call),
                ));
                return verdict;
            }
        }
    }
    let Some(kind) = call.kind(&piece.kind) else {
        let kinds: Vec<String> = call.kinds.iter().map(|k| k.name.to_lowercase()).collect();
        verdict.refusals.push(Finding::new(
            Code::KindUnknown,
            "kind",
            format!(
                "Say what you are sending: this call takes {}",
                join_or(&kinds)
            ),
        ));
        return verdict;
    };
    let refuse = |verdict: &mut Verdict, code, field: &str, message: String| {
        verdict.refusals.push(Finding::new(code, field, message));
    };
    let warn = |verdict: &mut Verdict, code, field: &str, message: String| {
        verdict.warnings.push(Finding::new(code, field, message));
    };
    if piece.days.is_none() {
        refuse(
            &mut verdict,
            Code::DaysMissing,
            "days",
            DAYS_SENTENCE.into(),
        );
    }
    let title_chars = piece.title.trim().chars().count();
    if title_chars == 0 {
        refuse(
            &mut verdict,
            Code::TitleMissing,
            "title",
            "Give the piece a title".into(),
        );
    } else if title_chars > TITLE_MAX_CHARS {
        refuse(
            &mut verdict,
            Code::TitleTooLong,
            "title",
            format!(
                "The title is {title_chars} characters: shorten it to {TITLE_MAX_CHARS} or fewer"
            ),
        );
    }
    let summary_words = text::count_words(&piece.summary);
    if summary_words == 0 {
        warn(
            &mut verdict,
            Code::SummaryMissing,
            "summary",
            format!(
                "Add a short summary of up to {SUMMARY_MAX_WORDS} words: it is what the editors read first"
            ),
        );
    } else if summary_words > SUMMARY_MAX_WORDS {
        refuse(
            &mut verdict,
            Code::SummaryTooLong,
            "summary",
            format!(
                "The summary is {summary_words} words: keep it to {SUMMARY_MAX_WORDS} or fewer"
            ),
        );
    }
    if !piece.authors.iter().any(|a| !a.name.trim().is_empty()) {
        warn(
            &mut verdict,
            Code::AuthorMissing,
            "author_name_0",
            "Add the name of at least one author, as it should be published".into(),
        );
    }
    for (index, author) in piece.authors.iter().enumerate() {
        let words = text::count_words(&author.bio);
        if words > BIO_MAX_WORDS {
            refuse(
                &mut verdict,
                Code::BioTooLong,
                &format!("author_bio_{index}"),
                format!(
                    "Author {}'s bio is {words} words: keep it to {BIO_MAX_WORDS} or fewer",
                    index + 1
                ),
            );
        }
    }
    if let Some(document) = &piece.document {
        let described = describe_mime(&document.mime);
        if let Some(finding) = check_file(kind, &document.mime, described, document.size) {
            verdict.refusals.push(finding);
        }
    }
    if let Some(link) = &piece.link
        && parse_link(link).is_err()
    {
        verdict.refusals.push(Finding::link_invalid());
    }
    let kind_name = kind.name.to_lowercase();
    match kind.format {
        Format::Text => {
            let words = text::count_markdown_words(&piece.body) as u64;
            if words == 0 {
                refuse(
                    &mut verdict,
                    Code::TextMissing,
                    "body",
                    "Paste the text of your piece, or attach it as a document".into(),
                );
            } else {
                limit(
                    &mut verdict,
                    kind.limits.words,
                    Measure::Words,
                    words,
                    &kind_name,
                    "body",
                );
            }
        }
        Format::Document => match (&piece.document, piece.pages) {
            (None, _) => refuse(
                &mut verdict,
                Code::DocumentMissing,
                "document",
                "Attach your document as a PDF".into(),
            ),
            (Some(_), Some(pages)) => limit(
                &mut verdict,
                kind.limits.pages,
                Measure::Pages,
                u64::from(pages),
                &kind_name,
                "document",
            ),
            (Some(_), None) => {}
        },
        Format::Audio => {
            if piece.document.is_none() && piece.link.is_none() {
                refuse(
                    &mut verdict,
                    Code::AudioMissing,
                    "document",
                    "Attach the audio file, or give a link to the episode".into(),
                );
            }
            match piece.minutes {
                Some(minutes) => limit(
                    &mut verdict,
                    kind.limits.minutes,
                    Measure::Minutes,
                    minutes.ceil() as u64,
                    &kind_name,
                    "minutes",
                ),
                None if piece.document.is_none() && piece.link.is_some() => warn(
                    &mut verdict,
                    Code::DurationUnknown,
                    "minutes",
                    "Say how long the episode is (for example \u{201c}25 minutes\u{201d}); until then the editors will check its length".into(),
                ),
                None => {}
            }
        }
    }
    verdict
}

/// Judges `value` against a kind's bounds, adding the finding, if any, to `verdict`.
fn limit(
    verdict: &mut Verdict,
    bounds: Option<Bounds>,
    measure: Measure,
    value: u64,
    kind: &str,
    field: &str,
) {
    let Some(bounds) = bounds else { return };
    let unit = measure.unit();
    let advised = bounds.describe(unit);
    let (list, code, message) = if let Some(max) = bounds.refuse_above()
        && value > max
    {
        let over = value - bounds.max.unwrap_or(max);
        (
            &mut verdict.refusals,
            Code::OverLimit(measure),
            format!(
                "This {kind} is {value} {unit}: the call asks for {advised} and takes at most {max} {unit}. Cut about {over} {unit}"
            ),
        )
    } else if let Some(min) = bounds.hard_min
        && value < min
    {
        (
            &mut verdict.refusals,
            Code::UnderLimit(measure),
            format!(
                "This {kind} is {value} {unit}: the call asks for {advised} and takes no fewer than {min} {unit}"
            ),
        )
    } else if let Some(max) = bounds.max
        && value > max
    {
        (
            &mut verdict.warnings,
            Code::OverAdvised(measure),
            format!(
                "This {kind} is {value} {unit}, more than the call asks for ({advised}). You can still send it; the editors may ask you to shorten it"
            ),
        )
    } else if let Some(min) = bounds.min
        && value < min
    {
        (
            &mut verdict.warnings,
            Code::UnderAdvised(measure),
            format!(
                "This {kind} is {value} {unit}, fewer than the call asks for ({advised}). You can still send it"
            ),
        )
    } else {
        return;
    };
    list.push(Finding::new(code, field, message));
}

/// What a contributor is told once a call takes nothing more.
pub fn closed_sentence(call: &Call) -> String {
    format!(
        "The deadline for {} was {}. Submissions and changes are closed; contact the organisers if you need to reach them",
        call.title,
        deadline_words(call)
    )
}

/// "12:00 GMT on Saturday 5 November 2022".
fn deadline_words(call: &Call) -> String {
    call.deadline_local()
        .strftime("%H:%M %Z on %A %-d %B %Y")
        .to_string()
}

/// "a, b or c".
fn join_or(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [only] => only.clone(),
        [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
    }
}

/// A stored file's type for people, with its article, from its MIME type: "a Word document
/// (.docx)". The one table of these descriptions (`docket-documents` names its types by it).
pub fn describe_mime(mime: &str) -> &'static str {
    let mime = mime.trim().to_ascii_lowercase();
    match mime.split(';').next().unwrap_or("").trim() {
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document" => {
            "a Word document (.docx)"
        }
        "application/vnd.oasis.opendocument.text" => "an OpenDocument text (.odt)",
        "application/rtf" | "text/rtf" => "an RTF document (.rtf)",
        "application/pdf" => "a PDF document (.pdf)",
        "text/html" => "a web page (.html)",
        "text/markdown" => "a Markdown file (.md)",
        "text/plain" => "a plain text file (.txt)",
        "audio/mpeg" => "an MP3 audio file (.mp3)",
        "audio/mp4" => "an AAC audio file (.m4a)",
        "audio/ogg" => "an Ogg audio file (.ogg)",
        "audio/wav" => "a WAV audio file (.wav)",
        "image/png" => "a PNG image (.png)",
        "image/jpeg" => "a JPEG image (.jpg)",
        "image/gif" => "a GIF image (.gif)",
        "image/webp" => "a WebP image (.webp)",
        _ => "a file of an unknown kind",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::submission::{AssetRef, Author, CandidateDays};

    fn seed() -> Call {
        let source = include_str!("../../../calls/digital-justice-week-2022.toml");
        crate::call_file::check(source).call.expect("the seed call")
    }

    fn at(text: &str) -> Timestamp {
        text.parse().expect("an instant")
    }

    /// Mid-October 2022: the seed call is open.
    const OPEN: &str = "2022-10-20T09:00:00Z";

    fn blog(words: usize) -> Piece {
        Piece {
            kind: "blog".into(),
            days: Some(CandidateDays::AnyDay),
            title: "Joining up probation and police records".into(),
            summary: "What we learnt.".into(),
            body: vec!["word"; words].join(" "),
            authors: vec![Author {
                name: "Ada".into(),
                ..Author::default()
            }],
            ..Piece::default()
        }
    }

    fn codes(findings: &[Finding]) -> Vec<&'static str> {
        findings.iter().map(|f| f.code.as_str()).collect()
    }

    #[test]
    fn a_blog_is_judged_at_and_around_each_bound() {
        let call = seed();
        // The seed's blog: 600–800 advised, refused above 1,000.
        for (words, refusals, warnings) in [
            (599, vec![], vec!["words_under_advised"]),
            (600, vec![], vec![]),
            (800, vec![], vec![]),
            (801, vec![], vec!["words_over_advised"]),
            (1000, vec![], vec!["words_over_advised"]),
            (1001, vec!["words_over_limit"], vec![]),
        ] {
            let verdict = judge(&call, &blog(words), at(OPEN), None);
            assert_eq!(codes(&verdict.refusals), refusals, "{words} words");
            assert_eq!(codes(&verdict.warnings), warnings, "{words} words");
        }
        let verdict = judge(&call, &blog(1200), at(OPEN), None);
        assert_eq!(
            verdict.refusals[0].message,
            "This guest blog is 1200 words: the call asks for 600–800 words and takes at most 1000 words. Cut about 400 words"
        );
    }

    #[test]
    fn what_a_draft_may_lack_refuses_sending_only() {
        let call = seed();
        let piece = Piece {
            kind: "blog".into(),
            ..Piece::default()
        };
        let verdict = judge(&call, &piece, at(OPEN), None);
        assert_eq!(
            codes(&verdict.refusals),
            ["days_missing", "title_missing", "text_missing"]
        );
        assert!(verdict.refusals.iter().all(|f| f.code.is_missing()));
        assert_eq!(
            codes(&verdict.warnings),
            ["summary_missing", "author_missing"]
        );
    }

    #[test]
    fn the_deadline_grace_and_a_piece_held_open_are_judged_in_the_calls_zone() {
        let mut call = seed();
        call.deadline.grace_minutes = 30;
        // Midday GMT on 5 November 2022 is 12:00 UTC.
        let before = judge(&call, &blog(700), at("2022-11-05T11:59:59Z"), None);
        assert!(before.warnings.is_empty() && before.refusals.is_empty());
        let grace = judge(&call, &blog(700), at("2022-11-05T12:10:00Z"), None);
        assert_eq!(codes(&grace.warnings), ["in_grace"]);
        assert!(grace.warnings[0].message.contains("until 12:30 GMT"));
        let closed = judge(&call, &blog(700), at("2022-11-05T12:30:00Z"), None);
        assert_eq!(codes(&closed.refusals), ["closed"]);
        assert!(
            closed.refusals[0]
                .message
                .contains("12:00 GMT on Saturday 5 November 2022")
        );
        // An editor let this one piece change until the 10th.
        let held = judge(
            &call,
            &blog(700),
            at("2022-11-08T09:00:00Z"),
            Some(at("2022-11-10T12:00:00Z")),
        );
        assert!(held.may_send() && !held.late, "{held:?}");
        call.deadline.accept_late = true;
        let late = judge(&call, &blog(700), at("2022-11-06T09:00:00Z"), None);
        assert!(late.may_send() && late.late);
        assert_eq!(codes(&late.warnings), ["late"]);
        assert!(late.notes().is_empty(), "the receipt says late itself");
    }

    #[test]
    fn files_must_suit_the_kind_and_its_byte_limit() {
        let call = seed();
        let podcast = call.kind("podcast").expect("the seed call has this kind");
        let docx = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
        let refused =
            check_file(podcast, docx, describe_mime(docx), 1000).expect("the file is refused");
        assert_eq!(refused.code, Code::FileFormat);
        assert_eq!(
            refused.message,
            "This file is a Word document (.docx), which a podcast cannot be sent as: send an audio file (MP3, M4A, OGG or WAV), or a link to the episode"
        );
        let big = check_file(podcast, "audio/mpeg", "an MP3", 200 * 1024 * 1024)
            .expect("the file is refused");
        assert_eq!(big.code, Code::FileTooLarge);
        assert!(
            big.message.ends_with("or send a link to it"),
            "{}",
            big.message
        );
        // A text kind takes a PDF; a document kind does not take a .docx.
        let case_study = call
            .kind("case-study")
            .expect("the seed call has this kind");
        assert!(check_file(case_study, "application/pdf", "a PDF", 1000).is_none());
        let whitepaper = call
            .kind("whitepaper")
            .expect("the seed call has this kind");
        assert!(check_file(whitepaper, docx, "a Word document", 1000).is_some());
    }

    #[test]
    fn a_podcast_link_without_a_length_is_left_for_the_editors() {
        let call = seed();
        let mut piece = blog(0);
        piece.kind = "podcast".into();
        piece.body.clear();
        piece.link = Some("https://podcasts.example.org/ep12.mp3".into());
        let verdict = judge(&call, &piece, at(OPEN), None);
        assert!(verdict.may_send());
        assert_eq!(codes(&verdict.warnings), ["duration_unknown"]);
        piece.minutes = Some(75.0);
        let verdict = judge(&call, &piece, at(OPEN), None);
        assert_eq!(codes(&verdict.refusals), ["minutes_over_limit"]);
        piece.document = Some(AssetRef {
            id: 1,
            name: "ep.docx".into(),
            mime: "application/vnd.oasis.opendocument.text".into(),
            size: 10,
        });
        let verdict = judge(&call, &piece, at(OPEN), None);
        assert_eq!(
            codes(&verdict.refusals),
            ["file_format", "minutes_over_limit"]
        );
    }

    #[test]
    fn titles_summaries_and_bios_have_caps() {
        let call = seed();
        let mut piece = blog(700);
        piece.title = "t".repeat(301);
        piece.summary = vec!["w"; 101].join(" ");
        piece.authors[0].bio = vec!["w"; 151].join(" ");
        let verdict = judge(&call, &piece, at(OPEN), None);
        assert_eq!(
            codes(&verdict.refusals),
            ["title_too_long", "summary_too_long", "bio_too_long"]
        );
        assert_eq!(verdict.refusals[2].field, "author_bio_0");
        piece.title = "t".repeat(300);
        piece.kind = "zine".into();
        let verdict = judge(&call, &piece, at(OPEN), None);
        assert_eq!(codes(&verdict.refusals), ["kind_unknown"]);
        assert_eq!(
            verdict.refusals[0].message,
            "Say what you are sending: this call takes guest blog, case study, whitepaper or podcast"
        );
    }
}
