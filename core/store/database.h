// File: core/store/database.h
//
// What a store backend provides to the one implementation of the store's record semantics
// (record_store.h): a database it can run parameterised statements on, one at a time or several in
// a transaction, an advisory lock, and a redacted description. Each backend opens its database
// and migrates its schema itself (sqlite_store.cc, postgres_store.cc); what it does not know is
// what the records mean.
//
// SQL text is written once, in what SQLite and PostgreSQL share: parameters are `$1`, `$2`, ...
// (SQLite binds them by name); a parameter whose type PostgreSQL cannot infer from its place
// carries a PostgreSQL cast (`$2::timestamptz`), which the SQLite backend drops. Times travel as
// whole-second RFC 3339 text both ways (SQLite keeps that text; PostgreSQL columns are
// timestamptz, answered in UTC and handed back as RFC 3339). What still differs is in Dialect.
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/base/clock.h"
#include "core/base/status.h"
#include "core/store/store.h"

namespace ionos {

// Statement parameters, `$1` first: text, integers, times (whole seconds, sent as RFC 3339 text
// "2026-01-02T03:04:05Z"), or NULL (an empty optional).
class Params {
 public:
  using Value = std::variant<std::monostate, std::string, int64_t>;  // monostate: NULL

  // One parameter, converted from what a record holds.
  struct Param {
    Param(std::string text) : value(std::move(text)) {}
    Param(const char* text) : value(std::string(text)) {}
    Param(int64_t number) : value(number) {}
    Param(TimePoint t) : value(FormatRfc3339(std::chrono::floor<std::chrono::seconds>(t))) {}
    Param(const std::optional<std::string>& text) : value(text.has_value() ? Value(*text) : Value()) {}
    Value value;
  };

  Params() = default;
  Params(std::initializer_list<Param> params) {
    for (const Param& param : params) {
      values_.push_back(param.value);
    }
  }

  const std::vector<Value>& values() const { return values_; }

 private:
  std::vector<Value> values_;
};

// The answer of one statement: its rows (each cell text, or nullopt for NULL; integers in decimal,
// times in RFC 3339) and how many rows a write changed (not counting cascades or triggers).
struct Rows {
  size_t columns = 0;
  std::vector<std::optional<std::string>> cells;  // row by row
  int64_t changed = 0;

  size_t size() const { return columns == 0 ? 0 : cells.size() / columns; }
  bool empty() const { return size() == 0; }
  const std::optional<std::string>& at(size_t row, size_t column) const { return cells[row * columns + column]; }
};

// How a single statement may be repeated when its connection fails.
// kRead: a read, tried once more on a fresh connection when a reused one turns out dead.
// kWrite: never repeated (it may have been applied before the connection broke).
// kWriteKeyed: a write whose row id was chosen before sending, so sending it twice cannot store it
// twice (the second fails with a duplicate id): sent once more on a fresh connection when the
// connection broke or the answer did not come in time.
enum class Mode { kRead, kWrite, kWriteKeyed };

// What a statement's failure was, beyond its Status (which the backend has already mapped).
struct Outcome {
  bool duplicate = false;       // a unique key is taken
  bool missing_parent = false;  // a foreign key points nowhere
  bool repeated = false;        // kWriteKeyed: it was sent a second time
};

// Statements inside one open transaction (Database::Transaction).
class Statements {
 public:
  virtual ~Statements() = default;
  virtual Result<Rows> Run(const std::string& what, std::string_view sql, const Params& params,
                           Outcome* outcome = nullptr) = 0;
};

// What differs in SQL between the backends.
struct Dialect {
  const char* insertion_order;  // tie-breaker column of accounts and auto certificates: "rowid" / "seq"
  const char* bytewise;         // a collation that orders text by bytes: "" (SQLite's default) / " COLLATE \"C\""
  const char* lock_rows;        // suffix of a SELECT that locks its rows until the commit: "" / " FOR UPDATE"
  // Whether AddCertificate is the one call ionos_add_certificate(...) (PostgreSQL: one round trip)
  // instead of a transaction of three statements.
  bool add_certificate_function;
};

// One try after another of one lock (Database::StartLock); releases what it holds when destroyed.
class LockAttempt {
 public:
  virtual ~LockAttempt() = default;
  // The held lock, or nullptr when another holder has it now.
  virtual Result<std::unique_ptr<StoreLock>> Try() = 0;
};

class Database {
 public:
  virtual ~Database() = default;
  virtual const Dialect& dialect() const = 0;
  // The store's URL without secrets (Store::Describe).
  virtual std::string Describe() const = 0;
  virtual std::vector<std::string> Warnings() const { return {}; }

  // One statement, atomic on its own.
  virtual Result<Rows> Run(const std::string& what, std::string_view sql, const Params& params, Mode mode,
                           Outcome* outcome = nullptr) = 0;
  // Begins a write transaction, runs `body` with it, commits when `body` returns OK and rolls back
  // otherwise. Inside an outer transaction (OpenOneTransaction) it is a savepoint of it.
  virtual Status Transaction(const std::string& what, const std::function<Status(Statements&)>& body) = 0;

  // Prepares to take the exclusive lock `name` across every process using this database.
  virtual Result<std::unique_ptr<LockAttempt>> StartLock(const std::string& name, const std::string& what) = 0;

  // A Database on a connection of its own whose every statement goes into one transaction, begun
  // here (Store::WriteInOneTransaction). End it with EndOneTransaction on that Database.
  virtual Result<std::unique_ptr<Database>> OpenOneTransaction(const std::string& what) = 0;
  // Commits when `status` is OK, else rolls back; returns `status` or the commit's error.
  virtual Status EndOneTransaction(Status status, const std::string& what) = 0;
};

// A schema migration: from version-1 to `version`. Released ones are never edited.
struct Migration {
  int version;
  const char* sql;
};

// The error for a store whose schema is newer than this binary knows.
Status SchemaTooNewError(const std::string& store, int64_t version, int known);

}  // namespace ionos
