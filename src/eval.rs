//! Scoring detectors against labels: confusion counts and the figures
//! derived from them. Task-specific loaders (hostility, pushback) build on
//! these so every task reports the same way.

pub mod hostility;

use serde::Serialize;

/// Confusion counts of a binary detector.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Confusion {
    /// Predicted positive, labeled positive.
    pub tp: u64,
    /// Predicted positive, labeled negative.
    pub fp: u64,
    /// Predicted negative, labeled negative.
    pub tn: u64,
    /// Predicted negative, labeled positive.
    pub fn_: u64,
}

impl Confusion {
    /// Count one example.
    pub fn add(&mut self, predicted: bool, label: bool) {
        match (predicted, label) {
            (true, true) => self.tp += 1,
            (true, false) => self.fp += 1,
            (false, false) => self.tn += 1,
            (false, true) => self.fn_ += 1,
        }
    }

    /// Number of examples counted.
    pub fn total(&self) -> u64 {
        self.tp + self.fp + self.tn + self.fn_
    }

    /// tp / (tp + fp); 0 when nothing was predicted positive.
    pub fn precision(&self) -> f64 {
        ratio(self.tp, self.tp + self.fp)
    }

    /// tp / (tp + fn); 0 when there are no positives.
    pub fn recall(&self) -> f64 {
        ratio(self.tp, self.tp + self.fn_)
    }

    /// Harmonic mean of precision and recall.
    pub fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        }
    }

    /// (tp + tn) / total.
    pub fn accuracy(&self) -> f64 {
        ratio(self.tp + self.tn, self.total())
    }

    /// The figures as a serializable summary.
    pub fn metrics(&self) -> Metrics {
        Metrics {
            precision: round4(self.precision()),
            recall: round4(self.recall()),
            f1: round4(self.f1()),
            accuracy: round4(self.accuracy()),
            confusion: *self,
        }
    }
}

/// Precision, recall, F1 and accuracy, rounded to 4 places so output is
/// stable across platforms.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Metrics {
    /// Precision.
    pub precision: f64,
    /// Recall.
    pub recall: f64,
    /// F1.
    pub f1: f64,
    /// Accuracy.
    pub accuracy: f64,
    /// The counts behind them.
    pub confusion: Confusion,
}

fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures() {
        let mut c = Confusion::default();
        for (p, l) in [(true, true), (true, true), (true, false), (false, true), (false, false)] {
            c.add(p, l);
        }
        assert_eq!((c.tp, c.fp, c.tn, c.fn_), (2, 1, 1, 1));
        let m = c.metrics();
        assert_eq!(m.precision, 0.6667);
        assert_eq!(m.recall, 0.6667);
        assert_eq!(m.accuracy, 0.6);
        assert_eq!(Confusion::default().f1(), 0.0);
    }
}
