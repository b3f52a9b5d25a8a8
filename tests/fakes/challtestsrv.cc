#include "tests/fakes/challtestsrv.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include <httplib.h>

#include "core/dns/propagation.h"
#include "tests/fakes/pebble.h"

namespace ionos::fakes {

std::string FindOnPath(const std::string& name) {
  if (name.find('/') != std::string::npos) {
    return access(name.c_str(), X_OK) == 0 ? name : std::string();
  }
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    const std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    if (access(candidate.c_str(), X_OK) == 0) {
      return candidate;
    }
  }
  return "";
}

Result<std::unique_ptr<ChallTestSrv>> ChallTestSrv::Start(const std::string& binary) {
  const std::string path = FindOnPath(binary);
  if (path.empty()) {
    return FailedPreconditionError(binary + " not found on PATH (Debian package pebble)");
  }
  Status last;
  for (int attempt = 0; attempt < 3; ++attempt) {  // a picked port may be taken meanwhile
    std::unique_ptr<ChallTestSrv> srv(new ChallTestSrv());
    last = srv->Launch(path);
    if (last.ok()) {
      return srv;
    }
  }
  return last;
}

ChallTestSrv::~ChallTestSrv() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  if (!log_path_.empty()) {
    unlink(log_path_.c_str());
  }
}

std::string ChallTestSrv::log() const {
  std::ifstream in(log_path_, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Status ChallTestSrv::SetTxt(const std::string& host, const std::string& value) {
  return Post("/set-txt", nlohmann::json{{"host", host}, {"value", value}});
}

Status ChallTestSrv::ClearTxt(const std::string& host) { return Post("/clear-txt", nlohmann::json{{"host", host}}); }

Status ChallTestSrv::Post(const std::string& path, const nlohmann::json& body) {
  httplib::Client client("127.0.0.1", management_port_);
  client.set_connection_timeout(std::chrono::seconds(1));
  client.set_read_timeout(std::chrono::seconds(2));
  auto response = client.Post(path, body.dump(), "application/json");
  if (!response) {
    return UnavailableError("challtestsrv " + path + ": " + httplib::to_string(response.error()));
  }
  if (response->status != 200) {
    return UnavailableError("challtestsrv " + path + ": HTTP " + std::to_string(response->status) + " " +
                            response->body);
  }
  return Status::Ok();
}

Status ChallTestSrv::Launch(const std::string& binary) {
  IONOS_ASSIGN_OR_RETURN(dns_port_, PickFreeLoopbackPort(/*udp=*/true));
  IONOS_ASSIGN_OR_RETURN(management_port_, PickFreeLoopbackPort());
  char log_template[] = "/tmp/ionos-challtestsrv-XXXXXX";
  const int log_fd = mkstemp(log_template);
  if (log_fd < 0) {
    return InternalError(std::string("mkstemp: ") + std::strerror(errno));
  }
  log_path_ = log_template;
  std::vector<std::string> args = {binary,      "-dns01",   "127.0.0.1:" + std::to_string(dns_port_),
                                   "-management", "127.0.0.1:" + std::to_string(management_port_),
                                   "-http01",     "",         "-https01",
                                   "",            "-tlsalpn01", ""};
  std::vector<char*> argv;
  for (std::string& a : args) {
    argv.push_back(a.data());
  }
  argv.push_back(nullptr);
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) {
    close(log_fd);
    return InternalError(std::string("fork: ") + std::strerror(errno));
  }
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) {
      _exit(127);
    }
    dup2(log_fd, STDOUT_FILENO);
    dup2(log_fd, STDERR_FILENO);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(log_fd);
  pid_ = pid;

  // Ready when the management API answers and the DNS server answers a query.
  LdnsResolver probe(std::chrono::milliseconds(200));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  Status last = UnavailableError("not tried");
  while (std::chrono::steady_clock::now() < deadline) {
    int wstatus = 0;
    if (waitpid(pid_, &wstatus, WNOHANG) == pid_) {
      pid_ = -1;
      return UnavailableError("pebble-challtestsrv exited during start-up; log: " + log());
    }
    last = ClearTxt("ready.invalid.");
    if (last.ok()) {
      last = probe.QueryTxt(dns_address(), "ready.invalid").status();
      if (last.ok()) {
        return Status::Ok();
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return DeadlineExceededError("pebble-challtestsrv did not become ready: " + last.message() + "; log: " + log());
}

}  // namespace ionos::fakes
