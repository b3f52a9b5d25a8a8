#include "core/lifecycle/renewal_policy.h"

#include <algorithm>

namespace ionos {
namespace {

constexpr std::chrono::seconds kDay{86400};

}  // namespace

RenewalWindow ComputeRenewalWindow(TimePoint not_before, TimePoint not_after, int64_t renew_before_days,
                                   TimePoint now) {
  const int64_t days = std::max<int64_t>(renew_before_days, 1);
  const auto lifetime = std::chrono::duration_cast<std::chrono::seconds>(not_after - not_before);
  // The share of the lifetime that must remain at the earliest renewal point.
  const auto min_remaining = lifetime <= 10 * kDay ? lifetime / 2 : lifetime / 3;
  const TimePoint by_days = not_after - days * kDay;
  const TimePoint earliest = not_after - std::max(min_remaining, std::chrono::seconds(0));
  RenewalWindow w;
  w.renew_at = std::max(by_days, earliest);
  w.due = now >= w.renew_at;
  return w;
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
  if (now >= not_after) return CertificateStatus::kExpired;
  return is_newest ? CertificateStatus::kActive : CertificateStatus::kSuperseded;
}

bool ShouldPrune(bool is_newest, TimePoint not_after, int64_t grace_period_days, TimePoint now) {
  if (is_newest) return false;
  return now >= not_after + std::max<int64_t>(grace_period_days, 0) * kDay;
}

int64_t DaysUntil(TimePoint t, TimePoint now) {
  auto secs = std::chrono::duration_cast<std::chrono::seconds>(t - now).count();
  if (secs >= 0) return secs / 86400;
  return -((-secs + 86399) / 86400);
}

}  // namespace ionos
