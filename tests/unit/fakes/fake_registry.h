// The distribution API served from a MemoryStore, behind FakeHttpClient::serve: whole pushes through
// RegistryClient and RegistrySink run against it, and a test reads back what the "registry" holds.
#pragma once
#include <map>
#include <memory>
#include <string>

#include "fakes/memory_sink.h"
#include "oci_push/http/http_client.h"

namespace ocipush::testing {

class FakeRegistry {
 public:
  explicit FakeRegistry(std::shared_ptr<MemoryStore> store, std::string base = "https://registry.test")
      : store_(std::move(store)), base_(std::move(base)) {}

  int busy_manifest_puts = 0;  // answer this many manifest PUTs with 503 first

  HttpResponse handle(const HttpRequest& request) {
    std::string url = request.url;
    std::string query;
    if (auto q = url.find('?'); q != std::string::npos) {
      query = url.substr(q + 1);
      url.resize(q);
    }
    if (url.rfind(base_ + "/v2/", 0) != 0) return {404, {}, "not this registry"};
    const std::string path = url.substr(base_.size() + 4);
    if (path.empty()) return {200, {}, "{}"};
    if (auto at = path.find("/blobs/uploads/"); at != std::string::npos)
      return upload(request, path.substr(0, at), path.substr(at + 15), query);
    if (auto at = path.find("/blobs/"); at != std::string::npos)
      return blob(request, path.substr(0, at), path.substr(at + 7));
    if (auto at = path.find("/manifests/"); at != std::string::npos)
      return manifest(request, path.substr(0, at), path.substr(at + 11));
    return {404, {}, ""};
  }

 private:
  static std::string param(const std::string& query, const std::string& name) {
    for (size_t start = 0; start <= query.size();) {
      size_t end = query.find('&', start);
      if (end == std::string::npos) end = query.size();
      std::string kv = query.substr(start, end - start);
      if (kv.rfind(name + "=", 0) == 0) return unescape(kv.substr(name.size() + 1));
      start = end + 1;
    }
    return "";
  }
  static std::string unescape(const std::string& s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i)
      if (s[i] == '%' && i + 2 < s.size()) {
        out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
        i += 2;
      } else {
        out += s[i];
      }
    return out;
  }

  HttpResponse upload(const HttpRequest& request, const std::string& repo, const std::string& id,
                      const std::string& query) {
    MemorySink sink(store_);
    if (request.method == "POST") {
      std::string mount = param(query, "mount");
      if (!mount.empty() && sink.mount_blob(repo, *Digest::parse(mount), param(query, "from")))
        return {201, {{"location", "/v2/" + repo + "/blobs/" + mount}}, ""};
      std::string session = std::to_string(next_session_++);
      sessions_[session] = Session{repo, "", sink.start_blob(repo, BlobSending::Inline)};
      return {202, {{"location", "/v2/" + repo + "/blobs/uploads/" + session}, {"range", "0-0"}}, ""};
    }
    auto it = sessions_.find(id);
    if (it == sessions_.end()) return {404, {}, R"({"errors":[{"code":"BLOB_UPLOAD_UNKNOWN"}]})"};
    Session& s = it->second;
    const std::string location = "/v2/" + repo + "/blobs/uploads/" + id;
    if (request.method == "DELETE") {
      sessions_.erase(it);
      return {204, {}, ""};
    }
    if (request.method == "GET")
      return {
          204, {{"location", location}, {"range", "0-" + std::to_string(s.held.empty() ? 0 : s.held.size() - 1)}}, ""};
    s.held.append(request.body);
    s.writer->write(request.body);
    if (request.method == "PATCH")
      return {202, {{"location", location}, {"range", "0-" + std::to_string(s.held.size() - 1)}}, ""};
    // PUT ?digest=
    auto parsed = Digest::parse(param(query, "digest"));
    if (!parsed) return {400, {}, R"({"errors":[{"code":"DIGEST_INVALID"}]})"};
    const Digest digest = *parsed;
    auto writer = std::move(s.writer);
    sessions_.erase(it);
    try {
      writer->finish(digest);
    } catch (const TransientError&) {
      return {503, {}, ""};
    } catch (const Error&) {
      return {400, {}, R"({"errors":[{"code":"DIGEST_INVALID"}]})"};
    }
    return {201, {{"location", "/v2/" + repo + "/blobs/" + digest.str()}}, ""};
  }

  HttpResponse blob(const HttpRequest& request, const std::string& repo, const std::string& digest_text) {
    MemorySink sink(store_);
    auto parsed = Digest::parse(digest_text);
    if (!parsed) return {400, {}, ""};
    const Digest digest = *parsed;
    if (request.method == "HEAD") {
      auto size = sink.blob_size(repo, digest);
      if (!size) return {404, {}, ""};
      return {200, {{"content-length", std::to_string(*size)}, {"docker-content-digest", digest.str()}}, ""};
    }
    auto bytes = sink.get_blob(repo, digest, request.max_response_body);
    if (!bytes) return {404, {}, R"({"errors":[{"code":"BLOB_UNKNOWN"}]})"};
    return {200, {{"content-length", std::to_string(bytes->size())}}, *bytes};
  }

  HttpResponse manifest(const HttpRequest& request, const std::string& repo, const std::string& reference) {
    MemorySink sink(store_);
    if (request.method == "PUT") {
      if (busy_manifest_puts > 0) {
        --busy_manifest_puts;
        return {503, {}, ""};
      }
      std::string media_type;
      for (const auto& h : request.headers)
        if (h.name == "Content-Type") media_type = h.value;
      auto digest = sink.put_manifest(repo, reference, media_type, request.body);
      return {201, {{"docker-content-digest", *digest}}, ""};
    }
    auto m = sink.get_manifest(repo, reference);
    if (!m) return {404, {}, R"({"errors":[{"code":"MANIFEST_UNKNOWN"}]})"};
    return {200, {{"content-type", m->media_type}, {"docker-content-digest", m->digest.str()}}, m->body};
  }

  struct Session {
    std::string repo;
    std::string held;
    std::unique_ptr<BlobWriter> writer;
  };
  std::shared_ptr<MemoryStore> store_;
  std::string base_;
  std::map<std::string, Session> sessions_;
  int next_session_ = 1;
};

}  // namespace ocipush::testing
