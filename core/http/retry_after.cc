#include "core/http/retry_after.h"

#include <algorithm>
#include <cctype>
#include <ctime>
#include <string>

#include "core/base/strings.h"

namespace ionos {

std::optional<TimePoint> ParseRetryAfter(std::string_view value, TimePoint now) {
  const std::string v(TrimSpace(value));
  if (v.empty()) {
    return std::nullopt;
  }
  if (std::all_of(v.begin(), v.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
    if (v.size() > 9) {
      return std::nullopt;
    }
    return now + std::chrono::seconds(std::stol(v));
  }
  // IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT" (RFC 9110 §5.6.7).
  std::tm tm{};
  const char* end = strptime(v.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (end == nullptr || *end != '\0') {
    return std::nullopt;
  }
  const TimePoint t = TimePointFromTimeT(timegm(&tm));
  return t < now ? now : t;
}

}  // namespace ionos
