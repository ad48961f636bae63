#!/usr/bin/env bash
# End to end: ingest / sources / events on FortiGate logs in plain, gzip,
# zstd and zip form; duplicates; rejects; usage errors; an ingest killed
# with SIGKILL and completed by a re-run.
set -euo pipefail
bin=$1
work=$2
rm -rf "$work"
mkdir -p "$work/ev/sub"
cd "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }

cat >ev/fgt.log <<'LOG'
date=2025-03-02 time=10:22:01 devname="FGT60E" devid="FGT60E4Q16000000" logid="0101039947" type="event" subtype="vpn" level="information" vd="root" eventtime=1740910921000000000 tz="+0000" logdesc="SSL VPN tunnel up" action="tunnel-up" tunneltype="ssl-tunnel" tunnelid=1234 remip=198.51.100.7 tunnelip=10.212.134.11 user="t.sato" group="vpn-users" dst_host="N/A" reason="tunnel established" msg="SSL tunnel established"
date=2025-03-02 time=10:25:00 devname="FGT60E" devid="FGT60E4Q16000000" logid="0000000013" type="traffic" subtype="forward" level="notice" vd="root" eventtime=1740911100000000000 tz="+0000" srcip=10.212.134.11 srcport=50123 srcintf="ssl.root" dstip=10.0.1.20 dstport=3389 dstintf="internal" sessionid=8812 proto=6 action="close" policyid=7 service="RDP" duration=620 sentbyte=120000 rcvdbyte=2400000 sentpkt=900 rcvdpkt=2100
this line is not a FortiGate record
date=2025-03-02 time=11:30:00 devname="FGT60E" devid="FGT60E4Q16000000" logid="0101039948" type="event" subtype="vpn" level="information" vd="root" eventtime=1740915000000000000 tz="+0000" logdesc="SSL VPN tunnel down" action="tunnel-down" tunneltype="ssl-tunnel" tunnelid=1234 remip=198.51.100.7 tunnelip=10.212.134.11 user="t.sato" group="vpn-users" duration=4079 sentbyte=3000000 rcvdbyte=900000 msg="SSL tunnel shutdown"
LOG
sed 's/t\.sato/k.ito/; s/tunnelid=1234/tunnelid=99/' ev/fgt.log | gzip -c >ev/sub/other.log.gz
sed 's/t\.sato/m.abe/; s/tunnelid=1234/tunnelid=77/' ev/fgt.log | zstd -q -c >ev/sub/third.log.zst
sed 's/t\.sato/y.ono/; s/tunnelid=1234/tunnelid=55/' ev/fgt.log >ev/inzip.log
python3 -c "import zipfile; z=zipfile.ZipFile('ev/bundle.zip','w'); z.write('ev/inzip.log','logs/fw.log'); z.close()"
rm ev/inzip.log
chmod a-w ev/fgt.log
before=$(stat -c '%a %s %Y' ev/fgt.log; sha256sum <ev/fgt.log)

"$bin" ingest case.db ev --json >ingest.json
python3 - <<'PY' || fail "ingest JSON"
import json
rows=[json.loads(l) for l in open('ingest.json')]
assert len(rows)==4, rows
for r in rows:
    assert r['format']=='fortigate', r
    assert r['read']==r['parsed']+r['rejected'], r
    assert r['read']==4 and r['rejected']==1, r
    assert r['duplicate'] is False
    assert len(r['sha256'])==64
assert any('bundle.zip!logs/fw.log' in r['path'] for r in rows)
PY

# evidence untouched (mode, size, mtime, content)
[ "$(stat -c '%a %s %Y' ev/fgt.log; sha256sum <ev/fgt.log)" = "$before" ] || fail "evidence changed"

# the SHA-256 recorded for a plain file (hashed on a thread while it is
# parsed) is the file's
want=$(sha256sum <ev/fgt.log | cut -c1-64)
"$bin" sources case.db --json | grep -q "\"sha256\":\"$want\"" || fail "sha256 of fgt.log"

"$bin" ingest case.db ev --json >again.json
python3 -c "
import json
rows=[json.loads(l) for l in open('again.json')]
assert len(rows)==4 and all(r['duplicate'] for r in rows), rows
" || fail "re-ingest not a no-op"

"$bin" events case.db --kind vpn.login --user t.sato --json >vpn.json
[ "$(wc -l <vpn.json)" = 1 ] || fail "expected one vpn.login for t.sato: $(cat vpn.json)"
python3 - <<'PY' || fail "vpn.login JSON"
import json
e=json.loads(open('vpn.json').read())
assert e['kind']=='vpn.login' and e['user']=='t.sato', e
assert e['src_ip']=='198.51.100.7' and e['tunnel_ip']=='10.212.134.11', e
assert e['ts']=='2025-03-02T10:22:01.000000Z', e
assert e['source']['path'].endswith('fgt.log') and e['source']['offset']==0, e
PY
"$bin" events case.db --kind net. --json | grep -q '"dst_port":3389' || fail "flow missing"
# --raw reads the exact line back, from a plain file and from inside a zip
"$bin" events case.db --kind vpn.logout --raw --json >raw.json
python3 - <<'PY' || fail "events --raw"
import json, zipfile
rows = [json.loads(l) for l in open('raw.json')]
assert len(rows) == 4, rows
lines = open('ev/fgt.log').read().splitlines()
for r in rows:
    if r['user'] == 't.sato':
        assert r['raw'] == lines[3], r['raw']
    if r['user'] == 'y.ono':
        assert 'bundle.zip!logs/fw.log' in r['source']['path']
        assert 'user="y.ono"' in r['raw'] and 'tunnel-down' in r['raw'], r['raw']
PY
"$bin" sources case.db --rejects | grep -q 'not a FortiGate record' || fail "reject raw text missing"
"$bin" sources case.db --json | python3 -c "
import json,sys
rows=[json.loads(l) for l in sys.stdin if l.strip()]
assert len(rows)==4 and all(r['complete'] for r in rows), rows
" || fail "sources"

# usage and failure exit codes
set +e
"$bin" ingest >/dev/null 2>&1; [ $? = 2 ] || fail "no args should be usage (2)"
"$bin" events case.db --since yesterday >/dev/null 2>&1; [ $? = 2 ] || fail "bad time should be 2"
"$bin" ingest x.db ev --tz Mars/Olympus >/dev/null 2>&1; [ $? = 2 ] || fail "bad zone should be 2"
"$bin" events missing.db >/dev/null 2>&1; [ $? = 1 ] || fail "missing case should be 1"
"$bin" ingest ev/fgt.log ev >/dev/null 2>&1; [ $? = 1 ] || fail "evidence file as case must fail"
set -e
[ "$(stat -c '%a %s %Y' ev/fgt.log; sha256sum <ev/fgt.log)" = "$before" ] || fail "evidence changed"
# a PATH that does not exist: exit 1, and no case is created
set +e
"$bin" ingest typo.db ev/no-such-file.log >/dev/null 2>typo.err; [ $? = 1 ] || fail "missing PATH must fail"
set -e
[ ! -e typo.db ] || fail "a failed ingest created a case"
grep -q "No such file" typo.err || fail "missing PATH not explained: $(cat typo.err)"
# a dangling symlink inside a folder is skipped and said to be dangling; a
# folder that held nothing else could not be read: exit 1
mkdir -p dangling && ln -sf /no/such/target dangling/link.log
set +e
"$bin" ingest dangling.db dangling 2>dangling.err >/dev/null; drc=$?
set -e
[ $drc = 1 ] || fail "a folder with nothing readable must exit 1, got $drc"
grep -q "link.log: dangling symbolic link" dangling.err || fail "dangling symlink not reported: $(cat dangling.err)"
cp ev/fgt.log dangling/
"$bin" ingest dangling.db dangling 2>dangling.err >/dev/null || fail "dangling symlink next to a log"
for v in ingest sources events parse formats; do "$bin" $v --help | grep -q usage || fail "$v --help"; done

# killed ingest: SIGKILL part-way, then the same command completes it
python3 - <<'PY'
import random
r=random.Random(7)
with open('big.log','w') as f:
    for i in range(200000):
        f.write('date=2025-03-02 time=10:%02d:%02d devname="FGT60E" logid="0000000013" type="traffic" subtype="forward" eventtime=%d srcip=10.0.%d.%d srcport=%d dstip=52.95.%d.%d dstport=443 proto=6 action="close" policyid=3 service="HTTPS" duration=%d sentbyte=%d rcvdbyte=%d sessionid=%d\n' % (
            (i//60)%60, i%60, 1740910921000000000+i*1000000, r.randrange(256), r.randrange(1,255), r.randrange(1024,65535),
            r.randrange(256), r.randrange(1,255), r.randrange(1,3600), r.randrange(100,10**6), r.randrange(100,10**7), i))
PY
"$bin" ingest killed.db big.log >/dev/null 2>&1 &
pid=$!
for _ in $(seq 1 100); do
  # the case's rollback journal (or WAL) exists once the first write
  # transaction is open
  [ -s killed.db-journal ] || [ -s killed.db-wal ] && break
  sleep 0.05
done
# soon after: 200,000 lines take well under a second on a quiet machine,
# and a kill after the ingest ended tests only the duplicate check
sleep 0.05
killed=1
if kill -9 "$pid" 2>/dev/null; then echo "killed ingest $pid part-way"; else
  echo "note: ingest finished before the kill"
  killed=0
fi
wait "$pid" 2>/dev/null || true
"$bin" ingest killed.db big.log --json >resumed.json
python3 -c "
import json, sys
r=json.loads(open('resumed.json').read())
if sys.argv[1] == '1':
    assert r['read']==200000 and r['parsed']==200000 and not r['duplicate'], r
else:
    assert r['duplicate'], r
" "$killed" || fail "resumed ingest"
n=$("$bin" events killed.db --kind net.flow --json | wc -l)
[ "$n" = 200000 ] || fail "expected 200000 flows after resume, got $n"
# what the killed run left is gone: one source, complete, with the file's hash
"$bin" sources killed.db --json >killed-sources.json
python3 - "$(sha256sum <big.log | cut -c1-64)" <<'PY' || fail "sources after resume"
import json, sys
rows=[json.loads(l) for l in open('killed-sources.json')]
assert len(rows)==1 and rows[0]['complete'] and rows[0]['sha256']==sys.argv[1], rows
PY
# the same content under another name is a duplicate (same size: hashed
# before parsing)
cp big.log big-copy.log
"$bin" ingest killed.db big-copy.log --json | grep -q '"duplicate":true' || fail "renamed copy"
echo "e2e ingest_cli: ok"
