//! The demo mailbox: in the demo no mail leaves the machine, so every queued email is readable
//! here (linked from the demo banner). Outside the demo these routes answer 404.

use askama::Template;
use axum::extract::{Extension, Path, State};
use axum::response::Html;

use crate::auth::MaybeUser;
use crate::csrf::CsrfToken;
use crate::site::Layout;
use crate::{AppState, Route, WebError};

/// `/demo/mailbox` and one message in it.
pub fn routes() -> Vec<Route> {
    vec![
        Route::get("/demo/mailbox", mailbox),
        Route::get("/demo/mailbox/{id}", message),
        Route::get("/demo/clock", clock_page),
        Route::post("/demo/clock", jump),
    ]
}

/// One message in the list.
struct MailRow {
    id: i64,
    to: String,
    subject: String,
    when: String,
}

/// A sample member of staff, with the code their authenticator app would show now.
struct SampleStaff {
    email: String,
    role: String,
    code: String,
}

#[derive(Template)]
#[template(path = "demo/mailbox.html")]
struct MailboxPage {
    layout: Layout,
    mails: Vec<MailRow>,
    staff: Vec<SampleStaff>,
    password: String,
    /// Seconds the codes shown stay current.
    seconds_left: u64,
}

/// The sample staff the demo loaded (site setting `demo_people`), each with their current TOTP
/// code by the wall clock, as their app would show it.
async fn sample_staff(state: &AppState) -> Result<(Vec<SampleStaff>, String), WebError> {
    let Some(setting) = state.store.site_setting("demo_people").await? else {
        return Ok((Vec::new(), String::new()));
    };
    let people: serde_json::Value = serde_json::from_str(&setting).unwrap_or_default();
    let password = people["password"].as_str().unwrap_or_default().to_owned();
    let mut staff = Vec::new();
    for person in people["staff"].as_array().into_iter().flatten() {
        let email = person["email"].as_str().unwrap_or_default();
        let Some(user) = state.store.user_by_email(email).await? else {
            continue;
        };
        let secret = state.store.two_factor(user.id).await?.secret;
        let code = secret
            .and_then(|secret| {
                docket_app::two_factor::code_at(
                    &secret,
                    docket_app::two_factor::wall_clock_seconds(),
                )
            })
            .unwrap_or_default();
        staff.push(SampleStaff {
            email: email.to_owned(),
            role: person["role"].as_str().unwrap_or_default().to_owned(),
            code,
        });
    }
    Ok((staff, password))
}

#[derive(Template)]
#[template(path = "demo/message.html")]
struct MessagePage {
    layout: Layout,
    to: String,
    subject: String,
    when: String,
    /// The plain text in pieces; links are made clickable.
    segments: Vec<Segment>,
}

/// A run of mail text, or a link in it.
struct Segment {
    text: String,
    link: bool,
}

fn segments(text: &str) -> Vec<Segment> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest
        .find("http://")
        .into_iter()
        .chain(rest.find("https://"))
        .min()
    {
        let (before, from) = rest.split_at(start);
        let end = from.find(char::is_whitespace).unwrap_or(from.len());
        out.push(Segment {
            text: before.to_owned(),
            link: false,
        });
        out.push(Segment {
            text: from[..end].to_owned(),
            link: true,
        });
        rest = &from[end..];
    }
    out.push(Segment {
        text: rest.to_owned(),
        link: false,
    });
    out
}

fn demo_only(state: &AppState) -> Result<(), WebError> {
    if state.config.demo {
        Ok(())
    } else {
        Err(WebError::not_found(state))
    }
}

fn shown(at: jiff::Timestamp) -> String {
    at.strftime("%-d %B %Y, %H:%M UTC").to_string()
}

async fn mailbox(
    State(state): State<AppState>,
    visitor: MaybeUser,
    Extension(csrf): Extension<CsrfToken>,
) -> Result<Html<String>, WebError> {
    demo_only(&state)?;
    let mails = state
        .store
        .outbox(200)
        .await?
        .into_iter()
        .map(|row| MailRow {
            id: row.id,
            to: row.mail.to,
            subject: row.mail.subject,
            when: shown(row.created_at),
        })
        .collect();
    let layout = Layout::new("Demo mailbox", state.clock.as_ref(), None).for_visitor(
        visitor.0.as_ref(),
        &csrf,
        true,
    );
    let (staff, password) = sample_staff(&state).await?;
    Ok(Html(
        MailboxPage {
            layout,
            mails,
            staff,
            password,
            seconds_left: 30 - docket_app::two_factor::wall_clock_seconds() % 30,
        }
        .render()?,
    ))
}

async fn message(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    visitor: MaybeUser,
    Extension(csrf): Extension<CsrfToken>,
) -> Result<Html<String>, WebError> {
    demo_only(&state)?;
    let row = state
        .store
        .outbox(10_000)
        .await?
        .into_iter()
        .find(|row| row.id == id);
    let Some(row) = row else {
        return Err(WebError::not_found(&state));
    };
    let layout = Layout::new(&row.mail.subject, state.clock.as_ref(), None).for_visitor(
        visitor.0.as_ref(),
        &csrf,
        true,
    );
    Ok(Html(
        MessagePage {
            layout,
            to: row.mail.to,
            subject: row.mail.subject,
            when: shown(row.created_at),
            segments: segments(&row.mail.text),
        }
        .render()?,
    ))
}

#[derive(Template)]
#[template(path = "demo/clock.html")]
struct ClockPage {
    layout: Layout,
    now: String,
    zone: String,
    /// (value, label): the themed days' publish times still ahead.
    moments: Vec<(String, String)>,
    value: String,
    errors: crate::forms::FormErrors,
    notice: Option<String>,
}

#[derive(Debug, serde::Deserialize, Default)]
#[serde(default)]
struct JumpForm {
    csrf: String,
    to: String,
}

#[derive(Debug, serde::Deserialize, Default)]
#[serde(default)]
struct NoticeQuery {
    notice: String,
}

/// The demo's call (the first), whose zone and days the page offers.
async fn demo_call(state: &AppState) -> Result<Option<docket_core::Call>, WebError> {
    Ok(state
        .store
        .calls()
        .await?
        .into_iter()
        .next()
        .map(|stored| stored.call))
}

async fn show_clock(
    state: &AppState,
    visitor: &MaybeUser,
    csrf: &CsrfToken,
    errors: crate::forms::FormErrors,
    value: String,
    notice: Option<String>,
) -> Result<axum::response::Response, WebError> {
    let zone = state.clock.zone().unwrap_or(jiff::tz::TimeZone::UTC);
    let now = state.clock.now();
    let call = demo_call(state).await?;
    let moments = call
        .iter()
        .flat_map(|call| {
            call.days.iter().map(move |day| {
                let at = call.local_instant(day.date, call.week.publish_time);
                (at, day.date, call.week.publish_time, day.theme.clone())
            })
        })
        .filter(|(at, ..)| *at > now)
        .map(|(_, date, time, theme)| {
            (
                date.to_datetime(time)
                    .strftime("%Y-%m-%dT%H:%M")
                    .to_string(),
                format!(
                    "{} {}, {theme}",
                    date.strftime("%A %-d %B"),
                    time.strftime("%H:%M")
                ),
            )
        })
        .collect();
    let status = if errors.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::BAD_REQUEST
    };
    let layout = Layout::new(
        if errors.is_empty() {
            "Move the demo's clock"
        } else {
            "Error: Move the demo's clock"
        },
        state.clock.as_ref(),
        None,
    )
    .for_visitor(visitor.0.as_ref(), csrf, true);
    crate::render(
        ClockPage {
            layout,
            now: now
                .to_zoned(zone.clone())
                .strftime("%A %-d %B %Y, %H:%M")
                .to_string(),
            zone: zone.iana_name().unwrap_or("UTC").to_owned(),
            moments,
            value,
            errors,
            notice,
        },
        status,
    )
}

async fn clock_page(
    State(state): State<AppState>,
    visitor: MaybeUser,
    axum::extract::Query(query): axum::extract::Query<NoticeQuery>,
    Extension(csrf): Extension<CsrfToken>,
) -> Result<axum::response::Response, WebError> {
    demo_only(&state)?;
    let notice = (!query.notice.is_empty()).then_some(query.notice);
    show_clock(
        &state,
        &visitor,
        &csrf,
        crate::forms::FormErrors::default(),
        String::new(),
        notice,
    )
    .await
}

/// Moves the demo's clock forward and runs the jobs that fell due on the way.
async fn jump(
    State(state): State<AppState>,
    visitor: MaybeUser,
    Extension(csrf): Extension<CsrfToken>,
    axum::Form(form): axum::Form<JumpForm>,
) -> Result<axum::response::Response, WebError> {
    use axum::response::IntoResponse as _;
    demo_only(&state)?;
    csrf.verify(&form.csrf)?;
    let zone = state.clock.zone().unwrap_or(jiff::tz::TimeZone::UTC);
    let mut errors = crate::forms::FormErrors::default();
    let to = match form.to.trim().parse::<jiff::civil::DateTime>() {
        Ok(local) => match local.to_zoned(zone) {
            Ok(zoned) => Some(zoned.timestamp()),
            Err(_) => None,
        },
        Err(_) => None,
    };
    match to {
        None => errors.add("to", "Enter a date and time, such as 2022-11-15 09:00"),
        Some(to) => {
            if let Err(why) = state.clock.jump_to(to) {
                errors.add("to", why);
            }
        }
    }
    if !errors.is_empty() {
        return show_clock(&state, &visitor, &csrf, errors, form.to, None).await;
    }
    let done = docket_app::jobs::run_once(
        state.store.as_ref(),
        state.clock.as_ref(),
        &state.mailer,
        &docket_app::jobs::RunnerSettings::default(),
    )
    .await?;
    let notice = match done.len() {
        0 => "The clock moved. No job was due on the way.".to_owned(),
        1 => "The clock moved, and 1 job that fell due ran.".to_owned(),
        n => format!("The clock moved, and {n} jobs that fell due ran."),
    };
    let query = serde_urlencoded::to_string([("notice", notice)]).unwrap_or_default();
    Ok(axum::response::Redirect::to(&format!("/demo/clock?{query}")).into_response())
}
