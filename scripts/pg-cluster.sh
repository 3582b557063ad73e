#!/usr/bin/env bash
# Throwaway PostgreSQL clusters on ports of their own, for the availability
# tests (tests/integration/availability.rs) and the drills (bench/drill-*.sh):
# a primary, and hot standbys streaming from it made with pg_basebackup -R.
# Trust auth on 127.0.0.1 only; each cluster lives in the folder given.
#
#   pg-cluster.sh primary DIR PORT          initdb + start
#   pg-cluster.sh standby DIR PORT PRIMARY_PORT [sync]
#                                           pg_basebackup -R from the primary
#                                           + start, as application_name s1;
#                                           `sync`: from then on the primary's
#                                           commits wait for it (synchronous
#                                           replication)
#   pg-cluster.sh start|restart DIR         start or restart (fast) the cluster
#   pg-cluster.sh stop DIR [MODE]           stop: fast (default) or immediate
#   pg-cluster.sh promote DIR               promote a standby to primary
#   pg-cluster.sh destroy DIR               stop it (immediate) and delete DIR
#
# As root, the clusters run as the `postgres` user. The PostGIS package must
# be installed (scripts/test.sh and scripts/dev.sh make sure it is).
set -euo pipefail

bin=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)}
[ -n "$bin" ] || { echo "pg-cluster.sh: no PostgreSQL server binaries under /usr/lib/postgresql" >&2; exit 1; }

as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

make_dir() { # DIR: an empty folder the cluster's user owns
  mkdir -p "$1"
  chmod 700 "$1"
  if [ "$(id -u)" = 0 ]; then chown postgres "$1"; fi
}

start() { # DIR
  as_owner "$bin/pg_ctl" -D "$1" -l "$1/log" -w -t 60 start >/dev/null
}

cmd=${1:?usage: pg-cluster.sh primary|standby|start|restart|stop|promote|destroy DIR ...}
dir=${2:?the cluster folder}
case "$cmd" in
  primary)
    port=${3:?the port}
    make_dir "$dir"
    as_owner "$bin/initdb" -D "$dir" -U postgres --auth=trust --no-sync >/dev/null
    {
      echo "port = $port"
      echo "listen_addresses = '127.0.0.1'"
      echo "unix_socket_directories = '/tmp'"
      echo "wal_level = replica"
      echo "max_wal_senders = 10"
      echo "wal_keep_size = '256MB'"
      echo "hot_standby = on"
      echo "fsync = off"
      echo "shared_buffers = '64MB'"
    } >> "$dir/postgresql.conf"
    echo "host replication all 127.0.0.1/32 trust" >> "$dir/pg_hba.conf"
    start "$dir"
    ;;
  standby)
    port=${3:?the port}
    primary=${4:?the primary port}
    make_dir "$dir"
    as_owner "$bin/pg_basebackup" -h 127.0.0.1 -p "$primary" -U postgres -D "$dir" -R \
      -X stream --no-sync --checkpoint=fast
    {
      echo "port = $port"
      echo "unix_socket_directories = '/tmp'"
      echo "primary_conninfo = 'host=127.0.0.1 port=$primary user=postgres application_name=s1'"
      # A promoted standby must not wait for a standby of its own.
      echo "synchronous_standby_names = ''"
    } >> "$dir/postgresql.auto.conf"
    start "$dir"
    if [ "${5:-}" = sync ]; then
      psql -h 127.0.0.1 -p "$primary" -U postgres -qAt \
        -c "ALTER SYSTEM SET synchronous_standby_names = 's1'" -c "SELECT pg_reload_conf()" >/dev/null
    fi
    ;;
  start) start "$dir" ;;
  restart) as_owner "$bin/pg_ctl" -D "$dir" -l "$dir/log" -w -t 60 -m fast restart >/dev/null ;;
  stop) as_owner "$bin/pg_ctl" -D "$dir" -w -t 60 -m "${3:-fast}" stop >/dev/null ;;
  promote) as_owner "$bin/pg_ctl" -D "$dir" -w -t 60 promote >/dev/null ;;
  destroy)
    if [ -f "$dir/postmaster.pid" ]; then
      as_owner "$bin/pg_ctl" -D "$dir" -w -t 30 -m immediate stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
    ;;
  *) echo "pg-cluster.sh: unknown command $cmd" >&2; exit 2 ;;
esac
