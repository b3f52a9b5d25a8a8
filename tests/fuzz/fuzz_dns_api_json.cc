// libFuzzer target: what the core reads from the IONOS Cloud DNS API (core/dns/ionos_cloud_dns.h) —
// error bodies, record answers, zone listings, and whole conversations — through a scripted
// HttpClient, so the client's own request/retry/parse path runs exactly as against the API.
// No body may crash the client or throw out of it.
//
// Input: byte 0 picks the mode (modulo kModes); the rest is
//   0 error body     byte 1 picks the HTTP status (400 + byte % 200); the rest is the body of an
//                    error answer to GET /zones/{z}/records/{r} → an error Status (never OK, never
//                    the token)
//   1 record         the body of a 200 answer to GET record and of a 202 answer to PUT record
//                    (EnsureTxtRecord) → a record with an id, or an error
//   2 zone listing   pages separated by "\n--\n", each the body of a 200 answer to
//                    GET /zones?offset=&limit=2; ListZones, then FindZoneForName → zones with id and name
//   3 conversation   answers separated by "\n--\n", each "STATUS\nName: value\n...\n\nbody"; a scripted
//                    HttpClient answers the client's requests with them, in order (a transport error
//                    once used up), while the target runs: ListZones, FindZoneForName,
//                    EnsureTxtRecord, WaitRecordAvailable, GetRecord, DeleteRecord, with retries
//                    (Retry-After honoured on a clock that passes only when slept on).
// Nothing is checked beyond "no crash, no sanitizer report, no exception" except where noted.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "core/base/clock.h"
#include "core/base/log.h"
#include "core/dns/dns_provider.h"
#include "core/dns/ionos_cloud_dns.h"
#include "core/http/http.h"
#include "tests/fuzz/fuzz_http_support.h"

namespace ionos {
namespace {

using fuzz::Check;
using fuzz::FormattingLogger;
using fuzz::FuzzClock;
using fuzz::ParseScriptedResponse;

constexpr uint8_t kModes = 4;
constexpr char kToken[] = "fuzz-T0KEN-4711";

std::vector<std::string_view> Split(std::string_view script, size_t max_parts) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (start <= script.size() && parts.size() < max_parts) {
    const size_t sep = script.find("\n--\n", start);
    parts.push_back(script.substr(start, sep == std::string_view::npos ? script.npos : sep - start));
    if (sep == std::string_view::npos) {
      break;
    }
    start = sep + 4;
  }
  return parts;
}

// Answers requests from a list; a transport error once the list is used up.
class ScriptedHttp : public HttpClient {
 public:
  explicit ScriptedHttp(std::vector<HttpResponse> responses) : responses_(std::move(responses)) {}

  Result<HttpResponse> Do(const HttpRequest& request, const CancelToken*) override {
    Check(request.url.rfind("https://dns.fuzz.test/", 0) == 0, "a request outside the API");
    bool authorized = false;
    for (const auto& [name, value] : request.headers) {
      authorized = authorized || (name == "Authorization" && value == std::string("Bearer ") + kToken);
    }
    Check(authorized, "a request without the Bearer token");
    if (next_ >= responses_.size()) {
      return UnavailableError("connecting to https://dns.fuzz.test:443: script exhausted");
    }
    return responses_[next_++];
  }

 private:
  std::vector<HttpResponse> responses_;
  size_t next_ = 0;
};

struct Fixture {
  explicit Fixture(std::vector<HttpResponse> responses, int max_retries = 0, int page_limit = 1000)
      : http(std::move(responses)) {
    IonosCloudDnsOptions options;
    options.base_url = "https://dns.fuzz.test";
    options.token = kToken;
    options.http = &http;
    options.clock = &clock;
    options.logger = &logger;
    options.max_retries = max_retries;
    options.page_limit = page_limit;
    Result<std::unique_ptr<IonosCloudDnsClient>> created = IonosCloudDnsClient::Create(options);
    Check(created.ok(), "IonosCloudDnsClient::Create");
    client = std::move(created).value();
  }

  ScriptedHttp http;
  FuzzClock clock;
  FormattingLogger logger{kToken};
  std::unique_ptr<IonosCloudDnsClient> client;
};

void CheckStatus(const Status& status) {
  Check(status.message().find(kToken) == std::string::npos, "the token in an error");
}

template <typename T>
void Trace(const char* step, const T& result) {
  Status status;
  if constexpr (std::is_same_v<T, Status>) {
    status = result;
  } else {
    status = result.status();
  }
  CheckStatus(status);
  fuzz::TraceStep(step, status);
}

HttpResponse Answer(int status, std::string_view body) {
  HttpResponse response;
  response.status = status;
  response.headers.emplace_back("Content-Type", "application/json");
  response.body = std::string(body);
  return response;
}

void FuzzErrorBody(std::string_view data) {
  if (data.empty()) {
    return;
  }
  const int status = 400 + static_cast<uint8_t>(data[0]) % 200;
  Fixture f({Answer(status, data.substr(1))});
  Result<DnsRecord> record = f.client->GetRecord("z1", "r1");
  Trace("error answer", record);
  Check(!record.ok(), "an error answer became a record");
}

void FuzzRecord(std::string_view body) {
  Fixture f({Answer(200, body), Answer(202, body)});
  Result<DnsRecord> record = f.client->GetRecord("z1", "r1");
  Trace("GET record", record);
  if (record.ok()) {
    Check(!record->id.empty(), "a record without an id");
    Check(record->ttl >= 0, "a negative TTL");
  }
  DnsZone zone{"z1", "example.com", {}, "AVAILABLE"};
  Result<DnsRecord> written = f.client->EnsureTxtRecord(zone, "r1", "_acme-challenge", "value", 60);
  Trace("PUT record", written);
  if (written.ok()) {
    Check(!written->id.empty() && !written->zone_id.empty(), "a written record without an id or zone");
  }
}

void FuzzZoneListing(std::string_view pages) {
  std::vector<HttpResponse> answers;
  for (std::string_view page : Split(pages, 16)) {
    answers.push_back(Answer(200, page));
  }
  Fixture f(std::move(answers), /*max_retries=*/0, /*page_limit=*/2);
  Result<std::vector<DnsZone>> zones = f.client->ListZones();
  Trace("list zones", zones);
  if (zones.ok()) {
    for (const DnsZone& z : *zones) {
      Check(!z.id.empty() && !z.name.empty(), "a zone without an id or name");
    }
  }
  Trace("find zone", f.client->FindZoneForName("www.example.com"));
}

void FuzzConversation(std::string_view script) {
  std::vector<HttpResponse> answers;
  for (std::string_view part : Split(script, 64)) {
    answers.push_back(ParseScriptedResponse(part));
  }
  Fixture f(std::move(answers), /*max_retries=*/2, /*page_limit=*/2);
  Trace("list zones", f.client->ListZones());
  Result<DnsZone> zone = f.client->FindZoneForName("www.example.com");
  Trace("find zone", zone);
  const DnsZone target = zone.ok() ? *zone : DnsZone{"z1", "example.com", {}, "AVAILABLE"};
  Trace("ensure record", f.client->EnsureTxtRecord(target, "11111111-2222-4333-8444-555555555555",
                                                   "_acme-challenge.www", "value", 60));
  Trace("wait record", f.client->WaitRecordAvailable(target.id, "11111111-2222-4333-8444-555555555555",
                                                     std::chrono::seconds(10)));
  Trace("get record", f.client->GetRecord(target.id, "11111111-2222-4333-8444-555555555555"));
  Trace("delete record", f.client->DeleteRecord(target.id, "11111111-2222-4333-8444-555555555555"));
}

}  // namespace
}  // namespace ionos

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) {
    return 0;
  }
  const std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % ionos::kModes) {
    case 0: ionos::FuzzErrorBody(rest); break;
    case 1: ionos::FuzzRecord(rest); break;
    case 2: ionos::FuzzZoneListing(rest); break;
    default: ionos::FuzzConversation(rest); break;
  }
  return 0;
}
