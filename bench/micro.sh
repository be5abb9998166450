#!/usr/bin/env bash
# Micro-benchmarks next to the raw tools, on the same bytes:
#   - bench/micro_bench.cpp (Google Benchmark): ocipush::Sha256, gzip_crc32, deflate_block at levels 0-3,
#     gzip_compress, gzip_stream (hash + CRC + deflate + hash) at 1..N pool threads, zstd_stream if built;
#   - `openssl speed -evp sha256` (1 MiB buffers), `igzip -1` (ISA-L's own CLI), `zstd -3`.
#
#   bench/micro.sh [FILE]      FILE: the bytes to sample, e.g. bench/make_image.py's tarball
#                              (default: a 300 MiB image made here)
# The sample is 64 slices of 1 MiB at equal intervals through FILE (so all layers are represented).
# Single-thread figures are per CPU-second (Google Benchmark's CPU column, openssl speed's default user
# time, /usr/bin/time's user+sys for the CLIs), so they hold when other processes share the cores; the
# thread-scaling rows also give wall-clock throughput. Builds build-bench/ (-DOCI_PUSH_BENCH=ON), unless
# MICRO_BENCH names an oci-push-micro-bench binary already built.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
work=$(mktemp -d "${TMPDIR:-/tmp}/oci-push-micro.XXXXXX")
trap 'rm -rf "$work"' EXIT

bench_bin=${MICRO_BENCH:-}   # an already built oci-push-micro-bench skips the build
if [ -z "$bench_bin" ]; then
  cmake -S "$root" -B "$root/build-bench" -G Ninja -DCMAKE_BUILD_TYPE=Release -DOCI_PUSH_BENCH=ON \
    -DOCI_PUSH_TESTS=OFF >/dev/null
  cmake --build "$root/build-bench" --target oci-push-micro-bench >/dev/null
  bench_bin=$root/build-bench/oci-push-micro-bench
fi

src=${1:-}
if [ -z "$src" ]; then
  src=$work/image.tar
  /usr/bin/python3 "$here/make_image.py" "$src" --size-mb 300 >/dev/null
fi
sample=$work/sample.bin
/usr/bin/python3 - "$src" "$sample" <<'PY'
import os, sys
src, dst = sys.argv[1:]
size, piece, n = os.path.getsize(src), 1 << 20, 64
stride = (size - piece) // (n - 1) if size > piece else 0
with open(src, "rb") as f, open(dst, "wb") as o:
    for i in range(n):
        f.seek(i * stride)
        o.write(f.read(piece))
PY
mb=$(( $(stat -c %s "$sample") / 1048576 ))
echo "== sample: $mb MiB from $src; $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"

echo "== Google Benchmark (bench/micro_bench.cpp), median of 3 repetitions"
OCI_PUSH_BENCH_DATA=$sample OCI_PUSH_BENCH_MB=$mb "$bench_bin" \
  --benchmark_min_time=1 --benchmark_repetitions=3 --benchmark_report_aggregates_only=true 2>&1 \
  | grep -E '^(Benchmark|BM_.*_median|Run on|Load)' || true

echo "== openssl speed -evp sha256 (1 MiB buffers, user CPU time)"
openssl speed -evp sha256 -bytes 1048576 -seconds 3 2>/dev/null | tail -1

# MB per CPU-second of a CLI over the sample: median of 3 runs, and the output ratio.
cli() {
  local label=$1; shift
  local runs=() out
  for _ in 1 2 3; do
    /usr/bin/time -f "%U %S %e" -o "$work/t" "$@" <"$sample" >"$work/out"
    runs+=("$(awk '{print $1 + $2, $3}' "$work/t")")
  done
  out=$(stat -c %s "$work/out")
  printf '%s\n' "${runs[@]}" | sort -n | sed -n 2p | awk -v l="$label" -v b="$(stat -c %s "$sample")" -v o="$out" \
    '{ printf "%-22s %8.1f MB/cpu-s %8.1f MB/s wall   ratio %.1f %%\n", l, b / $1 / 1e6, b / $2 / 1e6, 100 * o / b }'
}
echo "== raw codecs on the sample (median of 3)"
command -v igzip >/dev/null && cli "igzip -1 (ISA-L)" igzip -1 -c
command -v igzip >/dev/null && cli "igzip -1 -T $(nproc)" igzip -1 -T "$(nproc)" -c
command -v zstd >/dev/null && cli "zstd -3 -T1" zstd -q -3 -T1 -c
command -v zstd >/dev/null && cli "zstd -3 -T$(nproc)" zstd -q -3 -T"$(nproc)" -c
true
