//! Editing a piece: the form, saving the draft, and submitting it.

use super::*;

pub(super) struct AuthorFields {
    pub(super) index: usize,
    pub(super) number: usize,
    pub(super) author: Author,
}

#[derive(Template)]
#[template(path = "submissions/edit.html")]
pub(super) struct EditPage {
    pub(super) layout: Layout,
    pub(super) errors: FormErrors,
    pub(super) warnings: Vec<Finding>,
    pub(super) notice: Option<String>,
    pub(super) id: SubmissionId,
    pub(super) call_title: String,
    pub(super) state: SubmissionState,
    pub(super) format: Format,
    pub(super) kinds: Vec<KindChoice>,
    pub(super) days: Vec<DayChoice>,
    pub(super) any_day: bool,
    pub(super) piece: Piece,
    pub(super) authors: Vec<AuthorFields>,
    pub(super) limits: String,
    pub(super) word_count: usize,
    pub(super) accept: &'static str,
    pub(super) max_file: String,
    pub(super) minutes_value: String,
    pub(super) closed: Option<String>,
}

#[expect(
    clippy::too_many_arguments,
    reason = "one page view from the parts every edit handler already holds"
)]
pub(super) fn edit_view(
    state: &AppState,
    record: &SubmissionRecord,
    call: &Call,
    piece: &Piece,
    user: &User,
    csrf: &CsrfToken,
    errors: FormErrors,
    warnings: Vec<Finding>,
    notice: Option<String>,
) -> EditPage {
    let kind = call.kind(&piece.kind).or_else(|| call.kinds.first());
    let format = kind.map_or(Format::Text, |kind| kind.format);
    let (days, any_day) = day_choices(call, piece.days.as_ref());
    let title = format!(
        "{}Edit: {}",
        if errors.is_empty() { "" } else { "Error: " },
        if piece.title.is_empty() {
            "Untitled piece"
        } else {
            &piece.title
        }
    );
    EditPage {
        layout: layout(state, &title, Some(call), user, csrf),
        errors,
        warnings,
        notice,
        id: record.id,
        call_title: call.title.clone(),
        state: record.state,
        format,
        kinds: kind_choices(call, &piece.kind),
        days,
        any_day,
        authors: piece
            .authors
            .iter()
            .cloned()
            .enumerate()
            .map(|(index, author)| AuthorFields {
                index,
                number: index + 1,
                author,
            })
            .collect(),
        piece: piece.clone(),
        limits: kind.map(|kind| kind.limits.describe()).unwrap_or_default(),
        word_count: text::count_markdown_words(&piece.body),
        accept: match format {
            Format::Text => ".docx,.odt,.rtf,.md,.txt,.html,.htm,.pdf",
            Format::Document => ".pdf,application/pdf",
            Format::Audio => ".mp3,.m4a,.ogg,.oga,.opus,.wav,audio/*",
        },
        max_file: human_bytes(upload_limit(kind)),
        minutes_value: piece
            .minutes
            .filter(|_| piece.document.is_none())
            .map(|minutes| format!("{minutes}"))
            .unwrap_or_default(),
        closed: piece_closed(call, record, state),
    }
}

/// What the edit page notes above the form: the judge's warnings, less what the form's own
/// fields already ask for (a summary, an author's name), which the receipt mentions instead.
pub(super) fn page_warnings(verdict: &Verdict) -> Vec<Finding> {
    verdict
        .warnings
        .iter()
        .filter(|finding| !matches!(finding.code, Code::SummaryMissing | Code::AuthorMissing))
        .cloned()
        .collect()
}

pub(super) fn upload_limit(kind: Option<&docket_core::Kind>) -> u64 {
    kind.and_then(|kind| kind.limits.bytes.and_then(|bytes| bytes.refuse_above()))
        .unwrap_or(FileLimits::default().max_bytes)
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub(super) struct EditQuery {
    pub(super) saved: Option<String>,
}

pub(super) async fn edit_page(
    State(state): State<AppState>,
    Path(id): Path<SubmissionId>,
    Query(query): Query<EditQuery>,
    Contributor(user): Contributor,
    Extension(csrf): Extension<CsrfToken>,
) -> Result<Response, WebError> {
    let (record, call) = load_piece(&state, id, &user).await?;
    if !record.state.editable_by_contributor() {
        return Ok(Redirect::to(&format!("/submissions/{id}")).into_response());
    }
    let piece = record.draft.clone();
    let warnings = page_warnings(&verdict(&state, &call, &piece, record.open_until));
    let notice = query.saved.map(|_| "Your draft has been saved.".to_owned());
    render(
        edit_view(
            &state,
            &record,
            &call,
            &piece,
            &user,
            &csrf,
            FormErrors::default(),
            warnings,
            notice,
        ),
        StatusCode::OK,
    )
}

/// The edit form's request, read whole before anything is answered (the body limit bounds it):
/// a client still sending its upload when a refusal comes would see its connection reset
/// instead of the answer. Then who is asking, then the form.
pub(crate) async fn read_edit(
    state: &AppState,
    request: axum::extract::Request,
) -> Result<(User, Pairs, Vec<Upload>), Response> {
    use axum::extract::{FromRequest, FromRequestParts};
    let (mut parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX).await.map_err(|_| {
        WebError::BadRequest(
            "The form could not be read: it may be larger than Docket takes. Go back and send it again, with a smaller file.".into(),
        )
        .into_response()
    })?;
    let Contributor(user) = Contributor::from_request_parts(&mut parts, state)
        .await
        .map_err(IntoResponse::into_response)?;
    let request = axum::extract::Request::from_parts(parts, axum::body::Body::from(bytes));
    let multipart = Multipart::from_request(request, state)
        .await
        .map_err(IntoResponse::into_response)?;
    let (form, uploads) = read_form(multipart)
        .await
        .map_err(IntoResponse::into_response)?;
    Ok((user, form, uploads))
}

pub(super) async fn edit(
    State(state): State<AppState>,
    Path(id): Path<SubmissionId>,
    Extension(csrf): Extension<CsrfToken>,
    request: axum::extract::Request,
) -> Result<Response, WebError> {
    let (user, form, uploads) = match read_edit(&state, request).await {
        Ok(read) => read,
        Err(refused) => return Ok(refused),
    };
    let (record, call) = load_piece(&state, id, &user).await?;
    csrf.verify(form.get("csrf"))?;
    if !record.state.editable_by_contributor() {
        return Err(WebError::Store(StoreError::Conflict(format!(
            "This piece is {} and can no longer be changed",
            record.state.label().to_lowercase()
        ))));
    }
    if let Admission::Closed(message) = admission(&call, state.clock.now())
        && piece_closed(&call, &record, &state).is_some()
    {
        return Err(WebError::Store(StoreError::Conflict(message)));
    }
    let mut errors = FormErrors::default();
    let mut piece = piece_from_form(&call, &form, &record.draft, &mut errors);
    for upload in uploads {
        take_upload(&state, &call, &user, upload, &mut piece, &mut errors).await?;
    }
    if form.get("remove_document") == "yes" && !errors.has("document") {
        piece.document = None;
        piece.pages = None;
        piece.minutes = None;
    }
    if call
        .kind(&piece.kind)
        .is_some_and(|kind| kind.format == Format::Text)
    {
        piece.words = Some(text::count_markdown_words(&piece.body) as u64);
    } else {
        piece.words = None;
    }
    let judged = verdict(&state, &call, &piece, record.open_until);
    let sending = form.get("action") == "submit";
    refusals(&judged, sending, &mut errors);
    let warnings = page_warnings(&judged);
    // The draft is kept whatever happens next: nothing typed is lost.
    docket_app::pieces::save_draft(
        state.store.as_ref(),
        &user,
        &record,
        &piece,
        state.clock.now(),
    )
    .await?;
    let action = form.get("action");
    match action {
        "preview" if errors.is_empty() => {
            Ok(Redirect::to(&format!("/submissions/{id}/preview")).into_response())
        }
        "submit" => {
            if !errors.is_empty() {
                return render(
                    edit_view(
                        &state, &record, &call, &piece, &user, &csrf, errors, warnings, None,
                    ),
                    StatusCode::BAD_REQUEST,
                );
            }
            let facts = state.mailer.piece_facts(
                &call,
                &piece,
                &format!("/submissions/{id}"),
                record.revision_count + 1,
                judged.late,
                judged.notes(),
            );
            let head = letterhead_of(&state, &record, &call).await?;
            let receipt = state
                .mailer
                .receipt(&head, &user.email, id, &record.reply_token, &facts);
            let number = docket_app::pieces::submit_revision(
                state.store.as_ref(),
                &user,
                &record,
                &piece,
                &judged,
                receipt,
                state.clock.now(),
            )
            .await?;
            Ok(Redirect::to(&format!("/submissions/{id}?submitted={number}")).into_response())
        }
        _ if errors.is_empty() && action != "add_author" && warnings.is_empty() => {
            Ok(Redirect::to(&format!("/submissions/{id}/edit?saved=1")).into_response())
        }
        _ => {
            let status = if errors.is_empty() {
                StatusCode::OK
            } else {
                StatusCode::BAD_REQUEST
            };
            let notice = Some("Your draft has been saved.".to_owned());
            render(
                edit_view(
                    &state, &record, &call, &piece, &user, &csrf, errors, warnings, notice,
                ),
                status,
            )
        }
    }
}
