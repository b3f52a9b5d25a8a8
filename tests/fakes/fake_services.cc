#include "tests/fakes/fake_services.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "core/crypto/crypto.h"

namespace ionos::fakes {
namespace {

class ForwardingHttpClient final : public HttpClient {
 public:
  explicit ForwardingHttpClient(HttpClient* target) : target_(target) {}
  Result<HttpResponse> Do(const HttpRequest& request, const CancelToken* cancel) override {
    return target_->Do(request, cancel);
  }

 private:
  HttpClient* target_;
};

class ForwardingDnsProvider final : public DnsProvider {
 public:
  explicit ForwardingDnsProvider(DnsProvider* target) : target_(target) {}
  Result<std::vector<DnsZone>> ListZones() override { return target_->ListZones(); }
  Result<DnsZone> FindZoneForName(const std::string& fqdn) override { return target_->FindZoneForName(fqdn); }
  Result<DnsRecord> EnsureTxtRecord(const DnsZone& zone, const std::string& record_id,
                                    const std::string& relative_name, const std::string& value, int ttl) override {
    return target_->EnsureTxtRecord(zone, record_id, relative_name, value, ttl);
  }
  Status WaitRecordAvailable(const std::string& zone_id, const std::string& record_id, Duration timeout) override {
    return target_->WaitRecordAvailable(zone_id, record_id, timeout);
  }
  Status DeleteRecord(const std::string& zone_id, const std::string& record_id) override {
    return target_->DeleteRecord(zone_id, record_id);
  }

 private:
  DnsProvider* target_;
};

class ForwardingResolver final : public DnsResolver {
 public:
  explicit ForwardingResolver(DnsResolver* target) : target_(target) {}
  Result<std::vector<std::string>> QueryTxt(const std::string& server, const std::string& fqdn) override {
    return target_->QueryTxt(server, fqdn);
  }
  Result<std::vector<std::string>> ResolveAddresses(const std::string& hostname) override {
    return target_->ResolveAddresses(hostname);
  }

 private:
  DnsResolver* target_;
};

}  // namespace

FakeWorld::FakeWorld()
    : dns({FakeZone("zone-com", "example.com"), FakeZone("zone-org", "example.org")}),
      resolver(&dns),
      sqlite(&clock, &random),
      store(sqlite.get()) {
  ca.Install(&http);
  ca.clock = &clock;  // certificates are stamped with the fake time, like a CA with the real one
  // The CA "resolves" the TXT records straight from the fake DNS provider.
  ca.script.txt_visible = [this](const std::string& fqdn, const std::string& value) {
    const std::vector<std::string> values = dns.TxtValues(fqdn);
    return std::find(values.begin(), values.end(), value) != values.end();
  };
}

ServiceFactories FakeWorld::Factories() {
  ServiceFactories f;
  f.open_store = [this](const std::string&, const StoreOptions&) -> Result<std::unique_ptr<Store>> {
    ++stores_opened;
    return std::unique_ptr<Store>(std::make_unique<FaultStore>(&store));
  };
  f.new_http_client = [this](const HttpClientOptions& options) -> Result<std::unique_ptr<HttpClient>> {
    if (!options.extra_ca_pem.empty()) {
      IONOS_RETURN_IF_ERROR(ValidateCaBundlePem(options.extra_ca_pem).WithContext("extra CA certificates"));
    }
    return std::unique_ptr<HttpClient>(std::make_unique<ForwardingHttpClient>(&http));
  };
  f.new_dns_provider = [this](const DnsProviderConfig&) -> Result<std::unique_ptr<DnsProvider>> {
    return std::unique_ptr<DnsProvider>(std::make_unique<ForwardingDnsProvider>(&dns));
  };
  f.new_resolver = [this]() -> std::unique_ptr<DnsResolver> { return std::make_unique<ForwardingResolver>(&resolver); };
  return f;
}

size_t FakeWorld::StoredCertificates() const {
  Result<std::vector<CertificateSummary>> all = sqlite->ListAllCertificates();
  EXPECT_TRUE(all.ok()) << all.status().ToString();
  return all.ok() ? all->size() : static_cast<size_t>(-1);
}

ionos::LifecycleOptions FakeWorld::LifecycleOptions(const IssuanceSettings& account_settings,
                                                    const std::string& token) {
  ionos::LifecycleOptions o;
  o.version = "test";
  o.token = token;
  o.account_settings = account_settings;
  o.clock = &clock;
  o.random = &random;
  o.logger = &logger;
  o.cancel = &cancel;
  return o;
}

}  // namespace ionos::fakes
