//! Analyses over a thread's reply tree. Each returns plain data (findings
//! with rule, span and target); nothing here prints.
//!
//! Every finding names the rule that fired, the exact text it matched and
//! its byte span in the comment body, so a moderator can audit it.

pub mod chains;
pub mod claims;
pub mod hostility;
pub mod hostility_model;
pub mod lexicon;
pub mod normalize;
pub mod pushback;
pub mod pushback_model;
pub mod quote;

use serde::Serialize;

use crate::model::Thread;

/// What a finding says about a comment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// A personal attack on the interlocutor or a named person.
    Insult,
    /// Hostility toward people for who they are: slurs, sweeping negative
    /// generalizations about a group.
    IdentityAttack,
    /// Likening people to animals, vermin, disease, filth, demons or things.
    Dehumanizing,
    /// Calls for, threats of, or celebration of harm.
    Violence,
    /// Vulgar words; not hostile on its own.
    Profanity,
    /// Asks for proof, a source, or how one knows.
    EvidenceRequest,
    /// Says the claim is false or baseless.
    Denial,
    /// Says the claim is speculation, conspiracy or unsupported.
    SpeculationCallout,
    /// Answers a claim with evidence or a pointer to it.
    CounterEvidence,
}

impl Category {
    /// The snake_case name used in every output.
    pub fn name(self) -> &'static str {
        match self {
            Category::Insult => "insult",
            Category::IdentityAttack => "identity_attack",
            Category::Dehumanizing => "dehumanizing",
            Category::Violence => "violence",
            Category::Profanity => "profanity",
            Category::EvidenceRequest => "evidence_request",
            Category::Denial => "denial",
            Category::SpeculationCallout => "speculation_callout",
            Category::CounterEvidence => "counter_evidence",
        }
    }

    /// True for the hostility categories that make a comment hostile
    /// (everything but profanity and the pushback acts).
    pub fn is_hostile(self) -> bool {
        matches!(self, Category::Insult | Category::IdentityAttack | Category::Dehumanizing | Category::Violence)
    }

    /// True for the pushback acts that make a comment pushback.
    pub fn is_pushback(self) -> bool {
        matches!(self, Category::EvidenceRequest | Category::Denial | Category::SpeculationCallout)
    }
}

impl Category {
    /// Every category, in order.
    pub const ALL: [Category; 9] = [
        Category::Insult,
        Category::IdentityAttack,
        Category::Dehumanizing,
        Category::Violence,
        Category::Profanity,
        Category::EvidenceRequest,
        Category::Denial,
        Category::SpeculationCallout,
        Category::CounterEvidence,
    ];

    fn bit(self) -> u16 {
        1 << self as u16
    }
}

/// A set of [`Category`]s in two bytes, iterated (and serialized, as a
/// JSON array) in category order: what a sorted, deduplicated
/// `Vec<Category>` was, without an allocation per comment.
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct CategorySet(u16);

impl CategorySet {
    /// True when `c` is in the set.
    pub fn contains(&self, c: Category) -> bool {
        self.0 & c.bit() != 0
    }

    /// Add `c`.
    pub fn insert(&mut self, c: Category) {
        self.0 |= c.bit();
    }

    /// Remove `c`.
    pub fn remove(&mut self, c: Category) {
        self.0 &= !c.bit();
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.0 == 0
    }

    /// How many categories.
    pub fn len(&self) -> usize {
        self.0.count_ones() as usize
    }

    /// The categories, in category order.
    pub fn iter(&self) -> CategoryIter {
        CategoryIter(self.0)
    }

    /// Keep only the categories `keep` accepts.
    pub fn retain(&mut self, keep: impl Fn(Category) -> bool) {
        for c in Category::ALL {
            if !keep(c) {
                self.remove(c);
            }
        }
    }
}

impl FromIterator<Category> for CategorySet {
    fn from_iter<I: IntoIterator<Item = Category>>(iter: I) -> CategorySet {
        let mut set = CategorySet::default();
        for c in iter {
            set.insert(c);
        }
        set
    }
}

impl<const N: usize> From<[Category; N]> for CategorySet {
    fn from(cs: [Category; N]) -> CategorySet {
        cs.into_iter().collect()
    }
}

impl IntoIterator for CategorySet {
    type Item = Category;
    type IntoIter = CategoryIter;

    fn into_iter(self) -> CategoryIter {
        CategoryIter(self.0)
    }
}

/// The categories of a [`CategorySet`], in category order.
#[derive(Clone, Debug)]
pub struct CategoryIter(u16);

impl Iterator for CategoryIter {
    type Item = Category;

    fn next(&mut self) -> Option<Category> {
        let k = self.0.trailing_zeros() as usize;
        let c = *Category::ALL.get(k)?;
        self.0 &= self.0 - 1;
        Some(c)
    }
}

impl std::fmt::Debug for CategorySet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl Serialize for CategorySet {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

/// Whom a finding is aimed at.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "name")]
pub enum Target {
    /// The person replied to (second person, or the reply's addressee).
    Interlocutor,
    /// A group, by the name used.
    Group(String),
    /// A named person.
    NamedPerson(String),
    /// The claim of the parent comment.
    ParentClaim,
    /// The claim of the post or article.
    PostClaim,
    /// Cannot be told.
    Unknown,
}

/// One explainable finding in one comment.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Finding {
    /// Index of the comment in `Thread::comments`.
    pub comment: usize,
    /// What was found.
    pub category: Category,
    /// The rule or lexicon entry id that fired.
    pub rule: String,
    /// Byte span `[start, end)` of the match in the comment text.
    pub start: usize,
    /// End of the byte span.
    pub end: usize,
    /// The matched text, exactly as written.
    pub matched: String,
    /// Whom it is aimed at.
    pub target: Target,
    /// Severity in `[0, 1]`.
    pub severity: f32,
    /// True when the match lies in text the comment quotes from someone
    /// else (it then does not count against the comment's author).
    pub quoted: bool,
    /// True when the comment mentions or denounces the term rather than
    /// using it ("calling people rats is vile"); it then does not count.
    pub mention: bool,
}

impl Finding {
    /// Does this finding count against the comment's author?
    pub fn counts(&self) -> bool {
        !self.quoted && !self.mention
    }
}

/// Everything the analyses found in one thread.
#[derive(Clone, Debug, Default, Serialize)]
pub struct ThreadAnalysis {
    /// Hostility per comment (index = comment index).
    pub hostility: Vec<hostility::CommentHostility>,
    /// Pushback per comment and the events it starts.
    pub pushback: pushback::PushbackAnalysis,
}

/// Run every analysis on a thread.
pub fn analyze(thread: &Thread) -> ThreadAnalysis {
    let hostility = hostility::analyze(thread);
    let pushback = pushback::analyze(thread, &hostility);
    ThreadAnalysis { hostility, pushback }
}

/// Run every analysis on a thread, with hostility lexicons compiled into
/// `matcher` (built-in plus `--lexicon` files).
pub fn analyze_with(thread: &Thread, matcher: &lexicon::Matcher) -> ThreadAnalysis {
    let hostility = hostility::analyze_with(thread, matcher);
    let pushback = pushback::analyze(thread, &hostility);
    ThreadAnalysis { hostility, pushback }
}

/// Every comment body of the seeds and the cmv hostility fixtures, in path
/// order: the real texts the detectors' equivalence tests run over.
/// The largest character boundary of `text` at or before `i` (the crate
/// supports Rust 1.85; `str::floor_char_boundary` is from 1.91).
fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Every match of `re` in `text`, as `re.find_iter(text)` gives them, when
/// a one-pass scan (a lazy DFA over all the rules) has already found that
/// its matches end between `first_end` and `last_end` and that none spans
/// more than `max_len` bytes; `re` must not match the empty string.
///
/// No match ends before `first_end` and none is longer than `max_len`, so
/// none starts before `first_end - max_len`: the leftmost-first matches
/// found from there are those of a search from 0 (`find_at` looks at the
/// bytes before its start for `\b` and `^`). Matches are not empty, so the
/// next search starts where a match ends, as in `find_iter`; and no match
/// ends after `last_end`, so a match ending there is the last one. Used by
/// the hostility patterns and the pushback rules alike.
pub(crate) fn matches_between(
    re: &regex::Regex,
    text: &str,
    (first_end, last_end): (usize, usize),
    max_len: Option<usize>,
    mut push: impl FnMut(regex::Match<'_>),
) {
    let mut at = max_len.map_or(0, |n| floor_char_boundary(text, first_end.saturating_sub(n)));
    while let Some(m) = re.find_at(text, at) {
        at = m.end();
        push(m);
        if at >= last_end {
            break;
        }
    }
}

/// Run `check` on random texts drawn from the regex `pattern` (proptest's
/// deterministic runner: the same texts every run, shrunk on failure; a
/// panicking assertion in `check` fails the test).
/// A deterministic pseudo-random sequence for tests (a 64-bit LCG, Knuth's
/// MMIX constants): the same seed gives the same texts on every machine.
#[cfg(test)]
pub(crate) struct TestRng(pub(crate) u64);

#[cfg(test)]
impl TestRng {
    /// The next state.
    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        self.0
    }

    /// A number below `n` (from the state's high bits).
    pub(crate) fn below(&mut self, n: usize) -> usize {
        (self.next_u64() >> 33) as usize % n
    }
}

#[cfg(test)]
pub(crate) fn check_random_texts(pattern: &str, check: impl Fn(&str)) {
    proptest::test_runner::TestRunner::deterministic()
        .run(&pattern, |t: String| {
            check(&t);
            Ok(())
        })
        .unwrap();
}

#[cfg(test)]
pub(crate) fn fixture_comment_texts() -> Vec<String> {
    let mut paths: Vec<_> = std::fs::read_dir("fixtures/seeds").unwrap().map(|e| e.unwrap().path()).collect();
    paths.extend(std::fs::read_dir("fixtures/hostility/cmv").unwrap().map(|e| e.unwrap().path()));
    paths.sort();
    let mut texts = Vec::new();
    for p in &paths {
        for t in crate::read::read_path(p, crate::read::Format::Auto).unwrap() {
            texts.extend(t.comments.into_iter().map(|c| c.text));
        }
    }
    texts
}

#[cfg(test)]
mod category_set_tests {
    use super::*;

    #[test]
    fn a_set_reads_like_the_sorted_deduplicated_vec() {
        // Every subset of the nine categories, inserted in reverse with repeats.
        for bits in 0u16..(1 << Category::ALL.len()) {
            let want: Vec<Category> =
                Category::ALL.into_iter().enumerate().filter(|(k, _)| bits >> k & 1 == 1).map(|(_, c)| c).collect();
            let set: CategorySet = want.iter().rev().chain(want.iter()).copied().collect();
            assert_eq!(set.iter().collect::<Vec<_>>(), want);
            assert_eq!(set.into_iter().collect::<Vec<_>>(), want);
            assert_eq!((set.len(), set.is_empty()), (want.len(), want.is_empty()));
            assert_eq!(serde_json::to_string(&set).unwrap(), serde_json::to_string(&want).unwrap());
            assert_eq!(format!("{set:?}"), format!("{want:?}"));
            for c in Category::ALL {
                assert_eq!(set.contains(c), want.contains(&c));
            }
            let mut pushback = set;
            pushback.retain(Category::is_pushback);
            assert_eq!(
                pushback.iter().collect::<Vec<_>>(),
                want.iter().copied().filter(|c| c.is_pushback()).collect::<Vec<_>>()
            );
        }
    }
}
