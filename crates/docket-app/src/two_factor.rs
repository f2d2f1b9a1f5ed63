//! The second factor: TOTP (RFC 6238: SHA-1, 6 digits, 30-second steps, one step of skew either
//! way), enrolled from a QR code drawn here as SVG with the secret also shown as text, and ten
//! single-use recovery codes kept only as hashes. Codes are checked against the wall clock, never
//! the demo clock: an authenticator app knows only real time. A code's time step is recorded when
//! used, so the same code (or an older one) is refused on every node.

use docket_store::secret::hash_token;
use docket_store::{Store, StoreError, UserId};
use rand::RngCore;
use totp_rs::{Algorithm, Builder, Secret, Totp};

/// How many recovery codes an enrolment gives.
pub const RECOVERY_CODES: usize = 10;

/// The name authenticator apps show above the code.
pub const ISSUER: &str = "Docket";

/// Seconds since the epoch by the wall clock.
pub fn wall_clock_seconds() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| elapsed.as_secs())
        .unwrap_or(0)
}

/// A new secret of 160 random bits, in base32 (as typed into an app).
pub fn new_secret() -> String {
    let mut bytes = [0u8; 20];
    rand::rng().fill_bytes(&mut bytes);
    Secret::from(bytes).to_base32()
}

fn totp(secret: &str, account: &str) -> Option<Totp> {
    let secret = Secret::try_from_base32(secret).ok()?;
    Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(6)
        .with_skew(1)
        .with_step_duration(30)
        .with_secret(secret)
        .with_issuer(Some(ISSUER))
        .with_account_name(account.replace(':', ""))
        .build()
        .ok()
}

/// The code an app shows at `seconds` for `secret` (the demo's mailbox page and tests use it).
pub fn code_at(secret: &str, seconds: u64) -> Option<String> {
    totp(secret, "docket").map(|totp| totp.generate(seconds).to_string())
}

/// The time step a typed `code` belongs to at `seconds`, when it is right (spaces ignored).
pub fn step_of(secret: &str, code: &str, seconds: u64) -> Option<i64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    let totp = totp(secret, "docket")?;
    totp.check(&code, seconds)
        .and_then(|step| i64::try_from(step).ok())
}

/// The `otpauth://` address of an enrolment, for the QR code.
pub fn otpauth_url(secret: &str, account: &str) -> Option<String> {
    totp(secret, account)?.to_url().ok()
}

/// The QR code of `url` as an SVG element to put inside an HTML page, drawn here (no third
/// party sees the secret), named for screen readers.
pub fn qr_svg(url: &str) -> Option<String> {
    let code = qrcode::QrCode::new(url.as_bytes()).ok()?;
    let svg = code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build();
    // A standalone document's XML declaration and version have no place inside HTML.
    let start = svg.find("<svg")?;
    Some(svg[start..].replacen(
        " version=\"1.1\"",
        " role=\"img\" aria-label=\"QR code to scan with your authenticator app\"",
        1,
    ))
}

/// The secret as people type it: groups of four letters.
pub fn grouped(secret: &str) -> String {
    secret
        .as_bytes()
        .chunks(4)
        .map(|chunk| String::from_utf8_lossy(chunk).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Ten new recovery codes (`xxxxx-xxxxx`, 50 random bits each) and their hashes.
pub fn new_recovery_codes() -> (Vec<String>, Vec<String>) {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut rng = rand::rng();
    let codes: Vec<String> = (0..RECOVERY_CODES)
        .map(|_| {
            let mut code = String::with_capacity(11);
            for index in 0..10 {
                if index == 5 {
                    code.push('-');
                }
                let pick = (rng.next_u32() as usize) % ALPHABET.len();
                code.push(char::from(ALPHABET[pick]));
            }
            code
        })
        .collect();
    let hashes = codes.iter().map(|code| recovery_hash(code)).collect();
    (codes, hashes)
}

/// The stored form of a recovery code: lower case, spaces and dashes ignored, hashed.
pub fn recovery_hash(code: &str) -> String {
    let normal: String = code
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    hash_token(&format!("recovery:{normal}"))
}

/// What a typed code did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Checked {
    /// A TOTP code, accepted.
    Code,
    /// A recovery code, now used up.
    RecoveryCode,
    /// A right code that was used already.
    Replayed,
    /// Not a code of this account.
    Wrong,
}

/// Checks a code typed to pass the second factor: a TOTP code (accepted once) or a recovery
/// code. On success the session `session_hash` counts as having passed.
pub async fn check(
    store: &dyn Store,
    user: UserId,
    typed: &str,
    session_hash: &str,
    now: jiff::Timestamp,
) -> Result<Checked, StoreError> {
    let state = store.two_factor(user).await?;
    let Some(secret) = state.secret else {
        return Ok(Checked::Wrong);
    };
    if let Some(step) = step_of(&secret, typed, wall_clock_seconds()) {
        return Ok(
            if store.use_totp_step(user, step, session_hash, now).await? {
                Checked::Code
            } else {
                Checked::Replayed
            },
        );
    }
    if typed.chars().filter(char::is_ascii_alphanumeric).count() == 10
        && store
            .use_recovery_code(user, &recovery_hash(typed), session_hash, now)
            .await?
    {
        return Ok(Checked::RecoveryCode);
    }
    Ok(Checked::Wrong)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_follow_rfc_6238() {
        // RFC 6238, appendix B: the SHA-1 seed "12345678901234567890", 8 digits there; the
        // last six digits are the 6-digit code.
        let secret = Secret::from(b"12345678901234567890".to_vec()).to_base32();
        assert_eq!(code_at(&secret, 59).as_deref(), Some("287082"));
        assert_eq!(code_at(&secret, 1_111_111_109).as_deref(), Some("081804"));
        assert_eq!(code_at(&secret, 2_000_000_000).as_deref(), Some("279037"));
    }

    #[test]
    fn a_code_is_accepted_one_step_either_way_and_no_further() {
        let secret = new_secret();
        let now = 1_800_000_000;
        let code = code_at(&secret, now).expect("a code for the secret");
        assert_eq!(step_of(&secret, &code, now), Some(60_000_000));
        assert!(step_of(&secret, &code, now + 30).is_some());
        assert!(step_of(&secret, &code, now - 30).is_some());
        assert_eq!(step_of(&secret, &code, now + 61), None);
        let spaced = format!("{} {}", &code[..3], &code[3..]);
        assert!(step_of(&secret, &spaced, now).is_some());
        assert_eq!(step_of(&secret, "12345", now), None);
        assert_eq!(step_of(&secret, "abcdef", now), None);
    }

    #[test]
    fn enrolment_shows_a_qr_code_and_the_secret_as_text() {
        let secret = new_secret();
        assert_eq!(secret.len(), 32);
        let url = otpauth_url(&secret, "ed@example.org").expect("an otpauth URL");
        assert!(
            url.starts_with("otpauth://totp/Docket:ed%40example.org?"),
            "{url}"
        );
        assert!(url.contains(&format!("secret={secret}")));
        let svg = qr_svg(&url).expect("a QR code");
        assert!(svg.starts_with("<svg"), "{svg}");
        assert!(svg.contains("aria-label="));
        assert_eq!(grouped("ABCDEFGH"), "ABCD EFGH");
    }

    #[test]
    fn recovery_codes_are_distinct_and_hashed_without_case_or_dashes() {
        let (codes, hashes) = new_recovery_codes();
        assert_eq!(codes.len(), RECOVERY_CODES);
        let mut unique = codes.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), RECOVERY_CODES);
        assert_eq!(
            hashes[0],
            recovery_hash(&codes[0].to_uppercase().replace('-', " "))
        );
        assert!(!hashes.contains(&codes[0]));
    }
}
