// `oci-push verify`: a bundle read as push reads it (manifests, indexes and configs are checked on the
// way), then every layer hashed, each blob once.
#include <map>

#include "oci_push/codec/blob_streams.h"
#include "oci_push/codec/layer_digests.h"
#include "oci_push/formats/local_source.h"
#include "oci_push/transfer/pull.h"
#include "oci_push/util/error.h"
#include "oci_push/util/stop.h"
#include "oci_push/util/thread_pool.h"

namespace ocipush {

namespace {

struct LayerToCheck {
  const Layer* layer;
  std::string image;  // "manifest sha256:..." or the config's name, for the message
};

void collect(const Artifact& artifact, std::map<std::string, LayerToCheck>& layers, VerifyResult& result) {
  if (artifact.index) {
    for (const auto& child : artifact.index->children) collect(child, layers, result);
    return;
  }
  ++result.images;
  const Image& image = *artifact.image;
  const std::string what = image.manifest ? "manifest " + image.manifest_digest.str() : image.config_name;
  for (const auto& layer : image.layers) {
    result.left_to_older += layer.left_in ? 1 : 0;
    if (!layer.bytes) continue;  // a foreign layer the bundle need not hold, or a stream checked as it passed
    std::string key = layer.descriptor ? layer.descriptor->digest.str() : layer.bytes->name();
    layers.emplace(key, LayerToCheck{&layer, what});
  }
}

void check_layer(const LayerToCheck& check, const std::string& bundle) {
  const Layer& layer = *check.layer;
  std::atomic<bool>& stop = stop_flag();
  if (layer.descriptor) {
    Digest actual = hash_source(*layer.bytes, nullptr, stop);
    if (actual != layer.descriptor->digest)
      throw Error(bundle + ": blob " + layer.descriptor->digest.str() + " (a layer of " + check.image +
                  ") is broken: its content has digest " + actual.str());
    return;
  }
  Digest diff_id = layer.stored_compression == LayerCompression::None
                       ? hash_source(*layer.bytes, nullptr, stop)
                       : digest_compressed_layer(*layer.bytes, layer.stored_compression, nullptr, stop).uncompressed;
  if (diff_id != layer.diff_id)
    throw Error(bundle + ": " + layer.name + " (a layer of " + check.image + ") is broken: its content has digest " +
                diff_id.str() + ", the config says " + layer.diff_id.str());
}

}  // namespace

VerifyResult run_verify(const std::string& bundle, unsigned jobs, Progress& progress) {
  SourceContents source = open_source(parse_source_spec(bundle));
  VerifyResult result;
  result.bundle = bundle;
  std::map<std::string, LayerToCheck> layers;
  for (const auto& artifact : source.artifacts) collect(artifact, layers, result);
  std::vector<const LayerToCheck*> order;
  for (const auto& [key, check] : layers) {
    order.push_back(&check);
    result.bytes += check.layer->bytes->size();
  }
  result.blobs = order.size();
  progress.event("verifying " + std::to_string(result.blobs) + " layers of " + std::to_string(result.images) +
                 " images in " + bundle);
  run_parallel(
      order.size(), std::max(1u, jobs), [&](size_t i) { check_layer(*order[i], bundle); }, stop_flag());
  return result;
}

}  // namespace ocipush
