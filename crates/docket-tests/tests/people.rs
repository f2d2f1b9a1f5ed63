//! The people around a piece, through the web as they meet it, on both backends: an organiser
//! invites an editor and a reviewer by email; each reaches the console only after setting up
//! two-step sign-in; codes work once; recovery codes work once; an author sets a profile,
//! consents to publish, downloads their data and deletes their account; retention erases
//! rejected and withdrawn pieces after the week.

use std::io::Read as _;

use docket_core::submission::SubmissionState;
use docket_store::{Actor, StaffRole, SubmissionId};
use docket_tests::app::{Authenticator, NowTimestamp, TestApp, Visitor, element_text};
use docket_tests::both_backends;
use docket_tests::db::TestDb;

both_backends! {
    an_organiser_invites_an_editor_and_a_reviewer_who_reach_the_console_only_with_a_second_factor => invitations,
    an_invitation_works_once_for_its_own_address_until_withdrawn => invitation_rules,
    organisers_change_roles_and_remove_staff_but_never_the_last_organiser => roles,
    a_code_works_once_and_a_recovery_code_once_and_guessing_is_slowed => codes,
    an_author_sets_a_profile_consents_downloads_their_data_and_deletes_their_account => own_data,
    retention_erases_rejected_and_withdrawn_pieces_a_year_after_the_week => retention,
}

const PASSWORD: &str = "correct horse battery";
const PNG: &[u8] = include_bytes!("../../docket-documents/tests/fixtures/headshot.png");
const SLUG: &str = "digital-justice-week-2022";
const CONSOLE: &str = "/console/calls/digital-justice-week-2022";

fn words(n: usize) -> String {
    (0..n)
        .map(|i| ["justice", "data", "services", "people", "work"][i % 5])
        .collect::<Vec<_>>()
        .join(" ")
}

/// A blog for Tuesday, sent; returns its id.
async fn send_blog(visitor: &Visitor, title: &str) -> SubmissionId {
    let page = visitor
        .post(
            &format!("/calls/{SLUG}/submit"),
            &[("kind", "blog"), ("day", "2022-11-15")],
        )
        .await;
    assert_eq!(page.status, 303, "start: {}", page.body);
    let id = page.piece_id();
    let body = words(700);
    let page = visitor
        .post_multipart(
            &format!("/submissions/{id}/edit"),
            &[
                ("kind", "blog"),
                ("title", title),
                ("summary", "How data can follow a person through justice."),
                ("body", &body),
                ("author_name_0", "Ada Lovelace"),
                ("author_role_0", "Director"),
                ("author_organisation_0", "Analytical Engines Ltd"),
                ("day", "2022-11-15"),
                ("action", "submit"),
            ],
            vec![],
        )
        .await;
    assert_eq!(page.status, 303, "submit: {}", page.body);
    SubmissionId(id)
}

/// The path of the invitation link in the newest mail to `to`.
async fn invitation_link(app: &TestApp, to: &str) -> String {
    let link = app.link_in_mail(to, "/invitations/").await;
    let start = link.find("/invitations/").expect("an invitation path");
    link[start..].to_owned()
}

async fn organiser(app: &TestApp) -> (Visitor, Authenticator) {
    app.staff_member(SLUG, "org@example.org", PASSWORD, StaffRole::Organiser)
        .await
}

async fn invitations(db: &TestDb) {
    let app = TestApp::spawn(db).await;
    let (organiser, _) = organiser(&app).await;
    let staff_page = organiser.get(&format!("{CONSOLE}/staff")).await;
    assert_eq!(staff_page.status, 200, "{}", staff_page.body);
    assert!(staff_page.body.contains("org@example.org (you)"));

    for (email, role) in [
        ("ed@example.org", "editor"),
        ("rev@example.org", "reviewer"),
    ] {
        let page = organiser
            .post(
                &format!("{CONSOLE}/staff/invite"),
                &[("email", email), ("role", role)],
            )
            .await;
        assert_eq!(page.status, 200, "{}", page.body);
        assert!(page.body.contains(&format!("We have emailed {email}")));
        let mail = &app.mail_to(email).await[0];
        assert_eq!(mail.template, "staff_invitation");
        assert!(
            mail.text.contains(&format!(
                "as a{} {role}",
                if role == "editor" { "n" } else { "" }
            )),
            "{}",
            mail.text
        );
    }
    // Only the hash of the link is stored.
    let link = invitation_link(&app, "ed@example.org").await;
    let token = link.trim_start_matches("/invitations/");
    let djw = app.store.call(SLUG).await.unwrap().unwrap().id;
    assert!(
        app.store
            .invitation_by_token(token)
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(app.store.invitations(djw).await.unwrap().len(), 2);

    let mut apps = Vec::new();
    for (email, role) in [
        ("ed@example.org", "Editor"),
        ("rev@example.org", "Reviewer"),
    ] {
        let link = invitation_link(&app, email).await;
        // Someone not signed in is asked to sign in, or make an account, with that address.
        let stranger = app.visitor();
        let page = stranger.get(&link).await;
        assert_eq!(page.status, 200);
        assert!(page.body.contains("Sign in to accept"), "{}", page.body);

        let person = app.signed_up(email, PASSWORD).await;
        let page = person.get(&link).await;
        assert!(
            page.body.contains(&format!("as {}", role.to_lowercase())),
            "{}",
            page.body
        );
        let page = person.post(&link, &[]).await;
        assert_eq!(page.status, 303, "{}", page.body);
        assert_eq!(page.location(), CONSOLE);
        // The console is closed until the second factor is set up.
        let page = person.get(CONSOLE).await;
        assert_eq!(page.status, 303);
        assert!(
            page.location().starts_with("/account/two-factor?next="),
            "{}",
            page.location()
        );
        let setup = person.get(page.location()).await;
        assert!(setup.body.contains("<svg"), "a QR code drawn on the server");
        assert!(setup.body.contains("Staff sign in with a second factor"));
        let secret = element_text(&setup.body, "secret").unwrap();
        assert_eq!(secret.split_whitespace().collect::<String>().len(), 32);
        // A wrong code is refused with the reason beside the field.
        let wrong = person
            .post(
                "/account/two-factor/enrol",
                &[("code", "000000"), ("next", CONSOLE)],
            )
            .await;
        assert_eq!(wrong.status, 400);
        assert!(wrong.body.contains("That code is not right"));
        // The key shown stays the same until it is confirmed.
        assert_eq!(element_text(&wrong.body, "secret").unwrap(), secret);
        let authenticator = Authenticator::new(&secret);
        let enrolled = person
            .post(
                "/account/two-factor/enrol",
                &[("code", &authenticator.code().await), ("next", CONSOLE)],
            )
            .await;
        assert_eq!(enrolled.status, 200, "{}", enrolled.body);
        let codes = enrolled.body.matches("<li><code>").count();
        assert_eq!(codes, 10, "ten recovery codes, shown once");
        let page = person.get(CONSOLE).await;
        assert_eq!(page.status, 200, "{}", page.body);
        assert!(
            page.body.contains(&format!("<dd>{role}</dd>")),
            "{}",
            page.body
        );
        // A new session must type a code before the console.
        let again = app.visitor();
        again
            .sign_in_with_code(email, PASSWORD, &authenticator)
            .await;
        assert_eq!(again.get(CONSOLE).await.status, 200);
        apps.push(authenticator);
    }
    // A reviewer sees the call's overview, not its mail, pledges or staff.
    let reviewer = app.visitor();
    let authenticator = &apps[1];
    reviewer
        .sign_in_with_code("rev@example.org", PASSWORD, authenticator)
        .await;
    for path in ["/outbox", "/inbound", "/pledges", "/staff", "/emails"] {
        assert_eq!(
            reviewer.get(&format!("{CONSOLE}{path}")).await.status,
            404,
            "{path}"
        );
    }
    let staff = app.store.staff(djw).await.unwrap();
    assert!(
        staff
            .iter()
            .any(|m| m.email == "rev@example.org" && m.role == StaffRole::Reviewer)
    );
    assert!(
        staff
            .iter()
            .any(|m| m.email == "ed@example.org" && m.role == StaffRole::Editor)
    );
    let trail = app
        .store
        .audit_trail(&format!("call:{SLUG}"))
        .await
        .unwrap();
    assert_eq!(
        trail
            .iter()
            .filter(|e| e.action == "call.staff_invited")
            .count(),
        2
    );
    assert!(trail.iter().any(|e| e.action == "call.staff_added"
        && e.detail["email"] == "rev@example.org"
        && e.detail["role"] == "reviewer"));
    app.stop().await;
}

async fn invitation_rules(db: &TestDb) {
    let app = TestApp::spawn(db).await;
    let (organiser, _) = organiser(&app).await;
    organiser
        .post(
            &format!("{CONSOLE}/staff/invite"),
            &[("email", "ed@example.org"), ("role", "editor")],
        )
        .await;
    let link = invitation_link(&app, "ed@example.org").await;
    // Someone else, signed in, cannot take it.
    let other = app.signed_up("mallory@example.org", PASSWORD).await;
    let page = other.post(&link, &[]).await;
    assert_eq!(page.status, 403);
    assert!(page.body.contains("This invitation is for ed@example.org"));
    let djw = app.store.call(SLUG).await.unwrap().unwrap().id;
    assert!(
        !app.store
            .staff(djw)
            .await
            .unwrap()
            .iter()
            .any(|m| m.email == "mallory@example.org")
    );
    // Its owner can, once; then the link is used up.
    let editor = app.signed_up("ed@example.org", PASSWORD).await;
    assert_eq!(editor.post(&link, &[]).await.status, 303);
    let again = editor.post(&link, &[]).await;
    assert_eq!(again.status, 404);
    assert!(again.body.contains("was used already"));
    // A withdrawn invitation cannot be used.
    organiser
        .post(
            &format!("{CONSOLE}/staff/invite"),
            &[("email", "rev@example.org"), ("role", "reviewer")],
        )
        .await;
    let link = invitation_link(&app, "rev@example.org").await;
    let id = app.store.invitations(djw).await.unwrap()[0].id;
    let page = organiser
        .post(&format!("{CONSOLE}/staff/invitations/{id}/withdraw"), &[])
        .await;
    assert_eq!(page.status, 303);
    let reviewer = app.signed_up("rev@example.org", PASSWORD).await;
    assert_eq!(reviewer.get(&link).await.status, 404);
    assert_eq!(reviewer.post(&link, &[]).await.status, 404);
    // Bad input gets a sentence beside the field, and nothing is sent.
    let sent = app.store.outbox(1000).await.unwrap().len();
    let page = organiser
        .post(
            &format!("{CONSOLE}/staff/invite"),
            &[("email", "not an address"), ("role", "chief")],
        )
        .await;
    assert_eq!(page.status, 400);
    assert!(page.body.contains("href=\"#email\""));
    assert!(page.body.contains("Choose a role"));
    assert_eq!(app.store.outbox(1000).await.unwrap().len(), sent);
    // An expired one neither.
    organiser
        .post(
            &format!("{CONSOLE}/staff/invite"),
            &[("email", "late@example.org"), ("role", "editor")],
        )
        .await;
    let link = invitation_link(&app, "late@example.org").await;
    app.clock.advance(jiff::SignedDuration::from_hours(15 * 24));
    let late = app.signed_up("late@example.org", PASSWORD).await;
    assert_eq!(late.post(&link, &[]).await.status, 404);
    app.stop().await;
}

async fn roles(db: &TestDb) {
    let app = TestApp::spawn(db).await;
    let (organiser, _) = organiser(&app).await;
    app.add_staff(SLUG, "ed@example.org", StaffRole::Editor)
        .await;
    let djw = app.store.call(SLUG).await.unwrap().unwrap().id;
    let page = organiser
        .post(
            &format!("{CONSOLE}/staff/role"),
            &[("email", "ed@example.org"), ("role", "reviewer")],
        )
        .await;
    assert_eq!(page.status, 303);
    let role = |staff: Vec<docket_store::StaffMember>, email: &str| {
        staff.into_iter().find(|m| m.email == email).map(|m| m.role)
    };
    assert_eq!(
        role(app.store.staff(djw).await.unwrap(), "ed@example.org"),
        Some(StaffRole::Reviewer)
    );
    // The only organiser cannot step down or be removed.
    let page = organiser
        .post(
            &format!("{CONSOLE}/staff/role"),
            &[("email", "org@example.org"), ("role", "editor")],
        )
        .await;
    assert_eq!(page.status, 400);
    assert!(
        page.body
            .contains("only organiser: make someone else an organiser first"),
        "{}",
        page.body
    );
    let page = organiser
        .post(
            &format!("{CONSOLE}/staff/remove"),
            &[("email", "org@example.org")],
        )
        .await;
    assert_eq!(page.status, 400);
    assert_eq!(
        role(app.store.staff(djw).await.unwrap(), "org@example.org"),
        Some(StaffRole::Organiser)
    );
    // Someone else is removed, audited.
    let page = organiser
        .post(
            &format!("{CONSOLE}/staff/remove"),
            &[("email", "ed@example.org")],
        )
        .await;
    assert_eq!(page.status, 303);
    assert_eq!(
        role(app.store.staff(djw).await.unwrap(), "ed@example.org"),
        None
    );
    let trail = app
        .store
        .audit_trail(&format!("call:{SLUG}"))
        .await
        .unwrap();
    assert!(
        trail
            .iter()
            .any(|e| e.action == "call.staff_removed" && e.detail["email"] == "ed@example.org")
    );
    // Someone not on the staff is not found.
    let page = organiser
        .post(
            &format!("{CONSOLE}/staff/remove"),
            &[("email", "nobody@example.org")],
        )
        .await;
    assert_eq!(page.status, 404);
    app.stop().await;
}

async fn codes(db: &TestDb) {
    let app = TestApp::spawn(db).await;
    let person = app.signed_up("ada@example.org", PASSWORD).await;
    // Contributors may enrol too.
    let setup = person.get("/account/two-factor").await;
    let secret = element_text(&setup.body, "secret").unwrap();
    let authenticator = Authenticator::new(&secret);
    let code = authenticator.code().await;
    let enrolled = person
        .post("/account/two-factor/enrol", &[("code", &code)])
        .await;
    assert_eq!(enrolled.status, 200);
    let recovery: Vec<String> = enrolled
        .body
        .split("<li><code>")
        .skip(1)
        .map(|rest| rest[..rest.find('<').unwrap()].to_owned())
        .collect();
    assert_eq!(recovery.len(), 10);
    let user = app
        .store
        .user_by_email("ada@example.org")
        .await
        .unwrap()
        .unwrap();
    let stored = app.store.two_factor(user.id).await.unwrap();
    assert_eq!(stored.recovery_left, 10);

    // Signing in now asks for a code: the session is not signed in for anything else.
    let second = app.visitor();
    let page = second
        .post(
            "/account/sign-in",
            &[
                ("email", "ada@example.org"),
                ("password", PASSWORD),
                ("next", "/submissions"),
            ],
        )
        .await;
    assert_eq!(page.status, 303);
    let page = second.get("/submissions").await;
    assert!(
        page.location().starts_with("/account/two-factor/check"),
        "{}",
        page.location()
    );
    let page = second.get("/").await;
    assert!(
        !page.body.contains("Sign out"),
        "not signed in until the code"
    );
    // The code used to enrol cannot be used again.
    let replay = second
        .post(
            "/account/two-factor/check",
            &[("code", &code), ("next", "/submissions")],
        )
        .await;
    assert_eq!(replay.status, 400);
    assert!(replay.body.contains("used already"), "{}", replay.body);
    // A recovery code works, once.
    let page = second
        .post(
            "/account/two-factor/check",
            &[
                ("code", &recovery[0].to_uppercase()),
                ("next", "/submissions"),
            ],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    assert_eq!(second.get("/submissions").await.status, 200);
    let third = app.visitor();
    third
        .post(
            "/account/sign-in",
            &[("email", "ada@example.org"), ("password", PASSWORD)],
        )
        .await;
    let page = third
        .post(
            "/account/two-factor/check",
            &[("code", &recovery[0]), ("next", "/")],
        )
        .await;
    assert_eq!(page.status, 400);
    assert_eq!(
        app.store.two_factor(user.id).await.unwrap().recovery_left,
        9
    );
    // Guessing is slowed: after five tries a minute, even the right code waits.
    app.clock.advance(jiff::SignedDuration::from_mins(2));
    for guess in ["111111", "222222", "333333", "444444", "555555"] {
        let page = third
            .post(
                "/account/two-factor/check",
                &[("code", guess), ("next", "/")],
            )
            .await;
        assert_eq!(page.status, 400);
    }
    let page = third
        .post(
            "/account/two-factor/check",
            &[("code", &authenticator.code().await), ("next", "/")],
        )
        .await;
    assert_eq!(page.status, 429, "{}", page.body);
    // The trail says how the factor was passed, without the codes.
    let trail = app
        .store
        .audit_trail(&format!("user:{}", user.id))
        .await
        .unwrap();
    assert!(
        trail
            .iter()
            .any(|e| e.action == "account.two_factor_enrolled")
    );
    assert!(
        trail.iter().any(
            |e| e.action == "account.second_factor_passed" && e.detail["by"] == "recovery_code"
        )
    );
    let text = serde_json::to_string(&trail.iter().map(|e| &e.detail).collect::<Vec<_>>()).unwrap();
    assert!(!text.contains(&recovery[1]) && !text.contains(&secret));
    app.stop().await;
}

async fn own_data(db: &TestDb) {
    let app = TestApp::spawn(db).await;
    let ada = app.signed_up("ada@example.org", PASSWORD).await;
    // Profile: bad input is explained, good input saved. A file that claims to be a photo and
    // is not is refused, and nothing is stored.
    let page = ada
        .post_multipart(
            "/account/profile",
            &[("name", ""), ("links", "not a link")],
            vec![("headshot", "me.png", b"<script>alert(1)</script>".to_vec())],
        )
        .await;
    assert_eq!(page.status, 400);
    assert!(page.body.contains("href=\"#name\"") && page.body.contains("href=\"#links\""));
    assert!(page.body.contains("href=\"#headshot\""), "{}", page.body);
    let ada_user = app
        .store
        .user_by_email("ada@example.org")
        .await
        .unwrap()
        .unwrap();
    assert!(app.store.profile(ada_user.id).await.unwrap().is_none());
    let page = ada
        .post_multipart(
            "/account/profile",
            &[
                ("name", "Ada Lovelace"),
                ("job_title", "Director"),
                ("organisation", "Analytical Engines Ltd"),
                ("bio", "Ada writes about engines."),
                ("links", "https://example.org/ada"),
            ],
            vec![("headshot", "ada.png", PNG.to_vec())],
        )
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body
            .contains("Ada Lovelace, Director, Analytical Engines Ltd")
    );
    assert!(page.body.contains("You have uploaded ada.png"));
    let headshot = app
        .store
        .profile(ada_user.id)
        .await
        .unwrap()
        .unwrap()
        .headshot_id
        .expect("the headshot is kept");
    assert_eq!(
        app.store.asset(headshot).await.unwrap().unwrap().mime,
        "image/png"
    );

    // Two pieces: one will be published, one stays unpublished.
    let published = send_blog(&ada, "Data at the heart of justice").await;
    let unpublished = send_blog(&ada, "A second thought").await;
    let page = ada.get(&format!("/submissions/{published}")).await;
    assert!(
        page.body
            .contains("Do you agree to publish this piece under your name?")
    );
    let page = ada
        .post(
            &format!("/submissions/{published}/consent"),
            &[("action", "give")],
        )
        .await;
    assert_eq!(page.status, 303);
    let consents = app.store.consents(published).await.unwrap();
    assert_eq!(consents.len(), 1);
    assert_eq!(
        consents[0].byline,
        "Ada Lovelace, Director, Analytical Engines Ltd"
    );
    // Withdrawn, then given again.
    ada.post(
        &format!("/submissions/{published}/consent"),
        &[("action", "withdraw")],
    )
    .await;
    assert!(!app.store.consents(published).await.unwrap()[0].stands());
    ada.post(
        &format!("/submissions/{published}/consent"),
        &[("action", "give")],
    )
    .await;
    assert!(app.store.consents(published).await.unwrap()[0].stands());
    // A co-author gives their own consent, under their own profile.
    let page = ada
        .post(
            &format!("/submissions/{published}/coauthors"),
            &[("email", "bo@example.org")],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let bo = app.signed_up("bo@example.org", PASSWORD).await;
    let page = bo
        .post(
            &format!("/submissions/{published}/consent"),
            &[("action", "give")],
        )
        .await;
    assert_eq!(page.status, 400, "no profile yet");
    assert!(page.body.contains("Set up your profile first"));
    bo.post_multipart("/account/profile", &[("name", "Bo Diddley")], vec![])
        .await;
    bo.post(
        &format!("/submissions/{published}/consent"),
        &[("action", "give")],
    )
    .await;
    let bylines: Vec<String> = app
        .store
        .consents(published)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.byline)
        .collect();
    assert!(bylines.contains(&"Bo Diddley".to_owned()), "{bylines:?}");
    // Once published, consent can no longer be withdrawn here.
    let user = app
        .store
        .user_by_email("ada@example.org")
        .await
        .unwrap()
        .unwrap();
    let now = app.clock.now_timestamp();
    for (from, to) in [
        (SubmissionState::Submitted, SubmissionState::Accepted),
        (SubmissionState::Accepted, SubmissionState::Scheduled),
        (SubmissionState::Scheduled, SubmissionState::Published),
    ] {
        app.store
            .set_state(published, user.id, from, to, None, now)
            .await
            .unwrap();
    }
    let page = ada
        .post(
            &format!("/submissions/{published}/consent"),
            &[("action", "withdraw")],
        )
        .await;
    assert_eq!(page.status, 409, "{}", page.body);
    assert!(app.store.consents(published).await.unwrap()[0].stands());

    // The archive holds the account, profile, both pieces, the mail and the activity.
    let response = ada
        .http
        .get(format!("{}/account/data/download", ada.base()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/zip");
    let bytes = response.bytes().await.unwrap();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let mut read = |name: &str| {
        let mut text = String::new();
        archive
            .by_name(name)
            .unwrap_or_else(|_| panic!("{name} in the archive"))
            .read_to_string(&mut text)
            .unwrap();
        text
    };
    assert!(read("account.json").contains("ada@example.org"));
    assert!(read("profile.json").contains("Analytical Engines Ltd"));

    let piece = read(&format!("pieces/{published}/piece.json"));
    assert!(piece.contains("Data at the heart of justice") && piece.contains("\"revisions\""));
    assert!(
        piece.contains("Ada Lovelace, Director"),
        "the consent is in: {piece}"
    );
    assert!(
        !piece.contains("Bo Diddley"),
        "another author's consent is theirs"
    );
    assert!(read(&format!("pieces/{unpublished}/piece.json")).contains("A second thought"));
    assert!(read("mail/sent/0001.txt").contains("ada@example.org"));
    assert!(read("activity.json").contains("account.profile_saved"));
    let mut photo = Vec::new();
    archive
        .by_name("profile/ada.png")
        .expect("the headshot in the archive")
        .read_to_end(&mut photo)
        .unwrap();
    assert_eq!(photo, PNG);
    // Someone else's archive does not hold Ada's pieces.
    let response = bo
        .http
        .get(format!("{}/account/data/download", bo.base()))
        .send()
        .await
        .unwrap();
    let archive = zip::ZipArchive::new(std::io::Cursor::new(
        response.bytes().await.unwrap().to_vec(),
    ))
    .unwrap();
    let names: Vec<String> = archive
        .file_names()
        .map(|name| name.unwrap().into_owned())
        .collect();
    assert!(
        !names
            .iter()
            .any(|n| n.contains(&format!("pieces/{unpublished}/"))),
        "{names:?}"
    );

    // Deleting needs the address typed; then the account is gone.
    let page = ada
        .post("/account/delete", &[("confirm", "wrong@example.org")])
        .await;
    assert_eq!(page.status, 400);
    assert!(page.body.contains("href=\"#confirm\""));
    assert!(
        app.store
            .user_by_email("ada@example.org")
            .await
            .unwrap()
            .is_some()
    );
    let page = ada
        .post("/account/delete", &[("confirm", "Ada@Example.org")])
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("1 unpublished piece"), "{}", page.body);
    assert!(page.body.contains("1 published piece stays online"));
    assert!(
        app.store
            .user_by_email("ada@example.org")
            .await
            .unwrap()
            .is_none()
    );
    assert!(app.store.submission(unpublished).await.unwrap().is_none());
    assert!(app.store.profile(user.id).await.unwrap().is_none());
    assert!(
        app.store.asset(headshot).await.unwrap().is_none(),
        "the headshot is erased"
    );
    assert!(
        app.store
            .mail_to_address("ada@example.org")
            .await
            .unwrap()
            .is_empty()
    );
    // The published piece keeps the consented byline, with no link to Ada.
    let kept = app.store.submission(published).await.unwrap().unwrap();
    assert_eq!(kept.state, SubmissionState::Published);
    assert!(!kept.owner_email.contains("ada"), "{}", kept.owner_email);
    let consents = app.store.consents(published).await.unwrap();
    let ada_consent = consents
        .iter()
        .find(|c| c.byline.starts_with("Ada Lovelace"))
        .expect("the byline stays");
    assert_eq!(ada_consent.email, None);
    // The audit trail keeps its events, under an anonymous actor.
    assert!(
        app.store
            .audit_by(&Actor::User(user.id))
            .await
            .unwrap()
            .is_empty()
    );
    let trail = app
        .store
        .audit_trail(&format!("user:{}", user.id))
        .await
        .unwrap();
    assert!(
        trail
            .iter()
            .any(|e| e.action == "account.profile_saved" && e.actor == "deleted")
    );
    assert!(trail.iter().any(|e| e.action == "account.erased"));
    // The old session is over; signing in again finds no account.
    assert_eq!(ada.get("/submissions").await.status, 303);
    let page = app
        .visitor()
        .post(
            "/account/sign-in",
            &[("email", "ada@example.org"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(page.status, 400);
    app.stop().await;
}

async fn retention(db: &TestDb) {
    let app = TestApp::spawn(db).await;
    let ada = app.signed_up("ada@example.org", PASSWORD).await;
    let rejected = send_blog(&ada, "Turned down").await;
    let withdrawn = send_blog(&ada, "Taken back").await;
    let accepted = send_blog(&ada, "Taken").await;
    let user = app
        .store
        .user_by_email("ada@example.org")
        .await
        .unwrap()
        .unwrap();
    let now = app.clock.now_timestamp();
    app.store
        .set_state(
            rejected,
            user.id,
            SubmissionState::Submitted,
            SubmissionState::Rejected,
            None,
            now,
        )
        .await
        .unwrap();
    app.store
        .set_state(
            withdrawn,
            user.id,
            SubmissionState::Submitted,
            SubmissionState::Withdrawn,
            None,
            now,
        )
        .await
        .unwrap();
    app.store
        .set_state(
            accepted,
            user.id,
            SubmissionState::Submitted,
            SubmissionState::Accepted,
            None,
            now,
        )
        .await
        .unwrap();
    let settings = docket_app::jobs::RunnerSettings::default();
    let mailer = docket_mail::Mailer::new("http://127.0.0.1:8080");
    // Eleven months after the week (18 November 2022): kept.
    app.clock.set("2023-10-20T12:00:00Z".parse().unwrap());
    docket_app::jobs::run_once(app.store.as_ref(), &app.clock, &mailer, &settings)
        .await
        .unwrap();
    assert!(app.store.submission(rejected).await.unwrap().is_some());
    // Thirteen months after: the rejected and withdrawn pieces are erased, the accepted kept.
    app.clock.set("2023-12-20T12:00:00Z".parse().unwrap());
    docket_app::jobs::run_once(app.store.as_ref(), &app.clock, &mailer, &settings)
        .await
        .unwrap();
    assert!(app.store.submission(rejected).await.unwrap().is_none());
    assert!(app.store.submission(withdrawn).await.unwrap().is_none());
    assert!(app.store.submission(accepted).await.unwrap().is_some());
    assert!(app.store.revisions(rejected).await.unwrap().is_empty());
    let trail = app
        .store
        .audit_trail(&format!("submission:{rejected}"))
        .await
        .unwrap();
    assert!(trail.iter().any(|e| e.action == "submission.erased"));
    app.stop().await;
}
