#include "oci_push/build/build_stages.h"

#include <algorithm>
#include <cctype>

#include "oci_push/util/ascii.h"
#include "oci_push/util/error.h"
#include "oci_push/util/quoted.h"

namespace ocipush {

namespace {

void refuse_runtime(const DockerfileInstruction& i, const std::string& file_name) {
  if (i.keyword == "run")
    throw Error(file_name + ":" + std::to_string(i.line) +
                ": RUN needs a container runtime; oci-push builds without running commands (COPY, ADD and the "
                "metadata instructions only)");
}

ShellVariables global_args(const std::vector<DockerfileInstruction>& before, const BuildRequest& request) {
  ShellVariables args;
  // FROM lines may use the platform ARGs without declaring them (BuildKit gives them automatically).
  const Platform target = request.platforms.empty() ? request.host_platform : request.platforms.front();
  args.push_back({"TARGETPLATFORM", target.str()});
  args.push_back({"TARGETOS", target.os});
  args.push_back({"TARGETARCH", target.architecture});
  args.push_back({"TARGETVARIANT", target.variant});
  args.push_back({"BUILDPLATFORM", request.host_platform.str()});
  ShellLexer lexer;
  lexer.escape = request.dockerfile.escape;
  for (const auto& i : before)
    for (const auto& word : i.args) {
      const auto eq = word.find('=');
      const std::string name = word.substr(0, eq);
      std::optional<std::string> value;
      if (eq != std::string::npos) value = request.literal ? word.substr(eq + 1) : lexer.expand_word(word.substr(eq + 1), args);
      for (const auto& [k, v] : request.build_args)
        if (k == name) value = v;
      if (value) args.push_back({name, *value});
    }
  return args;
}

Stage stage_of(const DockerfileInstruction& from, const ShellVariables& args, const BuildRequest& request) {
  const std::string where = request.file_name + ":" + std::to_string(from.line);
  if (from.args.empty() || (from.args.size() != 1 && from.args.size() != 3) ||
      (from.args.size() == 3 && ascii_lower(from.args[1]) != "as"))
    throw Error(where + ": FROM takes IMAGE [AS NAME]");
  ShellLexer lexer;
  lexer.escape = request.dockerfile.escape;
  auto expand = [&](const std::string& w) {
    try {
      return request.literal ? w : lexer.expand_word(w, args);
    } catch (const Error& e) {
      throw Error(where + ": " + e.what());
    }
  };
  Stage s;
  s.base = expand(from.args[0]);
  if (s.base.empty()) throw Error(where + ": FROM names no image (" + in_quotes(from.args[0]) + " is empty)");
  if (ascii_lower(s.base) == "scratch") s.base = "scratch";
  if (from.args.size() == 3) s.name = ascii_lower(from.args[2]);
  for (const auto& flag : from.flags) {
    if (!flag.starts_with("--platform=")) throw Error(where + ": FROM does not take " + flag);
    s.platform = Platform::parse(expand(flag.substr(11)));
  }
  s.where = where;
  s.line = from.line;
  return s;
}

}  // namespace

Stages split_stages(const BuildRequest& request) {
  const auto& all = request.dockerfile.instructions;
  for (const auto& i : all) refuse_runtime(i, request.file_name);
  Stages out;
  size_t k = 0;
  std::vector<DockerfileInstruction> before;
  for (; k < all.size() && all[k].keyword != "from"; ++k) {
    if (all[k].keyword != "arg")
      throw Error(request.file_name + ":" + std::to_string(all[k].line) + ": only ARG may come before the first FROM");
    before.push_back(all[k]);
  }
  if (k == all.size()) throw Error(request.file_name + ": no FROM instruction");
  out.global_args = global_args(before, request);
  for (; k < all.size(); ++k) {
    if (all[k].keyword == "from") out.stages.push_back(stage_of(all[k], out.global_args, request));
    else out.stages.back().instructions.push_back(all[k]);
  }
  return out;
}

size_t target_stage(const Stages& stages, const std::optional<std::string>& target, const std::string& file_name) {
  if (!target) return stages.stages.size() - 1;
  for (size_t k = 0; k < stages.stages.size(); ++k)
    if (stages.stages[k].name == ascii_lower(*target)) return k;
  std::string names;
  for (const auto& s : stages.stages)
    if (!s.name.empty()) names += (names.empty() ? "" : ", ") + s.name;
  throw Error(file_name + ": --target " + in_quotes(*target) + ": no such stage" +
              (names.empty() ? " (no stage is named)" : " (stages: " + names + ")"));
}

std::optional<size_t> stage_index(const Stages& stages, const std::string& name, size_t before) {
  const std::string wanted = ascii_lower(name);
  for (size_t k = 0; k < before && k < stages.stages.size(); ++k)
    if (!stages.stages[k].name.empty() && stages.stages[k].name == wanted) return k;
  bool digits = !name.empty() && name.size() < 4;
  for (char c : name) digits = digits && std::isdigit(static_cast<unsigned char>(c));
  if (digits && std::stoul(name) < before) return std::stoul(name);
  return std::nullopt;
}

}  // namespace ocipush
