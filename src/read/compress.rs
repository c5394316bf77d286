//! Transparent decompression of `.gz` (flate2) and `.zst` (zstd) inputs.
//!
//! The format is told by the magic bytes, not the file name, so a renamed
//! file still reads. Pushshift / Arctic Shift dumps are compressed with a
//! 2 GiB window, which the zstd decoder refuses unless told it may use one
//! (`window_log_max(31)`).

use std::borrow::Cow;
use std::io::{BufRead, BufReader, Read};

use crate::error::{Error, Result};

/// A compression container threadlens can open.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compression {
    /// gzip (`1f 8b`), possibly several members back to back.
    Gzip,
    /// Zstandard (`28 b5 2f fd`).
    Zstd,
}

impl Compression {
    /// The container `bytes` start with, if any.
    pub fn sniff(bytes: &[u8]) -> Option<Compression> {
        if bytes.starts_with(&[0x1f, 0x8b]) {
            Some(Compression::Gzip)
        } else if bytes.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            Some(Compression::Zstd)
        } else {
            None
        }
    }

    /// The usual file extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            Compression::Gzip => "gz",
            Compression::Zstd => "zst",
        }
    }
}

/// Decompress `bytes` when they are gzip or zstd; otherwise borrow them.
///
/// Errors (truncated or corrupt streams) name `path`.
pub fn decompress<'a>(bytes: &'a [u8], path: &str) -> Result<Cow<'a, [u8]>> {
    let Some(kind) = Compression::sniff(bytes) else {
        return Ok(Cow::Borrowed(bytes));
    };
    let mut out = Vec::with_capacity(bytes.len().saturating_mul(4));
    let res = match kind {
        Compression::Gzip => flate2::read::MultiGzDecoder::new(bytes).read_to_end(&mut out),
        Compression::Zstd => zstd::stream::read::Decoder::new(bytes)
            .and_then(|mut d| d.window_log_max(31).map(|_| d))
            .and_then(|mut d| d.read_to_end(&mut out)),
    };
    res.map_err(|e| {
        Error::format(format!("cannot decompress {} input after {} bytes: {e}", kind.extension(), out.len()))
            .with_path(path)
    })?;
    Ok(Cow::Owned(out))
}

/// Wrap `input` so reading it yields the decompressed bytes (gzip and
/// zstd told by their magic bytes; anything else passes through).
pub fn reader<'a, R: Read + 'a>(input: R) -> std::io::Result<Box<dyn BufRead + 'a>> {
    let mut buffered = BufReader::with_capacity(1 << 16, input);
    let kind = Compression::sniff(buffered.fill_buf()?);
    Ok(match kind {
        None => Box::new(buffered),
        Some(Compression::Gzip) => Box::new(BufReader::new(flate2::bufread::MultiGzDecoder::new(buffered))),
        Some(Compression::Zstd) => {
            let mut d = zstd::stream::read::Decoder::with_buffer(buffered)?;
            d.window_log_max(31)?;
            Box::new(BufReader::new(d))
        }
    })
}

/// `name` without a trailing `.gz` / `.zst`, so the inner extension can
/// still hint at the format (`RC_2019-01.ndjson.zst` → `RC_2019-01.ndjson`).
pub fn strip_extension(name: &str) -> &str {
    for ext in [".gz", ".zst", ".zstd"] {
        if name.len() > ext.len() && name.to_ascii_lowercase().ends_with(ext) {
            return &name[..name.len() - ext.len()];
        }
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn round_trips_both_containers() {
        let text = b"{\"id\":\"a\"}\n";
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(text).unwrap();
        let gz = gz.finish().unwrap();
        assert_eq!(decompress(&gz, "x.gz").unwrap().as_ref(), text);
        let zst = zstd::encode_all(&text[..], 3).unwrap();
        assert_eq!(decompress(&zst, "x.zst").unwrap().as_ref(), text);
        assert!(matches!(decompress(text, "x").unwrap(), Cow::Borrowed(_)));
        for bytes in [&gz[..], &zst[..], &text[..]] {
            let mut out = Vec::new();
            reader(bytes).unwrap().read_to_end(&mut out).unwrap();
            assert_eq!(out, text);
        }
    }

    #[test]
    fn truncated_stream_is_an_error_naming_the_file() {
        let zst = zstd::encode_all(&b"hello hello hello hello"[..], 3).unwrap();
        let e = decompress(&zst[..zst.len() - 3], "cut.zst").unwrap_err();
        assert!(e.to_string().starts_with("cut.zst: cannot decompress zst input"), "{e}");
    }

    #[test]
    fn strips_compression_extension() {
        assert_eq!(strip_extension("RC_2019-01.ndjson.zst"), "RC_2019-01.ndjson");
        assert_eq!(strip_extension("a.json.GZ"), "a.json");
        assert_eq!(strip_extension(".gz"), ".gz");
    }
}
