//! The demo's sample people and pieces, so that a newcomer sees the editorial work without
//! typing twenty pieces: an organiser, an editor and a reviewer who sign in with a password and
//! a TOTP code (shown on the demo mailbox page), and made-up contributors, each clearly a sample,
//! with profiles, pledges and pieces in every state across the days and kinds, some sent by
//! email with their original messages. Loaded once per demo database.

use std::collections::BTreeSet;

use anyhow::Context as _;
use docket_core::Clock;
use docket_core::pledge::Pledge;
use docket_core::submission::{Author, CandidateDays, Piece, SubmissionState};
use docket_mail::Mailer;
use docket_store::{Actor, NewPledge, Profile, StaffRole, Store, StoredCall, User};
use jiff::civil::Date;

/// The site setting that marks the samples as loaded, and lists the sample staff for the demo
/// mailbox page.
pub const DEMO_PEOPLE: &str = "demo_people";

/// Every sample account's password (it is a demo: the mailbox page shows it).
pub const PASSWORD: &str = "sample password";

/// The sample staff: address, role.
pub const STAFF: [(&str, StaffRole); 3] = [
    ("organiser@example.org", StaffRole::Organiser),
    ("editor@example.org", StaffRole::Editor),
    ("reviewer@example.org", StaffRole::Reviewer),
];

/// A sample contributor: address, name, job title, organisation.
const PEOPLE: [(&str, &str, &str, &str); 6] = [
    (
        "ada.sample@example.org",
        "Ada Sample",
        "Director of Data",
        "Sample Analytics Ltd",
    ),
    (
        "ben.sample@example.org",
        "Ben Sample",
        "Policy Lead",
        "Sample Justice Trust",
    ),
    (
        "chloe.sample@example.org",
        "Chloe Sample",
        "Chief Technology Officer",
        "Sample Courts Tech",
    ),
    (
        "dev.sample@example.org",
        "Dev Sample",
        "Researcher",
        "Sample University",
    ),
    (
        "esme.sample@example.org",
        "Esme Sample",
        "Head of Digital",
        "Sample Probation Service",
    ),
    (
        "femi.sample@example.org",
        "Femi Sample",
        "Founder",
        "Sample LegalTech",
    ),
];

/// A sample piece: owner (index into PEOPLE), kind, title, day (0–4; None: any day), state.
const PIECES: [(usize, &str, &str, Option<usize>, SubmissionState); 21] = [
    (
        0,
        "blog",
        "Joining up data across the justice system",
        Some(0),
        SubmissionState::Scheduled,
    ),
    (
        1,
        "blog",
        "What victims need from digital services",
        Some(1),
        SubmissionState::Scheduled,
    ),
    (
        2,
        "case-study",
        "Video hearings two years on",
        Some(2),
        SubmissionState::Scheduled,
    ),
    (
        3,
        "blog",
        "Algorithms in sentencing: what the evidence says",
        Some(3),
        SubmissionState::Scheduled,
    ),
    (
        4,
        "whitepaper",
        "Rehabilitation by design",
        Some(4),
        SubmissionState::Scheduled,
    ),
    (
        5,
        "podcast",
        "Startups and the courts, episode 1",
        Some(2),
        SubmissionState::Accepted,
    ),
    (
        0,
        "blog",
        "A single view of the person",
        None,
        SubmissionState::Accepted,
    ),
    (
        1,
        "case-study",
        "Digital case files in one police force",
        Some(0),
        SubmissionState::Submitted,
    ),
    (
        2,
        "blog",
        "Cloud in the courtroom",
        Some(2),
        SubmissionState::Submitted,
    ),
    (
        3,
        "blog",
        "Measuring fairness in data",
        Some(3),
        SubmissionState::Submitted,
    ),
    (
        4,
        "blog",
        "Skills for digital probation",
        Some(4),
        SubmissionState::Submitted,
    ),
    (
        5,
        "blog",
        "Open data for legal innovation",
        None,
        SubmissionState::Submitted,
    ),
    (
        0,
        "blog",
        "Data sharing without fear",
        Some(1),
        SubmissionState::ChangesRequested,
    ),
    (
        3,
        "case-study",
        "Machine learning for case triage",
        Some(3),
        SubmissionState::ChangesRequested,
    ),
    (
        1,
        "blog",
        "Why the paper form survives",
        Some(1),
        SubmissionState::Rejected,
    ),
    (
        5,
        "blog",
        "Blockchain for evidence",
        Some(2),
        SubmissionState::Rejected,
    ),
    (
        2,
        "blog",
        "Our court app, in numbers",
        Some(2),
        SubmissionState::Withdrawn,
    ),
    (
        4,
        "blog",
        "Tagging and trust",
        Some(4),
        SubmissionState::Draft,
    ),
    (
        3,
        "podcast",
        "Data stories, episode 3",
        Some(3),
        SubmissionState::Draft,
    ),
    (
        0,
        "case-study",
        "From pilot to national service",
        Some(0),
        SubmissionState::Draft,
    ),
    (
        2,
        "blog",
        "Accessibility in online courts",
        Some(1),
        SubmissionState::Submitted,
    ),
];

/// How a sample piece gets from sent to `state`.
fn path_to(state: SubmissionState) -> &'static [SubmissionState] {
    use SubmissionState as S;
    match state {
        S::Draft | S::Submitted => &[],
        S::ChangesRequested => &[S::ChangesRequested],
        S::Accepted => &[S::Accepted],
        // Placed and scheduled through the day board's own steps, below.
        S::Scheduled | S::Published => &[S::Accepted],
        S::Rejected => &[S::Rejected],
        S::Withdrawn => &[S::Withdrawn],
    }
}

fn words(topic: &str, n: usize) -> String {
    let sentence = format!(
        "This is a sample piece about {} written for the Docket demo. It shows how a contributor's text looks to the editors and, once published, to readers.",
        topic.to_lowercase()
    );
    let per = sentence.split_whitespace().count();
    let mut paragraphs = Vec::new();
    let mut count = 0;
    while count < n {
        paragraphs.push(format!("{sentence} {sentence} {sentence}"));
        count += per * 3;
    }
    paragraphs.join("\n\n")
}

/// A small, valid PDF for the sample whitepaper.
fn sample_pdf(title: &str) -> Vec<u8> {
    let text = format!("BT /F1 18 Tf 72 720 Td (Sample whitepaper: {title}) Tj ET");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_owned(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>".to_owned(),
        format!("<< /Length {} >>\nstream\n{text}\nendstream", text.len()),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_owned(),
    ];
    let mut pdf = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (index, object) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.extend_from_slice(format!("{} 0 obj\n{object}\nendobj\n", index + 1).as_bytes());
    }
    let xref = pdf.len();
    pdf.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for offset in offsets {
        pdf.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    pdf.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    pdf
}

/// A confirmed account with the sample password.
async fn account(
    store: &dyn Store,
    email: &str,
    hash: &str,
    clock: &dyn Clock,
) -> anyhow::Result<User> {
    let now = clock.now();
    if let Some(user) = store.user_by_email(email).await? {
        return Ok(user);
    }
    let mut work = store.begin().await?;
    let id = work.create_account(email, now).await?;
    work.commit().await?;
    store.confirm_user(id, now, true).await?;
    store.set_password(id, hash, now).await?;
    store
        .user_by_email(email)
        .await?
        .context("the sample account was just made")
}

/// Loads the samples into the demo's call, once.
pub async fn load(
    store: &dyn Store,
    clock: &dyn Clock,
    mailer: &Mailer,
    stored: &StoredCall,
) -> anyhow::Result<()> {
    if store.site_setting(DEMO_PEOPLE).await?.is_some() {
        return Ok(());
    }
    let call = &stored.call;
    let hash = docket_web::auth::hash_password(PASSWORD.to_owned())
        .await
        .map_err(|error| anyhow::anyhow!("{error}"))?;
    let now = clock.now();

    // Staff, each with a second factor.
    let mut editor_id = None;
    for (email, role) in STAFF {
        let user = account(store, email, &hash, clock).await?;
        store
            .add_staff(stored.id, email, role, &Actor::System, now)
            .await?;
        if store.two_factor(user.id).await?.secret.is_none() {
            let secret = docket_app::two_factor::new_secret();
            store.set_pending_totp(user.id, Some(&secret)).await?;
            let (_, hashes) = docket_app::two_factor::new_recovery_codes();
            store
                .enrol_totp(user.id, &secret, 0, &hashes, "", now)
                .await?;
        }
        if role == StaffRole::Editor {
            editor_id = Some(user.id);
        }
    }
    let editor_id = editor_id.context("a sample editor")?;

    // Contributors with profiles.
    let mut people = Vec::new();
    for (email, name, job, organisation) in PEOPLE {
        let user = account(store, email, &hash, clock).await?;
        store
            .save_profile(
                user.id,
                &Profile {
                    name: name.into(),
                    job_title: job.into(),
                    organisation: organisation.into(),
                    bio: format!(
                        "{name} is a made-up person in Docket's demo: {job} at {organisation}."
                    ),
                    links: vec!["https://example.org/".into()],
                    headshot_id: None,
                },
                now,
            )
            .await?;
        people.push(user);
    }

    let head = docket_app::letterhead(store, mailer, stored.id, call).await?;
    let day = |index: usize| -> Option<Date> { call.days.get(index).map(|day| day.date) };
    for (owner, kind, title, on, state) in PIECES {
        let user = &people[owner];
        let (name, job, organisation) = (PEOPLE[owner].1, PEOPLE[owner].2, PEOPLE[owner].3);
        let title = format!("Sample: {title}");
        let mut piece = Piece {
            kind: kind.into(),
            days: Some(match on.and_then(day) {
                Some(date) => CandidateDays::Days(BTreeSet::from([date])),
                None => CandidateDays::AnyDay,
            }),
            title: title.clone(),
            summary: format!("A made-up {kind} for the demo: {}.", title.to_lowercase()),
            authors: vec![Author {
                name: name.into(),
                role: job.into(),
                organisation: organisation.into(),
                bio: format!("{name} is a made-up person in Docket's demo."),
            }],
            ..Piece::default()
        };
        match kind {
            "podcast" => {
                piece.link = Some(format!(
                    "https://podcasts.example.org/sample-{}.mp3",
                    title.len()
                ));
                piece.minutes = Some(25.0);
            }
            "whitepaper" => {
                let bytes = sample_pdf(&title);
                let mut work = store.begin().await?;
                let asset = work
                    .add_file(
                        &docket_store::IncomingFile {
                            name: "sample-whitepaper.pdf".into(),
                            mime: "application/pdf".into(),
                            sha256: docket_store::secret::sha256_hex(&bytes),
                            text: Some(format!("Sample whitepaper: {title}")),
                            bytes,
                        },
                        user.id,
                        now,
                    )
                    .await?;
                work.commit().await?;
                piece.document = Some(asset);
                piece.pages = Some(1);
            }
            _ => {
                piece.body = words(&title, 650);
                piece.words = Some(docket_core::text::count_words(&piece.body) as u64);
            }
        }
        let id = store.create_draft(stored.id, user, &piece, now).await?;
        if state == SubmissionState::Draft {
            continue;
        }
        let record = store
            .submission(id)
            .await?
            .context("the sample piece was just made")?;
        let facts = mailer.piece_facts(
            call,
            &piece,
            &format!("/submissions/{id}"),
            1,
            false,
            Vec::new(),
        );
        let receipt = mailer.receipt(&head, &user.email, id, &record.reply_token, &facts);
        store
            .submit_revision(id, user.id, &piece, false, &[], receipt, now)
            .await?;
        let mut from = SubmissionState::Submitted;
        for to in path_to(state) {
            store.set_state(id, editor_id, from, *to, None, now).await?;
            from = *to;
        }
        if matches!(
            state,
            SubmissionState::Accepted | SubmissionState::Scheduled | SubmissionState::Published
        ) {
            // Accepted pieces offered for a day go on it at the call's usual time; scheduled
            // ones get their publish job, so that the week goes live day by day.
            if let Some(date) = on.and_then(day) {
                let at = call.local_instant(date, call.week.publish_time);
                store
                    .place(id, date, at, "", &Actor::User(editor_id), now)
                    .await?;
                if state != SubmissionState::Accepted {
                    store
                        .schedule(
                            id,
                            &docket_core::text::slugify(&title, 72),
                            &Actor::User(editor_id),
                            now,
                        )
                        .await?;
                }
            }
            let profile = store.profile(user.id).await?.unwrap_or_default();
            store
                .give_consent(
                    id,
                    &user.email,
                    &profile.byline(),
                    &Actor::User(user.id),
                    now,
                )
                .await?;
        }
    }

    // The sample reviewer declared a conflict with Ben's organisation; balancing gives every
    // piece waiting for a decision a reviewer, never Ben's to them.
    store
        .set_conflicts(
            stored.id,
            "reviewer@example.org",
            &[docket_store::Conflict::Organisation(
                "Sample Justice Trust".into(),
            )],
            editor_id,
            now,
        )
        .await?;
    let _assigned = docket_app::reviews::balance(store, stored, &Actor::System, now).await?;

    // Pledges: two still open, one for a day without a piece yet.
    for (owner, kind, on, working_title) in [
        (3usize, "blog", 1usize, "Evidence and the public"),
        (5, "podcast", 4, "Founders on rehabilitation"),
        (1, "case-study", 3, "Data in family courts"),
    ] {
        let user = &people[owner];
        store
            .add_pledge(
                &NewPledge {
                    call_id: stored.id,
                    owner_id: user.id,
                    pledge: Pledge {
                        kind: Some(kind.into()),
                        days: day(on).map(|date| CandidateDays::Days(BTreeSet::from([date]))),
                        working_title: format!("Sample: {working_title}"),
                        author: PEOPLE[owner].1.into(),
                        ..Pledge::default()
                    },
                    source: "web",
                    sender_trust: None,
                },
                None,
                now,
            )
            .await?;
    }

    // Pieces sent by email, kept with their original messages.
    let settings = docket_app::ingest::IngestSettings::default();
    for (n, (from, subject, day_name)) in [
        (
            "Gita Sample <gita.sample@example.org>",
            "Guest blog for Tuesday: Courts that listen",
            "Tuesday",
        ),
        (
            "Hal Sample <hal.sample@example.org>",
            "Case study for Thursday: Data in the probation office",
            "Thursday",
        ),
        (
            "Iris Sample <iris.sample@example.org>",
            "Blog for Friday: Second chances by design",
            "Friday",
        ),
    ]
    .into_iter()
    .enumerate()
    {
        let body = words(subject, 650).replace('\n', "\r\n");
        let raw = format!(
            "Message-ID: <sample-{n}@demo.docket.example.org>\r\n\
             Date: Thu, 20 Oct 2022 10:15:00 +0100\r\n\
             From: {from}\r\n\
             To: Jago <jago@techuk.example.org>\r\n\
             Subject: Sample: {subject}\r\n\
             MIME-Version: 1.0\r\n\
             Content-Type: text/plain; charset=utf-8\r\n\r\n\
             Hello Jago,\r\n\r\nHere is my piece for {day_name}, pasted below. This is a made-up sample for the Docket demo.\r\n\r\n{body}\r\n\r\nBest wishes\r\n"
        );
        docket_app::ingest::ingest(store, clock, mailer, raw.as_bytes(), &settings).await?;
    }

    // And one Docket could not place (no day named): kept for the editors' triage.
    let raw = format!(
        "Message-ID: <sample-triage@demo.docket.example.org>\r\n\
         Date: Fri, 21 Oct 2022 16:40:00 +0100\r\n\
         From: Jo Sample <jo.sample@example.org>\r\n\
         To: Jago <jago@techuk.example.org>\r\n\
         Subject: Sample: My blog about legal aid\r\n\
         MIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\n\
         Hi Jago, here is my blog. This is a made-up sample for the Docket demo.\r\n\r\n{}\r\n",
        words("Legal aid in a digital age", 650).replace('\n', "\r\n")
    );
    docket_app::ingest::ingest(store, clock, mailer, raw.as_bytes(), &settings).await?;

    let staff: Vec<serde_json::Value> = STAFF
        .iter()
        .map(|(email, role)| serde_json::json!({ "email": email, "role": role.label() }))
        .collect();
    store
        .set_site_setting(
            DEMO_PEOPLE,
            &serde_json::json!({ "password": PASSWORD, "staff": staff }).to_string(),
        )
        .await?;
    Ok(())
}
