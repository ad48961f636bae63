#!/usr/bin/env bash
# The cache of parsed rule files (src/sigma/ycache.c) changes how fast rules
# load, never what they say or find:
# - a cold run (cache empty) and a warm one (every file from the cache)
#   print the same --check and the same matches;
# - an edited rule is read as edited (the cache is keyed by content);
# - a cache file cut short, or with bytes altered, gives the same matches
#   and is written again whole;
# - a cache file others may write is not read;
# - ASHIATO_CACHE=off reads and writes nothing, and a cache directory that
#   cannot be made costs only the cache.
set -euo pipefail
bin=$1
work=$2
rm -rf "$work"
mkdir -p "$work"
cd "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }
src=${ASH_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
data=${ASH_TEST_DATA:-$src/tests/data}

cp -r "$data/sigma/rules" rules
"$bin" ingest case "$data/sigma/regression_data/rules/windows" >/dev/null 2>&1 ||
  fail "ingest of the regression samples"
export ASHIATO_CACHE=$work/cache

from_cache() { sed -n 's/^sigma: \([0-9]*\) rule files read, \([0-9]*\) of them parsed from the cache$/\1 \2/p' "$1"; }

"$bin" sigma --check rules >check.cold 2>err.cold
[ -f cache/sigma-yaml ] || fail "no cache file written"
[ "$(stat -c %a cache)" = 700 ] || fail "cache directory is not 0700"
"$bin" sigma --check rules >check.warm 2>err.warm
cmp check.cold check.warm || fail "--check differs between cold and warm"
read -r files cold <<<"$(from_cache err.cold)"
read -r files2 warm <<<"$(from_cache err.warm)"
[ "$files" -gt 100 ] && [ "$cold" = 0 ] || fail "cold run: $files files, $cold from the cache"
[ "$warm" = "$files" ] && [ "$files2" = "$files" ] || fail "warm run: $warm of $files from the cache"

ASHIATO_CACHE=off "$bin" sigma case --rules rules --matches --json >m.off 2>/dev/null
"$bin" sigma case --rules rules --matches --json >m.warm 2>/dev/null
[ "$(wc -l <m.off)" -gt 100 ] || fail "too few matches: $(wc -l <m.off)"
cmp m.off m.warm || fail "matches differ between no cache and a warm cache"

# an edited rule: its new title, not the cached one
id=$(head -1 m.warm | python3 -c 'import json,sys; print(json.load(sys.stdin)["rule_id"])')
f=$(grep -rl "^id: $id" rules | head -1)
[ -n "$f" ] || fail "no rule file for $id"
sed -i 's/^title: .*/title: Edited title seen/' "$f"
"$bin" sigma case --rules rules --matches --json >m.edit 2>/dev/null
grep "\"$id\"" m.edit | grep -q 'Edited title seen' || fail "the edited rule was read from the cache"

# a cache cut short, then one with bytes altered: the same matches, and the
# file written again (the next run takes every file from it)
size=$(stat -c %s cache/sigma-yaml)
truncate -s $((size / 2)) cache/sigma-yaml
"$bin" sigma case --rules rules --matches --json >m.cut 2>/dev/null
cmp m.edit m.cut || fail "matches differ with a cut cache"
"$bin" sigma --check rules >/dev/null 2>err.again
read -r _ again <<<"$(from_cache err.again)"
[ "$again" = "$files" ] || fail "the cut cache was not written again whole ($again of $files)"
python3 - cache/sigma-yaml <<'PY'
import sys
p = sys.argv[1]
b = bytearray(open(p, 'rb').read())
for i in range(100, len(b), 997):
    b[i] ^= 0x5a
open(p, 'wb').write(b)
PY
"$bin" sigma case --rules rules --matches --json >m.flip 2>/dev/null
cmp m.edit m.flip || fail "matches differ with an altered cache"
"$bin" sigma --check rules >/dev/null 2>err.again
read -r _ again <<<"$(from_cache err.again)"
[ "$again" = "$files" ] || fail "the altered cache was not written again whole ($again of $files)"

# a cache others may write is not read
chmod 666 cache/sigma-yaml
"$bin" sigma --check rules >/dev/null 2>err.foreign
read -r _ foreign <<<"$(from_cache err.foreign)"
[ "$foreign" = 0 ] || fail "a world-writable cache file was read ($foreign files)"

# off: nothing read or written; a directory that cannot be made: no cache
ASHIATO_CACHE=off "$bin" sigma --check rules >/dev/null 2>err.off
read -r _ off <<<"$(from_cache err.off)"
[ "$off" = 0 ] || fail "ASHIATO_CACHE=off read the cache"
touch notadir
ASHIATO_CACHE=$work/notadir/sub "$bin" sigma case --rules rules --matches --json >m.nodir 2>/dev/null ||
  fail "sigma failed when the cache directory could not be made"
cmp m.edit m.nodir || fail "matches differ without a usable cache directory"
HOME=$work/home XDG_CACHE_HOME= ASHIATO_CACHE= "$bin" sigma --check rules >/dev/null 2>&1
[ -f home/.cache/ashiato/sigma-yaml ] || fail "the default place (~/.cache/ashiato) was not used"
echo "ok: $files rule files, $(wc -l <m.off) matches, the same cold, warm, edited, cut and altered"
