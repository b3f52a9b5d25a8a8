// File: core/lifecycle/attribute_rules.h
//
// The rules one configured value must follow, by the name a schema gives them ("validate" in
// schemas/*.json). The plugin's framework applies them to every configuration at validate time,
// the docs generator shows them, and the checks themselves stay core's own:
//   dns_name           a name a certificate may carry, a leading "*." allowed (core/dns)
//   email              an ACME account contact address (core/acme)
//   https_url          an https:// URL, such as an ACME directory (core/http)
//   ca_bundle          PEM CA certificates (extra roots to trust)
//   key_algorithm      one of core/crypto's key algorithms
//   renew_before_days  a whole number of days from 1 to 3650 (renewal_policy.h)
//   grace_period_days  a whole number of days from 0 to 3650 (renewal_policy.h)
//   not_empty          any string but ""
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/status.h"

namespace ionos {

// Whether `rule` is one of the rules above.
bool IsAttributeRule(std::string_view rule);

// Checks a string value against a string rule. kInvalidArgument saying what is wrong (without
// the attribute's name, which the caller's diagnostic carries); kInternal for a rule that is not
// a string rule (a schema's mistake).
Status CheckStringRule(std::string_view rule, std::string_view value);

// Checks a number against a number rule: `integer` holds it when it is a whole number that fits,
// `text` is how it was written (for the message).
Status CheckNumberRule(std::string_view rule, std::optional<int64_t> integer, const std::string& text);

// The rule across the names of one certificate (core/dns): the alternative names, each a valid
// name by itself, together with the common name. kInvalidArgument saying what is wrong.
Status CheckCertificateNames(const std::string& common_name, const std::vector<std::string>& sans);

// The headline of a diagnostic for a value that breaks `rule` ("Invalid DNS name").
std::string AttributeRuleSummary(std::string_view rule);

}  // namespace ionos
