// Tests for core/publish/ionos_certificate_manager.h: the IONOS Certificate Manager client against
// the in-process API emulator (tests/dns_emulator/certificate_manager_emulator.h), which follows
// the Certificate Manager API's published description. Time is a FakeClock: retry waits and polls are recorded, not slept.
#include "core/publish/ionos_certificate_manager.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "core/crypto/crypto.h"
#include "core/crypto/x509.h"
#include "tests/dns_emulator/certificate_manager_emulator.h"
#include "tests/fakes/fake_clock.h"
#include "tests/fakes/recording_logger.h"

namespace ionos {
namespace {

namespace emu = ::ionos::testing;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kToken[] = "cm-s3cr3t-T0KEN-4711";

class CertificateManagerClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    HttpClientOptions http_options;
    http_options.connect_timeout = std::chrono::seconds(5);
    http_options.read_timeout = std::chrono::seconds(10);
    http_ = NewHttpClient(http_options).value();
    emu::CmEmulatorOptions options;
    options.token = kToken;
    Result<std::unique_ptr<emu::CertificateManagerEmulator>> started = emu::CertificateManagerEmulator::Start(options);
    ASSERT_TRUE(started.ok()) << started.status().ToString();
    emulator_ = std::move(started).value();
    client_ = NewClient(kToken, 100);
  }

  std::unique_ptr<IonosCertificateManagerClient> NewClient(const std::string& token, int page_limit) {
    IonosCertificateManagerOptions o;
    o.base_url = emulator_->base_url();
    o.token = token;
    o.http = http_.get();
    o.clock = &clock_;
    o.logger = &logger_;
    o.page_limit = page_limit;
    Result<std::unique_ptr<IonosCertificateManagerClient>> client = IonosCertificateManagerClient::Create(o);
    EXPECT_TRUE(client.ok()) << client.status().ToString();
    return client.ok() ? std::move(client).value() : nullptr;
  }

  // A certificate with its key, named as the store names them.
  CopyToPublish Copy(const std::string& cn, const std::string& name) {
    SelfSignedCertOptions o;
    o.common_name = cn;
    o.dns_names = {cn};
    SelfSignedCert cert = GenerateSelfSignedCert(clock_, o).value();
    CopyToPublish c;
    c.name = name;
    c.common_name = cn;
    c.serial_number = InspectCertificate(cert.cert_pem)->serial_number;
    c.certificate_pem = cert.cert_pem;
    c.chain_pem = cert.cert_pem;  // any parsable chain
    c.private_key_pem = cert.key_pem;
    return c;
  }

  void SetFaults(const std::string& json_text) {
    ASSERT_TRUE(emulator_->MergeFaults(nlohmann::json::parse(json_text)).ok()) << json_text;
  }

  int Count(const std::string& key) {
    auto counts = emulator_->request_counts();
    return counts.count(key) > 0 ? counts[key] : 0;
  }

  fakes::FakeClock clock_;
  fakes::RecordingLogger logger_;
  std::unique_ptr<HttpClient> http_;
  std::unique_ptr<emu::CertificateManagerEmulator> emulator_;
  std::unique_ptr<IonosCertificateManagerClient> client_;
};

TEST_F(CertificateManagerClientTest, PublishUploadsOnceAndWaitsUntilAvailable) {
  const CopyToPublish copy = Copy("www.example.com", "www.example.com-20260101T000000Z");
  Result<PublishedCopy> made = client_->Publish(copy);
  ASSERT_TRUE(made.ok()) << made.status().ToString();
  EXPECT_EQ(made->name, copy.name);
  EXPECT_EQ(made->serial_number, NormalizeSerial(copy.serial_number));
  EXPECT_EQ(made->state, "AVAILABLE");
  ASSERT_EQ(emulator_->copies().size(), 1u);
  EXPECT_EQ(emulator_->copies()[0].id, made->id);
  EXPECT_EQ(Count("POST /certificates"), 1);
  Result<PublishedCopy> read = client_->GetCopy(made->id);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(read->state, "AVAILABLE");
}

TEST_F(CertificateManagerClientTest, RefusedUploadsCarryTheApiMessageAndMakeNothing) {
  struct Case {
    std::function<void(CopyToPublish&)> spoil;
    std::string want;
  };
  const std::map<std::string, Case> cases = {
      {"key of another certificate",
       {[this](CopyToPublish& c) { c.private_key_pem = Copy("other.example.com", "x").private_key_pem; },
        "does not match the certificate"}},
      {"certificate that does not parse",
       {[](CopyToPublish& c) { c.certificate_pem = "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n"; },
        "cannot be parsed"}},
      {"chain that does not parse", {[](CopyToPublish& c) { c.chain_pem = "garbage"; }, "chain cannot be parsed"}},
  };
  for (const auto& [label, c] : cases) {
    CopyToPublish copy = Copy("www.example.com", "www.example.com-20260101T000000Z");
    c.spoil(copy);
    Result<PublishedCopy> made = client_->Publish(copy);
    ASSERT_FALSE(made.ok()) << label;
    EXPECT_EQ(made.status().code(), StatusCode::kInvalidArgument) << label;
    EXPECT_THAT(made.status().message(), HasSubstr("422 Unprocessable Entity")) << label;
    EXPECT_THAT(made.status().message(), HasSubstr(c.want)) << label;
    EXPECT_TRUE(emulator_->copies().empty()) << label;
  }
}

TEST_F(CertificateManagerClientTest, LostAnswerIsResolvedByListingNeverBySecondPost) {
  SetFaults(R"({"lose_answer_next":1})");
  const CopyToPublish copy = Copy("www.example.com", "www.example.com-20260101T000000Z");
  Result<PublishedCopy> made = client_->Publish(copy);
  ASSERT_TRUE(made.ok()) << made.status().ToString();
  EXPECT_EQ(Count("POST /certificates"), 1);
  EXPECT_GE(Count("GET /certificates"), 1);
  ASSERT_EQ(emulator_->copies().size(), 1u);
  EXPECT_EQ(emulator_->copies()[0].id, made->id);
}

TEST_F(CertificateManagerClientTest, ServerErrorOnUploadIsReportedNotRepeated) {
  SetFaults(R"({"server_error":1,"server_error_on":["POST /certificates"]})");
  Result<PublishedCopy> made = client_->Publish(Copy("www.example.com", "www.example.com-20260101T000000Z"));
  ASSERT_FALSE(made.ok());
  EXPECT_EQ(made.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(made.status().message(), HasSubstr("500 Internal Server Error"));
  EXPECT_EQ(Count("POST /certificates"), 1);
  EXPECT_TRUE(emulator_->copies().empty());
}

TEST_F(CertificateManagerClientTest, RateLimitFollowsRetryAfter) {
  SetFaults(R"({"rate_limit_next":1,"retry_after_seconds":3})");
  Result<PublishedCopy> made = client_->Publish(Copy("www.example.com", "www.example.com-20260101T000000Z"));
  ASSERT_TRUE(made.ok()) << made.status().ToString();
  EXPECT_EQ(Count("POST /certificates"), 2);  // the 429 was not carried out
  ASSERT_FALSE(clock_.sleeps().empty());
  EXPECT_EQ(clock_.sleeps().front(), std::chrono::seconds(3));
  EXPECT_EQ(emulator_->copies().size(), 1u);
}

TEST_F(CertificateManagerClientTest, FindCopyPagesThroughTheListing) {
  std::unique_ptr<IonosCertificateManagerClient> paging = NewClient(kToken, 2);
  std::vector<CopyToPublish> copies;
  for (int i = 0; i < 5; ++i) {
    copies.push_back(Copy("www.example.com", "www.example.com-2026010" + std::to_string(i) + "T000000Z"));
    ASSERT_TRUE(client_->Publish(copies.back()).ok());
  }
  ASSERT_TRUE(client_->Publish(Copy("api.example.org", "api.example.org-20260101T000000Z")).ok());
  const int before = Count("GET /certificates");
  Result<std::optional<PublishedCopy>> found =
      paging->FindCopy("www.example.com", copies[4].name, copies[4].serial_number);
  ASSERT_TRUE(found.ok()) << found.status().ToString();
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->name, copies[4].name);
  EXPECT_EQ(Count("GET /certificates") - before, 3);  // 2 + 2 + 1 of the common name
  // The same name with another serial is not the copy.
  found = paging->FindCopy("www.example.com", copies[4].name, copies[3].serial_number);
  ASSERT_TRUE(found.ok());
  EXPECT_FALSE(found->has_value());
}

TEST_F(CertificateManagerClientTest, DeleteCopyTellsGoneFromInUse) {
  Result<PublishedCopy> made = client_->Publish(Copy("www.example.com", "www.example.com-20260101T000000Z"));
  ASSERT_TRUE(made.ok());
  for (int status : {409, 422}) {
    ASSERT_TRUE(emulator_->SetInUse(made->id, "CDN distribution cdn-7", status).ok());
    Status refused = client_->DeleteCopy(made->id);
    EXPECT_EQ(refused.code(), StatusCode::kFailedPrecondition) << status;
    EXPECT_THAT(refused.message(), HasSubstr("in use by CDN distribution cdn-7")) << status;
    EXPECT_EQ(emulator_->copies().size(), 1u);
  }
  ASSERT_TRUE(emulator_->SetInUse(made->id, "").ok());
  EXPECT_TRUE(client_->DeleteCopy(made->id).ok());
  EXPECT_EQ(client_->GetCopy(made->id).status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(emulator_->copies().empty());
  EXPECT_TRUE(client_->DeleteCopy(made->id).ok()) << "404 counts as deleted";
}

TEST_F(CertificateManagerClientTest, WrongTokenIsUnauthenticatedAndNeverShown) {
  std::unique_ptr<IonosCertificateManagerClient> wrong = NewClient("wrong-token-0815", 100);
  Result<PublishedCopy> made = wrong->Publish(Copy("www.example.com", "www.example.com-20260101T000000Z"));
  ASSERT_FALSE(made.ok());
  EXPECT_EQ(made.status().code(), StatusCode::kUnauthenticated);
  EXPECT_THAT(made.status().message(), HasSubstr("401 Unauthorized"));
  EXPECT_THAT(made.status().message(), Not(HasSubstr("wrong-token-0815")));
  EXPECT_TRUE(emulator_->copies().empty());
}

TEST(NormalizeSerialTest, Table) {
  const std::map<std::string, std::pair<std::string, std::string>> cases = {
      {"colons and case", {"01:AB:cd", "1abcd"}},
      {"plain", {"1abcd", "1abcd"}},
      {"zero", {"00", "0"}},
      {"empty", {"", ""}},
  };
  for (const auto& [label, c] : cases) EXPECT_EQ(NormalizeSerial(c.first), c.second) << label;
}

}  // namespace
}  // namespace ionos
