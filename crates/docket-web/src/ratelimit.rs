//! Rate limits on sign-in, code requests and sign-up, per client address and per email address.
//! Kept in memory on each node: with several nodes the effective limit is per node.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::WebError;

/// The limiters, one per action.
#[derive(Debug, Clone)]
pub struct Limits {
    sign_in: Arc<DefaultKeyedRateLimiter<String>>,
    codes: Arc<DefaultKeyedRateLimiter<String>>,
    sign_up: Arc<DefaultKeyedRateLimiter<String>>,
}

fn per_minute(n: u32) -> Arc<DefaultKeyedRateLimiter<String>> {
    let n = NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN);
    Arc::new(RateLimiter::keyed(Quota::per_minute(n)))
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            sign_in: per_minute(10),
            codes: per_minute(5),
            sign_up: per_minute(5),
        }
    }
}

/// What is being limited.
#[derive(Debug, Clone, Copy)]
pub enum Action {
    SignIn,
    Code,
    SignUp,
}

impl Limits {
    /// Counts one attempt by `ip` (and for `email`, when given); refuses when either is over.
    pub fn check(&self, action: Action, ip: IpAddr, email: Option<&str>) -> Result<(), WebError> {
        let limiter = match action {
            Action::SignIn => &self.sign_in,
            Action::Code => &self.codes,
            Action::SignUp => &self.sign_up,
        };
        let by_ip = limiter.check_key(&format!("ip:{ip}")).is_ok();
        let by_email = email.is_none_or(|email| {
            limiter
                .check_key(&format!("email:{}", email.to_lowercase()))
                .is_ok()
        });
        if by_ip && by_email {
            Ok(())
        } else {
            Err(WebError::TooManyRequests)
        }
    }
}
