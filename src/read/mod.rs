//! Readers: turn input files into [`Thread`]s.
//!
//! [`read_path`] is the one entry point: it loads the bytes, checks they
//! are text, picks the format (given, or detected from the content), and
//! calls the format's reader. Every reader produces the same model, so
//! nothing downstream knows which format a thread came from.

pub mod article;
pub mod edgelist;
pub mod text;

use std::io::Read;
use std::path::Path;

use crate::error::{decode_text, Error, ErrorKind, Result};
use crate::model::{Source, SourceFormat, Thread};

/// The `--format` choice.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Detect from the content (and, as a hint, the file name).
    Auto,
    /// Indented text (scraped pages, browser dumps).
    Text,
    /// CSV edge list.
    Csv,
    /// JSON Lines edge list.
    Jsonl,
}

/// Read every thread in `path` (`-` for standard input).
pub fn read_path(path: &Path, format: Format) -> Result<Vec<Thread>> {
    let name = path.to_string_lossy().into_owned();
    let bytes = if name == "-" {
        let mut buf = Vec::new();
        std::io::stdin().read_to_end(&mut buf).map_err(|e| Error::from(e).with_path("-"))?;
        buf
    } else {
        std::fs::read(path).map_err(|e| Error::from(e).with_path(path))?
    };
    read_bytes(&bytes, &name, format)
}

/// Read every thread in `bytes`, naming the input `name` in errors.
pub fn read_bytes(bytes: &[u8], name: &str, format: Format) -> Result<Vec<Thread>> {
    let text = decode_text(bytes).map_err(|e| e.with_path(name))?;
    let format = match format {
        Format::Auto => detect(text, name).map_err(|e| e.with_path(name))?,
        f => f,
    };
    match format {
        Format::Text | Format::Auto => {
            let source = Source { path: name.to_string(), thread_id: None, format: SourceFormat::Text };
            Ok(vec![text::read_text(text, source)])
        }
        Format::Csv => edgelist::read_csv(text, name),
        Format::Jsonl => edgelist::read_jsonl(text, name),
    }
}

/// Tell the format from the content; the extension only breaks ties.
pub fn detect(text: &str, name: &str) -> Result<Format> {
    let first = text.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("");
    let ext = Path::new(name).extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    if first.starts_with('{') {
        if serde_json::from_str::<serde_json::Value>(first).is_ok() {
            return Ok(Format::Jsonl);
        }
        return Err(Error::new(ErrorKind::UnknownFormat(
            "the first line starts with `{` but is not a JSON object on one line; pass --format".into(),
        )));
    }
    if looks_like_csv_header(first) || (ext == "csv" && first.contains(',')) {
        return Ok(Format::Csv);
    }
    Ok(Format::Text)
}

fn looks_like_csv_header(line: &str) -> bool {
    let cols: Vec<String> = line.split(',').map(|c| c.trim().trim_matches('"').to_ascii_lowercase()).collect();
    cols.len() >= 2
        && cols.iter().any(|c| c == "id" || c == "comment_id")
        && cols.iter().any(|c| c == "parent_id" || c == "text")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detection_by_content() {
        assert_eq!(detect("id,parent_id,text\n1,,a\n", "x.txt").unwrap(), Format::Csv);
        assert_eq!(detect("{\"id\":1}\n", "x").unwrap(), Format::Jsonl);
        assert_eq!(detect("Title\n\n  • Ann\n\n    hi\n", "x.csv").unwrap(), Format::Text);
    }
}
