//! The week goes live: placing accepted pieces on the day board, scheduling them, what the board
//! warns about, and the publish job that makes a piece public at its placed time, once.

use std::collections::BTreeMap;

use docket_core::prose_dates::long_date_with_weekday;
use docket_core::submission::SubmissionState;
use docket_core::{Call, SubmissionId};
use docket_mail::Mailer;
use docket_store::{Actor, BoardPiece, PublishOutcome, Store, StoreError, StoredCall};
use jiff::Timestamp;
use jiff::civil::{Date, DateTime};

use crate::editorial::Problem;

/// The longest public address made from a title.
const SLUG_LENGTH: usize = 72;

/// Where an editor puts a piece: a day, the local date and time it goes live, and why it is on a
/// day it was not offered for.
#[derive(Debug, Clone, Default)]
pub struct PlacementInput {
    pub day: Option<Date>,
    /// Local to the call: `2022-11-15T09:00`.
    pub goes_live: Option<DateTime>,
    pub note: String,
}

fn problem(field: &'static str, message: impl Into<String>) -> Problem {
    Problem {
        field,
        message: message.into(),
    }
}

/// The day's label: "Tuesday 15 November 2022 (Harnessing the power of data)".
pub fn day_label(call: &Call, day: Date) -> String {
    match call.day(day) {
        Some(themed) => format!("{} ({})", long_date_with_weekday(day), themed.theme),
        None => long_date_with_weekday(day),
    }
}

/// Checks a placement of `piece` and places it: the day is one of the call's themed days, a day
/// the piece was not offered for needs a note, and the time is a real local time. Without a time,
/// the call's publish time on that day.
pub async fn place(
    store: &dyn Store,
    call: &Call,
    piece: &BoardPiece,
    input: &PlacementInput,
    actor: &Actor,
    now: Timestamp,
) -> Result<Result<(), Vec<Problem>>, StoreError> {
    let mut problems = Vec::new();
    let day = match input.day {
        Some(day) if call.day(day).is_some() => Some(day),
        Some(_) | None => {
            problems.push(problem("day", "Choose one of the week's themed days"));
            None
        }
    };
    let note = input.note.trim();
    if let Some(day) = day
        && !piece
            .offered
            .as_ref()
            .is_some_and(|days| days.includes(day))
        && note.is_empty()
    {
        problems.push(problem(
            "note",
            format!(
                "This piece was not offered for {}: say in the note why it goes there",
                long_date_with_weekday(day)
            ),
        ));
    }
    if note.chars().count() > 500 {
        problems.push(problem("note", "Keep the note under 500 characters"));
    }
    if !matches!(
        piece.state,
        SubmissionState::Accepted | SubmissionState::Scheduled
    ) {
        problems.push(problem(
            "day",
            format!(
                "This piece is {}: only accepted and scheduled pieces can be placed",
                piece.state.label().to_lowercase()
            ),
        ));
    }
    let (Some(day), true) = (day, problems.is_empty()) else {
        return Ok(Err(problems));
    };
    let local = input
        .goes_live
        .unwrap_or_else(|| day.to_datetime(call.week.publish_time));
    let publish_at = call.local_instant(local.date(), local.time());
    store
        .place(piece.id, day, publish_at, note, actor, now)
        .await?;
    Ok(Ok(()))
}

/// Schedules a placed, accepted piece: it goes live at its time. Refused, with what to do, while
/// its copy-edit waits for the author, or when it is not placed.
pub async fn schedule(
    store: &dyn Store,
    piece: &BoardPiece,
    actor: &Actor,
    now: Timestamp,
) -> Result<Result<String, String>, StoreError> {
    if piece.state != SubmissionState::Accepted {
        return Ok(Err(format!(
            "This piece is {}: only an accepted piece can be scheduled",
            piece.state.label().to_lowercase()
        )));
    }
    if piece.day.is_none() || piece.publish_at.is_none() {
        return Ok(Err(
            "Place this piece on a day and a time before scheduling it".into(),
        ));
    }
    if let Some(blocker) = crate::editorial::schedule_blocker(store, piece.id).await? {
        return Ok(Err(blocker));
    }
    let slug = docket_core::text::slugify(&piece.title, SLUG_LENGTH);
    match store.schedule(piece.id, &slug, actor, now).await {
        Ok(slug) => Ok(Ok(slug)),
        Err(StoreError::Conflict(message)) => Ok(Err(message)),
        Err(error) => Err(error),
    }
}

/// The publish job: makes the piece public if it is still scheduled for `at`, and tells each
/// of its authors once, with its public address. Returns what happened, for the job list.
pub async fn publish(
    store: &dyn Store,
    mailer: &Mailer,
    call_id: docket_core::CallId,
    id: SubmissionId,
    at: Timestamp,
    now: Timestamp,
) -> Result<String, String> {
    let database = |error: StoreError| error.to_string();
    let Some(stored) = store.call_by_id(call_id).await.map_err(database)? else {
        return Ok("the call no longer exists".into());
    };
    let Some(record) = store.submission(id).await.map_err(database)? else {
        return Ok("the piece no longer exists".into());
    };
    if record.state != SubmissionState::Scheduled {
        return Ok(format!(
            "not published: the piece is {}",
            record.state.label().to_lowercase()
        ));
    }
    if let Some(blocker) = crate::editorial::schedule_blocker(store, id)
        .await
        .map_err(database)?
    {
        // Tried again with the runner's back-off; the board shows the piece as overdue.
        return Err(format!("not published yet: {blocker}"));
    }
    let Some(placed) = store.board_piece(call_id, id).await.map_err(database)? else {
        return Ok("the piece is no longer on the board".into());
    };
    let (Some(slug), Some(day)) = (&placed.slug, placed.day) else {
        return Ok("not published: the piece has no day or address".into());
    };
    let mails = live_mails(store, mailer, &stored, &record, slug, day)
        .await
        .map_err(database)?;
    match store.publish(id, at, &mails, now).await.map_err(database)? {
        PublishOutcome::Published => Ok(format!("published “{}”", record.draft.title)),
        PublishOutcome::AlreadyPublished => Ok("published already".into()),
        PublishOutcome::Stale => {
            Ok("not published: the piece was moved or taken off the timetable".into())
        }
    }
}

/// "Your piece is live", to the owner and each co-author.
async fn live_mails(
    store: &dyn Store,
    mailer: &Mailer,
    stored: &StoredCall,
    record: &docket_store::SubmissionRecord,
    slug: &str,
    day: Date,
) -> Result<Vec<docket_store::NewMail>, StoreError> {
    let letterhead = crate::letterhead(store, mailer, stored.id, &stored.call).await?;
    let facts = crate::mail::facts_of(
        mailer,
        &stored.call,
        record,
        &format!("/submissions/{}", record.id),
    );
    let url = mailer.link(&piece_path(&stored.call, slug));
    let day = day_label(&stored.call, day);
    Ok(std::iter::once(&record.owner_email)
        .chain(&record.coauthors)
        .map(|to| {
            mailer.live(
                &letterhead,
                to,
                record.id,
                &record.reply_token,
                &facts,
                &url,
                &day,
                stored.call.hashtag.as_deref(),
            )
        })
        .collect())
}

/// `/calls/digital-justice-week-2022/pieces/data-and-the-citizen`.
pub fn piece_path(call: &Call, slug: &str) -> String {
    format!("/calls/{}/pieces/{slug}", call.slug)
}

/// What the board warns an editor about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoardWarning {
    /// The day it concerns, if one.
    pub day: Option<Date>,
    /// The piece it concerns, if one.
    pub piece: Option<SubmissionId>,
    pub message: String,
}

/// The board's warnings: a day over its capacity or empty, one author twice on a day, a piece on a
/// day it was not offered for, a time outside its day, a piece whose copy-edit waits for its
/// author (`blocked`), a scheduled piece whose time has passed.
pub fn warnings(
    call: &Call,
    pieces: &[BoardPiece],
    blocked: &[(SubmissionId, String)],
    now: Timestamp,
) -> Vec<BoardWarning> {
    let zone = call.time_zone.zone();
    let mut out = Vec::new();
    let mut by_day: BTreeMap<Date, Vec<&BoardPiece>> = BTreeMap::new();
    for piece in pieces {
        if let Some(day) = piece.day {
            by_day.entry(day).or_default().push(piece);
        }
    }
    for themed in &call.days {
        let placed = by_day.get(&themed.date).map_or(&[][..], Vec::as_slice);
        let label = long_date_with_weekday(themed.date);
        if placed.is_empty() {
            out.push(BoardWarning {
                day: Some(themed.date),
                piece: None,
                message: format!("{label} has no pieces yet"),
            });
        }
        if let Some(capacity) = call.capacity(themed.date)
            && placed.len() > capacity as usize
        {
            out.push(BoardWarning {
                day: Some(themed.date),
                piece: None,
                message: format!(
                    "{label} has {} pieces and takes {capacity}: move {} to another day",
                    placed.len(),
                    placed.len() - capacity as usize
                ),
            });
        }
        let mut seen: BTreeMap<String, &str> = BTreeMap::new();
        for piece in placed {
            for author in &piece.authors {
                let key = docket_core::search::fold(author);
                if key.is_empty() {
                    continue;
                }
                if let Some(first) = seen.get(&key) {
                    out.push(BoardWarning {
                        day: Some(themed.date),
                        piece: Some(piece.id),
                        message: format!(
                            "{author} is on {label} twice: “{first}” and “{}”",
                            piece.title
                        ),
                    });
                } else {
                    seen.insert(key, &piece.title);
                }
            }
        }
    }
    for piece in pieces {
        let Some(day) = piece.day else {
            if piece.state == SubmissionState::Accepted {
                out.push(BoardWarning {
                    day: None,
                    piece: Some(piece.id),
                    message: format!("“{}” is accepted but on no day yet", piece.title),
                });
            }
            continue;
        };
        if !piece
            .offered
            .as_ref()
            .is_some_and(|days| days.includes(day))
        {
            let why = if piece.note.is_empty() {
                String::new()
            } else {
                format!(" (note: {})", piece.note)
            };
            out.push(BoardWarning {
                day: Some(day),
                piece: Some(piece.id),
                message: format!(
                    "“{}” is on {}, a day it was not offered for{why}",
                    piece.title,
                    long_date_with_weekday(day)
                ),
            });
        }
        if let Some(at) = piece.publish_at {
            let local = at.to_zoned(zone.clone());
            if local.date() != day {
                out.push(BoardWarning {
                    day: Some(day),
                    piece: Some(piece.id),
                    message: format!(
                        "“{}” goes live at {}, outside its day",
                        piece.title,
                        local.strftime("%H:%M on %A %-d %B")
                    ),
                });
            }
            if piece.state == SubmissionState::Scheduled && at < now {
                out.push(BoardWarning {
                    day: Some(day),
                    piece: Some(piece.id),
                    message: format!(
                        "“{}” was due to go live at {} and is not live yet",
                        piece.title,
                        local.strftime("%H:%M on %A %-d %B")
                    ),
                });
            }
        }
    }
    for (id, why) in blocked {
        if let Some(piece) = pieces.iter().find(|piece| piece.id == *id) {
            out.push(BoardWarning {
                day: piece.day,
                piece: Some(*id),
                message: format!("“{}”: {why}", piece.title),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use docket_core::submission::CandidateDays;

    fn call() -> Call {
        let text = r#"
slug = "w"
title = "W"
organiser = "O"
time_zone = "Europe/London"
intro = "i"
guidelines = "g"
[week]
first_day = 2022-11-14
last_day = 2022-11-15
capacity = 1
[deadline]
date = 2022-11-04
time = 12:00
[[days]]
date = 2022-11-14
theme = "A"
[[days]]
date = 2022-11-15
theme = "B"
capacity = 2
[[kinds]]
key = "blog"
name = "Blog"
format = "text"
[[contacts]]
name = "C"
"#;
        let report = docket_core::call_file::check(text);
        report
            .call
            .unwrap_or_else(|| panic!("{:?}", report.diagnostics))
    }

    fn piece(id: i64, title: &str, author: &str, offered: Date, day: Option<Date>) -> BoardPiece {
        BoardPiece {
            id: SubmissionId(id),
            state: SubmissionState::Accepted,
            title: title.into(),
            kind: "blog".into(),
            offered: Some(CandidateDays::Days([offered].into())),
            authors: vec![author.into()],
            owner_email: format!("{id}@example.org"),
            day,
            position: id,
            publish_at: None,
            note: String::new(),
            slug: None,
            published_at: None,
            partner: true,
        }
    }

    #[test]
    fn the_board_warns_of_a_full_day_an_empty_day_an_author_twice_and_an_unoffered_day() {
        let call = call();
        let monday = jiff::civil::date(2022, 11, 14);
        let tuesday = jiff::civil::date(2022, 11, 15);
        let pieces = [
            piece(1, "One", "Ada Lovelace", monday, Some(monday)),
            piece(2, "Two", "Ada Lovelace", monday, Some(monday)),
            piece(3, "Three", "Grace", tuesday, None),
        ];
        let now = "2022-11-01T00:00:00Z"
            .parse()
            .unwrap_or_else(|_| unreachable!());
        let messages: Vec<String> = warnings(&call, &pieces, &[], now)
            .into_iter()
            .map(|warning| warning.message)
            .collect();
        assert!(
            messages.contains(&"Tuesday 15 November 2022 has no pieces yet".to_owned()),
            "{messages:?}"
        );
        assert!(
            messages.contains(
                &"Monday 14 November 2022 has 2 pieces and takes 1: move 1 to another day"
                    .to_owned()
            ),
            "{messages:?}"
        );
        assert!(
            messages.contains(
                &"Ada Lovelace is on Monday 14 November 2022 twice: “One” and “Two”".to_owned()
            ),
            "{messages:?}"
        );
        assert!(
            messages.contains(&"“Three” is accepted but on no day yet".to_owned()),
            "{messages:?}"
        );
        // Tuesday takes two: its own capacity wins over the week's.
        let moved = [
            piece(1, "One", "Ada", monday, Some(tuesday)),
            piece(2, "Two", "Bo", tuesday, Some(tuesday)),
        ];
        let messages: Vec<String> = warnings(&call, &moved, &[], now)
            .into_iter()
            .map(|warning| warning.message)
            .collect();
        assert!(
            !messages.iter().any(|message| message.contains("takes")),
            "{messages:?}"
        );
        assert!(
            messages.contains(
                &"“One” is on Tuesday 15 November 2022, a day it was not offered for".to_owned()
            ),
            "{messages:?}"
        );
    }
}
