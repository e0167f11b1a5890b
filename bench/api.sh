#!/usr/bin/env bash
# The control-plane benchmarks (issue 11); see bench/README.md.
#   bench/api.sh ps|load|idle|restart [OPTIONS]   one of them (--help for its options)
#   bench/api.sh all [--bin PATH] [--json FILE]   the four, one after the other
set -euo pipefail
here="$(dirname "$0")/py"
what="${1:-all}"
[ $# -gt 0 ] && shift
case "$what" in
  ps|load|idle|restart) exec /usr/bin/python3 "$here/api_$what.py" "$@" ;;
  all) for b in ps load idle restart; do /usr/bin/python3 "$here/api_$b.py" "$@"; done ;;
  -h|--help) sed -n '2,4p' "$0" ;;
  *) echo "usage: bench/api.sh ps|load|idle|restart|all [OPTIONS]" >&2; exit 2 ;;
esac
