//! The HTML report: one self-contained file (inline CSS and script, no
//! network, no external assets) with the headline figures, the ranked
//! sections of the Markdown report, the reply graph as inline SVG when
//! Graphviz rendered one (else a note saying why not), and the whole reply
//! tree as nested `<details>` elements, collapsible, with every finding
//! highlighted in the text and its rule shown on hover. Two checkboxes dim
//! every comment that is not hostile / not pushback.
//!
//! Every piece of input text goes through [`html_escape`].

use std::io::{self, Write};

use crate::report::markdown::LIST_MAX;
use crate::report::{CommentOut, CommentRef, Report, PARTICIPANT_COLUMNS};

const TEMPLATE: &str = include_str!("template.html");

/// The graph section's content: an SVG, or the reason there is none.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GraphSvg {
    /// SVG markup from `dot -Tsvg`.
    Svg(String),
    /// Why no graph is shown (Graphviz missing, graph too large, …).
    Note(String),
}

/// Escape text for HTML element content and attribute values.
///
/// ```
/// assert_eq!(threadlens::report::html::html_escape("<a href=\"x\">&'"), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
/// ```
pub fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn anchor(i: usize) -> String {
    format!("#c{i}")
}

fn cref(r: &Report, c: &CommentRef) -> String {
    let idx = (0..r.comments.len()).position(|i| r.comments.id(i) == c.id);
    let line = c.line.map(|l| format!(", line {l}")).unwrap_or_default();
    let text = format!("{} ({}{line})", html_escape(&c.author), html_escape(&c.id));
    match idx {
        Some(i) => format!("<a href=\"{}\">{text}</a>", anchor(i)),
        None => text,
    }
}

fn quote(text: &str) -> String {
    format!("<q>{}</q>", html_escape(&crate::cli::excerpt(text, 80)))
}

/// The comment text with findings wrapped in `<mark>`; overlapping or
/// out-of-range spans are skipped (the first one in text order wins).
pub fn highlight(c: &CommentOut) -> String {
    let text = &c.text;
    let mut out = String::with_capacity(text.len() + 64);
    let mut pos = 0;
    for f in &c.findings {
        let ok = f.start >= pos
            && f.start < f.end
            && f.end <= text.len()
            && text.is_char_boundary(f.start)
            && text.is_char_boundary(f.end);
        if !ok {
            continue;
        }
        let class = if !f.counts {
            "muted"
        } else if f.category.is_hostile() {
            "hostile"
        } else if f.category.is_pushback() {
            "pushback"
        } else if f.category == crate::analysis::Category::Profanity {
            "profanity"
        } else {
            "other"
        };
        let why = if f.counts { String::new() } else { " · quoted or mentioned: does not count".into() };
        out.push_str(&html_escape(&text[pos..f.start]));
        out.push_str(&format!(
            "<mark class=\"{class} {}\" title=\"{} · rule {} · severity {:.2}{why}\">{}</mark>",
            f.category.name(),
            f.category.name(),
            html_escape(f.rule),
            f.severity,
            html_escape(&text[f.start..f.end])
        ));
        pos = f.end;
    }
    out.push_str(&html_escape(&text[pos..]));
    out
}

/// Write one thread's HTML report.
pub fn write_html<W: Write>(r: &Report, graph: &GraphSvg, mut w: W) -> io::Result<()> {
    let (head, tail) = TEMPLATE.split_once("{{body}}").unwrap_or((TEMPLATE, ""));
    let head =
        head.replace("{{title}}", &html_escape(r.title())).replace("{{schema_version}}", &r.schema_version.to_string());
    w.write_all(head.as_bytes())?;
    write_body(r, graph, &mut w)?;
    w.write_all(tail.as_bytes())
}

fn write_body<W: Write>(r: &Report, graph: &GraphSvg, w: &mut W) -> io::Result<()> {
    let s = &r.summary;
    let shape = &r.chains.shape;
    writeln!(w, "<h1>{}</h1>", html_escape(r.title()))?;
    let mut src = format!("<code>{}</code> ({})", html_escape(&r.thread.path), html_escape(&r.thread.format));
    if let Some(a) = &r.thread.author {
        src.push_str(&format!(" · by {}", html_escape(a)));
    }
    if let Some(d) = &r.thread.date {
        src.push_str(&format!(" · {}", html_escape(&crate::report::readable_date(d))));
    }
    writeln!(w, "<div class=\"src\">{src}</div>")?;
    writeln!(w, "<ul class=\"stats\">")?;
    let stats = [
        (s.comments.to_string(), "comments"),
        (s.participants.to_string(), "participants"),
        (shape.top_level.to_string(), "top-level"),
        (shape.max_depth.to_string(), "max depth"),
        (format!("{:.0}%", shape.replied_share * 100.0), "got a reply"),
        (s.hostile_comments.to_string(), "hostile"),
        (s.pushback_comments.to_string(), "pushback"),
        (format!("{} ({} escalating)", s.exchanges, s.escalations), "exchanges"),
        (s.diagnostics.to_string(), "diagnostics"),
    ];
    for (v, k) in stats {
        writeln!(w, "<li><b>{v}</b> {k}</li>")?;
    }
    writeln!(w, "</ul>")?;

    let escalating: Vec<_> = r.chains.exchanges.iter().filter(|e| e.escalation.is_some()).collect();
    if !escalating.is_empty() {
        writeln!(w, "<h2>Escalations</h2>\n<ul class=\"items\">")?;
        for e in escalating.iter().take(LIST_MAX) {
            let Some(esc) = e.escalation else { continue };
            writeln!(
                w,
                "<li>{} ↔ {}, {} comments: turns hostile at step {}, {}: {}</li>",
                html_escape(&e.authors[0]),
                html_escape(&e.authors[1]),
                e.comments.len(),
                esc.step + 1,
                cref(r, &r.comment_ref(esc.comment)),
                quote(r.comments.get(esc.comment).text)
            )?;
        }
        writeln!(w, "</ul>")?;
    }
    if !r.chains.exchanges.is_empty() {
        writeln!(w, "<h2>Exchanges</h2>\n<ul class=\"items\">")?;
        let ranked = r.ranked_exchanges();
        for e in ranked.iter().take(LIST_MAX) {
            let links: Vec<String> = e
                .comments
                .iter()
                .map(|&c| format!("<a href=\"{}\">{}</a>", anchor(c), html_escape(r.comments.id(c))))
                .collect();
            writeln!(
                w,
                "<li>{} ↔ {}, {} comments ({}): opens {}</li>",
                html_escape(&e.authors[0]),
                html_escape(&e.authors[1]),
                e.comments.len(),
                links.join(" → "),
                quote(r.comments.get(e.comments[0]).text)
            )?;
        }
        writeln!(w, "</ul>")?;
    }
    if !r.hostile.is_empty() {
        writeln!(w, "<h2>Hostile comments</h2>")?;
        for g in &r.hostile {
            writeln!(w, "<h3>{} ({})</h3>\n<ul class=\"items\">", g.category.name(), g.comments.len())?;
            for f in g.comments.iter().take(LIST_MAX) {
                let words: Vec<String> = f.matched.iter().map(|m| format!("<b>{}</b>", html_escape(m))).collect();
                writeln!(w, "<li>{} {}: {}</li>", cref(r, &f.comment), words.join(", "), quote(&f.excerpt))?;
            }
            writeln!(w, "</ul>")?;
        }
    }
    if !r.pushback.is_empty() {
        writeln!(w, "<h2>Pushback</h2>\n<ul class=\"items\">")?;
        for p in r.pushback.iter().take(LIST_MAX) {
            let acts: Vec<&str> = p.acts.iter().map(|a| a.name()).collect();
            let target = p.target.as_ref().map_or("the post".to_string(), |t| cref(r, t));
            let claim = match p.claim.as_str() {
                "" => String::new(),
                c => format!(": {}", quote(c)),
            };
            writeln!(
                w,
                "<li>{} [{}] → {target}{claim} ({}; outcome: {}{})</li>",
                cref(r, &p.comment),
                acts.join(", "),
                html_escape(&crate::report::support_words(p.support.as_deref())),
                html_escape(&p.outcome),
                p.reply.as_ref().map(|c| format!(", {}", cref(r, c))).unwrap_or_default()
            )?;
        }
        writeln!(w, "</ul>")?;
    }
    if !r.most_active.is_empty() {
        let head: Vec<String> = PARTICIPANT_COLUMNS.iter().map(|c| format!("<th>{c}</th>")).collect();
        writeln!(w, "<h2>Participants</h2>\n<table>\n<tr>{}</tr>", head.concat())?;
        for row in r.participant_rows() {
            let cells: Vec<String> = row.iter().map(|c| format!("<td>{}</td>", html_escape(c))).collect();
            writeln!(w, "<tr>{}</tr>", cells.concat())?;
        }
        writeln!(w, "</table>")?;
    }
    if !r.diagnostics.is_empty() {
        writeln!(w, "<h2>Reader diagnostics</h2>\n<ul class=\"items\">")?;
        for d in &r.diagnostics {
            let at = d.line.map(|l| format!("line {l}, ")).unwrap_or_default();
            writeln!(w, "<li>{at}{}: {}</li>", html_escape(&d.kind), html_escape(&d.message))?;
        }
        writeln!(w, "</ul>")?;
    }
    writeln!(w, "<h2>Reply graph</h2>")?;
    match graph {
        GraphSvg::Svg(svg) => writeln!(w, "<div class=\"graph\">{svg}</div>")?,
        GraphSvg::Note(note) => writeln!(w, "<p class=\"note\">{}</p>", html_escape(note))?,
    }
    writeln!(w, "<h2>Reply tree</h2>")?;
    writeln!(
        w,
        "<div class=\"controls\"><label><input type=\"checkbox\" id=\"f-hostile\"> hostile only</label><label><input type=\"checkbox\" id=\"f-pushback\"> pushback only</label><button id=\"expand\" type=\"button\">expand all</button><button id=\"collapse\" type=\"button\">collapse all</button> <span id=\"f-count\"></span></div>"
    )?;
    write_tree(r, w)
}

/// The reply tree as nested `<details>`, written with an explicit stack of
/// open elements (input controls the depth).
fn write_tree<W: Write>(r: &Report, w: &mut W) -> io::Result<()> {
    let n = r.comments.len();
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); n + 1];
    for (i, c) in r.comments.iter().enumerate() {
        children[c.parent.map_or(0, |p| p + 1)].push(i);
    }
    // (comment, depth in the tree) in preorder
    let mut stack: Vec<(usize, usize)> = children[0].iter().rev().map(|&c| (c, 0)).collect();
    let mut open = 0usize;
    writeln!(w, "<div class=\"tree\">")?;
    while let Some((c, d)) = stack.pop() {
        while open > d {
            w.write_all(b"</details>\n")?;
            open -= 1;
        }
        let com = &r.comments.get(c);
        let mut classes = String::from("c");
        let mut badges = String::new();
        if com.hostile {
            classes.push_str(" hostile");
        }
        if com.pushback {
            classes.push_str(" pushback");
        }
        for k in com.categories {
            badges.push_str(&format!("<span class=\"badge {0}\">{0}</span>", k.name()));
        }
        for k in com.acts {
            badges.push_str(&format!("<span class=\"badge pb\">{}</span>", k.name()));
        }
        if com.status != "normal" {
            badges.push_str(&format!("<span class=\"badge standin\">{}</span>", html_escape(com.status)));
        }
        let line = com.line.map(|l| format!(" · line {l}")).unwrap_or_default();
        let replies = children[c + 1].len();
        let replies = if replies > 0 {
            format!(" · {replies} repl{}", if replies == 1 { "y" } else { "ies" })
        } else {
            String::new()
        };
        writeln!(
            w,
            "<details open class=\"{classes}\" id=\"c{c}\"><summary><span class=\"who\">{}</span> · {}{line}{replies}{badges}</summary><div class=\"body\">{}</div>",
            html_escape(com.author.unwrap_or("[unknown]")),
            html_escape(com.id),
            highlight(com)
        )?;
        open += 1;
        stack.extend(children[c + 1].iter().rev().map(|&k| (k, d + 1)));
    }
    for _ in 0..open {
        w.write_all(b"</details>\n")?;
    }
    writeln!(w, "</div>")
}
