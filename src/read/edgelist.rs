//! Generic edge lists: one comment per CSV row or JSON line.
//!
//! Fields: `id`, `parent_id` (empty or null: a reply to the post),
//! `thread_id` (optional; absent means one thread), `author`, `text`,
//! `created_at` (optional), `kind` (`post` marks the row carrying the post;
//! its `title` field, if any, becomes the post title). Any other field is
//! kept as metadata. Rows of many threads become separate trees, in order
//! of each thread's first row.

use std::collections::BTreeMap;

use foldhash::{HashMap, HashMapExt};

use serde_json::Value;

use crate::builder::{RawComment, ThreadBuilder};
use crate::error::{Error, Result};
use crate::model::{Comment, Diagnostic, DiagnosticKind, Source, SourceFormat, Thread};

/// One record, fields by name, with its line number.
struct Record {
    line: u64,
    fields: BTreeMap<String, String>,
}

/// Groups records into threads in order of first appearance.
struct Threads {
    path: String,
    format: SourceFormat,
    order: Vec<Option<String>>,
    builders: HashMap<Option<String>, ThreadBuilder>,
    /// Diagnostics for records that belong to no thread (unreadable rows).
    orphans: Vec<Diagnostic>,
}

impl Threads {
    fn new(path: &str, format: SourceFormat) -> Threads {
        Threads { path: path.to_string(), format, order: Vec::new(), builders: HashMap::new(), orphans: Vec::new() }
    }

    fn builder(&mut self, thread_id: Option<String>) -> &mut ThreadBuilder {
        if !self.builders.contains_key(&thread_id) {
            self.order.push(thread_id.clone());
            let source = Source { path: self.path.clone(), thread_id: thread_id.clone(), format: self.format };
            self.builders.insert(thread_id.clone(), ThreadBuilder::new(source));
        }
        self.builders.get_mut(&thread_id).expect("inserted above")
    }

    fn add(&mut self, mut rec: Record) {
        let thread_id = rec.fields.remove("thread_id").filter(|s| !s.is_empty());
        let line = rec.line;
        let b = self.builder(thread_id);
        // `comment_id` is what `threadlens export --to csv` writes.
        let id = rec.fields.remove("id").or_else(|| rec.fields.remove("comment_id")).unwrap_or_default();
        let kind = rec.fields.remove("kind").unwrap_or_default();
        let text = rec.fields.remove("text").unwrap_or_default();
        let author = rec.fields.remove("author").filter(|s| !s.is_empty());
        let created_at = rec.fields.remove("created_at").filter(|s| !s.is_empty());
        let title = rec.fields.remove("title").filter(|s| !s.is_empty());
        let parent_id = rec.fields.remove("parent_id").filter(|s| !s.is_empty() && s != "null");
        if kind.eq_ignore_ascii_case("post") {
            let post = b.post_mut();
            if post.id.is_some() || !post.paragraphs.is_empty() {
                b.diagnostic(Diagnostic::at(
                    line,
                    DiagnosticKind::DuplicateId,
                    "a second `kind=post` row in this thread; read as a comment",
                ));
            } else {
                post.id = Some(id).filter(|s| !s.is_empty());
                post.title = title;
                post.author = author;
                post.date = created_at;
                post.paragraphs =
                    text.split("\n\n").map(str::trim).filter(|p| !p.is_empty()).map(str::to_string).collect();
                post.metadata = rec.fields;
                return;
            }
        }
        let id = if id.is_empty() {
            let generated = format!("row{line}");
            b.diagnostic(Diagnostic::at(
                line,
                DiagnosticKind::MalformedRecord,
                format!("record has no id; kept as {generated:?}"),
            ));
            generated
        } else {
            id
        };
        let mut metadata = rec.fields;
        if let Some(t) = title {
            metadata.insert("title".into(), t);
        }
        if !kind.is_empty() && !kind.eq_ignore_ascii_case("post") {
            metadata.insert("kind".into(), kind);
        }
        b.push(RawComment {
            comment: Comment { id, author, text, created_at, metadata, ..Comment::default() },
            parent_id,
            record: Some(line),
        });
    }

    fn finish(mut self) -> Result<Vec<Thread>> {
        if self.order.is_empty() {
            let first = self.orphans.first().map(|d| d.to_string()).unwrap_or_else(|| "no records".into());
            return Err(Error::format(format!("no record could be read ({first})")).with_path(&self.path));
        }
        // Threads are independent: build them in parallel, keep their order.
        use rayon::prelude::*;
        let builders: Vec<ThreadBuilder> = std::mem::take(&mut self.order)
            .into_iter()
            .map(|key| self.builders.remove(&key).expect("every ordered key has a builder"))
            .collect();
        let mut threads: Vec<Thread> = builders.into_par_iter().map(ThreadBuilder::build).collect();
        // Unreadable records belong to no thread; the first thread keeps them.
        threads[0].diagnostics.splice(0..0, self.orphans);
        Ok(threads)
    }
}

/// Read a CSV edge list (header row required, columns by name).
pub fn read_csv(text: &str, path: &str) -> Result<Vec<Thread>> {
    let mut rdr = csv::ReaderBuilder::new().flexible(true).from_reader(text.as_bytes());
    let headers: Vec<String> = rdr
        .headers()
        .map_err(|e| Error::format(format!("cannot read the CSV header: {e}")).with_path(path).at_line(1))?
        .iter()
        .map(|h| h.trim().trim_start_matches('\u{feff}').to_lowercase())
        .collect();
    if !headers.iter().any(|h| h == "id" || h == "comment_id") {
        return Err(Error::format(format!("CSV header has no `id` column (found: {})", headers.join(", ")))
            .with_path(path)
            .at_line(1));
    }
    let mut threads = Threads::new(path, SourceFormat::Csv);
    for row in rdr.records() {
        let row = match row {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                threads.orphans.push(Diagnostic::at(
                    line,
                    DiagnosticKind::MalformedRecord,
                    format!("unreadable CSV row skipped: {e}"),
                ));
                continue;
            }
        };
        let line = row.position().map_or(0, |p| p.line());
        if row.len() != headers.len() {
            let kept: Vec<&str> = row.iter().collect();
            threads.orphans.push(
                Diagnostic::at(
                    line,
                    DiagnosticKind::MalformedRecord,
                    format!("row has {} fields, the header {}; row skipped", row.len(), headers.len()),
                )
                .with_text(kept.join(",")),
            );
            continue;
        }
        let fields = headers.iter().cloned().zip(row.iter().map(str::to_string)).collect();
        threads.add(Record { line, fields });
    }
    threads.finish()
}

/// Lines parsed at once: parsing runs in parallel (rayon) within a chunk,
/// records join their threads in input order; the chunk bounds the memory
/// held as parsed-but-unplaced records.
const JSONL_CHUNK: usize = 16_384;

/// Read a JSON Lines edge list.
pub fn read_jsonl(text: &str, path: &str) -> Result<Vec<Thread>> {
    use rayon::prelude::*;
    let mut threads = Threads::new(path, SourceFormat::Jsonl);
    let mut lines = text.lines().enumerate().map(|(i, l)| ((i + 1) as u64, l.trim())).filter(|(_, l)| !l.is_empty());
    let mut chunk: Vec<(u64, &str)> = Vec::with_capacity(JSONL_CHUNK);
    let mut pending: Vec<std::result::Result<Record, Diagnostic>> = Vec::new();
    // Placing a chunk's records in their threads is sequential; it runs
    // while the next chunk is parsed (in input order all the same).
    loop {
        chunk.clear();
        chunk.extend(lines.by_ref().take(JSONL_CHUNK));
        let (parsed, ()) = rayon::join(
            || chunk.par_iter().with_min_len(512).map(|&(n, line)| jsonl_record(n, line)).collect::<Vec<_>>(),
            || {
                for record in pending.drain(..) {
                    match record {
                        Ok(r) => threads.add(r),
                        Err(d) => threads.orphans.push(d),
                    }
                }
            },
        );
        if chunk.is_empty() {
            break;
        }
        pending = parsed;
    }
    threads.finish()
}

/// One JSON line as a record, or the diagnostic that keeps it.
fn jsonl_record(n: u64, line: &str) -> std::result::Result<Record, Diagnostic> {
    let value: Value = serde_json::from_str(line).map_err(|e| {
        Diagnostic::at(n, DiagnosticKind::MalformedRecord, format!("invalid JSON, line skipped: {e}"))
            .with_text(truncate(line, 200))
    })?;
    let Value::Object(map) = value else {
        return Err(Diagnostic::at(n, DiagnosticKind::MalformedRecord, "not a JSON object, line skipped")
            .with_text(truncate(line, 200)));
    };
    let fields = map.into_iter().filter_map(|(k, v)| scalar(&v).map(|s| (k, s))).collect();
    Ok(Record { line: n, fields })
}

/// A JSON value as text: strings as they are, numbers and booleans
/// printed, null as absent, arrays and objects as compact JSON.
pub fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        other => Some(other.to_string()),
    }
}

pub(crate) fn truncate(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_threads_posts_and_metadata() {
        let csv = "thread_id,id,parent_id,author,text,kind,score\nt1,p,,op,The post,post,\nt1,a,,ann,hi,,3\nt1,b,a,bob,\"multi\nline\",,\nt2,x,,xu,other,,\n";
        let ts = read_csv(csv, "e.csv").unwrap();
        assert_eq!(ts.len(), 2);
        assert_eq!(ts[0].post.id.as_deref(), Some("p"));
        assert_eq!(ts[0].comments.len(), 2);
        assert_eq!(ts[0].comments[1].parent, Some(0));
        assert_eq!(ts[0].comments[0].metadata.get("score").map(String::as_str), Some("3"));
        assert_eq!(ts[0].comments[1].text, "multi\nline");
        assert_eq!(ts[1].source.thread_id.as_deref(), Some("t2"));
    }

    #[test]
    fn jsonl_bad_lines_are_diagnostics() {
        let j = "{\"id\": 1, \"parent_id\": null, \"author\": \"a\", \"text\": \"x\"}\nnot json\n{\"id\": 2, \"parent_id\": 1, \"text\": \"y\"}\n[1]\n";
        let ts = read_jsonl(j, "e.jsonl").unwrap();
        assert_eq!(ts[0].comments.len(), 2);
        assert_eq!(ts[0].comments[1].parent, Some(0));
        let lines: Vec<Option<u64>> = ts[0].diagnostics.iter().map(|d| d.line).collect();
        assert_eq!(lines, vec![Some(2), Some(4)]);
    }

    #[test]
    fn csv_without_id_column_is_an_error() {
        let e = read_csv("a,b\n1,2\n", "x.csv").unwrap_err();
        assert!(e.to_string().starts_with("x.csv:1: CSV header has no `id` column"));
    }
}
