// One layer or config into a sink: reused where the sink has it (asked once, or mounted from another
// repository), else sent as it is stored (digest checked as it streams) or compressed on the way
// (diff_id checked). Big blobs stream through a few requests and resume from what the sink holds,
// across runs too; small ones go in one request.
#pragma once
#include <atomic>
#include <cstddef>
#include <functional>
#include <semaphore>
#include <string>
#include <vector>

#include "oci_push/codec/blob_streams.h"
#include "oci_push/model/image.h"
#include "oci_push/model/image_sink.h"
#include "oci_push/transfer/known_layers.h"
#include "oci_push/transfer/probed_sink.h"
#include "oci_push/transfer/push_context.h"

namespace ocipush {

class PlacementClaim;

// Layers up to this size are compressed (or read) into memory and sent in one request.
inline constexpr uint64_t kSmallBlobBytes = 1 << 20;

// Where a layer goes, and how it is named there.
struct LayerJob {
  const Image& image;
  size_t index;            // into image.layers
  std::string media_type;  // as the manifest will list it
  size_t progress_id;
  // Called when the layer's bytes have been made and checked (its diff_id or digest matched), perhaps
  // again on a retry; the network may still be carrying them.
  std::function<void()> bytes_checked = {};
};

class LayerPusher {
 public:
  explicit LayerPusher(PushContext& context);

  BlobOutcome push_layer(ProbedSink& to, const std::string& repo, const LayerJob& job, const KnownLayers& known);
  BlobOutcome push_config(ProbedSink& to, const std::string& repo, const Image& image, const std::string& media_type);
  // What to ask the sink about before `image`'s layers move: its config, its stored-compressed layers,
  // and where each uncompressed layer's compressed form may already be.
  std::vector<Descriptor> blobs_to_probe(const ProbedSink& to, const Image& image, const KnownLayers& known);

 private:
  // Makes a blob's bytes (again, on a retry), handing them to `out`; checks what it can on the way.
  // `writer` (null for a blob made in memory) may give back what its end holds (BlobWriter::take_held).
  using Producer = std::function<CompressedDigests(const ByteSink& out, BlobWriter* writer)>;

  BlobOutcome push_remote(ProbedSink& to, const std::string& repo, const Layer& layer, Descriptor d);
  std::optional<BlobOutcome> mount_remote(ProbedSink& to, const std::string& repo, const LayerJob& job);
  BlobOutcome push_left_in(ProbedSink& to, const std::string& repo, const LayerJob& job);
  BlobOutcome push_stored_compressed(ProbedSink& to, const std::string& repo, const LayerJob& job,
                                     const ProgressCallback& on_progress);
  std::optional<BlobOutcome> reuse(ProbedSink& to, const std::string& repo, const LayerJob& job,
                                   const KnownLayers& known, const ProgressCallback& on_progress);
  BlobOutcome compress_and_send(ProbedSink& to, const std::string& repo, const LayerJob& job,
                                const ProgressCallback& on_progress);
  BlobOutcome send_verbatim(ProbedSink& to, const std::string& repo, const LayerJob& job, const Descriptor& d,
                            const ProgressCallback& on_progress);
  // Sends what `produce` makes, resuming a session left open (by this run or one before), tried again
  // while failures are transient; returns the bytes not sent because the sink held them.
  uint64_t send_replayable(ProbedSink& to, const std::string& repo, const std::string& label,
                           const std::string& session_key, const Producer& produce, CompressedDigests& digests,
                           const std::optional<Descriptor>& blob);
  void send_small(ProbedSink& to, const std::string& repo, const std::string& label, const Producer& produce,
                  CompressedDigests& digests);
  BlobOutcome finish_sent(ProbedSink& to, const std::string& repo, const LayerJob& job, const Descriptor& d,
                          uint64_t resumed, const std::string& how);
  std::string session_key(const ProbedSink& to, const std::string& repo, const Layer& layer,
                          const std::string& form) const;
  std::string present_or_mounted(ProbedSink& to, const std::string& repo, const Descriptor& d, const std::string& from);
  std::string mounted_as_claimed(ProbedSink& to, const std::string& repo, const Descriptor& d,
                                 const PlacementClaim& claim);
  std::vector<KnownLayer> candidates_for(const ProbedSink& to, const Digest& diff_id, const KnownLayers& known);
  void verify_unchanged_layer(const LayerJob& job, const ProgressCallback& on_progress);
  void check_diff_id(const LayerJob& job, const Digest& actual) const;
  void remember(const ProbedSink& to, const std::string& repo, const Digest& diff_id, const Descriptor& d);

  PushContext& context_;
  const PushOptions& options_;
  std::counting_semaphore<> compression_turns_;
  std::counting_semaphore<> big_sends_;  // --jobs: big blobs on the wire at once (each holds a pipe)
  // Compression turns lent at once by layers whose output waits on the network (util/turn.h): one, so
  // lending adds at most one layer's window of blocks to memory.
  std::counting_semaphore<> lendings_{1};
};

// At most this many layers compress at once, whatever --jobs is (see the .cpp).
unsigned compressing_layers(unsigned jobs, unsigned pool_threads);
// Blocks in flight per compressing layer.
size_t gzip_window(const PushContext& context);
// How a compressor's output leaves for the sink, when its producer cannot replay it (a stream).
BlobSending compressed_sending(const LayerCodec& codec);

}  // namespace ocipush
