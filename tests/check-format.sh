#!/bin/sh
# Fails when any C source or header differs from .clang-format's layout.
cf=$1; top=$2
cd "$top" || exit 1
files=$(find include src tests bench -name '*.[ch]' 2>/dev/null)
[ -n "$files" ] || { echo "no sources found"; exit 1; }
# shellcheck disable=SC2086
"$cf" --dry-run --Werror $files
