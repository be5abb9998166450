// An Environment made of literals: variables, files, a fixed clock, scripted child processes.
#pragma once
#include <functional>
#include <map>

#include "oci_push/util/environment.h"
#include "oci_push/util/error.h"

namespace ocipush::testing {

class FakeEnvironment : public Environment {
 public:
  std::map<std::string, std::string> vars;
  std::map<std::string, std::string> files;
  int64_t clock = 1700000000;
  // argv -> result; unscripted programs "cannot be started" (127).
  std::function<ProcessResult(const std::vector<std::string>&, const std::string&)> process;
  std::vector<std::vector<std::string>> ran;
  std::vector<std::string> inputs;

  std::optional<std::string> get(const std::string& name) const override {
    auto it = vars.find(name);
    if (it == vars.end() || it->second.empty()) return std::nullopt;
    return it->second;
  }
  std::optional<std::string> read_file(const std::string& path, size_t max_size) const override {
    auto it = files.find(path);
    if (it == files.end()) return std::nullopt;
    if (it->second.size() > max_size) throw Error(path + ": too large");
    return it->second;
  }
  void write_private_file(const std::string& path, const std::string& content) override { files[path] = content; }
  int64_t now() const override { return clock; }
  void sleep_ms(int64_t milliseconds) override {
    slept_ms += milliseconds;
    clock += milliseconds / 1000;
  }
  int64_t slept_ms = 0;
  ProcessResult run(const std::vector<std::string>& argv, const std::string& input) override {
    ran.push_back(argv);
    inputs.push_back(input);
    if (!process) return {127, "", "not found"};
    return process(argv, input);
  }
};

}  // namespace ocipush::testing
