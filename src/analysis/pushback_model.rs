//! A small logistic-regression model for pushback, shipped as data.
//!
//! Features are binary: lower-cased word unigrams and bigrams (with a
//! start-of-text token, `<url>`, `<user>`, `<num>`, `?` and `!` as
//! tokens), the id and category of every hand rule that fired
//! (`r:er_source_q`, `c:denial`), and `s:top` for replies to the post.
//! A feature's id is the 64-bit FNV-1a hash of its name, so the shipped
//! file (`lexicons/pushback_model.tsv`) lists names and weights, and
//! extraction hashes tokens in place without building strings per feature.
//!
//! Two models share the features: `pushback` (RumourEval deny + query) and
//! `evidence_request` (query). They are trained by
//! `threadlens train-pushback` on the RumourEval training threads only;
//! training is deterministic (fixed order and seed), and the decision
//! threshold is the one that maximizes F1 in 5-fold cross-validation over
//! training threads.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::LazyLock;

use crate::analysis::pushback::RuleHit;
use crate::error::{Error, Result};

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

fn fnv(mut h: u64, bytes: &[u8]) -> u64 {
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(FNV_PRIME);
    }
    h
}

/// The id of a feature name: FNV-1a (64 bit) of the name, except for
/// bigrams (`b:LEFT RIGHT`), whose id combines the FNV-1a hashes of the two
/// tokens so extraction never re-hashes a bigram's text.
pub fn feature_id(name: &str) -> u64 {
    if let Some((a, b)) = name.strip_prefix("b:").and_then(|r| r.split_once(' ')) {
        return bigram_id(fnv(FNV_OFFSET, a.as_bytes()), fnv(FNV_OFFSET, b.as_bytes()));
    }
    fnv(FNV_OFFSET, name.as_bytes())
}

fn bigram_id(left: u64, right: u64) -> u64 {
    (left.rotate_left(29) ^ right ^ 0x9e37_79b9_7f4a_7c15).wrapping_mul(0xff51_afd7_ed55_8ccd)
}

/// Token kinds the tokenizer folds to one symbol.
const START: &[u8] = b"<s>";
const URL: &[u8] = b"<url>";
const USER: &[u8] = b"<user>";
const NUM: &[u8] = b"<num>";

/// Extract feature ids (sorted, deduplicated) from a comment.
///
/// Tokens: runs of letters, digits, `'`, `’` (as `'`) and `_`, lower-cased,
/// apostrophes trimmed; `http…:`/`www.` runs up to whitespace are `<url>`,
/// `@name` is `<user>` (leading ones are dropped), all-digit tokens are
/// `<num>`, `#tag` is `tag`, and `?` and `!` are tokens. `hits` are the
/// pushback rule hits in the text; `top` is true for a reply to the post.
/// When `names` is given, every feature's name is recorded too (training
/// and explanations use it).
pub fn features_named(
    text: &str,
    hits: &[RuleHit],
    top: bool,
    mut names: Option<&mut HashMap<u64, String>>,
) -> Vec<u64> {
    let mut out: Vec<u64> = Vec::with_capacity(text.len() / 3 + 8);
    let w_state = fnv(FNV_OFFSET, b"w:");
    let bytes = text.as_bytes();
    let mut tok: Vec<u8> = Vec::with_capacity(32);
    let mut prev: Vec<u8> = START.to_vec();
    let mut prev_hash = fnv(FNV_OFFSET, START);
    let mut at_start = true;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        tok.clear();
        if b == b'?' || b == b'!' {
            tok.push(b);
            i += 1;
        } else {
            let (first, len) = if b.is_ascii() {
                (b as char, 1)
            } else {
                let c = text[i..].chars().next().unwrap_or(' ');
                (c, c.len_utf8())
            };
            let starts = first.is_alphanumeric() || matches!(first, '@' | '#' | '\'' | '’');
            if !starts {
                i += len;
                continue;
            }
            i += len;
            if first != '#' && first != '@' {
                push_lower(&mut tok, first);
            }
            while i < bytes.len() {
                let n = bytes[i];
                if n.is_ascii() {
                    if n.is_ascii_alphanumeric() || n == b'\'' || n == b'_' {
                        tok.push(n.to_ascii_lowercase());
                        i += 1;
                    } else {
                        break;
                    }
                } else {
                    let c = text[i..].chars().next().unwrap_or(' ');
                    if c.is_alphanumeric() || c == '’' {
                        push_lower(&mut tok, c);
                        i += c.len_utf8();
                    } else {
                        break;
                    }
                }
            }
            let url = match tok.as_slice() {
                b"http" | b"https" => bytes.get(i) == Some(&b':'),
                b"www" => bytes.get(i) == Some(&b'.'),
                _ => false,
            };
            if url {
                while i < bytes.len() && !bytes[i].is_ascii_whitespace() {
                    i += 1;
                }
                tok.clear();
                tok.extend_from_slice(URL);
            } else if first == '@' {
                tok.clear();
                tok.extend_from_slice(USER);
            } else if !tok.is_empty() && tok.iter().all(u8::is_ascii_digit) {
                tok.clear();
                tok.extend_from_slice(NUM);
            } else {
                let lead = tok.iter().take_while(|&&c| c == b'\'').count();
                let trail = tok[lead..].iter().rev().take_while(|&&c| c == b'\'').count();
                tok.truncate(tok.len() - trail);
                tok.drain(..lead);
                if tok.is_empty() {
                    continue;
                }
            }
        }
        // Leading @mentions of Twitter replies carry no stance.
        if at_start && tok.as_slice() == USER {
            continue;
        }
        at_start = false;
        let hash = fnv(FNV_OFFSET, &tok);
        out.push(fnv(w_state, &tok));
        out.push(bigram_id(prev_hash, hash));
        if let Some(n) = names.as_deref_mut() {
            let (p, t) = (String::from_utf8_lossy(&prev), String::from_utf8_lossy(&tok));
            n.entry(fnv(w_state, &tok)).or_insert_with(|| format!("w:{t}"));
            n.entry(bigram_id(prev_hash, hash)).or_insert_with(|| format!("b:{p} {t}"));
        }
        std::mem::swap(&mut prev, &mut tok);
        prev_hash = hash;
    }
    let mut push = |name: &str| {
        let id = fnv(FNV_OFFSET, name.as_bytes());
        out.push(id);
        if let Some(n) = names.as_deref_mut() {
            n.entry(id).or_insert_with(|| name.to_string());
        }
    };
    for h in hits {
        push(&format!("r:{}", h.rule));
        push(&format!("c:{}", h.category));
    }
    if top {
        push("s:top");
    }
    // Shape: length bucket (whitespace-separated words, @mentions aside) and a question at the end.
    let words = text.split_whitespace().filter(|w| !w.starts_with('@')).count();
    push(match words {
        0..=4 => "s:len0-4",
        5..=12 => "s:len5-12",
        13..=30 => "s:len13-30",
        _ => "s:len31+",
    });
    if text.trim_end().ends_with('?') {
        push("s:ends_q");
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// Append the lower case of `c` (curly apostrophes as `'`).
fn push_lower(buf: &mut Vec<u8>, c: char) {
    if c.is_ascii() {
        buf.push(c.to_ascii_lowercase() as u8);
    } else if c == '’' {
        buf.push(b'\'');
    } else {
        let mut tmp = [0u8; 4];
        for l in c.to_lowercase() {
            buf.extend_from_slice(l.encode_utf8(&mut tmp).as_bytes());
        }
    }
}

/// [`features_named`] without names.
pub fn features(text: &str, hits: &[RuleHit], top: bool) -> Vec<u64> {
    features_named(text, hits, top, None)
}

/// Feature ids are already FNV hashes: use them as the hash.
#[derive(Clone, Copy, Debug, Default)]
pub struct IdHasher(u64);

impl std::hash::Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        self.0 = fnv(self.0 ^ FNV_OFFSET, bytes);
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

type IdMap<V> = HashMap<u64, V, std::hash::BuildHasherDefault<IdHasher>>;

/// One logistic-regression model: bias, weights by feature id, threshold.
#[derive(Clone, Debug, Default)]
pub struct LogReg {
    /// Intercept.
    pub bias: f32,
    /// Decision threshold on the probability.
    pub threshold: f32,
    weights: IdMap<(f32, Box<str>)>,
}

impl LogReg {
    /// A model from a bias, a threshold and named weights.
    pub fn new(bias: f32, threshold: f32, weights: impl IntoIterator<Item = (String, f32)>) -> LogReg {
        let weights = weights.into_iter().map(|(n, w)| (feature_id(&n), (w, n.into_boxed_str()))).collect();
        LogReg { bias, threshold, weights }
    }

    /// Number of non-zero weights.
    pub fn len(&self) -> usize {
        self.weights.len()
    }

    /// True when the model has no weights.
    pub fn is_empty(&self) -> bool {
        self.weights.is_empty()
    }

    /// Probability for a feature set.
    pub fn probability(&self, features: &[u64]) -> f32 {
        let z = self.bias + features.iter().filter_map(|f| self.weights.get(f)).map(|(w, _)| *w).sum::<f32>();
        sigmoid(z)
    }

    /// Probability and a one-line explanation: the three features that
    /// pushed the score up most, with their weights.
    pub fn explain(&self, features: &[u64]) -> (f32, String) {
        let p = self.probability(features);
        let mut top: Vec<(f32, &str)> = features
            .iter()
            .filter_map(|f| self.weights.get(f))
            .filter(|(w, _)| *w > 0.0)
            .map(|(w, n)| (*w, &**n))
            .collect();
        top.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
        let mut s = format!("p={p:.2}");
        for (w, n) in top.iter().take(3) {
            let _ = write!(s, " {n} (+{w:.2})");
        }
        (p, s)
    }

    /// Named weights, sorted by name (for writing the model file).
    pub fn named_weights(&self) -> Vec<(&str, f32)> {
        let mut v: Vec<(&str, f32)> = self.weights.values().map(|(w, n)| (&**n, *w)).collect();
        v.sort_by(|a, b| a.0.cmp(b.0));
        v
    }
}

fn sigmoid(z: f32) -> f32 {
    1.0 / (1.0 + (-z).exp())
}

/// The two pushback models.
#[derive(Clone, Debug, Default)]
pub struct Model {
    /// Pushback (deny + query).
    pub pushback: LogReg,
    /// Evidence request (query).
    pub evidence_request: LogReg,
}

impl Model {
    /// Parse a model file. Lines: `#` comments; `head<TAB>MODEL<TAB>BIAS<TAB>THRESHOLD`;
    /// `MODEL<TAB>FEATURE<TAB>WEIGHT`, where MODEL is `pushback` or
    /// `evidence_request`. Errors name `name` and the line.
    pub fn parse(text: &str, name: &str) -> Result<Model> {
        let mut heads: HashMap<String, (f32, f32)> = HashMap::new();
        let mut weights: HashMap<String, Vec<(String, f32)>> = HashMap::new();
        for (n, line) in text.lines().enumerate() {
            let bad = |msg: &str| Error::format(format!("model file: {msg}")).with_path(name).at_line(n as u64 + 1);
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let f: Vec<&str> = line.split('\t').collect();
            let num = |s: &str| s.parse::<f32>().map_err(|_| bad(&format!("not a number: {s:?}")));
            match f.as_slice() {
                ["head", model, bias, threshold] => {
                    heads.insert(model.to_string(), (num(bias)?, num(threshold)?));
                }
                [model, feature, weight] if *model == "pushback" || *model == "evidence_request" => {
                    weights.entry(model.to_string()).or_default().push((feature.to_string(), num(weight)?));
                }
                _ => return Err(bad("expected `head MODEL BIAS THRESHOLD` or `MODEL FEATURE WEIGHT`")),
            }
        }
        let mut build = |m: &str| -> Result<LogReg> {
            let (bias, threshold) = *heads
                .get(m)
                .ok_or_else(|| Error::format(format!("model file: no `head {m}` line")).with_path(name))?;
            Ok(LogReg::new(bias, threshold, weights.remove(m).unwrap_or_default()))
        };
        Ok(Model { pushback: build("pushback")?, evidence_request: build("evidence_request")? })
    }

    /// Write the model file that [`Model::parse`] reads.
    pub fn write<W: std::io::Write>(&self, header: &str, mut w: W) -> std::io::Result<()> {
        for line in header.lines() {
            writeln!(w, "# {line}")?;
        }
        for (m, lr) in [("pushback", &self.pushback), ("evidence_request", &self.evidence_request)] {
            writeln!(w, "head\t{m}\t{:.4}\t{:.4}", lr.bias, lr.threshold)?;
            for (n, wt) in lr.named_weights() {
                writeln!(w, "{m}\t{n}\t{wt:.4}")?;
            }
        }
        Ok(())
    }
}

static BUILTIN: LazyLock<Model> = LazyLock::new(|| {
    Model::parse(include_str!("lexicons/pushback_model.tsv"), "lexicons/pushback_model.tsv")
        .expect("built-in pushback model is valid (tested)")
});

/// The shipped model.
pub fn builtin() -> &'static Model {
    &BUILTIN
}

/// One training example: feature ids and a label.
pub type Example = (Vec<u64>, bool);

/// Train a logistic regression by SGD with L2 regularization.
/// Deterministic: examples are visited in an order shuffled by a fixed
/// linear congruential generator.
pub fn train(examples: &[Example], epochs: usize, l2: f32) -> (f32, HashMap<u64, f32>) {
    let mut w: HashMap<u64, f32> = HashMap::new();
    let mut bias = 0.0f32;
    let mut order: Vec<usize> = (0..examples.len()).collect();
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    for epoch in 0..epochs {
        for i in (1..order.len()).rev() {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            let j = (seed >> 33) as usize % (i + 1);
            order.swap(i, j);
        }
        let lr = 0.2 / (1.0 + epoch as f32);
        for &i in &order {
            let (x, y) = &examples[i];
            let z = bias + x.iter().map(|f| w.get(f).copied().unwrap_or(0.0)).sum::<f32>();
            let g = sigmoid(z) - if *y { 1.0 } else { 0.0 };
            bias -= lr * g;
            for f in x {
                let e = w.entry(*f).or_insert(0.0);
                *e -= lr * (g + l2 * *e);
            }
        }
    }
    (bias, w)
}

/// Probability under trained raw weights.
pub fn predict_raw(bias: f32, w: &HashMap<u64, f32>, x: &[u64]) -> f32 {
    sigmoid(bias + x.iter().filter_map(|f| w.get(f)).sum::<f32>())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_model_loads() {
        let m = builtin();
        assert!(m.pushback.threshold > 0.0 && m.pushback.threshold < 1.0);
        assert!(m.evidence_request.threshold > 0.0 && m.evidence_request.threshold < 1.0);
    }

    #[test]
    fn feature_names() {
        let mut names = HashMap::new();
        let ids = features_named("@bob Is this TRUE?? http://t.co/x 2014", &[], true, Some(&mut names));
        let mut got: Vec<&str> = ids.iter().map(|i| names[i].as_str()).collect();
        got.sort();
        let want = [
            "b:<s> is",
            "b:<url> <num>",
            "b:? <url>",
            "b:? ?",
            "b:is this",
            "b:this true",
            "b:true ?",
            "s:len5-12",
            "s:top",
            "w:<num>",
            "w:<url>",
            "w:?",
            "w:is",
            "w:this",
            "w:true",
        ];
        assert_eq!(got, want);
        assert_eq!(ids, features("@bob Is this TRUE?? http://t.co/x 2014", &[], true));
        for (id, name) in &names {
            assert_eq!(feature_id(name), *id, "{name}");
        }
        let mut names = HashMap::new();
        features_named("How? #Ferguson ÜBER’s 'quoted' www.x.org/a?b", &[], false, Some(&mut names));
        let mut unigrams: Vec<&str> = names.values().filter(|n| n.starts_with("w:")).map(String::as_str).collect();
        unigrams.sort();
        assert_eq!(unigrams, ["w:<url>", "w:?", "w:ferguson", "w:how", "w:quoted", "w:über's"]);
    }

    #[test]
    fn model_file_errors_name_the_line() {
        let e = Model::parse("head\tpushback\t0\t0.5\npushback\tw:x\tnope\n", "m.tsv").unwrap_err();
        assert!(e.to_string().contains("m.tsv") && e.to_string().contains('2'), "{e}");
    }
}
