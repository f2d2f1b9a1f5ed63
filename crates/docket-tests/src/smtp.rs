//! A real SMTP receiver on loopback for tests: Debian's python3-aiosmtpd writing a Maildir.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running receiver.
pub struct SmtpReceiver {
    pub port: u16,
    child: Option<Child>,
    dir: tempfile::TempDir,
}

/// One received message: its headers as (name, value), and the raw text.
#[derive(Debug, Clone)]
pub struct Received {
    pub headers: Vec<(String, String)>,
    pub raw: String,
}

impl Received {
    /// The first header called `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }
}

const PYTHON: &str = "/usr/bin/python3";

impl SmtpReceiver {
    /// Starts a receiver on a free loopback port, or `None` (with a note) when aiosmtpd is not
    /// installed and `DOCKET_REQUIRE_MAIL=1` is not set.
    pub fn start() -> Option<Self> {
        let available = Command::new(PYTHON)
            .args(["-c", "import aiosmtpd"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !available {
            if crate::required("DOCKET_REQUIRE_MAIL") {
                panic!(
                    "the mail tests are required (DOCKET_REQUIRE_MAIL=1) but python3-aiosmtpd is missing; run scripts/test"
                );
            }
            crate::announce_skip(
                "the SMTP tests",
                "python3-aiosmtpd is not installed; run scripts/test to install it",
            );
            return None;
        }
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let dir = tempfile::tempdir().expect("maildir");
        let mut receiver = Self {
            port,
            child: None,
            dir,
        };
        receiver.resume();
        Some(receiver)
    }

    /// Starts (again) listening on the same port and Maildir.
    pub fn resume(&mut self) {
        let maildir = self.dir.path().join("Maildir");
        let child = Command::new(PYTHON)
            .args([
                "-m",
                "aiosmtpd",
                "-n",
                "-l",
                &format!("127.0.0.1:{}", self.port),
                "-c",
                "aiosmtpd.handlers.Mailbox",
            ])
            .arg(&maildir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start aiosmtpd");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(15);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "aiosmtpd did not start listening within 15 s"
            );
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    /// Stops listening (the Maildir is kept).
    pub fn pause(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Every message received so far.
    pub fn messages(&self) -> Vec<Received> {
        let maildir = self.dir.path().join("Maildir");
        let mut files: Vec<PathBuf> = ["new", "cur"]
            .iter()
            .filter_map(|sub| std::fs::read_dir(maildir.join(sub)).ok())
            .flatten()
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .collect();
        files.sort();
        files
            .into_iter()
            .filter_map(|path| std::fs::read_to_string(path).ok())
            .map(|raw| {
                let mut headers: Vec<(String, String)> = Vec::new();
                for line in raw.lines() {
                    if line.is_empty() {
                        break;
                    }
                    if line.starts_with([' ', '\t']) {
                        if let Some(last) = headers.last_mut() {
                            last.1.push(' ');
                            last.1.push_str(line.trim());
                        }
                    } else if let Some((name, value)) = line.split_once(':') {
                        headers.push((name.trim().to_owned(), value.trim().to_owned()));
                    }
                }
                Received { headers, raw }
            })
            .collect()
    }

    /// SMTP settings pointing at this receiver.
    pub fn settings(&self) -> docket_mail::smtp::SmtpSettings {
        docket_mail::smtp::SmtpSettings {
            host: "127.0.0.1".into(),
            port: self.port,
            security: docket_mail::smtp::SmtpSecurity::None,
            username: None,
            password: None,
            from: "Docket <docket@example.org>".into(),
        }
    }
}

impl Drop for SmtpReceiver {
    fn drop(&mut self) {
        self.pause();
    }
}
