#!/usr/bin/env bash
# bench/bench_store_typed.sh [--lines N] [--formats LIST] [--ref COMMIT] [--dir DIR]
# The typed case store (issue 15) against the wide store it replaced, in
# one run: builds this tree (build-bench/) and the reference commit
# (default e94d61d, the commit before the typed store, exported with git
# archive into /tmp/ashiato-ref-COMMIT/, its own Release build directory),
# generates the same logs for both (FortiGate traffic, 10^6 lines by
# default, with bench_fortigate; PAN-OS, ASA and Zeek with bench_perimeter
# when named in --formats), and for each file prints: sha256sum's time
# (the floor: an ingest hashes every byte anyway), each build's ingest
# (records/s from the ingest's own read count, peak RSS, case size as % of
# the input) and the ratio new/reference. The cases are written next to
# the input (same disk) and deleted after.
set -euo pipefail
cd "$(dirname "$0")/.."
lines=1000000
formats=fortigate
ref=e94d61d
dir=/tmp/ashiato-bench
while [ $# -gt 0 ]; do
  case $1 in
  --lines) lines=$2; shift 2 ;;
  --formats) formats=$2; shift 2 ;;
  --ref) ref=$2; shift 2 ;;
  --dir) dir=$2; shift 2 ;;
  *) echo "usage: $0 [--lines N] [--formats fortigate,panos,asa,zeek] [--ref COMMIT] [--dir DIR]" >&2; exit 2 ;;
  esac
done
mkdir -p "$dir"
jobs=$(nproc)
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_FLAGS_RELEASE="-O2 -DNDEBUG" >/dev/null
cmake --build build-bench -j"$jobs" --target ashiato bench_fortigate bench_perimeter >/dev/null
. bench/ref_build.sh
ref_build "$ref"
files=()
IFS=, read -ra fl <<<"$formats"
for f in "${fl[@]}"; do
  case $f in
  fortigate)
    p="$dir/fortigate-$((lines / 1000))k.log"
    [ "$lines" = 1000000 ] && p="$dir/fortigate-1m.log"
    [ -f "$p" ] || build-bench/bench/bench_fortigate "$p" --lines "$lines" >/dev/null
    files+=("$p") ;;
  panos | asa | zeek | zeek-json)
    p="$dir/perimeter-$f.log"
    [ -f "$p" ] || build-bench/bench/bench_perimeter "$dir" --lines "$lines" --only "$f" >/dev/null
    files+=("$p") ;;
  *) echo "unknown format $f" >&2; exit 2 ;;
  esac
done
echo "reference: $ref ($(git log -1 --format=%s "$ref" | cut -c1-60))"
echo "this tree: $(git rev-parse --short HEAD)$(git diff --quiet HEAD || echo '+changes')"
python3 - "$ref_bin" build-bench/ashiato "${files[@]}" <<'PY'
import json, os, subprocess, sys, time
ref_bin, new_bin, files = sys.argv[1], sys.argv[2], sys.argv[3:]
def ingest(binary, f):
    db = f + '.typed-bench.db'
    for s in ('', '-journal', '-wal', '-shm'):
        try: os.unlink(db + s)
        except FileNotFoundError: pass
    # /usr/bin/time -f %M: the peak RSS of this one process, in KiB
    t = time.monotonic()
    p = subprocess.run(['/usr/bin/time', '-f', '%M', binary, 'ingest', db, f, '--json'],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    el = time.monotonic() - t
    if p.returncode != 0:
        sys.exit(f"{binary} ingest failed: {p.stderr.decode()[-500:]}")
    rss_kib = int(p.stderr.decode().strip().splitlines()[-1])
    rec = [json.loads(l) for l in p.stdout.decode().splitlines() if l.startswith('{')]
    read = sum(r['read'] for r in rec)
    parsed = sum(r['parsed'] for r in rec)
    rejected = sum(r['rejected'] for r in rec)
    assert read == parsed + rejected, (read, parsed, rejected)
    size = os.path.getsize(db)
    for s in ('', '-journal'):
        try: os.unlink(db + s)
        except FileNotFoundError: pass
    return el, read, rejected, rss_kib, size
for f in files:
    size = os.path.getsize(f)
    t = time.monotonic()
    subprocess.run(['sha256sum', f], stdout=subprocess.DEVNULL, check=True)
    sha = time.monotonic() - t
    print(f"\n{os.path.basename(f)}: {size/1e6:.0f} MB; sha256sum {sha:.2f} s")
    res = {}
    for label, b in (('e94d61d-ref', ref_bin), ('typed (new)', new_bin)):
        el, read, rej, rss, cs = ingest(b, f)
        res[label] = (el, read, cs)
        print(f"  {label}: {el:6.2f} s  {read/el:10,.0f} records/s  read {read:,} rejected {rej:,}  "
              f"peak RSS {rss/1024:.0f} MiB  case {cs/1e6:.0f} MB = {100*cs/size:.1f}% of input  "
              f"({el/sha:.2f}x sha256sum)")
    (r_el, r_read, r_cs), (n_el, n_read, n_cs) = res['e94d61d-ref'], res['typed (new)']
    print(f"  new/ref: speed {r_el/n_el:.2f}x, case size {n_cs/r_cs:.2f}x")
PY
