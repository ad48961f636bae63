#!/usr/bin/env bash
# Terminal injection: file names, zip member names and log fields that
# carry ESC ] 52 (clipboard), BEL, ESC [ 2J (clear screen), CR, C1 CSI
# (U+009B, and the raw byte 0x9b) and the bidi override U+202E reach no
# terminal raw from ingest, sources, sources --rejects, events, events
# --raw, hunt and parse, on stdout or stderr; the text shows them as
# escapes, and the JSON forms keep every value exact (names decode to the
# bytes on disk; a reject that is not UTF-8 has raw_b64).
set -euo pipefail
bin=$1
work=$2
rm -rf "$work"
mkdir -p "$work/ev"
cd "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }

python3 - <<'PY'
import os, zipfile
bad = b'\x1b]52;c;aGFja2Vk\x07\x1b[2J\rok'
name = b'ev/fw' + bad + '\u202e'.encode() + b'.log'
c1, bidi = '\u009b'.encode(), '\u202e'.encode()
line = (b'date=2025-03-02 time=10:22:01 devname="FGT60E' + c1 + b'2J" devid="FGT60E4Q16000000" '
        b'logid="0101039947" type="event" subtype="vpn" level="information" vd="root" '
        b'eventtime=1740910921000000000 tz="+0000" logdesc="SSL VPN tunnel up" action="tunnel-up" '
        b'tunneltype="ssl-tunnel" tunnelid=1234 remip=198.51.100.7 tunnelip=10.212.134.11 '
        b'user="t.sato' + bidi + b'exe.txt" group="vpn-users" msg="SSL tunnel established"\n')
# a record that is rejected, with raw bytes that are not UTF-8 (a lone
# 0x9b, which an 8-bit terminal reads as CSI) and an ESC sequence
reject = b'this is not a FortiGate record \x9b2J \x1b]0;title\x07 \xff\xfe end\n'
open(name, 'wb').write(line + reject)
z = zipfile.ZipFile('ev/bundle.zip', 'w')
# (ASCII: libarchive gives no name for a non-ASCII member in the C locale)
z.writestr('logs/m' + bad.decode() + '.log', (line + reject).replace(b'1234', b'99'))
z.close()
PY

run() { # name, command...: stdout to name.out, stderr to name.err
  local n=$1
  shift
  "$@" >"$n.out" 2>"$n.err" || echo "$n: rc $?" >>rcs
}
: >rcs
run ingest "$bin" ingest case.db ev
run ingest_json "$bin" ingest case2.db ev --json
run sources "$bin" sources case.db
run rejects "$bin" sources case.db --rejects
run rejects_json "$bin" sources case.db --rejects --json
run events "$bin" events case.db
run events_raw "$bin" events case.db --raw
run events_raw_json "$bin" events case.db --raw --json
run hunt "$bin" hunt case.db --dry-run
run parse "$bin" parse --rejects ev
run parse_missing "$bin" parse "ev/no$(printf '\033[2J\r')such"
grep -q "parse_missing: rc 1" rcs || fail "parse of a missing file: $(cat rcs)"
grep -v parse_missing rcs && fail "a verb failed: $(cat rcs)"

python3 - <<'PY' || fail "raw control characters reached the output"
import glob, json, os, re
# what must never reach a terminal as it is: C0 but newline (tab is
# allowed: none of these verbs prints one of its own, but it is inert),
# DEL, the raw C1 bytes, and C1 / bidi controls encoded as UTF-8
ctl = re.compile(rb'[\x00-\x08\x0b-\x1f\x7f]')
enc = re.compile('[\u0080-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]')
seen = 0
for f in sorted(glob.glob('*.out') + glob.glob('*.err')):
    b = open(f, 'rb').read()
    seen += len(b)
    m = ctl.search(b)
    assert not m, (f, b[max(0, m.start() - 40):m.end() + 40])
    t = b.decode('utf-8')  # raw 0x80-0x9f bytes or any invalid UTF-8 fail here
    m = enc.search(t)
    assert not m, (f, t[max(0, m.start() - 40):m.end() + 40])
assert seen > 2000, seen
# the text shows the escapes
ing = open('ingest.out', encoding='utf-8').read()
assert r'!logs/m\x1b]52;c;aGFja2Vk\x07\x1b[2J\x0dok.log' in ing, ing
assert r'\u{202e}.log' in ing, ing
ev = open('events.out', encoding='utf-8').read()
assert r'FGT60E\u{009b}2J' in ev and r't.sato\u{202e}exe.txt' in ev, ev
raw = open('events_raw.out', encoding='utf-8').read()
assert 'devname="FGT60E' in raw and '\\"' not in raw, raw  # the line as it is, not JSON-escaped
rej = open('rejects.out', encoding='utf-8').read()
assert r'\x9b2J \x1b]0;title\x07 \xff\xfe end' in rej, rej
# JSON stays exact: names decode to the bytes on disk
disk = {os.fsencode(p) for p in os.listdir(b'ev')}
paths = [json.loads(l)['path'] for l in open('ingest_json.out', encoding='utf-8')]
plain = [p for p in paths if '!' not in p]
assert len(paths) == 2 and os.fsencode(plain[0])[3:] in disk, (paths, disk)
member = [p for p in paths if '!' in p][0]
assert member.endswith('!logs/m\x1b]52;c;aGFja2Vk\x07\x1b[2J\rok.log'), member
evs = [json.loads(l) for l in open('events_raw_json.out', encoding='utf-8')]
assert len(evs) == 2 and all(e['user'] == 't.sato\u202eexe.txt' for e in evs), evs
assert all(e['raw'].startswith('date=2025-03-02') for e in evs), evs
# a reject's exact bytes come back from raw_b64
import base64
rj = [json.loads(l) for l in open('rejects_json.out', encoding='utf-8') if '"ref"' in l]
assert len(rj) == 2, rj
for r in rj:
    assert base64.b64decode(r['raw_b64']) == b'this is not a FortiGate record \x9b2J \x1b]0;title\x07 \xff\xfe end', r
    assert r['raw'].startswith('this is not'), r
pj = [json.loads(l) for l in open('parse.out', encoding='utf-8') if l.startswith('{"reject"')]
assert len(pj) == 2 and all('raw_b64' in r for r in pj), pj
PY
echo "ok"
