#!/usr/bin/env bash
# The 10^10-record model of issue 16, from rates measured in this run.
#
#   bench/bench_ch_model.sh [--flows N] [--dir DIR] [--nodes "3 10"]
#                           [--cores C] [--keep]
#
# A generated case of about N flow records (default 1000000; FortiGate,
# VPN, Windows, antivirus, as bench_ch_case.sh makes) is ingested into one
# ClickHouse server of tests/clickhouse/cluster.sh. Measured, each the
# least of three runs, as the server's CPU (from /proc/PID/stat) and
# ashiato's:
#   - the ingest: ashiato's CPU and the server's, per record;
#   - the full pass's flows scan (every flow, sorted by (ts, id),
#     streamed to the C model: what SQLite's hunt reads), on the server;
#   - the hunt as it runs: its flow-model requests (the candidate pairs
#     one row each, the hosts' and addresses' counts), ashiato's CPU and
#     bytes from its trace, the server's by replaying each statement;
#   - reference aggregations: per (src, dst, port) statistics with the start times
#     (all, and at most 256 a pair), the same for candidate pairs only
#     (4 sessions or more, or one of 10 minutes or more), the distinct
#     internal hosts per address, and the destinations per host.
# Then computed, for 10^10 records on each --nodes count of --cores cores
# (default 16) a node, assuming the server work divides over the cores
# (MergeTree inserts and GROUP BY do; the measured figures are on one
# core's worth of this shared 2-core machine): ingest and hunt hours, and
# what one client must take in. Every printed figure says which it is.
# Needs clickhouse-server (scripts/setup); ports 18423-18444.
set -euo pipefail
cd "$(dirname "$0")/.."
flows=1000000
dir=${TMPDIR:-/tmp}/ashiato-bench-ch-model
nodes="3 10"
cores=16
keep=0
while [ $# -gt 0 ]; do
  case $1 in
  --flows) flows=$2; shift 2 ;;
  --dir) dir=$2; shift 2 ;;
  --nodes) nodes=$2; shift 2 ;;
  --cores) cores=$2; shift 2 ;;
  --keep) keep=1; shift ;;
  *) echo "usage: $0 [--flows N] [--dir DIR] [--nodes \"3 10\"] [--cores C] [--keep]" >&2; exit 2 ;;
  esac
done
# shellcheck source=bench/ch_case.inc
. bench/ch_case.inc 18423
echo "this tree: $(git rev-parse --short HEAD)$(git diff --quiet HEAD || echo '+changes'); load $(cut -d' ' -f1-3 /proc/loadavg)"
export ASHIATO_DATA=$PWD/data
python3 - "$bin" "$logs/logs" "$ch/s1/pid" "$ASH_CH_URL1" "$nodes" "$cores" <<'PY'
import os, re, subprocess, sys, time, urllib.request
bin, logs, pidf, url, nodes, cores = sys.argv[1:7]
nodes = [int(n) for n in nodes.split()]
cores = int(cores)
host = url[len('clickhouse://'):]
sys.path.insert(0, 'bench')
from ch_cpu import cpu_seconds, pids_of
pids = pids_of((pidf,))
def srv():
    return cpu_seconds(pids)
def sql(q):
    r = urllib.request.urlopen(urllib.request.Request(f'http://{host}/', data=q.encode()))
    return r.read()
def least(f, n=3):
    return min((f() for _ in range(n)), key=lambda r: r['srv'])
def ingest():
    sql('DROP DATABASE IF EXISTS model')
    time.sleep(3)  # the drop's files go before the clock starts
    s0 = srv(); t0 = time.time()
    p = subprocess.run(['/usr/bin/time', '-f', '%U %S', bin, 'ingest', url + '/model', logs],
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if p.returncode:
        sys.exit('ingest failed: ' + p.stderr.decode()[-400:])
    u, s = p.stderr.decode().strip().splitlines()[-1].split()
    return dict(wall=time.time() - t0, ash=float(u) + float(s), srv=srv() - s0)
def query(q):
    def one():
        s0 = srv(); t0 = time.time()
        out = sql(q + ' FORMAT TabSeparated')
        return dict(wall=time.time() - t0, srv=srv() - s0, rows=out.count(b'\n'), bytes=len(out))
    return least(one)
ing = least(ingest)
recs = int(sql('SELECT sum(read) FROM model.sources FINAL WHERE deleted = 0 AND complete = 1'))
nflows = int(sql('SELECT count() FROM model.flows WHERE bitAnd(flags, 4) = 0'))
F = "FROM model.flows WHERE bitAnd(flags, 4) = 0"
Q = [
    ('scan: every flow by (ts, id) (full pass)',
     f"SELECT id, source_id, ts, dur, flags, afam, src, dst, sport, dport, bytes_out, bytes_in,"
     f" bytes_total {F} ORDER BY ts, id"),
    ('pairs: statistics + all start times',
     f"SELECT src, dst, dport, count(), sum(bytes_out), sum(bytes_in), min(ts), max(ts), max(dur),"
     f" arraySort(groupArray(ts)) {F} GROUP BY src, dst, dport"),
    ('pairs: statistics + 256 start times',
     f"SELECT src, dst, dport, count(), sum(bytes_out), sum(bytes_in), min(ts), max(ts), max(dur),"
     f" groupArray(256)(ts) {F} GROUP BY src, dst, dport"),
    ('candidate pairs only (>= 4 or >= 10 min)',
     f"SELECT src, dst, dport, count(), sum(bytes_out), sum(bytes_in), min(ts), max(ts), max(dur),"
     f" groupArray(256)(ts) {F} GROUP BY src, dst, dport"
     f" HAVING count() >= 4 OR max(dur) >= 600000000"),
    ('internal hosts per address', f"SELECT dst, uniqExact(src) {F} GROUP BY dst"),
    ('destinations per host',
     f"SELECT src, count(), uniqExact(dst, dport), sum(bytes_out + bytes_in) {F} GROUP BY src"),
]
res = [(label, query(q)) for label, q in Q]
# the hunt as it runs: the flow model's requests (ash_store_flow_pairs:
# the flows' count, the candidate pairs one row each, the rows of any too
# big for one, the hosts' and the addresses' counts), from its request
# trace (ASHIATO_CH_STATS=3: each request's whole statement): ashiato's
# CPU and the bytes it took in for them, then each statement replayed
# alone for the server's CPU, with the readers' spill threshold
MODEL = ('SELECT count(), (SELECT count() FROM', 'WITH (countIf(',
         'SELECT id, source_id, ts, if(dur', 'SELECT bitAnd(afam, 3) AS fam, src,',
         'SELECT bitShiftRight(bitAnd(afam, 12), 2) AS fam')
TR = re.compile(r'ClickHouse request: +([0-9.]+) ms wall +([0-9.]+) ms cpu +([0-9]+) rows'
                r' +[0-9]+ bytes sent +([0-9]+) bytes in  (.*)$')
def hunt():
    p = subprocess.run([bin, 'hunt', url + '/model', '--json'], stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, env=dict(os.environ, ASHIATO_CH_STATS='3'))
    if p.returncode:
        sys.exit('hunt failed: ' + p.stderr.decode()[-400:])
    reqs = []
    for l in p.stderr.decode().splitlines():
        m = TR.search(l)
        if m and m.group(5).startswith(MODEL):
            reqs.append(dict(ash=float(m.group(2)) / 1000, rows=int(m.group(3)),
                             bytes=int(m.group(4)), sql=m.group(5)))
    if not reqs:
        sys.exit("hunt: no flow-model request in the trace (the statements' starts changed?)")
    return dict(srv=sum(r['ash'] for r in reqs), reqs=reqs)  # ashiato's CPU, named srv for least()
hm = least(hunt)
mem = int(sql("SELECT value FROM system.settings WHERE name = 'max_memory_usage'"))
spill = max(mem // 2, 256 << 20)
def replay(q):
    def one():
        s0 = srv(); t0 = time.time()
        r = urllib.request.urlopen(urllib.request.Request(
            f'http://{host}/?wait_end_of_query=1&max_bytes_before_external_sort={spill}'
            f'&max_bytes_before_external_group_by={spill}', data=q.encode()))
        r.read()
        return dict(wall=time.time() - t0, srv=srv() - s0)
    return least(one)
hsrv = hwall = 0.0
for r in hm['reqs']:
    x = replay(r['sql'])
    hsrv += x['srv']
    hwall += x['wall']
hash_ = hm['srv']
hbytes = sum(r['bytes'] for r in hm['reqs'])
hrows = sum(r['rows'] for r in hm['reqs'])
print(f"records {recs:,} (flows {nflows:,}); each figure the least of 3 runs")
print(f"MEASURED ingest: wall {ing['wall']:.1f} s, ashiato CPU {ing['ash']:.2f} s"
      f" ({ing['ash'] / recs * 1e6:.2f} us/record), server CPU {ing['srv']:.2f} s"
      f" ({ing['srv'] / recs * 1e6:.2f} us/record)")
print(f"MEASURED {'query':42} {'wall':>7} {'srv CPU':>8} {'us/flow':>8} {'rows':>9} {'bytes':>11}")
for label, r in res:
    print(f"MEASURED {label:42} {r['wall']:6.2f}s {r['srv']:7.2f}s {r['srv'] / nflows * 1e6:8.3f}"
          f" {r['rows']:9,} {r['bytes']:11,}")
print(f"MEASURED {'the hunt: its flow-model requests':42} {hwall:6.2f}s {hsrv:7.2f}s"
      f" {hsrv / nflows * 1e6:8.3f} {hrows:9,} {hbytes:11,}"
      f"  ({len(hm['reqs'])} requests, replayed; spill past {spill:,} bytes)")
print(f"MEASURED the hunt's C side of those requests (parse + flow model): {hash_:.2f} s CPU"
      f" ({hash_ / nflows * 1e6:.2f} us/flow)")
N = 1e10
fl = N * nflows / recs
print(f"COMPUTED for 10^10 records ({fl:.3g} flows), the server work over nodes x {cores} cores:")
for n in nodes:
    c = n * cores
    line = [f"{n:2d} nodes:", f"ingest servers {ing['srv'] / recs * N / c / 3600:.2f} h"]
    line.append(f"(one ingest client as today: {ing['ash'] / recs * N / 2 / 3600:.1f} h on 2 threads)")
    for label, r in res:
        if label.startswith('scan'):
            line.append(f"full pass: {r['srv'] / nflows * fl / c / 60:.1f} min server,"
                        f" {r['bytes'] / nflows * fl / 1e9:.0f} GB to the client")
    line.append(f"hunt as it runs: {hsrv / nflows * fl / c / 60:.1f} min server,"
                f" {hbytes / nflows * fl / 1e9:.0f} GB to the client"
                f" + {hash_ / nflows * fl / 3600:.2f} h of the client's one core")
    print('  '.join(line))
print("COMPUTED assumes: server work divides over the cores; pairs grow with flows as in this"
      " generated case (a year repeats its pairs, so what reaches the client is an upper"
      " bound); a spill to disk at 10^10 (the flow-model query groups every counted flow)"
      " is not in the figure")
PY
