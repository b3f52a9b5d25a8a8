// The IONOS Cloud DNS client (core/dns/ionos_cloud_dns.h) reads answers of any shape
// without throwing. Error bodies and success bodies whose members have the wrong JSON types become
// errors (or absent values) that say what was wrong. Scripted HTTP answers (tests/fakes/fake_http.h)
// and the in-process API emulator's bad_error_body fault (tests/dns_emulator); time is a FakeClock.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/base/encoding.h"
#include "core/dns/ionos_cloud_dns.h"
#include "tests/dns_emulator/emulator.h"
#include "tests/fakes/fake_clock.h"
#include "tests/fakes/fake_http.h"
#include "tests/fakes/recording_logger.h"

namespace ionos {
namespace {

namespace emu = ::ionos::testing;
using ::testing::HasSubstr;
using std::chrono::seconds;

constexpr char kToken[] = "malformed-T0KEN-0815";
// The documented error shape, members of the wrong types.
constexpr char kWrongTypes[] = R"({"httpStatus":500,"messages":[{"errorCode":1,"message":{"x":1}}]})";

class DnsMalformedAnswersTest : public ::testing::Test {
 protected:
  std::unique_ptr<IonosCloudDnsClient> NewClient(int max_retries = 0) {
    IonosCloudDnsOptions o;
    o.base_url = "https://dns.example.test";
    o.token = kToken;
    o.http = &http_;
    o.clock = &clock_;
    o.logger = &logger_;
    o.max_retries = max_retries;
    return IonosCloudDnsClient::Create(o).value();
  }

  void AnswerAlways(int status, const std::string& body) {
    http_.SetHandler([status, body](const HttpRequest&) { return fakes::MakeResponse(status, body); });
  }

  fakes::FakeHttpClient http_;
  fakes::FakeClock clock_;
  fakes::RecordingLogger logger_;
};

TEST_F(DnsMalformedAnswersTest, ErrorBodyWithMembersOfTheWrongTypesIsAnErrorNotACrash) {
  AnswerAlways(500, kWrongTypes);
  Result<DnsRecord> record = NewClient(5)->GetRecord("z1", "r1");  // retried, then given up
  ASSERT_EQ(record.status().code(), StatusCode::kUnavailable) << record.status().ToString();
  const std::string m = record.status().message();
  EXPECT_THAT(m, HasSubstr("GET https://dns.example.test/zones/z1/records/r1"));
  EXPECT_THAT(m, HasSubstr("giving up after 6 attempts"));
  EXPECT_THAT(m, HasSubstr("the IONOS Cloud DNS API failed (500 Internal Server Error: an error body of the wrong "
                           "shape (messages[0].message is an object, not a string): " +
                           std::string(kWrongTypes) + ")"));
  EXPECT_EQ(http_.request_count(), 6u);
}

TEST_F(DnsMalformedAnswersTest, EveryErrorBodyShapeIsReadWithoutThrowing) {
  const std::map<std::string, std::pair<std::string, std::string>> cases = {
      {"messages not a list", {R"({"httpStatus":400,"messages":"bad"})", "\"messages\" is a string, not a list"}},
      {"message entry not an object", {R"({"messages":[1]})", "messages[0] is a number, not an object"}},
      {"error code an object", {R"({"messages":[{"errorCode":{"a":1}}]})",
                                "messages[0].errorCode is an object, not a string"}},
      {"message an array", {R"({"messages":[{"message":["a"],"errorCode":"e-1"}]})", "[e-1]"}},
      {"no messages", {R"({"httpStatus":400})", "an error body of the wrong shape (no \"messages\" list)"}},
      {"an array", {R"([{"message":"x"}])", "the body is an array, not an object"}},
      {"null", {"null", "the body is null, not an object"}},
      {"a string", {R"("oops")", "the body is a string, not an object"}},
      {"a good entry after a bad one", {R"({"messages":[{"message":7},{"message":"the detail","errorCode":"e-2"}]})",
                                        "400 Bad Request: the detail [e-2])"}},
      {"documented but empty", {R"({"messages":[]})", "400 Bad Request: {\"messages\":[]})"}},
      {"not JSON", {"<html>Bad request</html>", "400 Bad Request: <html>Bad request</html>)"}},
      {"deeply nested", {std::string(100000, '['), "400 Bad Request: [[[["}},
  };
  for (const auto& [label, c] : cases) {
    AnswerAlways(400, c.first);
    Result<DnsRecord> record = InternalError("not called");
    ASSERT_NO_THROW(record = NewClient()->GetRecord("z1", "r1")) << label;
    EXPECT_EQ(record.status().code(), StatusCode::kInvalidArgument) << label << ": " << record.status().ToString();
    EXPECT_THAT(record.status().message(), HasSubstr(c.second)) << label;
  }
}

TEST_F(DnsMalformedAnswersTest, TheTokenIsScrubbedFromMalformedBodiesToo) {
  AnswerAlways(400, std::string(R"({"messages":[{"message":{"echo":")") + kToken + R"("}}]})");
  Result<DnsRecord> record = NewClient()->GetRecord("z1", "r1");
  EXPECT_THAT(record.status().message(), HasSubstr("wrong shape"));
  EXPECT_THAT(record.status().message(), ::testing::Not(HasSubstr(kToken)));
}

TEST_F(DnsMalformedAnswersTest, RecordMembersOfTheWrongTypesReadAsAbsent) {
  AnswerAlways(200, R"({"id":"r1","metadata":["AVAILABLE"],
                        "properties":{"name":7,"type":"TXT","content":{"v":1},"ttl":"60","enabled":"yes"}})");
  Result<DnsRecord> record = NewClient()->GetRecord("z1", "r1");
  ASSERT_TRUE(record.ok()) << record.status().ToString();
  EXPECT_EQ(record->id, "r1");
  EXPECT_EQ(record->state, "");
  EXPECT_EQ(record->name, "");
  EXPECT_EQ(record->type, "TXT");
  EXPECT_EQ(record->content, "");
  EXPECT_EQ(record->ttl, 0);
  EXPECT_TRUE(record->enabled);

  for (const std::string ttl : {"99999999999", "-5", "60.5", "18446744073709551616"}) {
    AnswerAlways(200, R"({"id":"r1","properties":{"ttl":)" + ttl + "}}");
    record = NewClient()->GetRecord("z1", "r1");
    ASSERT_TRUE(record.ok()) << ttl << ": " << record.status().ToString();
    EXPECT_EQ(record->ttl, 0) << ttl;  // not truncated into a plausible TTL
  }
}

TEST_F(DnsMalformedAnswersTest, SuccessBodiesOfTheWrongShapeAreErrors) {
  const std::map<std::string, std::pair<std::string, std::string>> cases = {
      {"record id a number", {R"({"id":5})", "answered with a record without an id"}},
      {"a list", {R"([{"id":"r1"}])", "answered HTTP 200 with a body that is not a JSON object"}},
      {"not JSON", {"{\"id\":", "answered HTTP 200 with a body that is not a JSON object"}},
      {"deeply nested", {R"({"id":"r1","x":)" + std::string(5000, '['), "not a JSON object"}},
  };
  for (const auto& [label, c] : cases) {
    AnswerAlways(200, c.first);
    Result<DnsRecord> record = NewClient()->GetRecord("z1", "r1");
    EXPECT_EQ(record.status().code(), StatusCode::kUnavailable) << label << ": " << record.status().ToString();
    EXPECT_THAT(record.status().message(), HasSubstr(c.second)) << label;
  }
}

TEST_F(DnsMalformedAnswersTest, ZoneListingsOfTheWrongShape) {
  AnswerAlways(200, R"({"items":{"id":"z"}})");
  Result<std::vector<DnsZone>> zones = NewClient()->ListZones();
  EXPECT_EQ(zones.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(zones.status().message(), HasSubstr("answered GET /zones without an \"items\" list"));

  // Items of other shapes are skipped; `_links` that is not an object reads as absent.
  AnswerAlways(200, R"({"_links":"next","items":[1,"x",null,{"id":5,"properties":{"zoneName":"a.example"}},
                        {"id":"z1","properties":{"zoneName":["b.example"]}},
                        {"id":"z2","properties":{"zoneName":"c.example"},"metadata":{"nameservers":"ns1.example",
                         "state":{"s":1}}},
                        {"id":"z3","properties":{"zoneName":"d.example"},"metadata":{"nameservers":["ns1",2]}}]})");
  zones = NewClient()->ListZones();
  ASSERT_TRUE(zones.ok()) << zones.status().ToString();
  ASSERT_EQ(zones->size(), 2u);
  EXPECT_EQ((*zones)[0].id, "z2");
  EXPECT_TRUE((*zones)[0].nameservers.empty());
  EXPECT_EQ((*zones)[0].state, "");
  EXPECT_EQ((*zones)[1].id, "z3");
  EXPECT_EQ((*zones)[1].nameservers, std::vector<std::string>{"ns1"});
}

// ---------------------------------------------------------------- the emulator's fault switch

class DnsEmulatorBadErrorBodyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    HttpClientOptions http_options;
    http_options.connect_timeout = seconds(5);
    http_options.read_timeout = seconds(10);
    http_ = NewHttpClient(http_options).value();
    emu::DnsEmulatorOptions options;
    options.token = kToken;
    options.clock = &clock_;
    options.zones.push_back({"example.com", "", {}});
    Result<std::unique_ptr<emu::DnsApiEmulator>> started = emu::DnsApiEmulator::Start(options);
    ASSERT_TRUE(started.ok()) << started.status().ToString();
    emulator_ = std::move(started).value();
  }

  std::unique_ptr<IonosCloudDnsClient> NewClient() {
    IonosCloudDnsOptions o;
    o.base_url = emulator_->base_url();
    o.token = kToken;
    o.http = http_.get();
    o.clock = &clock_;
    o.logger = &logger_;
    return IonosCloudDnsClient::Create(o).value();
  }

  Status SetFaults(const std::string& text) { return emulator_->MergeFaults(nlohmann::json::parse(text)); }

  static std::string Uuid() {
    SystemRandom random;
    return NewUuid(random).value();
  }

  fakes::FakeClock clock_;
  fakes::RecordingLogger logger_;
  std::unique_ptr<HttpClient> http_;
  std::unique_ptr<emu::DnsApiEmulator> emulator_;
};

TEST_F(DnsEmulatorBadErrorBodyTest, ThreeBadErrorBodiesAreRiddenThrough) {
  ASSERT_TRUE(SetFaults(R"({"bad_error_body_next":3})").ok());
  Result<std::vector<DnsZone>> zones = NewClient()->ListZones();
  ASSERT_TRUE(zones.ok()) << zones.status().ToString();
  EXPECT_EQ(emulator_->request_count("GET /zones"), 4);
  EXPECT_THAT(logger_.All(), HasSubstr("an error body of the wrong shape (messages[0].message is an object"));
  EXPECT_EQ(emulator_->faults().bad_error_body_next, 0);
}

TEST_F(DnsEmulatorBadErrorBodyTest, OnlyTheNamedRequestKindsFailAndTheClientGivesUpClearly) {
  std::unique_ptr<IonosCloudDnsClient> client = NewClient();
  DnsZone zone = client->FindZoneForName("www.example.com").value();
  ASSERT_TRUE(SetFaults(R"({"bad_error_body_next":"always",
                            "bad_error_body_on":["PUT /zones/{zoneId}/records/{recordId}"]})").ok());
  Result<DnsRecord> record = client->EnsureTxtRecord(zone, Uuid(), "_acme-challenge.www", "v", 60);
  ASSERT_EQ(record.status().code(), StatusCode::kUnavailable) << record.status().ToString();
  EXPECT_THAT(record.status().message(),
              HasSubstr("giving up after 6 attempts: the IONOS Cloud DNS API failed (500 Internal Server Error: an "
                        "error body of the wrong shape (messages[0].message is an object, not a string)"));
  EXPECT_EQ(emulator_->request_count("PUT /zones/{zoneId}/records/{recordId}"), 6);
  EXPECT_TRUE(emulator_->records().empty());
  // Other kinds are answered as usual.
  EXPECT_TRUE(client->DeleteRecord(zone.id, Uuid()).ok());
  ASSERT_TRUE(SetFaults(R"({"bad_error_body_next":"off"})").ok());
  EXPECT_TRUE(client->EnsureTxtRecord(zone, Uuid(), "_acme-challenge.www", "v", 60).ok());
}

TEST_F(DnsEmulatorBadErrorBodyTest, TheSwitchIsValidated) {
  EXPECT_FALSE(SetFaults(R"({"bad_error_body_next":-1})").ok());
  EXPECT_FALSE(SetFaults(R"({"bad_error_body_next":"sometimes"})").ok());
  EXPECT_FALSE(SetFaults(R"({"bad_error_body_on":"GET /nowhere"})").ok());
  EXPECT_FALSE(SetFaults(R"({"bad_error_body_on":[1]})").ok());
  ASSERT_TRUE(SetFaults(R"({"bad_error_body_next":2,"bad_error_body_on":"GET /zones"})").ok());
  const nlohmann::json state = emulator_->faults().ToJson();
  EXPECT_EQ(state["bad_error_body_next"], 2);
  EXPECT_EQ(state["bad_error_body_on"], nlohmann::json::array({"GET /zones"}));
}

}  // namespace
}  // namespace ionos
