#!/usr/bin/env bash
# End to end (issue 13): the report never shows altered evidence. After a
# quoted line of an ingested log is edited (same size), the report shows
# the failed check in place of the line, and neither the new text nor the
# old one; with the mtime put back, `report --verify` still catches it by
# SHA-256. Before the edit the line is quoted exactly, marked as checked.
set -euo pipefail
bin=$1
work=$2
here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$work"
mkdir -p "$work"
cd "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }
python3 - "$here/../golden/hunt/beacon_zeek.events.jsonl" <<'PY'
import json, sys
with open("conn.log", "w") as o:
    for l in open(sys.argv[1]):
        o.write(json.loads(l)["line"] + "\n")
PY
"$bin" ingest case.db conn.log --format zeek >/dev/null 2>&1 || fail "ingest"
"$bin" hunt case.db --hunt beacon --json --ranges "${ASH_SRC:?}/data/cloud-ranges.tsv" >f.jsonl 2>/dev/null ||
  fail "hunt"
"$bin" report case.db -o before.html 2>before.err || fail "report"
grep -q "0 withheld" before.err || fail "a check failed before any edit: $(cat before.err)"
python3 - <<'PY' || fail "before the edit"
import html, json
f = [json.loads(l) for l in open("f.jsonl")][0]
e = f["evidence"][0]
line = open("conn.log", "rb").read()[e["source"]["offset"]:].split(b"\n")[0].decode()
page = open("before.html").read()
assert "<pre>" + html.escape(line, quote=True).replace("&#x27;", "&#39;") + "</pre>" in page, "line not quoted exactly"
assert "CHECK FAILED" not in page
# the edit: one digit of the first quoted line's origin address, same size
b = bytearray(open("conn.log", "rb").read())
off = e["source"]["offset"]
i = b.index(b"10.1.20.", off)
b[i + 8] = ord("9") if b[i + 8] != ord("9") else ord("8")
open("edited", "wb").write(b)
open("line", "w").write(line)
open("newline", "w").write(bytes(b[off:]).split(b"\n")[0].decode())
PY
touch -r conn.log stamp
cp edited conn.log
"$bin" report case.db -o after.html 2>after.err || fail "report after the edit"
grep -q "CHECK FAILED" after.html || fail "no failed check shown after the edit"
grep -qF -- "$(cat newline)" after.html && fail "the edited line is shown as evidence"
grep -qF -- "$(cat line)" after.html && fail "the old line is shown though the file changed"
grep -q " 0 evidence lines quoted" after.err || fail "lines quoted from a changed file: $(cat after.err)"
# the same edit with the mtime put back: size and mtime agree, the hash does not
touch -r stamp conn.log
"$bin" report case.db -o verify.html --verify 2>verify.err || fail "report --verify"
grep -q "CHECK FAILED" verify.html || fail "--verify did not catch a same-size edit with its mtime put back"
grep -q "SHA-256" verify.html || fail "--verify does not say which check failed"
echo ok
