#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan+UBSan) in build-fuzz/ and runs each for a bounded time,
# starting from its committed corpus in fuzz/corpus/<target>/ (new inputs go to a scratch directory,
# the committed corpus is left as it is). Fails on the first crash, leak or sanitizer report; the
# reproducer is left in build-fuzz/artifacts/. Usage: scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-25}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(tar_index image_json reference www_authenticate aws_config dockerfile)
cxx="${CXX_FUZZ:-clang++-14}"
cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=None -DCMAKE_CXX_FLAGS="-O1 -g0" -DCMAKE_CXX_COMPILER="$cxx" \
  -DOCI_PUSH_FUZZ=ON -DOCI_PUSH_TESTS=OFF >/dev/null
cmake --build build-fuzz --target $(printf 'fuzz_%s ' "${targets[@]}")
mkdir -p build-fuzz/artifacts
export ASAN_OPTIONS="detect_leaks=1:allocator_may_return_null=1:${ASAN_OPTIONS:-}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:${UBSAN_OPTIONS:-}"
for t in "${targets[@]}"; do
  scratch="build-fuzz/corpus-$t"
  mkdir -p "$scratch"
  log="build-fuzz/fuzz_$t.log"
  max_len=4096
  [ "$t" = tar_index ] && max_len=16384
  if ! "build-fuzz/fuzz/fuzz_$t" -max_total_time="$seconds" -max_len="$max_len" -timeout=10 -rss_limit_mb=2048 \
       -print_final_stats=1 -artifact_prefix="build-fuzz/artifacts/$t-" "$scratch" "fuzz/corpus/$t" >"$log" 2>&1; then
    tail -60 "$log"
    echo "fuzz: $t FAILED (log: $log, reproducer in build-fuzz/artifacts/)" >&2
    exit 1
  fi
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  echo "fuzz: $t: ${runs:-?} executions in ${seconds}s, no crash"
done
