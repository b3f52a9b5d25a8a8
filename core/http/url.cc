#include "core/http/url.h"

#include <algorithm>
#include <cctype>

#include "core/base/host_port.h"
#include "core/base/strings.h"

namespace ionos {

std::string RedactUrlForMessage(std::string_view url) {
  std::string out(url.substr(0, std::min(url.find('?'), url.find('#'))));
  const size_t sep = out.find("://");
  const size_t auth_start = sep == std::string::npos ? 0 : sep + 3;
  const size_t auth_end = std::min(out.find('/', auth_start), out.size());
  const size_t at = out.rfind('@', auth_end);
  if (at != std::string::npos && at >= auth_start) {
    out.replace(auth_start, at - auth_start, "***");
  }
  return out;
}

std::string ParsedUrl::Origin() const {
  const bool v6 = host.find(':') != std::string::npos;
  return scheme + "://" + (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::string ParsedUrl::RedactedUrl() const { return Origin() + target.substr(0, target.find('?')); }

Result<ParsedUrl> ParseHttpUrl(std::string_view url) {
  auto bad = [&](const std::string& why) {
    return InvalidArgumentError("malformed URL \"" + RedactUrlForMessage(url) + "\": " + why);
  };
  ParsedUrl out;
  const size_t sep = url.find("://");
  if (sep == std::string_view::npos) {
    return bad("expected http:// or https://");
  }
  out.scheme = AsciiLower(url.substr(0, sep));
  if (out.scheme != "http" && out.scheme != "https") {
    return bad("unsupported scheme \"" + out.scheme + "\" (expected http or https)");
  }
  std::string_view rest = url.substr(sep + 3);
  const size_t auth_end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, auth_end);
  std::string_view target = auth_end == std::string_view::npos ? std::string_view() : rest.substr(auth_end);
  if (authority.find('@') != std::string_view::npos) {
    return bad("user information in URLs is not supported");
  }
  if (authority.empty()) {
    return bad("missing host");
  }
  // Host and port follow the one host:port grammar (core/base/host_port.h); a URL additionally
  // needs brackets around an IPv6 address (RFC 3986 §3.2.2).
  const uint16_t default_port = out.scheme == "https" ? 443 : 80;
  Result<std::pair<std::string, uint16_t>> host_port = SplitHostPort(std::string(authority), default_port);
  if (!host_port.ok()) {
    return bad(host_port.status().message());
  }
  out.host = host_port->first;
  out.port = host_port->second;
  if (out.host.find(':') != std::string::npos && authority.front() != '[') {
    return bad("write an IPv6 address in brackets, as in https://[::1]:8443/");
  }
  for (char c : out.host) {
    if (std::isspace(static_cast<unsigned char>(c)) || std::iscntrl(static_cast<unsigned char>(c))) {
      return bad("invalid character in host");
    }
  }
  target = target.substr(0, target.find('#'));
  if (target.empty()) {
    out.target = "/";
  } else if (target.front() == '?') {
    out.target = "/" + std::string(target);
  } else {
    out.target = std::string(target);
  }
  for (char c : out.target) {
    if (std::isspace(static_cast<unsigned char>(c)) || std::iscntrl(static_cast<unsigned char>(c))) {
      return bad("invalid character in path (encode it)");
    }
  }
  return out;
}

Status ValidateUrl(std::string_view url, UrlSchemePolicy policy) {
  IONOS_ASSIGN_OR_RETURN(ParsedUrl parsed, ParseHttpUrl(url));
  if (parsed.scheme == "https") {
    return Status::Ok();
  }
  const std::string shown = Quoted(RedactUrlForMessage(url));
  if (policy == UrlSchemePolicy::kHttpOnlyForLoopback) {
    if (IsLoopbackHost(parsed.host)) {
      return Status::Ok();
    }
    return InvalidArgumentError(shown + " uses plain http:// to " + parsed.host +
                                ", which would send the API token unencrypted; use https:// (http:// is "
                                "accepted only for localhost, 127.0.0.0/8 and ::1)");
  }
  return InvalidArgumentError(shown + " must be an https:// URL");
}

std::string WithoutTrailingSlashes(std::string url) {
  while (!url.empty() && url.back() == '/') {
    url.pop_back();
  }
  return url;
}

}  // namespace ionos
