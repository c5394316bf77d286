//! Reddit API thread JSON (`GET /comments/<id>`).
//!
//! The response is a two-element array: a Listing holding the submission
//! (`t3`), then a Listing of top-level comments (`t1`), each with its
//! replies nested in `data.replies` (a Listing, or `""`). Parents come from
//! the nesting. `more` stubs ("load more comments", `count` > 0) and
//! "continue this thread" stubs (`count` 0, `id` `"_"`) become placeholder
//! comments with [`CommentStatus::Placeholder`]. Deletion is three states:
//! author `[deleted]` with text kept ([`CommentStatus::AuthorDeleted`]),
//! body `[deleted]` ([`CommentStatus::Deleted`]) and body `[removed]`
//! ([`CommentStatus::Removed`]); their replies stay in the tree.
//!
//! The helpers for one comment's `data` object are shared with the
//! Pushshift reader, which holds the same objects one per line.

use serde_json::{Map, Value};

use crate::builder::{RawComment, ThreadBuilder};
use crate::error::{Error, Result};
use crate::model::{
    Comment, CommentExtra, CommentStatus, Diagnostic, DiagnosticKind, Post, Source, SourceFormat, Thread,
};
use crate::read::fields;
use crate::read::html::{decode_entities, quoted_lines};

/// Comment fields kept in [`Comment::metadata`] when set.
pub(crate) const COMMENT_META: &[&str] = &[
    "name",
    "subreddit",
    "distinguished",
    "edited",
    "stickied",
    "controversiality",
    "gilded",
    "is_submitter",
    "removal_reason",
    "collapsed",
    "collapsed_reason",
    "author_flair_text",
    "score_hidden",
    "permalink",
];

/// Submission fields kept in [`Post::metadata`] when set.
pub(crate) const POST_META: &[&str] = &[
    "name",
    "subreddit",
    "permalink",
    "url",
    "domain",
    "score",
    "num_comments",
    "upvote_ratio",
    "link_flair_text",
    "over_18",
    "locked",
    "stickied",
    "distinguished",
    "removed_by_category",
];

/// The moderation state a Reddit comment's `author` and `body` encode.
pub(crate) fn status_of(author: Option<&str>, body: &str) -> CommentStatus {
    match body.trim() {
        "[removed]" => CommentStatus::Removed,
        "[deleted]" => CommentStatus::Deleted,
        _ if author == Some("[deleted]") => CommentStatus::AuthorDeleted,
        _ => CommentStatus::Normal,
    }
}

/// Strip the `t1_` / `t3_` type prefix of a Reddit fullname.
pub(crate) fn strip_kind(id: &str) -> &str {
    for p in ["t1_", "t3_"] {
        if let Some(rest) = id.strip_prefix(p) {
            return rest;
        }
    }
    id
}

/// A comment object's id: `id`, else `name` without its `t1_`.
pub(crate) fn comment_id(obj: &(impl fields::Record + ?Sized)) -> Option<String> {
    fields::text(obj, "id").or_else(|| fields::text(obj, "name").map(|n| strip_kind(&n).to_string()))
}

/// Build a comment from a Reddit comment object (API `data` or a Pushshift
/// line). Returns the comment and the raw `parent_id` field; `None` when the
/// object has no usable id.
pub(crate) fn comment_from(obj: &(impl fields::Record + ?Sized)) -> Option<(Comment, Option<String>)> {
    let id = comment_id(obj)?;
    let raw_author = fields::text(obj, "author");
    let body = match fields::text_ref(obj, "body") {
        // Copied once: most bodies have no character reference to decode.
        Some(b) if memchr::memchr(b'&', b.as_bytes()).is_none() => b.into_owned(),
        Some(b) => decode_entities(&b),
        None => String::new(),
    };
    let status = status_of(raw_author.as_deref(), &body);
    let text = match status {
        CommentStatus::Deleted | CommentStatus::Removed => String::new(),
        _ => body,
    };
    let author = raw_author.filter(|a| a != "[deleted]" && a != "[removed]");
    let mut metadata = Default::default();
    fields::keep(obj, COMMENT_META, &mut metadata);
    let quoted = quoted_lines(&text);
    let comment = Comment { id, author, text, status, ..Comment::default() }.with_extra(CommentExtra {
        quoted,
        created_at: fields::time(obj, "created_utc"),
        score: fields::int(obj, "score"),
        metadata,
    });
    Some((comment, fields::text(obj, "parent_id")))
}

/// Build the post from a submission object (`t3` data or an `RS_` line).
/// Its id is the fullname (`t3_…`): submission and comment ids are separate
/// base-36 sequences that can coincide, and a bare post id equal to some
/// comment id would make that comment's replies look top-level.
pub(crate) fn post_from(obj: &(impl fields::Record + ?Sized)) -> Post {
    let mut post = Post {
        id: fields::text(obj, "id").map(|id| format!("t3_{}", strip_kind(&id))),
        title: fields::text(obj, "title").map(|t| decode_entities(&t)),
        author: fields::text(obj, "author"),
        date: fields::time(obj, "created_utc"),
        paragraphs: fields::paragraphs(&decode_entities(&fields::text(obj, "selftext").unwrap_or_default())),
        ..Post::default()
    };
    fields::keep(obj, POST_META, &mut post.metadata);
    post
}

/// A placeholder comment for a `more` stub.
pub(crate) fn placeholder_from(obj: &Map<String, Value>, record: u64) -> Comment {
    let stub_id = fields::text(obj, "id").unwrap_or_else(|| "_".into());
    let parent = fields::text(obj, "parent_id").unwrap_or_default();
    let hidden = fields::int(obj, "count").unwrap_or(0).max(0) as u64;
    // Stub ids are not comment ids: a `more` stub reuses its first hidden
    // child's id and every "continue this thread" stub is `_`.
    let (id, kind) = if stub_id == "_" || hidden == 0 {
        (format!("continue_{}_{record}", strip_kind(&parent)), "continue this thread")
    } else {
        (format!("more_{stub_id}"), "load more comments")
    };
    let mut metadata = std::collections::BTreeMap::new();
    metadata.insert("stub".to_string(), kind.to_string());
    if let Some(Value::Array(children)) = obj.get("children") {
        let ids: Vec<&str> = children.iter().filter_map(Value::as_str).collect();
        if !ids.is_empty() {
            metadata.insert("children".into(), ids.join(" "));
        }
    }
    Comment { id, status: CommentStatus::Placeholder { hidden }, ..Comment::default() }
        .with_extra(CommentExtra { metadata, ..CommentExtra::default() })
}

/// The `children` of a Listing (`{"kind":"Listing","data":{"children":[…]}}`).
fn listing_children(v: &Value) -> Option<&Vec<Value>> {
    v.get("data")?.get("children")?.as_array()
}

/// Read a Reddit API thread response.
pub fn read_reddit(text: &str, path: &str) -> Result<Vec<Thread>> {
    let value = fields::parse_json(text, path)?;
    let parts = match &value {
        Value::Array(a) if a.len() == 2 => a,
        _ => {
            return Err(Error::format(
                "a Reddit thread is a two-element JSON array (submission listing, comment listing)",
            )
            .with_path(path))
        }
    };
    let (Some(posts), Some(top)) = (listing_children(&parts[0]), listing_children(&parts[1])) else {
        return Err(Error::format("the two array elements must be Listings with `data.children`").with_path(path));
    };
    let post_data = posts.iter().find(|c| c.get("kind").and_then(Value::as_str) == Some("t3"));
    let post = post_data.and_then(|p| p.get("data")).and_then(Value::as_object).map(post_from).unwrap_or_default();
    let thread_id = post.id.as_deref().map(|id| strip_kind(id).to_string());
    let source = Source { path: path.to_string(), thread_id, format: SourceFormat::RedditJson };
    let mut b = ThreadBuilder::new(source);
    b.post(post);

    // Preorder walk over the nesting with an explicit stack; children are
    // pushed in reverse so they come off in display order.
    let mut stack: Vec<(&Value, Option<String>)> = top.iter().rev().map(|c| (c, None)).collect();
    let mut record = 0u64;
    while let Some((node, parent)) = stack.pop() {
        record += 1;
        let kind = node.get("kind").and_then(Value::as_str).unwrap_or("");
        let Some(data) = node.get("data").and_then(Value::as_object) else {
            b.diagnostic(
                Diagnostic::at(
                    record,
                    DiagnosticKind::MalformedRecord,
                    format!("record {record} (in display order) has no `data` object; skipped"),
                )
                .with_text(fields::truncate(&node.to_string(), 200)),
            );
            continue;
        };
        match kind {
            "t1" => {
                let Some((comment, _)) = comment_from(data) else {
                    b.diagnostic(
                        Diagnostic::at(
                            record,
                            DiagnosticKind::MalformedRecord,
                            "comment has no `id`; skipped with its replies",
                        )
                        .with_text(fields::truncate(&fields::text(data, "body").unwrap_or_default(), 200)),
                    );
                    continue;
                };
                let id = comment.id.clone();
                if let Some(children) = data.get("replies").and_then(listing_children) {
                    stack.extend(children.iter().rev().map(|c| (c, Some(id.clone()))));
                }
                b.push(RawComment { comment, parent_id: parent, record: Some(record) });
            }
            "more" => {
                let comment = placeholder_from(data, record);
                b.push(RawComment { comment, parent_id: parent, record: Some(record) });
            }
            other => {
                b.diagnostic(Diagnostic::at(
                    record,
                    DiagnosticKind::MalformedRecord,
                    format!("unexpected record kind {other:?} in the comment listing; skipped"),
                ));
            }
        }
    }
    Ok(vec![b.build()])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses() {
        let cases = [
            (Some("ann"), "hello", CommentStatus::Normal),
            (Some("[deleted]"), "still here", CommentStatus::AuthorDeleted),
            (Some("[deleted]"), "[deleted]", CommentStatus::Deleted),
            (Some("[deleted]"), "[removed]", CommentStatus::Removed),
            (Some("bob"), "[removed]", CommentStatus::Removed),
        ];
        for (author, body, want) in cases {
            assert_eq!(status_of(author, body), want, "{author:?} {body:?}");
        }
    }

    #[test]
    fn not_a_thread_is_an_error() {
        let e = read_reddit("[1, 2, 3]", "r.json").unwrap_err();
        assert!(e.to_string().starts_with("r.json: a Reddit thread is a two-element JSON array"), "{e}");
        let e = read_reddit("[1, ", "r.json").unwrap_err();
        assert!(e.to_string().starts_with("r.json:1:"), "{e}");
    }
}
