// Shared by the store tests (core_store_test.cc: the conformance suite over every backend;
// core_store_sqlite_test.cc, core_store_postgres_test.cc: one backend each; core_store_copy_test.cc):
// sample records, a raw handle on each backend's database (to look at what is at rest, or to
// corrupt it), and the backends a parametrized test runs against.
//
// PostgreSQL comes from tests/fakes/postgres_server.h: one real server per test binary (started on
// first use), a clean database per test (emptied and reused between tests: cheaper than a new one).
#pragma once

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "core/base/clock.h"
#include "core/store/store.h"
#include "tests/fakes/fake_clock.h"
#include "tests/fakes/postgres_server.h"

namespace ionos::store_test {

inline TimePoint T(const std::string& rfc3339) {
  Result<TimePoint> t = ParseRfc3339(rfc3339);
  EXPECT_TRUE(t.ok()) << rfc3339;
  return t.value_or(TimePoint{});
}

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline std::string Pem(const std::string& label, const std::string& marker) {
  return "-----BEGIN " + label + "-----\nMIIEv" + marker + "QIBADANBgkqhkiG9w0BAQEFAASC\n-----END " + label + "-----\n";
}

// Direct access to an SQLite database file, bypassing the store (to inspect or corrupt it).
class RawSqlite {
 public:
  explicit RawSqlite(const std::string& path) {
    EXPECT_EQ(sqlite3_open(path.c_str(), &db_), SQLITE_OK);
    sqlite3_busy_timeout(db_, 5000);
  }
  ~RawSqlite() { sqlite3_close(db_); }
  RawSqlite(const RawSqlite&) = delete;
  RawSqlite& operator=(const RawSqlite&) = delete;

  int Exec(const std::string& sql) {
    char* err = nullptr;
    const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
    if (err != nullptr) {
      ADD_FAILURE() << sql << ": " << err;
      sqlite3_free(err);
    }
    return rc;
  }
  // The first column of every row, joined by "," ("" when no row; NULL as "").
  std::string Query(const std::string& sql) {
    sqlite3_stmt* stmt = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK) << sqlite3_errmsg(db_);
    std::string out;
    bool first = true;
    while (stmt != nullptr && sqlite3_step(stmt) == SQLITE_ROW) {
      const unsigned char* text = sqlite3_column_text(stmt, 0);
      out += (first ? "" : ",") + std::string(text != nullptr ? reinterpret_cast<const char*>(text) : "");
      first = false;
    }
    sqlite3_finalize(stmt);
    return out;
  }

 private:
  sqlite3* db_ = nullptr;
};

enum class Backend { kSqlite, kPostgres };

inline std::string BackendName(const ::testing::TestParamInfo<Backend>& info) {
  return info.param == Backend::kSqlite ? "Sqlite" : "Postgres";
}

// A fresh, empty store location of one backend for one test: an SQLite file path in a temporary
// directory, or a new database in the binary's PostgreSQL server.
class StoreLocation {
 public:
  // Fails the current test (and returns nullptr) when PostgreSQL cannot be started.
  static std::unique_ptr<StoreLocation> Make(Backend backend) {
    std::unique_ptr<StoreLocation> location(new StoreLocation(backend));
    char tmpl[] = "/tmp/ionos_store_test_XXXXXX";
    if (mkdtemp(tmpl) == nullptr) {
      ADD_FAILURE() << "mkdtemp failed";
      return nullptr;
    }
    location->dir_ = tmpl;
    if (backend == Backend::kSqlite) {
      location->path_ = location->dir_ + "/data/certificates.db";
      location->url_ = "sqlite:" + location->path_;
      return location;
    }
    Result<fakes::PostgresServer*> server = fakes::SharedPostgresServer();
    if (!server.ok()) {
      ADD_FAILURE() << "PostgreSQL for the store tests: " << server.status().ToString();
      return nullptr;
    }
    location->server_ = *server;
    Result<std::string> database = location->server_->AcquireDatabase();
    if (!database.ok()) {
      ADD_FAILURE() << database.status().ToString();
      return nullptr;
    }
    location->database_ = *database;
    location->url_ = location->server_->Url(location->database_);
    return location;
  }
  ~StoreLocation() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
    if (server_ != nullptr && !database_.empty() && getpid() == owner_) {
      // Emptied for the next test (cheaper than a new database); a failure only costs the reuse.
      Status released = server_->ReleaseDatabase(database_);
      EXPECT_TRUE(released.ok()) << released.ToString();
    }
  }

  Backend backend() const { return backend_; }
  const std::string& url() const { return url_; }
  const std::string& dir() const { return dir_; }  // a temporary directory for the test's own files
  const std::string& sqlite_path() const { return path_; }
  fakes::PostgresServer* server() const { return server_; }
  const std::string& database() const { return database_; }

  // SQL straight on the database (SQLite: the file; PostgreSQL: as the superuser). Query returns
  // the first column of every row, joined by ",".
  std::string Query(const std::string& sql) const {
    if (backend_ == Backend::kSqlite) {
      RawSqlite raw(path_);
      return raw.Query(sql);
    }
    Result<std::string> out = server_->Query(database_, sql);
    EXPECT_TRUE(out.ok()) << sql << ": " << out.status().ToString();
    return out.value_or("");
  }
  void Exec(const std::string& sql) const {
    if (backend_ == Backend::kSqlite) {
      RawSqlite raw(path_);
      raw.Exec(sql);
      return;
    }
    Status s = server_->Exec(database_, sql);
    EXPECT_TRUE(s.ok()) << sql << ": " << s.ToString();
  }
  // Everything the backend keeps at rest: the SQLite file and its WAL, or a pg_dump.
  std::string AtRest() const {
    if (backend_ == Backend::kSqlite) {
      std::string bytes = ReadFile(path_);
      if (std::filesystem::exists(path_ + "-wal")) {
        bytes += ReadFile(path_ + "-wal");
      }
      return bytes;
    }
    Result<std::string> dump = server_->Dump(database_);
    EXPECT_TRUE(dump.ok()) << dump.status().ToString();
    return dump.value_or("");
  }
  // Whether opening created anything (an SQLite file, or tables in the database).
  bool HasAnything() const {
    if (backend_ == Backend::kSqlite) {
      return std::filesystem::exists(path_) || std::filesystem::exists(std::filesystem::path(path_).parent_path());
    }
    return Query("SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')") != "0";
  }

 private:
  explicit StoreLocation(Backend backend) : backend_(backend), owner_(getpid()) {}

  Backend backend_;
  pid_t owner_;
  std::string dir_;
  std::string path_;
  std::string url_;
  fakes::PostgresServer* server_ = nullptr;
  std::string database_;
};

// Sample records (the clock sets names and times).
inline AccountRecord SampleAccount(const std::string& marker = "acct") {
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

inline AutoCertificateRecord SampleAutoCertificate(const std::string& provider_id = "provider-1") {
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

inline CertificateRecord SampleCertificate(const Clock& clock, const std::string& auto_certificate_id,
                                           const std::string& marker) {
  CertificateRecord c;
  c.auto_certificate_id = auto_certificate_id;
  c.name = "www.example.com-" + FormatCompactUtc(clock.Now()) + (marker == "1" ? "" : "-" + marker);
  c.serial_number = "0a:1b:" + marker;
  c.not_before = clock.Now();
  c.not_after = clock.Now() + std::chrono::hours(24 * 90);
  c.certificate_pem = Pem("CERTIFICATE", "leaf" + marker);
  c.chain_pem = Pem("CERTIFICATE", "chain" + marker);
  c.private_key_pem = Pem("PRIVATE KEY", "key" + marker);
  c.fingerprint_sha256 = "ab:cd:" + marker;
  c.key_algorithm = "ecdsa256";
  c.issued_at = clock.Now();
  return c;
}

inline RenewalInfoRecord SampleRenewalInfo(const std::string& certificate_id, TimePoint now) {
  RenewalInfoRecord r;
  r.certificate_id = certificate_id;
  r.window_start = now + std::chrono::hours(24 * 60);
  r.window_end = now + std::chrono::hours(24 * 62);
  r.chosen_at = now + std::chrono::hours(24 * 61) + std::chrono::minutes(17);
  r.explanation_url = "https://acme.example/docs/ari";
  r.fetched_at = now;
  r.next_fetch_at = now + std::chrono::hours(6);
  return r;
}

}  // namespace ionos::store_test
