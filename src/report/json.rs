//! The JSON report: the [`Report`] value itself, pretty-printed, with
//! `schema_version` first. The layout is documented in
//! `docs/report-schema.md`.

use std::io::{self, Write};

use serde::Serialize;

use crate::report::{Corpus, Report, SCHEMA_VERSION};

fn write_pretty<W: Write, T: Serialize>(value: &T, mut w: W) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut w, value).map_err(io::Error::other)?;
    writeln!(w)
}

/// Write one thread's report as JSON.
pub fn write_json<W: Write>(r: &Report, w: W) -> io::Result<()> {
    write_pretty(r, w)
}

/// Many threads on one stream: the corpus summary and every report.
#[derive(Serialize)]
struct Many<'a> {
    schema_version: u32,
    corpus: &'a Corpus,
    threads: &'a [Report<'a>],
}

/// Write a corpus summary and its reports as one JSON document
/// `{schema_version, corpus, threads}`.
pub fn write_corpus_json<W: Write>(corpus: &Corpus, reports: &[Report], w: W) -> io::Result<()> {
    write_pretty(&Many { schema_version: SCHEMA_VERSION, corpus, threads: reports }, w)
}

/// Write the corpus summary alone.
pub fn write_corpus_summary_json<W: Write>(corpus: &Corpus, w: W) -> io::Result<()> {
    write_pretty(corpus, w)
}
