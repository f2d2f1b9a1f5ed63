//! Recognising the days and kind an email offers a piece for, against the seed call (Digital
//! Justice Week 2022: Monday 14 – Friday 18 November 2022; blog, case study, whitepaper, podcast;
//! deadline "Midday, Friday 5 November").

use docket_core::Call;
use docket_core::call_file;
use docket_core::recognise::{candidate_days, kind};
use docket_core::submission::CandidateDays;
use jiff::civil::{Date, date};
use proptest::prelude::*;
use std::sync::LazyLock;

const SEED: &str = include_str!("../../../calls/digital-justice-week-2022.toml");

static CALL: LazyLock<Call> =
    LazyLock::new(|| call_file::check(SEED).call.expect("the seed call reads"));

fn seed() -> &'static Call {
    &CALL
}

const MON: Date = date(2022, 11, 14);
const TUE: Date = date(2022, 11, 15);
const WED: Date = date(2022, 11, 16);
const THU: Date = date(2022, 11, 17);
const FRI: Date = date(2022, 11, 18);

fn days(list: &[Date]) -> Option<CandidateDays> {
    Some(CandidateDays::Days(list.iter().copied().collect()))
}

const ANY: Option<CandidateDays> = Some(CandidateDays::AnyDay);

/// (subject or body, expected days, why).
fn day_cases() -> Vec<(&'static str, Option<CandidateDays>, &'static str)> {
    vec![
        // The brief's cases.
        (
            "my blog for Tuesday's data theme",
            days(&[TUE]),
            "weekday possessive and theme agree",
        ),
        (
            "Blog for Monday and Wednesday",
            days(&[MON, WED]),
            "two weekdays",
        ),
        ("Submission \u{2013} any day", ANY, "any day"),
        ("Guest blog: Connected Justice", days(&[THU]), "theme title"),
        (
            "15/11 and 18/11",
            days(&[TUE, FRI]),
            "two numeric dates, day first",
        ),
        ("Guest blog submission", None, "no day"),
        ("Midday, Friday 5 November", None, "the deadline alone"),
        // Weekdays.
        ("tuesday", days(&[TUE]), "lower case"),
        ("WEDNESDAY", days(&[WED]), "upper case"),
        ("Blog \u{2013} Tue", days(&[TUE]), "abbreviation"),
        ("blog for weds please", days(&[WED]), "weds in lower case"),
        ("For Thurs 17th", days(&[THU]), "weekday and ordinal"),
        (
            "Happy to go on Mondays or Fridays",
            days(&[MON, FRI]),
            "plurals",
        ),
        (
            "Piece for Mon/Wed",
            days(&[MON, WED]),
            "capitalised abbreviations with a slash",
        ),
        (
            "I'll send it today, mon ami, in the sun",
            None,
            "today, mon, sun are words",
        ),
        (
            "Sat down to write this on a Sunday",
            None,
            "weekend days are no themed days",
        ),
        // Dates.
        ("Blog for 15 November", days(&[TUE]), "day month"),
        (
            "Re: blog \u{2013} 15th Nov",
            days(&[TUE]),
            "ordinal and abbreviated month",
        ),
        ("Offering for November 17", days(&[THU]), "month day"),
        ("for 15/11/2022", days(&[TUE]), "numeric with year"),
        (
            "Beitrag f\u{fc}r den 16.11.2022",
            days(&[WED]),
            "dotted German date",
        ),
        (
            "am 16.11. bitte",
            days(&[WED]),
            "dotted date without year needs its closing dot",
        ),
        ("Slot: 2022-11-18", days(&[FRI]), "ISO date"),
        (
            "Could this run on 15 and 16 November?",
            days(&[TUE, WED]),
            "two days sharing a month",
        ),
        (
            "Either the 14th or 17th of November",
            days(&[MON, THU]),
            "ordinals with 'of'",
        ),
        (
            "Blog for Tuesday 15th November 2022",
            days(&[TUE]),
            "weekday, date and year agree",
        ),
        (
            "Thursday 15 November",
            days(&[TUE]),
            "weekday and date disagree: the date decides",
        ),
        (
            "Blog for 11/17/2022",
            days(&[THU]),
            "US order only when day first is impossible",
        ),
        ("Blog for 15 November 2021", None, "another year"),
        (
            "Could it go Monday to Wednesday?",
            days(&[MON, TUE, WED]),
            "weekday range",
        ),
        ("15-16 November would suit", days(&[TUE, WED]), "date range"),
        // Themes.
        (
            "Guest blog \u{2013} emerging tech",
            days(&[FRI]),
            "abbreviated theme word",
        ),
        (
            "My piece for the reoffending day",
            days(&[MON]),
            "distinctive word with a cue",
        ),
        (
            "A blog on the power of data",
            days(&[TUE]),
            "two of three title words",
        ),
        (
            "Thoughts on user needs in probation",
            days(&[WED]),
            "reordered title words",
        ),
        (
            "Tackling re-offending: what works",
            days(&[MON]),
            "hyphenated title word",
        ),
        (
            "Blog about Digital Justice",
            None,
            "words of the call's own title name no day",
        ),
        (
            "We used data to improve our services",
            None,
            "a theme word without a cue is not enough",
        ),
        // Any day.
        (
            "Happy for it to go on any of the days",
            ANY,
            "any of the days",
        ),
        ("Whichever day suits you best", ANY, "whichever day"),
        ("Could be used for all days", ANY, "all days"),
        ("Relevant to every day of the week", ANY, "every day"),
        (
            "Ideally Tuesday, but any day works",
            ANY,
            "any day wins over a preference",
        ),
        (
            "I'm out all day Tuesday",
            days(&[TUE]),
            "all day is not any day",
        ),
        // Days that say when, not which.
        (
            "Sending before Friday's deadline",
            None,
            "before Friday's deadline",
        ),
        ("I'll get it to you by Friday", None, "by Friday"),
        (
            "Blog for Tuesday, I'll send it by Friday",
            days(&[TUE]),
            "the limit only takes Friday",
        ),
        (
            "Deadline for blog submissions: Midday, Friday 5 November.",
            None,
            "the seed's wording",
        ),
        (
            "The deadline is Friday. My blog is for Wednesday.",
            days(&[WED]),
            "next sentence counts",
        ),
        (
            "Re: deadline \u{2013} my blog for Thursday",
            days(&[THU]),
            "'for' introduces the day",
        ),
        (
            "Spoke to Jago last Tuesday about it",
            None,
            "relative weekday",
        ),
        (
            "I can send the final draft on Friday afternoon",
            None,
            "time of day",
        ),
        ("Out of office until Monday", None, "until Monday"),
        // The week itself.
        (
            "Digital Justice Week, 14\u{2013}18 November: blog for Wednesday",
            days(&[WED]),
            "the week's range",
        ),
        (
            "Monday 14 November \u{2013} Friday 18 November",
            None,
            "the call's own sentence",
        ),
        ("Jo Bloggs | Available Mon\u{2013}Fri", None, "office hours"),
        // Other distractions.
        (
            "Posting 3/4 of the draft, version 1.15",
            None,
            "numbers that are no themed dates",
        ),
        ("Call me on 020 7331 2000", None, "a phone number"),
        ("I may be late; 15 people read it", None, "may is a verb"),
    ]
}

#[test]
fn days_are_read_from_realistic_subjects_and_bodies() {
    let call = seed();
    let mut failures = Vec::new();
    for (text, expected, why) in day_cases() {
        let got = candidate_days(call, text);
        if got != expected {
            failures.push(format!(
                "{text:?} ({why}): got {got:?}, expected {expected:?}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn subject_and_body_together() {
    let call = seed();
    let text = "Re: Call for guest blogs \u{2013} Digital Justice Week 2022\n\
                Hi Jago,\n\nPlease find attached my blog for Tuesday's data theme. \
                I know the deadline is midday on Friday 4 November, so I hope this is in time.\n\n\
                Thanks,\nPriya";
    assert_eq!(candidate_days(call, text), days(&[TUE]));
}

#[test]
fn only_themed_days_count() {
    let call = seed();
    // Saturday 19 November, 13 November and the deadline date are no themed days.
    for text in [
        "19/11",
        "13 November",
        "5/11/2022",
        "Saturday",
        "2022-11-05",
    ] {
        assert_eq!(candidate_days(call, text), None, "{text}");
    }
}

/// (text, attachment types, expected kind, why).
fn kind_cases() -> Vec<(
    &'static str,
    Vec<&'static str>,
    Option<&'static str>,
    &'static str,
)> {
    const DOCX: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
    vec![
        (
            "my blog for Tuesday's data theme",
            vec![DOCX],
            Some("blog"),
            "blog",
        ),
        (
            "Guest blog: Connected Justice",
            vec![],
            Some("blog"),
            "kind name",
        ),
        ("Blog post for Monday", vec![], Some("blog"), "blog post"),
        (
            "Case study for Wednesday",
            vec![DOCX],
            Some("case-study"),
            "case study",
        ),
        (
            "Two case-studies attached",
            vec![],
            Some("case-study"),
            "hyphen and plural",
        ),
        (
            "Our whitepaper on data sharing",
            vec!["application/pdf"],
            Some("whitepaper"),
            "whitepaper + PDF",
        ),
        (
            "A white paper for Friday",
            vec![],
            Some("whitepaper"),
            "white paper",
        ),
        (
            "Our latest report, attached",
            vec!["application/pdf"],
            Some("whitepaper"),
            "report + PDF",
        ),
        (
            "Please find attached",
            vec!["audio/mpeg"],
            Some("podcast"),
            "an audio file",
        ),
        (
            "Podcast episode for Thursday",
            vec![],
            Some("podcast"),
            "podcast",
        ),
        (
            "Recording of our panel",
            vec!["audio/mp4"],
            Some("podcast"),
            "recording + audio",
        ),
        (
            "An article for the data day",
            vec![DOCX],
            Some("blog"),
            "article",
        ),
        (
            "Please find attached",
            vec![DOCX],
            None,
            "a .docx fits two kinds",
        ),
        ("Hello Jago", vec![], None, "nothing says"),
        (
            "A blog post with a short case study in it",
            vec![],
            Some("blog"),
            "first named wins a tie",
        ),
        (
            "Here's the PDF",
            vec!["application/pdf"],
            Some("whitepaper"),
            "a PDF alone",
        ),
        (
            "My blog, as a PDF",
            vec!["application/pdf"],
            Some("blog"),
            "words beat the file type",
        ),
    ]
}

#[test]
fn kinds_are_read_from_words_and_attachments() {
    let call = seed();
    let mut failures = Vec::new();
    for (text, mimes, expected, why) in kind_cases() {
        let got = kind(call, text, &mimes);
        if got.as_deref() != expected {
            failures.push(format!(
                "{text:?} {mimes:?} ({why}): got {got:?}, expected {expected:?}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn long_texts_are_read_in_linear_time() {
    let call = seed();
    for unit in [
        "15/11 ",
        "Tuesday ",
        "the data theme ",
        "14 and ",
        "any ",
        "Thanks, Friday's deadline 5 November 2022 \n",
    ] {
        let text = unit.repeat(200_000 / unit.len());
        let started = std::time::Instant::now();
        let _ = candidate_days(call, &text);
        let _ = kind(call, &text, &["application/pdf"]);
        assert!(
            started.elapsed() < std::time::Duration::from_secs(10),
            "{unit:?} x {}: {:?}",
            text.len() / unit.len(),
            started.elapsed()
        );
    }
}

const WEEKDAYS: [&str; 5] = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"];
const DAYS: [Date; 5] = [MON, TUE, WED, THU, FRI];

proptest! {
    #[test]
    fn never_panics_on_arbitrary_text(text in "\\PC{0,300}") {
        let call = seed();
        let _ = candidate_days(call, &text);
        let _ = kind(call, &text, &["audio/mpeg", "application/pdf", "", "\u{0}"]);
    }

    #[test]
    fn never_panics_on_date_like_noise(text in "[0-9/.\\- a-zA-Z'\u{2019}\u{2013}]{0,80}") {
        let call = seed();
        if let Some(CandidateDays::Days(found)) = candidate_days(call, &text) {
            // Whatever is found is a themed day of the call.
            for date in found {
                prop_assert!(call.day(date).is_some());
            }
        }
    }

    #[test]
    fn a_named_weekday_is_found_amid_other_words(
        index in 0usize..5,
        before in "[a-z ]{0,30}",
        after in "[a-z ]{0,30}",
    ) {
        let call = seed();
        let text = format!("{before} blog for {} {after}", WEEKDAYS[index]);
        let got = candidate_days(call, &text);
        // Lower-case noise can itself say "any day" or "every day"; otherwise the day is found.
        if got != Some(CandidateDays::AnyDay) {
            let Some(CandidateDays::Days(found)) = got else {
                return Err(TestCaseError::fail(format!("{text:?}: nothing found")));
            };
            prop_assert!(found.contains(&DAYS[index]), "{:?}: {:?}", text, found);
        }
    }

    #[test]
    fn every_numeric_form_of_a_themed_day_is_read(index in 0usize..5, form in 0usize..6) {
        let call = seed();
        let d = DAYS[index];
        let text = match form {
            0 => format!("{}/{}", d.day(), d.month()),
            1 => format!("{}/{}/{}", d.day(), d.month(), d.year()),
            2 => format!("{}.{}.{}", d.day(), d.month(), d.year()),
            3 => format!("{d}"),
            4 => format!("{} November", d.day()),
            _ => format!("Nov {}th", d.day()),
        };
        prop_assert_eq!(candidate_days(call, &text), days(&[d]), "{}", text);
    }
}
