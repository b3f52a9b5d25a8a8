// The store conformance suite: the contract of core/store/store.h, run against every backend
// (SQLite in a temporary directory, PostgreSQL in a fresh database of one real server per test
// binary). What only one backend has (file modes, WAL, URL forms, libpq error mapping, TLS,
// outages, round trips) is tested in core_store_sqlite_test.cc and core_store_postgres_test.cc.
//
// Hermetic: time comes from a FakeClock (waiting for a lock costs no real time), nothing sleeps
// and then asserts. The one exception is the lock of a SIGKILLed process, which the operating
// system or the database server frees on its own schedule: that test waits for it with a real
// clock, bounded, and asserts only that the lock is taken.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/base/encoding.h"
#include "core/store/key_sealing.h"
#include "core/store/store.h"
#include "tests/fakes/fake_clock.h"
#include "tests/unit/store_test_support.h"

namespace ionos {
namespace {

using std::chrono::seconds;
using store_test::Backend;
using store_test::Pem;
using store_test::SampleAccount;
using store_test::SampleAutoCertificate;
using store_test::StoreLocation;
using store_test::T;

constexpr int kSchemaVersion = 5;

class StoreConformanceTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    location_ = StoreLocation::Make(GetParam());
    ASSERT_NE(location_, nullptr);
  }

  StoreOptions Options(const std::string& key = "") {
    StoreOptions options;
    options.encryption_key = key;
    options.clock = &clock_;
    options.random = &random_;
    return options;
  }
  Result<std::unique_ptr<Store>> Open(const std::string& key = "") { return OpenStore(url(), Options(key)); }
  std::unique_ptr<Store> MustOpen(const std::string& key = "") {
    Result<std::unique_ptr<Store>> store = Open(key);
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    return store.ok() ? std::move(store).value() : nullptr;
  }
  const std::string& url() const { return location_->url(); }
  std::string Raw(const std::string& sql) const { return location_->Query(sql); }
  void RawExec(const std::string& sql) const { location_->Exec(sql); }

  CertificateRecord Cert(const std::string& auto_certificate_id, const std::string& marker) {
    return store_test::SampleCertificate(clock_, auto_certificate_id, marker);
  }

  // The location outlives the stores a test opens (it drops the PostgreSQL database).
  std::unique_ptr<StoreLocation> location_;
  fakes::FakeClock clock_{T("2026-11-23T01:17:15Z")};
  SystemRandom random_;
};

INSTANTIATE_TEST_SUITE_P(Backends, StoreConformanceTest,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres), store_test::BackendName);

// ------------------------------------------------------------------ schema

TEST_P(StoreConformanceTest, MigratesAnEmptyDatabaseAndRecordsEveryVersion) {
  {
    auto store = MustOpen();
    ASSERT_NE(store, nullptr);
    EXPECT_EQ(Raw("SELECT version FROM schema_version ORDER BY version"), "1,2,3,4,5");
    for (const char* table :
         {"accounts", "auto_certificates", "certificates", "pending_dns_records", "deleted_records", "renewal_info"}) {
      EXPECT_EQ(Raw(std::string("SELECT count(*) FROM ") + table), "0") << table;
    }
  }
  // Re-opening an up-to-date store applies nothing twice.
  ASSERT_NE(MustOpen(), nullptr);
  EXPECT_EQ(Raw("SELECT count(*) FROM schema_version"), std::to_string(kSchemaVersion));
}

TEST_P(StoreConformanceTest, ConcurrentOpenersOfANewStoreMigrateOnce) {
  constexpr int kOpeners = 6;
  std::vector<Status> results(kOpeners);
  std::vector<std::thread> threads;
  for (int i = 0; i < kOpeners; ++i) {
    threads.emplace_back([&, i] {
      Result<std::unique_ptr<Store>> store = Open();
      results[static_cast<size_t>(i)] = store.status();
      if (store.ok()) {
        results[static_cast<size_t>(i)] = (*store)->ListAccounts().status();
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  for (const Status& s : results) {
    EXPECT_TRUE(s.ok()) << s.ToString();
  }
  EXPECT_EQ(Raw("SELECT version FROM schema_version ORDER BY version"), "1,2,3,4,5");
}

TEST_P(StoreConformanceTest, NewerSchemaIsRefused) {
  std::string describe;
  {
    auto store = MustOpen();
    ASSERT_NE(store, nullptr);
    describe = store->Describe();
  }
  RawExec("INSERT INTO schema_version (version, applied_at) VALUES (99, '2030-01-01T00:00:00Z')");
  Result<std::unique_ptr<Store>> store = Open();
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kFailedPrecondition);
  const std::string m = store.status().message();
  EXPECT_NE(m.find("was written by a newer version"), std::string::npos) << m;
  EXPECT_NE(m.find("schema 99, this provider knows " + std::to_string(kSchemaVersion)), std::string::npos) << m;
  EXPECT_NE(m.find("upgrade the provider"), std::string::npos) << m;
  EXPECT_NE(m.find("store at " + describe), std::string::npos) << "names the store: " << m;
}

TEST_P(StoreConformanceTest, MustExistOpensOnlyAnExistingStoreAndCreatesNothing) {
  StoreOptions options = Options();
  options.must_exist = true;
  Result<std::unique_ptr<Store>> missing = OpenStore(url(), options);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound) << missing.status().ToString();
  EXPECT_NE(missing.status().message().find("there is no store at "), std::string::npos) << missing.status().message();
  EXPECT_FALSE(location_->HasAnything()) << "nothing is created";

  ASSERT_NE(MustOpen(), nullptr);  // now it exists
  Result<std::unique_ptr<Store>> existing = OpenStore(url(), options);
  ASSERT_TRUE(existing.ok()) << existing.status().ToString();
  EXPECT_TRUE((*existing)->ListAutoCertificates().ok());
}

TEST_P(StoreConformanceTest, ReopenKeepsEverything) {
  std::string account_id;
  std::string auto_id;
  std::string cert_id;
  std::string pending_id;
  {
    auto store = MustOpen();
    ASSERT_NE(store, nullptr);
    auto account = store->CreateAccount(SampleAccount());
    ASSERT_TRUE(account.ok());
    account_id = account->id;
    auto ac = store->CreateAutoCertificate(SampleAutoCertificate(account_id));
    ASSERT_TRUE(ac.ok());
    auto_id = ac->id;
    auto cert = store->AddCertificate(Cert(auto_id, "1"));
    ASSERT_TRUE(cert.ok());
    cert_id = cert->id;
    PendingDnsRecord p;
    p.zone_id = "z1";
    p.fqdn = "_acme-challenge.www.example.com";
    auto noted = store->NotePendingDnsRecord(p);
    ASSERT_TRUE(noted.ok());
    pending_id = noted->id;
  }
  auto store = MustOpen();
  ASSERT_NE(store, nullptr);
  EXPECT_TRUE(store->GetAccount(account_id).ok());
  EXPECT_TRUE(store->GetAutoCertificate(auto_id).ok());
  auto cert = store->GetCertificate(cert_id);
  ASSERT_TRUE(cert.ok());
  EXPECT_EQ(cert->private_key_pem, Pem("PRIVATE KEY", "key1"));
  auto pending = store->ListPendingDnsRecords();
  ASSERT_TRUE(pending.ok());
  ASSERT_EQ(pending->size(), 1u);
  EXPECT_EQ((*pending)[0].id, pending_id);
}

TEST_P(StoreConformanceTest, DeletedIdsAreRememberedNeverKnownOnesAreNot) {
  auto store = MustOpen();
  ASSERT_NE(store, nullptr);
  auto account = store->CreateAccount(SampleAccount("gone"));
  ASSERT_TRUE(account.ok());
  auto before = store->WasDeleted("account", account->id);
  ASSERT_TRUE(before.ok());
  EXPECT_FALSE(*before);
  ASSERT_TRUE(store->DeleteAccount(account->id).ok());
  auto after = store->WasDeleted("account", account->id);
  ASSERT_TRUE(after.ok());
  EXPECT_TRUE(*after) << "a deleted account leaves a tombstone";
  auto never = store->WasDeleted("account", "00000000-0000-4000-8000-000000000000");
  ASSERT_TRUE(never.ok());
  EXPECT_FALSE(*never) << "an id this store never knew is not reported as deleted";
  auto other_kind = store->WasDeleted("certificate", account->id);
  ASSERT_TRUE(other_kind.ok());
  EXPECT_FALSE(*other_kind);

  // Certificates deleted with their auto certificate leave tombstones too.
  auto ac = store->CreateAutoCertificate(SampleAutoCertificate());
  ASSERT_TRUE(ac.ok());
  auto cert = store->AddCertificate(Cert(ac->id, "t"));
  ASSERT_TRUE(cert.ok());
  ASSERT_TRUE(store->DeleteAutoCertificate(ac->id).ok());
  EXPECT_TRUE(store->WasDeleted("auto_certificate", ac->id).value_or(false));
  EXPECT_TRUE(store->WasDeleted("certificate", cert->id).value_or(false));
}

// ------------------------------------------------------------------ accounts

TEST_P(StoreConformanceTest, AccountCrud) {
  auto store = MustOpen();
  ASSERT_NE(store, nullptr);
  const TimePoint t0 = clock_.Now();
  Result<AccountRecord> created = store->CreateAccount(SampleAccount("one"));
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  EXPECT_EQ(created->id.size(), 36u) << "a UUID is assigned";
  EXPECT_EQ(created->created_at, t0);
  EXPECT_EQ(created->updated_at, t0);

  Result<AccountRecord> got = store->GetAccount(created->id);
  ASSERT_TRUE(got.ok());
  const AccountRecord want = SampleAccount("one");
  EXPECT_EQ(got->id, created->id);
  EXPECT_EQ(got->name, want.name);
  EXPECT_EQ(got->email, want.email);
  EXPECT_EQ(got->server, want.server);
  EXPECT_EQ(got->key_algorithm, want.key_algorithm);
  EXPECT_EQ(got->account_url, want.account_url);
  EXPECT_EQ(got->status, want.status);
  EXPECT_EQ(got->private_key_pem, want.private_key_pem);
  EXPECT_EQ(got->eab_key_id, want.eab_key_id);
  EXPECT_EQ(got->created_at, t0);

  clock_.Advance(seconds(90));
  AccountRecord change = *got;
  change.name = "renamed";
  change.email = "new@example.com";
  change.private_key_pem.clear();  // keep the key
  Result<AccountRecord> renamed = store->UpdateAccount(change);
  ASSERT_TRUE(renamed.ok()) << renamed.status().ToString();
  EXPECT_EQ(renamed->name, "renamed");
  EXPECT_EQ(renamed->email, "new@example.com");
  EXPECT_EQ(renamed->created_at, t0);
  EXPECT_EQ(renamed->updated_at, t0 + seconds(90));
  EXPECT_EQ(renamed->private_key_pem, want.private_key_pem);
  EXPECT_EQ(renamed->key_algorithm, want.key_algorithm);

  clock_.Advance(seconds(10));
  change.status = "valid";
  change.account_url = "https://ca.test/acct/again";
  change.private_key_pem = Pem("EC PRIVATE KEY", "new key");
  change.key_algorithm = "ecdsa384";
  Result<AccountRecord> rekeyed = store->UpdateAccount(change);
  ASSERT_TRUE(rekeyed.ok());
  EXPECT_EQ(rekeyed->account_url, "https://ca.test/acct/again");
  EXPECT_EQ(rekeyed->private_key_pem, Pem("EC PRIVATE KEY", "new key"));
  EXPECT_EQ(rekeyed->key_algorithm, "ecdsa384");
  EXPECT_EQ(rekeyed->updated_at, t0 + seconds(100));
  EXPECT_EQ(store->GetAccount(created->id)->private_key_pem, Pem("EC PRIVATE KEY", "new key"));

  for (auto mutate : std::vector<std::function<void(AccountRecord&)>>{
           [](AccountRecord& a) { a.server = "https://elsewhere.test/dir"; },
           [](AccountRecord& a) { a.eab_key_id = "kid-2"; }}) {
    AccountRecord bad = change;
    bad.name = "not applied";
    mutate(bad);
    EXPECT_EQ(store->UpdateAccount(bad).status().code(), StatusCode::kInvalidArgument)
        << "the server and EAB of an account never change";
    EXPECT_EQ(store->GetAccount(created->id)->name, "renamed");
  }

  AccountRecord second = SampleAccount("two");
  second.id = "my-own-id";
  Result<AccountRecord> second_created = store->CreateAccount(second);
  ASSERT_TRUE(second_created.ok());
  EXPECT_EQ(second_created->id, "my-own-id");

  Result<std::vector<AccountRecord>> all = store->ListAccounts();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].id, created->id) << "oldest first";
  EXPECT_EQ((*all)[1].id, "my-own-id");
  EXPECT_EQ((*all)[0].private_key_pem, "") << "listings carry no key";
  EXPECT_EQ((*all)[1].private_key_pem, "") << "listings carry no key";
  EXPECT_EQ((*all)[1].name, second.name);
  EXPECT_EQ((*all)[1].created_at, t0 + seconds(100));

  ASSERT_TRUE(store->DeleteAccount(created->id).ok());
  EXPECT_EQ(store->GetAccount(created->id).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store->DeleteAccount(created->id).code(), StatusCode::kNotFound);
  all = store->ListAccounts();
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 1u);
}

TEST_P(StoreConformanceTest, ListingsAreOldestFirstWithinOneSecond) {
  auto store = MustOpen();
  ASSERT_NE(store, nullptr);
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    AccountRecord a = SampleAccount(std::to_string(i));
    a.id = "acct-" + std::string(1, static_cast<char>('e' - i));  // ids sort the other way round
    ASSERT_TRUE(store->CreateAccount(a).ok());
    ids.push_back(a.id);
    AutoCertificateRecord ac = SampleAutoCertificate();
    ac.id = "ac-" + std::string(1, static_cast<char>('e' - i));
    ASSERT_TRUE(store->CreateAutoCertificate(ac).ok());
  }
  auto accounts = store->ListAccounts();
  ASSERT_TRUE(accounts.ok());
  std::vector<std::string> listed;
  for (const auto& a : *accounts) {
    listed.push_back(a.id);
  }
  EXPECT_EQ(listed, ids);
  auto autos = store->ListAutoCertificates();
  ASSERT_TRUE(autos.ok());
  ASSERT_EQ(autos->size(), 5u);
  EXPECT_EQ((*autos)[0].id, "ac-e");
  EXPECT_EQ((*autos)[4].id, "ac-a");
}

TEST_P(StoreConformanceTest, DuplicateIdsAreAlreadyExists) {
  auto store = MustOpen();
  ASSERT_NE(store, nullptr);
  AccountRecord a = SampleAccount();
  a.id = "dup";
  ASSERT_TRUE(store->CreateAccount(a).ok());
  Status again = store->CreateAccount(a).status();
  EXPECT_EQ(again.code(), StatusCode::kAlreadyExists) << again.ToString();
  EXPECT_NE(again.message().find(store->Describe()), std::string::npos) << again.message();

  AutoCertificateRecord ac = SampleAutoCertificate();
  ac.id = "dup";
  ASSERT_TRUE(store->CreateAutoCertificate(ac).ok());
  EXPECT_EQ(store->CreateAutoCertificate(ac).status().code(), StatusCode::kAlreadyExists);

  CertificateRecord c = Cert("dup", "1");
  c.id = "dup";
  ASSERT_TRUE(store->AddCertificate(c).ok());
  CertificateRecord same_id = Cert("dup", "2");
  same_id.id = "dup";
  EXPECT_EQ(store->AddCertificate(same_id).status().code(), StatusCode::kAlreadyExists);

  PendingDnsRecord p;
  p.id = "dup";
  ASSERT_TRUE(store->NotePendingDnsRecord(p).ok());
  EXPECT_EQ(store->NotePendingDnsRecord(p).status().code(), StatusCode::kAlreadyExists);
}

TEST_P(StoreConformanceTest, CertificateNamesAreUnique) {
  auto store = MustOpen();
  ASSERT_NE(store, nullptr);
  auto first_ac = store->CreateAutoCertificate(SampleAutoCertificate());
  AutoCertificateRecord other = SampleAutoCertificate();
  other.common_name = "api.example.com";
  auto second_ac = store->CreateAutoCertificate(other);
  ASSERT_TRUE(first_ac.ok());
  ASSERT_TRUE(second_ac.ok());
  CertificateRecord a = Cert(first_ac->id, "1");
  ASSERT_TRUE(store->AddCertificate(a).ok());
  // The same name again, even for another auto certificate: refused, and nothing superseded.
  CertificateRecord b = Cert(first_ac->id, "2");
  b.name = a.name;
  Result<CertificateRecord> clash = store->AddCertificate(b);
  ASSERT_FALSE(clash.ok());
  EXPECT_EQ(clash.status().code(), StatusCode::kAlreadyExists);
  CertificateRecord c = Cert(second_ac->id, "3");
  c.name = a.name;
  EXPECT_EQ(store->AddCertificate(c).status().code(), StatusCode::kAlreadyExists);
  auto listed = store->ListCertificates(first_ac->id);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].status, kCertificateStatusActive);
}

TEST_P(StoreConformanceTest, MissingIdsAreNotFoundNamingTheStoreTable) {
  auto store = MustOpen();
  ASSERT_NE(store, nullptr);
  const std::string id = "no-such-id";
  AutoCertificateRecord ac = SampleAutoCertificate();
  ac.id = id;
  struct Case {
    const char* name;
    std::function<Status()> call;
    const char* kind;
  };
  const std::vector<Case> cases = {
      {"GetAccount", [&] { return store->GetAccount(id).status(); }, "account"},
      {"UpdateAccount", [&] { AccountRecord a; a.id = id; return store->UpdateAccount(a).status(); }, "account"},
      {"DeleteAccount", [&] { return store->DeleteAccount(id); }, "account"},
      {"GetAutoCertificate", [&] { return store->GetAutoCertificate(id).status(); }, "auto certificate"},
      {"UpdateAutoCertificate", [&] { return store->UpdateAutoCertificate(ac).status(); }, "auto certificate"},
      {"DeleteAutoCertificate", [&] { return store->DeleteAutoCertificate(id); }, "auto certificate"},
      {"AddCertificate", [&] { return store->AddCertificate(Cert(id, "x")).status(); }, "auto certificate"},
      {"GetCertificate", [&] { return store->GetCertificate(id).status(); }, "certificate"},
      {"ListCertificates", [&] { return store->ListCertificates(id).status(); }, "auto certificate"},
      {"PutRenewalInfo", [&] { RenewalInfoRecord r; r.certificate_id = id; return store->PutRenewalInfo(r); },
       "certificate"},
      {"DeleteCertificate", [&] { return store->DeleteCertificate(id); }, "certificate"},
      {"SetPendingDnsRecordId", [&] { return store->SetPendingDnsRecordId(id, "r"); }, "pending DNS record"},
      {"RemovePendingDnsRecord", [&] { return store->RemovePendingDnsRecord(id); }, "pending DNS record"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    Status s = c.call();
    EXPECT_EQ(s.code(), StatusCode::kNotFound) << s.ToString();
    const std::string expected = std::string(c.kind) + " \"" + id + "\" is not in the store " + store->Describe();
    EXPECT_NE(s.message().find(expected), std::string::npos) << s.message();
  }
  Result<std::optional<RenewalInfoRecord>> none = store->GetRenewalInfo(id);
  ASSERT_TRUE(none.ok()) << "no renewal information is not an error";
  EXPECT_FALSE(none->has_value());
}

// ------------------------------------------------------------------ auto certificates

TEST_P(StoreConformanceTest, AutoCertificateCrud) {
  auto store = MustOpen();
  ASSERT_NE(store, nullptr);
  const TimePoint t0 = clock_.Now();
  Result<AutoCertificateRecord> created = store->CreateAutoCertificate(SampleAutoCertificate());
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  AutoCertificateRecord no_sans = SampleAutoCertificate();
  no_sans.subject_alternative_names.clear();
  no_sans.common_name = "api.example.com";
  clock_.Advance(seconds(1));
  Result<AutoCertificateRecord> second = store->CreateAutoCertificate(no_sans);
  ASSERT_TRUE(second.ok());

  Result<AutoCertificateRecord> got = store->GetAutoCertificate(created->id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->provider_id, "provider-1");
  EXPECT_EQ(got->name, "www");
  EXPECT_EQ(got->common_name, "www.example.com");
  EXPECT_EQ(got->subject_alternative_names,
            (std::vector<std::string>{"www.example.com", "example.com", "*.api.example.com"}));
  EXPECT_EQ(got->key_algorithm, "rsa2048");
  EXPECT_EQ(got->renew_before_days, 30);
  EXPECT_EQ(got->grace_period_days, 14);
  EXPECT_EQ(got->created_at, t0);
  EXPECT_EQ(got->updated_at, t0);
  EXPECT_EQ(got->profile, "");
  EXPECT_EQ(got->settings, IssuanceSettings{});
  Result<AutoCertificateRecord> got_second = store->GetAutoCertificate(second->id);
  ASSERT_TRUE(got_second.ok());
  EXPECT_TRUE(got_second->subject_alternative_names.empty());

  clock_.Advance(seconds(60));
  AutoCertificateRecord change = *got;
  change.name = "www (prod)";
  change.subject_alternative_names = {"www.example.com"};
  change.key_algorithm = "ecdsa384";
  change.renew_before_days = 10;
  change.grace_period_days = 0;
  Result<AutoCertificateRecord> updated = store->UpdateAutoCertificate(change);
  ASSERT_TRUE(updated.ok()) << updated.status().ToString();
  EXPECT_EQ(updated->name, "www (prod)");
  EXPECT_EQ(updated->subject_alternative_names, std::vector<std::string>{"www.example.com"});
  EXPECT_EQ(updated->key_algorithm, "ecdsa384");
  EXPECT_EQ(updated->renew_before_days, 10);
  EXPECT_EQ(updated->grace_period_days, 0);
  EXPECT_EQ(updated->created_at, t0);
  EXPECT_EQ(updated->updated_at, t0 + seconds(61));
  got = store->GetAutoCertificate(created->id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->name, "www (prod)");

  AutoCertificateRecord moved = *got;
  moved.provider_id = "provider-2";
  moved.profile = "tlsserver";
  moved.settings.dns_api_url = "https://dns.example.test";
  moved.settings.dns_resolvers = {"127.0.0.1:53"};
  moved.settings.ca_certificates_pem = Pem("CERTIFICATE", "root");
  moved.settings.propagation_timeout = std::chrono::seconds(90);
  Result<AutoCertificateRecord> moved_back = store->UpdateAutoCertificate(moved);
  ASSERT_TRUE(moved_back.ok()) << "another account re-issues in place";
  EXPECT_EQ(moved_back->settings, moved.settings);
  EXPECT_EQ(store->GetAutoCertificate(created->id)->provider_id, "provider-2");
  EXPECT_EQ(store->GetAutoCertificate(created->id)->profile, "tlsserver");
  EXPECT_EQ(store->GetAutoCertificate(created->id)->settings, moved.settings);
  ASSERT_TRUE(store->UpdateAutoCertificate(*got).ok());

  AutoCertificateRecord bad = *got;
  bad.name = "should not be applied";
  bad.common_name = "other.example.com";
  Result<AutoCertificateRecord> refused = store->UpdateAutoCertificate(bad);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(refused.status().message().find("common_name"), std::string::npos);
  EXPECT_EQ(store->GetAutoCertificate(created->id)->name, "www (prod)") << "nothing changed";

  Result<std::vector<AutoCertificateRecord>> all = store->ListAutoCertificates();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].id, created->id);
  EXPECT_EQ((*all)[1].id, second->id);
  EXPECT_EQ((*all)[0].subject_alternative_names, std::vector<std::string>{"www.example.com"});

  ASSERT_TRUE(store->DeleteAutoCertificate(second->id).ok());
  EXPECT_EQ(store->GetAutoCertificate(second->id).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store->DeleteAutoCertificate(second->id).code(), StatusCode::kNotFound);
  EXPECT_EQ(store->ListAutoCertificates()->size(), 1u);
}

// ------------------------------------------------------------------ certificates

TEST_P(StoreConformanceTest, AddCertificateSupersedesThePreviousActiveOne) {
  auto store = MustOpen();
  ASSERT_NE(store, nullptr);
  auto ac = store->CreateAutoCertificate(SampleAutoCertificate());
  ASSERT_TRUE(ac.ok());
  auto listed = store->ListCertificates(ac->id);
  ASSERT_TRUE(listed.ok());
  EXPECT_TRUE(listed->empty());

  const TimePoint t1 = clock_.Now();
  auto c1 = store->AddCertificate(Cert(ac->id, "1"));
  ASSERT_TRUE(c1.ok()) << c1.status().ToString();
  EXPECT_EQ(c1->status, "active");
  EXPECT_FALSE(c1->superseded_at.has_value());

  clock_.Advance(std::chrono::hours(24 * 60));
  const TimePoint t2 = clock_.Now();
  auto c2 = store->AddCertificate(Cert(ac->id, "2"));
  ASSERT_TRUE(c2.ok());
  clock_.Advance(std::chrono::hours(24 * 60));
  const TimePoint t3 = clock_.Now();
  CertificateRecord third = Cert(ac->id, "3");
  third.status = "superseded";  // ignored: a new certificate is always active
  third.superseded_at = t1;     // ignored
  auto c3 = store->AddCertificate(third);
  ASSERT_TRUE(c3.ok());
  EXPECT_EQ(c3->status, "active");
  EXPECT_FALSE(c3->superseded_at.has_value());

  listed = store->ListCertificates(ac->id);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 3u);
  // Newest first, exactly one active, superseded_at = when the successor was added.
  EXPECT_EQ((*listed)[0].id, c3->id);
  EXPECT_EQ((*listed)[0].status, "active");
  EXPECT_FALSE((*listed)[0].superseded_at.has_value());
  EXPECT_EQ((*listed)[1].id, c2->id);
  EXPECT_EQ((*listed)[1].status, "superseded");
  EXPECT_EQ((*listed)[1].superseded_at, t3);
  EXPECT_EQ((*listed)[2].id, c1->id);
  EXPECT_EQ((*listed)[2].status, "superseded");
  EXPECT_EQ((*listed)[2].superseded_at, t2);
  EXPECT_EQ((*listed)[2].issued_at, t1);
  EXPECT_EQ((*listed)[2].key_algorithm, "ecdsa256");
  EXPECT_EQ((*listed)[2].name, "www.example.com-20261123T011715Z");

  auto got = store->GetCertificate(c1->id);
  ASSERT_TRUE(got.ok());
  const CertificateRecord want = Cert(ac->id, "1");
  EXPECT_EQ(got->auto_certificate_id, ac->id);
  EXPECT_EQ(got->name, "www.example.com-20261123T011715Z");
  EXPECT_EQ(got->serial_number, "0a:1b:1");
  EXPECT_EQ(got->not_before, t1);
  EXPECT_EQ(got->not_after, t1 + std::chrono::hours(24 * 90));
  EXPECT_EQ(got->certificate_pem, want.certificate_pem);
  EXPECT_EQ(got->chain_pem, want.chain_pem);
  EXPECT_EQ(got->private_key_pem, want.private_key_pem);
  EXPECT_EQ(got->fingerprint_sha256, want.fingerprint_sha256);
  EXPECT_EQ(got->key_algorithm, "ecdsa256");
  EXPECT_EQ(got->status, "superseded");
  EXPECT_EQ(got->superseded_at, t2);

  // Another auto certificate's active certificate is untouched.
  AutoCertificateRecord other_ac = SampleAutoCertificate();
  other_ac.common_name = "api.example.com";
  auto other = store->CreateAutoCertificate(other_ac);
  ASSERT_TRUE(other.ok());
  auto other_cert = store->AddCertificate(Cert(other->id, "o"));
  ASSERT_TRUE(other_cert.ok());
  EXPECT_EQ(store->GetCertificate(c3->id)->status, "active");

  auto all = store->ListAllCertificates();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 4u);
  // Grouped by auto certificate, newest first within a group.
  std::vector<std::string> order;
  for (const auto& c : *all) {
    order.push_back(c.id);
  }
  std::vector<std::string> group = {c3->id, c2->id, c1->id};
  const auto at = std::search(order.begin(), order.end(), group.begin(), group.end());
  EXPECT_NE(at, order.end()) << "the three certificates of one auto certificate, newest first, together";
  EXPECT_EQ(Raw("SELECT count(*) FROM certificates WHERE status = 'active'"), "2");
}

TEST_P(StoreConformanceTest, AddCertificateTimesAreWholeSecondsAndIssuedAtDefaultsToNow) {
  auto store = MustOpen();
  ASSERT_NE(store, nullptr);
  auto ac = store->CreateAutoCertificate(SampleAutoCertificate());
  ASSERT_TRUE(ac.ok());
  clock_.Advance(seconds(5));
  clock_.Advance(std::chrono::milliseconds(250));
  CertificateRecord c = Cert(ac->id, "ms");
  c.not_before = T("2026-11-23T01:00:00Z") + std::chrono::milliseconds(999);
  c.issued_at = TimePoint{};
  auto added = store->AddCertificate(c);
  ASSERT_TRUE(added.ok());
  EXPECT_EQ(added->not_before, T("2026-11-23T01:00:00Z"));
  EXPECT_EQ(added->issued_at, T("2026-11-23T01:17:20Z"));
  auto got = store->GetCertificate(added->id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->not_before, added->not_before);
  EXPECT_EQ(got->not_after, added->not_after);
  EXPECT_EQ(got->issued_at, added->issued_at);
  // Times far from today survive too (a certificate "valid until 9999" is clamped to 2200).
  CertificateRecord far = Cert(ac->id, "far");
  far.not_before = T("1971-01-01T00:00:00Z");
  far.not_after = T("2199-12-31T23:59:59Z");
  auto far_added = store->AddCertificate(far);
  ASSERT_TRUE(far_added.ok());
  auto far_got = store->GetCertificate(far_added->id);
  ASSERT_TRUE(far_got.ok());
  EXPECT_EQ(far_got->not_before, T("1971-01-01T00:00:00Z"));
  EXPECT_EQ(far_got->not_after, T("2199-12-31T23:59:59Z"));
}

TEST_P(StoreConformanceTest, FailedAddLeavesThePreviousCertificateActive) {
  auto store = MustOpen();
  ASSERT_NE(store, nullptr);
  auto ac = store->CreateAutoCertificate(SampleAutoCertificate());
  ASSERT_TRUE(ac.ok());
  CertificateRecord first = Cert(ac->id, "1");
  first.id = "cert-1";
  ASSERT_TRUE(store->AddCertificate(first).ok());
  clock_.Advance(seconds(10));
  // The supersede succeeds inside the transaction, then the insert fails (duplicate id): the
  // whole transaction must roll back.
  CertificateRecord clash = Cert(ac->id, "2");
  clash.id = "cert-1";
  Result<CertificateRecord> failed = store->AddCertificate(clash);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().code(), StatusCode::kAlreadyExists);
  auto got = store->GetCertificate("cert-1");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->status, "active");
  EXPECT_FALSE(got->superseded_at.has_value());
  EXPECT_EQ(got->serial_number, first.serial_number);
  EXPECT_EQ(store->ListCertificates(ac->id)->size(), 1u);
}

// Runs with the same IONOS_CERT_NOW stamp issued_at from clocks that started at the
// same instant, so a later certificate may carry an earlier issued_at: the newest is the one added
// last, in every read.
TEST_P(StoreConformanceTest, NewestIsTheCertificateAddedLastWhateverItsIssuedAt) {
  auto store = MustOpen();
  ASSERT_NE(store, nullptr);
  auto ac = store->CreateAutoCertificate(SampleAutoCertificate());
  ASSERT_TRUE(ac.ok());
  CertificateRecord first = Cert(ac->id, "1");
  first.issued_at = T("2027-01-25T00:00:05Z");
  auto c1 = store->AddCertificate(first);
  ASSERT_TRUE(c1.ok()) << c1.status().ToString();
  CertificateRecord second = Cert(ac->id, "2");
  second.issued_at = T("2027-01-25T00:00:01Z");
  auto c2 = store->AddCertificate(second);
  ASSERT_TRUE(c2.ok()) << c2.status().ToString();

  auto listed = store->ListCertificates(ac->id);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].id, c2->id);
  EXPECT_EQ((*listed)[0].status, "active");
  auto all = store->ListAllCertificates();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].id, c2->id);
  auto snapshot = store->GetAutoCertificateSnapshot(ac->id);
  ASSERT_TRUE(snapshot.ok()) << snapshot.status().ToString();
  ASSERT_TRUE(snapshot->newest.has_value());
  EXPECT_EQ(snapshot->newest->id, c2->id);
  EXPECT_EQ(snapshot->certificates.front().id, c2->id);
}

TEST_P(StoreConformanceTest, DeleteCertificateDoesNotPromoteAnother) {
  auto store = MustOpen();
  ASSERT_NE(store, nullptr);
  auto ac = store->CreateAutoCertificate(SampleAutoCertificate());
  ASSERT_TRUE(ac.ok());
  auto c1 = store->AddCertificate(Cert(ac->id, "1"));
  clock_.Advance(seconds(1));
  auto c2 = store->AddCertificate(Cert(ac->id, "2"));
  ASSERT_TRUE(c1.ok());
  ASSERT_TRUE(c2.ok());
  ASSERT_TRUE(store->DeleteCertificate(c2->id).ok());
  EXPECT_EQ(store->GetCertificate(c2->id).status().code(), StatusCode::kNotFound);
  auto listed = store->ListCertificates(ac->id);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].status, "superseded") << "deleting the active one promotes nothing";
  ASSERT_TRUE(store->DeleteCertificate(c1->id).ok());
  listed = store->ListCertificates(ac->id);
  ASSERT_TRUE(listed.ok());
  EXPECT_TRUE(listed->empty());
  // The next Add works without a predecessor.
  auto c3 = store->AddCertificate(Cert(ac->id, "3"));
  ASSERT_TRUE(c3.ok());
  EXPECT_EQ(c3->status, "active");
}

TEST_P(StoreConformanceTest, DeleteAutoCertificateDeletesItsCertificatesAndRenewalInfo) {
  auto store = MustOpen();
  ASSERT_NE(store, nullptr);
  auto doomed = store->CreateAutoCertificate(SampleAutoCertificate());
  AutoCertificateRecord keep_rec = SampleAutoCertificate();
  keep_rec.common_name = "keep.example.com";
  auto keep = store->CreateAutoCertificate(keep_rec);
  ASSERT_TRUE(doomed.ok());
  ASSERT_TRUE(keep.ok());
  std::vector<std::string> doomed_certs;
  for (int i = 0; i < 3; ++i) {
    clock_.Advance(seconds(1));
    auto c = store->AddCertificate(Cert(doomed->id, "d" + std::to_string(i)));
    ASSERT_TRUE(c.ok());
    doomed_certs.push_back(c->id);
    ASSERT_TRUE(store->PutRenewalInfo(store_test::SampleRenewalInfo(c->id, clock_.Now())).ok());
  }
  auto kept = store->AddCertificate(Cert(keep->id, "k"));
  ASSERT_TRUE(kept.ok());
  ASSERT_TRUE(store->PutRenewalInfo(store_test::SampleRenewalInfo(kept->id, clock_.Now())).ok());

  ASSERT_TRUE(store->DeleteAutoCertificate(doomed->id).ok());
  for (const std::string& id : doomed_certs) {
    EXPECT_EQ(store->GetCertificate(id).status().code(), StatusCode::kNotFound) << id;
    EXPECT_FALSE(store->GetRenewalInfo(id)->has_value()) << id;
  }
  EXPECT_EQ(store->ListCertificates(doomed->id).status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(store->GetCertificate(kept->id).ok());
  EXPECT_TRUE(store->GetRenewalInfo(kept->id)->has_value());
  auto all = store->ListAllCertificates();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ((*all)[0].id, kept->id);
  EXPECT_EQ(Raw("SELECT count(*) FROM certificates"), "1");
  EXPECT_EQ(Raw("SELECT count(*) FROM renewal_info"), "1");
}

// ------------------------------------------------------------------ renewal information

TEST_P(StoreConformanceTest, RenewalInfoIsKeptReplacedAndDeletedWithItsCertificate) {
  auto store = MustOpen();
  ASSERT_NE(store, nullptr);
  auto ac = store->CreateAutoCertificate(SampleAutoCertificate());
  ASSERT_TRUE(ac.ok());
  auto cert = store->AddCertificate(Cert(ac->id, "1"));
  ASSERT_TRUE(cert.ok());
  auto none = store->GetRenewalInfo(cert->id);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());

  RenewalInfoRecord info = store_test::SampleRenewalInfo(cert->id, clock_.Now());
  ASSERT_TRUE(store->PutRenewalInfo(info).ok());
  auto got = store->GetRenewalInfo(cert->id);
  ASSERT_TRUE(got.ok());
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ((*got)->certificate_id, cert->id);
  EXPECT_EQ((*got)->window_start, info.window_start);
  EXPECT_EQ((*got)->window_end, info.window_end);
  EXPECT_EQ((*got)->chosen_at, info.chosen_at);
  EXPECT_EQ((*got)->explanation_url, info.explanation_url);
  EXPECT_EQ((*got)->fetched_at, info.fetched_at);
  EXPECT_EQ((*got)->next_fetch_at, info.next_fetch_at);

  // Put replaces; times are kept at whole seconds.
  RenewalInfoRecord later = info;
  later.window_start += std::chrono::hours(1);
  later.chosen_at += std::chrono::milliseconds(1500);
  later.explanation_url = "";
  later.next_fetch_at += std::chrono::hours(24);
  ASSERT_TRUE(store->PutRenewalInfo(later).ok());
  got = store->GetRenewalInfo(cert->id);
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->window_start, later.window_start);
  EXPECT_EQ((*got)->chosen_at, info.chosen_at + seconds(1));
  EXPECT_EQ((*got)->explanation_url, "");
  EXPECT_EQ((*got)->next_fetch_at, later.next_fetch_at);
  EXPECT_EQ(Raw("SELECT count(*) FROM renewal_info"), "1");

  ASSERT_TRUE(store->DeleteCertificate(cert->id).ok());
  EXPECT_FALSE(store->GetRenewalInfo(cert->id)->has_value());
  EXPECT_EQ(store->PutRenewalInfo(info).code(), StatusCode::kNotFound);
  EXPECT_EQ(Raw("SELECT count(*) FROM renewal_info"), "0");
}

// A copy in the IONOS Certificate Manager is noted before its upload and completed after it; it
// goes with its certificate and with its auto certificate.
TEST_P(StoreConformanceTest, PublicationsAreNotedCompletedAndDeletedWithTheirCertificate) {
  auto store = MustOpen();
  ASSERT_NE(store, nullptr);
  auto ac = store->CreateAutoCertificate(SampleAutoCertificate());
  ASSERT_TRUE(ac.ok());
  auto old_cert = store->AddCertificate(Cert(ac->id, "1"));
  auto cert = store->AddCertificate(Cert(ac->id, "2"));
  ASSERT_TRUE(old_cert.ok() && cert.ok());
  EXPECT_TRUE(store->ListPublications(ac->id)->empty());

  ASSERT_TRUE(store->PutPublication({cert->id, kPublicationUploading, "", {}}).ok());
  auto listed = store->ListPublications(ac->id);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].state, kPublicationUploading);
  EXPECT_EQ((*listed)[0].updated_at, std::chrono::floor<seconds>(clock_.Now()));
  ASSERT_TRUE(store->PutPublication({cert->id, kPublicationPublished, "copy-2", {}}).ok());
  ASSERT_TRUE(store->PutPublication({old_cert->id, kPublicationPublished, "copy-1", {}}).ok());
  listed = store->ListPublications(ac->id);
  ASSERT_EQ(listed->size(), 2u);
  std::map<std::string, std::string> by_cert;
  for (const auto& p : *listed) by_cert[p.certificate_id] = p.state + ":" + p.remote_id;
  EXPECT_EQ(by_cert[cert->id], "published:copy-2");
  EXPECT_EQ(by_cert[old_cert->id], "published:copy-1");
  EXPECT_EQ(store->PutPublication({"never-known", kPublicationUploading, "", {}}).code(), StatusCode::kNotFound);

  ASSERT_TRUE(store->DeleteCertificate(old_cert->id).ok());
  ASSERT_EQ(store->ListPublications(ac->id)->size(), 1u);
  ASSERT_TRUE(store->RemovePublication(cert->id).ok());
  EXPECT_TRUE(store->ListPublications(ac->id)->empty());
  EXPECT_TRUE(store->RemovePublication(cert->id).ok()) << "forgetting twice is fine";
  ASSERT_TRUE(store->PutPublication({cert->id, kPublicationPublished, "copy-2", {}}).ok());
  ASSERT_TRUE(store->DeleteAutoCertificate(ac->id).ok());
  EXPECT_EQ(Raw("SELECT count(*) FROM publications"), "0");
}

TEST_P(StoreConformanceTest, SnapshotIsWhatTheSingleReadsReturn) {
  const std::string key(32, 'k');
  auto store = MustOpen(key);
  ASSERT_NE(store, nullptr);
  // Unknown: the NotFound of GetAutoCertificate.
  auto unknown = store->GetAutoCertificateSnapshot("never-known");
  ASSERT_EQ(unknown.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(unknown.status().message(), store->GetAutoCertificate("never-known").status().message());

  auto ac = store->CreateAutoCertificate(SampleAutoCertificate());
  ASSERT_TRUE(ac.ok());
  auto other = store->CreateAutoCertificate(SampleAutoCertificate());
  ASSERT_TRUE(other.ok());
  // Without certificates.
  auto empty = store->GetAutoCertificateSnapshot(ac->id);
  ASSERT_TRUE(empty.ok()) << empty.status().ToString();
  EXPECT_EQ(empty->record.id, ac->id);
  EXPECT_TRUE(empty->certificates.empty());
  EXPECT_FALSE(empty->newest.has_value());
  EXPECT_FALSE(empty->renewal_info.has_value());
  EXPECT_TRUE(empty->renewal_info_status.ok());

  // Three certificates (two within one second: the order of ListCertificates), renewal
  // information on an older one and on the newest, and another auto certificate's certificate.
  auto c1 = store->AddCertificate(Cert(ac->id, "1"));
  ASSERT_TRUE(c1.ok());
  ASSERT_TRUE(store->PutRenewalInfo(store_test::SampleRenewalInfo(c1->id, clock_.Now())).ok());
  clock_.Advance(std::chrono::hours(24 * 60));
  auto c2 = store->AddCertificate(Cert(ac->id, "2"));
  ASSERT_TRUE(c2.ok());
  auto c3 = store->AddCertificate(Cert(ac->id, "3"));
  ASSERT_TRUE(c3.ok());
  ASSERT_TRUE(store->AddCertificate(Cert(other->id, "4")).ok());
  RenewalInfoRecord info = store_test::SampleRenewalInfo(c3->id, clock_.Now());
  info.explanation_url = "";
  ASSERT_TRUE(store->PutRenewalInfo(info).ok());

  auto snapshot = store->GetAutoCertificateSnapshot(ac->id);
  ASSERT_TRUE(snapshot.ok()) << snapshot.status().ToString();
  auto record = store->GetAutoCertificate(ac->id);
  ASSERT_TRUE(record.ok());
  EXPECT_EQ(snapshot->record.id, record->id);
  EXPECT_EQ(snapshot->record.provider_id, record->provider_id);
  EXPECT_EQ(snapshot->record.name, record->name);
  EXPECT_EQ(snapshot->record.common_name, record->common_name);
  EXPECT_EQ(snapshot->record.subject_alternative_names, record->subject_alternative_names);
  EXPECT_EQ(snapshot->record.key_algorithm, record->key_algorithm);
  EXPECT_EQ(snapshot->record.renew_before_days, record->renew_before_days);
  EXPECT_EQ(snapshot->record.grace_period_days, record->grace_period_days);
  EXPECT_EQ(snapshot->record.created_at, record->created_at);
  EXPECT_EQ(snapshot->record.updated_at, record->updated_at);
  EXPECT_EQ(snapshot->record.profile, record->profile);
  EXPECT_EQ(snapshot->record.settings, record->settings);

  auto listed = store->ListCertificates(ac->id);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(snapshot->certificates.size(), listed->size());
  ASSERT_EQ(listed->size(), 3u);
  for (size_t i = 0; i < listed->size(); ++i) {
    SCOPED_TRACE(i);
    const CertificateSummary& got = snapshot->certificates[i];
    const CertificateSummary& want = (*listed)[i];
    EXPECT_EQ(got.id, want.id);
    EXPECT_EQ(got.auto_certificate_id, want.auto_certificate_id);
    EXPECT_EQ(got.name, want.name);
    EXPECT_EQ(got.serial_number, want.serial_number);
    EXPECT_EQ(got.not_before, want.not_before);
    EXPECT_EQ(got.not_after, want.not_after);
    EXPECT_EQ(got.status, want.status);
    EXPECT_EQ(got.fingerprint_sha256, want.fingerprint_sha256);
    EXPECT_EQ(got.key_algorithm, want.key_algorithm);
    EXPECT_EQ(got.issued_at, want.issued_at);
    EXPECT_EQ(got.superseded_at, want.superseded_at);
  }
  EXPECT_EQ(snapshot->certificates.front().id, c3->id);

  ASSERT_TRUE(snapshot->newest.has_value());
  auto newest = store->GetCertificate(c3->id);
  ASSERT_TRUE(newest.ok());
  EXPECT_EQ(snapshot->newest->id, newest->id);
  EXPECT_EQ(snapshot->newest->status, "active");
  EXPECT_EQ(snapshot->newest->certificate_pem, newest->certificate_pem);
  EXPECT_EQ(snapshot->newest->chain_pem, newest->chain_pem);
  EXPECT_EQ(snapshot->newest->private_key_pem, Cert(ac->id, "3").private_key_pem) << "decrypted with the store key";

  ASSERT_TRUE(snapshot->renewal_info_status.ok());
  ASSERT_TRUE(snapshot->renewal_info.has_value());
  EXPECT_EQ(snapshot->renewal_info->certificate_id, c3->id);
  EXPECT_EQ(snapshot->renewal_info->window_start, info.window_start);
  EXPECT_EQ(snapshot->renewal_info->window_end, info.window_end);
  EXPECT_EQ(snapshot->renewal_info->chosen_at, info.chosen_at);
  EXPECT_EQ(snapshot->renewal_info->explanation_url, "");
  EXPECT_EQ(snapshot->renewal_info->fetched_at, info.fetched_at);
  EXPECT_EQ(snapshot->renewal_info->next_fetch_at, info.next_fetch_at);

  // The newest without renewal information has none, even when an older one has some.
  ASSERT_TRUE(store->AddCertificate(Cert(ac->id, "5")).ok());
  snapshot = store->GetAutoCertificateSnapshot(ac->id);
  ASSERT_TRUE(snapshot.ok());
  EXPECT_EQ(snapshot->certificates.size(), 4u);
  EXPECT_FALSE(snapshot->renewal_info.has_value());

  // A key that cannot be opened fails the read, as GetCertificate does.
  auto keyless = MustOpen();
  ASSERT_NE(keyless, nullptr);
  auto locked = keyless->GetAutoCertificateSnapshot(ac->id);
  EXPECT_EQ(locked.status().code(), StatusCode::kDataLoss);
}

// ------------------------------------------------------------------ pending DNS records

TEST_P(StoreConformanceTest, PendingDnsRecordLifecycle) {
  auto store = MustOpen();
  ASSERT_NE(store, nullptr);
  PendingDnsRecord a;
  a.zone_id = "zone-uuid-1";
  a.zone_name = "example.com";
  a.record_name = "_acme-challenge.www";
  a.fqdn = "_acme-challenge.www.example.com";
  a.value = "LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0";
  a.owner = "host-a/1234/boot-1";
  auto noted_a = store->NotePendingDnsRecord(a);
  ASSERT_TRUE(noted_a.ok()) << noted_a.status().ToString();
  EXPECT_FALSE(noted_a->record_id.has_value());
  EXPECT_EQ(noted_a->created_at, clock_.Now());
  PendingDnsRecord b = a;
  b.record_name = "_acme-challenge";
  b.fqdn = "_acme-challenge.example.com";
  b.record_id = "known-early";
  clock_.Advance(seconds(1));
  auto noted_b = store->NotePendingDnsRecord(b);
  ASSERT_TRUE(noted_b.ok());

  ASSERT_TRUE(store->SetPendingDnsRecordId(noted_a->id, "record-uuid-9").ok());
  auto listed = store->ListPendingDnsRecords();
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 2u);
  const PendingDnsRecord& first = (*listed)[0];
  EXPECT_EQ(first.id, noted_a->id);
  EXPECT_EQ(first.zone_id, a.zone_id);
  EXPECT_EQ(first.zone_name, a.zone_name);
  EXPECT_EQ(first.record_name, a.record_name);
  EXPECT_EQ(first.fqdn, a.fqdn);
  EXPECT_EQ(first.value, a.value);
  EXPECT_EQ(first.owner, a.owner);
  EXPECT_EQ(first.record_id, std::optional<std::string>("record-uuid-9"));
  EXPECT_EQ(first.created_at, noted_a->created_at);
  EXPECT_EQ((*listed)[1].id, noted_b->id);
  EXPECT_EQ((*listed)[1].record_id, std::optional<std::string>("known-early"));

  ASSERT_TRUE(store->RemovePendingDnsRecord(noted_a->id).ok());
  EXPECT_EQ(store->RemovePendingDnsRecord(noted_a->id).code(), StatusCode::kNotFound);
  listed = store->ListPendingDnsRecords();
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].id, noted_b->id);
}

// ------------------------------------------------------------------ encryption at rest

TEST_P(StoreConformanceTest, PrivateKeysAtRestTable) {
  const std::string key(32, '\x07');
  struct Case {
    const char* name;
    std::string key;
    bool pem_visible_at_rest;
  };
  const std::vector<Case> cases = {
      {"with store_encryption_key", key, false},
      {"without store_encryption_key", "", true},
  };
  int round = 0;
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    location_ = StoreLocation::Make(GetParam());  // a fresh store per case
    ASSERT_NE(location_, nullptr);
    const std::string marker = "Marker" + std::to_string(round++) + "XyZ";
    const std::string account_pem = Pem("EC PRIVATE KEY", "acct" + marker);
    const std::string cert_pem = Pem("PRIVATE KEY", "key" + marker);
    std::string account_id;
    std::string cert_id;
    {
      auto store = MustOpen(c.key);
      ASSERT_NE(store, nullptr);
      AccountRecord a = SampleAccount();
      a.private_key_pem = account_pem;
      auto account = store->CreateAccount(a);
      ASSERT_TRUE(account.ok());
      account_id = account->id;
      auto ac = store->CreateAutoCertificate(SampleAutoCertificate(account_id));
      ASSERT_TRUE(ac.ok());
      CertificateRecord cert = Cert(ac->id, "x");
      cert.private_key_pem = cert_pem;
      auto added = store->AddCertificate(cert);
      ASSERT_TRUE(added.ok());
      cert_id = added->id;
      // While open (SQLite: the data may still be in the WAL; PostgreSQL: a pg_dump).
      const std::string live = location_->AtRest();
      // (A line of each PEM: a dump writes the line breaks as "\n".)
      EXPECT_EQ(live.find("MIIEvacct" + marker) != std::string::npos, c.pem_visible_at_rest);
      EXPECT_EQ(live.find("MIIEvkey" + marker) != std::string::npos, c.pem_visible_at_rest);
      EXPECT_EQ(live.find(marker) != std::string::npos, c.pem_visible_at_rest);
      // The certificate itself is public and stays readable.
      EXPECT_NE(live.find("leafx"), std::string::npos);
    }
    const std::string closed = location_->AtRest();
    EXPECT_EQ(closed.find(marker) != std::string::npos, c.pem_visible_at_rest);
    EXPECT_EQ(closed.find(key), std::string::npos) << "the key itself is never stored";
    EXPECT_EQ(closed.find(Base64Encode(key)), std::string::npos) << "the key itself is never stored";
    const std::string stored = Raw("SELECT private_key FROM certificates");
    EXPECT_EQ(stored.rfind(kEncryptedValuePrefix, 0) == 0, !c.pem_visible_at_rest) << stored.substr(0, 12);
    auto store = MustOpen(c.key);
    ASSERT_NE(store, nullptr);
    EXPECT_EQ(store->GetAccount(account_id)->private_key_pem, account_pem);
    EXPECT_EQ(store->GetCertificate(cert_id)->private_key_pem, cert_pem);
  }
}

// Plaintext keys are counted, a store key is introduced, rotated and removed again,
// all or nothing; after each change the store reads with the new key only.
TEST_P(StoreConformanceTest, RekeyEncryptsRotatesAndDecryptsAllOrNothing) {
  const std::string pem = Pem("PRIVATE KEY", "rekeytest");
  std::string account_id;
  std::string cert_id;
  {
    auto store = MustOpen();
    ASSERT_NE(store, nullptr);
    AccountRecord a = SampleAccount();
    a.private_key_pem = pem;
    account_id = store->CreateAccount(a).value().id;
    auto ac = store->CreateAutoCertificate(SampleAutoCertificate(account_id));
    CertificateRecord cert = Cert(ac->id, "r");
    cert.private_key_pem = pem;
    cert_id = store->AddCertificate(cert).value().id;
    Result<KeyCounts> counts = store->CountKeys();
    ASSERT_TRUE(counts.ok()) << counts.status().ToString();
    EXPECT_EQ(counts->encrypted, 0);
    EXPECT_EQ(counts->plaintext, 2);
  }
  const std::string first(32, 'K');
  const std::string second(32, 'L');
  struct Step {
    const char* name;
    std::string current;
    std::string next;
    int64_t encrypted;
  };
  const Step steps[] = {{"encrypt plaintext keys", "", first, 2},
                        {"rotate", first, second, 2},
                        {"decrypt", second, "", 0}};
  for (const Step& step : steps) {
    SCOPED_TRACE(step.name);
    auto store = MustOpen(step.current);
    ASSERT_NE(store, nullptr);
    Result<KeyCounts> after = store->Rekey(step.next);
    ASSERT_TRUE(after.ok()) << after.status().ToString();
    EXPECT_EQ(after->encrypted, step.encrypted);
    EXPECT_EQ(after->encrypted + after->plaintext, 2);
    auto reopened = MustOpen(step.next);
    ASSERT_NE(reopened, nullptr);
    EXPECT_EQ(reopened->GetAccount(account_id)->private_key_pem, pem);
    EXPECT_EQ(reopened->GetCertificate(cert_id)->private_key_pem, pem);
    if (!step.current.empty() && step.current != step.next) {
      EXPECT_EQ(MustOpen(step.current)->GetCertificate(cert_id).status().code(),
                step.next.empty() ? StatusCode::kOk : StatusCode::kDataLoss);
    }
  }
  // With the wrong key nothing changes: the keys stay readable with the right one.
  auto store = MustOpen(std::string(32, 'W'));
  ASSERT_NE(store, nullptr);
  {
    auto encrypt = MustOpen();
    ASSERT_TRUE(encrypt->Rekey(first).ok());
  }
  Result<KeyCounts> refused = store->Rekey(second);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(MustOpen(first)->GetCertificate(cert_id)->private_key_pem, pem);
  EXPECT_EQ(store->CountKeys()->encrypted, 2);
}

TEST_P(StoreConformanceTest, WrongOrMissingKeyIsDataLossNamingStoreEncryptionKey) {
  const std::string key(32, 'A');
  const std::string pem = Pem("PRIVATE KEY", "wrongkeytest");
  std::string account_id;
  std::string cert_id;
  std::string auto_id;
  {
    auto store = MustOpen(key);
    ASSERT_NE(store, nullptr);
    AccountRecord a = SampleAccount();
    a.private_key_pem = pem;
    auto account = store->CreateAccount(a);
    ASSERT_TRUE(account.ok());
    account_id = account->id;
    auto ac = store->CreateAutoCertificate(SampleAutoCertificate());
    ASSERT_TRUE(ac.ok());
    auto_id = ac->id;
    CertificateRecord cert = Cert(ac->id, "k");
    cert.private_key_pem = pem;
    auto added = store->AddCertificate(cert);
    ASSERT_TRUE(added.ok());
    cert_id = added->id;
  }
  const std::string wrong_key(32, 'B');
  struct Case {
    const char* name;
    std::string key;
    std::string key_source;  // StoreOptions::key_source
    std::string message_part;
  };
  const std::vector<Case> cases = {
      {"wrong key", wrong_key, "", "store_encryption_key is wrong"},
      {"wrong key from --key", wrong_key, "the key given by --key", "the key given by --key is wrong"},
      {"wrong key from the environment", wrong_key, "IONOS_CERT_STORE_KEY", "IONOS_CERT_STORE_KEY is wrong"},
      {"missing key", "", "", "store_encryption_key is missing"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    StoreOptions options = Options(c.key);
    options.key_source = c.key_source;
    Result<std::unique_ptr<Store>> opened = OpenStore(url(), options);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    std::unique_ptr<Store> store = std::move(opened).value();
    ASSERT_NE(store, nullptr) << "opening does not need to decrypt anything";
    AccountRecord rename = SampleAccount();
    rename.id = account_id;
    rename.name = "renamed with the wrong key";
    rename.private_key_pem.clear();
    std::vector<Status> statuses = {
        store->GetAccount(account_id).status(),
        store->GetCertificate(cert_id).status(),
        store->UpdateAccount(rename).status(),
    };
    // Listings carry no key and never decrypt one: they work without the right store key
    // (the listing command failed without the key although it shows none).
    EXPECT_TRUE(store->ListAccounts().ok());
    EXPECT_TRUE(store->ListCertificates(auto_id).ok());
    EXPECT_TRUE(store->ListAllCertificates().ok());
    for (const Status& s : statuses) {
      EXPECT_EQ(s.code(), StatusCode::kDataLoss) << s.ToString();
      EXPECT_NE(s.message().find(c.message_part), std::string::npos) << s.message();
      EXPECT_NE(s.message().find(store->Describe()), std::string::npos) << s.message();
      EXPECT_EQ(s.message().find(key), std::string::npos);
      EXPECT_EQ(s.message().find(wrong_key), std::string::npos);
      EXPECT_EQ(s.message().find(Base64Encode(key)), std::string::npos);
      EXPECT_EQ(s.message().find("wrongkeytest"), std::string::npos);
    }
    EXPECT_EQ(store->ListAccounts()->front().name, SampleAccount().name)
        << "an update that could not return the record changed nothing";
    // Records without private keys remain readable.
    EXPECT_TRUE(store->GetAutoCertificate(auto_id).ok());
  }
}

TEST_P(StoreConformanceTest, EncryptedKeyMovedToAnotherRecordIsDetected) {
  const std::string key(32, 'K');
  auto store = MustOpen(key);
  ASSERT_NE(store, nullptr);
  auto ac = store->CreateAutoCertificate(SampleAutoCertificate());
  ASSERT_TRUE(ac.ok());
  CertificateRecord a = Cert(ac->id, "a");
  a.id = "cert-a";
  CertificateRecord b = Cert(ac->id, "b");
  b.id = "cert-b";
  ASSERT_TRUE(store->AddCertificate(a).ok());
  ASSERT_TRUE(store->AddCertificate(b).ok());
  RawExec(
      "UPDATE certificates SET private_key = (SELECT private_key FROM certificates WHERE id = 'cert-a') "
      "WHERE id = 'cert-b'");
  EXPECT_TRUE(store->GetCertificate("cert-a").ok());
  Result<CertificateRecord> swapped = store->GetCertificate("cert-b");
  ASSERT_FALSE(swapped.ok());
  EXPECT_EQ(swapped.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(swapped.status().message().find("altered"), std::string::npos);
}

TEST_P(StoreConformanceTest, PlaintextKeysStayReadableAfterAKeyIsConfigured) {
  std::string old_id;
  {
    auto store = MustOpen();
    ASSERT_NE(store, nullptr);
    auto a = store->CreateAccount(SampleAccount("plain"));
    ASSERT_TRUE(a.ok());
    old_id = a->id;
  }
  auto store = MustOpen(std::string(32, 'N'));
  ASSERT_NE(store, nullptr);
  auto old = store->GetAccount(old_id);
  ASSERT_TRUE(old.ok()) << old.status().ToString();
  EXPECT_EQ(old->private_key_pem, Pem("EC PRIVATE KEY", "plain"));
  auto fresh = store->CreateAccount(SampleAccount("fresh"));
  ASSERT_TRUE(fresh.ok());
  EXPECT_EQ(Raw("SELECT substr(private_key, 1, 7) FROM accounts WHERE id = '" + fresh->id + "'"),
            kEncryptedValuePrefix);
}

TEST_P(StoreConformanceTest, EncryptionKeyOfWrongLengthIsInvalidArgument) {
  for (size_t n : {size_t{1}, size_t{16}, size_t{31}, size_t{33}, size_t{44}}) {
    SCOPED_TRACE(n);
    Result<std::unique_ptr<Store>> store = Open(std::string(n, 'k'));
    ASSERT_FALSE(store.ok());
    EXPECT_EQ(store.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(store.status().message().find("got " + std::to_string(n)), std::string::npos);
  }
  EXPECT_FALSE(location_->HasAnything()) << "a bad key is refused before anything is created";
}

// ------------------------------------------------------------------ locks

constexpr char kLockName[] = "auto_certificate/3f0c1d2e";

TEST_P(StoreConformanceTest, LockExcludesAnotherStoreWhichWaitsAndGetsItOnRelease) {
  auto first = MustOpen();
  auto second = MustOpen();
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);
  Result<std::unique_ptr<StoreLock>> held = first->Lock(kLockName, LockOptions{});
  ASSERT_TRUE(held.ok()) << held.status().ToString();

  int waits = 0;
  LockOptions options;
  options.retry_interval = std::chrono::milliseconds(250);
  // on_wait runs once the lock is found busy: the holder lets go "meanwhile".
  options.on_wait = [&] {
    ++waits;
    held->reset();
  };
  const TimePoint before = clock_.Now();
  Result<std::unique_ptr<StoreLock>> taken = second->Lock(kLockName, options);
  ASSERT_TRUE(taken.ok()) << taken.status().ToString();
  EXPECT_EQ(waits, 1) << "on_wait is called once";
  EXPECT_EQ(clock_.Now() - before, std::chrono::milliseconds(250)) << "one retry interval, on the store's clock";
}

TEST_P(StoreConformanceTest, BusyLockTimesOutNamingTheLockAndTheStore) {
  auto first = MustOpen();
  auto second = MustOpen();
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);
  auto held = first->Lock(kLockName, LockOptions{});
  ASSERT_TRUE(held.ok());
  int waits = 0;
  LockOptions options;
  options.timeout = std::chrono::seconds(5);
  options.retry_interval = std::chrono::milliseconds(300);
  options.on_wait = [&] { ++waits; };
  const TimePoint before = clock_.Now();
  Result<std::unique_ptr<StoreLock>> refused = second->Lock(kLockName, options);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kDeadlineExceeded) << refused.status().ToString();
  EXPECT_NE(refused.status().message().find(kLockName), std::string::npos) << refused.status().message();
  EXPECT_NE(refused.status().message().find(second->Describe()), std::string::npos) << refused.status().message();
  EXPECT_EQ(waits, 1);
  EXPECT_EQ(clock_.Now() - before, std::chrono::seconds(5)) << "the wait is bounded by the timeout exactly";

  // The same store does not re-enter a lock it holds either.
  options.on_wait = nullptr;
  EXPECT_EQ(first->Lock(kLockName, options).status().code(), StatusCode::kDeadlineExceeded);
  // Other names are independent.
  options.on_wait = [&] { ADD_FAILURE() << "another name must not wait"; };
  auto other = second->Lock("auto_certificate/other", options);
  EXPECT_TRUE(other.ok()) << other.status().ToString();
}

TEST_P(StoreConformanceTest, LockWaitIsCancelled) {
  auto first = MustOpen();
  auto second = MustOpen();
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);
  auto held = first->Lock(kLockName, LockOptions{});
  ASSERT_TRUE(held.ok());
  CancelToken cancel;
  LockOptions options;
  options.cancel = &cancel;
  options.on_wait = [&] { cancel.Cancel(); };  // e.g. StopProvider while waiting
  Result<std::unique_ptr<StoreLock>> refused = second->Lock(kLockName, options);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kCancelled) << refused.status().ToString();
  held->reset();
  EXPECT_TRUE(second->Lock(kLockName, LockOptions{}).ok()) << "a cancelled wait leaves nothing behind";
}

TEST_P(StoreConformanceTest, LockIsReleasedWhenDestroyedEvenAfterItsStore) {
  auto first = MustOpen();
  ASSERT_NE(first, nullptr);
  auto held = first->Lock(kLockName, LockOptions{});
  ASSERT_TRUE(held.ok());
  first.reset();  // the lock outlives the store that took it
  auto second = MustOpen();
  ASSERT_NE(second, nullptr);
  LockOptions quick;
  quick.timeout = std::chrono::seconds(1);
  EXPECT_EQ(second->Lock(kLockName, quick).status().code(), StatusCode::kDeadlineExceeded) << "still held";
  held->reset();
  EXPECT_TRUE(second->Lock(kLockName, quick).ok());
}

TEST_P(StoreConformanceTest, LockOfAKilledProcessIsFreedForOthers) {
  ASSERT_NE(MustOpen(), nullptr);  // created and migrated before the fork
  int ready[2];
  ASSERT_EQ(pipe(ready), 0);
  const std::string store_url = url();
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(ready[0]);
    Result<std::unique_ptr<Store>> store = OpenStore(store_url, StoreOptions{});
    if (!store.ok()) {
      _exit(2);
    }
    Result<std::unique_ptr<StoreLock>> lock = (*store)->Lock(kLockName, LockOptions{});
    if (!lock.ok()) {
      _exit(3);
    }
    const char held = 'L';
    if (write(ready[1], &held, 1) != 1) {
      _exit(4);
    }
    while (true) {
      pause();  // until SIGKILL: a renewal killed mid-issuance
    }
  }
  close(ready[1]);
  char held = 0;
  ASSERT_EQ(read(ready[0], &held, 1), 1) << "the child did not take the lock";
  close(ready[0]);

  auto store = MustOpen();
  ASSERT_NE(store, nullptr);
  LockOptions quick;
  quick.timeout = std::chrono::seconds(1);
  EXPECT_EQ(store->Lock(kLockName, quick).status().code(), StatusCode::kDeadlineExceeded) << "held by the child";

  ASSERT_EQ(kill(child, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status));

  // The operating system (SQLite) or the server ending the dead session (PostgreSQL) frees the
  // lock on its own schedule: wait for it with a real clock, bounded; no timing is asserted.
  SystemClock real_clock;
  StoreOptions options = Options();
  options.clock = &real_clock;
  Result<std::unique_ptr<Store>> waiter = OpenStore(url(), options);
  ASSERT_TRUE(waiter.ok()) << waiter.status().ToString();
  LockOptions patient;
  patient.timeout = std::chrono::seconds(60);
  patient.retry_interval = std::chrono::milliseconds(10);
  Result<std::unique_ptr<StoreLock>> taken = (*waiter)->Lock(kLockName, patient);
  EXPECT_TRUE(taken.ok()) << taken.status().ToString();
}

// ------------------------------------------------------------------ concurrency

constexpr int kThreads = 8;
constexpr int kInsertsPerThread = 40;

TEST_P(StoreConformanceTest, ConcurrentWritersOnOneStore) {
  auto store = MustOpen(std::string(32, 'C'));
  ASSERT_NE(store, nullptr);
  std::vector<std::string> auto_ids;
  for (int t = 0; t < kThreads; ++t) {
    auto ac = store->CreateAutoCertificate(SampleAutoCertificate());
    ASSERT_TRUE(ac.ok());
    auto_ids.push_back(ac->id);
  }
  std::mutex errors_mu;
  std::vector<std::string> errors;
  std::atomic<bool> done{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kInsertsPerThread; ++i) {
        const std::string marker = std::to_string(t) + "-" + std::to_string(i);
        Result<CertificateRecord> added = store->AddCertificate(Cert(auto_ids[static_cast<size_t>(t)], marker));
        PendingDnsRecord p;
        p.fqdn = "_acme-challenge." + marker + ".example.com";
        Result<PendingDnsRecord> noted = store->NotePendingDnsRecord(p);
        std::lock_guard<std::mutex> lock(errors_mu);
        if (!added.ok()) {
          errors.push_back(added.status().ToString());
        }
        if (!noted.ok()) {
          errors.push_back(noted.status().ToString());
        }
      }
    });
  }
  // A reader running alongside the writers.
  std::thread reader([&] {
    while (!done.load()) {
      Result<std::vector<CertificateSummary>> all = store->ListAllCertificates();
      if (!all.ok()) {
        std::lock_guard<std::mutex> lock(errors_mu);
        errors.push_back(all.status().ToString());
      }
    }
  });
  for (auto& th : threads) {
    th.join();
  }
  done = true;
  reader.join();
  EXPECT_TRUE(errors.empty()) << errors.size() << " errors, first: " << (errors.empty() ? "" : errors.front());

  auto all = store->ListAllCertificates();
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), static_cast<size_t>(kThreads * kInsertsPerThread));
  std::set<std::string> serials;
  for (const auto& c : *all) {
    serials.insert(c.serial_number);
  }
  EXPECT_EQ(serials.size(), static_cast<size_t>(kThreads * kInsertsPerThread));
  for (const std::string& id : auto_ids) {
    auto listed = store->ListCertificates(id);
    ASSERT_TRUE(listed.ok());
    EXPECT_EQ(listed->size(), static_cast<size_t>(kInsertsPerThread));
    int active = 0;
    for (const auto& c : *listed) {
      active += c.status == "active" ? 1 : 0;
    }
    EXPECT_EQ(active, 1) << id;
  }
  EXPECT_EQ(store->ListPendingDnsRecords()->size(), static_cast<size_t>(kThreads * kInsertsPerThread));
}

TEST_P(StoreConformanceTest, ConcurrentWritersOnTwoStoresSharingTheDatabase) {
  const std::string key(32, 'S');
  auto first = MustOpen(key);
  auto second = MustOpen(key);
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);
  // All writers add to the same auto certificate, through two stores: every Add must supersede
  // atomically, leaving exactly one active certificate.
  auto ac = first->CreateAutoCertificate(SampleAutoCertificate());
  ASSERT_TRUE(ac.ok());
  std::mutex errors_mu;
  std::vector<std::string> errors;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    Store* store = (t % 2 == 0 ? first : second).get();
    threads.emplace_back([&, t, store] {
      for (int i = 0; i < kInsertsPerThread; ++i) {
        const std::string marker = std::to_string(t) + "-" + std::to_string(i);
        Result<CertificateRecord> added = store->AddCertificate(Cert(ac->id, marker));
        if (!added.ok()) {
          std::lock_guard<std::mutex> lock(errors_mu);
          errors.push_back(added.status().ToString());
        }
      }
    });
  }
  for (auto& th : threads) {
    th.join();
  }
  EXPECT_TRUE(errors.empty()) << errors.size() << " errors, first: " << (errors.empty() ? "" : errors.front());
  for (Store* store : {first.get(), second.get()}) {
    auto listed = store->ListCertificates(ac->id);
    ASSERT_TRUE(listed.ok());
    EXPECT_EQ(listed->size(), static_cast<size_t>(kThreads * kInsertsPerThread));
    int active = 0;
    for (const auto& c : *listed) {
      active += c.status == "active" ? 1 : 0;
    }
    EXPECT_EQ(active, 1);
  }
}

TEST_P(StoreConformanceTest, ConcurrentWritersInTwoProcesses) {
  auto setup = MustOpen();
  ASSERT_NE(setup, nullptr);
  auto ac = setup->CreateAutoCertificate(SampleAutoCertificate());
  ASSERT_TRUE(ac.ok());
  setup.reset();

  constexpr int kPerProcess = 60;
  const std::string store_url = url();
  auto write = [&](const std::string& tag) -> int {
    StoreOptions options;  // a fresh process: its own clock and randomness
    Result<std::unique_ptr<Store>> store = OpenStore(store_url, options);
    if (!store.ok()) {
      return 2;
    }
    for (int i = 0; i < kPerProcess; ++i) {
      CertificateRecord c = store_test::SampleCertificate(SystemClock(), ac->id, tag + std::to_string(i));
      if (!(*store)->AddCertificate(c).ok()) {
        return 3;
      }
    }
    return 0;
  };
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    _exit(write("child-"));
  }
  const int parent_result = write("parent-");
  int child_status = 0;
  ASSERT_EQ(waitpid(child, &child_status, 0), child);
  ASSERT_TRUE(WIFEXITED(child_status));
  EXPECT_EQ(WEXITSTATUS(child_status), 0);
  EXPECT_EQ(parent_result, 0);

  auto store = MustOpen();
  ASSERT_NE(store, nullptr);
  auto listed = store->ListCertificates(ac->id);
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed->size(), static_cast<size_t>(2 * kPerProcess));
  int active = 0;
  for (const auto& c : *listed) {
    active += c.status == "active" ? 1 : 0;
  }
  EXPECT_EQ(active, 1);
}

// A transaction whose body carries on after one of its writes failed either keeps the other
// writes (SQLite: each method is a savepoint) or fails as a whole (PostgreSQL: the failed statement
// aborts the transaction); it never answers OK having kept nothing.
TEST_P(StoreConformanceTest, ATransactionThatIgnoredAFailedWriteNeverReportsSuccessForNothing) {
  auto store = MustOpen();
  ASSERT_NE(store, nullptr);
  AccountRecord one = SampleAccount("one");
  one.id = "one";
  AccountRecord two = SampleAccount("two");
  two.id = "two";
  Status duplicate;
  const Status status = store->WriteInOneTransaction([&](Store& tx) {
    IONOS_RETURN_IF_ERROR(tx.CreateAccount(one).status());
    duplicate = tx.CreateAccount(one).status();  // AlreadyExists, and the body carries on
    (void)tx.CreateAccount(two);                   // and does not look at this one either
    return Status::Ok();
  });
  EXPECT_EQ(duplicate.code(), StatusCode::kAlreadyExists) << duplicate.ToString();
  Result<std::vector<AccountRecord>> accounts = store->ListAccounts();
  ASSERT_TRUE(accounts.ok()) << accounts.status().ToString();
  if (status.ok()) {
    EXPECT_EQ(accounts->size(), 2u);
  } else {
    EXPECT_TRUE(accounts->empty()) << status.ToString();
  }
}

}  // namespace
}  // namespace ionos
