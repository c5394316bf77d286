//! Generic CSV and JSONL edge lists.

use threadlens::model::{CommentStatus, DiagnosticKind};
use threadlens::read::{read_path, Format};

use crate::util::{fixture, outline, threadlens};

#[test]
fn csv_with_two_threads_placeholders_duplicates_and_a_cycle() {
    let ts = read_path(&fixture("edgelist/two_threads.csv"), Format::Auto).unwrap();
    assert_eq!(ts.len(), 2);
    let t1 = &ts[0];
    assert_eq!(t1.post.title.as_deref(), Some("Tram line debate"));
    assert_eq!(t1.post.paragraphs, vec!["Should the city build the tram line?", "Vote in the comments."]);
    assert_eq!(
        outline(t1),
        vec![
            "0 alice | Yes, it is overdue.",
            "1 bob | Where is the proof it",
            "2 alice | According to the council report,",
            "0 [unknown] | ",
            "1 carol | Replying to a comment that",
            "0 dave | Duplicate id from a second",
        ]
    );
    let zz = t1.comments.iter().find(|c| c.id == "zz").unwrap();
    assert_eq!(zz.status, CommentStatus::Missing);
    assert!(t1.comments.iter().any(|c| c.id == "a#2"));
    assert_eq!(t1.comments[0].metadata().get("score").map(String::as_str), Some("5"));
    assert_eq!(t1.comments[1].created_at(), Some("1714558200"));
    let kinds: Vec<(Option<u64>, DiagnosticKind)> = t1.diagnostics.iter().map(|d| (d.line, d.kind)).collect();
    assert_eq!(kinds, vec![(Some(8), DiagnosticKind::MissingParent), (Some(9), DiagnosticKind::DuplicateId)]);
    let t2 = &ts[1];
    assert_eq!(t2.source.thread_id.as_deref(), Some("t2"));
    assert_eq!(t2.comments[0].text, "A second thread, \"quoted\" text, and a comma, here");
    assert_eq!(t2.diagnostics[0].kind, DiagnosticKind::Cycle);
    assert_eq!(t2.comments[1].parent, None, "the loop is cut at its first comment");
    assert_eq!(t2.comments[2].parent, Some(1));
}

#[test]
fn jsonl_keeps_extra_fields_and_reports_bad_lines() {
    let ts = read_path(&fixture("edgelist/thread.jsonl"), Format::Auto).unwrap();
    let t = &ts[0];
    assert_eq!(t.post.id.as_deref(), Some("p"));
    assert_eq!(
        outline(t),
        vec![
            "0 ann | Source? I can't find it.",
            "1 op | Here: https://example.org/report.pdf",
            "0 ben | Looks fine to me.",
            "1 [unknown] | Anonymous reply"
        ]
    );
    assert_eq!(t.comments[0].metadata().get("lang").map(String::as_str), Some("en"));
    assert_eq!(t.comments[3].metadata().get("votes").map(String::as_str), Some("{\"down\":1,\"up\":3}"));
    assert_eq!(t.diagnostics.len(), 1);
    assert_eq!(t.diagnostics[0].line, Some(5));
    assert_eq!(t.diagnostics[0].text.as_deref(), Some("this line is not JSON"));
}

#[test]
fn our_csv_export_reads_back_as_the_same_tree() {
    let seed = crate::util::seed("001");
    let out = threadlens(&["export", seed.to_str().unwrap(), "--to", "csv"]);
    assert!(out.status.success());
    let back = threadlens::read::read_bytes(&out.stdout, "export.csv", Format::Auto).unwrap();
    let original = crate::util::read_one(&seed);
    assert_eq!(outline(&back[0]), outline(&original));
}
