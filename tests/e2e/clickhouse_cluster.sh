#!/usr/bin/env bash
# e2e.clickhouse_cluster: `ashiato ch init` on one server and on two shards
# (local tables + Distributed), idempotent; generated flow rows inserted
# through the client (the hidden `ashiato ch gen-flows`) read back through
# the Distributed table; a source inserted again is replaced, not doubled,
# also after a kill -9 mid-insert; a hostile string round-trips; the shard
# of each row is the Distributed table's own sharding key.
#
# Needs the two servers of tests/clickhouse/cluster.sh: scripts/test starts
# them and sets ASH_CH_ENV (their env file) and ASH_CH_REQUIRE=1. Without
# them the test says SKIP, unless ASH_CH_REQUIRE=1, where it fails.
set -euo pipefail
BIN=$1
WORK=$2
rm -rf "$WORK"
mkdir -p "$WORK"

fail() {
  echo "FAIL: $*" >&2
  exit 1
}
# q HOST:PORT SQL: one query, its TSV answer on stdout
q() { curl -sS --fail-with-body "http://$1/" --data-binary "$2"; }
eq() { [ "$1" = "$2" ] || fail "$3: got '$1', want '$2'"; }

# ---- usage (no server needed): strict URLs
set +e
"$BIN" ch init "clickhouse://127.0.0.1:8123/bad-name" 2>"$WORK/err"
eq $? 2 "a database that is not an identifier"
"$BIN" ch init "clickhouse://127.0.0.1:8123/db/x" 2>>"$WORK/err"
eq $? 2 "a URL with a path after the database"
"$BIN" ch 2>>"$WORK/err"
eq $? 2 "ch without a subcommand"
"$BIN" ch --help | grep -q "ashiato ch init URL" || fail "ch --help"
"$BIN" --help | grep -q "^  ch " || fail "ch missing from ashiato --help"
set -e

if [ -z "${ASH_CH_ENV:-}" ] || [ ! -f "$ASH_CH_ENV" ]; then
  if [ "${ASH_CH_REQUIRE:-0}" = 1 ]; then
    echo "FAIL: ASH_CH_REQUIRE=1 but no ClickHouse servers (ASH_CH_ENV='${ASH_CH_ENV:-}')" >&2
    exit 1
  fi
  echo "SKIP: no ClickHouse servers (run scripts/test, or tests/clickhouse/cluster.sh start DIR and set ASH_CH_ENV=DIR/env)"
  exit 0
fi
# shellcheck disable=SC1090
. "$ASH_CH_ENV"
H1=${ASH_CH_URL1#clickhouse://}
H2=${ASH_CH_URL2#clickhouse://}
for h in "$H1" "$H2"; do
  if [ "$(curl -s --max-time 2 "http://$h/ping")" != "Ok." ]; then
    if [ "${ASH_CH_REQUIRE:-0}" = 1 ]; then
      echo "FAIL: ClickHouse server $h does not answer" >&2
      exit 1
    fi
    echo "SKIP: ClickHouse server $h does not answer"
    exit 0
  fi
done


set +e
"$BIN" ch init "$ASH_CH_URL1/e2e_x" --cluster ash2 2>>"$WORK/err"
eq $? 2 "--cluster without --shards"
"$BIN" ch init "$ASH_CH_URL1/e2e_x" --shards "$ASH_CH_SHARDS" --cluster nosuch 2>"$WORK/err.cluster"
eq $? 2 "a cluster the server does not define"
grep -q "no cluster 'nosuch' of 2 shards" "$WORK/err.cluster" || fail "the missing cluster is not named: $(cat "$WORK/err.cluster")"
"$BIN" ch init "$ASH_CH_URL1/e2e_x" --shards "$ASH_CH_SHARDS,$H1" --cluster "$ASH_CH_CLUSTER" 2>>"$WORK/err"
eq $? 2 "three shards for a cluster of two"
# a server that is down: exit 1 and curl's words, after the retries
"$BIN" ch status "clickhouse://127.0.0.1:1/e2e_x" 2>"$WORK/err.down"
eq $? 1 "a server that is down"
grep -q "connect" "$WORK/err.down" || fail "no connection error text: $(cat "$WORK/err.down")"
set -e
eq "$(q "$H1" "SELECT count() FROM system.databases WHERE name = 'e2e_x'")" 0 "the refused inits created nothing"

# a database that holds someone else's tables is left alone
q "$H1" "DROP DATABASE IF EXISTS e2e_foreign" >/dev/null
q "$H1" "CREATE DATABASE e2e_foreign" >/dev/null
q "$H1" "CREATE TABLE e2e_foreign.theirs (x UInt8) ENGINE = Memory" >/dev/null
set +e
"$BIN" ch init "$ASH_CH_URL1/e2e_foreign" 2>"$WORK/err.foreign"
eq $? 1 "init on a database that is not a case"
set -e
grep -q "not an ashiato case" "$WORK/err.foreign" || fail "foreign db: $(cat "$WORK/err.foreign")"
eq "$(q "$H1" "SELECT count() FROM system.tables WHERE database = 'e2e_foreign'")" 1 "foreign db untouched"
q "$H1" "DROP DATABASE e2e_foreign" >/dev/null

# ---- one server: init creates the database; a second init changes nothing
q "$H1" "DROP DATABASE IF EXISTS e2e_single" >/dev/null
"$BIN" ch init "$ASH_CH_URL1/e2e_single" >"$WORK/init1"
schema() { q "$1" "SELECT name, engine, create_table_query FROM system.tables WHERE database = '$2' ORDER BY name"; }
schema "$H1" e2e_single >"$WORK/schema1"
"$BIN" ch init "$ASH_CH_URL1/e2e_single" >/dev/null
schema "$H1" e2e_single >"$WORK/schema2"
cmp -s "$WORK/schema1" "$WORK/schema2" || fail "a second ch init changed the schema"
eq "$(wc -l <"$WORK/schema1")" 8 "tables of a single-server case"
eq "$(q "$H1" "SELECT count() FROM e2e_single.meta")" 1 "meta rows after two inits"
grep -q "PARTITION BY toYYYYMM(toDateTime(intDiv(greatest(ts, 0), 1000000)))" "$WORK/schema1" || fail "flows not partitioned by month"
grep -q "flows	MergeTree	.*ORDER BY (src, dst, ts)" "$WORK/schema1" || fail "flows not ordered (src, dst, ts)"

U1="$ASH_CH_URL1/e2e_single"
"$BIN" ch gen-flows "$U1" --rows 2000 --source 1 2>/dev/null
eq "$(q "$H1" "SELECT count() FROM e2e_single.flows")" 2000 "rows of source 1"
"$BIN" ch gen-flows "$U1" --rows 2000 --source 1 2>/dev/null
eq "$(q "$H1" "SELECT count() FROM e2e_single.flows")" 2000 "source 1 inserted again: replaced, not doubled"
"$BIN" ch gen-flows "$U1" --rows 500 --source 2 2>/dev/null
eq "$(q "$H1" "SELECT source_id, count() FROM e2e_single.flows GROUP BY source_id ORDER BY source_id" | tr '\t\n' ' ')" \
  "1 2000 2 500 " "two sources"
"$BIN" ch status "$U1" >"$WORK/status1"
grep -q "^server 18\.\|^server [0-9]" "$WORK/status1" || fail "status prints no version"
grep -Eq "^flows +MergeTree +2500$" "$WORK/status1" || fail "status flows count: $(cat "$WORK/status1")"
grep -q "sources: 2 complete, 0 incomplete" "$WORK/status1" || fail "status sources: $(cat "$WORK/status1")"
# an IPv4 flow's IPv6 sides: sent empty, padded to 16 zero bytes
eq "$(q "$H1" "SELECT countIf(src6 != toFixedString('', 16) OR dst6 != toFixedString('', 16)) FROM e2e_single.flows")" 0 "IPv6 side columns of IPv4 flows"
eq "$(q "$H1" "SELECT hex(any(src6)) FROM e2e_single.flows")" 00000000000000000000000000000000 "src6 of an IPv4 flow"
# the hostile user name came back byte for byte
want=$(printf 'ev\til\n"user'"'"'\\x\0y\r\b\f' | od -An -tx1 | tr -d ' \n' | tr a-f A-F)
eq "$(q "$H1" "SELECT hex(any(user)) FROM e2e_single.flows")" "$want" "hostile string round trip"

# ---- two shards: local tables on each, Distributed on the URL's server
for h in "$H1" "$H2"; do q "$h" "DROP DATABASE IF EXISTS e2e_shards" >/dev/null; done
U2="$ASH_CH_URL1/e2e_shards"
S=(--shards "$ASH_CH_SHARDS" --cluster "$ASH_CH_CLUSTER")
"$BIN" ch init "$U2" "${S[@]}" >"$WORK/init2"
grep -q "on 2 shards, Distributed over cluster $ASH_CH_CLUSTER" "$WORK/init2" || fail "init2: $(cat "$WORK/init2")"
schema "$H1" e2e_shards >"$WORK/s2a"
schema "$H2" e2e_shards >"$WORK/s2b"
"$BIN" ch init "$U2" "${S[@]}" >/dev/null
schema "$H1" e2e_shards | cmp -s - "$WORK/s2a" || fail "second init changed shard 1"
schema "$H2" e2e_shards | cmp -s - "$WORK/s2b" || fail "second init changed shard 2"
eq "$(grep -c '	Distributed	' "$WORK/s2a")" 3 "Distributed tables on the URL's server"
eq "$(grep -c '_local	MergeTree	' "$WORK/s2b")" 3 "local tables on shard 2"

"$BIN" ch gen-flows "$U2" "${S[@]}" --rows 3000 --source 7 2>/dev/null
eq "$(q "$H1" "SELECT count() FROM e2e_shards.flows")" 3000 "rows through the Distributed table"
n1=$(q "$H1" "SELECT count() FROM e2e_shards.flows_local")
n2=$(q "$H2" "SELECT count() FROM e2e_shards.flows_local")
[ "$n1" -gt 500 ] && [ "$n2" -gt 500 ] || fail "rows not spread over the shards: $n1 + $n2"
eq $((n1 + n2)) 3000 "local rows"
# each row is on the shard the Distributed table's sharding key names
key="intHash64(bitOr(bitShiftLeft(toUInt64(src), 32), toUInt64(dst))) % 2"
eq "$(q "$H1" "SELECT countIf($key != 0) FROM e2e_shards.flows_local")" 0 "shard 1 holds key 0 only"
eq "$(q "$H2" "SELECT countIf($key != 1) FROM e2e_shards.flows_local")" 0 "shard 2 holds key 1 only"
"$BIN" ch gen-flows "$U2" "${S[@]}" --rows 3000 --source 7 2>/dev/null
eq "$(q "$H1" "SELECT count() FROM e2e_shards.flows")" 3000 "source 7 again on two shards: replaced"
eq "$(q "$H1" "SELECT count() FROM e2e_shards.flows_local")" "$n1" "shard 1 after the re-insert"

# kill -9 mid-insert (batches of 2500 rows, killed once some are
# stored), then the same command: the source ends whole, once
G8=(ch gen-flows "$U2" "${S[@]}" --rows 100000 --source 8 --batch-rows 2500)
"$BIN" "${G8[@]}" 2>/dev/null &
pid=$!
for _ in $(seq 1 100); do
  [ "$(q "$H1" "SELECT count() FROM e2e_shards.flows WHERE source_id = 8")" -ge 10000 ] && break
  sleep 0.1
done
kill -9 "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
part=$(q "$H1" "SELECT count() FROM e2e_shards.flows WHERE source_id = 8")
echo "killed with $part of 100000 rows of source 8 stored"
"$BIN" ch status "$U2" | grep -q "sources: 1 complete, 1 incomplete" || [ "$part" = 100000 ] ||
  fail "the killed source is not marked incomplete"
"$BIN" "${G8[@]}" 2>"$WORK/gen8"
eq "$(q "$H1" "SELECT count() FROM e2e_shards.flows WHERE source_id = 8")" 100000 "source 8 after kill -9 and re-run"
eq "$(q "$H1" "SELECT count() FROM e2e_shards.flows")" 103000 "all rows after kill -9 and re-run"
"$BIN" ch status "$U2" >"$WORK/status2"
grep -q "sources: 2 complete, 0 incomplete" "$WORK/status2" || fail "status2: $(cat "$WORK/status2")"

for h in "$H1" "$H2"; do q "$h" "DROP DATABASE IF EXISTS e2e_shards" >/dev/null; done
q "$H1" "DROP DATABASE IF EXISTS e2e_single" >/dev/null
echo "ok"
