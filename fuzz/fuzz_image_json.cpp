// Manifest, index, config and docker-save manifest.json parsing over arbitrary bytes; what parses is
// serialised again (manifests) or rewritten (indexes), as the pusher does.
#include <vector>

#include "fuzz_common.h"
#include "oci_push/formats/docker_archive.h"
#include "oci_push/model/image_config.h"
#include "oci_push/model/manifest.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ocipush;
  const std::string_view text = fuzz::as_text(data, size);
  fuzz::expect_clean([&] { document_media_type(text, "fuzz"); });
  fuzz::expect_clean([&] {
    ImageManifest m = parse_image_manifest(text, "fuzz");
    const std::string once = serialize_manifest(m);
    // Our own output must parse back to the same bytes.
    if (serialize_manifest(parse_image_manifest(once, "fuzz-again")) != once) __builtin_trap();
  });
  fuzz::expect_clean([&] {
    ImageIndex index = parse_image_index(text, "fuzz");
    std::vector<Descriptor> entries;
    for (const auto& e : index.manifests) entries.push_back(e.descriptor);
    rewrite_image_index(text, index.media_type, entries);
  });
  fuzz::expect_clean([&] { parse_diff_ids(text, "fuzz"); });
  fuzz::expect_clean([&] { parse_docker_archive_manifest(text, "fuzz"); });
  fuzz::expect_clean([&] { parse_descriptor_json(text, "fuzz"); });
  return 0;
}
