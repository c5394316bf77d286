//! Bounded-memory grouping of inputs larger than memory (issue 7).
//!
//! A Pushshift monthly dump interleaves its threads in time order, so a
//! thread is complete only at the end of the file. With `--memory-limit`,
//! an input whose estimated in-memory cost exceeds the limit is read in
//! three steps:
//!
//! 1. **partition**: each line is appended, with its line number, to one
//!    of P temporary files chosen by a stable hash (FNV-1a) of its thread
//!    key, so every line of a thread lands in the same file;
//! 2. **group**: one partition at a time is read back, grouped into
//!    threads, analyzed and rendered; each thread's output is appended to
//!    the partition's result file, tagged with the line number of the
//!    thread's first record;
//! 3. **merge**: the result files (each already ordered by first line) are
//!    merged by that line number into the output.
//!
//! The output is therefore byte for byte what the in-memory path writes
//! (threads in order of their first line). Temporary files live in one
//! directory `threadlens-<pid>-<n>` under `--temp-dir`; a [`SpillDir`]
//! guard removes it on success and on error, and Ctrl-C sets a flag the
//! loops check (see [`install_interrupt_handler`]) so the same guards run
//! before the process exits with status 130.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use crate::error::{Error, Result};

/// Estimated bytes of memory one byte of decompressed NDJSON costs once
/// read into threads, analyzed and rendered (measured: `docs/scale.md`).
pub const COST_PER_INPUT_BYTE: u64 = 4;

/// Memory the process needs whatever the input (the binary, lexicon
/// automata, the pushback model, buffers), kept out of the budget.
pub const BASE_MEMORY: u64 = 32 << 20;

/// Most partitions written at once (one open file each).
pub const MAX_PARTITIONS: usize = 512;

/// Partitions used when the input size is not known (standard input).
pub const UNKNOWN_SIZE_PARTITIONS: usize = 64;

/// Buffer per partition file while partitioning.
const PARTITION_BUFFER: usize = 32 << 10;

/// Bounded-memory options: the memory limit and where temporary files go.
#[derive(Clone, Debug)]
pub struct SpillOptions {
    /// The memory budget in bytes (`--memory-limit`).
    pub memory_limit: u64,
    /// The directory for temporary files (`--temp-dir`, default the
    /// system's temporary directory).
    pub temp_dir: PathBuf,
}

impl SpillOptions {
    /// How many partitions an input of `estimated` decompressed bytes needs
    /// (`None`: unknown size); 0 means it fits in memory and is read as usual.
    pub fn partitions_for(&self, estimated: Option<u64>) -> usize {
        let Some(bytes) = estimated else { return UNKNOWN_SIZE_PARTITIONS };
        let cost = bytes.saturating_mul(COST_PER_INPUT_BYTE);
        let budget = self.memory_limit.saturating_sub(BASE_MEMORY).max(self.memory_limit / 4).max(1);
        if cost <= budget {
            return 0;
        }
        cost.div_ceil(budget).clamp(2, MAX_PARTITIONS as u64) as usize
    }
}

/// Parse a size such as `512M`, `4G`, `100k`, `1.5G` or `1000000`
/// (binary units: K = 1024; an optional trailing `B` / `iB`).
pub fn parse_size(s: &str) -> std::result::Result<u64, String> {
    let t = s.trim();
    let lower = t.to_ascii_lowercase();
    let body = lower.strip_suffix("ib").or_else(|| lower.strip_suffix('b')).unwrap_or(&lower);
    let (num, mult) = match body.chars().last() {
        Some('k') => (&body[..body.len() - 1], 1u64 << 10),
        Some('m') => (&body[..body.len() - 1], 1 << 20),
        Some('g') => (&body[..body.len() - 1], 1 << 30),
        Some('t') => (&body[..body.len() - 1], 1 << 40),
        _ => (body, 1),
    };
    let value: f64 = num.trim().parse().map_err(|_| format!("not a size: {s:?} (examples: 512M, 4G, 100000)"))?;
    if !value.is_finite() || value <= 0.0 {
        return Err(format!("not a size: {s:?} (must be more than 0)"));
    }
    Ok((value * mult as f64).min(u64::MAX as f64) as u64)
}

/// The decompressed size of the file at `path`, estimated: its size when
/// plain; the frame's content size when a zstd frame records it, else 8×
/// (Pushshift dumps compress about 8 to 10 to 1); 6× for gzip. `None` for
/// standard input that is a pipe, or a file that cannot be inspected.
pub fn estimate_decompressed(path: &Path) -> Option<u64> {
    // Standard input redirected from a file (`< RC.zst`) has a size.
    let path = if path.as_os_str() == "-" { Path::new("/dev/stdin") } else { path };
    let meta = std::fs::metadata(path).ok().filter(|m| m.is_file())?;
    let mut head = [0u8; 18];
    let n = File::open(path).and_then(|mut f| f.read(&mut head)).ok()?;
    let head = &head[..n];
    Some(match crate::read::compress::Compression::sniff(head) {
        None => meta.len(),
        Some(crate::read::compress::Compression::Gzip) => meta.len().saturating_mul(6),
        Some(crate::read::compress::Compression::Zstd) => {
            zstd::zstd_safe::get_frame_content_size(head).ok().flatten().unwrap_or_else(|| meta.len().saturating_mul(8))
        }
    })
}

/// FNV-1a, 64 bits: a stable hash (the same in every run and build, unlike
/// `RandomState`), so partitions are reproducible.
pub fn stable_hash(key: &[u8]) -> u64 {
    crate::fnv::bytes(crate::fnv::OFFSET, key)
}

// ---------------------------------------------------------------- Ctrl-C

static INTERRUPTED: AtomicBool = AtomicBool::new(false);
static LIVE_DIRS: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());
static DIR_COUNTER: AtomicUsize = AtomicUsize::new(0);

/// The message of the error an interrupted run returns.
pub const INTERRUPTED_MESSAGE: &str = "interrupted (Ctrl-C); temporary files removed";

/// Install the Ctrl-C (SIGINT) handler once per process. The
/// first signal sets a flag that the partition, group and merge loops
/// check: they return an error, the guards remove the temporary directory
/// and the partial output, and the command exits with status 130. A second
/// signal (a loop blocked on standard input never checks) removes the live
/// temporary directories itself and exits 130 at once, and so does any
/// signal while no temporary directory exists (the in-memory parts of a
/// run), so Ctrl-C is never ignored.
pub fn install_interrupt_handler() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let _ = ctrlc::set_handler(|| {
            // No temporary directory alive (before or after the partitioned
            // part of a run): stop at once, as without the handler.
            let idle = LIVE_DIRS.lock().map(|d| d.is_empty()).unwrap_or(false);
            if idle || INTERRUPTED.swap(true, Ordering::SeqCst) {
                if let Ok(dirs) = LIVE_DIRS.lock() {
                    for d in dirs.iter() {
                        let _ = std::fs::remove_dir_all(d);
                    }
                }
                std::process::exit(130);
            }
        });
    });
}

/// An error when Ctrl-C was pressed.
pub fn check_interrupted() -> Result<()> {
    if INTERRUPTED.load(Ordering::Relaxed) {
        return Err(Error::from(io::Error::new(io::ErrorKind::Interrupted, INTERRUPTED_MESSAGE)));
    }
    Ok(())
}

/// True for the error [`check_interrupted`] returns (exit status 130).
pub fn is_interruption(e: &Error) -> bool {
    matches!(e.kind(), crate::error::ErrorKind::Io(io) if io.kind() == io::ErrorKind::Interrupted)
        && INTERRUPTED.load(Ordering::Relaxed)
}

// ---------------------------------------------------------- temp directory

/// A temporary directory `threadlens-<pid>-<n>` removed when dropped
/// (success, error or interruption).
#[derive(Debug)]
pub struct SpillDir {
    path: PathBuf,
}

impl SpillDir {
    /// Create a fresh directory under `parent`.
    pub fn create(parent: &Path) -> Result<SpillDir> {
        let n = DIR_COUNTER.fetch_add(1, Ordering::Relaxed);
        let path = parent.join(format!("threadlens-{}-{n}", std::process::id()));
        std::fs::create_dir(&path)
            .map_err(|e| Error::format(format!("cannot create a temporary directory: {e}")).with_path(&path))?;
        if let Ok(mut live) = LIVE_DIRS.lock() {
            live.push(path.clone());
        }
        Ok(SpillDir { path })
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for SpillDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
        if let Ok(mut live) = LIVE_DIRS.lock() {
            live.retain(|d| d != &self.path);
        }
    }
}

// ---------------------------------------------------------------- progress

/// A one-line progress bar on standard error (bytes done / total, rate,
/// ETA), drawn only when standard error is a terminal and at most five
/// times a second; silent in pipes, tests and CI.
pub struct Progress {
    label: &'static str,
    total: Option<u64>,
    start: Instant,
    last: Instant,
    enabled: bool,
}

impl Progress {
    /// A bar for `total` bytes (unknown: no percentage or ETA).
    pub fn new(label: &'static str, total: Option<u64>) -> Progress {
        let now = Instant::now();
        Progress { label, total, start: now, last: now, enabled: io::stderr().is_terminal() }
    }

    /// Redraw with `done` bytes done, if enough time has passed.
    pub fn update(&mut self, done: u64) {
        if !self.enabled || self.last.elapsed().as_millis() < 200 {
            return;
        }
        self.last = Instant::now();
        let _ = write!(io::stderr(), "\r{}\x1b[K", self.line(done, self.start.elapsed().as_secs_f64()));
    }

    /// Clear the bar (also done on drop, so an error message starts on a
    /// clean line).
    pub fn finish(&mut self) {
        if self.enabled {
            let _ = write!(io::stderr(), "\r\x1b[K");
            self.enabled = false;
        }
    }

    /// The text of the bar after `secs` seconds.
    fn line(&self, done: u64, secs: f64) -> String {
        let mb = |b: u64| b as f64 / 1e6;
        let rate = if secs > 0.0 { mb(done) / secs } else { 0.0 };
        match self.total.filter(|&t| t > 0) {
            Some(total) => {
                let frac = (done as f64 / total as f64).min(1.0);
                let width = 30;
                let filled = (frac * width as f64) as usize;
                let eta = if rate > 0.0 { (mb(total.saturating_sub(done)) / rate) as u64 } else { 0 };
                format!(
                    "{} [{}{}] {:.0}/{:.0} MB {:>3.0}% {:.1} MB/s ETA {}:{:02}",
                    self.label,
                    "#".repeat(filled),
                    "-".repeat(width - filled),
                    mb(done),
                    mb(total),
                    frac * 100.0,
                    rate,
                    eta / 60,
                    eta % 60
                )
            }
            None => format!("{} {:.0} MB {:.1} MB/s", self.label, mb(done), rate),
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}

/// A reader that counts the bytes read through it, so progress can be
/// told in bytes of the file on disk (before decompression).
pub struct CountingReader<R> {
    inner: R,
    count: Arc<AtomicU64>,
}

impl<R: Read> CountingReader<R> {
    /// Wrap `inner`; the counter is shared with whoever reports progress.
    pub fn new(inner: R) -> (CountingReader<R>, Arc<AtomicU64>) {
        let count = Arc::new(AtomicU64::new(0));
        (CountingReader { inner, count: count.clone() }, count)
    }
}

impl<R: Read> Read for CountingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

// --------------------------------------------------------------- partitions

/// Pass 1: lines appended to partition files by thread key.
///
/// A partition record is `<tag><line number>\t<line>\n`: `tag` is one byte
/// the caller chooses (what kind of line it is), the line number is the
/// line's place in the original input, so diagnostics and thread order
/// come out as in the in-memory path.
pub struct Partitioner {
    dir: SpillDir,
    files: Vec<BufWriter<File>>,
    paths: Vec<PathBuf>,
}

impl Partitioner {
    /// `parts` empty partition files in a new directory under `temp_dir`.
    pub fn new(temp_dir: &Path, parts: usize) -> Result<Partitioner> {
        let dir = SpillDir::create(temp_dir)?;
        let mut files = Vec::with_capacity(parts);
        let mut paths = Vec::with_capacity(parts);
        for i in 0..parts.max(1) {
            let p = dir.path().join(format!("part-{i:04}.ndjson"));
            let f = File::create(&p).map_err(|e| Error::from(e).with_path(&p))?;
            files.push(BufWriter::with_capacity(PARTITION_BUFFER, f));
            paths.push(p);
        }
        Ok(Partitioner { dir, files, paths })
    }

    /// Append line `n` (tagged `tag`) to the partition of `key`.
    pub fn push(&mut self, key: &str, tag: u8, n: u64, line: &[u8]) -> Result<()> {
        let i = (stable_hash(key.as_bytes()) % self.files.len() as u64) as usize;
        let w = &mut self.files[i];
        let res = (|| {
            w.write_all(&[tag])?;
            write!(w, "{n}\t")?;
            w.write_all(line)?;
            w.write_all(b"\n")
        })();
        res.map_err(|e| Error::from(e).with_path(&self.paths[i]))
    }

    /// Close the partition files for reading.
    pub fn finish(self) -> Result<Partitions> {
        for (w, p) in self.files.into_iter().zip(&self.paths) {
            w.into_inner().map_err(|e| Error::from(e.into_error()).with_path(p))?;
        }
        Ok(Partitions { dir: self.dir, paths: self.paths })
    }
}

/// The partition files after pass 1 (removed with their directory).
pub struct Partitions {
    dir: SpillDir,
    paths: Vec<PathBuf>,
}

/// One thread's rendered output and what it wrote to standard error,
/// ordered by the line number of its first record.
#[derive(Debug, Default)]
pub struct Rendered {
    /// Line number of the thread's first record in the input.
    pub first: u64,
    /// Bytes for the output.
    pub out: Vec<u8>,
    /// Bytes for standard error (its diagnostics).
    pub err: Vec<u8>,
}

impl Partitions {
    /// Total bytes in the partition files.
    pub fn bytes(&self) -> u64 {
        self.paths.iter().filter_map(|p| std::fs::metadata(p).ok()).map(|m| m.len()).sum()
    }

    /// Pass 2: for each partition, read its records (`tag`, line number,
    /// line) into `group`, which hands each of the partition's threads,
    /// rendered, to `emit` in order of first line (an error otherwise);
    /// they go to the partition's result file at once, so only the threads
    /// of one partition and the output of the few being rendered are held.
    /// Each partition file is removed once read.
    pub fn group<F>(self, mut group: F) -> Result<Results>
    where
        F: FnMut(
            &mut dyn Iterator<Item = Result<(u8, u64, Vec<u8>)>>,
            &mut dyn FnMut(Rendered) -> Result<()>,
        ) -> Result<()>,
    {
        let total = self.bytes();
        let mut progress = Progress::new("grouping", Some(total));
        let mut done = 0u64;
        let mut results = Vec::with_capacity(self.paths.len());
        let mut threads = 0;
        for (i, p) in self.paths.iter().enumerate() {
            check_interrupted()?;
            let size = std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
            let file = File::open(p).map_err(|e| Error::from(e).with_path(p))?;
            let mut records = BufReader::with_capacity(1 << 16, file).split(b'\n').map(|l| {
                check_interrupted()?;
                let l = l.map_err(|e| Error::from(e).with_path(p))?;
                parse_record(&l).ok_or_else(|| Error::format("corrupt partition record").with_path(p))
            });
            let rp = self.dir.path().join(format!("result-{i:04}.bin"));
            let mut w = BufWriter::new(File::create(&rp).map_err(|e| Error::from(e).with_path(&rp))?);
            let mut last = 0;
            let mut emit = |r: Rendered| -> Result<()> {
                if r.first < last {
                    return Err(Error::format(format!("thread of line {} emitted after line {last}", r.first)));
                }
                last = r.first;
                threads += 1;
                let res = (|| {
                    w.write_all(&r.first.to_le_bytes())?;
                    w.write_all(&(r.out.len() as u64).to_le_bytes())?;
                    w.write_all(&(r.err.len() as u64).to_le_bytes())?;
                    w.write_all(&r.out)?;
                    w.write_all(&r.err)
                })();
                res.map_err(|e| Error::from(e).with_path(&rp))
            };
            group(&mut records, &mut emit)?;
            drop(records);
            let _ = std::fs::remove_file(p);
            w.into_inner().map_err(|e| Error::from(e.into_error()).with_path(&rp))?;
            results.push(rp);
            done += size;
            progress.update(done);
        }
        progress.finish();
        Ok(Results { _dir: self.dir, paths: results, threads })
    }
}

/// Render `items` in parallel (rayon) in chunks of 64 (`RENDER_CHUNK`),
/// handing each result to `emit` in order: the output of one chunk is held
/// at a time, and each item is dropped once rendered.
pub fn render_in_order<T, F>(items: Vec<T>, render: F, emit: &mut dyn FnMut(Rendered) -> Result<()>) -> Result<()>
where
    T: Send,
    F: Fn(T) -> Result<Rendered> + Sync + Send,
{
    use rayon::prelude::*;
    let mut items = items.into_iter();
    loop {
        let chunk: Vec<T> = items.by_ref().take(RENDER_CHUNK).collect();
        if chunk.is_empty() {
            return Ok(());
        }
        let rendered: Vec<Result<Rendered>> = chunk.into_par_iter().map(&render).collect();
        for r in rendered {
            emit(r?)?;
        }
    }
}

/// Threads rendered at once in pass 2.
const RENDER_CHUNK: usize = 64;

/// Split a partition record into (tag, line number, line).
fn parse_record(rec: &[u8]) -> Option<(u8, u64, Vec<u8>)> {
    let (&tag, rest) = rec.split_first()?;
    let tab = memchr::memchr(b'\t', rest)?;
    let n = std::str::from_utf8(&rest[..tab]).ok()?.parse().ok()?;
    Some((tag, n, rest[tab + 1..].to_vec()))
}

/// Pass 2's result files, each ordered by first line.
pub struct Results {
    _dir: SpillDir,
    paths: Vec<PathBuf>,
    threads: u64,
}

impl Results {
    /// How many threads the results hold.
    pub fn threads(&self) -> u64 {
        self.threads
    }

    /// Pass 3: merge the result files by first line, writing outputs to
    /// `out` (when given) and standard-error bytes to `err`. Holds one
    /// record header per partition, never a whole thread.
    pub fn merge(&self, mut out: Option<&mut dyn Write>, err: &mut dyn Write) -> Result<()> {
        let mut readers = Vec::with_capacity(self.paths.len());
        for p in &self.paths {
            readers.push(BufReader::new(File::open(p).map_err(|e| Error::from(e).with_path(p))?));
        }
        let mut heap = BinaryHeap::new();
        for (i, r) in readers.iter_mut().enumerate() {
            if let Some(h) = read_header(r).map_err(|e| Error::from(e).with_path(&self.paths[i]))? {
                heap.push(Reverse((h.0, i, h.1, h.2)));
            }
        }
        while let Some(Reverse((_, i, out_len, err_len))) = heap.pop() {
            check_interrupted()?;
            let r = &mut readers[i];
            let p = &self.paths[i];
            match out.as_mut() {
                Some(w) => copy_exact(r, &mut **w, out_len)?,
                None => copy_exact(r, &mut io::sink(), out_len)?,
            }
            copy_exact(r, err, err_len)?;
            if let Some(h) = read_header(r).map_err(|e| Error::from(e).with_path(p))? {
                heap.push(Reverse((h.0, i, h.1, h.2)));
            }
        }
        Ok(())
    }
}

/// The next (first line, output length, error length), `None` at the end.
fn read_header(r: &mut impl Read) -> io::Result<Option<(u64, u64, u64)>> {
    let mut buf = [0u8; 24];
    let mut got = 0;
    while got < buf.len() {
        match r.read(&mut buf[got..])? {
            0 if got == 0 => return Ok(None),
            0 => return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "truncated result file")),
            n => got += n,
        }
    }
    let word = |i: usize| u64::from_le_bytes(buf[i * 8..i * 8 + 8].try_into().expect("8 bytes"));
    Ok(Some((word(0), word(1), word(2))))
}

/// Copy exactly `len` bytes from `r` to `w`.
fn copy_exact(r: &mut impl Read, w: &mut dyn Write, len: u64) -> Result<()> {
    let copied = io::copy(&mut r.take(len), w)?;
    if copied != len {
        return Err(Error::from(io::Error::new(io::ErrorKind::UnexpectedEof, "truncated result file")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_in_binary_units() {
        let cases: &[(&str, Option<u64>)] = &[
            ("512M", Some(512 << 20)),
            ("4G", Some(4 << 30)),
            ("100k", Some(100 << 10)),
            ("1.5G", Some(3 << 29)),
            ("2MiB", Some(2 << 20)),
            ("1000000", Some(1_000_000)),
            ("64b", Some(64)),
            ("0", None),
            ("-5M", None),
            ("lots", None),
            ("", None),
        ];
        for &(s, want) in cases {
            assert_eq!(parse_size(s).ok(), want, "{s}");
        }
    }

    #[test]
    fn partition_count_follows_size_over_limit() {
        let o = SpillOptions { memory_limit: 100 << 20, temp_dir: std::env::temp_dir() };
        // Budget 68 MiB: 10 MB costs 40 MB and fits; 1 GB costs 4 GB → 57.
        assert_eq!(o.partitions_for(Some(10_000_000)), 0);
        assert_eq!(o.partitions_for(Some(1_000_000_000)), 57);
        assert_eq!(o.partitions_for(None), UNKNOWN_SIZE_PARTITIONS);
        assert_eq!(o.partitions_for(Some(u64::MAX)), MAX_PARTITIONS);
        let tiny = SpillOptions { memory_limit: 1024, temp_dir: std::env::temp_dir() };
        // A budget of a quarter of the limit when the limit is below the base.
        assert_eq!(tiny.partitions_for(Some(300)), 5);
        assert_eq!(tiny.partitions_for(Some(70)), 2, "at least two partitions once over the limit");
    }

    #[test]
    fn hash_is_stable() {
        // FNV-1a reference values.
        assert_eq!(stable_hash(b""), 0xcbf29ce484222325);
        assert_eq!(stable_hash(b"a"), 0xaf63dc4c8601ec8c);
        assert_eq!(stable_hash(b"foobar"), 0x85944171f73967e8);
    }

    #[test]
    fn partitions_group_and_merge_by_first_line() {
        let tmp = std::env::temp_dir().join(format!("threadlens-spill-unit-{}", std::process::id()));
        std::fs::create_dir_all(&tmp).unwrap();
        let mut p = Partitioner::new(&tmp, 3).unwrap();
        let lines = [("b", "x1"), ("a", "y1"), ("c", "z1"), ("b", "x2"), ("a", "y2"), ("d", "w1")];
        for (i, (k, l)) in lines.iter().enumerate() {
            p.push(k, b'C', i as u64 + 1, l.as_bytes()).unwrap();
        }
        let parts = p.finish().unwrap();
        let results = parts
            .group(|records, emit| {
                // Group by the first letter's key: lines of one key together.
                let mut groups: Vec<Rendered> = Vec::new();
                for r in records {
                    let (tag, n, line) = r?;
                    assert_eq!(tag, b'C');
                    let key = line[0];
                    match groups.iter_mut().find(|g| g.out[0] == key) {
                        Some(g) => g.out.extend_from_slice(&line),
                        None => groups.push(Rendered { first: n, out: line, err: format!("{n};").into_bytes() }),
                    }
                }
                groups.into_iter().try_for_each(emit)
            })
            .unwrap();
        let (mut out, mut err) = (Vec::new(), Vec::new());
        results.merge(Some(&mut out), &mut err).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "x1x2y1y2z1w1");
        assert_eq!(String::from_utf8(err).unwrap(), "1;2;3;6;");
        drop(results);
        assert_eq!(std::fs::read_dir(&tmp).unwrap().count(), 0, "temporary directory removed");
        std::fs::remove_dir(&tmp).unwrap();
    }

    #[test]
    fn progress_line_shows_rate_and_eta() {
        let p = Progress::new("partitioning", Some(200_000_000));
        assert_eq!(
            p.line(50_000_000, 2.0),
            "partitioning [#######-----------------------] 50/200 MB  25% 25.0 MB/s ETA 0:06"
        );
        let q = Progress::new("partitioning", None);
        assert_eq!(q.line(50_000_000, 2.0), "partitioning 50 MB 25.0 MB/s");
    }
}
