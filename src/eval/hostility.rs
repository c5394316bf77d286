//! Scoring the hostility detector against labels.
//!
//! Three inputs become the same list of [`Example`]s:
//! - a labeled CSV or JSONL file with `text` and a boolean `label` (and,
//!   optionally, `id` and `context`, the text replied to);
//! - a thread file plus a labels file with `id` and `label` per comment
//!   ([`evaluate_thread`]); comments are scored in their thread, so
//!   quotes of the parent are recognized;
//! - the cmv-adhominem chains ([`load_cmv`]): the last comment of each
//!   chain, labeled hostile for `*_ah_*` files, civil for `*_delta_*`, with
//!   the earlier comments as context; a deterministic dev/test split by the
//!   parity of the chain number.
//!
//! [`evaluate`] scores them and keeps the misclassified examples with the
//! findings that fired. Output order is the input order, so runs are
//! deterministic.

use std::path::Path;

use serde::Serialize;
use serde_json::Value;

use crate::analysis::hostility::{analyze_text, CommentHostility, Context};
use crate::analysis::lexicon::Matcher;
use crate::analysis::normalize::Normalized;
use crate::analysis::Finding;
use crate::error::{decode_text, Error, Result};
use crate::eval::{Confusion, Metrics};
use crate::read::{self, Format};

/// One labeled text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Example {
    /// Id (given, or `line N`).
    pub id: String,
    /// The text to score.
    pub text: String,
    /// True when the text is labeled hostile.
    pub label: bool,
    /// Texts it replies to, nearest first (for quotations).
    #[serde(skip)]
    pub context: Vec<String>,
}

/// Which half of the cmv-adhominem chains to load.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Split {
    /// Every chain.
    All,
    /// Chains with an even number (`0_ah_…`, `2_delta_…`): tune on these.
    Dev,
    /// Chains with an odd number: held out, never tuned on.
    Test,
}

/// A scored example.
#[derive(Clone, Debug, Serialize)]
pub struct Scored {
    /// The example.
    #[serde(flatten)]
    pub example: Example,
    /// What the detector said.
    pub predicted: bool,
    /// Its score.
    pub score: f32,
    /// Findings that fired (counting or not).
    pub findings: Vec<Finding>,
}

/// The evaluation report.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// Always `hostility`.
    pub task: &'static str,
    /// What was evaluated (file or directory, split).
    pub input: String,
    /// Number of examples.
    pub examples: usize,
    /// Examples skipped (no text: `[removed]`, `[deleted]`, empty).
    pub skipped: usize,
    /// Precision, recall, F1, accuracy, confusion.
    pub metrics: Metrics,
    /// The figures when skipped examples count as predicted civil (the
    /// detector cannot see text that is not there).
    pub metrics_counting_skipped: Metrics,
    /// Figures of a trivial baseline that calls everything hostile.
    pub all_hostile: Metrics,
    /// False positives, in input order (up to the limit).
    pub false_positives: Vec<Scored>,
    /// False negatives, in input order (up to the limit).
    pub false_negatives: Vec<Scored>,
}

/// Score `examples` with `matcher`; keep up to `max_errors` misclassified
/// examples of each kind.
pub fn evaluate(input: &str, examples: Vec<Example>, matcher: &Matcher, max_errors: usize) -> Report {
    let (examples, skipped): (Vec<Example>, Vec<Example>) = examples.into_iter().partition(|e| has_text(&e.text));
    let scored = examples.into_iter().map(|e| {
        let h = score_one(&e, matcher);
        (e, h)
    });
    let mut r = report(input, scored, skipped.len(), max_errors);
    let mut c = r.metrics.confusion;
    for e in &skipped {
        c.add(false, e.label);
    }
    r.metrics_counting_skipped = c.metrics();
    r
}

fn has_text(t: &str) -> bool {
    let t = t.trim();
    !(t.is_empty() || t == "[removed]" || t == "[deleted]")
}

fn score_one(e: &Example, matcher: &Matcher) -> CommentHostility {
    let norms: Vec<Normalized> = e.context.iter().map(|c| Normalized::new(c)).collect();
    let ctx = Context { sources: norms.iter().collect(), ..Context::default() };
    analyze_text(&e.text, &ctx, matcher)
}

fn report(
    input: &str,
    scored: impl Iterator<Item = (Example, CommentHostility)>,
    skipped: usize,
    max_errors: usize,
) -> Report {
    let mut c = Confusion::default();
    let mut all = Confusion::default();
    let (mut fps, mut fns) = (Vec::new(), Vec::new());
    let mut n = 0;
    for (example, h) in scored {
        n += 1;
        c.add(h.hostile, example.label);
        all.add(true, example.label);
        let wrong = h.hostile != example.label;
        let list = if example.label { &mut fns } else { &mut fps };
        if wrong && list.len() < max_errors {
            list.push(Scored { predicted: h.hostile, score: h.score, findings: h.findings, example });
        }
    }
    Report {
        task: "hostility",
        input: input.to_string(),
        examples: n,
        skipped,
        metrics: c.metrics(),
        metrics_counting_skipped: c.metrics(),
        all_hostile: all.metrics(),
        false_positives: fps,
        false_negatives: fns,
    }
}

/// Score the comments of a thread file against per-comment labels (a CSV
/// or JSONL file with `id` and `label`). Comments without a label are
/// ignored; labels naming no comment are an error.
pub fn evaluate_thread(
    thread_path: &Path,
    labels_path: &Path,
    format: Format,
    matcher: &Matcher,
    max_errors: usize,
) -> Result<Report> {
    let labels = load_labels(labels_path)?;
    let threads = read::read_path(thread_path, format)?;
    let mut scored = Vec::new();
    let mut used = vec![false; labels.len()];
    for t in &threads {
        let hs = crate::analysis::hostility::analyze_with(t, matcher);
        for (c, h) in t.comments.iter().zip(hs) {
            if let Some(i) = labels.iter().position(|l| l.id == c.id) {
                used[i] = true;
                let e = Example { id: c.id.clone(), text: c.text.clone(), label: labels[i].label, context: Vec::new() };
                scored.push((e, h));
            }
        }
    }
    if let Some(i) = used.iter().position(|u| !u) {
        return Err(Error::invalid(format!("label for `{}`: no comment with this id in the thread", labels[i].id))
            .with_path(labels_path));
    }
    let input = format!("{} + {}", thread_path.display(), labels_path.display());
    Ok(report(&input, scored.into_iter(), 0, max_errors))
}

/// Read a labeled CSV (header with `text` or `id`, and `label`) or JSONL
/// file. Errors name the file and line.
pub fn load_labels(path: &Path) -> Result<Vec<Example>> {
    let bytes = std::fs::read(path).map_err(|e| Error::from(e).with_path(path))?;
    let text = decode_text(&bytes).map_err(|e| e.with_path(path))?;
    let jsonl = text.trim_start().starts_with('{');
    let result = if jsonl { labels_jsonl(text) } else { labels_csv(text) };
    result.map_err(|e| e.with_path(path))
}

fn labels_jsonl(text: &str) -> Result<Vec<Example>> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let n = i as u64 + 1;
        if line.trim().is_empty() {
            continue;
        }
        let v: Value = serde_json::from_str(line).map_err(|e| Error::invalid(format!("not JSON: {e}")).at_line(n))?;
        let field = |k: &str| v.get(k).and_then(|x| x.as_str()).map(str::to_string);
        let label = match v.get("label") {
            Some(Value::Bool(b)) => *b,
            Some(Value::Number(x)) if x.as_u64() == Some(0) || x.as_u64() == Some(1) => x.as_u64() == Some(1),
            Some(Value::String(s)) => parse_bool(s).map_err(|m| Error::invalid(m).at_line(n))?,
            _ => return Err(Error::invalid("missing or non-boolean `label`").at_line(n)),
        };
        let context = match v.get("context") {
            Some(Value::String(s)) => vec![s.clone()],
            Some(Value::Array(a)) => a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect(),
            _ => Vec::new(),
        };
        let (id, text) = (field("id"), field("text"));
        if id.is_none() && text.is_none() {
            return Err(Error::invalid("record has neither `text` nor `id`").at_line(n));
        }
        out.push(Example {
            id: id.unwrap_or_else(|| format!("line {n}")),
            text: text.unwrap_or_default(),
            label,
            context,
        });
    }
    Ok(out)
}

fn labels_csv(text: &str) -> Result<Vec<Example>> {
    let mut r = csv::ReaderBuilder::new().from_reader(text.as_bytes());
    let headers = r.headers().map_err(|e| Error::invalid(format!("cannot read header: {e}")).at_line(1))?.clone();
    let col = |name: &str| headers.iter().position(|h| h.trim() == name);
    let (text_col, id_col, ctx_col) = (col("text"), col("id"), col("context"));
    let label_col = col("label").ok_or_else(|| Error::invalid("header has no `label` column").at_line(1))?;
    if text_col.is_none() && id_col.is_none() {
        return Err(Error::invalid("header has neither `text` nor `id`").at_line(1));
    }
    let mut out = Vec::new();
    for rec in r.records() {
        let rec = rec.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            Error::invalid(format!("malformed CSV: {e}")).at_line(line)
        })?;
        let line = rec.position().map_or(0, |p| p.line());
        let get = |c: Option<usize>| c.and_then(|i| rec.get(i)).map(str::to_string);
        let label = parse_bool(rec.get(label_col).unwrap_or("")).map_err(|m| Error::invalid(m).at_line(line))?;
        out.push(Example {
            id: get(id_col).filter(|s| !s.is_empty()).unwrap_or_else(|| format!("line {line}")),
            text: get(text_col).unwrap_or_default(),
            label,
            context: get(ctx_col).filter(|s| !s.is_empty()).into_iter().collect(),
        });
    }
    Ok(out)
}

fn parse_bool(s: &str) -> std::result::Result<bool, String> {
    match s.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "hostile" => Ok(true),
        "false" | "0" | "no" | "civil" => Ok(false),
        other => Err(format!("label `{other}` is not a boolean (true/false, 1/0, yes/no)")),
    }
}

/// Load the cmv-adhominem chains in `dir` (files `N_ah_*.json` and
/// `N_delta_*.json`, one Reddit comment JSON per line): the last comment of
/// each chain, labeled hostile for `ah`, with the earlier comments as
/// context. Files are read in order of (N, kind) so output is stable.
pub fn load_cmv(dir: &Path, split: Split) -> Result<Vec<Example>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| Error::from(e).with_path(dir))? {
        let path = entry.map_err(|e| Error::from(e).with_path(dir))?.path();
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let mut parts = name.splitn(3, '_');
        let (Some(num), Some(kind)) = (parts.next(), parts.next()) else { continue };
        let Ok(num) = num.parse::<u64>() else { continue };
        let label = match kind {
            "ah" => true,
            "delta" => false,
            _ => continue,
        };
        let keep = match split {
            Split::All => true,
            Split::Dev => num % 2 == 0,
            Split::Test => num % 2 == 1,
        };
        if keep && name.ends_with(".json") {
            files.push((num, !label, name, path, label));
        }
    }
    files.sort();
    let mut out = Vec::with_capacity(files.len());
    for (_, _, name, path, label) in files {
        let bytes = std::fs::read(&path).map_err(|e| Error::from(e).with_path(&path))?;
        let text = decode_text(&bytes).map_err(|e| e.with_path(&path))?;
        let mut bodies = Vec::new();
        for (i, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
            let v: Value = serde_json::from_str(line)
                .map_err(|e| Error::invalid(format!("not JSON: {e}")).with_path(&path).at_line(i as u64 + 1))?;
            let body = v.get("body").and_then(Value::as_str).unwrap_or("").to_string();
            bodies.push(body);
        }
        let Some(last) = bodies.pop() else { continue };
        bodies.reverse();
        out.push(Example { id: name.trim_end_matches(".json").to_string(), text: last, label, context: bodies });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_files_parse_with_line_errors() {
        let dir = std::env::temp_dir().join(format!("threadlens-hostility-labels-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let csv = dir.join("l.csv");
        std::fs::write(&csv, "text,label\n\"you moron\",true\nhello,0\nbad,maybe\n").unwrap();
        let e = load_labels(&csv).unwrap_err();
        assert_eq!(e.position().line, Some(4));
        assert!(e.to_string().contains("l.csv:4: label `maybe`"), "{e}");
        std::fs::write(&csv, "text,label\n\"you moron\",true\nhello,0\n").unwrap();
        let ex = load_labels(&csv).unwrap();
        assert_eq!((ex[0].label, ex[1].label, ex[1].id.as_str()), (true, false, "line 3"));
        let jl = dir.join("l.jsonl");
        std::fs::write(&jl, "{\"text\":\"x\",\"label\":true,\"context\":[\"y\"]}\n{\"text\":\"z\"}\n").unwrap();
        assert_eq!(load_labels(&jl).unwrap_err().position().line, Some(2));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn evaluate_counts_and_skips_removed() {
        let ex = |t: &str, l: bool| Example { id: t.into(), text: t.into(), label: l, context: vec![] };
        let examples = vec![
            ex("you moron", true),
            ex("I disagree with the premise.", false),
            ex("[removed]", true),
            ex("you are so stupid", false),
            ex("good point", true),
        ];
        let r = evaluate("t", examples, Matcher::builtin(), 10);
        assert_eq!(r.skipped, 1);
        let c = r.metrics.confusion;
        assert_eq!((c.tp, c.fp, c.tn, c.fn_), (1, 1, 1, 1));
        assert_eq!(r.false_positives[0].example.text, "you are so stupid");
        assert_eq!(r.false_positives[0].findings[0].rule, "ins.you_are_adj");
        assert_eq!(r.false_negatives[0].example.text, "good point");
    }
}
