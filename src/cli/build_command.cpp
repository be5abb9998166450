#include "oci_push/cli/build_command.h"

#include <cxxopts.hpp>
#include <iostream>

#include "oci_push/cli/connection_options.h"
#include "oci_push/cli/option_parsing.h"
#include "oci_push/cli/push_command.h"
#include "oci_push/cli/run_reporting.h"
#include "oci_push/model/reference.h"
#include "oci_push/transfer/build.h"
#include "oci_push/util/error.h"
#include "oci_push/util/quoted.h"

namespace ocipush {

namespace {

using Strings = std::vector<std::string>;

cxxopts::Options build_options() {
  cxxopts::Options o("oci-push build", "Build an image from a RUN-less Dockerfile or from flags, with no daemon.");
  o.positional_help("[CONTEXT]");
  // clang-format off
  o.add_options()
    ("f,file", "The Dockerfile (default CONTEXT/Dockerfile)", cxxopts::value<std::string>(), "DOCKERFILE")
    ("t,tag", "Push the image to REF (repeatable)", cxxopts::value<Strings>(), "REGISTRY/REPO[:TAG]")
    ("output", "Also write it to DEST, as pull writes: oci:DIR, DIR/, oci-archive:FILE, FILE (docker-loadable)", cxxopts::value<std::string>(), "DEST")
    ("build-arg", "Set an ARG (repeatable)", cxxopts::value<Strings>(), "K=V")
    ("platform", "Build for this platform of the base (repeatable; default every platform)", cxxopts::value<Strings>(), "OS/ARCH[/VARIANT]")
    ("target", "Build this stage (default the last)", cxxopts::value<std::string>(), "STAGE")
    ("label", "Add a label to the config (repeatable)", cxxopts::value<Strings>(), "K=V")
    ("annotation", "Add an annotation to the manifests (repeatable)", cxxopts::value<Strings>(), "K=V")
    ("keep-mtimes", "Keep the files' own mtimes (default: every mtime is SOURCE_DATE_EPOCH, else 0)")
    ("from", "Build from flags, on BASE: a registry reference, a local source as push takes it, or scratch", cxxopts::value<std::string>(), "BASE")
    ("add", "With --from: add SRC (a file or directory of CONTEXT) at DEST, one layer each (repeatable)", cxxopts::value<Strings>(), "SRC:DEST")
    ("chown", "With --add: the owner of what is added", cxxopts::value<std::string>(), "UID[:GID]")
    ("chmod", "With --add: the mode of what is added", cxxopts::value<std::string>(), "MODE")
    ("entrypoint", "With --from: the entrypoint (a JSON array, or one word)", cxxopts::value<std::string>(), "CMD")
    ("cmd", "With --from: the command (a JSON array, or one word)", cxxopts::value<std::string>(), "CMD")
    ("env", "With --from: set an environment variable (repeatable)", cxxopts::value<Strings>(), "K=V")
    ("workdir", "With --from: the working directory", cxxopts::value<std::string>(), "DIR")
    ("user", "With --from: the user", cxxopts::value<std::string>(), "USER[:GROUP]")
    ("expose", "With --from: expose a port (repeatable)", cxxopts::value<Strings>(), "PORT[/PROTO]")
    ("volume", "With --from: a volume (repeatable)", cxxopts::value<Strings>(), "PATH")
    ("stop-signal", "With --from: the stop signal", cxxopts::value<std::string>(), "SIGNAL")
    ("j,jobs", "Blobs in flight at once (default 4)", cxxopts::value<unsigned>(), "N")
    ("threads", "Compression threads (default: one per core)", cxxopts::value<unsigned>(), "N")
    ("chunk-size", "Bytes per upload request of a big blob (default 128MiB)", cxxopts::value<std::string>(), "SIZE")
    ("compression", "How to compress the new layers: gzip[:0-3] (default gzip:1), zstd[:1-19], none", cxxopts::value<std::string>(), "CODEC")
    ("no-cache", "Do not read or write the local digest cache ($XDG_CACHE_HOME/oci-push)")
    ("digest-file", "Write the pushed manifest digest to PATH", cxxopts::value<std::string>(), "PATH")
    ("json", "Print a JSON summary on stdout")
    ("q,quiet", "No progress on stderr")
    ("v,verbose", "Show HTTP requests on stderr (secrets redacted)")
    ("dry-run", "Build and print the plan; send and write nothing")
    ("h,help", "Show this help")
    ("positional", "", cxxopts::value<Strings>());
  // clang-format on
  add_connection_options(o);
  o.parse_positional({"positional"});
  return o;
}

const char* kBuildFooter = R"(
Without RUN: COPY, ADD (local tars unpacked, URLs fetched), ENV, ARG, LABEL, WORKDIR, USER, EXPOSE,
VOLUME, STOPSIGNAL, HEALTHCHECK, SHELL, ENTRYPOINT, CMD, ONBUILD, multi-stage with COPY --from=STAGE.
RUN is refused before anything is sent. Only the base's manifests and configs are read: its layers are
mounted (one registry), found, or streamed registry to registry. Layers are reproducible: sorted entries,
owner 0:0 unless --chown, every mtime SOURCE_DATE_EPOCH (0 when unset), docs/build.md.
Output: REGISTRY/REPO@sha256:... per -t (and the --output) on stdout; --json for a summary. Exit status:
0 success, 1 failure (nothing tagged), 2 usage error, 130 interrupted.
)";

std::vector<std::pair<std::string, std::string>> pairs(const cxxopts::ParseResult& r, const std::string& name) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& kv : get_or<Strings>(r, name, {})) {
    const auto eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) throw UsageError("--" + name + " " + in_quotes(kv) + ": expected K=V");
    out.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
  }
  return out;
}

BuildFlags parse_flags(const cxxopts::ParseResult& r) {
  BuildFlags f;
  f.from = get_or<std::string>(r, "from", "");
  f.adds = get_or<Strings>(r, "add", {});
  f.chown = get_or<std::string>(r, "chown", "");
  f.chmod = get_or<std::string>(r, "chmod", "");
  f.entrypoint = get_or<std::string>(r, "entrypoint", "");
  f.cmd = get_or<std::string>(r, "cmd", "");
  f.env = get_or<Strings>(r, "env", {});
  f.workdir = get_or<std::string>(r, "workdir", "");
  f.user = get_or<std::string>(r, "user", "");
  f.expose = get_or<Strings>(r, "expose", {});
  f.volumes = get_or<Strings>(r, "volume", {});
  f.stop_signal = get_or<std::string>(r, "stop-signal", "");
  return f;
}

BuildOptions parse_build(const cxxopts::ParseResult& r) {
  BuildOptions b;
  auto words = positional_words(r);
  if (words.size() > 1) throw UsageError("build takes one CONTEXT (see oci-push build --help)");
  if (!words.empty()) b.context = words[0];
  b.dockerfile = get_or<std::string>(r, "file", "");
  b.from_flags = r.count("from") > 0;
  if (b.from_flags && !b.dockerfile.empty()) throw UsageError("--from builds from flags; it does not take -f");
  for (const char* only : {"add", "chown", "chmod", "entrypoint", "cmd", "env", "workdir", "user", "expose", "volume", "stop-signal"})
    if (!b.from_flags && r.count(only)) throw UsageError(std::string("--") + only + " goes with --from (a Dockerfile says it there)");
  b.flags = parse_flags(r);
  b.tags = get_or<Strings>(r, "tag", {});
  for (const auto& t : b.tags) parse_reference(t);
  b.output = get_or<std::string>(r, "output", "");
  b.build_args = pairs(r, "build-arg");
  b.platforms = get_or<Strings>(r, "platform", {});
  for (const auto& p : b.platforms) Platform::parse(p);
  if (r.count("target")) b.target = r["target"].as<std::string>();
  for (auto& [k, v] : pairs(r, "label")) b.labels[k] = v;
  for (auto& [k, v] : pairs(r, "annotation")) b.annotations[k] = v;
  b.keep_mtimes = r.count("keep-mtimes") > 0;
  parse_work(r, b.push);
  b.push.connection = parse_connection_options(r);
  return b;
}

}  // namespace

std::string build_help_text() { return build_options().help({"", kConnectionGroup}) + kBuildFooter; }

int run_build_command(int argc, const char* const* argv, std::ostream& out) {
  auto options = build_options();
  auto parsed = parse_or_help(options, argc, argv, "oci-push build", build_help_text(), out);
  if (!parsed) return 0;
  const auto& r = *parsed;
  BuildOptions b = parse_build(r);
  read_stdin_password(b.push.connection, std::cin);
  auto reporting = make_run_reporting(r.count("quiet") > 0, r.count("verbose") > 0);
  auto result = run_build(b, *reporting.progress, reporting.http_log);
  out << format_push_result(result.pushed, r.count("json") > 0) << std::flush;
  if (r.count("digest-file")) write_digest_file(r["digest-file"].as<std::string>(), result.pushed);
  return 0;
}

}  // namespace ocipush
