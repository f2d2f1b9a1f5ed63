//! The outbox worker: sends queued mail over SMTP, retries with backoff, and gives up after a
//! bounded number of tries. Rows are leased, so several workers (on several nodes) never send
//! the same row; a worker that dies mid-send leaves a lease that runs out, and the row is sent
//! again with the same Message-ID (the one window SMTP cannot close: the receiver accepted,
//! the commit did not happen), so receivers can drop the duplicate.

use std::sync::Arc;
use std::time::Duration;

use docket_core::Clock;
use docket_store::{OutboxMail, Store};
use jiff::SignedDuration;
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
    async fn send(&self, mail: &OutboxMail) -> Result<(), SendError>;
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
pub fn build_message(from: &Mailbox, mail: &OutboxMail) -> Result<Message, SendError> {
    let permanent = |message: String| SendError {
        permanent: true,
        message,
    };
    let to: Mailbox = mail.mail.to.parse().map_err(|error| {
        permanent(format!(
            "recipient `{}` is not an address: {error}",
            mail.mail.to
        ))
    })?;
    let mut builder = Message::builder()
        .from(from.clone())
        .to(to)
        .subject(mail.mail.subject.clone())
        .message_id(Some(mail.mail.message_id.clone()))
        .raw_header(HeaderValue::new(
            HeaderName::new_from_ascii_str("Auto-Submitted"),
            "auto-generated".into(),
        ));
    // A piece's own reply address; an unusable one is left out rather than losing the mail.
    if let Some(reply_to) = &mail.mail.reply_to {
        match reply_to.parse::<Mailbox>() {
            Ok(reply_to) => builder = builder.reply_to(reply_to),
            Err(error) => tracing::warn!(%reply_to, %error, "the reply address is not usable"),
        }
    }
    let text = SinglePart::builder()
        .header(ContentType::TEXT_PLAIN)
        .body(mail.mail.text.clone());
    let built = if mail.mail.html.is_empty() {
        builder.singlepart(text)
    } else {
        let html = SinglePart::builder()
            .header(ContentType::TEXT_HTML)
            .body(mail.mail.html.clone());
        builder.multipart(MultiPart::alternative().singlepart(text).singlepart(html))
    };
    built.map_err(|error| permanent(format!("the message could not be built: {error}")))
}

#[async_trait::async_trait]
impl Transport for SmtpTransport {
    async fn send(&self, mail: &OutboxMail) -> Result<(), SendError> {
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

/// How the worker paces itself.
#[derive(Debug, Clone)]
pub struct WorkerSettings {
    /// This worker's name in leases (unique per process).
    pub name: String,
    /// How long a leased row is this worker's before another may take it.
    pub lease: SignedDuration,
    /// Rows taken per round.
    pub batch: i64,
    /// Tries before a mail is marked failed.
    pub max_attempts: i64,
    /// Wait after the first failure; doubled each time.
    pub first_retry: SignedDuration,
    /// Pause between rounds when nothing is due.
    pub idle_poll: Duration,
}

impl Default for WorkerSettings {
    fn default() -> Self {
        Self {
            name: format!("worker-{}-{}", std::process::id(), rand::random::<u32>()),
            lease: SignedDuration::from_mins(5),
            batch: 20,
            max_attempts: 8,
            first_retry: SignedDuration::from_mins(1),
            idle_poll: Duration::from_secs(2),
        }
    }
}

/// What one round did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Round {
    pub sent: usize,
    pub retrying: usize,
    pub failed: usize,
}

/// Leases due rows and sends them, once. Returns what happened.
pub async fn run_once(
    store: &dyn Store,
    transport: &dyn Transport,
    clock: &dyn Clock,
    settings: &WorkerSettings,
) -> Result<Round, docket_store::StoreError> {
    let now = clock.now();
    let lease_until = now.checked_add(settings.lease).unwrap_or(now);
    let mails = store
        .lease_outbox(&settings.name, now, lease_until, settings.batch)
        .await?;
    let mut round = Round::default();
    for mail in mails {
        match transport.send(&mail).await {
            Ok(()) => {
                crate::crashpoint::reached("outbox.before_mark_sent");
                // The window SMTP cannot close is from here to this commit: keep it short.
                store
                    .mark_sent(mail.id, &settings.name, clock.now())
                    .await?;
                round.sent += 1;
            }
            Err(error) => {
                let attempts = mail.attempts + 1;
                let retry_at = (!error.permanent && attempts < settings.max_attempts).then(|| {
                    let factor = 1i64 << (attempts - 1).clamp(0, 16);
                    clock
                        .now()
                        .checked_add(settings.first_retry * factor as i32)
                        .unwrap_or_else(|_| clock.now())
                });
                tracing::warn!(id = mail.id, attempts, permanent = error.permanent, error = %error.message, "sending mail failed");
                if retry_at.is_some() {
                    round.retrying += 1;
                } else {
                    round.failed += 1;
                }
                store
                    .mark_attempt_failed(mail.id, &settings.name, &error.message, retry_at)
                    .await?;
            }
        }
    }
    Ok(round)
}

/// Runs rounds until `shutdown` resolves; a round that sent a full batch is followed at once.
pub async fn run(
    store: Arc<dyn Store>,
    transport: Arc<dyn Transport>,
    clock: Arc<dyn Clock>,
    settings: WorkerSettings,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) {
    tracing::info!(worker = %settings.name, "outbox worker started");
    loop {
        let busy = match run_once(
            store.as_ref(),
            transport.as_ref(),
            clock.as_ref(),
            &settings,
        )
        .await
        {
            Ok(round) => round.sent + round.retrying + round.failed >= settings.batch as usize,
            Err(error) => {
                tracing::error!(%error, "outbox worker could not reach the database");
                false
            }
        };
        if busy {
            continue;
        }
        tokio::select! {
            _ = tokio::time::sleep(settings.idle_poll) => {}
            _ = shutdown.changed() => {}
        }
        if *shutdown.borrow() {
            break;
        }
    }
    tracing::info!(worker = %settings.name, "outbox worker stopped");
}
