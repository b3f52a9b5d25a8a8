// A Logger for tests that keeps every line (message and fields) at every level, so tests can
// check what was logged — and that no secret ever is. Thread-safe.
#pragma once

#include <mutex>
#include <string>
#include <vector>

#include "core/base/log.h"

namespace ionos::fakes {

class RecordingLogger : public Logger {
 public:
  void Log(LogLevel, const std::string& message, const std::vector<LogField>& fields) override {
    std::lock_guard<std::mutex> lock(mu_);
    std::string line = message;
    for (const auto& [k, v] : fields) {
      line += " " + k + "=" + v;
    }
    lines_.push_back(line);
  }
  bool Enabled(LogLevel) const override { return true; }

  // Every line so far, "message key=value ...", one per line.
  std::string All() const {
    std::lock_guard<std::mutex> lock(mu_);
    std::string out;
    for (const std::string& l : lines_) {
      out += l + "\n";
    }
    return out;
  }

 private:
  mutable std::mutex mu_;
  std::vector<std::string> lines_;
};

}  // namespace ionos::fakes
