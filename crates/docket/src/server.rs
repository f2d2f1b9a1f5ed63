//! Wiring: open the store, migrate, build the app state, serve until SIGTERM or Ctrl-C.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use docket_core::Clock;
use docket_store::Store;
use docket_web::{AppState, Application, WebConfig};

use crate::config::{Config, LogFormat};

/// Sets up logging once for the process, from the configuration (`RUST_LOG` wins when set).
pub fn init_logging(config: &Config) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(&config.log));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match config.log_format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}

/// Opens and migrates the store the configuration names.
pub async fn open_store(config: &Config) -> anyhow::Result<Arc<dyn Store>> {
    let url = config.database_url.expose();
    let store = docket_store::connect(url).await.with_context(|| {
        format!(
            "could not open the database at {}",
            docket_store::redact_url(url)
        )
    })?;
    store
        .migrate()
        .await
        .context("could not bring the database schema up to date")?;
    tracing::info!(backend = %store.backend(), database = %docket_store::redact_url(url), "database ready");
    Ok(store)
}

/// Binds `listen`, or when `fallback_to_any_port` and that port is taken, any free port.
pub async fn bind(
    listen: SocketAddr,
    state: AppState,
    fallback_to_any_port: bool,
) -> anyhow::Result<Application> {
    match Application::bind(listen, state.clone()).await {
        Ok(app) => Ok(app),
        Err(error) if fallback_to_any_port && error.kind() == std::io::ErrorKind::AddrInUse => {
            tracing::warn!(%listen, "address in use; picking a free port instead");
            Ok(Application::bind(SocketAddr::new(listen.ip(), 0), state).await?)
        }
        Err(error) => Err(error).with_context(|| format!("could not listen on {listen} (is another server using it? set `listen` or DOCKET_LISTEN)")),
    }
}

/// The app state over `store` and `clock`; `demo` opens the demo mailbox.
/// The web's state. `ingest` is the node's one [`ingest_settings`], shared with its mail intake
/// so that both ask one authenticator (and fill one DNS cache).
pub fn state(
    config: &Config,
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    demo: bool,
    ingest: docket_app::ingest::IngestSettings,
) -> AppState {
    if !demo && config.smtp.is_none() {
        tracing::warn!(
            "no SMTP server is configured: emails are kept in the outbox and not sent. Set [smtp] in the configuration (see `docket config default`); `docket mail outbox` lists what is waiting"
        );
    }
    AppState::new(
        store,
        clock,
        WebConfig {
            max_body_bytes: config.max_body_bytes,
            public_url: config.public_url.clone(),
            demo,
            metrics_token: config
                .metrics_token
                .as_ref()
                .map(|token| token.expose().to_owned()),
            ingest,
            trusted_proxies: config.trusted_proxies.clone(),
            undo_window: jiff::SignedDuration::from_mins(i64::from(config.decisions.undo_minutes)),
            ..WebConfig::default()
        },
    )
}

/// Resolves when the process is asked to stop (SIGTERM, or Ctrl-C).
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}

/// Serves `app` until a shutdown signal, finishing the requests in flight.
pub async fn serve(app: Application) -> anyhow::Result<()> {
    app.run(shutdown_signal()).await.context("server failed")
}

/// Starts the outbox worker when SMTP is configured; the returned sender stops it.
pub fn start_outbox_worker(
    config: &Config,
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
) -> anyhow::Result<
    Option<(
        tokio::sync::watch::Sender<bool>,
        tokio::task::JoinHandle<()>,
    )>,
> {
    let Some(smtp) = &config.smtp else {
        return Ok(None);
    };
    let transport = docket_mail::smtp::SmtpTransport::new(smtp).map_err(anyhow::Error::msg)?;
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let worker = tokio::spawn(docket_app::outbox::run(
        store,
        Arc::new(transport),
        clock,
        docket_app::outbox::WorkerSettings::default(),
        stopped,
    ));
    tracing::info!(host = %smtp.host, port = smtp.port, "sending mail through SMTP");
    Ok(Some((stop, worker)))
}

/// Starts the job runner (deadline reminders); the returned sender stops it. Every node runs one:
/// jobs are leased, so none runs twice at once.
pub fn start_job_runner(
    config: &Config,
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
) -> (
    tokio::sync::watch::Sender<bool>,
    tokio::task::JoinHandle<()>,
) {
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let runner = tokio::spawn(docket_app::jobs::run(
        store,
        clock,
        Arc::new(docket_mail::Mailer::new(&config.public_url)),
        runner_settings(config),
        stopped,
    ));
    (stop, runner)
}

/// How mail is read, from the configuration.
pub fn ingest_settings(config: &Config) -> docket_app::ingest::IngestSettings {
    let authenticator = config.mail.dkim || !config.mail.trusted_authserv_ids.is_empty();
    let authenticator = authenticator
        .then(|| {
            let dns = if config.mail.dns_servers.is_empty() {
                docket_app::mail::auth::Dns::System
            } else {
                docket_app::mail::auth::Dns::Servers(config.mail.dns_servers.clone())
            };
            docket_app::mail::auth::Authenticator::new(
                &dns,
                config.mail.trusted_authserv_ids.clone(),
                std::time::Duration::from_secs(config.mail.dns_timeout_seconds.clamp(1, 60)),
                config.mail.dkim,
            )
            .map_err(|error| {
                tracing::warn!(%error, "mail senders cannot be authenticated; every message from an existing account's address waits for its owner's confirmation");
            })
            .ok()
        })
        .flatten();
    docket_app::ingest::IngestSettings {
        confirm_days: config.mail.confirm_days.max(1),
        authenticator: authenticator.map(Arc::new),
        ..docket_app::ingest::IngestSettings::default()
    }
}

/// How the job runner paces itself, from the configuration.
pub fn runner_settings(config: &Config) -> docket_app::jobs::RunnerSettings {
    docket_app::jobs::RunnerSettings {
        confirm_within: jiff::SignedDuration::from_hours(24 * config.mail.confirm_days.max(1)),
        // A month here is 30.44 days, as the calendar averages.
        retention: jiff::SignedDuration::from_hours(i64::from(config.retention_months) * 730),
        poll: std::time::Duration::from_secs(config.jobs_poll_seconds.clamp(1, 3600)),
        ..docket_app::jobs::RunnerSettings::default()
    }
}

/// What ingesting mail needs: the store, the clock, the mailer for receipts and answers.
pub fn ingestor(
    config: &Config,
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    settings: docket_app::ingest::IngestSettings,
) -> docket_app::intake::Intake {
    docket_app::intake::Intake {
        store,
        clock,
        mailer: Arc::new(docket_mail::Mailer::new(&config.public_url)),
        settings,
    }
}
