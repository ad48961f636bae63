#!/usr/bin/env bash
# e2e.clickhouse_hunt_model: the flow hunts' model (model_flows.c) that a
# ClickHouse case builds from what the servers send (the rows of heavy
# pairs, the pairs of short sessions summed: ash_flow_series) is the
# model SQLite's full pass builds, pair by pair and field by field
# (ASHIATO_HUNT_MODEL_DUMP), on one server and on two shards; and so are
# the findings. The evidence mixes the generator's four firewalls over the
# same organisation (the same pairs logged by FortiGate with interim
# records, PAN-OS, ASA with undirected bytes and Zeek, so that records of
# one pair tie in ts and differ in what ts means), the golden Zeek beacon
# (a series decimated to every second start) and pairs made for the edges:
# sessions across midnight, equal starts, and a pair whose starts lie more
# than ASH_FLOW_SERIES_DAYS days apart (read as rows).
BIN=$1
WORK=$2
# shellcheck source=tests/e2e/clickhouse_lib.inc
. "$(dirname "$0")/clickhouse_lib.inc"
ev=$WORK/ev
mkdir -p "$ev"
for fw in fortigate panos asa zeek; do
  "$BIN" gen --out "$ev/$fw" --seed 7 --days 20 --users 20 --servers 5 --flows-per-day 1500 \
    --firewall "$fw" --interim 120 -q
  # the firewall's logs only: the Windows events are the same in each
  find "$ev/$fw" -mindepth 1 -maxdepth 1 ! -name logs -exec rm -rf {} +
  rm -rf "$ev/$fw/logs/windows"
done
python3 - "$SRC/tests/golden/hunt/beacon_zeek.events.jsonl" "$ev/edges" <<'PY'
import json, os, sys
src, out = sys.argv[1], sys.argv[2]
os.makedirs(out)
lines = [json.loads(l)['line'] for l in open(src)]
head = [l for l in lines if l.startswith('#')]
rows = [l for l in lines if not l.startswith('#')]
def row(ts, uid, s, d, port, dur, ob, rb):
    return '\t'.join([f'{ts:.6f}', uid, s, '50000', d, str(port), 'tcp', 'ssl', dur, ob, rb, 'SF',
                      'T', 'F', '0', 'ShADadFf', '6', '100', '6', '100', '(empty)'])
t0 = 1740873600  # 2025-03-02T00:00:00Z
# every 15 minutes for four days, each session 5 to 9 minutes long: many
# across midnight; at each hour two sessions of the same start (ties)
for i in range(4 * 96):
    ts = t0 + i * 900 - 240
    dur = f'{300 + (i * 37) % 240}.000000'
    rows.append(row(ts, f'Cmid{i}', '10.1.20.77', '198.51.100.77', 443, dur, str(1000 + i), '2000'))
    if i % 4 == 0:
        rows.append(row(ts, f'Ctie{i}', '10.1.20.77', '198.51.100.77', 443, '1.000000', '7', '-'))
# the last end twice: from a later start, which is the later record in
# (ts, id) and the pair's last
ts, d = t0 + 383 * 900 - 240, 300 + (383 * 37) % 240
rows.insert(0, row(ts + 100, 'Cend', '10.1.20.77', '198.51.100.77', 443,
                    f'{d - 100}.000000', '5', '5'))
# starts a hundred and twenty years apart: rows, not summed
for i, ts in enumerate((100000000, 100000600, 3900000000, 3900000600, 3900001200)):
    rows.append(row(ts, f'Cfar{i}', '10.1.20.78', '198.51.100.78', 443, '10.000000', '10', '10'))
with open(f'{out}/conn.log', 'w') as o:
    for l in head + rows:
        o.write(l + '\n')
PY
"$BIN" ingest "$WORK/ref.db" "$ev" >/dev/null 2>"$WORK/ing.err" ||
  fail "ingest into SQLite: $(tail -3 "$WORK/ing.err")"

# model CASE OUT: the model's dump, and the findings in OUT.json
model() {
  ASHIATO_CH_STATS=3 ASHIATO_HUNT_MODEL_DUMP=$2 "$BIN" hunt "$1" --json \
    --ranges "$SRC/data/cloud-ranges.tsv" >"$2.json" 2>"$2.err" ||
    fail "hunt $1: $(grep -v 'ClickHouse request' "$2.err" | tail -2)"
}
# rows PATTERN TRACE: the rows the requests of statements starting with
# PATTERN had back
rows() {
  awk -v p="$1" '/ClickHouse request:/ && $0 ~ ("bytes in  " p) {
    for (i = 1; i < NF; i++) if ($(i + 1) == "rows") n += $i } END { print n + 0 }' "$2"
}
model "$WORK/ref.db" "$WORK/ref.model"
pairs=$(grep -c ' series ' "$WORK/ref.model") || true
[ "$pairs" -gt 50 ] || fail "the SQLite model has $pairs pairs with a series"
grep -q '^10.1.20.15 203.0.113.50 8443 .* stride 2 ' "$WORK/ref.model" ||
  fail "the golden beacon's series is not decimated"
grep -q '^10.1.20.78 198.51.100.78 443 n 5 ' "$WORK/ref.model" ||
  fail "the pair of far-apart starts is not in the model"

for target in single shards; do
  db=e2e_model_$target
  ch_drop "$db"
  U=$ASH_CH_URL1/$db
  if [ "$target" = shards ]; then
    "$BIN" ch init "$U" --shards "$ASH_CH_SHARDS" --cluster "$ASH_CH_CLUSTER" >/dev/null
  fi
  "$BIN" ingest "$U" "$ev" >/dev/null 2>"$WORK/ing.err" || fail "ingest into $U: $(tail -3 "$WORK/ing.err")"
  model "$U" "$WORK/$target.model"
  cmp -s "$WORK/ref.model" "$WORK/$target.model" ||
    fail "$target: the model differs from SQLite's: $(diff "$WORK/ref.model" "$WORK/$target.model" | head -4 | cut -c1-400)"
  cmp -s "$WORK/ref.model.json" "$WORK/$target.model.json" ||
    fail "$target: the findings differ from SQLite's: $(diff "$WORK/ref.model.json" "$WORK/$target.model.json" | head -4 | cut -c1-300)"
  # the candidate pairs came one row each, and none as rows
  [ "$(rows 'WITH \\(countIf' "$WORK/$target.model.err")" -gt 50 ] ||
    fail "$target: the candidate pairs did not come one row each"
  [ "$(rows 'SELECT id, source_id, ts, if\\(dur' "$WORK/$target.model.err")" = 0 ] ||
    fail "$target: pairs came as rows"
  # the candidates' destinations as a list of constants, not by a subquery
  q=$(rows 'SELECT bitShiftRight' "$WORK/$target.model.err")
  grep -q 'AND (0 OR bitAnd(afam, 12) = 4 AND dst IN (' "$WORK/$target.model.err" ||
    fail "$target: the addresses' counts did not list the destinations"
  # pairs of more than 100 records as rows, as before, and the
  # destinations by the subquery: the same model
  ASHIATO_CH_PAIR_ROWS_MAX=100 ASHIATO_CH_PAIR_DSTS_MAX=0 model "$U" "$WORK/$target.big.model"
  grep -q 'AND (0 OR bitAnd(afam, 12) = 4 AND dst IN (' "$WORK/$target.big.model.err" &&
    fail "$target: with ASHIATO_CH_PAIR_DSTS_MAX=0 the destinations were listed"
  [ "$(rows 'SELECT bitShiftRight' "$WORK/$target.big.model.err")" = "$q" ] ||
    fail "$target: the subquery counted other destinations"
  cmp -s "$WORK/ref.model" "$WORK/$target.big.model" ||
    fail "$target, big pairs as rows: the model differs from SQLite's: $(diff "$WORK/ref.model" "$WORK/$target.big.model" | head -4 | cut -c1-400)"
  [ "$(rows 'SELECT id, source_id, ts, if\\(dur' "$WORK/$target.big.model.err")" -gt 1000 ] ||
    fail "$target: the big pairs did not come as rows"
  ch_drop "$db"
done
echo PASS
