#include "oci_push/build/flag_recipe.h"

#include <nlohmann/json.hpp>

#include "oci_push/util/error.h"
#include "oci_push/util/quoted.h"

namespace ocipush {

namespace {

DockerfileInstruction instruction(std::string keyword, std::vector<std::string> args, std::string original,
                                  size_t line) {
  DockerfileInstruction i;
  i.keyword = std::move(keyword);
  i.args = std::move(args);
  i.original = std::move(original);
  i.line = i.end_line = line;
  return i;
}

// A JSON array of strings as it is; anything else is one word (no shell).
std::vector<std::string> command_of(const std::string& flag, const std::string& text) {
  if (text.starts_with('[')) {
    auto j = nlohmann::json::parse(text, nullptr, false);
    if (!j.is_array()) throw UsageError(flag + " " + in_quotes(text) + ": not a JSON array of strings");
    std::vector<std::string> out;
    for (const auto& w : j) {
      if (!w.is_string()) throw UsageError(flag + " " + in_quotes(text) + ": not a JSON array of strings");
      out.push_back(w.get<std::string>());
    }
    return out;
  }
  return {text};
}

}  // namespace

Dockerfile dockerfile_from_flags(const BuildFlags& f) {
  Dockerfile d;
  size_t line = 1;
  auto& out = d.instructions;
  out.push_back(instruction("from", {f.from.empty() ? "scratch" : f.from}, "FROM " + f.from, line++));
  for (const auto& add : f.adds) {
    const auto colon = add.rfind(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == add.size())
      throw UsageError("--add " + in_quotes(add) + ": expected SRC:DEST");
    auto copy = instruction("copy", {add.substr(0, colon), add.substr(colon + 1)}, "COPY " + add, line++);
    if (!f.chown.empty()) copy.flags.push_back("--chown=" + f.chown);
    if (!f.chmod.empty()) copy.flags.push_back("--chmod=" + f.chmod);
    copy.original = "COPY " + (copy.flags.empty() ? "" : copy.flags.front() + " ") + add.substr(0, colon) + " " +
                    add.substr(colon + 1);
    out.push_back(std::move(copy));
  }
  for (const auto& kv : f.env) {
    const auto eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) throw UsageError("--env " + in_quotes(kv) + ": expected KEY=VALUE");
    out.push_back(instruction("env", {kv.substr(0, eq), kv.substr(eq + 1), "="}, "ENV " + kv, line++));
  }
  if (!f.workdir.empty()) out.push_back(instruction("workdir", {f.workdir}, "WORKDIR " + f.workdir, line++));
  if (!f.user.empty()) out.push_back(instruction("user", {f.user}, "USER " + f.user, line++));
  for (const auto& p : f.expose) out.push_back(instruction("expose", {p}, "EXPOSE " + p, line++));
  for (const auto& v : f.volumes) out.push_back(instruction("volume", {v}, "VOLUME " + v, line++));
  if (!f.stop_signal.empty())
    out.push_back(instruction("stopsignal", {f.stop_signal}, "STOPSIGNAL " + f.stop_signal, line++));
  for (auto [flag, value, keyword] : {std::tuple{"--entrypoint", f.entrypoint, "entrypoint"}, std::tuple{"--cmd", f.cmd, "cmd"}}) {
    if (value.empty()) continue;
    auto i = instruction(keyword, command_of(flag, value), std::string(keyword == std::string("cmd") ? "CMD " : "ENTRYPOINT ") +
                         nlohmann::json(command_of(flag, value)).dump(), line++);
    i.json_form = true;
    out.push_back(std::move(i));
  }
  return d;
}

}  // namespace ocipush
