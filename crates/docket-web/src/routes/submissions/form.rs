//! Reading the edit form: its fields, its uploads, and the rules a piece is judged by.

use super::*;

/// An uploaded file, read whole (the body limit has already bounded it).
pub(super) struct Upload {
    pub(super) field: String,
    pub(super) name: String,
    pub(super) bytes: Vec<u8>,
}

/// Reads the multipart form: text fields as pairs, files apart.
pub(super) async fn read_form(mut multipart: Multipart) -> Result<(Pairs, Vec<Upload>), WebError> {
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
pub(super) fn clean_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = base.chars().filter(|c| !c.is_control()).take(120).collect();
    if cleaned.trim().is_empty() {
        "upload".into()
    } else {
        cleaned.trim().to_owned()
    }
}

/// Reads the text fields of the edit form into a piece, keeping what the form does not carry.
pub(super) fn piece_from_form(
    call: &Call,
    form: &Pairs,
    previous: &Piece,
    errors: &mut FormErrors,
) -> Piece {
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
pub(super) async fn take_upload(
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

pub(super) async fn store_asset(
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
pub(super) fn judge(call: &Call, piece: &Piece) -> (FormErrors, Vec<String>) {
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
pub(super) fn check_complete(call: &Call, piece: &Piece, errors: &mut FormErrors) {
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
