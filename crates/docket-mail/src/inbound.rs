//! Inbound email, the pure part: a raw RFC 5322 message in, what a contributor sent out —
//! sender, subject, the new text they wrote (no quotes, no signature), their attachments, and
//! whether the message was sent by a machine (so that nothing answers it automatically).
//!
//! No I/O: the IMAP poller or `docket mail receive` reads the bytes, and
//! [`docket_core::recognise`] reads days and kind from [`Inbound::subject`] and [`Inbound::text`].
//!
//! # What is read
//!
//! * MIME through `mail-parser` (quoted-printable, base64, RFC 2047 encoded words in headers,
//!   RFC 2231 parameters, ISO-8859-x, windows-125x, UTF-8 and the multibyte charsets).
//! * The text is the `text/plain` body (joined when a client sends several inline parts, and
//!   `format=flowed` reflowed), or, when the message has no plain part, its HTML part turned into
//!   text with html5ever. It is capped at [`MAX_TEXT_CHARS`]; a cover note is far shorter.
//! * **Quoted replies are removed**: "> " lines (new text between them is kept: that is an
//!   inline answer), "On … wrote:" attributions (also wrapped over two or three lines, and the
//!   German and French forms), Outlook's "-----Original Message-----" and "From: … Sent: … To: …"
//!   header blocks with everything after them, and in HTML, `<blockquote>` elements.
//! * **Forwards keep their content**: a message whose subject starts with "Fwd:"/"Fw:" or that
//!   holds a forward marker ("---------- Forwarded message ---------", "Begin forwarded
//!   message:", "-------- Forwarded Message --------") is a contributor passing a piece on, so
//!   the forwarded text is kept; only the marker and the header lines under it (From, Date,
//!   Subject, To, Cc) are dropped.
//! * **Signatures are removed**: from the "-- " delimiter, a device tagline ("Sent from my
//!   iPhone", "Get Outlook for Android"), or a line that is only a valediction ("Kind regards,",
//!   "Best wishes, Priya", "Thanks") after some text, to the end of the text (or to the next
//!   forwarded message). A "P.S." after the valediction is kept. Signatures often hold office
//!   hours ("Mon–Fri", "Tue–Thu"), which must not read as candidate days.
//! * Attachments: every attached part, with its decoded name. Inline images without a file name
//!   (logos referenced from HTML) are skipped, and so are a report's nameless machine parts
//!   (`message/delivery-status`, `text/rfc822-headers`). An attached message (`message/rfc822`, a forward
//!   "as attachment") is not itself an attachment: its own attachments are, to
//!   [`MAX_NESTING`] levels.
//!
//! # Automatic messages
//!
//! [`Inbound::automatic`] says why no automatic answer may be sent (RFC 3834): `Auto-Submitted`
//! other than `no`; `Precedence: bulk`, `list`, `junk` or `auto_reply`; a `List-Id`; a sender
//! that is `MAILER-DAEMON` or `postmaster`; an empty return path (`Return-Path: <>`); a
//! `multipart/report` (delivery status or read receipt); `X-Autoreply`/`X-Autorespond` (and
//! `X-Autoreply`'s kin `X-Autorespond`, `X-AutoReply-From`, `X-Mail-Autoreply`).

use std::fmt;

use mail_parser::{Address, HeaderValue, Message, MessageParser, MimeHeaders, PartType};

/// The largest raw message read: 48 MiB, enough for the biggest file a call takes by email (a
/// 20 MiB whitepaper is 27 MiB once base64-encoded) with room for the rest.
pub const MAX_MESSAGE_BYTES: usize = 48 * 1024 * 1024;

/// The most characters of body text read, before quotes and signatures are removed.
pub const MAX_TEXT_CHARS: usize = 1024 * 1024;

/// How deep attached messages are opened for their attachments.
pub const MAX_NESTING: usize = 3;

/// HTML larger than this is cut before it is turned into text.
const MAX_HTML_BYTES: usize = 2 * 1024 * 1024;

/// HTML nesting elements deeper than this is turned into text by stripping tags instead of
/// parsing: html5ever's tree builder slows down with the square of the depth.
const MAX_HTML_DEPTH: usize = 500;

/// One attached file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    /// The file name as the sender's client gave it, RFC 2231/2047 decoded; never a path to use.
    pub name: Option<String>,
    /// The declared MIME type, lower case (`application/pdf`); `application/octet-stream` when
    /// none was declared. Sniff the bytes before trusting it.
    pub mime: String,
    pub bytes: Vec<u8>,
}

/// What an inbound message holds, as Docket uses it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inbound {
    /// Without angle brackets.
    pub message_id: Option<String>,
    /// The first id of `In-Reply-To`, without angle brackets.
    pub in_reply_to: Option<String>,
    /// `References`, oldest first, without angle brackets.
    pub references: Vec<String>,
    /// The first `From` address: (display name, address). A claim, never an identity.
    pub from: Option<(Option<String>, docket_core::Address)>,
    pub reply_to: Option<docket_core::Address>,
    pub to: Vec<docket_core::Address>,
    pub cc: Vec<docket_core::Address>,
    /// Decoded; empty when there is none.
    pub subject: String,
    /// New text only: the plain part (or the HTML part turned to text when there is no plain
    /// part), with quoted replies ("> ..." lines, "On … wrote:" blocks, Outlook
    /// "-----Original Message-----"/"From: … Sent: …" headers and everything after), and
    /// signatures ("-- " delimiter, common sign-offs like "Sent from my iPhone") removed.
    pub text: String,
    /// Inline images without a filename are skipped; forwarded message/rfc822 parts: their
    /// attachments are included.
    pub attachments: Vec<Attachment>,
    /// For a forward: who wrote the forwarded message, from the From line its client quoted
    /// under the forward marker. A claim, like `from`: it names an author, never an account.
    pub forwarded_from: Option<Person>,
    /// Why no automatic answer may be sent, if so: Auto-Submitted other than "no", Precedence
    /// bulk/list/junk, List-Id, from MAILER-DAEMON/postmaster, a delivery-status report
    /// (multipart/report), X-Autoreply/X-Autorespond.
    pub automatic: Option<String>,
}

/// A person as a mail client quotes them: "Ada Lovelace <ada@uni.example>", "Lovelace, Ada
/// [mailto:ada@uni.example]", a bare address or a bare name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub name: Option<String>,
    pub address: Option<docket_core::Address>,
}

impl Person {
    fn parse(value: &str) -> Option<Person> {
        let value = value.trim().trim_matches('*').trim();
        let (name, address) = match value.find(['<', '[']) {
            Some(open) => {
                let inner = value[open + 1..]
                    .trim_end()
                    .trim_end_matches(['>', ']'])
                    .trim();
                let inner = inner.strip_prefix("mailto:").unwrap_or(inner);
                (&value[..open], inner)
            }
            None if value.contains('@') && !value.contains(char::is_whitespace) => ("", value),
            None => (value, ""),
        };
        let address = (address.contains('@') && !address.contains(char::is_whitespace))
            .then(|| docket_core::Address::new(address));
        let name = name.trim().trim_matches(['"', '\'', '*']).trim();
        // "Lovelace, Ada", as Outlook writes a directory name.
        let name = match name.split_once(", ") {
            Some((last, first)) if !last.contains(' ') && !first.contains(' ') => {
                format!("{first} {last}")
            }
            _ => name.to_owned(),
        };
        let name = (!name.is_empty() && !name.contains('@')).then_some(name);
        (name.is_some() || address.is_some()).then_some(Person { name, address })
    }
}

/// The author of a forwarded message: the From line of the first header block under a forward
/// marker ("---------- Forwarded message ---------", "Begin forwarded message:", or an
/// Outlook-style "From: … Sent: … To: … Subject: …" block in a forward).
fn forwarded_from(text: &str, forward: bool) -> Option<Person> {
    if !forward {
        return None;
    }
    let normalised = text.replace("\r\n", "\n");
    let lines: Vec<&str> = normalised.lines().collect();
    let start = lines
        .iter()
        .position(|line| is_forward_marker(line) || is_original_message(line))
        .map(|at| at + 1)
        .or_else(|| (0..lines.len()).find(|&at| header_block_at(&lines, at)))?;
    for line in lines.iter().skip(start).take(10) {
        match header_line(line).as_deref() {
            Some("from" | "von" | "de") => {
                let (_, value) = line.split_once(':')?;
                return Person::parse(value);
            }
            Some(_) => {}
            None if line.trim().is_empty() || line.trim().chars().all(|c| c == '_') => {}
            None => return None,
        }
    }
    None
}

/// Why a message could not be read at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InboundError {
    /// No bytes, or only white space.
    Empty,
    /// Larger than [`MAX_MESSAGE_BYTES`].
    TooLarge { size: usize, limit: usize },
    /// No header fields could be read: not an email message.
    NotAMessage,
}

impl fmt::Display for InboundError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InboundError::Empty => f.write_str("the message is empty"),
            InboundError::TooLarge { size, limit } => {
                write!(
                    f,
                    "the message is {size} bytes, over the {limit}-byte limit"
                )
            }
            InboundError::NotAMessage => {
                f.write_str("the data is not an email message: no header fields could be read")
            }
        }
    }
}

impl std::error::Error for InboundError {}

impl InboundError {
    /// A sentence for the sender or the organiser, saying what to do.
    pub fn user_message(&self) -> String {
        match self {
            InboundError::Empty => {
                "Your email arrived empty, so there was nothing to read. Please send it again \
                 with your piece attached."
                    .into()
            }
            InboundError::TooLarge { size, limit } => format!(
                "Your email is {}, larger than the {} Docket can take by email. Please upload \
                 the file on the call's page instead, or send a link to it.",
                docket_core::call::human_bytes(*size as u64),
                docket_core::call::human_bytes(*limit as u64)
            ),
            InboundError::NotAMessage => {
                "This could not be read as an email message. If you sent a piece, please send \
                 it again from your email program, or submit it on the call's page."
                    .into()
            }
        }
    }
}

/// Reads a raw message. Never panics: anything that is not an email is an [`InboundError`], and
/// a damaged email gives what could be read (missing parts are empty).
pub fn parse(raw: &[u8]) -> Result<Inbound, InboundError> {
    if raw.len() > MAX_MESSAGE_BYTES {
        return Err(InboundError::TooLarge {
            size: raw.len(),
            limit: MAX_MESSAGE_BYTES,
        });
    }
    if raw.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(InboundError::Empty);
    }
    let message = MessageParser::default()
        .parse(raw)
        .ok_or(InboundError::NotAMessage)?;
    // mail-parser reads a header out of almost anything: a message has at least one field
    // whose name is printable ASCII (NUL-filled or binary data has none).
    let named = message.headers().iter().any(|h| {
        let name = h.name();
        !name.is_empty()
            && name.len() <= 76
            && name.bytes().all(|b| (33..=126).contains(&b) && b != b':')
    });
    if message.parts.is_empty() || !named {
        return Err(InboundError::NotAMessage);
    }
    let subject = message.subject().map(clean_header).unwrap_or_default();
    let forward = is_forward_subject(&subject);
    let (text, quoted_author) = body_text(&message, forward);
    // A forward sent as an attachment (Thunderbird's "Forward as attachment", "Fwd: …") names
    // its author in the attached message's own From. (A bounce attaches a message too: it is no
    // forward.)
    let forwarded_from = quoted_author.or_else(|| {
        if !forward {
            return None;
        }
        message.attachments().find_map(|part| match &part.body {
            PartType::Message(nested) => nested.from().and_then(|address| {
                let first = address.first()?;
                Person::parse(&match (first.name(), first.address()) {
                    (Some(name), Some(email)) => format!("{} <{email}>", clean_header(name)),
                    (None, Some(email)) => email.to_owned(),
                    (Some(name), None) => clean_header(name),
                    (None, None) => return None,
                })
            }),
            _ => None,
        })
    });
    let mut attachments = Vec::new();
    collect_attachments(&message, 0, &mut attachments);
    let from = message.from().and_then(|address| {
        address.iter().find_map(|addr| {
            let email = addr.address()?.trim();
            (!email.is_empty()).then(|| {
                (
                    addr.name()
                        .map(clean_header)
                        .filter(|name| !name.is_empty()),
                    docket_core::Address::new(email),
                )
            })
        })
    });
    Ok(Inbound {
        message_id: message.message_id().map(clean_id),
        in_reply_to: ids(message.in_reply_to()).into_iter().next(),
        references: ids(message.references()),
        reply_to: message
            .reply_to()
            .and_then(|address| addresses(Some(address)).into_iter().next()),
        to: addresses(message.to()),
        cc: addresses(message.cc()),
        automatic: automatic(&message, from.as_ref().map(|(_, email)| email.as_str())),
        from,
        subject,
        text,
        forwarded_from,
        attachments,
    })
}

/// The per-submission reply token in a set of addresses (the message's To and Cc, say).
///
/// Docket's reply addresses have the form `<mailbox>+s<id>-<token>@<domain>`: the inbox's local
/// part, a `+` sub-address tag made of `s`, the submission's id in decimal digits, a hyphen, and
/// a token of 8 to 64 ASCII letters and digits (`submissions+s42-k3xq9vty7bm2@docket.example.org`).
/// The result is `"<id>-<token>"` (`"42-k3xq9vty7bm2"`), as written: mail systems may change
/// the case of a local part, so issue tokens in lower case and compare them in lower case.
/// Addresses may be bare or written `Name <address>`. With `domain_part_hint`, only addresses at
/// that domain (case-insensitive, with or without a leading `@`) count. The first match wins.
pub fn reply_token(
    addresses: &[impl AsRef<str>],
    domain_part_hint: Option<&str>,
) -> Option<String> {
    tagged(addresses, domain_part_hint, 's')
}

/// As [`reply_token`], for a pledge's reply address (`inbox+p7-<token>@…`): `"7-<token>"`.
pub fn pledge_reply_token(addresses: &[impl AsRef<str>]) -> Option<String> {
    tagged(addresses, None, 'p')
}

fn tagged(
    addresses: &[impl AsRef<str>],
    domain_part_hint: Option<&str>,
    prefix: char,
) -> Option<String> {
    addresses.iter().find_map(|written| {
        let written = written.as_ref();
        let address = match (written.rfind('<'), written.rfind('>')) {
            (Some(open), Some(close)) if open < close => &written[open + 1..close],
            _ => written,
        };
        let (local, domain) = address.trim().rsplit_once('@')?;
        if let Some(hint) = domain_part_hint
            && !domain.eq_ignore_ascii_case(hint.trim().trim_start_matches('@'))
        {
            return None;
        }
        let (_, tag) = local.rsplit_once('+')?;
        let rest = tag.strip_prefix([prefix, prefix.to_ascii_uppercase()])?;
        let (id, token) = rest.split_once('-')?;
        let id_ok = !id.is_empty() && id.len() <= 19 && id.bytes().all(|b| b.is_ascii_digit());
        let token_ok =
            (8..=64).contains(&token.len()) && token.bytes().all(|b| b.is_ascii_alphanumeric());
        (id_ok && token_ok).then(|| format!("{id}-{token}"))
    })
}

/// The address without a `+tag` in its local part: `blogs+s42-x@d` and `blogs+dj@d` both reach
/// the mailbox of `blogs@d`.
pub fn without_tag(address: &str) -> String {
    match address.rsplit_once('@') {
        Some((local, domain)) => {
            let local = local.split('+').next().unwrap_or(local);
            format!("{local}@{domain}")
        }
        None => address.to_owned(),
    }
}

// ---------------------------------------------------------------------------------------------
// Headers

/// Unfolded, control characters removed, trimmed.
fn clean_header(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut space = false;
    for c in value.chars() {
        if c.is_whitespace() || c.is_control() {
            space = !out.is_empty();
        } else {
            if space {
                out.push(' ');
                space = false;
            }
            out.push(c);
        }
    }
    out
}

fn clean_id(id: &str) -> String {
    clean_header(id)
        .trim_start_matches('<')
        .trim_end_matches('>')
        .to_owned()
}

fn ids(value: &HeaderValue<'_>) -> Vec<String> {
    let raw: Vec<String> = match value {
        HeaderValue::Text(text) => vec![text.to_string()],
        HeaderValue::TextList(list) => list.iter().map(|t| t.to_string()).collect(),
        _ => Vec::new(),
    };
    raw.iter()
        .flat_map(|t| t.split_whitespace().map(clean_id).collect::<Vec<_>>())
        .filter(|id| !id.is_empty())
        .collect()
}

fn addresses(address: Option<&Address<'_>>) -> Vec<docket_core::Address> {
    let Some(address) = address else {
        return Vec::new();
    };
    address
        .iter()
        .filter_map(|addr| addr.address())
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .map(docket_core::Address::new)
        .collect()
}

/// The raw value of the last header field with this name, unfolded.
fn header_raw(message: &Message<'_>, name: &str) -> Option<String> {
    let header = message
        .headers()
        .iter()
        .rev()
        .find(|h| h.name().eq_ignore_ascii_case(name))?;
    let raw = message
        .raw_message
        .get(header.offset_start() as usize..header.offset_end() as usize)?;
    Some(clean_header(&String::from_utf8_lossy(raw)))
}

fn has_header(message: &Message<'_>, name: &str) -> bool {
    message
        .headers()
        .iter()
        .any(|h| h.name().eq_ignore_ascii_case(name))
}

fn automatic(message: &Message<'_>, from: Option<&str>) -> Option<String> {
    if let Some(value) = header_raw(message, "Auto-Submitted") {
        let keyword = value
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        if keyword != "no" {
            return Some(format!("Auto-Submitted: {value}"));
        }
    }
    if let Some(value) = header_raw(message, "Precedence") {
        let lower = value.trim().to_ascii_lowercase();
        if matches!(lower.as_str(), "bulk" | "list" | "junk" | "auto_reply") {
            return Some(format!("Precedence: {value}"));
        }
    }
    if has_header(message, "List-Id") {
        return Some("List-Id: a mailing list".into());
    }
    if let Some(from) = from {
        let local = from.rsplit_once('@').map_or(from, |(local, _)| local);
        if local.eq_ignore_ascii_case("mailer-daemon") || local.eq_ignore_ascii_case("postmaster") {
            return Some(format!("from {from}"));
        }
    }
    if let Some(value) = header_raw(message, "Return-Path")
        && value.trim() == "<>"
    {
        return Some("Return-Path: <> (a bounce)".into());
    }
    if message.root_part().content_type().is_some_and(|ct| {
        ct.ctype().eq_ignore_ascii_case("multipart")
            && ct
                .subtype()
                .is_some_and(|s| s.eq_ignore_ascii_case("report"))
    }) {
        let report = message
            .root_part()
            .content_type()
            .and_then(|ct| ct.attribute("report-type"))
            .unwrap_or("report")
            .to_owned();
        return Some(format!("multipart/report ({report})"));
    }
    for name in [
        "X-Autoreply",
        "X-Autorespond",
        "X-AutoReply-From",
        "X-Mail-Autoreply",
    ] {
        if let Some(value) = header_raw(message, name)
            && !value.trim().eq_ignore_ascii_case("no")
        {
            return Some(format!("{name}: {value}"));
        }
    }
    None
}

fn is_forward_subject(subject: &str) -> bool {
    let lower = subject.trim_start().to_lowercase();
    [
        "fwd:", "fw:", "fwd :", "fw :", "wg:", "tr:", "doorst:", "rv:",
    ]
    .iter()
    .any(|prefix| lower.starts_with(prefix))
}

// ---------------------------------------------------------------------------------------------
// Attachments

fn collect_attachments(message: &Message<'_>, depth: usize, out: &mut Vec<Attachment>) {
    for part in message.attachments() {
        match &part.body {
            PartType::Message(nested) => {
                if depth < MAX_NESTING {
                    collect_attachments(nested, depth + 1, out);
                }
            }
            PartType::Multipart(_) => {}
            body => {
                let name = part
                    .attachment_name()
                    .map(decode_name)
                    .filter(|n| !n.is_empty());
                let mime = part
                    .content_type()
                    .map(|ct| match ct.subtype() {
                        Some(sub) => format!("{}/{}", ct.ctype(), sub),
                        None => ct.ctype().to_owned(),
                    })
                    .map(|m| m.trim().to_ascii_lowercase())
                    .filter(|m| m.contains('/'))
                    .unwrap_or_else(|| match body {
                        PartType::Text(_) => "text/plain".into(),
                        PartType::Html(_) => "text/html".into(),
                        _ => "application/octet-stream".into(),
                    });
                // Nameless inline images are logos and spacers; nameless report parts
                // (message/delivery-status, text/rfc822-headers) are a bounce's machinery.
                if name.is_none()
                    && (mime.starts_with("image/")
                        || mime.starts_with("message/")
                        || mime == "text/rfc822-headers")
                {
                    continue;
                }
                let bytes = match body {
                    PartType::Text(text) | PartType::Html(text) => text.as_bytes().to_vec(),
                    PartType::Binary(bytes) | PartType::InlineBinary(bytes) => bytes.to_vec(),
                    _ => Vec::new(),
                };
                out.push(Attachment { name, mime, bytes });
            }
        }
    }
}

/// Names are usually decoded by mail-parser (RFC 2231); some clients put RFC 2047 encoded
/// words inside a quoted parameter, which it leaves alone.
fn decode_name(name: &str) -> String {
    let name = clean_header(name);
    if !(name.contains("=?") && name.contains("?=")) {
        return name;
    }
    let header = format!("Subject: {name}\r\n\r\n");
    MessageParser::default()
        .parse_headers(header.as_bytes())
        .and_then(|m| m.subject().map(clean_header))
        .unwrap_or(name)
}

// ---------------------------------------------------------------------------------------------
// Body text

/// The message's new text, and for a forward who wrote the forwarded message.
fn body_text(message: &Message<'_>, forward_subject: bool) -> (String, Option<Person>) {
    let mut plain = String::new();
    for id in &message.text_body {
        let Some(part) = message.part(*id) else {
            continue;
        };
        if let PartType::Text(text) = &part.body {
            let flowed = part.content_type().is_some_and(|ct| {
                ct.attribute("format")
                    .is_some_and(|f| f.eq_ignore_ascii_case("flowed"))
            });
            let delsp = part.content_type().is_some_and(|ct| {
                ct.attribute("delsp")
                    .is_some_and(|f| f.eq_ignore_ascii_case("yes"))
            });
            let text = capped(text);
            if !plain.is_empty() {
                plain.push('\n');
            }
            if flowed {
                plain.push_str(&unflow(text, delsp));
            } else {
                plain.push_str(text);
            }
        }
    }
    let forward = forward_subject || has_forward_marker(&plain);
    if !plain.trim().is_empty() {
        return (clean_text(&plain, forward), forwarded_from(&plain, forward));
    }
    let mut html_text = String::new();
    for id in &message.html_body {
        let Some(part) = message.part(*id) else {
            continue;
        };
        if let PartType::Html(html) = &part.body {
            if !html_text.is_empty() {
                html_text.push('\n');
            }
            html_text.push_str(&html_to_text(html, forward));
        }
    }
    let forward = forward || has_forward_marker(&html_text);
    (
        clean_text(&html_text, forward),
        forwarded_from(&html_text, forward),
    )
}

fn capped(text: &str) -> &str {
    match text.char_indices().nth(MAX_TEXT_CHARS) {
        Some((at, _)) => &text[..at],
        None => text,
    }
}

/// RFC 3676: a line ending in a space continues on the next line (the space removed too with
/// DelSp=yes); a leading space was added for stuffing. Quoted lines keep their own paragraphs.
fn unflow(text: &str, delsp: bool) -> String {
    let mut out = String::with_capacity(text.len());
    let mut continuing = false;
    for raw_line in text.split('\n') {
        let line = raw_line.strip_suffix('\r').unwrap_or(raw_line);
        let line = line.strip_prefix(' ').unwrap_or(line);
        let soft = line.ends_with(' ') && line != "-- ";
        let content = if soft && delsp {
            &line[..line.len() - 1]
        } else {
            line
        };
        out.push_str(content);
        if !soft {
            out.push('\n');
        }
        continuing = soft;
    }
    if continuing {
        out.push('\n');
    }
    out
}

fn has_forward_marker(text: &str) -> bool {
    text.lines().any(is_forward_marker)
}

fn is_forward_marker(line: &str) -> bool {
    let t = line
        .trim()
        .trim_matches(|c| c == '-' || c == ' ')
        .to_lowercase();
    t == "forwarded message"
        || t == "begin forwarded message:"
        || t == "weitergeleitete nachricht"
        || t == "message transféré"
}

fn is_original_message(line: &str) -> bool {
    let t = line
        .trim()
        .trim_matches(|c| c == '-' || c == ' ')
        .to_lowercase();
    matches!(
        t.as_str(),
        "original message" | "ursprüngliche nachricht" | "message d'origine" | "mensaje original"
    )
}

const HEADER_NAMES: &[&str] = &[
    "from",
    "sent",
    "date",
    "to",
    "cc",
    "bcc",
    "subject",
    "reply-to",
    "von",
    "gesendet",
    "an",
    "betreff",
    "datum",
    "de",
    "envoyé",
    "à",
    "objet",
    "date d'envoi",
    "enviado",
    "para",
    "asunto",
];

/// "From: Jago <jago@…>", "*Sent:* Tuesday …": a mail header line as clients quote them.
fn header_line(line: &str) -> Option<String> {
    let t = line
        .trim()
        .trim_start_matches(['*', '\u{2022}'])
        .trim_start();
    let (name, _) = t.split_once(':')?;
    let name = name.trim_end_matches('*').trim().to_lowercase();
    HEADER_NAMES.contains(&name.as_str()).then_some(name)
}

/// An Outlook-style header block starts at `lines[at]`: a From line with Sent/Date and To/Subject
/// lines right under it.
fn header_block_at(lines: &[&str], at: usize) -> bool {
    let first = header_line(lines[at]);
    if !matches!(first.as_deref(), Some("from" | "von" | "de")) {
        return false;
    }
    let mut when = false;
    let mut what = false;
    for line in lines.iter().skip(at + 1).take(6) {
        match header_line(line).as_deref() {
            Some(
                "sent" | "date" | "gesendet" | "datum" | "envoyé" | "date d'envoi" | "enviado",
            ) => when = true,
            Some("to" | "subject" | "an" | "betreff" | "à" | "objet" | "para" | "asunto") => {
                what = true
            }
            Some(_) => {}
            None if line.trim().is_empty() => {}
            None => break,
        }
    }
    when && what
}

/// "On Tue, 8 Nov 2022 at 10:15, Jago <jago@techuk.org> wrote:" (perhaps over two or three
/// lines): how many lines it takes, and whether it opens the way clients write it ("On …",
/// "Am …", "Le …"). A line such as "Here is what I wrote:" also ends in "wrote:", so only the
/// opened form cuts what follows; the other is only dropped when quoted lines follow it.
fn attribution_at(lines: &[&str], at: usize) -> Option<(usize, bool)> {
    let first = lines[at].trim();
    let lower = first.to_lowercase();
    let opens = lower.starts_with("on ") || lower.starts_with("am ") || lower.starts_with("le ");
    let closes = |text: &str| {
        let t = text.trim_end().to_lowercase();
        t.ends_with("wrote:")
            || t.ends_with("schrieb:")
            || t.ends_with("a écrit :")
            || t.ends_with("a écrit:")
            || t.ends_with("escribió:")
    };
    if closes(first) {
        return Some((1, opens));
    }
    if !opens {
        return None;
    }
    let mut joined = first.to_owned();
    for extra in 1..=2 {
        let next = lines.get(at + extra)?;
        if next.trim().is_empty() {
            return None;
        }
        joined.push(' ');
        joined.push_str(next.trim());
        if closes(&joined) {
            return Some((extra + 1, true));
        }
    }
    None
}

const TAGLINES: &[&str] = &[
    "sent from my ",
    "sent from outlook",
    "sent from mail for windows",
    "sent from yahoo mail",
    "sent from samsung",
    "sent from the all new aol app",
    "sent via ",
    "get outlook for ",
    "von meinem iphone gesendet",
    "von meinem ipad gesendet",
    "envoyé de mon ",
    "enviado desde mi ",
];

const VALEDICTIONS: &[&str] = &[
    "kind regards",
    "best regards",
    "warm regards",
    "warmest regards",
    "many thanks",
    "thanks",
    "thank you",
    "thanks again",
    "thanks so much",
    "best wishes",
    "all the best",
    "best",
    "regards",
    "cheers",
    "yours sincerely",
    "yours faithfully",
    "sincerely",
    "with thanks",
    "with best wishes",
    "speak soon",
    "bw",
    "kr",
    "mit freundlichen grüßen",
    "viele grüße",
    "cordialement",
    "bien cordialement",
];

/// A line that is only a valediction, perhaps with a short name: "Kind regards,", "Best, Priya".
fn is_valediction(line: &str) -> bool {
    let t = line.trim().trim_end_matches(['.', '!', ',']).to_lowercase();
    if VALEDICTIONS.contains(&t.as_str()) {
        return true;
    }
    match t.split_once(',') {
        Some((head, name)) => {
            VALEDICTIONS.contains(&head.trim()) && name.split_whitespace().count() <= 3
        }
        None => false,
    }
}

/// "Hi Jago,", "Dear all", "Hello!", "Jago,": a greeting line.
fn is_greeting(line: &str) -> bool {
    let t = line.trim().to_lowercase();
    let words = t.split_whitespace().count();
    let opener = [
        "hi",
        "hello",
        "hey",
        "dear",
        "good morning",
        "good afternoon",
        "morning",
    ]
    .iter()
    .any(|g| {
        t == *g
            || t.starts_with(&format!("{g} "))
            || t.starts_with(&format!("{g},"))
            || t.starts_with(&format!("{g}!"))
    });
    (opener && words <= 5) || (words <= 2 && t.ends_with(','))
}

fn is_postscript(line: &str) -> bool {
    let t = line.trim_start().to_lowercase();
    t.starts_with("p.s") || t.starts_with("ps:") || t.starts_with("ps ") || t.starts_with("ps.")
}

/// Removes quoted replies and signatures; see the module documentation.
fn clean_text(text: &str, forward: bool) -> String {
    let normalised: String = text
        .replace("\r\n", "\n")
        .replace('\r', "\n")
        .chars()
        .map(|c| match c {
            '\u{a0}' | '\u{2007}' | '\u{202f}' => ' ',
            c => c,
        })
        .filter(|c| !matches!(c, '\u{200b}' | '\u{feff}' | '\u{200c}' | '\u{200d}'))
        .collect();
    let lines: Vec<&str> = normalised.split('\n').collect();
    let mut out: Vec<&str> = Vec::new();
    // Skipping the header lines under a forward marker.
    let mut forward_headers = false;
    // Inside a signature, until the next forwarded message.
    let mut signature = false;
    // Some text other than a greeting has been kept: a valediction after it starts a signature
    // ("Hi Jago,\n\nThanks!\n\nHere is my blog" keeps its blog line).
    let mut has_content = false;
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        let trimmed = line.trim();
        // A forwarded message starts: keep its content, not its header lines.
        if is_forward_marker(line) || (forward && is_original_message(line)) {
            forward_headers = true;
            signature = false;
            i += 1;
            continue;
        }
        if !forward && is_original_message(line) {
            break;
        }
        if trimmed.len() >= 10 && trimmed.chars().all(|c| c == '_') {
            // Outlook's rule above its header block.
            if lines
                .iter()
                .skip(i + 1)
                .find(|l| !l.trim().is_empty())
                .is_some_and(|l| header_line(l).is_some())
            {
                i += 1;
                continue;
            }
        }
        if header_block_at(&lines, i) {
            if forward {
                forward_headers = true;
                signature = false;
            } else {
                break;
            }
        }
        if forward_headers {
            if trimmed.is_empty() || header_line(line).is_some() {
                i += 1;
                continue;
            }
            forward_headers = false;
        }
        if signature {
            if is_postscript(line) {
                signature = false;
            } else {
                i += 1;
                continue;
            }
        }
        if trimmed.starts_with('>') {
            i += 1;
            continue;
        }
        if let Some((taken, opened)) = attribution_at(&lines, i) {
            let next = lines.iter().skip(i + taken).find(|l| !l.trim().is_empty());
            if next.is_some_and(|l| l.trim_start().starts_with('>')) {
                // Quoted lines follow: inline answers between them are kept.
                i += taken;
                continue;
            }
            if opened && forward {
                signature = true;
                i += taken;
                continue;
            }
            if opened {
                break;
            }
        }
        if line == "-- " || trimmed == "--" {
            signature = true;
            i += 1;
            continue;
        }
        let lower = trimmed.to_lowercase();
        if TAGLINES.iter().any(|t| lower.starts_with(t)) {
            signature = true;
            i += 1;
            continue;
        }
        if is_valediction(line) && has_content {
            signature = true;
            i += 1;
            continue;
        }
        has_content = has_content || !(trimmed.is_empty() || is_greeting(trimmed));
        out.push(line.trim_end());
        i += 1;
    }
    let mut text = String::new();
    let mut blank = 0;
    for line in out {
        if line.trim().is_empty() {
            blank += 1;
            continue;
        }
        if !text.is_empty() {
            text.push_str(if blank > 0 { "\n\n" } else { "\n" });
        }
        blank = 0;
        text.push_str(line);
    }
    text
}

// ---------------------------------------------------------------------------------------------
// HTML

const DROPPED: &[&str] = &[
    "script", "style", "head", "title", "template", "noscript", "iframe", "object", "embed", "svg",
    "math", "canvas", "audio", "video", "select", "button", "textarea",
];

const BLOCKS: &[&str] = &[
    "p",
    "div",
    "ul",
    "ol",
    "li",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "tr",
    "table",
    "blockquote",
    "hr",
    "pre",
    "section",
    "article",
    "header",
    "footer",
    "address",
    "dl",
    "dt",
    "dd",
    "center",
    "body",
    "html",
    "tbody",
    "thead",
    "tfoot",
    "figure",
    "figcaption",
    "main",
    "nav",
    "aside",
];

/// HTML to plain text: blocks and `<br>` become line breaks, list items "- ", cells are
/// separated by spaces; scripts, styles and (unless `keep_quotes`) blockquotes are dropped.
fn html_to_text(html: &str, keep_quotes: bool) -> String {
    let html = match html.char_indices().find(|(at, _)| *at >= MAX_HTML_BYTES) {
        Some((at, _)) => &html[..at],
        None => html,
    };
    if nesting_depth(html) > MAX_HTML_DEPTH {
        return strip_tags(html);
    }
    use html5ever::tendril::TendrilSink;
    let dom = html5ever::parse_document(
        markup5ever_rcdom::RcDom::default(),
        html5ever::ParseOpts::default(),
    )
    .one(html);

    enum Step {
        Enter(markup5ever_rcdom::Handle),
        Leave(&'static str),
    }
    let mut out = String::new();
    let mut stack = vec![Step::Enter(dom.document.clone())];
    let mut pre = 0usize;
    while let Some(step) = stack.pop() {
        let node = match step {
            Step::Leave(text) => {
                if text == "pre" {
                    pre = pre.saturating_sub(1);
                }
                if text != "pre" || !out.ends_with('\n') {
                    out.push('\n');
                }
                continue;
            }
            Step::Enter(node) => node,
        };
        match &node.data {
            markup5ever_rcdom::NodeData::Text { contents } => {
                let contents = contents.borrow();
                if pre > 0 {
                    out.push_str(&contents);
                } else {
                    push_collapsed(&mut out, &contents);
                }
                continue;
            }
            markup5ever_rcdom::NodeData::Element { name, .. } => {
                let tag = name.local.as_ref().to_ascii_lowercase();
                if DROPPED.contains(&tag.as_str()) || (!keep_quotes && tag == "blockquote") {
                    continue;
                }
                match tag.as_str() {
                    "br" => {
                        out.push('\n');
                        continue;
                    }
                    "hr" => {
                        out.push_str("\n\n");
                        continue;
                    }
                    "td" | "th" => out.push(' '),
                    "li" => out.push_str("\n- "),
                    "pre" => {
                        pre += 1;
                        out.push('\n');
                        stack.push(Step::Leave("pre"));
                    }
                    t if BLOCKS.contains(&t) => {
                        out.push('\n');
                        stack.push(Step::Leave("block"));
                    }
                    _ => {}
                }
            }
            markup5ever_rcdom::NodeData::Document => {}
            _ => continue,
        }
        for child in node.children.borrow().iter().rev() {
            stack.push(Step::Enter(child.clone()));
        }
    }
    // Trim each line of the spaces the collapsing left.
    out.split('\n')
        .map(str::trim)
        .collect::<Vec<_>>()
        .join("\n")
}

/// Appends text with runs of white space collapsed to one space, as a browser shows it.
fn push_collapsed(out: &mut String, text: &str) {
    for c in text.chars() {
        if c.is_whitespace() && c != '\u{a0}' {
            if !out.ends_with([' ', '\n']) && !out.is_empty() {
                out.push(' ');
            }
        } else {
            out.push(c);
        }
    }
}

/// The deepest element nesting, roughly (void elements and end-tag omissions aside).
fn nesting_depth(html: &str) -> usize {
    const VOID: &[&str] = &[
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr", "p", "li", "td", "th", "tr", "option", "dt", "dd",
    ];
    let bytes = html.as_bytes();
    let mut depth = 0usize;
    let mut deepest = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'<' {
            i += 1;
            continue;
        }
        let closing = bytes.get(i + 1) == Some(&b'/');
        let start = if closing { i + 2 } else { i + 1 };
        let len = bytes[start.min(bytes.len())..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric())
            .count();
        if len == 0 {
            i += 1;
            continue;
        }
        let name = html
            .get(start..start + len)
            .unwrap_or("")
            .to_ascii_lowercase();
        if !VOID.contains(&name.as_str()) {
            if closing {
                depth = depth.saturating_sub(1);
            } else {
                depth += 1;
                deepest = deepest.max(depth);
            }
        }
        i = start + len;
    }
    deepest
}

/// A last resort for pathological HTML: tags dropped, a few entities decoded.
fn strip_tags(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                if !out.ends_with(' ') {
                    out.push(' ');
                }
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reply_tokens_have_one_documented_form() {
        let to = vec![
            "Jago <jago@techuk.org>".to_owned(),
            "Docket <submissions+s42-k3xq9vty7bm2@docket.example.org>".to_owned(),
        ];
        assert_eq!(reply_token(&to, None).as_deref(), Some("42-k3xq9vty7bm2"));
        assert_eq!(
            reply_token(&to, Some("DOCKET.example.org")).as_deref(),
            Some("42-k3xq9vty7bm2")
        );
        assert_eq!(reply_token(&to, Some("@other.example")), None);
        for bad in [
            "submissions+42-k3xq9vty7bm2@d.example",
            "submissions+s-k3xq9vty7bm2@d.example",
            "submissions+s42-short@d.example",
            "submissions+s42-k3xq9vty7bm2!@d.example",
            "submissions+s4x2-k3xq9vty7bm2@d.example",
            "s42-k3xq9vty7bm2@d.example",
            "",
        ] {
            assert_eq!(reply_token(&[bad.to_owned()], None), None, "{bad}");
        }
    }

    #[test]
    fn flowed_text_is_rejoined() {
        assert_eq!(
            unflow("my blog for \r\nTuesday.\r\n-- \r\nPriya\r\n", false),
            "my blog for Tuesday.\n-- \nPriya\n\n"
        );
        assert_eq!(unflow("Tues\r\nday\r\n", false), "Tues\nday\n\n");
        assert_eq!(unflow("Tues \r\nday\r\n", true), "Tuesday\n\n");
    }

    #[test]
    fn quotes_and_signatures_go_new_text_stays() {
        let text = "Yes, Thursday please.\n\n> Which day?\n\nAnd a headshot too.\n\n-- \nPriya\nMon-Fri 9-5\n";
        assert_eq!(
            clean_text(text, false),
            "Yes, Thursday please.\n\nAnd a headshot too."
        );
        let outlook = "Here it is.\n\nFrom: Jago <jago@techuk.org>\nSent: 08 November 2022 10:15\nTo: Priya\nSubject: Blogs\n\nMonday is full.";
        assert_eq!(clean_text(outlook, false), "Here it is.");
        let gmail = "For Friday.\n\nOn Tue, 8 Nov 2022 at 10:15, Jago Smith <\njago@techuk.org> wrote:\n\n> Which day?\n";
        assert_eq!(clean_text(gmail, false), "For Friday.");
        let valediction =
            "Blog attached.\n\nKind regards,\nPriya\nWorking days Tue-Thu\n\nP.S. it's for Monday";
        assert_eq!(
            clean_text(valediction, false),
            "Blog attached.\n\nP.S. it's for Monday"
        );
    }

    #[test]
    fn a_thank_you_after_the_greeting_is_no_signature() {
        let text =
            "Hi Jago,\n\nThanks!\n\nHere is my blog for Tuesday.\n\nThanks,\nPriya\nPhone 020";
        assert_eq!(
            clean_text(text, false),
            "Hi Jago,\n\nThanks!\n\nHere is my blog for Tuesday."
        );
    }

    #[test]
    fn a_line_ending_in_wrote_is_not_always_a_quote() {
        let text = "This is what I wrote:\n\nData sits at the heart of justice.";
        assert_eq!(clean_text(text, false), text);
        let quoted = "Answer.\n\nJago wrote:\n> Which day?\n\nThursday.";
        assert_eq!(clean_text(quoted, false), "Answer.\n\nThursday.");
    }

    #[test]
    fn html_becomes_text() {
        let html = "<html><head><style>p{}</style></head><body><p>Hello&nbsp;Jago,</p>\
                    <p>My  blog for <b>Tuesday</b>.<br>Thanks</p><ul><li>one</li><li>two</li></ul>\
                    <blockquote>quoted</blockquote><script>alert(1)</script></body></html>";
        let text = html_to_text(html, false);
        assert!(text.contains("My blog for Tuesday."), "{text}");
        assert!(text.contains("- one\n"), "{text}");
        assert!(!text.contains("quoted"), "{text}");
        assert!(!text.contains("alert"), "{text}");
        assert!(!text.contains("p{}"), "{text}");
    }
}
