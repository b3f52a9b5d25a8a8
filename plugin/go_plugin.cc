#include "plugin/go_plugin.h"

#include <grpcpp/grpcpp.h>
#include <grpcpp/security/server_credentials.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <future>
#include <mutex>
#include <string>
#include <vector>

#include "core/base/clock.h"
#include "core/crypto/crypto.h"
#include "core/base/encoding.h"
#include "grpc_broker.grpc.pb.h"
#include "grpc_controller.grpc.pb.h"
#include "grpc_stdio.grpc.pb.h"

namespace ionos::tf {
namespace {

// Signalled by GRPCController.Shutdown; the main thread waits on it.
class ShutdownSignal {
 public:
  void Fire() {
    std::lock_guard<std::mutex> lock(mu_);
    fired_ = true;
    cv_.notify_all();
  }
  void Wait() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return fired_; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool fired_ = false;
};

class ControllerService final : public plugin::GRPCController::Service {
 public:
  explicit ControllerService(ShutdownSignal* signal) : signal_(signal) {}
  grpc::Status Shutdown(grpc::ServerContext*, const plugin::Empty*, plugin::Empty*) override {
    signal_->Fire();
    return grpc::Status::OK;
  }

 private:
  ShutdownSignal* signal_;
};

// Logs go to stderr as hclog lines, never through this stream; Terraform only
// needs the stream to exist. Ending it at once is accepted (EOF at DEBUG).
class StdioService final : public plugin::GRPCStdio::Service {
 public:
  grpc::Status StreamStdio(grpc::ServerContext*, const google::protobuf::Empty*,
                           grpc::ServerWriter<plugin::StdioData>*) override {
    return grpc::Status::OK;
  }
};

// This provider brokers no extra connections.
class BrokerService final : public plugin::GRPCBroker::Service {
 public:
  grpc::Status StartStream(grpc::ServerContext*,
                           grpc::ServerReaderWriter<plugin::ConnInfo, plugin::ConnInfo>*) override {
    return grpc::Status::OK;
  }
};

// Where the gRPC server listens: the address for gRPC and the one the handshake line gives
// Terraform (go-plugin dials it with Go's net package).
struct PluginSocket {
  std::string grpc_address;
  std::string handshake_address;
  std::string directory;  // the temporary directory to remove, if any

  void Remove() const {
    if (directory.empty()) return;
    unlink((directory + "/plugin.sock").c_str());
    rmdir(directory.c_str());
  }
};

// With AutoMTLS on Linux: a socket in the abstract namespace. It costs no inode (creating the
// directory and the socket file was a noticeable part of start-up on a busy /tmp), and vanishes
// with the process however it ends. Anyone on the machine may connect to it, so it is used only
// when the server requires Terraform's client certificate; Go dials a unix address that starts
// with '@' in the abstract namespace. Empty outside Linux.
PluginSocket AbstractSocket() {
  PluginSocket out;
#ifdef __linux__
  uint8_t bytes[12];
  SystemRandom random;
  if (!random.Fill(bytes, sizeof bytes).ok()) return out;
  const std::string name = "tf-provider-ionos-" + std::to_string(getpid()) + "-" +
                           HexEncode(std::string_view(reinterpret_cast<const char*>(bytes), sizeof bytes));
  out.grpc_address = "unix-abstract:" + name;
  out.handshake_address = "@" + name;
#endif
  return out;
}

// go-plugin's own way: a socket file in a new private (0700) directory under $TMPDIR or /tmp.
PluginSocket SocketInTemporaryDirectory() {
  PluginSocket out;
  const char* tmpdir = std::getenv("TMPDIR");
  std::string pattern = (tmpdir != nullptr && *tmpdir != '\0' && std::strlen(tmpdir) < 60)
                            ? std::string(tmpdir) + "/tf-provider-ionos-XXXXXX"
                            : std::string("/tmp/tf-provider-ionos-XXXXXX");
  std::vector<char> buf(pattern.begin(), pattern.end());
  buf.push_back('\0');
  if (mkdtemp(buf.data()) == nullptr) {
    std::fprintf(stderr, "[ERROR] cannot create a directory for the plugin socket: %s\n", std::strerror(errno));
    return out;
  }
  out.directory = buf.data();
  out.handshake_address = out.directory + "/plugin.sock";
  out.grpc_address = "unix:" + out.handshake_address;
  return out;
}

// The AutoMTLS server certificate, made once (PrepareAutoMtls).
std::shared_future<Result<SelfSignedCert>>& ServerCertificate() {
  static std::shared_future<Result<SelfSignedCert>> certificate;
  return certificate;
}

}  // namespace

void PrepareAutoMtls() {
  const char* client_cert = std::getenv("PLUGIN_CLIENT_CERT");
  if (client_cert == nullptr || *client_cert == '\0' || ServerCertificate().valid()) return;
  ServerCertificate() = std::async(std::launch::async, [] {
                          SystemClock clock;
                          return GenerateSelfSignedServerCert(clock);
                        }).share();
}

bool StartedByTerraform() {
  const char* v = std::getenv(kMagicCookieKey);
  return v != nullptr && std::strcmp(v, kMagicCookieValue) == 0;
}

std::string NotAPluginMessage(const std::string& program) {
  return "This binary (" + program + ") is a plugin for Terraform (the ionos provider); Terraform starts it.\n"
         "Use it from a Terraform configuration; see the README. Its commands for people and schedulers:\n\n";
}

int ServeGoPlugin(grpc::Service* provider_service, ShutdownListener* listener) {
  // go-plugin servers ignore interrupts; Terraform sends StopProvider instead.
  signal(SIGINT, SIG_IGN);
  signal(SIGPIPE, SIG_IGN);

  std::shared_ptr<grpc::ServerCredentials> creds;
  std::string cert_field;
  const char* client_cert = std::getenv("PLUGIN_CLIENT_CERT");
  if (client_cert != nullptr && *client_cert != '\0') {
    PrepareAutoMtls();
    Result<SelfSignedCert> cert = ServerCertificate().get();
    if (!cert.ok()) {
      std::fprintf(stderr, "[ERROR] generating the plugin's TLS certificate: %s\n", cert.status().message().c_str());
      return 1;
    }
    grpc::SslServerCredentialsOptions opts(GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
    opts.pem_root_certs = client_cert;
    opts.pem_key_cert_pairs.push_back({cert->key_pem, cert->cert_pem});
    creds = grpc::SslServerCredentials(opts);
    cert_field = Base64Encode(cert->cert_der, /*pad=*/false);
  } else {
    creds = grpc::InsecureServerCredentials();
  }

  ShutdownSignal shutdown;
  ControllerService controller(&shutdown);
  StdioService stdio;
  BrokerService broker;

  auto start = [&](const std::string& address) {
    grpc::ServerBuilder builder;
    builder.AddListeningPort(address, creds);
    builder.SetMaxReceiveMessageSize(INT_MAX);
    builder.SetMaxSendMessageSize(INT_MAX);
    builder.RegisterService(provider_service);
    builder.RegisterService(&controller);
    builder.RegisterService(&stdio);
    builder.RegisterService(&broker);
    return builder.BuildAndStart();
  };
  std::unique_ptr<grpc::Server> server;
  PluginSocket socket;
  if (!cert_field.empty()) {
    socket = AbstractSocket();
    if (!socket.handshake_address.empty()) server = start(socket.grpc_address);
  }
  if (!server) {
    socket = SocketInTemporaryDirectory();
    if (socket.handshake_address.empty()) return 1;
    server = start(socket.grpc_address);
  }
  if (!server) {
    std::fprintf(stderr, "[ERROR] cannot start the gRPC server on %s\n", socket.handshake_address.c_str());
    socket.Remove();
    return 1;
  }

  std::string line = "1|6|unix|" + socket.handshake_address + "|grpc|" + cert_field + "\n";
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fflush(stdout);

  shutdown.Wait();
  if (listener != nullptr) listener->OnShutdown();
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::milliseconds(200));
  socket.Remove();
  std::fflush(stderr);
  // Skip static destructors: gRPC's background threads may still be winding down.
  std::_Exit(0);
}

}  // namespace ionos::tf
