#!/usr/bin/env bash
# Protects: a log that grew since its last ingest is not ingested again
# whole (issue 18 item 4). The second ingest reads only the new lines, as a
# source that continues the first ("continues", "base_size"); the case then
# holds exactly the events of one ingest of the final file, at the same
# offsets, and their raw lines read back. Also: a grown log renamed
# (rotated) between collections; a collection taken mid-line; a Zeek TSV
# log, whose tail needs the header; a grown copy met in the same run as the
# old one; a grown file forced to another format is read whole.
set -euo pipefail
bin=$1
work=$2
src=${ASH_SRC:?ASH_SRC not set}
rm -rf "$work"
mkdir -p "$work/ev"
cd "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }

# 3000 FortiGate traffic lines, each its own session
python3 - "$src/tests/golden/fortigate/traffic.log" <<'PY'
import re, sys
t = open(sys.argv[1]).readline().rstrip('\n')
with open('all.log', 'w') as f:
    for i in range(3000):
        l = re.sub(r'sessionid=\d+', f'sessionid={100000 + i}', t)
        l = re.sub(r'time=\d\d:\d\d:\d\d', 'time=%02d:%02d:%02d' % (i // 3600 % 24, i // 60 % 60, i % 60), l)
        l = re.sub(r'eventtime=\d+', f'eventtime={1557513467 + i}000000000', l)
        f.write(l + '\n')
PY
head -n 1000 all.log >ev/live.log

# the reference: the final file ingested once, into a case of its own
cp all.log ref.log
"$bin" ingest ref.db ref.log --json >ref.json
"$bin" events ref.db --json >ref.events

"$bin" ingest case.db ev --json >first.json
cat all.log >ev/live.log # the log grew: lines 1001..3000 appended
"$bin" ingest case.db ev --json >second.json
"$bin" events case.db --json >case.events
"$bin" events case.db --raw >case.raw
python3 - <<'PY' || fail "grown log: not the tail only"
import json
first = json.loads(open('first.json').readline())
second = [json.loads(l) for l in open('second.json')]
assert len(second) == 1, second
s = second[0]
assert s['state'] == 'complete' and not s['duplicate'], s
assert s['continues'] >= 1 and s['base_size'] > 0, s
assert s['read'] == 2000, ('tail lines', s['read'])
assert first['read'] + s['read'] == 3000
ref = [json.loads(l) for l in open('ref.events')]
got = [json.loads(l) for l in open('case.events')]
assert len(got) == len(ref) == 3000, (len(got), len(ref))
# the same events at the same absolute offsets (ignoring the path)
def key(e):
    e = dict(e); off = e['source']['offset']; del e['source']; return (off, json.dumps(e, sort_keys=True))
assert sorted(map(key, got)) == sorted(map(key, ref)), 'events differ from one ingest of the file'
PY
# raw read-back finds the tail's lines in the file
grep -c 'sessionid=102999' case.raw | grep -q 1 || fail "raw line of the last event not read back"
# ... and the base's lines too: the file grew, but the part the base was
# read from is unchanged, so its evidence still stands
grep -c 'sessionid=100000 ' case.raw | grep -q 1 || fail "raw line of the base's first event not read back"
"$bin" sources case.db --verify >verify.txt || fail "sources --verify on a grown log: $(cat verify.txt)"
[ "$(grep -c '^ok ' verify.txt)" = 2 ] || fail "verify: $(cat verify.txt)"
"$bin" sources case.db >sources.txt
grep -q "continues #1 from byte" sources.txt || fail "sources: no continuation: $(cat sources.txt)"

# the same file again: a duplicate of the continuation
"$bin" ingest case.db ev --json | grep -q '"duplicate":true' || fail "unchanged grown log not a duplicate"

# rotated: live.log renamed live.log.1 after more lines; matched on content
python3 - <<'PY'
with open('ev/live.log', 'a') as f, open('all.log') as a:
    l = a.readline()
    for i in range(10):
        f.write(l.replace('sessionid=100000', f'sessionid={200000 + i}'))
PY
mv ev/live.log ev/live.log.1
"$bin" ingest case.db ev --json >rotated.json
python3 - <<'PY' || fail "rotated grown log"
import json
r = [json.loads(l) for l in open('rotated.json')]
assert len(r) == 1 and r[0]['path'] == 'ev/live.log.1', r
assert r[0]['read'] == 10 and r[0]['continues'] >= 2, r
PY

# collected mid-line: the first ingest saw half a line (and parsed it, as
# any unterminated last line); the tail starts after that line's end, and
# its rest is one rejection, so no record is stored twice
mkdir cut
head -c 5000 all.log >cut/live.log
"$bin" ingest cut.db cut --json >cut1.json
head -n 20 all.log >cut/live.log
"$bin" ingest cut.db cut --json >cut2.json
"$bin" sources cut.db --rejects --json >cut.rejects
python3 - <<'PY' || fail "mid-line collection"
import json
a = json.loads(open('cut1.json').readline())
b = json.loads(open('cut2.json').readline())
assert b['base_size'] == 5000, b
full = sum(1 for _ in open('cut/live.log'))
# lines wholly before byte 5000, the cut one, then the rest
assert a['read'] + b['read'] == full + 1, (a['read'], b['read'], full)
rej = [json.loads(l) for l in open('cut.rejects') if '"ref"' in l]
frag = [r for r in rej if r['ref'] == 5000]
assert len(frag) == 1 and 'rest of a line' in frag[0]['reason'], rej
PY

# Zeek TSV: the tail is parsed with the file's #fields header (the golden
# file's second log, whose columns are not in Zeek's default order: its
# header's 8 lines, no record yet, then one record)
mkdir zeek
sed -n '15,22p' "$src/tests/golden/zeek/conn.log" >zeek/conn.log
"$bin" ingest zeek.db zeek --json >zeek1.json
sed -n '15,23p' "$src/tests/golden/zeek/conn.log" >zeek/conn.log
"$bin" ingest zeek.db zeek --json >zeek2.json
"$bin" ingest zref.db zeek/conn.log --json >zref.json 2>/dev/null
"$bin" events zeek.db --json | sed 's/"source":{[^}]*}//' >zeek.events
"$bin" events zref.db --json | sed 's/"source":{[^}]*}//' >zref.events
python3 - <<'PY' || fail "grown Zeek log"
import json
a = json.loads(open('zeek1.json').readline())
b = json.loads(open('zeek2.json').readline())
r = json.loads(open('zref.json').readline())
assert b.get('continues') and b['read'] == 1, b
for k in ('read', 'parsed', 'rejected', 'events'):
    assert a[k] + b[k] == r[k], (k, a, b, r)
assert r['events'] == 1 and b['events'] == 1, (r, b)
PY
cmp -s zeek.events zref.events || fail "grown Zeek log: events differ from one ingest: $(diff zeek.events zref.events)"

# the old copy and the grown one in the same run (the old one still queued)
mkdir -p same/a same/b
head -n 700 all.log >same/a/fw.log
cp all.log same/b/fw.log
"$bin" ingest same.db same --json >same.json
python3 - <<'PY' || fail "grown copy in the same run"
import json
r = [json.loads(l) for l in open('same.json')]
assert len(r) == 2, r
assert r[1]['path'] == 'same/b/fw.log' and r[1]['read'] == 2300 and r[1]['continues'], r
PY

# a grown file forced to another format is not a continuation: read whole
mkdir forced
head -n 10 all.log >forced/x.log
"$bin" ingest forced.db forced >/dev/null 2>&1
head -n 20 all.log >forced/x.log
"$bin" ingest forced.db forced --format panos --json >forced.json
grep -q '"read":20' forced.json || fail "forced format: $(cat forced.json)"
grep -q '"continues"' forced.json && fail "forced to another format, yet a continuation"
# a log edited inside the part ingested, then grown: no continuation (read
# whole), and the first source is no longer the file ingested
mkdir edit
head -n 10 all.log >edit/x.log
"$bin" ingest edit.db edit >/dev/null 2>&1
head -n 20 all.log | sed '1s/sessionid=100000/sessionid=999999/' >edit/x.log
"$bin" ingest edit.db edit --json >edit.json
grep -q '"continues"' edit.json && fail "an edited log taken for a grown one"
set +e
"$bin" sources edit.db --verify >edit.verify
vrc=$?
set -e
[ $vrc = 1 ] && grep -q '^CHANGED' edit.verify || fail "edited then grown: verify rc $vrc: $(cat edit.verify)"
echo ok
