//! Durable jobs, on both backends: the deadline reminder is scheduled with the call, reminds
//! everyone who still holds a draft once, survives a runner that dies mid-job, follows a moved
//! deadline, and stays quiet after the deadline. Also: staff, the call's own wording of an email,
//! and the change-of-state email.

use std::sync::Arc;

use docket_app::jobs::{self, RunnerSettings};
use docket_core::submission::{Piece, SubmissionState};
use docket_core::{Clock, ManualClock};
use docket_mail::{Letterhead, Mailer};
use docket_store::{
    Actor, JobKind, JobStatus, NewMail, NewToken, StaffRole, Store, StoredCall, TemplateText,
    TokenPurpose, User,
};
use docket_tests::app::parse_call;
use docket_tests::db::TestDb;
use docket_tests::{SEED_CALL, both_backends};
use jiff::{SignedDuration, Timestamp};

both_backends! {
    the_deadline_reminder_goes_once_to_each_draft_holder_and_not_to_submitted_pieces => reminder_once,
    a_reminder_job_taken_over_after_its_runner_died_sends_no_reminder_twice => reminder_after_crash,
    moving_the_deadline_moves_the_reminder_and_zero_hours_turns_it_off => reminder_follows_the_call,
    a_reminder_due_after_the_deadline_is_not_sent => reminder_too_late,
    the_call_s_own_wording_is_used_and_restoring_goes_back_to_docket_s => call_wording,
    staff_are_added_changed_listed_and_removed_with_an_audit_trail => staff_roles,
    withdrawing_a_piece_tells_its_owner_in_the_same_transaction => withdraw_mail,
}

const MAILER_URL: &str = "https://docket.example.org";

/// The seed's deadline: 12:00 GMT on 5 November 2022, as the file states it (the checks warn
/// that the prose calls it a Friday). The default reminder is 48 hours before it.
fn deadline() -> Timestamp {
    "2022-11-05T12:00:00Z".parse().unwrap()
}

struct Setup {
    store: Arc<dyn Store>,
    clock: ManualClock,
    call_id: docket_store::CallId,
    mailer: Mailer,
}

async fn setup(db: &TestDb, call_source: &str) -> Setup {
    let store = docket_store::connect(db.url()).await.unwrap();
    store.migrate().await.unwrap();
    let clock = ManualClock::new("2022-10-20T09:00:00Z".parse().unwrap());
    let (stored, _) = store
        .save_call(&parse_call(call_source), &Actor::Cli, clock.now())
        .await
        .unwrap();
    Setup {
        store,
        clock,
        call_id: stored.id,
        mailer: Mailer::new(MAILER_URL),
    }
}

fn token(email: &str) -> NewToken {
    NewToken {
        purpose: TokenPurpose::ConfirmEmail,
        token_hash: format!("hash-{email}"),
        code_hash: None,
        email: email.into(),
        user_id: None,
        inbound_id: None,
        expires_at: "2030-01-01T00:00:00Z".parse().unwrap(),
    }
}

fn plain_mail(to: &str, template: &str) -> NewMail {
    NewMail {
        message_id: format!("<{template}-{to}-{}@docket.example.org>", rand_suffix()),
        to: to.into(),
        subject: "s".into(),
        text: "t".into(),
        html: String::new(),
        template: template.into(),
        submission_id: None,
        call_id: None,
        reply_to: None,
        idempotency_key: None,
        list_unsubscribe: None,
    }
}

fn rand_suffix() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

async fn contributor(setup: &Setup, email: &str) -> User {
    let user = setup
        .store
        .sign_up(
            email,
            "not-a-real-hash",
            token(email),
            plain_mail(email, "confirm_email"),
            setup.clock.now(),
        )
        .await
        .unwrap()
        .expect("a new account");
    setup
        .store
        .confirm_user(user.id, setup.clock.now(), true)
        .await
        .unwrap();
    User {
        confirmed_at: Some(setup.clock.now()),
        ..user
    }
}

async fn draft(setup: &Setup, owner: &User, title: &str) -> docket_store::SubmissionId {
    let piece = Piece {
        kind: "blog".into(),
        title: title.into(),
        ..Piece::default()
    };
    setup
        .store
        .create_draft(setup.call_id, owner, &piece, setup.clock.now())
        .await
        .unwrap()
}

async fn reminders(setup: &Setup) -> Vec<docket_store::OutboxMail> {
    setup
        .store
        .outbox(100)
        .await
        .unwrap()
        .into_iter()
        .filter(|mail| mail.mail.template == "deadline_reminder")
        .collect()
}

/// The stored call and the letterhead its mail is written on.
async fn call_and_letterhead(setup: &Setup) -> (StoredCall, Letterhead) {
    let stored = setup
        .store
        .call_by_id(setup.call_id)
        .await
        .unwrap()
        .unwrap();
    let head = docket_app::letterhead(setup.store.as_ref(), &setup.mailer, stored.id, &stored.call)
        .await
        .unwrap();
    (stored, head)
}

async fn run(setup: &Setup, name: &str) -> Vec<String> {
    let settings = RunnerSettings {
        name: name.into(),
        ..RunnerSettings::default()
    };
    jobs::run_once(setup.store.as_ref(), &setup.clock, &setup.mailer, &settings)
        .await
        .unwrap()
        .into_iter()
        .map(|(_, outcome)| outcome)
        .collect()
}

async fn reminder_once(db: &TestDb) {
    let setup = setup(db, SEED_CALL).await;
    let ada = contributor(&setup, "ada@example.org").await;
    let grace = contributor(&setup, "grace@example.org").await;
    let done = contributor(&setup, "done@example.org").await;
    let ada_draft = draft(&setup, &ada, "Data at the heart of justice").await;
    let grace_draft = draft(&setup, &grace, "").await;
    let submitted = draft(&setup, &done, "Already in").await;
    let piece = Piece {
        kind: "blog".into(),
        title: "Already in".into(),
        ..Piece::default()
    };
    setup
        .store
        .submit_revision(
            submitted,
            done.id,
            &piece,
            false,
            &[],
            plain_mail("done@example.org", "receipt"),
            setup.clock.now(),
        )
        .await
        .unwrap();

    let jobs = setup.store.call_jobs(setup.call_id).await.unwrap();
    assert_eq!(jobs.len(), 1, "{jobs:?}");
    assert_eq!(jobs[0].kind, JobKind::RemindDrafts.as_str());
    assert_eq!(jobs[0].run_at, deadline() - SignedDuration::from_hours(48));

    // Not yet due.
    assert!(run(&setup, "a").await.is_empty());
    assert!(reminders(&setup).await.is_empty());

    setup.clock.set(deadline() - SignedDuration::from_hours(47));
    assert_eq!(run(&setup, "a").await, ["reminded 2 contributors"]);
    let sent = reminders(&setup).await;
    let mut to: Vec<&str> = sent.iter().map(|mail| mail.mail.to.as_str()).collect();
    to.sort_unstable();
    assert_eq!(to, ["ada@example.org", "grace@example.org"]);
    let ada_mail = sent
        .iter()
        .find(|mail| mail.mail.to == "ada@example.org")
        .unwrap();
    assert_eq!(
        ada_mail.mail.subject,
        "1 day, 23 hours left to submit to Digital Justice Week 2022"
    );
    assert!(
        ada_mail
            .mail
            .text
            .contains("The deadline is 12:00 GMT on Saturday 5 November 2022"),
        "{}",
        ada_mail.mail.text
    );
    assert!(
        ada_mail
            .mail
            .text
            .contains(&format!("{MAILER_URL}/submissions/{ada_draft}/edit")),
        "{}",
        ada_mail.mail.text
    );
    assert_eq!(ada_mail.mail.submission_id, Some(ada_draft));
    assert_eq!(ada_mail.mail.call_id, Some(setup.call_id));
    let grace_mail = sent
        .iter()
        .find(|mail| mail.mail.submission_id == Some(grace_draft))
        .unwrap();
    assert!(
        grace_mail.mail.text.contains("your untitled piece"),
        "{}",
        grace_mail.mail.text
    );

    // Done is done: later rounds send nothing more.
    setup.clock.advance(SignedDuration::from_hours(1));
    assert!(run(&setup, "b").await.is_empty());
    assert_eq!(reminders(&setup).await.len(), 2);
    let job = &setup.store.call_jobs(setup.call_id).await.unwrap()[0];
    assert_eq!(job.status, JobStatus::Done);
    assert_eq!(job.outcome.as_deref(), Some("reminded 2 contributors"));
    let trail = setup
        .store
        .audit_trail(&format!("job:{}", job.id))
        .await
        .unwrap();
    assert_eq!(trail.len(), 1, "{trail:?}");
    assert_eq!(trail[0].action, "job.remind_drafts.done");
}

async fn reminder_after_crash(db: &TestDb) {
    let setup = setup(db, SEED_CALL).await;
    let ada = contributor(&setup, "ada@example.org").await;
    let grace = contributor(&setup, "grace@example.org").await;
    draft(&setup, &ada, "One").await;
    draft(&setup, &grace, "Two").await;
    setup.clock.set(deadline() - SignedDuration::from_hours(47));

    // A runner takes the job and dies after queuing one reminder (its lease is all that is left).
    let now = setup.clock.now();
    let leased = setup
        .store
        .lease_jobs("dead", now, now + SignedDuration::from_mins(10), 10)
        .await
        .unwrap();
    assert_eq!(leased.len(), 1);
    let (stored, head) = call_and_letterhead(&setup).await;
    let first = setup.store.drafts_of_call(setup.call_id).await.unwrap()[0].clone();
    let facts = setup.mailer.piece_facts(
        &stored.call,
        &first.draft,
        &format!("/submissions/{}/edit", first.id),
        0,
        false,
        vec![],
    );
    let mail = setup.mailer.deadline_reminder(
        &head,
        &first.owner_email,
        leased[0].id,
        first.id,
        &facts,
        "1 day",
    );
    assert!(
        setup
            .store
            .enqueue_mail_once(mail.clone(), now)
            .await
            .unwrap()
    );
    assert!(
        !setup.store.enqueue_mail_once(mail, now).await.unwrap(),
        "the same reminder queues once"
    );

    // While the lease holds, nobody else takes the job.
    assert!(run(&setup, "alive").await.is_empty());
    // After it runs out, another runner takes over and finishes without a second reminder.
    setup.clock.advance(SignedDuration::from_mins(11));
    assert_eq!(
        run(&setup, "alive").await,
        ["reminded 1 of 2 contributors (the others were already reminded)"]
    );
    let sent = reminders(&setup).await;
    assert_eq!(sent.len(), 2, "one reminder per draft holder");
    let mut to: Vec<&str> = sent.iter().map(|mail| mail.mail.to.as_str()).collect();
    to.sort_unstable();
    assert_eq!(to, ["ada@example.org", "grace@example.org"]);
    // The dead runner's late word changes nothing.
    setup
        .store
        .finish_job(leased[0].id, "dead", "late", setup.clock.now())
        .await
        .unwrap();
    let job = &setup.store.call_jobs(setup.call_id).await.unwrap()[0];
    assert_eq!(
        job.outcome.as_deref(),
        Some("reminded 1 of 2 contributors (the others were already reminded)")
    );
}

async fn reminder_follows_the_call(db: &TestDb) {
    let setup = setup(db, SEED_CALL).await;
    let moved = SEED_CALL.replace(
        "date = 2022-11-05\ntime = 12:00:00",
        "date = 2022-11-07\ntime = 12:00:00\nreminder_hours = 24",
    );
    assert_ne!(
        moved, SEED_CALL,
        "the seed's deadline lines changed: update this test"
    );
    setup
        .store
        .save_call(&parse_call(&moved), &Actor::Cli, setup.clock.now())
        .await
        .unwrap();
    let jobs = setup.store.call_jobs(setup.call_id).await.unwrap();
    let statuses: Vec<(JobStatus, Timestamp)> =
        jobs.iter().map(|job| (job.status, job.run_at)).collect();
    assert_eq!(
        statuses,
        [
            (
                JobStatus::Cancelled,
                deadline() - SignedDuration::from_hours(48)
            ),
            (JobStatus::Queued, "2022-11-06T12:00:00Z".parse().unwrap()),
        ]
    );
    // Saving the same call again schedules nothing new.
    setup
        .store
        .save_call(&parse_call(&moved), &Actor::Cli, setup.clock.now())
        .await
        .unwrap();
    assert_eq!(setup.store.call_jobs(setup.call_id).await.unwrap().len(), 2);
    let off = moved.replace("reminder_hours = 24", "reminder_hours = 0");
    setup
        .store
        .save_call(&parse_call(&off), &Actor::Cli, setup.clock.now())
        .await
        .unwrap();
    let jobs = setup.store.call_jobs(setup.call_id).await.unwrap();
    assert!(
        jobs.iter().all(|job| job.status == JobStatus::Cancelled),
        "{jobs:?}"
    );
    let ada = contributor(&setup, "ada@example.org").await;
    draft(&setup, &ada, "One").await;
    setup.clock.set("2022-11-07T11:00:00Z".parse().unwrap());
    assert!(run(&setup, "a").await.is_empty());
    assert!(reminders(&setup).await.is_empty());
}

async fn reminder_too_late(db: &TestDb) {
    let setup = setup(db, SEED_CALL).await;
    let ada = contributor(&setup, "ada@example.org").await;
    draft(&setup, &ada, "One").await;
    // Docket was down from before the reminder until after the deadline.
    setup.clock.set(deadline() + SignedDuration::from_hours(1));
    assert_eq!(
        run(&setup, "a").await,
        ["not sent: the deadline had passed"]
    );
    assert!(reminders(&setup).await.is_empty());
}

async fn call_wording(db: &TestDb) {
    let setup = setup(db, SEED_CALL).await;
    let stored = setup
        .store
        .call_by_id(setup.call_id)
        .await
        .unwrap()
        .unwrap();
    let own = TemplateText {
        subject: "Thanks for your piece for {{ call.title }}".into(),
        text: "Dear contributor,\n{{ piece.title }} arrived. {{ piece.link }}\n".into(),
        html: "<p>{{ piece.title }} arrived.</p>".into(),
    };
    setup
        .store
        .save_mail_template(
            setup.call_id,
            "receipt",
            Some(&own),
            &Actor::User(docket_store::UserId(7)),
            setup.clock.now(),
        )
        .await
        .unwrap();
    let head = docket_app::letterhead(setup.store.as_ref(), &setup.mailer, stored.id, &stored.call)
        .await
        .unwrap();
    let facts = docket_mail::PieceFacts {
        title: "Data".into(),
        revision: 1,
        link: format!("{MAILER_URL}/submissions/1"),
        ..Default::default()
    };
    let mail = setup.mailer.receipt(
        &head,
        "ada@example.org",
        docket_store::SubmissionId(1),
        "tok",
        &facts,
    );
    assert_eq!(
        mail.subject,
        "Thanks for your piece for Digital Justice Week 2022"
    );
    assert!(
        mail.text.starts_with("Dear contributor,\nData arrived."),
        "{}",
        mail.text
    );
    assert!(mail.html.contains("<p>Data arrived.</p>"), "{}", mail.html);
    let templates = setup.store.mail_templates(setup.call_id).await.unwrap();
    assert_eq!(templates.len(), 1);
    assert_eq!(templates[0].updated_by, "user:7");

    setup
        .store
        .save_mail_template(
            setup.call_id,
            "receipt",
            None,
            &Actor::User(docket_store::UserId(7)),
            setup.clock.now(),
        )
        .await
        .unwrap();
    let head = docket_app::letterhead(setup.store.as_ref(), &setup.mailer, stored.id, &stored.call)
        .await
        .unwrap();
    let mail = setup.mailer.receipt(
        &head,
        "ada@example.org",
        docket_store::SubmissionId(1),
        "tok",
        &facts,
    );
    assert_eq!(mail.subject, "Received: Data");
    let actions: Vec<String> = setup
        .store
        .audit_trail("call:digital-justice-week-2022")
        .await
        .unwrap()
        .into_iter()
        .map(|event| event.action)
        .collect();
    assert!(
        actions.ends_with(&[
            "call.email_reworded".to_owned(),
            "call.email_default_restored".to_owned()
        ]),
        "{actions:?}"
    );
}

async fn staff_roles(db: &TestDb) {
    let setup = setup(db, SEED_CALL).await;
    let store = setup.store.as_ref();
    let now = setup.clock.now();
    store
        .add_staff(
            setup.call_id,
            "jago@example.org",
            StaffRole::Editor,
            &Actor::Cli,
            now,
        )
        .await
        .unwrap();
    store
        .add_staff(
            setup.call_id,
            "jago@example.org",
            StaffRole::Organiser,
            &Actor::Cli,
            now,
        )
        .await
        .unwrap();
    store
        .add_staff(
            setup.call_id,
            "ed@example.org",
            StaffRole::Editor,
            &Actor::Cli,
            now,
        )
        .await
        .unwrap();
    let staff: Vec<(String, StaffRole)> = store
        .staff(setup.call_id)
        .await
        .unwrap()
        .into_iter()
        .map(|member| (member.email, member.role))
        .collect();
    assert_eq!(
        staff,
        [
            ("ed@example.org".to_owned(), StaffRole::Editor),
            ("jago@example.org".to_owned(), StaffRole::Organiser)
        ]
    );
    let calls = store.staffed_calls("jago@example.org").await.unwrap();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].1, StaffRole::Organiser);
    assert!(
        store
            .staffed_calls("ada@example.org")
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .remove_staff(setup.call_id, "ed@example.org", &Actor::Cli, now)
            .await
            .unwrap()
    );
    assert!(
        !store
            .remove_staff(setup.call_id, "ed@example.org", &Actor::Cli, now)
            .await
            .unwrap(),
        "removing twice says so"
    );
    let actions: Vec<String> = store
        .audit_trail("call:digital-justice-week-2022")
        .await
        .unwrap()
        .into_iter()
        .map(|event| event.action)
        .collect();
    assert_eq!(
        actions
            .iter()
            .filter(|action| action.starts_with("call.staff_"))
            .count(),
        4,
        "{actions:?}"
    );
}

async fn withdraw_mail(db: &TestDb) {
    let setup = setup(db, SEED_CALL).await;
    let ada = contributor(&setup, "ada@example.org").await;
    let id = draft(&setup, &ada, "Data at the heart of justice").await;
    let record = setup.store.submission(id).await.unwrap().unwrap();
    assert!(
        record.reply_token.len() >= 16,
        "every piece has its reply token"
    );
    let (stored, head) = call_and_letterhead(&setup).await;
    let facts = setup.mailer.piece_facts(
        &stored.call,
        &record.draft,
        &format!("/submissions/{id}"),
        0,
        false,
        vec![],
    );
    let mail = setup.mailer.state_changed(
        &head,
        &record.owner_email,
        id,
        &record.reply_token,
        &facts,
        SubmissionState::Draft,
        SubmissionState::Withdrawn,
        "",
    );
    // A state change that does not apply queues nothing.
    let refused = setup
        .store
        .set_state(
            id,
            ada.id,
            SubmissionState::Submitted,
            SubmissionState::Withdrawn,
            Some(mail.clone()),
            setup.clock.now(),
        )
        .await;
    assert!(refused.is_err());
    assert!(
        setup
            .store
            .outbox(10)
            .await
            .unwrap()
            .iter()
            .all(|queued| queued.mail.template != "state_changed")
    );
    setup
        .store
        .set_state(
            id,
            ada.id,
            SubmissionState::Draft,
            SubmissionState::Withdrawn,
            Some(mail),
            setup.clock.now(),
        )
        .await
        .unwrap();
    let queued: Vec<_> = setup
        .store
        .outbox(10)
        .await
        .unwrap()
        .into_iter()
        .filter(|queued| queued.mail.template == "state_changed")
        .collect();
    assert_eq!(queued.len(), 1);
    assert_eq!(
        queued[0].mail.subject,
        "Data at the heart of justice: Withdrawn"
    );
    assert!(
        queued[0].mail.text.contains("nothing more will be sent"),
        "{}",
        queued[0].mail.text
    );
    // Withdrawn pieces are not drafts: no reminder for them.
    assert!(
        setup
            .store
            .drafts_of_call(setup.call_id)
            .await
            .unwrap()
            .is_empty()
    );
    // The call's outbox page shows call mail only (not the confirmation, which has no call).
    let call_mail = setup.store.call_outbox(setup.call_id, 50).await.unwrap();
    assert_eq!(call_mail.len(), 1);
    assert_eq!(call_mail[0].mail.template, "state_changed");
}
