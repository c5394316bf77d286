//! Scoring and training the pushback detector against stance labels.
//!
//! Labels map a comment id to a stance. RumourEval keys (`train-key.json`,
//! `dev-key.json`: `{"subtaskaenglish": {id: stance}}`) and CSV files with
//! columns `comment_id,label` are read. Stances map to the two tasks:
//! `deny` and `query` are pushback, `query` is an evidence request
//! (`support` and `comment` are neither). CSV labels may also say
//! `pushback`, `evidence_request` or `none` directly.
//!
//! Only comments whose id has a label are scored; the thread's post is not
//! a comment and is never scored. Figures are reported for every platform
//! (`metadata["platform"]`, `other` when absent) and for all together,
//! beside two baselines: the majority class (never pushback) and plain cue
//! words ([`cue_words`]).

use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::Path;

use serde::Serialize;

use crate::analysis::hostility::CommentHostility;
use crate::analysis::pushback::{self, act_rules, Mode};
use crate::analysis::pushback_model::{self, LogReg, Model, PlatformPolicy, Policy};
use crate::error::{Error, Result};
use crate::eval::{Confusion, Metrics};
use crate::model::Thread;

/// Gold labels: comment id → label as written.
pub type Labels = BTreeMap<String, String>;

/// Read labels from a RumourEval key (JSON) or a `comment_id,label` CSV.
pub fn load_labels(path: &Path) -> Result<Labels> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::from(e).with_path(path))?;
    if text.trim_start().starts_with('{') {
        let v: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
            Error::format(format!("labels: {e}")).with_path(path).at_line(e.line() as u64).at_column(e.column() as u64)
        })?;
        let map = v.get("subtaskaenglish").unwrap_or(&v);
        let obj = map.as_object().ok_or_else(|| {
            Error::format("labels: expected {\"subtaskaenglish\": {id: stance}} or {id: stance}").with_path(path)
        })?;
        return Ok(obj.iter().filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string()))).collect());
    }
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    let headers = rdr.headers().map_err(|e| Error::format(format!("labels: {e}")).with_path(path))?.clone();
    let col = |name: &str| headers.iter().position(|h| h == name);
    let (Some(id), Some(label)) = (col("comment_id"), col("label")) else {
        return Err(Error::format("labels CSV needs columns comment_id,label").with_path(path).at_line(1));
    };
    let mut out = Labels::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| {
            Error::format(format!("labels: {e}")).with_path(path).at_line(e.position().map_or(0, |p| p.line()))
        })?;
        out.insert(rec.get(id).unwrap_or("").to_string(), rec.get(label).unwrap_or("").to_string());
    }
    Ok(out)
}

/// `(pushback, evidence_request)` for a label, or `None` for an unknown label.
pub fn gold(label: &str) -> Option<(bool, bool)> {
    match label.trim().to_ascii_lowercase().as_str() {
        "deny" | "denial" | "pushback" => Some((true, false)),
        "query" | "evidence_request" => Some((true, true)),
        "support" | "comment" | "none" | "" => Some((false, false)),
        _ => None,
    }
}

/// The plain cue-word baseline: pushback when the text has a `?` or one of
/// a fixed list of denial / evidence words; evidence request when it has a
/// `?` or an evidence word. No rule ids, no context.
pub fn cue_words(text: &str) -> (bool, bool) {
    const DENIAL: &[&str] = &["fake", "false", "hoax", "lie", "lies", "untrue", "bullshit", "bs", "nonsense", "wrong"];
    const EVIDENCE: &[&str] = &["proof", "evidence", "source", "sources", "confirmed", "true", "really"];
    let lower = text.to_lowercase();
    let words: Vec<&str> = lower.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect();
    let q = lower.contains('?');
    let ev = words.iter().any(|w| EVIDENCE.contains(w));
    let den = words.iter().any(|w| DENIAL.contains(w)) || lower.contains("not true");
    (q || ev || den, q || ev)
}

/// Which system is scored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum System {
    /// threadlens rules + model (the default detector).
    Detector,
    /// threadlens hand rules alone.
    Rules,
    /// Plain cue words ([`cue_words`]).
    CueWords,
    /// Always "no pushback".
    Majority,
}

impl System {
    /// Every system, in report order.
    pub const ALL: [System; 4] = [System::Detector, System::Rules, System::CueWords, System::Majority];

    /// Its name in reports.
    pub fn name(self) -> &'static str {
        match self {
            System::Detector => "threadlens (rules+model)",
            System::Rules => "threadlens rules only",
            System::CueWords => "cue-word baseline",
            System::Majority => "majority (never)",
        }
    }
}

/// Figures of one system on one slice.
#[derive(Clone, Debug, Serialize)]
pub struct SystemFigures {
    /// Pushback (deny + query).
    pub pushback: Metrics,
    /// Evidence request (query).
    pub evidence_request: Metrics,
}

/// A misclassified comment, for error analysis.
#[derive(Clone, Debug, Serialize)]
pub struct Miss {
    /// `fp` or `fn`.
    pub kind: &'static str,
    /// Platform.
    pub platform: String,
    /// Comment id.
    pub id: String,
    /// Gold label as written.
    pub label: String,
    /// Acts and rules that fired (empty for a miss).
    pub why: String,
    /// The comment text (first 160 characters).
    pub text: String,
}

/// The whole evaluation.
#[derive(Clone, Debug, Serialize)]
pub struct PushbackEval {
    /// Labeled comments found per platform (and `all`).
    pub counts: BTreeMap<String, u64>,
    /// Labels on the threads' source posts (posts are not scored).
    pub post_labels: u64,
    /// Labels whose comment id was not in the input.
    pub unmatched_labels: u64,
    /// slice (`all`, `reddit`, `twitter`, …) → system → figures.
    pub figures: BTreeMap<String, BTreeMap<System, SystemFigures>>,
    /// The detector's pushback mistakes (up to `max_misses` of each kind).
    pub misses: Vec<Miss>,
}

/// Score every system on every labeled comment of `threads`.
pub fn evaluate(threads: &[Thread], labels: &Labels, max_misses: usize, model: &Model) -> PushbackEval {
    let mut conf: BTreeMap<String, BTreeMap<System, (Confusion, Confusion)>> = BTreeMap::new();
    let mut counts: BTreeMap<String, u64> = BTreeMap::new();
    let mut misses = Vec::new();
    let (mut n_fp, mut n_fn) = (0, 0);
    let mut matched = 0u64;
    let no_hostility: Vec<CommentHostility> = Vec::new();
    let mut post_labels = 0u64;
    for t in threads {
        if t.post.id.as_ref().is_some_and(|id| labels.contains_key(id)) {
            post_labels += 1;
        }
        let labeled: Vec<usize> = (0..t.comments.len()).filter(|&i| labels.contains_key(&t.comments[i].id)).collect();
        if labeled.is_empty() {
            continue;
        }
        let det = pushback::analyze_with(t, &no_hostility, Mode::RulesAndModel, model);
        let rules = pushback::analyze_with(t, &no_hostility, Mode::Rules, model);
        for i in labeled {
            let c = &t.comments[i];
            let label = &labels[&c.id];
            let Some((g_push, g_er)) = gold(label) else { continue };
            matched += 1;
            let platform = c.metadata().get("platform").cloned().unwrap_or_else(|| "other".into());
            for slice in ["all".to_string(), platform.clone()] {
                *counts.entry(slice.clone()).or_default() += 1;
                let per = conf.entry(slice).or_default();
                for sys in System::ALL {
                    let (p, e) = match sys {
                        System::Detector => (det.comments[i].pushback, det.comments[i].evidence_request),
                        System::Rules => (rules.comments[i].pushback, rules.comments[i].evidence_request),
                        System::CueWords => cue_words(&c.text),
                        System::Majority => (false, false),
                    };
                    let entry = per.entry(sys).or_default();
                    entry.0.add(p, g_push);
                    entry.1.add(e, g_er);
                }
            }
            let cp = &det.comments[i];
            let kind = match (cp.pushback, g_push) {
                (true, false) if n_fp < max_misses => {
                    n_fp += 1;
                    "fp"
                }
                (false, true) if n_fn < max_misses => {
                    n_fn += 1;
                    "fn"
                }
                _ => continue,
            };
            let why = cp
                .findings
                .iter()
                .filter(|f| f.counts())
                .map(|f| format!("{}:{} {:?}", f.category.name(), f.rule, f.matched))
                .collect::<Vec<_>>()
                .join("; ");
            misses.push(Miss {
                kind,
                platform,
                id: c.id.clone(),
                label: label.clone(),
                why,
                text: crate::cli::excerpt(&c.text, 160),
            });
        }
    }
    let figures = conf
        .into_iter()
        .map(|(slice, per)| {
            let per = per
                .into_iter()
                .map(|(s, (p, e))| (s, SystemFigures { pushback: p.metrics(), evidence_request: e.metrics() }))
                .collect();
            (slice, per)
        })
        .collect();
    let known = labels.values().filter(|l| gold(l).is_some()).count() as u64;
    PushbackEval { counts, post_labels, unmatched_labels: known.saturating_sub(matched + post_labels), figures, misses }
}

/// Render the evaluation as a plain-text report.
pub fn write_report<W: Write>(ev: &PushbackEval, mut w: W) -> std::io::Result<()> {
    for (slice, per) in &ev.figures {
        writeln!(w, "== {slice}: {} labeled comments", ev.counts.get(slice).copied().unwrap_or(0))?;
        writeln!(w, "{:<26} {:>27} {:>27}", "system", "pushback P / R / F1", "evidence_request P / R / F1")?;
        for (sys, f) in per {
            writeln!(
                w,
                "{:<26} {:>8.3} {:>8.3} {:>8.3} {:>8.3} {:>8.3} {:>8.3}",
                sys.name(),
                f.pushback.precision,
                f.pushback.recall,
                f.pushback.f1,
                f.evidence_request.precision,
                f.evidence_request.recall,
                f.evidence_request.f1
            )?;
        }
        if let Some(f) = per.get(&System::Detector) {
            let (p, e) = (f.pushback.confusion, f.evidence_request.confusion);
            writeln!(w, "detector confusion pushback: tp {} fp {} fn {} tn {}", p.tp, p.fp, p.fn_, p.tn)?;
            writeln!(w, "detector confusion evidence_request: tp {} fp {} fn {} tn {}", e.tp, e.fp, e.fn_, e.tn)?;
        }
        writeln!(w)?;
    }
    if ev.post_labels > 0 {
        writeln!(w, "{} labels are on source posts (the thread's post is not a comment; not scored)", ev.post_labels)?;
    }
    if ev.unmatched_labels > 0 {
        writeln!(w, "{} labels name comments not in the input (not scored)", ev.unmatched_labels)?;
    }
    if !ev.misses.is_empty() {
        writeln!(w, "misclassified (detector, pushback):")?;
        for m in &ev.misses {
            writeln!(w, "  {} {} {} [{}] {} | {}", m.kind, m.platform, m.id, m.label, m.why, m.text)?;
        }
    }
    Ok(())
}

/// What training produced, for the report.
#[derive(Clone, Debug, Serialize)]
pub struct TrainReport {
    /// Training examples (labeled comments found).
    pub examples: usize,
    /// Threads they came from.
    pub threads: usize,
    /// Chosen pushback threshold and its cross-validated F1 (all comments).
    pub pushback: (f32, f64),
    /// Chosen evidence-request threshold and its cross-validated F1.
    pub evidence_request: (f32, f64),
    /// Per platform and task (`pushback`, `evidence_request`): the chosen
    /// policy, threshold and cross-validated F1 on that platform, beside
    /// the cross-validated F1 of the shared threshold with rules-or-model.
    pub platforms: Vec<PlatformChoice>,
    /// Cross-validated pushback F1 over all comments with the per-platform
    /// decisions.
    pub pushback_cv_f1: f64,
}

/// One per-platform decision chosen by cross-validation.
#[derive(Clone, Debug, Serialize)]
pub struct PlatformChoice {
    /// Task: `pushback` or `evidence_request`.
    pub task: &'static str,
    /// Platform.
    pub platform: String,
    /// Chosen policy.
    pub policy: &'static str,
    /// Chosen threshold.
    pub threshold: f32,
    /// Its cross-validated F1 on the platform.
    pub cv_f1: f64,
    /// Cross-validated F1 on the platform of the shared threshold, rules or model.
    pub shared_cv_f1: f64,
    /// Training comments of the platform.
    pub examples: usize,
}

/// The folder a thread folder sits in (RumourEval: the news event).
fn event_of(t: &Thread) -> Option<String> {
    let p = Path::new(&t.source.path);
    p.parent().and_then(|d| d.file_name()).map(|n| n.to_string_lossy().into_owned())
}

/// A training row.
struct Row {
    fold: usize,
    x: Vec<u64>,
    push: bool,
    er: bool,
    platform: String,
    /// The hand rules alone flag pushback / an evidence request.
    rule_push: bool,
    rule_er: bool,
}

const EPOCHS: usize = 8;
const L2: f32 = 3e-2;
const FOLDS: usize = 5;
/// Features seen in fewer training comments than this are dropped.
const MIN_DF: usize = 3;
/// Loss weight of positive examples.
const POS_WEIGHT: f32 = 1.0;

fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

/// The F1-optimal threshold (0.05 ..= 0.95) over cross-validated scores
/// `(probability, rule fired, gold)`; with `rules` a rule hit is positive
/// whatever the score. First best wins.
fn best_threshold(scored: &[(f32, bool, bool)], rules: bool) -> (f32, f64) {
    let (mut best_t, mut best_f1) = (0.5f32, -1.0f64);
    for k in 5..=95 {
        let t = k as f32 / 100.0;
        let mut c = Confusion::default();
        for &(p, r, y) in scored {
            c.add((rules && r) || p >= t, y);
        }
        if c.f1() > best_f1 {
            (best_t, best_f1) = (t, c.f1());
        }
    }
    (best_t, best_f1)
}

/// Train both models on the labeled comments of `threads`. Thresholds come
/// from 5-fold cross-validation: Twitter threads are grouped by news event
/// (the folder they sit in), other threads by thread. Per platform, the
/// policy (rules or model, or model alone) and threshold with the best
/// cross-validated F1 on that platform's comments are kept.
pub fn train(threads: &[Thread], labels: &Labels) -> (Model, TrainReport) {
    let mut names: HashMap<u64, String> = HashMap::new();
    let mut rows: Vec<Row> = Vec::new();
    let mut used_threads = 0;
    let no_model = Model::default();
    for t in threads {
        let before = rows.len();
        let rules = pushback::analyze_with(t, &[], Mode::Rules, &no_model);
        for (i, c) in t.comments.iter().enumerate() {
            let Some((p, e)) = labels.get(&c.id).and_then(|l| gold(l)) else { continue };
            if c.status.is_stand_in() {
                continue;
            }
            let hits = act_rules().hits(&c.text);
            let x = pushback_model::features_named(&c.text, &hits, c.parent.is_none(), Some(&mut names));
            rows.push(Row {
                fold: 0,
                x,
                push: p,
                er: e,
                platform: c.metadata().get("platform").cloned().unwrap_or_else(|| "other".into()),
                rule_push: rules.comments[i].pushback,
                rule_er: rules.comments[i].evidence_request,
            });
        }
        if rows.len() > before {
            // Twitter threads sit in one folder per news event: hold out
            // whole events, so thresholds are chosen for unseen events.
            let fold = match (t.post.metadata.get("platform").map(String::as_str), event_of(t)) {
                (Some("twitter"), Some(event)) => pushback_model::feature_id(&event) as usize,
                _ => used_threads,
            };
            for r in &mut rows[before..] {
                r.fold = fold;
            }
            used_threads += 1;
        }
    }
    let mut df: HashMap<u64, usize> = HashMap::new();
    for r in &rows {
        for f in &r.x {
            *df.entry(*f).or_default() += 1;
        }
    }
    for r in &mut rows {
        r.x.retain(|f| df[f] >= MIN_DF);
    }
    let platforms: Vec<String> = {
        let mut v: Vec<String> = rows.iter().map(|r| r.platform.clone()).collect();
        v.sort();
        v.dedup();
        v
    };
    let mut choices = Vec::new();
    let mut fit = |task: &'static str, label: fn(&Row) -> bool, rule: fn(&Row) -> bool| -> (LogReg, f64, Confusion) {
        let mut scored: Vec<(f32, bool, bool, usize)> = Vec::new();
        for fold in 0..FOLDS {
            let train: Vec<pushback_model::Example> =
                rows.iter().filter(|r| r.fold % FOLDS != fold).map(|r| (r.x.clone(), label(r))).collect();
            let (b, w) = pushback_model::train(&train, EPOCHS, L2, POS_WEIGHT);
            scored.extend(
                rows.iter()
                    .enumerate()
                    .filter(|(_, r)| r.fold % FOLDS == fold)
                    .map(|(k, r)| (pushback_model::predict_raw(b, &w, &r.x), rule(r), label(r), k)),
            );
        }
        scored.sort_by_key(|s| s.3);
        // The shared threshold (model where rules are silent), as before.
        let pooled: Vec<(f32, bool, bool)> = scored.iter().map(|s| (s.0, false, s.2)).collect();
        let (best_t, best_f1) = best_threshold(&pooled, false);
        let all: Vec<pushback_model::Example> = rows.iter().map(|r| (r.x.clone(), label(r))).collect();
        let (b, w) = pushback_model::train(&all, EPOCHS, L2, POS_WEIGHT);
        let weights = w.into_iter().filter(|(_, v)| v.abs() >= 0.05).map(|(f, v)| (names[&f].clone(), v));
        let mut lr = LogReg::new(b, best_t, weights);
        let mut total = Confusion::default();
        for p in &platforms {
            let mine: Vec<(f32, bool, bool)> =
                scored.iter().filter(|s| rows[s.3].platform == *p).map(|s| (s.0, s.1, s.2)).collect();
            let shared = {
                let mut c = Confusion::default();
                mine.iter().for_each(|&(q, r, y)| c.add(r || q >= best_t, y));
                c.f1()
            };
            let (t_or, f_or) = best_threshold(&mine, true);
            let (t_m, f_m) = best_threshold(&mine, false);
            let (policy, threshold, f1) =
                if f_m > f_or { (Policy::Model, t_m, f_m) } else { (Policy::RulesOrModel, t_or, f_or) };
            for &(q, r, y) in &mine {
                total.add((policy == Policy::RulesOrModel && r) || q >= threshold, y);
            }
            lr.platforms.insert(p.clone(), PlatformPolicy { threshold, policy });
            choices.push(PlatformChoice {
                task,
                platform: p.clone(),
                policy: policy.name(),
                threshold,
                cv_f1: round4(f1),
                shared_cv_f1: round4(shared),
                examples: mine.len(),
            });
        }
        (lr, best_f1, total)
    };
    let (pushback, f_push, push_total) = fit("pushback", |r| r.push, |r| r.rule_push);
    let (evidence_request, f_er, _) = fit("evidence_request", |r| r.er, |r| r.rule_er);
    let report = TrainReport {
        examples: rows.len(),
        threads: used_threads,
        pushback: (pushback.threshold, round4(f_push)),
        evidence_request: (evidence_request.threshold, round4(f_er)),
        platforms: choices,
        pushback_cv_f1: round4(push_total.f1()),
    };
    (Model::new(pushback, evidence_request), report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gold_mapping() {
        assert_eq!(gold("deny"), Some((true, false)));
        assert_eq!(gold("query"), Some((true, true)));
        assert_eq!(gold("support"), Some((false, false)));
        assert_eq!(gold("comment"), Some((false, false)));
        assert_eq!(gold("banana"), None);
    }

    fn fixture(p: &str) -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures").join(p)
    }

    #[test]
    fn rumoureval_fixture_figures() {
        let threads = crate::read::read_path(&fixture("rumoureval"), crate::read::Format::Auto).unwrap();
        let labels = load_labels(&fixture("rumoureval/key.json")).unwrap();
        assert_eq!(labels.len(), 24);
        let ev = evaluate(&threads, &labels, 10, crate::analysis::pushback_model::builtin());
        assert_eq!((ev.counts["all"], ev.counts["twitter"], ev.counts["reddit"]), (21, 17, 4));
        assert_eq!((ev.post_labels, ev.unmatched_labels), (3, 0));
        // These threads are training threads: the detector row is an
        // in-sample fit, pinned as a regression check, not a quality figure.
        let all = &ev.figures["all"];
        let c = all[&System::Detector].pushback.confusion;
        assert_eq!((c.tp, c.fp, c.fn_, c.tn), (7, 0, 0, 14));
        let r = all[&System::Rules].pushback.confusion;
        assert_eq!((r.tp, r.fp, r.fn_, r.tn), (2, 0, 5, 14));
        let q = all[&System::CueWords].pushback.confusion;
        assert_eq!((q.tp, q.fp, q.fn_, q.tn), (4, 3, 3, 11));
        assert_eq!(all[&System::Majority].pushback.f1, 0.0);
    }

    #[test]
    fn csv_labels_and_errors() {
        let dir = std::env::temp_dir().join(format!("threadlens-pushback-labels-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let ok = dir.join("ok.csv");
        std::fs::write(&ok, "comment_id,label\nc1,pushback\nc2,none\n").unwrap();
        let l = load_labels(&ok).unwrap();
        assert_eq!(l.get("c1").map(String::as_str), Some("pushback"));
        let bad = dir.join("bad.csv");
        std::fs::write(&bad, "id,stance\nc1,deny\n").unwrap();
        let e = load_labels(&bad).unwrap_err().to_string();
        assert!(e.contains("bad.csv") && e.contains("comment_id,label"), "{e}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn cue_word_baseline() {
        assert_eq!(cue_words("Is this real?"), (true, true));
        assert_eq!(cue_words("That's fake"), (true, false));
        assert_eq!(cue_words("RIP to the victims"), (false, false));
    }
}
