//! WordPress WXR export (`rss` with the `wp:` namespace).
//!
//! Each `<item>` (post or page) with comments becomes a thread: the item's
//! `title`, `dc:creator`, `wp:post_date_gmt`, `link` and `content:encoded`
//! make the post; its `<wp:comment>` children (`wp:comment_id`,
//! `wp:comment_parent` with `0` for top level, `wp:comment_author`,
//! `wp:comment_date_gmt`, `wp:comment_content`, `wp:comment_approved`,
//! `wp:comment_type`) the comments. Pingbacks and trackbacks are skipped
//! (each with a diagnostic) unless asked for. `wp:comment_approved` maps to
//! a status: `spam` → [`CommentStatus::Spam`], `trash` →
//! [`CommentStatus::Removed`]; pending (`0`) comments stay normal and say
//! `approved = 0` in their metadata.
//!
//! Privacy: WXR carries commenters' e-mail (`wp:comment_author_email`) and
//! IP (`wp:comment_author_IP`); this reader never reads those elements.

use crate::builder::{RawComment, ThreadBuilder};
use crate::error::{Error, Result};
use crate::model::{
    Comment, CommentExtra, CommentStatus, Diagnostic, DiagnosticKind, Post, Source, SourceFormat, Thread,
};
use crate::read::html::{to_text, Newlines};
use crate::read::{fields, xml};

/// Read a WXR export; `include_pingbacks` keeps pingbacks and trackbacks.
pub fn read_wordpress(text: &str, path: &str, include_pingbacks: bool) -> Result<Vec<Thread>> {
    let doc = xml::parse(text, path)?;
    let root = doc.root_element();
    if root.tag_name().name() != "rss" {
        return Err(
            Error::format(format!("the root element is <{}>, not <rss>", root.tag_name().name())).with_path(path)
        );
    }
    let Some(channel) = xml::child(root, "channel") else {
        return Err(Error::format("<rss> has no <channel>").with_path(path));
    };
    let site = xml::child_text(channel, "title");
    let mut threads = Vec::new();
    for item in channel.children().filter(|n| n.is_element() && n.tag_name().name() == "item") {
        let comments: Vec<_> = item.children().filter(|n| n.is_element() && n.tag_name().name() == "comment").collect();
        if comments.is_empty() {
            continue;
        }
        let id = xml::child_text(item, "post_id");
        // `content:encoded` (the body), not `excerpt:encoded`.
        let content: String = item
            .children()
            .find(|c| {
                c.is_element()
                    && c.tag_name().name() == "encoded"
                    && c.tag_name().namespace().is_some_and(|n| n.contains("/content/"))
            })
            .map(|c| c.descendants().filter_map(|d| d.is_text().then(|| d.text()).flatten()).collect())
            .unwrap_or_default();
        // Post and comment ids are separate sequences (both start at 1), so
        // the post id gets a prefix: a bare `1` would make replies to
        // comment 1 look top-level.
        let mut post = Post {
            id: id.as_ref().map(|i| format!("post-{i}")),
            title: xml::child_text(item, "title"),
            author: xml::child_text(item, "creator"),
            date: xml::child_text(item, "post_date_gmt").or_else(|| xml::child_text(item, "pubDate")),
            paragraphs: fields::paragraphs(&to_text(&content, Newlines::Keep).text),
            ..Post::default()
        };
        for (key, elem) in [("link", "link"), ("post_type", "post_type"), ("status", "status"), ("slug", "post_name")] {
            if let Some(v) = xml::child_text(item, elem) {
                post.metadata.insert(key.to_string(), v);
            }
        }
        if let Some(s) = &site {
            post.metadata.insert("site".to_string(), s.clone());
        }
        let source = Source { path: path.to_string(), thread_id: id, format: SourceFormat::Wordpress };
        let mut b = ThreadBuilder::new(source);
        b.post(post);
        for c in comments {
            let line = xml::line(&doc, c);
            let kind = xml::child_text(c, "comment_type").unwrap_or_else(|| "comment".into());
            if (kind == "pingback" || kind == "trackback") && !include_pingbacks {
                b.diagnostic(Diagnostic::at(
                    line,
                    DiagnosticKind::SkippedRecord,
                    format!("{kind}: not a comment; skipped (--include-pingbacks keeps them)"),
                ));
                continue;
            }
            let Some(id) = xml::child_text(c, "comment_id") else {
                b.diagnostic(Diagnostic::at(
                    line,
                    DiagnosticKind::MalformedRecord,
                    "<wp:comment> without wp:comment_id; skipped",
                ));
                continue;
            };
            let approved = xml::child_text(c, "comment_approved").unwrap_or_else(|| "1".into());
            let status = match approved.as_str() {
                "spam" => CommentStatus::Spam,
                "trash" | "post-trashed" => CommentStatus::Removed,
                _ => CommentStatus::Normal,
            };
            let plain = to_text(&xml::child_text(c, "comment_content").unwrap_or_default(), Newlines::Keep);
            let mut metadata = std::collections::BTreeMap::new();
            if approved != "1" {
                metadata.insert("approved".to_string(), approved);
            }
            if kind != "comment" {
                metadata.insert("comment_type".to_string(), kind);
            }
            if let Some(u) = xml::child_text(c, "comment_author_url") {
                metadata.insert("author_url".to_string(), u);
            }
            if let Some(u) = xml::child_text(c, "comment_user_id").filter(|u| u != "0") {
                metadata.insert("user_id".to_string(), u);
            }
            let comment = Comment {
                id,
                author: xml::child_text(c, "comment_author"),
                text: plain.text,
                status,
                ..Comment::default()
            }
            .with_extra(CommentExtra {
                quoted: plain.quoted,
                created_at: xml::child_text(c, "comment_date_gmt").or_else(|| xml::child_text(c, "comment_date")),
                metadata,
                ..CommentExtra::default()
            });
            let parent_id = xml::child_text(c, "comment_parent").filter(|p| p != "0");
            b.push(RawComment { comment, parent_id, record: Some(line) });
        }
        threads.push(b.build());
    }
    if threads.is_empty() {
        return Err(Error::format("the WXR export holds no <item> with <wp:comment>").with_path(path));
    }
    Ok(threads)
}
