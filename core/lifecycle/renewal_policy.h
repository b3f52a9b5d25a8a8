// The renewal lifecycle as pure functions: they never read a clock, the
// caller passes `now`. DESIGN.md §2 "Renewal window" and the seed's
// "renewed 30 days before expiry, 30-day grace period, deleted 30 days after
// expiration".
#pragma once

#include <cstdint>
#include <string>

#include "core/base/clock.h"

namespace ionos {

struct RenewalWindow {
  TimePoint renew_at;  // from this moment on, renewal is due
  bool due = false;    // now >= renew_at
};

// renew_at = not_after - renew_before_days, but never earlier than the point
// where a third of the lifetime remains (half for lifetimes of 10 days or
// less), so short-lived certificates (45-day, 6-day profiles) do not renew in
// a loop. A renew_before_days below 1 is treated as 1.
RenewalWindow ComputeRenewalWindow(TimePoint not_before, TimePoint not_after, int64_t renew_before_days,
                                   TimePoint now);

enum class CertificateStatus { kActive, kSuperseded, kExpired };
const char* CertificateStatusName(CertificateStatus status);

// active: the newest certificate, not yet expired; superseded: replaced by a
// newer one, not yet expired; expired: now >= not_after (either kind).
CertificateStatus ComputeCertificateStatus(bool is_newest, TimePoint not_after, TimePoint now);

// True when the certificate is to be deleted: it is not the newest one of
// its auto certificate, and grace_period_days have passed since it expired.
// The newest certificate is never pruned, whatever its age.
bool ShouldPrune(bool is_newest, TimePoint not_after, int64_t grace_period_days, TimePoint now);

// Whole days from now until `t` (negative once past), rounded down.
int64_t DaysUntil(TimePoint t, TimePoint now);

}  // namespace ionos
