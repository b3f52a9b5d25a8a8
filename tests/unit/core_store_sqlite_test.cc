// SQLite-only store tests: URL forms, files and their modes, the WAL journal, what happens with
// files that are not a store, and SQLite's busy timeout. The contract every backend honours is
// tested by the conformance suite in core_store_test.cc.
#include "core/store/sqlite_store.h"

#include <fcntl.h>
#include <pwd.h>
#include <sys/wait.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "core/store/deferred_store.h"
#include "core/store/store.h"
#include "tests/fakes/fake_clock.h"
#include "tests/unit/store_test_support.h"

namespace ionos {
namespace {

namespace fs = std::filesystem;
using store_test::RawSqlite;
using store_test::SampleAccount;
using store_test::T;

mode_t ModeOf(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
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

  fakes::FakeClock clock_{T("2026-11-23T01:17:15Z")};
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
      {"ftp://admin:hunter2@db.example/certs", StatusCode::kInvalidArgument,
       "postgres://USER:PASSWORD@HOST:PORT/DATABASE?sslmode=MODE"},
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

// A store file that others may read (made by hand, or copied with cp) holds private keys: opening
// it tightens it to 0600. Before: it kept its mode, and so did its -wal and -shm files.
TEST_F(StoreTest, AnExistingStoreFileIsTightenedTo0600) {
  { ASSERT_NE(MustOpen(), nullptr); }
  ASSERT_EQ(chmod(path_.c_str(), 0644), 0);
  auto store = MustOpen();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(ModeOf(path_), 0600u);
}

// Two paths to one database (relative, absolute, through a symbolic link) take the same locks.
// Before: the lock folder was named after the path as written, and they did not exclude each other.
TEST_F(StoreTest, TwoPathsToOneDatabaseShareTheirLocks) {
  auto first = MustOpen();
  ASSERT_NE(first, nullptr);
  const std::string link = dir_ + "/link-to-data";
  ASSERT_EQ(symlink((dir_ + "/data").c_str(), link.c_str()), 0);
  Result<std::unique_ptr<Store>> second = OpenAt(link + "/./certificates.db");
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  Result<std::unique_ptr<StoreLock>> held = first->Lock("auto_certificate/x", LockOptions{});
  ASSERT_TRUE(held.ok()) << held.status().ToString();
  LockOptions quick;
  quick.timeout = std::chrono::seconds(1);  // the fake clock moves on each retry
  Result<std::unique_ptr<StoreLock>> again = (*second)->Lock("auto_certificate/x", quick);
  ASSERT_FALSE(again.ok()) << "the same lock, through another path";
  EXPECT_EQ(again.status().code(), StatusCode::kDeadlineExceeded) << again.status().ToString();
}

// The lock folder is never followed when it is a symbolic link: another user could otherwise make
// this process create and lock files where they like.
TEST_F(StoreTest, ALockFolderThatIsALinkIsRefused) {
  auto store = MustOpen();
  ASSERT_NE(store, nullptr);
  const std::string elsewhere = dir_ + "/elsewhere";
  ASSERT_EQ(mkdir(elsewhere.c_str(), 0700), 0);
  ASSERT_EQ(symlink(elsewhere.c_str(), (path_ + ".locks").c_str()), 0);
  Result<std::unique_ptr<StoreLock>> held = store->Lock("auto_certificate/x", LockOptions{});
  ASSERT_FALSE(held.ok());
  EXPECT_EQ(held.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(held.status().message().find("it must be a folder, not a link"), std::string::npos)
      << held.status().message();
  EXPECT_TRUE(fs::is_empty(elsewhere)) << "nothing created through the link";
}

// Nor is a lock file that is a symbolic link (O_NOFOLLOW): the lock is refused, and the file the
// link points to is neither created nor locked.
TEST_F(StoreTest, ALockFileThatIsALinkIsRefused) {
  auto store = MustOpen();
  ASSERT_NE(store, nullptr);
  {
    Result<std::unique_ptr<StoreLock>> first = store->Lock("auto_certificate/x", LockOptions{});
    ASSERT_TRUE(first.ok()) << first.status().ToString();
  }
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(path_ + ".locks")) files.push_back(entry.path());
  ASSERT_EQ(files.size(), 1u);
  const std::string target = dir_ + "/someone-elses-file";
  ASSERT_TRUE(fs::remove(files[0]));
  ASSERT_EQ(symlink(target.c_str(), files[0].c_str()), 0);
  Result<std::unique_ptr<StoreLock>> held = store->Lock("auto_certificate/x", LockOptions{});
  ASSERT_FALSE(held.ok());
  EXPECT_EQ(held.status().code(), StatusCode::kPermissionDenied) << held.status().ToString();
  EXPECT_NE(held.status().message().find("cannot open " + files[0].string()), std::string::npos)
      << held.status().message();
  EXPECT_FALSE(fs::exists(target)) << "nothing created through the link";
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

TEST_F(StoreTest, DeferredStoreReadsAMissingStoreAsEmptyAndCreatesItAtTheFirstWrite) {
  Result<std::unique_ptr<Store>> deferred = OpenDeferredStore(OpenStore, "sqlite:" + path_, Options());
  ASSERT_TRUE(deferred.ok()) << deferred.status().ToString();
  Store& store = **deferred;
  EXPECT_EQ(store.Describe(), "sqlite:" + path_);
  // What a plan of a new configuration reads: nothing there, nothing created.
  Result<std::vector<AccountRecord>> accounts = store.ListAccounts();
  ASSERT_TRUE(accounts.ok());
  EXPECT_TRUE(accounts->empty());
  EXPECT_TRUE(store.ListAllCertificates().ok());
  EXPECT_TRUE(store.ListPendingDnsRecords().ok());
  Result<bool> deleted = store.WasDeleted("account", "a1");
  ASSERT_TRUE(deleted.ok());
  EXPECT_FALSE(*deleted);
  // A read of an id (a refresh of existing state) names the store and that it does not exist.
  Result<AccountRecord> account = store.GetAccount("a1");
  ASSERT_FALSE(account.ok());
  EXPECT_EQ(account.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(account.status().message(),
            "account \"a1\" is not in the store sqlite:" + path_ + ", which does not exist");
  // Changing what is not there creates nothing either.
  EXPECT_EQ(store.DeleteAccount("a1").code(), StatusCode::kNotFound);
  EXPECT_FALSE(fs::exists(fs::path(path_).parent_path())) << "no directory, no file, no -wal/-shm";

  // The first write creates it; reads go to it from then on.
  Result<AccountRecord> created = store.CreateAccount(SampleAccount());
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  EXPECT_TRUE(fs::exists(path_));
  Result<AccountRecord> read = store.GetAccount(created->id);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(read->name, created->name);
}

TEST_F(StoreTest, DeferredStoreOfAnExistingStoreIsThatStore) {
  ASSERT_NE(MustOpen(), nullptr);
  Result<std::unique_ptr<Store>> deferred = OpenDeferredStore(OpenStore, "sqlite:" + path_, Options());
  ASSERT_TRUE(deferred.ok()) << deferred.status().ToString();
  EXPECT_TRUE((*deferred)->ListAccounts().ok());
  EXPECT_EQ((*deferred)->Describe(), "sqlite:" + path_);
}

TEST_F(StoreTest, UsesWalJournalAndRecordsSchemaVersion) {
  {
    auto store = MustOpen();
    ASSERT_NE(store, nullptr);
    RawSqlite raw(path_);
    EXPECT_EQ(raw.Query("PRAGMA journal_mode"), "wal");
    EXPECT_EQ(raw.Query("SELECT group_concat(version) FROM schema_version"), "1,2,3,4,5");
  }
  // Re-opening an up-to-date store applies nothing twice.
  auto again = MustOpen();
  ASSERT_NE(again, nullptr);
  RawSqlite raw(path_);
  EXPECT_EQ(raw.Query("SELECT count(*) FROM schema_version"), std::to_string(kSqliteStoreSchemaVersion));
}

TEST_F(StoreTest, MigratesAnEmptyExistingFile) {
  fs::create_directories(dir_ + "/data");
  const int fd = open(path_.c_str(), O_CREAT | O_WRONLY, 0600);
  ASSERT_GE(fd, 0);
  close(fd);
  ASSERT_EQ(fs::file_size(path_), 0u);
  auto store = MustOpen();
  ASSERT_NE(store, nullptr);
  RawSqlite raw(path_);
  EXPECT_EQ(raw.Query("SELECT MAX(version) FROM schema_version"), std::to_string(kSqliteStoreSchemaVersion));
  for (const char* table : {"accounts", "auto_certificates", "certificates", "pending_dns_records"}) {
    EXPECT_EQ(raw.Query(std::string("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '") + table +
                        "'"),
              "1")
        << table;
  }
}

TEST_F(StoreTest, ForeignSqliteDatabaseIsRefused) {
  fs::create_directories(dir_ + "/data");
  {
    RawSqlite raw(path_);
    raw.Exec("CREATE TABLE photos (id INTEGER)");
  }
  Result<std::unique_ptr<Store>> store = OpenAt(path_);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(store.status().message().find(path_), std::string::npos);
  RawSqlite raw(path_);
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

// Root ignores file modes, and CI runs as root: there the check runs in a forked child that has
// become the unprivileged user "nobody" (the store's directory handed to it), so the test means
// the same for every user and never skips.
TEST_F(StoreTest, ReadOnlyFileIsPermissionDeniedNamingThePath) {
  ASSERT_NE(MustOpen(), nullptr);
  ASSERT_EQ(chmod(path_.c_str(), 0400), 0);
  auto open_read_only = [&]() -> std::pair<StatusCode, std::string> {
    Result<std::unique_ptr<Store>> store = OpenAt(path_);
    return {store.status().code(), store.status().message()};
  };
  std::pair<StatusCode, std::string> got;
  if (geteuid() != 0) {
    got = open_read_only();
  } else {
    const passwd* nobody = getpwnam("nobody");
    ASSERT_NE(nobody, nullptr) << "no user nobody to run the check as";
    for (const auto& entry : std::filesystem::recursive_directory_iterator(dir_)) {
      ASSERT_EQ(lchown(entry.path().c_str(), nobody->pw_uid, nobody->pw_gid), 0) << entry.path();
    }
    ASSERT_EQ(chown(dir_.c_str(), nobody->pw_uid, nobody->pw_gid), 0);
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      close(fds[0]);
      std::string answer = "setuid failed";
      if (setgid(nobody->pw_gid) == 0 && setuid(nobody->pw_uid) == 0 && geteuid() != 0) {
        const auto [code, message] = open_read_only();
        answer = std::to_string(static_cast<int>(code)) + "|" + message;
      }
      ssize_t ignored = write(fds[1], answer.data(), answer.size());
      (void)ignored;
      _exit(0);
    }
    close(fds[1]);
    std::string answer;
    char buf[4096];
    for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;) answer.append(buf, static_cast<size_t>(n));
    close(fds[0]);
    int status = 0;
    waitpid(child, &status, 0);
    const size_t bar = answer.find('|');
    ASSERT_NE(bar, std::string::npos) << answer;
    got = {static_cast<StatusCode>(std::stoi(answer.substr(0, bar))), answer.substr(bar + 1)};
  }
  EXPECT_EQ(got.first, StatusCode::kPermissionDenied) << got.second;
  EXPECT_NE(got.second.find("sqlite:" + path_), std::string::npos) << got.second;
}

TEST_F(StoreTest, LockedStoreIsUnavailableNamingThePath) {
  ASSERT_NE(MustOpen(), nullptr);
  RawSqlite holder(path_);
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

}  // namespace
}  // namespace ionos
