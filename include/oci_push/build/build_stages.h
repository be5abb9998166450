// A Dockerfile cut into its stages: the ARGs before the first FROM (with --build-arg applied), then each
// FROM with its base expanded and the instructions up to the next. Refuses what needs a container runtime.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "oci_push/build/build_engine.h"
#include "oci_push/build/shell_words.h"

namespace ocipush {

struct Stage {
  std::string name;  // AS NAME, lower case; "" when unnamed
  std::string base;  // expanded: "scratch", an earlier stage's name, or an image reference
  std::optional<Platform> platform;  // FROM --platform
  std::vector<DockerfileInstruction> instructions;
  std::string where;  // "Dockerfile:3" of the FROM
  size_t line = 0;
};

struct Stages {
  ShellVariables global_args;
  std::vector<Stage> stages;
};

// Throws Error "FILE:LINE: ..." for RUN (and any instruction that needs a container), an instruction
// before the first FROM other than ARG, a FROM without an image, or no FROM at all.
Stages split_stages(const BuildRequest& request);

// --target's stage, else the last; throws Error naming the stages there are.
size_t target_stage(const Stages& stages, const std::optional<std::string>& target, const std::string& file_name);

// The stage `name` names (its AS name or its index), when it is one before `before`.
std::optional<size_t> stage_index(const Stages& stages, const std::string& name, size_t before);

}  // namespace ocipush
