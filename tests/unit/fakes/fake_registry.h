// The distribution API served from a MemoryStore, behind FakeHttpClient::serve: whole pushes through
// RegistryClient and RegistrySink run against it, and a test reads back what the "registry" holds.
// Streamed PATCH bodies are read as they are produced; faults: a PATCH reset after N bytes (what
// arrived is kept, GET tells it), ECR's stale Range, busy or MANIFEST_BLOB_UNKNOWN manifest PUTs.
#pragma once
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "fakes/memory_sink.h"
#include "oci_push/http/http_client.h"

namespace ocipush::testing {

class FakeRegistry {
 public:
  explicit FakeRegistry(std::shared_ptr<MemoryStore> store, std::string base = "https://registry.test")
      : store_(std::move(store)), base_(std::move(base)) {}

  int busy_manifest_puts = 0;      // answer this many manifest PUTs with 503 first
  int blob_unknown_manifests = 0;  // answer this many manifest PUTs with MANIFEST_BLOB_UNKNOWN first
  // Break the next streamed PATCH once it delivered this many bytes, with a reset connection.
  std::optional<uint64_t> reset_patch_after;
  bool stale_range = false;      // GET on a session answers the Range of its first PATCH ever after (ECR)
  bool forget_sessions = false;  // GET on a session answers 404, as after a registry restart
  uint64_t patch_bytes = 0;      // body bytes received by PATCH requests
  // Break the next blob GET once it delivered this many bytes, with a reset connection.
  std::optional<uint64_t> reset_get_after;
  uint64_t get_bytes = 0;     // blob bytes GETs delivered
  bool ignore_range = false;  // answer a Range with the whole blob (200), as some servers do
  int sessions_started = 0;

  HttpResponse handle(const HttpRequest& request) {
    if (!request.body_reader) return route(request, request.body);
    std::string body;  // a streamed body, read as the network would deliver it
    char buf[65536];
    for (size_t n; (n = request.body_reader(buf, sizeof buf)) > 0;) {
      body.append(buf, n);
      if (reset_patch_after && body.size() >= *reset_patch_after) {
        body.resize(*reset_patch_after);
        reset_patch_after.reset();
        route(request, body);  // what arrived is kept
        throw NetworkError(NetworkError::Kind::Other, "PATCH " + request.url + ": connection reset");
      }
    }
    return route(request, body);
  }

 private:
  struct Session {
    std::string repo;
    std::string held;
    std::optional<size_t> first_range;
  };

  HttpResponse route(const HttpRequest& request, std::string_view body) {
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
      return upload(request, body, path.substr(0, at), path.substr(at + 15), query);
    if (auto at = path.find("/blobs/"); at != std::string::npos)
      return blob(request, path.substr(0, at), path.substr(at + 7));
    if (auto at = path.find("/manifests/"); at != std::string::npos)
      return manifest(request, body, path.substr(0, at), path.substr(at + 11));
    return {404, {}, ""};
  }

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
  static std::string range_of(size_t held) { return "0-" + std::to_string(held ? held - 1 : 0); }

  HttpResponse upload(const HttpRequest& request, std::string_view body, const std::string& repo, const std::string& id,
                      const std::string& query) {
    MemorySink sink(store_);
    if (request.method == "POST") {
      std::string mount = param(query, "mount");
      if (!mount.empty() && sink.mount_blob(repo, *Digest::parse(mount), param(query, "from")))
        return {201, {{"location", "/v2/" + repo + "/blobs/" + mount}}, ""};
      std::string session = std::to_string(next_session_++);
      ++sessions_started;
      sessions_[session] = Session{repo, "", std::nullopt};
      return {202, {{"location", "/v2/" + repo + "/blobs/uploads/" + session}, {"range", "0-0"}}, ""};
    }
    auto it = sessions_.find(id);
    if (it == sessions_.end() || (request.method == "GET" && forget_sessions))
      return {404, {}, R"({"errors":[{"code":"BLOB_UPLOAD_UNKNOWN"}]})"};
    Session& s = it->second;
    const std::string location = "/v2/" + repo + "/blobs/uploads/" + id;
    if (request.method == "DELETE") {
      sessions_.erase(it);
      return {204, {}, ""};
    }
    if (request.method == "GET") {
      size_t shown = stale_range && s.first_range ? *s.first_range : s.held.size();
      return {204, {{"location", location}, {"range", range_of(shown)}}, ""};
    }
    s.held.append(body);
    if (request.method == "PATCH") {
      patch_bytes += body.size();
      if (!s.first_range) s.first_range = s.held.size();
      return {202, {{"location", location}, {"range", range_of(s.held.size())}}, ""};
    }
    return finish(repo, param(query, "digest"), it);
  }

  HttpResponse finish(const std::string& repo, const std::string& digest_text,
                      std::map<std::string, Session>::iterator session) {
    auto parsed = Digest::parse(digest_text);
    if (!parsed) return {400, {}, R"({"errors":[{"code":"DIGEST_INVALID"}]})"};
    MemorySink sink(store_);
    auto writer = sink.start_blob(repo, {});
    writer->write(session->second.held);
    sessions_.erase(session);
    try {
      writer->finish(*parsed);
    } catch (const TransientError&) {
      return {503, {}, ""};
    } catch (const Error&) {
      return {400, {}, R"({"errors":[{"code":"DIGEST_INVALID"}]})"};
    }
    return {201, {{"location", "/v2/" + repo + "/blobs/" + parsed->str()}}, ""};
  }

  HttpResponse blob(const HttpRequest& request, const std::string& repo, const std::string& digest_text) {
    MemorySink sink(store_);
    auto parsed = Digest::parse(digest_text);
    if (!parsed) return {400, {}, ""};
    if (request.method == "HEAD") {
      auto size = sink.blob_size(repo, *parsed);
      if (!size) return {404, {}, ""};
      return {200, {{"content-length", std::to_string(*size)}, {"docker-content-digest", parsed->str()}}, ""};
    }
    auto bytes = sink.get_blob(repo, *parsed, request.body_writer ? SIZE_MAX : request.max_response_body);
    if (!bytes) return {404, {}, R"({"errors":[{"code":"BLOB_UNKNOWN"}]})"};
    return serve_blob(request, *bytes);
  }

  // 206 from a Range header's offset, 200 without one; the body through body_writer as curl hands it.
  HttpResponse serve_blob(const HttpRequest& request, const std::string& bytes) {
    uint64_t from = 0, last = bytes.size() - 1;
    bool ranged = false;
    for (const auto& h : request.headers)
      if (h.name == "Range" && !ignore_range) {
        ranged = true;
        from = std::stoull(h.value.substr(6));
        if (auto dash = h.value.find('-'); dash + 1 < h.value.size()) last = std::stoull(h.value.substr(dash + 1));
      }
    last = std::min<uint64_t>(last, bytes.size() - 1);
    HttpResponse response{ranged ? 206 : 200, {{"content-length", std::to_string(last + 1 - from)}}, ""};
    if (ranged)
      response.headers.push_back({"content-range", "bytes " + std::to_string(from) + "-" + std::to_string(last) + "/" +
                                                       std::to_string(bytes.size())});
    std::string_view body = std::string_view(bytes).substr(from, last + 1 - from);
    if (!request.body_writer) {
      response.body = std::string(body);
      return response;
    }
    for (size_t at = 0; at < body.size(); at += 65536) {
      auto piece = body.substr(at, 65536);
      if (reset_get_after && get_bytes + piece.size() > *reset_get_after) {
        reset_get_after.reset();
        throw NetworkError(NetworkError::Kind::Other, "GET " + request.url + ": connection reset");
      }
      request.body_writer(response, piece);
      get_bytes += piece.size();
    }
    return response;
  }

  HttpResponse manifest(const HttpRequest& request, std::string_view body, const std::string& repo,
                        const std::string& reference) {
    MemorySink sink(store_);
    if (request.method == "PUT") {
      if (busy_manifest_puts > 0) {
        --busy_manifest_puts;
        return {503, {}, ""};
      }
      if (blob_unknown_manifests > 0) {
        --blob_unknown_manifests;
        return {400, {}, R"({"errors":[{"code":"MANIFEST_BLOB_UNKNOWN","message":"blob unknown to registry"}]})"};
      }
      std::string media_type;
      for (const auto& h : request.headers)
        if (h.name == "Content-Type") media_type = h.value;
      auto digest = sink.put_manifest(repo, reference, media_type, body);
      return {201, {{"docker-content-digest", *digest}}, ""};
    }
    auto m = sink.get_manifest(repo, reference);
    if (!m) return {404, {}, R"({"errors":[{"code":"MANIFEST_UNKNOWN"}]})"};
    return {200, {{"content-type", m->media_type}, {"docker-content-digest", m->digest.str()}}, m->body};
  }

  std::shared_ptr<MemoryStore> store_;
  std::string base_;
  std::map<std::string, Session> sessions_;
  int next_session_ = 1;
};

}  // namespace ocipush::testing
