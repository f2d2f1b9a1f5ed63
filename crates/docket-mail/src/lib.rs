//! Docket's email: every message a person is owed, rendered from templates (subject, plain
//! text and HTML) into outbox rows. Sending them is the outbox worker's job.

pub mod auth;
pub mod crashpoint;
pub mod imap;
pub mod inbound;
pub mod letters;
pub mod smtp;

use docket_core::mail::NewMail;
use docket_core::submission::SubmissionState;
use minijinja::{Value, context};
use rand::RngCore;

pub use letters::{CallFacts, Letter, Letterhead, PieceFacts};

/// Renders Docket's emails with links to `public_url`.
#[derive(Debug, Clone)]
pub struct Mailer {
    public_url: String,
    domain: String,
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

/// What a state means for the contributor, and what happens next.
pub fn state_explanation(state: SubmissionState) -> &'static str {
    match state {
        SubmissionState::Draft => "It is a draft: only you and your co-authors can see it.",
        SubmissionState::Submitted => {
            "The editors will review it against the contributor guidelines."
        }
        SubmissionState::ChangesRequested => {
            "The editors ask for changes before they decide. Edit the piece and submit it again, or reply to this email with a corrected document."
        }
        SubmissionState::Accepted => {
            "The editors have accepted it. They will place it on one of the days and tell you when it will be published."
        }
        SubmissionState::Scheduled => {
            "It is scheduled: it will be published on its day at the time shown on its page."
        }
        SubmissionState::Published => "It is published on the week's site.",
        SubmissionState::Rejected => {
            "The editors have decided not to publish it this time. Thank you for offering it."
        }
        SubmissionState::Withdrawn => {
            "It is withdrawn: the editors will not consider it, and nothing more will be sent about it."
        }
    }
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

    /// Docket's address, for templates.
    pub fn public_url(&self) -> &str {
        &self.public_url
    }

    /// The host Message-IDs are made under.
    pub fn domain(&self) -> &str {
        &self.domain
    }

    /// A fresh Message-ID, fixed for the outbox row it goes into.
    fn message_id(&self) -> String {
        let mut bytes = [0u8; 16];
        rand::rng().fill_bytes(&mut bytes);
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        format!("<{hex}@{}>", self.domain)
    }

    /// What emails say about a piece of `call` whose page is at `path`.
    pub fn piece_facts(
        &self,
        call: &docket_core::Call,
        piece: &docket_core::submission::Piece,
        path: &str,
        revision: i64,
        late: bool,
        warnings: Vec<String>,
    ) -> PieceFacts {
        PieceFacts {
            title: piece.title.clone(),
            kind: call
                .kind(&piece.kind)
                .map_or_else(|| piece.kind.clone(), |kind| kind.name.clone()),
            days: piece
                .days
                .as_ref()
                .map(|days| days.describe(call))
                .unwrap_or_default(),
            length: measure(piece),
            revision,
            late,
            warnings,
            link: self.link(path),
        }
    }

    /// What emails say about `call` (stored with `call_id`).
    pub fn call_facts(&self, call_id: docket_core::CallId, call: &docket_core::Call) -> CallFacts {
        CallFacts {
            id: call_id,
            slug: call.slug.as_str().to_owned(),
            title: call.title.clone(),
            organiser: call.organiser.clone(),
            deadline: call
                .deadline_local()
                .strftime("%H:%M %Z on %A %-d %B %Y")
                .to_string(),
            url: self.link(&format!("/calls/{}", call.slug.as_str())),
            inbox: call.inbox.as_ref().map(|inbox| inbox.as_str().to_owned()),
        }
    }

    /// A believable context for previewing `letter` on `letterhead`.
    pub fn sample(&self, letter: Letter, letterhead: &Letterhead) -> Value {
        letters::sample(letter, letterhead, &self.public_url)
    }

    /// Renders `letter` for `to` in the call's wording, falling back to Docket's own when the
    /// call's cannot be rendered (a template checked against a sample can still meet data it did
    /// not expect): the person gets their email either way.
    fn letter(
        &self,
        letterhead: &Letterhead,
        letter: Letter,
        to: &str,
        own: Value,
        submission_id: Option<docket_core::SubmissionId>,
    ) -> NewMail {
        let context = letters::full_context(letterhead, &self.public_url, to, own);
        let (template, call_own) = letterhead.template(letter);
        let rendered = match letters::render(&template, &context) {
            Ok(rendered) => Ok(rendered),
            Err(problems) if call_own => {
                tracing::warn!(
                    letter = letter.key(),
                    ?problems,
                    "the call's wording of an email failed; sending Docket's own"
                );
                letters::render(&letter.default_template(), &context)
            }
            Err(problems) => Err(problems),
        };
        let rendered = rendered.unwrap_or_else(|problems| {
            // Docket's own templates are tested against every letter's variables; this is a bug.
            tracing::error!(
                letter = letter.key(),
                ?problems,
                "an email could not be rendered"
            );
            letters::Rendered {
                subject: letter.name().to_owned(),
                text: format!("(this message could not be rendered: {problems:?})"),
                html: String::new(),
                removed: Vec::new(),
            }
        });
        NewMail {
            message_id: self.message_id(),
            to: to.to_owned(),
            subject: rendered.subject,
            text: rendered.text,
            html: rendered.html,
            template: letter.key().to_owned(),
            submission_id,
            // Account emails carry secrets: no call's outbox lists them, whatever call they came from.
            call_id: letterhead.call_id().filter(|_| !letter.is_account()),
            reply_to: None,
            idempotency_key: None,
            list_unsubscribe: None,
        }
    }

    /// "Confirm your email address", with a single-use link.
    pub fn confirm_email(&self, letterhead: &Letterhead, to: &str, path: &str) -> NewMail {
        self.letter(
            letterhead,
            Letter::ConfirmEmail,
            to,
            context! { link => self.link(path) },
            None,
        )
    }

    /// Sent instead of a confirmation when the address already has an account.
    pub fn already_registered(&self, letterhead: &Letterhead, to: &str) -> NewMail {
        self.letter(
            letterhead,
            Letter::AlreadyRegistered,
            to,
            context! {
                sign_in_link => self.link("/account/sign-in"),
                reset_link => self.link("/account/reset"),
            },
            None,
        )
    }

    /// A sign-in code and link, valid for ten minutes.
    pub fn sign_in_code(
        &self,
        letterhead: &Letterhead,
        to: &str,
        code: &str,
        path: &str,
    ) -> NewMail {
        self.letter(
            letterhead,
            Letter::SignInCode,
            to,
            context! { code => code, link => self.link(path), minutes => 10 },
            None,
        )
    }

    /// A password-reset link.
    pub fn reset_password(&self, letterhead: &Letterhead, to: &str, path: &str) -> NewMail {
        self.letter(
            letterhead,
            Letter::ResetPassword,
            to,
            context! { link => self.link(path) },
            None,
        )
    }

    /// The receipt for a submitted revision: what Docket understood, and what happens next.
    /// `reply_token` is the piece's; replies to the receipt's reply address find the piece.
    pub fn receipt(
        &self,
        letterhead: &Letterhead,
        to: &str,
        submission_id: docket_core::SubmissionId,
        reply_token: &str,
        piece: &PieceFacts,
    ) -> NewMail {
        let mut mail = self.letter(
            letterhead,
            Letter::Receipt,
            to,
            context! { piece => Value::from_serialize(piece) },
            Some(submission_id),
        );
        mail.reply_to = letterhead.reply_address(&submission_id.to_string(), reply_token);
        mail
    }

    /// What emails say about pledge `id` of `call`; `unsure`: Docket was not sure the message
    /// was a pledge.
    pub fn pledge_facts(
        &self,
        call: &docket_core::Call,
        pledge: &docket_core::pledge::Pledge,
        id: i64,
        unsure: bool,
    ) -> letters::PledgeFacts {
        letters::PledgeFacts {
            kind: pledge.kind_name(call),
            days: pledge
                .days
                .as_ref()
                .map(|days| days.describe(call))
                .unwrap_or_else(|| "a day still to choose".to_owned()),
            title: pledge.working_title.clone(),
            author: match (pledge.author.trim(), pledge.coauthors.as_slice()) {
                (author, []) => author.to_owned(),
                ("", others) => others.join(", "),
                (author, others) => format!("{author}, with {}", others.join(", ")),
            },
            link: self.link(&format!("/pledges/{id}")),
            unsure,
        }
    }

    /// Thanks someone for their pledge and says what Docket understood, with the pledge's reply
    /// address, so that the piece sent in answer fulfils it.
    pub fn pledge_received(
        &self,
        letterhead: &Letterhead,
        to: &str,
        pledge_id: i64,
        reply_token: &str,
        pledge: &letters::PledgeFacts,
    ) -> NewMail {
        let mut mail = self.letter(
            letterhead,
            Letter::PledgeReceived,
            to,
            context! { pledge => Value::from_serialize(pledge) },
            None,
        );
        mail.reply_to = letterhead.pledge_reply_address(pledge_id, reply_token);
        mail
    }

    /// Tells a pledger an editor declined their pledge, with the editor's note.
    pub fn pledge_declined(
        &self,
        letterhead: &Letterhead,
        to: &str,
        pledge: &letters::PledgeFacts,
        note: &str,
    ) -> NewMail {
        self.letter(
            letterhead,
            Letter::PledgeDeclined,
            to,
            context! { pledge => Value::from_serialize(pledge), note => note },
            None,
        )
    }

    /// Reminds a pledger whose piece has not come that the deadline nears: one mail per person
    /// per reminder job (`idempotency` names them), however many pledges they made.
    pub fn pledge_reminder(
        &self,
        letterhead: &Letterhead,
        to: &str,
        promised: &str,
        time_left: &str,
        path: &str,
        idempotency: &str,
    ) -> NewMail {
        let mut mail = self.letter(
            letterhead,
            Letter::PledgeReminder,
            to,
            context! { promised => promised, time_left => time_left, link => self.link(path) },
            None,
        );
        mail.idempotency_key = Some(idempotency.to_owned());
        mail
    }

    /// Tells the contributor their emailed piece (or revision) is kept as a draft and why it was
    /// not sent: the judge's sentences, with the piece's link and reply address.
    pub fn not_sent(
        &self,
        letterhead: &Letterhead,
        to: &str,
        submission_id: docket_core::SubmissionId,
        reply_token: &str,
        piece: &PieceFacts,
        problems: &[String],
    ) -> NewMail {
        let mut mail = self.letter(
            letterhead,
            Letter::NotSent,
            to,
            context! { piece => Value::from_serialize(piece), problems => problems },
            Some(submission_id),
        );
        mail.reply_to = letterhead.reply_address(&submission_id.to_string(), reply_token);
        mail
    }

    /// Tells the contributor their piece moved from `from` to `to`, with an optional note.
    #[allow(clippy::too_many_arguments)]
    pub fn state_changed(
        &self,
        letterhead: &Letterhead,
        to: &str,
        submission_id: docket_core::SubmissionId,
        reply_token: &str,
        piece: &PieceFacts,
        from: SubmissionState,
        state: SubmissionState,
        note: &str,
    ) -> NewMail {
        let mut mail = self.letter(
            letterhead,
            Letter::StateChanged,
            to,
            context! {
                piece => Value::from_serialize(piece),
                state => state.label(),
                previous_state => from.label(),
                explanation => state_explanation(state),
                note => note,
            },
            Some(submission_id),
        );
        mail.reply_to = letterhead.reply_address(&submission_id.to_string(), reply_token);
        mail
    }

    /// Reminds the holder of a draft of the deadline. Its idempotency key is derived from `job_id`
    /// and the piece, so a reminder job that runs twice queues each reminder once; its Message-ID
    /// is random like every other, so nobody can guess it and answer it as someone else.
    pub fn deadline_reminder(
        &self,
        letterhead: &Letterhead,
        to: &str,
        job_id: i64,
        submission_id: docket_core::SubmissionId,
        piece: &PieceFacts,
        time_left: &str,
    ) -> NewMail {
        let mut mail = self.letter(
            letterhead,
            Letter::DeadlineReminder,
            to,
            context! { piece => Value::from_serialize(piece), time_left => time_left },
            Some(submission_id),
        );
        mail.idempotency_key = Some(format!("reminder:{job_id}:{submission_id}"));
        mail
    }

    /// "Is this from you?": asks the owner of an address whether they sent the message held from
    /// it, with a single-use link. Quotes nothing the sender wrote but the subject line.
    pub fn confirm_message(
        &self,
        letterhead: &Letterhead,
        to: &str,
        original_subject: &str,
        received: &str,
        path: &str,
        days: i64,
    ) -> NewMail {
        self.letter(
            letterhead,
            Letter::ConfirmMessage,
            to,
            context! {
                original_subject => original_subject,
                received => received,
                link => self.link(path),
                days => days,
            },
            None,
        )
    }

    /// The answer to a message that could not be filed: what went wrong, what to send instead.
    pub fn triage_answer(
        &self,
        letterhead: &Letterhead,
        to: &str,
        subject: &str,
        problem: &str,
    ) -> NewMail {
        self.letter(
            letterhead,
            Letter::TriageAnswer,
            to,
            context! {
                problem => problem,
                original_subject => subject,
                sign_in_link => self.link("/account/sign-in"),
            },
            None,
        )
    }

    /// An editor's decision on a piece, in their words. Sent when the undo window ends.
    #[allow(clippy::too_many_arguments)]
    pub fn decision(
        &self,
        letterhead: &Letterhead,
        to: &str,
        submission_id: docket_core::SubmissionId,
        reply_token: &str,
        piece: &PieceFacts,
        decision: &str,
        state: SubmissionState,
        note: &str,
        open_until: &str,
    ) -> NewMail {
        let mut mail = self.letter(
            letterhead,
            Letter::Decision,
            to,
            context! {
                piece => Value::from_serialize(piece),
                decision => decision,
                state => state.label(),
                note => note,
                open_until => open_until,
            },
            Some(submission_id),
        );
        mail.reply_to = letterhead.reply_address(&submission_id.to_string(), reply_token);
        mail
    }

    /// Tells a reviewer they have `count` new pieces to review, linking to their list only: no
    /// titles and no authors, so that it holds for an anonymised review.
    pub fn review_assigned(
        &self,
        letterhead: &Letterhead,
        to: &str,
        count: usize,
        list_path: &str,
    ) -> NewMail {
        self.letter(
            letterhead,
            Letter::ReviewAssigned,
            to,
            context! { count => count, link => self.link(list_path) },
            None,
        )
    }

    /// An organiser's announcement to one of the call's people, with its one-click unsubscribe
    /// address (`/unsubscribe/TOKEN`) in the text and in `List-Unsubscribe`.
    pub fn announcement(
        &self,
        letterhead: &Letterhead,
        to: &str,
        title: &str,
        body: &str,
        unsubscribe_path: &str,
    ) -> NewMail {
        let link = self.link(unsubscribe_path);
        let mut mail = self.letter(
            letterhead,
            Letter::Announcement,
            to,
            context! { title => title, body => body, unsubscribe => link.clone() },
            None,
        );
        mail.list_unsubscribe = Some(link);
        mail
    }

    /// An editor's copy-edit of an accepted piece, for its author to approve.
    pub fn copy_edit(
        &self,
        letterhead: &Letterhead,
        to: &str,
        submission_id: docket_core::SubmissionId,
        reply_token: &str,
        piece: &PieceFacts,
        note: &str,
    ) -> NewMail {
        let mut mail = self.letter(
            letterhead,
            Letter::CopyEdit,
            to,
            context! {
                piece => Value::from_serialize(piece),
                note => note,
                link => self.link(&format!("/submissions/{submission_id}/changes")),
            },
            Some(submission_id),
        );
        mail.reply_to = letterhead.reply_address(&submission_id.to_string(), reply_token);
        mail
    }

    /// Tells an author their piece went live, with its public address (`public_path` on the
    /// call's public site). Sent once: its idempotency key is the piece's.
    #[allow(clippy::too_many_arguments)]
    pub fn live(
        &self,
        letterhead: &Letterhead,
        to: &str,
        submission_id: docket_core::SubmissionId,
        reply_token: &str,
        piece: &PieceFacts,
        public_url: &str,
        day: &str,
        hashtag: Option<&str>,
    ) -> NewMail {
        let mut mail = self.letter(
            letterhead,
            Letter::Live,
            to,
            context! {
                piece => Value::from_serialize(piece),
                link => public_url,
                day => day,
                hashtag => hashtag.unwrap_or_default(),
            },
            Some(submission_id),
        );
        mail.reply_to = letterhead.reply_address(&submission_id.to_string(), reply_token);
        mail.idempotency_key = Some(format!("live:{submission_id}:{to}"));
        mail
    }

    /// An invitation to join a call's staff, with its single-use link.
    pub fn staff_invitation(
        &self,
        letterhead: &Letterhead,
        to: &str,
        inviter: &str,
        role: &str,
        path: &str,
        expires: &str,
    ) -> NewMail {
        self.letter(
            letterhead,
            Letter::StaffInvitation,
            to,
            context! { inviter => inviter, role => role, link => self.link(path), expires => expires },
            None,
        )
    }

    /// An invitation to co-author a piece.
    pub fn coauthor_invite(
        &self,
        letterhead: &Letterhead,
        to: &str,
        submission_id: docket_core::SubmissionId,
        inviter: &str,
        piece: &PieceFacts,
    ) -> NewMail {
        self.letter(
            letterhead,
            Letter::CoauthorInvite,
            to,
            context! { inviter => inviter, piece => Value::from_serialize(piece) },
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
        let head = Letterhead::plain();
        let a = mailer.confirm_email(&head, "a@example.org", "/account/confirm/abc");
        let b = mailer.confirm_email(&head, "a@example.org", "/account/confirm/abc");
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
        let piece = PieceFacts {
            title: "<script>alert(1)</script>".into(),
            kind: "Guest blog".into(),
            days: "Any day".into(),
            length: "700 words".into(),
            revision: 1,
            link: "http://127.0.0.1:8080/submissions/1".into(),
            ..PieceFacts::default()
        };
        let head = Letterhead::for_call(
            CallFacts {
                id: docket_core::CallId(1),
                slug: "week".into(),
                title: "Week".into(),
                organiser: "Org".into(),
                deadline: "noon".into(),
                url: "http://127.0.0.1:8080/calls/week".into(),
                inbox: None,
            },
            vec![],
        );
        let mail = mailer.receipt(
            &head,
            "a@example.org",
            docket_core::SubmissionId(1),
            "token",
            &piece,
        );
        assert!(!mail.html.contains("<script>alert"), "{}", mail.html);
        assert!(
            mail.text.contains("<script>alert(1)</script>"),
            "plain text shows it as typed"
        );
        assert_eq!(mail.call_id, Some(docket_core::CallId(1)));
        assert_eq!(mail.reply_to, None, "no inbox, no reply address");
    }

    #[test]
    fn a_call_wording_that_fails_on_real_data_falls_back_to_docket_s_own() {
        let mailer = Mailer::new("https://docket.example.org");
        let head = Letterhead::for_call(
            CallFacts {
                id: docket_core::CallId(1),
                slug: "week".into(),
                title: "Week".into(),
                organiser: "Org".into(),
                deadline: "noon".into(),
                url: "https://docket.example.org/calls/week".into(),
                inbox: Some("blogs@example.org".into()),
            },
            vec![docket_core::mail::StoredTemplate {
                kind: "receipt".into(),
                template: docket_core::mail::TemplateText {
                    subject: "Thanks {{ piece.warnings[3] }}".into(),
                    text: "{{ piece.link }}".into(),
                    html: "".into(),
                },
                updated_by: "user:1".into(),
                updated_at: jiff::Timestamp::UNIX_EPOCH,
            }],
        );
        let piece = PieceFacts {
            title: "T".into(),
            link: "https://docket.example.org/submissions/7".into(),
            revision: 1,
            ..PieceFacts::default()
        };
        let mail = mailer.receipt(
            &head,
            "a@example.org",
            docket_core::SubmissionId(7),
            "abcdefgh23",
            &piece,
        );
        assert_eq!(mail.subject, "Received: T");
        assert_eq!(
            mail.reply_to.as_deref(),
            Some("blogs+s7-abcdefgh23@example.org")
        );
    }
}
