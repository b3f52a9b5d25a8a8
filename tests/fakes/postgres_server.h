// A real PostgreSQL server for tests (Debian's `postgresql` package), on loopback, in a temporary
// directory that is removed afterwards. No mocks: the store tests run against this.
//
// Start():
// - finds the server binaries under /usr/lib/postgresql/<newest version>/bin (or
//   PostgresServerOptions::bin_dir, or $IONOS_POSTGRES_BINDIR). PATH is never consulted: on some
//   machines /usr/local/bin/pg_ctl is something else.
// - initdb into <dir>/data as the `postgres` OS user when running as root (initdb refuses root;
//   commands run through setpriv, or runuser), as the current user otherwise;
// - pg_hba.conf: unix socket (a private directory <dir>/sock) trusted for the superuser
//   "postgres"; TCP only from 127.0.0.1 with scram-sha-256 passwords;
// - with PostgresServerOptions::tls: a test CA and a server certificate for 127.0.0.1 and
//   localhost made with the openssl CLI, ssl = on (clients may still connect without TLS), so
//   sslmode=verify-full with sslrootcert=ca_cert_path() can be tested; a second, unrelated CA
//   (other_ca_cert_path()) for verification failures;
// - pg_ctl start on a free 127.0.0.1 port (listen_addresses = '127.0.0.1' only); durability
//   switched off (fsync, synchronous_commit, full_page_writes), it is a test server;
// - a login role user() with password() and CREATEDB, owner of the databases CreateDatabase()
//   makes.
// The destructor stops the server (pg_ctl stop -m immediate) and removes the directory. A
// watchdog process does the same if the test process dies without running it (crash, SIGKILL,
// ctest timeout): a killed test never leaves a server or files behind.
//
// Admin helpers (Query, Exec, Session, CreateDatabase, CreateRole) connect as the superuser over
// the unix socket with libpq. Thread-safe, except Stop/Start, which a test calls from its own
// thread while no helper runs.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/base/status.h"

struct pg_conn;

namespace ionos::fakes {

struct PostgresServerOptions {
  bool tls = false;
  // The password role tests connect as over TCP.
  std::string user = "ionos";
  std::string password = "Ionos-Test-Pa55word-7f3c";
  // Empty: $IONOS_POSTGRES_BINDIR, else the newest /usr/lib/postgresql/<version>/bin.
  std::string bin_dir;
  std::chrono::milliseconds start_timeout{60000};
};

class PostgresServer {
 public:
  static Result<std::unique_ptr<PostgresServer>> Start(PostgresServerOptions options = {});
  ~PostgresServer();
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  const std::string& host() const { return host_; }  // "127.0.0.1"
  int port() const { return port_; }
  const std::string& user() const { return options_.user; }
  const std::string& password() const { return options_.password; }
  const std::string& dir() const { return dir_; }
  const std::string& bin_dir() const { return bin_dir_; }
  // TLS only (else ""): the CA that signed the server certificate, and an unrelated CA.
  const std::string& ca_cert_path() const { return ca_cert_path_; }
  const std::string& other_ca_cert_path() const { return other_ca_cert_path_; }

  // postgres://USER:PASSWORD@127.0.0.1:PORT/DATABASE[?query] for user() and password().
  std::string Url(const std::string& database, const std::string& query = "") const;
  // The same for another role (values are percent-encoded).
  std::string UrlFor(const std::string& user, const std::string& password, const std::string& database,
                     const std::string& query = "") const;

  // A new empty database owned by user(), named "<prefix>_<n>" (unique in this server).
  Result<std::string> CreateDatabase(const std::string& prefix = "store");
  // A clean database owned by user(): one handed back by ReleaseDatabase (emptied), else a new one
  // from CreateDatabase("store"). Emptying a database costs a fraction of creating one.
  Result<std::string> AcquireDatabase();
  // Ends every session of `database` (and so its advisory locks), drops every schema in it,
  // recreates `public` as a new database has it, and keeps the database for AcquireDatabase.
  Status ReleaseDatabase(const std::string& database);
  // A login role with a password and no privileges beyond what PUBLIC has.
  Status CreateRole(const std::string& name, const std::string& password);

  // Runs `sql` (one or more statements) as the superuser in `database`. Query returns the first
  // column of every row of the last statement, joined by "," (NULL as "").
  Status Exec(const std::string& database, const std::string& sql);
  Result<std::string> Query(const std::string& database, const std::string& sql);

  // A superuser connection kept open, e.g. to hold a lock or a transaction during a test.
  class Session {
   public:
    ~Session();
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;
    Status Exec(const std::string& sql);
    Result<std::string> Query(const std::string& sql);

   private:
    friend class PostgresServer;
    explicit Session(pg_conn* conn) : conn_(conn) {}
    pg_conn* conn_;
  };
  Result<std::unique_ptr<Session>> Connect(const std::string& database);

  // pg_ctl stop -m fast (an outage; clients get "terminating connection") and start again on the
  // same port and directory.
  Status Stop();
  Status Restart();
  bool running() const { return running_; }

  // pg_dump of `database` (plain SQL, data included).
  Result<std::string> Dump(const std::string& database);

  // The server's log so far.
  std::string log() const;

 private:
  explicit PostgresServer(PostgresServerOptions options) : options_(std::move(options)) {}
  Status Launch();
  Status MakeTlsFiles();
  Status PgCtlStart();
  Status StartWatchdog();
  // Runs a program (as the postgres user when `as_postgres` and running as root), output appended
  // to <dir>/commands.log; waits for it.
  Status Run(const std::vector<std::string>& argv, bool as_postgres);
  Result<pg_conn*> AdminConnect(const std::string& database);
  void Shutdown();

  PostgresServerOptions options_;
  std::string host_ = "127.0.0.1";
  std::string dir_;
  std::string bin_dir_;
  std::string ca_cert_path_;
  std::string other_ca_cert_path_;
  int port_ = 0;
  int server_version_ = 0;  // e.g. 150018
  bool running_ = false;
  pid_t owner_pid_ = 0;  // the process that started it; forks never stop it
  pid_t watchdog_pid_ = -1;
  int watchdog_fd_ = -1;
  std::mutex mu_;
  int next_database_ = 0;
  std::vector<std::string> released_databases_;
  int next_dump_ = 0;
};

// One TLS-enabled server per test binary, started on the first call and stopped at exit, so a
// binary pays for initdb once. Fails (with the server's log) when PostgreSQL cannot start.
Result<PostgresServer*> SharedPostgresServer();

}  // namespace ionos::fakes
