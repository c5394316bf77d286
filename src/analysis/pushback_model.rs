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

/// The id of a feature name (FNV-1a, 64 bit).
pub fn feature_id(name: &str) -> u64 {
    fnv(FNV_OFFSET, name.as_bytes())
}

/// Extract feature ids (sorted, deduplicated) from a comment.
///
/// `hits` are the pushback rule hits in the text; `top` is true for a
/// reply to the post. When `names` is given, every feature's name is
/// recorded too (training and explanations use it).
pub fn features_named(
    text: &str,
    hits: &[RuleHit],
    top: bool,
    mut names: Option<&mut HashMap<u64, String>>,
) -> Vec<u64> {
    let mut out: Vec<u64> = Vec::with_capacity(text.len() / 3 + 8);
    let push = |name_parts: &[&str], out: &mut Vec<u64>, names: &mut Option<&mut HashMap<u64, String>>| {
        let mut h = FNV_OFFSET;
        for p in name_parts {
            h = fnv(h, p.as_bytes());
        }
        out.push(h);
        if let Some(n) = names.as_deref_mut() {
            n.entry(h).or_insert_with(|| name_parts.concat());
        }
    };
    let mut prev = String::from("<s>");
    let mut cur = String::new();
    let mut word = String::new();
    let mut chars = text.char_indices().peekable();
    while let Some((_, ch)) = chars.next() {
        cur.clear();
        if ch.is_alphanumeric() || ch == '@' || ch == '#' || ch == '\'' || ch == '’' {
            let first = ch;
            word.clear();
            if ch != '#' {
                push_lower(&mut word, ch);
            }
            while let Some(&(_, n)) = chars.peek() {
                if n.is_alphanumeric() || n == '\'' || n == '’' || n == '_' || (first == 'h' && !n.is_whitespace()) {
                    push_lower(&mut word, n);
                    chars.next();
                } else {
                    break;
                }
            }
            if word.starts_with("http") || word.starts_with("www.") {
                cur.push_str("<url>");
            } else if first == '@' {
                cur.push_str("<user>");
            } else if !word.is_empty() && word.bytes().all(|b| b.is_ascii_digit()) {
                cur.push_str("<num>");
            } else {
                let t = word.trim_matches('\'');
                if t.is_empty() {
                    continue;
                }
                cur.push_str(t);
            }
        } else if ch == '?' || ch == '!' {
            cur.push(ch);
        } else {
            continue;
        }
        // Leading @mentions of Twitter replies carry no stance.
        if cur == "<user>" && prev == "<s>" {
            continue;
        }
        push(&["w:", &cur], &mut out, &mut names);
        push(&["b:", &prev, " ", &cur], &mut out, &mut names);
        std::mem::swap(&mut prev, &mut cur);
    }
    for h in hits {
        push(&["r:", &h.rule], &mut out, &mut names);
        push(&["c:", &h.category], &mut out, &mut names);
    }
    if top {
        push(&["s:top"], &mut out, &mut names);
    }
    // Shape: length bucket (in words) and a question at the end.
    let words = text.split_whitespace().filter(|w| !w.starts_with('@')).count();
    let bucket = match words {
        0..=4 => "s:len0-4",
        5..=12 => "s:len5-12",
        13..=30 => "s:len13-30",
        _ => "s:len31+",
    };
    push(&[bucket], &mut out, &mut names);
    if text.trim_end().ends_with('?') {
        push(&["s:ends_q"], &mut out, &mut names);
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// Append the lower case of `c` (curly apostrophes as `'`).
fn push_lower(buf: &mut String, c: char) {
    if c.is_ascii() {
        buf.push(c.to_ascii_lowercase());
    } else if c == '’' {
        buf.push('\'');
    } else {
        buf.extend(c.to_lowercase());
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
    }

    #[test]
    fn model_file_errors_name_the_line() {
        let e = Model::parse("head\tpushback\t0\t0.5\npushback\tw:x\tnope\n", "m.tsv").unwrap_err();
        assert!(e.to_string().contains("m.tsv") && e.to_string().contains('2'), "{e}");
    }
}
