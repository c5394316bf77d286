//! The library's error type: what went wrong, and where.
//!
//! Errors are for input that cannot be read at all (not UTF-8, binary,
//! empty, unreadable). Anything a reader can repair becomes a
//! [`crate::model::Diagnostic`] instead, and reading goes on.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

/// Where in an input an error happened.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Position {
    /// 1-based line, when known.
    pub line: Option<u64>,
    /// 1-based column, when known.
    pub column: Option<u64>,
    /// 0-based byte offset, when known.
    pub byte: Option<u64>,
}

/// What kind of error happened.
#[derive(Debug)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The input could not be opened or read.
    Io(io::Error),
    /// The input is empty (or only whitespace).
    Empty,
    /// The input looks binary (NUL bytes or mostly control bytes).
    Binary,
    /// The input is not valid UTF-8.
    NotUtf8,
    /// The input is not in the format it was read as.
    Format(String),
    /// Auto-detection could not tell the format.
    UnknownFormat(String),
    /// A lexicon or label file is malformed.
    Invalid(String),
}

/// An error with the path and position it belongs to.
#[derive(Debug)]
pub struct Error {
    kind: Box<ErrorKind>,
    path: Option<PathBuf>,
    position: Position,
}

/// Result alias for the library.
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// A new error of `kind`, without path or position.
    pub fn new(kind: ErrorKind) -> Error {
        Error { kind: Box::new(kind), path: None, position: Position::default() }
    }

    /// A format error with a message.
    pub fn format(msg: impl Into<String>) -> Error {
        Error::new(ErrorKind::Format(msg.into()))
    }

    /// An invalid-data error (lexicons, labels) with a message.
    pub fn invalid(msg: impl Into<String>) -> Error {
        Error::new(ErrorKind::Invalid(msg.into()))
    }

    /// Attach the path the error is about.
    pub fn with_path(mut self, path: impl AsRef<Path>) -> Error {
        self.path = Some(path.as_ref().to_path_buf());
        self
    }

    /// Attach a 1-based line.
    pub fn at_line(mut self, line: u64) -> Error {
        self.position.line = Some(line);
        self
    }

    /// Attach a 1-based column.
    pub fn at_column(mut self, column: u64) -> Error {
        self.position.column = Some(column);
        self
    }

    /// Attach a 0-based byte offset.
    pub fn at_byte(mut self, byte: u64) -> Error {
        self.position.byte = Some(byte);
        self
    }

    /// What went wrong.
    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }

    /// The path, when known.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// Where, when known.
    pub fn position(&self) -> &Position {
        &self.position
    }

    /// True for errors reading the input (as opposed to its content).
    pub fn is_io(&self) -> bool {
        matches!(*self.kind, ErrorKind::Io(_))
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(path) = &self.path {
            write!(f, "{}", path.display())?;
            if let Some(line) = self.position.line {
                write!(f, ":{line}")?;
                if let Some(col) = self.position.column {
                    write!(f, ":{col}")?;
                }
            }
            f.write_str(": ")?;
        } else if let Some(line) = self.position.line {
            write!(f, "line {line}: ")?;
        }
        match &*self.kind {
            ErrorKind::Io(e) => write!(f, "cannot read: {e}")?,
            ErrorKind::Empty => f.write_str("input is empty")?,
            ErrorKind::Binary => f.write_str("input looks binary, not text")?,
            ErrorKind::NotUtf8 => f.write_str("input is not valid UTF-8")?,
            ErrorKind::Format(m) | ErrorKind::Invalid(m) => f.write_str(m)?,
            ErrorKind::UnknownFormat(m) => write!(f, "cannot tell the input format: {m}")?,
        }
        if let Some(byte) = self.position.byte {
            write!(f, " (byte offset {byte})")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &*self.kind {
            ErrorKind::Io(e) => Some(e),
            _ => None,
        }
    }
}

impl From<io::Error> for Error {
    fn from(e: io::Error) -> Error {
        Error::new(ErrorKind::Io(e))
    }
}

/// Check that `bytes` is non-empty UTF-8 text and return it as `&str`.
///
/// Binary input (a NUL byte in the first 8 KiB) and invalid UTF-8 are
/// errors naming the line and byte offset of the first bad byte. A leading
/// byte-order mark is skipped.
pub fn decode_text(bytes: &[u8]) -> Result<&str> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let head = &bytes[..bytes.len().min(8192)];
    if let Some(pos) = head.iter().position(|&b| b == 0) {
        return Err(Error::new(ErrorKind::Binary).at_line(line_of(bytes, pos)).at_byte(pos as u64));
    }
    // SIMD validation first (several times faster than std on large
    // inputs); std only on failure, for the position of the bad byte.
    let text = match simdutf8::basic::from_utf8(bytes).or_else(|_| std::str::from_utf8(bytes)) {
        Ok(t) => t,
        Err(e) => {
            let pos = e.valid_up_to();
            return Err(Error::new(ErrorKind::NotUtf8).at_line(line_of(bytes, pos)).at_byte(pos as u64));
        }
    };
    if text.trim().is_empty() {
        return Err(Error::new(ErrorKind::Empty));
    }
    Ok(text)
}

fn line_of(bytes: &[u8], pos: usize) -> u64 {
    bytes[..pos].iter().filter(|&&b| b == b'\n').count() as u64 + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_reports_positions() {
        let e = decode_text(b"ok\nbad \xff here").unwrap_err();
        assert!(matches!(e.kind(), ErrorKind::NotUtf8));
        assert_eq!(e.position().line, Some(2));
        assert_eq!(e.position().byte, Some(7));
        let e = decode_text(b"a\0b").unwrap_err();
        assert!(matches!(e.kind(), ErrorKind::Binary));
        assert!(matches!(decode_text(b"  \n\n").unwrap_err().kind(), ErrorKind::Empty));
        assert_eq!(decode_text(b"\xEF\xBB\xBFhi").unwrap(), "hi");
    }

    #[test]
    fn display_names_path_and_line() {
        let e = Error::new(ErrorKind::NotUtf8).with_path("x.txt").at_line(3).at_byte(10);
        assert_eq!(e.to_string(), "x.txt:3: input is not valid UTF-8 (byte offset 10)");
    }
}
