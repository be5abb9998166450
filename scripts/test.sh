#!/usr/bin/env bash
# Builds oci-push (Release) and runs every test: unit tests and integration tests against a real registry.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release
cmake --build build
ctest --test-dir build --output-on-failure -j "$(nproc)" "$@"
