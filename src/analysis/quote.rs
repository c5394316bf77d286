//! Text a comment quotes from someone else: `>` lines, and spans in
//! quotation marks (`“…”`, `"…"`, `‘…’`, `«…»`) whose words occur in a
//! source text (the parent comment, the article, an ancestor).
//!
//! Analyses use this so that a comment is not blamed for words it quotes
//! (hostility) and so that pushback can tell which claim a reply takes up.
//!
//! ```
//! use threadlens::analysis::quote::{find_quotes, QuoteKind};
//!
//! let parent = "he has to understand, that RUSSIA decides how and when.";
//! let reply = "“he has to understand, that RUSSIA decides how and when.’\n\nNonsense.";
//! let q = find_quotes(reply, &[parent]);
//! assert_eq!(q.len(), 1);
//! assert_eq!(q[0].kind, QuoteKind::Quotation);
//! assert_eq!(q[0].source, Some(0));
//! assert!(reply[q[0].start..q[0].end].starts_with("“he has"));
//! ```
//!
//! # Complexity
//!
//! Linear in the comment plus, per quotation, a substring search of each
//! source (`str::contains`, linear).

use serde::Serialize;

use crate::analysis::normalize::{is_word_byte, Normalized};

/// How a span was marked as quoted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum QuoteKind {
    /// A line starting with `>` (Markdown / e-mail quoting).
    Marker,
    /// Quotation marks around text found in a source.
    Quotation,
    /// Quotation marks around text found in no source: scare quotes, a
    /// word under discussion, or a quote from outside the thread.
    Unsourced,
}

/// One quoted span of a comment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct QuoteSpan {
    /// Byte offset where the span starts (the `>` or opening mark).
    pub start: usize,
    /// Byte offset where it ends (after the closing mark or line).
    pub end: usize,
    /// How it was marked.
    pub kind: QuoteKind,
    /// Index into the `sources` the quoted words were found in.
    pub source: Option<usize>,
    /// Number of words inside the marks.
    pub words: usize,
}

impl QuoteSpan {
    /// True when the span holds someone else's words (a `>` line or a
    /// quotation found in a source).
    pub fn is_attributed(&self) -> bool {
        self.kind != QuoteKind::Unsourced
    }

    /// True when `[start, end)` lies inside this span.
    pub fn contains(&self, start: usize, end: usize) -> bool {
        self.start <= start && end <= self.end
    }
}

/// Find the quoted spans of `text`, checking quotations against `sources`.
pub fn find_quotes(text: &str, sources: &[&str]) -> Vec<QuoteSpan> {
    let normalized: Vec<Normalized> = sources.iter().map(|s| Normalized::new(s)).collect();
    let refs: Vec<&Normalized> = normalized.iter().collect();
    find_quotes_in(text, &refs)
}

/// [`find_quotes`] with sources already normalized (callers that quote
/// the same parent many times normalize it once).
pub fn find_quotes_in(text: &str, sources: &[&Normalized]) -> Vec<QuoteSpan> {
    find_quotes_until(text, sources, usize::MAX)
}

/// The spans of [`find_quotes_in`] that start at or before byte `limit`,
/// found without reading further than the last of them needs: enough to
/// answer whether a span at or before `limit` holds some range (a span
/// starting after a range's start cannot hold it), for callers that ask
/// only about ranges starting at or before `limit`.
pub fn find_quotes_until(text: &str, sources: &[&Normalized], limit: usize) -> Vec<QuoteSpan> {
    let markers = marker_lines(text, limit);
    let in_marker = |i: usize| {
        let k = markers.partition_point(|m| m.start <= i);
        k > 0 && markers[k - 1].end > i
    };
    let mut spans = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    // A single quote found no closer before this offset: later single
    // quotes before it cannot close either (keeps the scan linear).
    let mut no_single_close_until = 0;
    let mut sourced_checks = 0;
    while i < text.len() {
        // Skip bytes that cannot start an opening mark (see `OPENING_LEAD`).
        i = skip_to_lead(bytes, i, false);
        if i > limit {
            break;
        }
        let Some(c) = text[i..].chars().next() else { break };
        let len = c.len_utf8();
        let single = matches!(c, '\'' | '‘');
        if !is_opening(c) || !opens_here(bytes, i, len, c) || in_marker(i) || (single && i < no_single_close_until) {
            i += len;
            continue;
        }
        let body_start = i + len;
        let Some((body_end, close_end)) = closing(text, body_start, c) else {
            let para_end = text[i..].find("\n\n").map_or(text.len(), |p| i + p);
            no_single_close_until = para_end;
            i += len;
            continue;
        };
        let body = &text[body_start..body_end];
        let words = body.split_whitespace().count();
        if words == 0 {
            i = close_end;
            continue;
        }
        // Source checks cost the size of the sources; cap how many one
        // comment may ask for so a huge comment stays linear.
        let source = if sourced_checks < MAX_SOURCE_CHECKS && body.len() <= MAX_QUOTE_BYTES {
            sourced_checks += 1;
            find_source(body, sources)
        } else {
            None
        };
        let kind = if source.is_some() { QuoteKind::Quotation } else { QuoteKind::Unsourced };
        spans.push(QuoteSpan { start: i, end: close_end, kind, source, words });
        i = close_end;
    }
    spans.extend(markers);
    spans.sort_by_key(|s| (s.start, s.end));
    spans
}

/// Quotations per comment checked against the sources; later ones are
/// reported as unsourced.
pub const MAX_SOURCE_CHECKS: usize = 200;

/// Longest quotation (bytes) checked against the sources.
pub const MAX_QUOTE_BYTES: usize = 4096;

/// True when `[start, end)` lies in a span holding someone else's words.
/// Linear in the number of spans; see [`SpanIndex`] for many queries.
pub fn is_quoted(spans: &[QuoteSpan], start: usize, end: usize) -> bool {
    spans.iter().any(|s| s.is_attributed() && s.contains(start, end))
}

/// Answers "is `[start, end)` inside one of these spans?" in O(log n).
#[derive(Clone, Debug, Default)]
pub struct SpanIndex {
    starts: Vec<usize>,
    /// Largest end among spans `0..=k` (spans sorted by start).
    max_end: Vec<usize>,
}

impl SpanIndex {
    /// Index the spans of `quotes` that `keep` selects.
    pub fn new(quotes: &[QuoteSpan], keep: impl Fn(&QuoteSpan) -> bool) -> SpanIndex {
        SpanIndex::from_ranges(quotes.iter().filter(|q| keep(q)).map(|q| (q.start, q.end)))
    }

    /// Index byte ranges `(start, end)`.
    pub fn from_ranges(ranges: impl IntoIterator<Item = (usize, usize)>) -> SpanIndex {
        let mut spans: Vec<(usize, usize)> = ranges.into_iter().collect();
        spans.sort_unstable();
        let mut max_end = Vec::with_capacity(spans.len());
        let mut m = 0;
        for &(_, e) in &spans {
            m = m.max(e);
            max_end.push(m);
        }
        SpanIndex { starts: spans.iter().map(|s| s.0).collect(), max_end }
    }

    /// True when some indexed span contains `[start, end)`.
    pub fn contains(&self, start: usize, end: usize) -> bool {
        let k = self.starts.partition_point(|&s| s <= start);
        k > 0 && self.max_end[k - 1] >= end
    }
}

/// The `>` lines of `text` that start at or before byte `limit`.
fn marker_lines(text: &str, limit: usize) -> Vec<QuoteSpan> {
    let mut out = Vec::new();
    let mut pos = 0;
    for line in text.split_inclusive('\n') {
        if pos > limit {
            break;
        }
        let trimmed = line.trim_start();
        if trimmed.starts_with('>') || trimmed.starts_with("&gt;") {
            let end = pos + line.trim_end().len();
            let words = trimmed.split_whitespace().count();
            out.push(QuoteSpan { start: pos, end, kind: QuoteKind::Marker, source: None, words });
        }
        pos += line.len();
    }
    out
}

/// First bytes of the opening marks of [`is_opening`] in UTF-8: `"`, `'`,
/// 0xC2 (`«`) and 0xE2 (`“`, `„`, `‘`, `‟`). All start a character.
static OPENING_LEAD: [bool; 256] = {
    let mut t = [false; 256];
    t[b'"' as usize] = true;
    t[b'\'' as usize] = true;
    t[0xC2] = true;
    t[0xE2] = true;
    t
};

/// First bytes of what [`closing`] looks for: a newline (`\n\n` ends the
/// paragraph), `"`, `'`, 0xC2 (`»`) and 0xE2 (`”`, `‟`, `’`). All start a
/// character.
static CLOSING_LEAD: [bool; 256] = {
    let mut t = [false; 256];
    t[b'\n' as usize] = true;
    t[b'"' as usize] = true;
    t[b'\'' as usize] = true;
    t[0xC2] = true;
    t[0xE2] = true;
    t
};

/// The first offset from `from` holding a byte of `OPENING_LEAD` (or of
/// `CLOSING_LEAD` when `closing`), or `bytes.len()`. Sixteen bytes at a
/// time, in branch-free code the compiler turns into vector instructions.
fn skip_to_lead(bytes: &[u8], from: usize, closing: bool) -> usize {
    let mut k = from;
    while let Some(block) = bytes.get(k..k + 16) {
        let mut hit = [0u8; 16];
        for (h, &c) in hit.iter_mut().zip(block) {
            let lead = (c == b'"') | (c == b'\'') | (c == 0xC2) | (c == 0xE2) | (closing & (c == b'\n'));
            *h = u8::from(lead).wrapping_neg();
        }
        let mask = u128::from_le_bytes(hit);
        if mask != 0 {
            return k + mask.trailing_zeros() as usize / 8;
        }
        k += 16;
    }
    let table = if closing { &CLOSING_LEAD } else { &OPENING_LEAD };
    k + bytes[k..].iter().position(|&b| table[b as usize]).unwrap_or(bytes.len() - k)
}

fn is_opening(c: char) -> bool {
    matches!(c, '"' | '“' | '„' | '«' | '‘' | '\'' | '‟')
}

/// An opening mark starts a word: nothing word-like before it, something
/// other than a space after it (so apostrophes and inch marks are skipped).
fn opens_here(bytes: &[u8], i: usize, len: usize, c: char) -> bool {
    let before_ok = i == 0 || !is_word_byte(bytes[i - 1]);
    let after = bytes.get(i + len).copied().unwrap_or(b' ');
    let after_ok = !after.is_ascii_whitespace();
    match c {
        '\'' | '‘' => before_ok && after_ok && after != b's',
        _ => after_ok || c != '"',
    }
}

/// Where the quotation opened by `open` ends: (end of body, end of closing
/// mark). Unclosed quotations run to the end of the paragraph.
fn closing(text: &str, from: usize, open: char) -> Option<(usize, usize)> {
    let bytes = text.as_bytes();
    let single = matches!(open, '\'' | '‘');
    let mut j = from;
    while j < text.len() {
        // Skip to the next byte that can matter (see `CLOSING_LEAD`).
        j = skip_to_lead(bytes, j, true);
        let Some(c) = text[j..].chars().next() else { break };
        let len = c.len_utf8();
        if text[j..].starts_with("\n\n") {
            return if single { None } else { Some((j, j)) };
        }
        let closes = match c {
            '”' | '"' | '»' | '‟' => !single || c == '"',
            // A single mark closes only when no letter follows (not `doesn’t`).
            '’' | '\'' => !bytes.get(j + len).is_some_and(|&b| is_word_byte(b)),
            _ => false,
        };
        if closes && j > from {
            return Some((j, j + len));
        }
        j += len;
    }
    if single {
        None
    } else {
        Some((text.len(), text.len()))
    }
}

/// The first source holding every piece of `body` (split at ellipses).
fn find_source(body: &str, sources: &[&Normalized]) -> Option<usize> {
    let norm = Normalized::new(body);
    let pieces: Vec<&str> = norm
        .text
        .split("...")
        .map(|p| p.trim_matches(|c: char| !c.is_alphanumeric()))
        .filter(|p| p.len() >= 3)
        .collect();
    if pieces.is_empty() {
        return None;
    }
    sources.iter().position(|s| pieces.iter().all(|p| s.text.contains(p)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opening_lead_bytes_cover_every_opening_mark() {
        let mut buf = [0u8; 4];
        let missed: Vec<char> = (0..=0x10FFFF)
            .filter_map(char::from_u32)
            .filter(|&c| is_opening(c) && !OPENING_LEAD[c.encode_utf8(&mut buf).as_bytes()[0] as usize])
            .collect();
        assert!(missed.is_empty(), "{missed:?}");
        assert_eq!(OPENING_LEAD.iter().filter(|&&b| b).count(), 4);
        let closing_marks = ['”', '"', '»', '‟', '’', '\'', '\n'];
        let missed: Vec<char> = closing_marks
            .into_iter()
            .filter(|c| !CLOSING_LEAD[c.encode_utf8(&mut buf).as_bytes()[0] as usize])
            .collect();
        assert!(missed.is_empty(), "{missed:?}");
    }

    /// The sixteen-byte search stops where the table search stops, from
    /// every offset of texts with every lead byte at every lane.
    #[test]
    fn lead_search_matches_the_tables() {
        let marks = ["\"", "'", "\u{ab}", "\u{201c}", "\u{2019}", "\n", "\u{e9}", "\u{a0}", "x"];
        for m in marks {
            for at in 0..40 {
                let text = format!("{}{m}{}{m}", "ab cd".repeat(8).get(..at).unwrap_or(""), "y".repeat(at % 17));
                let bytes = text.as_bytes();
                for from in 0..bytes.len() {
                    for (closing, table) in [(false, &OPENING_LEAD), (true, &CLOSING_LEAD)] {
                        let slow = (from..bytes.len()).find(|&k| table[bytes[k] as usize]).unwrap_or(bytes.len());
                        assert_eq!(skip_to_lead(bytes, from, closing), slow, "{text:?} from {from}");
                    }
                }
            }
        }
    }

    /// Spans up to a limit are exactly the full result's spans up to it.
    #[test]
    fn quotes_until_a_limit_are_a_prefix() {
        let parent = "he said the thing. They are \"rats\" and 'worse'";
        let text = "> quoted line\nHe said \u{201c}the thing\u{201d} and \"rats\"\n> more\n'worse' \u{ab}x\u{bb} it's";
        let full = find_quotes(text, &[parent]);
        let norm = Normalized::new(parent);
        for limit in 0..=text.len() + 1 {
            let part = find_quotes_until(text, &[&norm], limit);
            let expect: Vec<QuoteSpan> = full.iter().filter(|q| q.start <= limit).cloned().collect();
            assert_eq!(part, expect, "limit {limit}");
        }
        assert!(full.len() >= 5, "{full:?}");
    }

    #[test]
    fn marker_lines_are_quoted() {
        let text = "> you said this\n> and that\n\nMy answer.";
        let q = find_quotes(text, &[]);
        assert_eq!(q.len(), 2);
        assert_eq!(&text[q[0].start..q[0].end], "> you said this");
        assert_eq!(q[1].kind, QuoteKind::Marker);
        assert!(is_quoted(&q, 2, 5));
        assert!(!is_quoted(&q, text.len() - 3, text.len()));
    }

    #[test]
    fn quotations_need_a_source() {
        let parent = "The Russians apparently don’t realize that very few people care";
        let text =
            "“The Russians apparently don’t realize that very few people care” is wrong. Their \"evidence\" is weak.";
        let q = find_quotes(text, &["unrelated", parent]);
        assert_eq!(q.len(), 2);
        assert_eq!((q[0].kind, q[0].source), (QuoteKind::Quotation, Some(1)));
        assert_eq!((q[1].kind, &text[q[1].start..q[1].end]), (QuoteKind::Unsourced, "\"evidence\""));
        assert!(!is_quoted(&q, q[1].start + 1, q[1].end - 1));
    }

    #[test]
    fn apostrophes_are_not_quotes() {
        let text = "doesn't it? it's the kids' toys, 5' tall";
        assert!(find_quotes(text, &[text]).is_empty());
    }

    #[test]
    fn ellipses_split_the_quote() {
        let parent = "I think so. Later on he said it was all wrong and stupid.";
        let text = "\"I think so … he said it was all wrong\" he wrote";
        let q = find_quotes(text, &[parent]);
        assert_eq!(q[0].source, Some(0));
    }
}
