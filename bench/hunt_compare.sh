#!/usr/bin/env bash
# `hunt --json` of two ashiato builds on the same cases, compared byte for
# byte: for a change to the hunts' plumbing (issue 15: the hunts on the
# store's interface) that must not change what they find.
#
#   bench/hunt_compare.sh OLD_BIN NEW_BIN [WORK]
#
# Cases (made once in WORK, default /tmp/ashiato-hunt-compare, with OLD_BIN;
# kept for a re-run, delete WORK to start again):
#   demo       `ashiato demo --out` (its case.db);
#   fortigate, panos, asa, zeek: `gen --seed 3..6 --firewall F --users 40
#              --days 40 --flows-per-day 1500 --sysmon`, ingested;
#   real       the EVTX and JSON of /work/shared/data (or $ASH_REAL_DATA:
#              the EVTX samples, the Security-Datasets exports, the Sigma
#              regression data), ingested as one case.
# Each case is copied twice; OLD_BIN hunts one copy, NEW_BIN the other
# (hunt stores its findings: each build starts from the same case), both
# with the same --ranges. Exit 1 when any output differs (diff shown).
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: $0 OLD_BIN NEW_BIN [WORK]" >&2; exit 2; }
old=$(readlink -f "$1")
new=$(readlink -f "$2")
work=${3:-${TMPDIR:-/tmp}/ashiato-hunt-compare}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
ranges=$root/data/cloud-ranges.tsv
real=${ASH_REAL_DATA:-/work/shared/data}
mkdir -p "$work"
export ASHIATO_DATA=$root/data # demo hunts too

make_case() { # name
  local n=$1 d=$work/$1
  [ -f "$d/case.db" ] && return 0
  rm -rf "$d"
  case $n in
  demo) "$old" demo --out "$d" -q >/dev/null ;;
  real)
    mkdir -p "$d"
    "$old" ingest "$d/case.db" "$real/evtx" "$real/security-datasets" \
      "$real/sigma/regression_data" >/dev/null 2>"$d/ingest.err" || true
    ;;
  *)
    local seed
    case $n in fortigate) seed=3 ;; panos) seed=4 ;; asa) seed=5 ;; zeek) seed=6 ;; esac
    "$old" gen --out "$d/ev" --seed "$seed" --firewall "$n" --users 40 --days 40 \
      --flows-per-day 1500 --sysmon -q
    "$old" ingest "$d/case.db" "$d/ev/logs" >/dev/null 2>&1
    ;;
  esac
  [ -f "$d/case.db" ] || { echo "$n: no case made" >&2; exit 1; }
}

fail=0
for n in demo fortigate panos asa zeek real; do
  make_case "$n"
  d=$work/$n
  for w in old new; do
    rm -f "$d/$w.db"*
    cp "$d/case.db" "$d/$w.db"
  done
  "$old" hunt "$d/old.db" --json --ranges "$ranges" >"$d/old.jsonl" 2>"$d/old.err"
  "$new" hunt "$d/new.db" --json --ranges "$ranges" >"$d/new.jsonl" 2>"$d/new.err"
  if cmp -s "$d/old.jsonl" "$d/new.jsonl"; then
    printf '%-10s identical: %s findings, %s bytes\n' "$n" "$(wc -l <"$d/new.jsonl")" \
      "$(wc -c <"$d/new.jsonl")"
  else
    printf '%-10s DIFFERENT\n' "$n"
    diff "$d/old.jsonl" "$d/new.jsonl" | head -20 || true
    fail=1
  fi
done
exit $fail
