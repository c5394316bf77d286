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
use regex_automata::{meta, Anchored, Input};
use regex_syntax::hir::literal::{ExtractKind, Extractor};
use regex_syntax::hir::{Capture, Hir, HirKind, Look, Repetition};

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

/// A lexicon compiled for matching: one automaton for every term, group
/// word and pattern anchor, and the patterns themselves.
///
/// # How a text is scanned
///
/// One overlapping pass of the automaton finds every term and group word
/// (kept when they start and end a word) and every pattern *anchor*. For
/// each pattern, [`pattern_anchors`] derives from its required prefixes
/// (`regex-syntax`'s literal extractor) the words a match must start
/// with (`you are` for `\byou are …`). A pattern runs only where one of
/// its anchors was found, as an anchored search at the match start the
/// anchor implies; that yields exactly the matches `find_iter` would,
/// because every match starts at one of those positions and each search
/// takes the leftmost-first match at its start. A pattern without anchors
/// (a user pattern starting with `.*`, say) runs as before: one regex-set
/// pass per chunk, then `find_iter` for the patterns that matched.
#[derive(Clone, Debug)]
pub struct Matcher {
    entries: Vec<Entry>,
    /// One automaton over terms, group words and anchors.
    all: DFA,
    /// Its (unanchored) start state.
    start: StateID,
    /// Per automaton pattern: every use of that string (the automaton
    /// reports one pattern per distinct string).
    uses: Vec<Vec<Use>>,
    /// Text required before an anchor, per anchor use (see [`Use::Anchor`]).
    before: Vec<Box<[u8]>>,
    /// Every pattern: (entry index, compiled pattern).
    regexes: Vec<(usize, meta::Regex)>,
    /// Patterns without anchors (indices into `regexes`) and their set.
    unanchored: Vec<usize>,
    set: Option<RegexSet>,
    vocab: MaskVocabulary,
}

/// What an automaton pattern stands for.
#[derive(Clone, Copy, Debug)]
enum Use {
    /// A term or group word of entry `entry`; `prefix` for a trailing `*`.
    Term { entry: usize, prefix: bool },
    /// An anchor of pattern `regex` (index into `Matcher::regexes`): a
    /// match may start where the text before the anchor reads
    /// `Matcher::before[before]`.
    Anchor { regex: usize, before: usize },
}

impl Matcher {
    /// Compile `lex`. Fails (naming file and line) on a bad regex.
    pub fn new(lex: &Lexicon) -> Result<Matcher> {
        let defs = defines(std::iter::once(lex));
        let mut pats: Vec<Vec<u8>> = Vec::new();
        let mut uses: Vec<Vec<Use>> = Vec::new();
        let mut seen: BTreeMap<Vec<u8>, usize> = BTreeMap::new();
        let mut add = |p: Vec<u8>, u: Use| match seen.get(&p) {
            Some(&k) => uses[k].push(u),
            None => {
                seen.insert(p.clone(), pats.len());
                pats.push(p);
                uses.push(vec![u]);
            }
        };
        let mut regexes = Vec::new();
        let mut unanchored = Vec::new();
        let mut before: Vec<Box<[u8]>> = Vec::new();
        let mut vocab_words = Vec::new();
        for (i, e) in lex.entries.iter().enumerate() {
            match e.kind {
                EntryKind::Term | EntryKind::Group => {
                    for (p, prefix) in term_alternatives(&e.pattern) {
                        if e.kind == EntryKind::Term
                            && matches!(e.category, Some(Category::Profanity | Category::Insult))
                        {
                            vocab_words.push(p.clone());
                        }
                        add(p.into_bytes(), Use::Term { entry: i, prefix });
                    }
                }
                EntryKind::Regex => {
                    let invalid = |m: String| {
                        Error::invalid(format!("entry `{}`: {m}", e.id)).with_path(&e.origin).at_line(e.line)
                    };
                    let p = expand(&e.pattern, &defs).map_err(invalid)?;
                    // The same limits as `compile`; on failure its message.
                    let re = meta::Regex::builder()
                        .configure(meta::Config::new().nfa_size_limit(Some(1 << 22)).hybrid_cache_capacity(1 << 23))
                        .build(&p)
                        .map_err(|m| invalid(compile(&p).err().unwrap_or_else(|| m.to_string())))?;
                    let r = regexes.len();
                    match pattern_anchors(&p) {
                        Some(anchors) => {
                            for (b, anchor) in anchors {
                                add(anchor, Use::Anchor { regex: r, before: before.len() });
                                before.push(b.into_boxed_slice());
                            }
                        }
                        None => unanchored.push(r),
                    }
                    regexes.push((i, p, re));
                }
                EntryKind::Define => {}
            }
        }
        // A full DFA: a few thousand strings make it small, and it is the
        // fastest automaton for overlapping search.
        let all = DFA::builder()
            .match_kind(MatchKind::Standard)
            .start_kind(StartKind::Unanchored)
            .build(&pats)
            .map_err(|e| Error::invalid(format!("lexicon terms: {e}")))?;
        let start = all.start_state(AcAnchored::No).map_err(|e| Error::invalid(format!("lexicon terms: {e}")))?;
        let set = if unanchored.is_empty() {
            None
        } else {
            Some(
                RegexSetBuilder::new(unanchored.iter().map(|&r| regexes[r].1.as_str()))
                    .size_limit(1 << 24)
                    .dfa_size_limit(1 << 24)
                    .build()
                    .map_err(|e| Error::invalid(format!("lexicon patterns: {e}")))?,
            )
        };
        let vocab = MaskVocabulary::new(vocab_words.iter().map(String::as_str));
        let regexes = regexes.into_iter().map(|(i, _, re)| (i, re)).collect();
        Ok(Matcher { entries: lex.entries.clone(), all, start, uses, before, regexes, unanchored, set, vocab })
    }

    /// The matcher for the built-in lexicon, compiled once.
    pub fn builtin() -> &'static Matcher {
        &BUILTIN_MATCHER
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
        // (pattern, possible match start)
        let mut starts: Vec<(usize, usize)> = Vec::new();
        // The overlapping search by hand: one transition per byte, and at
        // a match state every string that ends here (the automaton copies
        // the matches of shorter suffixes into each state).
        let mut sid = self.start;
        for (k, &b) in bytes.iter().enumerate() {
            sid = self.all.next_state(AcAnchored::No, sid, b);
            if !self.all.is_special(sid) || !self.all.is_match(sid) {
                continue;
            }
            let end = k + 1;
            for m in 0..self.all.match_len(sid) {
                let pid = self.all.match_pattern(sid, m);
                let i = end - self.all.pattern_len(pid);
                // Every use needs a word start (see `Use`).
                if i > 0 && ALNUM[bytes[i - 1] as usize] {
                    continue;
                }
                self.record(bytes, i, end, pid.as_usize(), &mut hits, &mut starts);
            }
        }
        if !starts.is_empty() || self.set.is_some() {
            self.run_patterns(norm, starts, &mut hits);
        }
        self.keep_longest(hits)
    }

    /// Sort raw hits and drop a hit inside a longer hit of the same entry
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

    /// Record the uses of automaton pattern `pid` matched at `i..j`:
    /// term hits go to `hits`, possible pattern starts to `starts`.
    fn record(
        &self,
        bytes: &[u8],
        i: usize,
        j: usize,
        pid: usize,
        hits: &mut Vec<Hit>,
        starts: &mut Vec<(usize, usize)>,
    ) {
        // A term needs a word start in the stricter sense of `is_word_byte`
        // (a non-ASCII byte before it is part of a word).
        let term_ok = i == 0 || !is_word_byte(bytes[i - 1]);
        for u in &self.uses[pid] {
            match *u {
                Use::Term { entry, prefix } => {
                    if let Some(end) = term_end(bytes, j, prefix).filter(|_| term_ok) {
                        hits.push(Hit { start: i, end, entry });
                    }
                }
                Use::Anchor { regex, before } => {
                    let b = &self.before[before];
                    if i >= b.len() && bytes[i - b.len()..i] == **b {
                        starts.push((regex, i - b.len()));
                    }
                }
            }
        }
    }

    /// Run the patterns: anchored searches at the possible starts, chunk
    /// by chunk as `find_iter` over each chunk would; patterns without
    /// anchors through the regex set.
    fn run_patterns(&self, norm: &str, mut starts: Vec<(usize, usize)>, hits: &mut Vec<Hit>) {
        starts.sort_unstable();
        starts.dedup();
        // Chunks of whole sentences (see `chunk_end`).
        let mut chunks = Vec::new();
        let mut from = 0;
        while from < norm.len() {
            let to = chunk_end(norm, from);
            chunks.push((from, to));
            from = to;
        }
        let mut k = 0;
        while k < starts.len() {
            let r = starts[k].0;
            let (entry, re) = &self.regexes[r];
            let mut c = 0;
            // End of the last match in the current chunk.
            let mut pos = 0;
            while k < starts.len() && starts[k].0 == r {
                let at = starts[k].1;
                k += 1;
                if chunks[c].1 <= at {
                    while chunks[c].1 <= at {
                        c += 1;
                    }
                    pos = 0;
                }
                let (f, t) = chunks[c];
                if at < f + pos {
                    continue;
                }
                let hay = &norm[f..t];
                let input = Input::new(hay).span(at - f..hay.len()).anchored(Anchored::Yes);
                if let Some(m) = re.search(&input) {
                    if m.end() > m.start() {
                        hits.push(Hit { start: f + m.start(), end: f + m.end(), entry: *entry });
                        pos = m.end();
                    }
                }
            }
        }
        if let Some(set) = &self.set {
            // One regex-set pass per chunk, then only the patterns that
            // matched re-run, only on that chunk.
            for &(f, t) in &chunks {
                let chunk = &norm[f..t];
                for idx in set.matches(chunk).iter() {
                    let (entry, re) = &self.regexes[self.unanchored[idx]];
                    hits.extend(re.find_iter(chunk).filter(|m| m.end() > m.start()).map(|m| Hit {
                        start: f + m.start(),
                        end: f + m.end(),
                        entry: *entry,
                    }));
                }
            }
        }
    }
}

/// ASCII letters and digits: a word start is any byte after one that is not.
static ALNUM: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        t[b] = (b as u8).is_ascii_alphanumeric();
        b += 1;
    }
    t
};

/// Words kept in an anchor (see [`pattern_anchors`]).
const ANCHOR_WORDS: usize = 2;

/// Byte that marks a start-of-word assertion (`\b` or `^`) in extracted
/// literals: never part of UTF-8 text, so it cannot stand for text.
const MARK: u8 = 0xFF;

/// The anchors of a pattern, as (text before the anchor, anchor) pairs:
/// every match of the pattern starts with some `before` followed by its
/// `anchor`, and the anchor starts after a byte that is not an ASCII
/// letter or digit (or at the start of the text). `None` when no such set
/// can be derived; the pattern then runs over every chunk.
///
/// The pattern's required prefixes come from `regex-syntax`'s literal
/// extractor, run on a copy of the pattern where each start-of-word
/// assertion is the byte [`MARK`]. The extractor and the copy recurse on
/// the pattern's nesting, which the parser caps (`nest_limit`).
pub fn pattern_anchors(pattern: &str) -> Option<Vec<(Vec<u8>, Vec<u8>)>> {
    let hir = regex_syntax::ParserBuilder::new().nest_limit(100).build().parse(pattern).ok()?;
    let seq = Extractor::new().kind(ExtractKind::Prefix).limit_total(2000).extract(&mark_word_starts(&hir));
    let mut out = Vec::new();
    for lit in seq.literals()? {
        let l = lit.as_bytes();
        // The first ASCII letter or digit that starts a word: after a mark
        // or after a byte that is not a letter or digit.
        let k = (1..l.len())
            .find(|&k| l[k].is_ascii_alphanumeric() && (l[k - 1] == MARK || !l[k - 1].is_ascii_alphanumeric()))?;
        let strip = |s: &[u8]| s.iter().copied().filter(|&b| b != MARK).collect::<Vec<u8>>();
        let mut anchor = strip(&l[k..]);
        // Two words are selective enough; longer anchors only grow the
        // automaton (a prefix of a required prefix is still required).
        let word_ends =
            (1..anchor.len()).filter(|&i| anchor[i - 1].is_ascii_alphanumeric() && !anchor[i].is_ascii_alphanumeric());
        if let Some(cut) = word_ends.clone().nth(ANCHOR_WORDS - 1) {
            anchor.truncate(cut);
        }
        out.push((strip(&l[..k]), anchor));
    }
    out.sort();
    out.dedup();
    Some(out)
}

/// A copy of `hir` with every start-of-word or start-of-text assertion
/// replaced by the literal byte [`MARK`].
fn mark_word_starts(hir: &Hir) -> Hir {
    match hir.kind() {
        HirKind::Look(
            Look::Start
            | Look::StartLF
            | Look::StartCRLF
            | Look::WordAscii
            | Look::WordUnicode
            | Look::WordStartAscii
            | Look::WordStartUnicode
            | Look::WordStartHalfAscii
            | Look::WordStartHalfUnicode,
        ) => Hir::literal([MARK]),
        HirKind::Empty | HirKind::Literal(_) | HirKind::Class(_) | HirKind::Look(_) => hir.clone(),
        HirKind::Repetition(r) => Hir::repetition(Repetition {
            min: r.min,
            max: r.max,
            greedy: r.greedy,
            sub: Box::new(mark_word_starts(&r.sub)),
        }),
        HirKind::Capture(c) => {
            Hir::capture(Capture { index: c.index, name: c.name.clone(), sub: Box::new(mark_word_starts(&c.sub)) })
        }
        HirKind::Concat(v) => Hir::concat(v.iter().map(mark_word_starts).collect()),
        HirKind::Alternation(v) => Hir::alternation(v.iter().map(mark_word_starts).collect()),
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

/// The alternatives of a term or group pattern, normalized, with a flag
/// for a trailing `*` (any ending); empty alternatives are skipped.
fn term_alternatives(pattern: &str) -> impl Iterator<Item = (String, bool)> + '_ {
    pattern.split('|').filter_map(|alt| {
        let n = Normalized::new(alt.trim());
        let prefix = n.text.ends_with('*');
        let p = n.text.trim_end_matches('*').trim().to_string();
        (!p.is_empty()).then_some((p, prefix))
    })
}

/// Where a term matched up to `end` ends: a prefix term (`fuck*`) runs to
/// the end of the word; any other takes a plural or possessive ending and
/// must then end the word (`None` when it does not).
fn term_end(bytes: &[u8], end: usize, prefix: bool) -> Option<usize> {
    if prefix {
        return Some(end + bytes[end..].iter().take_while(|&&b| is_word_byte(b)).count());
    }
    let end = inflected_end(bytes, end);
    (end == bytes.len() || !is_word_byte(bytes[end])).then_some(end)
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
    use aho_corasick::{AhoCorasick, AhoCorasickBuilder};

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

    /// The scan as it was before pattern anchors: terms from one
    /// overlapping automaton pass, patterns from a regex-set pass per chunk
    /// and `find_iter` on the chunks where they matched.
    struct Reference {
        terms: AhoCorasick,
        term_info: Vec<Vec<(usize, bool)>>,
        set: RegexSet,
        regexes: Vec<(usize, Regex)>,
    }

    impl Reference {
        fn new(lex: &Lexicon) -> Reference {
            let defs = defines(std::iter::once(lex));
            let (mut pats, mut term_info, mut regexes) = (Vec::new(), Vec::<Vec<(usize, bool)>>::new(), Vec::new());
            let mut seen: BTreeMap<String, usize> = BTreeMap::new();
            for (i, e) in lex.entries.iter().enumerate() {
                match e.kind {
                    EntryKind::Term | EntryKind::Group => {
                        for (p, prefix) in term_alternatives(&e.pattern) {
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
                    EntryKind::Regex => regexes.push((i, compile(&expand(&e.pattern, &defs).unwrap()).unwrap())),
                    EntryKind::Define => {}
                }
            }
            let terms = AhoCorasickBuilder::new().match_kind(MatchKind::Standard).build(&pats).unwrap();
            let set = RegexSet::new(regexes.iter().map(|(_, r)| r.as_str())).unwrap();
            Reference { terms, term_info, set, regexes }
        }

        fn scan(&self, m: &Matcher, norm: &str) -> Vec<Hit> {
            let bytes = norm.as_bytes();
            let mut hits = Vec::new();
            for t in self.terms.find_overlapping_iter(norm) {
                let start = t.start();
                if start > 0 && is_word_byte(bytes[start - 1]) {
                    continue;
                }
                for &(entry, prefix) in &self.term_info[t.pattern().as_usize()] {
                    if let Some(end) = term_end(bytes, t.end(), prefix) {
                        hits.push(Hit { start, end, entry });
                    }
                }
            }
            let mut from = 0;
            while from < norm.len() {
                let to = chunk_end(norm, from);
                let chunk = &norm[from..to];
                for idx in self.set.matches(chunk).iter() {
                    let (entry, re) = &self.regexes[idx];
                    hits.extend(re.find_iter(chunk).filter(|x| x.end() > x.start()).map(|x| Hit {
                        start: from + x.start(),
                        end: from + x.end(),
                        entry: *entry,
                    }));
                }
                from = to;
            }
            m.keep_longest(hits)
        }
    }

    /// Texts for the differential test: every seed comment, the curated
    /// positive and negative lists, and the cmv fixtures' comment bodies,
    /// each also as one long text (several regex chunks).
    fn differential_texts() -> Vec<String> {
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
            let text = std::fs::read_to_string(f).unwrap();
            texts.extend(text.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()).map(String::from));
        }
        let joined = texts.join("\n\n");
        texts.push(joined);
        texts
    }

    #[test]
    fn anchored_scan_finds_what_the_full_scan_finds() {
        let lex = Lexicon::builtin();
        let m = Matcher::builtin();
        let reference = Reference::new(lex);
        let mut failures = Vec::new();
        let mut hits = 0;
        for text in differential_texts() {
            let norm = m.normalize(&text).text;
            let (new, old) = (m.scan(&norm), reference.scan(m, &norm));
            hits += old.len();
            if new != old {
                failures.push(format!("{:?}\n  new {new:?}\n  old {old:?}", &text[..text.len().min(120)]));
            }
        }
        assert!(hits > 500, "only {hits} hits");
        assert!(failures.is_empty(), "{} texts differ:\n{}", failures.len(), failures.join("\n"));
    }

    #[test]
    fn every_builtin_pattern_has_anchors() {
        let lex = Lexicon::builtin();
        let defs = defines(std::iter::once(lex));
        let none: Vec<&str> = lex
            .entries()
            .iter()
            .filter(|e| e.kind == EntryKind::Regex)
            .filter(|e| pattern_anchors(&expand(&e.pattern, &defs).unwrap()).is_none())
            .map(|e| e.id.as_str())
            .collect();
        assert!(none.is_empty(), "patterns that run on every chunk: {none:?}");
    }

    #[test]
    fn anchors_start_words() {
        let a = |p: &str| pattern_anchors(&ascii_classes(p));
        let s = |v: &[(&str, &str)]| v.iter().map(|(b, x)| (b.as_bytes().to_vec(), x.as_bytes().to_vec())).collect();
        assert_eq!(a(r"\byou (?:are|were) dumb\b"), Some(s(&[("", "you are"), ("", "you were")])));
        // `[.!?] ` before the words: the anchor is the word, the text
        // before it is checked.
        assert_eq!(a(r"(?:^|[.!] )grow up\b"), Some(s(&[("", "grow up"), ("! ", "grow up"), (". ", "grow up")])));
        // No word start can be told: the pattern runs everywhere.
        assert_eq!(a(r"ass\b"), None);
        assert_eq!(a(r".*idiot"), None);
        // A user pattern without anchors still matches.
        let text = "id,kind,category,severity,scope,pattern,note\nr.any,regex,insult,0.5,any,[a-z]+head\\b,\n";
        let m = Matcher::new(&Lexicon::parse(text, "t.csv").unwrap()).unwrap();
        let n = m.normalize("what a bonehead");
        assert_eq!(m.scan(&n.text), vec![Hit { start: 7, end: 15, entry: 0 }]);
    }
}
