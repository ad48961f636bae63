#!/usr/bin/env bash
# watch framing and hostile senders (loopback only): RFC 6587 octet counting
# and LF framing on one connection, IPv4 and ::1, UDP; oversized messages
# (a count past the cap, a 300 KiB line, a jumbo datagram), empty frames,
# bytes that are not UTF-8, an unknown format, a connection cut inside a
# counted frame, more connections than the cap. Every message is one record
# (received = parsed + rejected, each rejection with its reason), the
# stream stays in step after an oversized frame, a message with LFs inside
# stays one spool line (LF as #012) quoted whole, and the queue stays within
# its cap (--queue-bytes 1 MiB, flooded with 200,000 frames: TCP is then not
# read, the sender waits) plus one read's frames.
set -euo pipefail
bin=$1
work=$2
rm -rf "$work"
mkdir -p "$work"
cd "$work"
fail() {
  echo "FAIL: $*" >&2
  cat watch.err >&2 || true
  exit 1
}

"$bin" watch case.db --listen tcp:127.0.0.1:0 --listen tcp:[::1]:0 --listen udp:127.0.0.1:0 \
  --queue-bytes 1048576 --alerts alerts.jsonl 2>watch.err &
wpid=$!
for _ in $(seq 100); do
  [ "$(grep -c listening watch.err)" = 3 ] && break
  sleep 0.1
done
t4=$(grep -o 'tcp:127.0.0.1:[0-9]*' watch.err | cut -d: -f3)
t6=$(grep -o 'tcp:\[::1\]:[0-9]*' watch.err | sed 's/.*://')
u4=$(grep -o 'udp:127.0.0.1:[0-9]*' watch.err | cut -d: -f3)
[ -n "$t4" ] && [ -n "$t6" ] && [ -n "$u4" ] || fail "listeners"

python3 - "$t4" "$t6" "$u4" "$wpid" >sent.json <<'PY'
import json, socket, sys, time
t4, t6, u4, pid = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
FG = (b'<189>date=2025-03-02 time=10:22:%02d devname="fgt" devid="FG1" logid="0000000013" '
      b'type="traffic" subtype="forward" srcip=10.0.0.1 srcport=%d dstip=198.51.100.7 dstport=443 '
      b'proto=6 action="close" duration=10 sentbyte=100 rcvdbyte=200')
def oc(m):
    return str(len(m)).encode() + b' ' + m
want = {'records': 0, 'rejected_min': 0}
# UDP: a good datagram, an empty one, a 60 KB one of garbage
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.sendto(FG % (8, 1008), ('127.0.0.1', u4))
u.sendto(b'', ('127.0.0.1', u4))
u.sendto(b'Z' * 60000, ('127.0.0.1', u4))
# a datagram with LFs inside (a multi-line message): one record
u.sendto((FG % (10, 1010)) + b' msg="a\nb\nc"', ('127.0.0.1', u4))
want['records'] += 4; want['rejected_min'] += 2
time.sleep(0.5)
s = socket.create_connection(('127.0.0.1', t4))
# octet-counted, then LF-framed, on one connection; a counted frame with an LF inside
s.sendall(oc(FG % (1, 1001)) + oc(FG % (2, 1002)) + b'\n' + (FG % (3, 1003)) + b'\n')
s.sendall(oc((FG % (4, 1004)) + b' note="two\nlines"'))
want['records'] += 4
# a count past the cap (300 KiB), consumed in step: the next frame parses
big = b'<189>' + b'A' * (300 << 10)
s.sendall(oc(big) + oc(FG % (5, 1005)))
want['records'] += 2; want['rejected_min'] += 1
# a 300 KiB LF line, then a good one
s.sendall(b'<189>' + b'B' * (300 << 10) + b'\n' + (FG % (6, 1006)) + b'\n')
want['records'] += 2; want['rejected_min'] += 1
# not UTF-8, unknown format, blank frames (skipped: framing, not records)
s.sendall((FG % (9, 1009)) + b' user="\xff\xfe"\n' + b'hello, no format here\n' + b'\n\r\n')
want['records'] += 2; want['rejected_min'] += 2
# a flood of 200,000 small garbage frames: bounded queue, all accounted
chunk = b''.join(oc(b'x%d' % i) for i in range(10000))
n_flood = 0
for _ in range(20):
    s.sendall(chunk)
    n_flood += 10000
want['records'] += n_flood; want['rejected_min'] += n_flood
s.close()
# IPv6 loopback, LF framing
s6 = socket.create_connection(('::1', t6))
s6.sendall((FG % (7, 1007)) + b'\n')
s6.close()
want['records'] += 1
# a connection cut inside a counted frame: the part is one rejected record
c = socket.create_connection(('127.0.0.1', t4))
c.sendall(b'500 <189>only part of it')
c.close()
want['records'] += 1; want['rejected_min'] += 1
# more connections than the cap: the extra ones are refused, counted
conns = []
for i in range(300):
    try:
        conns.append(socket.create_connection(('127.0.0.1', t4)))
    except OSError:
        break
time.sleep(1)
for c in conns:
    c.close()
rss = 0
for l in open('/proc/%s/status' % pid):
    if l.startswith('VmHWM:'):
        rss = int(l.split()[1])
want['peak_rss_kb'] = rss
print(json.dumps(want))
PY
sleep 1.5
kill -TERM "$wpid"
wait "$wpid" || fail "watch exited $?"

want=$(python3 -c "import json;print(json.load(open('sent.json'))['records'])")
grep -q "received $want " watch.err || fail "want received $want: $(grep received watch.err)"
grep -q "refused [1-9]" watch.err || fail "no connection refused past the cap"
"$bin" sources case.db --json >sources.jsonl
"$bin" sources case.db --rejects >rejects.txt
python3 - sources.jsonl sent.json <<'PY' || fail "accounting"
import json, sys
want = json.load(open(sys.argv[2]))
srcs = [json.loads(l) for l in open(sys.argv[1]) if '.watch/' in l]
assert sum(s['read'] for s in srcs) == want['records'], (sum(s['read'] for s in srcs), want)
for s in srcs:
    assert s['read'] == s['parsed'] + s['rejected'], s
assert sum(s['rejected'] for s in srcs) >= want['rejected_min']
parsed = sum(s['parsed'] for s in srcs)
assert parsed == 9, 'the 9 good FortiGate messages (v4, v6, UDP, after oversize): %d' % parsed
PY
# the LFs inside a message are spooled as #012 (one message, one line, one
# record) and the evidence quotes that line whole
grep -q "multi-line 2 " watch.err || fail "want 2 multi-line messages: $(grep received watch.err)"
grep -rq 'note="two#012lines"' case.db.watch/ || fail "the counted frame's LF not spooled as #012"
grep -rq 'msg="a#012b#012c"' case.db.watch/ || fail "the datagram's LFs not spooled as #012"
! grep -rqx 'lines"' case.db.watch/ || fail "a message's LF split its spool line"
"$bin" events case.db --raw >raw.txt
grep -q 'srcport=1004 .*note="two#012lines"' raw.txt || fail "events --raw does not quote the multi-line message whole"
grep -q 'srcport=1010 .*msg="a#012b#012c"' raw.txt || fail "events --raw does not quote the multi-line datagram whole"
peak=$(grep -o 'queue peak [0-9]*' watch.err | grep -o '[0-9]*$')
[ "$peak" -gt 1048576 ] || fail "the flood never filled the queue (peak $peak)"
[ "$peak" -lt $((2 * 1048576)) ] || fail "queue peak $peak past its cap and one read"
for r in "message larger than 128 KiB" "invalid UTF-8" "format not recognised" \
  "connection closed inside an octet-counted message" "empty message"; do
  grep -q "$r" rejects.txt || fail "no rejection '$r'"
done
echo OK
