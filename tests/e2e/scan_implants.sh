#!/usr/bin/env bash
# End to end: `ashiato scan` on binaries this test builds with the compiler:
# implants that embed the environment's names in ASCII and in UTF-16LE
# (u"" literals), a PE written byte by byte, a script, and benign binaries
# and documents that carry no names or mention the domain harmlessly.
# Checks severities, best-first order, SHA-256, PE facts, that the emitted
# rules work in Debian's yara, and that nothing scanned is modified.
set -euo pipefail
bin=$1
work=$2
rm -rf "$work"
mkdir -p "$work/ev/bin" "$work/ev/docs"
cd "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }
CC=${CC:-cc}

cat >corp.profile <<'EOF'
# environment profile of the test domain
domain:  CORP.EXAMPLE.LOCAL
netbios: CORP
dc:      DC01, DC02
server:  FS01, APP02, DB01
admin:   adm.tanaka, da-suzuki
service: svc_backup, svc_sql
account: t.sato, k.ito
range:   10.20.0.0/16
ip:      10.20.1.10, 10.20.1.11
url:     https://intranet.corp.example.local/portal
share:   \\FS01\Finance
EOF

# An implant configured in ASCII: domain, DC, admin account and DC address.
cat >implant_ascii.c <<'EOF'
#include <stdio.h>
static const char *cfg[] = {"ldap://dc01.corp.example.local/", "CORP\\adm.tanaka",
                            "P@ssw0rd!", "10.20.1.10", "svc_backup"};
int main(int argc, char **argv) {
  (void)argv;
  if (argc > 99) for (int i = 0; i < 5; i++) puts(cfg[i]);
  return 0;
}
EOF
# The same kind of implant with its strings in UTF-16LE, as Windows code has.
cat >implant_wide.c <<'EOF'
#include <stdio.h>
#include <uchar.h>
static const char16_t *cfg[] = {u"\\\\FS01\\Finance", u"CORP\\svc_sql", u"DC02",
                                u"da-suzuki", u"https://intranet.corp.example.local/portal"};
int main(int argc, char **argv) {
  (void)argv;
  if (argc > 99) for (int i = 0; i < 5; i++) printf("%p\n", (const void *)cfg[i]);
  return 0;
}
EOF
# Benign: vendor strings, generic Windows names, version numbers that look
# like addresses, words that contain the names.
cat >benign.c <<'EOF'
#include <stdio.h>
static const char *s[] = {"Microsoft Corporation", "Administrator", "NT AUTHORITY\\SYSTEM",
                          "localhost", "10.0.19041.1", "110.20.1.10", "corporate", "dc011",
                          "C:\\Windows\\System32\\kernel32.dll"};
int main(int argc, char **argv) {
  (void)argv;
  if (argc > 99) for (int i = 0; i < 9; i++) puts(s[i]);
  return 0;
}
EOF
# Benign: an in-house tool that only names the domain (a help address).
cat >benign_domain.c <<'EOF'
#include <stdio.h>
int main(void) { puts("Questions: helpdesk@corp.example.local"); return 0; }
EOF
# A PE32 written byte by byte (no cross compiler needed), with a compile
# timestamp and UTF-16LE names in its data section.
cat >mkpe.c <<'EOF'
#include <stdint.h>
#include <stdio.h>
#include <string.h>
static uint8_t b[0x600];
static void w16(size_t o, uint16_t v) { b[o] = v & 255; b[o + 1] = v >> 8; }
static void w32(size_t o, uint32_t v) { w16(o, v & 0xffff); w16(o + 2, v >> 16); }
static size_t wide(size_t o, const char *s) {
  for (; *s; s++, o += 2) b[o] = (uint8_t)*s;
  return o + 2;
}
int main(int argc, char **argv) {
  if (argc < 2) return 2;
  b[0] = 'M'; b[1] = 'Z'; w32(0x3c, 0x40);
  memcpy(b + 0x40, "PE\0\0", 4);
  w16(0x44, 0x14c); w16(0x46, 1); w32(0x48, 1717171717u); w16(0x54, 0xe0); w16(0x56, 0x102);
  size_t oh = 0x58;
  w16(oh, 0x10b); w32(oh + 16, 0x1000); w32(oh + 28, 0x400000); w32(oh + 32, 0x1000);
  w32(oh + 36, 0x200); w16(oh + 40, 4); w16(oh + 48, 4); w32(oh + 56, 0x2000);
  w32(oh + 60, 0x200); w16(oh + 68, 3); w32(oh + 92, 16);
  size_t sh = oh + 0xe0;
  memcpy(b + sh, ".data", 5); w32(sh + 8, 0x400); w32(sh + 12, 0x1000); w32(sh + 16, 0x400);
  w32(sh + 20, 0x200); w32(sh + 36, 0xc0000040);
  size_t o = 0x200;
  o = wide(o, "corp.example.local");
  o = wide(o, "CORP\\da-suzuki");
  o = wide(o, "\\\\DB01\\c$");
  o = wide(o, "10.20.1.11");
  FILE *f = fopen(argv[1], "wb");
  if (!f || fwrite(b, 1, sizeof b, f) != sizeof b) return 1;
  return fclose(f) ? 1 : 0;
}
EOF
$CC -O1 -o ev/bin/implant_ascii implant_ascii.c
$CC -O1 -o ev/bin/implant_wide implant_wide.c
$CC -O1 -o ev/bin/benign benign.c
$CC -O1 -o ev/bin/helpdesk benign_domain.c
$CC -O1 -o mkpe mkpe.c
./mkpe ev/bin/updater.exe
python3 -c "import sys; d=open('ev/bin/implant_wide','rb').read(); sys.exit('CORP\\\\svc_sql'.encode('utf-16-le') not in d)" ||
  fail "the compiler did not keep the UTF-16 strings"

cat >ev/bin/deploy.ps1 <<'EOF'
$u = 'CORP\adm.tanaka'
New-PSDrive -Name X -PSProvider FileSystem -Root \\DC01\SYSVOL
Invoke-Command -ComputerName app02.corp.example.local -ScriptBlock { whoami }
EOF
cat >ev/docs/meeting.txt <<'EOF'
Meeting notes: the CORP.EXAMPLE.LOCAL migration moves the shares from FS01 to APP02 next week.
EOF
cat >ev/docs/readme.md <<'EOF'
# Project Zeta
Nothing about any company here; version 10.0.19041.1, see localhost:8080.
EOF

find ev -type f -exec sha256sum {} + | sort >before.sum
find ev -type f -printf '%p %s %T@\n' | sort >before.stat

"$bin" scan --profile corp.profile --json ev >out.jsonl 2>err.txt || fail "scan exit $?: $(cat err.txt)"
python3 - <<'PY' || fail "findings"
import json
rows = [json.loads(l) for l in open('out.jsonl')]
by = {r['entities']['files'][0].split('/')[-1]: r for r in rows}
def sev(n): return by[n]['severity'] if n in by else None
for n in ('implant_ascii', 'implant_wide', 'updater.exe', 'deploy.ps1'):
    assert sev(n) in ('high', 'critical'), (n, sev(n), by.get(n))
assert sev('benign') is None, by.get('benign')
assert sev('readme.md') is None, by.get('readme.md')
assert sev('helpdesk') == 'low', by.get('helpdesk')
assert sev('meeting.txt') == 'low', by.get('meeting.txt')
scores = [r['score'] for r in rows]
assert scores == sorted(scores, reverse=True), scores
for r in rows:
    assert r['hunt'] == 'implant' and r['id'].startswith('implant-')
    assert len(r['details']['sha256']) == 64
    assert r['first_seen'] <= r['last_seen']
    assert all('kind' in e and 'text' in e for e in r['evidence'])
w = by['implant_wide']
forms = {n['name']: n['forms'] for n in w['details']['names']}
assert 'wide' in forms['svc_sql'] and 'domain\\user' in forms['svc_sql'], forms
assert 'svc_sql' in w['entities']['accounts'], w['entities']
a = by['implant_ascii']
assert 'ascii' in {f for n in a['details']['names'] for f in n['forms']}
assert '10.20.1.10' in a['entities']['ips'], a['entities']
assert 'dc01' in a['entities']['hosts'], a['entities']
pe = by['updater.exe']
assert pe['details']['type'] == 'PE32 executable', pe['details']
assert pe['details']['compiled'] == '2024-05-31T16:08:37.000000Z', pe['details']
assert pe['details']['signatures'] == 0
assert any(e['kind'] == 'pe.compiled' for e in pe['evidence'])
assert 'T1587.001' in pe['attack']
PY
grep -q "^scanned 8 files" err.txt || fail "totals: $(cat err.txt)"
grep -q "skipped 0" err.txt || fail "skips: $(cat err.txt)"

# the same findings, in the same order, whatever the number of threads
"$bin" scan --profile corp.profile --json --threads 1 ev >t1.jsonl 2>/dev/null
"$bin" scan --profile corp.profile --json --threads 4 ev >t4.jsonl 2>/dev/null
cmp -s t1.jsonl t4.jsonl || fail "--threads 1 and --threads 4 differ"
cmp -s t1.jsonl out.jsonl || fail "default threads differ from --threads 1"

# the readable form
"$bin" scan --profile corp.profile ev >out.txt 2>&1 || fail "text scan"
grep -q "^critical\|^high" out.txt || fail "text output: $(head out.txt)"
grep -q "^findings: " out.txt || fail "text totals"
"$bin" scan --profile corp.profile --min-severity high --json ev >high.jsonl 2>/dev/null
[ "$(wc -l <high.jsonl)" -eq 4 ] || fail "--min-severity high gave $(wc -l <high.jsonl)"

# the emitted rules are plain YARA that other tools run
"$bin" scan --emit-rules --profile corp.profile >env.yar || fail "emit-rules"
grep -q '^rule ashiato_env_accounts' env.yar || fail "emitted rules"
if command -v yara >/dev/null; then
  yara -w env.yar ev/bin/implant_wide | grep -q ashiato_env_accounts || fail "yara CLI on emitted rules"
  ! yara -w env.yar ev/bin/benign | grep -q . || fail "yara CLI matched the benign binary"
fi

# the responder's own rules
mkdir rules
cat >rules/tools.yar <<'EOF'
rule zeta_marker { strings: $a = "Project Zeta" condition: $a }
EOF
"$bin" scan --profile corp.profile --rules rules --json ev/docs >r.jsonl 2>/dev/null
grep -q '"rules":\["tools.yar:zeta_marker"\]' r.jsonl || fail "responder rule: $(cat r.jsonl)"
echo 'rule broken {' >rules/bad.yar
set +e
"$bin" scan --profile corp.profile --rules rules ev/docs >/dev/null 2>bad.err
rc=$?
set -e
[ $rc -eq 2 ] || fail "a broken rule file should be a usage error (got $rc)"
grep -q "bad.yar" bad.err || fail "rule error names the file: $(cat bad.err)"

# usage errors
set +e
"$bin" scan ev >/dev/null 2>&1; [ $? -eq 2 ] || fail "no names: exit 2"
"$bin" scan --profile nowhere.profile ev >/dev/null 2>&1; [ $? -eq 2 ] || fail "missing profile: exit 2"
printf 'domian: x\n' >typo.profile
"$bin" scan --profile typo.profile ev >/dev/null 2>typo.err; [ $? -eq 2 ] || fail "typo: exit 2"
grep -q "typo.profile:1:" typo.err || fail "typo line: $(cat typo.err)"
"$bin" scan --profile corp.profile ev missing-dir >/dev/null 2>&1; [ $? -eq 1 ] || fail "missing path: exit 1"
set -e

# nothing scanned was modified
find ev -type f -exec sha256sum {} + | sort >after.sum
find ev -type f -printf '%p %s %T@\n' | sort >after.stat
cmp -s before.sum after.sum || fail "scanned files changed"
cmp -s before.stat after.stat || fail "scanned files' size or mtime changed"
echo "ok"
