// File: core/dns/ionos_cloud_dns.h
//
// IonosCloudDnsClient: the DnsProvider (core/dns/dns_provider.h) for the IONOS Cloud DNS API.
//
// IonosCloudDnsClient speaks the IONOS Cloud DNS API (https://dns.de-fra.ionos.com, its published API description):
//   GET    /zones?offset=&limit=                      zones, paged (limit ≤ 1000, `_links.next`)
//   PUT    /zones/{zoneId}/records/{recordId}         "ensure" a record; 202 + state PROVISIONING
//   GET    /zones/{zoneId}/records/{recordId}         state PROVISIONING|AVAILABLE|DESTROYING|FAILED
//   DELETE /zones/{zoneId}/records/{recordId}         202; 404 = already gone
// Record names are relative to their zone ("_acme-challenge.www" in zone example.com). The client
// never POSTs: a record is created by PUT with an id the caller chose (a fresh UUID), so every call
// is idempotent and may be retried after a lost answer without creating duplicates.
//
// Contracts of IonosCloudDnsClient:
//   - Authentication is `Authorization: Bearer <token>`. The token never appears in errors or logs
//     (whatever an answer echoes, messages, zone and record fields, is scrubbed too).
//   - Errors carry the API's own message ({"httpStatus":..,"messages":[{"errorCode","message"}]}):
//       401 → kUnauthenticated  "the IONOS Cloud DNS API rejected the token (401 Unauthorized: <message>)"
//       403 → kPermissionDenied, 404 → kNotFound, other 4xx → kInvalidArgument,
//       429 → kResourceExhausted (after retries), 5xx and transport errors → kUnavailable.
//     Each layer adds context ("writing TXT record _acme-challenge.www in zone example.com: PUT
//     https://dns.../zones/<id>/records/<id>: ...").
//   - Answers are untrusted: reading them never throws (core/base/json.h). An error body of another
//     shape is reported as such ("500 Internal Server Error: an error body of the wrong shape
//     (messages[0].message is an object, not a string): {...}"); a success body that is not a JSON
//     object, or a record without an id, is kUnavailable; members of other types read as absent.
//   - Retries: 429 and 503 are retried after Retry-After (delay-seconds or HTTP-date; without it,
//     exponential backoff), at most `max_retries` times, each wait capped at `max_retry_wait`.
//     500/502/504 and transport errors are retried the same way but only for idempotent methods
//     (GET, PUT, DELETE). Waits go through Clock::SleepFor and end early with kCancelled when the
//     CancelToken fires.
//   - The zone list is fetched once per client instance (all pages) and cached; concurrent first
//     callers share one fetch. Create a new client to see zones added later.
//   - Thread-safe: one client may serve many concurrent certificate orders.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/clock.h"
#include "core/base/retry.h"
#include "core/http/http.h"
#include "core/http/ionos_api.h"
#include "core/base/log.h"
#include "core/base/status.h"
#include "core/dns/dns_provider.h"

namespace ionos {

// The public endpoint of the IONOS Cloud DNS API (the provider's dns_api_url default).
inline constexpr char kIonosDnsApiDefaultUrl[] = "https://dns.de-fra.ionos.com";

struct IonosCloudDnsOptions {
  std::string base_url = kIonosDnsApiDefaultUrl;  // no trailing slash needed
  std::string token;                   // secret: IONOS Cloud API token (Bearer); required
  HttpClient* http = nullptr;          // required, not owned, must outlive the client
  const Clock* clock = nullptr;        // default: the system clock
  Logger* logger = nullptr;            // default: discard
  const CancelToken* cancel = nullptr; // optional: aborts waits (and requests in flight)
  int max_retries = 5;                 // retries after the first attempt (429/503/5xx/transport)
  Duration max_retry_wait{std::chrono::seconds(30)};  // cap on each single wait
  Duration initial_backoff{std::chrono::milliseconds(200)};  // without Retry-After; doubles
  int page_limit = 1000;               // `limit` of list requests (the API allows 1..1000)
  // WaitRecordAvailable: the first wait has no known length, so it polls at once, then after
  // poll_initial, doubling up to poll_max; once records were seen turning AVAILABLE, the first poll
  // comes when the last ones took (core/base/retry.h LearnedWait), so a steady provisioning time
  // costs about one GET per record.
  Duration poll_initial{std::chrono::milliseconds(50)};
  Duration poll_max{std::chrono::seconds(1)};
};

class IonosCloudDnsClient final : public DnsProvider {
 public:
  // Checks the options (http set, token set, base_url an http(s) URL, limits in range).
  static Result<std::unique_ptr<IonosCloudDnsClient>> Create(IonosCloudDnsOptions options);

  IonosCloudDnsClient(const IonosCloudDnsClient&) = delete;
  IonosCloudDnsClient& operator=(const IonosCloudDnsClient&) = delete;

  Result<std::vector<DnsZone>> ListZones() override;
  Result<DnsZone> FindZoneForName(const std::string& fqdn) override;
  Result<DnsRecord> EnsureTxtRecord(const DnsZone& zone, const std::string& record_id,
                                    const std::string& relative_name, const std::string& value,
                                    int ttl) override;
  Status WaitRecordAvailable(const std::string& zone_id, const std::string& record_id,
                             Duration timeout) override;
  Status DeleteRecord(const std::string& zone_id, const std::string& record_id) override;

  // GET /zones/{zoneId}/records/{recordId}.
  Result<DnsRecord> GetRecord(const std::string& zone_id, const std::string& record_id);

  const std::string& base_url() const { return options_.base_url; }

 private:
  explicit IonosCloudDnsClient(IonosCloudDnsOptions options);

  // One API call with retries; returns any response below 400 (others become errors).
  // `path` starts with "/" and may carry a query. `body` is sent as JSON when not empty.
  // `cancellable` false: the call ignores the CancelToken (record cleanup must
  // always run, also after StopProvider).
  Result<HttpResponse> Call(const std::string& method, const std::string& path, const std::string& body,
                            bool cancellable = true);
  Result<std::vector<DnsZone>> FetchAllZones();
  std::string Scrub(std::string text) const;

  IonosCloudDnsOptions options_;
  IonosApiCaller api_;
  std::mutex zones_mu_;  // held while the first listing runs, so concurrent callers share it
  std::optional<std::vector<DnsZone>> zones_;
  // How long records took to turn AVAILABLE lately: WaitRecordAvailable asks first about then.
  LearnedWait provisioning_wait_;
};

}  // namespace ionos
