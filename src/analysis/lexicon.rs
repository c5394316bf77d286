//! Lexicons as data: the word lists and patterns the hostility detector
//! matches, their loader and their compiled matcher.
//!
//! A lexicon is a CSV file with a header and `#` comment lines:
//!
//! ```text
//! id,kind,category,severity,scope,pattern,note
//! ins.moron,term,insult,0.8,addressed,moron|imbecile,name-calling
//! grp.jews,group,,,,jew|jews|jewish,
//! ```
//!
//! `docs/lexicon.md` documents every column. The built-in lexicons under
//! `src/analysis/lexicons/` are embedded with `include_str!` and parsed by
//! the same [`Lexicon::parse`] that reads user files, so both get the same
//! line-numbered errors and the same tests.
//!
//! All terms go into one Aho-Corasick automaton and all patterns into one
//! `RegexSet`, so a comment is scanned once per matcher whatever the size
//! of the lexicon.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use aho_corasick::automaton::{Automaton, StateID};
use aho_corasick::dfa::DFA;
use aho_corasick::{Anchored as AcAnchored, MatchKind, StartKind};
use regex::{Regex, RegexBuilder, RegexSet, RegexSetBuilder};

use crate::analysis::hostility_model;
use crate::analysis::normalize::{is_word_byte, MaskVocabulary, Normalized};
use crate::analysis::Category;
use crate::error::{Error, Result};

/// The built-in lexicon files, in load order: (name, contents).
pub const BUILTIN_FILES: &[(&str, &str)] = &[
    ("lexicons/groups.csv", include_str!("lexicons/groups.csv")),
    ("lexicons/profanity.csv", include_str!("lexicons/profanity.csv")),
    ("lexicons/insult.csv", include_str!("lexicons/insult.csv")),
    ("lexicons/identity.csv", include_str!("lexicons/identity.csv")),
    ("lexicons/dehumanizing.csv", include_str!("lexicons/dehumanizing.csv")),
    ("lexicons/violence.csv", include_str!("lexicons/violence.csv")),
];

/// The columns every lexicon file starts with.
pub const HEADER: &[&str] = &["id", "kind", "category", "severity", "scope", "pattern", "note"];

/// How an entry's pattern is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum EntryKind {
    /// Literal words or phrases separated by `|`, matched as whole words on
    /// normalized text; a trailing `*` matches any ending, and plural `s`,
    /// `es` and possessive `'s` endings are always accepted.
    Term,
    /// A regular expression over normalized text; `{name}` expands a
    /// `define` entry; `\b`, `\w`, `\W` are ASCII.
    Regex,
    /// A named regex fragment for `{name}` in regex entries.
    Define,
    /// Words naming a group of people (targets, not findings).
    Group,
}

/// When a match counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Scope {
    /// Always.
    Any,
    /// Only when aimed at the interlocutor (a second-person word in the
    /// same sentence, shortly before or right after).
    Addressed,
    /// Only next to a word naming a group (within three words).
    Group,
    /// When addressed, next to a group, or next to a pronoun or noun for
    /// people (`they`, `these`, `people`, …).
    Person,
}

/// One lexicon entry.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    /// Unique id, reported with every finding.
    pub id: String,
    /// How `pattern` is read.
    pub kind: EntryKind,
    /// What a match means (none for defines and groups).
    pub category: Option<Category>,
    /// Severity in `[0, 1]`.
    pub severity: f32,
    /// When a match counts.
    pub scope: Scope,
    /// The pattern text.
    pub pattern: String,
    /// Free-text note.
    pub note: String,
    /// File the entry was read from.
    pub origin: String,
    /// 1-based line in that file.
    pub line: u64,
}

/// A set of entries, built-in or read from files.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Lexicon {
    entries: Vec<Entry>,
}

static BUILTIN: LazyLock<Lexicon> = LazyLock::new(|| {
    let mut lex = Lexicon::default();
    for (name, text) in BUILTIN_FILES {
        // The built-in files are checked by tests; a broken one is a bug,
        // not bad input, and must not silently drop a file.
        lex.extend(Lexicon::parse(text, name).expect("built-in lexicon is valid"));
    }
    lex
});

static BUILTIN_MATCHER: LazyLock<Matcher> =
    LazyLock::new(|| Matcher::new(&BUILTIN).expect("built-in lexicon compiles"));

impl Lexicon {
    /// The built-in lexicon (all files of [`BUILTIN_FILES`]).
    pub fn builtin() -> &'static Lexicon {
        &BUILTIN
    }

    /// The entries, in load order.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when there are no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Add `other`'s entries; an entry with an id already present replaces it.
    pub fn extend(&mut self, other: Lexicon) {
        for e in other.entries {
            match self.entries.iter_mut().find(|x| x.id == e.id) {
                Some(slot) => *slot = e,
                None => self.entries.push(e),
            }
        }
    }

    /// Read a lexicon file. `name` is used in errors. Every malformed line
    /// is reported (with its line number), not just the first.
    pub fn parse(text: &str, name: &str) -> std::result::Result<Lexicon, Vec<Error>> {
        let err = |line: u64, msg: String| Error::invalid(msg).with_path(name).at_line(line);
        let mut errors = Vec::new();
        let mut entries: Vec<Entry> = Vec::new();
        let mut reader = csv::ReaderBuilder::new().comment(Some(b'#')).flexible(true).from_reader(text.as_bytes());
        match reader.headers().cloned() {
            Ok(h) if h.iter().map(str::trim).eq(HEADER.iter().copied()) => {}
            Ok(h) if h.is_empty() => return Ok(Lexicon::default()),
            Ok(h) => {
                let line = h.position().map_or(1, |p| p.line());
                let found = h.iter().collect::<Vec<_>>().join(",");
                return Err(vec![err(line, format!("header must be `{}`, found `{found}`", HEADER.join(",")))]);
            }
            Err(e) => return Err(vec![err(1, format!("cannot read header: {e}"))]),
        }
        for rec in reader.records() {
            let rec = match rec {
                Ok(r) => r,
                Err(e) => {
                    let line = e.position().map_or(0, |p| p.line());
                    errors.push(err(line, format!("malformed CSV: {e}")));
                    continue;
                }
            };
            let line = rec.position().map_or(0, |p| p.line());
            if rec.len() != HEADER.len() {
                errors.push(err(line, format!("expected {} fields, found {}", HEADER.len(), rec.len())));
                continue;
            }
            match parse_entry(&rec, name, line) {
                Ok(e) => {
                    if let Some(prev) = entries.iter().find(|x| x.id == e.id) {
                        errors.push(err(line, format!("duplicate id `{}` (first on line {})", e.id, prev.line)));
                    } else {
                        entries.push(e);
                    }
                }
                Err(msg) => errors.push(err(line, msg)),
            }
        }
        let lex = Lexicon { entries };
        errors.extend(lex.check_regexes(None));
        errors.sort_by_key(|e| e.position().line);
        if errors.is_empty() {
            Ok(lex)
        } else {
            Err(errors)
        }
    }

    /// Compile every regex entry (with defines from `self` and `base`) and
    /// report the ones that fail, with their file and line.
    pub fn check_regexes(&self, base: Option<&Lexicon>) -> Vec<Error> {
        let defines = defines(base.into_iter().chain(std::iter::once(self)));
        let mut errors = Vec::new();
        for e in self.entries.iter().filter(|e| e.kind == EntryKind::Regex) {
            if let Err(msg) = expand(&e.pattern, &defines).and_then(|p| compile(&p).map(|_| ())) {
                errors.push(Error::invalid(format!("entry `{}`: {msg}", e.id)).with_path(&e.origin).at_line(e.line));
            }
        }
        errors
    }
}

fn parse_entry(rec: &csv::StringRecord, origin: &str, line: u64) -> std::result::Result<Entry, String> {
    let f = |i: usize| rec.get(i).unwrap_or("").trim();
    let id = f(0);
    if id.is_empty() || !id.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-')) {
        return Err(format!("id `{id}` must be non-empty and use only letters, digits, `_`, `.`, `-`"));
    }
    let kind = match f(1) {
        "term" => EntryKind::Term,
        "regex" => EntryKind::Regex,
        "define" => EntryKind::Define,
        "group" => EntryKind::Group,
        other => return Err(format!("kind `{other}` is not one of term, regex, define, group")),
    };
    let finding = matches!(kind, EntryKind::Term | EntryKind::Regex);
    let category = match (f(2), finding) {
        ("", false) => None,
        (c, true) => Some(parse_category(c).ok_or_else(|| {
            format!("category `{c}` is not one of insult, identity_attack, dehumanizing, violence, profanity")
        })?),
        (c, false) => return Err(format!("category `{c}` given for a {} entry; leave it empty", f(1))),
    };
    let severity = match (f(3), finding) {
        ("", false) => 0.0,
        (s, _) => match s.parse::<f32>() {
            Ok(v) if (0.0..=1.0).contains(&v) => v,
            _ => return Err(format!("severity `{s}` must be a number from 0 to 1")),
        },
    };
    let scope = match f(4) {
        "" | "any" => Scope::Any,
        "addressed" => Scope::Addressed,
        "group" => Scope::Group,
        "person" => Scope::Person,
        other => return Err(format!("scope `{other}` is not one of any, addressed, group, person")),
    };
    let pattern = f(5);
    if pattern.is_empty() {
        return Err("pattern is empty".to_string());
    }
    if matches!(kind, EntryKind::Term | EntryKind::Group) {
        if let Some(alt) = pattern.split('|').find(|a| Normalized::new(a).text.trim_end_matches('*').trim().is_empty())
        {
            return Err(format!("empty alternative `{alt}` in `{pattern}`"));
        }
    }
    Ok(Entry {
        id: id.to_string(),
        kind,
        category,
        severity,
        scope,
        pattern: pattern.to_string(),
        note: f(6).to_string(),
        origin: origin.to_string(),
        line,
    })
}

fn parse_category(s: &str) -> Option<Category> {
    Some(match s {
        "insult" => Category::Insult,
        "identity_attack" => Category::IdentityAttack,
        "dehumanizing" => Category::Dehumanizing,
        "violence" => Category::Violence,
        "profanity" => Category::Profanity,
        _ => return None,
    })
}

fn defines<'a>(lexes: impl Iterator<Item = &'a Lexicon>) -> BTreeMap<String, String> {
    let mut map = BTreeMap::new();
    let mut groups: Vec<String> = Vec::new();
    for lex in lexes {
        for e in &lex.entries {
            match e.kind {
                EntryKind::Define => {
                    map.insert(e.id.clone(), e.pattern.clone());
                }
                EntryKind::Group => groups.extend(e.pattern.split('|').map(|w| {
                    let w = Normalized::new(w.trim()).text;
                    let prefix = w.ends_with('*');
                    let w = regex::escape(w.trim_end_matches('*'));
                    if prefix {
                        format!("{w}\\w*")
                    } else {
                        format!("{w}s?")
                    }
                })),
                _ => {}
            }
        }
    }
    // `{group}`: every group word, longest first so alternation prefers it.
    groups.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
    groups.dedup();
    map.entry("group".to_string())
        .or_insert_with(|| if groups.is_empty() { "[a&&b]".into() } else { groups.join("|") });
    map
}

/// Expand `{name}` references (defines may use earlier defines; depth is
/// capped so a self-reference is an error, not a loop).
fn expand(pattern: &str, defines: &BTreeMap<String, String>) -> std::result::Result<String, String> {
    let mut out = pattern.to_string();
    for _ in 0..8 {
        let mut changed = false;
        let mut next = String::with_capacity(out.len());
        let mut rest = out.as_str();
        while let Some(open) = rest.find('{') {
            let (head, tail) = rest.split_at(open);
            next.push_str(head);
            let name_end = tail.find('}').unwrap_or(0);
            let name = &tail[1..name_end.max(1)];
            if name_end > 1 && name.bytes().all(|b| b.is_ascii_alphabetic() || b == b'_') {
                let Some(body) = defines.get(name) else { return Err(format!("unknown define `{{{name}}}`")) };
                next.push_str("(?:");
                next.push_str(body);
                next.push(')');
                rest = &tail[name_end + 1..];
                changed = true;
            } else {
                // A repetition like `{1,3}`: keep it.
                next.push('{');
                rest = &tail[1..];
            }
        }
        next.push_str(rest);
        out = next;
        if !changed {
            return Ok(ascii_classes(&out));
        }
    }
    Err("defines nest too deeply (a define refers to itself?)".to_string())
}

/// Make `\b`, `\w` and `\W` ASCII (normalized text is ASCII almost
/// everywhere, and Unicode word classes slow the regex set down several
/// times). An escaped backslash (`\\w`) is left alone.
fn ascii_classes(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len() + 16);
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('b') => out.push_str(r"(?-u:\b)"),
            Some('w') => out.push_str("[0-9A-Za-z_]"),
            Some('W') => out.push_str("[^0-9A-Za-z_]"),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

fn compile(pattern: &str) -> std::result::Result<Regex, String> {
    RegexBuilder::new(pattern).size_limit(1 << 22).dfa_size_limit(1 << 23).build().map_err(|e| e.to_string())
}

/// A raw match of one entry in normalized text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Hit {
    /// Start byte in normalized text.
    pub start: usize,
    /// End byte in normalized text.
    pub end: usize,
    /// Index of the entry in the compiled lexicon.
    pub entry: usize,
}

/// A lexicon compiled for matching: one automaton for every term and group
/// word, one regex set for every pattern.
#[derive(Clone, Debug)]
pub struct Matcher {
    entries: Vec<Entry>,
    terms: DFA,
    start: StateID,
    /// Per automaton pattern: every (entry, prefix match) that uses it (the
    /// automaton reports one pattern per distinct string).
    term_info: Vec<Vec<(usize, bool)>>,
    set: RegexSet,
    regexes: Vec<(usize, Regex)>,
    vocab: MaskVocabulary,
    /// The trained ad hominem model read beside the lexicon (on by default).
    model: Option<&'static hostility_model::Model>,
}

impl Matcher {
    /// Compile `lex`. Fails (naming file and line) on a bad regex.
    pub fn new(lex: &Lexicon) -> Result<Matcher> {
        let defs = defines(std::iter::once(lex));
        let (pats, term_info, vocab_words) = term_patterns(lex);
        let mut regexes = Vec::new();
        for (i, e) in lex.entries.iter().enumerate() {
            if e.kind == EntryKind::Regex {
                let p = expand(&e.pattern, &defs).and_then(|p| compile(&p).map(|r| (p, r))).map_err(|m| {
                    Error::invalid(format!("entry `{}`: {m}", e.id)).with_path(&e.origin).at_line(e.line)
                })?;
                regexes.push((i, p.1));
            }
        }
        // A full DFA: a few hundred terms make it small, and it is the
        // fastest automaton for overlapping search.
        let terms = DFA::builder()
            .match_kind(MatchKind::Standard)
            .start_kind(StartKind::Unanchored)
            .build(&pats)
            .map_err(|e| Error::invalid(format!("lexicon terms: {e}")))?;
        let start = terms.start_state(AcAnchored::No).map_err(|e| Error::invalid(format!("lexicon terms: {e}")))?;
        let set = RegexSetBuilder::new(regexes.iter().map(|(_, r)| r.as_str()))
            .size_limit(1 << 24)
            .dfa_size_limit(1 << 24)
            .build()
            .map_err(|e| Error::invalid(format!("lexicon patterns: {e}")))?;
        let vocab = MaskVocabulary::new(vocab_words.iter().map(String::as_str));
        let model = Some(hostility_model::builtin());
        Ok(Matcher { entries: lex.entries.clone(), terms, start, term_info, set, regexes, vocab, model })
    }

    /// Every whole-word term and group word match, in no particular order.
    /// The overlapping search is written by hand over the DFA: one
    /// transition per byte, and at a match state every string that ends
    /// there (the automaton copies the matches of shorter suffixes into
    /// each state), which costs fewer instructions than the iterator.
    fn term_hits(&self, bytes: &[u8], hits: &mut Vec<Hit>) {
        let mut sid = self.start;
        for (k, &b) in bytes.iter().enumerate() {
            sid = self.terms.next_state(AcAnchored::No, sid, b);
            if !self.terms.is_special(sid) || !self.terms.is_match(sid) {
                continue;
            }
            for m in 0..self.terms.match_len(sid) {
                let pid = self.terms.match_pattern(sid, m);
                push_term_hits(
                    bytes,
                    k + 1 - self.terms.pattern_len(pid),
                    k + 1,
                    &self.term_info[pid.as_usize()],
                    hits,
                );
            }
        }
    }

    /// The matcher for the built-in lexicon, compiled once.
    pub fn builtin() -> &'static Matcher {
        &BUILTIN_MATCHER
    }

    /// This matcher without the ad hominem model: lexicon rules only.
    pub fn without_model(mut self) -> Matcher {
        self.model = None;
        self
    }

    /// The ad hominem model read beside the lexicon, if any.
    pub fn model(&self) -> Option<&'static hostility_model::Model> {
        self.model
    }

    /// The compiled entries (indexed by [`Hit::entry`]).
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// Normalize `text` for this matcher (unmasking against its words).
    pub fn normalize(&self, text: &str) -> Normalized {
        Normalized::with_vocabulary(text, Some(&self.vocab))
    }

    /// Every whole-word term, group word and pattern match in normalized
    /// text, sorted by position. Overlapping term matches of the same kind
    /// keep the longest.
    pub fn scan(&self, norm: &str) -> Vec<Hit> {
        let bytes = norm.as_bytes();
        let mut hits = Vec::new();
        self.term_hits(bytes, &mut hits);
        if !self.regexes.is_empty() {
            // One regex-set pass per chunk of whole sentences, then only the
            // patterns that matched re-run, only on that chunk: a long text
            // costs about one pass, not one pass per matching pattern. The
            // set's plain "any match?" search costs about a quarter of the
            // overlapping "which patterns?" pass per byte, and most chunks
            // have no match, so it goes first.
            let mut from = 0;
            while from < norm.len() {
                let to = chunk_end(norm, from);
                let chunk = &norm[from..to];
                if !self.set.is_match(chunk) {
                    from = to;
                    continue;
                }
                for idx in self.set.matches(chunk).iter() {
                    let (entry, re) = &self.regexes[idx];
                    hits.extend(re.find_iter(chunk).filter(|m| m.end() > m.start()).map(|m| Hit {
                        start: from + m.start(),
                        end: from + m.end(),
                        entry: *entry,
                    }));
                }
                from = to;
            }
        }
        hits.sort();
        // Drop a hit inside a longer hit of the same entry kind and category.
        // Hits are sorted by start, so a hit can only contain earlier hits
        // with the same start; only the tail of `out` needs a look, which
        // keeps this linear.
        let same = |a: &Hit, b: &Hit| {
            let (ea, eb) = (&self.entries[a.entry], &self.entries[b.entry]);
            ea.kind == eb.kind && ea.category == eb.category
        };
        let mut out: Vec<Hit> = Vec::with_capacity(hits.len());
        for h in hits {
            // Covered by an earlier, longer hit (look back over hits that
            // still reach this far, at most 16).
            let longer = |o: &Hit| o.start <= h.start && h.end <= o.end && o.end - o.start > h.end - h.start;
            let covered = out.iter().rev().take(16).any(|o| longer(o) && same(o, &h));
            if covered {
                continue;
            }
            while out.last().is_some_and(|o| o.start == h.start && o.end < h.end && same(o, &h)) {
                out.pop();
            }
            out.push(h);
        }
        out
    }
}

/// The distinct term and group strings of `lex` (normalized, trailing `*`
/// dropped), with every (entry, prefix match) that uses each, and the
/// words to unmask against (profanity and insult terms).
type TermPatterns = (Vec<String>, Vec<Vec<(usize, bool)>>, Vec<String>);

fn term_patterns(lex: &Lexicon) -> TermPatterns {
    let mut pats = Vec::new();
    let mut term_info: Vec<Vec<(usize, bool)>> = Vec::new();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut vocab_words = Vec::new();
    for (i, e) in lex.entries.iter().enumerate() {
        if !matches!(e.kind, EntryKind::Term | EntryKind::Group) {
            continue;
        }
        for alt in e.pattern.split('|') {
            let n = Normalized::new(alt.trim());
            let prefix = n.text.ends_with('*');
            let p = n.text.trim_end_matches('*').trim().to_string();
            if p.is_empty() {
                continue;
            }
            if e.kind == EntryKind::Term && matches!(e.category, Some(Category::Profanity | Category::Insult)) {
                vocab_words.push(p.clone());
            }
            match seen.get(&p) {
                Some(&k) => term_info[k].push((i, prefix)),
                None => {
                    seen.insert(p.clone(), pats.len());
                    pats.push(p);
                    term_info.push(vec![(i, prefix)]);
                }
            }
        }
    }
    (pats, term_info, vocab_words)
}

/// Push the hits of an automaton string found at `start..end`: nothing
/// unless it starts a word; for each use, a prefix term (`fuck*`) runs to
/// the end of the word, any other takes a plural or possessive ending and
/// must then end the word.
fn push_term_hits(bytes: &[u8], start: usize, end: usize, uses: &[(usize, bool)], hits: &mut Vec<Hit>) {
    if start > 0 && is_word_byte(bytes[start - 1]) {
        return;
    }
    for &(entry, prefix) in uses {
        let mut end = end;
        if prefix {
            while end < bytes.len() && is_word_byte(bytes[end]) {
                end += 1;
            }
        } else {
            end = inflected_end(bytes, end);
            if end < bytes.len() && is_word_byte(bytes[end]) {
                continue;
            }
        }
        hits.push(Hit { start, end, entry });
    }
}

/// Regex chunks: at least this many bytes, cut after a sentence end.
const CHUNK: usize = 2048;

/// End of the chunk starting at `from`: the first sentence end (`. `,
/// `! `, `? `) after `from + CHUNK`, or the end of the text.
fn chunk_end(text: &str, from: usize) -> usize {
    let min = from + CHUNK;
    if min >= text.len() {
        return text.len();
    }
    let b = text.as_bytes();
    let mut i = min;
    while i + 1 < b.len() {
        if matches!(b[i], b'.' | b'!' | b'?') && b[i + 1] == b' ' {
            return i + 2;
        }
        i += 1;
    }
    text.len()
}

/// Accept a plural or possessive ending after a term: `s`, `es`, `'s`, `s'`.
fn inflected_end(bytes: &[u8], end: usize) -> usize {
    let rest = &bytes[end..];
    // `es` only after a sibilant (`bitches`, not `spic` + `es` = "spices").
    let sibilant = bytes[..end].ends_with(b"s")
        || bytes[..end].ends_with(b"x")
        || bytes[..end].ends_with(b"z")
        || bytes[..end].ends_with(b"ch")
        || bytes[..end].ends_with(b"sh");
    for suffix in [&b"es"[..], b"'s", b"s'", b"s"] {
        if suffix == b"es" && !sibilant {
            continue;
        }
        if rest.starts_with(suffix) && !rest.get(suffix.len()).is_some_and(|&b| is_word_byte(b)) {
            return end + suffix.len();
        }
    }
    end
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_lexicons_load_and_compile() {
        let mut errors = Vec::new();
        let mut all = Lexicon::default();
        for (name, text) in BUILTIN_FILES {
            match Lexicon::parse(text, name) {
                Ok(l) => {
                    for e in l.entries() {
                        if let Some(prev) = all.entries.iter().find(|x| x.id == e.id) {
                            errors.push(format!(
                                "{name}:{}: id `{}` also in {}:{}",
                                e.line, e.id, prev.origin, prev.line
                            ));
                        }
                    }
                    all.entries.extend(l.entries);
                }
                Err(es) => errors.extend(es.iter().map(|e| e.to_string())),
            }
        }
        errors.extend(all.check_regexes(None).iter().map(|e| e.to_string()));
        assert!(errors.is_empty(), "{}", errors.join("\n"));
        assert_eq!(all.len(), Lexicon::builtin().len());
        assert!(Matcher::new(Lexicon::builtin()).is_ok());
    }

    #[test]
    fn malformed_lines_are_numbered() {
        let text = "# a comment\nid,kind,category,severity,scope,pattern,note\n\
                    ok.one,term,insult,0.5,addressed,moron,\n\
                    bad kind,term,insult,0.5,any,x,\n\
                    two,word,insult,0.5,any,x,\n\
                    three,term,rude,0.5,any,x,\n\
                    four,term,insult,2,any,x,\n\
                    five,regex,insult,0.5,any,(unclosed,\n\
                    ok.one,term,insult,0.5,any,y,\n\
                    six,term,insult,0.5\n";
        let errs = Lexicon::parse(text, "user.csv").unwrap_err();
        let msgs: Vec<String> = errs.iter().map(|e| e.to_string()).collect();
        let lines: Vec<u64> = errs.iter().filter_map(|e| e.position().line).collect();
        assert_eq!(lines, vec![4, 5, 6, 7, 8, 9, 10], "{msgs:#?}");
        assert!(msgs[0].starts_with("user.csv:4: id `bad kind`"), "{}", msgs[0]);
        assert!(msgs[4].contains("entry `five`"), "{}", msgs[4]);
    }

    #[test]
    fn header_is_required_and_empty_is_allowed() {
        let errs = Lexicon::parse("term,kind\nx,y\n", "u.csv").unwrap_err();
        assert_eq!(errs[0].position().line, Some(1));
        assert!(Lexicon::parse("", "u.csv").unwrap().is_empty());
        assert!(Lexicon::parse("# nothing\nid,kind,category,severity,scope,pattern,note\n", "u.csv")
            .unwrap()
            .is_empty());
    }

    #[test]
    fn terms_match_whole_words_with_inflections() {
        let text = "id,kind,category,severity,scope,pattern,note\n\
                    p.cunt,term,profanity,0.5,any,cunt,\n\
                    d.rat,term,dehumanizing,0.7,any,rat|vermin,\n\
                    i.idiot,term,insult,0.7,any,idiot*,\n\
                    g.x,group,,,,jews,\n\
                    r.you,regex,insult,0.8,any,\\byou {adj}\\b,\n\
                    adj,define,,,,stupid|dumb,\n";
        let lex = Lexicon::parse(text, "t.csv").unwrap();
        let m = Matcher::new(&lex).unwrap();
        let found = |s: &str| -> Vec<String> {
            let n = m.normalize(s);
            m.scan(&n.text).iter().map(|h| format!("{}={}", m.entries()[h.entry].id, &n.text[h.start..h.end])).collect()
        };
        assert_eq!(found("Scunthorpe pirates, rats, idiotic JEWS"), ["d.rat=rats", "i.idiot=idiotic", "g.x=jews"]);
        assert_eq!(found("you stupid c*nt"), ["r.you=you stupid", "p.cunt=cunt"]);
        assert!(found("ratio Unstupid").is_empty());
    }

    /// The hand-written overlapping pass finds exactly what the
    /// `aho-corasick` iterator finds, on every seed comment, the cmv
    /// fixtures, the curated lists and all of them joined.
    #[test]
    fn term_pass_matches_the_iterator() {
        let (pats, term_info, _) = term_patterns(Lexicon::builtin());
        let ac = aho_corasick::AhoCorasick::new(&pats).unwrap();
        let m = Matcher::builtin();
        let mut texts = Vec::new();
        texts.extend(crate::analysis::fixture_comment_texts());
        for f in ["fixtures/lexicon/positive.txt", "fixtures/lexicon/negative.txt"] {
            texts.extend(std::fs::read_to_string(f).unwrap().lines().map(String::from));
        }
        texts.push(texts.join("\n\n"));
        let (mut total, mut failures) = (0, Vec::new());
        for text in &texts {
            let norm = m.normalize(text).text;
            let bytes = norm.as_bytes();
            let mut new = Vec::new();
            m.term_hits(bytes, &mut new);
            let mut old = Vec::new();
            for x in ac.find_overlapping_iter(&norm) {
                push_term_hits(bytes, x.start(), x.end(), &term_info[x.pattern().as_usize()], &mut old);
            }
            new.sort();
            old.sort();
            total += old.len();
            if new != old {
                failures.push(format!("{:?}", &text[..text.len().min(80)]));
            }
        }
        assert!(total > 500, "only {total} term hits");
        assert!(failures.is_empty(), "{} texts differ: {}", failures.len(), failures.join("\n"));
    }
}
