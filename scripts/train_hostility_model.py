#!/usr/bin/env python3
"""Train threadlens's ad hominem model on the cmv-adhominem dev half.

Reproducible: `python3 scripts/train_hostility_model.py --cmv ../shared/data/cmv-adhominem/chains`
writes `src/analysis/lexicons/hostility_model.tsv` and prints the
cross-validation figures it chose the threshold by. Needs scikit-learn
(scripts/requirements-train.txt).

What the model reads (src/analysis/hostility_model.rs does the same, and
a test checks both give the same probabilities):
- the comment without its `>` quote lines, A-Z lowered to a-z;
- split into sentences after `.`, `!` or `?` followed by white space, and
  at line breaks; only the sentences with a second-person word (`you`,
  `your`, `you're`, ...) are kept, joined by a space;
- tokens `[a-z0-9']+` (punctuation tokens `?` `!` were tried: lower CV recall); word unigrams and bigrams;
- TF-IDF with sublinear tf and smooth idf, L2-normalized; logistic
  regression (L2, C fixed below).

Training data: the last comment of every chain with an even number (the
dev half; odd chains are the held-out test half and are never read here),
label ad hominem (`_ah_`) or not (`_delta_`); `[removed]`/`[deleted]`
comments are skipped. The earlier comments of the same dev chains are
added as negatives with a small weight (moderators left them up). The threshold is the lowest (highest-recall) one
whose 5-fold cross-validated precision on the dev half is at least 0.9.
"""
import argparse
import json
import math
import os
import re
import sys

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

YOU = {"you", "your", "you're", "youre", "yourself", "yourselves", "u", "ur", "you've", "you'd", "you'll", "yours", "ya"}
TOKEN = r"[a-z0-9']+"
C = 10.0
# Weight of the earlier comments of each dev chain, added as negatives:
# moderators left them up, and they show how civil replies use "you".
CONTEXT_WEIGHT = 0.3
MIN_PRECISION = 0.9
OUT = "src/analysis/lexicons/hostility_model.tsv"


def ascii_lower(text):
    return text.translate({c: c + 32 for c in range(ord("A"), ord("Z") + 1)})


def sentences(text):
    """Sentences as the Rust side splits them."""
    out, cur, i = [], [], 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == "\n":
            out.append("".join(cur))
            cur = []
            i += 1
            continue
        cur.append(ch)
        i += 1
        if ch in ".!?" and i < n and text[i].isspace():
            out.append("".join(cur))
            cur = []
    out.append("".join(cur))
    return [s for s in out if s.strip()]


def you_text(text):
    kept = "\n".join(l for l in text.split("\n") if not l.lstrip().startswith(">"))
    kept = ascii_lower(kept)
    sents = [s for s in sentences(kept) if any(t in YOU for t in re.findall(TOKEN, s))]
    return " ".join(sents)


def load(chains):
    texts, labels, raw, context = [], [], [], []
    for name in sorted(os.listdir(chains)):
        if not name.endswith(".json"):
            continue
        n, kind = name.split("_")[0], name.split("_")[1]
        if int(n) % 2 != 0:
            continue  # test half: never read
        with open(os.path.join(chains, name), encoding="utf-8") as f:
            chain = [json.loads(l) for l in f if l.strip()]
        last = chain[-1]
        if last["body"] in ("[removed]", "[deleted]"):
            continue
        texts.append(you_text(last["body"]))
        raw.append(last["body"])
        context.append([you_text(c["body"]) for c in chain[:-1] if c["body"] not in ("[removed]", "[deleted]")])
        labels.append(kind == "ah")
    return texts, np.array(labels), raw, context


def fit(X, y, context, rows, weight):
    """Fit on `rows` of the dev half plus their chains' earlier comments."""
    xs, ys, ws = [X[i] for i in rows], [bool(y[i]) for i in rows], [1.0] * len(rows)
    for i in rows:
        for c in context[i]:
            if c and weight > 0:
                xs.append(c)
                ys.append(False)
                ws.append(weight)
    v = vectorizer()
    m = LogisticRegression(C=C, max_iter=5000).fit(v.fit_transform(xs), ys, sample_weight=ws)
    return v, m


def vectorizer():
    return TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True, token_pattern=TOKEN, lowercase=False)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cmv", required=True)
    ap.add_argument("--out", default=OUT)
    ap.add_argument("--probe", action="append", help="print the model's probability for this text")
    ap.add_argument("--context-weight", type=float, default=CONTEXT_WEIGHT)
    ap.add_argument("--parity", help="also write (text, probability) of every 13th dev comment here, for the parity test")
    args = ap.parse_args()
    X, y, raw, context = load(args.cmv)
    probs = np.zeros(len(X))
    for tr, te in StratifiedKFold(5, shuffle=True, random_state=0).split(X, y):
        v, m = fit(X, y, context, tr, args.context_weight)
        probs[te] = m.predict_proba(v.transform([X[i] for i in te]))[:, 1]
    chosen = None
    for t in np.arange(0.10, 0.951, 0.01):
        p = probs >= t
        tp, fp = int((p & y).sum()), int((p & ~y).sum())
        if tp and tp / (tp + fp) >= MIN_PRECISION:
            chosen = (round(float(t), 2), tp / (tp + fp), tp / y.sum(), float((p == y).mean()))
            break
    if chosen is None:
        sys.exit("no threshold reaches the precision floor")
    t, prec, rec, acc = chosen
    print(f"dev half: {len(X)} comments ({int(y.sum())} ad hominem); 5-fold CV at threshold {t}: "
          f"precision {prec:.4f} recall {rec:.4f} accuracy {acc:.4f}")
    v, m = fit(X, y, context, range(len(X)), args.context_weight)
    names = v.get_feature_names_out()
    with open(args.out, "w", encoding="utf-8") as f:
        f.write("# threadlens ad hominem model: TF-IDF (sublinear tf, smooth idf, L2) unigrams and bigrams\n")
        f.write("# of the second-person sentences of a comment; logistic regression.\n")
        f.write("# Trained by scripts/train_hostility_model.py on the cmv-adhominem dev half (even chains).\n")
        f.write(f"# {len(X)} comments; C={C}; context weight {args.context_weight}; 5-fold CV at the threshold: precision {prec:.4f} recall {rec:.4f}\n")
        f.write(f"bias\t{m.intercept_[0]:.6f}\n")
        f.write(f"threshold\t{t:.2f}\n")
        f.write(f"documents\t{len(X)}\n")
        for name, idf, w in sorted(zip(names, v.idf_, m.coef_[0])):
            f.write(f"{name}\t{idf:.6f}\t{w:.6f}\n")
    for probe in args.probe or []:
        print(f"probe {m.predict_proba(v.transform([you_text(probe)]))[0, 1]:.3f} (threshold {t}): {probe}")
    print(f"wrote {args.out}: {len(names)} features")
    if args.parity:
        p = m.predict_proba(v.transform(X))[:, 1]
        with open(args.parity, "w", encoding="utf-8") as f:
            for i in range(0, len(X), 13):
                if X[i]:
                    f.write(json.dumps({"text": raw[i], "probability": round(float(p[i]), 6)}) + "\n")


if __name__ == "__main__":
    main()
