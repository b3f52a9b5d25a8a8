#include "core/dns/dns_name.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <set>

#include "core/base/strings.h"

namespace ionos {
namespace {

bool IsIpAddress(std::string_view name) {
  std::string s(name);
  unsigned char buf[16];
  if (!s.empty() && s.front() == '[' && s.back() == ']') s = s.substr(1, s.size() - 2);
  return inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

}  // namespace

Status ValidateDnsName(std::string_view name) {
  if (name.empty()) return InvalidArgumentError("the name is empty");
  for (unsigned char c : name) {
    if (c >= 0x80) {
      return InvalidArgumentError(Quoted(name) +
                                  " contains non-ASCII characters; give internationalized names in their "
                                  "punycode form (for example xn--mnchen-3ya.example for münchen.example)");
    }
  }
  if (IsIpAddress(name)) {
    return InvalidArgumentError(Quoted(name) + " is an IP address; only DNS names can be certified through DNS-01");
  }
  if (name.size() > 253) {
    return InvalidArgumentError(Quoted(name.substr(0, 40)) + "... is " + std::to_string(name.size()) +
                                " characters long; a DNS name has at most 253");
  }
  if (name.back() == '.') {
    return InvalidArgumentError(Quoted(name) + " ends with a dot; leave the trailing dot out");
  }
  std::string_view rest = name;
  if (rest.size() >= 2 && rest.substr(0, 2) == "*.") rest.remove_prefix(2);
  if (rest.find('*') != std::string_view::npos) {
    return InvalidArgumentError(Quoted(name) + ": a wildcard is only allowed as the whole leftmost label (*.example.com)");
  }
  size_t labels = 0;
  size_t start = 0;
  while (start <= rest.size()) {
    size_t dot = rest.find('.', start);
    std::string_view label = rest.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    ++labels;
    if (label.empty()) return InvalidArgumentError(Quoted(name) + " has an empty label (two dots in a row?)");
    if (label.size() > 63) {
      return InvalidArgumentError(Quoted(name) + " has a label of " + std::to_string(label.size()) +
                                  " characters; a label has at most 63");
    }
    if (label.front() == '-' || label.back() == '-') {
      return InvalidArgumentError(Quoted(name) + ": a label may not start or end with a hyphen");
    }
    for (char c : label) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') {
        return InvalidArgumentError(Quoted(name) + " contains " + Quoted(std::string(1, c)) +
                                    "; names use letters, digits and hyphens between dots");
      }
    }
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  if (labels < 2) return InvalidArgumentError(Quoted(name) + " is not a fully qualified domain name (example.com)");
  return Status::Ok();
}

Status ValidateCertificateNames(const std::string& common_name, const std::vector<std::string>& sans) {
  IONOS_RETURN_IF_ERROR(ValidateDnsName(common_name));
  std::set<std::string> seen;
  seen.insert(NormalizeDnsName(common_name));
  for (const auto& n : sans) {
    IONOS_RETURN_IF_ERROR(ValidateDnsName(n));
    if (!seen.insert(NormalizeDnsName(n)).second) {
      return InvalidArgumentError(Quoted(n) + " is listed twice (names are compared ignoring case, and the "
                                              "common name is always included)");
    }
  }
  if (seen.size() > kMaxNamesPerCertificate) {
    return InvalidArgumentError("a certificate can hold at most " + std::to_string(kMaxNamesPerCertificate) +
                                " names; this one has " + std::to_string(seen.size()));
  }
  return Status::Ok();
}

std::string NormalizeDnsName(std::string_view name) {
  name = TrimSpace(name);
  while (!name.empty() && name.back() == '.') {
    name.remove_suffix(1);
  }
  return AsciiLower(name);
}

std::vector<std::string> CertificateNames(const std::string& common_name, const std::vector<std::string>& sans) {
  std::vector<std::string> out;
  std::set<std::string> seen;
  auto add = [&](const std::string& name) {
    std::string n = NormalizeDnsName(name);
    if (!n.empty() && seen.insert(n).second) {
      out.push_back(std::move(n));
    }
  };
  add(common_name);
  for (const std::string& n : sans) {
    add(n);
  }
  return out;
}

}  // namespace ionos
