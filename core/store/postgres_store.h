// File: core/store/postgres_store.h
//
// The PostgreSQL backend of Store (URL `postgres://user:pass@host:port/db?sslmode=...`, also
// `postgresql://`): the shared certificate store of a team, its CI runners and scheduled jobs,
// which share nothing but the Terraform state backend and this database. libpq underneath. The
// records mean what RecordStore (record_store.h) makes them mean; this backend adds its database:
// the connection pool (postgres_pool.h), the dialect, advisory locks and the migrations.
//
// URL: postgres_url.h (ParsePostgresUrl, checked without connecting).
//
// What a connection promises:
// - Deadlines: every round trip (sending a statement and reading its whole answer) ends within
//   round_trip_timeout, or the connection is dropped and the call fails with Unavailable ("no
//   answer from the store ... within N s"); waiting for a free pooled connection is bounded the
//   same way. TCP keepalives (idle 10 s, interval 5 s, 3 probes) and tcp_user_timeout
//   (round_trip_timeout) are on by default, so a half-open connection is noticed by the kernel
//   too; the URL's own values win.
// - Secrets: the password (in the user info or as ?password=) and ?sslpassword= never appear in
//   any message or in Describe(), which is "scheme://user@host:port/db" (no query). Parse errors
//   never quote the URL (a password with an unencoded "/" or "?" would otherwise leak through the
//   part it spills into): they name the part that is wrong.
//
// Connections: a pool of up to kPostgresStorePoolSize connections per Store, opened on demand and
// reused across calls; every method may be called concurrently from any thread (a call takes one
// connection for its duration; a further caller waits for one to come free). A connection found
// broken (server restarted, network cut) is dropped and a new one opened by the next call; an idle
// connection the server or the network has closed is noticed before use; one idle for
// kPostgresIdleCheckAfter or longer is checked with a round trip before it carries a write (a flow
// that a NAT, a load balancer or a failover dropped in silence looks healthy until something is
// sent); and a read that fails because its reused connection died is retried once on a fresh
// connection. Connecting honours connect_timeout. Each session runs with lock_timeout =
// StoreOptions::busy_timeout, so waiting for another writer's row or table lock is bounded
// (→ Unavailable "locked by another process"). WriteInOneTransaction runs on a connection of its
// own, outside the pool's count: BEGIN, the body's calls (none repeated on another connection;
// UpdateAccount's and Rekey's transactions become savepoints), COMMIT or ROLLBACK.
//
// Round trips: every method is one statement, hence one round trip, in the common case (Open: one
// more for the schema check; UpdateAccount: three, it decrypts inside a transaction; a failed
// update: one more to tell NotFound from InvalidArgument). GetAutoCertificateSnapshot is one
// where the default of Store takes four. round_trips() counts them (benchmarks report round trips
// per Terraform ReadResource).
//
// Schema: the same versioned migrations as the SQLite backend (same version numbers, a
// schema_version table; kPostgresStoreSchemaVersion == kSqliteStoreSchemaVersion). Opening applies
// the missing ones in one transaction under pg_advisory_xact_lock, so two runners starting at once
// migrate once; a newer schema is refused (FailedPrecondition); a database holding tables of the
// same names but no schema_version is refused and left alone. Times are timestamptz at whole
// seconds, answered in UTC as ISO text (each session sets TimeZone and DateStyle, over the URL's
// options). Private keys are sealed exactly as in SQLite (core/store/key_sealing.h). Deleted ids are
// remembered by triggers (tombstones for WasDeleted). AddCertificate is one call of the function
// ionos_add_certificate, which locks the auto certificate's row, supersedes and inserts.
//
// Locks: session-level advisory locks (pg_try_advisory_lock, keyed by 64 bits of SHA-256 of the
// name) on a connection held for the lock's lifetime, outside the pool's count. A busy lock is
// tried again every LockOptions::retry_interval through the store's Clock, on_wait is called once,
// the wait ends at LockOptions::timeout (DeadlineExceeded naming the lock and the store) or on
// LockOptions::cancel. A killed process's session ends with its connection, and its locks with it.
// Advisory locks are per database: two stores in different databases never exclude each other.
//
// Errors (messages name the store by Describe()):
//   unique_violation 23505                  → AlreadyExists
//   invalid_password 28P01, other 28xxx     → Unauthenticated ("password authentication failed for user X")
//   insufficient_privilege 42501            → PermissionDenied
//   invalid_catalog_name 3D000              → NotFound naming the database
//   connection refused / timeout / lost, 08xxx, 57P0x, 53300, admin shutdown → Unavailable
//   lock_not_available 55P03, serialization 40001, deadlock 40P01 → Unavailable
//   TLS verification / TLS configuration failures → FailedPrecondition
//   other integrity violations 23xxx, a table of the store's name not made by it (42P07)
//                                           → FailedPrecondition
//   data exceptions 22xxx (e.g. invalid UTF-8) → InvalidArgument; a NUL character in a value is
//                                           refused before sending (PostgreSQL text cannot hold it)
//   disk full and other 53xxx               → ResourceExhausted
//   anything else                           → Internal (with the SQLSTATE)
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "core/base/status.h"
#include "core/store/postgres_pool.h"  // kPostgresStorePoolSize, kPostgresIdleCheckAfter
#include "core/store/postgres_url.h"
#include "core/store/record_store.h"

namespace ionos {

// The schema version this binary writes; always equal to kSqliteStoreSchemaVersion.
inline constexpr int kPostgresStoreSchemaVersion = 5;

class PostgresStore final : public RecordStore {
 public:
  // Connects (one connection), checks the schema and migrates it when needed.
  static Result<std::unique_ptr<PostgresStore>> Open(const std::string& url, const StoreOptions& options);

  // Statements sent to the server so far (each a network round trip), including those of locks.
  uint64_t round_trips() const { return pool_->round_trips(); }
  // Connections opened so far (each several round trips: TCP, TLS, authentication).
  uint64_t connections_opened() const { return pool_->connections_opened(); }

 private:
  PostgresStore(std::unique_ptr<Database> db, std::shared_ptr<PostgresPool> pool, const StoreOptions& options)
      : RecordStore(std::move(db), options), pool_(std::move(pool)) {}

  std::shared_ptr<PostgresPool> pool_;  // shared with the database and held locks, which may outlive the store
};

// A timestamptz as a session with DateStyle ISO prints it ("2026-01-02 03:04:05+00") in RFC 3339
// ("2026-01-02T03:04:05Z"). Each session asks for TimeZone UTC, but a connection pooler may drop
// that startup option (PgBouncer's ignore_startup_parameters), leaving the server's own time zone:
// "+01", "-03:30" and fractions are read as well. Anything else comes back as it is (and is then
// read as corrupt).
std::string Rfc3339FromPostgresTimestamp(std::string text);

// What OpenStore does for postgres:// and postgresql:// URLs.
Result<std::unique_ptr<Store>> OpenPostgresStore(const std::string& url, const StoreOptions& options);

}  // namespace ionos
