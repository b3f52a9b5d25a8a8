#include "tests/fakes/tcp_proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace ionos::fakes {

namespace {

int ConnectLoopback(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (fd >= 0 && connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

}  // namespace

TcpProxy::TcpProxy(int upstream_port) : upstream_port_(upstream_port) {
  listen_fd_ = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 && listen(listen_fd_, 64) == 0 &&
      getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port_ = ntohs(addr.sin_port);
  }
  acceptor_ = std::thread([this] { Accept(); });
}

TcpProxy::~TcpProxy() {
  stopping_ = true;
  shutdown(listen_fd_, SHUT_RDWR);
  close(listen_fd_);
  acceptor_.join();
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& p : pairs_) {
    shutdown(p->client, SHUT_RDWR);
    shutdown(p->upstream, SHUT_RDWR);
  }
  for (auto& p : pairs_) {
    p->to_upstream.join();
    p->to_client.join();
    close(p->client);
    close(p->upstream);
  }
}

void TcpProxy::Accept() {
  while (!stopping_) {
    const int client = accept(listen_fd_, nullptr, nullptr);
    if (client < 0) {
      return;
    }
    const int upstream = ConnectLoopback(upstream_port_);
    if (upstream < 0) {
      close(client);
      continue;
    }
    ++accepted_;
    auto pair = std::make_unique<Pair>();
    pair->client = client;
    pair->upstream = upstream;
    const std::atomic<bool>* drop_answers = &pair->drop_answers;
    const std::atomic<bool>* silenced = &pair->silenced;
    pair->to_upstream = std::thread([this, client, upstream, silenced] { Pump(client, upstream, silenced, nullptr); });
    pair->to_client = std::thread(
        [this, client, upstream, drop_answers, silenced] { Pump(upstream, client, drop_answers, silenced); });
    std::lock_guard<std::mutex> lock(mu_);
    pairs_.push_back(std::move(pair));
  }
}

void TcpProxy::Pump(int from, int to, const std::atomic<bool>* drop, const std::atomic<bool>* also_drop) {
  char buf[16384];
  for (;;) {
    const ssize_t n = recv(from, buf, sizeof buf, 0);
    if (n <= 0) {
      shutdown(to, SHUT_WR);
      return;
    }
    if (frozen_ || (drop != nullptr && *drop) || (also_drop != nullptr && *also_drop)) {
      continue;  // swallowed: the other side never hears of it
    }
    for (ssize_t sent = 0; sent < n;) {
      const ssize_t w = send(to, buf + sent, static_cast<size_t>(n - sent), MSG_NOSIGNAL);
      if (w <= 0) {
        return;
      }
      sent += w;
    }
  }
}

void TcpProxy::DropAnswersOfOpenConnections() {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& p : pairs_) {
    p->drop_answers = true;
  }
}

}  // namespace ionos::fakes

namespace ionos::fakes {

void TcpProxy::CloseOpenConnections() {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& p : pairs_) {
    shutdown(p->client, SHUT_RDWR);
    shutdown(p->upstream, SHUT_RDWR);
  }
}

void TcpProxy::SilenceOpenConnections() {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& p : pairs_) {
    p->silenced = true;
  }
}

}  // namespace ionos::fakes
