// Tests for core/acme/acme_client against a scripted HTTP client (tests/fakes/fake_http.h).
#include "core/acme/acme_client.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>

#include "core/base/encoding.h"
#include "tests/fakes/fake_clock.h"
#include "tests/fakes/fake_http.h"

namespace ionos {
namespace {

using fakes::FakeHttpClient;
using fakes::MakeJsonResponse;
using fakes::MakeProblemResponse;
using fakes::MakeResponse;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr char kDirUrl[] = "https://ca.test/dir";
constexpr char kNonceUrl[] = "https://ca.test/nonce";
constexpr char kNewAccountUrl[] = "https://ca.test/new-acct";
constexpr char kAccountUrl[] = "https://ca.test/acct/1";

nlohmann::json DirectoryJson(bool eab_required = false) {
  return {{"newNonce", kNonceUrl},
          {"newAccount", kNewAccountUrl},
          {"newOrder", "https://ca.test/new-order"},
          {"revokeCert", "https://ca.test/revoke"},
          {"keyChange", "https://ca.test/key-change"},
          {"renewalInfo", "https://ca.test/ari"},
          {"meta",
           {{"termsOfService", "https://ca.test/tos"},
            {"website", "https://ca.test"},
            {"caaIdentities", {"ca.test"}},
            {"externalAccountRequired", eab_required}}}};
}

HttpResponse NonceResponse(const std::string& nonce) {
  return MakeResponse(200, "", {{"Replay-Nonce", nonce}, {"Cache-Control", "no-store"}});
}

HttpResponse AccountResponse(int status, const std::string& nonce, const std::string& account_status = "valid") {
  return MakeJsonResponse(status,
                          {{"status", account_status},
                           {"contact", {"mailto:admin@example.com"}},
                           {"orders", std::string(kAccountUrl) + "/orders"}},
                          {{"Location", kAccountUrl}, {"Replay-Nonce", nonce}});
}

HttpHeaders WithNonce(const std::string& nonce) { return {{"Replay-Nonce", nonce}}; }

const Status kRefused = UnavailableError("connecting to https://ca.test:443: connection failed");

struct Jws {
  nlohmann::json header;
  std::string payload;
};

Jws DecodeJws(const std::string& body) {
  nlohmann::json outer = nlohmann::json::parse(body);
  Jws j;
  j.header = nlohmann::json::parse(Base64UrlDecode(outer["protected"].get<std::string>()).value());
  j.payload = Base64UrlDecode(outer["payload"].get<std::string>()).value();
  return j;
}

class AcmeClientTest : public ::testing::Test {
 protected:
  void SetUp() override { key_ = std::make_unique<PrivateKey>(PrivateKey::Generate(KeyAlgorithm::kEcdsa256).value()); }

  std::unique_ptr<AcmeClient> NewClient(AcmeClientOptions options = {}) {
    options.directory_url = kDirUrl;
    options.http = &http_;
    options.clock = &clock_;
    options.cancel = &cancel_;
    auto client = AcmeClient::Create(options);
    EXPECT_TRUE(client.ok()) << client.status().ToString();
    return std::move(client).value();
  }

  void ExpectDirectory(bool eab_required = false) {
    http_.Expect("GET", kDirUrl, MakeJsonResponse(200, DirectoryJson(eab_required)));
  }

  // The POST bodies sent to `url`, decoded.
  std::vector<Jws> Posts(const std::string& url = "") {
    std::vector<Jws> out;
    for (const auto& r : http_.requests()) {
      if (r.method == "POST" && (url.empty() || r.url == url)) {
        out.push_back(DecodeJws(r.body));
      }
    }
    return out;
  }

  FakeHttpClient http_;
  fakes::FakeClock clock_{ParseRfc3339("2030-01-01T00:00:00Z").value()};
  CancelToken cancel_;
  std::unique_ptr<PrivateKey> key_;
};

// ---------------------------------------------------------------- directory

TEST_F(AcmeClientTest, DirectoryIsFetchedOnceAndParsed) {
  ExpectDirectory();
  auto client = NewClient();
  auto dir = client->Directory();
  ASSERT_TRUE(dir.ok()) << dir.status().ToString();
  EXPECT_EQ(dir->new_nonce, kNonceUrl);
  EXPECT_EQ(dir->new_account, kNewAccountUrl);
  EXPECT_EQ(dir->new_order, "https://ca.test/new-order");
  EXPECT_EQ(dir->revoke_cert, "https://ca.test/revoke");
  EXPECT_EQ(dir->key_change, "https://ca.test/key-change");
  EXPECT_EQ(dir->renewal_info, "https://ca.test/ari");
  EXPECT_EQ(dir->terms_of_service, "https://ca.test/tos");
  EXPECT_EQ(dir->website, "https://ca.test");
  EXPECT_THAT(dir->caa_identities, ElementsAre("ca.test"));
  EXPECT_FALSE(dir->external_account_required);

  ASSERT_TRUE(client->Directory().ok());
  ASSERT_TRUE(client->Directory().ok());
  EXPECT_EQ(http_.request_count(), 1u);
  EXPECT_EQ(http_.requests()[0].headers, (HttpHeaders{{"Accept", "application/json"}}));
}

TEST_F(AcmeClientTest, ConcurrentFirstCallersShareOneFetch) {
  ExpectDirectory();
  auto client = NewClient();
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      if (client->Directory().ok()) {
        ++ok;
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  EXPECT_EQ(ok.load(), 8);
  EXPECT_EQ(http_.request_count(), 1u);
}

struct NotDirectoryCase {
  std::string name;
  Result<HttpResponse> response;
  StatusCode code;
  std::string message;
};

TEST_F(AcmeClientTest, NotADirectoryIsAClearError) {
  const std::vector<NotDirectoryCase> cases = {
      {"json without resources", MakeJsonResponse(200, {{"hello", "world"}}), StatusCode::kInvalidArgument,
       "https://ca.test/dir is not an ACME directory (missing newNonce/newAccount/newOrder)"},
      {"html page", MakeResponse(200, "<html><body>Welcome</body></html>", {{"Content-Type", "text/html"}}),
       StatusCode::kInvalidArgument, "is not an ACME directory (the response is not a JSON object)"},
      {"json array", MakeJsonResponse(200, nlohmann::json::array({1, 2})), StatusCode::kInvalidArgument,
       "is not an ACME directory"},
      {"not found", MakeResponse(404, "not found"), StatusCode::kInvalidArgument,
       "is not an ACME directory (HTTP 404)"},
      {"server error", MakeResponse(503, "try later"), StatusCode::kUnavailable, "HTTP 503"},
      {"unreachable", UnavailableError("connecting to https://ca.test:443: connection failed"),
       StatusCode::kUnavailable, "ACME directory https://ca.test/dir: connecting to https://ca.test:443"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    FakeHttpClient http;
    http.Expect("GET", kDirUrl, c.response);
    AcmeClientOptions options;
    options.directory_url = kDirUrl;
    options.http = &http;
    options.max_transport_retries = 0;  // this table is about the errors, not the retries
    auto client = AcmeClient::Create(options).value();
    auto dir = client->Directory();
    ASSERT_FALSE(dir.ok());
    EXPECT_EQ(dir.status().code(), c.code) << dir.status().ToString();
    EXPECT_THAT(dir.status().message(), HasSubstr(c.message));
    // Account operations report the same error.
    http.Expect("GET", kDirUrl, c.response);
    auto acct = client->NewAccount(*key_, {});
    ASSERT_FALSE(acct.ok());
    EXPECT_THAT(acct.status().message(), HasSubstr(c.message));
  }
}

TEST_F(AcmeClientTest, FailedDirectoryFetchAnswersCallersRightAfterItThenIsTriedAgain) {
  http_.Expect("GET", kDirUrl, UnavailableError("connecting to https://ca.test:443: connection failed"));
  ExpectDirectory();
  AcmeClientOptions options;
  options.max_transport_retries = 0;
  auto client = NewClient(options);
  auto first = client->Directory();
  EXPECT_EQ(first.status().code(), StatusCode::kUnavailable);
  // Callers that were waiting for that fetch get its failure instead of repeating its retries.
  auto right_after = client->Directory();
  EXPECT_EQ(right_after.status(), first.status());
  EXPECT_EQ(http_.request_count(), 1u);
  clock_.Advance(options.max_transport_retry_time);
  EXPECT_TRUE(client->Directory().ok());
  EXPECT_EQ(http_.request_count(), 2u);
}

TEST_F(AcmeClientTest, NonceAndPostTransportFailuresShareOneBudget) {
  ExpectDirectory();
  http_.Expect("HEAD", kNonceUrl, kRefused);
  http_.Expect("HEAD", kNonceUrl, kRefused);
  http_.Expect("HEAD", kNonceUrl, NonceResponse("n1"));
  http_.Expect("POST", kAccountUrl, kRefused);
  http_.Expect("HEAD", kNonceUrl, NonceResponse("n2"));
  http_.Expect("POST", kAccountUrl, kRefused);
  bool resent = false;
  auto client = NewClient();
  auto a = client->Post(*key_, kAccountUrl, kAccountUrl, "", &resent);
  ASSERT_FALSE(a.ok());
  EXPECT_THAT(a.status().message(), HasSubstr("giving up after 4 attempts"));
  EXPECT_TRUE(resent);
  EXPECT_EQ(http_.remaining(), 0u);
}

TEST_F(AcmeClientTest, AnHttpAnswerStartsANewTransportBudget) {
  // Refused three times, then a 503 (the CA is starting), then refused three times again: each
  // streak is within its budget, so the POST still gets through.
  ExpectDirectory();
  auto client = NewClient();
  ASSERT_TRUE(client->Directory().ok());
  std::vector<Result<HttpResponse>> posts = {kRefused, kRefused, kRefused,
                                             MakeProblemResponse(503, "serverInternal", "starting", WithNonce("s")),
                                             kRefused, kRefused, kRefused,
                                             AccountResponse(200, "p")};
  size_t next = 0;
  int heads = 0;
  http_.SetHandler([&](const HttpRequest& r) -> Result<HttpResponse> {
    if (r.method == "HEAD") return NonceResponse("h" + std::to_string(++heads));
    return posts.at(next++);
  });
  bool resent = false;
  auto a = client->Post(*key_, kAccountUrl, kAccountUrl, "", &resent);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(next, posts.size());
  EXPECT_TRUE(resent);
}

TEST(AcmeClientCreateTest, RejectsBadOptions) {
  FakeHttpClient http;
  AcmeClientOptions options;
  options.directory_url = kDirUrl;
  EXPECT_EQ(AcmeClient::Create(options).status().code(), StatusCode::kInvalidArgument);  // no HTTP client
  options.http = &http;
  options.directory_url = "ftp://ca.test/dir";
  auto bad = AcmeClient::Create(options);
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(bad.status().message(), HasSubstr("ACME directory URL"));
  EXPECT_EQ(http.request_count(), 0u);  // Create() itself sends nothing
}

// ---------------------------------------------------------------- accounts, nonces

TEST_F(AcmeClientTest, NewAccountThenLookupUsesMinimalRequests) {
  ExpectDirectory();
  http_.Expect("HEAD", kNonceUrl, NonceResponse("nonce-1"));
  http_.Expect("POST", kNewAccountUrl, AccountResponse(201, "nonce-2"));
  http_.Expect("POST", kAccountUrl, AccountResponse(200, "nonce-3"));
  auto client = NewClient();

  NewAccountRequest request;
  request.contact_emails = {"admin@example.com"};
  auto account = client->NewAccount(*key_, request);
  ASSERT_TRUE(account.ok()) << account.status().ToString();
  EXPECT_EQ(account->url, kAccountUrl);
  EXPECT_EQ(account->status, "valid");
  EXPECT_TRUE(account->created);
  EXPECT_THAT(account->contact, ElementsAre("mailto:admin@example.com"));
  EXPECT_EQ(account->orders_url, std::string(kAccountUrl) + "/orders");

  auto again = client->GetAccount(*key_, kAccountUrl);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->url, kAccountUrl);
  EXPECT_FALSE(again->created);

  // GET directory + HEAD newNonce + 2 POSTs; the second POST used the nonce of the first answer.
  EXPECT_EQ(http_.request_count(), 4u);
  EXPECT_EQ(http_.CountRequests("HEAD"), 1u);
  EXPECT_EQ(client->pooled_nonces(), 1u);  // nonce-3

  const auto requests = http_.requests();
  EXPECT_EQ(requests[2].headers, (HttpHeaders{{"Content-Type", "application/jose+json"}}));
  const std::vector<Jws> posts = Posts();
  ASSERT_EQ(posts.size(), 2u);
  // newAccount: jwk form (RFC 8555 §7.3), terms agreed, mailto contact.
  EXPECT_EQ(posts[0].header["nonce"], "nonce-1");
  EXPECT_EQ(posts[0].header["url"], kNewAccountUrl);
  EXPECT_EQ(posts[0].header["jwk"], key_->PublicJwk().value());
  EXPECT_FALSE(posts[0].header.contains("kid"));
  EXPECT_EQ(nlohmann::json::parse(posts[0].payload),
            nlohmann::json({{"termsOfServiceAgreed", true}, {"contact", {"mailto:admin@example.com"}}}));
  // Lookup: kid form, POST-as-GET.
  EXPECT_EQ(posts[1].header["nonce"], "nonce-2");
  EXPECT_EQ(posts[1].header["kid"], kAccountUrl);
  EXPECT_FALSE(posts[1].header.contains("jwk"));
  EXPECT_EQ(posts[1].payload, "");
  EXPECT_EQ(nlohmann::json::parse(requests[3].body)["payload"], "");
}

TEST_F(AcmeClientTest, ExistingAccountIsReportedAsNotCreated) {
  ExpectDirectory();
  http_.Expect("HEAD", kNonceUrl, NonceResponse("n1"));
  http_.Expect("POST", kNewAccountUrl, AccountResponse(200, "n2"));
  auto account = NewClient()->NewAccount(*key_, {});
  ASSERT_TRUE(account.ok());
  EXPECT_FALSE(account->created);
  EXPECT_EQ(account->url, kAccountUrl);
}

TEST_F(AcmeClientTest, BadNonceIsRetriedWithTheNonceFromTheError) {
  ExpectDirectory();
  http_.Expect("HEAD", kNonceUrl, NonceResponse("stale"));
  http_.Expect("POST", kNewAccountUrl,
               MakeProblemResponse(400, "badNonce", "JWS has an invalid anti-replay nonce", WithNonce("fresh-1")));
  http_.Expect("POST", kNewAccountUrl,
               MakeProblemResponse(400, "badNonce", "JWS has an invalid anti-replay nonce", WithNonce("fresh-2")));
  http_.Expect("POST", kNewAccountUrl, AccountResponse(201, "next"));
  auto account = NewClient()->NewAccount(*key_, {});
  ASSERT_TRUE(account.ok()) << account.status().ToString();
  const std::vector<Jws> posts = Posts();
  ASSERT_EQ(posts.size(), 3u);
  EXPECT_EQ(posts[0].header["nonce"], "stale");
  EXPECT_EQ(posts[1].header["nonce"], "fresh-1");
  EXPECT_EQ(posts[2].header["nonce"], "fresh-2");
  EXPECT_EQ(posts[2].payload, posts[0].payload);
  EXPECT_EQ(http_.CountRequests("HEAD"), 1u);
}

TEST_F(AcmeClientTest, BadNonceGivesUpAfterTheLimit) {
  ExpectDirectory();
  http_.Expect("HEAD", kNonceUrl, NonceResponse("n0"));
  for (int i = 0; i < 3; ++i) {
    http_.Expect("POST", kAccountUrl,
                 MakeProblemResponse(400, "badNonce", "nonce rejected", WithNonce("n" + std::to_string(i + 1))));
  }
  AcmeClientOptions options;
  options.max_bad_nonce_retries = 2;
  auto account = NewClient(options)->GetAccount(*key_, kAccountUrl);
  ASSERT_FALSE(account.ok());
  EXPECT_EQ(account.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(account.status().message(), HasSubstr("urn:ietf:params:acme:error:badNonce: nonce rejected"));
  EXPECT_EQ(http_.remaining(), 0u);
}

TEST_F(AcmeClientTest, BadNonceWithoutFreshNonceFetchesANewOne) {
  ExpectDirectory();
  http_.Expect("HEAD", kNonceUrl, NonceResponse("n1"));
  http_.Expect("POST", kAccountUrl, MakeProblemResponse(400, "badNonce", "bad"));
  http_.Expect("HEAD", kNonceUrl, NonceResponse("n2"));
  http_.Expect("POST", kAccountUrl, AccountResponse(200, "n3"));
  ASSERT_TRUE(NewClient()->GetAccount(*key_, kAccountUrl).ok());
  EXPECT_EQ(Posts()[1].header["nonce"], "n2");
}

TEST_F(AcmeClientTest, NoncePoolIsSafeUnderConcurrency) {
  // A simulated CA: every nonce it hands out is accepted exactly once.
  std::mutex mu;
  std::set<std::string> issued;
  std::set<std::string> used;
  int counter = 0;
  bool reused = false;
  http_.SetHandler([&](const HttpRequest& r) -> Result<HttpResponse> {
    std::lock_guard<std::mutex> lock(mu);
    const std::string fresh = "nonce" + std::to_string(++counter);
    issued.insert(fresh);
    if (r.method == "GET") {
      return MakeJsonResponse(200, DirectoryJson());
    }
    if (r.method == "HEAD") {
      return NonceResponse(fresh);
    }
    const std::string nonce = DecodeJws(r.body).header["nonce"].get<std::string>();
    if (!issued.count(nonce) || !used.insert(nonce).second) {
      reused = true;
      return MakeProblemResponse(400, "badNonce", "replayed", WithNonce(fresh));
    }
    return AccountResponse(200, fresh);
  });
  auto client = NewClient();
  constexpr int kThreads = 8;
  constexpr int kPerThread = 10;
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kPerThread; ++i) {
        if (client->GetAccount(*key_, kAccountUrl).ok()) {
          ++ok;
        }
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  EXPECT_EQ(ok.load(), kThreads * kPerThread);
  EXPECT_FALSE(reused) << "a nonce was used twice";
  EXPECT_LE(http_.CountRequests("HEAD"), static_cast<size_t>(kThreads));
  EXPECT_EQ(http_.CountRequests("GET"), 1u);
}

// ---------------------------------------------------------------- problems

struct ProblemCase {
  std::string name;
  HttpResponse response;
  StatusCode code;
  std::string message;
};

TEST_F(AcmeClientTest, ProblemDocumentsMapToStatusCodes) {
  nlohmann::json compound = {
      {"type", "urn:ietf:params:acme:error:compound"},
      {"detail", "Cannot issue for 2 identifiers"},
      {"status", 403},
      {"subproblems",
       {{{"type", "urn:ietf:params:acme:error:rejectedIdentifier"},
         {"detail", "policy forbids issuing for name"},
         {"identifier", {{"type", "dns"}, {"value", "bad.example"}}}},
        {{"type", "urn:ietf:params:acme:error:caa"},
         {"detail", "CAA record forbids issuance"},
         {"identifier", {{"type", "dns"}, {"value", "caa.example"}}}}}}};
  const std::vector<ProblemCase> cases = {
      {"rateLimited", MakeProblemResponse(429, "rateLimited", "too many new accounts"),
       StatusCode::kResourceExhausted, "urn:ietf:params:acme:error:rateLimited: too many new accounts"},
      {"unauthorized", MakeProblemResponse(403, "unauthorized", "account is not valid"),
       StatusCode::kPermissionDenied, "account is not valid"},
      {"accountDoesNotExist", MakeProblemResponse(400, "accountDoesNotExist", "no such account"),
       StatusCode::kNotFound, "no such account"},
      {"malformed", MakeProblemResponse(400, "malformed", "bad JSON"), StatusCode::kInvalidArgument, "bad JSON"},
      {"invalidContact", MakeProblemResponse(400, "invalidContact", "bad email"), StatusCode::kInvalidArgument,
       "invalidContact: bad email"},
      {"unsupportedContact", MakeProblemResponse(400, "unsupportedContact", "tel: unsupported"),
       StatusCode::kInvalidArgument, "tel: unsupported"},
      {"externalAccountRequired", MakeProblemResponse(400, "externalAccountRequired", "EAB required"),
       StatusCode::kInvalidArgument, "EAB required"},
      {"serverInternal", MakeProblemResponse(500, "serverInternal", "oops"), StatusCode::kUnavailable, "oops"},
      {"orderNotReady", MakeProblemResponse(403, "orderNotReady", "order is pending"),
       StatusCode::kFailedPrecondition, "order is pending"},
      {"compound with subproblems", MakeJsonResponse(403, compound), StatusCode::kFailedPrecondition,
       "compound: Cannot issue for 2 identifiers [dns:bad.example: urn:ietf:params:acme:error:rejectedIdentifier: "
       "policy forbids issuing for name; dns:caa.example: urn:ietf:params:acme:error:caa: CAA record forbids "
       "issuance]"},
      {"unknown type, 403", MakeProblemResponse(403, "urn:example:weird", "nope"), StatusCode::kPermissionDenied,
       "urn:example:weird: nope"},
      {"unknown type, 401", MakeProblemResponse(401, "urn:example:auth", "who?"), StatusCode::kUnauthenticated,
       "who?"},
      {"plain 502", MakeResponse(502, "<html>Bad Gateway</html>", {{"Content-Type", "text/html"}}),
       StatusCode::kUnavailable, "HTTP 502 (<html>Bad Gateway</html>)"},
      {"empty 404", MakeResponse(404), StatusCode::kNotFound, "HTTP 404"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    FakeHttpClient http;
    http.Expect("GET", kDirUrl, MakeJsonResponse(200, DirectoryJson()));
    http.Expect("HEAD", kNonceUrl, NonceResponse("n1"));
    http.Expect("POST", "https://ca.test/thing", c.response);
    AcmeClientOptions options;
    options.directory_url = kDirUrl;
    options.http = &http;
    options.clock = &clock_;
    options.max_unavailable_retries = 0;
    auto client = AcmeClient::Create(options).value();
    auto r = client->PostAsGet(*key_, kAccountUrl, "https://ca.test/thing");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), c.code) << r.status().ToString();
    EXPECT_THAT(r.status().message(), HasSubstr(c.message));
  }
}

TEST(AcmeProblemTest, FromJsonAndShortType) {
  auto p = AcmeProblem::FromJson({{"type", "urn:ietf:params:acme:error:userActionRequired"},
                                  {"detail", "accept the new terms"},
                                  {"instance", "https://ca.test/tos-2"},
                                  {"status", 403}});
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->ShortType(), "userActionRequired");
  EXPECT_EQ(p->status, 403);
  EXPECT_EQ(p->ToString(),
            "urn:ietf:params:acme:error:userActionRequired: accept the new terms (see https://ca.test/tos-2)");
  EXPECT_EQ(AcmeProblemCode(*p, 403), StatusCode::kFailedPrecondition);
  EXPECT_FALSE(AcmeProblem::FromJson({{"status", "valid"}}).has_value());
  EXPECT_FALSE(AcmeProblem::FromJson("string").has_value());
}

// ---------------------------------------------------------------- Retry-After

TEST(AcmeRetryAfterTest, ParsesSecondsAndHttpDates) {
  const TimePoint now = ParseRfc3339("2015-10-21T07:00:00Z").value();
  struct Case {
    std::string name;
    std::string value;
    std::optional<TimePoint> want;
  };
  const std::vector<Case> cases = {
      {"seconds", "120", now + std::chrono::seconds(120)},
      {"zero", "0", now},
      {"spaces", " 5 ", now + std::chrono::seconds(5)},
      {"http date", "Wed, 21 Oct 2015 07:28:00 GMT", ParseRfc3339("2015-10-21T07:28:00Z").value()},
      {"past date", "Wed, 21 Oct 2015 06:00:00 GMT", now},
      {"empty", "", std::nullopt},
      {"negative", "-5", std::nullopt},
      {"garbage", "soon", std::nullopt},
      {"huge", "99999999999999", std::nullopt},
      {"rfc850 date", "Wednesday, 21-Oct-15 07:28:00 GMT", std::nullopt},
      // Beyond TimePoint's range: clamped (this overflowed before, undefined behaviour).
      {"year 9999", "Fri, 31 Dec 9999 23:59:59 GMT", TimePointFromTimeT(kLatestTime)},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(ParseRetryAfter(c.value, now), c.want);
  }
}

TEST_F(AcmeClientTest, ServiceUnavailableIsRetriedAfterRetryAfter) {
  ExpectDirectory();
  http_.Expect("HEAD", kNonceUrl, NonceResponse("n1"));
  http_.Expect("POST", kAccountUrl,
               MakeProblemResponse(503, "serverInternal", "maintenance", {{"Retry-After", "3"}, {"Replay-Nonce", "n2"}}));
  http_.Expect("POST", kAccountUrl, AccountResponse(200, "n3"));
  auto account = NewClient()->GetAccount(*key_, kAccountUrl);
  ASSERT_TRUE(account.ok()) << account.status().ToString();
  EXPECT_THAT(clock_.sleeps(), ElementsAre(Duration(3000)));
}

TEST_F(AcmeClientTest, LongRetryAfterIsReportedNotSlept) {
  ExpectDirectory();
  http_.Expect("HEAD", kNonceUrl, NonceResponse("n1"));
  http_.Expect("POST", kAccountUrl,
               MakeProblemResponse(503, "serverInternal", "maintenance", {{"Retry-After", "3600"}}));
  auto account = NewClient()->GetAccount(*key_, kAccountUrl);
  ASSERT_FALSE(account.ok());
  EXPECT_EQ(account.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(account.status().message(), HasSubstr("maintenance (retry after 2030-01-01T01:00:00Z)"));
  EXPECT_TRUE(clock_.sleeps().empty());
}

TEST_F(AcmeClientTest, RateLimitIsNotRetriedAndCarriesRetryAfter) {
  ExpectDirectory();
  http_.Expect("HEAD", kNonceUrl, NonceResponse("n1"));
  http_.Expect("POST", kNewAccountUrl,
               MakeProblemResponse(429, "rateLimited", "too many registrations for this IP",
                                   {{"Retry-After", "Tue, 01 Jan 2030 03:00:00 GMT"}}));
  auto account = NewClient()->NewAccount(*key_, {});
  ASSERT_FALSE(account.ok());
  EXPECT_EQ(account.status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(account.status().message(),
            "newAccount: urn:ietf:params:acme:error:rateLimited: too many registrations for this IP (retry after "
            "2030-01-01T03:00:00Z)");
  EXPECT_TRUE(clock_.sleeps().empty());
}

TEST_F(AcmeClientTest, ShortRateLimitIsRetriedAfterRetryAfter) {
  ExpectDirectory();
  http_.Expect("HEAD", kNonceUrl, NonceResponse("n1"));
  http_.Expect("POST", kAccountUrl,
               MakeProblemResponse(429, "rateLimited", "slow down", {{"Retry-After", "2"}, {"Replay-Nonce", "n2"}}));
  http_.Expect("POST", kAccountUrl,
               MakeProblemResponse(429, "rateLimited", "slow down", {{"Retry-After", "2"}, {"Replay-Nonce", "n3"}}));
  http_.Expect("POST", kAccountUrl, AccountResponse(200, "n4"));
  auto account = NewClient()->GetAccount(*key_, kAccountUrl);
  ASSERT_TRUE(account.ok()) << account.status().ToString();
  EXPECT_THAT(clock_.sleeps(), ElementsAre(Duration(2000), Duration(2000)));
}

TEST_F(AcmeClientTest, ServerInternalWithRetryAfterIsRetriedBoundedThenCarriesTheDetail) {
  ExpectDirectory();
  http_.Expect("HEAD", kNonceUrl, NonceResponse("n1"));
  for (const char* nonce : {"n2", "n3", "n4"}) {
    http_.Expect("POST", kAccountUrl,
                 MakeProblemResponse(500, "serverInternal", "database on fire",
                                     {{"Retry-After", "1"}, {"Replay-Nonce", nonce}}));
  }
  auto account = NewClient()->GetAccount(*key_, kAccountUrl);
  ASSERT_FALSE(account.ok());
  EXPECT_EQ(account.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(account.status().message(), HasSubstr("serverInternal: database on fire"));
  EXPECT_THAT(clock_.sleeps(), ElementsAre(Duration(1000), Duration(1000)));
}

TEST_F(AcmeClientTest, SuccessfulResponseExposesRetryAfterAndLinks) {
  ExpectDirectory();
  http_.Expect("HEAD", kNonceUrl, NonceResponse("n1"));
  http_.Expect("POST", "https://ca.test/order/1",
               MakeJsonResponse(200, {{"status", "processing"}},
                                {{"Retry-After", "2"},
                                 {"Link", "<https://ca.test/dir>;rel=\"index\""},
                                 {"Link", "<https://ca.test/cert/1/alt1>; rel=\"alternate\", "
                                          "<https://ca.test/cert/1/alt2>;rel=alternate"},
                                 {"Replay-Nonce", "n2"}}));
  auto r = NewClient()->PostAsGet(*key_, kAccountUrl, "https://ca.test/order/1");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->retry_after, clock_.Now() + std::chrono::seconds(2));
  EXPECT_THAT(r->Links("alternate"), ElementsAre("https://ca.test/cert/1/alt1", "https://ca.test/cert/1/alt2"));
  EXPECT_THAT(r->Links("index"), ElementsAre("https://ca.test/dir"));
  EXPECT_TRUE(r->Links("up").empty());
  EXPECT_EQ(r->Json().value()["status"], "processing");
  EXPECT_EQ(Posts()[0].payload, "");  // POST-as-GET
}

// ---------------------------------------------------------------- account lifecycle

// Only the CA's own problem documents speak about an account: accountDoesNotExist
// is kNotFound, unauthorized kPermissionDenied, and a bare 404 (a proxy, a wrong URL) says
// nothing about the account. Before the fix all three were kNotFound, and a refresh dropped the
// account for good.
TEST_F(AcmeClientTest, GetAccountTellsTheCasWordFromOtherAnswers) {
  struct Case {
    std::string name;
    HttpResponse response;
    StatusCode want;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"deactivated", MakeProblemResponse(403, "unauthorized", "Account is not valid, has status \"deactivated\""),
       StatusCode::kPermissionDenied, "the CA refuses requests of this account"},
      {"unknown", MakeProblemResponse(400, "accountDoesNotExist", "Account not found"), StatusCode::kNotFound,
       "the CA does not know this account"},
      {"bare 404 from a proxy", MakeResponse(404, "<html>Not Found</html>", {{"Content-Type", "text/html"}}),
       StatusCode::kUnavailable, "not the CA's answer about the account"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    FakeHttpClient http;
    http.Expect("GET", kDirUrl, MakeJsonResponse(200, DirectoryJson()));
    http.Expect("HEAD", kNonceUrl, NonceResponse("n1"));
    http.Expect("POST", kAccountUrl, c.response);
    AcmeClientOptions options;
    options.directory_url = kDirUrl;
    options.http = &http;
    auto account = AcmeClient::Create(options).value()->GetAccount(*key_, kAccountUrl);
    ASSERT_FALSE(account.ok());
    EXPECT_EQ(account.status().code(), c.want) << account.status().ToString();
    EXPECT_THAT(account.status().message(), HasSubstr("fetching ACME account https://ca.test/acct/1"));
    EXPECT_THAT(account.status().message(), HasSubstr(c.message));
  }
}

TEST_F(AcmeClientTest, GetAccountKeepsOtherErrors) {
  ExpectDirectory();
  http_.Expect("HEAD", kNonceUrl, NonceResponse("n1"));
  http_.Expect("POST", kAccountUrl, MakeProblemResponse(400, "malformed", "JWS verification error"));
  auto account = NewClient()->GetAccount(*key_, kAccountUrl);
  ASSERT_FALSE(account.ok());
  EXPECT_EQ(account.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(account.status().message(), HasSubstr("fetching ACME account https://ca.test/acct/1: "));
}

TEST_F(AcmeClientTest, DeactivateAccountIsIdempotent) {
  ExpectDirectory();
  http_.Expect("HEAD", kNonceUrl, NonceResponse("n1"));
  http_.Expect("POST", kAccountUrl, AccountResponse(200, "n2", "deactivated"));
  http_.Expect("POST", kAccountUrl,
               MakeProblemResponse(403, "unauthorized", "Account is not valid, has status \"deactivated\"",
                                   WithNonce("n3")));
  http_.Expect("POST", kAccountUrl, MakeProblemResponse(400, "accountDoesNotExist", "gone", WithNonce("n4")));
  http_.Expect("POST", kAccountUrl, MakeProblemResponse(400, "malformed", "broken request", WithNonce("n5")));
  auto client = NewClient();
  EXPECT_TRUE(client->DeactivateAccount(*key_, kAccountUrl).ok());
  EXPECT_TRUE(client->DeactivateAccount(*key_, kAccountUrl).ok());  // already deactivated
  EXPECT_TRUE(client->DeactivateAccount(*key_, kAccountUrl).ok());  // unknown
  Status other = client->DeactivateAccount(*key_, kAccountUrl);
  EXPECT_EQ(other.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(other.message(), HasSubstr("deactivating ACME account https://ca.test/acct/1: "));
  EXPECT_THAT(other.message(), HasSubstr("broken request"));

  const std::vector<Jws> posts = Posts();
  ASSERT_EQ(posts.size(), 4u);
  EXPECT_EQ(nlohmann::json::parse(posts[0].payload), nlohmann::json({{"status", "deactivated"}}));
  EXPECT_EQ(posts[0].header["kid"], kAccountUrl);
  EXPECT_EQ(posts[0].header["url"], kAccountUrl);
  EXPECT_EQ(http_.CountRequests("HEAD"), 1u);
}

TEST_F(AcmeClientTest, ExternalAccountBindingIsSentWhenGiven) {
  ExpectDirectory(/*eab_required=*/true);
  http_.Expect("HEAD", kNonceUrl, NonceResponse("n1"));
  http_.Expect("POST", kNewAccountUrl, AccountResponse(201, "n2"));
  NewAccountRequest request;
  request.contact_emails = {"mailto:ops@example.com"};
  request.external_account_binding = AcmeExternalAccountBinding{"kid-7", Base64UrlEncode("0123456789abcdef")};
  auto account = NewClient()->NewAccount(*key_, request);
  ASSERT_TRUE(account.ok()) << account.status().ToString();

  const nlohmann::json payload = nlohmann::json::parse(Posts()[0].payload);
  EXPECT_EQ(payload["contact"], nlohmann::json({"mailto:ops@example.com"}));
  const nlohmann::json& eab = payload["externalAccountBinding"];
  const nlohmann::json eab_header =
      nlohmann::json::parse(Base64UrlDecode(eab["protected"].get<std::string>()).value());
  EXPECT_EQ(eab_header, nlohmann::json({{"alg", "HS256"}, {"kid", "kid-7"}, {"url", kNewAccountUrl}}));
  EXPECT_EQ(nlohmann::json::parse(Base64UrlDecode(eab["payload"].get<std::string>()).value()),
            key_->PublicJwk().value());
}

TEST_F(AcmeClientTest, MissingRequiredBindingFailsBeforeAnyPost) {
  ExpectDirectory(/*eab_required=*/true);
  auto account = NewClient()->NewAccount(*key_, {});
  ASSERT_FALSE(account.ok());
  EXPECT_EQ(account.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(account.status().message(), HasSubstr("requires an external account binding"));
  EXPECT_EQ(http_.request_count(), 1u);  // the directory only
}

TEST_F(AcmeClientTest, OnlyReturnExistingWithoutAccountIsNotFound) {
  ExpectDirectory();
  http_.Expect("HEAD", kNonceUrl, NonceResponse("n1"));
  http_.Expect("POST", kNewAccountUrl,
               MakeProblemResponse(400, "accountDoesNotExist", "unable to find existing account"));
  NewAccountRequest request;
  request.only_return_existing = true;
  request.contact_emails = {"ignored@example.com"};
  auto account = NewClient()->NewAccount(*key_, request);
  ASSERT_FALSE(account.ok());
  EXPECT_EQ(account.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(nlohmann::json::parse(Posts()[0].payload), nlohmann::json({{"onlyReturnExisting", true}}));
}

TEST_F(AcmeClientTest, NewAccountWithoutLocationIsAnError) {
  ExpectDirectory();
  http_.Expect("HEAD", kNonceUrl, NonceResponse("n1"));
  http_.Expect("POST", kNewAccountUrl, MakeJsonResponse(201, {{"status", "valid"}}));
  auto account = NewClient()->NewAccount(*key_, {});
  ASSERT_FALSE(account.ok());
  EXPECT_EQ(account.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(account.status().message(), HasSubstr("without a Location header"));
}

TEST_F(AcmeClientTest, NewNonceFailuresAreReported) {
  ExpectDirectory();
  http_.Expect("HEAD", kNonceUrl, MakeResponse(200));  // no Replay-Nonce
  http_.Expect("HEAD", kNonceUrl, MakeResponse(503));
  auto client = NewClient();
  auto a = client->GetAccount(*key_, kAccountUrl);
  ASSERT_FALSE(a.ok());
  EXPECT_THAT(a.status().message(), HasSubstr("no valid Replay-Nonce header"));
  auto b = client->GetAccount(*key_, kAccountUrl);
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(b.status().message(), HasSubstr("newNonce https://ca.test/nonce: HTTP 503"));
}

// ---------------------------------------------------------------- transport failures

TEST_F(AcmeClientTest, TransportFailuresAreRetriedWithBackoffThenReported) {
  ExpectDirectory();
  http_.Expect("HEAD", kNonceUrl, NonceResponse("n1"));
  for (int i = 0; i < 4; ++i) {
    if (i > 0) {
      http_.Expect("HEAD", kNonceUrl, NonceResponse("n" + std::to_string(i + 1)));
    }
    http_.Expect("POST", kAccountUrl, kRefused);
  }
  auto a = NewClient()->GetAccount(*key_, kAccountUrl);
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(a.status().message(),
              HasSubstr("giving up after 4 attempts in 1.75s: connecting to https://ca.test:443: connection failed"));
  EXPECT_THAT(clock_.sleeps(), ElementsAre(std::chrono::milliseconds(250), std::chrono::milliseconds(500),
                                           std::chrono::milliseconds(1000)));
  // Every attempt was signed afresh with its own nonce.
  std::set<std::string> nonces;
  for (const Jws& j : Posts(kAccountUrl)) {
    nonces.insert(j.header["nonce"].get<std::string>());
  }
  EXPECT_EQ(nonces.size(), 4u);
  EXPECT_EQ(http_.remaining(), 0u);
}

TEST_F(AcmeClientTest, ShortOutageIsRiddenThrough) {
  struct Case {
    std::string name;
    std::string method;  // which request meets the outage
    std::string url;
  };
  const std::vector<Case> cases = {
      {"directory", "GET", kDirUrl},
      {"nonce", "HEAD", kNonceUrl},
      {"post", "POST", kAccountUrl},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    FakeHttpClient http;
    int failures_left = 2;
    int n = 0;
    http.SetHandler([&](const HttpRequest& r) -> Result<HttpResponse> {
      if (r.method == c.method && r.url == c.url && failures_left > 0) {
        --failures_left;
        return kRefused;
      }
      if (r.method == "GET") return MakeJsonResponse(200, DirectoryJson());
      if (r.method == "HEAD") return NonceResponse("n" + std::to_string(++n));
      return AccountResponse(200, "p" + std::to_string(++n));
    });
    AcmeClientOptions options;
    options.directory_url = kDirUrl;
    options.http = &http;
    options.clock = &clock_;
    auto client = AcmeClient::Create(options).value();
    auto a = client->GetAccount(*key_, kAccountUrl);
    ASSERT_TRUE(a.ok()) << a.status().ToString();
    EXPECT_EQ(a->status, "valid");
    EXPECT_EQ(failures_left, 0);
  }
}

TEST_F(AcmeClientTest, SlowTransportFailuresAreNotRepeated) {
  // An attempt that took its whole timeout is not waited on again.
  ExpectDirectory();
  http_.Expect("HEAD", kNonceUrl, NonceResponse("n1"));
  auto client = NewClient();
  ASSERT_TRUE(client->Directory().ok());
  int posts = 0;
  http_.SetHandler([&](const HttpRequest& r) -> Result<HttpResponse> {
    if (r.method == "HEAD") return NonceResponse("n" + std::to_string(posts + 2));
    ++posts;
    clock_.Advance(std::chrono::seconds(10));  // the connect timeout passes
    return UnavailableError("connecting to https://ca.test:443: connection timed out after 10s");
  });
  auto a = client->GetAccount(*key_, kAccountUrl);
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(a.status().message(), HasSubstr("connecting to https://ca.test:443: connection timed out after 10s"));
  EXPECT_THAT(a.status().message(), ::testing::Not(HasSubstr("giving up")));
  EXPECT_EQ(posts, 1);
  EXPECT_TRUE(clock_.sleeps().empty());
}

TEST_F(AcmeClientTest, UntrustedCertificatesAndHttpErrorsAreNotTransportRetries) {
  ExpectDirectory();
  http_.Expect("HEAD", kNonceUrl, NonceResponse("n1"));
  http_.Expect("POST", kAccountUrl,
               FailedPreconditionError("connecting to https://ca.test:443: certificate verify failed: self-signed"));
  auto a = NewClient()->GetAccount(*key_, kAccountUrl);
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(a.status().message(), HasSubstr("certificate verify failed"));
  EXPECT_THAT(a.status().message(), ::testing::Not(HasSubstr("giving up")));
  EXPECT_TRUE(clock_.sleeps().empty());
  EXPECT_EQ(http_.remaining(), 0u);
}

TEST_F(AcmeClientTest, CancellationEndsTheTransportRetryWait) {
  ExpectDirectory();
  auto client = NewClient();
  ASSERT_TRUE(client->Directory().ok());
  int posts = 0;
  http_.SetHandler([&](const HttpRequest& r) -> Result<HttpResponse> {
    if (r.method == "HEAD") return NonceResponse("n1");
    ++posts;
    cancel_.Cancel();  // StopProvider while the attempt is in flight
    return kRefused;
  });
  auto a = client->GetAccount(*key_, kAccountUrl);
  EXPECT_EQ(a.status().code(), StatusCode::kCancelled) << a.status().ToString();
  EXPECT_EQ(posts, 1);
}

TEST_F(AcmeClientTest, CancelledClientStopsBeforeSending) {
  ExpectDirectory();
  auto client = NewClient();
  ASSERT_TRUE(client->Directory().ok());
  cancel_.Cancel();
  auto a = client->GetAccount(*key_, kAccountUrl);
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.status().code(), StatusCode::kCancelled);
  EXPECT_EQ(http_.request_count(), 1u);
}

TEST_F(AcmeClientTest, NoncePoolIsBounded) {
  http_.SetHandler([n = 0](const HttpRequest& r) mutable -> Result<HttpResponse> {
    if (r.method == "GET") {
      return MakeJsonResponse(200, DirectoryJson(), WithNonce("d" + std::to_string(++n)));
    }
    return MakeJsonResponse(200, {{"ok", true}}, WithNonce("g" + std::to_string(++n)));
  });
  auto client = NewClient();
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(client->Get("https://ca.test/ari/" + std::to_string(i)).ok());
  }
  EXPECT_LE(client->pooled_nonces(), 32u);
  EXPECT_GE(client->pooled_nonces(), 30u);
}

// ---------------------------------------------------------------- URLs and headers of the HTTP layer
// (named Acme* so that `ctest -R Acme` runs them with the rest of the ACME stack)

TEST(AcmeHttpUrlTest, ParsesAbsoluteHttpUrls) {
  struct Case {
    std::string url;
    std::string scheme;
    std::string host;
    int port;
    std::string target;
    std::string origin;
  };
  const std::vector<Case> cases = {
      {"https://acme-v02.api.letsencrypt.org/directory", "https", "acme-v02.api.letsencrypt.org", 443, "/directory",
       "https://acme-v02.api.letsencrypt.org:443"},
      {"http://127.0.0.1:8080", "http", "127.0.0.1", 8080, "/", "http://127.0.0.1:8080"},
      {"HTTPS://ca.test:14000/dir?x=1#frag", "https", "ca.test", 14000, "/dir?x=1", "https://ca.test:14000"},
      {"https://ca.test?q", "https", "ca.test", 443, "/?q", "https://ca.test:443"},
      {"https://[::1]:8443/acme", "https", "::1", 8443, "/acme", "https://[::1]:8443"},
      {"http://[2001:db8::1]/", "http", "2001:db8::1", 80, "/", "http://[2001:db8::1]:80"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.url);
    auto u = ParseHttpUrl(c.url);
    ASSERT_TRUE(u.ok()) << u.status().ToString();
    EXPECT_EQ(u->scheme, c.scheme);
    EXPECT_EQ(u->host, c.host);
    EXPECT_EQ(u->port, c.port);
    EXPECT_EQ(u->target, c.target);
    EXPECT_EQ(u->Origin(), c.origin);
  }
  EXPECT_EQ(ParseHttpUrl("https://dns.test/zones?token=secret").value().RedactedUrl(), "https://dns.test:443/zones");
}

TEST(AcmeHttpUrlTest, RejectsMalformedUrls) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "expected http:// or https://"},
      {"ca.test/dir", "expected http:// or https://"},
      {"ftp://ca.test/dir", "unsupported scheme \"ftp\""},
      {"https:///dir", "missing host"},
      {"https://ca.test:0/", "outside 1..65535"},
      {"https://ca.test:70000/", "outside 1..65535"},
      {"https://ca.test:12ab/", "is not a number"},
      {"https://user:pw@ca.test/", "user information"},
      {"https://[::1/", "missing ']'"},
      {"https://ca.test/a b", "invalid character in path"},
  };
  for (const auto& [url, message] : cases) {
    SCOPED_TRACE(url);
    auto u = ParseHttpUrl(url);
    ASSERT_FALSE(u.ok());
    EXPECT_EQ(u.status().code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(u.status().message(), HasSubstr(message));
    EXPECT_THAT(u.status().message(), ::testing::Not(HasSubstr("pw@")));
  }
}

TEST(AcmeHttpUrlTest, ResponseHeadersAreCaseInsensitive) {
  HttpResponse r = MakeResponse(200, "", {{"Replay-Nonce", "abc"}, {"link", "<a>;rel=up"}, {"LINK", "<b>;rel=up"}});
  EXPECT_EQ(r.Header("replay-nonce"), "abc");
  EXPECT_EQ(r.Header("REPLAY-NONCE"), "abc");
  EXPECT_EQ(r.Header("Location"), "");
  EXPECT_THAT(r.Headers("Link"), ElementsAre("<a>;rel=up", "<b>;rel=up"));
}

}  // namespace
}  // namespace ionos
