//! DKIM keys and signatures made by the tests themselves: an RSA key from `openssl`, messages
//! signed with dkimpy (Debian `python3-dkim`, run by Debian's `/usr/bin/python3`), and the TXT
//! record that Docket's authenticator is pre-loaded with in place of DNS.

use std::io::Write;
use std::process::{Command, Stdio};

/// A signing key for `selector._domainkey.domain`.
pub struct DkimKey {
    pub domain: String,
    pub selector: String,
    /// The TXT record publishing the public key: `v=DKIM1; k=rsa; p=…`.
    pub record: String,
    key_file: tempfile::NamedTempFile,
}

const SIGN: &str = r#"
import sys, dkim
key = open(sys.argv[1], 'rb').read()
message = sys.stdin.buffer.read()
signature = dkim.sign(message, sys.argv[2].encode(), sys.argv[3].encode(), key,
                      include_headers=[b'from', b'to', b'subject', b'date', b'message-id'])
sys.stdout.buffer.write(signature + message)
"#;

/// True when keys can be made and messages signed here (openssl, and dkimpy for Debian's
/// Python); the tests that need them skip with a note otherwise, or fail when
/// `DOCKET_REQUIRE_MAIL=1`.
pub fn available() -> bool {
    let ok = Command::new("openssl")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success())
        && Command::new("/usr/bin/python3")
            .args(["-c", "import dkim"])
            .output()
            .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            !crate::required("DOCKET_REQUIRE_MAIL"),
            "DKIM tests need openssl and Debian's python3-dkim (DOCKET_REQUIRE_MAIL=1)"
        );
        crate::announce_skip("the DKIM tests", "openssl or python3-dkim is missing");
    }
    ok
}

impl DkimKey {
    /// A new 2048-bit RSA key for `domain`, published under `selector`.
    pub fn generate(domain: &str, selector: &str) -> Self {
        let key_file = tempfile::NamedTempFile::new().expect("a key file");
        let made = Command::new("openssl")
            .args([
                "genpkey",
                "-algorithm",
                "RSA",
                "-pkeyopt",
                "rsa_keygen_bits:2048",
                "-out",
            ])
            .arg(key_file.path())
            .output()
            .expect("openssl");
        assert!(made.status.success(), "openssl genpkey: {made:?}");
        let public = Command::new("openssl")
            .args(["pkey", "-pubout", "-outform", "DER", "-in"])
            .arg(key_file.path())
            .output()
            .expect("openssl");
        assert!(public.status.success(), "openssl pkey: {public:?}");
        use base64::Engine;
        let p = base64::engine::general_purpose::STANDARD.encode(&public.stdout);
        Self {
            domain: domain.to_owned(),
            selector: selector.to_owned(),
            record: format!("v=DKIM1; k=rsa; p={p}"),
            key_file,
        }
    }

    /// Where the record is published: `selector._domainkey.domain`.
    pub fn txt_name(&self) -> String {
        format!("{}._domainkey.{}", self.selector, self.domain)
    }

    /// `raw` with a DKIM-Signature by this key on top, as the sender's mail server adds it.
    pub fn sign(&self, raw: &[u8]) -> Vec<u8> {
        let mut child = Command::new("/usr/bin/python3")
            .args(["-c", SIGN])
            .arg(self.key_file.path())
            .arg(&self.selector)
            .arg(&self.domain)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("python3");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(raw)
            .expect("write the message");
        let out = child.wait_with_output().expect("dkimpy");
        assert!(
            out.status.success(),
            "dkimpy: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    }
}
