#!/usr/bin/env bash
# The hunt on a ClickHouse case: this tree against a reference commit, in
# one run (issue 16, the pushdown of the flow hunts' model). The generated
# case of about FLOWS flow records (bench/ch_case.inc) is ingested once
# into one server and once into two shards, and into SQLite; then each
# tree hunts each ClickHouse case ROUNDS times, the trees alternating and
# the first one rotating. Prints per tree and case the least and the
# greatest of: wall time, ashiato's CPU, the servers' CPU, and, from the
# request trace (ASHIATO_CH_STATS=2), the rows and bytes the hunt had
# back; then the ratios to the reference (least against least). Checks
# that every hunt gives its tree's findings on the SQLite case byte for
# byte (the trees' findings may differ: bf4949e kept 32,768 series).
#
#   bench/bench_ch_hunt.sh [--flows N] [--ref COMMIT] [--rounds R] [--dir DIR] [--keep]
#
# N defaults to 1000000, COMMIT to bf4949e (before the pushdown; it must
# read schema-4 cases), R to 3. Both servers share the machine's cores
# with ashiato: on two cores read the CPU and bytes columns as the work,
# the wall column as this machine's. Ports 18363-18364.
set -euo pipefail
cd "$(dirname "$0")/.."
flows=1000000
ref=bf4949e
rounds=3
dir=${TMPDIR:-/tmp}/ashiato-bench-ch-hunt
keep=0
while [ $# -gt 0 ]; do
  case $1 in
  --flows) flows=$2; shift 2 ;;
  --ref) ref=$2; shift 2 ;;
  --rounds) rounds=$2; shift 2 ;;
  --dir) dir=$2; shift 2 ;;
  --keep) keep=1; shift ;;
  *) echo "usage: $0 [--flows N] [--ref COMMIT] [--rounds R] [--dir DIR] [--keep]" >&2; exit 2 ;;
  esac
done
# shellcheck source=bench/ref_build.sh
. bench/ref_build.sh
ref_build "$ref"
# shellcheck source=bench/ch_case.inc
. bench/ch_case.inc 18363
for h in ${ASH_CH_SHARDS//,/ }; do
  for db in hunt1 hunt2; do curl -sS "http://$h/" --data-binary "DROP DATABASE IF EXISTS $db" >/dev/null; done
done
"$bin" ch init "$ASH_CH_URL1/hunt2" --shards "$ASH_CH_SHARDS" --cluster "$ASH_CH_CLUSTER" >/dev/null
rm -f "$dir/case.db"
for c in "$dir/case.db" "$ASH_CH_URL1/hunt1" "$ASH_CH_URL1/hunt2"; do
  "$bin" ingest "$c" "$logs/logs" >/dev/null
done
echo "this tree: $(git rev-parse --short HEAD)$(git diff --quiet HEAD || echo '+changes'); reference: $ref;" \
  "logs $(du -sh "$logs/logs" | cut -f1); load $(cut -d' ' -f1-3 /proc/loadavg)"

# the same data folder for both trees: the findings depend on its ranges
export ASHIATO_DATA=$PWD/data
python3 - "$bin" "$ref_bin" "$dir" "$ch/s1/pid" "$ch/s2/pid" "$ASH_CH_URL1" "$rounds" <<'PY'
import os, subprocess, sys, time
bin, ref_bin, work, pid1, pid2, url, rounds = sys.argv[1:8]
rounds = int(rounds)
sys.path.insert(0, 'bench')
from ch_cpu import cpu_seconds, pids_of
pids = pids_of((pid1, pid2))
def srv_cpu():
    return cpu_seconds(pids)
def hunt(b, case, out):
    env = dict(os.environ, ASHIATO_CH_STATS='2')
    s0 = srv_cpu(); t0 = time.time()
    p = subprocess.run(['/usr/bin/time', '-f', '%U %S', b, 'hunt', case, '--json'], env=env,
                       stdout=open(out, 'wb'), stderr=subprocess.PIPE)
    wall = time.time() - t0; srv = srv_cpu() - s0
    if p.returncode != 0:
        sys.exit(f'hunt {case} failed ({p.returncode}): {p.stderr.decode()[-600:]}')
    err = p.stderr.decode().splitlines()
    u, s = err[-1].split()
    # (the trace of a tree older than this script has no "bytes in")
    rows, nbytes = 0, None
    for l in err:
        if 'ClickHouse request:' not in l: continue
        w = l.split()
        rows += int(w[w.index('rows') - 1])
        if 'in' in w: nbytes = (nbytes or 0) + int(w[w.index('in') - 2])
    return dict(wall=wall, cpu=float(u) + float(s), srv=srv, rows=rows, bytes=nbytes)
# each tree's findings on the SQLite case: what its ClickHouse hunts must give
trees = [('this tree', bin), ('reference', ref_bin)]
ref = {}
for tl, b in trees:
    out = os.path.join(work, 'sqlite.jsonl')
    subprocess.run([b, 'hunt', os.path.join(work, 'case.db'), '--json', '--dry-run'],
                   stdout=open(out, 'wb'), check=True)
    ref[tl] = open(out, 'rb').read()
cases = [('1 server', url + '/hunt1'), ('2 shards', url + '/hunt2')]
res = {}
for r in range(rounds):
    order = trees if r % 2 == 0 else trees[::-1]
    for cl, case in cases:
        for tl, b in order:
            out = os.path.join(work, 'h.jsonl')
            m = hunt(b, case, out)
            if open(out, 'rb').read() != ref[tl]:
                sys.exit(f'{tl} on {cl}: findings differ from its own on SQLite')
            res.setdefault((tl, cl), []).append(m)
print(f"{'tree':10} {'case':9} {'wall s':>11} {'cpu ashiato s':>14} {'cpu servers s':>14} {'rows back':>10} {'MB back':>8}")
def mb(v):
    return '-' if v is None else f'{v / 1e6:.1f}'
def rng(v, f):
    return f'{f.format(min(v))}-{f.format(max(v))}'
for (tl, cl), ms in res.items():
    print(f"{tl:10} {cl:9} {rng([m['wall'] for m in ms], '{:.2f}'):>11} {rng([m['cpu'] for m in ms], '{:.2f}'):>14}"
          f" {rng([m['srv'] for m in ms], '{:.2f}'):>14} {ms[0]['rows']:10d}"
          f" {mb(ms[0]['bytes']):>8}")
for cl, _ in cases:
    a, b = res[('this tree', cl)], res[('reference', cl)]
    lo = lambda ms, k: min(m[k] for m in ms)
    print(f"{cl}: this tree / reference: wall {lo(a, 'wall') / lo(b, 'wall'):.2f}x, ashiato CPU"
          f" {lo(a, 'cpu') / lo(b, 'cpu'):.2f}x, servers' CPU {lo(a, 'srv') / lo(b, 'srv'):.2f}x,"
          f" rows back {a[0]['rows'] / b[0]['rows']:.2f}x;"
          f" each tree's findings identical to its own on SQLite")
PY
