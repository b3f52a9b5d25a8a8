// Tests for core/lifecycle/certificate_issuer: the whole DNS-01 flow against a scripted CA
// (tests/fakes/fake_acme_ca.h), an in-memory DnsProvider, a resolver that sees its records, a real
// SQLite store in a temporary directory, and a FakeClock (no test sleeps).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/obj_mac.h>
#include <openssl/x509v3.h>
#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/acme/acme_client.h"
#include "core/acme/acme_order.h"
#include "core/lifecycle/certificate_issuer.h"
#include "core/crypto/crypto.h"
#include "core/dns/propagation.h"
#include "core/store/store.h"
#include "core/crypto/x509.h"
#include "tests/fakes/fake_acme_ca.h"
#include "tests/fakes/fake_clock.h"
#include "tests/fakes/fake_http.h"
#include "tests/fakes/recording_logger.h"

namespace ionos {
namespace {

using fakes::FakeAcmeCa;
using fakes::FakeClock;
using fakes::RecordingLogger;
using fakes::FakeDnsProvider;
using fakes::FakeDnsResolver;
using fakes::FakeHttpClient;
using std::chrono::milliseconds;
using std::chrono::seconds;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::UnorderedElementsAreArray;

DnsZone Zone(const std::string& id, const std::string& name, std::vector<std::string> nameservers = {}) {
  DnsZone z;
  z.id = id;
  z.name = name;
  z.nameservers = nameservers.empty() ? std::vector<std::string>{"ns1.dns.test", "ns2.dns.test"} : nameservers;
  z.state = "AVAILABLE";
  return z;
}

// The names in a CSR's SAN and its CN (an independent decoder; not core/x509).
std::pair<std::string, std::vector<std::string>> CsrNames(const std::string& der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  X509ReqPtr req(d2i_X509_REQ(nullptr, &p, static_cast<long>(der.size())));
  std::pair<std::string, std::vector<std::string>> out;
  if (!req) {
    ADD_FAILURE() << "CSR does not parse";
    return out;
  }
  const X509_NAME* subject = X509_REQ_get_subject_name(req.get());
  const int cn = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
  if (cn >= 0) {
    const ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, cn));
    out.first.assign(reinterpret_cast<const char*>(ASN1_STRING_get0_data(data)),
                     static_cast<size_t>(ASN1_STRING_length(data)));
  }
  STACK_OF(X509_EXTENSION)* extensions = X509_REQ_get_extensions(req.get());
  for (int i = 0; extensions != nullptr && i < sk_X509_EXTENSION_num(extensions); ++i) {
    X509_EXTENSION* ext = sk_X509_EXTENSION_value(extensions, i);
    if (OBJ_obj2nid(X509_EXTENSION_get_object(ext)) == NID_subject_alt_name) {
      auto* names = static_cast<GENERAL_NAMES*>(X509V3_EXT_d2i(ext));
      for (int j = 0; names != nullptr && j < sk_GENERAL_NAME_num(names); ++j) {
        const GENERAL_NAME* gen = sk_GENERAL_NAME_value(names, j);
        if (gen->type == GEN_DNS) {
          out.second.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(gen->d.dNSName)),
                                  static_cast<size_t>(ASN1_STRING_length(gen->d.dNSName)));
        }
      }
      GENERAL_NAMES_free(names);
    }
  }
  sk_X509_EXTENSION_pop_free(extensions, X509_EXTENSION_free);
  return out;
}

class IssuerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ionos-issuer-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    StoreOptions store_options;
    store_options.clock = &clock_;
    auto store = OpenStore("sqlite:" + dir_ + "/store.db", store_options);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();

    ca_ = std::make_unique<FakeAcmeCa>(account_key_.JwkThumbprint().value());
    ca_->Install(&http_);
    // The CA "resolves" the TXT records straight from the fake DNS provider.
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
    options_.propagation.timeout = seconds(30);
    MakeIssuer();
  }

  void TearDown() override {
    issuer_.reset();
    store_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  void MakeIssuer() {
    issuer_ = std::make_unique<CertificateIssuer>(&dns_, &checker_, store_.get(), &clock_, &random_, &logger_, &cancel_,
                                                  options_);
  }

  Result<IssuedCertificate> Issue(const std::string& cn, std::vector<std::string> sans = {},
                                  KeyAlgorithm algorithm = KeyAlgorithm::kEcdsa256) {
    return issuer_->Issue(account_, CertificateRequest{cn, std::move(sans), algorithm});
  }

  std::string TxtValueFor(const std::string& ordered_name) {
    return Dns01TxtValue(ca_->tokens().at(ordered_name), account_key_.JwkThumbprint().value());
  }

  void ExpectNothingLeft() {
    EXPECT_TRUE(dns_.records().empty()) << dns_.records().size() << " TXT record(s) left";
    auto pending = store_->ListPendingDnsRecords();
    ASSERT_TRUE(pending.ok());
    EXPECT_TRUE(pending->empty()) << pending->size() << " pending note(s) left in the store";
  }

  std::string dir_;
  FakeClock clock_;
  CancelToken cancel_;
  FakeHttpClient http_;
  PrivateKey account_key_ = PrivateKey::Generate(KeyAlgorithm::kEcdsa256).value();
  std::unique_ptr<FakeAcmeCa> ca_;
  std::unique_ptr<AcmeClient> acme_;
  AcmeAccountRef account_;
  FakeDnsProvider dns_{{Zone("zone-com", "example.com"), Zone("zone-org", "example.org"),
                        Zone("zone-sub", "sub.example.com")}};
  FakeDnsResolver resolver_{&dns_};
  PropagationChecker checker_{&resolver_, &clock_, nullptr, &cancel_};
  std::unique_ptr<Store> store_;
  SystemRandom random_;
  RecordingLogger logger_;
  IssuerOptions options_;
  std::unique_ptr<CertificateIssuer> issuer_;
};

// ---------------------------------------------------------------- success

TEST_F(IssuerTest, SingleNameIssuesAndCleansUp) {
  Result<IssuedCertificate> issued = Issue("www.example.com");
  ASSERT_TRUE(issued.ok()) << issued.status().ToString();
  EXPECT_THAT(issued->info.dns_names, ElementsAre("www.example.com"));
  EXPECT_EQ(issued->info.subject_cn, "www.example.com");
  EXPECT_EQ(issued->info.issuer_cn, "Fake Intermediate");
  EXPECT_EQ(issued->info.key_type, "ecdsa256");
  EXPECT_EQ(issued->chain_pem, ca_->intermediate_pem());
  EXPECT_EQ(InspectCertificate(issued->certificate_pem)->fingerprint_sha256, issued->info.fingerprint_sha256);
  PrivateKey key = PrivateKey::FromPem(issued->private_key_pem).value();
  EXPECT_TRUE(VerifyKeyMatchesCertificate(key, issued->certificate_pem).ok());

  // One TXT record, zone-relative, with the RFC 8555 §8.4 digest; gone again.
  const std::vector<DnsRecord> created = dns_.created();
  ASSERT_EQ(created.size(), 1u);
  EXPECT_EQ(created[0].zone_id, "zone-com");
  EXPECT_EQ(created[0].name, "_acme-challenge.www");
  EXPECT_EQ(created[0].fqdn, "_acme-challenge.www.example.com");
  EXPECT_EQ(created[0].content, TxtValueFor("www.example.com"));
  EXPECT_EQ(created[0].ttl, 60);
  EXPECT_THAT(dns_.deleted_ids(), ElementsAre(created[0].id));
  ExpectNothingLeft();

  // The CSR: CN and SAN.
  auto [cn, sans] = CsrNames(ca_->last_csr_der());
  EXPECT_EQ(cn, "www.example.com");
  EXPECT_THAT(sans, ElementsAre("www.example.com"));

  // The propagation check asked the zone's name servers.
  EXPECT_EQ(resolver_.servers_asked(), (std::set<std::string>{"192.0.2.53:53"}));
  // Keys never reach the log.
  EXPECT_THAT(logger_.All(), Not(HasSubstr("PRIVATE KEY")));
  EXPECT_THAT(logger_.All(), HasSubstr("issued certificate"));
}

TEST_F(IssuerTest, RequestsPerSingleNameCertificate) {
  struct Case {
    std::string name;
    bool finalize_answers_processing;
    int processing_polls;
    bool challenge_valid_in_response;
    int want;
  };
  // newOrder, authz, challenge, order poll, finalize, (order polls while processing), download.
  for (const Case& c : {Case{"finalize_answers_valid", false, 0, false, 6},
                        Case{"finalize_answers_processing_first_poll_valid", true, 0, false, 7},
                        Case{"one_poll_still_processing", true, 1, false, 8},
                        Case{"synchronous_validation_skips_the_poll", false, 0, true, 5}}) {
    SCOPED_TRACE(c.name);
    ca_->script.finalize_answers_processing = c.finalize_answers_processing;
    ca_->script.processing_polls = c.processing_polls;
    ca_->script.challenge_valid_in_response = c.challenge_valid_in_response;
    const int before = ca_->order_flow_requests();
    Result<IssuedCertificate> issued = Issue(c.name + ".example.com");
    ASSERT_TRUE(issued.ok()) << issued.status().ToString();
    const int used = ca_->order_flow_requests() - before;
    EXPECT_EQ(used, c.want);
    EXPECT_LE(used, 8);
    std::printf("[ metric ] ACME requests per single-name certificate (%s): %d\n", c.name.c_str(), used);
  }
  EXPECT_EQ(ca_->count("directory"), 1);
  EXPECT_EQ(ca_->count("nonce"), 1);
}

TEST_F(IssuerTest, NamesAreNormalised) {
  Result<IssuedCertificate> issued =
      Issue("WWW.Example.COM.", {"www.example.com", " api.example.com", "API.example.com", "example.org"});
  ASSERT_TRUE(issued.ok()) << issued.status().ToString();
  EXPECT_THAT(issued->info.dns_names, ElementsAre("www.example.com", "api.example.com", "example.org"));
  auto [cn, sans] = CsrNames(ca_->last_csr_der());
  EXPECT_EQ(cn, "www.example.com");
  EXPECT_THAT(sans, ElementsAre("www.example.com", "api.example.com", "example.org"));
  EXPECT_EQ(dns_.created().size(), 3u);
  ExpectNothingLeft();
}

TEST_F(IssuerTest, WildcardAndApexPutTwoRecordsOnOneName) {
  Result<IssuedCertificate> issued = Issue("*.example.com", {"example.com"}, KeyAlgorithm::kEcdsa384);
  ASSERT_TRUE(issued.ok()) << issued.status().ToString();
  EXPECT_THAT(issued->info.dns_names, ElementsAre("*.example.com", "example.com"));
  EXPECT_EQ(issued->info.key_type, "ecdsa384");
  const std::vector<DnsRecord> created = dns_.created();
  ASSERT_EQ(created.size(), 2u);
  EXPECT_EQ(created[0].fqdn, "_acme-challenge.example.com");
  EXPECT_EQ(created[1].fqdn, "_acme-challenge.example.com");
  EXPECT_EQ(created[0].name, "_acme-challenge");
  EXPECT_NE(created[0].id, created[1].id);
  EXPECT_THAT((std::vector<std::string>{created[0].content, created[1].content}),
              UnorderedElementsAreArray({TxtValueFor("*.example.com"), TxtValueFor("example.com")}));
  ExpectNothingLeft();
}

TEST_F(IssuerTest, LongestZoneWinsAndEachRecordGoesToItsZone) {
  Result<IssuedCertificate> issued = Issue("a.sub.example.com", {"b.example.com", "example.org"});
  ASSERT_TRUE(issued.ok()) << issued.status().ToString();
  std::map<std::string, std::pair<std::string, std::string>> by_fqdn;  // fqdn → (zone, relative name)
  for (const DnsRecord& r : dns_.created()) {
    by_fqdn[r.fqdn] = {r.zone_id, r.name};
  }
  EXPECT_EQ(by_fqdn["_acme-challenge.a.sub.example.com"], std::make_pair(std::string("zone-sub"), std::string("_acme-challenge.a")));
  EXPECT_EQ(by_fqdn["_acme-challenge.b.example.com"], std::make_pair(std::string("zone-com"), std::string("_acme-challenge.b")));
  EXPECT_EQ(by_fqdn["_acme-challenge.example.org"], std::make_pair(std::string("zone-org"), std::string("_acme-challenge")));
  ExpectNothingLeft();
}

TEST_F(IssuerTest, ReusedAuthorizationNeedsNoRecordNorChallenge) {
  ca_->script.reused_authorizations = {"example.com"};
  Result<IssuedCertificate> issued = Issue("www.example.com", {"example.com"});
  ASSERT_TRUE(issued.ok()) << issued.status().ToString();
  const std::vector<DnsRecord> created = dns_.created();
  ASSERT_EQ(created.size(), 1u);
  EXPECT_EQ(created[0].fqdn, "_acme-challenge.www.example.com");
  EXPECT_EQ(ca_->count("challenge"), 1);
  ExpectNothingLeft();
}

TEST_F(IssuerTest, AllAuthorizationsReusedTouchesNoDns) {
  ca_->script.reused_authorizations = {"www.example.com", "*.example.com"};
  Result<IssuedCertificate> issued = Issue("www.example.com", {"*.example.com"});
  ASSERT_TRUE(issued.ok()) << issued.status().ToString();
  EXPECT_EQ(dns_.ensure_calls(), 0u);
  EXPECT_EQ(resolver_.queries(), 0u);
  EXPECT_EQ(ca_->count("challenge"), 0);
  // newOrder answered "ready": no order poll before finalize.
  EXPECT_EQ(ca_->count("order"), 0);
  ExpectNothingLeft();
}

TEST_F(IssuerTest, RetryAfterIsHonoured) {
  struct Case {
    std::string name;
    std::string retry_after;
    Duration want_wait;
  };
  for (const Case& c : {Case{"three_seconds", "3", seconds(3)}, Case{"capped_at_ten_seconds", "600", seconds(10)}}) {
    SCOPED_TRACE(c.name);
    ca_->script.retry_after = c.retry_after;
    ca_->script.validation_polls = 2;
    ca_->script.processing_polls = 2;
    clock_.ClearSleeps();
    Result<IssuedCertificate> issued = Issue(c.name + ".example.com");
    ASSERT_TRUE(issued.ok()) << issued.status().ToString();
    // One poll answered "pending" + Retry-After before validation completed; finalize and two
    // polls answered "processing" + Retry-After.
    const std::vector<Duration> sleeps = clock_.sleeps();
    EXPECT_EQ(std::count(sleeps.begin(), sleeps.end(), c.want_wait), 4) << ::testing::PrintToString(sleeps);
    for (Duration d : sleeps) {
      EXPECT_LE(d, seconds(10));
    }
  }
}

TEST_F(IssuerTest, RecordsAreCreatedInParallel) {
  dns_.SetEnsureBarrier(3);  // each creation waits until three are in flight
  Result<IssuedCertificate> issued = Issue("a.example.com", {"b.example.com", "c.example.org"});
  ASSERT_TRUE(issued.ok()) << issued.status().ToString();
  EXPECT_EQ(dns_.max_in_flight(), 3u);
  ExpectNothingLeft();
}

TEST_F(IssuerTest, ConfiguredResolversAreAskedInsteadOfNameServers) {
  options_.propagation.resolvers = {"127.0.0.1:8053"};
  MakeIssuer();
  ASSERT_TRUE(Issue("www.example.com", {"example.org"}).ok());
  EXPECT_EQ(resolver_.servers_asked(), (std::set<std::string>{"127.0.0.1:8053"}));
}

TEST_F(IssuerTest, ConcurrentIssuesShareOneClient) {
  std::vector<std::thread> threads;
  std::vector<Status> results(6);
  for (size_t i = 0; i < results.size(); ++i) {
    threads.emplace_back([&, i] {
      const std::string n = "host" + std::to_string(i);
      Result<IssuedCertificate> issued =
          Issue(n + ".example.com", {"*." + n + ".example.com", n + ".example.org"},
                i % 2 == 0 ? KeyAlgorithm::kEcdsa256 : KeyAlgorithm::kRsa2048);
      results[i] = issued.status();
      if (issued.ok() && issued->info.dns_names.size() != 3) {
        results[i] = InternalError("wrong names");
      }
    });
  }
  for (std::thread& t : threads) {
    t.join();
  }
  for (const Status& s : results) {
    EXPECT_TRUE(s.ok()) << s.ToString();
  }
  EXPECT_EQ(dns_.created().size(), 18u);
  ExpectNothingLeft();
}

// ---------------------------------------------------------------- failures: nothing is left behind

struct FailureCase {
  std::string name;
  std::function<void(IssuerTest&)> setup;  // scripts the failure
  StatusCode want;
  std::vector<std::string> want_in_message;
};

void PrintTo(const FailureCase& c, std::ostream* os) { *os << c.name; }

class IssuerFailureTest : public IssuerTest, public ::testing::WithParamInterface<FailureCase> {
 public:
  FakeAcmeCa& ca() { return *ca_; }
  FakeDnsProvider& dns() { return dns_; }
  FakeDnsResolver& resolver() { return resolver_; }
};

TEST_P(IssuerFailureTest, ErrorCarriesTheReasonAndNothingIsLeft) {
  const FailureCase& c = GetParam();
  c.setup(*this);
  Result<IssuedCertificate> issued = Issue("www.example.com", {"example.com"});
  ASSERT_FALSE(issued.ok());
  EXPECT_EQ(issued.status().code(), c.want) << issued.status().ToString();
  EXPECT_THAT(issued.status().message(), HasSubstr("issuing certificate for www.example.com: "));
  for (const std::string& part : c.want_in_message) {
    EXPECT_THAT(issued.status().message(), HasSubstr(part));
  }
  EXPECT_THAT(issued.status().message(), Not(HasSubstr("PRIVATE KEY")));
  ExpectNothingLeft();
}

INSTANTIATE_TEST_SUITE_P(
    Cases, IssuerFailureTest,
    ::testing::Values(
        FailureCase{"challenge_rejected",
                    [](IssuerTest& t) {
                      static_cast<IssuerFailureTest&>(t).ca().script.rejected_challenges = {
                          {"www.example.com", "Incorrect TXT record \"xyz\" found at _acme-challenge.www.example.com"}};
                    },
                    StatusCode::kFailedPrecondition,
                    {"authorization for www.example.com is invalid: dns-01 challenge failed: "
                     "urn:ietf:params:acme:error:unauthorized: Incorrect TXT record \"xyz\" found at "
                     "_acme-challenge.www.example.com"}},
        FailureCase{"challenge_rejected_in_the_answer",
                    [](IssuerTest& t) {
                      auto& ca = static_cast<IssuerFailureTest&>(t).ca();
                      ca.script.rejected_challenges = {{"example.com", "DNS problem: NXDOMAIN"}};
                      ca.script.challenge_valid_in_response = true;
                    },
                    StatusCode::kFailedPrecondition,
                    {"authorization for example.com is invalid", "DNS problem: NXDOMAIN"}},
        FailureCase{"txt_record_not_seen_by_the_ca",
                    [](IssuerTest& t) {
                      static_cast<IssuerFailureTest&>(t).ca().script.txt_visible = [](const std::string&,
                                                                                      const std::string&) {
                        return false;
                      };
                    },
                    StatusCode::kFailedPrecondition,
                    {"No TXT record with the expected value found at _acme-challenge."}},
        FailureCase{"order_invalid",
                    [](IssuerTest& t) {
                      auto& ca = static_cast<IssuerFailureTest&>(t).ca();
                      ca.script.order_error_type = "caa";
                      ca.script.order_error_detail = "CAA record for example.com prevents issuance";
                    },
                    StatusCode::kFailedPrecondition,
                    {"is invalid: urn:ietf:params:acme:error:caa: CAA record for example.com prevents issuance"}},
        FailureCase{"no_dns01_offered",
                    [](IssuerTest& t) { static_cast<IssuerFailureTest&>(t).ca().script.offer_dns01 = false; },
                    StatusCode::kFailedPrecondition,
                    {"the CA offers no dns-01 challenge for www.example.com (offered: http-01)"}},
        FailureCase{"dns_api_write_fails",
                    [](IssuerTest& t) {
                      static_cast<IssuerFailureTest&>(t).dns().FailEnsure(
                          "_acme-challenge.example.com", UnavailableError("PUT https://dns/zones/zone-com/records/x: HTTP 502"));
                    },
                    StatusCode::kUnavailable,
                    {"writing TXT record _acme-challenge in zone example.com: PUT https://dns/zones/zone-com/records/x"}},
        FailureCase{"record_never_visible",
                    [](IssuerTest& t) {
                      static_cast<IssuerFailureTest&>(t).resolver().Hide("_acme-challenge.www.example.com");
                    },
                    StatusCode::kDeadlineExceeded,
                    {"waiting for the challenge TXT records to be visible", "_acme-challenge.www.example.com"}},
        FailureCase{"validation_never_finishes",
                    [](IssuerTest& t) { static_cast<IssuerFailureTest&>(t).ca().script.validation_polls = 1000000; },
                    StatusCode::kDeadlineExceeded,
                    {"timed out after 5m0s waiting for order https://ca.test/order/1 to become ready, processing or "
                     "valid (last status \"pending\")"}},
        FailureCase{"certificate_names_differ",
                    [](IssuerTest& t) {
                      static_cast<IssuerFailureTest&>(t).ca().script.extra_certificate_names = {"evil.example.net"};
                    },
                    StatusCode::kFailedPrecondition,
                    {"it names [evil.example.net, example.com, www.example.com] but [example.com, www.example.com] "
                     "were requested"}},
        FailureCase{"ca_unreachable_mid_order",
                    [](IssuerTest& t) {
                      auto& ca = static_cast<IssuerFailureTest&>(t).ca();
                      ca.on_request = [&ca](const std::string& endpoint) {
                        if (endpoint == "challenge") {
                          ca.SetUnreachable(true);  // the records exist; the CA goes away
                        }
                      };
                    },
                    StatusCode::kUnavailable,
                    {"responding to challenge https://ca.test/chall/", "giving up after 4 attempts",
                     "connecting to https://ca.test:443: connection failed"}},
        FailureCase{"orders_keep_expiring",
                    [](IssuerTest& t) { static_cast<IssuerFailureTest&>(t).ca().script.expire_orders = 2; },
                    StatusCode::kAborted,
                    {"placed a second order after the first expired: order https://ca.test/order/2 expired "
                     "before it was finalized: authorization for www.example.com expired at 2020-01-01T00:00:00Z; "
                     "authorization for example.com expired at 2020-01-01T00:00:00Z"}},
        FailureCase{"certificate_for_another_key",
                    [](IssuerTest& t) {
                      static_cast<IssuerFailureTest&>(t).ca().script.certificate_for_other_key = true;
                    },
                    StatusCode::kFailedPrecondition,
                    {"checking the issued certificate: the certificate's public key (ecdsa256) does not belong to "
                     "the private key (ecdsa256)"}}),
    [](const ::testing::TestParamInfo<FailureCase>& info) { return info.param.name; });

TEST_F(IssuerTest, ExpiredOrderIsReplacedByOneNewOrder) {
  ca_->script.expire_orders = 1;  // the first order expires when its challenge is answered
  Result<IssuedCertificate> issued = Issue("www.example.com", {"*.example.com"});
  ASSERT_TRUE(issued.ok()) << issued.status().ToString();
  EXPECT_EQ(ca_->count("newOrder"), 2);
  EXPECT_EQ(dns_.created().size(), 4u);  // two records per order
  EXPECT_EQ(dns_.deleted_ids().size(), 4u);
  EXPECT_THAT(logger_.All(), HasSubstr("ACME order expired before it was finalized; placing a new order"));
  EXPECT_THAT(logger_.All(), HasSubstr("order https://ca.test/order/1 expired before it was finalized"));
  ExpectNothingLeft();
}

TEST_F(IssuerTest, ShortCaOutageMidOrderIsRiddenThrough) {
  int challenges = 0;
  ca_->on_request = [&](const std::string& endpoint) {
    if (endpoint == "challenge" && ++challenges == 1) {
      ca_->FailNextRequests(2);  // this answer and the next attempt are lost
    }
  };
  Result<IssuedCertificate> issued = Issue("www.example.com");
  ASSERT_TRUE(issued.ok()) << issued.status().ToString();
  EXPECT_EQ(ca_->transport_failures(), 2);
  EXPECT_EQ(ca_->count("newOrder"), 1);
  ExpectNothingLeft();
}

TEST_F(IssuerTest, LostFinalizeAnswerStillIssuesForOurKey) {
  ca_->script.lose_finalize_answer = true;
  ca_->script.finalize_answers_processing = true;
  Result<IssuedCertificate> issued = Issue("www.example.com");
  ASSERT_TRUE(issued.ok()) << issued.status().ToString();
  // The transport retry re-sent finalize; the CA refused the repeat (orderNotReady) and the
  // issuer carried on with the order that had moved on.
  EXPECT_EQ(ca_->count("finalize"), 2);
  EXPECT_EQ(ca_->count("newOrder"), 1);
  auto key = PrivateKey::FromPem(issued->private_key_pem);
  ASSERT_TRUE(key.ok());
  EXPECT_TRUE(VerifyKeyMatchesCertificate(*key, issued->certificate_pem).ok());
  ExpectNothingLeft();
}

TEST_F(IssuerTest, OrderFinalizedByAnotherClientIsNotTakenForOurs) {
  ca_->script.finalized_by_other_client = true;  // no lost answer: the refusal is about someone else
  Result<IssuedCertificate> issued = Issue("www.example.com");
  ASSERT_FALSE(issued.ok());
  EXPECT_EQ(issued.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(issued.status().message(),
              HasSubstr("order https://ca.test/order/1 is already valid: another client of this ACME account "
                        "finalized it"));
  EXPECT_EQ(ca_->count("finalize"), 1);
  EXPECT_EQ(ca_->count("cert"), 0);
  ExpectNothingLeft();
}

TEST_F(IssuerTest, CancelledAfterAnExpiredOrderPlacesNoSecondOne) {
  ca_->script.expire_orders = 1;
  ca_->on_request = [&](const std::string& endpoint) {
    if (endpoint == "order") {
      // StopProvider while the issuer reads the expired order (after the refused challenge): it
      // learns that the order expired, but places no second one.
      cancel_.Cancel();
    }
  };
  Result<IssuedCertificate> issued = Issue("www.example.com");
  ASSERT_FALSE(issued.ok());
  EXPECT_EQ(issued.status().code(), StatusCode::kCancelled) << issued.status().ToString();
  EXPECT_THAT(issued.status().message(), HasSubstr("placing a second ACME order"));
  EXPECT_THAT(logger_.All(), HasSubstr("ACME order expired before it was finalized"));
  EXPECT_EQ(ca_->count("newOrder"), 1);
  ExpectNothingLeft();
}

TEST_F(IssuerTest, NameOutsideEveryZoneFailsBeforeAnyAcmeRequest) {
  Result<IssuedCertificate> issued = Issue("www.example.com", {"*.shop.example.net", "example.org"});
  ASSERT_FALSE(issued.ok());
  EXPECT_EQ(issued.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(issued.status().message(),
              HasSubstr("issuing certificate for www.example.com: "
                        "no DNS zone for \"shop.example.net\""));
  EXPECT_EQ(http_.request_count(), 0u);
  EXPECT_EQ(dns_.ensure_calls(), 0u);
  ExpectNothingLeft();
}

TEST_F(IssuerTest, CancellationMidPollCleansUp) {
  ca_->script.validation_polls = 1000000;  // the CA never finishes validating
  std::atomic<int> order_polls{0};
  ca_->on_request = [&](const std::string& endpoint) {
    if (endpoint == "order" && ++order_polls == 3) {
      cancel_.Cancel();  // StopProvider while polling
    }
  };
  Result<IssuedCertificate> issued = Issue("www.example.com", {"*.example.com"});
  ASSERT_FALSE(issued.ok());
  EXPECT_EQ(issued.status().code(), StatusCode::kCancelled) << issued.status().ToString();
  EXPECT_EQ(dns_.created().size(), 2u);
  EXPECT_EQ(dns_.deleted_ids().size(), 2u);  // cleanup ignored the cancellation
  ExpectNothingLeft();
}

TEST_F(IssuerTest, CancelledBeforeStartPlacesNoOrder) {
  cancel_.Cancel();
  Result<IssuedCertificate> issued = Issue("www.example.com");
  EXPECT_EQ(issued.status().code(), StatusCode::kCancelled);
  EXPECT_EQ(ca_->count("newOrder"), 0);
}

TEST_F(IssuerTest, FailedDeletionKeepsTheNoteForLaterCleanup) {
  dns_.FailDeletes(UnavailableError("DELETE: HTTP 503"));
  Result<IssuedCertificate> issued = Issue("www.example.com");
  ASSERT_TRUE(issued.ok()) << issued.status().ToString();  // the certificate is not lost over it
  auto pending = store_->ListPendingDnsRecords().value();
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].fqdn, "_acme-challenge.www.example.com");
  EXPECT_EQ(pending[0].zone_id, "zone-com");
  EXPECT_EQ(pending[0].record_name, "_acme-challenge.www");
  ASSERT_TRUE(pending[0].record_id.has_value());
  EXPECT_EQ(*pending[0].record_id, dns_.created()[0].id);
  EXPECT_THAT(logger_.All(), HasSubstr("could not delete ACME challenge TXT record"));

  // A later run cleans up once the DNS API works again, and the note is old enough to be nobody's.
  dns_.FailDeletes(Status::Ok());
  clock_.Advance(IssuerOptions().leftover_min_age);
  EXPECT_TRUE(issuer_->CleanUpLeftovers().ok());
  ExpectNothingLeft();
}

// ---------------------------------------------------------------- CleanUpLeftovers

TEST_F(IssuerTest, CleanUpLeftovers) {
  options_.leftover_min_age = std::chrono::minutes(30);
  MakeIssuer();
  auto note = [&](const std::string& fqdn, std::optional<std::string> record_id) {
    PendingDnsRecord p;
    p.zone_id = "zone-com";
    p.zone_name = "example.com";
    p.fqdn = fqdn;
    p.record_name = RelativeName(fqdn, "example.com");
    p.value = "v";
    p.record_id = std::move(record_id);
    return store_->NotePendingDnsRecord(p).value();
  };
  auto record = [&](const std::string& id, const std::string& fqdn) {
    DnsRecord r;
    r.id = id;
    r.zone_id = "zone-com";
    r.name = RelativeName(fqdn, "example.com");
    r.type = "TXT";
    r.content = "v";
    r.fqdn = fqdn;
    dns_.AddRecord(r);
  };
  // From a crashed run an hour ago: one record that exists, one whose PUT never happened, and
  // one noted before its id was known.
  record("rec-1", "_acme-challenge.a.example.com");
  note("_acme-challenge.a.example.com", "rec-1");
  note("_acme-challenge.b.example.com", "rec-2");
  note("_acme-challenge.c.example.com", std::nullopt);
  clock_.Advance(std::chrono::hours(1));
  // From an issuance that is running right now in another process.
  record("rec-3", "_acme-challenge.d.example.com");
  note("_acme-challenge.d.example.com", "rec-3");

  ASSERT_TRUE(issuer_->CleanUpLeftovers().ok());
  std::vector<std::string> left;
  const std::vector<PendingDnsRecord> pending = store_->ListPendingDnsRecords().value();
  for (const PendingDnsRecord& p : pending) {
    left.push_back(p.fqdn);
  }
  EXPECT_THAT(left, ElementsAre("_acme-challenge.d.example.com"));
  std::vector<std::string> records;
  for (const DnsRecord& r : dns_.records()) {
    records.push_back(r.id);
  }
  EXPECT_THAT(records, ElementsAre("rec-3"));
  EXPECT_THAT(dns_.deleted_ids(), UnorderedElementsAreArray({"rec-1", "rec-2"}));
}

// Another runner (another host, or a container whose processes this one cannot see) may wait up
// to twice the longest propagation_timeout (2h) for its records to propagate: its records are
// no leftovers before then. Before: 30 minutes, and a runner with propagation_timeout = "1h" lost
// its challenge records to a concurrent apply elsewhere.
TEST_F(IssuerTest, AnotherRunnersRecordsAreNoLeftoversWhileItMayStillWait) {
  MakeIssuer();  // the default IssuerOptions
  ASSERT_GE(IssuerOptions().leftover_min_age, 2 * kMaxPropagationTimeout);
  PendingDnsRecord p;
  p.zone_id = "zone-com";
  p.zone_name = "example.com";
  p.fqdn = "_acme-challenge.far.example.com";
  p.record_name = "_acme-challenge.far";
  p.value = "v";
  p.record_id = "rec-far";
  p.owner = "runner-7.ci.invalid/00000000-0000-0000-0000-000000000000/4026531836/42/1234";
  ASSERT_TRUE(store_->NotePendingDnsRecord(p).ok());
  DnsRecord r;
  r.id = "rec-far";
  r.zone_id = "zone-com";
  r.name = "_acme-challenge.far";
  r.type = "TXT";
  r.content = "v";
  r.fqdn = p.fqdn;
  dns_.AddRecord(r);

  clock_.Advance(2 * kMaxPropagationTimeout);  // still within what that runner may wait
  ASSERT_TRUE(issuer_->CleanUpLeftovers().ok());
  EXPECT_EQ(store_->ListPendingDnsRecords().value().size(), 1u);
  EXPECT_TRUE(dns_.deleted_ids().empty());

  clock_.Advance(IssuerOptions().leftover_min_age - 2 * kMaxPropagationTimeout);
  ASSERT_TRUE(issuer_->CleanUpLeftovers().ok());
  EXPECT_TRUE(store_->ListPendingDnsRecords().value().empty());
  EXPECT_THAT(dns_.deleted_ids(), ElementsAre("rec-far"));
}

TEST_F(IssuerTest, CleanUpLeftoversReportsDeleteFailuresAndKeepsTheNote) {
  options_.leftover_min_age = Duration(0);
  MakeIssuer();
  PendingDnsRecord p;
  p.zone_id = "zone-com";
  p.zone_name = "example.com";
  p.fqdn = "_acme-challenge.x.example.com";
  p.record_name = "_acme-challenge.x";
  p.value = "v";
  p.record_id = "rec-x";
  ASSERT_TRUE(store_->NotePendingDnsRecord(p).ok());
  dns_.FailDeletes(PermissionDeniedError("the token may not delete records"));
  const Status st = issuer_->CleanUpLeftovers();
  EXPECT_EQ(st.code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(st.message(),
            "removing leftover TXT record _acme-challenge.x.example.com (zone example.com): the token may not "
            "delete records");
  EXPECT_EQ(store_->ListPendingDnsRecords()->size(), 1u);
}

// ---------------------------------------------------------------- ZonesForNames

TEST_F(IssuerTest, ZonesForNames) {
  struct Case {
    std::string name;
    std::vector<std::string> names;
    std::map<std::string, std::string> want;  // name → zone name
    StatusCode code;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"apex_and_subdomain", {"example.com", "www.example.com"},
       {{"example.com", "example.com"}, {"www.example.com", "example.com"}}, StatusCode::kOk, ""},
      {"wildcard_uses_its_base", {"*.example.org", "*.sub.example.com"},
       {{"*.example.org", "example.org"}, {"*.sub.example.com", "sub.example.com"}}, StatusCode::kOk, ""},
      {"longest_suffix", {"deep.a.sub.example.com"}, {{"deep.a.sub.example.com", "sub.example.com"}}, StatusCode::kOk,
       ""},
      {"normalised_keys", {"WWW.Example.ORG."}, {{"www.example.org", "example.org"}}, StatusCode::kOk, ""},
      {"label_boundary", {"notexample.com"}, {}, StatusCode::kNotFound,
       "no DNS zone for \"notexample.com\""},
      {"first_missing_is_named", {"www.example.com", "a.example.net", "b.example.net"}, {}, StatusCode::kNotFound,
       "\"a.example.net\""},
      {"empty", {"www.example.com", ""}, {}, StatusCode::kInvalidArgument, "is not a DNS name"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    auto zones = issuer_->ZonesForNames(c.names);
    ASSERT_EQ(zones.status().code(), c.code) << zones.status().ToString();
    if (!zones.ok()) {
      EXPECT_THAT(zones.status().message(), HasSubstr(c.message));
      continue;
    }
    std::map<std::string, std::string> got;
    for (const auto& [name, zone] : *zones) {
      got[name] = zone.name;
    }
    EXPECT_EQ(got, c.want);
  }
}

}  // namespace
}  // namespace ionos
