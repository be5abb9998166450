// What to do about a registry's refusal, for the one error line: registry-specific answers (ECR's) read
// from the status and body alone, so the protocol client needs nothing of the AWS side.
#pragma once
#include <string>
#include <string_view>

namespace ocipush {

// A line that says what to do about an ECR refusal seen on the registry API ("" when none applies):
// NAME_UNKNOWN, TAG_INVALID (immutable tags), 429, an expired token, a denied IAM action.
std::string ecr_refusal_hint(long status, std::string_view body);

}  // namespace ocipush
