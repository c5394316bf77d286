//! Hostile and dehumanizing language: an explainable, lexicon-driven
//! detector.
//!
//! For each comment: fold the text ([`normalize`](crate::analysis::normalize)),
//! scan it once with the compiled lexicon ([`Matcher`]), keep the matches
//! whose scope holds in context (aimed at the interlocutor, next to a word
//! naming a group, …), tell the target, and mark matches inside quoted text
//! ([`quote`]) or mentions of a word ("calling
//! people rats is vile") as not counting. A comment is `hostile` when an
//! insult, identity attack, dehumanizing or violent finding counts;
//! profanity is reported but is not hostile on its own.
//!
//! ```
//! use threadlens::analysis::hostility::{analyze_text, Context};
//! use threadlens::analysis::lexicon::Matcher;
//!
//! let text = "Did you not see the photographs? you moron";
//! let h = analyze_text(text, &Context::default(), Matcher::builtin());
//! assert!(h.hostile);
//! let f = &h.findings[0];
//! assert_eq!(&text[f.start..f.end], f.matched);
//! assert_eq!(f.matched, "you moron");
//! ```
//!
//! # Complexity
//!
//! Linear in the comment text (normalization, one walk of the term
//! automaton, one walk of the patterns' lazy DFA, and re-runs of only the
//! patterns that matched, over the stretch where they did) plus, per match,
//! a look at a few words around it.

use std::cell::OnceCell;

use serde::Serialize;

use crate::analysis::lexicon::{EntryKind, Hit, Matcher, Scope};
use crate::analysis::normalize::{is_word_byte, nonword_bytes, Normalized};
use crate::analysis::quote::{self, QuoteKind};
use crate::analysis::{Category, CategorySet, Finding, Target};
use crate::model::Thread;

/// The hostility verdict for one comment.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct CommentHostility {
    /// True when any category but profanity fires (and counts).
    pub hostile: bool,
    /// Categories that fired and count, sorted, deduplicated.
    pub categories: CategorySet,
    /// Severity score in `[0, 1]`.
    pub score: f32,
    /// Every finding, including quoted and mentioned ones (which do not count).
    pub findings: Vec<Finding>,
}

impl CommentHostility {
    /// True when a dehumanizing finding counts.
    pub fn dehumanizing(&self) -> bool {
        self.categories.contains(Category::Dehumanizing)
    }

    /// The counting categories joined by `;` (for CSV).
    pub fn categories_joined(&self) -> String {
        self.categories.iter().map(|c| c.name()).collect::<Vec<_>>().join(";")
    }
}

/// What a comment is read against: the texts it may quote and byte ranges
/// the reader already knows are quoted.
#[derive(Clone, Debug, Default)]
pub struct Context<'a> {
    /// Texts the comment may quote (parent, article, ancestors), normalized.
    pub sources: Vec<&'a Normalized>,
    /// Byte ranges of the comment the reader marked as quoted.
    pub quoted: &'a [(usize, usize)],
    /// Index of the comment in its thread (copied into findings).
    pub comment: usize,
    /// Author of the comment replied to: a finding aimed at that name, or
    /// an insult in a sentence naming it ("You speak abject nonsense Pet"),
    /// targets the interlocutor.
    pub addressee: Option<&'a str>,
}

/// Score every comment of a thread with the built-in lexicon.
pub fn analyze(thread: &Thread) -> Vec<CommentHostility> {
    analyze_with(thread, Matcher::builtin())
}

/// Score every comment of a thread with `matcher`.
///
/// Each comment is read against its parent (or the article for top-level
/// comments), the article, and up to two more ancestors, for quotations.
/// Those texts are folded only when a finding survives its scope check
/// and quotations are looked for, each at most once.
pub fn analyze_with(thread: &Thread, matcher: &Matcher) -> Vec<CommentHostility> {
    let post = OnceCell::new();
    let plain: Vec<OnceCell<Normalized>> = thread.comments.iter().map(|_| OnceCell::new()).collect();
    let normalized = |k: Option<usize>| match k {
        Some(k) => plain[k].get_or_init(|| Normalized::new(&thread.comments[k].text)),
        None => post.get_or_init(|| Normalized::new(&thread.post.body())),
    };
    (0..thread.comments.len()).map(|i| score_comment(thread, i, matcher, normalized)).collect()
}

/// [`analyze_with`] for comments `range` of a thread alone, with no cache
/// over the whole thread: for a thread too large to hold every comment's
/// results at once (`export` writes its rows a range at a time). The
/// texts a comment may quote are folded for that comment alone, which
/// happens only when one of its findings survives.
pub fn analyze_range(thread: &Thread, range: std::ops::Range<usize>, matcher: &Matcher) -> Vec<CommentHostility> {
    let post = OnceCell::new();
    let post = || post.get_or_init(|| Normalized::new(&thread.post.body()));
    range
        .map(|i| {
            // Up to three ancestors, folded for this comment only.
            let ancestors: [OnceCell<Normalized>; 3] = Default::default();
            let mut seen = 0;
            score_comment(thread, i, matcher, |k| match k {
                Some(k) => {
                    let cell = &ancestors[seen.min(2)];
                    seen += 1;
                    cell.get_or_init(|| Normalized::new(&thread.comments[k].text))
                }
                None => post(),
            })
        })
        .collect()
}

/// Score comment `i` of `thread`; `normalized(Some(k))` gives comment
/// `k`'s text folded, `normalized(None)` the post's (called only when a
/// finding survives and quotations are looked for: the parent first,
/// then up to two more ancestors, then the post).
fn score_comment<'s>(
    thread: &'s Thread,
    i: usize,
    matcher: &Matcher,
    mut normalized: impl FnMut(Option<usize>) -> &'s Normalized,
) -> CommentHostility {
    let c = &thread.comments[i];
    if c.status.is_stand_in() {
        return CommentHostility::default();
    }
    let sources = || {
        let mut sources = Vec::with_capacity(4);
        let mut p = c.parent;
        while let Some(pi) = p {
            if sources.len() == 3 {
                break;
            }
            sources.push(normalized(Some(pi)));
            p = thread.comments[pi].parent;
        }
        sources.push(normalized(None));
        sources
    };
    let addressee = c.parent.and_then(|p| thread.comments[p].author.as_deref());
    let ctx = Context { sources: Vec::new(), quoted: c.quoted(), comment: i, addressee };
    let rules = analyze_lazily(&c.text, &ctx, sources, matcher);
    with_model(&c.text, &ctx, matcher, rules)
}

/// Score one text. `ctx` gives what it may quote; findings carry
/// `ctx.comment` as their comment index.
///
/// The lexicon rules first; then, when no insult counts yet, the matcher's
/// ad hominem model ([`hostility_model`](crate::analysis::hostility_model)) over the second-person sentences:
/// at or above its threshold it adds an `insult` finding aimed at the
/// interlocutor, spanning the sentence that weighed most, with rule
/// `model_ad_hominem` and the features behind the score.
pub fn analyze_text(text: &str, ctx: &Context<'_>, matcher: &Matcher) -> CommentHostility {
    let rules = analyze_lazily(text, ctx, || ctx.sources.clone(), matcher);
    with_model(text, ctx, matcher, rules)
}

/// Add the matcher's ad hominem model to the lexicon rules' verdict.
fn with_model(text: &str, ctx: &Context<'_>, matcher: &Matcher, rules: CommentHostility) -> CommentHostility {
    let Some(model) = matcher.model() else { return rules };
    if rules.findings.iter().any(|f| f.category == Category::Insult && f.counts()) {
        return rules;
    }
    // Sentences inside quotation marks are someone else's words or speech
    // the commenter acts out ("Please put your seatbelts on", says the
    // pilot of a joke), not an address to the reader: a flag must stand
    // with them blanked. One call site of the scorer (a second one costs
    // the hot path its inlining): the loop runs twice only when the model
    // fires on a comment with quotations.
    let mut unquoted: Option<String> = None;
    loop {
        let v = match model.score(unquoted.as_deref().unwrap_or(text)) {
            Some(v) if v.probability >= model.threshold => v,
            _ => return rules,
        };
        if unquoted.is_none() {
            unquoted = without_quotations(text, ctx);
            if unquoted.is_some() {
                continue;
            }
        }
        return with_model_finding(text, ctx, rules, v);
    }
}

/// Add the model's finding `v` on `text` to the rules' verdict.
#[cold]
#[inline(never)]
fn with_model_finding(
    text: &str,
    ctx: &Context<'_>,
    rules: CommentHostility,
    v: crate::analysis::hostility_model::Verdict,
) -> CommentHostility {
    let mut findings = rules.findings;
    findings.push(Finding {
        comment: ctx.comment,
        category: Category::Insult,
        rule: format!("model_ad_hominem ({})", v.explain()),
        start: v.start,
        end: v.end,
        matched: text[v.start..v.end].to_string(),
        target: Target::Interlocutor,
        severity: ((v.probability * 1000.0).round() / 1000.0) as f32,
        quoted: ctx.quoted.iter().any(|&(a, b)| a <= v.start && v.end <= b),
        mention: false,
    });
    verdict(findings)
}

/// `text` with its double-quoted quotations (`“…”`, `"…"`, `«…»`, sourced
/// or not) blanked to spaces, byte offsets kept; `None` when it has none.
fn without_quotations(text: &str, ctx: &Context<'_>) -> Option<String> {
    // Most comments have no double quotation mark (`"`, or a lead byte of
    // `“”` / `«»`): skip the quote scan.
    memchr::memchr3(b'"', 0xE2, 0xC2, text.as_bytes())?;
    let quotes = quote::find_quotes_in(text, &ctx.sources);
    // Single marks are left alone: an apostrophe opens too many of them.
    let double = |q: &&quote::QuoteSpan| !text[q.start..].starts_with(['\'', '‘']);
    let mut spans = quotes.iter().filter(|q| q.kind != QuoteKind::Marker).filter(double).peekable();
    spans.peek()?;
    let mut out = text.as_bytes().to_vec();
    for q in spans {
        out[q.start..q.end].fill(b' ');
    }
    // Whole characters were replaced (spans start and end on character
    // boundaries), so the bytes are UTF-8.
    String::from_utf8(out).ok()
}

/// The lexicon rules' verdict, with the quotation sources made by `sources` (called
/// only when some finding survives) instead of `ctx.sources`.
fn analyze_lazily<'s>(
    text: &str,
    ctx: &Context<'_>,
    sources: impl FnOnce() -> Vec<&'s Normalized>,
    matcher: &Matcher,
) -> CommentHostility {
    let norm = matcher.normalize(text);
    let hits = matcher.scan(&norm.text);
    let entries = matcher.entries();
    // Group words alone make no finding.
    if !hits.iter().any(|h| entries[h.entry].category.is_some()) {
        return CommentHostility::default();
    }
    // Words before the sentence of the first hit and after the sentence of
    // the last hit are never looked at.
    let (begin, stop) = words_needed(&norm.text, &hits);
    let words = Words::new(&norm.text, begin, stop);
    // Group words with their word ranges, in text order.
    let groups: Vec<(usize, usize, &Hit)> = hits
        .iter()
        .filter(|h| entries[h.entry].kind == EntryKind::Group)
        .map(|h| {
            let (a, b) = words.range(h.start, h.end);
            (a, b, h)
        })
        .collect();
    // Scope and target first; quotations are looked for only when a
    // finding survives (most texts with a raw hit have none).
    let mut scoped = Vec::new();
    for h in hits.iter().filter(|h| entries[h.entry].category.is_some()) {
        let e = &entries[h.entry];
        let Some(category) = e.category else { continue };
        let (w0, w1) = words.range(h.start, h.end);
        let (start, end) = norm.original_span(h.start, h.end);
        let addressed = words.addressed(w0, w1);
        // The first group word within three words of the match, same sentence.
        let from = groups.partition_point(|g| g.0 + 4 <= w0);
        let group = groups[from..]
            .iter()
            .take_while(|g| g.1 < w1 + 4)
            .find(|g| words.same_sentence(g.0.min(w0), g.1.max(w1)))
            .map(|g| norm.text[g.2.start..g.2.end].to_string());
        let named = if category == Category::Insult { named_person(text, start, end, e.kind) } else { None };
        let person = words.person_near(w0);
        let ok = match e.scope {
            Scope::Any => true,
            Scope::Addressed => addressed || named.is_some(),
            Scope::Group => group.is_some(),
            Scope::Person => addressed || group.is_some() || named.is_some() || person,
        };
        if !ok {
            continue;
        }
        let target = match (category, addressed, group, named) {
            (Category::Insult | Category::Profanity, true, _, _) => Target::Interlocutor,
            (_, _, Some(g), _) => Target::Group(g),
            (_, true, None, _) => Target::Interlocutor,
            (_, false, None, Some(n)) if names_addressee(&n, ctx.addressee) => Target::Interlocutor,
            (_, false, None, Some(n)) => Target::NamedPerson(n),
            (Category::Insult, false, None, None) if words.names_in_sentence(w0, ctx.addressee) => Target::Interlocutor,
            _ => Target::Unknown,
        };
        scoped.push((e, category, w0, start, end, target));
    }
    if scoped.is_empty() {
        return CommentHostility::default();
    }
    // Only spans starting at or before a finding can hold it.
    let last_start = scoped.iter().map(|s| s.3).max().unwrap_or(0);
    let quotes = quote::find_quotes_until(text, &sources(), last_start);
    let attributed = quote::SpanIndex::from_ranges(
        quotes.iter().filter(|q| q.is_attributed()).map(|q| (q.start, q.end)).chain(ctx.quoted.iter().copied()),
    );
    let short_unsourced = quote::SpanIndex::new(&quotes, |q| q.kind == QuoteKind::Unsourced && q.words <= 3);
    let unsourced = quote::SpanIndex::new(&quotes, |q| q.kind == QuoteKind::Unsourced);
    let mut findings = Vec::with_capacity(scoped.len());
    for (e, category, w0, start, end, target) in scoped {
        let quoted = attributed.contains(start, end);
        let about_words = matches!(category, Category::IdentityAttack | Category::Dehumanizing);
        let in_quote = short_unsourced.contains(start, end) || (about_words && unsourced.contains(start, end));
        let mention = !quoted && (in_quote || (about_words && words.mention_cue(w0)));
        findings.push(Finding {
            comment: ctx.comment,
            category,
            rule: e.id.clone(),
            start,
            end,
            matched: text[start..end].to_string(),
            target,
            severity: e.severity,
            quoted,
            mention,
        });
    }
    verdict(findings)
}

fn verdict(mut findings: Vec<Finding>) -> CommentHostility {
    findings.sort_by(|a, b| (a.start, a.end, a.category, &a.rule).cmp(&(b.start, b.end, b.category, &b.rule)));
    findings.dedup_by(|a, b| a.start == b.start && a.end == b.end && a.category == b.category);
    let categories: CategorySet = findings.iter().filter(|f| f.counts()).map(|f| f.category).collect();
    let hostile = categories.iter().any(|c| c.is_hostile());
    let mut keep = 1.0f32;
    let mut profanity = 0.0f32;
    for f in findings.iter().filter(|f| f.counts()) {
        if f.category.is_hostile() {
            keep *= 1.0 - f.severity.clamp(0.0, 1.0);
        } else {
            profanity = profanity.max(f.severity);
        }
    }
    // Profanity alone scores at most 0.25, below any hostile finding.
    let score = if hostile { 1.0 - keep } else { 0.25 * profanity };
    CommentHostility { hostile, categories, score: (score * 1000.0).round() / 1000.0, findings }
}

/// True when `name` (a named-person target) is the addressee's name or a
/// word of it ("Harold" for "Harold Smith").
fn names_addressee(name: &str, addressee: Option<&str>) -> bool {
    let Some(a) = addressee else { return false };
    let a = a.to_lowercase();
    name.split_whitespace().any(|w| a.split_whitespace().any(|x| x == w.to_lowercase()))
}

/// A capitalized insult used as a name ("Orange Clown"), not at the start
/// of a sentence: the name with the capitalized word before it.
fn named_person(text: &str, start: usize, end: usize, kind: EntryKind) -> Option<String> {
    let m = &text[start..end];
    if kind == EntryKind::Regex {
        // `Trump is a …`: the capitalized word before a pattern.
        let before = text[..start].trim_end();
        let prev = before.rsplit(|c: char| !c.is_alphanumeric()).next().unwrap_or("");
        let common = ["He", "She", "It", "This", "That", "They", "There", "Which", "Who", "I", "You", "What"];
        let capitalized = prev.chars().next().is_some_and(char::is_uppercase);
        return (capitalized && !common.contains(&prev)).then(|| prev.to_string());
    }
    let mut chars = m.chars();
    let (first, second) = (chars.next()?, chars.next()?);
    if !first.is_uppercase() || !second.is_lowercase() {
        return None;
    }
    let before = text[..start].trim_end_matches([' ', '\t']);
    if before.is_empty() || before.ends_with(['.', '!', '?', '\n', ':', '"', '“']) {
        return None;
    }
    let prev_word = before.rsplit(|c: char| !c.is_alphanumeric()).next().unwrap_or("");
    if prev_word.chars().next().is_some_and(char::is_uppercase) {
        Some(format!("{prev_word} {m}"))
    } else {
        Some(m.to_string())
    }
}

/// Words that show a slur or metaphor is being talked about, not used
/// ("calling people rats", "the word …").
const MENTION_CUES: &[&str] = &[
    "calling", "call", "called", "word", "words", "term", "terms", "slur", "slurs", "label", "labeling", "say",
    "saying", "said", "use", "using", "n-word",
];

/// Words of normalized text with sentence numbers.
struct Words<'a> {
    text: &'a str,
    spans: Vec<(usize, usize)>,
    sentence: Vec<u32>,
}

const YOU: &[&str] = &[
    "you", "your", "you're", "youre", "yourself", "u", "ur", "ya", "thou", "thy", "you've", "you'd", "you'll", "yours",
];
const PEOPLE: &[&str] =
    &["they", "them", "these", "those", "he", "she", "him", "her", "people", "guys", "folks", "their", "its", "such"];

/// Empty span and sentence vectors for the words of `n` bytes: about one
/// word per five bytes, reserved once instead of growing.
fn word_vectors(n: usize) -> (Vec<(usize, usize)>, Vec<u32>) {
    (Vec::with_capacity(n / 4 + 1), Vec::with_capacity(n / 4 + 1))
}

/// High bit of every byte of a word.
const HIGH: u64 = 0x8080_8080_8080_8080;

/// The eight bytes of `b` from `i` as a little-endian word; bytes past the
/// end read as spaces (not word bytes, not sentence ends).
fn load8(b: &[u8], i: usize) -> u64 {
    if let Some(block) = b.get(i..).and_then(|rest| rest.first_chunk::<8>()) {
        return u64::from_le_bytes(*block);
    }
    let mut w = [b' '; 8];
    let rest = b.get(i..).unwrap_or_default();
    w[..rest.len()].copy_from_slice(rest);
    u64::from_le_bytes(w)
}

/// High bit set in exactly the bytes of `w` equal to `c`.
fn equal_bytes(w: u64, c: u8) -> u64 {
    let x = w ^ (u64::from(c) * 0x0101_0101_0101_0101);
    !((((x & !HIGH) + !HIGH) | x) & HIGH) & HIGH
}

/// Where [`Words::new`] may start and stop for the queries about `hits`:
/// after the last sentence end (`.`, `!`, `?`, `;`) before the first hit
/// (or at 0), and at the first sentence end at or after the end of the
/// last hit (or at the end of the text). The queries look a few words
/// around a hit, only within its sentence, and compare word indices and
/// sentence numbers only with each other, so every word they read lies in
/// between and the answers are the same; `Words::new` also keeps the
/// first word after the stop, so that word indices clamp as they do over
/// the whole text.
fn words_needed(text: &str, hits: &[Hit]) -> (usize, usize) {
    let b = text.as_bytes();
    let sentence_end = |c: &u8| matches!(c, b'.' | b'!' | b'?' | b';');
    let first_start = hits.iter().map(|h| h.start).min().unwrap_or(0).min(b.len());
    let last_end = hits.iter().map(|h| h.end).max().unwrap_or(0).min(b.len()).max(first_start);
    let begin = b[..first_start].iter().rposition(sentence_end).map_or(0, |p| p + 1);
    let stop = b[last_end..].iter().position(sentence_end).map_or(b.len(), |p| last_end + p);
    (begin, stop)
}

impl<'a> Words<'a> {
    /// The words of `text` that start at or after byte `begin` (a word
    /// start or a non-word byte) and before byte `stop`, and the first word
    /// after it (see [`words_needed`]); `0, text.len()` for all.
    fn new(text: &'a str, begin: usize, stop: usize) -> Words<'a> {
        let b = text.as_bytes();
        let n = b.len();
        let (mut spans, mut sentence) = word_vectors(n);
        let mut sent = 0u32;
        let mut i = begin.min(n);
        // Eight bytes at a time: the gap to the next word byte (counting
        // its sentence ends), then the word's end; a branch per word and
        // gap rather than per byte.
        loop {
            loop {
                let w = load8(b, i);
                let words = !nonword_bytes(w) & HIGH;
                let gap = if words == 0 { 8 } else { words.trailing_zeros() as usize / 8 };
                let in_gap = if gap == 8 { u64::MAX } else { (1u64 << (8 * gap)) - 1 };
                let ends = [b'.', b'!', b'?', b';'].iter().fold(0, |m, &c| m | equal_bytes(w, c));
                sent += (ends & in_gap).count_ones();
                i += gap;
                if gap < 8 || i >= n {
                    break;
                }
            }
            if i >= n {
                break;
            }
            let s = i;
            loop {
                let non = nonword_bytes(load8(b, i));
                if non == 0 {
                    i += 8;
                    continue;
                }
                i += non.trailing_zeros() as usize / 8;
                // A word runs on over an apostrophe followed by a word byte.
                if i + 1 < n && b[i] == b'\'' && is_word_byte(b[i + 1]) {
                    i += 2;
                    continue;
                }
                break;
            }
            spans.push((s, i));
            sentence.push(sent);
            if s >= stop {
                break;
            }
        }
        Words { text, spans, sentence }
    }

    #[cfg(test)]
    fn reference(text: &'a str, begin: usize, stop: usize) -> Words<'a> {
        let b = text.as_bytes();
        let n = b.len();
        let (mut spans, mut sentence) = word_vectors(n);
        let mut sent = 0u32;
        let mut i = begin.min(n);
        while i < n {
            if is_word_byte(b[i]) {
                let s = i;
                i += 1;
                // A word runs on over an apostrophe followed by a word byte.
                loop {
                    while i < n && is_word_byte(b[i]) {
                        i += 1;
                    }
                    if i + 1 < n && b[i] == b'\'' && is_word_byte(b[i + 1]) {
                        i += 2;
                    } else {
                        break;
                    }
                }
                spans.push((s, i));
                sentence.push(sent);
                if s >= stop {
                    break;
                }
            } else {
                if matches!(b[i], b'.' | b'!' | b'?' | b';') {
                    sent += 1;
                }
                i += 1;
            }
        }
        Words { text, spans, sentence }
    }

    fn text(&self, i: usize) -> &str {
        let (s, e) = self.spans[i];
        &self.text[s..e]
    }

    /// Word indices `[first, last]` covering the byte span.
    fn range(&self, start: usize, end: usize) -> (usize, usize) {
        let first = self.spans.partition_point(|&(_, e)| e <= start);
        let last = self.spans.partition_point(|&(s, _)| s < end).saturating_sub(1).max(first);
        (first.min(self.spans.len().saturating_sub(1)), last.min(self.spans.len().saturating_sub(1)))
    }

    fn same_sentence(&self, a: usize, b: usize) -> bool {
        self.sentence.get(a).is_some() && self.sentence.get(a) == self.sentence.get(b)
    }

    /// A second-person word inside the match, up to three words before
    /// it, or right after it (`idiot, you`), in the same sentence.
    fn addressed(&self, w0: usize, w1: usize) -> bool {
        let lo = w0.saturating_sub(3);
        let hi = (w1 + 1).min(self.spans.len().saturating_sub(1));
        (lo..=hi).any(|i| self.same_sentence(i, w0) && YOU.contains(&self.text(i)))
    }

    /// A word of the addressee's name (3+ letters) in the sentence of word `w0`.
    fn names_in_sentence(&self, w0: usize, addressee: Option<&str>) -> bool {
        let Some(a) = addressee else { return false };
        let names: Vec<String> =
            a.split_whitespace().map(|w| Normalized::new(w).text).filter(|w| w.len() >= 3).collect();
        if names.is_empty() || w0 >= self.spans.len() {
            return false;
        }
        let sent = self.sentence[w0];
        let lo = self.sentence.partition_point(|&s| s < sent);
        let hi = self.sentence.partition_point(|&s| s <= sent);
        (lo..hi).any(|i| names.iter().any(|n| n == self.text(i)))
    }

    /// A mention cue up to three words before word `w0`, same sentence.
    fn mention_cue(&self, w0: usize) -> bool {
        (w0.saturating_sub(3)..w0).any(|i| self.same_sentence(i, w0) && MENTION_CUES.contains(&self.text(i)))
    }

    /// A pronoun or noun for people within two words before the match.
    fn person_near(&self, w0: usize) -> bool {
        (w0.saturating_sub(2)..w0).any(|i| self.same_sentence(i, w0) && PEOPLE.contains(&self.text(i)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Words cut to the sentences from the first hit to the last answer every query
    /// `analyze_text` asks about the hits exactly as the words of the
    /// whole text do, on every seed and cmv comment.
    #[test]
    fn words_cut_after_the_last_hit_answer_the_same() {
        let m = Matcher::builtin();
        let mut compared = 0;
        for text in crate::analysis::fixture_comment_texts() {
            let norm = m.normalize(&text);
            let hits = m.scan(&norm.text);
            let (begin, stop) = words_needed(&norm.text, &hits);
            let (full, cut) = (Words::new(&norm.text, 0, norm.text.len()), Words::new(&norm.text, begin, stop));
            // Words before the cut start shift every index by the same amount.
            let skip = full.spans.iter().take_while(|w| w.0 < begin).count();
            assert_eq!(cut.spans[..], full.spans[skip..skip + cut.spans.len()]);
            for h in &hits {
                let (w0, w1) = full.range(h.start, h.end);
                assert_eq!(cut.range(h.start, h.end), (w0 - skip, w1 - skip), "{text:?} {h:?}");
                let (c0, c1) = (w0 - skip, w1 - skip);
                assert_eq!(cut.addressed(c0, c1), full.addressed(w0, w1));
                assert_eq!(cut.mention_cue(c0), full.mention_cue(w0));
                assert_eq!(cut.person_near(c0), full.person_near(w0));
                let name = full.spans.get(w0.saturating_sub(2)).map(|&(s, e)| &norm.text[s..e]);
                assert_eq!(cut.names_in_sentence(c0, name), full.names_in_sentence(w0, name));
                for g in &hits {
                    let (g0, g1) = full.range(g.start, g.end);
                    let (a, b) = (g0.min(w0), g1.max(w1));
                    assert_eq!(cut.same_sentence(a - skip, b - skip), full.same_sentence(a, b));
                }
                compared += 1;
            }
        }
        assert!(compared > 250, "{compared}");
    }

    /// The word index eight bytes at a time gives the words and sentence
    /// numbers of the byte loop it replaced, on every seed, cmv and reddit
    /// comment with every stop and from every word start, and on built
    /// texts: apostrophes at word edges and doubled, sentence ends, words
    /// and gaps longer than eight bytes, multi-byte characters, at every
    /// offset; empty; 1 MB.
    #[test]
    fn words_match_the_byte_loop() {
        let m = Matcher::builtin();
        let mut texts: Vec<String> = crate::analysis::fixture_comment_texts();
        let reddit = std::fs::read_to_string("fixtures/hostility/civil/reddit_bodies.jsonl").unwrap();
        for line in reddit.lines() {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            texts.push(v["text"].as_str().unwrap().to_string());
        }
        let pieces = [
            "a",
            "b'c",
            "'",
            "''",
            "x'",
            "'y",
            ". ",
            "!",
            "?",
            ";",
            " ",
            "é",
            "9",
            "don't",
            "''a",
            "-",
            "\n",
            "abcdefghijkl",
            "..;;!!??  ..",
            "a'b'c'd'e'f'g",
        ];
        for p in pieces {
            for q in pieces {
                for pad in 0..9 {
                    texts.push(format!("{}{p}{q}{p}", "w ".repeat(pad)));
                    texts.push(format!("{}{p}{q}{p}", "x".repeat(pad)));
                }
            }
        }
        texts.push(String::new());
        let key = |w: &Words| (w.spans.clone(), w.sentence.clone());
        let mut compared = 0;
        for text in &texts {
            let norm = m.normalize(text).text;
            let n = norm.len();
            let mut cuts: Vec<(usize, usize)> = vec![(0, n), (0, 0), (n, n), (0, n / 2)];
            if text.len() < 200 {
                cuts.extend((0..=n).map(|k| (0, k)));
                let words = Words::reference(&norm, 0, n);
                cuts.extend(words.spans.iter().map(|&(s, e)| (s, e)));
            }
            for (begin, stop) in cuts {
                let (new, old) = (Words::new(&norm, begin, stop), Words::reference(&norm, begin, stop));
                assert_eq!(key(&new), key(&old), "{norm:?} {begin}..{stop}");
                compared += 1;
            }
        }
        let big = texts.iter().take(2000).map(String::as_str).collect::<Vec<_>>().join(" ");
        let big = m.normalize(&big.repeat(1_000_000 / big.len() + 1)).text;
        assert!(big.len() > 1_000_000);
        for (begin, stop) in [(0, big.len()), (0, 500_000)] {
            assert_eq!(key(&Words::new(&big, begin, stop)), key(&Words::reference(&big, begin, stop)));
        }
        assert!(compared > 50_000, "{compared}");
    }
}
