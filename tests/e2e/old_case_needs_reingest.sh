#!/usr/bin/env bash
# Protects: a case made by an earlier version (schema 1, before the typed
# flows table) is refused by every verb that opens a case, with exit 1 and
# a message that says to ingest the evidence again, never a crash, an
# empty answer or a write into it; a new case from the same evidence works.
set -euo pipefail
bin=$(realpath "$1")
work=$2
src=${ASH_SRC:?ASH_SRC not set}
command -v sqlite3 >/dev/null || { echo "SKIP: needs the sqlite3 CLI (scripts/setup)"; exit 0; }
rm -rf "$work"
mkdir -p "$work"
cd "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }
cp "$src/tests/golden/fortigate/traffic.log" fw.log
# the layout of schema 1, as e94d61d wrote it (one wide events table)
sqlite3 old.db "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT);
INSERT INTO meta VALUES('ashiato','case'),('schema_version','1');
CREATE TABLE sources(id INTEGER PRIMARY KEY, path TEXT NOT NULL, size INTEGER, sha256 TEXT NOT NULL,
 format TEXT, ref_is_record INTEGER NOT NULL DEFAULT 0, read INTEGER NOT NULL DEFAULT 0,
 parsed INTEGER NOT NULL DEFAULT 0, rejected INTEGER NOT NULL DEFAULT 0,
 events INTEGER NOT NULL DEFAULT 0, first_ts INTEGER, last_ts INTEGER,
 complete INTEGER NOT NULL DEFAULT 0, ingested_at INTEGER, mtime_ns INTEGER);
CREATE TABLE events(id INTEGER PRIMARY KEY, source_id INTEGER NOT NULL, ref INTEGER, ts INTEGER,
 kind TEXT, host TEXT, user TEXT, domain TEXT, src_ip TEXT, src_port INTEGER, dst_ip TEXT,
 dst_port INTEGER, tunnel_ip TEXT, proto TEXT, action TEXT, app TEXT, service TEXT,
 bytes_out INTEGER, bytes_in INTEGER, packets_out INTEGER, packets_in INTEGER, duration INTEGER,
 logon_type INTEGER, event_id INTEGER, channel TEXT, process TEXT, parent_process TEXT,
 command_line TEXT, threat TEXT, path TEXT, sha256 TEXT, attrs TEXT);
CREATE TABLE rejects(id INTEGER PRIMARY KEY, source_id INTEGER NOT NULL, ref INTEGER, reason TEXT, raw BLOB);
INSERT INTO sources(path,size,sha256,format,read,parsed,events,complete) VALUES('fw.log',1,'ab','fortigate',1,1,1,1);
INSERT INTO events(source_id,ref,ts,kind,src_ip,dst_ip,dst_port) VALUES(1,0,1,'net.flow','10.0.0.1','203.0.113.9',443);"
before=$(sha256sum old.db)
for verb in "events old.db --json" "sources old.db" "kinds old.db" "hunt old.db --json" \
  "timeline old.db" "ingest old.db fw.log"; do
  rc=0
  # shellcheck disable=SC2086
  "$bin" $verb >out 2>err || rc=$?
  [ "$rc" = 1 ] || fail "'$verb' on a schema-1 case exited $rc (want 1): $(cat err)"
  [ ! -s out ] || fail "'$verb' printed an answer from a schema-1 case: $(head -c 300 out)"
  grep -q "earlier version of ashiato" err || fail "'$verb' did not say why: $(cat err)"
  grep -q "ingest the evidence again" err || fail "'$verb' did not say what to do: $(cat err)"
done
[ "$(sha256sum old.db)" = "$before" ] || fail "a schema-1 case was written to"
# the remedy works: a new case from the same evidence
"$bin" ingest new.db fw.log >/dev/null 2>&1 || fail "ingest into a new case failed"
n=$("$bin" events new.db --json | wc -l)
[ "$n" = 6 ] || fail "new case has $n events, want 6"
echo "ok: schema-1 case refused by 6 verbs, unchanged; re-ingest gives 6 events"
