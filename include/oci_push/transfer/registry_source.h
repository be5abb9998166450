// A registry as the source end: what a reference names, read into the image model (RegistryStore +
// the layout walk), optionally narrowed to some platforms of an index.
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "oci_push/formats/blob_store.h"
#include "oci_push/model/image.h"
#include "oci_push/model/manifest.h"
#include "oci_push/model/reference.h"
#include "oci_push/registry/registry_client.h"

namespace ocipush {

// What refers to a manifest (a signature, an SBOM, an attestation), with the tag it goes under: the
// referrers tag schema's "sha256-<hex>" for an index of referrers, cosign's "sha256-<hex>.sig" etc.
struct Referrer {
  Artifact artifact;
  std::string tag;
};

struct RegistryArtifact {
  Artifact artifact;
  std::optional<Digest> narrowed_from;  // the index's digest before --platform kept only some entries
  std::vector<Referrer> referrers{};    // with `with_referrers`
};

// Reads `ref` (its digest when it has one, else its tag, else "latest") with every manifest, index and
// config below it, checked against their digests; layers are read when they are sent. With `platforms`,
// an index keeps only the entries matching one of them (Error when none does). Throws Error naming the
// reference when the registry has no such manifest.
// `local`: blobs this run may hold already, read from there (see RegistryStore). `with_referrers`: also
// what refers to each manifest of it (every child of an index too): the referrers API, else the
// referrers tag schema, and cosign's .sig, .att and .sbom tags.
RegistryArtifact read_registry_artifact(std::shared_ptr<RegistryClient> client, const Reference& ref,
                                        const std::vector<Platform>& platforms,
                                        std::shared_ptr<const BlobStore> local = nullptr, bool with_referrers = false);

// Pure: `artifact`'s index narrowed to the children matching one of `platforms` (new index bytes and
// digest); an image, or no platforms, is returned as it is. Throws Error listing what the index has.
RegistryArtifact keep_platforms(const Artifact& artifact, const std::vector<Platform>& platforms,
                                const std::string& what);

}  // namespace ocipush
