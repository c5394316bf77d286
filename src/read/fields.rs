//! Tolerant access to JSON record fields whose types drift between dumps
//! (numbers as strings, floats for integers, nulls for absent values).

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde_json::{Map, Value};

/// A JSON object's fields by name: a `serde_json::Map`, or a record that
/// parsed only the fields a reader looks at (the Pushshift reader's).
pub(crate) trait Record {
    /// The value of field `key`, if present.
    fn field(&self, key: &str) -> Option<Field<'_>>;
}

impl Record for Map<String, Value> {
    fn field(&self, key: &str) -> Option<Field<'_>> {
        self.get(key).map(Field::of)
    }
}

/// One field's value, borrowed: from a parsed [`Value`], or straight from
/// the line when [`skim`] found a plain string, a small integer, a
/// boolean or null. Every function below reads both alike, so a skimmed
/// record and a parsed one give the same answers.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Field<'a> {
    /// A string.
    Str(&'a str),
    /// A non-negative integer of at most 18 digits, as written (so as
    /// `serde_json` prints it, and it fits an `i64`).
    Int(&'a str),
    /// `true` or `false`.
    Bool(bool),
    /// `null`.
    Null,
    /// Any other value (numbers, arrays, objects).
    Json(&'a Value),
}

impl<'a> Field<'a> {
    /// The field of a parsed value.
    pub(crate) fn of(v: &'a Value) -> Field<'a> {
        match v {
            Value::String(s) => Field::Str(s),
            Value::Bool(b) => Field::Bool(*b),
            Value::Null => Field::Null,
            other => Field::Json(other),
        }
    }
}

/// A field as text: strings as they are, numbers and booleans printed;
/// `None` for null, absent, or the empty string.
pub(crate) fn text(obj: &(impl Record + ?Sized), key: &str) -> Option<String> {
    text_ref(obj, key).map(Cow::into_owned)
}

/// [`text`], borrowed when the field is a string or a small integer.
pub(crate) fn text_ref<'a>(obj: &'a (impl Record + ?Sized), key: &str) -> Option<Cow<'a, str>> {
    match obj.field(key)? {
        Field::Str("") => None,
        Field::Str(s) | Field::Int(s) => Some(Cow::Borrowed(s)),
        Field::Bool(b) => Some(Cow::Owned(b.to_string())),
        Field::Json(Value::Number(n)) => Some(Cow::Owned(n.to_string())),
        _ => None,
    }
}

/// A field as an integer: JSON integers, floats (truncated) and numeric
/// strings (`"12"`, `"12.0"`); `None` otherwise.
pub(crate) fn int(obj: &(impl Record + ?Sized), key: &str) -> Option<i64> {
    match obj.field(key)? {
        Field::Int(s) => s.parse().ok(),
        Field::Json(Value::Number(n)) => n.as_i64().or_else(|| n.as_f64().filter(|f| f.is_finite()).map(|f| f as i64)),
        Field::Str(s) => {
            let s = s.trim();
            s.parse::<i64>().ok().or_else(|| s.parse::<f64>().ok().filter(|f| f.is_finite()).map(|f| f as i64))
        }
        _ => None,
    }
}

/// A timestamp field: Unix seconds (integer, float or numeric string)
/// become whole seconds as text; any other string is kept as written.
pub(crate) fn time(obj: &(impl Record + ?Sized), key: &str) -> Option<String> {
    match obj.field(key)? {
        Field::Str(s) if !s.trim().is_empty() && s.trim().parse::<f64>().is_err() => Some(s.to_string()),
        // Already the integer's decimal form.
        Field::Int(s) => Some(s.to_string()),
        _ => int(obj, key).map(|t| t.to_string()),
    }
}

/// True when the field is `true` (or the string `"true"` / `1`).
pub(crate) fn flag(obj: &(impl Record + ?Sized), key: &str) -> bool {
    match obj.field(key) {
        Some(Field::Bool(b)) => b,
        Some(Field::Str(s)) => s == "true" || s == "1",
        Some(Field::Int(s)) => s == "1",
        Some(Field::Json(Value::Number(n))) => n.as_i64() == Some(1),
        _ => false,
    }
}

/// Copy the listed fields into `meta` when they carry something: null,
/// empty strings and `false` are left out (they are the default).
pub(crate) fn keep(obj: &(impl Record + ?Sized), keys: &[&str], meta: &mut BTreeMap<String, String>) {
    for &k in keys {
        let value = match obj.field(k) {
            None | Some(Field::Null) | Some(Field::Bool(false)) | Some(Field::Str("")) => continue,
            Some(Field::Json(Value::Array(a))) if a.is_empty() => continue,
            Some(Field::Str(s)) | Some(Field::Int(s)) => s.to_string(),
            Some(Field::Bool(true)) => "true".to_string(),
            Some(Field::Json(v)) => v.to_string(),
        };
        meta.insert(k.to_string(), value);
    }
}

/// A value as [`skim`] found it, borrowed from the line.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Raw<'a> {
    /// A string without escapes: its text, quotes stripped.
    Str(&'a str),
    /// A string with escapes, as written (quotes included): `serde_json`
    /// unescapes it when it is read.
    Escaped(&'a str),
    /// A non-negative integer of at most 18 digits, as written.
    Int(&'a str),
    /// Any other number, as written.
    Num(&'a str),
    /// `true` or `false`.
    Bool(bool),
    /// `null`.
    Null,
    /// An array or an object, as written.
    Nested(&'a str),
}

impl<'a> Raw<'a> {
    /// The value `serde_json` parses from it; `None` when it refuses
    /// (a number out of range, a lone surrogate escape).
    pub(crate) fn to_value(self) -> Option<Value> {
        match self {
            Raw::Str(s) => Some(Value::String(s.to_string())),
            Raw::Int(s) => s.parse::<u64>().ok().map(Value::from),
            Raw::Bool(b) => Some(Value::Bool(b)),
            Raw::Null => Some(Value::Null),
            Raw::Escaped(s) | Raw::Num(s) | Raw::Nested(s) => serde_json::from_str(s).ok(),
        }
    }

    /// A string value as `serde_json` reads it (escapes decoded); `None`
    /// for other values and for strings it refuses.
    pub(crate) fn string(self) -> Option<Cow<'a, str>> {
        match self {
            Raw::Str(s) => Some(Cow::Borrowed(s)),
            Raw::Escaped(s) => serde_json::from_str::<String>(s).ok().map(Cow::Owned),
            _ => None,
        }
    }
}

/// What a value in [`Spans`] is, packed into the top bits of its start.
#[derive(Clone, Copy)]
#[repr(u32)]
enum Kind {
    Str,
    Escaped,
    Int,
    Num,
    True,
    False,
    Null,
    Nested,
}

/// Bits of a span's start that hold its [`Kind`]; the rest is the offset,
/// so lines of 256 MiB and more are not skimmed.
const KIND_SHIFT: u32 = 28;

/// Where [`skim`] found the values of `N` slots in a line: offsets and a
/// kind, 8 bytes a slot, so a skimmed line is cheap to move around.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Spans<'a, const N: usize> {
    line: &'a str,
    /// (kind << [`KIND_SHIFT`] | start, end) of each value; end 0: absent.
    /// Strings without escapes span their text, quotes stripped.
    at: [(u32, u32); N],
    /// True when some slot holds a value [`Spans::needs_parse`].
    parse: bool,
}

impl<'a, const N: usize> Spans<'a, N> {
    /// No values found yet, in `line`.
    pub(crate) fn new(line: &'a str) -> Self {
        Spans { line, at: [(0, 0); N], parse: false }
    }

    /// The value of slot `i`, if the line has it.
    #[inline]
    pub(crate) fn get(&self, i: usize) -> Option<Raw<'a>> {
        let (start, end) = *self.at.get(i)?;
        if end == 0 {
            return None;
        }
        let text = self.line.get((start & ((1 << KIND_SHIFT) - 1)) as usize..end as usize)?;
        Some(match start >> KIND_SHIFT {
            0 => Raw::Str(text),
            1 => Raw::Escaped(text),
            2 => Raw::Int(text),
            3 => Raw::Num(text),
            4 => Raw::Bool(true),
            5 => Raw::Bool(false),
            6 => Raw::Null,
            _ => Raw::Nested(text),
        })
    }

    /// True when slot `i` holds a value `serde_json` must turn into a
    /// [`Value`] (an escaped string, a number other than a small integer,
    /// an array or an object).
    pub(crate) fn needs_parse(&self, i: usize) -> bool {
        let (start, end) = self.at[i];
        self.parse && end != 0 && matches!(start >> KIND_SHIFT, 1 | 3 | 7)
    }

    /// True when any slot [`Spans::needs_parse`].
    pub(crate) fn any_needs_parse(&self) -> bool {
        self.parse
    }
}

/// Deepest nesting [`skim`] follows; deeper lines take the full parse.
const SKIM_DEPTH: u32 = 64;

/// Skim the line of `out` ([`Spans::new`]), which should hold a JSON
/// object: find its top-level keys and note where the value of each key
/// `slot` knows is, in `out[slot(key)]`; every other value is checked and
/// skipped (strings by `memchr`, short ones 8 bytes at a time). Nothing
/// is allocated.
///
/// `true` means `serde_json` would accept the line as an object and read
/// the same values. `false` means "let `serde_json` decide": a syntax
/// error, anything but an object, a key with escapes, a key that has a
/// slot given twice, or nesting deeper than [`SKIM_DEPTH`]. The callers
/// then parse the line as before, so diagnostics keep their messages.
/// Strings are checked as `serde_json` checks them (no control
/// characters, valid escapes); the line is already UTF-8.
pub(crate) fn skim<const N: usize>(slot: impl Fn(&str) -> Option<usize>, out: &mut Spans<'_, N>) -> bool {
    out.line.len() < 1 << KIND_SHIFT && skim_object(slot, out).is_some()
}

fn skim_object<const N: usize>(slot: impl Fn(&str) -> Option<usize>, out: &mut Spans<'_, N>) -> Option<()> {
    let line = out.line;
    let mut p = Skim { b: line.as_bytes(), i: 0 };
    p.ws();
    p.eat(b'{')?;
    p.ws();
    if p.peek() == Some(b'}') {
        p.i += 1;
    } else {
        loop {
            p.eat(b'"')?;
            let start = p.i;
            if p.string()? {
                return None;
            }
            let key = &line[start..p.i - 1];
            p.ws();
            p.eat(b':')?;
            p.ws();
            let start = p.i;
            let kind = p.value()?;
            if let Some(k) = slot(key) {
                let cell = out.at.get_mut(k)?;
                if cell.1 != 0 {
                    return None;
                }
                out.parse |= matches!(kind, Kind::Escaped | Kind::Num | Kind::Nested);
                *cell = match kind {
                    // The text of a plain string, without its quotes.
                    Kind::Str => (start as u32 + 1, p.i as u32 - 1),
                    _ => ((kind as u32) << KIND_SHIFT | start as u32, p.i as u32),
                };
            }
            p.ws();
            match p.next()? {
                b',' => p.ws(),
                b'}' => break,
                _ => return None,
            }
        }
    }
    p.ws();
    (p.i == p.b.len()).then_some(())
}

/// The cursor of [`skim`].
struct Skim<'a> {
    b: &'a [u8],
    i: usize,
}

impl Skim<'_> {
    #[inline(always)]
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let c = self.peek()?;
        self.i += 1;
        Some(c)
    }

    fn eat(&mut self, c: u8) -> Option<()> {
        (self.next()? == c).then_some(())
    }

    /// JSON whitespace, as `serde_json` skips it.
    #[inline(always)]
    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.i += 1;
        }
    }

    /// After an opening quote: past the closing one. `Some(true)` when the
    /// string holds escapes; `None` on a control character, a bad escape
    /// or the end of the line.
    #[inline(always)]
    fn string(&mut self) -> Option<bool> {
        let b = self.b;
        let mut escaped = false;
        loop {
            // Eight bytes at a time, sixteen per turn: one branch per
            // turn for long text, one word for keys and ids.
            let at = loop {
                let Some(words) = b.get(self.i..self.i + 16) else {
                    break self.i + b[self.i..].iter().position(|&c| c == b'"' || c == b'\\' || c < 0x20)?;
                };
                let (lo, hi) = words.split_at(8);
                let lo = special_mask(u64::from_le_bytes(lo.try_into().expect("eight bytes")));
                let hi = special_mask(u64::from_le_bytes(hi.try_into().expect("eight bytes")));
                if lo | hi != 0 {
                    break self.i
                        + if lo != 0 { lo.trailing_zeros() / 8 } else { 8 + hi.trailing_zeros() / 8 } as usize;
                }
                self.i += 16;
            };
            match b[at] {
                b'"' => {
                    self.i = at + 1;
                    return Some(escaped);
                }
                b'\\' => {
                    escaped = true;
                    match *b.get(at + 1)? {
                        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => self.i = at + 2,
                        b'u' if b.get(at + 2..at + 6)?.iter().all(u8::is_ascii_hexdigit) => self.i = at + 6,
                        _ => return None,
                    }
                }
                _ => return None,
            }
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.i;
        while let Some(b'0'..=b'9') = self.peek() {
            self.i += 1;
        }
        self.i - start
    }

    /// Past a number in JSON's grammar.
    fn number(&mut self) -> Option<()> {
        self.i += usize::from(self.peek() == Some(b'-'));
        match self.peek()? {
            b'0' => {
                self.i += 1;
                if let Some(b'0'..=b'9') = self.peek() {
                    return None;
                }
            }
            b'1'..=b'9' => {
                self.digits();
            }
            _ => return None,
        }
        if self.peek() == Some(b'.') {
            self.i += 1;
            if self.digits() == 0 {
                return None;
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.i += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.i += 1;
            }
            if self.digits() == 0 {
                return None;
            }
        }
        Some(())
    }

    fn literal(&mut self, word: &[u8]) -> Option<()> {
        self.b[self.i..].starts_with(word).then(|| self.i += word.len())
    }

    /// Past one value, and what it is; nested arrays and objects are
    /// skipped with a bit stack (1 = object), not recursion.
    fn value(&mut self) -> Option<Kind> {
        let start = self.i;
        Some(match self.peek()? {
            b'"' => {
                self.i += 1;
                if self.string()? {
                    Kind::Escaped
                } else {
                    Kind::Str
                }
            }
            b'-' | b'0'..=b'9' => {
                self.number()?;
                let small = self.b[start..self.i].iter().all(u8::is_ascii_digit) && self.i - start <= 18;
                if small {
                    Kind::Int
                } else {
                    Kind::Num
                }
            }
            b't' => self.literal(b"true").map(|_| Kind::True)?,
            b'f' => self.literal(b"false").map(|_| Kind::False)?,
            b'n' => self.literal(b"null").map(|_| Kind::Null)?,
            b'[' | b'{' => self.nested().map(|_| Kind::Nested)?,
            _ => return None,
        })
    }

    /// Skip the array or object that starts here.
    fn nested(&mut self) -> Option<()> {
        let mut stack = 0u64;
        let mut depth = 0u32;
        // At an opening bracket, or at a value inside a container.
        'value: loop {
            match self.peek()? {
                c @ (b'[' | b'{') => {
                    depth += 1;
                    if depth > SKIM_DEPTH {
                        return None;
                    }
                    stack = stack << 1 | u64::from(c == b'{');
                    self.i += 1;
                    self.ws();
                    let close = if c == b'{' { b'}' } else { b']' };
                    if self.peek() != Some(close) {
                        if c == b'{' {
                            self.key()?;
                        }
                        continue 'value;
                    }
                }
                b'"' => {
                    self.i += 1;
                    self.string()?;
                }
                _ => {
                    self.value()?;
                }
            }
            // After a value (or at the closing bracket of an empty one).
            loop {
                self.ws();
                let object = stack & 1 == 1;
                match self.next()? {
                    b',' => {
                        self.ws();
                        if object {
                            self.key()?;
                        }
                        continue 'value;
                    }
                    b'}' if object => {}
                    b']' if !object => {}
                    _ => return None,
                }
                depth -= 1;
                stack >>= 1;
                if depth == 0 {
                    return Some(());
                }
            }
        }
    }

    /// An object key inside a nested value and its colon.
    fn key(&mut self) -> Option<()> {
        self.eat(b'"')?;
        self.string()?;
        self.ws();
        self.eat(b':')?;
        self.ws();
        Some(())
    }
}

/// Bytes of `x` that are `"`, `\` or control characters: their high bit
/// set, the lowest one exact (the test `serde_json` uses).
fn special_mask(x: u64) -> u64 {
    const ONES: u64 = u64::MAX / 255;
    let ctrl = x.wrapping_sub(ONES * 0x20) & !x;
    let q = x ^ (ONES * u64::from(b'"'));
    let quote = q.wrapping_sub(ONES) & !q;
    let s = x ^ (ONES * u64::from(b'\\'));
    let slash = s.wrapping_sub(ONES) & !s;
    (ctrl | quote | slash) & (ONES << 7)
}

/// Split a body into paragraphs at blank lines, trimmed, empty ones dropped.
pub(crate) fn paragraphs(text: &str) -> Vec<String> {
    text.replace("\r\n", "\n").split("\n\n").map(str::trim).filter(|p| !p.is_empty()).map(str::to_string).collect()
}

pub(crate) use crate::read::edgelist::truncate;

/// The JSON objects of an NDJSON text with their 1-based line numbers;
/// unreadable lines become diagnostics (with the line's start kept).
pub(crate) fn ndjson_objects(text: &str, diags: &mut Vec<crate::model::Diagnostic>) -> Vec<(u64, Map<String, Value>)> {
    text.lines()
        .enumerate()
        .filter_map(|(i, line)| object_line(i as u64 + 1, line, diags).map(|m| (i as u64 + 1, m)))
        .collect()
}

/// One NDJSON line as an object; `None` for blank lines and, with a
/// diagnostic, for lines that are not a JSON object.
pub(crate) fn object_line(n: u64, line: &str, diags: &mut Vec<crate::model::Diagnostic>) -> Option<Map<String, Value>> {
    use crate::model::{Diagnostic, DiagnosticKind};
    let line = line.trim();
    if line.is_empty() {
        return None;
    }
    match serde_json::from_str::<Value>(line) {
        Ok(Value::Object(map)) => Some(map),
        Ok(_) => {
            diags.push(
                Diagnostic::at(n, DiagnosticKind::MalformedRecord, "not a JSON object; skipped")
                    .with_text(truncate(line, 200)),
            );
            None
        }
        Err(e) => {
            diags.push(
                Diagnostic::at(n, DiagnosticKind::MalformedRecord, format!("invalid JSON ({e}); skipped"))
                    .with_text(truncate(line, 200)),
            );
            None
        }
    }
}

/// Parse a whole JSON document, errors positioned in `path`.
pub(crate) fn parse_json(text: &str, path: &str) -> crate::error::Result<Value> {
    serde_json::from_str(text).map_err(|e| {
        crate::error::Error::format(format!("not valid JSON: {e}"))
            .with_path(path)
            .at_line(e.line() as u64)
            .at_column(e.column() as u64)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skim_finds_values_and_declines_what_serde_must_judge() {
        let slot = |k: &str| ["a", "b", "c"].iter().position(|s| *s == k);
        // (line, Some(values of a, b, c)) or None: the skim declines.
        type Expected<'a> = Option<[Option<Raw<'a>>; 3]>;
        let cases: &[(&str, Expected<'_>)] = &[
            (r#"{"a":"x","b":12,"c":null}"#, Some([Some(Raw::Str("x")), Some(Raw::Int("12")), Some(Raw::Null)])),
            (
                "{ \"z\" : [1, {\"k\": \"}\"}] ,\t\"a\" : \"q\\\"\" , \"b\":-1.5e3,\"c\":true }\r\n",
                Some([Some(Raw::Escaped(r#""q\"""#)), Some(Raw::Num("-1.5e3")), Some(Raw::Bool(true))]),
            ),
            (
                r#"{"a":{"x":[]},"b":1234567890123456789}"#,
                Some([Some(Raw::Nested(r#"{"x":[]}"#)), Some(Raw::Num("1234567890123456789")), None]),
            ),
            ("{\"a\":\"é ü \u{1F600}\"}", Some([Some(Raw::Str("é ü \u{1F600}")), None, None])),
            ("{}", Some([None, None, None])),
            (r#"{"a":1,"a":2}"#, None),
            (r#"{"\u0061":1}"#, None),
            (r#"{"a":1,}"#, None),
            (r#"{"a":1} x"#, None),
            (r#"{"a":"x"#, None),
            (r#"{"a":01}"#, None),
            (r#"{"a":1.}"#, None),
            (r#"{"a":-}"#, None),
            (r#"{"a":nul}"#, None),
            (r#"{"z":[1,]}"#, None),
            (r#"{"z":[1}"#, None),
            (r#"{"z":{"k"}}"#, None),
            (r#"{"a":"\q"}"#, None),
            (r#"{"a":"\u12"}"#, None),
            ("{\"a\":\"tab\there\"}", None),
            ("[1]", None),
            ("", None),
        ];
        for (line, want) in cases {
            let mut spans = Spans::<3>::new(line);
            let ok = skim(slot, &mut spans);
            let out = [0, 1, 2].map(|i| spans.get(i));
            assert_eq!(ok.then_some(out), *want, "{line}");
            // Whatever the skim accepts, serde_json accepts, with the same values.
            if ok {
                let map: Map<String, Value> = serde_json::from_str(line).expect(line);
                for (k, raw) in ["a", "b", "c"].iter().zip(out) {
                    assert_eq!(raw.and_then(Raw::to_value), map.get(*k).cloned(), "{line}: {k}");
                }
            }
        }
        let deep = |n: usize| format!(r#"{{"z":{}{}}}"#, "[".repeat(n), "]".repeat(n));
        assert!(skim(slot, &mut Spans::<3>::new(&deep(SKIM_DEPTH as usize))));
        assert!(!skim(slot, &mut Spans::<3>::new(&deep(SKIM_DEPTH as usize + 1))));
        // Strings: a special sequence at every offset, found by the word
        // test and by memchr alike; the skim agrees with serde_json.
        let text = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJ";
        for special in ["\\\"", "\\n", "\\u00e9", "\\q", "\\u12g4", "\u{1}", "\"", "é"] {
            for cut in 0..=text.len() {
                let (head, tail) = text.split_at(cut);
                let line = format!(r#"{{"a":"{head}{special}{tail}"}}"#);
                let mut spans = Spans::<3>::new(&line);
                let serde = serde_json::from_str::<Map<String, Value>>(&line).ok();
                assert_eq!(skim(slot, &mut spans), serde.is_some(), "{line:?}");
                if let Some(map) = serde {
                    assert_eq!(spans.get(0).and_then(Raw::to_value).as_ref(), map.get("a"), "{line:?}");
                }
            }
        }
    }

    #[test]
    fn drifting_types() {
        let v: Value = serde_json::json!({
            "a": 1546300800, "b": 1546300800.0, "c": "1546300800", "d": null, "e": "12",
            "f": "2019-01-01T00:00:00Z", "g": "n/a", "h": true, "i": ""
        });
        let o = v.as_object().unwrap();
        for k in ["a", "b", "c"] {
            assert_eq!(time(o, k).as_deref(), Some("1546300800"), "{k}");
        }
        assert_eq!(time(o, "d"), None);
        assert_eq!(time(o, "f").as_deref(), Some("2019-01-01T00:00:00Z"));
        assert_eq!(int(o, "e"), Some(12));
        assert_eq!(int(o, "g"), None);
        assert_eq!(int(o, "d"), None);
        assert_eq!(text(o, "a").as_deref(), Some("1546300800"));
        assert_eq!(text(o, "i"), None);
        assert!(flag(o, "h") && !flag(o, "d"));
        let mut m = BTreeMap::new();
        keep(o, &["a", "d", "h", "i", "zz"], &mut m);
        assert_eq!(m.keys().collect::<Vec<_>>(), ["a", "h"]);
    }
}
