#!/usr/bin/env bash
# Runs every benchmark and writes docs/benchmarks.md. See bench/README.md.
#   bench/run-all.sh                 # build-bench (Release) is built if $STACKVISOR_BIN is unset
#   BENCH_RUNS=3 bench/run-all.sh    # fewer runs per figure (default 5)
#   BENCH_OUT=/tmp/b.md bench/run-all.sh   # write the report elsewhere
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
cd "$root"
start=$(date +%s)

if [ -z "${STACKVISOR_BIN:-}" ]; then
  build="${BENCH_BUILD_DIR:-$root/build-bench}"
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$build" -j2 --target stackvisor
  export STACKVISOR_BIN="$build/app/stackvisor"
fi
for peer in supervisord tini foreman cc; do
  command -v "$peer" >/dev/null || echo "run-all: $peer missing (bench/install-peers.sh installs it); its rows are skipped" >&2
done

work="$(mktemp -d "${TMPDIR:-/tmp}/stackvisor-run-all-XXXXXX")"
json="$work/results.json"
log="$work/console.log"
runs="${BENCH_RUNS:-5}"
cmds=(
  "bench/throughput.sh --runs $runs"
  "bench/idle.sh --runs $runs"
  "bench/startstop.sh --runs $runs"
  "bench/latency.sh --runs $runs"
  "bench/scale.sh --runs ${SCALE_RUNS:-3}"
)
for c in "${cmds[@]}"; do
  echo "== $c" | tee -a "$log"
  # shellcheck disable=SC2086
  $c --json "$json" 2>&1 | tee -a "$log"
done

# Seed 000 needs the examples' Debian packages and port 80 (root, or the sysctl): a failure is
# reported and its row left out, not fatal to the other figures.
seed="bench/seed_cold_start.sh --runs ${SEED_RUNS:-3}"
cmds+=("$seed")
echo "== $seed" | tee -a "$log"
# shellcheck disable=SC2086
$seed --json "$json" 2>&1 | tee -a "$log" || echo "run-all: seed_cold_start failed; its row is missing" | tee -a "$log"

end=$(date +%s)
out="${BENCH_OUT:-$root/docs/benchmarks.md}"
/usr/bin/python3 "$here/py/report.py" "$json" "$out" --bin "$STACKVISOR_BIN" \
  --commands "$(printf 'STACKVISOR_BIN=%s\n' "$STACKVISOR_BIN"; printf '%s\n' "${cmds[@]}")" \
  --notes "$here/notes.md" --duration "$(( (end - start) / 60 )) min $(( (end - start) % 60 )) s"
echo "run-all: done in $(( end - start )) s; raw results and console log in $work"
