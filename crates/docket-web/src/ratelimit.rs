//! Rate limits on sign-in, code requests and sign-up, per client address and per email address.
//! Kept in memory on each node: with several nodes the effective limit is per node.
//!
//! Each limit counts attempts in a fixed window (a minute) per key. Keys are normalised before
//! they are counted (an address is parsed and lower-cased, so it is at most 254 bytes; an IPv6
//! client is counted by its /64, which one machine usually holds whole), and the table is bounded:
//! windows that have ended are pruned, and when it is still full the oldest window makes room, so
//! no stream of distinct keys can grow it past [`CAPACITY`].

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use docket_core::Email;

use crate::WebError;

/// Most keys one limiter holds at a time.
pub const CAPACITY: usize = 4096;

/// How long a window lasts.
const WINDOW: Duration = Duration::from_secs(60);

/// What a key counted: since when, and how many attempts.
#[derive(Debug, Clone, Copy)]
struct Window {
    started: Instant,
    attempts: u32,
}

/// One limit: at most `per_window` attempts per key per [`WINDOW`].
#[derive(Debug)]
pub struct Limiter {
    per_window: u32,
    windows: Mutex<HashMap<String, Window>>,
}

impl Limiter {
    fn new(per_window: u32) -> Self {
        Self {
            per_window,
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one attempt for `key` at `now`; false when the key is over its limit.
    fn allow(&self, key: String, now: Instant) -> bool {
        let mut windows = self
            .windows
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if !windows.contains_key(&key) && windows.len() >= CAPACITY {
            windows.retain(|_, window| now.duration_since(window.started) < WINDOW);
            if windows.len() >= CAPACITY
                && let Some(oldest) = windows
                    .iter()
                    .min_by_key(|(_, window)| window.started)
                    .map(|(key, _)| key.clone())
            {
                windows.remove(&oldest);
            }
        }
        let window = windows.entry(key).or_insert(Window {
            started: now,
            attempts: 0,
        });
        if now.duration_since(window.started) >= WINDOW {
            *window = Window {
                started: now,
                attempts: 0,
            };
        }
        window.attempts = window.attempts.saturating_add(1);
        window.attempts <= self.per_window
    }

    /// How many keys the limiter holds now.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.windows
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .len()
    }
}

/// The limiters, one per action.
#[derive(Debug, Clone)]
pub struct Limits {
    sign_in: Arc<Limiter>,
    codes: Arc<Limiter>,
    sign_up: Arc<Limiter>,
}

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

impl Limits {
    /// Limiters at `limits`.
    pub fn new(limits: RateLimits) -> Self {
        Self {
            sign_in: Arc::new(Limiter::new(limits.sign_in_per_minute)),
            codes: Arc::new(Limiter::new(limits.codes_per_minute)),
            sign_up: Arc::new(Limiter::new(limits.sign_up_per_minute)),
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Self::new(RateLimits::default())
    }
}

/// What is being limited.
#[derive(Debug, Clone, Copy)]
pub enum Action {
    SignIn,
    Code,
    SignUp,
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

impl Limits {
    /// The limiter for `action`.
    fn limiter(&self, action: Action) -> &Limiter {
        match action {
            Action::SignIn => &self.sign_in,
            Action::Code => &self.codes,
            Action::SignUp => &self.sign_up,
        }
    }

    /// Counts one attempt by `ip` (and for `email`, when it is an address); refuses when either is
    /// over. Text that is not an address is not counted by itself: the form refuses it anyway,
    /// and the client's own limit still applies.
    pub fn check(&self, action: Action, ip: IpAddr, email: Option<&str>) -> Result<(), WebError> {
        self.check_at(action, ip, email, Instant::now())
    }

    fn check_at(
        &self,
        action: Action,
        ip: IpAddr,
        email: Option<&str>,
        now: Instant,
    ) -> Result<(), WebError> {
        let limiter = self.limiter(action);
        // The client first: a client over its limit adds no keys for the addresses it tries.
        if !limiter.allow(ip_key(ip), now) {
            return Err(WebError::TooManyRequests);
        }
        let address = email.and_then(|typed| Email::parse(typed).ok());
        match address {
            Some(address) if !limiter.allow(format!("email:{}", address.normalised()), now) => {
                Err(WebError::TooManyRequests)
            }
            _ => Ok(()),
        }
    }

    /// How many keys `action`'s limiter holds (for tests).
    #[cfg(test)]
    pub fn keys(&self, action: Action) -> usize {
        self.limiter(action).len()
    }
}

#[cfg(test)]
mod tests {
    use std::net::{Ipv4Addr, Ipv6Addr};

    use super::*;

    #[test]
    fn ten_thousand_distinct_keys_never_grow_the_table_past_its_cap() {
        let limits = Limits::default();
        let now = Instant::now();
        for n in 0..10_000u32 {
            let ip = IpAddr::V4(Ipv4Addr::from(0x0a00_0000 + n));
            let email = format!("person{n}@example.org");
            let _ = limits.check_at(Action::SignIn, ip, Some(&email), now);
        }
        assert!(
            limits.keys(Action::SignIn) <= CAPACITY,
            "{} keys",
            limits.keys(Action::SignIn)
        );
    }

    #[test]
    fn a_huge_form_field_is_not_a_key() {
        let limits = Limits::default();
        let huge = "a".repeat(1_500_000) + "@example.org";
        let ip = IpAddr::V4(Ipv4Addr::LOCALHOST);
        let _ = limits.check(Action::SignIn, ip, Some(&huge));
        let _ = limits.check(Action::SignIn, ip, Some("not an address"));
        assert_eq!(limits.keys(Action::SignIn), 1, "only the client is counted");
        let stored: usize = limits
            .sign_in
            .windows
            .lock()
            .unwrap()
            .keys()
            .map(String::len)
            .sum();
        assert!(stored < 300, "{stored} bytes of keys");
    }

    #[test]
    fn addresses_are_counted_whatever_their_case_and_clients_by_their_network() {
        let limits = Limits::default();
        let now = Instant::now();
        for n in 0..5u16 {
            // Five different clients in one /64, five spellings of one address.
            let ip = IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 1, 2, 0, 0, 0, n));
            let email = if n % 2 == 0 {
                "Jago@TechUK.org"
            } else {
                "jago@techuk.org"
            };
            assert!(limits.check_at(Action::Code, ip, Some(email), now).is_ok());
        }
        let other = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 7));
        assert!(
            limits
                .check_at(Action::Code, other, Some("JAGO@techuk.org"), now)
                .is_err(),
            "the sixth code for one address in a minute is refused"
        );
        let same_network = IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 1, 2, 9, 9, 9, 9));
        assert!(
            limits
                .check_at(Action::Code, same_network, None, now)
                .is_err(),
            "the /64 has used its five"
        );
        assert!(
            limits
                .check_at(Action::Code, other, None, now + WINDOW)
                .is_ok(),
            "a new window starts after a minute"
        );
    }
}
