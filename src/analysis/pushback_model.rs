//! A small logistic-regression model for pushback, shipped as data.
//!
//! Features are binary: lower-cased word unigrams and bigrams (with a
//! start-of-text token, `<url>`, `<user>`, `<num>`, `?` and `!` as
//! tokens), the id and category of every hand rule that fired
//! (`r:er_source_q`, `c:denial`), and `s:top` for replies to the post.
//! A feature's id is the 64-bit FNV-1a hash of its name, so the shipped
//! file (`lexicons/pushback_model.tsv`) lists names and weights, and
//! extraction hashes tokens in place without building strings per feature.
//!
//! Two models share the features: `pushback` (RumourEval deny + query) and
//! `evidence_request` (query). They are trained by
//! `threadlens train-pushback` on the RumourEval training threads only;
//! training is deterministic (fixed order and seed), and the decision
//! threshold is the one that maximizes F1 in 5-fold cross-validation over
//! training threads.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::sync::LazyLock;

use crate::analysis::claims::key as claims_key;
use crate::analysis::pushback::{ascii_alnum_lanes, lanes_below, load8, RuleHit, LANE_HIGH};
use crate::error::{Error, Result};

pub use crate::fnv::IdHasher;
use crate::fnv::{self, bigram as bigram_id, bytes as fnv, lower as fnv_lower, IdMap, OFFSET as FNV_OFFSET};

/// The id of a feature name: FNV-1a (64 bit) of the name, except for
/// bigrams (`b:LEFT RIGHT`), whose id combines the FNV-1a hashes of the two
/// tokens so extraction never re-hashes a bigram's text.
pub fn feature_id(name: &str) -> u64 {
    if let Some((a, b)) = name.strip_prefix("b:").and_then(|r| r.split_once(' ')) {
        return bigram_id(fnv(FNV_OFFSET, a.as_bytes()), fnv(FNV_OFFSET, b.as_bytes()));
    }
    fnv(FNV_OFFSET, name.as_bytes())
}

/// FNV-1a of `w:` (unigram ids continue from it).
const W_STATE: u64 = fnv::bytes(FNV_OFFSET, b"w:");

/// Token kinds the tokenizer folds to one symbol.
const START: &[u8] = b"<s>";
const URL: &[u8] = b"<url>";
const USER: &[u8] = b"<user>";
const NUM: &[u8] = b"<num>";

const START_HASH: u64 = fnv::bytes(FNV_OFFSET, START);
const URL_HASH: u64 = fnv::bytes(FNV_OFFSET, URL);
const USER_HASH: u64 = fnv::bytes(FNV_OFFSET, USER);
const NUM_HASH: u64 = fnv::bytes(FNV_OFFSET, NUM);

/// Extract feature ids (sorted, deduplicated) from a comment.
///
/// Tokens: runs of letters, digits, `'`, `’` (as `'`) and `_`, lower-cased,
/// apostrophes trimmed; `http…:`/`www.` runs up to whitespace are `<url>`,
/// `@name` is `<user>` (leading ones are dropped), all-digit tokens are
/// `<num>`, `#tag` is `tag`, and `?` and `!` are tokens. `hits` are the
/// pushback rule hits in the text; `top` is true for a reply to the post.
/// When `names` is given, every feature's name is recorded too (training
/// and explanations use it).
pub fn features_named(text: &str, hits: &[RuleHit], top: bool, names: Option<&mut HashMap<u64, String>>) -> Vec<u64> {
    let mut out: Vec<u64> = Vec::with_capacity(text.len() / 3 + 8);
    emit_features(text, hits, top, names, &mut IdSink(&mut out));
    out.sort_unstable();
    out.dedup();
    out
}

/// ASCII white space as `char::is_whitespace` sees it (with vertical tab,
/// which `u8::is_ascii_whitespace` leaves out).
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// Counts what `text.split_whitespace().filter(|w| !w.starts_with('@')).count()`
/// counts, fed character by character as the tokenizer meets them.
struct Words {
    count: usize,
    after_space: bool,
}

impl Words {
    /// A character that is not white space, whose first byte is `b`.
    #[inline]
    fn visible(&mut self, b: u8) {
        self.count += usize::from(self.after_space && b != b'@');
        self.after_space = false;
    }
    /// A character `c` starting with byte `b`.
    #[inline]
    fn char(&mut self, b: u8, c: char) {
        if c.is_whitespace() {
            self.after_space = true;
        } else {
            self.visible(b);
        }
    }
}

/// Byte classes of the tokenizer, one table lookup per byte.
const C_START: u8 = 1; // ASCII that starts a token: letters, digits, `@`, `#`, `'`
const C_CONT: u8 = 2; // continues one: letters, digits, `'`, `_`
const C_SPACE: u8 = 4; // white space (`char::is_whitespace`)
const C_DIGIT: u8 = 8;
const C_APOS: u8 = 16;
const C_NONDIGIT: u8 = 32; // continues a token and is not a digit
const C_LETTER: u8 = 64; // an ASCII letter

static CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        let alnum = c.is_ascii_alphanumeric();
        let mut k = 0;
        if alnum || c == b'@' || c == b'#' || c == b'\'' {
            k |= C_START;
        }
        if alnum || c == b'\'' || c == b'_' {
            k |= C_CONT;
        }
        if matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r') {
            k |= C_SPACE;
        }
        if c.is_ascii_digit() {
            k |= C_DIGIT;
        }
        if c == b'\'' {
            k |= C_APOS;
        }
        if k & C_CONT != 0 && !c.is_ascii_digit() {
            k |= C_NONDIGIT;
        }
        if c.is_ascii_alphabetic() {
            k |= C_LETTER;
        }
        t[b] = k;
        b += 1;
    }
    t
};

/// ASCII lower case of every byte.
static LOWER: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        t[b] = (b as u8).to_ascii_lowercase();
        b += 1;
    }
    t
};

/// A token character after the first: ASCII letters, digits, `'` and `_`.
#[inline]
fn ascii_token_byte(b: u8) -> bool {
    CLASS[b as usize] & C_CONT != 0
}

/// The run of ASCII token bytes (letters, digits, `'`, `_`) from `start`.
struct AsciiRun {
    /// Where it ends.
    end: usize,
    /// FNV-1a of its lower case.
    hash: u64,
    /// FNV-1a of `w:` and its lower case (its unigram id).
    unigram: u64,
    /// The union of its bytes' classes.
    classes: u8,
}

/// Read the [`AsciiRun`] at `start`, hashing it lower-cased as it is read.
/// Without `unigrams`, `unigram` is not computed (left at `W_STATE`).
#[inline(always)]
fn ascii_run(bytes: &[u8], start: usize, unigrams: bool) -> AsciiRun {
    let (mut h, mut hw, mut any, mut e) = (FNV_OFFSET, W_STATE, 0u8, start);
    while let Some(&c) = bytes.get(e) {
        let k = CLASS[c as usize];
        if k & C_CONT == 0 {
            break;
        }
        let lower = LOWER[c as usize];
        h = fnv::byte(h, lower);
        if unigrams {
            hw = fnv::byte(hw, lower);
        }
        any |= k;
        e += 1;
    }
    AsciiRun { end: e, hash: h, unigram: hw, classes: any }
}

/// The lower case of each ASCII letter or digit; 0 for other bytes.
pub(crate) static ALNUM_LOWER: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        if c.is_ascii_alphanumeric() {
            t[b] = c.to_ascii_lowercase();
        }
        b += 1;
    }
    t
};

/// [`ascii_run`] without the unigram id, for a scoring sink: the run of
/// ASCII letters and digits from `start` (one table look-up per byte gives
/// both the test and the lower case). When `'` or `_` follows, the token
/// goes on: the run is reported as holding an apostrophe, so the caller
/// takes the general way, which reads the whole token.
#[inline(always)]
fn alnum_run(bytes: &[u8], start: usize) -> AsciiRun {
    let tail = bytes.get(start..).unwrap_or_default();
    let mut h = FNV_OFFSET;
    let mut len = tail.len();
    for (k, &c) in tail.iter().enumerate() {
        let lower = ALNUM_LOWER[c as usize];
        if lower == 0 {
            len = k;
            break;
        }
        h = fnv::byte(h, lower);
    }
    let goes_on = matches!(tail.get(len), Some(b'\'' | b'_'));
    let classes = if goes_on { C_APOS } else { C_CONT };
    AsciiRun { end: start + len, hash: h, unigram: W_STATE, classes }
}

/// `c.is_alphanumeric()`, answering for the General Punctuation block
/// (U+2000–U+206F: curly quotes, dashes, ellipsis, special spaces; none is
/// a letter or a digit, tested) without Unicode's table search.
#[inline]
pub(crate) fn is_alphanumeric(c: char) -> bool {
    !('\u{2000}'..='\u{206f}').contains(&c) && c.is_alphanumeric()
}

/// Where [`emit_features`] sends a text's features.
trait Sink {
    /// Whether `token` needs the unigram id of plain ASCII words (without
    /// it, their unigram hash is not computed and `unigram` is meaningless
    /// for them).
    const UNIGRAMS: bool;
    /// A token with hash `hash` (FNV-1a of its lower case) and unigram id
    /// `unigram`, after a token with hash `prev` (or the start symbol): its
    /// features are `unigram` and `bigram_id(prev, hash)`.
    fn token(&mut self, prev: u64, hash: u64, unigram: u64);
    /// A plain word of one to eight ASCII letters and digits, after a
    /// token with hash `prev`: `key` is its lower case, first byte in the
    /// low lane, the lanes past the word zero. Returns the word's hash for
    /// the next token's bigram (a sink may return anything for a word no
    /// bigram of it can start; see [`ScoreSink`]).
    fn short_word(&mut self, prev: u64, key: u64) -> u64;
    /// Any other feature id (rules, categories, shape).
    fn id(&mut self, id: u64);
}

/// The bytes of a [`Sink::short_word`] key (its non-zero low lanes).
fn key_bytes(key: &[u8; 8]) -> &[u8] {
    let len = key.iter().position(|&b| b == 0).unwrap_or(8);
    &key[..len]
}

/// Collects every feature id.
struct IdSink<'a>(&'a mut Vec<u64>);

impl Sink for IdSink<'_> {
    const UNIGRAMS: bool = true;
    #[inline]
    fn token(&mut self, prev: u64, hash: u64, unigram: u64) {
        self.0.push(unigram);
        self.0.push(bigram_id(prev, hash));
    }
    fn short_word(&mut self, prev: u64, key: u64) -> u64 {
        let bytes = key.to_le_bytes();
        let word = key_bytes(&bytes);
        let hash = fnv(FNV_OFFSET, word);
        self.token(prev, hash, fnv(W_STATE, word));
        hash
    }
    #[inline]
    fn id(&mut self, id: u64) {
        self.0.push(id);
    }
}

/// The feature ids of a text, unsorted and with repeats, passed to `sink`
/// one by one (no `Vec` of every feature: scoring looks each id up as it
/// comes). [`features_named`] documents the features.
///
/// Tokens of ASCII letters and digits (most of them) are hashed straight
/// from the text; a token with other characters goes through
/// [`general_token`], which lower-cases it into a buffer first. Both give
/// the same tokens (`feature_names` and the fixture tests check it).
fn emit_features<S: Sink>(
    text: &str,
    hits: &[RuleHit],
    top: bool,
    mut names: Option<&mut HashMap<u64, String>>,
    sink: &mut S,
) {
    let bytes = text.as_bytes();
    let n = bytes.len();
    let mut tok: Vec<u8> = Vec::new();
    let mut prev: Vec<u8> = if names.is_some() { START.to_vec() } else { Vec::new() };
    let mut prev_hash = START_HASH;
    let mut at_start = true;
    let mut words = Words { count: 0, after_space: true };
    let mut i = 0;
    // Without names, plain ASCII words (most tokens) and white space take
    // a short path; the general path below gives the same features.
    let fast = names.is_none();
    while i < n {
        let b = bytes[i];
        let class = CLASS[b as usize];
        if fast && class & C_SPACE != 0 {
            words.after_space = true;
            i += 1;
            continue;
        }
        if !S::UNIGRAMS && fast && class & C_LETTER != 0 {
            // Scoring: a word starting with an ASCII letter, read eight
            // bytes at once. One to seven ASCII letters and digits followed
            // by what ends a plain word (as below) go to the sink by their
            // bytes; longer words and the rest take the way below.
            let (alnum, lower) = ascii_alnum_lanes(load8(bytes, i));
            let stop = !alnum & LANE_HIGH;
            if stop != 0 {
                let k = stop.trailing_zeros() / 8;
                let e = i + k as usize;
                let next = bytes.get(e).copied();
                let next_class = next.map_or(C_SPACE, |c| CLASS[c as usize]);
                let key = lower & lanes_below(k);
                // A URL starts with `http:`, `https:` or `www.` (what
                // `token_kind` tests), told from the key itself.
                let url = |c: u8| match c {
                    b':' => key == claims_key(b"http") || key == claims_key(b"https"),
                    b'.' => key == claims_key(b"www"),
                    _ => false,
                };
                let plain = next_class & C_SPACE != 0
                    || next.is_some_and(|c| c.is_ascii() && c != b'\'' && c != b'_' && !url(c));
                if plain {
                    words.count += usize::from(words.after_space);
                    at_start = false;
                    prev_hash = sink.short_word(prev_hash, key);
                    let space = next.is_some() && next_class & C_SPACE != 0;
                    words.after_space = space;
                    i = e + usize::from(space);
                    continue;
                }
            }
        }
        if fast && class & C_LETTER != 0 {
            // A word starting with an ASCII letter: hashed as it is read;
            // it is a plain word (no apostrophe to trim, not `http:`,
            // `https:` or `www.`, no non-ASCII letter after it) or it goes
            // the general way.
            let AsciiRun { end: e, hash: h, unigram: hw, classes: any } =
                if S::UNIGRAMS { ascii_run(bytes, i, true) } else { alnum_run(bytes, i) };
            let next = bytes.get(e).copied();
            // The next byte: white space (most words), the end, other
            // ASCII (`:` and `.` after three to five letters may make a
            // URL), or non-ASCII (maybe a letter: the general way).
            let next_class = next.map_or(C_SPACE, |c| CLASS[c as usize]);
            let plain = next_class & C_SPACE != 0
                || next.is_some_and(|c| c.is_ascii() && !((3..=5).contains(&(e - i)) && matches!(c, b':' | b'.')));
            if any & C_APOS == 0 && plain {
                // `b` is a letter, not `@`.
                words.count += usize::from(words.after_space);
                at_start = false;
                sink.token(prev_hash, h, hw);
                prev_hash = h;
                // The white space byte after the word, if any, is read here.
                let space = next.is_some() && next_class & C_SPACE != 0;
                words.after_space = space;
                i = e + usize::from(space);
                continue;
            }
        }
        let hash: u64;
        // The unigram id: FNV-1a of `w:` and the token.
        let unigram: u64;
        let mut user = false;
        if b == b'?' || b == b'!' {
            words.visible(b);
            hash = fnv(FNV_OFFSET, &bytes[i..i + 1]);
            unigram = fnv(W_STATE, &bytes[i..i + 1]);
            tok.clear();
            tok.push(b);
            i += 1;
        } else if b.is_ascii() && CLASS[b as usize] & C_START == 0 {
            if CLASS[b as usize] & C_SPACE != 0 {
                words.after_space = true;
            } else {
                words.visible(b);
            }
            i += 1;
            continue;
        } else {
            let first = if b.is_ascii() {
                b as char
            } else {
                let c = text[i..].chars().next().unwrap_or(' ');
                if !(c == '’' || is_alphanumeric(c)) {
                    words.char(b, c);
                    i += c.len_utf8();
                    continue;
                }
                c
            };
            words.visible(b);
            // The ASCII run of the token (after a leading `@` or `#`),
            // hashed lower-cased as it is read.
            let body = if b == b'@' || b == b'#' { i + 1 } else { i };
            let AsciiRun { end: e, hash: h, unigram: hw, classes: any } = ascii_run(bytes, body, true);
            let ascii = b.is_ascii()
                && (e == n
                    || bytes[e].is_ascii()
                    || text[e..].chars().next().is_none_or(|c| !(c == '’' || is_alphanumeric(c))));
            let end;
            let kind = if !ascii {
                end = general_token(text, i, first, &mut tok);
                token_kind(&tok, bytes.get(end).copied(), first)
            } else if e > body && any & C_NONDIGIT == 0 && first != '@' {
                end = e;
                TokenKind::Num
            } else if any & C_APOS == 0
                && first != '@'
                && !((3..=5).contains(&(e - body)) && matches!(bytes.get(e), Some(b':' | b'.')))
            {
                // No apostrophe to trim, not a URL: a word, already hashed.
                end = e;
                TokenKind::Word(0, 0)
            } else {
                end = e;
                token_kind(&bytes[body..e], bytes.get(e).copied(), first)
            };
            i = end;
            match kind {
                TokenKind::Url => {
                    // The URL runs to the next ASCII white space.
                    while i < n && !bytes[i].is_ascii_whitespace() {
                        let c = bytes[i];
                        if c.is_ascii() {
                            if is_space(c) {
                                words.after_space = true;
                            } else {
                                words.visible(c);
                            }
                            i += 1;
                        } else {
                            let ch = text[i..].chars().next().unwrap_or(' ');
                            words.char(c, ch);
                            i += ch.len_utf8();
                        }
                    }
                    (hash, unigram) = (URL_HASH, fnv::bytes(W_STATE, URL));
                    if names.is_some() {
                        tok.clear();
                        tok.extend_from_slice(URL);
                    }
                }
                TokenKind::User => {
                    user = true;
                    (hash, unigram) = (USER_HASH, fnv::bytes(W_STATE, USER));
                    if names.is_some() {
                        tok.clear();
                        tok.extend_from_slice(USER);
                    }
                }
                TokenKind::Num => {
                    (hash, unigram) = (NUM_HASH, fnv::bytes(W_STATE, NUM));
                    if names.is_some() {
                        tok.clear();
                        tok.extend_from_slice(NUM);
                    }
                }
                TokenKind::Word(lead, trail) => {
                    if ascii {
                        let w = &bytes[body + lead..end - trail];
                        if w.is_empty() {
                            continue;
                        }
                        (hash, unigram) =
                            if lead + trail == 0 { (h, hw) } else { (fnv_lower(FNV_OFFSET, w), fnv_lower(W_STATE, w)) };
                        if names.is_some() {
                            tok.clear();
                            tok.extend(w.iter().map(u8::to_ascii_lowercase));
                        }
                    } else {
                        tok.truncate(tok.len() - trail);
                        tok.drain(..lead);
                        if tok.is_empty() {
                            continue;
                        }
                        (hash, unigram) = (fnv(FNV_OFFSET, &tok), fnv(W_STATE, &tok));
                    }
                }
            }
        }
        // Leading @mentions of Twitter replies carry no stance.
        if at_start && user {
            continue;
        }
        at_start = false;
        sink.token(prev_hash, hash, unigram);
        if let Some(nm) = names.as_deref_mut() {
            let bigram = bigram_id(prev_hash, hash);
            let (p, t) = (String::from_utf8_lossy(&prev), String::from_utf8_lossy(&tok));
            nm.entry(unigram).or_insert_with(|| format!("w:{t}"));
            nm.entry(bigram).or_insert_with(|| format!("b:{p} {t}"));
            std::mem::swap(&mut prev, &mut tok);
        }
        prev_hash = hash;
    }
    // Named features: the id is the hash of `prefix` + `name`, computed
    // without building the string (names are built only when recorded).
    let mut push = |prefix: &str, name: &str| {
        let id = fnv(fnv(FNV_OFFSET, prefix.as_bytes()), name.as_bytes());
        sink.id(id);
        if let Some(n) = names.as_deref_mut() {
            n.entry(id).or_insert_with(|| format!("{prefix}{name}"));
        }
    };
    for h in hits {
        push("r:", &h.rule);
        push("c:", &h.category);
    }
    if top {
        push("s:", "top");
    }
    // Shape: length bucket (whitespace-separated words, @mentions aside) and a question at the end.
    push(
        "s:",
        match words.count {
            0..=4 => "len0-4",
            5..=12 => "len5-12",
            13..=30 => "len13-30",
            _ => "len31+",
        },
    );
    if text.trim_end().ends_with('?') {
        push("s:", "ends_q");
    }
}

/// What a token is, from its characters as read (lower-cased or not; a
/// leading `@` or `#` left out), the byte after it and its first character.
enum TokenKind {
    /// `http:`, `https:` or `www.`: the URL runs to the next white space.
    Url,
    /// `@name`.
    User,
    /// Digits only.
    Num,
    /// A word: apostrophes to trim at the start and at the end.
    Word(usize, usize),
}

fn token_kind(tok: &[u8], next: Option<u8>, first: char) -> TokenKind {
    let url = match tok.len() {
        4 if tok.eq_ignore_ascii_case(b"http") => next == Some(b':'),
        5 if tok.eq_ignore_ascii_case(b"https") => next == Some(b':'),
        3 if tok.eq_ignore_ascii_case(b"www") => next == Some(b'.'),
        _ => false,
    };
    if url {
        TokenKind::Url
    } else if first == '@' {
        TokenKind::User
    } else if !tok.is_empty() && tok.iter().all(u8::is_ascii_digit) {
        TokenKind::Num
    } else {
        let lead = tok.iter().take_while(|&&c| c == b'\'').count();
        let trail = tok[lead..].iter().rev().take_while(|&&c| c == b'\'').count();
        TokenKind::Word(lead, trail)
    }
}

/// Read the token starting at `i` (first character `first`) into `tok`,
/// lower-cased (`’` as `'`, a leading `@` or `#` left out); returns where it ends.
fn general_token(text: &str, mut i: usize, first: char, tok: &mut Vec<u8>) -> usize {
    let bytes = text.as_bytes();
    tok.clear();
    i += first.len_utf8();
    if first != '#' && first != '@' {
        push_lower(tok, first);
    }
    while i < bytes.len() {
        let n = bytes[i];
        if n.is_ascii() {
            if ascii_token_byte(n) {
                tok.push(n.to_ascii_lowercase());
                i += 1;
            } else {
                break;
            }
        } else {
            let c = text[i..].chars().next().unwrap_or(' ');
            if c == '’' || is_alphanumeric(c) {
                push_lower(tok, c);
                i += c.len_utf8();
            } else {
                break;
            }
        }
    }
    i
}

/// `text.split_whitespace().filter(|w| !w.starts_with('@')).count()`
/// (the tokenizer counts the same as it goes; this is the reference the
/// tests compare with).
#[cfg(test)]
fn count_words(text: &str) -> usize {
    text.split_whitespace().filter(|w| !w.starts_with('@')).count()
}

/// Append the lower case of `c` (curly apostrophes as `'`).
fn push_lower(buf: &mut Vec<u8>, c: char) {
    if c.is_ascii() {
        buf.push(c.to_ascii_lowercase() as u8);
    } else if c == '’' {
        buf.push(b'\'');
    } else {
        let mut tmp = [0u8; 4];
        for l in c.to_lowercase() {
            buf.extend_from_slice(l.encode_utf8(&mut tmp).as_bytes());
        }
    }
}

/// [`features_named`] without names.
pub fn features(text: &str, hits: &[RuleHit], top: bool) -> Vec<u64> {
    features_named(text, hits, top, None)
}

/// One logistic-regression model: bias, weights by feature id, threshold.
#[derive(Clone, Debug, Default)]
pub struct LogReg {
    /// Intercept.
    pub bias: f32,
    /// Decision threshold on the probability.
    pub threshold: f32,
    /// Per-platform decision (the comment's `platform` metadata → policy),
    /// chosen by cross-validation on that platform's training comments;
    /// platforms not listed use `threshold` with [`Policy::RulesOrModel`].
    pub platforms: BTreeMap<String, PlatformPolicy>,
    weights: IdMap<(f32, Box<str>)>,
}

/// How a platform's comments are decided.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PlatformPolicy {
    /// Decision threshold on the probability.
    pub threshold: f32,
    /// Whether a hand rule alone decides, or the model must agree.
    pub policy: Policy,
}

/// Who decides a comment's act.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Policy {
    /// A hand rule that fires decides; the model adds acts where rules are silent.
    RulesOrModel,
    /// The model decides; rule hits are its features and explain its flags
    /// (on Reddit, cross-validation found the rules alone too imprecise).
    Model,
}

impl Policy {
    /// Its name in the model file.
    pub fn name(self) -> &'static str {
        match self {
            Policy::RulesOrModel => "rules_or_model",
            Policy::Model => "model",
        }
    }
}

impl LogReg {
    /// A model from a bias, a threshold and named weights.
    pub fn new(bias: f32, threshold: f32, weights: impl IntoIterator<Item = (String, f32)>) -> LogReg {
        let weights = weights.into_iter().map(|(n, w)| (feature_id(&n), (w, n.into_boxed_str()))).collect();
        LogReg { bias, threshold, platforms: BTreeMap::new(), weights }
    }

    /// The decision for a comment of `platform` (`None` when unknown).
    pub fn policy(&self, platform: Option<&str>) -> PlatformPolicy {
        platform
            .and_then(|p| self.platforms.get(p))
            .copied()
            .unwrap_or(PlatformPolicy { threshold: self.threshold, policy: Policy::RulesOrModel })
    }

    /// Number of non-zero weights.
    pub fn len(&self) -> usize {
        self.weights.len()
    }

    /// True when the model has no weights.
    pub fn is_empty(&self) -> bool {
        self.weights.is_empty()
    }

    /// Probability for a feature set.
    pub fn probability(&self, features: &[u64]) -> f32 {
        let z = self.bias + features.iter().filter_map(|f| self.weights.get(f)).map(|(w, _)| *w).sum::<f32>();
        sigmoid(z)
    }

    /// Probability and a one-line explanation: the three features that
    /// pushed the score up most, with their weights.
    pub fn explain(&self, features: &[u64]) -> (f32, String) {
        let p = self.probability(features);
        let mut top: Vec<(f32, &str)> = features
            .iter()
            .filter_map(|f| self.weights.get(f))
            .filter(|(w, _)| *w > 0.0)
            .map(|(w, n)| (*w, &**n))
            .collect();
        top.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
        let mut s = format!("p={p:.2}");
        for (w, n) in top.iter().take(3) {
            let _ = write!(s, " {n} (+{w:.2})");
        }
        (p, s)
    }

    /// Named weights, sorted by name (for writing the model file).
    pub fn named_weights(&self) -> Vec<(&str, f32)> {
        let mut v: Vec<(&str, f32)> = self.weights.values().map(|(w, n)| (&**n, *w)).collect();
        v.sort_by(|a, b| a.0.cmp(b.0));
        v
    }
}

fn sigmoid(z: f32) -> f32 {
    1.0 / (1.0 + (-z).exp())
}

/// One of the two models of a [`Model`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Which {
    /// [`Model::pushback`].
    Pushback,
    /// [`Model::evidence_request`].
    EvidenceRequest,
}

/// The two pushback models.
#[derive(Clone, Debug, Default)]
pub struct Model {
    /// Pushback (deny + query).
    pub pushback: LogReg,
    /// Evidence request (query).
    pub evidence_request: LogReg,
    /// Both models' weights by feature id, built once: scoring does one
    /// lookup per feature.
    table: FeatureTable,
}

/// Both models' weights in one open-addressing table keyed by feature id.
///
/// Every id of either model gets a *rank*: its position among all the
/// models' ids in ascending order. Scoring sums the weights of a comment's
/// known features in rank order, which is ascending id order, the order
/// [`LogReg::probability`] sums a sorted feature list in, so the `f32` sums
/// (and the probabilities) are the same to the bit.
#[derive(Clone, Debug, Default)]
struct FeatureTable {
    /// Slot → feature id (0: empty; an id of 0 lives in `zero`).
    ids: Vec<u64>,
    /// Slot → rank of the id in it.
    ranks: Vec<u32>,
    /// `64 - log2(slots)`: a slot is the top bits of the id times a constant.
    shift: u32,
    /// Rank → `(pushback, evidence_request)` weight (0 where a model lacks it).
    weights: Vec<(f32, f32)>,
    /// Rank → the feature's name in `(pushback, evidence_request)` (empty
    /// where a model lacks it): explanations read them.
    names: Vec<(Box<str>, Box<str>)>,
    /// The rank of id 0, if a model has it.
    zero: Option<u32>,
    /// One bit per `id % FILTER_BITS` of the table's ids: most n-grams of a
    /// text are not in the model, and this 16 KiB filter (L1-resident)
    /// rejects most of them without a table probe.
    filter: Vec<u64>,
    /// The words of the models' unigrams and bigrams, by token hash.
    vocab: Vocab,
    /// Those of one to eight ASCII letters and digits, by their bytes.
    keyed: KeyedVocab,
}

/// What the models know of a word (a token's lower case).
#[derive(Clone, Copy, Debug, Default)]
struct Word {
    /// The rank of its unigram feature (`w:WORD`), or [`NO_RANK`].
    unigram: u32,
    /// [`W_USED`], [`W_LEFT`], [`W_RIGHT`]; 0 for an unknown word.
    flags: u32,
}

const NO_RANK: u32 = u32::MAX;
/// A word a model knows (every entry of the vocabulary).
const W_USED: u32 = 1;
/// The word starts a bigram feature (`b:WORD x`).
const W_LEFT: u32 = 2;
/// The word ends a bigram feature (`b:x WORD`).
const W_RIGHT: u32 = 4;

/// The models' words by token hash (FNV-1a of the word, what the
/// tokenizer computes): one probe per token tells its unigram's rank and
/// whether a bigram with the previous token can be a feature, so plain
/// words are hashed once (not also with the `w:` prefix) and a bigram's
/// id is computed and looked up only when both its words can form one.
/// A feature `w:X` has the id `fnv("w:" + X)` and `b:X Y` the id
/// `bigram_id(fnv(X), fnv(Y))`, so a token whose unigram or bigram id is
/// in the table is a vocabulary word, barring 64-bit hash collisions.
#[derive(Clone, Debug, Default)]
struct Vocab {
    /// Slot → (word hash, word); empty slots have `flags == 0`.
    slots: Vec<(u64, Word)>,
    /// `64 - log2(slots)`.
    shift: u32,
}

impl Vocab {
    /// The vocabulary of the feature names `names` (rank → names).
    /// Also returns the [`short_key`]s of its words, for
    /// [`KeyedVocab::new`].
    fn new(names: &[(Box<str>, Box<str>)]) -> (Vocab, Vec<u64>) {
        /// The entry of word `w`, marked used; its short key noted.
        fn word<'m>(words: &'m mut BTreeMap<u64, Word>, keys: &mut Vec<u64>, w: &str) -> &'m mut Word {
            let e = words.entry(fnv(FNV_OFFSET, w.as_bytes())).or_insert(Word { unigram: NO_RANK, flags: 0 });
            if e.flags == 0 {
                // A new word.
                keys.extend(short_key(w));
            }
            e.flags |= W_USED;
            e
        }
        let mut words: BTreeMap<u64, Word> = BTreeMap::new();
        let mut keys: Vec<u64> = Vec::new();
        for (rank, (a, b)) in names.iter().enumerate() {
            for name in [a, b] {
                if let Some(w) = name.strip_prefix("w:") {
                    word(&mut words, &mut keys, w).unigram = rank as u32;
                } else if let Some((l, r)) = name.strip_prefix("b:").and_then(|r| r.split_once(' ')) {
                    word(&mut words, &mut keys, l).flags |= W_LEFT;
                    word(&mut words, &mut keys, r).flags |= W_RIGHT;
                }
            }
        }
        let bits = probe_bits(words.len());
        let mut v = Vocab { slots: vec![(0, Word::default()); 1 << bits], shift: 64 - bits };
        let mask = v.slots.len() - 1;
        for (h, w) in words {
            let mut slot = v.slot(h);
            while v.slots[slot].1.flags != 0 {
                slot = (slot + 1) & mask;
            }
            v.slots[slot] = (h, w);
        }
        (v, keys)
    }

    #[inline]
    fn slot(&self, h: u64) -> usize {
        probe_slot(h, self.shift)
    }

    /// The word with hash `h` (flags 0 if no model knows it).
    #[inline]
    fn get(&self, h: u64) -> Word {
        let mask = self.slots.len().wrapping_sub(1);
        let mut slot = self.slot(h);
        loop {
            match self.slots.get(slot) {
                Some(&(x, w)) if w.flags == 0 || x == h => return w,
                Some(_) => slot = (slot + 1) & mask,
                None => return Word::default(),
            }
        }
    }
}

/// The vocabulary's words of one to eight ASCII letters and digits keyed
/// by their bytes (one `u64`, first byte in the low lane, zero-padded), so
/// the scoring tokenizer reads a short word with one eight-byte load and
/// looks it up without hashing its bytes one by one. Buckets of eight keys
/// (one cache line): a key's bucket is the top bits of the key times a
/// multiplier chosen at load so that no bucket overflows, and a lookup
/// compares all eight keys without a branch. Exact: a hit is the word's
/// own bytes; its entry holds the word's FNV-1a hash and what [`Vocab`]
/// holds for that hash, so scoring by key and by hash agree.
#[derive(Clone, Debug, Default)]
struct KeyedVocab {
    /// Bucket → eight keys (0: an empty place; no key is 0).
    keys: Vec<[u64; 8]>,
    /// Bucket → the index in `words` of each key's word; places 8–15 are 0.
    index: Vec<[u16; 16]>,
    /// Index → (FNV-1a of the word, the word); index 0 is the unknown word.
    words: Vec<(u64, Word)>,
    /// The bucket multiplier.
    mult: u64,
    /// `64 - log2(buckets)`.
    shift: u32,
}

impl KeyedVocab {
    /// The short words of `vocab`, whose [`short_key`]s are `keys` (in
    /// any order, repeats allowed).
    fn new(vocab: &Vocab, mut keys: Vec<u64>) -> KeyedVocab {
        keys.sort_unstable();
        keys.dedup();
        let short: Vec<(u64, (u64, Word))> = keys
            .into_iter()
            .map(|key| {
                let h = fnv(FNV_OFFSET, key_bytes(&key.to_le_bytes()));
                (key, (h, vocab.get(h)))
            })
            .collect();
        let mut words = vec![(0, Word { unigram: NO_RANK, flags: 0 })];
        words.extend(short.iter().map(|&(_, w)| w));
        // From a table at most three eighths full, the first multiplier
        // (of a fixed sequence: the same table every run) that fits every
        // key in its bucket.
        let mut mult: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut bits = (short.len() * 3 / 8).max(1).next_power_of_two().trailing_zeros();
        loop {
            for _ in 0..64 {
                let (mut keys, mut index) = (vec![[0u64; 8]; 1 << bits], vec![[0u16; 16]; 1 << bits]);
                let fits = short.iter().enumerate().all(|(n, &(key, _))| {
                    let b = (key.wrapping_mul(mult) >> (64 - bits)) as usize;
                    match keys[b].iter().position(|&k| k == 0) {
                        Some(p) => {
                            keys[b][p] = key;
                            index[b][p] = (n + 1) as u16;
                            true
                        }
                        None => false,
                    }
                });
                if fits && words.len() <= usize::from(u16::MAX) {
                    return KeyedVocab { keys, index, words, mult, shift: 64 - bits };
                }
                mult = mult.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407) | 1;
            }
            bits += 1;
            if bits > 20 {
                // Unreachable for any vocabulary that fits in memory; an
                // empty table sends every word the hashing way.
                return KeyedVocab::default();
            }
        }
    }

    /// `(FNV-1a hash, word)` of the short word `key`; `(0, unknown)` when
    /// no model knows it.
    #[inline(always)]
    fn get(&self, key: u64) -> (u64, Word) {
        let b = (key.wrapping_mul(self.mult).checked_shr(self.shift).unwrap_or(0)) as usize;
        let (Some(keys), Some(index)) = (self.keys.get(b), self.index.get(b)) else {
            return (0, Word { unigram: NO_RANK, flags: 0 });
        };
        let mut hit = 0x100u32;
        for (p, &k) in keys.iter().enumerate() {
            hit |= u32::from(k == key) << p;
        }
        let at = index[(hit.trailing_zeros() & 15) as usize];
        self.words.get(usize::from(at)).copied().unwrap_or((0, Word { unigram: NO_RANK, flags: 0 }))
    }
}

/// The key of a word of one to eight ASCII lower-case letters and digits
/// (its bytes, first in the low lane), or `None`.
fn short_key(w: &str) -> Option<u64> {
    let b = w.as_bytes();
    if b.is_empty() || b.len() > 8 || !b.iter().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()) {
        return None;
    }
    let mut a = [0u8; 8];
    a[..b.len()].copy_from_slice(b);
    Some(u64::from_le_bytes(a))
}

/// Bits of an open-addressing table of `n` keys, at most a quarter full
/// (probes are short); [`FeatureTable`] and [`Vocab`] are sized by it.
fn probe_bits(n: usize) -> u32 {
    (n.max(1) * 4).next_power_of_two().trailing_zeros().max(4)
}

/// The first slot of key `h` in a table of `64 - shift` bits
/// (multiplicative hashing: the key's high bits after a multiply).
#[inline]
fn probe_slot(h: u64, shift: u32) -> usize {
    (h.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> shift) as usize
}

/// Scores a comment: the ranks of its known features, each once.
///
/// A token's unigram rank and bigram id are written to buffers without a
/// branch on whether the models know them (a word the models lack writes
/// the spare rank, a bigram that cannot be a feature is overwritten by the
/// next); [`ScoreSink::finish`] puts them in the set after the text.
struct ScoreSink<'a> {
    table: &'a FeatureTable,
    /// The comment's known features as a set of ranks.
    set: &'a mut RankSet,
    /// The previous token starts a bigram feature.
    prev_left: bool,
    /// Each token's unigram rank, or `spare`; `unigrams[..n_uni]` are set.
    unigrams: &'a mut Vec<u32>,
    n_uni: usize,
    /// Ids of the bigrams whose two words can form one: `bigrams[..n_bi]`.
    bigrams: &'a mut Vec<u64>,
    n_bi: usize,
    /// A rank past every feature's (the set has room for it; dropped).
    spare: u32,
}

impl ScoreSink<'_> {
    #[inline(always)]
    fn add(&mut self, rank: u32) {
        self.set.insert(rank);
    }
}

/// A set of ranks, read back in ascending order: one bit per rank, and one
/// bit per non-zero word of those, so inserting is two `or`s, repeats cost
/// nothing, and reading back visits only the words that hold a rank (no
/// sort, no per-comment clearing of the whole set: reading clears what it
/// visits).
#[derive(Default)]
struct RankSet {
    words: Vec<u64>,
    summary: Vec<u64>,
}

impl RankSet {
    /// Make room for ranks below `n` (an empty set).
    fn reserve(&mut self, n: usize) {
        let words = n.div_ceil(64);
        if self.words.len() != words {
            self.words.clear();
            self.words.resize(words, 0);
            self.summary.clear();
            self.summary.resize(words.div_ceil(64), 0);
        }
    }

    #[inline(always)]
    fn insert(&mut self, rank: u32) {
        let w = (rank >> 6) as usize;
        if let (Some(word), Some(sum)) = (self.words.get_mut(w), self.summary.get_mut(w >> 6)) {
            *word |= 1 << (rank & 63);
            *sum |= 1 << (w & 63);
        }
    }

    /// Move the set's ranks, ascending, to `out`, leaving the set empty.
    fn drain_into(&mut self, out: &mut Vec<u32>) {
        for (s, sum) in self.summary.iter_mut().enumerate() {
            let mut bits = std::mem::take(sum);
            while bits != 0 {
                let w = s * 64 + bits.trailing_zeros() as usize;
                bits &= bits - 1;
                let Some(word) = self.words.get_mut(w) else { continue };
                let mut x = std::mem::take(word);
                while x != 0 {
                    out.push((w * 64) as u32 + x.trailing_zeros());
                    x &= x - 1;
                }
            }
        }
    }
}

impl ScoreSink<'_> {
    /// Token `hash`, known to the models as `w`, after token `prev`.
    #[inline(always)]
    fn word(&mut self, prev: u64, hash: u64, w: Word) {
        let unigram = if w.unigram != NO_RANK && w.flags != 0 { w.unigram } else { self.spare };
        match self.unigrams.get_mut(self.n_uni) {
            Some(slot) => {
                *slot = unigram;
                self.n_uni += 1;
            }
            None => self.add(unigram),
        }
        let pair = self.prev_left & (w.flags & W_RIGHT != 0);
        let id = bigram_id(prev, hash);
        match self.bigrams.get_mut(self.n_bi) {
            Some(slot) => {
                *slot = id;
                self.n_bi += usize::from(pair);
            }
            None => {
                if let Some(rank) = self.table.rank(id).filter(|_| pair) {
                    self.add(rank);
                }
            }
        }
        self.prev_left = w.flags & W_LEFT != 0;
    }

    /// Put the buffered unigrams and the bigrams the models know in the set.
    fn finish(self) {
        for &r in self.unigrams.get(..self.n_uni).unwrap_or_default() {
            self.set.insert(r);
        }
        for &id in self.bigrams.get(..self.n_bi).unwrap_or_default() {
            if let Some(rank) = self.table.rank(id) {
                self.set.insert(rank);
            }
        }
    }
}

impl Sink for ScoreSink<'_> {
    const UNIGRAMS: bool = false;
    #[inline(always)]
    fn token(&mut self, prev: u64, hash: u64, _unigram: u64) {
        let w = self.table.vocab.get(hash);
        self.word(prev, hash, w);
    }
    /// Looked up by its bytes ([`KeyedVocab`]): the hash returned is the
    /// word's FNV-1a when a model knows the word, else 0 (then no bigram
    /// starts with it, and the next token does not read `prev`).
    #[inline(always)]
    fn short_word(&mut self, prev: u64, key: u64) -> u64 {
        let (hash, w) = self.table.keyed.get(key);
        self.word(prev, hash, w);
        hash
    }
    #[inline]
    fn id(&mut self, id: u64) {
        if let Some(rank) = self.table.rank(id) {
            self.add(rank);
        }
    }
}

impl FeatureTable {
    fn new(pushback: &LogReg, evidence_request: &LogReg) -> FeatureTable {
        let mut all: BTreeMap<u64, (f32, f32)> = BTreeMap::new();
        let mut names: BTreeMap<u64, (Box<str>, Box<str>)> = BTreeMap::new();
        for (id, (w, n)) in &pushback.weights {
            all.entry(*id).or_default().0 = *w;
            names.entry(*id).or_default().0 = n.clone();
        }
        for (id, (w, n)) in &evidence_request.weights {
            all.entry(*id).or_default().1 = *w;
            names.entry(*id).or_default().1 = n.clone();
        }
        let bits = probe_bits(all.len());
        let slots = 1usize << bits;
        let mut t = FeatureTable {
            ids: vec![0; slots],
            ranks: vec![0; slots],
            shift: 64 - bits,
            weights: all.values().copied().collect(),
            names: names.into_values().collect(),
            zero: None,
            filter: vec![0u64; (FILTER_BITS / 64) as usize],
            vocab: Vocab::default(),
            keyed: KeyedVocab::default(),
        };
        let (vocab, short_keys) = Vocab::new(&t.names);
        t.vocab = vocab;
        t.keyed = KeyedVocab::new(&t.vocab, short_keys);
        for (rank, &id) in all.keys().enumerate() {
            let rank = rank as u32;
            let bit = id % FILTER_BITS;
            t.filter[(bit / 64) as usize] |= 1 << (bit % 64);
            if id == 0 {
                t.zero = Some(rank);
                continue;
            }
            let mut slot = t.slot(id);
            while t.ids[slot] != 0 {
                slot = (slot + 1) & (slots - 1);
            }
            t.ids[slot] = id;
            t.ranks[slot] = rank;
        }
        t
    }

    #[inline]
    fn slot(&self, id: u64) -> usize {
        probe_slot(id, self.shift)
    }

    /// The rank of `id`, if a model has it.
    #[inline]
    fn rank(&self, id: u64) -> Option<u32> {
        let bit = id % FILTER_BITS;
        if self.filter.get((bit / 64) as usize).is_none_or(|w| w & (1 << (bit % 64)) == 0) {
            return None;
        }
        if id == 0 {
            return self.zero;
        }
        let mask = self.ids.len() - 1;
        let mut slot = self.slot(id);
        loop {
            match self.ids.get(slot) {
                Some(&x) if x == id => return self.ranks.get(slot).copied(),
                Some(&0) | None => return None,
                Some(_) => slot = (slot + 1) & mask,
            }
        }
    }
}

/// Per-thread scratch of [`Model::scores`]: the set of a comment's known
/// features (no allocation per comment).
#[derive(Default)]
struct Scratch {
    set: RankSet,
    /// [`ScoreSink`]'s buffers.
    unigrams: Vec<u32>,
    bigrams: Vec<u64>,
}

const FILTER_BITS: u64 = 1 << 17;

impl Model {
    /// The two models, with their shared lookup table.
    pub fn new(pushback: LogReg, evidence_request: LogReg) -> Model {
        let table = FeatureTable::new(&pushback, &evidence_request);
        Model { pushback, evidence_request, table }
    }

    /// `(pushback, evidence_request)` probabilities of a comment, equal to
    /// [`LogReg::probability`] of each model on [`features`], without
    /// building the feature list: each id is looked up as the tokenizer
    /// emits it, repeats are dropped by a generation stamp, and the known
    /// features are summed in id order, as `probability` does.
    pub fn scores(&self, text: &str, hits: &[RuleHit], top: bool) -> (f32, f32) {
        thread_local! {
            /// The ranks buffer, reused per call.
            static RANKS: std::cell::Cell<Vec<u32>> = const { std::cell::Cell::new(Vec::new()) };
        }
        let mut ranks = RANKS.take();
        let p = self.scores_ranked(text, hits, top, &mut ranks);
        RANKS.set(ranks);
        p
    }

    /// [`Model::scores`], leaving in `ranks` the ranks of the comment's
    /// features that a model knows, ascending (ascending id order), for
    /// [`Model::explain_ranked`].
    pub(crate) fn scores_ranked(&self, text: &str, hits: &[RuleHit], top: bool, ranks: &mut Vec<u32>) -> (f32, f32) {
        thread_local! {
            static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::new(Scratch::default());
        }
        SCRATCH.with(|k| match k.try_borrow_mut() {
            Ok(mut scratch) => self.scores_into(text, hits, top, &mut scratch, ranks),
            Err(_) => self.scores_into(text, hits, top, &mut Scratch::default(), ranks),
        })
    }

    /// `model.explain(&features(text, hits, top)).1` for the comment whose
    /// [`Model::scores_ranked`] gave `ranks` and probability `p` from
    /// `model` (the same features, the same order, the same text).
    pub(crate) fn explain_ranked(&self, model: Which, p: f32, ranks: &[u32]) -> String {
        let table = &self.table;
        // The three largest positive weights (ties by name), as
        // `LogReg::explain` sorts them, kept by insertion: no sort.
        let mut top: [Option<(f32, &str)>; 3] = [None; 3];
        for &r in ranks {
            let (Some(w), Some(n)) = (table.weights.get(r as usize), table.names.get(r as usize)) else { continue };
            let cand = match model {
                Which::Pushback => (w.0, &*n.0),
                Which::EvidenceRequest => (w.1, &*n.1),
            };
            if cand.0.is_nan() || cand.0 <= 0.0 || cand.1.is_empty() {
                continue;
            }
            let before = |a: &(f32, &str), b: &(f32, &str)| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)).is_lt();
            let mut cand = Some(cand);
            for slot in &mut top {
                match (*slot, cand) {
                    (None, _) => {
                        *slot = cand.take();
                        break;
                    }
                    (Some(old), Some(c)) if before(&c, &old) => {
                        *slot = Some(c);
                        cand = Some(old);
                    }
                    _ => {}
                }
            }
        }
        let mut s = format!("p={p:.2}");
        for (w, n) in top.iter().flatten() {
            let _ = write!(s, " {n} (+{w:.2})");
        }
        s
    }

    fn scores_into(
        &self,
        text: &str,
        hits: &[RuleHit],
        top: bool,
        scratch: &mut Scratch,
        ranks: &mut Vec<u32>,
    ) -> (f32, f32) {
        let table = &self.table;
        // Room for the spare rank after the features'.
        let spare = table.weights.len() as u32;
        scratch.set.reserve(table.weights.len() + 1);
        ranks.clear();
        // A token takes at least one byte of text.
        let room = text.len() + 1;
        if scratch.unigrams.len() < room {
            scratch.unigrams.resize(room, 0);
            scratch.bigrams.resize(room, 0);
        }
        let prev_left = table.vocab.get(START_HASH).flags & W_LEFT != 0;
        let mut sink = ScoreSink {
            table,
            set: &mut scratch.set,
            prev_left,
            unigrams: &mut scratch.unigrams,
            n_uni: 0,
            bigrams: &mut scratch.bigrams,
            n_bi: 0,
            spare,
        };
        emit_features(text, hits, top, None, &mut sink);
        sink.finish();
        // Ascending ranks: ascending ids, the order `probability` sums in.
        scratch.set.drain_into(ranks);
        if ranks.last() == Some(&spare) {
            ranks.pop();
        }
        let weight = |r: &u32| table.weights.get(*r as usize).copied().unwrap_or_default();
        let push: f32 = ranks.iter().map(|r| weight(r).0).sum();
        let er: f32 = ranks.iter().map(|r| weight(r).1).sum();
        (sigmoid(self.pushback.bias + push), sigmoid(self.evidence_request.bias + er))
    }

    /// Parse a model file. Lines: `#` comments; `head<TAB>MODEL<TAB>BIAS<TAB>THRESHOLD`;
    /// `platform<TAB>MODEL<TAB>PLATFORM<TAB>THRESHOLD<TAB>POLICY` (POLICY
    /// `rules_or_model` or `model`);
    /// `MODEL<TAB>FEATURE<TAB>WEIGHT`, where MODEL is `pushback` or
    /// `evidence_request`. Errors name `name` and the line.
    pub fn parse(text: &str, name: &str) -> Result<Model> {
        let mut heads: HashMap<String, (f32, f32)> = HashMap::new();
        let mut weights: HashMap<String, Vec<(String, f32)>> = HashMap::new();
        let mut platforms: HashMap<String, BTreeMap<String, PlatformPolicy>> = HashMap::new();
        for (n, line) in text.lines().enumerate() {
            let bad = |msg: &str| Error::format(format!("model file: {msg}")).with_path(name).at_line(n as u64 + 1);
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let f: Vec<&str> = line.split('\t').collect();
            let num = |s: &str| s.parse::<f32>().map_err(|_| bad(&format!("not a number: {s:?}")));
            match f.as_slice() {
                ["head", model, bias, threshold] => {
                    heads.insert(model.to_string(), (num(bias)?, num(threshold)?));
                }
                ["platform", model, platform, threshold, policy] => {
                    let policy = match *policy {
                        "rules_or_model" => Policy::RulesOrModel,
                        "model" => Policy::Model,
                        other => return Err(bad(&format!("unknown policy {other:?}"))),
                    };
                    let threshold = num(threshold)?;
                    platforms
                        .entry(model.to_string())
                        .or_default()
                        .insert(platform.to_string(), PlatformPolicy { threshold, policy });
                }
                [model, feature, weight] if *model == "pushback" || *model == "evidence_request" => {
                    weights.entry(model.to_string()).or_default().push((feature.to_string(), num(weight)?));
                }
                _ => return Err(bad("expected `head MODEL BIAS THRESHOLD` or `MODEL FEATURE WEIGHT`")),
            }
        }
        let mut build = |m: &str| -> Result<LogReg> {
            let (bias, threshold) = *heads
                .get(m)
                .ok_or_else(|| Error::format(format!("model file: no `head {m}` line")).with_path(name))?;
            let mut lr = LogReg::new(bias, threshold, weights.remove(m).unwrap_or_default());
            lr.platforms = platforms.remove(m).unwrap_or_default();
            Ok(lr)
        };
        Ok(Model::new(build("pushback")?, build("evidence_request")?))
    }

    /// Write the model file that [`Model::parse`] reads.
    pub fn write<W: std::io::Write>(&self, header: &str, mut w: W) -> std::io::Result<()> {
        for line in header.lines() {
            writeln!(w, "# {line}")?;
        }
        for (m, lr) in [("pushback", &self.pushback), ("evidence_request", &self.evidence_request)] {
            writeln!(w, "head\t{m}\t{:.4}\t{:.4}", lr.bias, lr.threshold)?;
            for (p, pp) in &lr.platforms {
                writeln!(w, "platform\t{m}\t{p}\t{:.4}\t{}", pp.threshold, pp.policy.name())?;
            }
            for (n, wt) in lr.named_weights() {
                writeln!(w, "{m}\t{n}\t{wt:.4}")?;
            }
        }
        Ok(())
    }
}

static BUILTIN: LazyLock<Model> = LazyLock::new(|| {
    Model::parse(include_str!("lexicons/pushback_model.tsv"), "lexicons/pushback_model.tsv")
        .expect("built-in pushback model is valid (tested)")
});

/// The shipped model.
pub fn builtin() -> &'static Model {
    &BUILTIN
}

/// One training example: feature ids and a label.
pub type Example = (Vec<u64>, bool);

/// Train a logistic regression by SGD with L2 regularization.
/// Deterministic: examples are visited in an order shuffled by a fixed
/// linear congruential generator.
/// `pos_weight` scales the loss of positive examples (class balancing).
pub fn train(examples: &[Example], epochs: usize, l2: f32, pos_weight: f32) -> (f32, HashMap<u64, f32>) {
    let mut w: HashMap<u64, f32> = HashMap::new();
    let mut bias = 0.0f32;
    let mut order: Vec<usize> = (0..examples.len()).collect();
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    for epoch in 0..epochs {
        for i in (1..order.len()).rev() {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            let j = (seed >> 33) as usize % (i + 1);
            order.swap(i, j);
        }
        let lr = 0.2 / (1.0 + epoch as f32);
        for &i in &order {
            let (x, y) = &examples[i];
            let z = bias + x.iter().map(|f| w.get(f).copied().unwrap_or(0.0)).sum::<f32>();
            let g = if *y { (sigmoid(z) - 1.0) * pos_weight } else { sigmoid(z) };
            bias -= lr * g;
            for f in x {
                let e = w.entry(*f).or_insert(0.0);
                *e -= lr * (g + l2 * *e);
            }
        }
    }
    (bias, w)
}

/// Probability under trained raw weights.
pub fn predict_raw(bias: f32, w: &HashMap<u64, f32>, x: &[u64]) -> f32 {
    sigmoid(bias + x.iter().filter_map(|f| w.get(f)).sum::<f32>())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_model_loads() {
        let m = builtin();
        assert!(m.pushback.threshold > 0.0 && m.pushback.threshold < 1.0);
        assert!(m.evidence_request.threshold > 0.0 && m.evidence_request.threshold < 1.0);
    }

    #[test]
    fn feature_names() {
        let mut names = HashMap::new();
        let ids = features_named("@bob Is this TRUE?? http://t.co/x 2014", &[], true, Some(&mut names));
        let mut got: Vec<&str> = ids.iter().map(|i| names[i].as_str()).collect();
        got.sort();
        let want = [
            "b:<s> is",
            "b:<url> <num>",
            "b:? <url>",
            "b:? ?",
            "b:is this",
            "b:this true",
            "b:true ?",
            "s:len5-12",
            "s:top",
            "w:<num>",
            "w:<url>",
            "w:?",
            "w:is",
            "w:this",
            "w:true",
        ];
        assert_eq!(got, want);
        assert_eq!(ids, features("@bob Is this TRUE?? http://t.co/x 2014", &[], true));
        for (id, name) in &names {
            assert_eq!(feature_id(name), *id, "{name}");
        }
        let mut names = HashMap::new();
        features_named("How? #Ferguson ÜBER’s 'quoted' www.x.org/a?b", &[], false, Some(&mut names));
        let mut unigrams: Vec<&str> = names.values().filter(|n| n.starts_with("w:")).map(String::as_str).collect();
        unigrams.sort();
        assert_eq!(unigrams, ["w:<url>", "w:?", "w:ferguson", "w:how", "w:quoted", "w:über's"]);
    }

    #[test]
    fn model_file_errors_name_the_line() {
        let e = Model::parse("head\tpushback\t0\t0.5\npushback\tw:x\tnope\n", "m.tsv").unwrap_err();
        assert!(e.to_string().contains("m.tsv") && e.to_string().contains('2'), "{e}");
        let e = Model::parse("head\tpushback\t0\t0.5\nplatform\tpushback\treddit\t0.4\tvote\n", "m.tsv").unwrap_err();
        assert!(e.to_string().contains("unknown policy") && e.to_string().contains('2'), "{e}");
    }

    /// The built-in model's per-platform lines survive a write / parse round trip.
    #[test]
    fn platform_policies_round_trip() {
        let m = builtin();
        assert_eq!(m.pushback.policy(Some("reddit")), PlatformPolicy { threshold: 0.41, policy: Policy::RulesOrModel });
        assert_eq!(
            m.evidence_request.policy(Some("reddit")),
            PlatformPolicy { threshold: 0.29, policy: Policy::Model }
        );
        // Unknown platforms fall back to the shared threshold, rules or model.
        assert_eq!(m.pushback.policy(None), PlatformPolicy { threshold: 0.18, policy: Policy::RulesOrModel });
        let mut out = Vec::new();
        m.write("h", &mut out).unwrap();
        let again = Model::parse(std::str::from_utf8(&out).unwrap(), "again").unwrap();
        assert_eq!(again.pushback.platforms, m.pushback.platforms);
        assert_eq!(again.evidence_request.platforms, m.evidence_request.platforms);
        assert_eq!(again.pushback.len(), m.pushback.len());
    }

    /// `Model::scores` (lookups while tokenizing) equals `probability` on
    /// the sorted feature list, bit for bit, on real comments.
    #[test]
    fn scores_equal_probability_on_fixture_comments() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
        let mut threads = crate::read::read_path(&root.join("rumoureval"), crate::read::Format::Auto).unwrap();
        threads.extend(
            crate::read::read_path(&root.join("seeds/001_1ff2f1cad038d70a.txt"), crate::read::Format::Auto).unwrap(),
        );
        let m = builtin();
        let mut n = 0;
        for t in &threads {
            for c in &t.comments {
                let hits = crate::analysis::pushback::act_rules().hits(&c.text);
                let top = c.parent.is_none();
                let f = features(&c.text, &hits, top);
                // The short path (no names) and the general path (names) agree.
                assert_eq!(f, features_named(&c.text, &hits, top, Some(&mut HashMap::new())), "{}", c.text);
                let want = (m.pushback.probability(&f), m.evidence_request.probability(&f));
                let got = m.scores(&c.text, &hits, top);
                assert_eq!(got.0.to_bits(), want.0.to_bits(), "{}", c.text);
                assert_eq!(got.1.to_bits(), want.1.to_bits(), "{}", c.text);
                // Explanations from the kept ranks equal those from the list.
                let mut ranks = Vec::new();
                assert_eq!(m.scores_ranked(&c.text, &hits, top, &mut ranks), got);
                assert_eq!(m.explain_ranked(Which::Pushback, got.0, &ranks), m.pushback.explain(&f).1);
                assert_eq!(m.explain_ranked(Which::EvidenceRequest, got.1, &ranks), m.evidence_request.explain(&f).1);
                n += 1;
            }
        }
        assert!(n > 80, "{n}");
    }

    /// The rank set reads back what was inserted, ascending and once each,
    /// and is empty after (the next comment starts from nothing).
    #[test]
    fn rank_set_drains_sorted_unique_and_empties() {
        let mut set = RankSet::default();
        set.reserve(11_000);
        let mut rng = crate::analysis::TestRng(7);
        for n in [0usize, 1, 5, 60, 400, 3000] {
            let mut want: Vec<u32> = (0..n)
                .map(|_| {
                    let state = rng.next_u64();
                    // Repeats, both ends of the range and word edges.
                    [(state >> 33) as u32 % 11_000, 0, 63, 64, 4095, 4096, 10_999][(state >> 60) as usize % 7]
                })
                .collect();
            want.iter().for_each(|&r| set.insert(r));
            set.insert(11_000 + 64 * 64); // beyond the set: ignored
            want.sort_unstable();
            want.dedup();
            let mut got = Vec::new();
            set.drain_into(&mut got);
            assert_eq!(got, want, "{n}");
            got.clear();
            set.drain_into(&mut got);
            assert!(got.is_empty() && set.words.iter().all(|&w| w == 0), "{n}");
        }
    }

    /// The General Punctuation shortcut of [`is_alphanumeric`] is exact.
    #[test]
    fn general_punctuation_is_not_alphanumeric() {
        for c in ('\u{1f00}'..='\u{2100}').chain(['a', 'é', '1', '’', '“', ' ', '\u{a0}']) {
            assert_eq!(is_alphanumeric(c), c.is_alphanumeric(), "{c:?}");
        }
    }

    /// Scoring by the vocabulary (one probe per token, bigram ids only for
    /// pairs of vocabulary words) equals `probability` on the full feature
    /// list, bit for bit, on texts made of the models' own words (every
    /// token a candidate unigram and every pair a candidate bigram), with
    /// case changes, apostrophes, mentions, links, numbers and non-ASCII.
    #[test]
    fn vocabulary_scores_equal_probability_on_model_words() {
        let m = builtin();
        let mut words: Vec<&str> = Vec::new();
        for lr in [&m.pushback, &m.evidence_request] {
            for (_, (_, n)) in lr.weights.iter() {
                if let Some(w) = n.strip_prefix("w:") {
                    words.push(w);
                } else if let Some((a, b)) = n.strip_prefix("b:").and_then(|r| r.split_once(' ')) {
                    words.extend([a, b]);
                }
            }
        }
        words.sort_unstable();
        words.dedup();
        assert!(words.len() > 2000, "{}", words.len());
        let extra =
            ["’", "'", "Don't", "@bob", "#Tag", "http://x.y", "www.z", "2014", "café", "?", "!", "\n", ".", ","];
        let mut rng = crate::analysis::TestRng(0x1234_5678);
        let mut next = |n: usize| rng.below(n);
        let mut flagged = 0;
        for _ in 0..3000 {
            let mut text = String::new();
            for _ in 0..next(25) {
                let w = if next(5) == 0 { extra[next(extra.len())] } else { words[next(words.len())] };
                match next(6) {
                    0 => text.push_str(&w.to_uppercase()),
                    1 => text.push_str(&format!("'{w}")),
                    _ => text.push_str(w),
                }
                text.push_str([" ", " ", " ", "  ", "\t", ", ", "’ "][next(7)]);
            }
            let f = features(&text, &[], next(2) == 0);
            let want = (m.pushback.probability(&f), m.evidence_request.probability(&f));
            let got = m.scores(&text, &[], f.contains(&feature_id("s:top")));
            assert_eq!((got.0.to_bits(), got.1.to_bits()), (want.0.to_bits(), want.1.to_bits()), "{text}");
            flagged += usize::from(got.0 >= m.pushback.threshold);
        }
        assert!(flagged > 100, "{flagged}");
    }

    /// Tokens at the edges of the short path (apostrophes, URL prefixes,
    /// a non-ASCII letter after ASCII ones) give the general path's ids.
    #[test]
    fn short_path_edges() {
        for t in ["www'", "www.x http: https:x httpx", "don't 'quoted' x'", "abc’ wwwé café", "a_b 12a a12 @x #y"] {
            let named = features_named(t, &[], true, Some(&mut HashMap::new()));
            assert_eq!(features(t, &[], true), named, "{t}");
        }
    }

    proptest::proptest! {
        /// The short path for plain ASCII words and white space (taken
        /// without names) gives the features of the general path.
        #[test]
        fn short_and_general_paths_agree(t in "([a-zA-Z0-9 '’@#:./?!_\n\t-]|é|ſ|\u{a0}|www|http|https){0,60}") {
            let named = features_named(&t, &[], false, Some(&mut HashMap::new()));
            proptest::prop_assert_eq!(features(&t, &[], false), named);
        }
    }

    /// The length bucket counts what `split_whitespace` counts (words not
    /// starting with `@`), though the tokenizer counts as it goes.
    #[test]
    fn word_count_matches_split_whitespace() {
        let bucket = |n: usize| match n {
            0..=4 => "s:len0-4",
            5..=12 => "s:len5-12",
            13..=30 => "s:len13-30",
            _ => "s:len31+",
        };
        let long = "w ".repeat(12) + "http://x\u{b}y\u{a0}z\u{3000}q @a b c";
        for t in [
            "",
            "  a  b ",
            "@x hi @y there",
            "a@b @ @@ x\t\r\ny",
            "a\u{a0}b\u{2003}c\u{3000}d",
            "x\u{b}y\u{c}z",
            "naïve café\n\n@bob",
            "one two three four five",
            "#a #b ! ? ... -- ’tis o’er 'quoted' “x” @y",
            &long,
            "a b c d www.x\u{85}y\u{a0}z http:\u{2003}k",
        ] {
            let mut names = HashMap::new();
            features_named(t, &[], false, Some(&mut names));
            let got: Vec<&str> = names.values().filter(|n| n.starts_with("s:len")).map(String::as_str).collect();
            assert_eq!(got, [bucket(count_words(t))], "{t:?}");
        }
    }

    /// The ASCII fast path and the general token path agree: a token read
    /// both ways (ASCII, then with a non-ASCII letter forcing the general
    /// path) gives the features the names say.
    #[test]
    fn ascii_and_general_tokens_agree() {
        for (t, want) in [
            ("Don't 'x' ''", vec!["w:don't", "w:x"]),
            (
                "#Tag @user HTTP://a.b www.c.d wwwx 2014 '12 a_b",
                vec!["w:tag", "w:<user>", "w:<url>", "w:wwwx", "w:<num>", "w:12", "w:a_b"],
            ),
            ("Ünïcode DON’T ’tis", vec!["w:ünïcode", "w:don't", "w:tis"]),
            ("café's @ñame #ñ", vec!["w:café's", "w:<user>", "w:ñ"]),
        ] {
            let mut names = HashMap::new();
            let ids = features_named(t, &[], false, Some(&mut names));
            let mut got: Vec<&str> = names.values().filter(|n| n.starts_with("w:")).map(String::as_str).collect();
            got.sort();
            let mut want = want;
            want.sort();
            assert_eq!(got, want, "{t}");
            for id in ids {
                if let Some(name) = names.get(&id) {
                    assert_eq!(feature_id(name), id, "{name}");
                }
            }
        }
    }
    /// The keyed vocabulary answers for every short vocabulary word what
    /// the hashed one answers for its FNV-1a hash, and nothing for other
    /// keys.
    #[test]
    fn keyed_vocabulary_equals_hashed_vocabulary() {
        let t = &builtin().table;
        let mut n = 0;
        for (a, b) in &t.names {
            for name in [a, b] {
                let words: Vec<&str> = match name.strip_prefix("w:") {
                    Some(w) => vec![w],
                    None => name.strip_prefix("b:").and_then(|r| r.split_once(' ')).map_or(vec![], |(l, r)| vec![l, r]),
                };
                for w in words {
                    let Some(key) = short_key(w) else { continue };
                    let h = fnv(FNV_OFFSET, w.as_bytes());
                    let (got_h, got) = t.keyed.get(key);
                    let want = t.vocab.get(h);
                    assert_eq!((got_h, got.unigram, got.flags), (h, want.unigram, want.flags), "{w}");
                    // The same bytes one lane longer or shorter are other words.
                    for other in
                        [key | (u64::from(b'q') << (8 * w.len().min(7))), key & lanes_below(w.len() as u32 - 1)]
                    {
                        let (_, o) = t.keyed.get(other);
                        let known = short_key_word(other)
                            .is_some_and(|o| t.vocab.get(fnv(FNV_OFFSET, o.as_bytes())).flags != 0);
                        assert_eq!(o.flags != 0, known, "{w} {other:x}");
                    }
                    n += 1;
                }
            }
        }
        assert!(n > 4000, "{n}");
        assert_eq!(t.keyed.get(short_key("zzqzzq").unwrap()).1.flags, 0);
        assert_eq!(t.keyed.get(u64::MAX).1.flags, 0);
    }

    /// The word a key spells, when it is a [`short_key`].
    fn short_key_word(key: u64) -> Option<String> {
        let bytes = key.to_le_bytes();
        let w = String::from_utf8(key_bytes(&bytes).to_vec()).ok()?;
        (short_key(&w) == Some(key)).then_some(w)
    }

    /// Scoring with short words read eight bytes at once and looked up by
    /// their bytes equals `probability` on the feature list (which never
    /// takes that path), bit for bit: the models' short words and others of
    /// seven to nine bytes, in upper case, at every alignment, against every
    /// kind of byte that can end a word (apostrophes, underscores, `:` and
    /// `.` after URL-like prefixes, non-ASCII letters and spaces, links,
    /// the text's end), empty texts and a 1 MB text.
    #[test]
    fn short_words_by_key_equal_probability() {
        let m = builtin();
        let mut words: Vec<&str> = m
            .table
            .names
            .iter()
            .flat_map(|(a, b)| [a, b])
            .filter_map(|n| {
                n.strip_prefix("w:").or_else(|| n.strip_prefix("b:").and_then(|r| r.split_once(' ').map(|p| p.0)))
            })
            .filter(|w| short_key(w).is_some() && w.as_bytes()[0].is_ascii_alphabetic())
            .collect();
        words.sort_unstable();
        words.dedup();
        assert!(words.len() > 1500, "{}", words.len());
        let odd =
            ["abcdefg", "abcdefgh", "abcdefghi", "sevenxx", "eightxxx", "a", "x1", "http", "https", "www", "wwwx"];
        let ends = [
            " ",
            "  ",
            "\t",
            "\n",
            "\r\n",
            ",",
            ", ",
            ".",
            ". ",
            ":",
            ": ",
            "'",
            "' ",
            "_",
            "_x ",
            "é",
            "é ",
            "’",
            "’s ",
            "!",
            "?",
            "\u{a0}",
            "\u{3000}",
            "\u{2019}",
            "-",
            "/",
            "@",
            "#",
            "\0",
            "",
            " http://x.y/z ",
            " @bob ",
            " 42 ",
        ];
        let mut rng = crate::analysis::TestRng(0x9e37_79b9);
        let mut next = |n: usize| rng.below(n);
        let check = |text: &str, top: bool| {
            let f = features(text, &[], top);
            let want = (m.pushback.probability(&f), m.evidence_request.probability(&f));
            let got = m.scores(text, &[], top);
            assert_eq!((got.0.to_bits(), got.1.to_bits()), (want.0.to_bits(), want.1.to_bits()), "{text:?}");
        };
        check("", false);
        check("", true);
        let mut big = String::new();
        for pad in 0..8 {
            for _ in 0..400 {
                // Every alignment of the first word, then random words and ends.
                let mut text = " ".repeat(pad);
                for _ in 0..1 + next(12) {
                    let w = if next(6) == 0 { odd[next(odd.len())] } else { words[next(words.len())] };
                    match next(5) {
                        0 => text.push_str(&w.to_uppercase()),
                        1 => {
                            let mut c = w.chars();
                            text.extend(c.next().map(|f| f.to_ascii_uppercase()));
                            text.push_str(c.as_str());
                        }
                        _ => text.push_str(w),
                    }
                    text.push_str(ends[next(ends.len())]);
                }
                check(&text, next(2) == 0);
                // The same text cut at every byte near its end (words end
                // at the text's end, inside the last eight-byte block).
                for cut in text.len().saturating_sub(9)..text.len() {
                    if let Some(t) = text.get(..cut) {
                        check(t, false);
                    }
                }
                if big.len() < 1 << 20 {
                    big.push_str(&text);
                    big.push(' ');
                }
            }
        }
        while big.len() < 1 << 20 {
            big.push_str(&big.clone());
        }
        check(&big, false);
    }
}
