// Checks of DNS names given for certificates (RFC 1035 §2.3.1 LDH labels,
// RFC 8555 §7.1.3 wildcards). Internationalized names must be given in their
// ASCII (punycode, "xn--") form; Unicode input is rejected with that advice.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/base/status.h"

namespace ionos {

inline constexpr size_t kMaxNamesPerCertificate = 100;

// One name: labels of letters, digits and hyphens (no leading/trailing
// hyphen), each at most 63 characters, at most 253 in all, at least two
// labels, a wildcard only as the whole leftmost label, not an IP address.
Status ValidateDnsName(std::string_view name);

// The common name plus the SANs: each valid, no duplicates ignoring case
// (the common name may not repeat in the SANs either), at most 100 names.
// The error names the offending name.
Status ValidateCertificateNames(const std::string& common_name, const std::vector<std::string>& sans);

// The one normalisation of DNS names used everywhere names are compared or looked up: surrounding
// whitespace and trailing dots dropped, ASCII letters lower-cased. Does not validate.
std::string NormalizeDnsName(std::string_view name);

// The names a certificate for `common_name` + `sans` covers: normalised, the common name first,
// then the SANs in their order, without duplicates or empty names.
std::vector<std::string> CertificateNames(const std::string& common_name, const std::vector<std::string>& sans);

}  // namespace ionos
