// AWS's own SigV4 test suite (aws-c-auth, testdata/sigv4), every case, header and query signing.
#include "oci_push/auth/aws/sigv4.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace ocipush {
namespace {

namespace fs = std::filesystem;

const fs::path kVectors = fs::path(OCI_PUSH_TESTDATA_DIR) / "sigv4";

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

struct Vector {
  SigV4Request request;
  SigV4Context context;
  AwsCredentials credentials;
  std::string body;
};

// request.txt: "METHOD PATH HTTP/1.1", headers (continuation lines start with whitespace), blank line, body.
Vector load(const std::string& name) {
  Vector v;
  const std::string raw = read_file(kVectors / name / "request.txt");
  std::istringstream in(raw);
  std::string line;
  std::getline(in, line);
  const size_t sp = line.find(' ');
  const size_t proto = line.rfind(" HTTP/");
  v.request.method = line.substr(0, sp);
  std::string target = line.substr(sp + 1, proto - sp - 1);
  if (auto q = target.find('?'); q != std::string::npos) {
    v.request.query = target.substr(q + 1);
    target.resize(q);
  }
  v.request.path = target;
  while (std::getline(in, line) && !line.empty()) {
    if ((line[0] == ' ' || line[0] == '\t') && !v.request.headers.empty()) {
      v.request.headers.back().value += "\n" + line;
    } else {
      const size_t colon = line.find(':');
      v.request.headers.push_back({line.substr(0, colon), line.substr(colon + 1)});
    }
  }
  const size_t blank = raw.find("\n\n");
  if (blank != std::string::npos) v.body = raw.substr(blank + 2);
  v.request.body = v.body;

  const auto ctx = nlohmann::json::parse(read_file(kVectors / name / "context.json"));
  v.credentials.access_key_id = ctx["credentials"]["access_key_id"];
  v.credentials.secret_access_key = ctx["credentials"]["secret_access_key"];
  v.credentials.session_token = ctx["credentials"].value("token", "");
  v.context.region = ctx["region"];
  v.context.service = ctx["service"];
  const std::string ts = ctx["timestamp"];  // 2015-08-30T12:36:00Z
  v.context.amz_date = ts.substr(0, 4) + ts.substr(5, 2) + ts.substr(8, 2) + "T" + ts.substr(11, 2) + ts.substr(14, 2) +
                       ts.substr(17, 2) + "Z";
  v.context.normalize_path = ctx.value("normalize", true);
  v.context.sign_body = ctx.value("sign_body", false);
  v.context.omit_session_token = ctx.value("omit_session_token", false);
  v.context.expires_seconds = ctx.value("expiration_in_seconds", 3600);
  return v;
}

std::string expected(const std::string& name, const std::string& file) {
  std::string text = read_file(kVectors / name / file);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text;
}

std::vector<std::string> vector_names() {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(kVectors))
    if (entry.is_directory()) names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

class SigV4Vector : public ::testing::TestWithParam<std::string> {};

TEST_P(SigV4Vector, HeaderSigning) {
  const std::string& name = GetParam();
  Vector v = load(name);
  const std::string canonical = sigv4_canonical_request(v.request, v.context, v.credentials);
  EXPECT_EQ(canonical, expected(name, "header-canonical-request.txt"));
  const std::string to_sign = sigv4_string_to_sign(canonical, v.context);
  EXPECT_EQ(to_sign, expected(name, "header-string-to-sign.txt"));
  EXPECT_EQ(sigv4_signature(to_sign, v.context, v.credentials), expected(name, "header-signature.txt"));

  // The Authorization header of the signed request, byte for byte.
  const std::string signed_request = read_file(kVectors / name / "header-signed-request.txt");
  std::string authorization;
  for (const auto& h : sigv4_sign(v.request, v.context, v.credentials))
    if (h.name == "Authorization") authorization = h.value;
  EXPECT_NE(signed_request.find("\nAuthorization:" + authorization + "\n"), std::string::npos) << authorization << "\n"
                                                                                               << signed_request;
}

TEST_P(SigV4Vector, QuerySigning) {
  const std::string& name = GetParam();
  Vector v = load(name);
  const std::string canonical = sigv4_presign_canonical_request(v.request, v.context, v.credentials);
  EXPECT_EQ(canonical, expected(name, "query-canonical-request.txt"));
  const std::string to_sign = sigv4_string_to_sign(canonical, v.context);
  EXPECT_EQ(to_sign, expected(name, "query-string-to-sign.txt"));
  const std::string signature = sigv4_signature(to_sign, v.context, v.credentials);
  EXPECT_EQ(signature, expected(name, "query-signature.txt"));
  EXPECT_NE(sigv4_presign_query(v.request, v.context, v.credentials).find("&X-Amz-Signature=" + signature),
            std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Aws, SigV4Vector, ::testing::ValuesIn(vector_names()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string n = info.param;
                           std::replace(n.begin(), n.end(), '-', '_');
                           return n;
                         });

TEST(SigV4, SuiteIsComplete) { EXPECT_EQ(vector_names().size(), 38u); }

TEST(SigV4, AmzDate) {
  EXPECT_EQ(amz_date(1440938160), "20150830T123600Z");
  EXPECT_EQ(amz_date(0), "19700101T000000Z");
}

// The request ECR's GetAuthorizationToken gets: JSON 1.1 POST, temporary credentials.
TEST(SigV4, SessionTokenIsSignedAndSent) {
  SigV4Request r{"POST",
                 "/",
                 "",
                 {{"Host", "api.ecr.eu-west-1.amazonaws.com"},
                  {"Content-Type", "application/x-amz-json-1.1"},
                  {"X-Amz-Target", "AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken"}},
                 "{}"};
  SigV4Context c{"eu-west-1", "ecr", "20240102T030405Z"};
  AwsCredentials creds{"AKID", "SECRET", "TOKEN", {}, ""};
  auto headers = sigv4_sign(r, c, creds);
  ASSERT_EQ(headers.size(), 3u);
  EXPECT_EQ(headers[0].value, "20240102T030405Z");
  EXPECT_EQ(headers[1].name, "X-Amz-Security-Token");
  EXPECT_EQ(headers[1].value, "TOKEN");
  EXPECT_TRUE(headers[2].value.starts_with(
      "AWS4-HMAC-SHA256 Credential=AKID/20240102/eu-west-1/ecr/aws4_request, "
      "SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target, Signature="));
}

}  // namespace
}  // namespace ocipush
