// What the emulators of the IONOS Cloud APIs share (the DNS API, emulator.h; the Certificate
// Manager API, certificate_manager_emulator.h): the error body
// {"httpStatus":..,"messages":[{"errorCode","message"}]}, offset/limit paging with `_links`, ids
// and dates as the APIs write them.
#pragma once

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace httplib {
struct Request;
struct Response;
}  // namespace httplib

namespace ionos::testing {

nlohmann::json ErrorBody(int status, const std::string& code, const std::string& message);
void SendJson(httplib::Response& res, int status, const nlohmann::json& body);
void SendError(httplib::Response& res, int status, const std::string& code, const std::string& message);
void SendValidationError(httplib::Response& res, const std::string& message);  // 400 paas-validation-1

std::optional<long long> ParseInteger(const std::string& s);

struct Paging {
  long long offset = 0;
  long long limit = 100;
};
// offset ≥ 0, limit 1..1000 (default 100). Answers 400 and returns nullopt when invalid.
std::optional<Paging> ParsePaging(const httplib::Request& req, httplib::Response& res);

// The fault switches every emulator has, applied in this order: 401 without `Bearer <token>` (or
// while `unauthorized`), 429 with Retry-After while *rate_limit_next > 0, then, when
// `server_error_applies`, server_error_status while `server_error_always` or *server_error_next > 0
// (a 503 carries Retry-After too). Each answered fault counts its switch down. False when the
// request was answered.
struct CommonFaults {
  bool unauthorized = false;
  int* rate_limit_next = nullptr;
  int retry_after_seconds = 1;
  bool server_error_always = false;
  int* server_error_next = nullptr;
  int server_error_status = 500;
};
bool PassCommonFaults(const httplib::Request& req, httplib::Response& res, const std::string& token,
                      const CommonFaults& faults, bool server_error_applies = true);

std::string Lower(std::string_view s);
std::string Upper(std::string_view s);
bool ContainsIgnoreCase(std::string_view haystack, std::string_view needle);
std::string NewId();   // a random UUID
std::string NowIso();  // yyyy-MM-dd'T'HH:mm:ss.SSS'Z', as the APIs format dates
std::string QueryEscape(std::string_view s);

// {"id","type":"collection","href","offset","limit","_links","items"} for all[offset, offset+limit),
// each item rendered by `render` (only the page's items are rendered). `_links.next` only while
// offset+limit < total, `prev` only when offset > 0.
template <typename T, typename Render>
nlohmann::json Collection(const std::string& base_url, const std::string& path,
                          const std::vector<std::pair<std::string, std::string>>& filters, const Paging& p,
                          const std::vector<T>& all, Render render) {
  auto url = [&](long long offset) {
    std::string q;
    for (const auto& [k, v] : filters) {
      q += k + "=" + QueryEscape(v) + "&";
    }
    q += "offset=" + std::to_string(offset) + "&limit=" + std::to_string(p.limit);
    return base_url + path + "?" + q;
  };
  nlohmann::json items = nlohmann::json::array();
  const long long total = static_cast<long long>(all.size());
  for (long long i = p.offset; i < total && i < p.offset + p.limit; ++i) {
    items.push_back(render(all[static_cast<size_t>(i)]));
  }
  nlohmann::json links = {{"self", url(p.offset)}};
  if (p.offset > 0) {
    links["prev"] = url(std::max<long long>(0, p.offset - p.limit));
  }
  if (p.offset + p.limit < total) {
    links["next"] = url(p.offset + p.limit);
  }
  return {{"id", NewId()},   {"type", "collection"}, {"href", base_url + path}, {"offset", p.offset},
          {"limit", p.limit}, {"_links", links},      {"items", items}};
}

}  // namespace ionos::testing
