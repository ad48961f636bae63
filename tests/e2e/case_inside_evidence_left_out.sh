#!/usr/bin/env bash
# Protects: the case file inside the evidence folder is not read as
# evidence (issue 18 item 13), nor its rollback journal (which exists while
# the ingest writes), a stray super-journal name, a hard link to it, or the
# case reached through a symlink: they are told by device and inode.
set -euo pipefail
bin=$1
work=$2
src=${ASH_SRC:?ASH_SRC not set}
rm -rf "$work"
mkdir -p "$work/ev/a" "$work/ev/z"
cd "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }

cp "$src/tests/golden/fortigate/admin.log" ev/fw.log
# walked first, the FIFO's skipped row opens the ingest's transaction, so
# ev/z/case.db-journal exists when the walk lists ev/z
mkfifo ev/a/pipe
"$bin" ingest ev/z/case.db ev --json >one.json 2>one.err || fail "ingest: $(cat one.err)"
grep -q "left out 2 files of the case itself" one.err || fail "case and journal: $(cat one.err)"
! grep -q 'case' one.json || fail "the case was read as evidence: $(cat one.json)"
grep -q '"path":"ev/fw.log".*"state":"complete"' one.json || fail "the log: $(cat one.json)"

# a hard link to the case, a super-journal name, and the case named through
# a symlink from outside the folder
ln ev/z/case.db ev/hardlink.db
: >ev/z/case.db-mj0123ABCD
ln -s ev/z/case.db link.db
"$bin" ingest link.db ev --json >two.json 2>two.err || fail "second ingest: $(cat two.err)"
! grep -q -e 'case' -e 'hardlink' two.json || fail "the case was read as evidence: $(cat two.json)"
grep -q '"duplicate":true' two.json || fail "the log again: $(cat two.json)"
"$bin" sources ev/z/case.db --json >sources.json
! grep -q -e 'case' -e 'hardlink' sources.json || fail "a row for the case: $(cat sources.json)"
[ "$(wc -l <sources.json)" = 2 ] || fail "rows: $(cat sources.json)"

# a copy of a case is evidence like any file (another investigation's
# case, say): only this case is left out
cp ev/z/case.db other.db
mkdir ev2 && cp other.db ev2/
"$bin" ingest ev/z/case.db ev2 --json >three.json 2>/dev/null || true
grep -q '"path":"ev2/other.db"' three.json || fail "a copy of a case was left out: $(cat three.json)"
echo ok
