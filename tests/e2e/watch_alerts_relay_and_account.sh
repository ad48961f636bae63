#!/usr/bin/env bash
# watch on a generated intrusion (loopback only): the case holds the logs up
# to the end of the first tunnel session (ingested and hunted: its findings
# are the watch list); the rest of the intrusion's lines are replayed into
# `ashiato watch` over TCP at speed. Alerts must fire for the relay address
# and for the linked account logging in from a new source, each within 1 s
# of the line that caused it leaving the sender; every message sent is a
# record of a watch source (received = parsed + rejected); `events --raw`
# quotes a watched line back from the spool; a restart continues the case
# (a continuation source) and SIGTERM flushes.
# WATCH_CASE (e2e.watch_clickhouse: a clickhouse:// URL) and WATCH_SPOOL
# run it on another case than case.db.
set -euo pipefail
bin=$1
work=$2
case=${WATCH_CASE:-case.db}
spool=(${WATCH_SPOOL:+--spool "$WATCH_SPOOL"})
here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$work"
mkdir -p "$work"
cd "$work"
fail() {
  echo "FAIL: $*" >&2
  [ -f watch.err ] && cat watch.err >&2
  exit 1
}

"$bin" gen --out g --seed 1 --users 24 --servers 7 --days 30 --flows-per-day 500 --sysmon -q
cut=$(python3 -c "
import json,datetime
a=json.load(open('g/answer.json'))
e=a['tunnel']['sessions'][0]['end']
t=datetime.datetime.strptime(e[:19],'%Y-%m-%dT%H:%M:%S')+datetime.timedelta(minutes=5)
later=[s for s in a['return_vpn_sessions'] if s['login'][:19] > t.isoformat()]
assert later, 'no return session after the first tunnel session'
print(t.isoformat())")
python3 "$here/watch_replay.py" split g "$cut" part1 rest.txt
"$bin" ingest "$case" part1 >/dev/null 2>&1
"$bin" hunt "$case" --json >findings.jsonl

start_watch() {
  : >watch.err
  "$bin" watch "$case" "${spool[@]}" --listen tcp:127.0.0.1:0 --listen udp:[::1]:0 --alerts alerts.jsonl \
    2>watch.err &
  wpid=$!
  for _ in $(seq 100); do
    grep -q 'listening on tcp' watch.err && break
    sleep 0.1
  done
  port=$(grep -o 'tcp:127.0.0.1:[0-9]*' watch.err | cut -d: -f3)
  [ -n "$port" ] || fail "watch did not listen"
}
stop_watch() {
  kill -TERM "$wpid"
  wait "$wpid" || fail "watch exited $?"
  grep -q 'received' watch.err || fail "no summary on stderr"
}

start_watch
python3 "$here/watch_replay.py" send rest.txt 127.0.0.1 "$port" sent.json
sleep 2
stop_watch
sent=$(grep -c . rest.txt)
grep -q "received $sent " watch.err || fail "sent $sent, $(grep received watch.err)"

python3 - g/answer.json rest.txt sent.json alerts.jsonl "$cut" <<'PY' || fail "alerts"
import json, sys, datetime
ans = json.load(open(sys.argv[1]))
lines = [l for l in open(sys.argv[2], 'rb').read().split(b'\n') if l]
sent = json.load(open(sys.argv[3]))
assert len(sent) == len(lines)
msg_time = {}
for l, t in zip(lines, sent):
    kind, _, m = l.partition(b' ')
    m = (b'<189>' + m) if kind == b'fw' else m
    msg_time.setdefault(m.decode(), t)
alerts = [json.loads(l) for l in open(sys.argv[4])]
def ts(s):
    return datetime.datetime.strptime(s, '%Y-%m-%dT%H:%M:%S.%fZ').replace(
        tzinfo=datetime.timezone.utc).timestamp()
def latency(a):
    t0 = msg_time.get(a.get('message'))
    assert t0 is not None, 'alert message not among the lines sent: %r' % a.get('message', '')[:80]
    return ts(a['alerted']) - t0
relay = ans['tunnel']['relay_ip']
acct = ans['linked_account']
r = [a for a in alerts if a['alert'] == 'watch-ip' and relay in a['title']]
assert r, 'no watch-ip alert for the relay %s: %s' % (relay, [a['title'] for a in alerts][:10])
u = [a for a in alerts if a['alert'] == 'account-new-source' and acct in a['title']]
assert u, 'no account alert for %s' % acct
# the account's return from an address the case never saw it use
new_src = {s['src_ip'] for s in ans['return_vpn_sessions'] if s['login'][:19] > sys.argv[5]}
assert any(a['event'].get('src_ip') in new_src for a in u), [a['title'] for a in u]
for a in (r[0], u[0]):
    lat = latency(a)
    assert lat <= 1.0, '%s alerted %.3f s after its line' % (a['alert'], lat)
    print('%s latency %.3f s' % (a['alert'], lat))
lr = [a for a in alerts if a['alert'] == 'loopback-rdp']
assert lr, 'no loopback-rdp alert'
# every alert names an event that leads back to the spool
for a in alerts:
    assert a['event']['source']['path'].endswith('.log'), a['event']
PY

# accounting: every message a record of a watch source, the watch sources'
# records add up to what was sent
"$bin" sources "$case" --json >sources.jsonl
python3 - sources.jsonl "$sent" <<'PY' || fail "accounting"
import json, sys
srcs = [json.loads(l) for l in open(sys.argv[1])]
w = [s for s in srcs if '.watch/' in s['path']]
assert w, 'no watch sources'
for s in w:
    assert s['read'] == s['parsed'] + s['rejected'], s
assert sum(s['read'] for s in w) == int(sys.argv[2]), (sum(s['read'] for s in w), sys.argv[2])
PY

# the evidence: a watched event's line is read back from the spool
relay=$(python3 -c "import json;print(json.load(open('g/answer.json'))['tunnel']['relay_ip'])")
"$bin" events "$case" --kind net.flow --raw --limit 100000 >raw.txt || fail "events --raw"
grep -q "dstip=$relay" raw.txt || fail "relay line not quoted back"

# restart: the same case and spool, a continuation source, SIGTERM flushes
head -50 rest.txt >rest2.txt
start_watch
python3 "$here/watch_replay.py" send rest2.txt 127.0.0.1 "$port" sent2.json --octet
sleep 1
stop_watch
grep -q "received 50 " watch.err || fail "restart: $(grep received watch.err)"
"$bin" sources "$case" --json >sources2.jsonl
python3 - sources2.jsonl "$sent" <<'PY' || fail "restart accounting"
import json, sys
w = [json.loads(l) for l in open(sys.argv[1])]
w = [s for s in w if '.watch/' in s['path']]
assert any(s.get('continues') for s in w), 'no continuation after the restart'
assert sum(s['read'] for s in w) == int(sys.argv[2]) + 50
PY
echo OK
