#include "core/dns/ionos_cloud_dns.h"

#include <strings.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <ctime>
#include <set>
#include <utility>

#include <nlohmann/json.hpp>

#include "core/base/retry.h"
#include "core/base/strings.h"
#include "core/dns/dns_name.h"
#include "core/http/retry_after.h"

namespace ionos {

namespace {

using nlohmann::json;

constexpr const char* kApiName = "the IONOS Cloud DNS API";

// Percent-encodes one path segment (RFC 3986 §3.3: unreserved characters stay).
std::string EscapePathSegment(std::string_view s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
    }
  }
  return out;
}

std::string RecordPath(const std::string& zone_id, const std::string& record_id) {
  return "/zones/" + EscapePathSegment(zone_id) + "/records/" + EscapePathSegment(record_id);
}

const char* ReasonPhrase(int status) {
  switch (status) {
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Entity";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "";
  }
}

// "401 Unauthorized" or "HTTP 418".
std::string StatusLabel(int status) {
  const char* reason = ReasonPhrase(status);
  if (*reason == '\0') {
    return "HTTP " + std::to_string(status);
  }
  return std::to_string(status) + " " + reason;
}

// The human-readable part of an API error body:
//   {"httpStatus":401,"messages":[{"errorCode":"paas-auth-1","message":"Unauthorized, ..."}]}
// becomes "Unauthorized, ... [paas-auth-1]". A body that is not in this shape yields a short,
// printable excerpt of itself, or "" when empty.
std::string ApiErrorMessage(const std::string& body) {
  json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_object() && j.contains("messages") && j["messages"].is_array()) {
    std::string out;
    for (const json& m : j["messages"]) {
      if (!m.is_object()) {
        continue;
      }
      std::string text = m.value("message", std::string());
      const std::string code = m.value("errorCode", std::string());
      if (text.empty() && code.empty()) {
        continue;
      }
      if (!code.empty()) {
        text += (text.empty() ? "" : " ") + std::string("[") + code + "]";
      }
      out += (out.empty() ? "" : "; ") + text;
    }
    if (!out.empty()) {
      return out;
    }
  }
  // Not the documented shape (a proxy's page?): a short printable excerpt.
  std::string excerpt;
  for (char ch : body) {
    if (excerpt.size() >= 200) {
      excerpt += "...";
      break;
    }
    const auto c = static_cast<unsigned char>(ch);
    excerpt.push_back(std::isprint(c) ? ch : ' ');
  }
  while (!excerpt.empty() && excerpt.back() == ' ') {
    excerpt.pop_back();
  }
  return excerpt;
}

// Maps a final (not retried, or out of retries) HTTP error status to a Status.
Status ApiErrorStatus(int status, const std::string& message) {
  const std::string detail = StatusLabel(status) + (message.empty() ? "" : ": " + message);
  if (status == 401) {
    return UnauthenticatedError(std::string(kApiName) + " rejected the token (" + detail +
                                "); check the provider's token argument or IONOS_TOKEN");
  }
  if (status == 403) {
    return PermissionDeniedError(std::string(kApiName) + " denied access (" + detail +
                                 "); the token lacks permission for Cloud DNS");
  }
  if (status == 404) {
    return NotFoundError(std::string(kApiName) + " found no such resource (" + detail + ")");
  }
  if (status == 429) {
    return ResourceExhaustedError(std::string(kApiName) + " is rate limiting requests (" + detail + ")");
  }
  if (status >= 400 && status < 500) {
    return InvalidArgumentError(std::string(kApiName) + " refused the request (" + detail + ")");
  }
  return UnavailableError(std::string(kApiName) + " failed (" + detail + ")");
}

std::string StringMember(const json& j, const char* key) {
  if (j.is_object()) {
    auto it = j.find(key);
    if (it != j.end() && it->is_string()) {
      return it->get<std::string>();
    }
  }
  return "";
}

const json& ObjectMember(const json& j, const char* key) {
  static const json kEmpty = json::object();
  if (j.is_object()) {
    auto it = j.find(key);
    if (it != j.end() && it->is_object()) {
      return *it;
    }
  }
  return kEmpty;
}

Result<json> ParseBody(const HttpResponse& response) {
  json j = json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return UnavailableError(std::string(kApiName) + " answered HTTP " + std::to_string(response.status) +
                            " with a body that is not a JSON object");
  }
  return j;
}

DnsZone ZoneFromJson(const json& item) {
  DnsZone zone;
  zone.id = StringMember(item, "id");
  const json& metadata = ObjectMember(item, "metadata");
  zone.name = NormalizeDnsName(StringMember(ObjectMember(item, "properties"), "zoneName"));
  zone.state = StringMember(metadata, "state");
  auto ns = metadata.find("nameservers");
  if (ns != metadata.end() && ns->is_array()) {
    for (const json& n : *ns) {
      if (n.is_string()) {
        zone.nameservers.push_back(n.get<std::string>());
      }
    }
  }
  return zone;
}

Result<DnsRecord> RecordFromJson(const json& j) {
  DnsRecord record;
  record.id = StringMember(j, "id");
  const json& metadata = ObjectMember(j, "metadata");
  const json& properties = ObjectMember(j, "properties");
  record.zone_id = StringMember(metadata, "zoneId");
  record.state = StringMember(metadata, "state");
  record.fqdn = StringMember(metadata, "fqdn");
  // The published RecordRead has no failure message; take one if the API ever adds it.
  record.state_message = StringMember(metadata, "message");
  record.name = StringMember(properties, "name");
  record.type = StringMember(properties, "type");
  record.content = StringMember(properties, "content");
  auto ttl = properties.find("ttl");
  if (ttl != properties.end() && ttl->is_number_integer()) {
    record.ttl = ttl->get<int>();
  }
  auto enabled = properties.find("enabled");
  if (enabled != properties.end() && enabled->is_boolean()) {
    record.enabled = enabled->get<bool>();
  }
  if (record.id.empty()) {
    return UnavailableError(std::string(kApiName) + " answered with a record without an id");
  }
  return record;
}

const Clock& DefaultClock() {
  static const SystemClock clock;
  return clock;
}

Logger& DefaultLogger() {
  static NullLogger logger;
  return logger;
}

}  // namespace

// ---------------------------------------------------------------- IonosCloudDnsClient

Result<std::unique_ptr<IonosCloudDnsClient>> IonosCloudDnsClient::Create(IonosCloudDnsOptions options) {
  if (options.http == nullptr) {
    return InvalidArgumentError("IONOS Cloud DNS client: no HTTP client given");
  }
  if (options.token.empty()) {
    return InvalidArgumentError(
        "no IONOS Cloud API token: set the provider's token argument or the IONOS_TOKEN environment variable");
  }
  while (!options.base_url.empty() && options.base_url.back() == '/') {
    options.base_url.pop_back();
  }
  Result<ParsedUrl> url = ParseHttpUrl(options.base_url);
  if (!url.ok()) {
    return url.status().WithContext("IONOS Cloud DNS API URL");
  }
  // A path prefix is allowed (a proxy); a query is not.
  if (options.base_url.find('?') != std::string::npos) {
    return InvalidArgumentError("IONOS Cloud DNS API URL must not have a query: " + url->RedactedUrl());
  }
  if (options.max_retries < 0) {
    options.max_retries = 0;
  }
  if (options.page_limit < 1 || options.page_limit > 1000) {
    return InvalidArgumentError("IONOS Cloud DNS client: page_limit must be 1..1000, not " +
                                std::to_string(options.page_limit));
  }
  if (options.poll_initial.count() <= 0) {
    options.poll_initial = Duration(50);
  }
  if (options.poll_max < options.poll_initial) {
    options.poll_max = options.poll_initial;
  }
  if (options.initial_backoff.count() <= 0) {
    options.initial_backoff = Duration(200);
  }
  return std::unique_ptr<IonosCloudDnsClient>(new IonosCloudDnsClient(std::move(options)));
}

IonosCloudDnsClient::IonosCloudDnsClient(IonosCloudDnsOptions options) : options_(std::move(options)) {
  if (options_.clock == nullptr) {
    options_.clock = &DefaultClock();
  }
  if (options_.logger == nullptr) {
    options_.logger = &DefaultLogger();
  }
}

std::string IonosCloudDnsClient::Scrub(std::string text) const {
  const std::string& token = options_.token;
  if (token.size() < 4) {
    return text;  // too short to scrub without mangling ordinary text
  }
  for (size_t pos = text.find(token); pos != std::string::npos; pos = text.find(token, pos)) {
    text.replace(pos, token.size(), "[redacted]");
    pos += 10;
  }
  return text;
}

Result<HttpResponse> IonosCloudDnsClient::Call(const std::string& method, const std::string& path,
                                               const std::string& body, bool cancellable) {
  const CancelToken* cancel = cancellable ? options_.cancel : nullptr;
  HttpRequest request;
  request.method = method;
  request.url = options_.base_url + path;
  request.headers = {{"Authorization", "Bearer " + options_.token}, {"Accept", "application/json"}};
  if (!body.empty()) {
    request.headers.emplace_back("Content-Type", "application/json");
    request.body = body;
  }
  const std::string shown_url = options_.base_url + path.substr(0, path.find('?'));
  const std::string what = method + " " + shown_url;
  const bool idempotent = IsIdempotentMethod(method);
  Logger& log = *options_.logger;

  RetryBudget budget(*options_.clock,
                     RetryBudget::Limits{options_.max_retries,
                                         BackoffPolicy{options_.initial_backoff, options_.max_retry_wait},
                                         Duration::max(), Duration::max()});
  while (true) {
    Result<HttpResponse> result = options_.http->Do(request, cancel);
    std::optional<TimePoint> server_retry_at;
    Status failure;
    bool retryable = false;
    if (!result.ok()) {
      failure = Status(result.status().code(), Scrub(result.status().message()));
      // A transport failure of a POST may have reached the API: only idempotent calls repeat.
      retryable = failure.code() == StatusCode::kUnavailable && idempotent;
    } else {
      const HttpResponse& response = result.value();
      if (log.Enabled(LogLevel::kDebug)) {
        log.Debug("IONOS Cloud DNS API request",
                  {{"method", method}, {"url", shown_url}, {"status", std::to_string(response.status)},
                   {"attempt", std::to_string(budget.attempts())}});
      }
      if (response.status < 400) {
        return result;
      }
      const int status = response.status;
      failure = ApiErrorStatus(status, Scrub(ApiErrorMessage(response.body)));
      const bool throttled = status == 429 || status == 503;
      const bool transient = status == 500 || status == 502 || status == 504;
      retryable = throttled || (transient && idempotent);
      if (throttled) {
        server_retry_at = ParseRetryAfter(response.Header("Retry-After"), options_.clock->Now());
      }
    }
    std::optional<Duration> wait = retryable ? budget.NextWait() : std::nullopt;
    if (wait && server_retry_at) {
      // The API said when to come back: that replaces the backoff, within the cap on one wait.
      *wait = std::min(std::chrono::duration_cast<Duration>(*server_retry_at - options_.clock->Now()),
                       options_.max_retry_wait);
      *wait = std::max(*wait, Duration(0));
    }
    if (!wait) {
      if (retryable && budget.failures() > 1) {
        failure = failure.WithContext("giving up after " + std::to_string(budget.failures()) + " attempts");
      }
      return failure.WithContext(what);
    }
    log.Warn("retrying IONOS Cloud DNS API request",
             {{"method", method}, {"url", shown_url}, {"reason", failure.message()},
              {"wait", FormatDuration(*wait)}, {"attempt", std::to_string(budget.failures())}});
    Status slept = budget.Wait(*wait, cancel);
    if (!slept.ok()) {
      return slept.WithContext(what + " (waiting to retry after: " + failure.message() + ")");
    }
  }
}

Result<std::vector<DnsZone>> IonosCloudDnsClient::FetchAllZones() {
  std::vector<DnsZone> zones;
  size_t offset = 0;
  const size_t limit = static_cast<size_t>(options_.page_limit);
  // The API caps a listing at 1000 per page; 100000 pages is far beyond any account.
  for (int page = 0; page < 100000; ++page) {
    const std::string path = "/zones?offset=" + std::to_string(offset) + "&limit=" + std::to_string(limit);
    IONOS_ASSIGN_OR_RETURN(HttpResponse response, Call("GET", path, ""));
    IONOS_ASSIGN_OR_RETURN_CTX(json j, ParseBody(response), "GET " + options_.base_url + "/zones");
    auto items = j.find("items");
    if (items == j.end() || !items->is_array()) {
      return UnavailableError(std::string(kApiName) + " answered GET /zones without an \"items\" list");
    }
    for (const json& item : *items) {
      DnsZone zone = ZoneFromJson(item);
      if (!zone.id.empty() && !zone.name.empty()) {
        zones.push_back(std::move(zone));
      }
    }
    const size_t n = items->size();
    // `_links.next` is present exactly when more elements follow. Without `_links` at all, a full
    // page means there may be more.
    bool more;
    auto links = j.find("_links");
    if (links != j.end() && links->is_object()) {
      more = links->contains("next") && !StringMember(*links, "next").empty();
    } else {
      more = n >= limit;
    }
    if (!more || n == 0) {
      return zones;
    }
    offset += n;
  }
  return UnavailableError(std::string(kApiName) + " keeps announcing further pages of zones");
}

Result<std::vector<DnsZone>> IonosCloudDnsClient::ListZones() {
  std::lock_guard<std::mutex> lock(zones_mu_);
  if (zones_.has_value()) {
    return *zones_;
  }
  IONOS_ASSIGN_OR_RETURN_CTX(std::vector<DnsZone> zones, FetchAllZones(), "listing IONOS Cloud DNS zones");
  options_.logger->Debug("listed IONOS Cloud DNS zones", {{"count", std::to_string(zones.size())}});
  zones_ = zones;
  return zones;
}

Result<DnsZone> IonosCloudDnsClient::FindZoneForName(const std::string& fqdn) {
  return DnsProvider::FindZoneForName(fqdn).WithContext("finding the IONOS Cloud DNS zone for \"" +
                                                        NormalizeDnsName(fqdn) + "\"");
}

Result<DnsRecord> IonosCloudDnsClient::EnsureTxtRecord(const DnsZone& zone, const std::string& record_id,
                                                       const std::string& relative_name, const std::string& value,
                                                       int ttl) {
  const std::string context = "writing TXT record \"" + relative_name + "\" in zone " + zone.name;
  if (zone.id.empty() || record_id.empty()) {
    return InvalidArgumentError("zone id and record id are required").WithContext(context);
  }
  json body = {{"properties",
                {{"name", relative_name}, {"type", "TXT"}, {"content", value}, {"ttl", ttl}, {"enabled", true}}}};
  IONOS_ASSIGN_OR_RETURN_CTX(HttpResponse response, Call("PUT", RecordPath(zone.id, record_id), body.dump()),
                             context);
  IONOS_ASSIGN_OR_RETURN_CTX(json j, ParseBody(response), context);
  IONOS_ASSIGN_OR_RETURN_CTX(DnsRecord record, RecordFromJson(j), context);
  if (record.zone_id.empty()) {
    record.zone_id = zone.id;
  }
  options_.logger->Debug("wrote TXT record", {{"zone", zone.name},
                                              {"name", relative_name},
                                              {"record_id", record.id},
                                              {"state", record.state}});
  return record;
}

Result<DnsRecord> IonosCloudDnsClient::GetRecord(const std::string& zone_id, const std::string& record_id) {
  IONOS_ASSIGN_OR_RETURN(HttpResponse response, Call("GET", RecordPath(zone_id, record_id), ""));
  IONOS_ASSIGN_OR_RETURN(json j, ParseBody(response));
  return RecordFromJson(j);
}

Status IonosCloudDnsClient::WaitRecordAvailable(const std::string& zone_id, const std::string& record_id,
                                                Duration timeout) {
  const std::string context = "waiting for DNS record " + record_id + " in zone " + zone_id + " to be provisioned";
  const Clock& clock = *options_.clock;
  const TimePoint start = clock.Now();
  PollOptions poll;
  poll.timeout = timeout;
  poll.initial_interval = options_.poll_initial;
  poll.max_interval = options_.poll_max;
  poll.poll_first = true;
  Status waited = Poll(clock, options_.cancel, poll,
                       "DNS record " + record_id + " in zone " + zone_id + " to be provisioned", PollProgress{},
                       [&]() -> Result<PollProgress> {
                         IONOS_ASSIGN_OR_RETURN(DnsRecord record, GetRecord(zone_id, record_id));
                         const std::string label = record.fqdn.empty() ? record.name : record.fqdn;
                         if (record.state == "AVAILABLE") {
                           options_.logger->Debug(
                               "DNS record available",
                               {{"record_id", record_id},
                                {"fqdn", label},
                                {"after", FormatDuration(std::chrono::duration_cast<Duration>(clock.Now() - start))}});
                           return PollProgress{true, "", std::nullopt};
                         }
                         if (record.state == "FAILED") {
                           const std::string& message = record.state_message;
                           return UnavailableError(std::string(kApiName) + " reports that provisioning record " +
                                                   label + " FAILED" + (message.empty() ? "" : ": " + message) +
                                                   "; the record was not published");
                         }
                         if (record.state == "DESTROYING") {
                           return FailedPreconditionError("record " + label + " is being deleted (state DESTROYING)");
                         }
                         return PollProgress{false,
                                             ": record " + label + " still " +
                                                 (record.state.empty() ? std::string("not available") : record.state),
                                             std::nullopt};
                       });
  if (waited.code() == StatusCode::kDeadlineExceeded || waited.code() == StatusCode::kCancelled) {
    return waited;  // the message already says what was awaited
  }
  return waited.WithContext(context);
}

Status IonosCloudDnsClient::DeleteRecord(const std::string& zone_id, const std::string& record_id) {
  const std::string context = "deleting DNS record " + record_id + " in zone " + zone_id;
  // Cleanup always runs: not cancelled by StopProvider.
  Result<HttpResponse> response = Call("DELETE", RecordPath(zone_id, record_id), "", /*cancellable=*/false);
  if (!response.ok()) {
    if (response.status().code() == StatusCode::kNotFound) {
      options_.logger->Debug("DNS record already gone", {{"record_id", record_id}});
      return Status::Ok();
    }
    return response.status().WithContext(context);
  }
  options_.logger->Debug("deleted DNS record", {{"zone_id", zone_id}, {"record_id", record_id}});
  return Status::Ok();
}

}  // namespace ionos
