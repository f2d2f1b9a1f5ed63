//! Inviting a co-author.

use super::*;

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub(super) struct InviteForm {
    pub(super) email: String,
    pub(super) csrf: String,
}

pub(super) async fn invite(
    State(state): State<AppState>,
    Path(id): Path<SubmissionId>,
    Contributor(user): Contributor,
    Extension(csrf): Extension<CsrfToken>,
    Form(form): Form<InviteForm>,
) -> Result<Response, WebError> {
    let (record, call) = load_piece(&state, id, &user).await?;
    if record.owner_id != user.id {
        return Err(WebError::not_found(&state));
    }
    csrf.verify(&form.csrf)?;
    let hour_ago = state
        .clock
        .now()
        .checked_sub(jiff::SignedDuration::from_hours(1))
        .unwrap_or_else(|_| state.clock.now());
    let problem = if record.coauthors.len() >= MAX_COAUTHORS {
        Some(format!(
            "A piece can have at most {MAX_COAUTHORS} co-authors. Ask the organisers if you need more"
        ))
    } else if state.store.invitations_since(user.id, hour_ago).await? >= INVITATIONS_PER_HOUR {
        Some(format!(
            "You have invited {INVITATIONS_PER_HOUR} co-authors in the last hour. Wait an hour, then invite the others"
        ))
    } else {
        None
    };
    let email = match (problem, docket_core::Email::parse(&form.email)) {
        (None, Ok(email)) if email.normalised() != user.email.as_str() => {
            email.normalised().into_string()
        }
        (problem, _) => {
            let mut errors = FormErrors::default();
            errors.add(
                "coauthor-email",
                problem.unwrap_or_else(|| {
                    "Enter the co-author\u{2019}s email address, like name@example.org".to_owned()
                }),
            );
            let page = show_page(&state, id, &user, &csrf, errors).await?;
            let layout = Layout {
                title: format!("Error: {}", page.layout.title),
                ..page.layout.clone()
            };
            return render(ShowPage { layout, ..page }, StatusCode::BAD_REQUEST);
        }
    };
    let mut facts =
        docket_app::mail::facts_of(&state.mailer, &call, &record, &format!("/submissions/{id}"));
    if facts.title.is_empty() {
        "an untitled piece".clone_into(&mut facts.title);
    }
    let head = letterhead_of(&state, &record, &call).await?;
    let mail = state
        .mailer
        .coauthor_invite(&head, &email, id, &user.email, &facts);
    docket_app::pieces::invite_coauthor(
        state.store.as_ref(),
        &user,
        &record,
        &email,
        mail,
        state.clock.now(),
    )
    .await?;
    let query = serde_urlencoded::to_string([("invited", email.as_str())]).unwrap_or_default();
    Ok(Redirect::to(&format!("/submissions/{id}?{query}")).into_response())
}
