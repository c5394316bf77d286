//! Readers: turn input files into [`Thread`]s.
//!
//! [`read_path`] is the one entry point: it loads the bytes, checks they
//! are text, picks the format (given, or detected from the content), and
//! calls the format's reader. Every reader produces the same model, so
//! nothing downstream knows which format a thread came from.

pub mod article;
pub mod edgelist;
pub mod rumoureval;
pub mod text;

// Platform formats (issue 6).
pub mod compress;
pub mod convokit;
pub mod disqus;
pub(crate) mod fields;
pub(crate) mod group;
pub mod hackernews;
pub mod html;
pub mod mbox;
pub mod pushshift;
pub mod reddit;
pub mod wordpress;
pub(crate) mod xml;
pub mod youtube;

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::error::{decode_text, Error, ErrorKind, Result};
use crate::model::{Source, SourceFormat, Thread};

/// The `--format` choice.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Detect from the content (and, as a hint, the file name).
    Auto,
    /// Indented text (scraped pages, browser dumps).
    Text,
    /// CSV edge list.
    Csv,
    /// JSON Lines edge list.
    Jsonl,
    // Platform formats (issue 6).
    /// Reddit API thread JSON (`/comments/<id>`).
    Reddit,
    /// Pushshift / Arctic Shift NDJSON dump (`.zst` / `.gz` read as is).
    Pushshift,
    /// Hacker News items (official API, array or NDJSON) or Algolia tree.
    Hn,
    /// yt-dlp `info.json` with comments.
    Youtube,
    /// Disqus export XML.
    Disqus,
    /// WordPress WXR export.
    Wordpress,
    /// Unix mbox mailing-list archive.
    Mbox,
    /// ConvoKit corpus folder (or its `utterances.jsonl`).
    Convokit,
    /// RumourEval thread folder(s): `source-tweet/`, `replies/`, `structure.json`.
    Rumoureval,
}

/// Reading options beyond the format (platform formats, issue 6).
#[derive(Clone, Debug)]
pub struct ReadOptions {
    /// The `--format` choice.
    pub format: Format,
    /// A Pushshift `RS_…` submissions file supplying post titles and text.
    pub submissions: Option<PathBuf>,
    /// Keep WordPress pingbacks and trackbacks as comments.
    pub include_pingbacks: bool,
}

impl ReadOptions {
    /// Options with just a format.
    pub fn new(format: Format) -> ReadOptions {
        ReadOptions { format, submissions: None, include_pingbacks: false }
    }
}

/// Read every thread in `path` (`-` for standard input).
pub fn read_path(path: &Path, format: Format) -> Result<Vec<Thread>> {
    read_path_with(path, &ReadOptions::new(format))
}

/// Read every thread in `path` with options: a directory is a ConvoKit
/// corpus (it has `utterances.jsonl`) or RumourEval thread folders (one
/// with `structure.json`, or a folder of them); `.gz` / `.zst` files are
/// decompressed.
pub fn read_path_with(path: &Path, opts: &ReadOptions) -> Result<Vec<Thread>> {
    let name = path.to_string_lossy().into_owned();
    if name != "-" && path.is_dir() {
        let is_corpus = path.join("utterances.jsonl").is_file();
        return match opts.format {
            Format::Convokit => convokit::read_dir(path),
            Format::Rumoureval => rumoureval::read_dir(path),
            Format::Auto if is_corpus => convokit::read_dir(path),
            Format::Auto if rumoureval::looks_like_dir(path) => rumoureval::read_dir(path),
            Format::Auto => Err(Error::new(ErrorKind::UnknownFormat(
                "a directory is read as a ConvoKit corpus (utterances.jsonl) or RumourEval thread folders \
                 (structure.json), and this one has neither"
                    .into(),
            ))
            .with_path(path)),
            f => Err(Error::format(format!("is a directory; --format {f:?} reads files")).with_path(path)),
        };
    }
    if opts.format == Format::Rumoureval {
        return Err(Error::new(ErrorKind::UnknownFormat(
            "--format rumoureval reads a directory (a thread folder with structure.json, or a folder of them)".into(),
        ))
        .with_path(path));
    }
    // A corpus's utterances.jsonl named directly: read the folder, so
    // conversations.json (titles, conversation metadata) is used too.
    if path.file_name().is_some_and(|f| f == "utterances.jsonl")
        && matches!(opts.format, Format::Auto | Format::Convokit)
    {
        if let Some(dir) = path.parent().filter(|d| d.join("utterances.jsonl").is_file()) {
            return convokit::read_dir(dir);
        }
    }
    // Decompress as a stream; a Pushshift dump is then read line by line
    // instead of being held in memory whole.
    let input: Box<dyn Read> = if name == "-" {
        Box::new(std::io::stdin())
    } else {
        Box::new(std::fs::File::open(path).map_err(|e| Error::from(e).with_path(path))?)
    };
    let read_err = |e: std::io::Error| Error::format(format!("cannot read: {e}")).with_path(path);
    let mut reader = compress::reader(input).map_err(read_err)?;
    let mut head = Vec::new();
    reader.by_ref().take(STREAM_SNIFF_BYTES).read_to_end(&mut head).map_err(read_err)?;
    let stream = match opts.format {
        Format::Pushshift => true,
        Format::Auto => sniff_head(&head, &name) == Some(Format::Pushshift),
        _ => false,
    };
    // A JSON Lines edge list is read a chunk at a time too: the file is
    // never held whole beside its threads.
    let jsonl = match opts.format {
        Format::Jsonl => true,
        Format::Auto => !stream && sniff_head(&head, &name) == Some(Format::Jsonl),
        _ => false,
    };
    if jsonl {
        return edgelist::read_jsonl_stream(std::io::Cursor::new(head).chain(reader), &name);
    }
    if stream {
        let subs = read_submissions(opts)?;
        let subs = subs.as_ref().map(|(t, p)| (t.as_str(), p.as_str()));
        return pushshift::read_pushshift_stream(std::io::Cursor::new(head).chain(reader), &name, subs);
    }
    reader.read_to_end(&mut head).map_err(read_err)?;
    read_owned(head, &name, opts)
}

/// [`read_bytes_with`] for input read here, which the reader may free
/// early: an indented page's input is dropped once its comments are read,
/// before they become [`Comment`](crate::model::Comment)s and the tree is
/// built, so the input and the finished thread are not in memory together
/// (docs/performance.md, "Memory of one thread").
fn read_owned(bytes: Vec<u8>, name: &str, opts: &ReadOptions) -> Result<Vec<Thread>> {
    if matches!(opts.format, Format::Text | Format::Auto) && compress::Compression::sniff(&bytes).is_none() {
        if let Ok(text) = decode_text(&bytes) {
            let format = match opts.format {
                Format::Auto => detect(text, compress::strip_extension(name)).ok(),
                f => Some(f),
            };
            if let Some(Format::Text | Format::Auto) = format {
                let sections = text::read_sections(text, text_source(name));
                let large = bytes.len() >= LARGE_INPUT;
                drop(bytes);
                if large {
                    large_free_done();
                }
                return Ok(vec![sections.build()]);
            }
        }
    }
    read_bytes_with(&bytes, name, opts)
}

/// Inputs at least this large call the [`on_large_free`] hook.
const LARGE_INPUT: usize = 16 << 20;

static LARGE_FREE: std::sync::OnceLock<fn()> = std::sync::OnceLock::new();

/// Register `release`, called right after the reader frees a large buffer
/// while reading an indented page: the page's input (16 MiB or more) once
/// its comments are read, and the comments' drafts as they shrink while
/// the comments are made.
///
/// An allocator that keeps freed memory resident for a while (mimalloc
/// purges after about a second) would otherwise hold those pages while the
/// thread is built: the binary registers mimalloc's `mi_collect(true)`
/// here, which returns them at once (docs/performance.md, "Memory of one
/// thread"). The library itself stays allocator-agnostic. The first
/// registration wins.
pub fn on_large_free(release: fn()) {
    let _ = LARGE_FREE.set(release);
}

/// Call the [`on_large_free`] hook, if one is registered.
pub(crate) fn large_free_done() {
    if let Some(release) = LARGE_FREE.get() {
        release();
    }
}

/// The source of a text page named `name`.
fn text_source(name: &str) -> Source {
    Source { path: name.to_string(), thread_id: None, format: SourceFormat::Text }
}

/// The format of the file at `path` as [`read_path`] would detect it from
/// its first 64 KiB (decompressed); `None` when nothing matches.
pub fn sniff_path(path: &Path) -> Result<Option<Format>> {
    let file = std::fs::File::open(path).map_err(|e| Error::from(e).with_path(path))?;
    let read_err = |e: std::io::Error| Error::format(format!("cannot read: {e}")).with_path(path);
    let mut head = Vec::new();
    compress::reader(file).map_err(read_err)?.take(STREAM_SNIFF_BYTES).read_to_end(&mut head).map_err(read_err)?;
    Ok(sniff_head(&head, &path.to_string_lossy()))
}

/// How much decompressed input is looked at before choosing to stream.
const STREAM_SNIFF_BYTES: u64 = 1 << 16;

/// Detect the format from the first complete lines of a stream's head.
fn sniff_head(head: &[u8], name: &str) -> Option<Format> {
    let upto = head.iter().rposition(|&b| b == b'\n').map_or(head.len(), |i| i + 1);
    let prefix = &head[..upto];
    let text = match std::str::from_utf8(prefix) {
        Ok(t) => t,
        Err(e) => std::str::from_utf8(&prefix[..e.valid_up_to()]).ok()?,
    };
    detect(text.trim_start_matches('\u{feff}'), compress::strip_extension(name)).ok()
}

/// The `--submissions` file, decompressed, with its name.
pub(crate) fn read_submissions(opts: &ReadOptions) -> Result<Option<(String, String)>> {
    let Some(p) = &opts.submissions else { return Ok(None) };
    let raw = std::fs::read(p).map_err(|e| Error::from(e).with_path(p))?;
    let raw = compress::decompress(&raw, &p.to_string_lossy())?.into_owned();
    let text = String::from_utf8(raw).map_err(|_| Error::new(ErrorKind::NotUtf8).with_path(p))?;
    Ok(Some((text, p.to_string_lossy().into_owned())))
}

/// Read every thread in `bytes`, naming the input `name` in errors.
pub fn read_bytes(bytes: &[u8], name: &str, format: Format) -> Result<Vec<Thread>> {
    read_bytes_with(bytes, name, &ReadOptions::new(format))
}

/// Read every thread in `bytes` with options (gzip / zstd decompressed first).
pub fn read_bytes_with(bytes: &[u8], name: &str, opts: &ReadOptions) -> Result<Vec<Thread>> {
    let bytes = compress::decompress(bytes, name)?;
    let hint = compress::strip_extension(name);
    // Mail archives are often not UTF-8 throughout; read them lossily.
    let lossy;
    let text = match decode_text(&bytes) {
        Ok(t) => t,
        Err(e)
            if matches!(e.kind(), ErrorKind::NotUtf8)
                && (opts.format == Format::Mbox || (opts.format == Format::Auto && bytes.starts_with(b"From "))) =>
        {
            lossy = String::from_utf8_lossy(&bytes).into_owned();
            lossy.as_str()
        }
        Err(e) => return Err(e.with_path(name)),
    };
    let format = match opts.format {
        Format::Auto => detect(text, hint).map_err(|e| e.with_path(name))?,
        f => f,
    };
    match format {
        Format::Reddit => reddit::read_reddit(text, name),
        Format::Pushshift => {
            let subs = read_submissions(opts)?;
            pushshift::read_pushshift(text, name, subs.as_ref().map(|(t, p)| (t.as_str(), p.as_str())))
        }
        Format::Hn => hackernews::read_hn(text, name),
        Format::Youtube => youtube::read_youtube(text, name),
        Format::Disqus => disqus::read_disqus(text, name),
        Format::Wordpress => wordpress::read_wordpress(text, name, opts.include_pingbacks),
        Format::Mbox => mbox::read_mbox(text, name),
        Format::Convokit => convokit::read_utterances(text, name, None),
        Format::Text | Format::Auto => Ok(vec![text::read_text(text, text_source(name))]),
        Format::Csv => edgelist::read_csv(text, name),
        Format::Jsonl => edgelist::read_jsonl(text, name),
        Format::Rumoureval => {
            Err(Error::new(ErrorKind::UnknownFormat("--format rumoureval reads a directory, not bytes".into()))
                .with_path(name))
        }
    }
}

/// Tell the format from the content; the extension only breaks ties.
pub fn detect(text: &str, name: &str) -> Result<Format> {
    let first = text.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("");
    let ext = Path::new(name).extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    if let Some(f) = detect_platform(text, first)? {
        return Ok(f);
    }
    if first.starts_with('{') {
        if serde_json::from_str::<serde_json::Value>(first).is_ok() {
            return Ok(Format::Jsonl);
        }
        return Err(Error::new(ErrorKind::UnknownFormat(
            "the first line starts with `{` but is not a JSON object on one line; pass --format".into(),
        )));
    }
    if looks_like_csv_header(first) || (ext == "csv" && first.contains(',')) {
        return Ok(Format::Csv);
    }
    Ok(Format::Text)
}

/// Content sniffing for the platform formats: `None` when the input is
/// none of them (the generic formats decide then).
fn detect_platform(text: &str, first: &str) -> Result<Option<Format>> {
    use serde_json::Value;
    let ambiguous = |what: &str| Err(Error::new(ErrorKind::UnknownFormat(format!("{what}; pass --format"))));
    let trimmed = text.trim_start();
    if trimmed.starts_with('<') {
        let head: String = trimmed.chars().take(4096).collect();
        let root = xml_root(&head);
        return match root.as_deref() {
            Some("disqus") => Ok(Some(Format::Disqus)),
            Some("rss") if head.contains("xmlns:wp=") || head.contains("<wp:") => Ok(Some(Format::Wordpress)),
            // HTML pages (saved browser pages) are the text reader's.
            Some(r) if r.eq_ignore_ascii_case("html") || !trimmed.starts_with("<?xml") => Ok(None),
            Some(other) => ambiguous(&format!(
                "XML with root <{other}> is neither a Disqus export (<disqus>) nor WordPress WXR (<rss> with wp: namespace)"
            )),
            None => Ok(None),
        };
    }
    if first.starts_with("From ") {
        let header_lines = text.lines().skip(1).take(40).take_while(|l| !l.trim().is_empty());
        let headers = header_lines
            .filter(|l| {
                let l = l.to_ascii_lowercase();
                ["message-id:", "from:", "subject:", "date:", "in-reply-to:", "references:"]
                    .iter()
                    .any(|h| l.starts_with(h))
            })
            .count();
        if headers >= 2 {
            return Ok(Some(Format::Mbox));
        }
        return Ok(None);
    }
    if !(trimmed.starts_with('{') || trimmed.starts_with('[')) {
        return Ok(None);
    }
    // The first line when it is a whole JSON value (NDJSON, one-line
    // info.json), else the whole text (pretty-printed documents).
    let value: Value = match serde_json::from_str(first) {
        Ok(v) => v,
        Err(_) => match serde_json::from_str(text) {
            Ok(v) => v,
            Err(_) => return Ok(None),
        },
    };
    let sample = match &value {
        Value::Array(items) => {
            let is_listing = |v: &Value| v.get("kind").and_then(Value::as_str) == Some("Listing");
            if items.len() == 2 && items.iter().all(is_listing) {
                return Ok(Some(Format::Reddit));
            }
            match items.first() {
                Some(v @ Value::Object(_)) => v,
                _ => return Ok(None),
            }
        }
        v @ Value::Object(_) => v,
        _ => return Ok(None),
    };
    let has = |k: &str| sample.get(k).is_some();
    let mut found = Vec::new();
    if has("link_id") && has("body") {
        found.push(Format::Pushshift);
    }
    if (has("by") && (has("kids") || has("type"))) || (has("children") && has("story_id")) {
        found.push(Format::Hn);
    }
    if sample.get("comments").is_some_and(Value::is_array) && (has("extractor") || has("webpage_url")) {
        found.push(Format::Youtube);
    }
    if has("id")
        && (has("speaker") || has("user"))
        && (has("conversation_id") || has("root"))
        && has("reply_to") | has("reply-to")
    {
        found.push(Format::Convokit);
    }
    match found.as_slice() {
        [] => Ok(None),
        [one] => Ok(Some(*one)),
        many => ambiguous(&format!("the JSON records fit several formats ({many:?})")),
    }
}

/// The name of the first element of an XML text (after the declaration,
/// comments and doctype).
fn xml_root(head: &str) -> Option<String> {
    let mut rest = head;
    loop {
        let open = rest.find('<')?;
        rest = &rest[open + 1..];
        if rest.starts_with('?') || rest.starts_with('!') {
            let close = if rest.starts_with("!--") { rest.find("-->")? + 3 } else { rest.find('>')? + 1 };
            rest = &rest[close..];
            continue;
        }
        let name: String =
            rest.chars().take_while(|c| c.is_alphanumeric() || matches!(c, ':' | '_' | '-' | '.')).collect();
        return (!name.is_empty()).then_some(name);
    }
}

fn looks_like_csv_header(line: &str) -> bool {
    let cols: Vec<String> = line.split(',').map(|c| c.trim().trim_matches('"').to_ascii_lowercase()).collect();
    cols.len() >= 2
        && cols.iter().any(|c| c == "id" || c == "comment_id")
        && cols.iter().any(|c| c == "parent_id" || c == "text")
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_large_page_calls_the_free_hook_and_a_small_one_does_not() {
        // Counted per thread: other tests that free large inputs or
        // drafts run on other threads at the same time, and the hook is
        // global. A text page is read and freed on the calling thread.
        use std::cell::Cell;
        thread_local! {
            static CALLS: Cell<usize> = const { Cell::new(0) };
        }
        fn count() {
            CALLS.with(|c| c.set(c.get() + 1));
        }
        let calls = || CALLS.with(Cell::get);
        on_large_free(count);
        let dir = std::env::temp_dir().join(format!("threadlens-freed-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (big, small) = (dir.join("big.txt"), dir.join("small.txt"));
        let opts = crate::gen::GenOptions { threads: 1, comments_per_thread: 90_000, ..Default::default() };
        crate::gen::write_corpus(&opts, crate::gen::GenFormat::Text, std::fs::File::create(&big).unwrap()).unwrap();
        assert!(std::fs::metadata(&big).unwrap().len() as usize >= LARGE_INPUT);
        std::fs::write(&small, "Title\n\nBody.\n\n  • alice\n\n    Hello.\n").unwrap();
        let before = calls();
        let threads = read_path(&small, Format::Auto).unwrap();
        assert_eq!(threads[0].comments.len(), 1);
        assert_eq!(calls(), before, "a small page does not call the hook");
        let threads = read_path(&big, Format::Auto).unwrap();
        assert_eq!(threads[0].comments.len(), 90_000);
        // Once for the input, once when the 90,000 drafts have shrunk to a quarter.
        assert_eq!(calls(), before + 2, "a large page calls it twice");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    use super::*;

    #[test]
    fn detection_by_content() {
        assert_eq!(detect("id,parent_id,text\n1,,a\n", "x.txt").unwrap(), Format::Csv);
        assert_eq!(detect("{\"id\":1}\n", "x").unwrap(), Format::Jsonl);
        assert_eq!(detect("Title\n\n  • Ann\n\n    hi\n", "x.csv").unwrap(), Format::Text);
    }

    /// `read_path` frees a text page's input between reading and building
    /// (`read_owned`); the threads are the same as from borrowed bytes, for
    /// text and for the formats that take the borrowed path.
    #[test]
    fn owned_and_borrowed_inputs_read_the_same() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
        let mut texts = 0;
        for dir in ["seeds", "browser", "edgelist"] {
            for entry in std::fs::read_dir(root.join(dir)).unwrap() {
                let path = entry.unwrap().path();
                let bytes = std::fs::read(&path).unwrap();
                let name = path.to_string_lossy();
                let json = |r: Result<Vec<Thread>>| match r {
                    Ok(threads) => {
                        let roles: Vec<Vec<_>> = threads.iter().map(|t| t.line_roles.iter().collect()).collect();
                        format!("{} {roles:?}", serde_json::to_string(&threads).unwrap())
                    }
                    Err(e) => e.to_string(),
                };
                let owned = json(read_path(&path, Format::Auto));
                assert_eq!(owned, json(read_bytes(&bytes, &name, Format::Auto)), "{name}");
                texts += usize::from(owned.contains("\"format\":\"text\""));
            }
        }
        assert!(texts >= 10, "{texts} text inputs");
    }
}
