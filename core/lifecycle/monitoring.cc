// File: core/lifecycle/monitoring.cc
//
// Served-certificate matching, the store's metrics and the renew alert (see monitoring.h).
#include "core/lifecycle/monitoring.h"

#include <chrono>
#include <set>

#include "core/base/strings.h"

namespace ionos {
namespace {

double EpochSeconds(TimePoint t) {
  return static_cast<double>(std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count());
}

std::string AutoCertificateLabel(const CertificateListing& row) {
  return row.auto_certificate_name.empty() ? row.state.summary.auto_certificate_id : row.auto_certificate_name;
}

// The first row of each auto certificate's group is its newest certificate.
bool IsNewestOfGroup(const std::vector<CertificateListing>& rows, size_t i) {
  return i == 0 || rows[i - 1].state.summary.auto_certificate_id != rows[i].state.summary.auto_certificate_id;
}

}  // namespace

ServedMatch MatchServedCertificate(const ServedCertificate& served, const std::vector<CertificateState>& newest_first) {
  ServedMatch out;
  for (size_t i = 0; i < newest_first.size(); ++i) {
    const CertificateSummary& c = newest_first[i].summary;
    const bool same = c.fingerprint_sha256.empty()
                          ? !c.serial_number.empty() && EqualsIgnoreCase(c.serial_number, served.serial_number)
                          : EqualsIgnoreCase(c.fingerprint_sha256, served.fingerprint_sha256);
    if (same) {
      out.is_known = true;
      out.is_newest = i == 0;
      out.certificate_id = c.id;
      break;
    }
  }
  return out;
}

Result<ServedCertificateCheck> CheckServedCertificate(const ProbeRequest& request, const Clock& clock,
                                                      const std::vector<CertificateState>* newest_first) {
  ServedCertificateCheck check;
  IONOS_ASSIGN_OR_RETURN(check.served, ProbeServedCertificate(request, clock));
  if (newest_first != nullptr) {
    check.match = MatchServedCertificate(check.served, *newest_first);
  }
  return check;
}

std::string ProbeFailureSummary(const Status& failure) {
  switch (ProbeFailureKind(failure)) {
    case ProbeFailure::kUnresolvable: return "Endpoint not resolvable";
    case ProbeFailure::kRefused: return "Endpoint refused the connection";
    case ProbeFailure::kUnreachable: return "Endpoint unreachable";
    case ProbeFailure::kTimedOut: return "Endpoint timed out";
    case ProbeFailure::kHandshake: return "TLS handshake with the endpoint failed";
    case ProbeFailure::kNameMismatch: return "Served certificate does not match the server name";
    case ProbeFailure::kOther: break;
  }
  return "Cannot read the served certificate";
}

std::vector<MetricFamily> CertificateMetricFamilies(const std::vector<CertificateListing>& rows) {
  MetricFamily expiration{"ionos_certificate_expiration_timestamp_seconds",
                          "The date after which the certificate expires (not_after), in seconds since the Unix epoch.",
                          "seconds",
                          {}};
  MetricFamily renewal{"ionos_certificate_renewal_timestamp_seconds",
                       "The moment from which renewal of the certificate is due (renew_at), in seconds since the Unix "
                       "epoch.",
                       "seconds",
                       {}};
  MetricFamily due{"ionos_certificate_renewal_due",
                   "1 when the newest certificate of the auto certificate is due for renewal, else 0.",
                   "",
                   {}};
  for (size_t i = 0; i < rows.size(); ++i) {
    const CertificateListing& r = rows[i];
    const CertificateSummary& c = r.state.summary;
    std::vector<std::pair<std::string, std::string>> labels = {
        {"auto_certificate", AutoCertificateLabel(r)},
        {"auto_certificate_id", c.auto_certificate_id},
        {"name", c.name},
        {"common_name", r.common_name},
        {"status", CertificateStatusName(r.state.status)},
    };
    expiration.samples.push_back({labels, EpochSeconds(c.not_after)});
    renewal.samples.push_back({labels, EpochSeconds(r.renewal.renew_at)});
    if (IsNewestOfGroup(rows, i)) {
      due.samples.push_back({{{"auto_certificate", AutoCertificateLabel(r)},
                              {"auto_certificate_id", c.auto_certificate_id},
                              {"common_name", r.common_name}},
                             r.renewal_due ? 1.0 : 0.0});
    }
  }
  return {std::move(expiration), std::move(renewal), std::move(due)};
}

std::vector<MetricFamily> RenewRunMetricFamilies(TimePoint finished_at, const RenewTally& tally) {
  MetricFamily last_run{"ionos_renew_last_run_timestamp_seconds",
                        "When the last renew run ended, in seconds since the Unix epoch.",
                        "seconds",
                        {{{}, EpochSeconds(finished_at)}}};
  MetricFamily counts{"ionos_renew_certificates",
                      "Auto certificates by what the last renew run did with them.",
                      "",
                      {{{{"action", "renewed"}}, static_cast<double>(tally.renewed)},
                       {{{"action", "adopted"}}, static_cast<double>(tally.adopted)},
                       {{{"action", "not_due"}}, static_cast<double>(tally.not_due)},
                       {{{"action", "failed"}}, static_cast<double>(tally.failed)}}};
  return {std::move(last_run), std::move(counts)};
}

Result<std::string> CertificateMetricsText(const std::vector<CertificateListing>& rows) {
  return FormatOpenMetrics(CertificateMetricFamilies(rows));
}

Result<std::string> RenewRunMetricsText(TimePoint finished_at, const RenewTally& tally,
                                        const std::vector<CertificateListing>& rows) {
  std::vector<MetricFamily> families = RenewRunMetricFamilies(finished_at, tally);
  for (MetricFamily& f : CertificateMetricFamilies(rows)) families.push_back(std::move(f));
  return FormatOpenMetrics(families);
}

std::vector<std::string> CertificatesNeedingAttention(const std::vector<CertificateListing>& rows, TimePoint now,
                                                      const std::set<std::string>& renewed_ids) {
  std::vector<std::string> out;
  for (size_t i = 0; i < rows.size(); ++i) {
    const CertificateListing& r = rows[i];
    if (!IsNewestOfGroup(rows, i) || !r.renewal_due) continue;
    if (renewed_ids.count(r.state.summary.auto_certificate_id) > 0) continue;
    if (DaysUntil(r.state.summary.not_after, now) < kExpiryAlertDays) out.push_back(r.state.summary.name);
  }
  return out;
}

}  // namespace ionos
