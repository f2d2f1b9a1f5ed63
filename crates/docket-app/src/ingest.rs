//! Flow 2, email submission: a raw message (from standard input or IMAP) becomes the same
//! submission the web form makes, through the same rules (limits, deadline, late flag), with a
//! receipt saying what Docket understood. What cannot be placed is kept for triage with the
//! original message, and the sender is told what to send instead. Nothing is answered that
//! could start a mail loop.
//!
//! A From: header is a claim, not an identity. A message acts on a piece when it came to that
//! piece's secret reply address, or answers one of Docket's own (random) Message-IDs from the
//! address that mail went to. Any other message from the address of an existing account changes
//! nothing until its owner confirms it: it is held, and the address gets one "Is this from you?"
//! email a day with a single-use link ([`release`] files it then). A new address may still file
//! a piece, marked "sender not verified".

use docket_core::judge::{self, Code, FileShape, Finding, Verdict};
use docket_core::pledge::{self, PledgeState, Reading};
use docket_core::status::InboundOutcome;
use docket_core::submission::{Admission, AssetRef, Author, Piece, admission};
use docket_core::trust::SenderTrust;
use docket_core::{Call, Clock, Format, Kind, recognise, text};
use docket_store::secret::{hash_token, random_token, sha256_hex};
use docket_store::{
    IncomingFile, IngestReply, NewInbound, NewMail, NewPiece, NewToken, ReplyChange, Store,
    StoreError, TokenPurpose,
};
use jiff::{SignedDuration, Timestamp};

use docket_mail::auth::{Authenticator, Verdict as Authenticated};
use docket_mail::inbound::{self, Attachment, Inbound, without_tag};
use docket_mail::{Letterhead, Mailer};

use crate::policy::{self, PieceAction};

/// Limits on inbound mail.
#[derive(Debug, Clone)]
pub struct IngestSettings {
    /// Larger messages are not read; the sender is told to send a link or a smaller file.
    pub max_message_bytes: usize,
    /// Messages from one sender in an hour beyond which nothing more is answered.
    pub per_sender_per_hour: i64,
    /// How long a message held for its sender's confirmation waits before it stays in triage.
    pub confirm_days: i64,
    /// Checks DKIM, DMARC and trusted servers' verdicts: mail it authenticates acts for its
    /// sender's account at once. Without one, every such message waits for confirmation.
    pub authenticator: Option<std::sync::Arc<Authenticator>>,
}

impl Default for IngestSettings {
    fn default() -> Self {
        Self {
            max_message_bytes: 30 * 1024 * 1024,
            per_sender_per_hour: 20,
            confirm_days: 7,
            authenticator: None,
        }
    }
}

/// What became of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// A new submitted piece.
    Submission(docket_core::SubmissionId),
    /// A new piece the judge refused: kept as a draft, and the sender told what to fix.
    Draft(docket_core::SubmissionId),
    /// A pledge: the sender says which day they will write for (its id).
    Pledge(i64),
    /// Correspondence on a piece (with a new revision when it carried one).
    Reply {
        submission_id: docket_core::SubmissionId,
        revised: bool,
    },
    /// Kept for the organisers to place; the reason, for people.
    Triage(String),
    /// From an existing account's address, with nothing to show it is theirs: kept until they
    /// confirm it by the link mailed to them (`confirmation_sent` is false when one was sent
    /// already today).
    Held { confirmation_sent: bool },
    /// Recorded and not answered (automatic mail, or a sender over the rate limit).
    Ignored(String),
    /// This Message-ID was ingested before: nothing new was stored.
    Duplicate,
}

/// Ingests one raw message. Every outcome is committed before this returns, so a caller that
/// marks the message seen afterwards never loses or doubles it.
pub async fn ingest(
    store: &dyn Store,
    clock: &dyn Clock,
    mailer: &Mailer,
    raw: &[u8],
    settings: &IngestSettings,
) -> Result<Outcome, StoreError> {
    file_message(store, clock, mailer, raw, settings, false, None).await
}

/// Files the held message `inbound_id` of `sender`, now that its sender has confirmed it by the
/// link Docket mailed them: it goes through the same pipeline as when it came in, as from a
/// verified sender. `Ok(None)`: no such message is held for that address.
pub async fn release(
    store: &dyn Store,
    clock: &dyn Clock,
    mailer: &Mailer,
    sender: &str,
    inbound_id: i64,
    settings: &IngestSettings,
) -> Result<Option<Outcome>, StoreError> {
    let Some((record, raw)) = store.inbound_message(inbound_id).await? else {
        return Ok(None);
    };
    if record.outcome != InboundOutcome::Held || record.sender != sender {
        return Ok(None);
    }
    // An editor's filing waits with a held message, and applies once the sender confirms it.
    let choice = store
        .refile_of(inbound_id)
        .await?
        .and_then(|json| serde_json::from_str::<Refile>(&json).ok());
    file_message(store, clock, mailer, &raw, settings, true, choice.as_ref())
        .await
        .map(Some)
}

use docket_core::submission::CandidateDays;

/// An editor's filing of a message kept for triage: the call, kind and days they chose. Kept
/// with the message, so that it still holds when the sender confirms a held message.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Refile {
    pub call_id: docket_core::CallId,
    pub kind: String,
    pub days: CandidateDays,
}

/// Files a message kept for triage as a piece of the kind and days an editor chose. The sender
/// owns the piece and gets the receipt; a sender with an account who is not authenticated is
/// asked first, as for any message from their address, and the editor's choice waits with it.
pub async fn refile(
    store: &dyn Store,
    clock: &dyn Clock,
    mailer: &Mailer,
    inbound_id: i64,
    choice: &Refile,
    editor: &docket_store::Actor,
    settings: &IngestSettings,
) -> Result<Option<Outcome>, StoreError> {
    let Some((record, raw)) = store.inbound_message(inbound_id).await? else {
        return Ok(None);
    };
    if record.outcome != InboundOutcome::Triage {
        return Ok(None);
    }
    let json = serde_json::to_string(choice).unwrap_or_default();
    store.set_refile(inbound_id, &json).await?;
    // Who filed it, and as what, before the pipeline files it.
    let mut work = store.begin().await?;
    work.audit(
        editor,
        "inbound.refiled",
        &format!("inbound:{inbound_id}"),
        serde_json::json!({ "kind": choice.kind, "days": choice.days }),
        clock.now(),
    )
    .await?;
    work.commit().await?;
    file_message(store, clock, mailer, &raw, settings, false, Some(choice))
        .await
        .map(Some)
}

/// The pipeline of [`ingest`] and [`release`]; `confirmed`: the sender proved they hold the From:
/// address (and the message is a held one, whose record is updated); `refile`: an editor's
/// choice for a message kept for triage (whose record is updated).
async fn file_message(
    store: &dyn Store,
    clock: &dyn Clock,
    mailer: &Mailer,
    raw: &[u8],
    settings: &IngestSettings,
    confirmed: bool,
    refile: Option<&Refile>,
) -> Result<Outcome, StoreError> {
    let now = clock.now();
    let too_large = raw.len() > settings.max_message_bytes;
    // A message too large to read is still looked at for its headers, to answer the sender.
    let readable = if too_large {
        &raw[..raw.len().min(256 * 1024)]
    } else {
        raw
    };
    let parsed = inbound::parse(readable).ok();
    let message_id = parsed
        .as_ref()
        .and_then(|message| message.message_id.clone())
        .unwrap_or_else(|| format!("<sha256-{}@docket.invalid>", sha256_hex(raw)));
    let sender = parsed
        .as_ref()
        .and_then(|message| {
            message
                .from
                .as_ref()
                .map(|(_, address)| address.to_string())
        })
        .unwrap_or_default();
    let subject = parsed
        .as_ref()
        .map(|message| message.subject.clone())
        .unwrap_or_default();
    let record = |outcome: InboundOutcome, reason: &str| NewInbound {
        message_id: message_id.clone(),
        sender: sender.clone(),
        subject: subject.clone(),
        raw: if too_large {
            raw[..raw.len().min(1024 * 1024)].to_vec()
        } else {
            raw.to_vec()
        },
        outcome,
        reason: reason.to_owned(),
        call_id: None,
        sender_trust: if confirmed {
            SenderTrust::ConfirmedByLink
        } else {
            SenderTrust::NotVerified
        },
        received_at: now,
        release_held: confirmed,
        release_triage: refile.is_some(),
    };
    let Some(message) = parsed else {
        let stored = store
            .record_inbound(
                &record(InboundOutcome::Triage, "the message could not be read"),
                None,
            )
            .await?;
        return Ok(if stored {
            Outcome::Triage("the message could not be read".into())
        } else {
            Outcome::Duplicate
        });
    };
    // Never answer automatic mail, bounces, lists, or a sender writing too often: no loops.
    if let Some(why) = &message.automatic {
        let reason = format!("automatic message ({why})");
        return ignored(store, record(InboundOutcome::Ignored, &reason), reason).await;
    }
    if sender.is_empty() {
        return triage(
            store,
            record(InboundOutcome::Triage, "no sender address"),
            None,
            "no sender address",
        )
        .await;
    }
    let hour_ago = now
        .checked_sub(SignedDuration::from_hours(1))
        .unwrap_or(now);
    // A confirmed message was counted when it came in.
    if !confirmed
        && refile.is_none()
        && store.inbound_count_since(&sender, hour_ago).await? >= settings.per_sender_per_hour
    {
        return ignored(
            store,
            record(
                InboundOutcome::Ignored,
                "too many messages from this sender",
            ),
            "too many messages from this sender".into(),
        )
        .await;
    }
    if too_large {
        let reason = format!(
            "the message is larger than {} MB",
            settings.max_message_bytes / (1024 * 1024)
        );
        let answer = mailer.triage_answer(&Letterhead::plain(), &sender, &subject, &format!("Your message is larger than we can take by email ({} MB at most). Send a smaller file, or a link to it, or submit on the web.", settings.max_message_bytes / (1024 * 1024)));
        return triage(
            store,
            record(InboundOutcome::Triage, &reason),
            Some(answer),
            &reason,
        )
        .await;
    }
    if let Some((submission_id, trust)) = piece_answered(store, &message, &sender).await? {
        let trust = if confirmed {
            SenderTrust::ConfirmedByLink
        } else {
            trust
        };
        let record = NewInbound {
            sender_trust: trust,
            ..record(InboundOutcome::Reply, "")
        };
        return reply(store, clock, mailer, &message, record, submission_id).await;
    }
    // A reply to a pledge's own address carries the piece that fulfils it: the address is a
    // secret only the pledge's answer carried.
    let pledged = pledge_answered(store, &message).await?;
    // DKIM or a trusted server may say who sent it, now that it is worth checking.
    let trust = match &settings.authenticator {
        _ if pledged.is_some() && !confirmed => SenderTrust::ReplyAddress,
        Some(authenticator) if !confirmed => match authenticator.check(raw, &sender).await {
            Authenticated::DkimAligned { .. } => SenderTrust::DkimAligned,
            Authenticated::TrustedServer { .. } => SenderTrust::TrustedServer,
            Authenticated::NotAuthenticated { .. } => SenderTrust::NotVerified,
        },
        _ if confirmed => SenderTrust::ConfirmedByLink,
        _ => SenderTrust::NotVerified,
    };
    let record = |outcome: InboundOutcome, reason: &str| NewInbound {
        sender_trust: trust,
        ..record(outcome, reason)
    };
    // Anything else from an existing account's address waits for its owner to confirm it,
    // unless it was authenticated.
    let account = if trust.verified() {
        None
    } else {
        store.user_by_email(&sender).await?
    };
    let calls = store.calls().await?;
    let addressed: Vec<String> = message
        .to
        .iter()
        .chain(message.cc.iter())
        .map(|a| a.to_string())
        .collect();
    let by_inbox = calls.iter().find(|stored| {
        stored.call.inbox.as_ref().is_some_and(|inbox| {
            let inbox = without_tag(&inbox.normalised());
            addressed
                .iter()
                .any(|address| without_tag(address) == inbox)
        })
    });
    let pledged_call = pledged
        .as_ref()
        .and_then(|pledge| calls.iter().find(|stored| stored.id == pledge.call_id));
    let chosen_call =
        refile.and_then(|choice| calls.iter().find(|stored| stored.id == choice.call_id));
    let stored_call = chosen_call
        .or(pledged_call)
        .or(by_inbox)
        .or_else(|| only_open_call(&calls, now))
        .or(if calls.len() == 1 {
            calls.first()
        } else {
            None
        });
    if account.is_some() {
        let call_id = stored_call.map(|stored| stored.id);
        let head = match stored_call {
            Some(stored) => crate::letterhead(store, mailer, stored.id, &stored.call).await?,
            None => Letterhead::plain(),
        };
        let record = NewInbound {
            call_id,
            ..record(
                InboundOutcome::Held,
                "waiting for the sender to confirm it is theirs",
            )
        };
        return hold(
            store,
            mailer,
            &head,
            record,
            stored_call.map(|stored| &stored.call),
            settings,
        )
        .await;
    }
    let Some(stored_call) = stored_call else {
        let answer = mailer.triage_answer(&Letterhead::plain(), &sender, &subject, "We could not tell which call your message is for. Send it to the call's own address, or submit on the web.");
        return triage(
            store,
            record(InboundOutcome::Triage, "no call recognised"),
            Some(answer),
            "no call recognised",
        )
        .await;
    };
    let call = &stored_call.call;
    let head = crate::letterhead(store, mailer, stored_call.id, &stored_call.call).await?;
    // From here on the message belongs to this call: its staff see it in the console.
    let record = |outcome: InboundOutcome, reason: &str| NewInbound {
        call_id: Some(stored_call.id),
        ..record(outcome, reason)
    };
    // A sender known to hold the address, writing about one of their own pieces of this call
    // without Docket's reply address or headers (a new message, a client that dropped them):
    // the subject names the piece, and the message is a reply to it.
    if trust.verified()
        && refile.is_none()
        && let Some(owner) = store.user_by_email(&sender).await?
        && let Some(submission_id) =
            piece_by_subject(store, &owner, stored_call.id, &message.subject).await?
    {
        return reply(
            store,
            clock,
            mailer,
            &message,
            record(InboundOutcome::Reply, ""),
            submission_id,
        )
        .await;
    }
    let words_to_read = format!("{}\n{}", message.subject, message.text);
    // The subject first: a piece pasted into the body must not add days of its own. A piece
    // answering a pledge is for the pledge's days unless it says otherwise.
    let days = refile
        .map(|choice| choice.days.clone())
        .or_else(|| recognise::candidate_days(call, &message.subject))
        .or_else(|| recognise::candidate_days(call, &message.text))
        .or_else(|| {
            pledged
                .as_ref()
                .and_then(|pledge| pledge.pledge.days.clone())
        });
    let Some(days) = days else {
        let days: Vec<String> = call
            .days
            .iter()
            .map(|day| {
                format!(
                    "{} ({})",
                    docket_core::prose_dates::long_date_with_weekday(day.date),
                    day.theme
                )
            })
            .collect();
        let answer = mailer.triage_answer(
            &head,
            &sender,
            &subject,
            // The judge's sentence, as the web form says it, then how to say it by email.
            &format!(
                "We could not tell which day your piece is for. {}: reply with the day or days (for example \u{201c}for Tuesday\u{201d}). The days are: {}.",
                judge::DAYS_SENTENCE,
                days.join("; ")
            ),
        );
        return triage(
            store,
            record(InboundOutcome::Triage, "no day named"),
            Some(answer),
            "no day named",
        )
        .await;
    };
    let mimes: Vec<&str> = message
        .attachments
        .iter()
        .map(|a| a.mime.as_str())
        .collect();
    // The kind the sender named (or, naming none, the one their file suggests). It is kept even
    // when the file does not suit it: the answer then says what to send, and nothing is changed
    // behind the sender's back.
    let named = refile
        .map(|choice| choice.kind.clone())
        .or_else(|| recognise::kind(call, &words_to_read, &mimes))
        .or_else(|| {
            pledged
                .as_ref()
                .and_then(|pledge| pledge.pledge.kind.clone())
        })
        .and_then(|key| call.kind(&key));
    // No piece attached, pasted or linked: a pledge, when that is what the text says.
    if pledged.is_none() && refile.is_none() && !carries_piece(call, &message, named) {
        match pledge::read(call, &message.subject, &message.text) {
            Reading::Piece => {}
            Reading::Pledge {
                promise,
                sure,
                others,
            } => {
                let record = record(InboundOutcome::Pledge, "");
                let mut promises = vec![promise];
                promises.extend(others);
                return file_pledge(
                    store,
                    mailer,
                    &head,
                    stored_call,
                    &message,
                    record,
                    &promises,
                    days,
                    sure,
                    settings,
                )
                .await;
            }
        }
    }
    let body = match body_of(call, &message, named).await {
        Ok(body) => body,
        Err(problem) => {
            let answer = mailer.triage_answer(&head, &sender, &subject, &problem);
            return triage(
                store,
                record(InboundOutcome::Triage, &problem),
                Some(answer),
                &problem,
            )
            .await;
        }
    };
    let display_name = author_name(&message, &sender);
    let mut piece = Piece {
        kind: body.kind.clone(),
        days: Some(days),
        title: body
            .title
            .clone()
            .unwrap_or_else(|| clean_subject(&message.subject)),
        summary: String::new(),
        authors: vec![Author {
            name: display_name,
            ..Author::default()
        }],
        ..Piece::default()
    };
    body.apply(call, &mut piece, true);
    let verdict = body.judged(call, &piece, now);
    if let Some(closed) = verdict.refusals.iter().find(|f| f.code == Code::Closed) {
        // The judge's sentence, then the call's own words for after the deadline, if it has
        // them (what its pages and a late pledge's answer say).
        let problem = match &call.after_deadline {
            Some(words) => format!(
                "{}.

{}",
                closed.message,
                words.trim()
            ),
            None => format!("{}.", closed.message),
        };
        let answer = mailer.triage_answer(&head, &sender, &subject, &problem);
        return triage(
            store,
            record(InboundOutcome::Triage, "after the deadline"),
            Some(answer),
            "after the deadline",
        )
        .await;
    }
    let submitted = verdict.may_send();
    let message_record = if submitted {
        record(InboundOutcome::Submission, "")
    } else {
        let first = verdict
            .refusals
            .first()
            .map(|f| f.message.as_str())
            .unwrap_or_default();
        record(
            InboundOutcome::Submission,
            &format!("kept as a draft: {first}"),
        )
    };
    // One unit of work: the message, the account, the file, the piece and its receipt, built
    // from the stored piece, are committed together or not at all.
    let mut work = store.begin().await?;
    if !work.record_inbound(&message_record).await? {
        return Ok(Outcome::Duplicate);
    }
    let owner = match &pledged {
        // The piece a pledge promised belongs to whoever pledged.
        Some(pledge) => Some(pledge.owner_id),
        None => work.account_id(&sender).await?,
    };
    let owner_id = match owner {
        // An unverified sender never adds to an account that exists (it got one while this
        // message was read): nothing is stored, and the message waits like any other.
        Some(_) if !message_record.sender_trust.verified() => {
            drop(work);
            let record = NewInbound {
                call_id: Some(stored_call.id),
                ..record(
                    InboundOutcome::Held,
                    "waiting for the sender to confirm it is theirs",
                )
            };
            return hold(store, mailer, &head, record, Some(call), settings).await;
        }
        Some(id) => id,
        None => account_by_email(work.as_mut(), &sender, now).await?,
    };
    piece.document = match &body.file {
        Some(file) => Some(work.add_file(file, owner_id, now).await?),
        None => None,
    };
    let filed = work
        .file_piece(
            &NewPiece {
                call_id: stored_call.id,
                owner_id,
                piece: piece.clone(),
                late: verdict.late,
                sender_trust: message_record.sender_trust,
                submitted,
            },
            now,
        )
        .await?;
    work.link_inbound(&message_record.message_id, filed.id)
        .await?;
    // The piece fulfils the pledge it answers, or the sender's own open pledge for its days.
    let fulfils = match &pledged {
        Some(pledge) => Some(pledge.id),
        None if message_record.sender_trust.verified() => {
            crate::pledges::open_for(store, owner_id, stored_call.id, &piece).await?
        }
        None => None,
    };
    if let Some(pledge_id) = fulfils {
        work.link_pledge(
            pledge_id,
            filed.id,
            &docket_store::Actor::User(owner_id),
            now,
        )
        .await?;
    }
    let path = format!("/submissions/{}", filed.id);
    let answer = if submitted {
        let facts = mailer.piece_facts(call, &piece, &path, 1, verdict.late, verdict.notes());
        mailer.receipt(&head, &sender, filed.id, &filed.reply_token, &facts)
    } else {
        let facts = mailer.piece_facts(call, &piece, &format!("{path}/edit"), 0, false, vec![]);
        let problems: Vec<String> = verdict.refusals.iter().map(|f| f.message.clone()).collect();
        mailer.not_sent(
            &head,
            &sender,
            filed.id,
            &filed.reply_token,
            &facts,
            &problems,
        )
    };
    work.enqueue_mail(&answer, now).await?;
    work.audit(
        &docket_store::Actor::User(owner_id),
        if submitted {
            "submission.submitted_by_email"
        } else {
            "submission.kept_as_draft_by_email"
        },
        &format!("submission:{}", filed.id),
        serde_json::json!({
            "message_id": message_record.message_id, "late": verdict.late, "words": piece.words,
            "sender_trust": message_record.sender_trust.as_str(), "findings": verdict.codes(),
            "refused": verdict.refusal_codes(),
        }),
        now,
    )
    .await?;
    work.commit().await?;
    Ok(if submitted {
        Outcome::Submission(filed.id)
    } else {
        Outcome::Draft(filed.id)
    })
}

/// The piece a message answers, and how Docket knows it comes from someone entitled to answer:
/// it came to the piece's secret reply address (`inbox+s42-token@…`), or it names one of Docket's
/// own Message-IDs in In-Reply-To or References and comes from the address that mail went to.
/// Message-IDs are compared with and without their angle brackets (parsers differ).
async fn piece_answered(
    store: &dyn Store,
    message: &Inbound,
    sender: &str,
) -> Result<Option<(docket_core::SubmissionId, SenderTrust)>, StoreError> {
    let recipients: Vec<docket_core::Address> = message
        .to
        .iter()
        .chain(message.cc.iter())
        .cloned()
        .collect();
    if let Some(tag) = inbound::reply_token(&recipients, None)
        && let Some((id, token)) = tag.split_once('-')
        && let Ok(id) = id.parse::<docket_core::SubmissionId>()
        && let Some(found) = store.submission_by_reply_token(id, token).await?
    {
        return Ok(Some((found, SenderTrust::ReplyAddress)));
    }
    let references = message
        .in_reply_to
        .iter()
        .chain(message.references.iter())
        .flat_map(|reference| {
            let bare = reference
                .trim()
                .trim_start_matches('<')
                .trim_end_matches('>')
                .to_owned();
            [format!("<{bare}>"), bare]
        });
    for reference in references {
        if let Some((Some(submission_id), to)) = store.outbound_message(&reference).await?
            && to.eq_ignore_ascii_case(sender)
        {
            return Ok(Some((submission_id, SenderTrust::DocketMessage)));
        }
    }
    Ok(None)
}

/// Makes the account of an address that sent a piece or a pledge, with its audit event.
async fn account_by_email(
    work: &mut dyn docket_store::Work,
    sender: &str,
    now: Timestamp,
) -> Result<docket_core::UserId, StoreError> {
    let id = work.create_account(sender, now).await?;
    work.audit(
        &docket_store::Actor::System,
        "user.created_by_email",
        &format!("user:{id}"),
        serde_json::json!({}),
        now,
    )
    .await?;
    Ok(id)
}

/// The open pledge a reply address names (`inbox+p7-<token>@…`), if its secret matches.
async fn pledge_answered(
    store: &dyn Store,
    message: &Inbound,
) -> Result<Option<docket_store::PledgeRecord>, StoreError> {
    let recipients: Vec<docket_core::Address> = message
        .to
        .iter()
        .chain(message.cc.iter())
        .cloned()
        .collect();
    let Some(tag) = inbound::pledge_reply_token(&recipients) else {
        return Ok(None);
    };
    let Some((id, token)) = tag.split_once('-') else {
        return Ok(None);
    };
    let Ok(id) = id.parse::<i64>() else {
        return Ok(None);
    };
    Ok(store
        .pledge_by_reply_token(id, token)
        .await?
        .filter(|pledge| pledge.state == PledgeState::Open && pledge.submission_id.is_none()))
}

/// Who writes what a message brings: the sender, unless they forward someone else's message
/// (an assistant passing on their principal's piece or promise), whose author the forward names.
/// The piece or pledge stays the sender's: the From: account answers for it.
fn author_name(message: &Inbound, sender: &str) -> String {
    message
        .forwarded_from
        .as_ref()
        .filter(|person| {
            person
                .address
                .as_ref()
                .is_none_or(|address| address.as_str() != sender)
        })
        .and_then(|person| person.name.clone())
        .or_else(|| message.from.as_ref().and_then(|(name, _)| name.clone()))
        .unwrap_or_default()
}

/// True when the message carries a piece: a file other than an image (a signature's logo), or a
/// link to an episode for an audio kind.
fn carries_piece(call: &Call, message: &Inbound, named: Option<&Kind>) -> bool {
    let file = message.attachments.iter().any(|attachment| {
        !docket_documents::sniff(&attachment.bytes, attachment.name.as_deref()).is_image()
    });
    let episode = recognise::link(&message.text).is_some_and(|link| match named {
        Some(kind) => kind.format == Format::Audio,
        None => {
            recognise::is_audio_link(&link)
                && call.kinds.iter().any(|kind| kind.format == Format::Audio)
        }
    });
    file || episode
}

/// Files a pledge from a message, in one unit of work with its answer: what Docket understood,
/// the deadline, and how to send the piece. Before the deadline only; after it the sender gets
/// the call's closing words.
#[allow(clippy::too_many_arguments)]
async fn file_pledge(
    store: &dyn Store,
    mailer: &Mailer,
    head: &Letterhead,
    stored_call: &docket_store::StoredCall,
    message: &Inbound,
    record: NewInbound,
    promises: &[pledge::Promise],
    days: docket_core::submission::CandidateDays,
    sure: bool,
    settings: &IngestSettings,
) -> Result<Outcome, StoreError> {
    let call = &stored_call.call;
    let now = record.received_at;
    let sender = record.sender.clone();
    if matches!(admission(call, now), Admission::Closed(_)) {
        let answer =
            mailer.triage_answer(head, &sender, &record.subject, &call.after_deadline_text());
        return triage(
            store,
            NewInbound {
                outcome: InboundOutcome::Triage,
                reason: "a pledge after the deadline".into(),
                ..record
            },
            Some(answer),
            "a pledge after the deadline",
        )
        .await;
    }
    let display_name = author_name(message, &sender);
    let pledges: Vec<docket_core::pledge::Pledge> = promises
        .iter()
        .map(|promise| {
            let mut pledge =
                docket_core::pledge::Pledge::from_promise(promise, message.text.trim());
            pledge.days = pledge.days.or(Some(days.clone()));
            if pledge.author.is_empty() {
                pledge.author.clone_from(&display_name);
            }
            pledge
        })
        .collect();
    let mut work = store.begin().await?;
    if !work.record_inbound(&record).await? {
        return Ok(Outcome::Duplicate);
    }
    let owner_id = match work.account_id(&sender).await? {
        Some(_) if !record.sender_trust.verified() => {
            drop(work);
            let held = NewInbound {
                outcome: InboundOutcome::Held,
                reason: "waiting for the sender to confirm it is theirs".into(),
                ..record
            };
            return hold(store, mailer, head, held, Some(call), settings).await;
        }
        Some(id) => id,
        None => account_by_email(work.as_mut(), &sender, now).await?,
    };
    // Two people writing separately are two pledges, both the sender's to answer for; each
    // answer carries its own reply address, so that each piece finds its pledge.
    let mut first = None;
    for pledge in &pledges {
        let (id, token) = work
            .add_pledge(
                &docket_store::NewPledge {
                    call_id: stored_call.id,
                    owner_id,
                    pledge: pledge.clone(),
                    source: "email",
                    sender_trust: Some(record.sender_trust),
                },
                now,
            )
            .await?;
        let facts = mailer.pledge_facts(call, pledge, id, !sure);
        let answer = mailer.pledge_received(head, &sender, id, &token, &facts);
        work.enqueue_mail(&answer, now).await?;
        first.get_or_insert(id);
    }
    work.commit().await?;
    Ok(Outcome::Pledge(first.unwrap_or_default()))
}

/// The one piece of `owner`'s in the call that a subject names ("Re: Received: My blog" names
/// "My blog"), still open to changes; none when no piece, or more than one, has that title.
async fn piece_by_subject(
    store: &dyn Store,
    owner: &docket_store::User,
    call_id: docket_core::CallId,
    subject: &str,
) -> Result<Option<docket_core::SubmissionId>, StoreError> {
    // The subject as written, and without Docket's own prefixes ("Received: T", "Received
    // revision 2: T", "Not sent yet: T"), since a title may itself start with such a word.
    let subject = clean_subject(subject);
    if subject.is_empty() {
        // No subject names no piece (and never the untitled ones).
        return Ok(None);
    }
    let mut titles = vec![subject.trim().to_lowercase()];
    let lower = subject.to_lowercase();
    if ["received", "not sent yet"]
        .iter()
        .any(|prefix| lower.starts_with(prefix))
        && let Some((_, rest)) = subject.split_once(':')
    {
        titles.push(rest.trim().to_lowercase());
    }
    titles.retain(|title| !title.is_empty());
    if titles.is_empty() {
        return Ok(None);
    }
    let owner = docket_store::User {
        confirmed_at: owner.confirmed_at.or(Some(owner.created_at)),
        ..owner.clone()
    };
    let matching: Vec<_> = crate::pieces::of(store, &owner)
        .await?
        .into_iter()
        .filter(|piece| piece.call_id == call_id && piece.state.editable_by_contributor())
        .filter(|piece| titles.contains(&piece.draft.title.trim().to_lowercase()))
        .collect();
    Ok(match matching.as_slice() {
        [only] => Some(only.id),
        _ => None,
    })
}

/// Keeps a message from an existing account's address until its owner confirms it, and asks
/// them, at most once a day per address: forged mail must not make Docket mail anyone at will.
async fn hold(
    store: &dyn Store,
    mailer: &Mailer,
    head: &Letterhead,
    record: NewInbound,
    call: Option<&Call>,
    settings: &IngestSettings,
) -> Result<Outcome, StoreError> {
    let now = record.received_at;
    let day_ago = now
        .checked_sub(SignedDuration::from_hours(24))
        .unwrap_or(now);
    let asked_today = store
        .mail_count_since(
            &record.sender,
            docket_mail::letters::Letter::ConfirmMessage.key(),
            day_ago,
        )
        .await?
        > 0;
    let confirmation = if asked_today {
        None
    } else {
        let account = store.user_by_email(&record.sender).await?;
        let token = random_token();
        let valid_for = SignedDuration::from_hours(24 * settings.confirm_days.max(1));
        let received = match call {
            Some(call) => call
                .local(now)
                .strftime("%H:%M %Z on %A %-d %B %Y")
                .to_string(),
            None => now.strftime("%H:%M UTC on %A %-d %B %Y").to_string(),
        };
        let mail = mailer.confirm_message(
            head,
            &record.sender,
            &record.subject,
            &received,
            &format!("/mail/confirm/{token}"),
            settings.confirm_days.max(1),
        );
        Some((
            NewToken {
                purpose: TokenPurpose::ConfirmMessage,
                token_hash: hash_token(&token),
                code_hash: None,
                email: record.sender.clone(),
                user_id: account.map(|user| user.id),
                inbound_id: None,
                expires_at: now.checked_add(valid_for).unwrap_or(now),
            },
            mail,
        ))
    };
    let confirmation_sent = confirmation.is_some();
    Ok(match store.hold_inbound(&record, confirmation).await? {
        Some(_) => Outcome::Held { confirmation_sent },
        None => Outcome::Duplicate,
    })
}

async fn ignored(
    store: &dyn Store,
    record: NewInbound,
    reason: String,
) -> Result<Outcome, StoreError> {
    Ok(if store.record_inbound(&record, None).await? {
        Outcome::Ignored(reason)
    } else {
        Outcome::Duplicate
    })
}

async fn triage(
    store: &dyn Store,
    record: NewInbound,
    answer: Option<NewMail>,
    reason: &str,
) -> Result<Outcome, StoreError> {
    Ok(if store.record_inbound(&record, answer).await? {
        Outcome::Triage(reason.to_owned())
    } else {
        Outcome::Duplicate
    })
}

/// "Re: Fwd: My blog for Tuesday" -> "My blog for Tuesday"; empty when nothing is left, as a
/// web form left blank: the judge then asks for a title on both paths.
fn clean_subject(subject: &str) -> String {
    let mut rest = subject.trim();
    loop {
        let lower = rest.to_lowercase();
        let Some(prefix) = ["re:", "fwd:", "fw:", "aw:", "wg:"]
            .iter()
            .find(|p| lower.starts_with(**p))
        else {
            break;
        };
        rest = rest[prefix.len()..].trim_start();
    }
    rest.to_owned()
}

/// What a message's piece is: its kind, and what its attachment, link or text gave.
struct Body {
    /// The kind's key: the one the sender named, or the one their file suits.
    kind: String,
    markdown: String,
    title: Option<String>,
    pages: Option<u32>,
    minutes: Option<f64>,
    /// A podcast episode kept elsewhere, from the message text.
    link: Option<String>,
    file: Option<IncomingFile>,
    /// An attachment the kind does not take (or too large for it): the judge's refusal of it.
    unfit: Option<Finding>,
}

impl Body {
    fn new(kind: &Kind) -> Self {
        Body {
            kind: kind.key.to_string(),
            markdown: String::new(),
            title: None,
            pages: None,
            minutes: None,
            link: None,
            file: None,
            unfit: None,
        }
    }

    /// Puts what the message carried into `piece` (a new piece, or the draft a reply changes):
    /// the text of a written piece, the measures, the link, and the file as it will be stored.
    /// `first`: a new piece, whose text for a document or audio kind is the message's own.
    fn apply(&self, call: &Call, piece: &mut Piece, first: bool) {
        piece.kind = self.kind.clone();
        let format = call.kind(&self.kind).map(|kind| kind.format);
        if format == Some(Format::Text) {
            if !self.markdown.is_empty() || first {
                piece.body = self.markdown.clone();
            }
            piece.words = Some(text::count_markdown_words(&piece.body) as u64);
        } else if first {
            piece.body = self.markdown.clone();
        }
        if format == Some(Format::Document) {
            piece.pages = self.pages.or(piece.pages);
        }
        if format == Some(Format::Audio) {
            if self.file.is_some() {
                piece.minutes = self.minutes;
                piece.link = None;
            } else if self.link.is_some() {
                piece.link = self.link.clone();
                piece.minutes = self.minutes;
                piece.document = None;
            }
        }
        if let Some(file) = &self.file {
            // Judged now by its type and size; the store gives it its id when it is kept.
            piece.document = Some(AssetRef {
                id: 0,
                name: file.name.clone(),
                mime: file.mime.clone(),
                size: file.bytes.len() as u64,
            });
        }
    }

    /// The one judge's verdict on `piece` now, with this message's unfit file refused first.
    fn judged(&self, call: &Call, piece: &Piece, now: Timestamp) -> Verdict {
        self.judged_until(call, piece, now, None)
    }

    /// As [`Self::judged`], for a piece an editor holds open until `open_until`.
    fn judged_until(
        &self,
        call: &Call,
        piece: &Piece,
        now: Timestamp,
        open_until: Option<Timestamp>,
    ) -> Verdict {
        let mut verdict = judge::judge(call, piece, now, open_until);
        if let Some(unfit) = &self.unfit {
            verdict.refuse_first(unfit.clone());
        }
        verdict
    }
}

async fn extract(
    attachment: &Attachment,
) -> Result<(docket_documents::Extracted, IncomingFile), String> {
    let bytes = attachment.bytes.clone();
    let name = attachment
        .name
        .clone()
        .unwrap_or_else(|| "attachment".into());
    let hint = name.clone();
    let extracted = tokio::task::spawn_blocking(move || {
        docket_documents::extract(&bytes, Some(&hint), &docket_documents::Limits::default())
    })
    .await
    .map_err(|error| format!("The attachment could not be read ({error})"))?
    .map_err(|error| error.user_message())?;
    let file = IncomingFile {
        name,
        mime: extracted.file_type.mime().to_owned(),
        sha256: sha256_hex(&attachment.bytes),
        bytes: attachment.bytes.clone(),
        text: (!extracted.markdown.is_empty()).then(|| extracted.markdown.clone()),
    };
    Ok((extracted, file))
}

/// The call's kind for a file of this shape when the sender named none: a PDF is a document
/// kind's (a whitepaper) before a text kind's.
fn kind_for(call: &Call, shape: FileShape) -> Option<&Kind> {
    let first = |format: Format| call.kinds.iter().find(|kind| kind.format == format);
    match shape {
        FileShape::Written => first(Format::Text),
        FileShape::Pdf => first(Format::Document).or_else(|| first(Format::Text)),
        FileShape::Audio => first(Format::Audio),
        FileShape::Image | FileShape::Other => None,
    }
}

/// What a message offers as a piece of the `named` kind (or, naming none, of the kind its file
/// suits): its first attachment that kind takes, a link to an episode for an audio kind, or
/// its own text. `Err` with what to send when there is nothing to read.
async fn body_of(call: &Call, message: &Inbound, named: Option<&Kind>) -> Result<Body, String> {
    let mut problems = Vec::new();
    let mut unfit: Option<(&Kind, Finding)> = None;
    for attachment in &message.attachments {
        let sniffed = docket_documents::sniff(&attachment.bytes, attachment.name.as_deref());
        if sniffed.is_image() {
            continue;
        }
        let shape = FileShape::of_mime(sniffed.mime());
        if shape == FileShape::Other {
            // The reader's own refusal says what the file is and what to send instead.
            match extract(attachment).await {
                Err(problem) => problems.push(problem),
                Ok(_) => problems.push("We cannot read this attachment: send a Word (.docx) or OpenDocument (.odt) document, a PDF, or an audio file".into()),
            }
            continue;
        }
        let Some(kind) = named.or_else(|| kind_for(call, shape)) else {
            problems.push(format!(
                "This call does not take {}: see the call's page for what you can send",
                sniffed.with_article()
            ));
            continue;
        };
        let size = attachment.bytes.len() as u64;
        if let Some(finding) = judge::check_file(kind, sniffed.mime(), sniffed.with_article(), size)
        {
            unfit.get_or_insert((kind, finding));
            continue;
        }
        match extract(attachment).await {
            Ok((extracted, file)) => {
                let written = kind.format == Format::Text;
                return Ok(Body {
                    markdown: if written {
                        extracted.markdown
                    } else {
                        message.text.trim().to_owned()
                    },
                    title: extracted.title,
                    pages: extracted.pages,
                    minutes: extracted.duration_seconds.map(|seconds| seconds / 60.0),
                    file: Some(file),
                    ..Body::new(kind)
                });
            }
            Err(problem) => problems.push(problem),
        }
    }
    if let Some(problem) = problems.into_iter().next() {
        return Err(problem);
    }
    // A link to an episode kept elsewhere (Docket never fetches it), for an audio kind named or,
    // naming none, when the link is to an audio file.
    let link = recognise::link(&message.text);
    let audio = match named {
        Some(kind) => (kind.format == Format::Audio).then_some(kind),
        None => link
            .as_deref()
            .filter(|link| recognise::is_audio_link(link))
            .and_then(|_| call.kinds.iter().find(|kind| kind.format == Format::Audio)),
    };
    if let (Some(kind), Some(link)) = (audio, link) {
        return Ok(Body {
            markdown: message.text.trim().to_owned(),
            link: Some(link),
            minutes: recognise::duration_minutes(&message.text),
            ..Body::new(kind)
        });
    }
    let pasted = text::count_words(&message.text) >= 100;
    if let Some((kind, finding)) = unfit {
        return Ok(Body {
            markdown: if pasted || kind.format != Format::Text {
                message.text.trim().to_owned()
            } else {
                String::new()
            },
            unfit: Some(finding),
            ..Body::new(kind)
        });
    }
    // No attachment: the message text itself is the piece, if there is enough of it.
    if pasted {
        let kind = named
            .or_else(|| call.kinds.iter().find(|kind| kind.format == Format::Text))
            .ok_or(
                "This call does not take written pieces: see the call's page for what you can send",
            )?;
        return Ok(Body {
            markdown: message.text.trim().to_owned(),
            ..Body::new(kind)
        });
    }
    if audio.is_some() {
        return Err(
            "We found no episode: attach the audio file, or put a link to it in the message".into(),
        );
    }
    Err("We found no piece to read: attach it as a Word (.docx) or OpenDocument (.odt) document or a PDF, or paste the text into the message".into())
}

async fn reply(
    store: &dyn Store,
    clock: &dyn Clock,
    mailer: &Mailer,
    message: &Inbound,
    record: NewInbound,
    submission_id: docket_core::SubmissionId,
) -> Result<Outcome, StoreError> {
    let now = clock.now();
    // A new version counts only from the piece's owner or a co-author, while it can still change.
    let sender = record.sender.clone();
    let mut change = None;
    // The message already proved it answers this piece; its From: decides only whether it may
    // add a version, and only for an address with an account.
    let sender_actor = policy::Actor::MailSender { address: &sender };
    let has_account = store.user_by_email(&sender).await?.is_some();
    let current = if has_account {
        store
            .submission(submission_id)
            .await?
            .filter(|piece| policy::may(sender_actor, PieceAction::Edit, piece))
            .filter(|piece| piece.state.editable_by_contributor())
    } else {
        None
    };
    if let Some(current) = current
        && let Some(call) = store.call_by_id(current.call_id).await?
    {
        let kind = call.call.kind(&current.draft.kind);
        // A new version is an attachment, or for an audio piece a link in the text.
        let carries = !message.attachments.is_empty()
            || (kind.is_some_and(|kind| kind.format == Format::Audio)
                && recognise::link(&message.text).is_some());
        let unchanged = |head: &Letterhead, problem: String| ReplyChange::Unchanged {
            answer: mailer.triage_answer(head, &sender, &record.subject, &problem),
        };
        let body = if carries {
            Some(body_of(&call.call, message, kind).await)
        } else {
            None
        };
        if let Some(Err(problem)) = body {
            // The new version cannot be read, or is not a file this kind takes: say so.
            let head = crate::letterhead(store, mailer, call.id, &call.call).await?;
            let kind_name = kind
                .map_or("piece", |kind| kind.name.as_str())
                .to_lowercase();
            change = Some(unchanged(
                &head,
                format!(
                    "{problem}. Your {kind_name} \u{201c}{}\u{201d} is unchanged: reply with the corrected version, or change it on the web at {}",
                    current.draft.title,
                    mailer.link(&format!("/submissions/{submission_id}/edit"))
                ),
            ));
        } else if let Some(Ok(body)) = body {
            let mut piece = current.draft.clone();
            body.apply(&call.call, &mut piece, false);
            // An editor's request for changes may hold the piece open past the deadline.
            let verdict = body.judged_until(&call.call, &piece, now, current.open_until);
            let closed = verdict.refusals.iter().find(|f| f.code == Code::Closed);
            if let Some(closed) = closed {
                let head = crate::letterhead(store, mailer, call.id, &call.call).await?;
                change = Some(unchanged(
                    &head,
                    format!(
                        "{}. Your piece \u{201c}{}\u{201d} is unchanged",
                        closed.message, current.draft.title
                    ),
                ));
            } else {
                let path = format!("/submissions/{submission_id}");
                let head = crate::letterhead(store, mailer, call.id, &call.call).await?;
                change = Some(if verdict.may_send() {
                    let facts = mailer.piece_facts(
                        &call.call,
                        &piece,
                        &path,
                        current.revision_count + 1,
                        verdict.late,
                        verdict.notes(),
                    );
                    ReplyChange::Revision {
                        receipt: mailer.receipt(
                            &head,
                            &sender,
                            submission_id,
                            &current.reply_token,
                            &facts,
                        ),
                        piece,
                        file: body.file,
                        late: verdict.late,
                    }
                } else {
                    let facts = mailer.piece_facts(
                        &call.call,
                        &piece,
                        &format!("{path}/edit"),
                        current.revision_count,
                        false,
                        vec![],
                    );
                    let problems: Vec<String> =
                        verdict.refusals.iter().map(|f| f.message.clone()).collect();
                    ReplyChange::Draft {
                        answer: mailer.not_sent(
                            &head,
                            &sender,
                            submission_id,
                            &current.reply_token,
                            &facts,
                            &problems,
                        ),
                        piece,
                        file: body.file,
                    }
                });
            }
        }
    }
    let revised = matches!(change, Some(ReplyChange::Revision { .. }));
    let stored = store
        .ingest_reply(
            IngestReply {
                message: record,
                submission_id,
                change,
            },
            now,
        )
        .await?;
    Ok(if stored {
        Outcome::Reply {
            submission_id,
            revised,
        }
    } else {
        Outcome::Duplicate
    })
}

/// The one call taking pieces at `now` (on time or late), if exactly one is: where a message or
/// a sign-in that names no call belongs.
pub fn only_open_call(
    calls: &[docket_store::StoredCall],
    now: Timestamp,
) -> Option<&docket_store::StoredCall> {
    let mut open = calls
        .iter()
        .filter(|stored| !matches!(admission(&stored.call, now), Admission::Closed(_)));
    match (open.next(), open.next()) {
        (Some(only), None) => Some(only),
        _ => None,
    }
}
