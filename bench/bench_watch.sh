#!/usr/bin/env bash
# bench/bench_watch.sh [DIR] [RATE] [SECONDS]: `ashiato watch` under load,
# loopback only, bounded in time (about 3 x SECONDS + 1 min). Not a test.
#
# Builds a RelWithDebInfo tree in build/ (bench_watch_send, the paced sender,
# and ashiato), generates FortiGate, PAN-OS and ASA cases with Winlogbeat
# events, and interleaves their lines into one mixed feed. Then:
#  1. TCP: RATE messages/s (default 50,000) for SECONDS (default 60) over one
#     connection; watch then gets SIGTERM. Zero loss means: every message
#     sent is a record of a watch source (read = parsed + rejected, and the
#     sum of read equals the messages sent). Prints the achieved rate (the
#     sender is held back by TCP when watch cannot keep up: back-pressure, not
#     loss), watch's peak RSS (VmHWM) and its queue peak.
#  1b. TLS (RFC 5425, octet-counted frames): the same, over one TLS
#     connection, with a throwaway self-signed certificate;
#  2. UDP: the same rate and time; prints the datagrams sent, stored, and
#     dropped (counted: queue full, or by the kernel) and checks that sent =
#     stored + dropped (datagrams lost on loopback before the socket are the
#     kernel's count).
#  3. kill -9: TCP at RATE for SECONDS/2, watch killed with SIGKILL half-way;
#     the records committed before the kill (read from the case just before
#     it) must all be there after it, and after a restart (which parses what
#     was spooled but not committed) the case holds at least as many.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
dir=${1:-/tmp/ashiato-watch-bench}
rate=${2:-50000}
secs=${3:-60}
mkdir -p "$dir"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j2 --target ashiato bench_watch_send >/dev/null
bin=$root/build/ashiato
send=$root/build/bench/bench_watch_send
cd "$dir"
for fw in fortigate panos asa; do
  [ -d "g-$fw" ] || "$bin" gen --out "g-$fw" --seed 5 --users 24 --servers 7 --days 20 \
    --flows-per-day 3000 --firewall "$fw" --sysmon -q
done
[ -s mixed.txt ] || python3 - <<'PY'
import glob, itertools
def lines(pattern, prefix=b'', n=60000):
    out = []
    for f in sorted(glob.glob(pattern)):
        for l in open(f, 'rb'):
            l = l.rstrip(b'\n')
            if l:
                out.append(prefix + l)
            if len(out) >= n:
                return out
    return out
# FortiGate's own syslog puts only a PRI before its key=value; PAN-OS and
# ASA lines of gen carry their syslog headers already
fg = lines('g-fortigate/logs/firewall/*.log', b'<189>')
pa = lines('g-panos/logs/firewall/*.log')
asa = lines('g-asa/logs/firewall/*.log')
win = lines('g-fortigate/logs/windows/*/*.jsonl')
with open('mixed.txt', 'wb') as o:
    for t in itertools.zip_longest(fg, pa, asa, win):
        for x in t:
            if x:
                o.write(x + b'\n')
PY
echo "feed: $(wc -l <mixed.txt) distinct messages, $(($(wc -c <mixed.txt) / $(wc -l <mixed.txt))) bytes on average, cycled"

[ -s srv.pem ] || openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
  -subj /CN=127.0.0.1 -keyout srv.key -out srv.pem >/dev/null 2>&1
start() { # $1: run dir
  rm -rf "$1"
  mkdir -p "$1"
  "$bin" watch "$1/case.db" --listen tcp:127.0.0.1:0 --listen udp:127.0.0.1:0 \
    --listen tls:127.0.0.1:0 --tls-cert srv.pem --tls-key srv.key \
    --alerts "$1/alerts.jsonl" 2>"$1/watch.err" &
  wpid=$!
  for _ in $(seq 100); do
    grep -q 'listening on tls' "$1/watch.err" && break
    sleep 0.1
  done
  tport=$(grep -o 'tcp:127.0.0.1:[0-9]*' "$1/watch.err" | cut -d: -f3)
  uport=$(grep -o 'udp:127.0.0.1:[0-9]*' "$1/watch.err" | cut -d: -f3)
  sport=$(grep -o 'tls:127.0.0.1:[0-9]*' "$1/watch.err" | cut -d: -f3)
}
stop() { # waits for the drain; sets hwm to the peak RSS (kB)
  hwm=$(awk '/VmHWM/ {print $2}' "/proc/$wpid/status")
  kill -TERM "$wpid"
  wait "$wpid"
}
stored() { # $1: case; sum of read over watch sources, and that read = parsed + rejected
  "$bin" sources "$1" --json | python3 -c "
import json,sys
w=[json.loads(l) for l in sys.stdin if '.watch/' in l]
assert all(s['read']==s['parsed']+s['rejected'] for s in w), 'read != parsed + rejected'
print(sum(s['read'] for s in w), sum(s['rejected'] for s in w))"
}

stream() { # $1: run dir and sender mode (tcp or tls), $2: label, $3...: sender options
  local mode=$1 label=$2
  shift 2
  start "$mode"
  local port=$tport
  [ "$mode" = tls ] && port=$sport
  out=$("$send" "$mode" 127.0.0.1 "$port" "$rate" "$secs" mixed.txt "$@")
  stop
  sent=$(python3 -c "import json;print(json.loads('$out')['sent'])")
  read -r got rej < <(stored "$mode/case.db")
  echo "sender: $out"
  echo "watch:  $(grep -o 'received.*' "$mode/watch.err")"
  echo "stored: $got records ($rej rejected with a reason) of $sent sent; peak RSS $((hwm / 1024)) MiB"
  cpu=$(grep -o 'cpu [0-9.]*' "$mode/watch.err" | cut -d' ' -f2)
  echo "watch used $cpu CPU-seconds: $(python3 -c "print(round($got / $cpu))") messages per CPU-second (the machine's load: $(cut -d' ' -f1-3 /proc/loadavg))"
  [ "$got" = "$sent" ] && echo "$label zero loss: yes" || echo "$label zero loss: NO ($((sent - got)) missing)"
}

echo "== 1. TCP, $rate/s for $secs s"
stream tcp TCP
echo "== 1b. TLS, $rate/s for $secs s"
stream tls TLS --octet

echo "== 2. UDP, $rate/s for $secs s"
start udp
out=$("$send" udp 127.0.0.1 "$uport" "$rate" "$secs" mixed.txt)
sleep 2
stop
sent=$(python3 -c "import json;print(json.loads('$out')['sent'])")
read -r got rej < <(stored udp/case.db)
dq=$(grep -o '[0-9]* queue full' udp/watch.err | cut -d' ' -f1)
dk=$(grep -o '[0-9]* by the kernel' udp/watch.err | cut -d' ' -f1)
echo "sender: $out"
echo "watch:  $(grep -o 'received.*' udp/watch.err)"
echo "stored: $got records of $sent sent ($rej rejected, of which dropped: $dq queue full, $dk by the kernel); peak RSS $((hwm / 1024)) MiB"
[ "$got" = "$sent" ] && echo "UDP: every datagram stored or counted as dropped" ||
  echo "UDP: $((sent - got)) datagrams neither stored nor counted"

echo "== 3. kill -9 during a TCP run, then restart"
half=$((secs / 2))
start kill
"$send" tcp 127.0.0.1 "$tport" "$rate" "$half" mixed.txt >kill/send.json &
spid=$!
sleep $((half / 2))
before=$(stored kill/case.db | cut -d' ' -f1)
kill -KILL "$wpid"
wait "$wpid" 2>/dev/null || true
wait "$spid" 2>/dev/null || true
after=$(stored kill/case.db | cut -d' ' -f1)
spooled=$(cat kill/case.db.watch/*.log | wc -l)
"$bin" watch kill/case.db --listen tcp:127.0.0.1:0 --alerts kill/restart-alerts.jsonl 2>kill/restart.err &
wpid=$!
sleep 3
kill -TERM "$wpid"
wait "$wpid"
restarted=$(stored kill/case.db | cut -d' ' -f1)
echo "committed before the kill: $before; in the case after it: $after; spooled lines: $spooled;" \
  "after the restart: $restarted (sender: $(cat kill/send.json))"
[ "$after" -ge "$before" ] && echo "nothing committed lost: yes" || echo "nothing committed lost: NO"
[ "$restarted" -ge "$spooled" ] && echo "every spooled message a record after the restart: yes" ||
  echo "every spooled message a record after the restart: NO"
