#!/usr/bin/env bash
# End to end: `ashiato timeline` in its three forms. Protects against
# formula injection (cells a spreadsheet would run), broken CSV quoting,
# Timesketch rows that its importer refuses (missing message/datetime/
# timestamp_desc, values over its 32 KiB keyword cap), rows out of time
# order, and times written in a zone without their offset.
set -euo pipefail
bin=$1
work=$2
data=${ASH_TEST_DATA:?}
rm -rf "$work"
mkdir -p "$work"
cd "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }
cp "$data/timeline/hostile.log" .
cp "$data/../golden/fortigate/vpn.log" .
"$bin" ingest case.db hostile.log vpn.log >/dev/null 2>&1 || fail "ingest"
n=$("$bin" events case.db --json | wc -l)
[ "$n" -gt 8 ] || fail "too few events: $n"

"$bin" timeline case.db >tl.csv || fail "csv"
"$bin" timeline case.db --format jsonl --tz Asia/Tokyo >tl.jsonl || fail "jsonl"
"$bin" timeline case.db --format timesketch -o tl.ts.jsonl || fail "timesketch"
python3 - "$n" <<'PY' || fail "checks above"
import csv, json, sys
n = int(sys.argv[1])
rows = list(csv.reader(open("tl.csv", newline="")))
head, body = rows[0], rows[1:]
assert head[:5] == ["time", "host", "user", "kind", "summary"], head
assert len(body) == n, (len(body), n)
for r in body:
    assert len(r) == len(head), r
    for cell in r:
        # nothing a spreadsheet would evaluate
        assert not cell or cell[0] not in "=+-@\t\r", ("formula cell", cell)
users = {r[2] for r in body}
assert "'=cmd|' /C calc'!A0" in users, users
assert "'+SUM(1+1)" in users and "'-2+3" in users and "'@SUM(1)" in users, users
assert 'plain,comma' in users, users
times = [r[0] for r in body]
assert times == sorted(times), "csv rows out of time order"
js = [json.loads(l) for l in open("tl.jsonl")]
assert len(js) == n
for j in js:
    assert j["time"].endswith("+09:00"), j["time"]
    assert j["ts"].endswith("Z")
    assert "summary" in j and j["source"]["path"]
ts = [json.loads(l) for l in open("tl.ts.jsonl")]
assert len(ts) == n
stamps = [t["timestamp"] for t in ts]
assert stamps == sorted(stamps)
long_seen = False
for t in ts:
    for k in ("message", "datetime", "timestamp_desc"):
        assert isinstance(t.get(k), str) and t[k], (k, t)
    assert isinstance(t["timestamp"], int)
    for k, v in t.items():
        if isinstance(v, str):
            assert len(v.encode()) <= 32766, (k, len(v))
    if t.get("_truncated"):
        long_seen = True
assert long_seen, "the 40,000-byte value was not cut and marked"
print("timeline: %d rows in csv, jsonl and timesketch" % n)
PY
# a finding's evidence is marked with its id and severity
"$bin" timeline case.db --findings-only >f.csv || fail "findings-only"
head -1 f.csv | grep -q '^time,host,user,kind,summary' || fail "findings-only header"
# bad usage
set +e
"$bin" timeline case.db --format xml >/dev/null 2>&1
[ $? -eq 2 ] || fail "bad --format is not a usage error"
"$bin" timeline case.db --tz Mars/Olympus >/dev/null 2>&1
[ $? -eq 2 ] || fail "bad --tz is not a usage error"
set -e
echo "timeline: ok"
