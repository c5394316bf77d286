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
    let first = sentence.split(|c: char| !c.is_alphanumeric() && c != '\'' && c != '’').find(|w| !w.is_empty());
    let first = first.map(|w| w.split(['\'', '’']).next().unwrap_or(w));
    first.is_some_and(|w| {
        matches!(
            ascii_lower6(w).as_ref().map(|(b, n)| &b[..*n]),
            Some(
                b"where"
                    | b"what"
                    | b"why"
                    | b"how"
                    | b"who"
                    | b"whom"
                    | b"whose"
                    | b"do"
                    | b"does"
                    | b"did"
                    | b"is"
                    | b"are"
                    | b"was"
                    | b"were"
                    | b"can"
                    | b"could"
                    | b"would"
                    | b"will"
                    | b"should"
                    | b"shall"
                    | b"have"
                    | b"has"
            )
        )
    })
}

/// The ASCII lower case of `w` when it has at most six bytes (every
/// question opener and assertive verb does; a longer word equals none of
/// them, ignoring ASCII case, as `eq_ignore_ascii_case` compares).
fn ascii_lower6(w: &str) -> Option<([u8; 6], usize)> {
    let mut buf = [0u8; 6];
    buf.get_mut(..w.len())?.copy_from_slice(w.as_bytes());
    buf.make_ascii_lowercase();
    Some((buf, w.len()))
}

/// Declarative and at least four words: what makes a sentence a claim at
/// all (the cheap test behind [`score_sentence`]'s zero).
fn is_claim(sentence: &str) -> bool {
    !is_question(sentence)
        && sentence
            .split_whitespace()
            .filter(|w| w.bytes().any(|b| b.is_ascii_alphanumeric()) || w.chars().any(char::is_alphanumeric))
            .nth(3)
            .is_some()
}

/// [`claim_score`] with the certainty cue already known.
fn score_sentence(sentence: &str, certain: bool) -> u32 {
    let mut words = 0;
    let mut assertive = false;
    for w in sentence.split_whitespace() {
        if w.bytes().any(|b| b.is_ascii_alphanumeric()) || w.chars().any(char::is_alphanumeric) {
            words += 1;
        }
        assertive = assertive
            || matches!(
                ascii_lower6(w).as_ref().map(|(b, n)| &b[..*n]),
                Some(b"is" | b"are" | b"was" | b"were" | b"has" | b"have" | b"will" | b"did" | b"killed" | b"shot")
            );
    }
    if words < 4 || is_question(sentence) {
        return 0;
    }
    let mut score = 1;
    if sentence.bytes().any(|b| b.is_ascii_digit()) {
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
        let mut runner = proptest::test_runner::TestRunner::deterministic();
        runner
            .run(&"([.!?\n\t ab]|é|\u{a0}){0,40}", |t| {
                proptest::prop_assert_eq!(sentences(&t), reference(&t));
                Ok(())
            })
            .unwrap();
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

    #[test]
    fn main_claim_prefers_certain_sentences() {
        let t = "Hi there. Obviously the US was behind the attack on the base. Thanks?";
        let (s, e) = main_claim(t).unwrap();
        assert_eq!(&t[s..e], "Obviously the US was behind the attack on the base.");
    }
}
