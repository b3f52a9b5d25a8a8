// Runs a real Pebble (Let's Encrypt's ACME test CA, /usr/bin/pebble) on loopback for tests.
//
// Start() picks free 127.0.0.1 ports, writes a config and a fresh TLS certificate (for
// 127.0.0.1 and localhost, made with core/crypto) into a temporary directory, launches
//   pebble -config <dir>/pebble-config.json -dnsserver 127.0.0.1:<port>
// with PEBBLE_VA_NOSLEEP=1 and PEBBLE_WFE_NONCEREJECT=0 (both overridable through
// PebbleOptions::env), and waits until the directory answers. The destructor stops the process
// and removes the directory. Pebble's output goes to <dir>/pebble.log (see log()).
//
// The child is killed when the thread that started it exits (PR_SET_PDEATHSIG), so a crashed
// test never leaves a Pebble behind: start it from the test's main thread (SetUpTestSuite or the
// test body), not from a short-lived worker thread.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/base/status.h"

namespace ionos::fakes {

struct PebbleOptions {
  // Pebble then rejects newAccount without a binding (RFC 8555 §7.3.4).
  bool eab_required = false;
  // kid → base64url HMAC key. When empty and eab_required, one random key "kid-1" is made.
  std::map<std::string, std::string> eab_keys;
  // Environment for Pebble, applied after the defaults (e.g. {"PEBBLE_WFE_NONCEREJECT", "30"}).
  std::vector<std::pair<std::string, std::string>> env;
  // Members merged into the "pebble" object of the config (e.g. {"retryAfter": {...}}).
  nlohmann::json extra_config = nlohmann::json::object();
  // The DNS server Pebble's VA queries (-dnsserver); default: an unused loopback port.
  std::string dns_server;
  std::chrono::milliseconds start_timeout{10000};
  std::string binary = "pebble";  // looked up on PATH
};

class Pebble {
 public:
  static Result<std::unique_ptr<Pebble>> Start(PebbleOptions options = {});
  ~Pebble();
  Pebble(const Pebble&) = delete;
  Pebble& operator=(const Pebble&) = delete;

  // https://127.0.0.1:<port>/dir
  const std::string& directory_url() const { return directory_url_; }
  // https://127.0.0.1:<port> of the management interface (/roots/0, /intermediates/0, ...).
  const std::string& management_url() const { return management_url_; }
  // The self-signed certificate Pebble serves; trust it (HttpClientOptions::extra_ca_pem).
  const std::string& tls_cert_pem() const { return tls_cert_pem_; }
  const std::map<std::string, std::string>& eab_keys() const { return eab_keys_; }
  // The first EAB key id and its HMAC key (empty without EAB).
  std::string eab_kid() const;
  std::string eab_hmac_key() const;
  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  const std::string& dir() const { return dir_; }
  // Pebble's stdout/stderr so far.
  std::string log() const;

 private:
  Pebble() = default;
  Status Launch(const PebbleOptions& options);
  void Stop();

  std::string dir_;
  std::string directory_url_;
  std::string management_url_;
  std::string tls_cert_pem_;
  std::map<std::string, std::string> eab_keys_;
  int port_ = 0;
  pid_t pid_ = -1;
};

// A TCP (or UDP) port on 127.0.0.1 that was free a moment ago (bound to port 0, then released).
Result<int> PickFreeLoopbackPort(bool udp = false);

}  // namespace ionos::fakes
