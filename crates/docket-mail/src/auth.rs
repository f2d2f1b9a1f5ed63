//! Who really sent a message: DKIM signatures verified and aligned with the From: domain (by
//! the domain's DMARC record when it publishes one, else relaxed, by organisational domain from
//! the public-suffix list), or the verdict of a receiving server the deployment trusts, read
//! from the topmost `Authentication-Results` header that server wrote (RFC 8601).
//!
//! SPF needs the connecting client's address, which mail read from IMAP or a pipe does not carry:
//! Docket takes SPF only inside a trusted server's DMARC verdict. A lookup that fails or times
//! out makes the message "cannot be checked", never a pass. DNS answers are cached (the
//! [`TxtCache`]); tests pre-load it with the records of keys they made, so no test needs DNS.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::Hash;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mail_auth::common::parse::TxtRecordParser;
use mail_auth::common::verify::DomainKey;
use mail_auth::dmarc::Dmarc;
use mail_auth::hickory_resolver::config::{NameServerConfigGroup, ResolverConfig, ResolverOpts};
use mail_auth::{
    AuthenticatedMessage, DkimResult, DmarcResult, MessageAuthenticator, ResolverCache, SpfOutput,
    Txt,
};

/// How a message's sender was authenticated, if at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// A DKIM signature that verifies, by a domain aligned with the From: domain.
    DkimAligned { domain: String },
    /// A trusted receiving server said `dmarc=pass`.
    TrustedServer { authserv_id: String },
    /// Nothing authenticates it; why, for staff ("no DKIM signature", "DNS lookup failed").
    NotAuthenticated { why: String },
}

impl Verdict {
    /// True when the message may act for the account of its From: address at once.
    pub fn passes(&self) -> bool {
        !matches!(self, Verdict::NotAuthenticated { .. })
    }
}

/// Where DNS questions go.
#[derive(Debug, Clone, Default)]
pub enum Dns {
    /// The machine's resolver (`/etc/resolv.conf`).
    #[default]
    System,
    /// These servers, over plain UDP and TCP.
    Servers(Vec<SocketAddr>),
}

/// A bounded cache of DNS TXT answers with their expiry, shared by every check.
#[derive(Default)]
pub struct TxtCache {
    entries: Mutex<HashMap<String, (Txt, Instant)>>,
}

/// Most names the cache holds; past this, expired entries go, then the whole table.
const CACHE_CAPACITY: usize = 10_000;

impl ResolverCache<String, Txt> for TxtCache {
    fn get<Q>(&self, name: &Q) -> Option<Txt>
    where
        String: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries
            .get(name)
            .filter(|(_, until)| *until > Instant::now())
            .map(|(txt, _)| txt.clone())
    }

    fn remove<Q>(&self, name: &Q) -> Option<Txt>
    where
        String: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries.remove(name).map(|(txt, _)| txt)
    }

    fn insert(&self, key: String, value: Txt, valid_until: Instant) {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if entries.len() >= CACHE_CAPACITY {
            let now = Instant::now();
            entries.retain(|_, (_, until)| *until > now);
            if entries.len() >= CACHE_CAPACITY {
                entries.clear();
            }
        }
        entries.insert(key, (value, valid_until));
    }
}

/// Checks who sent messages. Cheap to share behind an `Arc`.
pub struct Authenticator {
    resolver: MessageAuthenticator,
    cache: TxtCache,
    trusted_authserv_ids: Vec<String>,
    timeout: Duration,
    /// Whether Docket checks DKIM itself (else only a trusted server's verdict counts).
    dkim: bool,
}

impl std::fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authenticator")
            .field("trusted_authserv_ids", &self.trusted_authserv_ids)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

/// Why an authenticator could not be made.
#[derive(Debug, thiserror::Error)]
#[error("the DNS resolver could not be set up: {0}")]
pub struct SetupError(String);

impl Authenticator {
    /// An authenticator asking `dns`, trusting the `Authentication-Results` of the receiving
    /// servers named `trusted_authserv_ids`, checking DKIM itself when `dkim`; every check
    /// gives up after `timeout`.
    pub fn new(
        dns: &Dns,
        trusted_authserv_ids: Vec<String>,
        timeout: Duration,
        dkim: bool,
    ) -> Result<Self, SetupError> {
        let mut options = ResolverOpts::default();
        options.timeout = timeout.min(Duration::from_secs(5));
        options.attempts = 1;
        let resolver = match dns {
            Dns::System => {
                let (config, mut system) =
                    mail_auth::hickory_resolver::system_conf::read_system_conf()
                        .map_err(|error| SetupError(error.to_string()))?;
                system.timeout = options.timeout;
                system.attempts = 1;
                MessageAuthenticator::new(config, system)
            }
            Dns::Servers(servers) => {
                let mut group = NameServerConfigGroup::with_capacity(servers.len() * 2);
                for server in servers {
                    group.merge(NameServerConfigGroup::from_ips_clear(
                        &[server.ip()],
                        server.port(),
                        true,
                    ));
                }
                MessageAuthenticator::new(ResolverConfig::from_parts(None, vec![], group), options)
            }
        }
        .map_err(|error| SetupError(error.to_string()))?;
        Ok(Self {
            resolver,
            cache: TxtCache::default(),
            trusted_authserv_ids: trusted_authserv_ids
                .into_iter()
                .map(|id| id.trim().to_ascii_lowercase())
                .filter(|id| !id.is_empty())
                .collect(),
            timeout,
            dkim,
        })
    }

    /// Puts a TXT record into the cache for an hour, as if DNS had answered it: a DKIM key at
    /// `selector._domainkey.domain`, or a DMARC policy at `_dmarc.domain`. For tests and for
    /// deployments that pin a record; false when the record does not parse.
    pub fn preload_txt(&self, name: &str, record: &str) -> bool {
        let name = fqdn(name);
        let txt = if name.starts_with("_dmarc.") {
            Dmarc::parse(record.as_bytes()).map(|dmarc| Txt::Dmarc(Arc::new(dmarc)))
        } else {
            DomainKey::parse(record.as_bytes()).map(|key| Txt::DomainKey(Arc::new(key)))
        };
        match txt {
            Ok(txt) => {
                self.cache
                    .insert(name, txt, Instant::now() + Duration::from_secs(3600));
                true
            }
            Err(_) => false,
        }
    }

    /// Puts "no such record" into the cache for an hour for `name`, as DNS answers for a domain
    /// that publishes no DMARC policy.
    pub fn preload_absent(&self, name: &str) {
        use mail_auth::hickory_resolver::proto::op::ResponseCode;
        self.cache.insert(
            fqdn(name),
            Txt::Error(mail_auth::Error::DnsRecordNotFound(ResponseCode::NXDomain)),
            Instant::now() + Duration::from_secs(3600),
        );
    }

    /// How the sender of `raw` (From: `from_address`) was authenticated.
    pub async fn check(&self, raw: &[u8], from_address: &str) -> Verdict {
        let Some(from_domain) = from_address
            .rsplit_once('@')
            .map(|(_, domain)| domain.trim_end_matches('.').to_ascii_lowercase())
        else {
            return not("no From: address");
        };
        // A trusted server's pass or fail is final. Anything else it says (dmarc=none for a
        // domain without a policy, a temporary error, no DMARC result at all) leaves the
        // question open, and Docket's own DKIM check may still answer it.
        let undecided = match self.trusted_verdict(raw) {
            Some(Trusted::Pass(authserv_id)) => return Verdict::TrustedServer { authserv_id },
            Some(Trusted::Fail(id)) => {
                return not(&format!("the trusted server {id} says dmarc=fail"));
            }
            Some(Trusted::Undecided(id)) => Some(id),
            None => None,
        };
        if !self.dkim {
            return not(&match undecided {
                Some(id) => format!("the trusted server {id} did not say dmarc=pass"),
                None => "no trusted server vouched for it, and DKIM is not checked here".to_owned(),
            });
        }
        match tokio::time::timeout(self.timeout, self.dkim(raw, &from_domain)).await {
            Ok(verdict) => verdict,
            Err(_) => not("the DNS lookups timed out, so it cannot be checked"),
        }
    }

    /// The topmost `Authentication-Results` written by a trusted server, if any, read as that
    /// server's verdict; every other such header is ignored (anyone can write one).
    fn trusted_verdict(&self, raw: &[u8]) -> Option<Trusted> {
        if self.trusted_authserv_ids.is_empty() {
            return None;
        }
        let message = mail_parser::MessageParser::new().parse_headers(raw)?;
        // The receiving server prepends its header: the first one in the message is topmost.
        for header in message.headers() {
            if !header.name().eq_ignore_ascii_case("Authentication-Results") {
                continue;
            }
            let value = match header.value() {
                mail_parser::HeaderValue::Text(text) => text.to_string(),
                _ => String::from_utf8_lossy(
                    &raw[header.offset_start() as usize..header.offset_end() as usize],
                )
                .into_owned(),
            };
            let (id, results) = authentication_results(&value);
            if !self.trusted_authserv_ids.contains(&id) {
                continue;
            }
            return Some(if results.iter().any(|r| r == "dmarc=pass") {
                Trusted::Pass(id)
            } else if results.iter().any(|r| r == "dmarc=fail") {
                Trusted::Fail(id)
            } else {
                Trusted::Undecided(id)
            });
        }
        None
    }

    async fn dkim(&self, raw: &[u8], from_domain: &str) -> Verdict {
        let Some(message) = AuthenticatedMessage::parse(raw) else {
            return not("the message could not be read for its signatures");
        };
        let parameters = mail_auth::Parameters::new(&message).with_txt_cache(&self.cache);
        let outputs = self.resolver.verify_dkim(parameters).await;
        let passing: Vec<&str> = outputs
            .iter()
            .filter(|output| *output.result() == DkimResult::Pass)
            .filter_map(|output| output.signature().map(|signature| signature.d.as_str()))
            .collect();
        if passing.is_empty() {
            let why = if outputs.is_empty() {
                "no DKIM signature".to_owned()
            } else if outputs
                .iter()
                .any(|output| matches!(output.result(), DkimResult::TempError(_)))
            {
                "its DKIM key could not be looked up, so it cannot be checked".to_owned()
            } else {
                "its DKIM signature does not verify".to_owned()
            };
            return not(&why);
        }
        // The domain's own DMARC record decides alignment when it has one (adkim=s is strict).
        let spf = SpfOutput::new(from_domain.to_owned());
        let dmarc = self
            .resolver
            .verify_dmarc(
                mail_auth::Parameters::new(mail_auth::dmarc::verify::DmarcParameters {
                    message: &message,
                    dkim_output: &outputs,
                    rfc5321_mail_from_domain: "",
                    spf_output: &spf,
                    domain_suffix_fn: organisational_domain,
                })
                .with_txt_cache(&self.cache),
            )
            .await;
        let aligned = match dmarc.dkim_result() {
            DmarcResult::Pass => true,
            DmarcResult::Fail(_) => false,
            DmarcResult::TempError(_) | DmarcResult::PermError(_) => {
                return not("its DMARC policy could not be looked up, so it cannot be checked");
            }
            // No DMARC record: relaxed alignment by organisational domain.
            DmarcResult::None => passing.iter().any(|domain| {
                organisational_domain(&domain.to_ascii_lowercase())
                    == organisational_domain(from_domain)
            }),
        };
        if !aligned {
            return not(&format!(
                "signed by {}, not by the From: domain {from_domain}",
                passing.join(", ")
            ));
        }
        let domain = passing
            .iter()
            .find(|domain| {
                organisational_domain(&domain.to_ascii_lowercase())
                    == organisational_domain(from_domain)
            })
            .unwrap_or(&passing[0]);
        Verdict::DkimAligned {
            domain: domain.to_ascii_lowercase(),
        }
    }
}

/// What a trusted receiving server said of DMARC, by its authserv-id.
enum Trusted {
    Pass(String),
    Fail(String),
    /// dmarc=none, temperror, permerror, or no DMARC result.
    Undecided(String),
}

fn not(why: &str) -> Verdict {
    Verdict::NotAuthenticated {
        why: why.to_owned(),
    }
}

/// `example.org` for `mail.example.org` and `example.co.uk` for `a.example.co.uk`: the
/// registrable domain by the public-suffix list; the name itself when the list has none.
pub fn organisational_domain(domain: &str) -> &str {
    psl::domain_str(domain).unwrap_or(domain)
}

fn fqdn(name: &str) -> String {
    let name = name.trim().to_ascii_lowercase();
    if name.ends_with('.') {
        name
    } else {
        format!("{name}.")
    }
}

/// An `Authentication-Results` value read as (authserv-id, ["dkim=pass", "dmarc=pass", …]):
/// RFC 8601's `authserv-id [version] *(";" method=result …)`, comments dropped.
fn authentication_results(value: &str) -> (String, Vec<String>) {
    let mut without_comments = String::with_capacity(value.len());
    let mut depth = 0usize;
    for c in value.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            _ if depth == 0 => without_comments.push(c),
            _ => {}
        }
    }
    let mut parts = without_comments.split(';');
    let id = parts
        .next()
        .and_then(|first| first.split_whitespace().next())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let results = parts
        .filter_map(|part| part.split_whitespace().next())
        .map(|result| result.to_ascii_lowercase())
        .collect();
    (id, results)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authentication_results_are_read_by_their_server_and_methods() {
        let (id, results) = authentication_results(
            " mx.example.org (Postfix 3.7);\r\n dkim=pass (2048-bit key) header.d=example.com;\r\n spf=pass smtp.mailfrom=example.com; dmarc=pass (p=reject) header.from=example.com",
        );
        assert_eq!(id, "mx.example.org");
        assert_eq!(results, ["dkim=pass", "spf=pass", "dmarc=pass"]);
        // "none": the server checked and found nothing to report.
        let (id, results) = authentication_results("mx.example.org 1; none");
        assert_eq!(id, "mx.example.org");
        assert_eq!(results, ["none"]);
    }

    #[test]
    fn organisational_domains_follow_the_public_suffix_list() {
        assert_eq!(organisational_domain("mail.example.org"), "example.org");
        assert_eq!(organisational_domain("a.b.example.co.uk"), "example.co.uk");
        assert_eq!(organisational_domain("example.org"), "example.org");
    }
}
