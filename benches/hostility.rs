//! Hostility detector throughput (issue 3: target ≥ 100 MB/s on one core).
//!
//! Input: the comment texts of every seed fixture, joined and repeated to
//! about 1 MB, scored as one text and as seed-sized comments. Each
//! iteration checks its answer so a broken detector cannot look fast.
//! Run once, short: `cargo bench --bench hostility -- --warm-up-time 1 --measurement-time 3`.

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
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
