// No exception escapes a worker thread of the core. CertificateIssuer runs the DNS
// calls of an order on worker threads (ForEachInParallel), its record cleanup on a background
// thread and the key generation through std::async; PropagationChecker runs its queries on
// threads. An exception thrown by a DnsProvider or DnsResolver there used to end the process
// (std::terminate) with the challenge TXT records left behind; now it is an error Status
// (kInternal, with what() and what was being done) and the cleanup runs.
// A scripted CA (tests/fakes/fake_acme_ca.h), a real SQLite store, a FakeClock; no sleeps.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/acme/acme_client.h"
#include "core/acme/acme_order.h"
#include "core/crypto/crypto.h"
#include "core/dns/propagation.h"
#include "core/lifecycle/certificate_issuer.h"
#include "tests/fakes/fake_acme_ca.h"
#include "tests/fakes/fake_clock.h"
#include "tests/fakes/fake_http.h"
#include "tests/fakes/recording_logger.h"
#include "tests/fakes/temp_store.h"

namespace ionos {
namespace {

using fakes::FakeAcmeCa;
using fakes::FakeDnsProvider;
using fakes::FakeDnsResolver;
using ::testing::HasSubstr;
using std::chrono::seconds;

DnsZone Zone(const std::string& id, const std::string& name) {
  DnsZone z;
  z.id = id;
  z.name = name;
  z.nameservers = {"ns1.dns.test", "ns2.dns.test"};
  z.state = "AVAILABLE";
  return z;
}

// A FakeDnsProvider that throws where a test says: after writing the record named
// `throw_after_ensure` (so the record exists and must be cleaned up), from WaitRecordAvailable
// (something that is not a std::exception), or from DeleteRecord.
class ThrowingDnsProvider : public FakeDnsProvider {
 public:
  using FakeDnsProvider::FakeDnsProvider;

  Result<DnsRecord> EnsureTxtRecord(const DnsZone& zone, const std::string& record_id,
                                    const std::string& relative_name, const std::string& value, int ttl) override {
    Result<DnsRecord> created = FakeDnsProvider::EnsureTxtRecord(zone, record_id, relative_name, value, ttl);
    if (relative_name == throw_after_ensure) {
      // What nlohmann::json's value() threw on an error body of the wrong shape.
      throw std::runtime_error("[json.exception.type_error.302] type must be string, but is object");
    }
    return created;
  }

  Status WaitRecordAvailable(const std::string& zone_id, const std::string& record_id, Duration timeout) override {
    if (throw_in_wait) {
      throw 42;
    }
    return FakeDnsProvider::WaitRecordAvailable(zone_id, record_id, timeout);
  }

  Status DeleteRecord(const std::string& zone_id, const std::string& record_id) override {
    if (throw_in_delete) {
      throw std::logic_error("delete exploded");
    }
    return FakeDnsProvider::DeleteRecord(zone_id, record_id);
  }

  std::string throw_after_ensure;
  std::atomic<bool> throw_in_wait{false};
  std::atomic<bool> throw_in_delete{false};
};

class WorkerExceptionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ca_ = std::make_unique<FakeAcmeCa>(account_key_.JwkThumbprint().value());
    ca_->Install(&http_);
    ca_->script.txt_visible = [this](const std::string& fqdn, const std::string& value) {
      const std::vector<std::string> values = dns_.TxtValues(fqdn);
      return std::find(values.begin(), values.end(), value) != values.end();
    };
    AcmeClientOptions acme_options;
    acme_options.directory_url = ca_->directory_url();
    acme_options.http = &http_;
    acme_options.clock = &clock_;
    acme_options.cancel = &cancel_;
    acme_ = AcmeClient::Create(acme_options).value();
    account_ = AcmeAccountRef{acme_.get(), &account_key_, FakeAcmeCa::kAccountUrl};
    IssuerOptions options;
    options.propagation.timeout = seconds(30);
    issuer_ = std::make_unique<CertificateIssuer>(&dns_, &checker_, store_.get(), &clock_, &random_, &logger_, &cancel_,
                                                  options);
  }

  Result<IssuedCertificate> Issue(const std::string& cn, std::vector<std::string> sans = {}) {
    return issuer_->Issue(account_, CertificateRequest{cn, std::move(sans), KeyAlgorithm::kEcdsa256});
  }

  size_t PendingNotes() { return store_->ListPendingDnsRecords().value().size(); }

  void ExpectNothingLeft() {
    EXPECT_TRUE(dns_.records().empty()) << dns_.records().size() << " TXT record(s) left";
    EXPECT_EQ(PendingNotes(), 0u) << "pending note(s) left in the store";
  }

  fakes::FakeClock clock_;
  CancelToken cancel_;
  fakes::FakeHttpClient http_;
  PrivateKey account_key_ = PrivateKey::Generate(KeyAlgorithm::kEcdsa256).value();
  std::unique_ptr<FakeAcmeCa> ca_;
  std::unique_ptr<AcmeClient> acme_;
  AcmeAccountRef account_;
  ThrowingDnsProvider dns_{{Zone("zone-com", "example.com")}};
  FakeDnsResolver resolver_{&dns_};
  PropagationChecker checker_{&resolver_, &clock_, nullptr, &cancel_};
  SystemRandom random_;
  fakes::TempSqliteStore store_{&clock_, &random_};
  fakes::RecordingLogger logger_;
  std::unique_ptr<CertificateIssuer> issuer_;
};

TEST_F(WorkerExceptionsTest, ExceptionInOneOfTwoWorkersIsAnErrorAndBothRecordsAreRemoved) {
  dns_.throw_after_ensure = "_acme-challenge.www";
  Result<IssuedCertificate> issued = Issue("www.example.com", {"shop.example.com"});
  ASSERT_FALSE(issued.ok());
  EXPECT_EQ(issued.status().code(), StatusCode::kInternal) << issued.status().ToString();
  EXPECT_THAT(issued.status().message(),
              HasSubstr("issuing certificate for www.example.com: writing TXT record _acme-challenge.www in zone "
                        "example.com: unexpected exception: [json.exception.type_error.302] type must be string, "
                        "but is object"));
  EXPECT_EQ(dns_.created().size(), 2u);  // both were written, the throwing one included
  EXPECT_EQ(dns_.deleted_ids().size(), 2u);
  EXPECT_EQ(ca_->count("challenge"), 0) << "no challenge is answered after a failed record";
  ExpectNothingLeft();
}

TEST_F(WorkerExceptionsTest, ExceptionOnTheCallingThreadOfASingleRecordIsAnErrorToo) {
  dns_.throw_after_ensure = "_acme-challenge.www";
  Result<IssuedCertificate> issued = Issue("www.example.com");
  ASSERT_FALSE(issued.ok());
  EXPECT_EQ(issued.status().code(), StatusCode::kInternal) << issued.status().ToString();
  EXPECT_THAT(issued.status().message(), HasSubstr("writing TXT record _acme-challenge.www in zone example.com: "
                                                   "unexpected exception: [json.exception.type_error.302]"));
  ExpectNothingLeft();
}

TEST_F(WorkerExceptionsTest, SomethingThatIsNotAStdExceptionIsCaughtAsWell) {
  dns_.throw_in_wait = true;
  Result<IssuedCertificate> issued = Issue("www.example.com", {"shop.example.com", "example.com"});
  ASSERT_FALSE(issued.ok());
  EXPECT_EQ(issued.status().code(), StatusCode::kInternal) << issued.status().ToString();
  EXPECT_THAT(issued.status().message(), HasSubstr("unexpected exception (not a std::exception)"));
  EXPECT_EQ(dns_.created().size(), 3u);
  ExpectNothingLeft();
}

TEST_F(WorkerExceptionsTest, ExceptionInTheBackgroundCleanupKeepsTheNotesForLaterCleanup) {
  dns_.throw_in_delete = true;
  Result<IssuedCertificate> issued = Issue("www.example.com", {"shop.example.com"});
  ASSERT_TRUE(issued.ok()) << issued.status().ToString();  // the certificate is not lost over it
  EXPECT_EQ(dns_.records().size(), 2u);
  EXPECT_EQ(PendingNotes(), 2u);
  EXPECT_THAT(logger_.All(), HasSubstr("could not delete ACME challenge TXT record; it stays noted for a later "
                                       "cleanup"));
  EXPECT_THAT(logger_.All(), HasSubstr("unexpected exception: delete exploded"));

  // A later run removes them once the DNS provider behaves.
  dns_.throw_in_delete = false;
  clock_.Advance(IssuerOptions().leftover_min_age);  // old enough to be nobody's
  EXPECT_TRUE(issuer_->CleanUpLeftovers().ok());
  ExpectNothingLeft();
}

TEST_F(WorkerExceptionsTest, ExceptionInTheCleanupAfterAFailureStillReportsTheFailure) {
  dns_.throw_after_ensure = "_acme-challenge.shop";
  dns_.throw_in_delete = true;
  Result<IssuedCertificate> issued = Issue("www.example.com", {"shop.example.com"});
  ASSERT_FALSE(issued.ok());
  EXPECT_THAT(issued.status().message(), HasSubstr("writing TXT record _acme-challenge.shop in zone example.com: "
                                                   "unexpected exception"));
  EXPECT_EQ(PendingNotes(), 2u);
  dns_.throw_in_delete = false;
  clock_.Advance(IssuerOptions().leftover_min_age);  // old enough to be nobody's
  EXPECT_TRUE(issuer_->CleanUpLeftovers().ok());
  ExpectNothingLeft();
}

// ---------------------------------------------------------------- PropagationChecker

class ThrowingResolver : public DnsResolver {
 public:
  Result<std::vector<std::string>> QueryTxt(const std::string&, const std::string&) override {
    ++queries;
    throw std::runtime_error("resolver exploded");
  }
  Result<std::vector<std::string>> ResolveAddresses(const std::string& hostname) override {
    return std::vector<std::string>{hostname == "a.test" ? "127.0.0.1" : "127.0.0.2"};
  }
  std::atomic<int> queries{0};
};

TEST(PropagationWorkerExceptionsTest, ExceptionInAQueryThreadIsAnErrorForThatQuery) {
  fakes::FakeClock clock;
  ThrowingResolver resolver;
  PropagationChecker checker(&resolver, &clock, nullptr, nullptr);
  PropagationOptions options;
  options.resolvers = {"127.0.0.1:53", "127.0.0.2:53", "127.0.0.3:53"};  // one query thread each
  options.timeout = seconds(5);
  const Status waited = checker.WaitForAll({{"_acme-challenge.example.com", "v1"}, {"_acme-challenge.example.org", "v2"}},
                                           options);
  ASSERT_FALSE(waited.ok());
  EXPECT_EQ(waited.code(), StatusCode::kDeadlineExceeded) << waited.ToString();
  EXPECT_THAT(waited.message(), HasSubstr("unexpected exception: resolver exploded"));
  EXPECT_GE(resolver.queries.load(), 6);
}

}  // namespace
}  // namespace ionos
