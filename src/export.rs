//! Tabular exports for pandas and R.
//!
//! The per-comment CSV starts with the columns every thread has, in this
//! order: `thread_id,comment_id,parent_id,depth,author,line,text`, then
//! `status`. Analyses append their own columns after these; the header is
//! documented in `docs/csv.md`.

use std::io::Write;
use std::ops::Range;

use crate::analysis::lexicon::Matcher;
use crate::error::Result;
use crate::model::Thread;

/// The leading columns of the per-comment CSV.
pub const COMMENT_COLUMNS: &[&str] =
    &["thread_id", "comment_id", "parent_id", "depth", "author", "line", "text", "status"];

/// Hostility columns, after [`COMMENT_COLUMNS`]: `hostile` (true/false),
/// `hostility` (counting categories joined by `;`), `dehumanizing`
/// (true/false), `hostility_score` (0 to 1, three decimals).
pub const HOSTILITY_COLUMNS: &[&str] = &["hostile", "hostility", "dehumanizing", "hostility_score"];

/// Pushback columns, after [`HOSTILITY_COLUMNS`].
pub const PUSHBACK_COLUMNS: &[&str] = &["pushback", "pushback_kind", "evidence_request", "target_id", "claim_support"];

/// Write one row per comment of every thread (built-in lexicon).
pub fn write_comments_csv<W: Write>(threads: &[Thread], out: W) -> Result<()> {
    write_comments_csv_with(threads, Matcher::builtin(), out)
}

/// Threads analyzed at once; bounds what is held in flight.
const PARALLEL_CHUNK: usize = 256;

/// Write one row per comment of every thread, scoring hostility with `matcher`.
pub fn write_comments_csv_with<W: Write>(threads: &[Thread], matcher: &Matcher, mut out: W) -> Result<()> {
    write_comments_csv_header(&mut out)?;
    write_comment_rows(threads, matcher, &mut out)
}

/// The header row of the per-comment CSV.
pub fn write_comments_csv_header<W: Write>(out: W) -> Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(COMMENT_COLUMNS.iter().chain(HOSTILITY_COLUMNS).chain(PUSHBACK_COLUMNS)).map_err(csv_err)?;
    w.flush()?;
    Ok(())
}

/// The rows (no header) of every thread. Threads are analyzed in parallel
/// (rayon, in chunks of `PARALLEL_CHUNK`) and written in input order, so
/// the output is the same whatever the number of threads. A thread of
/// [`LARGE_THREAD`] comments or more is analyzed and written a range of
/// comments at a time instead (ranges in parallel), so that neither its
/// rows nor its analysis results are held whole: they would be larger
/// than its input.
pub fn write_comment_rows<W: Write>(threads: &[Thread], matcher: &Matcher, out: W) -> Result<()> {
    write_rows_streaming_from(threads, matcher, out, LARGE_THREAD, LARGE_THREAD_RANGE)
}

/// [`write_comment_rows`] with threads of `large_from` comments or more
/// written `range` comments at a time.
fn write_rows_streaming_from<W: Write>(
    threads: &[Thread],
    matcher: &Matcher,
    mut out: W,
    large_from: usize,
    range: usize,
) -> Result<()> {
    let large = |t: &Thread| t.comments.len() >= large_from;
    let mut rest = threads;
    while let Some(first) = rest.first() {
        if large(first) {
            let n = first.comments.len();
            let ranges: Vec<Range<usize>> = (0..n).step_by(range.max(1)).map(|s| s..(s + range).min(n)).collect();
            let rows = |r: &Range<usize>| range_rows(first, r.clone(), matcher);
            write_in_rounds(&ranges, RANGES_AT_ONCE, rows, &mut out)?;
            rest = &rest[1..];
            continue;
        }
        let (small, after) = rest.split_at(rest.iter().position(large).unwrap_or(rest.len()));
        write_in_rounds(small, PARALLEL_CHUNK, |t| thread_rows(t, matcher), &mut out)?;
        rest = after;
    }
    out.flush()?;
    Ok(())
}

/// Render `items` in parallel, `per_round` at a time, and write each
/// round's bytes in order. A round is written while the worker threads
/// render the next, so the cores do not wait on the writes; at most two
/// rounds are held.
fn write_in_rounds<T: Sync, W: Write>(
    items: &[T],
    per_round: usize,
    render: impl Fn(&T) -> Result<Vec<u8>> + Sync,
    out: &mut W,
) -> Result<()> {
    use rayon::prelude::*;
    let write_all = |rendered: Vec<Result<Vec<u8>>>, out: &mut W| -> Result<()> {
        for rows in rendered {
            out.write_all(&rows?)?;
        }
        Ok(())
    };
    let mut pending: Vec<Result<Vec<u8>>> = Vec::new();
    for round in items.chunks(per_round.max(1)) {
        let mut rendered = Vec::new();
        let mut written = Ok(());
        rayon::in_place_scope(|s| {
            s.spawn(|_| rendered = round.par_iter().map(&render).collect());
            written = write_all(std::mem::take(&mut pending), out);
        });
        written?;
        pending = rendered;
    }
    write_all(pending, out)
}

/// Comments from which [`write_comment_rows`] writes a thread's rows a
/// range at a time.
pub const LARGE_THREAD: usize = 10_000;

/// Comments per range of a large thread ([`LARGE_THREAD`]).
const LARGE_THREAD_RANGE: usize = 512;

/// Ranges of a large thread rendered at once; with the round being
/// written, eight ranges' rows and results (4,096 comments, ≈ 3 MB) are
/// held.
const RANGES_AT_ONCE: usize = 4;

/// One thread's rows as CSV bytes. The rows need each comment's own
/// pushback acts, not the events that follow the replies, so the events
/// are not computed.
pub(crate) fn thread_rows(t: &Thread, matcher: &Matcher) -> Result<Vec<u8>> {
    use crate::analysis::{hostility, pushback};
    let mut out = Vec::with_capacity(t.comments.len() * 256);
    let h = hostility::analyze_with(t, matcher);
    let p: Vec<pushback::CommentPushback> = pushback::detect_range(t, 0..t.comments.len());
    write_rows(t, 0, &h, &p, &mut out);
    Ok(out)
}

/// The rows of comments `range` of a thread as CSV bytes, analyzed alone
/// ([`hostility::analyze_range`](crate::analysis::hostility::analyze_range),
/// [`pushback::detect`](crate::analysis::pushback::detect)): the cells are
/// those [`thread_rows`] writes for these comments.
fn range_rows(t: &Thread, range: Range<usize>, matcher: &Matcher) -> Result<Vec<u8>> {
    use crate::analysis::{hostility, pushback};
    let mut out = Vec::with_capacity(range.len() * 256);
    let h = hostility::analyze_range(t, range.clone(), matcher);
    let p: Vec<pushback::CommentPushback> = pushback::detect_range(t, range.clone());
    write_rows(t, range.start, &h, &p, &mut out);
    Ok(out)
}

/// Append the rows of comments `first..first + hostility.len()` of `t`
/// to `out`, given their analysis results. The cells are written straight
/// into the record (no string per cell, no row buffer).
fn write_rows(
    t: &Thread,
    first: usize,
    hostility: &[crate::analysis::hostility::CommentHostility],
    pushback: &[crate::analysis::pushback::CommentPushback],
    out: &mut Vec<u8>,
) {
    use std::fmt::Write as _;
    let thread_id = t.display_id();
    let [mut score, mut depth, mut line, mut categories, mut kinds] = [(); 5].map(|_| String::new());
    let flag = |b: bool| if b { "true" } else { "false" };
    for (k, (h, p)) in hostility.iter().zip(pushback).enumerate() {
        let c = &t.comments[first + k];
        for cell in [&mut score, &mut depth, &mut line, &mut categories, &mut kinds] {
            cell.clear();
        }
        let _ = write!(score, "{:.3}", h.score);
        let _ = write!(depth, "{}", c.depth);
        if let Some(s) = c.lines {
            let _ = write!(line, "{}", s.start);
        }
        join_into(&mut categories, h.categories.iter().map(|c| c.name()));
        join_into(&mut kinds, p.acts.iter().filter(|a| a.is_pushback()).map(|a| a.name()));
        let parent = c.parent.map(|p| t.comments[p].id.as_str()).unwrap_or("");
        write_csv_record(
            out,
            [
                thread_id.as_str(),
                c.id.as_str(),
                parent,
                depth.as_str(),
                c.author.as_deref().unwrap_or(""),
                line.as_str(),
                c.text.as_str(),
                c.status.name(),
                flag(h.hostile),
                categories.as_str(),
                flag(h.dehumanizing()),
                score.as_str(),
                // The pushback columns, in [`PUSHBACK_COLUMNS`] order.
                flag(p.pushback),
                kinds.as_str(),
                flag(p.evidence_request),
                p.target_id(t).unwrap_or(""),
                p.claim_support.map_or("", |s| s.name()),
            ],
        );
    }
}

/// `names` joined by `;` into `out`.
fn join_into<'a>(out: &mut String, names: impl Iterator<Item = &'a str>) {
    for (i, name) in names.enumerate() {
        if i > 0 {
            out.push(';');
        }
        out.push_str(name);
    }
}

/// Append one CSV record and its `\n` to `out`, byte for byte as the `csv`
/// crate's writer (its defaults) writes it: a field is quoted when it holds
/// `,`, `"`, `\r` or `\n`, with `"` doubled. The crate's writer looks up
/// every byte of every field in a table; here a long text is searched with
/// `memchr`, which makes the per-comment CSV several times cheaper to write.
fn write_csv_record<'a>(out: &mut Vec<u8>, fields: impl IntoIterator<Item = &'a str>) {
    let mut fields = fields.into_iter().peekable();
    let single = |out: &mut Vec<u8>, f: &[u8]| {
        let special = |b: &u8| matches!(b, b',' | b'"' | b'\r' | b'\n');
        let plain = if f.len() < 32 {
            !f.iter().any(special)
        } else {
            memchr::memchr3(b',', b'"', b'\n', f).is_none() && memchr::memchr(b'\r', f).is_none()
        };
        if plain {
            out.extend_from_slice(f);
            return;
        }
        out.push(b'"');
        let mut rest = f;
        while let Some(i) = memchr::memchr(b'"', rest) {
            out.extend_from_slice(&rest[..=i]);
            out.push(b'"');
            rest = &rest[i + 1..];
        }
        out.extend_from_slice(rest);
        out.push(b'"');
    };
    let start = out.len();
    while let Some(f) = fields.next() {
        single(out, f.as_bytes());
        if fields.peek().is_some() {
            out.push(b',');
        }
    }
    // A record of one empty field would be an empty line: quoted instead.
    if out.len() == start {
        out.extend_from_slice(b"\"\"");
    }
    out.push(b'\n');
}

pub(crate) fn csv_err(e: csv::Error) -> crate::Error {
    match e.into_kind() {
        csv::ErrorKind::Io(io) => io.into(),
        other => crate::Error::format(format!("CSV output: {other:?}")),
    }
}

/// Deepest level the canonical layout indents; deeper comments are written
/// at this level with a `[depth N]` note so output stays linear in size.
const MAX_LAYOUT_DEPTH: u32 = 1_000;

/// Write a thread in the canonical indented layout (the seed format): the
/// title and paragraphs, then `  • Author` lines with bodies two columns
/// deeper and replies two more per level. Reading it back gives the same
/// tree for threads up to 1,000 levels deep.
pub fn write_indented<W: Write>(t: &Thread, mut out: W) -> Result<()> {
    if let Some(title) = &t.post.title {
        writeln!(out, "{title}\n")?;
    }
    for p in &t.post.paragraphs {
        writeln!(out, "{p}\n")?;
    }
    writeln!(out)?;
    for c in t.graph.preorder() {
        let com = &t.comments[c];
        let level = com.depth.min(MAX_LAYOUT_DEPTH) as usize;
        let pad = " ".repeat(2 + 2 * level);
        writeln!(out, "{pad}• {}\n", com.author_or_unknown())?;
        for para in com.paragraphs() {
            for line in para.lines() {
                writeln!(out, "{pad}  {}", line.trim())?;
            }
            writeln!(out)?;
        }
    }
    out.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The record writer gives the `csv` crate's bytes: fields with and
    /// without every special byte, at every length around the 32-byte
    /// switch to `memchr`, empty fields, and records of one empty field.
    #[test]
    fn records_are_written_as_the_csv_crate_writes_them() {
        let mut fields: Vec<String> = vec![String::new(), "a".into(), "é “quoted” ☃".into()];
        for special in [",", "\"", "\r", "\n", "\r\n", "\"\"", " "] {
            for len in [0, 1, 7, 30, 31, 32, 33, 64, 100] {
                for at in [0, len / 2, len] {
                    let mut f = "x".repeat(len);
                    f.insert_str(at, special);
                    fields.push(f);
                }
            }
        }
        let records: Vec<Vec<&str>> = std::iter::once(vec![""])
            .chain(std::iter::once(vec![]))
            .chain(fields.iter().map(|f| vec![f.as_str()]))
            .chain(fields.windows(3).map(|w| w.iter().map(String::as_str).collect()))
            .collect();
        for record in records {
            let mut ours = Vec::new();
            write_csv_record(&mut ours, record.iter().copied());
            let mut w = csv::WriterBuilder::new().has_headers(false).flexible(true).from_writer(Vec::new());
            w.write_record(&record).unwrap();
            assert_eq!(
                String::from_utf8(ours).unwrap(),
                String::from_utf8(w.into_inner().unwrap()).unwrap(),
                "{record:?}"
            );
        }
    }

    #[test]
    fn large_threads_written_by_ranges_give_the_buffered_rows() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut threads = Vec::new();
        for f in [
            "fixtures/seeds/001_1ff2f1cad038d70a.txt",
            "fixtures/pushback/outcomes.jsonl",
            "fixtures/seeds/004_68a215685d108f0d.txt",
        ] {
            threads.extend(crate::read::read_path(&root.join(f), crate::read::Format::Auto).unwrap());
        }
        // More than two chunks of small threads (a chunk's rows are written
        // while the next is rendered), a large thread between them.
        let small: Vec<Thread> = threads.iter().filter(|t| t.comments.len() < 60).cloned().collect();
        let large = threads[0].clone();
        for k in 0..2 * PARALLEL_CHUNK + 40 {
            threads.push(small[k % small.len()].clone());
            if k == PARALLEL_CHUNK + 7 {
                threads.push(large.clone());
            }
        }
        let matcher = Matcher::builtin();
        // The reference: every analysis run over each whole thread.
        let mut buffered: Vec<u8> = Vec::new();
        for t in &threads {
            let a = crate::analysis::analyze_with(t, matcher);
            write_rows(t, 0, &a.hostility, &a.pushback.comments, &mut buffered);
        }
        assert!(buffered.len() > 10_000);
        // From every thread written a range at a time to none of them
        // (those go through `thread_rows`),
        // ranges of one comment to ranges of whole threads.
        for (large_from, range) in [(0, 1), (2, 7), (2, 1024), (60, 5), (usize::MAX, 1)] {
            let mut out = Vec::new();
            write_rows_streaming_from(&threads, matcher, &mut out, large_from, range).unwrap();
            assert_eq!(out, buffered, "threads of {large_from}+ comments written {range} comments at a time");
        }
    }

    #[test]
    fn pushback_columns_follow_the_comment_columns() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/pushback/outcomes.jsonl");
        let threads = crate::read::read_path(&path, crate::read::Format::Auto).unwrap();
        let mut out = Vec::new();
        write_comments_csv(&threads, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let mut rdr = csv::Reader::from_reader(text.as_bytes());
        let header: Vec<String> = rdr.headers().unwrap().iter().map(str::to_string).collect();
        assert_eq!(
            &header[COMMENT_COLUMNS.len() + HOSTILITY_COLUMNS.len()..],
            ["pushback", "pushback_kind", "evidence_request", "target_id", "claim_support"]
        );
        let rows: Vec<Vec<String>> = rdr
            .records()
            .map(|r| {
                r.unwrap().iter().skip(COMMENT_COLUMNS.len() + HOSTILITY_COLUMNS.len()).map(str::to_string).collect()
            })
            .collect();
        // evidence/c1 "Where's the proof…?" answers the post; hostile/c2 asks dan.
        assert_eq!(rows[0], ["true", "evidence_request", "true", "", ""]);
        assert_eq!(rows[1][4], "sourced");
        // "Where do you come up with these numbers" has no `?` but opens
        // as a question: no claim of its own.
        assert_eq!(rows[6], ["true", "evidence_request", "true", "c1", ""]);
        assert_eq!(rows[5], ["false", "", "false", "", "unsupported"]);
    }
}
