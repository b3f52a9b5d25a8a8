#include "core/lifecycle/lifecycle.h"

#include <utility>

#include "core/http/url.h"

namespace ionos {
namespace {

Issuers::Options IssuerOptionsOf(const LifecycleOptions& o, Store* store, const std::string& user_agent) {
  Issuers::Options io;
  io.token = o.token;
  io.user_agent = user_agent;
  io.store = store;
  io.clock = o.clock;
  io.random = o.random;
  io.logger = o.logger;
  io.cancel = o.cancel;
  io.dns_api_url = o.dns_api_url;
  io.certificate_manager_url = o.certificate_manager_url;
  return io;
}

}  // namespace

std::string LifecycleUserAgent(const std::string& version, const std::string& purpose) {
  std::string agent = "terraform-provider-ionos/" + version;
  if (!purpose.empty()) {
    agent += " (" + purpose + ")";
  }
  return agent;
}

Lifecycle::Lifecycle(Store* store, ServiceFactories factories, LifecycleOptions options)
    : store_(store),
      user_agent_(LifecycleUserAgent(options.version, options.purpose)),
      issuers_(std::move(factories), IssuerOptionsOf(options, store, user_agent_)),
      certificates_(store, &issuers_, options.clock, options.logger, options.cancel, options.certificate_manager),
      accounts_(store, &issuers_, options.logger, options.account_settings) {}

std::set<std::string> OtherDnsApis(const std::vector<AutoCertificateRecord>& autos, const std::string& used) {
  std::set<std::string> out;
  for (const AutoCertificateRecord& a : autos) {
    if (!a.settings.dns_api_url.empty() && a.settings.dns_api_url != used) {
      out.insert(RedactUrlForMessage(a.settings.dns_api_url));
    }
  }
  return out;
}

}  // namespace ionos
