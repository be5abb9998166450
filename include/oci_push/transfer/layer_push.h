// One layer or config into a sink: reused where the sink has it (HEAD, a mount from another repository),
// else sent as it is stored (digest checked as it streams) or compressed on the way (diff_id checked).
#pragma once
#include <atomic>
#include <cstddef>
#include <semaphore>
#include <string>

#include "oci_push/codec/blob_streams.h"
#include "oci_push/model/image.h"
#include "oci_push/model/image_sink.h"
#include "oci_push/transfer/known_layers.h"
#include "oci_push/transfer/push_context.h"

namespace ocipush {

// Where a layer goes, and how it is named there.
struct LayerJob {
  const Image& image;
  size_t index;            // into image.layers
  std::string media_type;  // as the manifest will list it
  size_t progress_id;
};

class LayerPusher {
 public:
  explicit LayerPusher(PushContext& context);

  BlobOutcome push_layer(ImageSink& sink, const std::string& repo, const LayerJob& job, const KnownLayers& known);
  BlobOutcome push_config(ImageSink& sink, const std::string& repo, const Image& image, const std::string& media_type);

 private:
  BlobOutcome push_remote(ImageSink& sink, const std::string& repo, const Layer& layer, Descriptor d);
  BlobOutcome push_stored_compressed(ImageSink& sink, const std::string& repo, const LayerJob& job,
                                     const ProgressCallback& on_progress);
  std::optional<BlobOutcome> reuse(ImageSink& sink, const std::string& repo, const LayerJob& job,
                                   const KnownLayers& known, const ProgressCallback& on_progress);
  BlobOutcome compress_and_send(ImageSink& sink, const std::string& repo, const LayerJob& job,
                                const ProgressCallback& on_progress);
  BlobOutcome send_verbatim(ImageSink& sink, const std::string& repo, const Layer& layer, const Descriptor& d,
                            size_t progress_id, const ProgressCallback& on_progress);
  std::string present_or_mounted(ImageSink& sink, const std::string& repo, const Descriptor& d,
                                 const std::string& from);
  std::vector<KnownLayer> candidates_for(const ImageSink& sink, const Digest& diff_id, const KnownLayers& known);
  void verify_unchanged_layer(const LayerJob& job, const ProgressCallback& on_progress);
  void check_diff_id(const LayerJob& job, const Digest& actual) const;
  void remember(const ImageSink& sink, const std::string& repo, const Digest& diff_id, const Descriptor& d);

  PushContext& context_;
  const PushOptions& options_;
  std::counting_semaphore<> compression_turns_;
};

// At most this many layers compress at once, whatever --jobs is (see the .cpp).
unsigned compressing_layers(unsigned jobs, unsigned pool_threads);
// Blocks in flight per compressing layer.
size_t gzip_window(const PushContext& context);
// How a compressor's output leaves for the sink.
BlobSending compressed_sending(const LayerCodec& codec);

// Whether `repo` in the sink holds `d` (same digest and size).
bool sink_has_blob(ImageSink& sink, const std::string& repo, const Descriptor& d);

}  // namespace ocipush
