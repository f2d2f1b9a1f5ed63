//! CSRF protection, in two layers. Every state-changing request must pass tower-http's
//! `Sec-Fetch-Site`/`Origin` check (applied in the router), and every form carries a random token
//! that must equal the one in the visitor's `docket_csrf` cookie (double submit), which covers
//! browsers that send neither header.

use axum::extract::Request;
use axum::http::header;
use axum::middleware::Next;
use axum::response::Response;
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use subtle::ConstantTimeEq;

use crate::WebError;

const COOKIE: &str = "docket_csrf";

/// A form that carries nothing but its CSRF token (a button that confirms or withdraws).
#[derive(Debug, serde::Deserialize, Default)]
#[serde(default)]
pub struct CsrfOnly {
    pub csrf: String,
}

/// The visitor's CSRF token, for rendering into forms and checking what comes back.
#[derive(Debug, Clone)]
pub struct CsrfToken(pub String);

impl CsrfToken {
    /// Refuses a form whose token does not match the cookie's.
    pub fn verify(&self, submitted: &str) -> Result<(), WebError> {
        let matches: bool = self.0.as_bytes().ct_eq(submitted.as_bytes()).into();
        if matches && !submitted.is_empty() {
            Ok(())
        } else {
            Err(WebError::Forbidden(
                "This form has expired or did not come from this site. Go back, reload the page and try again.".into(),
            ))
        }
    }
}

/// Makes sure every visitor has a CSRF cookie, and hands the token to handlers.
pub async fn ensure_token(mut request: Request, next: Next) -> Response {
    let jar = CookieJar::from_headers(request.headers());
    let existing = jar
        .get(COOKIE)
        .map(|cookie| cookie.value().to_owned())
        .filter(|value| value.len() >= 32);
    let (token, fresh) = match existing {
        Some(token) => (token, false),
        None => (crate::auth::random_token(), true),
    };
    request.extensions_mut().insert(CsrfToken(token.clone()));
    let mut response = next.run(request).await;
    if fresh {
        let cookie = Cookie::build((COOKIE, token))
            .path("/")
            .http_only(true)
            .same_site(SameSite::Lax)
            .build();
        if let Ok(value) = cookie.to_string().parse() {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    response
}
