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
use crate::model::{Comment, CommentExtra, Diagnostic, DiagnosticKind, Source, SourceFormat, Thread};
use crate::read::fields::{self, Raw};

/// One record with its line number: the fields read by name
/// ([`JSONL_FIELDS`], by index) apart from the others (metadata).
struct Record {
    line: u64,
    known: [Option<String>; JSONL_FIELDS.len()],
    other: BTreeMap<String, String>,
}

impl Record {
    /// A record from all its fields by name.
    fn new(line: u64, mut fields: BTreeMap<String, String>) -> Record {
        let known = JSONL_FIELDS.map(|name| fields.remove(name));
        Record { line, known, other: fields }
    }

    /// Take the field `name` (one of [`JSONL_FIELDS`]).
    fn take(&mut self, name: &str) -> Option<String> {
        JSONL_FIELDS.iter().position(|f| *f == name).and_then(|i| self.known[i].take())
    }
}

/// Groups records into threads in order of first appearance.
struct Threads {
    path: String,
    format: SourceFormat,
    /// Builders in order of first appearance.
    builders: Vec<ThreadBuilder>,
    /// Each thread id's place in `builders`.
    index: HashMap<Option<String>, usize>,
    /// The thread of the last record: the next one is most often in it too.
    last: Option<(Option<String>, usize)>,
    /// Diagnostics for records that belong to no thread (unreadable rows).
    orphans: Vec<Diagnostic>,
}

impl Threads {
    fn new(path: &str, format: SourceFormat) -> Threads {
        Threads {
            path: path.to_string(),
            format,
            builders: Vec::new(),
            index: HashMap::new(),
            last: None,
            orphans: Vec::new(),
        }
    }

    fn builder(&mut self, thread_id: Option<String>) -> &mut ThreadBuilder {
        let i = match &self.last {
            Some((id, i)) if *id == thread_id => *i,
            _ => {
                let next = self.builders.len();
                let i = *self.index.entry(thread_id.clone()).or_insert(next);
                if i == next {
                    let source = Source { path: self.path.clone(), thread_id: thread_id.clone(), format: self.format };
                    self.builders.push(ThreadBuilder::new(source));
                }
                self.last = Some((thread_id, i));
                i
            }
        };
        &mut self.builders[i]
    }

    fn add(&mut self, mut rec: Record) {
        let thread_id = rec.take("thread_id").filter(|s| !s.is_empty());
        let line = rec.line;
        let b = self.builder(thread_id);
        // `comment_id` is what `threadlens export --to csv` writes; beside
        // an `id` it is metadata.
        let comment_id = rec.take("comment_id");
        let id = match rec.take("id") {
            Some(id) => {
                rec.other.extend(comment_id.map(|c| ("comment_id".to_string(), c)));
                id
            }
            None => comment_id.unwrap_or_default(),
        };
        let kind = rec.take("kind").unwrap_or_default();
        let text = rec.take("text").unwrap_or_default();
        let author = rec.take("author").filter(|s| !s.is_empty());
        let created_at = rec.take("created_at").filter(|s| !s.is_empty());
        let title = rec.take("title").filter(|s| !s.is_empty());
        let parent_id = rec.take("parent_id").filter(|s| !s.is_empty() && s != "null");
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
                post.metadata = rec.other;
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
        let mut metadata = rec.other;
        if let Some(t) = title {
            metadata.insert("title".into(), t);
        }
        if !kind.is_empty() && !kind.eq_ignore_ascii_case("post") {
            metadata.insert("kind".into(), kind);
        }
        b.push(RawComment {
            comment: Comment { id, author, text, ..Comment::default() }.with_extra(CommentExtra {
                created_at,
                metadata,
                ..CommentExtra::default()
            }),
            parent_id,
            record: Some(line),
        });
    }

    fn finish(mut self) -> Result<Vec<Thread>> {
        if self.builders.is_empty() {
            let first = self.orphans.first().map(|d| d.to_string()).unwrap_or_else(|| "no records".into());
            return Err(Error::format(format!("no record could be read ({first})")).with_path(&self.path));
        }
        // Threads are independent: build them in parallel, keep their order.
        use rayon::prelude::*;
        let builders = std::mem::take(&mut self.builders);
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
        threads.add(Record::new(line, fields));
    }
    threads.finish()
}

/// Bytes of whole lines parsed at once: parsing runs in parallel (rayon)
/// within a chunk, records join their threads in input order; the chunk
/// bounds the memory held as input and as parsed-but-unplaced records.
const JSONL_CHUNK_BYTES: usize = 4 << 20;

/// Read a JSON Lines edge list (text already checked as a whole): its
/// lines are parsed in slices of about 4 MiB, not copied.
pub fn read_jsonl(text: &str, path: &str) -> Result<Vec<Thread>> {
    let mut chunks = JsonlChunks::new(path);
    let mut rest = text;
    while !rest.is_empty() {
        let cut = match rest.as_bytes().get(JSONL_CHUNK_BYTES..).and_then(|t| memchr::memchr(b'\n', t)) {
            Some(i) => JSONL_CHUNK_BYTES + i + 1,
            None => rest.len(),
        };
        let (chunk, after) = rest.split_at(cut);
        chunks.feed(chunk);
        rest = after;
    }
    chunks.finish()
}

/// Read a JSON Lines edge list from `input` a chunk of lines at a time,
/// so the file is never held whole (it may be larger than its threads).
/// Checked as [`decode_text`](crate::error::decode_text) checks a whole
/// input: a leading byte-order mark is skipped, a NUL byte in the first
/// 8 KiB is an error, and so is invalid UTF-8, naming its line and byte;
/// so is an input of white space only.
pub(crate) fn read_jsonl_stream<R: std::io::Read>(mut input: R, path: &str) -> Result<Vec<Thread>> {
    use std::io::Read;
    let mut chunks = JsonlChunks::new(path);
    let (mut chunk, mut carry): (Vec<u8>, Vec<u8>) = (Vec::new(), Vec::new());
    let (mut first, mut eof, mut blank) = (true, false, true);
    while !eof {
        chunk.clear();
        chunk.append(&mut carry);
        // Whole lines, about JSONL_CHUNK_BYTES of them (a longer line whole).
        let cut = loop {
            let want = JSONL_CHUNK_BYTES.saturating_sub(chunk.len()).max(1 << 16) as u64;
            let read = input.by_ref().take(want).read_to_end(&mut chunk);
            let n = read.map_err(|e| Error::format(format!("cannot read: {e}")).with_path(path))?;
            if n == 0 {
                eof = true;
                break chunk.len();
            }
            if chunk.len() >= JSONL_CHUNK_BYTES {
                if let Some(i) = memchr::memrchr(b'\n', &chunk) {
                    break i + 1;
                }
            }
        };
        carry.extend_from_slice(&chunk[cut..]);
        chunk.truncate(cut);
        if first {
            first = false;
            if chunk.starts_with(b"\xEF\xBB\xBF") {
                chunk.drain(..3);
            }
            if let Some(pos) = chunk[..chunk.len().min(8192)].iter().position(|&b| b == 0) {
                return Err(bad_byte(crate::error::ErrorKind::Binary, &chunk, pos, 0, 0).with_path(path));
            }
        }
        let text = match simdutf8::basic::from_utf8(&chunk).or_else(|_| std::str::from_utf8(&chunk)) {
            Ok(text) => text,
            Err(e) => {
                let (kind, pos) = (crate::error::ErrorKind::NotUtf8, e.valid_up_to());
                return Err(bad_byte(kind, &chunk, pos, chunks.lines_before, chunks.bytes_before).with_path(path));
            }
        };
        blank &= text.trim().is_empty();
        chunks.feed(text);
    }
    if blank {
        return Err(Error::new(crate::error::ErrorKind::Empty).with_path(path));
    }
    chunks.finish()
}

/// Threads read from JSON lines fed a chunk of whole lines at a time:
/// a chunk's lines parse in parallel while the chunk before's records are
/// placed in their threads (sequentially, in input order).
struct JsonlChunks {
    threads: Threads,
    pending: Vec<std::result::Result<Record, Diagnostic>>,
    /// Lines and bytes fed so far, for line numbers and error positions.
    lines_before: u64,
    bytes_before: u64,
}

impl JsonlChunks {
    fn new(path: &str) -> JsonlChunks {
        JsonlChunks {
            threads: Threads::new(path, SourceFormat::Jsonl),
            pending: Vec::new(),
            lines_before: 0,
            bytes_before: 0,
        }
    }

    /// Parse `chunk` (whole lines; only the input's last line may lack its
    /// `\n`) and place the records of the chunk before.
    fn feed(&mut self, chunk: &str) {
        use rayon::prelude::*;
        let lines: Vec<(u64, &str)> = chunk
            .lines()
            .enumerate()
            .map(|(i, l)| (self.lines_before + i as u64 + 1, l.trim()))
            .filter(|(_, l)| !l.is_empty())
            .collect();
        let JsonlChunks { threads, pending, .. } = self;
        let (parsed, ()) = rayon::join(
            || lines.par_iter().with_min_len(512).map(|&(n, line)| jsonl_record(n, line)).collect::<Vec<_>>(),
            || place(threads, pending),
        );
        self.pending = parsed;
        self.lines_before += memchr::memchr_iter(b'\n', chunk.as_bytes()).count() as u64;
        self.bytes_before += chunk.len() as u64;
    }

    fn finish(mut self) -> Result<Vec<Thread>> {
        place(&mut self.threads, &mut self.pending);
        self.threads.finish()
    }
}

/// Records (or the diagnostics that keep bad lines) into their threads.
fn place(threads: &mut Threads, records: &mut Vec<std::result::Result<Record, Diagnostic>>) {
    for record in records.drain(..) {
        match record {
            Ok(r) => threads.add(r),
            Err(d) => threads.orphans.push(d),
        }
    }
}

/// The error for the bad byte at `pos` of `chunk`, which `lines` lines and
/// `bytes` bytes came before.
fn bad_byte(kind: crate::error::ErrorKind, chunk: &[u8], pos: usize, lines: u64, bytes: u64) -> Error {
    let line = lines + memchr::memchr_iter(b'\n', &chunk[..pos]).count() as u64 + 1;
    Error::new(kind).at_line(line).at_byte(bytes + pos as u64)
}

/// The fields [`Threads::add`] reads by name: a line with only these is
/// read by [`skimmed_record`].
const JSONL_FIELDS: [&str; 9] =
    ["author", "comment_id", "created_at", "id", "kind", "parent_id", "text", "thread_id", "title"];

/// One JSON line as a record, or the diagnostic that keeps it.
fn jsonl_record(n: u64, line: &str) -> std::result::Result<Record, Diagnostic> {
    match skimmed_record(n, line) {
        Some(rec) => Ok(rec),
        None => parsed_record(n, line),
    }
}

/// [`jsonl_record`] by `serde_json`'s full parse.
fn parsed_record(n: u64, line: &str) -> std::result::Result<Record, Diagnostic> {
    let value: Value = serde_json::from_str(line).map_err(|e| {
        Diagnostic::at(n, DiagnosticKind::MalformedRecord, format!("invalid JSON, line skipped: {e}"))
            .with_text(truncate(line, 200))
    })?;
    let Value::Object(map) = value else {
        return Err(Diagnostic::at(n, DiagnosticKind::MalformedRecord, "not a JSON object, line skipped")
            .with_text(truncate(line, 200)));
    };
    let fields = map.into_iter().filter_map(|(k, v)| scalar(&v).map(|s| (k, s))).collect();
    Ok(Record::new(n, fields))
}

/// [`jsonl_record`] without building a JSON value: the line skimmed
/// ([`fields::skim`]) and its fields converted one by one, as [`scalar`]
/// converts them. `None` (the full parse decides) for anything the skim
/// leaves to `serde_json`, a field not in [`JSONL_FIELDS`] (it would be
/// metadata), or a value `serde_json` would refuse.
fn skimmed_record(n: u64, line: &str) -> Option<Record> {
    let other_field = std::cell::Cell::new(false);
    let slot = |key: &str| {
        let i = jsonl_slot(key);
        other_field.set(other_field.get() || i.is_none());
        i
    };
    let mut spans = fields::Spans::<'_, { JSONL_FIELDS.len() }>::new(line);
    if !fields::skim(slot, &mut spans) || other_field.get() {
        return None;
    }
    let mut known: [Option<String>; JSONL_FIELDS.len()] = Default::default();
    for (i, field) in known.iter_mut().enumerate() {
        *field = match spans.get(i) {
            None | Some(Raw::Null) => None,
            Some(Raw::Str(s) | Raw::Int(s)) => Some(s.to_string()),
            Some(raw) => scalar(&raw.to_value()?),
        };
    }
    Some(Record { line: n, known, other: BTreeMap::new() })
}

/// The index of `key` in [`JSONL_FIELDS`] (a `match`: cheaper than a search).
fn jsonl_slot(key: &str) -> Option<usize> {
    match key {
        "author" => Some(0),
        "comment_id" => Some(1),
        "created_at" => Some(2),
        "id" => Some(3),
        "kind" => Some(4),
        "parent_id" => Some(5),
        "text" => Some(6),
        "thread_id" => Some(7),
        "title" => Some(8),
        _ => None,
    }
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
    fn jsonl_is_read_a_chunk_at_a_time_with_lines_and_bytes_counted_across_chunks() {
        // ≈ 7 MB: two chunks and a bit. Reads of 1 to 4,099 bytes, CRLF
        // line ends, blank and bad lines, a last line without a newline.
        struct Dribble<'a>(&'a [u8], usize);
        impl std::io::Read for Dribble<'_> {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                self.1 = (self.1 * 31 + 7) % 4099 + 1;
                let n = self.1.min(buf.len()).min(self.0.len());
                buf[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let mut text = String::new();
        let mut bad = 0;
        for i in 0..60_000 {
            let parent = if i % 40 == 0 { "null".to_string() } else { format!("\"{}\"", i - 1) };
            let line = format!(
                "{{\"thread_id\":\"t{}\",\"id\":\"{i}\",\"parent_id\":{parent},\"text\":\"words words words words words words words words words words\"}}",
                i / 40
            );
            text.push_str(&line);
            text.push_str(if i % 3 == 0 { "\r\n" } else { "\n" });
            if i % 10_000 == 5 {
                text.push_str("not json\n\n   \n");
                bad += 1;
            }
        }
        text.push_str("{\"thread_id\":\"last\",\"id\":\"z\"}");
        assert!(text.len() > 6 << 20);
        let whole = read_jsonl(&text, "x.jsonl").unwrap();
        let dribbled = read_jsonl_stream(Dribble(text.as_bytes(), 0), "x.jsonl").unwrap();
        assert_eq!(whole.len(), 1_501);
        assert_eq!(whole.iter().map(|t| t.comments.len()).sum::<usize>(), 60_001);
        let diagnostics: Vec<u64> = whole.iter().flat_map(|t| &t.diagnostics).filter_map(|d| d.line).collect();
        assert_eq!(diagnostics.len(), bad);
        assert_eq!(format!("{whole:?}"), format!("{dribbled:?}"));
        // A bad byte in the second chunk: its own line and byte.
        let at = text.len() - 1_000_000;
        let line = text[..at].matches('\n').count() as u64 + 1;
        let mut bytes = text.into_bytes();
        bytes[at] = 0xFF;
        let e = read_jsonl_stream(Dribble(&bytes, 0), "x.jsonl").unwrap_err();
        assert!(matches!(e.kind(), crate::error::ErrorKind::NotUtf8), "{e}");
        assert_eq!((e.position().line, e.position().byte), (Some(line), Some(at as u64)), "{e}");
    }

    #[test]
    fn csv_threads_posts_and_metadata() {
        let csv = "thread_id,id,parent_id,author,text,kind,score\nt1,p,,op,The post,post,\nt1,a,,ann,hi,,3\nt1,b,a,bob,\"multi\nline\",,\nt2,x,,xu,other,,\n";
        let ts = read_csv(csv, "e.csv").unwrap();
        assert_eq!(ts.len(), 2);
        assert_eq!(ts[0].post.id.as_deref(), Some("p"));
        assert_eq!(ts[0].comments.len(), 2);
        assert_eq!(ts[0].comments[1].parent, Some(0));
        assert_eq!(ts[0].comments[0].metadata().get("score").map(String::as_str), Some("3"));
        assert_eq!(ts[0].comments[1].text, "multi\nline");
        assert_eq!(ts[1].source.thread_id.as_deref(), Some("t2"));
    }

    /// The skim and the full parse make the same record of every line the
    /// skim takes: the JSONL fixtures and lines with escapes, numbers,
    /// nesting, null, booleans, both `id` and `comment_id`, and the lines
    /// the skim must leave to the full parse.
    #[test]
    fn skimmed_records_equal_parsed_ones() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut lines: Vec<String> = Vec::new();
        for dir in ["fixtures/formats", "fixtures/pushback", "fixtures/report", "fixtures/hostility"] {
            for entry in std::fs::read_dir(root.join(dir)).unwrap() {
                let path = entry.unwrap().path();
                if path.extension().is_some_and(|e| e == "jsonl") {
                    lines.extend(std::fs::read_to_string(&path).unwrap().lines().map(str::to_string));
                }
            }
        }
        // Generated lines carry only the fields read by name: all skimmed.
        let opts = crate::gen::GenOptions { threads: 3, comments_per_thread: 60, ..Default::default() };
        let mut generated = Vec::new();
        crate::gen::write_corpus(&opts, crate::gen::GenFormat::Jsonl, &mut generated).unwrap();
        let generated = String::from_utf8(generated).unwrap();
        assert!(generated.lines().all(|l| skimmed_record(0, l).is_some()));
        lines.extend(generated.lines().map(str::to_string));
        let fixture_lines = lines.len();
        lines.extend(
            [
                r#"{"id":"a","text":"tab\tquote\" \u00e9 \ud83d\ude00","author":"x"}"#,
                r#"{"id":7,"parent_id":6,"thread_id":12345678901234567,"created_at":1.50,"kind":"post","title":"T"}"#,
                r#" { "id" : "b" , "author" : null , "text" : true , "title" : false , "kind" : [1, {"a": []}] } "#,
                r#"{"id":"c","comment_id":"d","parent_id":"null","text":-0.0}"#,
                r#"{"comment_id":"e","created_at":1e400}"#,
                r#"{"id":"f","score":3}"#,
                r#"{"id":"g","id":"h"}"#,
                r#"{"id":"\ud800"}"#,
                r#"{"id":"i","text":"raw	tab"}"#,
                r#"{}"#,
            ]
            .map(str::to_string),
        );
        let mut skimmed = 0;
        for (i, line) in lines.iter().enumerate() {
            let line = line.trim();
            let Some(fast) = skimmed_record(i as u64, line) else { continue };
            skimmed += 1;
            let full = parsed_record(i as u64, line).unwrap_or_else(|d| panic!("{line}: {d}"));
            assert_eq!((fast.known, fast.other), (full.known, full.other), "{line}");
        }
        // The fixture lines with extra fields (metadata) and the last four
        // lines added take the full parse.
        assert!(skimmed >= 200 && skimmed < fixture_lines, "{skimmed} of {fixture_lines} lines skimmed");
        for line in &lines[lines.len() - 5..lines.len() - 1] {
            assert!(skimmed_record(0, line).is_none(), "{line}");
        }
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
