#!/usr/bin/env bash
# End to end: one folder holding FortiGate, PAN-OS, ASA and Zeek logs (TSV
# and JSON), some gzipped, two inside one zip, read in one command. Each
# file must be detected as its own format (the sniffers must not confuse
# each other): checked through `parse DIR` (each file's events and
# accounting equal its golden test's) and through `ingest` + `sources
# --json` (the format recorded per source).
set -euo pipefail
bin=$1
work=$2
src=${ASH_SRC:?ASH_SRC not set}
g=$src/tests/golden
rm -rf "$work"
mkdir -p "$work/ev/fw" "$work/ev/nsm"
cd "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }

# path in the folder | golden case it comes from | format
cat >plan.txt <<EOF
ev/fw/fortigate-traffic.log fortigate/traffic fortigate
ev/fw/fortigate-vpn.log.gz fortigate/vpn fortigate
ev/fw/pa-mixed.log.gz panos/mixed panos
ev/fw/pa-tz.log panos/tz_skew panos
ev/fw/asa.log asa/sessions asa
ev/nsm/conn.log.gz zeek/conn zeek
ev/nsm/open_conn.log zeek/open_conn zeek
ev/bundle.zip!logs/asa-vpn.log asa/tz_skew asa
ev/bundle.zip!zeek/conn.json zeek-json/conn zeek-json
EOF
while read -r dst case fmt; do
  in=$(ls "$g/$case".* | grep -v '\.expected\.' | grep -v '\.args$' | grep -v '\.tz$' | head -n 1)
  case "$dst" in
  *!*)
    m=zipsrc/${dst#*!}
    mkdir -p "$(dirname "$m")"
    cp "$in" "$m"
    ;;
  *.gz) gzip -c "$in" >"$dst" ;;
  *) cp "$in" "$dst" ;;
  esac
done <plan.txt
(cd zipsrc && python3 -c "
import zipfile, os
z = zipfile.ZipFile('../ev/bundle.zip', 'w', zipfile.ZIP_DEFLATED)
for root, _, files in os.walk('.'):
    for f in sorted(files):
        p = os.path.join(root, f)[2:]
        z.write(p, p)
z.close()")

# 1. parse DIR: per file, the same number of events as its golden test
"$bin" parse ev >parse.jsonl 2>parse.err || fail "parse exited $?: $(cat parse.err)"
grep -q 'not recognised' parse.err && fail "a file was not recognised: $(cat parse.err)"
python3 - "$g" <<'PY' || fail "parse DIR: wrong format somewhere"
import json, sys, collections
g = sys.argv[1]
per = collections.Counter()
for l in open('parse.jsonl'):
    per[json.loads(l)['source']['path']] += 1
for line in open('plan.txt'):
    dst, case, fmt = line.split()
    want = int(open(f'{g}/{case}.expected.counts').read().split()[-1])
    got = per.get(dst, 0)
    assert got == want, f'{dst}: {got} events, the golden {case} has {want}'
PY

# 2. ingest + sources --json: the format recorded for each source
"$bin" ingest case.db ev --json >ingest.json 2>ingest.err || fail "ingest: $(cat ingest.err)"
"$bin" sources case.db --json >sources.json || fail "sources"
python3 - "$g" <<'PY' || fail "ingest/sources: wrong format or accounting"
import json, sys
g = sys.argv[1]
plan = {}
for line in open('plan.txt'):
    dst, case, fmt = line.split()
    plan[dst] = (case, fmt)
for name in ('ingest.json', 'sources.json'):
    rows = [json.loads(l) for l in open(name)]
    assert len(rows) == len(plan), (name, len(rows), len(plan))
    for r in rows:
        key = next((k for k in plan if r['path'].endswith(k)), None)
        assert key, ('unexpected source', r['path'])
        case, fmt = plan[key]
        assert r['format'] == fmt, (r['path'], r['format'], fmt)
        c = open(f'{g}/{case}.expected.counts').read().split()
        want = dict(zip(c[0::2], map(int, c[1::2])))
        assert r['read'] == r['parsed'] + r['rejected'], r
        for k in ('read', 'parsed', 'rejected'):
            assert r[k] == want[k], (r['path'], k, r[k], want[k])
PY
echo "mixed folder: $(wc -l <plan.txt) files, each detected as its own format"

# 3. --format evtx on the mixed folder plus two EVTX files (issue 18 item
# 10): each file that is not EVTX is skipped with why, the EVTX files are
# ingested, and an ingest without --format reads the others later
cp "$src/tests/data/evtx/logclear_104_1102.evtx" "$src/tests/data/evtx/powershell_4103_4104.evtx" ev/
"$bin" ingest evtx.db ev --format evtx --json >evtx.json 2>evtx.err ||
  fail "--format evtx on a mixed folder exited $?: $(cat evtx.err)"
"$bin" ingest evtx.db ev --json >evtx2.json 2>evtx2.err || fail "then without --format: $(cat evtx2.err)"
"$bin" sources evtx.db --json >evtx.sources
python3 - <<'PY' || fail "--format evtx on a mixed folder"
import json
rows = [json.loads(l) for l in open('evtx.json')]
ev = {r['path']: r for r in rows if r['path'].endswith('.evtx')}
assert len(ev) == 2 and all(r['state'] == 'complete' and r['parsed'] > 0 for r in ev.values()), ev
others = [r for r in rows if not r['path'].endswith('.evtx')]
assert len(others) == len(open('plan.txt').readlines()), others  # zip members too
assert all(r['state'] == 'skipped' and 'not evtx content' in r['reason'] for r in others), others
# afterwards: every file read once in its own format, no skipped row left
src = [json.loads(l) for l in open('evtx.sources')]
assert not [r for r in src if r['state'] != 'complete'], src
assert len(src) == len(open('plan.txt').readlines()) + 2, len(src)
PY
