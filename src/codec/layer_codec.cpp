#include "oci_push/codec/layer_codec.h"

#include <zstd.h>

#include <charconv>
#include <memory>

#include "oci_push/codec/gzip_blocks.h"
#include "oci_push/util/error.h"
#include "oci_push/util/quoted.h"

namespace ocipush {

namespace {
constexpr size_t kZstdReadBlock = 1 << 20;
}

LayerCodec LayerCodec::parse(std::string_view text) {
  LayerCodec codec;
  auto colon = text.find(':');
  std::string_view name = text.substr(0, colon);
  std::string_view level = colon == std::string_view::npos ? std::string_view() : text.substr(colon + 1);
  int min = 0, max = 0;
  if (name == "gzip") {
    codec = {LayerCompression::Gzip, kGzipDefaultLevel};
    min = 0, max = 3;  // ISA-L's levels
  } else if (name == "zstd") {
    codec = {LayerCompression::Zstd, kZstdDefaultLevel};
    min = 1, max = 19;
  } else if (name == "none") {
    if (colon != std::string_view::npos) throw UsageError("--compression none takes no level");
    return {LayerCompression::None, 0};
  } else {
    throw UsageError("--compression must be gzip[:LEVEL], zstd[:LEVEL] or none, not " + in_quotes(text));
  }
  if (colon != std::string_view::npos) {
    auto [end, ec] = std::from_chars(level.data(), level.data() + level.size(), codec.level);
    if (ec != std::errc() || end != level.data() + level.size() || codec.level < min || codec.level > max)
      throw UsageError("--compression " + std::string(name) + " level must be " + std::to_string(min) + ".." +
                       std::to_string(max) + ", not " + in_quotes(level));
  }
  return codec;
}

std::string LayerCodec::str() const {
  switch (compression) {
    case LayerCompression::Gzip:
      return "gzip:" + std::to_string(level);
    case LayerCompression::Zstd:
      return "zstd:" + std::to_string(level);
    case LayerCompression::None:
    case LayerCompression::Opaque:
      break;
  }
  return "none";
}

std::string LayerCodec::cache_key() const {
  switch (compression) {
    case LayerCompression::Gzip:
      return "gzip-isal-" + std::to_string(level) + "-block" + std::to_string(kGzipBlockSize) + "-v2";
    case LayerCompression::Zstd:
      return "zstd-" + std::string(ZSTD_versionString()) + "-" + std::to_string(level) + "-job" +
             std::to_string(kZstdJobSize) + "-v1";
    case LayerCompression::None:
    case LayerCompression::Opaque:
      break;
  }
  return "none";
}

CompressedDigests zstd_stream(const ByteReader& read, unsigned workers, int level, const ByteSink& sink,
                              const ProgressCallback& progress, const std::atomic<bool>& stop) {
  std::unique_ptr<ZSTD_CCtx, size_t (*)(ZSTD_CCtx*)> ctx(ZSTD_createCCtx(), ZSTD_freeCCtx);
  auto check = [](size_t rc) {
    if (ZSTD_isError(rc)) throw Error(std::string("zstd compression failed: ") + ZSTD_getErrorName(rc));
    return rc;
  };
  check(ZSTD_CCtx_setParameter(ctx.get(), ZSTD_c_compressionLevel, level));
  // Workers >= 1 always: single-threaded mode (0) frames the output differently.
  check(ZSTD_CCtx_setParameter(ctx.get(), ZSTD_c_nbWorkers, static_cast<int>(std::max(1u, workers))));
  check(ZSTD_CCtx_setParameter(ctx.get(), ZSTD_c_jobSize, static_cast<int>(kZstdJobSize)));

  Sha256 plain_hash, packed_hash;
  CompressedDigests result;
  std::string in(kZstdReadBlock, '\0');
  std::string out(ZSTD_CStreamOutSize(), '\0');
  uint64_t consumed = 0;
  auto drain = [&](ZSTD_inBuffer& input, ZSTD_EndDirective mode) {
    size_t remaining;
    do {
      ZSTD_outBuffer output{out.data(), out.size(), 0};
      remaining = check(ZSTD_compressStream2(ctx.get(), &output, &input, mode));
      std::string_view bytes(out.data(), output.pos);
      packed_hash.update(bytes);
      result.compressed_size += bytes.size();
      if (!bytes.empty()) sink(bytes);
    } while (mode == ZSTD_e_end ? remaining != 0 : input.pos < input.size);
  };
  for (;;) {
    if (stop.load()) throw Interrupted();
    size_t n = read(in.data(), in.size());
    if (n == 0) break;
    plain_hash.update(in.data(), n);
    // Never ZSTD_e_end on the first call: zstd would switch to its one-shot path and frame it differently.
    ZSTD_inBuffer input{in.data(), n, 0};
    drain(input, ZSTD_e_continue);
    consumed += n;
    if (progress) progress(consumed);
  }
  ZSTD_inBuffer empty{nullptr, 0, 0};
  drain(empty, ZSTD_e_end);
  result.uncompressed = plain_hash.finish();
  result.compressed = packed_hash.finish();
  return result;
}

CompressedDigests compress_stream(const LayerCodec& codec, const ByteReader& read, ThreadPool& pool,
                                  const ByteSink& sink, const ProgressCallback& progress, const std::atomic<bool>& stop,
                                  size_t gzip_window) {
  switch (codec.compression) {
    case LayerCompression::Gzip:
      return gzip_stream(read, pool, codec.level, sink, progress, stop, gzip_window);
    case LayerCompression::Zstd:
      return zstd_stream(read, pool.size(), codec.level, sink, progress, stop);
    case LayerCompression::None:
    case LayerCompression::Opaque:
      break;
  }
  CompressedDigests result;
  uint64_t size = 0;
  result.uncompressed = hash_stream(read, progress, stop, [&](std::string_view b) {
    size += b.size();
    sink(b);
  });
  result.compressed = result.uncompressed;
  result.compressed_size = size;
  return result;
}

}  // namespace ocipush
