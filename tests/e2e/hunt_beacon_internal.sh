#!/usr/bin/env bash
# End to end (issue 17 item 6): a host beaconing every five minutes to an
# outside address that is in no cloud range is a beacon finding; naming
# that address's network with --internal makes it the organisation's own
# (no finding); a --internal that is not a network is a usage error.
set -euo pipefail
bin=$1
work=$2
root=$(cd "$(dirname "$0")/../.." && pwd)
rm -rf "$work"
mkdir -p "$work"
cd "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }
# the golden case's log, written back as run.py does
python3 - "$root/tests/golden/hunt/beacon_zeek.events.jsonl" <<'PY'
import json, sys
with open(sys.argv[1]) as f, open('conn.log', 'w') as o:
    for l in f:
        o.write(json.loads(l)['line'] + '\n')
PY
"$bin" ingest case.db conn.log --format zeek >/dev/null 2>&1 || fail "ingest"
ranges="$root/data/cloud-ranges.tsv"
"$bin" hunt case.db --hunt beacon --json --ranges "$ranges" >out.jsonl || fail "hunt"
grep -q '"203.0.113.50"' out.jsonl || fail "the beacon to 203.0.113.50 was not found"
"$bin" hunt case.db --hunt beacon --json --ranges "$ranges" \
  --internal 192.0.2.0/24,203.0.113.0/24 >in.jsonl || fail "hunt --internal"
if grep -q '"203.0.113.50"' in.jsonl; then fail "an --internal address was reported as outside"; fi
set +e
"$bin" hunt case.db --hunt beacon --internal 203.0.113.0/24,nonsense >/dev/null 2>err.txt
rc=$?
set -e
[ "$rc" = 2 ] || fail "--internal nonsense: exit $rc, not the usage error 2"
grep -q "not a network" err.txt || fail "--internal nonsense: no message"
echo "ok"
