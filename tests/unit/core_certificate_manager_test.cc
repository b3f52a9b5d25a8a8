// Tests for core/lifecycle/certificate_manager.h and account_manager.h: the certificate
// lifecycle against a scripted ACME CA, an in-memory DNS provider and a real SQLite store, on a FakeClock.
#include "core/lifecycle/certificate_manager.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "core/crypto/x509.h"
#include "core/lifecycle/account_manager.h"
#include "tests/fakes/fake_services.h"

namespace ionos {
namespace {

using fakes::FakeWorld;
using std::chrono::hours;
using std::chrono::seconds;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;
using ::testing::UnorderedElementsAre;

constexpr int64_t kDay = 24;  // hours

class CertificateManagerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    settings_.dns_api_url = "https://dns.test";
    lifecycle_ = std::make_unique<Lifecycle>(&world_.store, world_.Factories(), world_.LifecycleOptions(settings_));
    accounts_ = &lifecycle_->accounts();
    manager_ = &lifecycle_->certificates();
    AccountSpec spec{"acme", "admin@example.com", world_.ca.directory_url(), "ecdsa256", std::nullopt};
    Result<AccountRecord> account = accounts_->Register(spec);
    ASSERT_TRUE(account.ok()) << account.status().ToString();
    account_ = *account;
  }

  AutoCertificateRecord Desired(const std::string& cn, std::vector<std::string> sans = {}) {
    AutoCertificateRecord r;
    r.provider_id = account_.id;
    r.name = cn;
    r.common_name = cn;
    r.subject_alternative_names = std::move(sans);
    r.key_algorithm = "ecdsa256";
    r.renew_before_days = 30;
    r.grace_period_days = 30;
    r.settings = settings_;
    return r;
  }

  // The fake CA stamps 90-day certificates with the fake clock (valid from an hour before);
  // days count from the certificate's not_before.
  void AtDay(const CertificateSummary& c, int64_t day) { world_.clock.Set(c.not_before + hours(day * kDay)); }

  std::vector<std::string> Ids(const AutoCertificateView& v) {
    std::vector<std::string> out;
    for (const auto& c : v.certificates) out.push_back(c.summary.id);
    return out;
  }

  FakeWorld world_;
  IssuanceSettings settings_;
  std::unique_ptr<Lifecycle> lifecycle_;
  AccountManager* accounts_ = nullptr;
  CertificateManager* manager_ = nullptr;
  AccountRecord account_;
};

// ---------------------------------------------------------------- planning

// One Plan call answers what a plan asks: the account, the names against the zones and the
// profile against the CA (each only when known and changed), and for an update the decision.
TEST_F(CertificateManagerTest, PlanReportsProblemsOfKnownChangedPartsAndDecidesTheUpdate) {
  using Kind = PlanProblem::Kind;
  AutoCertificateRecord bad = Desired("www.example.net", {"www.example.com"});
  bad.provider_id = "no-such-account";
  bad.profile = "shortlived";
  CertificatePlan plan = manager_->Plan(nullptr, bad, {}, KnownParts{});
  ASSERT_EQ(plan.problems.size(), 2u);
  EXPECT_EQ(plan.problems[0].kind, Kind::kUnknownProvider);
  EXPECT_EQ(plan.problems[1].kind, Kind::kNameOutsideZones);
  EXPECT_EQ(plan.problems[1].name, "www.example.net");
  EXPECT_TRUE(plan.problems[1].common_name);
  EXPECT_FALSE(plan.update.has_value()) << "creating";

  // Parts a plan does not know yet are not checked.
  KnownParts unknown;
  unknown.provider_id = false;
  unknown.names = false;
  EXPECT_TRUE(manager_->Plan(nullptr, bad, {}, unknown).problems.empty());

  // An update: unchanged names are not asked about again, and the decision comes with the answer.
  Result<AutoCertificateView> view = manager_->Create(Desired("www.example.com"));
  ASSERT_TRUE(view.ok()) << view.status().ToString();
  std::vector<CertificateSummary> certificates;
  for (const CertificateState& c : view->certificates) certificates.push_back(c.summary);
  AutoCertificateRecord rekeyed = view->record;
  rekeyed.key_algorithm = "rsa2048";
  plan = manager_->Plan(&view->record, rekeyed, certificates, KnownParts{});
  EXPECT_TRUE(plan.problems.empty());
  ASSERT_TRUE(plan.update.has_value());
  EXPECT_NE(plan.update->reissue, ReissueReason::kNone);
  plan = manager_->Plan(&view->record, view->record, certificates, KnownParts{});
  ASSERT_TRUE(plan.update.has_value());
  EXPECT_EQ(plan.update->reissue, ReissueReason::kNone);
  EXPECT_EQ(plan.update->certificates.size(), 1u);
}

// ---------------------------------------------------------------- obtaining

TEST_F(CertificateManagerTest, CreateIssuesStoresAndNamesTheCertificate) {
  Result<AutoCertificateView> view = manager_->Create(Desired("www.example.com", {"example.com"}));
  ASSERT_TRUE(view.ok()) << view.status().ToString();
  ASSERT_EQ(view->certificates.size(), 1u);
  ASSERT_TRUE(view->newest.has_value());
  EXPECT_EQ(view->certificates[0].status, CertificateStatus::kActive);
  EXPECT_THAT(view->newest->name, ::testing::MatchesRegex("www\\.example\\.com-[0-9]{8}T[0-9]{6}Z"));
  EXPECT_EQ(view->newest->key_algorithm, "ecdsa256");
  EXPECT_THAT(InspectCertificate(view->newest->certificate_pem)->dns_names,
              ElementsAre("www.example.com", "example.com"));
  EXPECT_FALSE(view->renewal->due);
  EXPECT_EQ(world_.store.GetAutoCertificate(view->record.id)->settings, settings_);
  EXPECT_TRUE(world_.dns.records().empty()) << "challenge records are removed";
}

TEST_F(CertificateManagerTest, FailedIssuanceStoresNothing) {
  world_.ca.script.rejected_challenges["www.example.com"] = "CAA forbids it";
  Result<AutoCertificateView> view = manager_->Create(Desired("www.example.com"));
  ASSERT_FALSE(view.ok());
  EXPECT_THAT(view.status().message(), HasSubstr("CAA forbids it"));
  EXPECT_TRUE(world_.sqlite->ListAutoCertificates()->empty());
  EXPECT_EQ(world_.StoredCertificates(), 0u);
  EXPECT_TRUE(world_.sqlite->ListPendingDnsRecords()->empty());
}

TEST_F(CertificateManagerTest, CertificateTheStoreCannotKeepTakesItsAutoCertificateAlong) {
  world_.store.FailNext("AddCertificate", UnavailableError("disk full"));
  Result<AutoCertificateView> view = manager_->Create(Desired("www.example.com"));
  ASSERT_FALSE(view.ok());
  EXPECT_EQ(view.status().code(), StatusCode::kUnavailable);
  // The user learns that a certificate was issued and lost, which one, and the cost.
  const std::string message = view.status().message();
  EXPECT_THAT(message, HasSubstr("saving the certificate: the CA issued the certificate with serial "));
  EXPECT_THAT(message, HasSubstr("for www.example.com, but it was not kept"));
  EXPECT_THAT(message, HasSubstr("could not take it (disk full)"));
  EXPECT_THAT(message, HasSubstr("duplicate-certificate limit"));
  EXPECT_THAT(message, MatchesRegex(".*serial [0-9a-f]+ .*"));
  EXPECT_TRUE(world_.sqlite->ListAutoCertificates()->empty()) << "nothing half-written";
}

TEST_F(CertificateManagerTest, RenewalTheStoreCannotKeepNamesTheLostSerial) {
  Result<AutoCertificateView> created = manager_->Create(Desired("www.example.com"));
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  world_.clock.Set(created->certificates[0].summary.not_before + std::chrono::hours(61 * 24));
  world_.store.FailNext("AddCertificate", UnavailableError("cannot connect to the store"));
  Result<RenewOutcome> renewed = manager_->RenewIfDue(created->record.id);
  ASSERT_FALSE(renewed.ok());
  EXPECT_THAT(renewed.status().message(), HasSubstr("the CA issued the certificate with serial "));
  EXPECT_THAT(renewed.status().message(), HasSubstr("not kept"));
  EXPECT_THAT(renewed.status().message(), HasSubstr("cannot connect to the store"));
  EXPECT_THAT(renewed.status().message(), Not(HasSubstr(created->newest->serial_number)))
      << "the serial named is the new one, not the kept one";
}

// Four certificates for one common name in one second get four names.
TEST_F(CertificateManagerTest, NamesStayUniqueWithinOneSecond) {
  std::vector<std::string> names;
  for (int i = 0; i < 4; ++i) {
    AutoCertificateRecord d = Desired("dual.example.com");
    d.name = "dual " + std::to_string(i);
    Result<AutoCertificateView> view = manager_->Create(d);
    ASSERT_TRUE(view.ok()) << view.status().ToString();
    names.push_back(view->newest->name);
  }
  const std::string base = names[0];
  EXPECT_THAT(names, ElementsAre(base, base + "-2", base + "-3", base + "-4"));
}

// ---------------------------------------------------------------- planning

TEST_F(CertificateManagerTest, PlanUpdateTable) {
  Result<AutoCertificateView> created = manager_->Create(Desired("www.example.com"));
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  const AutoCertificateRecord prior = created->record;
  std::vector<CertificateSummary> certs;
  for (const auto& c : created->certificates) certs.push_back(c.summary);
  struct Case {
    const char* name;
    std::function<void(AutoCertificateRecord&)> change;
    int64_t day;
    ReissueReason want;
  };
  const Case cases[] = {
      {"nothing", [](AutoCertificateRecord&) {}, 1, ReissueReason::kNone},
      {"rename alone", [](AutoCertificateRecord& r) { r.name = "renamed"; }, 1, ReissueReason::kNone},
      {"renew_before_days alone", [](AutoCertificateRecord& r) { r.renew_before_days = 10; }, 1,
       ReissueReason::kNone},
      {"grace alone", [](AutoCertificateRecord& r) { r.grace_period_days = 5; }, 1, ReissueReason::kNone},
      {"sans", [](AutoCertificateRecord& r) { r.subject_alternative_names = {"example.com"}; }, 1,
       ReissueReason::kNamesChanged},
      {"sans in another case are the same names",
       [](AutoCertificateRecord& r) { r.common_name = "WWW.example.com."; }, 1, ReissueReason::kNone},
      {"key algorithm", [](AutoCertificateRecord& r) { r.key_algorithm = "rsa2048"; }, 1,
       ReissueReason::kKeyAlgorithm},
      {"provider", [](AutoCertificateRecord& r) { r.provider_id = "other"; }, 1, ReissueReason::kProvider},
      {"profile", [](AutoCertificateRecord& r) { r.profile = "shortlived"; }, 1, ReissueReason::kProfile},
      {"day 59", [](AutoCertificateRecord&) {}, 59, ReissueReason::kNone},
      {"day 61", [](AutoCertificateRecord&) {}, 61, ReissueReason::kRenewalDue},
      {"day 61 with renew_before_days 10", [](AutoCertificateRecord& r) { r.renew_before_days = 10; }, 61,
       ReissueReason::kNone},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    AutoCertificateRecord desired = prior;
    c.change(desired);
    AtDay(certs.front(), c.day);
    UpdatePlan plan = manager_->PlanUpdate(prior, desired, certs);
    EXPECT_EQ(plan.reissue, c.want) << ReissueReasonText(plan.reissue);
    EXPECT_TRUE(plan.prune.empty());
  }
  EXPECT_EQ(manager_->PlanUpdate(prior, prior, {}).reissue, ReissueReason::kNoCertificate);
}

// ---------------------------------------------------------------- renewing and pruning

TEST_F(CertificateManagerTest, RenewalSupersedesThenPrunesOnlyWhenTold) {
  Result<AutoCertificateView> created = manager_->Create(Desired("www.example.com"));
  ASSERT_TRUE(created.ok());
  const CertificateSummary first = created->certificates[0].summary;
  AtDay(first, 61);
  UpdateIntent intent;
  intent.reissue = true;
  intent.replaces_certificate_id = first.id;
  Result<AutoCertificateView> renewed = manager_->Update(created->record, intent);
  ASSERT_TRUE(renewed.ok()) << renewed.status().ToString();
  ASSERT_EQ(renewed->certificates.size(), 2u);
  EXPECT_EQ(renewed->certificates[1].summary.id, first.id);
  EXPECT_EQ(renewed->certificates[1].status, CertificateStatus::kSuperseded);
  EXPECT_NE(renewed->newest->id, first.id);

  // Reading at day 121 (grace over for the first) shows it prune-due but deletes nothing.
  AtDay(first, 121);
  Result<AutoCertificateView> read = manager_->View(created->record.id);
  ASSERT_TRUE(read.ok());
  EXPECT_THAT(read->PruneDue(), ElementsAre(first.id));
  EXPECT_EQ(world_.StoredCertificates(), 2u);

  // Prune deletes what the rules allow, never the newest.
  Result<std::vector<std::string>> pruned =
      manager_->Prune(created->record.id, {first.id, renewed->newest->id});
  ASSERT_TRUE(pruned.ok());
  EXPECT_THAT(*pruned, ElementsAre(first.name));
  EXPECT_EQ(world_.StoredCertificates(), 1u);
}

// Another process renewed between plan and apply: the apply adopts its certificate instead of
// ordering a second one.
TEST_F(CertificateManagerTest, UpdateAdoptsWhatAnotherProcessIssuedMeanwhile) {
  Result<AutoCertificateView> created = manager_->Create(Desired("www.example.com"));
  ASSERT_TRUE(created.ok());
  const std::string planned_to_replace = created->newest->id;
  AtDay(created->certificates[0].summary, 61);
  UpdateIntent intent;
  intent.reissue = true;
  intent.replaces_certificate_id = planned_to_replace;
  // The other process.
  Result<AutoCertificateView> other = manager_->Update(created->record, intent);
  ASSERT_TRUE(other.ok());
  const int orders = world_.ca.count("newOrder");
  // This process, with the same plan.
  Result<AutoCertificateView> mine = manager_->Update(created->record, intent);
  ASSERT_TRUE(mine.ok()) << mine.status().ToString();
  EXPECT_EQ(world_.ca.count("newOrder"), orders) << "no second issuance";
  EXPECT_EQ(mine->newest->id, other->newest->id);
  EXPECT_THAT(world_.logger.All(), HasSubstr("adopting the certificate another process issued meanwhile"));
}

TEST_F(CertificateManagerTest, RenewalWaitsForTheLockAndSaysWhoFor) {
  Result<AutoCertificateView> created = manager_->Create(Desired("www.example.com"));
  ASSERT_TRUE(created.ok());
  AtDay(created->certificates[0].summary, 61);
  LockOptions mine;
  std::unique_ptr<StoreLock> held = world_.sqlite->Lock("auto_certificate/" + created->record.id, mine).value();
  // The lock holder finishes after the renewal has waited a while.
  int sleeps = 0;
  world_.clock.SetOnSleep([&](Duration) {
    if (++sleeps == 3) held.reset();
  });
  UpdateIntent intent;
  intent.reissue = true;
  intent.replaces_certificate_id = created->newest->id;
  Result<AutoCertificateView> renewed = manager_->Update(created->record, intent);
  world_.clock.SetOnSleep(nullptr);
  ASSERT_TRUE(renewed.ok()) << renewed.status().ToString();
  EXPECT_EQ(renewed->certificates.size(), 2u);
  EXPECT_THAT(world_.logger.All(), HasSubstr("waiting for another process that is renewing www.example.com"));
  EXPECT_TRUE(world_.store.held_locks().empty()) << "released after the renewal";
}

// The renew command tells "this run issued" from "another process renewed it while
// this run waited for the lock" (adopted): RenewIfDue says which path it took.
TEST_F(CertificateManagerTest, RenewIfDueSaysAdoptedWhenAnotherProcessRenewedWhileItWaited) {
  Result<AutoCertificateView> created = manager_->Create(Desired("www.example.com"));
  ASSERT_TRUE(created.ok());
  AtDay(created->certificates[0].summary, 61);
  std::unique_ptr<StoreLock> held =
      world_.sqlite->Lock("auto_certificate/" + created->record.id, LockOptions{}).value();
  // While RenewIfDue waits for the lock, the holder lets go and another process renews.
  Result<AutoCertificateView> other = Status(InternalError("the other process did not run"));
  world_.clock.SetOnSleep([&](Duration) {
    if (held == nullptr) return;
    held.reset();
    UpdateIntent intent;
    intent.reissue = true;
    intent.replaces_certificate_id = created->newest->id;
    other = manager_->Update(created->record, intent);
  });
  Result<RenewOutcome> outcome = manager_->RenewIfDue(created->record.id);
  world_.clock.SetOnSleep(nullptr);
  ASSERT_TRUE(other.ok()) << other.status().ToString();
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  EXPECT_EQ(outcome->action, RenewOutcome::Action::kAdopted);
  EXPECT_EQ(outcome->view.newest->id, other->newest->id);
  EXPECT_EQ(outcome->view.certificates.size(), 2u) << "one renewal, not two";

  // Without anyone else, the same call renews itself.
  AtDay(outcome->view.certificates[0].summary, 61);
  Result<RenewOutcome> own = manager_->RenewIfDue(created->record.id);
  ASSERT_TRUE(own.ok()) << own.status().ToString();
  EXPECT_EQ(own->action, RenewOutcome::Action::kRenewed);
}

// renew read the auto certificate, then waited for its lock while an apply added a name and raised
// the grace period and re-issued. Before: renew issued a second certificate with the names it had
// read (the newest lacked the new SAN) and wrote its stale record back (the grace period the user
// raised was undone). Now it re-reads under the lock and adopts the apply's certificate; the
// configuration stays the apply's.
TEST_F(CertificateManagerTest, RenewNeverUndoesAnApplyThatChangedTheNamesWhileItWaited) {
  Result<AutoCertificateView> created = manager_->Create(Desired("www.example.com"));
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  AtDay(created->certificates[0].summary, 61);
  std::unique_ptr<StoreLock> held =
      world_.sqlite->Lock("auto_certificate/" + created->record.id, LockOptions{}).value();
  AutoCertificateRecord changed = created->record;
  changed.subject_alternative_names = {"api.example.com"};
  changed.grace_period_days = 90;
  Result<AutoCertificateView> applied = Status(InternalError("the apply did not run"));
  world_.clock.SetOnSleep([&](Duration) {
    if (held == nullptr) return;
    held.reset();
    UpdateIntent intent;
    intent.reissue = true;
    intent.replaces_certificate_id = created->newest->id;
    applied = manager_->Update(changed, intent);
  });
  const int orders_before = world_.ca.count("newOrder");
  Result<RenewOutcome> outcome = manager_->RenewIfDue(created->record.id);
  world_.clock.SetOnSleep(nullptr);
  ASSERT_TRUE(applied.ok()) << applied.status().ToString();
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();

  EXPECT_EQ(outcome->action, RenewOutcome::Action::kAdopted);
  EXPECT_EQ(world_.ca.count("newOrder") - orders_before, 1) << "one issuance: the apply's";
  EXPECT_EQ(outcome->view.newest->id, applied->newest->id);
  Result<AutoCertificateRecord> stored = world_.sqlite->GetAutoCertificate(created->record.id);
  ASSERT_TRUE(stored.ok());
  EXPECT_THAT(stored->subject_alternative_names, ElementsAre("api.example.com")) << "the apply's names stay";
  EXPECT_EQ(stored->grace_period_days, 90) << "the apply's grace period stays";
}

// Without a concurrent apply, renew issues for the configuration stored at the moment it holds the
// lock, and leaves that configuration as it is.
TEST_F(CertificateManagerTest, RenewIssuesForTheConfigurationStoredWhenItHoldsTheLock) {
  Result<AutoCertificateView> created = manager_->Create(Desired("www.example.com", {"api.example.com"}));
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  AtDay(created->certificates[0].summary, 61);
  Result<RenewOutcome> outcome = manager_->RenewIfDue(created->record.id);
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  EXPECT_EQ(outcome->action, RenewOutcome::Action::kRenewed);
  Result<CertificateRecord> newest = world_.sqlite->GetCertificate(outcome->view.newest->id);
  ASSERT_TRUE(newest.ok());
  Result<CertificateInfo> info = InspectCertificate(newest->certificate_pem);
  ASSERT_TRUE(info.ok());
  EXPECT_THAT(info->dns_names, UnorderedElementsAre("www.example.com", "api.example.com"));
  EXPECT_EQ(world_.sqlite->GetAutoCertificate(created->record.id)->updated_at, created->record.updated_at)
      << "renew does not write the configuration";
}

// A lock in a database session can be lost while the CA works (the session ended). Before: the
// holder stored its certificate as if it still held the lock. Now it asks, takes the lock again,
// re-checks, and stores its certificate when nobody stored one meanwhile.
TEST_F(CertificateManagerTest, ALostLockIsTakenAgainBeforeStoring) {
  Result<AutoCertificateView> created = manager_->Create(Desired("www.example.com"));
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  AtDay(created->certificates[0].summary, 61);
  world_.store.LoseNextLock();
  Result<RenewOutcome> outcome = manager_->RenewIfDue(created->record.id);
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  EXPECT_EQ(outcome->action, RenewOutcome::Action::kRenewed);
  EXPECT_EQ(outcome->view.certificates.size(), 2u);
  EXPECT_THAT(world_.logger.All(), HasSubstr("the store lock was lost while the CA issued; taking it again"));
  EXPECT_TRUE(world_.store.held_locks().empty()) << "released after the renewal";
}

// ... and when another process took the free lock and stored a certificate meanwhile, that one
// stays the newest; the one just issued is reported (its serial), not stored as a second renewal.
TEST_F(CertificateManagerTest, ALostLockDuringWhichAnotherProcessRenewedKeepsTheirCertificate) {
  Result<AutoCertificateView> created = manager_->Create(Desired("www.example.com"));
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  AtDay(created->certificates[0].summary, 61);
  Result<AutoCertificateView> other = Status(InternalError("the other process did not run"));
  world_.store.LoseNextLock([&] {
    UpdateIntent intent;
    intent.reissue = true;
    intent.replaces_certificate_id = created->newest->id;
    other = manager_->Update(created->record, intent);
  });
  Result<RenewOutcome> outcome = manager_->RenewIfDue(created->record.id);
  ASSERT_TRUE(other.ok()) << other.status().ToString();
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  EXPECT_EQ(outcome->action, RenewOutcome::Action::kAdopted);
  EXPECT_EQ(outcome->view.newest->id, other->newest->id);
  EXPECT_EQ(outcome->view.certificates.size(), 2u) << "one renewal stored, not two";
  EXPECT_THAT(world_.logger.All(), HasSubstr("the one just issued is not kept"));
  EXPECT_THAT(world_.logger.All(), HasSubstr("not_kept_serial"));
}

TEST_F(CertificateManagerTest, WaitingForTheLockIsBounded) {
  Result<AutoCertificateView> created = manager_->Create(Desired("www.example.com"));
  ASSERT_TRUE(created.ok());
  std::unique_ptr<StoreLock> held =
      world_.sqlite->Lock("auto_certificate/" + created->record.id, LockOptions{}).value();
  UpdateIntent intent;
  intent.reissue = true;
  intent.replaces_certificate_id = created->newest->id;
  const TimePoint start = world_.clock.Now();
  Result<AutoCertificateView> renewed = manager_->Update(created->record, intent);
  ASSERT_FALSE(renewed.ok());
  EXPECT_EQ(renewed.status().code(), StatusCode::kDeadlineExceeded) << renewed.status().ToString();
  EXPECT_THAT(renewed.status().message(), HasSubstr("renewing www.example.com"));
  EXPECT_EQ(world_.clock.Now() - start, std::chrono::minutes(10));
}

TEST_F(CertificateManagerTest, RenewIfDueRenewsOnlyWhatIsDue) {
  Result<AutoCertificateView> due = manager_->Create(Desired("due.example.com"));
  AutoCertificateRecord late_spec = Desired("late.example.com");
  late_spec.renew_before_days = 10;
  Result<AutoCertificateView> late = manager_->Create(late_spec);
  ASSERT_TRUE(due.ok() && late.ok());
  AtDay(due->certificates[0].summary, 61);
  Result<RenewOutcome> a = manager_->RenewIfDue(due->record.id);
  Result<RenewOutcome> b = manager_->RenewIfDue(late->record.id);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->action, RenewOutcome::Action::kRenewed);
  EXPECT_EQ(b->action, RenewOutcome::Action::kNotDue);
  EXPECT_THAT(b->reason, HasSubstr("renewal is due from"));
  EXPECT_EQ(a->view.certificates.size(), 2u);
  EXPECT_EQ(b->view.certificates.size(), 1u);
}

// ARI (RFC 9773): a chosen moment before the window rule makes renewal due.
TEST_F(CertificateManagerTest, RenewalInfoInTheStoreMakesRenewalDueEarlier) {
  Result<AutoCertificateView> created = manager_->Create(Desired("www.example.com"));
  ASSERT_TRUE(created.ok());
  const CertificateSummary c = created->certificates[0].summary;
  RenewalInfoRecord info;
  info.certificate_id = c.id;
  info.window_start = c.not_before + hours(10 * kDay);
  info.window_end = c.not_before + hours(12 * kDay);
  info.chosen_at = c.not_before + hours(11 * kDay);
  info.explanation_url = "https://ca.test/why";
  ASSERT_TRUE(world_.store.PutRenewalInfo(info).ok());
  AtDay(c, 12);
  Result<AutoCertificateView> view = manager_->View(created->record.id);
  ASSERT_TRUE(view.ok());
  EXPECT_TRUE(view->renewal->due);
  EXPECT_EQ(view->renewal->source, RenewalSource::kAri);
  EXPECT_EQ(view->renewal->explanation_url, "https://ca.test/why");
}

// `renew --dry-run` and `renew` decide alike (PlanRenewal), the CA's renewal information (RFC 9773)
// included: before the CA's window, inside it (where the moment chosen in it decides) and after
// it while the renewal window rule (day 60 of 90) is still far. The dry run stores nothing.
TEST_F(CertificateManagerTest, DryRunAndRenewAgreeWhereOnlyTheCasRenewalWindowDecides) {
  struct Case {
    const char* name;
    int64_t hours_after_not_before;
    std::optional<bool> due;  // nullopt: the moment chosen inside the window decides
  } cases[] = {
      {"before the CA's window", 5 * kDay, false},
      {"early in the CA's window", 10 * kDay + 2, std::nullopt},
      {"in the middle of the CA's window", 11 * kDay, std::nullopt},
      {"late in the CA's window", 12 * kDay - 2, std::nullopt},
      {"after the CA's window, long before the renewal window", 20 * kDay, true},
  };
  // A CA whose directory offers renewalInfo (the directory is read once per process: new issuers).
  const TimePoint start = world_.clock.Now();
  world_.ca.script.renewal_window = fakes::FakeAcmeCaScript::Window{start + hours(100 * kDay), start + hours(101 * kDay)};
  lifecycle_ = std::make_unique<Lifecycle>(&world_.store, world_.Factories(), world_.LifecycleOptions(settings_));
  accounts_ = &lifecycle_->accounts();
  manager_ = &lifecycle_->certificates();
  int n = 0;
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    world_.clock.Set(start);
    Result<AutoCertificateView> created = manager_->Create(Desired("ari" + std::to_string(++n) + ".example.com"));
    ASSERT_TRUE(created.ok()) << created.status().ToString();
    const CertificateSummary first = created->certificates[0].summary;
    world_.ca.script.renewal_window = fakes::FakeAcmeCaScript::Window{first.not_before + hours(10 * kDay),
                                                                      first.not_before + hours(12 * kDay)};
    world_.clock.Set(first.not_before + hours(c.hours_after_not_before));
    const int asked_before = world_.ca.count("renewalInfo");

    Result<RenewalPlan> dry = manager_->PlanRenewal(created->record.id, RenewalInfoUse::kReadOnly);
    ASSERT_TRUE(dry.ok()) << dry.status().ToString();
    EXPECT_EQ(world_.ca.count("renewalInfo"), asked_before + 1) << "the dry run asks the CA";
    Result<std::optional<RenewalInfoRecord>> kept = world_.store.GetRenewalInfo(first.id);
    ASSERT_TRUE(kept.ok());
    EXPECT_FALSE(kept->has_value()) << "a dry run stores nothing";
    if (c.due) {
      EXPECT_EQ(dry->due, *c.due);
    }
    if (dry->due) {
      EXPECT_EQ(dry->reason, "the CA's renewal window has opened");
    } else {
      EXPECT_THAT(dry->reason, MatchesRegex("renewal is due from [-0-9T:]+Z, a moment in the CA's renewal window"));
    }

    Result<RenewOutcome> renewed = manager_->RenewIfDue(created->record.id);
    ASSERT_TRUE(renewed.ok()) << renewed.status().ToString();
    EXPECT_EQ(renewed->action, dry->due ? RenewOutcome::Action::kRenewed : RenewOutcome::Action::kNotDue);
    EXPECT_EQ(renewed->reason, dry->reason);
    EXPECT_EQ(renewed->view.certificates.size(), dry->due ? 2u : 1u);
  }
}

// A refresh reads the store once; the plan after it decides on what the refresh read (ARI
// included) and an account's server is read once per process: a plan of N auto certificates
// against a shared PostgreSQL store costs N round trips (benchmark B6), not 5N.
TEST_F(CertificateManagerTest, ThePlanAfterARefreshDecidesOnWhatTheRefreshRead) {
  Result<AutoCertificateView> created = manager_->Create(Desired("www.example.com"));
  ASSERT_TRUE(created.ok());
  const CertificateSummary c = created->certificates[0].summary;
  RenewalInfoRecord info;
  info.certificate_id = c.id;
  info.window_start = c.not_before + hours(10 * kDay);
  info.window_end = c.not_before + hours(12 * kDay);
  info.chosen_at = c.not_before + hours(11 * kDay);
  info.next_fetch_at = c.not_before + hours(100 * kDay);  // the CA asked not to be asked again yet
  ASSERT_TRUE(world_.store.PutRenewalInfo(info).ok());
  AtDay(c, 12);
  Status ari = InternalError("not set");
  Result<AutoCertificateView> refreshed = manager_->Refresh(created->record.id, &ari);
  ASSERT_TRUE(refreshed.ok()) << refreshed.status().ToString();
  EXPECT_TRUE(ari.ok()) << ari.ToString();
  ASSERT_TRUE(refreshed->renewal.has_value());
  EXPECT_TRUE(refreshed->renewal->due);
  EXPECT_EQ(refreshed->renewal->source, RenewalSource::kAri);
  ASSERT_TRUE(manager_->AccountServer(account_.id).ok());  // the plan's check of provider_id

  for (const char* method : {"GetRenewalInfo", "GetAccount", "GetAutoCertificate", "ListCertificates", "GetCertificate"}) {
    world_.store.FailAlways(method, InternalError(std::string("the plan read the store again: ") + method));
  }
  UpdatePlan plan = manager_->PlanUpdate(created->record, created->record, {c});
  EXPECT_EQ(plan.reissue, ReissueReason::kRenewalDue);
  ASSERT_TRUE(plan.renewal.has_value());
  EXPECT_EQ(plan.renewal->source, RenewalSource::kAri);
  Result<std::string> server = manager_->AccountServer(account_.id);
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  EXPECT_EQ(*server, world_.ca.directory_url());
  EXPECT_EQ(manager_->AccountServer("no-such-account").status().code(), StatusCode::kInternal);
}

// ---------------------------------------------------------------- reading

TEST_F(CertificateManagerTest, DataSourceGivenAnAutoCertificateIdSaysSo) {
  Result<AutoCertificateView> created = manager_->Create(Desired("www.example.com"));
  ASSERT_TRUE(created.ok());
  Result<CertificateView> wrong = manager_->ViewCertificate(created->record.id);
  ASSERT_FALSE(wrong.ok());
  EXPECT_THAT(wrong.status().message(), HasSubstr("is the id of the auto certificate"));
  EXPECT_THAT(wrong.status().message(), HasSubstr("last_issued_certificate_id"));
  Result<CertificateView> right = manager_->ViewCertificate(created->newest->id);
  ASSERT_TRUE(right.ok());
  EXPECT_EQ(right->status, CertificateStatus::kActive);
}

TEST_F(CertificateManagerTest, ReadingNeverWrites) {
  Result<AutoCertificateView> created = manager_->Create(Desired("www.example.com"));
  ASSERT_TRUE(created.ok());
  for (const char* method : {"CreateAccount", "UpdateAccount", "DeleteAccount", "CreateAutoCertificate",
                             "UpdateAutoCertificate", "DeleteAutoCertificate", "AddCertificate",
                             "DeleteCertificate", "NotePendingDnsRecord", "PutRenewalInfo", "Lock"}) {
    world_.store.FailAlways(method, InternalError(std::string("a read called ") + method));
  }
  AtDay(created->certificates[0].summary, 400);
  EXPECT_TRUE(manager_->View(created->record.id).ok());
  EXPECT_TRUE(manager_->ViewCertificate(created->newest->id).ok());
  EXPECT_TRUE(manager_->ListCertificates().ok());
  (void)manager_->PlanUpdate(created->record, created->record, {created->certificates[0].summary});
}

TEST_F(CertificateManagerTest, DeleteIsIdempotent) {
  Result<AutoCertificateView> created = manager_->Create(Desired("www.example.com"));
  ASSERT_TRUE(created.ok());
  EXPECT_TRUE(manager_->Delete(created->record.id).ok());
  EXPECT_TRUE(manager_->Delete(created->record.id).ok());
  EXPECT_EQ(world_.StoredCertificates(), 0u);
}

// ---------------------------------------------------------------- accounts

class AccountManagerTest : public CertificateManagerTest {};

TEST_F(AccountManagerTest, CheckTellsTheCasWordFromFailures) {
  Result<AccountCheck> check = accounts_->Check(account_.id);
  ASSERT_TRUE(check.ok());
  EXPECT_EQ(check->standing, AccountStanding::kValid);

  // The CA is down: keep the account, say why (no "gone" without the CA's word).
  world_.ca.SetUnreachable(true);
  check = accounts_->Check(account_.id);
  ASSERT_TRUE(check.ok());
  EXPECT_EQ(check->standing, AccountStanding::kUnconfirmed);
  EXPECT_THAT(check->detail, HasSubstr("connection failed"));
  world_.ca.SetUnreachable(false);

  // A proxy answering a bare 404 for the account URL: still not the CA's word.
  world_.http.SetHandler([this](const HttpRequest& r) -> Result<HttpResponse> {
    if (r.method == "POST" && r.url == account_.account_url) {
      return fakes::MakeResponse(404, "<html>Not Found</html>", {{"Content-Type", "text/html"}});
    }
    return world_.ca.Handle(r);
  });
  check = accounts_->Check(account_.id);
  world_.ca.Install(&world_.http);
  ASSERT_TRUE(check.ok());
  EXPECT_EQ(check->standing, AccountStanding::kUnconfirmed) << check->detail;
  EXPECT_THAT(check->detail, HasSubstr("not the CA's answer about the account"));

  // The CA was reset: accountDoesNotExist for the URL, confirmed for the key.
  world_.ca.ForgetAccounts();
  check = accounts_->Check(account_.id);
  ASSERT_TRUE(check.ok());
  EXPECT_EQ(check->standing, AccountStanding::kForgotten);
  EXPECT_THAT(check->detail, HasSubstr("no longer knows the account"));
  EXPECT_EQ(world_.ca.account_count(), 0) << "checking created nothing at the CA";
}

TEST_F(AccountManagerTest, UpdateChangesTheContactInPlaceAndRepairsAForgottenAccount) {
  AccountSpec spec{"renamed", "ops@example.com", world_.ca.directory_url(), "ecdsa256", std::nullopt};
  Result<AccountRecord> updated = accounts_->Update(account_.id, spec, AccountStanding::kValid);
  ASSERT_TRUE(updated.ok()) << updated.status().ToString();
  EXPECT_EQ(updated->account_url, account_.account_url);
  EXPECT_THAT(world_.ca.AccountContact(account_.account_url), ElementsAre("mailto:ops@example.com"));

  world_.ca.ForgetAccounts();
  Result<AccountRecord> repaired = accounts_->Update(account_.id, spec, AccountStanding::kForgotten);
  ASSERT_TRUE(repaired.ok()) << repaired.status().ToString();
  EXPECT_EQ(repaired->id, account_.id);
  EXPECT_NE(repaired->account_url, account_.account_url);
  EXPECT_EQ(repaired->private_key_pem, account_.private_key_pem) << "the stored key is registered again";
  EXPECT_EQ(world_.ca.AccountStatus(repaired->account_url), "valid");
  EXPECT_EQ(accounts_->Check(account_.id)->standing, AccountStanding::kValid);
}

TEST_F(AccountManagerTest, DeactivatedAccountIsRepairedWithANewKey) {
  ASSERT_TRUE(accounts_->Deactivate(account_.id).ok());  // deactivates and deletes
  AccountSpec spec{"acme", "admin@example.com", world_.ca.directory_url(), "ecdsa256", std::nullopt};
  Result<AccountRecord> second = accounts_->Register(spec);
  ASSERT_TRUE(second.ok());
  // Deactivate it at the CA behind the store's back.
  PrivateKey key = PrivateKey::FromPem(second->private_key_pem).value();
  ASSERT_TRUE((*lifecycle_->issuers().AcmeClientFor(world_.ca.directory_url(), settings_))
                  ->DeactivateAccount(key, second->account_url)
                  .ok());
  Result<AccountCheck> check = accounts_->Check(second->id);
  ASSERT_TRUE(check.ok());
  EXPECT_EQ(check->standing, AccountStanding::kDeactivated) << check->detail;
  Result<AccountRecord> repaired = accounts_->Update(second->id, spec, check->standing);
  ASSERT_TRUE(repaired.ok()) << repaired.status().ToString();
  EXPECT_NE(repaired->private_key_pem, second->private_key_pem);
  EXPECT_EQ(accounts_->Check(second->id)->standing, AccountStanding::kValid);
}

TEST_F(AccountManagerTest, AnAccountTheStoreCannotKeepIsDeactivatedAgainAndThatIsLogged) {
  world_.store.FailNext("CreateAccount", UnavailableError("database down"));
  AccountSpec spec{"second", "admin@example.com", world_.ca.directory_url(), "ecdsa256", std::nullopt};
  Result<AccountRecord> r = accounts_->Register(spec);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("database down"));
  EXPECT_THAT(world_.logger.All(), HasSubstr("deactivated the new ACME account again"));
}

TEST_F(AccountManagerTest, RegistrationBlamesTheServerWhenTheCaIsDown) {
  world_.ca.SetUnreachable(true);
  AccountArgument blamed = AccountArgument::kNone;
  AccountSpec spec{"x", "admin@example.com", world_.ca.directory_url(), "ecdsa256",
                   AcmeExternalAccountBinding{"kid", "c2VjcmV0"}};
  Result<AccountRecord> r = accounts_->Register(spec, &blamed);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(blamed, AccountArgument::kServer) << "not external_account_binding";
}

}  // namespace
}  // namespace ionos
