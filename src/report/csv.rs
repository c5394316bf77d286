//! Research CSVs built from reports: one row per reply edge
//! (`--to edges-csv`) and one row per author per thread
//! (`--to authors-csv`). Headers are documented in `docs/csv.md`; flags are
//! `0`/`1` so pandas and R read them as integers without options.

use std::io::Write;

use crate::error::Result;
use crate::export::csv_err;
use crate::report::Report;

/// Columns of the edge CSV.
pub const EDGE_COLUMNS: &[&str] =
    &["thread_id", "child_id", "parent_id", "child_author", "parent_author", "hostile", "pushback"];

/// Columns of the author CSV.
pub const AUTHOR_COLUMNS: &[&str] = &[
    "thread_id",
    "author",
    "comments",
    "top_level",
    "replies_given",
    "replies_received",
    "self_replies",
    "hostile_comments",
    "hostile_received",
    "pushback_given",
    "pushback_received",
];

fn flag(b: bool) -> &'static str {
    if b {
        "1"
    } else {
        "0"
    }
}

/// One row per comment: the edge from it to what it replies to. Replies to
/// the post have an empty `parent_id` and the post's author (if known) as
/// `parent_author`.
pub fn write_edges_csv<W: Write>(reports: &[Report], mut out: W) -> Result<()> {
    write_header(EDGE_COLUMNS, &mut out)?;
    write_edge_rows(reports, out)
}

/// A CSV header row.
pub fn write_header<W: Write>(columns: &[&str], out: W) -> Result<()> {
    let mut w = ::csv::Writer::from_writer(out);
    w.write_record(columns).map_err(csv_err)?;
    w.flush()?;
    Ok(())
}

/// The rows of [`write_edges_csv`] without the header (one thread at a
/// time, for `export --memory-limit`).
pub fn write_edge_rows<W: Write>(reports: &[Report], out: W) -> Result<()> {
    let mut w = ::csv::Writer::from_writer(out);
    for r in reports {
        for c in r.comments.iter() {
            let parent_author = match c.parent {
                Some(p) => r.comments.author(p).unwrap_or(""),
                None => r.thread.author.as_deref().unwrap_or(""),
            };
            w.write_record([
                r.thread.id.as_str(),
                c.id,
                c.parent_id.unwrap_or(""),
                c.author.unwrap_or(""),
                parent_author,
                flag(c.hostile),
                flag(c.pushback),
            ])
            .map_err(csv_err)?;
        }
    }
    w.flush()?;
    Ok(())
}

/// One row per named author per thread, authors in name order.
pub fn write_authors_csv<W: Write>(reports: &[Report], mut out: W) -> Result<()> {
    write_header(AUTHOR_COLUMNS, &mut out)?;
    write_author_rows(reports, out)
}

/// The rows of [`write_authors_csv`] without the header.
pub fn write_author_rows<W: Write>(reports: &[Report], out: W) -> Result<()> {
    let mut w = ::csv::Writer::from_writer(out);
    for r in reports {
        for a in &r.chains.authors.authors {
            let nums = [
                a.comments,
                a.top_level,
                a.replies_given,
                a.replies_received,
                a.self_replies,
                a.hostile_comments,
                a.hostile_received,
                a.pushback_given,
                a.pushback_received,
            ];
            let mut row = vec![r.thread.id.clone(), a.name.clone()];
            row.extend(nums.iter().map(|n| n.to_string()));
            w.write_record(&row).map_err(csv_err)?;
        }
    }
    w.flush()?;
    Ok(())
}
