//! The same thread saved by w3m, lynx and html2text reads as the same tree.

use crate::util::{fixture, outline, read_one};

fn expected() -> Vec<String> {
    std::fs::read_to_string(fixture("browser/thread.expected.txt")).unwrap().lines().map(str::to_string).collect()
}

#[test]
fn browser_dumps_give_the_expected_tree() {
    let want = expected();
    assert_eq!(want.len(), 14);
    for name in ["w3m", "lynx", "html2text", "html2text.pretty", "w3m.c-locale", "html2text.no-utf8"] {
        let t = read_one(&fixture(&format!("browser/thread.{name}.txt")));
        let got = outline(&t);
        // The locale-damaged dumps garble names, not structure: compare depths.
        if name.contains("locale") || name.contains("no-utf8") {
            let depths = |v: &[String]| v.iter().map(|l| l.split(' ').next().unwrap().to_string()).collect::<Vec<_>>();
            assert_eq!(depths(&got), depths(&want), "{name}");
        } else {
            assert_eq!(got, want, "{name}");
        }
        assert_eq!(t.post.title.as_deref(), Some("City council approves new tram line"), "{name}");
    }
}

#[test]
fn author_line_chrome_goes_to_metadata() {
    let t = read_one(&fixture("browser/thread.w3m.txt"));
    let c = t.comments.iter().find(|c| c.author.as_deref() == Some("χρηστος")).unwrap();
    assert_eq!(c.created_at(), Some("3 hours ago"));
    let c = t.comments.iter().find(|c| c.author.as_deref() == Some("Putin’s baby")).unwrap();
    assert_eq!(c.score(), Some(12));
    assert_eq!(c.metadata().get("chrome").map(String::as_str), Some("Reply"));
}

#[test]
fn lynx_dump_that_is_not_utf8_is_an_error_with_position() {
    let out = crate::util::threadlens(&["tree", fixture("browser/thread.lynx.c-locale.txt").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("thread.lynx.c-locale.txt:31: input is not valid UTF-8 (byte offset"), "{err}");
}
