#include "oci_push/layer_digests.h"

#include <isa-l/igzip_lib.h>
#include <zstd.h>

#include <memory>
#include <string>

#include "oci_push/error.h"

namespace ocipush {

namespace {

constexpr size_t kReadBlock = 1 << 20;
constexpr size_t kOutBlock = 1 << 20;

// Feeds `consume(in, n)` the source in blocks; returns after the last block.
template <typename Consume>
void read_blocks(const ByteSource& source, Sha256& stored, const ProgressCallback& progress,
                 const std::atomic<bool>& stop, Consume consume) {
  std::string buffer(kReadBlock, '\0');
  const uint64_t total = source.size();
  for (uint64_t offset = 0; offset < total;) {
    if (stop.load()) throw Interrupted();
    size_t want = static_cast<size_t>(std::min<uint64_t>(kReadBlock, total - offset));
    size_t got = source.read_at(offset, buffer.data(), want);
    if (got != want) throw Error(source.name() + ": ends early at byte " + std::to_string(offset + got));
    stored.update(buffer.data(), got);
    consume(reinterpret_cast<const uint8_t*>(buffer.data()), got);
    offset += got;
    if (progress) progress(offset);
  }
}

StoredLayerDigests gunzip_digests(const ByteSource& source, const ProgressCallback& progress,
                                  const std::atomic<bool>& stop) {
  Sha256 stored, plain;
  auto state = std::make_unique<inflate_state>();
  isal_inflate_init(state.get());
  state->crc_flag = ISAL_GZIP;  // checks each member's CRC and size
  std::string out(kOutBlock, '\0');
  bool started = false;
  bool finished = false;
  read_blocks(source, stored, progress, stop, [&](const uint8_t* in, size_t n) {
    state->next_in = const_cast<uint8_t*>(in);
    state->avail_in = static_cast<uint32_t>(n);
    size_t produced;
    do {
      // pigz and friends may write several gzip members: a finished one followed by data starts another.
      if (finished && state->avail_in > 0) {
        isal_inflate_reset(state.get());
        state->crc_flag = ISAL_GZIP;
      }
      state->next_out = reinterpret_cast<uint8_t*>(out.data());
      state->avail_out = static_cast<uint32_t>(out.size());
      int rc = isal_inflate(state.get());
      if (rc != ISAL_DECOMP_OK) throw Error(source.name() + ": not valid gzip (ISA-L code " + std::to_string(rc) + ")");
      produced = out.size() - state->avail_out;
      plain.update(out.data(), produced);
      started = true;
      finished = state->block_state == ISAL_BLOCK_FINISH;
    } while (state->avail_in > 0 || produced == out.size());
  });
  if (!started || !finished) throw Error(source.name() + ": gzip data is truncated");
  return {stored.finish(), plain.finish()};
}

StoredLayerDigests unzstd_digests(const ByteSource& source, const ProgressCallback& progress,
                                  const std::atomic<bool>& stop) {
  Sha256 stored, plain;
  std::unique_ptr<ZSTD_DCtx, size_t (*)(ZSTD_DCtx*)> ctx(ZSTD_createDCtx(), ZSTD_freeDCtx);
  // Caps the window a hostile frame can make us allocate (zstd's own default limit, stated).
  ZSTD_DCtx_setParameter(ctx.get(), ZSTD_d_windowLogMax, 27);
  std::string out(ZSTD_DStreamOutSize(), '\0');
  size_t last = 0;
  read_blocks(source, stored, progress, stop, [&](const uint8_t* in, size_t n) {
    ZSTD_inBuffer input{in, n, 0};
    while (input.pos < input.size) {
      ZSTD_outBuffer output{out.data(), out.size(), 0};
      last = ZSTD_decompressStream(ctx.get(), &output, &input);
      if (ZSTD_isError(last)) throw Error(source.name() + ": not valid zstd (" + ZSTD_getErrorName(last) + ")");
      plain.update(out.data(), output.pos);
    }
  });
  if (last != 0) throw Error(source.name() + ": zstd data is truncated");
  return {stored.finish(), plain.finish()};
}

}  // namespace

StoredLayerDigests digest_compressed_layer(const ByteSource& source, LayerCompression compression,
                                           const ProgressCallback& progress, const std::atomic<bool>& stop) {
  switch (compression) {
    case LayerCompression::Gzip:
      return gunzip_digests(source, progress, stop);
    case LayerCompression::Zstd:
      return unzstd_digests(source, progress, stop);
    case LayerCompression::None:
      break;
  }
  throw Error(source.name() + ": not compressed");
}

}  // namespace ocipush
