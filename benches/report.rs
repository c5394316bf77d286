//! Report speed on a generated 100,000-comment thread (target: a full
//! report in under a second on one core). Figures go to docs/performance.md.
//!
//! `cargo bench --bench report` (add `-- --quick` for one short run).

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use threadlens::analysis::{self, ThreadAnalysis};
use threadlens::read::{read_bytes, Format};
use threadlens::report;

const N: usize = 100_000;

/// A CSV edge list of `n` comments: a deterministic pseudo-random tree
/// (each comment replies to one of the last 50 comments or, one time in
/// eight, to the post), 3,000 authors, ~150-byte texts.
fn generated_csv(n: usize) -> String {
    let mut s = String::with_capacity(n * 200);
    s.push_str("id,parent_id,author,text\n");
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    for i in 0..n {
        let r = next();
        let parent =
            if i == 0 || r % 8 == 0 { String::new() } else { (i - 1 - (r as usize / 8) % i.min(50)).to_string() };
        let author = next() % 3000;
        s.push_str(&format!(
            "{i},{parent},user{author},\"Comment {i} replying with a few words about the claim, the evidence, and what other people said before in this thread.\"\n"
        ));
    }
    s
}

fn bench(c: &mut Criterion) {
    let csv = generated_csv(N);
    let thread = read_bytes(csv.as_bytes(), "generated.csv", Format::Csv).unwrap().remove(0);
    assert_eq!(thread.comments.len(), N);
    let none = ThreadAnalysis::default();
    let rep = report::build(&thread, &none);
    assert_eq!(rep.comments.len(), N);

    let mut g = c.benchmark_group("report_100k");
    g.sample_size(10);
    g.throughput(Throughput::Elements(N as u64));
    g.bench_function("build (chains + report value)", |b| {
        b.iter(|| assert_eq!(report::build(black_box(&thread), &none).summary.comments, N))
    });
    g.bench_function("markdown", |b| {
        b.iter(|| {
            let mut out = Vec::new();
            report::markdown::write_markdown(black_box(&rep), &mut out).unwrap();
            out.len()
        })
    });
    g.bench_function("json", |b| {
        b.iter(|| {
            let mut out = Vec::new();
            report::json::write_json(black_box(&rep), &mut out).unwrap();
            out.len()
        })
    });
    g.bench_function("html (no graph)", |b| {
        let note = report::html::GraphSvg::Note("bench".into());
        b.iter(|| {
            let mut out = Vec::new();
            report::html::write_html(black_box(&rep), &note, &mut out).unwrap();
            out.len()
        })
    });
    g.bench_function("dot replies", |b| {
        b.iter(|| {
            let mut out = Vec::new();
            report::dot::write_reply_dot(black_box(&rep), &mut out).unwrap();
            out.len()
        })
    });
    g.bench_function("full: read csv + analyze + build + markdown", |b| {
        b.iter(|| {
            let t = read_bytes(black_box(csv.as_bytes()), "generated.csv", Format::Csv).unwrap().remove(0);
            let a = analysis::analyze(&t);
            let r = report::build(&t, &a);
            let mut out = Vec::new();
            report::markdown::write_markdown(&r, &mut out).unwrap();
            assert_eq!(r.summary.comments, N);
            out.len()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
