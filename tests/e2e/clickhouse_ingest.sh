#!/usr/bin/env bash
# e2e.clickhouse_ingest: `ashiato ingest clickhouse://...` (issue 16). The
# same evidence ingested into an SQLite case and into ClickHouse gives the
# same `sources --json`, `kinds` and `events --json` (with filters, and
# --raw), byte for byte:
#   - on one server, where ingest creates the database;
#   - on two shards made by `ch init --shards`, found from the URL alone;
#   - after an ingest killed with -9 mid-way and run again;
# a second ingest stores nothing twice; the verbs a ClickHouse case does
# not serve yet refuse it with a message, never with an empty answer.
#
# The evidence: a small generated case (FortiGate, VPN, Windows JSON,
# antivirus) and the golden inputs of other formats (PAN-OS, ASA, Zeek,
# Squid, IIS, EVTX, a gzip file, a zip), with junk lines (rejects) and a
# record whose user carries a tab, a backslash and a quote.
#
# Needs the servers of tests/clickhouse/cluster.sh (scripts/test starts
# them): SKIP without them, FAIL when ASH_CH_REQUIRE=1.
set -euo pipefail
BIN=$1
WORK=$2
SRC=${ASH_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
rm -rf "$WORK"
mkdir -p "$WORK"
fail() {
  echo "FAIL: $*" >&2
  exit 1
}
q() { curl -sS --fail-with-body "http://$1/" --data-binary "$2"; }
eq() { [ "$1" = "$2" ] || fail "$3: got '$1', want '$2'"; }

if [ -z "${ASH_CH_ENV:-}" ] || [ ! -f "$ASH_CH_ENV" ]; then
  [ "${ASH_CH_REQUIRE:-0}" = 1 ] && fail "ASH_CH_REQUIRE=1 but no ClickHouse servers"
  echo "SKIP: no ClickHouse servers (scripts/test starts them)"
  exit 0
fi
# shellcheck disable=SC1090
. "$ASH_CH_ENV"
H1=${ASH_CH_URL1#clickhouse://}
H2=${ASH_CH_URL2#clickhouse://}
for h in "$H1" "$H2"; do
  if [ "$(curl -s --max-time 2 "http://$h/ping")" != "Ok." ]; then
    [ "${ASH_CH_REQUIRE:-0}" = 1 ] && fail "ClickHouse server $h does not answer"
    echo "SKIP: ClickHouse server $h does not answer"
    exit 0
  fi
done
for db in e2e_ing1 e2e_ing2 e2e_kill; do
  q "$H1" "DROP DATABASE IF EXISTS $db" >/dev/null
  q "$H2" "DROP DATABASE IF EXISTS $db" >/dev/null
done

# ---- the evidence
ev=$WORK/ev
"$BIN" gen --out "$ev" --seed 5 --days 20 --users 10 --servers 5 --flows-per-day 300 -q
logs=$ev/logs
g=$SRC/tests/golden
mkdir -p "$logs/mixed"
cp "$g/panos/mixed.log" "$g/asa/sessions.log" "$g/zeek/conn.log" "$g/zeek-json/conn.jsonl" \
  "$g/squid/access.log" "$g/w3c/iis.log" "$g"/evtx/*.evtx "$logs/mixed/"
fg=$(find "$logs" -type f -name 'fortigate-*.log' | sort | head -1)
{
  head -200 "$fg"
  echo 'garbage line one'
  printf 'date=2025-03-02 time=10:22:01 devname="FGT" type="traffic" subtype="forward" srcip=10.0.0.9 srcport=5555 dstip=192.0.2.7 dstport=443 proto=6 action="close" user="ev\\il\tx'"'"'y" sentbyte=1 rcvdbyte=2 duration=3\n'
} >"$logs/mixed/fortigate-junk.log"
tail -300 "$fg" | gzip -c >"$logs/mixed/fortigate-end.log.gz"
(cd "$g" && python3 -c '
import sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
    for n in sys.argv[2:]: z.write(n)
' "$logs/mixed/win.zip" winjson/*.log dnsdebug/dns.log)

"$BIN" ingest "$WORK/ref.db" "$logs" >/dev/null 2>"$WORK/ref.err"
rejected=$("$BIN" sources "$WORK/ref.db" --json | python3 -c '
import json, sys; print(sum(json.loads(l)["rejected"] for l in sys.stdin))')
[ "$rejected" -gt 0 ] || fail "the evidence has no rejected record to account for"

# compare CASE LABEL: the reading verbs give what they give on the SQLite case
compare() {
  local url=$1 label=$2 i=0
  while IFS= read -r args; do
    i=$((i + 1))
    # shellcheck disable=SC2086
    "$BIN" $args "$WORK/ref.db" >"$WORK/a.$i" 2>&1 || true
    # shellcheck disable=SC2086
    "$BIN" $args "$url" >"$WORK/b.$i" 2>&1 || fail "$label: '$args' failed: $(head -c 600 "$WORK/b.$i")"
    [ -s "$WORK/a.$i" ] || fail "$label: '$args' printed nothing on the SQLite case"
    cmp -s "$WORK/a.$i" "$WORK/b.$i" ||
      fail "$label: '$args' differs from the SQLite case: $(diff "$WORK/a.$i" "$WORK/b.$i" | head -5)"
  done <<'EOF'
sources --json
sources
sources --rejects
sources --rejects --json
kinds
events --json
events --json --kind win. --limit 500
events --json --kind net.flow --since 2025-01-01T00:00:00Z --limit 2000
events --json --event-id 4624
events --raw --limit 200
EOF
  local user
  user=$("$BIN" events "$WORK/ref.db" --json --kind vpn. --limit 1 | python3 -c 'import json,sys; print(json.loads(sys.stdin.readline())["user"])')
  "$BIN" events "$WORK/ref.db" --json --user "$user" >"$WORK/a.u"
  "$BIN" events "$url" --json --user "$user" >"$WORK/b.u"
  [ -s "$WORK/a.u" ] && cmp -s "$WORK/a.u" "$WORK/b.u" || fail "$label: events --user $user differs"
}

# ---- one server: ingest creates the database
U1=$ASH_CH_URL1/e2e_ing1
"$BIN" ingest "$U1" "$logs" >/dev/null 2>"$WORK/ing1.err" || fail "ingest into $U1: $(tail -3 "$WORK/ing1.err")"
compare "$U1" "one server"
# (the parser reads ev\ as its domain; the tab and the quote are the user's)
"$BIN" events "$U1" --json --kind net.flow >"$WORK/flows.jsonl"
grep -qF '"user":"il\tx'"'"'y","domain":"ev"' "$WORK/flows.jsonl" || fail "the hostile user did not come back"
# a second ingest: everything already present, nothing stored twice
"$BIN" ingest "$U1" "$logs" 2>"$WORK/ing1b.err" >/dev/null
grep -q "^ingested 0 sources" "$WORK/ing1b.err" || fail "second ingest: $(tail -1 "$WORK/ing1b.err")"
compare "$U1" "one server, ingested twice"

# ---- the verbs not served yet refuse, and say what works
for verb in hunt "report -o $WORK/x.html" plan timeline; do
  set +e
  # shellcheck disable=SC2086
  "$BIN" $verb "$U1" >/dev/null 2>"$WORK/refuse.err"
  rc=$?
  set -e
  [ "$rc" -ne 0 ] || fail "$verb on a ClickHouse case exited 0"
  grep -q "not on ClickHouse yet" "$WORK/refuse.err" || fail "$verb: $(cat "$WORK/refuse.err")"
done
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
compare "$U2" "two shards"

# ---- kill -9 mid-ingest, then the same command again
UK=$ASH_CH_URL1/e2e_kill
landed=0
for delay in 0.6 1.2 2.0 3.0; do
  set +e
  ASHIATO_CH_BATCH_ROWS=300 "$BIN" ingest "$UK" "$logs" >/dev/null 2>&1 &
  pid=$!
  sleep "$delay"
  kill -9 "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  rc=$?
  set -e
  if [ "$rc" = 137 ]; then landed=$((landed + 1)); fi
done
[ "$landed" -ge 2 ] || fail "only $landed of 4 kills landed inside the ingest"
open=$("$BIN" ch status "$UK" | sed -n 's/^sources: [0-9]* complete, \([0-9]*\) incomplete$/\1/p')
# the last kill left sources under way: the re-run must clear their rows
[ "${open:-0}" -ge 1 ] || fail "the kills left no incomplete source to redo"
"$BIN" ingest "$UK" "$logs" >/dev/null 2>"$WORK/ingk.err" || fail "ingest after the kills: $(tail -3 "$WORK/ingk.err")"
compare "$UK" "after $landed kills ($open sources left incomplete)"
echo "ok: one server, two shards and $landed kills -9 ($open sources left incomplete, then re-run) read as the SQLite case"
