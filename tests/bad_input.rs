//! Bad and extreme input: clear errors with positions, never a panic.

use threadlens::error::ErrorKind;
use threadlens::read::{read_bytes, Format};

use crate::util::threadlens;

fn temp_file(name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("threadlens-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

#[test]
fn empty_binary_and_invalid_utf8_exit_1_with_position() {
    let cases: [(&str, &[u8], &str); 4] = [
        ("empty.txt", b"", "empty.txt: input is empty"),
        ("blank.txt", b"\n  \n\t\n", "blank.txt: input is empty"),
        ("binary.bin", b"PK\x03\x04\x00\x00binary", "binary.bin:1: input looks binary, not text (byte offset 4)"),
        (
            "latin1.txt",
            b"Title\n\n  \xe2\x80\xa2 Ann\n\n    caf\xe9\n",
            "latin1.txt:5: input is not valid UTF-8 (byte offset 25)",
        ),
    ];
    for (name, bytes, want) in cases {
        let path = temp_file(name, bytes);
        let out = threadlens(&["tree", path.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(1), "{name}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(want), "{name}: {err}");
    }
    let e = read_bytes(b"", "x", Format::Csv).unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::Empty));
}

#[test]
fn one_megabyte_single_line() {
    let line = "word ".repeat(200_000);
    let t = &read_bytes(line.as_bytes(), "long.txt", Format::Auto).unwrap()[0];
    assert!(t.comments.is_empty());
    assert_eq!(t.post.paragraphs.len(), 1);
    assert_eq!(t.post.paragraphs[0].len(), line.trim().len());
    // The same line as a comment body.
    let page = format!("T\n\n  • Ann\n\n    {line}\n");
    let t = &read_bytes(page.as_bytes(), "long.txt", Format::Auto).unwrap()[0];
    assert_eq!(t.comments[0].text.len(), line.trim_end().len());
}

#[test]
fn hundred_thousand_levels_deep() {
    let n = 100_000;
    let mut csv = String::from("id,parent_id,author,text\n");
    for i in 0..n {
        let parent = if i == 0 { String::new() } else { (i - 1).to_string() };
        csv.push_str(&format!("{i},{parent},user{},reply {i}\n", i % 2));
    }
    let t = &read_bytes(csv.as_bytes(), "deep.csv", Format::Auto).unwrap()[0];
    assert_eq!(t.graph.max_depth(), Some(n as u32 - 1));
    assert_eq!(t.graph.longest_chains(1)[0].len(), n);
    // Through the CLI: the outline stays linear (indentation is capped).
    let path = temp_file("deep.csv", csv.as_bytes());
    let out = threadlens(&["tree", path.to_str().unwrap()]);
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(stdout.lines().count(), n + 1);
    assert!(stdout.lines().last().unwrap().contains("[depth 99999] user1 (99999): reply 99999"));
    let out = threadlens(&["export", path.to_str().unwrap(), "--to", "text"]);
    assert!(out.status.success());
}

#[test]
fn deep_indented_thread() {
    // 2,000 levels of indentation: the text reader keeps every level.
    let mut page = String::from("Title\n\n");
    for d in 0..2_000 {
        let pad = " ".repeat(2 + 2 * d);
        page.push_str(&format!("{pad}• user{}\n\n{pad}  level {d}\n\n", d % 2));
    }
    let t = &read_bytes(page.as_bytes(), "deep.txt", Format::Auto).unwrap()[0];
    assert_eq!(t.comments.len(), 2_000);
    assert_eq!(t.graph.max_depth(), Some(1_999));
    assert!(t.diagnostics.is_empty());
}

#[test]
fn fifty_megabyte_thread() {
    let body = "This is a body line of a generated comment, long enough to look like real text. ".repeat(3);
    let mut page = String::with_capacity(51 << 20);
    page.push_str("A generated thread\n\nThe article.\n\n");
    let mut i = 0usize;
    while page.len() < 50 << 20 {
        let d = [0, 1, 2, 1, 2, 3, 0, 1][i % 8];
        let pad = " ".repeat(2 + 2 * d);
        page.push_str(&format!("{pad}• user{}\n\n{pad}  {body}\n\n", i % 97));
        i += 1;
    }
    let t = &read_bytes(page.as_bytes(), "big.txt", Format::Auto).unwrap()[0];
    assert_eq!(t.comments.len(), i);
    assert_eq!(t.participant_count(), 97);
    assert_eq!(t.graph.max_depth(), Some(3));
    assert!(t.diagnostics.is_empty());
}
