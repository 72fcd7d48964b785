#!/usr/bin/env bash
# Several brokers: how long a change on one node takes to be seen by the others (KV write, token
# revocation), three broker processes on a throwaway PostgreSQL 15 cluster (initdb).
# Usage: bench/invalidation.sh [rounds]   (JAVA_HOME selects the JDK; run as root or postgres)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds="${1:-300}"
java_bin="${JAVA_HOME:+$JAVA_HOME/bin/}java"
pgbin="${CUSTOS_PG_BIN:-/usr/lib/postgresql/15/bin}"
[ -f broker/target/custos-broker-0.1.0-SNAPSHOT-all.jar ] && [ -z "${CUSTOS_BENCH_REBUILD:-}" ] || ./mvnw -q -B -DskipTests -pl broker -am package
jar=$PWD/broker/target/custos-broker-0.1.0-SNAPSHOT-all.jar
dir=$(mktemp -d /tmp/custos-invalidation-bench.XXXX)
pw="bench-$RANDOM$RANDOM"
port=55433
echo "$pw" > "$dir/pw"
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[ "$(id -u)" = 0 ] && chown -R postgres "$dir"
as_pg "$pgbin/initdb" -D "$dir/data" -U postgres --auth=scram-sha-256 --pwfile="$dir/pw" >/dev/null
as_pg "$pgbin/pg_ctl" -D "$dir/data" -w -l "$dir/log" -o "-p $port -k $dir -c listen_addresses=127.0.0.1" start >/dev/null
trap 'as_pg "$pgbin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true; rm -rf /tmp/custos-invalidation-dev' EXIT
rm -rf /tmp/custos-invalidation-dev
echo "java: $("$java_bin" -version 2>&1 | head -1); cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs) ($(nproc) vCPU)"
"$java_bin" -cp "$jar" bench/InvalidationBench.java "$jar" "$port" "$pw" "$rounds"
