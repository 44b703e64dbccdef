#!/usr/bin/env bash
# A private PostgreSQL cluster for tests: loopback only, a free port, a temporary data
# folder, trust authentication for the superuser "praetor". Never touches a system cluster.
#
#   scripts/pg.sh start   starts it (idempotent) and prints its URL
#   scripts/pg.sh url     prints the URL of the running cluster
#   scripts/pg.sh stop    stops it and removes its folder
#
# The state lives in $PRAETOR_PG_DIR (default /tmp/praetor-pg-$USER-<worktree hash>). The
# server runs as an unprivileged user (postgres refuses root): the invoking user, or
# "postgres" when invoked as root.
set -euo pipefail
cd "$(dirname "$0")/.."

PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
if [ -z "$PG_BIN" ] || [ ! -x "$PG_BIN/initdb" ]; then
  echo "pg.sh: PostgreSQL server binaries not found (install the Debian package postgresql)" >&2
  exit 1
fi
tag=$(pwd | md5sum | cut -c1-8)
DIR=${PRAETOR_PG_DIR:-/tmp/praetor-pg-$(id -un)-$tag}
RUN_AS=$(id -un)
[ "$(id -u)" -eq 0 ] && RUN_AS=postgres

as_owner() {
  if [ "$RUN_AS" = "$(id -un)" ]; then "$@"; else runuser -u "$RUN_AS" -- "$@"; fi
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

url() { echo "postgresql://praetor@127.0.0.1:$(cat "$DIR/port")/postgres"; }

running() { [ -f "$DIR/port" ] && as_owner "$PG_BIN/pg_ctl" -D "$DIR/data" status >/dev/null 2>&1; }

case "${1:-}" in
  start)
    if running; then url; exit 0; fi
    rm -rf "$DIR"
    mkdir -p "$DIR"
    chown "$RUN_AS" "$DIR"
    as_owner "$PG_BIN/initdb" -D "$DIR/data" -U praetor --auth=trust -E UTF8 --locale=C.UTF-8 >"$DIR/initdb.log" 2>&1 ||
      { cat "$DIR/initdb.log" >&2; exit 1; }
    port=$(free_port)
    echo "$port" >"$DIR/port"
    # Tests want speed, not durability across power loss: fsync off for this throwaway cluster.
    as_owner "$PG_BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 60 start \
      -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$DIR -c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
      >/dev/null || { cat "$DIR/server.log" >&2; exit 1; }
    url
    ;;
  url)
    running || { echo "pg.sh: no cluster running (scripts/pg.sh start)" >&2; exit 1; }
    url
    ;;
  stop)
    if running; then as_owner "$PG_BIN/pg_ctl" -D "$DIR/data" -m fast -w stop >/dev/null; fi
    rm -rf "$DIR"
    ;;
  *)
    echo "usage: scripts/pg.sh start|url|stop" >&2
    exit 2
    ;;
esac
