#include "tests/fakes/fake_clock.h"

namespace ionos::fakes {

// 2026-01-01T00:00:00Z.
FakeClock::FakeClock() : FakeClock(TimePoint(std::chrono::seconds(1767225600))) {}

FakeClock::FakeClock(TimePoint start) : now_(start) {}

TimePoint FakeClock::Now() const {
  std::lock_guard<std::mutex> lock(mu_);
  return now_;
}

Status FakeClock::SleepFor(Duration d, const CancelToken* cancel) const {
  if (cancel != nullptr && cancel->cancelled()) {
    return CancelledError("operation cancelled");
  }
  std::function<void(Duration)> hook;
  {
    std::lock_guard<std::mutex> lock(mu_);
    sleeps_.push_back(d);
    now_ += d;
    hook = on_sleep_;
  }
  if (hook) {
    hook(d);
  }
  return Status::Ok();
}

void FakeClock::SetOnSleep(std::function<void(Duration)> on_sleep) {
  std::lock_guard<std::mutex> lock(mu_);
  on_sleep_ = std::move(on_sleep);
}

void FakeClock::Set(TimePoint t) {
  std::lock_guard<std::mutex> lock(mu_);
  now_ = t;
}

void FakeClock::Advance(Duration d) {
  std::lock_guard<std::mutex> lock(mu_);
  now_ += d;
}

std::vector<Duration> FakeClock::sleeps() const {
  std::lock_guard<std::mutex> lock(mu_);
  return sleeps_;
}

Duration FakeClock::total_slept() const {
  std::lock_guard<std::mutex> lock(mu_);
  Duration sum{0};
  for (Duration d : sleeps_) {
    sum += d;
  }
  return sum;
}

void FakeClock::ClearSleeps() {
  std::lock_guard<std::mutex> lock(mu_);
  sleeps_.clear();
}

}  // namespace ionos::fakes
