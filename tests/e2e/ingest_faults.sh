#!/usr/bin/env bash
# End to end: faults during ingest leave a case that never claims or keeps
# what was not committed, and that the same command completes to exactly a
# clean ingest. Protects against the full-disk corruption (orphan events,
# sources announced but rolled back, a day duplicated on the re-run) and
# against claims printed before their commit (kill -9), and against a
# SIGBUS when evidence shrinks while it is read. Runs the scenarios
# of bench/bench_faults.sh with a few runs each (kill -9: ten) on a folder
# of many formats, each run compared with a clean ingest: sources --json
# per source, the rows of every table, every event; disk-full needs root
# (a tmpfs mount) and says so when it cannot run. ASH_FAULT_SCENARIOS
# chooses them: this test runs disk-full and shrink, ingest_kill9.sh the
# ten kills (together they took 52 s under ASan, near ctest's budget of a
# minute a test).
set -euo pipefail
bin=$1
work=$2
src=${ASH_SRC:?ASH_SRC not set}
rm -rf "$work"
mkdir -p "$work"
# kill -9 ten times, at moments spread over the whole ingest (issue 15);
# the seed is printed, ASH_FAULT_SEED gives it again
out=$("$src/bench/bench_faults.sh" --bin "$bin" --work "$work" --runs 3 --kill-runs 10 \
  ${ASH_FAULT_SEED:+--seed "$ASH_FAULT_SEED"} \
  --scenarios "${ASH_FAULT_SCENARIOS:-disk-full,shrink}" 2>&1) || {
  echo "$out"
  echo "FAIL: a faulted ingest did not end equal to a clean one" >&2
  exit 1
}
echo "$out"
grep -Eq '^(disk-full|kill9|shrink) ' <<<"$out" || { echo "FAIL: no scenario ran" >&2; exit 1; }
# a kill that lands after the ingest ended tests nothing: most of the ten
# must land inside it (their moments are spread over a clean ingest's time)
if grep -q '^kill9: ' <<<"$out"; then
  n=$(sed -n 's/^kill9: \([0-9]*\) of .*/\1/p' <<<"$out")
  [ "${n:-0}" -ge 5 ] || { echo "FAIL: only ${n:-0} of 10 kills landed inside the ingest" >&2; exit 1; }
fi
