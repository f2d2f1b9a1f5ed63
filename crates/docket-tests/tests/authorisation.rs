//! The proof that access is right: every route the app has (from the one table the router is
//! built from) against every kind of person, each cell with its expected answer, on both
//! backends. A route added later without an entry here fails this test.
//!
//! For a GET, an allowed person gets the page and anyone else the sign-in redirect (nobody signed
//! in) or the not-found page (signed in, but not theirs). For a POST, a person who may not act
//! sends a real, well-formed form with its CSRF token and meets 404 or 303 with nothing stored
//! changed; a person who may act sends a deliberately invalid form (no CSRF token) and gets any
//! answer but 404 or 303 — also with nothing changed, so that no cell changes another's data.

use std::collections::BTreeMap;

use docket_store::{Actor, StaffRole};
use docket_tests::app::{NowTimestamp, Page, TestApp, Visitor};
use docket_tests::db::TestDb;
use docket_tests::{SECOND_CALL, both_backends};
use reqwest::Method;

both_backends! {
    every_route_answers_every_role_as_the_access_rules_say => matrix,
}

const PASSWORD: &str = "correct horse battery";
const SLUG: &str = "digital-justice-week-2022";

/// Who is asking.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Role {
    Anonymous,
    /// The owner of piece A.
    Owner,
    /// Invited to piece A, and signed up.
    CoAuthor,
    /// A contributor with a piece of their own.
    ContributorB,
    /// A confirmed account with nothing.
    Confirmed,
    /// An account whose address was never confirmed, holding a session all the same.
    Unconfirmed,
    /// An editor of the seed call.
    Editor,
    /// A reviewer of the seed call.
    Reviewer,
    /// An editor of the seed call who has not set up a second factor.
    EditorWithoutTwoFactor,
    /// An organiser of the seed call.
    Organiser,
    /// An organiser of the other call.
    OtherOrganiser,
    /// A site administrator.
    Admin,
}

/// Who a route is for.
#[derive(Debug, Clone, Copy)]
enum Who {
    /// Anyone, signed in or not.
    Everyone,
    /// Anyone signed in with a confirmed address.
    SignedIn,
    /// Piece A's owner and co-authors.
    Authors,
    /// Piece A's owner alone.
    Owner,
    /// The seed call's staff, reviewers included (and site administrators).
    Staff,
    /// The seed call's organisers and editors (and site administrators).
    Editors,
    /// The seed call's organisers (and site administrators).
    Organisers,
    /// The reviewer piece A is assigned to.
    AssignedReviewer,
    /// Site administrators.
    Admins,
    /// Nobody: the route is not served in this configuration (the demo mailbox outside the demo,
    /// `/metrics` without a token).
    Nobody,
}

impl Who {
    fn allows(self, role: Role) -> bool {
        use Role as R;
        match self {
            Who::Everyone => true,
            Who::SignedIn => !matches!(role, R::Anonymous | R::Unconfirmed),
            Who::Authors => matches!(role, R::Owner | R::CoAuthor),
            Who::Owner => role == R::Owner,
            Who::Staff => matches!(role, R::Editor | R::Reviewer | R::Organiser | R::Admin),
            Who::Editors => matches!(role, R::Editor | R::Organiser | R::Admin),
            Who::Organisers => matches!(role, R::Organiser | R::Admin),
            Who::AssignedReviewer => role == R::Reviewer,
            Who::Admins => role == R::Admin,
            Who::Nobody => false,
        }
    }

    /// What someone it does not allow meets: the way to sign in when they are not (properly)
    /// signed in and the route needs it, the not-found page otherwise.
    fn refusal(self, role: Role) -> Refusal {
        let needs_sign_in = !matches!(self, Who::Everyone | Who::Nobody);
        let staff_page = matches!(
            self,
            Who::Staff | Who::Editors | Who::Organisers | Who::AssignedReviewer
        );
        if needs_sign_in && matches!(role, Role::Anonymous | Role::Unconfirmed) {
            Refusal::SignIn
        } else if staff_page && role == Role::EditorWithoutTwoFactor {
            // Known to be staff: sent to set up the second factor, not told "not found".
            Refusal::Enrol
        } else {
            Refusal::NotFound
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refusal {
    SignIn,
    Enrol,
    NotFound,
}

/// Every route's entry: who it is for, and (for a GET) what those it allows are answered.
fn rules() -> BTreeMap<(&'static str, &'static str), (Who, u16)> {
    use Who::*;
    let get = "GET";
    let post = "POST";
    BTreeMap::from([
        // The public site.
        ((get, "/"), (Everyone, 200)),
        ((get, "/calls/{slug}"), (Everyone, 200)),
        ((get, "/calls/{slug}/days/{date}"), (Everyone, 200)),
        ((get, "/calls/{slug}/guidelines"), (Everyone, 200)),
        ((get, "/static/{*path}"), (Everyone, 200)),
        ((get, "/healthz"), (Everyone, 200)),
        ((get, "/metrics"), (Nobody, 0)),
        ((get, "/demo/mailbox"), (Nobody, 0)),
        ((get, "/demo/mailbox/{id}"), (Nobody, 0)),
        ((get, "/demo/clock"), (Nobody, 0)),
        ((post, "/demo/clock"), (Nobody, 0)),
        // Accounts: anyone may ask; the single-use links decide for themselves.
        ((get, "/account/sign-up"), (Everyone, 200)),
        ((post, "/account/sign-up"), (Everyone, 0)),
        ((get, "/account/check-email"), (Everyone, 200)),
        ((get, "/account/confirm/{token}"), (Everyone, 200)),
        ((post, "/account/confirm/{token}"), (Everyone, 0)),
        ((get, "/account/sign-in"), (Everyone, 200)),
        ((post, "/account/sign-in"), (Everyone, 0)),
        ((get, "/account/sign-in/code"), (Everyone, 200)),
        ((post, "/account/sign-in/code"), (Everyone, 0)),
        ((post, "/account/sign-in/code/verify"), (Everyone, 0)),
        ((get, "/account/sign-in/link/{token}"), (Everyone, 200)),
        ((post, "/account/sign-in/link/{token}"), (Everyone, 0)),
        ((get, "/account/reset"), (Everyone, 200)),
        ((post, "/account/reset"), (Everyone, 0)),
        ((get, "/account/reset/{token}"), (Everyone, 200)),
        ((post, "/account/reset/{token}"), (Everyone, 0)),
        ((post, "/account/sign-out"), (Everyone, 0)),
        // Held mail: the link is the key (a made-up one has expired for everyone).
        ((get, "/mail/confirm/{token}"), (Everyone, 410)),
        ((post, "/mail/confirm/{token}"), (Everyone, 0)),
        // Pieces.
        ((get, "/calls/{slug}/submit"), (SignedIn, 200)),
        ((post, "/calls/{slug}/submit"), (SignedIn, 0)),
        ((get, "/submissions"), (SignedIn, 200)),
        ((get, "/submissions/{id}"), (Authors, 200)),
        ((get, "/submissions/{id}/edit"), (Authors, 200)),
        ((post, "/submissions/{id}/edit"), (Authors, 0)),
        ((get, "/submissions/{id}/preview"), (Authors, 200)),
        (
            (get, "/submissions/{id}/revisions/{number}"),
            (Authors, 200),
        ),
        ((post, "/submissions/{id}/withdraw"), (Authors, 0)),
        ((post, "/submissions/{id}/coauthors"), (Owner, 0)),
        ((get, "/submissions/{id}/files/{asset}"), (Authors, 200)),
        // Pledges: anyone signed in may make one; a pledge is its author's alone.
        ((get, "/calls/{slug}/pledge"), (SignedIn, 200)),
        ((post, "/calls/{slug}/pledge"), (SignedIn, 0)),
        ((get, "/pledges/{id}"), (Owner, 200)),
        ((post, "/pledges/{id}/start"), (Owner, 0)),
        ((post, "/pledges/{id}/file"), (Owner, 0)),
        ((post, "/pledges/{id}/withdraw"), (Owner, 0)),
        ((get, "/console/calls/{slug}/pledges"), (Editors, 200)),
        (
            (post, "/console/calls/{slug}/pledges/{id}/decline"),
            (Editors, 0),
        ),
        (
            (post, "/console/calls/{slug}/pledges/nudge"),
            (Organisers, 0),
        ),
        // The console.
        ((get, "/console"), (SignedIn, 200)),
        ((get, "/console/inbound"), (Admins, 200)),
        ((get, "/console/inbound/{id}/original"), (Admins, 200)),
        ((get, "/console/calls/{slug}"), (Staff, 200)),
        ((get, "/console/calls/{slug}/outbox"), (Editors, 200)),
        (
            (post, "/console/calls/{slug}/outbox/{id}/retry"),
            (Organisers, 0),
        ),
        ((get, "/console/calls/{slug}/inbound"), (Editors, 200)),
        (
            (get, "/console/calls/{slug}/inbound/{id}/original"),
            (Editors, 200),
        ),
        // The editors' console: organisers and editors read and decide; reviewers do not.
        ((get, "/console/calls/{slug}/pieces"), (Editors, 200)),
        ((post, "/console/calls/{slug}/pieces/decide"), (Editors, 0)),
        ((get, "/console/calls/{slug}/pieces/{id}"), (Editors, 200)),
        (
            (get, "/console/calls/{slug}/pieces/{id}/diff"),
            (Editors, 200),
        ),
        (
            (get, "/console/calls/{slug}/pieces/{id}/files/{asset}"),
            (Editors, 200),
        ),
        (
            (post, "/console/calls/{slug}/pieces/{id}/comments"),
            (Editors, 0),
        ),
        (
            (post, "/console/calls/{slug}/pieces/{id}/decide"),
            (Editors, 0),
        ),
        (
            (post, "/console/calls/{slug}/decisions/{id}/undo"),
            (Editors, 0),
        ),
        ((get, "/console/calls/{slug}/inbound/{id}"), (Editors, 200)),
        (
            (post, "/console/calls/{slug}/inbound/{id}/file"),
            (Editors, 0),
        ),
        (
            (post, "/console/calls/{slug}/inbound/{id}/answer"),
            (Editors, 0),
        ),
        (
            (post, "/console/calls/{slug}/inbound/{id}/dismiss"),
            (Editors, 0),
        ),
        // Reviews: a reviewer reads and reviews what is assigned to them, and declares conflicts;
        // editors assign, balance and hide passages.
        ((get, "/console/calls/{slug}/reviews"), (Staff, 200)),
        (
            (get, "/console/calls/{slug}/reviews/{id}"),
            (AssignedReviewer, 200),
        ),
        (
            (post, "/console/calls/{slug}/reviews/{id}"),
            (AssignedReviewer, 0),
        ),
        ((get, "/console/calls/{slug}/conflicts"), (Staff, 200)),
        ((post, "/console/calls/{slug}/conflicts"), (Staff, 0)),
        (
            (post, "/console/calls/{slug}/reviews/balance"),
            (Editors, 0),
        ),
        (
            (post, "/console/calls/{slug}/pieces/{id}/reviewers"),
            (Editors, 0),
        ),
        (
            (post, "/console/calls/{slug}/pieces/{id}/reviewers/remove"),
            (Editors, 0),
        ),
        (
            (post, "/console/calls/{slug}/pieces/{id}/hidden"),
            (Editors, 0),
        ),
        // The copy-edit round: editors edit an accepted piece (piece A is not: not found), its
        // authors see the changes (none yet: not found) and answer.
        (
            (get, "/console/calls/{slug}/pieces/{id}/copy-edit"),
            (Editors, 404),
        ),
        (
            (post, "/console/calls/{slug}/pieces/{id}/copy-edit"),
            (Editors, 0),
        ),
        (
            (post, "/console/calls/{slug}/pieces/{id}/copy-edit/override"),
            (Editors, 0),
        ),
        ((get, "/submissions/{id}/changes"), (Authors, 404)),
        ((post, "/submissions/{id}/changes"), (Authors, 0)),
        // Announcements: organisers post; anyone holding an unsubscribe link may use it. The
        // one-click POST (RFC 8058) carries no CSRF token, by design (docs/security.md); a
        // made-up token is not found.
        (
            (get, "/console/calls/{slug}/announcements"),
            (Organisers, 200),
        ),
        (
            (post, "/console/calls/{slug}/announcements"),
            (Organisers, 0),
        ),
        ((get, "/unsubscribe/{token}"), (Everyone, 404)),
        ((post, "/unsubscribe/{token}"), (Everyone, 404)),
        // The public week: a made-up piece or author is not found, for anyone.
        ((get, "/calls/{slug}/pieces/{piece}"), (Everyone, 404)),
        ((get, "/calls/{slug}/pieces/{piece}/file"), (Everyone, 404)),
        ((get, "/calls/{slug}/authors/{author}"), (Everyone, 404)),
        (
            (get, "/calls/{slug}/authors/{author}/headshot"),
            (Everyone, 404),
        ),
        // Its feeds and calendar, for anyone.
        ((get, "/calls/{slug}/feed.atom"), (Everyone, 200)),
        ((get, "/calls/{slug}/feed.rss"), (Everyone, 200)),
        ((get, "/calls/{slug}/feed.json"), (Everyone, 200)),
        (
            (get, "/calls/{slug}/days/{date}/feed.atom"),
            (Everyone, 200),
        ),
        ((get, "/calls/{slug}/podcast.rss"), (Everyone, 200)),
        ((get, "/calls/{slug}/partner.atom"), (Everyone, 200)),
        ((get, "/calls/{slug}/week.ics"), (Everyone, 200)),
        // The day board: editors and organisers place, order, schedule and take down.
        ((get, "/console/calls/{slug}/board"), (Editors, 200)),
        (
            (post, "/console/calls/{slug}/board/{id}/place"),
            (Editors, 0),
        ),
        (
            (post, "/console/calls/{slug}/board/{id}/move"),
            (Editors, 0),
        ),
        (
            (post, "/console/calls/{slug}/board/{id}/partner"),
            (Editors, 0),
        ),
        (
            (post, "/console/calls/{slug}/board/{id}/address"),
            (Editors, 0),
        ),
        (
            (post, "/console/calls/{slug}/board/{id}/schedule"),
            (Editors, 0),
        ),
        (
            (post, "/console/calls/{slug}/board/{id}/unschedule"),
            (Editors, 0),
        ),
        (
            (post, "/console/calls/{slug}/board/{id}/unpublish"),
            (Editors, 0),
        ),
        // A call's staff: its organisers invite, change roles, take people off.
        ((get, "/console/calls/{slug}/staff"), (Organisers, 200)),
        (
            (post, "/console/calls/{slug}/staff/invite"),
            (Organisers, 0),
        ),
        ((post, "/console/calls/{slug}/staff/role"), (Organisers, 0)),
        (
            (post, "/console/calls/{slug}/staff/remove"),
            (Organisers, 0),
        ),
        (
            (
                post,
                "/console/calls/{slug}/staff/invitations/{id}/withdraw",
            ),
            (Organisers, 0),
        ),
        // An invitation's link is the key (a made-up one is not found for anyone); accepting
        // needs the invited person signed in.
        ((get, "/invitations/{token}"), (Everyone, 404)),
        ((post, "/invitations/{token}"), (SignedIn, 0)),
        // A person's own account: everyone signed in, for themselves alone.
        ((get, "/privacy"), (Everyone, 200)),
        ((get, "/account"), (SignedIn, 200)),
        ((get, "/account/two-factor"), (SignedIn, 200)),
        ((post, "/account/two-factor/enrol"), (SignedIn, 0)),
        ((post, "/account/two-factor/recovery-codes"), (SignedIn, 0)),
        ((post, "/account/two-factor/disable"), (SignedIn, 0)),
        // Someone who owes no code is sent on at once.
        ((get, "/account/two-factor/check"), (SignedIn, 303)),
        ((post, "/account/two-factor/check"), (SignedIn, 0)),
        ((get, "/account/profile"), (SignedIn, 200)),
        ((post, "/account/profile"), (SignedIn, 0)),
        ((get, "/account/data"), (SignedIn, 200)),
        ((get, "/account/data/download"), (SignedIn, 200)),
        ((post, "/account/delete"), (SignedIn, 0)),
        ((post, "/submissions/{id}/consent"), (Authors, 0)),
        ((get, "/console/calls/{slug}/emails"), (Organisers, 200)),
        (
            (get, "/console/calls/{slug}/emails/{key}"),
            (Organisers, 200),
        ),
        (
            (post, "/console/calls/{slug}/emails/{key}"),
            (Organisers, 0),
        ),
    ])
}

/// The records the cells ask about.
struct World {
    app: TestApp,
    visitors: Vec<(Role, Visitor)>,
    piece: i64,
    pledge: i64,
    asset: i64,
    failed_mail: i64,
    call_message: i64,
    unrouted_message: i64,
    outbox_row: i64,
}

/// `n` words of prose.
fn words(n: usize) -> String {
    (0..n)
        .map(|i| ["justice", "data", "services", "people", "work"][i % 5])
        .collect::<Vec<_>>()
        .join(" ")
}

fn blog_fields(body: &str) -> Vec<(&str, &str)> {
    vec![
        ("kind", "blog"),
        ("title", "Data at the heart of justice"),
        ("summary", "How data can follow a person through justice."),
        ("body", body),
        ("author_name_0", "Ada Lovelace"),
        ("day", "2022-11-15"),
        ("action", "submit"),
    ]
}

/// Starts a blog for Tuesday and returns its id.
async fn start(visitor: &Visitor) -> i64 {
    let page = visitor
        .post(
            &format!("/calls/{SLUG}/submit"),
            &[("kind", "blog"), ("day", "2022-11-15")],
        )
        .await;
    assert_eq!(page.status, 303, "start: {}", page.body);
    page.location()
        .trim_start_matches("/submissions/")
        .trim_end_matches("/edit")
        .parse()
        .expect("a piece id")
}

async fn staff(app: &TestApp, slug: &str, email: &str, role: StaffRole) {
    let call = app.store.call(slug).await.unwrap().unwrap();
    app.store
        .add_staff(call.id, email, role, &Actor::Cli, app.clock.now_timestamp())
        .await
        .unwrap();
}

fn message(id: &str, from: &str, to: &str, subject: &str) -> Vec<u8> {
    format!(
        "Message-ID: <{id}>\r\nDate: Thu, 20 Oct 2022 10:15:00 +0100\r\nFrom: {from}\r\nTo: {to}\r\n\
         Subject: {subject}\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHello.\r\n"
    )
    .into_bytes()
}

async fn world(db: &TestDb) -> World {
    // Ten people sign up from one address in a minute: more than a real client may.
    let config = docket_web::WebConfig {
        rate_limits: docket_web::RateLimits {
            sign_up_per_minute: 100,
            ..docket_web::RateLimits::default()
        },
        ..docket_web::WebConfig::default()
    };
    let app = TestApp::spawn_with(db, config).await;
    app.import(SECOND_CALL).await;
    app.import(&docket_tests::SEED_CALL.replacen(
        "time_zone = \"Europe/London\"",
        "time_zone = \"Europe/London\"\ninbox = \"jago@techuk.example.org\"",
        1,
    ))
    .await;
    let now = app.clock.now_timestamp();

    // Piece A, submitted with an uploaded document, and a co-author.
    let owner = app.signed_up("owner@example.org", PASSWORD).await;
    let piece = start(&owner).await;
    let text = words(700);
    let page = owner
        .post_multipart(
            &format!("/submissions/{piece}/edit"),
            &blog_fields(""),
            vec![("document", "blog.txt", text.into_bytes())],
        )
        .await;
    assert_eq!(page.status, 303, "submit A: {}", page.body);
    let record = docket_app::pieces::of(
        app.store.as_ref(),
        &app.store
            .user_by_email("owner@example.org")
            .await
            .unwrap()
            .unwrap(),
    )
    .await
    .unwrap()
    .remove(0);
    let asset = record
        .draft
        .document
        .as_ref()
        .expect("the uploaded file")
        .id;
    let invited = owner
        .post(
            &format!("/submissions/{piece}/coauthors"),
            &[("email", "co@example.org")],
        )
        .await;
    assert_eq!(invited.status, 303, "{}", invited.body);
    let coauthor = app.signed_up("co@example.org", PASSWORD).await;
    // The owner's pledge, as an email makes it (so that its message may be filed as a piece).
    let owner_id = app
        .store
        .user_by_email("owner@example.org")
        .await
        .unwrap()
        .unwrap()
        .id;
    let seed_id = app.store.call(SLUG).await.unwrap().unwrap().id;
    let pledge = app
        .store
        .add_pledge(
            &docket_store::NewPledge {
                call_id: seed_id,
                owner_id,
                pledge: docket_core::pledge::Pledge {
                    kind: Some("blog".into()),
                    about: "I'd like to write a blog for Tuesday.".into(),
                    ..Default::default()
                },
                source: "email",
                sender_trust: None,
            },
            None,
            now,
        )
        .await
        .unwrap();

    // Contributor B with a piece of their own; someone with nothing.
    let contributor_b = app.signed_up("b@example.org", PASSWORD).await;
    start(&contributor_b).await;
    let confirmed = app.signed_up("confirmed@example.org", PASSWORD).await;

    // An unconfirmed address holding a session, made in the store directly (the web never
    // gives one out): it must count for no more than nobody.
    let unconfirmed = app.visitor();
    let page = unconfirmed
        .post(
            "/account/sign-up",
            &[("email", "unconfirmed@example.org"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(page.status, 303);
    let user = app
        .store
        .user_by_email("unconfirmed@example.org")
        .await
        .unwrap()
        .unwrap();
    let token = docket_store::secret::random_token();
    app.store
        .create_session(
            user.id,
            &docket_store::secret::hash_token(&token),
            now,
            now.checked_add(jiff::SignedDuration::from_hours(1))
                .unwrap(),
        )
        .await
        .unwrap();
    unconfirmed.set_cookie(&format!("docket_session={token}"));

    // Staff, each with a second factor but one.
    let editor = app.signed_up("editor@example.org", PASSWORD).await;
    staff(&app, SLUG, "editor@example.org", StaffRole::Editor).await;
    editor.enrol_two_factor().await;
    let reviewer = app.signed_up("reviewer@example.org", PASSWORD).await;
    staff(&app, SLUG, "reviewer@example.org", StaffRole::Reviewer).await;
    reviewer.enrol_two_factor().await;
    app.store
        .assign_reviewer(
            docket_store::SubmissionId(piece),
            "reviewer@example.org",
            &Actor::Cli,
            now,
        )
        .await
        .unwrap();
    let unenrolled = app.signed_up("later@example.org", PASSWORD).await;
    staff(&app, SLUG, "later@example.org", StaffRole::Editor).await;
    let organiser = app.signed_up("organiser@example.org", PASSWORD).await;
    staff(&app, SLUG, "organiser@example.org", StaffRole::Organiser).await;
    organiser.enrol_two_factor().await;
    let other_organiser = app.signed_up("other@example.org", PASSWORD).await;
    other_organiser.enrol_two_factor().await;
    staff(
        &app,
        "open-data-week-2027",
        "other@example.org",
        StaffRole::Organiser,
    )
    .await;
    let admin = app.signed_up("admin@example.org", PASSWORD).await;
    app.store
        .add_admin("admin@example.org", &Actor::Cli, now)
        .await
        .unwrap();
    admin.enrol_two_factor().await;

    // A failed mail of the seed call, a message read for it, and one for no call.
    let call_id = app.store.call(SLUG).await.unwrap().unwrap().id;
    let mailer = docket_mail::Mailer::new("http://127.0.0.1:8080");
    let failing = docket_store::NewMail {
        message_id: "<matrix-failed@docket.example.org>".into(),
        to: "x@example.org".into(),
        subject: "s".into(),
        text: "t".into(),
        html: String::new(),
        template: "receipt".into(),
        submission_id: None,
        call_id: Some(call_id),
        reply_to: None,
        idempotency_key: None,
        list_unsubscribe: None,
    };
    app.store.enqueue_mail(failing, now).await.unwrap();
    let until = now.checked_add(jiff::SignedDuration::from_mins(5)).unwrap();
    let mut failed_mail = 0;
    for row in app
        .store
        .lease_outbox("test", now, until, 1000)
        .await
        .unwrap()
    {
        if row.mail.message_id == "<matrix-failed@docket.example.org>" {
            app.store
                .mark_attempt_failed(row.id, "test", "550 no such mailbox", None)
                .await
                .unwrap();
            failed_mail = row.id;
        } else {
            app.store.mark_sent(row.id, "test", now).await.unwrap();
        }
    }
    let settings = docket_app::ingest::IngestSettings::default();
    for raw in [
        message(
            "matrix-call@example.org",
            "Cy <cy@example.org>",
            "jago@techuk.example.org",
            "An idea",
        ),
        message(
            "matrix-lost@example.org",
            "Lost <lost@example.org>",
            "someone@elsewhere.example",
            "Hello",
        ),
    ] {
        docket_app::ingest::ingest(app.store.as_ref(), &app.clock, &mailer, &raw, &settings)
            .await
            .unwrap();
    }
    let inbound = app.store.inbound(10).await.unwrap();
    let find = |sender: &str| inbound.iter().find(|r| r.sender == sender).unwrap().id;
    let (call_message, unrouted_message) = (find("cy@example.org"), find("lost@example.org"));
    let outbox_row = app.store.outbox(1).await.unwrap()[0].id;

    World {
        visitors: vec![
            (Role::Anonymous, app.visitor()),
            (Role::Owner, owner),
            (Role::CoAuthor, coauthor),
            (Role::ContributorB, contributor_b),
            (Role::Confirmed, confirmed),
            (Role::Unconfirmed, unconfirmed),
            (Role::Editor, editor),
            (Role::Reviewer, reviewer),
            (Role::EditorWithoutTwoFactor, unenrolled),
            (Role::Organiser, organiser),
            (Role::OtherOrganiser, other_organiser),
            (Role::Admin, admin),
        ],
        app,
        piece,
        pledge,
        asset,
        failed_mail,
        call_message,
        unrouted_message,
        outbox_row,
    }
}

/// The route's pattern with this world's records in it.
fn concrete(world: &World, pattern: &str) -> String {
    let id = if pattern.contains("/pledges/") {
        world.pledge
    } else if pattern.starts_with("/submissions/")
        || pattern.contains("/pieces/{id}")
        || pattern.contains("/board/{id}")
        || pattern.contains("/reviews/{id}")
    {
        world.piece
    } else if pattern.contains("/outbox/") {
        world.failed_mail
    } else if pattern.starts_with("/console/calls/") {
        world.call_message
    } else if pattern.starts_with("/console/inbound/") {
        world.unrouted_message
    } else {
        world.outbox_row
    };
    pattern
        .replace("{slug}", SLUG)
        .replace("{date}", "2022-11-15")
        .replace("{id}", &id.to_string())
        .replace("{number}", "1")
        .replace("{asset}", &world.asset.to_string())
        .replace("{key}", "receipt")
        .replace("{piece}", "no-such-piece")
        .replace("{author}", "no-such-author")
        .replace("{token}", "made-up-token-made-up-token-made-up-token-12")
        .replace("{*path}", "docket.css")
}

/// A real, well-formed form for `pattern`, as someone acting on it would send.
fn real_form(pattern: &str) -> Vec<(&'static str, &'static str)> {
    match pattern {
        "/calls/{slug}/submit" | "/calls/{slug}/pledge" => {
            vec![("kind", "blog"), ("day", "2022-11-15")]
        }
        "/console/calls/{slug}/pledges/{id}/decline" => vec![("note", "We have enough.")],
        "/console/calls/{slug}/pledges/nudge" => vec![("day", "2022-11-15")],
        "/submissions/{id}/coauthors" => vec![("email", "intruder@example.org")],
        "/console/calls/{slug}/staff/invite" => {
            vec![("email", "intruder@example.org"), ("role", "organiser")]
        }
        "/console/calls/{slug}/staff/role" => {
            vec![("email", "editor@example.org"), ("role", "organiser")]
        }
        "/console/calls/{slug}/staff/remove" => vec![("email", "editor@example.org")],
        "/submissions/{id}/consent" => vec![("action", "give")],
        "/console/calls/{slug}/pieces/{id}/decide" => {
            vec![("action", "reject"), ("note", "No."), ("step", "confirm")]
        }
        "/console/calls/{slug}/pieces/decide" => vec![
            ("piece", "1"),
            ("action", "reject"),
            ("note", "No."),
            ("step", "confirm"),
        ],
        "/console/calls/{slug}/pieces/{id}/comments" => vec![("body", "Taken over")],
        "/console/calls/{slug}/inbound/{id}/answer"
        | "/console/calls/{slug}/inbound/{id}/dismiss" => {
            vec![("note", "Go away")]
        }
        "/console/calls/{slug}/inbound/{id}/file" => vec![("kind", "blog"), ("any_day", "yes")],
        "/account/profile" => vec![("name", "Someone Else")],
        "/console/calls/{slug}/reviews/{id}" => vec![("score", "1"), ("recommendation", "reject")],
        "/console/calls/{slug}/conflicts" => vec![("organisations", "Everyone Ltd")],
        "/console/calls/{slug}/pieces/{id}/reviewers" => vec![("reviewer", "reviewer@example.org")],
        "/console/calls/{slug}/pieces/{id}/reviewers/remove" => {
            vec![("reviewer", "reviewer@example.org")]
        }
        "/console/calls/{slug}/pieces/{id}/hidden" => vec![("passages", "Ada Lovelace")],
        "/console/calls/{slug}/pieces/{id}/copy-edit" => {
            vec![("title", "Taken over"), ("body", "Taken over")]
        }
        "/console/calls/{slug}/pieces/{id}/copy-edit/override" => vec![("reason", "Because")],
        "/console/calls/{slug}/announcements" => vec![("title", "Hijacked"), ("body", "Spam")],
        "/console/calls/{slug}/board/{id}/place" => vec![("day", "2022-11-14"), ("note", "Moved")],
        "/console/calls/{slug}/board/{id}/move" => vec![("direction", "up")],
        "/console/calls/{slug}/board/{id}/partner" => vec![("partner", "no")],
        "/console/calls/{slug}/board/{id}/address" => vec![("address", "taken-over")],
        "/console/calls/{slug}/board/{id}/unpublish" => vec![("reason", "Taken over")],
        "/submissions/{id}/changes" => vec![("action", "approve")],
        "/console/calls/{slug}/emails/{key}" => vec![
            ("subject", "Taken over"),
            ("text", "{{ piece.link }}"),
            ("html", "<p>Taken over</p>"),
            ("action", "save"),
        ],
        "/account/sign-in" | "/account/sign-up" => {
            vec![("email", "owner@example.org"), ("password", PASSWORD)]
        }
        _ => vec![],
    }
}

async fn ask(
    world: &World,
    visitor: &Visitor,
    method: &Method,
    path: &str,
    pattern: &str,
    allowed: bool,
) -> Page {
    if method == Method::GET {
        return visitor.get(path).await;
    }
    if allowed {
        // No CSRF token: the request is refused for what it is, after the access check.
        return if pattern == "/submissions/{id}/edit" {
            let response = visitor
                .http
                .post(world.app.url(path))
                .multipart(reqwest::multipart::Form::new().text("action", "save"))
                .send()
                .await
                .unwrap();
            page(response).await
        } else {
            visitor.post_raw(path, &real_form(pattern)).await
        };
    }
    if pattern == "/submissions/{id}/edit" {
        let fields = blog_fields("Replaced by someone else.");
        return visitor.post_multipart(path, &fields, vec![]).await;
    }
    visitor.post(path, &real_form(pattern)).await
}

async fn page(response: reqwest::Response) -> Page {
    Page {
        status: response.status().as_u16(),
        headers: response.headers().clone(),
        body: response.text().await.unwrap(),
    }
}

async fn matrix(db: &TestDb) {
    let world = world(db).await;
    let rules = rules();
    let mut failures = Vec::new();
    let routes = docket_web::route_table();
    for (method, pattern) in &routes {
        let Some((who, ok_status)) = rules.get(&(method.as_str(), *pattern)).copied() else {
            failures.push(format!(
                "{method} {pattern} has no entry in the authorisation matrix: add one"
            ));
            continue;
        };
        let path = concrete(&world, pattern);
        for (role, visitor) in &world.visitors {
            let allowed = who.allows(*role);
            let before = (method == Method::POST).then_some(db.fingerprint().await);
            let page = ask(&world, visitor, method, &path, pattern, allowed).await;
            let cell = format!("{role:?} {method} {path}");
            match (allowed, method.as_str()) {
                (true, "GET") if page.status != ok_status => failures.push(format!(
                    "{cell}: expected {ok_status}, got {}",
                    page.status
                )),
                (true, "GET") => {}
                (true, _)
                    if (matches!(page.status, 303 | 404) && page.status != ok_status)
                        || page.status >= 500 =>
                {
                    failures.push(format!(
                        "{cell}: allowed, yet answered {} (an invalid form must be refused for what it is)",
                        page.status
                    ))
                }
                (false, _) => {
                    let expected = match who.refusal(*role) {
                        Refusal::SignIn => page.status == 303
                            && page.location().starts_with("/account/sign-in"),
                        Refusal::Enrol => page.status == 303
                            && page.location().starts_with("/account/two-factor?"),
                        Refusal::NotFound => page.status == 404,
                    };
                    if !expected {
                        failures.push(format!(
                            "{cell}: expected {:?}, got {} {}",
                            who.refusal(*role),
                            page.status,
                            page.location()
                        ));
                    }
                }
                _ => {}
            }
            if let Some(before) = before
                && db.fingerprint().await != before
            {
                failures.push(format!("{cell}: the store changed"));
            }
        }
    }
    for (method, pattern) in rules.keys() {
        if !routes
            .iter()
            .any(|(m, p)| m.as_str() == *method && p == pattern)
        {
            failures.push(format!(
                "{method} {pattern} is in the matrix but not a route"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} cells wrong:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(routes.len() >= 50, "{} routes", routes.len());
    world.app.stop().await;
}
