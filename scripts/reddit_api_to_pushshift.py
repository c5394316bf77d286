#!/usr/bin/env python3
"""Turn recorded Reddit API thread responses (`GET /comments/<id>`, e.g.
../shared/data/reddit-api/*.json) into Pushshift-style dump lines: one JSON
object per comment with every field the API gave it (Pushshift stored the
API's comment objects), the post as a submission line first. `replies` is
dropped (the dump is flat); `more` stubs are skipped.

    python3 scripts/reddit_api_to_pushshift.py ../shared/data/reddit-api/*.json > real.ndjson

Used for the real-shaped Pushshift reading benchmark (benches/read.rs).
"""
import json
import sys


def comments(listing):
    # Explicit stack, children in order: no recursion depth set by input.
    stack = list(reversed(listing["data"]["children"]))
    while stack:
        child = stack.pop()
        if child.get("kind") != "t1":
            continue
        data = dict(child["data"])
        replies = data.pop("replies", "")
        data.pop("body_html", None)
        yield data
        if isinstance(replies, dict):
            stack.extend(reversed(replies["data"]["children"]))


def main(paths):
    out = sys.stdout
    for path in paths:
        with open(path, encoding="utf-8") as f:
            post_listing, comment_listing = json.load(f)
        for child in post_listing["data"]["children"]:
            post = dict(child["data"])
            post.pop("selftext_html", None)
            out.write(json.dumps(post, ensure_ascii=False, separators=(",", ":")) + "\n")
        for c in comments(comment_listing):
            out.write(json.dumps(c, ensure_ascii=False, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
