#!/usr/bin/env bash
# Generation throughput of `ashiato gen`: flows/s and MB/s (per wall-clock
# second and per CPU second: the machine is shared) and peak RSS
# (/usr/bin/time -v), at about 10^6 and 10^7 flow records, and at 10^7 over
# ten times as many days, to show that memory depends on the activity of
# one simulated hour and not on the length of the case.
#
#   bench/bench_gen.sh [BINARY] [WORKDIR]
#
# BINARY defaults to build/ashiato; build it as Release for figures:
#   cmake -S . -B build-rel -DCMAKE_BUILD_TYPE=Release && cmake --build build-rel -j2
# WORKDIR needs about 9 GB free (each case is deleted after its run).
set -euo pipefail
bin=${1:-build/ashiato}
work=${2:-/tmp/ashiato-bench-gen}
mkdir -p "$work"
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time (Debian package 'time')" >&2; exit 1; }

run() { # label days flows_per_day
  local label=$1 days=$2 per_day=$3 d=$work/case
  rm -rf "$d"
  /usr/bin/time -v -o "$work/time.txt" "$bin" gen --out "$d" --seed 1 --users 400 --servers 20 \
    --days "$days" --flows-per-day "$per_day" -q
  python3 - "$label" "$d/answer.json" "$work/time.txt" <<'PY'
import json, re, sys
label, ans, tfile = sys.argv[1:]
st = json.load(open(ans))['stats']
t = open(tfile).read()
def field(name):
    return re.search(re.escape(name) + r':\s*(\S+)', t).group(1)
wall = field('Elapsed (wall clock) time (h:mm:ss or m:ss)')
parts = [float(p) for p in wall.split(':')]
secs = sum(p * 60 ** i for i, p in enumerate(reversed(parts)))
cpu = float(field('User time (seconds)')) + float(field('System time (seconds)'))
rss = int(field('Maximum resident set size (kbytes)'))
mb = st['log_bytes'] / 1e6
print(f"{label}: {st['flows']:,} flows ({st['firewall_records']:,} firewall records, "
      f"{st['windows_records']:,} Windows events), {mb:,.0f} MB of logs")
print(f"  wall {secs:.1f} s: {st['flows'] / secs:,.0f} flows/s, {mb / secs:,.0f} MB/s")
print(f"  CPU  {cpu:.1f} s: {st['flows'] / cpu:,.0f} flows/s, {mb / cpu:,.0f} MB/s")
print(f"  peak RSS {rss / 1024:,.0f} MB")
PY
  rm -rf "$d"
}

echo "== ashiato gen, 400 users, 20 servers (load: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores)"
run "1e6 flows, 30 days" 30 33334
run "1e7 flows, 30 days" 30 333334
run "1e7 flows, 300 days" 300 33334
