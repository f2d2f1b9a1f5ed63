//! Rate limits on sign-in, code requests and sign-up, per client address and per email address,
//! counted in the database so that every node behind a load balancer enforces one limit.
//!
//! Each limit counts attempts in the last minute per key. Keys are normalised before they are
//! counted (an address is parsed and lower-cased; an IPv6 client is counted by its /64, which one
//! machine usually holds whole) and stored hashed; attempts older than an hour are pruned as new
//! ones come in. The client's address is the connecting peer's, or, when the peer is one of the
//! deployment's `trusted_proxies`, the one that proxy says it forwarded for (`Forwarded` or
//! `X-Forwarded-For`): a header from anyone else is a claim, and ignored.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use docket_core::Email;
use ipnet::IpNet;
use jiff::SignedDuration;

use crate::{AppState, WebError};

/// How long a window lasts.
const WINDOW: SignedDuration = SignedDuration::from_secs(60);

/// How long attempts are kept before they are pruned.
const KEPT: SignedDuration = SignedDuration::from_secs(3600);

/// How many attempts a minute each action allows, per client and per address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimits {
    /// Passwords and codes typed.
    pub sign_in_per_minute: u32,
    /// Sign-in codes and reset links asked for.
    pub codes_per_minute: u32,
    /// Accounts made.
    pub sign_up_per_minute: u32,
}

impl Default for RateLimits {
    fn default() -> Self {
        Self {
            sign_in_per_minute: 10,
            codes_per_minute: 5,
            sign_up_per_minute: 5,
        }
    }
}

/// What is being limited.
#[derive(Debug, Clone, Copy)]
pub enum Action {
    SignIn,
    Code,
    SignUp,
    /// Codes typed for the second factor (TOTP or recovery).
    SecondFactor,
}

impl Action {
    fn name(self) -> &'static str {
        match self {
            Action::SignIn => "sign-in",
            Action::Code => "code",
            Action::SignUp => "sign-up",
            Action::SecondFactor => "second-factor",
        }
    }

    /// Counted per account only, not per client: a second factor is typed by someone who already
    /// gave the password, so the account is what a guesser attacks, and a whole office behind
    /// one address must not lock each other out.
    fn per_account_only(self) -> bool {
        matches!(self, Action::SecondFactor)
    }

    fn per_minute(self, limits: &RateLimits) -> u32 {
        match self {
            Action::SignIn => limits.sign_in_per_minute,
            Action::Code => limits.codes_per_minute,
            Action::SignUp => limits.sign_up_per_minute,
            Action::SecondFactor => limits.codes_per_minute,
        }
    }
}

/// The key a client address is counted under.
fn ip_key(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => format!("ip:{v4}"),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => format!("ip:{v4}"),
            None => {
                let segments = v6.segments();
                format!(
                    "ip:{:x}:{:x}:{:x}:{:x}::/64",
                    segments[0], segments[1], segments[2], segments[3]
                )
            }
        },
    }
}

/// Counts one attempt of `action` by `ip` (and for `email`, when it is an address); refuses when
/// either is over its limit. Text that is not an address is not counted by itself: the form
/// refuses it anyway, and the client's own limit still applies.
pub async fn check(
    state: &AppState,
    action: Action,
    ip: IpAddr,
    email: Option<&str>,
) -> Result<(), WebError> {
    let limit = i64::from(action.per_minute(&state.config.rate_limits));
    if let (true, Some(account)) = (action.per_account_only(), email) {
        return if over(state, action, &format!("account:{account}"), limit).await? {
            Err(WebError::TooManyRequests)
        } else {
            Ok(())
        };
    }
    // The client first: a client over its limit adds no attempts for the addresses it tries.
    if over(state, action, &ip_key(ip), limit).await? {
        return Err(WebError::TooManyRequests);
    }
    match email.and_then(|typed| Email::parse(typed).ok()) {
        Some(address)
            if over(
                state,
                action,
                &format!("email:{}", address.normalised()),
                limit,
            )
            .await? =>
        {
            Err(WebError::TooManyRequests)
        }
        _ => Ok(()),
    }
}

async fn over(state: &AppState, action: Action, key: &str, limit: i64) -> Result<bool, WebError> {
    let now = state.clock.now();
    let hashed = docket_store::secret::sha256_hex(format!("{}:{key}", action.name()).as_bytes());
    let since = now.checked_sub(WINDOW).unwrap_or(now);
    let forget = now.checked_sub(KEPT).unwrap_or(now);
    let attempts = state
        .store
        .count_attempt(&hashed, since, forget, now)
        .await?;
    Ok(attempts > limit)
}

/// The client's address: the peer's, or what a trusted proxy says it forwarded for.
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub IpAddr);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, WebError> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(peer)| peer.ip())
            .ok_or_else(|| WebError::Internal("no peer address on the request".into()))?;
        Ok(ClientIp(client_ip(
            peer,
            &parts.headers,
            &state.config.trusted_proxies,
        )))
    }
}

/// Reads the client's address. Only a peer in `trusted` is believed about whom it forwarded for;
/// its chain is read from the right, skipping the deployment's own proxies, so that an address a
/// client wrote into the header itself never counts.
pub fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let chain = forwarded_chain(headers);
    chain
        .iter()
        .rev()
        .find(|ip| !is_trusted(ip))
        .or_else(|| chain.first())
        .copied()
        .unwrap_or(peer)
}

/// The addresses a request was forwarded for, client first: from `Forwarded` (RFC 7239) when
/// present, else `X-Forwarded-For`. An entry that is no address ends the chain there (an
/// obfuscated or unknown hop), keeping what came after it.
fn forwarded_chain(headers: &HeaderMap) -> Vec<IpAddr> {
    let values = |name: &str| -> Vec<String> {
        headers
            .get_all(name)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .map(|item| item.trim().to_owned())
            .collect()
    };
    let forwarded = values("forwarded");
    let items: Vec<String> = if forwarded.is_empty() {
        values("x-forwarded-for")
    } else {
        forwarded
            .iter()
            .filter_map(|element| {
                element.split(';').find_map(|pair| {
                    let (name, value) = pair.trim().split_once('=')?;
                    name.trim()
                        .eq_ignore_ascii_case("for")
                        .then(|| value.trim().trim_matches('"').to_owned())
                })
            })
            .collect()
    };
    let mut chain = Vec::new();
    for item in items {
        match parse_node(&item) {
            Some(ip) => chain.push(ip),
            None => chain.clear(),
        }
    }
    chain
}

/// `192.0.2.1`, `192.0.2.1:4711`, `[2001:db8::1]:4711`, `2001:db8::1`.
fn parse_node(node: &str) -> Option<IpAddr> {
    if let Ok(ip) = node.parse() {
        return Some(ip);
    }
    if let Some(rest) = node.strip_prefix('[') {
        return rest.split(']').next()?.parse().ok();
    }
    node.parse::<SocketAddr>().ok().map(|address| address.ip())
}

#[cfg(test)]
mod tests {
    use std::net::{Ipv4Addr, Ipv6Addr};

    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(
                axum::http::HeaderName::from_bytes(name.as_bytes()).expect("a valid header name"),
                value.parse().expect("a valid literal"),
            );
        }
        map
    }

    #[test]
    fn only_a_trusted_proxy_is_believed_about_whom_it_forwarded_for() {
        let proxy: IpAddr = "127.0.0.1".parse().expect("a valid literal");
        let trusted: Vec<IpNet> = vec!["127.0.0.1/32".parse().expect("a valid literal")];
        let forged = headers(&[("x-forwarded-for", "203.0.113.9")]);
        let stranger: IpAddr = "198.51.100.4".parse().expect("a valid literal");
        assert_eq!(client_ip(stranger, &forged, &trusted), stranger);
        assert_eq!(client_ip(proxy, &forged, &[]), proxy, "no proxy trusted");
        assert_eq!(
            client_ip(proxy, &forged, &trusted),
            "203.0.113.9".parse::<IpAddr>().expect("a valid literal")
        );
        // A client that writes the header itself only adds to the left of the chain.
        let chain = headers(&[("x-forwarded-for", "10.9.9.9, 198.51.100.4")]);
        assert_eq!(client_ip(proxy, &chain, &trusted), stranger);
        let rfc = headers(&[(
            "forwarded",
            "for=\"[2001:db8:cafe::17]:4711\";proto=https, for=127.0.0.1",
        )]);
        assert_eq!(
            client_ip(proxy, &rfc, &trusted),
            IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0xcafe, 0, 0, 0, 0, 0x17))
        );
        let unknown = headers(&[("forwarded", "for=unknown")]);
        assert_eq!(client_ip(proxy, &unknown, &trusted), proxy);
    }

    #[test]
    fn clients_are_counted_by_their_network() {
        let a = IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 1, 2, 0, 0, 0, 1));
        let b = IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 1, 2, 9, 9, 9, 9));
        assert_eq!(ip_key(a), ip_key(b));
        let mapped = IpAddr::V6(Ipv4Addr::new(192, 0, 2, 7).to_ipv6_mapped());
        assert_eq!(ip_key(mapped), "ip:192.0.2.7");
    }
}
