// Serving the provider the way go-plugin (and so Terraform) expects:
// magic cookie check, a gRPC server on a unix socket, AutoMTLS when
// PLUGIN_CLIENT_CERT is set, the one handshake line on stdout, the
// GRPCController/GRPCStdio/GRPCBroker services, and a prompt exit on Shutdown.
// Facts: hashicorp/go-plugin's handshake and AutoMTLS, Terraform's plugin protocol 6.
#pragma once

#include <string>

namespace grpc {
class Service;
}

namespace ionos::tf {

inline constexpr char kMagicCookieKey[] = "TF_PLUGIN_MAGIC_COOKIE";
inline constexpr char kMagicCookieValue[] = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";

// Called once, from the Shutdown RPC or after the server has stopped.
class ShutdownListener {
 public:
  virtual ~ShutdownListener() = default;
  virtual void OnShutdown() = 0;
};

// True when the process was started by Terraform (the magic cookie is set).
bool StartedByTerraform();

// The message printed when a person runs the binary directly.
std::string NotAPluginMessage(const std::string& program);

// With AutoMTLS (PLUGIN_CLIENT_CERT set), starts making the server's key and certificate on
// another thread, so that it overlaps whatever the caller does before ServeGoPlugin (building the
// provider). Optional: ServeGoPlugin does it itself if nobody called this.
void PrepareAutoMtls();

// Serves `provider_service` until Terraform calls GRPCController.Shutdown.
// Returns the process exit code.
int ServeGoPlugin(grpc::Service* provider_service, ShutdownListener* listener);

}  // namespace ionos::tf
