#!/usr/bin/env bash
# End to end: an installed ashiato carries its data. `cmake --install` into
# a prefix, then the installed binary, run from elsewhere without
# ASHIATO_DATA, finds the cloud ranges under the prefix (a relocated tree:
# bin/../share/ashiato) and hunts; a bare copy of the binary with no data
# anywhere near it refuses to hunt (exit 1, saying where it looked) instead
# of silently scoring without provider names, and hunts with --ranges none.
set -euo pipefail
bin=$1
work=$2
rm -rf "$work"
mkdir -p "$work/elsewhere"
fail() { echo "FAIL: $*" >&2; exit 1; }
build=$(dirname "$bin")
cmake --install "$build" --prefix "$work/prefix" >/dev/null
inst="$work/prefix/bin/ashiato"
[ -x "$inst" ] || fail "no installed binary"
[ -f "$work/prefix/share/ashiato/cloud-ranges.tsv" ] || fail "no installed ranges"
[ -f "$work/prefix/share/man/man1/ashiato.1" ] || fail "no installed man page"
[ -f "$work/prefix/share/doc/ashiato/cli-contract.md" ] || fail "no installed contract"
cd "$work/elsewhere"
out=$(env -u ASHIATO_DATA "$inst" ranges lookup 13.250.177.251) || fail "installed lookup failed"
grep -qi aws <<<"$out" || fail "installed binary did not name the provider: $out"
# a copy of the binary alone: nothing to find
mkdir -p lone/a/b/c && cp "$bin" lone/a/b/c/ashiato
"$inst" ingest case.db "$ASH_TEST_DATA/../golden/fortigate/vpn.log" >/dev/null 2>&1 || fail "ingest"
set +e
env -u ASHIATO_DATA lone/a/b/c/ashiato hunt case.db >/dev/null 2>err.txt
rc=$?
set -e
if [ -f /usr/share/ashiato/cloud-ranges.tsv ] || [ -f /usr/local/share/ashiato/cloud-ranges.tsv ]; then
  echo "note: a system-wide install exists; the lone-binary check is not meaningful here"
else
  [ $rc -eq 1 ] || fail "a binary without data hunted anyway (rc $rc)"
  grep -q "looked in" err.txt || fail "no word on where the data was looked for: $(cat err.txt)"
fi
env -u ASHIATO_DATA lone/a/b/c/ashiato hunt case.db --ranges none >/dev/null || fail "--ranges none"
echo "install tree: ok"
