#!/usr/bin/env bash
# bench/bench_timeline.sh [CASE]: rows/s and peak RSS of `ashiato timeline`
# in each form, against the floor of reading the same rows out of SQLite
# with the sqlite3 CLI (SELECT * FROM events ORDER BY ts, to /dev/null) in
# the same run. Without CASE, a generated case (gen --seed 1, default size)
# is ingested first into a temporary folder. Peak RSS must stay flat as the
# case grows: the timeline streams.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${ASHIATO:-$here/build/ashiato}
case=${1:-}
tmp=$(mktemp -d /tmp/ashiato-tl.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
if [ -z "$case" ]; then
  "$bin" gen --out "$tmp/g" --seed 1 -q
  "$bin" ingest "$tmp/case.db" "$tmp/g/logs" >/dev/null 2>&1
  "$bin" hunt "$tmp/case.db" >/dev/null
  case=$tmp/case.db
fi
n=$(sqlite3 "$case" "SELECT (SELECT count(*) FROM events_wide) + (SELECT count(*) FROM flows)")
run() { # label command...
  local t0 t1 rss label=$1
  shift
  t0=$(date +%s.%N)
  /usr/bin/time -f %M -o "$tmp/rss" "$@" >/dev/null 2>"$tmp/err" || { cat "$tmp/err" >&2; exit 1; }
  t1=$(date +%s.%N)
  rss=$(tail -1 "$tmp/rss")
  python3 -c "import sys; n,a,b,r=int(sys.argv[1]),float(sys.argv[2]),float(sys.argv[3]),int(sys.argv[4]); print('%-24s %8.2f s %10.0f rows/s %7.1f MiB' % (sys.argv[5], b-a, n/(b-a), r/1024)); open(sys.argv[6],'w').write(str(b-a))" "$n" "$t0" "$t1" "$rss" "$label" "$tmp/last"
}
echo "case: $case, $n events"
run "sqlite3 SELECT (floor)" sqlite3 "$case" "SELECT id, ts FROM events_wide UNION ALL SELECT id, ts FROM flows ORDER BY ts, id"
floor=$(cat "$tmp/last")
for f in csv jsonl timesketch; do
  run "timeline --format $f" "$bin" timeline "$case" --format "$f"
  python3 -c "import sys; print('  %.2fx the floor' % (float(open(sys.argv[1]).read()) / float(sys.argv[2])))" "$tmp/last" "$floor"
done
