//! Starting a piece for a call: choose its kind and days.

use super::*;

#[derive(Template)]
#[template(path = "submissions/start.html")]
pub(super) struct StartPage {
    pub(super) layout: Layout,
    pub(super) errors: FormErrors,
    pub(super) call_title: String,
    pub(super) action: String,
    pub(super) kinds: Vec<KindChoice>,
    pub(super) days: Vec<DayChoice>,
    pub(super) any_day: bool,
    pub(super) closed: Option<String>,
    pub(super) late_note: bool,
}

/// `?day=2022-11-15`: the day page a contributor came from.
#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub(super) struct StartQuery {
    pub(super) day: Option<String>,
}

pub(super) async fn start_page(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Query(query): Query<StartQuery>,
    Contributor(user): Contributor,
    Extension(csrf): Extension<CsrfToken>,
) -> Result<Response, WebError> {
    let (_, call) = load_call(&state, &slug).await?;
    // Offered from a day's page: that day is chosen (any other value is ignored).
    let offered = offered_day(&call, query.day.as_deref());
    let (days, any_day) = day_choices(&call, offered.as_ref());
    render(
        StartPage {
            layout: layout(
                &state,
                &format!("Send a piece to {}", call.title),
                Some(&call),
                &user,
                &csrf,
            ),
            errors: FormErrors::default(),
            call_title: call.title.clone(),
            action: format!("/calls/{slug}/submit"),
            kinds: kind_choices(&call, ""),
            days,
            any_day,
            closed: closed_message(&call, &state),
            late_note: admission(&call, state.clock.now()) == Admission::Late,
        },
        StatusCode::OK,
    )
}

pub(super) async fn start(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Contributor(user): Contributor,
    Extension(csrf): Extension<CsrfToken>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let form = Pairs(form);
    // Who may do it first, then whether the form is genuine: every route answers one way to
    // everyone it is not for, whatever they send.
    let (call_id, call) = load_call(&state, &slug).await?;
    csrf.verify(form.get("csrf"))?;
    if let Some(message) = closed_message(&call, &state) {
        return Err(WebError::Store(StoreError::Conflict(message)));
    }
    let mut errors = FormErrors::default();
    let kind = form.get("kind");
    if call.kind(kind).is_none() {
        errors.add("kind", "Choose what you are sending");
    }
    let days = match CandidateDays::parse(&call, form.get("any_day") == "yes", &form.all("day")) {
        Ok(days) => Some(days),
        Err(message) => {
            errors.add("days", message);
            None
        }
    };
    if !errors.is_empty() {
        let (mut choices, any_day) = day_choices(&call, days.as_ref());
        let chosen = form.all("day");
        for choice in &mut choices {
            choice.checked = chosen.contains(&choice.iso);
        }
        return render(
            StartPage {
                layout: layout(
                    &state,
                    &format!("Error: Send a piece to {}", call.title),
                    Some(&call),
                    &user,
                    &csrf,
                ),
                errors,
                call_title: call.title.clone(),
                action: format!("/calls/{slug}/submit"),
                kinds: kind_choices(&call, kind),
                days: choices,
                any_day,
                closed: None,
                late_note: false,
            },
            StatusCode::BAD_REQUEST,
        );
    }
    let piece = Piece {
        kind: kind.to_owned(),
        days,
        authors: vec![Author::default()],
        ..Piece::default()
    };
    let id = state
        .store
        .create_draft(call_id, &user, &piece, state.clock.now())
        .await?;
    Ok(Redirect::to(&format!("/submissions/{id}/edit")).into_response())
}
