//! Pledges: someone's word that they will contribute (a kind, or not yet known; one or more
//! themed days; a working title), the call's own first step ("include in your email which day you
//! will be submitting something against").
//!
//! [`read`] decides whether a message with no piece attached is a pledge or a short piece pasted
//! into the message, from what the text says and how long it is:
//! - it is a **pledge** when it says the sender *will* write ("I'd like to write", "I'm planning
//!   a blog", "we'll send it next week", "put me down for Tuesday") and is short (under 250
//!   words);
//! - it is a **piece** when it is long (400 words or more; a guest blog is 600–800), or when it
//!   says nothing of the kind and runs to 150 words or more;
//! - anything between is a pledge **Docket is unsure of**: the answer then offers a "this was my
//!   piece: file it" link.
//!
//! The working title is what the sender quoted ("“Joining up the data”") or what follows
//! "titled", "called", "about" or "on" after the kind ("a blog on how we joined up probation and
//! police records"); co-authors are the people the sender writes "with" ("Sam Patel and I",
//! "together with Dr Amy Chen"); an assistant's forward ("on behalf of Prof. Ada Lovelace") names
//! the author. No I/O.

use crate::call::Call;
use crate::recognise;
use crate::submission::CandidateDays;
use crate::text;

/// A pledge shorter than this many words, saying it will write, is certain.
const SURE_PLEDGE_BELOW: usize = 250;
/// From this many words, a message is a piece whatever it says.
const PIECE_FROM: usize = 400;
/// From this many words, a message that says nothing of writing later is a piece.
const QUIET_PIECE_FROM: usize = 150;

/// What a message without an attached piece is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reading {
    /// The message is the piece itself, pasted in.
    Piece,
    /// A promise (or, when `sure` is false, most likely one: the answer offers to file the
    /// message as a piece instead). `others`: promises of people writing separately, named in
    /// the same message ("Sam will write for Monday and I'll write for Wednesday"), each with its
    /// author.
    Pledge {
        promise: Promise,
        sure: bool,
        others: Vec<Promise>,
    },
}

/// What someone promised.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Promise {
    /// The kind's key, when the message names one.
    pub kind: Option<String>,
    /// The days named; `None` when the message names none.
    pub days: Option<CandidateDays>,
    pub working_title: Option<String>,
    /// Who writes it, when someone else sent the message for them.
    pub author: Option<String>,
    /// People writing it with the sender.
    pub coauthors: Vec<String>,
}

/// Phrases that say the sender will write (lower case, straight apostrophes).
const INTENT: &[&str] = &[
    "i'd like to",
    "i would like to",
    "we'd like to",
    "we would like to",
    "i'd love to",
    "we'd love to",
    "would love to",
    "i'm planning",
    "i am planning",
    "we're planning",
    "we are planning",
    "planning to",
    "plan to",
    "intend to",
    "i'll send",
    "i will send",
    "we'll send",
    "we will send",
    "i'll write",
    "i will write",
    "we'll write",
    "we will write",
    "will be submitting",
    "will be writing",
    "will submit",
    "going to write",
    "going to submit",
    "happy to write",
    "happy to contribute",
    "keen to write",
    "keen to contribute",
    "put me down",
    "put us down",
    "count me in",
    "count us in",
    "sign me up",
    "hoping to",
    "i hope to",
    "we hope to",
    "like to contribute",
    "like to submit",
    "like to write",
    "will follow",
    "to follow shortly",
    "i'll get it to you",
    "will get it to you",
    "draft to you",
    "submitting something",
    "pledge",
    "will be sending",
    "i can write",
    "we can write",
    "i could write",
];

/// Reads a message that carries no piece as a file or link: `subject` and `text` (its new text,
/// quotes and signature removed).
pub fn read(call: &Call, subject: &str, text: &str) -> Reading {
    let words = text::count_words(text);
    let says_will = says_will(text);
    if words >= PIECE_FROM || (!says_will && words >= QUIET_PIECE_FROM) {
        return Reading::Piece;
    }
    // A reply's or a forward's subject is the call's announcement, not what the sender chose.
    let own_subject = !is_reply(subject);
    let kind = match recognise::kinds_named(call, text).as_slice() {
        [only] => Some(only.clone()),
        [] if own_subject => match recognise::kinds_named(call, subject).as_slice() {
            [only] => Some(only.clone()),
            _ => None,
        },
        _ => None,
    };
    let days = recognise::candidate_days(call, text).or_else(|| {
        own_subject
            .then(|| recognise::candidate_days(call, subject))
            .flatten()
    });
    let mut promise = Promise {
        kind,
        days,
        working_title: working_title(text)
            .or_else(|| own_subject.then(|| working_title(subject)).flatten()),
        author: on_behalf_of(text),
        coauthors: coauthors(text),
    };
    let mut others = Vec::new();
    if let Some((own, theirs)) = separate_writers(call, text) {
        // Each writer's own clause says their kind and days.
        promise.kind = own.kind.or(promise.kind);
        promise.days = own.days;
        promise.working_title = own.working_title;
        promise.coauthors.clear();
        others = theirs;
    }
    Reading::Pledge {
        promise,
        sure: says_will && words < SURE_PLEDGE_BELOW,
        others,
    }
}

/// People writing separately in one message: the sender's clause ("I'll write a blog for
/// Wednesday") and someone else's ("my colleague Sam Patel will write a case study for
/// Monday"), each promising for days of its own. `None` unless there are at least two writers
/// with a day each.
fn separate_writers(call: &Call, text: &str) -> Option<(Promise, Vec<Promise>)> {
    let mut own: Option<Promise> = None;
    let mut theirs = Vec::new();
    for clause in clauses(text) {
        let lower = plain(&clause);
        let days = recognise::candidate_days(call, &clause);
        if days.is_none() || !INTENT.iter().chain(THIRD_PERSON).any(|p| lower.contains(p)) {
            continue;
        }
        let promise = |author: Option<String>| Promise {
            kind: match recognise::kinds_named(call, &clause).as_slice() {
                [only] => Some(only.clone()),
                _ => None,
            },
            days: days.clone(),
            working_title: working_title(&clause),
            author,
            coauthors: Vec::new(),
        };
        let first = lower.split_whitespace().next().unwrap_or_default();
        if matches!(
            first,
            "i" | "i'll" | "i'd" | "i'm" | "we" | "we'll" | "we'd" | "we're"
        ) {
            own.get_or_insert_with(|| promise(None));
        } else if let Some(name) = writer_named(&clause) {
            theirs.push(promise(Some(name)));
        }
    }
    (own.is_some() && !theirs.is_empty()).then(|| (own.unwrap_or_default(), theirs))
}

/// True when some clause of `text` says the sender will write or send something: an intent
/// ("I'd like to", "we plan to") about writing or a piece ("write", "send", "a blog"), or a
/// promise that says so by itself ("put me down for Tuesday"). A piece's own prose says what its
/// people plan ("we plan to roll the service out"): that is not a promise to write.
fn says_will(text: &str) -> bool {
    clauses(text).iter().any(|clause| {
        let lower = plain(clause);
        if PROMISES.iter().any(|phrase| lower.contains(phrase)) {
            return true;
        }
        INTENT.iter().any(|phrase| lower.contains(phrase))
            && lower.split(|c: char| !c.is_alphanumeric()).any(|word| {
                WRITING_WORDS.contains(&word)
                    || WRITING_STEMS.iter().any(|stem| word.starts_with(stem))
            })
    })
}

/// Intents that are promises by themselves.
const PROMISES: &[&str] = &[
    "put me down",
    "put us down",
    "count me in",
    "count us in",
    "sign me up",
    "sign us up",
    "will follow",
    "to follow shortly",
    "get it to you",
];

/// Words that make an intent a promise to write: the writing, or the piece.
const WRITING_STEMS: &[&str] = &[
    "writ",
    "send",
    "submi",
    "contribut",
    "blog",
    "piece",
    "article",
    "whitepaper",
    "podcast",
    "episode",
    "draft",
    "pledg",
    "participat",
    "involve",
];
const WRITING_WORDS: &[&str] = &["post", "case", "paper", "something", "part", "guest"];

/// What another person will do: "Sam will write", "my colleague is planning".
const THIRD_PERSON: &[&str] = &[
    " will write",
    " will send",
    " will submit",
    " is writing",
    " is planning",
    " plans to",
    " would like to",
    " wants to",
    " will be writing",
];

/// The message split into clauses: sentences, and the parts of a sentence joined by "and",
/// "while" or a semicolon.
fn clauses(text: &str) -> Vec<String> {
    text.split(['.', '!', '?', '\n', ';'])
        .flat_map(|sentence| {
            let mut parts = vec![sentence.to_owned()];
            for joint in [", and ", " and ", ", while ", " while ", ", but "] {
                parts = parts
                    .iter()
                    .flat_map(|part| part.split(joint).map(str::to_owned).collect::<Vec<_>>())
                    .collect();
            }
            parts
        })
        .map(|clause| clause.trim().to_owned())
        .filter(|clause| !clause.is_empty())
        .collect()
}

/// The person a clause is about: the capitalised words just before what they will do ("Hi
/// Jago, my colleague Sam Patel will write…" names Sam Patel).
fn writer_named(clause: &str) -> Option<String> {
    let lower = clause.to_ascii_lowercase();
    let at = THIRD_PERSON
        .iter()
        .filter_map(|marker| lower.find(marker))
        .min()?;
    let before: Vec<&str> = clause[..at].split_whitespace().collect();
    let mut name: Vec<&str> = before
        .iter()
        .rev()
        .take_while(|word| starts_capital(word) || is_title(word))
        .copied()
        .collect();
    name.reverse();
    let name: Vec<&str> = name
        .into_iter()
        .map(|word| word.trim_end_matches([',', ';', ':']))
        .collect();
    (name.iter().any(|word| !is_title(word)) && name.len() <= 4).then(|| name.join(" "))
}

/// True for "Re: …", "Fwd: …", "FW: …" subjects.
fn is_reply(subject: &str) -> bool {
    let lower = subject.trim_start().to_ascii_lowercase();
    ["re:", "re :", "fwd:", "fw:", "aw:", "wg:", "sv:", "tr:"]
        .iter()
        .any(|prefix| lower.starts_with(prefix))
}

/// Lower case with curly apostrophes made straight.
fn plain(text: &str) -> String {
    text.to_lowercase().replace(['\u{2019}', '\u{2018}'], "'")
}

/// The title the sender quoted, or the words after "titled", "called", "about" or "on" that follow
/// a mention of the piece.
fn working_title(text: &str) -> Option<String> {
    if let Some(quoted) = quoted(text) {
        return Some(quoted);
    }
    // Byte offsets into `lower` are offsets into `text`: only ASCII letters change case.
    let lower = text.to_ascii_lowercase();
    for marker in [
        "working title:",
        "title:",
        "working title is",
        "provisionally titled",
    ] {
        if let Some(at) = lower.find(marker) {
            let rest = &text[at + marker.len()..];
            let line = rest.split(['\n', ';']).next().unwrap_or_default();
            let line = line.trim().trim_end_matches(['.', '!']);
            let line = line.trim_matches(|c: char| {
                matches!(
                    c,
                    '"' | '\'' | '\u{2018}' | '\u{2019}' | '\u{201c}' | '\u{201d}'
                )
            });
            if line.split_whitespace().count() >= 2 && !line.to_ascii_lowercase().starts_with("tbc")
            {
                return Some(line.trim().to_owned());
            }
        }
    }
    const PIECE_WORDS: &[&str] = &[
        "blog",
        "post",
        "piece",
        "article",
        "case study",
        "whitepaper",
        "white paper",
        "paper",
        "podcast",
        "episode",
        "something",
    ];
    const MARKERS: &[&str] = &[" titled ", " entitled ", " called ", " about ", " on "];
    let start = PIECE_WORDS
        .iter()
        .filter_map(|word| lower.find(word).map(|at| at + word.len()))
        .min()?;
    let sentence_end = lower[start..]
        .find(['.', '!', '?', '\n', ';'])
        .map_or(lower.len(), |end| start + end);
    let (marker_at, marker) = MARKERS
        .iter()
        .filter_map(|marker| {
            let mut from = start;
            // "on Tuesday", "about the 15th": a day, not a topic.
            while let Some(found) = lower[from..sentence_end].find(marker) {
                let at = from + found;
                let after = &lower[at + marker.len()..sentence_end];
                if !names_a_time(after) {
                    return Some((at, *marker));
                }
                from = at + marker.len();
            }
            None
        })
        .min_by_key(|(at, _)| *at)?;
    let begin = marker_at + marker.len();
    let rest = &text[begin..sentence_end];
    // Up to a clause that is about something else: "…, and I'll send it by Friday".
    let cut = [
        ",",
        " \u{2013} ",
        " - ",
        " and i",
        " and we",
        " which ",
        " (",
        " for ",
    ]
    .iter()
    .filter_map(|stop| rest.to_ascii_lowercase().find(stop))
    .min()
    .unwrap_or(rest.len());
    let title: Vec<&str> = rest[..cut].split_whitespace().take(15).collect();
    if title.len() < 2 {
        return None;
    }
    let title = title.join(" ");
    let mut chars = title.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
}

/// True when `after` starts with a day or time ("tuesday", "the 15th", "monday's theme").
fn names_a_time(after: &str) -> bool {
    let first = after
        .split_whitespace()
        .find(|word| !matches!(*word, "the" | "a"))
        .unwrap_or_default()
        .trim_matches(|c: char| !c.is_alphanumeric());
    const TIMES: &[&str] = &[
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "mon",
        "tue",
        "tues",
        "wed",
        "weds",
        "thu",
        "thur",
        "thurs",
        "fri",
        "day",
        "days",
        "behalf",
        "time",
        "any",
        "either",
        "both",
        "week",
    ];
    TIMES.contains(&first.trim_end_matches("'s"))
        || first.chars().next().is_some_and(|c| c.is_ascii_digit())
}

/// Text between typographic quotes or straight double quotes, two to fifteen words (a straight
/// single quote is too often an apostrophe; "Working title: '…'" is read by its marker).
fn quoted(text: &str) -> Option<String> {
    for (open, close) in [
        ('\u{201c}', '\u{201d}'),
        ('"', '"'),
        ('\u{2018}', '\u{2019}'),
    ] {
        let mut rest = text;
        while let Some(at) = rest.find(open) {
            let after = &rest[at + open.len_utf8()..];
            let Some(end) = after.find(close) else { break };
            let inner = after[..end].trim();
            let count = inner.split_whitespace().count();
            if (2..=15).contains(&count) {
                return Some(inner.to_owned());
            }
            rest = &after[end + close.len_utf8()..];
        }
    }
    None
}

/// The name after "on behalf of" (an assistant's forward).
fn on_behalf_of(text: &str) -> Option<String> {
    let lower = plain(text);
    let at = lower.find("on behalf of ")? + "on behalf of ".len();
    name_at(&text[at..])
}

/// People the sender writes with: "Sam Patel and I", "together with Dr Amy Chen", "co-written
/// with Ben", "my colleague Jo Bloggs and I".
fn coauthors(text: &str) -> Vec<String> {
    let lower = plain(text);
    let mut names = Vec::new();
    for marker in [
        "together with ",
        "co-written with ",
        "co-authored with ",
        "jointly with ",
        "writing with ",
    ] {
        let mut from = 0;
        while let Some(found) = lower[from..].find(marker) {
            let at = from + found + marker.len();
            if let Some(name) = name_at(&text[at..]) {
                names.push(name);
            }
            from = at;
        }
    }
    // "NAME and I": the capitalised words just before " and I ".
    let mut from = 0;
    while let Some(found) = lower[from..].find(" and i ") {
        let at = from + found;
        let before: Vec<&str> = text[..at].split_whitespace().rev().take(4).collect();
        let name: Vec<&str> = before
            .into_iter()
            .take_while(|word| starts_capital(word) || is_title(word))
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        let name: Vec<&str> = name
            .into_iter()
            .skip_while(|word| matches!(*word, "My" | "Our" | "I"))
            .collect();
        if !name.is_empty()
            && name
                .iter()
                .any(|word| starts_capital(word) && !is_title(word))
        {
            names.push(name.join(" "));
        }
        from = at + 1;
    }
    names.dedup();
    names
}

/// Up to four capitalised words (titles such as "Dr" and "Prof." included) at the start of `text`.
fn name_at(text: &str) -> Option<String> {
    let words: Vec<&str> = text
        .split_whitespace()
        .skip_while(|word| {
            matches!(
                word.to_lowercase().as_str(),
                "my" | "our" | "colleague" | "the"
            )
        })
        .take_while(|word| starts_capital(word) || is_title(word))
        .take(4)
        .map(|word| {
            let word = word.trim_end_matches([',', ';', ':', ')']);
            if is_title(word) {
                word
            } else {
                word.trim_end_matches('.')
            }
        })
        .collect();
    (words.iter().any(|word| !is_title(word))).then(|| words.join(" "))
}

fn starts_capital(word: &str) -> bool {
    word.chars().next().is_some_and(char::is_uppercase)
}

fn is_title(word: &str) -> bool {
    matches!(
        word.trim_end_matches('.'),
        "Dr" | "Prof" | "Professor" | "Mr" | "Mrs" | "Ms" | "Mx" | "Sir" | "Dame"
    )
}

/// A pledge as stored: what was promised, by whom.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Pledge {
    /// The kind's key; `None`: not sure yet.
    pub kind: Option<String>,
    pub days: Option<CandidateDays>,
    pub working_title: String,
    /// A line about it.
    pub about: String,
    /// Who writes it, when not the account holder (an assistant's forward).
    pub author: String,
    pub coauthors: Vec<String>,
    pub organisation: String,
}

impl Pledge {
    /// The pledge a reading of a message makes: what the message promised, in its own words.
    pub fn from_promise(promise: &Promise, about: &str) -> Self {
        Pledge {
            kind: promise.kind.clone(),
            days: promise.days.clone(),
            working_title: promise.working_title.clone().unwrap_or_default(),
            // The whole message: when it was the piece after all, it is filed from here.
            about: about.chars().take(20_000).collect(),
            author: promise.author.clone().unwrap_or_default(),
            coauthors: promise.coauthors.clone(),
            organisation: String::new(),
        }
    }

    /// "Guest blog", or "Not sure yet".
    pub fn kind_name(&self, call: &Call) -> String {
        self.kind
            .as_deref()
            .and_then(|key| call.kind(key))
            .map_or_else(|| "Not sure yet".to_owned(), |kind| kind.name.clone())
    }
}

/// Where a pledge stands, as stored. "Fulfilled" and "lapsed" are read from the piece it led
/// to and the deadline: see [`Standing`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PledgeState {
    Open,
    /// Taken back by its author.
    Withdrawn,
    /// An editor said no ("we have enough on that day").
    Declined,
}

impl PledgeState {
    pub const ALL: [PledgeState; 3] = [
        PledgeState::Open,
        PledgeState::Withdrawn,
        PledgeState::Declined,
    ];

    /// The stored word.
    pub fn as_str(self) -> &'static str {
        match self {
            PledgeState::Open => "open",
            PledgeState::Withdrawn => "withdrawn",
            PledgeState::Declined => "declined",
        }
    }

    /// Reads the stored word.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|state| state.as_str() == text)
    }
}

/// How a pledge stands for people: its state, the piece it led to, and the deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// Promised; the piece has not come yet.
    Promised,
    /// The piece came (it was sent, not only started).
    Fulfilled,
    /// The deadline passed without the piece.
    Lapsed,
    Withdrawn,
    Declined,
}

impl Standing {
    /// `state` with `piece_sent` (the piece it led to was sent) and whether `call` still takes
    /// pieces at `now`.
    pub fn of(state: PledgeState, piece_sent: bool, call: &Call, now: jiff::Timestamp) -> Self {
        match state {
            PledgeState::Withdrawn => Standing::Withdrawn,
            PledgeState::Declined => Standing::Declined,
            PledgeState::Open if piece_sent => Standing::Fulfilled,
            PledgeState::Open
                if matches!(
                    call.phase(now),
                    crate::call::CallPhase::Closed { accept_late: false }
                ) =>
            {
                Standing::Lapsed
            }
            PledgeState::Open => Standing::Promised,
        }
    }

    /// For people.
    pub fn label(self) -> &'static str {
        match self {
            Standing::Promised => "Promised",
            Standing::Fulfilled => "Piece sent",
            Standing::Lapsed => "Lapsed",
            Standing::Withdrawn => "Withdrawn",
            Standing::Declined => "Declined",
        }
    }
}
