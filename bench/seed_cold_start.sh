#!/usr/bin/env bash
# Cold start of seed 000 (examples/channels-postgis-nginx) from its compose files against the
# hand-written examples/django-channels manifest, same run, medians of --runs N (default 5),
# and their ratio (target <= 1.1). See bench/py/seed_cold_start.py and bench/README.md.
# The seed uses fixed ports (80, 5432, 6379, 8000, 8001): serialised with the e2e tests.
set -euo pipefail
here="$(dirname "$0")/py"
exec flock /tmp/stackvisor-e2e.lock /usr/bin/python3 "$here/seed_cold_start.py" "$@"
