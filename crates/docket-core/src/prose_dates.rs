//! Dates written in a call's prose ("Midday, Friday 5 November", "Monday, November 14th 2022")
//! checked against the calendar. A weekday that does not match its date is the commonest slip in a
//! call for contributions, and contributors plan their week around it.

use jiff::civil::{Date, Weekday};

pub(crate) use crate::words::day_number;
use crate::words::{self, MONTHS, Word, same_phrase, words, year_number};

/// A weekday-and-date phrase found in prose, with its byte range in the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProseDate {
    pub start: usize,
    pub end: usize,
    pub weekday: Weekday,
    pub day: i8,
    pub month: i8,
    pub year: Option<i16>,
}

/// A phrase whose weekday and date disagree, or whose date does not exist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finding {
    /// The date exists but falls on another weekday. `nearest` is the closest date that does fall
    /// on the written weekday.
    WrongWeekday {
        phrase: String,
        start: usize,
        written: Weekday,
        date: Date,
        nearest: Date,
    },
    /// The day does not exist in that month ("31 November").
    NoSuchDate { phrase: String, start: usize },
}

impl Finding {
    /// Byte offset of the phrase in the text it was found in.
    pub fn start(&self) -> usize {
        match self {
            Finding::WrongWeekday { start, .. } | Finding::NoSuchDate { start, .. } => *start,
        }
    }

    /// The phrase as written.
    pub fn phrase(&self) -> &str {
        match self {
            Finding::WrongWeekday { phrase, .. } | Finding::NoSuchDate { phrase, .. } => phrase,
        }
    }

    /// A sentence for the call's author that names the nearest consistent reading.
    pub fn message(&self) -> String {
        match self {
            Finding::WrongWeekday {
                phrase,
                written,
                date,
                nearest,
                ..
            } => format!(
                "\u{201c}{phrase}\u{201d} does not match the calendar: {} is a {}, not a {}. \
                 Nearest consistent reading: {} (or, if the date is right, {})",
                long_date(*date),
                weekday_name(date.weekday()),
                weekday_name(*written),
                long_date_with_weekday(*nearest),
                long_date_with_weekday(*date),
            ),
            Finding::NoSuchDate { phrase, .. } => {
                format!("\u{201c}{phrase}\u{201d} names a day that does not exist in that month")
            }
        }
    }
}

/// "Friday 4 November 2022".
pub fn long_date_with_weekday(date: Date) -> String {
    format!("{} {}", weekday_name(date.weekday()), long_date(date))
}

/// "4 November 2022".
pub fn long_date(date: Date) -> String {
    format!(
        "{} {} {}",
        date.day(),
        MONTHS[(date.month() - 1) as usize],
        date.year()
    )
}

/// "Friday".
pub fn weekday_name(weekday: Weekday) -> &'static str {
    words::weekday_name(weekday)
}

/// Checks every weekday-and-date phrase in `text`. Phrases without a year are read in the year
/// that puts them nearest to `reference` (the call's week), so a December call for a January week
/// reads "Friday 6 January" in the new year.
pub fn check(text: &str, reference: Date) -> Vec<Finding> {
    find(text)
        .into_iter()
        .filter_map(|found| judge(text, &found, reference))
        .collect()
}

fn judge(text: &str, found: &ProseDate, reference: Date) -> Option<Finding> {
    let phrase = text[found.start..found.end].to_owned();
    let date = match found.year {
        Some(year) => Date::new(year, found.month, found.day).ok(),
        None => [reference.year() - 1, reference.year(), reference.year() + 1]
            .into_iter()
            .filter_map(|year| Date::new(year, found.month, found.day).ok())
            .min_by_key(|date| (date.since(reference).ok()?.get_days()).checked_abs()),
    };
    let Some(date) = date else {
        return Some(Finding::NoSuchDate {
            phrase,
            start: found.start,
        });
    };
    if date.weekday() == found.weekday {
        return None;
    }
    let nearest = (1..=3i64)
        .flat_map(|offset| [offset, -offset])
        .filter_map(|offset| date.checked_add(jiff::Span::new().days(offset)).ok())
        .find(|candidate| candidate.weekday() == found.weekday)?;
    Some(Finding::WrongWeekday {
        phrase,
        start: found.start,
        written: found.weekday,
        date,
        nearest,
    })
}

/// Every weekday-and-date phrase in `text`, in order: "Friday 5 November", "Fri, 5th Nov 2022",
/// "Monday, November 14", "Tuesday the 15th of November".
pub fn find(text: &str) -> Vec<ProseDate> {
    let words = words(text);
    let mut found = Vec::new();
    let mut i = 0;
    while i < words.len() {
        if let Some(weekday) = weekday(words[i].text)
            && let Some((date, next)) = date_after(text, &words, i, weekday)
        {
            found.push(date);
            i = next;
            continue;
        }
        i += 1;
    }
    found
}

fn date_after(
    text: &str,
    words: &[Word<'_>],
    at: usize,
    weekday: Weekday,
) -> Option<(ProseDate, usize)> {
    let mut i = at + 1;
    let next = |i: usize| words.get(i).filter(|w| same_phrase(text, &words[i - 1], w));
    if next(i).is_some_and(|w| w.is("the")) {
        i += 1;
    }
    let first = next(i)?;
    // Day then month: "5 November", "5th of November".
    if let Some((day, _)) = day_number(first.text) {
        let mut j = i + 1;
        if next(j).is_some_and(|w| w.is("of")) {
            j += 1;
        }
        let month_word = next(j)?;
        let month = month(month_word.text)?;
        let (year, end, after) = year_after(text, words, j);
        return Some((
            ProseDate {
                start: words[at].start,
                end: end.unwrap_or(month_word.end),
                weekday,
                day,
                month,
                year,
            },
            after,
        ));
    }
    // Month then day: "November 14th".
    let month = month(first.text)?;
    let day_word = next(i + 1)?;
    let (day, _) = day_number(day_word.text)?;
    let (year, end, after) = year_after(text, words, i + 1);
    Some((
        ProseDate {
            start: words[at].start,
            end: end.unwrap_or(day_word.end),
            weekday,
            day,
            month,
            year,
        },
        after,
    ))
}

fn year_after(text: &str, words: &[Word<'_>], at: usize) -> (Option<i16>, Option<usize>, usize) {
    match words.get(at + 1) {
        Some(word) if same_phrase(text, &words[at], word) => match year_number(word.text) {
            Some(year) => (Some(year), Some(word.end), at + 2),
            None => (None, None, at + 1),
        },
        _ => (None, None, at + 1),
    }
}

/// A weekday as a call's prose writes it: the full name in any case, an abbreviation ("Fri",
/// "Tues") only when capitalised, since "sat" and "sun" are ordinary words. A plural ("Fridays")
/// names no single date. A contraction ("Weds") has never been read here, and reading it now
/// would give call files that passed their checks new findings.
fn weekday(word: &str) -> Option<Weekday> {
    let name = words::weekday(word)?;
    match name.form {
        words::Form::Full => Some(name.value),
        words::Form::Abbreviation if name.capitalised => Some(name.value),
        _ => None,
    }
}

/// A month as a call's prose writes it: the full name in any case, an abbreviation ("Nov",
/// "Sept") only when capitalised.
fn month(word: &str) -> Option<i8> {
    let name = words::month(word)?;
    match name.form {
        words::Form::Full => Some(name.value),
        words::Form::Abbreviation if name.capitalised => Some(name.value),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    const WEEK_2022: Date = date(2022, 11, 14);

    #[test]
    fn the_seed_deadline_friday_5_november_2022_is_caught_with_the_nearest_reading() {
        let text =
            "Deadline for blog submissions: Midday, Friday 5 November. Please email this to Jago.";
        let findings = check(text, WEEK_2022);
        assert_eq!(findings.len(), 1, "{findings:?}");
        let Finding::WrongWeekday {
            date: d,
            nearest,
            written,
            ..
        } = &findings[0]
        else {
            panic!("expected a weekday mismatch, got {findings:?}");
        };
        assert_eq!(*d, date(2022, 11, 5));
        assert_eq!(d.weekday(), Weekday::Saturday);
        assert_eq!(*written, Weekday::Friday);
        assert_eq!(*nearest, date(2022, 11, 4));
        let message = findings[0].message();
        assert!(message.contains("Friday 4 November 2022"), "{message}");
        assert!(message.contains("is a Saturday"), "{message}");
        assert_eq!(findings[0].phrase(), "Friday 5 November");
        assert_eq!(&text[findings[0].start()..][..6], "Friday");
    }

    #[test]
    fn correct_dates_in_the_seed_pass() {
        let text = "It will take place Monday 14 November – Friday 18 November and we want to hear from YOU.\n\
                    Tuesday 15 November: Harnessing the power of data. Wednesday 16 November, Thursday 17 November.";
        assert_eq!(check(text, WEEK_2022), vec![]);
        assert_eq!(find(text).len(), 5);
    }

    #[test]
    fn many_ways_of_writing_a_date_are_read() {
        let cases = [
            ("Fri, 5th Nov 2022", (Weekday::Friday, 5, 11, Some(2022))),
            ("Monday, November 14th", (Weekday::Monday, 14, 11, None)),
            (
                "Tuesday the 15th of November",
                (Weekday::Tuesday, 15, 11, None),
            ),
            ("on thursday 17 november", (Weekday::Thursday, 17, 11, None)),
            ("Wed. 16 Nov.", (Weekday::Wednesday, 16, 11, None)),
        ];
        for (text, (weekday, day, month, year)) in cases {
            let found = find(text);
            assert_eq!(found.len(), 1, "{text}: {found:?}");
            assert_eq!(
                (
                    found[0].weekday,
                    found[0].day,
                    found[0].month,
                    found[0].year
                ),
                (weekday, day, month, year),
                "{text}"
            );
        }
    }

    #[test]
    fn ordinary_words_are_not_dates() {
        for text in [
            "we sat 5 november", // "sat" lowercase is a verb
            "Friday afternoon, 5 people",
            "Monday – 14 November", // a dash breaks the phrase
            "Friday 45 November",
            "the sun 3 may",
        ] {
            assert_eq!(find(text), vec![], "{text}");
        }
    }

    #[test]
    fn an_explicit_year_is_used() {
        // 5 November 2021 was a Friday.
        assert_eq!(check("Friday 5 November 2021", WEEK_2022), vec![]);
        assert_eq!(check("Friday 5 November 2022", WEEK_2022).len(), 1);
    }

    #[test]
    fn a_date_with_no_year_is_read_in_the_year_nearest_the_week() {
        // A week in early January 2023, written about in December 2022: 6 January 2023 is a Friday.
        assert_eq!(check("Friday 6 January", date(2023, 1, 2)), vec![]);
        // 30 December 2022 is a Friday; read from a January 2023 week it must be 2022.
        assert_eq!(check("Friday 30 December", date(2023, 1, 2)), vec![]);
    }

    #[test]
    fn a_day_that_does_not_exist_is_reported() {
        let findings = check("Thursday 31 November", WEEK_2022);
        assert!(
            matches!(findings[..], [Finding::NoSuchDate { .. }]),
            "{findings:?}"
        );
    }

    #[test]
    fn nearest_reading_can_be_later() {
        // 5 November 2022 is a Saturday; the nearest Sunday is the 6th.
        let findings = check("Sunday 5 November", WEEK_2022);
        let Finding::WrongWeekday { nearest, .. } = &findings[0] else {
            panic!()
        };
        assert_eq!(*nearest, date(2022, 11, 6));
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn a_correctly_written_date_is_never_flagged(days in 0i64..3650) {
                let d = date(2020, 1, 1).checked_add(jiff::Span::new().days(days)).expect("a date in range");
                let text = format!("Join us on {} {} {} {}.", weekday_name(d.weekday()), d.day(), MONTHS[(d.month()-1) as usize], d.year());
                prop_assert_eq!(check(&text, d), vec![]);
            }

            #[test]
            fn a_wrong_weekday_is_always_flagged_with_a_consistent_reading(days in 0i64..3650, shift in 1i64..7) {
                let d = date(2020, 1, 1).checked_add(jiff::Span::new().days(days)).expect("a date in range");
                let wrong = d.checked_add(jiff::Span::new().days(shift)).expect("a date in range").weekday();
                let text = format!("{} {} {}", weekday_name(wrong), d.day(), MONTHS[(d.month()-1) as usize]);
                let findings = check(&text, d);
                prop_assert_eq!(findings.len(), 1);
                let Finding::WrongWeekday { nearest, .. } = &findings[0] else { panic!() };
                prop_assert_eq!(nearest.weekday(), wrong);
                prop_assert!(nearest.since(d).expect("dates in range").get_days().abs() <= 3);
            }

            #[test]
            fn never_panics_on_any_text(text in "\\PC{0,200}") {
                let _ = check(&text, date(2022, 11, 14));
            }
        }
    }
}
