//! Expected outputs checked in: `fixtures/expected/`. Run with
//! `UPDATE_SNAPSHOTS=1 cargo test` to rewrite them after a deliberate change,
//! then review the diff.

use crate::util::{fixture, threadlens};

fn check(name: &str, args: &[&str]) {
    let out = threadlens(args);
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    let mut got = out.stdout;
    got.extend_from_slice(b"--- stderr ---\n");
    got.extend_from_slice(&out.stderr);
    let got = String::from_utf8(got).unwrap().replace(env!("CARGO_MANIFEST_DIR"), "<root>");
    crate::util::check_expected(name, got.as_bytes());
}

#[test]
fn tree_and_export_snapshots() {
    let seed = crate::util::seed("001");
    let seed = seed.to_str().unwrap();
    let seed004 = crate::util::seed("004");
    let csv = fixture("edgelist/two_threads.csv");
    let jsonl = fixture("edgelist/thread.jsonl");
    let w3m = fixture("browser/thread.w3m.txt");
    check("001.tree.txt", &["tree", seed]);
    check("001.export.csv", &["export", seed, "--to", "csv"]);
    check("004.tree.txt", &["tree", seed004.to_str().unwrap()]);
    check("two_threads.tree.txt", &["tree", csv.to_str().unwrap()]);
    check("thread_jsonl.export.csv", &["export", jsonl.to_str().unwrap()]);
    check("w3m.export.text.txt", &["export", w3m.to_str().unwrap(), "--to", "text"]);
}

#[test]
fn output_is_deterministic() {
    let seed = crate::util::seed("001");
    let a = threadlens(&["export", seed.to_str().unwrap()]);
    let b = threadlens(&["export", seed.to_str().unwrap()]);
    assert_eq!(a.stdout, b.stdout);
    let a = threadlens(&["tree", "--json", seed.to_str().unwrap()]);
    let b = threadlens(&["tree", "--json", seed.to_str().unwrap()]);
    assert_eq!(a.stdout, b.stdout);
}
