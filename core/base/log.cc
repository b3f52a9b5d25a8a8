#include "core/base/log.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <strings.h>

namespace ionos {

Logger& DiscardLogger() {
  static NullLogger logger;
  return logger;
}

namespace {

const char* LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kTrace: return "trace";
    case LogLevel::kDebug: return "debug";
    case LogLevel::kInfo: return "info";
    case LogLevel::kWarn: return "warn";
    case LogLevel::kError: return "error";
    case LogLevel::kOff: return "off";
  }
  return "info";
}

std::string NowTimestamp() {
  auto now = std::chrono::system_clock::now();
  auto micros = std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count() % 1000000;
  std::time_t tt = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[64];
  size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof buf - n, ".%06ldZ", static_cast<long>(micros));
  return buf;
}

}  // namespace

std::string FormatHclogLine(LogLevel level, const std::string& module, const std::string& timestamp,
                            const std::string& message, const std::vector<LogField>& fields) {
  nlohmann::ordered_json j;
  j["@level"] = LevelName(level);
  j["@message"] = message;
  j["@module"] = module;
  j["@timestamp"] = timestamp;
  for (const auto& [k, v] : fields) {
    if (k.empty() || k[0] == '@') continue;
    j[k] = v;
  }
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

HclogLogger::HclogLogger(FILE* out, LogLevel min_level, std::string module)
    : out_(out), min_level_(min_level), module_(std::move(module)) {}

void HclogLogger::Log(LogLevel level, const std::string& message, const std::vector<LogField>& fields) {
  if (!Enabled(level)) return;
  std::string line = FormatHclogLine(level, module_, NowTimestamp(), message, fields);
  line.push_back('\n');
  std::lock_guard<std::mutex> lock(mu_);
  std::fwrite(line.data(), 1, line.size(), out_);
  std::fflush(out_);
}

void TextLogger::Log(LogLevel level, const std::string& message, const std::vector<LogField>& fields) {
  if (!Enabled(level)) return;
  std::string line = level == LogLevel::kWarn ? "warning" : LevelName(level);
  line += ": " + message;
  if (!fields.empty()) {
    line += " (";
    for (size_t i = 0; i < fields.size(); ++i) {
      line += (i == 0 ? "" : ", ") + fields[i].first + "=" + fields[i].second;
    }
    line += ")";
  }
  line.push_back('\n');
  std::lock_guard<std::mutex> lock(mu_);
  std::fwrite(line.data(), 1, line.size(), out_);
  std::fflush(out_);
}

LogLevel HclogLogger::LevelFromEnvironment() {
  const char* v = std::getenv("TF_LOG_PROVIDER");
  if (v == nullptr || *v == '\0') v = std::getenv("TF_LOG");
  if (v == nullptr || *v == '\0') return LogLevel::kInfo;
  if (strcasecmp(v, "TRACE") == 0 || strcasecmp(v, "JSON") == 0) return LogLevel::kTrace;
  if (strcasecmp(v, "DEBUG") == 0) return LogLevel::kDebug;
  if (strcasecmp(v, "INFO") == 0) return LogLevel::kInfo;
  if (strcasecmp(v, "WARN") == 0) return LogLevel::kWarn;
  if (strcasecmp(v, "ERROR") == 0) return LogLevel::kError;
  if (strcasecmp(v, "OFF") == 0) return LogLevel::kOff;
  return LogLevel::kInfo;
}

}  // namespace ionos
