#!/usr/bin/env bash
# e2e.clickhouse_hunt_shards: e2e.clickhouse_hunt on a case spread over two
# shards (ch init --shards): the verbs after ingest as on SQLite.
CH_HUNT_TARGET=shards exec bash "$(dirname "$0")/clickhouse_hunt.sh" "$@"
