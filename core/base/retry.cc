#include "core/base/retry.h"

#include <algorithm>

namespace ionos {

Duration BackoffDelay(const BackoffPolicy& policy, int retry) {
  const Duration initial = std::max(policy.initial, Duration(1));
  const Duration cap = std::max(policy.max, initial);
  Duration wait = initial;
  for (int i = 0; i < retry && wait < cap; ++i) {
    wait = wait > cap / 2 ? cap : wait * 2;
  }
  return std::min(wait, cap);
}

RetryBudget::RetryBudget(const Clock& clock, Limits limits)
    : clock_(&clock), limits_(limits), started_(clock.Now()) {}

std::optional<Duration> RetryBudget::NextWait(std::optional<TimePoint> server_retry_at) {
  const TimePoint now = clock_->Now();
  last_failure_ = now;
  const int retry = failures_;
  ++failures_;
  if (retry >= limits_.max_retries) {
    return std::nullopt;
  }
  if (limits_.max_total != Duration::max() && now - started_ >= limits_.max_total) {
    return std::nullopt;
  }
  if (server_retry_at) {
    const Duration asked = std::max(std::chrono::duration_cast<Duration>(*server_retry_at - now), Duration(0));
    if (asked > limits_.max_server_wait) {
      return std::nullopt;
    }
    return asked;
  }
  return BackoffDelay(limits_.backoff, retry);
}

Status RetryBudget::Wait(Duration wait, const CancelToken* cancel) const { return clock_->SleepFor(wait, cancel); }

Duration RetryBudget::elapsed() const {
  const TimePoint end = failures_ > 0 ? last_failure_ : clock_->Now();
  return std::chrono::duration_cast<Duration>(end - started_);
}

std::string RetryBudget::GiveUpText() const {
  return "giving up after " + std::to_string(failures_) + " attempt" + (failures_ == 1 ? "" : "s") + " in " +
         FormatDuration(elapsed());
}

void RetryBudget::Reset() {
  started_ = clock_->Now();
  failures_ = 0;
}

Duration LearnedWait::FirstWait() const {
  const int64_t us = estimate_us_.load(std::memory_order_relaxed);
  return std::chrono::ceil<Duration>(std::chrono::microseconds(us));
}

void LearnedWait::Learn(Duration took, Duration used, bool hit, Duration not_done_at) {
  if (took <= Duration(0)) {
    return;  // done at once: nothing to time
  }
  auto us = [](Duration d) { return std::chrono::duration_cast<std::chrono::microseconds>(d).count(); };
  int64_t next = us(took);
  if (used > Duration(0) && hit) {
    const int hits = hits_in_a_row_.fetch_add(1, std::memory_order_relaxed) + 1;
    if (tracking_.load(std::memory_order_relaxed)) {
      const int64_t current = estimate_us_.load(std::memory_order_relaxed);
      const int shift = std::max(1, 8 - hits / 8);  // 1/256, then 1/128 after 8 hits in a row, ...
      next = current - std::max<int64_t>(current >> shift, 1);
    } else {
      next = us(used) - us(used) / 5;
    }
  } else if (used > Duration(0)) {
    // Done somewhere in (not_done_at, took]: the middle of that, at most twice what was used.
    hits_in_a_row_.store(0, std::memory_order_relaxed);
    tracking_.store(true, std::memory_order_relaxed);
    if (not_done_at > Duration(0) && not_done_at < took) next = us(took) - (us(took) - us(not_done_at)) / 2;
    next = std::min(next, 2 * us(used));
  }
  estimate_us_.store(std::clamp(next, floor_us_, cap_us_), std::memory_order_relaxed);
}

Status Poll(const Clock& clock, const CancelToken* cancel, const PollOptions& options, const std::string& what,
            PollProgress initial, const std::function<Result<PollProgress>()>& poll) {
  const Duration first = std::max(options.initial_interval, Duration(1));
  const Duration max_interval = std::max(options.max_interval, first);
  const TimePoint started = clock.Now();
  const TimePoint deadline = started + options.timeout;
  Duration interval = first;
  PollProgress last = std::move(initial);
  bool wait_first = !options.poll_first;
  // The first poll at the learned time, unless the other side said when to come back; a miss
  // there is followed up in steps of 1/16 of it, so it costs little time.
  std::optional<Duration> learned_wait;
  if (options.learned != nullptr && !last.retry_after && options.learned->FirstWait() > Duration(0)) {
    learned_wait = options.learned->FirstWait();
    wait_first = true;
    interval = std::clamp(*learned_wait / 16, Duration(std::chrono::milliseconds(1)), first);
  }
  int polls = 0;
  Duration not_done_at{0};  // since `started`, when the last poll that found it not done asked
  auto cancelled = [&]() { return CancelledError("waiting for " + what + ": cancelled"); };
  while (true) {
    if (wait_first) {
      const TimePoint now = clock.Now();
      if (now >= deadline) {
        return DeadlineExceededError("timed out after " + FormatDuration(options.timeout) + " waiting for " + what +
                                     last.detail);
      }
      Duration wait = interval;
      if (polls == 0 && learned_wait) {
        wait = *learned_wait;
      } else if (last.retry_after) {
        // RFC 9110 §10.2.3 (and RFC 8555 §7.5.1): the server says when to ask again; trust it,
        // within reason (not sooner than our shortest interval, not later than the cap).
        const Duration asked = std::chrono::duration_cast<Duration>(*last.retry_after - now);
        wait = std::clamp(asked, first, std::max(options.max_retry_after, first));
      }
      wait = std::min(wait, std::chrono::ceil<Duration>(deadline - now));
      Status slept = clock.SleepFor(wait, cancel);
      if (!slept.ok()) {
        return slept.code() == StatusCode::kCancelled ? cancelled() : slept.WithContext("waiting for " + what);
      }
      if (polls > 0 || !learned_wait) {
        interval = std::min(interval * 2, max_interval);
      }
    }
    wait_first = true;
    if (cancel != nullptr && cancel->cancelled()) {
      return cancelled();
    }
    // When it was done by: the moment this poll asked, not when its answer came back (learning the
    // answer's latency too would make every next wait longer by it).
    const TimePoint asked = clock.Now();
    IONOS_ASSIGN_OR_RETURN(PollProgress progress, poll());
    ++polls;
    if (progress.done) {
      if (options.learned != nullptr) {
        options.learned->Learn(std::chrono::duration_cast<Duration>(asked - started),
                               learned_wait.value_or(Duration(0)), polls == 1, not_done_at);
      }
      return Status::Ok();
    }
    not_done_at = std::chrono::duration_cast<Duration>(asked - started);
    last = std::move(progress);
  }
}

}  // namespace ionos
