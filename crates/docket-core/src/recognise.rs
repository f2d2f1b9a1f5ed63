//! What a contributor's email offers: the themed days and the kind, read from its words (and, for
//! the kind, the types of its attachments). Pure functions of the call and the text: the inbound
//! mail path passes the subject and the message's new text (quotes and signatures removed).
//!
//! # Days
//!
//! [`candidate_days`] finds, in order of strength:
//!
//! * **Any day**: "any day", "any of the days", "any themed day", "whichever day", "all days",
//!   "all of the days", "every day", "each day", "all themes", "no preference". "All" needs a
//!   plural ("all day Tuesday" is not any day). When any-day wording is present it wins over named
//!   days: a piece offered for "Tuesday, or any day really" can be placed on any day.
//! * **Dates**: "15 November", "15th Nov", "15th of November", "November 15", "Nov 15th, 2022",
//!   "15 and 16 November", "14–16 November", "15/11", "15/11/2022", "15/11/22", "15.11.2022",
//!   "15.11.", "2022-11-15", "2022/11/15". Numeric dates are read **day first** (DE/UK order:
//!   15/11 is 15 November). Only when the day-first reading is impossible and the month-first one
//!   is possible ("11/15/2022") is the US order used. A dotted date without a year needs its closing
//!   dot ("15.11.") so that times and prices ("at 14.11", "£15.11") are not read as dates; a
//!   hyphenated one needs its year ("14-18" is a range of numbers). Dates without a year are read
//!   in the year nearest the call's week. "The 15th" (after "on"/"for") names the themed day with
//!   that day of the month.
//! * **Weekdays**: "Tuesday", "tuesday's", "Tuesdays", "Tue", "Tues", "Weds", "Thurs" name the
//!   call's themed day(s) on that weekday. Full names are read in any case, and so are the
//!   abbreviations that are no English word (tue, tues, weds, thu, thur, thurs); "Mon", "Wed",
//!   "Fri", "Sat", "Sun" only when capitalised ("sun", "mon" are words). "Today", "tomorrow" are
//!   never days. A weekday followed by a date ("Tuesday 15 November", "Friday 5 November") is one
//!   phrase, and **the date decides**: "Friday 5 November" (the seed's deadline) names no themed
//!   day, so Friday is not chosen either.
//! * **Themes**: a theme title is recognised by its significant words (stop words dropped,
//!   abbreviations and plurals tolerated: "emerging tech", "Connected Justice", "power of data",
//!   "user needs"): all of them for a theme of one or two such words, two of them for longer ones,
//!   close together. A single word is enough when it is *distinctive* (in no other theme's title
//!   nor the call's title, organiser or partner: "data", "reoffending", not "justice") and stands
//!   next to a word such as "theme", "day" or "topic": "data theme", "the reoffending day".
//! * Several days named → all of them. Only themed days of the call count: a date outside them
//!   (the deadline, "5 November") is no candidate.
//! * **Ranges**: two days joined by "–", "-", "to", "until", "through" (or "between … and …") name
//!   every themed day between them. A range spanning every themed day names the week itself
//!   ("Monday 14 November – Friday 18 November", "Mon–Fri" in a signature) and chooses nothing.
//!
//! ## Days that say *when*, not *which*
//!
//! A contributor writes about deadlines and their own diary too. A weekday or date is **not** a
//! candidate when it says when something happens rather than which themed day the piece is for:
//!
//! * it is tied to a limit word: directly after "by", "before", "until", "till", "due", "latest"
//!   or "deadline" (fillers such as "the", "on", "midday", "end of" may stand between: "by midday
//!   on Friday"), or directly before "deadline"/"cut-off" ("Friday's deadline", "Friday
//!   deadline");
//! * "deadline", "cut-off" or "closing" stands earlier in the same sentence, at most six words
//!   before ("Deadline for blog submissions: Midday, Friday 5 November"), unless the day is
//!   introduced by "for" ("deadline – my blog for Tuesday");
//! * it is a relative weekday ("last Tuesday", "this Friday", "next Monday"), which names a day of
//!   the sender's calendar, not of the themed week;
//! * it is followed by a time of day ("Friday afternoon", "Monday morning").
//!
//! This rule holds whether or not the deadline happens to fall on a themed day: "before Friday's
//! deadline" never chooses Friday. Named days in other sentences still count.
//!
//! # Kind
//!
//! [`kind`] scores each of the call's kinds: its key and name, and for the usual kinds common
//! synonyms, are strong evidence (3): "blog", "guest blog", "blog post", "case study",
//! "whitepaper", "white paper", "podcast". Attachments count by the kind's format: an audio
//! file 2 for audio kinds, a PDF 1 for document kinds, a word-processor or text file 1 for text
//! kinds. Weaker words ("post", "article", "report", "paper", "episode", "audio", "recording")
//! add 1, but only to a kind that a file already supports: "report" alone (a bounce's "problem
//! report") chooses nothing, "our report" with a PDF is a whitepaper. The highest score wins; a
//! tie goes to the kind mentioned first in the text; a tie with no mention (a `.docx` alone,
//! with a blog and a case-study kind) is `None`, as is no evidence.

use std::collections::BTreeSet;

use jiff::civil::{Date, Weekday};

use crate::call::{Call, Format, Kind};
use crate::submission::CandidateDays;
use crate::words::{
    self, JoinedWord, Word, day_number, joined_words, normalise, same_phrase, words as split_words,
    year_number,
};

/// The days a message offers a piece for, read from its subject and (unquoted) body.
///
/// `None` when the text names no themed day and no "any day"; see the module documentation for
/// what is read and what is deliberately ignored.
pub fn candidate_days(call: &Call, text: &str) -> Option<CandidateDays> {
    let joined = joined_words(text);
    if says_any_day(&joined) {
        return Some(CandidateDays::AnyDay);
    }
    let toks = split_words(text);
    let mut chosen = BTreeSet::new();
    for mention in mentions(call, text, &toks) {
        for date in mention.dates {
            if call.day(date).is_some() {
                chosen.insert(date);
            }
        }
    }
    chosen.extend(theme_days(call, &joined));
    if chosen.is_empty() {
        None
    } else {
        Some(CandidateDays::Days(chosen))
    }
}

/// The kind (its key), from the words and the attachments' MIME types (e.g. a PDF attached +
/// "whitepaper"; an audio attachment → the call's audio kind; "case study" → case-study);
/// `None` when nothing says, or when two kinds are equally likely and neither is named first.
pub fn kind(call: &Call, text: &str, attachment_mimes: &[&str]) -> Option<String> {
    let words: Vec<String> = joined_words(text)
        .iter()
        .map(|w| singular(&w.norm))
        .collect();
    // (score, first position) per kind.
    let mut scores: Vec<(u32, usize)> = vec![(0, usize::MAX); call.kinds.len()];
    for (index, kind) in call.kinds.iter().enumerate() {
        let (strong, weak) = kind_vocabulary(kind);
        let files: u32 = attachment_mimes
            .iter()
            .map(|mime| attachment_weight(kind.format, mime))
            .sum();
        if let Some(at) = first_phrase(&words, &strong) {
            scores[index] = (3 + files, at);
        } else if files > 0 {
            // A weak word only counts with a file of the kind's format to back it.
            let weak_at = first_phrase(&words, &weak);
            scores[index] = (
                files + u32::from(weak_at.is_some()),
                weak_at.unwrap_or(usize::MAX),
            );
        }
    }
    let best = scores.iter().map(|s| s.0).max()?;
    if best == 0 {
        return None;
    }
    let top: Vec<usize> = (0..scores.len()).filter(|&i| scores[i].0 == best).collect();
    let earliest = top.iter().map(|&i| scores[i].1).min()?;
    let winners: Vec<usize> = top
        .into_iter()
        .filter(|&i| scores[i].1 == earliest)
        .collect();
    match winners[..] {
        [only] => Some(call.kinds[only].key.as_str().to_owned()),
        _ => None,
    }
}

/// Every kind the text names by its key, name or a strong synonym ("blog", "case study"), in
/// the call's order: a message that names two ("a blog or a case study") has not chosen.
pub fn kinds_named(call: &Call, text: &str) -> Vec<String> {
    let words: Vec<String> = joined_words(text)
        .iter()
        .map(|w| singular(&w.norm))
        .collect();
    call.kinds
        .iter()
        .filter(|kind| first_phrase(&words, &kind_vocabulary(kind).0).is_some())
        .map(|kind| kind.key.as_str().to_owned())
        .collect()
}

/// The first web address in a message's text (a podcast episode kept elsewhere), as
/// [`crate::submission::parse_link`] takes it: trailing punctuation and the angle brackets mail
/// clients put around links are not part of it. Docket never fetches it.
pub fn link(text: &str) -> Option<String> {
    text.split(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"' | '(' | ')' | '[' | ']'))
        .filter(|token| {
            let lower = token.to_ascii_lowercase();
            lower.starts_with("https://") || lower.starts_with("http://")
        })
        .map(|token| token.trim_end_matches(['.', ',', ';', ':', '!', '?', '\'']))
        .find_map(|token| crate::submission::parse_link(token).ok())
}

/// True when a link's path ends like an audio file (`.mp3`, `.m4a`, `.ogg`, `.wav`, …).
pub fn is_audio_link(link: &str) -> bool {
    let path = link.split(['?', '#']).next().unwrap_or_default();
    let lower = path.to_ascii_lowercase();
    [".mp3", ".m4a", ".ogg", ".oga", ".opus", ".wav", ".aac"]
        .iter()
        .any(|ending| lower.ends_with(ending))
}

/// How long a recording is, in minutes, when the text says so: "25 minutes", "a 40-minute
/// episode", "1 hour 20 minutes", "1h 20m", "90 mins", "an hour", "half an hour", "1.5 hours".
/// The first length stated wins; `None` when none is.
pub fn duration_minutes(text: &str) -> Option<f64> {
    let lower = text.to_lowercase();
    let tokens: Vec<&str> = lower
        .split(|c: char| c.is_whitespace() || matches!(c, '-' | '(' | ')' | ',' | ';' | '/'))
        .map(|token| token.trim_matches(|c: char| matches!(c, '.' | ':' | '!' | '?' | '"' | '\'')))
        .filter(|token| !token.is_empty())
        .collect();
    if lower.contains("half an hour") || lower.contains("half-an-hour") {
        return Some(30.0);
    }
    let mut index = 0;
    while index < tokens.len() {
        let (number, unit, used) = match number_and_unit(&tokens, index) {
            Some(found) => found,
            None => {
                index += 1;
                continue;
            }
        };
        let mut minutes = number * unit;
        // "1 hour 20 minutes", "1h 20m": a smaller unit right after adds to it.
        if unit == 60.0
            && let Some((more, 1.0, _)) = number_and_unit(&tokens, index + used)
        {
            minutes += more;
        }
        if minutes > 0.0 {
            return Some(minutes);
        }
        index += used;
    }
    None
}

/// A number (or "an"/"one") and a unit of time at `at`: (number, minutes per unit, tokens used).
fn number_and_unit(tokens: &[&str], at: usize) -> Option<(f64, f64, usize)> {
    let unit_of = |word: &str| match word {
        "minute" | "minutes" | "min" | "mins" | "m" => Some(1.0),
        "hour" | "hours" | "hr" | "hrs" | "h" => Some(60.0),
        _ => None,
    };
    let token = *tokens.get(at)?;
    if matches!(token, "an" | "a" | "one") {
        // "an hour", "one minute": only before a whole unit word, never "a m".
        let next = *tokens.get(at + 1)?;
        return (next.len() >= 3)
            .then(|| unit_of(next))
            .flatten()
            .map(|unit| (1.0, unit, 2));
    }
    // "25min", "1h", "20m" written together.
    let split = token
        .find(|c: char| c.is_alphabetic())
        .unwrap_or(token.len());
    let (digits, glued) = token.split_at(split);
    let number = digits.parse::<f64>().ok().filter(|n| n.is_finite())?;
    if !glued.is_empty() {
        return unit_of(glued).map(|unit| (number, unit, 1));
    }
    let unit = unit_of(tokens.get(at + 1)?)?;
    Some((number, unit, 2))
}

// ---------------------------------------------------------------------------------------------
// Kinds

/// The strong and weak phrases (normalised, singular token sequences) for one kind.
fn kind_vocabulary(kind: &Kind) -> (Vec<Vec<String>>, Vec<Vec<String>>) {
    let mut strong: Vec<Vec<String>> = Vec::new();
    let mut weak: Vec<Vec<String>> = Vec::new();
    let add = |list: &mut Vec<Vec<String>>, phrase: &str| {
        let tokens: Vec<String> = phrase
            .split(|c: char| c.is_whitespace() || c == '-' || c == '_')
            .filter(|t| !t.is_empty())
            .map(|t| singular(&normalise(t)))
            .filter(|t| !t.is_empty())
            .collect();
        if tokens.is_empty() {
            return;
        }
        if tokens.len() > 1 {
            list.push(vec![singular(&tokens.concat())]);
        }
        list.push(tokens);
    };
    add(&mut strong, kind.key.as_str());
    add(&mut strong, &kind.name);
    let anchor: String = format!("{} {}", kind.key.as_str(), kind.name)
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect();
    for (needle, strong_words, weak_words) in SYNONYMS {
        if anchor.contains(needle) {
            for phrase in *strong_words {
                add(&mut strong, phrase);
            }
            for phrase in *weak_words {
                add(&mut weak, phrase);
            }
        }
    }
    (strong, weak)
}

/// (a word in a kind's key or name, strong synonyms, weak synonyms).
const SYNONYMS: &[(&str, &[&str], &[&str])] = &[
    (
        "blog",
        &["blog", "guest blog", "blog post", "blogpost", "op-ed"],
        &["post", "article", "opinion piece", "think piece"],
    ),
    (
        "casestudy",
        &["case study", "case-study"],
        &["customer story"],
    ),
    (
        "paper",
        &["whitepaper", "white paper", "white-paper"],
        &["report", "paper", "research paper"],
    ),
    (
        "podcast",
        &["podcast", "podcast episode", "pod cast"],
        &["episode", "audio", "recording", "audio recording"],
    ),
];

fn first_phrase(words: &[String], phrases: &[Vec<String>]) -> Option<usize> {
    phrases
        .iter()
        .filter_map(|phrase| {
            if phrase.is_empty() || phrase.len() > words.len() {
                return None;
            }
            words.windows(phrase.len()).position(|w| w == &phrase[..])
        })
        .min()
}

fn attachment_weight(format: Format, mime: &str) -> u32 {
    use crate::judge::FileShape;
    // A PDF backs a document kind only: written kinds take PDFs too, but a PDF says "document".
    match (format, FileShape::of_mime(mime)) {
        (Format::Audio, FileShape::Audio) => 2,
        (Format::Document, FileShape::Pdf) | (Format::Text, FileShape::Written) => 1,
        _ => 0,
    }
}

/// "blogs" → "blog", "studies" → "study"; short words and "-ss" words stay.
fn singular(word: &str) -> String {
    if let Some(stem) = word.strip_suffix("ies")
        && stem.len() >= 2
    {
        return format!("{stem}y");
    }
    if word.len() > 3 && word.ends_with('s') && !word.ends_with("ss") {
        return word[..word.len() - 1].to_owned();
    }
    word.to_owned()
}

// ---------------------------------------------------------------------------------------------
// Words

// Splitting into words (joined across hyphens and apostrophes or not) and the possessive rule
// live in `crate::words`, shared with the prose-date checker.

fn is(tok: Option<&Word<'_>>, words: &[&str]) -> bool {
    tok.is_some_and(|t| words.iter().any(|w| t.is(w)))
}

/// A sentence or line ends between the two tokens.
fn breaks(text: &str, before: &Word<'_>, after: &Word<'_>) -> bool {
    let gap = &text[before.end..after.start];
    gap.chars()
        .any(|c| matches!(c, '.' | '!' | '?' | ';' | '\n' | '\r'))
}

// ---------------------------------------------------------------------------------------------
// Any day

fn says_any_day(words: &[JoinedWord]) -> bool {
    const FILLERS: &[&str] = &[
        "of", "the", "our", "your", "these", "those", "five", "5", "four", "4", "three", "3",
        "seven", "7", "themed", "week", "weeks", "call", "calls",
    ];
    let w = |i: usize| words.get(i).map(|w| w.norm.as_str());
    for i in 0..words.len() {
        if w(i) == Some("no") && w(i + 1) == Some("preference") {
            return true;
        }
        let det = words[i].norm.as_str();
        if !matches!(
            det,
            "any" | "whichever" | "whatever" | "every" | "each" | "all"
        ) {
            continue;
        }
        if det == "all" && w(i + 1) == Some("week") {
            return true;
        }
        let mut j = i + 1;
        while j < words.len() && j <= i + 3 && w(j).is_some_and(|x| FILLERS.contains(&x)) {
            j += 1;
        }
        let Some(noun) = w(j) else { continue };
        let plural = matches!(noun, "days" | "themes" | "dates");
        let singular = matches!(noun, "day" | "theme" | "date");
        let ok = match det {
            "all" => plural,
            "every" | "each" => singular,
            _ => plural || singular,
        };
        if ok {
            return true;
        }
    }
    false
}

// ---------------------------------------------------------------------------------------------
// Themes

const STOP_WORDS: &[&str] = &[
    "the", "of", "a", "an", "and", "or", "for", "to", "in", "on", "at", "by", "with", "from",
    "into", "our", "your", "their", "its", "is", "are", "be", "how", "what", "why", "who", "new",
    "day", "days", "week", "theme", "themes", "just", "this", "that", "these", "those", "we",
    "you", "it", "as", "about", "not", "but", "all", "any",
];

const CUE_WORDS: &[&str] = &[
    "theme", "themes", "themed", "day", "days", "topic", "topics", "track", "strand", "session",
    "slot", "category",
];

fn significant(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for word in joined_words(text) {
        let w = word.norm;
        if w.chars().count() < 3 || STOP_WORDS.contains(&w.as_str()) {
            continue;
        }
        if !out.contains(&w) {
            out.push(w);
        }
    }
    out
}

/// A word of the text matches a word of a title: equal, one a prefix (of at least four letters)
/// of the other ("tech", "technology"; "user", "users"), or sharing their first six letters
/// ("technologies", "technology").
fn word_matches(text_word: &str, title_word: &str) -> bool {
    if STOP_WORDS.contains(&text_word) {
        return false;
    }
    if text_word == title_word {
        return true;
    }
    let a: Vec<char> = text_word.chars().collect();
    let b: Vec<char> = title_word.chars().collect();
    let common = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let shorter = a.len().min(b.len());
    (shorter >= 4 && common == shorter) || common >= 6
}

fn theme_days(call: &Call, words: &[JoinedWord]) -> BTreeSet<Date> {
    let themes: Vec<Vec<String>> = call.days.iter().map(|d| significant(&d.theme)).collect();
    let mut call_words = significant(&call.title);
    call_words.extend(significant(&call.organiser));
    if let Some(partner) = &call.partner {
        call_words.extend(significant(partner));
    }
    let mut found = BTreeSet::new();
    for (index, day) in call.days.iter().enumerate() {
        let sig = &themes[index];
        if sig.is_empty() {
            continue;
        }
        let distinctive: Vec<&String> = sig
            .iter()
            .filter(|w| {
                !themes
                    .iter()
                    .enumerate()
                    .filter(|(other, _)| *other != index)
                    .any(|(_, ws)| ws.iter().any(|o| word_matches(w, o) || word_matches(o, w)))
                    && !call_words
                        .iter()
                        .any(|o| word_matches(w, o) || word_matches(o, w))
            })
            .collect();
        let need = if sig.len() >= 3 { 2 } else { sig.len() };
        let span = sig.len() + 2;
        let matched_at = |k: usize| -> Option<usize> {
            sig.iter().position(|s| word_matches(&words[k].norm, s))
        };
        let mut hit = false;
        for start in 0..words.len() {
            if matched_at(start).is_none() {
                continue;
            }
            // Enough title words close together.
            if need >= 2 {
                let mut seen: Vec<usize> = Vec::new();
                for k in start..words.len().min(start + span) {
                    if let Some(s) = matched_at(k)
                        && !seen.contains(&s)
                    {
                        seen.push(s);
                    }
                }
                if seen.len() >= need {
                    hit = true;
                    break;
                }
            }
            // A distinctive word beside "theme", "day", "topic" …
            if distinctive
                .iter()
                .any(|d| word_matches(&words[start].norm, d))
            {
                let lo = start.saturating_sub(2);
                let hi = words.len().min(start + 3);
                if (lo..hi).any(|k| k != start && CUE_WORDS.contains(&words[k].norm.as_str())) {
                    hit = true;
                    break;
                }
            }
        }
        if hit {
            found.insert(day.date);
        }
    }
    found
}

// ---------------------------------------------------------------------------------------------
// Weekdays and dates

#[derive(Debug, Clone)]
struct Mention {
    /// First and last token of the phrase.
    first: usize,
    last: usize,
    /// The calendar dates it names (not yet limited to themed days).
    dates: Vec<Date>,
    weekday: bool,
    /// Part of a range whose first mention carries the dates.
    absorbed: bool,
    /// The phrase names the whole week: chooses nothing.
    whole_week: bool,
}

fn mentions(call: &Call, text: &str, toks: &[Word<'_>]) -> Vec<Mention> {
    let mut found: Vec<Mention> = Vec::new();
    let mut used = vec![false; toks.len()];
    // Numeric dates first: their digits must not be read again as words.
    for (start, end, year, month, day) in numeric_dates(text) {
        // Tokens are in text order: the date's digits are the run from the first token at or
        // after its start to the last one ending by its end.
        let first = toks.partition_point(|t| t.start < start);
        let past = toks.partition_point(|t| t.end <= end);
        if first >= past {
            continue;
        }
        let last = past - 1;
        for flag in &mut used[first..past] {
            *flag = true;
        }
        let mut m = mention(first, last, resolve(call, year, month, day));
        // "Tuesday 15/11": the date decides, as with words.
        if first > 0
            && !used[first - 1]
            && weekday(&toks[first - 1]).is_some()
            && same_phrase(text, &toks[first - 1], &toks[first])
        {
            used[first - 1] = true;
            m.first = first - 1;
        }
        found.push(m);
    }
    let mut i = 0;
    while i < toks.len() {
        if used[i] {
            i += 1;
            continue;
        }
        if let Some(wd) = weekday(&toks[i]) {
            if let Some((dates, last)) = date_after_weekday(call, text, toks, i) {
                for m in dates {
                    found.push(m);
                }
                i = last + 1;
                continue;
            }
            let mut m = mention(i, i, weekday_days(call, wd));
            m.weekday = true;
            found.push(m);
            i += 1;
            continue;
        }
        if let Some((ms, last)) = day_month_phrase(call, text, toks, i) {
            found.extend(ms);
            i = last + 1;
            continue;
        }
        if let Some((ms, last)) = month_day_phrase(call, text, toks, i) {
            found.extend(ms);
            i = last + 1;
            continue;
        }
        // "on the 15th", "for the 15th": a day of the month alone.
        if let Some((d, true)) = day_number(toks[i].text) {
            let after_the = is(i.checked_sub(1).map(|p| &toks[p]), &["the"])
                && is(i.checked_sub(2).map(|p| &toks[p]), &["on", "for"]);
            let after_on = is(i.checked_sub(1).map(|p| &toks[p]), &["on", "for"]);
            if after_the || after_on {
                found.push(mention(i, i, day_of_month(call, d)));
            }
        }
        i += 1;
    }
    found.sort_by_key(|m| m.first);
    join_ranges(call, text, toks, &mut found);
    for m in &mut found {
        if m.absorbed || m.whole_week || says_when(text, toks, m) {
            m.dates.clear();
        }
    }
    found
}

fn mention(first: usize, last: usize, dates: Vec<Date>) -> Mention {
    Mention {
        first,
        last,
        dates,
        weekday: false,
        absorbed: false,
        whole_week: false,
    }
}

/// Two mentions joined by a dash, "to", "until", "through" (or "between X and Y") become every
/// themed day between them.
fn join_ranges(call: &Call, text: &str, toks: &[Word<'_>], found: &mut [Mention]) {
    let mut k = 0;
    while k + 1 < found.len() {
        let (a, b) = (&found[k], &found[k + 1]);
        if b.first <= a.last {
            k += 1;
            continue;
        }
        let gap = text[toks[a.last].end..toks[b.first].start]
            .trim()
            .to_lowercase();
        let dash = matches!(
            gap.as_str(),
            "-" | "\u{2013}" | "\u{2014}" | "to" | "until" | "till" | "through" | "thru" | "--"
        );
        let between = gap == "and" && is(a.first.checked_sub(1).map(|p| &toks[p]), &["between"]);
        if !(dash || between) || a.dates.len() != 1 || b.dates.len() != 1 {
            k += 1;
            continue;
        }
        let (lo, hi) = if a.dates[0] <= b.dates[0] {
            (a.dates[0], b.dates[0])
        } else {
            (b.dates[0], a.dates[0])
        };
        let inside: Vec<Date> = call
            .days
            .iter()
            .map(|d| d.date)
            .filter(|d| lo <= *d && *d <= hi)
            .collect();
        let whole = call.days.len() > 1 && inside.len() == call.days.len();
        let last = b.last;
        let a = &mut found[k];
        a.dates = inside;
        a.whole_week = whole;
        a.last = last;
        a.weekday = false;
        found[k + 1].absorbed = true;
        k += 2;
    }
}

/// True when the mention says when something happens (a deadline, the sender's diary) rather
/// than which themed day a piece is for. See the module documentation.
fn says_when(text: &str, toks: &[Word<'_>], m: &Mention) -> bool {
    const LIMITS: &[&str] = &[
        "by",
        "before",
        "until",
        "till",
        "til",
        "untill",
        "deadline",
        "deadlines",
        "due",
        "latest",
        "cutoff",
    ];
    const FILLERS: &[&str] = &[
        "the", "on", "at", "midday", "noon", "12pm", "12", "00", "pm", "am", "end", "close", "of",
        "cob", "eod", "day", "this", "next", "coming",
    ];
    const RELATIVE: &[&str] = &["last", "this", "next", "past", "previous", "coming"];
    const AFTER: &[&str] = &[
        "deadline",
        "deadlines",
        "cutoff",
        "cut",
        "morning",
        "afternoon",
        "evening",
        "night",
        "lunchtime",
        "lunch",
    ];
    const SENTENCE: &[&str] = &["deadline", "deadlines", "cutoff", "closing"];

    let prev = |i: usize| -> Option<usize> {
        let p = i.checked_sub(1)?;
        (!breaks(text, &toks[p], &toks[i])).then_some(p)
    };
    // A relative weekday.
    if m.weekday
        && let Some(p) = prev(m.first)
        && RELATIVE.iter().any(|r| toks[p].is(r))
    {
        return true;
    }
    // Directly after a limit word, fillers allowed between.
    let mut at = m.first;
    for _ in 0..5 {
        let Some(p) = prev(at) else { break };
        let word = toks[p].lower();
        if LIMITS.contains(&word.as_str()) {
            return true;
        }
        if !FILLERS.contains(&word.as_str()) {
            break;
        }
        at = p;
    }
    // Directly before "deadline", "morning" …
    if let Some(next) = toks.get(m.last + 1)
        && !breaks(text, &toks[m.last], next)
        && AFTER.contains(&next.lower().as_str())
    {
        return true;
    }
    // "deadline" earlier in the sentence, unless the day is introduced by "for".
    let introduced_by_for = prev(m.first).is_some_and(|p| toks[p].is("for"));
    if !introduced_by_for {
        let mut at = m.first;
        for _ in 0..6 {
            let Some(p) = prev(at) else { break };
            if SENTENCE.contains(&toks[p].lower().as_str()) {
                return true;
            }
            at = p;
        }
    }
    false
}

fn weekday_days(call: &Call, weekday: Weekday) -> Vec<Date> {
    call.days
        .iter()
        .map(|d| d.date)
        .filter(|d| d.weekday() == weekday)
        .collect()
}

fn day_of_month(call: &Call, day: i8) -> Vec<Date> {
    call.days
        .iter()
        .map(|d| d.date)
        .filter(|d| d.day() == day)
        .collect()
}

/// The date for a day and month (and perhaps a year); without a year, in the year that puts it
/// nearest the call's week.
fn resolve(call: &Call, year: Option<i16>, month: i8, day: i8) -> Vec<Date> {
    let date = match year {
        Some(year) => Date::new(year, month, day).ok(),
        None => {
            // The nearest of the three readings, by a day count that is exact enough to choose
            // between years (and cheap: texts may hold many dates).
            let reference = call.week.first_day;
            let ordinal =
                |y: i16, m: i8, d: i8| i64::from(y) * 372 + i64::from(m) * 31 + i64::from(d);
            let target = ordinal(reference.year(), reference.month(), reference.day());
            [reference.year() - 1, reference.year(), reference.year() + 1]
                .into_iter()
                .filter_map(|y| Date::new(y, month, day).ok())
                .min_by_key(|d| (ordinal(d.year(), d.month(), d.day()) - target).abs())
        }
    };
    date.into_iter().collect()
}

/// After a weekday: "Tuesday 15 November", "Tuesday, 15th of Nov 2022", "Tuesday November 15",
/// "Tuesday the 15th". The date decides; the weekday is part of its phrase.
fn date_after_weekday(
    call: &Call,
    text: &str,
    toks: &[Word<'_>],
    at: usize,
) -> Option<(Vec<Mention>, usize)> {
    let mut i = at + 1;
    let next_joined = |i: usize| {
        toks.get(i)
            .filter(|t| i > 0 && same_phrase(text, &toks[i - 1], t))
    };
    if next_joined(i).is_some_and(|t| t.is("the")) {
        i += 1;
    }
    next_joined(i)?;
    if let Some((mut ms, last)) = day_month_phrase(call, text, toks, i) {
        if let Some(first) = ms.first_mut() {
            first.first = at;
        }
        return Some((ms, last));
    }
    if let Some((mut ms, last)) = month_day_phrase(call, text, toks, i) {
        if let Some(first) = ms.first_mut() {
            first.first = at;
        }
        return Some((ms, last));
    }
    // "Tuesday 15th", "Tuesday the 15th": an ordinal alone.
    if let Some((day, true)) = day_number(toks[i].text) {
        return Some((vec![mention(at, i, day_of_month(call, day))], i));
    }
    None
}

const MAX_CHAIN: usize = 8;

/// A chain of day numbers: "15", "15 and 16", "14–16", "15, 16 & 18": (day, token) pairs and the
/// last token used.
fn day_chain(text: &str, toks: &[Word<'_>], at: usize) -> Option<(Vec<(i8, usize)>, usize)> {
    let (first, _) = day_number(toks.get(at)?.text)?;
    let mut days = vec![(first, at)];
    let mut last = at;
    // A week has a handful of days: a longer chain of numbers is no list of dates (and reading
    // one from every number of it would take quadratic time).
    while days.len() < MAX_CHAIN {
        let mut j = last + 1;
        if is(
            toks.get(j),
            &["and", "or", "to", "until", "till", "through", "thru"],
        ) {
            j += 1;
        }
        let Some(next) = toks.get(j) else { break };
        let gap = &text[toks[last].end..next.start];
        let gap_ok = gap.len() <= 12
            && gap.chars().all(|c| {
                c.is_alphabetic()
                    || c.is_whitespace()
                    || matches!(c, ',' | '&' | '/' | '-' | '\u{2013}' | '\u{2014}')
            });
        match day_number(next.text) {
            Some((day, _)) if gap_ok && !breaks(text, &toks[last], next) => {
                days.push((day, j));
                last = j;
            }
            _ => break,
        }
    }
    Some((days, last))
}

/// "15 November", "15th of Nov 2022", "15 and 16 November", "14–18 November".
fn day_month_phrase(
    call: &Call,
    text: &str,
    toks: &[Word<'_>],
    at: usize,
) -> Option<(Vec<Mention>, usize)> {
    let (days, last_day) = day_chain(text, toks, at)?;
    let mut j = last_day + 1;
    let next_joined = |j: usize| toks.get(j).filter(|t| same_phrase(text, &toks[j - 1], t));
    if next_joined(j).is_some_and(|t| t.is("of")) {
        j += 1;
    }
    let month_tok = next_joined(j)?;
    let month = month(month_tok.text)?;
    let (year, last) = year_after(text, toks, j);
    let count = days.len();
    let ms = days
        .into_iter()
        .enumerate()
        .map(|(n, (day, tok))| {
            let end = if n + 1 == count { last } else { tok };
            mention(tok, end, resolve(call, year, month, day))
        })
        .collect();
    Some((ms, last))
}

/// "November 15", "Nov 15th, 2022", "November 15 and 16", "Nov 14-16".
fn month_day_phrase(
    call: &Call,
    text: &str,
    toks: &[Word<'_>],
    at: usize,
) -> Option<(Vec<Mention>, usize)> {
    let month = month(toks.get(at)?.text)?;
    let first_day = toks.get(at + 1)?;
    if !same_phrase(text, &toks[at], first_day) {
        return None;
    }
    let (days, last_day) = day_chain(text, toks, at + 1)?;
    let (year, last) = year_after(text, toks, last_day);
    let count = days.len();
    let ms = days
        .into_iter()
        .enumerate()
        .map(|(n, (day, tok))| {
            let first = if n == 0 { at } else { tok };
            let end = if n + 1 == count { last } else { tok };
            mention(first, end, resolve(call, year, month, day))
        })
        .collect();
    Some((ms, last))
}

fn year_after(text: &str, toks: &[Word<'_>], at: usize) -> (Option<i16>, usize) {
    match toks.get(at + 1) {
        Some(t) if same_phrase(text, &toks[at], t) => match year_number(t.text) {
            Some(year) => (Some(year), at + 1),
            None => (None, at),
        },
        _ => (None, at),
    }
}

/// A weekday as an email writes it: every spelling in any case ("tuesday", "TUES", "weds",
/// "Mondays"), except those that are ordinary words too ("mon", "wed", "fri", "sat", "sun"),
/// which count only when capitalised.
fn weekday(tok: &Word<'_>) -> Option<Weekday> {
    let name = words::weekday(tok.text)?;
    (!name.also_a_word || name.capitalised).then_some(name.value)
}

/// A month as an email writes it: every spelling in any case ("nov", "Sept"), except "may",
/// "march" and "mar", which are verbs too and count only when capitalised.
fn month(word: &str) -> Option<i8> {
    let name = words::month(word)?;
    (!name.also_a_word || name.capitalised).then_some(name.value)
}

/// Numeric dates: (start, end, year, month, day). See the module documentation for the forms.
fn numeric_dates(text: &str) -> Vec<(usize, usize, Option<i16>, i8, i8)> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let digits_at =
        |i: usize| -> usize { bytes[i..].iter().take_while(|b| b.is_ascii_digit()).count() };
    let mut i = 0;
    while i < bytes.len() {
        if !bytes[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let run = digits_at(i);
        // Start only at the beginning of a number, not inside "1.15/11", "x15" or "£15.11".
        let before: Vec<char> = text[..i].chars().rev().take(2).collect();
        let starts_clean = match before.first() {
            None => true,
            Some(p) if p.is_alphanumeric() || matches!(p, '£' | '$' | '€' | '#') => false,
            Some('/' | '.' | '-') => !before.get(1).is_some_and(|c| c.is_ascii_digit()),
            Some(_) => true,
        };
        if !starts_clean {
            i += run;
            continue;
        }
        if let Some((end, year, month, day)) = numeric_date_at(text, i) {
            found.push((i, end, year, month, day));
            i = end;
        } else {
            i += run;
        }
    }
    found
}

fn numeric_date_at(text: &str, start: usize) -> Option<(usize, Option<i16>, i8, i8)> {
    let bytes = text.as_bytes();
    let number = |at: usize| -> Option<(u32, usize, usize)> {
        let len = bytes
            .get(at..)?
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        if len == 0 || len > 4 {
            return None;
        }
        let value = std::str::from_utf8(&bytes[at..at + len])
            .ok()?
            .parse()
            .ok()?;
        Some((value, len, at + len))
    };
    let (a, a_len, after_a) = number(start)?;
    let sep = *bytes.get(after_a)?;
    if !matches!(sep, b'/' | b'.' | b'-') {
        return None;
    }
    let (b, b_len, after_b) = number(after_a + 1)?;
    if b_len > 2 {
        return None;
    }
    let mut end = after_b;
    let mut c: Option<(u32, usize)> = None;
    if bytes.get(after_b) == Some(&sep)
        && let Some((value, len, after_c)) = number(after_b + 1)
    {
        // A year of two or four digits; a one-digit day after a four-digit year.
        if len == 2 || len == 4 || (a_len == 4 && len == 1) {
            c = Some((value, len));
            end = after_c;
        }
    }
    // What follows must end the number: not a letter or digit, nor a separator and a digit.
    let mut after = text.get(end..).unwrap_or("").chars();
    let follows_ok = match after.next() {
        None => true,
        Some(n) if n.is_alphanumeric() => false,
        Some('/' | '.' | '-') => !after.next().is_some_and(|c| c.is_ascii_digit()),
        Some(_) => true,
    };
    if !follows_ok {
        return None;
    }
    let small = |v: u32| i8::try_from(v).ok();
    if a_len == 4 {
        // Year first: 2022-11-15, 2022/11/15.
        let (d, _) = c?;
        let year = i16::try_from(a).ok()?;
        return Some((end, Some(year), small(b)?, small(d)?));
    }
    if a_len > 2 {
        return None;
    }
    let year = match c {
        Some((y, 4)) => Some(i16::try_from(y).ok()?),
        Some((y, 2)) => Some(2000 + i16::try_from(y).ok()?),
        Some(_) => return None,
        None => {
            match sep {
                b'-' => return None,
                // "15.11." needs its closing dot; the dot stays outside the date.
                b'.' if bytes.get(end) != Some(&b'.') => return None,
                _ => None,
            }
        }
    };
    let (day, month) = (small(a)?, small(b)?);
    let valid = |d: i8, m: i8| (1..=12).contains(&m) && (1..=31).contains(&d);
    if valid(day, month) {
        Some((end, year, month, day))
    } else if valid(month, day) {
        // Day first is impossible, month first is possible: a US date (11/15/2022).
        Some((end, year, day, month))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_swallow_possessives() {
        let toks = split_words("Tuesday's data theme, Weds’s");
        let words: Vec<&str> = toks.iter().map(|t| t.text).collect();
        assert_eq!(words, vec!["Tuesday", "data", "theme", "Weds"]);
        let joined: Vec<String> = joined_words("re-offending Tuesday's case-study")
            .into_iter()
            .map(|w| w.norm)
            .collect();
        assert_eq!(joined, vec!["reoffending", "tuesday", "casestudy"]);
    }

    #[test]
    fn numeric_forms() {
        let read = |t: &str| {
            numeric_dates(t)
                .into_iter()
                .map(|(_, _, y, m, d)| (y, m, d))
                .collect::<Vec<_>>()
        };
        assert_eq!(read("15/11"), vec![(None, 11, 15)]);
        assert_eq!(read("on 15/11/2022."), vec![(Some(2022), 11, 15)]);
        assert_eq!(read("15.11.2022"), vec![(Some(2022), 11, 15)]);
        assert_eq!(read("am 15.11. bitte"), vec![(None, 11, 15)]);
        assert_eq!(read("at 14.11 sharp"), vec![]);
        assert_eq!(read("2022-11-15"), vec![(Some(2022), 11, 15)]);
        assert_eq!(read("11/15/2022"), vec![(Some(2022), 11, 15)]);
        assert_eq!(read("15/11/22"), vec![(Some(2022), 11, 15)]);
        assert_eq!(read("14-18 November"), vec![]);
        assert_eq!(read("v1.15/11"), vec![]);
        assert_eq!(read("1.2.3.4"), vec![]);
    }

    #[test]
    fn singular_forms() {
        assert_eq!(singular("blogs"), "blog");
        assert_eq!(singular("studies"), "study");
        assert_eq!(singular("class"), "class");
        assert_eq!(singular("its"), "its");
    }

    #[test]
    fn a_podcasts_link_and_length_are_read_from_the_message() {
        let text = "Hi Jago, our podcast episode for Thursday is here: https://pods.example.org/ep12.mp3, 25 minutes long.";
        assert_eq!(
            link(text).as_deref(),
            Some("https://pods.example.org/ep12.mp3")
        );
        assert!(is_audio_link("https://pods.example.org/ep12.MP3?dl=1"));
        assert!(!is_audio_link("https://pods.example.org/episodes/12"));
        assert_eq!(
            link("see <https://example.org/a>."),
            Some("https://example.org/a".into())
        );
        assert_eq!(link("no link here, javascript:alert(1)"), None);
        for (said, minutes) in [
            (text, Some(25.0)),
            ("a 40-minute episode", Some(40.0)),
            ("It runs 1 hour 20 minutes", Some(80.0)),
            ("1h 05m", Some(65.0)),
            ("about 90 mins", Some(90.0)),
            ("just over an hour", Some(60.0)),
            ("half an hour", Some(30.0)),
            ("1.5 hours", Some(90.0)),
            ("25min", Some(25.0)),
            ("our episode for Thursday", None),
            ("I am a man", None),
        ] {
            assert_eq!(duration_minutes(said), minutes, "{said}");
        }
    }
}
