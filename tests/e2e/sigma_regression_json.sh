#!/usr/bin/env bash
# SigmaHQ's regression samples again, from their JSON renderings: as
# evtx_dump JSON lines and as Winlogbeat/ECS documents. The same rules must
# fire as on the EVTX files (one field mapping whatever the container).
set -uo pipefail
src=${ASH_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
rc=0
python3 "$src/tests/e2e/sigma_regression.py" "$1" "$2/evtx_dump" "$src/tests/data/sigma" evtx_dump || rc=1
python3 "$src/tests/e2e/sigma_regression.py" "$1" "$2/ecs" "$src/tests/data/sigma" ecs || rc=1
exit $rc
