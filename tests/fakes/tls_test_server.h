// TlsTestServer: a real TLS server on 127.0.0.1 for the tests of the served-certificate probe
// (core/monitor/served_certificate.h). OpenSSL on a thread of its own, on a free port, stopped
// by the destructor. Modes:
//   kServe    completes the handshake with the given certificate chain and key, notes the SNI
//             the client sent, closes.
//   kSilent   accepts TCP connections and never answers (the client's deadline must end it).
//   kHangUp   accepts and closes at once (a handshake that fails).
//   kRefuse   the port is bound but not listening: connections are refused.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/base/status.h"

namespace ionos::testing {

class TlsTestServer {
 public:
  enum class Mode { kServe, kSilent, kHangUp, kRefuse };

  // `chain_pem`: the leaf first, then intermediates; `key_pem`: the leaf's key. Both unused
  // except in kServe.
  static Result<std::unique_ptr<TlsTestServer>> Start(Mode mode, const std::string& chain_pem = "",
                                                      const std::string& key_pem = "");
  ~TlsTestServer();
  TlsTestServer(const TlsTestServer&) = delete;
  TlsTestServer& operator=(const TlsTestServer&) = delete;

  uint16_t port() const { return port_; }
  // The server names clients sent as SNI, one entry per ClientHello ("" without SNI).
  std::vector<std::string> server_names() const;
  void NoteServerName(const std::string& name);  // for the SNI callback
  int handshakes() const { return handshakes_.load(); }

 private:
  TlsTestServer() = default;
  void Serve();

  Mode mode_ = Mode::kServe;
  int listen_fd_ = -1;
  int stop_pipe_[2] = {-1, -1};
  uint16_t port_ = 0;
  void* ssl_ctx_ = nullptr;  // SSL_CTX*, owned
  std::thread thread_;
  std::atomic<int> handshakes_{0};
  mutable std::mutex mu_;
  std::vector<std::string> server_names_;
  std::vector<int> held_;  // kSilent: accepted connections kept open until the end
};

}  // namespace ionos::testing
