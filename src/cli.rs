//! The `threadlens` command line: argument parsing, dispatch, and the one
//! place where errors become exit codes (0 ok, 1 unreadable input, 2 usage).

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand, ValueEnum};

use crate::analysis::lexicon::{Lexicon, Matcher};
use crate::analysis::{self, Finding};
use crate::error::Result;
use crate::eval::hostility as eval_hostility;
use crate::export;
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
        /// Input file (`-` for standard input).
        file: PathBuf,
        /// Print the thread model (post, comments, diagnostics) as JSON instead.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        input: InputArgs,
    },
    /// Write one row per comment, for pandas, R or a spreadsheet.
    Export {
        /// Input files (`-` for standard input).
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
        #[command(flatten)]
        lexicons: LexiconArgs,
    },
    /// List every finding in reading order: comment, author, category, rule,
    /// target, and the matched text in context.
    Flags {
        /// Input file (`-` for standard input).
        file: PathBuf,
        /// One JSON object per finding (JSON Lines) instead of text.
        #[arg(long)]
        json: bool,
        /// Also list findings that do not count (quoted or mentioned text).
        #[arg(long)]
        all: bool,
        #[command(flatten)]
        input: InputArgs,
        #[command(flatten)]
        lexicons: LexiconArgs,
    },
    /// Score a detector against labels: precision, recall, F1, confusion
    /// counts, and the misclassified examples with the findings that fired.
    Eval {
        /// Which detector.
        #[arg(long, value_enum)]
        task: EvalTask,
        /// Labeled CSV/JSONL (`text` + boolean `label`), or with `--thread`,
        /// per-comment labels (`id` + `label`).
        #[arg(required_unless_present = "cmv")]
        labels: Option<PathBuf>,
        /// A thread file whose comments LABELS labels by id.
        #[arg(long, requires = "labels")]
        thread: Option<PathBuf>,
        /// Read the cmv-adhominem chains directory instead of LABELS.
        #[arg(long, conflicts_with_all = ["labels", "thread"])]
        cmv: Option<PathBuf>,
        /// With `--cmv`: which half (dev = even chain numbers, test = odd).
        #[arg(long, value_enum, default_value_t = eval_hostility::Split::All)]
        split: eval_hostility::Split,
        /// How many false positives and false negatives to list.
        #[arg(long, default_value_t = 20)]
        examples: usize,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        input: InputArgs,
        #[command(flatten)]
        lexicons: LexiconArgs,
    },
    /// Work with lexicon files.
    Lexicon {
        #[command(subcommand)]
        command: LexiconCommand,
    },
}

#[derive(Debug, Subcommand)]
enum LexiconCommand {
    /// Validate a lexicon file: every malformed line is reported with its
    /// line number (exit 1); an empty file is allowed with a warning.
    Check {
        /// The lexicon file.
        path: PathBuf,
    },
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum EvalTask {
    /// Hostile and dehumanizing language (`hostile` per comment).
    Hostility,
}

#[derive(Debug, Default, clap::Args)]
struct LexiconArgs {
    /// Extra lexicon file (repeatable); an entry with a built-in id replaces it.
    #[arg(long = "lexicon", value_name = "PATH")]
    lexicon: Vec<PathBuf>,
    /// Use only the `--lexicon` files, not the built-in lexicons.
    #[arg(long)]
    no_builtin_lexicon: bool,
}

impl LexiconArgs {
    /// The matcher to use: the built-in one, or one compiled from the files.
    fn matcher(&self) -> Result<std::borrow::Cow<'static, Matcher>> {
        if self.lexicon.is_empty() && !self.no_builtin_lexicon {
            return Ok(std::borrow::Cow::Borrowed(Matcher::builtin()));
        }
        let mut lex = if self.no_builtin_lexicon { Lexicon::default() } else { Lexicon::builtin().clone() };
        for path in &self.lexicon {
            lex.extend(load_lexicon(path)?);
        }
        Ok(std::borrow::Cow::Owned(Matcher::new(&lex)?))
    }
}

/// Read a lexicon file, printing every error; warn when it is empty.
fn load_lexicon(path: &Path) -> Result<Lexicon> {
    let bytes = std::fs::read(path).map_err(|e| crate::Error::from(e).with_path(path))?;
    let name = path.display().to_string();
    let text = String::from_utf8(bytes).map_err(|e| {
        crate::Error::new(crate::error::ErrorKind::NotUtf8).with_path(path).at_byte(e.utf8_error().valid_up_to() as u64)
    })?;
    match Lexicon::parse(&text, &name) {
        Ok(lex) => {
            if lex.is_empty() {
                eprintln!("threadlens: warning: {name}: lexicon has no entries");
            }
            let errors = lex.check_regexes(Some(Lexicon::builtin()));
            report_lexicon_errors(&name, errors)?;
            Ok(lex)
        }
        Err(errors) => {
            report_lexicon_errors(&name, errors)?;
            Ok(Lexicon::default())
        }
    }
}

fn report_lexicon_errors(name: &str, errors: Vec<crate::Error>) -> Result<()> {
    if errors.is_empty() {
        return Ok(());
    }
    for e in &errors[..errors.len() - 1] {
        eprintln!("threadlens: {e}");
    }
    let n = errors.len();
    let last = errors.into_iter().last().map(|e| e.to_string()).unwrap_or_default();
    Err(crate::Error::invalid(format!("{last}\n{name}: {n} error(s) in lexicon")))
}

#[derive(Debug, clap::Args)]
struct InputArgs {
    /// Input format; `auto` looks at the content.
    #[arg(long, value_enum, default_value_t = Format::Auto)]
    format: Format,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum ExportKind {
    /// One row per comment: thread_id,comment_id,parent_id,depth,author,line,text,…
    Csv,
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
            let threads = read_all(std::slice::from_ref(&file), input.format)?;
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
        Command::Export { files, to, output, input, lexicons } => {
            let matcher = lexicons.matcher()?;
            let threads = read_all(&files, input.format)?;
            write_output(output.as_deref(), |w| match to {
                ExportKind::Csv => export::write_comments_csv_with(&threads, &matcher, w),
            })
        }
        Command::Flags { file, json, all, input, lexicons } => {
            let matcher = lexicons.matcher()?;
            let threads = read_all(std::slice::from_ref(&file), input.format)?;
            let stdout = io::stdout();
            let mut out = io::BufWriter::new(stdout.lock());
            for t in &threads {
                let analysis = analysis::analyze_with(t, &matcher);
                write_flags(t, &analysis, json, all, &mut out)?;
            }
            out.flush()?;
            Ok(())
        }
        Command::Eval { task: EvalTask::Hostility, labels, thread, cmv, split, examples, json, input, lexicons } => {
            let matcher = lexicons.matcher()?;
            let report = match (cmv, thread, labels) {
                (Some(dir), _, _) => {
                    let ex = eval_hostility::load_cmv(&dir, split)?;
                    let name = format!("{} (split {split:?})", dir.display()).to_lowercase();
                    eval_hostility::evaluate(&name, ex, &matcher, examples)
                }
                (None, Some(t), Some(l)) => eval_hostility::evaluate_thread(&t, &l, input.format, &matcher, examples)?,
                (None, None, Some(l)) => {
                    let ex = eval_hostility::load_labels(&l)?;
                    eval_hostility::evaluate(&l.display().to_string(), ex, &matcher, examples)
                }
                (None, _, None) => return Err(crate::Error::invalid("give a LABELS file or --cmv DIR")),
            };
            let stdout = io::stdout();
            let mut out = io::BufWriter::new(stdout.lock());
            if json {
                serde_json::to_writer_pretty(&mut out, &report).map_err(|e| crate::Error::from(io::Error::other(e)))?;
                writeln!(out)?;
            } else {
                write_eval_report(&report, &mut out)?;
            }
            out.flush()?;
            Ok(())
        }
        Command::Lexicon { command: LexiconCommand::Check { path } } => {
            let lex = load_lexicon(&path)?;
            let mut all = Lexicon::builtin().clone();
            all.extend(lex.clone());
            Matcher::new(&all)?;
            println!("{}: ok, {} entries", path.display(), lex.len());
            Ok(())
        }
    }
}

/// One finding as `flags --json` writes it.
#[derive(serde::Serialize)]
struct FlagRecord<'a> {
    thread: String,
    comment_id: &'a str,
    author: Option<&'a str>,
    line: Option<u64>,
    #[serde(flatten)]
    finding: &'a Finding,
    counts: bool,
    context: String,
}

/// Write findings in reading order (comment order, then position).
fn write_flags<W: Write>(
    t: &Thread,
    analysis: &analysis::ThreadAnalysis,
    json: bool,
    all: bool,
    out: &mut W,
) -> Result<()> {
    let mut findings: Vec<&Finding> = analysis.hostility.iter().flat_map(|h| &h.findings).collect();
    findings.extend(analysis.pushback.comments.iter().flat_map(|p| &p.findings));
    findings.retain(|f| all || f.counts());
    findings.sort_by_key(|f| (f.comment, f.start, f.end));
    let thread = t.display_id();
    for f in findings {
        let c = &t.comments[f.comment];
        let context = finding_context(&c.text, f.start, f.end);
        if json {
            let rec = FlagRecord {
                thread: thread.clone(),
                comment_id: &c.id,
                author: c.author.as_deref(),
                line: c.lines.map(|l| l.start),
                finding: f,
                counts: f.counts(),
                context,
            };
            serde_json::to_writer(&mut *out, &rec).map_err(|e| crate::Error::from(io::Error::other(e)))?;
            writeln!(out)?;
        } else {
            let line = c.lines.map(|l| format!(" line {}", l.start)).unwrap_or_default();
            let target = match &f.target {
                analysis::Target::Group(g) => format!("group:{g}"),
                analysis::Target::NamedPerson(n) => format!("named_person:{n}"),
                other => serde_json::to_value(other)
                    .ok()
                    .and_then(|v| v.get("kind").and_then(|k| k.as_str()).map(str::to_string))
                    .unwrap_or_default(),
            };
            let note = match (f.quoted, f.mention) {
                (true, _) => " [quoted, does not count]",
                (_, true) => " [mention, does not count]",
                _ => "",
            };
            writeln!(
                out,
                "{} ({}{line}) {} {} -> {target} sev {:.2}{note}: \"{}\" in \"{context}\"",
                c.id,
                c.author_or_unknown(),
                f.category.name(),
                f.rule,
                f.severity,
                f.matched.replace('\n', " "),
            )?;
        }
    }
    Ok(())
}

/// Up to 40 characters either side of a match, on one line.
fn finding_context(text: &str, start: usize, end: usize) -> String {
    let mut s = start;
    for _ in 0..40 {
        match text[..s].chars().next_back() {
            Some(c) => s -= c.len_utf8(),
            None => break,
        }
    }
    let mut e = end;
    for _ in 0..40 {
        match text[e..].chars().next() {
            Some(c) => e += c.len_utf8(),
            None => break,
        }
    }
    let pre = if s > 0 { "…" } else { "" };
    let post = if e < text.len() { "…" } else { "" };
    format!("{pre}{}{post}", text[s..e].split_whitespace().collect::<Vec<_>>().join(" "))
}

fn write_eval_report<W: Write>(r: &eval_hostility::Report, out: &mut W) -> Result<()> {
    let m = &r.metrics;
    let c = m.confusion;
    writeln!(out, "task {} on {}: {} examples ({} skipped without text)", r.task, r.input, r.examples, r.skipped)?;
    writeln!(out, "precision {:.4}  recall {:.4}  F1 {:.4}  accuracy {:.4}", m.precision, m.recall, m.f1, m.accuracy)?;
    writeln!(out, "confusion: tp {}  fp {}  tn {}  fn {}", c.tp, c.fp, c.tn, c.fn_)?;
    if r.skipped > 0 {
        let k = &r.metrics_counting_skipped;
        writeln!(
            out,
            "counting skipped as civil: precision {:.4}  recall {:.4}  F1 {:.4}  accuracy {:.4}",
            k.precision, k.recall, k.f1, k.accuracy
        )?;
    }
    let a = &r.all_hostile;
    writeln!(
        out,
        "trivial baseline (everything hostile): precision {:.4}  recall {:.4}  F1 {:.4}  accuracy {:.4}",
        a.precision, a.recall, a.f1, a.accuracy
    )?;
    for (title, list) in [("false positives", &r.false_positives), ("false negatives", &r.false_negatives)] {
        writeln!(out, "\n{title} (first {}):", list.len())?;
        for s in list {
            writeln!(out, "- {} (score {:.2}): {}", s.example.id, s.score, excerpt(&s.example.text, 160))?;
            for f in &s.findings {
                let note = if f.counts() { "" } else { " (does not count)" };
                writeln!(out, "    {} {} \"{}\"{note}", f.category.name(), f.rule, f.matched.replace('\n', " "))?;
            }
        }
    }
    Ok(())
}

/// Read every file, printing each thread's diagnostics to stderr.
fn read_all(files: &[PathBuf], format: Format) -> Result<Vec<Thread>> {
    let mut all = Vec::new();
    let stderr = io::stderr();
    let mut err = stderr.lock();
    for f in files {
        for t in read::read_path(f, format)? {
            for d in &t.diagnostics {
                let _ = writeln!(err, "{}: {}: {}", t.source.path, kind_name(d), d);
            }
            all.push(t);
        }
    }
    Ok(all)
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
        writeln!(out, "{pad}{deep}{} ({}{line}){status}: {}", com.author_or_unknown(), com.id, excerpt(&com.text, 60))?;
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
    fn usage_errors_exit_2() {
        assert_eq!(run(["threadlens", "nonsense"]), 2);
    }
}
