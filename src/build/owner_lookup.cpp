#include "oci_push/build/owner_lookup.h"

#include <cctype>
#include <sstream>

#include "oci_push/build/image_files.h"
#include "oci_push/util/error.h"
#include "oci_push/util/quoted.h"

namespace ocipush {

namespace {

std::optional<uint64_t> number(const std::string& text) {
  if (text.empty() || text.size() > 10) return std::nullopt;
  for (char c : text)
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
  return std::stoull(text);
}

std::optional<std::string> field(const std::string& line, size_t index) {
  std::vector<std::string> fields;
  std::stringstream in(line);
  std::string f;
  while (std::getline(in, f, ':')) fields.push_back(f);
  if (index >= fields.size()) return std::nullopt;
  return fields[index];
}

uint64_t look_up(const std::string& name, const char* file, const StageResult& stage, const std::string& where) {
  if (auto n = number(name)) return *n;
  auto text = file_in_layers(stage.layers, file);
  if (!text)
    throw Error(where + ": --chown=" + name + ": the image has no /" + file + " to look the name up in");
  auto id = id_in_account_file(*text, name);
  if (!id) throw Error(where + ": --chown: " + in_quotes(name) + " is not in the image's /" + file);
  return *id;
}

}  // namespace

std::optional<uint64_t> id_in_account_file(const std::string& text, const std::string& name) {
  std::stringstream in(text);
  std::string line;
  while (std::getline(in, line))
    if (field(line, 0) == name)
      if (auto id = field(line, 2)) return number(*id);
  return std::nullopt;
}

std::optional<std::string> file_in_layers(const std::vector<Layer>& layers, const std::string& path) {
  for (auto& e : files_in_layers(layers, {path}))
    if (e.path == path && e.kind == LayerEntry::Kind::File) return std::move(e.data);
  return std::nullopt;
}

FileOwner resolve_owner(const std::string& spec, const StageResult& stage, const std::string& where) {
  const auto colon = spec.find(':');
  const std::string user = spec.substr(0, colon);
  const std::string group = colon == std::string::npos ? "" : spec.substr(colon + 1);
  if (user.empty()) throw Error(where + ": --chown=" + spec + ": no user");
  FileOwner owner;
  owner.uid = look_up(user, "etc/passwd", stage, where);
  // Docker's rule: a user alone gives the same number as the group.
  owner.gid = group.empty() ? owner.uid : look_up(group, "etc/group", stage, where);
  return owner;
}

}  // namespace ocipush
