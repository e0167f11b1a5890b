#!/bin/sh
# The test command: install what is missing, build, and run every test, twice: a normal
# optimised build (unit, integration, fault and end-to-end tests) and an AddressSanitizer +
# UndefinedBehaviorSanitizer build (unit, integration and fault tests; the manifest fuzzer
# already builds its own sanitized binary with clang in the first pass).
set -eu
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)

scripts/install-deps.sh
# The export tests' npm validators, as the calling user into a cache (only the tests need them,
# so the example's command does not depend on the npm registry).
scripts/install-test-tools.sh

cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSTACKVISOR_WERROR=ON
cmake --build build -j"$jobs"
ctest --test-dir build --output-on-failure -j1

cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DSTACKVISOR_SANITIZE=ON \
  -DSTACKVISOR_WERROR=ON
cmake --build build-asan -j"$jobs"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  STACKVISOR_SANITIZED=1 ctest --test-dir build-asan --output-on-failure -j1 -LE e2e -E fuzz
echo "test.sh: all tests passed"
