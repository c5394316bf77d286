//! Pushback analysis throughput, in bytes of comment text per second.
//!
//! Input: seed 001 (a real scraped thread, 70 comments) and the RumourEval
//! fixture threads, their comments copied into one large thread (ids and
//! parent links renamed per copy) so the whole run is a few MB.
//! Run: `cargo bench -j1 --bench pushback -- --measurement-time 3 --warm-up-time 1`.

// The binary's allocator (src/main.rs): the detectors allocate per comment,
// so the allocator is part of what the user gets.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use threadlens::analysis::pushback;
use threadlens::builder::{RawComment, ThreadBuilder};
use threadlens::model::{Source, SourceFormat, Thread};
use threadlens::read::{read_path, Format};

include!("common/pushback_input.rs");

fn bench(c: &mut Criterion) {
    let copies = 60;
    let thread = big_thread(copies);
    let bytes: usize = thread.comments.iter().map(|c| c.text.len()).sum();
    let expected = pushback::analyze(&thread, &[]).comments.iter().filter(|c| c.pushback).count();
    assert_eq!(expected % copies, 0, "every copy flags the same comments");
    let mut g = c.benchmark_group("pushback");
    g.throughput(Throughput::Bytes(bytes as u64));
    g.sample_size(10);
    g.bench_function(format!("analyze {} comments, {} bytes", thread.comments.len(), bytes), |b| {
        b.iter(|| {
            let a = pushback::analyze(&thread, &[]);
            assert_eq!(a.comments.iter().filter(|c| c.pushback).count(), expected);
        })
    });
    let texts: Vec<&str> = thread.comments.iter().map(|c| c.text.as_str()).collect();
    g.bench_function("stage: act rules (one RegexSet pass + spans)", |b| {
        b.iter(|| texts.iter().map(|t| pushback::act_rules().hits(t).len()).sum::<usize>())
    });
    g.bench_function("stage: claim support judgment (sentences + is_match)", |b| {
        b.iter(|| texts.iter().filter(|t| threadlens::analysis::claims::support_kind(t).is_some()).count())
    });
    g.bench_function("stage: model features", |b| {
        b.iter(|| {
            texts.iter().map(|t| threadlens::analysis::pushback_model::features(t, &[], false).len()).sum::<usize>()
        })
    });
    g.bench_function("stage: model scores (tokenize + lookups, what analyze runs)", |b| {
        let m = threadlens::analysis::pushback_model::builtin();
        b.iter(|| texts.iter().map(|t| m.scores(t, &[], false).0).sum::<f32>())
    });
    g.bench_function("stage: old path (sorted list + two probability passes)", |b| {
        let m = threadlens::analysis::pushback_model::builtin();
        b.iter(|| {
            texts
                .iter()
                .map(|t| {
                    let f = threadlens::analysis::pushback_model::features(t, &[], false);
                    m.pushback.probability(&f) + m.evidence_request.probability(&f)
                })
                .sum::<f32>()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
