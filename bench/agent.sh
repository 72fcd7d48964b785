#!/usr/bin/env bash
# The agent's footprint: RSS when idle with 10 templates (3 KV, 5 database credentials, 2
# certificates), time from start to the first complete render, and broker requests per minute in
# steady state (counted from the agent's own metrics). A dev broker and a throwaway PostgreSQL
# cluster (the target of the database credentials) are started here.
# Usage: bench/agent.sh [steady-seconds]   (JAVA_HOME selects the JDK)
set -euo pipefail
cd "$(dirname "$0")/.."
steady="${1:-120}"
java_bin="${JAVA_HOME:+$JAVA_HOME/bin/}java"
pgbin=/usr/lib/postgresql/15/bin
broker_port=8291; pg_port=55491; agent_port=8292
work=$(mktemp -d /tmp/custos-agent-bench.XXXX); chmod 755 "$work"
./mvnw -q -B -DskipTests -pl dev,agent-injector/agent -am package
cleanup() {
  kill "${agent:-}" "${broker:-}" 2>/dev/null || true
  runuser -u postgres -- "$pgbin/pg_ctl" -D "$work/pg" -m immediate stop >/dev/null 2>&1 || true
}
trap cleanup EXIT
# the target: a throwaway cluster with password auth
echo benchpw > "$work/pwfile"; mkdir "$work/pg"; chown postgres "$work/pwfile" "$work/pg"; chmod 777 "$work"
runuser -u postgres -- "$pgbin/initdb" -D "$work/pg" -U postgres --auth=scram-sha-256 --pwfile="$work/pwfile" >/dev/null
runuser -u postgres -- "$pgbin/pg_ctl" -D "$work/pg" -o "-p $pg_port -k $work -c listen_addresses=127.0.0.1" -l "$work/pg.log" start >/dev/null
"$java_bin" -jar dev/target/custos-dev-0.1.0-SNAPSHOT-all.jar server -dev -dev-root-token-id=bench \
  -dev-listen-address=127.0.0.1:$broker_port >"$work/broker.log" 2>&1 &
broker=$!
until grep -q "Root Token" "$work/broker.log"; do sleep 0.5; done
A=http://127.0.0.1:$broker_port/v1
api() { curl -sf -H 'X-Vault-Token: bench' -H 'Content-Type: application/json' "$@" >/dev/null; }
for i in 1 2 3; do api -d "{\"data\":{\"password\":\"kv$i\"}}" $A/secret/data/app$i; done
api -d '{"type":"database"}' $A/sys/mounts/database
api -d "{\"plugin_name\":\"postgresql-database-plugin\",\"connection_url\":\"postgresql://{{username}}:{{password}}@127.0.0.1:$pg_port/postgres?sslmode=disable\",\"username\":\"postgres\",\"password\":\"benchpw\",\"allowed_roles\":\"*\"}" $A/database/config/pg
api -d '{"db_name":"pg","creation_statements":"CREATE ROLE \"{{name}}\" WITH LOGIN PASSWORD '"'"'{{password}}'"'"' VALID UNTIL '"'"'{{expiration}}'"'"'","default_ttl":"1h","max_ttl":"24h"}' $A/database/roles/app
api -d '{"type":"pki"}' $A/sys/mounts/pki
api -d '{"common_name":"bench root","key_type":"ec"}' $A/pki/root/generate/internal
api -d '{"allow_any_name":true,"key_type":"ec","max_ttl":"24h"}' $A/pki/roles/web
{
  echo "vault { address = \"http://127.0.0.1:$broker_port\" }"
  echo "listener \"tcp\" {"; echo "  address = \"127.0.0.1:$agent_port\""; echo "  tls_disable = true"; echo "}"
  for i in 1 2 3; do
    echo "template {"; echo "  contents = \"{{ with secret \\\"secret/app$i\\\" }}{{ .Data.data.password }}{{ end }}\""
    echo "  destination = \"$work/out/kv$i\""; echo "}"
  done
  for i in 1 2 3 4 5; do
    echo "template {"; echo "  contents = \"{{ with secret \\\"database/creds/app\\\" }}{{ .Data.username }}{{ end }}$i\""
    echo "  destination = \"$work/out/db$i\""; echo "}"
  done
  for i in 1 2; do
    echo "template {"; echo "  contents = \"{{ with pkiCert \\\"pki/issue/web\\\" \\\"common_name=svc$i.example.com\\\" }}{{ .Cert }}{{ .Key }}{{ end }}\""
    echo "  destination = \"$work/out/cert$i.pem\""; echo "}"
  done
} > "$work/agent.hcl"
start=$(date +%s%N)
VAULT_TOKEN=bench ./custos agent -config="$work/agent.hcl" >"$work/agent.log" 2>&1 &
agent=$!
until [ "$(ls "$work/out" 2>/dev/null | wc -l)" -ge 10 ]; do sleep 0.02; done
first=$(( ($(date +%s%N) - start) / 1000000 ))
sleep 5
jpid=$(pgrep -f "custos-agent-0.1.0-SNAPSHOT-all.jar -config=$work" | head -1)
metric() { curl -s "http://127.0.0.1:$agent_port/agent/v1/metrics" | awk -v m="$1" '$1 == m {print $2}'; }
before=$(( $(metric custos_agent_renewals_total) + $(metric custos_agent_fetches_total) ))
sleep "$steady"
after=$(( $(metric custos_agent_renewals_total) + $(metric custos_agent_fetches_total) ))
rss=$(awk '/VmRSS/ {print $2}' /proc/$jpid/status)
echo "measured pid $jpid: $(tr '\0' ' ' < /proc/$jpid/cmdline | cut -c1-200)" >&2
grep -E 'Rss|Pss_Anon|Pss_File' /proc/$jpid/smaps_rollup >&2 || true
[ -n "${CUSTOS_BENCH_NMT:-}" ] && "${JAVA_HOME:+$JAVA_HOME/bin/}jcmd" "$jpid" VM.native_memory summary >&2
echo "java: $("$java_bin" -version 2>&1 | head -1)"
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
echo "time to first complete render (10 templates): ${first} ms"
echo "agent RSS idle with 10 templates: $(( rss / 1024 )) MiB"
awk -v n=$((after - before)) -v s="$steady" 'BEGIN { printf "broker requests per minute in steady state: %.1f\n", n * 60 / s }'
