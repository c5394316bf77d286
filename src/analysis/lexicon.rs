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

use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

use aho_corasick::automaton::{Automaton, StateID};
use aho_corasick::dfa::DFA;
use aho_corasick::{Anchored as AcAnchored, MatchKind, StartKind};
use regex::{Regex, RegexBuilder, RegexSet, RegexSetBuilder};
use regex_automata::meta;

use crate::analysis::hostility_model;
use crate::analysis::normalize::{is_word_byte, MaskVocabulary, Normalized};
use crate::analysis::word_gate;
use crate::analysis::Category;
use crate::error::{Error, Result};
use crate::fnv::{self, IdMap};

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

/// The matcher's engine for a pattern: `regex`'s own (`regex::Regex` is
/// this engine with the same settings), which can search part of a
/// haystack. Errors come from [`compile`] so they read the same.
fn compile_meta(pattern: &str) -> std::result::Result<meta::Regex, String> {
    let config = meta::Regex::config().nfa_size_limit(Some(1 << 22)).hybrid_cache_capacity(1 << 23);
    meta::Regex::builder().configure(config).build(pattern).map_err(|_| match compile(pattern) {
        Err(e) => e,
        Ok(_) => format!("pattern does not compile: {pattern}"),
    })
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
    /// The regex entries, in the set's order.
    patterns: Vec<Pattern>,
    /// All patterns as one regex set that can search part of a chunk.
    multi: meta::Regex,
    /// FNV-1a of a gate word → the gates it opens.
    gate_words: IdMap<Vec<u32>>,
    /// One bit per gate word's hash (`h >> 52`): most words of a text skip
    /// the map.
    gate_bloom: Box<[u64; 64]>,
    /// Number of distinct gates.
    gate_count: usize,
    vocab: MaskVocabulary,
    /// The trained ad hominem model read beside the lexicon (on by default).
    model: Option<&'static hostility_model::Model>,
}

impl Matcher {
    /// Compile `lex`. Fails (naming file and line) on a bad regex.
    pub fn new(lex: &Lexicon) -> Result<Matcher> {
        let defs = defines(std::iter::once(lex));
        let (pats, term_info, vocab_words) = term_patterns(lex);
        let mut compiled = Vec::new();
        for (i, e) in lex.entries.iter().enumerate() {
            if e.kind == EntryKind::Regex {
                let p = expand(&e.pattern, &defs).and_then(|p| compile_meta(&p).map(|r| (p, r))).map_err(|m| {
                    Error::invalid(format!("entry `{}`: {m}", e.id)).with_path(&e.origin).at_line(e.line)
                })?;
                let gates = word_gate::gates(&p.0);
                compiled.push((i, p.0, p.1, gates));
            }
        }
        // Number the distinct gates; index their words by hash.
        let mut gate_index: BTreeMap<&BTreeSet<String>, u32> = BTreeMap::new();
        for (_, _, _, gs) in &compiled {
            for g in gs {
                let next = gate_index.len() as u32;
                gate_index.entry(g).or_insert(next);
            }
        }
        let mut gate_words: IdMap<Vec<u32>> = IdMap::default();
        let mut gate_bloom = Box::new([0u64; 64]);
        for (g, &id) in &gate_index {
            for w in g.iter() {
                let h = fnv::bytes(fnv::OFFSET, w.as_bytes());
                gate_bloom[(h >> 58) as usize] |= 1 << ((h >> 52) & 63);
                gate_words.entry(h).or_default().push(id);
            }
        }
        let gate_count = gate_index.len();
        let patterns: Vec<Pattern> = compiled
            .iter()
            .map(|(entry, text, re, gs)| {
                let split = if gs.is_empty() {
                    Split::Chunk
                } else if !word_gate::may_contain(text, CLAUSE_ENDS) {
                    Split::Clause
                } else if !word_gate::may_contain(text, SENTENCE_ENDS) {
                    Split::Sentence
                } else {
                    Split::Chunk
                };
                let gates = gs.iter().map(|g| gate_index[g]).collect();
                Pattern { entry: *entry, text: text.clone(), re: re.clone(), gates, split }
            })
            .collect();
        // A full DFA: a few hundred terms make it small, and it is the
        // fastest automaton for overlapping search.
        let terms = DFA::builder()
            .match_kind(MatchKind::Standard)
            .start_kind(StartKind::Unanchored)
            .build(&pats)
            .map_err(|e| Error::invalid(format!("lexicon terms: {e}")))?;
        let start = terms.start_state(AcAnchored::No).map_err(|e| Error::invalid(format!("lexicon terms: {e}")))?;
        let set = RegexSetBuilder::new(patterns.iter().map(|p| p.text.as_str()))
            .size_limit(1 << 24)
            .dfa_size_limit(1 << 24)
            .build()
            .map_err(|e| Error::invalid(format!("lexicon patterns: {e}")))?;
        let multi = meta::Regex::builder()
            .configure(
                meta::Regex::config()
                    .match_kind(regex_automata::MatchKind::All)
                    .nfa_size_limit(Some(1 << 24))
                    .hybrid_cache_capacity(1 << 24),
            )
            .build_many(&patterns.iter().map(|p| p.text.as_str()).collect::<Vec<_>>())
            .map_err(|e| Error::invalid(format!("lexicon patterns: {e}")))?;
        let vocab = MaskVocabulary::new(vocab_words.iter().map(String::as_str));
        let model = Some(hostility_model::builtin());
        Ok(Matcher {
            entries: lex.entries.clone(),
            terms,
            start,
            term_info,
            set,
            patterns,
            multi,
            gate_words,
            gate_bloom,
            gate_count,
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
        self.scan_gated(norm, true)
    }

    /// [`Matcher::scan`], with the patterns' word gates or (for tests)
    /// without them.
    fn scan_gated(&self, norm: &str, gated: bool) -> Vec<Hit> {
        let bytes = norm.as_bytes();
        let mut hits = Vec::new();
        self.term_hits(bytes, &mut hits);
        if !self.patterns.is_empty() {
            // Per chunk of whole sentences: only the patterns whose word
            // gates all open can match. Patterns that cannot match across a
            // clause or sentence end run only on the clauses or sentences
            // where their gates open; the others run alone on the chunk
            // when few, else as one regex-set pass whose matching patterns
            // re-run on the chunk.
            let mut gates = GateHits::new(self.gate_count);
            let mut whole = Vec::new();
            let mut parts: Vec<(u32, u32)> = Vec::new();
            let mut set = regex_automata::PatternSet::new(self.patterns.len());
            let mut from = 0;
            while from < norm.len() {
                let to = chunk_end(norm, from);
                let chunk = &norm[from..to];
                whole.clear();
                if gated {
                    self.find_gates(chunk.as_bytes(), &mut gates);
                    parts.clear();
                    for (idx, p) in self.patterns.iter().enumerate() {
                        if !p.gates.iter().all(|&g| gates.open[g as usize]) {
                            continue;
                        }
                        match p.split {
                            Split::Chunk => whole.push(idx),
                            Split::Clause => open_parts(p, chunk.len(), &gates.clause_ends, &gates, &mut parts),
                            Split::Sentence => open_parts(p, chunk.len(), &gates.sentence_ends, &gates, &mut parts),
                        }
                    }
                    // The parts where some pattern's gates all open, merged:
                    // one regex-set pass over each, then the clause and
                    // sentence patterns it reports re-run on it.
                    parts.sort_unstable();
                    let mut k = 0;
                    while k < parts.len() {
                        let (a, mut b) = parts[k];
                        while k < parts.len() && parts[k].0 <= b {
                            b = b.max(parts[k].1);
                            k += 1;
                        }
                        let range = a as usize..b as usize;
                        let input = regex_automata::Input::new(chunk).range(range.clone());
                        set.clear();
                        self.multi.which_overlapping_matches(&input, &mut set);
                        for idx in set.iter() {
                            let p = &self.patterns[idx.as_usize()];
                            if p.split != Split::Chunk {
                                run_pattern(p, chunk, range.clone(), from, &mut hits);
                            }
                        }
                    }
                    if whole.len() > ALONE {
                        set.clear();
                        self.multi.which_overlapping_matches(&regex_automata::Input::new(chunk), &mut set);
                        whole.retain(|&idx| set.contains(regex_automata::PatternID::must(idx)));
                    }
                } else {
                    whole.extend(self.set.matches(chunk).iter());
                }
                for &idx in &whole {
                    run_pattern(&self.patterns[idx], chunk, 0..chunk.len(), from, &mut hits);
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

/// At most this many patterns whose gates opened run alone on a chunk;
/// more run as one regex-set pass.
const ALONE: usize = 3;

/// Bytes that end a clause: a [`Split::Clause`] pattern never matches one.
const CLAUSE_ENDS: &[u8] = b".!?,;:\"()";
/// Bytes that end a sentence: a [`Split::Sentence`] pattern never matches one.
const SENTENCE_ENDS: &[u8] = b".!?";

/// Where a pattern runs once its gates open on a chunk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Split {
    /// On the whole chunk (its matches may span any byte, or it has no gate).
    Chunk,
    /// Only on the clauses (text between [`CLAUSE_ENDS`]) where its gates open.
    Clause,
    /// Only on the sentences (text between [`SENTENCE_ENDS`]) where its gates open.
    Sentence,
}

/// A compiled regex entry.
#[derive(Clone, Debug)]
struct Pattern {
    /// Index of the entry in the lexicon.
    entry: usize,
    /// The expanded pattern.
    text: String,
    re: meta::Regex,
    /// Its word gates ([`word_gate`]), all of which must open.
    gates: Vec<u32>,
    split: Split,
}

/// The gate words of one chunk: which gates opened, where, and where its
/// clauses and sentences end.
struct GateHits {
    open: Vec<bool>,
    /// (start of the word, gate), in text order.
    at: Vec<(u32, u32)>,
    clause_ends: Vec<u32>,
    sentence_ends: Vec<u32>,
}

impl GateHits {
    fn new(gates: usize) -> GateHits {
        GateHits { open: vec![false; gates], at: Vec::new(), clause_ends: Vec::new(), sentence_ends: Vec::new() }
    }
}

/// [`CHUNK_CLASS`] bit: a gate word byte.
const GATE: u8 = 1;
/// [`CHUNK_CLASS`] bit: a byte of [`CLAUSE_ENDS`].
const CLAUSE: u8 = 2;
/// [`CHUNK_CLASS`] bit: a byte of [`SENTENCE_ENDS`].
const SENTENCE: u8 = 4;

/// Byte classes for [`Matcher::find_gates`].
static CHUNK_CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        if b.is_ascii_alphanumeric() || b == b'_' {
            t[c] = GATE;
        }
        let mut k = 0;
        while k < CLAUSE_ENDS.len() {
            if CLAUSE_ENDS[k] == b {
                t[c] |= CLAUSE;
            }
            k += 1;
        }
        if matches!(b, b'.' | b'!' | b'?') {
            t[c] |= SENTENCE;
        }
        c += 1;
    }
    t
};

/// Every match of `p` in `chunk[range]` (searched with the whole chunk
/// around it, so `\b` and `^` read the bytes outside), offset by `from`.
fn run_pattern(p: &Pattern, chunk: &str, range: std::ops::Range<usize>, from: usize, hits: &mut Vec<Hit>) {
    let input = regex_automata::Input::new(chunk).range(range);
    hits.extend(p.re.find_iter(input).filter(|m| m.end() > m.start()).map(|m| Hit {
        start: from + m.start(),
        end: from + m.end(),
        entry: p.entry,
    }));
}

/// Push the parts of a chunk of `len` bytes (between two of `ends`) that
/// hold a word of every gate of `p`. Its matches never cross an end, so
/// all of them lie in those parts.
fn open_parts(p: &Pattern, len: usize, ends: &[u32], g: &GateHits, parts: &mut Vec<(u32, u32)>) {
    let first = p.gates[0];
    let mut part_end = 0;
    for &(pos, gate) in &g.at {
        if gate != first || pos < part_end {
            continue;
        }
        let k = ends.partition_point(|&e| e < pos);
        let a = if k == 0 { 0 } else { ends[k - 1] + 1 };
        let b = ends.get(k).copied().unwrap_or(len as u32);
        part_end = b;
        let lo = g.at.partition_point(|x| x.0 < a);
        let hi = g.at.partition_point(|x| x.0 < b);
        let here = &g.at[lo..hi];
        if p.gates[1..].iter().all(|&want| here.iter().any(|x| x.1 == want)) {
            parts.push((a, b));
        }
    }
}

impl Matcher {
    /// One pass over the words of `chunk`: each hashed and looked up, the
    /// gates it opens recorded with its position; and the clause and
    /// sentence ends.
    fn find_gates(&self, chunk: &[u8], g: &mut GateHits) {
        g.open.fill(false);
        g.at.clear();
        g.clause_ends.clear();
        g.sentence_ends.clear();
        let n = chunk.len();
        let mut i = 0;
        while i < n {
            let class = CHUNK_CLASS[chunk[i] as usize];
            if class & GATE == 0 {
                if class & CLAUSE != 0 {
                    g.clause_ends.push(i as u32);
                    if class & SENTENCE != 0 {
                        g.sentence_ends.push(i as u32);
                    }
                }
                i += 1;
                continue;
            }
            let s = i;
            let mut h = fnv::OFFSET;
            while i < n && CHUNK_CLASS[chunk[i] as usize] & GATE != 0 {
                h = fnv::byte(h, chunk[i]);
                i += 1;
            }
            if self.gate_bloom[(h >> 58) as usize] & (1 << ((h >> 52) & 63)) != 0 {
                if let Some(gates) = self.gate_words.get(&h) {
                    for &gate in gates {
                        g.open[gate as usize] = true;
                        g.at.push((s as u32, gate));
                    }
                }
            }
        }
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

    /// Word gates never drop a hit: the gated scan finds exactly what
    /// running every pattern finds, on every seed comment, the cmv
    /// fixtures, the curated lists and all of them joined; and on the seeds
    /// the gates close somewhere.
    #[test]
    fn word_gates_keep_every_hit() {
        let m = Matcher::builtin();
        let mut texts = Vec::new();
        let mut paths: Vec<_> = std::fs::read_dir("fixtures/seeds").unwrap().map(|e| e.unwrap().path()).collect();
        paths.extend(std::fs::read_dir("fixtures/hostility/cmv").unwrap().map(|e| e.unwrap().path()));
        paths.sort();
        for p in &paths {
            for t in crate::read::read_path(p, crate::read::Format::Auto).unwrap() {
                texts.extend(t.comments.into_iter().map(|c| c.text));
            }
        }
        for f in ["fixtures/lexicon/positive.txt", "fixtures/lexicon/negative.txt"] {
            texts.extend(std::fs::read_to_string(f).unwrap().lines().map(String::from));
        }
        let seed_texts = texts.len();
        texts.push(texts.join("\n\n"));
        let (mut total, mut failures, mut closed) = (0, Vec::new(), 0);
        for (k, text) in texts.iter().enumerate() {
            let norm = m.normalize(text).text;
            let (gated, all) = (m.scan_gated(&norm, true), m.scan_gated(&norm, false));
            total += all.iter().filter(|h| m.entries[h.entry].kind == EntryKind::Regex).count();
            if gated != all {
                failures.push(format!("{:?}", &text[..text.len().min(80)]));
            }
            let mut g = GateHits::new(m.gate_count);
            m.find_gates(norm.as_bytes(), &mut g);
            closed +=
                usize::from(k < seed_texts && m.patterns.iter().any(|p| !p.gates.iter().all(|&x| g.open[x as usize])));
        }
        assert!(failures.is_empty(), "{} texts differ: {}", failures.len(), failures.join("\n"));
        assert!(total > 150, "only {total} pattern hits");
        assert!(closed > 100, "gates closed on only {closed} texts");
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
        let mut paths: Vec<_> = std::fs::read_dir("fixtures/seeds").unwrap().map(|e| e.unwrap().path()).collect();
        paths.extend(std::fs::read_dir("fixtures/hostility/cmv").unwrap().map(|e| e.unwrap().path()));
        paths.sort();
        for p in &paths {
            for t in crate::read::read_path(p, crate::read::Format::Auto).unwrap() {
                texts.extend(t.comments.into_iter().map(|c| c.text));
            }
        }
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
