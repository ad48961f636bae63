#!/usr/bin/env bash
# e2e.watch_clickhouse: e2e.watch_alerts_relay_and_account with the case in
# ClickHouse (issue 16): the same alerts within 1 s, every message a record
# of a watch source, the relay's line quoted back from the spool, a restart
# that continues its source. Without --spool a URL case is refused.
BIN=$1
WORK=$2
# shellcheck source=tests/e2e/clickhouse_lib.inc
. "$(dirname "$0")/clickhouse_lib.inc"
ch_drop e2e_watch
set +e
"$BIN" watch "$ASH_CH_URL1/e2e_watch" --listen udp:127.0.0.1:0 2>"$WORK/nospool.err"
eq $? 2 "watch of a ClickHouse case without --spool"
set -e
grep -q -- "needs --spool" "$WORK/nospool.err" || fail "no --spool: $(cat "$WORK/nospool.err")"
WATCH_CASE=$ASH_CH_URL1/e2e_watch WATCH_SPOOL=$WORK/case.db.watch \
  exec bash "$(dirname "$0")/watch_alerts_relay_and_account.sh" "$BIN" "$WORK"
