//! Folding comment text into the form the lexicons are written in, with a
//! byte-offset map back to the original so every finding's span is exact.
//!
//! [`Normalized::new`] lowercases; strips diacritics (NFKD, combining marks
//! dropped) and folds compatibility forms (fullwidth letters); maps common
//! Cyrillic and Greek look-alikes to Latin; turns curly quotes into ASCII;
//! drops zero-width characters and soft hyphens; reads leetspeak inside
//! words (`sh1t`, `b!tch`, `a55hole`); squeezes runs of three or more
//! identical letters (`stuuuupid` → `stupid`); collapses whitespace runs to
//! one space; joins spaced-out letters (`f u c k`, `i.d.i.o.t`); and, given
//! a vocabulary, unmasks words written with `*` (`cr*p`, `f**k`).
//!
//! # Complexity
//!
//! Linear in the input: one pass over the characters, one pass over the
//! tokens; masked tokens are compared only with vocabulary words of the
//! same length and first letter.

use std::collections::BTreeMap;

use unicode_normalization::char::{decompose_compatible, is_combining_mark};

/// Comment text in matching form, with a map back to the original bytes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Normalized {
    /// The folded text (lowercase, mostly ASCII).
    pub text: String,
    /// The offset map: segments of `text` in order (see [`Seg`]).
    segs: Vec<Seg>,
}

/// A run of normalized bytes from `norm` to the next segment's `norm`.
/// In an identity segment byte `norm + k` came from original byte
/// `orig + k` alone (ASCII copied one to one, the common case); in a block
/// segment every byte came from the original range `orig..orig_end` (a
/// multi-byte character, a squeezed run, an unmasked word).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Seg {
    norm: u32,
    orig: u32,
    orig_end: u32,
    identity: bool,
}

/// Words that masked tokens (`cr*p`) may stand for, by (first letter, length).
#[derive(Clone, Debug, Default)]
pub struct MaskVocabulary {
    words: BTreeMap<(u8, usize), Vec<String>>,
}

impl MaskVocabulary {
    /// A vocabulary of single lowercase ASCII words; other entries are ignored.
    /// When several words fit one mask, the first added wins.
    pub fn new<'a>(words: impl IntoIterator<Item = &'a str>) -> MaskVocabulary {
        let mut v = MaskVocabulary::default();
        for w in words {
            if w.len() >= 3 && w.bytes().all(|b| b.is_ascii_lowercase()) {
                let list = v.words.entry((w.as_bytes()[0], w.len())).or_default();
                if !list.iter().any(|x| x == w) {
                    list.push(w.to_string());
                }
            }
        }
        v
    }

    /// The word a masked token stands for: same length, same first letter,
    /// every `*` one letter, and at least two letters shown.
    pub fn unmask(&self, token: &[u8]) -> Option<&str> {
        let first = *token.first()?;
        if !first.is_ascii_lowercase() || token.iter().filter(|b| b.is_ascii_lowercase()).count() < 2 {
            return None;
        }
        let list = self.words.get(&(first, token.len()))?;
        list.iter().find(|w| w.bytes().zip(token.iter()).all(|(a, &b)| b == b'*' || a == b)).map(String::as_str)
    }
}

fn leet(b: u8) -> Option<u8> {
    Some(match b {
        b'0' => b'o',
        b'1' => b'i',
        b'3' => b'e',
        b'4' => b'a',
        b'5' => b's',
        b'7' => b't',
        b'@' => b'a',
        b'$' => b's',
        b'!' => b'i',
        _ => return None,
    })
}

/// Look-alike letters from other scripts, and a few letters NFKD keeps.
fn fold_special(c: char) -> Option<&'static str> {
    Some(match c {
        'а' | 'А' | 'α' | 'Α' => "a",
        'е' | 'Е' | 'ε' | 'Ε' => "e",
        'о' | 'О' | 'ο' | 'Ο' | 'ø' | 'Ø' => "o",
        'р' | 'Р' | 'ρ' | 'Ρ' => "p",
        'с' | 'С' => "c",
        'х' | 'Х' | 'χ' | 'Χ' => "x",
        'у' | 'У' => "y",
        'і' | 'І' | 'ι' | 'Ι' | 'ı' => "i",
        'к' | 'К' | 'κ' | 'Κ' => "k",
        'м' | 'М' => "m",
        'т' | 'Т' | 'τ' | 'Τ' => "t",
        'н' | 'Н' | 'η' | 'Η' => "h",
        'в' | 'В' | 'β' | 'Β' => "b",
        'ν' | 'Ν' => "v",
        'ß' => "ss",
        'æ' | 'Æ' => "ae",
        'œ' | 'Œ' => "oe",
        'ł' | 'Ł' => "l",
        'đ' | 'Đ' => "d",
        '\u{2018}' | '\u{2019}' | '\u{201B}' | '\u{2032}' | '`' | '´' => "'",
        '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '«' | '»' | '\u{2033}' => "\"",
        '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2013}' | '\u{2014}' | '\u{2212}' => "-",
        '\u{2026}' => "...",
        '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{00AD}' => "",
        _ => return None,
    })
}

/// True for bytes of a word in normalized text (ASCII alphanumerics and
/// any non-ASCII byte, which belongs to a non-Latin letter).
pub fn is_word_byte(b: u8) -> bool {
    BYTE_CLASS[b as usize] & WORD != 0
}

/// [`BYTE_CLASS`] bit: a word byte (see [`is_word_byte`]).
const WORD: u8 = 1;
/// [`BYTE_CLASS`] bit: an ASCII letter.
const LETTER: u8 = 2;
/// [`BYTE_CLASS`] bit: ASCII punctuation that folding copies as is (no leet reading).
const PLAIN_PUNCT: u8 = 4;

/// [`BYTE_CLASS`] bit: a separator of spaced-out letters (` `, `.`, `-`, `_`, `*`).
const SPACED_SEP: u8 = 8;

/// Byte classes as bits, one table lookup instead of several range checks
/// in the per-byte loops.
static BYTE_CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        if c.is_ascii_alphanumeric() || c >= 0x80 {
            t[b] |= WORD;
        }
        if c.is_ascii_alphabetic() {
            t[b] |= LETTER;
        }
        if c.is_ascii_punctuation() && !matches!(c, b'@' | b'$' | b'!') {
            t[b] |= PLAIN_PUNCT;
        }
        if matches!(c, b' ' | b'.' | b'-' | b'_' | b'*') {
            t[b] |= SPACED_SEP;
        }
        b += 1;
    }
    t
};

struct Builder {
    text: Vec<u8>,
    segs: Vec<Seg>,
    /// The last letter pushed stands for a squeezed run.
    run_squeezed: bool,
}

impl Builder {
    fn push(&mut self, b: u8, start: usize, end: usize) {
        self.push32(b, start as u32, end as u32);
    }

    fn push32(&mut self, b: u8, start: u32, end: u32) {
        let n = self.text.len() as u32;
        let extends = match self.segs.last() {
            Some(s) if s.identity => end == start + 1 && s.orig + (n - s.norm) == start,
            Some(s) => s.orig == start && s.orig_end == end,
            None => false,
        };
        if !extends {
            self.segs.push(Seg { norm: n, orig: start, orig_end: end, identity: end == start + 1 });
        }
        self.text.push(b);
    }

    /// Remove the last byte.
    fn pop(&mut self) {
        self.text.pop();
        let n = self.text.len() as u32;
        if self.segs.last().is_some_and(|s| s.norm >= n) {
            self.segs.pop();
        }
    }

    /// Make the last byte stand for original bytes up to `end`.
    fn extend_last(&mut self, end: u32) {
        let Some(k) = (self.text.len() as u32).checked_sub(1) else { return };
        let Some(last) = self.segs.last_mut() else { return };
        if !last.identity {
            last.orig_end = end;
            return;
        }
        let seg = Seg { norm: k, orig: last.orig + (k - last.norm), orig_end: end, identity: false };
        if last.norm == k {
            *last = seg;
        } else {
            self.segs.push(seg);
        }
    }

    fn push_str(&mut self, s: &str, start: usize, end: usize) {
        for b in s.bytes() {
            self.push(b, start, end);
        }
    }

    /// Push a folded letter, squeezing runs of 3+ identical letters to one.
    fn push_letter(&mut self, b: u8, start: usize, end: usize) {
        let n = self.text.len();
        if n >= 2 && self.text[n - 1] == b && self.text[n - 2] == b && b.is_ascii_alphabetic() {
            // A third identical letter: drop the second one and extend the first.
            let keep_end = end;
            self.pop();
            self.extend_last(keep_end as u32);
            self.run_squeezed = true;
            return;
        }
        if self.run_squeezed && n >= 1 && self.text[n - 1] == b {
            self.extend_last(end as u32);
            return;
        }
        self.run_squeezed = false;
        self.push(b, start, end);
    }
}

impl Builder {
    /// The block mask bits of the block's first two bytes, which depend on
    /// the bytes written before it (two spaces, three identical letters, a
    /// squeezed run going on) rather than on the source bytes before it.
    fn fix_block_start(&self, cur: &[u8; 16], low: &[u8; 16]) -> u128 {
        let n = self.text.len();
        let l1 = if n >= 1 { self.text[n - 1] } else { 0 };
        // An open squeezed run absorbs one more identical letter, as a
        // third identical letter would be.
        let l2 = if self.run_squeezed {
            l1
        } else if n >= 2 {
            self.text[n - 2]
        } else {
            0
        };
        let (c0, c1) = (cur[0], cur[1]);
        let (lc0, lc1) = (low[0], low[1]);
        let letter = |c: u8| c.wrapping_sub(b'a') < 26;
        let first = (c0 == b' ' && l1 == b' ') || (letter(lc0) && lc0 == l1 && lc0 == l2);
        let second = (c1 == b' ' && c0 == b' ') || (letter(lc1) && lc1 == lc0 && lc0 == l1);
        let special = |k: usize| (u128::from(special_byte(cur[k])) * 0xFF) << (8 * k);
        (u128::from(first) * 0xFF) | (u128::from(second) * 0xFF00) | special(0) | special(1)
    }

    /// Append the first `p` bytes of a folded block that starts at
    /// original offset `i`, one to one.
    fn copy_block(&mut self, low: &[u8; 16], p: usize, i: usize, follows_block: bool) {
        let (n, i) = (self.text.len() as u32, i as u32);
        // After a whole block the last segment is the identity one it extended.
        let extends = follows_block || self.segs.last().is_some_and(|s| s.identity && s.orig + (n - s.norm) == i);
        if !extends {
            self.segs.push(Seg { norm: n, orig: i, orig_end: i + 1, identity: true });
        }
        // Sixteen bytes written, the ones past `p` dropped again: a copy of
        // fixed length, no call.
        let len = self.text.len();
        self.text.extend_from_slice(low);
        self.text.truncate(len + p);
        self.run_squeezed = false;
    }

    /// Fold the character at `i` (any character, any context): returns
    /// the offset after it.
    fn slow_step(&mut self, src: &str, i: usize) -> usize {
        let bytes = src.as_bytes();
        let byte = bytes[i];
        if byte < 0x80 {
            let end = i + 1;
            if byte.is_ascii_alphabetic() {
                self.push_letter(byte.to_ascii_lowercase(), i, end);
            } else if byte.is_ascii_whitespace() {
                if self.text.last() != Some(&b' ') {
                    self.push(b' ', i, end);
                }
                self.run_squeezed = false;
            } else if let Some(l) = leet(byte).filter(|_| leet_here(&self.text, bytes, i, byte)) {
                self.push_letter(l, i, end);
            } else {
                self.run_squeezed = false;
                self.push(byte, i, end);
            }
            return end;
        }
        let Some(c) = src[i..].chars().next() else { return bytes.len() };
        let end = i + c.len_utf8();
        self.run_squeezed = false;
        if c.is_whitespace() {
            if self.text.last() != Some(&b' ') {
                self.push(b' ', i, end);
            }
            return end;
        }
        if let Some(s) = fold_special(c) {
            if s.len() == 1 && s.as_bytes()[0].is_ascii_alphabetic() {
                self.push_letter(s.as_bytes()[0], i, end);
            } else {
                self.push_str(s, i, end);
            }
            return end;
        }
        let mut buf = [0u8; 4];
        for lc in c.to_lowercase() {
            decompose_compatible(lc, |d| {
                if is_combining_mark(d) {
                    return;
                }
                if let Some(s) = fold_special(d) {
                    self.push_str(s, i, end);
                } else if d.is_ascii_alphabetic() {
                    self.push_letter(d.to_ascii_lowercase() as u8, i, end);
                } else {
                    self.push_str(d.encode_utf8(&mut buf), i, end);
                }
            });
        }
        end
    }
}

/// Offsets are u32: a comment over 4 GiB is cut at a char boundary.
fn cut_for_offsets(src: &str) -> &str {
    let mut cut = src.len().min(u32::MAX as usize - 1);
    while !src.is_char_boundary(cut) {
        cut -= 1;
    }
    &src[..cut]
}

/// The sixteen bytes at the start of `s` (at least sixteen long).
fn block16(s: &[u8]) -> &[u8; 16] {
    s.first_chunk().expect("a block has sixteen bytes")
}

/// The three blocks [`fold_block`] reads at `i` (`i < bytes.len()`) near
/// the text's ends: `bytes[i..i + 16]`, and the same starting one and two
/// bytes before; bytes outside `bytes` read as 0x80 (which the block step
/// never copies; the two bytes before the block only matter after a whole
/// block, so never at the start). Built in registers from loads of the
/// text, not stored to a buffer and read back at an offset (a wide load
/// over narrower stores waits for them: a store-forwarding stall, once
/// per comment at least).
fn edge_blocks(bytes: &[u8], i: usize) -> ([u8; 16], [u8; 16], [u8; 16]) {
    let n = bytes.len();
    let cur = if let Some(block) = bytes.get(i..).and_then(|rest| rest.first_chunk::<16>()) {
        u128::from_le_bytes(*block)
    } else if n >= 16 {
        // The text's last sixteen bytes, shifted down; 0x80 shifted in.
        let last = u128::from_le_bytes(*block16(&bytes[n - 16..]));
        let shift = 8 * (i + 16 - n) as u32;
        (last >> shift) | (HIGH_128 << (128 - shift))
    } else {
        bytes[i..].iter().rev().fold(HIGH_128, |x, &c| x << 8 | u128::from(c))
    };
    let before = |k: usize| i.checked_sub(k).map_or(0x80, |j| u128::from(bytes[j]));
    let prev = cur << 8 | before(1);
    let prev2 = cur << 16 | before(1) << 8 | before(2);
    (cur.to_le_bytes(), prev.to_le_bytes(), prev2.to_le_bytes())
}

/// `bytes[i - 2 .. i + 16]`; bytes outside `bytes` read as 0x80: the
/// padded copy [`edge_blocks`] replaced, for its test.
#[cfg(test)]
fn window(bytes: &[u8], i: usize) -> [u8; 18] {
    let mut win = [0x80u8; 18];
    let (lo, hi) = (i.saturating_sub(2), (i + 16).min(bytes.len()));
    win[2 - (i - lo)..2 + (hi - i)].copy_from_slice(&bytes[lo..hi]);
    win
}

/// Bytes the block step never copies: non-ASCII, control characters
/// (newlines and tabs among them), digits and `!`, `$`, `@` (leet or not
/// depends on the bytes around them).
fn special_byte(c: u8) -> bool {
    // Below 0x20 or from 0x80 on: one signed comparison.
    ((c as i8) < 0x20) | (c == b'!') | (c == b'$') | (c == b'@') | (c.wrapping_sub(b'0') < 10)
}

/// Fold sixteen bytes one to one: `cur` holds them, `prev` and `prev2`
/// the sixteen bytes starting one and two bytes before them. Returns the bytes lowercased; a mask
/// with 0xFF at every byte the slow step must take: a [`special_byte`], a
/// space after a space, a third identical letter; and the high bit at
/// every separator of spaced letters equal to the byte two before it (see
/// [`starts_spaced_run`]). Each byte's bits assume that every byte
/// before it in the block was copied one to one (for the first two bytes
/// [`Builder::fix_block_start`] gives the bits when that is not so).
/// Written without branches so that the compiler makes it sixteen-lane
/// vector code.
#[inline(always)]
fn fold_block(cur: &[u8; 16], prev: &[u8; 16], prev2: &[u8; 16]) -> ([u8; 16], u128, u128) {
    let mut low = [0u8; 16];
    let mut bad = [0u8; 16];
    let mut seps = [0u8; 16];
    for k in 0..16 {
        let (c, c1, c2) = (cur[k], prev[k], prev2[k]);
        let folded = c | 0x20;
        let letter = folded.wrapping_sub(b'a') < 26;
        // Same letter in either case: `c | 0x20` is a lowercase letter
        // only for ASCII letters.
        let triple = letter & (folded == (c1 | 0x20)) & (folded == (c2 | 0x20));
        let double_space = (c == b' ') & (c1 == b' ');
        let special = special_byte(c);
        low[k] = c | (u8::from(letter) << 5);
        bad[k] = u8::from(special | double_space | triple).wrapping_neg();
        let sep = (c == b' ') | (c == b'.') | (c == b'-') | (c == b'_') | (c == b'*');
        seps[k] = u8::from(sep & (c == c2)).wrapping_neg();
    }
    (low, u128::from_le_bytes(bad), u128::from_le_bytes(seps) & HIGH_128)
}

/// True when a run of spaced letters for [`Normalized::join_spaced_letters`]
/// may start three bytes before `m` in folded text `t`: every run starts
/// with a one-letter word, a separator, a letter and the same separator
/// again (`a b c d`, `i.d.i`), the second separator at `m`. When this holds
/// nowhere, joining changes nothing.
fn starts_spaced_run(t: &[u8], m: usize) -> bool {
    m >= 3
        && m < t.len()
        && BYTE_CLASS[t[m] as usize] & SPACED_SEP != 0
        && t[m - 2] == t[m]
        && t[m - 1].is_ascii_lowercase()
        && t[m - 3].is_ascii_lowercase()
        && (m == 3 || !is_word_byte(t[m - 4]))
}

impl Normalized {
    /// Fold `src` without unmasking.
    pub fn new(src: &str) -> Normalized {
        Normalized::with_vocabulary(src, None)
    }

    /// Fold `src`, unmasking `*` words against `vocab` when given.
    pub fn with_vocabulary(src: &str, vocab: Option<&MaskVocabulary>) -> Normalized {
        // Room for a segment per 32 bytes (most comments need fewer): the
        // segment list then seldom grows.
        let segs = Vec::with_capacity(src.len() / 32 + 8);
        // Sixteen bytes of room for the block copy's overshoot.
        let mut b = Builder { text: Vec::with_capacity(src.len() + 16), segs, run_squeezed: false };
        let src = cut_for_offsets(src);
        let bytes = src.as_bytes();
        let mut i = 0;
        // True when the last two bytes written are `bytes[i - 2]` and
        // `bytes[i - 1]` folded one to one (a whole block was just copied).
        let mut follows_block = false;
        // A run of spaced letters may start somewhere (see `starts_spaced_run`):
        // checked at every separator written two bytes after the same one.
        let mut spaced = false;
        while i < bytes.len() {
            // Fast path: sixteen bytes at a time, copied one to one after
            // lowercasing up to the first byte the block step may not copy
            // (see `fold_block`); that byte takes the slow step below.
            // Read straight from the text (three overlapping loads) when the
            // window lies inside it; built in registers at its ends.
            let (low, mut bad, mut seps, cur) = match bytes.get(i.wrapping_sub(2)..i + 16) {
                Some(w) => {
                    let (cur, prev, prev2) = (block16(&w[2..]), block16(&w[1..17]), block16(&w[..16]));
                    let (low, bad, seps) = fold_block(cur, prev, prev2);
                    (low, bad, seps, *cur)
                }
                None => {
                    let (cur, prev, prev2) = edge_blocks(bytes, i);
                    let (low, bad, seps) = fold_block(&cur, &prev, &prev2);
                    (low, bad, seps, cur)
                }
            };
            if !follows_block {
                bad = (bad & !0xFFFF) | b.fix_block_start(&cur, &low);
                seps &= !0xFFFF;
            }
            let p = if bad == 0 { 16 } else { bad.trailing_zeros() as usize / 8 };
            if p > 0 {
                let n0 = b.text.len();
                b.copy_block(&low, p, i, follows_block);
                if !spaced {
                    if p < 16 {
                        seps &= (1u128 << (8 * p)) - 1;
                    }
                    if !follows_block {
                        spaced = (n0..n0 + p.min(2)).any(|m| starts_spaced_run(&b.text, m));
                    }
                    while seps != 0 && !spaced {
                        spaced = starts_spaced_run(&b.text, n0 + seps.trailing_zeros() as usize / 8);
                        seps &= seps - 1;
                    }
                }
                i += p;
                if p == 16 {
                    follows_block = true;
                    continue;
                }
            }
            follows_block = false;
            if i < bytes.len() {
                let n0 = b.text.len();
                i = b.slow_step(src, i);
                spaced = spaced || (n0..b.text.len()).any(|m| starts_spaced_run(&b.text, m));
            }
        }
        let mut n = Normalized {
            // Every byte pushed is ASCII or a whole char's UTF-8 encoding.
            text: String::from_utf8(b.text).unwrap_or_default(),
            segs: b.segs,
        };
        if spaced {
            n.join_spaced_letters();
        }
        if let Some(v) = vocab {
            n.unmask(v);
        }
        n
    }

    /// The folding as it was before the sixteen-byte step: the reference
    /// the tests hold [`Normalized::with_vocabulary`] to.
    #[cfg(test)]
    fn with_vocabulary_reference(src: &str, vocab: Option<&MaskVocabulary>) -> Normalized {
        let mut b = Builder { text: Vec::with_capacity(src.len()), segs: Vec::new(), run_squeezed: false };
        let src = cut_for_offsets(src);
        let bytes = src.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            if !b.text.last().is_some_and(u8::is_ascii_alphabetic) {
                // Fast path: a run of ASCII letters, single spaces and
                // punctuation that folding leaves alone (not leet, not
                // digits) maps one to one after lowercasing. The run stops
                // before three identical letters, which the slow path
                // squeezes; the scan stops there too, so it stays linear.
                let j = plain_run(bytes, i, b.text.last().copied());
                if j > i {
                    b.push32(bytes[i].to_ascii_lowercase(), i as u32, i as u32 + 1);
                    let from = b.text.len();
                    b.text.extend_from_slice(&bytes[i + 1..j]);
                    b.text[from..].make_ascii_lowercase();
                    b.run_squeezed = false;
                    i = j;
                    continue;
                }
            }
            // The character-by-character step, shared with the new loop.
            i = b.slow_step(src, i);
        }
        let mut n = Normalized {
            // Every byte pushed is ASCII or a whole char's UTF-8 encoding.
            text: String::from_utf8(b.text).unwrap_or_default(),
            segs: b.segs,
        };
        n.join_spaced_letters();
        if let Some(v) = vocab {
            n.unmask(v);
        }
        n
    }

    /// Map a byte span of [`Normalized::text`] back to the original text.
    /// The result always lies on character boundaries of the original.
    pub fn original_span(&self, start: usize, end: usize) -> (usize, usize) {
        let len = self.text.len();
        if start >= end || start >= len {
            let at = if start < len { self.start_of(start) } else { len.checked_sub(1).map_or(0, |k| self.end_of(k)) };
            return (at, at);
        }
        (self.start_of(start), self.end_of(end.min(len) - 1))
    }

    /// Map an original byte offset to the first normalized byte at or after it.
    pub fn normalized_offset(&self, original: usize) -> usize {
        // Starts never decrease, so binary search over byte indices.
        let (mut lo, mut hi) = (0, self.text.len());
        while lo < hi {
            let mid = (lo + hi) / 2;
            if self.start_of(mid) < original {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        lo
    }

    fn seg(&self, k: usize) -> &Seg {
        let i = self.segs.partition_point(|s| s.norm as usize <= k);
        &self.segs[i.saturating_sub(1)]
    }

    /// Original start of normalized byte `k` (`k < text.len()`).
    fn start_of(&self, k: usize) -> usize {
        let s = self.seg(k);
        if s.identity {
            (s.orig as usize) + (k - s.norm as usize)
        } else {
            s.orig as usize
        }
    }

    /// Original end of normalized byte `k` (`k < text.len()`).
    fn end_of(&self, k: usize) -> usize {
        let s = self.seg(k);
        if s.identity {
            (s.orig as usize) + (k - s.norm as usize) + 1
        } else {
            s.orig_end as usize
        }
    }

    /// Join runs of single letters separated by one repeated separator
    /// (`f u c k`, `i.d.i.o.t`, `s-h-i-t`): at least 4 letters for spaces,
    /// 3 for `.`, `-`, `_`, `*`.
    fn join_spaced_letters(&mut self) {
        let t = self.text.as_bytes();
        let n = t.len();
        let mut runs: Vec<(usize, usize, u8)> = Vec::new();
        let mut i = 0;
        while i < n {
            // Only a one-letter word followed by a separator can start a
            // run: go straight to the next one.
            i = next_single_letter(t, i);
            if i >= n {
                break;
            }
            if !is_word_byte(t[i]) {
                i += 1;
                continue;
            }
            let mut w = i + 1;
            while w < n && is_word_byte(t[w]) {
                w += 1;
            }
            if w - i != 1 || !t[i].is_ascii_lowercase() || i + 2 >= n {
                i = w;
                continue;
            }
            let sep = t[i + 1];
            if !matches!(sep, b' ' | b'.' | b'-' | b'_' | b'*') {
                i += 1;
                continue;
            }
            let mut letters = 1;
            let mut j = i;
            while j + 2 < n + 1
                && j + 1 < n
                && t[j + 1] == sep
                && j + 2 < n
                && t[j + 2].is_ascii_lowercase()
                && (j + 3 >= n || !is_word_byte(t[j + 3]))
            {
                j += 2;
                letters += 1;
            }
            let need = if sep == b' ' { 4 } else { 3 };
            if letters >= need {
                runs.push((i, j + 1, sep));
            }
            i = j + 1;
        }
        if runs.is_empty() {
            return;
        }
        let mut out = Builder { text: Vec::with_capacity(n), segs: Vec::new(), run_squeezed: false };
        let mut k = 0;
        for (s, e, sep) in runs {
            self.copy_to(&mut out, k..s, None);
            self.copy_to(&mut out, s..e, Some(sep));
            k = e;
        }
        self.copy_to(&mut out, k..n, None);
        self.replace(out);
    }

    /// Replace masked tokens (`cr*p`) by the vocabulary word they stand for.
    fn unmask(&mut self, vocab: &MaskVocabulary) {
        if memchr::memchr(b'*', self.text.as_bytes()).is_none() {
            return;
        }
        let t = self.text.as_bytes();
        let n = t.len();
        let found = masked_tokens(t, vocab);
        if found.is_empty() {
            return;
        }
        let mut out = Builder { text: Vec::with_capacity(n), segs: Vec::new(), run_squeezed: false };
        let mut k = 0;
        for (s, e, w) in found {
            self.copy_to(&mut out, k..s, None);
            let (s0, e0) = (self.start_of(s) as u32, self.end_of(e - 1) as u32);
            for wb in w.bytes() {
                out.push32(wb, s0, e0);
            }
            k = e;
        }
        self.copy_to(&mut out, k..n, None);
        self.replace(out);
    }

    /// Copy normalized bytes `range` (skipping `skip`) with their offsets.
    fn copy_to(&self, out: &mut Builder, range: std::ops::Range<usize>, skip: Option<u8>) {
        let t = self.text.as_bytes();
        if skip.is_some() {
            for k in range {
                if Some(t[k]) != skip {
                    out.push32(t[k], self.start_of(k) as u32, self.end_of(k) as u32);
                }
            }
            return;
        }
        // Segment by segment: the first byte of each piece goes through
        // `push32` (which opens or extends a segment), the rest follow it.
        let mut k = range.start;
        while k < range.end {
            let i = self.segs.partition_point(|s| s.norm as usize <= k).saturating_sub(1);
            let seg_end = self.segs.get(i + 1).map_or(t.len(), |s| s.norm as usize);
            let piece_end = seg_end.min(range.end);
            out.push32(t[k], self.start_of(k) as u32, self.end_of(k) as u32);
            out.text.extend_from_slice(&t[k + 1..piece_end]);
            k = piece_end;
        }
    }

    fn replace(&mut self, b: Builder) {
        self.text = String::from_utf8(b.text).unwrap_or_default();
        self.segs = b.segs;
    }
}

/// A byte of a token [`Normalized::unmask`] reads: `[a-z*]`.
fn mask_token_byte(c: u8) -> bool {
    c.is_ascii_lowercase() || c == b'*'
}

/// The masked tokens of folded text `t` that `vocab` unmasks, in order, as
/// (token start, end of the masked core, word). A token is a run of
/// `[a-z*]` at the start of the text or after a byte that is not a word
/// byte, not followed by a word byte; its trailing `*` are footnote marks
/// or emphasis, not masks. Only the runs around a `*` are read (found with
/// `memchr`): most of a text with a `*` in it is not looked at.
fn masked_tokens<'v>(t: &[u8], vocab: &'v MaskVocabulary) -> Vec<(usize, usize, &'v str)> {
    let n = t.len();
    let mut found = Vec::new();
    // The end of the last run read: stars before it were in it.
    let mut done = 0;
    for q in memchr::memchr_iter(b'*', t) {
        if q < done {
            continue;
        }
        let mut i = q;
        while i > 0 && mask_token_byte(t[i - 1]) {
            i -= 1;
        }
        let mut j = q + 1;
        while j < n && mask_token_byte(t[j]) {
            j += 1;
        }
        done = j;
        if (i > 0 && is_word_byte(t[i - 1])) || (j < n && is_word_byte(t[j])) {
            continue;
        }
        let tok = &t[i..j];
        let core_end = tok.iter().rposition(|&b| b != b'*').map_or(0, |p| p + 1);
        let core = &tok[..core_end];
        if core.contains(&b'*') {
            if let Some(w) = vocab.unmask(core) {
                found.push((i, i + core_end, w));
            }
        }
    }
    found
}

/// [`masked_tokens`] as it was, a byte loop over the whole text: the
/// reference for its test.
#[cfg(test)]
fn masked_tokens_reference<'v>(t: &[u8], vocab: &'v MaskVocabulary) -> Vec<(usize, usize, &'v str)> {
    let n = t.len();
    // (token start, end of the masked core, word)
    let mut found: Vec<(usize, usize, &str)> = Vec::new();
    let mut i = 0;
    while i < n {
        let starts_token =
            (t[i].is_ascii_lowercase() || t[i] == b'*') && (i == 0 || !(is_word_byte(t[i - 1]) || t[i - 1] == b'*'));
        if !starts_token {
            i += 1;
            continue;
        }
        let mut j = i;
        while j < n && (t[j].is_ascii_lowercase() || t[j] == b'*') {
            j += 1;
        }
        let tok = &t[i..j];
        let word_follows = j < n && is_word_byte(t[j]);
        if !word_follows && tok.contains(&b'*') {
            // Trailing `*` are footnote marks or emphasis, not masks.
            let core_end = tok.iter().rposition(|&b| b != b'*').map_or(0, |p| p + 1);
            let core = &tok[..core_end];
            if core.contains(&b'*') {
                if let Some(w) = vocab.unmask(core) {
                    found.push((i, i + core_end, w));
                }
            }
        }
        i = j.max(i + 1);
    }
    found
}

/// The first offset from `from` holding a one-letter lowercase word
/// followed by a separator of spaced letters (`f u c k`, `i.d.i.o.t`), or
/// `t.len()`.
fn next_single_letter(t: &[u8], from: usize) -> usize {
    let is_start = |k: usize| {
        k + 1 < t.len()
            && BYTE_CLASS[t[k + 1] as usize] & SPACED_SEP != 0
            && t[k].is_ascii_lowercase()
            && (k == 0 || !is_word_byte(t[k - 1]))
    };
    let mut k = from;
    // Eight bytes at once: only a word byte between two non-word bytes
    // can start a run; most blocks have none.
    while let Some(block) = t.get(k..).and_then(|rest| rest.first_chunk::<8>()) {
        let nonword = |b: u8| u64::from(!is_word_byte(b)) << 7;
        let before = if k == 0 { 1 << 7 } else { nonword(t[k - 1]) };
        let after = t.get(k + 8).map_or(0, |&b| nonword(b) << 56);
        let n = nonword_bytes(u64::from_le_bytes(*block));
        let mut single = ((n << 8) | before) & !n & ((n >> 8) | after) & HIGH;
        while single != 0 {
            let at = k + single.trailing_zeros() as usize / 8;
            if is_start(at) {
                return at;
            }
            single &= single - 1;
        }
        k += 8;
    }
    (k..t.len()).find(|&k| is_start(k)).unwrap_or(t.len())
}

/// High bit set in the bytes of `w` that are not word bytes (see
/// [`is_word_byte`]: ASCII alphanumerics and every byte from 0x80).
pub(crate) fn nonword_bytes(w: u64) -> u64 {
    let v = w & !HIGH;
    let l = v | splat(0x20);
    let letter = (l + splat(0x80 - 0x61)) & !(l + splat(0x80 - 0x7b));
    let digit = (v + splat(0x80 - 0x30)) & !(v + splat(0x80 - 0x3a));
    !(w | letter | digit) & HIGH
}

#[cfg(test)]
/// End of the run of bytes from `i` that fold one to one: ASCII letters,
/// punctuation without a leet reading, and single spaces (`prev` is the
/// last byte already written). The run ends before a byte outside that
/// set, before a second space, and before three identical letters.
fn plain_run(bytes: &[u8], i: usize, prev: Option<u8>) -> usize {
    let mut j = i;
    let mut last = prev.unwrap_or(0);
    let (mut prev_letter, mut same) = (0u8, 0u32);
    while j < bytes.len() {
        // Eight bytes at once while they are letters and single spaces
        // with no third identical letter; anything else goes byte by byte
        // for the next eight bytes, which decide exactly as before.
        while let Some(block) = bytes.get(j..j + 8) {
            let Some(next) = plain_block(block, last, prev_letter, same) else { break };
            (last, prev_letter, same) = next;
            j += 8;
        }
        let stop = (j + 8).min(bytes.len());
        while j < stop {
            match plain_byte(bytes[j], last, prev_letter, same) {
                Ok(next) => (prev_letter, same) = next,
                Err(back) => return j - back,
            }
            last = bytes[j];
            j += 1;
        }
    }
    j
}

#[cfg(test)]
/// [`plain_run`]'s step over byte `c` (`last` is the byte before it,
/// `prev_letter` the last letter folded or 0, `same` the identical letters
/// ending there): the new (`prev_letter`, `same`), or `Err(k)` when the
/// run ends `k` bytes before `c` (0: before a byte outside the set or a
/// second space; 2: before three identical letters).
fn plain_byte(c: u8, last: u8, prev_letter: u8, same: u32) -> Result<(u8, u32), usize> {
    let class = BYTE_CLASS[c as usize];
    if class & LETTER != 0 {
        if c | 0x20 != prev_letter {
            return Ok((c | 0x20, 1));
        }
        return if same + 1 == 3 { Err(2) } else { Ok((prev_letter, same + 1)) };
    }
    if (c == b' ' && last == b' ') || (c != b' ' && class & PLAIN_PUNCT == 0) {
        return Err(0);
    }
    Ok((0, 0))
}

/// High bit of every byte of a 16-byte block.
const HIGH_128: u128 = 0x8080_8080_8080_8080_8080_8080_8080_8080;

/// High bit of every byte of a word.
const HIGH: u64 = 0x8080_8080_8080_8080;
/// Every byte of a word set to `b`.
const fn splat(b: u8) -> u64 {
    (b as u64) * 0x0101_0101_0101_0101
}

#[cfg(test)]
/// High bit set in the bytes of `x` that are not zero (bytes below 0x80).
fn nonzero_bytes(x: u64) -> u64 {
    (((x & !HIGH) + !HIGH) | x) & HIGH
}

#[cfg(test)]
/// [`plain_run`]'s step over eight bytes, all ASCII letters or spaces,
/// with no two spaces in a row and no three identical letters (counting
/// the run state before them). Returns the state after them: (last byte,
/// last letter folded or 0, identical letters ending there); `None` when
/// the block does not qualify.
fn plain_block(block: &[u8], last: u8, prev_letter: u8, same: u32) -> Option<(u8, u8, u32)> {
    let mut word = [0u8; 8];
    word.copy_from_slice(block);
    let w = u64::from_le_bytes(word);
    if w & HIGH != 0 {
        return None;
    }
    let l = w | splat(0x20);
    // Letters: `l` in 0x61..=0x7a (no carries: every byte is below 0x80).
    let letter = (l + splat(0x80 - 0x61)) & !(l + splat(0x80 - 0x7b)) & HIGH;
    let space = !nonzero_bytes(w ^ splat(b' ')) & HIGH;
    if letter | space != HIGH || space & ((space << 8) | u64::from(last == b' ') << 7) != 0 {
        return None;
    }
    // The byte before each byte, and the one before that, with the run
    // state standing in for the bytes before the block (0: no letter).
    let p1_in = if same >= 1 { u64::from(prev_letter) } else { 0 };
    let p2_in = if same >= 2 { u64::from(prev_letter) } else { 0 };
    let p1 = (l << 8) | p1_in;
    let p2 = (l << 16) | (p1_in << 8) | p2_in;
    let triple = !nonzero_bytes(l ^ p1) & !nonzero_bytes(l ^ p2) & letter;
    if triple != 0 {
        return None;
    }
    let (c7, c6) = (block[7], block[6]);
    if c7 == b' ' {
        return Some((c7, 0, 0));
    }
    let twice = c6 != b' ' && (c6 | 0x20) == (c7 | 0x20);
    Some((c7, c7 | 0x20, if twice { 2 } else { 1 }))
}

/// Is the leet character `byte` at original offset `i` part of a word?
/// Inside a word (letter before, letter or leet after) it is; `$` and
/// digits also at the start of a word when a letter follows (`$hit`,
/// `1d10t`). `!` ending a word stays punctuation.
fn leet_here(out: &[u8], src: &[u8], i: usize, byte: u8) -> bool {
    let prev_letter = out.last().is_some_and(|b| b.is_ascii_lowercase());
    let next = src.get(i + 1).copied().unwrap_or(b' ');
    let next_ok = next.is_ascii_alphabetic() || (leet(next).is_some() && next != b'!');
    if prev_letter {
        return next_ok;
    }
    // At the start of a word: `$hit`, `1d10t`, `5hit` (a digit or `$`
    // followed by a letter).
    (byte == b'$' || byte.is_ascii_digit())
        && next.is_ascii_alphabetic()
        && !out.last().is_some_and(|&b| is_word_byte(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (input, normalized text, a normalized substring, its original text)
    const CASES: &[(&str, &str, &str, &str)] = &[
        ("You MORON", "you moron", "moron", "MORON"),
        ("Dirty Jéws", "dirty jews", "jews", "Jéws"),
        ("stuuuupid idiot", "stupid idiot", "stupid", "stuuuupid"),
        ("sh1t and b!tch", "shit and bitch", "bitch", "b!tch"),
        ("a55hole", "asshole", "asshole", "a55hole"),
        ("bullshit! ok", "bullshit! ok", "bullshit", "bullshit"),
        ("you  are\n\nf u c k i n g dumb", "you are fucking dumb", "fucking", "f u c k i n g"),
        // A leading one-letter word joins the run: a known limit.
        ("a f u c k", "afuck", "afuck", "a f u c k"),
        ("i.d.i.o.t", "idiot", "idiot", "i.d.i.o.t"),
        // Every separator.
        ("s-h-i-t happens", "shit happens", "shit", "s-h-i-t"),
        ("so f_u_c_k that", "so fuck that", "fuck", "f_u_c_k"),
        ("so d*u*m*b", "so dumb", "dumb", "d*u*m*b"),
        ("уоu (cyrillic)", "you (cyrillic)", "you", "уоu"),
        ("ＩＤＩＯＴ", "idiot", "idiot", "ＩＤＩＯＴ"),
        ("you’re", "you're", "you're", "you’re"),
        ("fuuuuu", "fu", "fu", "fuuuuu"),
        ("1000% and 2nd", "1000% and 2nd", "1000", "1000"),
        ("straße", "strasse", "strasse", "straße"),
        ("id\u{200B}iot", "idiot", "idiot", "id\u{200B}iot"),
        // The one-to-one fast path: capitals, punctuation, single spaces;
        // it stops before a squeezed run and before a second space.
        ("Heeeello, Sir. YES", "hello, sir. yes", "hello", "Heeeello"),
        ("Look:  BAAAD idea", "look: bad idea", "bad", "BAAAD"),
        ("(Dumb) 'Ass' $hit", "(dumb) 'ass' shit", "shit", "$hit"),
    ];

    #[test]
    fn folds_and_maps_back() {
        let mut failures = Vec::new();
        for &(input, norm, sub, orig) in CASES {
            let n = Normalized::new(input);
            if n.text != norm {
                failures.push(format!("{input:?}: normalized {:?}, expected {norm:?}", n.text));
                continue;
            }
            let at = n.text.find(sub).unwrap_or(0);
            let (s, e) = n.original_span(at, at + sub.len());
            if &input[s..e] != orig {
                failures.push(format!("{input:?}: {sub:?} maps to {:?}, expected {orig:?}", &input[s..e]));
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    #[test]
    fn unmasks_against_vocabulary() {
        let v = MaskVocabulary::new(["crap", "fuck", "shit", "slut"]);
        let src = "beat the cr*p out of them, f**k, s**t and foot*";
        let n = Normalized::with_vocabulary(src, Some(&v));
        assert_eq!(n.text, "beat the crap out of them, fuck, shit and foot*");
        let at = n.text.find("crap").unwrap();
        let (s, e) = n.original_span(at, at + 4);
        assert_eq!(&src[s..e], "cr*p");
        // One letter shown is too little to guess.
        assert_eq!(Normalized::with_vocabulary("f***", Some(&v)).text, "f***");
    }

    #[test]
    fn spaced_letters_need_a_run() {
        assert_eq!(Normalized::new("I a m here").text, "i a m here");
        assert_eq!(Normalized::new("e.g. this").text, "e.g. this");
        assert_eq!(Normalized::new("U.S.A. and").text, "usa. and");
    }

    /// The eight-byte step decides exactly as the byte step: every run end
    /// agrees with a byte-by-byte run on texts built to hit the
    /// edges (spaces, triples and punctuation at every offset).
    #[test]
    fn plain_blocks_match_the_byte_loop() {
        fn reference(bytes: &[u8], i: usize, prev: Option<u8>) -> usize {
            let (mut last, mut prev_letter, mut same) = (prev.unwrap_or(0), 0u8, 0u32);
            for (j, &c) in bytes.iter().enumerate().skip(i) {
                match plain_byte(c, last, prev_letter, same) {
                    Ok(next) => (prev_letter, same) = next,
                    Err(back) => return j - back,
                }
                last = c;
            }
            bytes.len()
        }
        let pieces = ["ab", "aa", "AaA", " ", "  ", "x", "Ooo", "bB", "z", ",", "e1", "oo ", "\u{e9}", "Ll", "q"];
        let mut checked = 0;
        for a in 0..pieces.len() {
            for b in 0..pieces.len() {
                for c in 0..pieces.len() {
                    for pad in 0..9 {
                        let text =
                            format!("{}{}{}{}{}", "word ".repeat(pad), pieces[a], pieces[b], pieces[c], pieces[a]);
                        let bytes = text.as_bytes();
                        for i in 0..bytes.len() {
                            for prev in [None, Some(b' '), Some(b'x')] {
                                assert_eq!(plain_run(bytes, i, prev), reference(bytes, i, prev), "{text:?} from {i}");
                                checked += 1;
                            }
                        }
                    }
                }
            }
        }
        assert!(checked > 100_000, "{checked}");
    }

    /// The eight-byte search for one-letter words finds what a byte-by-byte
    /// search finds, from every offset of texts with words at every offset.
    #[test]
    fn single_letter_search_matches_bytewise() {
        let texts = ["a b", "so f u c k it", "x.y.z and i-d-i-o-t", "A b c", "\u{e9} a_b 9 q*r", "ab cd e", "a"];
        for base in texts {
            for pad in 0..10 {
                let text = format!("{}{base}{}", "w".repeat(pad), " yy".repeat(pad));
                let t = text.as_bytes();
                for from in 0..t.len() {
                    let slow = (from..t.len())
                        .find(|&k| {
                            k + 1 < t.len()
                                && matches!(t[k + 1], b' ' | b'.' | b'-' | b'_' | b'*')
                                && t[k].is_ascii_lowercase()
                                && (k == 0 || !is_word_byte(t[k - 1]))
                        })
                        .unwrap_or(t.len());
                    assert_eq!(next_single_letter(t, from), slow, "{text:?} from {from}");
                }
            }
        }
        for b in 0..=255u8 {
            let w = u64::from_le_bytes([b, b'a', b, b'0', b, 0x80, b, b' ']);
            let expect: u64 = [b, b'a', b, b'0', b, 0x80, b, b' ']
                .iter()
                .enumerate()
                .map(|(i, &x)| u64::from(!is_word_byte(x)) << (8 * i + 7))
                .sum();
            assert_eq!(nonword_bytes(w), expect, "byte {b:#x}");
        }
    }

    /// Pieces that put every kind of byte the folding treats specially
    /// next to each other: capitals, triples, squeezed runs, spaces and
    /// other whitespace, leet, digits, masks, spaced letters, multi-byte
    /// characters (curly quotes, dashes, ellipsis, look-alikes, zero width,
    /// no-break space, characters that fold to several bytes).
    const PIECES: &[&str] = &[
        "a",
        "b",
        "I",
        "AaA",
        "aaa",
        "ooo",
        "Ll",
        "zz",
        " ",
        "  ",
        "\n",
        "\n\n",
        "\t",
        "\r\n",
        "x",
        "word",
        "sh1t",
        "$hit",
        "b!tch",
        "!",
        "!!",
        "@",
        "0",
        "1",
        "7",
        "2",
        "1000",
        "a55",
        "e.g.",
        ",",
        ".",
        "'",
        "\"",
        "*",
        "cr*p",
        "f**k",
        "-",
        "_",
        "f u c k",
        "i.d.i.o.t",
        "s-h-i-t",
        "\u{e9}",
        "\u{2019}",
        "\u{201c}",
        "\u{2014}",
        "\u{2026}",
        "\u{430}",
        "\u{200b}",
        "\u{a0}",
        "\u{df}",
        "\u{bd}",
        "\u{ff29}",
        "\u{1f600}",
        "\u{7f}",
        "\u{1}",
        "Y",
        "You",
        "MORON",
    ];

    /// A fixed linear congruential sequence: random-looking, repeatable;
    /// each call gives a number below its argument.
    fn lcg(mut seed: u64) -> impl FnMut(usize) -> usize {
        move |n| {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            (seed >> 33) as usize % n
        }
    }

    /// The texts of the reddit bodies fixture.
    fn reddit_texts() -> Vec<String> {
        let reddit = std::fs::read_to_string("fixtures/hostility/civil/reddit_bodies.jsonl").unwrap();
        reddit
            .lines()
            .map(|line| serde_json::from_str::<serde_json::Value>(line).unwrap()["text"].as_str().unwrap().to_string())
            .collect()
    }

    fn vocabulary() -> MaskVocabulary {
        MaskVocabulary::new(["crap", "fuck", "shit", "idiot", "dumb"])
    }

    fn check_same(text: &str, v: &MaskVocabulary, failures: &mut Vec<String>) {
        for vocab in [None, Some(v)] {
            let fast = Normalized::with_vocabulary(text, vocab);
            let slow = Normalized::with_vocabulary_reference(text, vocab);
            if fast != slow && failures.len() < 20 {
                failures.push(format!("{text:?}: {:?} vs reference {:?}", fast.text, slow.text));
            }
        }
    }

    /// The sixteen-byte step gives exactly the text and offset map of the
    /// folding before it, on the seed and cmv comments, the reddit bodies,
    /// and all of them joined.
    #[test]
    fn block_step_matches_the_reference_on_real_text() {
        let mut texts = crate::analysis::fixture_comment_texts();
        texts.extend(reddit_texts());
        assert!(texts.len() > 1_300, "{}", texts.len());
        let v = vocabulary();
        let mut failures = Vec::new();
        for t in &texts {
            check_same(t, &v, &mut failures);
        }
        check_same(&texts.join("\n"), &v, &mut failures);
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    /// The same on built texts: every pair of pieces at every offset of a
    /// block, and random sequences of pieces; plus empty and 1 MB texts.
    #[test]
    fn block_step_matches_the_reference_on_edges() {
        let v = vocabulary();
        let mut failures = Vec::new();
        let mut checked = 0;
        for a in PIECES {
            for b in PIECES {
                for pad in 0..17 {
                    let lead = if pad % 2 == 0 { "x" } else { "Ab " };
                    let text = format!("{}{a}{b}{a}{}", lead.repeat(pad / 2 + pad % 2), "q".repeat(pad));
                    check_same(&text, &v, &mut failures);
                    checked += 1;
                }
            }
        }
        let mut next = lcg(0x2545_f491_4f6c_dd1d);
        for _ in 0..20_000 {
            let len = next(40);
            let text: String = (0..len).map(|_| PIECES[next(PIECES.len())]).collect();
            check_same(&text, &v, &mut failures);
            checked += 1;
        }
        check_same("", &v, &mut failures);
        let big: String = (0..40_000).map(|_| PIECES[next(PIECES.len())]).collect::<String>().repeat(12);
        assert!(big.len() > 1_000_000, "{}", big.len());
        check_same(&big, &v, &mut failures);
        assert!(failures.is_empty(), "{}", failures.join("\n"));
        assert!(checked > 50_000, "{checked}");
    }

    /// Every byte value at every lane of a block, after a block copied
    /// whole and after a slow step.
    #[test]
    fn block_step_matches_the_reference_byte_by_byte() {
        let v = vocabulary();
        let mut failures = Vec::new();
        for c in (0u8..0x80).map(char::from).chain(['\u{e9}', '\u{2019}', 'Z']) {
            for at in 0..34 {
                for base in ["abcdefghijklmnopqrstuvwxyzABCDEFGHIJ kl mn op", "aab bba cc  dd\nee ff"] {
                    let mut text: String = base.chars().take(at).collect();
                    text.push(c);
                    text.push_str(&base[at.min(base.len())..]);
                    check_same(&text, &v, &mut failures);
                    check_same(&format!("\u{e9}{text}"), &v, &mut failures);
                }
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    /// The blocks built in registers at the text's ends are the padded
    /// copy's, at every offset of texts of 0 to 40 bytes (shorter and
    /// longer than a block, with bytes of every kind).
    #[test]
    fn edge_blocks_match_the_padded_copy() {
        let all: Vec<u8> = (0..=255u8).rev().collect();
        let mut checked = 0;
        for len in 0..=40 {
            for from in [0, 7, 100, 216] {
                let bytes = &all[from..from + len];
                for i in 0..len {
                    let win = window(bytes, i);
                    let (cur, prev, prev2) = edge_blocks(bytes, i);
                    assert_eq!((&cur, &prev, &prev2), (block16(&win[2..]), block16(&win[1..17]), block16(&win[..16])));
                    checked += 1;
                }
            }
        }
        assert!(checked > 3_000, "{checked}");
    }

    /// The masked tokens read around each `*` are the byte loop's, on
    /// every fixture comment and reddit body folded, on random texts of
    /// letters, stars, digits, non-ASCII and separators (stars at every
    /// place: runs of them, at the ends, next to digits), and on 1 MB.
    #[test]
    fn masked_tokens_match_the_byte_loop() {
        let v = MaskVocabulary::new(["crap", "fuck", "shit", "idiot", "dumb", "ass", "abc", "aab"]);
        let mut texts = crate::analysis::fixture_comment_texts();
        texts.extend(reddit_texts());
        let mut folded: Vec<Vec<u8>> = texts.iter().map(|t| Normalized::new(t).text.into_bytes()).collect();
        let alphabet = [b'a', b'b', b'c', b'*', b'*', b'1', 0xc3, b' ', b'.', b'\''];
        let mut next = lcg(0x9e37_79b9_7f4a_7c15);
        for _ in 0..30_000 {
            let len = next(24);
            folded.push((0..len).map(|_| alphabet[next(alphabet.len())]).collect());
        }
        folded.push(folded.concat().repeat(2));
        assert!(folded.last().unwrap().len() > 1_000_000);
        let mut found = 0;
        for t in &folded {
            let (new, old) = (masked_tokens(t, &v), masked_tokens_reference(t, &v));
            assert_eq!(new, old, "{:?}", String::from_utf8_lossy(&t[..t.len().min(200)]));
            found += old.len();
        }
        assert!(found > 300, "{found}");
    }

    #[test]
    fn linear_on_large_input() {
        let big = "you are a s t u p i d id1ot, cr*p! ".repeat(30_000);
        let n = Normalized::with_vocabulary(&big, Some(&MaskVocabulary::new(["crap"])));
        assert!(n.text.len() <= big.len());
        let (s, e) = n.original_span(0, n.text.len());
        assert_eq!((s, e), (0, big.len()));
    }
}
