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
//! All terms go into one Aho-Corasick automaton (walked through a table of
//! our own) and all patterns into one lazy DFA that reports which patterns
//! match (a `RegexSet` only if it cannot be built), so a comment is scanned once per matcher whatever the size of
//! the lexicon; only the patterns that match re-run, to find their spans.

use std::collections::BTreeMap;
use std::sync::{Arc, LazyLock};

use aho_corasick::automaton::{Automaton, StateID};
use aho_corasick::dfa::DFA;
use aho_corasick::{Anchored as AcAnchored, MatchKind, StartKind};
use regex::{Regex, RegexBuilder, RegexSet, RegexSetBuilder};
use regex_automata::hybrid::{self, LazyStateID};
use regex_automata::nfa::thompson;
use regex_automata::util::pool::Pool;
use regex_automata::util::start;
use regex_automata::{Anchored, MatchKind as PatternMatchKind};

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
/// word, one lazy DFA for every pattern (a regex set when it cannot be built).
#[derive(Clone, Debug)]
pub struct Matcher {
    entries: Vec<Entry>,
    terms: DFA,
    start: StateID,
    /// Per automaton pattern: every (entry, prefix match) that uses it (the
    /// automaton reports one pattern per distinct string).
    term_info: Vec<Vec<(usize, bool)>>,
    /// The automaton as our own table, when it fits one (see [`TermTable`]).
    table: Option<Arc<TermTable>>,
    regexes: Vec<(usize, Regex)>,
    /// The patterns as one lazy DFA walked by our own loop (see
    /// [`PatternDfa`]); `None` if it could not be built.
    patterns: Option<Arc<PatternDfa>>,
    /// The patterns as one regex set, built only when `patterns` could not
    /// be (it then finds which patterns match each chunk).
    set: Option<RegexSet>,
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
        let table = TermTable::new(&terms, start).map(Arc::new);
        let patterns = PatternDfa::new(&regexes).map(Arc::new);
        let set = match patterns {
            Some(_) => None,
            None => Some(
                RegexSetBuilder::new(regexes.iter().map(|(_, r)| r.as_str()))
                    .size_limit(1 << 24)
                    .dfa_size_limit(1 << 24)
                    .build()
                    .map_err(|e| Error::invalid(format!("lexicon patterns: {e}")))?,
            ),
        };
        let vocab = MaskVocabulary::new(vocab_words.iter().map(String::as_str));
        let model = Some(hostility_model::builtin());
        Ok(Matcher {
            entries: lex.entries.clone(),
            terms,
            start,
            term_info,
            table,
            regexes,
            patterns,
            set,
            vocab,
            model,
        })
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

    /// The pattern hits of one chunk (`chunk` starts at byte `from`) when
    /// the lazy DFA walk ([`PatternDfa::hits`]) cannot give them: with the
    /// regex set, its "any match?" search, then its overlapping "which
    /// patterns?" pass, then each matching pattern over the chunk; without
    /// one (the walk gave up on this chunk), every pattern over the chunk.
    /// Either way the hits are every non-empty `find_iter` match of every
    /// pattern (a pattern the set does not report has none).
    fn fallback_hits(&self, chunk: &str, from: usize, hits: &mut Vec<Hit>) {
        let mut push = |(entry, re): &(usize, Regex)| {
            hits.extend(re.find_iter(chunk).filter(|m| m.end() > m.start()).map(|m| Hit {
                start: from + m.start(),
                end: from + m.end(),
                entry: *entry,
            }))
        };
        match &self.set {
            Some(set) if set.is_match(chunk) => set.matches(chunk).iter().for_each(|i| push(&self.regexes[i])),
            Some(_) => {}
            None => self.regexes.iter().for_each(push),
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
        let mut hits = Vec::new();
        self.raw_hits(norm, &mut hits);
        self.keep_longest(hits)
    }

    /// Every term, group word and pattern match of `norm`, unsorted, with
    /// overlaps (what [`Matcher::scan`] sorts and thins).
    fn raw_hits(&self, norm: &str, hits: &mut Vec<Hit>) {
        if let (Some(table), Some(patterns)) = (&self.table, &self.patterns) {
            if !self.regexes.is_empty() {
                self.joint_hits(table, patterns, norm, hits, true);
                return;
            }
        }
        self.separate_hits(norm, hits);
    }

    /// [`Matcher::raw_hits`] with the term table and the pattern walk in
    /// one loop ([`joint_walk`]): each byte is read once and the two chains
    /// of dependent table reads overlap; long chunks in two halves walked
    /// together ([`split_walk`]) when `split`. The hits are those of
    /// [`Matcher::separate_hits`] (in another order).
    fn joint_hits(&self, table: &TermTable, patterns: &PatternDfa, norm: &str, hits: &mut Vec<Hit>, split: bool) {
        let bytes = norm.as_bytes();
        let mut scratch = patterns.scratch.get();
        let mut t = table.start;
        let mut from = 0;
        while from < norm.len() {
            let to = chunk_end(norm, from);
            let chunk = &norm[from..to];
            let walked =
                joint_walk(table, &self.term_info, patterns, bytes, (from, to, split), &mut t, &mut scratch, hits);
            if walked {
                patterns.rerun(chunk, from, &self.regexes, &scratch, hits);
            } else {
                self.fallback_hits(chunk, from, hits);
            }
            from = to;
        }
    }

    /// [`Matcher::raw_hits`] as two passes: the terms over the whole text,
    /// then the patterns chunk by chunk.
    fn separate_hits(&self, norm: &str, hits: &mut Vec<Hit>) {
        let bytes = norm.as_bytes();
        match &self.table {
            Some(table) => table.hits(bytes, &self.term_info, hits),
            None => self.term_hits(bytes, hits),
        }
        if !self.regexes.is_empty() {
            // Patterns run per chunk of whole sentences (each chunk its own
            // haystack, as before): one walk of the patterns' lazy DFA
            // tells which patterns match the chunk and where their
            // matches end, then only those patterns re-run, only on the
            // stretch of the chunk where their matches lie.
            let mut scratch = self.patterns.as_ref().map(|p| (p, p.scratch.get()));
            let mut from = 0;
            while from < norm.len() {
                let to = chunk_end(norm, from);
                let chunk = &norm[from..to];
                let walked = match &mut scratch {
                    Some((p, scratch)) => p.hits(chunk, from, &self.regexes, scratch, hits),
                    None => false,
                };
                if !walked {
                    self.fallback_hits(chunk, from, hits);
                }
                from = to;
            }
        }
    }

    /// Sort `hits` and drop each hit inside a longer hit of the same entry
    /// kind and category.
    fn keep_longest(&self, mut hits: Vec<Hit>) -> Vec<Hit> {
        hits.sort();
        // Drop a hit inside a longer hit of the same entry kind and category.
        // Hits are sorted by start, so a hit can only contain earlier hits
        // with the same start; only the tail of `out` needs a look, which
        // keeps this linear.
        let same = |a: &Hit, b: &Hit| {
            let (ea, eb) = (&self.entries[a.entry], &self.entries[b.entry]);
            ea.kind == eb.kind && ea.category == eb.category
        };
        // The hits kept are `hits[..kept]`, written over the hits already
        // read (never more than were read): no second vector.
        let mut kept = 0;
        for r in 0..hits.len() {
            let h = hits[r];
            let out = &hits[..kept];
            // Covered by an earlier, longer hit (look back over hits that
            // still reach this far, at most 16).
            let longer = |o: &Hit| o.start <= h.start && h.end <= o.end && o.end - o.start > h.end - h.start;
            let covered = out.iter().rev().take(16).any(|o| longer(o) && same(o, &h));
            if covered {
                continue;
            }
            while kept > 0 && {
                let o = &hits[kept - 1];
                o.start == h.start && o.end < h.end && same(o, &h)
            } {
                kept -= 1;
            }
            hits[kept] = h;
            kept += 1;
        }
        hits.truncate(kept);
        hits
    }
}

/// Number of state ids of a [`TermTable`]: they are `u16`.
const TERM_STATES: usize = 1 << 16;

/// Length of a [`TermTable`]'s transitions: a `u16` id plus a `u8` class
/// is always in bounds, so the per-byte loop has no bounds check.
const TERM_TABLE: usize = TERM_STATES + 256;

/// The term automaton copied into a table of our own, for a walk of few
/// instructions per byte: `u16` state ids premultiplied by the stride,
/// byte classes computed from the automaton's transitions, and the match
/// flag in the id's low bit. A match state's row is stored one entry
/// later than its id's base (`base | 1`), so `id + class` indexes every
/// row and the loop never masks the flag off; the stride has room for
/// that extra entry. Four transitions in a row, then one test of the four
/// ids or'ed together for a match.
///
/// Built when the automaton fits (the built-in lexicon: 1,495 states, 29
/// classes); otherwise the matcher walks the `aho-corasick` DFA itself
/// ([`Matcher::term_hits`]), which finds the same hits (tested).
#[derive(Clone, Debug)]
struct TermTable {
    /// Byte class of every byte.
    classes: [u8; 256],
    /// `trans[id + class]`: the id of the state after state `id` reads a
    /// byte of `class`.
    trans: Box<[u16; TERM_TABLE]>,
    /// The unanchored start state.
    start: u16,
    /// log2 of the stride.
    stride2: u32,
    /// Per state (`id >> stride2`): its range in `ends` (empty unless it
    /// is a match state).
    match_ranges: Vec<(u32, u32)>,
    /// Automaton pattern ids of the strings ending at each match state.
    ends: Vec<u32>,
    /// Byte length of every automaton pattern.
    lens: Vec<u32>,
}

impl TermTable {
    /// Copy `dfa` (unanchored, started at `start`) into a table, or `None`
    /// when its states do not fit.
    fn new(dfa: &DFA, start: StateID) -> Option<TermTable> {
        // Every state reachable from the start, and the index of each
        // (by automaton id; `usize::MAX`: not seen yet).
        let mut states = vec![start];
        let mut index = vec![usize::MAX; start.as_usize() + 1];
        index[start.as_usize()] = 0;
        let mut k = 0;
        while k < states.len() {
            for b in 0..=255u8 {
                let next = dfa.next_state(AcAnchored::No, states[k], b).as_usize();
                if next >= index.len() {
                    index.resize(next + 1, usize::MAX);
                }
                if index[next] == usize::MAX {
                    index[next] = states.len();
                    states.push(StateID::new(next).ok()?);
                }
            }
            k += 1;
        }
        // Bytes with the same transition from every state share a class.
        let mut classes = [0u8; 256];
        let mut columns: BTreeMap<Vec<StateID>, u8> = BTreeMap::new();
        for b in 0..=255u8 {
            let column: Vec<StateID> = states.iter().map(|&s| dfa.next_state(AcAnchored::No, s, b)).collect();
            let next = columns.len();
            let class = *columns.entry(column).or_insert(next as u8);
            classes[usize::from(b)] = class;
        }
        // One more entry than classes: a match state's row starts at its
        // base + 1.
        let stride2 = (columns.len() + 1).next_power_of_two().trailing_zeros();
        if states.len() << stride2 > TERM_STATES {
            return None;
        }
        let id = |i: usize| ((i << stride2) | usize::from(dfa.is_match(states[i]))) as u16;
        let mut trans = vec![0u16; TERM_TABLE].into_boxed_slice();
        let mut match_ranges = Vec::with_capacity(states.len());
        let mut ends = Vec::new();
        for (i, &s) in states.iter().enumerate() {
            for b in 0..=255u8 {
                let next = index[dfa.next_state(AcAnchored::No, s, b).as_usize()];
                trans[usize::from(id(i)) + usize::from(classes[usize::from(b)])] = id(next);
            }
            let from = ends.len() as u32;
            if dfa.is_match(s) {
                ends.extend((0..dfa.match_len(s)).map(|m| dfa.match_pattern(s, m).as_u32()));
            }
            match_ranges.push((from, ends.len() as u32));
        }
        let lens = (0..dfa.patterns_len())
            .map(|p| dfa.pattern_len(aho_corasick::PatternID::new_unchecked(p)) as u32)
            .collect();
        Some(TermTable { classes, trans: trans.try_into().ok()?, start: id(0), stride2, match_ranges, ends, lens })
    }

    /// The state after state `s` reads `b`.
    fn step(&self, s: u16, b: u8) -> u16 {
        self.trans[usize::from(s) + usize::from(self.classes[usize::from(b)])]
    }

    /// The hits of [`Matcher::term_hits`], in the same order: one table
    /// read per byte, and at a match state every string that ends there.
    fn hits(&self, bytes: &[u8], term_info: &[Vec<(usize, bool)>], hits: &mut Vec<Hit>) {
        self.walk(bytes, 0, self.start, term_info, hits);
    }

    /// Walk `bytes` from byte `k` in state `s` to their end, pushing the
    /// hits of every match state met; returns the state at the end.
    fn walk(
        &self,
        bytes: &[u8],
        mut k: usize,
        mut s: u16,
        term_info: &[Vec<(usize, bool)>],
        hits: &mut Vec<Hit>,
    ) -> u16 {
        while let Some(end) = self.next_match(bytes, k, &mut s) {
            self.push_hits(bytes, end, s, term_info, hits);
            k = end;
        }
        s
    }

    /// Push the hits of every string that ends at byte `end` of `bytes`
    /// (match state `s` was reached there).
    fn push_hits(&self, bytes: &[u8], end: usize, s: u16, term_info: &[Vec<(usize, bool)>], hits: &mut Vec<Hit>) {
        let (from, to) = self.match_ranges[usize::from(s) >> self.stride2];
        for &pid in &self.ends[from as usize..to as usize] {
            let pid = pid as usize;
            push_term_hits(bytes, end - self.lens[pid] as usize, end, &term_info[pid], hits);
        }
    }

    /// From state `*s` before byte `k`, the end of the byte that leads to
    /// the next match state (`*s` is then that state), or `None` at the
    /// end of `bytes` (`*s` is then the last state). Kept out of line so
    /// the loop has its values in registers.
    #[inline(never)]
    fn next_match(&self, bytes: &[u8], mut k: usize, s: &mut u16) -> Option<usize> {
        let trans = &*self.trans;
        let classes = &self.classes;
        let step = |s: u16, b: u8| trans[usize::from(s) + usize::from(classes[usize::from(b)])];
        let mut cur;
        (k, cur) = skip_unflagged(bytes, k, *s, step);
        for &b in bytes.get(k..).unwrap_or_default() {
            cur = step(cur, b);
            k += 1;
            if cur & 1 != 0 {
                *s = cur;
                return Some(k);
            }
        }
        *s = cur;
        None
    }
}

/// Walk one chunk, bytes `from..to` of `bytes`, with the term table and
/// the patterns' lazy DFA in one loop: the term walk goes on from state
/// `*t` (carried from chunk to chunk, as [`TermTable::walk`] over the whole
/// text) and pushes its hits; the pattern walk starts afresh, as
/// [`PatternDfa::walk`] over the chunk alone, and leaves what it saw in
/// `scratch`. False if the pattern walk gave up (the term walk still
/// covers the chunk, `*t` is its state at `to`). A chunk of at least
/// [`SPLIT_MIN`] bytes is walked in two halves at once ([`split_walk`])
/// when `split`, with the same hits and ends.
#[allow(clippy::too_many_arguments)]
fn joint_walk(
    terms: &TermTable,
    term_info: &[Vec<(usize, bool)>],
    patterns: &PatternDfa,
    bytes: &[u8],
    (from, to, split): (usize, usize, bool),
    t: &mut u16,
    scratch: &mut Scratch,
    hits: &mut Vec<Hit>,
) -> bool {
    if split && to - from >= SPLIT_MIN {
        let (mark, t0) = (hits.len(), *t);
        if split_walk(terms, term_info, &patterns.dfa, bytes, from, to, t, scratch, hits).is_some() {
            return true;
        }
        // A cache clear or a give-up: the chunk again, in one walk.
        hits.truncate(mark);
        *t = t0;
    }
    let Scratch { cache, table, ends, seen, .. } = scratch;
    clear_ends(ends, seen);
    let dfa = &patterns.dfa;
    let hay = &bytes[..to];
    let mut i = from;
    let walked = (|| {
        let mut p = table.start(dfa, cache)?;
        loop {
            i = joint_run(terms, table, hay, i, t, &mut p);
            let Some(&b) = hay.get(i) else { break };
            let next = terms.step(*t, b);
            let np = table.next(dfa, cache, p, b);
            i += 1;
            *t = next;
            if next & 1 != 0 {
                terms.push_hits(bytes, i, next, term_info, hits);
            }
            p = np?;
            if p & 1 != 0 {
                table.special(p, i - 1 - from, ends, seen)?;
            }
        }
        table.finish(dfa, cache, p, to - from, ends, seen)
    })()
    .is_some();
    if !walked {
        *t = terms.walk(hay, i, *t, term_info, hits);
    }
    walked
}

/// From states `*t` (terms) and `*p` (patterns) before byte `i`, take the
/// transitions of both tables while none is flagged; returns where it
/// stopped (the states are those before that byte). Four bytes at a time,
/// then one at a time: the two tables are read in one loop, so the two
/// chains of dependent reads overlap.
#[inline(never)]
fn joint_run(terms: &TermTable, pats: &LazyTable, hay: &[u8], mut i: usize, t: &mut u16, p: &mut u32) -> usize {
    let (tt, tc) = (&*terms.trans, &terms.classes);
    let (pt, pc) = (&pats.trans[..], &pats.classes);
    let tstep = |s: u16, b: u8| tt[usize::from(s) + usize::from(tc[usize::from(b)])];
    let pstep = |s: u32, b: u8| pt[s as usize + usize::from(pc[usize::from(b)])];
    let (mut ct, mut cp) = (*t, *p);
    if let Some(rest) = hay.get(i..) {
        for block in rest.chunks_exact(4) {
            let t1 = tstep(ct, block[0]);
            let p1 = pstep(cp, block[0]);
            let t2 = tstep(t1, block[1]);
            let p2 = pstep(p1, block[1]);
            let t3 = tstep(t2, block[2]);
            let p3 = pstep(p2, block[2]);
            let t4 = tstep(t3, block[3]);
            let p4 = pstep(p3, block[3]);
            if (u32::from(t1 | t2 | t3 | t4) | p1 | p2 | p3 | p4) & 1 != 0 {
                break;
            }
            (ct, cp) = (t4, p4);
            i += 4;
        }
    }
    while let Some(&b) = hay.get(i) {
        let (nt, np) = (tstep(ct, b), pstep(cp, b));
        if (u32::from(nt) | np) & 1 != 0 {
            break;
        }
        (ct, cp) = (nt, np);
        i += 1;
    }
    (*t, *p) = (ct, cp);
    i
}

/// Chunks at least this long are walked by two walkers ([`split_walk`]).
const SPLIT_MIN: usize = 112;

/// Bytes the second walker of [`split_walk`] reads before the middle of
/// the chunk, so that its states can be those of the first walker there.
const SPLIT_LEAD: usize = 24;

/// One walker of [`split_walk`]: its term and pattern states, the next
/// byte it reads, and where it stops.
struct Walker {
    t: u16,
    p: u32,
    i: usize,
    end: usize,
}

/// [`joint_walk`]'s walk of bytes `from..to` as two walkers in one loop:
/// walker A from `from` (term state `*t`) to the middle `mid`, walker B
/// from `mid - SPLIT_LEAD` in the start states to `to`. The two walks are
/// independent chains of table reads, so the processor overlaps them.
/// When B's states at `mid` equal A's, every step B takes from there is
/// the step one walker would take, so A's hits (ends up to `mid`) and B's
/// (ends after `mid`) are exactly those of one walk; otherwise A goes on
/// alone from `mid` and B's are dropped. `None` (nothing usable pushed;
/// the caller walks the chunk again as one) if the lazy DFA cleared its
/// cache (the ids of one walker would be stale) or gave up.
#[allow(clippy::too_many_arguments)]
fn split_walk(
    terms: &TermTable,
    term_info: &[Vec<(usize, bool)>],
    dfa: &hybrid::dfa::DFA,
    bytes: &[u8],
    from: usize,
    to: usize,
    t: &mut u16,
    scratch: &mut Scratch,
    hits: &mut Vec<Hit>,
) -> Option<()> {
    let Scratch { cache, table, ends, seen, ends_b, seen_b, hits_b } = scratch;
    clear_ends(ends, seen);
    clear_ends(ends_b, seen_b);
    hits_b.clear();
    let start = table.start(dfa, cache)?;
    let clears = cache.clear_count();
    let mid = (from + to + SPLIT_LEAD) / 2;
    let mut a = Walker { t: *t, p: start, i: from, end: mid };
    let mut b = Walker { t: terms.start, p: start, i: mid - SPLIT_LEAD, end: mid };
    // B's states at `mid`, once it got there.
    let mut at_mid = None;
    let cx = SplitStep { terms, term_info, dfa, bytes, from, clears };
    loop {
        if b.i == mid && at_mid.is_none() {
            at_mid = Some((b.t, b.p));
            b.end = to;
        }
        match (a.i < a.end, b.i < b.end) {
            (true, true) => pair_run(terms, table, bytes, &mut a, &mut b),
            (true, false) => a.i = joint_run(terms, table, &bytes[..a.end], a.i, &mut a.t, &mut a.p),
            (false, true) => b.i = joint_run(terms, table, &bytes[..b.end], b.i, &mut b.t, &mut b.p),
            (false, false) => break,
        }
        if a.i < a.end {
            cx.step(table, cache, &mut a, from, ends, seen, hits)?;
        }
        if b.i < b.end {
            cx.step(table, cache, &mut b, mid, ends_b, seen_b, hits_b)?;
        }
    }
    #[cfg(test)]
    SPLITS.with(|n| {
        let (met, not_met) = n.get();
        let m = usize::from(at_mid == Some((a.t, a.p)));
        n.set((met + m, not_met + 1 - m));
    });
    if at_mid != Some((a.t, a.p)) {
        // B's states differ from A's at `mid`: A walks on alone.
        clear_ends(ends_b, seen_b);
        a.end = to;
        while a.i < to {
            a.i = joint_run(terms, table, &bytes[..to], a.i, &mut a.t, &mut a.p);
            if a.i < to {
                cx.step(table, cache, &mut a, from, ends, seen, hits)?;
            }
        }
        b = a;
    } else {
        hits.append(hits_b);
        for &p in seen_b.iter() {
            if ends[p].0 == usize::MAX {
                ends[p].0 = ends_b[p].0;
                seen.push(p);
            }
            ends[p].1 = ends_b[p].1;
        }
        clear_ends(ends_b, seen_b);
    }
    *t = b.t;
    table.finish(dfa, cache, b.p, to - from, ends, seen)
}

#[cfg(test)]
thread_local! {
    /// Split walks of this thread: (converged at the middle, not).
    static SPLITS: std::cell::Cell<(usize, usize)> = const { std::cell::Cell::new((0, 0)) };
}

/// What every step of a [`split_walk`] reads.
struct SplitStep<'a> {
    terms: &'a TermTable,
    term_info: &'a [Vec<(usize, bool)>],
    dfa: &'a hybrid::dfa::DFA,
    bytes: &'a [u8],
    /// The chunk's start (pattern ends are noted from it).
    from: usize,
    /// The lazy DFA cache's clear count when the walk began.
    clears: usize,
}

impl SplitStep<'_> {
    /// One step of walker `w` over the byte at its `i`, as [`joint_walk`]
    /// takes it, noting its term hits and pattern ends when that byte is
    /// at or after `keep`. `None` if the lazy DFA cleared its cache or
    /// gave up (a dead or quit state, before `keep` too: one walk would
    /// have met it).
    #[allow(clippy::too_many_arguments)]
    fn step(
        &self,
        table: &mut LazyTable,
        cache: &mut hybrid::dfa::Cache,
        w: &mut Walker,
        keep: usize,
        ends: &mut [(usize, usize)],
        seen: &mut Vec<usize>,
        hits: &mut Vec<Hit>,
    ) -> Option<()> {
        let byte = self.bytes[w.i];
        let nt = self.terms.step(w.t, byte);
        let np = table.next(self.dfa, cache, w.p, byte)?;
        if cache.clear_count() != self.clears {
            return None;
        }
        w.i += 1;
        (w.t, w.p) = (nt, np);
        if w.i > keep {
            if nt & 1 != 0 {
                self.terms.push_hits(self.bytes, w.i, nt, self.term_info, hits);
            }
            if np & 1 != 0 {
                table.special(np, w.i - 1 - self.from, ends, seen)?;
            }
        } else if np & 1 != 0 && table.gives_up(np) {
            return None;
        }
        Some(())
    }
}

/// [`joint_run`] for two walkers in one loop: both take the transitions
/// of both tables, four bytes each at a time, while none is flagged and
/// both have four bytes left before their `end`.
#[inline(never)]
fn pair_run(terms: &TermTable, pats: &LazyTable, bytes: &[u8], a: &mut Walker, b: &mut Walker) {
    let (tt, tc) = (&*terms.trans, &terms.classes);
    let (pt, pc) = (&pats.trans[..], &pats.classes);
    let tstep = |s: u16, b: u8| tt[usize::from(s) + usize::from(tc[usize::from(b)])];
    let pstep = |s: u32, b: u8| pt[s as usize + usize::from(pc[usize::from(b)])];
    let (mut ta, mut pa, mut tb, mut pb) = (a.t, a.p, b.t, b.p);
    let (mut i, mut j) = (a.i, b.i);
    while let (Some(x), Some(y)) = (bytes[..a.end].get(i..i + 4), bytes[..b.end].get(j..j + 4)) {
        let ta1 = tstep(ta, x[0]);
        let pa1 = pstep(pa, x[0]);
        let tb1 = tstep(tb, y[0]);
        let pb1 = pstep(pb, y[0]);
        let ta2 = tstep(ta1, x[1]);
        let pa2 = pstep(pa1, x[1]);
        let tb2 = tstep(tb1, y[1]);
        let pb2 = pstep(pb1, y[1]);
        let ta3 = tstep(ta2, x[2]);
        let pa3 = pstep(pa2, x[2]);
        let tb3 = tstep(tb2, y[2]);
        let pb3 = pstep(pb2, y[2]);
        let ta4 = tstep(ta3, x[3]);
        let pa4 = pstep(pa3, x[3]);
        let tb4 = tstep(tb3, y[3]);
        let pb4 = pstep(pb3, y[3]);
        let terms_flag = u32::from(ta1 | ta2 | ta3 | ta4 | tb1 | tb2 | tb3 | tb4);
        if (terms_flag | pa1 | pa2 | pa3 | pa4 | pb1 | pb2 | pb3 | pb4) & 1 != 0 {
            // Each walker keeps the steps before its first flagged state.
            let flags = |t: [u16; 4], p: [u32; 4]| (0..4).fold(0u32, |m, k| m | ((u32::from(t[k]) | p[k]) & 1) << k);
            let ka = flags([ta1, ta2, ta3, ta4], [pa1, pa2, pa3, pa4]).trailing_zeros() as usize;
            let kb = flags([tb1, tb2, tb3, tb4], [pb1, pb2, pb3, pb4]).trailing_zeros() as usize;
            (ta, pa) = ([(ta, pa), (ta1, pa1), (ta2, pa2), (ta3, pa3), (ta4, pa4)])[ka.min(4)];
            (tb, pb) = ([(tb, pb), (tb1, pb1), (tb2, pb2), (tb3, pb3), (tb4, pb4)])[kb.min(4)];
            i += ka.min(4);
            j += kb.min(4);
            break;
        }
        (ta, pa, tb, pb) = (ta4, pa4, tb4, pb4);
        i += 4;
        j += 4;
    }
    (a.t, a.p, a.i, b.t, b.p, b.i) = (ta, pa, i, tb, pb, j);
}

/// Forget the pattern ends of the last walk.
fn clear_ends(ends: &mut [(usize, usize)], seen: &mut Vec<usize>) {
    for &p in seen.iter() {
        ends[p] = (usize::MAX, 0);
    }
    seen.clear();
}

/// Note a match of each of `pats` ending at `end`.
fn record_ends(ends: &mut [(usize, usize)], seen: &mut Vec<usize>, pats: &[u32], end: usize) {
    for &p in pats {
        let p = p as usize;
        if ends[p].0 == usize::MAX {
            ends[p].0 = end;
            seen.push(p);
        }
        ends[p].1 = end;
    }
}

/// Type of the function that makes a [`PatternDfa`]'s per-thread scratch.
type ScratchFn = Box<dyn Fn() -> Scratch + Send + Sync + std::panic::UnwindSafe + std::panic::RefUnwindSafe>;

/// The lexicon's patterns as one lazy DFA that reports every pattern
/// matching anywhere (`MatchKind::All`, unanchored, as the regex set's
/// overlapping pass), walked by our own loop: one pass over a chunk tells
/// which patterns match it and where the first and last of their matches
/// end. Only those patterns then re-run, from where their first match can
/// start (when a match's length is bounded) to their last match.
///
/// This replaces a regex set's two passes (its "any match?" search, then
/// on a yes its overlapping pass, which restarts after every match) and the
/// full-chunk re-runs; the hits are the same (tested against the set). If
/// the lazy DFA gives up on a chunk (a user pattern with a Unicode word
/// boundary makes it quit on non-ASCII bytes; built-in patterns have none:
/// `\b` is made ASCII), every pattern runs over that chunk
/// ([`Matcher::fallback_hits`]).
#[derive(Debug)]
struct PatternDfa {
    dfa: hybrid::dfa::DFA,
    /// Per pattern: the most bytes one match can span (`None`: no bound).
    max_len: Vec<Option<usize>>,
    /// Patterns that can match the empty string: they re-run on every
    /// chunk, over the whole chunk (none of the built-in ones).
    empty: Vec<usize>,
    /// Per-thread DFA cache and walk state.
    scratch: Pool<Scratch, ScratchFn>,
}

/// A thread's lazy DFA cache, its table, and the ends seen by one walk.
#[derive(Debug)]
struct Scratch {
    cache: hybrid::dfa::Cache,
    table: LazyTable,
    /// Per pattern: the first and last end of its matches in the chunk
    /// (`usize::MAX` first: none; valid for the patterns in `seen`).
    ends: Vec<(usize, usize)>,
    /// The patterns that matched, in the order first seen.
    seen: Vec<usize>,
    /// The second walker's `ends` and `seen` ([`split_walk`]).
    ends_b: Vec<(usize, usize)>,
    seen_b: Vec<usize>,
    /// The second walker's term hits ([`split_walk`]).
    hits_b: Vec<Hit>,
}

impl PatternDfa {
    /// Build the DFA of the compiled `regexes` (the same pattern strings
    /// as the regex set and its default syntax), or `None` if it cannot be
    /// built.
    fn new(regexes: &[(usize, Regex)]) -> Option<PatternDfa> {
        PatternDfa::with_cache(regexes, hybrid::dfa::DFA::config().cache_capacity(1 << 24))
    }

    /// [`PatternDfa::new`] with a given lazy DFA cache configuration.
    fn with_cache(regexes: &[(usize, Regex)], cache: hybrid::dfa::Config) -> Option<PatternDfa> {
        let pats: Vec<&str> = regexes.iter().map(|(_, r)| r.as_str()).collect();
        let dfa = hybrid::dfa::DFA::builder()
            .configure(cache.match_kind(PatternMatchKind::All).unicode_word_boundary(true))
            .thompson(thompson::Config::new().nfa_size_limit(Some(1 << 24)))
            .build_many(&pats)
            .ok()?;
        let mut max_len = Vec::with_capacity(pats.len());
        let mut empty = Vec::new();
        for (p, pat) in pats.iter().enumerate() {
            let hir = regex_automata::util::syntax::parse(pat).ok()?;
            max_len.push(hir.properties().maximum_len());
            if hir.properties().minimum_len() == Some(0) {
                empty.push(p);
            }
        }
        let make = dfa.clone();
        let n = pats.len();
        let create: ScratchFn = Box::new(move || Scratch {
            cache: make.create_cache(),
            table: LazyTable::new(&make),
            ends: vec![(usize::MAX, 0); n],
            seen: Vec::new(),
            ends_b: vec![(usize::MAX, 0); n],
            seen_b: Vec::new(),
            hits_b: Vec::new(),
        });
        Some(PatternDfa { dfa, max_len, empty, scratch: Pool::new(create) })
    }

    /// Push the pattern hits of `chunk` (which starts at byte `from` of
    /// the text); false, with nothing pushed, if the lazy DFA gave up.
    fn hits(
        &self,
        chunk: &str,
        from: usize,
        regexes: &[(usize, Regex)],
        scratch: &mut Scratch,
        hits: &mut Vec<Hit>,
    ) -> bool {
        if self.walk(chunk.as_bytes(), scratch).is_none() {
            return false;
        }
        self.rerun(chunk, from, regexes, scratch, hits);
        true
    }

    /// After a walk of `chunk` (which starts at byte `from` of the text),
    /// push the hits of the patterns it saw (and of those that can match
    /// the empty string), each re-run only where its matches lie.
    fn rerun(&self, chunk: &str, from: usize, regexes: &[(usize, Regex)], scratch: &Scratch, hits: &mut Vec<Hit>) {
        let mut push = |entry: usize, m: regex::Match| {
            hits.push(Hit { start: from + m.start(), end: from + m.end(), entry });
        };
        for &p in &self.empty {
            let (entry, re) = &regexes[p];
            re.find_iter(chunk).filter(|m| m.end() > m.start()).for_each(|m| push(*entry, m));
        }
        for &p in &scratch.seen {
            if self.empty.contains(&p) {
                continue;
            }
            let (entry, re) = &regexes[p];
            super::matches_between(re, chunk, scratch.ends[p], self.max_len[p], |m| push(*entry, m));
        }
    }

    /// Walk `hay` once; afterwards `scratch.seen` lists every pattern that
    /// matches it and `scratch.ends` where their matches end. `None` if
    /// the lazy DFA gave up (a quit byte, or its cache kept filling).
    ///
    /// The walk reads [`LazyTable`], four transitions at a time while none
    /// of them is special; a special one (a match, a dead or quit state, a
    /// transition not in the table yet) is taken again alone.
    #[inline(never)]
    fn walk(&self, hay: &[u8], scratch: &mut Scratch) -> Option<()> {
        let Scratch { cache, table, ends, seen, .. } = scratch;
        clear_ends(ends, seen);
        let dfa = &self.dfa;
        let mut s = table.start(dfa, cache)?;
        let mut i = 0;
        loop {
            i = table.run(hay, i, &mut s);
            let Some(&b) = hay.get(i) else { break };
            s = table.next(dfa, cache, s, b)?;
            i += 1;
            if s & 1 != 0 {
                table.special(s, i - 1, ends, seen)?;
            }
        }
        table.finish(dfa, cache, s, hay.len(), ends, seen)
    }
}

/// Our own transition table over a [`PatternDfa`]'s lazy DFA, filled as
/// walks meet transitions (the lazy DFA computes each one once): `u32`
/// state ids premultiplied by the stride, the lazy DFA's byte classes,
/// and a flag in the id's low bit for special states (match, dead, quit)
/// and for transitions not known yet. As in [`TermTable`], a flagged id's
/// row is stored one entry after its base, so `id + class` indexes every
/// row, and four transitions can be chained before one test of their
/// flags: an unknown transition leads to state 0, whose row leads back to
/// itself, flagged.
///
/// Lazy DFA state ids become invalid when the lazy DFA clears its cache
/// (it does when its cache is full); the table is then emptied and refills.
#[derive(Debug)]
struct LazyTable {
    /// Byte class of every byte (the lazy DFA's).
    classes: [u8; 256],
    /// log2 of the stride (classes plus one, rounded up to a power of two).
    stride2: u32,
    /// `trans[id + class]`: the id after state `id` reads a byte of `class`,
    /// or [`LazyTable::UNKNOWN`].
    trans: Vec<u32>,
    /// Per state (`id >> stride2`): its lazy DFA state.
    lazy: Vec<LazyStateID>,
    /// Per state: its range in `pats` (empty unless a match state).
    matches: Vec<(u32, u32)>,
    /// The patterns that match at each match state.
    pats: Vec<u32>,
    /// Our id of every lazy DFA state in the table.
    ids: std::collections::HashMap<LazyStateID, u32>,
    /// Our id of the start state, once known.
    start: Option<u32>,
    /// The lazy DFA cache's clear count the table was filled under.
    clears: usize,
}

impl LazyTable {
    /// The id of the transitions not known yet: state 0, flagged.
    const UNKNOWN: u32 = 1;

    /// An empty table for `dfa`.
    fn new(dfa: &hybrid::dfa::DFA) -> LazyTable {
        let mut classes = [0u8; 256];
        for b in 0..=255u8 {
            classes[usize::from(b)] = dfa.byte_classes().get(b);
        }
        let stride2 = (dfa.byte_classes().alphabet_len() + 1).next_power_of_two().trailing_zeros();
        let mut table = LazyTable {
            classes,
            stride2,
            trans: Vec::new(),
            lazy: Vec::new(),
            matches: Vec::new(),
            pats: Vec::new(),
            ids: std::collections::HashMap::new(),
            start: None,
            clears: 0,
        };
        table.reset(0);
        table
    }

    /// Forget every state (their lazy ids are invalid after a clear).
    fn reset(&mut self, clears: usize) {
        self.trans.clear();
        self.trans.resize(2 << self.stride2, LazyTable::UNKNOWN);
        self.lazy.clear();
        self.lazy.push(LazyStateID::default());
        self.matches.clear();
        self.matches.push((0, 0));
        self.pats.clear();
        self.ids.clear();
        self.start = None;
        self.clears = clears;
    }

    /// The state index of id `s`.
    fn index(&self, s: u32) -> usize {
        (s >> self.stride2) as usize
    }

    /// Our id of the unanchored start state.
    fn start(&mut self, dfa: &hybrid::dfa::DFA, cache: &mut hybrid::dfa::Cache) -> Option<u32> {
        if cache.clear_count() != self.clears {
            self.reset(cache.clear_count());
        }
        if let Some(s) = self.start {
            return Some(s);
        }
        let lazy = dfa.start_state(cache, &start::Config::new().anchored(Anchored::No)).ok()?;
        if cache.clear_count() != self.clears {
            self.reset(cache.clear_count());
        }
        let s = self.id_of(dfa, cache, lazy)?;
        self.start = Some(s);
        Some(s)
    }

    /// Our id of lazy DFA state `lazy`, added to the table if new (`None`
    /// if the table would outgrow `u32` ids).
    fn id_of(&mut self, dfa: &hybrid::dfa::DFA, cache: &hybrid::dfa::Cache, lazy: LazyStateID) -> Option<u32> {
        if let Some(&s) = self.ids.get(&lazy) {
            return Some(s);
        }
        let k = self.lazy.len();
        let s = u32::try_from(k << self.stride2).ok()? | u32::from(lazy.is_tagged());
        u32::try_from((k + 2) << self.stride2).ok()?;
        self.trans.resize((k + 1) << self.stride2, LazyTable::UNKNOWN);
        self.lazy.push(lazy);
        let from = self.pats.len() as u32;
        if lazy.is_match() {
            self.pats.extend((0..dfa.match_len(cache, lazy)).map(|m| dfa.match_pattern(cache, lazy, m).as_u32()));
        }
        self.matches.push((from, self.pats.len() as u32));
        self.ids.insert(lazy, s);
        Some(s)
    }

    /// The state after state `s` (not [`LazyTable::UNKNOWN`]) reads `b`,
    /// computed by the lazy DFA if the table does not know it yet.
    fn next(&mut self, dfa: &hybrid::dfa::DFA, cache: &mut hybrid::dfa::Cache, s: u32, b: u8) -> Option<u32> {
        let at = s as usize + usize::from(self.classes[usize::from(b)]);
        let known = self.trans[at];
        if known != LazyTable::UNKNOWN {
            return Some(known);
        }
        let lazy = dfa.next_state(cache, self.lazy[self.index(s)], b).ok()?;
        if cache.clear_count() != self.clears {
            // Every lazy id but `lazy` is invalid now, `s` with them.
            self.reset(cache.clear_count());
            return self.id_of(dfa, cache, lazy);
        }
        let next = self.id_of(dfa, cache, lazy)?;
        self.trans[at] = next;
        Some(next)
    }

    /// A special state `s` reached by the byte before `end`: note the
    /// matches ending there (DFA matches are reported one byte late);
    /// `None` at a dead or quit state (the walk gives up).
    fn special(&self, s: u32, end: usize, ends: &mut [(usize, usize)], seen: &mut Vec<usize>) -> Option<()> {
        let k = self.index(s);
        let lazy = self.lazy[k];
        if lazy.is_match() {
            let (from, to) = self.matches[k];
            record_ends(ends, seen, &self.pats[from as usize..to as usize], end);
        } else if lazy.is_dead() || lazy.is_quit() {
            return None;
        }
        Some(())
    }

    /// Is `s` a dead or quit state (where a walk gives up)?
    fn gives_up(&self, s: u32) -> bool {
        let lazy = self.lazy[self.index(s)];
        lazy.is_dead() || lazy.is_quit()
    }

    /// In state `s` at the end of a haystack `len` bytes long: note the
    /// matches ending there.
    fn finish(
        &self,
        dfa: &hybrid::dfa::DFA,
        cache: &mut hybrid::dfa::Cache,
        s: u32,
        len: usize,
        ends: &mut [(usize, usize)],
        seen: &mut Vec<usize>,
    ) -> Option<()> {
        let lazy = dfa.next_eoi_state(cache, self.lazy[self.index(s)]).ok()?;
        if lazy.is_match() {
            let pats: Vec<u32> =
                (0..dfa.match_len(cache, lazy)).map(|k| dfa.match_pattern(cache, lazy, k).as_u32()).collect();
            record_ends(ends, seen, &pats, len);
        }
        Some(())
    }

    /// From state `s` before byte `i`, take transitions while none is
    /// special or unknown; returns where it stopped (`s` is the state
    /// before that byte). Four at a time, then one at a time.
    #[inline(never)]
    fn run(&self, hay: &[u8], mut i: usize, s: &mut u32) -> usize {
        let trans = &self.trans[..];
        let classes = &self.classes;
        let step = |s: u32, b: u8| trans[s as usize + usize::from(classes[usize::from(b)])];
        let mut cur;
        (i, cur) = skip_unflagged(hay, i, *s, step);
        while let Some(&b) = hay.get(i) {
            let next = step(cur, b);
            if next & 1 != 0 {
                break;
            }
            cur = next;
            i += 1;
        }
        *s = cur;
        i
    }
}

/// From state `s` before byte `k`, take transitions (`step`) four bytes at
/// a time while none of the four states reached is flagged (the id's low
/// bit, in [`TermTable`] and [`LazyTable`]); returns the byte and state
/// where it stopped: one of the next four transitions is flagged, or
/// fewer than four bytes are left.
#[inline(always)]
fn skip_unflagged<S: Copy + Into<u32>>(bytes: &[u8], mut k: usize, mut s: S, step: impl Fn(S, u8) -> S) -> (usize, S) {
    if let Some(rest) = bytes.get(k..) {
        for block in rest.chunks_exact(4) {
            let s1 = step(s, block[0]);
            let s2 = step(s1, block[1]);
            let s3 = step(s2, block[2]);
            let s4 = step(s3, block[3]);
            if (s1.into() | s2.into() | s3.into() | s4.into()) & 1 != 0 {
                break;
            }
            s = s4;
            k += 4;
        }
    }
    (k, s)
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

    /// The pattern hits of a chunk as the matcher found them before the
    /// lazy DFA walk: the regex set's "any match?", its overlapping pass,
    /// then every matching pattern over the chunk.
    fn set_hits(m: &Matcher, set: &RegexSet, chunk: &str, from: usize, hits: &mut Vec<Hit>) {
        if !set.is_match(chunk) {
            return;
        }
        for idx in set.matches(chunk).iter() {
            let (entry, re) = &m.regexes[idx];
            hits.extend(re.find_iter(chunk).filter(|m| m.end() > m.start()).map(|m| Hit {
                start: from + m.start(),
                end: from + m.end(),
                entry: *entry,
            }));
        }
    }

    /// The regex set of a matcher's patterns, as the matcher built it.
    fn regex_set(m: &Matcher) -> RegexSet {
        RegexSetBuilder::new(m.regexes.iter().map(|(_, r)| r.as_str()))
            .size_limit(1 << 24)
            .dfa_size_limit(1 << 24)
            .build()
            .unwrap()
    }

    /// Texts for the fast-path tests: every seed and cmv fixture comment,
    /// the curated lists, the civil reddit bodies and the model parity
    /// texts, each normalized, plus all of them joined (chunks of 2 KB).
    fn scan_texts(m: &Matcher) -> Vec<String> {
        let mut texts = crate::analysis::fixture_comment_texts();
        for f in ["fixtures/lexicon/positive.txt", "fixtures/lexicon/negative.txt"] {
            texts.extend(std::fs::read_to_string(f).unwrap().lines().map(String::from));
        }
        for f in ["fixtures/hostility/civil/reddit_bodies.jsonl", "fixtures/hostility/model_parity.jsonl"] {
            for line in std::fs::read_to_string(f).unwrap().lines() {
                let v: serde_json::Value = serde_json::from_str(line).unwrap();
                texts.push(v["text"].as_str().unwrap().to_string());
            }
        }
        let mut texts: Vec<String> = texts.iter().map(|t| m.normalize(t).text).collect();
        texts.push(texts.join(" "));
        texts
    }

    /// Adversarial texts: insult, identity, violence and term phrases at
    /// every alignment after word bytes, spaces and multi-byte characters,
    /// next to chunk boundaries, raw (not normalized) and empty.
    fn adversarial_texts() -> Vec<String> {
        let phrases = [
            "you are an idiot",
            "you stupid cunt",
            "fuck you",
            "fuck    off",
            "dirty jews",
            "kill them all",
            "grow up, kid",
            "are you 14?",
            "bullshit",
            "idiots",
            "a-holes",
            "Boy, you",
            "you're a troll",
            "rats",
        ];
        let fills = ["", "x", "é", "€", "😀", " ", ". ", "\n", "ab cd "];
        let mut texts = vec![String::new(), " ".into(), "é".into(), "y".into()];
        for p in phrases {
            for fill in fills {
                for pad in 0..9 {
                    let f = fill.repeat(pad);
                    texts.push(format!("{f}{p}{f}"));
                    texts.push(format!("{f}{p}. {p}{f}{p}"));
                }
            }
            // A match right before, across and right after a chunk end.
            for shift in 0..8 {
                let head = "w ".repeat(1020 + shift);
                texts.push(format!("{head}{p}. {p} {head}{p}"));
                texts.push(format!("{head}. {p}"));
            }
        }
        texts
    }

    /// The fast scan (own term table, lazy DFA walk of the patterns) finds
    /// exactly the hits of the automaton walk plus the regex set's passes
    /// it replaced, raw (before thinning) and after.
    #[test]
    fn fast_scan_matches_the_reference() {
        let m = Matcher::builtin();
        assert!(m.table.is_some() && m.patterns.is_some(), "the fast paths are built for the built-in lexicon");
        let set = regex_set(m);
        let reference = |norm: &str| {
            let mut hits = Vec::new();
            m.term_hits(norm.as_bytes(), &mut hits);
            let mut from = 0;
            while from < norm.len() {
                let to = chunk_end(norm, from);
                set_hits(m, &set, &norm[from..to], from, &mut hits);
                from = to;
            }
            hits.sort();
            hits
        };
        let mut texts = scan_texts(m);
        texts.extend(adversarial_texts());
        let (mut total, mut failures) = (0, Vec::new());
        for text in &texts {
            let old = reference(text);
            let mut new = Vec::new();
            m.raw_hits(text, &mut new);
            new.sort();
            total += old.len();
            if new != old || m.scan(text) != m.keep_longest(old) {
                failures.push(format!("{:?}", &text[..text.floor_char_boundary(100)]));
            }
        }
        assert!(total > 5_000, "only {total} hits");
        assert!(failures.is_empty(), "{} texts differ:\n{}", failures.len(), failures.join("\n"));
    }

    /// A 1 MB text (the seed comments repeated): same hits, many chunks.
    #[test]
    fn fast_scan_matches_the_reference_on_1_mb() {
        let m = Matcher::builtin();
        let set = regex_set(m);
        let one: String = crate::analysis::fixture_comment_texts().join("\n");
        let big = m.normalize(&one.repeat(1_000_000 / one.len() + 1)).text;
        let mut old = Vec::new();
        m.term_hits(big.as_bytes(), &mut old);
        let mut from = 0;
        while from < big.len() {
            let to = chunk_end(&big, from);
            set_hits(m, &set, &big[from..to], from, &mut old);
            from = to;
        }
        let mut new = Vec::new();
        m.raw_hits(&big, &mut new);
        old.sort();
        new.sort();
        assert!(old.len() > 5_000, "{}", old.len());
        assert!(new == old, "{} hits, {} before", new.len(), old.len());
    }

    /// A user lexicon whose pattern can match the empty string, and one
    /// with a Unicode word boundary (`\B`), which the lazy DFA runs on
    /// ASCII only: the same hits as the regex set.
    #[test]
    fn fast_scan_handles_empty_and_unicode_patterns() {
        let text = "id,kind,category,severity,scope,pattern,note\n\
                    e.opt,regex,insult,0.5,any,(?:idiot)?,\n\
                    u.word,regex,insult,0.5,any,dumm\\B,\n\
                    t.rat,term,dehumanizing,0.5,any,rat,\n";
        let m = Matcher::new(&Lexicon::parse(text, "t.csv").unwrap()).unwrap();
        let set = regex_set(&m);
        let p = m.patterns.as_ref().unwrap();
        assert_eq!(p.empty, [0]);
        let mut scratch = p.scratch.get();
        assert!(p.walk(b"dumm idiot", &mut scratch).is_some());
        assert!(p.walk("dumm é".as_bytes(), &mut scratch).is_none(), "quits on non-ASCII");
        for t in ["", "idiot", "you idiot, dumm idiot", "é dumm é idiotidiot rat", "dummé rats", "dummx", "dumm"] {
            let mut hits = Vec::new();
            m.term_hits(t.as_bytes(), &mut hits);
            set_hits(&m, &set, t, 0, &mut hits);
            hits.sort();
            let mut new = Vec::new();
            m.raw_hits(t, &mut new);
            new.sort();
            assert_eq!(new, hits, "{t:?}");
        }
    }

    /// With a lazy DFA cache so small that it is cleared again and again
    /// (which empties the walk's table), the walk still finds exactly the
    /// regex set's hits.
    #[test]
    fn pattern_walk_survives_cache_clears() {
        let m = Matcher::builtin();
        let small = hybrid::dfa::DFA::config().cache_capacity(1).skip_cache_capacity_check(true);
        let p = PatternDfa::with_cache(&m.regexes, small).unwrap();
        let mut scratch = p.scratch.get();
        let set = regex_set(m);
        let mut texts = scan_texts(m);
        texts.truncate(300);
        texts.extend(adversarial_texts().into_iter().step_by(7));
        let mut hits_seen = 0;
        for text in &texts {
            let mut from = 0;
            while from < text.len() {
                let to = chunk_end(text, from);
                let (mut old, mut new) = (Vec::new(), Vec::new());
                set_hits(m, &set, &text[from..to], from, &mut old);
                assert!(p.hits(&text[from..to], from, &m.regexes, &mut scratch, &mut new), "{text:?}");
                old.sort();
                new.sort();
                assert_eq!(new, old, "{:?}", &text[from..to]);
                hits_seen += old.len();
                from = to;
            }
        }
        assert!(scratch.cache.clear_count() > 10, "{} clears", scratch.cache.clear_count());
        assert!(hits_seen > 100, "{hits_seen}");
    }

    /// The one-loop walk of both tables finds the hits of the two separate
    /// walks, also when the lazy DFA clears its cache again and again (the
    /// pattern table empties mid-walk) and when it gives up on a chunk
    /// (non-ASCII text with a Unicode `\B` pattern): the term walk then
    /// finishes the chunk alone and goes on into the next.
    #[test]
    fn joint_walk_matches_the_separate_walks() {
        let builtin = Matcher::builtin();
        let (small, quits) = small_cache_and_quitting("");
        let mut texts = scan_texts(builtin);
        texts.extend(adversarial_texts());
        let pad = "rat idiots dummx ".repeat(130);
        for fill in ["é", "dumm", "rat", "idiot", " "] {
            texts.push(format!("{pad}. {fill} rats. {pad}{fill}. {pad}"));
        }
        let mut total = 0;
        for (m, every) in [(builtin, 1), (&small, 5), (&quits, 1)] {
            assert!(m.table.is_some() && m.patterns.is_some());
            for text in texts.iter().step_by(every) {
                let (mut joint, mut separate) = (Vec::new(), Vec::new());
                m.raw_hits(text, &mut joint);
                m.separate_hits(text, &mut separate);
                joint.sort();
                separate.sort();
                total += joint.len();
                assert!(joint == separate, "{:?}", &text[..text.floor_char_boundary(100)]);
            }
        }
        let p = small.patterns.as_ref().unwrap();
        assert!(p.scratch.get().cache.clear_count() > 10);
        assert!(total > 10_000, "only {total} hits");
    }

    /// The built-in matcher with a lazy DFA cache so small that it clears
    /// itself dozens of times in a walk; and a user lexicon (with `extra`
    /// lines) whose `\B` pattern makes the lazy DFA give up on non-ASCII
    /// chunks.
    fn small_cache_and_quitting(extra: &str) -> (Matcher, Matcher) {
        let builtin = Matcher::builtin();
        let mut small = builtin.clone();
        let config = hybrid::dfa::DFA::config().cache_capacity(1).skip_cache_capacity_check(true);
        small.patterns = Some(Arc::new(PatternDfa::with_cache(&builtin.regexes, config).unwrap()));
        let lex = format!(
            "id,kind,category,severity,scope,pattern,note\n\
             u.word,regex,insult,0.5,any,dumm\\B,\n\
             t.rat,term,dehumanizing,0.5,any,rat,\n\
             t.idiot,term,insult,0.5,any,idiot*,\n{extra}"
        );
        (small, Matcher::new(&Lexicon::parse(&lex, "t.csv").unwrap()).unwrap())
    }

    /// Two walkers ([`split_walk`]) find exactly the hits of one walk,
    /// where their states meet at the middle (nearly always), where they
    /// do not (a long match with an unbounded repetition or a long term
    /// across the middle: the first walker goes on alone), where the lazy
    /// DFA clears its cache mid-walk (the chunk is walked again as one) and
    /// where it gives up; with every shift of such matches across the
    /// middle and the chunk ends, on the seed, cmv and reddit comments, the
    /// curated lists and the adversarial texts, and 1 MB.
    #[test]
    fn split_walk_matches_one_walk() {
        let builtin = Matcher::builtin();
        let long = "t.long,term,insult,0.5,any,a very long term that spans the middle of a chunk,\n";
        let (small, quits) = small_cache_and_quitting(long);
        let mut texts = scan_texts(builtin);
        texts.extend(adversarial_texts());
        let long = [
            format!("you are {}stupid", "so really very ".repeat(12)),
            "a very long term that spans the middle of a chunk".to_string(),
            "vile, vile, vile, vile, vile, vile, vile, vile, vile, vile, vile, vile, vile, vile, vile, a-holes".into(),
            "dummé dumm rat idiots".into(),
        ];
        // Each at every offset across the middle of a chunk (`mid` stays
        // where it is: the pads before and after add up to the same).
        for m in &long {
            let room = m.len() + 2 * SPLIT_LEAD + 20;
            for lead in 0..=room {
                let pad = |k: usize| "w ".repeat(k / 2) + &"v".repeat(k % 2);
                texts.push(format!("{} {m} {}", pad(lead), pad(room - lead)));
                texts.push(format!("é{} {m} {}", pad(lead), pad(room - lead)));
            }
        }
        let big: String = texts.iter().take(3000).map(String::as_str).collect::<Vec<_>>().join(" ");
        texts.push(big.repeat(1_000_000 / big.len() + 1));
        let mut total = 0;
        for (m, every) in [(builtin, 1), (&small, 7), (&quits, 1)] {
            let (table, patterns) = (m.table.as_ref().unwrap(), m.patterns.as_ref().unwrap());
            for text in texts.iter().step_by(every) {
                let (mut split, mut one) = (Vec::new(), Vec::new());
                m.joint_hits(table, patterns, text, &mut split, true);
                m.joint_hits(table, patterns, text, &mut one, false);
                split.sort();
                one.sort();
                total += one.len();
                assert!(split == one, "{:?}", &text[..text.floor_char_boundary(100)]);
            }
        }
        let (met, not_met) = SPLITS.with(|n| n.get());
        assert!(met > 1_000 && not_met > 100, "{met} split walks met at the middle, {not_met} did not");
        assert!(small.patterns.as_ref().unwrap().scratch.get().cache.clear_count() > 10);
        assert!(total > 10_000, "only {total} hits");
    }

    /// [`Matcher::keep_longest`] as it was, with a second vector.
    fn keep_longest_reference(m: &Matcher, mut hits: Vec<Hit>) -> Vec<Hit> {
        hits.sort();
        let same = |a: &Hit, b: &Hit| {
            let (ea, eb) = (&m.entries[a.entry], &m.entries[b.entry]);
            ea.kind == eb.kind && ea.category == eb.category
        };
        let mut out: Vec<Hit> = Vec::with_capacity(hits.len());
        for h in hits {
            let longer = |o: &Hit| o.start <= h.start && h.end <= o.end && o.end - o.start > h.end - h.start;
            if out.iter().rev().take(16).any(|o| longer(o) && same(o, &h)) {
                continue;
            }
            while out.last().is_some_and(|o| o.start == h.start && o.end < h.end && same(o, &h)) {
                out.pop();
            }
            out.push(h);
        }
        out
    }

    /// Thinning in place keeps exactly the hits the two-vector version
    /// kept, on the raw hits of every scan and adversarial text, and on
    /// built runs of nested and repeated hits of every length.
    #[test]
    fn keep_longest_in_place_matches_the_reference() {
        let m = Matcher::builtin();
        let mut texts = scan_texts(m);
        texts.extend(adversarial_texts());
        let mut sets: Vec<Vec<Hit>> = texts
            .iter()
            .map(|t| {
                let mut raw = Vec::new();
                m.raw_hits(t, &mut raw);
                raw
            })
            .collect();
        // Nested spans of one entry and of entries of several kinds.
        let kinds = [0, 1, m.entries.len() - 1];
        for n in 0..40 {
            sets.push((0..n).map(|k| Hit { start: k % 5, end: 5 + (k * 7) % 11, entry: kinds[k % 3] }).collect());
            sets.push((0..n).map(|k| Hit { start: k / 3, end: k / 3 + 1 + k % 4, entry: kinds[0] }).collect());
        }
        sets.push(Vec::new());
        let mut kept = 0;
        for raw in sets {
            let (new, old) = (m.keep_longest(raw.clone()), keep_longest_reference(m, raw.clone()));
            assert_eq!(new, old, "{raw:?}");
            kept += new.len();
        }
        assert!(kept > 5_000, "{kept}");
    }
}
