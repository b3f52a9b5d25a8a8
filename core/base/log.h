// Structured logging as hclog JSON lines.
//
// Terraform reads the plugin's stderr line by line; JSON lines of the form
//   {"@level":"info","@message":"...","@timestamp":"2006-01-02T15:04:05.000000Z","@module":"provider.ionos","k":"v"}
// are re-logged at that level. Never pass a secret as a message or field.
#pragma once

#include <cstdio>
#include <initializer_list>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace ionos {

enum class LogLevel { kTrace = 0, kDebug, kInfo, kWarn, kError, kOff };

using LogField = std::pair<std::string, std::string>;

class Logger {
 public:
  virtual ~Logger() = default;
  virtual void Log(LogLevel level, const std::string& message, const std::vector<LogField>& fields) = 0;
  virtual bool Enabled(LogLevel level) const = 0;

  void Trace(const std::string& m, const std::vector<LogField>& f = {}) { Log(LogLevel::kTrace, m, f); }
  void Debug(const std::string& m, const std::vector<LogField>& f = {}) { Log(LogLevel::kDebug, m, f); }
  void Info(const std::string& m, const std::vector<LogField>& f = {}) { Log(LogLevel::kInfo, m, f); }
  void Warn(const std::string& m, const std::vector<LogField>& f = {}) { Log(LogLevel::kWarn, m, f); }
  void Error(const std::string& m, const std::vector<LogField>& f = {}) { Log(LogLevel::kError, m, f); }
};

// Discards everything.
class NullLogger : public Logger {
 public:
  void Log(LogLevel, const std::string&, const std::vector<LogField>&) override {}
  bool Enabled(LogLevel) const override { return false; }
};

// The one NullLogger of the process, for components given no logger.
Logger& DiscardLogger();

// Writes hclog JSON lines to a FILE* (stderr in the plugin). Thread-safe.
class HclogLogger : public Logger {
 public:
  HclogLogger(FILE* out, LogLevel min_level, std::string module);
  void Log(LogLevel level, const std::string& message, const std::vector<LogField>& fields) override;
  bool Enabled(LogLevel level) const override { return level >= min_level_ && min_level_ != LogLevel::kOff; }

  // Reads TF_LOG_PROVIDER, then TF_LOG (TRACE|DEBUG|INFO|WARN|ERROR|OFF|JSON); default INFO.
  static LogLevel LevelFromEnvironment();

 private:
  FILE* out_;
  LogLevel min_level_;
  std::string module_;
  std::mutex mu_;
};

// Writes readable lines for people ("warning: message (key=value, ...)") to a FILE* (stderr of
// the commands). Levels below `min_level` are dropped. Thread-safe.
class TextLogger : public Logger {
 public:
  TextLogger(FILE* out, LogLevel min_level) : out_(out), min_level_(min_level) {}
  void Log(LogLevel level, const std::string& message, const std::vector<LogField>& fields) override;
  bool Enabled(LogLevel level) const override { return level >= min_level_ && min_level_ != LogLevel::kOff; }

 private:
  FILE* out_;
  LogLevel min_level_;
  std::mutex mu_;
};

// Formats one hclog JSON line (without newline). Exposed for tests.
std::string FormatHclogLine(LogLevel level, const std::string& module, const std::string& timestamp,
                            const std::string& message, const std::vector<LogField>& fields);

}  // namespace ionos
