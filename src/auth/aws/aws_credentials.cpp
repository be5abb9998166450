#include "oci_push/auth/aws/aws_credentials.h"

#include <fmt/format.h>

#include "oci_push/auth/aws/credential_process.h"
#include "oci_push/auth/aws/machine_credentials.h"
#include "oci_push/auth/aws/sso_credentials.h"
#include "oci_push/auth/aws/sts_credentials.h"
#include "oci_push/util/error.h"
#include "oci_push/util/quoted.h"

namespace ocipush {
namespace {

constexpr int kMaxRoleChain = 5;

std::string setting_or_empty(const AwsIniSection& section, const char* key) {
  auto it = section.find(key);
  return it == section.end() ? std::string() : it->second;
}

// The static keys of a profile's section in the file at `path`.
AwsCredentials profile_keys(const AwsIniSection& section, const std::string& name, const std::string& path,
                            const std::string& where) {
  if (!section.count("aws_secret_access_key"))
    throw Error(
        fmt::format("AWS profile {} in {} has aws_access_key_id but no aws_secret_access_key", in_quotes(name), path));
  return AwsCredentials{section.at("aws_access_key_id"), section.at("aws_secret_access_key"),
                        setting_or_empty(section, "aws_session_token"), std::nullopt, where};
}

}  // namespace

AwsCredentialChain::AwsCredentialChain(Environment& env, HttpClient& http) : env_(env), http_(http) {}

std::string AwsCredentialChain::profile_name() const {
  if (auto p = env_.get("AWS_PROFILE")) return *p;
  if (auto p = env_.get("AWS_DEFAULT_PROFILE")) return *p;
  return "default";
}

std::string AwsCredentialChain::config_path() const {
  if (auto p = env_.get("AWS_CONFIG_FILE")) return *p;
  return home_directory(env_) + "/.aws/config";
}

std::string AwsCredentialChain::credentials_path() const {
  if (auto p = env_.get("AWS_SHARED_CREDENTIALS_FILE")) return *p;
  return home_directory(env_) + "/.aws/credentials";
}

const AwsIniFile& AwsCredentialChain::config_file() {
  if (!config_) {
    const std::string path = config_path();
    config_ = parse_aws_ini(env_.read_file(path).value_or(""), path);
  }
  return *config_;
}

const AwsIniFile& AwsCredentialChain::credentials_file() {
  if (!credentials_) {
    const std::string path = credentials_path();
    credentials_ = parse_aws_ini(env_.read_file(path).value_or(""), path);
  }
  return *credentials_;
}

std::optional<std::string> aws_region(const Environment& env) {
  if (auto r = env.get("AWS_REGION")) return r;
  if (auto r = env.get("AWS_DEFAULT_REGION")) return r;
  const std::string path = env.get("AWS_CONFIG_FILE").value_or(home_directory(env) + "/.aws/config");
  const AwsIniFile file = parse_aws_ini(env.read_file(path).value_or(""), path);
  const std::string profile = env.get("AWS_PROFILE").value_or(env.get("AWS_DEFAULT_PROFILE").value_or("default"));
  if (auto p = aws_profile(file, profile, true); p && p->count("region")) return p->at("region");
  return std::nullopt;
}

std::optional<std::string> AwsCredentialChain::region() { return aws_region(env_); }

AwsCredentials AwsCredentialChain::resolve() {
  if (auto c = from_environment()) return *c;
  if (auto c = from_profile(profile_name(), 0)) return *c;
  if (auto file = env_.get("AWS_WEB_IDENTITY_TOKEN_FILE")) {
    const auto role = env_.get("AWS_ROLE_ARN");
    if (!role) throw Error("AWS_WEB_IDENTITY_TOKEN_FILE is set but AWS_ROLE_ARN is not");
    return assume_role_with_web_identity(http_, env_, *file, *role, env_.get("AWS_ROLE_SESSION_NAME").value_or(""),
                                         "environment");
  }
  if (auto c = container_credentials(http_, env_)) return *c;
  if (auto c = instance_metadata_credentials(http_, env_)) return *c;
  throw Error(fmt::format("no AWS credentials found: looked at AWS_ACCESS_KEY_ID, profile {} in {} and {}, "
                          "AWS_WEB_IDENTITY_TOKEN_FILE, container credentials and EC2 instance metadata",
                          in_quotes(profile_name()), credentials_path(), config_path()));
}

std::optional<AwsCredentials> AwsCredentialChain::from_environment() {
  const auto key = env_.get("AWS_ACCESS_KEY_ID");
  const auto secret = env_.get("AWS_SECRET_ACCESS_KEY");
  if (!key && !secret) return std::nullopt;
  if (!key || !secret)
    throw Error("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set together (only one of them is)");
  AwsCredentials c{*key, *secret, env_.get("AWS_SESSION_TOKEN").value_or(""), std::nullopt, "environment"};
  if (c.session_token.empty()) c.session_token = env_.get("AWS_SECURITY_TOKEN").value_or("");
  return c;
}

std::optional<AwsCredentials> AwsCredentialChain::from_profile(const std::string& name, int depth) {
  if (depth > kMaxRoleChain) throw Error(fmt::format("AWS profile {}: source_profile chain too long", in_quotes(name)));
  const auto creds_section = aws_profile(credentials_file(), name, false);
  const auto config_section = aws_profile(config_file(), name, true);
  if (!creds_section && !config_section) {
    const bool explicit_profile = depth > 0 || env_.get("AWS_PROFILE") || env_.get("AWS_DEFAULT_PROFILE");
    if (explicit_profile)
      throw Error(
          fmt::format("AWS profile {} is in neither {} nor {}", in_quotes(name), credentials_path(), config_path()));
    return std::nullopt;
  }
  // Settings of a profile may be in either file; the credentials file wins.
  AwsIniSection merged = config_section.value_or(AwsIniSection{});
  if (creds_section)
    for (const auto& [k, v] : *creds_section) merged[k] = v;
  const std::string where = "profile " + name;

  // A source_profile that holds keys is used for them, even when it also names a role (as botocore does).
  const bool assumes_role = merged.count("role_arn") && (depth == 0 || !merged.count("aws_access_key_id"));
  if (assumes_role) return from_role(merged, name, depth);
  if (merged.count("sso_session") || merged.count("sso_start_url"))
    return sso_credentials(http_, env_, merged, name, config_file(), config_path());
  if (creds_section && creds_section->count("aws_access_key_id"))
    return profile_keys(*creds_section, name, credentials_path(), where);
  if (merged.count("credential_process")) return process_credentials(env_, merged["credential_process"], name);
  if (config_section && config_section->count("aws_access_key_id"))
    return profile_keys(*config_section, name, config_path(), where);
  return std::nullopt;
}

AwsCredentials AwsCredentialChain::from_role(const AwsIniSection& profile, const std::string& name, int depth) {
  if (profile.count("web_identity_token_file"))
    return assume_role_with_web_identity(http_, env_, profile.at("web_identity_token_file"), profile.at("role_arn"),
                                         setting_or_empty(profile, "role_session_name"), "profile " + name);
  return assume_role(http_, env_, role_source(profile, name, depth), profile, name);
}

// The credentials that AssumeRole is signed with.
AwsCredentials AwsCredentialChain::role_source(const AwsIniSection& profile, const std::string& name, int depth) {
  if (profile.count("source_profile")) {
    const std::string& src = profile.at("source_profile");
    auto c = src == name ? std::optional<AwsCredentials>() : from_profile(src, depth + 1);
    if (src == name) {  // a profile may hold both the keys and the role to assume with them
      if (!profile.count("aws_access_key_id"))
        throw Error(fmt::format("AWS profile {} is its own source_profile but has no keys", in_quotes(name)));
      c = AwsCredentials{profile.at("aws_access_key_id"), setting_or_empty(profile, "aws_secret_access_key"),
                         setting_or_empty(profile, "aws_session_token"), std::nullopt, "profile " + name};
    }
    if (!c)
      throw Error(
          fmt::format("AWS profile {} (source_profile of {}) has no credentials", in_quotes(src), in_quotes(name)));
    return *c;
  }
  if (profile.count("credential_source")) return from_credential_source(profile.at("credential_source"), name);
  throw Error(
      fmt::format("AWS profile {} has role_arn but neither source_profile nor credential_source", in_quotes(name)));
}

AwsCredentials AwsCredentialChain::from_credential_source(const std::string& source, const std::string& name) {
  std::optional<AwsCredentials> c;
  if (source == "Environment") c = from_environment();
  else if (source == "Ec2InstanceMetadata") c = instance_metadata_credentials(http_, env_);
  else if (source == "EcsContainer") c = container_credentials(http_, env_);
  else throw Error(fmt::format("AWS profile {}: unknown credential_source {}", in_quotes(name), in_quotes(source)));
  if (!c) throw Error(fmt::format("AWS profile {}: credential_source {} has no credentials", in_quotes(name), source));
  return *c;
}

}  // namespace ocipush
