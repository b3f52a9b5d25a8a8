// File: core/acme/ari.h
//
// ACME Renewal Information (RFC 9773): the CA's suggested renewal window for a certificate.
//   AriCertId         the certificate identifier of §4.1
//   FetchRenewalInfo  the unauthenticated GET of §4.1 with the answer of §4.2 and Retry-After
//   ChooseRenewalMoment  §4.2's uniformly distributed moment inside the window
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "core/acme/acme_client.h"
#include "core/base/clock.h"
#include "core/base/status.h"
#include "core/crypto/x509.h"

namespace ionos {

// RFC 9773 §4.1: base64url(AKI keyIdentifier) "." base64url(serial number content octets), both
// without padding. kFailedPrecondition when the certificate has no Authority Key Identifier.
Result<std::string> AriCertId(const CertificateInfo& certificate);

struct RenewalInfo {
  TimePoint window_start;
  TimePoint window_end;
  std::string explanation_url;           // "" when the CA gave none
  std::optional<TimePoint> retry_after;  // when to ask again (§4.3), from Retry-After
};

// GET <renewalInfo>/<certID> (RFC 9773 §4.1; no JWS, no nonce). kUnimplemented when the CA's
// directory offers no renewalInfo. The answer must carry suggestedWindow.start and .end as RFC
// 3339 times with end after start (§4.2), else kUnavailable naming what was wrong.
Result<RenewalInfo> FetchRenewalInfo(AcmeClient& client, const std::string& cert_id);

// When to ask the CA again (RFC 9773 §4.3). Without Retry-After: six hours (the RFC leaves the
// schedule to the client; Let's Encrypt's answers carry 6 h). A Retry-After is honoured within
// [1 minute, 1 day]: a CA's mistake (a date in 2057, or 0) neither stops ARI for years nor makes
// every run ask again.
inline constexpr std::chrono::seconds kRenewalInfoDefaultInterval = std::chrono::hours(6);
inline constexpr std::chrono::seconds kRenewalInfoMinInterval = std::chrono::minutes(1);
inline constexpr std::chrono::seconds kRenewalInfoMaxInterval = std::chrono::hours(24);
TimePoint NextRenewalInfoFetch(std::optional<TimePoint> retry_after, TimePoint now);

// RFC 9773 §4.2: "select a uniform random time within the suggested window". Whole seconds.
// The moment is drawn from SHA-256 of the certificate's ARI id and the window: uniform over the
// certificates of a CA's window (the point of §4.2: clients spread their renewals), and the same
// in every process that asks, so a dry run, the real run and another runner agree on it without
// having to share it first.
TimePoint ChooseRenewalMoment(const RenewalInfo& info, std::string_view cert_id);

}  // namespace ionos
