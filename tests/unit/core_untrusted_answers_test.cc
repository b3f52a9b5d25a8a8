// What a CA says can neither crash the process, stop renewal information for years, nor write
// to the user's terminal: the ARI answer is read through the depth-limited JSON reader, its
// Retry-After is honoured only within [1 minute, 1 day], and every text of a CA's answer (problem
// details, explanationURL) reaches messages without control characters.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "core/acme/acme_client.h"
#include "core/acme/ari.h"
#include "core/base/strings.h"
#include "tests/fakes/fake_clock.h"
#include "tests/fakes/fake_http.h"

namespace ionos {
namespace {

using fakes::FakeHttpClient;
using fakes::MakeJsonResponse;
using fakes::MakeProblemResponse;
using fakes::MakeResponse;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kDirUrl[] = "https://ca.test/dir";
constexpr char kAriUrl[] = "https://ca.test/ari/";

nlohmann::json Directory() {
  return {{"newNonce", "https://ca.test/nonce"},
          {"newAccount", "https://ca.test/new-acct"},
          {"newOrder", "https://ca.test/new-order"},
          {"renewalInfo", "https://ca.test/ari"},
          {"meta", nlohmann::json::object()}};
}

class UntrustedAnswersTest : public ::testing::Test {
 protected:
  std::unique_ptr<AcmeClient> Client() {
    AcmeClientOptions options;
    options.directory_url = kDirUrl;
    options.http = &http_;
    options.clock = &clock_;
    options.cancel = &cancel_;
    http_.Expect("GET", kDirUrl, MakeJsonResponse(200, Directory()));
    return AcmeClient::Create(options).value();
  }

  FakeHttpClient http_;
  fakes::FakeClock clock_{ParseRfc3339("2030-01-01T00:00:00Z").value()};
  CancelToken cancel_;
};

// Before: nlohmann::json::parse without a depth limit recursed once per level, and a 40 KB answer
// of nested arrays overflowed a worker thread's stack.
TEST_F(UntrustedAnswersTest, ADeeplyNestedAriAnswerIsAnErrorNotACrash) {
  auto client = Client();
  const std::string nested = std::string(20000, '[') + std::string(20000, ']');
  http_.Expect("GET", std::string(kAriUrl) + "abc.def", MakeResponse(200, nested, {{"Content-Type", "application/json"}}));
  Result<RenewalInfo> info = FetchRenewalInfo(*client, "abc.def");
  ASSERT_FALSE(info.ok());
  EXPECT_EQ(info.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(info.status().message(), HasSubstr("not a JSON document of at most 64 levels"));
}

TEST_F(UntrustedAnswersTest, AriAnswersOfTheWrongShapeAreErrors) {
  struct Case {
    const char* name;
    nlohmann::json body;
  };
  const Case cases[] = {
      {"window is a string", {{"suggestedWindow", "soon"}}},
      {"start is a number", {{"suggestedWindow", {{"start", 5}, {"end", "2030-01-02T00:00:00Z"}}}}},
      {"an array", nlohmann::json::array({1, 2})},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    auto client = Client();
    http_.Expect("GET", std::string(kAriUrl) + "x.y", MakeJsonResponse(200, c.body));
    Result<RenewalInfo> info = FetchRenewalInfo(*client, "x.y");
    ASSERT_FALSE(info.ok());
    EXPECT_THAT(info.status().message(), HasSubstr("no suggestedWindow with start and end"));
  }
}

TEST_F(UntrustedAnswersTest, TheExplanationUrlCarriesNoControlCharacters) {
  auto client = Client();
  http_.Expect("GET", std::string(kAriUrl) + "x.y",
               MakeJsonResponse(200, {{"suggestedWindow", {{"start", "2030-02-01T00:00:00Z"}, {"end", "2030-02-02T00:00:00Z"}}},
                                      {"explanationURL", "https://ca.test/why\x1b[2J\r"}}));
  Result<RenewalInfo> info = FetchRenewalInfo(*client, "x.y");
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->explanation_url, "https://ca.test/why\\x1b[2J\\x0d");
}

TEST_F(UntrustedAnswersTest, AProblemDetailCarriesNoControlCharacters) {
  auto client = Client();
  http_.Expect("GET", std::string(kAriUrl) + "x.y",
               MakeProblemResponse(400, "malformed", "bad\x1b]0;owned\x07 request\n\xc2\x9b" "31m"));
  Result<RenewalInfo> info = FetchRenewalInfo(*client, "x.y");
  ASSERT_FALSE(info.ok());
  const std::string m = info.status().message();
  EXPECT_THAT(m, HasSubstr("bad\\x1b]0;owned\\x07 request\\x0a\\xc2\\x9b31m"));
  for (char c : m) {
    EXPECT_FALSE(static_cast<unsigned char>(c) < 0x20 || c == 0x7f) << "control character " << int(c) << " in " << m;
  }
}

// RFC 9773 §4.3 leaves the schedule to the client; the clamp keeps a CA's mistake harmless.
TEST(NextRenewalInfoFetchTest, RetryAfterIsHonouredWithinAMinuteAndADay) {
  const TimePoint now = ParseRfc3339("2030-01-01T00:00:00Z").value();
  struct Case {
    const char* name;
    std::optional<TimePoint> retry_after;
    TimePoint expected;
  };
  const Case cases[] = {
      {"no Retry-After: six hours", std::nullopt, now + std::chrono::hours(6)},
      {"two hours", now + std::chrono::hours(2), now + std::chrono::hours(2)},
      {"now: a minute", now, now + std::chrono::minutes(1)},
      {"in the past: a minute", now - std::chrono::hours(5), now + std::chrono::minutes(1)},
      {"ten seconds: a minute", now + std::chrono::seconds(10), now + std::chrono::minutes(1)},
      {"exactly a day", now + std::chrono::hours(24), now + std::chrono::hours(24)},
      {"31 years: a day", now + std::chrono::hours(24 * 365 * 31), now + std::chrono::hours(24)},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(NextRenewalInfoFetch(c.retry_after, now), c.expected);
  }
}

TEST(TerminalSafeTest, Table) {
  struct Case {
    std::string in;
    std::string out;
  };
  const Case cases[] = {
      {"plain text: 1.2.3 (ok)", "plain text: 1.2.3 (ok)"},
      {"tab\there", "tab here"},
      {"esc\x1b[31mred", "esc\\x1b[31mred"},
      {"cr\roverwrite", "cr\\x0doverwrite"},
      {"nl\n", "nl\\x0a"},
      {std::string("nul\0x", 5), "nul\\x00x"},
      {"del\x7f", "del\\x7f"},
      {"c1 csi \xc2\x9b" "2J", "c1 csi \\xc2\\x9b2J"},
      {"umlaut \xc3\xa4 and euro \xe2\x82\xac kept", "umlaut \xc3\xa4 and euro \xe2\x82\xac kept"},
      {"latin-1 nbsp \xc2\xa0 kept", "latin-1 nbsp \xc2\xa0 kept"},
      {"lone \xc2", "lone \xc2"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(TerminalSafe(c.in), c.out) << c.in;
  }
}

}  // namespace
}  // namespace ionos
