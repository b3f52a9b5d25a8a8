// File: core/base/retry.h
//
// The one place that decides how long to wait before trying again, and the one polling loop.
//
//   BackoffDelay(policy, n)   the wait before retry n: initial * 2^n, capped, never overflowing.
//   RetryBudget               counts the attempts of one operation against a retry limit and a
//                             time budget, and chooses each wait: the server's (Retry-After) when
//                             it gave one and it is acceptable, the backoff otherwise. It ends the
//                             retries with "giving up after N attempts in 1.75s".
//   Poll(...)                 waits, asks, and repeats until something is done: Retry-After when
//                             the other side gives one, else a short interval doubling to a cap;
//                             the last wait is cut so that one final poll happens at the deadline.
//   LearnedWait               how long a recurring wait took lately (a DNS record's provisioning,
//                             a CA's validation), so Poll asks once, when it is likely done,
//                             instead of stepping up to it.
//
// Every wait goes through Clock::SleepFor (tests pass a FakeClock, nothing sleeps for real) and
// ends early with kCancelled when the CancelToken fires. What counts as retryable is the caller's
// decision (an ACME problem, an HTTP status); these helpers only count and time.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "core/base/clock.h"
#include "core/base/status.h"

namespace ionos {

struct BackoffPolicy {
  Duration initial{std::chrono::milliseconds(200)};
  Duration max{std::chrono::seconds(30)};
};

// initial * 2^retry (retry 0 is the first retry), at most policy.max; saturates instead of
// overflowing for large `retry`. A non-positive initial counts as 1 ms.
Duration BackoffDelay(const BackoffPolicy& policy, int retry);

// The retries of one operation. Not thread-safe; one budget per operation.
class RetryBudget {
 public:
  struct Limits {
    int max_retries = 3;          // retries after the first attempt
    BackoffPolicy backoff;        // waits when the server names none
    // No further retry once this much time has passed since the budget started (attempts and
    // waits together), so a server that times out is not waited on again and again.
    Duration max_total = Duration::max();
    // A server-named wait longer than this ends the retries (the caller reports the server's
    // answer, which says when to come back).
    Duration max_server_wait{std::chrono::seconds(30)};
  };

  RetryBudget(const Clock& clock, Limits limits);

  // Call after a failed attempt. Returns the wait before the next attempt, or nullopt when the
  // budget is spent (retries or time) or the server asks for more than max_server_wait.
  // `server_retry_at` is the moment the server named (Retry-After), if any. Counts the attempt.
  std::optional<Duration> NextWait(std::optional<TimePoint> server_retry_at = std::nullopt);

  // Sleeps `wait` (Clock::SleepFor); kCancelled when `cancel` fires.
  Status Wait(Duration wait, const CancelToken* cancel) const;

  // Attempts made so far (failed ones passed to NextWait, plus the one in flight).
  int attempts() const { return failures_ + 1; }
  int failures() const { return failures_; }
  Duration elapsed() const;
  // "giving up after 4 attempts in 1.75s"; call after NextWait returned nullopt.
  std::string GiveUpText() const;
  // Starts a fresh budget (for example after an answer arrived, when only a run of transport
  // failures is limited).
  void Reset();

 private:
  const Clock* clock_;
  Limits limits_;
  TimePoint started_;
  TimePoint last_failure_{};
  int failures_ = 0;
};

// What recent waits of one kind took, shared by the concurrent waits of that kind (thread-safe),
// so that Poll asks once, when the thing is likely done, instead of stepping up to it.
//
// The estimate (kept in microseconds, asked about in whole milliseconds) moves in two phases:
// - Descending: the first wait is timed by Poll's own schedule and sets the estimate to what it
//   took (the thing was done by then, perhaps much earlier). Each wait whose first poll at the
//   estimate finds it done sets the estimate to 4/5 of the estimate it used (concurrent waits that
//   used the same estimate shrink it once, not once each).
// - Tracking, from the first miss on: a first poll that finds it not yet done costs one more poll
//   or a few (Poll follows up after 1/16 of the estimate, doubling) and moves the estimate to the
//   middle of the last poll that found it not done and the one that found it done, at most to
//   twice the estimate it used (one slow outlier, or a clock that jumped, does not throw it far);
//   each hit shrinks it by 1/256, and faster the longer the run of hits (twice as fast after every
//   8 hits in a row, at most by half), so an estimate left too high comes down within a few dozen
//   waits while a steady one stays a few percent above what the wait really takes, with about one
//   wait in ten costing a second poll.
// Waits done at once leave nothing to learn.
class LearnedWait {
 public:
  // Learned waits stay within [floor, cap].
  explicit LearnedWait(Duration floor = std::chrono::milliseconds(2), Duration cap = std::chrono::seconds(10))
      : floor_us_(std::chrono::duration_cast<std::chrono::microseconds>(floor).count()),
        cap_us_(std::chrono::duration_cast<std::chrono::microseconds>(cap).count()) {}
  LearnedWait(const LearnedWait&) = delete;
  LearnedWait& operator=(const LearnedWait&) = delete;

  // When to ask first (the estimate rounded up to a whole millisecond); zero while nothing is
  // learned.
  Duration FirstWait() const;
  // A wait ended done: `took` from its start to the poll that found it done. `used` is the
  // FirstWait() its first poll came after (zero: nothing was learned), `hit` whether that poll
  // found it done, `not_done_at` when the last poll that found it not yet done asked (zero: none).
  void Learn(Duration took, Duration used, bool hit, Duration not_done_at = Duration(0));

 private:
  const int64_t floor_us_;
  const int64_t cap_us_;
  std::atomic<int64_t> estimate_us_{0};
  std::atomic<bool> tracking_{false};
  std::atomic<int> hits_in_a_row_{0};
};

struct PollOptions {
  Duration timeout{std::chrono::minutes(5)};
  Duration initial_interval{std::chrono::milliseconds(50)};
  Duration max_interval{std::chrono::seconds(1)};
  // A Retry-After further away than this is cut to it; one nearer than initial_interval is
  // raised to it.
  Duration max_retry_after{std::chrono::seconds(10)};
  // Poll at once instead of waiting first (when nothing is known yet).
  bool poll_first = false;
  // When set: the first poll comes after learned->FirstWait() (unless the other side named a
  // Retry-After, or nothing is learned yet), a miss is followed up after 1/16 of it (at least
  // 1 ms, at most initial_interval, doubling), and the wait's outcome is learned. Not owned.
  LearnedWait* learned = nullptr;
};

// What one poll found.
struct PollProgress {
  bool done = false;
  // How to describe the last state in the timeout error, appended to "timed out after 5m0s
  // waiting for <what>": for example " (last status \"pending\")".
  std::string detail;
  std::optional<TimePoint> retry_after;  // when the other side wants the next poll
};

// Polls until `poll` reports done (OK), fails (its error, unchanged), the timeout passes
// (kDeadlineExceeded "timed out after <timeout> waiting for <what><detail>") or `cancel` fires
// (kCancelled "waiting for <what>: cancelled"). `initial` is what is known before the first poll
// (its retry_after times the first wait; its detail describes a timeout before any poll).
Status Poll(const Clock& clock, const CancelToken* cancel, const PollOptions& options, const std::string& what,
            PollProgress initial, const std::function<Result<PollProgress>()>& poll);

}  // namespace ionos
