// File: core/http/url.h
//
// Absolute http(s) URLs: the one parser every layer uses (ACME directory URLs, the DNS API base
// URL, request URLs), the policy check for user-supplied URLs, and the redaction of URLs for
// messages. A URL in an error message never shows user information ("user:password@"), a query
// or a fragment: those may carry credentials.
#pragma once

#include <string>
#include <string_view>

#include "core/base/status.h"

namespace ionos {

// A parsed absolute http(s) URL. `host` has no IPv6 brackets; `target` is path + query ("/" at least).
struct ParsedUrl {
  std::string scheme;  // "http" or "https", lower case
  std::string host;
  int port = 0;
  std::string target;

  // "https://host:port" (IPv6 hosts in brackets); the key of the connection pool.
  std::string Origin() const;
  // Origin() + path without the query string; what logs and error messages may show.
  std::string RedactedUrl() const;
};

// RFC 3986 §3 for the subset HTTP needs. No user-info, no fragments.
Result<ParsedUrl> ParseHttpUrl(std::string_view url);

// Which schemes a user-supplied URL may use.
enum class UrlSchemePolicy {
  kHttpsOnly,              // https:// only (ACME servers)
  kHttpOnlyForLoopback,    // https://, or http:// to localhost, 127.0.0.0/8 or ::1 (the DNS API
                           // carries a bearer token; plain text is for local test servers only)
};

// OK when `url` parses (ParseHttpUrl) and its scheme is allowed by `policy`; otherwise
// InvalidArgumentError saying what is expected. The message shows the URL redacted.
Status ValidateUrl(std::string_view url, UrlSchemePolicy policy);

// `url` as messages may show it: the query and fragment dropped, user information replaced by
// "***". Works on text that does not parse as a URL too.
std::string RedactUrlForMessage(std::string_view url);

// An API base URL as kept and compared: without trailing slashes ("https://api.test/" and
// "https://api.test" are one endpoint; paths are appended with a leading "/").
std::string WithoutTrailingSlashes(std::string url);

}  // namespace ionos
