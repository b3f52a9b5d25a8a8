// What the fuzz targets that drive a core client through a scripted HttpClient share
// (fuzz_acme_json, fuzz_dns_api_json): a fatal check, a clock that moves only when slept on, a
// logger that formats every line, the scripted answer format, and step tracing.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/base/clock.h"
#include "core/base/log.h"
#include "core/base/status.h"
#include "core/http/http.h"

namespace ionos::fuzz {

// 2026-01-01T00:00:00Z: the fuzz clocks start here.
inline const TimePoint kFuzzNow = std::chrono::system_clock::from_time_t(1767225600);

// Aborts (a finding) with `what` when `condition` is false.
void Check(bool condition, const char* what);

// Formats every line it is given as hclog JSON (fuzzed strings included) and drops it; a line
// holding `secret` (when not empty) is a finding.
class FormattingLogger : public Logger {
 public:
  explicit FormattingLogger(std::string secret = "") : secret_(std::move(secret)) {}
  void Log(LogLevel level, const std::string& message, const std::vector<LogField>& fields) override;
  bool Enabled(LogLevel) const override { return true; }

 private:
  std::string secret_;
};

// Time passes only when someone sleeps.
class FuzzClock : public Clock {
 public:
  TimePoint Now() const override { return now_; }
  Status SleepFor(Duration d, const CancelToken*) const override;

 private:
  mutable TimePoint now_ = kFuzzNow;
};

// "STATUS\nName: value\n...\n\nbody" → the response it describes (status: the first three digits).
HttpResponse ParseScriptedResponse(std::string_view text);

// IONOS_FUZZ_TRACE=1 prints each step's outcome (to check what a seed reaches).
void TraceStep(const char* step, const Status& status);

}  // namespace ionos::fuzz
