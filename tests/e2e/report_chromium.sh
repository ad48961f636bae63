#!/usr/bin/env bash
# End to end (issue 13): the HTML report of a generated case (the demo's
# report.html) in headless Chromium, in English and in Japanese. Protects
# against a report that loads anything (a request leaving the page), logs
# a console error (a CSP violation included), misses a section or a
# finding, or does not name the tunnel relay and the linked account, tells
# the intrusion outside its incident, or shows a recovery plan (section 6)
# without the linked account, the relay's firewall configuration, linked
# findings and the backup cut-off at the past detection in --tz; saves
# a screenshot of each language (report_en.png, report_ja.png) to look at.
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

# the checks must see a page that breaks the rules, or they check nothing
cat >canary.html <<'HTML'
<!DOCTYPE html><html><head><meta charset="utf-8"></head><body><p>canary</p>
<img src="http://198.51.100.1/x.png"><script>console.error("canary")</script></body></html>
HTML
chromium_load "$PWD/canary.html" canary
python3 "$here/report_check.py" canary en --canary

"$bin" demo --out case --seed 3 --days 20 --users 10 --servers 5 --flows-per-day 200 -q >demo.txt ||
  fail "demo: $(tail -5 demo.txt)"
grep -q "^Report: $PWD/case/report.html\$" demo.txt || grep -q "^Report: case/report.html\$" demo.txt ||
  fail "demo did not print the report's path: $(grep -i report demo.txt)"
[ -s case/report.html ] || fail "demo wrote no case/report.html"
"$bin" hunt case/case.db --json >findings.jsonl 2>/dev/null || fail "hunt"
for lang in en ja; do
  tz=UTC
  [ $lang = ja ] && tz=Asia/Tokyo
  "$bin" report case/case.db -o "$PWD/report_$lang.html" --lang $lang --tz $tz -q || fail "report $lang"
  chromium_load "$PWD/report_$lang.html" $lang
  python3 "$here/report_check.py" $lang $lang --findings findings.jsonl --answer case/answer.json
  chromium_shot "$PWD/report_$lang.html" "$PWD/report_$lang.png"
done
grep -q '+09:00' ja.dom || fail "--tz Asia/Tokyo: no +09:00 time in the Japanese report"
# the demo's report is the English one of the same case
python3 - <<'PY' || fail "demo's report.html differs in its sections"
import re
a = open("case/report.html").read()
assert '<section id="s6">' in a and 'lang="en"' in a
PY
echo "screenshots: $PWD/report_en.png $PWD/report_ja.png"
echo ok
