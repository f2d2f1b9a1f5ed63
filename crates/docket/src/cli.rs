//! The command line: one subcommand per task, each with its options.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand};
use docket_core::call_file::{self, CheckReport};
use docket_core::{Clock, DemoClock, SystemClock};
use docket_store::{Actor, StaffRole};
use jiff::Timestamp;

use crate::config::{Config, DatabaseUrl};
use crate::server;

/// Docket runs a call for contributions for a themed week and publishes what comes in.
#[derive(Debug, Parser)]
#[command(name = "docket", version, about, propagate_version = true)]
pub struct Cli {
    /// Configuration file (TOML). Defaults to ./docket.toml when present.
    #[arg(long, global = true, env = "DOCKET_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Try Docket: the Digital Justice Week 2022 call on an embedded database and a demo clock.
    Demo(DemoArgs),
    /// Run the server with the configured database.
    Serve,
    /// Check, import and export call files.
    #[command(subcommand)]
    Call(CallCommand),
    /// Configuration helpers.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Email: the outbox, sending, and mail coming in.
    #[command(subcommand)]
    Mail(MailCommand),
    /// Who runs a call: organisers, editors and reviewers, who see its console at /console.
    #[command(subcommand)]
    Staff(StaffCommand),
    /// Background jobs (deadline reminders): list them, or run what is due.
    #[command(subcommand)]
    Jobs(JobsCommand),
    /// Pledges: who said they would write for which day, and whether the piece came.
    #[command(subcommand)]
    Pledges(PledgesCommand),
    /// Internal: reads one PDF, audio file or web page in a process of its own, for the server
    /// (docket_documents::isolate).
    #[command(name = "__extract-worker", hide = true)]
    ExtractWorker,
    /// Site administrators: they see every call, and the mail Docket could tie to no call.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Write a call's public week out as static files.
    #[command(subcommand)]
    Export(ExportCommand),
}

#[derive(Debug, Subcommand)]
enum ExportCommand {
    /// The whole public week (pages, files, feeds, calendar) as static files in DIR, with
    /// relative links between pages: it works from any folder of any web server. A second run
    /// rewrites only what changed.
    Site {
        /// The call's slug.
        slug: String,
        /// The folder to write (made when missing).
        dir: PathBuf,
        /// The full address the site will be at (for canonical links and feeds), such as
        /// https://example.org/digital-justice-week/.
        #[arg(long)]
        base_url: String,
    },
}

#[derive(Debug, Subcommand)]
enum AdminCommand {
    /// Make someone a site administrator. They sign in with this address.
    Add {
        /// Their email address.
        email: String,
    },
    /// Take someone off the site administrators.
    Remove {
        /// Their email address.
        email: String,
    },
    /// List the site administrators.
    List,
}

#[derive(Debug, Subcommand)]
enum StaffCommand {
    /// Add someone to a call's staff, or change their role. They sign in with this address.
    Add {
        /// The call's slug.
        slug: String,
        /// Their email address.
        email: String,
        /// `organiser` (runs the call: its emails, its staff), `editor` (decides and places pieces) or `reviewer` (reviews what is assigned).
        #[arg(long, default_value = "organiser")]
        role: String,
    },
    /// Take someone off a call's staff.
    Remove {
        /// The call's slug.
        slug: String,
        /// Their email address.
        email: String,
    },
    /// List a call's staff.
    List {
        /// The call's slug.
        slug: String,
    },
}

#[derive(Debug, Subcommand)]
enum PledgesCommand {
    /// List a call's pledges, one a line, tab-separated: id, where it stands, kind, days,
    /// address, author, working title, made, piece.
    List {
        /// The call's slug.
        slug: String,
    },
}

#[derive(Debug, Subcommand)]
enum JobsCommand {
    /// List a call's jobs: what, when, and what became of them.
    List {
        /// The call's slug.
        slug: String,
    },
    /// Run every job that is due now, once (for cron, or to send a reminder without the server).
    Run,
}

#[derive(Debug, Subcommand)]
enum MailCommand {
    /// List queued, sent and failed mail, newest first.
    Outbox {
        /// How many to list.
        #[arg(long, default_value_t = 50)]
        limit: i64,
    },
    /// File one raw message read from standard input (for an MTA pipe).
    Ingest,
    /// Watch the configured IMAP mailbox ([imap]) and file each new message.
    Poll {
        /// Read what is waiting once, then stop.
        #[arg(long)]
        once: bool,
    },
    /// Send the queued mail through the configured SMTP server ([smtp]), without the web server.
    Send {
        /// Send what is due, then stop (for cron); otherwise keep sending until SIGTERM or Ctrl-C.
        #[arg(long)]
        once: bool,
        /// Seconds a mail taken for sending is this sender's alone. If the sender dies
        /// mid-send, another takes the mail over only after this, and sends it again with the
        /// same Message-ID.
        #[arg(long, default_value_t = 300, value_name = "SECONDS", value_parser = clap::value_parser!(u32).range(1..))]
        lease_seconds: u32,
    },
    /// List inbound messages and what became of them (triage first).
    Inbound {
        /// How many to list.
        #[arg(long, default_value_t = 50)]
        limit: i64,
    },
}

#[derive(Debug, Args)]
struct DemoArgs {
    /// Address to listen on. If the port is taken, a free one is used.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: std::net::SocketAddr,
    /// Database for the demo.
    #[arg(long, default_value = "sqlite://docket-demo.db")]
    database: String,
    /// Where the demo clock starts (RFC 3339, e.g. 2022-10-13T09:00:00+01:00). Defaults to
    /// 09:00 on the day the call was published.
    #[arg(long)]
    at: Option<Timestamp>,
    /// Start without the sample people and pieces (the call alone).
    #[arg(long)]
    empty: bool,
}

#[derive(Debug, Subcommand)]
enum CallCommand {
    /// Check call files: every problem with its line and column; exit status 1 when any has errors.
    Check {
        /// Call files (TOML).
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Store a call (replacing the call with the same slug). Refuses a file with errors.
    Import {
        /// The call file (TOML).
        file: PathBuf,
    },
    /// Write a stored call out as a call file.
    Export {
        /// The call's slug.
        slug: String,
        /// Write here instead of standard output.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
enum ConfigCommand {
    /// Print a commented configuration file with every setting at its default.
    Default,
}

/// Runs the parsed command line and returns the process's exit status.
pub fn run(cli: Cli) -> ExitCode {
    match dispatch(cli) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(2)
        }
    }
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("could not start the async runtime")
}

fn dispatch(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::ExtractWorker => Ok(ExitCode::from(
            u8::try_from(docket_documents::isolate::worker_main()).unwrap_or(1),
        )),
        Command::Config(ConfigCommand::Default) => {
            print!("{}", crate::config::DEFAULT_FILE);
            Ok(ExitCode::SUCCESS)
        }
        Command::Call(CallCommand::Check { files }) => check_files(&files),
        Command::Mail(MailCommand::Outbox { limit }) => {
            let config = Config::load(cli.config.as_deref()).map_err(anyhow::Error::msg)?;
            runtime()?.block_on(list_outbox(&config, limit))
        }
        Command::Mail(MailCommand::Ingest) => {
            let config = Config::load(cli.config.as_deref()).map_err(anyhow::Error::msg)?;
            let mut raw = Vec::new();
            std::io::Read::read_to_end(&mut std::io::stdin(), &mut raw)
                .context("could not read the message from standard input")?;
            runtime()?.block_on(ingest_stdin(&config, &raw))
        }
        Command::Mail(MailCommand::Poll { once }) => {
            let config = Config::load(cli.config.as_deref()).map_err(anyhow::Error::msg)?;
            server::init_logging(&config);
            runtime()?.block_on(poll(&config, once))
        }
        Command::Mail(MailCommand::Send {
            once,
            lease_seconds,
        }) => {
            let config = Config::load(cli.config.as_deref()).map_err(anyhow::Error::msg)?;
            server::init_logging(&config);
            runtime()?.block_on(send(&config, once, lease_seconds))
        }
        Command::Mail(MailCommand::Inbound { limit }) => {
            let config = Config::load(cli.config.as_deref()).map_err(anyhow::Error::msg)?;
            runtime()?.block_on(list_inbound(&config, limit))
        }
        Command::Call(CallCommand::Import { file }) => {
            let config = Config::load(cli.config.as_deref()).map_err(anyhow::Error::msg)?;
            runtime()?.block_on(import(&config, &file))
        }
        Command::Call(CallCommand::Export { slug, output }) => {
            let config = Config::load(cli.config.as_deref()).map_err(anyhow::Error::msg)?;
            runtime()?.block_on(export(&config, &slug, output.as_deref()))
        }
        Command::Export(ExportCommand::Site {
            slug,
            dir,
            base_url,
        }) => {
            let config = Config::load(cli.config.as_deref()).map_err(anyhow::Error::msg)?;
            runtime()?.block_on(export_site(&config, &slug, &dir, &base_url))
        }
        Command::Staff(command) => {
            let config = Config::load(cli.config.as_deref()).map_err(anyhow::Error::msg)?;
            runtime()?.block_on(staff(&config, command))
        }
        Command::Jobs(command) => {
            let config = Config::load(cli.config.as_deref()).map_err(anyhow::Error::msg)?;
            runtime()?.block_on(jobs(&config, command))
        }
        Command::Pledges(PledgesCommand::List { slug }) => {
            let config = Config::load(cli.config.as_deref()).map_err(anyhow::Error::msg)?;
            runtime()?.block_on(pledges(&config, &slug))
        }
        Command::Admin(command) => {
            let config = Config::load(cli.config.as_deref()).map_err(anyhow::Error::msg)?;
            runtime()?.block_on(admin(&config, command))
        }
        Command::Serve => {
            let config = Config::load(cli.config.as_deref()).map_err(anyhow::Error::msg)?;
            server::init_logging(&config);
            runtime()?.block_on(serve(config))
        }
        Command::Demo(args) => {
            let mut config = Config::load(cli.config.as_deref()).map_err(anyhow::Error::msg)?;
            config.database_url = DatabaseUrl::from(args.database.as_str());
            config.listen = args.listen;
            server::init_logging(&config);
            runtime()?.block_on(demo(config, args.at, args.empty))
        }
    }
}

async fn stored_call(
    store: &dyn docket_store::Store,
    slug: &str,
) -> anyhow::Result<docket_store::StoredCall> {
    store.call(slug).await?.with_context(|| {
        format!("there is no call `{slug}`: import it first with `docket call import FILE`")
    })
}

async fn staff(config: &Config, command: StaffCommand) -> anyhow::Result<ExitCode> {
    let store = server::open_store(config).await?;
    let now = Timestamp::now();
    match command {
        StaffCommand::Add { slug, email, role } => {
            let call = stored_call(store.as_ref(), &slug).await?;
            let Some(role) = StaffRole::parse(&role) else {
                bail!("`{role}` is not a role: use `organiser`, `editor` or `reviewer`");
            };
            let email = typed_address(&email)?;
            store
                .add_staff(call.id, &email, role, &Actor::Cli, now)
                .await?;
            println!(
                "{email} is now {} of {}. They sign in (or sign up) with this address, set up a second factor (an authenticator app) and find the call at /console.",
                match role {
                    StaffRole::Organiser => "an organiser",
                    StaffRole::Editor => "an editor",
                    StaffRole::Reviewer => "a reviewer",
                },
                call.call.title
            );
        }
        StaffCommand::Remove { slug, email } => {
            let call = stored_call(store.as_ref(), &slug).await?;
            let email = email.trim().to_lowercase();
            if !store
                .remove_staff(call.id, &email, &Actor::Cli, now)
                .await?
            {
                bail!("{email} is not on the staff of {}", call.call.title);
            }
            println!("{email} is no longer on the staff of {}.", call.call.title);
        }
        StaffCommand::List { slug } => {
            let call = stored_call(store.as_ref(), &slug).await?;
            let staff = store.staff(call.id).await?;
            if staff.is_empty() {
                println!(
                    "{} has no staff yet: add an organiser with `docket staff add {slug} EMAIL`.",
                    call.call.title
                );
            }
            for member in staff {
                println!("{:<10} {}", member.role.as_str(), member.email);
            }
        }
    }
    store.close().await;
    Ok(ExitCode::SUCCESS)
}

/// Reads an address typed on the command line, as accounts are keyed: parsed and lower-cased.
fn typed_address(email: &str) -> anyhow::Result<String> {
    docket_core::Email::parse(email)
        .map(|email| email.normalised().into_string())
        .map_err(|error| anyhow::anyhow!("{error}"))
}

async fn admin(config: &Config, command: AdminCommand) -> anyhow::Result<ExitCode> {
    let store = server::open_store(config).await?;
    let now = Timestamp::now();
    match command {
        AdminCommand::Add { email } => {
            let email = typed_address(&email)?;
            store.add_admin(&email, &Actor::Cli, now).await?;
            println!(
                "{email} is now a site administrator. They sign in (or sign up) with this address and find every call, and the mail for no call, at /console."
            );
        }
        AdminCommand::Remove { email } => {
            let email = email.trim().to_lowercase();
            if !store.remove_admin(&email, &Actor::Cli, now).await? {
                bail!("{email} is not a site administrator (`docket admin list` lists them)");
            }
            println!("{email} is no longer a site administrator.");
        }
        AdminCommand::List => {
            let admins = store.admins().await?;
            if admins.is_empty() {
                println!(
                    "There are no site administrators yet: add one with `docket admin add EMAIL`."
                );
            }
            for (email, added) in admins {
                println!("{email}  (since {})", added.strftime("%Y-%m-%d"));
            }
        }
    }
    store.close().await;
    Ok(ExitCode::SUCCESS)
}

async fn jobs(config: &Config, command: JobsCommand) -> anyhow::Result<ExitCode> {
    let store = server::open_store(config).await?;
    match command {
        JobsCommand::List { slug } => {
            let call = stored_call(store.as_ref(), &slug).await?;
            for job in store.call_jobs(call.id).await? {
                println!(
                    "{:<10} {:<14} {}  {}",
                    job.status,
                    job.kind,
                    call.call.local(job.run_at).strftime("%Y-%m-%d %H:%M %Z"),
                    job.outcome.or(job.last_error).unwrap_or_default()
                );
            }
        }
        JobsCommand::Run => {
            let mailer = docket_mail::Mailer::new(&config.public_url);
            let done = docket_app::jobs::run_once(
                store.as_ref(),
                &SystemClock,
                &mailer,
                &server::runner_settings(config),
            )
            .await?;
            if done.is_empty() {
                println!("No job is due.");
            }
            for (job, outcome) in done {
                println!("{} (job {}): {outcome}", job.kind, job.id);
            }
        }
    }
    store.close().await;
    Ok(ExitCode::SUCCESS)
}

async fn pledges(config: &Config, slug: &str) -> anyhow::Result<ExitCode> {
    let store = server::open_store(config).await?;
    let call = stored_call(store.as_ref(), slug).await?;
    let now = jiff::Timestamp::now();
    println!("id\tstands\tkind\tdays\taddress\tauthor\tworking title\tmade\tpiece");
    // Tabs and line breaks someone typed would break the columns.
    let cell = |text: &str| text.replace(['\t', '\n', '\r'], " ");
    for record in store.call_pledges(call.id).await? {
        let promised = &record.pledge;
        let stands =
            docket_core::pledge::Standing::of(record.state, record.piece_sent(), &call.call, now);
        println!(
            "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
            record.id,
            stands.label(),
            cell(&promised.kind_name(&call.call)),
            cell(
                &promised
                    .days
                    .as_ref()
                    .map(|days| days.describe(&call.call))
                    .unwrap_or_default()
            ),
            record.owner_email,
            cell(&promised.author),
            cell(&promised.working_title),
            call.call
                .local(record.created_at)
                .strftime("%Y-%m-%d %H:%M %Z"),
            record
                .submission_id
                .map(|id| id.to_string())
                .unwrap_or_default(),
        );
    }
    store.close().await;
    Ok(ExitCode::SUCCESS)
}

fn read_file(path: &Path) -> anyhow::Result<String> {
    let bytes =
        std::fs::read(path).with_context(|| format!("could not read {}", path.display()))?;
    String::from_utf8(bytes).map_err(|error| {
        anyhow::anyhow!(
            "{} is not UTF-8 text (first bad byte at offset {}): save it as UTF-8",
            path.display(),
            error.utf8_error().valid_up_to()
        )
    })
}

fn print_report(path: &Path, report: &CheckReport) {
    for diagnostic in &report.diagnostics {
        eprintln!("{}:{diagnostic}", path.display());
    }
    let errors = report.errors().count();
    let warnings = report.warnings().count();
    let plural = |n: usize, word: &str| {
        if n == 1 {
            format!("1 {word}")
        } else {
            format!("{n} {word}s")
        }
    };
    eprintln!(
        "{}: {}, {}",
        path.display(),
        plural(errors, "error"),
        plural(warnings, "warning")
    );
}

fn check_files(files: &[PathBuf]) -> anyhow::Result<ExitCode> {
    let mut failed = false;
    for path in files {
        let source = read_file(path)?;
        let report = call_file::check(&source);
        print_report(path, &report);
        failed |= report.has_errors();
    }
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

async fn import(config: &Config, path: &Path) -> anyhow::Result<ExitCode> {
    let source = read_file(path)?;
    let report = call_file::check(&source);
    print_report(path, &report);
    let Some(call) = report.call else {
        eprintln!("not imported: fix the errors above and run the import again");
        return Ok(ExitCode::from(1));
    };
    let store = server::open_store(config).await?;
    let (stored, saved) = store
        .save_call(&call, &Actor::Cli, Timestamp::now())
        .await?;
    store.close().await;
    let verb = match saved {
        docket_store::Saved::Created => "imported",
        docket_store::Saved::Updated => "updated",
    };
    println!("{verb} call {} ({})", stored.call.slug, stored.call.title);
    Ok(ExitCode::SUCCESS)
}

async fn export(config: &Config, slug: &str, output: Option<&Path>) -> anyhow::Result<ExitCode> {
    let store = server::open_store(config).await?;
    let stored = store.call(slug).await?;
    store.close().await;
    let Some(stored) = stored else {
        bail!("there is no call with the slug `{slug}` (the home page lists the calls)");
    };
    let text = call_file::export(&stored.call);
    match output {
        Some(path) => std::fs::write(path, text)
            .with_context(|| format!("could not write {}", path.display()))?,
        None => print!("{text}"),
    }
    Ok(ExitCode::SUCCESS)
}

async fn ingest_stdin(config: &Config, raw: &[u8]) -> anyhow::Result<ExitCode> {
    let store = server::open_store(config).await?;
    let ingestor = server::ingestor(
        config,
        store.clone(),
        Arc::new(SystemClock),
        server::ingest_settings(config),
    );
    let outcome = docket_app::ingest::ingest(
        store.as_ref(),
        ingestor.clock.as_ref(),
        &ingestor.mailer,
        raw,
        &ingestor.settings,
    )
    .await?;
    store.close().await;
    println!("{}", describe_outcome(&outcome));
    Ok(ExitCode::SUCCESS)
}

fn describe_outcome(outcome: &docket_app::ingest::Outcome) -> String {
    use docket_app::ingest::Outcome;
    match outcome {
        Outcome::Submission(id) => format!("filed as submission {id}; the receipt is queued"),
        Outcome::Pledge(id) => format!("a pledge ({id}); the answer is queued"),
        Outcome::Draft(id) => format!(
            "kept as draft submission {id}: it breaks a rule of the call, and the sender is told what to correct"
        ),
        Outcome::Reply {
            submission_id,
            revised: true,
        } => format!("a reply with a new version of submission {submission_id}"),
        Outcome::Reply {
            submission_id,
            revised: false,
        } => format!("a reply about submission {submission_id}, kept with it"),
        Outcome::Triage(reason) => format!("kept for triage: {reason}"),
        Outcome::Held {
            confirmation_sent: true,
        } => "held: the sender's address has an account, so its owner was asked by email to confirm the message".to_owned(),
        Outcome::Held {
            confirmation_sent: false,
        } => "held: the sender's address has an account and was already asked to confirm a message today".to_owned(),
        Outcome::Ignored(reason) => format!("recorded, not answered: {reason}"),
        Outcome::Duplicate => "already filed (same Message-ID): nothing new stored".to_owned(),
    }
}

async fn poll(config: &Config, once: bool) -> anyhow::Result<ExitCode> {
    let Some(imap) = config.imap.clone() else {
        bail!("no mailbox is configured: add an [imap] table (see `docket config default`)");
    };
    let store = server::open_store(config).await?;
    let ingestor = server::ingestor(
        config,
        store.clone(),
        Arc::new(SystemClock),
        server::ingest_settings(config),
    );
    if once {
        for outcome in docket_mail::imap::poll_once(&imap, &ingestor).await? {
            println!("{}", describe_outcome(&outcome));
        }
    } else {
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let poller = tokio::spawn(docket_mail::imap::run(imap, ingestor, stopped));
        server::shutdown_signal().await;
        let _ = stop.send(true);
        let _ = poller.await;
    }
    store.close().await;
    Ok(ExitCode::SUCCESS)
}

async fn send(config: &Config, once: bool, lease_seconds: u32) -> anyhow::Result<ExitCode> {
    let Some(smtp) = &config.smtp else {
        bail!("no SMTP server is configured: add an [smtp] table (see `docket config default`)");
    };
    let transport = docket_mail::smtp::SmtpTransport::new(smtp).map_err(anyhow::Error::msg)?;
    let store = server::open_store(config).await?;
    let clock = SystemClock;
    let settings = docket_app::outbox::WorkerSettings {
        lease: jiff::SignedDuration::from_secs(i64::from(lease_seconds)),
        ..docket_app::outbox::WorkerSettings::default()
    };
    if once {
        // A full batch may mean more is due: keep going until a round takes less than a batch.
        let mut total = docket_app::outbox::Round::default();
        loop {
            let round =
                docket_app::outbox::run_once(store.as_ref(), &transport, &clock, &settings).await?;
            total.sent += round.sent;
            total.retrying += round.retrying;
            total.failed += round.failed;
            if round.sent + round.retrying + round.failed < settings.batch as usize {
                break;
            }
        }
        println!(
            "sent {}, to be tried again {}, failed {}",
            total.sent, total.retrying, total.failed
        );
    } else {
        tracing::info!(host = %smtp.host, port = smtp.port, "sending mail through SMTP");
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let worker = tokio::spawn(docket_app::outbox::run(
            store.clone(),
            Arc::new(transport),
            Arc::new(clock),
            settings,
            stopped,
        ));
        server::shutdown_signal().await;
        let _ = stop.send(true);
        let _ = worker.await;
    }
    store.close().await;
    Ok(ExitCode::SUCCESS)
}

async fn list_inbound(config: &Config, limit: i64) -> anyhow::Result<ExitCode> {
    let store = server::open_store(config).await?;
    let rows = store.inbound(limit).await?;
    store.close().await;
    if rows.is_empty() {
        println!("No mail has come in.");
    }
    for row in rows {
        println!(
            "{:>6}  {:<10}  {}  {}  {}{}{}",
            row.id,
            row.outcome,
            row.received_at.strftime("%Y-%m-%d %H:%M UTC"),
            row.sender,
            row.subject,
            if row.reason.is_empty() {
                String::new()
            } else {
                format!("  ({})", row.reason)
            },
            row.submission_id
                .map(|id| format!("  -> submission {id}"))
                .unwrap_or_default()
        );
    }
    Ok(ExitCode::SUCCESS)
}

async fn list_outbox(config: &Config, limit: i64) -> anyhow::Result<ExitCode> {
    let store = server::open_store(config).await?;
    let rows = store.outbox(limit).await?;
    store.close().await;
    if rows.is_empty() {
        println!("The outbox is empty.");
    }
    for row in rows {
        let when = row
            .sent_at
            .unwrap_or(row.created_at)
            .strftime("%Y-%m-%d %H:%M UTC");
        println!(
            "{:>6}  {:<7}  {} tries  {}  {}  {}{}",
            row.id,
            row.status,
            row.attempts,
            when,
            row.mail.to,
            row.mail.subject,
            row.last_error
                .map(|error| format!("  (last error: {error})"))
                .unwrap_or_default()
        );
    }
    Ok(ExitCode::SUCCESS)
}

async fn serve(config: Config) -> anyhow::Result<ExitCode> {
    let store = server::open_store(&config).await?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let worker = server::start_outbox_worker(&config, store.clone(), clock.clone())?;
    let jobs = server::start_job_runner(&config, store.clone(), clock.clone());
    // One authenticator (and DNS cache) for the web's "file it" and the mailbox's intake.
    let ingest = server::ingest_settings(&config);
    let poller = config.imap.clone().map(|imap| {
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let ingestor = server::ingestor(&config, store.clone(), clock.clone(), ingest.clone());
        tracing::info!(host = %imap.host, mailbox = %imap.mailbox, "watching the mailbox for submissions");
        (stop, tokio::spawn(docket_mail::imap::run(imap, ingestor, stopped)))
    });
    let app = server::bind(
        config.listen,
        server::state(&config, store.clone(), clock, false, ingest),
        false,
    )
    .await?;
    let address = app.local_addr()?;
    tracing::info!(%address, "listening");
    println!("Docket is listening on http://{address}");
    server::serve(app).await?;
    if let Some((stop, handle)) = poller {
        let _ = stop.send(true);
        let _ = handle.await;
    }
    if let Some((stop, handle)) = worker {
        let _ = stop.send(true);
        let _ = handle.await;
    }
    let _ = jobs.0.send(true);
    let _ = jobs.1.await;
    store.close().await;
    tracing::info!("stopped");
    Ok(ExitCode::SUCCESS)
}

/// The mark `docket demo` leaves on a database it made.
const DEMO_MARK: &str = "demo";

async fn demo(config: Config, at: Option<Timestamp>, empty: bool) -> anyhow::Result<ExitCode> {
    let store = server::open_store(&config).await?;
    // The demo shows every email to anyone and adds sample staff: never on a database in use.
    if store.site_setting(DEMO_MARK).await?.is_none() {
        if store.holds_data().await? {
            store.close().await;
            bail!(
                "{} already holds data that `docket demo` did not make. The demo shows every email it sends to anyone who asks and adds sample staff, so it runs only on a database of its own: use `docket serve` for this one, or give the demo a new file, e.g. `docket demo --database sqlite://docket-demo.db` (delete an old demo file to start it again)",
                docket_store::redact_url(config.database_url.expose())
            );
        }
        store.set_site_setting(DEMO_MARK, "true").await?;
    }
    let calls = store.calls().await?;
    let call = match calls.into_iter().next() {
        Some(stored) => stored.call,
        None => {
            let report = call_file::check(crate::seed::SEED_CALL);
            let call = report.call.context("the built-in seed call has errors")?;
            store
                .save_call(&call, &Actor::System, Timestamp::now())
                .await?;
            tracing::info!(slug = %call.slug, "loaded the seed call into the empty database");
            call
        }
    };
    let start = at.unwrap_or_else(|| demo_start(&call));
    let clock: Arc<dyn Clock> =
        Arc::new(DemoClock::starting_at(start).in_zone(call.time_zone.zone().clone()));
    // The demo's staff: sample people with a password and a second factor (their codes are on
    // the demo mailbox page), or, with --empty, addresses to sign up with.
    if let Some(stored) = store.call(call.slug.as_str()).await? {
        if empty {
            for (email, role) in DEMO_STAFF {
                store
                    .add_staff(stored.id, email, *role, &Actor::System, clock.now())
                    .await?;
            }
        } else {
            let mailer = docket_mail::Mailer::new(&config.public_url);
            crate::samples::load(store.as_ref(), clock.as_ref(), &mailer, &stored).await?;
            // Pieces whose time has passed on the demo's clock go live before the first page.
            docket_app::jobs::run_once(
                store.as_ref(),
                clock.as_ref(),
                &mailer,
                &server::runner_settings(&config),
            )
            .await?;
        }
    }
    let jobs = server::start_job_runner(&config, store.clone(), clock.clone());
    let app = server::bind(
        config.listen,
        server::state(
            &config,
            store.clone(),
            clock,
            true,
            server::ingest_settings(&config),
        ),
        true,
    )
    .await?;
    let address = app.local_addr()?;
    println!(
        "Docket demo: {} on an embedded database ({}).",
        call.title,
        config.database_url.expose()
    );
    println!(
        "The demo clock starts at {}.",
        call.local(start).strftime("%A %-d %B %Y, %H:%M %Z")
    );
    if empty {
        println!(
            "The organiser's console: http://{address}/console (sign up as {} or {}, the organiser and the editor, and confirm through the demo mailbox).",
            DEMO_STAFF[0].0, DEMO_STAFF[1].0
        );
    } else {
        println!(
            "The organiser's console: http://{address}/console (sign in as {}, {} or {} with the password \"{}\" and the code on http://{address}/demo/mailbox).",
            crate::samples::STAFF[0].0,
            crate::samples::STAFF[1].0,
            crate::samples::STAFF[2].0,
            crate::samples::PASSWORD
        );
    }
    // Last: scripts and tests read the address from this line and may stop reading after it.
    println!(
        "Open http://{address}/calls/{}   (Ctrl-C to stop)",
        call.slug
    );
    server::serve(app).await?;
    let _ = jobs.0.send(true);
    let _ = jobs.1.await;
    store.close().await;
    tracing::info!("stopped");
    Ok(ExitCode::SUCCESS)
}

/// Who runs the demo's call.
const DEMO_STAFF: &[(&str, StaffRole)] = &[
    ("organiser@example.org", StaffRole::Organiser),
    ("editor@example.org", StaffRole::Editor),
];

/// 09:00 local on the day the call was published, or two weeks before the deadline.
fn demo_start(call: &docket_core::Call) -> Timestamp {
    let nine = jiff::civil::time(9, 0, 0, 0);
    match call.published_on {
        Some(date) => docket_core::call::local_instant(date, nine, call.time_zone.zone()),
        None => call.deadline_at() - jiff::SignedDuration::from_hours(14 * 24),
    }
}

async fn export_site(
    config: &Config,
    slug: &str,
    dir: &std::path::Path,
    base_url: &str,
) -> anyhow::Result<ExitCode> {
    let store = server::open_store(config).await?;
    let result = crate::export::site(store.as_ref(), slug, dir, base_url, &config.public_url).await;
    store.close().await;
    let report = result?;
    println!(
        "Exported {} files to {}: {} written, {} unchanged, {} removed. Every link checked.",
        report.files,
        crate::export::shown(dir).display(),
        report.written,
        report.files - report.written,
        report.removed
    );
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn the_demo_clock_starts_on_the_morning_the_seed_call_was_published() {
        let call = call_file::check(crate::seed::SEED_CALL)
            .call
            .expect("the seed call reads");
        // 13 October 2022 is BST: 09:00 local is 08:00 UTC.
        assert_eq!(
            demo_start(&call),
            "2022-10-13T08:00:00Z"
                .parse::<Timestamp>()
                .expect("a valid literal")
        );
    }
}
