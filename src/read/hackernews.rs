//! Hacker News items: the official API's item JSON and the Algolia tree.
//!
//! - Official items (`id`, `by`, `time`, `text` as HTML, `parent`, `kids`,
//!   `type`, `deleted`, `dead`, and `title`/`url`/`score` on stories), as a
//!   JSON array or one item per line. Stories (any item with a `title` or a
//!   non-comment `type`) become posts; each comment goes to the thread of
//!   the story it descends from, ordered as the story's `kids` rank them.
//!   Comments whose story is absent are grouped under their topmost absent
//!   ancestor, which stands in as an empty post carrying only its id.
//! - The Algolia item tree (`children` nested, `author`, `text`,
//!   `created_at`, `parent_id`, `story_id`, `points`).
//!
//! `deleted` items become [`CommentStatus::Deleted`] (no text), `dead`
//! ones (killed by flags or moderators) [`CommentStatus::Removed`] with the
//! text the API still gives. HTML in `text` is turned into plain text.

use std::collections::{HashMap, HashSet};

use serde_json::{Map, Value};

use crate::builder::{RawComment, ThreadBuilder};
use crate::error::{Error, Result};
use crate::model::{
    Comment, CommentExtra, CommentStatus, Diagnostic, DiagnosticKind, Post, Source, SourceFormat, Thread,
};
use crate::read::fields;
use crate::read::group::Groups;
use crate::read::html::{to_text, Newlines};

/// Read Hacker News JSON (official items, array or NDJSON, or an Algolia tree).
pub fn read_hn(text: &str, path: &str) -> Result<Vec<Thread>> {
    let mut diags = Vec::new();
    let items: Vec<(u64, Map<String, Value>)> = match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(root)) if root.contains_key("children") => return Ok(vec![read_algolia(&root, path)]),
        Ok(Value::Object(root)) => vec![(1, root)],
        Ok(Value::Array(items)) => items
            .into_iter()
            .enumerate()
            .filter_map(|(i, v)| match v {
                Value::Object(m) => Some((i as u64 + 1, m)),
                other => {
                    diags.push(
                        Diagnostic::at(
                            i as u64 + 1,
                            DiagnosticKind::MalformedRecord,
                            format!("array element {} is not an item object; skipped", i + 1),
                        )
                        .with_text(fields::truncate(&other.to_string(), 200)),
                    );
                    None
                }
            })
            .collect(),
        Ok(_) => {
            return Err(Error::format("Hacker News input must be items (array or one per line) or an Algolia tree")
                .with_path(path))
        }
        Err(_) => fields::ndjson_objects(text, &mut diags),
    };
    read_items(items, diags, path)
}

fn is_story(item: &Map<String, Value>) -> bool {
    match item.get("type").and_then(Value::as_str) {
        Some("comment") | Some("pollopt") => false,
        Some(_) => true,
        None => item.contains_key("title"),
    }
}

fn comment_from(item: &Map<String, Value>, id: String) -> Comment {
    let deleted = fields::flag(item, "deleted");
    let dead = fields::flag(item, "dead");
    let plain = if deleted {
        Default::default()
    } else {
        to_text(&fields::text(item, "text").unwrap_or_default(), Newlines::Collapse)
    };
    let status = if deleted {
        CommentStatus::Deleted
    } else if dead {
        CommentStatus::Removed
    } else {
        CommentStatus::Normal
    };
    let mut metadata = Default::default();
    fields::keep(item, &["type", "dead", "deleted"], &mut metadata);
    Comment { id, author: fields::text(item, "by"), text: plain.text, status, ..Comment::default() }.with_extra(
        CommentExtra {
            quoted: plain.quoted,
            created_at: fields::time(item, "time"),
            score: fields::int(item, "score"),
            metadata,
        },
    )
}

fn post_from(item: &Map<String, Value>, id: String) -> Post {
    let body = to_text(&fields::text(item, "text").unwrap_or_default(), Newlines::Collapse).text;
    let mut post = Post {
        id: Some(id),
        title: fields::text(item, "title"),
        author: fields::text(item, "by").or_else(|| fields::text(item, "author")),
        date: fields::time(item, "time").or_else(|| fields::text(item, "created_at")),
        paragraphs: fields::paragraphs(&body),
        ..Post::default()
    };
    fields::keep(item, &["type", "url", "score", "points", "descendants", "dead", "deleted"], &mut post.metadata);
    post
}

/// Official items: group by root story, order by `kids`.
fn read_items(items: Vec<(u64, Map<String, Value>)>, mut orphans: Vec<Diagnostic>, path: &str) -> Result<Vec<Thread>> {
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut ids: Vec<Option<String>> = Vec::with_capacity(items.len());
    for (i, (n, item)) in items.iter().enumerate() {
        match fields::text(item, "id") {
            Some(id) => {
                if index.contains_key(&id) {
                    orphans.push(Diagnostic::at(
                        *n,
                        DiagnosticKind::DuplicateId,
                        format!("item {id} appears again; later copy skipped"),
                    ));
                    ids.push(None);
                } else {
                    index.insert(id.clone(), i);
                    ids.push(Some(id));
                }
            }
            None => {
                orphans.push(Diagnostic::at(*n, DiagnosticKind::MalformedRecord, "item has no `id`; skipped"));
                ids.push(None);
            }
        }
    }
    // Poll options name their poll in `poll`, not `parent`.
    let parent_of = |i: usize| fields::text(&items[i].1, "parent").or_else(|| fields::text(&items[i].1, "poll"));

    // Root of each item: walk parents to a story, to the first absent
    // parent, or to an item already resolved; everything on the walk gets
    // the same root, so the whole pass is linear even for deep chains.
    // A parent loop ends the walk where it closes.
    let mut root_of: Vec<Option<String>> = vec![None; items.len()];
    let mut on_path = vec![false; items.len()];
    let mut walk: Vec<usize> = Vec::new();
    for i in 0..items.len() {
        if ids[i].is_none() || root_of[i].is_some() {
            continue;
        }
        walk.clear();
        let mut cur = i;
        let root = loop {
            if let Some(r) = &root_of[cur] {
                break r.clone();
            }
            let own = ids[cur].clone().unwrap_or_default();
            if on_path[cur] || is_story(&items[cur].1) {
                break own;
            }
            on_path[cur] = true;
            walk.push(cur);
            match parent_of(cur) {
                Some(p) => match index.get(&p) {
                    Some(&pi) => cur = pi,
                    None => break p,
                },
                None => break own,
            }
        };
        if root_of[cur].is_none() {
            root_of[cur] = Some(root.clone());
        }
        for &k in &walk {
            root_of[k] = Some(root.clone());
            on_path[k] = false;
        }
    }

    // Display order: preorder over `kids` from each root, then whatever the
    // kids lists did not reach, in input order.
    let mut order: Vec<usize> = Vec::with_capacity(items.len());
    let mut seen: HashSet<usize> = HashSet::new();
    for i in 0..items.len() {
        if ids[i].is_none() || !is_story(&items[i].1) || !seen.insert(i) {
            continue;
        }
        order.push(i);
        let mut stack: Vec<usize> = kids(&items[i].1, &index).into_iter().rev().collect();
        while let Some(k) = stack.pop() {
            if !seen.insert(k) {
                continue;
            }
            order.push(k);
            stack.extend(kids(&items[k].1, &index).into_iter().rev());
        }
    }
    order.extend((0..items.len()).filter(|i| ids[*i].is_some() && !seen.contains(i)));

    let mut g = Groups::new(path, SourceFormat::HackerNews);
    g.orphans = orphans;
    for i in order {
        let (n, item) = &items[i];
        let (Some(id), Some(root)) = (ids[i].clone(), root_of[i].clone()) else { continue };
        let b = g.builder(&root);
        if id == root && is_story(item) {
            b.post(post_from(item, id));
            continue;
        }
        let parent_id = parent_of(i);
        b.push(RawComment { comment: comment_from(item, id), parent_id, record: Some(*n) });
    }
    g.finish("Hacker News item")
}

fn kids(item: &Map<String, Value>, index: &HashMap<String, usize>) -> Vec<usize> {
    match item.get("kids") {
        Some(Value::Array(k)) => k
            .iter()
            .filter_map(|v| match v {
                Value::Number(n) => index.get(&n.to_string()).copied(),
                Value::String(s) => index.get(s).copied(),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// The Algolia tree: the root (a story, or a comment subtree under a story
/// the input lacks) and its nested `children`.
fn read_algolia(root: &Map<String, Value>, path: &str) -> Thread {
    let root_id = fields::text(root, "id").unwrap_or_default();
    let story_id = fields::text(root, "story_id");
    let root_is_story = root.get("type").and_then(Value::as_str) != Some("comment");
    let thread_id = if root_is_story { Some(root_id.clone()) } else { story_id.clone() };
    let source = Source { path: path.to_string(), thread_id: thread_id.clone(), format: SourceFormat::HackerNews };
    let mut b = ThreadBuilder::new(source);
    let mut stack: Vec<(&Map<String, Value>, Option<String>)> = Vec::new();
    if root_is_story {
        b.post(post_from(root, root_id.clone()));
        push_children(root, &root_id, &mut stack, &mut b);
    } else {
        b.post_mut().id = thread_id;
        stack.push((root, None));
    }
    let mut record = 0u64;
    while let Some((node, parent)) = stack.pop() {
        record += 1;
        let Some(id) = fields::text(node, "id") else {
            b.diagnostic(Diagnostic::at(
                record,
                DiagnosticKind::MalformedRecord,
                "tree node has no `id`; skipped with its replies",
            ));
            continue;
        };
        let mut c = comment_from(node, id.clone());
        c.author = fields::text(node, "author");
        let extra = c.extra_mut();
        extra.created_at = fields::text(node, "created_at").or_else(|| fields::time(node, "created_at_i"));
        extra.score = fields::int(node, "points");
        if c.author.is_none() && node.get("text").is_none_or(Value::is_null) {
            c.status = CommentStatus::Deleted;
        }
        push_children(node, &id, &mut stack, &mut b);
        b.push(RawComment { comment: c, parent_id: parent, record: Some(record) });
    }
    b.build()
}

fn push_children<'a>(
    node: &'a Map<String, Value>,
    id: &str,
    stack: &mut Vec<(&'a Map<String, Value>, Option<String>)>,
    b: &mut ThreadBuilder,
) {
    if let Some(Value::Array(children)) = node.get("children") {
        for child in children.iter().rev() {
            match child.as_object() {
                Some(m) => stack.push((m, Some(id.to_string()))),
                None => {
                    b.diagnostic(Diagnostic::new(
                        DiagnosticKind::MalformedRecord,
                        format!("a child of {id} is not an object; skipped"),
                    ));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn poll_options_belong_to_their_poll() {
        let items = r#"[
            {"id": 1, "type": "poll", "by": "op", "title": "Tabs?", "parts": [2, 3], "kids": [4]},
            {"id": 2, "type": "pollopt", "by": "op", "poll": 1, "text": "Yes", "score": 10},
            {"id": 3, "type": "pollopt", "by": "op", "poll": 1, "text": "No", "score": 3},
            {"id": 4, "type": "comment", "by": "ann", "parent": 1, "text": "Spaces."}
        ]"#;
        let ts = read_hn(items, "poll.json").unwrap();
        assert_eq!(ts.len(), 1);
        let ids: Vec<(&str, Option<usize>)> = ts[0].comments.iter().map(|c| (c.id.as_str(), c.parent)).collect();
        assert_eq!(ids, [("4", None), ("2", None), ("3", None)]);
        assert_eq!(ts[0].comments[1].score(), Some(10));
    }
}
