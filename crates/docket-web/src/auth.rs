//! Accounts and sessions: argon2id password hashes (computed off the async runtime), random
//! single-use tokens stored only as hashes, server-side sessions in the database, and the
//! extractors handlers use to know who is asking.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use docket_store::{Session, StaffRole, StoredCall, User};
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::{AppState, WebError};

/// The session cookie's name (with the `__Host-` prefix when Docket is served over HTTPS).
pub fn session_cookie_name(secure: bool) -> &'static str {
    if secure {
        "__Host-docket_session"
    } else {
        "docket_session"
    }
}

/// 256 random bits, URL-safe.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// An 8-digit code for typing (attempts are limited, so 27 bits suffice).
pub fn random_code() -> String {
    format!("{:08}", rand::rng().next_u32() % 100_000_000)
}

/// What is stored in place of a token or code: its SHA-256, hex.
pub fn hash_token(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Hashes a password with argon2id, on a blocking thread.
pub async fn hash_password(password: String) -> Result<String, WebError> {
    tokio::task::spawn_blocking(move || {
        use argon2::password_hash::PasswordHasher;
        argon2::Argon2::default()
            .hash_password(password.as_bytes())
            .map(|hash| hash.to_string())
            .map_err(|error| WebError::Internal(format!("hashing a password: {error}")))
    })
    .await
    .map_err(|error| WebError::Internal(format!("password task: {error}")))?
}

/// Checks a password against a stored hash, on a blocking thread. A missing hash never matches,
/// but costs the same time, so answers do not reveal which accounts exist.
pub async fn verify_password(password: String, hash: Option<String>) -> bool {
    tokio::task::spawn_blocking(move || {
        use argon2::password_hash::PasswordHasher;
        use argon2::password_hash::PasswordVerifier;
        use argon2::password_hash::phc::PasswordHash;
        // The hash of a random password, checked when there is no account, to spend equal time.
        static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
        let decoy = DECOY.get_or_init(|| {
            argon2::Argon2::default()
                .hash_password(random_token().as_bytes())
                .map(|hash| hash.to_string())
                .unwrap_or_default()
        });
        let stored = hash.as_deref().unwrap_or(decoy);
        let Ok(parsed) = PasswordHash::new(stored) else {
            return false;
        };
        argon2::Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
            && hash.is_some()
    })
    .await
    .unwrap_or(false)
}

/// Starts a session for `user` and returns the cookie jar carrying it. A new random id every
/// time: signing in never reuses a session id that existed before.
pub async fn start_session(
    state: &AppState,
    jar: CookieJar,
    user: &User,
) -> Result<CookieJar, WebError> {
    let token = random_token();
    let now = state.clock.now();
    let expires = now
        .checked_add(state.config.session_lifetime)
        .map_err(|error| WebError::Internal(error.to_string()))?;
    state
        .store
        .create_session(user.id, &hash_token(&token), now, expires)
        .await?;
    let secure = state.config.secure();
    // Any earlier session cookie is replaced; the old server-side session (if any) is ended.
    if let Some(old) = jar.get(session_cookie_name(secure)) {
        state.store.delete_session(&hash_token(old.value())).await?;
    }
    let cookie = Cookie::build((session_cookie_name(secure), token))
        .path("/")
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Lax)
        .build();
    Ok(jar.add(cookie))
}

/// Ends the session on the server and clears the cookie.
pub async fn end_session(state: &AppState, jar: CookieJar) -> Result<CookieJar, WebError> {
    let name = session_cookie_name(state.config.secure());
    if let Some(cookie) = jar.get(name) {
        state
            .store
            .delete_session(&hash_token(cookie.value()))
            .await?;
    }
    Ok(jar.remove(Cookie::build(name).path("/").build()))
}

async fn current_session(parts: &mut Parts, state: &AppState) -> Result<Option<Session>, WebError> {
    let jar = CookieJar::from_headers(&parts.headers);
    let Some(cookie) = jar.get(session_cookie_name(state.config.secure())) else {
        return Ok(None);
    };
    let session = state
        .store
        .session(
            &hash_token(cookie.value()),
            state.clock.now(),
            state.config.session_idle,
        )
        .await?;
    Ok(session)
}

/// A signed-in person with a confirmed address. Pages that need one send others to sign in.
#[derive(Debug, Clone)]
pub struct Contributor(pub User);

/// Whoever is asking: signed in or not.
#[derive(Debug, Clone)]
pub struct MaybeUser(pub Option<User>);

/// Why a page that needs a signed-in person could not be shown.
#[derive(Debug)]
pub enum AuthRejection {
    /// Nobody (or an expired session): sign in, then come back.
    SignIn {
        return_to: String,
    },
    Error(WebError),
}

impl IntoResponse for AuthRejection {
    fn into_response(self) -> Response {
        match self {
            AuthRejection::SignIn { return_to } => {
                let query =
                    serde_urlencoded::to_string([("next", return_to.as_str())]).unwrap_or_default();
                Redirect::to(&format!("/account/sign-in?{query}")).into_response()
            }
            AuthRejection::Error(error) => error.into_response(),
        }
    }
}

impl FromRequestParts<AppState> for Contributor {
    type Rejection = AuthRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let return_to = parts
            .uri
            .path_and_query()
            .map_or("/", |p| p.as_str())
            .to_owned();
        match current_session(parts, state).await {
            Ok(Some(session)) if session.user.confirmed_at.is_some() => {
                Ok(Contributor(session.user))
            }
            Ok(_) => Err(AuthRejection::SignIn { return_to }),
            Err(error) => Err(AuthRejection::Error(error)),
        }
    }
}

impl FromRequestParts<AppState> for MaybeUser {
    type Rejection = WebError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(MaybeUser(
            current_session(parts, state)
                .await?
                .map(|session| session.user),
        ))
    }
}

/// A signed-in, confirmed person on the staff of the call named by the path's `{slug}`, with that
/// call and their role. Anyone else signed in gets the not-found page, so a console's existence
/// is not revealed; nobody signed in is sent to sign in and brought back.
#[derive(Debug, Clone)]
pub struct Staff {
    /// Who is asking.
    pub user: User,
    /// The call named in the path, already loaded: handlers need not look it up again.
    pub call: StoredCall,
    /// What they may do on it.
    pub role: StaffRole,
}

impl Staff {
    /// True for the call's organisers, who may change its emails and send mail again.
    pub fn is_organiser(&self) -> bool {
        self.role == StaffRole::Organiser
    }

    /// Refuses anyone but an organiser with the not-found page: an editor is not told that
    /// organiser-only pages exist.
    pub fn require_organiser(&self, state: &AppState) -> Result<(), WebError> {
        if self.is_organiser() {
            Ok(())
        } else {
            Err(WebError::not_found(state))
        }
    }
}

impl FromRequestParts<AppState> for Staff {
    type Rejection = AuthRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Contributor(user) = Contributor::from_request_parts(parts, state).await?;
        let params = axum::extract::RawPathParams::from_request_parts(parts, state)
            .await
            .map_err(|_| AuthRejection::Error(WebError::not_found(state)))?;
        let Some(slug) = params
            .iter()
            .find_map(|(name, value)| (name == "slug").then(|| value.to_owned()))
        else {
            return Err(AuthRejection::Error(WebError::not_found(state)));
        };
        // One query answers both "does the call exist" and "is this person on its staff", so the
        // two cases cannot be told apart from outside.
        let staffed = state
            .store
            .staffed_calls(&user.email)
            .await
            .map_err(|error| AuthRejection::Error(error.into()))?;
        match staffed
            .into_iter()
            .find(|(stored, _)| stored.call.slug.as_str() == slug)
        {
            Some((call, role)) => Ok(Staff { user, call, role }),
            None => Err(AuthRejection::Error(WebError::not_found(state))),
        }
    }
}

/// Only same-site paths are followed after sign-in (no open redirects).
pub fn safe_return_path(next: Option<&str>) -> String {
    match next {
        Some(path) if path.starts_with('/') && !path.starts_with("//") && !path.contains('\\') => {
            path.to_owned()
        }
        _ => "/submissions".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_random_and_stored_hashed() {
        let (a, b) = (random_token(), random_token());
        assert_ne!(a, b);
        assert_eq!(URL_SAFE_NO_PAD.decode(&a).unwrap().len(), 32);
        assert_eq!(hash_token(&a).len(), 64);
        assert_ne!(hash_token(&a), a);
        assert_eq!(random_code().len(), 8);
    }

    #[test]
    fn only_local_paths_are_followed_after_sign_in() {
        assert_eq!(safe_return_path(Some("/submissions/3")), "/submissions/3");
        for bad in [
            "https://evil.example",
            "//evil.example",
            "/\\evil.example",
            "javascript:alert(1)",
        ] {
            assert_eq!(safe_return_path(Some(bad)), "/submissions", "{bad}");
        }
    }

    #[tokio::test]
    async fn passwords_verify_only_against_their_own_hash() {
        let hash = hash_password("correct horse battery staple".into())
            .await
            .unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery staple".into(), Some(hash.clone())).await);
        assert!(!verify_password("wrong".into(), Some(hash)).await);
        assert!(!verify_password("anything".into(), None).await);
    }
}
