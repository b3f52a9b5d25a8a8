// The provider: its configuration (DESIGN.md §2, provider "ionos") and the
// configured services that every resource of one process shares: the store,
// the HTTP client, one ACME client per directory URL, the clock.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/acme/acme_client.h"
#include "core/lifecycle/certificate_issuer.h"
#include "core/dns/propagation.h"
#include "core/dns/ionos_cloud_dns.h"
#include "core/base/clock.h"
#include "core/http/http.h"
#include "core/base/log.h"
#include "core/store/store.h"
#include "plugin/framework.h"

namespace ionos::tf {

struct ProviderConfig {
  std::string store_url;
  std::string encryption_key;  // raw 32 bytes or empty
  std::string token;
  std::string dns_api_url;
  std::vector<std::string> dns_resolvers;
  std::string ca_certificates_pem;
};

// Reads the configuration with environment fallbacks and validates every
// setting; errors carry the attribute path. Unknown values are skipped when
// `allow_unknown` (validation time).
std::optional<ProviderConfig> ParseProviderConfig(const Schema& schema, const Value& config, bool allow_unknown,
                                                  Diagnostics& diags);

// What ConfigureProvider builds; shared by all resources of the process.
class ProviderContext {
 public:
  ProviderContext(ProviderConfig config, std::unique_ptr<Store> store, std::unique_ptr<HttpClient> http,
                  const Clock* clock, Random* random, Logger* log, const CancelToken* cancel);

  const ProviderConfig& config() const { return config_; }
  Store& store() { return *store_; }
  HttpClient& http() { return *http_; }
  const Clock& clock() const { return *clock_; }
  Random& random() { return *random_; }
  Logger& log() { return *log_; }
  const CancelToken* cancel() const { return cancel_; }

  // The shared ACME client for a directory URL (created on first use).
  Result<std::shared_ptr<AcmeClient>> Acme(const std::string& directory_url);
  // The IONOS Cloud DNS client and the issuer built on it (created on first
  // use; they need the API token, accounts alone do not).
  Result<DnsProvider*> Dns();
  Result<CertificateIssuer*> Issuer();

 private:
  ProviderConfig config_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<HttpClient> http_;
  const Clock* clock_;
  Random* random_;
  Logger* log_;
  const CancelToken* cancel_;
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<AcmeClient>> acme_;
  std::unique_ptr<DnsProvider> dns_;
  std::unique_ptr<DnsResolver> resolver_;
  std::unique_ptr<PropagationChecker> propagation_;
  std::unique_ptr<CertificateIssuer> issuer_;
};

class Provider {
 public:
  Provider(const Clock* clock, Random* random, Logger* log, const CancelToken* cancel);

  const Schema& schema();
  void ValidateConfig(const Value& config, Diagnostics& diags);
  void Configure(const Value& config, Diagnostics& diags);
  // Null until Configure succeeded; resources report "provider not configured".
  ProviderContext* context();

  Resource* resource(const std::string& type_name);
  DataSource* data_source(const std::string& type_name);
  std::vector<std::string> resource_types();
  std::vector<std::string> data_source_types();

  Logger& log() { return *log_; }
  const CancelToken* cancel() const { return cancel_; }

 private:
  void LoadSchemas();

  const Clock* clock_;
  Random* random_;
  Logger* log_;
  const CancelToken* cancel_;
  std::once_flag schemas_once_;
  Schema schema_;
  std::map<std::string, std::unique_ptr<Resource>> resources_;
  std::map<std::string, std::unique_ptr<DataSource>> data_sources_;
  std::mutex mu_;
  std::unique_ptr<ProviderContext> context_;
};

// Resource factories (one file each).
std::unique_ptr<Resource> NewCertificateProviderResource(Provider* provider, Schema schema);
std::unique_ptr<Resource> NewAutoCertificateResource(Provider* provider, Schema schema);
std::unique_ptr<DataSource> NewCertificateDataSource(Provider* provider, Schema schema);

}  // namespace ionos::tf
