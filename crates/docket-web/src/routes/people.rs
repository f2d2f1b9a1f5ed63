//! A call's staff, run from the console by its organisers: invite someone by email with a
//! single-use link, change a role, take someone off, withdraw an invitation; and the page the
//! link opens, where the invited person accepts. Every change is audited by the store.

use askama::Template;
use axum::Form;
use axum::extract::{Extension, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use docket_core::Email;
use docket_store::{Actor, Invitation, NewInvitation, StaffRole, StoreError};
use jiff::SignedDuration;
use serde::Deserialize;

use crate::auth::{self, Contributor, MaybeUser, Staff};
use crate::csrf::{CsrfOnly, CsrfToken};
use crate::forms::FormErrors;
use crate::site::Layout;
use crate::{AppState, Route, WebError, render};

/// How long an invitation's link works.
const INVITATION_DAYS: i64 = 14;

/// Routes for a call's staff and for accepting an invitation.
pub fn routes() -> Vec<Route> {
    vec![
        Route::get("/console/calls/{slug}/staff", staff_page),
        Route::post("/console/calls/{slug}/staff/invite", invite),
        Route::post("/console/calls/{slug}/staff/role", change_role),
        Route::post("/console/calls/{slug}/staff/remove", remove),
        Route::post(
            "/console/calls/{slug}/staff/invitations/{id}/withdraw",
            withdraw,
        ),
        Route::get("/invitations/{token}", invitation_page),
        Route::post("/invitations/{token}", accept),
    ]
}

struct MemberRow {
    email: String,
    role: StaffRole,
    added: String,
    /// The signed-in organiser themself.
    you: bool,
}

struct InvitationRow {
    id: i64,
    email: String,
    role: &'static str,
    status: String,
    open: bool,
}

#[derive(Template)]
#[template(path = "console/staff.html")]
struct StaffPage {
    layout: Layout,
    href: String,
    title: String,
    errors: FormErrors,
    notice: Option<String>,
    members: Vec<MemberRow>,
    invitations: Vec<InvitationRow>,
    roles: [StaffRole; 3],
    invite_email: String,
    invite_role: String,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
struct InviteForm {
    email: String,
    role: String,
    csrf: String,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
struct MemberForm {
    email: String,
    role: String,
    csrf: String,
}

fn console_layout(state: &AppState, title: &str, staff: &Staff, csrf: &CsrfToken) -> Layout {
    Layout {
        console: true,
        ..Layout::new(title, state.clock.as_ref(), None).for_visitor(
            Some(&staff.user),
            csrf,
            state.config.demo,
        )
    }
}

async fn show(
    state: &AppState,
    staff: &Staff,
    csrf: &CsrfToken,
    errors: FormErrors,
    notice: Option<String>,
    invite: (String, String),
) -> Result<Response, WebError> {
    let call = &staff.call.call;
    let now = state.clock.now();
    let members = state
        .store
        .staff(staff.call.id)
        .await?
        .into_iter()
        .map(|member| MemberRow {
            you: member.email == staff.user.email,
            added: call
                .local(member.added_at)
                .strftime("%-d %B %Y")
                .to_string(),
            email: member.email,
            role: member.role,
        })
        .collect();
    let invitations = state
        .store
        .invitations(staff.call.id)
        .await?
        .into_iter()
        .map(|invitation| {
            let when = |at: jiff::Timestamp| call.local(at).strftime("%-d %B %Y").to_string();
            let status = if let Some(at) = invitation.accepted_at {
                format!("Accepted on {}", when(at))
            } else if let Some(at) = invitation.revoked_at {
                format!("Withdrawn on {}", when(at))
            } else if invitation.expires_at <= now {
                format!("Expired on {}", when(invitation.expires_at))
            } else {
                format!("Waiting, until {}", when(invitation.expires_at))
            };
            InvitationRow {
                open: invitation.open(now),
                id: invitation.id,
                email: invitation.email,
                role: invitation.role.label(),
                status,
            }
        })
        .collect();
    let title = if errors.is_empty() {
        format!("Staff of {}", call.title)
    } else {
        format!("Error: Staff of {}", call.title)
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    render(
        StaffPage {
            layout: console_layout(state, &title, staff, csrf),
            href: format!("/console/calls/{}", call.slug),
            title: call.title.clone(),
            errors,
            notice,
            members,
            invitations,
            roles: StaffRole::ALL,
            invite_email: invite.0,
            invite_role: invite.1,
        },
        status,
    )
}

async fn staff_page(
    State(state): State<AppState>,
    staff: Staff,
    Extension(csrf): Extension<CsrfToken>,
) -> Result<Response, WebError> {
    staff.require_organiser(&state)?;
    show(
        &state,
        &staff,
        &csrf,
        FormErrors::default(),
        None,
        (String::new(), "editor".into()),
    )
    .await
}

fn back(staff: &Staff) -> Response {
    Redirect::to(&format!("/console/calls/{}/staff", staff.call.call.slug)).into_response()
}

async fn invite(
    State(state): State<AppState>,
    staff: Staff,
    Extension(csrf): Extension<CsrfToken>,
    Form(form): Form<InviteForm>,
) -> Result<Response, WebError> {
    staff.require_organiser(&state)?;
    csrf.verify(&form.csrf)?;
    let mut errors = FormErrors::default();
    let email = match Email::parse(form.email.trim()) {
        Ok(email) => Some(email.normalised().to_string()),
        Err(_) if form.email.trim().is_empty() => {
            errors.add("email", "Enter the email address of the person to invite");
            None
        }
        Err(_) => {
            errors.add(
                "email",
                "Enter an email address in the right form, like name@example.org",
            );
            None
        }
    };
    let role = StaffRole::parse(&form.role);
    if role.is_none() {
        errors.add("role", "Choose a role: organiser, editor or reviewer");
    }
    let (Some(email), Some(role)) = (email, role) else {
        return show(&state, &staff, &csrf, errors, None, (form.email, form.role)).await;
    };
    let now = state.clock.now();
    let expires_at = now
        .checked_add(SignedDuration::from_hours(24 * INVITATION_DAYS))
        .map_err(|error| WebError::Internal(error.to_string()))?;
    let token = auth::random_token();
    let head = staff.letterhead(&state).await?;
    let call = &staff.call.call;
    let article = match role {
        StaffRole::Organiser => "an organiser",
        StaffRole::Editor => "an editor",
        StaffRole::Reviewer => "a reviewer",
    };
    let mail = state.mailer.staff_invitation(
        &head,
        &email,
        &staff.user.email,
        article,
        &format!("/invitations/{token}"),
        &call
            .local(expires_at)
            .strftime("%H:%M %Z on %A %-d %B %Y")
            .to_string(),
    );
    state
        .store
        .invite_staff(
            &NewInvitation {
                call_id: staff.call.id,
                email: email.clone(),
                role,
                invited_by: staff.user.email.clone(),
                token_hash: auth::hash_token(&token),
                expires_at,
            },
            mail,
            &Actor::User(staff.user.id),
            now,
        )
        .await?;
    show(
        &state,
        &staff,
        &csrf,
        FormErrors::default(),
        Some(format!(
            "We have emailed {email} an invitation to join as {article}. The link works for {INVITATION_DAYS} days."
        )),
        (String::new(), "editor".into()),
    )
    .await
}

/// True when taking `email` out of the organisers would leave the call with none.
async fn last_organiser(state: &AppState, staff: &Staff, email: &str) -> Result<bool, WebError> {
    let members = state.store.staff(staff.call.id).await?;
    let organisers: Vec<_> = members
        .iter()
        .filter(|member| member.role == StaffRole::Organiser)
        .collect();
    Ok(organisers.len() == 1 && organisers[0].email == email)
}

async fn change_role(
    State(state): State<AppState>,
    staff: Staff,
    Extension(csrf): Extension<CsrfToken>,
    Form(form): Form<MemberForm>,
) -> Result<Response, WebError> {
    staff.require_organiser(&state)?;
    csrf.verify(&form.csrf)?;
    let email = form.email.trim().to_lowercase();
    let members = state.store.staff(staff.call.id).await?;
    if !members.iter().any(|member| member.email == email) {
        return Err(WebError::not_found(&state));
    }
    let Some(role) = StaffRole::parse(&form.role) else {
        let mut errors = FormErrors::default();
        errors.add("members", "Choose a role: organiser, editor or reviewer");
        return show(&state, &staff, &csrf, errors, None, Default::default()).await;
    };
    if role != StaffRole::Organiser && last_organiser(&state, &staff, &email).await? {
        let mut errors = FormErrors::default();
        errors.add(
            "members",
            format!("{email} is the call's only organiser: make someone else an organiser first"),
        );
        return show(&state, &staff, &csrf, errors, None, Default::default()).await;
    }
    state
        .store
        .add_staff(
            staff.call.id,
            &email,
            role,
            &Actor::User(staff.user.id),
            state.clock.now(),
        )
        .await?;
    Ok(back(&staff))
}

async fn remove(
    State(state): State<AppState>,
    staff: Staff,
    Extension(csrf): Extension<CsrfToken>,
    Form(form): Form<MemberForm>,
) -> Result<Response, WebError> {
    staff.require_organiser(&state)?;
    csrf.verify(&form.csrf)?;
    let email = form.email.trim().to_lowercase();
    if last_organiser(&state, &staff, &email).await? {
        let mut errors = FormErrors::default();
        errors.add(
            "members",
            format!("{email} is the call's only organiser: make someone else an organiser first"),
        );
        return show(&state, &staff, &csrf, errors, None, Default::default()).await;
    }
    if !state
        .store
        .remove_staff(
            staff.call.id,
            &email,
            &Actor::User(staff.user.id),
            state.clock.now(),
        )
        .await?
    {
        return Err(WebError::not_found(&state));
    }
    Ok(back(&staff))
}

async fn withdraw(
    State(state): State<AppState>,
    staff: Staff,
    Path((_, id)): Path<(String, i64)>,
    Extension(csrf): Extension<CsrfToken>,
    Form(form): Form<CsrfOnly>,
) -> Result<Response, WebError> {
    staff.require_organiser(&state)?;
    csrf.verify(&form.csrf)?;
    if !state
        .store
        .revoke_invitation(
            staff.call.id,
            id,
            &Actor::User(staff.user.id),
            state.clock.now(),
        )
        .await?
    {
        return Err(WebError::not_found(&state));
    }
    Ok(back(&staff))
}

// ---------------------------------------------------------------------------------------------
// Accepting

#[derive(Template)]
#[template(path = "account/invitation.html")]
struct InvitationPage {
    layout: Layout,
    call_title: String,
    email: String,
    role: &'static str,
    action: String,
    /// Signed in as someone else (their address), or None.
    other: Option<String>,
    signed_in: bool,
    sign_in_href: String,
}

fn message(
    state: &AppState,
    visitor: Option<&docket_store::User>,
    csrf: &CsrfToken,
    heading: &str,
    paragraph: &str,
    status: StatusCode,
) -> Result<Response, WebError> {
    #[derive(Template)]
    #[template(path = "account/message.html")]
    struct MessagePage {
        layout: Layout,
        heading: String,
        paragraphs: Vec<String>,
    }
    render(
        MessagePage {
            layout: Layout::new(heading, state.clock.as_ref(), None).for_visitor(
                visitor,
                csrf,
                state.config.demo,
            ),
            heading: heading.to_owned(),
            paragraphs: vec![paragraph.to_owned()],
        },
        status,
    )
}

async fn open_invitation(
    state: &AppState,
    token: &str,
) -> Result<Option<(Invitation, String)>, WebError> {
    let Some(invitation) = state
        .store
        .invitation_by_token(&auth::hash_token(token))
        .await?
    else {
        return Ok(None);
    };
    if !invitation.open(state.clock.now()) {
        return Ok(None);
    }
    let title = state
        .store
        .call_by_id(invitation.call_id)
        .await?
        .map(|call| call.call.title)
        .unwrap_or_default();
    Ok(Some((invitation, title)))
}

const USED_UP: &str = "This invitation link was used already, was withdrawn or has expired. Ask the call's organiser to invite you again.";

async fn invitation_page(
    State(state): State<AppState>,
    Path(token): Path<String>,
    MaybeUser(visitor): MaybeUser,
    Extension(csrf): Extension<CsrfToken>,
) -> Result<Response, WebError> {
    let Some((invitation, call_title)) = open_invitation(&state, &token).await? else {
        return message(
            &state,
            visitor.as_ref(),
            &csrf,
            "This invitation cannot be used",
            USED_UP,
            StatusCode::NOT_FOUND,
        );
    };
    let path = format!("/invitations/{token}");
    let other = visitor
        .as_ref()
        .filter(|user| user.email != invitation.email)
        .map(|user| user.email.clone());
    render(
        InvitationPage {
            layout: Layout::new("Join the staff", state.clock.as_ref(), None).for_visitor(
                visitor.as_ref(),
                &csrf,
                state.config.demo,
            ),
            call_title,
            email: invitation.email,
            role: invitation.role.label(),
            sign_in_href: format!(
                "/account/sign-in?{}",
                serde_urlencoded::to_string([("next", path.as_str())]).unwrap_or_default()
            ),
            action: path,
            signed_in: visitor.is_some(),
            other,
        },
        StatusCode::OK,
    )
}

async fn accept(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Contributor(user): Contributor,
    Extension(csrf): Extension<CsrfToken>,
    Form(form): Form<CsrfOnly>,
) -> Result<Response, WebError> {
    csrf.verify(&form.csrf)?;
    let Some((invitation, _)) = open_invitation(&state, &token).await? else {
        return message(
            &state,
            Some(&user),
            &csrf,
            "This invitation cannot be used",
            USED_UP,
            StatusCode::NOT_FOUND,
        );
    };
    if invitation.email != user.email {
        return message(
            &state,
            Some(&user),
            &csrf,
            "This invitation is for someone else",
            &format!(
                "This invitation is for {}, and you are signed in as {}. Sign out, then sign in (or make an account) with {} and open the link again.",
                invitation.email, user.email, invitation.email
            ),
            StatusCode::FORBIDDEN,
        );
    }
    let accepted = state
        .store
        .accept_invitation(invitation.id, &Actor::User(user.id), state.clock.now())
        .await;
    match accepted {
        Ok(invitation) => {
            let slug = state
                .store
                .call_by_id(invitation.call_id)
                .await?
                .map(|call| call.call.slug.to_string())
                .unwrap_or_default();
            // The console asks for a second factor first when there is none.
            Ok(Redirect::to(&format!("/console/calls/{slug}")).into_response())
        }
        Err(StoreError::Conflict(_)) => message(
            &state,
            Some(&user),
            &csrf,
            "This invitation cannot be used",
            USED_UP,
            StatusCode::CONFLICT,
        ),
        Err(error) => Err(error.into()),
    }
}
