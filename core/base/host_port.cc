#include "core/base/host_port.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>

#include "core/base/strings.h"

namespace ionos {

IpFamily IpLiteralFamily(const std::string& host) {
  in_addr v4{};
  in6_addr v6{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) {
    return IpFamily::kV4;
  }
  if (inet_pton(AF_INET6, host.c_str(), &v6) == 1) {
    return IpFamily::kV6;
  }
  return IpFamily::kNone;
}

bool IsLoopbackHost(std::string_view host) {
  std::string h = AsciiLower(host);
  if (!h.empty() && h.back() == '.') {
    h.pop_back();
  }
  if (h == "localhost") {
    return true;
  }
  in_addr v4{};
  if (inet_pton(AF_INET, h.c_str(), &v4) == 1) {
    return (ntohl(v4.s_addr) >> 24) == 127;
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, h.c_str(), &v6) == 1) {
    return IN6_IS_ADDR_LOOPBACK(&v6);
  }
  return false;
}


Result<std::pair<std::string, uint16_t>> SplitHostPort(const std::string& host_port, uint16_t default_port) {
  const std::string where = "\"" + host_port + "\"";
  std::string host;
  std::string port_text;
  if (host_port.empty()) {
    return InvalidArgumentError("empty server address; want host or host:port");
  }
  if (host_port.front() == '[') {
    const size_t close = host_port.find(']');
    if (close == std::string::npos) {
      return InvalidArgumentError(where + ": missing ']' after IPv6 address");
    }
    host = host_port.substr(1, close - 1);
    const std::string rest = host_port.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') {
        return InvalidArgumentError(where + ": unexpected characters after ']'; want [address]:port");
      }
      port_text = rest.substr(1);
      if (port_text.empty()) {
        return InvalidArgumentError(where + ": empty port");
      }
    }
  } else {
    const size_t first = host_port.find(':');
    const size_t last = host_port.rfind(':');
    if (first == std::string::npos) {
      host = host_port;
    } else if (first != last) {
      // Several colons without brackets: a bare IPv6 address, no port.
      if (IpLiteralFamily(host_port) != IpFamily::kV6) {
        return InvalidArgumentError(where + ": not host:port; write IPv6 addresses with a port as [address]:port");
      }
      host = host_port;
    } else {
      host = host_port.substr(0, first);
      port_text = host_port.substr(first + 1);
      if (port_text.empty()) {
        return InvalidArgumentError(where + ": empty port");
      }
    }
  }
  if (host.empty()) {
    return InvalidArgumentError(where + ": empty host");
  }
  uint16_t port = default_port;
  if (!port_text.empty()) {
    if (port_text.size() > 5 ||
        !std::all_of(port_text.begin(), port_text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return InvalidArgumentError(where + ": port \"" + port_text + "\" is not a number");
    }
    const int value = std::stoi(port_text);
    if (value < 1 || value > 65535) {
      return InvalidArgumentError(where + ": port " + port_text + " is outside 1..65535");
    }
    port = static_cast<uint16_t>(value);
  }
  return std::make_pair(host, port);
}

std::string JoinHostPort(const std::string& host, uint16_t port) {
  if (host.find(':') != std::string::npos) {
    return "[" + host + "]:" + std::to_string(port);
  }
  return host + ":" + std::to_string(port);
}

}  // namespace ionos
