//! A person's own data: everything Docket holds about them as one archive, and erasing their
//! account. The archive is a ZIP of JSON, the files they sent and the mail both ways, so that it
//! opens anywhere without Docket.

use std::io::Write as _;

use docket_store::{Actor, Store, StoreError, User};
use serde_json::json;
use zip::write::SimpleFileOptions;

/// Everything Docket holds about `user`, as a ZIP archive:
/// - `account.json`: the address, when the account was made and confirmed, the second factor;
/// - `profile.json`: how they are shown to the public; `profile/<file>`: their headshot;
/// - `pieces/<id>/piece.json`: each piece they own or co-author, with every revision and the
///   consents given; `pieces/<id>/files/…`: the files in it;
/// - `pledges.json`; `mail/sent/<n>.txt`: every email Docket wrote to them;
///   `mail/received/<id>.eml`: every message they sent, as it came;
/// - `activity.json`: the audit events they caused.
pub async fn export(store: &dyn Store, user: &User) -> Result<Vec<u8>, StoreError> {
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    let two_factor = store.two_factor(user.id).await?;
    files.push(json_file(
        "account.json",
        &json!({
            "email": user.email,
            "created_at": user.created_at.to_string(),
            "confirmed_at": user.confirmed_at.map(|at| at.to_string()),
            "has_password": user.password_hash.is_some(),
            "two_factor_enrolled_at": two_factor.enrolled_at.map(|at| at.to_string()),
            "recovery_codes_left": two_factor.recovery_left,
        }),
    ));
    let profile = store.profile(user.id).await?;
    files.push(json_file(
        "profile.json",
        &serde_json::to_value(&profile).unwrap_or_default(),
    ));
    if let Some(id) = profile.and_then(|profile| profile.headshot_id)
        && let Some(asset) = store.asset(id).await?
    {
        files.push((format!("profile/{}", safe_name(&asset.name)), asset.bytes));
    }
    for record in crate::pieces::of(store, user).await? {
        let revisions = store.revisions(record.id).await?;
        let consents = store.consents(record.id).await?;
        let mut assets: Vec<i64> = Vec::new();
        for piece in std::iter::once(&record.draft).chain(revisions.iter().map(|r| &r.piece)) {
            assets.extend(piece.document.as_ref().map(|file| file.id));
            assets.extend(piece.headshot.as_ref().map(|file| file.id));
        }
        assets.sort_unstable();
        assets.dedup();
        files.push(json_file(
            &format!("pieces/{}/piece.json", record.id),
            &json!({
                "id": record.id,
                "call": record.call_slug,
                "state": record.state.as_str(),
                "late": record.late,
                "owner": record.owner_email == user.email,
                "coauthors": record.coauthors,
                "working_copy": record.draft,
                "revisions": revisions.iter().map(|revision| json!({
                    "number": revision.number,
                    "sent_at": revision.created_at.to_string(),
                    "late": revision.late,
                    "piece": revision.piece,
                })).collect::<Vec<_>>(),
                "consents": consents.iter().filter(|consent| consent.email.as_deref() == Some(user.email.as_str())).collect::<Vec<_>>(),
                "created_at": record.created_at.to_string(),
                "updated_at": record.updated_at.to_string(),
            }),
        ));
        for id in assets {
            if let Some(asset) = store.asset(id).await? {
                let name = safe_name(&asset.name);
                files.push((
                    format!("pieces/{}/files/{}-{}", record.id, asset.id, name),
                    asset.bytes,
                ));
            }
        }
    }
    let pledges: Vec<_> = store
        .pledges_of(user.id)
        .await?
        .into_iter()
        .map(|pledge| {
            json!({
                "id": pledge.id,
                "state": pledge.state.as_str(),
                "pledge": pledge.pledge,
                "piece": pledge.submission_id,
                "note": pledge.note,
                "made_at": pledge.created_at.to_string(),
            })
        })
        .collect();
    files.push(json_file("pledges.json", &json!(pledges)));
    for (index, mail) in store
        .mail_to_address(&user.email)
        .await?
        .into_iter()
        .enumerate()
    {
        files.push((
            format!("mail/sent/{:04}.txt", index + 1),
            format!(
                "To: {}\nSubject: {}\nWritten: {}\nStatus: {}\n\n{}",
                mail.mail.to,
                mail.mail.subject,
                mail.created_at,
                mail.status.as_str(),
                mail.mail.text
            )
            .into_bytes(),
        ));
    }
    for mail in store.mail_from_address(&user.email).await? {
        files.push((format!("mail/received/{}.eml", mail.id), mail.raw));
    }
    let activity: Vec<_> = store
        .audit_by(&Actor::User(user.id))
        .await?
        .into_iter()
        .map(|event| {
            json!({
                "at": event.at.to_string(),
                "action": event.action,
                "subject": event.subject,
                "detail": event.detail,
            })
        })
        .collect();
    files.push(json_file("activity.json", &json!(activity)));
    files.push((
        "README.txt".to_owned(),
        README.replace("{email}", &user.email).into_bytes(),
    ));
    zip_up(files).map_err(|error| StoreError::Corrupt(format!("writing the archive: {error}")))
}

const README: &str = "Everything Docket holds about {email}.\n\n\
account.json     your account\n\
profile.json     how you are shown to the public\n\
pieces/          each piece you own or co-author: piece.json (every revision, your consent) and its files\n\
pledges.json     the days you said you would write for\n\
mail/sent/       every email Docket wrote to you\n\
mail/received/   every message you sent to Docket, as it came\n\
activity.json    what you did in Docket, from its audit trail\n";

/// A file name safe inside the archive: letters, digits, `.`, `-`, `_` and spaces.
fn safe_name(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_alphanumeric() || ".-_ ".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}

fn json_file(name: &str, value: &serde_json::Value) -> (String, Vec<u8>) {
    (
        name.to_owned(),
        serde_json::to_vec_pretty(value).unwrap_or_default(),
    )
}

fn zip_up(files: Vec<(String, Vec<u8>)>) -> zip::result::ZipResult<Vec<u8>> {
    let mut buffer = std::io::Cursor::new(Vec::new());
    {
        let mut zip = zip::ZipWriter::new(&mut buffer);
        let options = SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .unix_permissions(0o644);
        for (name, bytes) in files {
            zip.start_file(name, options)?;
            zip.write_all(&bytes)?;
        }
        zip.finish()?;
    }
    Ok(buffer.into_inner())
}
