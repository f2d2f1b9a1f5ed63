//! The IMAP poller: watches a mailbox (IDLE where the server offers it, else an interval) and
//! ingests each unseen message. A message is read with `BODY.PEEK[]`, which leaves it unseen,
//! and flagged `\Seen` only after its ingestion has committed: a crash between the two loses
//! nothing, and the message read again is recognised by its Message-ID and not stored twice.

use std::fmt::Debug;
use std::sync::Arc;
use std::time::Duration;

use futures_util::TryStreamExt;
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

/// Where the organiser's mailbox is.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImapSettings {
    pub host: String,
    pub port: u16,
    /// `tls` (port 993) or `none` (a server on this machine only).
    pub security: ImapSecurity,
    pub username: String,
    pub password: String,
    #[serde(default = "inbox")]
    pub mailbox: String,
    /// Seconds between polls when the server has no IDLE.
    #[serde(default = "interval")]
    pub poll_seconds: u64,
}

fn inbox() -> String {
    "INBOX".into()
}

fn interval() -> u64 {
    60
}

impl Debug for ImapSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ImapSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("username", &self.username)
            .field("password", &"***")
            .field("mailbox", &self.mailbox)
            .finish()
    }
}

/// Transport security for IMAP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ImapSecurity {
    Tls,
    None,
}

/// A connection, plain or TLS.
trait Stream: AsyncRead + AsyncWrite + Unpin + Send + Debug {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send + Debug> Stream for T {}

type Session = async_imap::Session<Box<dyn Stream>>;

/// What went wrong talking to the mailbox.
#[derive(Debug, thiserror::Error)]
pub enum PollError {
    #[error("IMAP connection: {0}")]
    Connect(String),
    #[error("IMAP: {0}")]
    Imap(#[from] async_imap::error::Error),
    /// The sink could not file a message (the database was unreachable, say): the message
    /// stays unseen and is read again next time.
    #[error("filing a message failed: {0}")]
    Sink(SinkError),
}

/// Why a [`MessageSink`] could not file a message.
pub type SinkError = Box<dyn std::error::Error + Send + Sync>;

/// Where the poller hands each message. `file` returns only once what became of the message is
/// committed: the poller flags it `\Seen` after that, never before.
#[async_trait::async_trait]
pub trait MessageSink: Send + Sync {
    /// What became of a message, for logs and the caller.
    type Outcome: Debug + Send;

    async fn file(&self, raw: &[u8]) -> Result<Self::Outcome, SinkError>;
}

async fn connect(settings: &ImapSettings) -> Result<Session, PollError> {
    let tcp = TcpStream::connect((settings.host.as_str(), settings.port))
        .await
        .map_err(|error| {
            PollError::Connect(format!("{}:{}: {error}", settings.host, settings.port))
        })?;
    let stream: Box<dyn Stream> = match settings.security {
        ImapSecurity::None => Box::new(tcp),
        ImapSecurity::Tls => {
            let mut roots = tokio_rustls::rustls::RootCertStore::empty();
            for certificate in rustls_native_certs::load_native_certs().certs {
                let _ = roots.add(certificate);
            }
            let config = tokio_rustls::rustls::ClientConfig::builder()
                .with_root_certificates(roots)
                .with_no_client_auth();
            let name = tokio_rustls::rustls::pki_types::ServerName::try_from(settings.host.clone())
                .map_err(|error| PollError::Connect(format!("{}: {error}", settings.host)))?;
            let tls = tokio_rustls::TlsConnector::from(Arc::new(config))
                .connect(name, tcp)
                .await
                .map_err(|error| {
                    PollError::Connect(format!("TLS with {}: {error}", settings.host))
                })?;
            Box::new(tls)
        }
    };
    let mut client = async_imap::Client::new(stream);
    client
        .read_response()
        .await
        .map_err(|error| PollError::Connect(format!("no greeting: {error}")))?;
    let session = client
        .login(&settings.username, &settings.password)
        .await
        .map_err(|(error, _)| error)?;
    Ok(session)
}

/// Ingests every unseen message once, flagging each seen after it committed. Returns the outcomes.
pub async fn poll_once<S: MessageSink>(
    settings: &ImapSettings,
    sink: &S,
) -> Result<Vec<S::Outcome>, PollError> {
    let mut session = connect(settings).await?;
    let outcomes = drain(&mut session, settings, sink).await;
    let _ = session.logout().await;
    outcomes
}

async fn drain<S: MessageSink>(
    session: &mut Session,
    settings: &ImapSettings,
    sink: &S,
) -> Result<Vec<S::Outcome>, PollError> {
    session.select(&settings.mailbox).await?;
    let mut uids: Vec<u32> = session.uid_search("UNSEEN").await?.into_iter().collect();
    uids.sort_unstable();
    let mut outcomes = Vec::new();
    for uid in uids {
        let raw = {
            let fetches: Vec<_> = session
                .uid_fetch(uid.to_string(), "BODY.PEEK[]")
                .await?
                .try_collect()
                .await?;
            fetches
                .iter()
                .find_map(|fetch| fetch.body().map(<[u8]>::to_vec))
        };
        let Some(raw) = raw else {
            continue;
        };
        crate::crashpoint::reached("poll.before_commit");
        let outcome = sink.file(&raw).await.map_err(PollError::Sink)?;
        tracing::info!(uid, ?outcome, "ingested a message");
        crate::crashpoint::reached("poll.before_seen");
        // Only now, after the commit, is the message marked seen.
        let _: Vec<_> = session
            .uid_store(uid.to_string(), "+FLAGS (\\Seen)")
            .await?
            .try_collect()
            .await?;
        outcomes.push(outcome);
    }
    Ok(outcomes)
}

/// Watches the mailbox until `shutdown` is set, reconnecting after errors.
pub async fn run<S: MessageSink>(
    settings: ImapSettings,
    sink: S,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) {
    let pause = Duration::from_secs(settings.poll_seconds.max(1));
    while !*shutdown.borrow() {
        match watch_once(&settings, &sink, pause).await {
            Ok(()) => {}
            Err(error) => tracing::warn!(%error, "mailbox poll failed; trying again"),
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_millis(200)) => {}
            _ = shutdown.changed() => {}
        }
    }
}

/// One connection: drain, then wait for news (IDLE) or the interval, then drain again.
async fn watch_once<S: MessageSink>(
    settings: &ImapSettings,
    sink: &S,
    pause: Duration,
) -> Result<(), PollError> {
    let mut session = connect(settings).await?;
    drain(&mut session, settings, sink).await?;
    let idle = session.capabilities().await?.has_str("IDLE");
    if idle {
        let mut handle = session.idle();
        handle.init().await?;
        let (wait, _interrupt) =
            handle.wait_with_timeout(Duration::from_secs(25 * 60).min(pause * 10));
        let _ = wait.await;
        let mut session = handle.done().await?;
        drain(&mut session, settings, sink).await?;
        let _ = session.logout().await;
    } else {
        let _ = session.logout().await;
        tokio::time::sleep(pause).await;
    }
    Ok(())
}
