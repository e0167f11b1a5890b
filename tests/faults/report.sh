#!/bin/sh
# Run the fault suite and print every figure it reached (the numbers in docs/reliability.md).
#   tests/faults/report.sh [BUILD_DIR]          (default: build; the stackvisor target must be built)
# Knobs (environment): FAULT_STORM_SECONDS (30), FAULT_CRASH_SECONDS (20), FAULT_STALL_SECONDS (10),
# FAULT_FUZZ_SECONDS (60), FAULT_PG_CYCLES (20), FAULT_FLOOD_BYTES (200000000), FAULT_SEED (1234).
set -u
build=${1:-build}
log=$(mktemp /tmp/stackvisor-faults.XXXXXX)
start=$(date +%s)
( cd "$build" && ctest -L faults -V ) >"$log" 2>&1
rc=$?
end=$(date +%s)
grep -E 'Test +#[0-9]+: faults\.|^[0-9]+: (FAIL|ERROR|SKIP)' "$log"
echo "--- figures"
grep -oE 'FIGURE [A-Za-z0-9_]+=[^ ]+' "$log" | sed 's/^FIGURE //'
echo "--- summary"
grep -E 'tests passed|tests failed|\(Failed\)|\(Timeout\)' "$log"
echo "wall time: $((end - start)) s   (full log: $log)"
exit $rc
