//! Docket's email: every message a person is owed, rendered from templates (subject, plain
//! text and HTML) into outbox rows. Sending them is the outbox worker's job.

pub mod crashpoint;
pub mod imap;
pub mod inbound;
pub mod ingest;
pub mod outbox;

use askama::Template;
use docket_store::NewMail;
use rand::RngCore;

/// Renders Docket's emails with links to `public_url`.
#[derive(Debug, Clone)]
pub struct Mailer {
    public_url: String,
    domain: String,
}

/// What a receipt says about a piece.
#[derive(Debug, Clone)]
pub struct ReceiptDetails {
    pub call_title: String,
    pub piece_title: String,
    pub kind: String,
    pub days: String,
    /// "712 words", "12 pages", "34 minutes", or empty.
    pub measure: String,
    pub revision: i64,
    pub late: bool,
    pub warnings: Vec<String>,
    /// Path of the piece's page (`/submissions/7`).
    pub path: String,
}

#[derive(Template)]
#[template(path = "confirm_email.txt")]
struct ConfirmText<'a> {
    link: &'a str,
}

#[derive(Template)]
#[template(path = "confirm_email.html")]
struct ConfirmHtml<'a> {
    link: &'a str,
}

#[derive(Template)]
#[template(path = "already_registered.txt")]
struct AlreadyText<'a> {
    sign_in: &'a str,
    reset: &'a str,
}

#[derive(Template)]
#[template(path = "already_registered.html")]
struct AlreadyHtml<'a> {
    sign_in: &'a str,
    reset: &'a str,
}

#[derive(Template)]
#[template(path = "sign_in_code.txt")]
struct CodeText<'a> {
    code: &'a str,
    link: &'a str,
}

#[derive(Template)]
#[template(path = "sign_in_code.html")]
struct CodeHtml<'a> {
    code: &'a str,
    link: &'a str,
}

#[derive(Template)]
#[template(path = "reset_password.txt")]
struct ResetText<'a> {
    link: &'a str,
}

#[derive(Template)]
#[template(path = "reset_password.html")]
struct ResetHtml<'a> {
    link: &'a str,
}

#[derive(Template)]
#[template(path = "receipt.txt")]
struct ReceiptText<'a> {
    r: &'a ReceiptDetails,
    link: &'a str,
}

#[derive(Template)]
#[template(path = "receipt.html")]
struct ReceiptHtml<'a> {
    r: &'a ReceiptDetails,
    link: &'a str,
}

#[derive(Template)]
#[template(path = "triage_answer.txt")]
struct TriageText<'a> {
    problem: &'a str,
    sign_in: &'a str,
}

#[derive(Template)]
#[template(path = "triage_answer.html")]
struct TriageHtml<'a> {
    problem: &'a str,
    sign_in: &'a str,
}

/// "712 words", "12 pages", "34 minutes", or empty: a piece's length for people.
pub fn measure(piece: &docket_core::submission::Piece) -> String {
    match (piece.words, piece.pages, piece.minutes) {
        (Some(words), _, _) => format!("{words} words"),
        (_, Some(pages), _) => format!("{pages} pages"),
        (_, _, Some(minutes)) => format!("{minutes:.0} minutes"),
        _ => String::new(),
    }
}

#[derive(Template)]
#[template(path = "coauthor_invite.txt")]
struct InviteText<'a> {
    inviter: &'a str,
    title: &'a str,
    call_title: &'a str,
    link: &'a str,
}

#[derive(Template)]
#[template(path = "coauthor_invite.html")]
struct InviteHtml<'a> {
    inviter: &'a str,
    title: &'a str,
    call_title: &'a str,
    link: &'a str,
}

impl Mailer {
    /// A mailer whose links point at `public_url` (`https://docket.example.org`).
    pub fn new(public_url: &str) -> Self {
        let public_url = public_url.trim_end_matches('/').to_owned();
        let domain = url::Url::parse(&public_url)
            .ok()
            .and_then(|url| url.host_str().map(str::to_owned))
            .unwrap_or_else(|| "docket.invalid".into());
        Self { public_url, domain }
    }

    /// `public_url` + `path`.
    pub fn link(&self, path: &str) -> String {
        format!("{}{path}", self.public_url)
    }

    /// A fresh Message-ID, fixed for the outbox row it goes into.
    fn message_id(&self) -> String {
        let mut bytes = [0u8; 16];
        rand::rng().fill_bytes(&mut bytes);
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        format!("<{hex}@{}>", self.domain)
    }

    fn mail(
        &self,
        to: &str,
        subject: String,
        text: Result<String, askama::Error>,
        html: Result<String, askama::Error>,
        template: &str,
        submission_id: Option<i64>,
    ) -> NewMail {
        // Templates are compiled in; rendering can only fail on a formatting error, which would be a bug.
        let text =
            text.unwrap_or_else(|error| format!("(this message could not be rendered: {error})"));
        let html = html.unwrap_or_else(|_| String::new());
        NewMail {
            message_id: self.message_id(),
            to: to.to_owned(),
            subject,
            text,
            html,
            template: template.to_owned(),
            submission_id,
        }
    }

    /// "Confirm your email address", with a single-use link.
    pub fn confirm_email(&self, to: &str, path: &str) -> NewMail {
        let link = self.link(path);
        self.mail(
            to,
            "Confirm your email address for Docket".into(),
            ConfirmText { link: &link }.render(),
            ConfirmHtml { link: &link }.render(),
            "confirm_email",
            None,
        )
    }

    /// Sent instead of a confirmation when the address already has an account.
    pub fn already_registered(&self, to: &str) -> NewMail {
        let (sign_in, reset) = (self.link("/account/sign-in"), self.link("/account/reset"));
        self.mail(
            to,
            "You already have a Docket account".into(),
            AlreadyText {
                sign_in: &sign_in,
                reset: &reset,
            }
            .render(),
            AlreadyHtml {
                sign_in: &sign_in,
                reset: &reset,
            }
            .render(),
            "already_registered",
            None,
        )
    }

    /// A sign-in code and link, valid for ten minutes.
    pub fn sign_in_code(&self, to: &str, code: &str, path: &str) -> NewMail {
        let link = self.link(path);
        self.mail(
            to,
            format!("Your Docket sign-in code: {code}"),
            CodeText { code, link: &link }.render(),
            CodeHtml { code, link: &link }.render(),
            "sign_in_code",
            None,
        )
    }

    /// A password-reset link.
    pub fn reset_password(&self, to: &str, path: &str) -> NewMail {
        let link = self.link(path);
        self.mail(
            to,
            "Reset your Docket password".into(),
            ResetText { link: &link }.render(),
            ResetHtml { link: &link }.render(),
            "reset_password",
            None,
        )
    }

    /// The receipt for a submitted revision: what Docket understood, and what happens next.
    pub fn receipt(&self, to: &str, submission_id: i64, details: &ReceiptDetails) -> NewMail {
        let link = self.link(&details.path);
        let subject = if details.revision == 1 {
            format!("Received: {}", details.piece_title)
        } else {
            format!(
                "Received revision {}: {}",
                details.revision, details.piece_title
            )
        };
        self.mail(
            to,
            subject,
            ReceiptText {
                r: details,
                link: &link,
            }
            .render(),
            ReceiptHtml {
                r: details,
                link: &link,
            }
            .render(),
            "receipt",
            Some(submission_id),
        )
    }

    /// The answer to a message that could not be filed: what went wrong, what to send instead.
    pub fn triage_answer(&self, to: &str, subject: &str, problem: &str) -> NewMail {
        let sign_in = self.link("/account/sign-in");
        self.mail(
            to,
            format!(
                "We could not file your message: {}",
                if subject.is_empty() {
                    "(no subject)"
                } else {
                    subject
                }
            ),
            TriageText {
                problem,
                sign_in: &sign_in,
            }
            .render(),
            TriageHtml {
                problem,
                sign_in: &sign_in,
            }
            .render(),
            "triage_answer",
            None,
        )
    }

    /// An invitation to co-author a piece.
    pub fn coauthor_invite(
        &self,
        to: &str,
        submission_id: i64,
        inviter: &str,
        title: &str,
        call_title: &str,
        path: &str,
    ) -> NewMail {
        let link = self.link(path);
        self.mail(
            to,
            format!("{inviter} invited you to co-author “{title}”"),
            InviteText {
                inviter,
                title,
                call_title,
                link: &link,
            }
            .render(),
            InviteHtml {
                inviter,
                title,
                call_title,
                link: &link,
            }
            .render(),
            "coauthor_invite",
            Some(submission_id),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_ids_are_unique_and_use_the_public_host() {
        let mailer = Mailer::new("https://docket.example.org/");
        let a = mailer.confirm_email("a@example.org", "/account/confirm/abc");
        let b = mailer.confirm_email("a@example.org", "/account/confirm/abc");
        assert_ne!(a.message_id, b.message_id);
        assert!(
            a.message_id.ends_with("@docket.example.org>"),
            "{}",
            a.message_id
        );
        assert!(
            a.text
                .contains("https://docket.example.org/account/confirm/abc"),
            "{}",
            a.text
        );
    }

    #[test]
    fn html_mail_escapes_what_people_typed() {
        let mailer = Mailer::new("http://127.0.0.1:8080");
        let details = ReceiptDetails {
            call_title: "Week".into(),
            piece_title: "<script>alert(1)</script>".into(),
            kind: "Guest blog".into(),
            days: "Any day".into(),
            measure: "700 words".into(),
            revision: 1,
            late: false,
            warnings: vec![],
            path: "/submissions/1".into(),
        };
        let mail = mailer.receipt("a@example.org", 1, &details);
        assert!(!mail.html.contains("<script>alert"), "{}", mail.html);
        assert!(
            mail.text.contains("<script>alert(1)</script>"),
            "plain text shows it as typed"
        );
    }
}
