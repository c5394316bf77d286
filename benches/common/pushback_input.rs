// The pushback bench's input, shared by `benches/pushback.rs` and
// `examples/pushback_profile.rs` (included with `include!`).

/// Seed 001 (a real scraped thread, 70 comments) and the RumourEval
/// fixture threads, their comments copied `copies` times into one large
/// thread (ids and parent links renamed per copy).
fn big_thread(copies: usize) -> Thread {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut parts = read_path(&root.join("seeds/001_1ff2f1cad038d70a.txt"), Format::Auto).unwrap();
    parts.extend(read_path(&root.join("rumoureval"), Format::Auto).unwrap());
    let mut b = ThreadBuilder::new(Source { path: "bench".into(), thread_id: None, format: SourceFormat::Jsonl });
    b.post_mut().paragraphs = parts[0].post.paragraphs.clone();
    for k in 0..copies {
        for (n, t) in parts.iter().enumerate() {
            for c in &t.comments {
                let mut comment = c.clone();
                comment.id = format!("{k}-{n}-{}", c.id);
                let parent_id = c.parent.map(|p| format!("{k}-{n}-{}", t.comments[p].id));
                b.push(RawComment { comment, parent_id, record: None });
            }
        }
    }
    b.build()
}
