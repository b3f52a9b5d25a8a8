#include "tests/fuzz/fuzz_http_support.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

namespace ionos::fuzz {

void Check(bool condition, const char* what) {
  if (!condition) {
    std::fprintf(stderr, "fuzz check failed: %s\n", what);
    std::abort();
  }
}

void FormattingLogger::Log(LogLevel level, const std::string& message, const std::vector<LogField>& fields) {
  const std::string line = FormatHclogLine(level, "provider.ionos", "2026-01-01T00:00:00.000000Z", message, fields);
  Check(secret_.empty() || line.find(secret_) == std::string::npos, "a secret was logged");
}

Status FuzzClock::SleepFor(Duration d, const CancelToken*) const {
  now_ += std::max(d, Duration(0));
  return Status::Ok();
}

HttpResponse ParseScriptedResponse(std::string_view text) {
  HttpResponse response;
  const size_t head_end = text.find("\n\n");
  const std::string_view head = text.substr(0, head_end);
  if (head_end != std::string_view::npos) {
    response.body = std::string(text.substr(head_end + 2));
  }
  size_t line_start = 0;
  bool first = true;
  while (line_start <= head.size()) {
    const size_t line_end = head.find('\n', line_start);
    const std::string_view line =
        head.substr(line_start, line_end == std::string_view::npos ? head.npos : line_end - line_start);
    if (first) {
      int status = 0;
      for (char c : line.substr(0, 3)) {
        status = c >= '0' && c <= '9' ? status * 10 + (c - '0') : status;
      }
      response.status = status;
      first = false;
    } else if (size_t colon = line.find(':'); colon != std::string_view::npos) {
      std::string_view value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') {
        value.remove_prefix(1);
      }
      response.headers.emplace_back(std::string(line.substr(0, colon)), std::string(value));
    }
    if (line_end == std::string_view::npos) {
      break;
    }
    line_start = line_end + 1;
  }
  return response;
}

void TraceStep(const char* step, const Status& status) {
  static const bool enabled = std::getenv("IONOS_FUZZ_TRACE") != nullptr;
  if (enabled) {
    std::fprintf(stderr, "%s: %s\n", step, status.ToString().c_str());
  }
}

}  // namespace ionos::fuzz
