#!/usr/bin/env bash
# bench_sigma.sh BINARY [EVTX_DIR] [RULES_DIR]: ingest the EVTX corpus into a
# fresh case (the parse time), then run all SigmaHQ windows rules over it.
# Prints events/s of the rule run, rules loaded, and both times.
set -euo pipefail
bin=${1:?usage: bench_sigma.sh BINARY [EVTX_DIR] [RULES_DIR]}
src=$(cd "$(dirname "$0")/.." && pwd)
shared=$src/../shared
[ -d "$shared" ] || shared=$src/../../shared # a worktree under wt/
evtx=${2:-$shared/data/evtx}
rules=${3:-$shared/data/sigma/rules/windows}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
t0=$(date +%s.%N)
# some files of the corpus are not EVTX (READMEs): ingest says so and exits 1
"$bin" ingest "$work/case" "$evtx" >/dev/null 2>&1 || true
t1=$(date +%s.%N)
"$bin" sigma "$work/case" --rules "$rules" --dry-run >/dev/null 2>"$work/err"
t2=$(date +%s.%N)
line=$(grep 'Windows events' "$work/err" | tail -1)
nrules=$(echo "$line" | awk '{print $2}')
nev=$(echo "$line" | awk '{print $5}')
awk -v p="$(awk -v a="$t0" -v b="$t1" 'BEGIN{print b-a}')" -v s="$(awk -v a="$t1" -v b="$t2" 'BEGIN{print b-a}')" -v r="$nrules" -v n="$nev" 'BEGIN {
  printf "rules loaded: %s\nevents: %s\nparse+ingest: %.2f s\nsigma: %.2f s (%.0f events/s, %.2fx the parse time)\n", r, n, p, s, n / s, s / p }'
