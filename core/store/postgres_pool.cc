#include "core/store/postgres_pool.h"

#include <libpq-fe.h>
#include <poll.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <string_view>
#include <variant>

#include "core/base/strings.h"

namespace ionos {
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

void PgConnDeleter::operator()(PGconn* conn) const { PQfinish(conn); }
void PgResultDeleter::operator()(PGresult* result) const { PQclear(result); }

PostgresPool::PostgresPool(PostgresUrl url, std::chrono::milliseconds lock_timeout, size_t size, const Clock* clock)
    : url_(std::move(url)),
      describe_(url_.Describe()),
      lock_timeout_(lock_timeout),
      size_(size),
      clock_(clock != nullptr ? clock : &own_clock_) {}

Result<PostgresPool::Lease> PostgresPool::Acquire(const std::string& what, bool for_write) {
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

Result<std::pair<PgConnPtr, bool>> PostgresPool::TakeForLock(const std::string& what) {
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

void PostgresPool::GiveBack(PgConnPtr conn) {
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

Result<PgResultPtr> PostgresPool::Exec(PGconn* conn, const std::string& sql, const Params& params,
                                       const std::string& what, std::string* sqlstate) {
  // Sent as text (NULL for a NULL); PostgreSQL text cannot hold NUL characters, and libpq would cut
  // the value short silently.
  std::vector<std::optional<std::string>> texts;
  for (const Params::Value& value : params.values()) {
    if (const auto* text = std::get_if<std::string>(&value)) {
      if (text->find('\0') != std::string::npos) {
        return InvalidArgumentError(what + ": a value contains a NUL character, which the store cannot keep");
      }
      texts.emplace_back(*text);
    } else if (const auto* number = std::get_if<int64_t>(&value)) {
      texts.emplace_back(std::to_string(*number));
    } else {
      texts.emplace_back();
    }
  }
  std::vector<const char*> values;
  for (const auto& text : texts) {
    values.push_back(text.has_value() ? text->c_str() : nullptr);
  }
  IONOS_ASSIGN_OR_RETURN(PgResultPtr result, RoundTrip(conn, what, [&] {
    return PQsendQueryParams(conn, sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(), nullptr,
                             nullptr, 0);
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

Status PostgresPool::ExecScript(PGconn* conn, const char* sql, const std::string& what) {
  IONOS_ASSIGN_OR_RETURN(PgResultPtr result, RoundTrip(conn, what, [&] { return PQsendQuery(conn, sql); }));
  const ExecStatusType status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
    return Status::Ok();
  }
  return QueryError(conn, result.get(), what);
}

// A read whose reused connection turns out to be dead (the server restarted since) is tried once
// more on a fresh one; a plain write is not (it may have been applied before the connection
// broke). A kWriteKeyed write is sent once more on a fresh connection when its connection broke or
// its answer did not come within the deadline: whether the server acted is unknown, and the chosen
// id makes a second insert fail rather than store twice.
Result<PgResultPtr> PostgresPool::Run(const std::string& what, const std::string& sql, const Params& params,
                                      Mode mode, std::string* sqlstate, bool* repeated) {
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

Status PostgresPool::Transaction(PGconn* conn, const std::string& what, const std::function<Status()>& body) {
  if (pinned_) {
    // Inside the pinned transaction: a savepoint, so that COMMIT stays the outer one's.
    IONOS_RETURN_IF_ERROR(ExecScript(conn, "SAVEPOINT ionos_method", what));
    Status status = body();
    const Status ended =
        ExecScript(conn, status.ok() ? "RELEASE SAVEPOINT ionos_method" : "ROLLBACK TO SAVEPOINT ionos_method", what);
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

Status PostgresPool::Pin(const std::string& what) {
  IONOS_ASSIGN_OR_RETURN(PgConnPtr conn, Connect(what));
  IONOS_RETURN_IF_ERROR(ExecScript(conn.get(), "BEGIN", what));
  std::lock_guard<std::mutex> lock(mu_);
  pinned_ = true;
  idle_.push_back(Idle{std::move(conn), clock_->Now()});
  return Status::Ok();
}

Status PostgresPool::Unpin(Status status, const std::string& what) {
  Result<Lease> lease = Acquire(what);
  if (!lease.ok()) {
    return status.ok() ? lease.status() : status;
  }
  if (status.ok() && PQtransactionStatus(lease->get()) == PQTRANS_INERROR) {
    // A statement failed inside the transaction and the body carried on: COMMIT would roll back
    // everything and answer success.
    status = AbortedError(what + ": a statement of the transaction failed; nothing was written");
  }
  if (status.ok()) {
    return ExecScript(lease->get(), "COMMIT", what);
  }
  if (PQstatus(lease->get()) == CONNECTION_OK && PQtransactionStatus(lease->get()) != PQTRANS_ACTIVE) {
    (void)ExecScript(lease->get(), "ROLLBACK", what);
  }
  return status;
}

// Sends one query with `send` and reads its answer, all within round_trip_timeout. Returns the
// query's result (the first error result when there are several), or nullptr when the connection
// broke (libpq's message says why; QueryError turns it into Unavailable). Past the deadline the
// call fails with Unavailable: the connection is then mid-query and is dropped when returned to
// the pool (PQTRANS_ACTIVE is not reusable), so no later call sees its late answer.
// `timeout`: shorter than round_trip_timeout for the check of an idle connection (Answers).
Result<PgResultPtr> PostgresPool::RoundTrip(PGconn* conn, const std::string& what, const std::function<int()>& send,
                                            std::optional<std::chrono::milliseconds> timeout) {
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

Status PostgresPool::QueryError(PGconn* conn, const PGresult* result, const std::string& what) const {
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

// Requires mu_. An idle connection that is still healthy, or nullopt.
std::optional<PostgresPool::Idle> PostgresPool::TakeIdleLocked() {
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
bool PostgresPool::Answers(PGconn* conn, const std::string& what) {
  const auto timeout = std::min<std::chrono::milliseconds>(url_.round_trip_timeout, kPostgresIdleCheckTimeout);
  Result<PgResultPtr> result = RoundTrip(conn, what, [&] { return PQsendQuery(conn, "SELECT 1"); }, timeout);
  return result.ok() && *result && PQresultStatus(result->get()) == PGRES_TUPLES_OK;
}

// Between calls an unpinned connection is outside any transaction; the pinned one inside its
// own (in error after a failed statement: the outer transaction is then rolled back).
bool PostgresPool::Reusable(PGconn* conn) const {
  if (conn == nullptr || PQstatus(conn) != CONNECTION_OK) {
    return false;
  }
  const PGTransactionStatusType state = PQtransactionStatus(conn);
  return pinned_ ? (state == PQTRANS_INTRANS || state == PQTRANS_INERROR) : state == PQTRANS_IDLE;
}

// A call's connection comes back (nullptr when connecting failed).
void PostgresPool::Return(PgConnPtr conn) {
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

std::string PostgresPool::Secretless(std::string text) const {
  text = Scrub(std::move(text), url_.password);
  text = Scrub(std::move(text), url_.Parameter("password"));
  return Scrub(std::move(text), url_.Parameter("sslpassword"));
}

Result<PgConnPtr> PostgresPool::Connect(const std::string& what) {
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
  // Every session: bounded lock waits, READ COMMITTED whatever the database's default
  // (ionos_add_certificate relies on a fresh snapshot per statement), and times answered as ISO
  // text in UTC (the store hands them on as RFC 3339, core/store/database.h).
  options += "-c lock_timeout=" + std::to_string(lock_timeout_.count()) +
             " -c default_transaction_isolation=read\\ committed -c TimeZone=UTC -c DateStyle=ISO";
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

Status PostgresPool::ConnectError(PGconn* conn, const std::string& prefix) const {
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

}  // namespace ionos
