//! A private Dovecot IMAP server on a loopback port with a Maildir in a temporary folder
//! (Debian's dovecot-imapd), for the poller's tests.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running Dovecot with one mail user, `submissions` / `secret`.
pub struct Dovecot {
    pub port: u16,
    child: Option<Child>,
    dir: tempfile::TempDir,
    config: PathBuf,
    counter: u32,
}

pub const USER: &str = "submissions";
pub const PASSWORD: &str = "secret";

impl Dovecot {
    /// Starts Dovecot, or `None` (with a note) when it is not installed and not required.
    pub fn start() -> Option<Self> {
        if !PathBuf::from("/usr/sbin/dovecot").exists() {
            if crate::required("DOCKET_REQUIRE_MAIL") {
                panic!(
                    "the mail tests are required (DOCKET_REQUIRE_MAIL=1) but Dovecot is missing; run scripts/test"
                );
            }
            crate::announce_skip(
                "the IMAP tests",
                "dovecot-imapd is not installed; run scripts/test to install it",
            );
            return None;
        }
        let dir = tempfile::tempdir().expect("a folder for Dovecot");
        let root = dir.path();
        let home = root.join("home");
        for sub in ["Maildir/new", "Maildir/cur", "Maildir/tmp"] {
            std::fs::create_dir_all(home.join(sub)).expect("maildir");
        }
        for sub in ["base", "state"] {
            std::fs::create_dir_all(root.join(sub)).expect("dovecot folders");
        }
        // The mail user is not root (uid 65534 owns the mail home).
        let _ = Command::new("chown")
            .args(["-R", "65534:65534"])
            .arg(&home)
            .status();
        let _ = Command::new("chmod").args(["755"]).arg(root).status();
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        std::fs::write(
            root.join("passwd"),
            format!(
                "{USER}:{{PLAIN}}{PASSWORD}:65534:65534::{}::\n",
                home.display()
            ),
        )
        .expect("passwd");
        let config = root.join("dovecot.conf");
        std::fs::write(
            &config,
            format!(
                "base_dir = {base}\nstate_dir = {state}\nlog_path = {log}\nprotocols = imap\nlisten = 127.0.0.1\nssl = no\n\
                 disable_plaintext_auth = no\nauth_mechanisms = plain login\ndefault_internal_user = dovecot\n\
                 default_login_user = dovenull\nmail_location = maildir:~/Maildir\n\
                 passdb {{\n  driver = passwd-file\n  args = {passwd}\n}}\nuserdb {{\n  driver = passwd-file\n  args = {passwd}\n}}\n\
                 service imap-login {{\n  inet_listener imap {{\n    address = 127.0.0.1\n    port = {port}\n  }}\n  inet_listener imaps {{\n    port = 0\n  }}\n}}\n",
                base = root.join("base").display(),
                state = root.join("state").display(),
                log = root.join("dovecot.log").display(),
                passwd = root.join("passwd").display(),
            ),
        )
        .expect("dovecot.conf");
        let mut dovecot = Self {
            port,
            child: None,
            dir,
            config,
            counter: 0,
        };
        dovecot.resume();
        Some(dovecot)
    }

    /// Starts (again) on the same port and Maildir.
    pub fn resume(&mut self) {
        let child = Command::new("/usr/sbin/dovecot")
            .arg("-F")
            .arg("-c")
            .arg(&self.config)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start dovecot");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            if let Ok(stream) = std::net::TcpStream::connect(("127.0.0.1", self.port)) {
                use std::io::Read;
                let mut greeting = [0u8; 64];
                let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
                if (&stream)
                    .read(&mut greeting)
                    .is_ok_and(|n| greeting[..n].starts_with(b"* OK"))
                {
                    return;
                }
            }
            assert!(
                Instant::now() < deadline,
                "Dovecot did not greet within 15 s: {}",
                std::fs::read_to_string(self.dir.path().join("dovecot.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    /// Stops Dovecot (SIGTERM, then waits).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = Command::new("kill")
                .args(["-TERM", &child.id().to_string()])
                .status();
            let deadline = Instant::now() + Duration::from_secs(5);
            while child.try_wait().ok().flatten().is_none() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Delivers a raw message: written into `tmp/`, then renamed into `new/`.
    pub fn deliver(&mut self, raw: &[u8]) {
        self.counter += 1;
        let maildir = self.dir.path().join("home/Maildir");
        let name = format!(
            "{}.M{}P{}.docket-test",
            1_700_000_000 + self.counter,
            self.counter,
            std::process::id()
        );
        let tmp = maildir.join("tmp").join(&name);
        std::fs::write(&tmp, raw).expect("write into tmp");
        let _ = Command::new("chown")
            .args(["65534:65534"])
            .arg(&tmp)
            .status();
        std::fs::rename(&tmp, maildir.join("new").join(&name)).expect("move into new");
    }

    /// How many messages carry the \Seen flag (Maildir `cur/` files with `S` in their flags).
    pub fn seen(&self) -> usize {
        std::fs::read_dir(self.dir.path().join("home/Maildir/cur"))
            .map(|entries| {
                entries
                    .filter_map(Result::ok)
                    .filter(|entry| {
                        entry
                            .file_name()
                            .to_string_lossy()
                            .rsplit_once(":2,")
                            .is_some_and(|(_, flags)| flags.contains('S'))
                    })
                    .count()
            })
            .unwrap_or(0)
    }

    /// IMAP settings for the poller.
    pub fn settings(&self) -> docket_mail::imap::ImapSettings {
        docket_mail::imap::ImapSettings {
            host: "127.0.0.1".into(),
            port: self.port,
            security: docket_mail::imap::ImapSecurity::None,
            username: USER.into(),
            password: PASSWORD.into(),
            mailbox: "INBOX".into(),
            poll_seconds: 1,
        }
    }
}

impl Drop for Dovecot {
    fn drop(&mut self) {
        self.stop();
    }
}
