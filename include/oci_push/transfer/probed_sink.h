// A sink with what it holds asked once per blob: HEADs sent ahead for a whole image with wide
// concurrency, and every answer (a HEAD, a mount, an upload the sink confirmed) kept for the rest of the
// push, so no blob is asked about twice and none is confirmed twice before its manifest.
#pragma once
#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "oci_push/model/image_sink.h"
#include "oci_push/model/manifest.h"

namespace ocipush {

// HEADs and other small requests in flight at once: they cost a round trip each and almost no memory.
inline constexpr unsigned kSmallRequestJobs = 16;

class ProbedSink {
 public:
  explicit ProbedSink(ImageSink& sink) : sink_(sink) {}
  ImageSink& sink() { return sink_; }
  const ImageSink& sink() const { return sink_; }

  // Asks about each of `blobs` not asked about yet, `width` at a time.
  void prefetch(const std::string& repo, const std::vector<Descriptor>& blobs, unsigned width, std::atomic<bool>& stop);
  // Whether `repo` holds `d` (same digest and size): the answer known, else one HEAD (a HEAD of it
  // already in flight, from prefetch on another thread, is waited for rather than sent twice).
  bool has(const std::string& repo, const Descriptor& d);
  // The sink confirmed holding `d` (an upload it acknowledged, a mount it made).
  void confirmed(const std::string& repo, const Descriptor& d);
  // Forgets every answer: after the sink refused a manifest for a blob it said it held.
  void forget();

 private:
  using Key = std::pair<std::string, Digest>;
  ImageSink& sink_;
  std::mutex mutex_;
  std::map<Key, uint64_t> held_;  // repository, digest -> size; absent: not asked, or not held
  std::map<Key, bool> asked_;
  std::set<Key> in_flight_;
  std::condition_variable answered_;
};

}  // namespace ocipush
