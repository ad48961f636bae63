#!/usr/bin/env bash
# A whole case in ClickHouse against the same case in SQLite, in one run
# (issue 16): a generated case (FortiGate, VPN, Windows, antivirus) of
# about FLOWS flow records is ingested into an SQLite case, into one
# ClickHouse server and into two shards (tests/clickhouse/cluster.sh, both
# on this machine), then hunted on each. Prints, per store: wall time,
# records/s, CPU of ashiato and of the servers (from /proc/PID/stat), the
# ClickHouse requests of the ingest and of the hunt, and the ratio to
# SQLite; and checks that the three hunts give the same findings byte for
# byte.
#
#   bench/bench_ch_case.sh [--flows N] [--dir DIR] [--keep]
#
# N defaults to 1000000. Both servers run on the same two cores as
# ashiato, so the cluster figure measures the work (CPU), not a speed-up:
# read the CPU columns. Needs clickhouse-server (scripts/setup); ports
# 18323-18344.
set -euo pipefail
cd "$(dirname "$0")/.."
flows=1000000
dir=${TMPDIR:-/tmp}/ashiato-bench-ch-case
keep=0
while [ $# -gt 0 ]; do
  case $1 in
  --flows) flows=$2; shift 2 ;;
  --dir) dir=$2; shift 2 ;;
  --keep) keep=1; shift ;;
  *) echo "usage: $0 [--flows N] [--dir DIR] [--keep]" >&2; exit 2 ;;
  esac
done
# shellcheck source=bench/ch_case.inc
. bench/ch_case.inc 18323
for h in ${ASH_CH_SHARDS//,/ }; do
  for db in bench1 bench2; do curl -sS "http://$h/" --data-binary "DROP DATABASE IF EXISTS $db" >/dev/null; done
done
"$bin" ch init "$ASH_CH_URL1/bench2" --shards "$ASH_CH_SHARDS" --cluster "$ASH_CH_CLUSTER" >/dev/null

echo "this tree: $(git rev-parse --short HEAD)$(git diff --quiet HEAD || echo '+changes'); logs $(du -sh "$logs/logs" | cut -f1); load $(cut -d' ' -f1-3 /proc/loadavg)"

export ASHIATO_CH_STATS=1 ASHIATO_DATA=$PWD/data
python3 - "$bin" "$logs/logs" "$dir" "$ch/s1/pid" "$ch/s2/pid" "$ASH_CH_URL1" <<'PY'
import os, subprocess, sys, time
sys.path.insert(0, 'bench')
from ch_cpu import cpu_seconds, pids_of
bin, logs, work, pid1, pid2, url = sys.argv[1:7]
pids = pids_of((pid1, pid2))
def srv_cpu():
    return cpu_seconds(pids)
def run(argv, out=None):
    s0 = srv_cpu(); t0 = time.time()
    p = subprocess.run(['/usr/bin/time', '-f', '%U %S %M'] + argv,
                       stdout=open(out, 'wb') if out else subprocess.DEVNULL, stderr=subprocess.PIPE)
    wall = time.time() - t0; srv = srv_cpu() - s0
    if p.returncode != 0:
        sys.exit(f'{argv[:3]} failed ({p.returncode}): {p.stderr.decode()[-600:]}')
    err = p.stderr.decode().strip().splitlines()
    u, s, m = err[-1].split()
    req = [l for l in err if 'ClickHouse requests' in l]
    return dict(wall=wall, cpu=float(u) + float(s), srv=srv, rss=int(m) // 1024,
                req=int(req[-1].split()[-1]) if req else 0)
cases = [('sqlite', os.path.join(work, 'case.db')), ('clickhouse 1 server', url + '/bench1'),
         ('clickhouse 2 shards', url + '/bench2')]
res = {}
for label, case in cases:
    ing = run([bin, 'ingest', case, logs])
    src = subprocess.run([bin, 'sources', case, '--json'], stdout=subprocess.PIPE, check=True).stdout
    import json
    n = sum(json.loads(l).get('read', 0) for l in src.decode().splitlines() if l.startswith('{'))
    h = run([bin, 'hunt', case, '--json'], os.path.join(work, label.replace(' ', '_') + '.jsonl'))
    res[label] = (n, ing, h)
ref = open(os.path.join(work, 'sqlite.jsonl'), 'rb').read()
print(f"records: {res['sqlite'][0]}")
print(f"{'store':22} {'ingest wall':>11} {'rec/s':>9} {'cpu ash+srv':>13} {'requests':>9} {'hunt wall':>10} {'cpu ash+srv':>13} {'requests':>9} {'RSS MiB':>8}")
for label, _ in cases:
    n, i, h = res[label]
    print(f"{label:22} {i['wall']:10.1f}s {n / i['wall']:9.0f} {i['cpu']:6.1f}+{i['srv']:5.1f}s {i['req']:9d}"
          f" {h['wall']:9.1f}s {h['cpu']:6.1f}+{h['srv']:5.1f}s {h['req']:9d} {max(i['rss'], h['rss']):8d}")
for label, _ in cases[1:]:
    n, i, h = res[label]
    si, sh = res['sqlite'][1], res['sqlite'][2]
    same = open(os.path.join(work, label.replace(' ', '_') + '.jsonl'), 'rb').read() == ref
    print(f"{label}: ingest CPU (both) {(i['cpu'] + i['srv']) / si['cpu']:.2f}x SQLite's, wall {i['wall'] / si['wall']:.2f}x;"
          f" hunt CPU {(h['cpu'] + h['srv']) / sh['cpu']:.2f}x, wall {h['wall'] / sh['wall']:.2f}x;"
          f" findings {'identical' if same else 'DIFFER'}")
    if not same:
        sys.exit(1)
PY
