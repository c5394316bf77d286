//! Reader for scraped pages where indentation shows who replies to whom.
//!
//! The layout (see `docs/formats.md` for the variants measured on real
//! browser dumps):
//!
//! ```text
//! Article title and paragraphs …
//!
//!   • Author                      <- a bullet line starts a comment
//!
//!     Body paragraph …            <- its body, deeper than the bullet
//!
//!     • Replier 3 hours ago       <- a reply, one indentation step deeper
//!
//!       Reply body …
//! ```
//!
//! Bullet glyphs and the indentation step are read from the data, not
//! assumed: a bullet line counts as an author line only when the next
//! non-blank line sits deeper (its body or a reply), which keeps markdown
//! lists in an article from being read as comments. Depth comes from the
//! bullet column, `(column - base) / step`. Tabs expand to 8-column stops;
//! CR, a BOM and non-breaking spaces do not matter.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use regex::Regex;

use crate::builder::ThreadBuilder;
use crate::model::{
    Comment, CommentExtra, CommentStatus, Diagnostic, DiagnosticKind, LineRole, LineRoles, LineSpan, Source, Thread,
};
use crate::read::article::{self, parse_article};

/// Glyphs that browsers and scrapers put before an author line.
const BULLETS: &[char] = &[
    '•', '◦', '▪', '▫', '■', '□', '●', '○', '◆', '◇', '☆', '★', '‣', '⁃', '∙', '*', '+', 'o', '#', '@', '=', '-', '–',
];

/// First bytes a bullet glyph can start with: every glyph is ASCII or
/// starts with the UTF-8 lead byte 0xE2 (U+2000–U+2FFF).
static BULLET_FIRST_BYTE: [bool; 256] = {
    let mut table = [false; 256];
    let mut k = 0;
    while k < BULLETS.len() {
        let mut buf = [0u8; 4];
        table[BULLETS[k].encode_utf8(&mut buf).as_bytes()[0] as usize] = true;
        k += 1;
    }
    table
};

/// Longest author line (after the glyph) that can still be a name plus chrome.
const MAX_HEADER_CHARS: usize = 160;
/// Longest name, in characters and words.
const MAX_NAME_CHARS: usize = 80;
const MAX_NAME_WORDS: usize = 8;

const TIME_UNITS: &str = r"(?:second|sec|minute|min|hour|hr|day|week|month|year|yr)s?";
const MONTHS: &str = r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)";

/// Page chrome that may follow the name on an author line.
static CHROME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?ix)(?:^|[\s•·|,]+)(?:
            (?P<ago>(?:\d+|an?|one)\s+{TIME_UNITS}\s+ago|just\ now|yesterday|today)
          | (?P<date>{MONTHS}\.?\s+\d{{1,2}},?\s+\d{{4}}(?:,?\s+(?:at\s+)?\d{{1,2}}:\d{{2}}\s*(?:[ap]\.?m\.?)?)?
                   | \d{{1,2}}\s+{MONTHS}\.?,?\s+\d{{4}}(?:,?\s+(?:at\s+)?\d{{1,2}}:\d{{2}}\s*(?:[ap]\.?m\.?)?)?
                   | \d{{4}}-\d{{2}}-\d{{2}}(?:[T\s]\d{{2}}:\d{{2}}(?::\d{{2}})?Z?)?
                   | \d{{1,2}}/\d{{1,2}}/\d{{2,4}})
          | (?P<score>[-+−]?\d[\d,]*)\s+(?:points?|likes?|votes?|upvotes?)
          | (?P<word>reply|share\s*›?|edited|report|permalink|flag|like|says:|said:|wrote:|\(edited\))
        )(?:\b|\s|$)",
    ))
    .expect("chrome pattern compiles")
});

/// Marker of a comment cut short by the page.
static READ_MORE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\s*(?:read|show|see)\s+more\s*(?:»|›|>>|…)?\s*$").expect("read-more pattern compiles")
});

/// One input line, measured.
#[derive(Clone, Copy, Debug)]
struct Line<'a> {
    /// Column of the first non-space character.
    indent: usize,
    /// The line without surrounding whitespace.
    content: &'a str,
}

impl<'a> Line<'a> {
    // Inlined into the one loop that measures every line: the call's
    // register saves cost more than the fast paths inside.
    #[inline(always)]
    fn measure(raw: &'a str) -> Line<'a> {
        // Fast path: ASCII spaces, then a non-space ASCII byte.
        let bytes = raw.as_bytes();
        let spaces = leading_spaces(bytes);
        if spaces == bytes.len() {
            // An empty slice of `raw` itself, so pointer spans stay inside the text.
            return Line { indent: spaces, content: &raw[spaces..] };
        }
        let first_is_text = match bytes[spaces] {
            b if b.is_ascii() => !b.is_ascii_whitespace(),
            // A multi-byte character (a bullet glyph, a letter): whitespace only for a few code points.
            _ => raw[spaces..].chars().next().is_some_and(|c| !c.is_whitespace()),
        };
        if first_is_text {
            // Most lines end in an ASCII byte that is not whitespace:
            // nothing to trim.
            let last = bytes[bytes.len() - 1];
            let content = if last < 0x80 && !matches!(last, b' ' | b'\t'..=b'\r') {
                &raw[spaces..]
            } else {
                raw[spaces..].trim_end()
            };
            return Line { indent: spaces, content };
        }
        let mut indent = 0;
        let mut start = raw.len();
        for (i, ch) in raw.char_indices() {
            match ch {
                ' ' => indent += 1,
                '\t' => indent = (indent / 8 + 1) * 8,
                c if c.is_whitespace() => indent += 1,
                _ => {
                    start = i;
                    break;
                }
            }
        }
        Line { indent, content: raw[start..].trim_end() }
    }

    /// If this line is `GLYPH name …`, the glyph and what follows it.
    // Inlined: most lines leave at the first-byte test, cheaper than a call.
    #[inline(always)]
    fn bullet(&self) -> Option<(char, &'a str)> {
        // Every glyph is ASCII or starts with the UTF-8 lead byte 0xE2
        // (U+2000–U+2FFF); most lines are ruled out by their first byte.
        let first = *self.content.as_bytes().first()?;
        if !BULLET_FIRST_BYTE[usize::from(first)] {
            return None;
        }
        let mut chars = self.content.chars();
        let glyph = chars.next()?;
        if !BULLETS.contains(&glyph) {
            return None;
        }
        let rest = chars.as_str();
        // Usually one space, then an ASCII letter: no trimming needed.
        let after = match rest.as_bytes() {
            [b' ', c, ..] if c.is_ascii() && !matches!(c, b' ' | b'\t'..=b'\r') => &rest[1..],
            _ => rest.trim_start(),
        };
        // The glyph must be followed by whitespace, then something.
        if after.len() == rest.len() || after.is_empty() || !at_most_chars(after, MAX_HEADER_CHARS) {
            return None;
        }
        Some((glyph, after))
    }
}

/// Byte offsets and line indices as a page's per-line and per-comment
/// tables store them: `u32` for inputs under 4 GiB (every page seen), or
/// `usize` above.
trait Offset: Copy + Eq + std::fmt::Debug {
    /// The value meaning "none" (never a real offset or line index).
    const NONE: Self;
    /// `n`, which the caller guarantees fits.
    fn of(n: usize) -> Self;
    fn get(self) -> usize;
}

impl Offset for u32 {
    const NONE: u32 = u32::MAX;
    #[inline(always)]
    fn of(n: usize) -> u32 {
        debug_assert!(n < u32::MAX as usize);
        n as u32
    }
    #[inline(always)]
    fn get(self) -> usize {
        self as usize
    }
}

impl Offset for usize {
    const NONE: usize = usize::MAX;
    #[inline(always)]
    fn of(n: usize) -> usize {
        n
    }
    #[inline(always)]
    fn get(self) -> usize {
        self
    }
}

/// A measured line as the page keeps it: where its content starts and
/// ends in the text, and its column. 12 bytes a line (24 for inputs of 4
/// GiB or more) instead of a [`Line`]'s 24: a 195 MB page has 4.4 million
/// lines, all alive while the comments are read (docs/performance.md,
/// "Memory of one thread").
#[derive(Clone, Copy, Debug)]
struct Stored<O> {
    /// Byte offset of the content in the text.
    start: O,
    /// Byte offset just past the content.
    end: O,
    /// Column of the first non-space character, saturated at `u32::MAX`.
    indent: u32,
}

/// Every line of a page, measured once and stored compactly; [`Lines::at`]
/// gives the [`Line`] view back.
struct Lines<'a, O> {
    text: &'a str,
    stored: Vec<Stored<O>>,
}

impl<'a, O: Offset> Lines<'a, O> {
    /// Split and measure `text`; `O` must hold `text.len()`.
    fn new(text: &'a str) -> Lines<'a, O> {
        let base = text.as_ptr() as usize;
        let mut stored = Vec::with_capacity(text.len() / 40 + 1);
        stored.extend(split_lines(text).map(|raw| {
            let line = Line::measure(raw);
            let start = line.content.as_ptr() as usize - base;
            Stored {
                start: O::of(start),
                end: O::of(start + line.content.len()),
                indent: u32::try_from(line.indent).unwrap_or(u32::MAX),
            }
        }));
        Lines { text, stored }
    }

    fn len(&self) -> usize {
        self.stored.len()
    }

    /// Line `i` (0-based).
    #[inline(always)]
    fn at(&self, i: usize) -> Line<'a> {
        let s = self.stored[i];
        Line { indent: s.indent as usize, content: self.content_of(s) }
    }

    #[inline(always)]
    fn content_of(&self, s: Stored<O>) -> &'a str {
        &self.text[s.start.get()..s.end.get()]
    }

    /// Could line `i` be a bullet line? Its first byte, tested as
    /// [`Line::bullet`] tests it first, without making the line.
    #[inline(always)]
    fn may_be_bullet(&self, i: usize) -> bool {
        let s = self.stored[i];
        s.start != s.end && BULLET_FIRST_BYTE[usize::from(self.text.as_bytes()[s.start.get()])]
    }

    #[inline(always)]
    fn indent(&self, i: usize) -> usize {
        self.stored[i].indent as usize
    }

    #[inline(always)]
    fn is_blank(&self, i: usize) -> bool {
        let s = self.stored[i];
        s.start == s.end
    }

    /// Bytes of content in lines `from..to`, plus two per line for the
    /// separators: at least what a comment body made of them holds.
    fn body_bytes(&self, from: usize, to: usize) -> usize {
        let bytes = self.stored[from..to].iter().filter(|s| s.start != s.end).map(|s| s.end.get() - s.start.get() + 2);
        bytes.sum::<usize>().saturating_sub(2)
    }
}

/// The number of leading `' '` bytes, eight at a time.
fn leading_spaces(bytes: &[u8]) -> usize {
    let mut n = 0;
    while let Some(chunk) = bytes.get(n..n + 8) {
        let Ok(chunk) = <[u8; 8]>::try_from(chunk) else { break };
        // Zero bytes where the input has a space; the lowest non-zero
        // byte is the first other byte.
        let diff = u64::from_le_bytes(chunk) ^ 0x2020_2020_2020_2020;
        if diff != 0 {
            return n + (diff.trailing_zeros() / 8) as usize;
        }
        n += 8;
    }
    n + bytes[n..].iter().position(|&b| b != b' ').unwrap_or(bytes.len() - n)
}

/// An author line split into the name and the page chrome after it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuthorLine {
    /// The name as shown.
    pub name: String,
    /// Timestamp text ("3 hours ago", a date).
    pub created_at: Option<String>,
    /// Points or likes.
    pub score: Option<i64>,
    /// Other chrome words ("Reply", "Edited", …), space-joined.
    pub chrome: Option<String>,
}

/// Could `text` hold chrome at all? Every date and score form has a digit;
/// the rest are whole words. Checked before the regex: most author lines
/// are a bare name. One pass over the bytes: digits and the words between
/// ASCII whitespace (as `split_ascii_whitespace` cuts them).
fn has_chrome_hint(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if b.is_ascii_digit() {
            return true;
        }
        if b.is_ascii_whitespace() {
            if i > start && is_chrome_word_bytes(&bytes[start..i], false) {
                return true;
            }
            start = i + 1;
        }
    }
    start < bytes.len() && is_chrome_word_bytes(&bytes[start..], false)
}

/// Is `word` one of the words chrome is made of (or, with `first`, one a
/// chrome-only line can start with)?
fn is_chrome_word(word: &str, first: bool) -> bool {
    is_chrome_word_bytes(word.as_bytes(), first)
}

/// [`is_chrome_word`] on bytes.
fn is_chrome_word_bytes(mut word: &[u8], first: bool) -> bool {
    // Trim `(),.` and `›` (E2 80 BA) on bytes: this runs for every word
    // of every author line.
    while let [b'(' | b')' | b',' | b'.', rest @ ..] | [0xE2, 0x80, 0xBA, rest @ ..] = word {
        word = rest;
    }
    while let [rest @ .., b'(' | b')' | b',' | b'.'] | [rest @ .., 0xE2, 0x80, 0xBA] = word {
        word = rest;
    }
    // Most words (names) are ruled out by their length and first letter
    // before any comparison.
    let shapes = if first { &CHROME_FIRST_SHAPES } else { &CHROME_SHAPES };
    if !has_shape(shapes, word) {
        return false;
    }
    let key = lower_key(word);
    CHROME_WORDS.contains(&key) || first && CHROME_FIRST_WORDS.contains(&key)
}

/// Per word length (0–9), a bit per first letter `a`–`z` that some word
/// of a list has.
type Shapes = [u32; 10];

/// Could `word` be in the list `shapes` was made from (by length and
/// ASCII-lowercased first letter)?
fn has_shape(shapes: &Shapes, word: &[u8]) -> bool {
    let (Some(&mask), Some(&c)) = (shapes.get(word.len()), word.first()) else { return false };
    let letter = (c | 0x20).wrapping_sub(b'a');
    // `| 0x20` lowercases letters; other bytes may land on a letter but
    // are then ruled out by the exact comparison that follows.
    letter < 26 && mask & (1 << letter) != 0
}

/// The [`Shapes`] of word lists (lowercase, at most 9 bytes each).
const fn shapes(lists: &[&[&[u8]]]) -> Shapes {
    let mut out = [0u32; 10];
    let mut l = 0;
    while l < lists.len() {
        let mut i = 0;
        while i < lists[l].len() {
            let w = lists[l][i];
            out[w.len()] |= 1 << (w[0] - b'a');
            i += 1;
        }
        l += 1;
    }
    out
}

/// [`word_key`] of every word of a list.
const fn keys<const N: usize>(words: &[&[u8]; N]) -> [u128; N] {
    let mut out = [0u128; N];
    let mut i = 0;
    while i < N {
        out[i] = word_key(words[i]);
        i += 1;
    }
    out
}

/// A short word (at most 15 bytes), ASCII-lowercased and packed into one
/// integer, so a word list is a few integer comparisons.
fn lower_key(word: &[u8]) -> u128 {
    // A leading 1 keeps the length: "\0ago" ≠ "ago".
    word.iter().fold(1u128, |key, b| key << 8 | u128::from(b.to_ascii_lowercase()))
}

/// [`lower_key`] at compile time, for the word lists (already lowercase).
const fn word_key(word: &[u8]) -> u128 {
    let mut key = 1u128;
    let mut i = 0;
    while i < word.len() {
        key = key << 8 | word[i] as u128;
        i += 1;
    }
    key
}

/// Words chrome is made of, anywhere on an author line.
const CHROME_WORDS_LIST: [&[u8]; 14] = [
    b"ago",
    b"now",
    b"yesterday",
    b"today",
    b"reply",
    b"share",
    b"edited",
    b"report",
    b"permalink",
    b"flag",
    b"like",
    b"says:",
    b"said:",
    b"wrote:",
];
const CHROME_WORDS: [u128; 14] = keys(&CHROME_WORDS_LIST);
/// Words a chrome-only line can also start with ("a minute ago", "May 3").
const CHROME_FIRST_WORDS_LIST: [&[u8]; 28] = [
    b"a",
    b"an",
    b"one",
    b"just",
    b"jan",
    b"january",
    b"feb",
    b"february",
    b"mar",
    b"march",
    b"apr",
    b"april",
    b"may",
    b"jun",
    b"june",
    b"jul",
    b"july",
    b"aug",
    b"august",
    b"sep",
    b"sept",
    b"september",
    b"oct",
    b"october",
    b"nov",
    b"november",
    b"dec",
    b"december",
];
const CHROME_FIRST_WORDS: [u128; 28] = keys(&CHROME_FIRST_WORDS_LIST);
/// Shapes of [`CHROME_WORDS`].
const CHROME_SHAPES: Shapes = shapes(&[&CHROME_WORDS_LIST]);
/// Shapes of [`CHROME_WORDS`] and [`CHROME_FIRST_WORDS`].
const CHROME_FIRST_SHAPES: Shapes = shapes(&[&CHROME_WORDS_LIST, &CHROME_FIRST_WORDS_LIST]);

/// Could `content` begin with chrome? A digit, a separator, or one of the
/// words chrome starts with.
fn starts_like_chrome(content: &str) -> bool {
    let Some(first) = content.chars().next() else { return false };
    if first.is_ascii_digit() || matches!(first, '•' | '·' | '|' | '-' | '+' | '−') {
        return true;
    }
    content.split_ascii_whitespace().next().is_some_and(|w| is_chrome_word(w, true))
}

/// Split `Alice 3 hours ago • 12 points Reply` into name and chrome.
pub fn split_author_line(rest: &str) -> AuthorLine {
    let mut out = AuthorLine::default();
    if !has_chrome_hint(rest) {
        out.name = rest.trim().to_string();
        return out;
    }
    let Some(first) = CHROME.find(rest) else {
        out.name = rest.trim().to_string();
        return out;
    };
    out.name = rest[..first.start()].trim().trim_end_matches(['•', '·', '|', ',', '-']).trim().to_string();
    let mut words = Vec::new();
    for caps in CHROME.captures_iter(&rest[first.start()..]) {
        if let Some(m) = caps.name("ago").or_else(|| caps.name("date")) {
            out.created_at.get_or_insert_with(|| m.as_str().trim().to_string());
        } else if let Some(m) = caps.name("score") {
            let digits: String = m.as_str().chars().filter(|c| c.is_ascii_digit()).collect();
            let neg = m.as_str().starts_with(['-', '−']);
            if let Ok(v) = digits.parse::<i64>() {
                out.score.get_or_insert(if neg { -v } else { v });
            }
        } else if let Some(m) = caps.name("word") {
            words.push(m.as_str().trim().to_string());
        }
    }
    if !words.is_empty() {
        out.chrome = Some(words.join(" "));
    }
    out
}

/// `text.chars().count() <= max`, without counting when the byte length
/// already settles it (this runs on every author line).
fn at_most_chars(text: &str, max: usize) -> bool {
    text.len() <= max || text.chars().count() <= max
}

/// `text.split_whitespace().count() <= max`, without splitting when too few
/// bytes could be whitespace: every separator is an ASCII whitespace byte
/// or a multi-byte character.
fn at_most_words(text: &str, max: usize) -> bool {
    text.bytes().filter(|&b| b.is_ascii_whitespace() || b >= 0x80).count() < max
        || text.split_whitespace().count() <= max
}

/// An author line as the layout pass keeps it: most are a bare name,
/// borrowed from the page until its comment is made; a line with chrome
/// is split into an owned [`AuthorLine`].
#[derive(Debug)]
enum Author<'a> {
    /// A name without chrome: the text after the bullet, as is.
    Plain(&'a str),
    /// A name with chrome, split.
    Split(Box<AuthorLine>),
}

impl<'a> Author<'a> {
    /// [`split_author_line`] of text that has no surrounding whitespace
    /// (what [`Line::bullet`] returns), borrowing when there is no chrome.
    fn split(rest: &'a str) -> Author<'a> {
        debug_assert_eq!(rest, rest.trim());
        if has_chrome_hint(rest) {
            Author::Split(Box::new(split_author_line(rest)))
        } else {
            Author::Plain(rest)
        }
    }

    fn name(&self) -> &str {
        match self {
            Author::Plain(name) => name,
            Author::Split(a) => &a.name,
        }
    }

    /// The split, when there was chrome to split off; a plain name is
    /// read again from its line when its comment is made.
    fn into_split(self) -> Option<Box<AuthorLine>> {
        match self {
            Author::Plain(_) => None,
            Author::Split(a) => Some(a),
        }
    }
}

/// If `rest` (the text after a bullet, trimmed) looks like a name with
/// chrome, split it.
// Inlined into the layout pass (one call per bullet line): as a call its
// register saves cost about 20 instructions a comment.
#[inline(always)]
fn name_like(rest: &str) -> Option<Author<'_>> {
    let a = Author::split(rest);
    let name = a.name();
    let ok = !name.is_empty()
        && at_most_chars(name, MAX_NAME_CHARS)
        && at_most_words(name, MAX_NAME_WORDS)
        && !name.ends_with([':', ';', ',']);
    ok.then_some(a)
}

/// A line that is nothing but chrome ("3 hours ago", "Reply", "12 points"):
/// chrome matches cover it whole, with only separators between them. A
/// short body line that merely starts with a chrome word ("Like I said…",
/// "Report them.") is body text.
fn is_chrome_only(content: &str) -> bool {
    // Chrome lines are short, start with chrome and use only chrome's
    // words; checking that first keeps body text out of the regex.
    if content.len() > 60 || !starts_like_chrome(content) || !content.split_whitespace().all(is_chrome_line_word) {
        return false;
    }
    let mut end = 0;
    for m in CHROME.find_iter(content) {
        if !is_separator_run(&content[end..m.start()]) {
            return false;
        }
        end = m.end();
    }
    end > 0 && is_separator_run(&content[end..])
}

/// Separators chrome items stand between ("3 hours ago • Reply").
fn is_separator_run(s: &str) -> bool {
    s.chars().all(|c| c.is_whitespace() || matches!(c, '•' | '·' | '|' | ',' | '-' | '›' | '.' | '(' | ')'))
}

/// Could `word` be part of a chrome-only line? Any token with a digit
/// (dates, times, scores), a separator, or a word of the chrome word lists.
fn is_chrome_line_word(word: &str) -> bool {
    let word =
        word.trim_matches(|c: char| matches!(c, '•' | '·' | '|' | ',' | '(' | ')' | '›' | '.' | ':' | '-' | '+' | '−'));
    if word.is_empty() || word.bytes().any(|b| b.is_ascii_digit()) {
        return true;
    }
    if word.len() > 9 {
        return false;
    }
    let key = lower_key(word.as_bytes());
    CHROME_UNIT_WORDS.contains(&key) || CHROME_WORDS.contains(&key) || CHROME_FIRST_WORDS.contains(&key)
}

/// The other words the chrome pattern can match (time and score units,
/// clock suffixes, `says` without its colon), as [`word_key`]s.
const CHROME_UNIT_WORDS_LIST: [&[u8]; 37] = [
    b"second", b"seconds", b"sec", b"secs", b"minute", b"minutes", b"min", b"mins", b"hour", b"hours", b"hr", b"hrs",
    b"day", b"days", b"week", b"weeks", b"month", b"months", b"year", b"years", b"yr", b"yrs", b"at", b"am", b"pm",
    b"a.m", b"p.m", b"point", b"points", b"likes", b"vote", b"votes", b"upvote", b"upvotes", b"says", b"said",
    b"wrote",
];
const CHROME_UNIT_WORDS: [u128; 37] = keys(&CHROME_UNIT_WORDS_LIST);

/// An author line found by the layout pass (16 bytes for inputs under 4
/// GiB: one per comment, alive while the comments are read).
#[derive(Debug)]
struct Header<O> {
    /// Its line (0-based).
    line: O,
    /// The first line after it that is neither blank nor chrome ("3 hours
    /// ago", "Reply") when pass 1 looked, else [`Offset::NONE`]; lines
    /// before that are the only ones the chrome test needs to see again.
    body_start: O,
    /// The author line split, when it has chrome; `None` for a bare name
    /// (the text after the bullet, taken from the line again).
    split: Option<Box<AuthorLine>>,
}

impl<O: Offset> Header<O> {
    fn new(line: usize, author: Author<'_>, body_start: Option<usize>) -> Header<O> {
        Header { line: O::of(line), body_start: body_start.map_or(O::NONE, O::of), split: author.into_split() }
    }

    fn line(&self) -> usize {
        self.line.get()
    }

    fn body_start(&self) -> Option<usize> {
        (self.body_start != O::NONE).then(|| self.body_start.get())
    }
}

/// The structure read off the page: which lines are author lines, and the
/// indentation geometry.
struct Layout<O> {
    /// The author lines, in line order.
    authors: Vec<Header<O>>,
    /// Column of top-level bullets.
    base: usize,
    /// Columns per reply level.
    step: usize,
    /// Columns from a bullet to its body text.
    body_offset: usize,
}

fn detect_layout<O: Offset>(lines: &Lines<'_, O>) -> Option<Layout<O>> {
    let next_non_blank = |i: usize| (i + 1..lines.len()).find(|&k| !lines.is_blank(k));
    // Pass 1: bullet lines followed by something deeper are author lines.
    let mut confirmed: Vec<(char, usize)> = Vec::new();
    let mut is_header = vec![false; lines.len()];
    let mut author_of: Vec<Header<O>> = Vec::new();
    // Name-like bullet lines pass 1 did not take (nothing deeper follows
    // them), with their split, for pass 2: it needs neither to re-test
    // every line nor to split a name again.
    let mut other_bullets: Vec<(usize, char, Author<'_>)> = Vec::new();
    for (i, header) in is_header.iter_mut().enumerate() {
        if !lines.may_be_bullet(i) {
            continue;
        }
        let line = lines.at(i);
        let Some((glyph, rest)) = line.bullet() else { continue };
        let Some(author) = name_like(rest) else { continue };
        let mut j = next_non_blank(i);
        // Chrome on its own line right under the name does not count as body.
        while let Some(k) = j.filter(|&k| {
            let next = lines.at(k);
            is_chrome_only(next.content) && next.bullet().is_none()
        }) {
            j = next_non_blank(k);
        }
        if j.is_some_and(|j| lines.indent(j) > line.indent) {
            *header = true;
            author_of.push(Header::new(i, author, j));
            if !confirmed.contains(&(glyph, line.indent)) {
                confirmed.push((glyph, line.indent));
            }
        } else {
            other_bullets.push((i, glyph, author));
        }
    }
    let first = is_header.iter().position(|&h| h)?;
    // Pass 2: after the first author line, a bullet line whose glyph and
    // column match a confirmed author line is one too (a comment whose
    // body is empty, e.g. an embed that was stripped).
    for (i, glyph, author) in other_bullets {
        if i > first && confirmed.contains(&(glyph, lines.indent(i))) {
            is_header[i] = true;
            author_of.push(Header::new(i, author, None));
        }
    }
    // Pass 2 found headers between pass 1's: restore line order.
    if !author_of.is_sorted_by_key(|h| h.line()) {
        author_of.sort_by_key(|h| h.line());
    }
    let columns = distinct_sorted(author_of.iter().map(|h| lines.indent(h.line())).collect());
    let base = columns[0];
    let step = columns.windows(2).map(|w| w[1] - w[0]).min().unwrap_or(0);
    // Body offset: the most common distance from a bullet to the first
    // line of its body.
    let mut offsets: Vec<usize> = Vec::new();
    for header in &author_of {
        let (h, known) = (header.line(), header.body_start());
        // Pass 1 already stepped over chrome lines; otherwise test here.
        let Some(j) = known.or_else(|| next_non_blank(h)) else { continue };
        if !is_header[j]
            && lines.indent(j) > lines.indent(h)
            && (known.is_some() || !is_chrome_only(lines.at(j).content))
        {
            offsets.push(lines.indent(j) - lines.indent(h));
        }
    }
    let body_offset = mode(&offsets).unwrap_or(2);
    let step = if step == 0 { body_offset.max(1) } else { step };
    Some(Layout { authors: author_of, base, step, body_offset })
}

/// Columns (and offsets between them) are small numbers on real pages:
/// below this, they are counted in a table instead of sorted.
const COUNT_TABLE_MAX: usize = 4096;

/// Per value, how often it occurs, when every value is below
/// [`COUNT_TABLE_MAX`].
fn count_small(values: &[usize]) -> Option<Vec<u32>> {
    let max = *values.iter().max()?;
    if max >= COUNT_TABLE_MAX {
        return None;
    }
    let mut counts = vec![0u32; max + 1];
    for &v in values {
        counts[v] = counts[v].saturating_add(1);
    }
    Some(counts)
}

/// `values` sorted, without repeats.
fn distinct_sorted(mut values: Vec<usize>) -> Vec<usize> {
    if let Some(counts) = count_small(&values) {
        return counts.iter().enumerate().filter(|&(_, &n)| n > 0).map(|(v, _)| v).collect();
    }
    values.sort_unstable();
    values.dedup();
    values
}

/// The most common value (the smallest of the most common ones).
fn mode(values: &[usize]) -> Option<usize> {
    if let Some(counts) = count_small(values) {
        // `max_by_key` keeps the last maximum; reversed, that is the smallest value.
        return counts.iter().enumerate().rev().max_by_key(|&(_, &n)| n).map(|(v, _)| v);
    }
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    let mut best: Option<(usize, usize)> = None;
    let mut i = 0;
    while i < sorted.len() {
        let j = sorted[i..].iter().position(|&v| v != sorted[i]).map_or(sorted.len(), |p| i + p);
        if best.is_none_or(|(_, n)| j - i > n) {
            best = Some((sorted[i], j - i));
        }
        i = j;
    }
    best.map(|(v, _)| v)
}

/// The comment being filled while walking the comment section.
struct Open {
    index: usize,
    depth: u32,
    /// Column where this comment's body is expected.
    body_column: usize,
    /// A blank line was seen since the last body line.
    gap: bool,
    /// No body line yet.
    empty: bool,
    /// First line after the author line that is not chrome, when known.
    body_start: Option<usize>,
}

/// Read an indented text page into a thread.
pub fn read_text(text: &str, source: Source) -> Thread {
    read_sections(text, source).build()
}

/// A comment as the section pass fills it: what every comment of a page
/// has, with the rarely set fields boxed. 72 bytes (parent included) where
/// a [`Comment`] has 144 and its parent 16 more: the comments are read
/// while the input and its lines are alive, and become [`Comment`]s only
/// after those are freed (docs/performance.md, "Memory of one thread").
#[derive(Debug)]
struct Draft {
    text: String,
    author: Option<Box<str>>,
    lines: LineSpan,
    /// Index of the parent draft, [`Offset::NONE`] for a reply to the post.
    parent: usize,
    /// The fields few comments of a page have, moved into the comment as is.
    rare: Option<Box<CommentExtra>>,
}

impl Draft {
    fn rare(&mut self) -> &mut CommentExtra {
        self.rare.get_or_insert_with(Box::default)
    }

    fn author_or_unknown(&self) -> &str {
        self.author.as_deref().unwrap_or("[unknown]")
    }

    fn parent(&self) -> Option<usize> {
        (self.parent != usize::NONE).then_some(self.parent)
    }

    /// The comment, without its id (given after ordering).
    #[inline(always)]
    fn into_comment(self) -> Comment {
        let comment = Comment {
            id: String::new(),
            author: self.author.map(String::from),
            parent: None,
            depth: 0,
            text: self.text,
            lines: Some(self.lines),
            status: CommentStatus::Normal,
            ..Comment::default()
        };
        match self.rare {
            Some(extra) => comment.with_extra(extra),
            None => comment,
        }
    }
}

/// A page read, before its comments become [`Comment`]s and its tree is
/// built. Owns nothing of the input, so the input can be freed first.
#[derive(Debug)]
pub struct Sections {
    builder: ThreadBuilder,
    comments: Vec<Draft>,
}

/// Read the article and the comment section of an indented page; finish
/// with [`Sections::build`]. The two steps of [`read_text`], for callers
/// that own the input and free it in between (the tree and the
/// [`Comment`]s are then built without the input alive).
pub fn read_sections(text: &str, source: Source) -> Sections {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.len() < u32::MAX as usize {
        read_lines(text, Lines::<u32>::new(text), source)
    } else {
        read_lines(text, Lines::<usize>::new(text), source)
    }
}

fn read_lines<O: Offset>(text: &str, lines: Lines<'_, O>, source: Source) -> Sections {
    let mut roles = LineRoles::blank(lines.len());
    let mut builder = ThreadBuilder::new(source);
    let mut comments: Vec<Draft> = Vec::new();
    let mut diagnostics: Vec<Diagnostic> = Vec::new();

    let layout = detect_layout(&lines);
    // One comment per author line, plus the rare unattributed ones.
    comments.reserve(layout.as_ref().map_or(0, |l| l.authors.len() + 16));
    let article_end = layout.as_ref().map_or(lines.len(), |l| l.authors[0].line());
    let article_end = take_widget_comments(&lines, article_end, &mut comments, &mut roles, &mut diagnostics);
    // The article part is small: its raw lines are re-split only here.
    let raw_article: Vec<&str> = split_lines(text).take(article_end).collect();
    let mut article_roles = vec![LineRole::Blank; raw_article.len()];
    parse_article(&raw_article, 1, builder.post_mut(), &mut article_roles);
    for (i, role) in article_roles.into_iter().enumerate() {
        if role != LineRole::Blank {
            roles.set(i, role);
        }
    }
    if let Some(mut layout) = layout {
        read_comment_section(&lines, &mut layout, &mut comments, &mut roles, &mut diagnostics);
    }
    drop(lines);

    for d in diagnostics {
        builder.diagnostic(d);
    }
    builder.line_roles(roles);
    Sections { builder, comments }
}

impl Sections {
    /// Make the comments (ids `c1`, `c2`, … in document order) and build
    /// the tree.
    pub fn build(self) -> Thread {
        self.build_shrinking_from(SHRINK_DRAFTS_FROM)
    }

    /// [`Sections::build`], the drafts vector shrinking while it empties
    /// once its capacity is at least `shrink_from` (tests use small ones).
    fn build_shrinking_from(self, shrink_from: usize) -> Thread {
        let Sections { builder, comments: mut drafts } = self;
        let mut parents = Vec::with_capacity(drafts.len());
        parents.extend(drafts.iter().map(Draft::parent));
        // The drafts become comments half of the rest at a time, and their
        // vector shrinks once a quarter is left, so the drafts (72 bytes
        // each) are not all still allocated when the last comment (224) is
        // made: that moment was the peak of reading a large page
        // (docs/performance.md, "Memory of one thread").
        let mut comments = Vec::with_capacity(drafts.len());
        while !drafts.is_empty() {
            let large = drafts.capacity() >= shrink_from;
            let take = if large { drafts.len().div_ceil(2) } else { drafts.len() };
            comments.extend(drafts.drain(..take).map(Draft::into_comment));
            if large && drafts.len() <= drafts.capacity() / 4 {
                drafts.shrink_to_fit();
                crate::read::large_free_done();
            }
        }
        // Text inputs carry their parents as indices, each before its
        // child; ids are c1, c2, … in document order.
        order_by_first_line(&mut comments, &mut parents);
        let mut ids = Numbered::new('c');
        for c in comments.iter_mut() {
            c.id = ids.next_id();
        }
        builder.build_ordered(comments, parents)
    }
}

/// Draft vectors at least this long (4.7 MB) shrink while they empty in
/// [`Sections::build`].
const SHRINK_DRAFTS_FROM: usize = 1 << 16;

/// Ids `c1`, `c2`, … without the formatting machinery or a division per
/// id (this runs once per comment): the number is kept as decimal text
/// and incremented in place.
struct Numbered {
    /// The prefix, then the last number given (`c0` before the first).
    text: String,
}

impl Numbered {
    /// Count from 1 with a non-digit `prefix`.
    fn new(prefix: char) -> Numbered {
        debug_assert!(!prefix.is_ascii_digit());
        let mut text = String::with_capacity(16);
        text.push(prefix);
        text.push('0');
        Numbered { text }
    }

    /// The next id.
    fn next_id(&mut self) -> String {
        let mut nines = 0;
        while self.text.ends_with('9') {
            self.text.pop();
            nines += 1;
        }
        match self.text.pop() {
            Some(d @ '0'..='8') => self.text.push(char::from(d as u8 + 1)),
            // The prefix: one digit more ("c99" becomes "c100").
            Some(prefix) => {
                self.text.push(prefix);
                self.text.push('1');
            }
            None => self.text.push('1'),
        }
        for _ in 0..nines {
            self.text.push('0');
        }
        self.text.clone()
    }
}

/// The lines of `text` split on `\n` (memchr), without a `\r` before it
/// and without the empty piece after a final newline.
fn split_lines(text: &str) -> impl Iterator<Item = &str> {
    let bytes = text.as_bytes();
    let mut start = 0;
    std::iter::from_fn(move || {
        let first = *bytes.get(start)?;
        // A blank line (half the lines of a page) needs no search.
        let end = if first == b'\n' {
            start
        } else {
            memchr::memchr(b'\n', &bytes[start..]).map_or(bytes.len(), |p| start + p)
        };
        let line = &text[start..end];
        start = end + 1;
        Some(line.strip_suffix('\r').unwrap_or(line))
    })
}

/// Widget comments (taken from the end of the article region) are found
/// before the section comments; put everything in document order.
fn order_by_first_line(comments: &mut Vec<Comment>, parents: &mut Vec<Option<usize>>) {
    let mut order: Vec<usize> = (0..comments.len()).collect();
    let start = |i: usize| comments[i].lines.map_or(0, |s| s.start);
    if order.is_sorted_by_key(|&i| start(i)) {
        return;
    }
    order.sort_by_key(|&i| start(i));
    if order.iter().enumerate().all(|(k, &i)| k == i) {
        return;
    }
    let mut new_index = vec![0; order.len()];
    for (k, &i) in order.iter().enumerate() {
        new_index[i] = k;
    }
    let old_comments = std::mem::take(comments);
    let old_parents = std::mem::take(parents);
    let mut slots: Vec<Option<Comment>> = old_comments.into_iter().map(Some).collect();
    for &i in &order {
        comments.push(slots[i].take().expect("each comment moved once"));
        parents.push(old_parents[i].map(|p| new_index[p]));
    }
}

/// Recent-comment widgets list comment excerpts after the article, cut by
/// "Read more »". When the article region ends in such a paragraph, it and
/// the paragraphs before it back to the last caption-like line (a short
/// line without closing punctuation, as image captions and section
/// headings are) are read as unattributed top-level comments.
///
/// Returns the new end of the article region.
fn take_widget_comments<O: Offset>(
    lines: &Lines<'_, O>,
    end: usize,
    comments: &mut Vec<Draft>,
    roles: &mut LineRoles,
    diagnostics: &mut Vec<Diagnostic>,
) -> usize {
    // Paragraph blocks of the region, as [start, end) line ranges.
    let mut blocks: Vec<(usize, usize)> = Vec::new();
    let mut i = 0;
    while i < end {
        if lines.is_blank(i) {
            i += 1;
            continue;
        }
        let start = i;
        while i < end && !lines.is_blank(i) {
            i += 1;
        }
        blocks.push((start, i));
    }
    let Some(&(ls, le)) = blocks.last() else { return end };
    if !READ_MORE.is_match(lines.at(le - 1).content) || article::is_boilerplate_line(lines.at(ls).content) {
        return end;
    }
    let is_caption = |(s, e): (usize, usize)| {
        e - s == 1
            && lines.at(s).content.chars().count() <= 200
            && !lines.at(s).content.ends_with(['.', '!', '?', '»', '”', '"', ':'])
    };
    // Walk back to a caption; without one, only the cut paragraph is taken.
    let mut take = 1;
    let mut found_caption = false;
    for k in (0..blocks.len() - 1).rev() {
        if is_caption(blocks[k]) {
            found_caption = true;
            break;
        }
        take += 1;
        if take > 10 {
            break;
        }
    }
    if !found_caption {
        take = 1;
    }
    let first_block = blocks.len() - take;
    for (k, &(s, e)) in blocks[first_block..].iter().enumerate() {
        let index = comments.len();
        let mut text = (s..e).map(|k| lines.at(k).content).collect::<Vec<_>>().join("\n");
        let mut metadata = BTreeMap::new();
        if k + 1 == take {
            if let Some(m) = READ_MORE.find(&text) {
                text.truncate(m.start());
                let trimmed = text.trim_end().len();
                text.truncate(trimmed);
                metadata.insert("truncated".to_string(), "true".to_string());
                diagnostics.push(Diagnostic::at(
                    (e) as u64,
                    DiagnosticKind::TruncatedText,
                    "comment excerpt cut by \"Read more »\"; the rest is not in the page",
                ));
            }
        }
        diagnostics.push(Diagnostic::at(
            (s + 1) as u64,
            DiagnosticKind::UnattributedComment,
            "paragraph after the article, before a \"Read more »\" excerpt: read as an unattributed top-level comment from a comments widget",
        ));
        for r in s..e {
            roles.set(r, LineRole::CommentBody(index));
        }
        let rare = (!metadata.is_empty()).then(|| Box::new(CommentExtra { metadata, ..CommentExtra::default() }));
        let lines = LineSpan { start: (s + 1) as u64, end: e as u64 };
        comments.push(Draft { text, author: None, lines, parent: usize::NONE, rare });
    }
    blocks[first_block].0
}

fn read_comment_section<O: Offset>(
    lines: &Lines<'_, O>,
    layout: &mut Layout<O>,
    comments: &mut Vec<Draft>,
    roles: &mut LineRoles,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let depth_of_bullet = |column: usize| -> (u32, bool) {
        let rel = column.saturating_sub(layout.base);
        let exact = rel % layout.step == 0 && column >= layout.base;
        (((rel + layout.step / 2) / layout.step) as u32, exact)
    };
    // The depth of every author-line column, divided out once (columns
    // past the table, which only absurd pages have, divide each time).
    let widest = layout.authors.iter().map(|h| lines.indent(h.line())).max().unwrap_or(0).min(DEPTH_TABLE_MAX);
    let depth_table: Vec<(u32, bool)> = (0..=widest).map(depth_of_bullet).collect();
    let mut stack: Vec<Open> = Vec::new();
    let mut next_header = 0;
    let start = layout.authors[0].line();
    let mut line_no;
    for i in start..lines.len() {
        line_no = (i + 1) as u64;
        if lines.is_blank(i) {
            if let Some(top) = stack.last_mut() {
                top.gap = true;
            }
            continue;
        }
        let line = lines.at(i);
        if layout.authors.get(next_header).is_some_and(|h| h.line() == i) {
            next_header += 1;
            let (glyph_depth, exact) =
                depth_table.get(line.indent).copied().unwrap_or_else(|| depth_of_bullet(line.indent));
            if !exact {
                diagnostics.push(Diagnostic::at(
                    line_no,
                    DiagnosticKind::Guess,
                    format!(
                        "author line at column {} is between reply levels (step {}); read as depth {glyph_depth}",
                        line.indent, layout.step
                    ),
                ));
            }
            while stack.last().is_some_and(|o| o.depth >= glyph_depth) {
                stack.pop();
            }
            let parent = stack.last().map(|o| (o.index, o.depth));
            let depth = match parent {
                Some((p, pd)) => {
                    if pd + 1 < glyph_depth {
                        diagnostics.push(Diagnostic::at(
                            line_no,
                            DiagnosticKind::IndentJump,
                            format!(
                                "reply indented {} levels below its nearest comment above ({}, line {}); attached to it",
                                glyph_depth - pd,
                                comments[p].author_or_unknown(),
                                comments[p].lines.start
                            ),
                        ));
                    }
                    pd + 1
                }
                None => {
                    if glyph_depth > 0 {
                        diagnostics.push(Diagnostic::at(
                            line_no,
                            DiagnosticKind::IndentJump,
                            format!("reply at depth {glyph_depth} with no comment above it; read as top-level"),
                        ));
                    }
                    0
                }
            };
            let header = &mut layout.authors[next_header - 1];
            let body_start = header.body_start();
            let (name, rare) = match header.split.take() {
                Some(split) => {
                    let AuthorLine { name, created_at, score, chrome } = *split;
                    let mut metadata = BTreeMap::new();
                    if let Some(ch) = chrome {
                        metadata.insert("chrome".to_string(), ch);
                    }
                    let rare = (created_at.is_some() || score.is_some() || !metadata.is_empty())
                        .then(|| Box::new(CommentExtra { created_at, score, metadata, ..CommentExtra::default() }));
                    (name.into_boxed_str(), rare)
                }
                // A bare name: the text after the bullet, as the layout pass saw it.
                None => (Box::from(line.bullet().map_or("", |(_, rest)| rest)), None),
            };
            let index = comments.len();
            // The body lies between this line and the next author line:
            // reserve that many bytes once instead of growing line by line.
            let body_end = layout.authors.get(next_header).map_or(lines.len(), |h| h.line());
            let capacity = lines.body_bytes(i + 1, body_end);
            comments.push(Draft {
                text: String::with_capacity(capacity),
                author: Some(name),
                lines: LineSpan::line(line_no),
                parent: parent.map_or(usize::NONE, |(p, _)| p),
                rare,
            });
            roles.set(i, LineRole::CommentHeader(index));
            stack.push(Open {
                index,
                depth,
                body_column: line.indent + layout.body_offset,
                gap: false,
                empty: true,
                body_start,
            });
            continue;
        }

        // A body line.
        let Some(top) = stack.last_mut() else {
            roles.set(i, LineRole::Diagnostic);
            diagnostics.push(
                Diagnostic::at(
                    line_no,
                    DiagnosticKind::UnplacedLine,
                    "text before the first author line of the comment section",
                )
                .with_text(line.content),
            );
            continue;
        };
        if line.indent < layout.base {
            // Shallower than any comment: page chrome after the section.
            if article::is_boilerplate_line(line.content) {
                roles.set(i, LineRole::Boilerplate);
            } else {
                roles.set(i, LineRole::Diagnostic);
                diagnostics.push(
                    Diagnostic::at(
                        line_no,
                        DiagnosticKind::UnplacedLine,
                        "text left of the comment indentation; kept here, not in any comment",
                    )
                    .with_text(line.content),
                );
            }
            continue;
        }
        let c = &mut comments[top.index];
        let chrome = match top.body_start {
            Some(b) => top.empty && i < b,
            None => top.empty && is_chrome_only(line.content),
        };
        if chrome {
            // "3 hours ago" or "Reply" on its own line under the name.
            let a = split_author_line(&format!("x {}", line.content));
            if a.created_at.is_some() || a.score.is_some() || a.chrome.is_some() {
                let r = c.rare();
                if r.created_at.is_none() {
                    r.created_at = a.created_at;
                }
                if r.score.is_none() {
                    r.score = a.score;
                }
                if let Some(ch) = a.chrome {
                    r.metadata
                        .entry("chrome".into())
                        .and_modify(|v| {
                            v.push(' ');
                            v.push_str(&ch)
                        })
                        .or_insert(ch);
                }
            }
            roles.set(i, LineRole::CommentHeader(top.index));
            extend_span(c, line_no);
            continue;
        }
        if line.indent >= top.body_column + layout.step && top.gap && !top.empty {
            // A paragraph one reply level deeper than its comment's body,
            // after a blank line: a reply whose author line was lost.
            let levels = ((line.indent - top.body_column) / layout.step) as u32;
            let (pindex, pdepth) = (top.index, top.depth);
            let pauthor = c.author_or_unknown().to_string();
            let pline = c.lines.start;
            diagnostics.push(Diagnostic::at(
                line_no,
                DiagnosticKind::UnattributedComment,
                format!(
                    "paragraph indented {levels} level(s) deeper than the body of {pauthor} (line {pline}) with no author line; read as an unattributed reply to it"
                ),
            ));
            let index = comments.len();
            comments.push(Draft {
                text: line.content.to_string(),
                author: None,
                lines: LineSpan::line(line_no),
                parent: pindex,
                rare: None,
            });
            roles.set(i, LineRole::CommentBody(index));
            stack.push(Open {
                index,
                depth: pdepth + 1,
                body_column: line.indent,
                gap: false,
                empty: false,
                body_start: None,
            });
            continue;
        }
        if line.indent + layout.step <= top.body_column.saturating_sub(layout.body_offset) && !top.empty {
            diagnostics.push(Diagnostic::at(
                line_no,
                DiagnosticKind::Guess,
                format!(
                    "body line at column {} is left of its author line; kept in {}'s comment",
                    line.indent,
                    c.author_or_unknown()
                ),
            ));
        }
        if !c.text.is_empty() {
            c.text.push_str(if top.gap { "\n\n" } else { "\n" });
        }
        c.text.push_str(line.content);
        roles.set(i, LineRole::CommentBody(top.index));
        extend_span(c, line_no);
        top.gap = false;
        top.empty = false;
    }
    // "Read more »" at the end of a comment: the page cut it.
    for (index, c) in comments.iter_mut().enumerate() {
        if !ends_with_read_more_word(&c.text) {
            continue;
        }
        if let Some(m) = READ_MORE.find(&c.text) {
            if m.start() > 0 && c.text[..m.start()].trim_end().ends_with(['…', '.']) || m.as_str().contains('»') {
                let cut = c.text[..m.start()].trim_end().len();
                c.text.truncate(cut);
                c.rare().metadata.insert("truncated".into(), "true".into());
                let line = c.lines.end;
                let _ = index;
                diagnostics.push(Diagnostic::at(
                    line,
                    DiagnosticKind::TruncatedText,
                    "comment cut by \"Read more\"; the rest is not in the page",
                ));
            }
        }
    }
}

/// Widest column [`read_comment_section`] tabulates depths for.
const DEPTH_TABLE_MAX: usize = 4096;

/// Cheap pre-check before the `READ_MORE` regex: does "more" occur near
/// the end (in the last 16 bytes, any ASCII case)?
fn ends_with_read_more_word(text: &str) -> bool {
    let tail = &text.as_bytes()[text.len().saturating_sub(16)..];
    let Ok(tail) = <[u8; 16]>::try_from(tail) else {
        // Shorter than 16 bytes: compare window by window.
        return tail.windows(4).any(|w| w.eq_ignore_ascii_case(b"more"));
    };
    // All 13 windows at once: `| 0x20` maps exactly `M`/`m` to `m` (and
    // so on for each letter), then one flag per byte equal to the letter,
    // shifted so that a window's four flags meet in its first byte.
    const ONES: u128 = u128::from_le_bytes([0x01; 16]);
    let x = u128::from_le_bytes(tail) | (ONES * 0x20);
    let is = |letter: u8| -> u128 {
        let v = x ^ (ONES * u128::from(letter));
        // High bit of each byte set where `v`'s byte is zero (exact: no
        // carry crosses a byte).
        !(((v & (ONES * 0x7f)) + ONES * 0x7f) | v) & (ONES * 0x80)
    };
    // Most tails have no `m` at all: one test settles them.
    let m = is(b'm');
    m != 0 && m & (is(b'o') >> 8) & (is(b'r') >> 16) & (is(b'e') >> 24) != 0
}

fn extend_span(c: &mut Draft, line: u64) {
    c.lines.end = c.lines.end.max(line);
}

#[cfg(test)]
mod tests {

    #[test]
    fn shrinking_drafts_build_the_same_thread() {
        // Every page of the seeds and a generated page, built with the
        // drafts shrinking from the first (halves and quarters of a few
        // comments, odd lengths) and never: the same comments, parents,
        // line roles and diagnostics, as JSON.
        let mut pages: Vec<String> = Vec::new();
        for entry in std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/seeds")).unwrap() {
            pages.push(std::fs::read_to_string(entry.unwrap().path()).unwrap());
        }
        let mut generated = Vec::new();
        let opts = crate::gen::GenOptions { threads: 1, comments_per_thread: 777, ..Default::default() };
        crate::gen::write_corpus(&opts, crate::gen::GenFormat::Text, &mut generated).unwrap();
        pages.push(String::from_utf8(generated).unwrap());
        for page in &pages {
            let source = || Source { path: "p.txt".into(), thread_id: None, format: SourceFormat::Text };
            let whole = read_sections(page, source()).build_shrinking_from(usize::MAX);
            let shrunk = read_sections(page, source()).build_shrinking_from(1);
            assert!(!whole.comments.is_empty() || page.len() < 20_000);
            let json = |t: &Thread| serde_json::to_string(t).unwrap();
            assert_eq!(json(&whole), json(&shrunk));
            let parents: Vec<_> = whole.comments.iter().map(|c| c.parent).collect();
            assert_eq!(parents, shrunk.comments.iter().map(|c| c.parent).collect::<Vec<_>>());
        }
    }

    use super::*;
    use crate::model::SourceFormat;

    fn read(text: &str) -> Thread {
        read_text(text, Source { path: "t.txt".into(), thread_id: None, format: SourceFormat::Text })
    }

    /// The same page through `usize` offsets (the path of inputs of 4 GiB
    /// or more) reads exactly as through `u32` ones.
    #[test]
    fn wide_offsets_read_the_same_thread() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/seeds");
        let mut read_any = false;
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let Ok(text) = std::fs::read_to_string(&path) else { continue };
            let source = || Source { path: "t.txt".into(), thread_id: None, format: SourceFormat::Text };
            let narrow = read_lines(&text, Lines::<u32>::new(&text), source()).build();
            let wide = read_lines(&text, Lines::<usize>::new(&text), source()).build();
            let json = |t: &Thread| serde_json::to_string(t).unwrap();
            assert_eq!(json(&narrow), json(&wide), "{}", path.display());
            assert_eq!(narrow.line_roles, wide.line_roles, "{}", path.display());
            read_any |= !narrow.comments.is_empty();
        }
        assert!(read_any);
    }

    /// The stored lines give back what measuring gives: content, column,
    /// blankness, and a first-byte test that never rules out a bullet line.
    #[test]
    fn stored_lines_match_measured_lines() {
        let text = "a\n    body text  \r\n\n  • ann\n\t* bob\nnext";
        let lines = Lines::<u32>::new(text);
        for (i, raw) in split_lines(text).enumerate() {
            let measured = Line::measure(raw);
            let stored = lines.at(i);
            assert_eq!((stored.content, stored.indent), (measured.content, measured.indent));
            assert_eq!(lines.is_blank(i), measured.content.is_empty());
            assert!(lines.may_be_bullet(i) || measured.bullet().is_none(), "line {i}");
        }
        assert_eq!(lines.len(), 6);
        assert_eq!((lines.at(1).content, lines.indent(1)), ("body text", 4));
        assert_eq!((lines.at(4).content, lines.indent(4)), ("* bob", 8));
        assert!(lines.may_be_bullet(3) && lines.may_be_bullet(4) && !lines.may_be_bullet(1));
        assert_eq!(lines.body_bytes(1, 4), "body text".len() + 2 + "• ann".len());
    }

    #[test]
    fn numbered_ids_count_in_decimal() {
        let mut ids = Numbered::new('c');
        for n in 1..=100_000 {
            assert_eq!(ids.next_id(), format!("c{n}"));
        }
    }

    #[test]
    fn leading_spaces_eight_at_a_time() {
        for (line, spaces) in [
            ("", 0),
            (" ", 1),
            ("x", 0),
            ("       x", 7),
            ("        x", 8),
            ("         ", 9),
            ("                x y", 16),
            ("                 \tx", 17),
            ("\t  x", 0),
            ("  \u{a0}x", 2),
        ] {
            assert_eq!(leading_spaces(line.as_bytes()), spaces, "{line:?}");
            let reference = line.bytes().position(|b| b != b' ').unwrap_or(line.len());
            assert_eq!(spaces, reference, "{line:?}");
        }
    }

    #[test]
    fn chrome_word_prefilter_keeps_every_word() {
        for w in CHROME_WORDS_LIST {
            let w = std::str::from_utf8(w).unwrap();
            assert!(is_chrome_word(w, false), "{w}");
            assert!(is_chrome_word(&w.to_uppercase(), false), "{w}");
            assert!(is_chrome_word(&format!("({w}),"), true), "{w}");
        }
        for w in CHROME_FIRST_WORDS_LIST {
            let w = std::str::from_utf8(w).unwrap();
            assert!(is_chrome_word(w, true) && !is_chrome_word(w, false), "{w}");
        }
        for w in ["", "pia", "tomas", "Agoo", "@go", "ago!", "χρηστος", "yesterdays", "Reply›x", "rEpLy›"] {
            let expected = w == "rEpLy›";
            assert_eq!(is_chrome_word(w, true), expected, "{w}");
        }
    }

    #[test]
    fn chrome_hint_in_one_pass() {
        for (text, hint) in [
            ("Alice", false),
            ("Alice 3", true),
            ("Alice Reply", true),
            ("Alice\treply", true),
            ("Replyguy", false),
            ("Terra Cotta", false),
            ("ihraç subay", false),
            ("  share  ", true),
            ("Bob (edited)", true),
            ("Bob edited:", false),
            ("", false),
        ] {
            assert_eq!(has_chrome_hint(text), hint, "{text:?}");
            let reference = text.bytes().any(|b| b.is_ascii_digit())
                || text.split_ascii_whitespace().any(|w| is_chrome_word(w, false));
            assert_eq!(hint, reference, "{text:?}");
        }
    }

    #[test]
    fn read_more_word_near_the_end() {
        for (text, found) in [
            ("Read more »", true),
            ("READ MORE", true),
            ("mor", false),
            ("more", true),
            ("Mmore", true),
            ("moreover it was a long sentence", false),
            ("the rest… Show More ›", true),
            ("nothing here at all", false),
            ("ends in MORE and then 16 bytes", false),
        ] {
            assert_eq!(ends_with_read_more_word(text), found, "{text:?}");
            let tail = &text.as_bytes()[text.len().saturating_sub(16)..];
            assert_eq!(found, tail.windows(4).any(|w| w.eq_ignore_ascii_case(b"more")), "{text:?}");
        }
        // Every placement of words like "more" in longer texts, against
        // the window-by-window definition.
        let mut hits = 0;
        for word in ["more", "MORE", "mOrE", "morx", "mo re", "M\u{e9}re", "-ORE", "\u{2014}more"] {
            for at in 0..=24 {
                let text = format!("{}{word}{}", "x.".repeat(at).get(..at).unwrap_or(""), " …".repeat(3));
                let tail = &text.as_bytes()[text.len().saturating_sub(16)..];
                let expected = tail.windows(4).any(|w| w.eq_ignore_ascii_case(b"more"));
                assert_eq!(ends_with_read_more_word(&text), expected, "{text:?}");
                hits += usize::from(expected);
            }
        }
        assert_eq!(hits, 4 * 25, "each real \"more\" is near the end whatever comes first");
    }

    #[test]
    fn mode_and_distinct_columns_by_count_or_sort() {
        for (values, mode_of, distinct) in [
            (vec![], None, vec![]),
            (vec![4, 2, 4, 2, 7], Some(2), vec![2, 4, 7]),
            (vec![6, 6, 2], Some(6), vec![2, 6]),
            (vec![0, 5000, 5000, 3], Some(5000), vec![0, 3, 5000]),
            (vec![9000, 4095, 9000, 4095], Some(4095), vec![4095, 9000]),
        ] {
            assert_eq!(mode(&values), mode_of, "{values:?}");
            assert_eq!(distinct_sorted(values.clone()), distinct, "{values:?}");
        }
    }

    #[test]
    fn author_line_chrome() {
        let a = split_author_line("Alice 3 hours ago • 12 points Reply");
        assert_eq!(a.name, "Alice");
        assert_eq!(a.created_at.as_deref(), Some("3 hours ago"));
        assert_eq!(a.score, Some(12));
        assert_eq!(a.chrome.as_deref(), Some("Reply"));
        assert_eq!(split_author_line("Putin’s baby").name, "Putin’s baby");
        assert_eq!(
            split_author_line("Bob September 26, 2017 at 3:04 pm").created_at.as_deref(),
            Some("September 26, 2017 at 3:04 pm")
        );
        assert_eq!(split_author_line("Replyguy").name, "Replyguy");
    }

    #[test]
    fn tabs_crlf_bom_nbsp() {
        let t = read("\u{feff}Title\r\n\r\n\t• Ann\r\n\r\n\t  Hello\r\n\r\n\t  • Bob\r\n\t    Hi\u{a0}there\r\n");
        assert_eq!(t.comments.len(), 2);
        assert_eq!(t.comments[1].parent, Some(0));
        assert_eq!(t.comments[1].text, "Hi\u{a0}there");
        let t = read("T\n\n\u{a0}\u{a0}• Ann\n\n\u{a0}\u{a0}\u{a0}\u{a0}Hello\n");
        assert_eq!(t.comments[0].text, "Hello");
    }

    #[test]
    fn markdown_list_in_article_is_not_a_comment() {
        let t = read("Title\n\nIntro:\n- one\n- two\n\nEnd.\n");
        assert!(t.comments.is_empty());
        assert!(t.post.paragraphs.iter().any(|p| p.contains("- one")));
    }

    #[test]
    fn chrome_line_under_name() {
        let t = read("T\n\n      * Ann\n        3 hours ago\n        Body text here\n");
        assert_eq!(t.comments[0].created_at(), Some("3 hours ago"));
        assert_eq!(t.comments[0].text, "Body text here");
    }

    #[test]
    fn chrome_only_lines_are_chrome_through_and_through() {
        for (line, chrome) in [
            ("3 hours ago", true),
            ("Reply", true),
            ("12 points • Reply • Share ›", true),
            ("March 3, 2021 at 4:05 pm", true),
            ("(edited)", true),
            ("Like I said, this is wrong.", false),
            ("Report them to the police.", false),
            ("Reply to the article: no.", false),
            ("3 hours ago I said so", false),
        ] {
            assert_eq!(is_chrome_only(line), chrome, "{line:?}");
        }
    }

    #[test]
    fn body_starting_with_a_chrome_word_stays_body() {
        let t = read("T\n\n  • alice\n\n    Like I said, this is wrong.\n\n    • bob\n\n      Report it then.\n");
        assert_eq!(t.comments.len(), 2);
        assert_eq!(t.comments[0].text, "Like I said, this is wrong.");
        assert!(t.comments[0].metadata().is_empty());
        assert_eq!(t.comments[1].author.as_deref(), Some("bob"));
        assert_eq!(t.comments[1].text, "Report it then.");
        assert_eq!(t.comments[1].parent, Some(0));
    }
}
