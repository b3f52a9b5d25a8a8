#include "tests/fakes/postgres_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

extern char** environ;

namespace ionos::fakes {
namespace {

namespace fs = std::filesystem;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Status WriteFile(const std::string& path, const std::string& content, bool append = false) {
  std::ofstream out(path, std::ios::binary | (append ? std::ios::app : std::ios::trunc));
  out << content;
  out.close();
  if (!out) {
    return InternalError("writing " + path + " failed");
  }
  return Status::Ok();
}

std::string Tail(const std::string& s, size_t n) { return s.size() <= n ? s : "..." + s.substr(s.size() - n); }

Result<int> FreeLoopbackPort() {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return InternalError(std::string("socket: ") + std::strerror(errno));
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    const int e = errno;
    close(fd);
    return InternalError(std::string("binding 127.0.0.1:0: ") + std::strerror(e));
  }
  close(fd);
  return static_cast<int>(ntohs(addr.sin_port));
}

// The newest /usr/lib/postgresql/<version>/bin holding initdb and pg_ctl.
Result<std::string> FindBinDir(const std::string& configured) {
  if (!configured.empty()) {
    return configured;
  }
  if (const char* env = std::getenv("IONOS_POSTGRES_BINDIR"); env != nullptr && *env != '\0') {
    return std::string(env);
  }
  std::error_code ec;
  int best = -1;
  std::string found;
  for (const auto& entry : fs::directory_iterator("/usr/lib/postgresql", ec)) {
    const std::string version = entry.path().filename().string();
    const std::string bin = entry.path().string() + "/bin";
    if (version.empty() || !std::all_of(version.begin(), version.end(), ::isdigit) ||
        access((bin + "/initdb").c_str(), X_OK) != 0 || access((bin + "/pg_ctl").c_str(), X_OK) != 0) {
      continue;
    }
    if (std::stoi(version) > best) {
      best = std::stoi(version);
      found = bin;
    }
  }
  if (found.empty()) {
    return FailedPreconditionError(
        "no PostgreSQL server under /usr/lib/postgresql/<version>/bin (install the Debian package postgresql, "
        "scripts/install-deps does) or set IONOS_POSTGRES_BINDIR");
  }
  return found;
}

// setpriv (or runuser) and its arguments to run a program as the postgres OS user; empty when not
// root (the server then runs as the current user).
Result<std::vector<std::string>> RunAsPostgresPrefix() {
  if (geteuid() != 0) {
    return std::vector<std::string>();
  }
  if (getpwnam("postgres") == nullptr) {
    return FailedPreconditionError("running as root, but there is no `postgres` OS user to run PostgreSQL as "
                                   "(the Debian package postgresql creates it)");
  }
  for (const char* setpriv : {"/usr/bin/setpriv", "/bin/setpriv"}) {
    if (access(setpriv, X_OK) == 0) {
      return std::vector<std::string>{setpriv, "--reuid=postgres", "--regid=postgres", "--init-groups", "--"};
    }
  }
  for (const char* runuser : {"/usr/sbin/runuser", "/sbin/runuser"}) {
    if (access(runuser, X_OK) == 0) {
      return std::vector<std::string>{runuser, "-u", "postgres", "--"};
    }
  }
  return FailedPreconditionError("running as root, but neither setpriv nor runuser is there to run PostgreSQL as "
                                 "the postgres user");
}

// The environment of child processes: ours without PG* variables, in the C locale.
std::vector<std::string> ChildEnvironment(const std::string& home) {
  std::map<std::string, std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const std::string entry(*e);
    const size_t eq = entry.find('=');
    if (eq == std::string::npos || entry.rfind("PG", 0) == 0 || entry.rfind("LC_", 0) == 0) {
      continue;
    }
    env[entry.substr(0, eq)] = entry.substr(eq + 1);
  }
  env["LC_ALL"] = "C";
  env["LANG"] = "C";
  env["HOME"] = home;
  std::vector<std::string> out;
  for (const auto& [k, v] : env) {
    out.push_back(k + "=" + v);
  }
  return out;
}

std::string PercentEncode(const std::string& s) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

struct ConnCloser {
  void operator()(PGconn* c) const { PQfinish(c); }
};
using ConnPtr = std::unique_ptr<PGconn, ConnCloser>;
struct ResultClearer {
  void operator()(PGresult* r) const { PQclear(r); }
};
using ResultPtr = std::unique_ptr<PGresult, ResultClearer>;

// Runs `sql` on `conn`; the first column of every row of the last result, joined by ",".
Result<std::string> RunSql(PGconn* conn, const std::string& sql) {
  if (!PQsendQuery(conn, sql.c_str())) {
    return InternalError(std::string("sending SQL: ") + PQerrorMessage(conn));
  }
  std::string out;
  Status status;
  while (true) {
    ResultPtr result(PQgetResult(conn));
    if (!result) {
      break;
    }
    const ExecStatusType st = PQresultStatus(result.get());
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
      if (status.ok()) {
        status = InternalError("SQL failed: " + std::string(PQresultErrorMessage(result.get())) + " in: " +
                               Tail(sql, 300));
      }
      continue;
    }
    out.clear();
    for (int i = 0; i < PQntuples(result.get()); ++i) {
      out += (i > 0 ? "," : "") + std::string(PQgetvalue(result.get(), i, 0));
    }
  }
  if (!status.ok()) {
    return status;
  }
  return out;
}

std::string QuoteIdentifier(PGconn* conn, const std::string& name) {
  char* quoted = PQescapeIdentifier(conn, name.c_str(), name.size());
  std::string out = quoted != nullptr ? quoted : "\"invalid\"";
  PQfreemem(quoted);
  return out;
}

std::string QuoteLiteral(PGconn* conn, const std::string& value) {
  char* quoted = PQescapeLiteral(conn, value.c_str(), value.size());
  std::string out = quoted != nullptr ? quoted : "''";
  PQfreemem(quoted);
  return out;
}

}  // namespace

// ---------------------------------------------------------------- start and stop

Result<std::unique_ptr<PostgresServer>> PostgresServer::Start(PostgresServerOptions options) {
  std::unique_ptr<PostgresServer> server(new PostgresServer(std::move(options)));
  Status status = server->Launch();
  if (!status.ok()) {
    const std::string log = server->log();
    return Status(status.code(), status.message() + (log.empty() ? "" : "; server log: " + Tail(log, 3000)));
  }
  return server;
}

Status PostgresServer::Launch() {
  owner_pid_ = getpid();
  IONOS_ASSIGN_OR_RETURN(bin_dir_, FindBinDir(options_.bin_dir));
  IONOS_ASSIGN_OR_RETURN(std::vector<std::string> run_as, RunAsPostgresPrefix());
  std::string tmp = "/tmp";
  if (const char* t = std::getenv("TMPDIR"); t != nullptr && *t == '/') {
    tmp = t;
  }
  std::string pattern = tmp + "/ionos-pg-XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) {
    return InternalError("mkdtemp " + pattern + ": " + std::strerror(errno));
  }
  dir_ = pattern;
  IONOS_RETURN_IF_ERROR(StartWatchdog());
  if (!run_as.empty()) {
    const passwd* pw = getpwnam("postgres");
    if (pw == nullptr || chown(dir_.c_str(), pw->pw_uid, pw->pw_gid) != 0) {
      return InternalError("cannot hand " + dir_ + " to the postgres user: " + std::strerror(errno));
    }
  }

  IONOS_RETURN_IF_ERROR(Run({bin_dir_ + "/initdb", "-D", dir_ + "/data", "-U", "postgres", "-E", "UTF8",
                             "--locale=C", "--auth-local=trust", "--auth-host=scram-sha-256", "--no-sync",
                             "--no-instructions"},
                            /*as_postgres=*/true));
  IONOS_RETURN_IF_ERROR(Run({"/bin/mkdir", "-m", "0700", dir_ + "/sock"}, /*as_postgres=*/true));
  if (options_.tls) {
    IONOS_RETURN_IF_ERROR(MakeTlsFiles());
  }
  // Files inside data/ belong to the postgres user; root writes them and hands them over.
  IONOS_RETURN_IF_ERROR(WriteFile(dir_ + "/data/pg_hba.conf",
                                  "# written by tests/fakes/postgres_server.cc\n"
                                  "local all all trust\n"
                                  "host all all 127.0.0.1/32 scram-sha-256\n"));
  std::string conf =
      "\n# tests/fakes/postgres_server.cc\n"
      "listen_addresses = '127.0.0.1'\n"
      "unix_socket_directories = '" + dir_ + "/sock'\n"
      "max_connections = 200\n"
      "shared_buffers = 16MB\n"
      "fsync = off\n"
      "synchronous_commit = off\n"
      "full_page_writes = off\n"
      "password_encryption = 'scram-sha-256'\n"
      "lc_messages = 'C'\n";
  if (options_.tls) {
    conf += "ssl = on\nssl_cert_file = '" + dir_ + "/tls/server.crt'\nssl_key_file = '" + dir_ + "/tls/server.key'\n";
  }
  IONOS_RETURN_IF_ERROR(WriteFile(dir_ + "/data/postgresql.conf", conf, /*append=*/true));
  if (geteuid() == 0) {
    const passwd* pw = getpwnam("postgres");
    if (pw == nullptr || chown((dir_ + "/data/pg_hba.conf").c_str(), pw->pw_uid, pw->pw_gid) != 0) {
      return InternalError("cannot hand pg_hba.conf to the postgres user");
    }
  }

  // The port is free when picked but may be taken before the server binds it: retry with another.
  Status started;
  for (int attempt = 0; attempt < 3; ++attempt) {
    IONOS_ASSIGN_OR_RETURN(port_, FreeLoopbackPort());
    started = PgCtlStart();
    if (started.ok() || log().find("could not bind") == std::string::npos) {
      break;
    }
  }
  IONOS_RETURN_IF_ERROR(started);

  IONOS_ASSIGN_OR_RETURN(PGconn * raw, AdminConnect("postgres"));
  ConnPtr admin(raw);
  IONOS_ASSIGN_OR_RETURN(std::string ignored,
                         RunSql(admin.get(), "CREATE ROLE " + QuoteIdentifier(admin.get(), options_.user) +
                                                 " LOGIN CREATEDB PASSWORD " +
                                                 QuoteLiteral(admin.get(), options_.password)));
  (void)ignored;
  server_version_ = PQserverVersion(admin.get());
  return Status::Ok();
}

Status PostgresServer::MakeTlsFiles() {
  const std::string tls = dir_ + "/tls";
  if (mkdir(tls.c_str(), 0700) != 0) {
    return InternalError("mkdir " + tls + ": " + std::strerror(errno));
  }
  for (const char* name : {"ca", "other-ca"}) {
    const std::string cnf = tls + "/" + name + ".cnf";
    IONOS_RETURN_IF_ERROR(WriteFile(cnf, std::string("[req]\ndistinguished_name = dn\nprompt = no\n"
                                                     "x509_extensions = v3_ca\n[dn]\nCN = ionos test ") +
                                             name +
                                             "\n[v3_ca]\nbasicConstraints = critical,CA:TRUE\n"
                                             "keyUsage = critical,keyCertSign,cRLSign\n"
                                             "subjectKeyIdentifier = hash\n"));
    IONOS_RETURN_IF_ERROR(Run({"/usr/bin/openssl", "req", "-x509", "-config", cnf, "-newkey", "ec", "-pkeyopt",
                               "ec_paramgen_curve:P-256", "-nodes", "-keyout", tls + "/" + name + ".key", "-out",
                               tls + "/" + name + ".crt", "-days", "7"},
                              /*as_postgres=*/false));
  }
  IONOS_RETURN_IF_ERROR(WriteFile(tls + "/server.cnf",
                                  "[req]\ndistinguished_name = dn\nprompt = no\n[dn]\nCN = 127.0.0.1\n"
                                  "[v3_server]\nbasicConstraints = CA:FALSE\nkeyUsage = critical,digitalSignature\n"
                                  "extendedKeyUsage = serverAuth\nsubjectAltName = IP:127.0.0.1,DNS:localhost\n"));
  IONOS_RETURN_IF_ERROR(Run({"/usr/bin/openssl", "req", "-new", "-config", tls + "/server.cnf", "-newkey", "ec",
                             "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", tls + "/server.key", "-out",
                             tls + "/server.csr"},
                            /*as_postgres=*/false));
  IONOS_RETURN_IF_ERROR(Run({"/usr/bin/openssl", "x509", "-req", "-in", tls + "/server.csr", "-CA", tls + "/ca.crt",
                             "-CAkey", tls + "/ca.key", "-set_serial", "2", "-days", "7", "-extfile",
                             tls + "/server.cnf", "-extensions", "v3_server", "-out", tls + "/server.crt"},
                            /*as_postgres=*/false));
  // The server reads its key and certificate as the postgres user and refuses a key others can read.
  if (geteuid() == 0) {
    const passwd* pw = getpwnam("postgres");
    for (const char* f : {"", "/server.key", "/server.crt"}) {
      if (pw == nullptr || chown((tls + f).c_str(), pw->pw_uid, pw->pw_gid) != 0) {
        return InternalError("cannot hand the TLS files to the postgres user");
      }
    }
  }
  chmod((tls + "/server.key").c_str(), 0600);
  // The test process (root or not) reads the CA certificates.
  chmod(tls.c_str(), 0711);
  chmod((tls + "/ca.crt").c_str(), 0644);
  chmod((tls + "/other-ca.crt").c_str(), 0644);
  ca_cert_path_ = tls + "/ca.crt";
  other_ca_cert_path_ = tls + "/other-ca.crt";
  return Status::Ok();
}

Status PostgresServer::PgCtlStart() {
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(options_.start_timeout).count();
  IONOS_RETURN_IF_ERROR(Run({bin_dir_ + "/pg_ctl", "-D", dir_ + "/data", "-l", dir_ + "/postgres.log", "-w", "-t",
                             std::to_string(std::max<int64_t>(seconds, 1)), "-o", "-p " + std::to_string(port_),
                             "start"},
                            /*as_postgres=*/true)
                            .WithContext("starting PostgreSQL on 127.0.0.1:" + std::to_string(port_)));
  running_ = true;
  return Status::Ok();
}

Status PostgresServer::Stop() {
  if (!running_) {
    return Status::Ok();
  }
  running_ = false;
  return Run({bin_dir_ + "/pg_ctl", "-D", dir_ + "/data", "-m", "fast", "-w", "stop"}, /*as_postgres=*/true)
      .WithContext("stopping PostgreSQL");
}

Status PostgresServer::Restart() {
  if (running_) {
    return Status::Ok();
  }
  return PgCtlStart();
}

// A process that outlives a crashed test: it waits until every copy of the pipe's write end is
// closed (this process and its forks are gone, or the destructor closed it), then stops a server
// still running in the directory and removes the directory.
Status PostgresServer::StartWatchdog() {
  IONOS_ASSIGN_OR_RETURN(std::vector<std::string> run_as, RunAsPostgresPrefix());
  std::string run_as_text;
  for (const std::string& a : run_as) {
    run_as_text += "'" + a + "' ";
  }
  const std::string script = "cat >/dev/null; if [ -f \"$1/data/postmaster.pid\" ]; then " + run_as_text +
                             "\"$2/pg_ctl\" -D \"$1/data\" -m immediate -w stop >/dev/null 2>&1; fi; rm -rf \"$1\"";
  std::vector<std::string> args = {"/bin/sh", "-c", script, "postgres-watchdog", dir_, bin_dir_};
  std::vector<char*> argv;
  for (auto& a : args) {
    argv.push_back(a.data());
  }
  argv.push_back(nullptr);
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    return InternalError(std::string("pipe: ") + std::strerror(errno));
  }
  const int null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
  const pid_t pid = fork();
  if (pid < 0) {
    const int e = errno;
    close(fds[0]);
    close(fds[1]);
    close(null_fd);
    return InternalError(std::string("fork: ") + std::strerror(e));
  }
  if (pid == 0) {
    setsid();  // not in the test's process group: Ctrl-C or a group kill does not take it along
    dup2(fds[0], STDIN_FILENO);
    if (null_fd >= 0) {
      dup2(null_fd, STDOUT_FILENO);
      dup2(null_fd, STDERR_FILENO);
    }
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(fds[0]);
  if (null_fd >= 0) {
    close(null_fd);
  }
  watchdog_pid_ = pid;
  watchdog_fd_ = fds[1];
  return Status::Ok();
}

void PostgresServer::Shutdown() {
  if (getpid() != owner_pid_) {
    return;  // a fork of the test process: the server is not its to stop
  }
  if (running_) {
    running_ = false;
    Status ignored =
        Run({bin_dir_ + "/pg_ctl", "-D", dir_ + "/data", "-m", "immediate", "-w", "stop"}, /*as_postgres=*/true);
    (void)ignored;
  }
  if (!dir_.empty()) {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  if (watchdog_fd_ >= 0) {
    close(watchdog_fd_);
    watchdog_fd_ = -1;
  }
  if (watchdog_pid_ > 0) {
    // It exits at once (nothing left to do) unless a fork of ours still holds the pipe.
    for (int i = 0; i < 200; ++i) {
      if (waitpid(watchdog_pid_, nullptr, WNOHANG) == watchdog_pid_) {
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    watchdog_pid_ = -1;
  }
}

PostgresServer::~PostgresServer() { Shutdown(); }

Status PostgresServer::Run(const std::vector<std::string>& command, bool as_postgres) {
  std::vector<std::string> args;
  if (as_postgres) {
    IONOS_ASSIGN_OR_RETURN(args, RunAsPostgresPrefix());
  }
  args.insert(args.end(), command.begin(), command.end());
  std::vector<char*> argv;
  for (auto& a : args) {
    argv.push_back(a.data());
  }
  argv.push_back(nullptr);
  std::vector<std::string> env_strings = ChildEnvironment(dir_);
  std::vector<char*> envp;
  for (auto& e : env_strings) {
    envp.push_back(e.data());
  }
  envp.push_back(nullptr);

  const std::string log_path = dir_ + "/commands.log";
  const int log_fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  const int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (log_fd < 0) {
    if (null_fd >= 0) {
      close(null_fd);
    }
    return InternalError("open " + log_path + ": " + std::strerror(errno));
  }
  {
    const std::string line = "$ " + command[0] + "\n";
    ssize_t ignored = write(log_fd, line.data(), line.size());
    (void)ignored;
  }
  const pid_t pid = fork();
  if (pid < 0) {
    const int e = errno;
    close(log_fd);
    close(null_fd);
    return InternalError(std::string("fork: ") + std::strerror(e));
  }
  if (pid == 0) {
    if (chdir(dir_.c_str()) != 0) {
      _exit(126);
    }
    if (null_fd >= 0) {
      dup2(null_fd, STDIN_FILENO);
    }
    dup2(log_fd, STDOUT_FILENO);
    dup2(log_fd, STDERR_FILENO);
    execve(argv[0], argv.data(), envp.data());
    _exit(127);
  }
  close(log_fd);
  if (null_fd >= 0) {
    close(null_fd);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      return InternalError(std::string("waitpid: ") + std::strerror(errno));
    }
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
    return Status::Ok();
  }
  return InternalError(command[0] + " failed (" +
                       (WIFEXITED(status) ? "exit " + std::to_string(WEXITSTATUS(status))
                                          : "signal " + std::to_string(WTERMSIG(status))) +
                       "): " + Tail(ReadFile(log_path), 2000));
}

std::string PostgresServer::log() const {
  if (dir_.empty()) {
    return "";
  }
  return ReadFile(dir_ + "/postgres.log");
}

// ---------------------------------------------------------------- URLs and admin

std::string PostgresServer::Url(const std::string& database, const std::string& query) const {
  return UrlFor(options_.user, options_.password, database, query);
}

std::string PostgresServer::UrlFor(const std::string& user, const std::string& password,
                                   const std::string& database, const std::string& query) const {
  return "postgres://" + PercentEncode(user) + ":" + PercentEncode(password) + "@" + host_ + ":" +
         std::to_string(port_) + "/" + PercentEncode(database) + (query.empty() ? "" : "?" + query);
}

Result<PGconn*> PostgresServer::AdminConnect(const std::string& database) {
  const std::string socket_dir = dir_ + "/sock";
  const std::string port = std::to_string(port_);
  const char* keys[] = {"host", "port", "user", "dbname", "connect_timeout", nullptr};
  const char* values[] = {socket_dir.c_str(), port.c_str(), "postgres", database.c_str(), "10", nullptr};
  ConnPtr conn(PQconnectdbParams(keys, values, 0));
  if (!conn || PQstatus(conn.get()) != CONNECTION_OK) {
    return UnavailableError("connecting to the test PostgreSQL as the superuser: " +
                            std::string(conn ? PQerrorMessage(conn.get()) : "out of memory"));
  }
  PQsetNoticeReceiver(conn.get(), [](void*, const PGresult*) {}, nullptr);
  return conn.release();
}

Status PostgresServer::Exec(const std::string& database, const std::string& sql) {
  return Query(database, sql).status();
}

Result<std::string> PostgresServer::Query(const std::string& database, const std::string& sql) {
  IONOS_ASSIGN_OR_RETURN(PGconn * raw, AdminConnect(database));
  ConnPtr conn(raw);
  return RunSql(conn.get(), sql);
}

Result<std::string> PostgresServer::CreateDatabase(const std::string& prefix) {
  int n;
  {
    std::lock_guard<std::mutex> lock(mu_);
    n = ++next_database_;
  }
  const std::string name = prefix + "_" + std::to_string(n);
  IONOS_ASSIGN_OR_RETURN(PGconn * raw, AdminConnect("postgres"));
  ConnPtr conn(raw);
  // FILE_COPY (PostgreSQL 15+) copies template1's files instead of writing them all to the WAL:
  // several times faster for the small, throw-away databases of tests.
  IONOS_RETURN_IF_ERROR(RunSql(conn.get(), "CREATE DATABASE " + QuoteIdentifier(conn.get(), name) + " OWNER " +
                                               QuoteIdentifier(conn.get(), options_.user) +
                                               (server_version_ >= 150000 ? " STRATEGY FILE_COPY" : ""))
                            .status());
  return name;
}

Result<std::string> PostgresServer::AcquireDatabase() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!released_databases_.empty()) {
      std::string name = std::move(released_databases_.back());
      released_databases_.pop_back();
      return name;
    }
  }
  return CreateDatabase("store");
}

Status PostgresServer::ReleaseDatabase(const std::string& database) {
  IONOS_ASSIGN_OR_RETURN(PGconn * raw, AdminConnect(database));
  ConnPtr conn(raw);
  const std::string recreate_public = server_version_ >= 150000
                                          ? "CREATE SCHEMA public AUTHORIZATION pg_database_owner; "
                                            "GRANT USAGE ON SCHEMA public TO PUBLIC;"
                                          : "CREATE SCHEMA public; GRANT ALL ON SCHEMA public TO PUBLIC;";
  IONOS_RETURN_IF_ERROR(
      RunSql(conn.get(),
             "SELECT pg_terminate_backend(pid, 10000) FROM pg_stat_activity "
             "WHERE datname = current_database() AND pid <> pg_backend_pid(); "
             "DO $$ DECLARE s name; BEGIN "
             "FOR s IN SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' "
             "AND nspname <> 'information_schema' LOOP EXECUTE format('DROP SCHEMA %I CASCADE', s); END LOOP; "
             "END $$; " +
                 recreate_public)
          .status());
  std::lock_guard<std::mutex> lock(mu_);
  released_databases_.push_back(database);
  return Status::Ok();
}

Status PostgresServer::CreateRole(const std::string& name, const std::string& password) {
  IONOS_ASSIGN_OR_RETURN(PGconn * raw, AdminConnect("postgres"));
  ConnPtr conn(raw);
  return RunSql(conn.get(), "CREATE ROLE " + QuoteIdentifier(conn.get(), name) + " LOGIN PASSWORD " +
                                QuoteLiteral(conn.get(), password))
      .status();
}

Result<std::unique_ptr<PostgresServer::Session>> PostgresServer::Connect(const std::string& database) {
  IONOS_ASSIGN_OR_RETURN(PGconn * raw, AdminConnect(database));
  return std::unique_ptr<Session>(new Session(raw));
}

PostgresServer::Session::~Session() { PQfinish(conn_); }

Status PostgresServer::Session::Exec(const std::string& sql) { return RunSql(conn_, sql).status(); }

Result<std::string> PostgresServer::Session::Query(const std::string& sql) { return RunSql(conn_, sql); }

Result<std::string> PostgresServer::Dump(const std::string& database) {
  int n;
  {
    std::lock_guard<std::mutex> lock(mu_);
    n = ++next_dump_;
  }
  const std::string file = dir_ + "/dump-" + std::to_string(n) + ".sql";
  IONOS_RETURN_IF_ERROR(Run({bin_dir_ + "/pg_dump", "-h", dir_ + "/sock", "-p", std::to_string(port_), "-U",
                             "postgres", "-d", database, "-f", file},
                            /*as_postgres=*/true));
  std::string dump = ReadFile(file);
  std::error_code ec;
  fs::remove(file, ec);
  return dump;
}

Result<PostgresServer*> SharedPostgresServer() {
  static std::mutex mu;
  static std::unique_ptr<PostgresServer> server;
  static Status failed;
  std::lock_guard<std::mutex> lock(mu);
  if (server) {
    return server.get();
  }
  if (!failed.ok()) {
    return failed;
  }
  PostgresServerOptions options;
  options.tls = true;
  Result<std::unique_ptr<PostgresServer>> started = PostgresServer::Start(options);
  if (!started.ok()) {
    failed = started.status();
    return failed;
  }
  server = std::move(started).value();
  return server.get();
}

}  // namespace ionos::fakes
