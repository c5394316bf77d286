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
use crate::gen::{write_corpus, GenFormat, GenOptions};
use crate::model::Thread;
use crate::read::{self, Format};
use crate::report::dot::GraphKind;
use crate::report::html::GraphSvg;
use crate::report::{self, Report};

/// Read comment threads (scraped pages, browser dumps, edge lists) into
/// reply trees and report what happened in them.
#[derive(Debug, Parser)]
#[command(name = "threadlens", version, about, long_about = None)]
#[command(
    after_help = "Examples:\n  threadlens report fixtures/seeds/001_1ff2f1cad038d70a.txt\n  threadlens report fixtures/seeds/ --to html -o reports/\n  threadlens dot thread.txt --graph authors | dot -Tsvg > authors.svg\n  threadlens tree fixtures/seeds/001_1ff2f1cad038d70a.txt\n  threadlens export thread.txt --to csv -o comments.csv\n  cat edges.jsonl | threadlens tree - --format jsonl"
)]
pub struct Args {
    /// Worker threads for analyzing many threads at once (default: one per core).
    /// Output is the same for any number.
    #[arg(long, short = 'j', global = true, value_name = "N")]
    jobs: Option<usize>,
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
    /// Summarize threads for a moderator: shape, exchanges, escalations,
    /// hostile comments, pushback, participants, diagnostics.
    ///
    /// One input thread: the report goes to standard output or `-o FILE`
    /// (an existing directory gets `<thread id>.<ext>` and `corpus.md`).
    /// Several threads (many files, a directory, a multi-thread edge list):
    /// with `-o DIR`, one file per thread (`<thread id>.<ext>`) plus
    /// `corpus.md` (`corpus.json` for `--to json`); without `-o`, Markdown
    /// reports one after another then the corpus summary, or one JSON
    /// document `{schema_version, corpus, threads}`. HTML needs `-o`.
    /// An input that cannot be read is named on stderr and skipped; the
    /// others are still reported, and the exit status is 1.
    Report {
        /// Input files or directories (walked recursively, hidden files skipped; a ConvoKit
        /// corpus folder is one input; `-` for standard input).
        #[arg(required = true)]
        inputs: Vec<PathBuf>,
        /// Output format (the input format is `--format`).
        #[arg(long, value_enum, default_value_t = ReportFormat::Md)]
        to: ReportFormat,
        /// Output file (one thread) or directory (several threads).
        #[arg(short, long)]
        output: Option<PathBuf>,
        #[command(flatten)]
        input: InputArgs,
        #[command(flatten)]
        lexicons: LexiconArgs,
    },
    /// Write a Graphviz DOT graph of one thread to standard output.
    ///
    /// `replies`: node per comment, edges parent -> reply, colored by
    /// hostility category, pushback as blue hexagons. `authors`: node per
    /// author, edges replier -> replied-to with reply counts, hostile replies red.
    Dot {
        /// Input file (`-` for standard input).
        file: PathBuf,
        /// Which graph to draw.
        #[arg(long, value_enum, default_value_t = GraphKind::Replies)]
        graph: GraphKind,
        #[command(flatten)]
        input: InputArgs,
        #[command(flatten)]
        lexicons: LexiconArgs,
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
        #[command(flatten)]
        lexicons: LexiconArgs,
        #[command(flatten)]
        spill: SpillArgs,
    },
    /// List every finding in reading order: comment, author, category, rule,
    /// target, and the matched text in context; then each pushback event
    /// (target claim, its support, the outcome).
    Flags {
        /// Input files or RumourEval folders (`-` for standard input).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// JSON Lines: one object per finding, then one per pushback event.
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
    ///
    /// hostility: LABELS is a CSV/JSONL with `text` + boolean `label`; with
    /// `--thread T`, per-comment labels (`id` + `label`) of thread T; or
    /// `--cmv DIR --split dev|test` reads the cmv-adhominem chains.
    /// pushback: LABELS is the labeled threads (a RumourEval folder reads
    /// every thread under it) and `--key` the labels (a RumourEval key or a
    /// `comment_id,label` CSV).
    Eval {
        /// Which detector.
        #[arg(long, value_enum)]
        task: EvalTask,
        /// Labels (hostility) or labeled threads (pushback).
        #[arg(required_unless_present = "cmv")]
        labels: Option<PathBuf>,
        /// pushback: the label key (`dev-key.json`, or CSV `comment_id,label`).
        #[arg(long, required_if_eq("task", "pushback"))]
        key: Option<PathBuf>,
        /// hostility: a thread file whose comments LABELS labels by id.
        #[arg(long, requires = "labels")]
        thread: Option<PathBuf>,
        /// hostility: read the cmv-adhominem chains directory instead of LABELS.
        #[arg(long, conflicts_with_all = ["labels", "thread"])]
        cmv: Option<PathBuf>,
        /// hostility, with `--cmv`: which half (dev = even chain numbers, test = odd).
        #[arg(long, value_enum, default_value_t = eval_hostility::Split::All)]
        split: eval_hostility::Split,
        /// How many misclassified examples of each kind to list.
        #[arg(long, alias = "misses", default_value_t = 20)]
        examples: usize,
        /// Print JSON instead of tables.
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
    /// Streaming stage for distributed runs: grouped NDJSON records on stdin,
    /// one JSON result per thread on stdout (see docs/scale.md).
    Stream {
        /// Only the reply-tree shape; skip the detectors.
        #[arg(long)]
        shape_only: bool,
        /// With --memory-limit the input need not be grouped: records are
        /// grouped by thread through temporary files, one result per thread.
        #[command(flatten)]
        spill: SpillArgs,
    },
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum EvalTask {
    /// Hostile and dehumanizing language (`hostile` per comment).
    Hostility,
    /// Pushback (deny + query) and evidence requests (query).
    Pushback,
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

#[derive(Debug, Default, clap::Args)]
struct LexiconArgs {
    /// Extra lexicon file (repeatable); an entry with a built-in id replaces it.
    #[arg(long = "lexicon", value_name = "PATH")]
    lexicon: Vec<PathBuf>,
    /// Use only the `--lexicon` files, not the built-in lexicons (nor the
    /// built-in ad hominem model).
    #[arg(long)]
    no_builtin_lexicon: bool,
    /// Rules only: do not use the trained ad hominem model (findings with
    /// rule `model_ad_hominem`), only the lexicons.
    #[arg(long)]
    no_model: bool,
}

impl LexiconArgs {
    /// True when the built-in lexicons and model are used as they are.
    fn is_builtin(&self) -> bool {
        self.lexicon.is_empty() && !self.no_builtin_lexicon && !self.no_model
    }

    /// The matcher for `export --to to`: `None` for the outputs that run
    /// no detector (text, ConvoKit) with the built-in lexicons, which are
    /// then not compiled; a user lexicon is checked for every output.
    fn matcher_for(&self, to: ExportKind) -> Result<Option<std::borrow::Cow<'static, Matcher>>> {
        let runs_detectors = !matches!(to, ExportKind::Text | ExportKind::Convokit);
        Ok(if runs_detectors || !self.is_builtin() { Some(self.matcher()?) } else { None })
    }

    /// The matcher to use: the built-in one, or one compiled from the files.
    fn matcher(&self) -> Result<std::borrow::Cow<'static, Matcher>> {
        if self.is_builtin() {
            return Ok(std::borrow::Cow::Borrowed(Matcher::builtin()));
        }
        let mut lex = if self.no_builtin_lexicon { Lexicon::default() } else { Lexicon::builtin().clone() };
        for path in &self.lexicon {
            lex.extend(load_lexicon(path)?);
        }
        let matcher = Matcher::new(&lex)?;
        let rules_only = self.no_model || self.no_builtin_lexicon;
        Ok(std::borrow::Cow::Owned(if rules_only { matcher.without_model() } else { matcher }))
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
    /// One row per reply edge: thread_id,child_id,parent_id,child_author,parent_author,hostile,pushback
    EdgesCsv,
    /// One row per author per thread: thread_id,author,comments,replies_received,…
    AuthorsCsv,
}

/// The `report --to` choice.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum ReportFormat {
    /// Markdown, one screen per thread.
    Md,
    /// JSON, schema in docs/report-schema.md.
    Json,
    /// One self-contained HTML file per thread.
    Html,
}

impl ReportFormat {
    fn ext(self) -> &'static str {
        match self {
            ReportFormat::Md => "md",
            ReportFormat::Json => "json",
            ReportFormat::Html => "html",
        }
    }
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
    if let Some(n) = args.jobs {
        // Fails only when the pool was already built (tests calling `run`
        // twice in one process); the existing pool then serves.
        let _ = rayon::ThreadPoolBuilder::new().num_threads(n.max(1)).build_global();
    }
    match dispatch(args) {
        Ok(()) => 0,
        Err(e) if e.is_io() && is_broken_pipe(&e) => 0,
        Err(e) if crate::spill::is_interruption(&e) => {
            eprintln!("threadlens: {e}");
            130
        }
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
        Command::Export { files, to, output, input, lexicons, spill }
            if spill.memory_limit.is_some() && !matches!(to, ExportKind::Convokit) =>
        {
            // One thread at a time, one file at a time: a Pushshift file over
            // the limit goes through partitions, the others are read whole.
            let compiled = lexicons.matcher_for(to)?;
            let matcher = || compiled_or_builtin(&compiled);
            let render = |t: &Thread| -> Result<Vec<u8>> {
                let mut out = Vec::new();
                match to {
                    ExportKind::Csv => return export::thread_rows(t, matcher()),
                    ExportKind::Text => export::write_indented(t, &mut out)?,
                    ExportKind::EdgesCsv => {
                        let ts = std::slice::from_ref(t);
                        report::csv::write_edge_rows(&build_reports(ts, &analyze_all(ts, matcher())), &mut out)?
                    }
                    ExportKind::AuthorsCsv => {
                        let ts = std::slice::from_ref(t);
                        report::csv::write_author_rows(&build_reports(ts, &analyze_all(ts, matcher())), &mut out)?
                    }
                    ExportKind::Convokit => {}
                }
                Ok(out)
            };
            write_output(output.as_deref(), |w| {
                match to {
                    ExportKind::Csv => export::write_comments_csv_header(&mut *w)?,
                    ExportKind::EdgesCsv => report::csv::write_header(report::csv::EDGE_COLUMNS, &mut *w)?,
                    ExportKind::AuthorsCsv => report::csv::write_header(report::csv::AUTHOR_COLUMNS, &mut *w)?,
                    ExportKind::Text | ExportKind::Convokit => {}
                }
                for f in &files {
                    if !export_partitioned(f, &input, &spill, &mut *w, render)? {
                        let threads = read_all(std::slice::from_ref(f), &input)?;
                        let rendered =
                            |t: Thread| render(&t).map(|out| crate::spill::Rendered { out, ..Default::default() });
                        crate::spill::render_in_order(threads, rendered, &mut |r| Ok(w.write_all(&r.out)?))?;
                    }
                }
                Ok(())
            })
        }
        Command::Export { files, to: ExportKind::Csv, output, input, lexicons, .. } => {
            // The lexicon and the pushback rules compile on both cores at once.
            let compile = || rayon::join(|| lexicons.matcher(), crate::analysis::pushback::prepare).0;
            // The built-in lexicon prints nothing while it compiles, so the
            // first file is read meanwhile (stderr stays in the same order);
            // user lexicons print their warnings first, as before.
            // A large page (one thread, read on one core) is read before the
            // detectors compile: the end of reading it is the run's peak of
            // memory, and the compiled detectors (≈ 17 MB) would be held
            // beside it. JSON lines corpora, parsed on every core, keep
            // compiling meanwhile, which is faster for them.
            let large = |f: &Path| {
                std::fs::metadata(f).is_ok_and(|m| m.len() >= COMPILE_AFTER_READING) && !starts_with_brace(f)
            };
            let (matcher, mut first) = match files.first() {
                Some(f) if lexicons.lexicon.is_empty() && large(f) => {
                    let first = read_all(std::slice::from_ref(f), &input)?;
                    (compile()?, Some(first))
                }
                Some(f) if lexicons.lexicon.is_empty() => {
                    let (matcher, first) = rayon::join(compile, || read_all(std::slice::from_ref(f), &input));
                    (matcher?, Some(first?))
                }
                _ => (compile()?, None),
            };
            // One file at a time: a corpus run holds one file's threads, not the corpus.
            write_output(output.as_deref(), |w| {
                export::write_comments_csv_header(&mut *w)?;
                for f in &files {
                    let threads = match first.take() {
                        Some(threads) => threads,
                        None => read_all(std::slice::from_ref(f), &input)?,
                    };
                    export::write_comment_rows(&threads, &matcher, &mut *w)?;
                    drop_in_parallel(threads);
                }
                Ok(())
            })
        }
        Command::Export { spill: SpillArgs { memory_limit: Some(_), .. }, .. } => {
            Err(crate::Error::invalid("--memory-limit works with export --to csv, text, edges-csv and authors-csv"))
        }
        Command::Export { files, to, output, input, lexicons, .. } => {
            let compiled = lexicons.matcher_for(to)?;
            let matcher = || compiled_or_builtin(&compiled);
            let threads = read_all(&files, &input)?;
            match to {
                // Matched by the arm above; kept equivalent rather than a panic.
                ExportKind::Csv => {
                    write_output(output.as_deref(), |w| export::write_comments_csv_with(&threads, matcher(), w))
                }
                ExportKind::Text => write_output(output.as_deref(), |w| {
                    threads.iter().try_for_each(|t| export::write_indented(t, &mut *w))
                }),
                ExportKind::EdgesCsv => write_output(output.as_deref(), |w| {
                    report::csv::write_edges_csv(&build_reports(&threads, &analyze_all(&threads, matcher())), w)
                }),
                ExportKind::AuthorsCsv => write_output(output.as_deref(), |w| {
                    report::csv::write_authors_csv(&build_reports(&threads, &analyze_all(&threads, matcher())), w)
                }),
                ExportKind::Convokit => match output {
                    Some(dir) => read::convokit::write_corpus(&threads, &dir),
                    None => Err(crate::Error::invalid("--to convokit writes a corpus folder: give it with -o DIR")),
                },
            }
        }
        Command::Stream { shape_only, spill } => {
            let stdin = io::stdin();
            let stdout = io::stdout();
            let out = io::BufWriter::with_capacity(1 << 16, stdout.lock());
            let (stats, grouping) = match spill.options() {
                Some(opts) => {
                    let parts = opts.partitions_for(crate::spill::estimate_decompressed(Path::new("-"))).max(1);
                    let stats = crate::stream::run_grouping(stdin.lock(), out, "-", !shape_only, &opts, parts)?;
                    (stats, format!("grouped by thread through {parts} partitions"))
                }
                None => {
                    let stats = crate::stream::run(stdin.lock(), out, "-", !shape_only)?;
                    let regrouped = format!("{} thread keys seen again: input not grouped", stats.regrouped);
                    (stats, regrouped)
                }
            };
            eprintln!(
                "threadlens stream: {} threads from {} records ({} lines skipped, {grouping})",
                stats.threads, stats.records, stats.skipped
            );
            Ok(())
        }
        Command::Report { inputs, to, output, input, lexicons } => {
            let matcher = lexicons.matcher()?;
            // An unreadable file among many is reported and skipped; the
            // exit status still says something went wrong.
            let files = expand_inputs(&inputs)?;
            let mut threads = Vec::new();
            let mut errors = Vec::new();
            for f in &files {
                match read_all(std::slice::from_ref(f), &input) {
                    Ok(ts) => threads.extend(ts),
                    Err(e) => errors.push(e),
                }
            }
            if threads.is_empty() {
                if let Some(last) = errors.pop() {
                    errors.iter().for_each(|e| eprintln!("threadlens: {e}"));
                    return Err(last);
                }
            }
            errors.iter().for_each(|e| eprintln!("threadlens: {e}"));
            let analyses = analyze_all(&threads, &matcher);
            write_reports(&build_reports(&threads, &analyses), to, output.as_deref())?;
            match errors.len() {
                0 => Ok(()),
                n => Err(crate::Error::format(format!(
                    "{n} of {} inputs could not be read (see above); the reports cover the rest",
                    files.len()
                ))),
            }
        }
        Command::Dot { file, graph, input, lexicons } => {
            let matcher = lexicons.matcher()?;
            let threads = read_all(std::slice::from_ref(&file), &input)?;
            let analyses = analyze_all(&threads, &matcher);
            write_output(None, |w| {
                for r in build_reports(&threads, &analyses) {
                    report::dot::write_dot(&r, graph, &mut *w)?;
                }
                Ok(())
            })
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
        Command::Flags { files, json, all, input, lexicons } => {
            let matcher = lexicons.matcher()?;
            let threads = read_all(&files, &input)?;
            write_output(None, |w| {
                for t in &threads {
                    let analysis = analysis::analyze_with(t, &matcher);
                    write_flags(t, &analysis, json, all, &mut *w)?;
                    write_pushback_events(t, &analysis, json, &mut *w)?;
                }
                Ok(())
            })
        }
        Command::Eval { task: EvalTask::Pushback, labels, key, json, examples, input, .. } => {
            let (Some(path), Some(key)) = (labels, key) else {
                return Err(crate::Error::invalid("eval --task pushback needs the labeled threads and --key KEY"));
            };
            eval_pushback(&path, &key, json, examples, input.format)
        }
        Command::Eval {
            task: EvalTask::Hostility,
            labels,
            thread,
            cmv,
            split,
            examples,
            json,
            input,
            lexicons,
            ..
        } => {
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
            write_output(None, |w| {
                if json {
                    serde_json::to_writer_pretty(&mut *w, &report)
                        .map_err(|e| crate::Error::from(io::Error::other(e)))?;
                    writeln!(w)?;
                    Ok(())
                } else {
                    write_eval_report(&report, w)
                }
            })
        }
        Command::Lexicon { command: LexiconCommand::Check { path } } => {
            let lex = load_lexicon(&path)?;
            let mut all = Lexicon::builtin().clone();
            all.extend(lex.clone());
            Matcher::new(&all)?;
            println!("{}: ok, {} entries", path.display(), lex.len());
            Ok(())
        }
        Command::TrainPushback { path, key, output, input } => {
            train_pushback(&path, &key, output.as_deref(), input.format)
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

/// Write findings of both detectors in reading order (comment order, then position).
fn write_flags(
    t: &Thread,
    analysis: &analysis::ThreadAnalysis,
    json: bool,
    all: bool,
    out: &mut dyn Write,
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

/// Pushback events after the findings: the claim each pushback targets,
/// its support, and what the claimant did next.
fn write_pushback_events(t: &Thread, analysis: &analysis::ThreadAnalysis, json: bool, w: &mut dyn Write) -> Result<()> {
    for e in &analysis.pushback.events {
        if json {
            let v = serde_json::json!({
                "thread": t.display_id(),
                "comment_id": t.comments[e.comment].id,
                "pushback_event": e,
            });
            serde_json::to_writer(&mut *w, &v).map_err(|e| crate::Error::from(io::Error::other(e)))?;
            writeln!(w)?;
            continue;
        }
        let support = e.target.support.as_ref().map_or("none", |s| s.support.name());
        writeln!(
            w,
            "{} ({}) pushback event -> {} support {} outcome {}: claim \"{}\"",
            t.comments[e.comment].id,
            t.comments[e.comment].author_or_unknown(),
            e.target.id.as_deref().unwrap_or("post"),
            support,
            e.outcome.name(),
            excerpt(&e.target.sentence, 100)
        )?;
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

fn write_eval_report(r: &eval_hostility::Report, out: &mut dyn Write) -> Result<()> {
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

/// The matcher [`LexiconArgs::matcher_for`] compiled, or the built-in one
/// (compiled on first use) where it compiled none.
fn compiled_or_builtin<'a>(compiled: &'a Option<std::borrow::Cow<'static, Matcher>>) -> &'a Matcher {
    match compiled.as_deref() {
        Some(m) => m,
        None => Matcher::builtin(),
    }
}

/// Every thread's analyses, in parallel, in input order.
fn analyze_all(threads: &[Thread], matcher: &Matcher) -> Vec<analysis::ThreadAnalysis> {
    use rayon::prelude::*;
    threads.par_iter().map(|t| analysis::analyze_with(t, matcher)).collect()
}

/// One report per thread from its analyses ([`analyze_all`]), built in
/// parallel, in input order; the reports borrow both.
fn build_reports<'a>(threads: &'a [Thread], analyses: &'a [analysis::ThreadAnalysis]) -> Vec<Report<'a>> {
    use rayon::prelude::*;
    threads.par_iter().zip(analyses).map(|(t, a)| report::build(t, a)).collect()
}

/// Files given, with directories replaced by the regular files under them
/// (sorted, hidden entries skipped), walked with an explicit stack. A
/// directory holding `utterances.jsonl` is a ConvoKit corpus: it stays one
/// input (and is not walked into).
fn expand_inputs(inputs: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let is_corpus = |p: &Path| p.join("utterances.jsonl").is_file();
    let mut out = Vec::new();
    for input in inputs {
        if !input.is_dir() || is_corpus(input) {
            out.push(input.clone());
            continue;
        }
        let mut found = Vec::new();
        let mut stack = vec![input.clone()];
        while let Some(dir) = stack.pop() {
            let entries = std::fs::read_dir(&dir).map_err(|e| crate::Error::from(e).with_path(&dir))?;
            for entry in entries {
                let path = entry.map_err(|e| crate::Error::from(e).with_path(&dir))?.path();
                if path.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with('.')) {
                    continue;
                }
                if path.is_dir() && !is_corpus(&path) {
                    stack.push(path);
                } else {
                    found.push(path);
                }
            }
        }
        found.sort();
        out.extend(found);
    }
    Ok(out)
}

/// Largest thread whose HTML report embeds a Graphviz rendering.
const HTML_GRAPH_MAX: usize = 1500;

fn html_graph(r: &Report) -> GraphSvg {
    if r.comments.len() > HTML_GRAPH_MAX {
        return GraphSvg::Note(format!(
            "The reply graph is not drawn for threads over {HTML_GRAPH_MAX} comments; run `threadlens dot` on the input."
        ));
    }
    let mut dot = Vec::new();
    if report::dot::write_reply_dot(r, &mut dot).is_err() {
        return GraphSvg::Note("The reply graph could not be written.".into());
    }
    match report::dot::render_svg(&String::from_utf8_lossy(&dot)) {
        Ok(Some(svg)) => GraphSvg::Svg(svg),
        Ok(None) => GraphSvg::Note(
            "Graphviz (`dot`) is not on PATH, so the reply graph is not drawn here. Install graphviz, or run `threadlens dot FILE | dot -Tsvg`.".into(),
        ),
        Err(e) => GraphSvg::Note(format!("Graphviz failed: {e}")),
    }
}

fn write_one(r: &Report, to: ReportFormat, w: &mut dyn Write) -> Result<()> {
    match to {
        ReportFormat::Md => report::markdown::write_markdown(r, w)?,
        ReportFormat::Json => report::json::write_json(r, w)?,
        ReportFormat::Html => report::html::write_html(r, &html_graph(r), w)?,
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

/// File name for a thread's report: the id with anything but letters,
/// digits, `-`, `_` and `.` replaced, made unique.
fn report_file_name(id: &str, ext: &str, taken: &mut std::collections::BTreeSet<String>) -> String {
    let mut stem: String =
        id.chars().map(|c| if c.is_alphanumeric() || matches!(c, '-' | '_' | '.') { c } else { '_' }).collect();
    if stem.is_empty() || stem.starts_with('.') || stem == "corpus" {
        stem = format!("thread_{stem}");
    }
    let mut name = format!("{stem}.{ext}");
    let mut k = 2;
    while !taken.insert(name.clone()) {
        name = format!("{stem}-{k}.{ext}");
        k += 1;
    }
    name
}

fn write_reports(reports: &[Report], to: ReportFormat, output: Option<&Path>) -> Result<()> {
    if reports.len() == 1 && !output.is_some_and(Path::is_dir) {
        return write_output(output, |w| write_one(&reports[0], to, w));
    }
    let corpus = report::corpus(reports);
    match output {
        Some(dir) => {
            std::fs::create_dir_all(dir).map_err(|e| crate::Error::from(e).with_path(dir))?;
            let mut taken = std::collections::BTreeSet::new();
            for r in reports {
                let path = dir.join(report_file_name(&r.thread.id, to.ext(), &mut taken));
                write_output(Some(&path), |w| write_one(r, to, w))?;
            }
            match to {
                ReportFormat::Json => write_output(Some(&dir.join("corpus.json")), |w| {
                    Ok(report::json::write_corpus_summary_json(&corpus, w)?)
                }),
                _ => write_output(Some(&dir.join("corpus.md")), |w| {
                    Ok(report::markdown::write_corpus_markdown(&corpus, w)?)
                }),
            }
        }
        None => match to {
            ReportFormat::Md => write_output(None, |w| {
                for r in reports {
                    report::markdown::write_markdown(r, &mut *w)?;
                    writeln!(w, "\n---\n")?;
                }
                Ok(report::markdown::write_corpus_markdown(&corpus, w)?)
            }),
            ReportFormat::Json => write_output(None, |w| Ok(report::json::write_corpus_json(&corpus, reports, w)?)),
            ReportFormat::Html => Err(crate::Error::format(format!(
                "{} threads make {} HTML files: pass -o DIR",
                reports.len(),
                reports.len()
            ))),
        },
    }
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
            let _ = write_diagnostics(t, &mut err);
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

/// Pages from this size (bytes) are read by `export --to csv` before the
/// detectors compile instead of meanwhile (the ≈ 0.06 s this costs is
/// under 5 % of reading such a page).
const COMPILE_AFTER_READING: u64 = 64 << 20;

/// True when the first non-blank byte of file `f` (within its first 4 KiB)
/// is `{`: JSON lines. Unreadable files answer false (reading reports them).
fn starts_with_brace(f: &Path) -> bool {
    use std::io::Read;
    let mut head = [0u8; 4096];
    let n = std::fs::File::open(f).and_then(|mut file| file.read(&mut head)).unwrap_or(0);
    head[..n].iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{')
}

/// Free a file's threads on every core: a million comments take tens of
/// milliseconds to free, which one core would spend while the others wait.
fn drop_in_parallel(threads: Vec<Thread>) {
    use rayon::prelude::*;
    threads.into_par_iter().for_each(drop);
}

/// Write a thread's diagnostics as `read_all` reports them on stderr.
fn write_diagnostics(t: &Thread, err: &mut dyn Write) -> io::Result<()> {
    for d in &t.diagnostics {
        match d.line {
            Some(line) => writeln!(err, "{}:{line}: {}: {}", t.source.path, kind_name(d), d.message)?,
            None => writeln!(err, "{}: {}: {}", t.source.path, kind_name(d), d.message)?,
        };
    }
    Ok(())
}

/// One line saying what was read: threads, comments, stand-ins, and the
/// records skipped with why.
pub fn summary(threads: &[Thread]) -> String {
    let mut s = Summary::default();
    threads.iter().for_each(|t| s.add(t));
    s.line()
}

/// The counts behind [`summary`], gathered one thread at a time (a
/// partitioned read never holds all threads).
#[derive(Debug, Default)]
struct Summary {
    format: Option<&'static str>,
    threads: usize,
    comments: usize,
    placeholders: usize,
    hidden: u64,
    missing: usize,
    diagnostics: usize,
    skipped: std::collections::BTreeMap<String, usize>,
}

impl Summary {
    fn add(&mut self, t: &Thread) {
        use crate::model::{CommentStatus, DiagnosticKind};
        self.format.get_or_insert(t.source.format.name());
        self.threads += 1;
        self.diagnostics += t.diagnostics.len();
        for c in &t.comments {
            match c.status {
                CommentStatus::Placeholder { hidden: h } => {
                    self.placeholders += 1;
                    self.hidden += h;
                }
                CommentStatus::Missing => self.missing += 1,
                _ => self.comments += 1,
            }
        }
        for d in &t.diagnostics {
            let why = match d.kind {
                DiagnosticKind::MalformedRecord => "malformed",
                DiagnosticKind::SkippedRecord => d.message.split(':').next().unwrap_or("skipped").trim(),
                _ => continue,
            };
            *self.skipped.entry(why.to_string()).or_default() += d.records as usize;
        }
    }

    fn line(&self) -> String {
        let plural = |n: usize, word: &str| if n == 1 { format!("1 {word}") } else { format!("{n} {word}s") };
        let (format, hidden) = (self.format.unwrap_or("-"), self.hidden);
        let mut line =
            format!("{format}: {}, {} read", plural(self.threads, "thread"), plural(self.comments, "comment"));
        if self.placeholders > 0 {
            line.push_str(&format!(", {} hiding {hidden} comments", plural(self.placeholders, "placeholder")));
        }
        if self.missing > 0 {
            line.push_str(&format!(", {}", plural(self.missing, "missing parent")));
        }
        let total: usize = self.skipped.values().sum();
        line.push_str(&format!(", {} skipped", plural(total, "record")));
        if total > 0 {
            let why: Vec<String> = self.skipped.iter().map(|(k, n)| format!("{n} {k}")).collect();
            line.push_str(&format!(" ({})", why.join(", ")));
        }
        line
    }
}

/// `--memory-limit` / `--temp-dir`: bounded memory for Pushshift dumps.
#[derive(Debug, Default, clap::Args)]
struct SpillArgs {
    /// Bounded memory for Pushshift dumps larger than memory (e.g. 512M, 4G):
    /// an input whose estimated cost exceeds SIZE is grouped through
    /// temporary partition files; the output is the same (docs/scale.md).
    #[arg(long, value_name = "SIZE", value_parser = crate::spill::parse_size)]
    memory_limit: Option<u64>,
    /// Directory for the temporary files of --memory-limit (default: the system's).
    #[arg(long, value_name = "DIR", requires = "memory_limit")]
    temp_dir: Option<PathBuf>,
}

impl SpillArgs {
    fn options(&self) -> Option<crate::spill::SpillOptions> {
        Some(crate::spill::SpillOptions {
            memory_limit: self.memory_limit?,
            temp_dir: self.temp_dir.clone().unwrap_or_else(std::env::temp_dir),
        })
    }

    /// The partitions `f` needs, or `None` to read it in memory: no limit
    /// given, a directory, a format other than Pushshift, or small enough.
    /// With `--format auto`, a file is sniffed the way `read_path` does;
    /// standard input is partitioned only with `--format pushshift`.
    fn plan(&self, f: &Path, input: &InputArgs) -> Result<Option<(crate::spill::SpillOptions, usize)>> {
        let Some(opts) = self.options() else { return Ok(None) };
        let is_stdin = f.as_os_str() == "-";
        let pushshift = match input.format {
            Format::Pushshift => true,
            Format::Auto if !is_stdin && f.is_file() => read::sniff_path(f)? == Some(Format::Pushshift),
            _ => false,
        };
        let parts = opts.partitions_for(crate::spill::estimate_decompressed(f));
        Ok((pushshift && parts > 0).then_some((opts, parts)))
    }
}

/// Read `f` through partitions when `--memory-limit` asks for it, writing
/// each thread's `render`ed output to `w` and its diagnostics and the
/// summary to stderr as [`read_all`] does; `Ok(false)` when the file is to
/// be read in memory instead.
fn export_partitioned<F>(f: &Path, input: &InputArgs, spill: &SpillArgs, w: &mut dyn Write, render: F) -> Result<bool>
where
    F: Fn(&Thread) -> Result<Vec<u8>> + Sync,
{
    let Some((opts, parts)) = spill.plan(f, input)? else { return Ok(false) };
    let mut summary = Summary::default();
    let results =
        read::pushshift::read_pushshift_partitioned(f, &input.options(), &opts, parts, &mut |t| summary.add(t), |t| {
            let mut err = Vec::new();
            write_diagnostics(t, &mut err)?;
            Ok((render(t)?, err))
        })?;
    let stderr = io::stderr();
    let mut err = stderr.lock();
    // --strict fails before writing anything, as the in-memory path does.
    let strict_failure = input.strict && summary.diagnostics > 0;
    results.merge(if strict_failure { None } else { Some(w) }, &mut err)?;
    let _ = writeln!(err, "threadlens: {}: {}", f.display(), summary.line());
    if strict_failure {
        let n = summary.diagnostics;
        return Err(crate::Error::invalid(format!("--strict: the input produced {n} diagnostics")));
    }
    Ok(true)
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
    fn summary_counts_the_records_a_diagnostic_covers() {
        let root = env!("CARGO_MANIFEST_DIR");
        let dir = PathBuf::from(format!("{root}/fixtures/rumoureval"));
        let threads = read::read_path(&dir, Format::Rumoureval).unwrap();
        assert_eq!(
            summary(&threads),
            "rumoureval: 3 threads, 21 comments read, 2 records skipped \
             (2 ids in structure.json with no reply file and no replies)"
        );
    }

    #[test]
    fn json_lines_are_told_from_pages_by_their_first_byte() {
        let root = env!("CARGO_MANIFEST_DIR");
        let file = |f: &str| PathBuf::from(format!("{root}/{f}"));
        assert!(starts_with_brace(&file("fixtures/pushback/outcomes.jsonl")));
        assert!(!starts_with_brace(&file("fixtures/seeds/001_1ff2f1cad038d70a.txt")));
        assert!(!starts_with_brace(&file("fixtures/nonexistent.jsonl")));
        let dir = std::env::temp_dir().join(format!("threadlens-brace-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (blank_first, empty) = (dir.join("blank_first.jsonl"), dir.join("empty.jsonl"));
        std::fs::write(&blank_first, "\n  \r\n{\"id\": \"a\"}\n").unwrap();
        std::fs::write(&empty, "").unwrap();
        assert!(starts_with_brace(&blank_first));
        assert!(!starts_with_brace(&empty));
        std::fs::remove_dir_all(&dir).unwrap();
    }

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
