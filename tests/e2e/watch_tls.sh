#!/usr/bin/env bash
# watch over TLS (RFC 5425), loopback only. A test CA, a server and a client
# certificate are made with the openssl CLI. Then:
#  1. a tls: listener without --tls-ca: a sender's octet-counted and
#     LF-framed FortiGate messages over TLS are parsed and stored in a
#     tls_* spool; a cleartext sender on the TLS port is a failed
#     handshake, counted, and no record; a sender that stalls inside its
#     handshake does not hold up the others; an LF inside a message is
#     kept as #012; a sender that closes without reading loses nothing;
#  2. with --tls-ca, a sender without a client certificate is refused
#     (counted), one with a certificate of the CA is stored;
#  3. usage: a tls: listener without --tls-cert, a key that is not the
#     certificate's, and a missing file are clear errors that create no case.
set -euo pipefail
bin=$1
work=$2
rm -rf "$work"
mkdir -p "$work"
cd "$work"
fail() {
  echo "FAIL: $*" >&2
  cat watch.err >&2 2>/dev/null || true
  exit 1
}
command -v openssl >/dev/null || fail "no openssl CLI (scripts/setup installs it)"

# the test PKI: a CA, a server certificate for 127.0.0.1, a client one
q() { openssl "$@" >/dev/null 2>&1 || fail "openssl $1"; }
q req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=test-ca \
  -keyout ca.key -out ca.pem
q req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=127.0.0.1 \
  -keyout srv.key -out srv.csr
printf 'subjectAltName=IP:127.0.0.1\n' >srv.ext
q x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile srv.ext -out srv.pem
q req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=fgt01 -keyout cli.key -out cli.csr
q x509 -req -in cli.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -out cli.pem
q req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=other \
  -keyout other.key -out other.pem

start() { # case, extra args...
  local c=$1
  shift
  "$bin" watch "$c" --listen tls:127.0.0.1:0 --alerts alerts.jsonl --tls-cert srv.pem \
    --tls-key srv.key "$@" 2>watch.err &
  wpid=$!
  for _ in $(seq 100); do
    grep -q listening watch.err && break
    sleep 0.1
  done
  port=$(grep -o 'tls:127.0.0.1:[0-9]*' watch.err | cut -d: -f3)
  [ -n "$port" ] || fail "no tls listener"
}
stop() {
  kill -TERM "$wpid"
  wait "$wpid" || fail "watch exited $?"
}

# 1. TLS without client certificates
start case.db
python3 - "$port" <<'PY' || fail "sender"
import socket, ssl, sys, time
port = int(sys.argv[1])
FG = (b'<189>date=2025-03-02 time=10:22:%02d devname="fgt" devid="FG1" logid="0000000013" '
      b'type="traffic" subtype="forward" srcip=10.0.0.1 srcport=%d dstip=198.51.100.7 dstport=443 '
      b'proto=6 action="close" duration=10 sentbyte=100 rcvdbyte=200')
def oc(m):
    return str(len(m)).encode() + b' ' + m
ctx = ssl.create_default_context(cafile='ca.pem')
ctx.minimum_version = ssl.TLSVersion.TLSv1_2
# a sender that opens a connection and stalls before its handshake
stall = socket.create_connection(('127.0.0.1', port))
stall.sendall(b'\x16\x03\x01')
# cleartext on the TLS port: a failed handshake, no record
plain = socket.create_connection(('127.0.0.1', port))
plain.sendall(FG % (0, 999) + b'\n')
time.sleep(0.3)
plain.close()
with socket.create_connection(('127.0.0.1', port)) as raw:
    with ctx.wrap_socket(raw, server_hostname='127.0.0.1') as s:
        # RFC 5425 frames, then LF frames, then many in one TLS write that
        # spans several TLS records (16 KiB each)
        s.sendall(oc(FG % (1, 1001)) + oc(FG % (2, 1002)))
        s.sendall((FG % (3, 1003)) + b'\n')
        s.sendall(b''.join(oc(FG % (i % 60, 2000 + i)) for i in range(200)))
        s.sendall(oc((FG % (4, 1004)) + b' note="two\nlines"'))
        s.unwrap()
# a sender that only writes and then closes at once, never reading: the
# server must have written nothing it leaves unread (TLS 1.3 session
# tickets), else the close is a reset and the kernel drops its last
# messages before watch reads them
for k in range(3):
    raw = socket.create_connection(('127.0.0.1', port))
    s = ctx.wrap_socket(raw, server_hostname='127.0.0.1')
    s.sendall(b''.join(oc(FG % (i % 60, 3000 + i)) for i in range(2000)))
    raw.close()
stall.close()
PY
sleep 0.5
stop
grep -q "received 6204 parsed 6204 rejected 0" watch.err || fail "want 6204 messages parsed: $(grep received watch.err)"
grep -q "TLS failed 2)" watch.err || fail "the cleartext and the stalled senders: $(grep received watch.err)"
ls case.db.watch/ | grep -q '^tls_127.0.0.1_.*_fortigate.log$' || fail "no tls_ spool: $(ls case.db.watch)"
"$bin" sources case.db --json >sources.jsonl
python3 - sources.jsonl <<'PY' || fail "accounting"
import json, sys
srcs = [json.loads(l) for l in open(sys.argv[1]) if '.watch/' in l]
assert sum(s['read'] for s in srcs) == 6204, srcs
for s in srcs:
    assert s['read'] == s['parsed'] + s['rejected'], s
PY
"$bin" events case.db --raw >raw.txt
grep -q 'srcport=1004 .*note="two#012lines"' raw.txt ||
  fail "the multi-line message over TLS is not quoted whole"

# 2. client certificates required
rm -f watch.err
start case2.db --tls-ca ca.pem
python3 - "$port" <<'PY' || fail "client-certificate senders"
import socket, ssl, sys, time
port = int(sys.argv[1])
FG = (b'<189>date=2025-03-02 time=11:00:00 devname="fgt" devid="FG1" logid="0000000013" '
      b'type="traffic" subtype="forward" srcip=10.0.0.2 srcport=%d dstip=198.51.100.7 dstport=443 '
      b'proto=6 action="close" duration=10 sentbyte=100 rcvdbyte=200')
def send(cert, port_no):
    ctx = ssl.create_default_context(cafile='ca.pem')
    if cert:
        ctx.load_cert_chain(cert[0], cert[1])
    try:
        with socket.create_connection(('127.0.0.1', port)) as raw:
            with ctx.wrap_socket(raw, server_hostname='127.0.0.1') as s:
                m = FG % port_no
                s.sendall(str(len(m)).encode() + b' ' + m)
                s.unwrap()
        return True
    except (ssl.SSLError, ConnectionError, OSError):
        return False
send(None, 1)                       # refused: no certificate
send(('other.pem', 'other.key'), 2)  # refused: not of the CA
assert send(('cli.pem', 'cli.key'), 3), 'the CA client was refused'
time.sleep(0.3)
PY
sleep 0.5
stop
grep -q "received 1 parsed 1 rejected 0" watch.err || fail "want only the CA client's message: $(grep received watch.err)"
grep -q "TLS failed 2)" watch.err || fail "want two refused senders: $(grep received watch.err)"

# 3. usage errors, and no case left behind by them
set +e
"$bin" watch u1.db --listen tls:127.0.0.1:0 2>u1.err
r1=$?
"$bin" watch u2.db --listen tls:127.0.0.1:0 --tls-cert srv.pem --tls-key other.key 2>u2.err
r2=$?
"$bin" watch u3.db --listen tls:127.0.0.1:0 --tls-cert missing.pem 2>u3.err
r3=$?
"$bin" watch u4.db --listen tcp:127.0.0.1:0 --tls-cert srv.pem 2>u4.err
r4=$?
set -e
[ "$r1" = 2 ] && grep -q "needs --tls-cert" u1.err || fail "tls: without a certificate: $r1 $(cat u1.err)"
[ "$r2" = 2 ] && grep -q "does not match the certificate" u2.err || fail "wrong key: $r2 $(cat u2.err)"
[ "$r3" = 2 ] && grep -q "cannot read the certificate missing.pem" u3.err || fail "missing file: $r3 $(cat u3.err)"
[ "$r4" = 2 ] && grep -q "for tls: listeners" u4.err || fail "--tls-cert without tls: $r4 $(cat u4.err)"
[ ! -e u1.db ] && [ ! -e u4.db ] || fail "a usage error left a case behind"
echo OK
