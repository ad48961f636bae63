#!/usr/bin/env bash
# End to end: the CLI says what is wrong instead of printing nothing or
# the whole help. Protects: `kinds` (the kinds present, with counts), a
# mistyped --kind (named, with the kinds the case has, instead of an empty
# answer), --event-id, a missing operand named, a case in a folder that does
# not exist, the warning block for sources that lost more than half of
# their records.
set -euo pipefail
bin=$1
work=$2
g=${ASH_TEST_DATA:?}/../golden
rm -rf "$work"
mkdir -p "$work"
cd "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }
"$bin" ingest case.db "$g/fortigate/vpn.log" "$g/evtx/rdp_1149.evtx" >/dev/null 2>&1 || fail ingest
"$bin" kinds case.db >k.txt || fail kinds
grep -Eq '^vpn.login +[0-9]+$' k.txt || fail "kinds: $(cat k.txt)"
"$bin" kinds case.db --json | python3 -c '
import json, sys
k = {j["kind"]: j["count"] for j in map(json.loads, sys.stdin)}
assert k.get("vpn.login", 0) > 0 and k.get("win.rdp", 0) > 0, k' || fail "kinds --json"
"$bin" events case.db --kind vpn.logn >out.txt 2>err.txt || fail "events rc"
[ ! -s out.txt ] || fail "a mistyped kind printed events"
grep -q "no event of kind 'vpn.logn'" err.txt || fail "mistyped kind not named: $(cat err.txt)"
grep -q "vpn.login" err.txt || fail "the case's kinds not listed"
n=$("$bin" events case.db --event-id 1149 --json | wc -l)
all=$("$bin" events case.db --json | grep -c '"event_id":1149' || true)
[ "$n" -gt 0 ] && [ "$n" = "$all" ] || fail "--event-id 1149: $n of $all"
set +e
"$bin" events 2>err.txt
[ $? -eq 2 ] && grep -q "missing CASE" err.txt || fail "events without CASE"
"$bin" ingest case.db 2>err.txt
[ $? -eq 2 ] && grep -q "missing PATH" err.txt || fail "ingest without PATH"
"$bin" ingest "$work/no/such/folder/c.db" "$g/fortigate/vpn.log" 2>err.txt
[ $? -eq 1 ] && grep -q "folder .*no/such/folder does not exist" err.txt || fail "missing folder: $(cat err.txt)"
"$bin" events case.db --event-id x 2>/dev/null
[ $? -eq 2 ] || fail "--event-id x is not a usage error"
set -e
# a source that lost most of its records is named again at the end
"$bin" ingest bad.db "$g/fortigate/malformed.log" >/dev/null 2>err.txt || fail "ingest malformed"
grep -q "lost more than half" err.txt || fail "no warning block for a mostly rejected source"
grep -q "malformed.log: 7 of 10 rejected" err.txt || fail "the warning does not name the file"
"$bin" ingest good.db "$g/fortigate/vpn.log" >/dev/null 2>err.txt || fail "ingest vpn"
! grep -q "lost more than half" err.txt || fail "a warning block for a good source"
echo "cli usage: ok"
