//! Hostile and dehumanizing language (issue: hostility detector).
//!
//! Placeholder interface: the detector itself lands with its lexicon.

use serde::Serialize;

use crate::analysis::{Category, Finding};
use crate::model::Thread;

/// The hostility verdict for one comment.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct CommentHostility {
    /// True when any category but profanity fires (and counts).
    pub hostile: bool,
    /// Categories that fired and count, sorted, deduplicated.
    pub categories: Vec<Category>,
    /// Severity score in `[0, 1]`.
    pub score: f32,
    /// Every finding, including quoted and mentioned ones (which do not count).
    pub findings: Vec<Finding>,
}

/// Score every comment of a thread.
pub fn analyze(thread: &Thread) -> Vec<CommentHostility> {
    vec![CommentHostility::default(); thread.comments.len()]
}
