#!/usr/bin/env bash
# bench/run-ingest.sh [FILE] [LINES]: FortiGate ingest benchmark (issue 2).
# Builds a Release binary in build-bench/, generates FILE (default: a
# 1,000,000-line FortiGate traffic log, ~600 MB, in /tmp) if missing, then in
# one run measures
#   (a) parse only        (bench_fortigate: ash_parse_memory, no store)
#   (b) parse + store     (ashiato ingest into a fresh case)
#   reference             grep -c . FILE
# printing lines/s, MB/s and peak RSS of each, and ratios to grep.
set -euo pipefail
cd "$(dirname "$0")/.."
file=${1:-/tmp/ashiato-bench/fortigate-1m.log}
lines=${2:-1000000}
mkdir -p "$(dirname "$file")"
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_FLAGS_RELEASE="-O2 -DNDEBUG" >/dev/null
cmake --build build-bench -j"$(nproc)" --target ashiato bench_fortigate >/dev/null
echo "== (a) parse only"
build-bench/bench/bench_fortigate "$file" --lines "$lines"
echo "== (b) parse + store"
python3 - "$file" build-bench/ashiato <<'PY'
import os, resource, subprocess, sys, time
f, binary = sys.argv[1], sys.argv[2]
size = os.path.getsize(f)
def run(cmd):
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t = time.monotonic()
    out = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=True)
    el = time.monotonic() - t
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return el, out, rss
db = f + '.bench.db'
for suffix in ('', '-wal', '-shm'):
    try: os.unlink(db + suffix)
    except FileNotFoundError: pass
g_el, g_out, _ = run(['grep', '-c', '.', f])
n = int(g_out.stdout)
i_el, i_out, rss = run([binary, 'ingest', db, f, '--json'])
print(f"grep -c .      : {g_el:6.2f} s  {n/g_el:12,.0f} lines/s  {size/g_el/1e6:8.1f} MB/s")
print(f"parse + store  : {i_el:6.2f} s  {n/i_el:12,.0f} lines/s  {size/i_el/1e6:8.1f} MB/s  "
      f"peak RSS {rss/1024:.0f} MiB  ({i_el/g_el:.1f}x grep's time)")
print(i_out.stdout.decode().strip())
for suffix in ('', '-wal', '-shm'):
    try: os.unlink(db + suffix)
    except FileNotFoundError: pass
PY
