#!/usr/bin/env bash
# demo: the README's first command. The default case is generated,
# ingested with zero rejects, hunted and scanned, and the report says what
# was embedded and that the hunts found it; the temporary folder is gone
# afterwards. With --out the case and its store are kept.
set -euo pipefail
bin=$1
work=$2
rm -rf "$work"
mkdir -p "$work/tmp"
cd "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }

TMPDIR=$work/tmp "$bin" demo >out.txt 2>err.txt || fail "demo exit $?: $(cat err.txt)"
cat out.txt
[ -z "$(ls -A tmp)" ] || fail "temporary case left behind: $(ls tmp)"
for s in "1. Generated" "2. Ingested" "3. Hunted" "4. What was embedded"; do
  grep -q "^$s" out.txt || fail "no section '$s'"
done
grep -E '^   (fortigate|winjson) ' out.txt | awk '$NF != 0 {bad=1} END {exit bad}' || fail "rejects"
[ "$(grep -c -- '-> found: #' out.txt)" -ge 3 ] || fail "the hunts did not find the intrusion"
grep -q -- '-> NOT found' out.txt && fail "something was not found"
# the returns and the admin's hop (issue 11 item 4), and one incident of it all
grep -q -- '-> found: .*(account-use,' out.txt || fail "the returns were not found"
grep -q -- '-> found: .*(credential-hop,' out.txt || fail "the admin credential hop was not found"
grep -q -- '-> linked: incident INC-' out.txt || fail "the findings are not one incident"
grep -q -- '-> NOT linked' out.txt && fail "not one incident"
grep -q "the scan flagged" out.txt || fail "no scan"

"$bin" demo --out kept --seed 3 --days 20 --users 10 --servers 5 --flows-per-day 200 -q >kept.txt
[ -s kept/case.db ] && [ -s kept/answer.json ] && [ -d kept/logs/firewall ] || fail "--out did not keep the case"
"$bin" sources kept/case.db >/dev/null || fail "kept case store unreadable"
set +e
"$bin" demo --out kept -q >/dev/null 2>&1
rc=$?
set -e
[ "$rc" -eq 2 ] || fail "demo into a non-empty folder: exit $rc, want 2"
echo ok
