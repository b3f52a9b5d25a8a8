#include "core/lifecycle/renewal_policy.h"

#include <algorithm>
#include <set>

#include "core/dns/dns_name.h"

namespace ionos {
namespace {

constexpr std::chrono::seconds kDay{86400};

// The certificate's names (common name and SANs), normalised, as a set; "" is no name.
std::set<std::string> NameSet(const std::string& common_name, const std::vector<std::string>& sans) {
  const std::vector<std::string> names = CertificateNames(common_name, sans);
  return std::set<std::string>(names.begin(), names.end());
}

std::set<std::string> NameSet(const AutoCertificateRecord& r) { return NameSet(r.common_name, r.subject_alternative_names); }

std::set<std::string> NameSet(const std::vector<std::string>& names) {
  return NameSet(std::string(), names);
}

}  // namespace

bool SameNames(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  return NameSet(a) == NameSet(b);
}

namespace {

Status ValidateDays(const char* attribute, int64_t days, int64_t min) {
  if (days < min || days > kMaxDays) {
    return InvalidArgumentError(std::string(attribute) + " must be a whole number of days from " +
                                std::to_string(min) + " to " + std::to_string(kMaxDays) + ", got " +
                                std::to_string(days));
  }
  return Status::Ok();
}

}  // namespace

Status ValidateRenewBeforeDays(int64_t days) { return ValidateDays("renew_before_days", days, 1); }

Status ValidateGracePeriodDays(int64_t days) { return ValidateDays("grace_period_days", days, 0); }

RenewalWindow ComputeRenewalWindow(TimePoint not_before, TimePoint not_after, int64_t renew_before_days,
                                   TimePoint now) {
  const int64_t days = std::max<int64_t>(renew_before_days, 1);
  const auto lifetime = std::max(std::chrono::duration_cast<std::chrono::seconds>(not_after - not_before),
                                 std::chrono::seconds(0));
  // The share of the lifetime that must remain at the earliest renewal point.
  const auto min_remaining = lifetime <= 10 * kDay ? lifetime / 2 : lifetime / 3;
  const TimePoint by_days = AddDays(not_after, -days);
  const TimePoint earliest = not_after - min_remaining;
  RenewalWindow w;
  w.renew_at = std::max(by_days, earliest);
  w.due = now >= w.renew_at;
  return w;
}

RenewalAssessment AssessRenewal(TimePoint not_before, TimePoint not_after, int64_t renew_before_days,
                                const std::optional<RenewalInfoRecord>& renewal_info, TimePoint now) {
  const RenewalWindow window = ComputeRenewalWindow(not_before, not_after, renew_before_days, now);
  RenewalAssessment out;
  out.renew_at = window.renew_at;
  out.due = window.due;
  if (renewal_info && renewal_info->chosen_at < window.renew_at) {
    out.renew_at = renewal_info->chosen_at;
    out.due = now >= renewal_info->chosen_at;
    out.source = RenewalSource::kAri;
    out.explanation_url = renewal_info->explanation_url;
  }
  return out;
}

const char* CertificateStatusName(CertificateStatus status) {
  switch (status) {
    case CertificateStatus::kActive: return "active";
    case CertificateStatus::kSuperseded: return "superseded";
    case CertificateStatus::kExpired: return "expired";
  }
  return "active";
}

CertificateStatus ComputeCertificateStatus(bool is_newest, TimePoint not_after, TimePoint now) {
  if (now >= not_after) {
    return CertificateStatus::kExpired;
  }
  return is_newest ? CertificateStatus::kActive : CertificateStatus::kSuperseded;
}

bool ShouldPrune(bool is_newest, TimePoint not_after, int64_t grace_period_days, TimePoint now) {
  if (is_newest) {
    return false;
  }
  return now >= AddDays(not_after, std::max<int64_t>(grace_period_days, 0));
}

std::vector<CertificateState> ProjectCertificates(const std::vector<CertificateSummary>& newest_first,
                                                  int64_t grace_period_days, TimePoint now) {
  std::vector<CertificateState> out;
  out.reserve(newest_first.size());
  for (size_t i = 0; i < newest_first.size(); ++i) {
    const CertificateSummary& c = newest_first[i];
    CertificateState state;
    state.summary = c;
    state.status = ComputeCertificateStatus(i == 0, c.not_after, now);
    state.prune_due = ShouldPrune(i == 0, c.not_after, grace_period_days, now);
    out.push_back(std::move(state));
  }
  return out;
}

int64_t DaysUntil(TimePoint t, TimePoint now) {
  const auto secs = std::chrono::duration_cast<std::chrono::seconds>(t - now).count();
  if (secs >= 0) {
    return secs / 86400;
  }
  return -((-secs + 86399) / 86400);
}

std::string DescribeExpiry(TimePoint not_after, TimePoint now) {
  const std::string when = FormatRfc3339(not_after);
  if (now >= not_after) {
    const int64_t ago = -DaysUntil(not_after, now) - 1;  // whole days since expiry
    if (ago <= 0) {
      return "expired on " + when + ", less than a day ago";
    }
    return "expired on " + when + ", " + std::to_string(ago) + (ago == 1 ? " day" : " days") + " ago";
  }
  const int64_t left = DaysUntil(not_after, now);
  if (left == 0) {
    return "expires on " + when + ", in less than a day";
  }
  return "expires on " + when + ", in " + std::to_string(left) + (left == 1 ? " day" : " days");
}

const char* ReissueReasonText(ReissueReason reason) {
  switch (reason) {
    case ReissueReason::kNone: return "";
    case ReissueReason::kNoCertificate: return "no certificate has been issued yet";
    case ReissueReason::kNamesChanged: return "the names changed";
    case ReissueReason::kKeyAlgorithm: return "the key algorithm changed";
    case ReissueReason::kProfile: return "the ACME profile changed";
    case ReissueReason::kProvider: return "the certificate provider (ACME account) changed";
    case ReissueReason::kRenewalDue: return "renewal is due";
  }
  return "";
}

ReissueReason DecideReissue(const AutoCertificateRecord& prior, const AutoCertificateRecord& desired,
                            bool has_certificate, bool renewal_due) {
  if (NameSet(prior) != NameSet(desired)) {
    return ReissueReason::kNamesChanged;
  }
  if (prior.key_algorithm != desired.key_algorithm) {
    return ReissueReason::kKeyAlgorithm;
  }
  if (prior.profile != desired.profile) {
    return ReissueReason::kProfile;
  }
  if (prior.provider_id != desired.provider_id) {
    return ReissueReason::kProvider;
  }
  if (!has_certificate) {
    return ReissueReason::kNoCertificate;
  }
  if (renewal_due) {
    return ReissueReason::kRenewalDue;
  }
  return ReissueReason::kNone;
}

bool SameCertificateRequest(const AutoCertificateRecord& issued_for, const AutoCertificateRecord& desired) {
  return NameSet(issued_for) == NameSet(desired) && issued_for.key_algorithm == desired.key_algorithm &&
         issued_for.profile == desired.profile && issued_for.provider_id == desired.provider_id;
}

std::string CertificateName(const std::string& common_name, TimePoint issued_at, int attempt) {
  std::string name = common_name + "-" + FormatCompactUtc(issued_at);
  if (attempt > 0) {
    name += "-" + std::to_string(attempt + 1);
  }
  return name;
}

}  // namespace ionos
