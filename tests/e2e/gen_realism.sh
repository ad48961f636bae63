#!/usr/bin/env bash
# gen realism, for each firewall format (FortiGate, PAN-OS, ASA, Zeek): every
# generated line parses with our own parsers with zero rejects (firewall and
# Windows JSON lines, accounted file by file through `ashiato parse
# --rejects`), the record counts agree with answer.json, and
# the benign long-lived and periodic cloud connections are there in the
# numbers the options set (one monitoring websocket per server on every
# day, the nightly S3 uploads, the WSUS downloads), next to the embedded
# tunnel, loopback RDP logons and past detection.
set -euo pipefail
bin=$1
work=$2
rm -rf "$work"
mkdir -p "$work"
cd "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }

for fw in fortigate panos asa zeek; do
rm -rf case
seed=21
days=24
[ $fw = fortigate ] || { seed=$((seed + ${#fw})); days=20; }
"$bin" gen --out case --seed $seed --users 15 --servers 6 --days $days --flows-per-day 800 \
  --firewall $fw --sysmon -q
"$bin" parse --rejects case/logs >events.jsonl 2>counts.txt || fail "$fw: parse exit $?: $(grep -v '^read' counts.txt | head)"
grep -v '^read ' counts.txt && fail "$fw: parse complained"
nfiles=$(find case/logs -type f | wc -l)
[ "$(grep -c '^read ' counts.txt)" -eq "$nfiles" ] || fail "$fw: not every file was parsed"
awk '$2 != $4 || $6 != 0 {print; bad=1} END {exit bad}' counts.txt || fail "$fw: rejects or read != parsed"
grep -q '"reject"' events.jsonl && fail "$fw: rejected records: $(grep -m3 '"reject"' events.jsonl)"

python3 - $fw <<'PY' || fail "$fw: realism"
import json, collections, datetime, sys
fwname = sys.argv[1]
a = json.load(open('case/answer.json'))
assert a['generator']['firewall'] == fwname
ev = [json.loads(l) for l in open('events.jsonl')]
st = a['stats']
fw = [e for e in ev if e['source']['path'].startswith(('case/logs/firewall/', 'case/logs/vpn/'))]
win = [e for e in ev if e['source']['path'].startswith('case/logs/windows/')]
if fwname != 'asa':  # the ASA writes a flow in two lines, a login in three
    assert len(fw) == st['firewall_records'], (len(fw), st)
assert len(win) == st['windows_records'], (len(win), st)
flows = [e for e in fw if e['kind'] == 'net.flow']
if fwname == 'asa':  # connections still open at the end are logged built only
    flows = [e for e in flows if e.get('action') == 'teardown']
assert len(flows) == st['flows'], (len(flows), st['flows'])
vpn = [e for e in fw if e['kind'] == 'vpn.login' and e.get('tunnel_ip')]
assert len(vpn) == st['vpn_sessions'], (len(vpn), st['vpn_sessions'])
days = a['generator']['days']
assert st['flows'] >= 800 * days * 0.9, st

ip_of = {s['name']: s['ip'] for s in a['organisation']['servers']}
def final(e):
    return fwname != 'fortigate' or e.get('attrs', {}).get('logid') == '0000000013'
def day(e):
    return e['ts'][:10]

# one monitoring websocket per server, present on every day of the case
m = a['benign']['monitoring_websockets']
mips = set(m['dst_ips'])
for h in m['hosts']:
    mine = [e for e in flows if e.get('src_ip') == ip_of[h] and e.get('dst_ip') in mips and e.get('dst_port') == 443]
    # FortiGate's interim records show the session every day; the others
    # log a session when it ends (sessions last hours: most days)
    need = days - 1 if fwname == 'fortigate' else days - 3
    assert len({day(e) for e in mine}) >= need, (h, len({day(e) for e in mine}))
    assert max(e.get('duration', 0) for e in mine) >= 3600, h
mon_final = sum(1 for e in flows if e.get('dst_ip') in mips and final(e))
assert m['sessions'] - len(m['hosts']) <= mon_final <= m['sessions'], (mon_final, m['sessions'])

# nightly backups: every session logged, every night
b = a['benign']['backup_uploads']
bips = set(b['dst_ips'])
bk = [e for e in flows if e.get('src_ip') == ip_of[b['hosts'][0]] and e.get('dst_ip') in bips and final(e)]
assert len(bk) == b['sessions'], (len(bk), b['sessions'])
assert b['sessions'] >= 4 * (days - 1), b['sessions']
if fwname != 'asa':  # the ASA logs only the total
    assert all(e['bytes_out'] > 50 * e['bytes_in'] for e in bk)
u = a['benign']['update_downloads']
uips = set(u['dst_ips'])
up = [e for e in flows if e.get('src_ip') == ip_of[u['hosts'][0]] and e.get('dst_ip') in uips and final(e)]
assert len(up) == u['sessions'] >= days - 1, (len(up), u['sessions'])

# the tunnel: long sessions and beacons from the tunnel host to the relay
t = a['tunnel']
tf = [e for e in flows if e.get('src_ip') == t['host_ip'] and e.get('dst_ip') == t['relay_ip'] and e.get('dst_port') == t['relay_port'] and final(e)]
long_ = [e for e in tf if e.get('duration', 0) >= 3600]
assert len(long_) >= len(t['sessions']) - 2, (len(long_), len(t['sessions']))
assert len(tf) > len(t['sessions']) + 10, 'no beacons'
# nobody else talks to the relay
assert all(e.get('src_ip') == t['host_ip'] for e in flows if e.get('dst_ip') == t['relay_ip'])

# loopback RDP logons on the tunnel host, as many as answer.json says
lb = [e for e in win if e['kind'] == 'win.logon' and e.get('host') == t['host'] and e.get('logon_type') == 10 and e.get('src_ip') in ('127.0.0.1', '::1')]
assert len(lb) == len(a['loopback_rdp']), (len(lb), len(a['loopback_rdp']))
# console logons from 127.0.0.1 exist too (type 2/7: not RDP)
assert any(e['kind'] == 'win.logon' and e.get('logon_type') in (2, 7) and e.get('src_ip') == '127.0.0.1' for e in win)

# the past detection and its VPN session
p = a['past_detection']
det = [e for e in win if e['kind'] == 'av.detect' and e.get('host') == p['host'] and e.get('threat') == p['threat']]
assert len(det) == 1 and det[0]['ts'] == p['ts'] and det[0].get('user') == a['linked_account'], det
pv = a['past_vpn_session']
login = [e for e in vpn if e.get('user') == pv['user'] and e.get('tunnel_ip') == pv['tunnel_ip'] and e.get('src_ip') == pv['src_ip']]
assert len(login) == 1, login
# the attacker's source addresses are used by nobody else
srcs = {pv['src_ip']} | {r['src_ip'] for r in a['return_vpn_sessions']}
assert all(e.get('user') == a['linked_account'] for e in vpn if e.get('src_ip') in srcs)
# benign look-alikes exist: other hacktool detections, travel from new addresses
assert a['benign']['console_logons_from_127_0_0_1'] > 0
print(fwname, 'ok:', len(fw), 'firewall events,', len(win), 'windows events')
PY
done
