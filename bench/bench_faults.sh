#!/usr/bin/env bash
# bench/bench_faults.sh: ingest under faults, and whether the case ends up
# equal to a clean ingest of the same evidence.
#
#   bench/bench_faults.sh [--bin BIN] [--work DIR] [--runs N] [--kill-runs N]
#                         [--seed S] [--scenarios LIST]
#
# The evidence: a generated case (FortiGate and Windows JSON, a file a day
# and host) and beside it, in logs/mixed/, the other formats and shapes an
# ingest meets: PAN-OS, ASA, Zeek TSV and JSON, Squid, IIS and EVTX samples
# (tests/golden, records the parsers reject among them), a FortiGate log
# with garbage lines, a gzip file and a zip of Windows JSON, Windows
# Firewall and DNS debug logs (members as sources).
#
# Scenarios (LIST is comma-separated; default all):
#   disk-full  the case on a tmpfs too small for it (root only: mount): the
#              ingest must fail cleanly, every source it announced must be in
#              the case, no event may point to a missing source; after the
#              filesystem is enlarged the same command must complete the case
#   kill9      kill -9 at a random moment, then the same command again;
#              --kill-runs runs (default --runs), their moments spread over
#              the clean ingest's duration (run i in the i-th slice of it,
#              at a random point of the slice: --seed S, printed, makes the
#              moments the same again)
#   shrink     an evidence file truncated while it is ingested: no crash, the
#              other files complete
#   alloc      the Nth allocation fails (tests/alloc's harness, beside the
#              binary's build tree): a clean error or the clean result, and
#              a consistent case, for N over a range
# Each run is compared with a clean ingest of the same files: every source
# as `sources --json` lists it (state, read, parsed, rejected, events,
# times), the rows of every table (none left by a killed run, none stored
# twice), and a digest of every event (source path, offset or record,
# time, kind, host, user). The table says per scenario how many runs ended
# equal.
# Exit status 1 when any run did not. Small transactions
# (ASHIATO_TXN_ROWS) make the faults land between and inside commits.
set -uo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
bin="$here/build/ashiato"
work=""
runs=5
kill_runs=
seed=$(( $(date +%s) % 32768 ))
scenarios="disk-full,kill9,shrink,alloc"
while [ $# -gt 0 ]; do
  case "$1" in
  --bin) bin=$2; shift 2 ;;
  --work) work=$2; shift 2 ;;
  --runs) runs=$2; shift 2 ;;
  --kill-runs) kill_runs=$2; shift 2 ;;
  --seed) seed=$2; shift 2 ;;
  --scenarios) scenarios=$2; shift 2 ;;
  -h | --help) sed -n '2,39p' "$0"; exit 0 ;;
  *) echo "bench_faults: unknown option $1" >&2; exit 2 ;;
  esac
done
[ -x "$bin" ] || { echo "bench_faults: no binary at $bin (scripts/setup builds it)" >&2; exit 2; }
command -v sqlite3 >/dev/null || { echo "bench_faults: needs the sqlite3 CLI (scripts/setup)" >&2; exit 2; }
if [ -z "$work" ]; then work=$(mktemp -d /tmp/ashiato-faults.XXXXXX); fi
mkdir -p "$work"
mnt="$work/mnt"
cleanup() {
  if mountpoint -q "$mnt" 2>/dev/null; then umount "$mnt"; fi
}
trap cleanup EXIT

export ASHIATO_TXN_ROWS=${ASHIATO_TXN_ROWS:-3000}
ev="$work/evidence"
if [ ! -d "$ev/logs" ]; then
  rm -rf "$ev"
  "$bin" gen --out "$ev" --seed 11 --days 20 --users 20 --servers 5 --flows-per-day 1500 -q ||
    { echo "bench_faults: gen failed" >&2; exit 1; }
fi
logs="$ev/logs"
mixed="$logs/mixed"
if [ ! -d "$mixed" ]; then
  g="$here/tests/golden"
  mkdir -p "$mixed.tmp"
  cp "$g/panos/mixed.log" "$g/asa/sessions.log" "$g/zeek/conn.log" "$g/zeek-json/conn.jsonl" \
    "$g/squid/access.log" "$g/w3c/iis.log" "$g"/evtx/*.evtx "$mixed.tmp/" ||
    { echo "bench_faults: no golden inputs under $g" >&2; exit 1; }
  fg=$(find "$logs" -type f -name 'fortigate-*.log' | sort | head -2)
  [ -n "$fg" ] || { echo "bench_faults: no FortiGate day in $logs" >&2; exit 1; }
  set -- $fg
  # garbage between records: rejections, counted and kept
  { head -300 "$1"; echo 'garbage line one'; echo 'date=2025-13-45 time=xx nonsense'; tail -300 "$1"; } \
    >"$mixed.tmp/fortigate-with-junk.log"
  # content no other file has, nor starts with (a prefix would make it a
  # continuation): the day's last records, and the zip's own samples
  tail -2000 "$2" | gzip -c >"$mixed.tmp/fortigate-day-end.log.gz"
  python3 - "$mixed.tmp/windows.zip" "$g"/winjson/*.log "$g/winfw/pfirewall.log" \
    "$g/dnsdebug/dns.log" <<'PY' || exit 1
import os, sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
    for n in sys.argv[2:]:
        z.write(n, os.path.basename(os.path.dirname(n)) + "/" + os.path.basename(n))
PY
  mv "$mixed.tmp" "$mixed"
fi

# The case's content, independent of ids and of the order sources went in.
# Read from the tables under the events view (store.h): the view's
# attributes need ashiato's SQL function ash_attrs, which the sqlite3 CLI
# does not have.
ROWS="SELECT source_id, ref, ts, kind, host, user FROM events_wide UNION ALL
  SELECT f.source_id, f.ref, f.ts, CASE WHEN f.flags & 4 THEN 'net.deny' ELSE 'net.flow' END,
  (SELECT s FROM dict WHERE id = f.host), (SELECT s FROM dict WHERE id = f.user) FROM flows f"
digest() {
  sqlite3 "$1" "SELECT path, read, parsed, rejected, events FROM sources WHERE complete=1 ORDER BY path;
    SELECT s.path, e.ref, e.ts, e.kind, coalesce(e.host,''), coalesce(e.user,'')
      FROM ($ROWS) e JOIN sources s ON s.id = e.source_id WHERE s.complete = 1
      ORDER BY s.path, e.ref, e.ts, e.kind;" | sha256sum | cut -c1-16
}
# Every source as `sources --json` lists it, without what may differ
# between two ingests of the same evidence (nothing here does today, but
# ids and the order of parallel sources are no part of the case).
sources_of() {
  "$bin" sources "$1" --json | python3 -c '
import json, sys
keep = ("path", "format", "size", "sha256", "read", "parsed", "rejected", "events", "complete",
        "state", "first_ts", "last_ts", "skip_reason")
rows = [json.loads(l) for l in sys.stdin if l.strip()]
for r in sorted(rows, key=lambda r: (r.get("path", ""), r.get("sha256", ""))):
    print(json.dumps({k: r.get(k) for k in keep}, sort_keys=True))'
}
# The rows of every table, and how many of them repeat an event (same
# source path, offset or record, kind, time): a killed run must leave
# none behind and the re-run store none twice.
rows_of() {
  sqlite3 "$1" "SELECT 'events', (SELECT count(*) FROM events_wide) + (SELECT count(*) FROM flows);
    SELECT 'rejects', count(*) FROM rejects; SELECT 'sources', count(*) FROM sources;
    SELECT 'repeats', count(*) - count(DISTINCT s.path || '|' || e.ref || '|' || e.kind || '|' ||
      coalesce(e.ts, '')) FROM ($ROWS) e JOIN sources s ON s.id = e.source_id;"
}
# Everything the comparison looks at, one line per difference ("" when equal).
differs() { # case
  local a b
  [ "$(digest "$1")" = "$ref" ] || echo "events differ from a clean ingest"
  a=$(sources_of "$1") || { echo "sources --json failed"; return; }
  b=$(diff <(printf '%s\n' "$ref_sources") <(printf '%s\n' "$a") | grep '^[<>]' | head -4)
  [ -z "$b" ] || echo "sources differ (< clean, > this run): $b"
  a=$(rows_of "$1")
  [ "$a" = "$ref_rows" ] || echo "rows differ: clean $(echo $ref_rows) / this run $(echo $a)"
}

# Invariants that must hold after any failure: no event or reject without
# its source, and every source the ingest announced (--json) is complete.
consistent() { # case json
  local orphans claimed missing
  # killed before the case had its first commit: an empty file (or none),
  # which is consistent when nothing was announced
  if [ ! -s "$1" ] || ! sqlite3 "$1" "SELECT 1 FROM meta" >/dev/null 2>&1; then
    if [ -s "$2" ]; then echo "sources announced but the case is empty"; return 1; fi
    return 0
  fi
  orphans=$(sqlite3 "$1" "SELECT (SELECT count(*) FROM events_wide WHERE source_id NOT IN (SELECT id FROM sources))
    + (SELECT count(*) FROM flows WHERE source_id NOT IN (SELECT id FROM sources))

    + (SELECT count(*) FROM rejects WHERE source_id NOT IN (SELECT id FROM sources));" 2>/dev/null || echo x)
  [ "$orphans" = 0 ] || { echo "orphan rows: $orphans"; return 1; }
  claimed=$(python3 -c 'import json,sys; [print(json.loads(l)["path"]) for l in open(sys.argv[1]) if l.strip()]' "$2" | sort -u)
  [ -z "$claimed" ] && return 0
  missing=$(comm -23 <(printf '%s\n' "$claimed") <(sqlite3 "$1" "SELECT path FROM sources WHERE complete=1" | sort -u) | head -3)
  [ -z "$missing" ] || { echo "announced but not stored: $missing"; return 1; }
  return 0
}

rm -f "$work/clean.db"
t0=$(date +%s%N)
"$bin" ingest "$work/clean.db" "$logs" >/dev/null 2>&1 || { echo "bench_faults: clean ingest failed" >&2; exit 1; }
clean_ms=$((($(date +%s%N) - t0) / 1000000))
ref=$(digest "$work/clean.db")
ref_sources=$(sources_of "$work/clean.db")
ref_rows=$(rows_of "$work/clean.db")
case_bytes=$(stat -c %s "$work/clean.db")
nfiles=$(find "$logs" -type f | wc -l)
echo "evidence: $nfiles files, clean case $((case_bytes / 1048576)) MiB, digest $ref, ASHIATO_TXN_ROWS=$ASHIATO_TXN_ROWS, clean ingest ${clean_ms} ms, seed $seed"
RANDOM=$seed

declare -A ok total
fail_any=0
note() { # scenario run equal detail
  total[$1]=$((${total[$1]:-0} + 1))
  if [ "$3" = yes ]; then ok[$1]=$((${ok[$1]:-0} + 1)); else fail_any=1; echo "  $1 run $2: $4" >&2; fi
}

has() { case ",$scenarios," in *",$1,"*) return 0 ;; *) return 1 ;; esac; }

if has disk-full; then
  if [ "$(id -u)" != 0 ]; then
    echo "disk-full: skipped (needs root to mount a tmpfs)"
  else
    mkdir -p "$mnt"
    for i in $(seq 1 "$runs"); do
      # sizes spread over the case: full before the first commit, between
      # commits, near the end
      kb=$((case_bytes / 1024 * i / (runs + 1) + 256))
      cleanup
      mount -t tmpfs -o size=${kb}k tmpfs "$mnt" || { note disk-full "$i" no "mount failed"; continue; }
      "$bin" ingest "$mnt/case.db" "$logs" --json >"$work/df.json" 2>"$work/df.err"
      rc=$?
      detail=""
      if [ $rc -ne 1 ] && [ $rc -ne 0 ]; then detail="rc $rc"; fi
      [ -z "$detail" ] && detail=$(consistent "$mnt/case.db" "$work/df.json")
      if [ -z "$detail" ]; then
        mount -o remount,size=$((case_bytes / 1024 * 3 + 4096))k "$mnt"
        "$bin" ingest "$mnt/case.db" "$logs" >/dev/null 2>"$work/df2.err" || detail="re-run failed: $(tail -1 "$work/df2.err")"
        [ -z "$detail" ] && detail=$(differs "$mnt/case.db")
      fi
      [ -z "$detail" ] && note disk-full "$i" yes || note disk-full "$i" no "$detail (tmpfs ${kb} KiB, first rc $rc)"
    done
    cleanup
  fi
fi

if has kill9; then
  kr=${kill_runs:-$runs}
  nkilled=0
  for i in $(seq 1 "$kr"); do
    db="$work/k9.db"
    rm -f "$db" "$db-journal"
    # run i dies in the i-th of kr slices of a clean ingest's time, at a
    # random point of it: together the runs cover the whole ingest, from
    # before the first commit to the last file
    at_ms=$((clean_ms * (i - 1) / kr + RANDOM % (clean_ms / kr + 1)))
    "$bin" ingest "$db" "$logs" --json >"$work/k9.json" 2>/dev/null &
    pid=$!
    sleep "$((at_ms / 1000)).$(printf '%03d' $((at_ms % 1000)))"
    kill -9 $pid 2>/dev/null
    # the status says whether the kill landed inside the ingest (kill
    # succeeds on a process that has exited but is not yet waited for)
    wait $pid 2>/dev/null
    if [ $? -eq 137 ]; then
      killed="killed at ${at_ms} ms"
      nkilled=$((nkilled + 1))
    else
      killed="ended before ${at_ms} ms"
      # the clean ingest was timed on a busier machine than this run had
      # (a shared machine's load moves it by 2x): the later runs' moments
      # are spread over the time this one took at most, or they would all
      # land after the end
      [ "$at_ms" -gt 0 ] && [ "$at_ms" -lt "$clean_ms" ] && clean_ms=$at_ms
    fi
    detail=$(consistent "$db" "$work/k9.json")
    if [ -z "$detail" ]; then
      "$bin" ingest "$db" "$logs" >/dev/null 2>"$work/k9.err" || detail="re-run failed: $(tail -1 "$work/k9.err")"
      [ -z "$detail" ] && detail=$(differs "$db")
    fi
    [ -z "$detail" ] && note kill9 "$i" yes || note kill9 "$i" no "$detail ($killed)"
    echo "  kill9 run $i: $killed, then re-run: ${detail:-equal to a clean ingest}"
  done
  echo "kill9: $nkilled of $kr runs killed inside the ingest (seed $seed)"
fi

if has shrink; then
  # one large text log next to the others, cut to a third of its size from
  # another process while the ingest reads it (copytruncate rotation, a
  # network share going away): the ingest must not die of SIGBUS, and the
  # other files must come out as in a clean ingest
  fw=$(find "$logs" -type f -path '*firewall*' | sort | head -20)
  for i in $(seq 1 "$runs"); do
    rm -rf "$work/shrink" && cp -r "$logs" "$work/shrink"
    big="$work/shrink/zz-big.log"
    for _ in $(seq 1 12); do cat $fw; done >"$big"
    db="$work/sh.db"
    rm -f "$db"
    "$bin" ingest "$db" "$work/shrink" --threads 1 >/dev/null 2>"$work/sh.err" &
    pid=$!
    # wait until the ingest is inside the big file (the others come first)
    for _ in $(seq 1 200); do
      grep -q zz-big "/proc/$pid/maps" 2>/dev/null && break
      sleep 0.01
    done
    sleep "0.0$((RANDOM % 9))"
    truncate -s $(($(stat -c %s "$big") / 3)) "$big"
    wait $pid
    rc=$?
    detail=""
    [ $rc -eq 0 ] || [ $rc -eq 1 ] || detail="rc $rc ($(tail -1 "$work/sh.err"))"
    if [ -z "$detail" ]; then
      a=$(sqlite3 "$db" "SELECT path, events FROM sources WHERE complete=1 AND path NOT LIKE '%zz-big.log' ORDER BY path" | sed "s|$work/shrink|L|" | sha256sum)
      b=$(sqlite3 "$work/clean.db" "SELECT path, events FROM sources WHERE complete=1 ORDER BY path" | sed "s|$logs|L|" | sha256sum)
      [ "$a" = "$b" ] || detail="the other files differ from a clean ingest"
    fi
    [ -z "$detail" ] && note shrink "$i" yes || note shrink "$i" no "$detail"
  done
  rm -rf "$work/shrink"
fi

if has alloc; then
  # the allocation-failure harness (tests/alloc, built with the test tree:
  # the project's allocations wrapped with -Wl,--wrap): it ingests and hunts
  # a small mixed folder failing the Nth allocation, and checks each run
  # ends in ASH_ENOMEM or the clean result, the case consistent
  af="${ALLOC_FAIL:-$(dirname "$bin")/tests/alloc_fail}"
  if [ -x "$af" ]; then
    mkdir -p "$work/alloc"
    for i in $(seq 1 "$runs"); do
      if ASH_ALLOC_RUNS=$((40 + i * 20)) "$af" "$here/tests" "$work/alloc" >"$work/al.out" 2>&1; then
        note alloc "$i" yes
      else
        note alloc "$i" no "$(tail -3 "$work/al.out" | tr '\n' ' ')"
      fi
    done
  else
    echo "alloc: skipped (no $af: build the tests, e.g. scripts/test, or set ALLOC_FAIL)"
  fi
fi

printf '\n%-10s %5s  %s\n' scenario runs "final case equal to a clean ingest"
for s in disk-full kill9 shrink alloc; do
  [ -n "${total[$s]:-}" ] || continue
  t=${total[$s]}
  o=${ok[$s]:-0}
  printf '%-10s %5d  %s (%d of %d)\n' "$s" "$t" "$([ "$o" = "$t" ] && echo yes || echo no)" "$o" "$t"
done
exit $fail_any
