#!/usr/bin/env bash
# e2e.clickhouse_hunt_pushdown: on ClickHouse the flow hunts' model is
# built from what the servers select and count (ash_store_flow_pairs:
# the candidate pairs' rows, per-host and per-address counts), and its
# findings are those of the full pass on SQLite (issue 16):
# - with and without --internal, IPv4 and IPv6 networks, on one server
#   and on two shards; past 128 networks by the full pass; the addresses that are never outside (multicast,
#   link-local, ::, 0.0.0.0/8) stay out on both;
# - fewer rows come back than the case has flows;
# - at the cap on series, the same pairs keep one;
# - a case with a flow kept as a wide event (a field no flows column
#   holds: here a process) is built by the full pass, with the same
#   findings.
BIN=$1
WORK=$2
# shellcheck source=tests/e2e/clickhouse_lib.inc
. "$(dirname "$0")/clickhouse_lib.inc"
ev=$WORK/ev
mkdir -p "$ev/wide"
# the golden beacon case's Zeek log (hunt_beacon_internal.sh), and
# variants of it: IPv6 addresses; a public source an --internal makes the
# organisation's; destinations that are never outside
python3 - "$SRC/tests/golden/hunt/beacon_zeek.events.jsonl" "$ev" <<'PY'
import json, sys
src, out = sys.argv[1], sys.argv[2]
lines = [json.loads(l)['line'] for l in open(src)]
head = [l for l in lines if l.startswith('#')]
body = [l.split('\t') for l in lines if not l.startswith('#')]
def write(name, rows):
    with open(f'{out}/{name}', 'w') as o:
        for l in head:
            o.write(l + '\n')
        for r in rows:
            o.write('\t'.join(r) + '\n')
write('conn.log', body)
v6 = {'10.1.20.15': 'fd00:1::15', '203.0.113.50': '2001:db8:113::50',
      '10.1.20.31': 'fe80::31', '192.0.2.144': '2001:db8:2::144'}
rows = []
for r in body:
    if r[2] in v6 and r[4] in v6:
        r = r[:]
        r[1] += 'v6'
        r[2], r[4] = v6[r[2]], v6[r[4]]
        rows.append(r)
write('conn6.log', rows)
# the beacon again from a public source, and to addresses never outside
rows = []
never = [('239.255.255.250', '1900'), ('ff02::fb', '5353'), ('0.1.2.3', '80'),
         ('::', '443'), ('224.0.0.251', '5353'), ('127.0.0.9', '80')]
for i, r in enumerate(b for b in body if b[2] == '10.1.20.15'):
    a = r[:]
    a[1] += 'pub'
    a[2], a[4] = '198.18.0.5', '203.0.113.60'
    rows.append(a)
    d, port = never[i % len(never)]
    b = r[:]
    b[1] += 'never'
    b[2] = 'fd00:1::15' if ':' in d else '10.1.20.15'
    # many ports: were these counted, the hosts' "destinations reached"
    # in the tunnel findings below would grow
    b[4], b[5] = d, str(int(port) + i % 40)
    rows.append(b)
# two hours to a rentable cloud address from each host: cloud-tunnel
# findings, which name how many destinations the host reached
for h, d in (('10.1.20.15', '3.5.0.10'), ('fd00:1::15', '2600:1f60:8000::10')):
    t = body[-1][:]
    t[1] += 'long' + h
    t[2], t[4], t[5], t[8] = h, d, '443', '7200.000000'
    rows.append(t)
write('conn-more.log', rows)
# a flow that keeps a process: a wide event (ash_flowdb_eligible), in a
# case of its own beside the beacon
with open(f'{out}/wide/flows.csv', 'w') as o:
    o.write('ts,src,sport,dst,dport,sent,rcvd,dur,process\n')
    o.write('2025-03-02T10:00:00Z,10.1.20.40,50000,198.51.100.99,443,100,200,5,chrome.exe\n')
with open(f'{out}/wide/flows.map', 'w') as o:
    o.write('format csv\nkind net.flow\nfield ts = ts\nfield src_ip = src\n'
            'field src_port = sport\nfield dst_ip = dst\nfield dst_port = dport\n'
            'field bytes_out = sent\nfield bytes_in = rcvd\nfield duration = dur\n'
            'field process = process\n')
PY
logs=("$ev/conn.log" "$ev/conn6.log" "$ev/conn-more.log")
"$BIN" ingest "$WORK/ref.db" "${logs[@]}" >/dev/null 2>"$WORK/ing.err" ||
  fail "ingest into SQLite: $(tail -3 "$WORK/ing.err")"
"$BIN" ingest "$WORK/wide.db" "${logs[@]}" >/dev/null 2>"$WORK/ing.err" ||
  fail "ingest into SQLite: $(tail -3 "$WORK/ing.err")"
"$BIN" ingest "$WORK/wide.db" "$ev/wide/flows.csv" --format mapped --map "$ev/wide/flows.map" \
  >/dev/null 2>"$WORK/ing.err" || fail "ingest the mapped flows: $(tail -3 "$WORK/ing.err")"

# hunt CASE ARGS...: the findings (the flow hunts' among them)
hunt() {
  local c=$1
  shift
  "$BIN" hunt "$c" --json --ranges "$SRC/data/cloud-ranges.tsv" "$@"
}
# same REF URL LABEL ARGS...: the hunt gives the same on both
same() {
  local ref=$1 u=$2 label=$3
  shift 3
  hunt "$ref" "$@" >"$WORK/h.ref" 2>"$WORK/h.err" || fail "$label on SQLite: $(tail -2 "$WORK/h.err")"
  ASHIATO_CH_STATS=2 hunt "$u" "$@" >"$WORK/h.ch" 2>"$WORK/h.trace" ||
    fail "$label on $u: $(grep -v 'ClickHouse request' "$WORK/h.trace" | tail -2)"
  cmp -s "$WORK/h.ref" "$WORK/h.ch" ||
    fail "$label on $u differs from SQLite: $(diff "$WORK/h.ref" "$WORK/h.ch" | head -4 | cut -c1-300)"
}
# rows: the most rows one request of the last hunt on ClickHouse had
# back (the full pass reads every flow in one; the first 2000, read to
# see whether bytes have a direction, are fewer than the case's flows)
rows() { awk '/ClickHouse request:/ { for (i = 1; i < NF; i++) if ($(i + 1) == "rows" && $i > n) n = $i } END { print n + 0 }' "$WORK/h.trace"; }

for target in single shards; do
  db=e2e_push_$target
  wdb=e2e_push_wide_$target
  ch_drop "$db" "$wdb"
  U=$ASH_CH_URL1/$db
  W=$ASH_CH_URL1/$wdb
  if [ "$target" = shards ]; then
    for d in "$db" "$wdb"; do
      "$BIN" ch init "$ASH_CH_URL1/$d" --shards "$ASH_CH_SHARDS" --cluster "$ASH_CH_CLUSTER" >/dev/null
    done
  fi
  "$BIN" ingest "$U" "${logs[@]}" >/dev/null 2>"$WORK/ing.err" || fail "ingest into $U: $(tail -3 "$WORK/ing.err")"
  flows=$(q "$H1" "SELECT count() FROM $db.flows")
  [ "$flows" -gt 1000 ] || fail "$U holds $flows flows"

  same "$WORK/ref.db" "$U" "hunt ($target)"
  cp "$WORK/h.ch" "$WORK/h.plain"
  cp "$WORK/h.err" "$WORK/h.plain.err"
  grep -q '"203.0.113.50"' "$WORK/h.ch" || fail "$target: the IPv4 beacon was not found"
  grep -q '"2001:db8:113::50"' "$WORK/h.ch" || fail "$target: the IPv6 beacon was not found"
  grep -q '"3.5.0.10"' "$WORK/h.ch" || fail "$target: the IPv4 cloud tunnel was not found"
  grep -q '"2600:1f60:8000::10"' "$WORK/h.ch" || fail "$target: the IPv6 cloud tunnel was not found"
  if grep -q '"198.18.0.5"\|239.255.255.250\|ff02::fb\|"0.1.2.3"\|"::"\|224.0.0.251\|127.0.0.9' "$WORK/h.ch"; then
    fail "$target: a finding names a public source or an address that is never outside"
  fi
  n=$(rows)
  [ "$n" -lt "$flows" ] || fail "$target: one request of the hunt had $n rows back for $flows flows (no pushdown?)"

  same "$WORK/ref.db" "$U" "hunt --internal 203.0.113.0/24 ($target)" --internal 203.0.113.0/24
  if grep -q '"203.0.113.50"' "$WORK/h.ch"; then fail "$target: an --internal address was reported"; fi

  same "$WORK/ref.db" "$U" "hunt --internal v6,v4 ($target)" --internal 2001:db8:113::/48,198.18.0.0/15
  if grep -q '"2001:db8:113::50"' "$WORK/h.ch"; then fail "$target: an --internal IPv6 address was reported"; fi
  grep -q '"198.18.0.5"' "$WORK/h.ch" || fail "$target: the beacon of an --internal source was not found"

  # at the cap on series (1 here, ASHIATO_HUNT_SERIES_MAX) the pairs that
  # keep one are the same whatever the order of the flows (time on
  # SQLite, pair after pair on ClickHouse): series_admit
  ASHIATO_HUNT_SERIES_MAX=1 same "$WORK/ref.db" "$U" "hunt at the series cap ($target)"
  if cmp -s "$WORK/h.ch" "$WORK/h.plain"; then fail "$target: the series cap of 1 changed nothing"; fi
  # and the run says so (cli-contract: hunt's limits on stderr)
  for f in h.err h.trace; do
    grep -q '^ashiato: hunt: not examined whole: .*ASH_MAX_HUNT_SERIES' "$WORK/$f" ||
      fail "$target: the hunt at the series cap did not say so on stderr ($f)"
  done
  if grep -q 'not examined whole' "$WORK/h.plain.err"; then fail "$target: an uncapped hunt spoke of a cap"; fi

  # 128 networks: in the statements; 129: the full pass (chstore.c,
  # PAIRS_MAX_NETS); either way SQLite's findings
  many=2001:db8:113::/48
  for i in $(seq 0 126); do many=$many,10.200.$i.0/24; done
  same "$WORK/ref.db" "$U" "hunt --internal (128 networks, $target)" --internal "$many"
  n=$(rows)
  [ "$n" -lt "$flows" ] || fail "$target: 128 --internal networks: not pushed down ($n rows)"
  same "$WORK/ref.db" "$U" "hunt --internal (129 networks, $target)" --internal "$many,10.201.0.0/16"
  n=$(rows)
  [ "$n" -ge "$flows" ] || fail "$target: 129 --internal networks: $n rows at most, not every flow"

  # a wide flow: the full pass, the same findings
  "$BIN" ingest "$W" "${logs[@]}" >/dev/null 2>"$WORK/ing.err" || fail "ingest into $W: $(tail -3 "$WORK/ing.err")"
  "$BIN" ingest "$W" "$ev/wide/flows.csv" --format mapped --map "$ev/wide/flows.map" >/dev/null \
    2>"$WORK/ing.err" || fail "ingest the mapped flows into $W: $(tail -3 "$WORK/ing.err")"
  eq "$(q "$H1" "SELECT count() FROM $wdb.events WHERE kind = 'net.flow'")" 1 "$target: wide flows"
  same "$WORK/wide.db" "$W" "hunt with a wide flow ($target)"
  n=$(rows)
  [ "$n" -gt "$flows" ] || fail "$target: with a wide flow the hunt read $n rows at most, not every flow"
done
echo "ok: the flow hunts pushed down to ClickHouse give SQLite's findings (one server, two shards)"
