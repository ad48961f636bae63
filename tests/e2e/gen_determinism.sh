#!/usr/bin/env bash
# gen: the same seed gives byte-identical cases (every file, compared with
# cmp), another seed a different one; usage errors exit 2 and never write
# into a folder that already holds something.
set -euo pipefail
bin=$1
work=$2
rm -rf "$work"
mkdir -p "$work"
cd "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }

opts=(--users 15 --servers 6 --days 24 --flows-per-day 600 --sysmon -q)
"$bin" gen --out a --seed 11 "${opts[@]}"
"$bin" gen --out b --seed 11 "${opts[@]}"
"$bin" gen --out c --seed 12 "${opts[@]}"

(cd a && find . -type f | LC_ALL=C sort) >a.list
(cd b && find . -type f | LC_ALL=C sort) >b.list
cmp -s a.list b.list || fail "same seed, different file lists"
[ "$(wc -l <a.list)" -gt 20 ] || fail "too few files: $(wc -l <a.list)"
while read -r f; do
  cmp -s "a/$f" "b/$f" || fail "same seed, $f differs"
done <a.list

cmp -s a/answer.json c/answer.json && fail "seeds 11 and 12 gave the same answer.json"
differ=0
for f in a/logs/firewall/*; do
  g=c/logs/firewall/$(basename "$f")
  [ -f "$g" ] && ! cmp -s "$f" "$g" && differ=$((differ + 1))
done
[ "$differ" -gt 0 ] || fail "seeds 11 and 12 gave identical firewall logs"

# The other firewall formats are as deterministic.
for fw in panos asa zeek; do
  "$bin" gen --out "$fw-1" --seed 5 --firewall $fw --users 10 --servers 5 --days 20 --flows-per-day 300 -q
  "$bin" gen --out "$fw-2" --seed 5 --firewall $fw --users 10 --servers 5 --days 20 --flows-per-day 300 -q
  diff -r "$fw-1" "$fw-2" >/dev/null || fail "$fw: same seed, different output"
  ls "$fw-1"/logs/firewall/*.log >/dev/null || fail "$fw: no firewall files"
done

# A non-empty folder is refused (gen writes whole cases only).
set +e
"$bin" gen --out a --seed 11 "${opts[@]}" 2>err.txt
rc=$?
set -e
[ "$rc" -eq 2 ] || fail "gen into a non-empty folder: exit $rc, want 2"
grep -q "not empty" err.txt || fail "no reason given: $(cat err.txt)"
for bad in "--days 3" "--users 2" "--firewall checkpoint" "--domain nodots" "--seed x" "--end 2025-13-01"; do
  set +e
  # shellcheck disable=SC2086
  "$bin" gen --out new $bad -q 2>/dev/null
  rc=$?
  set -e
  [ "$rc" -eq 2 ] || fail "gen $bad: exit $rc, want 2"
  [ ! -e new ] || fail "gen $bad wrote something"
done
"$bin" gen --help | grep -q -- "--flows-per-day" || fail "gen --help"
echo ok
