//! Security headers set on every response.

use axum::Router;
use axum::http::{HeaderName, HeaderValue, header};
use tower_http::set_header::SetResponseHeaderLayer;

/// No inline script or style, nothing framed, nothing loaded from elsewhere.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
img-src 'self'; font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// Adds the headers to every response of `router` (it must be the outermost layer, so that the
/// early answers of the layers inside carry them too); `secure` adds HSTS (only when Docket is reached
/// over HTTPS, where the browser will honour it).
pub fn apply(router: Router, secure: bool) -> Router {
    let mut headers = vec![
        (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "strict-origin-when-cross-origin"),
        (
            HeaderName::from_static("cross-origin-opener-policy"),
            "same-origin",
        ),
        (
            HeaderName::from_static("permissions-policy"),
            "camera=(), microphone=(), geolocation=()",
        ),
    ];
    if secure {
        headers.push((
            header::STRICT_TRANSPORT_SECURITY,
            "max-age=31536000; includeSubDomains",
        ));
    }
    headers.into_iter().fold(router, |router, (name, value)| {
        router.layer(SetResponseHeaderLayer::if_not_present(
            name,
            HeaderValue::from_static(value),
        ))
    })
}

/// Caching: a page seen by someone signed in, and any answer that says nothing of its own, is
/// `no-store` (it may hold their pieces, their address, a form token); public pages say for
/// themselves when a shared cache may keep them, and only for visitors who are not signed in.
pub async fn cache_policy(
    axum::extract::State(state): axum::extract::State<crate::AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let jar = axum_extra::extract::cookie::CookieJar::from_headers(request.headers());
    let signed_in = jar
        .get(crate::auth::session_cookie_name(state.config.secure()))
        .is_some();
    let asset = request.uri().path().starts_with("/static/");
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    if (signed_in && !asset) || !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if !asset {
        headers.append(header::VARY, HeaderValue::from_static("Cookie"));
    }
    response
}

/// A request path as it may appear in logs: the secret segment of a single-use link
/// (`/account/confirm/…`, `/account/sign-in/link/…`, `/account/reset/…`, `/mail/confirm/…`) is
/// replaced, so that no token reaches a log line. Query strings are never logged.
pub fn loggable_path(path: &str) -> String {
    let mut out = Vec::new();
    let mut previous = "";
    for segment in path.split('/') {
        let secret = matches!(previous, "confirm" | "link" | "reset") && segment.len() >= 16;
        out.push(if secret { "[secret]" } else { segment });
        previous = segment;
    }
    out.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_single_use_link_reaches_the_logs() {
        let token = "k3xq9vty7bm2abcdEFGH1234567890abcdefghijklm";
        for (path, logged) in [
            (
                format!("/account/confirm/{token}"),
                "/account/confirm/[secret]",
            ),
            (
                format!("/account/sign-in/link/{token}"),
                "/account/sign-in/link/[secret]",
            ),
            (format!("/account/reset/{token}"), "/account/reset/[secret]"),
            (format!("/mail/confirm/{token}"), "/mail/confirm/[secret]"),
        ] {
            assert_eq!(loggable_path(&path), logged);
        }
        assert_eq!(loggable_path("/account/reset"), "/account/reset");
        assert_eq!(
            loggable_path("/submissions/12/edit"),
            "/submissions/12/edit"
        );
    }
}
