//! The copy-edit round. After acceptance an editor edits the text; their version is a revision
//! like any other, marked as the editor's, and nothing the author wrote is overwritten. The
//! author gets an email with a link to the changes as a tracked diff, and approves them or
//! answers with a comment. Until the author approves (or an editor overrides, with a reason),
//! the piece cannot be scheduled.

use askama::Template;
use axum::Form;
use axum::extract::{Extension, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use docket_core::submission::SubmissionState;
use docket_store::{Actor, SubmissionId, SubmissionRecord};

use crate::auth::{Contributor, Staff};
use crate::csrf::CsrfToken;
use crate::forms::{FormErrors, Pairs};
use crate::routes::editorial::word_diff;
use crate::site::Layout;
use crate::{AppState, Route, WebError, render};

/// Routes of the copy-edit round.
pub fn routes() -> Vec<Route> {
    vec![
        Route::get("/console/calls/{slug}/pieces/{id}/copy-edit", edit_page),
        Route::post("/console/calls/{slug}/pieces/{id}/copy-edit", save),
        Route::post(
            "/console/calls/{slug}/pieces/{id}/copy-edit/override",
            override_round,
        ),
        Route::get("/submissions/{id}/changes", changes_page),
        Route::post("/submissions/{id}/changes", answer),
    ]
}

/// An editor's piece of the call in the path: reviewers and other calls' pieces are not found.
async fn editors_piece(
    state: &AppState,
    staff: &Staff,
    id: SubmissionId,
) -> Result<SubmissionRecord, WebError> {
    staff.require_editor(state)?;
    crate::routes::editorial::staff_piece(state, staff, id).await
}

#[derive(Template)]
#[template(path = "console/copy_edit.html")]
struct EditPage {
    layout: Layout,
    href: String,
    id: i64,
    title: String,
    summary: String,
    body: String,
    note: String,
    errors: FormErrors,
}

async fn edit_page(
    State(state): State<AppState>,
    staff: Staff,
    Path((_, id)): Path<(String, SubmissionId)>,
    Extension(csrf): Extension<CsrfToken>,
) -> Result<Response, WebError> {
    let record = editors_piece(&state, &staff, id).await?;
    if record.state != SubmissionState::Accepted {
        return Err(WebError::not_found(&state));
    }
    let latest = state
        .store
        .revisions(id)
        .await?
        .pop()
        .map_or_else(|| record.draft.clone(), |revision| revision.piece);
    render(
        EditPage {
            layout: Layout {
                console: true,
                ..Layout::new("Copy-edit", state.clock.as_ref(), None).for_visitor(
                    Some(&staff.user),
                    &csrf,
                    state.config.demo,
                )
            },
            href: format!("/console/calls/{}", staff.call.call.slug),
            id: id.0,
            title: latest.title,
            summary: latest.summary,
            body: latest.body,
            note: String::new(),
            errors: FormErrors::default(),
        },
        StatusCode::OK,
    )
}

async fn save(
    State(state): State<AppState>,
    staff: Staff,
    Path((_, id)): Path<(String, SubmissionId)>,
    Extension(csrf): Extension<CsrfToken>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let record = editors_piece(&state, &staff, id).await?;
    let form = Pairs(form);
    csrf.verify(form.get("csrf"))?;
    let revisions = state.store.revisions(id).await?;
    let latest = revisions
        .last()
        .map_or_else(|| record.draft.clone(), |revision| revision.piece.clone());
    let mut piece = latest.clone();
    piece.title = form.get("title").trim().to_owned();
    piece.summary = form.get("summary").trim().to_owned();
    piece.body = form.get("body").replace("\r\n", "\n");
    piece.words = Some(docket_core::text::count_markdown_words(&piece.body) as u64);
    let note = form.get("note").trim().to_owned();
    let mut errors = FormErrors::default();
    if piece.title.is_empty() {
        errors.add("title", "The piece needs a title");
    }
    if piece == latest {
        errors.add("body", "Nothing has changed: edit the text, then save");
    }
    if !errors.is_empty() || record.state != SubmissionState::Accepted {
        if record.state != SubmissionState::Accepted {
            errors.add("body", "Only an accepted piece is copy-edited");
        }
        return render(
            EditPage {
                layout: Layout {
                    console: true,
                    ..Layout::new("Error: Copy-edit", state.clock.as_ref(), None).for_visitor(
                        Some(&staff.user),
                        &csrf,
                        state.config.demo,
                    )
                },
                href: format!("/console/calls/{}", staff.call.call.slug),
                id: id.0,
                title: piece.title,
                summary: piece.summary,
                body: piece.body,
                note,
                errors,
            },
            StatusCode::BAD_REQUEST,
        );
    }
    let head = staff.letterhead(&state).await?;
    let facts = state.mailer.piece_facts(
        &staff.call.call,
        &piece,
        &format!("/submissions/{id}"),
        record.revision_count + 1,
        record.late,
        Vec::new(),
    );
    let mail = state.mailer.copy_edit(
        &head,
        &record.owner_email,
        id,
        &record.reply_token,
        &facts,
        &note,
    );
    state
        .store
        .copy_edit(id, staff.user.id, &piece, mail, state.clock.now())
        .await?;
    let query = serde_urlencoded::to_string([(
        "notice",
        "Saved as the editors' revision. We have asked the author to approve the changes.",
    )])
    .unwrap_or_default();
    Ok(Redirect::to(&format!(
        "/console/calls/{}/pieces/{id}?{query}",
        staff.call.call.slug
    ))
    .into_response())
}

async fn override_round(
    State(state): State<AppState>,
    staff: Staff,
    Path((_, id)): Path<(String, SubmissionId)>,
    Extension(csrf): Extension<CsrfToken>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    editors_piece(&state, &staff, id).await?;
    let form = Pairs(form);
    csrf.verify(form.get("csrf"))?;
    let reason = form.get("reason").trim();
    let notice = if reason.is_empty() {
        "Say why you go ahead without the author's approval.".to_owned()
    } else if state
        .store
        .set_copy_edit(
            id,
            &["awaiting_author"],
            "overridden",
            reason,
            &Actor::User(staff.user.id),
            state.clock.now(),
        )
        .await?
    {
        "The piece can be scheduled without the author's approval.".to_owned()
    } else {
        "Nothing was waiting for the author's approval.".to_owned()
    };
    let query = serde_urlencoded::to_string([("notice", notice)]).unwrap_or_default();
    Ok(Redirect::to(&format!(
        "/console/calls/{}/pieces/{id}?{query}",
        staff.call.call.slug
    ))
    .into_response())
}

// ---------------------------------------------------------------------------------------------
// The author's side

#[derive(Template)]
#[template(path = "submissions/changes.html")]
struct ChangesPage {
    layout: Layout,
    id: i64,
    title: String,
    parts: Vec<(&'static str, String)>,
    changed_words: usize,
    waiting: bool,
    /// The editors' text, for an author who answers with their own version.
    body: String,
    status: String,
    errors: FormErrors,
    notice: Option<String>,
}

async fn show_changes(
    state: &AppState,
    user: &docket_store::User,
    csrf: &CsrfToken,
    record: &SubmissionRecord,
    errors: FormErrors,
    notice: Option<String>,
) -> Result<Response, WebError> {
    let revisions = docket_app::pieces::revisions(state.store.as_ref(), user, record).await?;
    let Some(edited) = revisions.iter().rev().find(|revision| revision.by_staff) else {
        return Err(WebError::not_found(state));
    };
    let own = revisions
        .iter()
        .rev()
        .find(|revision| !revision.by_staff && revision.number < edited.number)
        .map_or_else(|| record.draft.clone(), |revision| revision.piece.clone());
    let (parts, changed_words) = word_diff(&own, &edited.piece);
    let round = state.store.copy_edit_state(record.id).await?;
    let body = edited.piece.body.clone();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    render(
        ChangesPage {
            layout: Layout::new("The editors' changes", state.clock.as_ref(), None).for_visitor(
                Some(user),
                csrf,
                state.config.demo,
            ),
            id: record.id.0,
            title: edited.piece.title.clone(),
            parts,
            changed_words,
            waiting: round == "awaiting_author",
            body,
            status: match round.as_str() {
                "approved" => "You approved these changes.".into(),
                "overridden" => "The editors went ahead with these changes.".into(),
                "answered" => "You sent your own version: the editors have it.".into(),
                _ => "The editors wait for your approval.".into(),
            },
            errors,
            notice,
        },
        status,
    )
}

async fn changes_page(
    State(state): State<AppState>,
    Path(id): Path<SubmissionId>,
    Contributor(user): Contributor,
    Extension(csrf): Extension<CsrfToken>,
) -> Result<Response, WebError> {
    let record = docket_app::pieces::visible(state.store.as_ref(), &user, id)
        .await?
        .ok_or_else(|| WebError::not_found(&state))?;
    show_changes(&state, &user, &csrf, &record, FormErrors::default(), None).await
}

async fn answer(
    State(state): State<AppState>,
    Path(id): Path<SubmissionId>,
    Contributor(user): Contributor,
    Extension(csrf): Extension<CsrfToken>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let record = docket_app::pieces::visible(state.store.as_ref(), &user, id)
        .await?
        .ok_or_else(|| WebError::not_found(&state))?;
    let form = Pairs(form);
    csrf.verify(form.get("csrf"))?;
    let now = state.clock.now();
    match form.get("action") {
        "revise" => {
            let revisions = state.store.revisions(id).await?;
            let mut piece = revisions
                .last()
                .map_or_else(|| record.draft.clone(), |revision| revision.piece.clone());
            let body = form.get("body").replace("\r\n", "\n");
            if body.trim().is_empty() || body == piece.body {
                let mut errors = FormErrors::default();
                errors.add("body", "Change the text to send your own version");
                return show_changes(&state, &user, &csrf, &record, errors, None).await;
            }
            piece.body = body;
            piece.words = Some(docket_core::text::count_markdown_words(&piece.body) as u64);
            let notice = match state.store.answer_copy_edit(id, user.id, &piece, now).await {
                Ok(_) => "Thank you: the editors have your version.",
                Err(docket_store::StoreError::Conflict(_)) => "No copy-edit waits for your answer.",
                Err(error) => return Err(error.into()),
            };
            show_changes(
                &state,
                &user,
                &csrf,
                &record,
                FormErrors::default(),
                Some(notice.into()),
            )
            .await
        }
        "approve" => {
            let approved = state
                .store
                .set_copy_edit(
                    id,
                    &["awaiting_author"],
                    "approved",
                    "",
                    &Actor::User(user.id),
                    now,
                )
                .await?;
            let notice = if approved {
                "Thank you: you approved the changes."
            } else {
                "Nothing is waiting for your approval."
            };
            show_changes(
                &state,
                &user,
                &csrf,
                &record,
                FormErrors::default(),
                Some(notice.into()),
            )
            .await
        }
        _ => {
            let comment = form.get("comment").trim();
            if comment.is_empty() || comment.chars().count() > 5000 {
                let mut errors = FormErrors::default();
                errors.add(
                    "comment",
                    "Write what you think of the changes (at most 5,000 characters)",
                );
                return show_changes(&state, &user, &csrf, &record, errors, None).await;
            }
            state
                .store
                .add_comment(
                    id,
                    user.id,
                    &format!("From the author, about the copy-edit: {comment}"),
                    now,
                )
                .await?;
            show_changes(
                &state,
                &user,
                &csrf,
                &record,
                FormErrors::default(),
                Some("Thank you: the editors have your comment.".into()),
            )
            .await
        }
    }
}
