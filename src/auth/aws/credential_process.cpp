#include "oci_push/auth/aws/credential_process.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <vector>

#include "oci_push/auth/aws/aws_answers.h"
#include "oci_push/util/error.h"
#include "oci_push/util/quoted.h"

namespace ocipush {
namespace {

using nlohmann::json;

// "cmd 'a b' \"c d\"" -> {cmd, a b, c d}: the AWS CLI splits credential_process like a POSIX shell.
std::vector<std::string> split_command(const std::string& command) {
  std::vector<std::string> out;
  std::string cur;
  bool have = false;
  char quote = 0;
  for (size_t i = 0; i < command.size(); ++i) {
    const char c = command[i];
    if (quote) {
      if (c == quote) {
        quote = 0;
      } else if (c == '\\' && quote == '"' && i + 1 < command.size()) {
        cur += command[++i];
      } else {
        cur += c;
      }
    } else if (c == '\'' || c == '"') {
      quote = c;
      have = true;
    } else if (c == '\\' && i + 1 < command.size()) {
      cur += command[++i];
      have = true;
    } else if (c == ' ' || c == '\t') {
      if (have) out.push_back(cur);
      cur.clear();
      have = false;
    } else {
      cur += c;
      have = true;
    }
  }
  if (quote) throw Error("credential_process has an unterminated quote");
  if (have) out.push_back(cur);
  return out;
}

}  // namespace

AwsCredentials process_credentials(Environment& env, const std::string& command, const std::string& profile) {
  const auto argv = split_command(command);
  if (argv.empty()) throw Error(fmt::format("AWS profile {}: credential_process is empty", in_quotes(profile)));
  const std::string what = fmt::format("credential_process of AWS profile {} ({})", in_quotes(profile), argv[0]);
  const ProcessResult r = env.run(argv, "");
  if (r.exit_status != 0) {
    std::string err = trim_space(r.err.substr(0, 300));
    for (char& c : err)
      if (c == '\n') c = ' ';
    throw Error(fmt::format("{} failed with exit status {}{}", what, r.exit_status, err.empty() ? "" : ": " + err));
  }
  const json j = parse_json_answer(r.out, what);
  if (!j.contains("Version") || j["Version"] != 1) throw Error(what + " answered without \"Version\": 1");
  return credentials_from_json(j, what, "SessionToken");
}

}  // namespace ocipush
