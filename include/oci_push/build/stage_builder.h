// One stage of a build for one platform: its instructions applied, in order, to the config and layers of
// its base. The engine (build_engine.cpp) decides which stages run and on what.
#pragma once
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "oci_push/build/build_engine.h"
#include "oci_push/build/context_copy.h"
#include "oci_push/build/layer_tar.h"
#include "oci_push/build/shell_words.h"

namespace ocipush {

// A stage as built: what a later FROM or COPY --from of it sees.
struct StageResult {
  nlohmann::json config;
  std::vector<Layer> layers;      // the base's, then the ones added
  std::vector<LayerEntry> added;  // every entry the added layers hold, in order (later ones win)
  bool whole_filesystem = true;   // no registry base below it: `added` is all of its files
  std::string base_name;          // the registry base at the bottom ("" for scratch)
  std::optional<Digest> base_digest;
  ManifestFormat format = ManifestFormat::Oci;
};

// What a stage's instructions may reach besides their own: the request, other stages, the layer maker.
struct StageEnvironment {
  const BuildRequest& request;
  ShellVariables global_args;                              // ARGs before the first FROM, after --build-arg
  std::function<const StageResult*(const std::string&)> stage;  // a stage by name or index, nullptr if none
  // An image by reference (COPY --from=IMAGE), for this platform; `where` for its errors.
  std::function<StageResult(const std::string& reference, const std::string& where)> image;
  std::function<Layer(std::vector<LayerEntry>, const std::string& label)> make_layer;
  std::vector<std::string>& notices;
};

class StageBuilder {
 public:
  StageBuilder(StageEnvironment& env, StageResult start, const Platform& platform, std::string name);
  // Applies `instruction` (never FROM); throws Error "FILE:LINE: ...".
  void apply(const DockerfileInstruction& instruction);
  StageResult finish();
  // The base's ONBUILD instructions, taken out of the config (they run once, in the stage built on it).
  std::vector<std::string> take_onbuild_triggers();

 private:
  std::string where(const DockerfileInstruction& i) const;
  ShellVariables variables() const;
  std::string expand(const std::string& word, const DockerfileInstruction& i) const;
  std::vector<std::string> expand_all(const std::vector<std::string>& words, const DockerfileInstruction& i) const;
  void metadata(const DockerfileInstruction& i, const std::string& created_by);
  void apply_pairs(const DockerfileInstruction& i, bool env);
  void apply_arg(const DockerfileInstruction& i);
  void apply_command(const DockerfileInstruction& i, const char* field);
  void apply_healthcheck(const DockerfileInstruction& i);
  void apply_copy(const DockerfileInstruction& i, bool add);
  CopyRequest copy_request(const DockerfileInstruction& i, bool add, std::string& from) const;
  void apply_onbuild(const DockerfileInstruction& i);
  void entries_from_stage(const StageResult& from, const CopyRequest& request, const DockerfileInstruction& i,
                          std::vector<LayerEntry>& out) const;
  void add_layer(std::vector<LayerEntry> entries, const DockerfileInstruction& i, const std::string& created_by);

  StageEnvironment& env_;
  StageResult state_;
  Platform platform_;
  std::string name_;
  ShellVariables args_;  // this stage's ARGs with their values
  bool cmd_set_ = false;
};

// The history text an instruction leaves ("COPY app /app"): its text as written, flags included.
std::string history_text(const DockerfileInstruction& instruction);

}  // namespace ocipush
