//! YouTube comments as written by `yt-dlp --write-comments` (`*.info.json`).
//!
//! The video (`id`, `title`, `description`, `uploader`/`channel`,
//! `upload_date`, `webpage_url`) becomes the post; the `comments` array
//! (`id`, `text`, `author`, `author_id`, `timestamp`, `like_count`,
//! `is_pinned`, `author_is_uploader`, `parent` = `"root"` for top level)
//! the comments. yt-dlp writes comment text as plain text, so it is not
//! HTML-decoded. Thumbnails and the rest of the video metadata (formats,
//! subtitles, …) are dropped.

use serde_json::{Map, Value};

use crate::builder::{RawComment, ThreadBuilder};
use crate::error::{Error, Result};
use crate::model::{Comment, CommentExtra, Diagnostic, DiagnosticKind, Post, Source, SourceFormat, Thread};
use crate::read::fields;
use crate::read::html::quoted_lines;

/// Video fields kept in the post metadata.
const POST_META: &[&str] =
    &["webpage_url", "channel_id", "channel_url", "extractor", "view_count", "like_count", "comment_count", "duration"];

/// Comment fields kept in the comment metadata.
const COMMENT_META: &[&str] =
    &["author_id", "like_count", "is_pinned", "is_favorited", "author_is_uploader", "author_is_verified", "time_text"];

/// Read a yt-dlp `info.json` with comments.
pub fn read_youtube(text: &str, path: &str) -> Result<Vec<Thread>> {
    let value = fields::parse_json(text, path)?;
    let Value::Object(info) = value else {
        return Err(Error::format("a yt-dlp info.json is one JSON object").with_path(path));
    };
    let Some(Value::Array(comments)) = info.get("comments") else {
        return Err(Error::format("no `comments` array: was the video fetched with --write-comments?").with_path(path));
    };
    let post = post_from(&info);
    let source = Source { path: path.to_string(), thread_id: post.id.clone(), format: SourceFormat::Youtube };
    let mut b = ThreadBuilder::new(source);
    b.post(post);
    for (i, c) in comments.iter().enumerate() {
        let n = i as u64 + 1;
        let Some(obj) = c.as_object() else {
            b.diagnostic(Diagnostic::at(
                n,
                DiagnosticKind::MalformedRecord,
                format!("comment {n} is not an object; skipped"),
            ));
            continue;
        };
        let Some(id) = fields::text(obj, "id") else {
            b.diagnostic(
                Diagnostic::at(n, DiagnosticKind::MalformedRecord, format!("comment {n} has no `id`; skipped"))
                    .with_text(fields::truncate(&fields::text(obj, "text").unwrap_or_default(), 200)),
            );
            continue;
        };
        let text = fields::text(obj, "text").unwrap_or_default();
        let mut metadata = Default::default();
        fields::keep(obj, COMMENT_META, &mut metadata);
        let quoted = quoted_lines(&text);
        let comment =
            Comment { id, author: fields::text(obj, "author"), text, ..Comment::default() }.with_extra(CommentExtra {
                quoted,
                created_at: fields::time(obj, "timestamp"),
                score: fields::int(obj, "like_count"),
                metadata,
            });
        let parent_id = fields::text(obj, "parent").filter(|p| p != "root");
        b.push(RawComment { comment, parent_id, record: Some(n) });
    }
    Ok(vec![b.build()])
}

fn post_from(info: &Map<String, Value>) -> Post {
    let mut post = Post {
        id: fields::text(info, "id"),
        title: fields::text(info, "title"),
        author: fields::text(info, "channel").or_else(|| fields::text(info, "uploader")),
        date: fields::text(info, "upload_date").or_else(|| fields::time(info, "timestamp")),
        paragraphs: fields::paragraphs(&fields::text(info, "description").unwrap_or_default()),
        ..Post::default()
    };
    fields::keep(info, POST_META, &mut post.metadata);
    post
}
