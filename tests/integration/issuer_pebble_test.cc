// CertificateIssuer against a real Pebble (tests/fakes/pebble.h) whose VA resolves through a real
// pebble-challtestsrv on loopback. The DnsProvider here is a test double that writes the TXT
// records straight into challtestsrv (POST /set-txt, /clear-txt); the propagation check asks
// challtestsrv's DNS port with the real LdnsResolver. Everything else is production code: the
// AcmeClient on the real HTTP client, the SQLite store, the PropagationChecker, the issuer.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/acme/acme_client.h"
#include "core/acme/acme_order.h"
#include "core/lifecycle/certificate_issuer.h"
#include "core/crypto/crypto.h"
#include "core/dns/propagation.h"
#include "core/http/http.h"
#include "core/dns/ionos_cloud_dns.h"
#include "core/store/store.h"
#include "core/crypto/x509.h"
#include "tests/fakes/challtestsrv.h"
#include "tests/fakes/pebble.h"

namespace ionos {
namespace {

using fakes::ChallTestSrv;
using fakes::Pebble;
using fakes::PebbleOptions;
using ::testing::HasSubstr;  // integration tests link gtest only: no gmock container matchers

// A DnsProvider whose zones are fixed and whose TXT records go straight into challtestsrv. Several
// records may share one name (a wildcard and its apex): deleting one re-publishes the others.
// With `corrupt` set it publishes a wrong value (the CA then rejects the challenge).
class ChallTestSrvDns : public DnsProvider {
 public:
  ChallTestSrvDns(ChallTestSrv* srv, std::vector<std::string> zone_names) : srv_(srv) {
    for (const std::string& name : zone_names) {
      DnsZone zone;
      zone.id = "zone-" + name;
      zone.name = name;
      zone.nameservers = {"ns1.invalid"};  // never asked: the tests configure resolvers
      zone.state = "AVAILABLE";
      zones_.push_back(zone);
    }
  }

  Result<std::vector<DnsZone>> ListZones() override { return zones_; }

  Result<DnsRecord> EnsureTxtRecord(const DnsZone& zone, const std::string& record_id,
                                    const std::string& relative_name, const std::string& value, int ttl) override {
    const std::string fqdn = relative_name.empty() ? zone.name : relative_name + "." + zone.name;
    std::lock_guard<std::mutex> lock(mu_);
    ++ensures_;
    const std::string published = corrupt_ ? value + "-corrupted" : value;
    records_[record_id] = Entry{fqdn, published};
    IONOS_RETURN_IF_ERROR(srv_->SetTxt(fqdn + ".", published));
    DnsRecord record;
    record.id = record_id;
    record.zone_id = zone.id;
    record.name = relative_name;
    record.type = "TXT";
    record.content = value;
    record.ttl = ttl;
    record.state = "AVAILABLE";
    record.fqdn = fqdn;
    return record;
  }

  Status WaitRecordAvailable(const std::string&, const std::string& record_id, Duration) override {
    std::lock_guard<std::mutex> lock(mu_);
    return records_.count(record_id) > 0 ? Status::Ok() : NotFoundError("record " + record_id + " not found");
  }

  Status DeleteRecord(const std::string&, const std::string& record_id) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = records_.find(record_id);
    if (it == records_.end()) {
      return Status::Ok();
    }
    const std::string fqdn = it->second.fqdn;
    records_.erase(it);
    ++deletes_;
    IONOS_RETURN_IF_ERROR(srv_->ClearTxt(fqdn + "."));
    for (const auto& [id, entry] : records_) {
      if (entry.fqdn == fqdn) {
        IONOS_RETURN_IF_ERROR(srv_->SetTxt(fqdn + ".", entry.value));
      }
    }
    return Status::Ok();
  }

  void set_corrupt(bool corrupt) {
    std::lock_guard<std::mutex> lock(mu_);
    corrupt_ = corrupt;
  }
  size_t live() const {
    std::lock_guard<std::mutex> lock(mu_);
    return records_.size();
  }
  int ensures() const {
    std::lock_guard<std::mutex> lock(mu_);
    return ensures_;
  }
  int deletes() const {
    std::lock_guard<std::mutex> lock(mu_);
    return deletes_;
  }

 private:
  struct Entry {
    std::string fqdn;
    std::string value;
  };
  ChallTestSrv* srv_;
  std::vector<DnsZone> zones_;
  mutable std::mutex mu_;
  std::map<std::string, Entry> records_;
  bool corrupt_ = false;
  int ensures_ = 0;
  int deletes_ = 0;
};

// Counts HTTP requests on their way to the real client.
class CountingHttpClient : public HttpClient {
 public:
  explicit CountingHttpClient(HttpClient* inner) : inner_(inner) {}
  Result<HttpResponse> Do(const HttpRequest& request, const CancelToken* cancel) override {
    ++total;
    if (request.method == "HEAD") {
      ++heads;
    }
    return inner_->Do(request, cancel);
  }
  std::atomic<int> total{0};
  std::atomic<int> heads{0};

 private:
  HttpClient* inner_;
};

// A resolver that reports what the issuer wanted to publish (for the corrupted-record test, where
// the real DNS holds wrong values on purpose and the CA is the one to notice).
class TrustingResolver : public DnsResolver {
 public:
  explicit TrustingResolver(std::function<std::vector<std::string>(const std::string&)> answer)
      : answer_(std::move(answer)) {}
  Result<std::vector<std::string>> QueryTxt(const std::string&, const std::string& fqdn) override {
    return answer_(fqdn);
  }
  Result<std::vector<std::string>> ResolveAddresses(const std::string& host) override {
    return std::vector<std::string>{host};
  }

 private:
  std::function<std::vector<std::string>(const std::string&)> answer_;
};

// ---------------------------------------------------------------- fixture

class IssuerPebbleTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto srv = ChallTestSrv::Start();
    if (!srv.ok()) {
      setup_error_ = "starting pebble-challtestsrv: " + srv.status().ToString();
      return;
    }
    srv_ = std::move(srv).value().release();
    PebbleOptions options;
    options.dns_server = srv_->dns_address();
    // Reuse valid authorizations every time, so that the reuse test is deterministic; the other
    // tests use names no earlier order has seen.
    options.env = {{"PEBBLE_AUTHZREUSE", "100"}};
    auto pebble = Pebble::Start(options);
    if (!pebble.ok()) {
      setup_error_ = "starting pebble: " + pebble.status().ToString();
      return;
    }
    pebble_ = std::move(pebble).value().release();
  }

  static void TearDownTestSuite() {
    delete pebble_;
    pebble_ = nullptr;
    delete srv_;
    srv_ = nullptr;
  }

  void SetUp() override {
    ASSERT_TRUE(setup_error_.empty()) << setup_error_;
    char tmpl[] = "/tmp/ionos-issuer-pebble-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    store_ = OpenStore("sqlite:" + dir_ + "/store.db", StoreOptions{}).value();

    HttpClientOptions http_options;
    http_options.extra_ca_pem = pebble_->tls_cert_pem();
    http_ = NewHttpClient(http_options).value();
    counting_ = std::make_unique<CountingHttpClient>(http_.get());
    AcmeClientOptions acme_options;
    acme_options.directory_url = pebble_->directory_url();
    acme_options.http = counting_.get();
    acme_options.cancel = &cancel_;
    acme_ = AcmeClient::Create(acme_options).value();
    account_key_ = std::make_unique<PrivateKey>(PrivateKey::Generate(KeyAlgorithm::kEcdsa256).value());
    NewAccountRequest request;
    request.contact_emails = {"issuer-test@example.com"};
    auto account = acme_->NewAccount(*account_key_, request);
    ASSERT_TRUE(account.ok()) << account.status().ToString();
    account_ = AcmeAccountRef{acme_.get(), account_key_.get(), account->url};

    dns_ = std::make_unique<ChallTestSrvDns>(srv_, std::vector<std::string>{"example.com", "example.org"});
    checker_ = std::make_unique<PropagationChecker>(&resolver_, &clock_, nullptr, &cancel_);
    options_.propagation.resolvers = {srv_->dns_address()};
    options_.propagation.timeout = std::chrono::seconds(20);
    options_.order_timeout = std::chrono::seconds(60);
    issuer_ = std::make_unique<CertificateIssuer>(dns_.get(), checker_.get(), store_.get(), &clock_, &random_,
                                                  nullptr, &cancel_, options_);
  }

  void TearDown() override {
    issuer_.reset();
    store_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  // A name no other test (or earlier run against this Pebble) has ordered.
  static std::string Unique(std::string label) {
    static std::atomic<int> n{0};
    std::replace(label.begin(), label.end(), '_', '-');  // not allowed in DNS identifiers
    return label + "-" + std::to_string(getpid()) + "-" + std::to_string(++n);
  }

  std::string Management(const std::string& path) {
    HttpRequest request;
    request.url = pebble_->management_url() + path;
    auto response = http_->Do(request);
    EXPECT_TRUE(response.ok() && response->status == 200) << path;
    return response.ok() ? response->body : "";
  }

  // The leaf chains up to Pebble's root through the intermediates the issuer returned.
  void ExpectChainVerifies(const IssuedCertificate& issued) {
    const std::string root_pem = Management("/roots/0");
    const std::string intermediate_pem = Management("/intermediates/0");
    X509StorePtr trust(X509_STORE_new());
    auto roots = ParseCertificatesPem(root_pem);
    ASSERT_TRUE(roots.ok()) << roots.status().ToString();
    ASSERT_EQ(X509_STORE_add_cert(trust.get(), roots->front().get()), 1);
    auto leaf = ParseCertificatesPem(issued.certificate_pem);
    ASSERT_TRUE(leaf.ok());
    ASSERT_EQ(leaf->size(), 1u);
    auto intermediates = ParseCertificatesPem(issued.chain_pem);
    ASSERT_TRUE(intermediates.ok()) << "no intermediates: " << intermediates.status().ToString();
    STACK_OF(X509)* untrusted = sk_X509_new_null();
    for (const X509Ptr& c : *intermediates) {
      sk_X509_push(untrusted, c.get());
    }
    X509_STORE_CTX* ctx = X509_STORE_CTX_new();
    ASSERT_EQ(X509_STORE_CTX_init(ctx, trust.get(), leaf->front().get(), untrusted), 1);
    const int verified = X509_verify_cert(ctx);
    const int error = X509_STORE_CTX_get_error(ctx);
    X509_STORE_CTX_free(ctx);
    sk_X509_free(untrusted);  // the certificates stay owned by `intermediates`
    EXPECT_EQ(verified, 1) << X509_verify_cert_error_string(error);
    // The intermediate Pebble serves is the one in the chain.
    EXPECT_EQ(CertificateToPem(intermediates->front().get()).value(),
              CertificateToPem(ParseCertificatesPem(intermediate_pem).value().front().get()).value());
  }

  void ExpectNothingLeft() {
    EXPECT_EQ(dns_->live(), 0u);
    auto pending = store_->ListPendingDnsRecords();
    ASSERT_TRUE(pending.ok());
    EXPECT_TRUE(pending->empty());
  }

  static ChallTestSrv* srv_;
  static Pebble* pebble_;
  static std::string setup_error_;

  std::string dir_;
  SystemClock clock_;
  SystemRandom random_;
  CancelToken cancel_;
  LdnsResolver resolver_{std::chrono::milliseconds(500)};
  std::unique_ptr<Store> store_;
  std::unique_ptr<HttpClient> http_;
  std::unique_ptr<CountingHttpClient> counting_;
  std::unique_ptr<AcmeClient> acme_;
  std::unique_ptr<PrivateKey> account_key_;
  AcmeAccountRef account_;
  std::unique_ptr<ChallTestSrvDns> dns_;
  std::unique_ptr<PropagationChecker> checker_;
  IssuerOptions options_;
  std::unique_ptr<CertificateIssuer> issuer_;
};

ChallTestSrv* IssuerPebbleTest::srv_ = nullptr;
Pebble* IssuerPebbleTest::pebble_ = nullptr;
std::string IssuerPebbleTest::setup_error_;

// ---------------------------------------------------------------- issuance

struct IssueCase {
  std::string name;
  std::string common_name;  // "{u}" is replaced by a unique label
  std::vector<std::string> sans;
  KeyAlgorithm algorithm;
  std::string want_key_type;
  size_t want_records;
};

void PrintTo(const IssueCase& c, std::ostream* os) { *os << c.name; }

class IssuerPebbleIssueTest : public IssuerPebbleTest, public ::testing::WithParamInterface<IssueCase> {};

std::string Expand(const std::string& pattern, const std::string& unique) {
  std::string out = pattern;
  const size_t at = out.find("{u}");
  if (at != std::string::npos) {
    out.replace(at, 3, unique);
  }
  return out;
}

TEST_P(IssuerPebbleIssueTest, IssuesAndVerifies) {
  const IssueCase& c = GetParam();
  const std::string u = Unique(c.name);
  CertificateRequest request;
  request.common_name = Expand(c.common_name, u);
  for (const std::string& san : c.sans) {
    request.subject_alternative_names.push_back(Expand(san, u));
  }
  request.key_algorithm = c.algorithm;
  std::vector<std::string> want_names = {request.common_name};
  for (const std::string& san : request.subject_alternative_names) {
    want_names.push_back(san);
  }

  const int requests_before = counting_->total.load();
  const auto started = std::chrono::steady_clock::now();
  Result<IssuedCertificate> issued = issuer_->Issue(account_, request);
  const auto elapsed =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
  ASSERT_TRUE(issued.ok()) << issued.status().ToString() << "\npebble log:\n" << pebble_->log();
  const int requests = counting_->total.load() - requests_before;
  std::printf("[ metric ] %s: %d ACME requests, %lld ms\n", c.name.c_str(), requests,
              static_cast<long long>(elapsed.count()));

  std::vector<std::string> got_names = issued->info.dns_names;
  std::sort(got_names.begin(), got_names.end());
  std::sort(want_names.begin(), want_names.end());
  EXPECT_EQ(got_names, want_names);
  EXPECT_EQ(issued->info.key_type, c.want_key_type);
  PrivateKey key = PrivateKey::FromPem(issued->private_key_pem).value();
  EXPECT_EQ(key.algorithm(), c.algorithm);
  EXPECT_TRUE(VerifyKeyMatchesCertificate(key, issued->certificate_pem).ok());
  EXPECT_EQ(issued->info.serial_number.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_LT(issued->info.not_before, issued->info.not_after);
  ExpectChainVerifies(*issued);
  EXPECT_EQ(dns_->ensures(), static_cast<int>(c.want_records));
  ExpectNothingLeft();
  if (want_names.size() == 1) {
    EXPECT_LE(requests, 8) << "ACME requests per single-name certificate";
  }
}

INSTANTIATE_TEST_SUITE_P(
    Cases, IssuerPebbleIssueTest,
    ::testing::Values(
        IssueCase{"single_name_ecdsa256", "{u}.example.com", {}, KeyAlgorithm::kEcdsa256, "ecdsa256", 1},
        IssueCase{"cn_and_two_sans_rsa2048",
                  "www.{u}.example.com",
                  {"api.{u}.example.com", "{u}.example.org"},
                  KeyAlgorithm::kRsa2048,
                  "rsa2048",
                  3},
        IssueCase{"wildcard_and_apex_ecdsa384", "*.{u}.example.com", {"{u}.example.com"}, KeyAlgorithm::kEcdsa384,
                  "ecdsa384", 2}),
    [](const ::testing::TestParamInfo<IssueCase>& info) { return info.param.name; });

TEST_F(IssuerPebbleTest, RequestsPerSingleNameCertificate) {
  // Directory, nonce and account are shared and already done (SetUp registered the account).
  const int before = counting_->total.load();
  const int heads_before = counting_->heads.load();
  Result<IssuedCertificate> issued = issuer_->Issue(account_, {Unique("count") + ".example.com", {}, KeyAlgorithm::kEcdsa256});
  ASSERT_TRUE(issued.ok()) << issued.status().ToString();
  const int requests = counting_->total.load() - before;
  std::printf("[ metric ] ACME requests per single-name certificate: %d (nonce fetches: %d)\n", requests,
              counting_->heads.load() - heads_before);
  EXPECT_LE(requests, 8);
  EXPECT_EQ(counting_->heads.load(), heads_before);  // every nonce came with an earlier answer
}

TEST_F(IssuerPebbleTest, ReusedAuthorizationNeedsNoRecord) {
  const std::string name = Unique("reuse") + ".example.com";
  ASSERT_TRUE(issuer_->Issue(account_, {name, {}, KeyAlgorithm::kEcdsa256}).ok());
  EXPECT_EQ(dns_->ensures(), 1);
  // PEBBLE_AUTHZREUSE=100: the second order gets the valid authorization back.
  Result<IssuedCertificate> again = issuer_->Issue(account_, {name, {}, KeyAlgorithm::kEcdsa256});
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(dns_->ensures(), 1);
  EXPECT_EQ(again->info.dns_names, std::vector<std::string>{name});
  ExpectNothingLeft();
}

TEST_F(IssuerPebbleTest, ConcurrentIssuesShareOneClient) {
  constexpr int kThreads = 4;
  std::vector<Status> results(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      const std::string u = Unique("parallel");
      results[i] = issuer_->Issue(account_, {"*." + u + ".example.com", {u + ".example.com"}, KeyAlgorithm::kEcdsa256})
                       .status();
    });
  }
  for (std::thread& t : threads) {
    t.join();
  }
  for (const Status& s : results) {
    EXPECT_TRUE(s.ok()) << s.ToString();
  }
  EXPECT_EQ(dns_->ensures(), 2 * kThreads);
  ExpectNothingLeft();
}

TEST_F(IssuerPebbleTest, RejectedChallengeCarriesPebblesDetailAndLeavesNothing) {
  // The DNS holds a wrong value; a resolver that trusts the issuer lets it answer the challenge,
  // so that Pebble is the one to notice.
  dns_->set_corrupt(true);
  std::map<std::string, std::vector<std::string>> wanted;
  std::mutex wanted_mu;
  TrustingResolver trusting([&](const std::string& fqdn) {
    std::lock_guard<std::mutex> lock(wanted_mu);
    return wanted[fqdn];
  });
  PropagationChecker checker(&trusting, &clock_, nullptr, &cancel_);
  // Record what the issuer asks for by wrapping the DNS double's writes.
  class Recording : public DnsProvider {
   public:
    Recording(DnsProvider* inner, std::function<void(const std::string&, const std::string&)> note)
        : inner_(inner), note_(std::move(note)) {}
    Result<std::vector<DnsZone>> ListZones() override { return inner_->ListZones(); }
    Result<DnsRecord> EnsureTxtRecord(const DnsZone& zone, const std::string& id, const std::string& name,
                                      const std::string& value, int ttl) override {
      note_((name.empty() ? zone.name : name + "." + zone.name), value);
      return inner_->EnsureTxtRecord(zone, id, name, value, ttl);
    }
    Status WaitRecordAvailable(const std::string& z, const std::string& id, Duration t) override {
      return inner_->WaitRecordAvailable(z, id, t);
    }
    Status DeleteRecord(const std::string& z, const std::string& id) override { return inner_->DeleteRecord(z, id); }

   private:
    DnsProvider* inner_;
    std::function<void(const std::string&, const std::string&)> note_;
  };
  Recording recording(dns_.get(), [&](const std::string& fqdn, const std::string& value) {
    std::lock_guard<std::mutex> lock(wanted_mu);
    wanted[fqdn].push_back(value);
  });
  CertificateIssuer issuer(&recording, &checker, store_.get(), &clock_, &random_, nullptr, &cancel_, options_);
  const std::string name = Unique("rejected") + ".example.com";
  Result<IssuedCertificate> issued = issuer.Issue(account_, {name, {}, KeyAlgorithm::kEcdsa256});
  ASSERT_FALSE(issued.ok());
  const Status& st = issued.status();
  EXPECT_EQ(st.code(), StatusCode::kFailedPrecondition) << st.ToString();
  EXPECT_THAT(st.message(), HasSubstr("issuing certificate for " + name + ": "));
  EXPECT_THAT(st.message(), HasSubstr("authorization for " + name + " is invalid: dns-01 challenge failed: "
                                      "urn:ietf:params:acme:error:unauthorized: "));
  std::printf("[ info ] Pebble's rejection reads: %s\n", st.message().c_str());
  EXPECT_EQ(dns_->deletes(), 1);
  ExpectNothingLeft();
  // challtestsrv no longer serves the name.
  auto txt = resolver_.QueryTxt(srv_->dns_address(), "_acme-challenge." + name);
  ASSERT_TRUE(txt.ok()) << txt.status().ToString();
  EXPECT_TRUE(txt->empty());
}

TEST_F(IssuerPebbleTest, NameOutsideEveryZoneIsRejectedBeforeOrdering) {
  const int before = counting_->total.load();
  Result<IssuedCertificate> issued =
      issuer_->Issue(account_, {Unique("ok") + ".example.com", {"www.example.net"}, KeyAlgorithm::kEcdsa256});
  ASSERT_FALSE(issued.ok());
  EXPECT_EQ(issued.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(issued.status().message(), HasSubstr("\"www.example.net\""));
  EXPECT_EQ(counting_->total.load(), before);
}

}  // namespace
}  // namespace ionos
