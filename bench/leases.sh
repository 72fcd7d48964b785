#!/usr/bin/env bash
# Lease and dynamic-credential benchmarks: credentials issued/s vs raw CREATE ROLE on the same
# connections, 10,000 leases expiring at once vs raw DROP ROLE, expiry lag, start-up and RSS with
# 0 and 1,000,000 stored leases. Starts a throwaway PostgreSQL 15 cluster (initdb) and the broker.
# Usage: bench/leases.sh [seconds-per-round] [sections: creds,expiry,lag,startup]   (JAVA_HOME selects the JDK; run as root or postgres)
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-10}"
java_bin="${JAVA_HOME:+$JAVA_HOME/bin/}java"
[ -f broker/target/custos-broker-0.1.0-SNAPSHOT-all.jar ] && [ -z "${CUSTOS_BENCH_REBUILD:-}" ] || ./mvnw -q -B -DskipTests -pl broker -am package
jar=$PWD/broker/target/custos-broker-0.1.0-SNAPSHOT-all.jar
command -v wrk >/dev/null || { echo "bench/leases.sh needs wrk (apt-get install wrk)" >&2; exit 1; }
port=55432
. bench/pg.sh
throwaway_pg lease-bench "$port" -c max_connections=200 -c shared_buffers=256MB
pw="$pg_password"
trap 'as_pg "${CUSTOS_PG_BIN:-/usr/lib/postgresql/15/bin}/pg_ctl" -D "$pg_dir/data" -m immediate stop >/dev/null 2>&1 || true; rm -rf /tmp/custos-bench-dev' EXIT
rm -rf /tmp/custos-bench-dev
echo "java: $("$java_bin" -version 2>&1 | head -1)"
"$java_bin" -cp "$jar" bench/LeaseBench.java "$jar" "$port" "$pw" "$secs" "${2:-creds,expiry,lag,startup}"
