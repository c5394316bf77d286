//! The `threadlens` command line: argument parsing, dispatch, and the one
//! place where errors become exit codes (0 ok, 1 unreadable input, 2 usage).

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand, ValueEnum};

use crate::error::Result;
use crate::export;
use crate::gen::{write_corpus, GenFormat, GenOptions};
use crate::model::Thread;
use crate::read::{self, Format};

/// Read comment threads (scraped pages, browser dumps, edge lists) into
/// reply trees and report what happened in them.
#[derive(Debug, Parser)]
#[command(name = "threadlens", version, about, long_about = None)]
#[command(
    after_help = "Examples:\n  threadlens tree fixtures/seeds/001_1ff2f1cad038d70a.txt\n  threadlens export thread.txt --to csv -o comments.csv\n  cat edges.jsonl | threadlens tree - --format jsonl"
)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Print the reply tree as an indented outline; diagnostics go to stderr.
    Tree {
        /// Input file or ConvoKit corpus folder (`-` for standard input).
        file: PathBuf,
        /// Print the thread model (post, comments, diagnostics) as JSON instead.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        input: InputArgs,
    },
    /// Write one row per comment, for pandas, R or a spreadsheet.
    Export {
        /// Input files or ConvoKit corpus folders (`-` for standard input).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// What to write.
        #[arg(long, value_enum, default_value_t = ExportKind::Csv)]
        to: ExportKind,
        /// Output path (default: standard output).
        #[arg(short, long)]
        output: Option<PathBuf>,
        #[command(flatten)]
        input: InputArgs,
    },
    /// List the findings of every analysis, one per line (`--json` for machines).
    Flags {
        /// Input files or RumourEval folders (`-` for standard input).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Print JSON (one object per thread) instead of lines.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        input: InputArgs,
    },
    /// Score a detector against labels: precision, recall, F1, confusion.
    Eval {
        /// Which detector.
        #[arg(long, value_enum)]
        task: EvalTask,
        /// The labeled threads (any input format; a RumourEval folder reads every thread under it).
        path: PathBuf,
        /// Labels: a RumourEval key (`dev-key.json`) or a CSV with `comment_id,label`.
        #[arg(long)]
        key: PathBuf,
        /// Print JSON instead of tables.
        #[arg(long)]
        json: bool,
        /// How many misclassified examples of each kind to list.
        #[arg(long, default_value_t = 10)]
        misses: usize,
        #[command(flatten)]
        input: InputArgs,
    },
    /// Train the pushback model on labeled threads and write the model file
    /// (shipped as src/analysis/lexicons/pushback_model.tsv).
    TrainPushback {
        /// The labeled threads (e.g. the RumourEval data folder).
        path: PathBuf,
        /// Training labels (e.g. train-key.json). Never pass the dev key.
        #[arg(long)]
        key: PathBuf,
        /// Output model file (default: standard output).
        #[arg(short, long)]
        output: Option<PathBuf>,
        #[command(flatten)]
        input: InputArgs,
    },
    /// Generate a synthetic corpus for benchmarks (deterministic).
    Gen(GenArgs),
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum EvalTask {
    /// Pushback (deny + query) and evidence requests (query).
    Pushback,
}

#[derive(Debug, clap::Args)]
struct GenArgs {
    /// Number of threads.
    #[arg(long, default_value_t = 1)]
    threads: usize,
    /// Comments per thread.
    #[arg(long, default_value_t = 1000)]
    comments: usize,
    /// Random seed (same seed, same bytes).
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Output layout.
    #[arg(long = "to", value_enum, default_value_t = GenFormat::Text)]
    to: GenFormat,
    /// Output path (default: standard output).
    #[arg(short, long)]
    output: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
struct InputArgs {
    /// Input format; `auto` looks at the content.
    #[arg(long, value_enum, default_value_t = Format::Auto)]
    format: Format,
    // Platform formats (issue 6).
    /// Exit 1 when the reader wrote any diagnostic (skipped or repaired records).
    #[arg(long)]
    strict: bool,
    /// Pushshift: a matching `RS_…` submissions file for post titles and text.
    #[arg(long, value_name = "FILE")]
    submissions: Option<PathBuf>,
    /// WordPress: keep pingbacks and trackbacks as comments.
    #[arg(long)]
    include_pingbacks: bool,
}

impl InputArgs {
    fn options(&self) -> read::ReadOptions {
        read::ReadOptions {
            format: self.format,
            submissions: self.submissions.clone(),
            include_pingbacks: self.include_pingbacks,
        }
    }
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum ExportKind {
    /// One row per comment: thread_id,comment_id,parent_id,depth,author,line,text,…
    Csv,
    /// The canonical indented layout (the seed format), e.g. to turn an edge list into a page.
    Text,
    /// A ConvoKit corpus folder (needs `-o DIR`).
    Convokit,
}

/// Run the command line and return the process exit code.
pub fn main() -> i32 {
    run(std::env::args_os())
}

/// Run with the given arguments (the first is the program name).
pub fn run<I, T>(args: I) -> i32
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let args = match Args::try_parse_from(args) {
        Ok(a) => a,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return code;
        }
    };
    match dispatch(args) {
        Ok(()) => 0,
        Err(e) if e.is_io() && is_broken_pipe(&e) => 0,
        Err(e) => {
            eprintln!("threadlens: {e}");
            1
        }
    }
}

fn is_broken_pipe(e: &crate::Error) -> bool {
    matches!(e.kind(), crate::error::ErrorKind::Io(io) if io.kind() == io::ErrorKind::BrokenPipe)
}

fn dispatch(args: Args) -> Result<()> {
    match args.command {
        Command::Tree { file, json, input } => {
            let threads = read_all(std::slice::from_ref(&file), &input)?;
            let stdout = io::stdout();
            let mut out = io::BufWriter::new(stdout.lock());
            for t in &threads {
                if json {
                    serde_json::to_writer_pretty(&mut out, t).map_err(|e| crate::Error::from(io::Error::other(e)))?;
                    writeln!(out)?;
                } else {
                    write_tree(t, &mut out)?;
                }
            }
            out.flush()?;
            Ok(())
        }
        Command::Export { files, to, output, input } => {
            let threads = read_all(&files, &input)?;
            match to {
                ExportKind::Csv => write_output(output.as_deref(), |w| export::write_comments_csv(&threads, w)),
                ExportKind::Text => write_output(output.as_deref(), |w| {
                    threads.iter().try_for_each(|t| export::write_indented(t, &mut *w))
                }),
                ExportKind::Convokit => match output {
                    Some(dir) => read::convokit::write_corpus(&threads, &dir),
                    None => Err(crate::Error::invalid("--to convokit writes a corpus folder: give it with -o DIR")),
                },
            }
        }
        Command::Gen(g) => {
            let opts = GenOptions {
                threads: g.threads,
                comments_per_thread: g.comments,
                seed: g.seed,
                ..GenOptions::default()
            };
            write_output(g.output.as_deref(), |w| write_corpus(&opts, g.to, w).map_err(Into::into))
        }
        Command::Flags { files, json, input } => {
            let threads = read_all(&files, &input)?;
            write_output(None, |w| write_pushback_flags(&threads, json, w))
        }
        Command::Eval { task: EvalTask::Pushback, path, key, json, misses, input } => {
            eval_pushback(&path, &key, json, misses, input.format)
        }
        Command::TrainPushback { path, key, output, input } => {
            train_pushback(&path, &key, output.as_deref(), input.format)
        }
    }
}

/// `flags`: pushback findings and events, one per line or as JSON.
fn write_pushback_flags(threads: &[Thread], json: bool, w: &mut dyn Write) -> Result<()> {
    for t in threads {
        let analysis = crate::analysis::analyze(t);
        if json {
            let v = serde_json::json!({ "thread_id": t.display_id(), "pushback": analysis.pushback });
            serde_json::to_writer(&mut *w, &v).map_err(|e| crate::Error::from(io::Error::other(e)))?;
            writeln!(w)?;
            continue;
        }
        for (i, cp) in analysis.pushback.comments.iter().enumerate() {
            let c = &t.comments[i];
            for f in cp.findings.iter().filter(|f| f.counts()) {
                let line = c.lines.map(|s| s.start.to_string()).unwrap_or_default();
                writeln!(
                    w,
                    "{}\t{}\t{}\t{}\t{}\t{}\t{:?}",
                    t.display_id(),
                    c.id,
                    line,
                    c.author_or_unknown(),
                    f.category.name(),
                    f.rule,
                    f.matched
                )?;
            }
        }
        for e in &analysis.pushback.events {
            let support = e.target.support.as_ref().map_or("none", |s| s.support.name());
            writeln!(
                w,
                "{}\t{}\tevent\ttarget={}\tsupport={}\toutcome={}\tclaim={:?}",
                t.display_id(),
                t.comments[e.comment].id,
                e.target.id.as_deref().unwrap_or("post"),
                support,
                e.outcome.name(),
                excerpt(&e.target.sentence, 100)
            )?;
        }
    }
    Ok(())
}

/// `eval --task pushback`.
fn eval_pushback(path: &Path, key: &Path, json: bool, misses: usize, format: Format) -> Result<()> {
    let threads = read::read_path(path, format)?;
    let labels = crate::eval_pushback::load_labels(key)?;
    let ev = crate::eval_pushback::evaluate(&threads, &labels, misses, crate::analysis::pushback_model::builtin());
    write_output(None, |w| {
        if json {
            serde_json::to_writer_pretty(&mut *w, &ev).map_err(|e| crate::Error::from(io::Error::other(e)))?;
            writeln!(w)?;
        } else {
            crate::eval_pushback::write_report(&ev, w)?;
        }
        Ok(())
    })
}

/// `train-pushback`: fit the model, report cross-validated figures on stderr.
fn train_pushback(path: &Path, key: &Path, output: Option<&Path>, format: Format) -> Result<()> {
    let threads = read::read_path(path, format)?;
    let labels = crate::eval_pushback::load_labels(key)?;
    let (model, report) = crate::eval_pushback::train(&threads, &labels);
    eprintln!(
        "trained on {} comments of {} threads; pushback threshold {} (CV F1 {}), evidence_request threshold {} (CV F1 {})",
        report.examples,
        report.threads,
        report.pushback.0,
        report.pushback.1,
        report.evidence_request.0,
        report.evidence_request.1
    );
    for c in &report.platforms {
        eprintln!(
            "  {} {}: {} threshold {} (CV F1 {}; shared threshold, rules or model: {}) on {} comments",
            c.task, c.platform, c.policy, c.threshold, c.cv_f1, c.shared_cv_f1, c.examples
        );
    }
    eprintln!("pushback CV F1 over all comments with the per-platform decisions: {}", report.pushback_cv_f1);
    let header = format!(
        "threadlens pushback model: logistic regression over word n-grams and rule hits.\n\
         Trained by: threadlens train-pushback <data> --key {} (labels: deny+query = pushback, query = evidence_request)\n\
         {} comments from {} threads; thresholds and per-platform policies from 5-fold CV (Twitter folded by news event).",
        key.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
        report.examples,
        report.threads
    );
    write_output(output, |w| Ok(model.write(&header, w)?))
}

/// Read every file, printing each thread's diagnostics and a summary line
/// per file to stderr; with `--strict`, any diagnostic is an error.
fn read_all(files: &[PathBuf], input: &InputArgs) -> Result<Vec<Thread>> {
    let opts = input.options();
    let mut all = Vec::new();
    let mut diagnostics = 0usize;
    let stderr = io::stderr();
    let mut err = stderr.lock();
    for f in files {
        let threads = read::read_path_with(f, &opts)?;
        for t in &threads {
            for d in &t.diagnostics {
                let _ = match d.line {
                    Some(line) => writeln!(err, "{}:{line}: {}: {}", t.source.path, kind_name(d), d.message),
                    None => writeln!(err, "{}: {}: {}", t.source.path, kind_name(d), d.message),
                };
            }
            diagnostics += t.diagnostics.len();
        }
        let _ = writeln!(err, "threadlens: {}: {}", f.display(), summary(&threads));
        all.extend(threads);
    }
    if input.strict && diagnostics > 0 {
        return Err(crate::Error::invalid(format!("--strict: the input produced {diagnostics} diagnostics")));
    }
    Ok(all)
}

/// One line saying what was read: threads, comments, stand-ins, and the
/// records skipped with why.
pub fn summary(threads: &[Thread]) -> String {
    use crate::model::{CommentStatus, DiagnosticKind};
    use std::collections::BTreeMap;
    let format = threads.first().map_or("-", |t| t.source.format.name());
    let (mut comments, mut placeholders, mut hidden, mut missing) = (0usize, 0usize, 0u64, 0usize);
    let mut skipped: BTreeMap<String, usize> = BTreeMap::new();
    for t in threads {
        for c in &t.comments {
            match c.status {
                CommentStatus::Placeholder { hidden: h } => {
                    placeholders += 1;
                    hidden += h;
                }
                CommentStatus::Missing => missing += 1,
                _ => comments += 1,
            }
        }
        for d in &t.diagnostics {
            let why = match d.kind {
                DiagnosticKind::MalformedRecord => "malformed".to_string(),
                DiagnosticKind::SkippedRecord => d.message.split(':').next().unwrap_or("skipped").trim().to_string(),
                _ => continue,
            };
            *skipped.entry(why).or_default() += 1;
        }
    }
    let plural = |n: usize, word: &str| if n == 1 { format!("1 {word}") } else { format!("{n} {word}s") };
    let mut line = format!("{format}: {}, {} read", plural(threads.len(), "thread"), plural(comments, "comment"));
    if placeholders > 0 {
        line.push_str(&format!(", {} hiding {hidden} comments", plural(placeholders, "placeholder")));
    }
    if missing > 0 {
        line.push_str(&format!(", {}", plural(missing, "missing parent")));
    }
    let total: usize = skipped.values().sum();
    line.push_str(&format!(", {} skipped", plural(total, "record")));
    if total > 0 {
        let why: Vec<String> = skipped.iter().map(|(k, n)| format!("{n} {k}")).collect();
        line.push_str(&format!(" ({})", why.join(", ")));
    }
    line
}

fn kind_name(d: &crate::model::Diagnostic) -> String {
    serde_json::to_value(d.kind).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
}

/// Write to `path` through a temporary file renamed at the end (so an
/// interrupted run leaves no complete-looking output), or to stdout.
fn write_output<F>(path: Option<&Path>, write: F) -> Result<()>
where
    F: FnOnce(&mut dyn Write) -> Result<()>,
{
    match path {
        None => {
            let stdout = io::stdout();
            let mut out = io::BufWriter::new(stdout.lock());
            write(&mut out)?;
            out.flush()?;
            Ok(())
        }
        // Devices, pipes and the like (`-o /dev/null`, `-o /dev/stdout`) are
        // written directly: renaming over them would replace the device.
        Some(p) if p.exists() && !std::fs::metadata(p).is_ok_and(|m| m.is_file()) => {
            let file =
                std::fs::OpenOptions::new().write(true).open(p).map_err(|e| crate::Error::from(e).with_path(p))?;
            let mut out = io::BufWriter::new(file);
            write(&mut out)?;
            out.flush()?;
            Ok(())
        }
        Some(p) => {
            let tmp = p.with_extension(format!("{}.partial", p.extension().and_then(|e| e.to_str()).unwrap_or("out")));
            let file = std::fs::File::create(&tmp).map_err(|e| crate::Error::from(e).with_path(&tmp))?;
            let mut out = io::BufWriter::new(file);
            let result = write(&mut out).and_then(|_| out.flush().map_err(Into::into));
            drop(out);
            match result {
                Ok(()) => std::fs::rename(&tmp, p).map_err(|e| crate::Error::from(e).with_path(p)),
                Err(e) => {
                    let _ = std::fs::remove_file(&tmp);
                    Err(e)
                }
            }
        }
    }
}

/// Deepest indentation the outline draws; deeper comments show their depth
/// as a number so output stays linear in the input.
const MAX_DRAWN_DEPTH: u32 = 40;

/// Print a thread as an indented outline: one line per comment.
pub fn write_tree<W: Write + ?Sized>(t: &Thread, out: &mut W) -> Result<()> {
    let title = t.post.title.as_deref().unwrap_or("(untitled)");
    let depth = t.graph.max_depth().map_or("-".to_string(), |d| d.to_string());
    writeln!(
        out,
        "{title} [{}] — {} comments, {} participants, max depth {depth}",
        t.display_id(),
        t.comments.len(),
        t.participant_count()
    )?;
    for c in t.graph.preorder() {
        let com = &t.comments[c];
        let d = com.depth;
        let pad = "  ".repeat(d.min(MAX_DRAWN_DEPTH) as usize + 1);
        let deep = if d > MAX_DRAWN_DEPTH { format!("[depth {d}] ") } else { String::new() };
        let line = com.lines.map(|s| format!(" line {}", s.start)).unwrap_or_default();
        let status = if com.status == crate::model::CommentStatus::Normal {
            String::new()
        } else {
            format!(" [{}]", com.status.name())
        };
        let text = excerpt(&com.text, 60);
        let sep = if text.is_empty() { "" } else { ": " };
        writeln!(out, "{pad}{deep}{} ({}{line}){status}{sep}{text}", com.author_or_unknown(), com.id)?;
    }
    Ok(())
}

/// The first `max` characters of `text` on one line, with an ellipsis when cut.
pub fn excerpt(text: &str, max: usize) -> String {
    let mut out = String::with_capacity(max + 3);
    let mut n = 0;
    let mut last_space = false;
    for ch in text.chars() {
        let ch = if ch.is_whitespace() { ' ' } else { ch };
        if ch == ' ' && (last_space || n == 0) {
            continue;
        }
        last_space = ch == ' ';
        if n == max {
            out.truncate(out.trim_end().len());
            out.push('…');
            return out;
        }
        out.push(ch);
        n += 1;
    }
    out.truncate(out.trim_end().len());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpt_cuts_on_chars() {
        assert_eq!(excerpt("a  b\n\nc", 10), "a b c");
        assert_eq!(excerpt("χρηστος writes", 7), "χρηστος…");
    }

    #[test]
    fn pushback_commands_run_on_fixtures() {
        let root = env!("CARGO_MANIFEST_DIR");
        let re = format!("{root}/fixtures/rumoureval");
        let key = format!("{root}/fixtures/rumoureval/key.json");
        assert_eq!(run(["threadlens", "eval", "--task", "pushback", &re, "--key", &key, "--json"]), 0);
        assert_eq!(run(["threadlens", "flags", &format!("{root}/fixtures/pushback/outcomes.jsonl")]), 0);
        // A missing key file is an input error (exit 1), a missing --key a usage error (exit 2).
        assert_eq!(run(["threadlens", "eval", "--task", "pushback", &re, "--key", "/nonexistent/key.json"]), 1);
        assert_eq!(run(["threadlens", "eval", "--task", "pushback", &re]), 2);
        // --format rumoureval on a file is refused with exit 1.
        assert_eq!(run(["threadlens", "tree", &key, "--format", "rumoureval"]), 1);
    }

    #[test]
    fn usage_errors_exit_2() {
        assert_eq!(run(["threadlens", "nonsense"]), 2);
    }
}
