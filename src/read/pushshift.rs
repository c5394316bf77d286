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
use crate::read::fields::{Field, Raw, Spans};
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
    mut reader: R,
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

    // A line wholly in the reader's buffer is read where it is (all of
    // them for input in memory); one that straddles a refill is gathered
    // in `line`, reused.
    let mut line = Vec::new();
    let mut n = 0u64;
    loop {
        n += 1;
        let buf = loop {
            match reader.fill_buf() {
                Ok(buf) => break buf,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(read_error(e, path, n)),
            }
        };
        if buf.is_empty() {
            break;
        }
        let read = match memchr::memchr(b'\n', buf) {
            Some(end) => {
                let read = classify(n, &buf[..end], &mut g.orphans);
                reader.consume(end + 1);
                read
            }
            None => {
                line.clear();
                reader.read_until(b'\n', &mut line).map_err(|e| read_error(e, path, n))?;
                if line.last() == Some(&b'\n') {
                    line.pop();
                }
                classify(n, &line, &mut g.orphans)
            }
        };
        match read {
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

/// The first step of [`classify`]: where a line goes, without building
/// its comment (the partition pass needs only the key).
// Short-lived, one per line: see `LineFields`.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Route<'a> {
    /// A comment of thread `link`, with its fields.
    Comment {
        /// The thread key.
        link: String,
        /// The line's fields.
        obj: LineFields<'a>,
    },
    /// A submission, keyed like its thread.
    Post {
        /// The post id without `t3_`.
        key: String,
        /// The post.
        post: Post,
    },
    /// Blank, or unreadable (a diagnostic was written to `orphans`).
    Skipped,
}

impl Route<'_> {
    /// The thread key the line belongs to.
    pub(crate) fn key(&self) -> Option<&str> {
        match self {
            Route::Comment { link, .. } => Some(link),
            Route::Post { key, .. } => Some(key),
            Route::Skipped => None,
        }
    }
}

/// Where line `n` of a comments dump goes; unreadable lines, lines without
/// `link_id` (and not a submission) and comments without an id get their
/// diagnostic here.
pub(crate) fn route<'a>(n: u64, line: &'a [u8], orphans: &mut Vec<Diagnostic>) -> Route<'a> {
    let Ok(line) = std::str::from_utf8(line) else {
        orphans.push(Diagnostic::at(n, DiagnosticKind::MalformedRecord, "line is not UTF-8; skipped"));
        return Route::Skipped;
    };
    let line = if n == 1 { line.trim_start_matches('\u{feff}') } else { line };
    let Some(obj) = known_fields(n, line, orphans) else { return Route::Skipped };
    let Some(link) = fields::text_ref(&obj, "link_id").map(|l| reddit::strip_kind(&l).to_string()) else {
        if let post @ Post { id: Some(_), title: Some(_), .. } = reddit::post_from(&obj) {
            let key = post.id.as_deref().map(reddit::strip_kind).unwrap_or_default().to_string();
            return Route::Post { key, post };
        }
        orphans.push(
            Diagnostic::at(n, DiagnosticKind::MalformedRecord, "line has no `link_id`; skipped")
                .with_text(whole_object_text(line)),
        );
        return Route::Skipped;
    };
    // What `reddit::comment_id` reads, without building the id.
    if fields::text_ref(&obj, "id").is_none() && fields::text_ref(&obj, "name").is_none() {
        orphans.push(
            Diagnostic::at(n, DiagnosticKind::MalformedRecord, "line has no `id`; skipped")
                .with_text(whole_object_text(line)),
        );
        return Route::Skipped;
    }
    Route::Comment { link, obj }
}

/// Read line `n` of a comments dump. Both the in-memory reader and the
/// partitioned one (`crate::spill`) call this, so they agree on every line.
pub(crate) fn classify(n: u64, line: &[u8], orphans: &mut Vec<Diagnostic>) -> Line {
    let (link, obj) = match route(n, line, orphans) {
        Route::Comment { link, obj } => (link, obj),
        Route::Post { key, post } => return Line::Post { key, post },
        Route::Skipped => return Line::Skipped,
    };
    // `route` checked the id `comment_from` needs.
    let Some((comment, parent)) = reddit::comment_from(&obj) else { return Line::Skipped };
    let parent_id = match parent.as_deref() {
        None => None,
        Some(p) if p.starts_with("t3_") => None,
        Some(p) => Some(reddit::strip_kind(p).to_string()),
    };
    Line::Comment { link, raw: RawComment { comment, parent_id, record: Some(n) } }
}

/// Every field a comments-dump line is read for: the comment's and the
/// post's fields and their metadata ([`reddit::COMMENT_META`],
/// [`reddit::POST_META`]). Sorted; [`known_index`] finds a name's slot.
const KNOWN_FIELDS: &[&str] = &[
    "author",
    "author_flair_text",
    "body",
    "collapsed",
    "collapsed_reason",
    "controversiality",
    "created_utc",
    "distinguished",
    "domain",
    "edited",
    "gilded",
    "id",
    "is_submitter",
    "link_flair_text",
    "link_id",
    "locked",
    "name",
    "num_comments",
    "over_18",
    "parent_id",
    "permalink",
    "removal_reason",
    "removed_by_category",
    "score",
    "score_hidden",
    "selftext",
    "stickied",
    "subreddit",
    "title",
    "upvote_ratio",
    "url",
];

/// The slot of `key` in [`KNOWN_FIELDS`].
fn known_index(key: &str) -> Option<usize> {
    skim_index(key).filter(|&i| i < KNOWN_FIELDS.len())
}

/// A JSON object with only its [`KNOWN_FIELDS`] kept, each in its slot:
/// the other fields are skipped by the parser (checked, never built), and
/// no map or key string is built, which spares most of the allocations of
/// a `serde_json::Map` (real dump lines carry dozens of fields). Duplicate
/// keys: the last wins, as in a `Map`.
pub(crate) struct KnownFields([Option<Value>; KNOWN_FIELDS.len()]);

impl fields::Record for KnownFields {
    fn field(&self, key: &str) -> Option<Field<'_>> {
        known_index(key).and_then(|i| self.0[i].as_ref()).map(Field::of)
    }
}

/// Slots of a skimmed line: [`KNOWN_FIELDS`], then the edge-list fields
/// `stream` also reads.
const SKIM_SLOTS: usize = KNOWN_FIELDS.len() + 3;

/// The names of the slots of a skimmed line.
const SKIM_NAMES: [&str; SKIM_SLOTS] = {
    let mut names = [""; SKIM_SLOTS];
    let mut i = 0;
    while i < KNOWN_FIELDS.len() {
        names[i] = KNOWN_FIELDS[i];
        i += 1;
    }
    names[i] = "thread_id";
    names[i + 1] = "text";
    names[i + 2] = "created_at";
    names
};

/// A hash of a field name from its length, first and last byte, without
/// collisions among [`SKIM_NAMES`] (tested): one table look-up and one
/// comparison find a slot, where a `match` on strings compares several.
const fn name_hash(name: &[u8]) -> usize {
    let (first, last) = (name[0] as usize, name[name.len() - 1] as usize);
    (name.len() + first * 3 + last * 33) & 127
}

/// Slot + 1 by [`name_hash`]; 0: no name.
const NAME_TABLE: [u8; 128] = {
    let mut table = [0u8; 128];
    let mut i = 0;
    while i < SKIM_SLOTS {
        table[name_hash(SKIM_NAMES[i].as_bytes())] = i as u8 + 1;
        i += 1;
    }
    table
};

/// The slot of field `name` in a [`Skimmed`] line, for constants (fails
/// to compile for a name without one).
pub(crate) const fn slot_of(name: &str) -> usize {
    let mut i = 0;
    while i < SKIM_SLOTS {
        let (a, b) = (SKIM_NAMES[i].as_bytes(), name.as_bytes());
        let mut same = a.len() == b.len();
        let mut k = 0;
        while same && k < a.len() {
            same = a[k] == b[k];
            k += 1;
        }
        if same {
            return i;
        }
        i += 1;
    }
    panic!("not a skimmed field")
}

/// The slot of `key` in a [`Skimmed`] line.
pub(crate) fn skim_index(key: &str) -> Option<usize> {
    if key.is_empty() {
        return None;
    }
    let i = (NAME_TABLE[name_hash(key.as_bytes())] as usize).checked_sub(1)?;
    same_name(SKIM_NAMES[i].as_bytes(), key.as_bytes()).then_some(i)
}

/// `a == b` for short names: two (overlapping) words from each end
/// instead of a `memcmp` call (half the cost of a field look-up); longer
/// names compare as slices.
fn same_name(a: &[u8], b: &[u8]) -> bool {
    fn word<const W: usize>(s: &[u8]) -> [u8; W] {
        s[..W].try_into().expect("W bytes")
    }
    let n = a.len();
    n == b.len()
        && match n {
            8..=16 => word::<8>(a) == word::<8>(b) && word::<8>(&a[n - 8..]) == word::<8>(&b[n - 8..]),
            4..=7 => word::<4>(a) == word::<4>(b) && word::<4>(&a[n - 4..]) == word::<4>(&b[n - 4..]),
            _ => a == b,
        }
}

/// A line read by [`fields::skim`]: its known fields borrowed from the
/// line, no allocation for strings without escapes or small integers.
/// The few other values of known fields (escaped strings, floats,
/// arrays) are parsed by `serde_json` on the spot, into `parsed`.
pub(crate) struct Skimmed<'a> {
    spans: Spans<'a, SKIM_SLOTS>,
    parsed: Vec<(usize, Value)>,
}

impl<'a> Skimmed<'a> {
    /// Skim `line`; `None` when `serde_json` must decide (see
    /// [`fields::skim`]), or would refuse a known field's value.
    pub(crate) fn new(line: &'a str) -> Option<Skimmed<'a>> {
        let mut spans = Spans::new(line);
        if !fields::skim(skim_index, &mut spans) {
            return None;
        }
        let mut parsed = Vec::new();
        if spans.any_needs_parse() {
            for i in (0..KNOWN_FIELDS.len()).filter(|&i| spans.needs_parse(i)) {
                parsed.push((i, spans.get(i)?.to_value()?));
            }
        }
        Some(Skimmed { spans, parsed })
    }

    /// The raw value in `slot` ([`slot_of`]).
    pub(crate) fn raw(&self, slot: usize) -> Option<Raw<'a>> {
        self.spans.get(slot)
    }
}

impl fields::Record for Skimmed<'_> {
    fn field(&self, key: &str) -> Option<Field<'_>> {
        let i = known_index(key)?;
        Some(match self.spans.get(i)? {
            Raw::Str(s) => Field::Str(s),
            Raw::Int(s) => Field::Int(s),
            Raw::Bool(b) => Field::Bool(b),
            Raw::Null => Field::Null,
            Raw::Escaped(_) | Raw::Num(_) | Raw::Nested(_) => {
                Field::of(&self.parsed.iter().find(|(k, _)| *k == i).expect("parsed in `new`").1)
            }
        })
    }
}

impl<'de> serde::Deserialize<'de> for KnownFields {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = KnownFields;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut m: A) -> std::result::Result<KnownFields, A::Error> {
                let mut out = KnownFields(Default::default());
                while let Some(key) = m.next_key::<std::borrow::Cow<'de, str>>()? {
                    match known_index(&key) {
                        Some(i) => out.0[i] = Some(m.next_value()?),
                        None => {
                            m.next_value::<serde::de::IgnoredAny>()?;
                        }
                    }
                }
                Ok(out)
            }
        }
        d.deserialize_map(V)
    }
}

/// A line's fields: the known ones, or (after the full parse) all.
// One is made and moved a few times per line: the typed parse's slots (a
// kilobyte) are boxed, as only lines the skim leaves undecided take it;
// the skim (320 bytes) is not, as boxing it would allocate for every line.
#[allow(clippy::large_enum_variant)]
pub(crate) enum LineFields<'a> {
    Skimmed(Skimmed<'a>),
    Known(Box<KnownFields>),
    Full(serde_json::Map<String, Value>),
}

impl fields::Record for LineFields<'_> {
    fn field(&self, key: &str) -> Option<Field<'_>> {
        match self {
            LineFields::Skimmed(s) => s.field(key),
            LineFields::Known(k) => k.field(key),
            LineFields::Full(m) => m.field(key),
        }
    }
}

/// The fields of line `n`; `None` for blank lines and, with the same
/// diagnostic [`fields::object_line`] writes, for lines that are not a
/// JSON object (those take the full parse, for its message).
fn known_fields<'a>(n: u64, line: &'a str, orphans: &mut Vec<Diagnostic>) -> Option<LineFields<'a>> {
    let trimmed = line.trim();
    if trimmed.is_empty() {
        return None;
    }
    if let Some(skimmed) = Skimmed::new(trimmed) {
        return Some(LineFields::Skimmed(skimmed));
    }
    match serde_json::from_str::<KnownFields>(trimmed) {
        Ok(known) => Some(LineFields::Known(Box::new(known))),
        Err(_) => fields::object_line(n, line, orphans).map(LineFields::Full),
    }
}

/// The comment of a Pushshift line and its raw `parent_id`, parsing only
/// the fields read (as [`classify`] does); `None` when the line is not an
/// object or has no id. For `stream`, which has found the `link_id` itself.
pub(crate) fn comment_of_line(line: &[u8]) -> Option<(crate::model::Comment, Option<String>)> {
    match serde_json::from_slice::<KnownFields>(line) {
        Ok(known) => reddit::comment_from(&known),
        Err(_) => reddit::comment_from(&serde_json::from_slice::<serde_json::Map<String, Value>>(line).ok()?),
    }
}

/// The whole object of a line, as JSON text cut to 200 characters, for a
/// diagnostic that keeps the record (rare: only skipped lines pay for it).
fn whole_object_text(line: &str) -> String {
    let text = serde_json::from_str::<Value>(line.trim()).map(|v| v.to_string()).unwrap_or_else(|_| line.to_string());
    fields::truncate(&text, 200)
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
        let class = route(n, &line, &mut orphans);
        if let Some(key) = class.key() {
            if first_key.is_none() && matches!(class, Route::Comment { .. }) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::fields::Record;

    /// Lines read in place from the reader's buffer and lines gathered
    /// across refills give the same threads: the dump fixture with a
    /// malformed line, a blank line and a line without a final newline
    /// added, through buffers of every size from 1 to 64 bytes and whole.
    #[test]
    fn lines_across_buffer_refills_read_as_in_one_buffer() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/formats/pushshift");
        let mut text = std::fs::read_to_string(dir.join("RC_2020-09.ndjson")).unwrap();
        text.push_str("not json\n\n");
        text.push_str(
            r#"{"id":"zz9","link_id":"t3_x1","parent_id":"t3_x1","author":"tail","body":"no newline &amp; end"}"#,
        );
        let whole = read_pushshift_stream(text.as_bytes(), "dump", None).unwrap();
        assert!(whole.iter().any(|t| t.comments.iter().any(|c| c.text == "no newline & end")));
        assert!(whole.iter().flat_map(|t| &t.diagnostics).any(|d| d.line.is_some()));
        for capacity in 1..=64 {
            let reader = std::io::BufReader::with_capacity(capacity, text.as_bytes());
            let split = read_pushshift_stream(reader, "dump", None).unwrap();
            assert_eq!(format!("{split:?}"), format!("{whole:?}"), "buffer of {capacity} bytes");
        }
    }

    #[test]
    fn known_fields_cover_what_the_readers_look_at() {
        assert!(KNOWN_FIELDS.windows(2).all(|w| w[0] < w[1]), "sorted and unique");
        for (i, f) in KNOWN_FIELDS.iter().enumerate() {
            assert_eq!(known_index(f), Some(i), "{f}");
        }
        assert_eq!(known_index("all_awardings"), None);
        for (i, name) in SKIM_NAMES.iter().enumerate() {
            assert_eq!(skim_index(name), Some(i), "{name}: no collision in the name table");
        }
        for other in ["", "t", "thread_id ", "Text", "created_atx", "edge", "bxdy", "lixk_id", "author_flairxtext"] {
            assert_eq!(skim_index(other), None, "{other}");
        }
        for (a, b) in [
            ("ab", "ab"),
            ("abcde", "abcde"),
            ("subreddit", "subreddit"),
            ("removed_by_category", "removed_by_category"),
        ] {
            assert!(same_name(a.as_bytes(), b.as_bytes()), "{a}");
        }
        for (a, b) in [
            ("ab", "ac"),
            ("abcde", "abxde"),
            ("subreddit", "subrexdit"),
            ("removed_by_category", "removed_byxcategory"),
        ] {
            assert!(!same_name(a.as_bytes(), b.as_bytes()), "{a} {b}");
        }
        let read =
            ["id", "name", "author", "body", "created_utc", "score", "parent_id", "link_id", "title", "selftext"];
        for f in read.iter().chain(reddit::COMMENT_META).chain(reddit::POST_META) {
            assert!(known_index(f).is_some(), "{f} missing from KNOWN_FIELDS");
        }
    }

    #[test]
    fn known_field_parse_agrees_with_the_full_parse() {
        // (line, expected: Some(kept keys) or None with a diagnostic)
        let cases: &[(&str, Option<&[&str]>)] = &[
            (
                r#"{"id":"a","link_id":"t3_x","all_awardings":[{"x":[1,2]}],"gildings":{},"body":"hi"}"#,
                Some(&["body", "id", "link_id"]),
            ),
            (r#"{"id":"a","id":"b"}"#, Some(&["id"])),
            (r#"{"id":"a","edited":1600000000.5,"score":null}"#, Some(&["edited", "id", "score"])),
            ("[1,2]", None),
            (r#"{"id":"a","#, None),
            ("   ", None),
        ];
        for &(line, want) in cases {
            let mut a = Vec::new();
            let mut b = Vec::new();
            let known = known_fields(7, line, &mut a);
            let full = fields::object_line(7, line, &mut b);
            assert_eq!(a, b, "{line}: same diagnostics");
            match (known, full, want) {
                (Some(k), Some(f), Some(keys)) => {
                    let kept: Vec<&str> = KNOWN_FIELDS.iter().copied().filter(|key| k.field(key).is_some()).collect();
                    assert_eq!(kept, keys, "{line}");
                    for key in KNOWN_FIELDS {
                        assert_eq!(value_of(k.field(key)), f.get(*key).cloned(), "{line}: {key}");
                    }
                }
                (None, None, None) => {}
                (k, f, _) => panic!("{line}: known {}, full {f:?}", k.is_some()),
            }
        }
        let mut d = Vec::new();
        // Fields never read are checked for syntax only: an out-of-range
        // number or a lone surrogate there no longer drops the comment.
        for line in [r#"{"id":"f","link_id":"t3_y","big":1e400}"#, r#"{"id":"e","link_id":"t3_y","w":"\ud800"}"#] {
            assert!(fields::object_line(1, line, &mut d).is_none(), "{line}: the full parse refuses it");
            d.clear();
            assert!(matches!(classify(1, line.as_bytes(), &mut d), Line::Comment { .. }), "{line}");
            assert!(d.is_empty());
        }
        let dup = known_fields(1, r#"{"id":"a","id":"b"}"#, &mut d).unwrap();
        assert_eq!(value_of(dup.field("id")), Some(Value::from("b")), "the last duplicate wins");
    }

    /// A field as the value it stands for.
    fn value_of(f: Option<Field<'_>>) -> Option<Value> {
        Some(match f? {
            Field::Str(s) => Value::from(s),
            Field::Int(s) => Value::from(s.parse::<u64>().unwrap()),
            Field::Bool(b) => Value::Bool(b),
            Field::Null => Value::Null,
            Field::Json(v) => v.clone(),
        })
    }

    #[test]
    fn skimmed_lines_read_as_the_typed_parse_reads_them() {
        // (line, skimmed?): when skimmed, every known field must equal the
        // typed parse's; otherwise the line takes that parse.
        let cases: &[(&str, bool)] = &[
            (
                r#"{"author":"quinn","body":"First.","created_utc":1500000000,"id":"0x0","link_id":"t3_0","parent_id":"t3_0","score":1}"#,
                true,
            ),
            (
                r#"{"id":"c3","body":"&gt; q\nr \"x\" \u00e9 \ud83d\ude00","author_flair_text":"\u2603","all_awardings":[{"x":[1,2,{"y":"]}"}]}],"gildings":{}}"#,
                true,
            ),
            (
                r#" { "id" : "c2" , "score" : null , "edited" : 1600000000.5 , "stickied" : true , "gilded" : 0 , "created_utc" : "15" } "#,
                true,
            ),
            (
                r#"{"id":"c","score":-3,"controversiality":99999999999999999999,"x":[true,false,null,-0.5e-3,1E+2],"y":{}}"#,
                true,
            ),
            (r#"{"id":"c","removal_reason":{"a":[1]},"collapsed_reason":["x"],"gilded":[]}"#, true),
            (r#"{}"#, true),
            (r#"{"id":"a","id":"b"}"#, false),
            (r#"{"i\u0064":"a"}"#, false),
            (r#"{"id":"a","score":1e400}"#, false),
            (r#"{"id":"a","body":"\ud800"}"#, false),
            (r#"{"id":"a","big":1e400,"w":"\ud800"}"#, true),
        ];
        for &(line, skims) in cases {
            let skimmed = Skimmed::new(line);
            assert_eq!(skimmed.is_some(), skims, "{line}");
            let Some(skimmed) = skimmed else { continue };
            let typed: KnownFields = serde_json::from_str(line).unwrap();
            for key in KNOWN_FIELDS {
                assert_eq!(value_of(skimmed.field(key)), value_of(typed.field(key)), "{line}: {key}");
            }
        }
        let deep = format!(r#"{{"id":"a","d":{}{}}}"#, "[".repeat(70), "]".repeat(70));
        assert!(Skimmed::new(&deep).is_none(), "deeper than the skim follows");
        assert!(matches!(classify(1, deep.as_bytes(), &mut Vec::new()), Line::Skipped), "no link_id");
    }
}
