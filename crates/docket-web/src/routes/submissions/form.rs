//! Reading the edit form: its fields, its uploads, and the rules a piece is judged by.

use super::*;

/// An uploaded file, read whole (the body limit has already bounded it).
pub(crate) struct Upload {
    pub(crate) field: String,
    pub(crate) name: String,
    pub(crate) bytes: Vec<u8>,
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
    let any_day = form.get("any_day") == "yes";
    let dates = form.all("day");
    // No day chosen yet is what a draft may lack (the judge asks for one on sending); a date
    // that is not one of the call's days is refused at once.
    match CandidateDays::parse(call, any_day, &dates) {
        Ok(days) => piece.days = Some(days),
        Err(_) if !any_day && dates.is_empty() => piece.days = None,
        Err(message) => {
            piece.days = None;
            errors.add("days", message);
        }
    }
    piece.title = form.get("title").trim().to_owned();
    piece.summary = form.get("summary").trim().to_owned();
    piece.body = form.get("body").replace("\r\n", "\n");
    // Checked on every save, not only on submit: a stored link is always a web address.
    let link = form.get("link").trim();
    if link.is_empty() {
        piece.link = None;
    } else {
        match docket_core::submission::parse_link(link) {
            Ok(link) => piece.link = Some(link),
            // The judge's own finding: the same code and sentence as by email.
            Err(_) => errors.add_finding(&docket_core::judge::Finding::link_invalid()),
        }
    }
    // How long a linked episode is, said in words or as a number of minutes, as in an email.
    // An uploaded file's own length wins; a new upload in this request sets it again.
    let minutes = form.get("minutes").trim();
    if piece.document.is_none() {
        piece.minutes = None;
    }
    if piece.document.is_none() && !minutes.is_empty() {
        match minutes
            .parse::<f64>()
            .ok()
            .filter(|m| m.is_finite() && *m > 0.0)
            .or_else(|| docket_core::recognise::duration_minutes(minutes))
        {
            Some(value) => piece.minutes = Some(value),
            None => errors.add("minutes", "Give the length in minutes, for example 25"),
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
    if upload.bytes.len() as u64 > max
        && (field == "headshot" || kind.and_then(|k| k.limits.bytes).is_none())
    {
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
    let Some(kind) = kind else {
        errors.add(
            "kind",
            "Choose what you are sending before you upload a file",
        );
        return Ok(());
    };
    let format = kind.format;
    // The judge decides whether this kind takes the file, by its sniffed type and size, with the
    // sentence an email answer would give.
    let sniffed = docket_documents::sniff(&bytes, Some(&name));
    if let Some(finding) = judge::check_file(
        kind,
        sniffed.mime(),
        sniffed.with_article(),
        bytes.len() as u64,
    ) {
        errors.add_finding(&finding);
        return Ok(());
    }
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

pub(crate) async fn store_asset(
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

/// The one judge's verdict on `piece` if it were sent now (`docket_core::judge`, which the mail
/// path asks too), with the file-size cap this form applies to kinds that set none.
pub(super) fn verdict(
    state: &AppState,
    call: &Call,
    piece: &Piece,
    open_until: Option<jiff::Timestamp>,
) -> Verdict {
    judge::judge(call, piece, state.clock.now(), open_until)
}

/// The verdict's refusals as the form's errors: when only saving, what a draft may still lack is
/// left out; when sending, every one.
pub(super) fn refusals(verdict: &Verdict, sending: bool, errors: &mut FormErrors) {
    for finding in &verdict.refusals {
        if (sending || !finding.code.is_missing()) && !errors.has(&finding.field) {
            errors.add_finding(finding);
        }
    }
}
