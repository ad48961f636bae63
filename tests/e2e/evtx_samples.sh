#!/usr/bin/env bash
# End to end: every EVTX sample of ../shared/data/evtx (beside the source
# tree; skipped when absent) parses without a crash (this runs under the
# build's sanitizers), keeps read == parsed + rejected, and, when libevtx's
# evtxexport is installed, parses at least the records evtxexport exports for
# every file evtxexport reads without error (at least
# as many). Also ingests one folder of
# them into a case and reads the events back.
set -uo pipefail
bin=$1
work=$2
src=${ASH_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
data=$src/../shared/data/evtx
if [ ! -d "$data" ]; then
  echo "skipped: no $data"
  exit 0
fi
rm -rf "$work"
mkdir -p "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }
have_libevtx=0
command -v evtxexport >/dev/null && have_libevtx=1

files=0; total=0; compared=0; more=0
while IFS= read -r -d '' f; do
  files=$((files + 1))
  "$bin" parse --format evtx "$f" >"$work/out.jsonl" 2>"$work/err"
  rc=$?
  [ "$rc" -eq 0 ] || { cat "$work/err"; fail "exit $rc on $f"; }
  read -r _ nread _ nparsed _ nrej _ nev < <(tail -n 1 "$work/err")
  [ "$nread" -eq $((nparsed + nrej)) ] || fail "accounting on $f: $(tail -n 1 "$work/err")"
  [ "$nparsed" -eq "$nev" ] || fail "events != parsed on $f"
  [ "$(wc -l <"$work/out.jsonl")" -eq "$nev" ] || fail "lines != events on $f"
  total=$((total + nparsed))
  if [ "$have_libevtx" -eq 1 ]; then
    if evtxexport "$f" >"$work/lib.txt" 2>/dev/null; then
      # at least the records libevtx exports: we may hold more (records of
      # chunks the header does not count, out-of-range copies in shadow
      # files); bench/evtx_compare.sh and docs/evtx.md compare them record
      # by record
      n=$(grep -c '^Event number' "$work/lib.txt")
      [ "$nparsed" -ge "$n" ] || fail "$f: evtxexport $n records, ours $nparsed"
      [ "$nparsed" -eq "$n" ] || more=$((more + 1))
      compared=$((compared + 1))
    fi
  fi
done < <(find "$data" -name '*.evtx' -print0)
[ "$files" -gt 0 ] || fail "no .evtx under $data"
echo "parsed $files files, $total records; every record evtxexport exports is ours on $compared files ($more with records it does not see)"

# a folder into a case, and back out
ad="$data/mdecrevoisier-EVTX-to-MITRE-Attack/Antivirus"
if [ -d "$ad" ]; then
  "$bin" ingest "$work/case.db" "$ad" --json >"$work/ingest.json" || fail "ingest"
  grep -q '"format":"evtx"' "$work/ingest.json" || fail "format not detected"
  "$bin" events "$work/case.db" --kind av.detect --json >"$work/av.json" || fail "events"
  grep -q '"threat":"HackTool:Win32/Mimikatz.D"' "$work/av.json" || fail "no Mimikatz detection"
fi
exit 0
