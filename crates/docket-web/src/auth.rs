//! Accounts and sessions: argon2id password hashes (computed off the async runtime), random
//! single-use tokens stored only as hashes, server-side sessions in the database, and the
//! extractors handlers use to know who is asking.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
pub use docket_store::secret::{hash_token, random_code, random_token};
use docket_store::{Session, StaffRole, StoredCall, User};

use crate::{AppState, WebError};

/// The session cookie's name (with the `__Host-` prefix when Docket is served over HTTPS).
pub fn session_cookie_name(secure: bool) -> &'static str {
    if secure {
        "__Host-docket_session"
    } else {
        "docket_session"
    }
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
    Ok(session_and_hash(parts, state)
        .await?
        .map(|(session, _)| session))
}

async fn session_and_hash(
    parts: &mut Parts,
    state: &AppState,
) -> Result<Option<(Session, String)>, WebError> {
    let jar = CookieJar::from_headers(&parts.headers);
    let Some(cookie) = jar.get(session_cookie_name(state.config.secure())) else {
        return Ok(None);
    };
    let hash = hash_token(cookie.value());
    let session = state
        .store
        .session(&hash, state.clock.now(), state.config.session_idle)
        .await?;
    Ok(session.map(|session| (session, hash)))
}

fn return_path(parts: &Parts) -> String {
    parts
        .uri
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_owned()
}

/// A signed-in person with a confirmed address. Pages that need one send others to sign in,
/// and someone with a second factor to type their code first.
#[derive(Debug, Clone)]
pub struct Contributor(pub User);

/// A signed-in, confirmed person with their session, including one that still awaits the second
/// factor: the pages that ask for it and set it up.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub session: Session,
    /// The hash of the session's token, as stored.
    pub session_hash: String,
}

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
    /// Signed in, the second factor not yet typed in this session.
    SecondFactor {
        return_to: String,
    },
    /// Staff without a second factor: set one up, then come back.
    Enrol {
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
            AuthRejection::SecondFactor { return_to } => {
                let query =
                    serde_urlencoded::to_string([("next", return_to.as_str())]).unwrap_or_default();
                Redirect::to(&format!("/account/two-factor/check?{query}")).into_response()
            }
            AuthRejection::Enrol { return_to } => {
                let query =
                    serde_urlencoded::to_string([("next", return_to.as_str())]).unwrap_or_default();
                Redirect::to(&format!("/account/two-factor?{query}")).into_response()
            }
            AuthRejection::Error(error) => error.into_response(),
        }
    }
}

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = AuthRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        match session_and_hash(parts, state).await {
            Ok(Some((session, session_hash))) if session.user.confirmed_at.is_some() => {
                Ok(SignedIn {
                    session,
                    session_hash,
                })
            }
            Ok(_) => Err(AuthRejection::SignIn {
                return_to: return_path(parts),
            }),
            Err(error) => Err(AuthRejection::Error(error)),
        }
    }
}

impl FromRequestParts<AppState> for Contributor {
    type Rejection = AuthRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(Contributor(contributor_session(parts, state).await?.user))
    }
}

/// The session of a signed-in, confirmed person who owes no second factor: what
/// [`Contributor`] checks, with the session kept for the staff's further checks (one lookup a
/// request).
async fn contributor_session(
    parts: &mut Parts,
    state: &AppState,
) -> Result<Session, AuthRejection> {
    let signed_in = SignedIn::from_request_parts(parts, state).await?;
    if signed_in.session.awaits_second_factor() {
        return Err(AuthRejection::SecondFactor {
            return_to: return_path(parts),
        });
    }
    Ok(signed_in.session)
}

/// Staff and administrators reach their pages only with a second factor, passed in this
/// session: someone without one is sent to set it up.
fn with_second_factor(session: Session, parts: &Parts) -> Result<User, AuthRejection> {
    if !session.two_factor_enrolled {
        return Err(AuthRejection::Enrol {
            return_to: return_path(parts),
        });
    }
    // A session that owes its code never gets here (`contributor_session`).
    Ok(session.user)
}

impl FromRequestParts<AppState> for MaybeUser {
    type Rejection = WebError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        // Someone who has not typed their second factor yet is not signed in for any page.
        Ok(MaybeUser(
            current_session(parts, state)
                .await?
                .filter(|session| !session.awaits_second_factor())
                .map(|session| session.user),
        ))
    }
}

/// A signed-in, confirmed person on the staff of the call named by the path's `{slug}`, with that
/// call and their role, or a site administrator (who may do what the call's organisers may).
/// Anyone else signed in gets the not-found page, so a console's existence is not revealed;
/// nobody signed in is sent to sign in and brought back.
#[derive(Debug, Clone)]
pub struct Staff {
    /// Who is asking.
    pub user: User,
    /// The call named in the path, already loaded: handlers need not look it up again.
    pub call: StoredCall,
    /// What they may do on it.
    pub role: StaffRole,
}

/// True when `email` is a site administrator.
pub async fn is_admin(state: &AppState, email: &str) -> Result<bool, WebError> {
    Ok(state
        .store
        .admins()
        .await?
        .iter()
        .any(|(admin, _)| admin == email))
}

/// A signed-in, confirmed site administrator. Anyone else signed in gets the not-found page.
#[derive(Debug, Clone)]
pub struct Admin(pub User);

impl FromRequestParts<AppState> for Admin {
    type Rejection = AuthRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let session = contributor_session(parts, state).await?;
        match is_admin(state, &session.user.email).await {
            Ok(true) => Ok(Admin(with_second_factor(session, parts)?)),
            Ok(false) => Err(AuthRejection::Error(WebError::not_found(state))),
            Err(error) => Err(AuthRejection::Error(error)),
        }
    }
}

impl Staff {
    /// True for the call's organisers, who may change its emails and send mail again.
    pub fn is_organiser(&self) -> bool {
        self.role == StaffRole::Organiser
    }

    /// True for organisers and editors, who see the call's pieces, mail and pledges.
    pub fn is_editor(&self) -> bool {
        matches!(self.role, StaffRole::Organiser | StaffRole::Editor)
    }

    /// Refuses reviewers with the not-found page: the call's mail and pledges are for organisers
    /// and editors.
    pub fn require_editor(&self, state: &AppState) -> Result<(), WebError> {
        if self.is_editor() {
            Ok(())
        } else {
            Err(WebError::not_found(state))
        }
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

    /// The letterhead of the call this member staffs, in its own wording.
    pub async fn letterhead(
        &self,
        state: &AppState,
    ) -> Result<docket_app::mail::Letterhead, WebError> {
        Ok(docket_app::letterhead(
            state.store.as_ref(),
            &state.mailer,
            self.call.id,
            &self.call.call,
        )
        .await?)
    }
}

impl FromRequestParts<AppState> for Staff {
    type Rejection = AuthRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let session = contributor_session(parts, state).await?;
        let user = session.user.clone();
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
        if let Some((call, role)) = staffed
            .into_iter()
            .find(|(stored, _)| stored.call.slug.as_str() == slug)
        {
            // Only now, once they are known to be staff, is the second factor asked for.
            let user = with_second_factor(session, parts)?;
            return Ok(Staff { user, call, role });
        }
        // Site administrators see every call, as its organisers do.
        let admin = is_admin(state, &user.email)
            .await
            .map_err(AuthRejection::Error)?;
        let call = if admin {
            state
                .store
                .call(&slug)
                .await
                .map_err(|error| AuthRejection::Error(error.into()))?
        } else {
            None
        };
        match call {
            Some(call) => Ok(Staff {
                user: with_second_factor(session, parts)?,
                call,
                role: StaffRole::Organiser,
            }),
            None => Err(AuthRejection::Error(WebError::not_found(state))),
        }
    }
}

/// Where people go after signing in when no (acceptable) return path was given.
const DEFAULT_RETURN: &str = "/submissions";

/// Only same-origin paths are followed after sign-in (no open redirects): `next` must be a path
/// that starts with exactly one `/`, written in printable ASCII without backslashes, and whose
/// percent-escapes hide no slash, backslash, `%`, space or control character. Browsers drop tabs
/// and newlines and treat `\` as `/`, so `/<TAB>/evil.example` and `/\evil.example` are
/// `//evil.example` to them; anything of that family falls back to the contributor's pieces.
pub fn safe_return_path(next: Option<&str>) -> String {
    match next {
        Some(path) if is_local_path(path) => path.to_owned(),
        _ => DEFAULT_RETURN.to_owned(),
    }
}

fn is_local_path(path: &str) -> bool {
    let bytes = path.as_bytes();
    if path.len() > 2048
        || bytes.first() != Some(&b'/')
        || matches!(bytes.get(1), Some(b'/' | b'\\'))
        || !bytes.iter().all(|b| b.is_ascii_graphic() && *b != b'\\')
    {
        return false;
    }
    // Every percent-escape must be complete and decode to a harmless byte.
    let mut rest = bytes;
    while let Some(at) = rest.iter().position(|b| *b == b'%') {
        let escaped = rest
            .get(at + 1..at + 3)
            .and_then(|hex| std::str::from_utf8(hex).ok())
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match escaped {
            Some(byte) if byte > b' ' && !matches!(byte, b'/' | b'\\' | b'%' | 0x7f) => {}
            _ => return false,
        }
        rest = &rest[at + 3..];
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed_after_sign_in() {
        for good in [
            "/submissions/3",
            "/calls/digital-justice-week-2022/submit",
            "/console/calls/x?tab=outbox&page=2",
            "/calls/caf%C3%A9",
        ] {
            assert_eq!(safe_return_path(Some(good)), good, "{good}");
        }
        for bad in [
            "https://evil.example",
            "https:evil.example",
            "//evil.example",
            "///evil.example",
            "/\\evil.example",
            "\\\\evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r\nSet-Cookie: x=1",
            "/%2F/evil.example",
            "/%2f/evil.example",
            "/%5C/evil.example",
            "/%09/evil.example",
            "/%0a/evil.example",
            "/%00",
            "/%252F/evil.example",
            "/%",
            "/%zz",
            "/ /evil.example",
            "/caf\u{e9}",
            "javascript:alert(1)",
            "evil.example",
            "",
        ] {
            assert_eq!(safe_return_path(Some(bad)), "/submissions", "{bad:?}");
        }
        assert_eq!(safe_return_path(None), "/submissions");
    }

    #[tokio::test]
    async fn passwords_verify_only_against_their_own_hash() {
        let hash = hash_password("correct horse battery staple".into())
            .await
            .expect("argon2 hashes a password");
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery staple".into(), Some(hash.clone())).await);
        assert!(!verify_password("wrong".into(), Some(hash)).await);
        assert!(!verify_password("anything".into(), None).await);
    }
}
