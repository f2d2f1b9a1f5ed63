//! The contributor's pieces: start one for a call, draft it (pasted or uploaded), preview it as it
//! will be published, submit it, change it (each change a new revision), withdraw it, invite
//! co-authors. Every route answers 404 for a piece the person may not see.

use askama::Template;
use axum::Form;
use axum::extract::{DefaultBodyLimit, Extension, Multipart, Path, Query, State};
use axum::http::Method;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::post;
use docket_app::mail::{Letterhead, measure};
use docket_core::call::human_bytes;
use docket_core::submission::{
    Admission, AssetRef, Author, CandidateDays, LimitCheck, Piece, SubmissionState, Transition,
    admission,
};
use docket_core::{Call, Format, markdown, text};
use docket_documents::{FileType, Limits as FileLimits};
use docket_store::{NewAsset, StoreError, SubmissionRecord, User};
use serde::Deserialize;

use crate::auth::Contributor;
use crate::csrf::{CsrfOnly, CsrfToken};
use crate::forms::FormErrors;
use crate::site::Layout;
use crate::{AppState, Route, WebError};

/// At most this many authors on one piece.
const MAX_AUTHORS: usize = 8;
/// At most this many co-authors may be invited to one piece.
const MAX_COAUTHORS: usize = 10;
/// At most this many invitations one person may send in an hour, whatever the piece: an
/// invitation is an email Docket sends to an address someone typed.
const INVITATIONS_PER_HOUR: i64 = 10;
/// A summary is short: refused above this many words.
const SUMMARY_MAX_WORDS: usize = 100;
/// A bio is short: refused above this many words.
const BIO_MAX_WORDS: usize = 150;
/// Headshots are small images.
const HEADSHOT_MAX_BYTES: u64 = 5 * 1024 * 1024;

/// Routes for pieces.
pub fn routes(max_upload_bytes: usize) -> Vec<Route> {
    vec![
        Route::get("/calls/{slug}/submit", start_page),
        Route::post("/calls/{slug}/submit", start),
        Route::get("/submissions", list),
        Route::get("/submissions/{id}", show),
        Route::get("/submissions/{id}/edit", edit_page),
        Route::new(
            Method::POST,
            "/submissions/{id}/edit",
            post(edit).layer(DefaultBodyLimit::max(max_upload_bytes)),
        ),
        Route::get("/submissions/{id}/preview", preview),
        Route::get("/submissions/{id}/revisions/{number}", revision),
        Route::post("/submissions/{id}/withdraw", withdraw),
        Route::post("/submissions/{id}/coauthors", invite),
        Route::get("/submissions/{id}/files/{asset}", file),
    ]
}

fn layout(
    state: &AppState,
    title: &str,
    call: Option<&Call>,
    user: &User,
    csrf: &CsrfToken,
) -> Layout {
    Layout::new(title, state.clock.as_ref(), call).for_visitor(Some(user), csrf, state.config.demo)
}

async fn load_call(state: &AppState, slug: &str) -> Result<(i64, Call), WebError> {
    match state.store.call(slug).await? {
        Some(stored) => Ok((stored.id, stored.call)),
        None => Err(WebError::not_found(state)),
    }
}

async fn load_piece(
    state: &AppState,
    id: i64,
    user: &User,
) -> Result<(SubmissionRecord, Call), WebError> {
    let record = docket_app::pieces::visible(state.store.as_ref(), user, id)
        .await?
        .ok_or_else(|| WebError::not_found(state))?;
    let (_, call) = load_call(state, &record.call_slug).await?;
    Ok((record, call))
}

/// The letterhead for mail about a piece of `call` (already loaded with the piece), in the
/// call's own wording.
async fn letterhead_of(
    state: &AppState,
    record: &SubmissionRecord,
    call: &Call,
) -> Result<Letterhead, WebError> {
    Ok(docket_app::letterhead(state.store.as_ref(), &state.mailer, record.call_id, call).await?)
}

fn render(template: impl Template, status: StatusCode) -> Result<Response, WebError> {
    Ok((status, Html(template.render()?)).into_response())
}

/// "Friday 18 November 2022 (Emerging technology)" choices for the day checkboxes.
struct DayChoice {
    iso: String,
    label: String,
    checked: bool,
}

struct KindChoice {
    key: String,
    label: String,
    hint: String,
    checked: bool,
}

fn day_choices(call: &Call, days: Option<&CandidateDays>) -> (Vec<DayChoice>, bool) {
    let any = matches!(days, Some(CandidateDays::AnyDay));
    let choices = call
        .days
        .iter()
        .map(|day| DayChoice {
            iso: day.date.to_string(),
            label: format!(
                "{}: {}",
                docket_core::prose_dates::long_date_with_weekday(day.date),
                day.theme
            ),
            checked: matches!(days, Some(CandidateDays::Days(dates)) if dates.contains(&day.date)),
        })
        .collect();
    (choices, any)
}

fn kind_choices(call: &Call, chosen: &str) -> Vec<KindChoice> {
    call.kinds
        .iter()
        .map(|kind| KindChoice {
            key: kind.key.to_string(),
            label: kind.name.clone(),
            hint: [kind.description.clone(), kind.limits.describe()]
                .into_iter()
                .filter(|part| !part.is_empty())
                .collect::<Vec<_>>()
                .join(" "),
            checked: kind.key.as_str() == chosen,
        })
        .collect()
}

fn closed_message(call: &Call, state: &AppState) -> Option<String> {
    match admission(call, state.clock.now()) {
        Admission::Closed(message) => Some(message),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------------
// Starting a piece

#[derive(Template)]
#[template(path = "submissions/start.html")]
struct StartPage {
    layout: Layout,
    errors: FormErrors,
    call_title: String,
    action: String,
    kinds: Vec<KindChoice>,
    days: Vec<DayChoice>,
    any_day: bool,
    closed: Option<String>,
    late_note: bool,
}

async fn start_page(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Contributor(user): Contributor,
    Extension(csrf): Extension<CsrfToken>,
) -> Result<Response, WebError> {
    let (_, call) = load_call(&state, &slug).await?;
    let (days, any_day) = day_choices(&call, None);
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

/// A form whose checkboxes may repeat a name (`day=…&day=…`), read as pairs.
struct Pairs(Vec<(String, String)>);

impl Pairs {
    fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(key, _)| key == name)
            .map_or("", |(_, value)| value.as_str())
    }

    fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
            .collect()
    }
}

async fn start(
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

// ---------------------------------------------------------------------------------------------
// Listing and showing

struct PieceRow {
    href: String,
    title: String,
    call_title: String,
    state: &'static str,
    late: bool,
    kind: String,
    days: String,
    measure: String,
    updated: String,
}

#[derive(Template)]
#[template(path = "submissions/list.html")]
struct ListPage {
    layout: Layout,
    pieces: Vec<PieceRow>,
    calls: Vec<(String, String)>,
}

fn kind_name(call: &Call, key: &str) -> String {
    call.kind(key)
        .map_or_else(|| key.to_owned(), |kind| kind.name.clone())
}

fn days_text(call: &Call, piece: &Piece) -> String {
    piece
        .days
        .as_ref()
        .map_or_else(|| "Not chosen".to_owned(), |days| days.describe(call))
}

async fn list(
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
            calls: open_calls,
        },
        StatusCode::OK,
    )
}

struct RevisionRow {
    href: String,
    number: i64,
    when: String,
    by: String,
    late: bool,
    measure: String,
}

#[derive(Template)]
#[template(path = "submissions/show.html")]
struct ShowPage {
    layout: Layout,
    id: i64,
    title: String,
    call_title: String,
    call_href: String,
    state: &'static str,
    late: bool,
    kind: String,
    days: String,
    measure: String,
    editable: bool,
    withdrawable: bool,
    owner: bool,
    coauthors: Vec<String>,
    revisions: Vec<RevisionRow>,
    notice: Option<String>,
    unsent_changes: bool,
    errors: FormErrors,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
struct ShowQuery {
    submitted: Option<i64>,
    withdrawn: Option<String>,
    invited: Option<String>,
}

async fn show(
    State(state): State<AppState>,
    Path(id): Path<i64>,
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
    } else {
        query
            .invited
            .map(|email| format!("We have invited {email} to co-author this piece."))
    };
    render(ShowPage { notice, ..page }, StatusCode::OK)
}

async fn show_page(
    state: &AppState,
    id: i64,
    user: &User,
    csrf: &CsrfToken,
    errors: FormErrors,
) -> Result<ShowPage, WebError> {
    let (record, call) = load_piece(state, id, user).await?;
    let revisions = docket_app::pieces::revisions(state.store.as_ref(), user, id).await?;
    let unsent_changes = revisions
        .last()
        .is_some_and(|last| last.piece != record.draft)
        || (revisions.is_empty() && record.state == SubmissionState::Draft);
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
        editable: record.state.editable_by_contributor() && closed_message(&call, state).is_none(),
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
    })
}

// ---------------------------------------------------------------------------------------------
// Editing

struct AuthorFields {
    index: usize,
    number: usize,
    author: Author,
}

#[derive(Template)]
#[template(path = "submissions/edit.html")]
struct EditPage {
    layout: Layout,
    errors: FormErrors,
    warnings: Vec<String>,
    notice: Option<String>,
    id: i64,
    call_title: String,
    state: SubmissionState,
    format: Format,
    kinds: Vec<KindChoice>,
    days: Vec<DayChoice>,
    any_day: bool,
    piece: Piece,
    authors: Vec<AuthorFields>,
    limits: String,
    word_count: usize,
    accept: &'static str,
    max_file: String,
    closed: Option<String>,
}

#[expect(
    clippy::too_many_arguments,
    reason = "one page view from the parts every edit handler already holds"
)]
fn edit_view(
    state: &AppState,
    record: &SubmissionRecord,
    call: &Call,
    piece: &Piece,
    user: &User,
    csrf: &CsrfToken,
    errors: FormErrors,
    warnings: Vec<String>,
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
            Format::Text => ".docx,.odt,.md,.txt,.html,.htm",
            Format::Document => ".pdf,application/pdf",
            Format::Audio => ".mp3,.m4a,.ogg,.oga,.opus,.wav,audio/*",
        },
        max_file: human_bytes(upload_limit(kind)),
        closed: closed_message(call, state),
    }
}

fn upload_limit(kind: Option<&docket_core::Kind>) -> u64 {
    kind.and_then(|kind| kind.limits.bytes.and_then(|bytes| bytes.refuse_above()))
        .unwrap_or(FileLimits::default().max_bytes)
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
struct EditQuery {
    saved: Option<String>,
}

async fn edit_page(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(query): Query<EditQuery>,
    Contributor(user): Contributor,
    Extension(csrf): Extension<CsrfToken>,
) -> Result<Response, WebError> {
    let (record, call) = load_piece(&state, id, &user).await?;
    if !record.state.editable_by_contributor() {
        return Ok(Redirect::to(&format!("/submissions/{id}")).into_response());
    }
    let piece = record.draft.clone();
    let warnings = judge(&call, &piece).1;
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

/// An uploaded file, read whole (the body limit has already bounded it).
struct Upload {
    field: String,
    name: String,
    bytes: Vec<u8>,
}

/// Reads the multipart form: text fields as pairs, files apart.
async fn read_form(mut multipart: Multipart) -> Result<(Pairs, Vec<Upload>), WebError> {
    let mut fields = Vec::new();
    let mut uploads = Vec::new();
    let bad = |error: axum::extract::multipart::MultipartError| {
        WebError::BadRequest(format!(
            "The form could not be read ({}). Go back and send it again.",
            error.body_text()
        ))
    };
    while let Some(field) = multipart.next_field().await.map_err(bad)? {
        let name = field.name().unwrap_or_default().to_owned();
        match field.file_name().map(str::to_owned) {
            Some(file_name) => {
                let bytes = field.bytes().await.map_err(bad)?;
                if !bytes.is_empty() {
                    uploads.push(Upload {
                        field: name,
                        name: clean_name(&file_name),
                        bytes: bytes.to_vec(),
                    });
                }
            }
            None => {
                let value = field.text().await.map_err(bad)?;
                fields.push((name, value));
            }
        }
    }
    Ok((Pairs(fields), uploads))
}

/// A file name for people to recognise their file by: no path, no control characters, short.
/// It is only ever shown; files are stored by id and downloaded under a name Docket makes.
fn clean_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = base.chars().filter(|c| !c.is_control()).take(120).collect();
    if cleaned.trim().is_empty() {
        "upload".into()
    } else {
        cleaned.trim().to_owned()
    }
}

/// Reads the text fields of the edit form into a piece, keeping what the form does not carry.
fn piece_from_form(call: &Call, form: &Pairs, previous: &Piece, errors: &mut FormErrors) -> Piece {
    let mut piece = previous.clone();
    let kind = form.get("kind");
    if call.kind(kind).is_some() {
        piece.kind = kind.to_owned();
    }
    match CandidateDays::parse(call, form.get("any_day") == "yes", &form.all("day")) {
        Ok(days) => piece.days = Some(days),
        Err(message) => {
            piece.days = None;
            errors.add("days", message);
        }
    }
    piece.title = form.get("title").trim().chars().take(300).collect();
    piece.summary = form.get("summary").trim().to_owned();
    piece.body = form.get("body").replace("\r\n", "\n");
    // Checked on every save, not only on submit: a stored link is always a web address.
    let link = form.get("link").trim();
    if link.is_empty() {
        piece.link = None;
    } else {
        match docket_core::submission::parse_link(link) {
            Ok(link) => piece.link = Some(link),
            Err(message) => errors.add("link", message),
        }
    }
    let mut authors = Vec::new();
    for index in 0..MAX_AUTHORS {
        let field = |name: &str| {
            form.get(&format!("author_{name}_{index}"))
                .trim()
                .to_owned()
        };
        let author = Author {
            name: field("name"),
            role: field("role"),
            organisation: field("organisation"),
            bio: field("bio"),
        };
        let present = form
            .0
            .iter()
            .any(|(key, _)| key == &format!("author_name_{index}"));
        if present && (form.get(&format!("remove_author_{index}")) != "yes") {
            authors.push(author);
        }
    }
    if form.get("action") == "add_author" && authors.len() < MAX_AUTHORS {
        authors.push(Author::default());
    }
    if authors.is_empty() {
        authors.push(Author::default());
    }
    piece.authors = authors;
    piece
}

/// Stores an upload after checking it, and puts what it holds into the piece.
async fn take_upload(
    state: &AppState,
    call: &Call,
    user: &User,
    upload: Upload,
    piece: &mut Piece,
    errors: &mut FormErrors,
) -> Result<(), WebError> {
    let field = if upload.field == "headshot" {
        "headshot"
    } else {
        "document"
    };
    let kind = call.kind(&piece.kind);
    let max = if field == "headshot" {
        HEADSHOT_MAX_BYTES
    } else {
        upload_limit(kind)
    };
    if upload.bytes.len() as u64 > max {
        errors.add(field, format!("The file is {}: the most this form takes is {}. Make it smaller, or paste the text instead", human_bytes(upload.bytes.len() as u64), human_bytes(max)));
        return Ok(());
    }
    let bytes = upload.bytes;
    let name = upload.name;
    if field == "headshot" {
        let checked = tokio::task::spawn_blocking({
            let bytes = bytes.clone();
            move || docket_documents::check_image(&bytes)
        })
        .await
        .map_err(|error| WebError::Internal(error.to_string()))?;
        match checked {
            Ok(info) => {
                let asset = store_asset(state, user, &name, info.file_type, bytes, None).await?;
                piece.headshot = Some(asset);
            }
            Err(error) => errors.add("headshot", error.user_message()),
        }
        return Ok(());
    }
    let format = kind.map_or(Format::Text, |kind| kind.format);
    let limits = FileLimits {
        max_bytes: max,
        ..FileLimits::default()
    };
    let extracted = tokio::task::spawn_blocking({
        let bytes = bytes.clone();
        let name = name.clone();
        move || docket_documents::extract(&bytes, Some(&name), &limits)
    })
    .await
    .map_err(|error| WebError::Internal(error.to_string()))?;
    let extracted = match extracted {
        Ok(extracted) => extracted,
        Err(error) => {
            errors.add("document", error.user_message());
            return Ok(());
        }
    };
    let file_type = extracted.file_type;
    let fits = match format {
        Format::Text => matches!(
            file_type,
            FileType::Docx
                | FileType::Odt
                | FileType::Rtf
                | FileType::Markdown
                | FileType::PlainText
                | FileType::Html
        ),
        Format::Document => file_type == FileType::Pdf,
        Format::Audio => file_type.is_audio(),
    };
    if !fits {
        let wanted = match format {
            Format::Text => {
                "a Word (.docx), OpenDocument (.odt), RTF, Markdown, plain text or HTML file"
            }
            Format::Document => "a PDF",
            Format::Audio => "an audio file (MP3, M4A, OGG or WAV)",
        };
        errors.add(
            "document",
            format!(
                "This file is {}; for this kind of piece send {wanted}",
                file_type.with_article()
            ),
        );
        return Ok(());
    }
    let text = (!extracted.markdown.is_empty()).then(|| extracted.markdown.clone());
    let asset = store_asset(state, user, &name, file_type, bytes, text).await?;
    piece.document = Some(asset);
    match format {
        Format::Text => {
            piece.body = extracted.markdown;
            if piece.title.is_empty() {
                piece.title = extracted.title.unwrap_or_default();
            }
        }
        Format::Document => piece.pages = extracted.pages,
        Format::Audio => piece.minutes = extracted.duration_seconds.map(|seconds| seconds / 60.0),
    }
    Ok(())
}

async fn store_asset(
    state: &AppState,
    user: &User,
    name: &str,
    file_type: FileType,
    bytes: Vec<u8>,
    text: Option<String>,
) -> Result<AssetRef, WebError> {
    let sha256 = docket_store::secret::sha256_hex(&bytes);
    let size = bytes.len() as u64;
    let id = state
        .store
        .add_asset(
            NewAsset {
                sha256,
                name: name.to_owned(),
                mime: file_type.mime().to_owned(),
                bytes,
                text,
                uploaded_by: user.id,
            },
            state.clock.now(),
        )
        .await?;
    Ok(AssetRef {
        id,
        name: name.to_owned(),
        mime: file_type.mime().to_owned(),
        size,
    })
}

/// Measures a piece against its kind's limits: (problems that refuse it, warnings).
fn judge(call: &Call, piece: &Piece) -> (FormErrors, Vec<String>) {
    let mut refused = FormErrors::default();
    let mut warnings = Vec::new();
    let Some(kind) = call.kind(&piece.kind) else {
        refused.add("kind", "Choose what you are sending");
        return (refused, warnings);
    };
    let mut check = |field: &str, result: LimitCheck| match result {
        LimitCheck::Fits => {}
        LimitCheck::Warn(message) => warnings.push(message),
        LimitCheck::Refuse(message) => refused.add(field, message),
    };
    match kind.format {
        Format::Text => {
            if let Some(bounds) = &kind.limits.words {
                let words = text::count_markdown_words(&piece.body) as u64;
                if words > 0 {
                    check(
                        "body",
                        LimitCheck::judge(bounds, words, "words", &kind.name),
                    );
                }
            }
        }
        Format::Document => {
            if let (Some(bounds), Some(pages)) = (&kind.limits.pages, piece.pages) {
                check(
                    "document",
                    LimitCheck::judge(bounds, u64::from(pages), "pages", &kind.name),
                );
            }
        }
        Format::Audio => {
            if let (Some(bounds), Some(minutes)) = (&kind.limits.minutes, piece.minutes) {
                check(
                    "document",
                    LimitCheck::judge(bounds, minutes.ceil() as u64, "minutes", &kind.name),
                );
            }
        }
    }
    if text::count_words(&piece.summary) > SUMMARY_MAX_WORDS {
        refused.add(
            "summary",
            format!("Keep the summary to {SUMMARY_MAX_WORDS} words or fewer"),
        );
    }
    for (index, author) in piece.authors.iter().enumerate() {
        if text::count_words(&author.bio) > BIO_MAX_WORDS {
            refused.add(
                &format!("author_bio_{index}"),
                format!(
                    "Keep author {}'s bio to {BIO_MAX_WORDS} words or fewer",
                    index + 1
                ),
            );
        }
    }
    (refused, warnings)
}

/// What a piece needs before it can be submitted.
fn check_complete(call: &Call, piece: &Piece, errors: &mut FormErrors) {
    let format = call
        .kind(&piece.kind)
        .map_or(Format::Text, |kind| kind.format);
    if piece.title.trim().is_empty() {
        errors.add("title", "Enter a title");
    }
    if piece.summary.trim().is_empty() {
        errors.add("summary", "Enter a short summary");
    }
    if piece.days.is_none() && !errors.has("days") {
        errors.add(
            "days",
            "Choose at least one day, or \u{201c}Any day\u{201d}",
        );
    }
    match format {
        Format::Text if text::count_markdown_words(&piece.body) == 0 => {
            errors.add(
                "body",
                "Paste the text of your piece, or upload it as a document",
            );
        }
        Format::Document if piece.document.is_none() => {
            errors.add("document", "Upload your document as a PDF")
        }
        Format::Audio if piece.document.is_none() && piece.link.is_none() => {
            errors.add("document", "Upload the audio file, or give a link to it");
        }
        _ => {}
    }
    match piece.authors.first() {
        Some(author) if !author.name.trim().is_empty() => {}
        _ => errors.add("author_name_0", "Enter the name of at least one author"),
    }
}

/// The edit form's request, read whole before anything is answered (the body limit bounds it):
/// a client still sending its upload when a refusal comes would see its connection reset
/// instead of the answer. Then who is asking, then the form.
async fn read_edit(
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

async fn edit(
    State(state): State<AppState>,
    Path(id): Path<i64>,
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
    let late = match admission(&call, state.clock.now()) {
        Admission::OnTime => false,
        Admission::Late => true,
        Admission::Closed(message) => return Err(WebError::Store(StoreError::Conflict(message))),
    };
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
    let (refused, warnings) = judge(&call, &piece);
    errors.0.extend(refused.0);
    // The draft is kept whatever happens next: nothing typed is lost.
    docket_app::pieces::save_draft(state.store.as_ref(), &user, id, &piece, state.clock.now())
        .await?;
    let action = form.get("action");
    match action {
        "preview" if errors.is_empty() => {
            Ok(Redirect::to(&format!("/submissions/{id}/preview")).into_response())
        }
        "submit" => {
            check_complete(&call, &piece, &mut errors);
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
                late,
                warnings.clone(),
            );
            let head = letterhead_of(&state, &record, &call).await?;
            let receipt = state
                .mailer
                .receipt(&head, &user.email, id, &record.reply_token, &facts);
            let number = docket_app::pieces::submit_revision(
                state.store.as_ref(),
                &user,
                id,
                &piece,
                late,
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

// ---------------------------------------------------------------------------------------------
// Preview, revisions, withdrawal, co-authors, files

#[derive(Template)]
#[template(path = "submissions/piece.html")]
struct PiecePage {
    layout: Layout,
    caption: String,
    back_href: String,
    back_label: String,
    title: String,
    summary: String,
    authors: Vec<Author>,
    days: String,
    kind: String,
    body_html: String,
    document: Option<(String, String)>,
    headshot: Option<String>,
    link: Option<String>,
    measure: String,
}

#[expect(
    clippy::too_many_arguments,
    reason = "one page view shared by the preview and revision handlers"
)]
fn piece_page(
    state: &AppState,
    call: &Call,
    id: i64,
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

async fn preview(
    State(state): State<AppState>,
    Path(id): Path<i64>,
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

async fn revision(
    State(state): State<AppState>,
    Path((id, number)): Path<(i64, i64)>,
    Contributor(user): Contributor,
    Extension(csrf): Extension<CsrfToken>,
) -> Result<Response, WebError> {
    let (_, call) = load_piece(&state, id, &user).await?;
    let revisions = docket_app::pieces::revisions(state.store.as_ref(), &user, id).await?;
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

async fn withdraw(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Contributor(user): Contributor,
    Extension(csrf): Extension<CsrfToken>,
    Form(form): Form<CsrfOnly>,
) -> Result<Response, WebError> {
    let (record, call) = load_piece(&state, id, &user).await?;
    csrf.verify(&form.csrf)?;
    let to = record.state.apply(Transition::Withdraw).map_err(|error| {
        WebError::Store(StoreError::Conflict(format!(
            "This piece cannot be withdrawn: {error}"
        )))
    })?;
    // The owner hears of it, whoever withdrew it (a co-author may have).
    let facts = state.mailer.piece_facts(
        &call,
        &record.draft,
        &format!("/submissions/{id}"),
        record.revision_count,
        record.late,
        Vec::new(),
    );
    let head = letterhead_of(&state, &record, &call).await?;
    let mail = state.mailer.state_changed(
        &head,
        &record.owner_email,
        id,
        &record.reply_token,
        &facts,
        record.state,
        to,
        "",
    );
    docket_app::pieces::set_state(
        state.store.as_ref(),
        &user,
        id,
        record.state,
        to,
        Some(mail),
        state.clock.now(),
    )
    .await?;
    Ok(Redirect::to(&format!("/submissions/{id}?withdrawn=1")).into_response())
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
struct InviteForm {
    email: String,
    csrf: String,
}

async fn invite(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Contributor(user): Contributor,
    Extension(csrf): Extension<CsrfToken>,
    Form(form): Form<InviteForm>,
) -> Result<Response, WebError> {
    let (record, call) = load_piece(&state, id, &user).await?;
    if record.owner_id != user.id {
        return Err(WebError::not_found(&state));
    }
    csrf.verify(&form.csrf)?;
    let hour_ago = state
        .clock
        .now()
        .checked_sub(jiff::SignedDuration::from_hours(1))
        .unwrap_or_else(|_| state.clock.now());
    let problem = if record.coauthors.len() >= MAX_COAUTHORS {
        Some(format!(
            "A piece can have at most {MAX_COAUTHORS} co-authors. Ask the organisers if you need more"
        ))
    } else if state.store.invitations_since(user.id, hour_ago).await? >= INVITATIONS_PER_HOUR {
        Some(format!(
            "You have invited {INVITATIONS_PER_HOUR} co-authors in the last hour. Wait an hour, then invite the others"
        ))
    } else {
        None
    };
    let email = match (problem, docket_core::Email::parse(&form.email)) {
        (None, Ok(email)) if email.normalised() != user.email => email.normalised(),
        (problem, _) => {
            let mut errors = FormErrors::default();
            errors.add(
                "coauthor-email",
                problem.unwrap_or_else(|| {
                    "Enter the co-author\u{2019}s email address, like name@example.org".to_owned()
                }),
            );
            let page = show_page(&state, id, &user, &csrf, errors).await?;
            let layout = Layout {
                title: format!("Error: {}", page.layout.title),
                ..page.layout.clone()
            };
            return render(ShowPage { layout, ..page }, StatusCode::BAD_REQUEST);
        }
    };
    let mut facts = state.mailer.piece_facts(
        &call,
        &record.draft,
        &format!("/submissions/{id}"),
        record.revision_count,
        record.late,
        Vec::new(),
    );
    if facts.title.is_empty() {
        "an untitled piece".clone_into(&mut facts.title);
    }
    let head = letterhead_of(&state, &record, &call).await?;
    let mail = state
        .mailer
        .coauthor_invite(&head, &email, id, &user.email, &facts);
    docket_app::pieces::invite_coauthor(
        state.store.as_ref(),
        &user,
        id,
        &email,
        mail,
        state.clock.now(),
    )
    .await?;
    let query = serde_urlencoded::to_string([("invited", email.as_str())]).unwrap_or_default();
    Ok(Redirect::to(&format!("/submissions/{id}?{query}")).into_response())
}

async fn file(
    State(state): State<AppState>,
    Path((id, asset_id)): Path<(i64, i64)>,
    Contributor(user): Contributor,
) -> Result<Response, WebError> {
    let (record, _) = load_piece(&state, id, &user).await?;
    let referenced = [
        record.draft.document.as_ref(),
        record.draft.headshot.as_ref(),
    ]
    .into_iter()
    .flatten()
    .any(|asset| asset.id == asset_id)
        || docket_app::pieces::revisions(state.store.as_ref(), &user, id)
            .await?
            .iter()
            .any(|revision| {
                [
                    revision.piece.document.as_ref(),
                    revision.piece.headshot.as_ref(),
                ]
                .into_iter()
                .flatten()
                .any(|asset| asset.id == asset_id)
            });
    if !referenced {
        return Err(WebError::not_found(&state));
    }
    let asset = docket_app::pieces::asset(state.store.as_ref(), &user, asset_id)
        .await?
        .ok_or_else(|| WebError::not_found(&state))?;
    let image = matches!(
        asset.mime.as_str(),
        "image/png" | "image/jpeg" | "image/gif" | "image/webp"
    );
    let extension = asset
        .mime
        .rsplit('/')
        .next()
        .unwrap_or("bin")
        .replace(|c: char| !c.is_ascii_alphanumeric(), "");
    // Never served as active content: a fixed type, nosniff, a sandboxing CSP, and anything but
    // an image as a download under a name Docket makes.
    let disposition = if image {
        "inline".to_owned()
    } else {
        format!("attachment; filename=\"piece-{id}-file-{asset_id}.{extension}\"")
    };
    Ok((
        [
            (header::CONTENT_TYPE, asset.mime.clone()),
            (header::CONTENT_DISPOSITION, disposition),
            (
                header::CONTENT_SECURITY_POLICY,
                "sandbox; default-src 'none'".to_owned(),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        asset.bytes,
    )
        .into_response())
}
