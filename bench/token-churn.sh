#!/usr/bin/env bash
# Memory after token churn: a dev broker's RSS and live heap at start, after N AppRole logins whose
# tokens live 20 s, and after those tokens expired and the sweep removed them. Needs wrk and jcmd.
# Usage: bench/token-churn.sh [logins]   (default 100000; JAVA_HOME selects the JDK)
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-100000}"
java_bin="${JAVA_HOME:+$JAVA_HOME/bin/}java"
jcmd_bin="${JAVA_HOME:+$JAVA_HOME/bin/}jcmd"
port=8283
command -v wrk >/dev/null || { echo "bench/token-churn.sh needs wrk (apt-get install wrk)" >&2; exit 1; }
./mvnw -q -B -DskipTests -pl dev -am package
jar=dev/target/custos-dev-0.1.0-SNAPSHOT-all.jar
# G1 gives memory back after a full GC when more than 30 % of the heap is free (so RSS can fall)
CUSTOS_TOKENS_TIDY_INTERVAL=5s "$java_bin" -Xmx512m -XX:+UseG1GC -XX:G1PeriodicGCInterval=2000 \
  -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=30 -jar "$jar" \
  server -dev -dev-root-token-id=bench -dev-listen-address=127.0.0.1:$port >/tmp/custos-churn.log 2>&1 &
broker=$!
trap 'kill $broker 2>/dev/null || true' EXIT
until grep -q "Root Token" /tmp/custos-churn.log; do sleep 0.5; done
api() { curl -sf -H 'X-Vault-Token: bench' "$@"; }
api -d '{"type":"approle"}' http://127.0.0.1:$port/v1/sys/auth/approle >/dev/null
api -d '{"token_ttl":"20s","token_max_ttl":"20s","token_policies":"default"}' \
  http://127.0.0.1:$port/v1/auth/approle/role/churn >/dev/null
role_id=$(api http://127.0.0.1:$port/v1/auth/approle/role/churn/role-id | sed 's/.*"role_id":"\([^"]*\)".*/\1/')
secret_id=$(api -X POST http://127.0.0.1:$port/v1/auth/approle/role/churn/secret-id | sed 's/.*"secret_id":"\([^"]*\)".*/\1/')
lua=$(mktemp --suffix=.lua)
cat > "$lua" <<LUA
wrk.method = "POST"
wrk.body = '{"role_id":"$role_id","secret_id":"$secret_id"}'
wrk.headers["Content-Type"] = "application/json"
LUA
measure() { # live heap after a full GC (MiB) and RSS (MiB)
  "$jcmd_bin" $broker GC.run >/dev/null; sleep 4
  heap=$("$jcmd_bin" $broker GC.heap_info | awk '/garbage-first heap/ {for (i=1;i<=NF;i++) if ($i=="used") {print $(i+1)}}' | tr -d 'K,')
  rss=$(ps -o rss= -p $broker)
  echo "$((heap / 1024)) $((rss / 1024))"
}
wrk -t2 -c16 -d5s -s "$lua" http://127.0.0.1:$port/v1/auth/approle/login >/dev/null   # warm-up
sleep 30   # the warm-up's tokens expire and are swept
read -r heap0 rss0 <<<"$(measure)"
done_logins=0; start=$(date +%s)
while [ "$done_logins" -lt "$n" ]; do
  got=$(wrk -t2 -c32 -d10s -s "$lua" http://127.0.0.1:$port/v1/auth/approle/login | awk '/requests in/ {print $1}')
  done_logins=$((done_logins + got))
done
secs=$(( $(date +%s) - start ))
read -r heap1 rss1 <<<"$(measure)"
live=$(api -X LIST http://127.0.0.1:$port/v1/auth/token/accessors | grep -o '"[A-Za-z0-9_-]\{24\}"' | wc -l)
echo "after $done_logins logins in ${secs}s: $live live tokens"
# every token expires (20 s) and the sweep (every 5 s) removes it: wait until only the root token is left
sweep_start=$(date +%s)
while :; do
  sleep 5
  left=$(api -X LIST http://127.0.0.1:$port/v1/auth/token/accessors | grep -o '"[A-Za-z0-9_-]\{24\}"' | wc -l)
  [ "$left" -le 1 ] || [ $(( $(date +%s) - sweep_start )) -gt 300 ] && break
done
echo "expired tokens gone ${left} left after $(( $(date +%s) - sweep_start ))s"
read -r heap2 rss2 <<<"$(measure)"
echo "java: $("$java_bin" -version 2>&1 | head -1)"
echo "                      live heap MiB   RSS MiB   tokens"
echo "start                 $heap0            $rss0"
echo "after $done_logins logins  $heap1            $rss1      $live"
echo "after expiry + sweep  $heap2            $rss2      $left"
