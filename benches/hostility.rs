//! Hostility detector throughput (issue 3: target ≥ 100 MB/s on one core).
//!
//! Input: the comment texts of every seed fixture, joined and repeated to
//! about 1 MB, scored as one text and as seed-sized comments; and ordinary
//! discussion text, the 1,292 comment bodies of the four reddit-api threads
//! (`fixtures/hostility/civil/reddit_bodies.jsonl`, 154,629 bytes), scored
//! one by one. Each iteration checks its answer so a broken detector
//! cannot look fast.
//! Run once, short: `cargo bench --bench hostility -- --warm-up-time 1 --measurement-time 3`.

// The binary's allocator (src/main.rs): the detectors allocate per comment,
// so the allocator is part of what the user gets.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::hint::black_box;
use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use threadlens::analysis::hostility::{analyze_text, Context};
use threadlens::analysis::lexicon::Matcher;
use threadlens::read::{read_path, Format};

fn seed_comments() -> Vec<String> {
    let mut out = Vec::new();
    let mut paths: Vec<_> = std::fs::read_dir("fixtures/seeds").unwrap().map(|e| e.unwrap().path()).collect();
    paths.sort();
    for p in paths {
        for t in read_path(Path::new(&p), Format::Auto).unwrap() {
            out.extend(t.comments.into_iter().map(|c| c.text));
        }
    }
    out
}

/// The `text` of every line of the civil-text fixture.
fn civil_comments() -> Vec<String> {
    let text = std::fs::read_to_string("fixtures/hostility/civil/reddit_bodies.jsonl").unwrap();
    text.lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["text"].as_str().unwrap().to_string())
        .collect()
}

fn bench(c: &mut Criterion) {
    let matcher = Matcher::builtin();
    let comments = seed_comments();
    let joined = comments.join("\n\n");
    let big = joined.repeat(1_000_000 / joined.len() + 1);
    let expected = analyze_text(&big, &Context::default(), matcher).findings.len();
    assert!(expected > 100);
    let many: Vec<&str> =
        std::iter::repeat(comments.iter().map(String::as_str)).flatten().take(big.len() / 400).collect();
    let many_bytes: usize = many.iter().map(|s| s.len()).sum();
    let many_hostile = many.iter().filter(|t| analyze_text(t, &Context::default(), matcher).hostile).count();

    let mut g = c.benchmark_group("hostility");
    g.throughput(Throughput::Bytes(big.len() as u64));
    g.bench_function("one_1MB_text", |b| {
        b.iter(|| assert_eq!(analyze_text(black_box(&big), &Context::default(), matcher).findings.len(), expected))
    });
    g.throughput(Throughput::Bytes(many_bytes as u64));
    g.bench_function("seed_comments", |b| {
        b.iter(|| {
            let n = many.iter().filter(|t| analyze_text(black_box(t), &Context::default(), matcher).hostile).count();
            assert_eq!(n, many_hostile)
        })
    });
    let civil = civil_comments();
    let civil_bytes: usize = civil.iter().map(String::len).sum();
    let civil_hostile = civil.iter().filter(|t| analyze_text(t, &Context::default(), matcher).hostile).count();
    assert!(civil_hostile < civil.len() / 5, "{civil_hostile} of {} hostile", civil.len());
    g.throughput(Throughput::Bytes(civil_bytes as u64));
    g.bench_function("reddit_comments", |b| {
        b.iter(|| {
            let n = civil.iter().filter(|t| analyze_text(black_box(t), &Context::default(), matcher).hostile).count();
            assert_eq!(n, civil_hostile)
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
