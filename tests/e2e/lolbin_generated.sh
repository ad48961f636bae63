#!/usr/bin/env bash
# The hunt lolbin finds the generated intrusion's use of Windows' own tools
# (and the impact phase on every ransomware host).
set -uo pipefail
src=${ASH_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
exec python3 "$src/tests/e2e/lolbin_generated.py" "$1" "$2" 11
