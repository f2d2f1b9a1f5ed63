//! Crash tests: the real `docket` binary, built with crash points (`--features
//! docket/crashpoints`), killed at them while it polls a real Dovecot or sends through a real
//! SMTP receiver (aiosmtpd), on SQLite and on PostgreSQL. After each crash the same command runs
//! again without the crash point; then no submission is lost or doubled, every message is
//! flagged `\Seen`, every queued mail is delivered, and the distinct Message-IDs at the receiver
//! are exactly the outbox rows' (one duplicate allowed only for the mail caught in the window
//! SMTP cannot close).
//!
//! Each crash comes on the *second* arrival at its point (`DOCKET_CRASH_AT=NAME@2`), so one
//! piece of work is finished before the crash, one is caught in the window and one is untouched:
//! the restart must redo exactly the half-done one.

use std::collections::{BTreeMap, BTreeSet};
use std::os::unix::process::ExitStatusExt;
use std::process::{Output, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use docket_store::MailStatus;
use docket_store::{InboundRecord, OutboxMail, Store};
use docket_tests::db::TestDb;
use docket_tests::dovecot::{self, Dovecot};
use docket_tests::smtp::SmtpReceiver;
use docket_tests::{SEED_CALL, both_backends};
use tokio::process::Command;

both_backends! {
    a_poller_killed_between_fetch_and_commit_loses_nothing_and_doubles_nothing => poller_killed_before_commit,
    a_poller_killed_between_commit_and_the_seen_flag_loses_nothing_and_doubles_nothing => poller_killed_before_seen,
    a_sender_killed_between_the_smtp_accept_and_mark_sent_delivers_all_with_one_duplicate_id => sender_killed_before_mark_sent,
}

/// One message from each: three contributors, three pieces.
const SENDERS: [(&str, &str); 3] = [
    ("Ada Lovelace", "ada@example.org"),
    ("Grace Hopper", "grace@example.org"),
    ("Alan Turing", "alan@example.org"),
];

/// How long any one `docket` run may take before the test gives up on it.
const RUN_LIMIT: Duration = Duration::from_secs(120);

/// True when the binary has crash points. Without them the tests cannot crash it: they are
/// skipped with a note, or fail when `DOCKET_REQUIRE_CRASHPOINTS=1` (as in `scripts/test`).
fn crashpoints_built() -> bool {
    // The tests are compiled as part of the `docket` package, with its features: this is the
    // binary's own build.
    if cfg!(feature = "crashpoints") {
        return true;
    }
    if docket_tests::required("DOCKET_REQUIRE_CRASHPOINTS") {
        panic!(
            "the crash tests are required (DOCKET_REQUIRE_CRASHPOINTS=1) but docket was built without crash points: build with --features docket/crashpoints"
        );
    }
    // Once per run, not once per test.
    static NOTED: std::sync::OnceLock<()> = std::sync::OnceLock::new();
    NOTED.get_or_init(|| {
        docket_tests::announce_skip(
            "the crash tests",
            "docket was built without crash points; build with --features docket/crashpoints",
        )
    });
    false
}

/// The message `n` (0-based) in the test's mailbox, without angle brackets.
fn message_id(n: usize) -> String {
    format!("crash-{n}-{}@example.org", std::process::id())
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A database with the call imported, a mailbox with three submissions waiting in it, an SMTP
/// receiver, and a folder to run `docket` in.
struct World {
    database_url: String,
    dovecot: Dovecot,
    receiver: SmtpReceiver,
    dir: tempfile::TempDir,
    /// The test's own view of the database, to check what the processes committed.
    store: Option<Arc<dyn Store>>,
}

impl World {
    /// Sets everything up, or `None` when a part is missing and not required (already noted).
    async fn start(db: &TestDb) -> Option<Self> {
        if !crashpoints_built() {
            return None;
        }
        let mut dovecot = Dovecot::start()?;
        let receiver = SmtpReceiver::start()?;
        for (n, (name, address)) in SENDERS.iter().enumerate() {
            dovecot.deliver(&docket_tests::mail::blog_with_docx(
                &message_id(n),
                &format!("{name} <{address}>"),
            ));
        }
        let dir = tempfile::tempdir().expect("a folder to run docket in");
        // The seed call's deadline (2022) has passed on the real clock the binary runs on: this
        // copy takes late entries, so each message becomes a (late) submission, not triage.
        let call = SEED_CALL.replacen(
            "time = 12:00:00\n",
            "time = 12:00:00\naccept_late = true\n",
            1,
        );
        assert!(call.contains("accept_late = true"), "the seed call changed");
        let call_file = dir.path().join("call.toml");
        std::fs::write(&call_file, call).expect("write the call file");
        let mut world = World {
            database_url: db.url().to_owned(),
            dovecot,
            receiver,
            dir,
            store: None,
        };
        let call_file = call_file.to_str().expect("a UTF-8 path").to_owned();
        world.run_ok(&["call", "import", &call_file]).await;
        // Opened after the import, which migrated the database.
        world.store = Some(
            docket_store::connect(db.url())
                .await
                .expect("the test opens the database"),
        );
        Some(world)
    }

    fn store(&self) -> &dyn Store {
        self.store.as_deref().expect("opened in start")
    }

    /// `program` (docket, or a shell that runs it) configured for this world, and nothing else:
    /// the caller's own DOCKET_… settings stay out, and so does any ./docket.toml.
    fn command(&self, program: &str) -> Command {
        let mut command = Command::new(program);
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("DOCKET_") {
                command.env_remove(key);
            }
        }
        command
            .current_dir(self.dir.path())
            .env("NO_COLOR", "1")
            .env("DOCKET_DATABASE_URL", &self.database_url)
            .env("DOCKET_PUBLIC_URL", "https://docket.example.org")
            .env("DOCKET_IMAP__HOST", "127.0.0.1")
            .env("DOCKET_IMAP__PORT", self.dovecot.port.to_string())
            .env("DOCKET_IMAP__SECURITY", "none")
            .env("DOCKET_IMAP__USERNAME", dovecot::USER)
            .env("DOCKET_IMAP__PASSWORD", dovecot::PASSWORD)
            .env("DOCKET_SMTP__HOST", "127.0.0.1")
            .env("DOCKET_SMTP__PORT", self.receiver.port.to_string())
            .env("DOCKET_SMTP__SECURITY", "none")
            .env("DOCKET_SMTP__FROM", "Docket <docket@example.org>")
            .stdin(Stdio::null())
            .kill_on_drop(true);
        command
    }

    /// Runs `docket ARGS` to the end; it must succeed. Returns its standard output.
    async fn run_ok(&self, args: &[&str]) -> String {
        let mut command = self.command(env!("CARGO_BIN_EXE_docket"));
        command.args(args);
        let output = finish(command, args).await;
        assert!(
            output.status.success(),
            "docket {args:?} failed ({}):\n{}",
            output.status,
            text(&output.stderr)
        );
        text(&output.stdout)
    }

    /// Runs `docket ARGS` with `DOCKET_CRASH_AT=POINT@NTH`: it must die at that point, killed,
    /// not exit (not even with an error).
    async fn crash(&self, args: &[&str], point: &str, nth: u32) {
        // Through a shell that turns core dumps off and then becomes docket (exec), so the
        // status is docket's own: abort() must not leave a core file wherever cores are on.
        let mut command = self.command("/bin/sh");
        command
            .arg("-c")
            .arg("ulimit -c 0; exec \"$0\" \"$@\"")
            .arg(env!("CARGO_BIN_EXE_docket"))
            .args(args)
            .env("DOCKET_CRASH_AT", format!("{point}@{nth}"));
        let output = finish(command, args).await;
        let stderr = text(&output.stderr);
        assert!(
            !output.status.success() && output.status.code().is_none(),
            "docket {args:?} should have been killed at {point}, but ended with {} (signal {:?}):\n{stderr}",
            output.status,
            output.status.signal()
        );
        assert!(
            stderr.contains(&format!("crashpoint {point} reached")),
            "docket {args:?} died, but not at {point}:\n{stderr}"
        );
    }

    /// The inbound records, one list per Message-ID (angle brackets dropped).
    async fn inbound(&self) -> BTreeMap<String, Vec<InboundRecord>> {
        let mut by_id: BTreeMap<String, Vec<InboundRecord>> = BTreeMap::new();
        for record in self.store().inbound(1000).await.expect("read inbound") {
            let id = record
                .message_id
                .trim_matches(|c| c == '<' || c == '>')
                .to_owned();
            by_id.entry(id).or_default().push(record);
        }
        by_id
    }

    /// The outbox, oldest first.
    async fn outbox(&self) -> Vec<OutboxMail> {
        let mut rows = self.store().outbox(1000).await.expect("read the outbox");
        rows.sort_by_key(|row| row.id);
        rows
    }

    /// Every message came in once and made exactly one submission with exactly one receipt,
    /// and every message is flagged `\Seen`.
    async fn assert_each_message_filed_once(&self) {
        let inbound = self.inbound().await;
        let expected: BTreeSet<String> = (0..SENDERS.len()).map(message_id).collect();
        assert_eq!(
            inbound.keys().cloned().collect::<BTreeSet<_>>(),
            expected,
            "every message came in, and nothing else"
        );
        let outbox = self.outbox().await;
        for (n, (_, address)) in SENDERS.iter().enumerate() {
            let records = &inbound[&message_id(n)];
            assert_eq!(records.len(), 1, "{address}: one inbound record, not two");
            let owner = self
                .store()
                .user_by_email(address)
                .await
                .expect("read the user")
                .unwrap_or_else(|| panic!("{address}: no account, so no submission"));
            let owned: Vec<docket_store::SubmissionId> =
                docket_app::pieces::of(self.store(), &owner)
                    .await
                    .expect("read submissions")
                    .into_iter()
                    .filter(|submission| submission.owner_id == owner.id)
                    .map(|submission| submission.id)
                    .collect();
            assert_eq!(
                owned.len(),
                1,
                "{address}: exactly one submission (not zero, not two)"
            );
            assert_eq!(
                records[0].submission_id,
                Some(owned[0]),
                "{address}: the message is filed as that submission ({:?})",
                records[0]
            );
            let receipts = outbox
                .iter()
                .filter(|row| row.mail.submission_id == Some(owned[0]))
                .count();
            assert_eq!(receipts, 1, "{address}: one receipt queued, not two");
        }
        assert_eq!(
            self.dovecot.seen(),
            SENDERS.len(),
            "every message is flagged \\Seen"
        );
    }

    /// Every outbox row is sent, and the distinct Message-IDs at the receiver are exactly the
    /// outbox rows'. `duplicate` is the one mail that may have reached the receiver twice.
    async fn assert_all_delivered(&self, duplicate: Option<&str>) {
        let rows = self.outbox().await;
        assert!(!rows.is_empty(), "receipts were queued");
        let unsent: Vec<_> = rows
            .iter()
            .filter(|row| row.status != MailStatus::Sent)
            .map(|row| (row.id, row.status.as_str()))
            .collect();
        assert!(unsent.is_empty(), "rows not sent: {unsent:?}");
        let ids: BTreeSet<&str> = rows
            .iter()
            .map(|row| row.mail.message_id.as_str())
            .collect();
        assert_eq!(ids.len(), rows.len(), "each row has its own Message-ID");
        let mut received: BTreeMap<String, usize> = BTreeMap::new();
        for message in self.receiver.messages() {
            let id = message
                .header("Message-ID")
                .expect("a Message-ID on every mail")
                .to_owned();
            *received.entry(id).or_default() += 1;
        }
        assert_eq!(
            received.keys().map(String::as_str).collect::<BTreeSet<_>>(),
            ids,
            "the distinct Message-IDs at the receiver are the outbox rows'"
        );
        let twice: Vec<(&str, usize)> = received
            .iter()
            .filter(|(_, count)| **count > 1)
            .map(|(id, count)| (id.as_str(), *count))
            .collect();
        assert_eq!(
            twice,
            duplicate.map(|id| (id, 2)).into_iter().collect::<Vec<_>>(),
            "mail delivered more than once"
        );
    }
}

/// Waits for `command` to finish, with a limit so that a hung process fails the test.
async fn finish(mut command: Command, args: &[&str]) -> Output {
    command.stdout(Stdio::piped()).stderr(Stdio::piped());
    tokio::time::timeout(RUN_LIMIT, command.output())
        .await
        .unwrap_or_else(|_| panic!("docket {args:?} did not finish within {RUN_LIMIT:?}"))
        .expect("run docket")
}

/// The poller dies on the second message, at `point`; `committed` is how many messages are
/// stored when it dies (the first always is, and flagged; the second is at `point`).
async fn poller_killed(db: &TestDb, point: &str, committed: usize) {
    let Some(world) = World::start(db).await else {
        return;
    };
    world.crash(&["mail", "poll", "--once"], point, 2).await;
    // It died in the window: the second message fetched, committed or not, never flagged.
    assert_eq!(
        world.inbound().await.len(),
        committed,
        "messages stored when the poller died at {point}"
    );
    assert_eq!(
        world.dovecot.seen(),
        1,
        "only the message finished before the crash is flagged \\Seen"
    );

    let restart = world.run_ok(&["mail", "poll", "--once"]).await;
    // What is unseen is read again: a committed one is recognised, the others are filed.
    assert_eq!(
        restart.matches("already filed (same Message-ID)").count(),
        committed - 1,
        "{restart}"
    );
    assert_eq!(
        restart.matches("filed as submission").count(),
        SENDERS.len() - committed,
        "{restart}"
    );
    world.assert_each_message_filed_once().await;

    let sent = world.run_ok(&["mail", "send", "--once"]).await;
    assert!(
        sent.contains(&format!("sent {}, ", SENDERS.len())),
        "{sent}"
    );
    world.assert_all_delivered(None).await;
    assert!(
        world
            .run_ok(&["mail", "poll", "--once"])
            .await
            .trim()
            .is_empty(),
        "nothing is left unseen"
    );
    world.store().close().await;
}

async fn poller_killed_before_commit(db: &TestDb) {
    poller_killed(db, "poll.before_commit", 1).await;
}

async fn poller_killed_before_seen(db: &TestDb) {
    poller_killed(db, "poll.before_seen", 2).await;
}

/// Three receipts queued; the sender dies after the SMTP server accepted the second and
/// before recording it; a sender started again takes the rows over when the lease runs out.
async fn sender_killed_before_mark_sent(db: &TestDb) {
    let Some(world) = World::start(db).await else {
        return;
    };
    world.run_ok(&["mail", "poll", "--once"]).await;
    world.assert_each_message_filed_once().await;
    let queued = world.outbox().await;
    assert_eq!(queued.len(), SENDERS.len(), "one receipt per submission");

    // A short lease, so that the mail the dead sender held is free again within seconds.
    world
        .crash(
            &["mail", "send", "--once", "--lease-seconds", "2"],
            "outbox.before_mark_sent",
            2,
        )
        .await;
    // It died in the window: the first mail sent and recorded, the second accepted by the
    // receiver and not recorded, the third leased and not sent.
    let statuses: Vec<MailStatus> = world
        .outbox()
        .await
        .into_iter()
        .map(|row| row.status)
        .collect();
    assert_eq!(
        statuses,
        [MailStatus::Sent, MailStatus::Sending, MailStatus::Sending],
        "the outbox when the sender died"
    );
    let received: BTreeSet<String> = world
        .receiver
        .messages()
        .iter()
        .filter_map(|message| message.header("Message-ID").map(str::to_owned))
        .collect();
    assert_eq!(
        received,
        queued[..2]
            .iter()
            .map(|row| row.mail.message_id.clone())
            .collect::<BTreeSet<_>>(),
        "the receiver has the first two mails"
    );

    // Started again, as a long-running sender: it must take over the dead sender's rows once
    // their lease has run out, and send them.
    let mut command = world.command(env!("CARGO_BIN_EXE_docket"));
    command
        .args(["mail", "send"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut sender = command.spawn().expect("start docket mail send");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let rows = world.outbox().await;
        if rows.iter().all(|row| row.status == MailStatus::Sent) {
            break;
        }
        if let Some(status) = sender.try_wait().expect("poll the sender") {
            let output = sender.wait_with_output().await.expect("its output");
            panic!(
                "the sender stopped on its own ({status}):\n{}",
                text(&output.stderr)
            );
        }
        assert!(
            Instant::now() < deadline,
            "the outbox was not sent within 60 s: {:?}",
            rows.iter()
                .map(|row| (row.id, row.status.as_str()))
                .collect::<Vec<_>>()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let pid = sender.id().expect("the sender is running").to_string();
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("run kill");
    assert!(killed.success());
    let output = tokio::time::timeout(Duration::from_secs(20), sender.wait_with_output())
        .await
        .expect("the sender stops within 20 s of SIGTERM")
        .expect("its output");
    assert!(
        output.status.success(),
        "the sender stops cleanly on SIGTERM ({}):\n{}",
        output.status,
        text(&output.stderr)
    );

    world.assert_each_message_filed_once().await;
    world
        .assert_all_delivered(Some(&queued[1].mail.message_id))
        .await;
    world.store().close().await;
}
