// Micro-benchmarks (Google Benchmark) of what bounds a push: SHA-256, CRC-32, ISA-L deflate per core, and
// the block-parallel gzip_stream from 1 to N threads, on the same realistic bytes.
//
//   cmake -S . -B build-bench -G Ninja -DOCI_PUSH_BENCH=ON -DOCI_PUSH_TESTS=OFF && cmake --build build-bench
//   OCI_PUSH_BENCH_DATA=/tmp/bench.tar build-bench/oci-push-micro-bench
//
// Data: OCI_PUSH_BENCH_MB MiB (default 64), taken as 1 MiB slices at equal intervals through the file
// OCI_PUSH_BENCH_DATA (bench/make_image.py's tarball: binaries, libraries, code and text), else through the
// sorted regular files of /usr/bin and /usr/lib/x86_64-linux-gnu. Throughput is bytes of input per second
// (for the threaded cases real time, since the work happens on pool threads).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "oci_push/codec/blob_streams.h"
#include "oci_push/codec/gzip_blocks.h"
#include "oci_push/model/digest.h"
#include "oci_push/util/thread_pool.h"
#if __has_include("oci_push/layer_codec.h")
#include "oci_push/codec/layer_codec.h"
#define OCI_PUSH_BENCH_ZSTD 1
#endif

namespace {

constexpr size_t kSlice = 1 << 20;

void append_slices(const std::string& path, size_t want, std::string& out) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw std::runtime_error("cannot open " + path);
  f.seekg(0, std::ios::end);
  const auto size = static_cast<size_t>(f.tellg());
  const size_t slices = std::max<size_t>(1, want / kSlice);
  const size_t stride = size > kSlice ? (size - kSlice) / std::max<size_t>(1, slices - 1) : 0;
  std::string buf(kSlice, '\0');
  for (size_t i = 0; i < slices && out.size() < want; ++i) {
    f.clear();
    f.seekg(static_cast<std::streamoff>(i * stride));
    f.read(buf.data(), static_cast<std::streamsize>(std::min(kSlice, size)));
    out.append(buf.data(), static_cast<size_t>(f.gcount()));
  }
}

const std::string& data() {
  static const std::string bytes = [] {
    size_t mb = 64;
    if (const char* m = std::getenv("OCI_PUSH_BENCH_MB")) mb = std::max(1, std::atoi(m));
    const size_t want = mb * kSlice;
    std::string out;
    if (const char* p = std::getenv("OCI_PUSH_BENCH_DATA"); p && *p) {
      append_slices(p, want, out);
    } else {
      std::vector<std::filesystem::path> files;
      for (const char* root : {"/usr/bin", "/usr/lib/x86_64-linux-gnu"}) {
        std::error_code ec;
        for (auto it = std::filesystem::recursive_directory_iterator(root, ec);
             !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
          if (it->is_regular_file(ec) && !it->is_symlink(ec)) files.push_back(it->path());
        }
      }
      std::sort(files.begin(), files.end());
      for (const auto& f : files) {
        if (out.size() >= want) break;
        std::ifstream in(f, std::ios::binary);
        std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        out.append(s, 0, std::min(s.size(), want - out.size()));
      }
    }
    if (out.empty()) throw std::runtime_error("no benchmark data");
    return out;
  }();
  return bytes;
}

double process_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// For the threaded cases: input bytes per CPU-second of the whole process (all threads), i.e. the work
// one byte costs, which stays meaningful when other processes share the cores.
void set_cpu_throughput(benchmark::State& state, size_t per_iteration, double cpu_seconds) {
  state.counters["MB_per_cpu_s"] =
      static_cast<double>(state.iterations()) * static_cast<double>(per_iteration) / cpu_seconds / 1e6;
}

void set_bytes(benchmark::State& state, size_t per_iteration) {
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(per_iteration));
}

void BM_Sha256(benchmark::State& state) {
  const std::string& d = data();
  const size_t chunk = static_cast<size_t>(state.range(0));
  for (auto _ : state) {
    ocipush::Sha256 h;
    for (size_t off = 0; off < d.size(); off += chunk) h.update(d.data() + off, std::min(chunk, d.size() - off));
    benchmark::DoNotOptimize(h.finish());
  }
  set_bytes(state, d.size());
}
BENCHMARK(BM_Sha256)->Arg(1 << 20)->Arg(4 << 20)->Unit(benchmark::kMillisecond);

void BM_Crc32(benchmark::State& state) {
  const std::string& d = data();
  for (auto _ : state) benchmark::DoNotOptimize(ocipush::gzip_crc32(0, d.data(), d.size()));
  set_bytes(state, d.size());
}
BENCHMARK(BM_Crc32)->Unit(benchmark::kMillisecond);

// One core: every 1 MiB block of the data deflated at `level`, as a compression worker does.
void BM_DeflateBlock(benchmark::State& state) {
  const std::string& d = data();
  const int level = static_cast<int>(state.range(0));
  size_t out_bytes = 0;
  std::string out;
  for (auto _ : state) {
    out_bytes = 0;
    for (size_t off = 0; off < d.size(); off += ocipush::kGzipBlockSize) {
      out.clear();
      const size_t n = std::min(ocipush::kGzipBlockSize, d.size() - off);
      ocipush::deflate_block(d.data() + off, n, off + n == d.size(), level, out);
      out_bytes += out.size();
    }
  }
  set_bytes(state, d.size());
  state.counters["ratio_pct"] = 100.0 * static_cast<double>(out_bytes) / static_cast<double>(d.size());
}
BENCHMARK(BM_DeflateBlock)->DenseRange(0, 3)->Unit(benchmark::kMillisecond);

// The single-threaded reference (CRC + every block), the bytes the parallel pipeline must equal.
void BM_GzipCompress(benchmark::State& state) {
  const std::string& d = data();
  for (auto _ : state) benchmark::DoNotOptimize(ocipush::gzip_compress(d));
  set_bytes(state, d.size());
}
BENCHMARK(BM_GzipCompress)->Unit(benchmark::kMillisecond);

ocipush::ByteReader memory_reader(const std::string& d, size_t& offset) {
  return [&d, &offset](char* buf, size_t len) -> size_t {
    const size_t n = std::min(len, d.size() - offset);
    std::memcpy(buf, d.data() + offset, n);
    offset += n;
    return n;
  };
}

// The whole per-layer pipeline minus the network: SHA-256 + CRC of the input and SHA-256 of the output on
// the calling thread, deflate on a pool of range(0) threads. Same bytes for every thread count.
void BM_GzipStream(benchmark::State& state) {
  const std::string& d = data();
  ocipush::ThreadPool pool(static_cast<unsigned>(state.range(0)));
  std::atomic<bool> stop{false};
  ocipush::CompressedDigests result;
  const double cpu0 = process_cpu_seconds();
  for (auto _ : state) {
    size_t offset = 0;
    result = ocipush::gzip_stream(
        memory_reader(d, offset), pool, ocipush::kGzipDefaultLevel, [](std::string_view) {}, nullptr, stop);
  }
  set_cpu_throughput(state, d.size(), process_cpu_seconds() - cpu0);
  set_bytes(state, d.size());
  state.SetLabel(result.compressed.hex.substr(0, 16));  // must be the same on every row
}

#ifdef OCI_PUSH_BENCH_ZSTD
void BM_ZstdStream(benchmark::State& state) {
  const std::string& d = data();
  std::atomic<bool> stop{false};
  ocipush::CompressedDigests result;
  const double cpu0 = process_cpu_seconds();
  for (auto _ : state) {
    size_t offset = 0;
    result = ocipush::zstd_stream(
        memory_reader(d, offset), static_cast<unsigned>(state.range(0)), ocipush::kZstdDefaultLevel,
        [](std::string_view) {}, nullptr, stop);
  }
  set_cpu_throughput(state, d.size(), process_cpu_seconds() - cpu0);
  set_bytes(state, d.size());
  state.counters["ratio_pct"] = 100.0 * static_cast<double>(result.compressed_size) / static_cast<double>(d.size());
  state.SetLabel(result.compressed.hex.substr(0, 16));
}
#endif

void thread_counts(benchmark::internal::Benchmark* b) {
  const unsigned hw = std::max(1u, std::thread::hardware_concurrency());
  for (unsigned t = 1; t < hw; t *= 2) b->Arg(t);
  b->Arg(hw);
}

BENCHMARK(BM_GzipStream)->Apply(thread_counts)->UseRealTime()->Unit(benchmark::kMillisecond);
#ifdef OCI_PUSH_BENCH_ZSTD
BENCHMARK(BM_ZstdStream)->Apply(thread_counts)->UseRealTime()->Unit(benchmark::kMillisecond);
#endif

}  // namespace

BENCHMARK_MAIN();
