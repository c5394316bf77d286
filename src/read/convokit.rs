//! ConvoKit corpora: read a corpus folder, and write threads back as one.
//!
//! A corpus folder holds `utterances.jsonl` (one utterance per line: `id`,
//! `speaker` (older corpora: `user`), `conversation_id` (older: `root`),
//! `reply_to` (some corpora: `reply-to`), `timestamp`, `text`, `meta`) and,
//! when present, `conversations.json` (conversation id → `{meta, vectors}`)
//! and `speakers.json`. Each conversation becomes a thread; the utterance
//! whose id is the conversation id is the post, the others are comments.
//! Utterance `meta` is kept as comment metadata (nested values as JSON).
//!
//! [`write_corpus`] writes the same layout (plus `corpus.json` and
//! `index.json`) from any threads, so results move both ways. Statuses,
//! scores and quoted ranges travel in `meta` and are restored on reading.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::Path;

use serde_json::{json, Map, Value};

use crate::builder::RawComment;
use crate::error::{Error, Result};
use crate::model::{Comment, CommentExtra, CommentStatus, Diagnostic, DiagnosticKind, SourceFormat, Thread};
use crate::read::fields;
use crate::read::group::Groups;
use crate::read::html::quoted_lines;

/// Meta keys threadlens writes and reads back into model fields.
const META_STATUS: &str = "status";
const META_HIDDEN: &str = "hidden";
const META_SCORE: &str = "score";
const META_TITLE: &str = "title";

/// Speaker id written for comments without an author.
const UNKNOWN_SPEAKER: &str = "[unknown]";

/// Read a corpus folder.
pub fn read_dir(dir: &Path) -> Result<Vec<Thread>> {
    let utt_path = dir.join("utterances.jsonl");
    let bytes = std::fs::read(&utt_path).map_err(|e| Error::from(e).with_path(&utt_path))?;
    let text = crate::error::decode_text(&bytes).map_err(|e| e.with_path(&utt_path))?;
    let conv_path = dir.join("conversations.json");
    let conversations = match std::fs::read_to_string(&conv_path) {
        Ok(s) => Some(serde_json::from_str::<Value>(&s).map_err(|e| {
            Error::format(format!("conversations.json is not valid JSON: {e}"))
                .with_path(&conv_path)
                .at_line(e.line() as u64)
        })?),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(Error::from(e).with_path(&conv_path)),
    };
    read_utterances(text, &utt_path.to_string_lossy(), conversations.as_ref())
}

/// Read `utterances.jsonl` text; `conversations` is the parsed
/// `conversations.json`, when there is one.
pub fn read_utterances(text: &str, path: &str, conversations: Option<&Value>) -> Result<Vec<Thread>> {
    let mut g = Groups::new(path, SourceFormat::Convokit);
    for (n, obj) in fields::ndjson_objects(text, &mut g.orphans) {
        let Some(id) = fields::text(&obj, "id") else {
            g.orphans.push(Diagnostic::at(n, DiagnosticKind::MalformedRecord, "utterance has no `id`; skipped"));
            continue;
        };
        let conv =
            fields::text(&obj, "conversation_id").or_else(|| fields::text(&obj, "root")).unwrap_or_else(|| id.clone());
        if !g.contains(&conv) {
            let meta = conversations.and_then(|c| c.get(&conv)).map(|c| c.get("meta").unwrap_or(c));
            if let Some(m) = meta.and_then(Value::as_object) {
                let post = g.builder(&conv).post_mut();
                post.title = fields::text(m, META_TITLE);
                post.metadata = flatten(m, &[META_TITLE]);
            }
        }
        let b = g.builder(&conv);
        let speaker =
            fields::text(&obj, "speaker").or_else(|| fields::text(&obj, "user")).filter(|s| s != UNKNOWN_SPEAKER);
        let reply_to = fields::text(&obj, "reply_to").or_else(|| fields::text(&obj, "reply-to"));
        let text = fields::text(&obj, "text").unwrap_or_default();
        let empty = Map::new();
        let meta = obj.get("meta").and_then(Value::as_object).unwrap_or(&empty);
        // A time threadlens filled in is no time; one it converted has its
        // original text in meta.
        let created_at = match (fields::text(meta, META_CREATED), meta.contains_key(META_INFERRED)) {
            (Some(raw), _) => Some(raw),
            (None, true) => None,
            (None, false) => fields::time(&obj, "timestamp"),
        };
        if id == conv && reply_to.is_none() {
            let post = b.post_mut();
            post.author = speaker;
            post.date = created_at;
            post.paragraphs = fields::paragraphs(&text);
            if let Some(t) = fields::text(meta, META_TITLE) {
                post.title = Some(t);
            }
            post.metadata.extend(flatten(meta, &[META_TITLE, META_CREATED, META_INFERRED]));
            continue;
        }
        let status = match fields::text(meta, META_STATUS).as_deref() {
            Some("author_deleted") => CommentStatus::AuthorDeleted,
            Some("deleted") => CommentStatus::Deleted,
            Some("removed") => CommentStatus::Removed,
            Some("spam") => CommentStatus::Spam,
            Some("placeholder") => {
                CommentStatus::Placeholder { hidden: fields::int(meta, META_HIDDEN).unwrap_or(0).max(0) as u64 }
            }
            Some("missing") => CommentStatus::Missing,
            _ => CommentStatus::Normal,
        };
        let quoted = quoted_lines(&text);
        let comment = Comment { id, author: speaker, text, status, ..Comment::default() }.with_extra(CommentExtra {
            quoted,
            created_at,
            score: fields::int(meta, META_SCORE),
            metadata: flatten(meta, &[META_STATUS, META_HIDDEN, META_SCORE, META_CREATED, META_INFERRED]),
        });
        b.push(RawComment { comment, parent_id: reply_to, record: Some(n) });
    }
    g.finish("utterance")
}

/// Scalar meta values as text, nested ones as compact JSON; nulls dropped.
fn flatten(meta: &Map<String, Value>, skip: &[&str]) -> BTreeMap<String, String> {
    meta.iter()
        .filter(|(k, v)| !skip.contains(&k.as_str()) && !v.is_null())
        .map(|(k, v)| (k.clone(), v.as_str().map_or_else(|| v.to_string(), str::to_string)))
        .collect()
}

/// The conversation id threadlens writes for a thread: its post id, else
/// its display id.
fn conversation_id(t: &Thread) -> String {
    t.post.id.clone().unwrap_or_else(|| t.display_id())
}

/// Meta keys that carry what ConvoKit's integer `timestamp` cannot.
const META_CREATED: &str = "created_at";
const META_INFERRED: &str = "timestamp_inferred";

/// ConvoKit sorts replies by `timestamp`, which must then be a number on
/// every utterance. For each of a thread's times (post first, document
/// order): Unix seconds, or an RFC 3339 / RFC 2822 date converted; the
/// original text when it was not already seconds; and, when no time can be
/// had, how the number was filled in (`previous`: the last known time before
/// it; `next`: the first known after it; `order`: the document position,
/// when the thread has no times at all).
fn timestamps(times: &[Option<&str>]) -> Vec<(i64, Option<String>, Option<&'static str>)> {
    let parsed: Vec<Option<i64>> = times.iter().map(|t| t.and_then(unix_seconds)).collect();
    let first = parsed.iter().flatten().next().copied();
    let mut last = None;
    parsed
        .iter()
        .zip(times)
        .enumerate()
        .map(|(i, (p, raw))| {
            let raw = raw.filter(|r| r.trim().parse::<i64>().is_err()).map(str::to_string);
            match (p, last, first) {
                (Some(n), _, _) => {
                    last = Some(*n);
                    (*n, raw, None)
                }
                (None, Some(prev), _) => (prev, raw, Some("previous")),
                (None, None, Some(next)) => (next, raw, Some("next")),
                (None, None, None) => (i as i64, raw, Some("order")),
            }
        })
        .collect()
}

/// Unix seconds from `1600000000`, `2020-01-02T10:00:00Z` (RFC 3339, also
/// with a space, fractions or an offset) or an e-mail `Date:` (RFC 2822).
fn unix_seconds(s: &str) -> Option<i64> {
    let s = s.trim();
    s.parse::<i64>().ok().or_else(|| rfc3339(s)).or_else(|| mailparse::dateparse(s).ok())
}

fn rfc3339(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') || b[13] != b':' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| s.get(r)?.parse::<i64>().ok();
    let (y, mo, d, h, mi, se) = (num(0..4)?, num(5..7)?, num(8..10)?, num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || se > 60 {
        return None;
    }
    let mut rest = &s[19..];
    if let Some(frac) = rest.strip_prefix('.') {
        rest = frac.trim_start_matches(|c: char| c.is_ascii_digit());
    }
    let offset = match rest {
        "" | "Z" | "z" => 0,
        o if o.len() == 6 && (o.starts_with('+') || o.starts_with('-')) && o.get(3..4) == Some(":") => {
            let sign = if o.starts_with('-') { -1 } else { 1 };
            sign * (o.get(1..3)?.parse::<i64>().ok()? * 3600 + o.get(4..6)?.parse::<i64>().ok()? * 60)
        }
        _ => return None,
    };
    // Days from 1970-01-01 (Howard Hinnant's days_from_civil).
    let y = if mo <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if mo > 2 { mo - 3 } else { mo + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + h * 3600 + mi * 60 + se - offset)
}

/// Put a filled-in timestamp's side notes into `meta`.
fn note_time(meta: &mut BTreeMap<String, String>, raw: Option<String>, inferred: Option<&str>) {
    if let Some(r) = raw {
        meta.insert(META_CREATED.into(), r);
    }
    if let Some(how) = inferred {
        meta.insert(META_INFERRED.into(), how.into());
    }
}

/// Write `threads` as a ConvoKit corpus folder `dir` (created if needed):
/// `utterances.jsonl`, `conversations.json`, `speakers.json`,
/// `corpus.json`, `index.json`. Each thread's post is the conversation's
/// root utterance (with empty text when the input had no post).
pub fn write_corpus(threads: &[Thread], dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| Error::from(e).with_path(dir))?;
    let mut speakers: BTreeSet<String> = BTreeSet::new();
    let mut conversations: BTreeMap<String, Value> = BTreeMap::new();
    let mut utt_keys: BTreeSet<String> = BTreeSet::new();
    let mut conv_keys: BTreeSet<String> = BTreeSet::new();
    let mut lines: Vec<u8> = Vec::new();
    for t in threads {
        let conv = conversation_id(t);
        let speaker = t.post.author.clone().unwrap_or_else(|| UNKNOWN_SPEAKER.into());
        speakers.insert(speaker.clone());
        let times: Vec<Option<&str>> =
            std::iter::once(t.post.date.as_deref()).chain(t.comments.iter().map(|c| c.created_at())).collect();
        let mut times = timestamps(&times).into_iter();
        let (ts, raw, inferred) = times.next().expect("the post's time");
        let mut meta: BTreeMap<String, String> = t.post.metadata.clone();
        note_time(&mut meta, raw, inferred);
        let mut conv_meta: BTreeMap<String, String> = BTreeMap::new();
        conv_meta.insert("source_format".into(), t.source.format.name().into());
        if let Some(title) = &t.post.title {
            conv_meta.insert(META_TITLE.into(), title.clone());
        }
        conv_keys.extend(conv_meta.keys().cloned());
        conversations.insert(conv.clone(), json!({"meta": conv_meta, "vectors": []}));
        utt_keys.extend(meta.keys().cloned());
        write_line(
            &mut lines,
            &json!({"id": conv, "speaker": speaker, "conversation_id": conv, "reply_to": null,
                    "timestamp": ts, "text": t.post.body(), "meta": meta, "vectors": []}),
        )?;
        for c in &t.comments {
            let speaker = c.author.clone().unwrap_or_else(|| UNKNOWN_SPEAKER.into());
            speakers.insert(speaker.clone());
            let reply_to = c.parent.map_or_else(|| conv.clone(), |p| t.comments[p].id.clone());
            let (ts, raw, inferred) = times.next().expect("one time per comment");
            let mut meta = c.metadata().clone();
            note_time(&mut meta, raw, inferred);
            if c.status != CommentStatus::Normal {
                meta.insert(META_STATUS.into(), c.status.name().into());
            }
            if let CommentStatus::Placeholder { hidden } = c.status {
                meta.insert(META_HIDDEN.into(), hidden.to_string());
            }
            if let Some(s) = c.score() {
                meta.insert(META_SCORE.into(), s.to_string());
            }
            utt_keys.extend(meta.keys().cloned());
            write_line(
                &mut lines,
                &json!({"id": c.id, "speaker": speaker, "conversation_id": conv, "reply_to": reply_to,
                        "timestamp": ts, "text": c.text, "meta": meta, "vectors": []}),
            )?;
        }
    }
    let speakers: BTreeMap<String, Value> =
        speakers.into_iter().map(|s| (s, json!({"meta": {}, "vectors": []}))).collect();
    // Every meta value is written as a string, so the index says so.
    let str_type = |keys: BTreeSet<String>| -> BTreeMap<String, Value> {
        keys.into_iter().map(|k| (k, json!(["<class 'str'>"]))).collect()
    };
    let index = json!({
        "utterances-index": str_type(utt_keys),
        "speakers-index": {},
        "conversations-index": str_type(conv_keys),
        "overall-index": {},
        "version": 1,
        "vectors": [],
    });
    write_file(&dir.join("utterances.jsonl"), &lines)?;
    write_file(&dir.join("conversations.json"), &to_json(&conversations)?)?;
    write_file(&dir.join("speakers.json"), &to_json(&speakers)?)?;
    write_file(&dir.join("corpus.json"), b"{}")?;
    write_file(&dir.join("index.json"), &to_json(&index)?)?;
    Ok(())
}

fn to_json<T: serde::Serialize>(v: &T) -> Result<Vec<u8>> {
    serde_json::to_vec(v).map_err(|e| Error::from(std::io::Error::other(e)))
}

fn write_line(out: &mut Vec<u8>, v: &Value) -> Result<()> {
    serde_json::to_writer(&mut *out, v).map_err(|e| Error::from(std::io::Error::other(e)))?;
    out.write_all(b"\n")?;
    Ok(())
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    std::fs::write(path, bytes).map_err(|e| Error::from(e).with_path(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_to_unix_seconds() {
        let cases = [
            ("1600000000", Some(1_600_000_000)),
            ("2020-01-02T10:00:00Z", Some(1_577_959_200)),
            ("2006-10-09T18:21:51.000Z", Some(1_160_418_111)),
            ("2020-01-01 11:00:00", Some(1_577_876_400)),
            ("2020-01-02T12:00:00+02:00", Some(1_577_959_200)),
            ("Mon, 06 Jan 2020 10:00:00 +0000", Some(1_578_304_800)),
            ("3 hours ago", None),
            ("2020-13-01T00:00:00Z", None),
        ];
        for (s, want) in cases {
            assert_eq!(unix_seconds(s), want, "{s}");
        }
    }

    proptest::proptest! {
        #[test]
        fn date_parsing_never_panics(s in "[0-9T:+Z. é-]{0,30}", t in "\\PC{0,40}") {
            let _ = unix_seconds(&s);
            let _ = unix_seconds(&t);
            let _ = unix_seconds(&format!("2020-01-02T10:00:00{s}"));
        }
    }

    #[test]
    fn missing_times_are_filled_and_said_so() {
        let got = timestamps(&[None, Some("100"), None, Some("2020-01-02T10:00:00Z")]);
        let want = [
            (100, None, Some("next")),
            (100, None, None),
            (100, None, Some("previous")),
            (1_577_959_200, Some("2020-01-02T10:00:00Z".to_string()), None),
        ];
        assert_eq!(got, want);
        assert_eq!(timestamps(&[None, Some("3 hours ago")])[1], (1, Some("3 hours ago".into()), Some("order")));
    }
}
