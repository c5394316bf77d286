//! The reference thread (seed 001) and the article-only seeds.

use threadlens::graph::Node;
use threadlens::model::{DiagnosticKind, LineRole};

use crate::util::{at_line, read_one, seed};

#[test]
fn seed_001_shape() {
    let t = read_one(&seed("001"));
    // 66 author lines, plus the unattributed reply reconstructed at line 211.
    let attributed = t.comments.iter().filter(|c| c.author.is_some()).count();
    assert_eq!(attributed, 66);
    assert_eq!(t.comments.len(), 67);
    assert_eq!(t.participant_count(), 40);
    let depths: std::collections::BTreeSet<u32> = t.comments.iter().map(|c| c.depth).collect();
    assert_eq!(depths.into_iter().collect::<Vec<_>>(), vec![0, 1, 2, 3, 4]);
    assert_eq!(t.post.title.as_deref(), Some("Very Dangerous Escalation In Syria"));
    assert_eq!(t.post.author.as_deref(), Some("The Saker"));
    assert_eq!(t.post.date.as_deref(), Some("JULY 2020"));
    assert!(t.post.paragraphs.last().unwrap().starts_with("Things might become very dangerous"));
}

#[test]
fn seed_001_ancestor_chains() {
    let t = read_one(&seed("001"));
    let c316 = at_line(&t, 316);
    let chain: Vec<(String, u64)> = t
        .graph
        .ancestors(c316)
        .into_iter()
        .filter_map(Node::comment)
        .map(|i| (t.comments[i].author.clone().unwrap(), t.comments[i].lines.unwrap().start))
        .collect();
    let expected = [("ddduke", 312), ("Harold Smith", 307), ("ddduke", 303), ("Harold Smith", 299)];
    assert_eq!(chain, expected.iter().map(|(a, l)| (a.to_string(), *l)).collect::<Vec<_>>());
    assert_eq!(t.graph.ancestors(c316).last(), Some(&Node::Post));

    let parent_line = |line| t.comments[t.comments[at_line(&t, line)].parent.unwrap()].lines.unwrap().start;
    assert_eq!(parent_line(96), 88);
    assert_eq!(parent_line(88), 84);
    assert_eq!(parent_line(84), 74);
    assert_eq!(t.comments[at_line(&t, 74)].parent, None);
}

#[test]
fn seed_001_irregularities() {
    let t = read_one(&seed("001"));
    // Multi-paragraph body.
    let bandalar = &t.comments[at_line(&t, 74)];
    assert_eq!(bandalar.paragraphs().count(), 4);
    // Hard-wrapped lines 176–179 stay one paragraph, line breaks kept.
    let akar = &t.comments[at_line(&t, 174)];
    assert_eq!(akar.paragraphs().count(), 1);
    assert!(akar.text.starts_with("lets be honest,,,, Lastest\nreport suggest"));
    assert_eq!(akar.lines.unwrap().end, 179);
    // Blank gaps where embeds were removed: the text after the gap stays.
    let dod = &t.comments[at_line(&t, 326)];
    assert!(dod.text.ends_with("\n\nTime to level Langley"));
    let bl = &t.comments[at_line(&t, 382)];
    assert_eq!(bl.text, "After watching this documentary all of your questions will be answered:");
    assert_eq!(t.comments[at_line(&t, 387)].parent, t.comments[at_line(&t, 382)].parent);
    // Line 211: an unattributed reply to FlorianGeyer; Bru (213) replies to it.
    let c211 = at_line(&t, 211);
    assert_eq!(t.comments[c211].author, None);
    assert_eq!(t.comments[c211].parent, Some(at_line(&t, 207)));
    assert_eq!(t.comments[at_line(&t, 213)].parent, Some(c211));
    assert_eq!(t.comments[at_line(&t, 213)].depth, 2);
    assert!(t.diagnostics.iter().any(|d| d.line == Some(211) && d.kind == DiagnosticKind::UnattributedComment));
    // Unicode and punctuation in names.
    for (line, name) in [(287, "χρηστος"), (283, "Putin’s baby"), (372, "ihraç subay")] {
        assert_eq!(t.comments[at_line(&t, line)].author.as_deref(), Some(name));
    }
    // The same author twice in a row: two comments, both top-level.
    let (a, b) = (at_line(&t, 291), at_line(&t, 295));
    assert_eq!(b, a + 1);
    assert_eq!(t.comments[a].author, t.comments[b].author);
    assert_eq!((t.comments[a].parent, t.comments[b].parent), (None, None));
}

#[test]
fn seed_001_ids_are_document_order() {
    let t = read_one(&seed("001"));
    for (i, c) in t.comments.iter().enumerate() {
        assert_eq!(c.id, format!("c{}", i + 1));
    }
    let starts: Vec<u64> = t.comments.iter().map(|c| c.lines.unwrap().start).collect();
    assert!(starts.windows(2).all(|w| w[0] < w[1]));
}

#[test]
fn article_only_seeds_have_no_comments() {
    for prefix in ["000", "002", "003"] {
        let t = read_one(&seed(prefix));
        assert!(t.comments.is_empty(), "seed {prefix}");
        assert!(t.diagnostics.is_empty(), "seed {prefix}: {:?}", t.diagnostics);
        assert!(t.post.paragraphs.len() > 5, "seed {prefix}");
    }
    let t = read_one(&seed("000"));
    assert!(t.post.title.as_deref().unwrap().starts_with("Very Dangerous Escalation in Syria."));
    assert_eq!(t.post.metadata.get("in-depth report").map(String::as_str), Some("SYRIA"));
    assert!(t.post.boilerplate.iter().any(|b| b.starts_with("Disclaimer:")));
    assert!(!t.post.paragraphs.iter().any(|p| p.contains("[The Saker](#)")), "markdown links reduced to text");
    let t = read_one(&seed("003"));
    assert_eq!(
        t.post.metadata.get("theme").map(String::as_str),
        Some("Media Disinformation, Terrorism, US NATO War Agenda")
    );
    assert!(t.post.paragraphs[0].starts_with("It is now clear"));
}

#[test]
fn seed_004_widget_comments() {
    let t = read_one(&seed("004"));
    assert_eq!(t.comments.len(), 2);
    assert!(t.comments.iter().all(|c| c.author.is_none() && c.parent.is_none()));
    assert!(t.comments[0].text.starts_with("The neocon (aka zionist)"));
    assert!(t.comments[1].text.ends_with("The US position in the…"));
    assert_eq!(t.comments[1].metadata().get("truncated").map(String::as_str), Some("true"));
    assert!(t.post.paragraphs.last().unwrap().starts_with("Russian General Valery Asapov"));
    assert_eq!(t.line_roles.get(21), Some(LineRole::CommentBody(0)));
    assert!(t.diagnostics.iter().any(|d| d.kind == DiagnosticKind::TruncatedText && d.line == Some(24)));
}
