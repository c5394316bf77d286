//! Pushback on unsupported claims (issue: pushback detector).
//!
//! Placeholder interface: the detector itself lands separately.

use serde::Serialize;

use crate::analysis::hostility::CommentHostility;
use crate::analysis::{Category, Finding};
use crate::model::Thread;

/// Pushback acts found in one comment.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct CommentPushback {
    /// True when evidence_request, denial or speculation_callout fires.
    pub pushback: bool,
    /// Acts that fired, sorted, deduplicated.
    pub acts: Vec<Category>,
    /// The findings behind them.
    pub findings: Vec<Finding>,
}

/// Pushback over a whole thread.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct PushbackAnalysis {
    /// One entry per comment (index = comment index).
    pub comments: Vec<CommentPushback>,
}

/// Find pushback in every comment of a thread.
pub fn analyze(thread: &Thread, _hostility: &[CommentHostility]) -> PushbackAnalysis {
    PushbackAnalysis { comments: vec![CommentPushback::default(); thread.comments.len()] }
}
