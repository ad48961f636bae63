#!/usr/bin/env bash
# tests/clickhouse/cluster.sh start|stop|status DIR [BASEPORT]
#
# Two clickhouse-server instances (Debian 12's 18.16) on 127.0.0.1 only, as
# the current user, each with its own config and data under DIR/s1, DIR/s2,
# and a two-shard cluster "ash2" in remote_servers (shard 1 = s1, shard 2 =
# s2), for the ClickHouse tests and bench/bench_clickhouse.sh.
#
# Ports: BASEPORT (default 18123) + 0/1 for HTTP, +10/+11 native TCP, +20/+21
# interserver: away from ClickHouse's defaults (8123, 9000, 9009), so that a
# server the machine runs for real is never touched. DIR/env holds the URLs
# (ASH_CH_URL1, ASH_CH_URL2, ASH_CH_SHARDS) for the tests to source.
#
# The servers are kept small because the tests share a 2-core machine: a
# few threads, small caches, a per-query memory cap. The root user starts
# them as-is (the tests run as root in CI); clickhouse-server itself does
# not refuse root.
set -euo pipefail
cmd=${1:?usage: cluster.sh start|stop|status DIR [BASEPORT]}
dir=${2:?usage: cluster.sh start|stop|status DIR [BASEPORT]}
base=${3:-18123}
server=${CLICKHOUSE_SERVER:-/usr/sbin/clickhouse-server}

http() { echo $((base + $1 - 1)); }
tcp() { echo $((base + 10 + $1 - 1)); }
inter() { echo $((base + 20 + $1 - 1)); }

write_config() { # $1 = instance number
  local n=$1 d="$dir/s$1"
  mkdir -p "$d/data" "$d/tmp" "$d/user_files" "$d/log" "$d/format_schemas"
  cat >"$d/config.xml" <<XML
<?xml version="1.0"?>
<yandex>
  <logger>
    <level>warning</level>
    <log>$d/log/server.log</log>
    <errorlog>$d/log/server.err.log</errorlog>
    <size>10M</size>
    <count>1</count>
  </logger>
  <listen_host>127.0.0.1</listen_host>
  <http_port>$(http "$n")</http_port>
  <tcp_port>$(tcp "$n")</tcp_port>
  <interserver_http_port>$(inter "$n")</interserver_http_port>
  <interserver_http_host>127.0.0.1</interserver_http_host>
  <max_connections>64</max_connections>
  <keep_alive_timeout>3</keep_alive_timeout>
  <max_concurrent_queries>16</max_concurrent_queries>
  <uncompressed_cache_size>16777216</uncompressed_cache_size>
  <mark_cache_size>67108864</mark_cache_size>
  <path>$d/data/</path>
  <tmp_path>$d/tmp/</tmp_path>
  <user_files_path>$d/user_files/</user_files_path>
  <format_schema_path>$d/format_schemas/</format_schema_path>
  <users_config>$d/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
  <mlock_executable>false</mlock_executable>
  <background_pool_size>2</background_pool_size>
  <remote_servers>
    <ash2>
      <shard><replica><host>127.0.0.1</host><port>$(tcp 1)</port></replica></shard>
      <shard><replica><host>127.0.0.1</host><port>$(tcp 2)</port></replica></shard>
    </ash2>
  </remote_servers>
  <merge_tree>
    <parts_to_delay_insert>300</parts_to_delay_insert>
  </merge_tree>
</yandex>
XML
  cat >"$d/users.xml" <<XML
<?xml version="1.0"?>
<yandex>
  <profiles>
    <default>
      <max_memory_usage>1000000000</max_memory_usage>
      <max_threads>2</max_threads>
      <use_uncompressed_cache>0</use_uncompressed_cache>
      <load_balancing>in_order</load_balancing>
    </default>
  </profiles>
  <users>
    <default>
      <password></password>
      <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
      <profile>default</profile>
      <quota>default</quota>
    </default>
  </users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors>
    <result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time>
  </interval></default></quotas>
</yandex>
XML
}

up() { # $1 = instance: 0 when its HTTP port answers "Ok."
  [ "$(curl -s --max-time 2 "http://127.0.0.1:$(http "$1")/ping" 2>/dev/null)" = "Ok." ]
}

case $cmd in
start)
  if [ ! -x "$server" ]; then
    echo "cluster.sh: $server not found (scripts/setup installs clickhouse-server)" >&2
    exit 1
  fi
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  for n in 1 2; do
    if up "$n"; then
      # ours from an earlier start: keep it; anyone else's: never touch it
      if [ -f "$dir/s$n/pid" ] && kill -0 "$(cat "$dir/s$n/pid")" 2>/dev/null; then continue; fi
      echo "cluster.sh: port $(http "$n") is taken by a server not started in $dir:" \
        "give another BASEPORT" >&2
      exit 1
    fi
    write_config "$n"
    # --daemon would detach from our process group: keep it a child of
    # nohup instead, with its pid recorded for stop
    # (the cd on its own: "cd && cmd &" would background a subshell, and
    # $! would be its pid, not the server's)
    (
      cd "$dir/s$n" || exit 1
      nohup "$server" --config-file="$dir/s$n/config.xml" >"$dir/s$n/log/stdout.log" 2>&1 &
      echo $! >"$dir/s$n/pid"
    )
  done
  for n in 1 2; do
    for _ in $(seq 1 150); do
      up "$n" && break
      if ! kill -0 "$(cat "$dir/s$n/pid")" 2>/dev/null; then
        echo "cluster.sh: server $n exited; its log:" >&2
        tail -20 "$dir/s$n/log/server.err.log" "$dir/s$n/log/stdout.log" >&2 || true
        exit 1
      fi
      sleep 0.2
    done
    up "$n" || { echo "cluster.sh: server $n did not answer on port $(http "$n") in 30 s" >&2; exit 1; }
  done
  cat >"$dir/env" <<ENV
ASH_CH_URL1=clickhouse://127.0.0.1:$(http 1)
ASH_CH_URL2=clickhouse://127.0.0.1:$(http 2)
ASH_CH_SHARDS=127.0.0.1:$(http 1),127.0.0.1:$(http 2)
ASH_CH_CLUSTER=ash2
ENV
  echo "cluster.sh: 2 servers up on 127.0.0.1:$(http 1),$(http 2) (cluster ash2)" >&2
  ;;
stop)
  for n in 1 2; do
    f="$dir/s$n/pid"
    [ -f "$f" ] || continue
    pid=$(cat "$f")
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid"
      for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
    fi
    rm -f "$f"
  done
  rm -f "$dir/env"
  ;;
status)
  rc=0
  for n in 1 2; do
    if up "$n"; then echo "server $n: up on 127.0.0.1:$(http "$n")"; else echo "server $n: down"; rc=1; fi
  done
  exit $rc
  ;;
*)
  echo "usage: cluster.sh start|stop|status DIR [BASEPORT]" >&2
  exit 2
  ;;
esac
