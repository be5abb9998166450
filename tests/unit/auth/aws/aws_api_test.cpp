#include "oci_push/auth/aws/aws_api.h"

#include <gtest/gtest.h>

#include "fakes/fake_environment.h"
#include "fakes/fake_http_client.h"
#include "oci_push/auth/aws/aws_answers.h"
#include "oci_push/util/error.h"

namespace ocipush {
namespace {

using testing::FakeEnvironment;
using testing::FakeHttpClient;

TEST(AwsParsing, Iso8601XmlFormAndErrors) {
  EXPECT_EQ(parse_iso8601("2015-08-30T12:36:00Z"), 1440938160);
  EXPECT_EQ(parse_iso8601("2015-08-30T12:36:00.123Z"), 1440938160);
  EXPECT_EQ(parse_iso8601("2015-08-30T12:36:00+00:00"), 1440938160);
  EXPECT_FALSE(parse_iso8601("2015-08-30T12:36:00+02:00"));
  EXPECT_FALSE(parse_iso8601("yesterday"));
  EXPECT_EQ(xml_element("<a><B>x &lt;y&gt;</B></a>", "B"), "x <y>");
  EXPECT_FALSE(xml_element("<a></a>", "B"));
  EXPECT_EQ(form_encode({{"Action", "AssumeRole"}, {"RoleArn", "arn:aws:iam::1:role/a b"}}),
            "Action=AssumeRole&RoleArn=arn%3Aaws%3Aiam%3A%3A1%3Arole%2Fa%20b");
  HttpResponse json{400, {}, R"({"__type":"com.amazon#RepositoryNotFoundException","message":"gone"})"};
  EXPECT_EQ(aws_error_code(json), "RepositoryNotFoundException");
  EXPECT_EQ(describe_aws_error(json), "HTTP 400: RepositoryNotFoundException: gone");
  HttpResponse xml{
      403, {}, "<ErrorResponse><Error><Code>AccessDenied</Code><Message>no</Message></Error></ErrorResponse>"};
  EXPECT_EQ(describe_aws_error(xml), "HTTP 403: AccessDenied: no");
}

TEST(SendSigned, RefusesPlainHttpToARemoteHost) {
  FakeEnvironment env;
  FakeHttpClient http;
  EXPECT_THROW(send_signed(http, env, AwsCredentials{"A", "S", "T", std::nullopt, ""}, "us-east-1", "ecr",
                           "http://ecr.example.com", {}, "{}"),
               Error);
  EXPECT_TRUE(http.requests.empty());
}

}  // namespace
}  // namespace ocipush
