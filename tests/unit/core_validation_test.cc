#include "core/acme/contact.h"
#include "core/base/host_port.h"
#include "core/http/url.h"

#include "core/base/clock.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace ionos {
namespace {

struct Case {
  const char* name;
  const char* input;
  bool ok;
};

TEST(ValidateEmail, Table) {
  const Case cases[] = {
      {"plain", "admin@example.com", true},
      {"plus and subdomain", "ops+certs@mail.example.co.uk", true},
      {"empty", "", false},
      {"no at", "admin.example.com", false},
      {"two ats", "a@b@example.com", false},
      {"no domain dot", "admin@localhost", false},
      {"space", "admin @example.com", false},
      {"mailto prefix", "mailto:admin@example.com", false},
      {"leading dot domain", "admin@.example.com", false},
      {"double dot domain", "admin@example..com", false},
      {"comma", "a,b@example.com", false},
      {"nothing before at", "@example.com", false},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(ValidateEmail(c.input).ok(), c.ok) << c.name << ": " << c.input;
  }
}

TEST(ValidateUrl, HttpsOnlyAndHttpAllowed) {
  const Case https_only[] = {
      {"https with port and path", "https://127.0.0.1:14000/dir", true},
      {"https host only", "https://acme-v02.api.letsencrypt.org/directory", true},
      {"ipv6", "https://[::1]:8443/dir", true},
      {"http refused", "http://127.0.0.1:14000/dir", false},
      {"no scheme", "acme.example.com/dir", false},
      {"words", "acme directory", false},
      {"empty host", "https:///dir", false},
      {"bad port", "https://example.com:99999/dir", false},
      {"credentials", "https://user:pw@example.com/dir", false},
      {"ftp", "ftp://example.com", false},
  };
  for (const auto& c : https_only) {
    EXPECT_EQ(ValidateUrl(c.input, UrlSchemePolicy::kHttpsOnly).ok(), c.ok) << c.name << ": " << c.input;
  }
  EXPECT_TRUE(ValidateUrl("http://127.0.0.1:8080", UrlSchemePolicy::kHttpOnlyForLoopback).ok());
  EXPECT_FALSE(ValidateUrl("ftp://dns.example", UrlSchemePolicy::kHttpOnlyForLoopback).ok());
}

// dns_resolvers entries: a host alone means port 53.
TEST(SplitHostPort, ResolverEntriesDefaultToPort53) {
  struct HostPortCase {
    const char* name;
    const char* input;
    bool ok;
    const char* host;
    int port;
  };
  const HostPortCase cases[] = {
      {"ipv4", "127.0.0.1:53", true, "127.0.0.1", 53},
      {"name", "ns1.example.com:5353", true, "ns1.example.com", 5353},
      {"ipv6", "[::1]:53", true, "::1", 53},
      {"no port", "127.0.0.1", true, "127.0.0.1", 53},
      {"bare ipv6", "2001:db8::1", true, "2001:db8::1", 53},
      {"port zero", "127.0.0.1:0", false, "", 0},
      {"port text", "127.0.0.1:dns", false, "", 0},
      {"empty port", "127.0.0.1:", false, "", 0},
      {"empty host", ":53", false, "", 0},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto r = SplitHostPort(c.input, 53);
    ASSERT_EQ(r.ok(), c.ok) << c.input << ": " << r.status().ToString();
    if (c.ok) {
      EXPECT_EQ(r->first, c.host);
      EXPECT_EQ(r->second, c.port);
    } else {
      EXPECT_THAT(r.status().message(), ::testing::HasSubstr(c.input));
    }
  }
}

TEST(IsLoopbackHost, Table) {
  const Case cases[] = {
      {"localhost", "localhost", true},   {"localhost upper", "LOCALHOST.", true},
      {"127.0.0.1", "127.0.0.1", true},   {"127.1.2.3", "127.1.2.3", true},
      {"::1", "::1", true},               {"public v4", "192.0.2.1", false},
      {"public name", "dns.example.com", false}, {"v6 public", "2001:db8::1", false},
      {"localhost suffix", "localhost.example.com", false},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(IsLoopbackHost(c.input), c.ok) << c.name;
  }
}

// The DNS API URL carries the bearer token: http:// only to loopback.
TEST(ValidateUrl, PlainHttpOnlyForLoopback) {
  const Case cases[] = {
      {"https public", "https://dns.de-fra.ionos.com", true},
      {"http loopback v4", "http://127.0.0.1:8080", true},
      {"http localhost", "http://localhost:8080/", true},
      {"http loopback v6", "http://[::1]:8080", true},
      {"http public name", "http://dns.de-fra.ionos.com", false},
      {"http public ip", "http://192.0.2.10:8080", false},
      {"http localhost lookalike", "http://localhost.example.com", false},
  };
  for (const auto& c : cases) {
    Status s = ValidateUrl(c.input, UrlSchemePolicy::kHttpOnlyForLoopback);
    EXPECT_EQ(s.ok(), c.ok) << c.name << ": " << s.ToString();
    if (!c.ok) {
      EXPECT_THAT(s.message(), ::testing::HasSubstr("unencrypted"));
    }
  }
}

TEST(ValidateUrl, MessagesNeverShowCredentials) {
  Status s = ValidateUrl("https://user:secret@ca.example/dir?token=abc", UrlSchemePolicy::kHttpsOnly);
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.message(), ::testing::Not(::testing::HasSubstr("secret")));
  EXPECT_THAT(s.message(), ::testing::Not(::testing::HasSubstr("abc")));
  EXPECT_EQ(RedactUrlForMessage("https://user:secret@ca.example/dir?token=abc"), "https://***@ca.example/dir");
}

TEST(ValidateEmail, MessageQuotesTheInput) {
  Status s = ValidateEmail("not-an-email");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("\"not-an-email\""), std::string::npos) << s.message();
}

TEST(FormatDuration, Table) {
  using std::chrono::milliseconds;
  const std::vector<std::pair<Duration, std::string>> cases = {
      {milliseconds(0), "0ms"},      {milliseconds(40), "40ms"},         {milliseconds(1500), "1.5s"},
      {milliseconds(1750), "1.75s"}, {milliseconds(10000), "10s"},       {milliseconds(60000), "1m0s"},
      {std::chrono::minutes(5), "5m0s"}, {std::chrono::seconds(125), "2m5s"},
  };
  for (const auto& [d, want] : cases) {
    EXPECT_EQ(FormatDuration(d), want) << d.count() << "ms";
  }
}

TEST(Rfc3339, RoundTripAndOffsets) {
  auto t = ParseRfc3339("2026-11-23T01:17:15Z");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(FormatRfc3339(*t), "2026-11-23T01:17:15Z");
  EXPECT_EQ(FormatCompactUtc(*t), "20261123T011715Z");
  auto with_offset = ParseRfc3339("2026-11-23T03:17:15.123+02:00");
  ASSERT_TRUE(with_offset.ok());
  EXPECT_EQ(FormatRfc3339(*with_offset), "2026-11-23T01:17:15Z");
  EXPECT_FALSE(ParseRfc3339("2026-11-23 01:17").ok());
  EXPECT_FALSE(ParseRfc3339("2026-11-23T01:17:15").ok());
  EXPECT_FALSE(ParseRfc3339("2026-13-23T01:17:15Z").ok());
}

// Years beyond TimePoint's range (1677..2262) overflowed (undefined behaviour, as fuzz_pem_certificate
// found for certificates) instead of being clamped.
TEST(Rfc3339, YearsOutsideTheRepresentableRangeAreClamped) {
  auto late = ParseRfc3339("9999-12-31T23:59:59Z");
  ASSERT_TRUE(late.ok());
  EXPECT_EQ(*late, TimePointFromTimeT(kLatestTime));
  EXPECT_EQ(FormatRfc3339(*late), "2200-01-01T00:00:00Z");
  auto early = ParseRfc3339("0001-01-01T00:00:00Z");
  ASSERT_TRUE(early.ok());
  EXPECT_EQ(FormatRfc3339(*early), "1700-01-01T00:00:00Z");
  EXPECT_EQ(FormatRfc3339(TimePointFromTimeT(0)), "1970-01-01T00:00:00Z");
}

}  // namespace
}  // namespace ionos
