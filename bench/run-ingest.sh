#!/usr/bin/env bash
# bench/run-ingest.sh [FILE] [LINES]: FortiGate ingest benchmark (issue 2).
# Builds a Release binary in build-bench/, generates FILE (default: a
# 1,000,000-line FortiGate traffic log, ~600 MB, in /tmp) if missing, then in
# one run measures
#   (a) parse only        (bench_fortigate: ash_parse_memory, no store)
#   (b) parse + store     (ashiato ingest into a fresh case)
#   (c) store only        (bench_store: the same number of FortiGate-shaped
#                          events, already parsed and serialised, into the
#                          store: the ceiling of (b), whose writer thread
#                          does exactly this work)
#   reference             grep -c . FILE
# printing lines/s, MB/s and peak RSS of each, and ratios to grep.
set -euo pipefail
cd "$(dirname "$0")/.."
file=${1:-/tmp/ashiato-bench/fortigate-1m.log}
lines=${2:-1000000}
mkdir -p "$(dirname "$file")"
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_FLAGS_RELEASE="-O2 -DNDEBUG" >/dev/null
cmake --build build-bench -j"$(nproc)" --target ashiato bench_fortigate bench_store >/dev/null
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
def clean(db):
    for suffix in ('', '-wal', '-shm'):
        try: os.unlink(db + suffix)
        except FileNotFoundError: pass
g_el, g_out, _ = run(['grep', '-c', '.', f])
n = int(g_out.stdout)
print(f"grep -c .      : {g_el:6.2f} s  {n/g_el:12,.0f} lines/s  {size/g_el/1e6:8.1f} MB/s")
# the case on the same disk as the evidence, then in memory (tmpfs), to
# separate the cost of writing the case from the cost of parsing/inserting
targets = [('case on disk ', f + '.bench.db')]
if os.path.isdir('/dev/shm'):
    targets.append(('case on tmpfs', '/dev/shm/ashiato-bench.db'))
for label, db in targets:
    clean(db)
    i_el, i_out, rss = run([binary, 'ingest', db, f, '--json'])
    dbsize = os.path.getsize(db)
    print(f"parse + store, {label}: {i_el:6.2f} s  {n/i_el:10,.0f} lines/s  {size/i_el/1e6:7.1f} MB/s  "
          f"peak RSS {rss/1024:.0f} MiB  case {dbsize/1e6:.0f} MB  ({i_el/g_el:.1f}x grep's time)")
    clean(db)
print(i_out.stdout.decode().strip())
PY
echo "== (c) store only (the ceiling of (b): its writer thread's work, no parsing)"
for db in "$file.store.db" /dev/shm/ashiato-bench-store.db; do
  [ "$db" = /dev/shm/ashiato-bench-store.db ] && [ ! -d /dev/shm ] && continue
  printf '%s: ' "$([ "$db" = "$file.store.db" ] && echo "case on disk " || echo "case on tmpfs")"
  build-bench/bench/bench_store "$db" "$lines"
  rm -f "$db" "$db-journal" "$db-wal" "$db-shm"
done
