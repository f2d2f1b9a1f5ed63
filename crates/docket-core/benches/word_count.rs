//! Throughput of the word counter on ~8 MB of mixed prose (against plain `split_whitespace`)
//! and of the Markdown counter on ~2 MB of Markdown.
//!
//! Run with `cargo bench -p docket-core --bench word_count`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use docket_core::text::{count_markdown_words, count_words};

/// Runs of each measurement; the median is reported.
const RUNS: usize = 15;

/// A small deterministic generator (xorshift64*), so every run measures the same text.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const WORDS: &[&str] = &[
    "the",
    "of",
    "and",
    "to",
    "in",
    "a",
    "is",
    "that",
    "for",
    "it",
    "as",
    "with",
    "was",
    "on",
    "editor",
    "writers",
    "submission",
    "guest",
    "blog",
    "deadline",
    "community",
    "review",
    "draft",
    "published",
    "readers",
    "story",
    "experience",
    "practical",
    "approach",
    "because",
    "through",
    "between",
    "however",
    "important",
    "developers",
    "conference",
    "workshop",
    "don’t",
    "it's",
    "we’re",
    "state-of-the-art",
    "open-source",
    "well-known",
    "e.g.",
    "i.e.",
    "1,000",
    "2024-11-05",
    "3.5",
    "42%",
    "$20",
    "Q&A",
    "café",
    "naïve",
    "Zürich",
    "résumé",
];

const EXTRAS: &[&str] = &[
    "https://www.example.com/guides/a-b?ref=docket",
    "http://docs.example.org/2024/11/writing-tips",
    "—",
    " – ",
    "…",
    " - ",
    "“quoted words”",
    "(in brackets)",
    "日本語のテキストです。",
    "中文文本，很好。",
    "「カタカナ」",
    "한국어 문장",
    "Привет мир",
    "🚀",
];

/// Mixed prose: English sentences with punctuation, URLs, dashes, numbers and some CJK.
fn prose(target_bytes: usize, rng: &mut Rng) -> String {
    let mut text = String::with_capacity(target_bytes + 256);
    while text.len() < target_bytes {
        let words = 6 + rng.below(18);
        for w in 0..words {
            if w > 0 {
                text.push(if rng.below(12) == 0 { ',' } else { ' ' });
                if text.ends_with(',') {
                    text.push(' ');
                }
            }
            if rng.below(10) == 0 {
                text.push_str(rng.pick(EXTRAS));
            } else {
                text.push_str(rng.pick(WORDS));
            }
        }
        text.push_str([". ", "? ", "! ", ".\n\n"][rng.below(4)]);
    }
    text
}

/// Markdown: headings, paragraphs with emphasis, code and links, lists, quotes, code blocks.
fn markdown(target_bytes: usize, rng: &mut Rng) -> String {
    let mut md = String::with_capacity(target_bytes + 1024);
    while md.len() < target_bytes {
        md.push_str(&format!("## {} {}\n\n", rng.pick(WORDS), rng.pick(WORDS)));
        for _ in 0..3 {
            let sentence = prose(200, rng);
            let sentence = sentence.trim_end();
            md.push_str(&format!(
                "Some **{}** and _{}_ with `{}` and a [link to {}](https://example.org/{}). {}\n\n",
                rng.pick(WORDS),
                rng.pick(WORDS),
                rng.pick(WORDS),
                rng.pick(WORDS),
                rng.below(1000),
                sentence
            ));
        }
        for _ in 0..3 {
            md.push_str(&format!(
                "* {} {} {}\n",
                rng.pick(WORDS),
                rng.pick(WORDS),
                rng.pick(EXTRAS)
            ));
        }
        md.push_str(&format!(
            "\n> {} {} &amp; {}\n\n",
            rng.pick(WORDS),
            rng.pick(WORDS),
            rng.pick(WORDS)
        ));
        md.push_str("```rust\nlet words = count_words(&text);\n```\n\n");
        md.push_str("![a diagram](diagram.png) <span>inline html</span>\n\n");
    }
    md
}

/// Median time of `RUNS` runs of `f` over `input`, after one warm-up run.
fn time(input: &str, f: impl Fn(&str) -> usize) -> (Duration, usize) {
    let (a, _, words, _) = time_pair(input, &f, &f);
    (a, words)
}

/// Median times of `RUNS` runs each of `a` and `b` over `input`, taken in turn so that both
/// see the same machine load, after one warm-up run each; and their results.
fn time_pair(
    input: &str,
    a: impl Fn(&str) -> usize,
    b: impl Fn(&str) -> usize,
) -> (Duration, Duration, usize, usize) {
    let (result_a, result_b) = (a(black_box(input)), b(black_box(input)));
    let mut times_a = Vec::with_capacity(RUNS);
    let mut times_b = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let start = Instant::now();
        black_box(a(black_box(input)));
        times_a.push(start.elapsed());
        let start = Instant::now();
        black_box(b(black_box(input)));
        times_b.push(start.elapsed());
    }
    times_a.sort();
    times_b.sort();
    (times_a[RUNS / 2], times_b[RUNS / 2], result_a, result_b)
}

fn mb_per_s(bytes: usize, elapsed: Duration) -> f64 {
    bytes as f64 / 1e6 / elapsed.as_secs_f64()
}

fn main() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let text = prose(8_000_000, &mut rng);
    let md = markdown(2_000_000, &mut rng);

    let (ours, reference, words, pieces) =
        time_pair(&text, count_words, |t| t.split_whitespace().count());
    let ours_mbs = mb_per_s(text.len(), ours);
    let reference_mbs = mb_per_s(text.len(), reference);
    println!(
        "input: {:.1} MB of prose, {words} words ({pieces} pieces between white space)",
        text.len() as f64 / 1e6
    );
    println!(
        "count_words: {ours_mbs:.1} MB/s (reference split_whitespace: {reference_mbs:.1} MB/s, ratio {:.2})",
        ours_mbs / reference_mbs
    );

    let (markdown_time, markdown_words) = time(&md, count_markdown_words);
    println!(
        "count_markdown_words: {:.1} MB/s ({:.1} MB of Markdown, {markdown_words} words)",
        mb_per_s(md.len(), markdown_time),
        md.len() as f64 / 1e6
    );
}
