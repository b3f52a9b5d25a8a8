#include "core/lifecycle/services.h"

#include "core/base/strings.h"
#include "core/dns/ionos_cloud_dns.h"
#include "core/http/url.h"
#include "core/publish/ionos_certificate_manager.h"

namespace ionos {

namespace {

// The options of an IONOS Cloud API client (IonosCloudDnsOptions, IonosCertificateManagerOptions)
// from what the factories are given.
template <typename ClientOptions>
ClientOptions IonosApiClientOptions(const DnsProviderConfig& config) {
  ClientOptions options;
  options.base_url = config.base_url;
  options.token = config.token;
  options.http = config.http;
  options.clock = config.clock;
  options.logger = config.logger;
  options.cancel = config.cancel;
  return options;
}

}  // namespace

ServiceFactories RealServiceFactories() {
  ServiceFactories f;
  f.open_store = [](const std::string& url, const StoreOptions& options) { return OpenStore(url, options); };
  f.new_http_client = [](const HttpClientOptions& options) { return NewHttpClient(options); };
  f.new_dns_provider = [](const DnsProviderConfig& config) -> Result<std::unique_ptr<DnsProvider>> {
    IONOS_ASSIGN_OR_RETURN(std::unique_ptr<IonosCloudDnsClient> client,
                           IonosCloudDnsClient::Create(IonosApiClientOptions<IonosCloudDnsOptions>(config)));
    return std::unique_ptr<DnsProvider>(std::move(client));
  };
  f.new_resolver = []() -> std::unique_ptr<DnsResolver> { return std::make_unique<LdnsResolver>(); };
  f.new_publisher = [](const PublisherConfig& config) -> Result<std::unique_ptr<CertificatePublisher>> {
    IONOS_ASSIGN_OR_RETURN(
        std::unique_ptr<IonosCertificateManagerClient> client,
        IonosCertificateManagerClient::Create(IonosApiClientOptions<IonosCertificateManagerOptions>(config)));
    return std::unique_ptr<CertificatePublisher>(std::move(client));
  };
  return f;
}

Issuers::Issuers(ServiceFactories factories, Options options)
    : factories_(std::move(factories)), options_(std::move(options)) {}

DnsProviderConfig Issuers::ApiClientConfig(const std::string& base_url, HttpClient* http) const {
  DnsProviderConfig config;
  config.base_url = base_url;
  config.token = options_.token;
  config.http = http;
  config.clock = options_.clock;
  config.logger = options_.logger;
  config.cancel = options_.cancel;
  return config;
}

Result<HttpClient*> Issuers::HttpFor(const std::string& ca_certificates_pem) {
  auto it = http_.find(ca_certificates_pem);
  if (it != http_.end()) {
    return it->second.get();
  }
  HttpClientOptions opts;
  opts.extra_ca_pem = ca_certificates_pem;
  opts.user_agent = options_.user_agent;
  opts.logger = options_.logger;
  IONOS_ASSIGN_OR_RETURN_CTX(std::unique_ptr<HttpClient> http, factories_.new_http_client(opts),
                             "setting up TLS with ca_certificates_pem");
  HttpClient* raw = http.get();
  http_.emplace(ca_certificates_pem, std::move(http));
  return raw;
}

Result<AcmeClient*> Issuers::AcmeClientFor(const std::string& directory_url, const IssuanceSettings& settings) {
  std::lock_guard<std::mutex> lock(mu_);
  const std::string key = directory_url + '\n' + settings.ca_certificates_pem;
  auto it = acme_.find(key);
  if (it != acme_.end()) {
    return it->second.get();
  }
  IONOS_ASSIGN_OR_RETURN(HttpClient * http, HttpFor(settings.ca_certificates_pem));
  AcmeClientOptions opts;
  opts.directory_url = directory_url;
  opts.http = http;
  opts.clock = options_.clock;
  opts.logger = options_.logger;
  opts.cancel = options_.cancel;
  IONOS_ASSIGN_OR_RETURN(std::unique_ptr<AcmeClient> client, AcmeClient::Create(opts));
  AcmeClient* raw = client.get();
  acme_.emplace(key, std::move(client));
  return raw;
}

Result<CertificateIssuer*> Issuers::IssuerFor(const IssuanceSettings& settings) {
  if (options_.token.empty()) {
    return FailedPreconditionError(
        "no IONOS Cloud API token: set `token` in the provider block or the IONOS_TOKEN environment variable; "
        "the token is needed to write the DNS-01 challenge records into your Cloud DNS zones");
  }
  std::lock_guard<std::mutex> lock(mu_);
  IssuanceSettings issuing = settings;
  issuing.publish = false;  // one issuer whether or not the certificates are published
  const std::string key = EncodeIssuanceSettings(issuing);
  auto it = issuers_.find(key);
  if (it != issuers_.end()) {
    return it->second.get();
  }
  IONOS_ASSIGN_OR_RETURN(HttpClient * http, HttpFor(settings.ca_certificates_pem));
  const std::string& dns_api_url = options_.dns_api_url.empty() ? settings.dns_api_url : options_.dns_api_url;
  const std::string dns_key = dns_api_url + '\n' + settings.ca_certificates_pem;
  auto dns = dns_.find(dns_key);
  if (dns == dns_.end()) {
    IONOS_ASSIGN_OR_RETURN(std::unique_ptr<DnsProvider> provider,
                           factories_.new_dns_provider(ApiClientConfig(dns_api_url, http)));
    dns = dns_.emplace(dns_key, std::move(provider)).first;
  }
  if (!resolver_) {
    resolver_ = factories_.new_resolver();
  }
  auto checker = checkers_.find(key);
  if (checker == checkers_.end()) {
    checker = checkers_
                  .emplace(key, std::make_unique<PropagationChecker>(resolver_.get(), options_.clock, options_.logger,
                                                                     options_.cancel))
                  .first;
  }
  IssuerOptions opts;
  opts.propagation.resolvers = settings.dns_resolvers;
  if (settings.propagation_timeout.count() > 0) {
    opts.propagation.timeout = settings.propagation_timeout;
  }
  auto issuer = std::make_unique<CertificateIssuer>(dns->second.get(), checker->second.get(), options_.store,
                                                    options_.clock, options_.random, options_.logger,
                                                    options_.cancel, opts);
  CertificateIssuer* raw = issuer.get();
  issuers_.emplace(key, std::move(issuer));
  return raw;
}

Result<CertificatePublisher*> Issuers::PublisherFor(const IssuanceSettings& settings) {
  if (options_.token.empty()) {
    return FailedPreconditionError(
        "no IONOS Cloud API token: set `token` in the provider block or the IONOS_TOKEN environment variable; "
        "the token is needed to publish certificates to the IONOS Certificate Manager");
  }
  if (!factories_.new_publisher) {
    return FailedPreconditionError("publishing to the IONOS Certificate Manager is not set up here");
  }
  std::lock_guard<std::mutex> lock(mu_);
  const std::string url =
      options_.certificate_manager_url.empty() ? kIonosCertificateManagerDefaultUrl : options_.certificate_manager_url;
  const std::string key = url + '\n' + settings.ca_certificates_pem;
  if (auto it = publishers_.find(key); it != publishers_.end()) {
    return it->second.get();
  }
  IONOS_ASSIGN_OR_RETURN(HttpClient * http, HttpFor(settings.ca_certificates_pem));
  IONOS_ASSIGN_OR_RETURN(std::unique_ptr<CertificatePublisher> client,
                         factories_.new_publisher(ApiClientConfig(url, http)));
  CertificatePublisher* raw = client.get();
  publishers_.emplace(key, std::move(client));
  return raw;
}

namespace {

Result<std::string> CommandApiUrl(const std::string& from_environment, const char* default_url) {
  return CheckedApiUrl(from_environment.empty() ? std::string(default_url) : from_environment);
}

}  // namespace

Result<std::string> CheckedApiUrl(const std::string& url) {
  IONOS_RETURN_IF_ERROR(ValidateUrl(url, UrlSchemePolicy::kHttpOnlyForLoopback));
  return WithoutTrailingSlashes(url);
}

Result<std::string> CommandDnsApiUrl(const std::string& from_environment) {
  return CommandApiUrl(from_environment, kIonosDnsApiDefaultUrl);
}

Result<std::string> CommandCertificateManagerUrl(const std::string& from_environment) {
  return CommandApiUrl(from_environment, kIonosCertificateManagerDefaultUrl);
}

}  // namespace ionos
