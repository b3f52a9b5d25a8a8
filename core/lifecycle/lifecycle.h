// File: core/lifecycle/lifecycle.h
//
// The lifecycle of one process, built once: the Terraform provider (at ConfigureProvider), each
// command (renew, certificates) and the tests make one Lifecycle from the injected services and get
// every manager from it. It owns the issuers (the ACME clients, DNS providers and publishers they
// make) and both managers, so that everything one process does shares one user agent, one cancel
// token (Ctrl-C in a command, Terraform's StopProvider) and one clock.
#pragma once

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "core/base/clock.h"
#include "core/base/log.h"
#include "core/lifecycle/account_manager.h"
#include "core/lifecycle/certificate_manager.h"
#include "core/lifecycle/services.h"
#include "core/store/store.h"

namespace ionos {

struct LifecycleOptions {
  // The user agent of every HTTP client: "terraform-provider-ionos/<version>", plus " (<purpose>)"
  // for a command ("renew").
  std::string version;
  std::string purpose;
  // The IONOS Cloud API token (secret); empty: issuing and publishing are refused.
  std::string token;
  // Forced endpoints (see Issuers::Options): empty, or what a command read from its environment.
  std::string dns_api_url;
  std::string certificate_manager_url;
  // The settings an account registration uses (the provider block's; a command's default).
  IssuanceSettings account_settings;
  const Clock* clock = nullptr;   // required
  Random* random = nullptr;       // required for issuing (keys, nonces of the challenge notes)
  Logger* logger = nullptr;       // may be null
  const CancelToken* cancel = nullptr;  // may be null: not cancellable
  CertificateManagerOptions certificate_manager;
};

// The DNS APIs that `autos` were issued through other than `used`, redacted for a message (a
// command warns that it uses its own environment's API and never sends the token to a URL read
// from the store).
std::set<std::string> OtherDnsApis(const std::vector<AutoCertificateRecord>& autos, const std::string& used);

// "terraform-provider-ionos/0.1.0", or "terraform-provider-ionos/0.1.0 (renew)".
std::string LifecycleUserAgent(const std::string& version, const std::string& purpose);

class Lifecycle {
 public:
  // `store` is borrowed and must outlive the Lifecycle.
  Lifecycle(Store* store, ServiceFactories factories, LifecycleOptions options);
  Lifecycle(const Lifecycle&) = delete;
  Lifecycle& operator=(const Lifecycle&) = delete;

  Store& store() { return *store_; }
  IssuerFactory& issuers() { return issuers_; }
  CertificateManager& certificates() { return certificates_; }
  AccountManager& accounts() { return accounts_; }
  const std::string& user_agent() const { return user_agent_; }

 private:
  Store* store_;
  std::string user_agent_;
  Issuers issuers_;
  CertificateManager certificates_;
  AccountManager accounts_;
};

}  // namespace ionos
