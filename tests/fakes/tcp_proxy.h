// A TCP proxy on 127.0.0.1 in front of another loopback server, for tests of what a client does
// when the network between it and its server misbehaves:
//   Freeze(true)  every connection stays open but nothing is forwarded any more, either way (a
//                 half-open connection, a NAT or load balancer that dropped the flow, a server
//                 that stopped answering); Freeze(false) forwards again.
//   DropAnswersOfOpenConnections()
//                 the connections open now still carry what the client sends, but the server's
//                 answers never arrive (the server acted, the answer was lost: a failover or a
//                 NAT that dropped the flow mid-request); connections opened later work.
//   CloseOpenConnections()
//                 the connections open now are closed (both ways, as a server restart or a NAT
//                 reset does); connections opened later work.
//   SilenceOpenConnections()
//                 the connections open now carry nothing any more, either way, and stay open (a
//                 NAT or load balancer that forgot idle flows without a word, a failover): only
//                 sending something finds out; connections opened later work.
// Each accepted connection gets its own upstream connection and two forwarding threads. The
// destructor closes everything and joins every thread. Thread-safe.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace ionos::fakes {

class TcpProxy {
 public:
  // Listens on a free 127.0.0.1 port and forwards to 127.0.0.1:`upstream_port`.
  explicit TcpProxy(int upstream_port);
  ~TcpProxy();
  TcpProxy(const TcpProxy&) = delete;
  TcpProxy& operator=(const TcpProxy&) = delete;

  int port() const { return port_; }
  void Freeze(bool frozen) { frozen_ = frozen; }
  void DropAnswersOfOpenConnections();
  void SilenceOpenConnections();
  void CloseOpenConnections();
  // Connections accepted so far.
  int accepted() const { return accepted_; }

 private:
  struct Pair {
    int client = -1;
    int upstream = -1;
    std::atomic<bool> drop_answers{false};
    std::atomic<bool> silenced{false};
    std::thread to_upstream;
    std::thread to_client;
  };
  void Accept();
  // Forwards from `from` to `to` until either ends; drops what it reads while frozen or while
  // `drop` or `also_drop` (when given) is set.
  void Pump(int from, int to, const std::atomic<bool>* drop, const std::atomic<bool>* also_drop);

  const int upstream_port_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> frozen_{false};
  std::atomic<int> accepted_{0};
  std::thread acceptor_;
  std::mutex mu_;
  std::vector<std::unique_ptr<Pair>> pairs_;
};

}  // namespace ionos::fakes
