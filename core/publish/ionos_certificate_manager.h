// File: core/publish/ionos_certificate_manager.h
//
// IonosCertificateManagerClient: the CertificatePublisher (core/publish/publisher.h) for the IONOS
// Cloud Certificate Manager API v2 (https://certificate-manager.de-fra.ionos.com):
//   POST   /certificates        {"properties":{"name","certificate","certificateChain","privateKey"}}
//                               → CertificateRead, metadata.state PROVISIONING then AVAILABLE
//   GET    /certificates        ?filter.commonName=&offset=&limit= (limit 1..1000), `_links.next`
//   GET    /certificates/{id}   404 once deleted
//   DELETE /certificates/{id}   asynchronous; 404 = gone; 409/422 = in use (a CDN, a load balancer)
// Authentication, error mapping and retries are those of every IONOS API client
// (core/http/ionos_api.h); the token and the private key never appear in errors or logs.
// Thread-safe.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "core/base/clock.h"
#include "core/base/log.h"
#include "core/base/status.h"
#include "core/http/http.h"
#include "core/http/ionos_api.h"
#include "core/publish/publisher.h"

namespace ionos {

// The public endpoint of the Certificate Manager API (the provider's certificate_manager_url default).
inline constexpr char kIonosCertificateManagerDefaultUrl[] = "https://certificate-manager.de-fra.ionos.com";

struct IonosCertificateManagerOptions {
  std::string base_url = kIonosCertificateManagerDefaultUrl;
  std::string token;  // secret; required
  HttpClient* http = nullptr;  // required, not owned
  const Clock* clock = nullptr;  // default: the system clock
  Logger* logger = nullptr;      // default: discard
  const CancelToken* cancel = nullptr;
  int max_retries = 5;
  Duration max_retry_wait{std::chrono::seconds(30)};
  Duration initial_backoff{std::chrono::milliseconds(200)};
  int page_limit = 100;  // `limit` of list requests (1..1000)
  Duration available_timeout{std::chrono::minutes(5)};  // PROVISIONING → AVAILABLE
  Duration poll_initial{std::chrono::milliseconds(50)};
  Duration poll_max{std::chrono::seconds(2)};
};

class IonosCertificateManagerClient final : public CertificatePublisher {
 public:
  // Checks the options (http and token set, base_url an http(s) URL without query, limits).
  static Result<std::unique_ptr<IonosCertificateManagerClient>> Create(IonosCertificateManagerOptions options);

  Result<PublishedCopy> Publish(const CopyToPublish& copy) override;
  Result<std::optional<PublishedCopy>> FindCopy(const std::string& common_name, const std::string& name,
                                                const std::string& serial_number) override;
  Result<PublishedCopy> GetCopy(const std::string& id) override;
  Status DeleteCopy(const std::string& id) override;
  std::string Describe() const override;

 private:
  explicit IonosCertificateManagerClient(IonosCertificateManagerOptions options);
  Status WaitAvailable(const PublishedCopy& copy);

  IonosCertificateManagerOptions options_;
  IonosApiCaller api_;
};

}  // namespace ionos
