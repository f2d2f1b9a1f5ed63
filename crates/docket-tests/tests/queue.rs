//! The editors' queue in the store, on both backends: full-text search agrees between SQLite's
//! FTS5 and PostgreSQL's text search on a table of queries (accents, hyphens, prefixes, phrases,
//! names), and the filters, sorting and pages read the same pieces; decisions wait out their
//! undo window, apply once, lapse when the piece moved, and undo without a trace for the author.

use std::collections::BTreeSet;

use docket_core::search::SearchQuery;
use docket_core::submission::{Author, CandidateDays, Piece, SubmissionState};
use docket_store::{
    DecisionAction, LengthFilter, NewDecision, NewMail, QueueQuery, QueueSort, Store, StoredCall,
    SubmissionId, User,
};
use docket_tests::app::parse_call;
use docket_tests::db::TestDb;
use docket_tests::{SEED_CALL, both_backends};
use jiff::Timestamp;

both_backends! {
    search_finds_the_same_pieces_on_both_backends => search_table,
    the_queue_filters_sorts_and_pages => filters,
    a_decision_reaches_the_author_only_after_its_undo_window => undo_window,
}

fn at(text: &str) -> Timestamp {
    text.parse().unwrap()
}

async fn open(db: &TestDb) -> std::sync::Arc<dyn Store> {
    let store = docket_store::connect(db.url()).await.unwrap();
    store.migrate().await.unwrap();
    store
}

async fn seed(store: &dyn Store) -> StoredCall {
    let call = parse_call(SEED_CALL);
    store
        .save_call(&call, &docket_store::Actor::Cli, at("2022-10-13T08:00:00Z"))
        .await
        .unwrap();
    store.call(call.slug.as_str()).await.unwrap().unwrap()
}

async fn person(store: &dyn Store, email: &str) -> User {
    let mut work = store.begin().await.unwrap();
    work.create_account(email, at("2022-10-13T08:00:00Z"))
        .await
        .unwrap();
    work.commit().await.unwrap();
    store.user_by_email(email).await.unwrap().unwrap()
}

fn receipt(to: &str, n: usize) -> NewMail {
    NewMail {
        message_id: format!("<queue-{n}-{}@docket.example.org>", std::process::id()),
        to: to.into(),
        subject: "Received".into(),
        text: "Thanks".into(),
        html: "<p>Thanks</p>".into(),
        template: "receipt".into(),
        submission_id: None,
        call_id: None,
        reply_to: None,
        idempotency_key: None,
        list_unsubscribe: None,
    }
}

/// Sends a piece: draft, then its first revision.
#[allow(clippy::too_many_arguments)]
async fn send(
    store: &dyn Store,
    call: &StoredCall,
    owner: &User,
    n: usize,
    kind: &str,
    title: &str,
    body: &str,
    author: &str,
    day: Option<&str>,
    words: u64,
    when: &str,
) -> SubmissionId {
    // The body holds as many words as the piece says it has.
    let have = body.split_whitespace().count() as u64;
    let body = format!(
        "{body} {}",
        "filler ".repeat(words.saturating_sub(have) as usize)
    );
    let piece = Piece {
        kind: kind.into(),
        title: title.into(),
        summary: format!("About {title}"),
        body: body.trim().to_owned(),
        authors: vec![Author {
            name: author.into(),
            ..Author::default()
        }],
        days: Some(match day {
            Some(day) => CandidateDays::Days(BTreeSet::from([day.parse().unwrap()])),
            None => CandidateDays::AnyDay,
        }),
        words: Some(words),
        ..Piece::default()
    };
    let id = store
        .create_draft(call.id, owner, &piece, at(when))
        .await
        .unwrap();
    store
        .submit_revision(
            id,
            owner.id,
            &piece,
            false,
            &[],
            receipt(&owner.email, n),
            at(when),
        )
        .await
        .unwrap();
    id
}

/// One piece of the corpus: kind, title, body, author, day, words.
type Sample = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    Option<&'static str>,
    u64,
);

const CORPUS: [Sample; 12] = [
    (
        "blog",
        "Café culture in the courts",
        "Why the café next to the court matters for jurors.",
        "Zoë Núñez",
        Some("2022-11-14"),
        700,
    ),
    (
        "blog",
        "E-justice for everyone",
        "E-justice services must work on a phone.",
        "Ada Lovelace",
        Some("2022-11-15"),
        650,
    ),
    (
        "case-study",
        "Data sharing in probation",
        "Sharing data between probation and police, safely.",
        "Ben O'Brien",
        Some("2022-11-15"),
        900,
    ),
    (
        "blog",
        "Digital justice week reflections",
        "A reflection on digital justice and its week.",
        "Chloé Dubois",
        Some("2022-11-16"),
        750,
    ),
    (
        "blog",
        "Justices and judgments",
        "How judges write judgments for the public.",
        "Dev Patel",
        Some("2022-11-16"),
        500,
    ),
    (
        "blog",
        "Straße and street: comparing systems",
        "German and English courts compared, from Straße to street.",
        "Ærøn Ørsted",
        Some("2022-11-17"),
        720,
    ),
    (
        "whitepaper",
        "Rehabilitation by design",
        "Design principles for rehabilitation services.",
        "Esme Jones",
        Some("2022-11-18"),
        3000,
    ),
    (
        "blog",
        "Machine learning and bias",
        "Machine-learning models can encode bias.",
        "Femi Adeyemi",
        None,
        680,
    ),
    (
        "podcast",
        "Courtroom tech, episode 1",
        "Episode notes: video hearings and remote justice.",
        "Gita Rao",
        Some("2022-11-14"),
        0,
    ),
    (
        "blog",
        "Victims first",
        "Putting victims first in digital services.",
        "Hal Smith",
        Some("2022-11-15"),
        610,
    ),
    (
        "case-study",
        "Open data, open courts",
        "Open-data portals for court listings.",
        "Iris Müller",
        Some("2022-11-17"),
        820,
    ),
    (
        "blog",
        "The naïve user",
        "Designing for the naïve user of justice services.",
        "José García",
        Some("2022-11-18"),
        790,
    ),
];

async fn load(store: &dyn Store) -> (StoredCall, Vec<SubmissionId>) {
    let call = seed(store).await;
    let owner = person(store, "ada@example.org").await;
    let mut ids = Vec::new();
    for (n, (kind, title, body, author, day, words)) in CORPUS.into_iter().enumerate() {
        let when = format!("2022-10-{:02}T09:00:00Z", 14 + n);
        ids.push(
            send(
                store, &call, &owner, n, kind, title, body, author, day, words, &when,
            )
            .await,
        );
    }
    (call, ids)
}

async fn titles(store: &dyn Store, query: QueueQuery) -> Vec<String> {
    let mut titles: Vec<String> = store
        .queue(&query)
        .await
        .unwrap()
        .rows
        .into_iter()
        .map(|row| row.title)
        .collect();
    titles.sort();
    titles
}

async fn search_table(db: &TestDb) {
    let store = open(db).await;
    let (call, _) = load(store.as_ref()).await;
    // (what is typed, the titles it must find)
    let table: [(&str, &[&str]); 24] = [
        ("cafe", &["Café culture in the courts"]),
        ("café", &["Café culture in the courts"]),
        ("CAFÉ", &["Café culture in the courts"]),
        ("nunez", &["Café culture in the courts"]),
        ("Zoë Núñez", &["Café culture in the courts"]),
        ("e-justice", &["E-justice for everyone"]),
        ("\"e justice\"", &["E-justice for everyone"]),
        (
            "justice",
            &[
                "Digital justice week reflections",
                "Courtroom tech, episode 1",
                "E-justice for everyone",
                "The naïve user",
            ],
        ),
        (
            "justic*",
            &[
                "Digital justice week reflections",
                "Courtroom tech, episode 1",
                "E-justice for everyone",
                "Justices and judgments",
                "The naïve user",
            ],
        ),
        ("judg*", &["Justices and judgments"]),
        ("\"digital justice\"", &["Digital justice week reflections"]),
        ("\"justice digital\"", &[]),
        ("O'Brien", &["Data sharing in probation"]),
        ("obrien", &[]),
        ("strasse", &["Straße and street: comparing systems"]),
        ("Straße", &["Straße and street: comparing systems"]),
        ("orsted", &["Straße and street: comparing systems"]),
        ("aeron", &["Straße and street: comparing systems"]),
        ("machine-learning", &["Machine learning and bias"]),
        ("naive", &["The naïve user"]),
        ("muller", &["Open data, open courts"]),
        ("open-data portals", &["Open data, open courts"]),
        ("probation police", &["Data sharing in probation"]),
        ("nothing-matches-this", &[]),
    ];
    let mut failures = Vec::new();
    for (typed, expected) in table {
        let mut query = QueueQuery::new(call.id);
        query.search = SearchQuery::parse(typed);
        let found = titles(store.as_ref(), query).await;
        let mut expected: Vec<String> = expected.iter().map(|t| (*t).to_owned()).collect();
        expected.sort();
        if found != expected {
            failures.push(format!("{typed:?}: found {found:?}, expected {expected:?}"));
        }
    }
    // Hostile input is only ever words.
    for typed in [
        "\" OR 1=1 --",
        "a\" NEAR(b",
        "x'); DROP TABLE piece_index; --",
        "* & | !",
    ] {
        let mut query = QueueQuery::new(call.id);
        query.search = SearchQuery::parse(typed);
        store.queue(&query).await.unwrap();
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    store.close().await;
}

async fn filters(db: &TestDb) {
    let store = open(db).await;
    let (call, ids) = load(store.as_ref()).await;
    let query = || QueueQuery::new(call.id);
    // A day: pieces offered for it, and pieces for any day.
    let mut q = query();
    q.day = Some("2022-11-15".parse().unwrap());
    assert_eq!(
        titles(store.as_ref(), q).await,
        [
            "Data sharing in probation",
            "E-justice for everyone",
            "Machine learning and bias",
            "Victims first"
        ]
    );
    let mut q = query();
    q.kind = Some("case-study".into());
    assert_eq!(
        titles(store.as_ref(), q).await,
        ["Data sharing in probation", "Open data, open courts"]
    );
    // Over and under the blog's advised 600–800 words.
    let mut q = query();
    q.length = Some(LengthFilter::Under);
    assert_eq!(titles(store.as_ref(), q).await, ["Justices and judgments"]);
    let mut q = query();
    q.length = Some(LengthFilter::Over);
    q.kind = Some("blog".into());
    assert!(titles(store.as_ref(), q).await.is_empty());
    // States, sorting and pages.
    let editor = person(store.as_ref(), "ed@example.org").await;
    let now = at("2022-11-06T09:00:00Z");
    store
        .set_state(
            ids[0],
            editor.id,
            SubmissionState::Submitted,
            SubmissionState::Rejected,
            None,
            now,
        )
        .await
        .unwrap();
    let mut q = query();
    q.states = vec![SubmissionState::Rejected];
    assert_eq!(
        titles(store.as_ref(), q).await,
        ["Café culture in the courts"]
    );
    let mut q = query();
    q.sort = QueueSort::Oldest;
    q.limit = 5;
    q.offset = 5;
    let page = store.queue(&q).await.unwrap();
    assert_eq!(page.total, 12);
    assert_eq!(page.rows.len(), 5);
    assert_eq!(page.rows[0].title, CORPUS[5].1);
    let mut q = query();
    q.sort = QueueSort::Longest;
    q.limit = 1;
    assert_eq!(
        store.queue(&q).await.unwrap().rows[0].title,
        "Rehabilitation by design"
    );
    let mut q = query();
    q.sort = QueueSort::Title;
    q.limit = 1;
    assert_eq!(
        store.queue(&q).await.unwrap().rows[0].title,
        "Café culture in the courts"
    );
    // Undecided: everything but the piece with a decision.
    let mut q = query();
    q.undecided = true;
    store
        .decide(
            &NewDecision {
                submission_id: ids[1],
                action: DecisionAction::Accept,
                from: SubmissionState::Submitted,
                to: SubmissionState::Accepted,
                day: Some("2022-11-15".parse().unwrap()),
                open_until: None,
                reason: String::new(),
                note: "Thank you".into(),
                mail: None,
                decided_by: editor.id,
                effective_at: at("2022-11-06T09:10:00Z"),
            },
            now,
        )
        .await
        .unwrap();
    assert_eq!(store.queue(&q).await.unwrap().total, 11);
    store.close().await;
}

async fn undo_window(db: &TestDb) {
    let store = open(db).await;
    let (_, ids) = load(store.as_ref()).await;
    let editor = person(store.as_ref(), "ed@example.org").await;
    let now = at("2022-11-06T09:00:00Z");
    let window = at("2022-11-06T09:10:00Z");
    let decision = |id: SubmissionId, action: DecisionAction, to: SubmissionState| NewDecision {
        submission_id: id,
        action,
        from: SubmissionState::Submitted,
        to,
        day: Some("2022-11-15".parse().unwrap()),
        open_until: None,
        reason: String::new(),
        note: "Thank you".into(),
        mail: Some(NewMail {
            message_id: format!("<decision-{id}-{}@docket.example.org>", std::process::id()),
            to: "ada@example.org".into(),
            subject: "Your piece: accepted".into(),
            text: "Accepted for Tuesday.".into(),
            html: String::new(),
            template: "decision".into(),
            submission_id: Some(id),
            call_id: None,
            reply_to: None,
            idempotency_key: None,
            list_unsubscribe: None,
        }),
        decided_by: editor.id,
        effective_at: window,
    };
    let accepted = store
        .decide(
            &decision(ids[1], DecisionAction::Accept, SubmissionState::Accepted),
            now,
        )
        .await
        .unwrap();
    // A second decision while one waits is refused.
    assert!(
        store
            .decide(
                &decision(ids[1], DecisionAction::Reject, SubmissionState::Rejected),
                now
            )
            .await
            .is_err()
    );
    let undone = store
        .decide(
            &decision(ids[2], DecisionAction::Reject, SubmissionState::Rejected),
            now,
        )
        .await
        .unwrap();
    let lapsing = store
        .decide(
            &decision(ids[3], DecisionAction::Accept, SubmissionState::Accepted),
            now,
        )
        .await
        .unwrap();
    // Inside the window: nothing has changed for the author.
    assert!(
        store
            .apply_due_decisions(at("2022-11-06T09:05:00Z"))
            .await
            .unwrap()
            .is_empty()
    );
    let piece = store.submission(ids[1]).await.unwrap().unwrap();
    assert_eq!(piece.state, SubmissionState::Submitted);
    assert!(
        store
            .piece_mail_out(ids[1])
            .await
            .unwrap()
            .iter()
            .all(|m| m.mail.template != "decision")
    );
    assert!(
        store
            .undo_decision(undone, editor.id, at("2022-11-06T09:05:00Z"))
            .await
            .unwrap()
    );
    // The author withdraws a piece whose acceptance waits: the decision lapses.
    store
        .set_state(
            ids[3],
            editor.id,
            SubmissionState::Submitted,
            SubmissionState::Withdrawn,
            None,
            now,
        )
        .await
        .unwrap();
    // After the window: applied once, with its mail; undoing is too late.
    let applied = store.apply_due_decisions(window).await.unwrap();
    assert_eq!(applied, vec![accepted]);
    assert!(store.apply_due_decisions(window).await.unwrap().is_empty());
    assert!(
        !store
            .undo_decision(accepted, editor.id, window)
            .await
            .unwrap()
    );
    let piece = store.submission(ids[1]).await.unwrap().unwrap();
    assert_eq!(piece.state, SubmissionState::Accepted);
    assert_eq!(
        store.piece_placement(ids[1]).await.unwrap().0,
        Some("2022-11-15".parse().unwrap())
    );
    let mails: Vec<_> = store.piece_mail_out(ids[1]).await.unwrap();
    assert_eq!(
        mails
            .iter()
            .filter(|m| m.mail.template == "decision")
            .count(),
        1
    );
    // The undone one changed nothing and sent nothing.
    assert_eq!(
        store.submission(ids[2]).await.unwrap().unwrap().state,
        SubmissionState::Submitted
    );
    assert!(
        store
            .piece_mail_out(ids[2])
            .await
            .unwrap()
            .iter()
            .all(|m| m.mail.template != "decision")
    );
    let lapsed = store.decisions(ids[3]).await.unwrap();
    assert_eq!(lapsed[0].id, lapsing);
    assert!(
        lapsed[0]
            .lapsed
            .as_deref()
            .unwrap_or_default()
            .contains("withdrawn")
    );
    // Every step is in the audit trail.
    let trail = store
        .audit_trail(&format!("submission:{}", ids[2]))
        .await
        .unwrap();
    assert!(trail.iter().any(|e| e.action == "submission.decided"));
    assert!(
        trail
            .iter()
            .any(|e| e.action == "submission.decision_undone")
    );
    store.close().await;
}
