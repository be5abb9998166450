// `oci-push build`'s engine: a Dockerfile's stages (or the same instructions made from flags) run on
// their bases' configs, each COPY or ADD planned into a layer tar laid out in place, the result an
// Artifact of the image model, so every sink a push or pull has takes a build. No network here: bases
// come from a resolver, which reads only their manifests and configs.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "oci_push/build/context_copy.h"
#include "oci_push/build/dockerfile.h"
#include "oci_push/io/byte_source.h"
#include "oci_push/model/digest.h"
#include "oci_push/model/image.h"
#include "oci_push/model/manifest.h"

namespace ocipush {

// What a FROM (or --from) names, read: one image per platform it has, and its index when it is one.
struct BaseImage {
  std::string name;            // the full reference, for the base.name annotation
  std::optional<Digest> digest;  // of what the reference names (manifest or index)
  std::vector<std::shared_ptr<const Image>> images;
  std::vector<Platform> platforms;  // images[i]'s
  std::shared_ptr<const Index> index;  // when the base is an index: its entries are kept in the output's
};

// Reads `reference` as written in the Dockerfile, expanded ("alpine:3.19", "registry/app@sha256:..").
// Throws Error for a base that does not exist.
using BaseResolver = std::function<BaseImage(const std::string& reference)>;
// The SHA-256 of a layer tar (its diff_id): a cache may answer without reading it.
using LayerHasher = std::function<Digest(const ByteSource& tar)>;

struct BuildRequest {
  Dockerfile dockerfile;
  std::string file_name;  // for messages: "ctx/Dockerfile"
  // Instructions made from flags are used as written: nothing in them is expanded.
  bool literal = false;
  BuildContext context;
  std::vector<std::pair<std::string, std::string>> build_args;  // --build-arg, in order
  std::optional<std::string> target;                              // --target STAGE
  std::vector<Platform> platforms;  // --platform; empty: every platform of the base
  Platform host_platform;           // scratch's platform when none is asked
  int64_t epoch = 0;                // SOURCE_DATE_EPOCH: every mtime, created, history
  bool keep_mtimes = false;         // the files' own mtimes instead
  std::map<std::string, std::string> labels;       // --label
  std::map<std::string, std::string> annotations;  // --annotation (manifests and the index)
  // ADD of an http(s) URL: the body, or Error; unset, such an ADD is refused.
  std::function<std::string(const std::string& url)> fetch_url;
};

struct BuildOutcome {
  Artifact artifact;                 // an image, or an index of one image per platform
  std::vector<std::string> notices;  // for stderr: dropped attestations, a base's ONBUILD run
  size_t new_layers = 0;
};

// Throws Error "FILE:LINE: what is wrong" for an instruction that cannot be built (RUN first of all, before
// any base is read), and whatever the resolver or the context copy throw.
BuildOutcome build_image(const BuildRequest& request, const BaseResolver& resolve, const LayerHasher& hash);

}  // namespace ocipush
