//! The call file: a human-editable TOML description of a call, read into a [`Call`] with every
//! problem reported at its line and column, errors apart from warnings; and written back out.
//!
//! The reader walks the spanned TOML tree itself (rather than deriving `Deserialize`) so that one
//! pass reports *every* missing field, wrong type and inconsistent value, not only the first.
//! The format is documented in `docs/call-file.md`.

use std::collections::BTreeSet;
use std::fmt;
use std::ops::Range;

use jiff::civil::{Date, Time};
use serde_spanned::Spanned;
use toml::de::{DeTable, DeValue};

use crate::call::{
    Bounds, Call, CallTimeZone, Contact, Deadline, Email, Format, Kind, Limits, Slug, ThemedDay,
    Week,
};
use crate::prose_dates;

/// How serious a problem is: errors stop a call from being imported, warnings do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Warning,
    Error,
}

/// One problem in a call file, with where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// The field, as a path: `days[2].date`.
    pub field: String,
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let severity = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        if self.field.is_empty() {
            write!(
                f,
                "{}:{}: {severity}: {}",
                self.line, self.column, self.message
            )
        } else {
            write!(
                f,
                "{}:{}: {severity}: {}: {}",
                self.line, self.column, self.field, self.message
            )
        }
    }
}

/// The outcome of reading a call file: the call when it has no errors, and every diagnostic.
#[derive(Debug, Clone)]
pub struct CheckReport {
    pub call: Option<Call>,
    pub diagnostics: Vec<Diagnostic>,
}

impl CheckReport {
    /// True when the file has at least one error (and so no call).
    pub fn has_errors(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.severity == Severity::Error)
    }

    /// The errors, in file order.
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
    }

    /// The warnings, in file order.
    pub fn warnings(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Warning)
    }
}

/// Reads and checks a call file. Never panics, whatever the input.
pub fn check(source: &str) -> CheckReport {
    let mut ctx = Ctx::new(source);
    let call = match DeTable::parse(source) {
        Ok(root) => read_call(&mut ctx, &root),
        Err(error) => {
            let span = error.span().unwrap_or(0..0);
            let message = error.message().trim().to_owned();
            ctx.error(span, "", format!("the file is not valid TOML: {message}"));
            None
        }
    };
    let mut diagnostics = ctx.diagnostics;
    diagnostics.sort_by_key(|d| (d.line, d.column));
    let has_errors = diagnostics.iter().any(|d| d.severity == Severity::Error);
    CheckReport {
        call: if has_errors { None } else { call },
        diagnostics,
    }
}

struct Ctx<'s> {
    source: &'s str,
    line_starts: Vec<usize>,
    diagnostics: Vec<Diagnostic>,
}

impl<'s> Ctx<'s> {
    fn new(source: &'s str) -> Self {
        let line_starts = std::iter::once(0)
            .chain(source.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Self {
            source,
            line_starts,
            diagnostics: Vec::new(),
        }
    }

    fn position(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.source.len());
        let line = self.line_starts.partition_point(|&start| start <= offset);
        let line_start = self.line_starts[line.saturating_sub(1)];
        let column = self
            .source
            .get(line_start..offset)
            .map_or(0, |text| text.chars().count());
        (line.max(1), column + 1)
    }

    fn push(&mut self, severity: Severity, span: Range<usize>, field: &str, message: String) {
        let (line, column) = self.position(span.start);
        self.diagnostics.push(Diagnostic {
            severity,
            line,
            column,
            field: field.to_owned(),
            message,
        });
    }

    fn error(&mut self, span: Range<usize>, field: &str, message: impl Into<String>) {
        self.push(Severity::Error, span, field, message.into());
    }

    fn warning(&mut self, span: Range<usize>, field: &str, message: impl Into<String>) {
        self.push(Severity::Warning, span, field, message.into());
    }
}

/// A table being read: remembers which keys were asked for, so the rest can be reported.
struct Fields<'t, 'i> {
    path: String,
    table: &'t DeTable<'i>,
    span: Range<usize>,
    known: BTreeSet<&'static str>,
}

type Value<'t, 'i> = &'t Spanned<DeValue<'i>>;

impl<'t, 'i> Fields<'t, 'i> {
    fn new(path: String, table: &'t DeTable<'i>, span: Range<usize>) -> Self {
        Self {
            path,
            table,
            span,
            known: BTreeSet::new(),
        }
    }

    fn field(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_owned()
        } else {
            format!("{}.{key}", self.path)
        }
    }

    fn get(&mut self, key: &'static str) -> Option<Value<'t, 'i>> {
        self.known.insert(key);
        self.table
            .iter()
            .find(|(k, _)| k.get_ref().as_ref() == key)
            .map(|(_, v)| v)
    }

    fn missing(&self, ctx: &mut Ctx<'_>, key: &str, hint: &str) {
        let where_ = if self.path.is_empty() {
            "the file".to_owned()
        } else {
            format!("[{}]", self.path)
        };
        ctx.error(
            self.span.start..self.span.start,
            &self.field(key),
            format!("missing required field `{key}` in {where_}{hint}"),
        );
    }

    fn wrong_type(&self, ctx: &mut Ctx<'_>, key: &str, value: Value<'_, '_>, expected: &str) {
        ctx.error(
            value.span(),
            &self.field(key),
            format!("expected {expected}, found {}", value.get_ref().type_str()),
        );
    }

    fn string(
        &mut self,
        ctx: &mut Ctx<'_>,
        key: &'static str,
        required: bool,
    ) -> Option<(String, Range<usize>)> {
        let Some(value) = self.get(key) else {
            if required {
                self.missing(ctx, key, "");
            }
            return None;
        };
        match value.get_ref().as_str() {
            Some(text) if text.trim().is_empty() && required => {
                ctx.error(value.span(), &self.field(key), "must not be empty");
                None
            }
            Some(text) if text.trim().is_empty() => None,
            Some(text) => Some((text.to_owned(), value.span())),
            None => {
                self.wrong_type(ctx, key, value, "a string");
                None
            }
        }
    }

    fn date(
        &mut self,
        ctx: &mut Ctx<'_>,
        key: &'static str,
        required: bool,
    ) -> Option<(Date, Range<usize>)> {
        let Some(value) = self.get(key) else {
            if required {
                self.missing(ctx, key, " (a date such as 2022-11-14)");
            }
            return None;
        };
        let field = self.field(key);
        let parsed = match value.get_ref() {
            DeValue::Datetime(datetime) => match (datetime.date, datetime.time) {
                (Some(date), None) => Date::new(date.year as i16, date.month as i8, date.day as i8)
                    .map_err(|e| e.to_string()),
                _ => Err("a date alone, such as 2022-11-14".to_owned()),
            },
            DeValue::String(text) => text
                .parse::<Date>()
                .map_err(|_| format!("`{text}` is not a date: write it as 2022-11-14")),
            _ => Err(format!(
                "expected a date such as 2022-11-14, found {}",
                value.get_ref().type_str()
            )),
        };
        match parsed {
            Ok(date) => Some((date, value.span())),
            Err(message) => {
                ctx.error(value.span(), &field, message);
                None
            }
        }
    }

    fn time(
        &mut self,
        ctx: &mut Ctx<'_>,
        key: &'static str,
        required: bool,
    ) -> Option<(Time, Range<usize>)> {
        let Some(value) = self.get(key) else {
            if required {
                self.missing(ctx, key, " (a local time such as 12:00)");
            }
            return None;
        };
        let field = self.field(key);
        let parsed = match value.get_ref() {
            DeValue::Datetime(datetime) => match (datetime.date, datetime.time) {
                (None, Some(time)) => Time::new(
                    time.hour as i8,
                    time.minute as i8,
                    time.second.unwrap_or(0) as i8,
                    time.nanosecond.unwrap_or(0) as i32,
                )
                .map_err(|e| e.to_string()),
                _ => Err("a local time alone, such as 12:00:00".to_owned()),
            },
            DeValue::String(text) => text
                .parse::<Time>()
                .map_err(|_| format!("`{text}` is not a time: write it as 12:00 or 12:00:00")),
            _ => Err(format!(
                "expected a time such as 12:00:00, found {}",
                value.get_ref().type_str()
            )),
        };
        match parsed {
            Ok(time) => Some((time, value.span())),
            Err(message) => {
                ctx.error(value.span(), &field, message);
                None
            }
        }
    }

    fn count(&mut self, ctx: &mut Ctx<'_>, key: &'static str) -> Option<(u64, Range<usize>)> {
        let value = self.get(key)?;
        let parsed = value
            .get_ref()
            .as_integer()
            .and_then(|integer| i64::from_str_radix(integer.as_str(), integer.radix()).ok());
        match parsed {
            Some(number) if number >= 0 => Some((number as u64, value.span())),
            Some(_) => {
                ctx.error(value.span(), &self.field(key), "must not be negative");
                None
            }
            None => {
                self.wrong_type(ctx, key, value, "a whole number");
                None
            }
        }
    }

    /// A list of non-empty strings; an absent key is an empty list.
    fn strings(&mut self, ctx: &mut Ctx<'_>, key: &'static str) -> Vec<String> {
        let Some(value) = self.get(key) else {
            return Vec::new();
        };
        let Some(array) = value.get_ref().as_array() else {
            self.wrong_type(ctx, key, value, "a list of strings");
            return Vec::new();
        };
        let field = self.field(key);
        array
            .iter()
            .enumerate()
            .filter_map(|(index, item)| match item.get_ref().as_str() {
                Some(text) if !text.trim().is_empty() => Some(text.trim().to_owned()),
                Some(_) => {
                    ctx.error(
                        item.span(),
                        &format!("{field}[{index}]"),
                        "must not be empty",
                    );
                    None
                }
                None => {
                    ctx.error(
                        item.span(),
                        &format!("{field}[{index}]"),
                        "expected a string",
                    );
                    None
                }
            })
            .collect()
    }

    fn boolean(&mut self, ctx: &mut Ctx<'_>, key: &'static str) -> Option<bool> {
        let value = self.get(key)?;
        match value.get_ref().as_bool() {
            Some(flag) => Some(flag),
            None => {
                self.wrong_type(ctx, key, value, "true or false");
                None
            }
        }
    }

    fn table(
        &mut self,
        ctx: &mut Ctx<'_>,
        key: &'static str,
        required: bool,
    ) -> Option<Fields<'t, 'i>> {
        let Some(value) = self.get(key) else {
            if required {
                self.missing(ctx, key, &format!(" (add a [{}] table)", self.field(key)));
            }
            return None;
        };
        match value.get_ref().as_table() {
            Some(table) => Some(Fields::new(self.field(key), table, value.span())),
            None => {
                self.wrong_type(ctx, key, value, "a table");
                None
            }
        }
    }

    fn tables(&mut self, ctx: &mut Ctx<'_>, key: &'static str) -> Vec<Fields<'t, 'i>> {
        let Some(value) = self.get(key) else {
            return Vec::new();
        };
        let Some(array) = value.get_ref().as_array() else {
            self.wrong_type(ctx, key, value, &format!("a list of tables ([[{key}]])"));
            return Vec::new();
        };
        let field = self.field(key);
        array
            .iter()
            .enumerate()
            .filter_map(|(index, item)| match item.get_ref().as_table() {
                Some(table) => Some(Fields::new(format!("{field}[{index}]"), table, item.span())),
                None => {
                    ctx.error(
                        item.span(),
                        &format!("{field}[{index}]"),
                        "expected a table",
                    );
                    None
                }
            })
            .collect()
    }

    /// Reports keys nobody asked for, with the nearest known key when it looks like a typo.
    fn finish(self, ctx: &mut Ctx<'_>) {
        for (key, _) in self.table.iter() {
            let name: &str = key.get_ref().as_ref();
            if self.known.contains(name) {
                continue;
            }
            let suggestion = self
                .known
                .iter()
                .filter(|known| edit_distance(known, name) <= 2)
                .min_by_key(|known| edit_distance(known, name))
                .map(|known| format!(" (did you mean `{known}`?)"))
                .unwrap_or_default();
            ctx.warning(
                key.span(),
                &self.field(name),
                format!("unknown field `{name}` is ignored{suggestion}"),
            );
        }
    }
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current.push(substitution.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

/// Prose fields whose dates are checked against the calendar, with where they sit.
struct Prose {
    field: String,
    text: String,
    span: Range<usize>,
}

fn read_call(ctx: &mut Ctx<'_>, root: &Spanned<DeTable<'_>>) -> Option<Call> {
    let mut fields = Fields::new(String::new(), root.get_ref(), 0..0);
    let mut prose = Vec::new();
    let mut keep = |field: &str, value: &Option<(String, Range<usize>)>| {
        if let Some((text, span)) = value {
            prose.push(Prose {
                field: field.to_owned(),
                text: text.clone(),
                span: span.clone(),
            });
        }
    };

    let slug = fields.string(ctx, "slug", true).and_then(|(text, span)| {
        Slug::parse(&text)
            .map_err(|message| ctx.error(span, "slug", message))
            .ok()
    });
    let title = fields.string(ctx, "title", true);
    let hashtag = fields.string(ctx, "hashtag", false);
    if let Some((tag, span)) = &hashtag
        && (!tag.starts_with('#') || tag.contains(char::is_whitespace))
    {
        ctx.warning(
            span.clone(),
            "hashtag",
            format!("`{tag}` should start with # and hold no spaces"),
        );
    }
    let organiser = fields.string(ctx, "organiser", true);
    let partner = fields.string(ctx, "partner", false);
    let published_on = fields.date(ctx, "published_on", false);
    let time_zone = fields
        .string(ctx, "time_zone", true)
        .and_then(|(name, span)| {
            CallTimeZone::parse(&name)
                .map_err(|message| ctx.error(span, "time_zone", message))
                .ok()
        });
    let intro = fields.string(ctx, "intro", true);
    keep("intro", &intro);
    let taking_part = fields.string(ctx, "taking_part", false);
    keep("taking_part", &taking_part);
    let after_deadline = fields.string(ctx, "after_deadline", false);
    keep("after_deadline", &after_deadline);
    let guidelines = fields.string(ctx, "guidelines", true);
    keep("guidelines", &guidelines);
    let checklist = fields.strings(ctx, "checklist");
    let podcast = fields.table(ctx, "podcast", false).map(|mut table| {
        let artwork = table.string(ctx, "artwork", false);
        let owner = table.string(ctx, "owner", false);
        let owner_email = table.string(ctx, "owner_email", false);
        let category = table.string(ctx, "category", false);
        let explicit = table.boolean(ctx, "explicit").unwrap_or(false);
        table.finish(ctx);
        let artwork = artwork.and_then(|(text, span)| {
            if text.starts_with("https://") || text.starts_with("http://") {
                Some(text)
            } else {
                ctx.error(
                    span,
                    "podcast.artwork",
                    "give the artwork's full address, starting https://",
                );
                None
            }
        });
        crate::call::Podcast {
            artwork,
            owner: owner.map(|(text, _)| text).unwrap_or_default(),
            owner_email: owner_email.and_then(|(text, span)| {
                Email::parse(&text)
                    .map_err(|message| ctx.error(span, "podcast.owner_email", message))
                    .ok()
            }),
            category: category.map(|(text, _)| text).unwrap_or_default(),
            explicit,
        }
    });
    let anonymised_review = fields.boolean(ctx, "anonymised_review").unwrap_or(false);
    let inbox = fields.string(ctx, "inbox", false).and_then(|(text, span)| {
        Email::parse(&text)
            .map_err(|message| ctx.error(span, "inbox", message))
            .ok()
    });

    let week = fields.table(ctx, "week", true).and_then(|mut table| {
        let first = table.date(ctx, "first_day", true);
        let last = table.date(ctx, "last_day", true);
        let capacity = table.count(ctx, "capacity");
        let publish_time = table.time(ctx, "publish_time", false);
        table.finish(ctx);
        let capacity = capacity_of(ctx, "week.capacity", capacity);
        let ((first_day, _), (last_day, last_span)) = (first?, last?);
        if last_day < first_day {
            ctx.error(
                last_span,
                "week.last_day",
                format!("the week ends ({last_day}) before it starts ({first_day})"),
            );
            return None;
        }
        if first_day.until(last_day).ok()?.get_days() > 31 {
            ctx.warning(
                last_span,
                "week.last_day",
                "the week is longer than 31 days: is a date mistyped?",
            );
        }
        Some(Week {
            first_day,
            last_day,
            capacity,
            publish_time: publish_time
                .map(|(time, _)| time)
                .unwrap_or_else(crate::call::default_publish_time),
        })
    });

    let deadline = fields.table(ctx, "deadline", true).and_then(|mut table| {
        let date = table.date(ctx, "date", true);
        let time = table.time(ctx, "time", true);
        let grace = table.count(ctx, "grace_minutes");
        let accept_late = table.boolean(ctx, "accept_late").unwrap_or(false);
        let reminder = table.count(ctx, "reminder_hours");
        let wording = table.string(ctx, "wording", false);
        if let Some((text, span)) = &wording {
            prose.push(Prose {
                field: "deadline.wording".into(),
                text: text.clone(),
                span: span.clone(),
            });
        }
        table.finish(ctx);
        let grace_minutes = match grace {
            Some((minutes, span)) if minutes > 7 * 24 * 60 => {
                ctx.error(
                    span,
                    "deadline.grace_minutes",
                    "a grace period longer than a week is not a deadline: at most 10080 minutes",
                );
                0
            }
            Some((minutes, _)) => minutes as u32,
            None => 0,
        };
        let reminder_hours = match reminder {
            Some((hours, span)) if hours > 60 * 24 => {
                ctx.error(
                    span,
                    "deadline.reminder_hours",
                    "a reminder more than 60 days before the deadline comes too early to help: at most 1440 hours (0 sends none)",
                );
                crate::call::DEFAULT_REMINDER_HOURS
            }
            Some((hours, _)) => hours as u32,
            None => crate::call::DEFAULT_REMINDER_HOURS,
        };
        let ((date, date_span), (time, time_span)) = (date?, time?);
        Some((
            Deadline {
                date,
                time,
                grace_minutes,
                accept_late,
                wording: wording.map(|(text, _)| text),
                reminder_hours,
            },
            date_span,
            time_span,
        ))
    });

    let kinds = read_kinds(ctx, &mut fields, &mut prose);
    let days = read_days(ctx, &mut fields, week.as_ref(), &mut prose);
    let contacts = read_contacts(ctx, &mut fields);
    fields.finish(ctx);

    // Rules across fields.
    if let (Some(week), Some(zone), Some((deadline, date_span, time_span))) =
        (&week, &time_zone, &deadline)
    {
        check_deadline(
            ctx,
            week,
            zone,
            deadline,
            date_span.clone(),
            time_span.clone(),
        );
        if let Some((published, span)) = &published_on
            && *published > deadline.date
        {
            ctx.warning(
                span.clone(),
                "published_on",
                "the call is published after its own deadline",
            );
        }
    }
    if let Some(week) = &week {
        for item in &prose {
            check_prose_dates(ctx, item, week.first_day);
        }
    }

    Some(Call {
        slug: slug?,
        title: title?.0,
        hashtag: hashtag.map(|(text, _)| text),
        organiser: organiser?.0,
        partner: partner.map(|(text, _)| text),
        published_on: published_on.map(|(date, _)| date),
        time_zone: time_zone?,
        intro: intro?.0,
        taking_part: taking_part.map(|(text, _)| text).unwrap_or_default(),
        after_deadline: after_deadline.map(|(text, _)| text),
        inbox,
        week: week?,
        deadline: deadline?.0,
        days: days?,
        kinds: kinds?,
        guidelines: guidelines?.0,
        checklist,
        anonymised_review,
        contacts,
        podcast,
    })
}

fn check_deadline(
    ctx: &mut Ctx<'_>,
    week: &Week,
    zone: &CallTimeZone,
    deadline: &Deadline,
    date_span: Range<usize>,
    time_span: Range<usize>,
) {
    if deadline.date >= week.first_day {
        ctx.error(
            date_span,
            "deadline.date",
            format!(
                "the deadline ({}) must be before the week starts ({})",
                prose_dates::long_date_with_weekday(deadline.date),
                prose_dates::long_date_with_weekday(week.first_day)
            ),
        );
        return;
    }
    let civil = deadline.date.to_datetime(deadline.time);
    let ambiguous = zone.zone().to_ambiguous_timestamp(civil);
    if ambiguous.is_ambiguous() {
        let kind = match ambiguous.offset() {
            jiff::tz::AmbiguousOffset::Gap { .. } => {
                "does not exist (the clocks go forward past it)"
            }
            _ => "happens twice (the clocks go back over it); the first is used",
        };
        ctx.warning(
            time_span,
            "deadline.time",
            format!(
                "{} {} in {} {kind}: pick another time",
                deadline.date,
                deadline.time,
                zone.name()
            ),
        );
    }
}

fn check_prose_dates(ctx: &mut Ctx<'_>, prose: &Prose, reference: Date) {
    for finding in prose_dates::check(&prose.text, reference) {
        // Point at the phrase itself where it can be found verbatim in the source.
        let raw = ctx.source.get(prose.span.clone()).unwrap_or("");
        let start = raw
            .find(finding.phrase())
            .map_or(prose.span.start, |offset| prose.span.start + offset);
        ctx.warning(start..start, &prose.field, finding.message());
    }
}

fn read_kinds(
    ctx: &mut Ctx<'_>,
    fields: &mut Fields<'_, '_>,
    prose: &mut Vec<Prose>,
) -> Option<Vec<Kind>> {
    let tables = fields.tables(ctx, "kinds");
    if tables.is_empty()
        && fields
            .table
            .iter()
            .all(|(k, _)| k.get_ref().as_ref() != "kinds")
    {
        fields.missing(ctx, "kinds", " (add at least one [[kinds]] table)");
        return None;
    }
    let mut kinds = Vec::new();
    let mut ok = true;
    let mut seen = BTreeSet::new();
    for mut table in tables {
        let key = table.string(ctx, "key", true).and_then(|(text, span)| {
            let field = table.field("key");
            match Slug::parse(&text) {
                Ok(slug) if !seen.insert(slug.clone()) => {
                    ctx.error(
                        span,
                        &field,
                        format!("another kind already has the key `{slug}`"),
                    );
                    None
                }
                Ok(slug) => Some(slug),
                Err(message) => {
                    ctx.error(span, &field, message);
                    None
                }
            }
        });
        let name = table.string(ctx, "name", true);
        let format = table.string(ctx, "format", true).and_then(|(text, span)| {
            Format::parse(&text)
                .map_err(|message| ctx.error(span, &table.field("format"), message))
                .ok()
        });
        let description = table.string(ctx, "description", false);
        if let Some((text, span)) = &description {
            prose.push(Prose {
                field: table.field("description"),
                text: text.clone(),
                span: span.clone(),
            });
        }
        let mut limits = Limits::default();
        for (measure, slot) in [
            ("words", &mut limits.words),
            ("pages", &mut limits.pages),
            ("minutes", &mut limits.minutes),
            ("bytes", &mut limits.bytes),
        ] {
            if let Some(bounds) = table.table(ctx, measure, false) {
                *slot = read_bounds(ctx, bounds, &mut ok);
            }
        }
        if let Some(format) = format {
            check_measures(ctx, &mut table, format, &limits, &mut ok);
        }
        let field = table.field("");
        table.finish(ctx);
        match (key, name, format) {
            (Some(key), Some((name, _)), Some(format)) => kinds.push(Kind {
                key,
                name,
                format,
                description: description.map(|(text, _)| text).unwrap_or_default(),
                limits,
            }),
            _ => {
                let _ = field;
                ok = false;
            }
        }
    }
    if kinds.is_empty() && ok {
        fields.missing(ctx, "kinds", " (add at least one [[kinds]] table)");
        return None;
    }
    ok.then_some(kinds)
}

fn check_measures(
    ctx: &mut Ctx<'_>,
    table: &mut Fields<'_, '_>,
    format: Format,
    limits: &Limits,
    ok: &mut bool,
) {
    let misplaced = match format {
        Format::Text => [
            ("pages", limits.pages.is_some()),
            ("minutes", limits.minutes.is_some()),
        ],
        Format::Document => [
            ("words", limits.words.is_some()),
            ("minutes", limits.minutes.is_some()),
        ],
        Format::Audio => [
            ("words", limits.words.is_some()),
            ("pages", limits.pages.is_some()),
        ],
    };
    for (measure, present) in misplaced {
        if present {
            let span = table.get(measure).map_or(table.span.clone(), |v| v.span());
            ctx.error(
                span,
                &table.field(measure),
                format!(
                    "{} kind cannot be limited in {measure}",
                    match format {
                        Format::Audio => "an audio",
                        Format::Text => "a text",
                        Format::Document => "a document",
                    }
                ),
            );
            *ok = false;
        }
    }
}

fn read_bounds(ctx: &mut Ctx<'_>, mut table: Fields<'_, '_>, ok: &mut bool) -> Option<Bounds> {
    let min = table.count(ctx, "min");
    let max = table.count(ctx, "max");
    let hard_min = table.count(ctx, "hard_min");
    let hard_max = table.count(ctx, "hard_max");
    let path = table.path.clone();
    let table_span = table.span.clone();
    table.finish(ctx);
    let bounds = Bounds {
        min: min.as_ref().map(|(n, _)| *n),
        max: max.as_ref().map(|(n, _)| *n),
        hard_min: hard_min.as_ref().map(|(n, _)| *n),
        hard_max: hard_max.as_ref().map(|(n, _)| *n),
    };
    let mut problem = |span: Range<usize>, field: &str, message: String| {
        ctx.error(span, &format!("{path}.{field}"), message);
        *ok = false;
    };
    if let (Some((min, _)), Some((max, span))) = (&min, &max)
        && min > max
    {
        problem(
            span.clone(),
            "max",
            format!("the minimum ({min}) exceeds the maximum ({max})"),
        );
    }
    if let (Some((hard_min, span)), Some((min, _))) = (&hard_min, &min)
        && hard_min > min
    {
        problem(
            span.clone(),
            "hard_min",
            format!("the hard minimum ({hard_min}) exceeds the soft minimum ({min})"),
        );
    }
    if let (Some((hard_max, span)), Some((max, _))) = (&hard_max, &max)
        && hard_max < max
    {
        problem(
            span.clone(),
            "hard_max",
            format!("the hard maximum ({hard_max}) is below the soft maximum ({max})"),
        );
    }
    if let (Some((hard_min, _)), Some((hard_max, span))) = (&hard_min, &hard_max)
        && hard_min > hard_max
    {
        problem(
            span.clone(),
            "hard_max",
            format!("the hard minimum ({hard_min}) exceeds the hard maximum ({hard_max})"),
        );
    }
    if bounds == Bounds::default() {
        ctx.warning(
            table_span,
            &path,
            "no bounds given: add min, max, hard_min or hard_max",
        );
    }
    Some(bounds)
}

fn read_days(
    ctx: &mut Ctx<'_>,
    fields: &mut Fields<'_, '_>,
    week: Option<&Week>,
    prose: &mut Vec<Prose>,
) -> Option<Vec<ThemedDay>> {
    let tables = fields.tables(ctx, "days");
    if tables.is_empty() {
        fields.missing(ctx, "days", " (add a [[days]] table for each themed day)");
        return None;
    }
    let mut days: Vec<ThemedDay> = Vec::new();
    let mut ok = true;
    for mut table in tables {
        let date = table.date(ctx, "date", true);
        let theme = table.string(ctx, "theme", true);
        let prompt = table.string(ctx, "prompt", false);
        let capacity = table.count(ctx, "capacity");
        let capacity = capacity_of(ctx, &table.field("capacity"), capacity);
        for (key, value) in [("theme", &theme), ("prompt", &prompt)] {
            if let Some((text, span)) = value {
                prose.push(Prose {
                    field: table.field(key),
                    text: text.clone(),
                    span: span.clone(),
                });
            }
        }
        let date_field = table.field("date");
        table.finish(ctx);
        let (Some((date, span)), Some((theme, _))) = (date, theme) else {
            ok = false;
            continue;
        };
        if let Some(week) = week
            && !week.contains(date)
        {
            ctx.error(
                span.clone(),
                &date_field,
                format!(
                    "{} is outside the week ({} to {})",
                    prose_dates::long_date_with_weekday(date),
                    prose_dates::long_date_with_weekday(week.first_day),
                    prose_dates::long_date_with_weekday(week.last_day)
                ),
            );
            ok = false;
        }
        if let Some(other) = days.iter().find(|day| day.date == date) {
            ctx.error(
                span,
                &date_field,
                format!(
                    "{} already has the theme \u{201c}{}\u{201d}: one theme per date",
                    prose_dates::long_date_with_weekday(date),
                    other.theme
                ),
            );
            ok = false;
            continue;
        }
        days.push(ThemedDay {
            date,
            theme,
            prompt: prompt.map(|(text, _)| text).unwrap_or_default(),
            capacity,
        });
    }
    days.sort_by_key(|day| day.date);
    ok.then_some(days)
}

/// A day's capacity: at least one piece, and few enough to read in a day.
fn capacity_of(ctx: &mut Ctx<'_>, field: &str, value: Option<(u64, Range<usize>)>) -> Option<u32> {
    let (count, span) = value?;
    if count == 0 || count > 100 {
        ctx.error(
            span,
            field,
            "a day takes between 1 and 100 pieces: leave `capacity` out for no limit",
        );
        return None;
    }
    Some(count as u32)
}

/// A local time as TOML writes it: `12:00:00`.
fn local_time(t: Time) -> toml::Value {
    toml::Value::Datetime(toml::value::Datetime {
        date: None,
        time: Some(toml::value::Time {
            hour: t.hour() as u8,
            minute: t.minute() as u8,
            second: Some(t.second() as u8),
            nanosecond: (t.subsec_nanosecond() != 0).then_some(t.subsec_nanosecond() as u32),
        }),
        offset: None,
    })
}

fn read_contacts(ctx: &mut Ctx<'_>, fields: &mut Fields<'_, '_>) -> Vec<Contact> {
    let tables = fields.tables(ctx, "contacts");
    if tables.is_empty() {
        ctx.warning(
            0..0,
            "contacts",
            "no [[contacts]]: contributors will have nobody to ask",
        );
    }
    let mut contacts = Vec::new();
    for mut table in tables {
        let name = table.string(ctx, "name", true);
        let role = table.string(ctx, "role", false);
        let email = table.string(ctx, "email", false).and_then(|(text, span)| {
            Email::parse(&text)
                .map_err(|message| ctx.error(span, &table.field("email"), message))
                .ok()
        });
        let phone = table.string(ctx, "phone", false);
        if email.is_none() && phone.is_none() && name.is_some() {
            ctx.warning(
                table.span.clone(),
                &table.path,
                "this contact has neither an email nor a phone number",
            );
        }
        table.finish(ctx);
        if let Some((name, _)) = name {
            contacts.push(Contact {
                name,
                role: role.map(|(text, _)| text),
                email,
                phone: phone.map(|(text, _)| text),
            });
        }
    }
    contacts
}

/// Writes `call` out as a call file that [`check`] reads back to the same call.
pub fn export(call: &Call) -> String {
    use toml::{Table, Value};
    fn date(d: Date) -> Value {
        Value::Datetime(toml::value::Datetime {
            date: Some(toml::value::Date {
                year: d.year() as u16,
                month: d.month() as u8,
                day: d.day() as u8,
            }),
            time: None,
            offset: None,
        })
    }
    fn put(table: &mut Table, key: &str, value: impl Into<Value>) {
        table.insert(key.to_owned(), value.into());
    }
    fn put_opt(table: &mut Table, key: &str, value: Option<impl Into<Value>>) {
        if let Some(value) = value {
            put(table, key, value);
        }
    }

    let mut root = Table::new();
    put(&mut root, "slug", call.slug.as_str());
    put(&mut root, "title", call.title.as_str());
    put_opt(&mut root, "hashtag", call.hashtag.as_deref());
    put(&mut root, "organiser", call.organiser.as_str());
    put_opt(&mut root, "partner", call.partner.as_deref());
    put_opt(&mut root, "published_on", call.published_on.map(date));
    put(&mut root, "time_zone", call.time_zone.name());
    put_opt(&mut root, "inbox", call.inbox.as_ref().map(Email::as_str));
    put(&mut root, "intro", call.intro.as_str());
    if !call.taking_part.is_empty() {
        put(&mut root, "taking_part", call.taking_part.as_str());
    }
    put_opt(&mut root, "after_deadline", call.after_deadline.as_deref());
    put(&mut root, "guidelines", call.guidelines.as_str());
    if call.anonymised_review {
        put(&mut root, "anonymised_review", true);
    }
    if !call.checklist.is_empty() {
        put(
            &mut root,
            "checklist",
            Value::Array(
                call.checklist
                    .iter()
                    .map(|item| Value::from(item.as_str()))
                    .collect(),
            ),
        );
    }

    let mut week = Table::new();
    put(&mut week, "first_day", date(call.week.first_day));
    put(&mut week, "last_day", date(call.week.last_day));
    if let Some(capacity) = call.week.capacity {
        put(&mut week, "capacity", i64::from(capacity));
    }
    if call.week.publish_time != crate::call::default_publish_time() {
        put(
            &mut week,
            "publish_time",
            local_time(call.week.publish_time),
        );
    }
    put(&mut root, "week", week);

    if let Some(podcast) = &call.podcast {
        let mut table = Table::new();
        put_opt(&mut table, "artwork", podcast.artwork.as_deref());
        if !podcast.owner.is_empty() {
            put(&mut table, "owner", podcast.owner.as_str());
        }
        put_opt(
            &mut table,
            "owner_email",
            podcast.owner_email.as_ref().map(ToString::to_string),
        );
        if !podcast.category.is_empty() {
            put(&mut table, "category", podcast.category.as_str());
        }
        if podcast.explicit {
            put(&mut table, "explicit", true);
        }
        put(&mut root, "podcast", table);
    }

    let mut deadline = Table::new();
    put(&mut deadline, "date", date(call.deadline.date));
    put(&mut deadline, "time", local_time(call.deadline.time));
    if call.deadline.grace_minutes > 0 {
        put(
            &mut deadline,
            "grace_minutes",
            i64::from(call.deadline.grace_minutes),
        );
    }
    if call.deadline.accept_late {
        put(&mut deadline, "accept_late", true);
    }
    put_opt(&mut deadline, "wording", call.deadline.wording.as_deref());
    if call.deadline.reminder_hours != crate::call::DEFAULT_REMINDER_HOURS {
        put(
            &mut deadline,
            "reminder_hours",
            i64::from(call.deadline.reminder_hours),
        );
    }
    put(&mut root, "deadline", deadline);

    let days: Vec<Value> = call
        .days
        .iter()
        .map(|day| {
            let mut table = Table::new();
            put(&mut table, "date", date(day.date));
            put(&mut table, "theme", day.theme.as_str());
            if !day.prompt.is_empty() {
                put(&mut table, "prompt", day.prompt.as_str());
            }
            if let Some(capacity) = day.capacity {
                put(&mut table, "capacity", i64::from(capacity));
            }
            Value::Table(table)
        })
        .collect();
    put(&mut root, "days", days);

    let kinds: Vec<Value> = call
        .kinds
        .iter()
        .map(|kind| {
            let mut table = Table::new();
            put(&mut table, "key", kind.key.as_str());
            put(&mut table, "name", kind.name.as_str());
            put(&mut table, "format", kind.format.as_str());
            if !kind.description.is_empty() {
                put(&mut table, "description", kind.description.as_str());
            }
            for (measure, bounds) in [
                ("words", kind.limits.words),
                ("pages", kind.limits.pages),
                ("minutes", kind.limits.minutes),
                ("bytes", kind.limits.bytes),
            ] {
                if let Some(bounds) = bounds {
                    let mut limits = Table::new();
                    for (key, value) in [
                        ("min", bounds.min),
                        ("max", bounds.max),
                        ("hard_min", bounds.hard_min),
                        ("hard_max", bounds.hard_max),
                    ] {
                        put_opt(&mut limits, key, value.map(|n| n as i64));
                    }
                    put(&mut table, measure, limits);
                }
            }
            Value::Table(table)
        })
        .collect();
    put(&mut root, "kinds", kinds);

    let contacts: Vec<Value> = call
        .contacts
        .iter()
        .map(|contact| {
            let mut table = Table::new();
            put(&mut table, "name", contact.name.as_str());
            put_opt(&mut table, "role", contact.role.as_deref());
            put_opt(
                &mut table,
                "email",
                contact.email.as_ref().map(Email::as_str),
            );
            put_opt(&mut table, "phone", contact.phone.as_deref());
            Value::Table(table)
        })
        .collect();
    if !contacts.is_empty() {
        put(&mut root, "contacts", contacts);
    }

    let body =
        toml::to_string_pretty(&root).unwrap_or_else(|error| format!("# export failed: {error}\n"));
    format!(
        "# Docket call file for \u{201c}{}\u{201d}, exported by Docket.\n# Format: docs/call-file.md\n\n{body}",
        call.title
    )
}
