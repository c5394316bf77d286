#!/usr/bin/env bash
# Whole-pipeline benchmark on a generated corpus: MB/s, comments/s and peak
# RSS per stage. Usage: scripts/bench.sh [COMMENTS] (default 1,000,000).
# Builds the release binary; needs GNU time (/usr/bin/time). Figures go in
# docs/performance.md with the machine they were taken on.
set -euo pipefail
cd "$(dirname "$0")/.."

comments=${1:-1000000}
per_thread=1000
threads=$(( comments / per_thread ))
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

cargo build --release --quiet
bin=target/release/threadlens
[ -x /usr/bin/time ] || { echo "needs GNU time (apt-get install time)"; exit 1; }

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "corpus: $threads threads x $per_thread comments = $comments comments"
$bin gen --threads "$threads" --comments "$per_thread" --to jsonl -o "$dir/corpus.jsonl"
$bin gen --threads "$threads" --comments "$per_thread" --to pushshift -o "$dir/corpus.ndjson"
# One big indented page of the same size (text pages hold one thread each).
$bin gen --threads 1 --comments "$comments" --to text -o "$dir/page.txt"
# The corpora (≈ 0.7 GB) written out before any timing: the kernel's
# background write-back would otherwise run during the first stages.
sync

# stage NAME INPUT COMMAND...: run once, print seconds, MB/s, comments/s, peak RSS.
stage() {
    local name=$1 input=$2
    shift 2
    local bytes
    bytes=$(stat -c %s "$input")
    /usr/bin/time -o "$dir/time" -f '%e %M' "$@" >/dev/null 2>/dev/null
    local out
    out=$(tail -n 1 "$dir/time")
    local secs=${out% *} rss=${out#* }
    awk -v n="$name" -v s="$secs" -v b="$bytes" -v c="$comments" -v r="$rss" 'BEGIN {
        if (s < 0.005) s = 0.005;
        printf "%-34s %7.2f s %8.1f MB/s %11.0f comments/s %7.0f MiB peak\n", n, s, b / s / 1e6, c / s, r / 1024 }'
}

stage "read+graph, indented text"     "$dir/page.txt"      $bin tree "$dir/page.txt"
stage "read+graph, JSONL (stream)"    "$dir/corpus.jsonl"  sh -c "$bin stream --shape-only < '$dir/corpus.jsonl'"
stage "read+graph, Pushshift NDJSON"  "$dir/corpus.ndjson" $bin export "$dir/corpus.ndjson" --to text -o /dev/null
stage "full pipeline -> CSV (JSONL)"  "$dir/corpus.jsonl"  $bin export "$dir/corpus.jsonl" --to csv -o "$dir/out.csv"
stage "stream with detectors (JSONL)" "$dir/corpus.jsonl"  sh -c "$bin stream < '$dir/corpus.jsonl'"
