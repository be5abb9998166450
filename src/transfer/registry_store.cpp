#include "oci_push/transfer/registry_store.h"

#include "oci_push/model/manifest.h"
#include "oci_push/registry/registry_blob_bytes.h"
#include "oci_push/util/error.h"
#include "oci_push/util/json_limits.h"
#include "oci_push/util/quoted.h"

namespace ocipush {

RegistryStore::RegistryStore(std::shared_ptr<RegistryClient> client, std::string repository,
                             std::shared_ptr<const BlobStore> local)
    : client_(std::move(client)), repository_(std::move(repository)), local_(std::move(local)) {}

std::shared_ptr<const ByteSource> RegistryStore::open_blob(const Digest& digest, uint64_t size) const {
  if (local_ && local_->has_blob(digest)) return local_->open_blob(digest, size);
  return std::make_shared<RegistryBlobBytes>(client_, repository_, Descriptor{"", digest, size, {}, {}});
}

std::optional<RegistryBlob> RegistryStore::remote_blob(const Descriptor& d) const {
  LayerCompression compression = LayerCompression::None;
  try {
    compression = compression_of_layer_media_type(d.media_type);
  } catch (const Error&) {
  }
  return RegistryBlob{client_->host(), repository_, {"", d.digest, d.size, {}, {}}, compression};
}

Descriptor RegistryStore::resolve(const std::string& reference) {
  auto found = find(reference);
  if (!found)
    throw Error("registry " + client_->host() + " has no manifest " +
                in_quotes(name() + (reference.find(':') != std::string::npos ? "@" : ":") + reference));
  return *found;
}

std::optional<Descriptor> RegistryStore::find(const std::string& reference) {
  auto fetched = client_->get_manifest(repository_, reference);
  if (!fetched) return std::nullopt;
  if (reference.find(':') != std::string::npos && fetched->digest.str() != reference)
    throw Error("registry " + client_->host() + " served " + repository_ + "@" + reference + " with digest " +
                fetched->digest.str());
  return adopt(std::move(*fetched), repository_ + ":" + reference);
}

Descriptor RegistryStore::adopt(FetchedManifest fetched, const std::string& what) {
  // A document that names its media type must agree with the Content-Type it was served as.
  auto json = parse_json_bounded(fetched.body);
  const bool names_it = json.is_object() && json.contains("mediaType") && json["mediaType"].is_string();
  std::string media_type = names_it ? json["mediaType"].get<std::string>() : fetched.media_type;
  if (names_it && !fetched.media_type.empty() && fetched.media_type != media_type)
    throw Error("registry " + client_->host() + " served " + what + " as " + in_quotes(fetched.media_type) +
                " but the document says " + in_quotes(media_type));
  if (!is_index_media_type(media_type) && !is_image_manifest_media_type(media_type))
    media_type = document_media_type(fetched.body, name());
  Descriptor d{media_type, fetched.digest, fetched.body.size(), {}, {}};
  std::lock_guard lock(mutex_);
  fetched_.emplace(d.digest, std::move(fetched));
  return d;
}

std::string RegistryStore::read_manifest(const Descriptor& d, size_t max_size) const {
  {
    std::lock_guard lock(mutex_);
    if (auto it = fetched_.find(d.digest); it != fetched_.end()) return it->second.body;
  }
  auto fetched = client_->get_manifest(repository_, d.digest.str());
  if (!fetched) throw Error("registry " + client_->host() + " has no manifest " + repository_ + "@" + d.digest.str());
  if (fetched->body.size() > max_size)
    throw Error("registry " + client_->host() + ": manifest " + d.digest.str() + " is larger than " +
                std::to_string(max_size) + " bytes");
  return std::move(fetched->body);
}

}  // namespace ocipush
