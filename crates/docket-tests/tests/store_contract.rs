//! The storage contract, run against SQLite and PostgreSQL alike.

use docket_store::{Actor, Saved};
use docket_tests::app::parse_call;
use docket_tests::db::TestDb;
use docket_tests::{SECOND_CALL, SEED_CALL, both_backends};
use jiff::Timestamp;

both_backends! {
    a_saved_call_reads_back_unchanged => saved_call_reads_back_unchanged,
    saving_a_call_again_updates_it_and_both_changes_are_audited => saving_again_updates_and_audits,
    calls_are_listed_latest_week_first => calls_listed_latest_first,
    migrating_twice_changes_nothing => migrating_twice_changes_nothing,
    a_committed_call_survives_reopening_the_database => committed_call_survives_reopening,
    an_unknown_slug_is_none => unknown_slug_is_none,
}

fn at(text: &str) -> Timestamp {
    text.parse().unwrap()
}

async fn open(db: &TestDb) -> std::sync::Arc<dyn docket_store::Store> {
    let store = docket_store::connect(db.url()).await.expect("connect");
    store.migrate().await.expect("migrate");
    store
}

async fn saved_call_reads_back_unchanged(db: &TestDb) {
    let store = open(db).await;
    let call = parse_call(SEED_CALL);
    let (stored, saved) = store
        .save_call(&call, &Actor::Cli, at("2022-10-13T08:00:00Z"))
        .await
        .unwrap();
    assert_eq!(saved, Saved::Created);
    assert_eq!(stored.call, call);
    let read = store
        .call("digital-justice-week-2022")
        .await
        .unwrap()
        .expect("stored");
    assert_eq!(read.call, call);
    assert_eq!(read.created_at, at("2022-10-13T08:00:00Z"));
    assert_eq!(read.id, stored.id);
    store.close().await;
}

async fn saving_again_updates_and_audits(db: &TestDb) {
    let store = open(db).await;
    let mut call = parse_call(SEED_CALL);
    store
        .save_call(&call, &Actor::System, at("2022-10-13T08:00:00Z"))
        .await
        .unwrap();
    call.title = "Digital Justice Week 2022 (revised)".into();
    let (stored, saved) = store
        .save_call(&call, &Actor::Cli, at("2022-10-14T08:00:00Z"))
        .await
        .unwrap();
    assert_eq!(saved, Saved::Updated);
    assert_eq!(stored.created_at, at("2022-10-13T08:00:00Z"));
    assert_eq!(stored.updated_at, at("2022-10-14T08:00:00Z"));
    assert_eq!(store.calls().await.unwrap().len(), 1, "same slug, one call");
    let trail = store
        .audit_trail("call:digital-justice-week-2022")
        .await
        .unwrap();
    let actions: Vec<_> = trail
        .iter()
        .map(|e| (e.actor.as_str(), e.action.as_str()))
        .collect();
    assert_eq!(
        actions,
        [("system", "call.created"), ("cli", "call.updated")]
    );
    assert_eq!(
        trail[1].detail["title"],
        "Digital Justice Week 2022 (revised)"
    );
    store.close().await;
}

async fn calls_listed_latest_first(db: &TestDb) {
    let store = open(db).await;
    let now = at("2022-10-13T08:00:00Z");
    store
        .save_call(&parse_call(SEED_CALL), &Actor::Cli, now)
        .await
        .unwrap();
    store
        .save_call(&parse_call(SECOND_CALL), &Actor::Cli, now)
        .await
        .unwrap();
    let slugs: Vec<_> = store
        .calls()
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.call.slug.to_string())
        .collect();
    assert_eq!(slugs, ["open-data-week-2027", "digital-justice-week-2022"]);
    store.close().await;
}

async fn migrating_twice_changes_nothing(db: &TestDb) {
    let store = open(db).await;
    store
        .save_call(
            &parse_call(SEED_CALL),
            &Actor::Cli,
            at("2022-10-13T08:00:00Z"),
        )
        .await
        .unwrap();
    store.migrate().await.expect("second migration");
    assert_eq!(store.calls().await.unwrap().len(), 1);
    store.ping().await.unwrap();
    store.close().await;
}

async fn committed_call_survives_reopening(db: &TestDb) {
    let store = open(db).await;
    store
        .save_call(
            &parse_call(SECOND_CALL),
            &Actor::Cli,
            at("2027-02-01T14:00:00Z"),
        )
        .await
        .unwrap();
    store.close().await;
    let reopened = open(db).await;
    let call = reopened
        .call("open-data-week-2027")
        .await
        .unwrap()
        .expect("still there");
    assert_eq!(call.call.deadline_at(), at("2027-03-01T22:00:00Z"));
    reopened.close().await;
}

async fn unknown_slug_is_none(db: &TestDb) {
    let store = open(db).await;
    assert!(store.call("no-such-call").await.unwrap().is_none());
    store.close().await;
}

#[tokio::test]
async fn a_url_of_another_kind_is_refused_with_what_to_write() {
    let error = docket_store::connect("mysql://localhost/docket")
        .await
        .unwrap_err();
    assert!(
        error.to_string().contains("sqlite:// or postgres://"),
        "{error}"
    );
}
