#include "oci_push/transfer/layer_push.h"

#include <memory>

#include "oci_push/codec/layer_digests.h"
#include "oci_push/transfer/blob_retries.h"
#include "oci_push/util/error.h"
#include "oci_push/util/lent_place.h"
#include "oci_push/util/quoted.h"
#include "oci_push/util/turn.h"

namespace ocipush {

namespace {

// The digest cache's key for blobs sent as their source stored them (not made by our codec).
constexpr const char* kAsStored = "as stored";

// "layer 2/5 sha256:0123456789ab", for progress and retry lines.
std::string layer_label(const LayerJob& job) {
  const Layer& layer = job.image.layers[job.index];
  return "layer " + std::to_string(job.index + 1) + "/" + std::to_string(job.image.layers.size()) + " " +
         short_digest(layer.descriptor ? layer.descriptor->digest : layer.diff_id);
}

std::string resumed_note(uint64_t resumed) {
  return resumed ? " (" + human_size(resumed) + " already held, resumed)" : "";
}

}  // namespace

LayerPusher::LayerPusher(PushContext& context)
    : context_(context),
      options_(context.options),
      compression_turns_(compressing_layers(context.options.jobs, context.pool.size())),
      big_sends_(std::max(1u, context.options.jobs)) {}

// Layers compressed at once: more than the pool has threads cannot compress faster, and each one holds
// a window of blocks; at least 2, so one compresses while another waits on the network.
unsigned compressing_layers(unsigned jobs, unsigned pool_threads) {
  return std::max(1u, std::min(jobs, std::max(2u, pool_threads)));
}

// Blocks in flight per layer: the pool's share (2 x threads + 2) divided among the layers compressed
// at once, at least 2, so memory stays flat whatever --jobs is (each block is 1 MiB in, less out).
size_t gzip_window(const PushContext& context) {
  size_t share = 2 * static_cast<size_t>(context.pool.size()) + 2;
  return std::max<size_t>(2, share / compressing_layers(context.options.jobs, context.pool.size()));
}

// A stream's chunks are held in memory to resume them. gzip's pipeline stalls while its thread waits for
// a chunk's answer, so its chunks are sent in the background (a second chunk buffer); zstd's own workers
// go on compressing meanwhile: sent inline, measured as fast within 7 %, 11 MiB less.
BlobSending compressed_sending(const LayerCodec& codec) {
  return codec.compression == LayerCompression::Zstd ? BlobSending::Inline : BlobSending::Background;
}

std::vector<Descriptor> LayerPusher::blobs_to_probe(const ProbedSink& to, const Image& image,
                                                    const KnownLayers& known) {
  std::vector<Descriptor> out{{"", image.config_digest, image.config.size(), {}, {}}};
  for (const auto& layer : image.layers) {
    if (layer.left_in) out.push_back(*layer.descriptor);
    if (layer.foreign || !layer.bytes) continue;
    if (layer.stored_compression != LayerCompression::None) {
      if (layer.descriptor) out.push_back(*layer.descriptor);
      continue;
    }
    for (const auto& candidate : candidates_for(to, layer.diff_id, known)) out.push_back(candidate.descriptor);
  }
  return out;
}

BlobOutcome LayerPusher::push_layer(ProbedSink& to, const std::string& repo, const LayerJob& job,
                                    const KnownLayers& known) {
  const Layer& layer = job.image.layers[job.index];
  if (layer.foreign) {
    Descriptor d = *layer.descriptor;
    d.media_type = job.media_type;
    context_.progress.event(layer_label(job) + ": non-distributable (foreign) layer, not uploaded");
    return {d, layer.diff_id, true, true};
  }
  if (layer.remote && !layer.bytes) {
    Descriptor d = layer.remote->blob;
    d.media_type = job.media_type;
    return push_remote(to, repo, layer, d);
  }
  if (layer.left_in) return push_left_in(to, repo, job);
  if (!layer.bytes) throw Error(layer.name + " was read from a stream without being uploaded");
  context_.progress.start(job.progress_id, layer_label(job), layer.stored_size());
  if (auto mounted = mount_remote(to, repo, job)) return *mounted;
  auto on_progress = [&](uint64_t done) { context_.progress.advance(job.progress_id, done); };
  if (layer.stored_compression != LayerCompression::None) return push_stored_compressed(to, repo, job, on_progress);
  if (auto reused = reuse(to, repo, job, known, on_progress)) return *reused;
  return compress_and_send(to, repo, job, on_progress);
}

// A layer whose bytes are a blob of this sink already (a stream handed them there as it passed).
BlobOutcome LayerPusher::push_remote(ProbedSink& to, const std::string& repo, const Layer& layer, Descriptor d) {
  const RegistryBlob& remote = *layer.remote;
  if (options_.dry_run) return {d, layer.diff_id, to.has(repo, d), false};
  const bool here = remote.registry == to.sink().name();
  if ((!here || remote.repository != repo) && present_or_mounted(to, repo, d, here ? remote.repository : "").empty())
    throw Error("registry would not mount " + d.digest.str() + " from " + remote.repository + " into " + repo +
                ", and a stream cannot be read twice: push this bundle from an uncompressed file");
  return {d, layer.diff_id, false, false};
}

// A delta bundle's layer left to the bundle it was made against: the sink must hold it already, in
// this repository or (as the digest cache remembers pushing the old bundle) one it can be mounted from.
BlobOutcome LayerPusher::push_left_in(ProbedSink& to, const std::string& repo, const LayerJob& job) {
  const Layer& layer = job.image.layers[job.index];
  Descriptor d = *layer.descriptor;
  d.media_type = job.media_type;
  std::string from;
  if (auto cached = context_.cache ? context_.cache->lookup(layer.diff_id, kAsStored) : std::nullopt;
      cached && cached->descriptor.digest == d.digest)
    for (const auto& r : cached->repositories)
      if (r.starts_with(to.sink().name() + "/")) from = r.substr(to.sink().name().size() + 1);
  if (present_or_mounted(to, repo, d, from).empty())
    throw Error(to.sink().name() + "/" + repo + " lacks blob " + d.digest.str() + ", which this delta bundle left to " +
                *layer.left_in + " (it was in the old bundle): push that bundle first; nothing tagged");
  context_.progress.event(layer_label(job) + ": in the old bundle " + *layer.left_in + ", the target has it");
  return {d, layer.diff_id, true, false};
}

// A layer read from a registry: where the sink is that registry, mounted from its repository (or there
// already) instead of read and sent again.
std::optional<BlobOutcome> LayerPusher::mount_remote(ProbedSink& to, const std::string& repo, const LayerJob& job) {
  const Layer& layer = job.image.layers[job.index];
  if (!layer.remote || layer.remote->registry != to.sink().name()) return std::nullopt;
  Descriptor d = layer.remote->blob;
  d.media_type = job.media_type;
  std::string how = present_or_mounted(to, repo, d, layer.remote->repository);
  if (how.empty()) return std::nullopt;
  context_.progress.finish(job.progress_id, how + ", skipped");
  return BlobOutcome{d, layer.diff_id, true, false};
}

BlobOutcome LayerPusher::push_stored_compressed(ProbedSink& to, const std::string& repo, const LayerJob& job,
                                                const ProgressCallback& on_progress) {
  const Layer& layer = job.image.layers[job.index];
  Descriptor d;
  if (layer.descriptor) {
    d = *layer.descriptor;
  } else {
    // A docker save with compressed layers: learn the digest, and check the diff_id, in one read.
    auto digests = digest_compressed_layer(*layer.bytes, layer.stored_compression, on_progress, context_.stop);
    check_diff_id(job, digests.uncompressed);
    d = {"", digests.stored, layer.stored_size(), {}, {}};
  }
  d.media_type = job.media_type;
  return send_verbatim(to, repo, job, d, on_progress);
}

// The layer's compressed form where the sink may hold it already: found, or mounted from another
// repository, it is not compressed at all (its diff_id is still checked, unless the cache vouches).
std::optional<BlobOutcome> LayerPusher::reuse(ProbedSink& to, const std::string& repo, const LayerJob& job,
                                              const KnownLayers& known, const ProgressCallback& on_progress) {
  const Layer& layer = job.image.layers[job.index];
  for (const auto& candidate : candidates_for(to, layer.diff_id, known)) {
    Descriptor d{job.media_type, candidate.descriptor.digest, candidate.descriptor.size, {}, {}};
    std::string how = present_or_mounted(to, repo, d, candidate.repository);
    if (how.empty()) continue;  // a stale hint: the sink does not have it (any more)
    verify_unchanged_layer(job, on_progress);
    remember(to, repo, layer.diff_id, d);
    context_.progress.finish(job.progress_id, how + " as " + short_digest(d.digest) + ", skipped");
    return BlobOutcome{d, layer.diff_id, true, false};
  }
  return std::nullopt;
}

BlobOutcome LayerPusher::compress_and_send(ProbedSink& to, const std::string& repo, const LayerJob& job,
                                           const ProgressCallback& on_progress) {
  const Layer& layer = job.image.layers[job.index];
  // The compression place is held while compressing only: the session's POST comes before it, the
  // closing PUT after, and it is lent out while the output waits on a full pipe to the network.
  Producer produce = [&](const ByteSink& out, BlobWriter*) {
    Turn turn(compression_turns_, &lendings_);
    PlaceLending lending(turn);
    auto digests = compress_stream(options_.codec, reader_of(*layer.bytes), context_.pool, out, on_progress,
                                   context_.stop, gzip_window(context_));
    check_diff_id(job, digests.uncompressed);  // throwing here abandons the writer: nothing is kept
    if (context_.cache)
      if (auto identity = layer.bytes->identity()) context_.cache->record_verified(*identity, layer.diff_id);
    if (layer.descriptor && layer.descriptor->digest != digests.uncompressed)
      throw Error(job.image.source_name + ": " + layer.name + ": content does not match its digest");
    if (job.bytes_checked) job.bytes_checked();
    return digests;
  };
  CompressedDigests digests;
  uint64_t resumed = 0;
  if (layer.stored_size() <= kSmallBlobBytes) send_small(to, repo, layer_label(job), produce, digests);
  else
    resumed = send_replayable(to, repo, layer_label(job), session_key(to, repo, layer, options_.codec.cache_key()),
                              produce, digests, std::nullopt);
  Descriptor d{job.media_type, digests.compressed, digests.compressed_size, {}, {}};
  remember(to, repo, layer.diff_id, d);
  return finish_sent(to, repo, job, d, resumed,
                     options_.sent_word + " " + human_size(d.size) + " as " + short_digest(d.digest));
}

// A blob sent as it is stored, its digest checked while it streams: a mismatch abandons the writer.
BlobOutcome LayerPusher::send_verbatim(ProbedSink& to, const std::string& repo, const LayerJob& job,
                                       const Descriptor& d, const ProgressCallback& on_progress) {
  const Layer& layer = job.image.layers[job.index];
  if (to.has(repo, d)) {
    context_.progress.finish(job.progress_id, "exists, skipped");
    return {d, layer.diff_id, true, false};
  }
  // A writer that holds the blob's start and gives it back (a half-written file) has it hashed, and only
  // the rest read: from a registry, a ranged GET.
  Producer produce = [&](const ByteSink& out, BlobWriter* writer) {
    CompressedDigests digests;
    auto held = writer ? writer->take_held() : nullptr;
    digests.compressed = held ? hash_continued(*held, *layer.bytes, on_progress, context_.stop, out)
                              : hash_source(*layer.bytes, on_progress, context_.stop, out);
    digests.compressed_size = layer.bytes->size();
    if (digests.compressed != d.digest)
      throw Error(layer.bytes->name() + ": content does not match its digest " + d.digest.str() + " (it is " +
                  digests.compressed.str() + ")");
    if (job.bytes_checked) job.bytes_checked();
    return digests;
  };
  if (options_.dry_run && layer.remote) return finish_sent(to, repo, job, d, 0, "");  // not fetched to be planned
  // Another repository of this registry, pushed in the same run, may be sending it: mounted from there.
  PlacementClaim claim(options_.dry_run ? nullptr : context_.placements, to.sink().name(), repo, d.digest,
                       context_.stop);
  if (auto how = mounted_as_claimed(to, repo, d, claim); !how.empty()) {
    context_.progress.finish(job.progress_id, how);
    return {d, layer.diff_id, true, false};
  }
  CompressedDigests digests;
  uint64_t resumed = 0;
  const std::string label = "blob " + short_digest(d.digest);
  if (d.size <= kSmallBlobBytes) send_small(to, repo, label, produce, digests);
  else resumed = send_replayable(to, repo, label, session_key(to, repo, layer, kAsStored), produce, digests, d);
  claim.landed();
  // Remembered apart from compressed forms (another key): a delta bundle's push finds it to mount.
  if (context_.cache && !options_.dry_run && !layer.diff_id.hex.empty())
    context_.cache->record(layer.diff_id, kAsStored, d, to.sink().name() + "/" + repo);
  return finish_sent(to, repo, job, d, resumed, options_.sent_word + " " + human_size(d.size) + " as it is");
}

BlobOutcome LayerPusher::finish_sent(ProbedSink& to, const std::string& repo, const LayerJob& job, const Descriptor& d,
                                     uint64_t resumed, const std::string& how) {
  const Layer& layer = job.image.layers[job.index];
  if (options_.dry_run) {
    bool exists = to.has(repo, d);
    context_.progress.finish(job.progress_id,
                             (exists ? "exists" : "would be " + options_.sent_word) + " as " + short_digest(d.digest));
    return {d, layer.diff_id, exists, false};
  }
  to.confirmed(repo, d);
  context_.progress.finish(job.progress_id, how + resumed_note(resumed));
  BlobOutcome outcome{d, layer.diff_id, false, false};
  outcome.resumed_bytes = resumed;
  return outcome;
}

uint64_t LayerPusher::send_replayable(ProbedSink& to, const std::string& repo, const std::string& label,
                                      const std::string& session_key, const Producer& produce,
                                      CompressedDigests& digests, const std::optional<Descriptor>& blob) {
  if (options_.dry_run) {
    digests = produce([](std::string_view) {}, nullptr);
    return 0;
  }
  DigestCache* sessions = session_key.empty() ? nullptr : context_.cache;
  BlobStart start;
  start.replayable = true;
  start.blob = blob;
  if (sessions) {
    start.resume = sessions->upload_session(session_key);
    start.on_session = [sessions, session_key](const BlobSession& s) {
      sessions->record_upload_session(session_key, s);
    };
  }
  Turn on_the_wire(big_sends_);
  uint64_t skipped = 0;
  with_blob_retries(context_, label, [&](bool retrying) {
    if (retrying && digests.compressed_size) {  // a lost answer to the closing PUT: is the blob there?
      auto size = to.sink().blob_size(repo, digests.compressed);
      if (size && *size == digests.compressed_size) return;
    }
    auto writer = to.sink().start_blob(repo, start);
    start.resume.reset();
    try {
      digests = produce([&](std::string_view b) { writer->write(b); }, writer.get());
      writer->finish(digests.compressed);
    } catch (const Error& e) {
      // Transient, or a stop: the session is kept, here for the next try and on disk for the next run.
      if (is_transient(e) || dynamic_cast<const Interrupted*>(&e)) start.resume = writer->take_session();
      if (!start.resume && sessions) sessions->forget_upload_session(session_key);
      throw;
    }
    skipped += writer->skipped_bytes();
  });
  if (sessions) sessions->forget_upload_session(session_key);
  return skipped;
}

// A small blob is made in memory and sent in one request (a monolithic upload where the sink takes one).
void LayerPusher::send_small(ProbedSink& to, const std::string& repo, const std::string& label, const Producer& produce,
                             CompressedDigests& digests) {
  std::string bytes;
  digests = produce([&](std::string_view b) { bytes.append(b); }, nullptr);
  if (options_.dry_run) return;
  with_blob_retries(context_, label, [&](bool) { to.sink().put_blob(repo, digests.compressed, bytes); });
}

// What decides a blob's bytes, for finding its session again in the next run; "" when the source has no
// stable identity (then nothing is remembered).
std::string LayerPusher::session_key(const ProbedSink& to, const std::string& repo, const Layer& layer,
                                     const std::string& form) const {
  auto identity = layer.bytes->identity();
  if (!identity) return "";
  return to.sink().name() + "\n" + repo + "\n" + *identity + "\n" + layer.diff_id.str() + "\n" + form;
}

// "exists" when `repo` holds `d`, "mounted from X" after a cross-repository mount from `from`, else "".
std::string LayerPusher::present_or_mounted(ProbedSink& to, const std::string& repo, const Descriptor& d,
                                            const std::string& from) {
  if (to.has(repo, d)) return "exists";
  if (from.empty() || from == repo || options_.dry_run) return "";
  if (!to.sink().mount_blob(repo, d.digest, from)) return "";
  to.confirmed(repo, d);
  return "mounted from " + from;
}

// What a claim lets us mount: "" unless another repository of this run sent the blob first.
std::string LayerPusher::mounted_as_claimed(ProbedSink& to, const std::string& repo, const Descriptor& d,
                                            const PlacementClaim& claim) {
  return claim.mount_from() ? present_or_mounted(to, repo, d, *claim.mount_from()) : "";
}

// Where this layer's compressed form may already be: what the sink told us, then the local cache
// (only repositories of this sink: a blob elsewhere cannot be mounted).
std::vector<KnownLayer> LayerPusher::candidates_for(const ProbedSink& to, const Digest& diff_id,
                                                    const KnownLayers& known) {
  std::vector<KnownLayer> out;
  if (auto it = known.find(diff_id); it != known.end()) out.push_back(it->second);
  if (!context_.cache) return out;
  auto cached = context_.cache->lookup(diff_id, options_.codec.cache_key());
  if (!cached) return out;
  const std::string prefix = to.sink().name() + "/";
  std::string from;
  for (const auto& r : cached->repositories)
    if (r.starts_with(prefix)) {
      from = r.substr(prefix.size());
      break;
    }
  out.push_back({cached->descriptor, from});
  return out;
}

// The diff_id check for a layer that will not be compressed: skipped when this very file (same device,
// inode, size and times) was hashed to that diff_id before.
void LayerPusher::verify_unchanged_layer(const LayerJob& job, const ProgressCallback& on_progress) {
  const Layer& layer = job.image.layers[job.index];
  auto identity = layer.bytes->identity();
  if (context_.cache && identity && context_.cache->verified(*identity, layer.diff_id)) return;
  check_diff_id(job, hash_source(*layer.bytes, on_progress, context_.stop));
  if (context_.cache && identity) context_.cache->record_verified(*identity, layer.diff_id);
}

void LayerPusher::check_diff_id(const LayerJob& job, const Digest& actual) const {
  const Layer& layer = job.image.layers[job.index];
  if (actual != layer.diff_id)
    throw Error(job.image.source_name + ": layer " + std::to_string(job.index + 1) + " " + in_quotes(layer.name) +
                " has digest " + actual.str() + " but the config's rootfs.diff_ids[" + std::to_string(job.index) +
                "] says " + layer.diff_id.str());
}

void LayerPusher::remember(const ProbedSink& to, const std::string& repo, const Digest& diff_id, const Descriptor& d) {
  if (context_.cache && !options_.dry_run)
    context_.cache->record(diff_id, options_.codec.cache_key(), d, to.sink().name() + "/" + repo);
}

BlobOutcome LayerPusher::push_config(ProbedSink& to, const std::string& repo, const Image& image,
                                     const std::string& media_type) {
  Descriptor d{media_type, image.config_digest, image.config.size(), {}, {}};
  if (to.has(repo, d)) return {d, std::nullopt, true, false};
  if (image.config_remote && image.config_remote->registry == to.sink().name() &&
      !present_or_mounted(to, repo, d, image.config_remote->repository).empty())
    return {d, std::nullopt, true, false};
  if (!options_.dry_run) {
    // As a layer sent as stored: another repository of this registry may be sending it in this run.
    PlacementClaim claim(context_.placements, to.sink().name(), repo, d.digest, context_.stop);
    if (!mounted_as_claimed(to, repo, d, claim).empty()) return {d, std::nullopt, true, false};
    with_blob_retries(context_, "config " + short_digest(d.digest),
                      [&](bool) { to.sink().put_blob(repo, d.digest, image.config); });
    claim.landed();
    to.confirmed(repo, d);
    context_.progress.event("config " + short_digest(d.digest) + ": " + options_.sent_word);
  }
  return {d, std::nullopt, false, false};
}

}  // namespace ocipush
