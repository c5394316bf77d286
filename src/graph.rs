//! The reply tree: a petgraph graph rooted at the post.
//!
//! Node 0 is the post; comment `i` (index into [`crate::model::Thread::comments`])
//! is node `i + 1`. Edges run parent → child. Nodes are only ever added, so
//! indices never shift. Every traversal here is iterative: input controls
//! the depth of a thread, and a 100,000-level chain must not overflow the
//! stack.

use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::Direction;

/// A node of the reply tree.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Node {
    /// The post or article at the root.
    Post,
    /// A comment, by index into `Thread::comments`.
    Comment(usize),
}

impl Node {
    fn index(self) -> NodeIndex {
        match self {
            Node::Post => NodeIndex::new(0),
            Node::Comment(i) => NodeIndex::new(i + 1),
        }
    }

    fn from_index(ix: NodeIndex) -> Node {
        match ix.index() {
            0 => Node::Post,
            n => Node::Comment(n - 1),
        }
    }

    /// The comment index, or `None` for the post.
    pub fn comment(self) -> Option<usize> {
        match self {
            Node::Post => None,
            Node::Comment(i) => Some(i),
        }
    }
}

/// The reply tree of one thread.
///
/// Children are kept in display order (the order of the comments in the
/// input), which petgraph alone does not promise.
#[derive(Clone, Debug, Default)]
pub struct ReplyGraph {
    /// Node `k` is [`Node::Post`] for 0 and comment `k - 1` otherwise; the
    /// weights carry nothing (a `Node` weight cost 16 bytes a comment).
    graph: DiGraph<(), ()>,
    /// Children of every node in display order (petgraph lists neighbours
    /// newest-first; reports need document order), flattened: node `k`'s
    /// children are `child_list[child_start[k]..child_start[k + 1]]`. One
    /// allocation instead of one per parent.
    child_start: Vec<usize>,
    child_list: Vec<usize>,
    /// Parent comment index, [`NO_PARENT`] for the post (8 bytes a
    /// comment where `Option<usize>` takes 16).
    parent: Vec<usize>,
    depth: Vec<u32>,
}

/// [`ReplyGraph::parent`] entry of a top-level comment.
const NO_PARENT: usize = usize::MAX;

impl ReplyGraph {
    /// Build the tree from each comment's parent (`None` = the post).
    ///
    /// The parents must form a forest under the post (no cycles); the
    /// [`crate::builder::ThreadBuilder`] guarantees it.
    pub fn from_parents(parents: &[Option<usize>]) -> ReplyGraph {
        let n = parents.len();
        let mut graph = DiGraph::with_capacity(n + 1, n);
        for _ in 0..=n {
            graph.add_node(());
        }
        // Count each node's children, then place them in index (display) order.
        let mut child_start = vec![0usize; n + 2];
        // Text readers give every parent before its children.
        let mut ordered = true;
        for (i, p) in parents.iter().enumerate() {
            child_start[p.map_or(0, |p| p + 1) + 1] += 1;
            ordered &= p.is_none_or(|p| p < i);
        }
        for k in 1..child_start.len() {
            child_start[k] += child_start[k - 1];
        }
        let mut fill = child_start.clone();
        let mut child_list = vec![0usize; n];
        for (i, p) in parents.iter().enumerate() {
            let pnode = p.map_or(0, |p| p + 1);
            graph.add_edge(NodeIndex::new(pnode), NodeIndex::new(i + 1), ());
            child_list[fill[pnode]] = i;
            fill[pnode] += 1;
        }
        let children = |k: usize| &child_list[child_start[k]..child_start[k + 1]];
        // Depth in one pass over a preorder (parents may come after their
        // children in edge-list inputs, so index order is not enough).
        let mut depth = vec![0u32; n];
        if ordered {
            // Each parent's depth is known before its children's.
            for (i, p) in parents.iter().enumerate() {
                if let Some(p) = *p {
                    depth[i] = depth[p] + 1;
                }
            }
        } else {
            let mut stack: Vec<(usize, u32)> = children(0).iter().rev().map(|&c| (c, 0)).collect();
            while let Some((c, d)) = stack.pop() {
                depth[c] = d;
                stack.extend(children(c + 1).iter().rev().map(|&k| (k, d + 1)));
            }
        }
        drop(fill);
        let parent = parents.iter().map(|p| p.unwrap_or(NO_PARENT)).collect();
        ReplyGraph { graph, child_start, child_list, parent, depth }
    }

    /// The underlying petgraph graph: node 0 is the post, node `i + 1`
    /// comment `i` (the weights are empty; [`Self::petgraph_children`]
    /// gives [`Node`]s).
    pub fn petgraph(&self) -> &DiGraph<(), ()> {
        &self.graph
    }

    /// Number of comments (nodes other than the post).
    pub fn comment_count(&self) -> usize {
        self.parent.len()
    }

    /// Comments replying directly to `node`, in display order.
    pub fn children(&self, node: Node) -> &[usize] {
        self.children_of(node.index().index())
    }

    fn children_of(&self, k: usize) -> &[usize] {
        match (self.child_start.get(k), self.child_start.get(k + 1)) {
            (Some(&a), Some(&b)) => &self.child_list[a..b],
            _ => &[],
        }
    }

    /// Top-level comments, in display order.
    pub fn top_level(&self) -> &[usize] {
        self.children_of(0)
    }

    /// The parent of a comment: another comment or the post.
    pub fn parent(&self, comment: usize) -> Node {
        match self.parent[comment] {
            NO_PARENT => Node::Post,
            p => Node::Comment(p),
        }
    }

    /// Depth of a comment: 0 for top-level.
    pub fn depth(&self, comment: usize) -> u32 {
        self.depth[comment]
    }

    /// The largest depth in the thread, `None` when it has no comments.
    pub fn max_depth(&self) -> Option<u32> {
        self.depth.iter().copied().max()
    }

    /// Ancestors of a comment, nearest first, ending with the post.
    pub fn ancestors(&self, comment: usize) -> Vec<Node> {
        let mut out = Vec::with_capacity(self.depth[comment] as usize + 1);
        let mut cur = self.parent[comment];
        while cur != NO_PARENT {
            out.push(Node::Comment(cur));
            cur = self.parent[cur];
        }
        out.push(Node::Post);
        out
    }

    /// The path from the first top-level comment down to `comment`
    /// (inclusive), post excluded.
    pub fn path_from_root(&self, comment: usize) -> Vec<usize> {
        let mut path: Vec<usize> = self.ancestors(comment).into_iter().filter_map(Node::comment).collect();
        path.reverse();
        path.push(comment);
        path
    }

    /// `node` and every comment below it, in preorder (display order).
    pub fn subtree(&self, node: Node) -> Vec<Node> {
        let mut out = Vec::new();
        let mut stack = vec![node];
        while let Some(n) = stack.pop() {
            out.push(n);
            stack.extend(self.children(n).iter().rev().map(|&c| Node::Comment(c)));
        }
        out
    }

    /// All comments in preorder: the order a reader of the page meets them.
    pub fn preorder(&self) -> Vec<usize> {
        // As `subtree(Node::Post)`, without a `Node` (16 bytes) per comment.
        let mut out = Vec::with_capacity(self.comment_count());
        let mut stack: Vec<usize> = self.top_level().iter().rev().copied().collect();
        while let Some(c) = stack.pop() {
            out.push(c);
            stack.extend(self.children_of(c + 1).iter().rev());
        }
        out
    }

    /// Number of comments below `node` (not counting itself).
    pub fn subtree_size(&self, node: Node) -> usize {
        self.subtree(node).len() - 1
    }

    /// Comments nobody replied to.
    pub fn leaves(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.comment_count()).filter(|&c| self.children_of(c + 1).is_empty())
    }

    /// Every root-to-leaf chain (top-level comment first), in display
    /// order of the leaves. The total size is the sum of leaf depths, so
    /// callers that only need the longest should use [`Self::longest_chains`].
    pub fn chains(&self) -> impl Iterator<Item = Vec<usize>> + '_ {
        self.preorder()
            .into_iter()
            .filter(|&c| self.children_of(c + 1).is_empty())
            .map(|leaf| self.path_from_root(leaf))
    }

    /// The `k` longest root-to-leaf chains, longest first; ties keep
    /// display order. Costs O(n + k·depth).
    pub fn longest_chains(&self, k: usize) -> Vec<Vec<usize>> {
        let mut leaves: Vec<usize> =
            self.preorder().into_iter().filter(|&c| self.children_of(c + 1).is_empty()).collect();
        // Stable sort keeps display order among equal depths.
        leaves.sort_by_key(|&l| std::cmp::Reverse(self.depth[l]));
        leaves.into_iter().take(k).map(|l| self.path_from_root(l)).collect()
    }

    /// Direction helper for code that walks petgraph directly.
    pub fn petgraph_children(&self, node: Node) -> impl Iterator<Item = Node> + '_ {
        self.graph.neighbors_directed(node.index(), Direction::Outgoing).map(Node::from_index)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_tree_operations() {
        // post ─ 0 ─ 1 ─ 2
        //      │   └ 3
        //      └ 4
        let g = ReplyGraph::from_parents(&[None, Some(0), Some(1), Some(0), None]);
        assert_eq!(g.top_level(), &[0, 4]);
        assert_eq!(g.children(Node::Comment(0)), &[1, 3]);
        assert_eq!(g.parent(2), Node::Comment(1));
        assert_eq!(g.parent(0), Node::Post);
        assert_eq!(g.depth(2), 2);
        assert_eq!(g.ancestors(2), vec![Node::Comment(1), Node::Comment(0), Node::Post]);
        assert_eq!(g.path_from_root(2), vec![0, 1, 2]);
        assert_eq!(g.preorder(), vec![0, 1, 2, 3, 4]);
        assert_eq!(g.subtree_size(Node::Comment(0)), 3);
        assert_eq!(g.chains().collect::<Vec<_>>(), vec![vec![0, 1, 2], vec![0, 3], vec![4]]);
        assert_eq!(g.longest_chains(1), vec![vec![0, 1, 2]]);
        let mut pg: Vec<Node> = g.petgraph_children(Node::Comment(0)).collect();
        pg.sort();
        assert_eq!(pg, vec![Node::Comment(1), Node::Comment(3)]);
    }

    #[test]
    fn parents_after_children() {
        // Edge lists may list a reply before its parent.
        let g = ReplyGraph::from_parents(&[Some(1), None]);
        assert_eq!(g.depth(0), 1);
        assert_eq!(g.depth(1), 0);
        assert_eq!(g.preorder(), vec![1, 0]);
    }

    #[test]
    fn depths_agree_with_parents_in_either_order() {
        // A bushy tree, parents first; then the same tree numbered
        // backwards, so every parent comes after its children.
        let n: usize = 2_000;
        let ordered: Vec<Option<usize>> =
            (0..n).map(|i| if i % 97 == 0 { None } else { Some((i - 1).saturating_sub(i * 31 % 5)) }).collect();
        let reversed: Vec<Option<usize>> = (0..n).map(|i| ordered[n - 1 - i].map(|p| n - 1 - p)).collect();
        let (a, b) = (ReplyGraph::from_parents(&ordered), ReplyGraph::from_parents(&reversed));
        for i in 0..n {
            assert_eq!(a.depth(i) as usize, a.ancestors(i).len() - 1, "comment {i}");
            assert_eq!(a.depth(i), b.depth(n - 1 - i), "comment {i}");
        }
        let deepest = (0..n).map(|i| a.ancestors(i).len() as u32 - 1).max();
        assert!(deepest > Some(20), "{deepest:?}");
        assert_eq!(a.max_depth(), deepest);
        assert_eq!(b.max_depth(), deepest);
    }

    #[test]
    fn deep_chain_does_not_overflow() {
        let n = 100_000;
        let parents: Vec<Option<usize>> = (0..n).map(|i| if i == 0 { None } else { Some(i - 1) }).collect();
        let g = ReplyGraph::from_parents(&parents);
        assert_eq!(g.max_depth(), Some(n as u32 - 1));
        assert_eq!(g.ancestors(n - 1).len(), n);
        assert_eq!(g.longest_chains(1)[0].len(), n);
        assert_eq!(g.subtree_size(Node::Post), n);
    }
}
