// The provider: its configuration (docs/index.md, provider "ionos") and the configured services
// every resource of one process shares: the store, the issuers, and the certificate and account
// managers of core/lifecycle, which hold every lifecycle rule. The services are made by injected
// factories (ServiceFactories), so the resources can be tested in process with fakes.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/base/clock.h"
#include "core/base/log.h"
#include "core/lifecycle/lifecycle.h"
#include "core/store/store.h"
#include "plugin/framework.h"

namespace ionos::tf {

struct ProviderConfig {
  std::string store_url;
  // Where store_url came from, for messages: "the store argument", "IONOS_CERT_STORE (used
  // because store is not set)" or "the default store path (...)".
  std::string store_named_by;
  bool store_from_environment = false;
  std::string encryption_key;  // raw 32 bytes or empty
  std::string key_source;      // StoreOptions::key_source: "" (store_encryption_key) or the variable
  std::string token;
  IssuanceSettings settings;   // DNS API URL, resolvers, extra roots, propagation timeout
  std::string certificate_manager_url;  // where auto certificates with publish = true upload
};

// Reads the configuration with environment fallbacks and validates every
// setting; errors carry the attribute path. Unknown values are skipped when
// `allow_unknown` (validation time).
std::optional<ProviderConfig> ParseProviderConfig(const Schema& schema, const Value& config, bool allow_unknown,
                                                  Diagnostics& diags);

// What ConfigureProvider builds; shared by all resources of the process: the configuration, the
// store and the process's Lifecycle.
class ProviderContext {
 public:
  ProviderContext(ProviderConfig config, std::unique_ptr<Store> store, const ServiceFactories& factories,
                  const Clock* clock, Random* random, Logger* log, const CancelToken* cancel);

  const ProviderConfig& config() const { return config_; }
  Store& store() { return *store_; }
  CertificateManager& certificates() { return lifecycle_.certificates(); }
  AccountManager& accounts() { return lifecycle_.accounts(); }
  const Clock& clock() const { return *clock_; }
  Logger& log() { return *log_; }

 private:
  ProviderConfig config_;
  std::unique_ptr<Store> store_;
  const Clock* clock_;
  Logger* log_;
  Lifecycle lifecycle_;
};

class Provider {
 public:
  // `factories` make the store, HTTP clients, DNS providers and resolvers (RealServiceFactories()
  // in the plugin, fakes in tests).
  Provider(ServiceFactories factories, const Clock* clock, Random* random, Logger* log, const CancelToken* cancel);

  const Schema& schema();
  void ValidateConfig(const Value& config, Diagnostics& diags);
  void Configure(const Value& config, Diagnostics& diags);
  // Null until Configure succeeded; resources report "provider not configured".
  ProviderContext* context();

  Resource* resource(const std::string& type_name);
  DataSource* data_source(const std::string& type_name);
  EphemeralResource* ephemeral_resource(const std::string& type_name);
  std::vector<std::string> resource_types();
  std::vector<std::string> data_source_types();
  std::vector<std::string> ephemeral_resource_types();

  Logger& log() { return *log_; }
  const CancelToken* cancel() const { return cancel_; }

  // A problem found before Terraform connected (an invalid IONOS_CERT_NOW): ConfigureProvider
  // reports it as an error and the provider stays unconfigured.
  void SetConfigurationError(std::string summary, std::string detail);
  // A warning ConfigureProvider shows in every Terraform command (IONOS_CERT_NOW is set).
  void SetConfigurationWarning(std::string summary, std::string detail);

 private:
  void LoadSchemas();

  ServiceFactories factories_;
  const Clock* clock_;
  Random* random_;
  Logger* log_;
  const CancelToken* cancel_;
  std::once_flag schemas_once_;
  Schema schema_;
  std::map<std::string, std::unique_ptr<Resource>> resources_;
  std::map<std::string, std::unique_ptr<DataSource>> data_sources_;
  std::map<std::string, std::unique_ptr<EphemeralResource>> ephemeral_resources_;
  std::mutex mu_;
  std::unique_ptr<ProviderContext> context_;
  std::optional<std::pair<std::string, std::string>> configuration_error_;
  std::optional<std::pair<std::string, std::string>> configuration_warning_;
};

// The error for an id the store has never known (not one deleted from it): the store's own NotFound
// message, then which store and what to do; for a sqlite: store also that it belongs to one
// machine, so runners sharing the state must share a postgres:// store. Used by every
// resource's Read and Import.
// The message also says where the store's URL came from (ProviderConfig::store_named_by).
Status UnknownIdStatus(ProviderContext& ctx, const Status& not_found);

// Resource factories (one file each).
std::unique_ptr<Resource> NewCertificateProviderResource(Provider* provider, Schema schema);
std::unique_ptr<Resource> NewAutoCertificateResource(Provider* provider, Schema schema);
std::unique_ptr<DataSource> NewCertificateDataSource(Provider* provider, Schema schema);
std::unique_ptr<DataSource> NewServedCertificateDataSource(Provider* provider, Schema schema);
std::unique_ptr<EphemeralResource> NewCertificateEphemeralResource(Provider* provider, Schema schema);

}  // namespace ionos::tf
