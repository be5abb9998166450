#include "oci_push/cli/subcommands.h"

#include <fmt/format.h>
#include <array>
#include <filesystem>
#include <system_error>

#include "oci_push/cli/build_command.h"
#include "oci_push/cli/ecr_command.h"
#include "oci_push/cli/inspect_command.h"
#include "oci_push/cli/login_command.h"
#include "oci_push/cli/pull_command.h"
#include "oci_push/cli/push_command.h"
#include "oci_push/util/error.h"
#include "oci_push/util/quoted.h"

namespace ocipush {

namespace {

const std::array<Subcommand, 9> kSubcommands{{
    {"push", "push SOURCE [TARGET]", "Push a local image (docker save tarball, OCI layout, oci-archive) to a registry",
     push_help_text, run_push_command},
    {"pull", "pull REF... DEST", "Pull images (every platform) from registries into one OCI layout, byte for byte",
     pull_help_text, run_pull_command},
    {"copy", "copy SRC DST", "Copy an image from one registry to another, byte for byte, nothing on disk",
     copy_help_text, run_copy_command},
    {"build", "build [CONTEXT]", "Build an image from a RUN-less Dockerfile or flags, on a base never downloaded",
     build_help_text, run_build_command},
    {"verify", "verify BUNDLE", "Check every digest and size of a bundle, without a registry", verify_help_text,
     run_verify_command},
    {"inspect", "inspect SOURCE", "List the images, platforms and layers inside SOURCE, without pushing",
     inspect_help_text, run_inspect_command},
    {"login", "login REGISTRY", "Check credentials, then store them as docker login does", login_help_text,
     run_login_command},
    {"ecr", "ecr get-login-password", "Print an Amazon ECR password, as the AWS CLI does",
     [] { return ecr_help_text("ecr"); }, run_ecr_command},
    {"ecr-public", "ecr-public get-login-password", "Print an ECR Public password, as the AWS CLI does",
     [] { return ecr_help_text("ecr-public"); }, run_ecr_command},
}};

std::string subcommand_names() {
  std::string names;
  for (const auto& s : kSubcommands) names += (names.empty() ? "" : ", ") + std::string(s.name);
  return names;
}

// A first word that cannot be the bare form's SOURCE: no path (there is no such file, and nothing in it
// reads as a directory, a file name, a transport prefix or a registry), and no option.
bool is_unknown_subcommand(const std::string& word) {
  if (word.empty() || word.starts_with('-') || word.find_first_of("/.:") != std::string::npos) return false;
  std::error_code ignored;
  return !std::filesystem::exists(std::filesystem::symlink_status(word, ignored));
}

UsageError unknown_subcommand(std::string_view word) {
  return UsageError(fmt::format("unknown subcommand {}: the subcommands are {}; oci-push SOURCE [TARGET] pushes "
                                "(see oci-push --help)",
                                in_quotes(word), subcommand_names()));
}

const Subcommand& known_subcommand(const char* word) {
  const Subcommand* s = find_subcommand(word);
  if (!s) throw unknown_subcommand(word);
  return *s;
}

}  // namespace

std::span<const Subcommand> subcommands() { return kSubcommands; }

const Subcommand* find_subcommand(std::string_view name) {
  for (const auto& s : kSubcommands)
    if (s.name == name) return &s;
  return nullptr;
}

CliRoute route_command_line(int argc, const char* const* argv) {
  const Subcommand* push = find_subcommand("push");
  if (argc < 2) return {CliRoute::Kind::Run, push, 0};
  const std::string word = argv[1];
  if (word == "-h" || word == "--help") return {CliRoute::Kind::Help, nullptr, 0};
  if (word == "help") return {CliRoute::Kind::Help, argc > 2 ? &known_subcommand(argv[2]) : nullptr, 0};
  if (word == "--version") return {CliRoute::Kind::Version, nullptr, 0};
  if (const Subcommand* s = find_subcommand(word)) return {CliRoute::Kind::Run, s, s == push ? 0 : 1};
  if (is_unknown_subcommand(word)) throw unknown_subcommand(word);
  return {CliRoute::Kind::Run, push, 0};
}

std::string top_level_help() {
  std::string out = "oci-push: push a local container image to an OCI registry, without a daemon.\n\n"
                    "Usage:\n"
                    "  oci-push SUBCOMMAND [OPTIONS] [ARGUMENTS]\n"
                    "  oci-push SOURCE [TARGET] [OPTIONS]   short for oci-push push SOURCE [TARGET] [OPTIONS]\n\n"
                    "Subcommands:\n";
  for (const auto& s : kSubcommands) out += fmt::format("  {:<31} {}\n", s.synopsis, s.summary);
  out += "\nGlobal options:\n"
         "  -h, --help     Show this help; oci-push SUBCOMMAND --help (or oci-push help SUBCOMMAND) shows\n"
         "                 a subcommand's options\n"
         "      --version  Show the version\n\n"
         "The push subcommand (oci-push push --help):\n\n";
  return out + push_help_text();
}

int run_cli(int argc, const char* const* argv, std::string_view version, std::ostream& out) {
  const CliRoute route = route_command_line(argc, argv);
  switch (route.kind) {
    case CliRoute::Kind::Help:
      out << (route.subcommand ? route.subcommand->help() : top_level_help());
      return 0;
    case CliRoute::Kind::Version:
      out << "oci-push " << version << "\n";
      return 0;
    case CliRoute::Kind::Run:
      break;
  }
  return route.subcommand->run(argc - route.first, argv + route.first, out);
}

}  // namespace ocipush
