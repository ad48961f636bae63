#!/bin/bash
# Compare our EVTX decoding with libevtx's evtxexport on every .evtx file
# under a directory: record counts, and the XML of every record libevtx
# prints (ours rendered in evtxexport's layout by bench_evtx --xml).
#
#   bench/evtx_compare.sh BUILD_DIR [EVTX_DIR]
#
# BUILD_DIR holds bench/bench_evtx; EVTX_DIR defaults to ../shared/data/evtx
# beside the source tree. Prints one row per file:
#   libevtx  ours  rejected  xml  file
# libevtx: records evtxexport exports ("fail@N" when it stops with an
# error after N records); ours: records we parse; rejected: records we
# count as rejected (damaged); xml: "same" when the XML of every record
# libevtx printed is byte-identical to one of ours, else the number of
# libevtx's records we do not have so. Then the totals and the list of
# files libevtx cannot read fully.
set -u
build=${1:?usage: evtx_compare.sh BUILD_DIR [EVTX_DIR]}
src=$(cd "$(dirname "$0")/.." && pwd)
dir=${2:-$src/../shared/data/evtx}
bench=$build/bench/bench_evtx
command -v evtxexport >/dev/null || { echo "evtxexport not installed (libevtx-utils)"; exit 1; }
[ -x "$bench" ] || { echo "no $bench (build first)"; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

printf '%-9s %6s %8s %5s  %s\n' libevtx ours rejected xml file
nfiles=0; same=0; tot_lib=0; tot_ours=0; tot_rej=0; unread=()
while IFS= read -r -d '' f; do
  nfiles=$((nfiles + 1))
  evtxexport -f xml "$f" >"$tmp/a.full" 2>"$tmp/a.err"
  rc=$?
  tail -n +3 "$tmp/a.full" >"$tmp/a"
  nlib=$(grep -c '^<Event' "$tmp/a")
  read -r _ _ _ parsed _ rejected < <("$bench" --count "$f")
  "$bench" --xml "$f" >"$tmp/b.full"
  # each record on one line, sorted: a record libevtx printed that ours
  # has not byte for byte is a line of a not in b (we also read records
  # libevtx does not, after damage, in between the others)
  oneline() { awk '/^<!--/{if (r != "") print r; r = ""; next} /^<Event/{if (r != "") print r; r = $0; next} {if ($0 != "") r = r "\x01" $0} END {if (r != "") print r}' "$1" | LC_ALL=C sort; }
  oneline "$tmp/a" >"$tmp/a1"
  oneline "$tmp/b.full" >"$tmp/b1"
  if [ "$nlib" -eq 0 ] && [ "$rc" -ne 0 ]; then
    x="-"
  else
    d=$(LC_ALL=C comm -23 "$tmp/a1" "$tmp/b1" | wc -l)
    if [ "$d" -eq 0 ]; then x=same; same=$((same + 1)); else x=$d; fi
  fi
  lib=$nlib
  if [ "$rc" -ne 0 ]; then lib="fail@$nlib"; unread+=("$parsed	${f#"$dir"/}"); fi
  tot_lib=$((tot_lib + nlib)); tot_ours=$((tot_ours + parsed)); tot_rej=$((tot_rej + rejected))
  printf '%-9s %6s %8s %5s  %s\n' "$lib" "$parsed" "$rejected" "$x" "${f#"$dir"/}"
done < <(find "$dir" -name '*.evtx' -print0 | sort -z)
echo
echo "files $nfiles, XML identical to evtxexport on $same; records: libevtx $tot_lib, ours $tot_ours (rejected $tot_rej)"
echo
echo "files libevtx cannot read fully (our parsed count, file):"
for u in "${unread[@]}"; do echo "  $u"; done
