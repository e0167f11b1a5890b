#!/bin/sh
# wait-for.sh HOST:PORT [-t SECONDS] [-q] [-- COMMAND [ARGS...]]
# Waits until HOST accepts TCP connections on PORT, then runs COMMAND (if given).
# Exits 1 if the port does not open within the timeout (default 15 s).

timeout=15
quiet=0
host=""
port=""

usage() {
  echo "usage: $0 host:port [-t timeout] [-q] [-- command args]" >&2
  exit 2
}

say() {
  [ "$quiet" -eq 1 ] || echo "$@" >&2
}

while [ $# -gt 0 ]; do
  case "$1" in
    *:*)
      host=${1%:*}
      port=${1##*:}
      shift
      ;;
    -t)
      [ $# -ge 2 ] || usage
      timeout=$2
      shift 2
      ;;
    --timeout=*)
      timeout=${1#--timeout=}
      shift
      ;;
    -q|--quiet)
      quiet=1
      shift
      ;;
    --)
      shift
      break
      ;;
    *)
      echo "$0: unknown argument: $1" >&2
      usage
      ;;
  esac
done

[ -n "$host" ] && [ -n "$port" ] || usage
command -v nc >/dev/null 2>&1 || { echo "$0: nc not found (install netcat)" >&2; exit 1; }

waited=0
until nc -z "$host" "$port" >/dev/null 2>&1; do
  if [ "$waited" -ge "$timeout" ]; then
    echo "$0: timed out after $timeout s waiting for $host:$port" >&2
    exit 1
  fi
  sleep 1
  waited=$((waited + 1))
done
say "$host:$port is available after $waited s"

[ $# -gt 0 ] || exit 0
exec "$@"
