#!/usr/bin/env bash
# PKI issuance over keep-alive HTTP (wrk, 4 connections; stored also with 16) for EC P-256 and RSA 2048, with no_store
# and with storage, against the ceilings measured in the same run: in-process key generation +
# certificate signing with the fastest provider on as many threads as cores (bench/PkiBench.java:
# the JDK's, BouncyCastle, AWS-LC through Amazon Corretto Crypto Provider, BoringSSL through Conscrypt),
# and for stored issuance the same plus each certificate committed under a random serial key into a
# PostgreSQL configured as the dev broker's own (fsync and synchronous_commit off) on this machine,
# one row or 16 rows per statement, whichever is faster.
# Usage: bench/pki.sh [seconds-per-round] [key types, default "ec rsa"]   (JAVA_HOME selects the JDK for both; needs wrk)
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-10}"
types="${2:-ec rsa}"
java_bin="${JAVA_HOME:+$JAVA_HOME/bin/}java"
port=8293; cores=$(nproc)
command -v wrk >/dev/null || { echo "bench/pki.sh needs wrk (apt-get install wrk)" >&2; exit 1; }
[ -f dev/target/custos-dev-0.1.0-SNAPSHOT-all.jar ] && [ -z "${CUSTOS_BENCH_REBUILD:-}" ] || ./mvnw -q -B -DskipTests -pl dev -am package
jar=$PWD/dev/target/custos-dev-0.1.0-SNAPSHOT-all.jar
conscrypt=bench/target/conscrypt-openjdk-uber-2.5.2.jar # a candidate for the ceiling only; the broker does not ship it
[ -f "$conscrypt" ] || ./mvnw -q -B dependency:copy -Dartifact=org.conscrypt:conscrypt-openjdk-uber:2.5.2 -DoutputDirectory=bench/target
. bench/pg.sh
pgport=8295
throwaway_pg pki-bench "$pgport" -F -c synchronous_commit=off
stop_pg() { as_pg /usr/lib/postgresql/15/bin/pg_ctl -D "$pg_dir/data" -m immediate stop >/dev/null 2>&1 || true; }
"$java_bin" ${CUSTOS_JAVA_OPTS:--XX:+UseParallelGC} -jar "$jar" server -dev -dev-root-token-id=bench -dev-listen-address=127.0.0.1:$port >/tmp/custos-pki-bench.log 2>&1 &
broker=$!
trap 'kill $broker 2>/dev/null || true; stop_pg' EXIT
until grep -q "Root Token" /tmp/custos-pki-bench.log; do sleep 0.5; done
api() { curl -sf -o /dev/null -H 'X-Vault-Token: bench' -d "$2" "http://127.0.0.1:$port/v1/$1"; }
api sys/mounts/pki '{"type":"pki"}'
api pki/root/generate/internal '{"common_name":"Bench Root","key_type":"ec"}'
for t in ec rsa; do
  api pki/roles/$t-nostore "{\"allow_any_name\":true,\"key_type\":\"$t\",\"no_store\":true,\"ttl\":\"1h\"}"
  api pki/roles/$t-store "{\"allow_any_name\":true,\"key_type\":\"$t\",\"no_store\":false,\"ttl\":\"1h\"}"
done
lua=$(mktemp /tmp/custos-pki-XXXX.lua)
cat > "$lua" <<'LUA'
wrk.method = "POST"
wrk.body   = '{"common_name":"svc.example.com"}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-Vault-Token"] = "bench"
LUA
rps() { wrk -t2 -c"${3:-4}" -d"$2s" -s "$lua" "http://127.0.0.1:$port/v1/pki/issue/$1" | awk '/Non-2xx/ {bad=1} /Requests\/sec/ {r=$2} END {if (bad) print "ERR"; else print r}'; }
ceiling() { "$java_bin" ${CUSTOS_JAVA_OPTS:--XX:+UseParallelGC} --enable-native-access=ALL-UNNAMED -cp "$jar:$conscrypt" bench/PkiBench.java "$1" "$cores" "$2" "${@:3}"; }
stored_ceiling() { ceiling "$1" "$2" "jdbc:postgresql://127.0.0.1:$pgport/postgres" postgres "$pg_password"; }
median() { printf '%s\n' "$@" | sort -n | sed -n 2p; }
echo "warming up (JIT) ..."
for t in $types; do rps $t-nostore 20 >/dev/null; rps $t-store 20 >/dev/null; done
echo "java: $("$java_bin" -version 2>&1 | head -1); wrk -t2 -c4; ceiling on $cores threads; medians of 3 rounds of ${secs}s"
echo "| key | ceiling: in-process keygen + sign | Custos \`issue\` no_store | ratio | ceiling + INSERT | Custos \`issue\` stored | ratio to it (to keygen + sign) | stored, 16 connections (to keygen + sign) |"
echo "|---|---|---|---|---|---|---|---|"
for t in $types; do
  c=(); n=(); cs=(); s=(); w=()
  for round in 1 2 3; do
    c+=("$(ceiling $t "$secs")"); n+=("$(rps $t-nostore "$secs")")
    cs+=("$(stored_ceiling $t "$secs")"); s+=("$(rps $t-store "$secs")"); w+=("$(rps $t-store "$secs" 16)")
  done
  cm=$(median "${c[@]}"); nm=$(median "${n[@]}"); csm=$(median "${cs[@]}"); sm=$(median "${s[@]}"); wm=$(median "${w[@]}")
  awk -v t="$t" -v c="$cm" -v n="$nm" -v d="$csm" -v s="$sm" -v w="$wm" -v cl="${c[*]}" -v nl="${n[*]}" -v dl="${cs[*]}" -v sl="${s[*]}" -v wl="${w[*]}" 'BEGIN {
    printf "| %s | %.0f/s (%s) | %.0f/s (%s) | %.0f %% | %.0f/s (%s) | %.0f/s (%s) | %.0f %% (%.0f %%) | %.0f/s (%s) (%.0f %%) |\n",
      (t == "ec" ? "EC P-256" : "RSA 2048"), c, cl, n, nl, 100 * n / c, d, dl, s, sl, 100 * s / d, 100 * s / c, w, wl, 100 * w / c }'
done
