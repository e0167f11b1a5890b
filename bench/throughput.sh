#!/usr/bin/env bash
# See bench/README.md. Options: --help.
exec /usr/bin/python3 "$(dirname "$0")/py/throughput.py" "$@"
