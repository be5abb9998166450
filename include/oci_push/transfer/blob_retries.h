// Whole-blob retries: a blob tried again from its re-readable source while failures are transient.
#pragma once
#include <functional>
#include <string>

#include "oci_push/transfer/push_context.h"

namespace ocipush {

// Runs `attempt(retrying)` until it returns, or a failure is not transient (network, 408/429/5xx, a
// session the end dropped), or the account (--retries, --retry-budget) is spent. The requests inside
// draw on the same account (RetryScope), so --retries bounds the blob as a whole: the levels never multiply.
void with_blob_retries(const PushContext& context, const std::string& what,
                       const std::function<void(bool retrying)>& attempt);

}  // namespace ocipush
