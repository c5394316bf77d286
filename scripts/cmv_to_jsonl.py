#!/usr/bin/env python3
"""Convert cmv-adhominem chains (one Reddit comment JSON per line, one chain
per file) to a threadlens JSONL edge list: one thread per chain file.

Usage: scripts/cmv_to_jsonl.py CHAINS_DIR [PATTERN] > chains.jsonl
PATTERN is a glob on file names (default: *_delta_*.json).
A comment whose parent is not in its chain becomes top-level.
"""
import glob
import json
import os
import sys

chains, pattern = sys.argv[1], (sys.argv[2] if len(sys.argv) > 2 else "*_delta_*.json")
for path in sorted(glob.glob(os.path.join(chains, pattern))):
    thread = os.path.splitext(os.path.basename(path))[0]
    rows = [json.loads(l) for l in open(path, encoding="utf-8") if l.strip()]
    ids = {r["id"] for r in rows}
    for r in rows:
        parent = r.get("parent_id") or ""
        parent = parent.split("_", 1)[1] if "_" in parent else parent
        print(json.dumps({
            "thread_id": thread,
            "id": r["id"],
            "parent_id": parent if parent in ids else "",
            "author": r.get("author_name") or "",
            "text": r.get("body") or "",
            "delta": str(r.get("delta", False)).lower(),
            "violated_rule": str(r.get("violated_rule", 0)),
        }))
