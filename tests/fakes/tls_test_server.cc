#include "tests/fakes/tls_test_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include <memory>

#include "core/crypto/crypto.h"

namespace ionos::testing {
namespace {

using SslCtxPtr = std::unique_ptr<SSL_CTX, internal::OpenSslDeleter<SSL_CTX, SSL_CTX_free>>;
using SslPtr = std::unique_ptr<SSL, internal::OpenSslDeleter<SSL, SSL_free>>;

// Notes the SNI of every ClientHello. It runs before the server answers, so the name is noted
// before the client can finish its handshake. Called with or without an SNI extension.
int NoteServerName(SSL* ssl, int*, void* arg) {
  const char* sni = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
  static_cast<TlsTestServer*>(arg)->NoteServerName(sni != nullptr ? sni : "");
  return SSL_TLSEXT_ERR_OK;
}

Result<SslCtxPtr> ServerContext(TlsTestServer* server, const std::string& chain_pem, const std::string& key_pem) {
  SslCtxPtr ctx(SSL_CTX_new(TLS_server_method()));
  if (!ctx) return InternalError("SSL_CTX_new: " + TakeOpenSslError());
  SSL_CTX_set_tlsext_servername_callback(ctx.get(), NoteServerName);
  SSL_CTX_set_tlsext_servername_arg(ctx.get(), server);
  IONOS_ASSIGN_OR_RETURN(std::vector<X509Ptr> chain, ParseCertificatesPem(chain_pem));
  if (SSL_CTX_use_certificate(ctx.get(), chain[0].get()) != 1) return InternalError("use_certificate: " + TakeOpenSslError());
  for (size_t i = 1; i < chain.size(); ++i) {
    // add1: the context takes its own reference.
    if (SSL_CTX_add1_chain_cert(ctx.get(), chain[i].get()) != 1) return InternalError("add1_chain_cert: " + TakeOpenSslError());
  }
  IONOS_ASSIGN_OR_RETURN(PrivateKey key, PrivateKey::FromPem(key_pem));
  if (SSL_CTX_use_PrivateKey(ctx.get(), key.get()) != 1) return InternalError("use_PrivateKey: " + TakeOpenSslError());
  return ctx;
}

}  // namespace

Result<std::unique_ptr<TlsTestServer>> TlsTestServer::Start(Mode mode, const std::string& chain_pem,
                                                             const std::string& key_pem) {
  std::unique_ptr<TlsTestServer> server(new TlsTestServer());
  server->mode_ = mode;
  if (mode == Mode::kServe) {
    IONOS_ASSIGN_OR_RETURN(SslCtxPtr ctx, ServerContext(server.get(), chain_pem, key_pem));
    server->ssl_ctx_ = ctx.release();
  }
  server->listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (server->listen_fd_ < 0) return InternalError("socket failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (::bind(server->listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) return InternalError("bind failed");
  socklen_t len = sizeof(addr);
  ::getsockname(server->listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  server->port_ = ntohs(addr.sin_port);
  if (mode == Mode::kRefuse) return server;  // bound, never listening: connections are refused
  if (::listen(server->listen_fd_, 16) != 0) return InternalError("listen failed");
  if (::pipe2(server->stop_pipe_, O_CLOEXEC) != 0) return InternalError("pipe failed");
  server->thread_ = std::thread([s = server.get()] { s->Serve(); });
  return server;
}

TlsTestServer::~TlsTestServer() {
  if (thread_.joinable()) {
    const char byte = 0;
    (void)!::write(stop_pipe_[1], &byte, 1);
    thread_.join();
  }
  for (int fd : held_) ::close(fd);
  for (int fd : {listen_fd_, stop_pipe_[0], stop_pipe_[1]}) {
    if (fd >= 0) ::close(fd);
  }
  if (ssl_ctx_ != nullptr) SSL_CTX_free(static_cast<SSL_CTX*>(ssl_ctx_));
}

void TlsTestServer::NoteServerName(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  server_names_.push_back(name);
}

std::vector<std::string> TlsTestServer::server_names() const {
  std::lock_guard<std::mutex> lock(mu_);
  return server_names_;
}

void TlsTestServer::Serve() {
  // A client that hangs up makes our writes fail with EPIPE; the signal goes to this thread only
  // (it is synchronous), so blocking it here keeps it from ending the test process.
  sigset_t pipe;
  sigemptyset(&pipe);
  sigaddset(&pipe, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe, nullptr);
  for (;;) {
    pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {stop_pipe_[0], POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) continue;
    if (fds[1].revents != 0) return;
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    if (mode_ == Mode::kSilent) {
      std::lock_guard<std::mutex> lock(mu_);
      held_.push_back(fd);
      continue;
    }
    if (mode_ == Mode::kHangUp) {
      ::close(fd);
      continue;
    }
    // A client that stalls must not stall the server for long.
    timeval tv{5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    SslPtr ssl(SSL_new(static_cast<SSL_CTX*>(ssl_ctx_)));
    if (ssl && SSL_set_fd(ssl.get(), fd) == 1 && SSL_accept(ssl.get()) == 1) {
      ++handshakes_;
      SSL_shutdown(ssl.get());
    }
    ERR_clear_error();
    ssl.reset();
    ::close(fd);
  }
}

}  // namespace ionos::testing
