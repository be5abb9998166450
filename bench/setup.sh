#!/usr/bin/env bash
# What the benchmarks need beyond scripts/setup.sh (CI does not run them): Google Benchmark, GNU time,
# ISA-L's igzip CLI and zstd (raw-codec baselines), bc, perf and valgrind (profiles), and the registry,
# skopeo and curl the side-by-side runs use. Run as root (or with sudo).
set -euo pipefail
packages=(libbenchmark-dev time isal zstd bc linux-perf valgrind docker-registry skopeo curl python3 util-linux)
missing=()
for p in "${packages[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
echo "bench setup: all benchmark dependencies are installed"
