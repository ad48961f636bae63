#!/usr/bin/env bash
# gen answer.json: valid JSON with the fields of cli-contract.md (linked
# account, past detection, tunnel host and relay, implant files, abused
# commands) and the details the hunts are measured on; every implant and
# benign file it names exists with the SHA-256 it gives; the implants carry
# the domain's names in ASCII and UTF-16LE, are PE files, and no log line
# mentions a file that is not there.
set -euo pipefail
bin=$1
work=$2
rm -rf "$work"
mkdir -p "$work"
cd "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }

"$bin" gen --out case --seed 5 --users 12 --servers 5 --days 21 --flows-per-day 300 \
  --domain ACME.TEST.INTERNAL -q
python3 - <<'PY' || fail "answer.json"
import json, hashlib, os, re
a = json.load(open('case/answer.json'))
iso = re.compile(r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$')
for k in ['generator', 'organisation', 'linked_account', 'compromised_accounts', 'past_detection',
          'past_vpn_session', 'past_rdp_logon', 'return_vpn_sessions', 'lateral_movement', 'tunnel',
          'loopback_rdp', 'implants', 'abused_commands', 'log_clears', 'ransomware', 'benign',
          'expected_findings', 'stats']:
    assert k in a, k
o = a['organisation']
assert o['domain'] == 'acme.test.internal' and o['netbios'] == 'ACME', o
assert a['linked_account'] in a['compromised_accounts']
p = a['past_detection']
for k in ['ts', 'host', 'threat', 'path', 'detection_user']:
    assert p[k], k
assert iso.match(p['ts']) and p['threat'].startswith('HackTool:'), p
assert p['detection_user'] == 'ACME\\' + a['linked_account']
v = a['past_vpn_session']
assert v['user'] == a['linked_account'] and v['login'] < p['ts'] < v['logout'], v
assert a['past_rdp_logon']['src_ip'] == v['tunnel_ip']
assert len(a['return_vpn_sessions']) >= 2
assert all(r['login'] > p['ts'] and r['first_time_from_src'] for r in a['return_vpn_sessions'])
t = a['tunnel']
assert t['provider'] == 'aws' and t['service'] == 'EC2' and t['relay_port'] in (443, 8443), t
assert t['host'] in [s['name'] for s in o['servers']]
assert len(t['sessions']) >= 2 and all(s['start'] < s['end'] for s in t['sessions'])
assert len(a['loopback_rdp']) >= len(t['sessions'])
for r in a['loopback_rdp']:
    assert r['host'] == t['host'] and r['src_ip'] in ('127.0.0.1', '::1')
    assert any(s['start'] <= r['ts'] <= s['end'] for s in t['sessions']), r
roles = {i['role'] for i in a['implants']}
assert {'tunnel backdoor', 'recon', 'ransomware'} <= roles, roles
for f in a['implants'] + a['benign']['files']:
    data = open(os.path.join('case', f['file']), 'rb').read()
    assert hashlib.sha256(data).hexdigest() == f['sha256'], f['file']
    assert len(data) == f['size']
for i in a['implants']:
    data = open(os.path.join('case', i['file']), 'rb').read()
    assert data[:2] == b'MZ' and data[0x80:0x84] == b'PE\0\0', i['file']
    assert b'acme.test.internal' in data or b'ACME.TEST.INTERNAL' in data, i['file']
    assert 'ACME'.encode('utf-16-le') in data, i['file']
assert a['ransomware']['sha256'] in {i['sha256'] for i in a['implants']}
assert len(a['ransomware']['hosts']) >= 3
cmds = ' '.join(c['command_line'] for c in a['abused_commands'])
for w in ['vssadmin delete shadows', 'bcdedit', 'wevtutil cl', 'schtasks /create', 'portproxy']:
    assert w in cmds, w
assert all(c['ts'] < a['generator']['end'] for c in a['abused_commands'])
hunts = {f['hunt'] for f in a['expected_findings']}
assert hunts == {'past-incident-link', 'cloud-tunnel', 'loopback-rdp', 'implant'}, hunts
print('ok')
PY
# The backdoor's path is in the Windows logs of its host (service install).
h=$(python3 -c "import json; print(json.load(open('case/answer.json'))['tunnel']['host'])")
svc=$(python3 -c "import json; print(json.load(open('case/answer.json'))['tunnel']['service_name'])")
grep -q "\"ServiceName\":\"$svc\"" "case/logs/windows/$h/system.jsonl" || fail "no 7045 for $svc on $h"
echo ok
