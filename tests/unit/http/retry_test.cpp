#include "oci_push/http/retry.h"

#include <gtest/gtest.h>

#include "oci_push/http/http_client.h"

using namespace ocipush;
using std::chrono::milliseconds;

namespace {
RetryPolicy policy(int retries, long long budget_ms) {
  RetryPolicy p;
  p.max_retries = retries;
  p.budget = Millis(budget_ms);
  p.base_delay = Millis(500);
  p.max_delay = Millis(30'000);
  return p;
}
}  // namespace

TEST(Retry, RetryableStatuses) {
  for (long s : {408, 429, 500, 502, 503, 504}) EXPECT_TRUE(is_retryable_status(s)) << s;
  for (long s : {200, 201, 202, 400, 401, 403, 404, 416, 501, 505}) EXPECT_FALSE(is_retryable_status(s)) << s;
}

TEST(Retry, TransientFailures) {
  EXPECT_TRUE(is_transient(TransientError("503")));
  EXPECT_TRUE(is_transient(NetworkError(NetworkError::Kind::Connect, "refused")));
  EXPECT_TRUE(is_transient(NetworkError(NetworkError::Kind::Timeout, "stalled")));
  EXPECT_TRUE(is_transient(NetworkError(NetworkError::Kind::Other, "reset")));
  EXPECT_FALSE(is_transient(NetworkError(NetworkError::Kind::Tls, "bad certificate")));
  EXPECT_FALSE(is_transient(NetworkError(NetworkError::Kind::TooLarge, "huge")));
  EXPECT_FALSE(is_transient(Error("digest mismatch")));
  EXPECT_FALSE(is_transient(Interrupted()));
}

TEST(Retry, RetryAfterSeconds) {
  EXPECT_EQ(parse_retry_after("2"), Millis(2000));
  EXPECT_EQ(parse_retry_after(" 120 "), Millis(120'000));
  EXPECT_EQ(parse_retry_after("0"), Millis(0));
  EXPECT_EQ(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), std::nullopt);
  EXPECT_EQ(parse_retry_after(""), std::nullopt);
  EXPECT_EQ(parse_retry_after("-1"), std::nullopt);
  EXPECT_EQ(parse_retry_after("99999999999999"), std::nullopt);
}

TEST(Retry, Durations) {
  EXPECT_EQ(parse_duration("500ms", "--x"), Millis(500));
  EXPECT_EQ(parse_duration("30s", "--x"), Millis(30'000));
  EXPECT_EQ(parse_duration("30", "--x"), Millis(30'000));
  EXPECT_EQ(parse_duration("5m", "--x"), Millis(300'000));
  EXPECT_EQ(parse_duration("1h", "--x"), Millis(3'600'000));
  EXPECT_THROW(parse_duration("", "--x"), UsageError);
  EXPECT_THROW(parse_duration("5 m", "--x"), UsageError);
  EXPECT_THROW(parse_duration("1d", "--x"), UsageError);
  EXPECT_THROW(parse_duration("-3s", "--x"), UsageError);
}

TEST(Retry, ExponentialBackoffWithEqualJitter) {
  auto p = policy(10, 1'000'000);
  EXPECT_EQ(backoff_delay(p, 0, 0.0, std::nullopt), Millis(250));
  EXPECT_EQ(backoff_delay(p, 0, 0.999999, std::nullopt), Millis(499));
  EXPECT_EQ(backoff_delay(p, 1, 0.0, std::nullopt), Millis(500));
  EXPECT_EQ(backoff_delay(p, 3, 0.5, std::nullopt), Millis(3000));     // 4 s * 0.75
  EXPECT_EQ(backoff_delay(p, 6, 0.0, std::nullopt), Millis(15'000));   // 32 s capped at 30 s, halved
  EXPECT_EQ(backoff_delay(p, 62, 0.0, std::nullopt), Millis(15'000));  // no overflow
  EXPECT_EQ(backoff_delay(p, 0, 0.3, Millis(7000)), Millis(7000));     // Retry-After wins
}

TEST(Retry, CountBounded) {
  RetryBudget b(policy(3, 1'000'000));
  EXPECT_EQ(b.next(Millis(0), 0.0), Millis(250));
  EXPECT_EQ(b.next(Millis(1000), 0.0), Millis(500));
  EXPECT_EQ(b.next(Millis(2000), 0.0), Millis(1000));
  EXPECT_EQ(b.next(Millis(3000), 0.0), std::nullopt);
  EXPECT_EQ(b.retries(), 3);
  EXPECT_EQ(b.gave_up(), "gave up after 3 retries");
}

TEST(Retry, TimeBudgetCountsFromTheFirstFailure) {
  RetryBudget b(policy(100, 2000));
  // A healthy upload may run for an hour before its first blip: that does not eat the budget.
  EXPECT_EQ(b.next(Millis(3'600'000), 0.0), Millis(250));
  EXPECT_EQ(b.next(Millis(3'600'250), 0.0), Millis(500));
  EXPECT_EQ(b.next(Millis(3'600'750), 0.0), Millis(1000));  // ends at 1750 ms after the first failure
  EXPECT_EQ(b.next(Millis(3'601'750), 0.0), std::nullopt);  // 2000 ms more would end past 2 s
  EXPECT_EQ(b.retries(), 3);
  EXPECT_EQ(b.gave_up(), "gave up after 3 retries: the retry budget of 2s is spent");
}

TEST(Retry, RetryAfterBeyondTheBudgetGivesUpAtOnce) {
  RetryBudget b(policy(5, 10'000));
  EXPECT_EQ(b.next(Millis(0), 0.5, Millis(60'000)), std::nullopt);
  EXPECT_EQ(b.retries(), 0);
  EXPECT_EQ(b.gave_up(), "gave up after 0 retries: the retry budget of 10s is spent");
}

TEST(Retry, ZeroRetriesNeverWaits) {
  RetryBudget b(policy(0, 10'000));
  EXPECT_EQ(b.next(Millis(0), 0.0), std::nullopt);
  EXPECT_EQ(b.gave_up(), "gave up after 0 retries");
}

TEST(Retry, ScopesNest) {
  EXPECT_EQ(RetryScope::current(), nullptr);
  RetryBudget outer(policy(1, 1000)), inner(policy(1, 1000));
  {
    RetryScope a(outer);
    EXPECT_EQ(RetryScope::current(), &outer);
    {
      RetryScope b(inner);
      EXPECT_EQ(RetryScope::current(), &inner);
    }
    EXPECT_EQ(RetryScope::current(), &outer);
  }
  EXPECT_EQ(RetryScope::current(), nullptr);
}

TEST(Retry, WaitEndsWithInterruptedWhenStopped) {
  std::atomic<bool> stop{true};
  auto p = policy(5, 10'000);
  p.stop = &stop;
  RetryBudget b(p);
  EXPECT_THROW(wait_for_retry(b), Interrupted);
}

TEST(Retry, WaitReturnsFalseWhenSpent) {
  auto p = policy(0, 10'000);
  RetryBudget b(p);
  EXPECT_FALSE(wait_for_retry(b));
}
