//! Tolerant access to JSON record fields whose types drift between dumps
//! (numbers as strings, floats for integers, nulls for absent values).

use std::collections::BTreeMap;

use serde_json::{Map, Value};

/// A JSON object's fields by name: a `serde_json::Map`, or a record that
/// parsed only the fields a reader looks at (the Pushshift reader's).
pub(crate) trait Record {
    /// The value of field `key`, if present.
    fn field(&self, key: &str) -> Option<&Value>;
}

impl Record for Map<String, Value> {
    fn field(&self, key: &str) -> Option<&Value> {
        self.get(key)
    }
}

/// A field as text: strings as they are, numbers and booleans printed;
/// `None` for null, absent, or the empty string.
pub(crate) fn text(obj: &(impl Record + ?Sized), key: &str) -> Option<String> {
    match obj.field(key)? {
        Value::String(s) if s.is_empty() => None,
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A field as an integer: JSON integers, floats (truncated) and numeric
/// strings (`"12"`, `"12.0"`); `None` otherwise.
pub(crate) fn int(obj: &(impl Record + ?Sized), key: &str) -> Option<i64> {
    match obj.field(key)? {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().filter(|f| f.is_finite()).map(|f| f as i64)),
        Value::String(s) => {
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
        Value::String(s) if !s.trim().is_empty() && s.trim().parse::<f64>().is_err() => Some(s.clone()),
        _ => int(obj, key).map(|t| t.to_string()),
    }
}

/// True when the field is `true` (or the string `"true"` / `1`).
pub(crate) fn flag(obj: &(impl Record + ?Sized), key: &str) -> bool {
    match obj.field(key) {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s == "true" || s == "1",
        Some(Value::Number(n)) => n.as_i64() == Some(1),
        _ => false,
    }
}

/// Copy the listed fields into `meta` when they carry something: null,
/// empty strings and `false` are left out (they are the default).
pub(crate) fn keep(obj: &(impl Record + ?Sized), keys: &[&str], meta: &mut BTreeMap<String, String>) {
    for &k in keys {
        match obj.field(k) {
            None | Some(Value::Null) | Some(Value::Bool(false)) => {}
            Some(Value::String(s)) if s.is_empty() => {}
            Some(Value::Array(a)) if a.is_empty() => {}
            Some(Value::String(s)) => {
                meta.insert(k.to_string(), s.clone());
            }
            Some(v) => {
                meta.insert(k.to_string(), v.to_string());
            }
        }
    }
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
