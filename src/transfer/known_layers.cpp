#include "oci_push/transfer/known_layers.h"

#include "oci_push/http/http_client.h"
#include "oci_push/model/image_config.h"
#include "oci_push/model/reference.h"
#include "oci_push/util/error.h"

namespace ocipush {

KnownLayers pair_known_layers(const ImageManifest& manifest, const std::vector<Digest>& diff_ids,
                              const std::string& repository, LayerCompression codec) {
  KnownLayers known;
  if (diff_ids.size() != manifest.layers.size()) return known;
  for (size_t i = 0; i < diff_ids.size(); ++i) {
    try {
      if (compression_of_layer_media_type(manifest.layers[i].media_type) == codec &&
          !is_foreign_layer_media_type(manifest.layers[i].media_type))
        known.emplace(diff_ids[i], KnownLayer{manifest.layers[i], repository});
    } catch (const Error&) {
      // A media type we do not know: that layer is not reused, the others still are.
    }
  }
  return known;
}

KnownLayers layers_known_by(ImageSink& sink, const std::string& repository, const std::string& reference,
                            LayerCompression codec) {
  auto fetched = sink.get_manifest(repository, reference);
  if (!fetched) return {};
  const std::string name = sink.name() + "/" + repository + ":" + reference;
  try {
    ImageManifest manifest = parse_image_manifest(fetched->body, name);
    auto config = sink.get_blob(repository, manifest.config.digest, kMaxConfigBytes);
    if (!config) return {};
    return pair_known_layers(manifest, parse_diff_ids(*config, name + " config " + manifest.config.digest.str()),
                             repository, codec);
  } catch (const NetworkError&) {
    throw;
  } catch (const Error&) {
    return {};  // an index, or an image we cannot pair: nothing to reuse, nothing wrong
  }
}

KnownLayers layers_known_for(ImageSink& sink, const PushTarget& target, const PushOptions& options,
                             Progress& progress) {
  const LayerCompression codec = options.codec.compression;
  KnownLayers known;
  if (!target.tags.empty()) known = layers_known_by(sink, target.repository, target.tags.front(), codec);
  for (const auto& ref_text : options.cache_from) {
    Reference ref = parse_reference(ref_text);
    if (ref.api_host() != target.api_host) {
      progress.event("--cache-from " + ref_text + ": another registry than " + target.registry + ", not used");
      continue;
    }
    known.merge(layers_known_by(sink, ref.repository, ref.digest ? *ref.digest : ref.tag.value_or("latest"), codec));
  }
  return known;
}

}  // namespace ocipush
