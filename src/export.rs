//! Tabular exports for pandas and R.
//!
//! The per-comment CSV starts with the columns every thread has, in this
//! order: `thread_id,comment_id,parent_id,depth,author,line,text`, then
//! `status`. Analyses append their own columns after these; the header is
//! documented in `docs/csv.md`.

use std::io::Write;

use crate::analysis::hostility;
use crate::analysis::lexicon::Matcher;
use crate::error::Result;
use crate::model::Thread;

/// The leading columns of the per-comment CSV.
pub const COMMENT_COLUMNS: &[&str] =
    &["thread_id", "comment_id", "parent_id", "depth", "author", "line", "text", "status"];

/// Hostility columns, after [`COMMENT_COLUMNS`]: `hostile` (true/false),
/// `hostility` (counting categories joined by `;`), `dehumanizing`
/// (true/false), `hostility_score` (0 to 1, three decimals).
pub const HOSTILITY_COLUMNS: &[&str] = &["hostile", "hostility", "dehumanizing", "hostility_score"];

/// Write one row per comment of every thread (built-in lexicon).
pub fn write_comments_csv<W: Write>(threads: &[Thread], out: W) -> Result<()> {
    write_comments_csv_with(threads, Matcher::builtin(), out)
}

/// Write one row per comment of every thread, scoring hostility with `matcher`.
pub fn write_comments_csv_with<W: Write>(threads: &[Thread], matcher: &Matcher, out: W) -> Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(COMMENT_COLUMNS.iter().chain(HOSTILITY_COLUMNS)).map_err(csv_err)?;
    for t in threads {
        let thread_id = t.display_id();
        let hostility = hostility::analyze_with(t, matcher);
        for (c, h) in t.comments.iter().zip(&hostility) {
            let score = format!("{:.3}", h.score);
            let parent = c.parent.map(|p| t.comments[p].id.as_str()).unwrap_or("");
            let line = c.lines.map(|s| s.start.to_string()).unwrap_or_default();
            let depth = c.depth.to_string();
            w.write_record([
                thread_id.as_str(),
                c.id.as_str(),
                parent,
                depth.as_str(),
                c.author.as_deref().unwrap_or(""),
                line.as_str(),
                c.text.as_str(),
                c.status.name(),
                if h.hostile { "true" } else { "false" },
                h.categories_joined().as_str(),
                if h.dehumanizing() { "true" } else { "false" },
                score.as_str(),
            ])
            .map_err(csv_err)?;
        }
    }
    w.flush()?;
    Ok(())
}

fn csv_err(e: csv::Error) -> crate::Error {
    match e.into_kind() {
        csv::ErrorKind::Io(io) => io.into(),
        other => crate::Error::format(format!("CSV output: {other:?}")),
    }
}
