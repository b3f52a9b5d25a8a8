// A settable Clock for unit tests: time passes only when the test (or a SleepFor) says so.
//
// Now() returns the current fake time. SleepFor(d) does not sleep: it records `d`, advances the
// fake time by `d` and returns at once (CancelledError, without advancing, when `cancel` has
// fired). Tests then assert on sleeps() — e.g. that a client waited what Retry-After asked.
// Thread-safe.
#pragma once

#include <functional>
#include <mutex>
#include <vector>

#include "core/base/clock.h"

namespace ionos::fakes {

class FakeClock : public Clock {
 public:
  // Starts at 2026-01-01T00:00:00Z unless told otherwise.
  FakeClock();
  explicit FakeClock(TimePoint start);

  TimePoint Now() const override;
  Status SleepFor(Duration d, const CancelToken* cancel) const override;

  void Set(TimePoint t);
  void Advance(Duration d);

  // Called after every SleepFor has advanced the time (outside the clock's lock), e.g. to let
  // something happen "while" a caller waits.
  void SetOnSleep(std::function<void(Duration)> on_sleep);

  // Every SleepFor duration so far, in order.
  std::vector<Duration> sleeps() const;
  // Their sum.
  Duration total_slept() const;
  void ClearSleeps();

 private:
  mutable std::mutex mu_;
  mutable TimePoint now_;
  mutable std::vector<Duration> sleeps_;
  std::function<void(Duration)> on_sleep_;
};

}  // namespace ionos::fakes
