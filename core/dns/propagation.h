// DNS-01 propagation check: wait until the `_acme-challenge` TXT records are visible.
//
// Before the ACME challenges are answered, the CA must be able to see every TXT record. The
// PropagationChecker asks every server that matters, directly:
//   * the user's `dns_resolvers` (host:port) when configured, and then only those, or
//   * otherwise every authoritative name server of the zone (hostnames from the DNS API's zone
//     metadata), each resolved once per WaitForAll through the system resolver.
//
// Contract of PropagationChecker::WaitForAll(expectations, options):
//   * One shared wait for the whole batch: every (name, server) pair is polled in the same loop.
//     A pair is settled when the server's TXT set for the name contains every expected value of
//     that name (other values may coexist: a wildcard and its apex share one name, two values).
//     Settled pairs are not asked again.
//   * A name server with several addresses (IPv4 and IPv6) is settled for a name when at least one
//     address answered with all values and no address answered without them; addresses that fail
//     (unreachable family, timeout) are tolerated as long as another address answers.
//   * Polling starts after `first_interval` and doubles up to `max_interval`; the last wait is cut
//     short so that one final poll happens at the deadline. No fixed multi-second sleeps.
//   * Returns OK when all pairs are settled (at once when `expectations` is empty);
//     DeadlineExceededError after `timeout`, naming each unsettled pair and what the server
//     answered instead, e.g.
//       `_acme-challenge.example.com at 127.0.0.1:8053: no TXT record (want "abc")`
//       `_acme-challenge.example.com at ns1.example.net (192.0.2.1:53): answered ["old"] (want "abc")`
//     Transient errors (SERVFAIL, REFUSED, timeouts, name-server lookup failures) are retried
//     within the timeout; the last one is reported;
//     CancelledError when the CancelToken fires (checked before every query and while sleeping);
//     InvalidArgumentError when neither resolvers nor authoritative name servers are given, an
//     entry is not `host`, `host:port`, `[v6]:port` or a bare IPv6 address, or the resolver
//     rejects a name as malformed (InvalidArgumentError from QueryTxt ends the wait at once).
//   * The queries of one poll run in parallel (`max_concurrent_queries`), so the DnsResolver must
//     be thread-safe. A query in flight is not interrupted: the deadline and a cancellation can
//     be overshot by up to one query timeout (LdnsResolver: 2 s).
//   * Time comes from the injected Clock (FakeClock in tests); the checker never sleeps itself.
//   * WaitForAll keeps its state on the stack; concurrent calls on one checker are fine.
//
// TXT values (ACME key-authorization digests) are public data and appear in logs and errors.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/base/clock.h"
#include "core/base/host_port.h"
#include "core/base/log.h"
#include "core/base/status.h"

namespace ionos {

// The DNS lookups the propagation check needs; an interface so the waiting logic can be tested
// without a network.
class DnsResolver {
 public:
  virtual ~DnsResolver() = default;

  // Asks one specific server (`server_host_port`: "192.0.2.1:53", "[2001:db8::1]:53"; a hostname
  // is resolved first) for the TXT records of `fqdn` (with or without the trailing dot). Returns
  // every TXT string of the answer (the character-strings of one RR concatenated), following
  // CNAMEs that the answer itself contains. NXDOMAIN and NODATA give an empty list, not an
  // error. SERVFAIL, REFUSED and other error codes give UnavailableError, no answer at all
  // (a timeout, nothing listening) DeadlineExceededError, both naming the server and the name.
  virtual Result<std::vector<std::string>> QueryTxt(const std::string& server_host_port, const std::string& fqdn) = 0;

  // Resolves a host name (a name server's) to its IPv4/IPv6 address literals, without port
  // ("192.0.2.1", "2001:db8::1"), de-duplicated, in the system resolver's order. An IP literal
  // resolves to itself. NotFoundError when the name does not exist, UnavailableError otherwise.
  virtual Result<std::vector<std::string>> ResolveAddresses(const std::string& hostname) = 0;
};

// The real resolver: ldns for the TXT queries, getaddrinfo for host names.
//
// Each query uses its own ldns_resolver (so the object is thread-safe), sets the RD bit (harmless
// for authoritative servers, needed for configured recursive resolvers), goes over UDP, retries
// with EDNS0 and then TCP when the answer is truncated, and gives up after `timeout` per attempt.
// SIGPIPE from a TCP peer that hangs up is blocked for the calling thread during the query.
class LdnsResolver : public DnsResolver {
 public:
  explicit LdnsResolver(Duration timeout = std::chrono::seconds(2)) : timeout_(timeout) {}

  Result<std::vector<std::string>> QueryTxt(const std::string& server_host_port, const std::string& fqdn) override;
  Result<std::vector<std::string>> ResolveAddresses(const std::string& hostname) override;

 private:
  Duration timeout_;
};

// One TXT value that must become visible at `fqdn` ("_acme-challenge.example.com", trailing dot
// optional, compared case-insensitively). Several expectations may share one fqdn.
struct TxtExpectation {
  std::string fqdn;
  std::string value;
};

// The bounds of the propagation wait a configuration may ask for (the provider's
// propagation_timeout; PropagationOptions::timeout). The upper one also bounds how long an
// issuance in another process may keep its challenge records (IssuerOptions::leftover_min_age).
inline constexpr Duration kMinPropagationTimeout = std::chrono::seconds(1);
inline constexpr Duration kMaxPropagationTimeout = std::chrono::hours(2);

struct PropagationOptions {
  // host:port (port defaults to 53); when set, only these servers are asked.
  std::vector<std::string> resolvers;
  // Host names from the DNS API's zone metadata; used when `resolvers` is empty.
  std::vector<std::string> authoritative_nameservers;
  Duration timeout{std::chrono::minutes(5)};
  Duration first_interval{std::chrono::milliseconds(50)};
  Duration max_interval{std::chrono::seconds(2)};
  // When no server asked has answered anything at all (every query failed in transport or timed
  // out) for this long (at most half the timeout), the wait ends early with kUnavailable naming
  // the servers: a resolver address with nothing listening is a configuration error, not slow
  // propagation.
  Duration fail_fast_after{std::chrono::seconds(10)};
  // Queries of one poll run in parallel on up to this many threads (0 counts as 1), so one slow
  // or silent server delays a poll by one query timeout, not by one per name.
  size_t max_concurrent_queries = 8;
};

class PropagationChecker {
 public:
  // `resolver` and `clock` must outlive the checker; `logger` and `cancel` may be null.
  PropagationChecker(DnsResolver* resolver, const Clock* clock, Logger* logger, const CancelToken* cancel);

  // See the contract at the top of this file.
  Status WaitForAll(const std::vector<TxtExpectation>& expectations, const PropagationOptions& options);

 private:
  DnsResolver* resolver_;
  const Clock* clock_;
  Logger* logger_;
  const CancelToken* cancel_;
};

}  // namespace ionos
