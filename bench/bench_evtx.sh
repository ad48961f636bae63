#!/bin/bash
# EVTX throughput: our parser against libevtx's evtxexport on the same
# input, in one run. Build the bench in Release without sanitizers first:
#
#   cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=RelWithDebInfo && \
#     cmake --build build-bench -j2 --target bench_evtx ashiato
#   bench/bench_evtx.sh build-bench [EVTX_DIR] [MIN_MB]
#
# The input is one EVTX file made of every chunk of the samples that
# evtxexport reads without error (EVTX_DIR, default ../shared/data/evtx
# beside the source tree), repeated to at least MIN_MB megabytes (default
# 48), so that both tools read exactly the same records. Rows:
#   evtxexport           libevtx 20181227, default text output, to /dev/null
#   evtxexport -f xml    the same, XML output
#   ours, 1 thread       records decoded and mapped into events, no store
#                        (bench_evtx --threads 1)
#   ours, 2 threads      the same with two decoding threads
#   ashiato parse        the CLI: events serialised as JSON lines, to /dev/null
# MB/s is input bytes over wall-clock seconds, MB/cpu-s over CPU seconds
# (user + system, all threads; steadier than wall-clock on a busy machine);
# the ratios are against the evtxexport (text) row.
set -euo pipefail
build=${1:?usage: bench_evtx.sh BUILD_DIR [EVTX_DIR] [MIN_MB]}
src=$(cd "$(dirname "$0")/.." && pwd)
dir=${2:-$src/../shared/data/evtx}
min_mb=${3:-48}
bench=$build/bench/bench_evtx
ashiato=$build/ashiato
command -v evtxexport >/dev/null || { echo "evtxexport not installed (libevtx-utils)"; exit 1; }
[ -x "$bench" ] || { echo "no $bench (build first)"; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

# the samples libevtx reads fully
: >"$tmp/list"
while IFS= read -r -d '' f; do
  if evtxexport "$f" >/dev/null 2>&1; then printf '%s\0' "$f" >>"$tmp/list"; fi
done < <(find "$dir" -name '*.evtx' -print0 | sort -z)
xargs -0 "$bench" --make-corpus "$tmp/corpus.evtx" "$min_mb" <"$tmp/list" >/dev/null
bytes=$(stat -c %s "$tmp/corpus.evtx")
libn=$(evtxexport "$tmp/corpus.evtx" 2>/dev/null | grep -c '^Event number')
read -r _ _ _ ourn _ ourrej < <("$bench" --count "$tmp/corpus.evtx")

# wall-clock and CPU (user + system) seconds of a command, output discarded
measure() {
  local TIMEFORMAT='%R %U %S' t
  t=$({ time "$@" >/dev/null 2>&1; } 2>&1)
  echo "$t" | awk '{printf "%s %s\n", $1, $2 + $3}'
}

read -r w_lib c_lib < <(measure evtxexport "$tmp/corpus.evtx")
read -r w_libx c_libx < <(measure evtxexport -f xml "$tmp/corpus.evtx")
# ours is fast enough to need a few passes for a stable figure (the file is
# read once per run, not per pass)
reps=5
read -r w_1 c_1 < <(measure "$bench" --threads 1 --repeat $reps "$tmp/corpus.evtx")
read -r w_2 c_2 < <(measure "$bench" --threads 2 --repeat $reps "$tmp/corpus.evtx")
w_cli=""
[ -x "$ashiato" ] && read -r w_cli c_cli < <(measure "$ashiato" parse --format evtx "$tmp/corpus.evtx")

base=$(echo "$bytes / $w_lib / 1000000" | bc -l)
basec=$(echo "$bytes / $c_lib / 1000000" | bc -l)
row() { # name wall cpu passes records
  local mb mbc rs
  mb=$(echo "$bytes * $4 / $2 / 1000000" | bc -l)
  mbc=$(echo "$bytes * $4 / $3 / 1000000" | bc -l)
  rs=$(echo "$5 * $4 / $2" | bc -l)
  printf '%-22s %8.1f %11.0f %7.1fx %10.1f %7.1fx\n' "$1" "$mb" "$rs" \
    "$(echo "$mb / $base" | bc -l)" "$mbc" "$(echo "$mbc / $basec" | bc -l)"
}
printf 'input: %.1f MB, %s records parsed, %s rejected as damaged; evtxexport exports %s\n' \
  "$(echo "$bytes / 1000000" | bc -l)" "$ourn" "$ourrej" "$libn"
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "MB/s and records/s per wall-clock second; MB/cpu-s per second of CPU (user + system)"
printf '%-22s %8s %11s %8s %10s %8s\n' tool MB/s records/s ratio MB/cpu-s ratio
row "evtxexport" "$w_lib" "$c_lib" 1 "$libn"
row "evtxexport -f xml" "$w_libx" "$c_libx" 1 "$libn"
row "ours, 1 thread" "$w_1" "$c_1" $reps "$ourn"
row "ours, 2 threads" "$w_2" "$c_2" $reps "$ourn"
[ -n "$w_cli" ] && row "ashiato parse (JSON)" "$w_cli" "$c_cli" 1 "$ourn"
exit 0
