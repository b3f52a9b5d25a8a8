// Runs pebble-challtestsrv (the mock DNS server of the Debian package pebble) on loopback for
// tests: only its DNS server (UDP and TCP) and its management API, each on a free 127.0.0.1 port.
//
// Start() launches it and waits until the management API answers and the DNS port answers a
// query (asked with the real LdnsResolver). The destructor kills it and removes its log. The child
// is killed when the thread that started it exits (PR_SET_PDEATHSIG): start it from the test's
// main thread. A binary that is not installed is kFailedPrecondition, so tests can skip.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "core/base/status.h"

namespace ionos::fakes {

class ChallTestSrv {
 public:
  // `binary`: a path, or a name looked up on PATH.
  static Result<std::unique_ptr<ChallTestSrv>> Start(const std::string& binary = "pebble-challtestsrv");
  ~ChallTestSrv();
  ChallTestSrv(const ChallTestSrv&) = delete;
  ChallTestSrv& operator=(const ChallTestSrv&) = delete;

  // "127.0.0.1:<port>" of the DNS server.
  std::string dns_address() const { return "127.0.0.1:" + std::to_string(dns_port_); }
  int dns_port() const { return dns_port_; }
  // Its stdout and stderr so far.
  std::string log() const;

  // TXT records through the management API; `host` with a trailing dot, as challtestsrv wants it.
  Status SetTxt(const std::string& host, const std::string& value);
  Status ClearTxt(const std::string& host);

 private:
  ChallTestSrv() = default;
  Status Post(const std::string& path, const nlohmann::json& body);
  Status Launch(const std::string& binary);

  pid_t pid_ = -1;
  int dns_port_ = 0;
  int management_port_ = 0;
  std::string log_path_;
};

// The executable `name` on PATH (or `name` itself when it contains a '/'), or "" when none.
std::string FindOnPath(const std::string& name);

}  // namespace ionos::fakes
