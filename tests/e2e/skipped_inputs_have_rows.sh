#!/usr/bin/env bash
# Protects: every input the walk meets is accounted for in the case (issue
# 18 item 8, issue 17). A FIFO, a device, an unreadable file, a dangling
# link, a symlink loop, a symlink to a directory and an unrecognised file
# each get a sources row (state "skipped", with why) in `ingest --json` and
# `sources`, not only a line on stderr; a re-run replaces those rows rather
# than adding more; --format turns a skipped row into a source; and the exit
# status is 1 when nothing named could be read.
set -euo pipefail
bin=$(realpath "$1")
work=$2
src=${ASH_SRC:?ASH_SRC not set}
rm -rf "$work"
mkdir -p "$work/ev/sub"
cd "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }

cp "$src/tests/golden/fortigate/admin.log" ev/fw.log
mkfifo ev/pipe
ln -s /no/such/target ev/dangling.log
ln -s loop.log ev/loop.log
ln -s .. ev/sub/up
printf '\x01\x02\x03 nothing a parser knows\n' >ev/notes.bin
have_dev=0
if [ "$(id -u)" = 0 ] && mknod ev/null c 1 3 2>/dev/null; then have_dev=1; fi
[ $have_dev = 1 ] || echo "note: not checking a device node (mknod needs root and CAP_MKNOD)"

# the FIFO must not be opened: an ingest that blocks on it fails here
timeout 60 "$bin" ingest case.db ev --json >ingest.json 2>ingest.err ||
  fail "ingest exited $? with one readable file: $(cat ingest.err)"
"$bin" sources case.db --json >sources.json
"$bin" sources case.db >sources.txt
python3 - "$have_dev" <<'PY' || fail "skipped inputs: rows"
import json, sys
have_dev = sys.argv[1] == '1'
want = {
    'ev/pipe': 'FIFO',
    'ev/dangling.log': 'dangling symbolic link',
    'ev/loop.log': 'symbolic link loop',
    'ev/sub/up': 'symbolic link to a directory',
    'ev/notes.bin': 'format not recognised',
}
if have_dev:
    want['ev/null'] = 'character device'
for name in ('ingest.json', 'sources.json'):
    rows = [json.loads(l) for l in open(name)]
    by = {r['path']: r for r in rows}
    assert by['ev/fw.log']['state'] == 'complete', (name, by['ev/fw.log'])
    assert by['ev/fw.log']['read'] > 0
    for path, why in want.items():
        r = by.get(path)
        assert r, (name, path, 'no row')
        assert r['state'] == 'skipped', (name, r)
        assert why in r['reason'], (name, r)
        assert r['read'] == r['parsed'] == r['rejected'] == 0, r
    skipped = [r for r in rows if r['state'] == 'skipped']
    assert len(skipped) == len(want), (name, skipped)
PY
grep -q "SKIPPED *ev/pipe: a FIFO" sources.txt || fail "sources text: no skipped FIFO: $(cat sources.txt)"
grep -q "skipped ev/loop.log: symbolic link loop" ingest.err || fail "stderr: $(cat ingest.err)"

# a re-run replaces the skipped rows: as many rows as before
n1=$(wc -l <sources.json)
"$bin" ingest case.db ev >/dev/null 2>&1 || fail "re-run"
n2=$("$bin" sources case.db --json | wc -l)
[ "$n1" = "$n2" ] || fail "a re-run added rows: $n1 then $n2"

# a skipped row is not content: --format reads the file, and the row goes
cp "$src/tests/golden/fortigate/admin.log" plain.log
printf 'junk line\n' >ev/sub/odd.txt
"$bin" ingest fmt.db ev/sub >/dev/null 2>&1 || true
"$bin" ingest fmt.db ev/sub --format fortigate >/dev/null 2>&1 || fail "--format after a skip"
"$bin" sources fmt.db --json >fmt.json
python3 - <<'PY' || fail "--format after a skip: rows"
import json
rows = [json.loads(l) for l in open('fmt.json')]
odd = [r for r in rows if r['path'] == 'ev/sub/odd.txt']
assert len(odd) == 1, odd
assert odd[0]['state'] == 'complete' and odd[0]['read'] == 1 and odd[0]['rejected'] == 1, odd
PY

# nothing named could be read: exit 1 (and the row is there)
set +e
timeout 60 "$bin" ingest only.db ev/pipe >/dev/null 2>only.err
rc=$?
"$bin" ingest only2.db ev/notes.bin >/dev/null 2>>only.err
rc2=$?
set -e
[ $rc = 1 ] || fail "only a FIFO named: exit $rc, want 1: $(cat only.err)"
[ $rc2 = 1 ] || fail "only an unrecognised file named: exit $rc2, want 1"
grep -q "nothing could be read" only.err || fail "rc 1 not explained: $(cat only.err)"
"$bin" sources only.db --json | grep -q '"state":"skipped"' || fail "only path: no skipped row"
# ... but an empty file was read and had nothing: not a failure
: >empty.log
"$bin" ingest empty.db empty.log >/dev/null 2>&1 || fail "an empty file named alone must exit 0"

# an unreadable file: chmod 000 keeps root out only when root drops its
# privileges, so the ingest runs as nobody then
mkdir -m 0777 locked
cp "$src/tests/golden/fortigate/admin.log" locked/secret.log
chmod 000 locked/secret.log
run=()
if [ "$(id -u)" = 0 ]; then
  if setpriv --reuid=65534 --regid=65534 --clear-groups true 2>/dev/null; then
    run=(setpriv --reuid=65534 --regid=65534 --clear-groups)
  else
    echo "SKIP: unreadable file (root, and setpriv cannot drop privileges here)"
    exit 0
  fi
fi
set +e
"${run[@]}" "$bin" ingest locked/case.db locked/secret.log --json >locked.json 2>locked.err
rc=$?
set -e
[ $rc = 1 ] || fail "only an unreadable file named: exit $rc, want 1: $(cat locked.err)"
grep -q '"state":"skipped","reason":"cannot open for reading (permission denied)"' locked.json ||
  fail "unreadable file: $(cat locked.json locked.err)"
echo "ok"
