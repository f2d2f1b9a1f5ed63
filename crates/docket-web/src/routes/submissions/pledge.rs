//! Pledges on the web: "Tell us you're writing for this day" from the call or a day's page, the
//! pledge's own page, turning it into the piece, filing the emailed message as the piece, and
//! withdrawing it. A pledge is its author's alone: anyone else meets the not-found page.

use docket_core::pledge::{Pledge, PledgeState, Standing};

use super::*;

#[derive(Template)]
#[template(path = "pledges/new.html")]
pub(super) struct PledgePage {
    pub(super) layout: Layout,
    pub(super) errors: FormErrors,
    pub(super) call_title: String,
    pub(super) action: String,
    pub(super) kinds: Vec<KindChoice>,
    pub(super) not_sure: bool,
    pub(super) days: Vec<DayChoice>,
    pub(super) any_day: bool,
    pub(super) title: String,
    pub(super) about: String,
    pub(super) coauthors: String,
    pub(super) organisation: String,
    pub(super) closed: Option<String>,
}

#[derive(Template)]
#[template(path = "pledges/show.html")]
pub(super) struct ShowPledge {
    pub(super) layout: Layout,
    pub(super) id: i64,
    pub(super) call_title: String,
    pub(super) call_href: String,
    pub(super) kind: String,
    pub(super) days: String,
    pub(super) title: String,
    pub(super) about: String,
    pub(super) coauthors: String,
    pub(super) standing: &'static str,
    pub(super) open: bool,
    pub(super) piece: Option<String>,
    /// An emailed pledge's message can be filed as the piece itself.
    pub(super) can_file: bool,
    pub(super) note: String,
    pub(super) notice: Option<String>,
}

/// `?day=2022-11-15`: the day page a contributor came from.
#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub(super) struct PledgeQuery {
    pub(super) day: Option<String>,
    pub(super) done: Option<String>,
}

#[allow(clippy::too_many_arguments)]
fn pledge_page(
    state: &AppState,
    call: &Call,
    user: &User,
    csrf: &CsrfToken,
    errors: FormErrors,
    form: Option<&Pairs>,
    days: Option<&CandidateDays>,
) -> PledgePage {
    let field = |name: &str| {
        form.map(|form| form.get(name).to_owned())
            .unwrap_or_default()
    };
    let kind = field("kind");
    let (days, any_day) = day_choices(call, days);
    PledgePage {
        layout: layout(
            state,
            &format!(
                "{}Tell us you're writing for {}",
                if errors.is_empty() { "" } else { "Error: " },
                call.title
            ),
            Some(call),
            user,
            csrf,
        ),
        errors,
        call_title: call.title.clone(),
        action: format!("/calls/{}/pledge", call.slug),
        kinds: kind_choices(call, &kind),
        not_sure: kind == "not-sure",
        days,
        any_day,
        title: field("title"),
        about: field("about"),
        coauthors: field("coauthors"),
        organisation: field("organisation"),
        closed: closed_message(call, state),
    }
}

pub(super) async fn new_pledge(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Query(query): Query<PledgeQuery>,
    Contributor(user): Contributor,
    Extension(csrf): Extension<CsrfToken>,
) -> Result<Response, WebError> {
    let (_, call) = load_call(&state, &slug).await?;
    let offered = offered_day(&call, query.day.as_deref());
    render(
        pledge_page(
            &state,
            &call,
            &user,
            &csrf,
            FormErrors::default(),
            None,
            offered.as_ref(),
        ),
        StatusCode::OK,
    )
}

pub(super) async fn make_pledge(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Contributor(user): Contributor,
    Extension(csrf): Extension<CsrfToken>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let form = Pairs(form);
    let stored = state
        .store
        .call(&slug)
        .await?
        .ok_or_else(|| WebError::not_found(&state))?;
    let call = &stored.call;
    csrf.verify(form.get("csrf"))?;
    if let Some(message) = closed_message(call, &state) {
        return Err(WebError::Store(StoreError::Conflict(message)));
    }
    let mut errors = FormErrors::default();
    let kind = form.get("kind");
    if kind != "not-sure" && call.kind(kind).is_none() {
        errors.add(
            "kind",
            "Choose what you will send, or \u{201c}Not sure yet\u{201d}",
        );
    }
    let days = match CandidateDays::parse(call, form.get("any_day") == "yes", &form.all("day")) {
        Ok(days) => Some(days),
        Err(message) => {
            errors.add("days", message);
            None
        }
    };
    let title = form.get("title").trim();
    if title.chars().count() > judge::TITLE_MAX_CHARS {
        errors.add(
            "title",
            format!(
                "Shorten the working title to {} characters or fewer",
                judge::TITLE_MAX_CHARS
            ),
        );
    }
    if text::count_words(form.get("about")) > judge::SUMMARY_MAX_WORDS {
        errors.add(
            "about",
            format!(
                "Keep the line about it to {} words or fewer",
                judge::SUMMARY_MAX_WORDS
            ),
        );
    }
    if !errors.is_empty() {
        return render(
            pledge_page(
                &state,
                call,
                &user,
                &csrf,
                errors,
                Some(&form),
                days.as_ref(),
            ),
            StatusCode::BAD_REQUEST,
        );
    }
    let pledge = Pledge {
        kind: (kind != "not-sure").then(|| kind.to_owned()),
        days,
        working_title: title.to_owned(),
        about: form.get("about").trim().to_owned(),
        author: String::new(),
        coauthors: form
            .get("coauthors")
            .split([',', ';', '\n'])
            .map(str::trim)
            .filter(|name| !name.is_empty())
            .take(MAX_AUTHORS)
            .map(str::to_owned)
            .collect(),
        organisation: form.get("organisation").trim().to_owned(),
    };
    let head = docket_app::letterhead(state.store.as_ref(), &state.mailer, stored.id, call).await?;
    let mailer = state.mailer.clone();
    let id = docket_app::pledges::make(
        state.store.as_ref(),
        &user,
        &stored,
        pledge.clone(),
        |id| {
            let facts = mailer.pledge_facts(call, &pledge, id, false);
            // A web pledge is answered without a reply address: its page is the way back.
            Some(mailer.pledge_received(&head, &user.email, id, "", &facts))
        },
        state.clock.now(),
    )
    .await?;
    Ok(Redirect::to(&format!("/pledges/{id}?done=made")).into_response())
}

pub(super) async fn show_pledge(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(query): Query<PledgeQuery>,
    Contributor(user): Contributor,
    Extension(csrf): Extension<CsrfToken>,
) -> Result<Response, WebError> {
    let record = docket_app::pledges::own(state.store.as_ref(), &user, id)
        .await
        .map_err(|_| WebError::not_found(&state))?;
    let stored = state
        .store
        .call_by_id(record.call_id)
        .await?
        .ok_or_else(|| WebError::not_found(&state))?;
    let call = &stored.call;
    let promised = &record.pledge;
    let standing = Standing::of(record.state, record.piece_sent(), call, state.clock.now());
    render(
        ShowPledge {
            layout: layout(&state, "Your pledge", Some(call), &user, &csrf),
            id,
            call_title: call.title.clone(),
            call_href: crate::site::call_href(call),
            kind: promised.kind_name(call),
            days: promised
                .days
                .as_ref()
                .map(|days| days.describe(call))
                .unwrap_or_else(|| "Not chosen yet".to_owned()),
            title: promised.working_title.clone(),
            about: promised.about.clone(),
            coauthors: promised.coauthors.join(", "),
            standing: standing.label(),
            open: record.state == PledgeState::Open
                && !record.piece_sent()
                && standing != Standing::Lapsed,
            piece: record
                .submission_id
                .map(|piece| format!("/submissions/{piece}")),
            can_file: record.source == "email"
                && record.submission_id.is_none()
                && text::count_words(&promised.about) > 0,
            note: record.note.clone(),
            notice: match query.done.as_deref() {
                Some("made") => {
                    Some("Thank you: your pledge is noted, and an email confirms it.".into())
                }
                Some("withdrawn") => Some("Your pledge is withdrawn.".into()),
                _ => None,
            },
        },
        StatusCode::OK,
    )
}

/// Turns the pledge into its piece ("start"), or files the emailed message as the piece
/// ("file"), and opens the piece to edit.
async fn to_piece(
    state: &AppState,
    user: &User,
    id: i64,
    csrf: &CsrfToken,
    form: &CsrfOnly,
    from_message: bool,
) -> Result<Response, WebError> {
    let record = docket_app::pledges::own(state.store.as_ref(), user, id)
        .await
        .map_err(|_| WebError::not_found(state))?;
    csrf.verify(&form.csrf)?;
    let stored = state
        .store
        .call_by_id(record.call_id)
        .await?
        .ok_or_else(|| WebError::not_found(state))?;
    if let Some(message) = closed_message(&stored.call, state) {
        return Err(WebError::Store(StoreError::Conflict(message)));
    }
    let piece = docket_app::pledges::start_piece(
        state.store.as_ref(),
        user,
        &stored.call,
        &record,
        from_message,
        state.clock.now(),
    )
    .await?;
    Ok(Redirect::to(&format!("/submissions/{piece}/edit")).into_response())
}

pub(super) async fn start_from_pledge(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Contributor(user): Contributor,
    Extension(csrf): Extension<CsrfToken>,
    Form(form): Form<CsrfOnly>,
) -> Result<Response, WebError> {
    to_piece(&state, &user, id, &csrf, &form, false).await
}

pub(super) async fn file_pledge_message(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Contributor(user): Contributor,
    Extension(csrf): Extension<CsrfToken>,
    Form(form): Form<CsrfOnly>,
) -> Result<Response, WebError> {
    to_piece(&state, &user, id, &csrf, &form, true).await
}

pub(super) async fn withdraw_pledge(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Contributor(user): Contributor,
    Extension(csrf): Extension<CsrfToken>,
    Form(form): Form<CsrfOnly>,
) -> Result<Response, WebError> {
    let record = docket_app::pledges::own(state.store.as_ref(), &user, id)
        .await
        .map_err(|_| WebError::not_found(&state))?;
    csrf.verify(&form.csrf)?;
    docket_app::pledges::withdraw(state.store.as_ref(), &user, &record, state.clock.now()).await?;
    Ok(Redirect::to(&format!("/pledges/{id}?done=withdrawn")).into_response())
}
