//! The call file as an organiser writes it: reading, every check, and writing it back out.

use docket_core::call::CallPhase;
use docket_core::call_file::{self, Severity};
use jiff::civil::date;
use jiff::{SignedDuration, Timestamp};

const SEED: &str = include_str!("../../../calls/digital-justice-week-2022.toml");
const SECOND: &str = include_str!("../../../calls/open-data-week-2027.toml");

fn messages(source: &str) -> Vec<String> {
    call_file::check(source)
        .diagnostics
        .iter()
        .map(ToString::to_string)
        .collect()
}

/// The seed with one line replaced, so each test changes only what it is about.
fn seed_with(old: &str, new: &str) -> String {
    assert!(SEED.contains(old), "the seed no longer holds {old:?}");
    SEED.replacen(old, new, 1)
}

#[test]
fn the_seed_call_reads_with_its_five_days_and_four_kinds() {
    let report = call_file::check(SEED);
    assert!(!report.has_errors(), "{:#?}", report.diagnostics);
    let call = report.call.expect("a call");
    assert_eq!(call.slug.as_str(), "digital-justice-week-2022");
    assert_eq!(call.days.len(), 5);
    assert_eq!(call.days[0].date, date(2022, 11, 14));
    assert_eq!(call.days[0].theme, "Tackling reoffending");
    assert_eq!(call.days[4].theme, "Emerging technology");
    let keys: Vec<_> = call.kinds.iter().map(|k| k.key.as_str()).collect();
    assert_eq!(keys, ["blog", "case-study", "whitepaper", "podcast"]);
    let blog = call.kind("blog").unwrap();
    assert_eq!(blog.limits.words.unwrap().min, Some(600));
    assert_eq!(blog.limits.words.unwrap().max, Some(800));
    assert_eq!(blog.limits.describe(), "600–800 words");
}

#[test]
fn the_seed_prose_date_friday_5_november_is_a_warning_naming_friday_4_november() {
    let report = call_file::check(SEED);
    let warnings: Vec<_> = report
        .warnings()
        .filter(|d| d.message.contains("Friday 5 November"))
        .collect();
    // Once in the deadline wording, once in the guidelines.
    assert_eq!(warnings.len(), 2, "{:#?}", report.diagnostics);
    for warning in &warnings {
        assert!(
            warning
                .message
                .contains("Nearest consistent reading: Friday 4 November 2022"),
            "{warning}"
        );
        let line = SEED.lines().nth(warning.line - 1).unwrap();
        let column: String = line.chars().skip(warning.column - 1).take(17).collect();
        assert_eq!(
            column, "Friday 5 November",
            "the diagnostic points at the phrase"
        );
    }
    // The correct prose dates (Monday 14 November – Friday 18 November) raise nothing.
    assert!(
        !report
            .diagnostics
            .iter()
            .any(|d| d.message.contains("14 November"))
    );
}

#[test]
fn the_seed_deadline_is_midday_gmt_in_november() {
    let call = call_file::check(SEED).call.unwrap();
    // 5 November 2022: the UK is on GMT (UTC+0), clocks went back on 30 October.
    assert_eq!(
        call.deadline_at(),
        "2022-11-05T12:00:00Z".parse::<Timestamp>().unwrap()
    );
    assert_eq!(call.deadline_local().offset().seconds(), 0);
}

#[test]
fn a_deadline_in_british_summer_time_is_an_hour_earlier_in_utc() {
    let source = seed_with("date = 2022-11-05", "date = 2022-10-28");
    let call = call_file::check(&source).call.unwrap();
    // 28 October 2022 is still BST (UTC+1): midday local is 11:00 UTC.
    assert_eq!(
        call.deadline_at(),
        "2022-10-28T11:00:00Z".parse::<Timestamp>().unwrap()
    );
    assert_eq!(call.deadline_local().offset().seconds(), 3600);
}

#[test]
fn the_second_example_uses_eastern_time_grace_and_late_pieces() {
    let report = call_file::check(SECOND);
    assert!(report.diagnostics.is_empty(), "{:#?}", report.diagnostics);
    let call = report.call.unwrap();
    assert_eq!(call.time_zone.name(), "America/New_York");
    // 1 March 2027 is EST (UTC-5): 17:00 local is 22:00 UTC.
    assert_eq!(
        call.deadline_at(),
        "2027-03-01T22:00:00Z".parse::<Timestamp>().unwrap()
    );
    let deadline = call.deadline_at();
    assert!(matches!(
        call.phase(deadline - SignedDuration::from_mins(1)),
        CallPhase::Open { .. }
    ));
    assert!(matches!(
        call.phase(deadline + SignedDuration::from_mins(59)),
        CallPhase::Grace { .. }
    ));
    assert_eq!(
        call.phase(deadline + SignedDuration::from_mins(60)),
        CallPhase::Closed { accept_late: true }
    );
}

#[test]
fn a_themed_day_outside_the_week_is_an_error_at_its_line() {
    let source = seed_with("date = 2022-11-18", "date = 2022-11-21");
    let report = call_file::check(&source);
    assert!(report.has_errors());
    assert!(report.call.is_none());
    let error = report.errors().next().unwrap();
    assert!(error.message.contains("outside the week"), "{error}");
    assert_eq!(error.field, "days[4].date");
    assert_eq!(
        SEED.lines().nth(error.line - 1).unwrap(),
        "date = 2022-11-18"
    );
}

#[test]
fn two_themes_on_one_date_is_an_error() {
    let source = seed_with("date = 2022-11-15", "date = 2022-11-14");
    let errors: Vec<_> = call_file::check(&source).errors().cloned().collect();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(
        errors[0]
            .message
            .contains("already has the theme “Tackling reoffending”"),
        "{}",
        errors[0]
    );
}

#[test]
fn a_deadline_that_is_not_before_the_week_is_an_error() {
    for date in ["2022-11-14", "2022-11-20"] {
        let source = seed_with("date = 2022-11-05", &format!("date = {date}"));
        let report = call_file::check(&source);
        let errors: Vec<_> = report.errors().collect();
        assert_eq!(errors.len(), 1, "{date}: {errors:#?}");
        assert_eq!(errors[0].field, "deadline.date");
        assert!(
            errors[0].message.contains("must be before the week starts"),
            "{}",
            errors[0]
        );
    }
}

#[test]
fn limits_whose_minimum_exceeds_the_maximum_are_an_error() {
    let source = seed_with(
        "words = { min = 600, max = 800, hard_max = 1000 }",
        "words = { min = 900, max = 800 }",
    );
    let errors: Vec<_> = call_file::check(&source).errors().cloned().collect();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(errors[0].field, "kinds[0].words.max");
    assert!(
        errors[0]
            .message
            .contains("minimum (900) exceeds the maximum (800)")
    );

    let source = seed_with(
        "words = { min = 600, max = 800, hard_max = 1000 }",
        "words = { min = 600, max = 800, hard_max = 700 }",
    );
    let errors: Vec<_> = call_file::check(&source).errors().cloned().collect();
    assert!(
        errors[0]
            .message
            .contains("hard maximum (700) is below the soft maximum (800)"),
        "{errors:#?}"
    );
}

#[test]
fn an_unknown_time_zone_is_an_error_that_says_what_to_write() {
    let source = seed_with(
        "time_zone = \"Europe/London\"",
        "time_zone = \"Europe/Londres\"",
    );
    let errors: Vec<_> = call_file::check(&source).errors().cloned().collect();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(errors[0].field, "time_zone");
    assert!(errors[0].message.contains("Europe/London"), "{}", errors[0]);
    assert_eq!(
        errors[0].line,
        SEED.lines()
            .position(|l| l.starts_with("time_zone"))
            .unwrap()
            + 1
    );
}

#[test]
fn every_missing_required_field_is_reported_at_once() {
    let source = "slug = \"x\"\n[week]\nfirst_day = 2022-11-14\n";
    let report = call_file::check(source);
    let fields: Vec<_> = report.errors().map(|d| d.field.as_str()).collect();
    for field in [
        "title",
        "organiser",
        "time_zone",
        "intro",
        "guidelines",
        "week.last_day",
        "deadline",
        "kinds",
        "days",
    ] {
        assert!(
            fields.contains(&field),
            "missing {field} not reported: {fields:?}"
        );
    }
}

#[test]
fn malformed_toml_is_one_error_with_its_line_never_a_panic() {
    let source = "slug = \"x\"\ntitle = \"unterminated\n";
    let report = call_file::check(source);
    let errors: Vec<_> = report.errors().collect();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].line, 2);
    assert!(
        errors[0].message.starts_with("the file is not valid TOML"),
        "{}",
        errors[0]
    );
}

#[test]
fn wrong_types_are_errors_with_what_was_expected() {
    let source = seed_with("first_day = 2022-11-14", "first_day = \"next monday\"");
    let errors: Vec<_> = call_file::check(&source).errors().cloned().collect();
    assert!(
        errors
            .iter()
            .any(|e| e.field == "week.first_day" && e.message.contains("2022-11-14")),
        "{errors:#?}"
    );
    let source = seed_with("min = 600, max = 800", "min = \"600\", max = 800");
    let errors: Vec<_> = call_file::check(&source).errors().cloned().collect();
    assert!(
        errors
            .iter()
            .any(|e| e.field == "kinds[0].words.min" && e.message.contains("whole number")),
        "{errors:#?}"
    );
}

#[test]
fn a_misspelt_field_is_a_warning_that_suggests_the_right_one() {
    let source = seed_with("hashtag =", "hashtg =");
    let report = call_file::check(&source);
    assert!(!report.has_errors());
    assert!(
        messages(&source)
            .iter()
            .any(|m| m.contains("unknown field `hashtg` is ignored (did you mean `hashtag`?)")),
        "{:#?}",
        report.diagnostics
    );
}

#[test]
fn a_deadline_in_the_hour_the_clocks_skip_is_a_warning() {
    // Clocks went forward at 01:00 GMT on 27 March 2022 in the UK: 01:30 never happened.
    let source = seed_with("date = 2022-11-05", "date = 2022-03-27").replacen(
        "time = 12:00:00",
        "time = 01:30:00",
        1,
    );
    let report = call_file::check(&source);
    assert!(
        report
            .warnings()
            .any(|w| w.field == "deadline.time" && w.message.contains("does not exist")),
        "{:#?}",
        report.diagnostics
    );
}

#[test]
fn a_bad_contact_email_and_a_limit_in_the_wrong_measure_are_errors() {
    let source = seed_with(
        "name = \"Jago\"",
        "name = \"Jago\"\nemail = \"jago at techuk\"",
    );
    assert!(
        call_file::check(&source)
            .errors()
            .any(|e| e.field == "contacts[1].email")
    );
    let source = seed_with("minutes = { max = 60 }", "words = { max = 60 }");
    assert!(
        call_file::check(&source).errors().any(|e| e
            .message
            .contains("an audio kind cannot be limited in words")),
        "{:#?}",
        call_file::check(&source).diagnostics
    );
}

#[test]
fn export_then_check_gives_back_the_same_call() {
    for source in [SEED, SECOND] {
        let call = call_file::check(source).call.unwrap();
        let exported = call_file::export(&call);
        let again = call_file::check(&exported);
        assert!(!again.has_errors(), "{exported}\n{:#?}", again.diagnostics);
        assert_eq!(again.call.unwrap(), call);
    }
}

#[test]
fn diagnostics_are_in_file_order_and_errors_sort_apart_from_warnings() {
    let source = seed_with(
        "time_zone = \"Europe/London\"",
        "time_zone = \"Mars/Olympus\"",
    );
    let report = call_file::check(&source);
    let lines: Vec<_> = report.diagnostics.iter().map(|d| d.line).collect();
    let mut sorted = lines.clone();
    sorted.sort();
    assert_eq!(lines, sorted);
    assert!(report.errors().all(|d| d.severity == Severity::Error));
    assert!(report.warnings().all(|d| d.severity == Severity::Warning));
}

mod never_panics {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn on_any_bytes(text in "\\PC{0,400}") {
            let _ = call_file::check(&text);
        }

        #[test]
        fn on_the_seed_cut_anywhere(cut in 0usize..8000) {
            let end = SEED.char_indices().map(|(i, _)| i).take_while(|&i| i <= cut).last().unwrap_or(0);
            let _ = call_file::check(&SEED[..end]);
        }
    }
}

#[test]
fn the_minimal_example_in_the_reference_page_has_no_problems() {
    let page = include_str!("../../../docs/call-file.md");
    let after = page
        .split("## A minimal complete example")
        .nth(1)
        .expect("the section exists");
    let example = after
        .split("```toml\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("a toml block");
    let report = call_file::check(example);
    assert!(report.call.is_some(), "{:#?}", report.diagnostics);
    assert!(report.diagnostics.is_empty(), "{:#?}", report.diagnostics);
}
