//! Word gates for the regex entries of a lexicon: which whole words a
//! match of a pattern must contain, derived from the pattern itself.
//!
//! A gate is a set of words of which every match of the pattern contains
//! at least one as a *whole word*: a maximal run of ASCII word bytes
//! (`[0-9A-Za-z_]`, the bytes `(?-u:\b)` counts as word bytes) with a
//! non-word byte or the edge of the text on both sides. A pattern can have
//! several gates (each one necessary), so `\byou are (?:stupid|dumb)\b`
//! gets `{you}` and `{stupid, dumb}`; the matcher runs a pattern on a chunk
//! of text only when every one of its gates has a word in the chunk.
//!
//! The derivation walks `regex-syntax`'s parse tree. A piece with a finite
//! language (a literal, an alternation of words, `jews?`) yields the whole
//! words of each of its strings: words inside a string are delimited by the
//! string's own non-word bytes; a word at the string's edge counts only
//! when the pattern guarantees a non-word byte or a text edge there (`\b`,
//! `^`, `$`, or a neighbouring piece whose every match starts or ends with
//! a non-word byte). Assertions inside a piece are read as empty strings:
//! that can only add strings, never drop a match, so the gate stays sound.
//! For each string the least common of its whole words is kept; a piece
//! gives no gate when one of its strings has no whole word.
//!
//! # Complexity
//!
//! Per pattern, linear in the parse tree times the languages expanded
//! (capped at [`LANGUAGE_LIMIT`] strings per piece).

use std::collections::BTreeSet;

use regex_syntax::hir::{Class, Hir, HirKind, Look};

/// At most this many strings are expanded for one piece of a pattern.
pub(crate) const LANGUAGE_LIMIT: usize = 4096;

/// A word byte as `(?-u:\b)` reads it, and the bytes of gate words.
pub(crate) fn is_gate_byte(b: u8) -> bool {
    GATE_BYTE[b as usize]
}

/// [`is_gate_byte`] as a table.
static GATE_BYTE: [bool; 256] = {
    let mut t = [false; 256];
    let mut c = 0;
    while c < 256 {
        t[c] = (c as u8).is_ascii_alphanumeric() || c == b'_' as usize;
        c += 1;
    }
    t
};

/// May a match of `pattern` contain one of `bytes` (all ASCII)? True when
/// the pattern does not parse.
pub(crate) fn may_contain(pattern: &str, bytes: &[u8]) -> bool {
    let Ok(hir) = regex_syntax::Parser::new().parse(pattern) else { return true };
    contains_any(&hir, bytes)
}

fn contains_any(h: &Hir, bytes: &[u8]) -> bool {
    match h.kind() {
        HirKind::Empty | HirKind::Look(_) => false,
        HirKind::Literal(l) => l.0.iter().any(|b| bytes.contains(b)),
        // Characters from U+0080 are encoded with bytes from 0x80 only.
        HirKind::Class(Class::Unicode(u)) => {
            u.ranges().iter().any(|r| bytes.iter().any(|&b| (r.start()..=r.end()).contains(&char::from(b))))
        }
        HirKind::Class(Class::Bytes(c)) => {
            c.ranges().iter().any(|r| bytes.iter().any(|&b| (r.start()..=r.end()).contains(&b)))
        }
        HirKind::Repetition(r) => r.max != Some(0) && contains_any(&r.sub, bytes),
        HirKind::Capture(c) => contains_any(&c.sub, bytes),
        HirKind::Concat(cs) | HirKind::Alternation(cs) => cs.iter().any(|c| contains_any(c, bytes)),
    }
}

/// The gates of `pattern` (already expanded): each a set of words one of
/// which every match contains as a whole word. Empty when none can be told
/// (the pattern then always runs) or when the pattern does not parse.
pub(crate) fn gates(pattern: &str) -> Vec<BTreeSet<String>> {
    let Ok(hir) = regex_syntax::Parser::new().parse(pattern) else { return Vec::new() };
    let mut out = required(&hir, false, false);
    out.sort();
    out.dedup();
    out
}

/// Words so common that a gate made of them opens on almost any text.
const COMMON: &[&str] = &[
    "a", "an", "the", "is", "are", "was", "were", "be", "been", "to", "of", "and", "or", "in", "on", "at", "it", "i",
    "you", "u", "he", "she", "they", "we", "that", "this", "what", "with", "for", "not", "do", "have", "has", "so",
    "just", "like", "as", "can", "your", "re", "t", "s", "m", "ll", "ve", "d", "all", "how", "who", "me", "my", "if",
];

/// How often a gate word is expected to open its gate (lower is better).
fn cost(word: &str) -> u32 {
    if COMMON.contains(&word) {
        return 1000;
    }
    match word.len() {
        0..=2 => 500,
        3 => 60,
        4 => 25,
        _ => 10,
    }
}

/// Total cost of a gate.
fn gate_cost(g: &BTreeSet<String>) -> u32 {
    g.iter().map(|w| cost(w)).fold(0u32, u32::saturating_add)
}

/// The necessary gates of `h`. `left` / `right`: the surrounding pattern
/// guarantees a non-word byte or a text edge just before / after `h`.
fn required(h: &Hir, left: bool, right: bool) -> Vec<BTreeSet<String>> {
    match h.kind() {
        HirKind::Capture(c) => required(&c.sub, left, right),
        HirKind::Repetition(r) if r.min >= 1 => {
            // Only a single copy keeps the context on both sides.
            let single = r.max == Some(1);
            required(&r.sub, left && single, right && single)
        }
        HirKind::Literal(_) | HirKind::Class(_) => {
            language(h, LANGUAGE_LIMIT).and_then(|l| words_of(&l, left, right)).into_iter().collect()
        }
        HirKind::Concat(cs) => {
            let mut out = Vec::new();
            for k in 0..cs.len() {
                let l = left_guard(cs, k, left);
                match language(&cs[k], LANGUAGE_LIMIT).and_then(|lang| words_of(&lang, l, right_guard(cs, k, right))) {
                    Some(g) => out.push(g),
                    None => out.extend(required(&cs[k], l, right_guard(cs, k, right))),
                }
                // A piece with the one or two after it (`(?:idiot|moron)s?`).
                for end in k + 2..=(k + 3).min(cs.len()) {
                    let lang = cs[k..end].iter().try_fold(vec![Vec::new()], |acc, c| {
                        language(c, LANGUAGE_LIMIT).and_then(|l| product(&acc, &l, LANGUAGE_LIMIT))
                    });
                    if let Some(g) = lang.and_then(|lang| words_of(&lang, l, right_guard(cs, end - 1, right))) {
                        out.push(g);
                    }
                }
            }
            out
        }
        HirKind::Alternation(bs) => {
            // One gate per branch, their union for the whole.
            let mut union = BTreeSet::new();
            for b in bs {
                let best = match language(b, LANGUAGE_LIMIT).and_then(|lang| words_of(&lang, left, right)) {
                    Some(g) => Some(g),
                    None => required(b, left, right).into_iter().min_by_key(gate_cost),
                };
                match best {
                    Some(g) => union.extend(g),
                    None => return Vec::new(),
                }
            }
            vec![union]
        }
        _ => Vec::new(),
    }
}

/// For each string, its least common whole word; `None` when a string has
/// none. `left` / `right`: a non-word byte or text edge is guaranteed
/// before / after every string.
fn words_of(lang: &[Vec<u8>], left: bool, right: bool) -> Option<BTreeSet<String>> {
    let mut out = BTreeSet::new();
    for s in lang {
        let mut best: Option<&[u8]> = None;
        let mut i = 0;
        while i < s.len() {
            if !is_gate_byte(s[i]) {
                i += 1;
                continue;
            }
            let a = i;
            while i < s.len() && is_gate_byte(s[i]) {
                i += 1;
            }
            let whole = (a > 0 || left) && (i < s.len() || right);
            let w = &s[a..i];
            let cheaper =
                |b: &[u8]| cost(std::str::from_utf8(w).unwrap_or("")) < cost(std::str::from_utf8(b).unwrap_or(""));
            if whole && best.is_none_or(cheaper) {
                best = Some(w);
            }
        }
        out.insert(String::from_utf8(best?.to_vec()).ok()?);
    }
    Some(out)
}

/// Is a non-word byte or the text's start guaranteed just before piece `k`
/// of a concatenation? `outer`: the same guarantee before the whole.
fn left_guard(cs: &[Hir], k: usize, outer: bool) -> bool {
    for c in cs[..k].iter().rev() {
        if let HirKind::Look(look) = c.kind() {
            return matches!(look, Look::WordAscii | Look::WordUnicode | Look::Start);
        }
        if anchored(c, Look::Start, |e| e.last_sep) {
            return true;
        }
        let e = edge(c);
        if !e.last_sep {
            return false;
        }
        if !e.nullable {
            return true;
        }
    }
    outer
}

/// Is a non-word byte or the text's end guaranteed just after piece `k`?
fn right_guard(cs: &[Hir], k: usize, outer: bool) -> bool {
    for c in &cs[k + 1..] {
        if let HirKind::Look(look) = c.kind() {
            return matches!(look, Look::WordAscii | Look::WordUnicode | Look::End);
        }
        if anchored(c, Look::End, |e| e.first_sep) {
            return true;
        }
        let e = edge(c);
        if !e.first_sep {
            return false;
        }
        if !e.nullable {
            return true;
        }
    }
    outer
}

/// An alternation each of whose branches is the text edge `look` or a
/// non-empty piece with a non-word byte at the edge `sep` tells (`(?:^|, )`).
fn anchored(h: &Hir, look: Look, sep: impl Fn(&Edge) -> bool) -> bool {
    let HirKind::Alternation(bs) = h.kind() else { return false };
    bs.iter().all(|b| match b.kind() {
        HirKind::Look(l) => *l == look,
        _ => {
            let e = edge(b);
            !e.nullable && sep(&e)
        }
    })
}

/// What the edges of a piece's matches look like.
#[derive(Clone, Copy, Debug)]
struct Edge {
    /// It can match the empty string.
    nullable: bool,
    /// Every non-empty match starts with a non-word byte.
    first_sep: bool,
    /// Every non-empty match ends with a non-word byte.
    last_sep: bool,
}

fn edge(h: &Hir) -> Edge {
    match h.kind() {
        HirKind::Empty | HirKind::Look(_) => Edge { nullable: true, first_sep: true, last_sep: true },
        HirKind::Literal(l) => {
            let sep = |b: Option<&u8>| b.is_none_or(|&b| !is_gate_byte(b));
            Edge { nullable: l.0.is_empty(), first_sep: sep(l.0.first()), last_sep: sep(l.0.last()) }
        }
        HirKind::Class(c) => {
            let sep = class_is_sep(c);
            Edge { nullable: false, first_sep: sep, last_sep: sep }
        }
        HirKind::Repetition(r) => {
            let e = edge(&r.sub);
            Edge { nullable: r.min == 0 || e.nullable, ..e }
        }
        HirKind::Capture(c) => edge(&c.sub),
        HirKind::Concat(cs) => {
            let es: Vec<Edge> = cs.iter().map(edge).collect();
            let nullable = es.iter().all(|e| e.nullable);
            // The first (last) byte comes from the pieces up to the first
            // (from the last) one that cannot be empty.
            let mut first_sep = true;
            for e in &es {
                first_sep &= e.first_sep;
                if !e.nullable {
                    break;
                }
            }
            let mut last_sep = true;
            for e in es.iter().rev() {
                last_sep &= e.last_sep;
                if !e.nullable {
                    break;
                }
            }
            Edge { nullable, first_sep, last_sep }
        }
        HirKind::Alternation(bs) => {
            let es: Vec<Edge> = bs.iter().map(edge).collect();
            Edge {
                nullable: es.iter().any(|e| e.nullable),
                first_sep: es.iter().all(|e| e.first_sep),
                last_sep: es.iter().all(|e| e.last_sep),
            }
        }
    }
}

/// Every byte a class can start or end a match with is a non-word byte.
fn class_is_sep(c: &Class) -> bool {
    let ascii_sep = |lo: u32, hi: u32| (lo..=hi.min(0x7f)).all(|b| !is_gate_byte(b as u8));
    match c {
        // Characters from U+0080 are encoded with bytes from 0x80 only.
        Class::Unicode(u) => u.ranges().iter().all(|r| ascii_sep(r.start() as u32, r.end() as u32)),
        Class::Bytes(b) => b.ranges().iter().all(|r| ascii_sep(u32::from(r.start()), u32::from(r.end()))),
    }
}

/// The strings a piece can match, assertions read as empty; `None` when
/// infinite or over `limit` strings.
fn language(h: &Hir, limit: usize) -> Option<Vec<Vec<u8>>> {
    match h.kind() {
        HirKind::Empty | HirKind::Look(_) => Some(vec![Vec::new()]),
        HirKind::Literal(l) => Some(vec![l.0.to_vec()]),
        HirKind::Class(Class::Unicode(u)) => {
            let mut out = Vec::new();
            for r in u.ranges() {
                for c in r.start()..=r.end() {
                    if out.len() >= 16 {
                        return None;
                    }
                    let mut buf = [0u8; 4];
                    out.push(c.encode_utf8(&mut buf).as_bytes().to_vec());
                }
            }
            Some(out)
        }
        HirKind::Class(Class::Bytes(b)) => {
            let mut out = Vec::new();
            for r in b.ranges() {
                for c in r.start()..=r.end() {
                    if out.len() >= 16 {
                        return None;
                    }
                    out.push(vec![c]);
                }
            }
            Some(out)
        }
        HirKind::Capture(c) => language(&c.sub, limit),
        HirKind::Repetition(r) => {
            let max = r.max?;
            if max > 3 {
                return None;
            }
            let sub = language(&r.sub, limit)?;
            let mut out = Vec::new();
            let mut power = vec![Vec::new()];
            for k in 0..=max {
                if k >= r.min {
                    out.extend(power.iter().cloned());
                }
                if k < max {
                    power = product(&power, &sub, limit)?;
                }
                if out.len() > limit {
                    return None;
                }
            }
            Some(out)
        }
        HirKind::Concat(cs) => {
            let mut out = vec![Vec::new()];
            for c in cs {
                out = product(&out, &language(c, limit)?, limit)?;
            }
            Some(out)
        }
        HirKind::Alternation(bs) => {
            let mut out = Vec::new();
            for b in bs {
                out.extend(language(b, limit)?);
                if out.len() > limit {
                    return None;
                }
            }
            Some(out)
        }
    }
}

fn product(a: &[Vec<u8>], b: &[Vec<u8>], limit: usize) -> Option<Vec<Vec<u8>>> {
    if a.len().saturating_mul(b.len()) > limit {
        return None;
    }
    Some(a.iter().flat_map(|x| b.iter().map(move |y| [x.as_slice(), y.as_slice()].concat())).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g(p: &str) -> Vec<Vec<&'static str>> {
        gates(p).into_iter().map(|s| s.into_iter().map(|w| &*Box::leak(w.into_boxed_str())).collect()).collect()
    }

    /// (pattern, its gates)
    const CASES: &[(&str, &[&[&str]])] = &[
        // `are` from `you are` read as one piece, `you` from the literal.
        (r"(?-u:\b)you are (?:stupid|dumb)(?-u:\b)", &[&["are"], &["dumb", "stupid"], &["you"]]),
        // No boundary after `stupid`: `stupidity` matches, so no gate from it.
        (r"(?-u:\b)you are (?:stupid|dumb)", &[&["are"], &["you"]]),
        // `rats?` is {rat, rats}; the optional article adds no gate.
        (r"(?-u:\b)(?:the )?rats?(?-u:\b)", &[&["rat", "rats"]]),
        // A word in a longer string: the least common whole word.
        // (With the `\b` before, the first words are whole too.)
        (r"(?-u:\b)(?:not human|the problem)(?-u:\b)", &[&["human", "problem"], &["not", "the"]]),
        // `\w+` words give nothing; an alternation needs a gate per branch.
        (r"(?-u:\b)[0-9A-Za-z_]+ rats(?-u:\b)|(?-u:\b)vermin(?-u:\b)", &[&["rats", "vermin"]]),
        (r"(?-u:\b)[0-9A-Za-z_]+(?-u:\b)|(?-u:\b)vermin(?-u:\b)", &[]),
        // After `^` or a sentence end: both words of each phrase are whole.
        (r"(?:^|[.!?] )(?:grow up|go away)(?-u:\b)", &[&["away", "grow"], &["away", "grow", "up"], &["go", "grow"]]),
        // A word with its optional plural, and a text edge or punctuation after.
        (r"(?:,|^) ?(?:idiot|moron)s?(?: [.!?]|[.!?]|$)", &[&["idiot", "idiots", "moron", "morons"]]),
    ];

    #[test]
    fn bytes_a_match_may_contain() {
        assert!(may_contain(r"(?:^|[.!?] )grow up", b"."));
        assert!(may_contain(r"fuck[^0-9A-Za-z_]{0,3}you", b","));
        assert!(!may_contain(r"(?-u:\b)you (?:are|r) [0-9A-Za-z_]+", b".!?,"));
        assert!(!may_contain(r"x(?:\.){0}y", b"."));
    }

    #[test]
    fn gates_of_patterns() {
        let mut failures = Vec::new();
        for &(p, want) in CASES {
            let got = g(p);
            let want: Vec<Vec<&str>> = want.iter().map(|s| s.to_vec()).collect();
            if got != want {
                failures.push(format!("{p}: {got:?}, expected {want:?}"));
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }
}
