#include "oci_push/http/retry.h"

#include <algorithm>
#include <random>
#include <thread>

#include "oci_push/http/http_client.h"
#include "oci_push/util/quoted.h"

namespace ocipush {

bool is_retryable_status(long status) {
  return status == 408 || status == 429 || status == 500 || status == 502 || status == 503 || status == 504;
}

bool is_transient(const std::exception& e) {
  if (dynamic_cast<const TransientError*>(&e)) return true;
  if (const auto* n = dynamic_cast<const NetworkError*>(&e))
    return n->kind() != NetworkError::Kind::Tls && n->kind() != NetworkError::Kind::TooLarge;
  return false;
}

std::optional<Millis> parse_retry_after(std::string_view value) {
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  if (value.empty() || value.size() > 9 || !std::all_of(value.begin(), value.end(), ::isdigit)) return std::nullopt;
  return Millis(std::stoll(std::string(value)) * 1000);
}

Millis parse_duration(std::string_view text, std::string_view option) {
  auto bad = [&] {
    return UsageError(std::string(option) + " takes a duration such as 30s, 5m or 500ms, not " + in_quotes(text));
  };
  size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
  if (digits == 0 || digits > 9) throw bad();
  long long n = std::stoll(std::string(text.substr(0, digits)));
  std::string_view unit = text.substr(digits);
  if (unit == "ms") return Millis(n);
  if (unit.empty() || unit == "s") return Millis(n * 1000);
  if (unit == "m") return Millis(n * 60'000);
  if (unit == "h") return Millis(n * 3'600'000);
  throw bad();
}

Millis backoff_delay(const RetryPolicy& policy, int retry, double jitter, std::optional<Millis> retry_after) {
  if (retry_after) return *retry_after;
  Millis full = policy.max_delay;
  if (retry < 30) full = std::min(policy.max_delay, Millis(policy.base_delay.count() << retry));
  jitter = std::clamp(jitter, 0.0, 1.0);
  return Millis(static_cast<long long>(full.count() * (0.5 + 0.5 * jitter)));
}

std::optional<Millis> RetryBudget::next(Millis now, double jitter, std::optional<Millis> retry_after) {
  if (!first_failure_) first_failure_ = now;
  if (retries_ >= policy_.max_retries) return std::nullopt;
  Millis delay = backoff_delay(policy_, retries_, jitter, retry_after);
  if (now + delay - *first_failure_ > policy_.budget) {
    out_of_time_ = true;
    return std::nullopt;
  }
  ++retries_;
  return delay;
}

std::string RetryBudget::gave_up() const {
  std::string out = "gave up after " + std::to_string(retries_) + (retries_ == 1 ? " retry" : " retries");
  if (out_of_time_) {
    auto ms = policy_.budget.count();
    out += ": the retry budget of " + (ms % 1000 ? std::to_string(ms) + "ms" : std::to_string(ms / 1000) + "s") +
           " is spent";
  }
  return out;
}

namespace {
thread_local RetryBudget* t_current = nullptr;
}

RetryScope::RetryScope(RetryBudget& budget) : previous_(t_current) { t_current = &budget; }
RetryScope::~RetryScope() { t_current = previous_; }
RetryBudget* RetryScope::current() { return t_current; }

bool wait_for_retry(RetryBudget& budget, std::optional<Millis> retry_after) {
  thread_local std::mt19937_64 random{std::random_device{}()};
  const auto& policy = budget.policy();
  auto now = [] { return std::chrono::duration_cast<Millis>(std::chrono::steady_clock::now().time_since_epoch()); };
  if (policy.stop && policy.stop->load()) throw Interrupted();
  auto delay = budget.next(now(), std::uniform_real_distribution<double>(0.0, 1.0)(random), retry_after);
  if (!delay) return false;
  const auto end = now() + *delay;
  while (now() < end) {
    if (policy.stop && policy.stop->load()) throw Interrupted();
    std::this_thread::sleep_for(std::min(Millis(50), end - now()));
  }
  return true;
}

bool announce_and_wait_for_retry(RetryBudget& budget, const std::string& what,
                                 const std::function<void(const std::string&)>& on_retry,
                                 std::optional<Millis> retry_after) {
  if (on_retry && budget.retries() < budget.policy().max_retries)
    on_retry("retry " + std::to_string(budget.retries() + 1) + "/" + std::to_string(budget.policy().max_retries) +
             " after " + what);
  return wait_for_retry(budget, retry_after);
}

}  // namespace ocipush
