// File: core/monitor/served_certificate.h
//
// ProbeServedCertificate: what a TLS endpoint really serves (data
// "ionos_served_certificate"; docs/guides/monitoring.md). Automation fails quietly (a deploy step that never picked up the
// renewed certificate, a load balancer with an old copy); this probe looks at the endpoint itself.
//
// Contract:
//   - Resolves the host, connects over TCP and runs a TLS handshake (OpenSSL, TLS 1.2 or newer)
//     with SNI `server_name` (RFC 6066 §3: not sent for an IP address literal), all within
//     `timeout`: every wait (name resolution, connect, each handshake read and write) uses the
//     remaining time. It MUST NOT block longer than `timeout` plus a few milliseconds.
//   - The handshake accepts any certificate, so that an untrusted or mismatching one can still be
//     described; afterwards the chain the server sent is verified against `ca_certificates_pem`
//     (when given: only those roots) or the system trust store, at the time of `clock`
//     (X509_VERIFY_PARAM_set_time, so a moved test clock moves the check too), for the TLS server
//     purpose. chain_verified is true only when the chain verifies AND the leaf is valid for
//     `server_name` (RFC 6125 via X509_check_host / X509_check_ip_asc).
//   - Failures, each a Status whose message starts with the endpoint and says what failed:
//       unresolvable host          kNotFound           "... cannot resolve the host: ..."
//       connection refused         kUnavailable        "... connection refused"
//       other connect errors       kUnavailable        "... cannot connect: <errno text>"
//       timed out                  kDeadlineExceeded   "... timed out after 10s while <step>"
//       handshake failed           kAborted            "... TLS handshake failed: <OpenSSL reason>"
//       no certificate sent        kAborted
//       name mismatch              kFailedPrecondition "... serves a certificate for a, b, not for <name>"
//     ProbeFailureKind() tells them apart for callers that word their own diagnostics.
//   - Reads nothing from, and writes nothing to, anything but the socket. Thread-safe: every call
//     uses its own OpenSSL objects. The private key of the endpoint is never involved.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/base/clock.h"
#include "core/base/status.h"

namespace ionos {

struct ProbeRequest {
  std::string host;         // DNS name or IP literal (no brackets)
  uint16_t port = 443;
  std::string server_name;  // SNI and the name checked; "" means `host`
  std::string ca_certificates_pem;  // trusted roots; "" means the system trust store
  Duration timeout{std::chrono::seconds(10)};
};

// What the endpoint served.
struct ServedCertificate {
  std::string server_name;         // the name that was sent and checked
  std::string serial_number;       // lower-case hex, as the store keeps it (core/crypto/x509.h)
  TimePoint not_before{};
  TimePoint not_after{};
  std::string fingerprint_sha256;  // lower-case hex of SHA-256 over the leaf's DER
  std::vector<std::string> dns_names;  // subjectAltName dNSName entries, in certificate order
  std::string issuer;              // the issuer's distinguished name, RFC 2253 form
  std::string certificate_pem;     // the leaf
  bool chain_verified = false;     // chain to a trusted root, and valid for server_name
  std::string verify_error;        // why not, "" when chain_verified
};

// Probes the endpoint of `request` (see the contract above). `clock` gives the time the chain is
// verified at.
Result<ServedCertificate> ProbeServedCertificate(const ProbeRequest& request, const Clock& clock);

// What failed, from a Status ProbeServedCertificate returned.
enum class ProbeFailure { kUnresolvable, kRefused, kUnreachable, kTimedOut, kHandshake, kNameMismatch, kOther };
ProbeFailure ProbeFailureKind(const Status& status);
// "unresolvable", "refused", "unreachable", "timed out", "handshake failed", "name mismatch", "failed".
const char* ProbeFailureName(ProbeFailure failure);

}  // namespace ionos
