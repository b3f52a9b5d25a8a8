#include "tests/dns_emulator/api_support.h"

#include <httplib.h>

#include <cctype>
#include <charconv>
#include <chrono>
#include <cstdio>

#include "core/base/clock.h"
#include "core/base/encoding.h"
#include "core/http/ionos_api.h"

namespace ionos::testing {

using json = nlohmann::json;

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return out;
}

bool ContainsIgnoreCase(std::string_view haystack, std::string_view needle) {
  return Lower(haystack).find(Lower(needle)) != std::string::npos;
}

std::string NewId() {
  SystemRandom random;
  Result<std::string> id = NewUuid(random);
  return id.ok() ? *id : "00000000-0000-4000-8000-000000000000";
}

// yyyy-MM-dd'T'HH:mm:ss.SSS'Z', as the API formats dates.
std::string NowIso() {
  const auto now = std::chrono::system_clock::now();
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::string s = FormatRfc3339(now);  // ...SSZ
  char frac[8];
  std::snprintf(frac, sizeof frac, ".%03lld", static_cast<long long>(ms));
  return s.substr(0, s.size() - 1) + frac + "Z";
}

std::string QueryEscape(std::string_view s) { return EscapeQueryValue(s); }

json ErrorBody(int status, const std::string& code, const std::string& message) {
  return {{"httpStatus", status}, {"messages", json::array({{{"errorCode", code}, {"message", message}}})}};
}

void SendJson(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_content(body.dump(), "application/json");
}

void SendError(httplib::Response& res, int status, const std::string& code, const std::string& message) {
  SendJson(res, status, ErrorBody(status, code, message));
}

void SendValidationError(httplib::Response& res, const std::string& message) {
  SendError(res, 400, "paas-validation-1", message);
}

std::optional<long long> ParseInteger(const std::string& s) {
  long long v = 0;
  const char* end = s.data() + s.size();
  auto [ptr, ec] = std::from_chars(s.data(), end, v);
  if (ec != std::errc() || ptr != end || s.empty()) {
    return std::nullopt;
  }
  return v;
}

// offset ≥ 0, limit 1..1000 (default 100). Answers 400 and returns nullopt when invalid.
std::optional<Paging> ParsePaging(const httplib::Request& req, httplib::Response& res) {
  Paging p;
  if (req.has_param("offset")) {
    std::optional<long long> v = ParseInteger(req.get_param_value("offset"));
    if (!v || *v < 0) {
      SendValidationError(res, "offset: must be an integer greater than or equal to 0");
      return std::nullopt;
    }
    p.offset = *v;
  }
  if (req.has_param("limit")) {
    std::optional<long long> v = ParseInteger(req.get_param_value("limit"));
    if (!v || *v < 1 || *v > 1000) {
      SendValidationError(res, "limit: must be an integer between 1 and 1000");
      return std::nullopt;
    }
    p.limit = *v;
  }
  return p;
}

bool PassCommonFaults(const httplib::Request& req, httplib::Response& res, const std::string& token,
                      const CommonFaults& f, bool server_error_applies) {
  if (f.unauthorized || req.get_header_value("Authorization") != "Bearer " + token) {
    SendError(res, 401, "paas-auth-1", "Unauthorized, wrong or no api key provided to process this request");
    return false;
  }
  if (*f.rate_limit_next > 0) {
    --*f.rate_limit_next;
    res.set_header("Retry-After", std::to_string(f.retry_after_seconds));
    SendError(res, 429, "paas-rate-limit-1",
              "Too many requests; retry after " + std::to_string(f.retry_after_seconds) + " seconds");
    return false;
  }
  if (server_error_applies && (f.server_error_always || *f.server_error_next > 0)) {
    if (!f.server_error_always) {
      --*f.server_error_next;
    }
    if (f.server_error_status == 503) {
      res.set_header("Retry-After", std::to_string(f.retry_after_seconds));
    }
    SendError(res, f.server_error_status, "paas-internal-1",
              "Internal error while processing the request (injected by the emulator)");
    return false;
  }
  return true;
}

}  // namespace ionos::testing
