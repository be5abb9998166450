#include "oci_push/http/curl_multiplexer.h"

#include "oci_push/util/error.h"

namespace ocipush {

CurlMultiplexer::CurlMultiplexer() : multi_(curl_multi_init()) {
  if (!multi_) throw Error("cannot initialise libcurl's multi interface");
  curl_multi_setopt(multi_, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
  thread_ = std::thread([this] { run(); });
}

CurlMultiplexer::~CurlMultiplexer() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  curl_multi_wakeup(multi_);
  thread_.join();
  curl_multi_cleanup(multi_);
}

CURLcode CurlMultiplexer::perform(CURL* easy) {
  // Waits for a connection being set up to this host to say whether it multiplexes, rather than
  // opening another one beside it.
  curl_easy_setopt(easy, CURLOPT_PIPEWAIT, 1L);
  Job job{easy, {}};
  auto done = job.done.get_future();
  {
    std::lock_guard lock(mutex_);
    submitted_.push_back(&job);
  }
  curl_multi_wakeup(multi_);
  return done.get();
}

bool CurlMultiplexer::take_submitted() {
  std::lock_guard lock(mutex_);
  for (Job* job : submitted_) {
    curl_easy_setopt(job->easy, CURLOPT_PRIVATE, job);
    if (curl_multi_add_handle(multi_, job->easy) != CURLM_OK) {
      job->done.set_value(CURLE_FAILED_INIT);
      continue;
    }
    active_.insert(job);
  }
  submitted_.clear();
  return !(stopping_ && active_.empty());
}

void CurlMultiplexer::finish(Job* job, CURLcode result) {
  curl_multi_remove_handle(multi_, job->easy);
  active_.erase(job);
  job->done.set_value(result);  // the submitter may free the job from here on
}

void CurlMultiplexer::run() {
  while (take_submitted()) {
    int running = 0;
    if (curl_multi_perform(multi_, &running) != CURLM_OK) {
      // The multi handle itself failed (out of memory): every transfer on it ends.
      while (!active_.empty()) finish(*active_.begin(), CURLE_FAILED_INIT);
      continue;
    }
    int queued = 0;
    while (CURLMsg* message = curl_multi_info_read(multi_, &queued)) {
      if (message->msg != CURLMSG_DONE) continue;
      Job* job = nullptr;
      curl_easy_getinfo(message->easy_handle, CURLINFO_PRIVATE, &job);
      finish(job, message->data.result);
    }
    // Sleeps until a socket is ready, a timer is due or perform() wakes it.
    curl_multi_poll(multi_, nullptr, 0, 1000, nullptr);
  }
}

}  // namespace ocipush
