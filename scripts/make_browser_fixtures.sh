#!/usr/bin/env bash
# Regenerate fixtures/browser/: a nested HTML comment section and its plain-text
# dumps from three Debian text browsers (w3m, lynx, html2text).
#
# Requires (Debian): apt-get install -y w3m lynx html2text
#
# Rerunnable and deterministic: the HTML is a fixed heredoc, every output file is
# overwritten, and the browsers run with a throwaway $HOME, a fixed locale and
# TERM, and no user configuration, so the dumps depend only on the tool versions
# (recorded in fixtures/browser/README.md).
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$repo_root/fixtures/browser"
mkdir -p "$out"

for tool in w3m lynx html2text; do
    command -v "$tool" >/dev/null 2>&1 || {
        echo "error: $tool not found (apt-get install -y w3m lynx html2text)" >&2
        exit 1
    }
done

# Isolate from any per-user configuration (~/.w3m/config, ~/.lynxrc, ~/.html2textrc).
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
export HOME="$scratch"
export LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=dumb TZ=UTC
unset LYNX_CFG LYNX_LSS WWW_HOME W3M_DIR 2>/dev/null || true
: >"$scratch/empty.rc"

html="$out/thread.html"

cat >"$html" <<'HTML'
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>City council approves new tram line</title>
</head>
<body>
<h1>City council approves new tram line</h1>
<p class="byline">By Jane Doe</p>
<p>The city council voted nine to four on Tuesday to fund a twelve-kilometre tram line linking the harbour district with the university campus, ending a debate that has run for almost a decade.</p>
<p>Construction is expected to begin next spring. Opponents argue the money would be better spent on buses, while supporters say the line will cut commuting times in half for thousands of residents.</p>

<h2>Comments</h2>
<ul class="comments">
  <li>
    <div class="header"><b>Alice</b></div>
    <p>Finally some good news for the harbour district after years of delays.</p>
    <ul>
      <li>
        <div class="header"><b>Bob</b> <a href="#reply">Reply</a></div>
        <p>Good news until the budget doubles, which it always does.</p>
        <ul>
          <li>
            <div class="header"><b>Alice</b></div>
            <p>The contract has a fixed price clause this time.</p>
            <ul>
              <li>
                <div class="header"><b>Bob</b></div>
                <p>Fixed price clauses get renegotiated every single time.</p>
                <ul>
                  <li>
                    <div class="header"><b>Alice</b></div>
                    <p>Then we should hold the council to it.</p>
                  </li>
                </ul>
              </li>
            </ul>
          </li>
        </ul>
      </li>
    </ul>
  </li>
  <li>
    <div class="header"><span class="author">χρηστος</span> <span class="age">3 hours ago</span></div>
    <p>Does anyone know which streets will be closed during construction?</p>
    <ul>
      <li>
        <div class="header"><span class="author">Putin’s baby</span> <span class="score">• 12 points</span> <a href="#reply">Reply</a></div>
        <p>The map in the council minutes shows closures along the harbour road.</p>
        <p>Second paragraph here: the closures are planned in three phases of roughly four months each.</p>
        <ul>
          <li>
            <div class="header"><span class="author">ihraç subay</span></div>
            <p>That is useful, although I would point out that the same minutes also say the phasing could change if the utility companies need extra time to move the water mains and the fibre ducts that run under the harbour road, which in practice means nobody really knows yet how long each closure will last or which side streets will take the diverted traffic.</p>
            <ul>
              <li>
                <div class="header"><span class="author">χρηστος</span></div>
                <p>Thanks, I will read the minutes tonight.</p>
              </li>
            </ul>
          </li>
        </ul>
      </li>
      <li>
        <div class="header"><b>dave_k</b></div>
        <p>Closures start with the bridge section first.</p>
      </li>
      <li>
        <div class="header"><b>dave_k</b></div>
        <p>Correction: the bridge section comes second, sorry.</p>
      </li>
    </ul>
  </li>
  <li>
    <div class="header"><b>Meera</b> <span class="age">yesterday</span> <a href="#reply">Reply</a></div>
    <p>Buses would have been cheaper and faster to roll out.</p>
    <ul>
      <li>
        <div class="header"><span class="author">ihraç subay</span></div>
        <p>Buses get stuck in the same traffic as cars.</p>
      </li>
    </ul>
  </li>
  <li>
    <div class="header"><b>Meera</b></div>
    <p>Also, nobody mentioned the cost of new depots.</p>
  </li>
</ul>
</body>
</html>
HTML

# ---------------------------------------------------------------------------
# Primary dumps. Each one pins its charset explicitly, so the output is the
# same whatever the caller's locale is (checked: identical under C.UTF-8 and
# under an empty environment).
# ---------------------------------------------------------------------------

# w3m: -T forces text/html, -I/-O pin input/output charset, -cols sets the width.
w3m -T text/html -I UTF-8 -O UTF-8 -dump -cols 100 "$html" >"$out/thread.w3m.txt"

# lynx: -nolist drops the trailing "References" list (and the inline [n] link
# markers); -display_charset=utf-8 stops lynx transliterating to ASCII when the
# locale is not UTF-8.
lynx -dump -nolist -width=100 -display_charset=utf-8 -assume_local_charset=utf-8 \
    "$html" >"$out/thread.lynx.txt"

# html2text: Debian ships the C program (Martin Bayer, 1.3.2a + Debian patches),
# not the Python html2text. Its width option is "-width N" (default 79); -utf8
# makes it read and write UTF-8 (without it the UTF-8 input is treated as
# ISO-8859-1 and re-encoded: mojibake); -nobs is a no-op on Debian (backspace
# overstriking is patched out) but is harmless; -rcfile points at an empty file.
html2text -rcfile "$scratch/empty.rc" -width 100 -nobs -utf8 "$html" >"$out/thread.html2text.txt"

# ---------------------------------------------------------------------------
# Variant dumps: what the same tools produce with common "careless" settings.
# They are real-world hazards for a reader of scraped text.
# ---------------------------------------------------------------------------

# Non-UTF-8 locale (LANG unset -> POSIX), no charset options.
# w3m replaces non-ASCII with '?' and switches to ASCII bullets.
env -i PATH="$PATH" HOME="$scratch" TERM=dumb \
    w3m -T text/html -dump -cols 100 "$html" >"$out/thread.w3m.c-locale.txt"
# lynx transliterates (Greek -> Latin, ’ -> ', • -> o) but writes the ç as the
# single ISO-8859-1 byte 0xE7 (the file is NOT valid UTF-8), and glues one
# author name to its body line.
env -i PATH="$PATH" HOME="$scratch" TERM=dumb \
    lynx -dump -nolist -width=100 "$html" >"$out/thread.lynx.c-locale.txt"

# html2text without -utf8 (its default): UTF-8 bytes re-encoded as Latin-1.
html2text -rcfile "$scratch/empty.rc" -width 100 -nobs "$html" >"$out/thread.html2text.no-utf8.txt"

# html2text "-style pretty": different indentation and blank lines.
html2text -rcfile "$scratch/empty.rc" -style pretty -width 100 -nobs -utf8 "$html" \
    >"$out/thread.html2text.pretty.txt"

echo "wrote:"
ls -1 "$out"/thread.*
