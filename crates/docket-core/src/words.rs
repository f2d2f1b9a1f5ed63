//! Words of a text and the calendar words among them, shared by [`crate::prose_dates`] (dates in a
//! call's prose) and [`crate::recognise`] (days offered in an email), so that both split text the
//! same way and know one list of weekday and month names.
//!
//! The readers here say *what* a word names and *how* it is written ([`Form`], capitalised or
//! not, an ordinary English word or not); each caller decides which spellings it trusts, because
//! a call file's checker and a mail reader weigh a false reading differently.

use jiff::civil::Weekday;

// ---------------------------------------------------------------------------------------------
// Splitting

/// A word of a text: a run of letters and digits, with its byte range in that text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Word<'a> {
    /// Byte offset of its first character.
    pub start: usize,
    /// Byte offset just past its last character.
    pub end: usize,
    /// The word as written: `&text[start..end]`.
    pub text: &'a str,
}

impl Word<'_> {
    /// The word in lower case, for comparing with lists of lower-case words.
    pub fn lower(&self) -> String {
        self.text.to_lowercase()
    }

    /// Whether the word is `other`, ignoring ASCII case ("The", "the").
    pub fn is(&self, other: &str) -> bool {
        self.text.eq_ignore_ascii_case(other)
    }
}

/// Every run of letters and digits, in order; any other character separates.
fn runs(text: &str) -> impl Iterator<Item = Word<'_>> {
    let mut chars = text.char_indices().peekable();
    std::iter::from_fn(move || {
        let (start, _) = chars.find(|(_, c)| c.is_alphanumeric())?;
        let mut end = text.len();
        while let Some(&(index, c)) = chars.peek() {
            if !c.is_alphanumeric() {
                end = index;
                break;
            }
            chars.next();
        }
        Some(Word {
            start,
            end,
            text: &text[start..end],
        })
    })
}

fn is_apostrophe(text: &str) -> bool {
    matches!(text, "'" | "\u{2019}")
}

/// The words of `text` as dates are read: runs of letters and digits (hyphens and apostrophes
/// split), in order. A possessive "'s" (or "’s") is dropped, so "Tuesday's" reads as "Tuesday"
/// and a lone "s" never stands between the parts of a phrase; the gap before the next word still
/// holds the "'s", so [`same_phrase`] sees it.
pub(crate) fn words(text: &str) -> Vec<Word<'_>> {
    let mut words: Vec<Word<'_>> = Vec::new();
    for word in runs(text) {
        let possessive = matches!(word.text, "s" | "S")
            && words
                .last()
                .is_some_and(|before| is_apostrophe(&text[before.end..word.start]));
        if !possessive {
            words.push(word);
        }
    }
    words
}

/// Whether two words may be parts of one date phrase: only white space, commas and full stops
/// stand between them, and not many ("Friday, 5 November", "Wed. 16 Nov.", not "Friday – 5").
pub(crate) fn same_phrase(text: &str, before: &Word<'_>, after: &Word<'_>) -> bool {
    let gap = &text[before.end..after.start];
    gap.len() <= 6
        && gap
            .chars()
            .all(|c| c.is_whitespace() || c == ',' || c == '.')
}

/// A word as themes, kinds and "any day" are matched: letters and digits joined across inner
/// hyphens and apostrophes ("re-offending", "case-study", "Tuesday's"), in [`normalise`]d form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct JoinedWord {
    /// Lower case, without hyphens, apostrophes or a possessive "'s": "reoffending", "tuesday".
    pub norm: String,
}

/// A hyphen or apostrophe, which joins the letters on either side into one word.
fn is_joiner(c: char) -> bool {
    matches!(c, '-' | '\u{2010}' | '\u{2011}' | '\'' | '\u{2019}')
}

/// The joined words of `text`, in order (see [`JoinedWord`]).
pub(crate) fn joined_words(text: &str) -> Vec<JoinedWord> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        // A joiner only joins between two letters or digits: "a-b" is one word, "a - b" and
        // "a--b" are two, and a leading or trailing one is dropped.
        let inner_joiner = is_joiner(c)
            && !current.is_empty()
            && chars.peek().is_some_and(|n| n.is_alphanumeric());
        if c.is_alphanumeric() || inner_joiner {
            current.push(c);
        } else if !current.is_empty() {
            words.push(JoinedWord {
                norm: normalise(&current),
            });
            current.clear();
        }
    }
    if !current.is_empty() {
        words.push(JoinedWord {
            norm: normalise(&current),
        });
    }
    words
}

/// A word in matching form: lower case, a trailing possessive "'s" dropped, hyphens and
/// apostrophes removed ("Case-Study" → "casestudy", "Tuesday’s" → "tuesday").
pub(crate) fn normalise(word: &str) -> String {
    let lower = word.to_lowercase();
    let without_possessive = lower
        .strip_suffix("'s")
        .or_else(|| lower.strip_suffix("\u{2019}s"))
        .unwrap_or(&lower);
    without_possessive
        .chars()
        .filter(|c| !is_joiner(*c))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Numbers

/// "15", "15th", "1st": the day of the month, and whether it carried an ordinal suffix.
pub(crate) fn day_number(word: &str) -> Option<(i8, bool)> {
    let digits_end = word
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(word.len());
    let (digits, suffix) = word.split_at(digits_end);
    if digits.is_empty() || digits.len() > 2 {
        return None;
    }
    let suffix = suffix.to_ascii_lowercase();
    if !matches!(suffix.as_str(), "" | "st" | "nd" | "rd" | "th") {
        return None;
    }
    let day: i8 = digits.parse().ok()?;
    (1..=31).contains(&day).then_some((day, !suffix.is_empty()))
}

/// "2022": a four-digit year after a date. Other numbers of four digits (a count, "0800") are no
/// year of a call's dates.
pub(crate) fn year_number(word: &str) -> Option<i16> {
    if word.len() != 4 {
        return None;
    }
    word.parse::<i16>()
        .ok()
        .filter(|year| (1900..=2999).contains(year))
}

// ---------------------------------------------------------------------------------------------
// Weekday and month names

/// Weekdays, Monday first (jiff's `to_monday_zero_offset` order), with their names as written
/// in a long date.
const WEEKDAYS: [(Weekday, &str); 7] = [
    (Weekday::Monday, "Monday"),
    (Weekday::Tuesday, "Tuesday"),
    (Weekday::Wednesday, "Wednesday"),
    (Weekday::Thursday, "Thursday"),
    (Weekday::Friday, "Friday"),
    (Weekday::Saturday, "Saturday"),
    (Weekday::Sunday, "Sunday"),
];

/// The short spellings people write for weekdays, in lower case.
const SHORT_WEEKDAYS: [(&str, Weekday); 11] = [
    ("mon", Weekday::Monday),
    ("tue", Weekday::Tuesday),
    ("tues", Weekday::Tuesday),
    ("wed", Weekday::Wednesday),
    ("weds", Weekday::Wednesday),
    ("thu", Weekday::Thursday),
    ("thur", Weekday::Thursday),
    ("thurs", Weekday::Thursday),
    ("fri", Weekday::Friday),
    ("sat", Weekday::Saturday),
    ("sun", Weekday::Sunday),
];

/// Month names as written in a long date, January first.
pub(crate) const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// The short spellings people write for months (1 = January), in lower case. "May" has none: its
/// name is as short.
const SHORT_MONTHS: [(&str, i8); 12] = [
    ("jan", 1),
    ("feb", 2),
    ("mar", 3),
    ("apr", 4),
    ("jun", 6),
    ("jul", 7),
    ("aug", 8),
    ("sep", 9),
    ("sept", 9),
    ("oct", 10),
    ("nov", 11),
    ("dec", 12),
];

/// Names and short spellings that are also ordinary words or word parts ("we sat", "the sun",
/// "mon ami", "you may", "march on"): a reader of free text trusts them only when capitalised.
const ALSO_WORDS: [&str; 8] = ["mon", "wed", "fri", "sat", "sun", "may", "march", "mar"];

/// How a weekday or month name is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Form {
    /// The whole name: "Tuesday", "november".
    Full,
    /// A weekday's plural: "Tuesdays".
    Plural,
    /// The start of the name: "Tue", "Tues", "Thurs", "Nov", "Sept".
    Abbreviation,
    /// Letters of the name that are not its start: "Weds".
    Contraction,
}

/// A weekday or month read from one word, and how the word wrote it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Name<T> {
    /// What the word names: a weekday, or a month (1 = January).
    pub value: T,
    /// Whole name, plural, abbreviation or contraction.
    pub form: Form,
    /// The word begins with a capital letter ("Sun", "SAT").
    pub capitalised: bool,
    /// The spelling is an ordinary word too ("sun", "may"; see [`ALSO_WORDS`]).
    pub also_a_word: bool,
}

/// The spelling to look up (lower case, one trailing full stop dropped: "Wed." and "Sept." are
/// abbreviations as much as "Wed" and "Sept") and whether the word is capitalised.
fn spelling(word: &str) -> (String, bool) {
    let bare = word.strip_suffix('.').unwrap_or(word);
    (
        bare.to_lowercase(),
        word.starts_with(|c: char| c.is_uppercase()),
    )
}

fn name<T>(value: T, form: Form, lower: &str, capitalised: bool) -> Name<T> {
    Name {
        value,
        form,
        capitalised,
        also_a_word: ALSO_WORDS.contains(&lower),
    }
}

/// The form of a short spelling of `full` (a name in any case).
fn short_form(full: &str, short: &str) -> Form {
    if full.to_ascii_lowercase().starts_with(short) {
        Form::Abbreviation
    } else {
        Form::Contraction
    }
}

/// The weekday a word names, in any case: "Tuesday", "tuesdays", "Tue", "TUES", "Weds", "Thu.".
/// `None` for any other word.
pub(crate) fn weekday(word: &str) -> Option<Name<Weekday>> {
    let (lower, capitalised) = spelling(word);
    for (day, full) in WEEKDAYS {
        if lower.eq_ignore_ascii_case(full) {
            return Some(name(day, Form::Full, &lower, capitalised));
        }
        if lower
            .strip_suffix('s')
            .is_some_and(|singular| singular.eq_ignore_ascii_case(full))
        {
            return Some(name(day, Form::Plural, &lower, capitalised));
        }
    }
    let (short, day) = SHORT_WEEKDAYS.iter().find(|(short, _)| *short == lower)?;
    let form = short_form(weekday_name(*day), short);
    Some(name(*day, form, &lower, capitalised))
}

/// The month (1 = January) a word names, in any case: "November", "nov", "Sept", "Sep.".
/// `None` for any other word.
pub(crate) fn month(word: &str) -> Option<Name<i8>> {
    let (lower, capitalised) = spelling(word);
    if let Some(index) = MONTHS.iter().position(|m| lower.eq_ignore_ascii_case(m)) {
        let month = i8::try_from(index + 1).ok()?;
        return Some(name(month, Form::Full, &lower, capitalised));
    }
    let (short, month) = SHORT_MONTHS.iter().find(|(short, _)| *short == lower)?;
    let full = MONTHS.get(usize::try_from(*month - 1).ok()?)?;
    Some(name(*month, short_form(full, short), &lower, capitalised))
}

/// "Friday": a weekday's name as written in a long date.
pub(crate) fn weekday_name(weekday: Weekday) -> &'static str {
    // The table is in jiff's Monday-first order, so the offset is the index (checked in tests).
    WEEKDAYS[weekday.to_monday_zero_offset() as usize].1
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn texts(text: &str) -> Vec<&str> {
        words(text).into_iter().map(|w| w.text).collect()
    }

    #[test]
    fn words_split_on_anything_but_letters_and_digits() {
        assert_eq!(
            texts("Midday, Friday 5 November."),
            ["Midday", "Friday", "5", "November"]
        );
        assert_eq!(texts("re-offending 15/11"), ["re", "offending", "15", "11"]);
        assert_eq!(texts("für den 16.11."), ["für", "den", "16", "11"]);
        assert_eq!(texts(""), Vec::<&str>::new());
        assert_eq!(texts(" – , "), Vec::<&str>::new());
    }

    #[test]
    fn words_swallow_possessives_only() {
        assert_eq!(
            texts("Tuesday's data theme, Weds’s"),
            ["Tuesday", "data", "theme", "Weds"]
        );
        assert_eq!(texts("FRIDAY'S"), ["FRIDAY"]);
        // Not a possessive: a longer word after the apostrophe, or no word before it.
        assert_eq!(texts("it's o'clock"), ["it", "o", "clock"]);
        assert_eq!(texts("Tuesday'sx"), ["Tuesday", "sx"]);
        assert_eq!(texts("'s"), ["s"]);
        assert_eq!(texts("Tuesday 's"), ["Tuesday", "s"]);
    }

    #[test]
    fn a_possessive_keeps_its_gap() {
        let text = "Friday's 5 November";
        let ws = words(text);
        assert_eq!(ws[1].text, "5");
        assert!(!same_phrase(text, &ws[0], &ws[1]));
        assert!(same_phrase(text, &ws[1], &ws[2]));
    }

    #[test]
    fn same_phrase_allows_spaces_commas_and_full_stops() {
        let check = |text: &str| {
            let ws = words(text);
            same_phrase(text, &ws[0], &ws[1])
        };
        assert!(check("Friday, 5"));
        assert!(check("Wed. 16"));
        assert!(!check("Monday – 14"));
        assert!(!check("Monday       14"));
    }

    #[test]
    fn joined_words_join_across_inner_hyphens_and_apostrophes() {
        let norms: Vec<String> =
            joined_words("re-offending Tuesday's case-study - a--b o\u{2019}clock")
                .into_iter()
                .map(|w| w.norm)
                .collect();
        assert_eq!(
            norms,
            ["reoffending", "tuesday", "casestudy", "a", "b", "oclock"]
        );
        assert_eq!(normalise("Case-Study"), "casestudy");
        assert_eq!(normalise("TUESDAY\u{2019}S"), "tuesday");
    }

    #[test]
    fn numbers() {
        assert_eq!(day_number("15"), Some((15, false)));
        assert_eq!(day_number("1st"), Some((1, true)));
        assert_eq!(day_number("22ND"), Some((22, true)));
        assert_eq!(day_number("32"), None);
        assert_eq!(day_number("0"), None);
        assert_eq!(day_number("015"), None);
        assert_eq!(day_number("5pm"), None);
        assert_eq!(day_number("th"), None);
        assert_eq!(year_number("2022"), Some(2022));
        assert_eq!(year_number("0800"), None);
        assert_eq!(year_number("20222"), None);
        assert_eq!(year_number("22"), None);
    }

    #[test]
    fn the_weekday_table_is_in_jiffs_order() {
        for (index, (day, full)) in WEEKDAYS.iter().enumerate() {
            assert_eq!(day.to_monday_zero_offset() as usize, index);
            assert_eq!(weekday_name(*day), *full);
        }
    }

    #[test]
    fn forms_of_weekdays() {
        let read = |w: &str| weekday(w).map(|n| (n.value, n.form));
        assert_eq!(read("Tuesday"), Some((Weekday::Tuesday, Form::Full)));
        assert_eq!(read("tuesdays"), Some((Weekday::Tuesday, Form::Plural)));
        assert_eq!(read("TUES"), Some((Weekday::Tuesday, Form::Abbreviation)));
        assert_eq!(read("Tue."), Some((Weekday::Tuesday, Form::Abbreviation)));
        assert_eq!(read("weds"), Some((Weekday::Wednesday, Form::Contraction)));
        assert_eq!(read("Thurs"), Some((Weekday::Thursday, Form::Abbreviation)));
        assert_eq!(read("today"), None);
        assert_eq!(read("tu"), None);
        assert_eq!(read("Tuesday.."), None);
        assert_eq!(read("Tuesday's"), None);
        let sun = weekday("sun");
        assert!(sun.is_some_and(|n| n.also_a_word && !n.capitalised));
        assert!(weekday("Sun").is_some_and(|n| n.capitalised));
        assert!(weekday("tues").is_some_and(|n| !n.also_a_word));
    }

    #[test]
    fn forms_of_months() {
        let read = |w: &str| month(w).map(|n| (n.value, n.form, n.also_a_word));
        assert_eq!(read("November"), Some((11, Form::Full, false)));
        assert_eq!(read("nov."), Some((11, Form::Abbreviation, false)));
        assert_eq!(read("SEPT"), Some((9, Form::Abbreviation, false)));
        assert_eq!(read("Sep"), Some((9, Form::Abbreviation, false)));
        assert_eq!(read("may"), Some((5, Form::Full, true)));
        assert_eq!(read("march"), Some((3, Form::Full, true)));
        assert_eq!(read("Mar"), Some((3, Form::Abbreviation, true)));
        assert_eq!(read("novembers"), None);
        assert_eq!(read("no"), None);
        assert_eq!(read("Septem"), None);
    }

    /// Every spelling of every weekday and month: (spelling, weekday or month index).
    fn weekday_spellings() -> Vec<(String, Weekday)> {
        let mut all: Vec<(String, Weekday)> = WEEKDAYS
            .iter()
            .flat_map(|(day, full)| [(full.to_string(), *day), (format!("{full}s"), *day)])
            .collect();
        all.extend(SHORT_WEEKDAYS.iter().map(|(s, d)| (s.to_string(), *d)));
        all
    }

    fn month_spellings() -> Vec<(String, i8)> {
        let mut all: Vec<(String, i8)> = (1..=12)
            .zip(MONTHS)
            .map(|(m, s)| (s.to_string(), m))
            .collect();
        all.extend(SHORT_MONTHS.iter().map(|(s, m)| (s.to_string(), *m)));
        all
    }

    /// Writes `word` with each letter's case chosen by the bits of `case`.
    fn recase(word: &str, case: u64) -> String {
        word.chars()
            .enumerate()
            .map(|(i, c)| {
                if case >> (i % 64) & 1 == 1 {
                    c.to_ascii_uppercase()
                } else {
                    c.to_ascii_lowercase()
                }
            })
            .collect()
    }

    /// Text that exercises the splitter: letters, digits, apostrophes, hyphens, "s", non-ASCII.
    fn tricky_text() -> impl Strategy<Value = String> {
        proptest::collection::vec(
            prop_oneof![
                Just("s".to_owned()),
                Just("S".to_owned()),
                Just("'".to_owned()),
                Just("\u{2019}".to_owned()),
                Just("-".to_owned()),
                Just("\u{2011}".to_owned()),
                Just(" ".to_owned()),
                Just(".".to_owned()),
                Just("Tuesday".to_owned()),
                Just("für".to_owned()),
                Just("15".to_owned()),
                "\\PC{0,3}",
            ],
            0..24,
        )
        .prop_map(|parts| parts.concat())
    }

    proptest! {
        #[test]
        fn offsets_slice_back_to_the_word(text in tricky_text()) {
            let ws = words(&text);
            for w in &ws {
                prop_assert_eq!(&text[w.start..w.end], w.text);
                prop_assert!(!w.text.is_empty());
                prop_assert!(w.text.chars().all(char::is_alphanumeric));
            }
            // In order, apart, and each a whole run (nothing alphanumeric on either side).
            for pair in ws.windows(2) {
                prop_assert!(pair[0].end < pair[1].start);
            }
            for w in &ws {
                prop_assert!(!text[..w.start].chars().next_back().is_some_and(char::is_alphanumeric));
                prop_assert!(!text[w.end..].chars().next().is_some_and(char::is_alphanumeric));
            }
        }

        #[test]
        fn only_possessives_are_dropped(text in tricky_text()) {
            let all: Vec<Word<'_>> = runs(&text).collect();
            let kept = words(&text);
            let mut kept_iter = kept.iter().peekable();
            for (i, run) in all.iter().enumerate() {
                if kept_iter.peek() == Some(&run) {
                    kept_iter.next();
                    continue;
                }
                prop_assert!(matches!(run.text, "s" | "S"));
                prop_assert!(i > 0 && is_apostrophe(&text[all[i - 1].end..run.start]));
            }
            prop_assert!(kept_iter.next().is_none());
        }

        #[test]
        fn joined_words_are_runs_joined_by_one_joiner(text in tricky_text()) {
            // The joined words are the runs, grouped where a single hyphen or apostrophe stands
            // between two of them, then normalised.
            let mut expected: Vec<String> = Vec::new();
            let mut group: Option<(usize, usize)> = None;
            for run in runs(&text) {
                group = match group {
                    Some((start, end)) if {
                        let gap = &text[end..run.start];
                        gap.chars().count() == 1 && gap.chars().all(is_joiner)
                    } => Some((start, run.end)),
                    Some((start, end)) => {
                        expected.push(normalise(&text[start..end]));
                        Some((run.start, run.end))
                    }
                    None => Some((run.start, run.end)),
                };
            }
            if let Some((start, end)) = group {
                expected.push(normalise(&text[start..end]));
            }
            let got: Vec<String> = joined_words(&text).into_iter().map(|w| w.norm).collect();
            prop_assert_eq!(got, expected);
        }

        #[test]
        fn normalised_words_have_no_joiners_or_capitals(text in tricky_text()) {
            for w in joined_words(&text) {
                prop_assert!(!w.norm.chars().any(is_joiner));
                prop_assert_eq!(w.norm.to_lowercase(), w.norm.clone());
            }
        }

        #[test]
        fn every_weekday_spelling_reads_back(index in 0usize..32, case: u64, dot: bool) {
            let all = weekday_spellings();
            let (spelling, day) = &all[index % all.len()];
            let word = format!("{}{}", recase(spelling, case), if dot { "." } else { "" });
            let read = weekday(&word);
            prop_assert_eq!(read.map(|n| n.value), Some(*day), "{}", word);
            prop_assert_eq!(read.map(|n| n.capitalised), Some(word.starts_with(|c: char| c.is_uppercase())));
            prop_assert!(month(&word).is_none());
        }

        #[test]
        fn every_month_spelling_reads_back(index in 0usize..32, case: u64, dot: bool) {
            let all = month_spellings();
            let (spelling, m) = &all[index % all.len()];
            let word = format!("{}{}", recase(spelling, case), if dot { "." } else { "" });
            prop_assert_eq!(month(&word).map(|n| n.value), Some(*m), "{}", word);
            prop_assert!(weekday(&word).is_none());
        }

        #[test]
        fn weekday_names_read_back_as_full(day in 0i8..7) {
            let day = Weekday::from_monday_zero_offset(day).expect("a weekday offset under 7");
            let read = weekday(weekday_name(day));
            prop_assert_eq!(read.map(|n| (n.value, n.form)), Some((day, Form::Full)));
        }

        #[test]
        fn readers_never_panic(word in "\\PC{0,12}") {
            let _ = (weekday(&word), month(&word), day_number(&word), year_number(&word));
        }
    }
}
