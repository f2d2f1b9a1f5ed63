//! The person's pieces.

use super::*;

pub(super) struct PieceRow {
    pub(super) href: String,
    pub(super) title: String,
    pub(super) call_title: String,
    pub(super) state: &'static str,
    pub(super) late: bool,
    pub(super) kind: String,
    pub(super) days: String,
    pub(super) measure: String,
    pub(super) updated: String,
}

pub(super) struct PledgeRow {
    pub(super) href: String,
    pub(super) what: String,
    pub(super) call_title: String,
    pub(super) days: String,
    pub(super) standing: &'static str,
}

#[derive(Template)]
#[template(path = "submissions/list.html")]
pub(super) struct ListPage {
    pub(super) layout: Layout,
    pub(super) pieces: Vec<PieceRow>,
    pub(super) pledges: Vec<PledgeRow>,
    pub(super) calls: Vec<(String, String)>,
}

pub(super) async fn list(
    State(state): State<AppState>,
    Contributor(user): Contributor,
    Extension(csrf): Extension<CsrfToken>,
) -> Result<Response, WebError> {
    let records = docket_app::pieces::of(state.store.as_ref(), &user).await?;
    let calls = state.store.calls().await?;
    let mut pieces = Vec::new();
    for record in records {
        let Some(stored) = calls.iter().find(|stored| stored.id == record.call_id) else {
            continue;
        };
        let call = &stored.call;
        pieces.push(PieceRow {
            href: format!("/submissions/{}", record.id),
            title: if record.draft.title.is_empty() {
                "Untitled piece".into()
            } else {
                record.draft.title.clone()
            },
            call_title: call.title.clone(),
            state: record.state.label(),
            late: record.late,
            kind: kind_name(call, &record.draft.kind),
            days: days_text(call, &record.draft),
            measure: measure(&record.draft),
            updated: call
                .local(record.updated_at)
                .strftime("%-d %B %Y, %H:%M %Z")
                .to_string(),
        });
    }
    let now = state.clock.now();
    let pledges = state
        .store
        .pledges_of(user.id)
        .await?
        .into_iter()
        .filter_map(|record| {
            let stored = calls.iter().find(|stored| stored.id == record.call_id)?;
            let call = &stored.call;
            let promised = &record.pledge;
            Some(PledgeRow {
                href: format!("/pledges/{}", record.id),
                what: if promised.working_title.is_empty() {
                    promised.kind_name(call)
                } else {
                    format!("{} ({})", promised.working_title, promised.kind_name(call))
                },
                call_title: call.title.clone(),
                days: promised
                    .days
                    .as_ref()
                    .map(|days| days.describe(call))
                    .unwrap_or_default(),
                standing: docket_core::pledge::Standing::of(
                    record.state,
                    record.piece_sent(),
                    call,
                    now,
                )
                .label(),
            })
        })
        .collect();
    let open_calls = calls
        .iter()
        .filter(|stored| {
            !matches!(
                admission(&stored.call, state.clock.now()),
                Admission::Closed(_)
            )
        })
        .map(|stored| {
            (
                stored.call.title.clone(),
                format!("/calls/{}/submit", stored.call.slug),
            )
        })
        .collect();
    // Staff reach their console from here (and from the header link it turns on).
    let staffed = !state.store.staffed_calls(&user.email).await?.is_empty();
    render(
        ListPage {
            layout: Layout {
                console: staffed,
                ..layout(&state, "Your submissions", None, &user, &csrf)
            },
            pieces,
            pledges,
            calls: open_calls,
        },
        StatusCode::OK,
    )
}
