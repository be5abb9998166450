#!/usr/bin/env bash
# Installs what oci-push needs to build and test, from Debian 12's packages. Run as root (or with sudo).
set -euo pipefail
packages=(
  build-essential cmake ninja-build pkg-config
  libssl-dev libcurl4-openssl-dev nlohmann-json3-dev libcxxopts-dev libfmt-dev libisal-dev libzstd-dev libarchive-dev zlib1g-dev
  libgtest-dev
  # integration tests: a real registry, an independent client, fixture tools, htpasswd, Debian's python
  docker-registry skopeo umoci oci-image-tool podman buildah apache2-utils python3 openssl ca-certificates curl
  time zstd xz-utils gzip
  # ECR and Bearer tests: botocore recomputes SigV4 signatures in the AWS stand-in; jwt signs registry tokens
  python3-botocore python3-jwt
  # --json outputs are validated against docs/json/*.schema.json; man pages are rendered by the docs test
  python3-jsonschema man-db groff-base
  # docs/ci.md's recipes: their YAML parsed, their shell checked
  python3-yaml shellcheck
  # the package test installs the .deb into a clean Debian 12 root it makes with debootstrap
  debootstrap
  # scripts/ci-extra.sh: libFuzzer targets (clang + compiler-rt), peak RSS of hostile-input tests
  clang-14 libclang-rt-14-dev time
)
# Extra package names on the command line are installed too (bench/setup.sh adds its own).
packages+=("$@")
missing=()
for p in "${packages[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
echo "setup: all build and test dependencies are installed"
