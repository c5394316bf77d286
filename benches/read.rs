//! Reader throughput on generated threads: `cargo bench --bench read`.

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use threadlens::gen::{write_corpus, GenFormat, GenOptions};
use threadlens::read::{read_bytes, Format};

fn corpus(format: GenFormat, threads: usize, comments: usize) -> Vec<u8> {
    let opts = GenOptions { threads, comments_per_thread: comments, ..GenOptions::default() };
    let mut buf = Vec::new();
    write_corpus(&opts, format, &mut buf).expect("writing to memory");
    buf
}

fn bench_read(c: &mut Criterion) {
    let mut g = c.benchmark_group("read");
    g.sample_size(10);

    let text = corpus(GenFormat::Text, 1, 100_000);
    g.throughput(Throughput::Bytes(text.len() as u64));
    g.bench_function("indented_text_100k_comments", |b| {
        b.iter(|| {
            let t = read_bytes(&text, "bench.txt", Format::Text).expect("generated text reads");
            assert_eq!(t[0].comments.len(), 100_000);
        })
    });

    let jsonl = corpus(GenFormat::Jsonl, 100, 1_000);
    g.throughput(Throughput::Bytes(jsonl.len() as u64));
    g.bench_function("jsonl_edges_100x1k", |b| {
        b.iter(|| {
            let t = read_bytes(&jsonl, "bench.jsonl", Format::Jsonl).expect("generated JSONL reads");
            assert_eq!(t.len(), 100);
        })
    });

    // The Pushshift reader behind `export` / `report` (one core: it reads
    // line by line), on generated dump lines.
    let ndjson = corpus(GenFormat::Pushshift, 100, 1_000);
    g.throughput(Throughput::Bytes(ndjson.len() as u64));
    g.bench_function("pushshift_ndjson_100x1k", |b| {
        b.iter(|| {
            let t = read_bytes(&ndjson, "bench.ndjson", Format::Pushshift).expect("generated NDJSON reads");
            assert_eq!(t.len(), 100);
            assert_eq!(t[99].comments.len(), 1_000);
        })
    });

    // The same reader on real dump lines: the four recorded Reddit API
    // threads with every API field (fixtures/bench/README.md), about 1.1 KB
    // a line where the generated lines above are about 300 bytes.
    let real = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/bench/reddit_api_dump.ndjson.zst"))
        .expect("bench fixture");
    let real = threadlens::read::compress::decompress(&real, "reddit_api_dump.ndjson.zst")
        .expect("bench fixture decompresses")
        .into_owned();
    g.throughput(Throughput::Bytes(real.len() as u64));
    g.bench_function("pushshift_real_lines", |b| {
        b.iter(|| {
            let t = read_bytes(&real, "bench.ndjson", Format::Pushshift).expect("real dump lines read");
            assert_eq!(t.iter().map(|t| t.comments.len()).sum::<usize>(), 1_313);
        })
    });

    // `stream --shape-only` on the JSONL edge list (the ConvoKit comparison's
    // run, without process start).
    g.throughput(Throughput::Bytes(jsonl.len() as u64));
    g.bench_function("stream_shape_only_jsonl_100x1k", |b| {
        b.iter(|| {
            let mut out = Vec::new();
            let stats = threadlens::stream::run(&jsonl[..], &mut out, "bench", false).expect("stream runs");
            assert_eq!((stats.threads, stats.records), (100, 100_000));
        })
    });
    g.finish();
}

criterion_group!(benches, bench_read);
criterion_main!(benches);
