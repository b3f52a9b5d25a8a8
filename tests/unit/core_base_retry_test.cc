// Tests for core/base/retry.h: the backoff, the retry budget and the polling loop, all on a
// FakeClock (no test sleeps; the waits the code asked for are asserted).
#include "core/base/retry.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <limits>
#include <string>
#include <vector>

#include "tests/fakes/fake_clock.h"

namespace ionos {
namespace {

using fakes::FakeClock;
using std::chrono::milliseconds;
using std::chrono::seconds;
using ::testing::HasSubstr;

// ---------------------------------------------------------------- BackoffDelay

TEST(BackoffDelayTest, DoublesUpToTheCapWithoutOverflow) {
  struct Case {
    const char* name;
    BackoffPolicy policy;
    int retry;
    Duration want;
  };
  const Case cases[] = {
      {"first retry", {milliseconds(250), seconds(30)}, 0, milliseconds(250)},
      {"second retry", {milliseconds(250), seconds(30)}, 1, milliseconds(500)},
      {"third retry", {milliseconds(250), seconds(30)}, 2, milliseconds(1000)},
      {"capped", {milliseconds(200), seconds(1)}, 5, seconds(1)},
      {"huge retry count saturates", {milliseconds(200), seconds(30)}, 1000000, seconds(30)},
      {"no cap, huge retry count", {milliseconds(1), Duration::max()}, 200, Duration::max()},
      {"zero initial counts as 1ms", {Duration(0), seconds(1)}, 0, milliseconds(1)},
      {"cap below initial", {seconds(2), seconds(1)}, 3, seconds(2)},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(BackoffDelay(c.policy, c.retry), c.want) << c.name;
  }
}

// ---------------------------------------------------------------- RetryBudget

TEST(RetryBudgetTest, TransportRetriesBackOffThenGiveUpWithTheCount) {
  FakeClock clock;
  RetryBudget budget(clock, {3, BackoffPolicy{milliseconds(250), Duration::max()}, seconds(5), Duration(0)});
  std::vector<Duration> waits;
  while (std::optional<Duration> w = budget.NextWait()) {
    waits.push_back(*w);
    ASSERT_TRUE(budget.Wait(*w, nullptr).ok());
  }
  EXPECT_EQ(waits, (std::vector<Duration>{milliseconds(250), milliseconds(500), milliseconds(1000)}));
  EXPECT_EQ(budget.failures(), 4);
  EXPECT_EQ(budget.GiveUpText(), "giving up after 4 attempts in 1.75s");
}

TEST(RetryBudgetTest, TimeBudgetEndsRetriesEarly) {
  FakeClock clock;
  RetryBudget budget(clock, {10, BackoffPolicy{milliseconds(100), seconds(1)}, seconds(5), Duration(0)});
  ASSERT_TRUE(budget.NextWait().has_value());
  clock.Advance(seconds(6));  // an attempt that hung until its timeout
  EXPECT_FALSE(budget.NextWait().has_value());
  EXPECT_EQ(budget.GiveUpText(), "giving up after 2 attempts in 6s");
}

TEST(RetryBudgetTest, ServerWaitReplacesTheBackoffWithinItsCap) {
  FakeClock clock;
  RetryBudget budget(clock, {2, BackoffPolicy{milliseconds(500), milliseconds(500)}, Duration::max(), seconds(10)});
  EXPECT_EQ(budget.NextWait(clock.Now() + seconds(3)), seconds(3));
  EXPECT_EQ(budget.NextWait(clock.Now() - seconds(3)), Duration(0));  // a moment already past
  RetryBudget far(clock, {2, BackoffPolicy{}, Duration::max(), seconds(10)});
  EXPECT_EQ(far.NextWait(clock.Now() + seconds(11)), std::nullopt);  // the caller reports the answer
}

TEST(RetryBudgetTest, ResetStartsAFreshBudget) {
  FakeClock clock;
  RetryBudget budget(clock, {1, BackoffPolicy{milliseconds(100), seconds(1)}, Duration::max(), Duration(0)});
  EXPECT_TRUE(budget.NextWait().has_value());
  EXPECT_FALSE(budget.NextWait().has_value());
  budget.Reset();
  EXPECT_EQ(budget.NextWait(), milliseconds(100));
}

TEST(RetryBudgetTest, WaitEndsOnCancellation) {
  FakeClock clock;
  CancelToken cancel;
  cancel.Cancel();
  RetryBudget budget(clock, {});
  EXPECT_EQ(budget.Wait(seconds(1), &cancel).code(), StatusCode::kCancelled);
}

// ---------------------------------------------------------------- Poll on a FakeClock

struct PollCase {
  std::string name;
  std::vector<std::string> retry_after_seconds;  // per poll answer ("" = none); the last repeats
  int polls_until_done;                          // -1: never
  Duration timeout;
  std::vector<Duration> want_sleeps;
  StatusCode want;
};

void PrintTo(const PollCase& c, std::ostream* os) { *os << c.name; }

class PollTest : public ::testing::TestWithParam<PollCase> {};

TEST_P(PollTest, Waits) {
  const PollCase& c = GetParam();
  FakeClock clock;
  PollOptions options;
  options.timeout = c.timeout;
  int polls = 0;
  const Status st = Poll(clock, nullptr, options, "order https://ca/order/1 to become ready",
                         PollProgress{false, " (last status \"pending\")", std::nullopt}, [&]() -> Result<PollProgress> {
                                ++polls;
                                PollProgress p;
                                p.done = c.polls_until_done >= 0 && polls >= c.polls_until_done;
                                p.detail = " (last status \"pending\")";
                                if (!c.retry_after_seconds.empty()) {
                                  const std::string& ra = c.retry_after_seconds[std::min(
                                      c.retry_after_seconds.size() - 1, static_cast<size_t>(polls - 1))];
                                  if (!ra.empty()) {
                                    p.retry_after = clock.Now() + seconds(std::stoi(ra));
                                  }
                                }
                                return p;
                              });
  EXPECT_EQ(st.code(), c.want) << st.ToString();
  EXPECT_EQ(clock.sleeps(), c.want_sleeps);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, PollTest,
    ::testing::Values(
        PollCase{"done_at_first_poll", {}, 1, std::chrono::minutes(5), {milliseconds(50)}, StatusCode::kOk},
        PollCase{"short_start_doubling_to_one_second",
                 {},
                 8,
                 std::chrono::minutes(5),
                 {milliseconds(50), milliseconds(100), milliseconds(200), milliseconds(400), milliseconds(800),
                  milliseconds(1000), milliseconds(1000), milliseconds(1000)},
                 StatusCode::kOk},
        PollCase{"retry_after_honoured", {"3"}, 3, std::chrono::minutes(5),
                 {milliseconds(50), seconds(3), seconds(3)}, StatusCode::kOk},
        PollCase{"retry_after_capped_at_ten_seconds", {"120"}, 3, std::chrono::minutes(5),
                 {milliseconds(50), seconds(10), seconds(10)}, StatusCode::kOk},
        PollCase{"retry_after_zero_falls_back_to_the_short_interval", {"0"}, 3, std::chrono::minutes(5),
                 {milliseconds(50), milliseconds(50), milliseconds(50)}, StatusCode::kOk},
        PollCase{"retry_after_only_sometimes", {"2", "", "1"}, 4, std::chrono::minutes(5),
                 {milliseconds(50), seconds(2), milliseconds(200), seconds(1)}, StatusCode::kOk},
        PollCase{"timeout_with_final_poll_at_the_deadline", {"2"}, -1, seconds(5),
                 {milliseconds(50), seconds(2), seconds(2), milliseconds(950)}, StatusCode::kDeadlineExceeded}),
    [](const ::testing::TestParamInfo<PollCase>& info) { return info.param.name; });

TEST(PollErrorsTest, TimeoutNamesWhatWasPending) {
  FakeClock clock;
  PollOptions options;  // default: 5 minutes
  const Status st =
      Poll(clock, nullptr, options, "order https://ca/order/1 to become valid", PollProgress{}, [] {
        return Result<PollProgress>(PollProgress{false, " (last status \"processing\")", {}});
      });
  EXPECT_EQ(st.code(), StatusCode::kDeadlineExceeded);
  EXPECT_EQ(st.message(),
            "timed out after 5m0s waiting for order https://ca/order/1 to become valid (last status \"processing\")");
  EXPECT_EQ(clock.total_slept(), std::chrono::minutes(5));
  for (Duration d : clock.sleeps()) {
    EXPECT_LE(d, seconds(1));  // never a multi-second sleep without Retry-After
  }
}

TEST(PollErrorsTest, CancellationStopsTheWait) {
  FakeClock clock;
  CancelToken cancel;
  int polls = 0;
  const Status st = Poll(clock, &cancel, PollOptions{}, "order x", PollProgress{}, [&] {
    if (++polls == 3) {
      cancel.Cancel();
    }
    return Result<PollProgress>(PollProgress{false, "", {}});
  });
  EXPECT_EQ(st.code(), StatusCode::kCancelled) << st.ToString();
  EXPECT_THAT(st.message(), HasSubstr("waiting for order x"));
  EXPECT_EQ(polls, 3);
}

TEST(PollErrorsTest, PollErrorEndsTheWaitUnchanged) {
  FakeClock clock;
  const Status st = Poll(clock, nullptr, PollOptions{}, "x", PollProgress{false, "", clock.Now() + seconds(4)}, [] {
    return Result<PollProgress>(UnavailableError("boom"));
  });
  EXPECT_EQ(st, UnavailableError("boom"));
  EXPECT_EQ(clock.sleeps(), std::vector<Duration>{seconds(4)});  // the first Retry-After was honoured
}

TEST(PollErrorsTest, PollFirstAsksBeforeWaiting) {
  FakeClock clock;
  PollOptions options;
  options.poll_first = true;
  int polls = 0;
  const Status st = Poll(clock, nullptr, options, "record", PollProgress{}, [&] {
    ++polls;
    return Result<PollProgress>(PollProgress{polls == 3, "", {}});
  });
  EXPECT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(clock.sleeps(), (std::vector<Duration>{milliseconds(50), milliseconds(100)}));
}

// ---------------------------------------------------------------- LearnedWait

// A thing that is done `settle` after the wait starts (a record that provisions in 300 ms).
// `poll_first` as a record write's wait polls (at once); an ACME order's waits first.
Status PollSettling(FakeClock& clock, LearnedWait& learned, Duration settle, int* polls, bool poll_first = true) {
  PollOptions options;
  options.poll_first = poll_first;
  options.learned = &learned;
  const TimePoint start = clock.Now();
  *polls = 0;
  return Poll(clock, nullptr, options, "record", PollProgress{}, [&] {
    ++*polls;
    return Result<PollProgress>(PollProgress{clock.Now() - start >= settle, "", {}});
  });
}

TEST(LearnedWaitTest, AfterOneWaitTheNextAsksOnceWhenItIsLikelyDone) {
  FakeClock clock;
  LearnedWait learned;
  int polls = 0;
  // Nothing learned: Poll's own schedule, at once, then 50, 100, 200 ms: done at 350 ms.
  ASSERT_TRUE(PollSettling(clock, learned, milliseconds(300), &polls).ok());
  EXPECT_EQ(polls, 4);
  EXPECT_EQ(clock.sleeps(), (std::vector<Duration>{milliseconds(50), milliseconds(100), milliseconds(200)}));
  EXPECT_EQ(learned.FirstWait(), milliseconds(350));
  // Learned: one poll, at 350 ms; done, so it may have been done much earlier: try 4/5 of that.
  clock.ClearSleeps();
  ASSERT_TRUE(PollSettling(clock, learned, milliseconds(300), &polls).ok());
  EXPECT_EQ(polls, 1);
  EXPECT_EQ(clock.sleeps(), std::vector<Duration>{milliseconds(350)});
  EXPECT_EQ(learned.FirstWait(), milliseconds(280));
  // Too early: followed up in steps of 1/16 of the estimate (17, then 34 ms): not done at 297 ms,
  // done at 331 ms; the estimate becomes the middle, 314 ms.
  clock.ClearSleeps();
  ASSERT_TRUE(PollSettling(clock, learned, milliseconds(300), &polls).ok());
  EXPECT_EQ(polls, 3);
  EXPECT_EQ(clock.sleeps(), (std::vector<Duration>{milliseconds(280), milliseconds(17), milliseconds(34)}));
  EXPECT_EQ(learned.FirstWait(), milliseconds(314));
  // From the first miss on, a hit shrinks the estimate by 1/256 only.
  ASSERT_TRUE(PollSettling(clock, learned, milliseconds(300), &polls).ok());
  EXPECT_EQ(polls, 1);
  EXPECT_EQ(learned.FirstWait(), milliseconds(313));
}

TEST(LearnedWaitTest, ASteadySettleTimeCostsLittleMoreThanOnePollPerWait) {
  FakeClock clock;
  LearnedWait learned;
  int polls = 0;
  int total_polls = 0;
  Duration total_wait{0};
  constexpr int kWaits = 200;
  for (int i = 0; i < kWaits; ++i) {
    const TimePoint start = clock.Now();
    ASSERT_TRUE(PollSettling(clock, learned, milliseconds(300), &polls).ok());
    total_polls += polls;
    total_wait += std::chrono::duration_cast<Duration>(clock.Now() - start);
  }
  // Without learning every wait costs 4 polls and 350 ms.
  // With it: about one wait in ten polls twice (three times at the first miss), and a wait lasts a
  // few milliseconds longer than the thing takes.
  EXPECT_LE(total_polls, kWaits * 23 / 20);
  EXPECT_LE(total_wait / kWaits, milliseconds(310));
  EXPECT_GE(learned.FirstWait(), milliseconds(295));
  EXPECT_LE(learned.FirstWait(), milliseconds(320));
}

TEST(LearnedWaitTest, AFastThingIsFoundOutQuickly) {
  // A CA that validates within 8 ms: Poll's first step is 50 ms; after twelve waits the first poll
  // comes within a few milliseconds of 8.
  FakeClock clock;
  LearnedWait learned;
  int polls = 0;
  int total_polls = 0;
  for (int i = 0; i < 12; ++i) {
    ASSERT_TRUE(PollSettling(clock, learned, milliseconds(8), &polls, /*poll_first=*/false).ok());
    total_polls += polls;
  }
  EXPECT_GE(learned.FirstWait(), milliseconds(8));
  EXPECT_LE(learned.FirstWait(), milliseconds(10));
  EXPECT_LE(total_polls, 14);
}

TEST(LearnedWaitTest, ASlowerWaitIsFollowedAtOnceAndRetryAfterComesFirst) {
  FakeClock clock;
  LearnedWait learned;
  int polls = 0;
  ASSERT_TRUE(PollSettling(clock, learned, milliseconds(300), &polls).ok());
  ASSERT_EQ(learned.FirstWait(), milliseconds(350));
  // Slower now: the learned poll misses, the follow-ups double from 1/16 of it (not done at
  // 497 ms, done at 665 ms), and the estimate jumps up to the middle of those.
  clock.ClearSleeps();
  ASSERT_TRUE(PollSettling(clock, learned, milliseconds(500), &polls).ok());
  EXPECT_EQ(clock.sleeps(), (std::vector<Duration>{milliseconds(350), milliseconds(21), milliseconds(42),
                                                   milliseconds(84), milliseconds(168)}));
  EXPECT_EQ(learned.FirstWait(), milliseconds(581));
  // The other side's Retry-After wins over what was learned.
  clock.ClearSleeps();
  PollOptions options;
  options.learned = &learned;
  ASSERT_TRUE(Poll(clock, nullptr, options, "order", PollProgress{false, "", clock.Now() + seconds(2)}, [] {
                return Result<PollProgress>(PollProgress{true, "", {}});
              }).ok());
  EXPECT_EQ(clock.sleeps(), std::vector<Duration>{seconds(2)});
}

TEST(LearnedWaitTest, OneSlowOutlierMovesTheEstimateAtMostTwofoldAndItComesBack) {
  // A DNS API that provisions in 150 ms, once in 5 s (or a clock that jumped during one wait).
  FakeClock clock;
  LearnedWait learned;
  int polls = 0;
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(PollSettling(clock, learned, milliseconds(150), &polls).ok());
  const Duration steady = learned.FirstWait();
  ASSERT_LE(steady, milliseconds(165));
  ASSERT_TRUE(PollSettling(clock, learned, seconds(5), &polls).ok());
  EXPECT_LE(learned.FirstWait(), 2 * steady);
  // Hits in a row shrink it faster and faster: back near 150 ms within a hundred waits.
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(PollSettling(clock, learned, milliseconds(150), &polls).ok());
  EXPECT_LE(learned.FirstWait(), milliseconds(165));
}

TEST(LearnedWaitTest, AThingThatGotFasterIsFollowedWithinDozensOfWaits) {
  FakeClock clock;
  LearnedWait learned;
  int polls = 0;
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(PollSettling(clock, learned, milliseconds(100), &polls).ok());
  ASSERT_GE(learned.FirstWait(), milliseconds(100));
  int total_polls = 0;
  for (int i = 0; i < 60; ++i) {
    ASSERT_TRUE(PollSettling(clock, learned, milliseconds(20), &polls).ok());
    total_polls += polls;
  }
  EXPECT_LE(learned.FirstWait(), milliseconds(25));
  EXPECT_LE(total_polls, 70);
}

TEST(LearnedWaitTest, ConcurrentWaitsDoneAtTheEstimateShrinkItOnce) {
  LearnedWait learned;
  learned.Learn(milliseconds(350), Duration(0), true);
  // Ten waits that started together all found the record available at their first poll.
  for (int i = 0; i < 10; ++i) {
    learned.Learn(milliseconds(350), milliseconds(350), true);
  }
  EXPECT_EQ(learned.FirstWait(), milliseconds(280));
}

TEST(LearnedWaitTest, WaitsDoneAtOnceLeaveNothingLearned) {
  FakeClock clock;
  LearnedWait learned;
  int polls = 0;
  ASSERT_TRUE(PollSettling(clock, learned, milliseconds(0), &polls).ok());
  EXPECT_EQ(polls, 1);
  EXPECT_EQ(learned.FirstWait(), Duration(0));
  EXPECT_TRUE(clock.sleeps().empty());
}

}  // namespace
}  // namespace ionos
