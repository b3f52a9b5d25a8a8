// Tests for core/store/store.h and the SQLite implementation in core/store/sqlite_store.h.
#include "core/store/sqlite_store.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "core/crypto/aead.h"
#include "core/base/encoding.h"
#include "core/store/store.h"

namespace ionos {
namespace {

namespace fs = std::filesystem;
using std::chrono::seconds;

// A settable clock (whole seconds are enough for the store).
class FakeClock : public Clock {
 public:
  explicit FakeClock(TimePoint start) : now_(start) {}
  TimePoint Now() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return now_;
  }
  Status SleepFor(Duration d, const CancelToken*) const override {
    std::lock_guard<std::mutex> lock(mu_);
    now_ += d;
    return Status::Ok();
  }
  void Advance(std::chrono::seconds d) {
    std::lock_guard<std::mutex> lock(mu_);
    now_ += d;
  }

 private:
  mutable std::mutex mu_;
  mutable TimePoint now_;
};

TimePoint T(const std::string& rfc3339) {
  Result<TimePoint> t = ParseRfc3339(rfc3339);
  EXPECT_TRUE(t.ok()) << rfc3339;
  return t.value_or(TimePoint{});
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Everything SQLite may have written for the database: the file itself and its WAL.
std::string ReadDatabaseBytes(const std::string& path) {
  std::string bytes = ReadFile(path);
  if (fs::exists(path + "-wal")) {
    bytes += ReadFile(path + "-wal");
  }
  return bytes;
}

mode_t ModeOf(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

// Direct access to the database file, bypassing the store (to inspect or corrupt it).
class RawDb {
 public:
  explicit RawDb(const std::string& path) {
    EXPECT_EQ(sqlite3_open(path.c_str(), &db_), SQLITE_OK);
    sqlite3_busy_timeout(db_, 5000);
  }
  ~RawDb() { sqlite3_close(db_); }
  RawDb(const RawDb&) = delete;
  RawDb& operator=(const RawDb&) = delete;

  int Exec(const std::string& sql) {
    char* err = nullptr;
    const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
    if (err != nullptr) {
      ADD_FAILURE() << sql << ": " << err;
      sqlite3_free(err);
    }
    return rc;
  }
  // First column of the first row as text ("" when no row).
  std::string Query(const std::string& sql) {
    sqlite3_stmt* stmt = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK) << sqlite3_errmsg(db_);
    std::string out;
    if (stmt != nullptr && sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_text(stmt, 0) != nullptr) {
      out = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    }
    sqlite3_finalize(stmt);
    return out;
  }

 private:
  sqlite3* db_ = nullptr;
};

std::string Pem(const std::string& label, const std::string& marker) {
  return "-----BEGIN " + label + "-----\nMIIEv" + marker + "QIBADANBgkqhkiG9w0BAQEFAASC\n-----END " + label + "-----\n";
}

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ionos_store_test_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    path_ = dir_ + "/data/certificates.db";
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  StoreOptions Options(const std::string& key = "") {
    StoreOptions options;
    options.encryption_key = key;
    options.clock = &clock_;
    options.random = &random_;
    return options;
  }
  Result<std::unique_ptr<Store>> OpenAt(const std::string& path, const std::string& key = "") {
    return OpenStore("sqlite:" + path, Options(key));
  }
  std::unique_ptr<Store> MustOpen(const std::string& key = "") {
    Result<std::unique_ptr<Store>> store = OpenAt(path_, key);
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    return store.ok() ? std::move(store).value() : nullptr;
  }

  AccountRecord SampleAccount(const std::string& marker = "acct") {
    AccountRecord a;
    a.name = "letsencrypt-" + marker;
    a.email = "ops@example.com";
    a.server = "https://acme.example/directory";
    a.key_algorithm = "ecdsa256";
    a.account_url = "https://acme.example/acct/1";
    a.status = "valid";
    a.private_key_pem = Pem("EC PRIVATE KEY", marker);
    a.eab_key_id = "kid-1";
    return a;
  }
  AutoCertificateRecord SampleAutoCertificate(const std::string& provider_id = "provider-1") {
    AutoCertificateRecord r;
    r.provider_id = provider_id;
    r.name = "www";
    r.common_name = "www.example.com";
    r.subject_alternative_names = {"www.example.com", "example.com", "*.api.example.com"};
    r.key_algorithm = "rsa2048";
    r.renew_before_days = 30;
    r.grace_period_days = 14;
    return r;
  }
  CertificateRecord SampleCertificate(const std::string& auto_certificate_id, const std::string& marker) {
    CertificateRecord c;
    c.auto_certificate_id = auto_certificate_id;
    c.name = "www.example.com-" + FormatCompactUtc(clock_.Now()) + (marker == "1" ? "" : "-" + marker);
    c.serial_number = "0a:1b:" + marker;
    c.not_before = clock_.Now();
    c.not_after = clock_.Now() + std::chrono::hours(24 * 90);
    c.certificate_pem = Pem("CERTIFICATE", "leaf" + marker);
    c.chain_pem = Pem("CERTIFICATE", "chain" + marker);
    c.private_key_pem = Pem("PRIVATE KEY", "key" + marker);
    c.fingerprint_sha256 = "ab:cd:" + marker;
    c.issued_at = clock_.Now();
    return c;
  }

  FakeClock clock_{T("2026-11-23T01:17:15Z")};
  SystemRandom random_;
  std::string dir_;
  std::string path_;
};

// ------------------------------------------------------------------ URLs

TEST(StoreUrlTest, AcceptedSqliteFormsTable) {
  const std::string cwd = fs::current_path().string();
  const char* home = std::getenv("HOME");
  struct Case {
    std::string url;
    std::string path;
  };
  std::vector<Case> cases = {
      {"sqlite:/var/lib/certs.db", "/var/lib/certs.db"},
      {"sqlite:///var/lib/certs.db", "/var/lib/certs.db"},
      {"sqlite:certs.db", cwd + "/certs.db"},
      {"sqlite:state/certs.db", cwd + "/state/certs.db"},
      {"sqlite:./a/../b/certs.db", cwd + "/b/certs.db"},
      {"sqlite:/var//lib/./certs.db", "/var/lib/certs.db"},
  };
  if (home != nullptr && home[0] == '/') {
    cases.push_back({"sqlite:~/certs.db", (fs::path(home) / "certs.db").lexically_normal().string()});
  }
  for (const Case& c : cases) {
    SCOPED_TRACE(c.url);
    EXPECT_TRUE(ValidateStoreUrl(c.url).ok());
    Result<std::string> path = SqliteStorePath(c.url);
    ASSERT_TRUE(path.ok()) << path.status().ToString();
    EXPECT_EQ(*path, c.path);
  }
}

TEST(StoreUrlTest, RejectedFormsTable) {
  struct Case {
    std::string url;
    StatusCode code;
    std::string message_part;
  };
  const std::vector<Case> cases = {
      {"", StatusCode::kInvalidArgument, "sqlite:PATH"},
      {"sqlite:", StatusCode::kInvalidArgument, "no path"},
      {"sqlite://host/certs.db", StatusCode::kInvalidArgument, "absolute path"},
      {"sqlite:/var/certs.db?mode=ro", StatusCode::kInvalidArgument, "no query parameters"},
      {"sqlite:/var/lib/", StatusCode::kInvalidArgument, "names a directory"},
      {"/var/lib/certs.db", StatusCode::kInvalidArgument, "sqlite:PATH"},
      {"mysql://admin:hunter2@db.example/certs", StatusCode::kInvalidArgument, "sqlite:PATH"},
      {"file:certs.db", StatusCode::kInvalidArgument, "\"file:\""},
      {"postgres://admin:hunter2@db.example/certs", StatusCode::kUnimplemented,
       "postgres stores are not supported yet"},
      {"postgresql://admin:hunter2@db.example/certs", StatusCode::kUnimplemented,
       "postgres stores are not supported yet"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.url);
    Status validated = ValidateStoreUrl(c.url);
    EXPECT_EQ(validated.code(), c.code) << validated.ToString();
    EXPECT_NE(validated.message().find(c.message_part), std::string::npos) << validated.message();
    EXPECT_EQ(validated.message().find("hunter2"), std::string::npos) << "password echoed";

    Result<std::unique_ptr<Store>> store = OpenStore(c.url, StoreOptions{});
    ASSERT_FALSE(store.ok());
    EXPECT_EQ(store.status(), validated);
  }
}

// Sets an environment variable for the scope of a test and restores it afterwards.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    const char* old = std::getenv(name);
    if (old != nullptr) {
      old_ = old;
    }
    if (value != nullptr) {
      setenv(name, value, 1);
    } else {
      unsetenv(name);
    }
  }
  ~ScopedEnv() {
    if (old_.has_value()) {
      setenv(name_.c_str(), old_->c_str(), 1);
    } else {
      unsetenv(name_.c_str());
    }
  }

 private:
  std::string name_;
  std::optional<std::string> old_;
};

TEST(StoreUrlTest, DefaultStoreUrlTable) {
  struct Case {
    const char* xdg;
    const char* home;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {"/xdg/data", "/home/u", "sqlite:/xdg/data/terraform-provider-ionos/certificates.db"},
      {"/xdg/data/", "/home/u", "sqlite:/xdg/data/terraform-provider-ionos/certificates.db"},
      {nullptr, "/home/u", "sqlite:/home/u/.local/share/terraform-provider-ionos/certificates.db"},
      {"", "/home/u", "sqlite:/home/u/.local/share/terraform-provider-ionos/certificates.db"},
      {"relative/dir", "/home/u", "sqlite:/home/u/.local/share/terraform-provider-ionos/certificates.db"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.expected + " xdg=" + (c.xdg ? c.xdg : "(unset)"));
    ScopedEnv xdg("XDG_DATA_HOME", c.xdg);
    ScopedEnv home("HOME", c.home);
    EXPECT_EQ(DefaultStoreUrl(), c.expected);
    EXPECT_TRUE(ValidateStoreUrl(DefaultStoreUrl()).ok());
  }
}

// ------------------------------------------------------------------ files

TEST_F(StoreTest, CreatesDirectories0700AndFile0600) {
  path_ = dir_ + "/a/b/certificates.db";
  auto store = MustOpen();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(ModeOf(dir_ + "/a"), 0700u);
  EXPECT_EQ(ModeOf(dir_ + "/a/b"), 0700u);
  EXPECT_EQ(ModeOf(path_), 0600u);
  ASSERT_TRUE(store->CreateAccount(SampleAccount()).ok());
  for (const char* suffix : {"-wal", "-shm"}) {
    if (fs::exists(path_ + suffix)) {
      EXPECT_EQ(ModeOf(path_ + suffix) & 0077, 0u) << suffix << " readable by others";
    }
  }
  EXPECT_EQ(store->Describe(), "sqlite:" + path_);
}

TEST_F(StoreTest, MustExistOpensOnlyAnExistingStoreAndCreatesNothing) {
  StoreOptions options = Options();
  options.must_exist = true;
  Result<std::unique_ptr<Store>> missing = OpenStore("sqlite:" + path_, options);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(missing.status().message(), "there is no store at sqlite:" + path_ + " (the file does not exist)");
  EXPECT_FALSE(fs::exists(path_));
  EXPECT_FALSE(fs::exists(fs::path(path_).parent_path()));

  ASSERT_NE(MustOpen(), nullptr);  // now it exists
  Result<std::unique_ptr<Store>> existing = OpenStore("sqlite:" + path_, options);
  ASSERT_TRUE(existing.ok()) << existing.status().ToString();
  EXPECT_TRUE((*existing)->ListAutoCertificates().ok());
}

TEST_F(StoreTest, UsesWalJournalAndRecordsSchemaVersion) {
  {
    auto store = MustOpen();
    ASSERT_NE(store, nullptr);
    RawDb raw(path_);
    EXPECT_EQ(raw.Query("PRAGMA journal_mode"), "wal");
    EXPECT_EQ(raw.Query("SELECT group_concat(version) FROM schema_version"), "1,2,3,4");
  }
  // Re-opening an up-to-date store applies nothing twice.
  auto again = MustOpen();
  ASSERT_NE(again, nullptr);
  RawDb raw(path_);
  EXPECT_EQ(raw.Query("SELECT count(*) FROM schema_version"), std::to_string(kSqliteStoreSchemaVersion));
}

TEST_F(StoreTest, DeletedIdsAreRememberedNeverKnownOnesAreNot) {
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
}

TEST_F(StoreTest, MigratesAnEmptyExistingFile) {
  fs::create_directories(dir_ + "/data");
  const int fd = open(path_.c_str(), O_CREAT | O_WRONLY, 0600);
  ASSERT_GE(fd, 0);
  close(fd);
  ASSERT_EQ(fs::file_size(path_), 0u);
  auto store = MustOpen();
  ASSERT_NE(store, nullptr);
  RawDb raw(path_);
  EXPECT_EQ(raw.Query("SELECT MAX(version) FROM schema_version"), std::to_string(kSqliteStoreSchemaVersion));
  for (const char* table : {"accounts", "auto_certificates", "certificates", "pending_dns_records"}) {
    EXPECT_EQ(raw.Query(std::string("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '") + table +
                        "'"),
              "1")
        << table;
  }
}

TEST_F(StoreTest, ReopenKeepsEverything) {
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
    auto cert = store->AddCertificate(SampleCertificate(auto_id, "1"));
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

TEST_F(StoreTest, NewerSchemaIsRefused) {
  ASSERT_NE(MustOpen(), nullptr);
  {
    RawDb raw(path_);
    raw.Exec("INSERT INTO schema_version (version, applied_at) VALUES (99, '2030-01-01T00:00:00Z')");
  }
  Result<std::unique_ptr<Store>> store = OpenAt(path_);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kFailedPrecondition);
  const std::string m = store.status().message();
  EXPECT_NE(m.find("store at sqlite:" + path_ + " was written by a newer version"), std::string::npos) << m;
  EXPECT_NE(m.find("schema 99, this provider knows " + std::to_string(kSqliteStoreSchemaVersion)), std::string::npos)
      << m;
  EXPECT_NE(m.find("upgrade the provider"), std::string::npos) << m;
}

TEST_F(StoreTest, ForeignSqliteDatabaseIsRefused) {
  fs::create_directories(dir_ + "/data");
  {
    RawDb raw(path_);
    raw.Exec("CREATE TABLE photos (id INTEGER)");
  }
  Result<std::unique_ptr<Store>> store = OpenAt(path_);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(store.status().message().find(path_), std::string::npos);
  RawDb raw(path_);
  EXPECT_EQ(raw.Query("SELECT count(*) FROM sqlite_master WHERE name = 'accounts'"), "0") << "foreign file altered";
}

TEST_F(StoreTest, NonDatabaseFileIsDataLossNamingThePath) {
  fs::create_directories(dir_ + "/data");
  {
    std::ofstream out(path_, std::ios::binary);
    out << std::string(8192, 'G');
  }
  Result<std::unique_ptr<Store>> store = OpenAt(path_);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kDataLoss) << store.status().ToString();
  EXPECT_NE(store.status().message().find("sqlite:" + path_), std::string::npos) << store.status().message();
}

TEST_F(StoreTest, UncreatableLocationNamesThePath) {
  {
    std::ofstream blocker(dir_ + "/blocker");
    blocker << "a file where a directory should be";
  }
  const std::string path = dir_ + "/blocker/sub/certificates.db";
  Result<std::unique_ptr<Store>> store = OpenAt(path);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kFailedPrecondition) << store.status().ToString();
  EXPECT_NE(store.status().message().find("sqlite:" + path), std::string::npos) << store.status().message();
  EXPECT_NE(store.status().message().find(dir_ + "/blocker"), std::string::npos) << store.status().message();
}

TEST_F(StoreTest, ReadOnlyFileIsPermissionDeniedNamingThePath) {
  if (geteuid() == 0) {
    GTEST_SKIP() << "root ignores file permissions";
  }
  ASSERT_NE(MustOpen(), nullptr);
  ASSERT_EQ(chmod(path_.c_str(), 0400), 0);
  Result<std::unique_ptr<Store>> store = OpenAt(path_);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kPermissionDenied) << store.status().ToString();
  EXPECT_NE(store.status().message().find("sqlite:" + path_), std::string::npos);
}

TEST_F(StoreTest, LockedStoreIsUnavailableNamingThePath) {
  ASSERT_NE(MustOpen(), nullptr);
  RawDb holder(path_);
  ASSERT_EQ(holder.Exec("BEGIN IMMEDIATE"), SQLITE_OK);
  StoreOptions options = Options();
  options.busy_timeout = std::chrono::milliseconds(100);
  Result<std::unique_ptr<Store>> store = OpenStore("sqlite:" + path_, options);
  ASSERT_TRUE(store.ok()) << "readers are not blocked in WAL mode: " << store.status().ToString();
  Result<AccountRecord> created = (*store)->CreateAccount(SampleAccount());
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(created.status().message().find("sqlite:" + path_), std::string::npos) << created.status().message();
  EXPECT_NE(created.status().message().find("locked"), std::string::npos) << created.status().message();
  ASSERT_EQ(holder.Exec("ROLLBACK"), SQLITE_OK);
  EXPECT_TRUE((*store)->CreateAccount(SampleAccount()).ok()) << "usable again once the lock is gone";
}

// ------------------------------------------------------------------ accounts

TEST_F(StoreTest, AccountCrud) {
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

  change.server = "https://elsewhere.test/dir";
  EXPECT_EQ(store->UpdateAccount(change).status().code(), StatusCode::kInvalidArgument)
      << "the server of an account never changes";

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
  EXPECT_EQ((*all)[1].private_key_pem, "") << "listings carry no key";

  ASSERT_TRUE(store->DeleteAccount(created->id).ok());
  EXPECT_EQ(store->GetAccount(created->id).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store->DeleteAccount(created->id).code(), StatusCode::kNotFound);
  all = store->ListAccounts();
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 1u);
}

TEST_F(StoreTest, DuplicateIdsAreAlreadyExists) {
  auto store = MustOpen();
  ASSERT_NE(store, nullptr);
  AccountRecord a = SampleAccount();
  a.id = "dup";
  ASSERT_TRUE(store->CreateAccount(a).ok());
  EXPECT_EQ(store->CreateAccount(a).status().code(), StatusCode::kAlreadyExists);

  AutoCertificateRecord ac = SampleAutoCertificate();
  ac.id = "dup";
  ASSERT_TRUE(store->CreateAutoCertificate(ac).ok());
  EXPECT_EQ(store->CreateAutoCertificate(ac).status().code(), StatusCode::kAlreadyExists);

  PendingDnsRecord p;
  p.id = "dup";
  ASSERT_TRUE(store->NotePendingDnsRecord(p).ok());
  EXPECT_EQ(store->NotePendingDnsRecord(p).status().code(), StatusCode::kAlreadyExists);
}

TEST_F(StoreTest, MissingIdsAreNotFoundNamingTheStoreTable) {
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
      {"AddCertificate", [&] { return store->AddCertificate(SampleCertificate(id, "x")).status(); },
       "auto certificate"},
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
}

// ------------------------------------------------------------------ auto certificates

TEST_F(StoreTest, AutoCertificateCrud) {
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

  struct Immutable {
    const char* name;
    std::function<void(AutoCertificateRecord&)> mutate;
  };
  const std::vector<Immutable> immutables = {
      {"common_name", [](AutoCertificateRecord& r) { r.common_name = "other.example.com"; }},
  };
  AutoCertificateRecord moved = *got;
  moved.provider_id = "provider-2";
  moved.profile = "tlsserver";
  moved.settings.dns_api_url = "https://dns.example.test";
  moved.settings.dns_resolvers = {"127.0.0.1:53"};
  moved.settings.propagation_timeout = std::chrono::seconds(90);
  Result<AutoCertificateRecord> moved_back = store->UpdateAutoCertificate(moved);
  ASSERT_TRUE(moved_back.ok()) << "another account re-issues in place (issue 15.5)";
  EXPECT_EQ(store->GetAutoCertificate(created->id)->provider_id, "provider-2");
  EXPECT_EQ(store->GetAutoCertificate(created->id)->profile, "tlsserver");
  EXPECT_EQ(store->GetAutoCertificate(created->id)->settings, moved.settings);
  ASSERT_TRUE(store->UpdateAutoCertificate(*got).ok());
  for (const Immutable& c : immutables) {
    SCOPED_TRACE(c.name);
    AutoCertificateRecord bad = *got;
    bad.name = "should not be applied";
    c.mutate(bad);
    Result<AutoCertificateRecord> refused = store->UpdateAutoCertificate(bad);
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(refused.status().message().find(c.name), std::string::npos);
    EXPECT_EQ(store->GetAutoCertificate(created->id)->name, "www (prod)") << "nothing changed";
  }

  Result<std::vector<AutoCertificateRecord>> all = store->ListAutoCertificates();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].id, created->id);
  EXPECT_EQ((*all)[1].id, second->id);

  ASSERT_TRUE(store->DeleteAutoCertificate(second->id).ok());
  EXPECT_EQ(store->GetAutoCertificate(second->id).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store->ListAutoCertificates()->size(), 1u);
}

// ------------------------------------------------------------------ certificates

TEST_F(StoreTest, AddCertificateSupersedesThePreviousActiveOne) {
  auto store = MustOpen();
  ASSERT_NE(store, nullptr);
  auto ac = store->CreateAutoCertificate(SampleAutoCertificate());
  ASSERT_TRUE(ac.ok());
  auto listed = store->ListCertificates(ac->id);
  ASSERT_TRUE(listed.ok());
  EXPECT_TRUE(listed->empty());

  const TimePoint t1 = clock_.Now();
  auto c1 = store->AddCertificate(SampleCertificate(ac->id, "1"));
  ASSERT_TRUE(c1.ok()) << c1.status().ToString();
  EXPECT_EQ(c1->status, "active");
  EXPECT_FALSE(c1->superseded_at.has_value());

  clock_.Advance(std::chrono::hours(24 * 60));
  const TimePoint t2 = clock_.Now();
  auto c2 = store->AddCertificate(SampleCertificate(ac->id, "2"));
  ASSERT_TRUE(c2.ok());
  clock_.Advance(std::chrono::hours(24 * 60));
  const TimePoint t3 = clock_.Now();
  CertificateRecord third = SampleCertificate(ac->id, "3");
  third.status = "superseded";  // ignored: a new certificate is always active
  auto c3 = store->AddCertificate(third);
  ASSERT_TRUE(c3.ok());
  EXPECT_EQ(c3->status, "active");

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

  auto got = store->GetCertificate(c1->id);
  ASSERT_TRUE(got.ok());
  const CertificateRecord want = SampleCertificate(ac->id, "1");
  EXPECT_EQ(got->auto_certificate_id, ac->id);
  EXPECT_EQ(got->name, "www.example.com-20261123T011715Z");
  EXPECT_EQ(got->serial_number, want.serial_number);
  EXPECT_EQ(got->not_before, t1);
  EXPECT_EQ(got->not_after, t1 + std::chrono::hours(24 * 90));
  EXPECT_EQ(got->certificate_pem, want.certificate_pem);
  EXPECT_EQ(got->chain_pem, want.chain_pem);
  EXPECT_EQ(got->private_key_pem, want.private_key_pem);
  EXPECT_EQ(got->fingerprint_sha256, want.fingerprint_sha256);
  EXPECT_EQ(got->status, "superseded");

  // Another auto certificate's active certificate is untouched.
  AutoCertificateRecord other_ac = SampleAutoCertificate();
  other_ac.common_name = "api.example.com";
  auto other = store->CreateAutoCertificate(other_ac);
  ASSERT_TRUE(other.ok());
  auto other_cert = store->AddCertificate(SampleCertificate(other->id, "o"));
  ASSERT_TRUE(other_cert.ok());
  EXPECT_EQ(store->GetCertificate(c3->id)->status, "active");

  auto all = store->ListAllCertificates();
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 4u);
  RawDb raw(path_);
  EXPECT_EQ(raw.Query("SELECT count(*) FROM certificates WHERE status = 'active'"), "2");
}

TEST_F(StoreTest, AddCertificateTimesAreWholeSecondsAndIssuedAtDefaultsToNow) {
  auto store = MustOpen();
  ASSERT_NE(store, nullptr);
  auto ac = store->CreateAutoCertificate(SampleAutoCertificate());
  ASSERT_TRUE(ac.ok());
  clock_.Advance(seconds(5));
  CertificateRecord c = SampleCertificate(ac->id, "ms");
  c.not_before = T("2026-11-23T01:00:00Z") + std::chrono::milliseconds(999);
  c.issued_at = TimePoint{};
  auto added = store->AddCertificate(c);
  ASSERT_TRUE(added.ok());
  EXPECT_EQ(added->not_before, T("2026-11-23T01:00:00Z"));
  EXPECT_EQ(added->issued_at, T("2026-11-23T01:17:20Z"));
  auto got = store->GetCertificate(added->id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->not_before, added->not_before);
  EXPECT_EQ(got->issued_at, added->issued_at);
}

TEST_F(StoreTest, FailedAddLeavesThePreviousCertificateActive) {
  auto store = MustOpen();
  ASSERT_NE(store, nullptr);
  auto ac = store->CreateAutoCertificate(SampleAutoCertificate());
  ASSERT_TRUE(ac.ok());
  CertificateRecord first = SampleCertificate(ac->id, "1");
  first.id = "cert-1";
  ASSERT_TRUE(store->AddCertificate(first).ok());
  clock_.Advance(seconds(10));
  // The supersede UPDATE succeeds inside the transaction, then the INSERT fails (duplicate id):
  // the whole transaction must roll back.
  CertificateRecord clash = SampleCertificate(ac->id, "2");
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

TEST_F(StoreTest, DeleteCertificateDoesNotPromoteAnother) {
  auto store = MustOpen();
  ASSERT_NE(store, nullptr);
  auto ac = store->CreateAutoCertificate(SampleAutoCertificate());
  ASSERT_TRUE(ac.ok());
  auto c1 = store->AddCertificate(SampleCertificate(ac->id, "1"));
  clock_.Advance(seconds(1));
  auto c2 = store->AddCertificate(SampleCertificate(ac->id, "2"));
  ASSERT_TRUE(c1.ok());
  ASSERT_TRUE(c2.ok());
  ASSERT_TRUE(store->DeleteCertificate(c1->id).ok());
  EXPECT_EQ(store->GetCertificate(c1->id).status().code(), StatusCode::kNotFound);
  ASSERT_TRUE(store->DeleteCertificate(c2->id).ok());
  auto listed = store->ListCertificates(ac->id);
  ASSERT_TRUE(listed.ok());
  EXPECT_TRUE(listed->empty());
  // The next Add works without a predecessor.
  auto c3 = store->AddCertificate(SampleCertificate(ac->id, "3"));
  ASSERT_TRUE(c3.ok());
  EXPECT_EQ(c3->status, "active");
}

TEST_F(StoreTest, DeleteAutoCertificateDeletesItsCertificates) {
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
    auto c = store->AddCertificate(SampleCertificate(doomed->id, "d" + std::to_string(i)));
    ASSERT_TRUE(c.ok());
    doomed_certs.push_back(c->id);
  }
  auto kept = store->AddCertificate(SampleCertificate(keep->id, "k"));
  ASSERT_TRUE(kept.ok());

  ASSERT_TRUE(store->DeleteAutoCertificate(doomed->id).ok());
  for (const std::string& id : doomed_certs) {
    EXPECT_EQ(store->GetCertificate(id).status().code(), StatusCode::kNotFound) << id;
  }
  EXPECT_EQ(store->ListCertificates(doomed->id).status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(store->GetCertificate(kept->id).ok());
  auto all = store->ListAllCertificates();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ((*all)[0].id, kept->id);
  RawDb raw(path_);
  EXPECT_EQ(raw.Query("SELECT count(*) FROM certificates"), "1");
}

// ------------------------------------------------------------------ pending DNS records

TEST_F(StoreTest, PendingDnsRecordLifecycle) {
  auto store = MustOpen();
  ASSERT_NE(store, nullptr);
  PendingDnsRecord a;
  a.zone_id = "zone-uuid-1";
  a.zone_name = "example.com";
  a.record_name = "_acme-challenge.www";
  a.fqdn = "_acme-challenge.www.example.com";
  a.value = "LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0";
  auto noted_a = store->NotePendingDnsRecord(a);
  ASSERT_TRUE(noted_a.ok()) << noted_a.status().ToString();
  EXPECT_FALSE(noted_a->record_id.has_value());
  EXPECT_EQ(noted_a->created_at, clock_.Now());
  PendingDnsRecord b = a;
  b.record_name = "_acme-challenge";
  b.fqdn = "_acme-challenge.example.com";
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
  EXPECT_EQ(first.record_id, std::optional<std::string>("record-uuid-9"));
  EXPECT_EQ(first.created_at, noted_a->created_at);
  EXPECT_EQ((*listed)[1].id, noted_b->id);
  EXPECT_FALSE((*listed)[1].record_id.has_value());

  ASSERT_TRUE(store->RemovePendingDnsRecord(noted_a->id).ok());
  EXPECT_EQ(store->RemovePendingDnsRecord(noted_a->id).code(), StatusCode::kNotFound);
  listed = store->ListPendingDnsRecords();
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].id, noted_b->id);
}

// ------------------------------------------------------------------ encryption at rest

TEST_F(StoreTest, PrivateKeysAtRestTable) {
  const std::string key(32, '\x07');
  struct Case {
    const char* name;
    std::string key;
    bool pem_visible_on_disk;
  };
  const std::vector<Case> cases = {
      {"with store_encryption_key", key, false},
      {"without store_encryption_key", "", true},
  };
  int round = 0;
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    path_ = dir_ + "/rest" + std::to_string(round) + "/certificates.db";
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
      CertificateRecord cert = SampleCertificate(ac->id, "x");
      cert.private_key_pem = cert_pem;
      auto added = store->AddCertificate(cert);
      ASSERT_TRUE(added.ok());
      cert_id = added->id;
      // While open, the data may still be in the WAL: look at both files.
      const std::string live = ReadDatabaseBytes(path_);
      EXPECT_EQ(live.find(account_pem) != std::string::npos, c.pem_visible_on_disk);
      EXPECT_EQ(live.find(cert_pem) != std::string::npos, c.pem_visible_on_disk);
      EXPECT_EQ(live.find(marker) != std::string::npos, c.pem_visible_on_disk);
      // The certificate itself is public and stays readable.
      EXPECT_NE(live.find(Pem("CERTIFICATE", "leafx")), std::string::npos);
    }
    const std::string closed = ReadDatabaseBytes(path_);
    EXPECT_EQ(closed.find(marker) != std::string::npos, c.pem_visible_on_disk);
    EXPECT_EQ(closed.find(std::string(key)) != std::string::npos, false) << "the key itself is never stored";
    {
      RawDb raw(path_);
      const std::string stored = raw.Query("SELECT private_key FROM certificates");
      EXPECT_EQ(stored.rfind(kEncryptedValuePrefix, 0) == 0, !c.pem_visible_on_disk) << stored.substr(0, 12);
    }
    auto store = MustOpen(c.key);
    ASSERT_NE(store, nullptr);
    EXPECT_EQ(store->GetAccount(account_id)->private_key_pem, account_pem);
    EXPECT_EQ(store->GetCertificate(cert_id)->private_key_pem, cert_pem);
  }
}

TEST_F(StoreTest, WrongOrMissingKeyIsDataLossNamingStoreEncryptionKey) {
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
    CertificateRecord cert = SampleCertificate(ac->id, "k");
    cert.private_key_pem = pem;
    auto added = store->AddCertificate(cert);
    ASSERT_TRUE(added.ok());
    cert_id = added->id;
  }
  const std::string wrong_key(32, 'B');
  struct Case {
    const char* name;
    std::string key;
    std::string message_part;
  };
  const std::vector<Case> cases = {
      {"wrong key", wrong_key, "store_encryption_key is wrong"},
      {"missing key", "", "store_encryption_key is missing"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    auto store = MustOpen(c.key);
    ASSERT_NE(store, nullptr) << "opening does not need to decrypt anything";
    std::vector<Status> statuses = {
        store->GetAccount(account_id).status(),
        store->GetCertificate(cert_id).status(),
    };
    // Listings carry no key and never decrypt one: they work without the right store key
    // (issue 11: the listing command failed without the key although it shows none).
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
    // Records without private keys remain readable.
    EXPECT_TRUE(store->GetAutoCertificate(auto_id).ok());
  }
}

TEST_F(StoreTest, EncryptedKeyMovedToAnotherRecordIsDetected) {
  const std::string key(32, 'K');
  auto store = MustOpen(key);
  ASSERT_NE(store, nullptr);
  auto ac = store->CreateAutoCertificate(SampleAutoCertificate());
  ASSERT_TRUE(ac.ok());
  CertificateRecord a = SampleCertificate(ac->id, "a");
  a.id = "cert-a";
  CertificateRecord b = SampleCertificate(ac->id, "b");
  b.id = "cert-b";
  ASSERT_TRUE(store->AddCertificate(a).ok());
  ASSERT_TRUE(store->AddCertificate(b).ok());
  {
    RawDb raw(path_);
    raw.Exec("UPDATE certificates SET private_key = (SELECT private_key FROM certificates WHERE id = 'cert-a') "
             "WHERE id = 'cert-b'");
  }
  EXPECT_TRUE(store->GetCertificate("cert-a").ok());
  Result<CertificateRecord> swapped = store->GetCertificate("cert-b");
  ASSERT_FALSE(swapped.ok());
  EXPECT_EQ(swapped.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(swapped.status().message().find("altered"), std::string::npos);
}

TEST_F(StoreTest, PlaintextKeysStayReadableAfterAKeyIsConfigured) {
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
  RawDb raw(path_);
  EXPECT_EQ(raw.Query("SELECT substr(private_key, 1, 7) FROM accounts WHERE id = '" + fresh->id + "'"),
            kEncryptedValuePrefix);
}

TEST_F(StoreTest, EncryptionKeyOfWrongLengthIsInvalidArgument) {
  for (size_t n : {size_t{1}, size_t{16}, size_t{31}, size_t{33}, size_t{44}}) {
    SCOPED_TRACE(n);
    Result<std::unique_ptr<Store>> store = OpenAt(path_, std::string(n, 'k'));
    ASSERT_FALSE(store.ok());
    EXPECT_EQ(store.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(store.status().message().find("got " + std::to_string(n)), std::string::npos);
  }
}

// ------------------------------------------------------------------ concurrency

constexpr int kThreads = 8;
constexpr int kInsertsPerThread = 50;

TEST_F(StoreTest, ConcurrentWritersOnOneStore) {
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
        Result<CertificateRecord> added = store->AddCertificate(SampleCertificate(auto_ids[t], marker));
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

TEST_F(StoreTest, ConcurrentWritersOnTwoStoresSharingTheFile) {
  const std::string key(32, 'S');
  auto first = MustOpen(key);
  auto second = MustOpen(key);
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);
  // All writers add to the same auto certificate, through two connections: every Add must
  // supersede atomically, leaving exactly one active certificate.
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
        Result<CertificateRecord> added = store->AddCertificate(SampleCertificate(ac->id, marker));
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

TEST_F(StoreTest, ConcurrentWritersInTwoProcesses) {
  // Opened (and migrated) first so both processes find a current schema.
  ASSERT_NE(MustOpen(), nullptr);
  auto setup = MustOpen();
  ASSERT_NE(setup, nullptr);
  auto ac = setup->CreateAutoCertificate(SampleAutoCertificate());
  ASSERT_TRUE(ac.ok());
  setup.reset();

  constexpr int kPerProcess = 100;
  auto write = [&](const std::string& tag) -> int {
    StoreOptions options;  // a fresh process: its own clock and randomness
    Result<std::unique_ptr<Store>> store = OpenStore("sqlite:" + path_, options);
    if (!store.ok()) {
      return 2;
    }
    for (int i = 0; i < kPerProcess; ++i) {
      CertificateRecord c = SampleCertificate(ac->id, tag + std::to_string(i));
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

}  // namespace
}  // namespace ionos
