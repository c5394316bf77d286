//! Shared helpers for the integration tests.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use threadlens::model::Thread;
use threadlens::read::{read_path, Format};

/// Path of a file under `fixtures/`.
pub fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures").join(rel)
}

/// The seed file whose name starts with `prefix` (e.g. "001").
pub fn seed(prefix: &str) -> PathBuf {
    let dir = fixture("seeds");
    let mut names: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("fixtures/seeds exists")
        .map(|e| e.expect("readable dir entry").path())
        .filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with(prefix)))
        .collect();
    names.sort();
    names.pop().unwrap_or_else(|| panic!("no seed {prefix}"))
}

/// Read a file that must hold exactly one thread.
pub fn read_one(path: &Path) -> Thread {
    let mut threads = read_path(path, Format::Auto).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(threads.len(), 1, "{} holds one thread", path.display());
    threads.remove(0)
}

/// Run the built binary.
pub fn threadlens(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_threadlens")).args(args).output().expect("binary runs")
}

/// The comment whose source span starts at `line`.
pub fn at_line(t: &Thread, line: u64) -> usize {
    t.comments
        .iter()
        .position(|c| c.lines.is_some_and(|s| s.start == line))
        .unwrap_or_else(|| panic!("no comment starts at line {line}"))
}

/// `(depth, author, first words)` per comment in preorder: the tree as text.
pub fn outline(t: &Thread) -> Vec<String> {
    t.graph
        .preorder()
        .into_iter()
        .map(|i| {
            let c = &t.comments[i];
            let words: Vec<&str> = c.text.split_whitespace().take(5).collect();
            format!("{} {} | {}", c.depth, c.author_or_unknown(), words.join(" "))
        })
        .collect()
}

/// Compare `got` with the expected file `fixtures/expected/<name>`, or
/// rewrite it when `UPDATE_SNAPSHOTS` is set. Panics with the first
/// differing line.
pub fn check_expected(name: &str, got: &[u8]) {
    let path = fixture(&format!("expected/{name}"));
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, got).unwrap();
        return;
    }
    let want = std::fs::read(&path)
        .unwrap_or_else(|_| panic!("missing snapshot {}; run with UPDATE_SNAPSHOTS=1", path.display()));
    if want != got {
        let (w, g) = (String::from_utf8_lossy(&want), String::from_utf8_lossy(got));
        let line =
            w.lines().zip(g.lines()).position(|(x, y)| x != y).unwrap_or(w.lines().count().min(g.lines().count()));
        panic!(
            "{name} differs from {} at line {}:\n  expected: {:?}\n  actual:   {:?}\nrerun with UPDATE_SNAPSHOTS=1 and review the diff",
            path.display(),
            line + 1,
            w.lines().nth(line),
            g.lines().nth(line)
        );
    }
}
