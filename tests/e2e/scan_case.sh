#!/usr/bin/env bash
# End to end: `ashiato scan --case`: the names come from the ingested logs
# (no profile file), a firewall admin login makes an account privileged,
# findings are stored in the case, and scanning again replaces them rather
# than adding copies.
set -euo pipefail
bin=$1
work=$2
rm -rf "$work"
mkdir -p "$work/logs" "$work/ev"
cd "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }
CC=${CC:-cc}

cat >logs/fgt.log <<'LOG'
date=2025-03-02 time=09:00:00 devname="FGT60E" devid="FGT60E4Q16000000" logid="0100032001" type="event" subtype="system" level="information" vd="root" eventtime=1740906000000000000 tz="+0000" logdesc="Admin login successful" sn="1740906000" user="j.kimura" ui="https(10.20.1.50)" method="https" srcip=10.20.1.50 dstip=10.20.0.1 action="login" status="success" reason="none" profile="super_admin" msg="Administrator j.kimura logged in successfully"
date=2025-03-02 time=10:22:01 devname="FGT60E" devid="FGT60E4Q16000000" logid="0101039947" type="event" subtype="vpn" level="information" vd="root" eventtime=1740910921000000000 tz="+0000" logdesc="SSL VPN tunnel up" action="tunnel-up" tunneltype="ssl-tunnel" tunnelid=1234 remip=198.51.100.7 tunnelip=10.212.134.11 user="t.sato" group="vpn-users" dst_host="N/A" reason="tunnel established" msg="SSL tunnel established"
date=2025-03-02 time=10:25:00 devname="FGT60E" devid="FGT60E4Q16000000" logid="0000000013" type="traffic" subtype="forward" level="notice" vd="root" eventtime=1740911100000000000 tz="+0000" srcip=10.212.134.11 srcport=50123 srcintf="ssl.root" dstip=10.0.1.20 dstport=3389 dstintf="internal" sessionid=8812 proto=6 action="close" policyid=7 service="RDP" duration=620 sentbyte=120000 rcvdbyte=2400000 sentpkt=900 rcvdpkt=2100
LOG
"$bin" ingest case.db logs >/dev/null 2>&1 || fail "ingest"

cat >implant.c <<'EOF'
#include <stdio.h>
#include <uchar.h>
static const char16_t *cfg[] = {u"j.kimura", u"10.0.1.20", u"t.sato"};
int main(int argc, char **argv) {
  (void)argv;
  if (argc > 99) for (int i = 0; i < 3; i++) printf("%p\n", (const void *)cfg[i]);
  return 0;
}
EOF
$CC -O1 -o ev/rdpsvc implant.c
printf 'no names in here\n' >ev/notes.txt

"$bin" scan --case case.db --emit-rules >env.yar || fail "emit-rules from the case"
grep -q '"j.kimura" ascii wide nocase fullword  // admin' env.yar || fail "admin from case: $(grep j.kim env.yar)"
grep -q '"10.0.1.20" ascii wide fullword' env.yar || fail "address from case"

"$bin" scan --case case.db --json ev >out.jsonl 2>err.txt || fail "scan: $(cat err.txt)"
grep -q '(stored in the case)' err.txt || fail "not stored: $(cat err.txt)"
"$bin" scan --case case.db --json ev >out2.jsonl 2>/dev/null || fail "second scan"
python3 - <<'PY' || fail "case findings"
import json, sqlite3
rows = [json.loads(l) for l in open('out.jsonl')]
assert len(rows) == 1, rows
r = rows[0]
assert r['entities']['files'] == ['ev/rdpsvc'], r
assert r['severity'] in ('high', 'critical'), r
assert 'j.kimura' in r['entities']['accounts'] and '10.0.1.20' in r['entities']['ips'], r
db = sqlite3.connect('case.db')
got = db.execute("SELECT id, hunt, score, severity, json FROM findings").fetchall()
assert len(got) == 1, got                  # the second scan replaced, not added
assert got[0][0] == r['id'] and got[0][1] == 'implant' and got[0][2] == r['score'], got
assert json.loads(got[0][4])['details']['sha256'] == r['details']['sha256']
PY
echo ok
