//! Full-text search, the same on both backends: Docket folds the text it indexes and the words
//! people type into one form (lower case, accents and ligatures folded, anything but letters and
//! digits a space), and builds each backend's query from the parsed words, so that SQLite's FTS5
//! and PostgreSQL's text search see the same tokens and agree. Nothing typed reaches either query
//! language unfolded: a search cannot be a syntax error or an injection.

use unicode_normalization::UnicodeNormalization;

/// The most terms one search takes; further words are ignored.
const MAX_TERMS: usize = 12;
/// The longest word kept.
const MAX_WORD: usize = 64;

/// Lower case, accents and ligatures folded ("Café Ærø" → "cafe aero"), every run of anything
/// but letters and digits one space.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = true;
    for c in text.nfkd() {
        if unicode_normalization::char::is_combining_mark(c) {
            continue;
        }
        let mapped: Option<&str> = match c {
            'ß' => Some("ss"),
            'æ' | 'Æ' => Some("ae"),
            'œ' | 'Œ' => Some("oe"),
            'ø' | 'Ø' => Some("o"),
            'ł' | 'Ł' => Some("l"),
            'đ' | 'Đ' => Some("d"),
            'þ' | 'Þ' => Some("th"),
            'ı' => Some("i"),
            _ => None,
        };
        if let Some(mapped) = mapped {
            out.push_str(mapped);
            space = false;
        } else if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
            space = false;
        } else if !space {
            out.push(' ');
            space = true;
        }
    }
    out.trim_end().to_owned()
}

/// One thing to find.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Term {
    /// A word, or (with `prefix`) any word that starts with it: `justi*`.
    Word { text: String, prefix: bool },
    /// Words next to each other, in order: `"digital justice"`, or a hyphenated `e-justice`.
    Phrase(Vec<String>),
}

/// A parsed search: every term must match.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SearchQuery {
    pub terms: Vec<Term>,
}

impl SearchQuery {
    /// Reads what someone typed: words (each must appear), `"quoted phrases"`, `prefix*`.
    /// Punctuation inside a word (`e-justice`, `O'Brien`) makes a phrase of its parts.
    pub fn parse(input: &str) -> Self {
        let mut terms = Vec::new();
        let mut rest = input;
        while !rest.trim().is_empty() && terms.len() < MAX_TERMS {
            rest = rest.trim_start();
            let (chunk, quoted) = if let Some(after) = rest.strip_prefix('"') {
                match after.find('"') {
                    Some(end) => {
                        let chunk = &after[..end];
                        rest = &after[end + 1..];
                        (chunk, true)
                    }
                    None => {
                        let chunk = after;
                        rest = "";
                        (chunk, true)
                    }
                }
            } else {
                let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
                let chunk = &rest[..end];
                rest = &rest[end..];
                (chunk, false)
            };
            let prefix = !quoted && chunk.ends_with('*');
            let words: Vec<String> = fold(chunk)
                .split(' ')
                .filter(|word| !word.is_empty())
                .map(|word| word.chars().take(MAX_WORD).collect())
                .collect();
            match words.len() {
                0 => {}
                1 => terms.push(Term::Word {
                    text: words.into_iter().next().unwrap_or_default(),
                    prefix,
                }),
                _ => terms.push(Term::Phrase(words)),
            }
        }
        Self { terms }
    }

    /// True when there is nothing to search for.
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// The query in SQLite FTS5's language: every term quoted (the words hold only letters and
    /// digits), joined by AND.
    pub fn fts5(&self) -> String {
        self.terms
            .iter()
            .map(|term| match term {
                Term::Word { text, prefix: true } => format!("\"{text}\"*"),
                Term::Word { text, .. } => format!("\"{text}\""),
                Term::Phrase(words) => format!("\"{}\"", words.join(" ")),
            })
            .collect::<Vec<_>>()
            .join(" AND ")
    }

    /// The query in PostgreSQL's `tsquery` language: `&` between terms, `:*` for a prefix,
    /// `<->` between the words of a phrase.
    pub fn tsquery(&self) -> String {
        self.terms
            .iter()
            .map(|term| match term {
                Term::Word { text, prefix: true } => format!("{text}:*"),
                Term::Word { text, .. } => text.clone(),
                Term::Phrase(words) => format!("({})", words.join(" <-> ")),
            })
            .collect::<Vec<_>>()
            .join(" & ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_drops_case_accents_ligatures_and_punctuation() {
        assert_eq!(fold("Café au LAIT"), "cafe au lait");
        assert_eq!(fold("Ærø — Straße, ﬁnal"), "aero strasse final");
        assert_eq!(fold("e-justice; O'Brien"), "e justice o brien");
        assert_eq!(fold("  Łódź  2022!  "), "lodz 2022");
        assert_eq!(fold("Zoë Núñez"), "zoe nunez");
    }

    #[test]
    fn typed_searches_become_words_phrases_and_prefixes() {
        let query = SearchQuery::parse(r#"justi* "Digital Week" e-justice café"#);
        assert_eq!(
            query.terms,
            vec![
                Term::Word {
                    text: "justi".into(),
                    prefix: true
                },
                Term::Phrase(vec!["digital".into(), "week".into()]),
                Term::Phrase(vec!["e".into(), "justice".into()]),
                Term::Word {
                    text: "cafe".into(),
                    prefix: false
                },
            ]
        );
        assert_eq!(
            query.fts5(),
            r#""justi"* AND "digital week" AND "e justice" AND "cafe""#
        );
        assert_eq!(
            query.tsquery(),
            "justi:* & (digital <-> week) & (e <-> justice) & cafe"
        );
    }

    #[test]
    fn nothing_typed_can_break_out_of_the_query_language() {
        for hostile in [
            "\" OR 1=1 --",
            "a\" NEAR(b",
            "x'); DROP TABLE submissions; --",
            "!!! &&& |||",
            "\"unterminated",
            "*",
            "NOT",
        ] {
            let query = SearchQuery::parse(hostile);
            for term in &query.terms {
                let words = match term {
                    Term::Word { text, .. } => vec![text.clone()],
                    Term::Phrase(words) => words.clone(),
                };
                for word in words {
                    assert!(word.chars().all(char::is_alphanumeric), "{hostile}: {word}");
                }
            }
        }
        assert!(SearchQuery::parse("  !!  ").is_empty());
        assert_eq!(
            SearchQuery::parse(&"word ".repeat(50)).terms.len(),
            MAX_TERMS
        );
    }
}
