#!/usr/bin/env bash
# bench/bench_perimeter.sh [DIR] [LINES]: perimeter parsers (issue 3).
# Builds a Release bench_perimeter in build-bench/, generates one log per
# format in DIR (default /tmp/ashiato-bench, 500,000 lines each) if missing,
# and prints, per format and in one run, `grep -c .` and the parse (no
# store) in lines/s and MB/s. Best of 3 parses.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-/tmp/ashiato-bench}
lines=${2:-500000}
mkdir -p "$dir"
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_FLAGS_RELEASE="-O2 -DNDEBUG" >/dev/null
cmake --build build-bench -j2 --target bench_perimeter >/dev/null
build-bench/bench/bench_perimeter "$dir" --lines "$lines" --repeat 3
