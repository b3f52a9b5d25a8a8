// File: core/monitor/served_certificate.cc
//
// The TLS probe of served certificates (see served_certificate.h for the contract).
#include "core/monitor/served_certificate.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>

#include "core/base/host_port.h"
#include "core/base/strings.h"
#include "core/crypto/crypto.h"
#include "core/crypto/x509.h"

namespace ionos {
namespace {

using SslCtxPtr = std::unique_ptr<SSL_CTX, internal::OpenSslDeleter<SSL_CTX, SSL_CTX_free>>;
using SslPtr = std::unique_ptr<SSL, internal::OpenSslDeleter<SSL, SSL_free>>;
using X509StoreCtxPtr = std::unique_ptr<X509_STORE_CTX, internal::OpenSslDeleter<X509_STORE_CTX, X509_STORE_CTX_free>>;

// The socket of one connection attempt; closed when it goes out of scope.
class SocketFd {
 public:
  explicit SocketFd(int fd) : fd_(fd) {}
  SocketFd(const SocketFd&) = delete;
  SocketFd& operator=(const SocketFd&) = delete;
  SocketFd(SocketFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  SocketFd& operator=(SocketFd&& other) noexcept {
    if (this != &other) {
      Reset();
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  ~SocketFd() { Reset(); }
  int get() const { return fd_; }

 private:
  void Reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  int fd_;
};

// Blocks SIGPIPE for this thread while it exists. A server that hangs up in the middle of the
// handshake makes OpenSSL's next write fail with EPIPE, and the kernel raises SIGPIPE, whose
// default action ends the process (the provider plugin, or the command). A SIGPIPE raised while
// blocked stays pending on this thread and is consumed before the old mask comes back.
class ScopedSigpipeBlock {
 public:
  ScopedSigpipeBlock() {
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_, &old_);
    sigset_t pending;
    sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
  }
  ScopedSigpipeBlock(const ScopedSigpipeBlock&) = delete;
  ScopedSigpipeBlock& operator=(const ScopedSigpipeBlock&) = delete;
  ~ScopedSigpipeBlock() {
    sigset_t pending;
    sigpending(&pending);
    if (!was_pending_ && sigismember(&pending, SIGPIPE) == 1) {
      const timespec zero{0, 0};
      sigtimedwait(&pipe_, nullptr, &zero);
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }

 private:
  sigset_t pipe_;
  sigset_t old_;
  bool was_pending_ = false;
};

// The probe's deadline. Network waits are measured on the monotonic clock (as the store's
// database deadlines are): the injected Clock is the time the certificate is judged at, which a
// test or IONOS_CERT_NOW may move, not a stopwatch.
class Deadline {
 public:
  explicit Deadline(Duration timeout) : end_(std::chrono::steady_clock::now() + timeout) {}
  // Milliseconds left for poll(), at least 0.
  int RemainingMs() const {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(end_ - std::chrono::steady_clock::now()).count();
    return static_cast<int>(std::clamp<int64_t>(left, 0, 24 * 3600 * 1000));
  }
  bool Passed() const { return std::chrono::steady_clock::now() >= end_; }

 private:
  std::chrono::steady_clock::time_point end_;
};

// Waits until `fd` is readable or writable as `events` asks. kDeadlineExceeded when the deadline
// passes first.
Status WaitFor(int fd, short events, const Deadline& deadline, const std::string& what, Duration timeout) {
  for (;;) {
    pollfd p{fd, events, 0};
    const int rc = ::poll(&p, 1, deadline.RemainingMs());
    if (rc > 0) return Status::Ok();
    if (rc == 0) return DeadlineExceededError("timed out after " + FormatDuration(timeout) + " while " + what);
    if (errno != EINTR) return UnavailableError(what + ": poll: " + std::strerror(errno));
  }
}

struct Addresses {
  std::vector<sockaddr_storage> items;
  std::vector<socklen_t> lengths;
};

// The addresses of `host`. An IP literal needs no lookup. A name is looked up by getaddrinfo on a
// thread of its own, because getaddrinfo has no timeout: when the deadline passes first the
// lookup is left to finish (or fail) on its own, and its result is dropped.
Result<Addresses> Resolve(const std::string& host, uint16_t port, const Deadline& deadline, Duration timeout) {
  struct Lookup {
    std::mutex mu;
    std::condition_variable cv;
    bool done = false;
    int rc = 0;
    Addresses out;
  };
  auto lookup = std::make_shared<Lookup>();
  auto run = [host, port, lookup](bool numeric) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV | (numeric ? AI_NUMERICHOST : 0);
    addrinfo* found = nullptr;
    const int rc = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found);
    Addresses out;
    for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
      sockaddr_storage s{};
      std::memcpy(&s, a->ai_addr, a->ai_addrlen);
      out.items.push_back(s);
      out.lengths.push_back(a->ai_addrlen);
    }
    if (found != nullptr) ::freeaddrinfo(found);
    std::lock_guard<std::mutex> lock(lookup->mu);
    lookup->rc = rc;
    lookup->out = std::move(out);
    lookup->done = true;
    lookup->cv.notify_all();
  };
  if (IpLiteralFamily(host) != IpFamily::kNone) {
    run(/*numeric=*/true);
  } else {
    std::thread(run, /*numeric=*/false).detach();
    std::unique_lock<std::mutex> lock(lookup->mu);
    if (!lookup->cv.wait_for(lock, std::chrono::milliseconds(deadline.RemainingMs()), [&] { return lookup->done; })) {
      return DeadlineExceededError("timed out after " + FormatDuration(timeout) + " while resolving " + host);
    }
  }
  std::lock_guard<std::mutex> lock(lookup->mu);
  if (lookup->rc != 0) {
    return NotFoundError("cannot resolve the host " + host + ": " + ::gai_strerror(lookup->rc));
  }
  if (lookup->out.items.empty()) return NotFoundError("cannot resolve the host " + host + ": no address");
  return lookup->out;
}

// A connected non-blocking socket to one of `addresses`, tried in order within the deadline.
Result<SocketFd> Connect(const Addresses& addresses, const Deadline& deadline, Duration timeout) {
  Status last = UnavailableError("cannot connect: no address");
  for (size_t i = 0; i < addresses.items.size(); ++i) {
    const sockaddr* addr = reinterpret_cast<const sockaddr*>(&addresses.items[i]);
    SocketFd fd(::socket(addr->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (fd.get() < 0) {
      last = UnavailableError(std::string("cannot connect: socket: ") + std::strerror(errno));
      continue;
    }
    int rc = ::connect(fd.get(), addr, addresses.lengths[i]);
    if (rc != 0 && errno != EINPROGRESS) {
      last = errno == ECONNREFUSED ? UnavailableError("connection refused")
                                   : UnavailableError(std::string("cannot connect: ") + std::strerror(errno));
      continue;
    }
    if (rc != 0) {
      IONOS_RETURN_IF_ERROR(WaitFor(fd.get(), POLLOUT, deadline, "connecting", timeout));
      int error = 0;
      socklen_t len = sizeof(error);
      if (::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &error, &len) != 0) error = errno;
      if (error != 0) {
        last = error == ECONNREFUSED ? UnavailableError("connection refused")
                                     : UnavailableError(std::string("cannot connect: ") + std::strerror(error));
        continue;
      }
    }
    return fd;
  }
  return last;
}

// The leaf's issuer in RFC 2253 form ("CN=R11,O=Let's Encrypt,C=US").
std::string IssuerName(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio) return "";
  if (X509_NAME_print_ex(bio.get(), X509_get_issuer_name(cert), 0, XN_FLAG_RFC2253) < 0) return "";
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return n > 0 ? std::string(data, static_cast<size_t>(n)) : std::string();
}

// Verifies the chain the server sent (leaf first, then what it offered as intermediates) for the
// TLS server purpose at `now`. "" when it verifies, else OpenSSL's reason.
std::string VerifyChain(X509* leaf, STACK_OF(X509) * sent, const std::string& ca_pem, TimePoint now) {
  X509StorePtr store(X509_STORE_new());
  if (!store) return "X509_STORE_new failed";
  if (ca_pem.empty()) {
    X509_STORE_set_default_paths(store.get());  // honours SSL_CERT_FILE / SSL_CERT_DIR
  } else {
    Result<std::vector<X509Ptr>> roots = ParseCertificatesPem(ca_pem);
    if (!roots.ok()) return roots.status().message();
    for (const X509Ptr& root : *roots) X509_STORE_add_cert(store.get(), root.get());
  }
  ERR_clear_error();
  X509StoreCtxPtr ctx(X509_STORE_CTX_new());
  if (!ctx || X509_STORE_CTX_init(ctx.get(), store.get(), leaf, sent) != 1) return "X509_STORE_CTX_init failed";
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
  X509_VERIFY_PARAM_set_purpose(param, X509_PURPOSE_SSL_SERVER);
  X509_VERIFY_PARAM_set_time(param, std::chrono::system_clock::to_time_t(now));
  const int ok = X509_verify_cert(ctx.get());
  ERR_clear_error();
  if (ok == 1) return "";
  return X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx.get()));
}

// True when the leaf is valid for `name` (a DNS name, wildcards as RFC 6125 §6.4.3 allows, or an
// IP address literal matched against iPAddress entries).
bool NameMatches(X509* leaf, const std::string& name) {
  if (IpLiteralFamily(name) != IpFamily::kNone) return X509_check_ip_asc(leaf, name.c_str(), 0) == 1;
  return X509_check_host(leaf, name.c_str(), name.size(), X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS, nullptr) == 1;
}

Result<ServedCertificate> Probe(const ProbeRequest& request, const std::string& server_name, const Clock& clock) {
  const Deadline deadline(request.timeout);
  const ScopedSigpipeBlock no_sigpipe;
  IONOS_ASSIGN_OR_RETURN(Addresses addresses, Resolve(request.host, request.port, deadline, request.timeout));
  IONOS_ASSIGN_OR_RETURN(SocketFd fd, Connect(addresses, deadline, request.timeout));

  SslCtxPtr ctx(SSL_CTX_new(TLS_client_method()));
  if (!ctx) return InternalError("SSL_CTX_new: " + TakeOpenSslError());
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
  // Any certificate completes the handshake: the chain and the name are checked afterwards, so an
  // untrusted certificate is still described (chain_verified = false).
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);
  SslPtr ssl(SSL_new(ctx.get()));
  if (!ssl || SSL_set_fd(ssl.get(), fd.get()) != 1) return InternalError("SSL_new: " + TakeOpenSslError());
  // RFC 6066 §3: "Literal IPv4 and IPv6 addresses are not permitted in "HostName"."
  if (IpLiteralFamily(server_name) == IpFamily::kNone &&
      SSL_set_tlsext_host_name(ssl.get(), server_name.c_str()) != 1) {
    return InvalidArgumentError("the server name " + server_name + " cannot be sent as SNI: " + TakeOpenSslError());
  }
  for (;;) {
    ERR_clear_error();
    const int rc = SSL_connect(ssl.get());
    if (rc == 1) break;
    const int err = SSL_get_error(ssl.get(), rc);
    if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
      IONOS_RETURN_IF_ERROR(WaitFor(fd.get(), err == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline,
                                    "waiting for the TLS handshake", request.timeout));
      continue;
    }
    std::string reason = TakeOpenSslError("");
    if (reason.empty()) {
      reason = err == SSL_ERROR_SYSCALL || err == SSL_ERROR_ZERO_RETURN ? "the server closed the connection"
                                                                       : "SSL error " + std::to_string(err);
    }
    return AbortedError("TLS handshake failed: " + reason);
  }
  X509Ptr leaf(SSL_get1_peer_certificate(ssl.get()));
  if (!leaf) return AbortedError("TLS handshake failed: the server sent no certificate");
  // Close politely without waiting for the server's close_notify.
  SSL_shutdown(ssl.get());
  ERR_clear_error();

  IONOS_ASSIGN_OR_RETURN_CTX(std::string pem, CertificateToPem(leaf.get()), "reading the served certificate");
  IONOS_ASSIGN_OR_RETURN_CTX(CertificateInfo info, InspectCertificate(pem), "reading the served certificate");
  ServedCertificate out;
  out.server_name = server_name;
  out.serial_number = info.serial_number;
  out.not_before = info.not_before;
  out.not_after = info.not_after;
  out.fingerprint_sha256 = info.fingerprint_sha256;
  out.dns_names = info.dns_names;
  out.issuer = IssuerName(leaf.get());
  out.certificate_pem = pem;
  if (!NameMatches(leaf.get(), server_name)) {
    std::string names = Join(info.dns_names, ", ");
    return FailedPreconditionError("serves a certificate for " + (names.empty() ? "no DNS name" : names) +
                                   " (serial " + info.serial_number + "), not for " + server_name +
                                   " (name mismatch)");
  }
  // On the client side the peer chain starts with the leaf; the rest is what the server offered.
  out.verify_error = VerifyChain(leaf.get(), SSL_get_peer_cert_chain(ssl.get()), request.ca_certificates_pem,
                                 clock.Now());
  out.chain_verified = out.verify_error.empty();
  return out;
}

}  // namespace

Result<ServedCertificate> ProbeServedCertificate(const ProbeRequest& request, const Clock& clock) {
  const std::string server_name = request.server_name.empty() ? request.host : request.server_name;
  std::string where = JoinHostPort(request.host, request.port);
  if (server_name != request.host) where += " (server name " + server_name + ")";
  if (request.host.empty()) return InvalidArgumentError("probing an endpoint: the host is empty");
  if (request.timeout <= Duration::zero()) return InvalidArgumentError("probing " + where + ": the timeout is not positive");
  return Probe(request, server_name, clock).WithContext(where);
}

ProbeFailure ProbeFailureKind(const Status& status) {
  switch (status.code()) {
    case StatusCode::kNotFound: return ProbeFailure::kUnresolvable;
    case StatusCode::kUnavailable:
      return status.message().ends_with("connection refused") ? ProbeFailure::kRefused : ProbeFailure::kUnreachable;
    case StatusCode::kDeadlineExceeded: return ProbeFailure::kTimedOut;
    case StatusCode::kAborted: return ProbeFailure::kHandshake;
    case StatusCode::kFailedPrecondition: return ProbeFailure::kNameMismatch;
    default: return ProbeFailure::kOther;
  }
}

const char* ProbeFailureName(ProbeFailure failure) {
  switch (failure) {
    case ProbeFailure::kUnresolvable: return "unresolvable";
    case ProbeFailure::kRefused: return "refused";
    case ProbeFailure::kUnreachable: return "unreachable";
    case ProbeFailure::kTimedOut: return "timed out";
    case ProbeFailure::kHandshake: return "handshake failed";
    case ProbeFailure::kNameMismatch: return "name mismatch";
    case ProbeFailure::kOther: break;
  }
  return "failed";
}

}  // namespace ionos
