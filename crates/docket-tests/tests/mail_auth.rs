//! Know who sent a mail: a message from an existing contributor's address acts at once when
//! Docket verifies a DKIM signature aligned with its From: domain, or when a receiving server the
//! deployment trusts says `dmarc=pass`; anything else waits for the owner's confirmation. Keys are
//! made by the test and messages signed with dkimpy; DNS is never asked (the authenticator's cache
//! is pre-loaded, and its resolver points at a closed port). Both backends.

use std::sync::Arc;
use std::time::Duration;

use docket_app::ingest::{self, IngestSettings, Outcome};
use docket_core::trust::SenderTrust;
use docket_mail::auth::{Authenticator, Dns};
use docket_tests::app::TestApp;
use docket_tests::both_backends;
use docket_tests::db::TestDb;
use docket_tests::dkim::{self, DkimKey};
use docket_tests::mail::{message_with_docx, message_with_file};

/// The blog as LibreOffice saves it: the same piece in another file, as a corrected version is.
const CORRECTED_DOCX: &[u8] =
    include_bytes!("../../docket-documents/tests/fixtures/blog-libreoffice.docx");

both_backends! {
    a_sender_is_believed_only_when_dkim_or_a_trusted_server_vouches_for_them => senders,
    an_authenticated_reply_with_a_corrected_document_is_a_revision_at_once => authenticated_reply,
}

const PASSWORD: &str = "correct horse battery";

struct Keys {
    example: DkimKey,
    /// For example.net, which publishes no DMARC policy.
    net_subdomain: DkimKey,
    subdomain: DkimKey,
    other: DkimKey,
    unknown: DkimKey,
}

fn authenticator(keys: &Keys) -> Authenticator {
    // Port 9 (discard) has no DNS server: any name not pre-loaded fails to resolve.
    let authenticator = Authenticator::new(
        &Dns::Servers(vec!["127.0.0.1:9".parse().unwrap()]),
        vec!["mx.example.org".into()],
        Duration::from_secs(3),
        true,
    )
    .expect("an authenticator");
    for key in [
        &keys.example,
        &keys.net_subdomain,
        &keys.subdomain,
        &keys.other,
    ] {
        assert!(authenticator.preload_txt(&key.txt_name(), &key.record));
    }
    assert!(authenticator.preload_txt("_dmarc.example.org", "v=DMARC1; p=none"));
    assert!(authenticator.preload_txt("_dmarc.other.example", "v=DMARC1; p=none"));
    assert!(authenticator.preload_txt("_dmarc.strict.example", "v=DMARC1; p=reject"));
    // example.net has no DMARC record: DNS answers "no such name" up the tree.
    authenticator.preload_absent("_dmarc.example.net");
    authenticator.preload_absent("_dmarc.net");
    authenticator
}

fn keys() -> Keys {
    Keys {
        example: DkimKey::generate("example.org", "mail2022"),
        net_subdomain: DkimKey::generate("mail.example.net", "s1"),
        subdomain: DkimKey::generate("lists.example.org", "s1"),
        other: DkimKey::generate("other.example", "s1"),
        unknown: DkimKey::generate("unknown.example", "s1"),
    }
}

fn blog(id: &str, from: &str, subject: &str, extra_headers: &str) -> Vec<u8> {
    message_with_docx(
        id,
        from,
        subject,
        "Hi Jago,\r\n\r\nPlease find attached my blog for Tuesday's data theme.\r\n\r\nBest wishes,\r\nAda",
        extra_headers,
    )
}

/// The same message with a word of its text changed after it was signed.
fn tampered(signed: &[u8]) -> Vec<u8> {
    let text = String::from_utf8(signed.to_vec()).expect("a text message");
    assert!(text.contains("Best wishes"));
    text.replacen("Best wishes", "Best regards", 1).into_bytes()
}

async fn file(app: &TestApp, settings: &IngestSettings, raw: &[u8]) -> Outcome {
    let mailer = docket_mail::Mailer::new("https://docket.example.org");
    ingest::ingest(app.store.as_ref(), &app.clock, &mailer, raw, settings)
        .await
        .expect("ingested")
}

async fn trust_of(app: &TestApp, message_id: &str) -> SenderTrust {
    app.store
        .inbound(100)
        .await
        .unwrap()
        .into_iter()
        .find(|record| record.message_id.contains(message_id))
        .unwrap_or_else(|| panic!("{message_id} was recorded"))
        .sender_trust
}

async fn senders(db: &TestDb) {
    if !dkim::available() {
        return;
    }
    let app = TestApp::spawn(db).await;
    for address in [
        "ada@example.org",
        "bob@strict.example",
        "cy@unknown.example",
        "dee@example.net",
    ] {
        app.signed_up(address, PASSWORD).await;
    }
    let keys = keys();
    let settings = IngestSettings {
        authenticator: Some(Arc::new(authenticator(&keys))),
        ..IngestSettings::default()
    };
    let ada = "Ada Lovelace <ada@example.org>";

    // Signed by the From: domain: filed at once for Ada's account.
    let signed = keys
        .example
        .sign(&blog("dkim-1@example.org", ada, "Blog for Tuesday", ""));
    let outcome = file(&app, &settings, &signed).await;
    assert!(matches!(outcome, Outcome::Submission(_)), "{outcome:?}");
    assert_eq!(trust_of(&app, "dkim-1@").await, SenderTrust::DkimAligned);
    // Signed by a subdomain: aligned by organisational domain (the policy's relaxed default).
    let signed = keys
        .subdomain
        .sign(&blog("dkim-2@example.org", ada, "Blog for Tuesday", ""));
    let outcome = file(&app, &settings, &signed).await;
    assert!(matches!(outcome, Outcome::Submission(_)), "{outcome:?}");
    // No DMARC policy: a subdomain's signature is aligned by organisational domain.
    let dee = blog(
        "dkim-10@example.org",
        "Dee <dee@example.net>",
        "Blog for Tuesday",
        "",
    );
    let outcome = file(&app, &settings, &keys.net_subdomain.sign(&dee)).await;
    assert!(matches!(outcome, Outcome::Submission(_)), "{outcome:?}");

    // Each of these waits for Ada's (or Bob's, or Cy's) confirmation.
    let cases: Vec<(&str, Vec<u8>)> = vec![
        (
            "the body changed after signing",
            tampered(
                &keys
                    .example
                    .sign(&blog("dkim-3@example.org", ada, "Blog for Tuesday", "")),
            ),
        ),
        (
            "signed by another domain than From:",
            keys.other
                .sign(&blog("dkim-4@example.org", ada, "Blog for Tuesday", "")),
        ),
        (
            "a p=reject domain without a signature",
            blog(
                "dkim-5@example.org",
                "Bob <bob@strict.example>",
                "Blog for Tuesday",
                "",
            ),
        ),
        (
            "a pass from a server nobody trusts",
            blog(
                "dkim-6@example.org",
                ada,
                "Blog for Tuesday",
                "Authentication-Results: mx.evil.example; dkim=pass header.d=example.org; dmarc=pass header.from=example.org\r\n",
            ),
        ),
        (
            "the trusted server's own header says fail; a forged one below it says pass",
            blog(
                "dkim-7@example.org",
                ada,
                "Blog for Tuesday",
                "Authentication-Results: mx.example.org; dkim=none; dmarc=fail header.from=example.org\r\nAuthentication-Results: mx.example.org; dmarc=pass header.from=example.org\r\n",
            ),
        ),
        (
            "its key cannot be looked up (no DNS)",
            keys.unknown.sign(&blog(
                "dkim-8@example.org",
                "Cy <cy@unknown.example>",
                "Blog for Tuesday",
                "",
            )),
        ),
    ];
    for (case, raw) in cases {
        let outcome = file(&app, &settings, &raw).await;
        assert!(
            matches!(outcome, Outcome::Held { .. }),
            "{case}: {outcome:?}"
        );
    }
    for id in [
        "dkim-3@", "dkim-4@", "dkim-5@", "dkim-6@", "dkim-7@", "dkim-8@",
    ] {
        assert_eq!(trust_of(&app, id).await, SenderTrust::NotVerified, "{id}");
    }

    // The trusted receiving server says dmarc=pass: filed at once.
    let vouched = blog(
        "dkim-9@example.org",
        ada,
        "Blog for Tuesday",
        "Authentication-Results: mx.example.org;\r\n dkim=pass header.d=example.org;\r\n spf=pass smtp.mailfrom=example.org;\r\n dmarc=pass (p=none) header.from=example.org\r\n",
    );
    let outcome = file(&app, &settings, &vouched).await;
    assert!(matches!(outcome, Outcome::Submission(_)), "{outcome:?}");
    assert_eq!(trust_of(&app, "dkim-9@").await, SenderTrust::TrustedServer);

    // The trusted server checked and found no DMARC policy to apply (dmarc=none): its word
    // decides nothing, and Docket's own DKIM check vouches for a properly signed message.
    let undecided = keys.example.sign(&blog(
        "dkim-11@example.org",
        ada,
        "Blog for Tuesday",
        "Authentication-Results: mx.example.org; dkim=pass header.d=example.org; dmarc=none header.from=example.org\r\n",
    ));
    let outcome = file(&app, &settings, &undecided).await;
    assert!(matches!(outcome, Outcome::Submission(_)), "{outcome:?}");
    assert_eq!(trust_of(&app, "dkim-11@").await, SenderTrust::DkimAligned);

    // Staff see how each sender was known.
    let organiser = app.signed_up("organiser@example.org", PASSWORD).await;
    app.add_staff(
        "digital-justice-week-2022",
        "organiser@example.org",
        docket_store::StaffRole::Organiser,
    )
    .await;
    organiser.enrol_two_factor().await;
    let page = organiser
        .get("/console/calls/digital-justice-week-2022/inbound")
        .await;
    assert_eq!(page.status, 200);
    for label in [
        "DKIM aligned (example.org)",
        "trusted server: dmarc=pass",
        "sender not verified",
    ] {
        assert!(page.body.contains(label), "the console lacks {label:?}");
    }
    app.stop().await;
}

async fn authenticated_reply(db: &TestDb) {
    if !dkim::available() {
        return;
    }
    let app = TestApp::spawn(db).await;
    app.signed_up("ada@example.org", PASSWORD).await;
    let keys = keys();
    let settings = IngestSettings {
        authenticator: Some(Arc::new(authenticator(&keys))),
        ..IngestSettings::default()
    };
    let ada = "Ada Lovelace <ada@example.org>";
    let first = keys
        .example
        .sign(&blog("first@example.org", ada, "Blog for Tuesday", ""));
    let Outcome::Submission(id) = file(&app, &settings, &first).await else {
        panic!("the first version is filed")
    };
    let title = app.store.submission(id).await.unwrap().unwrap().draft.title;
    // A reply from another mail client: no In-Reply-To, to the call's plain address, the
    // receipt's subject kept.
    let subject = format!("Re: Received: {title}");
    let reply = |message_id: &str| blog(message_id, ada, &subject, "");
    let broken = tampered(&keys.example.sign(&reply("reply-1@example.org")));
    let outcome = file(&app, &settings, &broken).await;
    assert!(
        matches!(outcome, Outcome::Held { .. }),
        "a broken signature waits: {outcome:?}"
    );
    assert_eq!(
        app.store
            .submission(id)
            .await
            .unwrap()
            .unwrap()
            .revision_count,
        1
    );
    // The corrected document: another file than the first (LibreOffice's save of the blog).
    let corrected = message_with_file(
        "reply-2@example.org",
        ada,
        &subject,
        "Hi Jago,\r\n\r\nHere is the corrected version.\r\n\r\nBest wishes,\r\nAda",
        "",
        (
            "Data blog v2.docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            CORRECTED_DOCX,
        ),
    );
    let signed = keys.example.sign(&corrected);
    let outcome = file(&app, &settings, &signed).await;
    assert_eq!(
        outcome,
        Outcome::Reply {
            submission_id: id,
            revised: true
        }
    );
    let piece = app.store.submission(id).await.unwrap().unwrap();
    assert_eq!(piece.revision_count, 2, "a revision at once");
    let revisions = app.store.revisions(id).await.unwrap();
    let names: Vec<&str> = revisions
        .iter()
        .map(|revision| {
            revision
                .piece
                .document
                .as_ref()
                .map_or("", |document| document.name.as_str())
        })
        .collect();
    assert_eq!(names, ["Data blog.docx", "Data blog v2.docx"]);
    assert_ne!(
        revisions[0].piece.document.as_ref().map(|d| d.id),
        revisions[1].piece.document.as_ref().map(|d| d.id),
        "the corrected file is kept beside the first"
    );
    assert_eq!(trust_of(&app, "reply-2@").await, SenderTrust::DkimAligned);
    // Staff see, on the piece itself, how the sender of each mail was known.
    let (editor, _) = app
        .staff_member(
            "digital-justice-week-2022",
            "editor@example.org",
            PASSWORD,
            docket_store::StaffRole::Editor,
        )
        .await;
    let page = editor
        .get(&format!(
            "/console/calls/digital-justice-week-2022/pieces/{id}"
        ))
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(
        page.body
            .matches("Sender: DKIM aligned (example.org)")
            .count(),
        2,
        "the first mail and the reply: {}",
        page.body
    );
    app.stop().await;
}

/// A DNS server that takes the question and never answers (over UDP and TCP): the check gives
/// up at the configured time-out and the message "cannot be checked", never a pass; a second
/// check of the same key waits again, since a failed lookup is not cached as an answer.
#[tokio::test]
async fn a_dns_server_that_never_answers_makes_a_message_that_cannot_be_checked_in_time() {
    if !dkim::available() {
        return;
    }
    let udp = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let address = udp.local_addr().unwrap();
    // The TCP side accepts and then says nothing.
    let tcp = tokio::net::TcpListener::bind(address).await.unwrap();
    let silent = tokio::spawn(async move {
        let mut held = Vec::new();
        loop {
            tokio::select! {
                Ok((stream, _)) = tcp.accept() => held.push(stream),
                _ = async {
                    let mut buffer = [0u8; 512];
                    let _ = udp.recv_from(&mut buffer).await;
                } => {}
            }
        }
    });
    let timeout = Duration::from_secs(1);
    let authenticator = Authenticator::new(&Dns::Servers(vec![address]), vec![], timeout, true)
        .expect("an authenticator");
    let key = DkimKey::generate("slow.example", "s1");
    let signed = key.sign(&blog(
        "slow-1@slow.example",
        "Sol <sol@slow.example>",
        "Blog for Tuesday",
        "",
    ));
    for _ in 0..2 {
        let started = std::time::Instant::now();
        let verdict = authenticator.check(&signed, "sol@slow.example").await;
        let took = started.elapsed();
        assert!(!verdict.passes(), "{verdict:?}");
        assert!(
            took < Duration::from_secs(4),
            "the check gave up after {took:?}, not at its 1 s time-out"
        );
        match verdict {
            docket_mail::auth::Verdict::NotAuthenticated { why } => assert!(
                why.contains("cannot be checked"),
                "a DNS failure is \"cannot be checked\": {why}"
            ),
            other => panic!("{other:?}"),
        }
    }
    silent.abort();
}
