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
#include "core/http/ionos_api.h"
#include "core/base/strings.h"
#include "core/dns/dns_name.h"

namespace ionos {

namespace {

using nlohmann::json;

constexpr const char* kApiName = "the IONOS Cloud DNS API";

std::string RecordPath(const std::string& zone_id, const std::string& record_id) {
  return "/zones/" + EscapePathSegment(zone_id) + "/records/" + EscapePathSegment(record_id);
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
  IONOS_RETURN_IF_ERROR(NormalizeIonosApiBaseUrl(&options.base_url, "IONOS Cloud DNS API URL"));
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

namespace {

IonosCloudDnsOptions WithDefaults(IonosCloudDnsOptions options) {
  if (options.clock == nullptr) {
    options.clock = &DefaultClock();
  }
  if (options.logger == nullptr) {
    options.logger = &DiscardLogger();
  }
  return options;
}

}  // namespace

IonosCloudDnsClient::IonosCloudDnsClient(IonosCloudDnsOptions options)
    : options_(WithDefaults(std::move(options))), api_(IonosApiOptionsOf(options_, kApiName, "Cloud DNS")) {}

std::string IonosCloudDnsClient::Scrub(std::string text) const { return api_.Scrub(std::move(text)); }

Result<HttpResponse> IonosCloudDnsClient::Call(const std::string& method, const std::string& path,
                                               const std::string& body, bool cancellable) {
  return api_.Call(method, path, body, cancellable);
}

Result<std::vector<DnsZone>> IonosCloudDnsClient::FetchAllZones() {
  std::vector<DnsZone> zones;
  size_t offset = 0;
  const size_t limit = static_cast<size_t>(options_.page_limit);
  // The API caps a listing at 1000 per page; 100000 pages is far beyond any account.
  for (int page = 0; page < 100000; ++page) {
    const std::string path = "/zones?offset=" + std::to_string(offset) + "&limit=" + std::to_string(limit);
    IONOS_ASSIGN_OR_RETURN(HttpResponse response, Call("GET", path, ""));
    IONOS_ASSIGN_OR_RETURN_CTX(json j, api_.ParseBody(response), "GET " + options_.base_url + "/zones");
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
  IONOS_ASSIGN_OR_RETURN_CTX(json j, api_.ParseBody(response), context);
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
  IONOS_ASSIGN_OR_RETURN(json j, api_.ParseBody(response));
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
