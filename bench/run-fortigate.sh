#!/usr/bin/env bash
# bench/run-fortigate.sh [FILE] [LINES] [extra bench_fortigate options]
# FortiGate parse-only benchmark (issue 2, part a). Builds bench_fortigate
# in Release (-O2, no sanitizers) in build-bench/, generates FILE (default
# a 1,000,000-line FortiGate traffic log, ~650 MB, in /tmp) when missing,
# and prints lines/s, MB/s and peak RSS of the parse next to the time of
# `grep -c . FILE` measured in the same run. bench/run-ingest.sh adds
# parse + store.
set -euo pipefail
cd "$(dirname "$0")/.."
file=${1:-/tmp/ashiato-bench/fortigate-1m.log}
lines=${2:-1000000}
shift $(( $# > 2 ? 2 : $# ))
mkdir -p "$(dirname "$file")"
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_FLAGS_RELEASE="-O2 -DNDEBUG" \
  -DASH_SANITIZE=OFF >/dev/null
cmake --build build-bench -j2 --target bench_fortigate >/dev/null
build-bench/bench/bench_fortigate "$file" --lines "$lines" --repeat 3 "$@"
