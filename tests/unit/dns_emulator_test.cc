// Tests for the IONOS Cloud DNS API emulator (tests/dns_emulator/emulator.h): the published API
// shape (collections, paging links, "contains" filters, 202 + PROVISIONING, error bodies), the
// fault switches and control endpoints, and what it pushes to pebble-challtestsrv (a recording
// stand-in here; the real binary, queried over DNS: skipped when it is missing, a failure then under
// IONOS_TEST_REQUIRE_ALL=1).
#include "tests/dns_emulator/emulator.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/fakes/challtestsrv.h"
#include "tests/fakes/fake_clock.h"
#include "tests/fakes/require_all.h"
#include "tests/dns_emulator/test_http_server.h"
#include <httplib.h>
#include <stdbool.h>  // before ldns, which otherwise #defines true and false as 0 and 1 in C++
#include <ldns/ldns.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/http/http.h"

namespace ionos {
namespace {

namespace emu = ::ionos::testing;
using ::testing::HasSubstr;
using json = nlohmann::json;
using std::chrono::milliseconds;

constexpr char kToken[] = "emulator-test-token";
constexpr char kZoneId[] = "11111111-1111-4111-8111-111111111111";
constexpr char kRecordId[] = "22222222-2222-4222-8222-222222222222";

struct Answer {
  int status = 0;
  json body;
  HttpResponse raw;
};

class DnsEmulatorTest : public ::testing::Test {
 protected:
  void SetUp() override { http_ = NewHttpClient({}).value(); }

  void Start(const std::vector<emu::EmulatorZone>& zones, const std::string& challtestsrv = "") {
    emu::DnsEmulatorOptions options;
    options.token = kToken;
    options.zones = zones;
    options.challtestsrv_url = challtestsrv;
    options.clock = provisioning_clock_;
    Result<std::unique_ptr<emu::DnsApiEmulator>> started = emu::DnsApiEmulator::Start(options);
    ASSERT_TRUE(started.ok()) << started.status().ToString();
    emulator_ = std::move(started).value();
  }

  void StartDefault(const std::string& challtestsrv = "") {
    Start({{"example.com", kZoneId, {}},
           {"sub.example.com", "", {}},
           {"notexample.com", "", {}},
           {"ample.com", "", {}},
           {"example.org", "", {}}},
          challtestsrv);
  }

  Answer Call(const std::string& method, const std::string& path, const std::string& body = "",
              const std::string& auth = std::string("Bearer ") + kToken) {
    HttpRequest r;
    r.method = method;
    r.url = emulator_->base_url() + path;
    if (!auth.empty()) {
      r.headers.emplace_back("Authorization", auth);
    }
    if (!body.empty()) {
      r.headers.emplace_back("Content-Type", "application/json");
      r.body = body;
    }
    Result<HttpResponse> response = http_->Do(r);
    EXPECT_TRUE(response.ok()) << response.status().ToString();
    Answer a;
    if (response.ok()) {
      a.raw = *response;
      a.status = response->status;
      a.body = json::parse(response->body, nullptr, false);
    }
    return a;
  }

  std::string Put(const std::string& record_id, const json& properties, const std::string& zone = kZoneId) {
    Answer a = Call("PUT", "/zones/" + zone + "/records/" + record_id, json{{"properties", properties}}.dump());
    EXPECT_EQ(a.status, 202) << a.raw.body;
    return a.body.value("id", "");
  }

  static json Txt(const std::string& name, const std::string& content, int ttl = 60) {
    return {{"name", name}, {"type", "TXT"}, {"content", content}, {"ttl", ttl}};
  }

  static std::set<std::string> ZoneNames(const json& collection) {
    std::set<std::string> names;
    for (const json& z : collection["items"]) {
      names.insert(z["properties"]["zoneName"].get<std::string>());
    }
    return names;
  }

  static void ExpectErrorBody(const Answer& a, int status, const std::string& want_message) {
    EXPECT_EQ(a.status, status) << a.raw.body;
    ASSERT_TRUE(a.body.is_object()) << a.raw.body;
    EXPECT_EQ(a.body["httpStatus"], status);
    ASSERT_TRUE(a.body["messages"].is_array());
    ASSERT_EQ(a.body["messages"].size(), 1u);
    EXPECT_TRUE(a.body["messages"][0]["errorCode"].is_string());
    EXPECT_THAT(a.body["messages"][0]["message"].get<std::string>(), HasSubstr(want_message));
    EXPECT_EQ(a.raw.Header("Content-Type"), "application/json");
  }

  std::unique_ptr<HttpClient> http_;
  std::unique_ptr<emu::DnsApiEmulator> emulator_;
  // Set before Start() to measure provisioning delays on a FakeClock.
  const Clock* provisioning_clock_ = nullptr;
};

TEST_F(DnsEmulatorTest, BindsLoopbackOnly) {
  emu::DnsEmulatorOptions options;
  options.host = "0.0.0.0";
  EXPECT_EQ(emu::DnsApiEmulator::Start(options).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(DnsEmulatorTest, EveryApiRequestNeedsTheBearerToken) {
  StartDefault();
  const std::map<std::string, std::string> cases = {
      {"no header", ""},
      {"wrong token", "Bearer nope"},
      {"basic auth", "Basic dXNlcjpwYXNz"},
      {"token without scheme", kToken},
  };
  for (const auto& [label, auth] : cases) {
    for (const std::string& path : {std::string("/zones"), std::string("/records"),
                                    std::string("/zones/") + kZoneId + "/records/" + kRecordId}) {
      Answer a = Call("GET", path, "", auth);
      SCOPED_TRACE(label + " " + path);
      ExpectErrorBody(a, 401, "Unauthorized, wrong or no api key provided to process this request");
      EXPECT_EQ(a.body["messages"][0]["errorCode"], "paas-auth-1");
    }
  }
  EXPECT_EQ(Call("GET", "/zones").status, 200);
}

TEST_F(DnsEmulatorTest, ZonesCollectionShape) {
  StartDefault();
  Answer a = Call("GET", "/zones");
  ASSERT_EQ(a.status, 200);
  const json& c = a.body;
  EXPECT_EQ(c["type"], "collection");
  EXPECT_TRUE(c["id"].is_string());
  EXPECT_EQ(c["href"], emulator_->base_url() + "/zones");
  EXPECT_EQ(c["offset"], 0);
  EXPECT_EQ(c["limit"], 100);  // the API's default
  EXPECT_EQ(c["_links"]["self"], emulator_->base_url() + "/zones?offset=0&limit=100");
  EXPECT_FALSE(c["_links"].contains("next"));
  EXPECT_FALSE(c["_links"].contains("prev"));
  ASSERT_EQ(c["items"].size(), 5u);
  const json& z = c["items"][0];
  EXPECT_EQ(z["id"], kZoneId);
  EXPECT_EQ(z["type"], "zone");
  EXPECT_EQ(z["href"], emulator_->base_url() + "/zones/" + kZoneId);
  EXPECT_EQ(z["metadata"]["state"], "AVAILABLE");
  EXPECT_EQ(z["metadata"]["nameservers"],
            json({"ns-ic.ui-dns.com", "ns-ic.ui-dns.de", "ns-ic.ui-dns.org", "ns-ic.ui-dns.biz"}));
  EXPECT_EQ(z["properties"]["zoneName"], "example.com");
  EXPECT_EQ(z["properties"]["enabled"], true);

  Answer one = Call("GET", std::string("/zones/") + kZoneId);
  EXPECT_EQ(one.status, 200);
  EXPECT_EQ(one.body, z);
  ExpectErrorBody(Call("GET", "/zones/no-such-zone"), 404, "not found");
}

TEST_F(DnsEmulatorTest, ZoneNameFilterMeansContains) {
  StartDefault();
  const std::map<std::string, std::pair<std::string, std::set<std::string>>> cases = {
      {"exact name also finds longer ones",
       {"example.com", {"example.com", "sub.example.com", "notexample.com"}}},
      {"fragment", {"ample", {"example.com", "sub.example.com", "notexample.com", "ample.com", "example.org"}}},
      {"case-insensitive", {"EXAMPLE.COM", {"example.com", "sub.example.com", "notexample.com"}}},
      {"other TLD", {".org", {"example.org"}}},
      {"no match", {"nomatch", {}}},
  };
  for (const auto& [label, c] : cases) {
    Answer a = Call("GET", "/zones?filter.zoneName=" + c.first);
    ASSERT_EQ(a.status, 200) << label;
    EXPECT_EQ(ZoneNames(a.body), c.second) << label;
    EXPECT_THAT(a.body["_links"]["self"].get<std::string>(), HasSubstr("filter.zoneName=")) << label;
  }
  EXPECT_EQ(Call("GET", "/zones?filter.state=AVAILABLE").body["items"].size(), 5u);
  EXPECT_EQ(Call("GET", "/zones?filter.state=PROVISIONING").body["items"].size(), 0u);
}

TEST_F(DnsEmulatorTest, PagingLinks) {
  StartDefault();
  struct Case {
    std::string query;
    size_t items;
    bool prev;
    bool next;
  };
  const std::map<std::string, Case> cases = {
      {"first page", {"offset=0&limit=2", 2, false, true}},
      {"middle page", {"offset=2&limit=2", 2, true, true}},
      {"last page", {"offset=4&limit=2", 1, true, false}},
      {"past the end", {"offset=10&limit=2", 0, true, false}},
      {"everything", {"limit=1000", 5, false, false}},
  };
  for (const auto& [label, c] : cases) {
    Answer a = Call("GET", "/zones?" + c.query);
    ASSERT_EQ(a.status, 200) << label;
    EXPECT_EQ(a.body["items"].size(), c.items) << label;
    EXPECT_EQ(a.body["_links"].contains("prev"), c.prev) << label;
    EXPECT_EQ(a.body["_links"].contains("next"), c.next) << label;
  }
  Answer middle = Call("GET", "/zones?offset=2&limit=2");
  EXPECT_EQ(middle.body["_links"]["next"], emulator_->base_url() + "/zones?offset=4&limit=2");
  EXPECT_EQ(middle.body["_links"]["prev"], emulator_->base_url() + "/zones?offset=0&limit=2");
  EXPECT_EQ(middle.body["offset"], 2);
  EXPECT_EQ(middle.body["limit"], 2);

  const std::map<std::string, std::string> bad = {
      {"limit too large", "limit=1001"}, {"limit zero", "limit=0"}, {"negative offset", "offset=-1"},
      {"not a number", "limit=ten"},
  };
  for (const auto& [label, query] : bad) {
    SCOPED_TRACE(label);
    ExpectErrorBody(Call("GET", "/zones?" + query), 400, query.substr(0, query.find('=')));
  }
}

TEST_F(DnsEmulatorTest, PutCreatesAndEnsuresRecords) {
  StartDefault();
  Answer a = Call("PUT", std::string("/zones/") + kZoneId + "/records/" + kRecordId,
                  json{{"properties", Txt("_acme-challenge.www", "value-1", 120)}}.dump());
  ASSERT_EQ(a.status, 202) << a.raw.body;
  const json& r = a.body;
  EXPECT_EQ(r["id"], kRecordId);
  EXPECT_EQ(r["type"], "record");
  EXPECT_EQ(r["href"], emulator_->base_url() + "/zones/" + kZoneId + "/records/" + kRecordId);
  EXPECT_EQ(r["metadata"]["state"], "PROVISIONING");
  EXPECT_EQ(r["metadata"]["fqdn"], "_acme-challenge.www.example.com");
  EXPECT_EQ(r["metadata"]["zoneId"], kZoneId);
  EXPECT_TRUE(r["metadata"]["createdDate"].is_string());
  EXPECT_EQ(r["properties"], json({{"name", "_acme-challenge.www"},
                                   {"type", "TXT"},
                                   {"content", "value-1"},
                                   {"ttl", 120},
                                   {"enabled", true}}));
  // With no provisioning delay the next read shows AVAILABLE.
  Answer got = Call("GET", std::string("/zones/") + kZoneId + "/records/" + kRecordId);
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(got.body["metadata"]["state"], "AVAILABLE");

  // Ensuring again leaves one record; a changed value updates it.
  Put(kRecordId, Txt("_acme-challenge.www", "value-1", 120));
  Put(kRecordId, Txt("_acme-challenge.www", "value-2", 120));
  Answer list = Call("GET", std::string("/zones/") + kZoneId + "/records");
  ASSERT_EQ(list.status, 200);
  ASSERT_EQ(list.body["items"].size(), 1u);
  EXPECT_EQ(list.body["items"][0]["properties"]["content"], "value-2");

  // Apex and wildcard names.
  const std::string apex = "33333333-3333-4333-8333-333333333333";
  Put(apex, {{"name", ""}, {"type", "TXT"}, {"content", "at-apex"}});
  EXPECT_EQ(Call("GET", std::string("/zones/") + kZoneId + "/records/" + apex).body["metadata"]["fqdn"],
            "example.com");
  const std::string wild = "44444444-4444-4444-8444-444444444444";
  Put(wild, {{"name", "*"}, {"type", "A"}, {"content", "192.0.2.1"}});
  EXPECT_EQ(Call("GET", std::string("/zones/") + kZoneId + "/records/" + wild).body["properties"]["ttl"], 3600);
}

TEST_F(DnsEmulatorTest, PostCreatesWithServerChosenId) {
  StartDefault();
  Answer a = Call("POST", std::string("/zones/") + kZoneId + "/records",
                  json{{"properties", Txt("_acme-challenge", "v")}}.dump());
  ASSERT_EQ(a.status, 202) << a.raw.body;
  EXPECT_EQ(a.body["id"].get<std::string>().size(), 36u);
  EXPECT_EQ(a.body["metadata"]["state"], "PROVISIONING");
  EXPECT_EQ(a.body["metadata"]["fqdn"], "_acme-challenge.example.com");
  // POST is not idempotent: a second one makes a second record.
  Call("POST", std::string("/zones/") + kZoneId + "/records", json{{"properties", Txt("_acme-challenge", "v")}}.dump());
  EXPECT_EQ(emulator_->records().size(), 2u);
}

TEST_F(DnsEmulatorTest, ValidationErrors) {
  StartDefault();
  const std::string path = std::string("/zones/") + kZoneId + "/records/" + kRecordId;
  const std::map<std::string, std::pair<std::string, std::string>> cases = {
      {"ttl below 60", {json{{"properties", Txt("a", "v", 59)}}.dump(), "between 60 and 86400"}},
      {"ttl above 86400", {json{{"properties", Txt("a", "v", 86401)}}.dump(), "between 60 and 86400"}},
      {"ttl not a number", {R"({"properties":{"name":"a","type":"TXT","content":"v","ttl":"60"}})", "ttl"}},
      {"unknown type", {R"({"properties":{"name":"a","type":"BOGUS","content":"v"}})", "unknown record type"}},
      {"missing content", {R"({"properties":{"name":"a","type":"TXT"}})", "content"}},
      {"missing name", {R"({"properties":{"type":"TXT","content":"v"}})", "name"}},
      {"empty label", {json{{"properties", Txt("a..b", "v")}}.dump(), "not a valid record name"}},
      {"inner wildcard", {json{{"properties", Txt("a.*", "v")}}.dump(), "not a valid record name"}},
      {"MX without priority", {R"({"properties":{"name":"","type":"MX","content":"mx.example.com"}})", "priority"}},
      {"no properties", {R"({"name":"a"})", "properties"}},
      {"not JSON", {"{nope", "not valid JSON"}},
  };
  for (const auto& [label, c] : cases) {
    SCOPED_TRACE(label);
    ExpectErrorBody(Call("PUT", path, c.first), 400, c.second);
  }
  SCOPED_TRACE("record id not a UUID");
  ExpectErrorBody(Call("PUT", std::string("/zones/") + kZoneId + "/records/abc", json{{"properties", Txt("a", "v")}}.dump()),
                  400, "not a UUID");
  EXPECT_TRUE(emulator_->records().empty());
}

TEST_F(DnsEmulatorTest, UnknownZonesAndRecordsAre404) {
  StartDefault();
  const std::string unknown_zone = "/zones/99999999-9999-4999-8999-999999999999";
  const std::string body = json{{"properties", Txt("a", "v")}}.dump();
  ExpectErrorBody(Call("PUT", unknown_zone + "/records/" + kRecordId, body), 404, "zone");
  ExpectErrorBody(Call("POST", unknown_zone + "/records", body), 404, "zone");
  ExpectErrorBody(Call("GET", unknown_zone + "/records"), 404, "zone");
  ExpectErrorBody(Call("GET", std::string("/zones/") + kZoneId + "/records/" + kRecordId), 404, "record");
  ExpectErrorBody(Call("DELETE", std::string("/zones/") + kZoneId + "/records/" + kRecordId), 404, "record");
  ExpectErrorBody(Call("GET", "/no/such/endpoint"), 404, "no such resource");
}

TEST_F(DnsEmulatorTest, DeleteAnswers202ThenTheRecordIsGone) {
  StartDefault();
  Put(kRecordId, Txt("_acme-challenge", "v"));
  const std::string path = std::string("/zones/") + kZoneId + "/records/" + kRecordId;
  Answer del = Call("DELETE", path);
  EXPECT_EQ(del.status, 202);
  EXPECT_EQ(del.body, json::object());
  ExpectErrorBody(Call("GET", path), 404, "not found");
  ExpectErrorBody(Call("DELETE", path), 404, "not found");
  // A record id is bound to its zone.
  Put(kRecordId, Txt("_acme-challenge", "v"));
  const std::string other = emulator_->zones()[1].id;
  ExpectErrorBody(Call("PUT", "/zones/" + other + "/records/" + kRecordId, json{{"properties", Txt("a", "v")}}.dump()),
                  409, "another zone");
}

TEST_F(DnsEmulatorTest, RecordListsArePaged) {
  StartDefault();
  for (int i = 0; i < 250; ++i) {
    ASSERT_TRUE(emulator_->AddRecord(kZoneId, "r" + std::to_string(i), "TXT", "v").ok());
  }
  std::set<std::string> seen;
  std::string next = std::string("/zones/") + kZoneId + "/records?offset=0&limit=100";
  int pages = 0;
  while (!next.empty()) {
    Answer a = Call("GET", next);
    ASSERT_EQ(a.status, 200);
    ++pages;
    for (const json& r : a.body["items"]) {
      seen.insert(r["id"].get<std::string>());
      EXPECT_EQ(r["metadata"]["state"], "AVAILABLE");
    }
    next = a.body["_links"].value("next", "");
    if (!next.empty()) {
      next = next.substr(emulator_->base_url().size());
    }
  }
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(seen.size(), 250u);
  EXPECT_EQ(Call("GET", std::string("/zones/") + kZoneId + "/records").body["items"].size(), 100u);
}

TEST_F(DnsEmulatorTest, GlobalRecordFilters) {
  StartDefault();
  const std::string sub = emulator_->zones()[1].id;
  ASSERT_TRUE(emulator_->AddRecord(kZoneId, "_acme-challenge", "TXT", "a").ok());
  ASSERT_TRUE(emulator_->AddRecord(kZoneId, "_acme-challenge.www", "TXT", "b").ok());
  ASSERT_TRUE(emulator_->AddRecord(kZoneId, "www", "A", "192.0.2.1").ok());
  ASSERT_TRUE(emulator_->AddRecord(kZoneId, "www", "AAAA", "2001:db8::1").ok());
  ASSERT_TRUE(emulator_->AddRecord(sub, "_acme-challenge", "TXT", "c").ok());
  auto count = [&](const std::string& query) {
    Answer a = Call("GET", "/records?" + query);
    EXPECT_EQ(a.status, 200) << query << ": " << a.raw.body;
    return a.body["items"].size();
  };
  const std::map<std::string, std::pair<std::string, size_t>> cases = {
      {"no filter", {"", 5}},
      {"name contains", {"filter.name=acme", 3}},
      {"name contains, exact name too", {"filter.name=_acme-challenge", 3}},
      {"zone id", {std::string("filter.zoneId=") + kZoneId, 4}},
      {"zone id fragment", {std::string("filter.zoneId=") + std::string(kZoneId).substr(0, 8), 4}},
      {"type is exact (A is not AAAA)", {"filter.type=A", 1}},
      {"type TXT", {"filter.type=TXT", 3}},
      {"combined", {std::string("filter.zoneId=") + kZoneId + "&filter.type=TXT&filter.name=www", 1}},
      {"state", {"filter.state=AVAILABLE", 5}},
      {"state none", {"filter.state=FAILED", 0}},
  };
  for (const auto& [label, c] : cases) {
    EXPECT_EQ(count(c.first), c.second) << label;
  }
  ExpectErrorBody(Call("GET", "/records?filter.type=BOGUS"), 400, "unknown record type");
}

TEST_F(DnsEmulatorTest, FaultSwitchesThroughTheControlEndpoint) {
  StartDefault();
  // Rate limiting with Retry-After.
  Answer set = Call("POST", "/_emulator/faults", R"({"rate_limit_next":2,"retry_after_seconds":7})", "");
  ASSERT_EQ(set.status, 200) << set.raw.body;
  EXPECT_EQ(set.body["rate_limit_next"], 2);
  for (int i = 0; i < 2; ++i) {
    Answer a = Call("GET", "/zones");
    ExpectErrorBody(a, 429, "Too many requests");
    EXPECT_EQ(a.raw.Header("Retry-After"), "7");
  }
  EXPECT_EQ(Call("GET", "/zones").status, 200);

  // Server errors: a count, then always, then off.
  Call("POST", "/_emulator/faults", R"({"server_error":1})", "");
  ExpectErrorBody(Call("GET", "/zones"), 500, "Internal error");
  EXPECT_EQ(Call("GET", "/zones").status, 200);
  Call("POST", "/_emulator/faults", R"({"server_error":"always","server_error_status":502})", "");
  for (int i = 0; i < 3; ++i) {
    ExpectErrorBody(Call("GET", "/zones"), 502, "Internal error");
  }
  Call("POST", "/_emulator/faults", R"({"server_error":"off"})", "");
  EXPECT_EQ(Call("GET", "/zones").status, 200);

  // Unauthorized even with the right token; the control endpoints stay open.
  Call("POST", "/_emulator/faults", R"({"unauthorized":true})", "");
  ExpectErrorBody(Call("GET", "/zones"), 401, "Unauthorized");
  Answer faults = Call("GET", "/_emulator/faults", "", "");
  EXPECT_EQ(faults.status, 200);
  EXPECT_EQ(faults.body["unauthorized"], true);
  Call("POST", "/_emulator/faults", R"({"unauthorized":false})", "");
  EXPECT_EQ(Call("GET", "/zones").status, 200);

  // Bad switches are refused and change nothing.
  ExpectErrorBody(Call("POST", "/_emulator/faults", R"({"no_such_switch":1})", ""), 400, "unknown fault switch");
  ExpectErrorBody(Call("POST", "/_emulator/faults", R"({"server_error":"sometimes"})", ""), 400, "server_error");
  EXPECT_EQ(Call("GET", "/zones").status, 200);
}

TEST_F(DnsEmulatorTest, ProvisioningDelayAndFailure) {
  fakes::FakeClock clock;
  provisioning_clock_ = &clock;
  StartDefault();
  Call("POST", "/_emulator/faults", R"({"provisioning_delay_ms":300})", "");
  const std::string path = std::string("/zones/") + kZoneId + "/records/" + kRecordId;
  Put(kRecordId, Txt("_acme-challenge", "v"));
  EXPECT_EQ(Call("GET", path).body["metadata"]["state"], "PROVISIONING");
  clock.Advance(milliseconds(299));
  EXPECT_EQ(Call("GET", path).body["metadata"]["state"], "PROVISIONING");
  clock.Advance(milliseconds(1));
  EXPECT_EQ(Call("GET", path).body["metadata"]["state"], "AVAILABLE");

  Call("POST", "/_emulator/faults", R"({"provisioning_delay_ms":0,"fail_provisioning_next":1})", "");
  const std::string second = "55555555-5555-4555-8555-555555555555";
  Put(second, Txt("_acme-challenge.www", "v"));
  EXPECT_EQ(Call("GET", std::string("/zones/") + kZoneId + "/records/" + second).body["metadata"]["state"], "FAILED");
  EXPECT_EQ(Call("GET", "/records?filter.state=FAILED").body["items"].size(), 1u);
}

// The barrier of the end-to-end concurrency tests: a held record stays PROVISIONING past its delay
// (so its writer is provably mid-issuance) until the switch is turned off.
TEST_F(DnsEmulatorTest, HeldProvisioningWaitsForTheRelease) {
  fakes::FakeClock clock;
  provisioning_clock_ = &clock;
  StartDefault();
  Answer held = Call("POST", "/_emulator/faults", R"({"hold_provisioning":true})", "");
  ASSERT_EQ(held.status, 200) << held.raw.body;
  EXPECT_EQ(held.body["hold_provisioning"], true);
  const std::string path = std::string("/zones/") + kZoneId + "/records/" + kRecordId;
  Put(kRecordId, Txt("_acme-challenge", "v"));
  clock.Advance(std::chrono::hours(1));
  EXPECT_EQ(Call("GET", path).body["metadata"]["state"], "PROVISIONING");
  EXPECT_EQ(Call("GET", "/records?filter.state=AVAILABLE").body["items"].size(), 0u);
  ASSERT_EQ(Call("POST", "/_emulator/faults", R"({"hold_provisioning":false})", "").status, 200);
  EXPECT_EQ(Call("GET", path).body["metadata"]["state"], "AVAILABLE");
  ExpectErrorBody(Call("POST", "/_emulator/faults", R"({"hold_provisioning":1})", ""), 400, "hold_provisioning");
}

TEST_F(DnsEmulatorTest, ControlEndpointsShowRecordsAndRequestCounts) {
  StartDefault();
  Put(kRecordId, Txt("_acme-challenge", "v"));
  Call("GET", "/zones");
  Call("GET", "/zones");
  Call("GET", std::string("/zones/") + kZoneId + "/records/" + kRecordId);
  Call("GET", "/zones", "", "Bearer wrong");  // counted too

  Answer records = Call("GET", "/_emulator/records", "", "");
  ASSERT_EQ(records.status, 200);
  ASSERT_EQ(records.body["records"].size(), 1u);
  const json& r = records.body["records"][0];
  EXPECT_EQ(r["id"], kRecordId);
  EXPECT_EQ(r["zoneName"], "example.com");
  EXPECT_EQ(r["fqdn"], "_acme-challenge.example.com");
  EXPECT_EQ(r["state"], "AVAILABLE");

  Answer counts = Call("GET", "/_emulator/requests", "", "");
  EXPECT_EQ(counts.body, json({{"GET /zones", 3},
                               {"PUT /zones/{zoneId}/records/{recordId}", 1},
                               {"GET /zones/{zoneId}/records/{recordId}", 1}}));
  EXPECT_EQ(emulator_->request_count("GET /zones"), 3);

  Answer added = Call("POST", "/_emulator/zones", R"({"name":"Example.NET.","id":"zone-net"})", "");
  EXPECT_EQ(added.status, 201);
  EXPECT_EQ(added.body["name"], "example.net");
  EXPECT_EQ(Call("GET", "/zones?filter.zoneName=example.net").body["items"][0]["id"], "zone-net");
  EXPECT_EQ(Call("POST", "/_emulator/zones", R"({"name":"example.net"})", "").status, 409);

  EXPECT_EQ(Call("POST", "/_emulator/reset", "{}", "").status, 200);
  EXPECT_TRUE(Call("GET", "/_emulator/records", "", "").body["records"].empty());
  EXPECT_EQ(Call("GET", "/_emulator/requests", "", "").body, json::object());
}

// ---------------------------------------------------------------- publishing to challtestsrv

// Records the management calls pebble-challtestsrv would get, and keeps its view (which, like
// the real one, appends on set-txt and drops all values of a host on clear-txt).
class RecordingChalltestsrv {
 public:
  RecordingChalltestsrv() {
    server_.set_tcp_nodelay(true);
    server_.set_keep_alive_max_count(1);  // no idle keep-alive connection delays stop()
    server_.Post("/set-txt", [this](const httplib::Request& req, httplib::Response&) {
      json j = json::parse(req.body);
      std::lock_guard<std::mutex> lock(mu_);
      calls_.push_back("set " + j["host"].get<std::string>() + " " + j["value"].get<std::string>());
      txt_[j["host"].get<std::string>()].push_back(j["value"].get<std::string>());
    });
    server_.Post("/clear-txt", [this](const httplib::Request& req, httplib::Response&) {
      json j = json::parse(req.body);
      std::lock_guard<std::mutex> lock(mu_);
      calls_.push_back("clear " + j["host"].get<std::string>());
      txt_.erase(j["host"].get<std::string>());
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { ionos::testing::ServeHttpForTests(server_); });
    while (!server_.is_running()) {
      std::this_thread::sleep_for(milliseconds(1));
    }
  }
  ~RecordingChalltestsrv() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::vector<std::string> TakeCalls() {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<std::string> out;
    out.swap(calls_);
    return out;
  }
  std::map<std::string, std::vector<std::string>> txt() const {
    std::lock_guard<std::mutex> lock(mu_);
    return txt_;
  }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  mutable std::mutex mu_;
  std::vector<std::string> calls_;
  std::map<std::string, std::vector<std::string>> txt_;
};

TEST_F(DnsEmulatorTest, PublishesTxtValuesAndKeepsSharedNamesCorrect) {
  RecordingChalltestsrv cts;
  StartDefault(cts.url());
  const std::string host = "_acme-challenge.example.com.";
  const std::string a = "66666666-6666-4666-8666-666666666666";
  const std::string b = "77777777-7777-4777-8777-777777777777";
  const std::string path = std::string("/zones/") + kZoneId + "/records/";

  // Apex and wildcard challenges share one name: both values, appended without a gap.
  Put(a, Txt("_acme-challenge", "apex-value"));
  Call("GET", path + a);
  Put(b, Txt("_ACME-Challenge", "wildcard-value"));
  Call("GET", path + b);
  EXPECT_EQ(cts.TakeCalls(), (std::vector<std::string>{"set " + host + " apex-value", "set " + host + " wildcard-value"}));
  EXPECT_EQ(cts.txt()[host], (std::vector<std::string>{"apex-value", "wildcard-value"}));

  // Re-ensuring an unchanged record publishes nothing new.
  Put(a, Txt("_acme-challenge", "apex-value"));
  Call("GET", path + a);
  EXPECT_TRUE(cts.TakeCalls().empty());

  // Deleting one: challtestsrv can only clear a whole name, so the other value is put back.
  EXPECT_EQ(Call("DELETE", path + a).status, 202);
  EXPECT_EQ(cts.TakeCalls(), (std::vector<std::string>{"clear " + host, "set " + host + " wildcard-value"}));
  EXPECT_EQ(cts.txt()[host], std::vector<std::string>{"wildcard-value"});

  // Non-TXT records and disabled TXT records are not published.
  Put("88888888-8888-4888-8888-888888888888", {{"name", "www"}, {"type", "A"}, {"content", "192.0.2.1"}});
  Put("99999999-9999-4999-8999-999999999999",
      {{"name", "_acme-challenge.www"}, {"type", "TXT"}, {"content", "off"}, {"enabled", false}});
  Call("GET", "/zones");
  EXPECT_TRUE(cts.TakeCalls().empty());

  // Deleting the last value clears the name.
  EXPECT_EQ(Call("DELETE", path + b).status, 202);
  EXPECT_EQ(cts.TakeCalls(), std::vector<std::string>{"clear " + host});
  EXPECT_TRUE(cts.txt().empty());
  EXPECT_TRUE(emulator_->publish_errors().empty());
}

TEST_F(DnsEmulatorTest, PublishesOnlyOnceAvailable) {
  RecordingChalltestsrv cts;
  StartDefault(cts.url());
  Call("POST", "/_emulator/faults", R"({"provisioning_delay_ms":300,"fail_provisioning_next":1})", "");
  const std::string failed = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa";
  Put(failed, Txt("_acme-challenge.bad", "never"));
  Put(kRecordId, Txt("_acme-challenge.www", "later"));
  EXPECT_TRUE(cts.TakeCalls().empty());
  // Published by the emulator's own provisioner when the delay is over, without anyone polling:
  // wait (boundedly) for the push instead of sleeping a fixed time.
  std::vector<std::string> calls;
  for (int i = 0; i < 1000 && calls.empty(); ++i) {
    std::this_thread::sleep_for(milliseconds(10));
    calls = cts.TakeCalls();
  }
  EXPECT_EQ(calls, std::vector<std::string>{"set _acme-challenge.www.example.com. later"});
}

// ---------------------------------------------------------------- with the real pebble-challtestsrv

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

// TXT strings of `name` at 127.0.0.1:port, sorted.
std::vector<std::string> QueryTxt(int port, const std::string& name) {
  std::vector<std::string> out;
  ldns_resolver* res = ldns_resolver_new();
  ldns_rdf* ns = ldns_rdf_new_frm_str(LDNS_RDF_TYPE_A, "127.0.0.1");
  ldns_resolver_push_nameserver(res, ns);
  ldns_rdf_deep_free(ns);
  ldns_resolver_set_port(res, static_cast<uint16_t>(port));
  ldns_resolver_set_retry(res, 1);
  ldns_rdf* dname = ldns_dname_new_frm_str(name.c_str());
  ldns_pkt* pkt = ldns_resolver_query(res, dname, LDNS_RR_TYPE_TXT, LDNS_RR_CLASS_IN, LDNS_RD);
  if (pkt != nullptr) {
    ldns_rr_list* txt = ldns_pkt_rr_list_by_type(pkt, LDNS_RR_TYPE_TXT, LDNS_SECTION_ANSWER);
    for (size_t i = 0; txt != nullptr && i < ldns_rr_list_rr_count(txt); ++i) {
      char* s = ldns_rdf2str(ldns_rr_rdf(ldns_rr_list_rr(txt, i), 0));
      std::string v = s;
      free(s);
      if (v.size() >= 2 && v.front() == '"') {
        v = v.substr(1, v.size() - 2);
      }
      out.push_back(v);
    }
    ldns_rr_list_deep_free(txt);
    ldns_pkt_free(pkt);
  }
  ldns_rdf_deep_free(dname);
  ldns_resolver_deep_free(res);
  std::sort(out.begin(), out.end());
  return out;
}

TEST_F(DnsEmulatorTest, RealChalltestsrvServesThePublishedValues) {
  const std::string challtestsrv = fakes::FindOnPath("pebble-challtestsrv");
  if (challtestsrv.empty()) {
    IONOS_SKIP_OR_FAIL("pebble-challtestsrv is not on PATH (Debian package pebble; scripts/install-deps)");
  }
  const int dns_port = FreePort();
  const int mgmt_port = FreePort();
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    const std::string dns = "127.0.0.1:" + std::to_string(dns_port);
    const std::string mgmt = "127.0.0.1:" + std::to_string(mgmt_port);
    freopen("/dev/null", "w", stdout);
    freopen("/dev/null", "w", stderr);
    execl(challtestsrv.c_str(), "pebble-challtestsrv", "-dns01", dns.c_str(), "-management", mgmt.c_str(),
          "-http01", "", "-https01", "", "-tlsalpn01", "", static_cast<char*>(nullptr));
    _exit(127);
  }
  struct Reaper {
    pid_t pid;
    ~Reaper() {
      kill(pid, SIGTERM);
      waitpid(pid, nullptr, 0);
    }
  } reaper{pid};
  const std::string mgmt_url = "http://127.0.0.1:" + std::to_string(mgmt_port);
  bool up = false;
  for (int i = 0; i < 200 && !up; ++i) {
    HttpRequest probe;
    probe.method = "POST";
    probe.url = mgmt_url + "/clear-txt";
    probe.body = R"({"host":"probe.invalid."})";
    Result<HttpResponse> r = http_->Do(probe);
    up = r.ok() && r->status == 200;
    if (!up) {
      std::this_thread::sleep_for(milliseconds(25));
    }
  }
  ASSERT_TRUE(up) << "pebble-challtestsrv did not start";

  StartDefault(mgmt_url);
  const std::string name = "_acme-challenge.example.com.";
  const std::string a = "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb";
  const std::string b = "cccccccc-cccc-4ccc-8ccc-cccccccccccc";
  const std::string path = std::string("/zones/") + kZoneId + "/records/";
  Put(a, Txt("_acme-challenge", "apex-value"));
  Put(b, Txt("_acme-challenge", "wildcard-value"));
  Call("GET", path + a);
  EXPECT_EQ(QueryTxt(dns_port, name), (std::vector<std::string>{"apex-value", "wildcard-value"}));
  Call("DELETE", path + a);
  EXPECT_EQ(QueryTxt(dns_port, name), std::vector<std::string>{"wildcard-value"});
  Call("DELETE", path + b);
  EXPECT_TRUE(QueryTxt(dns_port, name).empty());
  EXPECT_TRUE(emulator_->publish_errors().empty());
}

}  // namespace
}  // namespace ionos
