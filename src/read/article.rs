//! The article part of a scraped page: title, byline, dates, site metadata,
//! body paragraphs, and the site's footer kept apart as boilerplate.
//!
//! The rules are deliberately few and anchored on line starts, so a body
//! sentence that merely mentions "copyright" stays in the body. Every
//! non-blank line gets exactly one [`LineRole`].

use std::sync::LazyLock;

use regex::Regex;

use crate::model::{LineRole, LineSpan, Post};

/// A line that starts the site footer: everything after it in the article
/// region is boilerplate.
static FOOTER_START: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?ix)^\W*(
            the\ original\ source\ of\ this\ article\ is
          | copyright\s*(©|\(c\))
          | \**disclaimer\b
          | comment\ on\ .{0,80}\ facebook\ page
          | become\ a\ member\ of
          | articles\ by:
          | for\ media\ inquiries
        )",
    )
    .expect("footer pattern compiles")
});

/// Single lines of site chrome that may sit anywhere in the article.
static CHROME_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?ix)^\W*(
            (featured\ image|all\ images\ in\ this\ article)\b.{0,200}$
          | this\ article\ (first|originally)\ appeared\ (on|at)\b.{0,120}$
          | (-{3,}|\*{3,}|_{3,})$
          | (share|tweet|print|email)(\s*[|·•]\s*(share|tweet|print|email))+$
        )",
    )
    .expect("chrome pattern compiles")
});

static METADATA: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^(region|theme|in-depth report|tags?|categor(?:y|ies)|topics?|filed under|source)\s*:\s*(.+)$")
        .expect("metadata pattern compiles")
});

static BYLINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^(?:written\s+)?by\s+(.{2,120}?)(?:[;,|]\s*(.*))?$").expect("byline pattern compiles")
});

const MONTHS: &str = "january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec";

/// A date line: "JULY 2020", "September 26, 2017", "Global Research,
/// September 26, 2017", "2017-09-26", "25 September 2017".
static DATE_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?ix)^(?:[^,]{{0,60}},\s*)?(?:
            (?:{MONTHS})\.?\s+(?:\d{{1,2}}(?:st|nd|rd|th)?,?\s+)?\d{{4}}
          | \d{{1,2}}\s+(?:{MONTHS})\.?,?\s+\d{{4}}
          | \d{{4}}-\d{{2}}-\d{{2}}
        )\s*$"
    ))
    .expect("date pattern compiles")
});

/// A markdown link `[text](target)`: reduced to its text.
static MD_LINK: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\[([^\]]*)\]\([^)]*\)").expect("link pattern compiles"));

/// Reduce markdown links to their text and drop emphasis markers and
/// heading hashes, so the article reads as prose.
pub fn clean_markup(line: &str) -> String {
    let line = line.trim();
    let line = line.trim_start_matches('#').trim_start();
    let unlinked = MD_LINK.replace_all(line, "$1");
    let mut s = unlinked.replace("**", "");
    if s.len() > 2 && s.starts_with('*') && s.ends_with('*') && !s.starts_with("**") {
        s = s[1..s.len() - 1].to_string();
    }
    // Markdown hard breaks are two trailing spaces; trim handles them.
    s.trim().to_string()
}

/// True when a line is a date line (used for the post date).
pub fn is_date_line(line: &str) -> bool {
    DATE_LINE.is_match(line.trim())
}

/// Is this line site chrome or the start of the footer? Used by the
/// comment reader for lines after the comment section.
pub fn is_boilerplate_line(line: &str) -> bool {
    let l = clean_markup(line);
    FOOTER_START.is_match(&l) || CHROME_LINE.is_match(&l)
}

/// Parse the article region `lines` (the page lines before the comment
/// section, `first_line` being the 1-based number of `lines[0]`).
///
/// Fills `post` and writes one role per line into `roles` (indexed by
/// line − 1).
pub fn parse_article(lines: &[&str], first_line: u64, post: &mut Post, roles: &mut [LineRole]) {
    let mut in_footer = false;
    let mut paragraph: Vec<String> = Vec::new();
    let mut first: Option<u64> = None;
    // A metadata value ending in a comma continues on the next line.
    let mut continues: Option<String> = None;
    let mut last: u64 = 0;
    let flush = |paragraph: &mut Vec<String>, post: &mut Post| {
        if !paragraph.is_empty() {
            post.paragraphs.push(paragraph.join("\n"));
            paragraph.clear();
        }
    };
    for (i, raw) in lines.iter().enumerate() {
        let n = first_line + i as u64;
        let role_slot = (n - 1) as usize;
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            flush(&mut paragraph, post);
            roles[role_slot] = LineRole::Blank;
            continue;
        }
        first.get_or_insert(n);
        last = n;
        let text = clean_markup(trimmed);
        if in_footer || FOOTER_START.is_match(&text) {
            in_footer = true;
            flush(&mut paragraph, post);
            post.boilerplate.push(text);
            roles[role_slot] = LineRole::Boilerplate;
            continue;
        }
        if CHROME_LINE.is_match(&text) {
            flush(&mut paragraph, post);
            if !text.chars().all(|c| matches!(c, '-' | '*' | '_')) {
                post.boilerplate.push(text);
            }
            roles[role_slot] = LineRole::Boilerplate;
            continue;
        }
        let no_body_yet = post.paragraphs.is_empty() && paragraph.is_empty();
        if let Some(key) = continues.take() {
            if no_body_yet && !METADATA.is_match(&text) {
                let value = text.trim_end_matches(',').trim();
                if let Some(v) = post.metadata.get_mut(&key) {
                    v.push_str(", ");
                    v.push_str(value);
                }
                if text.ends_with(',') {
                    continues = Some(key);
                }
                roles[role_slot] = LineRole::ArticleHeader;
                continue;
            }
        }
        // A byline may follow a photo caption, so it is looked for in the
        // first paragraphs, not only before the body.
        if post.author.is_none() && post.paragraphs.len() <= 2 {
            if let Some(m) = BYLINE.captures(&text) {
                flush(&mut paragraph, post);
                post.author = Some(m[1].trim().to_string());
                if let Some(rest) = m.get(2).filter(|r| !r.as_str().trim().is_empty()) {
                    post.metadata.insert("byline_note".into(), rest.as_str().trim().to_string());
                }
                roles[role_slot] = LineRole::ArticleHeader;
                continue;
            }
        }
        if no_body_yet {
            if let Some(m) = METADATA.captures(&text) {
                let key = m[1].to_lowercase();
                if m[2].trim_end().ends_with(',') {
                    continues = Some(key.clone());
                }
                let value = m[2].trim().trim_end_matches(',').to_string();
                post.metadata
                    .entry(key)
                    .and_modify(|v| {
                        v.push_str(", ");
                        v.push_str(&value)
                    })
                    .or_insert(value);
                roles[role_slot] = LineRole::ArticleHeader;
                continue;
            }
            if post.date.is_none() && DATE_LINE.is_match(&text) {
                post.date = Some(text);
                roles[role_slot] = LineRole::ArticleHeader;
                continue;
            }
            if post.title.is_none() && looks_like_title(&text) {
                post.title = Some(text);
                roles[role_slot] = LineRole::ArticleHeader;
                continue;
            }
            // A second dateline ("The Saker 25 September 2017") after the
            // title, before any body: site metadata.
            if post.title.is_some() && ends_with_date(&text) && text.len() < 120 {
                post.metadata.insert("dateline".into(), text);
                roles[role_slot] = LineRole::ArticleHeader;
                continue;
            }
        }
        paragraph.push(text);
        roles[role_slot] = LineRole::ArticleBody;
    }
    flush(&mut paragraph, post);
    if let Some(f) = first {
        post.lines = Some(LineSpan { start: f, end: last });
    }
}

fn looks_like_title(text: &str) -> bool {
    let t = text.trim();
    !t.is_empty() && t.chars().count() <= 200 && !t.ends_with('.')
}

fn ends_with_date(text: &str) -> bool {
    static TRAILING_DATE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(&format!(r"(?i)(\d{{1,2}}\s+(?:{MONTHS})\.?\s+\d{{4}}|(?:{MONTHS})\.?\s+\d{{1,2}},?\s+\d{{4}})\s*$"))
            .expect("trailing date compiles")
    });
    TRAILING_DATE.is_match(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> (Post, Vec<LineRole>) {
        let lines: Vec<&str> = text.lines().collect();
        let mut roles = vec![LineRole::Blank; lines.len()];
        let mut post = Post::default();
        parse_article(&lines, 1, &mut post, &mut roles);
        (post, roles)
    }

    #[test]
    fn markdown_header_and_footer() {
        let (post, roles) = parse(
            "# A Title\n\nBy [Jane Roe](#)\n\nGlobal Research, September 26, 2017\n\nRegion: [Middle East](#), [Russia](#)\n\nFirst [linked](#) paragraph.\n\nSecond one.\n\n---\n\nThe original source of this article is [X](#)\nCopyright © X, 2017\n",
        );
        assert_eq!(post.title.as_deref(), Some("A Title"));
        assert_eq!(post.author.as_deref(), Some("Jane Roe"));
        assert_eq!(post.date.as_deref(), Some("Global Research, September 26, 2017"));
        assert_eq!(post.metadata.get("region").map(String::as_str), Some("Middle East, Russia"));
        assert_eq!(post.paragraphs, vec!["First linked paragraph.", "Second one."]);
        assert_eq!(post.boilerplate, vec!["The original source of this article is X", "Copyright © X, 2017"]);
        assert_eq!(roles.iter().filter(|r| **r == LineRole::Boilerplate).count(), 3);
    }

    #[test]
    fn plain_header() {
        let (post, _) = parse("JULY 2020\n\nVery Dangerous Escalation\n\nWritten by The Saker; Originally appeared at his blog\n\nBody.\n");
        assert_eq!(post.date.as_deref(), Some("JULY 2020"));
        assert_eq!(post.title.as_deref(), Some("Very Dangerous Escalation"));
        assert_eq!(post.author.as_deref(), Some("The Saker"));
        assert_eq!(post.metadata.get("byline_note").map(String::as_str), Some("Originally appeared at his blog"));
    }

    #[test]
    fn copyright_mid_sentence_stays_in_body() {
        let (post, _) = parse("Title\n\nThe copyright © law says nothing here.\n");
        assert_eq!(post.paragraphs.len(), 1);
        assert!(post.boilerplate.is_empty());
    }
}
