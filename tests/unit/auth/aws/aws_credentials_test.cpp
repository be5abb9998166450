#include "oci_push/auth/aws/aws_credentials.h"

#include <gtest/gtest.h>

#include "fakes/fake_environment.h"
#include "fakes/fake_http_client.h"
#include "oci_push/util/error.h"

namespace ocipush {
namespace {

using testing::FakeEnvironment;
using testing::FakeHttpClient;

const char* kStsAnswer = R"(<AssumeRoleResponse><AssumeRoleResult><Credentials>
  <AccessKeyId>ASIAROLE</AccessKeyId><SecretAccessKey>role&amp;secret</SecretAccessKey>
  <SessionToken>role-token</SessionToken><Expiration>2023-11-15T00:00:00Z</Expiration>
</Credentials></AssumeRoleResult></AssumeRoleResponse>)";

void expect_credentials(const AwsCredentials& c, const std::string& key, const std::string& secret,
                        const std::string& token, int64_t expires_at) {
  EXPECT_EQ(c.access_key_id, key);
  EXPECT_EQ(c.secret_access_key, secret);
  EXPECT_EQ(c.session_token, token);
  EXPECT_EQ(c.expires_at, expires_at);
}

class Chain : public ::testing::Test {
 protected:
  Chain() {
    env.vars["HOME"] = "/home/u";
    env.vars["AWS_EC2_METADATA_DISABLED"] = "true";
  }
  AwsCredentials resolve() { return AwsCredentialChain(env, http).resolve(); }
  std::string error() {
    try {
      resolve();
    } catch (const Error& e) {
      return e.what();
    }
    return "";
  }
  FakeEnvironment env;
  FakeHttpClient http;
};

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
  HttpResponse xml{403, {}, "<ErrorResponse><Error><Code>AccessDenied</Code><Message>no</Message></Error></ErrorResponse>"};
  EXPECT_EQ(describe_aws_error(xml), "HTTP 403: AccessDenied: no");
}

TEST_F(Chain, EnvironmentFirstWithSessionToken) {
  env.vars["AWS_ACCESS_KEY_ID"] = "AKENV";
  env.vars["AWS_SECRET_ACCESS_KEY"] = "SENV";
  env.vars["AWS_SESSION_TOKEN"] = "TENV";
  env.files["/home/u/.aws/credentials"] = "[default]\naws_access_key_id=AKFILE\naws_secret_access_key=S\n";
  const auto c = resolve();
  EXPECT_EQ(c.access_key_id, "AKENV");
  EXPECT_EQ(c.session_token, "TENV");
  EXPECT_EQ(c.source, "environment");
  env.vars.erase("AWS_SECRET_ACCESS_KEY");
  EXPECT_EQ(error(), "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set together (only one of them is)");
}

TEST_F(Chain, ProfileFromBothFilesAndTheirOverrides) {
  env.vars["AWS_PROFILE"] = "dev";
  env.vars["AWS_SHARED_CREDENTIALS_FILE"] = "/c";
  env.vars["AWS_CONFIG_FILE"] = "/cfg";
  env.files["/c"] = "[dev]\naws_access_key_id = AKDEV\naws_secret_access_key = SDEV\n";
  env.files["/cfg"] = "[profile dev]\nregion = ap-south-1\n";
  const auto c = resolve();
  EXPECT_EQ(c.access_key_id, "AKDEV");
  EXPECT_EQ(c.source, "profile dev");
  EXPECT_EQ(aws_region(env), "ap-south-1");
  env.vars["AWS_REGION"] = "eu-west-3";
  EXPECT_EQ(aws_region(env), "eu-west-3");
  env.vars["AWS_PROFILE"] = "missing";
  EXPECT_EQ(error(), "AWS profile \"missing\" is in neither /c nor /cfg");
}

TEST_F(Chain, AssumeRoleSignsWithTheSourceProfile) {
  env.vars["AWS_PROFILE"] = "ci";
  env.vars["AWS_REGION"] = "eu-west-1";
  env.files["/home/u/.aws/credentials"] = "[base]\naws_access_key_id = AKBASE\naws_secret_access_key = SBASE\n";
  env.files["/home/u/.aws/config"] =
      "[profile ci]\nrole_arn = arn:aws:iam::1:role/push\nsource_profile = base\nexternal_id = ext\n";
  http.answer(200, {}, kStsAnswer);
  expect_credentials(resolve(), "ASIAROLE", "role&secret", "role-token", 1700006400);
  ASSERT_EQ(http.requests.size(), 1u);
  const auto& r = http.requests[0];
  EXPECT_EQ(r.url, "https://sts.eu-west-1.amazonaws.com");
  EXPECT_EQ(r.body, "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A1%3Arole%2Fpush&"
                    "RoleSessionName=oci-push-1700000000&ExternalId=ext");
  EXPECT_TRUE(r.header("Authorization").starts_with("AWS4-HMAC-SHA256 Credential=AKBASE/20231114/eu-west-1/sts/"));
}

TEST_F(Chain, StsRefusalIsOneLine) {
  env.files["/home/u/.aws/config"] = "[default]\nrole_arn = arn:aws:iam::1:role/push\ncredential_source = Environment\n";
  env.vars["AWS_ENDPOINT_URL_STS"] = "http://127.0.0.1:4566";
  // credential_source = Environment with nothing in the environment
  EXPECT_EQ(error(), "AWS profile \"default\": credential_source Environment has no credentials");
}

TEST_F(Chain, CredentialProcessIsRunWithoutAShell) {
  env.files["/home/u/.aws/config"] = "[default]\ncredential_process = /opt/get-creds --role 'a b'\n";
  env.process = [](const std::vector<std::string>&, const std::string&) {
    return ProcessResult{0, R"({"Version":1,"AccessKeyId":"AKP","SecretAccessKey":"SP","SessionToken":"TP","Expiration":"2023-11-15T00:00:00Z"})", ""};
  };
  const auto c = resolve();
  EXPECT_EQ(c.access_key_id, "AKP");
  EXPECT_EQ(c.session_token, "TP");
  ASSERT_EQ(env.ran.size(), 1u);
  EXPECT_EQ(env.ran[0], (std::vector<std::string>{"/opt/get-creds", "--role", "a b"}));
}

TEST_F(Chain, WebIdentityIsUnsigned) {
  env.vars["AWS_WEB_IDENTITY_TOKEN_FILE"] = "/var/run/token";
  env.vars["AWS_ROLE_ARN"] = "arn:aws:iam::1:role/gha";
  env.files["/var/run/token"] = "jwt-token\n";
  http.answer(200, {}, kStsAnswer);
  EXPECT_EQ(resolve().access_key_id, "ASIAROLE");
  const auto& r = http.requests[0];
  EXPECT_EQ(r.header("Authorization"), "<none>");
  EXPECT_NE(r.body.find("Action=AssumeRoleWithWebIdentity&"), std::string::npos);
  EXPECT_NE(r.body.find("&WebIdentityToken=jwt-token"), std::string::npos);
  EXPECT_EQ(r.url, "https://sts.us-east-1.amazonaws.com");
}

TEST_F(Chain, ContainerCredentials) {
  env.vars["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"] = "/v2/credentials/abc";
  env.vars["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = "tok";
  http.answer(200, {}, R"({"AccessKeyId":"AKC","SecretAccessKey":"SC","Token":"TC","Expiration":"2023-11-15T00:00:00Z"})");
  EXPECT_EQ(resolve().access_key_id, "AKC");
  EXPECT_EQ(http.requests[0].url, "http://169.254.170.2/v2/credentials/abc");
  EXPECT_EQ(http.requests[0].header("Authorization"), "tok");
  env.vars.erase("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
  env.vars["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = "http://attacker.example/creds";
  EXPECT_NE(error().find("refusing"), std::string::npos);
}

TEST_F(Chain, ImdsV2) {
  env.vars.erase("AWS_EC2_METADATA_DISABLED");
  http.answer(200, {}, "imds-token");
  http.answer(200, {}, "my-role\n");
  http.answer(200, {}, R"({"Code":"Success","AccessKeyId":"AKI","SecretAccessKey":"SI","Token":"TI","Expiration":"2023-11-15T00:00:00Z"})");
  EXPECT_EQ(resolve().access_key_id, "AKI");
  EXPECT_EQ(http.requests[0].method, "PUT");
  EXPECT_EQ(http.requests[0].url, "http://169.254.169.254/latest/api/token");
  EXPECT_EQ(http.requests[2].url, "http://169.254.169.254/latest/meta-data/iam/security-credentials/my-role");
  EXPECT_EQ(http.requests[2].header("X-aws-ec2-metadata-token"), "imds-token");
}

TEST_F(Chain, ImdsRequestsHaveTheAwsCliDeadline) {
  env.vars.erase("AWS_EC2_METADATA_DISABLED");
  http.answer(200, {}, "imds-token");
  http.answer(404);  // no role
  EXPECT_NE(error().find("no AWS credentials found"), std::string::npos);
  ASSERT_EQ(http.requests.size(), 2u);
  EXPECT_EQ(http.requests[0].deadline, std::chrono::milliseconds(1000));
  EXPECT_EQ(http.requests[1].deadline, std::chrono::milliseconds(1000));
}

TEST_F(Chain, ImdsTimeoutAndAttemptsFromTheEnvironment) {
  env.vars.erase("AWS_EC2_METADATA_DISABLED");
  env.vars["AWS_METADATA_SERVICE_TIMEOUT"] = "3";
  env.vars["AWS_METADATA_SERVICE_NUM_ATTEMPTS"] = "2";
  http.fail_next(NetworkError::Kind::Timeout);
  http.fail_next(NetworkError::Kind::Timeout);
  EXPECT_NE(error().find("no AWS credentials found"), std::string::npos);
  ASSERT_EQ(http.requests.size(), 2u);  // two tries of the token, then "not on EC2"
  EXPECT_EQ(http.requests[1].method, "PUT");
  EXPECT_EQ(http.requests[1].deadline, std::chrono::milliseconds(3000));
}

TEST_F(Chain, ABadImdsSettingNamesTheVariable) {
  env.vars.erase("AWS_EC2_METADATA_DISABLED");
  env.vars["AWS_METADATA_SERVICE_TIMEOUT"] = "soon";
  EXPECT_NE(error().find("AWS_METADATA_SERVICE_TIMEOUT=\"soon\""), std::string::npos) << error();
  env.vars["AWS_METADATA_SERVICE_TIMEOUT"] = "0";
  EXPECT_NE(error().find("AWS_METADATA_SERVICE_TIMEOUT"), std::string::npos) << error();
  EXPECT_TRUE(http.requests.empty());
}

// IAM Identity Center: the cache file is named by the SHA-1 of the sso-session name (legacy profiles:
// of the start URL), as the AWS CLI names it; the hex values below are Python's hashlib.sha1.
const char* kSsoConfig = R"([profile dev]
sso_session = my-sso
sso_account_id = 111122223333
sso_role_name = Deployer
[sso-session my-sso]
sso_region = eu-west-1
sso_start_url = https://example.awsapps.com/start
[profile legacy]
sso_start_url = https://example.awsapps.com/start
sso_region = us-east-2
sso_account_id = 444455556666
sso_role_name = Reader
)";
const char* kRoleCredentials =
    R"({"roleCredentials":{"accessKeyId":"ASIASSO","secretAccessKey":"SSO/secret","sessionToken":"sso-session-token","expiration":1700003600000}})";

class SsoChain : public Chain {
 protected:
  SsoChain() {
    env.files[config_path()] = kSsoConfig;
    env.vars["AWS_PROFILE"] = "dev";
  }
  void cache(const std::string& sha1, const std::string& expires_at) {
    env.files[env.vars["HOME"] + "/.aws/sso/cache/" + sha1 + ".json"] =
        R"({"startUrl":"https://example.awsapps.com/start","region":"eu-west-1","accessToken":"sso-access-token","expiresAt":")" +
        expires_at + "\"}";
  }
  std::string config_path() { return env.vars["HOME"] + "/.aws/config"; }
};

TEST_F(SsoChain, SessionProfileExchangesTheCachedTokenForTheRolesKeys) {
  cache("0ad374308c5a4e22f723adf10145eafad7c4031c", "2099-01-01T00:00:00Z");
  http.answer(200, {}, kRoleCredentials);
  expect_credentials(resolve(), "ASIASSO", "SSO/secret", "sso-session-token", 1700003600);
  ASSERT_EQ(http.requests.size(), 1u);
  EXPECT_EQ(http.requests[0].method, "GET");
  EXPECT_EQ(http.requests[0].url,
            "https://portal.sso.eu-west-1.amazonaws.com/federation/credentials?account_id=111122223333&role_name=Deployer");
  EXPECT_EQ(http.requests[0].header("x-amz-sso_bearer_token"), "sso-access-token");
}

TEST_F(SsoChain, LegacyProfileAndTheOlderExpiryFormat) {
  env.vars["AWS_PROFILE"] = "legacy";
  cache("e8be5486177c5b5392bd9aa76563515b29358e6e", "2099-01-01T00:00:00UTC");
  http.answer(200, {}, kRoleCredentials);
  EXPECT_EQ(resolve().access_key_id, "ASIASSO");
  EXPECT_EQ(http.requests[0].url,
            "https://portal.sso.us-east-2.amazonaws.com/federation/credentials?account_id=444455556666&role_name=Reader");
}

TEST_F(SsoChain, NoCachedLoginSaysHowToLogIn) {
  const std::string e = error();
  EXPECT_NE(e.find("no SSO login cached"), std::string::npos) << e;
  EXPECT_NE(e.find("aws sso login --profile dev"), std::string::npos) << e;
  EXPECT_TRUE(http.requests.empty());
}

TEST_F(SsoChain, AnExpiredLoginIsNotSent) {
  cache("0ad374308c5a4e22f723adf10145eafad7c4031c", "2023-11-14T00:00:00Z");  // before the fake clock
  const std::string e = error();
  EXPECT_NE(e.find("has expired"), std::string::npos) << e;
  EXPECT_TRUE(http.requests.empty());
}

TEST_F(SsoChain, ARefusedTokenSaysHowToLogInWithoutShowingIt) {
  cache("0ad374308c5a4e22f723adf10145eafad7c4031c", "2099-01-01T00:00:00Z");
  http.answer(401, {}, R"({"__type":"UnauthorizedException","message":"Session token not found or invalid"})");
  const std::string e = error();
  EXPECT_NE(e.find("UnauthorizedException"), std::string::npos) << e;
  EXPECT_NE(e.find("aws sso login --profile dev"), std::string::npos) << e;
  EXPECT_EQ(e.find("sso-access-token"), std::string::npos) << e;
}

TEST_F(SsoChain, AMissingSessionOrSettingIsNamed) {
  env.files[config_path()] = "[profile dev]\nsso_session = nope\nsso_account_id = 1\nsso_role_name = R\n";
  EXPECT_NE(error().find("sso-session \"nope\""), std::string::npos) << error();
  env.files[config_path()] = "[profile dev]\nsso_start_url = https://x\nsso_region = eu-west-1\nsso_role_name = R\n";
  EXPECT_NE(error().find("sso_account_id"), std::string::npos) << error();
}

TEST_F(SsoChain, PlainHttpOnlyToLoopback) {
  cache("0ad374308c5a4e22f723adf10145eafad7c4031c", "2099-01-01T00:00:00Z");
  env.vars["AWS_ENDPOINT_URL_SSO"] = "http://sso.example.com";
  EXPECT_NE(error().find("refusing to send an SSO token over plain HTTP"), std::string::npos) << error();
  EXPECT_TRUE(http.requests.empty());
}

TEST_F(Chain, NothingAnywhere) {
  env.vars.erase("AWS_EC2_METADATA_DISABLED");
  http.fail_next(NetworkError::Kind::Connect);
  EXPECT_NE(error().find("no AWS credentials found"), std::string::npos);
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
