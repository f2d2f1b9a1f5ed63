//! A call for contributions for a themed week, as Docket holds it once its file has been checked.
//!
//! Values of these types are only built by [`crate::call_file`] (which reports every problem with
//! its place in the file) or read back from storage, so code that holds a [`Call`] can rely on it:
//! days lie inside the week, one theme per date, the deadline comes before the week, limits are
//! ordered and the time zone exists.

use std::fmt;

use jiff::civil::{Date, DateTime, Time};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp, Zoned};
use serde::{Deserialize, Serialize};

/// A call's URL name: 1 to 64 lowercase ASCII letters, digits and single hyphens.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Slug(String);

impl Slug {
    /// Accepts `digital-justice-week-2022`; refuses capitals, spaces, leading, trailing or doubled hyphens.
    pub fn parse(text: &str) -> Result<Self, String> {
        let ok_chars = text
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if text.is_empty() || text.len() > 64 {
            return Err("a slug has 1 to 64 characters".into());
        }
        if !ok_chars {
            return Err(format!(
                "`{text}` may only hold lowercase letters a-z, digits and hyphens (for example `digital-justice-week-2022`)"
            ));
        }
        if text.starts_with('-') || text.ends_with('-') || text.contains("--") {
            return Err(format!(
                "`{text}` must not start or end with a hyphen, nor hold two in a row"
            ));
        }
        Ok(Self(text.to_owned()))
    }

    /// The slug as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Slug {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Slug> for String {
    fn from(value: Slug) -> Self {
        value.0
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An email address in the plain form people type: `local@domain.tld`, with a dot-atom local part
/// (letters, digits and ``!#$%&'*+-/=?^_`{|}~``, dots between them) and a domain of dotted labels.
/// Quoted local parts, comments, IP literals and display names are refused: they are legal in
/// RFC 5322 but no contributor needs them, and they are how addresses smuggle `<`, `,` and `"`
/// into headers.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

/// The characters of an RFC 5322 `atext`, besides letters and digits (of any script: RFC 6531).
const ATEXT_SYMBOLS: &str = "!#$%&'*+-/=?^_`{|}~";

impl Email {
    /// Accepts `jago@techuk.org`; refuses missing `@`, spaces, quoted or empty local parts, and
    /// domains that are not dotted labels of letters, digits and inner hyphens.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let problem = || {
            let shown: String = text.chars().take(80).collect();
            format!("`{shown}` is not an email address (expected the form name@example.org)")
        };
        if text.len() > 254 || text.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(problem());
        }
        let Some((local, domain)) = text.split_once('@') else {
            return Err(problem());
        };
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && local.split('.').all(|atom| {
                !atom.is_empty()
                    && atom
                        .chars()
                        .all(|c| c.is_alphanumeric() || ATEXT_SYMBOLS.contains(c))
            });
        let labels: Vec<&str> = domain.split('.').collect();
        let domain_ok = labels.len() >= 2
            && domain.len() <= 253
            && labels.iter().all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label.chars().all(|c| c.is_alphanumeric() || c == '-')
            })
            // A top-level domain is never all digits: `a@1.2.3.4` is an IP address in disguise.
            && !labels.last().is_some_and(|tld| tld.chars().all(|c| c.is_ascii_digit()));
        if !local_ok || !domain_ok {
            return Err(problem());
        }
        Ok(Self(text.to_owned()))
    }

    /// The address as Docket keys accounts, staff and limits by: lower-cased.
    pub fn normalised(&self) -> crate::Address {
        crate::Address::new(&self.0)
    }

    /// The address as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Email {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Email> for String {
    fn from(value: Email) -> Self {
        value.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An IANA time zone that exists in the bundled time-zone database (`Europe/London`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CallTimeZone {
    name: String,
    #[serde(skip)]
    zone: TimeZone,
}

impl CallTimeZone {
    /// Looks `name` up in the time-zone database.
    pub fn parse(name: &str) -> Result<Self, String> {
        match TimeZone::get(name) {
            Ok(zone) if !name.is_empty() => Ok(Self {
                name: name.to_owned(),
                zone,
            }),
            _ => Err(format!(
                "`{name}` is not a time zone Docket knows: use an IANA name such as `Europe/London` or `America/New_York`"
            )),
        }
    }

    /// The IANA name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The zone, for converting between local times and instants.
    pub fn zone(&self) -> &TimeZone {
        &self.zone
    }
}

impl TryFrom<String> for CallTimeZone {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<CallTimeZone> for String {
    fn from(value: CallTimeZone) -> Self {
        value.name
    }
}

/// The themed week: its first and last day, inclusive, in the call's time zone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Week {
    pub first_day: Date,
    pub last_day: Date,
    /// How many pieces each themed day takes, unless the day says otherwise.
    #[serde(default)]
    pub capacity: Option<u32>,
    /// When a piece placed on a day goes live unless an editor picks another time (local).
    #[serde(default = "default_publish_time")]
    pub publish_time: jiff::civil::Time,
}

/// 09:00, the time a placed piece goes live unless an editor picks another.
pub fn default_publish_time() -> jiff::civil::Time {
    jiff::civil::time(9, 0, 0, 0)
}

impl Week {
    /// True when `date` falls inside the week.
    pub fn contains(&self, date: Date) -> bool {
        self.first_day <= date && date <= self.last_day
    }
}

/// One themed day of the week: its date, theme and the prompt (Markdown) contributors may answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThemedDay {
    pub date: Date,
    pub theme: String,
    pub prompt: String,
    /// How many pieces this day takes, when it differs from the week's.
    #[serde(default)]
    pub capacity: Option<u32>,
}

impl ThemedDay {
    /// The questions in the prompt: each sentence that ends with a question mark.
    pub fn questions(&self) -> Vec<String> {
        let mut questions = Vec::new();
        let mut sentence = String::new();
        for c in self.prompt.chars() {
            sentence.push(c);
            if matches!(c, '.' | '!' | '?' | '\n') {
                if c == '?' {
                    questions.push(sentence.trim().to_owned());
                }
                sentence.clear();
            }
        }
        questions
    }
}

/// What shape a kind's pieces take, which decides the limits that apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// Written text (a blog, a case study): counted in words.
    Text,
    /// A document file (a whitepaper PDF): counted in pages and bytes.
    Document,
    /// Audio (a podcast): counted in minutes and bytes.
    Audio,
}

impl Format {
    /// The word used in the call file.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Document => "document",
            Format::Audio => "audio",
        }
    }

    /// Parses the word used in the call file.
    pub fn parse(text: &str) -> Result<Self, String> {
        match text {
            "text" => Ok(Format::Text),
            "document" => Ok(Format::Document),
            "audio" => Ok(Format::Audio),
            other => Err(format!(
                "`{other}` is not a format: use `text`, `document` or `audio`"
            )),
        }
    }
}

/// Soft and hard bounds on one measure. Outside the soft bounds a contributor is warned; outside
/// the hard bounds the piece is refused. Unset hard bounds mean the soft bound is the only one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Bounds {
    pub min: Option<u64>,
    pub max: Option<u64>,
    pub hard_min: Option<u64>,
    pub hard_max: Option<u64>,
}

impl Bounds {
    /// "600–800", "up to 40", "at least 2", for people to read.
    pub fn describe(&self, unit: &str) -> String {
        match (self.min, self.max) {
            (Some(min), Some(max)) if min == max => format!("{min} {unit}"),
            (Some(min), Some(max)) => format!("{min}–{max} {unit}"),
            (None, Some(max)) => format!("up to {max} {unit}"),
            (Some(min), None) => format!("at least {min} {unit}"),
            (None, None) => match (self.hard_min, self.hard_max) {
                (_, Some(max)) => format!("up to {max} {unit}"),
                (Some(min), None) => format!("at least {min} {unit}"),
                (None, None) => String::new(),
            },
        }
    }

    /// The largest value accepted at all.
    pub fn refuse_above(&self) -> Option<u64> {
        self.hard_max.or(self.max)
    }
}

/// The limits of a kind, each optional: words for text, pages for documents, minutes for audio,
/// bytes for any uploaded file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Limits {
    pub words: Option<Bounds>,
    pub pages: Option<Bounds>,
    pub minutes: Option<Bounds>,
    pub bytes: Option<Bounds>,
}

impl Limits {
    /// The limits as one line for people: "600–800 words; up to 10 MB".
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(words) = self.words {
            parts.push(words.describe("words"));
        }
        if let Some(pages) = self.pages {
            parts.push(pages.describe("pages"));
        }
        if let Some(minutes) = self.minutes {
            parts.push(minutes.describe("minutes"));
        }
        if let Some(max) = self.bytes.and_then(|b| b.refuse_above()) {
            parts.push(format!("files up to {}", human_bytes(max)));
        }
        parts.retain(|p| !p.is_empty());
        parts.join("; ")
    }
}

/// `10485760` -> "10 MB" (binary multiples, as file browsers show).
pub fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["bytes", "KB", "MB", "GB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 || value.fract() == 0.0 {
        format!("{value:.0} {}", UNITS[unit])
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// A kind of contribution the call accepts (blog, case study, whitepaper, podcast, or the call's own).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Kind {
    /// Short name used in URLs, emails and the API: `blog`, `case-study`.
    pub key: Slug,
    pub name: String,
    pub format: Format,
    pub description: String,
    pub limits: Limits,
}

/// When submissions close: a local date and time in the call's zone, an optional grace period, and
/// whether late pieces are still taken (flagged as late).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Deadline {
    pub date: Date,
    pub time: Time,
    pub grace_minutes: u32,
    pub accept_late: bool,
    /// The deadline as the call's prose states it ("Midday, Friday 5 November").
    pub wording: Option<String>,
    /// How many hours before the deadline contributors who still hold drafts are reminded;
    /// 0 sends no reminder.
    #[serde(default = "default_reminder_hours")]
    pub reminder_hours: u32,
}

/// Two days: enough to finish a 600–800-word piece, close enough not to be forgotten.
pub const DEFAULT_REMINDER_HOURS: u32 = 48;

fn default_reminder_hours() -> u32 {
    DEFAULT_REMINDER_HOURS
}

/// Someone contributors may ask about the call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contact {
    pub name: String,
    pub role: Option<String>,
    pub email: Option<Email>,
    pub phone: Option<String>,
}

/// A call for contributions for one themed week. See the module documentation for what holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Call {
    pub slug: Slug,
    pub title: String,
    pub hashtag: Option<String>,
    pub organiser: String,
    pub partner: Option<String>,
    /// The day the call was published (the demo clock starts here).
    pub published_on: Option<Date>,
    pub time_zone: CallTimeZone,
    /// What the week is about (Markdown).
    pub intro: String,
    /// How to take part (Markdown).
    pub taking_part: String,
    /// What the call's pages say instead of the way in once it takes nothing more (Markdown);
    /// without it, "This call closed on …" with its contacts.
    #[serde(default)]
    pub after_deadline: Option<String>,
    /// The address contributors may write to with their submission.
    pub inbox: Option<Email>,
    pub week: Week,
    pub deadline: Deadline,
    /// The themed days, in date order.
    pub days: Vec<ThemedDay>,
    pub kinds: Vec<Kind>,
    /// Contributor guidelines (Markdown).
    pub guidelines: String,
    /// What editors check each piece against ("600–800 words", "shares insight rather than a
    /// sales pitch"), shown beside every piece in the console.
    #[serde(default)]
    pub checklist: Vec<String>,
    /// Reviewers see no author's identity: no names, organisations, addresses, headshots,
    /// profiles, file names, document metadata or original emails.
    #[serde(default)]
    pub anonymised_review: bool,
    pub contacts: Vec<Contact>,
    /// What podcast apps read from the week's podcast feed.
    #[serde(default)]
    pub podcast: Option<Podcast>,
}

/// The podcast feed's own facts (the iTunes tags podcast apps read).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Podcast {
    /// A square image, 1400 to 3000 pixels, by its full address.
    pub artwork: Option<String>,
    /// Who runs the podcast, and their address.
    pub owner: String,
    pub owner_email: Option<Email>,
    /// One of Apple's podcast categories: "Technology", "Government", "News".
    pub category: String,
    /// Whether episodes have explicit content.
    pub explicit: bool,
}

/// Where a call stands at some instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallPhase {
    /// Before the deadline: `left` remains.
    Open { left: SignedDuration },
    /// Past the deadline but inside the grace period.
    Grace { left: SignedDuration },
    /// Past the deadline and any grace; `accept_late` says whether late pieces are still taken.
    Closed { accept_late: bool },
}

impl Call {
    /// How many pieces `date` takes (its own capacity, else the week's), if the call says.
    pub fn capacity(&self, date: Date) -> Option<u32> {
        self.day(date)
            .and_then(|day| day.capacity)
            .or(self.week.capacity)
    }

    /// The instant `time` on `date`, in the call's zone.
    pub fn local_instant(&self, date: Date, time: jiff::civil::Time) -> Timestamp {
        local_instant(date, time, self.time_zone.zone())
    }

    /// The themed day on `date`, if any.
    pub fn day(&self, date: Date) -> Option<&ThemedDay> {
        self.days.iter().find(|day| day.date == date)
    }

    /// The kind with this key, if any.
    pub fn kind(&self, key: &str) -> Option<&Kind> {
        self.kinds.iter().find(|kind| kind.key.as_str() == key)
    }

    /// The deadline as an instant. A local time skipped by a clock change is read as the moment
    /// after the change; a repeated local time as its first occurrence (the checks warn about both).
    pub fn deadline_at(&self) -> Timestamp {
        local_instant(
            self.deadline.date,
            self.deadline.time,
            self.time_zone.zone(),
        )
    }

    /// The instant after which nothing is taken on time: the deadline plus any grace.
    pub fn closes_at(&self) -> Timestamp {
        self.deadline_at()
            .saturating_add(SignedDuration::from_mins(i64::from(
                self.deadline.grace_minutes,
            )))
            .unwrap_or_else(|_| self.deadline_at())
    }

    /// When contributors who still hold drafts are reminded of the deadline, if at all.
    pub fn reminder_at(&self) -> Option<Timestamp> {
        (self.deadline.reminder_hours > 0).then(|| {
            self.deadline_at()
                .saturating_sub(SignedDuration::from_hours(i64::from(
                    self.deadline.reminder_hours,
                )))
                .unwrap_or_else(|_| self.deadline_at())
        })
    }

    /// The deadline in the call's time zone, for display.
    pub fn deadline_local(&self) -> Zoned {
        self.deadline_at().to_zoned(self.time_zone.zone().clone())
    }

    /// Where the call stands at `now`.
    pub fn phase(&self, now: Timestamp) -> CallPhase {
        let deadline = self.deadline_at();
        let closes = self.closes_at();
        if now < deadline {
            CallPhase::Open {
                left: now.duration_until(deadline),
            }
        } else if now < closes {
            CallPhase::Grace {
                left: now.duration_until(closes),
            }
        } else {
            CallPhase::Closed {
                accept_late: self.deadline.accept_late,
            }
        }
    }

    /// What the call says once it takes nothing more (Markdown): its own `after_deadline`, or
    /// "This call closed on …; to reach the organisers, contact …" with its contacts' names.
    pub fn after_deadline_text(&self) -> String {
        self.after_deadline.clone().unwrap_or_else(|| {
            let whom: Vec<&str> = self.contacts.iter().map(|c| c.name.as_str()).collect();
            let whom = match whom.as_slice() {
                [] => self.organiser.clone(),
                [only] => (*only).to_owned(),
                [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
            };
            format!(
                "This call closed on {}. To reach the organisers, contact {whom}.",
                self.deadline_local().strftime("%A %-d %B %Y at %H:%M %Z")
            )
        })
    }

    /// `instant` shown in the call's time zone.
    pub fn local(&self, instant: Timestamp) -> Zoned {
        instant.to_zoned(self.time_zone.zone().clone())
    }
}

/// The instant of a local date and time in `zone`, resolving gaps and folds the "compatible" way.
pub fn local_instant(date: Date, time: Time, zone: &TimeZone) -> Timestamp {
    let civil: DateTime = date.to_datetime(time);
    zone.to_ambiguous_timestamp(civil)
        .compatible()
        .unwrap_or_else(|_| {
            civil
                .to_zoned(TimeZone::UTC)
                .map(|z| z.timestamp())
                .unwrap_or(Timestamp::UNIX_EPOCH)
        })
}

/// "3 days, 4 hours" / "2 hours, 5 minutes" / "less than a minute": a duration for people.
pub fn describe_duration(duration: SignedDuration) -> String {
    let total_minutes = duration.as_secs().max(0) / 60;
    let days = total_minutes / (24 * 60);
    let hours = (total_minutes / 60) % 24;
    let minutes = total_minutes % 60;
    let plural = |n: i64, unit: &str| {
        if n == 1 {
            format!("1 {unit}")
        } else {
            format!("{n} {unit}s")
        }
    };
    match (days, hours, minutes) {
        (0, 0, 0) => "less than a minute".to_owned(),
        (0, 0, m) => plural(m, "minute"),
        (0, h, 0) => plural(h, "hour"),
        (0, h, m) => format!("{}, {}", plural(h, "hour"), plural(m, "minute")),
        (d, 0, _) => plural(d, "day"),
        (d, h, _) => format!("{}, {}", plural(d, "day"), plural(h, "hour")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_url_safe() {
        assert!(Slug::parse("digital-justice-week-2022").is_ok());
        for bad in [
            "",
            "Has-Caps",
            "with space",
            "-lead",
            "trail-",
            "two--hyphens",
            "ünï",
        ] {
            assert!(Slug::parse(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn email_shape() {
        assert!(Email::parse("jago@techuk.org").is_ok());
        for bad in [
            "jago",
            "jago@",
            "@techuk.org",
            "jago@techuk",
            "ja go@techuk.org",
            "a@b..org",
            // Legal in RFC 5322, refused here: quoted strings, comments, IP literals, and the
            // characters that let an address break out of a header.
            "\"a>b,<c\"@example.com",
            "\"jago\"@techuk.org",
            "jago(comment)@techuk.org",
            "jago@[192.0.2.1]",
            "jago@192.0.2.1",
            "a<b@example.org",
            "a,b@example.org",
            ".jago@techuk.org",
            "jago.@techuk.org",
            "ja..go@techuk.org",
            "jago@-techuk.org",
            "jago@techuk-.org",
            "a@b@techuk.org",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad} should be refused");
        }
        for good in [
            "jago.smith+dj22@techuk.org",
            "o'neill@example.co.uk",
            "first_last-1@sub.example.org",
            "zoë@exämple.de",
        ] {
            assert!(Email::parse(good).is_ok(), "{good} should be accepted");
        }
        assert_eq!(
            Email::parse("Jago@TechUK.org")
                .expect("a valid address")
                .normalised(),
            "jago@techuk.org"
        );
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(
            describe_duration(SignedDuration::from_secs(30)),
            "less than a minute"
        );
        assert_eq!(
            describe_duration(SignedDuration::from_mins(61)),
            "1 hour, 1 minute"
        );
        assert_eq!(
            describe_duration(SignedDuration::from_hours(50)),
            "2 days, 2 hours"
        );
        assert_eq!(describe_duration(SignedDuration::from_hours(48)), "2 days");
    }

    #[test]
    fn prompt_questions_are_the_sentences_that_ask() {
        let day = ThemedDay {
            date: jiff::civil::date(2022, 11, 14),
            theme: "T".into(),
            prompt: "How can data help? It matters. What needs to change?".into(),
            capacity: None,
        };
        assert_eq!(
            day.questions(),
            vec!["How can data help?", "What needs to change?"]
        );
    }

    #[test]
    fn bytes_for_people() {
        assert_eq!(human_bytes(10 * 1024 * 1024), "10 MB");
        assert_eq!(human_bytes(1536), "1.5 KB");
        assert_eq!(human_bytes(12), "12 bytes");
    }
}
