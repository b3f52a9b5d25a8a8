// Tests for core/acme/acme_order: object parsing, the DNS-01 digest, the requests against a scripted
// CA (tests/fakes/fake_acme_ca.h), and the polling loop on a FakeClock.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/acme/acme_client.h"
#include "core/acme/acme_order.h"
#include "core/crypto/crypto.h"
#include "core/base/encoding.h"
#include "core/crypto/x509.h"
#include "tests/fakes/fake_acme_ca.h"
#include "tests/fakes/fake_clock.h"
#include "tests/fakes/fake_http.h"

namespace ionos {
namespace {

using fakes::FakeAcmeCa;
using fakes::FakeClock;
using fakes::FakeHttpClient;
using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// ---------------------------------------------------------------- parsing

TEST(AcmeOrderParseTest, Order) {
  const json j = json::parse(R"({
    "status": "valid",
    "expires": "2026-01-08T00:00:00.123Z",
    "identifiers": [{"type": "dns", "value": "*.example.com"}, {"type": "dns", "value": "example.com"}],
    "authorizations": ["https://ca/authz/1", "https://ca/authz/2"],
    "finalize": "https://ca/finalize/1",
    "certificate": "https://ca/cert/1",
    "notBefore": "ignored", "unknown": {"x": 1}
  })");
  Result<AcmeOrder> order = ParseAcmeOrder(j, "https://ca/order/1");
  ASSERT_TRUE(order.ok()) << order.status().ToString();
  EXPECT_EQ(order->url, "https://ca/order/1");
  EXPECT_EQ(order->status, "valid");
  ASSERT_TRUE(order->expires.has_value());
  EXPECT_EQ(FormatRfc3339(*order->expires), "2026-01-08T00:00:00Z");
  EXPECT_THAT(order->identifiers,
              ElementsAre(AcmeIdentifier{"dns", "*.example.com"}, AcmeIdentifier{"dns", "example.com"}));
  EXPECT_THAT(order->authorizations, ElementsAre("https://ca/authz/1", "https://ca/authz/2"));
  EXPECT_EQ(order->finalize, "https://ca/finalize/1");
  EXPECT_EQ(order->certificate, "https://ca/cert/1");
  EXPECT_FALSE(order->error.has_value());
}

TEST(AcmeOrderParseTest, Cases) {
  struct Case {
    std::string name;
    std::string body;
    StatusCode want;
    std::string check;  // what to look at when OK
  };
  const std::vector<Case> cases = {
      {"invalid_with_error",
       R"({"status":"invalid","error":{"type":"urn:ietf:params:acme:error:caa","detail":"CAA forbids"}})",
       StatusCode::kOk, "error"},
      {"odd_expires_is_ignored", R"({"status":"pending","expires":"tomorrow"})", StatusCode::kOk, "no_expires"},
      {"no_status", R"({"identifiers":[]})", StatusCode::kUnavailable, ""},
      {"not_an_object", R"(["pending"])", StatusCode::kUnavailable, ""},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    Result<AcmeOrder> order = ParseAcmeOrder(json::parse(c.body), "https://ca/order/9");
    EXPECT_EQ(order.status().code(), c.want) << order.status().ToString();
    if (c.check == "error") {
      ASSERT_TRUE(order->error.has_value());
      EXPECT_EQ(order->error->ShortType(), "caa");
      EXPECT_EQ(order->error->detail, "CAA forbids");
    } else if (c.check == "no_expires") {
      EXPECT_FALSE(order->expires.has_value());
    }
  }
}

TEST(AcmeOrderParseTest, AuthorizationAndChallenges) {
  struct Case {
    std::string name;
    std::string body;
    std::string want_value;
    bool want_wildcard;
    std::string want_ordered_name;
  };
  const std::vector<Case> cases = {
      {"plain", R"({"status":"pending","identifier":{"type":"dns","value":"example.com"},"challenges":[]})",
       "example.com", false, "example.com"},
      {"wildcard_flag",
       R"({"status":"pending","identifier":{"type":"dns","value":"example.com"},"wildcard":true,"challenges":[]})",
       "example.com", true, "*.example.com"},
      {"prefix_in_value_tolerated",
       R"({"status":"pending","identifier":{"type":"dns","value":"*.example.com"},"challenges":[]})", "example.com",
       true, "*.example.com"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    Result<AcmeAuthorization> a = ParseAcmeAuthorization(json::parse(c.body), "https://ca/authz/1");
    ASSERT_TRUE(a.ok()) << a.status().ToString();
    EXPECT_EQ(a->identifier.value, c.want_value);
    EXPECT_EQ(a->wildcard, c.want_wildcard);
    EXPECT_EQ(a->OrderedName(), c.want_ordered_name);
  }

  const json j = json::parse(R"({
    "status": "invalid",
    "identifier": {"type": "dns", "value": "www.example.com"},
    "expires": "2026-01-08T00:00:00Z",
    "challenges": [
      {"type": "http-01", "url": "https://ca/chall/1", "token": "t1", "status": "pending"},
      {"type": "dns-01", "url": "https://ca/chall/2", "token": "t2", "status": "invalid",
       "error": {"type": "urn:ietf:params:acme:error:unauthorized", "detail": "Incorrect TXT record \"x\"",
                 "status": 403}},
      {"url": "no type and no status"}
    ]
  })");
  Result<AcmeAuthorization> a = ParseAcmeAuthorization(j, "https://ca/authz/2");
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  ASSERT_EQ(a->challenges.size(), 2u);  // the broken one is skipped
  const AcmeChallenge* dns = a->FindChallenge("dns-01");
  ASSERT_NE(dns, nullptr);
  EXPECT_EQ(dns->url, "https://ca/chall/2");
  EXPECT_EQ(dns->token, "t2");
  EXPECT_EQ(dns->status, "invalid");
  ASSERT_TRUE(dns->error.has_value());
  EXPECT_EQ(dns->error->detail, "Incorrect TXT record \"x\"");
  EXPECT_EQ(a->FindChallenge("tls-alpn-01"), nullptr);

  const Status failure = AuthorizationFailure(*a);
  EXPECT_EQ(failure.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(failure.message(),
            "authorization for www.example.com is invalid: dns-01 challenge failed: "
            "urn:ietf:params:acme:error:unauthorized: Incorrect TXT record \"x\"");
}

// ---------------------------------------------------------------- DNS-01

TEST(AcmeOrderDns01Test, TxtValue) {
  // Token and thumbprint from RFC 8555 §8.1; the digest computed independently (SHA-256, base64url).
  EXPECT_EQ(Dns01TxtValue("evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA", "nP1qzpXGymHBrUEepNY9HCsQk7K8KhOypzEt62jcerQ"),
            "NGwKoXBgCT8JhEa0bK7AwfSqHyu_ZWeugV07fLGIVq0");
  EXPECT_EQ(Dns01TxtValue("a", "b").size(), 43u);  // 32 bytes, base64url without padding
}

TEST(AcmeOrderDns01Test, RecordFqdn) {
  struct Case {
    std::string in;
    std::string want;
  };
  for (const Case& c : {Case{"example.com", "_acme-challenge.example.com"},
                        Case{"www.example.com", "_acme-challenge.www.example.com"},
                        Case{"*.example.com", "_acme-challenge.example.com"},
                        Case{"WWW.Example.COM.", "_acme-challenge.www.example.com"}}) {
    EXPECT_EQ(Dns01RecordFqdn(c.in), c.want) << c.in;
  }
}

// ---------------------------------------------------------------- requests against the fake CA

class AcmeOrderRequestsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ca_ = std::make_unique<FakeAcmeCa>(key_.JwkThumbprint().value());
    ca_->Install(&http_);
    AcmeClientOptions options;
    options.directory_url = ca_->directory_url();
    options.http = &http_;
    options.clock = &clock_;
    options.cancel = &cancel_;
    client_ = AcmeClient::Create(options).value();
    account_ = AcmeAccountRef{client_.get(), &key_, FakeAcmeCa::kAccountUrl};
  }

  // The JWS payload of the n-th request (decoded).
  std::string Payload(size_t n) {
    const json jws = json::parse(http_.requests().at(n).body);
    return Base64UrlDecode(jws["payload"].get<std::string>()).value();
  }

  FakeClock clock_;
  CancelToken cancel_;
  FakeHttpClient http_;
  PrivateKey key_ = PrivateKey::Generate(KeyAlgorithm::kEcdsa256).value();
  std::unique_ptr<FakeAcmeCa> ca_;
  std::unique_ptr<AcmeClient> client_;
  AcmeAccountRef account_;
};

TEST_F(AcmeOrderRequestsTest, WholeFlowStepByStep) {
  Result<AcmeOrder> order = NewOrder(account_, {{"dns", "*.example.com"}, {"dns", "example.com"}});
  ASSERT_TRUE(order.ok()) << order.status().ToString();
  EXPECT_EQ(order->url, "https://ca.test/order/1");
  EXPECT_EQ(order->status, "pending");
  ASSERT_EQ(order->authorizations.size(), 2u);
  // GET dir, HEAD nonce, POST newOrder.
  ASSERT_EQ(http_.request_count(), 3u);
  EXPECT_EQ(json::parse(Payload(2)),
            json::parse(R"({"identifiers":[{"type":"dns","value":"*.example.com"},{"type":"dns","value":"example.com"}]})"));

  Result<AcmeAuthorization> wildcard = GetAuthorization(account_, order->authorizations[0]);
  ASSERT_TRUE(wildcard.ok()) << wildcard.status().ToString();
  EXPECT_EQ(Payload(3), "");  // POST-as-GET
  EXPECT_EQ(wildcard->identifier.value, "example.com");
  EXPECT_TRUE(wildcard->wildcard);
  EXPECT_EQ(wildcard->status, "pending");
  const AcmeChallenge* challenge = wildcard->FindChallenge("dns-01");
  ASSERT_NE(challenge, nullptr);

  Result<AcmeChallenge> answered = RespondToChallenge(account_, challenge->url);
  ASSERT_TRUE(answered.ok()) << answered.status().ToString();
  EXPECT_EQ(Payload(4), "{}");
  EXPECT_EQ(answered->status, "processing");

  Result<AcmeAuthorization> apex = GetAuthorization(account_, order->authorizations[1]);
  ASSERT_TRUE(apex.ok());
  ASSERT_TRUE(RespondToChallenge(account_, apex->FindChallenge("dns-01")->url).ok());

  Result<AcmeOrder> ready = GetOrder(account_, order->url);
  ASSERT_TRUE(ready.ok()) << ready.status().ToString();
  EXPECT_EQ(ready->status, "ready");

  PrivateKey cert_key = PrivateKey::Generate(KeyAlgorithm::kEcdsa256).value();
  const std::string csr = CreateCsrDer(cert_key, "*.example.com", {"example.com"}).value();
  Result<AcmeOrder> finalized = Finalize(account_, *ready, csr);
  ASSERT_TRUE(finalized.ok()) << finalized.status().ToString();
  EXPECT_EQ(finalized->url, order->url);
  EXPECT_EQ(finalized->status, "valid");
  EXPECT_EQ(Base64UrlDecode(json::parse(Payload(http_.request_count() - 1))["csr"].get<std::string>()).value(), csr);

  Result<std::string> chain = DownloadCertificate(account_, finalized->certificate);
  ASSERT_TRUE(chain.ok()) << chain.status().ToString();
  EXPECT_NE(chain->find("-----BEGIN CERTIFICATE-----"), std::string::npos);
  EXPECT_EQ(http_.CountRequests("HEAD"), 1);  // one nonce fetch; the rest came with the answers
}

TEST_F(AcmeOrderRequestsTest, ErrorsCarryContextAndProblem) {
  Result<AcmeOrder> missing = GetOrder(account_, "https://ca.test/order/77");
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.status().message(),
              HasSubstr("fetching order https://ca.test/order/77: urn:ietf:params:acme:error:malformed: no such order"));

  Result<AcmeOrder> empty = NewOrder(account_, {});
  EXPECT_EQ(empty.status().code(), StatusCode::kInvalidArgument);

  Result<AcmeOrder> no_account = NewOrder(AcmeAccountRef{}, {{"dns", "example.com"}});
  EXPECT_EQ(no_account.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(http_.request_count(), 3u);  // directory, nonce, the failed GetOrder
}

// ---------------------------------------------------------------- Wait helpers against the fake CA

class AcmeOrderWaitTest : public AcmeOrderRequestsTest {
 protected:
  // A new order for `names` with every challenge answered.
  AcmeOrder PlaceAndAnswer(const std::vector<std::string>& names) {
    std::vector<AcmeIdentifier> ids;
    for (const std::string& n : names) {
      ids.push_back({"dns", n});
    }
    AcmeOrder order = NewOrder(account_, ids).value();
    for (const std::string& url : order.authorizations) {
      AcmeAuthorization a = GetAuthorization(account_, url).value();
      if (a.status == "pending") {
        EXPECT_TRUE(RespondToChallenge(account_, a.FindChallenge("dns-01")->url).ok());
      }
    }
    return order;
  }
};

TEST_F(AcmeOrderWaitTest, ProcessingWithRetryAfter) {
  ca_->script.validation_polls = 2;
  ca_->script.processing_polls = 2;
  ca_->script.retry_after = "2";
  AcmeOrder order = PlaceAndAnswer({"www.example.com"});
  clock_.ClearSleeps();
  PollOptions options;
  Result<AcmeOrder> ready = WaitForOrder(account_, clock_, &cancel_, order, {"ready", "valid"}, options);
  ASSERT_TRUE(ready.ok()) << ready.status().ToString();
  EXPECT_EQ(ready->status, "ready");
  // A short first wait, then one poll answered "pending" with Retry-After: 2.
  EXPECT_EQ(clock_.sleeps(), (std::vector<Duration>{milliseconds(50), seconds(2)}));

  PrivateKey cert_key = PrivateKey::Generate(KeyAlgorithm::kEcdsa256).value();
  Result<AcmeOrder> finalized = Finalize(account_, *ready, CreateCsrDer(cert_key, "www.example.com", {}).value());
  ASSERT_TRUE(finalized.ok()) << finalized.status().ToString();
  EXPECT_EQ(finalized->status, "processing");
  clock_.ClearSleeps();
  Result<AcmeOrder> valid = WaitForOrder(account_, clock_, &cancel_, *finalized, {"valid"}, options);
  ASSERT_TRUE(valid.ok()) << valid.status().ToString();
  EXPECT_EQ(valid->status, "valid");
  EXPECT_FALSE(valid->certificate.empty());
  EXPECT_EQ(clock_.sleeps(), (std::vector<Duration>{seconds(2), seconds(2), seconds(2)}));
  EXPECT_EQ(ca_->count("order"), 2 + 3);
}

TEST_F(AcmeOrderWaitTest, AlreadyAtTargetMakesNoRequest) {
  AcmeOrder order;
  order.url = "https://ca.test/order/1";
  order.status = "ready";
  Result<AcmeOrder> same = WaitForOrder(account_, clock_, &cancel_, order, {"ready", "valid"}, PollOptions{});
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(http_.request_count(), 0u);
  EXPECT_TRUE(clock_.sleeps().empty());
}

TEST_F(AcmeOrderWaitTest, RejectedChallengeCarriesTheDetail) {
  ca_->script.rejected_challenges = {{"www.example.com", "Incorrect TXT record \"abc\" found at _acme-challenge.www"}};
  AcmeOrder order = PlaceAndAnswer({"example.com", "www.example.com"});
  Result<AcmeOrder> ready = WaitForOrder(account_, clock_, &cancel_, order, {"ready", "valid"}, PollOptions{});
  ASSERT_FALSE(ready.ok());
  EXPECT_EQ(ready.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(ready.status().message(),
            "order https://ca.test/order/1 is invalid: authorization for www.example.com is invalid: dns-01 "
            "challenge failed: urn:ietf:params:acme:error:unauthorized: Incorrect TXT record \"abc\" found at "
            "_acme-challenge.www");

  AcmeAuthorization authz = GetAuthorization(account_, order.authorizations[1]).value();
  Result<AcmeAuthorization> waited = WaitForAuthorization(account_, clock_, &cancel_, authz, PollOptions{});
  ASSERT_FALSE(waited.ok());
  EXPECT_THAT(waited.status().message(), HasSubstr("authorization for www.example.com is invalid"));
  EXPECT_THAT(waited.status().message(), HasSubstr("Incorrect TXT record"));
}

TEST_F(AcmeOrderWaitTest, InvalidOrderCarriesItsError) {
  ca_->script.order_error_type = "caa";
  ca_->script.order_error_detail = "CAA record for example.com prevents issuance";
  AcmeOrder order = PlaceAndAnswer({"example.com"});
  Result<AcmeOrder> ready = WaitForOrder(account_, clock_, &cancel_, order, {"ready", "valid"}, PollOptions{});
  ASSERT_FALSE(ready.ok());
  EXPECT_EQ(ready.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(ready.status().message(), "order https://ca.test/order/1 is invalid: "
                                      "urn:ietf:params:acme:error:caa: CAA record for example.com prevents issuance");
}

TEST_F(AcmeOrderWaitTest, ExpiredOrderIsAbortedNotInvalid) {
  ca_->script.expire_orders = 1;
  AcmeOrder order = NewOrder(account_, {{"dns", "www.example.com"}}).value();
  AcmeAuthorization authz = GetAuthorization(account_, order.authorizations[0]).value();
  Result<AcmeChallenge> answered = RespondToChallenge(account_, authz.FindChallenge("dns-01")->url);
  ASSERT_FALSE(answered.ok());  // Boulder's answer for an expired authorization: 404
  EXPECT_THAT(answered.status().message(), HasSubstr("Expired authorization"));
  Result<AcmeOrder> ready = WaitForOrder(account_, clock_, &cancel_, order, {"ready", "valid"}, PollOptions{});
  ASSERT_FALSE(ready.ok());
  EXPECT_EQ(ready.status().code(), StatusCode::kAborted);
  EXPECT_EQ(ready.status().message(),
            "order https://ca.test/order/1 expired before it was finalized: authorization for www.example.com "
            "expired at 2020-01-01T00:00:00Z");
}

TEST(AcmeOrderFailureTest, OrderPastItsExpiryWithoutOtherReasonIsAborted) {
  // No authorizations to ask and no "error": only "expires" can tell.
  AcmeOrder order;
  order.url = "https://ca.test/order/7";
  order.status = "invalid";
  order.expires = ParseRfc3339("2026-03-01T00:00:00Z").value();
  const AcmeAccountRef no_requests;  // OrderFailure makes none for an order without authorizations
  struct Case {
    std::string name;
    std::optional<TimePoint> now;
    StatusCode code;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"after expiry", ParseRfc3339("2026-03-01T00:00:01Z").value(), StatusCode::kAborted,
       "order https://ca.test/order/7 expired before it was finalized (it expired at 2026-03-01T00:00:00Z)"},
      {"before expiry", ParseRfc3339("2026-02-28T23:59:59Z").value(), StatusCode::kFailedPrecondition,
       "order https://ca.test/order/7 is invalid (the CA gave no reason)"},
      {"no clock", std::nullopt, StatusCode::kFailedPrecondition,
       "order https://ca.test/order/7 is invalid (the CA gave no reason)"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const Status failure = OrderFailure(no_requests, order, c.now);
    EXPECT_EQ(failure.code(), c.code);
    EXPECT_EQ(failure.message(), c.message);
  }
  AcmeAuthorization expired;
  expired.identifier.value = "example.com";
  expired.wildcard = true;
  expired.status = "expired";
  expired.expires = ParseRfc3339("2026-03-01T00:00:00Z").value();
  EXPECT_EQ(AuthorizationFailure(expired), AbortedError("authorization for *.example.com expired at 2026-03-01T00:00:00Z"));
}

TEST_F(AcmeOrderWaitTest, AuthorizationBecomesValidAfterPolls) {
  ca_->script.validation_polls = 3;
  AcmeOrder order = PlaceAndAnswer({"example.com"});
  AcmeAuthorization authz = GetAuthorization(account_, order.authorizations[0]).value();  // poll 1
  clock_.ClearSleeps();
  Result<AcmeAuthorization> valid = WaitForAuthorization(account_, clock_, &cancel_, authz, PollOptions{});
  ASSERT_TRUE(valid.ok()) << valid.status().ToString();
  EXPECT_EQ(valid->status, "valid");
  EXPECT_EQ(clock_.sleeps(), (std::vector<Duration>{milliseconds(50), milliseconds(100)}));
}

// ---------------------------------------------------------------- the shared nonce pool

// RFC 8555 §6.5: one AcmeClient serves every concurrent order of an account; each request is
// signed with the Replay-Nonce of an earlier answer, newNonce is asked only when the pool is empty,
// and a badNonce answer is re-signed with the nonce that answer carried. The fake CA refuses any
// nonce it did not hand out or that was used before (FakeAcmeCaScript::check_nonces).
class AcmeNoncePoolTest : public AcmeOrderRequestsTest {
 protected:
  // One whole order for `name`: newOrder, authorization, challenge, order, finalize, certificate.
  Status OrderOnce(const std::string& name) {
    IONOS_ASSIGN_OR_RETURN(AcmeOrder order, NewOrder(account_, {{"dns", name}}));
    IONOS_ASSIGN_OR_RETURN(AcmeAuthorization authz, GetAuthorization(account_, order.authorizations.at(0)));
    IONOS_RETURN_IF_ERROR(RespondToChallenge(account_, authz.FindChallenge("dns-01")->url).status());
    IONOS_ASSIGN_OR_RETURN(AcmeOrder ready, GetOrder(account_, order.url));
    if (ready.status != "ready") {
      return InternalError("order for " + name + " is " + ready.status);
    }
    IONOS_ASSIGN_OR_RETURN(PrivateKey key, PrivateKey::Generate(KeyAlgorithm::kEcdsa256));
    IONOS_ASSIGN_OR_RETURN(std::string csr, CreateCsrDer(key, name, {name}));
    IONOS_ASSIGN_OR_RETURN(AcmeOrder finalized, Finalize(account_, ready, csr));
    return DownloadCertificate(account_, finalized.certificate).status();
  }
};

TEST_F(AcmeNoncePoolTest, AnEmptyPoolAsksNewNonceOnceThenAnswersFeedIt) {
  EXPECT_EQ(client_->pooled_nonces(), 0u);
  ASSERT_TRUE(OrderOnce("one.example.com").ok());
  EXPECT_EQ(ca_->count("nonce"), 1);  // the first POST only
  EXPECT_EQ(ca_->bad_nonces(), 0);
  EXPECT_EQ(client_->pooled_nonces(), 1u);  // the last answer's, for the next request
  ASSERT_TRUE(OrderOnce("two.example.com").ok());
  EXPECT_EQ(ca_->count("nonce"), 1);
  EXPECT_EQ(http_.CountRequests("HEAD"), 1u);
}

TEST_F(AcmeNoncePoolTest, ConcurrentOrdersShareThePoolAndSpendEachNonceOnce) {
  constexpr int kOrders = 8;
  std::vector<Status> results(kOrders);
  std::vector<std::thread> threads;
  for (int i = 0; i < kOrders; ++i) {
    threads.emplace_back([this, i, &results] { results[i] = OrderOnce("c" + std::to_string(i) + ".example.com"); });
  }
  for (std::thread& t : threads) {
    t.join();
  }
  for (int i = 0; i < kOrders; ++i) {
    EXPECT_TRUE(results[i].ok()) << i << ": " << results[i].ToString();
  }
  // No nonce was used twice (the CA would have answered badNonce); newNonce was asked only while
  // fewer than three requests were on their way back with one (acme_client.cc's
  // kNonceSourcesBeforeFetch), so eight orders starting together cost at most three; every nonce
  // fetched is back in the pool: each answer brought the one its request took.
  EXPECT_EQ(ca_->bad_nonces(), 0);
  EXPECT_GE(ca_->count("nonce"), 1);
  EXPECT_LE(ca_->count("nonce"), 3);
  EXPECT_EQ(client_->pooled_nonces(), static_cast<size_t>(ca_->count("nonce")));
  EXPECT_EQ(ca_->count("newOrder"), kOrders);
}

TEST_F(AcmeNoncePoolTest, BadNonceIsResignedWithTheNonceOfTheRefusal) {
  ASSERT_TRUE(NewOrder(account_, {{"dns", "warm.example.com"}}).ok());
  ca_->script.reject_nonces = 3;
  Result<AcmeOrder> order = NewOrder(account_, {{"dns", "retried.example.com"}});
  ASSERT_TRUE(order.ok()) << order.status().ToString();
  EXPECT_EQ(ca_->bad_nonces(), 3);
  EXPECT_EQ(ca_->count("newOrder"), 5);  // 1 + 3 refused + 1
  EXPECT_EQ(ca_->count("nonce"), 1);     // the retries took the refusals' nonces, no newNonce
  EXPECT_EQ(client_->pooled_nonces(), 1u);
}

TEST_F(AcmeNoncePoolTest, AStaleNonceInThePoolCostsOneRetry) {
  ASSERT_TRUE(NewOrder(account_, {{"dns", "warm.example.com"}}).ok());
  // A second client of the same CA: its pool is empty, so it asks newNonce; the first client's
  // pooled nonce is then spent by someone else (as after a CA restart forgets nonces).
  AcmeClientOptions options;
  options.directory_url = ca_->directory_url();
  options.http = &http_;
  options.clock = &clock_;
  std::unique_ptr<AcmeClient> other = AcmeClient::Create(options).value();
  AcmeAccountRef other_account{other.get(), &key_, FakeAcmeCa::kAccountUrl};
  ASSERT_TRUE(NewOrder(other_account, {{"dns", "other.example.com"}}).ok());
  EXPECT_EQ(ca_->count("nonce"), 2);
  EXPECT_EQ(ca_->bad_nonces(), 0);
  ca_->script.reject_nonces = 1;  // the first client's pooled nonce turns out stale
  ASSERT_TRUE(NewOrder(account_, {{"dns", "again.example.com"}}).ok());
  EXPECT_EQ(ca_->bad_nonces(), 1);
  EXPECT_EQ(ca_->count("nonce"), 2);
}

}  // namespace
}  // namespace ionos
