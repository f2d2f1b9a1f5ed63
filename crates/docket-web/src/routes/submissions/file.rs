//! A piece's uploaded files, served as downloads.

use super::*;

pub(super) async fn file(
    State(state): State<AppState>,
    Path((id, asset_id)): Path<(SubmissionId, i64)>,
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
        || docket_app::pieces::revisions(state.store.as_ref(), &user, &record)
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
