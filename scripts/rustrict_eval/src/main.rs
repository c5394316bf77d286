//! rustrict on the cmv-adhominem halves (same split and skipping as
//! `threadlens eval --task hostility --cmv DIR --split dev|test`), on the
//! profanity and evasion lines of fixtures/lexicon/positive.txt, and its
//! speed on ~1 MB of seed text.
use rustrict::{CensorStr, Type};
use std::time::Instant;

fn load(dir: &str, parity: u64) -> Vec<(String, bool)> {
    let mut files: Vec<(u64, bool, String)> = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let name = e.unwrap().file_name().to_string_lossy().into_owned();
        let parts: Vec<&str> = name.splitn(3, '_').collect();
        if parts.len() < 3 || !name.ends_with(".json") {
            continue;
        }
        let Ok(n) = parts[0].parse::<u64>() else { continue };
        if n % 2 != parity || !(parts[1] == "ah" || parts[1] == "delta") {
            continue;
        }
        files.push((n, parts[1] != "ah", name));
    }
    files.sort();
    let mut out = Vec::new();
    for (_, not_ah, name) in files {
        let text = std::fs::read_to_string(format!("{dir}/{name}")).unwrap();
        let last = text.lines().filter(|l| !l.trim().is_empty()).last().unwrap();
        let v: serde_json::Value = serde_json::from_str(last).unwrap();
        let body = v["body"].as_str().unwrap_or("").to_string();
        if matches!(body.trim(), "" | "[removed]" | "[deleted]") {
            continue;
        }
        out.push((body, !not_ah));
    }
    out
}

fn report(name: &str, ex: &[(String, bool)], pred: impl Fn(&str) -> bool) {
    let (mut tp, mut fp, mut tn, mut fn_) = (0, 0, 0, 0);
    for (t, l) in ex {
        match (pred(t), *l) {
            (true, true) => tp += 1,
            (true, false) => fp += 1,
            (false, false) => tn += 1,
            (false, true) => fn_ += 1,
        }
    }
    let p = tp as f64 / (tp + fp).max(1) as f64;
    let r = tp as f64 / (tp + fn_).max(1) as f64;
    let f1 = if p + r > 0.0 { 2.0 * p * r / (p + r) } else { 0.0 };
    let a = (tp + tn) as f64 / ex.len() as f64;
    println!("{name:40} P {p:.4} R {r:.4} F1 {f1:.4} acc {a:.4} (tp {tp} fp {fp} tn {tn} fn {fn_})");
}

fn main() {
    let dir = std::env::args().nth(1).expect("cmv chains dir");
    for (split, parity) in [("dev", 0), ("test", 1)] {
        let ex = load(&dir, parity);
        println!("split {split}: {} examples", ex.len());
        report("rustrict is(INAPPROPRIATE)", &ex, |t| t.is(Type::INAPPROPRIATE));
        report("rustrict is(MEAN | OFFENSIVE, >= moderate)", &ex, |t| {
            t.is((Type::MEAN | Type::OFFENSIVE) & Type::MODERATE_OR_HIGHER)
        });
        report("rustrict is(PROFANE, >= moderate)", &ex, |t| t.is(Type::PROFANE & Type::MODERATE_OR_HIGHER));
    }
    let pos = std::fs::read_to_string("fixtures/lexicon/positive.txt").unwrap();
    let mut missed = Vec::new();
    let mut n = 0;
    for line in pos.lines().filter(|l| l.starts_with("profanity\t") || l.starts_with("insult\t")) {
        let text = line.split_once('\t').unwrap().1;
        n += 1;
        if !text.is(Type::INAPPROPRIATE) {
            missed.push(text);
        }
    }
    println!("positive.txt profanity+insult lines: rustrict misses {} of {n}: {missed:?}", missed.len());
    let neg = std::fs::read_to_string("fixtures/lexicon/negative.txt").unwrap();
    let flagged: Vec<&str> = neg.lines().filter(|l| !l.starts_with('#') && l.is(Type::INAPPROPRIATE)).collect();
    println!("negative.txt: rustrict flags {}: {flagged:?}", flagged.len());
    let mut seed = String::new();
    for e in std::fs::read_dir("fixtures/seeds").unwrap() {
        seed.push_str(&std::fs::read_to_string(e.unwrap().path()).unwrap());
    }
    let big = seed.repeat(1_000_000 / seed.len() + 1);
    let t = Instant::now();
    let mut hits = 0;
    for _ in 0..3 {
        hits += big.is(Type::INAPPROPRIATE) as usize;
        hits += rustrict::Censor::from_str(&big).analyze().is(Type::PROFANE) as usize;
    }
    let secs = t.elapsed().as_secs_f64() / 6.0;
    println!("speed: {:.1} MB/s on {} bytes ({hits})", big.len() as f64 / secs / 1e6, big.len());
}
