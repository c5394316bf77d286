//! Reply chains and the people in them: the thread's shape, its longest
//! chains, back-and-forth exchanges between two authors, escalation within
//! them, self-replies, and the author interaction graph.
//!
//! Everything here is computed from the reply tree and, for escalation and
//! the per-author hostility and pushback counts, from a [`ThreadAnalysis`].
//! Every walk is a loop over [`crate::graph::ReplyGraph::preorder`] or parent links, so
//! a 100,000-level chain costs no stack.
//!
//! # Complexity
//!
//! O(n log n) in the number of comments (the author maps are `BTreeMap`s),
//! plus O(k · depth) for the `k` longest chains.

use std::collections::HashMap;

use serde::Serialize;

use crate::analysis::ThreadAnalysis;
use crate::graph::Node;
use crate::model::Thread;

/// How many longest chains and largest subthreads to keep.
pub const TOP_K: usize = 5;

/// Shortest run of alternating replies that counts as an exchange.
pub const MIN_EXCHANGE: usize = 3;

/// Everything this module computes for one thread.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ChainAnalysis {
    /// Size and shape figures.
    pub shape: Shape,
    /// The [`TOP_K`] longest root-to-leaf chains (comment indices, top-level
    /// comment first), longest first; ties keep display order.
    pub longest_chains: Vec<Vec<usize>>,
    /// Back-and-forth runs between two authors, in display order of their
    /// first comment.
    pub exchanges: Vec<Exchange>,
    /// Comments replying to a comment by the same author, in display order.
    pub self_replies: Vec<usize>,
    /// Who replies to whom.
    pub authors: AuthorGraph,
}

/// Size and shape of a thread.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Shape {
    /// Comments, stand-ins (placeholders, missing parents) included.
    pub comments: usize,
    /// Stand-ins among them (they carry nobody's text).
    pub stand_ins: usize,
    /// Distinct named authors.
    pub participants: usize,
    /// Comments replying to the post.
    pub top_level: usize,
    /// Largest depth (0 = top-level); 0 for an empty thread.
    pub max_depth: u32,
    /// Mean depth over all comments; 0 for an empty thread.
    pub mean_depth: f64,
    /// `depth_histogram[d]` = comments at depth `d`.
    pub depth_histogram: Vec<usize>,
    /// Mean number of direct replies among comments that got any.
    pub mean_branching: f64,
    /// Most direct replies any single comment got.
    pub max_branching: usize,
    /// Share of comments (0..=1) with at least one reply.
    pub replied_share: f64,
    /// The [`TOP_K`] largest subthreads (top-level comments with replies),
    /// largest first; ties keep display order.
    pub largest_subthreads: Vec<Subthread>,
}

/// A top-level comment and everything below it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Subthread {
    /// The top-level comment.
    pub root: usize,
    /// Comments in the subthread, root included.
    pub size: usize,
    /// Levels below the root (0 = no replies).
    pub depth: u32,
    /// Distinct named authors in it.
    pub participants: usize,
}

/// A maximal run along one reply path alternating between two authors
/// (A, B, A, …), at least [`MIN_EXCHANGE`] comments long.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Exchange {
    /// The two authors, the one who spoke first first.
    pub authors: [String; 2],
    /// The comments of the run, from the first to the last reply.
    pub comments: Vec<usize>,
    /// Hostility score of each comment (0 when not analysed).
    pub scores: Vec<f32>,
    /// Whether each comment is hostile.
    pub hostile: Vec<bool>,
    /// Set when the exchange escalates.
    pub escalation: Option<Escalation>,
}

/// Where an exchange turns hostile: the first hostile comment that comes
/// after a civil (not hostile) one. An exchange hostile from its first to
/// its last comment, or never hostile, does not escalate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Escalation {
    /// 0-based position in [`Exchange::comments`] of the first hostile
    /// comment after a civil one.
    pub step: usize,
    /// That comment's index.
    pub comment: usize,
}

/// The author interaction graph.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct AuthorGraph {
    /// Per-author figures, sorted by name.
    pub authors: Vec<AuthorStats>,
    /// One edge per (replier, replied-to) pair with replies between
    /// different authors, sorted by `from` then `to`. Edges run from the
    /// author who replies to the author replied to.
    pub edges: Vec<AuthorEdge>,
    /// Share (0..=1) of edges whose reverse edge also exists; 0 when there
    /// are no edges.
    pub reciprocity: f64,
}

/// One author's figures in one thread.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct AuthorStats {
    /// Author name as written.
    pub name: String,
    /// Comments written.
    pub comments: usize,
    /// Of those, replies to the post.
    pub top_level: usize,
    /// Replies written to other authors' comments.
    pub replies_given: usize,
    /// Replies other authors wrote to this author's comments.
    pub replies_received: usize,
    /// Replies to their own comments.
    pub self_replies: usize,
    /// Comments the hostility detector marked hostile.
    pub hostile_comments: usize,
    /// Hostile replies other authors wrote to this author.
    pub hostile_received: usize,
    /// Pushback comments written.
    pub pushback_given: usize,
    /// Pushback comments other authors wrote in reply to this author.
    pub pushback_received: usize,
}

/// Replies from one author to another.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AuthorEdge {
    /// The author who replies.
    pub from: String,
    /// The author replied to.
    pub to: String,
    /// Number of replies.
    pub replies: usize,
    /// Of those, hostile ones.
    pub hostile: usize,
    /// Of those, pushback.
    pub pushback: usize,
}

/// The named author of a comment, `None` for unknown authors and stand-ins.
fn author(thread: &Thread, c: usize) -> Option<&str> {
    let com = &thread.comments[c];
    if com.status.is_stand_in() {
        return None;
    }
    com.author.as_deref()
}

fn is_hostile(a: &ThreadAnalysis, c: usize) -> bool {
    a.hostility.get(c).is_some_and(|h| h.hostile)
}

fn hostility_score(a: &ThreadAnalysis, c: usize) -> f32 {
    a.hostility.get(c).map_or(0.0, |h| h.score)
}

fn is_pushback(a: &ThreadAnalysis, c: usize) -> bool {
    a.pushback.comments.get(c).is_some_and(|p| p.pushback)
}

/// Analyse the chains of one thread.
///
/// # Arguments
///
/// `analysis` supplies hostility and pushback; pass
/// `ThreadAnalysis::default()` to get the structure alone (its vectors may
/// be shorter than the thread: missing entries count as not hostile).
///
/// # Example
///
/// ```
/// use threadlens::analysis::{chains, ThreadAnalysis};
/// use threadlens::read::{read_bytes, Format};
///
/// let csv = "id,parent_id,author,text\n1,,ann,a\n2,1,bob,b\n3,2,ann,c\n4,3,bob,d\n";
/// let t = &read_bytes(csv.as_bytes(), "x.csv", Format::Csv)?[0];
/// let c = chains::analyze(t, &ThreadAnalysis::default());
/// assert_eq!(c.exchanges[0].comments, vec![0, 1, 2, 3]);
/// assert_eq!(c.shape.max_depth, 3);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn analyze(thread: &Thread, analysis: &ThreadAnalysis) -> ChainAnalysis {
    let g = &thread.graph;
    let n = thread.comments.len().min(g.comment_count());
    let preorder: Vec<usize> = g.preorder().into_iter().filter(|&c| c < n).collect();

    // Subtree sizes and heights: children come after parents in preorder,
    // so one reverse pass accumulates them.
    let mut size = vec![1usize; n];
    let mut height = vec![0u32; n];
    for &c in preorder.iter().rev() {
        if let Node::Comment(p) = g.parent(c) {
            if p < n {
                size[p] += size[c];
                height[p] = height[p].max(height[c] + 1);
            }
        }
    }

    let authors = author_graph(thread, analysis, n);
    let shape = shape(thread, &size, &height, authors.authors.len());
    let longest_chains = g.longest_chains(TOP_K);
    let exchanges = exchanges(thread, analysis, &preorder);
    let self_replies = preorder
        .iter()
        .copied()
        .filter(|&c| match (g.parent(c), author(thread, c)) {
            (Node::Comment(p), Some(a)) => author(thread, p) == Some(a),
            _ => false,
        })
        .collect();
    ChainAnalysis { shape, longest_chains, exchanges, self_replies, authors }
}

fn shape(thread: &Thread, size: &[usize], height: &[u32], participants: usize) -> Shape {
    let g = &thread.graph;
    let n = size.len();
    let mut hist: Vec<usize> = Vec::new();
    let mut depth_sum = 0u64;
    let (mut parents, mut reply_sum, mut max_branching) = (0usize, 0usize, 0usize);
    for c in 0..n {
        let d = g.depth(c) as usize;
        if hist.len() <= d {
            hist.resize(d + 1, 0);
        }
        hist[d] += 1;
        depth_sum += d as u64;
        let k = g.children(Node::Comment(c)).len();
        if k > 0 {
            parents += 1;
            reply_sum += k;
            max_branching = max_branching.max(k);
        }
    }
    let ratio = |a: f64, b: usize| if b == 0 { 0.0 } else { a / b as f64 };
    let mut subs: Vec<Subthread> = g
        .top_level()
        .iter()
        .filter(|&&r| r < n && size[r] > 1)
        .map(|&r| Subthread { root: r, size: size[r], depth: height[r], participants: 0 })
        .collect();
    subs.sort_by_key(|s| std::cmp::Reverse(s.size));
    subs.truncate(TOP_K);
    for s in &mut subs {
        let mut names: Vec<&str> = g
            .subtree(Node::Comment(s.root))
            .into_iter()
            .filter_map(|x| x.comment())
            .filter_map(|c| author(thread, c))
            .collect();
        names.sort_unstable();
        names.dedup();
        s.participants = names.len();
    }
    Shape {
        comments: n,
        stand_ins: thread.comments.iter().filter(|c| c.status.is_stand_in()).count(),
        participants,
        top_level: g.top_level().len(),
        max_depth: g.max_depth().unwrap_or(0),
        mean_depth: ratio(depth_sum as f64, n),
        depth_histogram: hist,
        mean_branching: ratio(reply_sum as f64, parents),
        max_branching,
        replied_share: ratio(parents as f64, n),
        largest_subthreads: subs,
    }
}

/// Alternating runs: `run[c]` is the length of the alternating run ending
/// at `c` along its reply path (1 when `c` does not continue one).
fn exchanges(thread: &Thread, analysis: &ThreadAnalysis, preorder: &[usize]) -> Vec<Exchange> {
    let g = &thread.graph;
    let n = thread.comments.len();
    let mut run = vec![1usize; n];
    for &c in preorder {
        let (Some(a), Node::Comment(p)) = (author(thread, c), g.parent(c)) else { continue };
        let Some(b) = author(thread, p) else { continue };
        if a == b {
            continue;
        }
        run[c] = match g.parent(p) {
            Node::Comment(gp) if author(thread, gp) == Some(a) && run[p] >= 2 => run[p] + 1,
            _ => 2,
        };
    }
    let mut out = Vec::new();
    // Report runs in display order of their first comment; a run is
    // maximal when no reply continues it.
    let mut ends: Vec<(usize, usize)> = Vec::new(); // (first comment's preorder rank, last comment)
    let mut rank = vec![0usize; n];
    for (i, &c) in preorder.iter().enumerate() {
        rank[c] = i;
    }
    for &c in preorder {
        if run[c] < MIN_EXCHANGE {
            continue;
        }
        let continued = g.children(Node::Comment(c)).iter().any(|&k| run[k] == run[c] + 1);
        if continued {
            continue;
        }
        let mut first = c;
        for _ in 1..run[c] {
            if let Node::Comment(p) = g.parent(first) {
                first = p;
            }
        }
        ends.push((rank[first], c));
    }
    ends.sort();
    for (_, last) in ends {
        let mut comments = Vec::with_capacity(run[last]);
        let mut cur = last;
        comments.push(cur);
        for _ in 1..run[last] {
            if let Node::Comment(p) = g.parent(cur) {
                cur = p;
                comments.push(cur);
            }
        }
        comments.reverse();
        let name = |c: usize| author(thread, c).unwrap_or_default().to_string();
        let hostile: Vec<bool> = comments.iter().map(|&c| is_hostile(analysis, c)).collect();
        let escalation = hostile.iter().position(|&h| !h).and_then(|civil| {
            let step = civil + 1 + hostile[civil + 1..].iter().position(|&h| h)?;
            Some(Escalation { step, comment: comments[step] })
        });
        out.push(Exchange {
            authors: [name(comments[0]), name(comments[1])],
            scores: comments.iter().map(|&c| hostility_score(analysis, c)).collect(),
            hostile,
            escalation,
            comments,
        });
    }
    out
}

fn author_graph(thread: &Thread, analysis: &ThreadAnalysis, n: usize) -> AuthorGraph {
    let g = &thread.graph;
    // Intern names to small ids once per comment, count into vectors, and
    // sort integer pairs for the edges: BTreeMaps keyed by strings made
    // this the slowest step of a 100,000-comment report.
    let mut ids: HashMap<&str, usize> = HashMap::new();
    let mut stats: Vec<AuthorStats> = Vec::new();
    let aid: Vec<Option<usize>> = (0..n).map(|c| author(thread, c).map(|a| intern(&mut ids, &mut stats, a))).collect();
    // rank[id] = position of the author in name order
    let mut order: Vec<usize> = (0..stats.len()).collect();
    order.sort_by(|&x, &y| stats[x].name.cmp(&stats[y].name));
    let mut rank = vec![0usize; stats.len()];
    for (r, &id) in order.iter().enumerate() {
        rank[id] = r;
    }
    // (from rank, to rank, hostile, pushback) per reply between two authors
    let mut replies: Vec<(usize, usize, usize, usize)> = Vec::new();
    for c in 0..n {
        let Some(ai) = aid[c] else { continue };
        let hostile = usize::from(is_hostile(analysis, c));
        let pushback = usize::from(is_pushback(analysis, c));
        let s = &mut stats[ai];
        s.comments += 1;
        s.hostile_comments += hostile;
        s.pushback_given += pushback;
        let parent = match g.parent(c) {
            Node::Post => {
                s.top_level += 1;
                continue;
            }
            Node::Comment(p) => p,
        };
        let Some(bi) = aid.get(parent).copied().flatten() else { continue };
        if ai == bi {
            s.self_replies += 1;
            continue;
        }
        s.replies_given += 1;
        let t = &mut stats[bi];
        t.replies_received += 1;
        t.hostile_received += hostile;
        t.pushback_received += pushback;
        replies.push((rank[ai], rank[bi], hostile, pushback));
    }
    replies.sort_unstable();
    let mut authors: Vec<AuthorStats> = Vec::with_capacity(stats.len());
    let mut slots: Vec<Option<AuthorStats>> = stats.into_iter().map(Some).collect();
    for &id in &order {
        authors.extend(slots[id].take());
    }
    let mut pairs: Vec<(usize, usize)> = Vec::new();
    let mut edges: Vec<AuthorEdge> = Vec::new();
    for &(a, b, hostile, pushback) in &replies {
        if pairs.last() != Some(&(a, b)) {
            pairs.push((a, b));
            let (from, to) = (authors[a].name.clone(), authors[b].name.clone());
            edges.push(AuthorEdge { from, to, replies: 0, hostile: 0, pushback: 0 });
        }
        if let Some(e) = edges.last_mut() {
            e.replies += 1;
            e.hostile += hostile;
            e.pushback += pushback;
        }
    }
    let reciprocated = pairs.iter().filter(|&&(a, b)| pairs.binary_search(&(b, a)).is_ok()).count();
    let reciprocity = if pairs.is_empty() { 0.0 } else { reciprocated as f64 / pairs.len() as f64 };
    AuthorGraph { authors, edges, reciprocity }
}

/// The id of `name`, adding it on first sight.
fn intern<'t>(ids: &mut HashMap<&'t str, usize>, stats: &mut Vec<AuthorStats>, name: &'t str) -> usize {
    *ids.entry(name).or_insert_with(|| {
        stats.push(AuthorStats { name: name.to_string(), ..AuthorStats::default() });
        stats.len() - 1
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::hostility::CommentHostility;
    use crate::read::{read_bytes, Format};

    fn csv_thread(csv: &str) -> Thread {
        read_bytes(csv.as_bytes(), "t.csv", Format::Csv).unwrap().remove(0)
    }

    #[test]
    fn exchange_table() {
        // (edge list, expected exchanges as comment-index runs, self replies)
        type Case<'a> = (&'a str, &'a [&'a [usize]], &'a [usize]);
        let cases: &[Case] = &[
            ("id,parent_id,author,text\n1,,a,x\n2,1,b,x\n", &[], &[]),
            ("id,parent_id,author,text\n1,,a,x\n2,1,b,x\n3,2,a,x\n", &[&[0, 1, 2]], &[]),
            // Broken by a third author, then a new run starts.
            ("id,parent_id,author,text\n1,,a,x\n2,1,b,x\n3,2,c,x\n4,3,b,x\n5,4,c,x\n", &[&[1, 2, 3, 4]], &[]),
            // A self-reply breaks alternation.
            ("id,parent_id,author,text\n1,,a,x\n2,1,b,x\n3,2,b,x\n4,3,a,x\n", &[], &[2]),
            // Two branches both continue: two maximal runs sharing a prefix.
            ("id,parent_id,author,text\n1,,a,x\n2,1,b,x\n3,2,a,x\n4,2,a,x\n", &[&[0, 1, 2], &[0, 1, 3]], &[]),
            // Unknown author breaks the run.
            ("id,parent_id,author,text\n1,,a,x\n2,1,,x\n3,2,a,x\n", &[], &[]),
        ];
        for (i, (csv, want, selfs)) in cases.iter().enumerate() {
            let t = csv_thread(csv);
            let c = analyze(&t, &ThreadAnalysis::default());
            let got: Vec<&[usize]> = c.exchanges.iter().map(|e| e.comments.as_slice()).collect();
            assert_eq!(&got, want, "case {i}");
            assert_eq!(&c.self_replies, selfs, "case {i}");
        }
    }

    #[test]
    fn escalation_step_and_author_graph() {
        let t = csv_thread("id,parent_id,author,text\n1,,a,x\n2,1,b,x\n3,2,a,x\n4,3,b,x\n5,,c,x\n");
        let mut an = ThreadAnalysis { hostility: vec![CommentHostility::default(); 5], ..Default::default() };
        an.hostility[2].hostile = true;
        an.hostility[2].score = 0.8;
        let c = analyze(&t, &an);
        assert_eq!(c.exchanges.len(), 1);
        assert_eq!(c.exchanges[0].escalation, Some(Escalation { step: 2, comment: 2 }));
        assert_eq!(c.exchanges[0].scores, vec![0.0, 0.0, 0.8, 0.0]);
        // Hostile from the start, civil, hostile again: turns at step 2.
        for (hostile, want) in [([true, false, true, false], Some(2)), ([true, true, false, false], None)] {
            let mut an = an.clone();
            for (i, h) in hostile.into_iter().enumerate() {
                an.hostility[i].hostile = h;
            }
            assert_eq!(analyze(&t, &an).exchanges[0].escalation.map(|e| e.step), want);
        }
        let g = &c.authors;
        assert_eq!(g.edges.len(), 2);
        assert_eq!(
            (g.edges[0].from.as_str(), g.edges[0].to.as_str(), g.edges[0].replies, g.edges[0].hostile),
            ("a", "b", 1, 1)
        );
        assert_eq!(g.reciprocity, 1.0);
        let b = g.authors.iter().find(|s| s.name == "b").unwrap();
        assert_eq!((b.comments, b.replies_received, b.hostile_received, b.replies_given), (2, 1, 1, 2));
        assert_eq!(c.shape.top_level, 2);
        assert_eq!(c.shape.depth_histogram, vec![2, 1, 1, 1]);
        assert_eq!(c.shape.largest_subthreads[0].size, 4);
        assert_eq!(c.shape.largest_subthreads[0].participants, 2);
    }

    #[test]
    fn deep_chain_is_iterative() {
        let n: usize = 100_000;
        let source =
            crate::model::Source { path: "deep".into(), thread_id: None, format: crate::model::SourceFormat::Csv };
        let mut b = crate::builder::ThreadBuilder::new(source);
        for i in 0..n {
            let comment = crate::model::Comment {
                id: format!("c{i}"),
                author: Some(if i % 2 == 0 { "a" } else { "b" }.into()),
                ..Default::default()
            };
            let parent_id = i.checked_sub(1).map(|p| format!("c{p}"));
            b.push(crate::builder::RawComment { comment, parent_id, record: None });
        }
        let t = b.build();
        let c = analyze(&t, &ThreadAnalysis::default());
        assert_eq!(c.exchanges.len(), 1);
        assert_eq!(c.exchanges[0].comments.len(), n);
        assert_eq!(c.shape.max_depth, n as u32 - 1);
        assert_eq!(c.shape.largest_subthreads[0].depth, n as u32 - 1);
    }
}
