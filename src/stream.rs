//! Streaming mode: grouped NDJSON records in, one JSON result per thread out.
//!
//! This is the stage threadlens plays inside a distributed engine (Spark
//! `RDD.pipe`, Hadoop Streaming, `xargs -P`): the engine groups records by
//! thread, threadlens reads them from standard input one line at a time,
//! and as soon as the thread key changes it analyzes the finished thread
//! and writes one line of JSON. Memory holds one thread at a time.
//!
//! A record is a generic edge-list object (`id`, `parent_id`, `thread_id`,
//! `author`, `text`) or a Pushshift comment (`id`, `parent_id` `t1_`/`t3_`,
//! `link_id`, `author`, `body`, …). Records whose thread key was already
//! finished mean the input was not grouped: they still form a (second)
//! result for that key, and the summary counts them, so nothing is lost
//! silently.

use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};
use serde::de::IgnoredAny;
use std::io::{BufRead, Write};

use serde::Serialize;

use crate::analysis;
use crate::builder::{RawComment, ThreadBuilder};
use crate::error::{Error, Result};
use crate::model::{Comment, CommentExtra, Diagnostic, DiagnosticKind, Source, SourceFormat, Thread};
use crate::read::fields::Raw;
use crate::read::pushshift::{slot_of, Skimmed};
use crate::read::reddit;
use crate::spill::{self, Partitioner, Progress, Rendered, SpillOptions};
use std::borrow::Cow;

/// What one thread's line of output says.
#[derive(Clone, Debug, Serialize)]
pub struct ThreadResult {
    /// The thread key (`thread_id` or the post id of `link_id`).
    pub thread_id: String,
    /// Comments (placeholders for absent parents included).
    pub comments: usize,
    /// Distinct named authors.
    pub participants: usize,
    /// Comments replying to the post.
    pub top_level: usize,
    /// Deepest comment (0 = top level); `null` without comments.
    pub max_depth: Option<u32>,
    /// Comments on the longest root-to-leaf chain.
    pub longest_chain: usize,
    /// Comments the hostility detector flags.
    pub hostile_comments: usize,
    /// Comments that push back on a claim.
    pub pushback_comments: usize,
    /// Diagnostics the reader wrote (missing parents, bad records, …).
    pub diagnostics: usize,
}

/// Totals over a whole stream.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct StreamStats {
    /// Lines read.
    pub lines: u64,
    /// Records turned into comments.
    pub records: u64,
    /// Lines skipped (not JSON objects, no id, …).
    pub skipped: u64,
    /// Threads written.
    pub threads: u64,
    /// Threads whose key appeared again after it was finished.
    pub regrouped: u64,
}

/// Summarize one thread; without `analyses`, only its shape (the
/// detector counts are then 0).
pub fn summarize(t: &Thread, analyses: bool) -> ThreadResult {
    let a = if analyses { analysis::analyze(t) } else { analysis::ThreadAnalysis::default() };
    ThreadResult {
        thread_id: t.display_id(),
        comments: t.comments.len(),
        participants: t.participant_count(),
        top_level: t.graph.top_level().len(),
        max_depth: t.graph.max_depth(),
        longest_chain: t.graph.max_depth().map_or(0, |d| d as usize + 1),
        hostile_comments: a.hostility.iter().filter(|h| h.hostile).count(),
        pushback_comments: a.pushback.comments.iter().filter(|p| p.pushback).count(),
        diagnostics: t.diagnostics.len(),
    }
}

/// Read grouped records from `input`, write one JSON line per thread to
/// `out`. `name` labels the input in diagnostics; `analyses` runs the
/// detectors (off: shape only).
pub fn run<R: BufRead, W: Write>(mut input: R, mut out: W, name: &str, analyses: bool) -> Result<StreamStats> {
    use rayon::prelude::*;
    let mut stats = StreamStats::default();
    let mut current: Option<(String, ThreadBuilder)> = None;
    let mut finished: HashSet<String> = HashSet::new();
    // Threads complete in this batch, made and summarized in parallel,
    // written in order.
    let mut flush = |done: Vec<Done<'_>>, stats: &mut StreamStats, out: &mut W| -> Result<()> {
        let results: Vec<(String, ThreadResult)> = done
            .into_par_iter()
            .map(|d| {
                let (key, b) = d.builder(name);
                (key, summarize(&b.build(), analyses))
            })
            .collect();
        for (key, result) in results {
            write_result(&result, &mut *out)?;
            stats.threads += 1;
            if !finished.insert(key) {
                stats.regrouped += 1;
            }
        }
        Ok(())
    };
    // A batch's lines back to back in one buffer, reused batch after batch.
    let mut data: Vec<u8> = Vec::new();
    let mut lines: Vec<(usize, usize)> = Vec::new();
    let mut first_line = 0u64;
    let mut parsed: Vec<Option<(String, RawComment)>> = Vec::new();
    loop {
        read_batch(&mut input, &mut data, &mut lines, first_line, name)?;
        let filled = lines.len();
        // Records parse in parallel; they join their threads in input order.
        // Into the same vector batch after batch: a fresh one per batch
        // costs page faults for megabytes of records.
        (0..filled)
            .into_par_iter()
            .with_min_len(256)
            .map(|k| record(&data[lines[k].0..lines[k].1], first_line + k as u64 + 1, analyses))
            .collect_into_vec(&mut parsed);
        // A line that is not a record is reported in the thread of the
        // record before it (none before the first record).
        let reported: Vec<Option<u64>> = (0..filled)
            .map(|k| {
                let blank = || data[lines[k].0..lines[k].1].iter().all(u8::is_ascii_whitespace);
                (parsed[k].is_none() && !blank()).then_some(first_line + k as u64 + 1)
            })
            .collect();
        // Where a thread's records start: a run of one key (with the
        // lines after it that are not records) is a thread. The first run
        // may go on with the batch before's last thread, the last may go
        // on in the next batch; the runs between are whole threads.
        let mut starts: Vec<usize> = Vec::new();
        let mut key_before = current.as_ref().map(|(key, _)| key.as_str());
        for (k, p) in parsed.iter().enumerate() {
            if let Some((key, _)) = p {
                stats.records += 1;
                if key_before != Some(key.as_str()) {
                    starts.push(k);
                    key_before = Some(key.as_str());
                }
            }
        }
        stats.lines += filled as u64;
        stats.skipped += reported.iter().flatten().count() as u64;
        let first_start = starts.first().copied().unwrap_or(filled);
        if let Some((_, b)) = current.as_mut() {
            fill(b, &mut parsed[..first_start], &reported[..first_start]);
        }
        let mut done: Vec<Done<'_>> = Vec::new();
        if let Some(&last) = starts.last() {
            done.extend(current.take().map(|(key, b)| Done::Built(key, Box::new(b))));
            let (mut middle, last_run) = parsed[first_start..].split_at_mut(last - first_start);
            for w in starts.windows(2) {
                let (run, rest) = std::mem::take(&mut middle).split_at_mut(w[1] - w[0]);
                done.push(Done::Run(run, &reported[w[0]..w[1]]));
                middle = rest;
            }
            current = Some(Done::Run(last_run, &reported[last..]).builder(name));
        }
        flush(done, &mut stats, &mut out)?;
        first_line += filled as u64;
        if filled < STREAM_BATCH {
            break;
        }
    }
    flush(current.take().map(|(key, b)| Done::Built(key, Box::new(b))).into_iter().collect(), &mut stats, &mut out)?;
    out.flush()?;
    Ok(stats)
}

/// A thread [`run`] has all the records of: a builder, or a run of a
/// batch's records (the first one a record) with, for each line, the line
/// number to report when it is not a record.
enum Done<'a> {
    Built(String, Box<ThreadBuilder>),
    Run(&'a mut [Option<(String, RawComment)>], &'a [Option<u64>]),
}

impl Done<'_> {
    /// The thread's key and builder.
    fn builder(self, name: &str) -> (String, ThreadBuilder) {
        match self {
            Done::Built(key, b) => (key, *b),
            Done::Run(run, reported) => {
                let key = run.first().and_then(|p| p.as_ref()).map(|(key, _)| key.clone()).unwrap_or_default();
                let mut b = new_builder(name, &key);
                fill(&mut b, run, reported);
                (key, b)
            }
        }
    }
}

/// Move a run's records into `b` (room made once) and report its lines
/// that are not records.
fn fill(b: &mut ThreadBuilder, run: &mut [Option<(String, RawComment)>], reported: &[Option<u64>]) {
    b.reserve(run.iter().filter(|p| p.is_some()).count());
    for (p, n) in run.iter_mut().zip(reported) {
        match (p.take(), n) {
            (Some((_, raw)), _) => {
                b.push(raw);
            }
            (None, Some(n)) => {
                b.diagnostic(not_a_record(*n));
            }
            (None, None) => {}
        }
    }
}

/// Lines read per batch in [`run`]: enough to keep every core busy, few
/// enough that a batch's records and finished threads stay small.
const STREAM_BATCH: usize = 8192;

/// Read up to [`STREAM_BATCH`] lines into `data`, each line's range
/// (without its `\n`) in `lines`: newlines found by `memchr` in the
/// reader's buffer and the batch copied at once, instead of a search and
/// a copy per line. A last line without `\n` counts; an empty batch means
/// the end. A read error names the line it interrupted.
fn read_batch<R: BufRead>(
    input: &mut R,
    data: &mut Vec<u8>,
    lines: &mut Vec<(usize, usize)>,
    first_line: u64,
    name: &str,
) -> Result<()> {
    data.clear();
    lines.clear();
    let mut start = 0;
    while lines.len() < STREAM_BATCH {
        let buf = match input.fill_buf() {
            Ok(buf) => buf,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(Error::from(e).with_path(name).at_line(first_line + lines.len() as u64 + 1)),
        };
        if buf.is_empty() {
            if data.len() > start {
                lines.push((start, data.len()));
            }
            break;
        }
        let base = data.len();
        let mut used = buf.len();
        for k in memchr::memchr_iter(b'\n', buf) {
            lines.push((start, base + k));
            start = base + k + 1;
            if lines.len() == STREAM_BATCH {
                used = k + 1;
                break;
            }
        }
        data.extend_from_slice(&buf[..used]);
        input.consume(used);
    }
    Ok(())
}

/// The builder of a thread `key` read from `name`.
fn new_builder(name: &str, key: &str) -> ThreadBuilder {
    ThreadBuilder::new(Source { path: name.to_string(), thread_id: Some(key.to_string()), format: SourceFormat::Jsonl })
}

/// The diagnostic for line `n`, which is not a record.
fn not_a_record(n: u64) -> Diagnostic {
    Diagnostic::at(n, DiagnosticKind::MalformedRecord, "not a comment record; skipped")
}

/// One result as a line of JSON.
fn write_result<W: Write + ?Sized>(result: &ThreadResult, out: &mut W) -> Result<()> {
    serde_json::to_writer(&mut *out, result).map_err(|e| match e.io_error_kind() {
        // Keep the kind, so a closed pipe (`| head`) ends quietly.
        Some(kind) => Error::from(std::io::Error::from(kind)),
        None => Error::from(std::io::Error::other(e)),
    })?;
    out.write_all(b"\n")?;
    Ok(())
}

/// Pass 1 tag of a record line.
const TAG_RECORD: u8 = b'R';
/// Pass 1 tag of a line that is not a record; its "line" is the key of the
/// thread it falls in, as a JSON string.
const TAG_BAD: u8 = b'B';

/// Like [`run`], but the input need not be grouped: records are grouped by
/// thread key through `parts` temporary partition files under
/// `spill.temp_dir` (see [`crate::spill`]), one partition in memory at a
/// time, and one result per thread is written, threads in order of their
/// first record. On grouped input the output is byte for byte that of
/// [`run`]. A line that is not a record is reported with the thread of the
/// record before it, as [`run`] does.
pub fn run_grouping<R: BufRead, W: Write>(
    input: R,
    mut out: W,
    name: &str,
    analyses: bool,
    spill: &SpillOptions,
    parts: usize,
) -> Result<StreamStats> {
    spill::install_interrupt_handler();
    let mut stats = StreamStats::default();
    let mut part = Partitioner::new(&spill.temp_dir, parts)?;
    let mut last_key: Option<String> = None;
    let mut bytes = 0u64;
    let mut progress = Progress::new("partitioning", None);
    for (i, line) in input.split(b'\n').enumerate() {
        let n = i as u64 + 1;
        if i % 4096 == 0 {
            spill::check_interrupted()?;
            progress.update(bytes);
        }
        let line = line.map_err(|e| Error::from(e).with_path(name).at_line(n))?;
        bytes += line.len() as u64 + 1;
        stats.lines += 1;
        match record(&line, n, analyses) {
            Some((key, _)) => {
                part.push(&key, TAG_RECORD, n, &line)?;
                stats.records += 1;
                if last_key.as_deref() != Some(key.as_str()) {
                    last_key = Some(key);
                }
            }
            None if line.iter().all(u8::is_ascii_whitespace) => {}
            None => {
                stats.skipped += 1;
                if let Some(k) = &last_key {
                    // As JSON: a key may hold any character, a newline too.
                    let quoted = serde_json::to_vec(k).map_err(std::io::Error::other)?;
                    part.push(k, TAG_BAD, n, &quoted)?;
                }
            }
        }
    }
    progress.finish();
    let results = part.finish()?.group(|records, emit| {
        let mut order: Vec<(u64, String)> = Vec::new();
        let mut builders: HashMap<String, ThreadBuilder> = HashMap::new();
        for r in records {
            let (tag, n, line) = r?;
            let (key, raw) = match tag {
                TAG_BAD => match serde_json::from_slice::<String>(&line) {
                    Ok(key) => (key, None),
                    Err(_) => continue,
                },
                _ => match record(&line, n, analyses) {
                    Some((key, raw)) => (key, Some(raw)),
                    None => continue,
                },
            };
            let b = builders.entry(key).or_insert_with_key(|k| {
                order.push((n, k.clone()));
                new_builder(name, k)
            });
            match raw {
                Some(raw) => b.push(raw),
                None => b.diagnostic(not_a_record(n)),
            };
        }
        let threads: Vec<(u64, ThreadBuilder)> =
            order.into_iter().filter_map(|(first, k)| builders.remove(&k).map(|b| (first, b))).collect();
        let render = |(first, b): (u64, ThreadBuilder)| {
            let mut line = Vec::new();
            write_result(&summarize(&b.build(), analyses), &mut line)?;
            Ok(Rendered { first, out: line, err: Vec::new() })
        };
        spill::render_in_order(threads, render, emit)
    })?;
    results.merge(Some(&mut out), &mut std::io::sink())?;
    stats.threads = results.threads();
    out.flush()?;
    Ok(stats)
}

/// The fields a record may carry, borrowed from the line where possible
/// (typed parsing skips the rest without building a map: several times
/// faster than `serde_json::Value`). `T` is the body's type: borrowed text,
/// or [`IgnoredAny`] for shape only, which skips the body without
/// validating or unescaping it.
#[derive(serde::Deserialize)]
#[serde(bound(deserialize = "'de: 'a, T: serde::Deserialize<'de>"))]
struct Record<'a, T> {
    #[serde(borrow, default)]
    id: Option<Id<'a>>,
    #[serde(borrow, default)]
    parent_id: Option<Id<'a>>,
    #[serde(borrow, default)]
    thread_id: Option<Id<'a>>,
    #[serde(borrow, default)]
    link_id: Option<Id<'a>>,
    #[serde(borrow, default)]
    author: Option<std::borrow::Cow<'a, str>>,
    #[serde(default = "none")]
    text: Option<T>,
    #[serde(default = "none")]
    body: Option<T>,
    #[serde(borrow, default)]
    created_at: Option<Id<'a>>,
}

fn none<T>() -> Option<T> {
    None
}

/// An id or time that may be written as a string or a number. A manual
/// visitor: `#[serde(untagged)]` would buffer every value first.
struct Id<'a>(std::borrow::Cow<'a, str>);

impl<'de: 'a, 'a> serde::Deserialize<'de> for Id<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Id<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a string or a number")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> std::result::Result<Id<'de>, E> {
                Ok(Id(std::borrow::Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> std::result::Result<Id<'de>, E> {
                Ok(Id(std::borrow::Cow::Owned(v.to_string())))
            }
            fn visit_i64<E>(self, v: i64) -> std::result::Result<Id<'de>, E> {
                Ok(Id(std::borrow::Cow::Owned(v.to_string())))
            }
            fn visit_u64<E>(self, v: u64) -> std::result::Result<Id<'de>, E> {
                Ok(Id(std::borrow::Cow::Owned(v.to_string())))
            }
            fn visit_f64<E>(self, v: f64) -> std::result::Result<Id<'de>, E> {
                Ok(Id(std::borrow::Cow::Owned(v.to_string())))
            }
        }
        d.deserialize_any(V)
    }
}

impl Id<'_> {
    fn into_string(self) -> Option<String> {
        (!self.0.is_empty()).then(|| self.0.into_owned())
    }
}

/// One line as (thread key, comment), or `None` when it is not a record.
/// Without `keep_text` (shape only) the body is skipped, not parsed.
///
/// Lines are skimmed first ([`crate::read::fields`]: keys found, values
/// borrowed, the rest checked and skipped, one pass); whatever the skim
/// cannot settle (invalid UTF-8, escapes in a key, a repeated key, a
/// value of an unexpected type) takes the typed `serde_json` parse, so
/// both give the same answer for every line.
fn record(line: &[u8], n: u64, keep_text: bool) -> Option<(String, RawComment)> {
    match skimmed_record(line, n, keep_text) {
        Some(decided) => decided,
        None => parsed_record(line, n, keep_text),
    }
}

/// The slots of the fields a record is read for.
const ID: usize = slot_of("id");
const PARENT_ID: usize = slot_of("parent_id");
const THREAD_ID: usize = slot_of("thread_id");
const LINK_ID: usize = slot_of("link_id");
const CREATED_AT: usize = slot_of("created_at");
const AUTHOR: usize = slot_of("author");
const TEXT: usize = slot_of("text");
const BODY: usize = slot_of("body");

/// [`record`] from a skim: `None` when the skim cannot decide.
fn skimmed_record(line: &[u8], n: u64, keep_text: bool) -> Option<Option<(String, RawComment)>> {
    let line = simdutf8::basic::from_utf8(line).ok()?;
    let f = Skimmed::new(line)?;
    // The typed parse's rules: ids are strings or numbers, author and
    // text strings; null is absent.
    let id_of = |key: usize| -> Option<Option<Cow<'_, str>>> {
        match f.raw(key) {
            None | Some(Raw::Null) => Some(None),
            Some(Raw::Int(s)) => Some(Some(Cow::Borrowed(s))),
            Some(r) => r.string().map(Some),
        }
    };
    let text_of = |key: usize| -> Option<Option<Cow<'_, str>>> {
        match f.raw(key) {
            None | Some(Raw::Null) => Some(None),
            Some(r) => r.string().map(Some),
        }
    };
    let nonempty = |s: Option<Cow<'_, str>>| s.filter(|s| !s.is_empty()).map(Cow::into_owned);
    let (id, parent_id, thread_id, link_id, created_at) =
        (id_of(ID)?, id_of(PARENT_ID)?, id_of(THREAD_ID)?, id_of(LINK_ID)?, id_of(CREATED_AT)?);
    let author = text_of(AUTHOR)?;
    let text = if keep_text { text_of(TEXT)?.or(text_of(BODY)?).map(Cow::into_owned) } else { None };
    if let Some(link) = nonempty(link_id) {
        let key = reddit::strip_kind(&link).to_string();
        let Some((comment, parent)) = reddit::comment_from(&f) else { return Some(None) };
        let parent_id = parent.filter(|p| !p.starts_with("t3_")).map(|p| reddit::strip_kind(&p).to_string());
        return Some(Some((key, RawComment { comment, parent_id, record: Some(n) })));
    }
    let Some(id) = nonempty(id) else { return Some(None) };
    let comment = Comment {
        id,
        author: author.filter(|a| !a.is_empty()).map(Cow::into_owned),
        text: text.unwrap_or_default(),
        ..Comment::default()
    }
    .with_extra(CommentExtra { created_at: nonempty(created_at), ..CommentExtra::default() });
    let key = nonempty(thread_id).unwrap_or_default();
    Some(Some((key, RawComment { comment, parent_id: nonempty(parent_id), record: Some(n) })))
}

/// [`record`] by the typed `serde_json` parse.
fn parsed_record(line: &[u8], n: u64, keep_text: bool) -> Option<(String, RawComment)> {
    if keep_text {
        let rec: Record<'_, std::borrow::Cow<'_, str>> = serde_json::from_slice(line).ok()?;
        let text = rec.text.as_ref().or(rec.body.as_ref()).map(|t| t.to_string()).unwrap_or_default();
        comment_of(rec, line, n, text)
    } else {
        let rec: Record<'_, IgnoredAny> = serde_json::from_slice(line).ok()?;
        comment_of(rec, line, n, String::new())
    }
}

/// The thread key and comment of a parsed record, with its body `text`.
fn comment_of<T>(rec: Record<'_, T>, line: &[u8], n: u64, text: String) -> Option<(String, RawComment)> {
    if let Some(link) = rec.link_id.and_then(Id::into_string) {
        // Pushshift comment: statuses ([deleted], [removed]) need the
        // platform mapping, so those lines go through the Reddit reader.
        let key = reddit::strip_kind(&link).to_string();
        let (comment, parent) = crate::read::pushshift::comment_of_line(line)?;
        let parent_id = parent.filter(|p| !p.starts_with("t3_")).map(|p| reddit::strip_kind(&p).to_string());
        return Some((key, RawComment { comment, parent_id, record: Some(n) }));
    }
    let id = rec.id.and_then(Id::into_string)?;
    let key = rec.thread_id.and_then(Id::into_string).unwrap_or_default();
    let comment = Comment {
        id,
        author: rec.author.map(|a| a.into_owned()).filter(|a| !a.is_empty()),
        text,
        ..Comment::default()
    }
    .with_extra(CommentExtra { created_at: rec.created_at.and_then(Id::into_string), ..CommentExtra::default() });
    Some((key, RawComment { comment, parent_id: rec.parent_id.and_then(Id::into_string), record: Some(n) }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    /// `run` over `input`: its result lines as JSON, and its counts.
    fn run_json(input: &str, analyses: bool) -> (Vec<Value>, StreamStats) {
        let mut out = Vec::new();
        let stats = run(input.as_bytes(), &mut out, "stdin", analyses).unwrap();
        let lines = String::from_utf8(out).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        (lines, stats)
    }

    #[test]
    fn skimmed_records_equal_the_typed_parse() {
        // Edge-list and Pushshift lines, generated and real (Reddit API
        // comments as dump lines), and lines built to trip a skimmer:
        // escapes, numbers, nesting, repeated keys, bad UTF-8, syntax errors.
        let input = include_bytes!("../fixtures/stream/tricky.jsonl");
        let (mut decided, mut records) = (0, 0);
        for (i, line) in input.split(|&b| b == b'\n').enumerate() {
            let n = i as u64 + 1;
            for keep_text in [false, true] {
                let parsed = parsed_record(line, n, keep_text);
                assert_eq!(format!("{:?}", record(line, n, keep_text)), format!("{parsed:?}"), "line {n}");
                if keep_text {
                    decided += usize::from(skimmed_record(line, n, keep_text).is_some());
                    records += usize::from(parsed.is_some());
                }
            }
        }
        assert_eq!((decided, records), (142, 146), "lines the skim settles, lines that are records");
    }

    /// Lines for [`skim_agrees_with_the_typed_parse_on_mutated_lines`].
    const TEMPLATES: [&str; 4] = [
        r#"{"author":"quinn","id":"t0c1","parent_id":"t0c0","text":"First report, \"quoted\" é.","thread_id":"t0"}"#,
        r#"{"author":"jon","body":"Report &gt; council","created_utc":1500000001,"id":"0x1","link_id":"t3_0","parent_id":"t1_0x0","score":1,"subreddit":"generated"}"#,
        r#"{"id":"c3","link_id":"t3_x","parent_id":"t1_c1","body":"&gt; q\nr","all_awardings":[{"x":[1,2]}],"gildings":{},"edited":1600000000.5,"stickied":true,"author_flair_text":null}"#,
        r#" { "thread_id" : 7 , "id" : 12 , "parent_id" : null , "text" : "n" , "created_at" : "2020-01-01" } "#,
    ];
    /// What mutations insert: JSON's syntax, escapes good and bad, numbers
    /// in and out of range, control bytes, invalid UTF-8, repeated keys.
    const PIECES: [&[u8]; 22] = [
        b"\"",
        b"\\",
        b"\\u00e9",
        b"\\ud800",
        b"\\ud83d\\ude00",
        b"{",
        b"}",
        b"[",
        b"]",
        b",",
        b":",
        b" ",
        b"1e400",
        b"-0",
        b"null",
        b"\"id\":\"x\",",
        b"\"link_id\":\"t3_q\",",
        b"\x01",
        b"\xff",
        "é".as_bytes(),
        b"0",
        b".5",
    ];

    proptest::proptest! {
        #[test]
        fn skim_agrees_with_the_typed_parse_on_mutated_lines(
            template in 0..TEMPLATES.len(),
            edits in proptest::collection::vec((0usize..400, 0u8..3, 0..PIECES.len()), 0..4),
        ) {
            let mut line = TEMPLATES[template].as_bytes().to_vec();
            for (at, op, piece) in edits {
                let at = at % (line.len() + 1);
                match op {
                    0 => {
                        line.splice(at..at, PIECES[piece].iter().copied());
                    }
                    _ if at == line.len() => {}
                    1 => {
                        line.remove(at);
                    }
                    _ => {
                        line.splice(at..at + 1, PIECES[piece].iter().copied());
                    }
                }
            }
            for keep_text in [false, true] {
                proptest::prop_assert_eq!(
                    format!("{:?}", record(&line, 3, keep_text)),
                    format!("{:?}", parsed_record(&line, 3, keep_text)),
                    "{}", String::from_utf8_lossy(&line)
                );
            }
        }
    }

    #[test]
    fn one_result_per_group() {
        let input = concat!(
            "{\"thread_id\":\"a\",\"id\":\"1\",\"author\":\"ann\",\"text\":\"Where's the proof?\"}\n",
            "{\"thread_id\":\"a\",\"id\":\"2\",\"parent_id\":\"1\",\"author\":\"bob\",\"text\":\"you moron\"}\n",
            "not json\n",
            "{\"link_id\":\"t3_x\",\"id\":\"c1\",\"parent_id\":\"t3_x\",\"author\":\"cy\",\"body\":\"hi\"}\n",
            "{\"link_id\":\"t3_x\",\"id\":\"c2\",\"parent_id\":\"t1_c9\",\"author\":\"di\",\"body\":\"orphan\"}\n",
            "{\"thread_id\":\"a\",\"id\":\"3\",\"author\":\"eve\",\"text\":\"late\"}\n",
        );
        let (lines, stats) = run_json(input, true);
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[0]["thread_id"], "a");
        assert_eq!(lines[0]["comments"], 2);
        assert_eq!(lines[0]["max_depth"], 1);
        assert_eq!(lines[0]["diagnostics"], 1, "the bad line is reported with the open thread");
        assert_eq!(lines[1]["thread_id"], "x");
        assert_eq!(lines[1]["comments"], 3, "a placeholder stands in for the absent parent");
        assert_eq!(lines[2]["thread_id"], "a");
        assert_eq!(stats, StreamStats { lines: 6, records: 5, skipped: 1, threads: 3, regrouped: 1 });
    }

    #[test]
    fn a_read_error_comes_after_the_threads_read_before_it() {
        // Thread "a" ends inside the first batch; the input then fails
        // while the second batch is being read: "a" is still written (a
        // batch's finished threads go out before the next batch is read),
        // and the error names the line the failure interrupted.
        struct FailsAfter(std::io::Cursor<Vec<u8>>);
        impl std::io::Read for FailsAfter {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                match self.0.read(buf)? {
                    0 => Err(std::io::Error::other("device gone")),
                    n => Ok(n),
                }
            }
        }
        let mut input = String::new();
        for i in 0..STREAM_BATCH + 3 {
            let key = if i < 10 { "a" } else { "b" };
            input.push_str(&format!("{{\"thread_id\":\"{key}\",\"id\":\"{i}\",\"text\":\"t\"}}\n"));
        }
        let reader = std::io::BufReader::new(FailsAfter(std::io::Cursor::new(input.into_bytes())));
        let mut out = Vec::new();
        let err = run(reader, &mut out, "in.jsonl", false).expect_err("the read fails");
        let out = String::from_utf8(out).expect("UTF-8");
        assert_eq!(out.lines().count(), 1, "{out}");
        assert!(out.contains("\"thread_id\":\"a\""), "{out}");
        let msg = err.to_string();
        assert!(msg.contains("in.jsonl") && msg.contains(&format!("{}", STREAM_BATCH + 4)), "{msg}");
    }

    #[test]
    fn batches_read_the_same_whatever_the_reads_return() {
        // Reads of 1 to 13 bytes put newlines at every place of a read;
        // a long line spans many reads; a batch ends inside a read; the
        // last line has no newline.
        struct Dribble<'a>(&'a [u8], usize);
        impl std::io::Read for Dribble<'_> {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                self.1 = self.1 % 13 + 1;
                let n = self.1.min(buf.len()).min(self.0.len());
                buf[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let mut input = String::new();
        let long = "x".repeat(300_000);
        for i in 0..STREAM_BATCH + 500 {
            let key = i / 700;
            let text = if i == 3 { long.as_str() } else { "t" };
            input.push_str(&format!("{{\"thread_id\":\"{key}\",\"id\":\"{i}\",\"text\":\"{text}\"}}\n"));
            if i % 1000 == 0 {
                input.push_str("\nnot a record\n");
            }
        }
        input.push_str("{\"thread_id\":\"last\",\"id\":\"z\"}");
        let mut whole = Vec::new();
        let whole_stats = run(input.as_bytes(), &mut whole, "in", false).unwrap();
        let mut dribbled = Vec::new();
        let reader = std::io::BufReader::with_capacity(7, Dribble(input.as_bytes(), 0));
        let dribbled_stats = run(reader, &mut dribbled, "in", false).unwrap();
        assert_eq!(String::from_utf8(dribbled).unwrap(), String::from_utf8(whole.clone()).unwrap());
        assert_eq!(dribbled_stats, whole_stats);
        assert_eq!(whole_stats.records, STREAM_BATCH as u64 + 501);
        assert_eq!(whole_stats.skipped, 9);
        let whole = String::from_utf8(whole).unwrap();
        assert_eq!(whole.lines().count(), 14, "{whole}");
        assert!(whole.lines().last().unwrap().contains("\"thread_id\":\"last\""));
    }

    #[test]
    fn bad_and_blank_lines_go_with_the_thread_before_them() {
        let rec = |key: &str, id: &str| format!("{{\"thread_id\":\"{key}\",\"id\":\"{id}\",\"text\":\"t\"}}\n");
        let mut input = String::from("junk before any record\n\n");
        input += &(rec("a", "1") + &rec("a", "2") + "junk in a\n" + &rec("b", "1") + "  \n");
        input += &(rec("c", "1") + "junk in c\n" + &rec("a", "3") + "junk at the end\n");
        let (lines, stats) = run_json(&input, false);
        let got: Vec<(String, u64, u64)> = lines
            .iter()
            .map(|l| {
                let (t, c, d) = (&l["thread_id"], &l["comments"], &l["diagnostics"]);
                (t.as_str().unwrap().to_string(), c.as_u64().unwrap(), d.as_u64().unwrap())
            })
            .collect();
        let want = [("a", 2, 1), ("b", 1, 0), ("c", 1, 1), ("a", 1, 1)].map(|(t, c, d)| (t.to_string(), c, d));
        assert_eq!(got, want);
        assert_eq!(stats, StreamStats { lines: 11, records: 5, skipped: 4, threads: 4, regrouped: 1 });
    }

    #[test]
    fn threads_and_bad_lines_across_batch_boundaries() {
        // Thread "a" spans the first batch boundary, a bad line sits right
        // on it, "b" spans the second; results must not depend on batching.
        let mut input = String::new();
        for i in 0..STREAM_BATCH + 10 {
            if i == STREAM_BATCH {
                input.push_str("not json\n");
                continue;
            }
            let (key, id) = if i < STREAM_BATCH + 5 { ("a", i) } else { ("b", i) };
            // Each replies to the line before it (over the bad line: to the one before that).
            let above = if id == STREAM_BATCH + 1 { id - 2 } else { id.saturating_sub(1) };
            let parent =
                if id == 0 || i == STREAM_BATCH + 5 { String::new() } else { format!(",\"parent_id\":\"{above}\"") };
            input.push_str(&format!("{{\"thread_id\":\"{key}\",\"id\":\"{id}\"{parent},\"text\":\"t\"}}\n"));
        }
        for i in 0..STREAM_BATCH {
            input.push_str(&format!("{{\"thread_id\":\"c\",\"id\":\"{i}\",\"text\":\"t\"}}\n"));
        }
        let (lines, stats) = run_json(&input, false);
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[0]["thread_id"], "a");
        assert_eq!(lines[0]["comments"], STREAM_BATCH + 4);
        assert_eq!(lines[0]["diagnostics"], 1, "the bad line on the boundary goes with the open thread");
        assert_eq!(lines[1]["thread_id"], "b");
        assert_eq!(lines[1]["comments"], 5);
        assert_eq!(lines[1]["max_depth"], 4);
        assert_eq!(lines[2]["comments"], STREAM_BATCH);
        let total = 2 * STREAM_BATCH as u64 + 10;
        assert_eq!(stats, StreamStats { lines: total, records: total - 1, skipped: 1, threads: 3, regrouped: 0 });
    }
}
