// Retries: which failures another try may fix, how long to wait (exponential backoff with jitter,
// Retry-After honoured), and the account that bounds them (a count and a time budget).
//
// Two levels share one account and never multiply: a request retries on its own account, unless a
// whole blob upload has opened a RetryScope on this thread; then every request inside the upload,
// the chunk resumes and the restarts of the whole blob draw on that one account.
#pragma once
#include <atomic>
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "oci_push/util/error.h"

namespace ocipush {

using Millis = std::chrono::milliseconds;

struct RetryPolicy {
  int max_retries = 5;                      // --retries N: retries (not tries) per request or per blob upload
  Millis budget{300'000};                   // --retry-budget: time allowed from an account's first failure
  Millis base_delay{500};                   // the first wait; doubled for each retry
  Millis max_delay{30'000};                 // backoff cap (a Retry-After may ask for more, within the budget)
  const std::atomic<bool>* stop = nullptr;  // set by SIGINT/SIGTERM: waits end with Interrupted
};

// A failure another try may fix: the registry's 408/429/5xx, a lost upload session. NetworkError
// (connect, timeout, reset) is the other kind; see is_transient.
class TransientError : public Error {
 public:
  using Error::Error;
};

// 408, 429, 500, 502, 503, 504.
bool is_retryable_status(long status);
// TransientError, or a NetworkError other than TLS and an oversized body.
bool is_transient(const std::exception& e);
// Retry-After as delta-seconds ("120"); an HTTP date or anything else: nullopt.
std::optional<Millis> parse_retry_after(std::string_view value);
// "500ms", "30s", "5m", "1h", or plain seconds; throws UsageError naming `option`.
Millis parse_duration(std::string_view text, std::string_view option);

// The wait before retry number `retry` (0-based): base * 2^retry capped at max_delay, scaled by
// `jitter` in [0, 1) into [50%, 100%) of that ("equal jitter"); a Retry-After replaces it.
Millis backoff_delay(const RetryPolicy& policy, int retry, double jitter, std::optional<Millis> retry_after);

// The network's time limits (curl): a connection, and a transfer with no byte moving. No limit on a
// whole request, so a healthy multi-GB upload is never cut off.
struct HttpTimeouts {
  Millis connect{30'000};  // --connect-timeout
  Millis stall{120'000};   // --stall-timeout: under 1 byte/s for this long (whole seconds)
};

// One account. Pure: the caller passes the time (`now`, any steady origin) and the jitter.
class RetryBudget {
 public:
  explicit RetryBudget(const RetryPolicy& policy) : policy_(policy) {}
  // The wait before one more try, or nullopt when the count or the time budget is spent (a wait
  // that would end past the budget counts as spent). Each call that returns a wait is one retry.
  std::optional<Millis> next(Millis now, double jitter, std::optional<Millis> retry_after = std::nullopt);
  int retries() const { return retries_; }
  const RetryPolicy& policy() const { return policy_; }
  // "gave up after 3 retries" / "gave up after 2 retries: the retry budget of 10s is spent".
  std::string gave_up() const;

 private:
  RetryPolicy policy_;
  int retries_ = 0;
  std::optional<Millis> first_failure_;
  bool out_of_time_ = false;
};

// While alive, RetryScope::current() on this thread is `budget` (scopes nest; the innermost wins).
class RetryScope {
 public:
  explicit RetryScope(RetryBudget& budget);
  ~RetryScope();
  RetryScope(const RetryScope&) = delete;
  RetryScope& operator=(const RetryScope&) = delete;
  static RetryBudget* current();
  // The current scope's account, else `own`.
  static RetryBudget& current_or(RetryBudget& own) { return current() ? *current() : own; }

 private:
  RetryBudget* previous_;
};

// The impure side: a steady clock, a random jitter, and a wait that ends early with Interrupted.
// Returns false (nothing waited) when `budget` is spent; else waits and returns true.
bool wait_for_retry(RetryBudget& budget, std::optional<Millis> retry_after = std::nullopt);
// The same, after saying "retry N/M after WHAT" through `on_retry` (when the account has one left).
bool announce_and_wait_for_retry(RetryBudget& budget, const std::string& what,
                                 const std::function<void(const std::string&)>& on_retry,
                                 std::optional<Millis> retry_after = std::nullopt);

}  // namespace ocipush
