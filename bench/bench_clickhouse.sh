#!/usr/bin/env bash
# Insert rate of generated flow rows into ClickHouse (two local shards on
# this machine, tests/clickhouse/cluster.sh) and, in the same run, of the
# same rows into the SQLite case store (bench_store): records/s, and where
# the CPU went (ashiato vs the two servers, from /proc/PID/stat).
#
#   bench/bench_clickhouse.sh [ROWS] [WORKDIR]
#
# ROWS defaults to 2000000. The rows are bench/bench_store.c's (FortiGate
# traffic-shaped flows), written by the hidden `ashiato ch gen-flows` as
# one source into the flows_local table of the shard of each pair, in
# TabSeparated batches of up to 1M rows (64 MB), then marked complete:
# once as plain TSV (what the client sends to a loopback server) and once
# gzip-compressed (what it sends elsewhere). SQLite gets them through
# bench_store (with its attribute JSON: the store as it is today). Both
# generate their rows as they go; bench_store subtracts its generation
# time, gen-flows does not (its figure is the lower bound). On a shared
# machine, read the CPU figures: the wall clock measures the neighbours.
# Needs clickhouse-server (scripts/setup), ~1 GB per 10^6 rows of SQLite
# case in WORKDIR (deleted at the end), and servers ports 18223-18244.
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-2000000}
work=${2:-/tmp/ashiato-bench-ch}
mkdir -p "$work"
work=$(cd "$work" && pwd)
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_FLAGS_RELEASE="-O2 -DNDEBUG" >/dev/null
cmake --build build-bench -j2 --target ashiato bench_store >/dev/null
bin=$PWD/build-bench/ashiato

ch=$work/cluster
tests/clickhouse/cluster.sh start "$ch" 18223
trap 'tests/clickhouse/cluster.sh stop "$ch"; rm -f "$work/case.db" "$work/case.db-journal"' EXIT
# shellcheck disable=SC1091
. "$ch/env"
url=$ASH_CH_URL1/bench
S=(--shards "$ASH_CH_SHARDS" --cluster "$ASH_CH_CLUSTER")
for h in ${ASH_CH_SHARDS//,/ }; do
  curl -sS "http://$h/" --data-binary "DROP DATABASE IF EXISTS bench" >/dev/null
done
"$bin" ch init "$url" "${S[@]}" >/dev/null

# CPU seconds (user + system) of a process, from /proc/PID/stat fields 14, 15
cpu() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$1/stat"; }
p1=$(cat "$ch/s1/pid")
p2=$(cat "$ch/s2/pid")

run_ch() { # LABEL SOURCE [gen-flows options]: one insert of $rows rows as source SOURCE
  local label=$1 source=$2
  shift 2
  local a1 a2 b1 b2 c1 c2 t0 t1 n u s rss size
  a1=$(cpu "$p1")
  a2=$(cpu "$p2")
  t0=$(date +%s.%N)
  /usr/bin/time -f "%U %S %M" -o "$work/time.txt" \
    "$bin" ch gen-flows "$url" "${S[@]}" --rows "$rows" --source "$source" "$@" 2>"$work/gen.txt"
  t1=$(date +%s.%N)
  n=$(curl -sS "http://${ASH_CH_SHARDS%%,*}/" --data-binary \
    "SELECT count() FROM bench.flows WHERE source_id = $source")
  b1=$(cpu "$p1")
  b2=$(cpu "$p2")
  sleep 5 # the servers merge parts after the insert: count that work apart
  c1=$(cpu "$p1")
  c2=$(cpu "$p2")
  read -r u s rss <"$work/time.txt"
  size=$(for h in ${ASH_CH_SHARDS//,/ }; do
    curl -sS "http://$h/" --data-binary \
      "SELECT sum(bytes_on_disk) FROM system.parts WHERE database = 'bench' AND table = 'flows_local' AND active"
  done | awk '{ s += $1 } END { printf "%.1f", s / 1048576 }')
  sed 's/^/  /' "$work/gen.txt"
  python3 - "$label" "$rows" "$n" "$t0" "$t1" "$u" "$s" "$rss" "$a1" "$b1" "$c1" "$a2" "$b2" "$c2" "$size" <<'PY'
import sys
label = sys.argv[1]
rows, n = int(sys.argv[2]), int(sys.argv[3])
t0, t1, u, s = map(float, sys.argv[4:8])
rss = int(sys.argv[8])
a1, b1, c1, a2, b2, c2 = map(float, sys.argv[9:15])
size = float(sys.argv[15])
wall = t1 - t0
ash = u + s
srv = (b1 - a1) + (b2 - a2)
merge = (c1 - b1) + (c2 - b2)
assert n == rows, f"read back {n} of {rows} rows"
print(f"clickhouse {label}: {rows} rows  wall {wall:.2f} s  {rows / wall:.0f} rows/s"
      f"  (read back through Distributed: {n})")
print(f"  cpu: ashiato {ash:.2f} s, servers {srv:.2f} s during the insert"
      f" (+{merge:.2f} s merging in the 5 s after): {rows / (ash + srv):.0f} rows per cpu-s of both;"
      f" ashiato {100 * ash / (ash + srv):.0f}% / servers {100 * srv / (ash + srv):.0f}%")
print(f"  ashiato peak RSS {rss // 1024} MiB; flows on disk (both sources so far) {size} MiB")
PY
}
run_ch "2 shards, plain TSV (the loopback default)" 1
run_ch "2 shards, gzip TSV" 2 --gzip

# the same rows into SQLite, in the same run
# (bench_store's own cpu figure subtracts its generation time measured on
# the wall clock, which under load is more than the cpu it took: the
# whole process's user + sys, generation included as in gen-flows, is the
# figure to compare)
/usr/bin/time -f "%U %S %M" -o "$work/time.txt" \
  build-bench/bench/bench_store "$work/case.db" "$rows" | sed 's/^/sqlite /'
read -r u s rss <"$work/time.txt"
awk -v u="$u" -v s="$s" -v r="$rows" \
  'BEGIN { printf "  sqlite process cpu %.2f s (generation included): %.0f rows per cpu-s\n", u + s, r / (u + s) }'
ls -l "$work/case.db" | awk -v r="$rows" '{ printf "  sqlite case %.1f MiB (%.1f bytes/row)\n", $5 / 1048576, $5 / r }'
