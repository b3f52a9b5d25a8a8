#include "core/lifecycle/attribute_rules.h"

#include <array>

#include "core/acme/contact.h"
#include "core/crypto/crypto.h"
#include "core/dns/dns_name.h"
#include "core/http/url.h"
#include "core/lifecycle/renewal_policy.h"

namespace ionos {
namespace {

struct Rule {
  std::string_view name;
  std::string_view summary;
  bool number;
};

constexpr std::array<Rule, 8> kRules = {{
    {"dns_name", "Invalid DNS name", false},
    {"email", "Invalid e-mail address", false},
    {"https_url", "Invalid URL", false},
    {"ca_bundle", "Invalid CA certificates", false},
    {"key_algorithm", "Unsupported key algorithm", false},
    {"not_empty", "Empty value", false},
    {"renew_before_days", "Invalid number of days", true},
    {"grace_period_days", "Invalid number of days", true},
}};

const Rule* Find(std::string_view name) {
  for (const Rule& r : kRules) {
    if (r.name == name) return &r;
  }
  return nullptr;
}

Status NotA(std::string_view rule, const char* kind) {
  return InternalError("\"" + std::string(rule) + "\" is not a " + kind + " rule");
}

}  // namespace

bool IsAttributeRule(std::string_view rule) { return Find(rule) != nullptr; }

Status CheckStringRule(std::string_view rule, std::string_view value) {
  const Rule* r = Find(rule);
  if (r == nullptr || r->number) return NotA(rule, "string");
  if (rule == "dns_name") return ValidateDnsName(value);
  if (rule == "email") return ValidateEmail(value);
  if (rule == "https_url") return ValidateUrl(value, UrlSchemePolicy::kHttpsOnly);
  if (rule == "ca_bundle") return ValidateCaBundlePem(std::string(value));
  if (rule == "key_algorithm") return ParseKeyAlgorithm(value).status();
  if (value.empty()) return InvalidArgumentError("the value must not be empty");  // not_empty
  return Status::Ok();
}

Status CheckNumberRule(std::string_view rule, std::optional<int64_t> integer, const std::string& text) {
  const Rule* r = Find(rule);
  if (r == nullptr || !r->number) return NotA(rule, "number");
  const std::string attribute(rule);
  if (!integer) {
    return InvalidArgumentError(attribute + " must be a whole number of days, got " + text);
  }
  return rule == "renew_before_days" ? ValidateRenewBeforeDays(*integer) : ValidateGracePeriodDays(*integer);
}

std::string AttributeRuleSummary(std::string_view rule) {
  const Rule* r = Find(rule);
  return r != nullptr ? std::string(r->summary) : "Invalid value";
}

Status CheckCertificateNames(const std::string& common_name, const std::vector<std::string>& sans) {
  return ValidateCertificateNames(common_name, sans);
}

}  // namespace ionos
