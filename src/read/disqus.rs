//! Disqus export XML.
//!
//! `<thread dsq:id>` elements carry the page (`link`, `title`, `message`,
//! `createdAt`); `<post dsq:id>` elements carry comments (`message` as HTML
//! in CDATA, `createdAt`, `isDeleted`, `isSpam`, `author/name`,
//! `author/username`, `thread dsq:id`, `parent dsq:id`). Each Disqus thread
//! that has posts becomes one thread, in order of its first post.
//! `isSpam` maps to [`CommentStatus::Spam`], `isDeleted` to
//! [`CommentStatus::Deleted`] (the export keeps the text; so do we).
//!
//! Privacy: exports carry each commenter's e-mail (`author/email`) and IP
//! address (`ipAddress`). This reader never reads those elements, so they
//! cannot reach any model field, report or export.

use std::collections::{BTreeMap, HashMap};

use roxmltree::Node;

use crate::builder::RawComment;
use crate::error::{Error, Result};
use crate::model::{Comment, CommentExtra, CommentStatus, Diagnostic, DiagnosticKind, Post, SourceFormat, Thread};
use crate::read::group::Groups;
use crate::read::html::{to_text, Newlines};
use crate::read::{fields, xml};

/// Read a Disqus export.
pub fn read_disqus(text: &str, path: &str) -> Result<Vec<Thread>> {
    let doc = xml::parse(text, path)?;
    let root = doc.root_element();
    if root.tag_name().name() != "disqus" {
        let msg = format!("the root element is <{}>, not <disqus>", root.tag_name().name());
        return Err(Error::format(msg).with_path(path));
    }
    let mut g = Groups::new(path, SourceFormat::Disqus);
    let mut pages: HashMap<String, Post> = HashMap::new();
    for node in root.children().filter(|n| n.is_element()) {
        let line = xml::line(&doc, node);
        let kind = node.tag_name().name();
        if kind != "thread" && kind != "post" {
            continue;
        }
        let Some(id) = xml::attr(node, "id") else {
            let msg = format!("<{kind}> without dsq:id; skipped");
            g.orphans.push(Diagnostic::at(line, DiagnosticKind::MalformedRecord, msg));
            continue;
        };
        if kind == "thread" {
            pages.insert(id.to_string(), page(node, id));
            continue;
        }
        let Some(thread) = xml::child(node, "thread").and_then(|t| xml::attr(t, "id")) else {
            let msg = format!("post {id} names no <thread dsq:id>; skipped");
            g.orphans.push(Diagnostic::at(line, DiagnosticKind::MalformedRecord, msg));
            continue;
        };
        if !pages.contains_key(thread) && !g.contains(thread) {
            let msg = format!("post {id} belongs to thread {thread}, which the export does not describe");
            g.orphans.push(Diagnostic::at(line, DiagnosticKind::MissingParent, msg));
        }
        let parent_id = xml::child(node, "parent").and_then(|p| xml::attr(p, "id")).map(str::to_string);
        g.builder(thread).push(RawComment { comment: comment(node, id), parent_id, record: Some(line) });
    }
    for (id, b) in g.iter_mut() {
        if let Some(p) = pages.remove(id) {
            b.post(p);
        }
    }
    g.finish("Disqus post")
}

/// The page a `<thread>` describes.
fn page(node: Node<'_, '_>, id: &str) -> Post {
    let message = xml::child_text(node, "message").unwrap_or_default();
    let mut post = Post {
        id: Some(id.to_string()),
        title: xml::child_text(node, "title"),
        author: xml::child(node, "author").and_then(|a| xml::child_text(a, "name")),
        date: xml::child_text(node, "createdAt"),
        paragraphs: fields::paragraphs(&to_text(&message, Newlines::Collapse).text),
        ..Post::default()
    };
    for (key, elem) in [("link", "link"), ("identifier", "id"), ("forum", "forum")] {
        if let Some(v) = xml::child_text(node, elem) {
            post.metadata.insert(key.to_string(), v);
        }
    }
    post
}

/// A `<post>` as a comment. Only `author/name`, `author/username` and
/// `author/isAnonymous` are read from `<author>`.
fn comment(node: Node<'_, '_>, id: &str) -> Comment {
    let plain = to_text(&xml::child_text(node, "message").unwrap_or_default(), Newlines::Collapse);
    let is = |name: &str| xml::child_text(node, name).as_deref() == Some("true");
    let status = if is("isSpam") {
        CommentStatus::Spam
    } else if is("isDeleted") {
        CommentStatus::Deleted
    } else {
        CommentStatus::Normal
    };
    let author = xml::child(node, "author");
    let mut metadata = BTreeMap::new();
    if let Some(u) = author.and_then(|a| xml::child_text(a, "username")) {
        metadata.insert("username".to_string(), u);
    }
    if author.and_then(|a| xml::child_text(a, "isAnonymous")).as_deref() == Some("true") {
        metadata.insert("is_anonymous".to_string(), "true".to_string());
    }
    if let Some(v) = xml::child_text(node, "id") {
        metadata.insert("identifier".to_string(), v);
    }
    Comment {
        id: id.to_string(),
        author: author.and_then(|a| xml::child_text(a, "name")),
        text: plain.text,
        status,
        ..Comment::default()
    }
    .with_extra(CommentExtra {
        quoted: plain.quoted,
        created_at: xml::child_text(node, "createdAt"),
        metadata,
        ..CommentExtra::default()
    })
}
