// File: core/store/postgres_pool.h
//
// The connections of a PostgreSQL store (libpq): up to `size` lent out to calls at a time, idle ones
// kept for reuse, connections of held locks lent out of the count. What a connection promises
// (deadlines, keepalives, the idle check, which failures are retried, how errors map) is described
// in core/store/postgres_store.h.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/base/clock.h"
#include "core/base/status.h"
#include "core/store/database.h"
#include "core/store/postgres_url.h"

typedef struct pg_conn PGconn;      // libpq-fe.h
typedef struct pg_result PGresult;  // libpq-fe.h

namespace ionos {

// Connections a PostgresStore keeps for its calls (held locks come on top, one each).
inline constexpr size_t kPostgresStorePoolSize = 4;

// A pooled connection idle this long (by the store's Clock) is checked before it carries a write:
// one round trip (SELECT 1) that must be answered within min(round_trip_timeout,
// kPostgresIdleCheckTimeout), or the connection is closed and another one used.
inline constexpr std::chrono::seconds kPostgresIdleCheckAfter{5};
inline constexpr std::chrono::seconds kPostgresIdleCheckTimeout{5};

struct PgConnDeleter {
  void operator()(PGconn* conn) const;
};
using PgConnPtr = std::unique_ptr<PGconn, PgConnDeleter>;

struct PgResultDeleter {
  void operator()(PGresult* result) const;
};
using PgResultPtr = std::unique_ptr<PGresult, PgResultDeleter>;

class PostgresPool {
 public:
  // `clock` (null: the system clock) tells how long a connection was idle; it must outlive the
  // store and its locks. Each session runs with lock_timeout = `lock_timeout`.
  PostgresPool(PostgresUrl url, std::chrono::milliseconds lock_timeout, size_t size, const Clock* clock = nullptr);

  // A connection lent to one call; returned to the pool (or dropped when broken) on destruction.
  class Lease {
   public:
    Lease(PostgresPool* pool, PgConnPtr conn, bool fresh) : pool_(pool), conn_(std::move(conn)), fresh_(fresh) {}
    Lease(Lease&& other) noexcept
        : pool_(std::exchange(other.pool_, nullptr)), conn_(std::move(other.conn_)), fresh_(other.fresh_) {}
    Lease& operator=(Lease&&) = delete;
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease() {
      if (pool_ != nullptr) {
        pool_->Return(std::move(conn_));
      }
    }
    PGconn* get() const { return conn_.get(); }
    // Opened for this call (not reused): a failure on it is not a stale connection.
    bool fresh() const { return fresh_; }

   private:
    PostgresPool* pool_;
    PgConnPtr conn_;
    bool fresh_;
  };

  const PostgresUrl& url() const { return url_; }
  const std::string& describe() const { return describe_; }
  std::chrono::milliseconds lock_timeout() const { return lock_timeout_; }
  uint64_t round_trips() const { return round_trips_.load(); }
  uint64_t connections_opened() const { return connections_opened_.load(); }

  // `for_write`: the connection is to carry a write, so one idle for kPostgresIdleCheckAfter or longer is
  // checked first (a NAT, a load balancer or a failover may have dropped it without a word, and a
  // write is not repeated on another connection); one that does not answer is replaced.
  Result<Lease> Acquire(const std::string& what, bool for_write = false);
  // A connection for a lock, outside the count; `second` tells whether it was just opened.
  Result<std::pair<PgConnPtr, bool>> TakeForLock(const std::string& what);
  // Takes back a lock's connection (kept when healthy and there is room, else closed).
  void GiveBack(PgConnPtr conn);

  // One statement on `conn`: one round trip. `sqlstate`, when given, receives the SQLSTATE of a
  // failure reported by the server ("" otherwise).
  Result<PgResultPtr> Exec(PGconn* conn, const std::string& sql, const Params& params, const std::string& what,
                           std::string* sqlstate = nullptr);
  // Several statements in one round trip (simple query protocol, no parameters): migrations.
  Status ExecScript(PGconn* conn, const char* sql, const std::string& what);
  // One statement on a pooled connection, repeated on a fresh one as `mode` allows (database.h).
  // `repeated`, when given, tells the caller that it was sent a second time.
  Result<PgResultPtr> Run(const std::string& what, const std::string& sql, const Params& params, Mode mode,
                          std::string* sqlstate = nullptr, bool* repeated = nullptr);
  // BEGIN; body(); COMMIT on one connection (ROLLBACK when body fails); a savepoint when pinned.
  Status Transaction(PGconn* conn, const std::string& what, const std::function<Status()>& body);

  // Makes this (fresh, size 1) pool the carrier of one transaction (WriteInOneTransaction): one
  // connection, BEGIN sent; every call runs on it, none is repeated, none opens another.
  Status Pin(const std::string& what);
  // Ends the pinned transaction: COMMIT when `status` is OK, else ROLLBACK (best effort: a
  // connection that is gone takes its transaction with it). Returns `status` or the COMMIT's error.
  Status Unpin(Status status, const std::string& what);

 private:
  // A pooled connection and since when it is idle (the store's clock).
  struct Idle {
    PgConnPtr conn;
    TimePoint since;
  };

  std::optional<Idle> TakeIdleLocked();
  bool Answers(PGconn* conn, const std::string& what);
  bool Reusable(PGconn* conn) const;
  void Return(PgConnPtr conn);
  Result<PgResultPtr> RoundTrip(PGconn* conn, const std::string& what, const std::function<int()>& send,
                                std::optional<std::chrono::milliseconds> timeout = std::nullopt);
  Status QueryError(PGconn* conn, const PGresult* result, const std::string& what) const;
  std::string Secretless(std::string text) const;
  Result<PgConnPtr> Connect(const std::string& what);
  Status ConnectError(PGconn* conn, const std::string& prefix) const;

  const PostgresUrl url_;
  const std::string describe_;
  const std::chrono::milliseconds lock_timeout_;
  const size_t size_;
  std::atomic<uint64_t> round_trips_{0};
  std::atomic<uint64_t> connections_opened_{0};

  SystemClock own_clock_;
  const Clock* clock_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Idle> idle_;
  size_t in_use_ = 0;
  bool pinned_ = false;  // set once by Pin, before any other use
};

}  // namespace ionos
