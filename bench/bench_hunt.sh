#!/usr/bin/env bash
# Hunt quality and speed on generated cases.
#
#   bench/bench_hunt.sh [--build DIR] [--seeds N] [--benign N] [--fast] [--firewall F]
#                       [--work DIR] [--keep]
#
# 1. Precision, recall and first rank of each hunt over N generator seeds
#    (default 100), spread over the scenario families of issue 11: each seed
#    is generated with `--family past=M` (M cycles over 2..12 months and the
#    case is made just long enough for it; every other axis, VPN/firewall
#    format included, is drawn from the seed, recorded in answer.json),
#    Sysmon on odd seeds, then ingested and hunted. A finding at high
#    severity or above is a positive, true when it proves an embedded fact
#    (tests/e2e/hunt_check.py). Recall is over the three embedded facts of a
#    seed: the linked account and detecting host (past-incident-link), the
#    tunnel host and relay (cloud-tunnel), the loopback RDP host
#    (loopback-rdp); first rank: the first finding of that hunt is the fact.
#    A table per family axis value follows, and every miss with the hunt's
#    first finding instead.
# 2. False high/critical findings on B benign-only cases (default 20; `gen
#    --benign-only`, every decoy, 50-100 users, 8-12 months).
# (The hunts' time and memory on one big case, against the commit before
# the typed store: bench/bench_hunt_scale.sh.)
# --fast: small cases (30-50 users, 400 flows a day; benign cases 300 flows
# a day) to measure in minutes; the default sizes are 50-100 users and 2000
# (benign 1500) flows a day.
# Use a Release build (cmake -DCMAKE_BUILD_TYPE=Release); default build/.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
build=$root/build
seeds=100
benign=20
fast=0
fw=
keep=0
work=${TMPDIR:-/tmp}/ashiato-bench-hunt
while [ $# -gt 0 ]; do
  case $1 in
  --build) build=$2; shift 2 ;;
  --seeds) seeds=$2; shift 2 ;;
  --benign) benign=$2; shift 2 ;;
  --fast) fast=1; shift ;;
  --firewall) fw=$2; shift 2 ;;
  --work) work=$2; shift 2 ;;
  --keep) keep=1; shift ;;
  *) echo "usage: $0 [--build DIR] [--seeds N] [--benign N] [--fast] [--firewall F] [--work DIR] [--keep]" >&2; exit 2 ;;
  esac
done
bin=$build/ashiato
check=$root/tests/e2e/hunt_check.py
[ -x "$bin" ] || { echo "no $bin: build first" >&2; exit 1; }
mkdir -p "$work"
fwopt=()
[ -n "$fw" ] && fwopt=(--firewall "$fw")

one_case() { # dir seed kind(intrusion|benign) gen-options...
  local d=$1 seed=$2 kind=$3
  shift 3
  rm -rf "$d" "$d.db" "$d.db-wal" "$d.db-shm"
  "$bin" gen --out "$d" --seed "$seed" "$@" -q
  "$bin" ingest "$d.db" "$d/logs" >/dev/null 2>&1
  local start end
  start=$(date +%s%N)
  "$bin" hunt "$d.db" --json >"$d.jsonl"
  end=$(date +%s%N)
  local r
  r=$(python3 "$check" "$d/answer.json" "$d.jsonl")
  echo "{\"seed\":$seed,\"kind\":\"$kind\",\"hunt_ms\":$(((end - start) / 1000000)),\"r\":$r}" \
    >>"$work/results.jsonl"
  [ "$keep" = 1 ] || rm -rf "$d" "$d.db" "$d.db-wal" "$d.db-shm" "$d.jsonl"
}

: >"$work/results.jsonl"
if [ "$seeds" -gt 0 ]; then
  if [ "$fast" = 1 ]; then fpd=400; else fpd=2000; fi
  echo "== $seeds seeds over the families (--family past=M, the rest from the seed; $fpd flows/day)"
  for seed in $(seq 1 "$seeds"); do
    past=$((2 + (seed * 7) % 11))
    days=$(((past * 3044 + 99) / 100 + 14))
    if [ "$fast" = 1 ]; then users=$((30 + (seed * 13) % 21)); servers=$((7 + seed % 3)); else
      users=$((50 + (seed * 37) % 51)); servers=$((9 + seed % 4)); fi
    sysmon=()
    [ $((seed % 2)) -eq 1 ] && sysmon=(--sysmon)
    one_case "$work/s$seed" "$seed" intrusion --family "past=$past" "${fwopt[@]}" \
      --users "$users" --servers "$servers" --days "$days" --flows-per-day "$fpd" "${sysmon[@]}"
    tail -1 "$work/results.jsonl" | python3 -c '
import json, sys
r = json.loads(sys.stdin.read())
f = r["r"]["family"]
print("seed %d (%s): found %s, first %s, %d true / %d false high" % (r["seed"],
      ",".join(f"{k}={v}" for k, v in f.items() if k not in ("name", "past_days")),
      sorted(k for k in r["r"]["found_high"] if k in ("link", "tunnel", "loopback")),
      sorted(k for k, v in r["r"]["first_in_hunt_correct"].items() if v),
      r["r"]["tp"], r["r"]["fp"]))'
  done
fi
if [ "$benign" -gt 0 ]; then
  if [ "$fast" = 1 ]; then fpd=300; else fpd=1500; fi
  echo "== $benign benign-only cases (every decoy, 50-100 users, 8-12 months, $fpd flows/day)"
  for k in $(seq 1 "$benign"); do
    seed=$((1000 + k))
    users=$((50 + (k * 29) % 51))
    days=$((243 + (k * 41) % 123))
    sysmon=()
    [ $((k % 2)) -eq 1 ] && sysmon=(--sysmon)
    one_case "$work/b$k" "$seed" benign --benign-only "${fwopt[@]}" --users "$users" --servers 10 \
      --days "$days" --flows-per-day "$fpd" "${sysmon[@]}"
    tail -1 "$work/results.jsonl" | python3 -c '
import json, sys
r = json.loads(sys.stdin.read())
print("benign %d (%s, %s): %d false high/critical%s" % (r["seed"], r["r"]["family"].get("vpn"),
      r["r"]["family"].get("cloud"), r["r"]["fp"],
      "".join("\n    " + t for t in r["r"]["false_positives"])))'
  done
fi
if [ "$seeds" -gt 0 ] || [ "$benign" -gt 0 ]; then
  python3 "$here/bench_hunt_table.py" "$work/results.jsonl"
fi

