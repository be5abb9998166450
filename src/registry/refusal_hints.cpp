#include "oci_push/registry/refusal_hints.h"

#include "oci_push/util/ascii.h"

namespace ocipush {
namespace {

// "ecr:InitiateLayerUpload" from IAM's "... is not authorized to perform: ecr:InitiateLayerUpload on ...":
// SERVICE:Action after the first such phrase that has one, "" when none does.
std::string denied_action(std::string_view text) {
  static constexpr std::string_view kPhrase = "not authorized to perform";
  for (size_t at = text.find(kPhrase); at != std::string_view::npos; at = text.find(kPhrase, at + 1)) {
    size_t i = at + kPhrase.size();
    if (i < text.size() && text[i] == ':') ++i;
    if (i >= text.size() || text[i] != ' ') continue;
    const size_t start = ++i;
    while (i < text.size() && (ascii_is_alnum(text[i]) || text[i] == '-')) ++i;
    if (i == start || i >= text.size() || text[i] != ':') continue;
    const size_t colon = i++;
    while (i < text.size() && ascii_is_alnum(text[i])) ++i;
    if (i > colon + 1) return std::string(text.substr(start, i - start));
  }
  return {};
}

}  // namespace

std::string ecr_refusal_hint(long status, std::string_view body) {
  const std::string text(body.substr(0, 4096));
  if (text.find("NAME_UNKNOWN") != std::string::npos && text.find("does not exist") != std::string::npos)
    return "the ECR repository does not exist: push with --create-repository, or create it with "
           "`aws ecr create-repository --repository-name NAME`";
  if (text.find("TAG_INVALID") != std::string::npos && text.find("immutable") != std::string::npos)
    return "the repository has immutable tags and this tag exists: push under a new tag";
  if (status == 429) return "the registry is throttling requests: retry later, or lower --jobs";
  if (text.find("expired") != std::string::npos && (status == 401 || status == 403))
    return "the registry token has expired: log in again (oci-push refreshes ECR tokens by itself)";
  if (auto action = denied_action(text); !action.empty())
    return "the IAM policy of these AWS credentials must allow " + action;
  return {};
}

}  // namespace ocipush
