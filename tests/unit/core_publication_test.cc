// Tests for publishing in core/lifecycle/certificate_manager.h: which certificates of an auto
// certificate have a copy in the IONOS Certificate Manager (a FakePublisher), through issuance,
// renewal, pruning, a refresh and deletion, on a FakeClock with the scripted ACME CA.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "core/lifecycle/account_manager.h"
#include "core/lifecycle/certificate_manager.h"
#include "tests/fakes/fake_publisher.h"
#include "tests/fakes/fake_services.h"

namespace ionos {
namespace {

using fakes::FakePublisher;
using fakes::FakeWorld;
using std::chrono::hours;
using ::testing::HasSubstr;

class PublicationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    settings_.dns_api_url = "https://dns.test";
    settings_.publish = true;
    lifecycle_ = NewLifecycle();
    accounts_ = &lifecycle_->accounts();
    manager_ = &lifecycle_->certificates();
    AccountSpec spec{"acme", "admin@example.com", world_.ca.directory_url(), "ecdsa256", std::nullopt};
    Result<AccountRecord> account = accounts_->Register(spec);
    ASSERT_TRUE(account.ok()) << account.status().ToString();
    account_ = *account;
  }

  AutoCertificateRecord Desired(bool publish = true) {
    AutoCertificateRecord r;
    r.provider_id = account_.id;
    r.name = "www";
    r.common_name = "www.example.com";
    r.key_algorithm = "ecdsa256";
    r.renew_before_days = 30;
    r.grace_period_days = 30;
    r.settings = settings_;
    r.settings.publish = publish;
    return r;
  }

  AutoCertificateView Create() {
    Result<AutoCertificateView> view = manager_->Create(Desired());
    EXPECT_TRUE(view.ok()) << view.status().ToString();
    EXPECT_TRUE(view->publish_status.ok()) << view->publish_status.ToString();
    return *view;
  }

  void AtDay(const CertificateSummary& c, int64_t day) { world_.clock.Set(c.not_before + hours(day * 24)); }

  Result<AutoCertificateView> Renew(const AutoCertificateView& v) {
    UpdateIntent intent;
    intent.reissue = true;
    intent.replaces_certificate_id = v.newest->id;
    return manager_->Update(v.record, intent);
  }

  std::string StoredState(const std::string& auto_id, const std::string& certificate_id) {
    const std::vector<PublicationRecord> publications = world_.sqlite->ListPublications(auto_id).value();
    for (const PublicationRecord& p : publications) {
      if (p.certificate_id == certificate_id) return p.state + ":" + p.remote_id;
    }
    return "";
  }

  FakeWorld world_;
  FakePublisher publisher_;
  IssuanceSettings settings_;
  // A process's lifecycle over the world's fakes, publishing into publisher_.
  std::unique_ptr<Lifecycle> NewLifecycle(CertificateManagerOptions options = {}) {
    ServiceFactories factories = world_.Factories();
    factories.new_publisher = fakes::ForwardTo(&publisher_);
    ionos::LifecycleOptions lo = world_.LifecycleOptions(settings_);
    lo.certificate_manager = options;
    return std::make_unique<Lifecycle>(&world_.store, std::move(factories), lo);
  }

  std::unique_ptr<Lifecycle> lifecycle_;
  AccountManager* accounts_ = nullptr;
  CertificateManager* manager_ = nullptr;
  AccountRecord account_;
};

TEST_F(PublicationTest, FirstCertificateIsPublishedUnderItsStoreName) {
  AutoCertificateView view = Create();
  ASSERT_EQ(publisher_.copies().size(), 1u);
  const auto copy = publisher_.copies()[0];
  EXPECT_EQ(copy.copy.name, view.newest->name);
  EXPECT_EQ(copy.copy.serial_number, NormalizeSerial(view.newest->serial_number));
  EXPECT_EQ(copy.private_key_pem, view.newest->private_key_pem);
  EXPECT_EQ(view.NewestPublishedId(), copy.copy.id);
  EXPECT_EQ(StoredState(view.record.id, view.newest->id), "published:" + copy.copy.id);
  // The data source and the listing command show the copy too.
  Result<CertificateView> one = manager_->ViewCertificate(view.newest->id);
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one->published_id, copy.copy.id);
  Result<std::vector<CertificateListing>> rows = manager_->ListCertificates();
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].published_id, copy.copy.id);
}

TEST_F(PublicationTest, UnpublishedAutoCertificateUploadsNothing) {
  Result<AutoCertificateView> view = manager_->Create(Desired(/*publish=*/false));
  ASSERT_TRUE(view.ok());
  EXPECT_TRUE(publisher_.copies().empty());
  EXPECT_EQ(publisher_.publish_calls(), 0);
  EXPECT_EQ(view->NewestPublishedId(), "");
}

TEST_F(PublicationTest, FailedUploadKeepsTheCertificateAndTheNextApplyPublishes) {
  publisher_.FailNextPublish(UnavailableError("503 from the Certificate Manager"));
  Result<AutoCertificateView> view = manager_->Create(Desired());
  ASSERT_TRUE(view.ok()) << view.status().ToString();
  ASSERT_FALSE(view->publish_status.ok());
  EXPECT_THAT(view->publish_status.message(), HasSubstr("the certificate " + view->newest->name +
                                                        " was issued and kept in the store"));
  EXPECT_THAT(view->publish_status.message(), HasSubstr("not published"));
  EXPECT_THAT(view->publish_status.message(), HasSubstr("503 from the Certificate Manager"));
  EXPECT_EQ(world_.StoredCertificates(), 1u);
  EXPECT_EQ(view->NewestPublishedId(), "");
  // The next apply (no re-issue) publishes it.
  Result<AutoCertificateView> next = manager_->Update(view->record, UpdateIntent{});
  ASSERT_TRUE(next.ok()) << next.status().ToString();
  EXPECT_TRUE(next->publish_status.ok());
  ASSERT_EQ(publisher_.copies().size(), 1u);
  EXPECT_EQ(next->NewestPublishedId(), publisher_.copies()[0].copy.id);
}

TEST_F(PublicationTest, UploadWhoseAnswerWasLostIsAdoptedNotRepeated) {
  publisher_.LoseNextAnswer();
  Result<AutoCertificateView> view = manager_->Create(Desired());
  ASSERT_TRUE(view.ok());
  EXPECT_FALSE(view->publish_status.ok());
  EXPECT_THAT(StoredState(view->record.id, view->newest->id), HasSubstr("uploading:"));
  Result<AutoCertificateView> next = manager_->Update(view->record, UpdateIntent{});
  ASSERT_TRUE(next.ok());
  EXPECT_TRUE(next->publish_status.ok()) << next->publish_status.ToString();
  EXPECT_EQ(publisher_.publish_calls(), 1) << "never a second upload";
  ASSERT_EQ(publisher_.copies().size(), 1u);
  EXPECT_EQ(next->NewestPublishedId(), publisher_.copies()[0].copy.id);
}

TEST_F(PublicationTest, RenewalPublishesTheNewOneAndKeepsTheOldCopyThroughTheGracePeriod) {
  AutoCertificateView first = Create();
  AtDay(first.certificates[0].summary, 61);
  Result<AutoCertificateView> renewed = Renew(first);
  ASSERT_TRUE(renewed.ok()) << renewed.status().ToString();
  ASSERT_EQ(publisher_.copies().size(), 2u);
  EXPECT_EQ(renewed->NewestPublishedId(), publisher_.copies()[1].copy.id);
  EXPECT_EQ(publisher_.copies()[1].copy.name, renewed->newest->name);
  EXPECT_EQ(renewed->published_ids.size(), 2u);
}

TEST_F(PublicationTest, PruningDeletesCopiesAndKeepsOneInUseUntilItIsFree) {
  AutoCertificateView first = Create();
  const std::string old_copy = first.NewestPublishedId();
  AtDay(first.certificates[0].summary, 61);
  ASSERT_TRUE(Renew(first).ok());
  publisher_.SetInUse(old_copy, "CDN distribution cdn-1");
  AtDay(first.certificates[0].summary, 130);
  Result<AutoCertificateView> kept = manager_->Update(first.record, UpdateIntent{});
  ASSERT_TRUE(kept.ok()) << kept.status().ToString();
  ASSERT_EQ(kept->warnings.size(), 1u);
  EXPECT_THAT(kept->warnings[0], HasSubstr(first.newest->name));
  EXPECT_THAT(kept->warnings[0], HasSubstr("in use by CDN distribution cdn-1"));
  EXPECT_EQ(world_.StoredCertificates(), 2u) << "the certificate stays with its copy";
  EXPECT_EQ(publisher_.copies().size(), 2u);
  publisher_.SetInUse(old_copy, "");
  Result<AutoCertificateView> freed = manager_->Update(first.record, UpdateIntent{});
  ASSERT_TRUE(freed.ok());
  EXPECT_TRUE(freed->warnings.empty());
  EXPECT_EQ(world_.StoredCertificates(), 1u);
  ASSERT_EQ(publisher_.copies().size(), 1u);
  EXPECT_NE(publisher_.copies()[0].copy.id, old_copy);
}

TEST_F(PublicationTest, RefreshReportsACopyDeletedOutsideAndTheApplyPublishesAgain) {
  AutoCertificateView view = Create();
  publisher_.RemoveOutside(view.NewestPublishedId());
  Result<AutoCertificateView> read = manager_->View(view.record.id);
  ASSERT_TRUE(read.ok());
  Status checked = manager_->CheckPublished(&*read);
  EXPECT_EQ(checked.code(), StatusCode::kNotFound);
  EXPECT_THAT(checked.message(), HasSubstr(view.newest->name));
  EXPECT_EQ(read->NewestPublishedId(), "");
  EXPECT_FALSE(StoredState(view.record.id, view.newest->id).empty()) << "a refresh changes nothing";
  Result<AutoCertificateView> applied = manager_->Update(view.record, UpdateIntent{});
  ASSERT_TRUE(applied.ok());
  ASSERT_EQ(publisher_.copies().size(), 1u);
  EXPECT_EQ(applied->NewestPublishedId(), publisher_.copies()[0].copy.id);
  EXPECT_EQ(publisher_.publish_calls(), 2);
}

TEST_F(PublicationTest, TurningPublishOffDeletesTheCopiesAndOnPublishesTheNewestOnly) {
  AutoCertificateView first = Create();
  AtDay(first.certificates[0].summary, 61);
  Result<AutoCertificateView> renewed = Renew(first);
  ASSERT_TRUE(renewed.ok());
  ASSERT_EQ(publisher_.copies().size(), 2u);
  const int orders = world_.ca.count("newOrder");
  AutoCertificateRecord off = Desired(false);
  off.id = first.record.id;
  Result<AutoCertificateView> unpublished = manager_->Update(off, UpdateIntent{});
  ASSERT_TRUE(unpublished.ok()) << unpublished.status().ToString();
  EXPECT_TRUE(publisher_.copies().empty());
  EXPECT_TRUE(unpublished->published_ids.empty());
  EXPECT_EQ(world_.StoredCertificates(), 2u);
  AutoCertificateRecord on = Desired(true);
  on.id = first.record.id;
  Result<AutoCertificateView> republished = manager_->Update(on, UpdateIntent{});
  ASSERT_TRUE(republished.ok());
  ASSERT_EQ(publisher_.copies().size(), 1u);
  EXPECT_EQ(publisher_.copies()[0].copy.name, renewed->newest->name);
  EXPECT_EQ(world_.ca.count("newOrder"), orders) << "toggling never issues";
}

TEST_F(PublicationTest, TwoProcessesPublishingAtOnceUploadOnce) {
  Result<AutoCertificateView> view = manager_->Create(Desired(/*publish=*/false));
  ASSERT_TRUE(view.ok());
  AutoCertificateRecord on = view->record;
  on.settings.publish = true;
  ASSERT_TRUE(world_.store.UpdateAutoCertificate(on).ok());
  // The fake clock runs while the loser waits for the lock (each retry advances it at once), so
  // the wait may not end before the winner, on a real thread, is done: a bound no run reaches.
  CertificateManagerOptions patient;
  patient.lock_timeout = std::chrono::hours(24 * 365 * 100);
  std::unique_ptr<Lifecycle> one_process = NewLifecycle(patient);
  std::unique_ptr<Lifecycle> other_process = NewLifecycle(patient);
  CertificateManager& one = one_process->certificates();
  CertificateManager& other = other_process->certificates();
  Status a;
  Status b;
  std::thread first([&] { a = one.SyncPublication(on.id, true); });
  std::thread second([&] { b = other.SyncPublication(on.id, true); });
  first.join();
  second.join();
  EXPECT_TRUE(a.ok()) << a.ToString();
  EXPECT_TRUE(b.ok()) << b.ToString();
  EXPECT_EQ(publisher_.publish_calls(), 1);
  EXPECT_EQ(publisher_.copies().size(), 1u);
}

TEST_F(PublicationTest, DeleteRemovesEveryCopyAndARefusalNamesTheCertificateAndItsUser) {
  AutoCertificateView first = Create();
  AtDay(first.certificates[0].summary, 61);
  ASSERT_TRUE(Renew(first).ok());
  publisher_.SetInUse(first.NewestPublishedId(), "Application Load Balancer alb-9");
  Status refused = manager_->Delete(first.record.id);
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(refused.message(), HasSubstr(first.newest->name));
  EXPECT_THAT(refused.message(), HasSubstr("Application Load Balancer alb-9"));
  EXPECT_TRUE(world_.sqlite->GetAutoCertificate(first.record.id).ok()) << "nothing deleted from the store";
  publisher_.SetInUse(first.NewestPublishedId(), "");
  ASSERT_TRUE(manager_->Delete(first.record.id).ok());
  EXPECT_TRUE(publisher_.copies().empty());
  EXPECT_FALSE(world_.sqlite->GetAutoCertificate(first.record.id).ok());
}

}  // namespace
}  // namespace ionos
