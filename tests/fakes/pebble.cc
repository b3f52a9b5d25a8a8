#include "tests/fakes/pebble.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "core/base/clock.h"
#include "core/crypto/crypto.h"
#include "core/base/encoding.h"
#include "core/http/http.h"

extern char** environ;

namespace ionos::fakes {

namespace {

Status WriteFile(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  out.close();
  if (!out) {
    return InternalError("writing " + path + " failed");
  }
  return Status::Ok();
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string Tail(const std::string& s, size_t n) { return s.size() <= n ? s : "..." + s.substr(s.size() - n); }

}  // namespace

namespace {

// Binds a socket to 127.0.0.1:0 and returns it with the port the kernel chose.
Result<std::pair<int, int>> BindLoopbackPortZero(bool udp) {
  int fd = socket(AF_INET, (udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return InternalError(std::string("socket: ") + std::strerror(errno));
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    const int e = errno;
    close(fd);
    return InternalError(std::string("bind 127.0.0.1:0: ") + std::strerror(e));
  }
  socklen_t len = sizeof addr;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    const int e = errno;
    close(fd);
    return InternalError(std::string("getsockname: ") + std::strerror(e));
  }
  return std::make_pair(fd, static_cast<int>(ntohs(addr.sin_port)));
}

// `n` different free TCP ports: all sockets stay bound until every port is known.
Result<std::vector<int>> PickDistinctTcpPorts(size_t n) {
  std::vector<int> fds;
  std::vector<int> ports;
  Status status;
  for (size_t i = 0; i < n; ++i) {
    auto bound = BindLoopbackPortZero(/*udp=*/false);
    if (!bound.ok()) {
      status = bound.status();
      break;
    }
    fds.push_back(bound->first);
    ports.push_back(bound->second);
  }
  for (int fd : fds) {
    close(fd);
  }
  if (!status.ok()) {
    return status;
  }
  return ports;
}

}  // namespace

Result<int> PickFreeLoopbackPort(bool udp) {
  IONOS_ASSIGN_OR_RETURN(auto bound, BindLoopbackPortZero(udp));
  close(bound.first);
  return bound.second;
}

Result<std::unique_ptr<Pebble>> Pebble::Start(PebbleOptions options) {
  // Ports are picked and released before Pebble binds them; another process may grab one in
  // between, so a start that fails with "address already in use" is retried with new ports.
  Status last;
  for (int attempt = 0; attempt < 3; ++attempt) {
    std::unique_ptr<Pebble> pebble(new Pebble());
    last = pebble->Launch(options);
    if (last.ok()) {
      return pebble;
    }
    if (last.message().find("address already in use") == std::string::npos) {
      break;
    }
  }
  return last;
}

Status Pebble::Launch(const PebbleOptions& options) {
  std::string tmp = "/tmp";
  if (const char* t = std::getenv("TMPDIR"); t != nullptr && *t != '\0') {
    tmp = t;
  }
  std::string pattern = tmp + "/ionos-pebble-XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) {
    return InternalError("mkdtemp " + pattern + ": " + std::strerror(errno));
  }
  dir_ = pattern;

  IONOS_ASSIGN_OR_RETURN(std::vector<int> ports, PickDistinctTcpPorts(4));
  port_ = ports[0];
  const int management_port = ports[1];
  const int http_port = ports[2];
  const int tls_port = ports[3];
  std::string dns_server = options.dns_server;
  if (dns_server.empty()) {
    IONOS_ASSIGN_OR_RETURN(int dns_port, PickFreeLoopbackPort(/*udp=*/true));
    dns_server = "127.0.0.1:" + std::to_string(dns_port);
  }

  SystemClock clock;
  SelfSignedCertOptions cert_options;
  cert_options.common_name = "Pebble test server";
  cert_options.dns_names = {"localhost"};
  cert_options.ip_addresses = {"127.0.0.1"};
  IONOS_ASSIGN_OR_RETURN_CTX(SelfSignedCert cert, GenerateSelfSignedCert(clock, cert_options), "Pebble TLS cert");
  tls_cert_pem_ = cert.cert_pem;
  IONOS_RETURN_IF_ERROR(WriteFile(dir_ + "/cert.pem", cert.cert_pem));
  IONOS_RETURN_IF_ERROR(WriteFile(dir_ + "/key.pem", cert.key_pem));

  eab_keys_ = options.eab_keys;
  if (options.eab_required && eab_keys_.empty()) {
    SystemRandom random;
    IONOS_ASSIGN_OR_RETURN(std::string key, random.Bytes(32));
    eab_keys_["kid-1"] = Base64UrlEncode(key);
  }

  nlohmann::json config = {
      {"listenAddress", "127.0.0.1:" + std::to_string(port_)},
      {"managementListenAddress", "127.0.0.1:" + std::to_string(management_port)},
      {"certificate", dir_ + "/cert.pem"},
      {"privateKey", dir_ + "/key.pem"},
      {"httpPort", http_port},
      {"tlsPort", tls_port},
      {"ocspResponderURL", ""},
      {"externalAccountBindingRequired", options.eab_required},
  };
  if (!eab_keys_.empty()) {
    config["externalAccountMACKeys"] = eab_keys_;
  }
  for (const auto& [k, v] : options.extra_config.items()) {
    config[k] = v;
  }
  const std::string config_path = dir_ + "/pebble-config.json";
  IONOS_RETURN_IF_ERROR(WriteFile(config_path, nlohmann::json({{"pebble", config}}).dump(2)));

  // Everything the child needs is prepared before fork(): after it, only async-signal-safe calls.
  std::vector<std::pair<std::string, std::string>> env_overrides = {{"PEBBLE_VA_NOSLEEP", "1"},
                                                                     {"PEBBLE_WFE_NONCEREJECT", "0"}};
  for (const auto& kv : options.env) {
    env_overrides.push_back(kv);
  }
  std::map<std::string, std::string> env_map;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string entry(*e);
    const size_t eq = entry.find('=');
    if (eq != std::string::npos) {
      env_map[entry.substr(0, eq)] = entry.substr(eq + 1);
    }
  }
  for (const auto& [k, v] : env_overrides) {
    env_map[k] = v;
  }
  std::vector<std::string> env_strings;
  for (const auto& [k, v] : env_map) {
    env_strings.push_back(k + "=" + v);
  }
  std::vector<char*> envp;
  for (auto& s : env_strings) {
    envp.push_back(s.data());
  }
  envp.push_back(nullptr);

  std::string binary = options.binary;
  if (binary.find('/') == std::string::npos) {
    const char* path = std::getenv("PATH");
    std::string dirs = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
    std::string found;
    size_t start = 0;
    while (found.empty() && start <= dirs.size()) {
      const size_t end = std::min(dirs.find(':', start), dirs.size());
      const std::string candidate = (end > start ? dirs.substr(start, end - start) : ".") + "/" + binary;
      if (access(candidate.c_str(), X_OK) == 0) {
        found = candidate;
      }
      start = end + 1;
    }
    if (found.empty()) {
      return FailedPreconditionError(binary + " not found on PATH (install the Debian package pebble)");
    }
    binary = found;
  }
  std::vector<std::string> args = {binary, "-config", config_path, "-dnsserver", dns_server};
  std::vector<char*> argv;
  for (auto& a : args) {
    argv.push_back(a.data());
  }
  argv.push_back(nullptr);

  const std::string log_path = dir_ + "/pebble.log";
  const int log_fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (log_fd < 0) {
    return InternalError("open " + log_path + ": " + std::strerror(errno));
  }
  const int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) {
    const int e = errno;
    close(log_fd);
    close(null_fd);
    return InternalError(std::string("fork: ") + std::strerror(e));
  }
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) {
      _exit(127);
    }
    if (null_fd >= 0) {
      dup2(null_fd, STDIN_FILENO);
    }
    dup2(log_fd, STDOUT_FILENO);
    dup2(log_fd, STDERR_FILENO);
    execve(argv[0], argv.data(), envp.data());
    const char msg[] = "exec pebble failed\n";
    ssize_t ignored = write(STDERR_FILENO, msg, sizeof msg - 1);
    (void)ignored;
    _exit(127);
  }
  close(log_fd);
  if (null_fd >= 0) {
    close(null_fd);
  }
  pid_ = pid;

  directory_url_ = "https://127.0.0.1:" + std::to_string(port_) + "/dir";
  management_url_ = "https://127.0.0.1:" + std::to_string(management_port);

  HttpClientOptions http_options;
  http_options.extra_ca_pem = tls_cert_pem_;
  http_options.connect_timeout = std::chrono::seconds(1);
  http_options.read_timeout = std::chrono::seconds(2);
  IONOS_ASSIGN_OR_RETURN(std::unique_ptr<HttpClient> http, NewHttpClient(http_options));
  const auto deadline = std::chrono::steady_clock::now() + options.start_timeout;
  Status last = UnavailableError("not tried");
  while (std::chrono::steady_clock::now() < deadline) {
    int wstatus = 0;
    if (waitpid(pid_, &wstatus, WNOHANG) == pid_) {
      pid_ = -1;
      return UnavailableError("pebble exited during start-up (" +
                              (WIFEXITED(wstatus) ? "status " + std::to_string(WEXITSTATUS(wstatus))
                                                  : "signal " + std::to_string(WTERMSIG(wstatus))) +
                              "); log: " + Tail(log(), 2000));
    }
    HttpRequest request;
    request.url = directory_url_;
    Result<HttpResponse> response = http->Do(request);
    if (response.ok() && response->status == 200) {
      return Status::Ok();
    }
    last = response.ok() ? UnavailableError("HTTP " + std::to_string(response->status)) : response.status();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return DeadlineExceededError("pebble did not answer at " + directory_url_ + " within " +
                               std::to_string(options.start_timeout.count()) + " ms (" + last.message() +
                               "); log: " + Tail(log(), 2000));
}

void Pebble::Stop() {
  if (pid_ <= 0) {
    return;
  }
  kill(pid_, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  while (std::chrono::steady_clock::now() < deadline) {
    if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
      pid_ = -1;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

Pebble::~Pebble() {
  Stop();
  if (!dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
}

std::string Pebble::eab_kid() const { return eab_keys_.empty() ? std::string() : eab_keys_.begin()->first; }

std::string Pebble::eab_hmac_key() const {
  return eab_keys_.empty() ? std::string() : eab_keys_.begin()->second;
}

std::string Pebble::log() const { return ReadFile(dir_ + "/pebble.log"); }

}  // namespace ionos::fakes
