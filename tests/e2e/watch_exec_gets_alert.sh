#!/usr/bin/env bash
# watch --exec: each alert runs the command (split at spaces, no shell: the
# ';' and '$HOME' below reach tee as arguments, not a shell), the alert JSON
# on its stdin, the same line as on stdout. A loopback RDP logon (4624 type
# 10 from 127.0.0.1 or ::1) sent over ::1 with octet counting alerts on an
# empty case (no watchlist needed).
set -euo pipefail
bin=$1
work=$2
rm -rf "$work"
mkdir -p "$work"
cd "$work"
fail() { echo "FAIL: $*" >&2; cat watch.err >&2 || true; exit 1; }
"$bin" gen --out g --seed 1 --users 24 --servers 7 --days 30 --flows-per-day 200 -q
# (not grep | head: under pipefail grep's SIGPIPE when head is done would
# fail the script at random)
python3 - g/logs/windows >lo.jsonl <<'PY'
import glob, re, sys
for f in sorted(glob.glob(sys.argv[1] + '/*/security.jsonl')):
    for l in open(f):
        if '"LogonType":"10"' in l and re.search(r'"IpAddress":"(127\.0\.0\.1|::1)"', l):
            sys.stdout.write(l)
            sys.exit(0)
PY
[ -s lo.jsonl ] || fail "no loopback RDP logon in the generated case"
"$bin" watch c.db --listen 'tcp:[::1]:0' --exec "tee -a $work/exec.out ; \$HOME" \
  >stdout.jsonl 2>watch.err &
wpid=$!
for _ in $(seq 100); do grep -q listening watch.err && break; sleep 0.1; done
port=$(grep -o '\]:[0-9]*' watch.err | cut -d: -f2)
python3 -c "
import socket,sys
m=open('lo.jsonl','rb').read().rstrip(b'\n')
s=socket.create_connection(('::1',int(sys.argv[1])))
s.sendall(str(len(m)).encode()+b' '+m); s.close()" "$port"
sleep 1.5
kill -TERM "$wpid"
wait "$wpid" || fail "watch exited $?"
grep -q '"alert":"loopback-rdp"' stdout.jsonl || fail "no loopback-rdp alert on stdout"
[ -f exec.out ] || fail "--exec did not run"
cmp -s stdout.jsonl exec.out || fail "the --exec stdin differs from stdout"
[ -f ';' ] && [ -f '$HOME' ] || fail "--exec arguments went through a shell"
echo OK
