#!/usr/bin/env bash
# Reload (issue 13): 1 changed service of 1,000 applied through the API; see bench/py/reload.py.
#   bench/reload.sh [--services N] [--runs N] [--bin PATH] [--json FILE]
set -euo pipefail
exec /usr/bin/python3 "$(dirname "$0")/py/reload.py" "$@"
