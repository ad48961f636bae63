#!/usr/bin/env bash
# Hunt quality and speed on generated cases.
#
#   bench/bench_hunt.sh [--build DIR] [--seeds N] [--firewall F] [--big FLOWS] [--work DIR]
#
# 1. Precision and recall over N generator seeds (default 20): each seed is
#    generated (Sysmon on odd seeds), ingested and hunted; a finding at high
#    severity or above is a positive, true when it proves an embedded fact
#    (the linked account and detecting host, the tunnel host and relay, the
#    loopback RDP host; tests/e2e/hunt_check.py). Also counts the seeds where
#    the embedded account / tunnel is the first finding of its hunt, and
#    benign long-lived cloud sessions reported high.
# 2. With --big FLOWS (e.g. 10000000): one case of about that many flow
#    records, and the time and peak memory of each hunt and of all of them.
#    Needs about 1.6 KB of disk per flow (logs + case); the case is deleted
#    afterwards unless KEEP=1.
# Use a Release build (cmake -DCMAKE_BUILD_TYPE=Release); default build/.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
build=$root/build
seeds=20
big=0
fw=fortigate
work=${TMPDIR:-/tmp}/ashiato-bench-hunt
while [ $# -gt 0 ]; do
  case $1 in
  --build) build=$2; shift 2 ;;
  --seeds) seeds=$2; shift 2 ;;
  --big) big=$2; shift 2 ;;
  --firewall) fw=$2; shift 2 ;;
  --work) work=$2; shift 2 ;;
  *) echo "usage: $0 [--build DIR] [--seeds N] [--firewall F] [--big FLOWS] [--work DIR]" >&2; exit 2 ;;
  esac
done
bin=$build/ashiato
check=$root/tests/e2e/hunt_check.py
[ -x "$bin" ] || { echo "no $bin: build first" >&2; exit 1; }
mkdir -p "$work"

if [ "$seeds" -gt 0 ]; then
  echo "== precision/recall over $seeds seeds ($fw, users 50, servers 9, 60 days, 2000 flows/day)"
  : >"$work/results.jsonl"
  for seed in $(seq 1 "$seeds"); do
    d=$work/s$seed
    rm -rf "$d" "$d.db" "$d.db-wal" "$d.db-shm"
    sysmon=()
    [ $((seed % 2)) -eq 1 ] && sysmon=(--sysmon)
    "$bin" gen --out "$d" --seed "$seed" --firewall "$fw" --users 50 --servers 9 --days 60 \
      --flows-per-day 2000 "${sysmon[@]}" -q
    "$bin" ingest "$d.db" "$d/logs" >/dev/null 2>&1
    start=$(date +%s%N)
    "$bin" hunt "$d.db" --json >"$d.jsonl"
    end=$(date +%s%N)
    ms=$(((end - start) / 1000000))
    r=$(python3 "$check" "$d/answer.json" "$d.jsonl")
    echo "{\"seed\":$seed,\"sysmon\":${#sysmon[@]},\"hunt_ms\":$ms,\"r\":$r}" \
      >>"$work/results.jsonl"
    echo "seed $seed: $r" | cut -c1-220
    rm -rf "$d" "$d.db" "$d.db-wal" "$d.db-shm"
  done
  python3 - "$work/results.jsonl" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
tp = sum(r["r"]["tp"] for r in rows)
fp = sum(r["r"]["fp"] for r in rows)
fn = sum(r["r"]["fn"] for r in rows)
n = len(rows)
first = {k: sum(1 for r in rows if r["r"]["first_in_hunt_correct"][k]) for k in ("link", "tunnel", "loopback")}
benign = sum(len(r["r"]["benign_high"]) for r in rows)
prec = tp / (tp + fp) if tp + fp else 0
# recall over the embedded facts (link, tunnel, loopback per seed), not
# over true findings: a case can hold many true findings (lolbin's per host)
exp = sum(len(r["r"]["expected"]) for r in rows)
rec = (exp - fn) / exp if exp else 0
print(f"seeds {n}: precision {prec:.3f} ({tp} true / {tp + fp} high-or-critical findings), "
      f"recall {rec:.3f} ({exp - fn} of {exp} embedded facts)")
print(f"first finding of its hunt correct: past-incident-link {first['link']}/{n}, "
      f"cloud-tunnel {first['tunnel']}/{n}, loopback-rdp {first['loopback']}/{n}")
print(f"benign long-lived cloud sessions reported high: {benign}")
print("mean hunt time per case: %.2f s" % (sum(r["hunt_ms"] for r in rows) / n / 1000))
print(json.dumps({"seeds": n, "precision": round(prec, 4), "recall": round(rec, 4), "tp": tp,
                  "fp": fp, "fn": fn, "first": first, "benign_high": benign}))
PY
fi

if [ "$big" -gt 0 ]; then
  days=100
  per_day=$((big / days))
  d=$work/big
  rm -rf "$d" "$d.db" "$d.db-wal" "$d.db-shm"
  echo "== one case of ~$big flows ($days days x $per_day flows/day, 400 users, 20 servers)"
  /usr/bin/time -f "gen: %e s, %M KB peak" "$bin" gen --out "$d" --seed 7 --firewall "$fw" --users 400 \
    --servers 20 --days $days --flows-per-day $per_day --sysmon -q
  /usr/bin/time -f "ingest: %e s, %M KB peak" "$bin" ingest "$d.db" "$d/logs" >/dev/null
  flows=$(sqlite3 "$d.db" "select count(*) from events where kind='net.flow'")
  events=$(sqlite3 "$d.db" "select count(*) from events")
  echo "case: $flows flow records, $events events, $(du -h "$d.db" | cut -f1) on disk"
  # the first hunt of a case also builds the flows' covering index
  /usr/bin/time -f "first hunt (all, builds the flow index): %e s wall, %U s user, %S s sys, %M KB peak" \
    "$bin" hunt "$d.db" --json >"$d.first.jsonl"
  for h in cloud-tunnel beacon loopback-rdp past-incident-link; do
    /usr/bin/time -f "hunt $h: %e s wall, %U s user, %S s sys, %M KB peak" \
      "$bin" hunt "$d.db" --hunt "$h" --json >"$d.$h.jsonl"
  done
  /usr/bin/time -f "hunt (all, again): %e s wall, %U s user, %S s sys, %M KB peak" \
    "$bin" hunt "$d.db" --json >"$d.jsonl"
  python3 "$check" "$d/answer.json" "$d.jsonl"
  [ "${KEEP:-0}" = 1 ] || rm -rf "$d" "$d.db" "$d.db-wal" "$d.db-shm" "$d".*.jsonl
fi
