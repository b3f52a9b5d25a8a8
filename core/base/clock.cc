#include "core/base/clock.h"

#include <openssl/rand.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <thread>

namespace ionos {

const Clock& DefaultClock() {
  static const SystemClock clock;
  return clock;
}

void CancelToken::Cancel() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    cancelled_.store(true, std::memory_order_release);
  }
  cv_.notify_all();
}

bool CancelToken::WaitFor(Duration d) const {
  std::unique_lock<std::mutex> lock(mu_);
  return !cv_.wait_for(lock, d, [this] { return cancelled_.load(std::memory_order_acquire); });
}

TimePoint SystemClock::Now() const { return std::chrono::system_clock::now() + offset_; }

Status SystemClock::SleepFor(Duration d, const CancelToken* cancel) const {
  if (cancel == nullptr) {
    std::this_thread::sleep_for(d);
    return Status::Ok();
  }
  if (cancel->cancelled() || !cancel->WaitFor(d)) return CancelledError("operation cancelled");
  return Status::Ok();
}

Result<std::string> Random::Bytes(size_t n) {
  std::string out(n, '\0');
  IONOS_RETURN_IF_ERROR(Fill(reinterpret_cast<uint8_t*>(out.data()), n));
  return out;
}

Status SystemRandom::Fill(uint8_t* out, size_t n) {
  if (n == 0) return Status::Ok();
  if (RAND_bytes(out, static_cast<int>(n)) != 1) return InternalError("RAND_bytes failed");
  return Status::Ok();
}

TimePoint TimePointFromTimeT(std::time_t t) {
  return std::chrono::system_clock::from_time_t(std::clamp(t, kEarliestTime, kLatestTime));
}

TimePoint AddDays(TimePoint t, int64_t days) {
  // Beyond ±200000 days every result saturates anyway; the bound keeps the products in range.
  constexpr int64_t kMaxDays = 200000;
  days = std::clamp<int64_t>(days, -kMaxDays, kMaxDays);
  const auto whole = std::chrono::floor<std::chrono::seconds>(t);
  const int64_t seconds = whole.time_since_epoch().count() + days * 86400;
  if (seconds >= kLatestTime) {
    return TimePointFromTimeT(kLatestTime);
  }
  if (seconds <= kEarliestTime) {
    return TimePointFromTimeT(kEarliestTime);
  }
  return TimePointFromTimeT(static_cast<std::time_t>(seconds)) + (t - whole);
}

Result<Duration> ParseDuration(const std::string& text) {
  auto bad = [&]() {
    return InvalidArgumentError("\"" + text + "\" is not a duration; write it like \"90s\", \"2m\" or \"1h30m\"");
  };
  if (text.empty()) {
    return bad();
  }
  constexpr int64_t kMaxMillis = int64_t{1000} * 3600 * 1000;
  int64_t total = 0;
  size_t i = 0;
  while (i < text.size()) {
    if (text[i] < '0' || text[i] > '9') {
      return bad();
    }
    int64_t n = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      n = n * 10 + (text[i] - '0');
      if (n > kMaxMillis) {
        return bad();
      }
      ++i;
    }
    int64_t unit = 0;
    if (text.compare(i, 2, "ms") == 0) {
      unit = 1;
      i += 2;
    } else if (i < text.size() && text[i] == 's') {
      unit = 1000;
      ++i;
    } else if (i < text.size() && text[i] == 'm') {
      unit = 60 * 1000;
      ++i;
    } else if (i < text.size() && text[i] == 'h') {
      unit = 3600 * 1000;
      ++i;
    } else {
      return bad();
    }
    if (n > kMaxMillis / unit || total + n * unit > kMaxMillis) {
      return bad();
    }
    total += n * unit;
  }
  return Duration(total);
}

std::string FormatRfc3339(TimePoint t) {
  std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string FormatCompactUtc(TimePoint t) {
  std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

Result<TimePoint> ParseRfc3339(const std::string& s) {
  // YYYY-MM-DDThh:mm:ss[.frac](Z|±hh:mm)
  int y, mo, d, h, mi, sec;
  int consumed = 0;
  if (std::sscanf(s.c_str(), "%4d-%2d-%2d%*1[Tt ]%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &consumed) != 6 ||
      consumed == 0) {
    return InvalidArgumentError("not an RFC 3339 timestamp: \"" + s + "\"");
  }
  size_t pos = static_cast<size_t>(consumed);
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos]))) ++pos;
  }
  long offset_seconds = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int oh, om;
    if (std::sscanf(s.c_str() + pos + 1, "%2d:%2d", &oh, &om) != 2) {
      return InvalidArgumentError("bad time zone offset in \"" + s + "\"");
    }
    offset_seconds = (oh * 3600L + om * 60L) * (s[pos] == '-' ? -1 : 1);
    pos += 6;
  } else {
    return InvalidArgumentError("RFC 3339 timestamp needs a time zone (Z or ±hh:mm): \"" + s + "\"");
  }
  if (pos != s.size()) return InvalidArgumentError("trailing characters in timestamp \"" + s + "\"");
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) {
    return InvalidArgumentError("timestamp out of range: \"" + s + "\"");
  }
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = sec;
  std::time_t tt = timegm(&tm);
  return TimePointFromTimeT(tt - offset_seconds);
}

std::string FormatDuration(Duration d) {
  const long long ms = d.count();
  if (ms < 1000) {
    return std::to_string(ms) + "ms";
  }
  const long long minutes = ms / 60000;
  const long long rest_ms = ms % 60000;
  std::string seconds = std::to_string(rest_ms / 1000);
  if (rest_ms % 1000 != 0) {
    char frac[8];
    std::snprintf(frac, sizeof frac, ".%03lld", rest_ms % 1000);
    std::string f = frac;
    while (f.back() == '0') {
      f.pop_back();
    }
    seconds += f;
  }
  return (minutes > 0 ? std::to_string(minutes) + "m" : std::string()) + seconds + "s";
}

}  // namespace ionos
