#!/bin/sh
# Golden test: parse CASE.log with FORMAT (no store) and compare the events
# with CASE.expected.jsonl; when CASE.expected.counts exists, compare the
# accounting line (read parsed rejected) too.
bin=$1; fmt=$2; case=$3
# run from the case's directory so that "source.path" in the events is the
# bare file name, the same on every checkout
cd "$(dirname "$case")" || exit 1
case=$(basename "$case")
input=$(ls "$case".log "$case".* 2>/dev/null | grep -v '\.expected\.' | grep -v '\.args$' | grep -v '\.tz$' | head -n 1)
[ -n "$input" ] || { echo "no input for $case"; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
tzopt=""; [ -f "$case.tz" ] && tzopt="--tz $(cat "$case.tz")"
# optional extra options for the parse (--clock-skew, --map FILE, ...)
extra=""; [ -f "$case.args" ] && extra=$(cat "$case.args")
# shellcheck disable=SC2086
"$bin" parse --format "$fmt" $tzopt $extra --json "$input" >"$tmp/out" 2>"$tmp/err" || {
  echo "parse failed:"; cat "$tmp/err"; exit 1; }
diff -u "$case.expected.jsonl" "$tmp/out" || exit 1
if [ -f "$case.expected.counts" ]; then
  tail -n 1 "$tmp/err" >"$tmp/counts"
  diff -u "$case.expected.counts" "$tmp/counts" || exit 1
fi
exit 0
