// Tests for core/lifecycle/lifecycle.h: the one object a process builds from its injected
// services, owning the issuers and both managers.
#include "core/lifecycle/lifecycle.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "tests/fakes/fake_services.h"

namespace ionos {
namespace {

TEST(LifecycleTest, TheUserAgentNamesTheVersionAndACommandsPurpose) {
  EXPECT_EQ(LifecycleUserAgent("1.2.3", ""), "terraform-provider-ionos/1.2.3");
  EXPECT_EQ(LifecycleUserAgent("1.2.3", "renew"), "terraform-provider-ionos/1.2.3 (renew)");
}

// Every HTTP client the process makes (the ACME client's, the DNS API's) carries the one user
// agent, and the managers share the process's store: an account registered through accounts()
// issues through certificates().
TEST(LifecycleTest, EveryClientOfAProcessCarriesItsOneUserAgent) {
  fakes::FakeWorld world;
  std::set<std::string> agents;
  int clients = 0;
  ServiceFactories factories = world.Factories();
  auto make_http = factories.new_http_client;
  factories.new_http_client = [&](const HttpClientOptions& options) {
    ++clients;
    agents.insert(options.user_agent);
    return make_http(options);
  };
  IssuanceSettings settings;
  settings.dns_api_url = "https://dns.test";
  LifecycleOptions options = world.LifecycleOptions(settings);
  options.version = "1.2.3";
  options.purpose = "renew";
  Lifecycle lifecycle(&world.store, factories, options);
  EXPECT_EQ(lifecycle.user_agent(), "terraform-provider-ionos/1.2.3 (renew)");
  EXPECT_EQ(clients, 0) << "nothing is made before it is needed";

  AccountSpec spec{"acme", "admin@example.com", world.ca.directory_url(), "ecdsa256", std::nullopt};
  Result<AccountRecord> account = lifecycle.accounts().Register(spec);
  ASSERT_TRUE(account.ok()) << account.status().ToString();
  AutoCertificateRecord desired;
  desired.provider_id = account->id;
  desired.name = "www";
  desired.common_name = "www.example.com";
  desired.key_algorithm = "ecdsa256";
  desired.renew_before_days = 30;
  desired.grace_period_days = 30;
  desired.settings = settings;
  Result<AutoCertificateView> created = lifecycle.certificates().Create(desired);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  EXPECT_GE(clients, 1);
  EXPECT_EQ(agents, std::set<std::string>{"terraform-provider-ionos/1.2.3 (renew)"});
  EXPECT_EQ(&lifecycle.store(), static_cast<Store*>(&world.store));
}

}  // namespace
}  // namespace ionos
