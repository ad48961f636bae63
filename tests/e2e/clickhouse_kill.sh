#!/usr/bin/env bash
# e2e.clickhouse_kill: ingests into ClickHouse killed with -9 at moments
# spread over the ingest, then the same command once more: the case reads
# as the SQLite case of the same evidence (sources, kinds, events, rejects)
# and hunts to the same findings (issue 16). A killed run's sources stay
# incomplete and unread; the next run deletes their rows and writes them
# again.
BIN=$1
WORK=$2
# shellcheck source=tests/e2e/clickhouse_lib.inc
. "$(dirname "$0")/clickhouse_lib.inc"
ch_drop e2e_kill e2e_kill_timed
ch_evidence
# ---- kill -9 mid-ingest, then the same command again
# A clean ingest's time first: each killed run carries on from the last,
# so kills at 15% of that time each fall at about 15%, 30%, 45% and 60%
# of the ingest (fixed moments of 0.6-3 s missed on a quiet machine,
# where the whole ingest took about 1.2 s)
t0=$(date +%s%N)
ASHIATO_CH_BATCH_ROWS=300 "$BIN" ingest "$ASH_CH_URL1/e2e_kill_timed" "$logs" >/dev/null 2>&1 ||
  fail "the timed clean ingest failed"
clean_ms=$((($(date +%s%N) - t0) / 1000000))
ch_drop e2e_kill_timed
delay=$(awk -v ms="$clean_ms" 'BEGIN { printf "%.3f", ms * 0.15 / 1000 }')
UK=$ASH_CH_URL1/e2e_kill
landed=0
for run in 1 2 3 4; do
  set +e
  ASHIATO_CH_BATCH_ROWS=300 "$BIN" ingest "$UK" "$logs" >/dev/null 2>&1 &
  pid=$!
  sleep "$delay"
  kill -9 "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  rc=$?
  set -e
  if [ "$rc" = 137 ]; then landed=$((landed + 1)); fi
  # a source's row is stored before any row of its own (the rows of the
  # sources wait in a queue, written before each insert of rows): a kill
  # leaves no row that no source row names, which the next run could not
  # find to delete
  for t in flows events rejects; do
    n=$(q "$H1" "SELECT count() FROM e2e_kill.$t WHERE source_id NOT IN (SELECT id FROM e2e_kill.sources)" 2>/dev/null || echo 0)
    eq "$n" 0 "rows of $t without a source row after kill $run (at ${delay}s)"
  done
done
[ "$landed" -ge 2 ] || fail "only $landed of 4 kills (${delay}s into each run; a clean ingest took ${clean_ms} ms) landed inside the ingest"
open=$("$BIN" ch status "$UK" | sed -n 's/^sources: [0-9]* complete, \([0-9]*\) incomplete$/\1/p')
# the last kill left sources under way: the re-run must clear their rows
[ "${open:-0}" -ge 1 ] || fail "the kills left no incomplete source to redo"
"$BIN" ingest "$UK" "$logs" >/dev/null 2>"$WORK/ingk.err" || fail "ingest after the kills: $(tail -3 "$WORK/ingk.err")"
compare "$UK" "after $landed kills ($open sources left incomplete)"
"$BIN" hunt "$WORK/ref.db" --json >"$WORK/hunt.ref"
"$BIN" hunt "$UK" --json >"$WORK/hunt.ch" 2>"$WORK/hunt.ch.err" || fail "hunt after the kills: $(tail -2 "$WORK/hunt.ch.err")"
cmp -s "$WORK/hunt.ref" "$WORK/hunt.ch" || fail "hunt after the kills differs from SQLite"
echo "ok: $landed kills -9 ($open sources left incomplete, then re-run) read and hunt as the SQLite case"
