#!/bin/sh
# run.sh ALLOC_FAIL TESTS_DIR FALLBACK_WORKDIR: the case is rewritten some
# 500 times, so it lives on a tmpfs when there is one.
bin=$1 src=$2 w=$3
if [ -d /dev/shm ] && [ -w /dev/shm ]; then w=/dev/shm/ashiato-alloc-$$; fi
rm -rf "$w" && mkdir -p "$w" || exit 1
"$bin" "$src" "$w"
rc=$?
rm -rf "$w"
exit $rc
