#include "core/store/postgres_store.h"

#include <libpq-fe.h>
#include <poll.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "core/base/encoding.h"
#include "core/base/host_port.h"
#include "core/base/json.h"
#include "core/base/strings.h"
#include "core/crypto/aead.h"
#include "core/crypto/crypto.h"
#include "core/store/key_sealing.h"
#include "core/store/sqlite_store.h"

namespace ionos {

static_assert(kPostgresStoreSchemaVersion == kSqliteStoreSchemaVersion,
              "the PostgreSQL and SQLite backends share their migration numbers: add the migration to both");

namespace {

// Removes `secret` from `text` (defence in depth: libpq and the server are not expected to echo it).
std::string Scrub(std::string text, const std::string& secret) {
  if (secret.size() < 4) {
    return text;  // too short to tell apart from ordinary words; never echoed anyway
  }
  size_t at = 0;
  while ((at = text.find(secret, at)) != std::string::npos) {
    text.replace(at, secret.size(), "***");
    at += 3;
  }
  return text;
}

// ================================================================ libpq handles

struct PgConnDeleter {
  void operator()(PGconn* conn) const { PQfinish(conn); }
};
using PgConnPtr = std::unique_ptr<PGconn, PgConnDeleter>;

struct PgResultDeleter {
  void operator()(PGresult* result) const { PQclear(result); }
};
using PgResultPtr = std::unique_ptr<PGresult, PgResultDeleter>;

// Statement parameters, sent as text (NULL for nullopt).
class Params {
 public:
  Params& Text(std::string value) {
    values_.emplace_back(std::move(value));
    return *this;
  }
  Params& OptText(const std::optional<std::string>& value) {
    values_.push_back(value);
    return *this;
  }
  Params& Int(int64_t value) { return Text(std::to_string(value)); }
  // Whole seconds since the epoch (columns are timestamptz; SQL wraps it in to_timestamp).
  Params& Time(TimePoint t) {
    return Int(std::chrono::floor<std::chrono::seconds>(t.time_since_epoch()).count());
  }

  // PostgreSQL text cannot hold NUL characters; libpq would cut the value short silently.
  Status Check(const std::string& what) const {
    for (const auto& v : values_) {
      if (v.has_value() && v->find('\0') != std::string::npos) {
        return InvalidArgumentError(what + ": a value contains a NUL character, which the store cannot keep");
      }
    }
    return Status::Ok();
  }
  std::vector<const char*> Pointers() const {
    std::vector<const char*> out;
    out.reserve(values_.size());
    for (const auto& v : values_) {
      out.push_back(v.has_value() ? v->c_str() : nullptr);
    }
    return out;
  }
  int size() const { return static_cast<int>(values_.size()); }

 private:
  std::vector<std::optional<std::string>> values_;
};

// "FATAL:  28P01: password authentication failed..." (verbose error format) → "28P01".
std::string SqlStateInMessage(const std::string& message) {
  for (const char* severity : {"FATAL:  ", "ERROR:  ", "PANIC:  "}) {
    size_t at = message.find(severity);
    while (at != std::string::npos) {
      const size_t code = at + std::strlen(severity);
      if (code + 6 <= message.size() && message[code + 5] == ':') {
        const std::string candidate = message.substr(code, 5);
        if (std::all_of(candidate.begin(), candidate.end(),
                        [](char c) { return std::isdigit(static_cast<unsigned char>(c)) || std::isupper(c); })) {
          return candidate;
        }
      }
      at = message.find(severity, at + 1);
    }
  }
  return "";
}

// libpq's multi-line error text as one line for a message: no LOCATION/DETAIL/HINT lines, no
// severities or SQLSTATE codes, no repeated lines.
std::string CleanMessage(const std::string& raw) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start < raw.size()) {
    const size_t end = std::min(raw.find('\n', start), raw.size());
    std::string line(TrimSpace(std::string_view(raw).substr(start, end - start)));
    start = end + 1;
    if (line.empty() || line.rfind("LOCATION:", 0) == 0 || line.rfind("DETAIL:", 0) == 0 ||
        line.rfind("HINT:", 0) == 0) {
      continue;
    }
    for (const char* severity : {"FATAL:  ", "ERROR:  ", "PANIC:  "}) {
      size_t at = line.find(severity);
      while (at != std::string::npos) {
        line.erase(at, std::strlen(severity));
        // The SQLSTATE that the verbose format puts first.
        if (at + 7 <= line.size() && line[at + 5] == ':' && line[at + 6] == ' ') {
          const std::string code = line.substr(at, 5);
          if (std::all_of(code.begin(), code.end(),
                          [](char c) { return std::isdigit(static_cast<unsigned char>(c)) || std::isupper(c); })) {
            line.erase(at, 7);
          }
        }
        at = line.find(severity, at);
      }
    }
    // sslmode=prefer tries with TLS, then without: the same failure twice says nothing new.
    if (std::find(parts.begin(), parts.end(), line) == parts.end()) {
      parts.push_back(line);
    }
  }
  return Join(parts, "; ");
}

bool IsTlsConfigurationProblem(const std::string& message) {
  for (const char* marker :
       {"certificate verify failed", "root certificate file", "does not match host name", "server does not support SSL",
        "could not read root certificate", "server certificate for", "certificate present, but not private key",
        "could not load private key", "could not open certificate file", "could not read certificate",
        "private key file", "sslmode value", "SSL is not supported"}) {
    if (message.find(marker) != std::string::npos) {
      return true;
    }
  }
  return false;
}

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

bool SocketHasInput(PGconn* conn) {
  const int fd = PQsocket(conn);
  if (fd < 0) {
    return true;
  }
  pollfd p{fd, POLLIN, 0};
  int rc;
  do {
    rc = poll(&p, 1, 0);
  } while (rc < 0 && errno == EINTR);
  return rc != 0;  // readable, hung up, or poll failed: not a quiet idle connection
}

}  // namespace


// ================================================================ the connection pool

// Connections of one store: up to `size` lent out to calls at a time, idle ones kept for reuse.
// Connections of held locks are lent out of the count (TakeForLock / GiveBack).
class PostgresStore::Pool {
 public:
  // `clock` (null: the system clock) tells how long a connection was idle; it must outlive the
  // store and its locks.
  Pool(PostgresUrl url, std::string describe, std::chrono::milliseconds lock_timeout, size_t size,
       const Clock* clock = nullptr)
      : url_(std::move(url)),
        describe_(std::move(describe)),
        lock_timeout_(lock_timeout),
        size_(size),
        clock_(clock != nullptr ? clock : &own_clock_) {}

  // A connection lent to one call; returned to the pool (or dropped when broken) on destruction.
  class Lease {
   public:
    Lease(Pool* pool, PgConnPtr conn, bool fresh) : pool_(pool), conn_(std::move(conn)), fresh_(fresh) {}
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
    Pool* pool_;
    PgConnPtr conn_;
    bool fresh_;
  };

  const std::string& describe() const { return describe_; }
  std::chrono::milliseconds lock_timeout() const { return lock_timeout_; }
  uint64_t round_trips() const { return round_trips_.load(); }
  uint64_t connections_opened() const { return connections_opened_.load(); }

  // `for_write`: the connection is to carry a write, so one idle for kPostgresIdleCheckAfter or longer is
  // checked first (a NAT, a load balancer or a failover may have dropped it without a word, and a
  // write is not repeated on another connection); one that does not answer is replaced.
  Result<Lease> Acquire(const std::string& what, bool for_write = false) {
    std::unique_lock<std::mutex> lock(mu_);
    // Bounded like a round trip: callers stuck behind connections that hang must not queue forever.
    if (!cv_.wait_for(lock, url_.round_trip_timeout, [&] { return in_use_ < size_; })) {
      return UnavailableError(what + ": no connection to the store " + describe_ + " came free within " +
                              std::to_string(url_.round_trip_timeout.count()) + " s (all " + std::to_string(size_) +
                              " are busy; round_trip_timeout)");
    }
    ++in_use_;
    for (;;) {
      std::optional<Idle> reused = TakeIdleLocked();
      lock.unlock();
      if (!reused.has_value()) {
        break;
      }
      if (!for_write || pinned_ || clock_->Now() - reused->since < kPostgresIdleCheckAfter ||
          Answers(reused->conn.get(), what)) {
        return Lease(this, std::move(reused->conn), false);
      }
      reused.reset();  // dropped without a word: closed here, the next one is tried
      lock.lock();
    }
    if (pinned_) {
      Return(nullptr);
      return UnavailableError(what + ": lost the connection to the store " + describe_ +
                              " that carried the transaction (nothing of it was kept)");
    }
    Result<PgConnPtr> conn = Connect(what);
    if (!conn.ok()) {
      Return(nullptr);
      return conn.status();
    }
    return Lease(this, std::move(conn).value(), true);
  }

  // A connection for a lock, outside the count; `fresh` tells whether it was just opened.
  Result<std::pair<PgConnPtr, bool>> TakeForLock(const std::string& what) {
    if (!pinned_) {
      std::lock_guard<std::mutex> lock(mu_);
      std::optional<Idle> reused = TakeIdleLocked();
      if (reused.has_value()) {
        return std::make_pair(std::move(reused->conn), false);
      }
    }
    IONOS_ASSIGN_OR_RETURN(PgConnPtr conn, Connect(what));
    return std::make_pair(std::move(conn), true);
  }

  // Takes back a lock's connection (kept when healthy and there is room, else closed).
  void GiveBack(PgConnPtr conn) {
    PgConnPtr drop;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (Reusable(conn.get()) && idle_.size() + in_use_ < size_) {
        idle_.push_back(Idle{std::move(conn), clock_->Now()});
        cv_.notify_one();
      } else {
        drop = std::move(conn);
      }
    }
  }

  // One statement on `conn`: one round trip.
  // `sqlstate`, when given, receives the SQLSTATE of a failure reported by the server ("" otherwise).
  Result<PgResultPtr> Exec(PGconn* conn, const char* sql, const Params& params, const std::string& what,
                           std::string* sqlstate = nullptr) {
    IONOS_RETURN_IF_ERROR(params.Check(what));
    const std::vector<const char*> values = params.Pointers();
    IONOS_ASSIGN_OR_RETURN(PgResultPtr result, RoundTrip(conn, what, [&] {
      return PQsendQueryParams(conn, sql, params.size(), nullptr, values.data(), nullptr, nullptr, 0);
    }));
    const ExecStatusType status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
      return result;
    }
    if (sqlstate != nullptr) {
      const char* state = result ? PQresultErrorField(result.get(), PG_DIAG_SQLSTATE) : nullptr;
      *sqlstate = state != nullptr ? state : "";
    }
    return QueryError(conn, result.get(), what);
  }

  // Several statements in one round trip (simple query protocol, no parameters): migrations.
  Status ExecScript(PGconn* conn, const char* sql, const std::string& what) {
    IONOS_ASSIGN_OR_RETURN(PgResultPtr result, RoundTrip(conn, what, [&] { return PQsendQuery(conn, sql); }));
    const ExecStatusType status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
      return Status::Ok();
    }
    return QueryError(conn, result.get(), what);
  }

  // kWriteKeyed: a write whose row id was chosen before sending it (AddCertificate), so sending it
  // twice cannot store it twice: the second time fails with a duplicate id.
  enum class Mode { kRead, kWrite, kWriteKeyed };

  // One statement on a pooled connection. A read whose reused connection turns out to be dead
  // (the server restarted since) is tried once more on a fresh one; a plain write is not (it may
  // have been applied before the connection broke). A kWriteKeyed write is sent once more on a
  // fresh connection when its connection broke or its answer did not come within the deadline:
  // whether the server acted is unknown, and the chosen id makes a second insert fail rather than
  // store twice. `repeated`, when given, tells the caller that this happened.
  Result<PgResultPtr> Run(const std::string& what, const char* sql, const Params& params, Mode mode,
                          std::string* sqlstate = nullptr, bool* repeated = nullptr) {
    for (int attempt = 0;; ++attempt) {
      IONOS_ASSIGN_OR_RETURN(Lease lease, Acquire(what, mode != Mode::kRead));
      Result<PgResultPtr> result = Exec(lease.get(), sql, params, what, sqlstate);
      if (result.ok() || attempt > 0 || pinned_) {
        return result;  // in one pinned transaction a second attempt cannot help: it is gone
      }
      const bool broken = PQstatus(lease.get()) != CONNECTION_OK;
      const bool unanswered = !broken && PQtransactionStatus(lease.get()) == PQTRANS_ACTIVE;
      const bool again = (mode == Mode::kRead && broken && !lease.fresh()) ||
                         (mode == Mode::kWriteKeyed && (broken || unanswered));
      if (!again) {
        return result;
      }
      if (repeated != nullptr) {
        *repeated = true;
      }
    }
  }

  // BEGIN; body(); COMMIT on one connection (ROLLBACK when body fails).
  template <typename Body>
  Status Transaction(PGconn* conn, const std::string& what, Body&& body) {
    if (pinned_) {
      // Inside the pinned transaction: a savepoint, so that COMMIT stays the outer one's.
      IONOS_RETURN_IF_ERROR(ExecScript(conn, "SAVEPOINT ionos_method", what));
      Status status = body();
      const Status ended = ExecScript(conn, status.ok() ? "RELEASE SAVEPOINT ionos_method"
                                                        : "ROLLBACK TO SAVEPOINT ionos_method", what);
      return status.ok() ? ended : status;
    }
    IONOS_RETURN_IF_ERROR(ExecScript(conn, "BEGIN", what));
    Status status = body();
    if (status.ok()) {
      status = ExecScript(conn, "COMMIT", what);
    }
    if (!status.ok() && PQstatus(conn) == CONNECTION_OK && PQtransactionStatus(conn) == PQTRANS_INTRANS) {
      const Status rolled_back = ExecScript(conn, "ROLLBACK", what);
      (void)rolled_back;  // the body's failure is what the caller hears about
    }
    return status;
  }

  // Sends one query with `send` and reads its answer, all within round_trip_timeout. Returns the
  // query's result (the first error result when there are several), or nullptr when the connection
  // broke (libpq's message says why; QueryError turns it into Unavailable). Past the deadline the
  // call fails with Unavailable: the connection is then mid-query and is dropped when returned to
  // the pool (PQTRANS_ACTIVE is not reusable), so no later call sees its late answer.
  // `timeout`: shorter than round_trip_timeout for the check of an idle connection (Answers).
  template <typename Send>
  Result<PgResultPtr> RoundTrip(PGconn* conn, const std::string& what, Send&& send,
                                std::optional<std::chrono::milliseconds> timeout = std::nullopt) {
    ++round_trips_;
    const auto deadline =
        std::chrono::steady_clock::now() +
        (timeout.has_value() ? *timeout : std::chrono::milliseconds(url_.round_trip_timeout));
    const Status late = UnavailableError(what + ": no answer from the store " + describe_ + " within " +
                                         std::to_string(url_.round_trip_timeout.count()) +
                                         " s (round_trip_timeout); the connection was dropped");
    // Waits for `events` on the socket; false at the deadline.
    auto wait = [&](short events) {
      for (;;) {
        const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
          return false;
        }
        pollfd p{PQsocket(conn), events, 0};
        const int rc = poll(&p, 1, static_cast<int>(std::min<int64_t>(left.count(), 1 << 30)));
        if (rc > 0 || (rc < 0 && errno != EINTR)) {
          return true;  // ready, or a socket error that libpq's next call reports
        }
      }
    };
    if (PQsocket(conn) < 0 || send() == 0) {
      return PgResultPtr();
    }
    for (int flushed; (flushed = PQflush(conn)) != 0;) {
      if (flushed < 0) {
        return PgResultPtr();
      }
      if (!wait(POLLIN | POLLOUT)) {
        return late;
      }
      if (PQconsumeInput(conn) == 0) {
        return PgResultPtr();
      }
    }
    PgResultPtr kept;
    for (;;) {
      while (PQisBusy(conn)) {
        if (!wait(POLLIN)) {
          return late;
        }
        if (PQconsumeInput(conn) == 0) {
          break;  // the connection broke: PQgetResult hands over libpq's error, or nothing
        }
      }
      PGresult* next = PQgetResult(conn);
      if (next == nullptr) {
        return kept;
      }
      if (kept && PQresultStatus(kept.get()) == PGRES_FATAL_ERROR) {
        PQclear(next);  // the first error is what the caller hears about
      } else {
        kept.reset(next);
      }
    }
  }

  // Makes this (fresh, size 1) pool the carrier of one transaction (WriteInOneTransaction): one
  // connection, BEGIN sent; every call runs on it, none is repeated, none opens another.
  Status Pin(const std::string& what) {
    IONOS_ASSIGN_OR_RETURN(PgConnPtr conn, Connect(what));
    IONOS_RETURN_IF_ERROR(ExecScript(conn.get(), "BEGIN", what));
    std::lock_guard<std::mutex> lock(mu_);
    pinned_ = true;
    idle_.push_back(Idle{std::move(conn), clock_->Now()});
    return Status::Ok();
  }

  // Ends the pinned transaction: COMMIT when `status` is OK, else ROLLBACK (best effort: a
  // connection that is gone takes its transaction with it). Returns `status` or the COMMIT's error.
  Status Unpin(Status status, const std::string& what) {
    Result<Lease> lease = Acquire(what);
    if (!lease.ok()) {
      return status.ok() ? lease.status() : status;
    }
    if (status.ok()) {
      return ExecScript(lease->get(), "COMMIT", what);
    }
    if (PQstatus(lease->get()) == CONNECTION_OK && PQtransactionStatus(lease->get()) != PQTRANS_ACTIVE) {
      (void)ExecScript(lease->get(), "ROLLBACK", what);
    }
    return status;
  }

  Status QueryError(PGconn* conn, const PGresult* result, const std::string& what) const {
    const char* state = result != nullptr ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
    if (state == nullptr) {
      return UnavailableError(what + ": lost the connection to the store " + describe_ + ": " +
                              Secretless(CleanMessage(PQerrorMessage(conn))));
    }
    const std::string sqlstate = state;
    const char* primary_text = PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY);
    const std::string primary = Secretless(primary_text != nullptr ? primary_text : "");
    const std::string in_store = what + ": the store " + describe_;
    const std::string cls = sqlstate.substr(0, 2);
    if (sqlstate == "23505") {
      return AlreadyExistsError(what + ": already in the store " + describe_ + " (" + primary + ")");
    }
    if (sqlstate == "42501") {
      return PermissionDeniedError(in_store + " refused: " + primary +
                                   " (the store's database user needs to own the store's tables, or create them in "
                                   "a schema it may create objects in)");
    }
    if (sqlstate == "3D000") {
      return NotFoundError(in_store + ": the database " + Quoted(url_.database) + " does not exist");
    }
    if (cls == "28") {
      return UnauthenticatedError(in_store + ": " + primary);
    }
    if (sqlstate == "55P03") {
      return UnavailableError(what + ": the store " + describe_ +
                              " is locked by another process or thread (gave up after " +
                              std::to_string(lock_timeout_.count()) + " ms)");
    }
    if (sqlstate == "42P07") {
      return FailedPreconditionError(in_store + " holds a table of the same name that is not the store's (" + primary +
                                     "); use a database of its own for the store");
    }
    if (cls == "08" || cls == "57" || sqlstate == "53300" || sqlstate == "40001" || sqlstate == "40P01") {
      return UnavailableError(in_store + " is unavailable: " + primary);
    }
    if (cls == "53") {
      return ResourceExhaustedError(in_store + " ran out of resources: " + primary);
    }
    if (cls == "22") {
      return InvalidArgumentError(in_store + " cannot keep a value: " + primary);
    }
    if (cls == "23") {
      return FailedPreconditionError(in_store + " refused the change: " + primary);
    }
    return InternalError(in_store + ": " + primary + " (SQLSTATE " + sqlstate + ")");
  }

 private:
  friend class Lease;

  // A pooled connection and since when it is idle (the store's clock).
  struct Idle {
    PgConnPtr conn;
    TimePoint since;
  };

  // Requires mu_. An idle connection that is still healthy, or nullopt.
  std::optional<Idle> TakeIdleLocked() {
    while (!idle_.empty()) {
      Idle idle = std::move(idle_.back());
      idle_.pop_back();
      // An idle connection has nothing to read unless the server ended it ("terminating
      // connection due to administrator command") or the network reset it.
      if (PQstatus(idle.conn.get()) == CONNECTION_OK && !SocketHasInput(idle.conn.get())) {
        return idle;
      }
    }
    return std::nullopt;
  }

  // The check of a connection idle for long: one cheap round trip answered within
  // min(round_trip_timeout, kPostgresIdleCheckTimeout). A flow a NAT or load balancer dropped in silence
  // looks healthy to the kernel until something is sent; this finds out before a write is.
  bool Answers(PGconn* conn, const std::string& what) {
    const auto timeout = std::min<std::chrono::milliseconds>(url_.round_trip_timeout, kPostgresIdleCheckTimeout);
    Result<PgResultPtr> result = RoundTrip(conn, what, [&] { return PQsendQuery(conn, "SELECT 1"); }, timeout);
    return result.ok() && *result && PQresultStatus(result->get()) == PGRES_TUPLES_OK;
  }

  // Between calls an unpinned connection is outside any transaction; the pinned one inside its
  // own (in error after a failed statement: the outer transaction is then rolled back).
  bool Reusable(PGconn* conn) const {
    if (conn == nullptr || PQstatus(conn) != CONNECTION_OK) {
      return false;
    }
    const PGTransactionStatusType state = PQtransactionStatus(conn);
    return pinned_ ? (state == PQTRANS_INTRANS || state == PQTRANS_INERROR) : state == PQTRANS_IDLE;
  }

  // A call's connection comes back (nullptr when connecting failed).
  void Return(PgConnPtr conn) {
    PgConnPtr drop;
    {
      std::lock_guard<std::mutex> lock(mu_);
      --in_use_;
      if (Reusable(conn.get())) {
        idle_.push_back(Idle{std::move(conn), clock_->Now()});
      } else {
        drop = std::move(conn);
      }
      cv_.notify_one();
    }
  }

  std::string Secretless(std::string text) const {
    text = Scrub(std::move(text), url_.password);
    text = Scrub(std::move(text), url_.Parameter("password"));
    return Scrub(std::move(text), url_.Parameter("sslpassword"));
  }

  Result<PgConnPtr> Connect(const std::string& what) {
    std::vector<std::pair<std::string, std::string>> kv;
    // Defaults first: the URL's own values come later and win.
    kv.emplace_back("connect_timeout", std::to_string(url_.connect_timeout.count()));
    kv.emplace_back("fallback_application_name", "terraform-provider-ionos");
    // A peer that vanished (failover, a NAT that dropped the flow) is noticed by the kernel too:
    // keepalive probes on an idle connection, and tcp_user_timeout for data that is never
    // acknowledged. round_trip_timeout bounds each call in any case.
    kv.emplace_back("keepalives", "1");
    kv.emplace_back("keepalives_idle", "10");
    kv.emplace_back("keepalives_interval", "5");
    kv.emplace_back("keepalives_count", "3");
    kv.emplace_back("tcp_user_timeout",
                    std::to_string(std::chrono::milliseconds(url_.round_trip_timeout).count()));
    std::string hosts;
    std::string ports;
    bool any_port = false;
    for (size_t i = 0; i < url_.hosts.size(); ++i) {
      hosts += (i > 0 ? "," : "") + url_.hosts[i];
      ports += (i > 0 ? "," : "") + url_.ports[i];
      any_port = any_port || !url_.ports[i].empty();
    }
    kv.emplace_back("host", hosts);
    if (any_port) {
      kv.emplace_back("port", ports);
    }
    kv.emplace_back("dbname", url_.database);
    if (!url_.user.empty()) {
      kv.emplace_back("user", url_.user);
    }
    if (!url_.password.empty()) {
      kv.emplace_back("password", url_.password);
    }
    std::string options;
    for (const auto& [name, value] : url_.parameters) {
      if (IsOwnParameter(name)) {
        continue;
      }
      if (name == "options") {
        options = value + " ";
      } else {
        kv.emplace_back(name, value);
      }
    }
    // Every session: bounded lock waits, and READ COMMITTED whatever the database's default
    // (ionos_add_certificate relies on a fresh snapshot per statement).
    options += "-c lock_timeout=" + std::to_string(lock_timeout_.count()) +
               " -c default_transaction_isolation=read\\ committed";
    kv.emplace_back("options", options);
    kv.emplace_back("client_encoding", "UTF8");

    std::vector<const char*> keys;
    std::vector<const char*> values;
    for (const auto& [k, v] : kv) {
      keys.push_back(k.c_str());
      values.push_back(v.c_str());
    }
    keys.push_back(nullptr);
    values.push_back(nullptr);

    const std::string prefix = what + ": cannot connect to the store " + describe_ + ": ";
    PgConnPtr conn(PQconnectStartParams(keys.data(), values.data(), 0));
    if (!conn) {
      return ResourceExhaustedError(prefix + "out of memory");
    }
    if (PQstatus(conn.get()) == CONNECTION_BAD) {
      return ConnectError(conn.get(), prefix);
    }
    // The verbose format puts the SQLSTATE into the message (the only place libpq reports it for a
    // failed connection); CleanMessage takes it out again.
    PQsetErrorVerbosity(conn.get(), PQERRORS_VERBOSE);
    PQsetNoticeReceiver(conn.get(), [](void*, const PGresult*) {}, nullptr);

    const bool bounded = url_.connect_timeout.count() > 0;
    const auto limit = url_.connect_timeout * static_cast<int64_t>(url_.hosts.size());
    const auto deadline = std::chrono::steady_clock::now() + limit;
    PostgresPollingStatusType polling = PGRES_POLLING_WRITING;
    while (polling != PGRES_POLLING_OK) {
      if (polling == PGRES_POLLING_FAILED) {
        return ConnectError(conn.get(), prefix);
      }
      const int fd = PQsocket(conn.get());
      if (fd < 0) {
        return ConnectError(conn.get(), prefix);
      }
      int timeout_ms = -1;
      if (bounded) {
        const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
          return UnavailableError(prefix + "no answer within " + std::to_string(limit.count()) +
                                  " s (connect_timeout)");
        }
        timeout_ms = static_cast<int>(std::min<int64_t>(left.count(), 1 << 30));
      }
      pollfd p{fd, static_cast<short>(polling == PGRES_POLLING_READING ? POLLIN : POLLOUT), 0};
      const int rc = poll(&p, 1, timeout_ms);
      if (rc < 0 && errno == EINTR) {
        continue;
      }
      if (rc == 0) {
        continue;  // the deadline check above ends the wait
      }
      polling = PQconnectPoll(conn.get());
    }
    ++connections_opened_;
    return conn;
  }

  Status ConnectError(PGconn* conn, const std::string& prefix) const {
    const std::string raw = PQerrorMessage(conn);
    const std::string sqlstate = SqlStateInMessage(raw);
    const std::string message = Secretless(CleanMessage(raw));
    if (sqlstate == "3D000") {
      return NotFoundError(prefix + "the database " + Quoted(url_.database) +
                           " does not exist (create it, or correct the database in the store URL)");
    }
    if (sqlstate.rfind("28", 0) == 0) {
      return UnauthenticatedError(prefix + message + " (check the user and password of the store URL, or PGPASSWORD)");
    }
    if (sqlstate == "42501") {
      return PermissionDeniedError(prefix + message);
    }
    if (sqlstate == "53300" || sqlstate.rfind("57", 0) == 0 || sqlstate.rfind("08", 0) == 0) {
      return UnavailableError(prefix + message);
    }
    if (sqlstate.rfind("53", 0) == 0) {
      return ResourceExhaustedError(prefix + message);
    }
    if (sqlstate.empty() && IsTlsConfigurationProblem(message)) {
      return FailedPreconditionError(prefix + message + " (see sslmode and sslrootcert in the store URL)");
    }
    if (!sqlstate.empty() && sqlstate.rfind("08", 0) != 0) {
      return InternalError(prefix + message + " (SQLSTATE " + sqlstate + ")");
    }
    return UnavailableError(prefix + message);
  }

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

namespace {

using Pool = PostgresStore::Pool;
using Mode = PostgresStore::Pool::Mode;

// ================================================================ schema
//
// The same migrations as core/store/sqlite_store.cc, version for version, in PostgreSQL's
// dialect. Never edit a released one: append a migration here AND in the SQLite backend.
struct Migration {
  int version;
  const char* sql;
};

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

// Whole seconds since the epoch of a timestamptz column.
#define IONOS_PG_TIME(col) "extract(epoch FROM " col ")::bigint"
// `key`: "private_key", or "''" for listings (which never carry, or decrypt, a key).
#define IONOS_PG_ACCOUNT_COLUMNS(key)                                                              \
  "id, name, email, server, key_algorithm, account_url, status, " key ", eab_key_id, " IONOS_PG_TIME( \
      "created_at") ", " IONOS_PG_TIME("updated_at")
// `p`: a table prefix such as "a." (or "").
#define IONOS_PG_AUTO_CERTIFICATE_COLUMNS_OF(p)                                                              \
  p "id, " p "provider_id, " p "name, " p "common_name, " p "subject_alternative_names, " p "key_algorithm, " \
  p "renew_before_days, " p "grace_period_days, " IONOS_PG_TIME(p "created_at") ", " IONOS_PG_TIME(       \
      p "updated_at") ", " p "profile, " p "settings"
#define IONOS_PG_AUTO_CERTIFICATE_COLUMNS IONOS_PG_AUTO_CERTIFICATE_COLUMNS_OF("")
constexpr int kPgAutoCertificateColumns = 12;
// `p`: a table prefix such as "c." (or ""). The summary columns come first, so one reader serves both.
#define IONOS_PG_CERTIFICATE_SUMMARY_COLUMNS(p)                                                          \
  p "id, " p "auto_certificate_id, " p "name, " p "serial_number, " IONOS_PG_TIME(p "not_before") ", " \
      IONOS_PG_TIME(p "not_after") ", " p "status, " p "fingerprint_sha256, " p "key_algorithm, "      \
      IONOS_PG_TIME(p "issued_at") ", " IONOS_PG_TIME(p "superseded_at")
constexpr int kPgCertificateColumns = 14;  // the 11 summary columns, then PEM, chain and key
#define IONOS_PG_CERTIFICATE_COLUMNS \
  IONOS_PG_CERTIFICATE_SUMMARY_COLUMNS("") ", certificate_pem, chain_pem, private_key"
#define IONOS_PG_RENEWAL_INFO_COLUMNS_OF(p)                                                               \
  p "certificate_id, " IONOS_PG_TIME(p "window_start") ", " IONOS_PG_TIME(p "window_end") ", "              \
      IONOS_PG_TIME(p "chosen_at") ", " p "explanation_url, " IONOS_PG_TIME(p "fetched_at") ", "            \
      IONOS_PG_TIME(p "next_fetch_at")
#define IONOS_PG_RENEWAL_INFO_COLUMNS IONOS_PG_RENEWAL_INFO_COLUMNS_OF("")
#define IONOS_PG_PENDING_DNS_COLUMNS \
  "id, zone_id, zone_name, record_name, fqdn, value, record_id, " IONOS_PG_TIME("created_at") ", owner"

// ================================================================ row codecs

// One row of a result, with the store's name for DataLoss messages.
// `first_column`: where the record starts, for a row that joins several records side by side (the
// codecs count their columns from 0).
class Row {
 public:
  Row(const PGresult* result, int row, const std::string& store, int first_column = 0)
      : result_(result), row_(row), store_(store), first_(first_column) {}

  bool IsNull(int col) const { return PQgetisnull(result_, row_, first_ + col) != 0; }
  std::string Text(int col) const {
    return std::string(PQgetvalue(result_, row_, first_ + col),
                       static_cast<size_t>(PQgetlength(result_, row_, first_ + col)));
  }
  Result<int64_t> Int(int col, const char* column) const {
    const char* text = PQgetvalue(result_, row_, first_ + col);
    const char* end = text + PQgetlength(result_, row_, first_ + col);
    int64_t value = 0;
    const auto [ptr, ec] = std::from_chars(text, end, value);
    if (ec != std::errc() || ptr != end) {
      return DataLossError("the store " + store_ + " holds a corrupt number in column " + column);
    }
    return value;
  }
  Result<TimePoint> Time(int col, const char* column) const {
    IONOS_ASSIGN_OR_RETURN(int64_t seconds, Int(col, column));
    return TimePointFromTimeT(static_cast<std::time_t>(seconds));
  }

 private:
  const PGresult* result_;
  int row_;
  const std::string& store_;
  int first_;
};

bool CommandChangedNothing(const PGresult* result) {
  const char* tuples = PQcmdTuples(const_cast<PGresult*>(result));
  return tuples == nullptr || std::strcmp(tuples, "0") == 0;
}

}  // namespace

// ================================================================ the store

namespace {

struct Codec {
  const std::string& store;
  const std::string& key;
  const std::string& key_source;

  Result<AccountRecord> Account(const Row& s, bool with_key) const {
    AccountRecord r;
    r.id = s.Text(0);
    r.name = s.Text(1);
    r.email = s.Text(2);
    r.server = s.Text(3);
    r.key_algorithm = s.Text(4);
    r.account_url = s.Text(5);
    r.status = s.Text(6);
    if (with_key) {
      IONOS_ASSIGN_OR_RETURN(r.private_key_pem, OpenPrivateKey(key, "account", r.id, s.Text(7), store, key_source));
    }
    r.eab_key_id = s.Text(8);
    IONOS_ASSIGN_OR_RETURN(r.created_at, s.Time(9, "accounts.created_at"));
    IONOS_ASSIGN_OR_RETURN(r.updated_at, s.Time(10, "accounts.updated_at"));
    return r;
  }

  Result<AutoCertificateRecord> AutoCertificate(const Row& s) const {
    AutoCertificateRecord r;
    r.id = s.Text(0);
    r.provider_id = s.Text(1);
    r.name = s.Text(2);
    r.common_name = s.Text(3);
    const nlohmann::json sans = ParseJson(s.Text(4)).value_or(nlohmann::json());
    const Status corrupt = DataLossError("the store " + store +
                                         " holds corrupt subject_alternative_names for auto certificate " + Quoted(r.id));
    if (!sans.is_array()) {
      return corrupt;
    }
    for (const auto& name : sans) {
      if (!name.is_string()) {
        return corrupt;
      }
      r.subject_alternative_names.push_back(name.get<std::string>());
    }
    r.key_algorithm = s.Text(5);
    IONOS_ASSIGN_OR_RETURN(r.renew_before_days, s.Int(6, "auto_certificates.renew_before_days"));
    IONOS_ASSIGN_OR_RETURN(r.grace_period_days, s.Int(7, "auto_certificates.grace_period_days"));
    IONOS_ASSIGN_OR_RETURN(r.created_at, s.Time(8, "auto_certificates.created_at"));
    IONOS_ASSIGN_OR_RETURN(r.updated_at, s.Time(9, "auto_certificates.updated_at"));
    r.profile = s.Text(10);
    IONOS_ASSIGN_OR_RETURN_CTX(r.settings, DecodeIssuanceSettings(s.Text(11)),
                               "the store " + store + " holds corrupt settings for auto certificate " + Quoted(r.id));
    return r;
  }

  Result<CertificateSummary> Summary(const Row& s) const {
    CertificateSummary r;
    r.id = s.Text(0);
    r.auto_certificate_id = s.Text(1);
    r.name = s.Text(2);
    r.serial_number = s.Text(3);
    IONOS_ASSIGN_OR_RETURN(r.not_before, s.Time(4, "certificates.not_before"));
    IONOS_ASSIGN_OR_RETURN(r.not_after, s.Time(5, "certificates.not_after"));
    r.status = s.Text(6);
    r.fingerprint_sha256 = s.Text(7);
    r.key_algorithm = s.Text(8);
    IONOS_ASSIGN_OR_RETURN(r.issued_at, s.Time(9, "certificates.issued_at"));
    if (!s.IsNull(10)) {
      IONOS_ASSIGN_OR_RETURN(TimePoint superseded, s.Time(10, "certificates.superseded_at"));
      r.superseded_at = superseded;
    }
    return r;
  }

  Result<CertificateRecord> Certificate(const Row& s) const {
    CertificateRecord r;
    IONOS_ASSIGN_OR_RETURN(static_cast<CertificateSummary&>(r), Summary(s));
    r.certificate_pem = s.Text(11);
    r.chain_pem = s.Text(12);
    IONOS_ASSIGN_OR_RETURN(r.private_key_pem, OpenPrivateKey(key, "certificate", r.id, s.Text(13), store, key_source));
    return r;
  }

  Result<RenewalInfoRecord> RenewalInfo(const Row& s) const {
    RenewalInfoRecord r;
    r.certificate_id = s.Text(0);
    IONOS_ASSIGN_OR_RETURN(r.window_start, s.Time(1, "renewal_info.window_start"));
    IONOS_ASSIGN_OR_RETURN(r.window_end, s.Time(2, "renewal_info.window_end"));
    IONOS_ASSIGN_OR_RETURN(r.chosen_at, s.Time(3, "renewal_info.chosen_at"));
    r.explanation_url = s.Text(4);
    IONOS_ASSIGN_OR_RETURN(r.fetched_at, s.Time(5, "renewal_info.fetched_at"));
    IONOS_ASSIGN_OR_RETURN(r.next_fetch_at, s.Time(6, "renewal_info.next_fetch_at"));
    return r;
  }

  Result<PendingDnsRecord> PendingDns(const Row& s) const {
    PendingDnsRecord r;
    r.id = s.Text(0);
    r.zone_id = s.Text(1);
    r.zone_name = s.Text(2);
    r.record_name = s.Text(3);
    r.fqdn = s.Text(4);
    r.value = s.Text(5);
    if (!s.IsNull(6)) {
      r.record_id = s.Text(6);
    }
    IONOS_ASSIGN_OR_RETURN(r.created_at, s.Time(7, "pending_dns_records.created_at"));
    r.owner = s.Text(8);
    return r;
  }
};

template <typename T, typename Reader>
Result<std::vector<T>> Collect(const PGresult* result, const std::string& store, Reader&& read) {
  std::vector<T> out;
  const int rows = PQntuples(result);
  out.reserve(static_cast<size_t>(rows));
  for (int i = 0; i < rows; ++i) {
    IONOS_ASSIGN_OR_RETURN(T record, read(Row(result, i, store)));
    out.push_back(std::move(record));
  }
  return out;
}

TimePoint FloorSeconds(TimePoint t) { return std::chrono::floor<std::chrono::seconds>(t); }

}  // namespace

PostgresStore::PostgresStore(PostgresUrl url, const StoreOptions& options)
    : url_(std::move(url)),
      describe_(url_.Describe()),
      key_(options.encryption_key),
      key_source_(options.key_source),
      clock_(options.clock != nullptr ? options.clock : &own_clock_),
      random_(options.random != nullptr ? options.random : &own_random_),
      pool_(std::make_shared<Pool>(url_, describe_, options.busy_timeout, kPostgresStorePoolSize, options.clock)) {}

PostgresStore::~PostgresStore() = default;

uint64_t PostgresStore::round_trips() const { return pool_->round_trips(); }
uint64_t PostgresStore::connections_opened() const { return pool_->connections_opened(); }

TimePoint PostgresStore::Now() const { return FloorSeconds(clock_->Now()); }

Result<std::string> PostgresStore::IdFor(const std::string& given) {
  if (!given.empty()) {
    return given;
  }
  return NewUuid(*random_);
}

Status PostgresStore::NotFound(const char* kind, const std::string& id) const {
  return NotFoundError(std::string(kind) + " " + Quoted(id) + " is not in the store " + describe_);
}

Result<std::unique_ptr<PostgresStore>> PostgresStore::Open(const std::string& url, const StoreOptions& options) {
  IONOS_ASSIGN_OR_RETURN(PostgresUrl parsed, ParsePostgresUrl(url));
  if (!options.encryption_key.empty() && options.encryption_key.size() != kAesGcmKeySize) {
    return InvalidArgumentError("store encryption key must be 32 bytes, got " +
                                std::to_string(options.encryption_key.size()));
  }
  std::unique_ptr<PostgresStore> store(new PostgresStore(std::move(parsed), options));
  IONOS_RETURN_IF_ERROR(store->Migrate(options.must_exist));
  return store;
}

Status PostgresStore::Migrate(bool must_exist) {
  const std::string what = "opening the store";
  auto too_new = [this](int64_t version) {
    return FailedPreconditionError("store at " + describe_ + " was written by a newer version (schema " +
                                   std::to_string(version) + ", this provider knows " +
                                   std::to_string(kPostgresStoreSchemaVersion) + "); upgrade the provider");
  };
  IONOS_ASSIGN_OR_RETURN(Pool::Lease lease, pool_->Acquire(what));
  // Fast path: the usual open reads one number and is done.
  {
    std::string sqlstate;
    Result<PgResultPtr> version =
        pool_->Exec(lease.get(), "SELECT coalesce(max(version), 0) FROM schema_version", Params(), what, &sqlstate);
    if (version.ok()) {
      IONOS_ASSIGN_OR_RETURN(int64_t current, Row(version->get(), 0, describe_).Int(0, "schema_version.version"));
      if (current == kPostgresStoreSchemaVersion) {
        return Status::Ok();
      }
      if (current > kPostgresStoreSchemaVersion) {
        return too_new(current);
      }
    } else if (sqlstate != "42P01") {  // anything but undefined_table: no schema_version yet
      return version.status();
    } else if (must_exist) {
      // Nothing is created here; but a store that could never be created is better reported now
      // (at a plan) than at the first write (the apply).
      IONOS_ASSIGN_OR_RETURN(
          PgResultPtr may_create,
          pool_->Exec(lease.get(), "SELECT current_schema(), has_schema_privilege(current_schema(), 'CREATE')",
                      Params(), what));
      if (PQntuples(may_create.get()) == 1 && std::string_view(PQgetvalue(may_create.get(), 0, 1)) == "f") {
        return PermissionDeniedError(what + " " + describe_ +
                                     ": the database holds no store tables yet, and the role cannot create them: "
                                     "permission denied for schema " + PQgetvalue(may_create.get(), 0, 0) +
                                     " (grant CREATE on it, or create the store once with a role that may)");
      }
      return NotFoundError("there is no store at " + describe_ + " (the database holds no store tables)");
    }
  }
  // Slow path: migrate under a transaction-scoped advisory lock, so concurrent openers of a new
  // database migrate once; the others wait (bounded by lock_timeout) and then find it done.
  return pool_->Transaction(lease.get(), what, [&]() -> Status {
    IONOS_RETURN_IF_ERROR(pool_
                              ->Exec(lease.get(), "SELECT pg_advisory_xact_lock($1::bigint)",
                                     Params().Int(LockKey("migration", "schema")), what)
                              .status());
    IONOS_ASSIGN_OR_RETURN(
        PgResultPtr tables,
        pool_->Exec(lease.get(),
                    "SELECT to_regclass('schema_version') IS NOT NULL, "
                    "to_regclass('accounts') IS NOT NULL OR to_regclass('auto_certificates') IS NOT NULL OR "
                    "to_regclass('certificates') IS NOT NULL OR to_regclass('pending_dns_records') IS NOT NULL OR "
                    "to_regclass('deleted_records') IS NOT NULL OR to_regclass('renewal_info') IS NOT NULL",
                    Params(), what));
    int64_t current = 0;
    if (Row(tables.get(), 0, describe_).Text(0) == "t") {
      IONOS_ASSIGN_OR_RETURN(
          PgResultPtr version,
          pool_->Exec(lease.get(), "SELECT coalesce(max(version), 0) FROM schema_version", Params(), what));
      IONOS_ASSIGN_OR_RETURN(current, Row(version.get(), 0, describe_).Int(0, "schema_version.version"));
    } else if (Row(tables.get(), 0, describe_).Text(1) == "t") {
      return FailedPreconditionError("the database of the store " + describe_ +
                                     " holds tables named like the store's (accounts, certificates, ...) but no "
                                     "schema_version: they belong to something else; give the store a database of "
                                     "its own");
    }
    if (current > kPostgresStoreSchemaVersion) {
      return too_new(current);
    }
    for (const Migration& m : kMigrations) {
      if (m.version <= current) {
        continue;
      }
      const std::string step = "migrating the schema of the store " + describe_ + " to version " +
                               std::to_string(m.version);
      IONOS_RETURN_IF_ERROR(pool_->ExecScript(lease.get(), m.sql, step));
      IONOS_RETURN_IF_ERROR(pool_
                                ->Exec(lease.get(),
                                       "INSERT INTO schema_version (version, applied_at) "
                                       "VALUES ($1::integer, to_timestamp($2::bigint))",
                                       Params().Int(m.version).Time(clock_->Now()), step)
                                .status());
    }
    return Status::Ok();
  });
}

Status PostgresStore::WriteInOneTransaction(const std::function<Status(Store& tx)>& body) {
  const std::string what = "writing into the store " + describe_ + " in one transaction";
  const StoreOptions options{.encryption_key = key_, .clock = clock_, .random = random_,
                             .busy_timeout = pool_->lock_timeout(), .key_source = key_source_};
  std::unique_ptr<PostgresStore> tx(new PostgresStore(url_, options));
  tx->pool_ = std::make_shared<Pool>(url_, describe_, options.busy_timeout, 1, clock_);
  IONOS_RETURN_IF_ERROR(tx->pool_->Pin(what));
  Status status = body(*tx);
  return tx->pool_->Unpin(std::move(status), what);
}

Result<bool> PostgresStore::WasDeleted(const std::string& kind, const std::string& id) {
  const std::string what = "looking up deleted " + kind + " " + Quoted(id);
  IONOS_ASSIGN_OR_RETURN(PgResultPtr result,
                         pool_->Run(what, "SELECT 1 FROM deleted_records WHERE kind = $1 AND id = $2",
                                    Params().Text(kind).Text(id), Mode::kRead));
  return PQntuples(result.get()) > 0;
}

// ------------------------------------------------------------------ accounts

Result<AccountRecord> PostgresStore::CreateAccount(const AccountRecord& account) {
  AccountRecord r = account;
  IONOS_ASSIGN_OR_RETURN(r.id, IdFor(account.id));
  r.created_at = r.updated_at = Now();
  const std::string what = "creating account " + Quoted(r.id);
  IONOS_ASSIGN_OR_RETURN(std::string stored_key, SealPrivateKey(key_, r.id, r.private_key_pem, *random_));
  IONOS_RETURN_IF_ERROR(pool_
                            ->Run(what,
                                  "INSERT INTO accounts (id, name, email, server, key_algorithm, account_url, status, "
                                  "private_key, eab_key_id, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, "
                                  "$7, $8, $9, to_timestamp($10::bigint), to_timestamp($11::bigint))",
                                  Params()
                                      .Text(r.id)
                                      .Text(r.name)
                                      .Text(r.email)
                                      .Text(r.server)
                                      .Text(r.key_algorithm)
                                      .Text(r.account_url)
                                      .Text(r.status)
                                      .Text(stored_key)
                                      .Text(r.eab_key_id)
                                      .Time(r.created_at)
                                      .Time(r.updated_at),
                                  Mode::kWrite)
                            .status());
  return r;
}

Result<AccountRecord> PostgresStore::GetAccount(const std::string& id) {
  const std::string what = "reading account " + Quoted(id);
  IONOS_ASSIGN_OR_RETURN(
      PgResultPtr result,
      pool_->Run(what, "SELECT " IONOS_PG_ACCOUNT_COLUMNS("private_key") " FROM accounts WHERE id = $1",
                 Params().Text(id), Mode::kRead));
  if (PQntuples(result.get()) == 0) {
    return NotFound("account", id);
  }
  return Codec{describe_, key_, key_source_}.Account(Row(result.get(), 0, describe_), /*with_key=*/true);
}

Result<AccountRecord> PostgresStore::UpdateAccount(const AccountRecord& account) {
  const std::string& id = account.id;
  const std::string what = "updating account " + Quoted(id);
  const bool new_key = !account.private_key_pem.empty();
  std::string stored_key;
  if (new_key) {
    IONOS_ASSIGN_OR_RETURN(stored_key, SealPrivateKey(key_, id, account.private_key_pem, *random_));
  }
  std::optional<AccountRecord> updated;
  IONOS_ASSIGN_OR_RETURN(Pool::Lease lease, pool_->Acquire(what, /*for_write=*/true));
  // A transaction, so that a stored key this store cannot decrypt (DataLoss) leaves the record as it was.
  IONOS_RETURN_IF_ERROR(pool_->Transaction(lease.get(), what, [&]() -> Status {
    IONOS_ASSIGN_OR_RETURN(
        PgResultPtr result,
        pool_->Exec(lease.get(),
                    "UPDATE accounts SET name = $2, email = $3, account_url = $4, status = $5, "
                    "private_key = COALESCE($6, private_key), key_algorithm = COALESCE($7, key_algorithm), "
                    "updated_at = to_timestamp($8::bigint) WHERE id = $1 AND server = $9 AND eab_key_id = $10 "
                    "RETURNING " IONOS_PG_ACCOUNT_COLUMNS("private_key"),
                    Params()
                        .Text(id)
                        .Text(account.name)
                        .Text(account.email)
                        .Text(account.account_url)
                        .Text(account.status)
                        .OptText(new_key ? std::optional<std::string>(stored_key) : std::nullopt)
                        .OptText(new_key ? std::optional<std::string>(account.key_algorithm) : std::nullopt)
                        .Time(Now())
                        .Text(account.server)
                        .Text(account.eab_key_id),
                    what));
    if (PQntuples(result.get()) == 0) {
      IONOS_ASSIGN_OR_RETURN(PgResultPtr exists,
                             pool_->Exec(lease.get(), "SELECT 1 FROM accounts WHERE id = $1", Params().Text(id), what));
      if (PQntuples(exists.get()) == 0) {
        return NotFound("account", id);
      }
      return InvalidArgumentError(what + ": server and external account binding cannot change in place");
    }
    IONOS_ASSIGN_OR_RETURN(updated,
                           (Codec{describe_, key_, key_source_}.Account(Row(result.get(), 0, describe_), true)));
    return Status::Ok();
  }));
  return std::move(*updated);
}

Status PostgresStore::DeleteAccount(const std::string& id) {
  const std::string what = "deleting account " + Quoted(id);
  IONOS_ASSIGN_OR_RETURN(PgResultPtr result,
                         pool_->Run(what, "DELETE FROM accounts WHERE id = $1", Params().Text(id), Mode::kWrite));
  return CommandChangedNothing(result.get()) ? NotFound("account", id) : Status::Ok();
}

Result<std::vector<AccountRecord>> PostgresStore::ListAccounts() {
  const std::string what = "listing accounts";
  IONOS_ASSIGN_OR_RETURN(
      PgResultPtr result,
      pool_->Run(what, "SELECT " IONOS_PG_ACCOUNT_COLUMNS("''") " FROM accounts ORDER BY created_at, seq", Params(),
                 Mode::kRead));
  const Codec codec{describe_, key_, key_source_};
  return Collect<AccountRecord>(result.get(), describe_, [&](const Row& s) { return codec.Account(s, false); });
}

// ------------------------------------------------------------------ auto certificates

Result<AutoCertificateRecord> PostgresStore::CreateAutoCertificate(const AutoCertificateRecord& auto_certificate) {
  AutoCertificateRecord r = auto_certificate;
  IONOS_ASSIGN_OR_RETURN(r.id, IdFor(auto_certificate.id));
  r.created_at = r.updated_at = Now();
  const std::string what = "creating auto certificate " + Quoted(r.id);
  IONOS_RETURN_IF_ERROR(pool_
                            ->Run(what,
                                  "INSERT INTO auto_certificates (id, provider_id, name, common_name, "
                                  "subject_alternative_names, key_algorithm, renew_before_days, grace_period_days, "
                                  "created_at, updated_at, profile, settings) VALUES ($1, $2, $3, $4, $5, $6, "
                                  "$7::bigint, $8::bigint, to_timestamp($9::bigint), to_timestamp($10::bigint), $11, "
                                  "$12)",
                                  Params()
                                      .Text(r.id)
                                      .Text(r.provider_id)
                                      .Text(r.name)
                                      .Text(r.common_name)
                                      .Text(nlohmann::json(r.subject_alternative_names).dump())
                                      .Text(r.key_algorithm)
                                      .Int(r.renew_before_days)
                                      .Int(r.grace_period_days)
                                      .Time(r.created_at)
                                      .Time(r.updated_at)
                                      .Text(r.profile)
                                      .Text(EncodeIssuanceSettings(r.settings)),
                                  Mode::kWrite)
                            .status());
  return r;
}

Result<AutoCertificateRecord> PostgresStore::GetAutoCertificate(const std::string& id) {
  const std::string what = "reading auto certificate " + Quoted(id);
  IONOS_ASSIGN_OR_RETURN(
      PgResultPtr result,
      pool_->Run(what, "SELECT " IONOS_PG_AUTO_CERTIFICATE_COLUMNS " FROM auto_certificates WHERE id = $1",
                 Params().Text(id), Mode::kRead));
  if (PQntuples(result.get()) == 0) {
    return NotFound("auto certificate", id);
  }
  return Codec{describe_, key_, key_source_}.AutoCertificate(Row(result.get(), 0, describe_));
}

Result<AutoCertificateRecord> PostgresStore::UpdateAutoCertificate(const AutoCertificateRecord& auto_certificate) {
  const std::string& id = auto_certificate.id;
  const std::string what = "updating auto certificate " + Quoted(id);
  IONOS_ASSIGN_OR_RETURN(PgResultPtr result,
                         pool_->Run(what,
                                    "UPDATE auto_certificates SET name = $2, subject_alternative_names = $3, "
                                    "key_algorithm = $4, renew_before_days = $5::bigint, grace_period_days = $6::bigint, "
                                    "updated_at = to_timestamp($7::bigint), provider_id = $8, profile = $9, "
                                    "settings = $10 WHERE id = $1 AND common_name = $11 "
                                    "RETURNING " IONOS_PG_AUTO_CERTIFICATE_COLUMNS,
                                    Params()
                                        .Text(id)
                                        .Text(auto_certificate.name)
                                        .Text(nlohmann::json(auto_certificate.subject_alternative_names).dump())
                                        .Text(auto_certificate.key_algorithm)
                                        .Int(auto_certificate.renew_before_days)
                                        .Int(auto_certificate.grace_period_days)
                                        .Time(Now())
                                        .Text(auto_certificate.provider_id)
                                        .Text(auto_certificate.profile)
                                        .Text(EncodeIssuanceSettings(auto_certificate.settings))
                                        .Text(auto_certificate.common_name),
                                    Mode::kWrite));
  if (PQntuples(result.get()) == 0) {
    IONOS_ASSIGN_OR_RETURN(PgResultPtr exists, pool_->Run(what, "SELECT 1 FROM auto_certificates WHERE id = $1",
                                                          Params().Text(id), Mode::kRead));
    if (PQntuples(exists.get()) == 0) {
      return NotFound("auto certificate", id);
    }
    return InvalidArgumentError(what + ": common_name cannot change in place (it forces replacement)");
  }
  return Codec{describe_, key_, key_source_}.AutoCertificate(Row(result.get(), 0, describe_));
}

Status PostgresStore::DeleteAutoCertificate(const std::string& id) {
  const std::string what = "deleting auto certificate " + Quoted(id);
  // Its certificates and their renewal information go with it (ON DELETE CASCADE), tombstones included.
  IONOS_ASSIGN_OR_RETURN(PgResultPtr result, pool_->Run(what, "DELETE FROM auto_certificates WHERE id = $1",
                                                        Params().Text(id), Mode::kWrite));
  return CommandChangedNothing(result.get()) ? NotFound("auto certificate", id) : Status::Ok();
}

Result<std::vector<AutoCertificateRecord>> PostgresStore::ListAutoCertificates() {
  const std::string what = "listing auto certificates";
  IONOS_ASSIGN_OR_RETURN(PgResultPtr result,
                         pool_->Run(what,
                                    "SELECT " IONOS_PG_AUTO_CERTIFICATE_COLUMNS
                                    " FROM auto_certificates ORDER BY created_at, seq",
                                    Params(), Mode::kRead));
  const Codec codec{describe_, key_, key_source_};
  return Collect<AutoCertificateRecord>(result.get(), describe_,
                                        [&](const Row& s) { return codec.AutoCertificate(s); });
}

// ------------------------------------------------------------------ certificates

Result<CertificateRecord> PostgresStore::AddCertificate(const CertificateRecord& certificate) {
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
  IONOS_ASSIGN_OR_RETURN(std::string stored_key, SealPrivateKey(key_, r.id, r.private_key_pem, *random_));
  // A certificate the CA already issued must not be lost to a connection that broke while the CA
  // worked: the insert is sent again on a fresh connection (kWriteKeyed), and when the first one
  // had arrived after all, the second finds the same id with the same serial: stored once, done.
  bool repeated = false;
  std::string sqlstate;
  Result<PgResultPtr> result =
      pool_->Run(what,
                 "SELECT ionos_add_certificate($1, $2, $3, $4, to_timestamp($5::bigint), to_timestamp($6::bigint), "
                 "$7, $8, to_timestamp($9::bigint), $10, $11, $12, to_timestamp($13::bigint))",
                 Params()
                     .Text(r.id)
                     .Text(r.auto_certificate_id)
                     .Text(r.name)
                     .Text(r.serial_number)
                     .Time(r.not_before)
                     .Time(r.not_after)
                     .Text(r.fingerprint_sha256)
                     .Text(r.key_algorithm)
                     .Time(r.issued_at)
                     .Text(r.certificate_pem)
                     .Text(r.chain_pem)
                     .Text(stored_key)
                     .Time(now),
                 Mode::kWriteKeyed, &sqlstate, &repeated);
  if (!result.ok() && repeated && sqlstate == "23505") {
    Result<PgResultPtr> kept =
        pool_->Run(what, "SELECT serial_number FROM certificates WHERE id = $1", Params().Text(r.id), Mode::kRead);
    if (kept.ok() && PQntuples(kept->get()) == 1 && Row(kept->get(), 0, describe_).Text(0) == r.serial_number) {
      return r;
    }
  }
  if (!result.ok()) {
    return result.status();
  }
  if (Row(result->get(), 0, describe_).Text(0) != "t") {
    return NotFound("auto certificate", r.auto_certificate_id);
  }
  return r;
}

Result<CertificateRecord> PostgresStore::GetCertificate(const std::string& id) {
  const std::string what = "reading certificate " + Quoted(id);
  IONOS_ASSIGN_OR_RETURN(PgResultPtr result,
                         pool_->Run(what, "SELECT " IONOS_PG_CERTIFICATE_COLUMNS " FROM certificates WHERE id = $1",
                                    Params().Text(id), Mode::kRead));
  if (PQntuples(result.get()) == 0) {
    return NotFound("certificate", id);
  }
  return Codec{describe_, key_, key_source_}.Certificate(Row(result.get(), 0, describe_));
}

Result<std::vector<CertificateSummary>> PostgresStore::ListCertificates(const std::string& auto_certificate_id) {
  const std::string what = "listing the certificates of auto certificate " + Quoted(auto_certificate_id);
  // One round trip: no row → no such auto certificate; one row of NULLs → it has no certificates.
  IONOS_ASSIGN_OR_RETURN(PgResultPtr result,
                         pool_->Run(what,
                                    "SELECT " IONOS_PG_CERTIFICATE_SUMMARY_COLUMNS("c.")
                                    " FROM auto_certificates a LEFT JOIN certificates c ON c.auto_certificate_id = a.id "
                                    "WHERE a.id = $1 ORDER BY c.seq DESC",
                                    Params().Text(auto_certificate_id), Mode::kRead));
  const int rows = PQntuples(result.get());
  if (rows == 0) {
    return NotFound("auto certificate", auto_certificate_id);
  }
  if (rows == 1 && PQgetisnull(result.get(), 0, 0)) {
    return std::vector<CertificateSummary>();
  }
  const Codec codec{describe_, key_, key_source_};
  return Collect<CertificateSummary>(result.get(), describe_, [&](const Row& s) { return codec.Summary(s); });
}

Result<AutoCertificateSnapshot> PostgresStore::GetAutoCertificateSnapshot(const std::string& id) {
  const std::string what = "reading auto certificate " + Quoted(id) + " with its certificates";
  // One row per certificate, newest first (the order of ListCertificates), each carrying the auto
  // certificate; the newest row (rn = 1) also carries the PEM, the key and the renewal
  // information. No row: no such auto certificate; one row of NULL certificate columns: it has
  // no certificates. One statement, so one consistent snapshot.
  IONOS_ASSIGN_OR_RETURN(
      PgResultPtr result,
      pool_->Run(what,
                 "SELECT " IONOS_PG_AUTO_CERTIFICATE_COLUMNS_OF("a.") ", " IONOS_PG_CERTIFICATE_SUMMARY_COLUMNS("c.")
                 ", CASE WHEN c.rn = 1 THEN c.certificate_pem END, CASE WHEN c.rn = 1 THEN c.chain_pem END, "
                 "CASE WHEN c.rn = 1 THEN c.private_key END, " IONOS_PG_RENEWAL_INFO_COLUMNS_OF("r.")
                 " FROM auto_certificates a LEFT JOIN LATERAL (SELECT x.*, row_number() OVER (ORDER BY x.seq "
                 "DESC) AS rn FROM certificates x WHERE x.auto_certificate_id = a.id) c ON true "
                 "LEFT JOIN renewal_info r ON c.rn = 1 AND r.certificate_id = c.id WHERE a.id = $1 ORDER BY c.rn",
                 Params().Text(id), Mode::kRead));
  const int rows = PQntuples(result.get());
  if (rows == 0) {
    return NotFound("auto certificate", id);
  }
  const Codec codec{describe_, key_, key_source_};
  constexpr int kCertificateAt = kPgAutoCertificateColumns;
  constexpr int kRenewalInfoAt = kCertificateAt + kPgCertificateColumns;
  AutoCertificateSnapshot snapshot;
  IONOS_ASSIGN_OR_RETURN(snapshot.record, codec.AutoCertificate(Row(result.get(), 0, describe_)));
  if (PQgetisnull(result.get(), 0, kCertificateAt)) {
    return snapshot;
  }
  for (int i = 0; i < rows; ++i) {
    IONOS_ASSIGN_OR_RETURN(CertificateSummary summary, codec.Summary(Row(result.get(), i, describe_, kCertificateAt)));
    snapshot.certificates.push_back(std::move(summary));
  }
  IONOS_ASSIGN_OR_RETURN(snapshot.newest, codec.Certificate(Row(result.get(), 0, describe_, kCertificateAt)));
  if (!PQgetisnull(result.get(), 0, kRenewalInfoAt)) {
    IONOS_ASSIGN_OR_RETURN(snapshot.renewal_info, codec.RenewalInfo(Row(result.get(), 0, describe_, kRenewalInfoAt)));
  }
  return snapshot;
}

Result<std::vector<CertificateSummary>> PostgresStore::ListAllCertificates() {
  const std::string what = "listing all certificates";
  IONOS_ASSIGN_OR_RETURN(PgResultPtr result,
                         pool_->Run(what,
                                    "SELECT " IONOS_PG_CERTIFICATE_SUMMARY_COLUMNS("")
                                    " FROM certificates ORDER BY auto_certificate_id COLLATE \"C\", seq DESC",
                                    Params(), Mode::kRead));
  const Codec codec{describe_, key_, key_source_};
  return Collect<CertificateSummary>(result.get(), describe_, [&](const Row& s) { return codec.Summary(s); });
}

Status PostgresStore::DeleteCertificate(const std::string& id) {
  const std::string what = "deleting certificate " + Quoted(id);
  // Its renewal information goes with it (ON DELETE CASCADE).
  IONOS_ASSIGN_OR_RETURN(PgResultPtr result,
                         pool_->Run(what, "DELETE FROM certificates WHERE id = $1", Params().Text(id), Mode::kWrite));
  return CommandChangedNothing(result.get()) ? NotFound("certificate", id) : Status::Ok();
}

// ------------------------------------------------------------------ pending DNS records

Result<PendingDnsRecord> PostgresStore::NotePendingDnsRecord(const PendingDnsRecord& record) {
  PendingDnsRecord r = record;
  IONOS_ASSIGN_OR_RETURN(r.id, IdFor(record.id));
  r.created_at = Now();
  const std::string what = "noting pending DNS record " + Quoted(r.fqdn);
  IONOS_RETURN_IF_ERROR(pool_
                            ->Run(what,
                                  "INSERT INTO pending_dns_records (id, zone_id, zone_name, record_name, fqdn, value, "
                                  "record_id, created_at, owner) VALUES ($1, $2, $3, $4, $5, $6, $7, "
                                  "to_timestamp($8::bigint), $9)",
                                  Params()
                                      .Text(r.id)
                                      .Text(r.zone_id)
                                      .Text(r.zone_name)
                                      .Text(r.record_name)
                                      .Text(r.fqdn)
                                      .Text(r.value)
                                      .OptText(r.record_id)
                                      .Time(r.created_at)
                                      .Text(r.owner),
                                  Mode::kWrite)
                            .status());
  return r;
}

Status PostgresStore::SetPendingDnsRecordId(const std::string& id, const std::string& record_id) {
  const std::string what = "recording the DNS record id of pending DNS record " + Quoted(id);
  IONOS_ASSIGN_OR_RETURN(PgResultPtr result,
                         pool_->Run(what, "UPDATE pending_dns_records SET record_id = $2 WHERE id = $1",
                                    Params().Text(id).Text(record_id), Mode::kWrite));
  return CommandChangedNothing(result.get()) ? NotFound("pending DNS record", id) : Status::Ok();
}

Status PostgresStore::RemovePendingDnsRecord(const std::string& id) {
  const std::string what = "removing pending DNS record " + Quoted(id);
  IONOS_ASSIGN_OR_RETURN(PgResultPtr result, pool_->Run(what, "DELETE FROM pending_dns_records WHERE id = $1",
                                                        Params().Text(id), Mode::kWrite));
  return CommandChangedNothing(result.get()) ? NotFound("pending DNS record", id) : Status::Ok();
}

Result<std::vector<PendingDnsRecord>> PostgresStore::ListPendingDnsRecords() {
  const std::string what = "listing pending DNS records";
  IONOS_ASSIGN_OR_RETURN(
      PgResultPtr result,
      pool_->Run(what, "SELECT " IONOS_PG_PENDING_DNS_COLUMNS " FROM pending_dns_records ORDER BY seq", Params(),
                 Mode::kRead));
  const Codec codec{describe_, key_, key_source_};
  return Collect<PendingDnsRecord>(result.get(), describe_, [&](const Row& s) { return codec.PendingDns(s); });
}

// ------------------------------------------------------------------ renewal information

Result<std::optional<RenewalInfoRecord>> PostgresStore::GetRenewalInfo(const std::string& certificate_id) {
  const std::string what = "reading the renewal information of certificate " + Quoted(certificate_id);
  IONOS_ASSIGN_OR_RETURN(
      PgResultPtr result,
      pool_->Run(what, "SELECT " IONOS_PG_RENEWAL_INFO_COLUMNS " FROM renewal_info WHERE certificate_id = $1",
                 Params().Text(certificate_id), Mode::kRead));
  if (PQntuples(result.get()) == 0) {
    return std::optional<RenewalInfoRecord>();
  }
  IONOS_ASSIGN_OR_RETURN(RenewalInfoRecord info,
                         (Codec{describe_, key_, key_source_}.RenewalInfo(Row(result.get(), 0, describe_))));
  return std::optional<RenewalInfoRecord>(std::move(info));
}

Status PostgresStore::PutPublication(const PublicationRecord& record) {
  const std::string what = "noting the publication of certificate " + Quoted(record.certificate_id);
  // One round trip: nothing is inserted when the certificate does not exist.
  std::string sqlstate;
  Result<PgResultPtr> result = pool_->Run(
      what,
      "INSERT INTO publications (certificate_id, state, remote_id, updated_at) "
      "SELECT id, $2, $3, to_timestamp($4::bigint) FROM certificates WHERE id = $1 "
      "ON CONFLICT (certificate_id) DO UPDATE SET state = EXCLUDED.state, remote_id = EXCLUDED.remote_id, "
      "updated_at = EXCLUDED.updated_at",
      Params().Text(record.certificate_id).Text(record.state).Text(record.remote_id).Time(Now()), Mode::kWrite,
      &sqlstate);
  if (!result.ok()) {
    if (sqlstate == "23503") {  // the certificate was deleted meanwhile (foreign_key_violation)
      return NotFound("certificate", record.certificate_id);
    }
    return result.status();
  }
  return CommandChangedNothing(result->get()) ? NotFound("certificate", record.certificate_id) : Status::Ok();
}

Status PostgresStore::RemovePublication(const std::string& certificate_id) {
  const std::string what = "forgetting the publication of certificate " + Quoted(certificate_id);
  return pool_->Run(what, "DELETE FROM publications WHERE certificate_id = $1", Params().Text(certificate_id),
                    Mode::kWrite)
      .status();
}

Result<std::vector<PublicationRecord>> PostgresStore::ListPublications(const std::string& auto_certificate_id) {
  const std::string what = "listing the publications of auto certificate " + Quoted(auto_certificate_id);
  IONOS_ASSIGN_OR_RETURN(
      PgResultPtr result,
      pool_->Run(what,
                 "SELECT p.certificate_id, p.state, p.remote_id, " IONOS_PG_TIME("p.updated_at") " FROM publications p "
                 "JOIN certificates c ON c.id = p.certificate_id WHERE c.auto_certificate_id = $1",
                 Params().Text(auto_certificate_id), Mode::kRead));
  std::vector<PublicationRecord> out;
  for (int i = 0; i < PQntuples(result.get()); ++i) {
    Row row(result.get(), i, describe_);
    PublicationRecord r;
    r.certificate_id = row.Text(0);
    r.state = row.Text(1);
    r.remote_id = row.Text(2);
    IONOS_ASSIGN_OR_RETURN(r.updated_at, row.Time(3, "publications.updated_at"));
    out.push_back(std::move(r));
  }
  return out;
}

Status PostgresStore::PutRenewalInfo(const RenewalInfoRecord& info) {
  const std::string what = "keeping the renewal information of certificate " + Quoted(info.certificate_id);
  // One round trip: nothing is inserted when the certificate does not exist.
  std::string sqlstate;
  Result<PgResultPtr> result = pool_->Run(
      what,
      "INSERT INTO renewal_info (certificate_id, window_start, window_end, chosen_at, explanation_url, fetched_at, "
      "next_fetch_at) SELECT id, to_timestamp($2::bigint), to_timestamp($3::bigint), to_timestamp($4::bigint), $5, "
      "to_timestamp($6::bigint), to_timestamp($7::bigint) FROM certificates WHERE id = $1 "
      "ON CONFLICT (certificate_id) DO UPDATE SET window_start = EXCLUDED.window_start, "
      "window_end = EXCLUDED.window_end, chosen_at = EXCLUDED.chosen_at, explanation_url = EXCLUDED.explanation_url, "
      "fetched_at = EXCLUDED.fetched_at, next_fetch_at = EXCLUDED.next_fetch_at",
      Params()
          .Text(info.certificate_id)
          .Time(info.window_start)
          .Time(info.window_end)
          .Time(info.chosen_at)
          .Text(info.explanation_url)
          .Time(info.fetched_at)
          .Time(info.next_fetch_at),
      Mode::kWrite, &sqlstate);
  if (!result.ok()) {
    // The certificate was deleted between the SELECT and the INSERT (foreign_key_violation).
    if (sqlstate == "23503") {
      return NotFound("certificate", info.certificate_id);
    }
    return result.status();
  }
  return CommandChangedNothing(result->get()) ? NotFound("certificate", info.certificate_id) : Status::Ok();
}

// ------------------------------------------------------------------ locks

namespace {

// A held advisory lock: its session (connection) is kept until the lock is destroyed.
class PostgresLock final : public StoreLock {
 public:
  PostgresLock(std::shared_ptr<Pool> pool, PgConnPtr conn, int64_t key)
      : pool_(std::move(pool)), conn_(std::move(conn)), key_(key) {}
  ~PostgresLock() override {
    Result<PgResultPtr> unlocked =
        pool_->Exec(conn_.get(), "SELECT pg_advisory_unlock($1::bigint)", Params().Int(key_), "releasing a lock");
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
        Params().Int(key_), "checking that the store lock is still held");
    if (!held.ok()) {
      return PQstatus(conn_.get()) != CONNECTION_OK ? Result<bool>(false) : Result<bool>(held.status());
    }
    return PQntuples(held->get()) == 1 && std::strcmp(PQgetvalue(held->get(), 0, 0), "1") == 0;
  }

 private:
  std::shared_ptr<Pool> pool_;
  PgConnPtr conn_;
  int64_t key_;
};

}  // namespace

Result<KeyCounts> PostgresStore::CountKeys() {
  const std::string what = "counting the private keys";
  IONOS_ASSIGN_OR_RETURN(
      PgResultPtr result,
      pool_->Run(what,
                 "SELECT (SELECT count(*) FROM accounts WHERE private_key LIKE 'enc:v1:%') + "
                 "(SELECT count(*) FROM certificates WHERE private_key LIKE 'enc:v1:%'), "
                 "(SELECT count(*) FROM accounts WHERE private_key NOT LIKE 'enc:v1:%') + "
                 "(SELECT count(*) FROM certificates WHERE private_key NOT LIKE 'enc:v1:%')",
                 Params(), Mode::kRead));
  if (PQntuples(result.get()) != 1) {
    return InternalError(what + ": no row");
  }
  return KeyCounts{std::stoll(PQgetvalue(result.get(), 0, 0)), std::stoll(PQgetvalue(result.get(), 0, 1))};
}

Result<KeyCounts> PostgresStore::Rekey(const std::string& new_key) {
  if (!new_key.empty() && new_key.size() != kAesGcmKeySize) {
    return InvalidArgumentError("a store key must be 32 bytes, got " + std::to_string(new_key.size()));
  }
  const std::string what = "re-encrypting the private keys of the store " + describe_;
  IONOS_ASSIGN_OR_RETURN(Pool::Lease lease, pool_->Acquire(what, /*for_write=*/true));
  IONOS_RETURN_IF_ERROR(pool_->Transaction(lease.get(), what, [&]() -> Status {
    for (const char* table : {"accounts", "certificates"}) {
      const char* kind = std::string_view(table) == "accounts" ? "account" : "certificate";
      const std::string select = std::string("SELECT id, private_key FROM ") + table + " FOR UPDATE";
      const std::string update = std::string("UPDATE ") + table + " SET private_key = $2 WHERE id = $1";
      IONOS_ASSIGN_OR_RETURN(PgResultPtr rows, pool_->Exec(lease.get(), select.c_str(), Params(), what));
      for (int i = 0; i < PQntuples(rows.get()); ++i) {
        const std::string id = PQgetvalue(rows.get(), i, 0);
        IONOS_ASSIGN_OR_RETURN(std::string pem,
                               OpenPrivateKey(key_, kind, id, PQgetvalue(rows.get(), i, 1), describe_, key_source_));
        IONOS_ASSIGN_OR_RETURN(std::string sealed, SealPrivateKey(new_key, id, pem, *random_));
        IONOS_RETURN_IF_ERROR(pool_->Exec(lease.get(), update.c_str(), Params().Text(id).Text(sealed), what).status());
      }
    }
    return Status::Ok();
  }));
  return CountKeys();
}

Result<std::unique_ptr<StoreLock>> PostgresStore::Lock(const std::string& name, const LockOptions& options) {
  const std::string what = "taking the lock " + Quoted(name) + " in the store " + describe_;
  const int64_t key = LockKey("lock", name);
  IONOS_ASSIGN_OR_RETURN(auto taken, pool_->TakeForLock(what));
  PgConnPtr conn = std::move(taken.first);
  bool fresh = taken.second;
  const TimePoint deadline = clock_->Now() + options.timeout;
  bool announced = false;
  while (true) {
    Result<PgResultPtr> tried =
        pool_->Exec(conn.get(), "SELECT pg_try_advisory_lock($1::bigint)", Params().Int(key), what);
    if (!tried.ok()) {
      if (fresh || PQstatus(conn.get()) == CONNECTION_OK) {
        pool_->GiveBack(std::move(conn));
        return tried.status();
      }
      // A reused connection the server had closed meanwhile: try again on another one.
      conn.reset();
      IONOS_ASSIGN_OR_RETURN(auto again, pool_->TakeForLock(what));
      conn = std::move(again.first);
      fresh = again.second;
      continue;
    }
    if (std::strcmp(PQgetvalue(tried->get(), 0, 0), "t") == 0) {
      return std::unique_ptr<StoreLock>(std::make_unique<PostgresLock>(pool_, std::move(conn), key));
    }
    if (!announced && options.on_wait) {
      options.on_wait();
      announced = true;
    }
    const TimePoint now = clock_->Now();
    if (now >= deadline) {
      pool_->GiveBack(std::move(conn));
      return DeadlineExceededError(what + ": another process held it for " + FormatDuration(options.timeout) +
                                   " and did not let go");
    }
    const Duration wait = std::min(options.retry_interval, std::chrono::ceil<Duration>(deadline - now));
    Status slept = clock_->SleepFor(std::max(wait, Duration(1)), options.cancel);
    if (!slept.ok()) {
      pool_->GiveBack(std::move(conn));
      return slept.WithContext(what);
    }
  }
}

Result<std::unique_ptr<Store>> OpenPostgresStore(const std::string& url, const StoreOptions& options) {
  IONOS_ASSIGN_OR_RETURN(std::unique_ptr<PostgresStore> store, PostgresStore::Open(url, options));
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace ionos
