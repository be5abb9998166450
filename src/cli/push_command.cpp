#include "oci_push/cli/push_command.h"

#include <cxxopts.hpp>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "oci_push/cli/connection_options.h"
#include "oci_push/cli/option_parsing.h"
#include "oci_push/cli/run_reporting.h"
#include "oci_push/model/reference.h"
#include "oci_push/util/byte_size.h"
#include "oci_push/util/error.h"
#include "oci_push/util/quoted.h"

namespace ocipush {

namespace {

constexpr unsigned kMaxThreads = 256;

cxxopts::Options make_options() {
  cxxopts::Options o("oci-push", "Push a local container image to an OCI registry, without a daemon.");
  o.custom_help("[push] [OPTIONS]");
  o.positional_help("SOURCE [TARGET]");
  // clang-format off
  o.add_options()
    ("t,tag", "Also tag the image TAG (repeatable)", cxxopts::value<std::vector<std::string>>(), "TAG")
    ("registry", "Registry for the tarball's RepoTags when TARGET is omitted", cxxopts::value<std::string>(), "HOST")
    ("image", "Image to push from a source holding several", cxxopts::value<std::string>(), "NAME:TAG")
    ("platform", "Push only this platform's image of a multi-platform index", cxxopts::value<std::string>(), "OS/ARCH[/VARIANT]")
    ("all", "Push every image of the source, each to TARGET/NAME:TAG")
    ("format", "Manifest format: docker or oci (default: the source's)", cxxopts::value<std::string>(), "FORMAT")
    ("j,jobs", "Blobs in flight at once (default 4)", cxxopts::value<unsigned>(), "N")
    ("threads", "Compression threads (default: one per core)", cxxopts::value<unsigned>(), "N")
    ("chunk-size", "Bytes per upload request of a big blob, each one streamed PATCH, at least 5MiB (default 128MiB)", cxxopts::value<std::string>(), "SIZE")
    ("compression", "How to compress uncompressed layers: gzip[:0-3] (default gzip:1), zstd[:1-19] (default zstd:3), none", cxxopts::value<std::string>(), "CODEC")
    ("no-cache", "Do not read or write the local digest cache ($XDG_CACHE_HOME/oci-push)")
    ("cache-from", "Also reuse the layers of image REF in the registry (repeatable)", cxxopts::value<std::vector<std::string>>(), "REF")
    ("digest-file", "Write the pushed manifest digest to PATH", cxxopts::value<std::string>(), "PATH")
    ("json", "Print a JSON summary on stdout")
    ("q,quiet", "No progress on stderr")
    ("v,verbose", "Show HTTP requests on stderr (secrets redacted)")
    ("dry-run", "Compute digests and print the plan; send nothing but reads")
    ("h,help", "Show this help")
    ("positional", "", cxxopts::value<std::vector<std::string>>());
  // clang-format on
  add_connection_options(o);
  o.parse_positional({"positional"});
  return o;
}

const char* kHelpFooter = R"(
SOURCE   detected by content: a docker save tarball (classic or Docker 25+), an OCI layout directory,
         an oci-archive; or forced: oci:DIR[:REF], oci-archive:PATH[:REF], docker-archive:PATH[:NAME:TAG].
TARGET   REGISTRY[:PORT]/REPO[:TAG][@DIGEST]. Without a tag, the tags come from the source's names
         (RepoTags, org.opencontainers.image.ref.name). Omitted: each name is pushed under --registry HOST.
         With --all: REGISTRY/PREFIX, and each image goes to PREFIX/NAME:TAG.

Credentials: --username with --password-stdin; for Amazon ECR (recognised by name, or --ecr-region)
a built-in login with the AWS credentials the AWS CLI would use; else docker's config.json
($DOCKER_CONFIG or ~/.docker: auths, credHelpers, credsStore), then podman's auth.json.
Loopback registries (localhost, 127.0.0.0/8, ::1) fall back to plain HTTP when TLS fails, as docker does.

Output: the pushed REGISTRY/REPO@sha256:... on stdout (one line per repository); --json for a summary.
Exit status: 0 success, 1 failure (nothing tagged), 2 usage error, 130 interrupted.
)";

nlohmann::ordered_json blob_json(const BlobOutcome& b) {
  nlohmann::ordered_json j;
  j["digest"] = b.descriptor.digest.str();
  j["size"] = b.descriptor.size;
  j["mediaType"] = b.descriptor.media_type;
  if (b.diff_id && !b.diff_id->hex.empty()) j["diffId"] = b.diff_id->str();  // an artifact's blob has none
  j["skipped"] = b.skipped;
  if (b.diff_id) j["resumedBytes"] = b.resumed_bytes;
  if (b.foreign) j["foreign"] = true;
  return j;
}

// The parts of a pushed manifest that are not its reference: config and layers, or its manifests.
void add_manifest_json(nlohmann::ordered_json& j, const ManifestResult& m) {
  if (m.platform) j["platform"] = m.platform->str();
  if (m.manifests.empty()) {
    j["config"] = blob_json(m.config);
    j["layers"] = nlohmann::ordered_json::array();
    for (const auto& l : m.layers) j["layers"].push_back(blob_json(l));
    return;
  }
  j["manifests"] = nlohmann::ordered_json::array();
  for (const auto& child : m.manifests) {
    nlohmann::ordered_json c;
    c["digest"] = child.digest.str();
    c["mediaType"] = child.media_type;
    c["size"] = child.size;
    add_manifest_json(c, child);
    j["manifests"].push_back(c);
  }
}

nlohmann::ordered_json repository_json(const RepositoryResult& r, bool dry_run) {
  nlohmann::ordered_json j;
  j["reference"] = r.name + "@" + r.manifest.digest.str();
  j["digest"] = r.manifest.digest.str();
  j["mediaType"] = r.manifest.media_type;
  j["repository"] = r.name;
  j["tags"] = r.tags;
  if (r.skipped) j["skipped"] = true;
  else add_manifest_json(j, r.manifest);
  j["dryRun"] = dry_run;
  return j;
}

void write_plan(std::ostringstream& out, const ManifestResult& m, const std::string& fetch_word) {
  auto line = [&](const char* kind, const BlobOutcome& b) {
    out << kind << " " << b.descriptor.digest.str() << " " << b.descriptor.size << " "
        << (b.foreign   ? "foreign"
            : b.skipped ? "exists"
                        : fetch_word)
        << "\n";
  };
  for (const auto& child : m.manifests) {
    write_plan(out, child, fetch_word);
    out << "manifest " << child.digest.str() << (child.platform ? " " + child.platform->str() : "") << "\n";
  }
  if (!m.manifests.empty()) return;
  for (const auto& l : m.layers) line("layer", l);
  line("config", m.config);
}

// SOURCE and TARGET: the positional words, less a leading "push" (the word is optional).
void parse_positional(const cxxopts::ParseResult& r, PushOptions& p) {
  auto positional = positional_words(r);
  if (!positional.empty() && positional.front() == "push") positional.erase(positional.begin());
  if (positional.empty()) throw UsageError("missing SOURCE (see --help)");
  if (positional.size() > 2) throw UsageError("unexpected argument " + in_quotes(positional[2]) + " (see --help)");
  p.source = positional[0];
  if (positional.size() == 2) p.target = positional[1];
}

// Which images go where: --registry, --tag, --image, --platform, --all, --format, --cache-from.
void parse_selection(const cxxopts::ParseResult& r, PushOptions& p) {
  p.registry = get_or<std::string>(r, "registry", "");
  p.extra_tags = get_or<std::vector<std::string>>(r, "tag", {});
  p.image = get_or<std::string>(r, "image", "");
  if (r.count("platform")) {
    p.platform = r["platform"].as<std::string>();
    Platform::parse(*p.platform);
  }
  p.all = r.count("all") > 0;
  if (p.all && !p.image.empty()) throw UsageError("--all and --image do not go together");
  if (r.count("format")) {
    auto f = r["format"].as<std::string>();
    if (f == "docker") p.format = ManifestFormat::Docker;
    else if (f == "oci") p.format = ManifestFormat::Oci;
    else throw UsageError("--format must be docker or oci, not " + in_quotes(f));
  }
}

}  // namespace

// How the work is done: --jobs, --threads, --chunk-size, --compression, --no-cache, --dry-run.
void parse_work(const cxxopts::ParseResult& r, PushOptions& p) {
  p.jobs = get_or<unsigned>(r, "jobs", p.jobs);
  if (p.jobs == 0 || p.jobs > kMaxJobs) throw UsageError("--jobs must be between 1 and " + std::to_string(kMaxJobs));
  p.threads = get_or<unsigned>(r, "threads", 0);
  if (r.count("threads") && (p.threads == 0 || p.threads > kMaxThreads))
    throw UsageError("--threads must be between 1 and " + std::to_string(kMaxThreads));
  if (r.count("chunk-size")) {
    p.chunk_size = parse_byte_size(r["chunk-size"].as<std::string>());
    if (p.chunk_size < kMinChunkSize)
      throw UsageError("--chunk-size must be at least 5MiB (registries such as ECR refuse smaller requests)");
  }
  if (r.count("compression")) p.codec = LayerCodec::parse(r["compression"].as<std::string>());
  p.use_cache = r.count("no-cache") == 0;
  p.cache_from = get_or<std::vector<std::string>>(r, "cache-from", {});
  for (const auto& ref : p.cache_from) parse_reference(ref);
  p.dry_run = r.count("dry-run") > 0;
}

void write_digest_file(const std::string& path, const PushResult& result) {
  std::ofstream out(path, std::ios::trunc);
  for (const auto& r : result.repositories) out << r.manifest.digest.str() << "\n";
  if (!out.flush()) throw Error(path + ": cannot write the digest file");
}

std::string push_help_text() {
  auto o = make_options();
  return o.help({"", kConnectionGroup}) + kHelpFooter;
}

PushCommand parse_push_command(int argc, const char* const* argv) {
  auto options = make_options();
  auto r = parse_or_usage_error(options, argc, argv, "oci-push");
  PushCommand c;
  if (r.count("help")) {
    c.action = PushCommand::Action::Help;
    return c;
  }
  parse_positional(r, c.push);
  parse_selection(r, c.push);
  parse_work(r, c.push);
  c.push.connection = parse_connection_options(r);
  c.json = r.count("json") > 0;
  c.quiet = r.count("quiet") > 0;
  c.verbose = r.count("verbose") > 0;
  c.digest_file = get_or<std::string>(r, "digest-file", "");
  return c;
}

int run_push_command(int argc, const char* const* argv, std::ostream& out) {
  auto command = parse_push_command(argc, argv);
  if (command.action == PushCommand::Action::Help) {
    out << push_help_text();
    return 0;
  }
  read_stdin_password(command.push.connection, std::cin);
  auto reporting = make_run_reporting(command.quiet, command.verbose);
  auto result = run_push(command.push, *reporting.progress, reporting.http_log);
  out << format_push_result(result, command.json) << std::flush;
  if (!command.digest_file.empty()) write_digest_file(command.digest_file, result);
  return 0;
}

std::string format_push_result(const PushResult& result, bool json, const std::string& fetch_word) {
  if (json) {
    if (result.repositories.size() == 1) return repository_json(result.repositories[0], result.dry_run).dump(2) + "\n";
    auto list = nlohmann::ordered_json::array();
    for (const auto& r : result.repositories) list.push_back(repository_json(r, result.dry_run));
    return list.dump(2) + "\n";
  }
  std::ostringstream out;
  for (const auto& r : result.repositories) {
    if (!result.dry_run) {
      out << r.name << "@" << r.manifest.digest.str() << "\n";
      continue;
    }
    write_plan(out, r.manifest, fetch_word);
    out << (r.manifest.manifests.empty() ? "manifest " : "index ") << r.manifest.digest.str() << " " << r.name;
    for (const auto& t : r.tags) out << " " << t;
    out << "\n";
  }
  return out.str();
}

}  // namespace ocipush
