#include "oci_push/build/build_engine.h"

#include <algorithm>
#include <map>
#include <set>

#include "oci_push/build/build_stages.h"
#include "oci_push/build/config_edits.h"
#include "oci_push/build/layer_tar.h"
#include "oci_push/build/stage_builder.h"
#include "oci_push/util/error.h"
#include "oci_push/util/quoted.h"

namespace ocipush {

namespace {

// One build: the stages, the bases read once, layers made once for every platform.
class Engine {
 public:
  Engine(const BuildRequest& request, const BaseResolver& resolve, const LayerHasher& hash)
      : request_(request), resolve_(resolve), hash_(hash), stages_(split_stages(request)) {}

  BuildOutcome run() {
    const size_t target = target_stage(stages_, request_.target, request_.file_name);
    std::vector<Platform> platforms = request_.platforms;
    const BaseImage* root = root_base(target);
    if (platforms.empty()) platforms = root ? root->platforms : std::vector<Platform>{request_.host_platform};
    std::vector<StageResult> results;
    for (const auto& p : platforms) results.push_back(build_stage(target, p));
    BuildOutcome outcome;
    outcome.notices = notices_;
    outcome.new_layers = layers_.size();
    outcome.artifact = assemble(results, platforms, root, outcome.notices);
    return outcome;
  }

 private:
  const BaseImage& base(const std::string& reference) {
    auto it = bases_.find(reference);
    if (it == bases_.end()) it = bases_.emplace(reference, resolve_(reference)).first;
    return it->second;
  }

  // The registry image at the bottom of `stage`'s FROM chain, nullptr for scratch.
  const BaseImage* root_base(size_t stage) {
    for (;;) {
      const auto& from = stages_.stages[stage].base;
      if (from == "scratch") return nullptr;
      if (auto named = stage_index(stages_, from, stage)) {
        stage = *named;
        continue;
      }
      return &base(from);
    }
  }

  StageResult start_of(size_t stage, const Platform& platform) {
    const Stage& s = stages_.stages[stage];
    if (s.base == "scratch") {
      StageResult r;
      r.config = scratch_config(platform.os, platform.architecture, platform.variant);
      return r;
    }
    if (auto named = stage_index(stages_, s.base, stage)) return build_stage(*named, platform);
    return from_image(s.base, s.platform ? *s.platform : platform, s.where);
  }

  StageResult from_image(const std::string& reference, const Platform& wanted, const std::string& where) {
    const BaseImage& b = base(reference);
    size_t pick = b.images.size();
    for (size_t k = 0; k < b.images.size(); ++k)
      if (b.platforms[k].matches(wanted) && pick == b.images.size()) pick = k;
    if (pick == b.images.size() && b.images.size() == 1) pick = 0;  // one image: whatever it says it runs on
    if (pick == b.images.size())
      throw Error(where + ": " + b.name + " has no image for " + wanted.str());
    StageResult r;
    r.config = nlohmann::json::parse(b.images[pick]->config);
    r.layers = b.images[pick]->layers;
    r.whole_filesystem = false;
    r.base_name = b.name;
    r.base_digest = b.digest;
    r.format = b.images[pick]->native_format;
    return r;
  }

  StageResult build_stage(size_t stage, const Platform& platform) {
    const std::string key = std::to_string(stage) + " " + platform.str();
    if (auto it = built_.find(key); it != built_.end()) return it->second;
    StageEnvironment env{request_, stages_.global_args,
                         [&](const std::string& name) -> const StageResult* {
                           auto index = stage_index(stages_, name, stage);
                           if (!index) return nullptr;
                           built_.emplace(std::to_string(*index) + " " + platform.str(), build_stage(*index, platform));
                           return &built_.at(std::to_string(*index) + " " + platform.str());
                         },
                         [&](const std::string& reference, const std::string& where) {
                           return from_image(reference, platform, where);
                         },
                         [&](std::vector<LayerEntry> entries, const std::string& label) {
                           return make_layer(std::move(entries), label);
                         },
                         notices_};
    StageBuilder builder(env, start_of(stage, platform), platform, stages_.stages[stage].name);
    run_onbuild_triggers(builder, stage);
    for (const auto& i : stages_.stages[stage].instructions) builder.apply(i);
    return built_.emplace(key, builder.finish()).first->second;
  }

  void run_onbuild_triggers(StageBuilder& builder, size_t stage);

  Layer make_layer(std::vector<LayerEntry> entries, const std::string& label) {
    auto tar = compose_layer_tar(entries, label);
    const std::string identity = *tar->identity();
    auto it = layers_.find(identity);
    if (it == layers_.end()) {
      Layer layer;
      layer.name = label;
      layer.diff_id = hash_(*tar);
      layer.bytes = tar;
      layer.stored_compression = LayerCompression::None;
      it = layers_.emplace(identity, std::move(layer)).first;
    }
    return it->second;
  }

  Artifact assemble(const std::vector<StageResult>& results, const std::vector<Platform>& platforms,
                    const BaseImage* root, std::vector<std::string>& notices);

  const BuildRequest& request_;
  const BaseResolver& resolve_;
  const LayerHasher& hash_;
  Stages stages_;
  std::map<std::string, BaseImage> bases_;
  std::map<std::string, StageResult> built_;
  std::map<std::string, Layer> layers_;  // by the tar's identity: one per content, whatever the platform
  std::vector<std::string> notices_;
};


Platform platform_of_config(const nlohmann::json& config, const Platform& fallback) {
  Platform p{config.value("os", fallback.os), config.value("architecture", fallback.architecture),
             config.value("variant", std::string())};
  return p;
}

std::shared_ptr<const Image> image_of(const StageResult& r, const BuildRequest& request) {
  auto image = std::make_shared<Image>();
  image->source_name = request.file_name;
  image->config_name = "the built config";
  image->config = r.config.dump();
  image->config_digest = sha256_of(image->config);
  image->config_media_type = std::string(config_media_type(ManifestFormat::Oci));
  image->layers = r.layers;
  image->native_format = r.format;
  if (!r.base_name.empty()) {
    image->manifest_annotations["org.opencontainers.image.base.name"] = r.base_name;
    if (r.base_digest) image->manifest_annotations["org.opencontainers.image.base.digest"] = r.base_digest->str();
  }
  for (const auto& [k, v] : request.annotations) image->manifest_annotations[k] = v;
  return image;
}

// An OCI index over `children` whose descriptors the push fills in (build_index rewrites each entry).
std::string index_skeleton(const std::vector<Artifact>& children, const std::map<std::string, std::string>& annotations) {
  nlohmann::ordered_json j;
  j["schemaVersion"] = 2;
  j["mediaType"] = std::string(media_type::kOciIndex);
  j["manifests"] = nlohmann::ordered_json::array();
  for (const auto& c : children) {
    nlohmann::ordered_json platform{{"architecture", c.platform->architecture}, {"os", c.platform->os}};
    if (!c.platform->variant.empty()) platform["variant"] = c.platform->variant;
    j["manifests"].push_back({{"mediaType", std::string(media_type::kOciManifest)},
                              {"digest", "sha256:" + std::string(64, '0')},
                              {"size", 0},
                              {"platform", platform}});
  }
  if (!annotations.empty()) j["annotations"] = annotations;
  return j.dump(3);
}

size_t attestations_in(const Index& index) {
  size_t n = 0;
  for (const auto& c : index.children)
    if (c.platform && c.platform->os == "unknown" && c.platform->architecture == "unknown") ++n;
  return n;
}

void Engine::run_onbuild_triggers(StageBuilder& builder, size_t stage) {
  const Stage& s = stages_.stages[stage];
  for (const auto& text : builder.take_onbuild_triggers()) {
    DockerfileInstruction trigger;
    try {
      trigger = parse_instruction(text, request_.dockerfile.escape);
    } catch (const Error& e) {
      throw Error(s.where + ": the base's ONBUILD " + in_quotes(text) + ": " + e.what());
    }
    trigger.line = trigger.end_line = s.line;
    trigger.original = text;
    if (trigger.keyword == "run" || trigger.keyword == "from" || trigger.keyword == "onbuild")
      throw Error(s.where + ": the base's ONBUILD " + in_quotes(text) +
                  " needs a container runtime (or is not allowed there); oci-push builds without running commands");
    notices_.push_back(s.where + ": ran the base's ONBUILD " + text);
    builder.apply(trigger);
  }
}

Artifact Engine::assemble(const std::vector<StageResult>& results, const std::vector<Platform>& platforms,
                          const BaseImage* root, std::vector<std::string>& notices) {
  std::vector<Artifact> images;
  for (size_t k = 0; k < results.size(); ++k) {
    Artifact a;
    a.platform = platform_of_config(results[k].config, platforms[k]);
    a.image = image_of(results[k], request_);
    images.push_back(std::move(a));
  }
  // An index base gives an index, unless one platform was asked for: then the image itself, as BuildKit does.
  const bool base_is_index = root && root->index && request_.platforms.size() != 1;
  if (images.size() == 1 && !base_is_index) return images.front();
  if (base_is_index)
    if (size_t dropped = attestations_in(*root->index))
      notices.push_back(root->name + ": " + std::to_string(dropped) +
                        " attestation manifest(s) of the base index left out: they describe the base's images, "
                        "not the ones built");
  auto index = std::make_shared<Index>();
  index->source_name = request_.file_name;
  index->media_type = std::string(media_type::kOciIndex);
  index->bytes = index_skeleton(images, request_.annotations);
  index->digest = sha256_of(index->bytes);
  index->children = std::move(images);
  Artifact out;
  out.index = index;
  return out;
}

}  // namespace

BuildOutcome build_image(const BuildRequest& request, const BaseResolver& resolve, const LayerHasher& hash) {
  Engine engine(request, resolve, hash);
  return engine.run();
}

}  // namespace ocipush
