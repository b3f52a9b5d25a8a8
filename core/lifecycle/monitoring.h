// File: core/lifecycle/monitoring.h
//
// Independent monitoring as the lifecycle sees it (docs/guides/monitoring.md): what a served certificate is to an
// auto certificate, the metrics the commands export about a store, and the alert rule of the
// `renew` command. Pure functions of what the caller read (no store, no clock, no network), so
// the data source, `certificates --format openmetrics` and `renew --metrics-file` agree.
//
// Metrics (gauges; names after cert-manager's certmanager_certificate_expiration_timestamp_seconds
// and friends, so dashboards carry over):
//   ionos_certificate_expiration_timestamp_seconds  per certificate kept in the store: not_after
//   ionos_certificate_renewal_timestamp_seconds     per certificate: when its renewal is (was) due
//       labels of both: auto_certificate (its display name; the id when the auto certificate is
//       gone), auto_certificate_id, name (the certificate's unique name), common_name, status
//       (active, superseded, expired)
//   ionos_certificate_renewal_due                   per auto certificate: 1 when its newest
//       certificate is due for renewal, else 0; labels auto_certificate, auto_certificate_id,
//       common_name
//   ionos_renew_last_run_timestamp_seconds          when the renew run ended
//   ionos_renew_certificates{action=...}            auto certificates per outcome of the run:
//       renewed, adopted (another process renewed it meanwhile), not_due, failed; all four always
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/base/clock.h"
#include "core/lifecycle/certificate_manager.h"
#include "core/lifecycle/renewal_policy.h"
#include "core/monitor/openmetrics.h"
#include "core/monitor/served_certificate.h"

namespace ionos {

// ---------------------------------------------------------------- served certificates

// What the served certificate is among an auto certificate's certificates.
struct ServedMatch {
  bool is_newest = false;  // it is the newest certificate of the auto certificate
  bool is_known = false;   // it is one of the certificates the store keeps for it
  std::string certificate_id;  // the matching certificate, "" when unknown
};

// Matches by SHA-256 fingerprint (the exact certificate); a stored certificate without a
// fingerprint matches by serial number. `newest_first` as AutoCertificateView::certificates.
ServedMatch MatchServedCertificate(const ServedCertificate& served, const std::vector<CertificateState>& newest_first);

// What the served-certificate data source asks: core/monitor's probe of the endpoint and, when
// `newest_first` is given (the certificates of an auto certificate), what the served one is to them.
struct ServedCertificateCheck {
  ServedCertificate served;
  std::optional<ServedMatch> match;
};
Result<ServedCertificateCheck> CheckServedCertificate(const ProbeRequest& request, const Clock& clock,
                                                      const std::vector<CertificateState>* newest_first);

// A one-line summary of a failed probe (its ProbeFailure), e.g. "Endpoint timed out".
std::string ProbeFailureSummary(const Status& failure);

// ---------------------------------------------------------------- metrics

// The three ionos_certificate_* families for the listing of a store (ListCertificates order:
// grouped by auto certificate, newest first).
std::vector<MetricFamily> CertificateMetricFamilies(const std::vector<CertificateListing>& rows);

// What one renew run did, per auto certificate.
struct RenewTally {
  int64_t renewed = 0;
  int64_t adopted = 0;
  int64_t not_due = 0;
  int64_t failed = 0;
  // The auto certificates that got a new certificate in the run (renewed or adopted).
  std::set<std::string> renewed_ids;
};

// The two ionos_renew_* families of a run that ended at `finished_at`.
std::vector<MetricFamily> RenewRunMetricFamilies(TimePoint finished_at, const RenewTally& tally);

// The exposition text of `certificates --format openmetrics`: the families of the listing.
Result<std::string> CertificateMetricsText(const std::vector<CertificateListing>& rows);

// The exposition text of `renew --metrics-file`: the run's families, then the listing's.
Result<std::string> RenewRunMetricsText(TimePoint finished_at, const RenewTally& tally,
                                        const std::vector<CertificateListing>& rows);

// ---------------------------------------------------------------- the alert of `renew`

// "Alert the team if a certificate has not been renewed within thirty days of its expiration"
// (Let's Encrypt's advice, quoted in docs/guides/monitoring.md).
inline constexpr int64_t kExpiryAlertDays = 30;

// The names of the certificates that, read after a renew run, still need someone's attention:
// the newest certificate of an auto certificate that was not renewed in the run (`renewed_ids`),
// whose renewal is due and which expires within kExpiryAlertDays of `now` (or has expired). One
// whose renewal is not yet due (renew_before_days below 30, or a short-lived certificate before
// the last third of its lifetime) is on schedule and is not listed.
std::vector<std::string> CertificatesNeedingAttention(const std::vector<CertificateListing>& rows, TimePoint now,
                                                      const std::set<std::string>& renewed_ids);

}  // namespace ionos
