// File: core/lifecycle/services.h
//
// The certificate manager's view of the outside world, injected: how to open a store, make an
// HTTP client, a DNS provider and a DNS resolver (ServiceFactories; tests pass fakes), and the
// IssuerFactory that turns an auto certificate's IssuanceSettings into the ACME client and the
// CertificateIssuer that serve it. A process builds its Issuers once, inside its Lifecycle
// (lifecycle.h); only where the settings come from differs (the provider block, or what the store
// kept at the last issuance).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "core/acme/acme_client.h"
#include "core/base/clock.h"
#include "core/base/log.h"
#include "core/base/status.h"
#include "core/dns/dns_provider.h"
#include "core/dns/propagation.h"
#include "core/http/http.h"
#include "core/lifecycle/certificate_issuer.h"
#include "core/publish/publisher.h"
#include "core/store/store.h"

namespace ionos {

// What a client of an IONOS Cloud API (a DNS provider, a certificate publisher) is made from.
struct DnsProviderConfig {
  std::string base_url;   // the IONOS Cloud DNS API
  std::string token;      // secret
  HttpClient* http = nullptr;
  const Clock* clock = nullptr;
  Logger* logger = nullptr;
  const CancelToken* cancel = nullptr;
};
// The IONOS Certificate Manager client takes the same: its base URL, the token, the transport.
using PublisherConfig = DnsProviderConfig;

// Factories for every I/O boundary. Each returns a new object the caller owns.
struct ServiceFactories {
  std::function<Result<std::unique_ptr<Store>>(const std::string& url, const StoreOptions& options)> open_store;
  std::function<Result<std::unique_ptr<HttpClient>>(const HttpClientOptions& options)> new_http_client;
  std::function<Result<std::unique_ptr<DnsProvider>>(const DnsProviderConfig& config)> new_dns_provider;
  std::function<std::unique_ptr<DnsResolver>()> new_resolver;
  // Empty: publishing is not set up (PublisherFor answers kFailedPrecondition).
  std::function<Result<std::unique_ptr<CertificatePublisher>>(const PublisherConfig& config)> new_publisher;
};

// The real ones: OpenStore, NewHttpClient (cpp-httplib), IonosCloudDnsClient, LdnsResolver,
// IonosCertificateManagerClient.
ServiceFactories RealServiceFactories();

// An IONOS Cloud API URL as kept and used: checked like dns_api_url (https://, or http:// to a
// loopback address only: it receives the token) and without trailing "/".
Result<std::string> CheckedApiUrl(const std::string& url);

// The DNS API URL of a command that runs without a provider block (renew): `from_environment`
// (IONOS_API_URL_DNS) when not empty, else the public endpoint; without trailing "/". It carries
// the token, so it follows the provider's rule for dns_api_url: https://, or http:// to a
// loopback address only (InvalidArgumentError otherwise, before anything is sent).
Result<std::string> CommandDnsApiUrl(const std::string& from_environment);

// The same for the IONOS Certificate Manager API (IONOS_API_URL_CERT; default
// https://certificate-manager.de-fra.ionos.com).
Result<std::string> CommandCertificateManagerUrl(const std::string& from_environment);

// Makes the ACME clients and issuers an issuance needs. Implementations are thread-safe and keep
// what they make for their own lifetime (pointers stay valid).
class IssuerFactory {
 public:
  virtual ~IssuerFactory() = default;
  // The shared ACME client of a directory, trusting the settings' extra roots.
  virtual Result<AcmeClient*> AcmeClientFor(const std::string& directory_url, const IssuanceSettings& settings) = 0;
  // The issuer that writes challenge records through the settings' DNS API and waits for them at
  // the settings' resolvers (or the zones' name servers). kFailedPrecondition without an API token.
  virtual Result<CertificateIssuer*> IssuerFor(const IssuanceSettings& settings) = 0;
  // Where certificates are published (the IONOS Certificate Manager), trusting the settings'
  // extra roots. kFailedPrecondition without an API token or where publishing is not set up.
  virtual Result<CertificatePublisher*> PublisherFor(const IssuanceSettings& settings) {
    (void)settings;
    return FailedPreconditionError("publishing to the IONOS Certificate Manager is not set up here");
  }
};

// IssuerFactory over ServiceFactories, one object per distinct setting: one HTTP client per set
// of extra roots, one ACME client per (directory, roots), one DNS provider per (API URL, roots),
// one issuer per whole settings.
class Issuers final : public IssuerFactory {
 public:
  struct Options {
    std::string token;       // the IONOS Cloud API token (secret); empty: issuing is refused
    std::string user_agent;  // of the HTTP clients
    PendingDnsRecordStore* store = nullptr;  // notes of challenge records in flight
    const Clock* clock = nullptr;
    Random* random = nullptr;
    Logger* logger = nullptr;
    const CancelToken* cancel = nullptr;
    // When not empty, the DNS API every issuer writes to, whatever an auto certificate's settings
    // say: the renew command takes it from its environment, so that the token never goes to a
    // URL read from the store (anyone who can write the store could otherwise receive it).
    std::string dns_api_url;
    // The IONOS Certificate Manager API that certificates are published to (the provider's
    // certificate_manager_url, or IONOS_API_URL_CERT for the renew command; never from the store).
    std::string certificate_manager_url;
  };

  Issuers(ServiceFactories factories, Options options);
  Issuers(const Issuers&) = delete;
  Issuers& operator=(const Issuers&) = delete;

  Result<AcmeClient*> AcmeClientFor(const std::string& directory_url, const IssuanceSettings& settings) override;
  Result<CertificateIssuer*> IssuerFor(const IssuanceSettings& settings) override;
  Result<CertificatePublisher*> PublisherFor(const IssuanceSettings& settings) override;

 private:
  Result<HttpClient*> HttpFor(const std::string& ca_certificates_pem);  // requires mu_
  // What an IONOS Cloud API client (DNS provider, publisher) at `base_url` is made from.
  DnsProviderConfig ApiClientConfig(const std::string& base_url, HttpClient* http) const;

  ServiceFactories factories_;
  Options options_;
  std::mutex mu_;
  std::map<std::string, std::unique_ptr<HttpClient>> http_;
  std::map<std::string, std::unique_ptr<AcmeClient>> acme_;
  std::map<std::string, std::unique_ptr<DnsProvider>> dns_;
  std::unique_ptr<DnsResolver> resolver_;
  std::map<std::string, std::unique_ptr<PropagationChecker>> checkers_;
  std::map<std::string, std::unique_ptr<CertificateIssuer>> issuers_;
  std::map<std::string, std::unique_ptr<CertificatePublisher>> publishers_;
};

}  // namespace ionos
