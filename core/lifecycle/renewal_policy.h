// File: core/lifecycle/renewal_policy.h
//
// The lifecycle rules as pure functions: they never read a clock (the caller passes `now`) and
// never touch a store, so every caller (refresh, plan, apply, the renew and listing commands)
// applies exactly the same rules: the renewal window and grace period of
// docs/resources/auto_certificate.md ("renewed 30 days before expiry, 30-day grace period,
// deleted 30 days after expiration" by default), and ARI (RFC 9773).
//
//   ComputeRenewalWindow   when renewal becomes due by the window rule
//   AssessRenewal          due by the window rule or by the CA's renewal information
//   ProjectCertificates    each kept certificate's status (active, superseded, expired) and
//                          whether its grace period is over (the next apply deletes it)
//   DecideReissue          whether a change of the desired auto certificate needs a new one
//   CertificateName        "<common_name>-<YYYYMMDDThhmmssZ>", with a suffix on collision
//
// All time arithmetic saturates (AddDays), so no day count, however large, wraps around.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/base/clock.h"
#include "core/base/status.h"
#include "core/store/store.h"

namespace ionos {

// ---------------------------------------------------------------- limits of the day counts

// renew_before_days and grace_period_days are whole days up to ten years: more is
// certainly a mistake, and it bounds every date computed from them.
inline constexpr int64_t kMaxDays = 3650;
// InvalidArgumentError naming the argument and the accepted range.
Status ValidateRenewBeforeDays(int64_t days);  // 1..kMaxDays
Status ValidateGracePeriodDays(int64_t days);  // 0..kMaxDays

// ---------------------------------------------------------------- renewal

struct RenewalWindow {
  TimePoint renew_at;  // from this moment on, renewal is due
  bool due = false;    // now >= renew_at
};

// renew_at = not_after - renew_before_days, but never earlier than the point where a third of the
// lifetime remains (half for lifetimes of 10 days or less), so short-lived certificates (45-day,
// 6-day profiles) do not renew in a loop. A renew_before_days below 1 is treated as 1.
RenewalWindow ComputeRenewalWindow(TimePoint not_before, TimePoint not_after, int64_t renew_before_days,
                                   TimePoint now);

// Why renewal is (or will be) due.
enum class RenewalSource {
  kWindow,  // the renewal window rule above
  kAri,     // the CA's suggested window (RFC 9773): the moment chosen inside it
};

struct RenewalAssessment {
  TimePoint renew_at;
  bool due = false;
  RenewalSource source = RenewalSource::kWindow;
  std::string explanation_url;  // ARI: the CA's explanation, when it gave one
};

// The renewal of a certificate with these validity dates. When the CA's renewal information is
// known, its chosen moment decides, unless the window rule is earlier: a CA that suggests a window
// after expiry (or a stale record) never keeps a certificate from renewing in time.
RenewalAssessment AssessRenewal(TimePoint not_before, TimePoint not_after, int64_t renew_before_days,
                                const std::optional<RenewalInfoRecord>& renewal_info, TimePoint now);

// ---------------------------------------------------------------- status and pruning

enum class CertificateStatus { kActive, kSuperseded, kExpired };
const char* CertificateStatusName(CertificateStatus status);

// active: the newest certificate, not yet expired; superseded: replaced by a newer one, not yet
// expired; expired: now >= not_after (either kind).
CertificateStatus ComputeCertificateStatus(bool is_newest, TimePoint not_after, TimePoint now);

// True when the certificate is to be deleted: it is not the newest one of its auto certificate,
// and grace_period_days have passed since it expired. The newest is never pruned.
bool ShouldPrune(bool is_newest, TimePoint not_after, int64_t grace_period_days, TimePoint now);

// One kept certificate as the lifecycle sees it.
struct CertificateState {
  CertificateSummary summary;
  CertificateStatus status = CertificateStatus::kActive;
  bool prune_due = false;  // its grace period is over: the next apply (or renew) deletes it
};

// The statuses of an auto certificate's certificates, given newest first.
std::vector<CertificateState> ProjectCertificates(const std::vector<CertificateSummary>& newest_first,
                                                  int64_t grace_period_days, TimePoint now);

// Whole days from now until `t` (negative once past), rounded towards the past.
int64_t DaysUntil(TimePoint t, TimePoint now);

// "expires on 2027-01-01T00:00:00Z, in 12 days" / "expired on ..., 35 days ago" / "expires today".
std::string DescribeExpiry(TimePoint not_after, TimePoint now);

// ---------------------------------------------------------------- re-issue decision

enum class ReissueReason {
  kNone,
  kNoCertificate,     // nothing issued yet (or every certificate was deleted)
  kNamesChanged,      // common name or subject_alternative_names
  kKeyAlgorithm,
  kProfile,
  kProvider,          // another ACME account
  kRenewalDue,
};

// Human text for a reason ("the subject alternative names changed"); "" for kNone.
const char* ReissueReasonText(ReissueReason reason);

// Whether the auto certificate `prior` (as stored or in state), changed to `desired`, needs a
// new certificate. A change of name, renew_before_days or grace_period_days alone never does;
// names compare as sets, normalised. `has_certificate` and `renewal_due` describe the newest
// certificate.
ReissueReason DecideReissue(const AutoCertificateRecord& prior, const AutoCertificateRecord& desired,
                            bool has_certificate, bool renewal_due);

// Whether two lists of DNS names hold the same names, compared as sets after normalisation (case,
// a trailing dot): the comparison DecideReissue makes of subject alternative names.
bool SameNames(const std::vector<std::string>& a, const std::vector<std::string>& b);

// True when a certificate issued for `issued_for` serves `desired` as well (same names, key
// algorithm, profile and account): what another process issued meanwhile can then be adopted.
bool SameCertificateRequest(const AutoCertificateRecord& issued_for, const AutoCertificateRecord& desired);

// ---------------------------------------------------------------- naming

// "<common_name>-<YYYYMMDDThhmmssZ>" for attempt 0, then with "-2", "-3", ... appended: the
// names of an issued certificate stay unique even when several are issued in the same second.
std::string CertificateName(const std::string& common_name, TimePoint issued_at, int attempt);

}  // namespace ionos
