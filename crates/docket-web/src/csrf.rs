//! CSRF protection, in two layers. Every state-changing request must pass tower-http's
//! `Sec-Fetch-Site`/`Origin` check (applied in the router), and every form carries a token that
//! the handler checks, which covers browsers that send neither header.
//!
//! No cookie carries the token. For someone signed in, the token is an HMAC of their session
//! cookie (the `__Host-`, `Secure`, `HttpOnly` one under HTTPS) under the deployment's key: a new
//! session, a new token, and no page of another site can compute it. For a visitor who is not
//! signed in (the sign-in and sign-up forms), the token is signed and time-limited, so public
//! pages set no cookie at all and stay cacheable. The key is made once and kept in the database,
//! so every node signs and checks the same way.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::CookieJar;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::{AppState, WebError};

/// How long a form served to a visitor who is not signed in stays good to send.
const ANONYMOUS_LIFETIME: Duration = Duration::from_secs(12 * 60 * 60);

/// A form that carries nothing but its CSRF token (a button that confirms or withdraws).
#[derive(Debug, serde::Deserialize, Default)]
#[serde(default)]
pub struct CsrfOnly {
    pub csrf: String,
}

/// The deployment's key for CSRF tokens.
#[derive(Clone)]
pub struct CsrfKey(Arc<Vec<u8>>);

impl std::fmt::Debug for CsrfKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CsrfKey(***)")
    }
}

impl CsrfKey {
    /// A key over `bytes` (32 random bytes from the store).
    pub fn new(bytes: Vec<u8>) -> Self {
        Self(Arc::new(bytes))
    }

    fn mac(&self, purpose: &str, message: &str) -> String {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.0)
            .expect("HMAC takes a key of any length");
        mac.update(purpose.as_bytes());
        mac.update(b"\0");
        mac.update(message.as_bytes());
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    }
}

/// Seconds since 1970 on the wall clock: token lifetimes are about real time, never the demo clock.
fn wall_seconds() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs())
}

/// The token a visitor's forms carry, and how to check one that comes back.
#[derive(Debug, Clone)]
pub struct CsrfToken {
    rendered: String,
    check: Check,
}

#[derive(Debug, Clone)]
enum Check {
    /// Signed in: exactly the HMAC of the session cookie.
    Session(String),
    /// Not signed in: any unexpired token this deployment signed.
    Anonymous(CsrfKey),
}

impl CsrfToken {
    /// The token for a visitor holding the session cookie `session`.
    pub fn for_session(key: &CsrfKey, session: &str) -> Self {
        let token = key.mac("session-form", session);
        Self {
            rendered: token.clone(),
            check: Check::Session(token),
        }
    }

    /// A fresh signed token for a visitor who is not signed in, issued at `issued` (seconds).
    pub fn anonymous(key: &CsrfKey, issued: u64) -> Self {
        let nonce = docket_store::secret::random_token();
        let body = format!("{issued}.{}", &nonce[..16]);
        let signature = key.mac("anonymous-form", &body);
        Self {
            rendered: format!("{body}.{signature}"),
            check: Check::Anonymous(key.clone()),
        }
    }

    /// What forms carry in their hidden `csrf` field.
    pub fn value(&self) -> &str {
        &self.rendered
    }

    /// Refuses a form whose token is not this visitor's.
    pub fn verify(&self, submitted: &str) -> Result<(), WebError> {
        if self.accepts(submitted, wall_seconds()) {
            Ok(())
        } else {
            Err(WebError::Forbidden(
                "This form has expired or did not come from this site. Go back, reload the page and try again.".into(),
            ))
        }
    }

    fn accepts(&self, submitted: &str, now: u64) -> bool {
        if submitted.is_empty() || submitted.len() > 200 {
            return false;
        }
        match &self.check {
            Check::Session(expected) => expected.as_bytes().ct_eq(submitted.as_bytes()).into(),
            Check::Anonymous(key) => {
                let Some((body, signature)) = submitted.rsplit_once('.') else {
                    return false;
                };
                let signed: bool = key
                    .mac("anonymous-form", body)
                    .as_bytes()
                    .ct_eq(signature.as_bytes())
                    .into();
                let issued = body
                    .split_once('.')
                    .and_then(|(issued, _)| issued.parse::<u64>().ok());
                signed
                    && issued.is_some_and(|issued| {
                        // A minute of clock difference between nodes is tolerated.
                        issued <= now + 60
                            && now.saturating_sub(issued) <= ANONYMOUS_LIFETIME.as_secs()
                    })
            }
        }
    }
}

/// Hands every handler the visitor's CSRF token. Sets no cookie.
pub async fn ensure_token(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let key = match state.csrf_key().await {
        Ok(key) => key,
        Err(error) => return error.into_response(),
    };
    let jar = CookieJar::from_headers(request.headers());
    let session = crate::auth::session_cookie_name(state.config.secure());
    let token = match jar.get(session) {
        Some(cookie) if !cookie.value().is_empty() => CsrfToken::for_session(&key, cookie.value()),
        _ => CsrfToken::anonymous(&key, wall_seconds()),
    };
    request.extensions_mut().insert(token);
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> CsrfKey {
        CsrfKey::new(vec![7; 32])
    }

    #[test]
    fn a_signed_in_token_is_tied_to_its_session() {
        let token = CsrfToken::for_session(&key(), "session-a");
        assert!(token.accepts(token.value(), 0));
        let other = CsrfToken::for_session(&key(), "session-b");
        assert!(!token.accepts(other.value(), 0));
        assert!(!token.accepts("", 0));
        let anonymous = CsrfToken::anonymous(&key(), 1_000);
        assert!(
            !token.accepts(anonymous.value(), 1_000),
            "a form served before sign-in does not work after it"
        );
    }

    #[test]
    fn an_anonymous_token_is_signed_and_expires() {
        let issued = 1_700_000_000;
        let token = CsrfToken::anonymous(&key(), issued);
        assert!(token.accepts(token.value(), issued + 60));
        assert!(token.accepts(token.value(), issued + ANONYMOUS_LIFETIME.as_secs()));
        assert!(!token.accepts(token.value(), issued + ANONYMOUS_LIFETIME.as_secs() + 1));
        assert!(
            !token.accepts(token.value(), issued - 3600),
            "issued in the future"
        );
        let forged = format!("{issued}.aaaaaaaaaaaaaaaa.{}", "A".repeat(43));
        assert!(!token.accepts(&forged, issued));
        let other_key = CsrfToken::anonymous(&CsrfKey::new(vec![8; 32]), issued);
        assert!(!token.accepts(other_key.value(), issued));
        let tampered = token
            .value()
            .replacen(&issued.to_string(), &(issued + 1).to_string(), 1);
        assert!(!token.accepts(&tampered, issued));
    }
}
