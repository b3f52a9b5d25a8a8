// Tests for core/store/store_copy.h: copying a store into another, between every pair of backends
// (SQLite and a real PostgreSQL), through the public Store API only.
#include "core/store/store_copy.h"

#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>

#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/store/key_sealing.h"
#include "core/store/store.h"
#include "tests/fakes/fake_clock.h"
#include "tests/unit/store_test_support.h"

namespace ionos {
namespace {

using store_test::Backend;
using store_test::Pem;
using store_test::SampleAccount;
using store_test::SampleAutoCertificate;
using store_test::StoreLocation;
using store_test::T;

const std::string kSourceKey(32, 'F');
const std::string kDestinationKey(32, 'T');

struct Direction {
  Backend from;
  Backend to;
};

std::string DirectionName(const ::testing::TestParamInfo<Direction>& info) {
  auto name = [](Backend b) { return b == Backend::kSqlite ? std::string("Sqlite") : std::string("Postgres"); };
  return name(info.param.from) + "To" + name(info.param.to);
}

class StoreCopyTest : public ::testing::TestWithParam<Direction> {
 protected:
  void SetUp() override {
    from_location_ = StoreLocation::Make(GetParam().from);
    to_location_ = StoreLocation::Make(GetParam().to);
    ASSERT_NE(from_location_, nullptr);
    ASSERT_NE(to_location_, nullptr);
    from_ = Open(*from_location_, kSourceKey);
    to_ = Open(*to_location_, kDestinationKey);
    ASSERT_NE(from_, nullptr);
    ASSERT_NE(to_, nullptr);
  }

  std::unique_ptr<Store> Open(const StoreLocation& location, const std::string& key) {
    StoreOptions options;
    options.encryption_key = key;
    options.clock = &clock_;
    options.random = &random_;
    Result<std::unique_ptr<Store>> store = OpenStore(location.url(), options);
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    return store.ok() ? std::move(store).value() : nullptr;
  }

  CertificateRecord Cert(const std::string& auto_id, const std::string& id, const std::string& common_name) {
    CertificateRecord c = store_test::SampleCertificate(clock_, auto_id, id);
    c.id = id;
    c.name = common_name + "-" + FormatCompactUtc(clock_.Now());
    return c;
  }

  // A source with some of everything, including an auto certificate whose active certificate
  // was pruned and one without certificates.
  void Fill() {
    AccountRecord a1 = SampleAccount("one");
    a1.id = "acct-1";
    a1.name = "Let's Encrypt";
    AccountRecord a2 = SampleAccount("two");
    a2.id = "acct-2";
    a2.name = "ZeroSSL";
    a2.eab_key_id = "";
    ASSERT_TRUE(from_->CreateAccount(a1).ok());
    clock_.Advance(std::chrono::seconds(1));
    ASSERT_TRUE(from_->CreateAccount(a2).ok());

    AutoCertificateRecord www = SampleAutoCertificate("acct-1");
    www.id = "ac-www";
    www.profile = "tlsserver";
    www.settings.dns_api_url = "https://dns.example.test";
    www.settings.dns_resolvers = {"127.0.0.1:53"};
    AutoCertificateRecord api = SampleAutoCertificate("acct-2");
    api.id = "ac-api";
    api.name = "api";
    api.common_name = "api.example.com";
    api.subject_alternative_names = {};
    AutoCertificateRecord empty = SampleAutoCertificate("acct-1");
    empty.id = "ac-empty";
    empty.common_name = "empty.example.com";
    AutoCertificateRecord pruned = SampleAutoCertificate("acct-1");
    pruned.id = "ac-pruned";
    pruned.common_name = "old.example.com";
    for (const auto& ac : {www, api, empty, pruned}) {
      ASSERT_TRUE(from_->CreateAutoCertificate(ac).ok());
    }
    for (const char* id : {"www-1", "www-2", "www-3"}) {
      ASSERT_TRUE(from_->AddCertificate(Cert("ac-www", id, "www.example.com")).ok());
      ASSERT_TRUE(from_->PutRenewalInfo(store_test::SampleRenewalInfo(id, clock_.Now())).ok());
      clock_.Advance(std::chrono::hours(24 * 60));
    }
    ASSERT_TRUE(from_->DeleteCertificate("www-1").ok());  // pruned after its grace period
    ASSERT_TRUE(from_->AddCertificate(Cert("ac-api", "api-1", "api.example.com")).ok());
    // www-3 has a copy in the Certificate Manager; api-1's upload was noted but not finished.
    ASSERT_TRUE(from_->PutPublication({"www-3", kPublicationPublished, "cm-0a1b", {}}).ok());
    ASSERT_TRUE(from_->PutPublication({"api-1", kPublicationUploading, "", {}}).ok());
    ASSERT_TRUE(from_->AddCertificate(Cert("ac-pruned", "old-1", "old.example.com")).ok());
    clock_.Advance(std::chrono::hours(1));
    ASSERT_TRUE(from_->AddCertificate(Cert("ac-pruned", "old-2", "old.example.com")).ok());
    ASSERT_TRUE(from_->DeleteCertificate("old-2").ok());  // the active one, deleted outside the lifecycle

    PendingDnsRecord p1;
    p1.id = "pending-1";
    p1.zone_id = "zone-1";
    p1.zone_name = "example.com";
    p1.record_name = "_acme-challenge.www";
    p1.fqdn = "_acme-challenge.www.example.com";
    p1.value = "digest-1";
    p1.owner = "runner-a/42/boot";
    PendingDnsRecord p2 = p1;
    p2.id = "pending-2";
    p2.fqdn = "_acme-challenge.example.com";
    p2.record_id = "record-7";
    ASSERT_TRUE(from_->NotePendingDnsRecord(p1).ok());
    ASSERT_TRUE(from_->NotePendingDnsRecord(p2).ok());
  }

  // Everything but the timestamps the destination sets itself must be equal.
  void ExpectSameContent(Store& a, Store& b) {
    auto accounts_a = a.ListAccounts();
    auto accounts_b = b.ListAccounts();
    ASSERT_TRUE(accounts_a.ok() && accounts_b.ok());
    ASSERT_EQ(accounts_a->size(), accounts_b->size());
    for (size_t i = 0; i < accounts_a->size(); ++i) {
      auto x = a.GetAccount((*accounts_a)[i].id);
      auto y = b.GetAccount((*accounts_b)[i].id);
      ASSERT_TRUE(x.ok() && y.ok()) << x.status().ToString() << " " << y.status().ToString();
      EXPECT_EQ(x->id, y->id);
      EXPECT_EQ(x->name, y->name);
      EXPECT_EQ(x->email, y->email);
      EXPECT_EQ(x->server, y->server);
      EXPECT_EQ(x->key_algorithm, y->key_algorithm);
      EXPECT_EQ(x->account_url, y->account_url);
      EXPECT_EQ(x->status, y->status);
      EXPECT_EQ(x->private_key_pem, y->private_key_pem);
      EXPECT_EQ(x->eab_key_id, y->eab_key_id);
    }
    auto autos_a = a.ListAutoCertificates();
    auto autos_b = b.ListAutoCertificates();
    ASSERT_TRUE(autos_a.ok() && autos_b.ok());
    ASSERT_EQ(autos_a->size(), autos_b->size());
    for (size_t i = 0; i < autos_a->size(); ++i) {
      const AutoCertificateRecord& x = (*autos_a)[i];
      const AutoCertificateRecord& y = (*autos_b)[i];
      EXPECT_EQ(x.id, y.id);
      EXPECT_EQ(x.provider_id, y.provider_id);
      EXPECT_EQ(x.name, y.name);
      EXPECT_EQ(x.common_name, y.common_name);
      EXPECT_EQ(x.subject_alternative_names, y.subject_alternative_names);
      EXPECT_EQ(x.key_algorithm, y.key_algorithm);
      EXPECT_EQ(x.renew_before_days, y.renew_before_days);
      EXPECT_EQ(x.grace_period_days, y.grace_period_days);
      EXPECT_EQ(x.profile, y.profile);
      EXPECT_EQ(x.settings, y.settings);
      auto certs_a = a.ListCertificates(x.id);
      auto certs_b = b.ListCertificates(y.id);
      ASSERT_TRUE(certs_a.ok() && certs_b.ok());
      ASSERT_EQ(certs_a->size(), certs_b->size()) << x.id;
      for (size_t j = 0; j < certs_a->size(); ++j) {
        const CertificateSummary& c = (*certs_a)[j];
        const CertificateSummary& d = (*certs_b)[j];
        EXPECT_EQ(c.id, d.id) << "same order, newest first";
        EXPECT_EQ(c.name, d.name);
        EXPECT_EQ(c.serial_number, d.serial_number);
        EXPECT_EQ(c.not_before, d.not_before);
        EXPECT_EQ(c.not_after, d.not_after);
        EXPECT_EQ(c.issued_at, d.issued_at);
        EXPECT_EQ(c.fingerprint_sha256, d.fingerprint_sha256);
        EXPECT_EQ(c.key_algorithm, d.key_algorithm);
        if (x.id != "ac-pruned") {
          EXPECT_EQ(c.status, d.status) << c.id;
        }
        auto full_c = a.GetCertificate(c.id);
        auto full_d = b.GetCertificate(d.id);
        ASSERT_TRUE(full_c.ok() && full_d.ok()) << full_c.status().ToString() << " " << full_d.status().ToString();
        EXPECT_EQ(full_c->certificate_pem, full_d->certificate_pem);
        EXPECT_EQ(full_c->chain_pem, full_d->chain_pem);
        EXPECT_EQ(full_c->private_key_pem, full_d->private_key_pem);
        auto info_c = a.GetRenewalInfo(c.id);
        auto info_d = b.GetRenewalInfo(d.id);
        ASSERT_TRUE(info_c.ok() && info_d.ok());
        ASSERT_EQ(info_c->has_value(), info_d->has_value()) << c.id;
        if (info_c->has_value()) {
          EXPECT_EQ((*info_c)->window_start, (*info_d)->window_start);
          EXPECT_EQ((*info_c)->window_end, (*info_d)->window_end);
          EXPECT_EQ((*info_c)->chosen_at, (*info_d)->chosen_at);
          EXPECT_EQ((*info_c)->explanation_url, (*info_d)->explanation_url);
          EXPECT_EQ((*info_c)->fetched_at, (*info_d)->fetched_at);
          EXPECT_EQ((*info_c)->next_fetch_at, (*info_d)->next_fetch_at);
        }
      }
    }
    for (const AutoCertificateRecord& x : *autos_a) {
      auto pub_a = a.ListPublications(x.id);
      auto pub_b = b.ListPublications(x.id);
      ASSERT_TRUE(pub_a.ok() && pub_b.ok()) << pub_a.status().ToString() << " " << pub_b.status().ToString();
      auto key = [](const PublicationRecord& p) { return p.certificate_id + " " + p.state + " " + p.remote_id; };
      std::set<std::string> in_a;
      std::set<std::string> in_b;
      for (const auto& p : *pub_a) in_a.insert(key(p));
      for (const auto& p : *pub_b) in_b.insert(key(p));
      EXPECT_EQ(in_a, in_b) << x.id;
    }
    auto pending_a = a.ListPendingDnsRecords();
    auto pending_b = b.ListPendingDnsRecords();
    ASSERT_TRUE(pending_a.ok() && pending_b.ok());
    ASSERT_EQ(pending_a->size(), pending_b->size());
    for (size_t i = 0; i < pending_a->size(); ++i) {
      const PendingDnsRecord& x = (*pending_a)[i];
      const PendingDnsRecord& y = (*pending_b)[i];
      EXPECT_EQ(x.id, y.id);
      EXPECT_EQ(x.zone_id, y.zone_id);
      EXPECT_EQ(x.zone_name, y.zone_name);
      EXPECT_EQ(x.record_name, y.record_name);
      EXPECT_EQ(x.fqdn, y.fqdn);
      EXPECT_EQ(x.value, y.value);
      EXPECT_EQ(x.record_id, y.record_id);
      EXPECT_EQ(x.owner, y.owner);
    }
  }

  bool DestinationIsEmpty() {
    return to_->ListAccounts()->empty() && to_->ListAutoCertificates()->empty() &&
           to_->ListAllCertificates()->empty() && to_->ListPendingDnsRecords()->empty();
  }

  std::unique_ptr<StoreLocation> from_location_;
  std::unique_ptr<StoreLocation> to_location_;
  fakes::FakeClock clock_{T("2026-03-01T08:00:00Z")};
  SystemRandom random_;
  std::unique_ptr<Store> from_;
  std::unique_ptr<Store> to_;
};

INSTANTIATE_TEST_SUITE_P(Directions, StoreCopyTest,
                         ::testing::Values(Direction{Backend::kSqlite, Backend::kPostgres},
                                           Direction{Backend::kPostgres, Backend::kSqlite},
                                           Direction{Backend::kPostgres, Backend::kPostgres},
                                           Direction{Backend::kSqlite, Backend::kSqlite}),
                         DirectionName);

TEST_P(StoreCopyTest, CopiesEverythingWithIdsAndKeysReencryptedForTheDestination) {
  Fill();
  clock_.Advance(std::chrono::hours(24));
  Result<StoreCopyReport> report = CopyStore(*from_, *to_);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  ExpectSameContent(*from_, *to_);

  // The chain of the copy: newest active, the others superseded; the pruned one's newest is active.
  auto www = to_->ListCertificates("ac-www");
  ASSERT_TRUE(www.ok());
  ASSERT_EQ(www->size(), 2u);
  EXPECT_EQ((*www)[0].id, "www-3");
  EXPECT_EQ((*www)[0].status, kCertificateStatusActive);
  EXPECT_EQ((*www)[1].status, kCertificateStatusSuperseded);
  auto pruned = to_->ListCertificates("ac-pruned");
  ASSERT_TRUE(pruned.ok());
  ASSERT_EQ(pruned->size(), 1u);
  EXPECT_EQ((*pruned)[0].status, kCertificateStatusActive);

  EXPECT_EQ(report->from, from_->Describe());
  EXPECT_EQ(report->to, to_->Describe());
  EXPECT_FALSE(report->dry_run);
  EXPECT_EQ(report->accounts.size(), 2u);
  EXPECT_EQ(report->auto_certificates.size(), 4u);
  EXPECT_EQ(report->certificates.size(), 4u);
  EXPECT_EQ(report->pending_dns_records.size(), 2u);
  EXPECT_EQ(report->renewal_info.size(), 2u);
  EXPECT_EQ(report->publications.size(), 2u);
  ASSERT_EQ(report->notes.size(), 1u);
  EXPECT_NE(report->notes[0].find("\"ac-pruned\" has no active certificate"), std::string::npos) << report->notes[0];
  const std::string text = FormatStoreCopyReport(*report);
  EXPECT_NE(text.find("copied from " + from_->Describe() + " to " + to_->Describe()), std::string::npos) << text;
  EXPECT_NE(text.find("2 accounts: Let's Encrypt (acct-1), ZeroSSL (acct-2)"), std::string::npos) << text;
  EXPECT_NE(text.find("4 certificates with their keys: "), std::string::npos) << text;
  EXPECT_NE(text.find("2 pending DNS records: _acme-challenge.www.example.com (pending-1)"), std::string::npos) << text;
  EXPECT_NE(text.find("2 renewal information records"), std::string::npos) << text;
  EXPECT_NE(text.find("2 published copy records: "), std::string::npos) << text;
  EXPECT_NE(text.find("note: auto certificate \"ac-pruned\""), std::string::npos) << text;
  EXPECT_EQ(text.find("PRIVATE KEY"), std::string::npos) << "no key material in the report";

  // At rest in the destination: sealed with the destination's key, not the source's.
  EXPECT_EQ(to_location_->Query("SELECT substr(private_key, 1, 7) FROM certificates WHERE id = 'www-3'"),
            kEncryptedValuePrefix);
  EXPECT_EQ(to_location_->AtRest().find("keywww-3"), std::string::npos);
  std::unique_ptr<Store> with_source_key = Open(*to_location_, kSourceKey);
  ASSERT_NE(with_source_key, nullptr);
  EXPECT_EQ(with_source_key->GetCertificate("www-3").status().code(), StatusCode::kDataLoss);

  // The source is untouched, and the copy can be copied back into a third store without a key.
  ExpectSameContent(*from_, *to_);
  std::unique_ptr<StoreLocation> back_location = StoreLocation::Make(GetParam().from);
  ASSERT_NE(back_location, nullptr);
  std::unique_ptr<Store> back = Open(*back_location, "");
  ASSERT_NE(back, nullptr);
  ASSERT_TRUE(CopyStore(*to_, *back).ok());
  ExpectSameContent(*from_, *back);
  EXPECT_NE(back_location->AtRest().find("MIIEvkeywww-3"), std::string::npos)
      << "a destination without a store key keeps plaintext, as it would have written it itself";
}

TEST_P(StoreCopyTest, RefusesADestinationHoldingAnyIdOrCertificateNameBeforeWritingAnything) {
  Fill();
  struct Case {
    const char* name;
    std::function<void(Store&)> prepare;
    std::string message_part;
  };
  const std::vector<Case> cases = {
      {"an account id",
       [](Store& to) {
         AccountRecord a = SampleAccount("x");
         a.id = "acct-2";
         ASSERT_TRUE(to.CreateAccount(a).ok());
       },
       "already holds account \"acct-2\""},
      {"a certificate name",
       [&](Store& to) {
         AutoCertificateRecord ac = SampleAutoCertificate();
         ac.id = "ac-other";
         ASSERT_TRUE(to.CreateAutoCertificate(ac).ok());
         auto source = from_->GetCertificate("api-1");
         ASSERT_TRUE(source.ok());
         CertificateRecord c = *source;
         c.id = "other-id";
         c.auto_certificate_id = "ac-other";
         ASSERT_TRUE(to.AddCertificate(c).ok());
       },
       "a certificate named \"api.example.com-"},
      {"a pending DNS record id",
       [](Store& to) {
         PendingDnsRecord p;
         p.id = "pending-2";
         ASSERT_TRUE(to.NotePendingDnsRecord(p).ok());
       },
       "pending DNS record \"pending-2\""},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    to_.reset();
    to_location_ = StoreLocation::Make(GetParam().to);
    ASSERT_NE(to_location_, nullptr);
    to_ = Open(*to_location_, kDestinationKey);
    ASSERT_NE(to_, nullptr);
    c.prepare(*to_);
    const size_t accounts = to_->ListAccounts()->size();
    const size_t autos = to_->ListAutoCertificates()->size();
    const size_t pending = to_->ListPendingDnsRecords()->size();
    Result<StoreCopyReport> report = CopyStore(*from_, *to_);
    ASSERT_FALSE(report.ok());
    EXPECT_EQ(report.status().code(), StatusCode::kAlreadyExists) << report.status().ToString();
    EXPECT_NE(report.status().message().find(c.message_part), std::string::npos) << report.status().message();
    EXPECT_NE(report.status().message().find("nothing was copied"), std::string::npos);
    EXPECT_EQ(to_->ListAccounts()->size(), accounts);
    EXPECT_EQ(to_->ListAutoCertificates()->size(), autos);
    EXPECT_EQ(to_->ListPendingDnsRecords()->size(), pending);
  }
}

TEST_P(StoreCopyTest, DryRunReportsAndWritesNothing) {
  Fill();
  StoreCopyOptions options;
  options.dry_run = true;
  Result<StoreCopyReport> report = CopyStore(*from_, *to_, options);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_TRUE(report->dry_run);
  EXPECT_EQ(report->certificates.size(), 4u);
  EXPECT_EQ(FormatStoreCopyReport(*report).rfind("would copy from ", 0), 0u);
  EXPECT_TRUE(DestinationIsEmpty());
}

TEST_P(StoreCopyTest, UnreadableSourceKeysFailBeforeAnythingIsWritten) {
  Fill();
  std::unique_ptr<Store> wrong_key = Open(*from_location_, std::string(32, 'W'));
  ASSERT_NE(wrong_key, nullptr);
  Result<StoreCopyReport> report = CopyStore(*wrong_key, *to_);
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.status().code(), StatusCode::kDataLoss) << report.status().ToString();
  EXPECT_NE(report.status().message().find("nothing was copied"), std::string::npos);
  EXPECT_NE(report.status().message().find("store_encryption_key"), std::string::npos);
  EXPECT_TRUE(DestinationIsEmpty());
}

// A destination that already holds keys sealed with another key than the one the copy was given:
// the copy would leave a store that needs two keys. Before: it wrote everything, and the
// destination's own keys were found unreadable only later. Now it is refused first, dry run or not.
TEST_P(StoreCopyTest, ADestinationKeyThatDoesNotOpenTheDestinationsKeysIsRefusedFirst) {
  Fill();
  AccountRecord resident = store_test::SampleAccount("resident");
  resident.id = "resident-account";
  ASSERT_TRUE(to_->CreateAccount(resident).ok());  // sealed with kDestinationKey
  std::unique_ptr<Store> other_key = Open(*to_location_, std::string(32, 'O'));
  ASSERT_NE(other_key, nullptr);
  for (bool dry_run : {true, false}) {
    SCOPED_TRACE(dry_run ? "dry run" : "copy");
    StoreCopyOptions options;
    options.dry_run = dry_run;
    Result<StoreCopyReport> report = CopyStore(*from_, *other_key, options);
    ASSERT_FALSE(report.ok());
    EXPECT_EQ(report.status().code(), StatusCode::kFailedPrecondition) << report.status().ToString();
    EXPECT_NE(report.status().message().find("the destination key does not open the keys"), std::string::npos)
        << report.status().message();
    EXPECT_NE(report.status().message().find("nothing was copied"), std::string::npos);
  }
  Result<std::vector<AccountRecord>> accounts = to_->ListAccounts();
  ASSERT_TRUE(accounts.ok());
  EXPECT_EQ(accounts->size(), 1u) << "only the resident account";
  // With the right key the same copy goes through beside the resident account.
  Result<StoreCopyReport> report = CopyStore(*from_, *to_);
  EXPECT_TRUE(report.ok()) << report.status().ToString();
}

// The destination refuses one certificate, after the accounts and the first auto certificates
// went in: the whole copy is rolled back in the destination's transaction. Before: what was written
// was deleted again one by one, which left tombstones (Store::WasDeleted) that made a later
// refresh treat the ids as deleted.
TEST_P(StoreCopyTest, AFailedWriteLeavesTheDestinationAsItWas) {
  Fill();
  if (GetParam().to == Backend::kSqlite) {
    to_location_->Exec(
        "CREATE TRIGGER refuse_api BEFORE INSERT ON certificates WHEN NEW.name LIKE 'api.%' "
        "BEGIN SELECT RAISE(ABORT, 'refused by the test'); END");
  } else {
    to_location_->Exec("ALTER TABLE certificates ADD CONSTRAINT refuse_api CHECK (name NOT LIKE 'api.%')");
  }
  Result<StoreCopyReport> report = CopyStore(*from_, *to_);
  ASSERT_FALSE(report.ok());
  EXPECT_NE(report.status().message().find("store copy: writing into " + to_->Describe()), std::string::npos)
      << report.status().message();
  EXPECT_NE(report.status().message().find("nothing was kept"), std::string::npos) << report.status().message();
  EXPECT_TRUE(DestinationIsEmpty());
  EXPECT_FALSE(to_->WasDeleted("account", "acct-1").value_or(true)) << "no tombstones: nothing was ever committed";
}

// A fault between any two rows (the copy killed, a connection lost, a disk full) leaves a
// destination that already held a record exactly as it was, and the same copy run again then goes
// through. Table over where the fault strikes: before the first row, after the accounts, amid the
// certificates, after the last row (before the commit).
TEST_P(StoreCopyTest, AFaultBetweenRowsLeavesTheDestinationAsItWasAndARerunSucceeds) {
  Fill();
  AccountRecord resident = SampleAccount("resident");
  resident.id = "resident-account";
  ASSERT_TRUE(to_->CreateAccount(resident).ok());
  size_t total_rows = 0;
  {
    // A dry count of the rows: 2 accounts, 4 auto certificates, 4 certificates, 2 renewal
    // information records, 2 pending DNS records, 2 publications.
    StoreCopyOptions dry_run;
    dry_run.dry_run = true;
    Result<StoreCopyReport> dry = CopyStore(*from_, *to_, dry_run);
    ASSERT_TRUE(dry.ok()) << dry.status().ToString();
    total_rows = dry->accounts.size() + dry->auto_certificates.size() + dry->certificates.size() +
                 dry->renewal_info.size() + dry->pending_dns_records.size() + dry->publications.size();
    ASSERT_EQ(total_rows, 16u);
  }
  for (size_t fault_at : {size_t{0}, size_t{2}, size_t{7}, total_rows}) {
    SCOPED_TRACE("fault after " + std::to_string(fault_at) + " rows");
    StoreCopyOptions options;
    size_t seen = 0;
    options.after_each_write = [&](size_t rows) -> Status {
      seen = rows;
      return rows == fault_at ? UnavailableError("fault injected by the test") : Status::Ok();
    };
    Result<StoreCopyReport> report = CopyStore(*from_, *to_, options);
    ASSERT_FALSE(report.ok());
    EXPECT_EQ(seen, fault_at);
    EXPECT_NE(report.status().message().find("fault injected by the test"), std::string::npos)
        << report.status().message();
    EXPECT_NE(report.status().message().find("nothing was kept"), std::string::npos) << report.status().message();
    Result<std::vector<AccountRecord>> accounts = to_->ListAccounts();
    ASSERT_TRUE(accounts.ok());
    ASSERT_EQ(accounts->size(), 1u);
    EXPECT_EQ(accounts->front().id, "resident-account");
    EXPECT_TRUE(to_->ListAutoCertificates()->empty());
    EXPECT_TRUE(to_->ListAllCertificates()->empty());
    EXPECT_TRUE(to_->ListPendingDnsRecords()->empty());
    EXPECT_FALSE(to_->WasDeleted("account", "acct-1").value_or(true));
    EXPECT_FALSE(to_->WasDeleted("certificate", "www-2").value_or(true));
  }
  Result<StoreCopyReport> rerun = CopyStore(*from_, *to_);
  ASSERT_TRUE(rerun.ok()) << rerun.status().ToString();
  EXPECT_EQ(to_->ListAccounts()->size(), 3u);
  EXPECT_EQ(to_->ListAllCertificates()->size(), 4u);
  EXPECT_EQ(to_->ListPendingDnsRecords()->size(), 2u);
  EXPECT_EQ(to_->GetCertificate("www-3")->private_key_pem, from_->GetCertificate("www-3")->private_key_pem);
}

// The process is killed (SIGKILL: no destructor, no rollback of its own) between two rows, after
// seven of them were written, halfway through the certificates. The destination is as it was, and
// the copy run again succeeds. A child process of its own does the copy (with its own connections).
TEST_P(StoreCopyTest, ACopyKilledHalfwayLeavesTheDestinationAsItWas) {
  Fill();
  const std::string from_url = from_location_->url();
  const std::string to_url = to_location_->url();
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    StoreOptions from_options;
    from_options.encryption_key = kSourceKey;
    StoreOptions to_options;
    to_options.encryption_key = kDestinationKey;
    Result<std::unique_ptr<Store>> from = OpenStore(from_url, from_options);
    Result<std::unique_ptr<Store>> to = OpenStore(to_url, to_options);
    if (!from.ok() || !to.ok()) std::_Exit(3);
    StoreCopyOptions options;
    options.after_each_write = [](size_t rows) -> Status {
      if (rows == 7) raise(SIGKILL);
      return Status::Ok();
    };
    (void)CopyStore(**from, **to, options);
    std::_Exit(4);  // not killed: the copy never got that far
  }
  int wstatus = 0;
  ASSERT_EQ(waitpid(child, &wstatus, 0), child);
  ASSERT_TRUE(WIFSIGNALED(wstatus) && WTERMSIG(wstatus) == SIGKILL)
      << "the copy was not killed between rows (exit status " << (WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1)
      << ")";
  EXPECT_TRUE(DestinationIsEmpty());
  EXPECT_FALSE(to_->WasDeleted("account", "acct-1").value_or(true));
  Result<StoreCopyReport> rerun = CopyStore(*from_, *to_);
  ASSERT_TRUE(rerun.ok()) << rerun.status().ToString();
  ExpectSameContent(*from_, *to_);
}

// `store copy` interrupted (SIGINT/SIGTERM trip the command's cancel token) stops
// before its next write and leaves the destination as it found it.
TEST_P(StoreCopyTest, AnInterruptedCopyWritesNothingMoreAndIsCancelled) {
  Fill();
  CancelToken cancel;
  cancel.Cancel();
  StoreCopyOptions options;
  options.cancel = &cancel;
  Result<StoreCopyReport> report = CopyStore(*from_, *to_, options);
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.status().code(), StatusCode::kCancelled) << report.status().ToString();
  EXPECT_NE(report.status().message().find("interrupted"), std::string::npos) << report.status().message();
  EXPECT_TRUE(DestinationIsEmpty());
}

TEST_P(StoreCopyTest, TheSameStoreTwiceIsRefused) {
  Result<StoreCopyReport> report = CopyStore(*from_, *from_);
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace ionos
