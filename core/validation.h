// Checks of user input that do not depend on Terraform. Each returns OK or an
// InvalidArgument status whose message says what is wrong and what is expected.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace ionos {

// A plain e-mail address: local@domain.tld, no spaces, no "mailto:".
Status ValidateEmail(std::string_view email);

// An absolute URL with the given schemes ("https" or "http|https") and a host.
Status ValidateUrl(std::string_view url, bool allow_http);

// host:port with a port in 1..65535 (IPv6 hosts in brackets).
Status ValidateHostPort(std::string_view host_port);

struct UrlParts {
  std::string scheme;  // lower case
  std::string host;
  int port = 0;        // 0 when not given
  std::string path;    // with leading '/', may be empty
};
Result<UrlParts> ParseUrl(std::string_view url);

}  // namespace ionos
