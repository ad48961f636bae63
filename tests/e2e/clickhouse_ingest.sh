#!/usr/bin/env bash
# e2e.clickhouse_ingest: `ashiato ingest clickhouse://...` (issue 16). The
# same evidence ingested into an SQLite case and into ClickHouse gives the
# same `sources` (--json, --rejects), `kinds` and `events` (--json with
# filters, --raw), byte for byte, on one server (where ingest creates the
# database) and on two shards made by `ch init --shards` (found from the
# URL alone); a second ingest stores nothing twice; a server that is down
# or a case that is not there is an error, and a reader creates nothing
# (watch: e2e.watch_clickhouse). The evidence and the
# comparison: tests/e2e/clickhouse_lib.inc.
BIN=$1
WORK=$2
# shellcheck source=tests/e2e/clickhouse_lib.inc
. "$(dirname "$0")/clickhouse_lib.inc"
ch_drop e2e_ing1 e2e_ing2 e2e_ing3 e2e_ing4
ch_evidence
# an input that cannot be read: a row of its own, with why (ingested again,
# its row is written again, at the end: the SQLite case gets the same runs)
ln -s "$WORK/not-yet.log" "$logs/mixed/dangling.log"
rm -f "$WORK/ref.db"
"$BIN" ingest "$WORK/ref.db" "$logs" >/dev/null 2>&1

# ---- one server: ingest creates the database
U1=$ASH_CH_URL1/e2e_ing1
ASHIATO_CH_STATS=1 "$BIN" ingest "$U1" "$logs" >/dev/null 2>"$WORK/ing1.err" || fail "ingest into $U1: $(tail -3 "$WORK/ing1.err")"
compare "$U1" "one server"
# the sources' rows and lookups take a few requests, not two per input
# (a source's begin row waits for the next insert; the sources are read
# once): the whole ingest makes fewer requests than there are inputs
nin=$(find "$logs" -type f | wc -l)
nreq=$(sed -n 's/^ashiato: ClickHouse requests: //p' "$WORK/ing1.err")
[ "${nreq:-999999}" -lt "$nin" ] || fail "ingest of $nin inputs made ${nreq:-?} requests"
# the same with the sources asked of the server past 5 of them (what an
# ingest does past 2^20 sources): the same case
U3=$ASH_CH_URL1/e2e_ing3
ASHIATO_CH_KNOWN_MAX=5 "$BIN" ingest "$U3" "$logs" >/dev/null 2>"$WORK/ing3.err" || fail "ingest into $U3: $(tail -3 "$WORK/ing3.err")"
compare "$U3" "one server, sources asked of the server"
# past the shapes' cap a flow keeps its attributes as JSON: with room for
# one shape, both forms in one case, read as SQLite reads the same
U4=$ASH_CH_URL1/e2e_ing4
ASHIATO_CH_SHAPES_MAX=1 "$BIN" ingest "$U4" "$logs" >/dev/null 2>"$WORK/ing4.err" || fail "ingest into $U4: $(tail -3 "$WORK/ing4.err")"
eq "$(q "$H1" "SELECT count() FROM e2e_ing4.shapes")" 1 "shapes with room for one"
[ "$(q "$H1" "SELECT countIf(shape = 0 AND attrs != '') > 0 AND countIf(shape != 0) > 0 FROM e2e_ing4.flows")" = 1 ] ||
  fail "the capped case does not hold flows of both forms"
compare "$U4" "one server, flows' attributes past the shapes' cap"
# (the parser reads ev\ as its domain; the tab and the quote are the user's)
"$BIN" events "$U1" --json --kind net.flow >"$WORK/flows.jsonl"
grep -qF '"user":"il\tx'"'"'y","domain":"ev"' "$WORK/flows.jsonl" || fail "the hostile user did not come back"
# a second ingest: everything already present, nothing stored twice
"$BIN" ingest "$U1" "$logs" 2>"$WORK/ing1b.err" >/dev/null
grep -q "^ingested 0 sources" "$WORK/ing1b.err" || fail "second ingest: $(tail -1 "$WORK/ing1b.err")"
ASHIATO_CH_KNOWN_MAX=5 "$BIN" ingest "$U3" "$logs" 2>"$WORK/ing3b.err" >/dev/null
grep -q "^ingested 0 sources" "$WORK/ing3b.err" || fail "second ingest, sources asked of the server: $(tail -1 "$WORK/ing3b.err")"
"$BIN" ingest "$WORK/ref.db" "$logs" >/dev/null 2>&1
compare "$U1" "one server, ingested twice"
grep -q '"state":"skipped"' "$WORK/a.1" || fail "the dangling link has no skipped row"
# the skipped input becomes readable: its skipped row is replaced by the
# source, in both stores
head -3 "$fg" | sed 's/srcport=/srcport=1/' >"$WORK/not-yet.log"
"$BIN" ingest "$WORK/ref.db" "$logs" >/dev/null 2>&1
"$BIN" ingest "$U1" "$logs" >/dev/null 2>&1
compare "$U1" "one server, a skipped input read"
ASHIATO_CH_KNOWN_MAX=5 "$BIN" ingest "$U3" "$logs" >/dev/null 2>&1
compare "$U3" "one server, a skipped input read, sources asked of the server"

set +e
"$BIN" events "clickhouse://127.0.0.1:1/x" 2>"$WORK/down.err"
eq $? 1 "a server that is down"
"$BIN" events "$ASH_CH_URL1/e2e_nosuch" 2>"$WORK/nosuch.err"
eq $? 1 "a database that is not there"
set -e
grep -q "connect" "$WORK/down.err" || fail "no connection error: $(cat "$WORK/down.err")"
grep -q "no case 'e2e_nosuch'" "$WORK/nosuch.err" || fail "missing case: $(cat "$WORK/nosuch.err")"
eq "$(q "$H1" "SELECT count() FROM system.databases WHERE name = 'e2e_nosuch'")" 0 "a reader created a database"

# ---- two shards: ch init --shards, then the URL alone
U2=$ASH_CH_URL1/e2e_ing2
"$BIN" ch init "$U2" --shards "$ASH_CH_SHARDS" --cluster "$ASH_CH_CLUSTER" >/dev/null
"$BIN" ingest "$U2" "$logs" >/dev/null 2>"$WORK/ing2.err" || fail "ingest into two shards: $(tail -3 "$WORK/ing2.err")"
for t in flows events; do
  n1=$(q "$H1" "SELECT count() FROM e2e_ing2.${t}_local")
  n2=$(q "$H2" "SELECT count() FROM e2e_ing2.${t}_local")
  [ "$n1" -gt 0 ] && [ "$n2" -gt 0 ] || fail "$t not spread over both shards ($n1, $n2)"
done
rm -f "$WORK/ref2.db"
"$BIN" ingest "$WORK/ref2.db" "$logs" >/dev/null 2>&1
REF=$WORK/ref2.db compare "$U2" "two shards"

echo "ok: one server and two shards read as the SQLite case"
