#!/usr/bin/env bash
# Evidence is quoted only from the file that was ingested. After a line of
# an ingested log is edited, `events --raw` and the hunts' evidence never
# show the altered text as evidence (they say the file changed, on stderr
# and in place, and events exits 1); `sources --verify` re-hashes every
# source and names the changed and the missing ones. A same-size edit with
# the mtime put back is caught by --verify; a file that was only touched
# still quotes; a rewritten zip member is caught through the container;
# a case made before mtimes were recorded still opens and checks by hash.
# The hunt's text output quotes C1 / bidi controls of a line as escapes.
set -euo pipefail
bin=$1
work=$2
rm -rf "$work"
mkdir -p "$work"
cd "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }

"$bin" gen --out g --seed 3 --users 10 --servers 5 --days 20 --flows-per-day 100 -q
# hostile bytes in the lines the hunts quote (VPN logins): a C1 CSI and a
# bidi override, kept by the parser as an attribute
python3 - <<'PY'
import glob
for f in glob.glob('g/logs/firewall/*.log'):
    b = open(f, 'rb').read()
    b = b.replace(b'msg="SSL tunnel established"', 'msg="SSL tunnel established" note="\u009b2J\u202e"'.encode())
    open(f, 'wb').write(b)
import zipfile
line = open(sorted(glob.glob('g/logs/firewall/*.log'))[0], 'rb').read().split(b'\n')[:50]
z = zipfile.ZipFile('extra.zip', 'w', zipfile.ZIP_DEFLATED)
z.writestr('fw/extra.log', b'\n'.join(l.replace(b'FGT-HQ', b'FGT-BR') for l in line) + b'\n')
z.close()
PY
"$bin" ingest c.db g/logs extra.zip >/dev/null 2>ingest.err
"$bin" hunt c.db --json >f1.jsonl
"$bin" hunt c.db --dry-run >h1.txt 2>h1.err

python3 - <<'PY' || fail "hunt text before the edit"
import json, re
t = open('h1.txt', 'rb').read()
assert not re.search(rb'[\x00-\x09\x0b-\x1f\x7f]', t), 'raw C0 in hunt text'
s = t.decode('utf-8')
assert not re.search('[\u0080-\u009f\u202a-\u202e]', s), 'raw C1/bidi in hunt text'
assert r'note="\u{009b}2J\u{202e}"' in s, 'hunt text does not show the escapes'
fs = [json.loads(l) for l in open('f1.jsonl')]
ev = [e for f in fs for e in f['evidence']
      if e['source']['path'].startswith('g/logs/firewall/') and 'tunnel-up' in e['text']]
assert ev, 'no VPN evidence line'
e = ev[0]
p, off = e['source']['path'], e['source']['offset']
line = open(p, 'rb').read()[off:].split(b'\n')[0].decode()
assert e['text'] == line, (e['text'], line)  # quoted exactly, control bytes too (JSON)
open('target', 'w').write(f"{p}\n{off}\n")
PY
target=$(sed -n 1p target)
offset=$(sed -n 2p target)

# 1. a same-size edit of that line (the address it came from), as an
#    editor would make it: the mtime changes, the SHA-256 check refuses
python3 - "$target" "$offset" <<'PY'
import sys
p, off = sys.argv[1], int(sys.argv[2])
b = bytearray(open(p, 'rb').read())
i = b.index(b'remip=', off) + len('remip=')
b[i] = ord('9') if b[i] != ord('9') else ord('8')
open(p, 'r+b').write(b)
PY
altered=$(python3 -c "import sys; b=open(sys.argv[1],'rb').read()[int(sys.argv[2]):]; print(b.split(b'\n')[0].decode().split('remip=')[1].split()[0])" "$target" "$offset")

rc=0
"$bin" events c.db --kind vpn.login --raw --json >e1.jsonl 2>e1.err || rc=$?
[ "$rc" = 1 ] || fail "events --raw on changed evidence: rc $rc, expected 1"
grep -q "WARNING: evidence changed since ingest: $target (SHA-256 differs)" e1.err || fail "no warning: $(cat e1.err)"
[ "$(grep -c WARNING e1.err)" = 1 ] || fail "the warning is not once per source"
python3 - "$target" "$offset" "$altered" <<'PY' || fail "events --raw --json showed the altered line"
import json, sys
p, off, alt = sys.argv[1], int(sys.argv[2]), sys.argv[3]
rows = [json.loads(l) for l in open('e1.jsonl')]
mine = [r for r in rows if r['source']['path'] == p]
other = [r for r in rows if r['source']['path'] != p]
assert mine and other
for r in mine:
    assert 'raw' not in r and r['raw_status'] == 'changed', r
    assert 'SHA-256' in r['raw_error'], r
for r in other:
    assert r['raw'].startswith('date='), r  # unchanged files still quote
assert not any(alt in json.dumps(r) for r in rows if 'raw' in r and r['source']['path'] == p)
PY
rc=0
"$bin" events c.db --kind vpn.login --raw >e1.txt 2>/dev/null || rc=$?
[ "$rc" = 1 ] || fail "events --raw text: rc $rc"
grep -q "EVIDENCE CHANGED SINCE INGEST (SHA-256 differs): raw text withheld" e1.txt || fail "no in-place note"
! grep -q "remip=$altered " e1.txt || fail "events --raw printed the altered line"

"$bin" hunt c.db --json --dry-run >f2.jsonl 2>h2.err
grep -q "WARNING: .* not quoted: the file.* changed since ingest" h2.err || fail "hunt: no warning: $(cat h2.err)"
python3 - "$target" "$offset" "$altered" <<'PY' || fail "hunt quoted the altered line"
import json, sys
p, off, alt = sys.argv[1], int(sys.argv[2]), sys.argv[3]
fs = [json.loads(l) for l in open('f2.jsonl')]
ev = [e for f in fs for e in f['evidence']]
mine = [e for e in ev if e['source']['path'] == p]
assert mine
for e in mine:
    assert e['text'].startswith('[EVIDENCE FILE CHANGED SINCE INGEST'), e['text']
    assert 'remip=' + alt not in e['text'] and 'src=' + alt not in e['text'], e['text']
assert any(e['text'].startswith('date=') for e in ev if e['source']['path'] != p)
PY

# 2. a same-size edit with the mtime put back: only --verify sees it
other=$(ls g/logs/firewall/*.log | grep -v "$target" | tail -1)
python3 - "$other" <<'PY'
import os, sys
p = sys.argv[1]
st = os.stat(p)
b = bytearray(open(p, 'rb').read())
i = b.index(b'srcip=') + len('srcip=')
b[i] = ord('9') if b[i] != ord('9') else ord('8')
open(p, 'r+b').write(b)
os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns))
PY
rc=0
"$bin" events c.db --raw --verify --limit 1 >/dev/null 2>e2.err || rc=$?
"$bin" events c.db --kind net. --raw --verify --json >e2.jsonl 2>>e2.err || rc=$?
[ "$rc" = 1 ] || fail "events --raw --verify: rc $rc"
grep -q "evidence changed since ingest: $other (SHA-256 differs)" e2.err || fail "--verify did not catch a same-mtime edit: $(cat e2.err)"

# 3. a file only touched quotes as before; 4. a deleted file is missing;
# 5. a zip rewritten with one altered member (same size)
touched=$(ls g/logs/windows/*/security.jsonl | head -1)
touch "$touched"
missing=$(ls g/logs/windows/*/defender.jsonl | tail -1)
rm "$missing"
python3 - <<'PY'
import zipfile
z = zipfile.ZipFile('extra.zip')
b = z.read('fw/extra.log')
z.close()
b = b.replace(b'FGT-BR', b'FGT-XX', 1)
z = zipfile.ZipFile('extra.zip', 'w', zipfile.ZIP_DEFLATED)
z.writestr('fw/extra.log', b)
z.close()
PY
rc=0
"$bin" sources c.db --verify >v.txt 2>v.err || rc=$?
[ "$rc" = 1 ] || fail "sources --verify with changed evidence: rc $rc"
grep -q "^CHANGED    $target  (SHA-256 differs)" v.txt || fail "verify: $target not CHANGED: $(cat v.txt)"
grep -q "^CHANGED    $other  (SHA-256 differs)" v.txt || fail "verify: $other not CHANGED"
grep -q "^CHANGED    extra.zip!fw/extra.log  (SHA-256 differs)" v.txt || fail "verify: member not CHANGED"
grep -q "^MISSING    $missing" v.txt || fail "verify: $missing not MISSING"
grep -q "^ok         $touched" v.txt || fail "verify: touched $touched not ok"
n=$(wc -l <v.txt)
grep -q "verified $n sources against the evidence (SHA-256): $((n - 4)) ok, 3 changed, 1 missing, 0 unreadable" v.err ||
  fail "verify summary: $(cat v.err)"
"$bin" sources c.db --verify --json >v.jsonl 2>/dev/null || true
python3 - <<'PY' || fail "sources --verify --json"
import json
rows = [json.loads(l) for l in open('v.jsonl')]
st = [r['verify'] for r in rows]
assert st.count('changed') == 3 and st.count('missing') == 1 and st.count('ok') == len(rows) - 4, st
PY
rc=0
"$bin" events c.db --host fgt-br --raw >e5.txt 2>e5.err || rc=$?
[ "$rc" = 1 ] && grep -q "extra.zip!fw/extra.log (SHA-256 differs)" e5.err || fail "member change: rc $rc $(cat e5.err)"
"$bin" events c.db --kind win. --raw --json >e4.jsonl 2>/dev/null || true
python3 - "$missing" <<'PY' || fail "missing file: no not_found status"
import json, sys
rows = [json.loads(l) for l in open('e4.jsonl')]
mine = [r for r in rows if r['source']['path'] == sys.argv[1]]
assert mine and all(r['raw_status'] == 'not_found' and 'raw' not in r for r in mine), mine[:1]
PY
"$bin" events c.db --kind win.logon --raw --limit 5 >e3.txt || fail "a touched file no longer quotes"
grep -q '^    {"@timestamp"' e3.txt || fail "touched file: no raw line"

# 6. a case made before mtimes were recorded: opens read-only, checks by hash
cp c.db old.db
python3 -c "import sqlite3; d=sqlite3.connect('old.db'); d.execute('ALTER TABLE sources DROP COLUMN mtime_ns'); d.commit()"
rc=0
"$bin" events old.db --kind vpn.login --raw --json >o.jsonl 2>o.err || rc=$?
[ "$rc" = 1 ] && grep -q "$target (SHA-256 differs)" o.err || fail "old case: rc $rc $(cat o.err)"
grep -q '"raw":"date=' o.jsonl || fail "old case: no raw line from unchanged files"
"$bin" sources old.db >/dev/null || fail "old case: sources"
"$bin" ingest old.db extra.zip >/dev/null 2>&1 || fail "old case: ingest"
python3 -c "import sqlite3; d=sqlite3.connect('old.db'); d.execute('SELECT mtime_ns FROM sources')" || fail "old case: no column after ingest"
echo ok
