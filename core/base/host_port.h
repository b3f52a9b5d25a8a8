// File: core/base/host_port.h
//
// Network addresses as users write them: "host:port", "[v6]:port", a bare host, a bare IPv6
// literal. One parser for every place that reads them (dns_resolvers, name servers, URLs'
// authorities are parsed in core/http/url.h on top of the same rules), one formatter, and the
// loopback test used to decide where plain-text HTTP is acceptable.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "core/base/status.h"

namespace ionos {

enum class IpFamily { kNone, kV4, kV6 };

// kV4 / kV6 when `host` is an IPv4 / IPv6 address literal (no brackets), else kNone.
IpFamily IpLiteralFamily(const std::string& host);

// True for "localhost" (any case, with or without a trailing dot), for IPv4 addresses in
// 127.0.0.0/8 and for the IPv6 address ::1. `host` carries no brackets and no port.
bool IsLoopbackHost(std::string_view host);

// "host:port", "[v6]:port", "host" or a bare IPv6 literal → (host without brackets, port).
// `default_port` is used when no port is given. InvalidArgumentError, quoting the input, for an
// empty host, an empty port, a port that is not a number in 1..65535, or several colons outside
// brackets that do not form an IPv6 address.
Result<std::pair<std::string, uint16_t>> SplitHostPort(const std::string& host_port, uint16_t default_port);

// (host, port) → "host:port", or "[host]:port" when host contains a colon (IPv6).
std::string JoinHostPort(const std::string& host, uint16_t port);

}  // namespace ionos
