// Tests for the IONOS Certificate Manager API emulator (tests/dns_emulator/
// certificate_manager_emulator.h) over plain HTTP: the published shape (the published API description: Bearer
// auth, CertificateRead without the private key, collections with offset/limit and `_links`,
// filter.commonName), the states (PROVISIONING → AVAILABLE, DESTROYING → gone), 400/422 error
// bodies, PATCH, in-use refusals and the fault switches.
#include "tests/dns_emulator/certificate_manager_emulator.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "core/crypto/crypto.h"
#include "core/http/http.h"
#include "tests/fakes/fake_clock.h"

namespace ionos {
namespace {

namespace emu = ::ionos::testing;
using ::testing::HasSubstr;
using json = nlohmann::json;

constexpr char kToken[] = "cm-emulator-test-token";

struct Answer {
  int status = 0;
  json body;
};

class CmEmulatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    http_ = NewHttpClient({}).value();
    emu::CmEmulatorOptions options;
    options.token = kToken;
    emulator_ = emu::CertificateManagerEmulator::Start(options).value();
  }

  Answer Call(const std::string& method, const std::string& path, const json& body = nullptr,
              const std::string& token = kToken) {
    HttpRequest req;
    req.method = method;
    req.url = emulator_->base_url() + path;
    if (!token.empty()) req.headers.emplace_back("Authorization", "Bearer " + token);
    if (!body.is_null()) {
      req.headers.emplace_back("Content-Type", "application/json");
      req.body = body.dump();
    }
    Result<HttpResponse> res = http_->Do(req);
    EXPECT_TRUE(res.ok()) << res.status().ToString();
    Answer a;
    a.status = res->status;
    a.body = json::parse(res->body, nullptr, false);
    return a;
  }

  json Upload(const std::string& cn, const std::string& name) {
    SelfSignedCertOptions o;
    o.common_name = cn;
    o.dns_names = {cn};
    SelfSignedCert cert = GenerateSelfSignedCert(clock_, o).value();
    return {{"properties",
             {{"name", name}, {"certificate", cert.cert_pem}, {"certificateChain", cert.cert_pem},
              {"privateKey", cert.key_pem}}}};
  }

  fakes::FakeClock clock_;
  std::unique_ptr<HttpClient> http_;
  std::unique_ptr<emu::CertificateManagerEmulator> emulator_;
};

void ExpectErrorBody(const Answer& a, int status, const std::string& part) {
  EXPECT_EQ(a.status, status);
  EXPECT_EQ(a.body["httpStatus"], status);
  ASSERT_TRUE(a.body["messages"].is_array()) << a.body.dump();
  EXPECT_TRUE(a.body["messages"][0]["errorCode"].is_string());
  EXPECT_THAT(a.body["messages"][0]["message"].get<std::string>(), HasSubstr(part));
}

TEST_F(CmEmulatorTest, WithoutTheBearerTokenEveryRequestIs401) {
  for (const std::string& token : {std::string(""), std::string("wrong")}) {
    ExpectErrorBody(Call("GET", "/certificates", nullptr, token), 401, "Unauthorized");
    ExpectErrorBody(Call("POST", "/certificates", Upload("a.example.com", "a"), token), 401, "Unauthorized");
  }
  EXPECT_TRUE(emulator_->copies().empty());
}

TEST_F(CmEmulatorTest, UploadIsProvisioningThenAvailableAndNeverShowsTheKey) {
  Answer made = Call("POST", "/certificates", Upload("www.example.com", "www.example.com-20260101T000000Z"));
  ASSERT_EQ(made.status, 201) << made.body.dump();
  EXPECT_EQ(made.body["type"], "certificate");
  EXPECT_EQ(made.body["metadata"]["state"], "PROVISIONING");
  EXPECT_EQ(made.body["metadata"]["commonName"], "www.example.com");
  EXPECT_TRUE(made.body["metadata"]["serialNumber"].is_string());
  EXPECT_EQ(made.body["properties"]["name"], "www.example.com-20260101T000000Z");
  EXPECT_FALSE(made.body["properties"].contains("privateKey"));
  const std::string id = made.body["id"];
  Answer read = Call("GET", "/certificates/" + id);
  EXPECT_EQ(read.body["metadata"]["state"], "AVAILABLE");
  EXPECT_FALSE(read.body["properties"].contains("privateKey"));
  EXPECT_THAT(read.body["properties"]["certificate"].get<std::string>(), HasSubstr("BEGIN CERTIFICATE"));
  Answer renamed = Call("PATCH", "/certificates/" + id, {{"properties", {{"name", "renamed"}}}});
  EXPECT_EQ(renamed.status, 200);
  EXPECT_EQ(Call("GET", "/certificates/" + id).body["properties"]["name"], "renamed");
}

TEST_F(CmEmulatorTest, RefusalsHaveTheDocumentedErrorBody) {
  json mismatched = Upload("www.example.com", "x");
  mismatched["properties"]["privateKey"] = Upload("other.example.com", "y")["properties"]["privateKey"];
  json unparsable = Upload("www.example.com", "x");
  unparsable["properties"]["certificate"] = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
  json missing = Upload("www.example.com", "x");
  missing["properties"].erase("certificateChain");
  struct Case {
    json body;
    int status;
    std::string part;
  };
  const std::map<std::string, Case> cases = {
      {"key of another certificate", {mismatched, 422, "does not match"}},
      {"certificate that does not parse", {unparsable, 422, "cannot be parsed"}},
      {"no certificateChain", {missing, 400, "certificateChain"}},
      {"not an object", {json::array(), 400, "properties"}},
  };
  for (const auto& [label, c] : cases) {
    SCOPED_TRACE(label);
    ExpectErrorBody(Call("POST", "/certificates", c.body), c.status, c.part);
  }
  EXPECT_TRUE(emulator_->copies().empty());
  ExpectErrorBody(Call("GET", "/certificates/nope"), 404, "not found");
  ExpectErrorBody(Call("GET", "/certificates?limit=0"), 400, "limit");
  ExpectErrorBody(Call("GET", "/certificates?limit=1001"), 400, "limit");
  ExpectErrorBody(Call("GET", "/certificates?offset=-1"), 400, "offset");
}

TEST_F(CmEmulatorTest, ListingPagesWithLinksAndFiltersByCommonName) {
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(Call("POST", "/certificates", Upload("www.example.com", "w" + std::to_string(i))).status, 201);
  }
  ASSERT_EQ(Call("POST", "/certificates", Upload("api.example.org", "a")).status, 201);
  Answer page = Call("GET", "/certificates?filter.commonName=www.example.com&offset=0&limit=2");
  ASSERT_EQ(page.status, 200);
  EXPECT_EQ(page.body["type"], "collection");
  EXPECT_EQ(page.body["items"].size(), 2u);
  EXPECT_TRUE(page.body["_links"].contains("next"));
  EXPECT_FALSE(page.body["_links"].contains("prev"));
  page = Call("GET", "/certificates?filter.commonName=www.example.com&offset=2&limit=2");
  EXPECT_EQ(page.body["items"].size(), 1u);
  EXPECT_FALSE(page.body["_links"].contains("next"));
  EXPECT_TRUE(page.body["_links"].contains("prev"));
  EXPECT_EQ(Call("GET", "/certificates").body["items"].size(), 4u);
}

TEST_F(CmEmulatorTest, DeleteIsAsynchronousAndRefusedWhileInUse) {
  const std::string id = Call("POST", "/certificates", Upload("www.example.com", "w")).body["id"];
  ASSERT_TRUE(emulator_->SetInUse(id, "CDN distribution cdn-1", 422).ok());
  ExpectErrorBody(Call("DELETE", "/certificates/" + id), 422, "in use by CDN distribution cdn-1");
  ASSERT_TRUE(emulator_->SetInUse(id, "CDN distribution cdn-1").ok());
  ExpectErrorBody(Call("DELETE", "/certificates/" + id), 409, "in use by CDN distribution cdn-1");
  ASSERT_TRUE(emulator_->SetInUse(id, "").ok());
  ASSERT_TRUE(emulator_->MergeFaults({{"provisioning_delay_ms", 60000}}).ok());
  EXPECT_EQ(Call("DELETE", "/certificates/" + id).status, 202);
  EXPECT_EQ(Call("GET", "/certificates/" + id).body["metadata"]["state"], "DESTROYING");
  ASSERT_TRUE(emulator_->MergeFaults({{"provisioning_delay_ms", 0}}).ok());
  const std::string other = Call("POST", "/certificates", Upload("x.example.com", "x")).body["id"];
  EXPECT_EQ(Call("DELETE", "/certificates/" + other).status, 202);
  EXPECT_EQ(Call("GET", "/certificates/" + other).status, 404) << "gone at the next request";
}

TEST_F(CmEmulatorTest, FaultSwitches) {
  ASSERT_TRUE(emulator_->MergeFaults({{"rate_limit_next", 1}, {"retry_after_seconds", 7}}).ok());
  Answer limited = Call("GET", "/certificates");
  ExpectErrorBody(limited, 429, "retry after 7 seconds");
  ASSERT_TRUE(emulator_->MergeFaults({{"server_error", 1}, {"server_error_status", 503},
                                      {"server_error_on", {"GET /certificates/{id}"}}}).ok());
  EXPECT_EQ(Call("GET", "/certificates").status, 200) << "another kind of request";
  ExpectErrorBody(Call("GET", "/certificates/x"), 503, "injected");
  ASSERT_TRUE(emulator_->MergeFaults({{"lose_answer_next", 1}}).ok());
  ExpectErrorBody(Call("POST", "/certificates", Upload("www.example.com", "w")), 500, "answer lost");
  EXPECT_EQ(emulator_->copies().size(), 1u) << "the POST was carried out";
  EXPECT_FALSE(emulator_->MergeFaults({{"no_such_switch", 1}}).ok());
  EXPECT_EQ(emulator_->request_counts()["POST /certificates"], 1);
}

}  // namespace
}  // namespace ionos
