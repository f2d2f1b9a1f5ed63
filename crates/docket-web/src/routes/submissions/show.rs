//! A piece, its preview as it will be published, and its revisions.

use super::*;

pub(super) struct RevisionRow {
    pub(super) href: String,
    pub(super) number: i64,
    pub(super) when: String,
    pub(super) by: String,
    pub(super) late: bool,
    pub(super) measure: String,
}

#[derive(Template)]
#[template(path = "submissions/show.html")]
pub(super) struct ShowPage {
    pub(super) layout: Layout,
    pub(super) id: SubmissionId,
    pub(super) title: String,
    pub(super) call_title: String,
    pub(super) call_href: String,
    pub(super) state: &'static str,
    pub(super) late: bool,
    pub(super) kind: String,
    pub(super) days: String,
    pub(super) measure: String,
    pub(super) editable: bool,
    pub(super) withdrawable: bool,
    pub(super) owner: bool,
    pub(super) coauthors: Vec<String>,
    pub(super) revisions: Vec<RevisionRow>,
    pub(super) notice: Option<String>,
    pub(super) unsent_changes: bool,
    pub(super) errors: FormErrors,
    /// The byline this person consented to publish the piece under, while it stands.
    pub(super) consent: Option<String>,
    /// The byline they would consent to (None: no profile yet).
    pub(super) byline: Option<String>,
    /// Consent is asked once the piece is sent, and can change until it is published.
    pub(super) consent_open: bool,
    pub(super) published: bool,
    /// An editor's copy-edit waits for this author's approval.
    pub(super) changes_waiting: bool,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub(super) struct ShowQuery {
    pub(super) submitted: Option<i64>,
    pub(super) withdrawn: Option<String>,
    pub(super) invited: Option<String>,
    pub(super) consent: Option<String>,
}

pub(super) async fn show(
    State(state): State<AppState>,
    Path(id): Path<SubmissionId>,
    Query(query): Query<ShowQuery>,
    Contributor(user): Contributor,
    Extension(csrf): Extension<CsrfToken>,
) -> Result<Response, WebError> {
    let page = show_page(&state, id, &user, &csrf, FormErrors::default()).await?;
    let notice = if let Some(number) = query.submitted {
        Some(if number == 1 {
            "Your piece has been submitted. We have emailed you a receipt.".to_owned()
        } else {
            format!("Revision {number} has been submitted. We have emailed you a receipt.")
        })
    } else if query.withdrawn.is_some() {
        Some("Your piece has been withdrawn.".to_owned())
    } else if let Some(consent) = query.consent.as_deref() {
        Some(if consent == "given" {
            "Thank you: the piece can be published under your name.".to_owned()
        } else {
            "Your consent is withdrawn: the piece will not be published under your name.".to_owned()
        })
    } else {
        query
            .invited
            .map(|email| format!("We have invited {email} to co-author this piece."))
    };
    render(ShowPage { notice, ..page }, StatusCode::OK)
}

pub(super) async fn show_page(
    state: &AppState,
    id: SubmissionId,
    user: &User,
    csrf: &CsrfToken,
    errors: FormErrors,
) -> Result<ShowPage, WebError> {
    let (record, call) = load_piece(state, id, user).await?;
    let revisions = docket_app::pieces::revisions(state.store.as_ref(), user, &record).await?;
    let unsent_changes = revisions
        .last()
        .is_some_and(|last| last.piece != record.draft)
        || (revisions.is_empty() && record.state == SubmissionState::Draft);
    let consent = state
        .store
        .consents(id)
        .await?
        .into_iter()
        .find(|consent| consent.email.as_deref() == Some(user.email.as_str()) && consent.stands())
        .map(|consent| consent.byline);
    let byline = offered_byline(state, user, &record).await?;
    let title = if record.draft.title.is_empty() {
        "Untitled piece".to_owned()
    } else {
        record.draft.title.clone()
    };
    Ok(ShowPage {
        layout: layout(state, &title, Some(&call), user, csrf),
        id,
        title,
        call_title: call.title.clone(),
        call_href: crate::site::call_href(&call),
        state: record.state.label(),
        late: record.late,
        kind: kind_name(&call, &record.draft.kind),
        days: days_text(&call, &record.draft),
        measure: measure(&record.draft),
        editable: record.state.editable_by_contributor()
            && piece_closed(&call, &record, state).is_none(),
        withdrawable: record.state.apply(Transition::Withdraw).is_ok(),
        owner: record.owner_id == user.id,
        coauthors: record.coauthors.clone(),
        revisions: revisions
            .iter()
            .map(|revision| RevisionRow {
                href: format!("/submissions/{id}/revisions/{}", revision.number),
                number: revision.number,
                when: call
                    .local(revision.created_at)
                    .strftime("%-d %B %Y, %H:%M %Z")
                    .to_string(),
                by: revision.created_by.clone(),
                late: revision.late,
                measure: measure(&revision.piece),
            })
            .collect(),
        notice: None,
        unsent_changes,
        errors,
        consent,
        byline,
        consent_open: !matches!(
            record.state,
            SubmissionState::Draft | SubmissionState::Published
        ),
        published: record.state == SubmissionState::Published,
        changes_waiting: state.store.copy_edit_state(id).await? == "awaiting_author",
    })
}

#[derive(Template)]
#[template(path = "submissions/piece.html")]
pub(super) struct PiecePage {
    pub(super) layout: Layout,
    pub(super) caption: String,
    pub(super) back_href: String,
    pub(super) back_label: String,
    pub(super) title: String,
    pub(super) summary: String,
    pub(super) authors: Vec<Author>,
    pub(super) days: String,
    pub(super) kind: String,
    pub(super) body_html: String,
    pub(super) document: Option<(String, String)>,
    pub(super) headshot: Option<String>,
    pub(super) link: Option<String>,
    pub(super) measure: String,
}

#[expect(
    clippy::too_many_arguments,
    reason = "one page view shared by the preview and revision handlers"
)]
pub(super) fn piece_page(
    state: &AppState,
    call: &Call,
    id: SubmissionId,
    piece: &Piece,
    user: &User,
    csrf: &CsrfToken,
    caption: String,
    back: (String, String),
) -> PiecePage {
    let title = if piece.title.is_empty() {
        "Untitled piece".to_owned()
    } else {
        piece.title.clone()
    };
    PiecePage {
        layout: layout(
            state,
            &format!("{caption}: {title}"),
            Some(call),
            user,
            csrf,
        ),
        caption,
        back_href: back.0,
        back_label: back.1,
        title,
        summary: piece.summary.clone(),
        authors: piece
            .authors
            .iter()
            .filter(|author| !author.name.is_empty())
            .cloned()
            .collect(),
        days: days_text(call, piece),
        kind: kind_name(call, &piece.kind),
        body_html: markdown::to_safe_html(&piece.body),
        document: piece.document.as_ref().map(|asset| {
            (
                format!("/submissions/{id}/files/{}", asset.id),
                format!("{} ({})", asset.name, human_bytes(asset.size)),
            )
        }),
        headshot: piece
            .headshot
            .as_ref()
            .map(|asset| format!("/submissions/{id}/files/{}", asset.id)),
        link: piece.link.clone(),
        measure: measure(piece),
    }
}

pub(super) async fn preview(
    State(state): State<AppState>,
    Path(id): Path<SubmissionId>,
    Contributor(user): Contributor,
    Extension(csrf): Extension<CsrfToken>,
) -> Result<Response, WebError> {
    let (record, call) = load_piece(&state, id, &user).await?;
    let back = (
        format!("/submissions/{id}/edit"),
        "Back to editing".to_owned(),
    );
    render(
        piece_page(
            &state,
            &call,
            id,
            &record.draft,
            &user,
            &csrf,
            "Preview".into(),
            back,
        ),
        StatusCode::OK,
    )
}

pub(super) async fn revision(
    State(state): State<AppState>,
    Path((id, number)): Path<(SubmissionId, i64)>,
    Contributor(user): Contributor,
    Extension(csrf): Extension<CsrfToken>,
) -> Result<Response, WebError> {
    let (record, call) = load_piece(&state, id, &user).await?;
    let revisions = docket_app::pieces::revisions(state.store.as_ref(), &user, &record).await?;
    let Some(revision) = revisions
        .into_iter()
        .find(|revision| revision.number == number)
    else {
        return Err(WebError::not_found(&state));
    };
    let caption = format!(
        "Revision {number}, sent {}{}",
        call.local(revision.created_at)
            .strftime("%-d %B %Y, %H:%M %Z"),
        if revision.late { " (late)" } else { "" }
    );
    let back = (format!("/submissions/{id}"), "Back to the piece".to_owned());
    render(
        piece_page(
            &state,
            &call,
            id,
            &revision.piece,
            &user,
            &csrf,
            caption,
            back,
        ),
        StatusCode::OK,
    )
}
