//! Each author's consent to publish a piece under their name: given on the piece's page (asked
//! there as soon as the piece is sent), withdrawable until it is published. Co-authors give
//! their own. The byline consented to is their profile's, or, for the owner without a profile,
//! the piece's first author as written in it.

use super::*;

/// The byline `user` would consent to for `record`: their profile's when it names them, else
/// (for the owner) the first author written in the piece.
pub(super) async fn offered_byline(
    state: &AppState,
    user: &User,
    record: &SubmissionRecord,
) -> Result<Option<String>, WebError> {
    if let Some(profile) = state.store.profile(user.id).await?
        && !profile.name.trim().is_empty()
    {
        return Ok(Some(profile.byline()));
    }
    let author = record
        .draft
        .authors
        .first()
        .filter(|author| record.owner_id == user.id && !author.name.trim().is_empty());
    Ok(author.map(|author| {
        [&author.name, &author.role, &author.organisation]
            .into_iter()
            .map(|part| part.trim())
            .filter(|part| !part.is_empty())
            .collect::<Vec<_>>()
            .join(", ")
    }))
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub(super) struct ConsentForm {
    action: String,
    csrf: String,
}

pub(super) async fn consent(
    State(state): State<AppState>,
    Path(id): Path<SubmissionId>,
    Contributor(user): Contributor,
    Extension(csrf): Extension<CsrfToken>,
    Form(form): Form<ConsentForm>,
) -> Result<Response, WebError> {
    let (record, _) = load_piece(&state, id, &user).await?;
    csrf.verify(&form.csrf)?;
    let actor = docket_store::Actor::User(user.id);
    let now = state.clock.now();
    match form.action.as_str() {
        "withdraw" => {
            state
                .store
                .withdraw_consent(id, &user.email, &actor, now)
                .await?;
            Ok(Redirect::to(&format!("/submissions/{id}?consent=withdrawn")).into_response())
        }
        _ => {
            let Some(byline) = offered_byline(&state, &user, &record).await? else {
                let mut errors = FormErrors::default();
                errors.add(
                    "consent",
                    "Set up your profile first: the public sees your pieces under the name in it",
                );
                let page = show_page(&state, id, &user, &csrf, errors).await?;
                return render(page, StatusCode::BAD_REQUEST);
            };
            if record.state == SubmissionState::Published {
                return Err(WebError::Store(StoreError::Conflict(
                    "This piece is published already: write to the organisers about its byline"
                        .into(),
                )));
            }
            state
                .store
                .give_consent(id, &user.email, &byline, &actor, now)
                .await?;
            Ok(Redirect::to(&format!("/submissions/{id}?consent=given")).into_response())
        }
    }
}
