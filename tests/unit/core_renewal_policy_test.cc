#include "core/lifecycle/renewal_policy.h"

#include <gtest/gtest.h>

#include <limits>

namespace ionos {
namespace {

using std::chrono::hours;
using std::chrono::seconds;

constexpr seconds kDay{86400};
const TimePoint kT0 = TimePoint(seconds(1795000000));  // 2026-11-18T...Z

struct WindowCase {
  const char* name;
  int64_t lifetime_days;
  int64_t renew_before_days;
  seconds now_offset;   // from not_before
  seconds want_renew_at;  // from not_before
  bool want_due;
};

TEST(RenewalPolicy, WindowTable) {
  const WindowCase cases[] = {
      // 90 days, default 30: due at day 60, to the second.
      {"90d default, one second before", 90, 30, 60 * kDay - seconds(1), 60 * kDay, false},
      {"90d default, at the second", 90, 30, 60 * kDay, 60 * kDay, true},
      {"90d day 59", 90, 30, 59 * kDay, 60 * kDay, false},
      {"90d day 61", 90, 30, 61 * kDay, 60 * kDay, true},
      {"90d renew_before 10", 90, 10, 61 * kDay, 80 * kDay, false},
      {"90d renew_before 10 at day 80", 90, 10, 80 * kDay, 80 * kDay, true},
      // The clamp: never earlier than a third of the lifetime remaining.
      {"45d default clamps to day 30", 45, 30, 29 * kDay, 30 * kDay, false},
      {"45d day 30", 45, 30, 30 * kDay, 30 * kDay, true},
      {"398d default", 398, 30, 300 * kDay, 368 * kDay, false},
      {"398d at renew", 398, 30, 368 * kDay, 368 * kDay, true},
      // 10 days or less: half the lifetime.
      {"6d right after issue", 6, 30, seconds(0), 3 * kDay, false},
      {"6d day 2", 6, 30, 2 * kDay, 3 * kDay, false},
      {"6d day 4", 6, 30, 4 * kDay, 3 * kDay, true},
      {"10d is half", 10, 30, 4 * kDay, 5 * kDay, false},
      // renew_before_days longer than the lifetime is clamped, not "always due".
      {"renew_before longer than lifetime", 90, 365, 10 * kDay, 60 * kDay, false},
      {"renew_before zero treated as one day", 90, 0, 88 * kDay, 89 * kDay, false},
  };
  for (const auto& c : cases) {
    const TimePoint not_before = kT0;
    const TimePoint not_after = kT0 + c.lifetime_days * kDay;
    RenewalWindow w = ComputeRenewalWindow(not_before, not_after, c.renew_before_days, kT0 + c.now_offset);
    EXPECT_EQ(w.renew_at, kT0 + c.want_renew_at) << c.name << ": renew_at " << FormatRfc3339(w.renew_at);
    EXPECT_EQ(w.due, c.want_due) << c.name;
  }
}

TEST(RenewalPolicy, NotBeforeInTheFuture) {
  // A certificate whose validity starts later: the window follows not_after and the lifetime.
  const TimePoint not_before = kT0 + 5 * kDay;
  const TimePoint not_after = not_before + 90 * kDay;
  RenewalWindow w = ComputeRenewalWindow(not_before, not_after, 30, kT0);
  EXPECT_EQ(w.renew_at, not_before + 60 * kDay);
  EXPECT_FALSE(w.due);
}

TEST(RenewalPolicy, StatusTable) {
  const TimePoint not_after = kT0 + 90 * kDay;
  struct Case {
    const char* name;
    bool newest;
    TimePoint now;
    CertificateStatus want;
  } cases[] = {
      {"newest valid", true, kT0, CertificateStatus::kActive},
      {"older valid", false, kT0, CertificateStatus::kSuperseded},
      {"older at expiry second", false, not_after, CertificateStatus::kExpired},
      {"newest expired", true, not_after + seconds(1), CertificateStatus::kExpired},
  };
  for (const auto& c : cases) EXPECT_EQ(ComputeCertificateStatus(c.newest, not_after, c.now), c.want) << c.name;
  EXPECT_STREQ(CertificateStatusName(CertificateStatus::kSuperseded), "superseded");
}

TEST(RenewalPolicy, PruneTable) {
  const TimePoint not_after = kT0 + 90 * kDay;
  struct Case {
    const char* name;
    bool newest;
    int64_t grace;
    TimePoint now;
    bool want;
  } cases[] = {
      {"superseded, valid", false, 30, kT0 + 61 * kDay, false},
      {"expired inside grace", false, 30, not_after + 29 * kDay, false},
      {"one second before grace ends", false, 30, not_after + 30 * kDay - seconds(1), false},
      {"grace ended", false, 30, not_after + 30 * kDay, true},
      {"grace zero: at expiry", false, 0, not_after, true},
      {"newest never pruned", true, 30, not_after + 1000 * kDay, false},
      // not_after + grace * day overflowed for large grace and wrapped into the past,
      // so superseded certificates and their keys were pruned at once. It saturates now.
      {"grace 10^15 days", false, 1000000000000000, not_after + 1000 * kDay, false},
      {"grace INT64_MAX days", false, std::numeric_limits<int64_t>::max(), not_after + 1000 * kDay, false},
      {"negative grace counts as zero", false, -5, not_after, true},
  };
  for (const auto& c : cases) EXPECT_EQ(ShouldPrune(c.newest, not_after, c.grace, c.now), c.want) << c.name;
}

TEST(RenewalPolicy, DaysUntilRoundsDown) {
  EXPECT_EQ(DaysUntil(kT0 + 30 * kDay, kT0), 30);
  EXPECT_EQ(DaysUntil(kT0 + 30 * kDay - seconds(1), kT0), 29);
  EXPECT_EQ(DaysUntil(kT0, kT0), 0);
  EXPECT_EQ(DaysUntil(kT0 - seconds(1), kT0), -1);
  EXPECT_EQ(DaysUntil(kT0 - 2 * kDay, kT0), -2);
}

}  // namespace
}  // namespace ionos
