#include "oci_push/registry/refusal_hints.h"

#include <regex>

namespace ocipush {

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
  static const std::regex action(R"(not authorized to perform:? ([A-Za-z0-9-]+:[A-Za-z0-9]+))");
  std::smatch m;
  if (std::regex_search(text, m, action)) return "the IAM policy of these AWS credentials must allow " + m[1].str();
  return {};
}

}  // namespace ocipush
