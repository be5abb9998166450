#!/usr/bin/env bash
# Builds oci-push and pushes a sample image to a docker-registry it starts on loopback.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build --target oci-push
/usr/bin/python3 scripts/demo.py
