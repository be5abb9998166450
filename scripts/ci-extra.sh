#!/usr/bin/env bash
# CI stages after the README's `scripts/setup.sh && scripts/test.sh` (called by .ci/run):
#  1. the unit tests and the hostile-input integration tests again, built with ASan+UBSan
#     (OCI_PUSH_SANITIZE, g++, build-asan/; any sanitizer report fails the test);
#  2. every libFuzzer target for FUZZ_SECONDS (default 10) each (scripts/fuzz.sh, clang, build-fuzz/).
# ASAN_INTEGRATION (a ctest -R regex) picks the integration tests run under ASan: all unit tests run;
# the whole integration suite under ASan is too slow for CI on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
# -O1 without debug info (the tests' own code -O0: tests/CMakeLists.txt): sanitizer reports keep function
# names, and the build is much faster. A unity build (8 sources a translation unit) takes 5.4 min instead
# of 13 on 2 cores; the main build (scripts/test.sh) stays one file a unit, so a missing #include still
# fails there.
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=None -DCMAKE_CXX_FLAGS="-O1 -g0" -DOCI_PUSH_SANITIZE=ON \
  -DCMAKE_UNITY_BUILD=ON >/dev/null
cmake --build build-asan
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:${ASAN_OPTIONS:-}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:${UBSAN_OPTIONS:-}"
ctest --test-dir build-asan --output-on-failure -j "$(nproc)" -E '^integration\.'
ctest --test-dir build-asan --output-on-failure -j "$(nproc)" -R "${ASAN_INTEGRATION:-^integration\.test_(hostile|bad_input)\$}"
echo "ci-extra: sanitizer stage took $(( $(date +%s) - start ))s"
start=$(date +%s)
scripts/fuzz.sh "${FUZZ_SECONDS:-10}"
echo "ci-extra: fuzz stage took $(( $(date +%s) - start ))s"
