#!/usr/bin/env bash
# The project-local PostgreSQL cluster: `db.sh start` prints a DATABASE_URL for
# it (initialising it on first use), `db.sh stop` stops it. It lives under
# var/pg (or, where the postgres user cannot reach the checkout, under
# /var/tmp), listens on 127.0.0.1:$GIS_PGPORT only, and never touches any
# other cluster's data. initdb refuses root, so it runs as the postgres user.
set -eu
cd "$(dirname "$0")/.."
BASE_PORT="${GIS_PGPORT:-55432}"
die() { echo "error: $*" >&2; exit 1; }

pgbin() {
  local m
  m=$(ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -1)
  [ -n "$m" ] && [ -x "/usr/lib/postgresql/$m/bin/initdb" ] || die "no PostgreSQL server binaries under /usr/lib/postgresql; run 'make run' to install them"
  echo "/usr/lib/postgresql/$m/bin"
}

as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

cluster_dir() {
  local local_dir="$PWD/var/pg"
  mkdir -p "$local_dir"
  if [ "$(id -u)" -eq 0 ]; then
    chown postgres: "$local_dir"
    if ! runuser -u postgres -- test -w "$local_dir"; then
      # The checkout is not reachable by the postgres user (e.g. under /root).
      local_dir="/var/tmp/tanbinh-gis-$(echo -n "$PWD" | sha1sum | cut -c1-12)"
      mkdir -p "$local_dir" && chown postgres: "$local_dir"
      ln -sfn "$local_dir" "$PWD/var/pg-data-link"
    fi
  fi
  echo "$local_dir"
}

port_taken() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

free_port() {
  # Another checkout's cluster may already hold the base port: take the next free one.
  local p=$BASE_PORT
  while port_taken "$p"; do
    p=$((p + 1))
    [ "$p" -lt $((BASE_PORT + 50)) ] || die "no free port in $BASE_PORT-$((BASE_PORT + 49)); set GIS_PGPORT"
  done
  echo "$p"
}

start() {
  local bin dir PGPORT
  bin=$(pgbin); dir=$(cluster_dir)
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    PGPORT=$(free_port)
    echo "setup: creating the project-local PostgreSQL cluster in $dir" >&2
    as_pg "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
      || die "initdb failed; see $dir/initdb.log"
    cat >>"$dir/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PGPORT
unix_socket_directories = '$dir'
shared_buffers = 512MB
work_mem = 32MB
maintenance_work_mem = 256MB
max_wal_size = 4GB
CONF
    echo "$PGPORT" >"$dir/port"
  fi
  PGPORT=$(cat "$dir/port")
  if ! as_pg "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
    if port_taken "$PGPORT"; then
      die "port $PGPORT of the project-local cluster is taken by another program; stop it, or 'make clean' to start afresh"
    fi
    as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null \
      || die "the project-local PostgreSQL did not start; see $dir/server.log"
  fi
  echo "postgis://postgres@127.0.0.1:$PGPORT/${GIS_DBNAME:-tanbinh}"
}

stop() {
  local bin dir
  bin=$(pgbin); dir=$(cluster_dir)
  if [ -f "$dir/data/PG_VERSION" ] && as_pg "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
    as_pg "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null && echo "project-local PostgreSQL stopped"
  else
    echo "project-local PostgreSQL is not running"
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) die "usage: scripts/db.sh start|stop" ;;
esac
