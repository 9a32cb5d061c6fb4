#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for leadctl's tests of the shared ledger (doc/ledger.md).
#
#   scripts/pg-test.sh cargo test --locked     # start a cluster, run the command with
#                                              # LEADCTL_TEST_POSTGRES set, stop and remove it
#   scripts/pg-test.sh                         # the same with `cargo test --locked`
#   scripts/pg-test.sh bash                    # a shell with the cluster (exit to stop it)
#
# The cluster: PostgreSQL 15 from `pg_config --bindir` (Debian's postgresql-15), initdb into a
# temporary directory (as the `postgres` user when run as root: PostgreSQL refuses root), on a
# free loopback port, password authentication (scram) over TCP, TLS on with a throwaway
# self-signed certificate. It is stopped and removed when the command ends, also on failure or
# Ctrl-C. fsync is off (a test cluster needs no durability) unless PG_FSYNC=on (the benchmark).
# Without it, the PostgreSQL tests fail saying how to start it; LEADCTL_TEST_NO_POSTGRES=1
# opts out of them for a local run.
set -euo pipefail
cd "$(dirname "$0")/.."

[ $# -gt 0 ] || set -- cargo test --locked

bindir=$(pg_config --bindir 2>/dev/null) || {
  echo "pg-test: pg_config not found: install PostgreSQL 15 (Debian: apt-get install postgresql-15)" >&2
  exit 1
}
[ -x "$bindir/initdb" ] || { echo "pg-test: no initdb in $bindir" >&2; exit 1; }

as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

dir=$(mktemp -d "${TMPDIR:-/tmp}/leadctl-pg.XXXXXX")
data=$dir/data
started=
cleanup() {
  if [ -n "$started" ]; then
    as_pg "$bindir/pg_ctl" -D "$data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
}
trap cleanup EXIT
[ "$(id -u)" = 0 ] && chown postgres "$dir"

password=leadctl-test-$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')
printf '%s\n' "$password" > "$dir/pwfile"
[ "$(id -u)" = 0 ] && chown postgres "$dir/pwfile"
as_pg "$bindir/initdb" -D "$data" -U postgres --pwfile="$dir/pwfile" --auth-local=trust \
  --auth-host=scram-sha-256 -E UTF8 --no-sync >"$dir/initdb.log" 2>&1 || {
  cat "$dir/initdb.log" >&2
  exit 1
}

# TLS with a self-signed certificate for localhost (the tests that check certificates make
# their own CA and cluster).
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
  -keyout "$data/server.key" -out "$data/server.crt" >/dev/null 2>&1
chmod 600 "$data/server.key"
[ "$(id -u)" = 0 ] && chown postgres "$data/server.key" "$data/server.crt"

# A free loopback port: bind port 0 and keep what the kernel gave.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >>"$data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
ssl = on
fsync = ${PG_FSYNC:-off}
synchronous_commit = ${PG_FSYNC:-off}
full_page_writes = ${PG_FSYNC:-off}
max_connections = 200
EOF
as_pg "$bindir/pg_ctl" -D "$data" -l "$dir/server.log" -w -t 60 start >/dev/null || {
  cat "$dir/server.log" >&2
  exit 1
}
started=1

export LEADCTL_TEST_POSTGRES="postgres://postgres:$password@127.0.0.1:$port/postgres"
export LEADCTL_TEST_PG_BINDIR=$bindir
echo "pg-test: PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on 127.0.0.1:$port (data in $data); LEADCTL_TEST_POSTGRES is set" >&2
# In the background, so that a signal to this script stops the command and the cluster at once
# (bash runs a trap only once its foreground command has ended); stdin stays the caller's. A
# background command of a script starts with SIGINT and SIGQUIT ignored, which every leadctl the
# tests start would inherit (the Ctrl-C tests then fail): the subshell puts them back.
( trap - INT QUIT; exec "$@" ) 0<&0 &
child=$!
trap 'kill -TERM "$child" 2>/dev/null || true; exit 143' TERM
trap 'kill -INT "$child" 2>/dev/null || true; exit 130' INT
wait "$child"
