//! The emails Docket sends, each worded by a template (subject, plain text, HTML) that a call may
//! replace with its own. Templates are MiniJinja: organisers write `{{ piece.title }}` and
//! `{% if piece.late %}`; HTML is escaped automatically, and the result is sanitised before it is
//! wrapped in Docket's fixed layout, so a template can neither run script nor break the mail.

use std::collections::HashMap;
use std::fmt;

use docket_store::{StoredTemplate, TemplateText};
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
    "coauthor_invite",
);

const LAYOUT: &str = include_str!("../templates/layout.html");

/// How much work one template may do, in MiniJinja's fuel: far more than any email needs, and a
/// bound on a loop that never ends.
const FUEL: u64 = 50_000;

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
    CoauthorInvite,
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
    pub const ALL: [Letter; 9] = [
        Letter::Receipt,
        Letter::StateChanged,
        Letter::DeadlineReminder,
        Letter::TriageAnswer,
        Letter::SignInCode,
        Letter::ConfirmEmail,
        Letter::ResetPassword,
        Letter::AlreadyRegistered,
        Letter::CoauthorInvite,
    ];

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
            Letter::CoauthorInvite => "coauthor_invite",
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
            Letter::CoauthorInvite => "Co-author invitation",
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
            Letter::CoauthorInvite => "when a contributor invites a co-author",
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
            Letter::CoauthorInvite => &[var("inviter", "who invited them")],
        };
        let with_piece = matches!(
            self,
            Letter::Receipt
                | Letter::StateChanged
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
            Letter::ConfirmEmail | Letter::ResetPassword => {
                Some(("link", "without it nobody can follow the email"))
            }
            Letter::SignInCode => Some(("code", "without it nobody can sign in")),
            Letter::Receipt | Letter::DeadlineReminder | Letter::CoauthorInvite => Some((
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
    pub id: i64,
    pub slug: String,
    pub title: String,
    pub organiser: String,
    /// "12:00 GMT on Friday 4 November 2022".
    pub deadline: String,
    pub url: String,
    /// The address contributors write to, if the call has one.
    pub inbox: Option<String>,
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

    /// The template a letter is worded with here, and whether it is the call's own.
    pub fn template(&self, letter: Letter) -> (TemplateText, bool) {
        match self.overrides.get(&letter) {
            Some(own) => (own.clone(), true),
            None => (letter.default_template(), false),
        }
    }

    /// The call's id, when the letter concerns a call.
    pub fn call_id(&self) -> Option<i64> {
        self.call.as_ref().map(|call| call.id)
    }

    /// A piece's own reply address: the call's inbox with `+s{id}-{token}` added to its local part
    /// (plus-addressing, which mail servers deliver to the same mailbox).
    pub fn reply_address(&self, submission_id: &str, token: &str) -> Option<String> {
        let inbox = crate::inbound::without_tag(self.call.as_ref()?.inbox.as_deref()?);
        let (local, domain) = inbox.rsplit_once('@')?;
        (!token.is_empty()).then(|| format!("{local}+s{submission_id}-{token}@{domain}"))
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

fn render_part(
    env: &mut Environment<'static>,
    name: &'static str,
    source: &str,
    context: &Value,
) -> Result<String, String> {
    env.add_template_owned(name, source.to_owned())
        .map_err(|error| describe(&error))?;
    let template = env.get_template(name).map_err(|error| describe(&error))?;
    template.render(context).map_err(|error| describe(&error))
}

/// What an organiser-written body may keep: the usual text and table markup, links, images.
fn sanitise(html: &str) -> String {
    ammonia::Builder::default()
        .add_tags(["table", "thead", "tbody", "tr", "th", "td", "caption"])
        .url_schemes(["http", "https", "mailto"].into())
        .clean(html)
        .to_string()
}

/// Renders `template` with `context`, reporting every part that fails.
pub fn render(template: &TemplateText, context: &Value) -> Result<Rendered, Vec<TemplateProblem>> {
    let mut env = environment();
    let mut problems = Vec::new();
    let mut part = |part: Part, name: &'static str, source: &str| match render_part(
        &mut env, name, source, context,
    ) {
        Ok(out) => Some(out),
        Err(message) => {
            problems.push(TemplateProblem { part, message });
            None
        }
    };
    let subject = part(Part::Subject, "subject.txt", &template.subject);
    let text = part(Part::Text, "body.txt", &template.text);
    let body = part(Part::Html, "body.html", &template.html);
    let (Some(subject), Some(text), Some(body)) = (subject, text, body) else {
        return Err(problems);
    };
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
        body => Value::from_safe_string(sanitise(&body)),
    }};
    let html =
        render_part(&mut env, "layout.html", LAYOUT, &layout_context).map_err(|message| {
            vec![TemplateProblem {
                part: Part::Html,
                message,
            }]
        })?;
    Ok(Rendered {
        subject,
        text,
        html,
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
    };
    full_context(letterhead, docket_url, "contributor@example.org", own)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head() -> Letterhead {
        Letterhead::for_call(
            CallFacts {
                id: 1,
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
                let rendered = render(&letter.default_template(), &sample).unwrap();
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
        let rendered = render(&template, &context).unwrap();
        assert!(!rendered.html.contains("<script"), "{}", rendered.html);
        assert!(!rendered.html.contains("onclick"), "{}", rendered.html);
        assert!(!rendered.html.contains("<img"), "{}", rendered.html);
        assert!(rendered.html.contains("&lt;img"), "{}", rendered.html);
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
