#!/usr/bin/env bash
# End to end: `ashiato scan` on the generator's case, twice: with the names
# of the case alone (--case), and with a profile as a responder would write
# it from the organisation (answer.json's "organisation": domain, NetBIOS
# name, DCs, servers, admins, address ranges, plus the backup service
# account) merged with the case. Every implant of answer.json must be found
# at high or critical severity, and none of the generator's benign
# look-alikes (a logon script, a web.config, line-of-business programs
# naming the domain, their own host and a service account) may be.
set -euo pipefail
bin=$1
work=$2
rm -rf "$work"
mkdir -p "$work"
cd "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }

for seed in 3 11; do
  rm -rf case case.db
  "$bin" gen --out case --seed $seed --users 40 --servers 8 --days 21 --flows-per-day 500 -q ||
    fail "gen seed $seed"
  python3 - <<'PY' >profile
import json
o = json.load(open('case/answer.json'))['organisation']
print('domain:', o['domain'])
print('netbios:', o['netbios'])
print('dc:', ', '.join(s['name'] for s in o['servers'] if 'domain controller' in s['role']))
print('server:', ', '.join(s['name'] for s in o['servers'] if 'domain controller' not in s['role']))
print('admin:', ', '.join(o['admins']))
print('service: svc_backup')
print('range:', o['server_net'] + ',', o['workstation_net'])
PY
  "$bin" ingest case.db case/logs >/dev/null 2>&1 || fail "ingest seed $seed"
  for mode in case profile; do
  opts=(--case case.db)
  [ $mode = profile ] && opts+=(--profile profile)
  "$bin" scan "${opts[@]}" --json case/files >out.jsonl 2>err.txt ||
    fail "scan seed $seed ($mode): $(cat err.txt)"
  python3 - "$seed $mode" <<'PY' || fail "seed $seed ($mode): $(cat err.txt)"
import json, sys
a = json.load(open('case/answer.json'))
rows = [json.loads(l) for l in open('out.jsonl')]
sev = {r['entities']['files'][0][len('case/'):]: r['severity'] for r in rows}
sha = {r['entities']['files'][0][len('case/'):]: r['details']['sha256'] for r in rows}
implants = a['implants']
assert implants, 'the generator wrote no implants'
for im in implants:
    assert sev.get(im['file']) in ('high', 'critical'), (im['file'], sev.get(im['file']))
    assert sha[im['file']] == im['sha256'], im['file']
benign = a['benign']['files']
assert benign
for b in benign:
    assert sev.get(b['file']) not in ('high', 'critical'), (b['file'], sev.get(b['file']))
print('seed %s: %d implants found high+, %d benign files below high' % (sys.argv[1], len(implants), len(benign)))
PY
  done
done
echo ok
