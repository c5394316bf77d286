#!/usr/bin/env python3
"""Side by side with ConvoKit on the same generated corpus.

Builds a corpus with `threadlens gen` (JSONL edge list), writes the same
corpus as a ConvoKit folder with `threadlens export --to convokit`, then
times, each in its own process so peak memory is its own:

  ConvoKit:   Corpus(filename=DIR); for each conversation: traverse the
              reply tree (get_longest_paths) -> depth and longest chain
  threadlens: threadlens stream --shape-only < corpus.jsonl  (read, build
              each reply tree, depth and longest chain per thread)

and checks that both give the same longest chain for every conversation.

Usage: pip install convokit; cargo build --release;
       python3 scripts/convokit_compare.py [--threads 1000] [--comments 100]
Not part of `cargo test`: it needs ConvoKit from PyPI.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# THREADLENS=/path/to/binary compares another build (e.g. an older one).
BIN = os.environ.get("THREADLENS", os.path.join(ROOT, "target", "release", "threadlens"))

CONVOKIT_JOB = r"""
import json, resource, sys, time
t0 = time.perf_counter()
from convokit import Corpus
t1 = time.perf_counter()
corpus = Corpus(filename=sys.argv[1])
t2 = time.perf_counter()
chains = {}
for convo in corpus.iter_conversations():
    paths = convo.get_longest_paths()
    # A path starts at the root utterance (the post); comments = len - 1.
    chains[convo.id] = max(len(p) for p in paths) - 1 if paths else 0
t3 = time.perf_counter()
print(json.dumps({
    "import_s": t1 - t0, "load_s": t2 - t1, "traverse_s": t3 - t2,
    "peak_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    "utterances": len(list(corpus.iter_utterances())), "chains": chains,
}))
"""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1000)
    ap.add_argument("--comments", type=int, default=100)
    ap.add_argument("--runs", type=int, default=5, help="threadlens runs; the median is reported")
    ap.add_argument("--warmup", type=int, default=1, help="untimed threadlens runs before the timed ones")
    args = ap.parse_args()
    if not os.path.exists(BIN):
        sys.exit("build first: cargo build --release")
    with tempfile.TemporaryDirectory() as tmp:
        jsonl = os.path.join(tmp, "corpus.jsonl")
        corpus_dir = os.path.join(tmp, "convokit-corpus")
        subprocess.run([BIN, "gen", "--threads", str(args.threads), "--comments", str(args.comments),
                        "--to", "jsonl", "-o", jsonl], check=True)
        subprocess.run([BIN, "export", jsonl, "--to", "convokit", "-o", corpus_dir], check=True,
                       stderr=subprocess.DEVNULL)
        size = os.path.getsize(jsonl)
        # Both corpora written out before any timing: the kernel's
        # background write-back of ~100 MB would otherwise land in it.
        os.sync()

        # GNU time reports this process's own peak RSS (KiB) as the last
        # stderr line; RUSAGE_CHILDREN would mix in the ConvoKit process.
        # threadlens takes a tenth of a second, so one run is mostly noise
        # on a shared machine: the median of --runs runs is reported.
        # threadlens runs before ConvoKit: for seconds after ConvoKit's
        # process (544 MiB) exits, runs on this machine were up to 1.8x
        # slower and scattered. One untimed run first, as benchmark tools
        # do (hyperfine's --warmup).
        for _ in range(args.warmup):
            with open(jsonl, "rb") as f:
                subprocess.run([BIN, "stream", "--shape-only"], stdin=f, check=True, capture_output=True)
        runs = []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            with open(jsonl, "rb") as f:
                out = subprocess.run(["/usr/bin/time", "-f", "%M", BIN, "stream", "--shape-only"], stdin=f,
                                     check=True, capture_output=True)
            runs.append(time.perf_counter() - t0)
        tl_s = sorted(runs)[len(runs) // 2]
        tl_rss = int(out.stderr.decode().strip().splitlines()[-1])
        # Process start and an empty stream: the floor under any input.
        t0 = time.perf_counter()
        subprocess.run([BIN, "stream", "--shape-only"], stdin=subprocess.DEVNULL, check=True, capture_output=True)
        start_s = time.perf_counter() - t0
        ck = json.loads(subprocess.run([sys.executable, "-c", CONVOKIT_JOB, corpus_dir], check=True,
                                       capture_output=True, text=True).stdout)
        tl = {}
        for line in out.stdout.decode().splitlines():
            r = json.loads(line)
            tl[r["thread_id"]] = r["longest_chain"]

    # ConvoKit conversation ids are the post ids the exporter wrote; compare
    # the sorted multisets of chain lengths (ids differ only in prefix).
    agree = sorted(tl.values()) == sorted(ck["chains"].values())
    ck_s = ck["load_s"] + ck["traverse_s"]
    comments = args.threads * args.comments
    print(f"corpus: {args.threads} threads x {args.comments} comments = {comments} comments, {size / 1e6:.1f} MB JSONL")
    print(f"ConvoKit:   load {ck['load_s']:.2f} s + traverse {ck['traverse_s']:.2f} s = {ck_s:.2f} s "
          f"({comments / ck_s:,.0f} comments/s), peak RSS {ck['peak_rss_kb'] / 1024:.0f} MiB "
          f"(import {ck['import_s']:.2f} s not counted)")
    print(f"threadlens: {tl_s:.3f} s, median of {args.runs} after {args.warmup} untimed (runs {', '.join(f'{r:.3f}' for r in runs)}; "
          f"process start on empty input {start_s:.3f} s) ({comments / tl_s:,.0f} comments/s), "
          f"peak RSS {tl_rss / 1024:.0f} MiB")
    print(f"throughput ratio: {ck_s / tl_s:.0f}x   memory ratio: {ck['peak_rss_kb'] / tl_rss:.0f}x less")
    print(f"longest chains agree on every conversation: {agree}")
    if not agree:
        sys.exit(1)


if __name__ == "__main__":
    main()
