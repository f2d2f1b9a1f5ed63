//! Withdrawing a piece.

use super::*;

pub(super) async fn withdraw(
    State(state): State<AppState>,
    Path(id): Path<SubmissionId>,
    Contributor(user): Contributor,
    Extension(csrf): Extension<CsrfToken>,
    Form(form): Form<CsrfOnly>,
) -> Result<Response, WebError> {
    let (record, call) = load_piece(&state, id, &user).await?;
    csrf.verify(&form.csrf)?;
    let to = record.state.apply(Transition::Withdraw).map_err(|error| {
        WebError::Store(StoreError::Conflict(format!(
            "This piece cannot be withdrawn: {error}"
        )))
    })?;
    // The owner hears of it, whoever withdrew it (a co-author may have).
    let facts =
        docket_app::mail::facts_of(&state.mailer, &call, &record, &format!("/submissions/{id}"));
    let head = letterhead_of(&state, &record, &call).await?;
    let mail = state.mailer.state_changed(
        &head,
        &record.owner_email,
        id,
        &record.reply_token,
        &facts,
        record.state,
        to,
        "",
    );
    docket_app::pieces::set_state(
        state.store.as_ref(),
        &user,
        &record,
        to,
        Some(mail),
        state.clock.now(),
    )
    .await?;
    Ok(Redirect::to(&format!("/submissions/{id}?withdrawn=1")).into_response())
}
