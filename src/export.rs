//! Tabular exports for pandas and R.
//!
//! The per-comment CSV starts with the columns every thread has, in this
//! order: `thread_id,comment_id,parent_id,depth,author,line,text`, then
//! `status`. Analyses append their own columns after these; the header is
//! documented in `docs/csv.md`.

use std::io::Write;

use crate::error::Result;
use crate::model::Thread;

/// The leading columns of the per-comment CSV.
pub const COMMENT_COLUMNS: &[&str] =
    &["thread_id", "comment_id", "parent_id", "depth", "author", "line", "text", "status"];

/// Write one row per comment of every thread.
pub fn write_comments_csv<W: Write>(threads: &[Thread], out: W) -> Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(COMMENT_COLUMNS).map_err(csv_err)?;
    for t in threads {
        let thread_id = t.display_id();
        for c in &t.comments {
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
            ])
            .map_err(csv_err)?;
        }
    }
    w.flush()?;
    Ok(())
}

pub(crate) fn csv_err(e: csv::Error) -> crate::Error {
    match e.into_kind() {
        csv::ErrorKind::Io(io) => io.into(),
        other => crate::Error::format(format!("CSV output: {other:?}")),
    }
}

/// Deepest level the canonical layout indents; deeper comments are written
/// at this level with a `[depth N]` note so output stays linear in size.
const MAX_LAYOUT_DEPTH: u32 = 1_000;

/// Write a thread in the canonical indented layout (the seed format): the
/// title and paragraphs, then `  • Author` lines with bodies two columns
/// deeper and replies two more per level. Reading it back gives the same
/// tree for threads up to 1,000 levels deep.
pub fn write_indented<W: Write>(t: &Thread, mut out: W) -> Result<()> {
    if let Some(title) = &t.post.title {
        writeln!(out, "{title}\n")?;
    }
    for p in &t.post.paragraphs {
        writeln!(out, "{p}\n")?;
    }
    writeln!(out)?;
    for c in t.graph.preorder() {
        let com = &t.comments[c];
        let level = com.depth.min(MAX_LAYOUT_DEPTH) as usize;
        let pad = " ".repeat(2 + 2 * level);
        writeln!(out, "{pad}• {}\n", com.author_or_unknown())?;
        for para in com.paragraphs() {
            for line in para.lines() {
                writeln!(out, "{pad}  {}", line.trim())?;
            }
            writeln!(out)?;
        }
    }
    out.flush()?;
    Ok(())
}
