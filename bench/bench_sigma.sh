#!/usr/bin/env bash
# bench_sigma.sh BINARY [EVTX_DIR] [RULES_DIR]: the rule set over a corpus.
# Times, in CPU seconds (user+sys, to the microsecond, so that a busy
# machine does not skew the ratio): parsing the corpus alone (ashiato parse), ingesting it into a
# fresh case, and running every rule over the case. Prints events/s of the
# rule run, rules loaded, and the ratio to the parse-only time, twice: the
# first run over these rules ("cold": every rule file parsed, the cache of
# parsed rule files off) and the runs after it ("warm": the YAML trees read
# from a cache of this run's own, in a scratch directory).
set -euo pipefail
bin=${1:?usage: bench_sigma.sh BINARY [EVTX_DIR] [RULES_DIR]}
src=$(cd "$(dirname "$0")/.." && pwd)
shared=$src/../shared
[ -d "$shared" ] || shared=$src/../../shared # a worktree under wt/
evtx=${2:-$shared/data/evtx}
rules=${3:-$shared/data/sigma/rules/windows}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cpu() { awk '/^cpu /{print $2+$3}' "$1"; }
# cputime OUT CMD...: run CMD, write "cpu USER SYS MAXRSS_KB" of that one
# process to OUT, to the microsecond (wait4's rusage; /usr/bin/time prints
# hundredths, 4% of a 0.25 s run); CMD's exit status is passed on
cputime() {
  python3 -c 'import os, subprocess, sys
p = subprocess.Popen(sys.argv[2:])
_, st, ru = os.wait4(p.pid, 0)
with open(sys.argv[1], "w") as f:
    f.write("cpu %.6f %.6f %d\n" % (ru.ru_utime, ru.ru_stime, ru.ru_maxrss))
sys.exit(os.waitstatus_to_exitcode(st))' "$@"
}
# REPEAT runs (default 5) of parse and of sigma, interleaved; the least
# CPU time of each is kept: on a small corpus one run is a fraction of a second,
# where a neighbour's burst is as big as the figure
repeat=${REPEAT:-5}
# some files of a corpus are not logs (READMEs): the tools say so and exit 1
cputime "$work/t.ingest" "$bin" ingest "$work/case" "$evtx" >/dev/null 2>&1 || true
# the warm runs' cache, filled by one run before them
ASHIATO_CACHE=$work/cache "$bin" sigma --check "$rules" >/dev/null 2>&1
for i in $(seq "$repeat"); do
  cputime "$work/t.parse.$i" "$bin" parse "$evtx" >/dev/null 2>&1 || true
  ASHIATO_CACHE=off cputime "$work/t.cold.$i" "$bin" sigma "$work/case" \
    --rules "$rules" --dry-run >/dev/null 2>"$work/err"
  ASHIATO_CACHE=$work/cache cputime "$work/t.warm.$i" "$bin" sigma \
    "$work/case" --rules "$rules" --dry-run >/dev/null 2>"$work/err.warm"
done
least() { for f in "$work/t.$1".*; do echo "$(cpu "$f") $f"; done | sort -n | head -1 | cut -d' ' -f2; }
cp "$(least parse)" "$work/t.parse"
cp "$(least cold)" "$work/t.cold"
cp "$(least warm)" "$work/t.warm"
line=$(grep 'Windows events' "$work/err" | tail -1)
nrules=$(echo "$line" | awk '{print $2}')
nev=$(echo "$line" | awk '{print $5}')
awk -v p="$(cpu "$work/t.parse")" -v i="$(cpu "$work/t.ingest")" -v c="$(cpu "$work/t.cold")" \
  -v w="$(cpu "$work/t.warm")" -v mc="$(awk '/^cpu /{print $4}' "$work/t.cold")" \
  -v mw="$(awk '/^cpu /{print $4}' "$work/t.warm")" -v r="$nrules" -v n="$nev" 'BEGIN {
  printf "rules loaded: %s\nWindows events: %s\nparse only: %.3f s CPU\ningest: %.3f s CPU\n", r, n, p, i
  printf "sigma, cold: %.3f s CPU (%.0f events/s, %.2fx the parse-only time), max RSS %d MB\n", c, n / c, c / p, mc / 1024
  printf "sigma, warm: %.3f s CPU (%.0f events/s, %.2fx the parse-only time), max RSS %d MB\n", w, n / w, w / p, mw / 1024 }'
