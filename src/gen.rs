//! Synthetic corpora for benchmarks: realistic shape, deterministic.
//!
//! Reply structure follows the depth profile of the real Reddit threads in
//! the development data (about a quarter of comments top-level, each
//! deeper level roughly 0.7× the one above): a new comment is top-level
//! with probability 1/4, otherwise it replies to an earlier comment of the
//! same thread, favouring recent ones as live threads do. Bodies mix
//! ordinary sentences with a small share of hostile and pushback phrases so
//! the detectors have work to do. The same seed gives the same bytes.

use std::io::{self, Write};

/// What to generate.
#[derive(Clone, Copy, Debug)]
pub struct GenOptions {
    /// Number of threads.
    pub threads: usize,
    /// Comments per thread.
    pub comments_per_thread: usize,
    /// Random seed.
    pub seed: u64,
    /// Share of comments that get a hostile phrase (0–1).
    pub hostile_share: f64,
    /// Share of comments that get a pushback phrase (0–1).
    pub pushback_share: f64,
}

impl Default for GenOptions {
    fn default() -> Self {
        GenOptions { threads: 1, comments_per_thread: 1000, seed: 42, hostile_share: 0.05, pushback_share: 0.08 }
    }
}

/// Output layouts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum GenFormat {
    /// The indented text layout (seed format); one page per thread, pages
    /// separated by nothing (use `threads = 1` for one page).
    Text,
    /// Generic JSONL edge list with `thread_id`.
    Jsonl,
    /// Pushshift-style comment NDJSON (`id`, `parent_id` t1_/t3_, `link_id`, …).
    Pushshift,
}

/// splitmix64: small, fast, and good enough for synthetic text.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// Next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, n)`; `n` must be positive.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

const WORDS: &[&str] = &[
    "the",
    "council",
    "said",
    "would",
    "people",
    "think",
    "about",
    "city",
    "plan",
    "because",
    "there",
    "never",
    "really",
    "money",
    "time",
    "vote",
    "report",
    "road",
    "budget",
    "years",
    "news",
    "article",
    "point",
    "agree",
    "other",
    "right",
    "work",
    "government",
    "should",
    "could",
    "maybe",
    "first",
    "again",
    "still",
    "local",
    "market",
    "price",
    "school",
    "water",
    "bridge",
    "train",
    "week",
    "story",
    "comment",
    "question",
    "answer",
    "world",
    "country",
    "change",
    "policy",
];
const HOSTILE: &[&str] = &[
    "you moron",
    "what an idiot you are",
    "these people are vermin",
    "they are subhuman filth",
    "so blow them up",
    "you are a stupid dreamer",
    "vile, contemptible A-holes",
    "what a load of bullshit",
];
const PUSHBACK: &[&str] = &[
    "Where's the proof?",
    "source?",
    "that's not true",
    "this is pure speculation",
    "how do you know that?",
    "citation needed",
    "You speak abject nonsense",
    "says who?",
];
const NAMES: &[&str] = &[
    "alice",
    "bob",
    "carol",
    "dave",
    "erin",
    "frank",
    "gina",
    "hank",
    "ines",
    "jon",
    "kemal",
    "lena",
    "mo",
    "nadia",
    "oskar",
    "pia",
    "quinn",
    "ravi",
    "sara",
    "tomas",
    "χρηστος",
    "ihraç subay",
    "Putin’s baby",
    "Terra Cotta",
];

/// One generated comment.
#[derive(Clone, Debug)]
pub struct GenComment {
    /// Index within the thread.
    pub index: usize,
    /// Parent index within the thread, `None` for top-level.
    pub parent: Option<usize>,
    /// Depth (0 = top-level).
    pub depth: usize,
    /// Author name.
    pub author: &'static str,
    /// Body text (sentences; may hold a blank-line paragraph break).
    pub text: String,
}

/// Generate one thread's comments in display (preorder) order.
pub fn gen_thread(rng: &mut Rng, opts: &GenOptions) -> Vec<GenComment> {
    let n = opts.comments_per_thread;
    // Arrival order first: parent of comment i is an earlier comment.
    let mut parent: Vec<Option<usize>> = Vec::with_capacity(n);
    for i in 0..n {
        let p = if i == 0 || rng.below(4) == 0 {
            None
        } else {
            // Favour recent comments: half the time among the last 8.
            let span = if rng.below(2) == 0 { i.min(8) } else { i };
            Some(i - 1 - rng.below(span))
        };
        parent.push(p);
    }
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut roots = Vec::new();
    for (i, p) in parent.iter().enumerate() {
        match p {
            Some(p) => children[*p].push(i),
            None => roots.push(i),
        }
    }
    // Display order is preorder; iterative so deep chains are fine.
    let mut out = Vec::with_capacity(n);
    let mut new_index = vec![usize::MAX; n];
    let mut stack: Vec<(usize, usize)> = roots.iter().rev().map(|&r| (r, 0)).collect();
    while let Some((c, d)) = stack.pop() {
        new_index[c] = out.len();
        let text = gen_text(rng, opts);
        let author = NAMES[rng.below(NAMES.len())];
        out.push(GenComment { index: out.len(), parent: parent[c], depth: d, author, text });
        stack.extend(children[c].iter().rev().map(|&k| (k, d + 1)));
    }
    for c in &mut out {
        c.parent = c.parent.map(|p| new_index[p]);
    }
    out
}

fn gen_text(rng: &mut Rng, opts: &GenOptions) -> String {
    // Log-normal-ish length: mostly 1–3 sentences, sometimes many.
    let sentences = 1 + rng.below(3) + if rng.below(10) == 0 { rng.below(8) } else { 0 };
    let mut s = String::with_capacity(sentences * 60);
    for k in 0..sentences {
        if k > 0 {
            s.push_str(if rng.below(6) == 0 { "\n\n" } else { " " });
        }
        let words = 6 + rng.below(10);
        for w in 0..words {
            let word = WORDS[rng.below(WORDS.len())];
            if w == 0 {
                let mut cs = word.chars();
                if let Some(f) = cs.next() {
                    s.extend(f.to_uppercase());
                    s.push_str(cs.as_str());
                }
            } else {
                s.push(' ');
                s.push_str(word);
            }
        }
        s.push('.');
    }
    if rng.unit() < opts.pushback_share {
        s.insert(0, ' ');
        s.insert_str(0, PUSHBACK[rng.below(PUSHBACK.len())]);
    }
    if rng.unit() < opts.hostile_share {
        s.push(' ');
        s.push_str(HOSTILE[rng.below(HOSTILE.len())]);
        s.push('.');
    }
    s
}

/// Write a generated corpus in `format`.
pub fn write_corpus<W: Write>(opts: &GenOptions, format: GenFormat, mut out: W) -> io::Result<()> {
    let mut rng = Rng::new(opts.seed);
    for t in 0..opts.threads {
        let comments = gen_thread(&mut rng, opts);
        match format {
            GenFormat::Text => write_text(t, &comments, &mut out)?,
            GenFormat::Jsonl => write_jsonl(t, &comments, &mut out)?,
            GenFormat::Pushshift => write_pushshift(t, &comments, &mut out)?,
        }
    }
    out.flush()
}

fn write_text<W: Write>(t: usize, comments: &[GenComment], out: &mut W) -> io::Result<()> {
    writeln!(out, "Generated thread {t}\n\nAn article about the city budget and the new bridge.\n")?;
    for c in comments {
        let pad = " ".repeat(2 + 2 * c.depth);
        writeln!(out, "{pad}• {}\n", c.author)?;
        for para in c.text.split("\n\n") {
            writeln!(out, "{pad}  {para}\n")?;
        }
    }
    Ok(())
}

fn write_jsonl<W: Write>(t: usize, comments: &[GenComment], out: &mut W) -> io::Result<()> {
    for c in comments {
        let rec = serde_json::json!({
            "thread_id": format!("t{t}"),
            "id": format!("t{t}c{}", c.index),
            "parent_id": c.parent.map(|p| format!("t{t}c{p}")),
            "author": c.author,
            "text": c.text,
        });
        writeln!(out, "{rec}")?;
    }
    Ok(())
}

fn write_pushshift<W: Write>(t: usize, comments: &[GenComment], out: &mut W) -> io::Result<()> {
    for c in comments {
        let rec = serde_json::json!({
            "id": format!("{t:x}x{:x}", c.index),
            "parent_id": match c.parent { Some(p) => format!("t1_{t:x}x{p:x}"), None => format!("t3_{t:x}") },
            "link_id": format!("t3_{t:x}"),
            "author": c.author,
            "body": c.text,
            "created_utc": 1_500_000_000 + c.index as u64,
            "score": 1,
            "subreddit": "generated",
        });
        writeln!(out, "{rec}")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_well_formed() {
        let opts = GenOptions { comments_per_thread: 500, ..GenOptions::default() };
        let mut a = Vec::new();
        let mut b = Vec::new();
        write_corpus(&opts, GenFormat::Jsonl, &mut a).unwrap();
        write_corpus(&opts, GenFormat::Jsonl, &mut b).unwrap();
        assert_eq!(a, b);
        let comments = gen_thread(&mut Rng::new(1), &opts);
        assert_eq!(comments.len(), 500);
        for (i, c) in comments.iter().enumerate() {
            if let Some(p) = c.parent {
                assert!(p < i, "parents come first in display order");
                assert_eq!(comments[p].depth + 1, c.depth);
            } else {
                assert_eq!(c.depth, 0);
            }
        }
        let top = comments.iter().filter(|c| c.depth == 0).count();
        assert!((75..200).contains(&top), "about a quarter top-level, got {top}");
    }
}
