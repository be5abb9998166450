#include "oci_push/registry/refusal_hints.h"

#include <gtest/gtest.h>

namespace ocipush {
namespace {

TEST(EcrRefusalHint, EachKnownRefusal) {
  EXPECT_NE(
      ecr_refusal_hint(
          404,
          R"({"errors":[{"code":"NAME_UNKNOWN","message":"The repository with name 'x' does not exist in the registry with id '1'"}]})")
          .find("--create-repository"),
      std::string::npos);
  EXPECT_NE(
      ecr_refusal_hint(
          400,
          R"({"errors":[{"code":"TAG_INVALID","message":"The image tag '1' already exists in the 'x' repository and cannot be overwritten because the repository is immutable."}]})")
          .find("immutable"),
      std::string::npos);
  EXPECT_NE(ecr_refusal_hint(429, "Rate exceeded").find("throttling"), std::string::npos);
  EXPECT_NE(
      ecr_refusal_hint(403, "Your authorization token has expired. Reauthenticate and try again.").find("expired"),
      std::string::npos);
  EXPECT_EQ(
      ecr_refusal_hint(
          403,
          R"({"errors":[{"code":"DENIED","message":"User: arn:aws:iam::1:user/ci is not authorized to perform: ecr:InitiateLayerUpload on resource: x"}]})"),
      "the IAM policy of these AWS credentials must allow ecr:InitiateLayerUpload");
  EXPECT_EQ(ecr_refusal_hint(500, "oops"), "");
}

TEST(EcrRefusalHint, TheDeniedActionIsTheFirstServiceColonAction) {
  const std::string hint = "the IAM policy of these AWS credentials must allow ";
  EXPECT_EQ(ecr_refusal_hint(403, "is not authorized to perform ecr:BatchGetImage"), hint + "ecr:BatchGetImage");
  EXPECT_EQ(ecr_refusal_hint(403, "not authorized to perform: an action; not authorized to perform: ecr-public:PutImage."),
            hint + "ecr-public:PutImage");
  EXPECT_EQ(ecr_refusal_hint(403, "not authorized to perform: ecr:"), "");
  EXPECT_EQ(ecr_refusal_hint(403, "not authorized to perform: :Put"), "");
  EXPECT_EQ(ecr_refusal_hint(403, "not authorized to perform:"), "");
}

}  // namespace
}  // namespace ocipush
