#include "core/store/postgres_store.h"

#include <libpq-fe.h>

#include <charconv>
#include <cstring>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "core/base/strings.h"
#include "core/crypto/crypto.h"
#include "core/store/libpq_loader.h"
#include "core/store/sqlite_store.h"

namespace ionos {

static_assert(kPostgresStoreSchemaVersion == kSqliteStoreSchemaVersion,
              "the PostgreSQL and SQLite backends share their migration numbers: add the migration to both");

namespace {

// ================================================================ schema
//
// The same migrations as core/store/sqlite_store.cc, version for version, in PostgreSQL's
// dialect. Never edit a released one: append a migration here AND in the SQLite backend.

constexpr Migration kMigrations[] = {
    {1, R"sql(
CREATE TABLE schema_version (
  version integer PRIMARY KEY,
  applied_at timestamptz NOT NULL
);
CREATE TABLE accounts (
  seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  id text PRIMARY KEY,
  name text NOT NULL,
  email text NOT NULL,
  server text NOT NULL,
  key_algorithm text NOT NULL,
  account_url text NOT NULL,
  status text NOT NULL,
  private_key text NOT NULL,
  eab_key_id text NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
CREATE TABLE auto_certificates (
  seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  id text PRIMARY KEY,
  provider_id text NOT NULL,
  name text NOT NULL,
  common_name text NOT NULL,
  subject_alternative_names text NOT NULL,
  key_algorithm text NOT NULL,
  renew_before_days bigint NOT NULL,
  grace_period_days bigint NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
CREATE TABLE certificates (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id text NOT NULL UNIQUE,
  auto_certificate_id text NOT NULL REFERENCES auto_certificates(id) ON DELETE CASCADE,
  name text NOT NULL,
  serial_number text NOT NULL,
  not_before timestamptz NOT NULL,
  not_after timestamptz NOT NULL,
  status text NOT NULL CHECK (status IN ('active', 'superseded')),
  certificate_pem text NOT NULL,
  chain_pem text NOT NULL,
  private_key text NOT NULL,
  fingerprint_sha256 text NOT NULL,
  issued_at timestamptz NOT NULL,
  superseded_at timestamptz
);
CREATE INDEX certificates_by_auto_certificate ON certificates (auto_certificate_id, issued_at);
CREATE UNIQUE INDEX certificates_one_active ON certificates (auto_certificate_id) WHERE status = 'active';
CREATE TABLE pending_dns_records (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id text NOT NULL UNIQUE,
  zone_id text NOT NULL,
  zone_name text NOT NULL,
  record_name text NOT NULL,
  fqdn text NOT NULL,
  value text NOT NULL,
  record_id text,
  created_at timestamptz NOT NULL
);
-- AddCertificate in one round trip: lock the auto certificate's row (serialising additions to it),
-- supersede its active certificate, insert the new one. In READ COMMITTED every statement of the
-- function takes a fresh snapshot, so it sees what a concurrent addition committed meanwhile.
CREATE FUNCTION ionos_add_certificate(p_id text, p_auto_certificate_id text, p_name text, p_serial_number text,
    p_not_before timestamptz, p_not_after timestamptz, p_fingerprint_sha256 text, p_issued_at timestamptz,
    p_certificate_pem text, p_chain_pem text, p_private_key text, p_now timestamptz)
RETURNS boolean LANGUAGE plpgsql AS $fn$
BEGIN
  PERFORM 1 FROM auto_certificates WHERE id = p_auto_certificate_id FOR UPDATE;
  IF NOT FOUND THEN
    RETURN false;
  END IF;
  UPDATE certificates SET status = 'superseded', superseded_at = p_now
   WHERE auto_certificate_id = p_auto_certificate_id AND status = 'active';
  INSERT INTO certificates (id, auto_certificate_id, name, serial_number, not_before, not_after, status,
                            fingerprint_sha256, issued_at, certificate_pem, chain_pem, private_key)
  VALUES (p_id, p_auto_certificate_id, p_name, p_serial_number, p_not_before, p_not_after, 'active',
          p_fingerprint_sha256, p_issued_at, p_certificate_pem, p_chain_pem, p_private_key);
  RETURN true;
END
$fn$;
)sql"},
    // 2: remember deleted ids, so a refresh can tell "deleted outside Terraform"
    // (drop it from state) from "this store never knew it" (an error naming the store).
    {2, R"sql(
CREATE TABLE deleted_records (
  kind text NOT NULL,
  id text NOT NULL,
  deleted_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (kind, id)
);
CREATE FUNCTION ionos_tombstone() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  INSERT INTO deleted_records (kind, id) VALUES (TG_ARGV[0], OLD.id)
    ON CONFLICT (kind, id) DO UPDATE SET deleted_at = EXCLUDED.deleted_at;
  RETURN NULL;
END
$fn$;
CREATE TRIGGER accounts_tombstone AFTER DELETE ON accounts
  FOR EACH ROW EXECUTE FUNCTION ionos_tombstone('account');
CREATE TRIGGER auto_certificates_tombstone AFTER DELETE ON auto_certificates
  FOR EACH ROW EXECUTE FUNCTION ionos_tombstone('auto_certificate');
CREATE TRIGGER certificates_tombstone AFTER DELETE ON certificates
  FOR EACH ROW EXECUTE FUNCTION ionos_tombstone('certificate');
)sql"},
    // 3: which process noted a pending DNS record, so a later run can tell the
    // leftovers of a killed process from the records of a running one.
    {3, R"sql(
ALTER TABLE pending_dns_records ADD COLUMN owner text NOT NULL DEFAULT '';
)sql"},
    // 4: the ACME profile and the issuance settings of an auto certificate (for the renew
    // command), each certificate's key algorithm, unique certificate names (earlier duplicates get
    // a "-<n>" suffix), and the CA's renewal information (ARI).
    {4, R"sql(
ALTER TABLE auto_certificates ADD COLUMN profile text NOT NULL DEFAULT '';
ALTER TABLE auto_certificates ADD COLUMN settings text NOT NULL DEFAULT '{}';
ALTER TABLE certificates ADD COLUMN key_algorithm text NOT NULL DEFAULT '';
UPDATE certificates c SET key_algorithm = a.key_algorithm FROM auto_certificates a WHERE a.id = c.auto_certificate_id;
UPDATE certificates c SET name = c.name || '-' || c.seq
  WHERE EXISTS (SELECT 1 FROM certificates d WHERE d.name = c.name AND d.seq < c.seq);
CREATE UNIQUE INDEX certificates_unique_name ON certificates (name);
CREATE TABLE renewal_info (
  certificate_id text PRIMARY KEY REFERENCES certificates(id) ON DELETE CASCADE,
  window_start timestamptz NOT NULL,
  window_end timestamptz NOT NULL,
  chosen_at timestamptz NOT NULL,
  explanation_url text NOT NULL,
  fetched_at timestamptz NOT NULL,
  next_fetch_at timestamptz NOT NULL
);
DROP FUNCTION ionos_add_certificate(text, text, text, text, timestamptz, timestamptz, text, timestamptz, text, text,
                                    text, timestamptz);
CREATE FUNCTION ionos_add_certificate(p_id text, p_auto_certificate_id text, p_name text, p_serial_number text,
    p_not_before timestamptz, p_not_after timestamptz, p_fingerprint_sha256 text, p_key_algorithm text,
    p_issued_at timestamptz, p_certificate_pem text, p_chain_pem text, p_private_key text, p_now timestamptz)
RETURNS boolean LANGUAGE plpgsql AS $fn$
BEGIN
  PERFORM 1 FROM auto_certificates WHERE id = p_auto_certificate_id FOR UPDATE;
  IF NOT FOUND THEN
    RETURN false;
  END IF;
  UPDATE certificates SET status = 'superseded', superseded_at = p_now
   WHERE auto_certificate_id = p_auto_certificate_id AND status = 'active';
  INSERT INTO certificates (id, auto_certificate_id, name, serial_number, not_before, not_after, status,
                            fingerprint_sha256, key_algorithm, issued_at, certificate_pem, chain_pem, private_key)
  VALUES (p_id, p_auto_certificate_id, p_name, p_serial_number, p_not_before, p_not_after, 'active',
          p_fingerprint_sha256, p_key_algorithm, p_issued_at, p_certificate_pem, p_chain_pem, p_private_key);
  RETURN true;
END
$fn$;
)sql"},
    // 5: the copies of certificates in the IONOS Certificate Manager (core/store/store.h,
    // PublicationStore); a deleted certificate takes its publication with it.
    {5, R"sql(
CREATE TABLE publications (
  certificate_id text PRIMARY KEY REFERENCES certificates(id) ON DELETE CASCADE,
  state text NOT NULL CHECK (state IN ('uploading', 'published')),
  remote_id text NOT NULL,
  updated_at timestamptz NOT NULL
);
)sql"},
};

static_assert(sizeof(kMigrations) / sizeof(kMigrations[0]) == kPostgresStoreSchemaVersion,
              "one migration per schema version");

int64_t LockKey(std::string_view domain, std::string_view name) {
  const std::string digest = Sha256("terraform-provider-ionos " + std::string(domain) + "\n" + std::string(name));
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) {
    v = (v << 8) | static_cast<uint8_t>(digest[static_cast<size_t>(i)]);
  }
  int64_t key = 0;
  std::memcpy(&key, &v, sizeof key);
  return key;
}

constexpr unsigned kTimestamptzOid = 1184;  // pg_type.oid of timestamptz

Rows RowsOf(const PGresult* result) {
  Rows rows;
  rows.columns = static_cast<size_t>(PQnfields(result));
  const int count = PQntuples(result);
  rows.cells.reserve(rows.columns * static_cast<size_t>(count));
  for (int row = 0; row < count; ++row) {
    for (int col = 0; col < static_cast<int>(rows.columns); ++col) {
      if (PQgetisnull(result, row, col) != 0) {
        rows.cells.emplace_back();
        continue;
      }
      std::string text(PQgetvalue(result, row, col), static_cast<size_t>(PQgetlength(result, row, col)));
      rows.cells.emplace_back(PQftype(result, col) == kTimestamptzOid ? Rfc3339FromPostgresTimestamp(std::move(text))
                                                                      : std::move(text));
    }
  }
  const std::string_view changed = PQcmdTuples(const_cast<PGresult*>(result));
  std::from_chars(changed.data(), changed.data() + changed.size(), rows.changed);
  return rows;
}

// ================================================================ locks

// A held advisory lock: its session (connection) is kept until the lock is destroyed.
class PostgresLock final : public StoreLock {
 public:
  PostgresLock(std::shared_ptr<PostgresPool> pool, PgConnPtr conn, int64_t key)
      : pool_(std::move(pool)), conn_(std::move(conn)), key_(key) {}
  ~PostgresLock() override {
    Result<PgResultPtr> unlocked =
        pool_->Exec(conn_.get(), "SELECT pg_advisory_unlock($1::bigint)", Params{key_}, "releasing a lock");
    if (unlocked.ok() && PQntuples(unlocked->get()) == 1 && std::strcmp(PQgetvalue(unlocked->get(), 0, 0), "t") == 0) {
      pool_->GiveBack(std::move(conn_));
    }
    // Otherwise conn_ is closed here: ending the session releases every lock it held.
  }
  PostgresLock(const PostgresLock&) = delete;
  PostgresLock& operator=(const PostgresLock&) = delete;

  // The lock is a session advisory lock of conn_: held exactly while pg_locks shows it granted to
  // this session (a bigint key appears as classid = high half, objid = low half, objsubid = 1).
  // A connection that broke has lost it, whatever the server says later.
  Result<bool> StillHeld() override {
    if (PQstatus(conn_.get()) != CONNECTION_OK) {
      return false;
    }
    Result<PgResultPtr> held = pool_->Exec(
        conn_.get(),
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND granted "
        "AND objsubid = 1 AND classid = (($1::bigint >> 32) & 4294967295)::oid "
        "AND objid = ($1::bigint & 4294967295)::oid",
        Params{key_}, "checking that the store lock is still held");
    if (!held.ok()) {
      return PQstatus(conn_.get()) != CONNECTION_OK ? Result<bool>(false) : Result<bool>(held.status());
    }
    return PQntuples(held->get()) == 1 && std::strcmp(PQgetvalue(held->get(), 0, 0), "1") == 0;
  }

 private:
  std::shared_ptr<PostgresPool> pool_;
  PgConnPtr conn_;
  int64_t key_;
};

// Tries pg_try_advisory_lock on one connection (outside the pool's count) until it is granted.
class PostgresLockAttempt final : public LockAttempt {
 public:
  PostgresLockAttempt(std::shared_ptr<PostgresPool> pool, PgConnPtr conn, bool fresh, int64_t key, std::string what)
      : pool_(std::move(pool)), conn_(std::move(conn)), fresh_(fresh), key_(key), what_(std::move(what)) {}
  ~PostgresLockAttempt() override {
    if (conn_) {
      pool_->GiveBack(std::move(conn_));
    }
  }
  PostgresLockAttempt(const PostgresLockAttempt&) = delete;
  PostgresLockAttempt& operator=(const PostgresLockAttempt&) = delete;

  Result<std::unique_ptr<StoreLock>> Try() override {
    for (;;) {
      Result<PgResultPtr> tried =
          pool_->Exec(conn_.get(), "SELECT pg_try_advisory_lock($1::bigint)", Params{key_}, what_);
      if (tried.ok()) {
        if (std::strcmp(PQgetvalue(tried->get(), 0, 0), "t") != 0) {
          return std::unique_ptr<StoreLock>();
        }
        return std::unique_ptr<StoreLock>(std::make_unique<PostgresLock>(pool_, std::move(conn_), key_));
      }
      if (fresh_ || PQstatus(conn_.get()) == CONNECTION_OK) {
        return tried.status();
      }
      // A reused connection the server had closed meanwhile: try again on another one.
      conn_.reset();
      IONOS_ASSIGN_OR_RETURN(auto again, pool_->TakeForLock(what_));
      conn_ = std::move(again.first);
      fresh_ = again.second;
    }
  }

 private:
  std::shared_ptr<PostgresPool> pool_;
  PgConnPtr conn_;
  bool fresh_;
  int64_t key_;
  const std::string what_;
};

// ================================================================ the database

class PostgresDatabase final : public Database {
 public:
  // `clock` (null: the system clock) is the store's, for the pool of OpenOneTransaction.
  PostgresDatabase(std::shared_ptr<PostgresPool> pool, const Clock* clock) : pool_(std::move(pool)), clock_(clock) {}

  const Dialect& dialect() const override {
    static constexpr Dialect kDialect{.insertion_order = "seq", .bytewise = " COLLATE \"C\"",
                                      .lock_rows = " FOR UPDATE", .add_certificate_function = true};
    return kDialect;
  }
  std::string Describe() const override { return pool_->describe(); }
  std::vector<std::string> Warnings() const override { return pool_->url().warnings; }

  Result<Rows> Run(const std::string& what, std::string_view sql, const Params& params, Mode mode,
                   Outcome* outcome) override {
    std::string sqlstate;
    bool repeated = false;
    Result<PgResultPtr> result = pool_->Run(what, std::string(sql), params, mode, &sqlstate, &repeated);
    Note(sqlstate, repeated, outcome);
    IONOS_RETURN_IF_ERROR(result.status());
    return RowsOf(result->get());
  }

  Status Transaction(const std::string& what, const std::function<Status(Statements&)>& body) override {
    IONOS_ASSIGN_OR_RETURN(PostgresPool::Lease lease, pool_->Acquire(what, /*for_write=*/true));
    OnConnection statements(*pool_, lease.get());
    return pool_->Transaction(lease.get(), what, [&] { return body(statements); });
  }

  // Session-level advisory locks keyed by 64 bits of SHA-256 of the name (postgres_store.h).
  Result<std::unique_ptr<LockAttempt>> StartLock(const std::string& name, const std::string& what) override {
    IONOS_ASSIGN_OR_RETURN(auto taken, pool_->TakeForLock(what));
    return std::unique_ptr<LockAttempt>(std::make_unique<PostgresLockAttempt>(
        pool_, std::move(taken.first), taken.second, LockKey("lock", name), what));
  }

  Result<std::unique_ptr<Database>> OpenOneTransaction(const std::string& what) override {
    auto pinned = std::make_shared<PostgresPool>(pool_->url(), pool_->lock_timeout(), 1, clock_);
    IONOS_RETURN_IF_ERROR(pinned->Pin(what));
    return std::unique_ptr<Database>(std::make_unique<PostgresDatabase>(std::move(pinned), clock_));
  }

  Status EndOneTransaction(Status status, const std::string& what) override {
    return pool_->Unpin(std::move(status), what);
  }


 private:
  // Statements on the connection of one transaction.
  class OnConnection final : public Statements {
   public:
    OnConnection(PostgresPool& pool, PGconn* conn) : pool_(pool), conn_(conn) {}
    Result<Rows> Run(const std::string& what, std::string_view sql, const Params& params,
                     Outcome* outcome) override {
      std::string sqlstate;
      Result<PgResultPtr> result = pool_.Exec(conn_, std::string(sql), params, what, &sqlstate);
      Note(sqlstate, false, outcome);
      IONOS_RETURN_IF_ERROR(result.status());
      return RowsOf(result->get());
    }

   private:
    PostgresPool& pool_;
    PGconn* conn_;
  };

  static void Note(const std::string& sqlstate, bool repeated, Outcome* outcome) {
    if (outcome != nullptr) {
      outcome->duplicate = sqlstate == "23505";        // unique_violation
      outcome->missing_parent = sqlstate == "23503";   // foreign_key_violation
      outcome->repeated = repeated;
    }
  }

  std::shared_ptr<PostgresPool> pool_;
  const Clock* clock_;
};

// ================================================================ open and migrate

Status Migrate(PostgresPool& pool, const Clock& clock, bool must_exist) {
  const std::string what = "opening the store";
  const std::string& describe = pool.describe();
  IONOS_ASSIGN_OR_RETURN(PostgresPool::Lease lease, pool.Acquire(what));
  auto version_of = [&](const PGresult* result) -> Result<int64_t> {
    int64_t version = 0;
    const std::string_view text = PQgetvalue(result, 0, 0);
    if (std::from_chars(text.data(), text.data() + text.size(), version).ec != std::errc()) {
      return DataLossError("the store " + describe + " holds a corrupt number in column schema_version.version");
    }
    return version;
  };
  // Fast path: the usual open reads one number and is done.
  {
    std::string sqlstate;
    Result<PgResultPtr> version =
        pool.Exec(lease.get(), "SELECT coalesce(max(version), 0) FROM schema_version", Params(), what, &sqlstate);
    if (version.ok()) {
      IONOS_ASSIGN_OR_RETURN(int64_t current, version_of(version->get()));
      if (current == kPostgresStoreSchemaVersion) {
        return Status::Ok();
      }
      if (current > kPostgresStoreSchemaVersion) {
        return SchemaTooNewError(describe, current, kPostgresStoreSchemaVersion);
      }
    } else if (sqlstate != "42P01") {  // anything but undefined_table: no schema_version yet
      return version.status();
    } else if (must_exist) {
      // Nothing is created here; but a store that could never be created is better reported now
      // (at a plan) than at the first write (the apply).
      IONOS_ASSIGN_OR_RETURN(
          PgResultPtr may_create,
          pool.Exec(lease.get(), "SELECT current_schema(), has_schema_privilege(current_schema(), 'CREATE')",
                    Params(), what));
      if (PQntuples(may_create.get()) == 1 && std::string_view(PQgetvalue(may_create.get(), 0, 1)) == "f") {
        return PermissionDeniedError(what + " " + describe +
                                     ": the database holds no store tables yet, and the role cannot create them: "
                                     "permission denied for schema " + PQgetvalue(may_create.get(), 0, 0) +
                                     " (grant CREATE on it, or create the store once with a role that may)");
      }
      return NotFoundError("there is no store at " + describe + " (the database holds no store tables)");
    }
  }
  // Slow path: migrate under a transaction-scoped advisory lock, so concurrent openers of a new
  // database migrate once; the others wait (bounded by lock_timeout) and then find it done.
  return pool.Transaction(lease.get(), what, [&]() -> Status {
    IONOS_RETURN_IF_ERROR(pool.Exec(lease.get(), "SELECT pg_advisory_xact_lock($1::bigint)",
                                    Params{LockKey("migration", "schema")}, what)
                              .status());
    IONOS_ASSIGN_OR_RETURN(
        PgResultPtr tables,
        pool.Exec(lease.get(),
                  "SELECT to_regclass('schema_version') IS NOT NULL, "
                  "to_regclass('accounts') IS NOT NULL OR to_regclass('auto_certificates') IS NOT NULL OR "
                  "to_regclass('certificates') IS NOT NULL OR to_regclass('pending_dns_records') IS NOT NULL OR "
                  "to_regclass('deleted_records') IS NOT NULL OR to_regclass('renewal_info') IS NOT NULL",
                  Params(), what));
    int64_t current = 0;
    if (std::string_view(PQgetvalue(tables.get(), 0, 0)) == "t") {
      IONOS_ASSIGN_OR_RETURN(
          PgResultPtr version,
          pool.Exec(lease.get(), "SELECT coalesce(max(version), 0) FROM schema_version", Params(), what));
      IONOS_ASSIGN_OR_RETURN(current, version_of(version.get()));
    } else if (std::string_view(PQgetvalue(tables.get(), 0, 1)) == "t") {
      return FailedPreconditionError("the database of the store " + describe +
                                     " holds tables named like the store's (accounts, certificates, ...) but no "
                                     "schema_version: they belong to something else; give the store a database of "
                                     "its own");
    }
    if (current > kPostgresStoreSchemaVersion) {
      return SchemaTooNewError(describe, current, kPostgresStoreSchemaVersion);
    }
    for (const Migration& m : kMigrations) {
      if (m.version <= current) {
        continue;
      }
      const std::string step =
          "migrating the schema of the store " + describe + " to version " + std::to_string(m.version);
      IONOS_RETURN_IF_ERROR(pool.ExecScript(lease.get(), m.sql, step));
      IONOS_RETURN_IF_ERROR(pool.Exec(lease.get(), "INSERT INTO schema_version (version, applied_at) VALUES ($1, $2)",
                                      Params{int64_t{m.version}, clock.Now()}, step)
                                .status());
    }
    return Status::Ok();
  });
}

}  // namespace

std::string Rfc3339FromPostgresTimestamp(std::string text) {
  if (text.size() < 22 || text[4] != '-' || text[7] != '-' || text[10] != ' ' || text[13] != ':') return text;
  text[10] = 'T';
  const size_t sign = text.find_last_of("+-");
  if (sign == std::string::npos || sign < 19) return text;
  const std::string offset = text.substr(sign);
  if (offset == "+00") return text.replace(sign, std::string::npos, "Z");
  if (offset.size() == 3) return text + ":00";  // "+01" → "+01:00"
  return text;                                   // "+05:30" as it is
}

Result<std::unique_ptr<PostgresStore>> PostgresStore::Open(const std::string& url, const StoreOptions& options) {
  IONOS_ASSIGN_OR_RETURN(PostgresUrl parsed, ParsePostgresUrl(url));
  IONOS_RETURN_IF_ERROR_CTX(LoadLibpq(), "opening the store " + DescribeStoreUrl(url));
  IONOS_RETURN_IF_ERROR(CheckStoreKey(options));
  auto pool = std::make_shared<PostgresPool>(std::move(parsed), options.busy_timeout, kPostgresStorePoolSize,
                                             options.clock);
  IONOS_RETURN_IF_ERROR(
      Migrate(*pool, options.clock != nullptr ? *options.clock : DefaultClock(), options.must_exist));
  auto db = std::make_unique<PostgresDatabase>(pool, options.clock);
  return std::unique_ptr<PostgresStore>(new PostgresStore(std::move(db), std::move(pool), options));
}

Result<std::unique_ptr<Store>> OpenPostgresStore(const std::string& url, const StoreOptions& options) {
  IONOS_ASSIGN_OR_RETURN(std::unique_ptr<PostgresStore> store, PostgresStore::Open(url, options));
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace ionos
