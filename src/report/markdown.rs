//! The Markdown report: one screen, ranked, quoting the evidence.
//!
//! Sections appear only when they have content, in this order: headline,
//! escalations, exchanges, hostile comments, pushback, participants, shape,
//! diagnostics. Lists stop after [`LIST_MAX`] items with a pointer to the
//! JSON report for the rest; hostile comments take one line per category
//! naming the top [`PER_CATEGORY_MAX`] with their matched words.

use std::io::{self, Write};

use crate::report::{counted, CommentRef, Corpus, Report, PARTICIPANT_COLUMNS};

/// Items shown per list before "… and N more".
pub const LIST_MAX: usize = 5;

/// Comments named per hostility category (one line per category).
pub const PER_CATEGORY_MAX: usize = 3;

/// Rows of the participants table (most hostile first, then most active).
const PARTICIPANTS_MAX: usize = 7;

/// Matched words shown per comment.
const WORDS_MAX: usize = 4;

/// Characters quoted from a comment.
const QUOTE_CHARS: usize = 80;

/// Markdown-escape inline text (one line; `|` kept table-safe).
pub fn md_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#' => {
                out.push('\\');
                out.push(ch);
            }
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

fn quote(text: &str) -> String {
    md_escape(&crate::cli::excerpt(text, QUOTE_CHARS))
}

fn cref(r: &CommentRef) -> String {
    match r.line {
        Some(l) => format!("{} ({}, line {l})", md_escape(&r.author), r.id),
        None => format!("{} ({})", md_escape(&r.author), r.id),
    }
}

fn more<W: Write>(w: &mut W, total: usize) -> io::Result<()> {
    if total > LIST_MAX {
        writeln!(w, "- … and {} more (see `--to json`)", total - LIST_MAX)?;
    }
    Ok(())
}

/// Matched words in bold, at most [`WORDS_MAX`], then "…".
fn words(matched: &[String]) -> String {
    let mut out: Vec<String> = matched.iter().take(WORDS_MAX).map(|m| format!("**{}**", md_escape(m))).collect();
    if matched.len() > WORDS_MAX {
        out.push("…".into());
    }
    out.join(", ")
}

fn lines_of(r: &Report, comments: &[usize]) -> String {
    let first = comments.first().and_then(|&c| r.comments.get(c).line);
    let last = comments.last().and_then(|&c| r.comments.get(c).line);
    match (first, last) {
        (Some(a), Some(b)) if a != b => format!(", lines {a}–{b}"),
        (Some(a), _) => format!(", line {a}"),
        _ => String::new(),
    }
}

/// Write one thread's report.
pub fn write_markdown<W: Write>(r: &Report, mut w: W) -> io::Result<()> {
    let w = &mut w;
    let s = &r.summary;
    let shape = &r.chains.shape;
    writeln!(w, "# {}", md_escape(r.title()))?;
    writeln!(w)?;
    let mut src = format!("`{}` ({})", r.thread.path.replace('`', "'"), r.thread.format);
    if let Some(a) = &r.thread.author {
        src.push_str(&format!(" · by {}", md_escape(a)));
    }
    if let Some(d) = &r.thread.date {
        src.push_str(&format!(" · {}", md_escape(&crate::report::readable_date(d))));
    }
    writeln!(w, "{src}")?;
    writeln!(w)?;
    writeln!(
        w,
        "**{} · {} · {} top-level · max depth {} · {:.0}% got a reply**",
        counted(s.comments, "comment"),
        counted(s.participants, "participant"),
        shape.top_level,
        shape.max_depth,
        shape.replied_share * 100.0
    )?;
    writeln!(w)?;
    writeln!(
        w,
        "Hostile: {} · Pushback: {} · Exchanges: {} ({} escalating) · Self-replies: {} · Diagnostics: {}",
        s.hostile_comments,
        s.pushback_comments,
        s.exchanges,
        s.escalations,
        r.chains.self_replies.len(),
        s.diagnostics
    )?;

    let escalating: Vec<_> = r.chains.exchanges.iter().filter(|e| e.escalation.is_some()).collect();
    if !escalating.is_empty() {
        writeln!(w, "\n## Escalations\n")?;
        for e in escalating.iter().take(LIST_MAX) {
            let Some(esc) = e.escalation else { continue };
            let c = &r.comments.get(esc.comment);
            writeln!(
                w,
                "- {} ↔ {}, {} comments{}: turns hostile at step {} of {}, {}: “{}”",
                md_escape(&e.authors[0]),
                md_escape(&e.authors[1]),
                e.comments.len(),
                lines_of(r, &e.comments),
                esc.step + 1,
                e.comments.len(),
                cref(&r.comment_ref(esc.comment)),
                quote(c.text)
            )?;
        }
        more(w, escalating.len())?;
    }

    if !r.chains.exchanges.is_empty() {
        writeln!(w, "\n## Exchanges\n")?;
        let ranked = r.ranked_exchanges();
        for e in ranked.iter().take(LIST_MAX) {
            let first = e.comments[0];
            writeln!(
                w,
                "- {} ↔ {}, {} comments ({}){}: opens “{}”",
                md_escape(&e.authors[0]),
                md_escape(&e.authors[1]),
                e.comments.len(),
                e.comments.iter().map(|&c| r.comments.id(c)).collect::<Vec<_>>().join(" → "),
                lines_of(r, &e.comments),
                quote(r.comments.get(first).text)
            )?;
        }
        more(w, ranked.len())?;
    }

    if !r.hostile.is_empty() {
        // One line per category: the top comments and the words that fired.
        writeln!(w, "\n## Hostile comments\n")?;
        for g in &r.hostile {
            let top: Vec<String> = g
                .comments
                .iter()
                .take(PER_CATEGORY_MAX)
                .map(|f| format!("{} {}", cref(&f.comment), words(&f.matched)))
                .collect();
            let rest = g.comments.len().saturating_sub(PER_CATEGORY_MAX);
            let rest = if rest > 0 { format!("; … and {rest} more") } else { String::new() };
            writeln!(w, "- **{}** ({}): {}{rest}", g.category.name(), g.comments.len(), top.join("; "))?;
        }
    }

    if !r.pushback.is_empty() {
        writeln!(w, "\n## Pushback\n")?;
        for p in r.pushback.iter().take(LIST_MAX) {
            let acts = p.acts.iter().map(|a| a.name()).collect::<Vec<_>>().join(", ");
            let words = words(&p.matched);
            let target = p.target.as_ref().map_or("the post".to_string(), cref);
            // A target without text (a missing parent) has no claim to quote.
            let claim = match p.claim.as_str() {
                "" => String::new(),
                c => format!(": “{}”", md_escape(&crate::cli::excerpt(c, QUOTE_CHARS))),
            };
            writeln!(
                w,
                "- {} [{acts}] {words} → {target}{claim} ({}; outcome: {}{})",
                cref(&p.comment),
                crate::report::support_words(p.support.as_deref()),
                p.outcome,
                p.reply.as_ref().map(|c| format!(", {}", cref(c))).unwrap_or_default()
            )?;
        }
        more(w, r.pushback.len())?;
    }

    if !r.most_active.is_empty() {
        writeln!(w, "\n## Participants\n")?;
        writeln!(w, "| {} |", PARTICIPANT_COLUMNS.join(" | "))?;
        writeln!(w, "|---|---:|---:|---:|---:|---:|")?;
        for row in r.participant_rows().into_iter().take(PARTICIPANTS_MAX) {
            let cells: Vec<String> = row.iter().map(|c| md_escape(c)).collect();
            writeln!(w, "| {} |", cells.join(" | "))?;
        }
        writeln!(
            w,
            "\n{} reply pairs between authors, reciprocity {:.2}.",
            r.chains.authors.edges.len(),
            r.chains.authors.reciprocity
        )?;
    }

    writeln!(w, "\n## Shape\n")?;
    let hist: Vec<String> =
        shape.depth_histogram.iter().enumerate().take(10).map(|(d, n)| format!("{d}: {n}")).collect();
    let deeper: usize = shape.depth_histogram.iter().skip(10).sum();
    let deeper = if deeper > 0 { format!(" · 10+: {deeper}") } else { String::new() };
    writeln!(w, "- depth histogram: {}{deeper} (mean {:.2})", hist.join(" · "), shape.mean_depth)?;
    writeln!(
        w,
        "- branching: mean {:.2} replies per replied-to comment, max {}",
        shape.mean_branching, shape.max_branching
    )?;
    for (i, sub) in shape.largest_subthreads.iter().take(3).enumerate() {
        let lead = if i == 0 { "- largest subthreads: " } else { "  " };
        writeln!(
            w,
            "{lead}{}: {}, depth {}, {}",
            cref(&r.comment_ref(sub.root)),
            counted(sub.size, "comment"),
            sub.depth,
            counted(sub.participants, "participant")
        )?;
    }
    if let Some(chain) = r.chains.longest_chains.first() {
        let ids: Vec<&str> = if chain.len() <= 8 {
            chain.iter().map(|&c| r.comments.id(c)).collect()
        } else {
            let mut v: Vec<&str> = chain[..3].iter().map(|&c| r.comments.id(c)).collect();
            v.push("…");
            v.extend(chain[chain.len() - 2..].iter().map(|&c| r.comments.id(c)));
            v
        };
        writeln!(w, "- longest chain ({}): {}", counted(chain.len(), "comment"), ids.join(" → "))?;
    }

    if !r.diagnostics.is_empty() {
        writeln!(w, "\n## Reader diagnostics\n")?;
        for d in r.diagnostics.iter().take(LIST_MAX) {
            let at = d.line.map(|l| format!("line {l}, ")).unwrap_or_default();
            writeln!(w, "- {at}{}: {}", d.kind, md_escape(&d.message))?;
        }
        more(w, r.diagnostics.len())?;
    }
    Ok(())
}

/// Write the corpus summary: one line per thread, then author totals.
pub fn write_corpus_markdown<W: Write>(c: &Corpus, mut w: W) -> io::Result<()> {
    let w = &mut w;
    writeln!(w, "# Corpus summary: {} threads\n", c.threads.len())?;
    writeln!(
        w,
        "| thread | title | comments | participants | max depth | hostile | pushback | exchanges | escalations |"
    )?;
    writeln!(w, "|---|---|---:|---:|---:|---:|---:|---:|---:|")?;
    for t in &c.threads {
        let s = &t.summary;
        writeln!(
            w,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            md_escape(&t.id),
            md_escape(&crate::cli::excerpt(t.title.as_deref().unwrap_or(""), 60)),
            s.comments,
            s.participants,
            t.max_depth,
            s.hostile_comments,
            s.pushback_comments,
            s.exchanges,
            s.escalations
        )?;
    }
    let mut authors: Vec<_> = c.authors.iter().collect();
    authors.sort_by(|a, b| {
        (b.hostile_comments, b.comments).cmp(&(a.hostile_comments, a.comments)).then_with(|| a.name.cmp(&b.name))
    });
    writeln!(w, "\n## Authors (most hostile, then most active; {} in all)\n", authors.len())?;
    writeln!(w, "| author | threads | comments | replies received | hostile | pushback given | pushback received |")?;
    writeln!(w, "|---|---:|---:|---:|---:|---:|---:|")?;
    for a in authors.iter().take(20) {
        writeln!(
            w,
            "| {} | {} | {} | {} | {} | {} | {} |",
            md_escape(&a.name),
            a.threads,
            a.comments,
            a.replies_received,
            a.hostile_comments,
            a.pushback_given,
            a.pushback_received
        )?;
    }
    Ok(())
}
