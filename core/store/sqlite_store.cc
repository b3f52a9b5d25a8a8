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
#include <functional>
#include <mutex>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "core/base/encoding.h"
#include "core/base/retry.h"
#include "core/crypto/crypto.h"
#include "core/store/database.h"
#include "core/store/record_store.h"

namespace ionos {
namespace {

// ------------------------------------------------------------------ schema
//
// Each migration moves the schema from version-1 to version. To change the schema, append a
// migration (never edit a released one) and raise kSqliteStoreSchemaVersion. Migrations run in
// one BEGIN IMMEDIATE transaction together with their schema_version rows.
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

// ------------------------------------------------------------------ helpers

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

// ------------------------------------------------------------------ the database

struct DbCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using DbPtr = std::unique_ptr<sqlite3, DbCloser>;

struct StmtFinalizer {
  void operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }
};
using StmtPtr = std::unique_ptr<sqlite3_stmt, StmtFinalizer>;

// The shared SQL text (core/store/database.h) without its PostgreSQL casts ("$2::timestamptz").
std::string WithoutCasts(std::string_view sql) {
  std::string out;
  out.reserve(sql.size());
  for (size_t i = 0; i < sql.size(); ++i) {
    if (sql[i] == ':' && i + 1 < sql.size() && sql[i + 1] == ':') {
      i += 2;
      while (i < sql.size() && (std::isalnum(static_cast<unsigned char>(sql[i])) || sql[i] == '_')) {
        ++i;
      }
      --i;
      continue;
    }
    out += sql[i];
  }
  return out;
}

// Held with flock(2) until destroyed (see SqliteDatabase::StartLock).
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

class FileLockAttempt final : public LockAttempt {
 public:
  FileLockAttempt(int fd, std::string what) : fd_(fd), what_(std::move(what)) {}
  ~FileLockAttempt() override {
    if (fd_ >= 0) {
      close(fd_);
    }
  }
  FileLockAttempt(const FileLockAttempt&) = delete;
  FileLockAttempt& operator=(const FileLockAttempt&) = delete;

  Result<std::unique_ptr<StoreLock>> Try() override {
    if (flock(fd_, LOCK_EX | LOCK_NB) == 0) {
      return std::unique_ptr<StoreLock>(std::make_unique<FileLock>(std::exchange(fd_, -1)));
    }
    const int err = errno;
    if (err != EWOULDBLOCK && err != EINTR) {
      return UnavailableError(what_ + ": " + ErrnoText(err));
    }
    return std::unique_ptr<StoreLock>();
  }

 private:
  int fd_;
  const std::string what_;
};

// One connection guarded by a mutex; every write runs in BEGIN IMMEDIATE (a savepoint inside the
// outer transaction of OpenOneTransaction).
class SqliteDatabase final : public Database, private Statements {
 public:
  static Result<std::unique_ptr<SqliteDatabase>> Open(const std::string& path, const StoreOptions& options);

  const Dialect& dialect() const override {
    static constexpr Dialect kDialect{.insertion_order = "rowid", .bytewise = "", .lock_rows = "",
                                      .add_certificate_function = false};
    return kDialect;
  }
  std::string Describe() const override { return url_; }

  Result<Rows> Run(const std::string& what, std::string_view sql, const Params& params, Mode mode,
                   Outcome* outcome) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (mode == Mode::kRead) {
      return Query(what, sql, params, outcome);
    }
    Rows rows;
    IONOS_RETURN_IF_ERROR(TransactionLocked(what, [&]() -> Status {
      IONOS_ASSIGN_OR_RETURN(rows, Query(what, sql, params, outcome));
      return Status::Ok();
    }));
    return rows;
  }

  Status Transaction(const std::string& what, const std::function<Status(Statements&)>& body) override {
    std::lock_guard<std::mutex> lock(mu_);
    return TransactionLocked(what, [&] { return body(*this); });
  }

  // One file per lock name in "<database>.locks/", held with flock(2): the kernel releases it when
  // the holding process exits for any reason, so a killed provider never leaves a lock behind.
  // flock locks belong to the open file description, so two threads of one process that open the
  // file separately exclude each other too. The files stay (they are empty and reused).
  Result<std::unique_ptr<LockAttempt>> StartLock(const std::string& name, const std::string& what) override {
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
    const int fd = openat(dir_fd, base.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    const int open_errno = errno;
    close(dir_fd);
    if (fd < 0) {
      return PermissionDeniedError(what + ": cannot open " + dir + "/" + base + ": " + ErrnoText(open_errno));
    }
    return std::unique_ptr<LockAttempt>(std::make_unique<FileLockAttempt>(fd, what));
  }

  Result<std::unique_ptr<Database>> OpenOneTransaction(const std::string& what) override {
    StoreOptions options = options_;
    options.must_exist = true;
    IONOS_ASSIGN_OR_RETURN(std::unique_ptr<SqliteDatabase> tx, Open(path_, options));
    std::lock_guard<std::mutex> lock(tx->mu_);
    IONOS_RETURN_IF_ERROR(tx->Exec("BEGIN IMMEDIATE", what));
    tx->in_outer_transaction_ = true;
    return std::unique_ptr<Database>(std::move(tx));
  }

  Status EndOneTransaction(Status status, const std::string& what) override {
    std::lock_guard<std::mutex> lock(mu_);
    in_outer_transaction_ = false;
    if (status.ok()) {
      status = Exec("COMMIT", what);
    }
    RollBackAfter(status);
    return status;
  }

 private:
  SqliteDatabase(std::string path, const StoreOptions& options)
      : path_(std::move(path)), url_("sqlite:" + path_), options_(options) {
    options_.encryption_key.clear();  // not needed here
  }

  // Everything below requires mu_ held (or, during Open, exclusive ownership).
  Status Error(int rc, const std::string& what, Outcome* outcome = nullptr) const;
  Result<Rows> Run(const std::string& what, std::string_view sql, const Params& params, Outcome* outcome) override {
    return Query(what, sql, params, outcome);  // Statements: inside TransactionLocked
  }
  Result<Rows> Query(const std::string& what, std::string_view sql, const Params& params, Outcome* outcome = nullptr);
  Status Exec(const char* sql, const std::string& what);
  // Exec, retrying SQLITE_BUSY until the busy timeout (used while opening, where some lock
  // acquisitions bypass the busy handler); the waits go through the store's Clock.
  Status ExecRetrying(const char* sql, const std::string& what);
  Status TransactionLocked(const std::string& what, const std::function<Status()>& body);
  // Best effort after a failure: the original error is what the caller needs to see.
  void RollBackAfter(const Status& status) {
    if (!status.ok() && sqlite3_get_autocommit(db_.get()) == 0) {
      sqlite3_exec(db_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
    }
  }
  Status Initialize();
  Result<int> ReadSchemaVersion(const std::string& what);
  Status Migrate();

  const std::string path_;
  const std::string url_;
  StoreOptions options_;  // to open the connection of OpenOneTransaction
  std::mutex mu_;
  DbPtr db_;
  // Set on the connection of OpenOneTransaction while its outer transaction is open.
  bool in_outer_transaction_ = false;
};

Status SqliteDatabase::Error(int rc, const std::string& what, Outcome* outcome) const {
  const std::string detail = db_ ? sqlite3_errmsg(db_.get()) : sqlite3_errstr(rc);
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return UnavailableError(what + ": the store " + url_ + " is locked by another process or thread (gave up after " +
                              std::to_string(options_.busy_timeout.count()) + " ms)");
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
        if (outcome != nullptr) {
          outcome->duplicate = true;
        }
        return AlreadyExistsError(what + ": already in the store " + url_ + " (" + detail + ")");
      }
      if (rc == SQLITE_CONSTRAINT_FOREIGNKEY && outcome != nullptr) {
        outcome->missing_parent = true;
      }
      return FailedPreconditionError(what + ": the store " + url_ + " refused the change: " + detail);
    default:
      return InternalError(what + ": the store " + url_ + ": " + detail);
  }
}

Result<Rows> SqliteDatabase::Query(const std::string& what, std::string_view sql, const Params& params,
                                   Outcome* outcome) {
  const std::string text = WithoutCasts(sql);
  sqlite3_stmt* raw = nullptr;
  const int prepared = sqlite3_prepare_v2(db_.get(), text.c_str(), -1, &raw, nullptr);
  StmtPtr stmt(raw);
  if (prepared != SQLITE_OK) {
    return Error(prepared, what, outcome);
  }
  // "$1" is the first parameter, wherever (and however often) the text names it.
  const std::vector<Params::Value>& values = params.values();
  for (size_t i = 0; i < values.size(); ++i) {
    const int index = sqlite3_bind_parameter_index(stmt.get(), ("$" + std::to_string(i + 1)).c_str());
    if (index == 0) {
      continue;
    }
    int rc = SQLITE_OK;
    if (const auto* text_value = std::get_if<std::string>(&values[i])) {
      rc = sqlite3_bind_text64(stmt.get(), index, text_value->c_str(), text_value->size(), SQLITE_TRANSIENT,
                               SQLITE_UTF8);
    } else if (const auto* int_value = std::get_if<int64_t>(&values[i])) {
      rc = sqlite3_bind_int64(stmt.get(), index, *int_value);
    } else {
      rc = sqlite3_bind_null(stmt.get(), index);
    }
    if (rc != SQLITE_OK) {
      return Error(rc, what, outcome);
    }
  }
  Rows rows;
  rows.columns = static_cast<size_t>(sqlite3_column_count(stmt.get()));
  for (;;) {
    const int rc = sqlite3_step(stmt.get());
    if (rc == SQLITE_DONE) {
      break;
    }
    if (rc != SQLITE_ROW) {
      return Error(rc, what, outcome);
    }
    for (int col = 0; col < static_cast<int>(rows.columns); ++col) {
      if (sqlite3_column_type(stmt.get(), col) == SQLITE_NULL) {
        rows.cells.emplace_back();
        continue;
      }
      const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt.get(), col));
      const int n = sqlite3_column_bytes(stmt.get(), col);
      rows.cells.emplace_back(p == nullptr ? std::string() : std::string(p, static_cast<size_t>(n)));
    }
  }
  rows.changed = sqlite3_changes(db_.get());
  return rows;
}

Status SqliteDatabase::Exec(const char* sql, const std::string& what) {
  const int rc = sqlite3_exec(db_.get(), sql, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) {
    return Error(sqlite3_extended_errcode(db_.get()), what);
  }
  return Status::Ok();
}

Status SqliteDatabase::ExecRetrying(const char* sql, const std::string& what) {
  int ext = SQLITE_OK;
  const PollOptions poll{.timeout = options_.busy_timeout,
                         .initial_interval = std::chrono::milliseconds(5),
                         .max_interval = std::chrono::milliseconds(5),
                         .poll_first = true};
  const Status waited = Poll(*options_.clock, nullptr, poll, what, PollProgress{}, [&]() -> Result<PollProgress> {
    const int rc = sqlite3_exec(db_.get(), sql, nullptr, nullptr, nullptr);
    ext = rc == SQLITE_OK ? SQLITE_OK : sqlite3_extended_errcode(db_.get());
    if (rc != SQLITE_OK && (ext & 0xff) != SQLITE_BUSY) {
      return Error(ext, what);
    }
    return PollProgress{.done = rc == SQLITE_OK};
  });
  if (waited.code() == StatusCode::kDeadlineExceeded && ext != SQLITE_OK) {
    return Error(ext, what);  // still busy at the busy timeout
  }
  return waited;
}

Status SqliteDatabase::TransactionLocked(const std::string& what, const std::function<Status()>& body) {
  if (in_outer_transaction_ && sqlite3_get_autocommit(db_.get()) != 0) {
    // SQLite rolled the outer transaction back on its own (SQLITE_FULL, an I/O error): nothing
    // written through it is kept, so nothing more may be written as if it were.
    return AbortedError(what + ": the transaction on the store " + url_ + " was rolled back by SQLite");
  }
  if (in_outer_transaction_) {
    // Inside OpenOneTransaction: a savepoint, so that a failed method takes back only its own
    // changes and the outer transaction decides about the rest.
    IONOS_RETURN_IF_ERROR(Exec("SAVEPOINT ionos_method", what));
    Status status = body();
    if (!status.ok()) {
      sqlite3_exec(db_.get(), "ROLLBACK TO ionos_method", nullptr, nullptr, nullptr);
    }
    const Status released = Exec("RELEASE ionos_method", what);
    return status.ok() ? released : status;
  }
  IONOS_RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE", what));
  Status status = body();
  if (status.ok()) {
    status = Exec("COMMIT", what);
  }
  RollBackAfter(status);
  return status;
}

// ------------------------------------------------------------------ open and migrate

Result<std::unique_ptr<SqliteDatabase>> SqliteDatabase::Open(const std::string& path, const StoreOptions& options) {
  const std::string url = "sqlite:" + path;
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

  std::unique_ptr<SqliteDatabase> db(new SqliteDatabase(path, options));
  if (db->options_.clock == nullptr) {
    db->options_.clock = &DefaultClock();
  }
  sqlite3* raw = nullptr;
  // NOMUTEX: the database serialises all use of its connection with mu_.
  const int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
  db->db_.reset(raw);
  if (rc != SQLITE_OK) {
    if (raw == nullptr) {
      return ResourceExhaustedError("opening the store " + url + ": out of memory");
    }
    return db->Error(sqlite3_extended_errcode(raw), "opening the store");
  }
  IONOS_RETURN_IF_ERROR(db->Initialize());
  return db;
}

Status SqliteDatabase::Initialize() {
  sqlite3_extended_result_codes(db_.get(), 1);
  sqlite3_busy_timeout(db_.get(), static_cast<int>(options_.busy_timeout.count()));
  const std::string what = "opening the store";
  // RETURNING (3.35) is used by the record layer; the build checks the headers, this the library
  // the program runs with.
  if (sqlite3_libversion_number() < 3035000) {
    return FailedPreconditionError(what + " " + url_ + ": SQLite " + sqlite3_libversion() +
                                   " is too old; 3.35 or newer is needed");
  }
  IONOS_RETURN_IF_ERROR(Exec("PRAGMA foreign_keys = ON", what));
  // Deleting an auto certificate deletes its certificates by ON DELETE CASCADE: a SQLite built
  // without foreign keys would leave them behind.
  IONOS_ASSIGN_OR_RETURN(Rows fk, Query(what, "PRAGMA foreign_keys", Params()));
  if (fk.size() != 1 || fk.at(0, 0) != "1") {
    return FailedPreconditionError(what + " " + url_ + ": this SQLite library does not enforce foreign keys");
  }
  // Deleted rows (old private keys) are overwritten, not left in free pages.
  IONOS_RETURN_IF_ERROR(Exec("PRAGMA secure_delete = ON", what));
  // Persistent once set; a no-op on later opens. Filesystems without shared memory support
  // keep the rollback journal, which is slower but equally correct.
  IONOS_RETURN_IF_ERROR(ExecRetrying("PRAGMA journal_mode = WAL", what));
  return Migrate();
}

Result<int> SqliteDatabase::ReadSchemaVersion(const std::string& what) {
  IONOS_ASSIGN_OR_RETURN(Rows tables, Query(what, "SELECT (SELECT count(*) FROM sqlite_master WHERE type = 'table' AND "
                                                  "name = 'schema_version'), (SELECT count(*) FROM sqlite_master)",
                                            Params()));
  if (tables.size() != 1) {
    return InternalError(what + ": reading the schema of the store " + url_ + " returned no row");
  }
  if (tables.at(0, 0) == "0") {
    if (tables.at(0, 1) != "0") {
      return FailedPreconditionError("the file of the store " + url_ +
                                     " is an SQLite database of something else (it has tables but no "
                                     "schema_version); point the store at a new or certificate store file");
    }
    return 0;
  }
  IONOS_ASSIGN_OR_RETURN(Rows version, Query(what, "SELECT COALESCE(MAX(version), 0) FROM schema_version", Params()));
  if (version.size() != 1) {
    return InternalError(what + ": reading schema_version of the store " + url_ + " returned no row");
  }
  return std::stoi(version.at(0, 0).value_or("0"));
}

Status SqliteDatabase::Migrate() {
  const std::string what = "opening the store";
  // Fast path: the usual open reads one number and is done.
  IONOS_ASSIGN_OR_RETURN(int version, ReadSchemaVersion(what));
  if (version == kSqliteStoreSchemaVersion) {
    return Status::Ok();
  }
  if (version > kSqliteStoreSchemaVersion) {
    return SchemaTooNewError(url_, version, kSqliteStoreSchemaVersion);
  }
  IONOS_RETURN_IF_ERROR(ExecRetrying("BEGIN IMMEDIATE", what));
  Status status = [&]() -> Status {
    // Another process may have migrated while we waited for the lock.
    IONOS_ASSIGN_OR_RETURN(int current, ReadSchemaVersion(what));
    if (current > kSqliteStoreSchemaVersion) {
      return SchemaTooNewError(url_, current, kSqliteStoreSchemaVersion);
    }
    for (const Migration& m : kMigrations) {
      if (m.version <= current) {
        continue;
      }
      const std::string step = "migrating the store schema to version " + std::to_string(m.version);
      IONOS_RETURN_IF_ERROR(Exec(m.sql, step));
      IONOS_RETURN_IF_ERROR(Query(step, "INSERT INTO schema_version (version, applied_at) VALUES ($1, $2)",
                                  Params{int64_t{m.version}, options_.clock->Now()})
                                .status());
    }
    return Exec("COMMIT", what);
  }();
  RollBackAfter(status);
  return status;
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
  IONOS_RETURN_IF_ERROR(CheckStoreKey(options));
  IONOS_ASSIGN_OR_RETURN(std::unique_ptr<SqliteDatabase> db, SqliteDatabase::Open(path, options));
  return std::unique_ptr<Store>(std::make_unique<RecordStore>(std::move(db), options));
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
