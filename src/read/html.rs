//! HTML comment bodies to plain text, and quoted-text ranges.
//!
//! Hacker News, Disqus and WordPress store comment bodies as HTML; Reddit
//! escapes `&`, `<` and `>` in its Markdown. [`to_text`] turns such a body
//! into the plain text the analyses read: tags dropped, entities decoded,
//! paragraphs separated by a blank line, links kept as `label (url)` (or the
//! bare url when the label is the url), and `<blockquote>` contents reported
//! as quoted byte ranges. It is a small tolerant scanner, not a full HTML
//! parser: a `<` that does not open a tag is kept as text.

/// Plain text with the byte ranges that quote someone else.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PlainText {
    /// The text.
    pub text: String,
    /// Byte ranges of `text` that are quotations, sorted and disjoint.
    pub quoted: Vec<(usize, usize)>,
}

/// How raw newlines in the HTML source are treated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Newlines {
    /// As spaces, like a browser (Hacker News, Disqus).
    Collapse,
    /// As line breaks, a blank line as a paragraph break (WordPress, which
    /// stores comments with raw newlines and adds `<p>` only on display).
    Keep,
}

/// Tags whose start or end begins a new paragraph.
const BLOCK_TAGS: &[&str] = &[
    "p",
    "div",
    "blockquote",
    "pre",
    "ul",
    "ol",
    "li",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "table",
    "tr",
    "hr",
    "section",
    "article",
    "dl",
    "dt",
    "dd",
];

/// Builds the output, collapsing whitespace as it goes so byte offsets
/// recorded along the way stay valid.
struct Out {
    text: String,
    /// 0 nothing pending, 1 a space, 2 a line break, 3 a paragraph break.
    pending: u8,
    quote_depth: u32,
    quote_start: Option<usize>,
    quoted: Vec<(usize, usize)>,
}

impl Out {
    fn gap(&mut self, level: u8) {
        self.pending = self.pending.max(level);
    }

    fn push(&mut self, ch: char) {
        if !self.text.is_empty() {
            match self.pending {
                1 => self.text.push(' '),
                2 => self.text.push('\n'),
                3 => self.text.push_str("\n\n"),
                _ => {}
            }
        }
        self.pending = 0;
        if self.quote_depth > 0 && self.quote_start.is_none() {
            self.quote_start = Some(self.text.len());
        }
        self.text.push(ch);
    }

    /// Where the next pushed character will land.
    fn next_pos(&self) -> usize {
        let gap = match (self.text.is_empty(), self.pending) {
            (true, _) | (_, 0) => 0,
            (_, 3) => 2,
            _ => 1,
        };
        self.text.len() + gap
    }

    fn push_str(&mut self, s: &str) {
        for ch in s.chars() {
            self.push(ch);
        }
    }

    fn open_quote(&mut self) {
        self.quote_depth += 1;
    }

    fn close_quote(&mut self) {
        if self.quote_depth == 0 {
            return;
        }
        self.quote_depth -= 1;
        if self.quote_depth == 0 {
            if let Some(start) = self.quote_start.take() {
                self.quoted.push((start, self.text.len()));
            }
        }
    }
}

/// Convert an HTML fragment to plain text (see the module docs).
pub fn to_text(html: &str, newlines: Newlines) -> PlainText {
    let mut out = Out { text: String::new(), pending: 0, quote_depth: 0, quote_start: None, quoted: Vec::new() };
    let mut pre = 0u32;
    let mut skip_until: Option<&'static str> = None;
    let mut link: Option<(String, usize)> = None;
    let mut rest = html;
    while !rest.is_empty() {
        if let Some(tag_src) = rest.strip_prefix('<').and_then(|r| tag_body(r)) {
            rest = &rest[tag_src.len() + 2..];
            let tag = Tag::parse(tag_src);
            if let Some(end) = skip_until {
                if tag.closing && tag.name == end {
                    skip_until = None;
                }
                continue;
            }
            match tag.name.as_str() {
                "script" | "style" if !tag.closing => {
                    skip_until = Some(if tag.name == "script" { "script" } else { "style" })
                }
                "br" => out.gap(2),
                "pre" => {
                    out.gap(3);
                    pre = if tag.closing { pre.saturating_sub(1) } else { pre + 1 };
                }
                "blockquote" => {
                    out.gap(3);
                    if tag.closing {
                        out.close_quote();
                    } else {
                        out.open_quote();
                    }
                }
                "li" if !tag.closing => {
                    out.gap(2);
                    out.push_str("- ");
                }
                "a" if !tag.closing => {
                    let href = tag.href.map(|h| decode_entities(&h)).unwrap_or_default();
                    link = Some((href, out.next_pos()));
                }
                "a" => {
                    if let Some((href, start)) = link.take() {
                        let label = out.text.get(start.min(out.text.len())..).unwrap_or("").to_string();
                        if href.is_empty() || href.starts_with('#') || same_link(&label, &href) {
                            // Nothing to add: the label says it all.
                        } else if is_shortened(&label, &href) && start <= out.text.len() {
                            // Hacker News shortens long link labels; keep the full url.
                            out.text.truncate(start);
                            out.push_str(&href);
                        } else if label.trim().is_empty() {
                            out.push_str(&href);
                        } else {
                            out.push_str(" (");
                            out.push_str(&href);
                            out.push(')');
                        }
                    }
                }
                name if BLOCK_TAGS.contains(&name) => out.gap(if name == "li" { 2 } else { 3 }),
                _ => {}
            }
            continue;
        }
        // Text up to the next tag (or a lone `<`).
        let first_len = rest.chars().next().map_or(1, char::len_utf8);
        let next = rest[first_len..].find('<').map_or(rest.len(), |i| i + first_len);
        let chunk = &rest[..next];
        rest = &rest[next..];
        if skip_until.is_some() {
            continue;
        }
        let decoded = decode_entities(chunk);
        for ch in decoded.chars() {
            match ch {
                '\n' if pre > 0 => out.gap(2),
                '\n' if newlines == Newlines::Keep => {
                    // A second newline in a row makes a paragraph break.
                    out.gap(if out.pending >= 2 { 3 } else { 2 });
                }
                '\r' => {}
                c if c.is_whitespace() && pre == 0 => out.gap(1),
                '\u{a0}' => out.gap(1),
                c => out.push(c),
            }
        }
    }
    while out.quote_depth > 0 {
        out.close_quote();
    }
    let mut quoted = out.quoted;
    quoted.extend(quoted_lines(&out.text));
    PlainText { text: out.text, quoted: merge_ranges(quoted) }
}

/// Is the link label just the url (maybe without the scheme, or cut short
/// with `...`)?
fn same_link(label: &str, href: &str) -> bool {
    let label = label.trim();
    let bare = href.trim_start_matches("https://").trim_start_matches("http://").trim_start_matches("mailto:");
    label == href || label == bare || label.trim_end_matches('/') == bare.trim_end_matches('/')
}

/// Is the label the url cut short with `...`?
fn is_shortened(label: &str, href: &str) -> bool {
    let label = label.trim();
    let Some(prefix) = label.strip_suffix("...") else { return false };
    let bare = href.trim_start_matches("https://").trim_start_matches("http://");
    !prefix.is_empty() && (href.starts_with(prefix) || bare.starts_with(prefix))
}

/// The inside of a tag starting right after `<`, when `rest` opens one
/// (`<a ...>`, `</p>`, `<!-- -->`); `None` for a `<` that is just text.
fn tag_body(rest: &str) -> Option<&str> {
    let first = rest.chars().next()?;
    if !(first.is_ascii_alphabetic() || first == '/' || first == '!') {
        return None;
    }
    if let Some(comment) = rest.strip_prefix("!--") {
        let end = comment.find("-->")?;
        return Some(&rest[..3 + end + 2]);
    }
    let end = rest.find('>')?;
    Some(&rest[..end])
}

/// The parts of a tag we use.
struct Tag {
    name: String,
    closing: bool,
    href: Option<String>,
}

impl Tag {
    fn parse(src: &str) -> Tag {
        let closing = src.starts_with('/');
        let body = src.trim_start_matches('/');
        let name: String =
            body.chars().take_while(|c| c.is_ascii_alphanumeric()).collect::<String>().to_ascii_lowercase();
        let href = if name == "a" { attribute(body, "href") } else { None };
        Tag { name, closing, href }
    }
}

/// The value of attribute `name` in a tag body (quoted or bare).
fn attribute(body: &str, name: &str) -> Option<String> {
    let lower = body.to_ascii_lowercase();
    let mut from = 0;
    while let Some(pos) = lower[from..].find(name) {
        let at = from + pos;
        from = at + name.len();
        let before_ok = at == 0 || lower.as_bytes()[at - 1].is_ascii_whitespace();
        let after = body[from..].trim_start();
        if !before_ok || !after.starts_with('=') {
            continue;
        }
        let value = after[1..].trim_start();
        let v = match value.chars().next() {
            Some(q @ ('"' | '\'')) => value[1..].split(q).next().unwrap_or(""),
            _ => value.split(|c: char| c.is_whitespace() || c == '>').next().unwrap_or(""),
        };
        return Some(v.to_string());
    }
    None
}

/// Decode HTML character references (`&amp;`, `&#39;`, `&#x2F;`, and the
/// common named ones). Unknown or malformed references stay as written.
pub fn decode_entities(s: &str) -> String {
    if memchr::memchr(b'&', s.as_bytes()).is_none() {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let semi = rest[1..].find(';').map(|i| i + 1).filter(|&i| i <= 12);
        let decoded = semi.and_then(|i| entity(&rest[1..i]).map(|c| (c, i)));
        match decoded {
            Some((c, i)) => {
                out.push(c);
                rest = &rest[i + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn entity(name: &str) -> Option<char> {
    if let Some(num) = name.strip_prefix('#') {
        let code = match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => num.parse().ok()?,
        };
        return char::from_u32(code).filter(|&c| c != '\0');
    }
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => '\u{a0}',
        "ndash" => '–',
        "mdash" => '—',
        "hellip" => '…',
        "lsquo" => '‘',
        "rsquo" => '’',
        "ldquo" => '“',
        "rdquo" => '”',
        "laquo" => '«',
        "raquo" => '»',
        "middot" => '·',
        "bull" => '•',
        "copy" => '©',
        "reg" => '®',
        "trade" => '™',
        "euro" => '€',
        "pound" => '£',
        "times" => '×',
        "deg" => '°',
        _ => return None,
    })
}

/// Byte ranges of runs of lines that start with `>` (after optional
/// spaces): the plain-text and e-mail way to quote.
pub fn quoted_lines(text: &str) -> Vec<(usize, usize)> {
    let mut ranges: Vec<(usize, usize)> = Vec::new();
    // Most comments quote nothing: one fast search decides.
    if memchr::memchr(b'>', text.as_bytes()).is_none() {
        return ranges;
    }
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let content = line.trim_end_matches(['\n', '\r']);
        if content.trim_start().starts_with('>') {
            let end = offset + content.len();
            match ranges.last_mut() {
                Some(last) if text[last.1..offset].trim().is_empty() && last.1 + 2 >= offset => last.1 = end,
                _ => ranges.push((offset, end)),
            }
        }
        offset += line.len();
    }
    ranges
}

/// Sort and merge overlapping or touching ranges.
pub fn merge_ranges(mut ranges: Vec<(usize, usize)>) -> Vec<(usize, usize)> {
    ranges.sort_unstable();
    let mut out: Vec<(usize, usize)> = Vec::with_capacity(ranges.len());
    for (s, e) in ranges {
        match out.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => out.push((s, e)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_of_conversions() {
        let cases: &[(&str, Newlines, &str)] = &[
            ("Hello &amp; <i>bye</i>", Newlines::Collapse, "Hello & bye"),
            ("one<p>two<p>three", Newlines::Collapse, "one\n\ntwo\n\nthree"),
            ("<p>a</p>\n<p>b</p>", Newlines::Collapse, "a\n\nb"),
            ("it&#x27;s &#x2F; &#62; &bogus; & x", Newlines::Collapse, "it's / > &bogus; & x"),
            (
                "see <a href=\"https:&#x2F;&#x2F;x.org&#x2F;a\" rel=\"nofollow\">https:&#x2F;&#x2F;x.org&#x2F;a</a>",
                Newlines::Collapse,
                "see https://x.org/a",
            ),
            (
                "<a href=\"https://example.com/very/long/path\">https://example.com/very/lo...</a>",
                Newlines::Collapse,
                "https://example.com/very/long/path",
            ),
            (
                "read <a href='http://x.org/p'>this post</a> now",
                Newlines::Collapse,
                "read this post (http://x.org/p) now",
            ),
            ("line one\nline two\n\npara", Newlines::Keep, "line one\nline two\n\npara"),
            ("line one\nline two", Newlines::Collapse, "line one line two"),
            ("a <3 b", Newlines::Collapse, "a <3 b"),
            ("x<script>alert(1)</script>y<!-- c -->z", Newlines::Collapse, "xyz"),
            ("<pre><code>  fn x()\n  {}</code></pre>after", Newlines::Collapse, "  fn x()\n  {}\n\nafter"),
            ("<ul><li>a</li><li>b</li></ul>", Newlines::Collapse, "- a\n- b"),
        ];
        let mut failures = Vec::new();
        for (html, nl, want) in cases {
            let got = to_text(html, *nl).text;
            if got != *want {
                failures.push(format!("{html:?}: got {got:?}, want {want:?}"));
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    #[test]
    fn blockquote_and_gt_lines_are_quoted() {
        let p = to_text("<blockquote>you are wrong</blockquote><p>No, I'm not.", Newlines::Collapse);
        assert_eq!(p.text, "you are wrong\n\nNo, I'm not.");
        assert_eq!(p.quoted, vec![(0, 13)]);
        let p = to_text("<p>&gt; you said this\n&gt; and this<p>reply", Newlines::Collapse);
        assert_eq!(&p.text[p.quoted[0].0..p.quoted[0].1], "> you said this > and this");
        let q = quoted_lines("hi\n> a\n> b\n\nme\n>c");
        assert_eq!(q, vec![(3, 10), (15, 17)]);
    }

    #[test]
    fn never_panics_on_odd_input() {
        for s in ["<", "<a", "&", "&#xFFFFFFFF;", "&#0;", "<a href=>x", "</blockquote>x", "é<é>é", "<!--"] {
            let _ = to_text(s, Newlines::Collapse);
            let _ = to_text(s, Newlines::Keep);
        }
    }
}
