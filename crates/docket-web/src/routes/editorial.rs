//! The editors' console: the queue of a call's pieces (filters, full-text search, sort, pages,
//! decisions on many pieces at once), a piece as staff see it (text, files, length against the
//! limits, the call's checklist, correspondence, revisions with word-level diffs, internal
//! comments, the audit trail), decisions previewed and undoable until their window ends, and
//! what to do with mail kept for triage. Organisers and editors only; reviewers and everyone
//! else get the not-found page.

use std::collections::BTreeMap;

use askama::Template;
use axum::Form;
use axum::extract::{Extension, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use docket_app::editorial::{self as decisions, DecisionInput};
use docket_core::search::SearchQuery;
use docket_core::submission::{CandidateDays, SubmissionState};
use docket_core::{Call, markdown};
use docket_store::{
    Actor, DecisionAction, InboundOutcome, LengthFilter, QueueQuery, QueueSort, StoreError,
    SubmissionId, SubmissionRecord,
};
use jiff::Timestamp;
use jiff::civil::Date;
use serde::Deserialize;

use crate::auth::Staff;
use crate::csrf::{CsrfOnly, CsrfToken};
use crate::forms::{FormErrors, Pairs};
use crate::site::Layout;
use crate::{AppState, Route, WebError, render};

/// Pieces on one page of the queue.
const PER_PAGE: i64 = 50;

/// Routes of the editors' console.
pub fn routes() -> Vec<Route> {
    vec![
        Route::get("/console/calls/{slug}/pieces", queue),
        Route::post("/console/calls/{slug}/pieces/decide", decide_many),
        Route::get("/console/calls/{slug}/pieces/{id}", piece),
        Route::get("/console/calls/{slug}/pieces/{id}/diff", diff),
        Route::get("/console/calls/{slug}/pieces/{id}/files/{asset}", file),
        Route::post("/console/calls/{slug}/pieces/{id}/comments", comment),
        Route::post("/console/calls/{slug}/pieces/{id}/decide", decide_one),
        Route::post("/console/calls/{slug}/decisions/{id}/undo", undo),
        Route::get("/console/calls/{slug}/inbound/{id}", triage_page),
        Route::post("/console/calls/{slug}/inbound/{id}/file", triage_file),
        Route::post("/console/calls/{slug}/inbound/{id}/answer", triage_answer),
        Route::post("/console/calls/{slug}/inbound/{id}/dismiss", triage_dismiss),
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

use crate::routes::console::{console_href, local_time as local};

fn kind_name(call: &Call, key: &str) -> String {
    call.kind(key)
        .map_or_else(|| key.to_owned(), |kind| kind.name.clone())
}

fn days_label(call: &Call, days: &[Date]) -> String {
    if days.is_empty() {
        return "Any day".into();
    }
    days.iter()
        .map(|day| {
            call.day(*day).map_or_else(
                || day.to_string(),
                |themed| format!("{} ({})", day.strftime("%a %-d %b"), themed.theme),
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn offered(record: &SubmissionRecord) -> Vec<Date> {
    match record.days() {
        Some(CandidateDays::Days(days)) => days.iter().copied().collect(),
        _ => Vec::new(),
    }
}

/// The piece, when it belongs to the call in the path; not found otherwise.
pub(crate) async fn staff_piece(
    state: &AppState,
    staff: &Staff,
    id: SubmissionId,
) -> Result<SubmissionRecord, WebError> {
    state
        .store
        .submission(id)
        .await?
        .filter(|record| record.call_id == staff.call.id)
        .ok_or_else(|| WebError::not_found(state))
}

// ---------------------------------------------------------------------------------------------
// The queue

#[derive(Debug, Deserialize, Default, Clone)]
#[serde(default)]
struct QueueParams {
    q: String,
    day: String,
    kind: String,
    state: String,
    late: String,
    length: String,
    undecided: String,
    new_mail: String,
    not_verified: String,
    sort: String,
    page: Option<i64>,
    notice: String,
}

impl QueueParams {
    fn to_query(&self, call_id: docket_store::CallId) -> QueueQuery {
        let mut query = QueueQuery::new(call_id);
        query.search = SearchQuery::parse(&self.q);
        query.day = self.day.parse().ok();
        query.kind = (!self.kind.is_empty()).then(|| self.kind.clone());
        query.states = SubmissionState::parse(&self.state).into_iter().collect();
        query.late = self.late == "yes";
        query.length = match self.length.as_str() {
            "over" => Some(LengthFilter::Over),
            "under" => Some(LengthFilter::Under),
            _ => None,
        };
        query.undecided = self.undecided == "yes";
        query.new_mail = self.new_mail == "yes";
        query.not_verified = self.not_verified == "yes";
        query.sort = QueueSort::parse(&self.sort);
        query.limit = PER_PAGE;
        query.offset = (self.page.unwrap_or(1).max(1) - 1) * PER_PAGE;
        query
    }

    /// The query string of this search on page `page`.
    fn link(&self, page: i64) -> String {
        let pairs = [
            ("q", self.q.as_str()),
            ("day", &self.day),
            ("kind", &self.kind),
            ("state", &self.state),
            ("late", &self.late),
            ("length", &self.length),
            ("undecided", &self.undecided),
            ("new_mail", &self.new_mail),
            ("not_verified", &self.not_verified),
            ("sort", &self.sort),
        ];
        let mut kept: Vec<(&str, String)> = pairs
            .iter()
            .filter(|(_, value)| !value.is_empty())
            .map(|(key, value)| (*key, (*value).to_owned()))
            .collect();
        kept.push(("page", page.to_string()));
        serde_urlencoded::to_string(kept).unwrap_or_default()
    }
}

struct QueueRowView {
    id: i64,
    href: String,
    title: String,
    kind: String,
    days: String,
    state: &'static str,
    late: bool,
    words: String,
    length: &'static str,
    authors: String,
    sent: String,
    unverified: bool,
    pending: Option<&'static str>,
    /// "2 reviews, average 3.5, spread 2".
    reviews: String,
}

#[derive(Template)]
#[template(path = "console/pieces.html")]
struct QueuePage {
    layout: Layout,
    href: String,
    title: String,
    params: QueueParams,
    rows: Vec<QueueRowView>,
    total: i64,
    first: i64,
    last: i64,
    previous: Option<String>,
    next: Option<String>,
    days: Vec<(String, String)>,
    kinds: Vec<(String, String)>,
    states: Vec<(&'static str, &'static str)>,
    errors: FormErrors,
    notice: Option<String>,
}

async fn queue(
    State(state): State<AppState>,
    staff: Staff,
    Query(params): Query<QueueParams>,
    Extension(csrf): Extension<CsrfToken>,
) -> Result<Response, WebError> {
    staff.require_editor(&state)?;
    show_queue(&state, &staff, &csrf, params, FormErrors::default()).await
}

async fn show_queue(
    state: &AppState,
    staff: &Staff,
    csrf: &CsrfToken,
    params: QueueParams,
    errors: FormErrors,
) -> Result<Response, WebError> {
    let call = &staff.call.call;
    let query = params.to_query(staff.call.id);
    let page = state.store.queue(&query).await?;
    let rows: Vec<QueueRowView> = page
        .rows
        .into_iter()
        .map(|row| QueueRowView {
            reviews: match (row.average_score(), row.score_min, row.score_max) {
                (Some(average), Some(min), Some(max)) => format!(
                    "{} review{}, average {:.1}, spread {}",
                    row.reviews,
                    if row.reviews == 1 { "" } else { "s" },
                    average,
                    max - min
                ),
                _ => String::new(),
            },
            id: row.id.0,
            href: format!("{}/pieces/{}", console_href(call), row.id),
            title: if row.title.is_empty() {
                "Untitled piece".into()
            } else {
                row.title
            },
            kind: kind_name(call, &row.kind),
            days: match row.accepted_day {
                Some(day) => format!("Accepted for {}", days_label(call, &[day])),
                None => days_label(call, &row.days),
            },
            state: row.state.label(),
            late: row.late,
            words: row.words.map(|w| w.to_string()).unwrap_or_default(),
            length: match row.length.as_str() {
                "over" => "over the advised length",
                "under" => "under the advised length",
                _ => "",
            },
            authors: row.authors,
            sent: local(call, row.sent_at),
            unverified: row.sender_trust == Some(docket_store::SenderTrust::NotVerified),
            pending: row.pending.map(DecisionAction::label),
        })
        .collect();
    let first = if page.total == 0 { 0 } else { query.offset + 1 };
    let last = query.offset + rows.len() as i64;
    let current = params.page.unwrap_or(1).max(1);
    let title = if errors.is_empty() {
        format!("Pieces of {}", call.title)
    } else {
        format!("Error: Pieces of {}", call.title)
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let notice = (!params.notice.is_empty()).then(|| params.notice.clone());
    render(
        QueuePage {
            layout: layout(state, &title, staff, csrf),
            href: console_href(call),
            title: call.title.clone(),
            previous: (current > 1).then(|| params.link(current - 1)),
            next: (last < page.total).then(|| params.link(current + 1)),
            rows,
            total: page.total,
            first,
            last,
            days: call
                .days
                .iter()
                .map(|day| (day.date.to_string(), days_label(call, &[day.date])))
                .collect(),
            kinds: call
                .kinds
                .iter()
                .map(|kind| (kind.key.to_string(), kind.name.clone()))
                .collect(),
            states: SubmissionState::ALL
                .into_iter()
                .filter(|state| *state != SubmissionState::Draft)
                .map(|state| (state.as_str(), state.label()))
                .collect(),
            params,
            errors,
            notice,
        },
        status,
    )
}

// ---------------------------------------------------------------------------------------------
// A piece, as staff see it

struct RevisionView {
    number: i64,
    when: String,
    by: String,
    words: String,
}

struct MailInView {
    id: i64,
    received: String,
    sender: String,
    /// How Docket knew who sent it: "DKIM aligned (example.org)", "confirmed by link", …
    trust: String,
    subject: String,
    outcome: &'static str,
}

struct MailOutView {
    written: String,
    to: String,
    subject: String,
    status: &'static str,
}

struct EventView {
    when: String,
    who: String,
    what: String,
}

struct DecisionView {
    id: i64,
    what: String,
    by: String,
    when: String,
    status: String,
    undoable: bool,
    note: String,
    reason: String,
}

struct FileView {
    href: String,
    name: String,
    label: &'static str,
}

#[derive(Template)]
#[template(path = "console/piece.html")]
struct PiecePage {
    layout: Layout,
    href: String,
    call_title: String,
    id: i64,
    title: String,
    summary: String,
    body_html: String,
    state: &'static str,
    late: bool,
    kind: String,
    offered: String,
    accepted_day: Option<String>,
    open_until: Option<String>,
    authors: Vec<String>,
    owner: String,
    trust: Option<String>,
    words: String,
    limits: String,
    findings: Vec<String>,
    files: Vec<FileView>,
    link: Option<String>,
    checklist: Vec<String>,
    revisions: Vec<RevisionView>,
    mail_in: Vec<MailInView>,
    mail_out: Vec<MailOutView>,
    comments: Vec<(String, String, String)>,
    events: Vec<EventView>,
    decisions: Vec<DecisionView>,
    /// The actions the state machine allows now, and whether a pending decision blocks them.
    actions: Vec<(&'static str, &'static str)>,
    pending: bool,
    changing: bool,
    days: Vec<(String, String, bool)>,
    errors: FormErrors,
    notice: Option<String>,
    form: DecideForm,
    sent: bool,
    reviews: Vec<(String, i64, &'static str, Vec<String>, String)>,
    reviewers: Vec<String>,
    copy_edit_open: bool,
    copy_edit_waiting: bool,
    copy_edit_status: String,
    reviewer_choices: Vec<String>,
    hidden: String,
}

#[derive(Debug, Deserialize, Default, Clone)]
#[serde(default)]
struct DecideForm {
    action: String,
    day: String,
    open_until: String,
    reason: String,
    note: String,
    step: String,
    csrf: String,
}

impl DecideForm {
    fn input(&self) -> DecisionInput {
        DecisionInput {
            action: DecisionAction::parse(&self.action),
            day: self.day.parse().ok(),
            open_until: self.open_until.parse().ok(),
            reason: self.reason.clone(),
            note: self.note.clone(),
        }
    }
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
struct NoticeQuery {
    notice: String,
}

async fn piece(
    State(state): State<AppState>,
    staff: Staff,
    Path((_, id)): Path<(String, SubmissionId)>,
    Query(query): Query<NoticeQuery>,
    Extension(csrf): Extension<CsrfToken>,
) -> Result<Response, WebError> {
    staff.require_editor(&state)?;
    let record = staff_piece(&state, &staff, id).await?;
    let notice = (!query.notice.is_empty()).then_some(query.notice);
    let page = piece_page(
        &state,
        &staff,
        &csrf,
        &record,
        FormErrors::default(),
        DecideForm::default(),
        notice,
    )
    .await?;
    render(page, StatusCode::OK)
}

async fn piece_page(
    state: &AppState,
    staff: &Staff,
    csrf: &CsrfToken,
    record: &SubmissionRecord,
    errors: FormErrors,
    form: DecideForm,
    notice: Option<String>,
) -> Result<PiecePage, WebError> {
    let call = &staff.call.call;
    let href = console_href(call);
    let id = record.id;
    let revisions = state.store.revisions(id).await?;
    // Staff read what was sent, never an unsent draft.
    let sent = revisions.last().map(|revision| revision.piece.clone());
    let shown = sent.clone().unwrap_or_else(|| record.draft.clone());
    let mut body = shown.body.clone();
    if body.trim().is_empty() && shown.document.is_some() {
        body = "*The piece is the attached file: download it below.*".to_owned();
    }
    let verdict = docket_core::judge::judge(call, &shown, state.clock.now(), Some(Timestamp::MAX));
    let kind = call.kind(&shown.kind);
    let files = [
        (shown.document.as_ref(), "The piece's file"),
        (shown.headshot.as_ref(), "Headshot"),
    ]
    .into_iter()
    .filter_map(|(asset, label)| {
        asset.map(|asset| FileView {
            href: format!("{href}/pieces/{id}/files/{}", asset.id),
            name: asset.name.clone(),
            label,
        })
    })
    .collect();
    let (accepted_day, open_until) = state.store.piece_placement(id).await?;
    let copy_edit = state.store.copy_edit_state(id).await?;
    let reviewers = state.store.reviewers_of(id).await?;
    let decision_rows = state.store.decisions(id).await?;
    let now = state.clock.now();
    let pending = decision_rows.iter().any(|d| d.pending());
    let decisions = decision_rows
        .iter()
        .map(|d| DecisionView {
            id: d.id,
            what: match (d.action, d.day) {
                (DecisionAction::Accept, Some(day)) => {
                    format!("Accept for {}", days_label(call, &[day]))
                }
                (action, _) => action.label().to_owned(),
            },
            by: d.decided_by_email.clone(),
            when: local(call, d.decided_at),
            status: if let Some(at) = d.applied_at {
                format!("Sent to the author at {}", local(call, at))
            } else if let Some(at) = d.undone_at {
                format!(
                    "Undone at {}; the author never heard of it",
                    local(call, at)
                )
            } else if let Some(why) = &d.lapsed {
                format!("Not sent: {why}")
            } else {
                format!(
                    "Waiting: reaches the author at {} unless undone",
                    local(call, d.effective_at)
                )
            },
            undoable: d.pending() && d.effective_at > now,
            note: d.note.clone(),
            reason: d.reason.clone(),
        })
        .collect();
    let actions: Vec<(&'static str, &'static str)> = DecisionAction::ALL
        .into_iter()
        .filter(|action| record.state.apply(action.transition()).is_ok())
        .map(|action| (action.as_str(), action.label()))
        .collect();
    let offered_days = offered(record);
    let mail_in = state
        .store
        .piece_mail_in(id)
        .await?
        .into_iter()
        .map(|mail| MailInView {
            id: mail.id,
            received: local(call, mail.received_at),
            trust: mail.sender_trust.describe(&mail.sender),
            sender: mail.sender,
            subject: mail.subject,
            outcome: match mail.outcome {
                InboundOutcome::Submission => "made this piece",
                InboundOutcome::Reply => "a reply",
                _ => "",
            },
        })
        .collect();
    let mail_out = state
        .store
        .piece_mail_out(id)
        .await?
        .into_iter()
        .map(|mail| MailOutView {
            written: local(call, mail.created_at),
            to: mail.mail.to,
            subject: mail.mail.subject,
            status: mail.status.as_str(),
        })
        .collect();
    let comments = state
        .store
        .comments(id)
        .await?
        .into_iter()
        .map(|c| (c.author_email, local(call, c.created_at), c.body))
        .collect();
    let events = state
        .store
        .audit_trail(&format!("submission:{id}"))
        .await?
        .into_iter()
        .rev()
        .map(|event| EventView {
            when: local(call, event.at),
            who: if event.actor == format!("user:{}", record.owner_id) {
                format!("{} (author)", record.owner_email)
            } else {
                decision_rows
                    .iter()
                    .find(|d| event.actor == format!("user:{}", d.decided_by))
                    .map_or_else(|| event.actor.clone(), |d| d.decided_by_email.clone())
            },
            what: describe_event(&event.action, &event.detail),
        })
        .collect();
    let title = if shown.title.is_empty() {
        "Untitled piece".to_owned()
    } else {
        shown.title.clone()
    };
    let page_title = if errors.is_empty() {
        title.clone()
    } else {
        format!("Error: {title}")
    };
    Ok(PiecePage {
        layout: layout(state, &page_title, staff, csrf),
        href: href.clone(),
        call_title: call.title.clone(),
        id: id.0,
        title,
        summary: shown.summary.clone(),
        body_html: markdown::to_safe_html(&body),
        state: record.state.label(),
        late: record.late,
        kind: kind_name(call, &shown.kind),
        offered: days_label(call, &offered_days),
        accepted_day: accepted_day.map(|day| days_label(call, &[day])),
        open_until: open_until.map(|until| local(call, until)),
        authors: shown
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
            .filter(|line| !line.is_empty())
            .collect(),
        owner: record.owner_email.clone(),
        trust: record
            .sender_trust
            .map(|trust| trust.describe(&record.owner_email)),
        words: shown
            .words
            .map(|w| format!("{w} words"))
            .unwrap_or_default(),
        limits: kind.map(|kind| kind.limits.describe()).unwrap_or_default(),
        findings: verdict
            .refusals
            .iter()
            .chain(&verdict.warnings)
            .map(|finding| finding.message.clone())
            .collect(),
        files,
        link: shown.link.clone(),
        checklist: call.checklist.clone(),
        revisions: revisions
            .iter()
            .map(|revision| RevisionView {
                number: revision.number,
                when: local(call, revision.created_at),
                by: revision.created_by.clone(),
                words: revision
                    .piece
                    .words
                    .map(|w| format!("{w} words"))
                    .unwrap_or_default(),
            })
            .collect(),
        mail_in,
        mail_out,
        comments,
        events,
        decisions,
        actions,
        pending,
        changing: matches!(
            record.state,
            SubmissionState::Accepted | SubmissionState::Rejected
        ),
        days: call
            .days
            .iter()
            .map(|day| {
                let is_offered = offered_days.is_empty() || offered_days.contains(&day.date);
                (
                    day.date.to_string(),
                    format!(
                        "{}{}",
                        days_label(call, &[day.date]),
                        if is_offered { ", offered" } else { "" }
                    ),
                    form.day == day.date.to_string()
                        || (form.day.is_empty() && offered_days.first() == Some(&day.date)),
                )
            })
            .collect(),
        errors,
        notice,
        form,
        sent: sent.is_some(),
        reviews: state
            .store
            .reviews(id)
            .await?
            .into_iter()
            .map(|review| {
                (
                    review.reviewer_email,
                    review.score,
                    review.recommendation.label(),
                    review
                        .checklist
                        .iter()
                        .filter_map(|index| call.checklist.get(*index).cloned())
                        .collect(),
                    review.comments,
                )
            })
            .collect(),
        reviewer_choices: state
            .store
            .staff(staff.call.id)
            .await?
            .into_iter()
            .filter(|member| {
                member.role == docket_store::StaffRole::Reviewer
                    && !reviewers.contains(&member.email)
            })
            .map(|member| member.email)
            .collect(),
        reviewers,
        copy_edit_open: record.state == SubmissionState::Accepted,
        copy_edit_waiting: copy_edit == "awaiting_author",
        copy_edit_status: match copy_edit.as_str() {
            "awaiting_author" => "The editors' copy-edit waits for the author's approval: the piece cannot be scheduled until then.".to_owned(),
            "approved" => "The author approved the editors' copy-edit.".to_owned(),
            "overridden" => "An editor went ahead without the author's approval.".to_owned(),
            _ => "Not copy-edited.".to_owned(),
        },
        hidden: state.store.blanked(id).await?.join("\n"),
    })
}

/// One sentence for an audit event, for staff.
fn describe_event(action: &str, detail: &serde_json::Value) -> String {
    let text = |key: &str| detail[key].as_str().unwrap_or_default().to_owned();
    match action {
        "submission.created" => "Started the piece".into(),
        "submission.submitted" | "submission.revised" => "Sent a version".into(),
        "submission.state_changed" => format!("Moved it from {} to {}", text("from"), text("to")),
        "submission.decided" => {
            let reason = text("reason");
            format!(
                "Decided: {} ({} → {}){}",
                text("action").replace('_', " "),
                text("from"),
                text("to"),
                if reason.is_empty() {
                    String::new()
                } else {
                    format!(", because {reason}")
                }
            )
        }
        "submission.decision_undone" => "Undid a decision before it reached the author".into(),
        "submission.decision_lapsed" => format!("A decision was not sent: {}", text("why")),
        "submission.commented" => "Added a comment".into(),
        "submission.consent_given" => format!("Consented to the byline {}", text("byline")),
        "submission.consent_withdrawn" => "Withdrew consent to publish under their name".into(),
        other => other.replace(['.', '_'], " "),
    }
}

// ---------------------------------------------------------------------------------------------
// Diffs between revisions

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
struct DiffQuery {
    from: Option<i64>,
    to: Option<i64>,
}

#[derive(Template)]
#[template(path = "console/diff.html")]
struct DiffPage {
    layout: Layout,
    href: String,
    id: i64,
    title: String,
    from: i64,
    to: i64,
    numbers: Vec<i64>,
    /// (kind: "same" | "del" | "ins", text)
    parts: Vec<(&'static str, String)>,
    changed_words: usize,
}

/// The word-level changes from one version of a piece to another: runs of ("same" | "del" |
/// "ins", text), and how many words changed.
pub(crate) fn word_diff(
    old: &docket_core::submission::Piece,
    new: &docket_core::submission::Piece,
) -> (Vec<(&'static str, String)>, usize) {
    let (old_text, new_text) = (piece_text(old), piece_text(new));
    let diff = similar::TextDiff::from_words(&old_text, &new_text);
    let mut parts: Vec<(&'static str, String)> = Vec::new();
    let mut changed_words = 0;
    for change in diff.iter_all_changes() {
        let kind = match change.tag() {
            similar::ChangeTag::Equal => "same",
            similar::ChangeTag::Delete => "del",
            similar::ChangeTag::Insert => "ins",
        };
        if kind != "same" && !change.value().trim().is_empty() {
            changed_words += 1;
        }
        match parts.last_mut() {
            Some((last, text)) if *last == kind => text.push_str(change.value()),
            _ => parts.push((kind, change.value().to_owned())),
        }
    }
    (parts, changed_words)
}

fn piece_text(piece: &docket_core::submission::Piece) -> String {
    let mut text = format!("{}\n\n{}\n\n{}", piece.title, piece.summary, piece.body);
    if let Some(document) = &piece.document {
        text.push_str(&format!("\n\n[File: {}]", document.name));
    }
    text
}

async fn diff(
    State(state): State<AppState>,
    staff: Staff,
    Path((_, id)): Path<(String, SubmissionId)>,
    Query(query): Query<DiffQuery>,
    Extension(csrf): Extension<CsrfToken>,
) -> Result<Response, WebError> {
    staff.require_editor(&state)?;
    let record = staff_piece(&state, &staff, id).await?;
    let revisions = state.store.revisions(id).await?;
    let latest = revisions.last().map_or(0, |r| r.number);
    let to = query.to.unwrap_or(latest);
    let from = query.from.unwrap_or((to - 1).max(1));
    let find = |number: i64| revisions.iter().find(|r| r.number == number);
    let (Some(old), Some(new)) = (find(from), find(to)) else {
        return Err(WebError::not_found(&state));
    };
    let (parts, changed_words) = word_diff(&old.piece, &new.piece);
    let call = &staff.call.call;
    render(
        DiffPage {
            layout: layout(
                &state,
                &format!("Changes in {}", record.draft.title),
                &staff,
                &csrf,
            ),
            href: console_href(call),
            id: id.0,
            title: record.draft.title.clone(),
            from,
            to,
            numbers: revisions.iter().map(|r| r.number).collect(),
            parts,
            changed_words,
        },
        StatusCode::OK,
    )
}

async fn file(
    State(state): State<AppState>,
    staff: Staff,
    Path((_, id, asset_id)): Path<(String, SubmissionId, i64)>,
) -> Result<Response, WebError> {
    staff.require_editor(&state)?;
    let record = staff_piece(&state, &staff, id).await?;
    let revisions = state.store.revisions(id).await?;
    let referenced = revisions
        .iter()
        .map(|r| &r.piece)
        .chain([&record.draft])
        .any(|piece| {
            [piece.document.as_ref(), piece.headshot.as_ref()]
                .into_iter()
                .flatten()
                .any(|asset| asset.id == asset_id)
        });
    if !referenced {
        return Err(WebError::not_found(&state));
    }
    let asset = state
        .store
        .asset(asset_id)
        .await?
        .ok_or_else(|| WebError::not_found(&state))?;
    let extension = asset
        .mime
        .rsplit('/')
        .next()
        .unwrap_or("bin")
        .replace(|c: char| !c.is_ascii_alphanumeric(), "");
    // Never served as active content: always a download, under a name Docket makes.
    Ok((
        [
            (header::CONTENT_TYPE, asset.mime.clone()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"piece-{id}-file-{asset_id}.{extension}\""),
            ),
            (
                header::CONTENT_SECURITY_POLICY,
                "sandbox; default-src 'none'".to_owned(),
            ),
        ],
        asset.bytes,
    )
        .into_response())
}

// ---------------------------------------------------------------------------------------------
// Comments

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
struct CommentForm {
    body: String,
    csrf: String,
}

async fn comment(
    State(state): State<AppState>,
    staff: Staff,
    Path((_, id)): Path<(String, SubmissionId)>,
    Extension(csrf): Extension<CsrfToken>,
    Form(form): Form<CommentForm>,
) -> Result<Response, WebError> {
    staff.require_editor(&state)?;
    let record = staff_piece(&state, &staff, id).await?;
    csrf.verify(&form.csrf)?;
    let body = form.body.trim();
    if body.is_empty() || body.chars().count() > 5000 {
        let mut errors = FormErrors::default();
        errors.add(
            "comment",
            if body.is_empty() {
                "Write the comment before adding it"
            } else {
                "Shorten the comment to 5,000 characters or fewer"
            },
        );
        let page = piece_page(
            &state,
            &staff,
            &csrf,
            &record,
            errors,
            DecideForm::default(),
            None,
        )
        .await?;
        return render(page, StatusCode::BAD_REQUEST);
    }
    state
        .store
        .add_comment(id, staff.user.id, body, state.clock.now())
        .await?;
    Ok(Redirect::to(&format!(
        "{}/pieces/{id}#comments",
        console_href(&staff.call.call)
    ))
    .into_response())
}

// ---------------------------------------------------------------------------------------------
// Decisions

#[derive(Template)]
#[template(path = "console/decision_preview.html")]
struct PreviewPage {
    layout: Layout,
    action_url: String,
    back: String,
    /// (the pieces it goes to, subject, text)
    previews: Vec<(Vec<String>, String, String)>,
    form: DecideForm,
    ids: Vec<i64>,
    undo_minutes: i64,
    summary: String,
}

fn add_problems(errors: &mut FormErrors, problems: Vec<decisions::Problem>) {
    for problem in problems {
        errors.add(problem.field, problem.message);
    }
}

fn undo_notice(state: &AppState, call: &Call, count: usize) -> String {
    let at = state
        .clock
        .now()
        .checked_add(state.config.undo_window)
        .unwrap_or_else(|_| state.clock.now());
    format!(
        "{} The author{} hear{} of it at {}, unless you undo it before then.",
        if count == 1 {
            "Decided.".to_owned()
        } else {
            format!("Decided on {count} pieces.")
        },
        if count == 1 { "" } else { "s" },
        if count == 1 { "s" } else { "" },
        call.local(at).strftime("%H:%M %Z")
    )
}

async fn decide_one(
    State(state): State<AppState>,
    staff: Staff,
    Path((_, id)): Path<(String, SubmissionId)>,
    Extension(csrf): Extension<CsrfToken>,
    Form(form): Form<DecideForm>,
) -> Result<Response, WebError> {
    staff.require_editor(&state)?;
    let record = staff_piece(&state, &staff, id).await?;
    csrf.verify(&form.csrf)?;
    let now = state.clock.now();
    let call = &staff.call.call;
    let checked = match decisions::check(call, &record, &form.input(), now) {
        Ok(checked) => checked,
        Err(problems) => {
            let mut errors = FormErrors::default();
            add_problems(&mut errors, problems);
            let page = piece_page(&state, &staff, &csrf, &record, errors, form, None).await?;
            return render(page, StatusCode::BAD_REQUEST);
        }
    };
    if form.step != "confirm" {
        let mail = decisions::mail(
            state.store.as_ref(),
            &state.mailer,
            &staff.call,
            &record,
            &checked,
        )
        .await?;
        return render(
            PreviewPage {
                layout: layout(&state, "Check the email to the author", &staff, &csrf),
                action_url: format!("{}/pieces/{id}/decide", console_href(call)),
                back: format!("{}/pieces/{id}", console_href(call)),
                previews: vec![(vec![record.draft.title.clone()], mail.subject, mail.text)],
                ids: Vec::new(),
                undo_minutes: state.config.undo_window.as_mins(),
                summary: format!("{} “{}”", checked.action.label(), record.draft.title),
                form,
            },
            StatusCode::OK,
        );
    }
    match decisions::decide(
        state.store.as_ref(),
        &state.mailer,
        &staff.call,
        &record,
        &checked,
        &staff.user,
        state.config.undo_window,
        now,
    )
    .await
    {
        Ok(_) => {}
        Err(StoreError::Conflict(message)) => {
            let mut errors = FormErrors::default();
            errors.add("action", message);
            let page = piece_page(&state, &staff, &csrf, &record, errors, form, None).await?;
            return render(page, StatusCode::CONFLICT);
        }
        Err(error) => return Err(error.into()),
    }
    let notice =
        serde_urlencoded::to_string([("notice", undo_notice(&state, call, 1))]).unwrap_or_default();
    Ok(Redirect::to(&format!("{}/pieces/{id}?{notice}", console_href(call))).into_response())
}

async fn undo(
    State(state): State<AppState>,
    staff: Staff,
    Path((_, id)): Path<(String, i64)>,
    Extension(csrf): Extension<CsrfToken>,
    Form(form): Form<CsrfOnly>,
) -> Result<Response, WebError> {
    staff.require_editor(&state)?;
    csrf.verify(&form.csrf)?;
    // The decision must be on a piece of this call.
    let call = &staff.call.call;
    let Some(decision) = state.store.decision(id).await? else {
        return Err(WebError::not_found(&state));
    };
    let piece = staff_piece(&state, &staff, decision.submission_id)
        .await?
        .id;
    let undone = state
        .store
        .undo_decision(id, staff.user.id, state.clock.now())
        .await?;
    let notice = if undone {
        "Undone: the author never hears of it."
    } else {
        "Too late to undo: the decision has reached the author. Make a new decision to change it."
    };
    let query = serde_urlencoded::to_string([("notice", notice)]).unwrap_or_default();
    Ok(Redirect::to(&format!("{}/pieces/{piece}?{query}", console_href(call))).into_response())
}

async fn decide_many(
    State(state): State<AppState>,
    staff: Staff,
    Extension(csrf): Extension<CsrfToken>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    staff.require_editor(&state)?;
    let pairs = Pairs(pairs);
    let get = |name: &str| pairs.get(name).to_owned();
    csrf.verify(&get("csrf"))?;
    let form = DecideForm {
        action: get("action"),
        day: get("day"),
        open_until: get("open_until"),
        reason: get("reason"),
        note: get("note"),
        step: get("step"),
        csrf: get("csrf"),
    };
    let ids: Vec<SubmissionId> = pairs
        .all("piece")
        .iter()
        .filter_map(|value| value.parse().ok())
        .collect();
    let call = &staff.call.call;
    let now = state.clock.now();
    let mut errors = FormErrors::default();
    if ids.is_empty() {
        errors.add("pieces", "Tick the pieces to decide on");
    }
    let mut checked = Vec::new();
    for id in &ids {
        let record = staff_piece(&state, &staff, *id).await?;
        match decisions::check(call, &record, &form.input(), now) {
            Ok(decision) => checked.push((record, decision)),
            Err(problems) => {
                for problem in problems {
                    let message = format!("“{}”: {}", record.draft.title, problem.message);
                    if !errors.all().iter().any(|e| e.message == message) {
                        errors.add(
                            if problem.field == "action" {
                                "bulk-action"
                            } else {
                                "bulk-note"
                            },
                            message,
                        );
                    }
                }
            }
        }
    }
    if !errors.is_empty() {
        return show_queue(&state, &staff, &csrf, QueueParams::default(), errors).await;
    }
    if form.step != "confirm" {
        // One preview for each distinct message.
        let mut previews: BTreeMap<(String, String), (Vec<String>, i64)> = BTreeMap::new();
        for (record, decision) in &checked {
            let mail = decisions::mail(
                state.store.as_ref(),
                &state.mailer,
                &staff.call,
                record,
                decision,
            )
            .await?;
            // The pieces' own titles and links differ; the message is the same when the rest is.
            let link = format!("/submissions/{}", record.id);
            let own = |text: &str| {
                text.replace(&record.draft.title, "«title»")
                    .replace(&link, "/submissions/«piece»")
            };
            let (key_subject, key_text) = (own(&mail.subject), own(&mail.text));
            previews
                .entry((key_subject, key_text))
                .or_insert_with(|| (Vec::new(), record.id.0))
                .0
                .push(record.draft.title.clone());
        }
        let Some(first) = checked.first() else {
            return show_queue(&state, &staff, &csrf, QueueParams::default(), errors).await;
        };
        let previews = previews
            .into_iter()
            .map(|((subject, text), (titles, first_id))| {
                // Shown as the first piece's email.
                let title = titles.first().cloned().unwrap_or_default();
                let own = |text: String| {
                    text.replace("«title»", &title)
                        .replace("«piece»", &first_id.to_string())
                };
                (titles, own(subject), own(text))
            })
            .collect::<Vec<_>>();
        return render(
            PreviewPage {
                layout: layout(&state, "Check the emails to the authors", &staff, &csrf),
                action_url: format!("{}/pieces/decide", console_href(call)),
                back: format!("{}/pieces", console_href(call)),
                summary: format!(
                    "{} {} piece{}",
                    first.1.action.label(),
                    checked.len(),
                    if checked.len() == 1 { "" } else { "s" }
                ),
                previews,
                ids: ids.iter().map(|id| id.0).collect(),
                undo_minutes: state.config.undo_window.as_mins(),
                form,
            },
            StatusCode::OK,
        );
    }
    let mut decided = 0;
    let mut refused = Vec::new();
    for (record, decision) in &checked {
        match decisions::decide(
            state.store.as_ref(),
            &state.mailer,
            &staff.call,
            record,
            decision,
            &staff.user,
            state.config.undo_window,
            now,
        )
        .await
        {
            Ok(_) => decided += 1,
            Err(StoreError::Conflict(message)) => {
                refused.push(format!("“{}”: {message}", record.draft.title))
            }
            Err(error) => return Err(error.into()),
        }
    }
    let mut notice = undo_notice(&state, call, decided);
    if !refused.is_empty() {
        notice.push_str(&format!(" Not decided: {}.", refused.join("; ")));
    }
    let query = serde_urlencoded::to_string([("notice", notice)]).unwrap_or_default();
    Ok(Redirect::to(&format!("{}/pieces?{query}", console_href(call))).into_response())
}

// ---------------------------------------------------------------------------------------------
// Triage

#[derive(Template)]
#[template(path = "console/triage.html")]
struct TriagePage {
    layout: Layout,
    href: String,
    id: i64,
    sender: String,
    trust: String,
    subject: String,
    received: String,
    reason: String,
    kinds: Vec<(String, String)>,
    days: Vec<(String, String)>,
    errors: FormErrors,
    note: String,
}

async fn triaged(
    state: &AppState,
    staff: &Staff,
    id: i64,
) -> Result<docket_store::InboundRecord, WebError> {
    state
        .store
        .call_inbound_message(Some(staff.call.id), id)
        .await?
        .map(|(record, _)| record)
        .filter(|record| record.outcome == InboundOutcome::Triage)
        .ok_or_else(|| WebError::not_found(state))
}

async fn show_triage(
    state: &AppState,
    staff: &Staff,
    csrf: &CsrfToken,
    record: docket_store::InboundRecord,
    errors: FormErrors,
    note: String,
) -> Result<Response, WebError> {
    let call = &staff.call.call;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    render(
        TriagePage {
            layout: layout(
                state,
                if errors.is_empty() {
                    "A message kept for triage"
                } else {
                    "Error: A message kept for triage"
                },
                staff,
                csrf,
            ),
            href: console_href(call),
            id: record.id,
            trust: record.sender_trust.describe(&record.sender),
            sender: record.sender,
            subject: record.subject,
            received: local(call, record.received_at),
            reason: record.reason,
            kinds: call
                .kinds
                .iter()
                .map(|kind| (kind.key.to_string(), kind.name.clone()))
                .collect(),
            days: call
                .days
                .iter()
                .map(|day| (day.date.to_string(), days_label(call, &[day.date])))
                .collect(),
            errors,
            note,
        },
        status,
    )
}

async fn triage_page(
    State(state): State<AppState>,
    staff: Staff,
    Path((_, id)): Path<(String, i64)>,
    Extension(csrf): Extension<CsrfToken>,
) -> Result<Response, WebError> {
    staff.require_editor(&state)?;
    let record = triaged(&state, &staff, id).await?;
    show_triage(
        &state,
        &staff,
        &csrf,
        record,
        FormErrors::default(),
        String::new(),
    )
    .await
}

async fn triage_file(
    State(state): State<AppState>,
    staff: Staff,
    Path((_, id)): Path<(String, i64)>,
    Extension(csrf): Extension<CsrfToken>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    staff.require_editor(&state)?;
    let record = triaged(&state, &staff, id).await?;
    let pairs = Pairs(pairs);
    let get = |name: &str| pairs.get(name).to_owned();
    csrf.verify(&get("csrf"))?;
    let call = &staff.call.call;
    let mut errors = FormErrors::default();
    let kind = get("kind");
    if call.kind(&kind).is_none() {
        errors.add(
            "kind",
            "Choose what the message holds: a guest blog, a case study…",
        );
    }
    let any_day = get("any_day") == "yes";
    let dates = pairs.all("days");
    let days = match CandidateDays::parse(call, any_day, &dates) {
        Ok(days) => Some(days),
        Err(message) => {
            errors.add("days", message);
            None
        }
    };
    let (Some(days), true) = (days, errors.is_empty()) else {
        return show_triage(&state, &staff, &csrf, record, errors, String::new()).await;
    };
    let choice = docket_app::ingest::Refile {
        call_id: staff.call.id,
        kind,
        days,
    };
    let outcome = docket_app::ingest::refile(
        state.store.as_ref(),
        state.clock.as_ref(),
        &state.mailer,
        id,
        &choice,
        &Actor::User(staff.user.id),
        &state.config.ingest,
    )
    .await?;
    let notice = match outcome {
        Some(docket_app::ingest::Outcome::Submission(piece)) => {
            format!("Filed as piece {piece}: the sender owns it and has the receipt.")
        }
        Some(docket_app::ingest::Outcome::Draft(piece)) => format!(
            "Kept as draft {piece}: the piece breaks a rule of the call, and the sender was told what to fix."
        ),
        Some(docket_app::ingest::Outcome::Held { .. }) => "The sender's address has an account: we asked them to confirm the message is theirs, and it is filed as you chose once they do.".into(),
        Some(docket_app::ingest::Outcome::Triage(why)) => {
            format!("Still kept for triage: {why}.")
        }
        Some(other) => format!("Done: {other:?}."),
        None => return Err(WebError::not_found(&state)),
    };
    let query = serde_urlencoded::to_string([("notice", notice)]).unwrap_or_default();
    Ok(Redirect::to(&format!("{}/pieces?{query}", console_href(call))).into_response())
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
struct AnswerForm {
    note: String,
    csrf: String,
}

async fn triage_answer(
    State(state): State<AppState>,
    staff: Staff,
    Path((_, id)): Path<(String, i64)>,
    Extension(csrf): Extension<CsrfToken>,
    Form(form): Form<AnswerForm>,
) -> Result<Response, WebError> {
    staff.require_editor(&state)?;
    let record = triaged(&state, &staff, id).await?;
    csrf.verify(&form.csrf)?;
    let note = form.note.trim().to_owned();
    if note.is_empty() {
        let mut errors = FormErrors::default();
        errors.add("note", "Write the answer to the sender");
        return show_triage(&state, &staff, &csrf, record, errors, form.note).await;
    }
    let head = staff.letterhead(&state).await?;
    let mail = state
        .mailer
        .triage_answer(&head, &record.sender, &record.subject, &note);
    state
        .store
        .settle_triage(
            id,
            InboundOutcome::Answered,
            &note,
            Some(mail),
            &Actor::User(staff.user.id),
            state.clock.now(),
        )
        .await?;
    let query = serde_urlencoded::to_string([("notice", format!("Answered {}.", record.sender))])
        .unwrap_or_default();
    Ok(Redirect::to(&format!(
        "{}/inbound?{query}",
        console_href(&staff.call.call)
    ))
    .into_response())
}

async fn triage_dismiss(
    State(state): State<AppState>,
    staff: Staff,
    Path((_, id)): Path<(String, i64)>,
    Extension(csrf): Extension<CsrfToken>,
    Form(form): Form<AnswerForm>,
) -> Result<Response, WebError> {
    staff.require_editor(&state)?;
    triaged(&state, &staff, id).await?;
    csrf.verify(&form.csrf)?;
    state
        .store
        .settle_triage(
            id,
            InboundOutcome::Dismissed,
            form.note.trim(),
            None,
            &Actor::User(staff.user.id),
            state.clock.now(),
        )
        .await?;
    Ok(Redirect::to(&format!("{}/inbound", console_href(&staff.call.call))).into_response())
}
