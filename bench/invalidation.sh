#!/usr/bin/env bash
# Several brokers: how long a change on one node takes to be seen by the others (KV write, token
# revocation), three broker processes on a throwaway PostgreSQL 15 cluster (initdb).
# Usage: bench/invalidation.sh [rounds]   (JAVA_HOME selects the JDK; run as root or postgres)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds="${1:-300}"
java_bin="${JAVA_HOME:+$JAVA_HOME/bin/}java"
[ -f broker/target/custos-broker-0.1.0-SNAPSHOT-all.jar ] && [ -z "${CUSTOS_BENCH_REBUILD:-}" ] || ./mvnw -q -B -DskipTests -pl broker -am package
jar=$PWD/broker/target/custos-broker-0.1.0-SNAPSHOT-all.jar
port=55433
. bench/pg.sh
throwaway_pg invalidation-bench "$port"
rm -rf /tmp/custos-invalidation-dev
echo "java: $("$java_bin" -version 2>&1 | head -1); cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs) ($(nproc) vCPU)"
"$java_bin" -cp "$jar" bench/InvalidationBench.java "$jar" "$port" "$pg_password" "$rounds"
rm -rf /tmp/custos-invalidation-dev
