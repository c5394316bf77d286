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

use std::collections::HashMap;
use std::io::BufRead;

use serde_json::Value;

use crate::builder::RawComment;
use crate::error::{Error, Result};
use crate::model::{Diagnostic, DiagnosticKind, Post, SourceFormat, Thread};
use crate::read::group::Groups;
use crate::read::{fields, reddit};

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
        for (n, obj) in fields::ndjson_objects(sub_text, &mut diags) {
            match reddit::post_from(&obj) {
                Post { id: Some(id), title: Some(t), .. } if !t.is_empty() => {
                    posts.insert(reddit::strip_kind(&id).to_string(), reddit::post_from(&obj));
                }
                _ => diags.push(Diagnostic::at(
                    n,
                    DiagnosticKind::MalformedRecord,
                    "no `id` and `title`: not a submission; skipped",
                )),
            }
        }
        g.orphans.extend(diags.into_iter().map(|mut d| {
            d.message = format!("{sub_path}: {}", d.message);
            d
        }));
    }

    for (i, line) in reader.split(b'\n').enumerate() {
        let n = i as u64 + 1;
        let line = line
            .map_err(|e| Error::format(format!("cannot read past line {}: {e}", n - 1)).with_path(path).at_line(n))?;
        let Ok(line) = std::str::from_utf8(&line) else {
            g.orphans.push(Diagnostic::at(n, DiagnosticKind::MalformedRecord, "line is not UTF-8; skipped"));
            continue;
        };
        let line = if n == 1 { line.trim_start_matches('\u{feff}') } else { line };
        let Some(obj) = fields::object_line(n, line, &mut g.orphans) else { continue };
        let Some(link) = fields::text(&obj, "link_id").map(|l| reddit::strip_kind(&l).to_string()) else {
            if let post @ Post { id: Some(_), title: Some(_), .. } = reddit::post_from(&obj) {
                let key = post.id.as_deref().map(reddit::strip_kind).unwrap_or_default().to_string();
                posts.insert(key, post);
                continue;
            }
            g.orphans.push(
                Diagnostic::at(n, DiagnosticKind::MalformedRecord, "line has no `link_id`; skipped")
                    .with_text(fields::truncate(&Value::Object(obj).to_string(), 200)),
            );
            continue;
        };
        let Some((comment, parent)) = reddit::comment_from(&obj) else {
            g.orphans.push(
                Diagnostic::at(n, DiagnosticKind::MalformedRecord, "line has no `id`; skipped")
                    .with_text(fields::truncate(&Value::Object(obj).to_string(), 200)),
            );
            continue;
        };
        let parent_id = match parent.as_deref() {
            None => None,
            Some(p) if p.starts_with("t3_") => None,
            Some(p) => Some(reddit::strip_kind(p).to_string()),
        };
        g.builder(&link).push(RawComment { comment, parent_id, record: Some(n) });
    }
    for (link, b) in g.iter_mut() {
        match posts.remove(link) {
            Some(post) => b.post(post),
            None => b.post(Post { id: Some(format!("t3_{link}")), ..Post::default() }),
        };
    }
    g.finish("Pushshift comment")
}
