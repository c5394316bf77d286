#!/usr/bin/env bash
# Render the seed-001 HTML report and screenshot it in headless Chromium.
#
#   scripts/check_html.sh [OUT_DIR]      (default: target/html-check)
#
# Writes OUT_DIR/seed001.html (the CLI report, real detectors) and its PNG;
# when `cargo test --test report` has run, also screenshots the page with
# hand-built findings (highlights, escalation) from CARGO_TARGET_TMPDIR.
# Needs: apt-get install -y chromium graphviz. No network is used: the
# report is self-contained and Chromium runs with networking features off.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-target/html-check}
mkdir -p "$out"
cargo build -j1 --quiet
./target/debug/threadlens report fixtures/seeds/001_1ff2f1cad038d70a.txt --to html -o "$out/seed001.html" 2>/dev/null
browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [ -z "$browser" ]; then
  echo "check_html: no chromium on PATH (apt-get install -y chromium); wrote $out/seed001.html only" >&2
  exit 1
fi
shot() {
  local html=$1 png=$2 profile
  profile=$(mktemp -d)
  "$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$profile" --screenshot="$png" --window-size=1280,2000 \
    "file://$(realpath "$html")" >/dev/null 2>&1
  rm -rf "$profile"
  [ -s "$png" ] || { echo "check_html: no screenshot for $html" >&2; exit 1; }
  echo "$png"
}
shot "$out/seed001.html" "$out/seed001.png"
flagged=target/tmp/seed001_flagged.html
if [ -f "$flagged" ]; then
  shot "$flagged" "$out/seed001_flagged.png"
fi
