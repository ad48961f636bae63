#!/usr/bin/env bash
# End to end (issue 15): kill -9 at ten moments spread over an ingest of a
# folder of many formats, each followed by the same command, must leave a
# case equal to a clean ingest's (sources --json per source, the rows of
# every table, every event). The seed of the moments is printed;
# ASH_FAULT_SEED=N replays them. ingest_faults.sh's kill9 scenario alone.
ASH_FAULT_SCENARIOS=kill9 exec bash "${ASH_SRC:?ASH_SRC not set}/tests/e2e/ingest_faults.sh" "$@"
