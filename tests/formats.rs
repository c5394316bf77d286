//! Platform formats (issue 6): every reader over its fixtures under
//! `fixtures/formats/`, checked as reply-tree outlines, plus detection,
//! compression, privacy, ConvoKit round trips and the CLI switches.

use std::path::{Path, PathBuf};

use threadlens::model::{CommentStatus, DiagnosticKind, Thread};
use threadlens::read::{self, convokit, detect, read_path_with, Format, ReadOptions};

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/formats").join(rel)
}

fn read(rel: &str) -> Vec<Thread> {
    read_path_with(&fixture(rel), &ReadOptions::new(Format::Auto)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// The tree as lines: two spaces per depth, the id, and the status when
/// it is not normal (`[placeholder 3]` carries the hidden count).
fn outline(t: &Thread) -> Vec<String> {
    t.graph
        .preorder()
        .into_iter()
        .map(|i| {
            let c = &t.comments[i];
            let status = match &c.status {
                CommentStatus::Normal => String::new(),
                CommentStatus::Placeholder { hidden } => format!(" [placeholder {hidden}]"),
                s => format!(" [{}]", s.name()),
            };
            format!("{}{}{status}", "  ".repeat(c.depth as usize), c.id)
        })
        .collect()
}

fn comment<'a>(t: &'a Thread, id: &str) -> &'a threadlens::model::Comment {
    t.comments.iter().find(|c| c.id == id).unwrap_or_else(|| panic!("no comment {id}"))
}

fn diag_lines(t: &Thread, kind: DiagnosticKind) -> Vec<u64> {
    t.diagnostics.iter().filter(|d| d.kind == kind).filter_map(|d| d.line).collect()
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("threadlens-formats-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn reddit_handmade_statuses_and_stubs() {
    let ts = read("reddit/handmade-statuses.json");
    assert_eq!(ts.len(), 1);
    let t = &ts[0];
    assert_eq!(t.post.title.as_deref(), Some("Is this & that true?"));
    assert_eq!(t.post.paragraphs, ["Claim: the bridge was closed in 1990.", "Source: none."]);
    assert_eq!(
        outline(t),
        [
            "c1",
            "  c2 [removed]",
            "  c3 [deleted]",
            "    c4",
            "    continue_c3_5 [placeholder 0]",
            "  more_c9 [placeholder 3]",
            "c5 [author_deleted]",
            "more_c20 [placeholder 12]",
        ]
    );
    // Author-deleted keeps the text; deleted and removed keep none.
    assert_eq!(comment(t, "c5").text, "My account is gone but this text stays.");
    assert_eq!(comment(t, "c5").author, None);
    assert_eq!(comment(t, "c2").text, "");
    // Entities decoded, the `>` line marked as quoted.
    let c1 = comment(t, "c1");
    assert!(c1.text.starts_with("> Claim: the bridge"));
    assert_eq!(c1.quoted(), vec![(0, "> Claim: the bridge was closed in 1990.".len())]);
    assert_eq!(c1.created_at(), Some("1600000100"));
    assert_eq!(c1.score(), Some(5));
    assert_eq!(comment(t, "more_c9").metadata().get("children").map(String::as_str), Some("c9 c10"));
    // The non-object child is record 8 of the listing.
    assert_eq!(diag_lines(t, DiagnosticKind::MalformedRecord), [8]);
}

#[test]
fn reddit_real_ama_thread() {
    let t = &read("reddit/iama-undecided-voter.json")[0];
    assert_eq!(t.post.id.as_deref(), Some("t3_57dw9a"));
    assert_eq!(t.display_id(), "57dw9a");
    assert_eq!(t.comments.len(), 146);
    let count = |f: fn(&CommentStatus) -> bool| t.comments.iter().filter(|c| f(&c.status)).count();
    assert_eq!(count(|s| *s == CommentStatus::AuthorDeleted), 1);
    assert_eq!(count(|s| *s == CommentStatus::Deleted), 5);
    assert_eq!(count(|s| matches!(s, CommentStatus::Placeholder { hidden: 0 })), 1);
    assert_eq!(t.graph.max_depth(), Some(10));
    let reply = t.comments.iter().position(|c| c.id == "d8r79x6").unwrap();
    assert_eq!(t.comments[t.comments[reply].parent.unwrap()].id, "d8r4im1");
    // The "continue this thread" stub hangs under the comment it continues.
    let stub = t.comments.iter().position(|c| c.id.starts_with("continue_")).unwrap();
    assert_eq!(t.comments[t.comments[stub].parent.unwrap()].id, "d8rzxi2");
    // Replies of deleted comments stay in the tree.
    let children = |id: &str| -> Vec<&str> {
        let i = t.comments.iter().position(|c| c.id == id).unwrap();
        t.graph.children(threadlens::graph::Node::Comment(i)).iter().map(|&k| t.comments[k].id.as_str()).collect()
    };
    assert_eq!(comment(t, "d8r9gyy").status, CommentStatus::Deleted);
    assert_eq!(children("d8r9gyy"), ["d8ra666", "d8rb7w6", "d8rbovq", "d8r9nuo"]);
    assert_eq!(comment(t, "d8r8zew").status, CommentStatus::AuthorDeleted);
    assert_eq!(children("d8r8zew"), ["d8r941k", "d8ra73i", "d8rd6fs"]);
    assert!(t.diagnostics.is_empty(), "{:?}", t.diagnostics);
}

#[test]
fn reddit_real_trimmed_thread_keeps_more_stubs() {
    let t = &read("reddit/funny-ba-dum-tsss-trimmed.json")[0];
    let stubs: Vec<(&str, u64, u32)> = t
        .comments
        .iter()
        .filter_map(|c| match c.status {
            CommentStatus::Placeholder { hidden } => Some((c.id.as_str(), hidden, c.depth)),
            _ => None,
        })
        .collect();
    assert_eq!(stubs.len(), 8);
    assert_eq!(stubs.iter().map(|s| s.1).sum::<u64>(), 22);
    assert_eq!(*stubs.last().unwrap(), ("more_cu5tt8h", 9, 0));
    assert_eq!(t.comments.len() - stubs.len(), 104);
}

const PUSHSHIFT_OUTLINE: &[&str] =
    &["p1", "  p2", "gone [missing]", "  p3 [deleted]", "    p5 [author_deleted]", "  p4 [removed]"];

#[test]
fn pushshift_plain_gz_zst_and_long_window_zst_agree() {
    for f in ["RC_2020-09.ndjson", "RC_2020-09.ndjson.gz", "RC_2020-09.ndjson.zst", "RC_2020-09-long31.ndjson.zst"] {
        let ts = read(&format!("pushshift/{f}"));
        assert_eq!(ts.len(), 2, "{f}");
        assert_eq!(ts[0].source.thread_id.as_deref(), Some("xyz"));
        assert_eq!(outline(&ts[0]), PUSHSHIFT_OUTLINE, "{f}");
        assert_eq!(outline(&ts[1]), ["q1", "12345 [missing]", "  q2"], "{f}");
        assert_eq!(diag_lines(&ts[0], DiagnosticKind::MalformedRecord), [5, 9, 10], "{f}");
        assert_eq!(diag_lines(&ts[0], DiagnosticKind::MissingParent), [3], "{f}");
    }
}

#[test]
fn pushshift_type_drift_and_submissions() {
    let opts =
        ReadOptions { submissions: Some(fixture("pushshift/RS_2020-09.ndjson")), ..ReadOptions::new(Format::Auto) };
    let ts = read_path_with(&fixture("pushshift/RC_2020-09.ndjson.zst"), &opts).unwrap();
    let t = &ts[0];
    assert_eq!(t.post.title.as_deref(), Some("A post title"));
    assert_eq!(t.post.paragraphs, ["The post body.", "Second paragraph."]);
    assert_eq!(ts[1].post.title, None);
    let p2 = comment(t, "p2");
    assert_eq!((p2.score(), p2.created_at()), (Some(3), Some("1600000100")));
    let p3 = comment(t, "p3");
    assert_eq!((p3.score(), p3.created_at()), (None, Some("1600000200")));
    assert_eq!(comment(t, "p1").text, "Top level & first.");
    assert_eq!(comment(t, "p1").metadata().get("subreddit").map(String::as_str), Some("test"));
}

#[test]
fn hacker_news_items_array_and_ndjson_agree() {
    for f in ["hn/items.json", "hn/items.ndjson"] {
        let ts = read(f);
        assert_eq!(ts.len(), 2, "{f}");
        let t = &ts[0];
        assert_eq!(t.post.title.as_deref(), Some("Y Combinator"));
        assert_eq!(t.post.metadata.get("url").map(String::as_str), Some("http://ycombinator.com"));
        // `kids` order (103 before 101), deleted and dead kept with their replies.
        assert_eq!(outline(t), ["103 [removed]", "101", "  102 [deleted]", "    104"], "{f}");
        assert_eq!(comment(t, "103").text, "Flagged text & stuff");
        let c = comment(t, "101");
        assert_eq!(c.text, "I disagree.\n\n> quoted claim from the post\n\nSee https://example.com/paper & think.");
        assert_eq!(&c.text[c.quoted()[0].0..c.quoted()[0].1], "> quoted claim from the post");
        assert_eq!(c.created_at(), Some("1160418200"));
        // The second thread hangs under a story the file lacks.
        assert_eq!(ts[1].post.id.as_deref(), Some("200"));
        assert_eq!(outline(&ts[1]), ["201"]);
    }
    assert_eq!(diag_lines(&read("hn/items.json")[0], DiagnosticKind::MalformedRecord), [7]);
    assert_eq!(diag_lines(&read("hn/items.ndjson")[0], DiagnosticKind::MalformedRecord), [4]);
}

#[test]
fn hacker_news_algolia_tree() {
    let ts = read("hn/algolia-item.json");
    let t = &ts[0];
    assert_eq!(t.post.title.as_deref(), Some("Y Combinator"));
    assert_eq!(outline(t), ["101", "  102 [deleted]", "    104", "103"]);
    assert_eq!(comment(t, "101").text, "I disagree.\n\n> quoted claim from the post");
    assert_eq!(comment(t, "104").created_at(), Some("2006-10-09T18:28:20.000Z"));
}

#[test]
fn youtube_info_json() {
    let t = &read("youtube/dQw4w9WgXcQ.info.json")[0];
    assert_eq!(t.post.title.as_deref(), Some("Test video"));
    assert_eq!(t.post.author.as_deref(), Some("Channel Name"));
    assert_eq!(t.post.paragraphs, ["Line one of the description.", "Line two."]);
    assert_eq!(outline(t), ["UgxAAA", "  UgxAAA.BBB", "UgxCCC", "UgxDDD [missing]", "  UgxDDD.EEE"]);
    let c = comment(t, "UgxAAA");
    assert_eq!((c.score(), c.created_at()), (Some(5), Some("1600000000")));
    assert_eq!(c.metadata().get("is_pinned").map(String::as_str), Some("true"));
    assert_eq!(comment(t, "UgxAAA.BBB").metadata().get("author_is_uploader").map(String::as_str), Some("true"));
    assert!(!c.metadata().contains_key("author_thumbnail"));
    assert_eq!(diag_lines(t, DiagnosticKind::MalformedRecord), [5]);
}

/// E-mail addresses and IPs the privacy fixtures carry.
const PRIVATE: &[&str] = &[
    "owner@blog.example.org",
    "ann@mail.example.com",
    "bob@mail.example.com",
    "spammer@spam.example",
    "carol@mail.example.com",
    "dan@mail.example.com",
    "erin@mail.example.com",
    "pills@spam.example",
    "wapuu@wordpress.example",
    "admin@blog.example.org",
    "203.0.113.",
    "198.51.100.",
    "192.0.2.",
];

/// Every serialization of `threads` (model JSON, CSV export, ConvoKit
/// corpus) is free of the private strings.
fn assert_private(threads: &[Thread], name: &str) {
    let mut outputs = vec![serde_json::to_string(threads).unwrap()];
    let mut csv = Vec::new();
    threadlens::export::write_comments_csv(threads, &mut csv).unwrap();
    outputs.push(String::from_utf8(csv).unwrap());
    let dir = temp_dir(name);
    convokit::write_corpus(threads, &dir).unwrap();
    for f in ["utterances.jsonl", "conversations.json", "speakers.json", "index.json"] {
        outputs.push(std::fs::read_to_string(dir.join(f)).unwrap());
    }
    let _ = std::fs::remove_dir_all(&dir);
    for out in &outputs {
        for p in PRIVATE {
            assert!(!out.contains(p), "{name}: {p:?} leaked");
        }
    }
}

#[test]
fn disqus_export_tree_and_privacy() {
    let ts = read("disqus/myblog-export.xml");
    assert_eq!(ts.len(), 1, "threads without posts are left out");
    let t = &ts[0];
    assert_eq!(t.post.title.as_deref(), Some("First post"));
    assert_eq!(t.post.metadata.get("link").map(String::as_str), Some("https://blog.example.org/2020/01/first-post/"));
    assert_eq!(outline(t), ["9001", "  9002", "    9004 [deleted]", "9003 [spam]", "8999 [missing]", "  9005"]);
    assert_eq!(comment(t, "9001").text, "Great post & thanks!\n\nSee this article (https://x.example.net/a).");
    let c = comment(t, "9002");
    assert_eq!(&c.text[c.quoted()[0].0..c.quoted()[0].1], "Great post");
    assert_eq!(c.author.as_deref(), Some("Bob"));
    assert_eq!(diag_lines(t, DiagnosticKind::MalformedRecord), [121]);
    assert_private(&ts, "disqus");
}

#[test]
fn wordpress_wxr_tree_pingbacks_and_privacy() {
    let ts = read("wordpress/blog.wordpress.2020-01-10.xml");
    assert_eq!(ts.len(), 1, "items without comments are left out");
    let t = &ts[0];
    assert_eq!(t.post.title.as_deref(), Some("Hello world!"));
    assert_eq!(
        t.post.paragraphs,
        ["Welcome to WordPress. This is your first post.", "Edit or delete it, then start writing!"]
    );
    assert_eq!(outline(t), ["1", "  2", "5 [spam]", "7 [removed]", "  6", "42 [missing]", "  8"]);
    assert_eq!(
        comment(t, "1").text,
        "Hi, this is a comment.\nTo get started with moderating, editing, and deleting comments, please visit the Comments screen in the dashboard.\n\nSecond paragraph & more."
    );
    assert_eq!(comment(t, "6").metadata().get("approved").map(String::as_str), Some("0"));
    assert_eq!(diag_lines(t, DiagnosticKind::SkippedRecord), [87, 101]);
    assert_private(&ts, "wordpress");

    let opts = ReadOptions { include_pingbacks: true, ..ReadOptions::new(Format::Auto) };
    let ts = read_path_with(&fixture("wordpress/blog.wordpress.2020-01-10.xml"), &opts).unwrap();
    let t = &ts[0];
    assert_eq!(comment(t, "3").metadata().get("comment_type").map(String::as_str), Some("pingback"));
    assert_eq!(comment(t, "3").text, "[…] as the first post says […]");
    assert_eq!(t.comments.len(), 9);
    assert_private(&ts, "wordpress-pingbacks");
}

#[test]
fn mbox_jwz_threads_with_phantoms_and_quotes() {
    let ts = read("mbox/list-2020-01.mbox");
    assert_eq!(ts.len(), 3);
    let t = &ts[0];
    assert_eq!(t.post.id.as_deref(), Some("m1@example.org"));
    assert_eq!(t.post.title.as_deref(), Some("[dev] Proposal: switch to tabs"));
    assert_eq!(t.post.author.as_deref(), Some("Alice Example"));
    assert_eq!(t.post.paragraphs, ["I propose we switch the code base to tabs.", "From the start this was the plan."]);
    assert_eq!(
        outline(t),
        ["m2@example.org", "  m4@example.org", "m-missing@example.org [missing]", "  m3@example.org"]
    );
    let bob = comment(t, "m2@example.org");
    assert_eq!(bob.author.as_deref(), Some("Bob Builder"));
    assert_eq!(&bob.text[bob.quoted()[0].0..bob.quoted()[0].1], "> I propose we switch the code base to tabs.");
    assert!(!bob.text[bob.quoted()[0].1..].contains('>'));
    let carol = comment(t, "m3@example.org");
    assert_eq!(carol.author.as_deref(), Some("Carol Café"));
    assert!(carol
        .text
        .starts_with("Replying to a message the archive lacks. Café is on me. This line is soft-wrapped."));
    assert_eq!(comment(t, "m4@example.org").text, "Plain part wins.");
    // A thread whose starter is in another month's archive.
    assert_eq!(ts[1].post.id.as_deref(), Some("dec-root@example.org"));
    assert_eq!(ts[1].post.metadata.get("status").map(String::as_str), Some("missing"));
    assert_eq!(outline(&ts[1]), ["m5@example.org"]);
    assert_eq!(ts[2].post.title.as_deref(), Some("A message without an id"));
    assert_eq!(ts[2].post.id.as_deref(), Some("mbox-message-6@line-74"));
}

#[test]
fn mbox_that_is_not_utf8_is_read_lossily() {
    let mut bytes = std::fs::read(fixture("mbox/list-2020-01.mbox")).unwrap();
    bytes.extend_from_slice(b"\nFrom x@y Tue Jan  7 11:00:00 2020\nFrom: Zo\xe9 <z@y>\nMessage-ID: <m9@example.org>\nIn-Reply-To: <m2@example.org>\n\nCaf\xe9.\n");
    let ts = read::read_bytes(&bytes, "latin1.mbox", Format::Auto).unwrap();
    let c = comment(&ts[0], "m9@example.org");
    assert_eq!(c.text, "Caf\u{fffd}.");
    assert_eq!(c.author.as_deref(), Some("Zo\u{fffd}"));
    assert_eq!(ts[0].comments[c.parent.unwrap()].id, "m2@example.org");
}

#[test]
fn convokit_corpus_folder() {
    let ts = read("convokit/small-corpus");
    assert_eq!(ts.len(), 2);
    let t = &ts[0];
    assert_eq!(t.post.title.as_deref(), Some("A test submission"));
    assert_eq!(t.post.author.as_deref(), Some("op_user"));
    assert_eq!(t.post.paragraphs, ["Original post body."]);
    assert_eq!(outline(t), ["u1", "  u2", "u9 [missing]", "  u3"]);
    let u1 = comment(t, "u1");
    assert_eq!((u1.score(), u1.created_at()), (Some(3), Some("1500000100")));
    assert_eq!(u1.metadata().get("gildings").map(String::as_str), Some("{\"gid_1\":0}"));
    assert_eq!(outline(&ts[1]), ["c2"]);
    assert_eq!(comment(&ts[1], "c2").author.as_deref(), Some("y"));
    assert_eq!(diag_lines(t, DiagnosticKind::MalformedRecord), [7]);
}

/// A comment's id, author, text, score and time.
type CommentEssentials = (String, Option<String>, String, Option<i64>, Option<String>);

/// What a round trip must keep of each thread: post id, outline, comments.
fn essentials(ts: &[Thread]) -> Vec<(String, Vec<String>, Vec<CommentEssentials>)> {
    ts.iter()
        .map(|t| {
            let comments = t
                .comments
                .iter()
                .map(|c| {
                    (c.id.clone(), c.author.clone(), c.text.clone(), c.score(), c.created_at().map(str::to_string))
                })
                .collect();
            (t.post.id.clone().unwrap_or_default(), outline(t), comments)
        })
        .collect()
}

#[test]
fn convokit_round_trips() {
    for (rel, name) in [
        ("convokit/small-corpus", "rt-convokit"),
        ("reddit/handmade-statuses.json", "rt-reddit"),
        ("mbox/list-2020-01.mbox", "rt-mbox"),
    ] {
        let before = read(rel);
        let dir = temp_dir(name);
        convokit::write_corpus(&before, &dir).unwrap();
        let after = read_path_with(&dir, &ReadOptions::new(Format::Auto)).unwrap();
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(essentials(&after), essentials(&before), "{rel}");
        assert_eq!(after[0].post.title, before[0].post.title, "{rel}");
        assert_eq!(after[0].post.date, before[0].post.date, "{rel}");
    }
}

/// One fixture per reader, with the format that reads it.
const PER_READER: &[(&str, Format)] = &[
    ("reddit/handmade-statuses.json", Format::Reddit),
    ("pushshift/RC_2020-09.ndjson", Format::Pushshift),
    ("hn/items.json", Format::Hn),
    ("hn/algolia-item.json", Format::Hn),
    ("youtube/dQw4w9WgXcQ.info.json", Format::Youtube),
    ("disqus/myblog-export.xml", Format::Disqus),
    ("wordpress/blog.wordpress.2020-01-10.xml", Format::Wordpress),
    ("mbox/list-2020-01.mbox", Format::Mbox),
    ("convokit/small-corpus/utterances.jsonl", Format::Convokit),
];

#[test]
fn detection_by_content() {
    let more = [
        ("reddit/iama-undecided-voter.json", Format::Reddit),
        ("pushshift/RC_2020-09.ndjson.zst", Format::Pushshift),
        ("hn/items.ndjson", Format::Hn),
    ];
    let cases = PER_READER.iter().copied().chain(more);
    for (rel, want) in cases {
        let raw = std::fs::read(fixture(rel)).unwrap();
        let bytes = read::compress::decompress(&raw, rel).unwrap();
        let text = std::str::from_utf8(&bytes).unwrap();
        assert_eq!(detect(text, rel).unwrap(), want, "{rel}");
    }
    // The foundation's formats still win on their own inputs: saved HTML
    // pages and seeds are text.
    let html =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/browser/thread.html")).unwrap();
    assert_eq!(detect(&html, "thread.html").unwrap(), Format::Text);
    for seed in std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/seeds")).unwrap() {
        let path = seed.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(detect(&text, &path.to_string_lossy()).unwrap(), Format::Text, "{}", path.display());
    }
    assert_eq!(detect("{\"id\": 1, \"parent_id\": null, \"text\": \"x\"}\n", "e.jsonl").unwrap(), Format::Jsonl);
    // Ambiguous and unknown shapes say so.
    let e =
        detect("{\"id\": 1, \"link_id\": \"t3_x\", \"body\": \"b\", \"by\": \"u\", \"kids\": []}\n", "x").unwrap_err();
    assert!(e.to_string().contains("fit several formats") && e.to_string().contains("pass --format"), "{e}");
    let e = detect("<?xml version=\"1.0\"?>\n<feed></feed>\n", "x.xml").unwrap_err();
    assert!(e.to_string().contains("root <feed>"), "{e}");
}

#[test]
fn utterances_file_named_directly_reads_its_folder() {
    let ts = read("convokit/small-corpus/utterances.jsonl");
    assert_eq!(ts[0].post.title.as_deref(), Some("A test submission"), "conversations.json was read");
}

#[test]
fn pushshift_stream_errors_and_bad_bytes() {
    let dir = temp_dir("stream");
    std::fs::create_dir_all(&dir).unwrap();
    // A cut zstd stream is an error naming the file, not a partial read.
    let zst = std::fs::read(fixture("pushshift/RC_2020-09-long31.ndjson.zst")).unwrap();
    let cut = dir.join("cut.ndjson.zst");
    std::fs::write(&cut, &zst[..zst.len() - 8]).unwrap();
    let e = read_path_with(&cut, &ReadOptions::new(Format::Pushshift)).unwrap_err();
    assert!(e.to_string().starts_with(&format!("{}", cut.display())), "{e}");
    // A line that is not UTF-8 is skipped with a diagnostic; the rest is read.
    let mut bytes = std::fs::read(fixture("pushshift/RC_2020-09.ndjson")).unwrap();
    bytes.extend_from_slice(b"{\"id\":\"z9\",\"link_id\":\"t3_xyz\",\"body\":\"caf\xe9\"}\n");
    let bad = dir.join("latin1.ndjson");
    std::fs::write(&bad, &bytes).unwrap();
    let ts = read_path_with(&bad, &ReadOptions::new(Format::Auto)).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(outline(&ts[0]), PUSHSHIFT_OUTLINE);
    let last = ts[0].diagnostics.iter().find(|d| d.line == Some(11)).expect("line 11 diagnostic");
    assert_eq!(last.message, "line is not UTF-8; skipped");
}

#[test]
fn directories_of_neither_kind_are_an_error() {
    let e = read_path_with(&fixture("hn"), &ReadOptions::new(Format::Auto)).unwrap_err();
    assert!(e.to_string().contains("ConvoKit corpus (utterances.jsonl) or RumourEval thread folders"), "{e}");
}

#[test]
fn truncated_inputs_never_panic() {
    for &(rel, format) in PER_READER {
        let bytes = std::fs::read(fixture(rel)).unwrap();
        let step = (bytes.len() / 40).max(1);
        for cut in (1..bytes.len()).step_by(step) {
            for f in [format, Format::Auto] {
                // Errors are fine; panics are not.
                let _ = read::read_bytes(&bytes[..cut], rel, f);
            }
        }
    }
}

#[test]
fn deep_json_nesting_is_an_error_not_a_crash() {
    // 5,000 nested Algolia children: serde_json stops at its recursion limit.
    let mut s = String::from("{\"id\":1,\"type\":\"story\",\"title\":\"t\",\"children\":[");
    for i in 0..5000 {
        s.push_str(&format!("{{\"id\":{},\"type\":\"comment\",\"author\":\"a\",\"text\":\"x\",\"children\":[", i + 2));
    }
    s.push_str(&"]}".repeat(5000));
    s.push_str("]}");
    let e = read::read_bytes(s.as_bytes(), "deep.json", Format::Hn).unwrap_err();
    assert!(e.to_string().contains("recursion limit"), "{e}");
}

#[test]
fn cli_strict_summary_and_convokit_export() {
    let run = |args: &[&str]| threadlens::cli::run(std::iter::once("threadlens").chain(args.iter().copied()));
    let iama = fixture("reddit/iama-undecided-voter.json");
    let handmade = fixture("reddit/handmade-statuses.json");
    assert_eq!(run(&["export", iama.to_str().unwrap(), "--strict", "-o", "/dev/null"]), 0);
    assert_eq!(run(&["export", handmade.to_str().unwrap(), "--strict", "-o", "/dev/null"]), 1);
    assert_eq!(run(&["export", handmade.to_str().unwrap(), "-o", "/dev/null"]), 0);
    assert_eq!(
        threadlens::cli::summary(&read("reddit/handmade-statuses.json")),
        "reddit: 1 thread, 5 comments read, 3 placeholders hiding 15 comments, 1 record skipped (1 malformed)"
    );
    assert_eq!(
        threadlens::cli::summary(&read("wordpress/blog.wordpress.2020-01-10.xml")),
        "wordpress: 1 thread, 6 comments read, 1 missing parent, 2 records skipped (1 pingback, 1 trackback)"
    );
    let dir = temp_dir("cli-export");
    assert_eq!(run(&["export", handmade.to_str().unwrap(), "--to", "convokit", "-o", dir.to_str().unwrap()]), 0);
    let utterances = std::fs::read_to_string(dir.join("utterances.jsonl")).unwrap();
    assert_eq!(utterances.lines().count(), 9, "the post plus 8 comments");
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(run(&["export", handmade.to_str().unwrap(), "--to", "convokit"]), 1, "-o DIR is required");
}

proptest::proptest! {
    #![proptest_config(proptest::test_runner::Config::with_cases(300))]

    /// A real fixture's start followed by JSON / XML / mail-ish noise never
    /// makes a platform reader panic, whatever format it is read as.
    #[test]
    fn fixture_prefix_plus_noise_never_panics(
        which in 0usize..9,
        keep in 0usize..400,
        noise in "[\\[\\]{}\",:a-z0-9<>/!&#;=_ \n\t\\\\-]{0,300}",
        format in 0usize..10,
    ) {
        let formats = [
            Format::Auto, Format::Reddit, Format::Pushshift, Format::Hn, Format::Youtube,
            Format::Disqus, Format::Wordpress, Format::Mbox, Format::Convokit, Format::Jsonl,
        ];
        let rel = PER_READER[which % PER_READER.len()].0;
        let mut bytes = std::fs::read(fixture(rel)).unwrap();
        bytes.truncate(keep);
        bytes.extend_from_slice(noise.as_bytes());
        let _ = read::read_bytes(&bytes, rel, formats[format]);
    }
}

/// A reply chain `depth` long in each record format reads in linear time
/// without recursion: the last comment ends up `depth - 1` deep.
#[test]
fn deep_reply_chains_through_record_readers() {
    const N: usize = 100_000;
    let mut pushshift = String::new();
    let mut hn = String::from("{\"id\": 0, \"type\": \"story\", \"title\": \"t\", \"by\": \"op\", \"kids\": [1]}\n");
    let mut mbox = String::new();
    for i in 1..=N {
        let parent = if i == 1 { "t3_s".to_string() } else { format!("t1_c{}", i - 1) };
        pushshift.push_str(&format!(
            "{{\"id\":\"c{i}\",\"parent_id\":\"{parent}\",\"link_id\":\"t3_s\",\"author\":\"a\",\"body\":\"x\"}}\n"
        ));
        hn.push_str(&format!(
            "{{\"id\": {i}, \"type\": \"comment\", \"by\": \"a\", \"parent\": {}, \"kids\": [{}], \"text\": \"x\"}}\n",
            i - 1,
            i + 1
        ));
    }
    for i in 0..N / 5 {
        let irt = if i == 0 { String::new() } else { format!("In-Reply-To: <m{}@x>\n", i - 1) };
        mbox.push_str(&format!(
            "From a@x Mon Jan  6 10:00:00 2020\nFrom: a@x\nMessage-ID: <m{i}@x>\n{irt}\nbody {i}\n\n"
        ));
    }
    for (text, format, depth) in
        [(&pushshift, Format::Pushshift, N - 1), (&hn, Format::Hn, N - 1), (&mbox, Format::Mbox, N / 5 - 2)]
    {
        let ts = read::read_bytes(text.as_bytes(), "deep", format).unwrap();
        assert_eq!(ts.len(), 1, "{format:?}");
        assert_eq!(ts[0].graph.max_depth(), Some(depth as u32), "{format:?}");
        assert!(ts[0].diagnostics.is_empty(), "{format:?}: {:?}", &ts[0].diagnostics[..1]);
    }
}
