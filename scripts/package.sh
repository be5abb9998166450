#!/usr/bin/env bash
# Builds the Debian package build/oci-push_<version>_<arch>.deb with CPack (cmake/Packaging.cmake): the
# binary, man pages, bash completion, README and licence; Depends from dpkg-shlibdeps.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build
(cd build && cpack -G DEB >/dev/null)
ls build/oci-push_*.deb
