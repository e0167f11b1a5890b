#!/bin/sh
# db-init: one-shot that creates the PostgreSQL cluster on first run, like the official
# postgres image's entrypoint does with POSTGRES_USER / POSTGRES_PASSWORD / POSTGRES_DB and
# /docker-entrypoint-initdb.d. Run by stackvisor as the database OS user (`user:`), never as root.
#
# Idempotent and atomic: when $PGDATA/PG_VERSION exists it does nothing. Otherwise everything is
# built in $PGDATA.init (removed first if an earlier attempt was interrupted) and renamed to
# $PGDATA only once initdb, CREATE DATABASE and every init script have succeeded, so a crash
# at any point leaves either no cluster or a complete one.
#
# Environment:
#   POSTGRES_PASSWORD (required), POSTGRES_USER (default postgres), POSTGRES_DB (default
#   $POSTGRES_USER), PGDATA (default $STATE_DIR/postgres/data), STATE_DIR (default .state),
#   INITDB_DIR (default initdb.d: *.sh, *.sql, *.sql.gz run once, in name order),
#   POSTGRES_INITDB_ARGS (extra initdb arguments), PG_BIN (default /usr/lib/postgresql/15/bin).
set -eu

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
STATE_DIR=${STATE_DIR:-.state}
PGDATA=${PGDATA:-$STATE_DIR/postgres/data}
INITDB_DIR=${INITDB_DIR:-initdb.d}
POSTGRES_USER=${POSTGRES_USER:-postgres}
POSTGRES_DB=${POSTGRES_DB:-$POSTGRES_USER}
export POSTGRES_USER POSTGRES_DB

log() { echo "db-init: $*"; }
die() { echo "db-init: error: $*" >&2; exit 1; }

if [ -s "$PGDATA/PG_VERSION" ]; then
  log "$PGDATA is already initialised ($(cat "$PGDATA/PG_VERSION")), nothing to do"
  exit 0
fi
[ "$(id -u)" -ne 0 ] || die "initdb refuses to run as root: give this service a user: (DB_OS_USER)"
[ -n "${POSTGRES_PASSWORD:-}" ] || die "POSTGRES_PASSWORD is not set (copy .env.example to .env)"
if [ -d "$PGDATA" ]; then
  # An empty directory (made by hand, or a mount point) is fine; anything else is not ours.
  rmdir "$PGDATA" 2>/dev/null || die "$PGDATA exists, is not empty and has no PG_VERSION: refusing to touch it"
fi

start=$(date +%s.%N)
work="$PGDATA.init"
rm -rf "$work"
mkdir -p "$(dirname "$PGDATA")"
tmp=$(mktemp -d /tmp/pg-init.XXXXXX)
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

(umask 077 && printf '%s\n' "$POSTGRES_PASSWORD" > "$tmp/pwfile")
# shellcheck disable=SC2086  # POSTGRES_INITDB_ARGS is a list of words by design
"$PG_BIN/initdb" -D "$work" -U "$POSTGRES_USER" --pwfile="$tmp/pwfile" -E UTF8 \
  --locale=C.UTF-8 --auth-local=trust --auth-host=scram-sha-256 --no-sync ${POSTGRES_INITDB_ARGS:-} \
  > "$tmp/initdb.log" 2>&1 || { cat "$tmp/initdb.log" >&2; die "initdb failed"; }
rm -f "$tmp/pwfile"

# A temporary server reachable only through a unix socket in a private directory, so no client
# can see a half-initialised database. It is our child (not pg_ctl's daemon), so it cannot
# outlive this script. Stopped with SIGTERM: background jobs of a non-interactive shell ignore
# SIGINT, and with no clients left a "smart" stop is as quick as a "fast" one.
"$PG_BIN/postgres" -D "$work" -k "$tmp" -c listen_addresses='' -c fsync=off \
  -p "${POSTGRES_PORT:-5432}" &
server_pid=$!
deadline=$(( $(date +%s) + 60 ))
# Line 8 of postmaster.pid becomes "ready" once connections are accepted; polling it, rather than
# connecting, keeps "the database system is starting up" errors out of the log.
until [ "$(sed -n 8p "$work/postmaster.pid" 2>/dev/null | tr -d ' ')" = ready ]; do
  kill -0 "$server_pid" 2>/dev/null || die "temporary server exited during initialisation"
  [ "$(date +%s)" -lt "$deadline" ] || die "temporary server not ready after 60 s"
  sleep 0.05
done

export PGHOST="$tmp" PGPORT="${POSTGRES_PORT:-5432}" PGUSER="$POSTGRES_USER" PGDATABASE=postgres
export PATH="$PG_BIN:$PATH"
psql="psql -X -q -v ON_ERROR_STOP=1"
if [ "$POSTGRES_DB" != postgres ]; then
  echo 'CREATE DATABASE :"db";' | $psql -v db="$POSTGRES_DB"
  log "created database $POSTGRES_DB"
fi
export PGDATABASE="$POSTGRES_DB"

if [ -d "$INITDB_DIR" ]; then
  for f in "$INITDB_DIR"/*; do
    [ -e "$f" ] || continue
    case "$f" in
      *.sh)
        # Like the official image: executable scripts are run, others are sourced.
        if [ -x "$f" ]; then log "running $f"; "$f"; else log "sourcing $f"; . "$f"; fi ;;
      *.sql) log "running $f"; $psql -f "$f" ;;
      *.sql.gz) log "running $f"; gunzip -c "$f" | $psql ;;
      *) log "ignoring $f" ;;
    esac
  done
fi

kill -TERM "$server_pid"
wait "$server_pid" || die "temporary server did not stop cleanly"
server_pid=""
# --no-sync and fsync=off above only speed up the one-off load: flush it all before publishing.
sync
mv "$work" "$PGDATA"
log "initialised $PGDATA for user $POSTGRES_USER, database $POSTGRES_DB" \
  "in $(echo "$(date +%s.%N) - $start" | awk '{printf "%.2f s", $1 - $3}')"
