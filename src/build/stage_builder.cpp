#include "oci_push/build/stage_builder.h"

#include <algorithm>

#include "oci_push/build/config_edits.h"
#include "oci_push/build/context_copy.h"
#include "oci_push/build/image_paths.h"
#include "oci_push/util/error.h"
#include "oci_push/util/quoted.h"

namespace ocipush {

namespace {

// What TARGETPLATFORM and its kin say, for an ARG that names one without a value.
ShellVariables platform_args(const Platform& target, const Platform& host) {
  return {{"TARGETPLATFORM", target.str()}, {"TARGETOS", target.os},     {"TARGETARCH", target.architecture},
          {"TARGETVARIANT", target.variant}, {"BUILDPLATFORM", host.str()}, {"BUILDOS", host.os},
          {"BUILDARCH", host.architecture},  {"BUILDVARIANT", host.variant}};
}

const std::string* find_pair(const std::vector<std::pair<std::string, std::string>>& pairs, const std::string& key) {
  const std::string* found = nullptr;
  for (const auto& [k, v] : pairs)
    if (k == key) found = &v;
  return found;
}

}  // namespace

std::string history_text(const DockerfileInstruction& i) {
  std::string text = i.original;
  // The first word is the instruction as written; history spells it in upper case, as docker does.
  const auto end = text.find_first_of(" \t");
  for (size_t k = 0; k < std::min(end, text.size()); ++k) text[k] = static_cast<char>(std::toupper(static_cast<unsigned char>(text[k])));
  return text;
}

StageBuilder::StageBuilder(StageEnvironment& env, StageResult start, const Platform& platform, std::string name)
    : env_(env), state_(std::move(start)), platform_(platform), name_(std::move(name)) {}

std::string StageBuilder::where(const DockerfileInstruction& i) const {
  return env_.request.file_name + ":" + std::to_string(i.line);
}

ShellVariables StageBuilder::variables() const {
  ShellVariables vars = args_;
  for (auto& kv : env_of(state_.config)) vars.push_back(std::move(kv));  // ENV wins over ARG of one name
  return vars;
}

std::string StageBuilder::expand(const std::string& word, const DockerfileInstruction& i) const {
  if (env_.request.literal) return word;
  try {
    ShellLexer lexer;
    lexer.escape = env_.request.dockerfile.escape;
    return lexer.expand_word(word, variables());
  } catch (const Error& e) {
    throw Error(where(i) + ": " + e.what());
  }
}

std::vector<std::string> StageBuilder::expand_all(const std::vector<std::string>& words,
                                                  const DockerfileInstruction& i) const {
  std::vector<std::string> out;
  for (const auto& w : words) out.push_back(expand(w, i));
  return out;
}

void StageBuilder::metadata(const DockerfileInstruction&, const std::string& created_by) {
  add_history(state_.config, rfc3339_utc(env_.request.epoch), created_by, true);
}

void StageBuilder::apply_pairs(const DockerfileInstruction& i, bool env) {
  if (i.args.size() % 3 != 0 || i.args.empty()) throw Error(where(i) + ": " + i.keyword + " needs KEY=VALUE");
  // Every pair sees the variables as they were before the instruction: one value per name throughout.
  std::vector<std::pair<std::string, std::string>> pairs;
  for (size_t k = 0; k < i.args.size(); k += 3) pairs.emplace_back(expand(i.args[k], i), expand(i.args[k + 1], i));
  for (const auto& [key, value] : pairs) {
    if (key.empty()) throw Error(where(i) + ": " + i.keyword + " with an empty name");
    env ? set_env(state_.config, key, value) : set_label(state_.config, key, value);
  }
}

void StageBuilder::apply_arg(const DockerfileInstruction& i) {
  for (const auto& word : i.args) {
    const auto eq = word.find('=');
    const std::string name = word.substr(0, eq);
    if (name.empty()) throw Error(where(i) + ": ARG with an empty name");
    std::optional<std::string> value;
    if (eq != std::string::npos) value = expand(word.substr(eq + 1), i);
    if (!value)
      if (auto* global = find_shell_variable(env_.global_args, name)) value = *global;
    if (!value)
      if (auto* builtin = find_pair(platform_args(platform_, env_.request.host_platform), name)) value = *builtin;
    if (auto* given = find_pair(env_.request.build_args, name)) value = *given;
    if (value) args_.emplace_back(name, *value);
  }
}

void StageBuilder::apply_command(const DockerfileInstruction& i, const char* field) {
  container_config(state_.config)[field] = command_words(state_.config, i.args, i.json_form);
  if (std::string(field) == "Cmd") cmd_set_ = true;
  // An ENTRYPOINT makes an inherited CMD meaningless: BuildKit resets it unless this stage set one.
  if (std::string(field) == "Entrypoint" && !cmd_set_) container_config(state_.config)["Cmd"] = nullptr;
}

void StageBuilder::apply_healthcheck(const DockerfileInstruction& i) {
  if (i.args.empty()) throw Error(where(i) + ": HEALTHCHECK needs NONE or CMD");
  std::string kind = i.args[0];
  std::transform(kind.begin(), kind.end(), kind.begin(), ::toupper);
  nlohmann::json check = nlohmann::json::object();
  if (kind == "NONE") {
    check["Test"] = {"NONE"};
  } else if (kind == "CMD") {
    std::vector<std::string> rest(i.args.begin() + 1, i.args.end());
    if (rest.empty()) throw Error(where(i) + ": HEALTHCHECK CMD needs a command");
    check["Test"] = i.json_form ? nlohmann::json(rest) : nlohmann::json{"CMD-SHELL", rest[0]};
    if (i.json_form) check["Test"].insert(check["Test"].begin(), "CMD");
  } else {
    throw Error(where(i) + ": HEALTHCHECK takes NONE or CMD, not " + in_quotes(i.args[0]));
  }
  static const std::vector<std::pair<std::string, std::string>> durations{
      {"--interval=", "Interval"}, {"--timeout=", "Timeout"}, {"--start-period=", "StartPeriod"},
      {"--start-interval=", "StartInterval"}};
  for (const auto& flag : i.flags) {
    bool known = false;
    for (const auto& [prefix, field] : durations)
      if (flag.starts_with(prefix)) known = true, check[field] = parse_go_duration(flag.substr(prefix.size()));
    if (flag.starts_with("--retries=")) known = true, check["Retries"] = std::stoi(flag.substr(10));
    if (!known) throw Error(where(i) + ": HEALTHCHECK does not take " + flag);
  }
  container_config(state_.config)["Healthcheck"] = check;
}

void StageBuilder::apply_onbuild(const DockerfileInstruction& i) {
  if (i.onbuild.empty()) throw Error(where(i) + ": ONBUILD needs an instruction");
  auto& c = container_config(state_.config);
  if (!c.contains("OnBuild") || !c["OnBuild"].is_array()) c["OnBuild"] = nlohmann::json::array();
  std::string text = i.original.substr(std::min(i.original.size(), std::string("ONBUILD").size()));
  c["OnBuild"].push_back(std::string(dockerfile_detail::trim_space(text)));
}

void StageBuilder::apply(const DockerfileInstruction& i) {
  const std::string& k = i.keyword;
  const std::string created_by = history_text(i);
  auto& c = container_config(state_.config);
  if (k == "copy" || k == "add") return apply_copy(i, k == "add");
  if (k == "env" || k == "label") apply_pairs(i, k == "env");
  else if (k == "arg") apply_arg(i);
  else if (k == "workdir") {
    if (i.args.size() != 1) throw Error(where(i) + ": WORKDIR takes one path");
    std::string current = c.value("WorkingDir", std::string("/"));
    c["WorkingDir"] = resolve_under(current.empty() ? "/" : current, expand(i.args[0], i));
  } else if (k == "user") {
    if (i.args.size() != 1) throw Error(where(i) + ": USER takes one user[:group]");
    c["User"] = expand(i.args[0], i);
  } else if (k == "expose") {
    for (const auto& port : expand_all(i.args, i)) try {
        expose_port(state_.config, port);
      } catch (const Error& e) {
        throw Error(where(i) + ": " + e.what());
      }
  } else if (k == "volume") {
    for (const auto& path : i.json_form ? i.args : expand_all(i.args, i)) add_volume(state_.config, path);
  } else if (k == "stopsignal") {
    if (i.args.size() != 1) throw Error(where(i) + ": STOPSIGNAL takes one signal");
    c["StopSignal"] = expand(i.args[0], i);
  } else if (k == "entrypoint") apply_command(i, "Entrypoint");
  else if (k == "cmd") apply_command(i, "Cmd");
  else if (k == "shell") {
    if (!i.json_form) throw Error(where(i) + ": SHELL takes the JSON form: SHELL [\"executable\", \"parameters\"]");
    c["Shell"] = i.args;
  } else if (k == "healthcheck") apply_healthcheck(i);
  else if (k == "onbuild") apply_onbuild(i);
  else if (k == "maintainer") state_.config["author"] = i.args.empty() ? "" : i.args[0];
  else throw Error(where(i) + ": " + in_quotes(i.keyword) + " is not an instruction oci-push builds");
  metadata(i, created_by);
}

std::vector<std::string> StageBuilder::take_onbuild_triggers() {
  std::vector<std::string> triggers;
  auto& c = container_config(state_.config);
  if (c.contains("OnBuild") && c["OnBuild"].is_array())
    for (const auto& t : c["OnBuild"])
      if (t.is_string()) triggers.push_back(t.get<std::string>());
  c.erase("OnBuild");
  return triggers;
}

StageResult StageBuilder::finish() {
  auto& labels = env_.request.labels;
  for (const auto& [key, value] : labels) set_label(state_.config, key, value);
  state_.config["created"] = rfc3339_utc(env_.request.epoch);
  return std::move(state_);
}

}  // namespace ocipush
