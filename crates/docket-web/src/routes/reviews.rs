//! Reviews in the console. A reviewer sees the pieces assigned to them, never one they declared
//! a conflict with, reads each as text only (never the uploaded file, whose name and metadata
//! may name its author), and writes one review they can edit; they see other reviews of a piece
//! only after writing their own. When the call asks for anonymised review, nothing a reviewer can
//! reach names an author. Editors assign reviewers (or balance them), hide passages from
//! reviewers, and read every review beside the piece.

use askama::Template;
use axum::Form;
use axum::extract::{Extension, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use docket_app::reviews;
use docket_core::{Call, markdown};
use docket_store::{Actor, Recommendation, Review, StaffRole, SubmissionId, SubmissionRecord};
use serde::Deserialize;

use crate::auth::Staff;
use crate::csrf::{CsrfOnly, CsrfToken};
use crate::forms::{FormErrors, Pairs};
use crate::routes::editorial::staff_piece;
use crate::site::Layout;
use crate::{AppState, Route, WebError, render};

/// Routes for reviews.
pub fn routes() -> Vec<Route> {
    vec![
        Route::get("/console/calls/{slug}/reviews", list),
        Route::get("/console/calls/{slug}/reviews/{id}", review_page),
        Route::post("/console/calls/{slug}/reviews/{id}", save_review),
        Route::get("/console/calls/{slug}/conflicts", conflicts_page),
        Route::post("/console/calls/{slug}/conflicts", save_conflicts),
        Route::post("/console/calls/{slug}/reviews/balance", balance),
        Route::post("/console/calls/{slug}/pieces/{id}/reviewers", assign),
        Route::post(
            "/console/calls/{slug}/pieces/{id}/reviewers/remove",
            unassign,
        ),
        Route::post("/console/calls/{slug}/pieces/{id}/hidden", hide_passages),
    ]
}

fn layout(state: &AppState, title: &str, staff: &Staff, csrf: &CsrfToken) -> Layout {
    Layout {
        console: true,
        ..Layout::new(title, state.clock.as_ref(), None).for_visitor(
            Some(&staff.user),
            csrf,
            state.config.demo,
        )
    }
}

use crate::routes::console::console_href as href;

// ---------------------------------------------------------------------------------------------
// A reviewer's list

struct Row {
    href: String,
    title: String,
    kind: String,
    reviewed: bool,
}

#[derive(Template)]
#[template(path = "console/reviews.html")]
struct ListPage {
    layout: Layout,
    href: String,
    title: String,
    rows: Vec<Row>,
    anonymised: bool,
}

async fn list(
    State(state): State<AppState>,
    staff: Staff,
    Extension(csrf): Extension<CsrfToken>,
) -> Result<Response, WebError> {
    let call = &staff.call.call;
    let mut rows = Vec::new();
    for record in
        reviews::for_reviewer(state.store.as_ref(), &staff.call, &staff.user.email).await?
    {
        let reviewed = state
            .store
            .reviews(record.id)
            .await?
            .iter()
            .any(|review| review.reviewer_email == staff.user.email);
        rows.push(Row {
            href: format!("{}/reviews/{}", href(call), record.id),
            title: record.draft.title.clone(),
            kind: call
                .kind(&record.draft.kind)
                .map_or_else(|| record.draft.kind.clone(), |kind| kind.name.clone()),
            reviewed,
        });
    }
    render(
        ListPage {
            layout: layout(&state, "Pieces to review", &staff, &csrf),
            href: href(call),
            title: call.title.clone(),
            rows,
            anonymised: call.anonymised_review,
        },
        StatusCode::OK,
    )
}

// ---------------------------------------------------------------------------------------------
// A piece to review

struct ReviewView {
    reviewer: String,
    score: i64,
    recommendation: &'static str,
    ticked: Vec<String>,
    comments: String,
}

fn review_view(call: &Call, review: &Review) -> ReviewView {
    ReviewView {
        reviewer: review.reviewer_email.clone(),
        score: review.score,
        recommendation: review.recommendation.label(),
        ticked: review
            .checklist
            .iter()
            .filter_map(|index| call.checklist.get(*index).cloned())
            .collect(),
        comments: review.comments.clone(),
    }
}

#[derive(Template)]
#[template(path = "console/review.html")]
struct ReviewPage {
    layout: Layout,
    href: String,
    id: i64,
    title: String,
    summary: String,
    body_html: String,
    kind: String,
    words: String,
    limits: String,
    anonymised: bool,
    authors: Vec<String>,
    link: Option<String>,
    checklist: Vec<(usize, String, bool)>,
    score: i64,
    recommendation: String,
    comments: String,
    others: Option<Vec<ReviewView>>,
    errors: FormErrors,
    notice: Option<String>,
}

/// What a reviewer reads of a piece: its latest sent version, the file's text in place of the
/// file, and the passages the editors hid replaced.
async fn review_text(
    state: &AppState,
    record: &SubmissionRecord,
) -> Result<(docket_core::submission::Piece, String), WebError> {
    let piece = state
        .store
        .revisions(record.id)
        .await?
        .pop()
        .map_or_else(|| record.draft.clone(), |revision| revision.piece);
    let mut body = piece.body.clone();
    if let Some(document) = &piece.document
        && let Some(asset) = state.store.asset(document.id).await?
    {
        let text = asset.text.unwrap_or_default();
        if !text.trim().is_empty() {
            body.push_str("\n\n");
            body.push_str(&text);
        }
    }
    let hidden = state.store.blanked(record.id).await?;
    Ok((piece, reviews::hide_passages(&body, &hidden)))
}

async fn show_review(
    state: &AppState,
    staff: &Staff,
    csrf: &CsrfToken,
    record: &SubmissionRecord,
    errors: FormErrors,
    typed: Option<(i64, String, Vec<usize>, String)>,
    notice: Option<String>,
) -> Result<Response, WebError> {
    let call = &staff.call.call;
    let (piece, body) = review_text(state, record).await?;
    let all = state.store.reviews(record.id).await?;
    let own = all
        .iter()
        .find(|review| review.reviewer_email == staff.user.email);
    let (score, recommendation, ticked, comments) = typed.unwrap_or_else(|| match own {
        Some(review) => (
            review.score,
            review.recommendation.as_str().to_owned(),
            review.checklist.clone(),
            review.comments.clone(),
        ),
        None => (0, String::new(), Vec::new(), String::new()),
    });
    // Other reviews only once one's own is written.
    let others = own.map(|_| {
        all.iter()
            .filter(|review| review.reviewer_email != staff.user.email)
            .map(|review| review_view(call, review))
            .collect()
    });
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let title = if piece.title.is_empty() {
        "Untitled piece".to_owned()
    } else {
        piece.title.clone()
    };
    render(
        ReviewPage {
            layout: layout(
                state,
                &if errors.is_empty() {
                    format!("Review: {title}")
                } else {
                    format!("Error: Review: {title}")
                },
                staff,
                csrf,
            ),
            href: href(call),
            id: record.id.0,
            title,
            summary: piece.summary.clone(),
            body_html: markdown::to_safe_html(&body),
            kind: call
                .kind(&piece.kind)
                .map_or_else(|| piece.kind.clone(), |kind| kind.name.clone()),
            words: piece
                .words
                .map(|w| format!("{w} words"))
                .unwrap_or_default(),
            limits: call
                .kind(&piece.kind)
                .map(|kind| kind.limits.describe())
                .unwrap_or_default(),
            anonymised: call.anonymised_review,
            authors: if call.anonymised_review {
                Vec::new()
            } else {
                piece
                    .authors
                    .iter()
                    .map(|author| {
                        [&author.name, &author.role, &author.organisation]
                            .into_iter()
                            .filter(|part| !part.trim().is_empty())
                            .cloned()
                            .collect::<Vec<_>>()
                            .join(", ")
                    })
                    .collect()
            },
            link: piece.link.clone(),
            checklist: call
                .checklist
                .iter()
                .enumerate()
                .map(|(index, item)| (index, item.clone(), ticked.contains(&index)))
                .collect(),
            score,
            recommendation,
            comments,
            others,
            errors,
            notice,
        },
        status,
    )
}

async fn reviewable(
    state: &AppState,
    staff: &Staff,
    id: SubmissionId,
) -> Result<SubmissionRecord, WebError> {
    reviews::reviewable(state.store.as_ref(), &staff.call, &staff.user.email, id)
        .await?
        .ok_or_else(|| WebError::not_found(state))
}

async fn review_page(
    State(state): State<AppState>,
    staff: Staff,
    Path((_, id)): Path<(String, SubmissionId)>,
    Extension(csrf): Extension<CsrfToken>,
) -> Result<Response, WebError> {
    let record = reviewable(&state, &staff, id).await?;
    show_review(
        &state,
        &staff,
        &csrf,
        &record,
        FormErrors::default(),
        None,
        None,
    )
    .await
}

async fn save_review(
    State(state): State<AppState>,
    staff: Staff,
    Path((_, id)): Path<(String, SubmissionId)>,
    Extension(csrf): Extension<CsrfToken>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let record = reviewable(&state, &staff, id).await?;
    let form = Pairs(form);
    csrf.verify(form.get("csrf"))?;
    let mut errors = FormErrors::default();
    let score: i64 = form.get("score").parse().unwrap_or(0);
    if !(1..=5).contains(&score) {
        errors.add("score", "Give a score from 1 to 5");
    }
    let recommendation = Recommendation::parse(form.get("recommendation"));
    if recommendation.is_none() {
        errors.add("recommendation", "Choose what you recommend");
    }
    let checklist: Vec<usize> = form
        .all("checklist")
        .iter()
        .filter_map(|value| value.parse().ok())
        .filter(|index| *index < staff.call.call.checklist.len())
        .collect();
    let comments = form.get("comments").trim().to_owned();
    if comments.chars().count() > 10_000 {
        errors.add(
            "comments",
            "Shorten the comments to 10,000 characters or fewer",
        );
    }
    let (Some(recommendation), true) = (recommendation, errors.is_empty()) else {
        let typed = (
            score,
            form.get("recommendation").to_owned(),
            checklist,
            comments,
        );
        return show_review(&state, &staff, &csrf, &record, errors, Some(typed), None).await;
    };
    let now = state.clock.now();
    state
        .store
        .save_review(
            &Review {
                submission_id: record.id,
                reviewer_email: staff.user.email.clone(),
                score,
                recommendation,
                checklist,
                comments,
                created_at: now,
                updated_at: now,
            },
            staff.user.id,
        )
        .await?;
    show_review(
        &state,
        &staff,
        &csrf,
        &record,
        FormErrors::default(),
        None,
        Some("Your review is saved. You can change it until the editors decide.".into()),
    )
    .await
}

// ---------------------------------------------------------------------------------------------
// Conflicts of interest

#[derive(Template)]
#[template(path = "console/conflicts.html")]
struct ConflictsPage {
    layout: Layout,
    href: String,
    title: String,
    organisations: String,
    addresses: String,
    errors: FormErrors,
    notice: Option<String>,
}

async fn conflicts_page(
    State(state): State<AppState>,
    staff: Staff,
    Extension(csrf): Extension<CsrfToken>,
) -> Result<Response, WebError> {
    let declared = state
        .store
        .conflicts(staff.call.id, &staff.user.email)
        .await?;
    let mut organisations = Vec::new();
    let mut addresses = Vec::new();
    for conflict in declared {
        match conflict {
            docket_store::Conflict::Organisation(name) => organisations.push(name),
            docket_store::Conflict::Address(address) => addresses.push(address),
        }
    }
    render(
        ConflictsPage {
            layout: layout(&state, "Your conflicts of interest", &staff, &csrf),
            href: href(&staff.call.call),
            title: staff.call.call.title.clone(),
            organisations: organisations.join("\n"),
            addresses: addresses.join("\n"),
            errors: FormErrors::default(),
            notice: None,
        },
        StatusCode::OK,
    )
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
struct ConflictsForm {
    organisations: String,
    addresses: String,
    csrf: String,
}

async fn save_conflicts(
    State(state): State<AppState>,
    staff: Staff,
    Extension(csrf): Extension<CsrfToken>,
    Form(form): Form<ConflictsForm>,
) -> Result<Response, WebError> {
    csrf.verify(&form.csrf)?;
    let page = |errors: FormErrors, notice: Option<String>, status| {
        render(
            ConflictsPage {
                layout: layout(
                    &state,
                    if errors.is_empty() {
                        "Your conflicts of interest"
                    } else {
                        "Error: Your conflicts of interest"
                    },
                    &staff,
                    &csrf,
                ),
                href: href(&staff.call.call),
                title: staff.call.call.title.clone(),
                organisations: form.organisations.clone(),
                addresses: form.addresses.clone(),
                errors,
                notice,
            },
            status,
        )
    };
    match reviews::read_conflicts(&form.organisations, &form.addresses) {
        Err(message) => {
            let mut errors = FormErrors::default();
            errors.add("addresses", message);
            page(errors, None, StatusCode::BAD_REQUEST)
        }
        Ok(conflicts) => {
            state
                .store
                .set_conflicts(
                    staff.call.id,
                    &staff.user.email,
                    &conflicts,
                    staff.user.id,
                    state.clock.now(),
                )
                .await?;
            page(
                FormErrors::default(),
                Some(format!(
                    "Saved: {} declared. You will not be given, nor shown, pieces from them.",
                    conflicts.len()
                )),
                StatusCode::OK,
            )
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Editors: assignments and hidden passages

async fn balance(
    State(state): State<AppState>,
    staff: Staff,
    Extension(csrf): Extension<CsrfToken>,
    Form(form): Form<CsrfOnly>,
) -> Result<Response, WebError> {
    staff.require_editor(&state)?;
    csrf.verify(&form.csrf)?;
    let assigned = reviews::balance(
        state.store.as_ref(),
        &staff.call,
        &Actor::User(staff.user.id),
        state.clock.now(),
    )
    .await?;
    let made = assigned.len();
    let mut counts: std::collections::BTreeMap<String, usize> = std::collections::BTreeMap::new();
    for reviewer in assigned {
        *counts.entry(reviewer).or_default() += 1;
    }
    for (reviewer, count) in counts {
        tell_reviewer(&state, &staff, &reviewer, count).await?;
    }
    let notice = format!(
        "{made} assignment{} made: each piece waiting for a decision has up to {} reviewers without a conflict.",
        if made == 1 { "" } else { "s" },
        reviews::REVIEWERS_PER_PIECE
    );
    let query = serde_urlencoded::to_string([("notice", notice)]).unwrap_or_default();
    Ok(Redirect::to(&format!("{}/pieces?{query}", href(&staff.call.call))).into_response())
}

/// Emails a reviewer that they have `count` new pieces, with the link to their list only.
async fn tell_reviewer(
    state: &AppState,
    staff: &Staff,
    reviewer: &str,
    count: usize,
) -> Result<(), WebError> {
    let head = staff.letterhead(state).await?;
    let mail = state.mailer.review_assigned(
        &head,
        reviewer,
        count,
        &format!("{}/reviews", href(&staff.call.call)),
    );
    state.store.enqueue_mail(mail, state.clock.now()).await?;
    Ok(())
}

fn back(staff: &Staff, id: SubmissionId, notice: &str) -> Response {
    let query = serde_urlencoded::to_string([("notice", notice)]).unwrap_or_default();
    Redirect::to(&format!(
        "{}/pieces/{id}?{query}#reviews",
        href(&staff.call.call)
    ))
    .into_response()
}

async fn assign(
    State(state): State<AppState>,
    staff: Staff,
    Path((_, id)): Path<(String, SubmissionId)>,
    Extension(csrf): Extension<CsrfToken>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    staff.require_editor(&state)?;
    let record = staff_piece(&state, &staff, id).await?;
    let form = Pairs(form);
    csrf.verify(form.get("csrf"))?;
    let reviewer = form.get("reviewer").trim().to_lowercase();
    let on_staff = state
        .store
        .staff(staff.call.id)
        .await?
        .into_iter()
        .any(|member| member.email == reviewer && member.role == StaffRole::Reviewer);
    if !on_staff {
        return Ok(back(&staff, id, "Choose one of the call's reviewers."));
    }
    let assigned = reviews::assign(
        state.store.as_ref(),
        &staff.call,
        &record,
        &reviewer,
        &Actor::User(staff.user.id),
        state.clock.now(),
    )
    .await?;
    if assigned {
        tell_reviewer(&state, &staff, &reviewer, 1).await?;
    }
    Ok(back(
        &staff,
        id,
        &if assigned {
            format!("{reviewer} now reviews this piece.")
        } else {
            format!(
                "{reviewer} was not assigned: they review it already, or declared a conflict with it."
            )
        },
    ))
}

async fn unassign(
    State(state): State<AppState>,
    staff: Staff,
    Path((_, id)): Path<(String, SubmissionId)>,
    Extension(csrf): Extension<CsrfToken>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    staff.require_editor(&state)?;
    staff_piece(&state, &staff, id).await?;
    let form = Pairs(form);
    csrf.verify(form.get("csrf"))?;
    let reviewer = form.get("reviewer").trim().to_lowercase();
    state
        .store
        .unassign_reviewer(
            id,
            &reviewer,
            &Actor::User(staff.user.id),
            state.clock.now(),
        )
        .await?;
    Ok(back(
        &staff,
        id,
        &format!("{reviewer} no longer reviews this piece."),
    ))
}

async fn hide_passages(
    State(state): State<AppState>,
    staff: Staff,
    Path((_, id)): Path<(String, SubmissionId)>,
    Extension(csrf): Extension<CsrfToken>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    staff.require_editor(&state)?;
    staff_piece(&state, &staff, id).await?;
    let form = Pairs(form);
    csrf.verify(form.get("csrf"))?;
    let passages: Vec<String> = form
        .get("passages")
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(str::to_owned)
        .take(50)
        .collect();
    state
        .store
        .set_blanked(id, &passages, staff.user.id, state.clock.now())
        .await?;
    Ok(back(
        &staff,
        id,
        &format!(
            "{} passage{} hidden from reviewers.",
            passages.len(),
            if passages.len() == 1 { "" } else { "s" }
        ),
    ))
}
