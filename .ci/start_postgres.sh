#!/usr/bin/env bash
# Start a throwaway PostgreSQL cluster on 127.0.0.1 and print its SQLAlchemy URL on stdout.
#
#   export POLICY_QA_DATABASE_URL="$(bash .ci/start_postgres.sh)"
#   ...tests...
#   bash .ci/start_postgres.sh --stop
#
# Debian's postgresql (initdb, pg_ctl) must be installed; the cluster lives in a temp
# folder owned by the `postgres` user (initdb refuses to run as root). Logs go to stderr.
set -euo pipefail

STATE="${POLICY_QA_PG_STATE:-/tmp/policy-qa-pg}"
PORT="${POLICY_QA_PG_PORT:-54329}"
DB="${POLICY_QA_PG_DB:-policy_qa_test}"

bindir() {
  # Debian's server binaries; /usr/bin/pg_ctl, where present, may be pg_wrapper instead.
  local d
  d="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1 || true)"
  if [ -n "$d" ] && [ -x "$d/initdb" ]; then
    echo "$d"
    return
  fi
  if command -v initdb >/dev/null 2>&1; then
    dirname "$(readlink -f "$(command -v initdb)")"
    return
  fi
  echo "PostgreSQL is not installed (apt-get install -y postgresql)" >&2
  exit 1
}
BIN="$(bindir)"

as_pg() {
  if [ "$(id -u)" = 0 ]; then
    # runuser keeps the environment minimal; postgres must be able to enter the folder.
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

if [ "${1:-}" = "--stop" ]; then
  if [ -f "$STATE/data/postmaster.pid" ]; then
    as_pg "$BIN/pg_ctl" -D "$STATE/data" -m fast -w stop >&2 || true
  fi
  rm -rf "$STATE"
  exit 0
fi

if [ -f "$STATE/data/postmaster.pid" ] && as_pg "$BIN/pg_ctl" -D "$STATE/data" status >/dev/null 2>&1; then
  echo "postgresql+psycopg://postgres@127.0.0.1:$PORT/$DB"
  exit 0
fi

rm -rf "$STATE"
mkdir -p "$STATE"
if [ "$(id -u)" = 0 ]; then
  id postgres >/dev/null 2>&1 || useradd --system --home-dir "$STATE" --shell /usr/sbin/nologin postgres
  chown postgres "$STATE"
fi
as_pg "$BIN/initdb" -D "$STATE/data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >&2
as_pg "$BIN/pg_ctl" -D "$STATE/data" -l "$STATE/server.log" -w -t 60 \
  -o "-c listen_addresses=127.0.0.1 -p $PORT -c unix_socket_directories=$STATE -c fsync=off" start >&2
as_pg "$BIN/createdb" -h 127.0.0.1 -p "$PORT" -U postgres "$DB" >&2
echo "postgresql+psycopg://postgres@127.0.0.1:$PORT/$DB"
