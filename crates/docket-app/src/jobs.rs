//! The job runner: durable background work from the `jobs` table, leased like the outbox so that
//! several nodes can run it without doing anything twice. Today it sends deadline reminders to
//! contributors who still hold drafts; a reminder's idempotency key comes from the job and the
//! piece, so a job run again after a crash queues no reminder twice. Each round also moves mail
//! that waited too long for its sender's confirmation to triage.

use docket_core::pledge::PledgeState;
use std::sync::Arc;
use std::time::Duration;

use docket_core::Clock;
use docket_core::call::describe_duration;
use docket_store::{CallId, Job, JobSpec, Store, StoreError};
use jiff::SignedDuration;

use docket_mail::Mailer;

/// How the runner paces itself.
#[derive(Debug, Clone)]
pub struct RunnerSettings {
    /// This runner's name in leases (unique per process).
    pub name: String,
    /// How long a leased job is this runner's before another may take it.
    pub lease: SignedDuration,
    /// Tries before a job is marked failed.
    pub max_attempts: i64,
    /// Pause between rounds.
    pub poll: Duration,
    /// Mail held for its sender's confirmation longer than this stays in triage.
    pub confirm_within: SignedDuration,
    /// Rejected and withdrawn pieces are erased this long after their call's week ended.
    pub retention: SignedDuration,
}

impl Default for RunnerSettings {
    fn default() -> Self {
        Self {
            name: format!("jobs-{}-{}", std::process::id(), rand::random::<u32>()),
            lease: SignedDuration::from_mins(10),
            max_attempts: 5,
            poll: Duration::from_secs(30),
            confirm_within: SignedDuration::from_hours(7 * 24),
            retention: SignedDuration::from_hours(365 * 24),
        }
    }
}

/// Runs every job that is due, once. Returns the jobs it finished.
pub async fn run_once(
    store: &dyn Store,
    clock: &dyn Clock,
    mailer: &Mailer,
    settings: &RunnerSettings,
) -> Result<Vec<(Job, String)>, StoreError> {
    let now = clock.now();
    let held_since = now.checked_sub(settings.confirm_within).unwrap_or(now);
    // Decisions whose undo window has ended reach their authors now.
    let applied = store.apply_due_decisions(now).await?;
    if !applied.is_empty() {
        tracing::info!(decisions = applied.len(), "decisions reached their authors");
    }
    let ended_before = now.checked_sub(settings.retention).unwrap_or(now);
    let erased = store.erase_expired_pieces(ended_before, now).await?;
    if erased > 0 {
        tracing::info!(
            erased,
            "rejected and withdrawn pieces past the retention period erased"
        );
    }
    let expired = store.expire_held(held_since, now).await?;
    if expired > 0 {
        tracing::info!(
            expired,
            "held mail was not confirmed by its sender in time: kept for triage"
        );
    }
    let lease_until = now.checked_add(settings.lease).unwrap_or(now);
    let jobs = store
        .lease_jobs(&settings.name, now, lease_until, 10)
        .await?;
    let mut done = Vec::new();
    for job in jobs {
        let result = match job.spec() {
            Some(JobSpec::RemindDrafts { call_id, .. }) => {
                remind_drafts(store, clock, mailer, &job, call_id).await
            }
            Some(JobSpec::Publish {
                call_id,
                submission_id,
                at,
            }) => {
                crate::week::publish(store, mailer, call_id, submission_id, at, clock.now()).await
            }
            None => Err(format!("Docket does not know jobs of kind `{}`", job.kind)),
        };
        match result {
            Ok(outcome) => {
                store
                    .finish_job(job.id, &settings.name, &outcome, clock.now())
                    .await?;
                tracing::info!(job = job.id, kind = %job.kind, %outcome, "job done");
                done.push((job, outcome));
            }
            Err(error) => {
                let retry_at = (job.attempts < settings.max_attempts).then(|| {
                    let wait = SignedDuration::from_mins(1 << job.attempts.clamp(0, 10));
                    clock
                        .now()
                        .checked_add(wait)
                        .unwrap_or_else(|_| clock.now())
                });
                tracing::warn!(job = job.id, kind = %job.kind, %error, "job failed");
                store
                    .fail_job(job.id, &settings.name, &error, retry_at)
                    .await?;
            }
        }
    }
    Ok(done)
}

/// Emails everyone who still holds a draft for the job's call how long is left.
async fn remind_drafts(
    store: &dyn Store,
    clock: &dyn Clock,
    mailer: &Mailer,
    job: &Job,
    call_id: CallId,
) -> Result<String, String> {
    let database = |error: StoreError| error.to_string();
    let Some(stored) = store.call_by_id(call_id).await.map_err(database)? else {
        return Ok("the call no longer exists".into());
    };
    let now = clock.now();
    let deadline = stored.call.deadline_at();
    if now >= deadline {
        // Docket was not running when the reminder was due; a reminder after the deadline is noise.
        return Ok("not sent: the deadline had passed".into());
    }
    let time_left = describe_duration(now.duration_until(deadline));
    let letterhead = crate::letterhead(store, mailer, stored.id, &stored.call)
        .await
        .map_err(database)?;
    let mut drafts = store.drafts_of_call(call_id).await.map_err(database)?;
    // One reminder a person, however many drafts they hold: the one they touched last.
    drafts.sort_by_key(|draft| std::cmp::Reverse(draft.updated_at));
    let mut seen = std::collections::HashSet::new();
    drafts.retain(|draft| seen.insert(draft.owner_email.clone()));
    let mut queued = 0;
    for draft in &drafts {
        let mut facts = crate::mail::facts_of(
            mailer,
            &stored.call,
            draft,
            &format!("/submissions/{}/edit", draft.id),
        );
        if facts.title.is_empty() {
            "your untitled piece".clone_into(&mut facts.title);
        }
        let mail = mailer.deadline_reminder(
            &letterhead,
            &draft.owner_email,
            job.id,
            draft.id,
            &facts,
            &time_left,
        );
        if store.enqueue_mail_once(mail, now).await.map_err(database)? {
            queued += 1;
        }
    }
    // Everyone who pledged and has sent nothing for it, and holds no draft (the draft's reminder
    // speaks to them already): one reminder a person, whatever they pledged.
    let holders: std::collections::HashSet<&str> = drafts
        .iter()
        .map(|draft| draft.owner_email.as_str())
        .collect();
    let mut pledgers: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for pledge in store.call_pledges(call_id).await.map_err(database)? {
        if pledge.state != PledgeState::Open
            || pledge.piece_sent()
            || holders.contains(pledge.owner_email.as_str())
        {
            continue;
        }
        let kind = pledge.pledge.kind_name(&stored.call).to_lowercase();
        let kind = if pledge.pledge.kind.is_none() {
            "a piece".to_owned()
        } else {
            format!("a {kind}")
        };
        let days = pledge
            .pledge
            .days
            .as_ref()
            .map(|days| format!(" for {}", days.describe(&stored.call)))
            .unwrap_or_default();
        pledgers
            .entry(pledge.owner_email.clone())
            .or_default()
            .push(format!("{kind}{days}"));
    }
    let mut reminded_pledgers = 0;
    for (email, promised) in &pledgers {
        let mail = mailer.pledge_reminder(
            &letterhead,
            email,
            &promised.join("; and "),
            &time_left,
            &format!("/calls/{}/submit", stored.call.slug),
            &format!("pledge-reminder:{}:{email}", job.id),
        );
        if store.enqueue_mail_once(mail, now).await.map_err(database)? {
            reminded_pledgers += 1;
        }
    }
    let pledged = match reminded_pledgers {
        0 => String::new(),
        1 => "; reminded 1 pledger".to_owned(),
        n => format!("; reminded {n} pledgers"),
    };
    Ok(match (drafts.len(), queued) {
        (0, _) => format!("no drafts to remind{pledged}"),
        (1, 1) => format!("reminded 1 contributor{pledged}"),
        (n, q) if n == q => format!("reminded {n} contributors{pledged}"),
        (n, q) => {
            format!("reminded {q} of {n} contributors (the others were already reminded){pledged}")
        }
    })
}

/// Runs rounds until `shutdown` resolves.
pub async fn run(
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    mailer: Arc<Mailer>,
    settings: RunnerSettings,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) {
    tracing::info!(runner = %settings.name, "job runner started");
    loop {
        if let Err(error) = run_once(store.as_ref(), clock.as_ref(), &mailer, &settings).await {
            tracing::error!(%error, "the job runner could not reach the database");
        }
        tokio::select! {
            _ = tokio::time::sleep(settings.poll) => {}
            _ = shutdown.changed() => break,
        }
    }
    tracing::info!("job runner stopped");
}
