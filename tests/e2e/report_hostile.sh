#!/usr/bin/env bash
# End to end (issue 13, hostile text): log text is attacker-controlled. A
# Zeek conn.log whose uid field carries <script>, "><img onerror=...>, a
# javascript: URL, </style>, U+202E and a raw NUL, under a file name with
# markup, quotes and U+202E, becomes a beacon finding whose evidence the
# report quotes. In headless Chromium (en and ja) the DOM shows all of it
# as text: no element, no handler, no request, no console error, and the
# NUL and the RTL override as marked escapes.
set -euo pipefail
bin=$1
work=$2
here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$work"
mkdir -p "$work"
cd "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }
. "$here/report_lib.inc"
chromium_ready
log=$(printf 'conn\xe2\x80\xae<b>"x'"'"'.log')
python3 - "$here/../golden/hunt/beacon_zeek.events.jsonl" "$log" <<'PY'
import json, sys
bad = ('<script>alert(1)</script>"><img src=x onerror=alert(2)>javascript:alert(3)'
       '</style>\u202eexe.gnp\x00NUL')
with open(sys.argv[2], "wb") as o:
    for l in open(sys.argv[1]):
        line = json.loads(l)["line"]
        if not line.startswith("#"):
            f = line.split("\t")
            f[1] += bad  # uid: kept as logged, quoted as evidence
            line = "\t".join(f)
        o.write((line + "\n").encode())
PY
"$bin" ingest case.db "$log" --format zeek >/dev/null 2>&1 || fail "ingest"
"$bin" hunt case.db --hunt beacon --ranges "$ASH_SRC/data/cloud-ranges.tsv" >/dev/null 2>&1 ||
  fail "hunt"
"$bin" hunt case.db --json --min-score 0 >findings.jsonl 2>/dev/null || true
grep -q beacon findings.jsonl || fail "no beacon finding to quote"
for lang in en ja; do
  "$bin" report case.db -o "$PWD/hostile_$lang.html" --lang $lang -q || fail "report $lang"
  chromium_load "$PWD/hostile_$lang.html" $lang
  python3 "$here/report_check.py" $lang $lang --findings findings.jsonl --hostile
done
chromium_shot "$PWD/hostile_en.html" "$PWD/hostile_en.png"
echo ok
