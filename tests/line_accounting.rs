//! Every non-blank input line of a text fixture ends up in exactly one
//! place, and the text of each comment line is in that comment.

use std::path::PathBuf;

use threadlens::model::LineRole;

use crate::util::{fixture, read_one};

fn text_fixtures() -> Vec<PathBuf> {
    let mut out = Vec::new();
    for dir in ["seeds", "browser", "text"] {
        let Ok(entries) = std::fs::read_dir(fixture(dir)) else { continue };
        for e in entries {
            let p = e.unwrap().path();
            let name = p.file_name().unwrap().to_string_lossy().to_string();
            if name.ends_with(".txt")
                && !name.contains("expected")
                && std::str::from_utf8(&std::fs::read(&p).unwrap()).is_ok()
            {
                out.push(p);
            }
        }
    }
    out.sort();
    assert!(out.len() >= 10, "found {} text fixtures", out.len());
    out
}

#[test]
fn every_non_blank_line_is_placed() {
    for path in text_fixtures() {
        let t = read_one(&path);
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(t.line_roles.len(), lines.len(), "{}", path.display());
        for (i, line) in lines.iter().enumerate() {
            let role = t.line_roles.get(i).unwrap();
            let where_ = format!("{}:{}", path.display(), i + 1);
            if line.trim().is_empty() {
                assert_eq!(role, LineRole::Blank, "{where_}");
                continue;
            }
            match role {
                LineRole::Blank => panic!("{where_}: non-blank line has no place: {line:?}"),
                LineRole::CommentBody(c) => {
                    let body = &t.comments[c].text;
                    let content = line.trim();
                    let content = content.trim_end_matches("Read more »").trim_end();
                    assert!(body.contains(content), "{where_}: body of comment {c} lacks {content:?}");
                }
                LineRole::CommentHeader(c) => assert!(c < t.comments.len(), "{where_}"),
                LineRole::Diagnostic => {
                    assert!(
                        t.diagnostics.iter().any(|d| d.line == Some(i as u64 + 1) && d.text.is_some()),
                        "{where_}: no diagnostic keeps this line"
                    );
                }
                LineRole::ArticleHeader | LineRole::ArticleBody | LineRole::Boilerplate => {}
            }
        }
    }
}
