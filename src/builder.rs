//! Turning records with parent *ids* into a [`Thread`] with a checked tree.
//!
//! Every record-based reader (edge lists, platform exports) pushes
//! [`RawComment`]s and lets [`ThreadBuilder::build`] resolve parents, so
//! missing parents, duplicate ids and cycles are handled once, the same way
//! for every format.

use foldhash::{HashMap, HashMapExt};

use crate::graph::ReplyGraph;
use crate::model::{Comment, CommentStatus, Diagnostic, DiagnosticKind, LineRoles, Post, Source, Thread};

/// A comment as a reader found it, with its parent named by id.
#[derive(Clone, Debug, Default)]
pub struct RawComment {
    /// The comment fields; `parent` and `depth` are ignored and computed.
    pub comment: Comment,
    /// Parent id; `None` (or the post's id) for a reply to the post.
    pub parent_id: Option<String>,
    /// Line or record number, for diagnostics.
    pub record: Option<u64>,
}

/// Collects one thread's post and comments, then builds the tree.
#[derive(Debug)]
pub struct ThreadBuilder {
    source: Source,
    post: Post,
    raws: Vec<RawComment>,
    diagnostics: Vec<Diagnostic>,
    line_roles: LineRoles,
}

impl ThreadBuilder {
    /// Start a thread read from `source`.
    pub fn new(source: Source) -> ThreadBuilder {
        ThreadBuilder {
            source,
            post: Post::default(),
            raws: Vec::new(),
            diagnostics: Vec::new(),
            line_roles: LineRoles::default(),
        }
    }

    /// Set the post.
    pub fn post(&mut self, post: Post) -> &mut Self {
        self.post = post;
        self
    }

    /// Mutable access to the post, for readers that fill it piecemeal.
    pub fn post_mut(&mut self) -> &mut Post {
        &mut self.post
    }

    /// Add a comment.
    pub fn push(&mut self, raw: RawComment) -> &mut Self {
        self.raws.push(raw);
        self
    }

    /// Number of comments pushed so far.
    pub fn len(&self) -> usize {
        self.raws.len()
    }

    /// True when no comment was pushed.
    pub fn is_empty(&self) -> bool {
        self.raws.is_empty()
    }

    /// Make room for `additional` more comments, so that a reader that
    /// knows how many follow moves each one once instead of growing the
    /// list by doubling (a comment is a few hundred bytes).
    pub fn reserve(&mut self, additional: usize) -> &mut Self {
        self.raws.reserve(additional);
        self
    }

    /// Add a diagnostic.
    pub fn diagnostic(&mut self, d: Diagnostic) -> &mut Self {
        self.diagnostics.push(d);
        self
    }

    /// Record line roles (text inputs).
    pub fn line_roles(&mut self, roles: LineRoles) -> &mut Self {
        self.line_roles = roles;
        self
    }

    /// Build from comments whose parents are already indices, each parent
    /// before its child (text inputs, where document order guarantees it).
    /// Skips id resolution; comments pushed with [`Self::push`] are ignored.
    pub fn build_ordered(self, mut comments: Vec<Comment>, parents: Vec<Option<usize>>) -> Thread {
        let ThreadBuilder { source, post, mut diagnostics, line_roles, .. } = self;
        debug_assert!(parents.iter().enumerate().all(|(i, p)| p.is_none_or(|p| p < i)));
        let graph = ReplyGraph::from_parents(&parents);
        for (i, c) in comments.iter_mut().enumerate() {
            c.parent = parents[i];
            c.depth = graph.depth(i);
        }
        diagnostics.sort_by_key(|d| d.line.unwrap_or(u64::MAX));
        Thread { source, post, comments, diagnostics, line_roles, graph }
    }

    /// Resolve parent ids and build the thread.
    ///
    /// - A parent id equal to the post id, or absent, means a top-level comment.
    /// - A parent id not in the data gets one placeholder node (status
    ///   [`CommentStatus::Missing`]) placed just before its first reply, and a
    ///   diagnostic.
    /// - A later record reusing an id keeps its place under the id `ID#2`
    ///   (`#3`, …) with a diagnostic; replies attach to the first.
    /// - Parent links that loop are broken by making the loop's first
    ///   comment in input order top-level, with a diagnostic.
    pub fn build(self) -> Thread {
        let ThreadBuilder { source, post, raws, mut diagnostics, line_roles } = self;

        // Where every comment goes, worked out on borrowed ids (no id is
        // copied unless it must be renamed); the comments move after.
        let Placement { renamed, placeholders, mut parents } = place(&raws, post.id.as_deref(), &mut diagnostics);
        let mut renamed = renamed.into_iter().peekable();
        let mut rename = |i: usize, mut c: Comment| {
            if let Some((_, id)) = renamed.next_if(|(at, _)| *at == i) {
                c.id = id;
            }
            c
        };
        let mut comments: Vec<Comment> = if placeholders.is_empty() {
            // Collected in the records' own allocation (a comment is
            // smaller than its record): no second list of comments.
            raws.into_iter().enumerate().map(|(i, raw)| rename(i, raw.comment)).collect()
        } else {
            let mut comments = Vec::with_capacity(raws.len() + placeholders.len());
            let mut placeholders = placeholders.into_iter().peekable();
            for (i, raw) in raws.into_iter().enumerate() {
                if let Some((_, id)) = placeholders.next_if(|(before, _)| *before == i) {
                    comments.push(Comment { id, status: CommentStatus::Missing, ..Comment::default() });
                }
                comments.push(rename(i, raw.comment));
            }
            comments
        };
        break_cycles(&mut parents, &comments, &mut diagnostics);
        // Reading order; diagnostics without a line (cycles) come last.
        diagnostics.sort_by_key(|d| d.line.unwrap_or(u64::MAX));
        let graph = ReplyGraph::from_parents(&parents);
        for (i, c) in comments.iter_mut().enumerate() {
            c.parent = parents[i];
            c.depth = graph.depth(i);
        }
        Thread { source, post, comments, diagnostics, line_roles, graph }
    }
}

enum ParentRef {
    Raw(usize),
    Final(usize),
}

/// Where [`ThreadBuilder::build`] puts the records.
struct Placement {
    /// Records renamed: (record index, new id), in record order.
    renamed: Vec<(usize, String)>,
    /// Placeholders for absent parents: (index of the record they go
    /// before, their id), in record order.
    placeholders: Vec<(usize, String)>,
    /// Every final comment's parent (placeholders included).
    parents: Vec<Option<usize>>,
}

/// The [`Placement`] of `raws`. The first occurrence of an id wins and
/// later ones are renamed `id#2`, `id#3`, …; a placeholder stands in for
/// each absent parent, before its first reply. Diagnostics are pushed in
/// the order the records are met: duplicates first, then missing parents.
fn place(raws: &[RawComment], post_id: Option<&str>, diagnostics: &mut Vec<Diagnostic>) -> Placement {
    // Original ids borrowed from the records; renamed ones kept apart, so
    // together they are the one id space the records had before.
    let mut first_index: HashMap<&str, usize> = HashMap::with_capacity(raws.len());
    let mut renamed_index: HashMap<String, usize> = HashMap::new();
    let mut dup_count: HashMap<&str, usize> = HashMap::new();
    let mut renamed: Vec<(usize, String)> = Vec::new();
    let taken = |k: &str, first: &HashMap<&str, usize>, again: &HashMap<String, usize>| {
        first.contains_key(k) || again.contains_key(k)
    };
    for (i, raw) in raws.iter().enumerate() {
        let id = raw.comment.id.as_str();
        if !taken(id, &first_index, &renamed_index) {
            first_index.insert(id, i);
            continue;
        }
        let n = dup_count.entry(id).or_insert(1);
        *n += 1;
        let mut new_id = format!("{id}#{n}");
        while taken(&new_id, &first_index, &renamed_index) {
            *n += 1;
            new_id = format!("{id}#{n}");
        }
        diagnostics.push(Diagnostic {
            line: raw.record,
            kind: DiagnosticKind::DuplicateId,
            message: format!("id {id:?} appears again; this record is kept as {new_id:?} and replies go to the first"),
            text: None,
            records: 1,
        });
        renamed_index.insert(new_id.clone(), i);
        renamed.push((i, new_id));
    }

    // Final order: input order, with a placeholder before the first reply
    // to each absent parent.
    let mut placeholders: Vec<(usize, String)> = Vec::new();
    let mut placeholder_of: HashMap<&str, usize> = HashMap::new();
    let mut final_index_of_raw: Vec<usize> = Vec::with_capacity(raws.len());
    let mut parent_key: Vec<Option<ParentRef>> = Vec::with_capacity(raws.len());
    for (i, raw) in raws.iter().enumerate() {
        let pref = match raw.parent_id.as_deref() {
            None | Some("") => None,
            Some(p) if Some(p) == post_id => None,
            Some(p) => match first_index.get(p).or_else(|| renamed_index.get(p)) {
                Some(&ri) => Some(ParentRef::Raw(ri)),
                None => {
                    let ph = *placeholder_of.entry(p).or_insert_with(|| {
                        diagnostics.push(Diagnostic {
                            line: raw.record,
                            kind: DiagnosticKind::MissingParent,
                            message: format!(
                                "parent {p:?} of {:?} is not in the input; a placeholder stands in",
                                raw.comment.id
                            ),
                            text: None,
                            records: 1,
                        });
                        placeholders.push((i, p.to_string()));
                        parent_key.push(None);
                        i + placeholders.len() - 1
                    });
                    Some(ParentRef::Final(ph))
                }
            },
        };
        final_index_of_raw.push(i + placeholders.len());
        parent_key.push(pref);
    }
    let parents = parent_key
        .into_iter()
        .map(|p| match p {
            None => None,
            Some(ParentRef::Raw(ri)) => Some(final_index_of_raw[ri]),
            Some(ParentRef::Final(f)) => Some(f),
        })
        .collect();
    Placement { renamed, placeholders, parents }
}

/// Make every comment reach the post: walk each parent chain once
/// (iteratively), and where a chain loops back on itself, cut the link of
/// the loop's earliest comment.
fn break_cycles(parents: &mut [Option<usize>], comments: &[Comment], diagnostics: &mut Vec<Diagnostic>) {
    const UNSEEN: u8 = 0;
    const ON_PATH: u8 = 1;
    const DONE: u8 = 2;
    let mut state = vec![UNSEEN; parents.len()];
    let mut path = Vec::new();
    for start in 0..parents.len() {
        if state[start] != UNSEEN {
            continue;
        }
        path.clear();
        let mut cur = Some(start);
        while let Some(c) = cur {
            match state[c] {
                DONE => break,
                ON_PATH => {
                    // The loop is the part of `path` from `c` on.
                    let pos = path.iter().position(|&x| x == c).unwrap_or(0);
                    let cut = *path[pos..].iter().min().unwrap_or(&c);
                    diagnostics.push(Diagnostic::new(
                        DiagnosticKind::Cycle,
                        format!(
                            "reply links loop through {} comments; {:?} is made a reply to the post",
                            path.len() - pos,
                            comments[cut].id
                        ),
                    ));
                    parents[cut] = None;
                    break;
                }
                _ => {
                    state[c] = ON_PATH;
                    path.push(c);
                    cur = parents[c];
                }
            }
        }
        for &c in &path {
            state[c] = DONE;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::SourceFormat;

    fn raw(id: &str, parent: Option<&str>) -> RawComment {
        RawComment {
            comment: Comment { id: id.into(), ..Comment::default() },
            parent_id: parent.map(str::to_string),
            record: None,
        }
    }

    fn builder() -> ThreadBuilder {
        ThreadBuilder::new(Source { path: "t".into(), thread_id: None, format: SourceFormat::Csv })
    }

    #[test]
    fn resolves_parents_in_any_order() {
        let mut b = builder();
        b.push(raw("b", Some("a"))).push(raw("a", None));
        let t = b.build();
        assert_eq!(t.comments[0].parent, Some(1));
        assert_eq!(t.comments[0].depth, 1);
        assert!(t.diagnostics.is_empty());
    }

    #[test]
    fn missing_parent_gets_placeholder_before_first_reply() {
        let mut b = builder();
        b.push(raw("a", None)).push(raw("b", Some("zz"))).push(raw("c", Some("zz")));
        let t = b.build();
        let ids: Vec<&str> = t.comments.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["a", "zz", "b", "c"]);
        assert_eq!(t.comments[1].status, CommentStatus::Missing);
        assert_eq!(t.comments[2].parent, Some(1));
        assert_eq!(t.comments[3].parent, Some(1));
        assert_eq!(t.diagnostics.len(), 1);
        assert_eq!(t.diagnostics[0].kind, DiagnosticKind::MissingParent);
    }

    #[test]
    fn duplicate_ids_are_kept_and_reported() {
        let mut b = builder();
        b.push(raw("a", None)).push(raw("a", None)).push(raw("b", Some("a")));
        let t = b.build();
        assert_eq!(t.comments[1].id, "a#2");
        assert_eq!(t.comments[2].parent, Some(0));
        assert_eq!(t.diagnostics[0].kind, DiagnosticKind::DuplicateId);
    }

    #[test]
    fn renamed_ids_and_placeholders_keep_one_id_space() {
        // "a" twice makes "a#2"; the real "a#2" after it is then a duplicate
        // too ("a#2#2"); the third "a" skips the taken "a#3"; a reply to
        // "a#2" goes to the renamed record; two absent parents get a
        // placeholder each, before their first replies.
        let mut b = builder();
        b.push(raw("a", None))
            .push(raw("a", Some("x")))
            .push(raw("a#3", None))
            .push(raw("a#2", None))
            .push(raw("a", Some("y")))
            .push(raw("r", Some("a#2")))
            .push(raw("s", Some("x")));
        let t = b.build();
        let ids: Vec<&str> = t.comments.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["a", "x", "a#2", "a#3", "a#2#2", "y", "a#4", "r", "s"]);
        let parents: Vec<Option<usize>> = t.comments.iter().map(|c| c.parent).collect();
        assert_eq!(parents, [None, None, Some(1), None, None, None, Some(5), Some(2), Some(1)]);
        let kinds: Vec<DiagnosticKind> = t.diagnostics.iter().map(|d| d.kind).collect();
        use DiagnosticKind::{DuplicateId as D, MissingParent as M};
        assert_eq!(kinds, [D, D, D, M, M]);
    }

    #[test]
    fn cycles_are_broken() {
        let mut b = builder();
        b.push(raw("a", Some("c"))).push(raw("b", Some("a"))).push(raw("c", Some("b"))).push(raw("d", Some("d")));
        let t = b.build();
        assert_eq!(t.comments[0].parent, None);
        assert_eq!(t.comments[2].depth, 2);
        assert_eq!(t.comments[3].parent, None);
        assert_eq!(t.diagnostics.iter().filter(|d| d.kind == DiagnosticKind::Cycle).count(), 2);
    }

    #[test]
    fn post_id_as_parent_means_top_level() {
        let mut b = builder();
        b.post_mut().id = Some("t3_x".into());
        b.push(raw("a", Some("t3_x")));
        let t = b.build();
        assert_eq!(t.comments[0].parent, None);
        assert!(t.diagnostics.is_empty());
    }
}
