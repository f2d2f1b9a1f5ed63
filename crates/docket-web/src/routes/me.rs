//! A person's own account: the second factor (set up, typed at sign-in, new recovery codes,
//! turned off), the profile the public sees, the archive of everything Docket holds about them,
//! and deleting the account.

use askama::Template;
use axum::Form;
use axum::extract::{Extension, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use docket_app::two_factor::{self, Checked};
use docket_store::{Profile, User};
use serde::Deserialize;

use crate::auth::{self, Contributor, SignedIn};
use crate::csrf::CsrfToken;
use crate::forms::FormErrors;
use crate::ratelimit::{self, Action, ClientIp};
use crate::site::Layout;
use crate::{AppState, Route, WebError, render};

/// Routes under `/account` for someone signed in; the profile form takes a headshot of up to
/// `max_upload_bytes`.
pub fn routes(max_upload_bytes: usize) -> Vec<Route> {
    vec![
        Route::get("/account", hub),
        Route::get("/account/two-factor", two_factor_page),
        Route::post("/account/two-factor/enrol", enrol),
        Route::post("/account/two-factor/recovery-codes", new_recovery_codes),
        Route::post("/account/two-factor/disable", disable),
        Route::get("/account/two-factor/check", check_page),
        Route::post("/account/two-factor/check", check),
        Route::get("/account/profile", profile_page),
        Route::new(
            axum::http::Method::POST,
            "/account/profile",
            axum::routing::post(save_profile)
                .layer(axum::extract::DefaultBodyLimit::max(max_upload_bytes)),
        ),
        Route::get("/account/data", data_page),
        Route::get("/account/data/download", download),
        Route::post("/account/delete", delete),
    ]
}

fn layout(state: &AppState, title: &str, user: Option<&User>, csrf: &CsrfToken) -> Layout {
    Layout::new(title, state.clock.as_ref(), None).for_visitor(user, csrf, state.config.demo)
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
struct NextQuery {
    next: Option<String>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
struct CodeForm {
    code: String,
    next: String,
    csrf: String,
}

// ---------------------------------------------------------------------------------------------
// The account's own page

#[derive(Template)]
#[template(path = "account/hub.html")]
struct HubPage {
    layout: Layout,
    email: String,
    two_factor: bool,
    byline: Option<String>,
}

async fn hub(
    State(state): State<AppState>,
    Contributor(user): Contributor,
    Extension(csrf): Extension<CsrfToken>,
) -> Result<Response, WebError> {
    let two_factor = state.store.two_factor(user.id).await?.secret.is_some();
    let byline = state
        .store
        .profile(user.id)
        .await?
        .map(|profile| profile.byline());
    render(
        HubPage {
            layout: layout(&state, "Your account", Some(&user), &csrf),
            email: user.email.clone(),
            two_factor,
            byline,
        },
        StatusCode::OK,
    )
}

// ---------------------------------------------------------------------------------------------
// Second factor

#[derive(Template)]
#[template(path = "account/two_factor.html")]
struct TwoFactorPage {
    layout: Layout,
    errors: FormErrors,
    next: String,
    enrolled: bool,
    recovery_left: i64,
    /// While enrolling: the QR code (SVG) and the secret as text.
    qr_svg: String,
    secret: String,
    /// Why they are here: the console asked for it.
    required: bool,
}

#[derive(Template)]
#[template(path = "account/recovery_codes.html")]
struct RecoveryCodesPage {
    layout: Layout,
    codes: Vec<String>,
    next: String,
}

async fn show_two_factor(
    state: &AppState,
    user: &User,
    csrf: &CsrfToken,
    errors: FormErrors,
    next: String,
) -> Result<Response, WebError> {
    let current = state.store.two_factor(user.id).await?;
    let enrolled = current.secret.is_some();
    let (qr_svg, secret) = if enrolled {
        (String::new(), String::new())
    } else {
        // One secret per enrolment, kept until it is confirmed or replaced.
        let secret = match current.pending {
            Some(secret) => secret,
            None => {
                let secret = two_factor::new_secret();
                state.store.set_pending_totp(user.id, Some(&secret)).await?;
                secret
            }
        };
        let svg = two_factor::otpauth_url(&secret, &user.email)
            .and_then(|url| two_factor::qr_svg(&url))
            .ok_or_else(|| WebError::Internal("drawing the QR code".into()))?;
        (svg, two_factor::grouped(&secret))
    };
    let title = match (enrolled, errors.is_empty()) {
        (true, true) => "Two-step sign-in",
        (true, false) => "Error: Two-step sign-in",
        (false, true) => "Set up two-step sign-in",
        (false, false) => "Error: Set up two-step sign-in",
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    render(
        TwoFactorPage {
            layout: layout(state, title, Some(user), csrf),
            errors,
            required: next.starts_with("/console"),
            next,
            enrolled,
            recovery_left: current.recovery_left,
            qr_svg,
            secret,
        },
        status,
    )
}

async fn two_factor_page(
    State(state): State<AppState>,
    Contributor(user): Contributor,
    Query(query): Query<NextQuery>,
    Extension(csrf): Extension<CsrfToken>,
) -> Result<Response, WebError> {
    let next = query
        .next
        .as_deref()
        .map(|next| auth::safe_return_path(Some(next)))
        .unwrap_or_default();
    show_two_factor(&state, &user, &csrf, FormErrors::default(), next).await
}

async fn enrol(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    signed_in: SignedIn,
    Extension(csrf): Extension<CsrfToken>,
    Form(form): Form<CodeForm>,
) -> Result<Response, WebError> {
    csrf.verify(&form.csrf)?;
    let user = &signed_in.session.user;
    if signed_in.session.awaits_second_factor() {
        return Err(WebError::not_found(&state));
    }
    ratelimit::check(&state, Action::SecondFactor, client, Some(&user.email)).await?;
    let next = if form.next.is_empty() {
        String::new()
    } else {
        auth::safe_return_path(Some(&form.next))
    };
    let current = state.store.two_factor(user.id).await?;
    let Some(secret) = current.pending.filter(|_| current.secret.is_none()) else {
        return Ok(Redirect::to("/account/two-factor").into_response());
    };
    let step = two_factor::step_of(&secret, &form.code, two_factor::wall_clock_seconds());
    let Some(step) = step else {
        let mut errors = FormErrors::default();
        errors.add(
            "code",
            if form.code.trim().is_empty() {
                "Enter the 6-digit code your authenticator app shows"
            } else {
                "That code is not right: enter the 6-digit code your app shows now (check the phone's clock is set automatically)"
            },
        );
        return show_two_factor(&state, user, &csrf, errors, next).await;
    };
    let (codes, hashes) = two_factor::new_recovery_codes();
    state
        .store
        .enrol_totp(
            user.id,
            &secret,
            step,
            &hashes,
            &signed_in.session_hash,
            state.clock.now(),
        )
        .await?;
    render(
        RecoveryCodesPage {
            layout: layout(&state, "Your recovery codes", Some(user), &csrf),
            codes,
            next: if next.is_empty() {
                "/account".into()
            } else {
                next
            },
        },
        StatusCode::OK,
    )
}

/// Checks a current code for an action on an enrolled account (new recovery codes, turning the
/// second factor off): a field error when it is not right.
async fn confirm_code(
    state: &AppState,
    signed_in: &SignedIn,
    client: std::net::IpAddr,
    code: &str,
) -> Result<Option<FormErrors>, WebError> {
    let user = &signed_in.session.user;
    ratelimit::check(state, Action::SecondFactor, client, Some(&user.email)).await?;
    let checked = two_factor::check(
        state.store.as_ref(),
        user.id,
        code,
        &signed_in.session_hash,
        state.clock.now(),
    )
    .await?;
    Ok(match checked {
        Checked::Code | Checked::RecoveryCode => None,
        Checked::Replayed => Some(field_error(
            "code",
            "That code was used already: wait for the next one your app shows",
        )),
        Checked::Wrong => Some(field_error(
            "code",
            "That code is not right: enter the 6-digit code your app shows now, or a recovery code",
        )),
    })
}

fn field_error(field: &str, message: &str) -> FormErrors {
    let mut errors = FormErrors::default();
    errors.add(field, message);
    errors
}

async fn new_recovery_codes(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    signed_in: SignedIn,
    Extension(csrf): Extension<CsrfToken>,
    Form(form): Form<CodeForm>,
) -> Result<Response, WebError> {
    csrf.verify(&form.csrf)?;
    if signed_in.session.awaits_second_factor() {
        return Err(WebError::not_found(&state));
    }
    let user = signed_in.session.user.clone();
    if let Some(errors) = confirm_code(&state, &signed_in, client, &form.code).await? {
        return show_two_factor(&state, &user, &csrf, errors, String::new()).await;
    }
    let (codes, hashes) = two_factor::new_recovery_codes();
    state
        .store
        .replace_recovery_codes(user.id, &hashes, state.clock.now())
        .await?;
    render(
        RecoveryCodesPage {
            layout: layout(&state, "Your new recovery codes", Some(&user), &csrf),
            codes,
            next: "/account".into(),
        },
        StatusCode::OK,
    )
}

async fn disable(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    signed_in: SignedIn,
    Extension(csrf): Extension<CsrfToken>,
    Form(form): Form<CodeForm>,
) -> Result<Response, WebError> {
    csrf.verify(&form.csrf)?;
    if signed_in.session.awaits_second_factor() {
        return Err(WebError::not_found(&state));
    }
    let user = signed_in.session.user.clone();
    if let Some(errors) = confirm_code(&state, &signed_in, client, &form.code).await? {
        return show_two_factor(&state, &user, &csrf, errors, String::new()).await;
    }
    state
        .store
        .disable_totp(
            user.id,
            &docket_store::Actor::User(user.id),
            state.clock.now(),
        )
        .await?;
    Ok(Redirect::to("/account").into_response())
}

#[derive(Template)]
#[template(path = "account/two_factor_check.html")]
struct CheckPage {
    layout: Layout,
    errors: FormErrors,
    next: String,
}

async fn check_page(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Query(query): Query<NextQuery>,
    Extension(csrf): Extension<CsrfToken>,
) -> Result<Response, WebError> {
    let next = auth::safe_return_path(query.next.as_deref());
    if !signed_in.session.awaits_second_factor() {
        return Ok(Redirect::to(&next).into_response());
    }
    render(
        CheckPage {
            layout: layout(
                &state,
                "Enter the code from your app",
                Some(&signed_in.session.user),
                &csrf,
            ),
            errors: FormErrors::default(),
            next,
        },
        StatusCode::OK,
    )
}

async fn check(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    signed_in: SignedIn,
    Extension(csrf): Extension<CsrfToken>,
    Form(form): Form<CodeForm>,
) -> Result<Response, WebError> {
    csrf.verify(&form.csrf)?;
    let next = auth::safe_return_path(Some(&form.next));
    if !signed_in.session.awaits_second_factor() {
        return Ok(Redirect::to(&next).into_response());
    }
    let errors = if form.code.trim().is_empty() {
        Some(field_error(
            "code",
            "Enter the 6-digit code your authenticator app shows, or a recovery code",
        ))
    } else {
        confirm_code(&state, &signed_in, client, &form.code).await?
    };
    match errors {
        None => Ok(Redirect::to(&next).into_response()),
        Some(errors) => render(
            CheckPage {
                layout: layout(
                    &state,
                    "Error: Enter the code from your app",
                    Some(&signed_in.session.user),
                    &csrf,
                ),
                errors,
                next,
            },
            StatusCode::BAD_REQUEST,
        ),
    }
}

// ---------------------------------------------------------------------------------------------
// Profile

/// The profile form, read from its multipart body.
struct ProfileForm {
    name: String,
    job_title: String,
    organisation: String,
    bio: String,
    links: String,
    remove_headshot: bool,
}

/// The longest bio a profile takes, in words (as a piece's author bio).
const BIO_MAX_WORDS: usize = docket_core::judge::BIO_MAX_WORDS;

#[derive(Template)]
#[template(path = "account/profile.html")]
struct ProfilePage {
    layout: Layout,
    errors: FormErrors,
    notice: Option<String>,
    profile: Profile,
    links: String,
    /// The headshot's file name, when there is one.
    headshot: Option<String>,
    /// The one-line fields: (name, label, value, hint, autocomplete).
    fields: Vec<Field>,
}

type Field = (
    &'static str,
    &'static str,
    String,
    &'static str,
    &'static str,
);

fn one_line_fields(profile: &Profile) -> Vec<Field> {
    vec![
        ("name", "Name to publish", profile.name.clone(), "", "name"),
        (
            "job_title",
            "Role or job title",
            profile.job_title.clone(),
            "Optional",
            "organization-title",
        ),
        (
            "organisation",
            "Organisation",
            profile.organisation.clone(),
            "Optional",
            "organization",
        ),
    ]
}

async fn headshot_name(state: &AppState, profile: &Profile) -> Result<Option<String>, WebError> {
    Ok(match profile.headshot_id {
        Some(id) => state.store.asset(id).await?.map(|asset| asset.name),
        None => None,
    })
}

async fn profile_page(
    State(state): State<AppState>,
    Contributor(user): Contributor,
    Extension(csrf): Extension<CsrfToken>,
) -> Result<Response, WebError> {
    let profile = state.store.profile(user.id).await?.unwrap_or_default();
    render(
        ProfilePage {
            layout: layout(&state, "Your profile", Some(&user), &csrf),
            errors: FormErrors::default(),
            notice: None,
            headshot: headshot_name(&state, &profile).await?,
            links: profile.links.join("\n"),
            fields: one_line_fields(&profile),
            profile,
        },
        StatusCode::OK,
    )
}

async fn save_profile(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    request: axum::extract::Request,
) -> Result<Response, WebError> {
    let (user, form, uploads) = match crate::routes::submissions::read_edit(&state, request).await {
        Ok(read) => read,
        Err(refused) => return Ok(refused),
    };
    csrf.verify(form.get("csrf"))?;
    let form = ProfileForm {
        name: form.get("name").to_owned(),
        job_title: form.get("job_title").to_owned(),
        organisation: form.get("organisation").to_owned(),
        bio: form.get("bio").to_owned(),
        links: form.get("links").to_owned(),
        remove_headshot: form.get("remove_headshot") == "yes",
    };
    let mut errors = FormErrors::default();
    let name = form.name.trim().to_owned();
    if name.is_empty() {
        errors.add(
            "name",
            "Enter your name as it should appear with your pieces",
        );
    } else if name.chars().count() > 200 {
        errors.add("name", "Shorten the name to 200 characters or fewer");
    }
    for (field, value, label) in [
        ("job_title", &form.job_title, "job title"),
        ("organisation", &form.organisation, "organisation"),
    ] {
        if value.trim().chars().count() > 200 {
            errors.add(
                field,
                format!("Shorten the {label} to 200 characters or fewer"),
            );
        }
    }
    let words = form.bio.split_whitespace().count();
    if words > BIO_MAX_WORDS {
        errors.add(
            "bio",
            format!("The bio is {words} words: shorten it to {BIO_MAX_WORDS} words or fewer"),
        );
    }
    let mut links = Vec::new();
    for line in form.links.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let good = (line.starts_with("https://") || line.starts_with("http://"))
            && line.len() <= 500
            && !line.chars().any(char::is_whitespace);
        if !good {
            errors.add(
                "links",
                format!("“{line}” is not a web address: give each link in full, starting with https://, one a line"),
            );
            break;
        }
        links.push(line.to_owned());
    }
    if links.len() > 5 {
        errors.add("links", "Give at most 5 links");
    }
    let existing = state.store.profile(user.id).await?.unwrap_or_default();
    let mut headshot_id = if form.remove_headshot {
        None
    } else {
        existing.headshot_id
    };
    // A headshot goes through the image checks pieces use: a real PNG, JPEG, GIF or WebP of a
    // sane size, never stored otherwise.
    if let Some(upload) = uploads
        .into_iter()
        .find(|upload| upload.field == "headshot")
    {
        let max = crate::routes::submissions::HEADSHOT_MAX_BYTES;
        if upload.bytes.len() as u64 > max {
            errors.add(
                "headshot",
                format!(
                    "The headshot is {}: the most this form takes is {}. Make it smaller",
                    docket_core::call::human_bytes(upload.bytes.len() as u64),
                    docket_core::call::human_bytes(max)
                ),
            );
        } else {
            let bytes = upload.bytes;
            let checked = tokio::task::spawn_blocking({
                let bytes = bytes.clone();
                move || docket_documents::check_image(&bytes)
            })
            .await
            .map_err(|error| WebError::Internal(error.to_string()))?;
            match checked {
                Ok(info) if errors.is_empty() => {
                    let asset = crate::routes::submissions::store_asset(
                        &state,
                        &user,
                        &upload.name,
                        info.file_type,
                        bytes,
                        None,
                    )
                    .await?;
                    headshot_id = Some(asset.id);
                }
                Ok(_) => {}
                Err(error) => errors.add("headshot", error.user_message()),
            }
        }
    }
    let profile = Profile {
        name,
        job_title: form.job_title.trim().to_owned(),
        organisation: form.organisation.trim().to_owned(),
        bio: form.bio.trim().replace("\r\n", "\n"),
        links,
        headshot_id,
    };
    if !errors.is_empty() {
        return render(
            ProfilePage {
                layout: layout(&state, "Error: Your profile", Some(&user), &csrf),
                errors,
                notice: None,
                headshot: headshot_name(&state, &existing).await?,
                fields: one_line_fields(&profile),
                profile,
                links: form.links,
            },
            StatusCode::BAD_REQUEST,
        );
    }
    state
        .store
        .save_profile(user.id, &profile, state.clock.now())
        .await?;
    render(
        ProfilePage {
            layout: layout(&state, "Your profile", Some(&user), &csrf),
            headshot: headshot_name(&state, &profile).await?,
            errors,
            notice: Some(format!(
                "Saved. Pieces you consent to publish will carry the byline “{}”.",
                profile.byline()
            )),
            links: profile.links.join("\n"),
            fields: one_line_fields(&profile),
            profile,
        },
        StatusCode::OK,
    )
}

// ---------------------------------------------------------------------------------------------
// Your data

#[derive(Template)]
#[template(path = "account/data.html")]
struct DataPage {
    layout: Layout,
    errors: FormErrors,
    email: String,
}

async fn data_page(
    State(state): State<AppState>,
    Contributor(user): Contributor,
    Extension(csrf): Extension<CsrfToken>,
) -> Result<Response, WebError> {
    render(
        DataPage {
            layout: layout(&state, "Your data", Some(&user), &csrf),
            errors: FormErrors::default(),
            email: user.email.clone(),
        },
        StatusCode::OK,
    )
}

async fn download(
    State(state): State<AppState>,
    Contributor(user): Contributor,
) -> Result<Response, WebError> {
    let archive = docket_app::people::export(state.store.as_ref(), &user).await?;
    let date = state.clock.now().strftime("%Y-%m-%d").to_string();
    Ok((
        [
            (header::CONTENT_TYPE, "application/zip".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"docket-data-{date}.zip\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        archive,
    )
        .into_response())
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
struct DeleteForm {
    confirm: String,
    csrf: String,
}

async fn delete(
    State(state): State<AppState>,
    Contributor(user): Contributor,
    Extension(csrf): Extension<CsrfToken>,
    jar: CookieJar,
    Form(form): Form<DeleteForm>,
) -> Result<Response, WebError> {
    csrf.verify(&form.csrf)?;
    if form.confirm.trim().to_lowercase() != user.email {
        return render(
            DataPage {
                layout: layout(&state, "Error: Your data", Some(&user), &csrf),
                errors: field_error(
                    "confirm",
                    &format!(
                        "Type your email address, {}, to delete your account",
                        user.email
                    ),
                ),
                email: user.email.clone(),
            },
            StatusCode::BAD_REQUEST,
        );
    }
    let erased = state
        .store
        .erase_account(user.id, state.clock.now())
        .await?;
    let jar = auth::end_session(&state, jar).await?;
    #[derive(Template)]
    #[template(path = "account/message.html")]
    struct MessagePage {
        layout: Layout,
        heading: String,
        paragraphs: Vec<String>,
    }
    let mut paragraphs = vec![format!(
        "Your account, your profile and {} unpublished piece{} are erased, with their files and the mail about them.",
        erased.pieces_erased,
        if erased.pieces_erased == 1 { "" } else { "s" }
    )];
    if erased.published_pieces_kept > 0 {
        paragraphs.push(format!(
            "{} published piece{} stay{} online under the byline you consented to, with no link to you.",
            erased.published_pieces_kept,
            if erased.published_pieces_kept == 1 { "" } else { "s" },
            if erased.published_pieces_kept == 1 { "s" } else { "" },
        ));
    }
    Ok((
        jar,
        render(
            MessagePage {
                layout: layout(&state, "Your account is deleted", None, &csrf),
                heading: "Your account is deleted".into(),
                paragraphs,
            },
            StatusCode::OK,
        )?,
    )
        .into_response())
}
