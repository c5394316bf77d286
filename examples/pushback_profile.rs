//! Profile helper for callgrind: run `pushback::analyze` N times over the
//! bench's input (seed 001 and the RumourEval fixture threads, copied 10
//! times into one thread). Cost per pass = difference of two N.
// The binary's allocator (src/main.rs): the detectors allocate per comment,
// so the allocator is part of what the user gets.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use threadlens::analysis::pushback;
use threadlens::builder::{RawComment, ThreadBuilder};
use threadlens::model::{Source, SourceFormat, Thread};
use threadlens::read::{read_path, Format};

include!("../benches/common/pushback_input.rs");

/// `pushback_profile N [STAGE]`: STAGE is `analyze` (default), `acts`,
/// `support` or `scores`.
fn main() {
    let reps: usize = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(1);
    let stage = std::env::args().nth(2).unwrap_or_else(|| "analyze".into());
    let thread = big_thread(10);
    let bytes: usize = thread.comments.iter().map(|c| c.text.len()).sum();
    let texts: Vec<&str> = thread.comments.iter().map(|c| c.text.as_str()).collect();
    let model = threadlens::analysis::pushback_model::builtin();
    let mut n = 0usize;
    for _ in 0..reps {
        n += match stage.as_str() {
            "acts" => texts.iter().map(|t| pushback::act_rules().hits(t).len()).sum::<usize>(),
            "support" => texts.iter().filter(|t| threadlens::analysis::claims::support_kind(t).is_some()).count(),
            "scores" => texts.iter().filter(|t| model.scores(t, &[], false).0 > 0.5).count(),
            _ => pushback::analyze(&thread, &[]).comments.iter().filter(|c| c.pushback).count(),
        };
    }
    println!("{stage}: {reps} passes, {} comments, {bytes} bytes each, count {n}", thread.comments.len());
}
