// Tests for core/dns/ionos_cloud_dns.h: the IONOS Cloud DNS client against the in-process API emulator
// (tests/dns_emulator), plus scripted HTTP answers (tests/fakes/fake_http.h) for the corners the
// emulator does not produce. Time is a FakeClock: retry waits are recorded, not slept.
#include "core/dns/dns_name.h"
#include "core/dns/ionos_cloud_dns.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/base/encoding.h"
#include "tests/dns_emulator/emulator.h"
#include "tests/fakes/fake_clock.h"
#include "tests/fakes/fake_http.h"
#include "tests/fakes/recording_logger.h"

namespace ionos {
namespace {

namespace emu = ::ionos::testing;
using fakes::RecordingLogger;
using ::testing::HasSubstr;
using ::testing::Not;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr char kToken[] = "s3cr3t-T0KEN-4711";

std::string Uuid() {
  SystemRandom random;
  return NewUuid(random).value();
}

// ---------------------------------------------------------------- pure functions

TEST(RelativeNameTest, Table) {
  struct Case {
    std::string fqdn;
    std::string zone;
    std::string want;
  };
  const std::map<std::string, Case> cases = {
      {"name below the zone", {"_acme-challenge.www.example.com", "example.com", "_acme-challenge.www"}},
      {"challenge at the apex", {"_acme-challenge.example.com", "example.com", "_acme-challenge"}},
      {"the apex itself", {"example.com", "example.com", ""}},
      {"trailing dots", {"_acme-challenge.www.example.com.", "example.com.", "_acme-challenge.www"}},
      {"case-insensitive", {"_ACME-Challenge.WWW.Example.COM", "EXAMPLE.com", "_acme-challenge.www"}},
      {"wildcard label", {"*.example.com", "example.com", "*"}},
      {"sub zone", {"_acme-challenge.www.sub.example.com", "sub.example.com", "_acme-challenge.www"}},
      {"deep name", {"_acme-challenge.a.b.c.example.com", "example.com", "_acme-challenge.a.b.c"}},
      {"not on a label boundary", {"_acme-challenge.notexample.com", "example.com", "_acme-challenge.notexample.com"}},
  };
  for (const auto& [name, c] : cases) {
    EXPECT_EQ(RelativeName(c.fqdn, c.zone), c.want) << name;
  }
}

TEST(SelectZoneForNameTest, EmptyAndMalformedNamesAreInvalid) {
  const std::vector<DnsZone> zones = {{"1", "example.com", {}, ""}};
  for (const std::string& bad : {std::string(""), std::string("."), std::string("www..example.com"),
                                 std::string(".example.com")}) {
    Result<DnsZone> z = SelectZoneForName(zones, bad);
    EXPECT_EQ(z.status().code(), StatusCode::kInvalidArgument) << "\"" << bad << "\"";
  }
}

TEST(SelectZoneForNameTest, NoZonesSaysSo) {
  Result<DnsZone> z = SelectZoneForName({}, "www.example.com");
  EXPECT_EQ(z.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(z.status().message(), HasSubstr("no zones"));
}

// ---------------------------------------------------------------- against the emulator

class IonosDnsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    HttpClientOptions http_options;
    http_options.connect_timeout = seconds(5);
    http_options.read_timeout = seconds(10);
    http_ = NewHttpClient(http_options).value();
  }

  void StartEmulator(const std::vector<std::string>& zones, emu::EmulatorFaults faults = {}) {
    emu::DnsEmulatorOptions options;
    options.token = kToken;
    options.clock = &clock_;  // provisioning delays pass on the test's clock
    for (const std::string& z : zones) {
      options.zones.push_back({z, "", {}});
    }
    options.faults = faults;
    Result<std::unique_ptr<emu::DnsApiEmulator>> started = emu::DnsApiEmulator::Start(options);
    ASSERT_TRUE(started.ok()) << started.status().ToString();
    emulator_ = std::move(started).value();
  }

  IonosCloudDnsOptions Options(const Clock* clock) {
    IonosCloudDnsOptions o;
    o.base_url = emulator_->base_url();
    o.token = kToken;
    o.http = http_.get();
    o.clock = clock;
    o.logger = &logger_;
    o.cancel = &cancel_;
    return o;
  }

  std::unique_ptr<IonosCloudDnsClient> NewClient(IonosCloudDnsOptions o) {
    Result<std::unique_ptr<IonosCloudDnsClient>> client = IonosCloudDnsClient::Create(std::move(o));
    EXPECT_TRUE(client.ok()) << client.status().ToString();
    return client.ok() ? std::move(client).value() : nullptr;
  }

  std::unique_ptr<IonosCloudDnsClient> NewClient() { return NewClient(Options(&clock_)); }

  void SetFaults(const std::string& json_text) {
    ASSERT_TRUE(emulator_->MergeFaults(nlohmann::json::parse(json_text)).ok()) << json_text;
  }

  fakes::FakeClock clock_;
  CancelToken cancel_;
  RecordingLogger logger_;
  std::unique_ptr<HttpClient> http_;
  std::unique_ptr<emu::DnsApiEmulator> emulator_;
};

TEST_F(IonosDnsTest, FindZoneForNameUsesLongestExactSuffix) {
  StartEmulator({"example.com", "sub.example.com", "ample.com", "example.co"});
  std::unique_ptr<IonosCloudDnsClient> client = NewClient();
  struct Case {
    std::string name;
    std::string want_zone;  // "" = not found
  };
  const std::map<std::string, Case> cases = {
      {"name in sub zone", {"www.sub.example.com", "sub.example.com"}},
      {"challenge name in sub zone", {"_acme-challenge.www.sub.example.com", "sub.example.com"}},
      {"sub zone apex", {"sub.example.com", "sub.example.com"}},
      {"name in parent zone", {"www.example.com", "example.com"}},
      {"sibling of the sub zone", {"www.other.example.com", "example.com"}},
      {"apex", {"example.com", "example.com"}},
      {"wildcard", {"*.example.com", "example.com"}},
      {"wildcard in sub zone", {"*.sub.example.com", "sub.example.com"}},
      {"trailing dot", {"www.example.com.", "example.com"}},
      {"upper case", {"WWW.Sub.EXAMPLE.Com", "sub.example.com"}},
      {"ample.com is its own zone", {"www.ample.com", "ample.com"}},
      {"example.co is its own zone", {"www.example.co", "example.co"}},
      {"suffix without label boundary", {"notexample.com", ""}},
      {"suffix without label boundary below", {"www.notexample.com", ""}},
      {"longer TLD", {"www.example.co.uk", ""}},
      {"parent of every zone", {"com", ""}},
  };
  for (const auto& [label, c] : cases) {
    Result<DnsZone> zone = client->FindZoneForName(c.name);
    if (c.want_zone.empty()) {
      ASSERT_FALSE(zone.ok()) << label << ": found " << zone->name;
      EXPECT_EQ(zone.status().code(), StatusCode::kNotFound) << label;
      const std::string m = zone.status().message();
      EXPECT_THAT(m, HasSubstr("\"" + NormalizeDnsName(c.name) + "\"")) << label;
      for (const char* z : {"example.com", "sub.example.com", "ample.com", "example.co"}) {
        EXPECT_THAT(m, HasSubstr(z)) << label;
      }
    } else {
      ASSERT_TRUE(zone.ok()) << label << ": " << zone.status().ToString();
      EXPECT_EQ(zone->name, c.want_zone) << label;
      EXPECT_FALSE(zone->id.empty()) << label;
      EXPECT_EQ(zone->nameservers.size(), 4u) << label;
      EXPECT_EQ(zone->state, "AVAILABLE") << label;
    }
  }
  // Listed once for all those look-ups.
  EXPECT_EQ(emulator_->request_count("GET /zones"), 1);
}

TEST_F(IonosDnsTest, NotFoundMessageNamesTheNameAndTheZones) {
  StartEmulator({"example.com", "ample.com"});
  Result<DnsZone> zone = NewClient()->FindZoneForName("www.notexample.com");
  ASSERT_EQ(zone.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(zone.status().message(),
            "no DNS zone for \"www.notexample.com\": neither the name nor a parent domain is a zone (zones: "
            "ample.com, example.com)");
}

TEST_F(IonosDnsTest, ConcurrentCallersShareOneZoneListing) {
  StartEmulator({"example.com", "sub.example.com"});
  std::unique_ptr<IonosCloudDnsClient> client = NewClient(Options(nullptr));  // system clock
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      Result<DnsZone> z = client->FindZoneForName(i % 2 ? "a.sub.example.com" : "b.example.com");
      if (z.ok() && z->name == (i % 2 ? "sub.example.com" : "example.com")) {
        ++ok;
      }
    });
  }
  for (std::thread& t : threads) {
    t.join();
  }
  EXPECT_EQ(ok.load(), 8);
  EXPECT_EQ(emulator_->request_count("GET /zones"), 1);
}

TEST_F(IonosDnsTest, ListZonesReadsEveryPage) {
  struct Case {
    int zones;
    int page_limit;
    int want_requests;
  };
  const std::map<std::string, Case> cases = {
      {"more than 1000 zones, default limit", {2345, 1000, 3}},
      {"exactly one full page", {1000, 1000, 1}},
      {"small page size", {20, 7, 3}},
      {"page size divides the count", {21, 7, 3}},
      {"no zones", {0, 1000, 1}},
  };
  for (const auto& [label, c] : cases) {
    StartEmulator({});
    for (int i = 0; i < c.zones; ++i) {
      ASSERT_TRUE(emulator_->AddZone({"zone" + std::to_string(i) + ".example", "", {}}).ok());
    }
    IonosCloudDnsOptions o = Options(&clock_);
    o.page_limit = c.page_limit;
    Result<std::vector<DnsZone>> zones = NewClient(o)->ListZones();
    ASSERT_TRUE(zones.ok()) << label << ": " << zones.status().ToString();
    EXPECT_EQ(zones->size(), static_cast<size_t>(c.zones)) << label;
    std::set<std::string> names;
    for (const DnsZone& z : *zones) {
      names.insert(z.name);
    }
    EXPECT_EQ(names.size(), static_cast<size_t>(c.zones)) << label << ": duplicates";
    EXPECT_EQ(emulator_->request_count("GET /zones"), c.want_requests) << label;
  }
}

TEST_F(IonosDnsTest, CreateWaitDeleteRoundTrip) {
  StartEmulator({"example.com"});
  std::unique_ptr<IonosCloudDnsClient> client = NewClient();
  Result<DnsZone> zone = client->FindZoneForName("www.example.com");
  ASSERT_TRUE(zone.ok()) << zone.status().ToString();
  const std::string id = Uuid();
  const std::string rel = RelativeName("_acme-challenge.www.example.com", zone->name);
  Result<DnsRecord> record = client->EnsureTxtRecord(*zone, id, rel, "digest-value", 120);
  ASSERT_TRUE(record.ok()) << record.status().ToString();
  EXPECT_EQ(record->id, id);
  EXPECT_EQ(record->zone_id, zone->id);
  EXPECT_EQ(record->name, "_acme-challenge.www");
  EXPECT_EQ(record->type, "TXT");
  EXPECT_EQ(record->content, "digest-value");
  EXPECT_EQ(record->ttl, 120);
  EXPECT_EQ(record->state, "PROVISIONING");
  EXPECT_EQ(record->fqdn, "_acme-challenge.www.example.com");

  ASSERT_TRUE(client->WaitRecordAvailable(zone->id, id, seconds(10)).ok());
  std::vector<emu::EmulatorRecord> records = emulator_->records();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].state, "AVAILABLE");
  EXPECT_EQ(records[0].fqdn, "_acme-challenge.www.example.com");

  ASSERT_TRUE(client->DeleteRecord(zone->id, id).ok());
  EXPECT_TRUE(emulator_->records().empty());
  EXPECT_EQ(emulator_->request_count("PUT /zones/{zoneId}/records/{recordId}"), 1);
  EXPECT_EQ(emulator_->request_count("DELETE /zones/{zoneId}/records/{recordId}"), 1);
  EXPECT_EQ(emulator_->request_count("POST /zones/{zoneId}/records"), 0);
}

TEST_F(IonosDnsTest, RePutIsIdempotent) {
  StartEmulator({"example.com"});
  std::unique_ptr<IonosCloudDnsClient> client = NewClient();
  DnsZone zone = client->FindZoneForName("example.com").value();
  const std::string id = Uuid();
  ASSERT_TRUE(client->EnsureTxtRecord(zone, id, "_acme-challenge", "v1", 60).ok());
  ASSERT_TRUE(client->EnsureTxtRecord(zone, id, "_acme-challenge", "v1", 60).ok());
  ASSERT_EQ(emulator_->records().size(), 1u);
  // The same id with a new value updates in place.
  Result<DnsRecord> updated = client->EnsureTxtRecord(zone, id, "_acme-challenge", "v2", 60);
  ASSERT_TRUE(updated.ok());
  EXPECT_EQ(updated->content, "v2");
  std::vector<emu::EmulatorRecord> records = emulator_->records();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].content, "v2");
  EXPECT_EQ(records[0].id, id);
}

TEST_F(IonosDnsTest, WildcardAndApexShareOneName) {
  StartEmulator({"example.com"});
  std::unique_ptr<IonosCloudDnsClient> client = NewClient();
  DnsZone zone = client->FindZoneForName("*.example.com").value();
  const std::string a = Uuid();
  const std::string b = Uuid();
  ASSERT_TRUE(client->EnsureTxtRecord(zone, a, "_acme-challenge", "for-apex", 60).ok());
  ASSERT_TRUE(client->EnsureTxtRecord(zone, b, "_acme-challenge", "for-wildcard", 60).ok());
  ASSERT_TRUE(client->WaitRecordAvailable(zone.id, a, seconds(5)).ok());
  ASSERT_TRUE(client->WaitRecordAvailable(zone.id, b, seconds(5)).ok());
  std::vector<emu::EmulatorRecord> records = emulator_->records();
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].fqdn, records[1].fqdn);
  ASSERT_TRUE(client->DeleteRecord(zone.id, a).ok());
  records = emulator_->records();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].content, "for-wildcard");
}

TEST_F(IonosDnsTest, DeletingWhatIsGoneIsOk) {
  StartEmulator({"example.com"});
  std::unique_ptr<IonosCloudDnsClient> client = NewClient();
  DnsZone zone = client->FindZoneForName("example.com").value();
  const std::map<std::string, std::pair<std::string, std::string>> cases = {
      {"unknown record", {zone.id, Uuid()}},
      {"unknown zone", {Uuid(), Uuid()}},
  };
  for (const auto& [label, c] : cases) {
    Status st = client->DeleteRecord(c.first, c.second);
    EXPECT_TRUE(st.ok()) << label << ": " << st.ToString();
  }
  // Deleting twice.
  const std::string id = Uuid();
  ASSERT_TRUE(client->EnsureTxtRecord(zone, id, "_acme-challenge", "x", 60).ok());
  EXPECT_TRUE(client->DeleteRecord(zone.id, id).ok());
  EXPECT_TRUE(client->DeleteRecord(zone.id, id).ok());
}

TEST_F(IonosDnsTest, WaitPollsThroughProvisioningDelay) {
  emu::EmulatorFaults faults;
  faults.provisioning_delay_ms = 300;
  StartEmulator({"example.com"}, faults);
  std::unique_ptr<IonosCloudDnsClient> client = NewClient();
  DnsZone zone = client->FindZoneForName("example.com").value();
  const std::string id = Uuid();
  ASSERT_TRUE(client->EnsureTxtRecord(zone, id, "_acme-challenge", "x", 60).ok());
  clock_.ClearSleeps();
  Status st = client->WaitRecordAvailable(zone.id, id, seconds(10));
  ASSERT_TRUE(st.ok()) << st.ToString();
  // 50, 100, 200 ms on the emulator's clock: short waits doubling, until the 300 ms have passed;
  // neither a busy loop nor seconds of sleep.
  EXPECT_EQ(clock_.sleeps(), (std::vector<Duration>{milliseconds(50), milliseconds(100), milliseconds(200)}));
  EXPECT_EQ(emulator_->request_count("GET /zones/{zoneId}/records/{recordId}"), 4);
}

TEST_F(IonosDnsTest, LaterWaitsAskOnceWhenTheRecordIsLikelyProvisioned) {
  emu::EmulatorFaults faults;
  faults.provisioning_delay_ms = 300;
  StartEmulator({"example.com"}, faults);
  std::unique_ptr<IonosCloudDnsClient> client = NewClient();
  DnsZone zone = client->FindZoneForName("example.com").value();
  const std::string first = Uuid();
  ASSERT_TRUE(client->EnsureTxtRecord(zone, first, "_acme-challenge", "x", 60).ok());
  ASSERT_TRUE(client->WaitRecordAvailable(zone.id, first, seconds(10)).ok());
  ASSERT_EQ(emulator_->request_count("GET /zones/{zoneId}/records/{recordId}"), 4);  // as above
  // The next record of this client: one GET, after what the first one took (350 ms).
  const std::string second = Uuid();
  ASSERT_TRUE(client->EnsureTxtRecord(zone, second, "_acme-challenge.www", "y", 60).ok());
  clock_.ClearSleeps();
  Status st = client->WaitRecordAvailable(zone.id, second, seconds(10));
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(clock_.sleeps(), std::vector<Duration>{milliseconds(350)});
  EXPECT_EQ(emulator_->request_count("GET /zones/{zoneId}/records/{recordId}"), 5);
}

TEST_F(IonosDnsTest, WaitBacksOffAndTimesOut) {
  emu::EmulatorFaults faults;
  faults.provisioning_delay_ms = 3600 * 1000;
  StartEmulator({"example.com"}, faults);
  std::unique_ptr<IonosCloudDnsClient> client = NewClient();
  DnsZone zone = client->FindZoneForName("example.com").value();
  const std::string id = Uuid();
  ASSERT_TRUE(client->EnsureTxtRecord(zone, id, "_acme-challenge", "x", 60).ok());
  Status st = client->WaitRecordAvailable(zone.id, id, seconds(3));
  EXPECT_EQ(st.code(), StatusCode::kDeadlineExceeded) << st.ToString();
  EXPECT_THAT(st.message(), HasSubstr("timed out after 3s waiting for DNS record " + id));
  EXPECT_THAT(st.message(), HasSubstr("still PROVISIONING"));
  EXPECT_THAT(st.message(), HasSubstr("_acme-challenge.example.com"));
  const std::vector<Duration> want = {milliseconds(50),  milliseconds(100), milliseconds(200), milliseconds(400),
                                      milliseconds(800), milliseconds(1000), milliseconds(450)};
  EXPECT_EQ(clock_.sleeps(), want);
  EXPECT_EQ(clock_.total_slept(), seconds(3));
}

TEST_F(IonosDnsTest, FailedProvisioningIsAnError) {
  StartEmulator({"example.com"});
  SetFaults(R"({"fail_provisioning_next":1})");
  std::unique_ptr<IonosCloudDnsClient> client = NewClient();
  DnsZone zone = client->FindZoneForName("example.com").value();
  const std::string id = Uuid();
  ASSERT_TRUE(client->EnsureTxtRecord(zone, id, "_acme-challenge.www", "x", 60).ok());
  Status st = client->WaitRecordAvailable(zone.id, id, seconds(10));
  EXPECT_EQ(st.code(), StatusCode::kUnavailable) << st.ToString();
  EXPECT_THAT(st.message(), HasSubstr("FAILED"));
  EXPECT_THAT(st.message(), HasSubstr("_acme-challenge.www.example.com"));
  EXPECT_THAT(st.message(), HasSubstr(id));
}

TEST_F(IonosDnsTest, UnauthorizedNamesTheProblemNotTheToken) {
  struct Case {
    std::string client_token;
    std::string faults;
  };
  const std::map<std::string, Case> cases = {
      {"wrong token", {"wrong-token-0815", "{}"}},
      {"token revoked (fault switch)", {kToken, R"({"unauthorized":true})"}},
  };
  for (const auto& [label, c] : cases) {
    StartEmulator({"example.com"});
    SetFaults(c.faults);
    IonosCloudDnsOptions o = Options(&clock_);
    o.token = c.client_token;
    Result<DnsZone> zone = NewClient(o)->FindZoneForName("www.example.com");
    ASSERT_EQ(zone.status().code(), StatusCode::kUnauthenticated) << label << ": " << zone.status().ToString();
    const std::string m = zone.status().message();
    EXPECT_THAT(m, HasSubstr("the IONOS Cloud DNS API rejected the token (401 Unauthorized: "
                             "Unauthorized, wrong or no api key provided"))
        << label;
    EXPECT_THAT(m, HasSubstr("GET " + emulator_->base_url() + "/zones")) << label;
    EXPECT_THAT(m, Not(HasSubstr(c.client_token))) << label;
    EXPECT_THAT(logger_.All(), Not(HasSubstr(c.client_token))) << label;
    EXPECT_EQ(emulator_->request_count("GET /zones"), 1) << label << ": 401 is not retried";
    EXPECT_TRUE(clock_.sleeps().empty()) << label;
  }
}

TEST_F(IonosDnsTest, RateLimitedTwiceThenSucceedsAfterRetryAfter) {
  StartEmulator({"example.com"});
  SetFaults(R"({"rate_limit_next":2,"retry_after_seconds":3})");
  Result<DnsZone> zone = NewClient()->FindZoneForName("www.example.com");
  ASSERT_TRUE(zone.ok()) << zone.status().ToString();
  EXPECT_EQ(clock_.sleeps(), (std::vector<Duration>{seconds(3), seconds(3)}));
  EXPECT_EQ(emulator_->request_count("GET /zones"), 3);
  EXPECT_THAT(logger_.All(), HasSubstr("retrying IONOS Cloud DNS API request"));
}

TEST_F(IonosDnsTest, RetryAfterWaitsAreCapped) {
  StartEmulator({"example.com"});
  SetFaults(R"({"rate_limit_next":1,"retry_after_seconds":120})");
  IonosCloudDnsOptions o = Options(&clock_);
  o.max_retry_wait = seconds(30);
  ASSERT_TRUE(NewClient(o)->ListZones().ok());
  EXPECT_EQ(clock_.sleeps(), std::vector<Duration>{seconds(30)});
}

TEST_F(IonosDnsTest, ServiceUnavailableHonoursRetryAfter) {
  StartEmulator({"example.com"});
  SetFaults(R"({"server_error":1,"server_error_status":503,"retry_after_seconds":2})");
  ASSERT_TRUE(NewClient()->ListZones().ok());
  EXPECT_EQ(clock_.sleeps(), std::vector<Duration>{seconds(2)});
}

TEST_F(IonosDnsTest, PersistentRateLimitGivesUpAfterBoundedRetries) {
  StartEmulator({"example.com"});
  SetFaults(R"({"rate_limit_next":100,"retry_after_seconds":1})");
  Result<std::vector<DnsZone>> zones = NewClient()->ListZones();
  EXPECT_EQ(zones.status().code(), StatusCode::kResourceExhausted) << zones.status().ToString();
  EXPECT_THAT(zones.status().message(), HasSubstr("429 Too Many Requests"));
  EXPECT_THAT(zones.status().message(), HasSubstr("giving up after 6 attempts"));
  EXPECT_EQ(emulator_->request_count("GET /zones"), 6);
  EXPECT_EQ(clock_.sleeps().size(), 5u);
}

TEST_F(IonosDnsTest, PersistentServerErrorGivesUpWithAClearError) {
  StartEmulator({"example.com"});
  SetFaults(R"({"server_error":"always"})");
  Result<std::vector<DnsZone>> zones = NewClient()->ListZones();
  ASSERT_EQ(zones.status().code(), StatusCode::kUnavailable) << zones.status().ToString();
  const std::string m = zones.status().message();
  EXPECT_THAT(m, HasSubstr("listing IONOS Cloud DNS zones"));
  EXPECT_THAT(m, HasSubstr("the IONOS Cloud DNS API failed (500 Internal Server Error: Internal error"));
  EXPECT_THAT(m, HasSubstr("giving up after 6 attempts"));
  EXPECT_EQ(emulator_->request_count("GET /zones"), 6);
  // Exponential backoff from 200 ms; never a wait of many seconds.
  const std::vector<Duration> want = {milliseconds(200), milliseconds(400), milliseconds(800), milliseconds(1600),
                                      milliseconds(3200)};
  EXPECT_EQ(clock_.sleeps(), want);
}

TEST_F(IonosDnsTest, TransientServerErrorOnPutIsRetried) {
  StartEmulator({"example.com"});
  std::unique_ptr<IonosCloudDnsClient> client = NewClient();
  DnsZone zone = client->FindZoneForName("example.com").value();
  SetFaults(R"({"server_error":1,"server_error_status":502})");
  const std::string id = Uuid();
  Result<DnsRecord> record = client->EnsureTxtRecord(zone, id, "_acme-challenge", "x", 60);
  ASSERT_TRUE(record.ok()) << record.status().ToString();
  EXPECT_EQ(emulator_->request_count("PUT /zones/{zoneId}/records/{recordId}"), 2);
  EXPECT_EQ(emulator_->records().size(), 1u);
}

TEST_F(IonosDnsTest, ValidationErrorsCarryTheApiMessageAndAreNotRetried) {
  StartEmulator({"example.com"});
  std::unique_ptr<IonosCloudDnsClient> client = NewClient();
  DnsZone zone = client->FindZoneForName("example.com").value();
  struct Case {
    std::string name;
    int ttl;
    std::string want;
  };
  const std::map<std::string, Case> cases = {
      {"ttl too small", {"_acme-challenge", 10, "must be between 60 and 86400"}},
      {"ttl too large", {"_acme-challenge", 86401, "must be between 60 and 86400"}},
      {"bad name", {"_acme-challenge..www", 60, "not a valid record name"}},
  };
  for (const auto& [label, c] : cases) {
    emulator_->ResetRequestCounts();
    Result<DnsRecord> r = client->EnsureTxtRecord(zone, Uuid(), c.name, "x", c.ttl);
    ASSERT_EQ(r.status().code(), StatusCode::kInvalidArgument) << label << ": " << r.status().ToString();
    EXPECT_THAT(r.status().message(), HasSubstr("writing TXT record \"" + c.name + "\" in zone example.com")) << label;
    EXPECT_THAT(r.status().message(), HasSubstr("400 Bad Request")) << label;
    EXPECT_THAT(r.status().message(), HasSubstr(c.want)) << label;
    EXPECT_EQ(emulator_->request_count("PUT /zones/{zoneId}/records/{recordId}"), 1) << label;
  }
}

// Cancels `token` when asked to sleep, as StopProvider would during a retry wait.
class CancellingClock : public fakes::FakeClock {
 public:
  explicit CancellingClock(CancelToken* token) : token_(token) {}
  Status SleepFor(Duration d, const CancelToken* cancel) const override {
    token_->Cancel();
    return FakeClock::SleepFor(d, cancel);
  }

 private:
  CancelToken* token_;
};

TEST_F(IonosDnsTest, CancelStopsRetryWaits) {
  StartEmulator({"example.com"});
  SetFaults(R"({"rate_limit_next":5})");
  CancellingClock clock(&cancel_);
  Result<std::vector<DnsZone>> zones = NewClient(Options(&clock))->ListZones();
  EXPECT_EQ(zones.status().code(), StatusCode::kCancelled) << zones.status().ToString();
  EXPECT_THAT(zones.status().message(), HasSubstr("waiting to retry after"));
  EXPECT_EQ(emulator_->request_count("GET /zones"), 1);
  // Already cancelled: nothing is sent at all.
  Result<std::vector<DnsZone>> again = NewClient(Options(&clock_))->ListZones();
  EXPECT_EQ(again.status().code(), StatusCode::kCancelled);
  EXPECT_EQ(emulator_->request_count("GET /zones"), 1);
}

TEST_F(IonosDnsTest, ConnectionRefusedIsRetriedThenUnavailable) {
  StartEmulator({"example.com"});
  IonosCloudDnsOptions o = Options(&clock_);
  emulator_->Stop();
  o.max_retries = 2;
  Result<std::vector<DnsZone>> zones = NewClient(o)->ListZones();
  EXPECT_EQ(zones.status().code(), StatusCode::kUnavailable) << zones.status().ToString();
  EXPECT_THAT(zones.status().message(), HasSubstr("giving up after 3 attempts"));
  EXPECT_EQ(clock_.sleeps().size(), 2u);
}

// ---------------------------------------------------------------- scripted HTTP

class IonosDnsScriptedTest : public ::testing::Test {
 protected:
  std::unique_ptr<IonosCloudDnsClient> NewClient(int max_retries = 0) {
    IonosCloudDnsOptions o;
    o.base_url = "https://dns.example.test/";
    o.token = kToken;
    o.http = &http_;
    o.clock = &clock_;
    o.logger = &logger_;
    o.max_retries = max_retries;
    return IonosCloudDnsClient::Create(o).value();
  }

  static nlohmann::json RecordJson(const std::string& state) {
    return {{"id", "r1"},
            {"type", "record"},
            {"metadata", {{"state", state}, {"fqdn", "_acme-challenge.example.com"}, {"zoneId", "z1"}}},
            {"properties", {{"name", "_acme-challenge"}, {"type", "TXT"}, {"content", "x"}, {"ttl", 60}}}};
  }

  fakes::FakeHttpClient http_;
  fakes::FakeClock clock_;
  RecordingLogger logger_;
};

TEST_F(IonosDnsScriptedTest, RequestsCarryBearerTokenAndJson) {
  http_.SetHandler([](const HttpRequest&) { return fakes::MakeJsonResponse(202, RecordJson("PROVISIONING")); });
  DnsZone zone{"z1", "example.com", {}, "AVAILABLE"};
  ASSERT_TRUE(NewClient()->EnsureTxtRecord(zone, "r1", "_acme-challenge", "digest", 120).ok());
  std::vector<HttpRequest> requests = http_.requests();
  ASSERT_EQ(requests.size(), 1u);
  const HttpRequest& r = requests[0];
  EXPECT_EQ(r.method, "PUT");
  EXPECT_EQ(r.url, "https://dns.example.test/zones/z1/records/r1");
  auto header = [&](const std::string& name) {
    for (const auto& [k, v] : r.headers) {
      if (k == name) {
        return v;
      }
    }
    return std::string();
  };
  EXPECT_EQ(header("Authorization"), std::string("Bearer ") + kToken);
  EXPECT_EQ(header("Accept"), "application/json");
  EXPECT_EQ(header("Content-Type"), "application/json");
  EXPECT_EQ(nlohmann::json::parse(r.body),
            nlohmann::json::parse(R"({"properties":{"name":"_acme-challenge","type":"TXT","content":"digest",
                                      "ttl":120,"enabled":true}})"));
}

TEST_F(IonosDnsScriptedTest, HttpErrorsMapToStatusCodes) {
  struct Case {
    int status;
    std::string body;
    StatusCode want;
    std::string want_text;
  };
  const std::string api_error = R"({"httpStatus":%d,"messages":[{"errorCode":"e-1","message":"the detail"}]})";
  auto body = [&](int status) {
    std::string b = api_error;
    b.replace(b.find("%d"), 2, std::to_string(status));
    return b;
  };
  const std::map<std::string, Case> cases = {
      {"401", {401, body(401), StatusCode::kUnauthenticated, "rejected the token (401 Unauthorized: the detail [e-1])"}},
      {"403", {403, body(403), StatusCode::kPermissionDenied, "denied access (403 Forbidden: the detail [e-1])"}},
      {"404", {404, body(404), StatusCode::kNotFound, "(404 Not Found: the detail [e-1])"}},
      {"400", {400, body(400), StatusCode::kInvalidArgument, "refused the request (400 Bad Request: the detail"}},
      {"409", {409, body(409), StatusCode::kInvalidArgument, "(409 Conflict: the detail [e-1])"}},
      {"422", {422, body(422), StatusCode::kInvalidArgument, "(422 Unprocessable Entity: the detail [e-1])"}},
      {"418 unknown", {418, body(418), StatusCode::kInvalidArgument, "(HTTP 418: the detail [e-1])"}},
      {"429", {429, body(429), StatusCode::kResourceExhausted, "rate limiting requests (429 Too Many Requests"}},
      {"500", {500, body(500), StatusCode::kUnavailable, "failed (500 Internal Server Error: the detail [e-1])"}},
      {"502 html", {502, "<html><body>Bad gateway</body></html>", StatusCode::kUnavailable,
                    "(502 Bad Gateway: <html><body>Bad gateway</body></html>)"}},
      {"504 empty", {504, "", StatusCode::kUnavailable, "failed (504 Gateway Timeout)"}},
  };
  for (const auto& [label, c] : cases) {
    http_.SetHandler([&](const HttpRequest&) { return fakes::MakeResponse(c.status, c.body); });
    Result<DnsRecord> r = NewClient()->GetRecord("z1", "r1");
    EXPECT_EQ(r.status().code(), c.want) << label << ": " << r.status().ToString();
    EXPECT_THAT(r.status().message(), HasSubstr(c.want_text)) << label;
    EXPECT_THAT(r.status().message(), HasSubstr("GET https://dns.example.test/zones/z1/records/r1")) << label;
  }
}

TEST_F(IonosDnsScriptedTest, TokenEchoedByTheServerIsScrubbed) {
  http_.SetHandler([](const HttpRequest&) {
    return fakes::MakeResponse(
        400, std::string(R"({"httpStatus":400,"messages":[{"message":"bad token )") + kToken + R"("}]})");
  });
  Result<DnsRecord> r = NewClient()->GetRecord("z1", "r1");
  EXPECT_THAT(r.status().message(), Not(HasSubstr(kToken)));
  EXPECT_THAT(r.status().message(), HasSubstr("bad token [redacted]"));
}

TEST_F(IonosDnsScriptedTest, TransportErrorsAreRetriedForIdempotentCalls) {
  int calls = 0;
  http_.SetHandler([&](const HttpRequest&) -> Result<HttpResponse> {
    if (++calls <= 2) {
      return UnavailableError("connecting to https://dns.example.test:443: connection failed");
    }
    return fakes::MakeJsonResponse(200, RecordJson("AVAILABLE"));
  });
  Result<DnsRecord> r = NewClient(5)->GetRecord("z1", "r1");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(calls, 3);
  EXPECT_EQ(clock_.sleeps(), (std::vector<Duration>{milliseconds(200), milliseconds(400)}));
}

TEST_F(IonosDnsScriptedTest, RetryAfterAsHttpDate) {
  const std::string date = "Thu, 01 Jan 2026 00:00:07 GMT";  // the FakeClock starts at 2026-01-01T00:00:00Z
  int calls = 0;
  http_.SetHandler([&](const HttpRequest&) {
    if (++calls == 1) {
      return fakes::MakeResponse(429, "", {{"Retry-After", date}});
    }
    return fakes::MakeJsonResponse(200, RecordJson("AVAILABLE"));
  });
  ASSERT_TRUE(NewClient(3)->GetRecord("z1", "r1").ok());
  EXPECT_EQ(clock_.sleeps(), std::vector<Duration>{seconds(7)});
}

TEST_F(IonosDnsScriptedTest, ZonePagingStopsWithoutNextLink) {
  // Full pages but no `_links.next`: the API says there is nothing more.
  http_.SetHandler([](const HttpRequest& r) {
    EXPECT_EQ(r.url, "https://dns.example.test/zones?offset=0&limit=2");
    nlohmann::json page = {{"type", "collection"},
                           {"offset", 0},
                           {"limit", 2},
                           {"_links", {{"self", "x"}}},
                           {"items",
                            {{{"id", "a"}, {"properties", {{"zoneName", "A.example."}}}},
                             {{"id", "b"}, {"properties", {{"zoneName", "b.example"}}}}}}};
    return fakes::MakeJsonResponse(200, page);
  });
  IonosCloudDnsOptions o;
  o.base_url = "https://dns.example.test";
  o.token = kToken;
  o.http = &http_;
  o.clock = &clock_;
  o.page_limit = 2;
  Result<std::vector<DnsZone>> zones = IonosCloudDnsClient::Create(o).value()->ListZones();
  ASSERT_TRUE(zones.ok()) << zones.status().ToString();
  ASSERT_EQ(zones->size(), 2u);
  EXPECT_EQ((*zones)[0].name, "a.example");  // normalised
  EXPECT_EQ(http_.request_count(), 1u);
}

TEST(IonosCloudDnsClientCreateTest, RejectsBadOptions) {
  fakes::FakeHttpClient http;
  struct Case {
    IonosCloudDnsOptions options;
    std::string want;
  };
  auto base = [&] {
    IonosCloudDnsOptions o;
    o.token = kToken;
    o.http = &http;
    return o;
  };
  std::map<std::string, Case> cases;
  {
    IonosCloudDnsOptions o = base();
    o.http = nullptr;
    cases["no http client"] = {o, "no HTTP client"};
  }
  {
    IonosCloudDnsOptions o = base();
    o.token = "";
    cases["no token"] = {o, "IONOS_TOKEN"};
  }
  {
    IonosCloudDnsOptions o = base();
    o.base_url = "ftp://dns.example";
    cases["bad url"] = {o, "IONOS Cloud DNS API URL"};
  }
  {
    IonosCloudDnsOptions o = base();
    o.page_limit = 1001;
    cases["page limit"] = {o, "page_limit"};
  }
  for (auto& [label, c] : cases) {
    Result<std::unique_ptr<IonosCloudDnsClient>> client = IonosCloudDnsClient::Create(c.options);
    ASSERT_FALSE(client.ok()) << label;
    EXPECT_EQ(client.status().code(), StatusCode::kInvalidArgument) << label;
    EXPECT_THAT(client.status().message(), HasSubstr(c.want)) << label;
  }
  EXPECT_TRUE(IonosCloudDnsClient::Create(base()).ok());
}

}  // namespace
}  // namespace ionos
