#!/usr/bin/env bash
# Load harness: KV v2 read over keep-alive HTTP against a running dev broker, and the ceiling (a
# minimal JDK HTTP server) measured in the same run with the same wrk settings. Needs wrk.
# Usage: bench/kv-read.sh [seconds-per-round]   (JAVA_HOME selects the JDK for both servers)
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-10}"
java_bin="${JAVA_HOME:+$JAVA_HOME/bin/}java"
broker_port=8281; ceiling_port=8282
command -v wrk >/dev/null || { echo "bench/kv-read.sh needs wrk (apt-get install wrk)" >&2; exit 1; }
./mvnw -q -B -DskipTests -pl dev -am package
jar=dev/target/custos-dev-0.1.0-SNAPSHOT-all.jar
"$java_bin" ${CUSTOS_JAVA_OPTS:--XX:+UseParallelGC} -jar "$jar" server -dev -dev-root-token-id=bench -dev-listen-address=127.0.0.1:$broker_port >/tmp/custos-bench.log 2>&1 &
broker=$!
"$java_bin" -Dsun.net.httpserver.nodelay=true bench/MinimalHttpServer.java $ceiling_port >/tmp/custos-ceiling.log 2>&1 &
ceiling=$!
trap 'kill $broker $ceiling 2>/dev/null || true' EXIT
until grep -q "Root Token" /tmp/custos-bench.log; do sleep 0.5; done
until grep -q listening /tmp/custos-ceiling.log; do sleep 0.5; done
payload=$(printf 'x%.0s' $(seq 150))
curl -sf -H 'X-Vault-Token: bench' -d "{\"data\":{\"password\":\"$payload\"}}" \
  http://127.0.0.1:$broker_port/v1/secret/data/bench >/dev/null
rps() { wrk -t2 -c64 -d"${2}s" "${@:3}" "$1" | awk '/Requests\/sec/ {print $2}'; }
echo "warming up (JIT) ..."
rps http://127.0.0.1:$broker_port/v1/secret/data/bench 60 -H 'X-Vault-Token: bench' >/dev/null
rps http://127.0.0.1:$ceiling_port/v1/secret/data/bench 20 >/dev/null
b=(); c=()
for round in 1 2 3; do
  b+=("$(rps http://127.0.0.1:$broker_port/v1/secret/data/bench "$secs" -H 'X-Vault-Token: bench')")
  c+=("$(rps http://127.0.0.1:$ceiling_port/v1/secret/data/bench "$secs")")
done
median() { printf '%s\n' "$@" | sort -n | sed -n 2p; }
bm=$(median "${b[@]}"); cm=$(median "${c[@]}")
echo "java: $("$java_bin" -version 2>&1 | head -1)"
echo "broker KV v2 read  req/s: ${b[*]}  (median $bm)"
echo "minimal JDK server req/s: ${c[*]}  (median $cm)"
awk -v b="$bm" -v c="$cm" 'BEGIN { printf "ratio: %.0f%%\n", 100 * b / c }'
