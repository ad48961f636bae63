#!/usr/bin/env bash
# bench/run-ingest-folder.sh [DAYS] [FIREWALL]: ingest of a folder of many
# files, as evidence usually comes (one firewall log per day, one Windows
# log per host and channel). Builds a Release binary in build-bench/,
# generates a case with `ashiato gen --seed 3 --days DAYS --firewall
# FIREWALL` (default 60 days of FortiGate: ~1.3M records in ~380 files,
# ~0.9 GB) into /tmp/ashiato-bench/, then ingests the whole folder into a
# fresh case on disk and on tmpfs, printing records/s, MB/s, peak RSS and
# the case's size, with `cat FOLDER/* >/dev/null` (reading the files once)
# as the reference in the same run.
set -euo pipefail
cd "$(dirname "$0")/.."
days=${1:-60}
fw=${2:-fortigate}
out=/tmp/ashiato-bench/folder-$fw-$days
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_FLAGS_RELEASE="-O2 -DNDEBUG" >/dev/null
cmake --build build-bench -j"$(nproc)" --target ashiato >/dev/null
if [ ! -f "$out/answer.json" ]; then
  rm -rf "$out"
  build-bench/ashiato gen --out "$out" --seed 3 --days "$days" --firewall "$fw" >/dev/null
fi
python3 - "$out/logs" build-bench/ashiato <<'PY'
import json, os, resource, subprocess, sys, time
logs, binary = sys.argv[1], sys.argv[2]
files = [os.path.join(d, f) for d, _, fs in os.walk(logs) for f in fs]
size = sum(os.path.getsize(f) for f in files)
def run(cmd, **kw):
    t = time.monotonic()
    out = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=True, **kw)
    return time.monotonic() - t, out, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
def clean(db):
    for suffix in ('', '-journal', '-wal', '-shm'):
        try: os.unlink(db + suffix)
        except FileNotFoundError: pass
c_el, _, _ = run(['sh', '-c', 'find "$0" -type f -exec cat {} + >/dev/null', logs])
print(f"folder         : {logs}: {len(files)} files, {size/1e6:.0f} MB")
print(f"cat (reference): {c_el:6.2f} s  {size/c_el/1e6:8.1f} MB/s")
targets = [('case on disk ', '/tmp/ashiato-bench/folder.bench.db')]
if os.path.isdir('/dev/shm'):
    targets.append(('case on tmpfs', '/dev/shm/ashiato-folder-bench.db'))
for label, db in targets:
    clean(db)
    el, out, rss = run([binary, 'ingest', db, logs, '--json'])
    rows = [json.loads(l) for l in out.stdout.decode().splitlines()]
    n = sum(r['read'] for r in rows)
    assert n == sum(r['parsed'] + r['rejected'] for r in rows)
    print(f"ingest, {label}: {el:6.2f} s  {n:,} records  {n/el:10,.0f} records/s  "
          f"{size/el/1e6:7.1f} MB/s  peak RSS {rss/1024:.0f} MiB  case {os.path.getsize(db)/1e6:.0f} MB  "
          f"({el/c_el:.1f}x cat's time)")
    clean(db)
PY
