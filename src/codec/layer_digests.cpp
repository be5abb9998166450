#include "oci_push/codec/layer_digests.h"

#include <isa-l/igzip_lib.h>
#include <zstd.h>

#include "oci_push/util/error.h"

namespace ocipush {

namespace {
constexpr size_t kOutBlock = 1 << 20;
// zstd's own default cap on the window a frame may ask for (128 MiB): a hostile frame allocates no more.
constexpr int kZstdWindowLogMax = 27;
}  // namespace

struct UncompressedDigester::Impl {
  LayerCompression compression;
  std::string name;
  Sha256 plain;
  std::string out = std::string(kOutBlock, '\0');
  // gzip
  std::unique_ptr<inflate_state> gz;
  bool gz_started = false;
  bool gz_finished = false;
  // zstd
  std::unique_ptr<ZSTD_DCtx, size_t (*)(ZSTD_DCtx*)> zstd{nullptr, ZSTD_freeDCtx};
  size_t zstd_pending = 0;

  void gunzip(std::string_view in) {
    gz->next_in = reinterpret_cast<uint8_t*>(const_cast<char*>(in.data()));
    gz->avail_in = static_cast<uint32_t>(in.size());
    size_t produced;
    do {
      // pigz and friends may write several gzip members: a finished one followed by data starts another.
      if (gz_finished && gz->avail_in > 0) {
        isal_inflate_reset(gz.get());
        gz->crc_flag = ISAL_GZIP;
      }
      gz->next_out = reinterpret_cast<uint8_t*>(out.data());
      gz->avail_out = static_cast<uint32_t>(out.size());
      int rc = isal_inflate(gz.get());
      if (rc != ISAL_DECOMP_OK) throw Error(name + ": not valid gzip (ISA-L code " + std::to_string(rc) + ")");
      produced = out.size() - gz->avail_out;
      plain.update(out.data(), produced);
      gz_started = true;
      gz_finished = gz->block_state == ISAL_BLOCK_FINISH;
    } while (gz->avail_in > 0 || produced == out.size());
  }

  void unzstd(std::string_view in) {
    ZSTD_inBuffer input{in.data(), in.size(), 0};
    while (input.pos < input.size) {
      ZSTD_outBuffer output{out.data(), out.size(), 0};
      zstd_pending = ZSTD_decompressStream(zstd.get(), &output, &input);
      if (ZSTD_isError(zstd_pending)) throw Error(name + ": not valid zstd (" + ZSTD_getErrorName(zstd_pending) + ")");
      plain.update(out.data(), output.pos);
    }
  }
};

UncompressedDigester::UncompressedDigester(LayerCompression compression, std::string name)
    : impl_(std::make_unique<Impl>()) {
  impl_->compression = compression;
  impl_->name = std::move(name);
  if (compression == LayerCompression::Gzip) {
    impl_->gz = std::make_unique<inflate_state>();
    isal_inflate_init(impl_->gz.get());
    impl_->gz->crc_flag = ISAL_GZIP;  // checks each member's CRC and size
  } else if (compression == LayerCompression::Zstd) {
    impl_->zstd.reset(ZSTD_createDCtx());
    ZSTD_DCtx_setParameter(impl_->zstd.get(), ZSTD_d_windowLogMax, kZstdWindowLogMax);
  } else {
    throw Error(impl_->name + ": not compressed");
  }
}

UncompressedDigester::~UncompressedDigester() = default;

void UncompressedDigester::update(std::string_view compressed) {
  if (compressed.empty()) return;
  if (impl_->compression == LayerCompression::Gzip) impl_->gunzip(compressed);
  else impl_->unzstd(compressed);
}

Digest UncompressedDigester::finish() {
  bool complete =
      impl_->compression == LayerCompression::Gzip ? impl_->gz_started && impl_->gz_finished : impl_->zstd_pending == 0;
  if (!complete) throw Error(impl_->name + ": compressed data is truncated");
  return impl_->plain.finish();
}

StoredLayerDigests digest_compressed_layer(const ByteSource& source, LayerCompression compression,
                                           const ProgressCallback& progress, const std::atomic<bool>& stop) {
  UncompressedDigester digester(compression, source.name());
  Digest stored = hash_source(source, progress, stop, [&](std::string_view b) { digester.update(b); });
  return {stored, digester.finish()};
}

}  // namespace ocipush
