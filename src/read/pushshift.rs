//! Pushshift / Arctic Shift NDJSON dumps: one Reddit comment per line.
//!
//! Lines carry `id`, `parent_id` (`t1_…` comment, `t3_…` post), `link_id`
//! (the post), `author`, `body`, `created_utc`, `score`, `subreddit`, …
//! with types that drift between years (`created_utc` integer, float or
//! string; `score` string or null; `parent_id` an integer or null). All are
//! tolerated. Comments are grouped into one thread per `link_id`, in order
//! of each thread's first line; parents missing from the dump (an earlier
//! month) get placeholders from [`crate::builder::ThreadBuilder`].
//! Submission lines (with `title`, no `link_id`) in the same file or in a
//! separate `RS_…` file given as `submissions` become the posts.
//!
//! [`read_pushshift_stream`] reads line by line from any reader, so a
//! compressed monthly dump is never held in memory whole (only the comments
//! read from it are); [`crate::read::read_path_with`] uses it for files.
//! [`read_pushshift_partitioned`] reads a dump larger than memory through
//! temporary partition files (`--memory-limit`, [`crate::spill`]).

use std::collections::HashMap;
use std::io::{BufRead, Read};
use std::path::Path;

use serde_json::Value;

use crate::builder::RawComment;
use crate::error::{Error, Result};
use crate::model::{Diagnostic, DiagnosticKind, Post, SourceFormat, Thread};
use crate::read::group::{no_records_error, Groups};
use crate::read::{compress, fields, read_submissions, reddit, ReadOptions};
use crate::spill::{self, CountingReader, Partitioner, Progress, Rendered, Results, SpillOptions};

/// Read a comments dump held in memory; `submissions` is the text of a
/// matching `RS_` file and its name, when given.
pub fn read_pushshift(text: &str, path: &str, submissions: Option<(&str, &str)>) -> Result<Vec<Thread>> {
    read_pushshift_stream(text.as_bytes(), path, submissions)
}

/// Read a comments dump line by line from `reader` (already decompressed).
/// Lines that are not UTF-8 or not JSON objects become diagnostics; a read
/// error (a truncated or corrupt compressed stream) is an error naming the
/// line it happened after.
pub fn read_pushshift_stream<R: BufRead>(
    reader: R,
    path: &str,
    submissions: Option<(&str, &str)>,
) -> Result<Vec<Thread>> {
    let mut g = Groups::new(path, SourceFormat::Pushshift);
    let mut posts: HashMap<String, Post> = HashMap::new();
    if let Some((sub_text, sub_path)) = submissions {
        let mut diags = Vec::new();
        for (i, line) in sub_text.lines().enumerate() {
            if let Some((key, post)) = submission(i as u64 + 1, line, &mut diags) {
                posts.insert(key, post);
            }
        }
        g.orphans.extend(prefix_diagnostics(diags, sub_path));
    }

    for (i, line) in reader.split(b'\n').enumerate() {
        let n = i as u64 + 1;
        let line = line.map_err(|e| read_error(e, path, n))?;
        match classify(n, &line, &mut g.orphans) {
            Line::Comment { link, raw } => {
                g.builder(&link).push(raw);
            }
            Line::Post { key, post } => {
                posts.insert(key, post);
            }
            Line::Skipped => {}
        }
    }
    attach_posts(&mut g, posts);
    g.finish("Pushshift comment")
}

/// The error for a read that failed after line `n - 1`.
pub(crate) fn read_error(e: std::io::Error, path: &str, n: u64) -> Error {
    Error::format(format!("cannot read past line {}: {e}", n - 1)).with_path(path).at_line(n)
}

/// Diagnostics of the submissions file, named by it.
pub(crate) fn prefix_diagnostics(diags: Vec<Diagnostic>, sub_path: &str) -> impl Iterator<Item = Diagnostic> + '_ {
    diags.into_iter().map(move |mut d| {
        d.message = format!("{sub_path}: {}", d.message);
        d
    })
}

/// Give every thread its post: the submission read for it, or a bare
/// `t3_` id.
pub(crate) fn attach_posts(g: &mut Groups, mut posts: HashMap<String, Post>) {
    for (link, b) in g.iter_mut() {
        match posts.remove(link) {
            Some(post) => b.post(post),
            None => b.post(Post { id: Some(format!("t3_{link}")), ..Post::default() }),
        };
    }
}

/// One line of a submissions (`RS_…`) file as (post key, post); `None`
/// for blank lines and, with a diagnostic, for lines that are not one.
pub(crate) fn submission(n: u64, line: &str, diags: &mut Vec<Diagnostic>) -> Option<(String, Post)> {
    let obj = fields::object_line(n, line, diags)?;
    match reddit::post_from(&obj) {
        Post { id: Some(id), title: Some(t), .. } if !t.is_empty() => {
            Some((reddit::strip_kind(&id).to_string(), reddit::post_from(&obj)))
        }
        _ => {
            diags.push(Diagnostic::at(
                n,
                DiagnosticKind::MalformedRecord,
                "no `id` and `title`: not a submission; skipped",
            ));
            None
        }
    }
}

/// What one line of a comments dump is.
pub(crate) enum Line {
    /// A comment of thread `link`.
    Comment {
        /// The thread key (the post id without `t3_`).
        link: String,
        /// The comment and its parent id.
        raw: RawComment,
    },
    /// A submission in the comments file, keyed like its thread.
    Post {
        /// The post id without `t3_`.
        key: String,
        /// The post.
        post: Post,
    },
    /// Blank, or unreadable (a diagnostic was written to `orphans`).
    Skipped,
}

impl Line {
    /// The thread key the line belongs to.
    pub(crate) fn key(&self) -> Option<&str> {
        match self {
            Line::Comment { link, .. } => Some(link),
            Line::Post { key, .. } => Some(key),
            Line::Skipped => None,
        }
    }
}

/// Read line `n` of a comments dump. Both the in-memory reader and the
/// partitioned one (`crate::spill`) call this, so they agree on every line.
pub(crate) fn classify(n: u64, line: &[u8], orphans: &mut Vec<Diagnostic>) -> Line {
    let Ok(line) = std::str::from_utf8(line) else {
        orphans.push(Diagnostic::at(n, DiagnosticKind::MalformedRecord, "line is not UTF-8; skipped"));
        return Line::Skipped;
    };
    let line = if n == 1 { line.trim_start_matches('\u{feff}') } else { line };
    let Some(obj) = fields::object_line(n, line, orphans) else { return Line::Skipped };
    let Some(link) = fields::text(&obj, "link_id").map(|l| reddit::strip_kind(&l).to_string()) else {
        if let post @ Post { id: Some(_), title: Some(_), .. } = reddit::post_from(&obj) {
            let key = post.id.as_deref().map(reddit::strip_kind).unwrap_or_default().to_string();
            return Line::Post { key, post };
        }
        orphans.push(
            Diagnostic::at(n, DiagnosticKind::MalformedRecord, "line has no `link_id`; skipped")
                .with_text(fields::truncate(&Value::Object(obj).to_string(), 200)),
        );
        return Line::Skipped;
    };
    let Some((comment, parent)) = reddit::comment_from(&obj) else {
        orphans.push(
            Diagnostic::at(n, DiagnosticKind::MalformedRecord, "line has no `id`; skipped")
                .with_text(fields::truncate(&Value::Object(obj).to_string(), 200)),
        );
        return Line::Skipped;
    };
    let parent_id = match parent.as_deref() {
        None => None,
        Some(p) if p.starts_with("t3_") => None,
        Some(p) => Some(reddit::strip_kind(p).to_string()),
    };
    Line::Comment { link, raw: RawComment { comment, parent_id, record: Some(n) } }
}

/// Pass 1 tag of a line from the `--submissions` file.
const TAG_SUBMISSION: u8 = b'S';
/// Pass 1 tag of a line from the comments dump.
const TAG_COMMENTS: u8 = b'C';

/// Read the comments dump at `path` (`-`: standard input; `.gz` / `.zst`
/// decompressed) in bounded memory, through `parts` partition files (see
/// [`crate::spill`]), and render each thread with `render` into (output,
/// standard-error) bytes. `on_thread` sees every thread first, one
/// partition at a time, on this thread (summaries, counts).
///
/// The returned [`Results`] merge into exactly what reading the file with
/// [`crate::read::read_path_with`] and rendering the threads in order
/// would write: threads in order of their first line, the unreadable
/// lines' diagnostics on the first thread, posts from the same file or
/// the `--submissions` file.
pub fn read_pushshift_partitioned<F>(
    path: &Path,
    opts: &ReadOptions,
    spill: &SpillOptions,
    parts: usize,
    on_thread: &mut dyn FnMut(&Thread),
    render: F,
) -> Result<Results>
where
    F: Fn(&Thread) -> Result<(Vec<u8>, Vec<u8>)> + Sync,
{
    spill::install_interrupt_handler();
    let name = path.to_string_lossy().into_owned();
    let (input, total): (Box<dyn Read>, Option<u64>) = if name == "-" {
        (Box::new(std::io::stdin()), std::fs::metadata("/dev/stdin").ok().filter(|m| m.is_file()).map(|m| m.len()))
    } else {
        let f = std::fs::File::open(path).map_err(|e| Error::from(e).with_path(path))?;
        let len = f.metadata().ok().map(|m| m.len());
        (Box::new(f), len)
    };
    let (counting, count) = CountingReader::new(input);
    let reader = compress::reader(counting).map_err(|e| Error::format(format!("cannot read: {e}")).with_path(path))?;

    // Pass 1: every line to the partition of its thread key.
    let mut part = Partitioner::new(&spill.temp_dir, parts)?;
    let mut orphans = Vec::new();
    if let Some((sub_text, sub_path)) = read_submissions(opts)? {
        let mut diags = Vec::new();
        for (i, line) in sub_text.lines().enumerate() {
            let n = i as u64 + 1;
            if let Some((key, _)) = submission(n, line, &mut diags) {
                part.push(&key, TAG_SUBMISSION, n, line.as_bytes())?;
            }
        }
        orphans.extend(prefix_diagnostics(diags, &sub_path));
    }
    let mut progress = Progress::new("partitioning", total);
    let mut first_key: Option<String> = None;
    for (i, line) in reader.split(b'\n').enumerate() {
        let n = i as u64 + 1;
        if i % 4096 == 0 {
            spill::check_interrupted()?;
            progress.update(count.load(std::sync::atomic::Ordering::Relaxed));
        }
        let line = line.map_err(|e| read_error(e, &name, n))?;
        let class = classify(n, &line, &mut orphans);
        if let Some(key) = class.key() {
            if first_key.is_none() && matches!(class, Line::Comment { .. }) {
                first_key = Some(key.to_string());
            }
            part.push(key, TAG_COMMENTS, n, &line)?;
        }
    }
    progress.finish();
    let Some(first_key) = first_key else {
        return Err(no_records_error("Pushshift comment", &orphans, &name));
    };

    // Pass 2: one partition at a time, grouped exactly as in memory.
    part.finish()?.group(|records, emit| {
        let mut g = Groups::new(&name, SourceFormat::Pushshift);
        let mut posts: HashMap<String, Post> = HashMap::new();
        let mut first: HashMap<String, u64> = HashMap::new();
        // Pass 1 already reported every unreadable line.
        let mut repeated = Vec::new();
        for r in records {
            let (tag, n, line) = r?;
            if tag == TAG_SUBMISSION {
                if let Some((key, post)) = std::str::from_utf8(&line).ok().and_then(|l| submission(n, l, &mut repeated))
                {
                    posts.insert(key, post);
                }
                continue;
            }
            match classify(n, &line, &mut repeated) {
                Line::Comment { link, raw } => {
                    first.entry(link.clone()).or_insert(n);
                    g.builder(&link).push(raw);
                }
                Line::Post { key, post } => {
                    posts.insert(key, post);
                }
                Line::Skipped => {}
            }
        }
        attach_posts(&mut g, posts);
        let (mut threads, _) = g.build_all();
        for t in &mut threads {
            if t.source.thread_id.as_deref() == Some(first_key.as_str()) {
                t.diagnostics.splice(0..0, std::mem::take(&mut orphans));
            }
            on_thread(t);
        }
        // Threads come in order of first appearance, so of first line.
        let render = |t: Thread| {
            let first = t.source.thread_id.as_ref().and_then(|k| first.get(k)).copied().unwrap_or(0);
            render(&t).map(|(out, err)| Rendered { first, out, err })
        };
        spill::render_in_order(threads, render, emit)
    })
}
