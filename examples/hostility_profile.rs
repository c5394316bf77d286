//! Profile helper: score the seed comments (or the `text` of every line of
//! a JSON Lines file) N times, for callgrind.
//!
//! `hostility_profile N [FILE.jsonl] [STAGE]` (FILE `""`: the seeds); STAGE `normalize`, `scan`
//! (normalize + scan), `rules` (the lexicon rules, no model) or `model` runs that stage alone; `all` (the
//! default) runs `analyze_text`.
// The binary's allocator (src/main.rs): the detectors allocate per comment,
// so the allocator is part of what the user gets.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::path::Path;
use threadlens::analysis::hostility::{analyze_text, Context};
use threadlens::analysis::lexicon::Matcher;
use threadlens::read::{read_path, Format};

fn main() {
    let reps: usize = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(1);
    let mut comments = Vec::new();
    if let Some(file) = std::env::args().nth(2).filter(|f| !f.is_empty()) {
        for line in std::fs::read_to_string(file).unwrap().lines() {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            comments.push(v["text"].as_str().unwrap().to_string());
        }
    } else {
        let mut paths: Vec<_> = std::fs::read_dir("fixtures/seeds").unwrap().map(|e| e.unwrap().path()).collect();
        paths.sort();
        for p in paths {
            for t in read_path(Path::new(&p), Format::Auto).unwrap() {
                comments.extend(t.comments.into_iter().map(|c| c.text));
            }
        }
    }
    let stage = std::env::args().nth(3).unwrap_or_else(|| "all".to_string());
    let m = Matcher::builtin();
    let rules_only = m.clone().without_model();
    let _ = analyze_text("warm up you idiot", &Context::default(), m);
    let mut n = 0;
    let mut f = 0;
    let mut bytes = 0;
    for _ in 0..reps {
        for c in &comments {
            match stage.as_str() {
                "normalize" => n += m.normalize(c).text.len(),
                "scan" => f += m.scan(&m.normalize(c).text).len(),
                "rules" => n += analyze_text(c, &Context::default(), &rules_only).hostile as usize,
                "rules+model" => {
                    n += analyze_text(c, &Context::default(), &rules_only).hostile as usize;
                    f += m.model().and_then(|model| model.score(c)).is_some() as usize;
                }
                "model" => n += m.model().and_then(|model| model.score(c)).is_some() as usize,
                _ => {
                    let h = analyze_text(c, &Context::default(), m);
                    n += h.hostile as usize;
                    f += h.findings.len();
                }
            }
            bytes += c.len();
        }
    }
    println!("{} comments, {bytes} bytes, {n} hostile, {f} findings", comments.len() * reps);
}
