#!/usr/bin/env python3
"""Baselines for the hostility task, scored the way `threadlens eval` scores.

Runs on the cmv-adhominem chains with the same deterministic split as
`threadlens eval --task hostility --cmv DIR --split dev|test` (dev = even
chain number, test = odd) and the same skipping of `[removed]`/`[deleted]`
bodies, or on a labeled CSV/JSONL file (`text` + boolean `label`).

Baselines:
  trivial          every text is hostile
  better_profanity `better_profanity.profanity.contains_profanity(text)`,
                   the word-list filter a user would likely reach for

Not part of `cargo test`. Setup:
  python3 -m venv .venv && .venv/bin/pip install -r scripts/requirements-baseline.txt
Usage:
  .venv/bin/python scripts/baseline_hostility.py --cmv ../shared/data/cmv-adhominem/chains --split test
  .venv/bin/python scripts/baseline_hostility.py labels.csv
"""
import argparse
import csv
import json
import os
import sys


def load_cmv(directory, split):
    files = []
    for name in os.listdir(directory):
        parts = name.split("_", 2)
        if len(parts) < 3 or not name.endswith(".json") or not parts[0].isdigit():
            continue
        num, kind = int(parts[0]), parts[1]
        if kind not in ("ah", "delta"):
            continue
        if split == "dev" and num % 2 != 0 or split == "test" and num % 2 != 1:
            continue
        files.append((num, kind != "ah", name))
    files.sort()
    out = []
    for num, not_ah, name in files:
        with open(os.path.join(directory, name), encoding="utf-8") as fh:
            lines = [l for l in fh.read().splitlines() if l.strip()]
        if lines:
            out.append((name[:-5], json.loads(lines[-1]).get("body", ""), not not_ah))
    return out


def parse_bool(s):
    s = str(s).strip().lower()
    if s in ("true", "1", "yes", "hostile"):
        return True
    if s in ("false", "0", "no", "civil"):
        return False
    raise ValueError(f"label {s!r} is not a boolean")


def load_labels(path):
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    out = []
    if text.lstrip().startswith("{"):
        for i, line in enumerate(text.splitlines(), 1):
            if line.strip():
                r = json.loads(line)
                out.append((r.get("id", f"line {i}"), r.get("text", ""), parse_bool(r["label"])))
    else:
        for i, r in enumerate(csv.DictReader(text.splitlines()), 2):
            out.append((r.get("id") or f"line {i}", r.get("text", ""), parse_bool(r["label"])))
    return out


def metrics(pairs):
    tp = sum(p and l for p, l in pairs)
    fp = sum(p and not l for p, l in pairs)
    tn = sum(not p and not l for p, l in pairs)
    fn = sum(not p and l for p, l in pairs)
    prec = tp / (tp + fp) if tp + fp else 0.0
    rec = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    acc = (tp + tn) / len(pairs) if pairs else 0.0
    return dict(precision=round(prec, 4), recall=round(rec, 4), f1=round(f1, 4), accuracy=round(acc, 4),
                tp=tp, fp=fp, tn=tn, fn=fn)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("labels", nargs="?")
    ap.add_argument("--cmv")
    ap.add_argument("--split", choices=["all", "dev", "test"], default="all")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    if a.cmv:
        examples = load_cmv(a.cmv, a.split)
        name = f"{a.cmv} (split {a.split})"
    elif a.labels:
        examples = load_labels(a.labels)
        name = a.labels
    else:
        ap.error("give LABELS or --cmv DIR")
    kept = [e for e in examples if e[1].strip() not in ("", "[removed]", "[deleted]")]
    from better_profanity import profanity
    profanity.load_censor_words()
    report = {
        "input": name,
        "examples": len(kept),
        "skipped": len(examples) - len(kept),
        "trivial": metrics([(True, l) for _, _, l in kept]),
        "better_profanity": metrics([(profanity.contains_profanity(t), l) for _, t, l in kept]),
    }
    if a.json:
        json.dump(report, sys.stdout, indent=2)
        print()
        return
    print(f"{name}: {report['examples']} examples ({report['skipped']} skipped without text)")
    for k in ("trivial", "better_profanity"):
        m = report[k]
        print(f"{k:17} precision {m['precision']:.4f}  recall {m['recall']:.4f}  F1 {m['f1']:.4f}  "
              f"accuracy {m['accuracy']:.4f}  (tp {m['tp']} fp {m['fp']} tn {m['tn']} fn {m['fn']})")


if __name__ == "__main__":
    main()
