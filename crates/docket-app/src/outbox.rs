//! The outbox worker: sends queued mail over SMTP, retries with backoff, and gives up after a
//! bounded number of tries. Rows are leased, so several workers (on several nodes) never send
//! the same row; a worker that dies mid-send leaves a lease that runs out, and the row is sent
//! again with the same Message-ID (the one window SMTP cannot close: the receiver accepted,
//! the commit did not happen), so receivers can drop the duplicate.

use std::sync::Arc;
use std::time::Duration;

use docket_core::Clock;
use docket_mail::smtp::Transport;
use docket_store::Store;
use jiff::SignedDuration;

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
        match transport.send(&mail.mail).await {
            Ok(()) => {
                docket_mail::crashpoint::reached("outbox.before_mark_sent");
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
