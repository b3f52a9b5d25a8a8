// Injected time, randomness and cancellation.
//
// No core code reads the system clock or sleeps directly: it asks a Clock.
// Tests use FakeClock (tests/fakes) to make time pass without sleeping.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <ctime>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/base/status.h"

namespace ionos {

using TimePoint = std::chrono::system_clock::time_point;
using Duration = std::chrono::milliseconds;

// A cancellation flag shared by all in-flight work of one provider process.
// StopProvider sets it; long waits (polling, backoff) wake up at once.
class CancelToken {
 public:
  void Cancel();
  bool cancelled() const { return cancelled_.load(std::memory_order_acquire); }
  // Waits up to `d`; returns false when cancelled (early or already).
  bool WaitFor(Duration d) const;

 private:
  std::atomic<bool> cancelled_{false};
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
};

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint Now() const = 0;
  // Sleeps for `d` unless `cancel` fires; returns CancelledError then.
  virtual Status SleepFor(Duration d, const CancelToken* cancel) const = 0;
};

// The real clock. `offset` shifts Now() by a fixed amount (IONOS_CERT_NOW: the instant set minus
// the real time at process start), so moved time keeps moving and later runs read later times;
// sleeping stays real.
class SystemClock : public Clock {
 public:
  SystemClock() = default;
  explicit SystemClock(std::chrono::system_clock::duration offset) : offset_(offset) {}
  TimePoint Now() const override;
  Status SleepFor(Duration d, const CancelToken* cancel) const override;

 private:
  std::chrono::system_clock::duration offset_{0};
};

// The one unshifted SystemClock of the process, for components given no clock.
const Clock& DefaultClock();

class Random {
 public:
  virtual ~Random() = default;
  virtual Status Fill(uint8_t* out, size_t n) = 0;
  Result<std::string> Bytes(size_t n);
};

// Cryptographically secure randomness from OpenSSL.
class SystemRandom : public Random {
 public:
  Status Fill(uint8_t* out, size_t n) override;
};

// TimePoint counts nanoseconds in 64 bits, so it only spans the years 1677 to 2262. Times read
// from outside (certificates, RFC 3339 text, HTTP dates) go through TimePointFromTimeT(), which
// clamps them to [kEarliestTime, kLatestTime]: a certificate valid "until 9999-12-31" (RFC 5280
// §4.1.2.5: no well-defined expiration date) becomes valid until 2200-01-01 instead of
// overflowing, and adding decades to a clamped time stays in range.
inline constexpr std::time_t kEarliestTime = -8520336000;  // 1700-01-01T00:00:00Z
inline constexpr std::time_t kLatestTime = 7258118400;     // 2200-01-01T00:00:00Z
TimePoint TimePointFromTimeT(std::time_t t);

// t + days × 24 h, saturating at [kEarliestTime, kLatestTime] instead of overflowing: a grace
// period of a million days ends at 2200-01-01, not in 1677.
TimePoint AddDays(TimePoint t, int64_t days);

// RFC 3339 helpers (UTC, seconds precision, "Z").
std::string FormatRfc3339(TimePoint t);
Result<TimePoint> ParseRfc3339(const std::string& s);
// Compact form used in certificate names: 20261123T011715Z.
std::string FormatCompactUtc(TimePoint t);

// A duration as people write it in configurations: one or more <number><unit> with units "ms",
// "s", "m" and "h", e.g. "90s", "2m", "1h30m", "500ms" (the form Terraform and Go use; no
// fractions). InvalidArgumentError quoting the input otherwise, or beyond 1000 hours.
Result<Duration> ParseDuration(const std::string& text);

// Durations in messages and logs: "40ms", "1.5s", "1.75s", "10s", "5m0s", "2m5s".
std::string FormatDuration(Duration d);

}  // namespace ionos
