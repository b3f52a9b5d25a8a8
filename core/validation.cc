#include "core/validation.h"

#include <algorithm>
#include <cctype>

namespace ionos {
namespace {

bool IsLabelChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-'; }

Result<int> ParsePort(std::string_view s) {
  if (s.empty() || s.size() > 5) return InvalidArgumentError("port must be a number from 1 to 65535");
  int port = 0;
  for (char c : s) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return InvalidArgumentError("port must be a number from 1 to 65535");
    port = port * 10 + (c - '0');
  }
  if (port < 1 || port > 65535) return InvalidArgumentError("port must be a number from 1 to 65535");
  return port;
}

}  // namespace

Status ValidateEmail(std::string_view email) {
  const std::string shown = "\"" + std::string(email) + "\"";
  if (email.empty()) return InvalidArgumentError("the e-mail address is empty");
  if (email.size() > 254) return InvalidArgumentError("the e-mail address is longer than 254 characters");
  if (email.rfind("mailto:", 0) == 0) {
    return InvalidArgumentError(shown + " starts with mailto:; give the plain address (admin@example.com)");
  }
  auto at = email.find('@');
  if (at == std::string_view::npos || at == 0 || email.find('@', at + 1) != std::string_view::npos) {
    return InvalidArgumentError(shown + " is not an e-mail address (expected one @, as in admin@example.com)");
  }
  for (char c : email) {
    if (std::isspace(static_cast<unsigned char>(c)) || std::iscntrl(static_cast<unsigned char>(c)) || c == ',' ||
        c == '<' || c == '>' || c == '"') {
      return InvalidArgumentError(shown + " contains a character not allowed in an e-mail address");
    }
  }
  std::string_view domain = email.substr(at + 1);
  if (domain.empty() || domain.find('.') == std::string_view::npos || domain.front() == '.' ||
      domain.back() == '.' || domain.find("..") != std::string_view::npos) {
    return InvalidArgumentError(shown + " has no valid domain after the @ (expected a name like example.com)");
  }
  for (char c : domain) {
    if (!IsLabelChar(c) && c != '.') return InvalidArgumentError(shown + " has an invalid character in its domain");
  }
  return Status::Ok();
}

Result<UrlParts> ParseUrl(std::string_view url) {
  const std::string shown = "\"" + std::string(url) + "\"";
  auto sep = url.find("://");
  if (sep == std::string_view::npos || sep == 0) {
    return InvalidArgumentError(shown + " is not an absolute URL (expected https://host/path)");
  }
  UrlParts out;
  out.scheme = std::string(url.substr(0, sep));
  std::transform(out.scheme.begin(), out.scheme.end(), out.scheme.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  std::string_view rest = url.substr(sep + 3);
  auto slash = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, slash);
  out.path = slash == std::string_view::npos ? "" : std::string(rest.substr(slash));
  if (authority.find('@') != std::string_view::npos) {
    return InvalidArgumentError(shown + " must not contain credentials");
  }
  std::string_view host = authority;
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos) return InvalidArgumentError(shown + " has an unterminated IPv6 address");
    host = authority.substr(0, close + 1);
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') return InvalidArgumentError(shown + " has a malformed host");
      port = authority.substr(close + 2);
    }
  } else {
    auto colon = authority.rfind(':');
    if (colon != std::string_view::npos) {
      host = authority.substr(0, colon);
      port = authority.substr(colon + 1);
    }
  }
  if (host.empty()) return InvalidArgumentError(shown + " has no host");
  for (char c : host) {
    if (std::isspace(static_cast<unsigned char>(c))) return InvalidArgumentError(shown + " contains spaces");
  }
  out.host = std::string(host);
  if (!port.empty() || (authority.size() > 0 && authority.back() == ':')) {
    IONOS_ASSIGN_OR_RETURN_CTX(out.port, ParsePort(port), shown);
  }
  return out;
}

Status ValidateUrl(std::string_view url, bool allow_http) {
  IONOS_ASSIGN_OR_RETURN(UrlParts u, ParseUrl(url));
  const std::string shown = "\"" + std::string(url) + "\"";
  if (u.scheme == "https") return Status::Ok();
  if (allow_http && u.scheme == "http") return Status::Ok();
  return InvalidArgumentError(shown + (allow_http ? " must be an http:// or https:// URL" : " must be an https:// URL"));
}

Status ValidateHostPort(std::string_view host_port) {
  const std::string shown = "\"" + std::string(host_port) + "\"";
  std::string_view host;
  std::string_view port;
  if (!host_port.empty() && host_port.front() == '[') {
    auto close = host_port.find("]:");
    if (close == std::string_view::npos) return InvalidArgumentError(shown + " is not host:port (IPv6 as [addr]:port)");
    host = host_port.substr(1, close - 1);
    port = host_port.substr(close + 2);
  } else {
    auto colon = host_port.rfind(':');
    if (colon == std::string_view::npos || host_port.find(':') != colon) {
      return InvalidArgumentError(shown + " is not host:port (for example 127.0.0.1:53)");
    }
    host = host_port.substr(0, colon);
    port = host_port.substr(colon + 1);
  }
  if (host.empty()) return InvalidArgumentError(shown + " has no host");
  auto p = ParsePort(port);
  if (!p.ok()) return p.status().WithContext(shown);
  return Status::Ok();
}

}  // namespace ionos
