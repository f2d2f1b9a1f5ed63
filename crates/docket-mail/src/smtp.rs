//! Sending one mail over SMTP with lettre: the settings, the transport, and the message built
//! from a mail's content (its Message-ID fixed, `Auto-Submitted: auto-generated`, a piece's own
//! reply address). The worker that drains the outbox through it lives in `docket-app`.

use std::time::Duration;

use docket_core::mail::NewMail;
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde::{Deserialize, Serialize};

/// How to reach the SMTP server.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    /// `starttls` (port 587), `tls` (implicit TLS, port 465) or `none` (a local relay only).
    pub security: SmtpSecurity,
    pub username: Option<String>,
    pub password: Option<String>,
    /// The sender: `Docket <docket@example.org>`.
    pub from: String,
}

impl std::fmt::Debug for SmtpSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .field("from", &self.from)
            .finish()
    }
}

/// Transport security for SMTP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpSecurity {
    Starttls,
    Tls,
    None,
}

/// Why one send failed.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct SendError {
    /// The server refused for good (5xx): retrying will not help.
    pub permanent: bool,
    pub message: String,
}

/// Something that delivers one outbox row.
#[async_trait::async_trait]
pub trait Transport: Send + Sync {
    /// Hands the mail to the next hop; Ok means it was accepted.
    async fn send(&self, mail: &NewMail) -> Result<(), SendError>;
}

/// SMTP through lettre.
pub struct SmtpTransport {
    inner: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl SmtpTransport {
    /// A transport for `settings`; fails on a malformed sender or host.
    pub fn new(settings: &SmtpSettings) -> Result<Self, String> {
        let from: Mailbox = settings
            .from
            .parse()
            .map_err(|error| format!("smtp.from `{}` is not an address: {error}", settings.from))?;
        let builder = match settings.security {
            SmtpSecurity::Starttls => {
                AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&settings.host)
                    .map_err(|error| format!("smtp.host: {error}"))?
            }
            SmtpSecurity::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&settings.host)
                .map_err(|error| format!("smtp.host: {error}"))?,
            SmtpSecurity::None => {
                AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&settings.host)
            }
        };
        let mut builder = builder
            .port(settings.port)
            .timeout(Some(Duration::from_secs(30)));
        if let (Some(username), Some(password)) = (&settings.username, &settings.password) {
            builder = builder.credentials(Credentials::new(username.clone(), password.clone()));
        }
        Ok(Self {
            inner: builder.build(),
            from,
        })
    }
}

/// Builds the message for an outbox row: multipart/alternative text and HTML, its stable
/// Message-ID, the piece's reply address when it has one, and `Auto-Submitted: auto-generated`
/// so that auto-responders stay quiet.
pub fn build_message(from: &Mailbox, mail: &NewMail) -> Result<Message, SendError> {
    let permanent = |message: String| SendError {
        permanent: true,
        message,
    };
    let to: Mailbox = mail.to.parse().map_err(|error| {
        permanent(format!(
            "recipient `{}` is not an address: {error}",
            mail.to
        ))
    })?;
    let mut builder = Message::builder()
        .from(from.clone())
        .to(to)
        .subject(mail.subject.clone())
        .message_id(Some(mail.message_id.clone()))
        .raw_header(HeaderValue::new(
            HeaderName::new_from_ascii_str("Auto-Submitted"),
            "auto-generated".into(),
        ));
    // Announcements may be stopped in one click (RFC 2369, RFC 8058); no other mail may.
    if let Some(url) = &mail.list_unsubscribe {
        builder = builder
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("List-Unsubscribe"),
                format!("<{url}>"),
            ))
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("List-Unsubscribe-Post"),
                "List-Unsubscribe=One-Click".into(),
            ));
    }
    // A piece's own reply address; an unusable one is left out rather than losing the mail.
    if let Some(reply_to) = &mail.reply_to {
        match reply_to.parse::<Mailbox>() {
            Ok(reply_to) => builder = builder.reply_to(reply_to),
            Err(error) => tracing::warn!(%reply_to, %error, "the reply address is not usable"),
        }
    }
    let text = SinglePart::builder()
        .header(ContentType::TEXT_PLAIN)
        .body(mail.text.clone());
    let built = if mail.html.is_empty() {
        builder.singlepart(text)
    } else {
        let html = SinglePart::builder()
            .header(ContentType::TEXT_HTML)
            .body(mail.html.clone());
        builder.multipart(MultiPart::alternative().singlepart(text).singlepart(html))
    };
    built.map_err(|error| permanent(format!("the message could not be built: {error}")))
}

#[async_trait::async_trait]
impl Transport for SmtpTransport {
    async fn send(&self, mail: &NewMail) -> Result<(), SendError> {
        let message = build_message(&self.from, mail)?;
        self.inner
            .send(message)
            .await
            .map(|_| ())
            .map_err(|error| SendError {
                permanent: error.is_permanent(),
                message: error.to_string(),
            })
    }
}
