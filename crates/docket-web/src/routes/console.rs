//! The organiser console: the calls someone is staff on, each call's overview and jobs, its
//! outbox (with "Send again" for failed mail), and its emails, which organisers reword with a
//! preview before saving. Every page answers 404 to anyone not on the call's staff, and the
//! organiser-only ones answer 404 to editors too.

use askama::Template;
use axum::Form;
use axum::extract::{Extension, Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use docket_app::mail::{Letter, Part, TemplateProblem, letters};
use docket_core::Call;
use docket_core::pledge::{PledgeState, Standing};
use docket_core::submission::{CandidateDays, SubmissionState};
use docket_store::{Actor, Job, OutboxMail, StaffRole, TemplateText, User};
use docket_store::{InboundOutcome, MailStatus};
use jiff::Timestamp;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::auth::{Admin, Contributor, Staff};
use crate::csrf::{CsrfOnly, CsrfToken};
use crate::forms::FormErrors;
use crate::site::{CallView, Layout};
use crate::{AppState, Route, WebError, render};

/// The most recent mail shown on a call's outbox page.
const OUTBOX_ROWS: i64 = 200;

/// Routes for the console.
pub fn routes() -> Vec<Route> {
    vec![
        Route::get("/console", calls),
        Route::get("/console/inbound", unrouted),
        Route::get("/console/inbound/{id}/original", unrouted_original),
        Route::get("/console/calls/{slug}", overview),
        Route::get("/console/calls/{slug}/outbox", outbox),
        Route::post("/console/calls/{slug}/outbox/{id}/retry", retry),
        Route::get("/console/calls/{slug}/inbound", inbound),
        Route::get(
            "/console/calls/{slug}/inbound/{id}/original",
            inbound_original,
        ),
        Route::get("/console/calls/{slug}/pledges", pledges),
        Route::post("/console/calls/{slug}/pledges/{id}/decline", decline_pledge),
        Route::post("/console/calls/{slug}/pledges/nudge", nudge_pledgers),
        Route::get("/console/calls/{slug}/emails", emails),
        Route::get("/console/calls/{slug}/emails/{key}", email_page),
        Route::post("/console/calls/{slug}/emails/{key}", email_action),
    ]
}

fn layout(state: &AppState, title: &str, user: &User, csrf: &CsrfToken) -> Layout {
    Layout {
        console: true,
        ..Layout::new(title, state.clock.as_ref(), None).for_visitor(
            Some(user),
            csrf,
            state.config.demo,
        )
    }
}

fn role_name(role: StaffRole) -> &'static str {
    role.label()
}

/// "14 November 2022, 09:30 GMT": an instant as the call's people read it.
pub(crate) fn local_time(call: &Call, at: Timestamp) -> String {
    call.local(at).strftime("%-d %B %Y, %H:%M %Z").to_string()
}

pub(crate) fn console_href(call: &Call) -> String {
    format!("/console/calls/{}", call.slug)
}

// ---------------------------------------------------------------------------------------------
// The calls someone is staff on

struct CallRow {
    href: String,
    title: String,
    role: &'static str,
    deadline: String,
}

#[derive(Template)]
#[template(path = "console/calls.html")]
struct CallsPage {
    layout: Layout,
    calls: Vec<CallRow>,
    /// A site administrator, who also sees the mail for no call.
    admin: bool,
}

async fn calls(
    State(state): State<AppState>,
    Contributor(user): Contributor,
    Extension(csrf): Extension<CsrfToken>,
) -> Result<Response, WebError> {
    let now = state.clock.now();
    let admin = crate::auth::is_admin(&state, &user.email).await?;
    let row = |stored: &docket_store::StoredCall, role: &'static str| CallRow {
        href: console_href(&stored.call),
        title: stored.call.title.clone(),
        role,
        deadline: CallView::new(&stored.call, now).deadline.local,
    };
    let staffed = state.store.staffed_calls(&user.email).await?;
    let mut calls: Vec<CallRow> = staffed
        .iter()
        .map(|(stored, role)| row(stored, role_name(*role)))
        .collect();
    if admin {
        // Site administrators see every call; where they are also on its staff, that role shows.
        for stored in state.store.calls().await? {
            if !staffed.iter().any(|(mine, _)| mine.id == stored.id) {
                calls.push(row(&stored, "Site administrator"));
            }
        }
    }
    render(
        CallsPage {
            layout: layout(&state, "Organiser console", &user, &csrf),
            calls,
            admin,
        },
        StatusCode::OK,
    )
}

// ---------------------------------------------------------------------------------------------
// One call's overview

struct JobRow {
    what: String,
    when: String,
    status: &'static str,
    outcome: String,
}

struct StaffRow {
    email: String,
    role: &'static str,
}

#[derive(Template)]
#[template(path = "console/overview.html")]
struct OverviewPage {
    layout: Layout,
    href: String,
    public_href: String,
    title: String,
    role: &'static str,
    organiser: bool,
    editor: bool,
    deadline: String,
    deadline_status: String,
    jobs: Vec<JobRow>,
    staff: Vec<StaffRow>,
    /// How many pieces are in each state, for the states that have any.
    states: Vec<(&'static str, usize)>,
    /// Per themed day: its date, theme, pieces promised (pledged, not yet sent), pieces on offer
    /// (submitted and not turned down) and pieces accepted: what an organiser chasing thin days
    /// looks at.
    days: Vec<(String, String, usize, usize, usize)>,
    any_day: (usize, usize, usize),
    /// Per kind (and "not sure yet"): promised, on offer and accepted.
    kinds: Vec<(String, usize, usize, usize)>,
}

fn job_row(call: &Call, job: &Job) -> JobRow {
    let what = docket_core::status::JobKind::parse(&job.kind).map_or_else(
        || job.kind.replace('_', " "),
        |kind| kind.describe().to_owned(),
    );
    let status = job.status.label();
    let outcome = match (&job.outcome, &job.last_error) {
        (Some(outcome), _) => outcome.clone(),
        (None, Some(error)) => format!("Last attempt failed: {error}"),
        (None, None) => String::new(),
    };
    JobRow {
        what,
        when: local_time(call, job.run_at),
        status,
        outcome,
    }
}

async fn overview(
    State(state): State<AppState>,
    staff: Staff,
    Extension(csrf): Extension<CsrfToken>,
) -> Result<Response, WebError> {
    let call = &staff.call.call;
    let jobs = state.store.call_jobs(staff.call.id).await?;
    let members = state.store.staff(staff.call.id).await?;
    let pieces = state.store.call_submissions(staff.call.id).await?;
    let view = CallView::new(call, state.clock.now());
    let states = SubmissionState::ALL
        .into_iter()
        .map(|each| {
            let count = pieces.iter().filter(|piece| piece.state == each).count();
            (each.label(), count)
        })
        .filter(|(_, count)| *count > 0)
        .collect();
    let offered: Vec<_> = pieces
        .iter()
        .filter(|piece| piece.state.on_offer())
        .collect();
    // Promised: pledges still open whose piece has not been sent (lapsed ones included: the
    // organiser chases them).
    let all_pledges = state.store.call_pledges(staff.call.id).await?;
    let promised: Vec<_> = all_pledges
        .iter()
        .filter(|pledge| pledge.state == PledgeState::Open && !pledge.piece_sent())
        .collect();
    let on_day = |days: Option<&CandidateDays>, date| matches!(days, Some(CandidateDays::Days(dates)) if dates.contains(&date));
    // Accepted: accepted, scheduled and published pieces, on the day they are placed on, or
    // (not yet placed) on each day they were offered for.
    let board = state.store.board(staff.call.id).await?;
    let accepted_on = |date| {
        board
            .iter()
            .filter(|piece| match piece.day {
                Some(placed) => placed == date,
                None => on_day(piece.offered.as_ref(), date),
            })
            .count()
    };
    let days = call
        .days
        .iter()
        .map(|day| {
            let pledged = promised
                .iter()
                .filter(|pledge| on_day(pledge.pledge.days.as_ref(), day.date))
                .count();
            let count = offered
                .iter()
                .filter(|piece| on_day(piece.days(), day.date))
                .count();
            (
                docket_core::prose_dates::long_date_with_weekday(day.date),
                day.theme.clone(),
                pledged,
                count,
                accepted_on(day.date),
            )
        })
        .collect();
    let any = |days: Option<&CandidateDays>| matches!(days, Some(CandidateDays::AnyDay));
    let any_day = (
        promised
            .iter()
            .filter(|pledge| any(pledge.pledge.days.as_ref()))
            .count(),
        offered.iter().filter(|piece| any(piece.days())).count(),
        board
            .iter()
            .filter(|piece| piece.day.is_none() && any(piece.offered.as_ref()))
            .count(),
    );
    let mut kinds: Vec<(String, usize, usize, usize)> = call
        .kinds
        .iter()
        .map(|kind| {
            let key = kind.key.as_str();
            (
                kind.name.clone(),
                promised
                    .iter()
                    .filter(|pledge| pledge.pledge.kind.as_deref() == Some(key))
                    .count(),
                offered
                    .iter()
                    .filter(|piece| piece.draft.kind == key)
                    .count(),
                board.iter().filter(|piece| piece.kind == key).count(),
            )
        })
        .collect();
    let unsure = promised
        .iter()
        .filter(|pledge| pledge.pledge.kind.is_none())
        .count();
    if unsure > 0 {
        kinds.push(("Not sure yet".to_owned(), unsure, 0, 0));
    }
    render(
        OverviewPage {
            layout: layout(&state, &call.title, &staff.user, &csrf),
            href: console_href(call),
            public_href: crate::site::call_href(call),
            title: call.title.clone(),
            role: role_name(staff.role),
            organiser: staff.is_organiser(),
            editor: staff.is_editor(),
            deadline: view.deadline.local,
            deadline_status: view.deadline.status,
            jobs: jobs.iter().map(|job| job_row(call, job)).collect(),
            staff: members
                .into_iter()
                .map(|member| StaffRow {
                    email: member.email,
                    role: role_name(member.role),
                })
                .collect(),
            states,
            days,
            any_day,
            kinds,
        },
        StatusCode::OK,
    )
}

// ---------------------------------------------------------------------------------------------
// The outbox

struct MailRow {
    id: i64,
    to: String,
    subject: String,
    kind: String,
    status: &'static str,
    failed: bool,
    attempts: i64,
    last_error: String,
    created: String,
    sent: String,
}

#[derive(Template)]
#[template(path = "console/outbox.html")]
struct OutboxPage {
    layout: Layout,
    href: String,
    title: String,
    organiser: bool,
    notice: Option<String>,
    mails: Vec<MailRow>,
    limit: i64,
}

fn mail_row(call: &Call, row: OutboxMail) -> MailRow {
    let status = row.status.label();
    MailRow {
        id: row.id,
        kind: Letter::parse(&row.mail.template).map_or_else(
            || row.mail.template.clone(),
            |letter| letter.name().to_owned(),
        ),
        to: row.mail.to,
        subject: row.mail.subject,
        failed: row.status == MailStatus::Failed,
        status,
        attempts: row.attempts,
        last_error: row.last_error.unwrap_or_default(),
        created: local_time(call, row.created_at),
        sent: row
            .sent_at
            .map(|at| local_time(call, at))
            .unwrap_or_default(),
    }
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
struct OutboxQuery {
    retried: Option<String>,
}

async fn outbox(
    State(state): State<AppState>,
    staff: Staff,
    Query(query): Query<OutboxQuery>,
    Extension(csrf): Extension<CsrfToken>,
) -> Result<Response, WebError> {
    staff.require_editor(&state)?;
    let call = &staff.call.call;
    // Bodies are never read out here: the table shows who, what and how it went, not what
    // contributors were told (sign-in links and codes travel in bodies).
    let mails = state
        .store
        .call_outbox(staff.call.id, OUTBOX_ROWS)
        .await?
        .into_iter()
        .map(|row| mail_row(call, row))
        .collect();
    let notice = query.retried.map(|outcome| {
        if outcome == "1" {
            "The email is queued and will be sent again in a moment.".to_owned()
        } else {
            "That email had already been queued again or sent: nothing was changed.".to_owned()
        }
    });
    render(
        OutboxPage {
            layout: layout(
                &state,
                &format!("Outbox: {}", call.title),
                &staff.user,
                &csrf,
            ),
            href: console_href(call),
            title: call.title.clone(),
            organiser: staff.is_organiser(),
            notice,
            mails,
            limit: OUTBOX_ROWS,
        },
        StatusCode::OK,
    )
}

async fn retry(
    State(state): State<AppState>,
    staff: Staff,
    Path((_, id)): Path<(String, i64)>,
    Extension(csrf): Extension<CsrfToken>,
    Form(form): Form<CsrfOnly>,
) -> Result<Response, WebError> {
    // Editors are answered as if the route did not exist, before anything else is looked at.
    staff.require_organiser(&state)?;
    csrf.verify(&form.csrf)?;
    // The store only requeues a failed row of this very call, so an id from another call's
    // outbox changes nothing.
    let retried = state
        .store
        .retry_mail(
            id,
            staff.call.id,
            &Actor::User(staff.user.id),
            state.clock.now(),
        )
        .await?;
    let outcome = if retried { "1" } else { "0" };
    Ok(Redirect::to(&format!(
        "{}/outbox?retried={outcome}",
        console_href(&staff.call.call)
    ))
    .into_response())
}

// ---------------------------------------------------------------------------------------------
// Mail that came in: triage first

/// The most recent inbound messages shown on a call's page.
const INBOUND_ROWS: i64 = 200;

struct InboundRow {
    id: i64,
    received: String,
    sender: String,
    /// How Docket knew who sent it: "sender not verified", "confirmed by link".
    trust: String,
    subject: String,
    outcome: String,
    reason: String,
    /// Still kept for triage: an editor may file, answer or set it aside.
    triage: bool,
}

#[derive(Template)]
#[template(path = "console/inbound.html")]
struct InboundPage {
    layout: Layout,
    href: String,
    title: String,
    triage: Vec<InboundRow>,
    others: Vec<InboundRow>,
    limit: i64,
    /// The site administrators' page of mail for no call.
    unrouted: bool,
}

fn inbound_row(call: Option<&Call>, record: docket_store::InboundRecord) -> InboundRow {
    let outcome = match (record.outcome, record.submission_id) {
        (InboundOutcome::Submission, Some(id)) => format!("Filed as piece {id}"),
        (InboundOutcome::Reply, Some(id)) => format!("Reply about piece {id}"),
        (InboundOutcome::Submission | InboundOutcome::Reply, None) => "Filed".to_owned(),
        (InboundOutcome::Triage, _) => "Kept for triage".to_owned(),
        (InboundOutcome::Held, _) => "Waiting for the sender to confirm it".to_owned(),
        (InboundOutcome::Ignored, _) => "Not answered".to_owned(),
        (InboundOutcome::Pledge, _) => "A pledge: see the call's pledges".to_owned(),
        (InboundOutcome::Answered, _) => "Answered by an editor".to_owned(),
        (InboundOutcome::Dismissed, _) => "Set aside by an editor".to_owned(),
    };
    let trust = record.sender_trust.describe(&record.sender);
    InboundRow {
        triage: record.outcome == InboundOutcome::Triage,
        id: record.id,
        received: match call {
            Some(call) => local_time(call, record.received_at),
            None => record
                .received_at
                .strftime("%-d %B %Y, %H:%M UTC")
                .to_string(),
        },
        sender: record.sender,
        trust,
        subject: if record.subject.is_empty() {
            "(no subject)".to_owned()
        } else {
            record.subject
        },
        outcome,
        reason: record.reason,
    }
}

async fn inbound(
    State(state): State<AppState>,
    staff: Staff,
    Extension(csrf): Extension<CsrfToken>,
) -> Result<Response, WebError> {
    staff.require_editor(&state)?;
    let call = &staff.call.call;
    let (triage, others): (Vec<_>, Vec<_>) = state
        .store
        .call_inbound(Some(staff.call.id), INBOUND_ROWS)
        .await?
        .into_iter()
        .partition(|record| {
            matches!(
                record.outcome,
                InboundOutcome::Triage | InboundOutcome::Held
            )
        });
    render(
        InboundPage {
            layout: layout(
                &state,
                &format!("Mail in: {}", call.title),
                &staff.user,
                &csrf,
            ),
            href: console_href(call),
            title: call.title.clone(),
            triage: triage
                .into_iter()
                .map(|record| inbound_row(Some(call), record))
                .collect(),
            others: others
                .into_iter()
                .map(|record| inbound_row(Some(call), record))
                .collect(),
            limit: INBOUND_ROWS,
            unrouted: false,
        },
        StatusCode::OK,
    )
}

/// Mail Docket could tie to no call: only site administrators see it, since it may be about any
/// call (or none), and each call's staff should see only their own.
async fn unrouted(
    State(state): State<AppState>,
    Admin(user): Admin,
    Extension(csrf): Extension<CsrfToken>,
) -> Result<Response, WebError> {
    let (triage, others): (Vec<_>, Vec<_>) = state
        .store
        .call_inbound(None, INBOUND_ROWS)
        .await?
        .into_iter()
        .partition(|record| {
            matches!(
                record.outcome,
                InboundOutcome::Triage | InboundOutcome::Held
            )
        });
    render(
        InboundPage {
            layout: layout(&state, "Mail for no call", &user, &csrf),
            href: "/console".into(),
            title: "Organiser console".into(),
            triage: triage
                .into_iter()
                .map(|record| inbound_row(None, record))
                .collect(),
            others: others
                .into_iter()
                .map(|record| inbound_row(None, record))
                .collect(),
            limit: INBOUND_ROWS,
            unrouted: true,
        },
        StatusCode::OK,
    )
}

async fn unrouted_original(
    State(state): State<AppState>,
    Admin(_): Admin,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    match state.store.call_inbound_message(None, id).await? {
        Some((record, raw)) => Ok(original(record.id, raw)),
        None => Err(WebError::not_found(&state)),
    }
}

/// The message exactly as it came in, as a download: mail is hostile input, so it is never
/// rendered, only handed over as plain text to save or open in a mail client.
async fn inbound_original(
    State(state): State<AppState>,
    staff: Staff,
    Path((_, id)): Path<(String, i64)>,
) -> Result<Response, WebError> {
    staff.require_editor(&state)?;
    let Some((record, raw)) = state
        .store
        .call_inbound_message(Some(staff.call.id), id)
        .await?
    else {
        return Err(WebError::not_found(&state));
    };
    Ok(original(record.id, raw))
}

/// An original message as a plain-text download, never rendered.
fn original(id: i64, raw: Vec<u8>) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/plain; charset=utf-8"),
            ),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_str(&format!("attachment; filename=\"message-{id}.eml\""))
                    .unwrap_or_else(|_| HeaderValue::from_static("attachment")),
            ),
        ],
        raw,
    )
        .into_response()
}

// ---------------------------------------------------------------------------------------------
// Emails

struct LetterRow {
    href: String,
    name: &'static str,
    when: &'static str,
    own: bool,
}

#[derive(Template)]
#[template(path = "console/emails.html")]
struct EmailsPage {
    layout: Layout,
    href: String,
    title: String,
    letters: Vec<LetterRow>,
}

async fn emails(
    State(state): State<AppState>,
    staff: Staff,
    Extension(csrf): Extension<CsrfToken>,
) -> Result<Response, WebError> {
    staff.require_organiser(&state)?;
    let call = &staff.call.call;
    let letterhead = staff.letterhead(&state).await?;
    // Account emails keep Docket's wording: they carry secrets, and are no call's to reword.
    let letters = Letter::ALL
        .into_iter()
        .filter(|letter| !letter.is_account())
        .map(|letter| LetterRow {
            href: format!("{}/emails/{}", console_href(call), letter.key()),
            name: letter.name(),
            when: letter.when(),
            own: letterhead.template(letter).1,
        })
        .collect();
    render(
        EmailsPage {
            layout: layout(
                &state,
                &format!("Emails: {}", call.title),
                &staff.user,
                &csrf,
            ),
            href: console_href(call),
            title: call.title.clone(),
            letters,
        },
        StatusCode::OK,
    )
}

/// A variable for the reference list, written as the organiser would type it.
struct VariableRow {
    usage: String,
    meaning: &'static str,
}

/// The preview of a wording, rendered with sample details.
struct Preview {
    subject: String,
    text: String,
    html: String,
}

#[derive(Template)]
#[template(path = "console/email.html")]
struct EmailPage {
    layout: Layout,
    href: String,
    action: String,
    title: String,
    name: &'static str,
    when: &'static str,
    own: bool,
    notice: Option<String>,
    errors: FormErrors,
    subject: String,
    text: String,
    html: String,
    variables: Vec<VariableRow>,
    preview: Option<Preview>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
struct EmailQuery {
    saved: Option<String>,
    restored: Option<String>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
struct EmailForm {
    csrf: String,
    action: String,
    subject: String,
    text: String,
    html: String,
}

/// Browsers send a textarea's line breaks as CRLF; templates are stored with plain newlines so
/// that what is saved is what the organiser sees.
fn normalise(text: &str) -> String {
    text.replace("\r\n", "\n")
}

fn part_label(part: Part) -> &'static str {
    match part {
        Part::Subject => "Subject",
        Part::Text => "Plain text",
        Part::Html => "HTML",
    }
}

/// Problems as field errors: a message from the template engine ("line 2: uses a variable…")
/// says which part it is in; one already addressed to the organiser ("Enter a subject") is kept.
fn problems_as_errors(problems: &[TemplateProblem]) -> FormErrors {
    let mut errors = FormErrors::default();
    for problem in problems {
        let message = if problem.message.starts_with(char::is_lowercase) {
            format!("{}, {}", part_label(problem.part), problem.message)
        } else {
            problem.message.clone()
        };
        errors.add(problem.part.field(), message);
    }
    errors
}

/// The hash source that lets exactly the inline stylesheet of Docket's mail layout apply inside
/// the preview frame: a `srcdoc` frame inherits this page's CSP, which allows no inline style.
fn layout_style_hash(html: &str) -> Option<String> {
    let start = html.find("<style>")? + "<style>".len();
    let end = start + html[start..].find("</style>")?;
    Some(format!(
        "'sha256-{}'",
        STANDARD.encode(Sha256::digest(&html.as_bytes()[start..end]))
    ))
}

struct EmailContext {
    letter: Letter,
    letterhead: docket_app::mail::Letterhead,
}

async fn email_context(
    state: &AppState,
    staff: &Staff,
    key: &str,
) -> Result<EmailContext, WebError> {
    staff.require_organiser(state)?;
    let letter = Letter::parse(key)
        .filter(|letter| !letter.is_account())
        .ok_or_else(|| WebError::not_found(state))?;
    let letterhead = staff.letterhead(state).await?;
    Ok(EmailContext { letter, letterhead })
}

/// The page for `wording` (as stored or as submitted), with its preview when it renders.
fn email_view(
    state: &AppState,
    staff: &Staff,
    csrf: &CsrfToken,
    context: &EmailContext,
    wording: TemplateText,
    errors: FormErrors,
    notice: Option<String>,
) -> EmailPage {
    let call = &staff.call.call;
    let letter = context.letter;
    let sample = state.mailer.sample(letter, &context.letterhead);
    let preview = letters::render(&wording, &sample)
        .ok()
        .map(|rendered| Preview {
            subject: rendered.subject,
            text: rendered.text,
            html: rendered.html,
        });
    let title = format!("{}: {}", letter.name(), call.title);
    EmailPage {
        layout: layout(
            state,
            &if errors.is_empty() {
                title
            } else {
                format!("Error: {title}")
            },
            &staff.user,
            csrf,
        ),
        href: console_href(call),
        action: format!("{}/emails/{}", console_href(call), letter.key()),
        title: call.title.clone(),
        name: letter.name(),
        when: letter.when(),
        own: context.letterhead.template(letter).1,
        notice,
        errors,
        subject: wording.subject,
        text: wording.text,
        html: wording.html,
        variables: letter
            .variables()
            .into_iter()
            .map(|variable| VariableRow {
                usage: format!("{{{{ {} }}}}", variable.name),
                meaning: variable.meaning,
            })
            .collect(),
        preview,
    }
}

/// Renders the email page with a CSP that also admits the mail layout's own stylesheet, so the
/// preview looks as the email will.
fn email_response(page: EmailPage, status: StatusCode) -> Result<Response, WebError> {
    let style_hash = page
        .preview
        .as_ref()
        .and_then(|preview| layout_style_hash(&preview.html));
    let mut response = render(page, status)?;
    if let Some(hash) = style_hash {
        let policy = crate::security::CONTENT_SECURITY_POLICY
            .replace("style-src 'self'", &format!("style-src 'self' {hash}"));
        if let Ok(value) = HeaderValue::from_str(&policy) {
            response
                .headers_mut()
                .insert(header::CONTENT_SECURITY_POLICY, value);
        }
    }
    Ok(response)
}

async fn email_page(
    State(state): State<AppState>,
    staff: Staff,
    Path((_, key)): Path<(String, String)>,
    Query(query): Query<EmailQuery>,
    Extension(csrf): Extension<CsrfToken>,
) -> Result<Response, WebError> {
    let context = email_context(&state, &staff, &key).await?;
    let (wording, _) = context.letterhead.template(context.letter);
    let notice = if query.saved.is_some() {
        Some("Saved. Docket uses this wording from now on.".to_owned())
    } else if query.restored.is_some() {
        Some("Docket’s own wording is used again.".to_owned())
    } else {
        None
    };
    let page = email_view(
        &state,
        &staff,
        &csrf,
        &context,
        wording,
        FormErrors::default(),
        notice,
    );
    email_response(page, StatusCode::OK)
}

async fn email_action(
    State(state): State<AppState>,
    staff: Staff,
    Path((_, key)): Path<(String, String)>,
    Extension(csrf): Extension<CsrfToken>,
    Form(form): Form<EmailForm>,
) -> Result<Response, WebError> {
    let context = email_context(&state, &staff, &key).await?;
    csrf.verify(&form.csrf)?;
    let letter = context.letter;
    let actor = Actor::User(staff.user.id);
    let here = format!("{}/emails/{}", console_href(&staff.call.call), letter.key());
    if form.action == "restore" {
        state
            .store
            .save_mail_template(staff.call.id, letter.key(), None, &actor, state.clock.now())
            .await?;
        return Ok(Redirect::to(&format!("{here}?restored=1")).into_response());
    }
    let wording = TemplateText {
        subject: normalise(&form.subject),
        text: normalise(&form.text),
        html: normalise(&form.html),
    };
    let sample = state.mailer.sample(letter, &context.letterhead);
    let errors = problems_as_errors(&letters::check(letter, &wording, &sample));
    match form.action.as_str() {
        "save" if errors.is_empty() => {
            state
                .store
                .save_mail_template(
                    staff.call.id,
                    letter.key(),
                    Some(&wording),
                    &actor,
                    state.clock.now(),
                )
                .await?;
            Ok(Redirect::to(&format!("{here}?saved=1")).into_response())
        }
        "save" | "preview" => {
            // Nothing is saved: the form comes back as typed, with what is wrong or the preview.
            let status = if errors.is_empty() {
                StatusCode::OK
            } else {
                StatusCode::BAD_REQUEST
            };
            let notice = (form.action == "preview" && errors.is_empty())
                .then(|| "This is a preview: nothing has been saved yet.".to_owned());
            let page = email_view(&state, &staff, &csrf, &context, wording, errors, notice);
            email_response(page, status)
        }
        _ => Err(WebError::BadRequest(
            "Choose Preview, Save, or Use Docket’s wording.".into(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_style_hash_covers_exactly_the_layout_stylesheet() {
        let html = "<head><style>\nbody { color: red; }\n</style></head>";
        let expected = STANDARD.encode(Sha256::digest(b"\nbody { color: red; }\n"));
        assert_eq!(
            layout_style_hash(html),
            Some(format!("'sha256-{expected}'"))
        );
        assert_eq!(layout_style_hash("<p>no style</p>"), None);
    }

    #[test]
    fn engine_messages_name_their_part_and_people_messages_stay_as_written() {
        let errors = problems_as_errors(&[
            TemplateProblem {
                part: Part::Text,
                message: "line 2: uses a variable this email does not have".into(),
            },
            TemplateProblem {
                part: Part::Subject,
                message: "Enter a subject".into(),
            },
        ]);
        assert_eq!(
            errors.get("text"),
            Some("Plain text, line 2: uses a variable this email does not have")
        );
        assert_eq!(errors.get("subject"), Some("Enter a subject"));
    }

    #[test]
    fn textarea_line_breaks_are_stored_as_newlines() {
        assert_eq!(normalise("a\r\nb\r\n"), "a\nb\n");
    }
}

// ---------------------------------------------------------------------------------------------
// Pledges: who promised what, and whether the piece came

struct PledgeRow {
    id: i64,
    who: String,
    email: String,
    kind: String,
    days: String,
    title: String,
    made: String,
    source: String,
    standing: &'static str,
    open: bool,
    piece: Option<String>,
    note: String,
}

#[derive(Template)]
#[template(path = "console/pledges.html")]
struct PledgesPage {
    layout: Layout,
    href: String,
    title: String,
    notice: Option<String>,
    pledges: Vec<PledgeRow>,
    /// Organisers may nudge one day's pledgers: (ISO date, label) of each themed day.
    nudge_days: Option<Vec<(String, String)>>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
struct PledgesQuery {
    declined: Option<String>,
    nudged: Option<usize>,
}

async fn pledges(
    State(state): State<AppState>,
    staff: Staff,
    Query(query): Query<PledgesQuery>,
    Extension(csrf): Extension<CsrfToken>,
) -> Result<Response, WebError> {
    staff.require_editor(&state)?;
    let call = &staff.call.call;
    let now = state.clock.now();
    let rows = state
        .store
        .call_pledges(staff.call.id)
        .await?
        .into_iter()
        .map(|record| {
            let standing = Standing::of(record.state, record.piece_sent(), call, now);
            PledgeRow {
                id: record.id,
                who: record.pledge.author.clone(),
                email: record.owner_email.clone(),
                kind: record.pledge.kind_name(call),
                days: record
                    .pledge
                    .days
                    .as_ref()
                    .map(|days| days.describe(call))
                    .unwrap_or_default(),
                title: record.pledge.working_title.clone(),
                made: local_time(call, record.created_at),
                source: if record.source == "email" {
                    "Email".to_owned()
                } else {
                    "Web".to_owned()
                },
                standing: standing.label(),
                open: standing == Standing::Promised,
                piece: record.submission_id.map(|id| format!("piece {id}")),
                note: record.note,
            }
        })
        .collect();
    render(
        PledgesPage {
            layout: layout(
                &state,
                &format!("Pledges: {}", call.title),
                &staff.user,
                &csrf,
            ),
            href: console_href(call),
            title: call.title.clone(),
            notice: match (query.declined, query.nudged) {
                (Some(_), _) => Some("The pledge is declined, and its author told.".to_owned()),
                (_, Some(1)) => Some("1 pledger was nudged.".to_owned()),
                (_, Some(n)) => Some(format!("{n} pledgers were nudged.")),
                _ => None,
            },
            pledges: rows,
            nudge_days: staff.is_organiser().then(|| {
                call.days
                    .iter()
                    .map(|day| {
                        (
                            day.date.to_string(),
                            format!(
                                "{}: {}",
                                docket_core::prose_dates::long_date_with_weekday(day.date),
                                day.theme
                            ),
                        )
                    })
                    .collect()
            }),
        },
        StatusCode::OK,
    )
}

#[derive(Debug, Deserialize)]
struct DeclineForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    note: String,
}

async fn decline_pledge(
    State(state): State<AppState>,
    staff: Staff,
    Path((_, id)): Path<(String, i64)>,
    Extension(csrf): Extension<CsrfToken>,
    Form(form): Form<DeclineForm>,
) -> Result<Response, WebError> {
    staff.require_editor(&state)?;
    // Another call's pledge is answered as one that does not exist.
    let record = state
        .store
        .pledge(id)
        .await?
        .filter(|record| record.call_id == staff.call.id)
        .ok_or_else(|| WebError::not_found(&state))?;
    csrf.verify(&form.csrf)?;
    let call = &staff.call.call;
    let note: String = form.note.trim().chars().take(2000).collect();
    let head =
        docket_app::letterhead(state.store.as_ref(), &state.mailer, staff.call.id, call).await?;
    let facts = state.mailer.pledge_facts(call, &record.pledge, id, false);
    let mail = state
        .mailer
        .pledge_declined(&head, &record.owner_email, &facts, &note);
    docket_app::pledges::decline(
        state.store.as_ref(),
        &staff.user,
        &record,
        &note,
        mail,
        state.clock.now(),
    )
    .await?;
    Ok(Redirect::to(&format!("{}/pledges?declined=1", console_href(call))).into_response())
}

#[derive(Debug, Deserialize)]
struct NudgeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    day: String,
}

async fn nudge_pledgers(
    State(state): State<AppState>,
    staff: Staff,
    Extension(csrf): Extension<CsrfToken>,
    Form(form): Form<NudgeForm>,
) -> Result<Response, WebError> {
    staff.require_organiser(&state)?;
    csrf.verify(&form.csrf)?;
    let call = &staff.call.call;
    let Some(day) = form
        .day
        .parse::<jiff::civil::Date>()
        .ok()
        .filter(|date| call.day(*date).is_some())
    else {
        return Err(WebError::BadRequest(
            "Choose one of the call's themed days, then nudge its pledgers again.".into(),
        ));
    };
    let sent = docket_app::pledges::nudge(
        state.store.as_ref(),
        &state.mailer,
        &staff.call,
        day,
        &staff.user,
        state.clock.now(),
    )
    .await?;
    Ok(Redirect::to(&format!("{}/pledges?nudged={sent}", console_href(call))).into_response())
}
