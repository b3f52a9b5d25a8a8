// AcmeClient and the HTTP client against a real Pebble on loopback (tests/fakes/pebble.h).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <thread>

#include "core/acme/acme_client.h"
#include "core/crypto/crypto.h"
#include "core/base/encoding.h"
#include "core/http/http.h"
#include "tests/fakes/pebble.h"
#include "tests/dns_emulator/test_http_server.h"

namespace ionos {

// Test names show "ecdsa256" rather than the enum's bytes.
void PrintTo(KeyAlgorithm a, std::ostream* os) { *os << KeyAlgorithmName(a); }

namespace {

using fakes::Pebble;
using fakes::PebbleOptions;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

// Counts requests per method on the way to a real client.
class CountingHttpClient : public HttpClient {
 public:
  explicit CountingHttpClient(HttpClient* inner) : inner_(inner) {}
  Result<HttpResponse> Do(const HttpRequest& request, const CancelToken* cancel) override {
    ++total;
    if (request.method == "HEAD") {
      ++heads;
    } else if (request.method == "POST") {
      ++posts;
    }
    return inner_->Do(request, cancel);
  }
  std::atomic<int> total{0};
  std::atomic<int> heads{0};
  std::atomic<int> posts{0};

 private:
  HttpClient* inner_;
};

std::unique_ptr<HttpClient> TrustingClient(const Pebble& pebble) {
  HttpClientOptions options;
  options.extra_ca_pem = pebble.tls_cert_pem();
  options.connect_timeout = std::chrono::seconds(2);
  options.read_timeout = std::chrono::seconds(10);
  options.user_agent = "terraform-provider-ionos-test";
  return NewHttpClient(options).value();
}

std::unique_ptr<AcmeClient> NewAcme(const std::string& directory_url, HttpClient* http, int bad_nonce_retries = 5) {
  AcmeClientOptions options;
  options.directory_url = directory_url;
  options.http = http;
  options.max_bad_nonce_retries = bad_nonce_retries;
  return AcmeClient::Create(options).value();
}

std::unique_ptr<Pebble> StartPebble(PebbleOptions options = {}) {
  auto pebble = Pebble::Start(std::move(options));
  if (!pebble.ok()) {
    ADD_FAILURE() << "starting pebble: " << pebble.status().ToString();
    return nullptr;
  }
  return std::move(pebble).value();
}

// ---------------------------------------------------------------- plain Pebble

class AcmePebbleTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { pebble_ = StartPebble().release(); }
  static void TearDownTestSuite() {
    delete pebble_;
    pebble_ = nullptr;
  }
  void SetUp() override {
    ASSERT_NE(pebble_, nullptr) << "pebble did not start";
    http_ = TrustingClient(*pebble_);
    counting_ = std::make_unique<CountingHttpClient>(http_.get());
    acme_ = NewAcme(pebble_->directory_url(), counting_.get());
  }

  static Pebble* pebble_;
  std::unique_ptr<HttpClient> http_;
  std::unique_ptr<CountingHttpClient> counting_;
  std::unique_ptr<AcmeClient> acme_;
};

Pebble* AcmePebbleTest::pebble_ = nullptr;

TEST_F(AcmePebbleTest, DirectoryIsParsed) {
  auto dir = acme_->Directory();
  ASSERT_TRUE(dir.ok()) << dir.status().ToString();
  const std::string base = "https://127.0.0.1:" + std::to_string(pebble_->port());
  EXPECT_THAT(dir->new_nonce, StartsWith(base));
  EXPECT_THAT(dir->new_account, StartsWith(base));
  EXPECT_THAT(dir->new_order, StartsWith(base));
  EXPECT_THAT(dir->revoke_cert, StartsWith(base));
  EXPECT_THAT(dir->key_change, StartsWith(base));
  EXPECT_FALSE(dir->terms_of_service.empty());
  EXPECT_FALSE(dir->external_account_required);
}

class AcmePebbleAccountTest : public AcmePebbleTest, public ::testing::WithParamInterface<KeyAlgorithm> {};

TEST_P(AcmePebbleAccountTest, RegisterLookUpDeactivateTwice) {
  auto key = PrivateKey::Generate(GetParam());
  ASSERT_TRUE(key.ok());

  NewAccountRequest request;
  request.contact_emails = {"admin@example.com"};
  auto account = acme_->NewAccount(*key, request);
  ASSERT_TRUE(account.ok()) << account.status().ToString();
  EXPECT_TRUE(account->created);
  EXPECT_EQ(account->status, "valid");
  EXPECT_THAT(account->url, StartsWith("https://127.0.0.1:" + std::to_string(pebble_->port()) + "/"));
  EXPECT_EQ(account->contact, std::vector<std::string>{"mailto:admin@example.com"});
  // A fresh client registers with three requests: directory, one nonce, newAccount.
  EXPECT_EQ(counting_->total.load(), 3);

  // The same key again: the existing account (RFC 8555 §7.3.1).
  auto same = acme_->NewAccount(*key, request);
  ASSERT_TRUE(same.ok()) << same.status().ToString();
  EXPECT_FALSE(same->created);
  EXPECT_EQ(same->url, account->url);

  NewAccountRequest lookup;
  lookup.only_return_existing = true;
  auto existing = acme_->NewAccount(*key, lookup);
  ASSERT_TRUE(existing.ok()) << existing.status().ToString();
  EXPECT_EQ(existing->url, account->url);

  auto fetched = acme_->GetAccount(*key, account->url);
  ASSERT_TRUE(fetched.ok()) << fetched.status().ToString();
  EXPECT_EQ(fetched->status, "valid");
  EXPECT_EQ(fetched->url, account->url);

  ASSERT_TRUE(acme_->DeactivateAccount(*key, account->url).ok());
  Status second = acme_->DeactivateAccount(*key, account->url);
  EXPECT_TRUE(second.ok()) << second.ToString();

  // Pebble refuses requests of a deactivated account with "unauthorized": the CA's word about
  // the account, but not "does not exist".
  auto gone = acme_->GetAccount(*key, account->url);
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.status().code(), StatusCode::kPermissionDenied) << gone.status().ToString();
  // Looking the key up (what AccountManager::Check does to confirm) names the account's status.
  auto by_key = acme_->NewAccount(*key, lookup);
  ASSERT_FALSE(by_key.ok());
  EXPECT_EQ(by_key.status().code(), StatusCode::kPermissionDenied) << by_key.status().ToString();
  EXPECT_THAT(by_key.status().message(), ::testing::HasSubstr("deactivated"));

  // Every request after the first reused a nonce from an earlier answer.
  EXPECT_EQ(counting_->heads.load(), 1);
}

INSTANTIATE_TEST_SUITE_P(Keys, AcmePebbleAccountTest,
                         ::testing::Values(KeyAlgorithm::kEcdsa256, KeyAlgorithm::kEcdsa384, KeyAlgorithm::kRsa2048),
                         [](const ::testing::TestParamInfo<KeyAlgorithm>& info) {
                           return std::string(KeyAlgorithmName(info.param));
                         });

TEST_F(AcmePebbleTest, UnknownAccountIsNotFoundAndDeactivationIsOk) {
  auto key = PrivateKey::Generate(KeyAlgorithm::kEcdsa256).value();
  const std::string unknown = "https://127.0.0.1:" + std::to_string(pebble_->port()) + "/my-account/doesnotexist";
  auto account = acme_->GetAccount(key, unknown);
  ASSERT_FALSE(account.ok());
  EXPECT_EQ(account.status().code(), StatusCode::kNotFound) << account.status().ToString();
  Status st = acme_->DeactivateAccount(key, unknown);
  EXPECT_TRUE(st.ok()) << st.ToString();

  NewAccountRequest lookup;
  lookup.only_return_existing = true;
  auto none = acme_->NewAccount(key, lookup);
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().code(), StatusCode::kNotFound) << none.status().ToString();
}

TEST_F(AcmePebbleTest, InvalidContactCarriesPebblesDetail) {
  auto key = PrivateKey::Generate(KeyAlgorithm::kEcdsa256).value();
  NewAccountRequest request;
  request.contact_emails = {"tel:+49123456"};
  auto account = acme_->NewAccount(key, request);
  ASSERT_FALSE(account.ok());
  EXPECT_EQ(account.status().code(), StatusCode::kInvalidArgument) << account.status().ToString();
  EXPECT_THAT(account.status().message(), StartsWith("newAccount: urn:ietf:params:acme:error:"));
  EXPECT_THAT(account.status().message(), HasSubstr("unsupportedContact: contact method \"tel\" is not supported"));
}

TEST_F(AcmePebbleTest, ConcurrentRegistrationsShareOneClient) {
  constexpr int kThreads = 8;
  std::vector<PrivateKey> keys;
  for (int i = 0; i < kThreads; ++i) {
    keys.push_back(PrivateKey::Generate(KeyAlgorithm::kEcdsa256).value());
  }
  std::atomic<int> ok{0};
  std::vector<std::string> errors(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      auto account = acme_->NewAccount(keys[static_cast<size_t>(i)], {});
      if (account.ok() && acme_->GetAccount(keys[static_cast<size_t>(i)], account->url).ok()) {
        ++ok;
      } else {
        errors[static_cast<size_t>(i)] = account.status().ToString();
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  EXPECT_EQ(ok.load(), kThreads) << ::testing::PrintToString(errors);
  EXPECT_LE(counting_->heads.load(), kThreads);
}

TEST_F(AcmePebbleTest, UntrustedServerCertificateIsAConfigurationError) {
  auto http = NewHttpClient({}).value();  // system roots only
  auto acme = NewAcme(pebble_->directory_url(), http.get());
  auto dir = acme->Directory();
  ASSERT_FALSE(dir.ok());
  // Not transient: trying again cannot help, so it is not retried either.
  EXPECT_EQ(dir.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(dir.status().message(),
              HasSubstr("connecting to https://127.0.0.1:" + std::to_string(pebble_->port()) +
                        ": certificate verify failed: self-signed certificate"));
}

TEST_F(AcmePebbleTest, KeepAliveConnectionsAreReused) {
  // Many sequential requests over one client must all succeed (reuse, no stale sockets).
  auto key = PrivateKey::Generate(KeyAlgorithm::kEcdsa256).value();
  auto account = acme_->NewAccount(key, {});
  ASSERT_TRUE(account.ok()) << account.status().ToString();
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(acme_->GetAccount(key, account->url).ok()) << i;
  }
  EXPECT_EQ(counting_->heads.load(), 1);
}

// ---------------------------------------------------------------- servers that are not Pebble

TEST(AcmeServerErrorsTest, HttpServerThatIsNotAcme) {
  httplib::Server server;
  server.Get("/dir", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(R"({"hello":"world"})", "application/json");
  });
  server.Get("/page", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("<html><body>It works!</body></html>", "text/html");
  });
  const int port = server.bind_to_any_port("127.0.0.1");
  ASSERT_GT(port, 0);
  std::thread thread([&] { ionos::testing::ServeHttpForTests(server); });
  // bind_to_any_port() already listens; connections queue until the thread accepts them.

  auto http = NewHttpClient({}).value();
  const std::string base = "http://127.0.0.1:" + std::to_string(port);
  struct Case {
    std::string path;
    std::string message;
  };
  for (const Case& c : {Case{"/dir", "is not an ACME directory (missing newNonce/newAccount/newOrder)"},
                        Case{"/page", "is not an ACME directory (the response is not a JSON object)"},
                        Case{"/missing", "is not an ACME directory (HTTP 404)"}}) {
    SCOPED_TRACE(c.path);
    auto acme = NewAcme(base + c.path, http.get());
    auto account = acme->NewAccount(PrivateKey::Generate(KeyAlgorithm::kEcdsa256).value(), {});
    ASSERT_FALSE(account.ok());
    EXPECT_EQ(account.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(account.status().message(), base + c.path + " " + c.message);
  }
  http.reset();  // close kept-alive sockets, or stop() waits for the server's read timeout
  server.stop();
  thread.join();
}

TEST(AcmeServerErrorsTest, UnreachableServerIsUnavailable) {
  const int port = fakes::PickFreeLoopbackPort().value();  // nothing listens there
  auto http = NewHttpClient({}).value();
  for (const std::string scheme : {"https", "http"}) {
    SCOPED_TRACE(scheme);
    const std::string url = scheme + "://127.0.0.1:" + std::to_string(port) + "/dir";
    auto acme = NewAcme(url, http.get());
    auto dir = acme->Directory();
    ASSERT_FALSE(dir.ok());
    EXPECT_EQ(dir.status().code(), StatusCode::kUnavailable);
    // Refused connections are tried again (0.25 + 0.5 + 1 s of waiting) before the error; how long
    // that took in all depends on the machine's load, so only its form is checked.
    EXPECT_THAT(dir.status().message(),
                ::testing::MatchesRegex("ACME directory " + url + ": giving up after 4 attempts in [0-9.]+m?s: " +
                                        "connecting to " + scheme + "://127\\.0\\.0\\.1:" + std::to_string(port) +
                                        ": connection failed.*"));
  }
}

// ---------------------------------------------------------------- the HTTP client on real sockets
// (named Acme* so that `ctest -R Acme` runs them with the rest of the ACME stack)

// A cpp-httplib server on 127.0.0.1 (plain or TLS) that records the client port of each request,
// i.e. which connection it came over.
class LoopbackServer {
 public:
  explicit LoopbackServer(std::unique_ptr<httplib::Server> server) : server_(std::move(server)) {
    server_->Get("/echo", [this](const httplib::Request& req, httplib::Response& res) { Handle(req, res); });
    server_->Post("/echo", [this](const httplib::Request& req, httplib::Response& res) { Handle(req, res); });
    server_->Get("/slow", [this](const httplib::Request& req, httplib::Response& res) {
      std::this_thread::sleep_for(std::chrono::milliseconds(30));
      Handle(req, res);
    });
    port_ = server_->bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { ionos::testing::ServeHttpForTests(*server_); });
  }
  ~LoopbackServer() {
    server_->stop();
    thread_.join();
  }
  int port() const { return port_; }
  httplib::Server& server() { return *server_; }
  size_t connections() {
    std::lock_guard<std::mutex> lock(mu_);
    return ports_.size();
  }
  // The client ports the requests came from.
  std::set<int> client_ports() {
    std::lock_guard<std::mutex> lock(mu_);
    return ports_;
  }
  std::string last_user_agent() {
    std::lock_guard<std::mutex> lock(mu_);
    return user_agent_;
  }

 private:
  void Handle(const httplib::Request& req, httplib::Response& res) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      ports_.insert(req.remote_port);
      user_agent_ = req.get_header_value("User-Agent");
    }
    res.set_header("X-Echo-Method", req.method);
    res.set_content(req.body.empty() ? "hello" : req.body, "text/plain");
  }

  std::unique_ptr<httplib::Server> server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::set<int> ports_;
  std::string user_agent_;
};

// True when the IPv4 TCP socket 127.0.0.1:`local_port` -> :`remote_port` of this machine is in
// CLOSE_WAIT (/proc/net/tcp state 08): its peer has closed the connection and it has not yet.
bool PeerHasClosed(int local_port, int remote_port) {
  std::ifstream in("/proc/net/tcp");
  std::string line;
  std::getline(in, line);  // the header
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string slot, local, remote, state;
    fields >> slot >> local >> remote >> state;
    const size_t lc = local.find(':');
    const size_t rc = remote.find(':');
    if (lc == std::string::npos || rc == std::string::npos) continue;
    if (std::stoi(local.substr(lc + 1), nullptr, 16) == local_port &&
        std::stoi(remote.substr(rc + 1), nullptr, 16) == remote_port && state == "08") {
      return true;
    }
  }
  return false;
}

HttpRequest Req(const std::string& method, const std::string& url, std::string body = "") {
  HttpRequest r;
  r.method = method;
  r.url = url;
  r.body = std::move(body);
  if (!r.body.empty()) {
    r.headers = {{"Content-Type", "application/json"}};
  }
  return r;
}

TEST(AcmeHttpTransportTest, ReusesOneKeepAliveConnectionForSequentialRequests) {
  auto raw = std::make_unique<httplib::Server>();
  raw->set_keep_alive_max_count(100);  // cpp-httplib's default closes after 5 requests
  LoopbackServer server(std::move(raw));
  ASSERT_GT(server.port(), 0);
  auto http = NewHttpClient({}).value();
  const std::string url = "http://127.0.0.1:" + std::to_string(server.port()) + "/echo";
  for (int i = 0; i < 10; ++i) {
    auto r = http->Do(Req("GET", url));
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, "hello");
    EXPECT_EQ(r->Header("x-echo-method"), "GET");  // case-insensitive
    EXPECT_EQ(r->Header("CONTENT-TYPE"), "text/plain");
  }
  auto post = http->Do(Req("POST", url, R"({"a":1})"));
  ASSERT_TRUE(post.ok());
  EXPECT_EQ(post->body, R"({"a":1})");
  auto head = http->Do(Req("HEAD", url));
  ASSERT_TRUE(head.ok()) << head.status().ToString();
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->body, "");
  EXPECT_EQ(server.connections(), 1u);
  EXPECT_EQ(server.last_user_agent(), "terraform-provider-ionos");
}

TEST(AcmeHttpTransportTest, ConcurrentRequestsAllSucceed) {
  LoopbackServer server(std::make_unique<httplib::Server>());
  HttpClientOptions options;
  options.user_agent = "custom-agent/1.0";
  auto http = NewHttpClient(options).value();
  const std::string url = "http://127.0.0.1:" + std::to_string(server.port()) + "/slow";
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 5; ++i) {
        auto r = http->Do(Req("GET", url));
        if (r.ok() && r->status == 200) {
          ++ok;
        }
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  EXPECT_EQ(ok.load(), 30);
  EXPECT_GE(server.connections(), 2u);  // parallel requests do not queue on one socket
  EXPECT_LE(server.connections(), 12u);  // ...and connections are reused
  EXPECT_EQ(server.last_user_agent(), "custom-agent/1.0");
}

TEST(AcmeHttpTransportTest, ConnectionClosedByServerWhileIdleIsReplaced) {
  auto raw = std::make_unique<httplib::Server>();
  raw->set_keep_alive_timeout(1);
  LoopbackServer server(std::move(raw));
  auto http = NewHttpClient({}).value();
  const std::string url = "http://127.0.0.1:" + std::to_string(server.port()) + "/echo";
  ASSERT_TRUE(http->Do(Req("GET", url)).ok());
  // Wait (boundedly) until the server has dropped the idle socket, seen from the client's side.
  ASSERT_EQ(server.client_ports().size(), 1u);
  const int client_port = *server.client_ports().begin();
  bool closed = false;
  for (int i = 0; i < 1000 && !(closed = PeerHasClosed(client_port, server.port())); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_TRUE(closed) << "the server never closed the idle connection";
  // An idempotent request is sent again on a fresh connection; a POST would be reported as
  // possibly sent instead (tests/unit/core_http_test.cc).
  auto r = http->Do(Req("GET", url));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(server.connections(), 2u);
}

std::unique_ptr<httplib::Server> TlsServer(const SelfSignedCert& cert) {
  X509Ptr x509 = std::move(ParseCertificatesPem(cert.cert_pem).value()[0]);
  PrivateKey key = PrivateKey::FromPem(cert.key_pem).value();
  // SSLServer takes its own references (SSL_CTX_use_certificate / _PrivateKey).
  return std::make_unique<httplib::SSLServer>(x509.get(), key.get());
}

TEST(AcmeHttpTransportTest, TlsVerifiesChainAndHostName) {
  SystemClock clock;
  SelfSignedCertOptions good_options;
  good_options.dns_names = {"localhost"};
  good_options.ip_addresses = {"127.0.0.1"};
  const SelfSignedCert good = GenerateSelfSignedCert(clock, good_options).value();
  SelfSignedCertOptions other_options;
  other_options.common_name = "other.test";
  other_options.dns_names = {"other.test"};
  const SelfSignedCert other = GenerateSelfSignedCert(clock, other_options).value();

  LoopbackServer good_server(TlsServer(good));
  LoopbackServer other_server(TlsServer(other));
  HttpClientOptions options;
  options.extra_ca_pem = good.cert_pem + other.cert_pem;
  auto http = NewHttpClient(options).value();

  const std::string good_url = "https://127.0.0.1:" + std::to_string(good_server.port()) + "/echo";
  for (int i = 0; i < 3; ++i) {
    auto r = http->Do(Req("GET", good_url));
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->body, "hello");
  }
  EXPECT_EQ(good_server.connections(), 1u);

  // Trusted chain, wrong name.
  const std::string origin = "https://127.0.0.1:" + std::to_string(other_server.port());
  auto mismatch = http->Do(Req("GET", origin + "/echo"));
  ASSERT_FALSE(mismatch.ok());
  EXPECT_EQ(mismatch.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(mismatch.status().message(), "connecting to " + origin +
                                             ": certificate verify failed: the certificate does not match host "
                                             "\"127.0.0.1\"");

  // Right name, untrusted chain.
  auto untrusted = NewHttpClient({}).value()->Do(Req("GET", good_url));
  ASSERT_FALSE(untrusted.ok());
  EXPECT_THAT(untrusted.status().message(), HasSubstr("certificate verify failed: self-signed certificate"));
}

TEST(AcmeHttpTransportTest, RejectsBadInputBeforeConnecting) {
  auto bad_ca = NewHttpClient({.extra_ca_pem = "not a certificate"});
  ASSERT_FALSE(bad_ca.ok());
  EXPECT_EQ(bad_ca.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(bad_ca.status().message(), HasSubstr("extra CA certificates: no PEM certificate found"));

  auto http = NewHttpClient({}).value();
  auto bad_url = http->Do(Req("GET", "ftp://127.0.0.1/x"));
  EXPECT_EQ(bad_url.status().code(), StatusCode::kInvalidArgument);
  CancelToken cancel;
  cancel.Cancel();
  auto cancelled = http->Do(Req("GET", "http://127.0.0.1:1/x"), &cancel);
  EXPECT_EQ(cancelled.status().code(), StatusCode::kCancelled);
}

// ---------------------------------------------------------------- external account binding

class AcmePebbleEabTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    PebbleOptions options;
    options.eab_required = true;
    options.eab_keys = {{"kid-1", Base64UrlEncode("pebble eab test key number one!!")},
                        {"kid-2", Base64UrlEncode("pebble eab test key number two!!")}};
    pebble_ = StartPebble(options).release();
  }
  static void TearDownTestSuite() {
    delete pebble_;
    pebble_ = nullptr;
  }
  void SetUp() override {
    ASSERT_NE(pebble_, nullptr) << "pebble did not start";
    http_ = TrustingClient(*pebble_);
    acme_ = NewAcme(pebble_->directory_url(), http_.get());
  }
  static Pebble* pebble_;
  std::unique_ptr<HttpClient> http_;
  std::unique_ptr<AcmeClient> acme_;
};

Pebble* AcmePebbleEabTest::pebble_ = nullptr;

TEST_F(AcmePebbleEabTest, DirectoryRequiresBinding) {
  auto dir = acme_->Directory();
  ASSERT_TRUE(dir.ok()) << dir.status().ToString();
  EXPECT_TRUE(dir->external_account_required);
  auto account = acme_->NewAccount(PrivateKey::Generate(KeyAlgorithm::kEcdsa256).value(), {});
  ASSERT_FALSE(account.ok());
  EXPECT_EQ(account.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(account.status().message(), HasSubstr("requires an external account binding"));
}

TEST_F(AcmePebbleEabTest, RightKeyRegisters) {
  for (KeyAlgorithm algorithm : {KeyAlgorithm::kEcdsa256, KeyAlgorithm::kRsa2048}) {
    SCOPED_TRACE(KeyAlgorithmName(algorithm));
    auto key = PrivateKey::Generate(algorithm).value();
    NewAccountRequest request;
    request.contact_emails = {"eab@example.com"};
    request.external_account_binding = AcmeExternalAccountBinding{"kid-2", pebble_->eab_keys().at("kid-2")};
    auto account = acme_->NewAccount(key, request);
    ASSERT_TRUE(account.ok()) << account.status().ToString();
    EXPECT_TRUE(account->created);
    EXPECT_EQ(account->status, "valid");
    EXPECT_TRUE(acme_->DeactivateAccount(key, account->url).ok());
  }
}

TEST_F(AcmePebbleEabTest, WrongKeyCarriesPebblesDetail) {
  struct Case {
    std::string name;
    std::string kid;
    std::string secret;
    std::string detail;  // Pebble 2.4's words
  };
  const std::vector<Case> cases = {
      {"wrong secret", "kid-1", Base64UrlEncode("this is not the right key at all"),
       "external account binding JWS verification error"},
      {"other kid's secret", "kid-1", pebble_->eab_keys().at("kid-2"),
       "external account binding JWS verification error"},
      {"unknown kid", "kid-unknown", pebble_->eab_keys().at("kid-1"),
       "the field 'kid' references a key that is not known to the ACME server"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    NewAccountRequest request;
    request.external_account_binding = AcmeExternalAccountBinding{c.kid, c.secret};
    auto account = acme_->NewAccount(PrivateKey::Generate(KeyAlgorithm::kEcdsa256).value(), request);
    ASSERT_FALSE(account.ok());
    const Status& st = account.status();
    EXPECT_EQ(st.code(), StatusCode::kPermissionDenied) << st.ToString();
    EXPECT_THAT(st.message(), StartsWith("newAccount: urn:ietf:params:acme:error:unauthorized: "));
    EXPECT_THAT(st.message(), HasSubstr(c.detail));
    EXPECT_THAT(st.message(), Not(HasSubstr(c.secret)));
  }
}

// ---------------------------------------------------------------- badNonce against the real thing

TEST(AcmePebbleNonceTest, RejectedNoncesAreRetried) {
  PebbleOptions options;
  options.env = {{"PEBBLE_WFE_NONCEREJECT", "40"}};  // Pebble rejects 40 % of valid nonces
  auto pebble = StartPebble(options);
  ASSERT_NE(pebble, nullptr);
  auto http = TrustingClient(*pebble);
  CountingHttpClient counting(http.get());
  auto acme = NewAcme(pebble->directory_url(), &counting, /*bad_nonce_retries=*/20);
  for (int i = 0; i < 6; ++i) {
    auto key = PrivateKey::Generate(KeyAlgorithm::kEcdsa256).value();
    auto account = acme->NewAccount(key, {});
    ASSERT_TRUE(account.ok()) << account.status().ToString();
    ASSERT_TRUE(acme->GetAccount(key, account->url).ok());
    ASSERT_TRUE(acme->DeactivateAccount(key, account->url).ok());
  }
  // 18 operations; with 40 % of nonces rejected some of them needed retries
  // (P(no rejection at all) = 0.6^18 ≈ 1e-4).
  EXPECT_GT(counting.posts.load(), 18);
}

}  // namespace
}  // namespace ionos
