//! Claims in a comment: sentences, the most claim-like one, and how the
//! claim is supported (sourced, hedged, or unsupported), with the cues.
//!
//! Cue rules live in `lexicons/pushback_support.csv` (embedded), loaded by
//! the same [`RuleSet`] loader as the pushback acts.

use std::sync::LazyLock;

use serde::Serialize;

use crate::analysis::pushback::{RuleHit, RuleSet};

/// How a claim is supported by its own text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Support {
    /// Points to a source: a link, "according to", an attributed quote, a
    /// named outlet or report.
    Sourced,
    /// No source, but hedged ("apparently", "I believe", "may").
    Hedged,
    /// Neither sourced nor hedged (over-certainty cues, if any, are listed).
    Unsupported,
}

impl Support {
    /// The snake_case name used in outputs.
    pub fn name(self) -> &'static str {
        match self {
            Support::Sourced => "sourced",
            Support::Hedged => "hedged",
            Support::Unsupported => "unsupported",
        }
    }
}

/// The support judgment for one text, with the cues behind it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ClaimSupport {
    /// The judgment.
    pub support: Support,
    /// Every cue that fired (source, hedge and certainty rules), in text order.
    pub cues: Vec<RuleHit>,
}

/// Build the support rules and their sets now (see [`crate::analysis::pushback::prepare`]).
pub fn prepare() {
    LazyLock::force(&SOURCE_OR_HEDGE);
}

static SUPPORT_RULES: LazyLock<RuleSet> = LazyLock::new(|| {
    RuleSet::parse(include_str!("lexicons/pushback_support.csv"), "lexicons/pushback_support.csv")
        .expect("built-in support rules are valid (tested)")
});

/// One alternation per category: `is_match` stops at the first cue, which
/// is much cheaper than the overlapping set search when only the judgment
/// is needed.
static SOURCE_ANY: LazyLock<regex::Regex> = LazyLock::new(|| SUPPORT_RULES.any_of("source"));
static HEDGE_ANY: LazyLock<regex::Regex> = LazyLock::new(|| SUPPORT_RULES.any_of("hedge"));
/// Both alternations in one set: a text without source cues (most) is
/// scanned once instead of twice.
static SOURCE_OR_HEDGE: LazyLock<regex::RegexSet> = LazyLock::new(|| {
    regex::RegexSetBuilder::new([SOURCE_ANY.as_str(), HEDGE_ANY.as_str()])
        .case_insensitive(true)
        .dfa_size_limit(1 << 24)
        .build()
        .expect("two valid alternations form a valid set")
});

/// The built-in support cue rules.
pub fn support_rules() -> &'static RuleSet {
    &SUPPORT_RULES
}

/// Byte spans `[start, end)` of the sentences of `text`: split after `.`, `!`
/// or `?` followed by whitespace, and at blank lines. Trimmed; empty
/// sentences dropped.
pub fn sentences(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    find_sentence(text, |s, e| {
        out.push((s, e));
        false
    });
    out
}

/// Visit the sentences of [`sentences`] in order until `stop` returns true;
/// returns whether it did (no `Vec`: the export column only asks whether
/// any sentence is a claim).
fn find_sentence(text: &str, mut stop: impl FnMut(usize, usize) -> bool) -> bool {
    let bytes = text.as_bytes();
    let mut start = 0;
    // Only `.`, `!`, `?` and `\n` can end a sentence: jump from one to the
    // next with `memchr` (the next of each kind is kept, so no byte is
    // searched twice) instead of testing every byte.
    let find_punct =
        |from: usize| memchr::memchr3(b'.', b'!', b'?', bytes.get(from..).unwrap_or_default()).map(|o| from + o);
    let find_newline = |from: usize| memchr::memchr(b'\n', bytes.get(from..).unwrap_or_default()).map(|o| from + o);
    let (mut punct, mut newline) = (find_punct(0), find_newline(0));
    loop {
        let i = match (punct, newline) {
            (Some(p), Some(n)) => p.min(n),
            (Some(p), None) => p,
            (None, Some(n)) => n,
            (None, None) => break,
        };
        let end_here = match bytes[i] {
            b'.' | b'!' | b'?' => {
                punct = find_punct(i + 1);
                bytes.get(i + 1).is_none_or(|n| n.is_ascii_whitespace())
            }
            _ => {
                newline = find_newline(i + 1);
                bytes.get(i + 1) == Some(&b'\n')
            }
        };
        if end_here {
            if trimmed(text, start, i + 1).is_some_and(|(s, e)| stop(s, e)) {
                return true;
            }
            start = i + 1;
        }
    }
    trimmed(text, start, bytes.len()).is_some_and(|(s, e)| stop(s, e))
}

fn trimmed(text: &str, start: usize, end: usize) -> Option<(usize, usize)> {
    let s = &text[start..end];
    let lead = s.len() - s.trim_start().len();
    let trimmed = s.trim();
    (!trimmed.is_empty()).then(|| (start + lead, start + lead + trimmed.len()))
}

/// How claim-like a sentence is: declarative, long enough, with figures,
/// certainty cues or assertive verbs. 0 means not a claim.
pub fn claim_score(sentence: &str) -> u32 {
    let certain = SUPPORT_RULES.hits(sentence).iter().any(|h| h.category == "certainty");
    score_sentence(sentence, certain)
}

/// A question: ends with `?`, or opens with a question word or an
/// inverted auxiliary ("Where do you come up with these numbers").
fn is_question(sentence: &str) -> bool {
    if sentence.trim_end().ends_with('?') {
        return true;
    }
    // Every opener has two to six ASCII letters.
    let w = opener(sentence).as_bytes();
    (2..=6).contains(&w.len()) && OPENERS.contains(&folded(w))
}

/// The first word of `sentence` up to its first apostrophe: the first run
/// of letters, digits and apostrophes (`'`, `’`), cut at its first
/// apostrophe (so empty for "'tis"). A word longer than six bytes is cut
/// short (no opener is that long). Byte by byte for ASCII, decoding only
/// other characters.
fn opener(sentence: &str) -> &str {
    let bytes = sentence.as_bytes();
    let wide = |i: usize| sentence.get(i..).and_then(|s| s.chars().next()).unwrap_or(' ');
    let mut i = 0;
    // Skip what is neither a letter, a digit nor an apostrophe.
    while let Some(&b) = bytes.get(i) {
        if b.is_ascii() {
            if b.is_ascii_alphanumeric() || b == b'\'' {
                break;
            }
            i += 1;
        } else {
            let c = wide(i);
            if c == '’' || crate::analysis::pushback_model::is_alphanumeric(c) {
                break;
            }
            i += c.len_utf8();
        }
    }
    let start = i;
    while let Some(&b) = bytes.get(i) {
        if i - start > 6 {
            break;
        }
        if b.is_ascii() {
            if !b.is_ascii_alphanumeric() {
                break;
            }
            i += 1;
        } else {
            let c = wide(i);
            if c == '’' || !crate::analysis::pushback_model::is_alphanumeric(c) {
                break;
            }
            i += c.len_utf8();
        }
    }
    &sentence[start..i]
}

/// Declarative and at least four words: what makes a sentence a claim at
/// all (the cheap test behind [`score_sentence`]'s zero).
fn is_claim(sentence: &str) -> bool {
    !is_question(sentence) && claim_words(sentence, 4) >= 4
}

/// `word_counts(sentence, cap).words`, reading ASCII eight bytes per step:
/// a run of white space, or a word of ASCII bytes ended by white space
/// within the eight, is settled by lane tests (white space, letters and
/// digits); anything else (a non-ASCII byte, a longer word) takes one
/// step of [`word_counts`]' byte loop.
fn claim_words(sentence: &str, cap: usize) -> usize {
    use crate::analysis::pushback::{ascii_alnum_lanes, lanes_below, load8, LANE_HIGH};
    let bytes = sentence.as_bytes();
    let n = bytes.len();
    let (mut words, mut i) = (0, 0);
    while i < n && words < cap {
        let x = load8(bytes, i);
        let space = ascii_space_lanes(x);
        // Leading ASCII white space (lanes past the end are 0, not space).
        let lead = (!space & LANE_HIGH).trailing_zeros() / 8;
        if lead > 0 {
            i += lead as usize;
            continue;
        }
        // A word's ASCII bytes up to white space, a non-ASCII byte or the
        // text's end.
        let past_end = !lanes_below((n - i).min(8) as u32);
        let stop = (space | x | past_end) & LANE_HIGH;
        if stop != 0 {
            let k = stop.trailing_zeros() / 8;
            let alnum = ascii_alnum_lanes(x).0 & lanes_below(k) != 0;
            let end = i + k as usize;
            if end >= n || space & (0x80 << (8 * k)) != 0 {
                // Ended by the text's end or by ASCII white space, which
                // is read with the word.
                words += usize::from(alnum);
                i = end + 1;
                continue;
            }
        }
        // The byte loop of `word_counts` for one step.
        if let Some(len) = wide_space(sentence, i) {
            i += len;
            continue;
        }
        let (end, acc, alnum) = word_end(sentence, i);
        words += usize::from(alnum || acc & K_ALNUM != 0);
        // `word_end` reads at least one character unless `i` is ASCII
        // white space, which the lane test above skips: always a step.
        i = end.max(i + 1);
    }
    words
}

/// Lanes of eight bytes that are ASCII white space (`\t`..=`\r`, space),
/// as their high bit.
fn ascii_space_lanes(x: u64) -> u64 {
    use crate::analysis::pushback::{LANE_HIGH, LANE_ONES};
    let t = x & !LANE_HIGH;
    let blank = !(t ^ (LANE_ONES * 0x20)).wrapping_add(LANE_ONES * 0x7f);
    let control = t.wrapping_add(LANE_ONES * (0x80 - 0x09)) & !t.wrapping_add(LANE_ONES * (0x7f - 0x0d));
    (blank | control) & !x & LANE_HIGH
}

/// The length of the non-ASCII white space character at `i`, if it is one.
fn wide_space(sentence: &str, i: usize) -> Option<usize> {
    let c = sentence.get(i..).and_then(|s| s.chars().next())?;
    (!c.is_ascii() && c.is_whitespace()).then(|| c.len_utf8())
}

/// The word from byte `i` up to the next white space: where it ends, the
/// union of its ASCII bytes' [`KIND`]s, and whether one of its non-ASCII
/// characters is alphanumeric.
fn word_end(sentence: &str, mut i: usize) -> (usize, u8, bool) {
    let bytes = sentence.as_bytes();
    let (mut acc, mut alnum) = (0u8, false);
    while let Some(&b) = bytes.get(i) {
        let k = KIND[b as usize];
        if k & (K_SPACE | K_HIGH) == 0 {
            acc |= k;
            i += 1;
            continue;
        }
        if k & K_SPACE != 0 {
            break;
        }
        let c = sentence.get(i..).and_then(|s| s.chars().next()).unwrap_or(' ');
        if c.is_whitespace() {
            break;
        }
        alnum |= crate::analysis::pushback_model::is_alphanumeric(c);
        i += c.len_utf8();
    }
    (i, acc, alnum)
}

/// What [`score_sentence`] reads of a sentence's white-space separated
/// words, in one byte loop.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct WordCounts {
    /// Words holding a letter or a digit (counting stops at the cap).
    words: usize,
    /// A word is an assertive verb ("is", "was", "killed", ...).
    assertive: bool,
    /// An ASCII digit anywhere (before the cap).
    digit: bool,
}

/// Byte classes of [`word_counts`]: ASCII white space (as
/// `char::is_whitespace` sees it), ASCII letters and digits, ASCII digits,
/// and the bytes of non-ASCII characters (decoded then).
const K_SPACE: u8 = 1;
const K_ALNUM: u8 = 2;
const K_DIGIT: u8 = 4;
const K_HIGH: u8 = 8;

static KIND: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = if c >= 0x80 {
            K_HIGH
        } else if matches!(c, b'\t'..=b'\r' | b' ') {
            K_SPACE
        } else if c.is_ascii_digit() {
            K_ALNUM | K_DIGIT
        } else if c.is_ascii_alphanumeric() {
            K_ALNUM
        } else {
            0
        };
        b += 1;
    }
    t
};

/// The words of `sentence` (`split_whitespace`) that hold a letter or a
/// digit, counted until `cap`; whether one is an assertive verb (not asked
/// when capped); whether an ASCII digit occurs. One table look-up per ASCII
/// byte; other characters are decoded. Equal to the `split_whitespace` loops it replaced (tested).
fn word_counts(sentence: &str, cap: usize) -> WordCounts {
    let bytes = sentence.as_bytes();
    let n = bytes.len();
    let mut out = WordCounts::default();
    // A capped count only counts (is_claim): no verb test.
    let capped = cap != usize::MAX;
    let mut i = 0;
    while i < n && out.words < cap {
        // White space before a word.
        let k = KIND[bytes[i] as usize];
        if k & K_SPACE != 0 {
            i += 1;
            continue;
        }
        if k & K_HIGH != 0 {
            if let Some(len) = wide_space(sentence, i) {
                i += len;
                continue;
            }
        }
        // A word: up to the next white space.
        let start = i;
        let (end, acc, alnum) = word_end(sentence, i);
        i = end;
        if alnum || acc & K_ALNUM != 0 {
            out.words += 1;
        }
        out.digit |= acc & K_DIGIT != 0;
        // Only words of two to six ASCII letters can be assertive verbs.
        if !capped && !out.assertive && acc & K_DIGIT == 0 && (2..=6).contains(&(i - start)) {
            out.assertive = ASSERTIVE.contains(&folded(&bytes[start..i]));
        }
    }
    out
}

/// A word of at most eight bytes as a little-endian `u64`, every byte with
/// its 0x20 bit set: for ASCII letters, the lower case. A word of ASCII
/// letters folds to the same value as a lower-case letter word exactly when
/// it equals it ignoring ASCII case (a byte `b` with `b | 0x20` equal to a
/// lower-case letter is that letter or its upper case).
fn folded(w: &[u8]) -> u64 {
    w.iter().take(8).rev().fold(0u64, |k, &b| k << 8 | u64::from(b | 0x20))
}

/// [`folded`] of a lower-case word, at compile time (its bytes as a
/// little-endian `u64`; the pushback model's short-word keys too).
pub(crate) const fn key(w: &[u8]) -> u64 {
    let mut k = 0u64;
    let mut j = w.len();
    while j > 0 {
        j -= 1;
        k = k << 8 | w[j] as u64;
    }
    k
}

/// The question words and inverted auxiliaries of [`is_question`], [`folded`].
const OPENERS: [u64; 22] = [
    key(b"where"),
    key(b"what"),
    key(b"why"),
    key(b"how"),
    key(b"who"),
    key(b"whom"),
    key(b"whose"),
    key(b"do"),
    key(b"does"),
    key(b"did"),
    key(b"is"),
    key(b"are"),
    key(b"was"),
    key(b"were"),
    key(b"can"),
    key(b"could"),
    key(b"would"),
    key(b"will"),
    key(b"should"),
    key(b"shall"),
    key(b"have"),
    key(b"has"),
];

/// The assertive verbs of [`score_sentence`], [`folded`].
const ASSERTIVE: [u64; 10] = [
    key(b"is"),
    key(b"are"),
    key(b"was"),
    key(b"were"),
    key(b"has"),
    key(b"have"),
    key(b"will"),
    key(b"did"),
    key(b"killed"),
    key(b"shot"),
];

/// [`claim_score`] with the certainty cue already known.
fn score_sentence(sentence: &str, certain: bool) -> u32 {
    let WordCounts { words, assertive, digit } = word_counts(sentence, usize::MAX);
    if words < 4 || is_question(sentence) {
        return 0;
    }
    let mut score = 1;
    if digit {
        score += 1;
    }
    if assertive {
        score += 1;
    }
    if certain {
        score += 2;
    }
    if words >= 8 {
        score += 1;
    }
    score
}

/// The most claim-like sentence among `spans` of `text` (first among
/// equals), given the support cues of `text`.
fn best_claim(text: &str, spans: &[(usize, usize)], cues: &[RuleHit]) -> Option<(usize, usize)> {
    let mut best: Option<((usize, usize), u32)> = None;
    for &(s, e) in spans {
        let certain = cues.iter().any(|h| h.category == "certainty" && s <= h.start && h.end <= e);
        // A sentence scores at most 4, 6 with a certainty cue: one that
        // cannot beat the best so far is not read.
        if best.is_some_and(|(_, b)| b >= 4 + 2 * u32::from(certain)) {
            continue;
        }
        let score = score_sentence(&text[s..e], certain);
        if score > 0 && best.is_none_or(|(_, b)| score > b) {
            best = Some(((s, e), score));
        }
    }
    best.map(|(span, _)| span)
}

/// The most claim-like sentence of `text` (first among equals), or `None`
/// when no sentence reads as a claim.
pub fn main_claim(text: &str) -> Option<(usize, usize)> {
    best_claim(text, &sentences(text), &SUPPORT_RULES.hits(text))
}

/// A text's sentences, support cues, main claim and support judgment,
/// computed once (targets answered by many replies reuse it).
#[derive(Clone, Debug)]
pub struct ClaimView {
    /// Sentence spans.
    pub sentences: Vec<(usize, usize)>,
    /// The most claim-like sentence.
    pub main_claim: Option<(usize, usize)>,
    /// The support judgment (`None` without a claim).
    pub support: Option<ClaimSupport>,
}

impl ClaimView {
    /// Analyze `text`.
    pub fn new(text: &str) -> ClaimView {
        ClaimView::with_cues(text, SUPPORT_RULES.hits(text))
    }

    /// Analyze `text` whose support cues (`support_rules().hits(text)`)
    /// are already known.
    pub fn with_cues(text: &str, cues: Vec<RuleHit>) -> ClaimView {
        let sentences = sentences(text);
        let main_claim = best_claim(text, &sentences, &cues);
        let support = main_claim.map(|_| judge(cues));
        ClaimView { sentences, main_claim, support }
    }
}

fn judge(cues: Vec<RuleHit>) -> ClaimSupport {
    let has = |cat: &str| cues.iter().any(|h| h.category == cat);
    let support = if has("source") {
        Support::Sourced
    } else if has("hedge") {
        Support::Hedged
    } else {
        Support::Unsupported
    };
    ClaimSupport { support, cues }
}

/// The judgment of [`support`] without the cues (one regex-set pass, no
/// spans): what the per-comment export column needs.
pub fn support_kind(text: &str) -> Option<Support> {
    if !find_sentence(text, |s, e| is_claim(&text[s..e])) {
        return None;
    }
    let cues = SOURCE_OR_HEDGE.matches(text);
    Some(judge_flags(cues.matched(0), cues.matched(1)))
}

/// [`support_kind`] when whether `text` has a source cue and a hedge cue
/// is already known (the pushback detector learns which support rules
/// match in its one regex-set pass over a comment).
pub fn support_kind_known(text: &str, source: bool, hedge: bool) -> Option<Support> {
    find_sentence(text, |s, e| is_claim(&text[s..e])).then(|| judge_flags(source, hedge))
}

fn judge_flags(source: bool, hedge: bool) -> Support {
    if source {
        Support::Sourced
    } else if hedge {
        Support::Hedged
    } else {
        Support::Unsupported
    }
}

/// Judge how `text` supports its claim. `None` when it makes no claim
/// (no declarative sentence of four words or more).
pub fn support(text: &str) -> Option<ClaimSupport> {
    support_with(text, || SUPPORT_RULES.hits(text))
}

/// [`support`], with the support cues of `text` from `cues` (asked only
/// when the text makes a claim).
pub fn support_with(text: &str, cues: impl FnOnce() -> Vec<RuleHit>) -> Option<ClaimSupport> {
    if !find_sentence(text, |s, e| is_claim(&text[s..e])) {
        return None;
    }
    Some(judge(cues()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentence_split() {
        let t = "Where's the proof? Look, I'm sure.  Done.\n\nNew para no stop";
        let got: Vec<&str> = sentences(t).into_iter().map(|(s, e)| &t[s..e]).collect();
        assert_eq!(got, ["Where's the proof?", "Look, I'm sure.", "Done.", "New para no stop"]);
        assert_eq!(sentences("3.5 million. ok"), [(0, 12), (13, 15)]);
    }

    #[test]
    fn support_table() {
        let cases: &[(&str, Option<Support>, &[&str])] = &[
            (
                "According to Reuters the general was killed by mortar fire.",
                Some(Support::Sourced),
                &["src_according", "src_outlet"],
            ),
            ("The general was apparently killed by a mortar attack.", Some(Support::Hedged), &["hd_apparently"]),
            ("We all know the Americans did it, period.", Some(Support::Unsupported), &["ct_we_all_know", "ct_period"]),
            ("The Americans killed the general last night.", Some(Support::Unsupported), &[]),
            ("Is this true?", None, &[]),
            ("Where do you come up with these numbers", None, &[]),
            ("Where's the proof that the Americans did it", None, &[]),
            ("lol", None, &[]),
        ];
        for (text, want, cues) in cases {
            let got = support(text);
            assert_eq!(got.as_ref().map(|s| s.support), *want, "{text}");
            assert_eq!(support_kind(text), *want, "{text}");
            let ids: Vec<&str> = got.iter().flat_map(|s| s.cues.iter().map(|h| h.rule.as_str())).collect();
            assert_eq!(&ids, cues, "{text}");
        }
    }

    /// The `memchr` sentence split equals a byte-by-byte reference.
    #[test]
    fn sentence_split_equals_byte_loop() {
        let reference = |text: &str| {
            let bytes = text.as_bytes();
            let (mut out, mut start) = (Vec::new(), 0);
            for i in 0..bytes.len() {
                let end_here = match bytes[i] {
                    b'.' | b'!' | b'?' => bytes.get(i + 1).is_none_or(|n| n.is_ascii_whitespace()),
                    b'\n' => bytes.get(i + 1) == Some(&b'\n'),
                    _ => false,
                };
                if end_here {
                    out.extend(trimmed(text, start, i + 1));
                    start = i + 1;
                }
            }
            out.extend(trimmed(text, start, bytes.len()));
            out
        };
        crate::analysis::check_random_texts("([.!?\n\t ab]|é|\u{a0}){0,40}", |t| {
            assert_eq!(sentences(t), reference(t))
        });
        for t in [
            "",
            "a. b! c? d",
            "x.y. z.\n\n\nw",
            "\n\n.!?\n",
            "one\ntwo\n\nthree. four?!  five…",
            "3.5 m. http://a.b/c?d=1 ok!\n\nend.",
            "é. ü!\n\nß?",
        ] {
            assert_eq!(sentences(t), reference(t), "{t:?}");
        }
    }

    /// The byte-pattern word tests equal the word lists they replaced.
    #[test]
    fn openers_and_assertive_verbs_ignore_ascii_case() {
        for (s, question) in [
            ("WHERE did it happen", true),
            ("Should we wait", true),
            ("Shouldn't we wait", false),
            ("Whoever said it lied today", false),
            ("Haswell chips are fast", false),
            ("İs this real or fake news", false),
            ("Why", true),
        ] {
            assert_eq!(is_question(s), question, "{s}");
        }
        assert_eq!(score_sentence("The man was KILLED last night.", false), 2);
        assert_eq!(score_sentence("The man Killed. last night there", false), 1);
        assert_eq!(score_sentence("They shot it last night there friends", false), 2);
    }

    /// The `split_whitespace` loops [`word_counts`] replaced.
    fn reference_score(sentence: &str, certain: bool) -> u32 {
        let mut words = 0;
        let mut assertive = false;
        for w in sentence.split_whitespace() {
            if w.bytes().any(|b| b.is_ascii_alphanumeric()) || w.chars().any(char::is_alphanumeric) {
                words += 1;
            }
            assertive = assertive
                || matches!(
                    w.to_ascii_lowercase().as_str(),
                    "is" | "are" | "was" | "were" | "has" | "have" | "will" | "did" | "killed" | "shot"
                );
        }
        if words < 4 || reference_is_question(sentence) {
            return 0;
        }
        let digit = sentence.bytes().any(|b| b.is_ascii_digit());
        1 + u32::from(digit) + u32::from(assertive) + 2 * u32::from(certain) + u32::from(words >= 8)
    }

    /// The `split` chain [`opener`] replaced.
    fn reference_is_question(sentence: &str) -> bool {
        if sentence.trim_end().ends_with('?') {
            return true;
        }
        let first = sentence.split(|c: char| !c.is_alphanumeric() && c != '\'' && c != '’').find(|w| !w.is_empty());
        let first = first.map(|w| w.split(['\'', '’']).next().unwrap_or(w));
        first.is_some_and(|w| {
            [
                "where", "what", "why", "how", "who", "whom", "whose", "do", "does", "did", "is", "are", "was", "were",
                "can", "could", "would", "will", "should", "shall", "have", "has",
            ]
            .contains(&w.to_ascii_lowercase().as_str())
        })
    }

    fn reference_is_claim(sentence: &str) -> bool {
        !reference_is_question(sentence)
            && sentence
                .split_whitespace()
                .filter(|w| w.bytes().any(|b| b.is_ascii_alphanumeric()) || w.chars().any(char::is_alphanumeric))
                .nth(3)
                .is_some()
    }

    /// The byte loop of [`word_counts`] scores every sentence (and every
    /// whole text) of the fixtures as the `split_whitespace` loops did, and
    /// random texts of white space (ASCII, no-break, ideographic, U+0085),
    /// punctuation, digits, assertive verbs and non-ASCII letters.
    #[test]
    fn word_counts_equal_split_whitespace() {
        let check = |t: &str| {
            for certain in [false, true] {
                assert_eq!(score_sentence(t, certain), reference_score(t, certain), "{t:?}");
            }
            assert_eq!(is_claim(t), reference_is_claim(t), "{t:?}");
            assert_eq!(is_question(t), reference_is_question(t), "{t:?}");
            for cap in [1, 4, usize::MAX] {
                assert_eq!(claim_words(t, cap), word_counts(t, cap).words, "{cap} {t:?}");
            }
        };
        let mut n = 0;
        for text in crate::analysis::fixture_comment_texts() {
            check(&text);
            for (s, e) in sentences(&text) {
                check(&text[s..e]);
                n += 1;
            }
        }
        assert!(n > 300, "{n} sentences");
        for c in 0..128u8 {
            assert_eq!(KIND[c as usize] & K_SPACE != 0, (c as char).is_whitespace(), "{c}");
        }
        let big = "The report WAS shot down 12 times, é naïve\u{a0}words — here. ".repeat(16_000);
        check(&big);
        for t in [
            "",
            " ",
            "a b c",
            "a b c d",
            "- - - - -",
            "é ü ß ø",
            "x\u{3000}y\u{85}z\u{a0}w",
            "IS it so",
            "1 2 3 4",
            "'tis so",
            "--Where's it",
            "Shouldn’t we",
            "Whoever said",
            "Haswell x",
            "İs it",
            "“Why”",
            "___do it",
        ] {
            check(t);
        }
        crate::analysis::check_random_texts("([a-zA-Z0-9 \t\n\x0b\x0c\r.,?!'’_-]|é|ſ|\u{a0}|\u{3000}|\u{85}|\u{2003}|\u{1680}|—|“|is|WAS|killed|Shot|have|Where|DO|could|shall|İ|whose){0,40}", |t| check(t));
    }

    /// The lane test of white space agrees with the byte table in every
    /// lane, and the eight-bytes-per-step count equals the byte loop's on
    /// words of every length around the eight-byte block, at every
    /// alignment, between every kind of separator (each ASCII white space
    /// byte, Unicode white space, punctuation, NUL, non-ASCII letters).
    #[test]
    fn claim_words_equal_word_counts() {
        for b in 0..=255u8 {
            for lane in 0..8 {
                let x = u64::from_le_bytes([b'a'; 8]) & !(0xff << (8 * lane)) | u64::from(b) << (8 * lane);
                let want = if KIND[b as usize] & K_SPACE != 0 { 0x80 << (8 * lane) } else { 0 };
                assert_eq!(ascii_space_lanes(x), want, "{b} {lane}");
            }
        }
        let seps = [
            " ", "\t", "\n", "\x0b", "\x0c", "\r", "  ", " \r\n", "\u{a0}", "\u{3000}", "\u{85}", ",", "-", "\0", "é",
            "’", "—",
        ];
        let mut n = 0;
        for sep in seps {
            for pad in 0..9 {
                for len in [1usize, 2, 6, 7, 8, 9, 15, 16, 17] {
                    let word = "aB3_x".chars().cycle().take(len).collect::<String>();
                    let mut t = " ".repeat(pad);
                    for k in 0..6 {
                        t.push_str(if k == 2 { "--" } else { &word });
                        t.push_str(sep);
                    }
                    for cut in 0..=t.len() {
                        let Some(t) = t.get(..cut) else { continue };
                        for cap in [1, 2, 4, 5, usize::MAX] {
                            assert_eq!(claim_words(t, cap), word_counts(t, cap).words, "{cap} {t:?}");
                            n += 1;
                        }
                    }
                }
            }
        }
        assert!(n > 100_000, "{n}");
    }

    /// [`best_claim`] skips sentences that cannot beat the best so far:
    /// the same sentence as scoring every one, on every fixture text with
    /// and without its certainty cues.
    #[test]
    fn best_claim_equals_scoring_every_sentence() {
        let reference = |text: &str, spans: &[(usize, usize)], cues: &[RuleHit]| {
            let mut best: Option<((usize, usize), u32)> = None;
            for &(s, e) in spans {
                let certain = cues.iter().any(|h| h.category == "certainty" && s <= h.start && h.end <= e);
                let score = reference_score(&text[s..e], certain);
                if score > 0 && best.is_none_or(|(_, b)| score > b) {
                    best = Some(((s, e), score));
                }
            }
            best.map(|(span, _)| span)
        };
        let mut texts = crate::analysis::fixture_comment_texts();
        texts
            .push("A 1 is b c d e f g h. Obviously 2 was x y z w v u t. We all know, period, 3 is a b c d e f.".into());
        let mut claims = 0;
        for t in &texts {
            let spans = sentences(t);
            for cues in [SUPPORT_RULES.hits(t), Vec::new()] {
                let got = best_claim(t, &spans, &cues);
                assert_eq!(got, reference(t, &spans, &cues), "{t:?}");
                claims += usize::from(got.is_some());
            }
        }
        assert!(claims > 100, "{claims}");
    }

    #[test]
    fn main_claim_prefers_certain_sentences() {
        let t = "Hi there. Obviously the US was behind the attack on the base. Thanks?";
        let (s, e) = main_claim(t).unwrap();
        assert_eq!(&t[s..e], "Obviously the US was behind the attack on the base.");
    }
}
