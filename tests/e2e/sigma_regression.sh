#!/usr/bin/env bash
# SigmaHQ's regression data (copied into tests/data/sigma with its DRL
# licence note): every rule with a sample fires on it, match_count times
# where given. The table of results is printed.
set -uo pipefail
src=${ASH_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
exec python3 "$src/tests/e2e/sigma_regression.py" "$1" "$2" "$src/tests/data/sigma"
