#include <nlohmann/json.hpp>
#include <set>

#include "oci_push/registry/link_header.h"
#include "oci_push/registry/registry_client.h"
#include "oci_push/util/json_limits.h"

namespace ocipush {

namespace {

constexpr int kMaxReferrerPages = 100;
const char* const kIndexType = "application/vnd.oci.image.index.v1+json";

}  // namespace

std::optional<FetchedManifest> RegistryClient::get_referrers(const std::string& repo, const Digest& digest) {
  const std::string what = "referrers of " + digest.str() + " in " + repo;
  std::string url = base_url_ + "/v2/" + repo + "/referrers/" + digest.str();
  std::set<std::string> visited{url};
  std::string first_body;
  nlohmann::json merged;
  for (int page = 1;; ++page) {
    auto response = send({"GET", url, {{"Accept", kIndexType}}, {}, kMaxManifestSize}, repo);
    if (page == 1 && (response.status == 404 || response.status == 405 || response.status == 400))
      return std::nullopt;
    if (response.status != 200) fail("GET " + what + (page > 1 ? " (page " + std::to_string(page) + ")" : ""), response);
    auto link = response.header("link");
    auto next = link ? next_page_link(*link) : std::nullopt;
    if (page == 1 && !next) {
      first_body = std::move(response.body);
      break;
    }
    auto json = parse_json_bounded(response.body);
    if (!json.is_object() || !json.contains("manifests") || !json["manifests"].is_array())
      throw Error("registry " + host_ + " answered GET " + what + " (page " + std::to_string(page) +
                  ") with something that is not an index of manifests");
    if (page == 1) merged = std::move(json);
    else
      for (auto& m : json["manifests"]) merged["manifests"].push_back(std::move(m));
    if (!next) break;
    url = resolve_location(url, *next);
    if (url_origin(url) != url_origin(base_url_))
      throw Error("registry " + host_ + " paged " + what + " to another host (" + url_origin(url) + "); not followed");
    if (!visited.insert(url).second || page >= kMaxReferrerPages)
      throw Error("registry " + host_ + " paged " + what + " past " + std::to_string(page) +
                  " pages or back to a page it served");
  }
  FetchedManifest m{kIndexType, first_body.empty() ? merged.dump() : std::move(first_body), {}};
  if (m.body.size() > kMaxManifestSize)
    throw Error("registry " + host_ + " listed more " + what + " than " + std::to_string(kMaxManifestSize) +
                " bytes of index");
  m.digest = sha256_of(m.body);
  return m;
}

}  // namespace ocipush
