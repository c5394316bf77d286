//! Graphviz DOT: the reply graph and the author graph.
//!
//! Our own small emitter (petgraph's `Dot` output "may change", and we need
//! our own escaping), so golden files stay stable.
//!
//! # Reply graph
//!
//! Node `n0` is the post; comment `i` is node `n{i+1}`, so ids are stable
//! across runs and match the graph in [`crate::graph`]. **Edges run from
//! parent to child**: from the comment (or post) replied to, to the reply.
//! Fill color is the comment's most serious hostility category (violence,
//! dehumanizing, identity attack, insult; pale yellow for profanity
//! alone); pushback comments are hexagons with a blue border; stand-ins
//! (placeholders, missing parents) are dashed.
//!
//! # Author graph
//!
//! One node per named author (`a0`, `a1`, … in name order). **Edges run
//! from the author who replies to the author replied to**, labelled with
//! the number of replies (also the edge `weight`, and a wider pen for more
//! replies); edges with hostile replies are red and bold and say how many
//! were hostile.
//!
//! # Escaping
//!
//! Every label is a quoted string: `"` and `\` are backslash-escaped,
//! line breaks become `\n`, other control characters become spaces, `&`
//! becomes `&amp;` and every other non-ASCII character of the Basic
//! Multilingual Plane an `&#N;` entity. Characters above U+FFFF (emoji)
//! are written as UTF-8, because Graphviz turns their entities into invalid
//! UTF-8; the graph declares `charset="UTF-8"`. The output is valid DOT
//! whatever the input holds.

use std::io::{self, Write};
use std::process::{Command, Stdio};

use crate::analysis::Category;
use crate::report::{CommentOut, Report};

/// Characters of comment text in a reply-graph label.
const LABEL_CHARS: usize = 40;

/// Escape `s` for use inside a DOT double-quoted string.
///
/// ```
/// use threadlens::report::dot::dot_escape;
/// assert_eq!(dot_escape("a \"b\" \\ c\nd é} 🦀"), "a \\\"b\\\" \\\\ c\\nd &#233;} 🦀");
/// ```
pub fn dot_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for ch in s.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '&' => out.push_str("&amp;"),
            c if c.is_control() => out.push(' '),
            c if c.is_ascii() => out.push(c),
            // Graphviz (2.43) decodes entities above U+FFFF into invalid
            // UTF-8, so those characters (emoji) stay as UTF-8.
            c if (c as u32) > 0xFFFF => out.push(c),
            c => out.push_str(&format!("&#{};", c as u32)),
        }
    }
    out
}

/// Which graph `threadlens dot` draws.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum GraphKind {
    /// Comments, parent → reply.
    Replies,
    /// Authors, replier → replied-to.
    Authors,
}

/// The most serious hostility category of a comment, for its color.
fn top_category(c: &CommentOut) -> Option<Category> {
    const ORDER: [Category; 5] =
        [Category::Violence, Category::Dehumanizing, Category::IdentityAttack, Category::Insult, Category::Profanity];
    let has = |k: Category| c.categories.contains(k) || c.findings.iter().any(|f| f.counts && f.category == k);
    ORDER.into_iter().find(|&k| has(k) && (c.hostile || !k.is_hostile()))
}

/// Fill and font color for a category.
pub fn category_colors(k: Category) -> (&'static str, &'static str) {
    match k {
        Category::Violence => ("#5a189a", "white"),
        Category::Dehumanizing => ("#9d0208", "white"),
        Category::IdentityAttack => ("#e63946", "white"),
        Category::Insult => ("#f4a261", "black"),
        _ => ("#ffe8a3", "black"),
    }
}

/// Write the reply graph of one report.
pub fn write_reply_dot<W: Write>(r: &Report, mut w: W) -> io::Result<()> {
    let w = &mut w;
    writeln!(w, "// threadlens reply graph: edges run parent -> reply; n0 is the post, n<i+1> is comment i.")?;
    writeln!(w, "digraph replies {{")?;
    writeln!(w, "  graph [charset=\"UTF-8\", rankdir=LR, label=\"{}\", labelloc=t];", dot_escape(r.title()))?;
    writeln!(w, "  node [shape=box, style=\"rounded,filled\", fillcolor=white, fontname=\"Helvetica\", fontsize=10];")?;
    let post = r.thread.author.as_deref().map(|a| format!("post by {a}")).unwrap_or_else(|| "post".into());
    writeln!(w, "  n0 [shape=doubleoctagon, label=\"{}\"];", dot_escape(&post))?;
    for (i, c) in r.comments.iter().enumerate() {
        let label = if c.status == "placeholder" || c.status == "missing" {
            format!("{} ({})", c.status, c.id)
        } else {
            format!("{} ({})\n{}", c.author.unwrap_or("[unknown]"), c.id, crate::cli::excerpt(c.text, LABEL_CHARS))
        };
        let mut attrs = format!("label=\"{}\"", dot_escape(&label));
        if let Some(k) = top_category(&c) {
            let (fill, font) = category_colors(k);
            attrs.push_str(&format!(", fillcolor=\"{fill}\", fontcolor={font}, tooltip=\"{}\"", k.name()));
        }
        if c.pushback {
            attrs.push_str(", shape=hexagon, color=\"#1d4ed8\", penwidth=2");
        }
        if c.status == "placeholder" || c.status == "missing" {
            attrs.push_str(", style=\"dashed\", fontcolor=gray40");
        }
        writeln!(w, "  n{} [{attrs}];", i + 1)?;
    }
    for (i, c) in r.comments.iter().enumerate() {
        let p = c.parent.map_or(0, |p| p + 1);
        writeln!(w, "  n{p} -> n{};", i + 1)?;
    }
    writeln!(w, "}}")
}

/// Write the author graph of one report.
pub fn write_author_dot<W: Write>(r: &Report, mut w: W) -> io::Result<()> {
    let w = &mut w;
    let g = &r.chains.authors;
    writeln!(w, "// threadlens author graph: edges run from the author who replies to the author replied to.")?;
    writeln!(w, "digraph authors {{")?;
    writeln!(w, "  graph [charset=\"UTF-8\", label=\"{}\", labelloc=t];", dot_escape(r.title()))?;
    writeln!(w, "  node [shape=ellipse, style=filled, fillcolor=white, fontname=\"Helvetica\", fontsize=10];")?;
    // authors are sorted by name, so the position is a stable id.
    let id = |name: &str| g.authors.binary_search_by(|a| a.name.as_str().cmp(name)).ok();
    for (i, a) in g.authors.iter().enumerate() {
        let label = format!("{}\n{}", a.name, crate::report::counted(a.comments, "comment"));
        let fill = if a.hostile_comments > 0 { ", fillcolor=\"#f4a261\"" } else { "" };
        let pen = if a.pushback_given > 0 { ", color=\"#1d4ed8\", penwidth=2" } else { "" };
        writeln!(w, "  a{i} [label=\"{}\"{fill}{pen}];", dot_escape(&label))?;
    }
    for e in &g.edges {
        let (Some(from), Some(to)) = (id(&e.from), id(&e.to)) else { continue };
        let width = 1.0 + (e.replies as f64).ln();
        if e.hostile > 0 {
            writeln!(
                w,
                "  a{from} -> a{to} [weight={}, label=\"{} ({} hostile)\", color=\"#d00000\", style=bold, penwidth={width:.2}];",
                e.replies, e.replies, e.hostile
            )?;
        } else {
            writeln!(w, "  a{from} -> a{to} [weight={0}, label=\"{0}\", penwidth={width:.2}];", e.replies)?;
        }
    }
    writeln!(w, "}}")
}

/// Write the chosen graph.
pub fn write_dot<W: Write>(r: &Report, kind: GraphKind, w: W) -> io::Result<()> {
    match kind {
        GraphKind::Replies => write_reply_dot(r, w),
        GraphKind::Authors => write_author_dot(r, w),
    }
}

/// Render DOT to SVG with Graphviz `dot`, when it is on `PATH`.
///
/// Returns `Ok(None)` when `dot` cannot be started, the SVG text (from
/// `<svg` on, without the XML prolog) when it succeeds, and an error with
/// Graphviz's message when it fails.
pub fn render_svg(dot: &str) -> io::Result<Option<String>> {
    let mut child = match Command::new("dot")
        .arg("-Tsvg")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(c) => c,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let mut stdin = child.stdin.take().ok_or_else(|| io::Error::other("no stdin for dot"))?;
    let input = dot.as_bytes().to_vec();
    // Feed stdin from a thread so a large graph cannot deadlock on pipes.
    let feeder = std::thread::spawn(move || stdin.write_all(&input));
    let out = child.wait_with_output()?;
    feeder.join().map_err(|_| io::Error::other("dot stdin writer panicked"))??;
    if !out.status.success() {
        return Err(io::Error::other(format!("dot -Tsvg failed: {}", String::from_utf8_lossy(&out.stderr).trim())));
    }
    let svg = String::from_utf8_lossy(&out.stdout);
    Ok(Some(svg.find("<svg").map_or(svg.to_string(), |i| svg[i..].to_string())))
}
