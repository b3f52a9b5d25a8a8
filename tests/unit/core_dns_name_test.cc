#include "core/dns/dns_name.h"

#include <gtest/gtest.h>

namespace ionos {
namespace {

TEST(DnsName, Table) {
  const std::string label63(63, 'a');
  const std::string label64(64, 'a');
  std::string long_name;
  while (long_name.size() < 250) long_name += label63.substr(0, 20) + ".";
  long_name += "com";
  struct Case {
    std::string name;
    std::string input;
    bool ok;
  } cases[] = {
      {"simple", "www.example.com", true},
      {"apex", "example.com", true},
      {"wildcard", "*.example.com", true},
      {"digits and hyphen", "a-1.b2.example.com", true},
      {"punycode", "xn--mnchen-3ya.example", true},
      {"63-char label", label63 + ".example.com", true},
      {"empty", "", false},
      {"single label", "localhost", false},
      {"64-char label", label64 + ".example.com", false},
      {"longer than 253", long_name, false},
      {"wildcard not leftmost", "www.*.example.com", false},
      {"partial wildcard", "w*.example.com", false},
      {"double wildcard", "*.*.example.com", false},
      {"underscore", "my_host.example.com", false},
      {"space", "www example.com", false},
      {"leading hyphen", "-www.example.com", false},
      {"trailing hyphen", "www-.example.com", false},
      {"empty label", "www..example.com", false},
      {"trailing dot", "www.example.com.", false},
      {"ipv4", "192.0.2.1", false},
      {"ipv6", "2001:db8::1", false},
      {"unicode", "münchen.example", false},
      {"bare wildcard", "*", false},
  };
  for (const auto& c : cases) {
    Status s = ValidateDnsName(c.input);
    EXPECT_EQ(s.ok(), c.ok) << c.name << ": " << s.message();
    if (!c.ok) {
      EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << c.name;
    }
  }
}

TEST(DnsName, MessagesExplain) {
  EXPECT_NE(ValidateDnsName("münchen.example").message().find("punycode"), std::string::npos);
  EXPECT_NE(ValidateDnsName("192.0.2.1").message().find("IP address"), std::string::npos);
  EXPECT_NE(ValidateDnsName("www.*.example.com").message().find("leftmost"), std::string::npos);
}

TEST(CertificateNames, DuplicatesAndLimits) {
  EXPECT_TRUE(ValidateCertificateNames("www.example.com", {"api.example.com"}).ok());
  Status dup = ValidateCertificateNames("www.example.com", {"WWW.example.com"});
  ASSERT_FALSE(dup.ok());
  EXPECT_NE(dup.message().find("WWW.example.com"), std::string::npos);
  EXPECT_FALSE(ValidateCertificateNames("www.example.com", {"a.example.com", "A.EXAMPLE.COM"}).ok());
  std::vector<std::string> many;
  for (int i = 0; i < 99; ++i) many.push_back("n" + std::to_string(i) + ".example.com");
  EXPECT_TRUE(ValidateCertificateNames("www.example.com", many).ok()) << "100 names in all";
  many.push_back("one-more.example.com");
  Status too_many = ValidateCertificateNames("www.example.com", many);
  ASSERT_FALSE(too_many.ok());
  EXPECT_NE(too_many.message().find("at most 100"), std::string::npos);
  EXPECT_FALSE(ValidateCertificateNames("bad_name.example.com", {}).ok());
}

}  // namespace
}  // namespace ionos
