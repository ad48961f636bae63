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
# MB/s is input bytes over wall-clock seconds; the ratio is against the
# evtxexport (text) row.
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

now() { date +%s.%N; }
secs() { # command... -> wall seconds
  local t0 t1
  t0=$(now)
  "$@" >/dev/null 2>&1
  t1=$(now)
  echo "$t1 - $t0" | bc -l
}

t_lib=$(secs evtxexport "$tmp/corpus.evtx")
t_libx=$(secs evtxexport -f xml "$tmp/corpus.evtx")
# ours is fast enough to need a few passes for a stable figure
reps=5
line1=$("$bench" --threads 1 --repeat $reps "$tmp/corpus.evtx")
line2=$("$bench" --threads 2 --repeat $reps "$tmp/corpus.evtx")
t1=$(echo "$line1" | awk '{print $8}')
t2=$(echo "$line2" | awk '{print $8}')
t_cli=""
[ -x "$ashiato" ] && t_cli=$(secs "$ashiato" parse --format evtx "$tmp/corpus.evtx")

row() { # name seconds passes records
  local mb rs
  mb=$(echo "$bytes * $3 / $2 / 1000000" | bc -l)
  rs=$(echo "$4 * $3 / $2" | bc -l)
  printf '%-22s %9.1f %12.0f %8.1fx\n' "$1" "$mb" "$rs" "$(echo "$mb / $base" | bc -l)"
}
base=$(echo "$bytes / $t_lib / 1000000" | bc -l)
printf 'input: %.1f MB, %s records parsed, %s rejected as damaged; evtxexport exports %s\n' \
  "$(echo "$bytes / 1000000" | bc -l)" "$ourn" "$ourrej" "$libn"
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-22s %9s %12s %9s\n' tool MB/s records/s ratio
row "evtxexport" "$t_lib" 1 "$libn"
row "evtxexport -f xml" "$t_libx" 1 "$libn"
row "ours, 1 thread" "$t1" $reps "$ourn"
row "ours, 2 threads" "$t2" $reps "$ourn"
[ -n "$t_cli" ] && row "ashiato parse (JSON)" "$t_cli" 1 "$ourn"
exit 0
