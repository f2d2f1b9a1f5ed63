//! Accounts: sign up with a confirmed address, sign in by password or by an emailed code or link,
//! reset a forgotten password, sign out. Answers never reveal whether an address has an account.

use askama::Template;
use axum::Form;
use axum::extract::{Extension, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use docket_core::Email;
use docket_store::{CodeOutcome, NewToken, TokenPurpose};
use jiff::SignedDuration;
use serde::Deserialize;

use crate::auth::{self, MaybeUser};
use crate::csrf::{CsrfOnly, CsrfToken};
use crate::forms::FormErrors;
use crate::ratelimit::{self, Action, ClientIp};
use crate::site::Layout;
use crate::{AppState, Route, WebError, render};

/// Passwords: long enough to resist guessing, short enough to hash quickly. No other rules.
const PASSWORD_MIN: usize = 10;
const PASSWORD_MAX: usize = 256;
/// A sign-in code is typed at most this many times.
const CODE_ATTEMPTS: i64 = 5;

/// Routes under `/account`.
pub fn routes() -> Vec<Route> {
    vec![
        Route::get("/account/sign-up", sign_up_page),
        Route::post("/account/sign-up", sign_up),
        Route::get("/account/check-email", check_email),
        Route::get("/account/confirm/{token}", confirm_page),
        Route::post("/account/confirm/{token}", confirm),
        Route::get("/account/sign-in", sign_in_page),
        Route::post("/account/sign-in", sign_in),
        Route::get("/account/sign-in/code", code_page),
        Route::post("/account/sign-in/code", request_code),
        Route::post("/account/sign-in/code/verify", verify_code),
        Route::get("/account/sign-in/link/{token}", link_page),
        Route::post("/account/sign-in/link/{token}", sign_in_by_link),
        Route::get("/account/reset", reset_request_page),
        Route::post("/account/reset", request_reset),
        Route::get("/account/reset/{token}", reset_page),
        Route::post("/account/reset/{token}", reset),
        Route::post("/account/sign-out", sign_out),
    ]
}

#[derive(Template)]
#[template(path = "account/sign_up.html")]
struct SignUpPage {
    layout: Layout,
    errors: FormErrors,
    email: String,
}

#[derive(Template)]
#[template(path = "account/sign_in.html")]
struct SignInPage {
    layout: Layout,
    errors: FormErrors,
    email: String,
    next: String,
    notice: Option<String>,
}

#[derive(Template)]
#[template(path = "account/code.html")]
struct CodePage {
    layout: Layout,
    errors: FormErrors,
    email: String,
    next: String,
}

#[derive(Template)]
#[template(path = "account/message.html")]
struct MessagePage {
    layout: Layout,
    heading: String,
    paragraphs: Vec<String>,
}

#[derive(Template)]
#[template(path = "account/token_button.html")]
struct TokenButtonPage {
    layout: Layout,
    heading: String,
    intro: String,
    action: String,
    button: String,
}

#[derive(Template)]
#[template(path = "account/reset_request.html")]
struct ResetRequestPage {
    layout: Layout,
    errors: FormErrors,
    email: String,
}

#[derive(Template)]
#[template(path = "account/reset.html")]
struct ResetPage {
    layout: Layout,
    errors: FormErrors,
    action: String,
}

fn layout(state: &AppState, title: &str, visitor: &MaybeUser, csrf: &CsrfToken) -> Layout {
    Layout::new(title, state.clock.as_ref(), None).for_visitor(
        visitor.0.as_ref(),
        csrf,
        state.config.demo,
    )
}

/// Lower-cases and checks an address typed into a form.
fn parse_email(errors: &mut FormErrors, typed: &str) -> Option<String> {
    let typed = typed.trim();
    if typed.is_empty() {
        errors.add("email", "Enter your email address");
        return None;
    }
    match Email::parse(typed) {
        Ok(email) => Some(email.normalised().into_string()),
        Err(_) => {
            errors.add(
                "email",
                "Enter an email address in the correct format, like name@example.org",
            );
            None
        }
    }
}

fn check_new_password(errors: &mut FormErrors, password: &str) {
    let length = password.chars().count();
    if length < PASSWORD_MIN {
        errors.add(
            "password",
            format!("Enter a password of at least {PASSWORD_MIN} characters"),
        );
    } else if length > PASSWORD_MAX {
        errors.add(
            "password",
            format!("Enter a password of at most {PASSWORD_MAX} characters"),
        );
    }
}

fn token_expiry(state: &AppState, valid_for: SignedDuration) -> Result<jiff::Timestamp, WebError> {
    state
        .clock
        .now()
        .checked_add(valid_for)
        .map_err(|error| WebError::Internal(error.to_string()))
}

/// What the store keeps for a single-use `token` (and sign-in `code`): only their hashes.
fn token_record(
    state: &AppState,
    token: &str,
    purpose: TokenPurpose,
    email: String,
    user_id: Option<docket_store::UserId>,
    valid_for: SignedDuration,
    code: Option<&str>,
) -> Result<NewToken, WebError> {
    Ok(NewToken {
        purpose,
        token_hash: auth::hash_token(token),
        code_hash: code.map(auth::hash_token),
        email,
        user_id,
        inbound_id: None,
        expires_at: token_expiry(state, valid_for)?,
    })
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
struct EmailPasswordForm {
    email: String,
    password: String,
    next: String,
    csrf: String,
}

async fn sign_up_page(
    State(state): State<AppState>,
    visitor: MaybeUser,
    Extension(csrf): Extension<CsrfToken>,
) -> Result<Response, WebError> {
    render(
        SignUpPage {
            layout: layout(&state, "Create an account", &visitor, &csrf),
            errors: FormErrors::default(),
            email: String::new(),
        },
        StatusCode::OK,
    )
}

async fn sign_up(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    visitor: MaybeUser,
    Extension(csrf): Extension<CsrfToken>,
    Form(form): Form<EmailPasswordForm>,
) -> Result<Response, WebError> {
    csrf.verify(&form.csrf)?;
    ratelimit::check(&state, Action::SignUp, client, Some(&form.email)).await?;
    let mut errors = FormErrors::default();
    let email = parse_email(&mut errors, &form.email);
    check_new_password(&mut errors, &form.password);
    let Some(email) = email.filter(|_| errors.is_empty()) else {
        let layout = layout(&state, "Error: Create an account", &visitor, &csrf);
        return render(
            SignUpPage {
                layout,
                errors,
                email: form.email,
            },
            StatusCode::BAD_REQUEST,
        );
    };
    let hash = auth::hash_password(form.password).await?;
    let token = auth::random_token();
    let new_token = token_record(
        &state,
        &token,
        TokenPurpose::ConfirmEmail,
        email.clone(),
        None,
        SignedDuration::from_hours(24),
        None,
    )?;
    let head = crate::letterhead_for_path(&state, &form.next).await?;
    let mail = state
        .mailer
        .confirm_email(&head, &email, &format!("/account/confirm/{token}"));
    let now = state.clock.now();
    if state
        .store
        .sign_up(&email, &hash, new_token, mail, now)
        .await?
        .is_none()
    {
        // Same answer either way; the owner of the address learns what happened by email.
        state
            .store
            .enqueue_mail(state.mailer.already_registered(&head, &email), now)
            .await?;
    }
    Ok(Redirect::to("/account/check-email").into_response())
}

async fn check_email(
    State(state): State<AppState>,
    visitor: MaybeUser,
    Extension(csrf): Extension<CsrfToken>,
) -> Result<Response, WebError> {
    let mut paragraphs = vec![
        "If the address you gave can receive mail, a message is on its way to it with what to do next.".to_owned(),
        "The link in it works once. If nothing arrives within a few minutes, check your spam folder, then try again.".to_owned(),
    ];
    if state.config.demo {
        paragraphs.push("This is the demo: no mail leaves this machine. Read it in the demo mailbox (linked in the banner).".to_owned());
    }
    render(
        MessagePage {
            layout: layout(&state, "Check your email", &visitor, &csrf),
            heading: "Check your email".into(),
            paragraphs,
        },
        StatusCode::OK,
    )
}

fn link_used_up(
    state: &AppState,
    visitor: &MaybeUser,
    csrf: &CsrfToken,
    what: &str,
) -> Result<Response, WebError> {
    render(
        MessagePage {
            layout: layout(state, "This link no longer works", visitor, csrf),
            heading: "This link no longer works".into(),
            paragraphs: vec![format!("It has expired or has already been used. {what}")],
        },
        StatusCode::GONE,
    )
}

async fn confirm_page(
    State(state): State<AppState>,
    Path(token): Path<String>,
    visitor: MaybeUser,
    Extension(csrf): Extension<CsrfToken>,
) -> Result<Response, WebError> {
    // A GET never uses the token: mail scanners follow links, people press buttons.
    render(
        TokenButtonPage {
            layout: layout(&state, "Confirm your email address", &visitor, &csrf),
            heading: "Confirm your email address".into(),
            intro: "Press the button to confirm this address and sign in.".into(),
            action: format!("/account/confirm/{token}"),
            button: "Confirm and sign in".into(),
        },
        StatusCode::OK,
    )
}

async fn confirm(
    State(state): State<AppState>,
    Path(token): Path<String>,
    visitor: MaybeUser,
    Extension(csrf): Extension<CsrfToken>,
    jar: CookieJar,
    Form(form): Form<CsrfOnly>,
) -> Result<Response, WebError> {
    csrf.verify(&form.csrf)?;
    let now = state.clock.now();
    let Some(redeemed) = state
        .store
        .redeem_token(&auth::hash_token(&token), TokenPurpose::ConfirmEmail, now)
        .await?
    else {
        return link_used_up(
            &state,
            &visitor,
            &csrf,
            "Sign in with your password and we will send a new confirmation link.",
        );
    };
    let Some(user) = state.store.user_by_email(&redeemed.email).await? else {
        return link_used_up(&state, &visitor, &csrf, "Create an account again.");
    };
    // The password was chosen in the sign-up this link confirms: it stays.
    state.store.confirm_user(user.id, now, true).await?;
    let jar = auth::start_session(&state, jar, &user).await?;
    Ok((jar, Redirect::to("/submissions")).into_response())
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
struct NextQuery {
    next: Option<String>,
    email: Option<String>,
}

async fn sign_in_page(
    State(state): State<AppState>,
    Query(query): Query<NextQuery>,
    visitor: MaybeUser,
    Extension(csrf): Extension<CsrfToken>,
) -> Result<Response, WebError> {
    render(
        SignInPage {
            layout: layout(&state, "Sign in", &visitor, &csrf),
            errors: FormErrors::default(),
            email: query.email.unwrap_or_default(),
            next: auth::safe_return_path(query.next.as_deref()),
            notice: None,
        },
        StatusCode::OK,
    )
}

async fn sign_in(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    visitor: MaybeUser,
    Extension(csrf): Extension<CsrfToken>,
    jar: CookieJar,
    Form(form): Form<EmailPasswordForm>,
) -> Result<Response, WebError> {
    csrf.verify(&form.csrf)?;
    ratelimit::check(&state, Action::SignIn, client, Some(&form.email)).await?;
    let next = auth::safe_return_path(Some(&form.next));
    let mut errors = FormErrors::default();
    let email = parse_email(&mut errors, &form.email);
    if form.password.is_empty() {
        errors.add("password", "Enter your password");
    }
    let user = match &email {
        Some(email) if errors.is_empty() => state.store.user_by_email(email).await?,
        _ => None,
    };
    let hash = user.as_ref().and_then(|user| user.password_hash.clone());
    let verified = errors.is_empty() && auth::verify_password(form.password, hash).await;
    match user {
        Some(user) if verified && user.confirmed_at.is_some() => {
            let jar = auth::start_session(&state, jar, &user).await?;
            Ok((jar, Redirect::to(&next)).into_response())
        }
        Some(user) if verified => {
            // Right password, address not yet confirmed: send a fresh link.
            let token = auth::random_token();
            let new_token = token_record(
                &state,
                &token,
                TokenPurpose::ConfirmEmail,
                user.email.clone(),
                Some(user.id),
                SignedDuration::from_hours(24),
                None,
            )?;
            let head = crate::letterhead_for_path(&state, &next).await?;
            let mail = state.mailer.confirm_email(
                &head,
                &user.email,
                &format!("/account/confirm/{token}"),
            );
            state
                .store
                .issue_token(new_token, mail, state.clock.now())
                .await?;
            render(
                SignInPage {
                    layout: layout(&state, "Sign in", &visitor, &csrf),
                    errors,
                    email: form.email,
                    next,
                    notice: Some(
                        "Confirm your email address first: we have sent you a new link.".into(),
                    ),
                },
                StatusCode::OK,
            )
        }
        _ => {
            if errors.is_empty() {
                errors.add("email", "The email address or the password is not right");
            }
            render(
                SignInPage {
                    layout: layout(&state, "Error: Sign in", &visitor, &csrf),
                    errors,
                    email: form.email,
                    next,
                    notice: None,
                },
                StatusCode::BAD_REQUEST,
            )
        }
    }
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
struct CodeRequestForm {
    email: String,
    next: String,
    csrf: String,
}

async fn request_code(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    visitor: MaybeUser,
    Extension(csrf): Extension<CsrfToken>,
    Form(form): Form<CodeRequestForm>,
) -> Result<Response, WebError> {
    csrf.verify(&form.csrf)?;
    ratelimit::check(&state, Action::Code, client, Some(&form.email)).await?;
    let next = auth::safe_return_path(Some(&form.next));
    let mut errors = FormErrors::default();
    let Some(email) = parse_email(&mut errors, &form.email) else {
        return render(
            SignInPage {
                layout: layout(&state, "Error: Sign in", &visitor, &csrf),
                errors,
                email: form.email,
                next,
                notice: None,
            },
            StatusCode::BAD_REQUEST,
        );
    };
    if let Some(user) = state.store.user_by_email(&email).await? {
        let (token, code) = (auth::random_token(), auth::random_code());
        let new_token = token_record(
            &state,
            &token,
            TokenPurpose::SignIn,
            email.clone(),
            Some(user.id),
            SignedDuration::from_mins(10),
            Some(code.as_str()),
        )?;
        let head = crate::letterhead_for_path(&state, &next).await?;
        let mail = state.mailer.sign_in_code(
            &head,
            &email,
            &code,
            &format!("/account/sign-in/link/{token}"),
        );
        state
            .store
            .issue_token(new_token, mail, state.clock.now())
            .await?;
    }
    let query = serde_urlencoded::to_string([("email", email.as_str()), ("next", next.as_str())])
        .unwrap_or_default();
    Ok(Redirect::to(&format!("/account/sign-in/code?{query}")).into_response())
}

async fn code_page(
    State(state): State<AppState>,
    Query(query): Query<NextQuery>,
    visitor: MaybeUser,
    Extension(csrf): Extension<CsrfToken>,
) -> Result<Response, WebError> {
    render(
        CodePage {
            layout: layout(&state, "Enter your sign-in code", &visitor, &csrf),
            errors: FormErrors::default(),
            email: query.email.unwrap_or_default(),
            next: auth::safe_return_path(query.next.as_deref()),
        },
        StatusCode::OK,
    )
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
struct CodeForm {
    email: String,
    code: String,
    next: String,
    csrf: String,
}

async fn verify_code(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    visitor: MaybeUser,
    Extension(csrf): Extension<CsrfToken>,
    jar: CookieJar,
    Form(form): Form<CodeForm>,
) -> Result<Response, WebError> {
    csrf.verify(&form.csrf)?;
    ratelimit::check(&state, Action::SignIn, client, Some(&form.email)).await?;
    let next = auth::safe_return_path(Some(&form.next));
    let mut errors = FormErrors::default();
    let email = parse_email(&mut errors, &form.email);
    let code: String = form
        .code
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect();
    if code.is_empty() {
        errors.add("code", "Enter the 8-digit code from the email");
    }
    if let (Some(email), true) = (&email, errors.is_empty()) {
        let now = state.clock.now();
        match state
            .store
            .redeem_code(email, &auth::hash_token(&code), CODE_ATTEMPTS, now)
            .await?
        {
            CodeOutcome::Accepted(_) => {
                if let Some(user) = state.store.user_by_email(email).await? {
                    // The code reached the mailbox: that confirms the address, and a password
                    // someone set before it was confirmed is not theirs to keep (pre-hijacking).
                    state.store.confirm_user(user.id, now, false).await?;
                    let jar = auth::start_session(&state, jar, &user).await?;
                    return Ok((jar, Redirect::to(&next)).into_response());
                }
                errors.add(
                    "code",
                    "That code is not right or has expired. Ask for a new code",
                );
            }
            CodeOutcome::Wrong => errors.add(
                "code",
                "That code is not right. Check the latest email and try again",
            ),
            CodeOutcome::NoLiveCode => errors.add(
                "code",
                "That code is not right or has expired. Ask for a new code",
            ),
        }
    }
    render(
        CodePage {
            layout: layout(&state, "Error: Enter your sign-in code", &visitor, &csrf),
            errors,
            email: form.email,
            next,
        },
        StatusCode::BAD_REQUEST,
    )
}

async fn link_page(
    State(state): State<AppState>,
    Path(token): Path<String>,
    visitor: MaybeUser,
    Extension(csrf): Extension<CsrfToken>,
) -> Result<Response, WebError> {
    render(
        TokenButtonPage {
            layout: layout(&state, "Sign in", &visitor, &csrf),
            heading: "Sign in to Docket".into(),
            intro: "Press the button to sign in with the link from your email.".into(),
            action: format!("/account/sign-in/link/{token}"),
            button: "Sign in".into(),
        },
        StatusCode::OK,
    )
}

async fn sign_in_by_link(
    State(state): State<AppState>,
    Path(token): Path<String>,
    visitor: MaybeUser,
    Extension(csrf): Extension<CsrfToken>,
    jar: CookieJar,
    Form(form): Form<CsrfOnly>,
) -> Result<Response, WebError> {
    csrf.verify(&form.csrf)?;
    let now = state.clock.now();
    let redeemed = state
        .store
        .redeem_token(&auth::hash_token(&token), TokenPurpose::SignIn, now)
        .await?;
    let user = match redeemed {
        Some(token) => state.store.user_by_email(&token.email).await?,
        None => None,
    };
    let Some(user) = user else {
        return link_used_up(&state, &visitor, &csrf, "Ask for a new sign-in code.");
    };
    state.store.confirm_user(user.id, now, false).await?;
    let jar = auth::start_session(&state, jar, &user).await?;
    Ok((jar, Redirect::to("/submissions")).into_response())
}

async fn reset_request_page(
    State(state): State<AppState>,
    visitor: MaybeUser,
    Extension(csrf): Extension<CsrfToken>,
) -> Result<Response, WebError> {
    render(
        ResetRequestPage {
            layout: layout(&state, "Reset your password", &visitor, &csrf),
            errors: FormErrors::default(),
            email: String::new(),
        },
        StatusCode::OK,
    )
}

async fn request_reset(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    visitor: MaybeUser,
    Extension(csrf): Extension<CsrfToken>,
    Form(form): Form<CodeRequestForm>,
) -> Result<Response, WebError> {
    csrf.verify(&form.csrf)?;
    ratelimit::check(&state, Action::Code, client, Some(&form.email)).await?;
    let mut errors = FormErrors::default();
    let Some(email) = parse_email(&mut errors, &form.email) else {
        return render(
            ResetRequestPage {
                layout: layout(&state, "Error: Reset your password", &visitor, &csrf),
                errors,
                email: form.email,
            },
            StatusCode::BAD_REQUEST,
        );
    };
    if let Some(user) = state.store.user_by_email(&email).await? {
        let token = auth::random_token();
        let new_token = token_record(
            &state,
            &token,
            TokenPurpose::ResetPassword,
            email.clone(),
            Some(user.id),
            SignedDuration::from_hours(1),
            None,
        )?;
        let head = crate::letterhead_for_path(&state, &form.next).await?;
        let mail = state
            .mailer
            .reset_password(&head, &email, &format!("/account/reset/{token}"));
        state
            .store
            .issue_token(new_token, mail, state.clock.now())
            .await?;
    }
    Ok(Redirect::to("/account/check-email").into_response())
}

async fn reset_page(
    State(state): State<AppState>,
    Path(token): Path<String>,
    visitor: MaybeUser,
    Extension(csrf): Extension<CsrfToken>,
) -> Result<Response, WebError> {
    render(
        ResetPage {
            layout: layout(&state, "Choose a new password", &visitor, &csrf),
            errors: FormErrors::default(),
            action: format!("/account/reset/{token}"),
        },
        StatusCode::OK,
    )
}

async fn reset(
    State(state): State<AppState>,
    Path(token): Path<String>,
    visitor: MaybeUser,
    Extension(csrf): Extension<CsrfToken>,
    jar: CookieJar,
    Form(form): Form<EmailPasswordForm>,
) -> Result<Response, WebError> {
    csrf.verify(&form.csrf)?;
    let mut errors = FormErrors::default();
    check_new_password(&mut errors, &form.password);
    if !errors.is_empty() {
        return render(
            ResetPage {
                layout: layout(&state, "Error: Choose a new password", &visitor, &csrf),
                errors,
                action: format!("/account/reset/{token}"),
            },
            StatusCode::BAD_REQUEST,
        );
    }
    let hash = auth::hash_password(form.password).await?;
    let now = state.clock.now();
    let redeemed = state
        .store
        .redeem_token(&auth::hash_token(&token), TokenPurpose::ResetPassword, now)
        .await?;
    let user = match redeemed {
        Some(token) => state.store.user_by_email(&token.email).await?,
        None => None,
    };
    let Some(user) = user else {
        return link_used_up(
            &state,
            &visitor,
            &csrf,
            "Ask for a new password-reset link.",
        );
    };
    state.store.set_password(user.id, &hash, now).await?;
    // The new password was set through the link: it stays.
    state.store.confirm_user(user.id, now, true).await?;
    let jar = auth::start_session(&state, jar, &user).await?;
    Ok((jar, Redirect::to("/submissions")).into_response())
}

async fn sign_out(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    jar: CookieJar,
    Form(form): Form<CsrfOnly>,
) -> Result<Response, WebError> {
    csrf.verify(&form.csrf)?;
    let jar = auth::end_session(&state, jar).await?;
    Ok((jar, Redirect::to("/")).into_response())
}
