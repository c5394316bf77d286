#!/usr/bin/env python3
"""Build fixtures/spill/RC_interleaved.ndjson from the Reddit API sample threads
in ../shared/data/reddit-api: the comments of four real threads flattened to
Pushshift lines (at most 70 per thread, walked depth-first with an explicit
stack), then sorted by seconds since their post so the threads interleave as in a monthly
dump. A few damaged lines test that diagnostics land where the in-memory reader
puts them: not JSON, no link_id, not UTF-8, and one submission line."""
import json, sys

SRC = sys.argv[1] if len(sys.argv) > 1 else "/work/shared/data/reddit-api"
OUT = sys.argv[2] if len(sys.argv) > 2 else "fixtures/spill/RC_interleaved.ndjson"
KEEP = ["id", "parent_id", "link_id", "author", "body", "created_utc", "score", "subreddit"]

lines = []
posts = []
for name in ["funny-ba-dum-tsss", "askreddit-conspiracy-theories", "iama-undecided-voter", "announcements-polls"]:
    d = json.load(open(f"{SRC}/{name}.json"))
    post = d[0]["data"]["children"][0]["data"]
    posts.append(post)
    stack = list(reversed(d[1]["data"]["children"]))
    taken = 0
    while stack and taken < 70:
        c = stack.pop()
        if c["kind"] != "t1":
            continue
        c = c["data"]
        rec = {k: c.get(k) for k in KEEP}
        # Seconds since the post, so the threads overlap in time.
        rec["created_utc"] = int(c["created_utc"] - post["created_utc"])
        lines.append(rec)
        taken += 1
        if isinstance(c.get("replies"), dict):
            stack.extend(reversed(c["replies"]["data"]["children"]))
lines.sort(key=lambda r: (r["created_utc"], r["id"]))
out = [json.dumps(r, ensure_ascii=False).encode() for r in lines]
# Damaged lines, at fixed places.
out.insert(3, b"not json at all")
out.insert(40, b'{"id":"nolink","author":"x","body":"no link_id here"}')
out.insert(90, b'{"id":"bad","link_id":"t3_x","body":"\xff\xfe not utf-8"}')
p = posts[1]
out.insert(120, json.dumps({k: p.get(k) for k in ["id", "title", "selftext", "author", "created_utc", "subreddit"]}).encode())
open(OUT, "wb").write(b"\n".join(out) + b"\n")
print(OUT, len(out), "lines")
