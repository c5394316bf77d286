//! RumourEval thread folders (SemEval-2017/2019 Task 7), Twitter and Reddit.
//!
//! A thread folder holds `source-tweet/<id>.json` (the claim: a tweet, or a
//! Reddit listing whose first child is the submission), `replies/<id>.json`
//! (one tweet or Reddit `t1`/`more` object per file) and `structure.json`
//! (the reply tree as nested ids: `{"root": {"child": {...}, "leaf": []}}`).
//! The source post becomes the thread's [`crate::model::Post`]; replies become
//! comments in preorder of `structure.json` (keys in sorted order, which
//! for both platforms' ids is roughly chronological).
//!
//! Repairs, each with a diagnostic: ids in `structure.json` with no reply
//! file (their replies hang under a placeholder), extra roots in
//! `structure.json` (attached through the reply's own `in_reply_to` /
//! `parent_id`), reply files not in `structure.json` (same), unreadable
//! reply files (skipped). Reddit `more` stubs become placeholders.
//!
//! A directory that is not itself a thread folder is searched (iteratively,
//! sorted by path) for thread folders; each becomes one thread.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::builder::{RawComment, ThreadBuilder};
use crate::error::{decode_text, Error, Result};
use crate::model::{
    Comment, CommentExtra, CommentStatus, Diagnostic, DiagnosticKind, Post, Source, SourceFormat, Thread,
};

/// True when `dir` is one RumourEval thread folder (it has `structure.json`).
pub fn is_thread_dir(dir: &Path) -> bool {
    dir.join("structure.json").is_file()
}

/// Every thread folder at or under `root`, sorted by path. Walks with an
/// explicit stack; does not descend into a thread folder or follow links.
pub fn thread_dirs(root: &Path) -> Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        if is_thread_dir(&dir) {
            found.push(dir);
            continue;
        }
        let entries = std::fs::read_dir(&dir).map_err(|e| Error::from(e).with_path(&dir))?;
        for entry in entries {
            let entry = entry.map_err(|e| Error::from(e).with_path(&dir))?;
            let ft = entry.file_type().map_err(|e| Error::from(e).with_path(entry.path()))?;
            if ft.is_dir() {
                stack.push(entry.path());
            }
        }
    }
    found.sort();
    Ok(found)
}

/// True when `dir` is a thread folder or holds thread folders below it.
pub fn looks_like_dir(dir: &Path) -> bool {
    is_thread_dir(dir) || thread_dirs(dir).is_ok_and(|d| !d.is_empty())
}

/// Read every thread folder at or under `root`.
pub fn read_dir(root: &Path) -> Result<Vec<Thread>> {
    let dirs = thread_dirs(root)?;
    if dirs.is_empty() {
        return Err(Error::format("no RumourEval thread folder (a folder with structure.json) here").with_path(root));
    }
    dirs.iter().map(|d| read_thread_dir(d)).collect()
}

fn read_json(path: &Path) -> Result<Value> {
    let bytes = std::fs::read(path).map_err(|e| Error::from(e).with_path(path))?;
    let text = decode_text(&bytes).map_err(|e| e.with_path(path))?;
    serde_json::from_str(text).map_err(|e| {
        Error::format(format!("invalid JSON: {e}"))
            .with_path(path)
            .at_line(e.line() as u64)
            .at_column(e.column() as u64)
    })
}

/// Undo the HTML escaping both platforms apply to text (`&amp;`, `&lt;`, …).
pub fn unescape_html(s: &str) -> String {
    crate::read::html::decode_entities(s)
}

fn str_field<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str).filter(|s| !s.is_empty())
}

fn id_string(v: &Value, key: &str) -> Option<String> {
    match v.get(key)? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// One reply object as read from its file.
struct Reply {
    comment: Comment,
    /// The parent the record itself names (tweet `in_reply_to_status_id`,
    /// Reddit `parent_id` without its `t1_`/`t3_` prefix).
    own_parent: Option<String>,
}

fn parse_reply(v: &Value, id: &str) -> Reply {
    // Reddit objects are {"kind": "t1" | "more", "data": {...}}.
    if let (Some(kind), Some(data)) = (v.get("kind").and_then(Value::as_str), v.get("data")) {
        let own_parent = str_field(data, "parent_id").map(|p| p.split_once('_').map_or(p, |(_, r)| r).to_string());
        let mut metadata = BTreeMap::new();
        metadata.insert("platform".to_string(), "reddit".to_string());
        if kind == "more" {
            let hidden = data.get("count").and_then(Value::as_u64).unwrap_or(0);
            let comment =
                Comment { id: id.to_string(), status: CommentStatus::Placeholder { hidden }, ..Comment::default() }
                    .with_extra(CommentExtra { metadata, ..CommentExtra::default() });
            return Reply { comment, own_parent };
        }
        let text = unescape_html(str_field(data, "body").unwrap_or(""));
        let author = str_field(data, "author").map(str::to_string);
        let status = match text.as_str() {
            "[deleted]" => CommentStatus::Deleted,
            "[removed]" => CommentStatus::Removed,
            _ if author.as_deref() == Some("[deleted]") => CommentStatus::AuthorDeleted,
            _ => CommentStatus::Normal,
        };
        let quoted = crate::read::html::quoted_lines(&text);
        let comment =
            Comment { id: id.to_string(), author, text, status, ..Comment::default() }.with_extra(CommentExtra {
                quoted,
                created_at: data.get("created_utc").and_then(Value::as_f64).map(|t| format!("{}", t as i64)),
                score: data.get("score").and_then(Value::as_i64),
                metadata,
            });
        return Reply { comment, own_parent };
    }
    // Twitter: a tweet object.
    let text = unescape_html(str_field(v, "full_text").or_else(|| str_field(v, "text")).unwrap_or(""));
    let mut metadata = BTreeMap::new();
    metadata.insert("platform".to_string(), "twitter".to_string());
    let author = v.get("user").and_then(|u| str_field(u, "screen_name")).map(str::to_string);
    let comment = Comment { id: id.to_string(), author, text, ..Comment::default() }.with_extra(CommentExtra {
        created_at: str_field(v, "created_at").map(str::to_string),
        score: v.get("favorite_count").and_then(Value::as_i64),
        metadata,
        ..CommentExtra::default()
    });
    Reply {
        comment,
        own_parent: id_string(v, "in_reply_to_status_id_str").or_else(|| id_string(v, "in_reply_to_status_id")),
    }
}

fn parse_post(v: &Value, id: &str, post: &mut Post) {
    post.id = Some(id.to_string());
    // Reddit: a Listing whose first child is the submission.
    let reddit = v.get("data").and_then(|d| d.get("children")).and_then(|c| c.get(0)).and_then(|c| c.get("data"));
    if let Some(d) = reddit {
        post.title = str_field(d, "title").map(unescape_html);
        post.author = str_field(d, "author").map(str::to_string);
        post.date = d.get("created_utc").and_then(Value::as_f64).map(|t| format!("{}", t as i64));
        let body = unescape_html(str_field(d, "selftext").unwrap_or(""));
        post.paragraphs = body.split("\n\n").map(str::trim).filter(|p| !p.is_empty()).map(str::to_string).collect();
        post.metadata.insert("platform".into(), "reddit".into());
        for key in ["url", "subreddit", "domain"] {
            if let Some(s) = str_field(d, key) {
                post.metadata.insert(key.into(), s.to_string());
            }
        }
        return;
    }
    let text = unescape_html(str_field(v, "full_text").or_else(|| str_field(v, "text")).unwrap_or(""));
    post.author = v.get("user").and_then(|u| str_field(u, "screen_name")).map(str::to_string);
    post.date = str_field(v, "created_at").map(str::to_string);
    post.paragraphs = if text.trim().is_empty() { Vec::new() } else { vec![text] };
    post.metadata.insert("platform".into(), "twitter".into());
}

fn json_files(dir: &Path) -> Result<Vec<PathBuf>> {
    if !dir.is_dir() {
        return Ok(Vec::new());
    }
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| Error::from(e).with_path(dir))? {
        let p = entry.map_err(|e| Error::from(e).with_path(dir))?.path();
        if p.extension().and_then(|e| e.to_str()) == Some("json") {
            files.push(p);
        }
    }
    files.sort();
    Ok(files)
}

fn parent_name(own: &Option<String>) -> String {
    match own {
        Some(p) => format!("the parent it names, {p:?}"),
        None => "the post (it names no parent)".to_string(),
    }
}

fn stem(p: &Path) -> String {
    p.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default()
}

/// Read one thread folder.
pub fn read_thread_dir(dir: &Path) -> Result<Thread> {
    let structure = read_json(&dir.join("structure.json"))?;
    let Value::Object(roots) = &structure else {
        return Err(Error::format("structure.json is not a JSON object").with_path(dir.join("structure.json")));
    };
    let sources = json_files(&dir.join("source-tweet"))?;
    let root_id = match sources.first() {
        Some(p) => stem(p),
        None => roots.keys().next().cloned().unwrap_or_default(),
    };
    let mut b = ThreadBuilder::new(Source {
        path: dir.to_string_lossy().into_owned(),
        thread_id: Some(root_id.clone()),
        format: SourceFormat::Rumoureval,
    });
    match sources.first() {
        Some(p) => parse_post(&read_json(p)?, &root_id, b.post_mut()),
        None => {
            b.post_mut().id = Some(root_id.clone());
            b.diagnostic(Diagnostic::new(DiagnosticKind::MissingParent, "no source-tweet/*.json; the post is empty"));
        }
    }

    // Reply files by id; unreadable ones are skipped with a diagnostic.
    let mut replies: BTreeMap<String, Reply> = BTreeMap::new();
    for (n, p) in json_files(&dir.join("replies"))?.iter().enumerate() {
        let id = stem(p);
        match read_json(p) {
            Ok(v) => {
                replies.insert(id.clone(), parse_reply(&v, &id));
            }
            Err(e) => {
                b.diagnostic(Diagnostic {
                    line: Some(n as u64 + 1),
                    kind: DiagnosticKind::MalformedRecord,
                    message: format!("skipped unreadable reply: {e}"),
                    text: None,
                    records: 1,
                });
            }
        }
    }

    // Preorder over structure.json with an explicit stack: (id, parent id, children).
    let mut order: Vec<(String, Option<String>)> = Vec::new();
    let mut stack: Vec<(&str, Option<String>, &Value)> = Vec::new();
    for (k, v) in roots.iter().rev() {
        if *k == root_id {
            stack.push((k.as_str(), None, v));
        } else {
            let own = replies.get(k).and_then(|r| r.own_parent.clone());
            b.diagnostic(Diagnostic::new(
                DiagnosticKind::Guess,
                format!("structure.json has {k:?} as an extra root; attached to {}", parent_name(&own)),
            ));
            stack.push((k.as_str(), Some(own.unwrap_or_else(|| root_id.clone())), v));
        }
    }
    let mut seen: BTreeSet<String> = BTreeSet::new();
    while let Some((id, parent, children)) = stack.pop() {
        if id != root_id {
            if !seen.insert(id.to_string()) {
                continue;
            }
            order.push((id.to_string(), parent));
        }
        if let Value::Object(map) = children {
            for (k, v) in map.iter().rev() {
                stack.push((k.as_str(), Some(id.to_string()), v));
            }
        }
    }
    for id in replies.keys() {
        if !seen.contains(id) && *id != root_id {
            let own = replies[id].own_parent.clone();
            b.diagnostic(Diagnostic::new(
                DiagnosticKind::Guess,
                format!("reply {id:?} is not in structure.json; attached to {}", parent_name(&own)),
            ));
            order.push((id.clone(), Some(own.unwrap_or_else(|| root_id.clone()))));
        }
    }

    let referenced: BTreeSet<&str> = order.iter().filter_map(|(_, p)| p.as_deref()).collect();
    let mut missing_leaves = Vec::new();
    for (record, (id, parent)) in order.iter().enumerate() {
        let parent_id = parent.clone().filter(|p| *p != root_id);
        match replies.remove(id) {
            Some(r) => {
                b.push(RawComment { comment: r.comment, parent_id, record: Some(record as u64 + 1) });
            }
            // A missing id with replies becomes the builder's placeholder.
            None if referenced.contains(id.as_str()) => {}
            None => missing_leaves.push(id.clone()),
        }
    }
    if !missing_leaves.is_empty() {
        b.diagnostic(
            Diagnostic::new(
                DiagnosticKind::SkippedRecord,
                format!("ids in structure.json with no reply file and no replies: {}", missing_leaves.join(", ")),
            )
            .covering(missing_leaves.len() as u64),
        );
    }
    Ok(b.build())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(p: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/rumoureval").join(p)
    }

    /// The tree as `id(parent)` in document order.
    fn shape(t: &Thread) -> Vec<String> {
        t.comments
            .iter()
            .map(|c| match c.parent {
                Some(p) => format!("{}({})", c.id, t.comments[p].id),
                None => c.id.clone(),
            })
            .collect()
    }

    #[test]
    fn reddit_thread() {
        let t = read_thread_dir(&fixture("reddit/46yxoy")).unwrap();
        assert_eq!(t.source.format, SourceFormat::Rumoureval);
        assert_eq!(t.post.id.as_deref(), Some("46yxoy"));
        assert_eq!(
            t.post.title.as_deref(),
            Some("California To Allow Illegal Immigrants To Vote For The Next President")
        );
        assert_eq!(shape(&t), ["d08w400", "d096cv8(d08w400)", "d08y9vc", "d0ac82t"]);
        assert_eq!(t.comments[0].author.as_deref(), Some("RA2lover"));
        assert!(t.comments[3].text.starts_with("Poppycock. Rubbish."));
        assert_eq!(t.comments[0].metadata()["platform"], "reddit");
        assert!(t.diagnostics.is_empty(), "{:?}", t.diagnostics);
    }

    #[test]
    fn twitter_thread_with_extra_roots_and_missing_replies() {
        let t = read_thread_dir(&fixture("twitter/ferguson/500278045597368320")).unwrap();
        assert_eq!(t.post.author.as_deref(), Some("RT_com"));
        assert_eq!(t.comments.len(), 12);
        assert_eq!(t.comments[0].text, "@RT_com Is this the right link?");
        assert_eq!(t.comments[8].parent, Some(7), "{:?}", shape(&t));
        let kinds: Vec<DiagnosticKind> = t.diagnostics.iter().map(|d| d.kind).collect();
        assert_eq!(kinds, [DiagnosticKind::Guess, DiagnosticKind::Guess, DiagnosticKind::SkippedRecord]);
        assert!(t.diagnostics[2].message.contains("500281719597973506"));
    }

    #[test]
    fn a_folder_of_folders_reads_every_thread_sorted() {
        let threads = read_dir(&fixture("")).unwrap();
        let ids: Vec<String> = threads.iter().map(|t| t.display_id()).collect();
        assert_eq!(ids, ["46yxoy", "500278045597368320", "500281094239817728"]);
        let empty = std::env::temp_dir().join(format!("threadlens-re-empty-{}", std::process::id()));
        std::fs::create_dir_all(&empty).unwrap();
        let e = read_dir(&empty).unwrap_err().to_string();
        assert!(e.contains("structure.json"), "{e}");
        let _ = std::fs::remove_dir_all(&empty);
    }

    #[test]
    fn broken_structure_names_file_and_line() {
        let dir = std::env::temp_dir().join(format!("threadlens-re-bad-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("source-tweet")).unwrap();
        std::fs::write(dir.join("structure.json"), "{\"1\": {\n  \"2\": [],,\n}}").unwrap();
        let e = read_thread_dir(&dir).unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("structure.json") && e.position().line == Some(2), "{msg}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn html_entities_and_quotes() {
        assert_eq!(unescape_html("a &amp;gt; b &lt;3"), "a &gt; b <3");
        assert_eq!(crate::read::html::quoted_lines("> quoted\nmine\n>more"), [(0, 8), (14, 19)]);
    }
}
