#include "oci_push/transfer/blob_retries.h"

#include "oci_push/http/retry.h"

namespace ocipush {

void with_blob_retries(const PushContext& context, const std::string& what,
                       const std::function<void(bool retrying)>& attempt) {
  RetryPolicy policy = context.options.connection.retry;
  policy.stop = &context.stop;
  RetryBudget budget(policy);
  RetryScope scope(budget);
  auto on_retry = [&context](const std::string& line) { context.progress.event(line); };
  for (bool retrying = false;; retrying = true) {
    try {
      attempt(retrying);
      return;
    } catch (const Error& e) {
      if (!is_transient(e) || context.stop.load()) throw;
      if (!announce_and_wait_for_retry(budget, what + ": " + e.what(), on_retry))
        throw TransientError(std::string(e.what()) + "; " + budget.gave_up());
    }
  }
}

}  // namespace ocipush
