//! Report speed on a generated 100,000-comment thread (target: a full
//! report in under a second on one core). Figures go to docs/performance.md.
//!
//! `cargo bench --bench report` (add `-- --quick` for one short run).

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use threadlens::analysis;
use threadlens::gen::{write_corpus, GenFormat, GenOptions};
use threadlens::read::{read_bytes, Format};
use threadlens::report::{self, Report};

const N: usize = 100_000;

fn rendered(r: &Report, render: fn(&Report, &mut Vec<u8>) -> std::io::Result<()>) -> usize {
    let mut out = Vec::new();
    render(black_box(r), &mut out).expect("rendering to memory");
    out.len()
}

fn bench(c: &mut Criterion) {
    let opts = GenOptions { threads: 1, comments_per_thread: N, ..GenOptions::default() };
    let mut page = Vec::new();
    write_corpus(&opts, GenFormat::Text, &mut page).expect("writing to memory");
    let thread = read_bytes(&page, "generated.txt", Format::Text).expect("generated text reads").remove(0);
    assert_eq!(thread.comments.len(), N);
    let found = analysis::analyze(&thread);
    let rep = report::build(&thread, &found);
    assert_eq!(rep.comments.len(), N);

    let mut g = c.benchmark_group("report_100k");
    g.sample_size(10);
    g.throughput(Throughput::Elements(N as u64));
    g.bench_function("analyze (detectors)", |b| {
        b.iter(|| assert_eq!(analysis::analyze(black_box(&thread)).hostility.len(), N))
    });
    g.bench_function("build (chains + report value)", |b| {
        b.iter(|| assert_eq!(report::build(black_box(&thread), &found).summary.comments, N))
    });
    g.bench_function("markdown", |b| b.iter(|| rendered(&rep, |r, w| report::markdown::write_markdown(r, w))));
    g.bench_function("json", |b| b.iter(|| rendered(&rep, |r, w| report::json::write_json(r, w))));
    g.bench_function("html (no graph)", |b| {
        let note = report::html::GraphSvg::Note("bench".into());
        b.iter(|| {
            let mut out = Vec::new();
            report::html::write_html(black_box(&rep), &note, &mut out).expect("rendering to memory");
            out.len()
        })
    });
    g.bench_function("dot replies", |b| b.iter(|| rendered(&rep, |r, w| report::dot::write_reply_dot(r, w))));
    g.bench_function("full: read text + analyze + build + markdown", |b| {
        b.iter(|| {
            let t = read_bytes(black_box(&page), "generated.txt", Format::Text).expect("reads").remove(0);
            let a = analysis::analyze(&t);
            let r = report::build(&t, &a);
            assert_eq!(r.summary.comments, N);
            rendered(&r, |r, w| report::markdown::write_markdown(r, w))
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
