//! The outbox worker against a real SMTP receiver (aiosmtpd on loopback), on both backends:
//! delivery with stable Message-IDs, retries with backoff, several workers, and crashes.

use std::sync::Arc;

use docket_app::outbox::{self, WorkerSettings};
use docket_core::{Clock, ManualClock};
use docket_mail::smtp::{SmtpTransport, Transport};
use docket_store::MailStatus;
use docket_store::{NewMail, Store};
use docket_tests::both_backends;
use docket_tests::db::TestDb;
use docket_tests::smtp::SmtpReceiver;
use jiff::SignedDuration;

both_backends! {
    queued_mail_is_delivered_once_with_its_message_id_and_auto_submitted => delivered_once,
    a_receiver_that_is_down_means_retries_with_backoff_then_delivery => retries_then_delivery,
    after_the_last_try_a_mail_is_marked_failed_and_never_lost => bounded_tries,
    two_workers_never_send_the_same_row => two_workers,
    a_worker_that_dies_mid_send_loses_nothing_and_duplicates_carry_the_same_message_id => crash_mid_send,
}

async fn open(db: &TestDb) -> Arc<dyn Store> {
    let store = docket_store::connect(db.url()).await.unwrap();
    store.migrate().await.unwrap();
    store
}

fn mail(n: usize) -> NewMail {
    NewMail {
        message_id: format!("<test-{n}-{}@docket.example.org>", std::process::id()),
        to: format!("person{n}@example.org"),
        subject: format!("Message {n}"),
        text: format!("Plain text {n}"),
        html: format!("<p>HTML {n}</p>"),
        template: "test".into(),
        submission_id: None,
        call_id: None,
        reply_to: None,
        idempotency_key: None,
        list_unsubscribe: None,
    }
}

fn settings(name: &str) -> WorkerSettings {
    WorkerSettings {
        name: name.into(),
        lease: SignedDuration::from_mins(5),
        batch: 10,
        max_attempts: 3,
        first_retry: SignedDuration::from_mins(1),
        idle_poll: std::time::Duration::from_millis(20),
    }
}

async fn delivered_once(db: &TestDb) {
    let Some(receiver) = SmtpReceiver::start() else {
        return;
    };
    let store = open(db).await;
    let clock = ManualClock::new("2022-10-13T08:00:00Z".parse().unwrap());
    store.enqueue_mail(mail(1), clock.now()).await.unwrap();
    let transport = SmtpTransport::new(&receiver.settings()).unwrap();
    let round = outbox::run_once(store.as_ref(), &transport, &clock, &settings("a"))
        .await
        .unwrap();
    assert_eq!(round.sent, 1);
    let again = outbox::run_once(store.as_ref(), &transport, &clock, &settings("a"))
        .await
        .unwrap();
    assert_eq!(again.sent, 0, "nothing is sent twice");
    let messages = receiver.messages();
    assert_eq!(messages.len(), 1);
    let message = &messages[0];
    assert_eq!(
        message.header("Message-ID"),
        Some(mail(1).message_id.as_str())
    );
    assert_eq!(message.header("Auto-Submitted"), Some("auto-generated"));
    assert_eq!(message.header("Subject"), Some("Message 1"));
    assert_eq!(message.header("X-RcptTo"), Some("person1@example.org"));
    assert!(
        message
            .header("Content-Type")
            .unwrap()
            .starts_with("multipart/alternative")
    );
    assert!(message.raw.contains("Plain text 1") && message.raw.contains("<p>HTML 1</p>"));
    let row = &store.outbox(10).await.unwrap()[0];
    assert_eq!((row.status.as_str(), row.attempts), ("sent", 1));
    store.close().await;
}

async fn retries_then_delivery(db: &TestDb) {
    let Some(mut receiver) = SmtpReceiver::start() else {
        return;
    };
    let store = open(db).await;
    let clock = ManualClock::new("2022-10-13T08:00:00Z".parse().unwrap());
    store.enqueue_mail(mail(2), clock.now()).await.unwrap();
    let transport = SmtpTransport::new(&receiver.settings()).unwrap();
    receiver.pause();
    let round = outbox::run_once(store.as_ref(), &transport, &clock, &settings("a"))
        .await
        .unwrap();
    assert_eq!(round.retrying, 1);
    let row = store.outbox(1).await.unwrap().remove(0);
    assert_eq!((row.status.as_str(), row.attempts), ("queued", 1));
    assert!(row.last_error.is_some());
    // Not due again before the backoff has passed, even with the receiver back.
    receiver.resume();
    assert_eq!(
        outbox::run_once(store.as_ref(), &transport, &clock, &settings("a"))
            .await
            .unwrap()
            .sent,
        0
    );
    clock.advance(SignedDuration::from_secs(61));
    assert_eq!(
        outbox::run_once(store.as_ref(), &transport, &clock, &settings("a"))
            .await
            .unwrap()
            .sent,
        1
    );
    assert_eq!(receiver.messages().len(), 1);
    store.close().await;
}

async fn bounded_tries(db: &TestDb) {
    let Some(mut receiver) = SmtpReceiver::start() else {
        return;
    };
    let store = open(db).await;
    let clock = ManualClock::new("2022-10-13T08:00:00Z".parse().unwrap());
    store.enqueue_mail(mail(3), clock.now()).await.unwrap();
    let transport = SmtpTransport::new(&receiver.settings()).unwrap();
    receiver.pause();
    // Three tries (1 minute, then 2 minutes apart), then marked failed.
    for (expected, wait) in [
        (MailStatus::Queued, 0),
        (MailStatus::Queued, 61),
        (MailStatus::Failed, 121),
    ] {
        clock.advance(SignedDuration::from_secs(wait));
        outbox::run_once(store.as_ref(), &transport, &clock, &settings("a"))
            .await
            .unwrap();
        assert_eq!(store.outbox(1).await.unwrap()[0].status, expected);
    }
    clock.advance(SignedDuration::from_hours(24));
    receiver.resume();
    assert_eq!(
        outbox::run_once(store.as_ref(), &transport, &clock, &settings("a"))
            .await
            .unwrap()
            .sent,
        0
    );
    let row = store.outbox(1).await.unwrap().remove(0);
    assert_eq!((row.status.as_str(), row.attempts), ("failed", 3));
    assert_eq!(row.mail, mail(3), "the failed mail is kept whole");
    store.close().await;
}

async fn two_workers(db: &TestDb) {
    let Some(receiver) = SmtpReceiver::start() else {
        return;
    };
    let store = open(db).await;
    let clock = Arc::new(ManualClock::new("2022-10-13T08:00:00Z".parse().unwrap()));
    for n in 0..40 {
        store
            .enqueue_mail(mail(100 + n), clock.now())
            .await
            .unwrap();
    }
    let transport: Arc<dyn Transport> = Arc::new(SmtpTransport::new(&receiver.settings()).unwrap());
    let mut workers = Vec::new();
    for name in ["one", "two"] {
        let (store, transport, clock) = (store.clone(), transport.clone(), clock.clone());
        workers.push(tokio::spawn(async move {
            let mut sent = 0;
            loop {
                let round = outbox::run_once(
                    store.as_ref(),
                    transport.as_ref(),
                    clock.as_ref(),
                    &settings(name),
                )
                .await
                .unwrap();
                if round.sent == 0 {
                    break sent;
                }
                sent += round.sent;
            }
        }));
    }
    let mut total = 0;
    for worker in workers {
        total += worker.await.unwrap();
    }
    assert_eq!(total, 40);
    let ids: Vec<String> = receiver
        .messages()
        .iter()
        .map(|m| m.header("Message-ID").unwrap().to_owned())
        .collect();
    let distinct: std::collections::BTreeSet<_> = ids.iter().collect();
    assert_eq!(ids.len(), 40, "each row sent once");
    assert_eq!(distinct.len(), 40);
    assert!(
        store
            .outbox(100)
            .await
            .unwrap()
            .iter()
            .all(|row| row.status == MailStatus::Sent)
    );
    store.close().await;
}

async fn crash_mid_send(db: &TestDb) {
    let Some(receiver) = SmtpReceiver::start() else {
        return;
    };
    let store = open(db).await;
    let clock = ManualClock::new("2022-10-13T08:00:00Z".parse().unwrap());
    for n in 0..4 {
        store
            .enqueue_mail(mail(200 + n), clock.now())
            .await
            .unwrap();
    }
    let transport = SmtpTransport::new(&receiver.settings()).unwrap();
    // Worker "dead" leases two rows; it hands the first to SMTP and dies before recording it
    // (the window SMTP cannot close); it dies before sending the second at all.
    let lease_until = clock.now() + SignedDuration::from_mins(5);
    let leased = store
        .lease_outbox("dead", clock.now(), lease_until, 2)
        .await
        .unwrap();
    assert_eq!(leased.len(), 2);
    transport.send(&leased[0].mail).await.unwrap();
    // Another worker sends what is free, and leaves the dead worker's rows alone while leased.
    assert_eq!(
        outbox::run_once(&*store, &transport, &clock, &settings("alive"))
            .await
            .unwrap()
            .sent,
        2
    );
    // When the lease runs out, the rows are taken over and sent.
    clock.advance(SignedDuration::from_mins(6));
    assert_eq!(
        outbox::run_once(&*store, &transport, &clock, &settings("alive"))
            .await
            .unwrap()
            .sent,
        2
    );
    let rows = store.outbox(10).await.unwrap();
    assert!(
        rows.iter().all(|row| row.status == MailStatus::Sent),
        "nothing lost"
    );
    let ids: Vec<String> = receiver
        .messages()
        .iter()
        .map(|m| m.header("Message-ID").unwrap().to_owned())
        .collect();
    let distinct: std::collections::BTreeSet<_> = ids.iter().cloned().collect();
    assert_eq!(
        distinct.len(),
        rows.len(),
        "distinct Message-IDs at the receiver equal the outbox rows"
    );
    assert_eq!(
        ids.len(),
        rows.len() + 1,
        "one duplicate, from the window SMTP cannot close"
    );
    assert_eq!(
        ids.iter()
            .filter(|id| **id == leased[0].mail.message_id)
            .count(),
        2,
        "the duplicate carries the same Message-ID"
    );
    store.close().await;
}
