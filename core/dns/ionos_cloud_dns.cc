#include "core/dns/ionos_cloud_dns.h"

#include <strings.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <ctime>
#include <limits>
#include <optional>
#include <set>
#include <utility>

#include <nlohmann/json.hpp>

#include "core/base/json.h"
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

// A short, printable excerpt of an answer's body for an error message ("" when empty).
std::string PrintableExcerpt(const std::string& body) {
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

// The human-readable part of an API error body:
//   {"httpStatus":401,"messages":[{"errorCode":"paas-auth-1","message":"Unauthorized, ..."}]}
// becomes "Unauthorized, ... [paas-auth-1]". JSON of another shape (a member of another type, no
// "messages" list) says what was wrong, with an excerpt:
//   "an error body of the wrong shape (messages[0].message is an object, not a string): {...}"
// A body that is not JSON at all (a proxy's page?) yields a short printable excerpt of itself, or
// "" when empty. Never throws, whatever the body holds (issue 13.3).
std::string ApiErrorMessage(const std::string& body) {
  const std::optional<json> parsed = ParseJson(body);
  if (!parsed) {
    return PrintableExcerpt(body);
  }
  const json& j = *parsed;
  std::string wrong;  // the first deviation from the documented shape
  auto note = [&wrong](std::string what) {
    if (wrong.empty()) {
      wrong = std::move(what);
    }
  };
  std::string out;
  const json* messages = JsonMember(j, "messages");
  if (!j.is_object()) {
    note(std::string("the body is ") + JsonTypeName(j) + ", not an object");
  } else if (messages == nullptr) {
    note("no \"messages\" list");
  } else if (!messages->is_array()) {
    note(std::string("\"messages\" is ") + JsonTypeName(*messages) + ", not a list");
  } else {
    size_t index = 0;
    for (const json& m : *messages) {
      const std::string at = "messages[" + std::to_string(index++) + "]";
      if (!m.is_object()) {
        note(at + " is " + JsonTypeName(m) + ", not an object");
        continue;
      }
      std::string text;
      std::string code;
      for (const auto& [key, target] : {std::pair<const char*, std::string*>{"message", &text},
                                        std::pair<const char*, std::string*>{"errorCode", &code}}) {
        const json* member = JsonMember(m, key);
        if (member == nullptr) {
          continue;
        }
        if (member->is_string()) {
          *target = member->get_ref<const std::string&>();
        } else {
          note(at + "." + key + " is " + JsonTypeName(*member) + ", not a string");
        }
      }
      if (text.empty() && code.empty()) {
        continue;
      }
      if (!code.empty()) {
        text += (text.empty() ? "" : " ") + std::string("[") + code + "]";
      }
      out += (out.empty() ? "" : "; ") + text;
    }
  }
  if (!out.empty()) {
    return TerminalSafe(out);  // what the API meant to say, even when some other entry is malformed
  }
  const std::string excerpt = PrintableExcerpt(body);
  if (wrong.empty()) {
    return excerpt;  // the documented shape, with nothing in it
  }
  return "an error body of the wrong shape (" + wrong + ")" + (excerpt.empty() ? "" : ": " + excerpt);
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

Result<json> ParseBody(const HttpResponse& response) {
  std::optional<json> j = ParseJson(response.body);
  if (!j || !j->is_object()) {
    return UnavailableError(std::string(kApiName) + " answered HTTP " + std::to_string(response.status) +
                            " with a body that is not a JSON object");
  }
  return std::move(*j);
}

// `text` with every occurrence of the API token replaced by "[redacted]".
std::string ScrubToken(std::string text, const std::string& token) {
  if (token.size() < 4) {
    return text;  // too short to scrub without mangling ordinary text
  }
  for (size_t pos = text.find(token); pos != std::string::npos; pos = text.find(token, pos)) {
    text.replace(pos, token.size(), "[redacted]");
    pos += 10;
  }
  return text;
}

// Members of another type read as absent (the zone is then skipped for lack of an id or name).
// Every string read from an answer is scrubbed of the token: zone and record fields end up in
// messages and logs.
DnsZone ZoneFromJson(const json& item, const std::string& token) {
  DnsZone zone;
  zone.id = ScrubToken(JsonString(item, "id"), token);
  const json& metadata = JsonObject(item, "metadata");
  zone.name = ScrubToken(NormalizeDnsName(JsonString(JsonObject(item, "properties"), "zoneName")), token);
  zone.state = ScrubToken(JsonString(metadata, "state"), token);
  for (std::string& ns : JsonStrings(metadata, "nameservers")) {
    zone.nameservers.push_back(ScrubToken(std::move(ns), token));
  }
  return zone;
}

Result<DnsRecord> RecordFromJson(const json& j, const std::string& token) {
  auto text = [&token](const json& object, const char* key) { return ScrubToken(JsonString(object, key), token); };
  DnsRecord record;
  record.id = text(j, "id");
  const json& metadata = JsonObject(j, "metadata");
  const json& properties = JsonObject(j, "properties");
  record.zone_id = text(metadata, "zoneId");
  record.state = text(metadata, "state");
  record.fqdn = text(metadata, "fqdn");
  // The published RecordRead has no failure message; take one if the API ever adds it.
  record.state_message = text(metadata, "message");
  record.name = text(properties, "name");
  record.type = text(properties, "type");
  record.content = text(properties, "content");
  record.ttl = static_cast<int>(JsonInteger(properties, "ttl", 0, std::numeric_limits<int>::max()).value_or(0));
  record.enabled = JsonBool(properties, "enabled").value_or(true);
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

std::string IonosCloudDnsClient::Scrub(std::string text) const { return ScrubToken(std::move(text), options_.token); }

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
    const json* items = JsonMember(j, "items");
    if (items == nullptr || !items->is_array()) {
      return UnavailableError(std::string(kApiName) + " answered GET /zones without an \"items\" list");
    }
    for (const json& item : *items) {
      DnsZone zone = ZoneFromJson(item, options_.token);
      if (!zone.id.empty() && !zone.name.empty()) {
        zones.push_back(std::move(zone));
      }
    }
    const size_t n = items->size();
    // `_links.next` is present exactly when more elements follow. Without `_links` at all, a full
    // page means there may be more.
    bool more;
    const json* links = JsonMember(j, "_links");
    if (links != nullptr && links->is_object()) {
      more = !JsonString(*links, "next").empty();
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
  Result<DnsZone> zone = DnsProvider::FindZoneForName(fqdn);
  if (!zone.ok() && zone.status().code() != StatusCode::kNotFound) {
    return zone.status().WithContext("finding the IONOS Cloud DNS zone for \"" + NormalizeDnsName(fqdn) + "\"");
  }
  return zone;
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
  IONOS_ASSIGN_OR_RETURN_CTX(HttpResponse response, Call("PUT", RecordPath(zone.id, record_id), DumpJson(body)),
                             context);
  IONOS_ASSIGN_OR_RETURN_CTX(json j, ParseBody(response), context);
  IONOS_ASSIGN_OR_RETURN_CTX(DnsRecord record, RecordFromJson(j, options_.token), context);
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
  return RecordFromJson(j, options_.token);
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
  poll.learned = &provisioning_wait_;
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
