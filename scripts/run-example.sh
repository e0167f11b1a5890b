#!/bin/sh
# Brings the examples/django-channels stack up from a fresh Debian 12 machine:
# installs what is missing (apt-get, root or sudo), builds stackvisor, writes
# examples/django-channels/.env from .env.example on first use (random secrets, the right
# DB_OS_USER for who you are), then runs `stackvisor up` in the foreground. Ctrl-C stops it.
# Works from any checkout location, as root or not; see STATE_DIR below for where data goes.
#
# Usage: scripts/run-example.sh [--dev] [extra `stackvisor up` arguments...]
#   --dev   the dev shape (compose.yaml + compose.dev.yaml): daphne serves HTTP and websockets
set -eu
cd "$(dirname "$0")/.."
root=$(pwd -P)
example="$root/examples/django-channels"

dev=0
if [ "${1:-}" = "--dev" ]; then
  dev=1
  shift
fi

scripts/install-deps.sh

if [ ! -x build/app/stackvisor ] || [ -n "$(find app base config healthcheck logmux procs supervisor \
    CMakeLists.txt -newer build/app/stackvisor -print -quit 2>/dev/null)" ]; then
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release
  cmake --build build
fi

env_file="$example/.env"
if [ ! -f "$env_file" ]; then
  secret() { od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'; }
  if [ "$(id -u)" -eq 0 ]; then
    db_user=postgres
  else
    # Without root stackvisor cannot switch users: postgres runs as you.
    db_user=$(id -un)
  fi
  sed -e "s|^POSTGRES_PASSWORD=.*|POSTGRES_PASSWORD=$(secret 18)|" \
      -e "s|^DJANGO_SECRET_KEY=.*|DJANGO_SECRET_KEY=$(secret 32)|" \
      -e "s|^#DB_OS_USER=.*|DB_OS_USER=$db_user|" \
      "$example/.env.example" > "$env_file.new"
  chmod 600 "$env_file.new"
  mv "$env_file.new" "$env_file"
  echo "run-example: wrote $env_file (random secrets, DB_OS_USER=$db_user)"
fi

# Values from the environment win over .env, as in compose.
val() {
  eval "cur=\${$1:-}"
  if [ -z "$cur" ]; then
    cur=$(sed -n "s/^$1=//p" "$env_file" | tail -n 1)
  fi
  echo "${cur:-$2}"
}

# The state directory (database, static files...) is kept apart from the checkout, so the
# checkout may be anywhere, a 0700 home included: as root in a place postgres (DB_OS_USER) and
# nginx's workers (nobody) can reach, otherwise in the user's XDG state directory. STATE_DIR
# (environment, then .env) overrides it; the `state` one-shot refuses one they cannot reach.
STATE_DIR=$(val STATE_DIR "")
if [ -z "$STATE_DIR" ]; then
  if [ "$(id -u)" -eq 0 ]; then
    STATE_DIR=/var/lib/stackvisor/django-channels
  else
    STATE_DIR=${XDG_STATE_HOME:-$HOME/.local/state}/stackvisor/django-channels
  fi
fi
export STATE_DIR
echo "run-example: state directory $STATE_DIR (set STATE_DIR to change it)"

files="-f $example/compose.yaml"
if [ "$dev" = 1 ]; then
  files="$files -f $example/compose.dev.yaml"
  url="http://127.0.0.1:$(val WEB_PORT 8000)/"
else
  url="http://$(val HTTP_BIND 127.0.0.1):$(val HTTP_PORT 8080)/"
fi

echo "run-example: starting the stack; open $url once 'all services ready' appears (Ctrl-C stops it)"
# shellcheck disable=SC2086  # $files is a list of words
exec build/app/stackvisor up $files "$@"
