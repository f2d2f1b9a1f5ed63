//! Layered configuration: defaults, then a TOML file, then `DOCKET_…` environment variables.

use std::fmt;
use std::net::SocketAddr;
use std::path::Path;

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

/// A value that must not appear in logs: `Debug` prints `***` in place of any password.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DatabaseUrl(String);

impl DatabaseUrl {
    /// The URL itself, for connecting.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl From<&str> for DatabaseUrl {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&docket_store::redact_url(&self.0))
    }
}

/// A secret setting (the metrics token): `Debug` never prints it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// The secret itself, for the one place that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

fn default_jobs_poll_seconds() -> u64 {
    5
}

fn default_retention_months() -> u32 {
    12
}

/// How Docket treats mail that comes in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MailSettings {
    /// Days a message from an existing account's address waits for its owner to confirm it
    /// before it stays in triage.
    pub confirm_days: i64,
    /// Check DKIM signatures and DMARC alignment of mail coming in; mail that passes acts for
    /// its sender's account at once.
    pub dkim: bool,
    /// Receiving servers whose `Authentication-Results` Docket believes (`dmarc=pass` acts at
    /// once, `dmarc=fail` waits; anything else leaves it to the DKIM check); every other such
    /// header is ignored.
    pub trusted_authserv_ids: Vec<String>,
    /// DNS servers for DKIM keys and DMARC policies (`ip:port`); empty: the system's resolver.
    pub dns_servers: Vec<SocketAddr>,
    /// How long the DNS lookups of one message may take before it counts as "cannot be checked".
    pub dns_timeout_seconds: u64,
}

impl Default for MailSettings {
    fn default() -> Self {
        Self {
            confirm_days: 7,
            dkim: true,
            trusted_authserv_ids: Vec::new(),
            dns_servers: Vec::new(),
            dns_timeout_seconds: 5,
        }
    }
}

/// Docket's settings. See `docket config default` for each one explained.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// `sqlite://PATH` or `postgres://USER@HOST:PORT/DATABASE`.
    pub database_url: DatabaseUrl,
    /// Address and port to listen on.
    pub listen: SocketAddr,
    /// The address people use to reach Docket; an `https://` address turns on HSTS.
    pub public_url: String,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Log filter, in `tracing` syntax (`info`, `docket=debug,info`).
    pub log: String,
    /// `text` for people, `json` for log collectors.
    pub log_format: LogFormat,
    /// The SMTP server mail is sent through; without it mail stays queued in the outbox.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub smtp: Option<docket_mail::smtp::SmtpSettings>,
    /// The organiser's mailbox, watched for submissions by email.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub imap: Option<docket_mail::imap::ImapSettings>,
    /// `/metrics` answers only `Authorization: Bearer <this>`; unset, `/metrics` is not served.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metrics_token: Option<Secret>,
    /// Reverse proxies (CIDR ranges) whose `Forwarded` / `X-Forwarded-For` name the client.
    #[serde(default)]
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Months after a call's week ends before its rejected and withdrawn pieces are erased.
    #[serde(default = "default_retention_months")]
    pub retention_months: u32,
    /// Seconds between the job runner's rounds: a scheduled piece goes live at most this long
    /// after its time.
    #[serde(default = "default_jobs_poll_seconds")]
    pub jobs_poll_seconds: u64,
    /// How mail coming in is trusted.
    #[serde(default)]
    pub mail: MailSettings,
    /// Editors' decisions.
    #[serde(default)]
    pub decisions: DecisionSettings,
}

/// How editors' decisions reach authors.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DecisionSettings {
    /// Minutes during which a decision can be undone before the author hears of it.
    pub undo_minutes: u32,
}

impl Default for DecisionSettings {
    fn default() -> Self {
        Self { undo_minutes: 10 }
    }
}

/// How logs are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            database_url: DatabaseUrl("sqlite://docket.db".into()),
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            public_url: "http://127.0.0.1:8080".into(),
            max_body_bytes: 25 * 1024 * 1024,
            log: "info".into(),
            log_format: LogFormat::Text,
            smtp: None,
            imap: None,
            metrics_token: None,
            trusted_proxies: Vec::new(),
            retention_months: default_retention_months(),
            jobs_poll_seconds: default_jobs_poll_seconds(),
            decisions: DecisionSettings::default(),
            mail: MailSettings::default(),
        }
    }
}

/// The names of the settings, as in the file (and, in capitals after `DOCKET_`, the environment).
const SETTINGS: &[&str] = &[
    "database_url",
    "listen",
    "public_url",
    "max_body_bytes",
    "log",
    "log_format",
    "smtp.host",
    "smtp.port",
    "smtp.security",
    "smtp.username",
    "smtp.password",
    "smtp.from",
    "imap.host",
    "imap.port",
    "imap.security",
    "imap.username",
    "imap.password",
    "imap.mailbox",
    "imap.poll_seconds",
    "metrics_token",
    "trusted_proxies",
    "retention_months",
    "jobs_poll_seconds",
    "mail.confirm_days",
    "mail.dkim",
    "mail.trusted_authserv_ids",
    "mail.dns_servers",
    "mail.dns_timeout_seconds",
    "decisions.undo_minutes",
];

/// The commented example `docket config default` prints.
pub const DEFAULT_FILE: &str = r#"# Docket configuration (TOML).
# Every setting can also be set by an environment variable: DOCKET_ and the name in capitals,
# e.g. DOCKET_DATABASE_URL=postgres://docket@db.internal/docket; settings in a table take two
# underscores: DOCKET_SMTP__PASSWORD. Environment variables win over this file; this file wins
# over the defaults shown here.

# Where Docket keeps its data.
#   Embedded (one machine):  sqlite://docket.db          (the file is created if missing)
#   PostgreSQL (one or more nodes): postgres://USER:PASSWORD@HOST:5432/DATABASE
database_url = "sqlite://docket.db"

# Address and port to listen on. Behind a reverse proxy keep 127.0.0.1.
listen = "127.0.0.1:8080"

# The address people use to reach Docket. Links in emails use it; https:// turns on HSTS.
public_url = "http://127.0.0.1:8080"

# Largest request body accepted, in bytes (uploads included). Larger requests are refused
# before they are read.
max_body_bytes = 26214400

# Log filter (tracing syntax) and format: "text" for people, "json" for log collectors.
log = "info"
log_format = "text"

# Prometheus metrics at /metrics are served only to a scraper that sends
# "Authorization: Bearer <token>"; without a token /metrics answers 404. Better set it in the
# environment: DOCKET_METRICS_TOKEN.
# metrics_token = "…"

# The SMTP server Docket sends mail through. Without this table, mail is kept in the outbox
# (see `docket mail outbox`) and nothing is sent. Uncomment and fill in:
# [smtp]
# host = "smtp.example.org"
# port = 587
# security = "starttls"        # "starttls" (port 587), "tls" (port 465) or "none" (local relay)
# username = "docket@example.org"
# password = "…"               # better: DOCKET_SMTP__PASSWORD in the environment
# from = "Docket <docket@example.org>"

# The mailbox contributors write to. `docket serve` (and `docket mail poll`) file each new
# message as a submission; messages are marked seen only after they are stored.
# [imap]
# host = "imap.example.org"
# port = 993
# security = "tls"             # "tls" (port 993) or "none" (a server on this machine)
# username = "submissions@example.org"
# password = "…"               # better: DOCKET_IMAP__PASSWORD in the environment
# mailbox = "INBOX"
# poll_seconds = 60            # used when the server has no IDLE

# Behind a reverse proxy every request comes from the proxy's address, which would put every
# visitor under one rate limit. List the proxies here (CIDR ranges): their Forwarded or
# X-Forwarded-For header then names the client. A header from any other peer is ignored, since
# a client can write one itself. Leave empty when Docket is reached directly.
trusted_proxies = []           # e.g. ["127.0.0.1/32", "10.0.0.0/8"]

# Rejected and withdrawn pieces (with their files and messages) are erased this many months
# after their call's week ends; see docs/privacy.md.
retention_months = 12

# Seconds between the job runner's rounds (every node runs one; jobs are leased). A scheduled
# piece goes live at most this long after its time.
jobs_poll_seconds = 5

# An editor's decision reaches the author (on their pages and by email) only after this many
# minutes; until then it can be undone and nothing is sent.
[decisions]
undo_minutes = 10

# How mail that comes in is trusted. A From: header is a claim anyone can write. Mail is
# believed to come from its sender when
#   - Docket verifies a DKIM signature by the From: domain (aligned as the domain's DMARC
#     record says, else by organisational domain), with `dkim = true`; or
#   - a receiving server named in `trusted_authserv_ids` says dmarc=pass in the topmost
#     Authentication-Results header it wrote (SPF can only be checked there: Docket reads mail
#     from IMAP or a pipe and never sees the sending server's address). Name your own MX here
#     only if it checks DKIM, SPF and DMARC and strips Authentication-Results headers that
#     arrive with the mail claiming its name (Postfix with OpenDMARC, Rspamd, Exchange do).
#     Its dmarc=fail is final too; when it says neither (dmarc=none: the domain has no policy),
#     Docket's own DKIM check decides.
# Believed mail acts for its sender's account at once. Anything else from the address of an
# existing account files nothing until its owner follows the "Is this from you?" link Docket
# mails them (at most one such email per address a day); unconfirmed after `confirm_days`, the
# message stays with the organisers for triage. A DNS failure or time-out means "cannot be
# checked", never a pass.
[mail]
confirm_days = 7
dkim = true
trusted_authserv_ids = []      # e.g. ["mx.example.org"]
dns_servers = []               # empty: the system's resolver; e.g. ["127.0.0.1:53"]
dns_timeout_seconds = 5
"#;

impl Config {
    /// Reads the defaults, then `file` if given (or `docket.toml` if present), then the environment.
    pub fn load(file: Option<&Path>) -> Result<Self, String> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        match file {
            Some(path) if !path.exists() => {
                return Err(format!(
                    "configuration file {} does not exist",
                    path.display()
                ));
            }
            Some(path) => figment = figment.merge(Toml::file_exact(path)),
            None if Path::new("docket.toml").exists() => {
                figment = figment.merge(Toml::file_exact("docket.toml"))
            }
            None => {}
        }
        figment
            // Only the settings' own variables: DOCKET_CONFIG and the test tools' DOCKET_… are not settings.
            .merge(Env::prefixed("DOCKET_").split("__").filter(|key| {
                SETTINGS
                    .iter()
                    .any(|setting| key.as_str().eq_ignore_ascii_case(setting))
            }))
            .extract()
            .map_err(|error| format!("configuration: {error}"))
    }
}

#[cfg(test)]
#[expect(
    clippy::result_large_err,
    reason = "figment::Jail's closures must return figment::Error, which is large"
)]
mod tests {
    use super::*;

    #[test]
    fn the_printed_default_file_is_the_default_configuration() {
        let parsed: Config = toml::from_str(DEFAULT_FILE).expect("the default file parses");
        assert_eq!(parsed, Config::default());
    }

    #[test]
    fn environment_wins_over_the_file_which_wins_over_defaults() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "custom.toml",
                "listen = \"127.0.0.1:9000\"\nlog = \"debug\"\n",
            )?;
            jail.set_env("DOCKET_LOG", "warn");
            jail.set_env("DOCKET_SOMETHING_ELSE", "not a setting, ignored");
            let config = Config::load(Some(Path::new("custom.toml"))).map_err(|e| e.to_string())?;
            assert_eq!(config.listen.port(), 9000);
            assert_eq!(config.log, "warn");
            assert_eq!(config.database_url.expose(), "sqlite://docket.db");
            Ok(())
        });
    }

    #[test]
    fn an_unknown_setting_is_an_error_that_names_it() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("bad.toml", "databse_url = \"sqlite://x.db\"\n")?;
            let error = Config::load(Some(Path::new("bad.toml"))).unwrap_err();
            assert!(error.contains("databse_url"), "{error}");
            Ok(())
        });
    }

    #[test]
    fn smtp_settings_come_from_the_file_and_the_environment() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "mail.toml",
                "[smtp]\nhost = \"smtp.example.org\"\nport = 587\nsecurity = \"starttls\"\nfrom = \"Docket <d@example.org>\"\n",
            )?;
            jail.set_env("DOCKET_SMTP__PASSWORD", "from-the-environment");
            let config = Config::load(Some(Path::new("mail.toml"))).map_err(|e| e.to_string())?;
            let smtp = config.smtp.expect("smtp settings");
            assert_eq!(smtp.host, "smtp.example.org");
            assert_eq!(smtp.password.as_deref(), Some("from-the-environment"));
            assert!(
                !format!("{smtp:?}").contains("from-the-environment"),
                "password hidden in Debug"
            );
            Ok(())
        });
    }

    #[test]
    fn database_passwords_are_hidden_in_debug_output() {
        let url = DatabaseUrl::from("postgres://docket:hunter2@db/docket");
        assert!(!format!("{url:?}").contains("hunter2"));
    }
}
