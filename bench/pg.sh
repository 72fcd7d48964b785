# Sourced by the benchmarks that need a PostgreSQL of their own: a throwaway PostgreSQL 15 cluster
# (initdb, SCRAM password auth, loopback only) in a temporary directory, stopped on exit.
#   throwaway_pg NAME PORT [postgres -c options...]   sets $pg_dir and $pg_password
throwaway_pg() {
  local name="$1" port="$2"
  shift 2
  local pgbin="${CUSTOS_PG_BIN:-/usr/lib/postgresql/15/bin}"
  pg_dir=$(mktemp -d "/tmp/custos-$name.XXXX")
  pg_password="bench-$RANDOM$RANDOM"
  echo "$pg_password" > "$pg_dir/pw"
  [ "$(id -u)" = 0 ] && chown -R postgres "$pg_dir"
  as_pg "$pgbin/initdb" -D "$pg_dir/data" -U postgres --auth=scram-sha-256 --pwfile="$pg_dir/pw" >/dev/null
  as_pg "$pgbin/pg_ctl" -D "$pg_dir/data" -w -l "$pg_dir/log" \
    -o "-p $port -k $pg_dir -c listen_addresses=127.0.0.1 $*" start >/dev/null
  trap 'as_pg "'"$pgbin"'/pg_ctl" -D "'"$pg_dir"'/data" -m immediate stop >/dev/null 2>&1 || true' EXIT
}
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
