#!/usr/bin/env bash
# End to end: `ashiato scan` on a collection as responders receive it: a
# .zip of triage files (members scanned from memory), a .tar.gz, a damaged
# zip, a zip with an encrypted member, a dangling link and (when not root)
# a file without read permission. Every file that cannot be read is
# counted by reason; the readable ones are still scanned; nothing changes.
set -euo pipefail
bin=$1
work=$2
rm -rf "$work"
mkdir -p "$work/ev/host1" "$work/stage"
cd "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }
CC=${CC:-cc}

cat >p.profile <<'EOF'
domain:  corp.example.local
netbios: CORP
dc:      DC01
admin:   adm.tanaka
ip:      10.20.1.10
EOF

cat >implant.c <<'EOF'
#include <stdio.h>
#include <uchar.h>
static const char16_t *cfg[] = {u"CORP\\adm.tanaka", u"\\\\DC01\\ADMIN$", u"10.20.1.10"};
int main(int argc, char **argv) {
  (void)argv;
  if (argc > 99) for (int i = 0; i < 3; i++) printf("%p\n", (const void *)cfg[i]);
  return 0;
}
EOF
$CC -O1 -o stage/svch0st.exe implant.c
printf 'Welcome to the corp.example.local intranet.\n' >stage/readme.txt
head -c 100000 /dev/urandom >stage/noise.bin

python3 - <<'PY'
import zipfile, tarfile, io
z = zipfile.ZipFile('ev/host1/triage.zip', 'w', zipfile.ZIP_DEFLATED)
z.write('stage/svch0st.exe', 'C/Windows/Temp/svch0st.exe')
z.write('stage/readme.txt', 'C/Users/Public/readme.txt')
z.write('stage/noise.bin', 'C/ProgramData/noise.bin')
z.close()
with tarfile.open('ev/host1/more.tar.gz', 'w:gz') as t:
    t.add('stage/svch0st.exe', 'opt/svch0st.exe')
# a zip whose central directory and data are cut off
data = open('ev/host1/triage.zip', 'rb').read()
open('ev/host1/damaged.zip', 'wb').write(data[:200])
# a zip with one member flagged as encrypted (bit 0 of the general purpose
# flags, in the local header and in the central directory)
z = zipfile.ZipFile('ev/host1/locked.zip', 'w', zipfile.ZIP_STORED)
z.writestr('secret.txt', 'corp.example.local ' * 10)
z.close()
b = bytearray(open('ev/host1/locked.zip', 'rb').read())
b[6] |= 1
cd = b.find(b'PK\x01\x02')
b[cd + 8] |= 1
open('ev/host1/locked.zip', 'wb').write(bytes(b))
PY
ln -s /nonexistent/file ev/host1/dangling
expect_unreadable=1
if [ "$(id -u)" -ne 0 ]; then
  cp stage/readme.txt ev/host1/private.txt
  chmod 000 ev/host1/private.txt
  expect_unreadable=2
fi

find ev -type f -readable -exec sha256sum {} + | sort >before.sum

"$bin" scan --profile p.profile --json ev >out.jsonl 2>err.txt || fail "scan exit $?: $(cat err.txt)"
python3 - "$expect_unreadable" <<'PY' || fail "collection findings: $(cat err.txt)"
import json, re, sys, hashlib
rows = [json.loads(l) for l in open('out.jsonl')]
files = {r['entities']['files'][0]: r for r in rows}
imp = 'ev/host1/triage.zip!C/Windows/Temp/svch0st.exe'
assert imp in files, list(files)
assert files[imp]['severity'] in ('high', 'critical'), files[imp]
# the SHA-256 of a member is that of its content
want = hashlib.sha256(open('stage/svch0st.exe', 'rb').read()).hexdigest()
assert files[imp]['details']['sha256'] == want
assert files['ev/host1/more.tar.gz!opt/svch0st.exe']['details']['sha256'] == want
assert files['ev/host1/triage.zip!C/Users/Public/readme.txt']['severity'] == 'low'
assert not any('noise.bin' in f for f in files)
err = open('err.txt').read()
m = re.search(r'scanned (\d+) files \((\d+) archives opened\)', err)
assert m, err
assert int(m.group(2)) >= 3, err                       # triage, more, locked
assert 'skipped ' in err
assert re.search(r'%s unreadable' % sys.argv[1], err), err
assert 'damaged archive' in err, err
assert '1 encrypted member' in err, err
assert 'skipped ev/host1/dangling: unreadable' in err, err
assert 'locked.zip!secret.txt' in err, err
PY
# quiet: no per-file messages, the totals stay
"$bin" scan --profile p.profile --quiet ev >/dev/null 2>q.txt || fail "quiet scan"
! grep -q "^ashiato: skipped" q.txt || fail "--quiet still lists skips"

find ev -type f -readable -exec sha256sum {} + | sort >after.sum
cmp -s before.sum after.sum || fail "scanned files changed"
echo ok
