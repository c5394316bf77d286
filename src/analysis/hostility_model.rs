//! A small trained model of ad hominem aimed at the reader, shipped as data.
//!
//! The hand lexicons catch insults that use an insulting word; moderators
//! also remove attacks without one ("do you even read what you write?",
//! "you clearly have no idea what you're talking about"). This model reads
//! only the **second-person sentences** of a comment (those with `you`,
//! `your`, `you're`, …), so it can only ever flag text addressed to the
//! interlocutor, and its finding points at the sentence that weighed most.
//!
//! Features: word unigrams and bigrams (tokens `[a-z0-9']+` after lowering
//! A–Z) of those sentences joined in order, weighted TF-IDF with
//! sublinear term frequency and L2 normalization; a logistic regression
//! turns them into a probability. `lexicons/hostility_model.tsv` lists
//! every feature with its idf and weight; it is trained by
//! `scripts/train_hostility_model.py` on the dev half of cmv-adhominem only
//! (even chain numbers), with the threshold chosen by 5-fold
//! cross-validation on that half (the lowest with precision ≥ 0.9).
//!
//! ```
//! use threadlens::analysis::hostility_model::builtin;
//!
//! let m = builtin();
//! let v = m.score("Do you even read? You're a troll and you know it.").unwrap();
//! assert!(v.probability > m.threshold);
//! assert!(m.score("The report was published in 2019.").is_none());
//! ```

use std::sync::LazyLock;

use crate::error::{Error, Result};
use crate::fnv;

/// Second-person words: a sentence with one of them is read by the model.
const YOU: &[&str] = &[
    "you",
    "your",
    "you're",
    "youre",
    "yourself",
    "yourselves",
    "u",
    "ur",
    "you've",
    "you'd",
    "you'll",
    "yours",
    "ya",
];

/// One feature of the model.
#[derive(Clone, Debug)]
struct Feature {
    name: Box<str>,
    idf: f64,
    weight: f64,
}

/// The ad hominem model: bias, threshold and per-feature idf and weight.
#[derive(Clone, Debug)]
pub struct Model {
    /// Intercept of the logistic regression.
    pub bias: f64,
    /// A comment is flagged at or above this probability.
    pub threshold: f64,
    /// The features, sorted by id (so a feature's index orders features as
    /// its id does: the order the scores are summed in).
    features: Vec<Feature>,
    /// Open-addressing index of the ids: `(id, index + 1)` per slot, `0`
    /// for an empty slot; a power of two of slots, at most 3/4 full, probed
    /// linearly from the id's top bits.
    slots: Vec<(u64, u32)>,
    /// 64 minus log2 of the number of slots.
    shift: u32,
    /// One bit per [`FILTER_BITS`] value of an id's [`slot_of`] hash, set
    /// for the features' ids: most ids the model does not know are turned
    /// away by a read of this small table instead of the slots.
    filter: Vec<u64>,
}

/// log2 of the bits in [`Model`]'s filter (32 KiB).
const FILTER_BITS: u32 = 18;

/// The model's reading of one comment.
#[derive(Clone, Debug, PartialEq)]
pub struct Verdict {
    /// Probability that the comment is an ad hominem attack.
    pub probability: f64,
    /// Byte span of the second-person sentence that weighed most (filled
    /// at or above the threshold only; `0..0` below it).
    pub start: usize,
    /// End of that span.
    pub end: usize,
    /// The features that pushed the score up most, with their share of it
    /// (at or above the threshold only).
    pub top: Vec<(String, f64)>,
}

impl Verdict {
    /// `p=0.83: you're a +0.41, troll +0.35, ...` for a finding's rule field.
    pub fn explain(&self) -> String {
        let parts: Vec<String> = self.top.iter().map(|(n, c)| format!("{n} +{c:.2}")).collect();
        format!("p={:.2}: {}", self.probability, parts.join(", "))
    }
}

/// A token of the text: byte span, the sentence it is in and its hash.
struct Token {
    start: usize,
    end: usize,
    sentence: usize,
    /// Read by the tests, which hold [`for_tokens`]'s hashes (the ones
    /// [`Model::score`] counts) to a scan that hashes every token itself.
    #[cfg_attr(not(test), allow(dead_code))]
    hash: u64,
}

impl Model {
    /// Parse a model file (`bias`, `threshold`, `documents` lines, then
    /// `feature<TAB>idf<TAB>weight`; `#` comments).
    pub fn parse(text: &str, name: &str) -> Result<Model> {
        let (mut bias, mut threshold) = (0.0, 0.5);
        let mut features: Vec<(u64, Feature)> = Vec::new();
        for (i, line) in text.lines().enumerate() {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let bad = |what: &str| Error::invalid(format!("{name}:{}: {what}: {line:?}", i + 1));
            let cols: Vec<&str> = line.split('\t').collect();
            let num = |s: &str| s.parse::<f64>().map_err(|_| bad("not a number"));
            match cols.as_slice() {
                ["bias", v] => bias = num(v)?,
                ["threshold", v] => threshold = num(v)?,
                ["documents", _] => {}
                [feature, idf, weight] => {
                    let f = Feature { name: (*feature).into(), idf: num(idf)?, weight: num(weight)? };
                    features.push((feature_id(feature), f));
                }
                _ => return Err(bad("expected `feature<TAB>idf<TAB>weight`")),
            }
        }
        // By id; of features with the same id the last line wins.
        features.reverse();
        features.sort_by_key(|f| f.0);
        features.dedup_by_key(|f| f.0);
        Ok(Model::with_features(bias, threshold, features))
    }

    /// The model of `features` (sorted by id, ids distinct).
    fn with_features(bias: f64, threshold: f64, features: Vec<(u64, Feature)>) -> Model {
        let size = (features.len() * 4 / 3 + 1).next_power_of_two().max(2);
        let shift = 64 - size.trailing_zeros();
        let mut slots = vec![(0u64, 0u32); size];
        for (k, &(id, _)) in features.iter().enumerate() {
            let mut i = slot_of(id, shift);
            while slots[i].1 != 0 {
                i = (i + 1) & (size - 1);
            }
            slots[i] = (id, k as u32 + 1);
        }
        let mut filter = vec![0u64; 1 << (FILTER_BITS - 6)];
        for &(id, _) in &features {
            let h = slot_of(id, 64 - FILTER_BITS);
            filter[h >> 6] |= 1 << (h & 63);
        }
        let features = features.into_iter().map(|f| f.1).collect();
        Model { bias, threshold, features, slots, shift, filter }
    }

    /// The index of the feature with id `id`, if the model has one.
    #[inline]
    fn find(&self, id: u64) -> Option<u32> {
        let h = slot_of(id, 64 - FILTER_BITS);
        if self.filter[h >> 6] & (1 << (h & 63)) == 0 {
            return None;
        }
        let mask = self.slots.len() - 1;
        let mut i = slot_of(id, self.shift);
        loop {
            let (key, value) = self.slots[i & mask];
            if value == 0 {
                return None;
            }
            if key == id {
                return Some(value - 1);
            }
            i += 1;
        }
    }

    /// Number of features.
    pub fn len(&self) -> usize {
        self.features.len()
    }

    /// True when the model has no features.
    pub fn is_empty(&self) -> bool {
        self.features.is_empty()
    }

    /// The model's probability for `text` and the sentence behind it, or
    /// `None` when the text has no second-person sentence (the model then
    /// has nothing to read).
    pub fn score(&self, text: &str) -> Option<Verdict> {
        SCRATCH.with(|scratch| match scratch.try_borrow_mut() {
            Ok(mut scratch) => self.score_with(text, &mut scratch),
            Err(_) => self.score_with(text, &mut Scratch::default()),
        })
    }

    /// [`Model::score`] with `scratch` for the counts.
    fn score_with(&self, text: &str, scratch: &mut Scratch) -> Option<Verdict> {
        // Every unigram and bigram of the second-person sentences that the
        // model knows is counted by feature index as the sentences are
        // tokenized, with the sentence of its first token; the bigram of a
        // sentence's last token joins the next kept sentence's first token.
        scratch.fit(self.features.len());
        let mut prev: Option<(u64, u32)> = None;
        let sentences = you_sentences(text, |from, to, sentence| {
            let sentence = u32::try_from(sentence).unwrap_or(u32::MAX);
            for_tokens(text.as_bytes(), from, to, |_, _, hash| {
                if let Some((left, left_sentence)) = prev {
                    if let Some(f) = self.find(fnv::bigram(left, hash)) {
                        scratch.count(f, left_sentence);
                    }
                }
                if let Some(f) = self.find(hash) {
                    scratch.count(f, sentence);
                }
                prev = Some((hash, sentence));
            });
        });
        if sentences == 0 {
            return None;
        }
        // Term frequency per feature, in id order (the order of the sums
        // below), with the sentence of its first occurrence.
        let counted = scratch.drain();
        let term = |&(feature, run, first): &(u32, u32, u32)| {
            let f = &self.features[feature as usize];
            let tf = if run == 1 { 1.0 } else { 1.0 + (run as f64).ln() };
            (f, tf * f.idf, first as usize)
        };
        // The probability first, without collecting the terms: most
        // comments stay below the threshold.
        let probability = probability(self.bias, counted.iter().map(term).map(|(f, x, _)| (x, f.weight)));
        if probability < self.threshold {
            // No finding will be made: skip the explanation.
            return Some(Verdict { probability, start: 0, end: 0, top: Vec::new() });
        }
        let terms: Vec<(&Feature, f64, usize)> = counted.iter().map(term).collect();
        let (contributions, probability) = weigh(self.bias, &terms);
        Some(explained(text, &you_tokens(text), sentences, &contributions, probability))
    }
}

/// Each term's contribution (its tf-idf, L2-normalized over `terms`, times
/// its weight; summed in the order of `terms`, which is id order) and the
/// probability of the logistic regression with intercept `bias`.
fn weigh<'f>(bias: f64, terms: &[(&'f Feature, f64, usize)]) -> (Vec<(&'f Feature, f64, usize)>, f64) {
    let norm = terms.iter().map(|t| t.1 * t.1).sum::<f64>().sqrt();
    let contributions: Vec<(&Feature, f64, usize)> =
        if norm > 0.0 { terms.iter().map(|&(f, x, s)| (f, f.weight * x / norm, s)).collect() } else { Vec::new() };
    (contributions, probability(bias, terms.iter().map(|t| (t.1, t.0.weight))))
}

/// [`weigh`]'s probability alone, from each term's tf-idf and weight (in
/// id order), with the same operations in the same order (so the same
/// bits) and nothing collected.
fn probability(bias: f64, terms: impl Iterator<Item = (f64, f64)> + Clone) -> f64 {
    let norm = terms.clone().map(|(x, _)| x * x).sum::<f64>().sqrt();
    let z = bias + terms.filter(|_| norm > 0.0).map(|(x, weight)| weight * x / norm).sum::<f64>();
    1.0 / (1.0 + (-z).exp())
}

/// The verdict at or above the threshold: the span of the sentence with
/// the largest positive contribution (of `sentences` kept ones, whose
/// tokens are `tokens`) and the top four features.
fn explained(
    text: &str,
    tokens: &[Token],
    sentences: usize,
    contributions: &[(&Feature, f64, usize)],
    probability: f64,
) -> Verdict {
    let mut per_sentence = vec![0.0f64; sentences];
    for c in contributions.iter().filter(|c| c.1 > 0.0) {
        per_sentence[c.2] += c.1;
    }
    let best = (0..sentences).fold(0, |b, s| if per_sentence[s] > per_sentence[b] { s } else { b });
    let in_best: Vec<&Token> = tokens.iter().filter(|t| t.sentence == best).collect();
    let (start, end) = sentence_span(text, in_best[0].start, in_best[in_best.len() - 1].end);
    let mut top: Vec<(String, f64)> =
        contributions.iter().filter(|c| c.1 > 0.0).map(|c| (c.0.name.to_string(), c.1)).collect();
    top.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    top.truncate(4);
    Verdict { probability, start, end, top }
}

/// The first slot to probe for id `id` in a table of `1 << (64 - shift)`
/// slots (ids are hashes; the multiply spreads their bits once more).
#[inline]
fn slot_of(id: u64, shift: u32) -> usize {
    (id.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> shift) as usize
}

/// A feature's id: FNV-1a of a unigram's text; a bigram (`left right`)
/// combines its two words' ids.
fn feature_id(name: &str) -> u64 {
    let word = |w: &str| fnv::bytes(fnv::OFFSET, w.as_bytes());
    match name.split_once(' ') {
        Some((a, b)) => fnv::bigram(word(a), word(b)),
        None => word(name),
    }
}

/// Widen a token span to its sentence: back to the sentence start, on to
/// the end of the sentence's last word and closing punctuation.
fn sentence_span(text: &str, first: usize, last: usize) -> (usize, usize) {
    let b = text.as_bytes();
    let mut s = first;
    while s > 0 && b[s - 1] != b'\n' && !(matches!(b[s - 1], b' ' | b'\t') && s >= 2 && b".!?".contains(&b[s - 2])) {
        s -= 1;
    }
    while s < first && b[s].is_ascii_whitespace() {
        s += 1;
    }
    let mut e = last;
    while e < b.len() && matches!(b[e], b'.' | b'!' | b'?' | b'"' | b')') {
        e += 1;
    }
    (s, e)
}

/// Is the character at `b[i..]` white space as the trainer sees it
/// (Python's `str.isspace`)?
fn space_at(b: &[u8], i: usize) -> bool {
    match b.get(i) {
        None => false,
        Some(&c) if c < 0x80 => matches!(c, b' ' | b'\t'..=b'\r' | 0x1c..=0x1f),
        Some(_) => {
            let rest = &b[i..b.len().min(i + 4)];
            let s = match std::str::from_utf8(rest) {
                Ok(s) => s,
                Err(e) => std::str::from_utf8(&rest[..e.valid_up_to()]).unwrap_or(""),
            };
            s.chars().next().is_some_and(char::is_whitespace)
        }
    }
}

/// Tokens of the second-person sentences of `text`, outside `>` quote
/// lines, numbered by kept sentence (see [`you_sentences`]).
fn you_tokens(text: &str) -> Vec<Token> {
    let mut out = Vec::new();
    you_sentences(text, |from, to, sentence| push_tokens(text.as_bytes(), from, to, sentence, &mut out));
    out
}

/// Call `kept(from, to, k)` for the byte range of every second-person
/// sentence of `text` outside `>` quote lines, in order, `k` counting them
/// from 0; returns how many there were. A sentence ends after `.`, `!` or
/// `?` followed by white space, and at a line break.
///
/// Sentence ends are looked for only around second-person words: the
/// pass goes from one second-person token to the next ([`next_you`]: its
/// eight-byte test looks for `y`/`u` alone), then finds that token's line
/// (a quote line is skipped whole), the end of the sentence before it
/// (backward, never further than where the pass resumed) and the end of
/// its own sentence ([`next_stop`]), and resumes after that. Most
/// comments have no second-person word: their sentence ends are never
/// looked at. [`you_sentences_reference`] is the pass that looked at
/// every sentence end, which the tests hold this one to.
fn you_sentences(text: &str, mut kept_sentence: impl FnMut(usize, usize, usize)) -> usize {
    let b = text.as_bytes();
    let n = b.len();
    let mut kept = 0;
    // Where the pass resumes (the start of a sentence), and the start of
    // its line.
    let (mut i, mut line_of_i) = (0, 0);
    while let Some((p, token_end)) = next_you(b, i) {
        // The token's line (the line of `i` when no line break lies in
        // between): a quote line is skipped whole.
        let line = memchr::memrchr(b'\n', &b[i..p]).map_or(line_of_i, |k| i + k + 1);
        let mut unused = 0;
        if skip_quote_line(b, line, &mut unused) != line {
            // Resume after the line break that ends the quote line.
            match memchr::memchr(b'\n', &b[p..]) {
                Some(k) => (i, line_of_i) = (p + k + 1, p + k + 1),
                None => break,
            }
            continue;
        }
        // The sentence starts after the last sentence end before the token
        // (no line break lies in between), or at `i` or the line's start.
        let lower = line.max(i);
        let from = (lower..p)
            .rev()
            .find(|&q| matches!(b[q], b'.' | b'!' | b'?') && space_at(b, q + 1))
            .map_or(lower, |q| q + 1);
        // Its end: the first sentence end after the token.
        let mut j = token_end;
        let to = loop {
            match next_stop(b, j, true) {
                Some(q) if b[q] == b'\n' || (BYTE_CLASS[b[q] as usize] == END && space_at(b, q + 1)) => break q,
                Some(q) => j = q + 1,
                None => break n,
            }
        };
        kept_sentence(from, to, kept);
        kept += 1;
        if to == n {
            break;
        }
        i = to + 1;
        line_of_i = if b[to] == b'\n' { i } else { line };
    }
    kept
}

/// The first second-person token ([`is_you`]) that starts at or after
/// `i`, as (start, end); quote lines not excepted. Eight bytes at a time:
/// the `y`/`u` bytes of a block in either case (and maybe a byte above
/// one, which the test passes over), each tested as a token start.
fn next_you(b: &[u8], mut i: usize) -> Option<(usize, usize)> {
    let n = b.len();
    let candidate = |p: usize| -> Option<(usize, usize)> {
        if BYTE_CLASS[b[p] as usize] != YU_START || (p > 0 && is_token_byte(b[p - 1])) {
            return None;
        }
        let end = b[p..].iter().position(|&c| !is_token_byte(c)).map_or(n, |k| p + k);
        is_you(&b[p..end]).then_some((p, end))
    };
    while let Some(block) = b.get(i..).and_then(|rest| rest.first_chunk::<8>()) {
        let after_letter = i.checked_sub(1).is_some_and(|j| ASCII_LETTER[b[j] as usize]);
        let mut yu = block_yu_starts(u64::from_le_bytes(*block), after_letter);
        while yu != 0 {
            if let Some(found) = candidate(i + yu.trailing_zeros() as usize / 8) {
                return Some(found);
            }
            yu &= yu - 1;
        }
        i += 8;
    }
    (i..n).find_map(candidate)
}

/// [`you_sentences`] as it was: one pass over every sentence end and
/// every possible second-person token ([`next_stop`]). The reference its
/// test holds the new pass to.
#[cfg(test)]
fn you_sentences_reference(text: &str, mut kept_sentence: impl FnMut(usize, usize, usize)) -> usize {
    let b = text.as_bytes();
    let n = b.len();
    let mut kept = 0;
    // First byte of the current sentence.
    let mut from = 0;
    let mut you = false;
    let mut i = skip_quote_line(b, 0, &mut from);
    while let Some(p) = next_stop(b, i, you) {
        let class = BYTE_CLASS[b[p] as usize];
        if class == END {
            let newline = b[p] == b'\n';
            i = p + 1;
            if newline || space_at(b, p + 1) {
                if you {
                    kept_sentence(from, p, kept);
                    kept += 1;
                    you = false;
                }
                from = p + 1;
                if newline {
                    i = skip_quote_line(b, i, &mut from);
                }
            }
        } else if class == YU_START && !you && (p == 0 || !is_token_byte(b[p - 1])) {
            // A token starts here: is it a second-person word?
            i = p + 1;
            while i < n && is_token_byte(b[i]) {
                i += 1;
            }
            you = is_you(&b[p..i]);
        } else {
            // Inside a token, or a byte the word test let through.
            i = p + 1;
        }
    }
    if you {
        kept_sentence(from, n, kept);
        kept += 1;
    }
    kept
}

/// At the start of a line (byte `i`): if it is a `>` quote line (after
/// white space), the offset of its line break (or the end), where the
/// next sentence starts (`*from`); else `i`.
fn skip_quote_line(b: &[u8], i: usize, from: &mut usize) -> usize {
    let n = b.len();
    let mut j = i;
    while j < n && b[j] != b'\n' && space_at(b, j) {
        j += if b[j] < 0x80 { 1 } else { utf8_len(b[j]) };
    }
    if b.get(j) != Some(&b'>') {
        return i;
    }
    let end = b[j..].iter().position(|&c| c == b'\n').map_or(n, |k| j + k);
    *from = end;
    end
}

/// The first byte from `i` that [`you_sentences`] must look at: `\n`,
/// `.`, `!`, `?`, and unless `you`, a `y` or `u` in either case that does
/// not follow an ASCII letter; or `None` at the end. Eight bytes at a time
/// ([`block_stops`]); it may also stop at a few other bytes, which
/// [`you_sentences`] passes over.
fn next_stop(b: &[u8], mut i: usize, you: bool) -> Option<usize> {
    while let Some(block) = b.get(i..).and_then(|rest| rest.first_chunk::<8>()) {
        // A table read, not a test with branches on the byte's value.
        let after_letter = i.checked_sub(1).is_some_and(|j| ASCII_LETTER[b[j] as usize]);
        let stops = block_stops(u64::from_le_bytes(*block), you, after_letter);
        if stops != 0 {
            return Some(i + stops.trailing_zeros() as usize / 8);
        }
        i += 8;
    }
    (i..b.len()).find(|&p| {
        let class = BYTE_CLASS[b[p] as usize];
        class == END || (class == YU_START && !you)
    })
}

/// Every byte of a word set to `b`.
const fn splat(b: u8) -> u64 {
    (b as u64) * 0x0101_0101_0101_0101
}

/// Nonzero when some byte of `x` is zero (never a false alarm without one).
fn zero_byte(x: u64) -> u64 {
    x.wrapping_sub(splat(1)) & !x & splat(0x80)
}

/// The bytes of block `w` (eight bytes) that [`you_sentences`] must look
/// at, as the high bit of each: `\n`, `.`, `!`, `?`, and unless `you`, a
/// `y` or `u` in either case that does not follow an ASCII letter
/// (`after_letter`: the byte before the block is one). The lowest bit set
/// is such a byte or one that follows it; a few control bytes also count
/// (`\x01`, `\x0e`, `\x1f` share the low bits of `!`, `.`, `?`), and so may
/// a byte that follows a `y`/`u` (the zero-byte test can flag the byte
/// above a true match): [`you_sentences`] passes over those. None is
/// missed.
fn block_stops(w: u64, you: bool, after_letter: bool) -> u64 {
    let end = block_ends(w);
    if you {
        return end;
    }
    end | block_yu_starts(w, after_letter)
}

/// The `y`/`u` bytes of block `w` in either case that do not follow an
/// ASCII letter (`after_letter`: the byte before the block is one), as
/// [`block_stops`] gives them; no branch on whether there are any (about
/// one block in four of English text has a `y`/`u`: a branch on it is
/// mispredicted often, and the letter mask costs less than that).
#[inline(always)]
fn block_yu_starts(w: u64, after_letter: bool) -> u64 {
    let l = w | splat(0x20);
    let yu = zero_byte(l ^ splat(b'y')) | zero_byte(l ^ splat(b'u'));
    // The high bit of each byte: an ASCII letter (`a` ≤ byte | 0x20 ≤ `z`,
    // computed on seven bits so no sum carries into the next byte).
    let x = l & splat(0x7f);
    let letter = x.wrapping_add(splat(0x80 - b'a')) & !x.wrapping_add(splat(0x80 - b'{')) & !w & splat(0x80);
    let before_letter = letter << 8 | u64::from(after_letter) << 7;
    yu & !before_letter
}

/// The sentence-end bytes of block `w` (as [`block_stops`] gives them).
#[inline(always)]
fn block_ends(w: u64) -> u64 {
    let l = w | splat(0x20);
    zero_byte(w ^ splat(b'\n')) | zero_byte(l ^ splat(b'.')) | zero_byte(l ^ splat(b'!')) | zero_byte(l ^ splat(b'?'))
}

/// Push the tokens of `b[from..to]` (one sentence) with their hashes.
fn push_tokens(b: &[u8], from: usize, to: usize, sentence: usize, out: &mut Vec<Token>) {
    // About one token per five bytes: grow once per sentence.
    out.reserve((to - from) / 4 + 1);
    for_tokens(b, from, to, |start, end, hash| out.push(Token { start, end, sentence, hash }));
}

/// Call `token(start, end, hash)` for every token of `b[from..to]`, in
/// order; `hash` is FNV-1a of the token in lower case
/// (`fnv::lower(fnv::OFFSET, token)`), computed in the loop that finds the
/// token's end: one pass over its bytes, not two.
#[inline(always)]
fn for_tokens(b: &[u8], from: usize, to: usize, mut token: impl FnMut(usize, usize, u64)) {
    let mut i = from;
    while i < to {
        if !is_token_byte(b[i]) {
            i += 1;
            continue;
        }
        let s = i;
        let mut hash = fnv::OFFSET;
        while i < to && is_token_byte(b[i]) {
            hash = fnv::byte(hash, b[i].to_ascii_lowercase());
            i += 1;
        }
        token(s, i, hash);
    }
}

/// Per-thread scratch of [`Model::score`]: the features counted, each as
/// its index and the sentence it occurred in, packed in one `u64` so that
/// sorting orders them by feature (as ids are ordered), then sentence.
#[derive(Debug, Default)]
struct Scratch {
    keys: Vec<u64>,
    /// The drained (feature, count, first sentence) of the last call.
    out: Vec<(u32, u32, u32)>,
}

impl Scratch {
    /// Start counting (nothing to size: kept for the callers' shape).
    fn fit(&mut self, _features: usize) {
        self.keys.clear();
    }

    /// One occurrence of feature `f` in sentence `sentence`.
    #[inline]
    fn count(&mut self, f: u32, sentence: u32) {
        self.keys.push(u64::from(f) << 32 | u64::from(sentence));
    }

    /// The counted features in index order, as (feature, count, first
    /// sentence).
    fn drain(&mut self) -> &[(u32, u32, u32)] {
        self.out.clear();
        self.keys.sort_unstable();
        let mut k = 0;
        while k < self.keys.len() {
            let feature = self.keys[k] >> 32;
            let run = self.keys[k..].iter().take_while(|&&x| x >> 32 == feature).count();
            self.out.push((feature as u32, run as u32, self.keys[k] as u32));
            k += run;
        }
        &self.out
    }
}

thread_local! {
    /// Each thread's [`Scratch`] for [`Model::score`].
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::new(Scratch::default());
}

/// [`BYTE_CLASS`] bit: a token byte.
const TOKEN: u8 = 1;
/// [`BYTE_CLASS`] bit: may end a sentence (`\n`, `.`, `!`, `?`).
const END: u8 = 2;
/// [`BYTE_CLASS`] value of a token byte that may start a second-person
/// word (`y`, `u`, either case).
const YU_START: u8 = TOKEN | 4;

/// Byte classes for [`you_tokens`]: 0 for bytes it skips.
static BYTE_CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        if b.is_ascii_alphanumeric() || b == b'\'' {
            t[c] = TOKEN;
        }
        if matches!(b, b'y' | b'Y' | b'u' | b'U') {
            t[c] = YU_START;
        }
        if matches!(b, b'\n' | b'.' | b'!' | b'?') {
            t[c] = END;
        }
        c += 1;
    }
    t
};

/// Length of the UTF-8 sequence a lead byte starts (1 for a stray byte).
fn utf8_len(lead: u8) -> usize {
    match lead {
        0xf0..=0xff => 4,
        0xe0..=0xef => 3,
        0xc0..=0xdf => 2,
        _ => 1,
    }
}

/// ASCII letters, as a table (see [`next_stop`]).
static ASCII_LETTER: [bool; 256] = {
    let mut t = [false; 256];
    let mut c = 0;
    while c < 256 {
        t[c] = (c as u8).is_ascii_alphabetic();
        c += 1;
    }
    t
};

/// Token bytes: `[A-Za-z0-9']` (A–Z are lowered when hashed).
static TOKEN_BYTE: [bool; 256] = {
    let mut t = [false; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        t[c] = b.is_ascii_alphanumeric() || b == b'\'';
        c += 1;
    }
    t
};

/// Is `b` a token byte (`[a-z0-9']` after lowering A–Z)?
fn is_token_byte(b: u8) -> bool {
    TOKEN_BYTE[b as usize]
}

/// Is the token a second-person word? Most tokens fail on the first byte.
fn is_you(token: &[u8]) -> bool {
    matches!(token.first(), Some(b'y' | b'Y' | b'u' | b'U'))
        && token.len() <= 10
        && YOU.iter().any(|y| token.eq_ignore_ascii_case(y.as_bytes()))
}

static BUILTIN: LazyLock<Model> = LazyLock::new(|| {
    Model::parse(include_str!("lexicons/hostility_model.tsv"), "hostility_model.tsv").expect("built-in model parses")
});

/// The shipped model, parsed once.
pub fn builtin() -> &'static Model {
    &BUILTIN
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_only_second_person_sentences_outside_quotes() {
        let t = you_tokens("> you quoted this.\nThe sky is blue. Are you sure? yes");
        let text = "> you quoted this.\nThe sky is blue. Are you sure? yes";
        let words: Vec<&str> = t.iter().map(|t| &text[t.start..t.end]).collect();
        assert_eq!(words, ["Are", "you", "sure"]);
    }

    #[test]
    fn finding_span_is_the_heaviest_sentence() {
        let text = "I see your point about taxes. But you're a troll and an idiot.";
        let v = builtin().score(text).unwrap();
        assert_eq!(&text[v.start..v.end], "But you're a troll and an idiot.");
        assert!(v.top.iter().any(|(n, _)| n.contains("idiot") || n.contains("troll")), "{:?}", v.top);
    }

    /// The scan before the byte-class pass: push every token, drop the
    /// tokens of a sentence without a second-person word at its end.
    fn reference_tokens(text: &str) -> Vec<Token> {
        let b = text.as_bytes();
        let mut out = Vec::new();
        let mut kept = 0;
        let mut from = 0;
        let mut you = false;
        let mut i = 0;
        let mut line_start = true;
        while i < b.len() {
            if line_start {
                line_start = false;
                let mut j = i;
                while j < b.len() && b[j] != b'\n' && space_at(b, j) {
                    j += if b[j] < 0x80 { 1 } else { utf8_len(b[j]) };
                }
                if b.get(j) == Some(&b'>') {
                    // A quote line: skip to its end.
                    i = b[j..].iter().position(|&c| c == b'\n').map_or(b.len(), |k| j + k);
                    continue;
                }
            }
            let c = b[i];
            if is_token_byte(c) {
                let s = i;
                while i < b.len() && is_token_byte(b[i]) {
                    i += 1;
                }
                you = you || is_you(&b[s..i]);
                out.push(Token { start: s, end: i, sentence: kept, hash: 0 });
                continue;
            }
            let newline = c == b'\n';
            if newline || (matches!(c, b'.' | b'!' | b'?') && space_at(b, i + 1)) {
                reference_end(b, &mut out, &mut from, &mut kept, &mut you);
                line_start = newline;
            }
            i += 1;
        }
        reference_end(b, &mut out, &mut from, &mut kept, &mut you);
        out
    }
    fn reference_end(b: &[u8], out: &mut Vec<Token>, from: &mut usize, kept: &mut usize, you: &mut bool) {
        if *you {
            for t in &mut out[*from..] {
                t.hash = fnv::lower(fnv::OFFSET, &b[t.start..t.end]);
            }
            *kept += 1;
        } else {
            out.truncate(*from);
        }
        *from = out.len();
        *you = false;
    }

    /// The pass from stop byte to stop byte keeps exactly the tokens
    /// (spans, sentences, hashes) of the token-every-word scan, on every
    /// seed and cmv fixture comment, the parity texts, edge cases at every
    /// alignment of an eight-byte block, and over 1 MB.
    #[test]
    fn you_tokens_match_the_full_scan() {
        let mut texts: Vec<String> = [
            "",
            "you",
            "> you quoted\nyou too",
            "  > you\n you. u! U? yes you\r\nYou'll see.",
            "ayou ya. you.",
            "you.\u{a0}you",
            "Y\u{e9}s you\u{2028}x. Ur",
            "YOURSELF!\n\n>q\n'you' youre,you've",
            "...you?? ?you ! u",
            "your\n",
            "you. > you too. > u\n> you\nyou. x\n  >you. you",
            "x\n> you",
            "a.b you. c.\u{2028}d you? e.\te you.\n\nyou",
            "you.you you. you",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        // Every alignment of `you`, `u` and sentence ends inside and
        // after words, for the eight-byte skip.
        for pad in 0..17 {
            let w = "w".repeat(pad);
            texts.push(format!("{w}you are{w}. {w} you{w}!\n{w}u {w}yu.{w}\n> {w}you\n{w}Uu? {w}"));
            // A second-person word as the text's last bytes, and alone.
            texts.extend([format!("{w} u"), format!("{w}.U"), format!("{w} ya"), format!("{w}yu"), w.clone()]);
            // `y`/`u` after bytes that are and are not letters (digits,
            // `'`, `_`, the bytes around `A`–`Z` and `a`–`z`, non-ASCII).
            for before in ["3", "'", "_", "@", "[", "`", "{", "Z", "é", "\u{7f}", "\u{80}", "\t"] {
                texts.push(format!("{w}{before}you are{w}{before}u {w}x. {before}Ur{w}"));
            }
            // Bytes the eight-byte test lets through (control bytes that
            // share low bits with `!`, `.`, `?`; the byte after a `y`/`u`),
            // tokens with a `y`/`u` inside, quote lines after white space.
            for odd in ["\u{1}", "\u{e}", "\u{1f}", "yyou", "uyou", "3you", "you'", "'you", "y.u", "\u{2028}> you\n"] {
                texts.push(format!("{w}{odd} you{w}{odd}.{odd} u{odd}\n {odd}> {w}you\n{odd}"));
            }
        }
        texts.extend(crate::analysis::fixture_comment_texts());
        for line in std::fs::read_to_string("fixtures/hostility/model_parity.jsonl").unwrap().lines() {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            texts.push(v["text"].as_str().unwrap().to_string());
        }
        texts.push(texts.join("\n"));
        // One line of 1 MB with a second-person word in every sentence.
        texts.push("Are you sure? It is. ".repeat(50_000));
        let all = texts.join(" ");
        texts.push(all.repeat(1_000_000 / all.len() + 1));
        assert!(texts.last().unwrap().len() > 1_000_000);
        let key = |t: &[Token]| t.iter().map(|t| (t.start, t.end, t.sentence, t.hash)).collect::<Vec<_>>();
        let mut tokens = 0;
        let mut sentences = 0;
        for text in &texts {
            let (new, old) = (you_tokens(text), reference_tokens(text));
            assert_eq!(key(&new), key(&old), "{:?}", &text[..text.len().min(200)]);
            tokens += old.len();
            // The pass from one second-person token to the next calls back
            // with the ranges of the pass over every sentence end.
            let (mut new, mut old) = (Vec::new(), Vec::new());
            let count = you_sentences(text, |a, b, k| new.push((a, b, k)));
            assert_eq!(count, you_sentences_reference(text, |a, b, k| old.push((a, b, k))));
            assert_eq!(new, old, "{:?}", &text[..text.len().min(200)]);
            sentences += count;
        }
        assert!(sentences > 1_000, "{sentences}");
        assert!(tokens > 5_000, "{tokens}");
    }

    #[test]
    fn no_second_person_no_score() {
        assert!(builtin().score("They are wrong about everything.").is_none());
        assert!(builtin().score("").is_none());
    }

    #[test]
    fn malformed_model_line_is_named() {
        let e = Model::parse("bias\t0.1\nword\tx\t1\n", "m.tsv").unwrap_err();
        assert!(e.to_string().contains("m.tsv:2"), "{e}");
    }

    /// [`Model::score`] as it was with a hash map of features and 24-byte
    /// sort keys: the reference for the table and packed keys.
    fn reference_score(m: &Model, map: &std::collections::HashMap<u64, &Feature>, text: &str) -> Option<Verdict> {
        let tokens = you_tokens(text);
        if tokens.is_empty() {
            return None;
        }
        let mut ids: Vec<(u64, usize, &Feature)> = Vec::new();
        let mut push = |id: u64, sentence: usize| {
            if let Some(f) = map.get(&id) {
                ids.push((id, sentence, f));
            }
        };
        for (k, t) in tokens.iter().enumerate() {
            push(t.hash, t.sentence);
            if let Some(next) = tokens.get(k + 1) {
                push(fnv::bigram(t.hash, next.hash), t.sentence);
            }
        }
        ids.sort_unstable_by_key(|x| (x.0, x.1));
        let mut terms: Vec<(&Feature, f64, usize)> = Vec::new();
        let mut k = 0;
        while k < ids.len() {
            let (id, first, f) = ids[k];
            let run = ids[k..].iter().take_while(|x| x.0 == id).count();
            let tf = if run == 1 { 1.0 } else { 1.0 + (run as f64).ln() };
            terms.push((f, tf * f.idf, first));
            k += run;
        }
        let (contributions, probability) = weigh(m.bias, &terms);
        if probability < m.threshold {
            return Some(Verdict { probability, start: 0, end: 0, top: Vec::new() });
        }
        let sentences = tokens.last().map_or(0, |t| t.sentence + 1);
        Some(explained(text, &tokens, sentences, &contributions, probability))
    }

    /// The feature table and packed sort keys give bit for bit the
    /// probabilities, spans and explanations of the hash map they replaced,
    /// on every seed and cmv fixture comment, the parity texts, the civil
    /// reddit bodies, edge cases and all of them joined.
    #[test]
    fn score_matches_the_hash_map_version() {
        let m = builtin();
        let map = m.features.iter().map(|f| (feature_id(&f.name), f)).collect();
        let mut texts = crate::analysis::fixture_comment_texts();
        for f in ["fixtures/hostility/model_parity.jsonl", "fixtures/hostility/civil/reddit_bodies.jsonl"] {
            for line in std::fs::read_to_string(f).unwrap().lines() {
                let v: serde_json::Value = serde_json::from_str(line).unwrap();
                texts.push(v["text"].as_str().unwrap().to_string());
            }
        }
        for pad in 0..9 {
            let w = "é".repeat(pad);
            texts.push(format!("{w}you idiot you idiot. {w}You're a troll{w}! you you you you\n> you\nu r dumb"));
        }
        texts.extend(["", "you", "You.", "you you", "u", "ur\nur"].map(String::from));
        texts.push(texts.join("\n"));
        let (mut scored, mut flagged) = (0, 0);
        for text in &texts {
            let (new, old) = (m.score(text), reference_score(m, &map, text));
            let bits = |v: &Option<Verdict>| v.as_ref().map(|v| v.probability.to_bits());
            assert_eq!(bits(&new), bits(&old), "{:?}", &text[..text.floor_char_boundary(200)]);
            assert_eq!(new, old, "{:?}", &text[..text.floor_char_boundary(200)]);
            scored += new.is_some() as usize;
            flagged += new.is_some_and(|v| v.probability >= m.threshold) as usize;
        }
        assert!(scored > 300 && flagged > 100, "{scored} scored, {flagged} flagged");
    }

    /// Features with the same id: the last line wins, as in a hash map.
    #[test]
    fn repeated_feature_keeps_the_last_line() {
        let m = Model::parse("bias\t0\nidiot\t1\t0.5\nidiot\t2\t0.25\nyou\t1\t0.1\n", "m.tsv").unwrap();
        assert_eq!(m.len(), 2);
        let f = &m.features[m.find(feature_id("idiot")).unwrap() as usize];
        assert_eq!((f.idf, f.weight), (2.0, 0.25));
        assert!(m.find(feature_id("troll")).is_none());
    }

    /// The filter in front of the slots turns no feature away: every
    /// feature of the shipped model is found at its index, and most ids
    /// of other words are turned away by the filter alone.
    #[test]
    fn filter_keeps_every_feature() {
        let m = builtin();
        for (k, f) in m.features.iter().enumerate() {
            assert_eq!(m.find(feature_id(&f.name)), Some(k as u32), "{}", f.name);
        }
        let passed = (0..10_000u64)
            .map(|k| feature_id(&format!("zz{k}")))
            .filter(|&id| {
                let h = slot_of(id, 64 - FILTER_BITS);
                m.filter[h >> 6] & (1 << (h & 63)) != 0
            })
            .count();
        assert!(passed < 1_000, "{passed} of 10,000 unknown ids pass the filter");
    }
}
