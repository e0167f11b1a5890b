#!/usr/bin/env bash
# Zero-downtime restarts (issue 13): failed requests through nginx while `restart web` runs,
# with socket activation and without, in the same run. See bench/py/socket_restart.py and
# bench/README.md. Options: --seconds 20 --restarts 5 --rate 200 --runs 1 --bin PATH --json FILE.
# The example stack runs on its own fixed ports (BENCH_*_PORT): serialised with the e2e tests.
set -euo pipefail
here="$(dirname "$0")/py"
exec flock /tmp/stackvisor-e2e.lock /usr/bin/python3 "$here/socket_restart.py" "$@"
