#include "plugin/go_plugin.h"

#include <grpcpp/grpcpp.h>
#include <grpcpp/security/server_credentials.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <climits>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>

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

}  // namespace

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

  char dir_template[] = "/tmp/tf-provider-ionos-XXXXXX";
  const char* tmpdir = std::getenv("TMPDIR");
  std::string dir_pattern = (tmpdir != nullptr && *tmpdir != '\0' && std::strlen(tmpdir) < 60)
                                ? std::string(tmpdir) + "/tf-provider-ionos-XXXXXX"
                                : std::string(dir_template);
  std::vector<char> dir_buf(dir_pattern.begin(), dir_pattern.end());
  dir_buf.push_back('\0');
  if (mkdtemp(dir_buf.data()) == nullptr) {
    std::fprintf(stderr, "[ERROR] cannot create a directory for the plugin socket: %s\n", std::strerror(errno));
    return 1;
  }
  const std::string dir(dir_buf.data());
  const std::string socket_path = dir + "/plugin.sock";

  std::shared_ptr<grpc::ServerCredentials> creds;
  std::string cert_field;
  const char* client_cert = std::getenv("PLUGIN_CLIENT_CERT");
  if (client_cert != nullptr && *client_cert != '\0') {
    SystemClock clock;
    auto cert = GenerateSelfSignedServerCert(clock);
    if (!cert.ok()) {
      std::fprintf(stderr, "[ERROR] generating the plugin's TLS certificate: %s\n", cert.status().message().c_str());
      rmdir(dir.c_str());
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

  grpc::ServerBuilder builder;
  builder.AddListeningPort("unix:" + socket_path, creds);
  builder.SetMaxReceiveMessageSize(INT_MAX);
  builder.SetMaxSendMessageSize(INT_MAX);
  builder.RegisterService(provider_service);
  builder.RegisterService(&controller);
  builder.RegisterService(&stdio);
  builder.RegisterService(&broker);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (!server) {
    std::fprintf(stderr, "[ERROR] cannot start the gRPC server on %s\n", socket_path.c_str());
    rmdir(dir.c_str());
    return 1;
  }

  std::string line = "1|6|unix|" + socket_path + "|grpc|" + cert_field + "\n";
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fflush(stdout);

  shutdown.Wait();
  if (listener != nullptr) listener->OnShutdown();
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::milliseconds(200));
  unlink(socket_path.c_str());
  rmdir(dir.c_str());
  std::fflush(stderr);
  // Skip static destructors: gRPC's background threads may still be winding down.
  std::_Exit(0);
}

}  // namespace ionos::tf
