// RegistryClient's blob uploads: sessions, mounts, chunks, streamed bodies, the closing PUT, small
// blobs in one go (the rest of the protocol is in registry_client.cpp).
#include "oci_push/model/image_sink.h"
#include "oci_push/registry/registry_client.h"
#include "oci_push/util/percent_encode.h"

namespace ocipush {

std::string RegistryClient::start_upload(const std::string& repo) {
  auto response = send({"POST", base_url_ + "/v2/" + repo + "/blobs/uploads/", {}, {}, 64 << 10}, repo);
  if (response.status != 202 && response.status != 201 && response.status != 204)
    fail("starting a blob upload to " + repo, response);
  auto location = response.header("location");
  if (!location || location->empty()) throw Error("registry " + host_ + " started an upload without a Location");
  return resolve_location(base_url_, *location);
}

bool RegistryClient::mount_blob(const std::string& repo, const Digest& digest, const std::string& from) {
  HttpRequest request{"POST",
                      base_url_ + "/v2/" + repo + "/blobs/uploads/?mount=" + percent_encode(digest.str(), false) +
                          "&from=" + percent_encode(from, false),
                      {},
                      {},
                      64 << 10};
  auto response = send(request, repo, {"repository:" + from + ":pull"});
  if (response.status == 201) return true;
  if (response.status == 202) {
    if (auto location = response.header("location"); location && !location->empty())
      cancel_upload(repo, resolve_location(base_url_, *location));
    return false;
  }
  fail("mounting blob " + digest.str() + " from " + from + " into " + repo, response);
}

std::string RegistryClient::upload_chunk(const std::string& repo, const std::string& upload_url, uint64_t offset,
                                         std::string_view chunk) {
  HttpRequest request{"PATCH",
                      upload_url,
                      {{"Content-Type", "application/octet-stream"},
                       {"Content-Range", std::to_string(offset) + "-" + std::to_string(offset + chunk.size() - 1)}},
                      chunk,
                      64 << 10};
  auto response = send(request, repo, {}, /*retry=*/false);
  // The spec says 202; ECR answers 201; some proxies 204. The offset is tracked here, not read back,
  // because ECR's Range header stops advancing after the first chunk.
  if (response.status == 416)  // the registry holds another offset than this chunk's: resume from GET
    throw TransientError("registry " + host_ + " refused a chunk at offset " + std::to_string(offset) + " (HTTP 416)");
  if (response.status != 202 && response.status != 201 && response.status != 204)
    fail("upload chunk at offset " + std::to_string(offset) + " in " + repo, response);
  auto location = response.header("location");
  return location && !location->empty() ? resolve_location(base_url_, *location) : upload_url;
}

std::string RegistryClient::upload_stream(const std::string& repo, const std::string& upload_url,
                                          const std::function<size_t(char*, size_t)>& body) {
  HttpRequest request{"PATCH", upload_url, {{"Content-Type", "application/octet-stream"}}, {}, 64 << 10};
  request.body_reader = body;
  auto response = send(request, repo, {}, /*retry=*/false);
  if (response.status == 416 || response.status == 404)  // the session is not where we think: start again
    throw UploadSessionRefused("registry " + host_ + " refused to continue an upload to " + repo + ": " +
                               describe_registry_error(response.status, response.body));
  if (response.status != 202 && response.status != 201 && response.status != 204)
    fail("streamed upload to " + repo, response);
  auto location = response.header("location");
  return location && !location->empty() ? resolve_location(base_url_, *location) : upload_url;
}

std::optional<UploadStatus> RegistryClient::upload_status(const std::string& repo, const std::string& upload_url) {
  auto response = send({"GET", upload_url, {}, {}, 64 << 10}, repo);
  if (response.status != 204 && response.status != 200) return std::nullopt;
  UploadStatus status;
  auto location = response.header("location");
  status.url = location && !location->empty() ? resolve_location(base_url_, *location) : upload_url;
  // "0-N" (or "bytes=0-N"): N+1 bytes. "0-0" is read as none: distribution says it for 0 bytes and 1.
  auto range = response.header("range").value_or("");
  auto dash = range.rfind('-');
  if (dash == std::string::npos) return status;
  try {
    uint64_t last = std::stoull(range.substr(dash + 1));
    status.held = last == 0 ? 0 : last + 1;
  } catch (const std::exception&) {
    return std::nullopt;
  }
  return status;
}

void RegistryClient::finish_upload(const std::string& repo, const std::string& upload_url, const Digest& digest,
                                   std::string_view data) {
  HttpRequest request{"PUT",
                      upload_url + (upload_url.find('?') == std::string::npos ? "?" : "&") +
                          "digest=" + percent_encode(digest.str(), false),
                      {{"Content-Type", "application/octet-stream"}},
                      data,
                      64 << 10};
  auto response = send(request, repo);
  if (response.status != 201 && response.status != 204 && response.status != 202)
    fail("finishing upload of " + digest.str() + " to " + repo, response);
}

void RegistryClient::cancel_upload(const std::string& repo, const std::string& upload_url) noexcept {
  try {
    send({"DELETE", upload_url, {}, {}, 64 << 10}, repo);
  } catch (...) {
    // Best effort: the registry expires abandoned sessions on its own.
  }
}

void RegistryClient::put_blob(const std::string& repo, const Digest& digest, std::string_view data) {
  // A monolithic POST where the registry takes one (201: one round trip); distribution 2.8 starts a
  // session instead (202), ignoring the body, and the blob goes in one PUT on it.
  HttpRequest request{"POST",
                      base_url_ + "/v2/" + repo + "/blobs/uploads/?digest=" + percent_encode(digest.str(), false),
                      {{"Content-Type", "application/octet-stream"}},
                      data,
                      64 << 10};
  auto response = send(request, repo);
  if (response.status == 201) return;
  if (response.status != 202 && response.status != 204) fail("starting a blob upload to " + repo, response);
  auto location = response.header("location");
  if (!location || location->empty()) throw Error("registry " + host_ + " started an upload without a Location");
  const std::string url = resolve_location(base_url_, *location);
  try {
    finish_upload(repo, url, digest, data);
  } catch (...) {
    cancel_upload(repo, url);  // nothing half-done is left behind
    throw;
  }
}

}  // namespace ocipush
