#!/usr/bin/env bash
# What the benchmarks need beyond scripts/setup.sh (CI does not run them): Google Benchmark, ISA-L's igzip
# CLI (raw-codec baseline), bc, perf and valgrind (profiles), unshare (util-linux). Run as root (or with sudo).
set -euo pipefail
exec "$(dirname "$0")/../scripts/setup.sh" libbenchmark-dev isal bc linux-perf valgrind util-linux
