#include "core/store/sqlite_store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <pwd.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "core/base/encoding.h"
#include "core/base/json.h"
#include "core/crypto/aead.h"
#include "core/crypto/crypto.h"
#include "core/store/key_sealing.h"

namespace ionos {
namespace {

// ------------------------------------------------------------------ schema
//
// Each migration moves the schema from version-1 to version. To change the schema, append a
// migration (never edit a released one) and raise kSqliteStoreSchemaVersion. Migrations run in
// one BEGIN IMMEDIATE transaction together with their schema_version rows.
struct Migration {
  int version;
  const char* sql;
};

constexpr Migration kMigrations[] = {
    {1, R"sql(
CREATE TABLE schema_version (
  version INTEGER PRIMARY KEY,
  applied_at TEXT NOT NULL
);
CREATE TABLE accounts (
  id TEXT PRIMARY KEY NOT NULL,
  name TEXT NOT NULL,
  email TEXT NOT NULL,
  server TEXT NOT NULL,
  key_algorithm TEXT NOT NULL,
  account_url TEXT NOT NULL,
  status TEXT NOT NULL,
  private_key TEXT NOT NULL,
  eab_key_id TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE TABLE auto_certificates (
  id TEXT PRIMARY KEY NOT NULL,
  provider_id TEXT NOT NULL,
  name TEXT NOT NULL,
  common_name TEXT NOT NULL,
  subject_alternative_names TEXT NOT NULL,
  key_algorithm TEXT NOT NULL,
  renew_before_days INTEGER NOT NULL,
  grace_period_days INTEGER NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE TABLE certificates (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  auto_certificate_id TEXT NOT NULL REFERENCES auto_certificates(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  serial_number TEXT NOT NULL,
  not_before TEXT NOT NULL,
  not_after TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('active', 'superseded')),
  certificate_pem TEXT NOT NULL,
  chain_pem TEXT NOT NULL,
  private_key TEXT NOT NULL,
  fingerprint_sha256 TEXT NOT NULL,
  issued_at TEXT NOT NULL,
  superseded_at TEXT
);
CREATE INDEX certificates_by_auto_certificate ON certificates(auto_certificate_id, issued_at);
CREATE UNIQUE INDEX certificates_one_active ON certificates(auto_certificate_id) WHERE status = 'active';
CREATE TABLE pending_dns_records (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  zone_id TEXT NOT NULL,
  zone_name TEXT NOT NULL,
  record_name TEXT NOT NULL,
  fqdn TEXT NOT NULL,
  value TEXT NOT NULL,
  record_id TEXT,
  created_at TEXT NOT NULL
);
)sql"},
    // 2: remember deleted ids, so a refresh can tell "deleted outside Terraform"
    // (drop it from state) from "this store never knew it" (an error naming the store).
    {2, R"sql(
CREATE TABLE deleted_records (
  kind TEXT NOT NULL,
  id TEXT NOT NULL,
  deleted_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
  PRIMARY KEY (kind, id)
);
CREATE TRIGGER accounts_tombstone AFTER DELETE ON accounts BEGIN
  INSERT OR REPLACE INTO deleted_records (kind, id) VALUES ('account', OLD.id);
END;
CREATE TRIGGER auto_certificates_tombstone AFTER DELETE ON auto_certificates BEGIN
  INSERT OR REPLACE INTO deleted_records (kind, id) VALUES ('auto_certificate', OLD.id);
END;
CREATE TRIGGER certificates_tombstone AFTER DELETE ON certificates BEGIN
  INSERT OR REPLACE INTO deleted_records (kind, id) VALUES ('certificate', OLD.id);
END;
)sql"},
    // 3: which process noted a pending DNS record, so a later run can tell the
    // leftovers of a killed process from the records of a running one.
    {3, R"sql(
ALTER TABLE pending_dns_records ADD COLUMN owner TEXT NOT NULL DEFAULT '';
)sql"},
    // 4: the ACME profile and the issuance settings of an auto certificate (for the renew
    // command), each certificate's key algorithm, unique certificate names (earlier duplicates get
    // a "-<n>" suffix), and the CA's renewal information (ARI).
    {4, R"sql(
ALTER TABLE auto_certificates ADD COLUMN profile TEXT NOT NULL DEFAULT '';
ALTER TABLE auto_certificates ADD COLUMN settings TEXT NOT NULL DEFAULT '{}';
ALTER TABLE certificates ADD COLUMN key_algorithm TEXT NOT NULL DEFAULT '';
UPDATE certificates SET key_algorithm =
  COALESCE((SELECT a.key_algorithm FROM auto_certificates a WHERE a.id = certificates.auto_certificate_id), '');
UPDATE certificates SET name = name || '-' || seq
  WHERE EXISTS (SELECT 1 FROM certificates c WHERE c.name = certificates.name AND c.seq < certificates.seq);
CREATE UNIQUE INDEX certificates_unique_name ON certificates(name);
CREATE TABLE renewal_info (
  certificate_id TEXT PRIMARY KEY NOT NULL REFERENCES certificates(id) ON DELETE CASCADE,
  window_start TEXT NOT NULL,
  window_end TEXT NOT NULL,
  chosen_at TEXT NOT NULL,
  explanation_url TEXT NOT NULL,
  fetched_at TEXT NOT NULL,
  next_fetch_at TEXT NOT NULL
);
)sql"},
    // 5: the copies of certificates in the IONOS Certificate Manager, noted before an upload and
    // completed after it; a deleted certificate takes its publication with it.
    {5, R"sql(
CREATE TABLE publications (
  certificate_id TEXT PRIMARY KEY NOT NULL REFERENCES certificates(id) ON DELETE CASCADE,
  state TEXT NOT NULL CHECK (state IN ('uploading', 'published')),
  remote_id TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE TRIGGER certificates_publication_gone AFTER DELETE ON certificates BEGIN
  DELETE FROM publications WHERE certificate_id = OLD.id;
END;
)sql"},
};

static_assert(sizeof(kMigrations) / sizeof(kMigrations[0]) == kSqliteStoreSchemaVersion,
              "one migration per schema version");

#define IONOS_ACCOUNT_COLUMNS \
  "id, name, email, server, key_algorithm, account_url, status, private_key, eab_key_id, created_at, updated_at"
#define IONOS_AUTO_CERTIFICATE_COLUMNS                                                                   \
  "id, provider_id, name, common_name, subject_alternative_names, key_algorithm, renew_before_days, " \
  "grace_period_days, created_at, updated_at, profile, settings"
// The summary columns come first, so one reader serves both column lists.
#define IONOS_CERTIFICATE_SUMMARY_COLUMNS                                                               \
  "id, auto_certificate_id, name, serial_number, not_before, not_after, status, fingerprint_sha256, " \
  "key_algorithm, issued_at, superseded_at"
#define IONOS_CERTIFICATE_COLUMNS IONOS_CERTIFICATE_SUMMARY_COLUMNS ", certificate_pem, chain_pem, private_key"
#define IONOS_RENEWAL_INFO_COLUMNS \
  "certificate_id, window_start, window_end, chosen_at, explanation_url, fetched_at, next_fetch_at"
#define IONOS_PENDING_DNS_COLUMNS "id, zone_id, zone_name, record_name, fqdn, value, record_id, created_at, owner"

// ------------------------------------------------------------------ RAII

struct DbCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using DbPtr = std::unique_ptr<sqlite3, DbCloser>;

// A prepared statement; finalized on destruction. Bind errors are remembered and reported by
// the first Step.
class Stmt {
 public:
  explicit Stmt(sqlite3_stmt* stmt) : stmt_(stmt) {}
  ~Stmt() {
    if (stmt_ != nullptr) {
      sqlite3_finalize(stmt_);
    }
  }
  Stmt(Stmt&& other) noexcept : stmt_(std::exchange(other.stmt_, nullptr)), bind_rc_(other.bind_rc_) {}
  Stmt& operator=(Stmt&&) = delete;
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  sqlite3_stmt* get() const { return stmt_; }
  int bind_rc() const { return bind_rc_; }

  void Text(int index, std::string_view value) {
    Remember(sqlite3_bind_text64(stmt_, index, value.empty() ? "" : value.data(), value.size(), SQLITE_TRANSIENT,
                                 SQLITE_UTF8));
  }
  void Int(int index, int64_t value) { Remember(sqlite3_bind_int64(stmt_, index, value)); }
  void Null(int index) { Remember(sqlite3_bind_null(stmt_, index)); }
  void OptText(int index, const std::optional<std::string>& value) {
    if (value.has_value()) {
      Text(index, *value);
    } else {
      Null(index);
    }
  }

  bool IsNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
  int64_t ColInt(int col) const { return sqlite3_column_int64(stmt_, col); }
  std::string ColText(int col) const {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
    const int n = sqlite3_column_bytes(stmt_, col);
    return p == nullptr ? std::string() : std::string(p, static_cast<size_t>(n));
  }

 private:
  void Remember(int rc) {
    if (rc != SQLITE_OK && bind_rc_ == SQLITE_OK) {
      bind_rc_ = rc;
    }
  }

  sqlite3_stmt* stmt_ = nullptr;
  int bind_rc_ = SQLITE_OK;
};

// ------------------------------------------------------------------ helpers

TimePoint FloorSeconds(TimePoint t) { return std::chrono::floor<std::chrono::seconds>(t); }

std::string FormatTime(TimePoint t) { return FormatRfc3339(FloorSeconds(t)); }

std::string Quoted(const std::string& s) { return "\"" + s + "\""; }

std::string HomeDirectory() {
  const char* home = std::getenv("HOME");
  if (home != nullptr && home[0] != '\0') {
    return home;
  }
  struct passwd pw {};
  struct passwd* result = nullptr;
  std::vector<char> buf(16384);
  if (getpwuid_r(getuid(), &pw, buf.data(), buf.size(), &result) == 0 && result != nullptr &&
      result->pw_dir != nullptr) {
    return result->pw_dir;
  }
  return "";
}

std::string ErrnoText(int err) { return std::strerror(err); }

// mkdir -p with mode 0700 for every directory it creates.
Status CreateParentDirectories(const std::filesystem::path& file, const std::string& url) {
  const std::filesystem::path parent = file.parent_path();
  std::filesystem::path prefix;
  for (const auto& part : parent) {
    prefix /= part;
    if (prefix == prefix.root_path()) {
      continue;
    }
    if (mkdir(prefix.c_str(), 0700) == 0) {
      continue;
    }
    const int err = errno;
    struct stat st {};
    if (err == EEXIST && stat(prefix.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
      continue;
    }
    const std::string message = "cannot create directory " + prefix.string() + " for the store " + url + ": " +
                                (err == EEXIST ? std::string("a file with that name exists") : ErrnoText(err));
    if (err == EACCES || err == EPERM || err == EROFS) {
      return PermissionDeniedError(message);
    }
    return FailedPreconditionError(message);
  }
  return Status::Ok();
}

// Creates the database file with mode 0600 if missing and checks that it is writable. An
// existing file that others may read (a store created by hand, or copied with cp) is tightened to
// 0600 when this user owns it: it holds private keys (in clear without a store key). SQLite gives
// its -wal and -shm files the mode of the database file.
Status CreateDatabaseFile(const std::string& path, const std::string& url) {
  const int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    const int err = errno;
    const std::string message = "cannot open the store " + url + " for writing: " + ErrnoText(err);
    if (err == EACCES || err == EPERM || err == EROFS) {
      return PermissionDeniedError(message);
    }
    return FailedPreconditionError(message);
  }
  struct stat st {};
  if (fstat(fd, &st) == 0 && (st.st_mode & 077) != 0 && st.st_uid == geteuid()) {
    (void)fchmod(fd, st.st_mode & 0700);  // best effort: the store works either way
  }
  close(fd);
  return Status::Ok();
}

// ------------------------------------------------------------------ the store

class SqliteStore final : public Store {
 public:
  static Result<std::unique_ptr<Store>> Open(const std::string& path, const StoreOptions& options);

  Result<AccountRecord> CreateAccount(const AccountRecord& account) override;
  Result<AccountRecord> GetAccount(const std::string& id) override;
  Result<AccountRecord> UpdateAccount(const AccountRecord& account) override;
  Status DeleteAccount(const std::string& id) override;
  Result<std::vector<AccountRecord>> ListAccounts() override;

  Result<AutoCertificateRecord> CreateAutoCertificate(const AutoCertificateRecord& auto_certificate) override;
  Result<AutoCertificateRecord> GetAutoCertificate(const std::string& id) override;
  Result<AutoCertificateRecord> UpdateAutoCertificate(const AutoCertificateRecord& auto_certificate) override;
  Status DeleteAutoCertificate(const std::string& id) override;
  Result<std::vector<AutoCertificateRecord>> ListAutoCertificates() override;

  Result<CertificateRecord> AddCertificate(const CertificateRecord& certificate) override;
  Result<CertificateRecord> GetCertificate(const std::string& id) override;
  Result<std::vector<CertificateSummary>> ListCertificates(const std::string& auto_certificate_id) override;
  Result<std::vector<CertificateSummary>> ListAllCertificates() override;
  Status DeleteCertificate(const std::string& id) override;
  Result<bool> WasDeleted(const std::string& kind, const std::string& id) override;

  Result<PendingDnsRecord> NotePendingDnsRecord(const PendingDnsRecord& record) override;
  Status SetPendingDnsRecordId(const std::string& id, const std::string& record_id) override;
  Status RemovePendingDnsRecord(const std::string& id) override;
  Result<std::vector<PendingDnsRecord>> ListPendingDnsRecords() override;

  Result<std::optional<RenewalInfoRecord>> GetRenewalInfo(const std::string& certificate_id) override;
  Status PutRenewalInfo(const RenewalInfoRecord& info) override;

  Status PutPublication(const PublicationRecord& record) override;
  Status RemovePublication(const std::string& certificate_id) override;
  Result<std::vector<PublicationRecord>> ListPublications(const std::string& auto_certificate_id) override;

  Result<std::unique_ptr<StoreLock>> Lock(const std::string& name, const LockOptions& options) override;

  Result<KeyCounts> CountKeys() override;
  Result<KeyCounts> Rekey(const std::string& new_key) override;

  // On a connection of its own: BEGIN IMMEDIATE there, `body` writes through that connection
  // (each method's own transaction becomes a savepoint inside), then COMMIT or ROLLBACK.
  Status WriteInOneTransaction(const std::function<Status(Store& tx)>& body) override;

  std::string Describe() const override { return url_; }

 private:
  SqliteStore(std::string path, const StoreOptions& options);

  // Everything below requires mu_ held (or, during Open, exclusive ownership).
  Status Error(int rc, const std::string& what) const;
  Status NotFound(const char* kind, const std::string& id) const {
    return NotFoundError(std::string(kind) + " " + Quoted(id) + " is not in the store " + url_);
  }
  Result<Stmt> Prepare(const char* sql, const std::string& what);
  // true: a row is available; false: done.
  Result<bool> Step(Stmt& stmt, const std::string& what);
  // Runs a statement that returns no rows we care about.
  Status Run(Stmt& stmt, const std::string& what);
  Status Exec(const char* sql, const std::string& what);
  // Exec, retrying SQLITE_BUSY until the busy timeout (used while opening, where some
  // lock acquisitions bypass the busy handler).
  Status ExecRetrying(const char* sql, const std::string& what);
  template <typename Body>
  Status Transaction(const char* begin, const std::string& what, Body&& body);
  template <typename Body>
  Status WriteTxn(const std::string& what, Body&& body) {
    return Transaction("BEGIN IMMEDIATE", what, std::forward<Body>(body));
  }
  template <typename Body>
  Status ReadTxn(const std::string& what, Body&& body) {
    return Transaction("BEGIN", what, std::forward<Body>(body));
  }
  template <typename T, typename Reader>
  Result<std::vector<T>> Collect(Stmt& stmt, const std::string& what, Reader&& read);

  Status Initialize();
  Result<int> ReadSchemaVersion(const std::string& what);
  Status Migrate();

  TimePoint Now() const { return FloorSeconds(clock_->Now()); }
  Result<std::string> IdFor(const std::string& given) {
    if (!given.empty()) {
      return given;
    }
    return NewUuid(*random_);
  }
  Result<std::string> SealPrivateKey(const std::string& id, const std::string& pem);
  Result<std::string> OpenPrivateKey(const char* kind, const std::string& id, const std::string& stored) const;
  Result<TimePoint> ColTime(const Stmt& stmt, int col, const char* column) const;

  // `with_key` false: the key column is not read (listings never decrypt).
  Result<AccountRecord> ReadAccount(const Stmt& stmt, bool with_key) const;
  Result<AutoCertificateRecord> ReadAutoCertificate(const Stmt& stmt) const;
  Result<CertificateSummary> ReadCertificateSummary(const Stmt& stmt) const;
  Result<CertificateRecord> ReadCertificate(const Stmt& stmt) const;
  Result<PendingDnsRecord> ReadPendingDnsRecord(const Stmt& stmt) const;
  Result<RenewalInfoRecord> ReadRenewalInfo(const Stmt& stmt) const;

  Result<AccountRecord> GetAccountLocked(const std::string& id);
  Result<AutoCertificateRecord> GetAutoCertificateLocked(const std::string& id);
  Status DeleteById(const char* sql, const char* kind, const std::string& id, const std::string& what);

  const std::string path_;
  const std::string url_;
  const std::string key_;
  const std::string key_source_;
  const std::chrono::milliseconds busy_timeout_;
  SystemClock own_clock_;
  SystemRandom own_random_;
  const Clock* clock_;
  Random* random_;

  std::mutex mu_;
  DbPtr db_;
  // Set on the connection of WriteInOneTransaction while its outer transaction is open.
  bool in_outer_transaction_ = false;
};

SqliteStore::SqliteStore(std::string path, const StoreOptions& options)
    : path_(std::move(path)),
      url_("sqlite:" + path_),
      key_(options.encryption_key),
      key_source_(options.key_source),
      busy_timeout_(options.busy_timeout),
      clock_(options.clock != nullptr ? options.clock : &own_clock_),
      random_(options.random != nullptr ? options.random : &own_random_) {}

Status SqliteStore::Error(int rc, const std::string& what) const {
  const std::string detail = db_ ? sqlite3_errmsg(db_.get()) : sqlite3_errstr(rc);
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return UnavailableError(what + ": the store " + url_ + " is locked by another process or thread (gave up after " +
                              std::to_string(busy_timeout_.count()) + " ms)");
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_AUTH:
      return PermissionDeniedError(what + ": the store " + url_ + " is not writable: " + detail +
                                   " (the file and its directory must both be writable: SQLite keeps -wal and -shm "
                                   "files next to it)");
    case SQLITE_CANTOPEN:
      return FailedPreconditionError(what + ": cannot open the store " + url_ + ": " + detail);
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return DataLossError(what + ": the store " + url_ + " is not an SQLite database or is corrupt: " + detail);
    case SQLITE_FULL:
      return ResourceExhaustedError(what + ": the disk holding the store " + url_ + " is full: " + detail);
    case SQLITE_IOERR:
      return UnavailableError(what + ": I/O error on the store " + url_ + ": " + detail);
    case SQLITE_CONSTRAINT:
      if (rc == SQLITE_CONSTRAINT_PRIMARYKEY || rc == SQLITE_CONSTRAINT_UNIQUE) {
        return AlreadyExistsError(what + ": already in the store " + url_ + " (" + detail + ")");
      }
      return FailedPreconditionError(what + ": the store " + url_ + " refused the change: " + detail);
    default:
      return InternalError(what + ": the store " + url_ + ": " + detail);
  }
}

Result<Stmt> SqliteStore::Prepare(const char* sql, const std::string& what) {
  sqlite3_stmt* raw = nullptr;
  const int rc = sqlite3_prepare_v2(db_.get(), sql, -1, &raw, nullptr);
  Stmt stmt(raw);
  if (rc != SQLITE_OK) {
    return Error(rc, what);
  }
  return stmt;
}

Result<bool> SqliteStore::Step(Stmt& stmt, const std::string& what) {
  if (stmt.bind_rc() != SQLITE_OK) {
    return Error(stmt.bind_rc(), what);
  }
  const int rc = sqlite3_step(stmt.get());
  if (rc == SQLITE_ROW) {
    return true;
  }
  if (rc == SQLITE_DONE) {
    return false;
  }
  return Error(rc, what);
}

Status SqliteStore::Run(Stmt& stmt, const std::string& what) {
  while (true) {
    IONOS_ASSIGN_OR_RETURN(bool row, Step(stmt, what));
    if (!row) {
      return Status::Ok();
    }
  }
}

Status SqliteStore::Exec(const char* sql, const std::string& what) {
  const int rc = sqlite3_exec(db_.get(), sql, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) {
    return Error(sqlite3_extended_errcode(db_.get()), what);
  }
  return Status::Ok();
}

Status SqliteStore::ExecRetrying(const char* sql, const std::string& what) {
  const auto deadline = std::chrono::steady_clock::now() + busy_timeout_;
  while (true) {
    const int rc = sqlite3_exec(db_.get(), sql, nullptr, nullptr, nullptr);
    if (rc == SQLITE_OK) {
      return Status::Ok();
    }
    const int ext = sqlite3_extended_errcode(db_.get());
    if ((ext & 0xff) != SQLITE_BUSY || std::chrono::steady_clock::now() >= deadline) {
      return Error(ext, what);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

template <typename Body>
Status SqliteStore::Transaction(const char* begin, const std::string& what, Body&& body) {
  if (in_outer_transaction_) {
    // Inside WriteInOneTransaction: a savepoint, so that a failed method takes back only its own
    // changes and the outer transaction decides about the rest.
    IONOS_RETURN_IF_ERROR(Exec("SAVEPOINT ionos_method", what));
    Status status = body();
    if (!status.ok()) {
      sqlite3_exec(db_.get(), "ROLLBACK TO ionos_method", nullptr, nullptr, nullptr);
    }
    const Status released = Exec("RELEASE ionos_method", what);
    return status.ok() ? released : status;
  }
  IONOS_RETURN_IF_ERROR(Exec(begin, what));
  Status status = body();
  if (status.ok()) {
    status = Exec("COMMIT", what);
  }
  if (!status.ok() && sqlite3_get_autocommit(db_.get()) == 0) {
    // Best effort; the original error is what the caller needs to see.
    sqlite3_exec(db_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
  }
  return status;
}

template <typename T, typename Reader>
Result<std::vector<T>> SqliteStore::Collect(Stmt& stmt, const std::string& what, Reader&& read) {
  std::vector<T> out;
  while (true) {
    IONOS_ASSIGN_OR_RETURN(bool row, Step(stmt, what));
    if (!row) {
      return out;
    }
    IONOS_ASSIGN_OR_RETURN(T record, read(stmt));
    out.push_back(std::move(record));
  }
}

// ------------------------------------------------------------------ open and migrate

Result<std::unique_ptr<Store>> SqliteStore::Open(const std::string& path, const StoreOptions& options) {
  const std::string url = "sqlite:" + path;
  if (!options.encryption_key.empty() && options.encryption_key.size() != kAesGcmKeySize) {
    return InvalidArgumentError("store encryption key must be 32 bytes, got " +
                                std::to_string(options.encryption_key.size()));
  }
  if (options.must_exist) {
    std::error_code ec;
    const bool exists = std::filesystem::exists(std::filesystem::path(path), ec);
    if (ec) {
      return PermissionDeniedError("cannot look for the store " + url + ": " + ec.message());
    }
    if (!exists) {
      return NotFoundError("there is no store at " + url + " (the file does not exist)");
    }
  }
  IONOS_RETURN_IF_ERROR(CreateParentDirectories(std::filesystem::path(path), url));
  IONOS_RETURN_IF_ERROR(CreateDatabaseFile(path, url));

  std::unique_ptr<SqliteStore> store(new SqliteStore(path, options));
  sqlite3* raw = nullptr;
  // NOMUTEX: the store serialises all use of its connection with mu_.
  const int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
  store->db_.reset(raw);
  if (rc != SQLITE_OK) {
    if (raw == nullptr) {
      return ResourceExhaustedError("opening the store " + url + ": out of memory");
    }
    return store->Error(sqlite3_extended_errcode(raw), "opening the store");
  }
  IONOS_RETURN_IF_ERROR(store->Initialize());
  return std::unique_ptr<Store>(std::move(store));
}

Status SqliteStore::Initialize() {
  sqlite3_extended_result_codes(db_.get(), 1);
  sqlite3_busy_timeout(db_.get(), static_cast<int>(busy_timeout_.count()));
  const std::string what = "opening the store";
  IONOS_RETURN_IF_ERROR(Exec("PRAGMA foreign_keys = ON", what));
  // Deleted rows (old private keys) are overwritten, not left in free pages.
  IONOS_RETURN_IF_ERROR(Exec("PRAGMA secure_delete = ON", what));
  // Persistent once set; a no-op on later opens. Filesystems without shared memory support
  // keep the rollback journal, which is slower but equally correct.
  IONOS_RETURN_IF_ERROR(ExecRetrying("PRAGMA journal_mode = WAL", what));
  return Migrate();
}

Result<int> SqliteStore::ReadSchemaVersion(const std::string& what) {
  IONOS_ASSIGN_OR_RETURN(Stmt tables, Prepare("SELECT (SELECT count(*) FROM sqlite_master WHERE type = 'table' AND "
                                              "name = 'schema_version'), (SELECT count(*) FROM sqlite_master)",
                                              what));
  IONOS_ASSIGN_OR_RETURN(bool row, Step(tables, what));
  if (!row) {
    return InternalError(what + ": reading the schema of the store " + url_ + " returned no row");
  }
  if (tables.ColInt(0) == 0) {
    if (tables.ColInt(1) != 0) {
      return FailedPreconditionError("the file of the store " + url_ +
                                     " is an SQLite database of something else (it has tables but no "
                                     "schema_version); point the store at a new or certificate store file");
    }
    return 0;
  }
  IONOS_ASSIGN_OR_RETURN(Stmt version, Prepare("SELECT COALESCE(MAX(version), 0) FROM schema_version", what));
  IONOS_ASSIGN_OR_RETURN(row, Step(version, what));
  if (!row) {
    return InternalError(what + ": reading schema_version of the store " + url_ + " returned no row");
  }
  return static_cast<int>(version.ColInt(0));
}

Status SqliteStore::Migrate() {
  const std::string what = "opening the store";
  auto too_new = [this](int version) {
    return FailedPreconditionError("store at " + url_ + " was written by a newer version (schema " +
                                   std::to_string(version) + ", this provider knows " +
                                   std::to_string(kSqliteStoreSchemaVersion) + "); upgrade the provider");
  };
  // Fast path: the usual open reads one number and is done.
  IONOS_ASSIGN_OR_RETURN(int version, ReadSchemaVersion(what));
  if (version == kSqliteStoreSchemaVersion) {
    return Status::Ok();
  }
  if (version > kSqliteStoreSchemaVersion) {
    return too_new(version);
  }
  IONOS_RETURN_IF_ERROR(ExecRetrying("BEGIN IMMEDIATE", what));
  Status status = [&]() -> Status {
    // Another process may have migrated while we waited for the lock.
    IONOS_ASSIGN_OR_RETURN(int current, ReadSchemaVersion(what));
    if (current > kSqliteStoreSchemaVersion) {
      return too_new(current);
    }
    for (const Migration& m : kMigrations) {
      if (m.version <= current) {
        continue;
      }
      const std::string step = "migrating the store schema to version " + std::to_string(m.version);
      IONOS_RETURN_IF_ERROR(Exec(m.sql, step));
      IONOS_ASSIGN_OR_RETURN(Stmt mark, Prepare("INSERT INTO schema_version (version, applied_at) VALUES (?1, ?2)", step));
      mark.Int(1, m.version);
      mark.Text(2, FormatTime(clock_->Now()));
      IONOS_RETURN_IF_ERROR(Run(mark, step));
    }
    return Exec("COMMIT", what);
  }();
  if (!status.ok() && sqlite3_get_autocommit(db_.get()) == 0) {
    sqlite3_exec(db_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
  }
  return status;
}

// ------------------------------------------------------------------ row codecs

Result<std::string> SqliteStore::SealPrivateKey(const std::string& id, const std::string& pem) {
  return ionos::SealPrivateKey(key_, id, pem, *random_);
}

Result<std::string> SqliteStore::OpenPrivateKey(const char* kind, const std::string& id,
                                                const std::string& stored) const {
  return ionos::OpenPrivateKey(key_, kind, id, stored, url_, key_source_);
}

Result<TimePoint> SqliteStore::ColTime(const Stmt& stmt, int col, const char* column) const {
  const std::string text = stmt.ColText(col);
  Result<TimePoint> t = ParseRfc3339(text);
  if (!t.ok()) {
    return DataLossError(std::string("the store ") + url_ + " holds a corrupt timestamp in column " + column + ": " +
                         t.status().message());
  }
  return t;
}

Result<AccountRecord> SqliteStore::ReadAccount(const Stmt& s, bool with_key) const {
  AccountRecord r;
  r.id = s.ColText(0);
  r.name = s.ColText(1);
  r.email = s.ColText(2);
  r.server = s.ColText(3);
  r.key_algorithm = s.ColText(4);
  r.account_url = s.ColText(5);
  r.status = s.ColText(6);
  if (with_key) {
    IONOS_ASSIGN_OR_RETURN(r.private_key_pem, OpenPrivateKey("account", r.id, s.ColText(7)));
  }
  r.eab_key_id = s.ColText(8);
  IONOS_ASSIGN_OR_RETURN(r.created_at, ColTime(s, 9, "accounts.created_at"));
  IONOS_ASSIGN_OR_RETURN(r.updated_at, ColTime(s, 10, "accounts.updated_at"));
  return r;
}

Result<AutoCertificateRecord> SqliteStore::ReadAutoCertificate(const Stmt& s) const {
  AutoCertificateRecord r;
  r.id = s.ColText(0);
  r.provider_id = s.ColText(1);
  r.name = s.ColText(2);
  r.common_name = s.ColText(3);
  const nlohmann::json sans = ParseJson(s.ColText(4)).value_or(nlohmann::json());
  if (!sans.is_array()) {
    return DataLossError("the store " + url_ + " holds corrupt subject_alternative_names for auto certificate " +
                         Quoted(r.id));
  }
  for (const auto& name : sans) {
    if (!name.is_string()) {
      return DataLossError("the store " + url_ + " holds corrupt subject_alternative_names for auto certificate " +
                           Quoted(r.id));
    }
    r.subject_alternative_names.push_back(name.get<std::string>());
  }
  r.key_algorithm = s.ColText(5);
  r.renew_before_days = s.ColInt(6);
  r.grace_period_days = s.ColInt(7);
  IONOS_ASSIGN_OR_RETURN(r.created_at, ColTime(s, 8, "auto_certificates.created_at"));
  IONOS_ASSIGN_OR_RETURN(r.updated_at, ColTime(s, 9, "auto_certificates.updated_at"));
  r.profile = s.ColText(10);
  IONOS_ASSIGN_OR_RETURN_CTX(r.settings, DecodeIssuanceSettings(s.ColText(11)),
                             "the store " + url_ + " holds corrupt settings for auto certificate " + Quoted(r.id));
  return r;
}

Result<CertificateSummary> SqliteStore::ReadCertificateSummary(const Stmt& s) const {
  CertificateSummary r;
  r.id = s.ColText(0);
  r.auto_certificate_id = s.ColText(1);
  r.name = s.ColText(2);
  r.serial_number = s.ColText(3);
  IONOS_ASSIGN_OR_RETURN(r.not_before, ColTime(s, 4, "certificates.not_before"));
  IONOS_ASSIGN_OR_RETURN(r.not_after, ColTime(s, 5, "certificates.not_after"));
  r.status = s.ColText(6);
  r.fingerprint_sha256 = s.ColText(7);
  r.key_algorithm = s.ColText(8);
  IONOS_ASSIGN_OR_RETURN(r.issued_at, ColTime(s, 9, "certificates.issued_at"));
  if (!s.IsNull(10)) {
    IONOS_ASSIGN_OR_RETURN(TimePoint superseded, ColTime(s, 10, "certificates.superseded_at"));
    r.superseded_at = superseded;
  }
  return r;
}

Result<CertificateRecord> SqliteStore::ReadCertificate(const Stmt& s) const {
  CertificateRecord r;
  IONOS_ASSIGN_OR_RETURN(static_cast<CertificateSummary&>(r), ReadCertificateSummary(s));
  r.certificate_pem = s.ColText(11);
  r.chain_pem = s.ColText(12);
  IONOS_ASSIGN_OR_RETURN(r.private_key_pem, OpenPrivateKey("certificate", r.id, s.ColText(13)));
  return r;
}

Result<RenewalInfoRecord> SqliteStore::ReadRenewalInfo(const Stmt& s) const {
  RenewalInfoRecord r;
  r.certificate_id = s.ColText(0);
  IONOS_ASSIGN_OR_RETURN(r.window_start, ColTime(s, 1, "renewal_info.window_start"));
  IONOS_ASSIGN_OR_RETURN(r.window_end, ColTime(s, 2, "renewal_info.window_end"));
  IONOS_ASSIGN_OR_RETURN(r.chosen_at, ColTime(s, 3, "renewal_info.chosen_at"));
  r.explanation_url = s.ColText(4);
  IONOS_ASSIGN_OR_RETURN(r.fetched_at, ColTime(s, 5, "renewal_info.fetched_at"));
  IONOS_ASSIGN_OR_RETURN(r.next_fetch_at, ColTime(s, 6, "renewal_info.next_fetch_at"));
  return r;
}

Result<PendingDnsRecord> SqliteStore::ReadPendingDnsRecord(const Stmt& s) const {
  PendingDnsRecord r;
  r.id = s.ColText(0);
  r.zone_id = s.ColText(1);
  r.zone_name = s.ColText(2);
  r.record_name = s.ColText(3);
  r.fqdn = s.ColText(4);
  r.value = s.ColText(5);
  if (!s.IsNull(6)) {
    r.record_id = s.ColText(6);
  }
  IONOS_ASSIGN_OR_RETURN(r.created_at, ColTime(s, 7, "pending_dns_records.created_at"));
  r.owner = s.ColText(8);
  return r;
}

Status SqliteStore::DeleteById(const char* sql, const char* kind, const std::string& id, const std::string& what) {
  std::lock_guard<std::mutex> lock(mu_);
  return WriteTxn(what, [&]() -> Status {
    IONOS_ASSIGN_OR_RETURN(Stmt del, Prepare(sql, what));
    del.Text(1, id);
    IONOS_RETURN_IF_ERROR(Run(del, what));
    if (sqlite3_changes(db_.get()) == 0) {
      return NotFound(kind, id);
    }
    return Status::Ok();
  });
}

Result<bool> SqliteStore::WasDeleted(const std::string& kind, const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  const std::string what = "looking up deleted " + kind + " " + Quoted(id);
  IONOS_ASSIGN_OR_RETURN(Stmt sel, Prepare("SELECT 1 FROM deleted_records WHERE kind = ?1 AND id = ?2", what));
  sel.Text(1, kind);
  sel.Text(2, id);
  return Step(sel, what);
}

// ------------------------------------------------------------------ accounts

Result<AccountRecord> SqliteStore::CreateAccount(const AccountRecord& account) {
  std::lock_guard<std::mutex> lock(mu_);
  AccountRecord r = account;
  IONOS_ASSIGN_OR_RETURN(r.id, IdFor(account.id));
  r.created_at = r.updated_at = Now();
  const std::string what = "creating account " + Quoted(r.id);
  IONOS_ASSIGN_OR_RETURN(std::string stored_key, SealPrivateKey(r.id, r.private_key_pem));
  IONOS_RETURN_IF_ERROR(WriteTxn(what, [&]() -> Status {
    IONOS_ASSIGN_OR_RETURN(Stmt ins, Prepare("INSERT INTO accounts (" IONOS_ACCOUNT_COLUMNS
                                             ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                                             what));
    ins.Text(1, r.id);
    ins.Text(2, r.name);
    ins.Text(3, r.email);
    ins.Text(4, r.server);
    ins.Text(5, r.key_algorithm);
    ins.Text(6, r.account_url);
    ins.Text(7, r.status);
    ins.Text(8, stored_key);
    ins.Text(9, r.eab_key_id);
    ins.Text(10, FormatTime(r.created_at));
    ins.Text(11, FormatTime(r.updated_at));
    return Run(ins, what);
  }));
  return r;
}

Result<AccountRecord> SqliteStore::GetAccountLocked(const std::string& id) {
  const std::string what = "reading account " + Quoted(id);
  IONOS_ASSIGN_OR_RETURN(Stmt sel, Prepare("SELECT " IONOS_ACCOUNT_COLUMNS " FROM accounts WHERE id = ?1", what));
  sel.Text(1, id);
  IONOS_ASSIGN_OR_RETURN(auto rows,
                         Collect<AccountRecord>(sel, what, [this](const Stmt& s) { return ReadAccount(s, true); }));
  if (rows.empty()) {
    return NotFound("account", id);
  }
  return std::move(rows.front());
}

Result<AccountRecord> SqliteStore::GetAccount(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  return GetAccountLocked(id);
}

Result<AccountRecord> SqliteStore::UpdateAccount(const AccountRecord& account) {
  std::lock_guard<std::mutex> lock(mu_);
  const std::string& id = account.id;
  const std::string what = "updating account " + Quoted(id);
  std::string stored_key;
  if (!account.private_key_pem.empty()) {
    IONOS_ASSIGN_OR_RETURN(stored_key, SealPrivateKey(id, account.private_key_pem));
  }
  std::optional<AccountRecord> updated;
  IONOS_RETURN_IF_ERROR(WriteTxn(what, [&]() -> Status {
    IONOS_ASSIGN_OR_RETURN(AccountRecord current, GetAccountLocked(id));
    if (current.server != account.server || current.eab_key_id != account.eab_key_id) {
      return InvalidArgumentError(what + ": server and external account binding cannot change in place");
    }
    IONOS_ASSIGN_OR_RETURN(Stmt upd, Prepare("UPDATE accounts SET name = ?1, email = ?2, account_url = ?3, status = ?4, "
                                             "private_key = COALESCE(?5, private_key), "
                                             "key_algorithm = COALESCE(?6, key_algorithm), updated_at = ?7 "
                                             "WHERE id = ?8",
                                             what));
    upd.Text(1, account.name);
    upd.Text(2, account.email);
    upd.Text(3, account.account_url);
    upd.Text(4, account.status);
    const bool new_key = !account.private_key_pem.empty();
    upd.OptText(5, new_key ? std::optional<std::string>(stored_key) : std::nullopt);
    upd.OptText(6, new_key ? std::optional<std::string>(account.key_algorithm) : std::nullopt);
    upd.Text(7, FormatTime(Now()));
    upd.Text(8, id);
    IONOS_RETURN_IF_ERROR(Run(upd, what));
    IONOS_ASSIGN_OR_RETURN(updated, GetAccountLocked(id));
    return Status::Ok();
  }));
  return std::move(*updated);
}

Status SqliteStore::DeleteAccount(const std::string& id) {
  return DeleteById("DELETE FROM accounts WHERE id = ?1", "account", id, "deleting account " + Quoted(id));
}

Result<std::vector<AccountRecord>> SqliteStore::ListAccounts() {
  std::lock_guard<std::mutex> lock(mu_);
  const std::string what = "listing accounts";
  IONOS_ASSIGN_OR_RETURN(
      Stmt sel, Prepare("SELECT " IONOS_ACCOUNT_COLUMNS " FROM accounts ORDER BY created_at, rowid", what));
  return Collect<AccountRecord>(sel, what, [this](const Stmt& s) { return ReadAccount(s, false); });
}

// ------------------------------------------------------------------ auto certificates

Result<AutoCertificateRecord> SqliteStore::CreateAutoCertificate(const AutoCertificateRecord& auto_certificate) {
  std::lock_guard<std::mutex> lock(mu_);
  AutoCertificateRecord r = auto_certificate;
  IONOS_ASSIGN_OR_RETURN(r.id, IdFor(auto_certificate.id));
  r.created_at = r.updated_at = Now();
  const std::string what = "creating auto certificate " + Quoted(r.id);
  IONOS_RETURN_IF_ERROR(WriteTxn(what, [&]() -> Status {
    IONOS_ASSIGN_OR_RETURN(Stmt ins, Prepare("INSERT INTO auto_certificates (" IONOS_AUTO_CERTIFICATE_COLUMNS
                                             ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                                             what));
    ins.Text(1, r.id);
    ins.Text(2, r.provider_id);
    ins.Text(3, r.name);
    ins.Text(4, r.common_name);
    ins.Text(5, nlohmann::json(r.subject_alternative_names).dump());
    ins.Text(6, r.key_algorithm);
    ins.Int(7, r.renew_before_days);
    ins.Int(8, r.grace_period_days);
    ins.Text(9, FormatTime(r.created_at));
    ins.Text(10, FormatTime(r.updated_at));
    ins.Text(11, r.profile);
    ins.Text(12, EncodeIssuanceSettings(r.settings));
    return Run(ins, what);
  }));
  return r;
}

Result<AutoCertificateRecord> SqliteStore::GetAutoCertificateLocked(const std::string& id) {
  const std::string what = "reading auto certificate " + Quoted(id);
  IONOS_ASSIGN_OR_RETURN(
      Stmt sel, Prepare("SELECT " IONOS_AUTO_CERTIFICATE_COLUMNS " FROM auto_certificates WHERE id = ?1", what));
  sel.Text(1, id);
  IONOS_ASSIGN_OR_RETURN(auto rows, Collect<AutoCertificateRecord>(
                                        sel, what, [this](const Stmt& s) { return ReadAutoCertificate(s); }));
  if (rows.empty()) {
    return NotFound("auto certificate", id);
  }
  return std::move(rows.front());
}

Result<AutoCertificateRecord> SqliteStore::GetAutoCertificate(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  return GetAutoCertificateLocked(id);
}

Result<AutoCertificateRecord> SqliteStore::UpdateAutoCertificate(const AutoCertificateRecord& auto_certificate) {
  std::lock_guard<std::mutex> lock(mu_);
  const std::string& id = auto_certificate.id;
  const std::string what = "updating auto certificate " + Quoted(id);
  std::optional<AutoCertificateRecord> updated;
  IONOS_RETURN_IF_ERROR(WriteTxn(what, [&]() -> Status {
    IONOS_ASSIGN_OR_RETURN(AutoCertificateRecord current, GetAutoCertificateLocked(id));
    if (current.common_name != auto_certificate.common_name) {
      return InvalidArgumentError(what + ": common_name cannot change in place (it forces replacement)");
    }
    IONOS_ASSIGN_OR_RETURN(Stmt upd, Prepare("UPDATE auto_certificates SET name = ?1, subject_alternative_names = ?2, "
                                             "key_algorithm = ?3, renew_before_days = ?4, grace_period_days = ?5, "
                                             "updated_at = ?6, provider_id = ?7, profile = ?8, settings = ?9 "
                                             "WHERE id = ?10",
                                             what));
    upd.Text(1, auto_certificate.name);
    upd.Text(2, nlohmann::json(auto_certificate.subject_alternative_names).dump());
    upd.Text(3, auto_certificate.key_algorithm);
    upd.Int(4, auto_certificate.renew_before_days);
    upd.Int(5, auto_certificate.grace_period_days);
    upd.Text(6, FormatTime(Now()));
    upd.Text(7, auto_certificate.provider_id);
    upd.Text(8, auto_certificate.profile);
    upd.Text(9, EncodeIssuanceSettings(auto_certificate.settings));
    upd.Text(10, id);
    IONOS_RETURN_IF_ERROR(Run(upd, what));
    IONOS_ASSIGN_OR_RETURN(updated, GetAutoCertificateLocked(id));
    return Status::Ok();
  }));
  return std::move(*updated);
}

Status SqliteStore::DeleteAutoCertificate(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  const std::string what = "deleting auto certificate " + Quoted(id);
  return WriteTxn(what, [&]() -> Status {
    // Explicit, so the cascade does not depend on the foreign_keys pragma.
    IONOS_ASSIGN_OR_RETURN(Stmt info, Prepare("DELETE FROM renewal_info WHERE certificate_id IN "
                                              "(SELECT id FROM certificates WHERE auto_certificate_id = ?1)",
                                              what));
    info.Text(1, id);
    IONOS_RETURN_IF_ERROR(Run(info, what));
    IONOS_ASSIGN_OR_RETURN(Stmt certs, Prepare("DELETE FROM certificates WHERE auto_certificate_id = ?1", what));
    certs.Text(1, id);
    IONOS_RETURN_IF_ERROR(Run(certs, what));
    IONOS_ASSIGN_OR_RETURN(Stmt del, Prepare("DELETE FROM auto_certificates WHERE id = ?1", what));
    del.Text(1, id);
    IONOS_RETURN_IF_ERROR(Run(del, what));
    if (sqlite3_changes(db_.get()) == 0) {
      return NotFound("auto certificate", id);
    }
    return Status::Ok();
  });
}

Result<std::vector<AutoCertificateRecord>> SqliteStore::ListAutoCertificates() {
  std::lock_guard<std::mutex> lock(mu_);
  const std::string what = "listing auto certificates";
  IONOS_ASSIGN_OR_RETURN(Stmt sel, Prepare("SELECT " IONOS_AUTO_CERTIFICATE_COLUMNS
                                           " FROM auto_certificates ORDER BY created_at, rowid",
                                           what));
  return Collect<AutoCertificateRecord>(sel, what, [this](const Stmt& s) { return ReadAutoCertificate(s); });
}

// ------------------------------------------------------------------ certificates

Result<CertificateRecord> SqliteStore::AddCertificate(const CertificateRecord& certificate) {
  std::lock_guard<std::mutex> lock(mu_);
  CertificateRecord r = certificate;
  IONOS_ASSIGN_OR_RETURN(r.id, IdFor(certificate.id));
  const TimePoint now = Now();
  r.status = kCertificateStatusActive;
  r.superseded_at.reset();
  r.not_before = FloorSeconds(r.not_before);
  r.not_after = FloorSeconds(r.not_after);
  r.issued_at = r.issued_at == TimePoint{} ? now : FloorSeconds(r.issued_at);
  const std::string what =
      "adding certificate " + Quoted(r.id) + " to auto certificate " + Quoted(r.auto_certificate_id);
  IONOS_ASSIGN_OR_RETURN(std::string stored_key, SealPrivateKey(r.id, r.private_key_pem));
  IONOS_RETURN_IF_ERROR(WriteTxn(what, [&]() -> Status {
    IONOS_ASSIGN_OR_RETURN(Stmt parent, Prepare("SELECT 1 FROM auto_certificates WHERE id = ?1", what));
    parent.Text(1, r.auto_certificate_id);
    IONOS_ASSIGN_OR_RETURN(bool exists, Step(parent, what));
    if (!exists) {
      return NotFound("auto certificate", r.auto_certificate_id);
    }
    IONOS_ASSIGN_OR_RETURN(Stmt supersede, Prepare("UPDATE certificates SET status = 'superseded', superseded_at = ?1 "
                                                   "WHERE auto_certificate_id = ?2 AND status = 'active'",
                                                   what));
    supersede.Text(1, FormatTime(now));
    supersede.Text(2, r.auto_certificate_id);
    IONOS_RETURN_IF_ERROR(Run(supersede, what));
    IONOS_ASSIGN_OR_RETURN(Stmt ins, Prepare("INSERT INTO certificates (" IONOS_CERTIFICATE_COLUMNS
                                             ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, NULL, ?11, ?12, ?13)",
                                             what));
    ins.Text(1, r.id);
    ins.Text(2, r.auto_certificate_id);
    ins.Text(3, r.name);
    ins.Text(4, r.serial_number);
    ins.Text(5, FormatTime(r.not_before));
    ins.Text(6, FormatTime(r.not_after));
    ins.Text(7, r.status);
    ins.Text(8, r.fingerprint_sha256);
    ins.Text(9, r.key_algorithm);
    ins.Text(10, FormatTime(r.issued_at));
    ins.Text(11, r.certificate_pem);
    ins.Text(12, r.chain_pem);
    ins.Text(13, stored_key);
    return Run(ins, what);
  }));
  return r;
}

Result<CertificateRecord> SqliteStore::GetCertificate(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  const std::string what = "reading certificate " + Quoted(id);
  IONOS_ASSIGN_OR_RETURN(Stmt sel,
                         Prepare("SELECT " IONOS_CERTIFICATE_COLUMNS " FROM certificates WHERE id = ?1", what));
  sel.Text(1, id);
  IONOS_ASSIGN_OR_RETURN(auto rows,
                         Collect<CertificateRecord>(sel, what, [this](const Stmt& s) { return ReadCertificate(s); }));
  if (rows.empty()) {
    return NotFound("certificate", id);
  }
  return std::move(rows.front());
}

Result<std::vector<CertificateSummary>> SqliteStore::ListCertificates(const std::string& auto_certificate_id) {
  std::lock_guard<std::mutex> lock(mu_);
  const std::string what = "listing the certificates of auto certificate " + Quoted(auto_certificate_id);
  std::vector<CertificateSummary> out;
  IONOS_RETURN_IF_ERROR(ReadTxn(what, [&]() -> Status {
    IONOS_ASSIGN_OR_RETURN(Stmt parent, Prepare("SELECT 1 FROM auto_certificates WHERE id = ?1", what));
    parent.Text(1, auto_certificate_id);
    IONOS_ASSIGN_OR_RETURN(bool exists, Step(parent, what));
    if (!exists) {
      return NotFound("auto certificate", auto_certificate_id);
    }
    IONOS_ASSIGN_OR_RETURN(Stmt sel, Prepare("SELECT " IONOS_CERTIFICATE_SUMMARY_COLUMNS
                                             " FROM certificates WHERE auto_certificate_id = ?1 "
                                             "ORDER BY seq DESC",
                                             what));
    sel.Text(1, auto_certificate_id);
    IONOS_ASSIGN_OR_RETURN(out, Collect<CertificateSummary>(
                                    sel, what, [this](const Stmt& s) { return ReadCertificateSummary(s); }));
    return Status::Ok();
  }));
  return out;
}

Status SqliteStore::DeleteCertificate(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  const std::string what = "deleting certificate " + Quoted(id);
  return WriteTxn(what, [&]() -> Status {
    IONOS_ASSIGN_OR_RETURN(Stmt info, Prepare("DELETE FROM renewal_info WHERE certificate_id = ?1", what));
    info.Text(1, id);
    IONOS_RETURN_IF_ERROR(Run(info, what));
    IONOS_ASSIGN_OR_RETURN(Stmt del, Prepare("DELETE FROM certificates WHERE id = ?1", what));
    del.Text(1, id);
    IONOS_RETURN_IF_ERROR(Run(del, what));
    if (sqlite3_changes(db_.get()) == 0) {
      return NotFound("certificate", id);
    }
    return Status::Ok();
  });
}

Result<std::vector<CertificateSummary>> SqliteStore::ListAllCertificates() {
  std::lock_guard<std::mutex> lock(mu_);
  const std::string what = "listing all certificates";
  IONOS_ASSIGN_OR_RETURN(Stmt sel, Prepare("SELECT " IONOS_CERTIFICATE_SUMMARY_COLUMNS
                                           " FROM certificates ORDER BY auto_certificate_id, seq DESC",
                                           what));
  return Collect<CertificateSummary>(sel, what, [this](const Stmt& s) { return ReadCertificateSummary(s); });
}

// ------------------------------------------------------------------ pending DNS records

Result<PendingDnsRecord> SqliteStore::NotePendingDnsRecord(const PendingDnsRecord& record) {
  std::lock_guard<std::mutex> lock(mu_);
  PendingDnsRecord r = record;
  IONOS_ASSIGN_OR_RETURN(r.id, IdFor(record.id));
  r.created_at = Now();
  const std::string what = "noting pending DNS record " + Quoted(r.fqdn);
  IONOS_RETURN_IF_ERROR(WriteTxn(what, [&]() -> Status {
    IONOS_ASSIGN_OR_RETURN(Stmt ins, Prepare("INSERT INTO pending_dns_records (" IONOS_PENDING_DNS_COLUMNS
                                             ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                                             what));
    ins.Text(1, r.id);
    ins.Text(2, r.zone_id);
    ins.Text(3, r.zone_name);
    ins.Text(4, r.record_name);
    ins.Text(5, r.fqdn);
    ins.Text(6, r.value);
    ins.OptText(7, r.record_id);
    ins.Text(8, FormatTime(r.created_at));
    ins.Text(9, r.owner);
    return Run(ins, what);
  }));
  return r;
}

Status SqliteStore::SetPendingDnsRecordId(const std::string& id, const std::string& record_id) {
  std::lock_guard<std::mutex> lock(mu_);
  const std::string what = "recording the DNS record id of pending DNS record " + Quoted(id);
  return WriteTxn(what, [&]() -> Status {
    IONOS_ASSIGN_OR_RETURN(Stmt upd, Prepare("UPDATE pending_dns_records SET record_id = ?1 WHERE id = ?2", what));
    upd.Text(1, record_id);
    upd.Text(2, id);
    IONOS_RETURN_IF_ERROR(Run(upd, what));
    if (sqlite3_changes(db_.get()) == 0) {
      return NotFound("pending DNS record", id);
    }
    return Status::Ok();
  });
}

Status SqliteStore::RemovePendingDnsRecord(const std::string& id) {
  return DeleteById("DELETE FROM pending_dns_records WHERE id = ?1", "pending DNS record", id,
                    "removing pending DNS record " + Quoted(id));
}

Result<std::vector<PendingDnsRecord>> SqliteStore::ListPendingDnsRecords() {
  std::lock_guard<std::mutex> lock(mu_);
  const std::string what = "listing pending DNS records";
  IONOS_ASSIGN_OR_RETURN(
      Stmt sel, Prepare("SELECT " IONOS_PENDING_DNS_COLUMNS " FROM pending_dns_records ORDER BY seq", what));
  return Collect<PendingDnsRecord>(sel, what, [this](const Stmt& s) { return ReadPendingDnsRecord(s); });
}

// ------------------------------------------------------------------ renewal information

Result<std::optional<RenewalInfoRecord>> SqliteStore::GetRenewalInfo(const std::string& certificate_id) {
  std::lock_guard<std::mutex> lock(mu_);
  const std::string what = "reading the renewal information of certificate " + Quoted(certificate_id);
  IONOS_ASSIGN_OR_RETURN(
      Stmt sel, Prepare("SELECT " IONOS_RENEWAL_INFO_COLUMNS " FROM renewal_info WHERE certificate_id = ?1", what));
  sel.Text(1, certificate_id);
  IONOS_ASSIGN_OR_RETURN(auto rows,
                         Collect<RenewalInfoRecord>(sel, what, [this](const Stmt& s) { return ReadRenewalInfo(s); }));
  if (rows.empty()) {
    return std::optional<RenewalInfoRecord>();
  }
  return std::optional<RenewalInfoRecord>(std::move(rows.front()));
}

Status SqliteStore::PutRenewalInfo(const RenewalInfoRecord& info) {
  std::lock_guard<std::mutex> lock(mu_);
  const std::string what = "keeping the renewal information of certificate " + Quoted(info.certificate_id);
  return WriteTxn(what, [&]() -> Status {
    IONOS_ASSIGN_OR_RETURN(Stmt parent, Prepare("SELECT 1 FROM certificates WHERE id = ?1", what));
    parent.Text(1, info.certificate_id);
    IONOS_ASSIGN_OR_RETURN(bool exists, Step(parent, what));
    if (!exists) {
      return NotFound("certificate", info.certificate_id);
    }
    IONOS_ASSIGN_OR_RETURN(Stmt put, Prepare("INSERT OR REPLACE INTO renewal_info (" IONOS_RENEWAL_INFO_COLUMNS
                                             ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                                             what));
    put.Text(1, info.certificate_id);
    put.Text(2, FormatTime(info.window_start));
    put.Text(3, FormatTime(info.window_end));
    put.Text(4, FormatTime(info.chosen_at));
    put.Text(5, info.explanation_url);
    put.Text(6, FormatTime(info.fetched_at));
    put.Text(7, FormatTime(info.next_fetch_at));
    return Run(put, what);
  });
}

// ------------------------------------------------------------------ publications

Status SqliteStore::PutPublication(const PublicationRecord& record) {
  std::lock_guard<std::mutex> lock(mu_);
  const std::string what = "noting the publication of certificate " + Quoted(record.certificate_id);
  return WriteTxn(what, [&]() -> Status {
    IONOS_ASSIGN_OR_RETURN(Stmt parent, Prepare("SELECT 1 FROM certificates WHERE id = ?1", what));
    parent.Text(1, record.certificate_id);
    IONOS_ASSIGN_OR_RETURN(bool exists, Step(parent, what));
    if (!exists) {
      return NotFound("certificate", record.certificate_id);
    }
    IONOS_ASSIGN_OR_RETURN(Stmt put, Prepare("INSERT OR REPLACE INTO publications (certificate_id, state, remote_id, "
                                             "updated_at) VALUES (?1, ?2, ?3, ?4)",
                                             what));
    put.Text(1, record.certificate_id);
    put.Text(2, record.state);
    put.Text(3, record.remote_id);
    put.Text(4, FormatTime(Now()));
    return Run(put, what);
  });
}

Status SqliteStore::RemovePublication(const std::string& certificate_id) {
  std::lock_guard<std::mutex> lock(mu_);
  const std::string what = "forgetting the publication of certificate " + Quoted(certificate_id);
  return WriteTxn(what, [&]() -> Status {
    IONOS_ASSIGN_OR_RETURN(Stmt del, Prepare("DELETE FROM publications WHERE certificate_id = ?1", what));
    del.Text(1, certificate_id);
    return Run(del, what);
  });
}

Result<std::vector<PublicationRecord>> SqliteStore::ListPublications(const std::string& auto_certificate_id) {
  std::lock_guard<std::mutex> lock(mu_);
  const std::string what = "listing the publications of auto certificate " + Quoted(auto_certificate_id);
  IONOS_ASSIGN_OR_RETURN(Stmt sel, Prepare("SELECT p.certificate_id, p.state, p.remote_id, p.updated_at "
                                           "FROM publications p JOIN certificates c ON c.id = p.certificate_id "
                                           "WHERE c.auto_certificate_id = ?1",
                                           what));
  sel.Text(1, auto_certificate_id);
  return Collect<PublicationRecord>(sel, what, [this](const Stmt& s) -> Result<PublicationRecord> {
    PublicationRecord r;
    r.certificate_id = s.ColText(0);
    r.state = s.ColText(1);
    r.remote_id = s.ColText(2);
    IONOS_ASSIGN_OR_RETURN(r.updated_at, ColTime(s, 3, "publications.updated_at"));
    return r;
  });
}

// ------------------------------------------------------------------ key rotation

Result<KeyCounts> SqliteStore::CountKeys() {
  std::lock_guard<std::mutex> lock(mu_);
  const std::string what = "counting the private keys";
  IONOS_ASSIGN_OR_RETURN(
      Stmt sel, Prepare("SELECT (SELECT count(*) FROM accounts WHERE private_key LIKE 'enc:v1:%') + "
                        "(SELECT count(*) FROM certificates WHERE private_key LIKE 'enc:v1:%'), "
                        "(SELECT count(*) FROM accounts WHERE private_key NOT LIKE 'enc:v1:%') + "
                        "(SELECT count(*) FROM certificates WHERE private_key NOT LIKE 'enc:v1:%')",
                        what));
  IONOS_ASSIGN_OR_RETURN(bool row, Step(sel, what));
  if (!row) {
    return InternalError(what + ": no row");
  }
  return KeyCounts{sel.ColInt(0), sel.ColInt(1)};
}

Result<KeyCounts> SqliteStore::Rekey(const std::string& new_key) {
  if (!new_key.empty() && new_key.size() != kAesGcmKeySize) {
    return InvalidArgumentError("a store key must be 32 bytes, got " + std::to_string(new_key.size()));
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    const std::string what = "re-encrypting the private keys of the store " + url_;
    IONOS_RETURN_IF_ERROR(WriteTxn(what, [&]() -> Status {
      for (const char* table : {"accounts", "certificates"}) {
        const char* kind = std::string_view(table) == "accounts" ? "account" : "certificate";
        const std::string select = std::string("SELECT id, private_key FROM ") + table;
        IONOS_ASSIGN_OR_RETURN(Stmt sel, Prepare(select.c_str(), what));
        std::vector<std::pair<std::string, std::string>> rows;
        while (true) {
          IONOS_ASSIGN_OR_RETURN(bool row, Step(sel, what));
          if (!row) break;
          rows.emplace_back(sel.ColText(0), sel.ColText(1));
        }
        const std::string update = std::string("UPDATE ") + table + " SET private_key = ?1 WHERE id = ?2";
        for (const auto& [id, stored] : rows) {
          IONOS_ASSIGN_OR_RETURN(std::string pem, OpenPrivateKey(kind, id, stored));
          IONOS_ASSIGN_OR_RETURN(std::string sealed, ionos::SealPrivateKey(new_key, id, pem, *random_));
          IONOS_ASSIGN_OR_RETURN(Stmt upd, Prepare(update.c_str(), what));
          upd.Text(1, sealed);
          upd.Text(2, id);
          IONOS_RETURN_IF_ERROR(Run(upd, what));
        }
      }
      return Status::Ok();
    }));
  }
  return CountKeys();
}

// ------------------------------------------------------------------ one transaction

Status SqliteStore::WriteInOneTransaction(const std::function<Status(Store& tx)>& body) {
  const std::string what = "writing into the store " + url_ + " in one transaction";
  const StoreOptions options{.encryption_key = key_, .clock = clock_, .random = random_,
                             .busy_timeout = busy_timeout_, .must_exist = true, .key_source = key_source_};
  IONOS_ASSIGN_OR_RETURN(std::unique_ptr<Store> opened, Open(path_, options));
  auto* tx = static_cast<SqliteStore*>(opened.get());
  {
    std::lock_guard<std::mutex> lock(tx->mu_);
    IONOS_RETURN_IF_ERROR(tx->Exec("BEGIN IMMEDIATE", what));
    tx->in_outer_transaction_ = true;
  }
  Status status = body(*tx);
  std::lock_guard<std::mutex> lock(tx->mu_);
  tx->in_outer_transaction_ = false;
  if (status.ok()) {
    status = tx->Exec("COMMIT", what);
  }
  if (!status.ok() && sqlite3_get_autocommit(tx->db_.get()) == 0) {
    sqlite3_exec(tx->db_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
  }
  return status;
}

// ------------------------------------------------------------------ locks
//
// One file per lock name in "<database>.locks/", held with flock(2): the kernel releases it when
// the holding process exits for any reason, so a killed provider never leaves a lock behind.
// flock locks belong to the open file description, so two threads of one process that open the
// file separately exclude each other too. The files stay (they are empty and reused).

class FileLock final : public StoreLock {
 public:
  explicit FileLock(int fd) : fd_(fd) {}
  ~FileLock() override {
    flock(fd_, LOCK_UN);
    close(fd_);
  }
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  int fd_;
};

Result<std::unique_ptr<StoreLock>> SqliteStore::Lock(const std::string& name, const LockOptions& options) {
  const std::string what = "taking the lock " + Quoted(name) + " in the store " + url_;
  // Keyed by the database file itself, not by the path as written: "./certs.db", an absolute
  // path and a symbolic link to the same file must exclude one another.
  std::error_code ec;
  const std::filesystem::path canonical = std::filesystem::canonical(path_, ec);
  const std::string dir = (ec ? path_ : canonical.string()) + ".locks";
  if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return PermissionDeniedError(what + ": cannot create " + dir + ": " + ErrnoText(errno));
  }
  // Neither the folder nor a lock file is followed when it is a symbolic link (another user could
  // otherwise make this process create or lock a file of its choosing).
  const int dir_fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (dir_fd < 0) {
    return PermissionDeniedError(what + ": cannot open " + dir + " (it must be a folder, not a link): " +
                                 ErrnoText(errno));
  }
  const std::string base = HexEncode(Sha256(name)).substr(0, 32) + ".lock";
  const std::string file = dir + "/" + base;
  const int fd = openat(dir_fd, base.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
  const int open_errno = errno;
  close(dir_fd);
  if (fd < 0) {
    return PermissionDeniedError(what + ": cannot open " + file + ": " + ErrnoText(open_errno));
  }
  const TimePoint deadline = clock_->Now() + options.timeout;
  bool announced = false;
  while (true) {
    if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
      return std::unique_ptr<StoreLock>(std::make_unique<FileLock>(fd));
    }
    const int err = errno;
    if (err != EWOULDBLOCK && err != EINTR) {
      close(fd);
      return UnavailableError(what + ": " + ErrnoText(err));
    }
    if (!announced && options.on_wait) {
      options.on_wait();
      announced = true;
    }
    const TimePoint now = clock_->Now();
    if (now >= deadline) {
      close(fd);
      return DeadlineExceededError(what + ": another process held it for " + FormatDuration(options.timeout) +
                                   " and did not let go");
    }
    const Duration wait = std::min(options.retry_interval, std::chrono::ceil<Duration>(deadline - now));
    Status slept = clock_->SleepFor(std::max(wait, Duration(1)), options.cancel);
    if (!slept.ok()) {
      close(fd);
      return slept.WithContext(what);
    }
  }
}

}  // namespace

// ------------------------------------------------------------------ public functions

Result<std::string> SqliteStorePath(const std::string& url) {
  constexpr std::string_view kScheme = "sqlite:";
  if (url.compare(0, kScheme.size(), kScheme) != 0) {
    return InvalidArgumentError("not a sqlite: store URL; " + std::string(kStoreUrlForms));
  }
  std::string rest = url.substr(kScheme.size());
  if (rest.rfind("//", 0) == 0) {
    if (rest.rfind("///", 0) != 0) {
      return InvalidArgumentError("a sqlite:// store URL needs an absolute path (sqlite:///ABSOLUTE/PATH); for a "
                                  "relative path write sqlite:relative/path");
    }
    rest = rest.substr(2);
  }
  if (rest.empty()) {
    return InvalidArgumentError("the sqlite: store URL has no path; " + std::string(kStoreUrlForms));
  }
  if (rest.find('?') != std::string::npos) {
    return InvalidArgumentError("sqlite: store URLs take no query parameters (\"?...\")");
  }
  if (rest.find('\0') != std::string::npos) {
    return InvalidArgumentError("the sqlite: store URL contains a NUL character");
  }
  std::filesystem::path path;
  if (rest == "~" || rest.rfind("~/", 0) == 0) {
    const std::string home = HomeDirectory();
    if (home.empty()) {
      return InvalidArgumentError("the store path starts with ~ but the home directory is unknown");
    }
    path = std::filesystem::path(home) / rest.substr(rest.size() > 1 ? 2 : 1);
  } else {
    path = rest;
  }
  std::error_code ec;
  std::filesystem::path absolute = std::filesystem::absolute(path, ec);
  if (ec) {
    return InvalidArgumentError("cannot resolve the store path " + rest + ": " + ec.message());
  }
  absolute = absolute.lexically_normal();
  if (!absolute.has_filename()) {
    return InvalidArgumentError("the store path " + absolute.string() + " names a directory, not a file");
  }
  return absolute.string();
}

Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path, const StoreOptions& options) {
  return SqliteStore::Open(path, options);
}

std::string DefaultStoreUrl() {
  const char* xdg = std::getenv("XDG_DATA_HOME");
  std::filesystem::path base;
  if (xdg != nullptr && xdg[0] == '/') {
    base = xdg;
  } else {
    const std::string home = HomeDirectory();
    base = std::filesystem::path(home.empty() ? "." : home) / ".local" / "share";
  }
  return "sqlite:" + (base / "terraform-provider-ionos" / "certificates.db").lexically_normal().string();
}

}  // namespace ionos
