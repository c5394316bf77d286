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
