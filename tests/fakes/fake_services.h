// A whole fake world for in-process tests of core/lifecycle and the plugin: a scripted ACME CA
// (FakeAcmeCa behind FakeHttpClient), an in-memory DNS provider and a resolver that sees its
// records, a MemoryStore behind a FaultStore, a FakeClock, and the ServiceFactories that hand them
// to the code under test (the factories return forwarding objects, so the test keeps its own for
// scripting and inspection).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/base/clock.h"
#include "core/lifecycle/lifecycle.h"
#include "core/lifecycle/services.h"
#include "tests/fakes/fake_acme_ca.h"
#include "tests/fakes/fake_clock.h"
#include "tests/fakes/fake_http.h"
#include "tests/fakes/memory_store.h"
#include "tests/fakes/recording_logger.h"

namespace ionos::fakes {

inline DnsZone FakeZone(const std::string& id, const std::string& name) {
  DnsZone z;
  z.id = id;
  z.name = name;
  z.nameservers = {"ns1.dns.test"};
  z.state = "AVAILABLE";
  return z;
}

struct FakeWorld {
  // Zones example.com and example.org.
  FakeWorld();

  // Factories whose objects forward to this world's fakes. `open_store` ignores the URL.
  ServiceFactories Factories();
  // A Lifecycle over Factories() with this world's clock, randomness, logger and cancel token.
  ionos::LifecycleOptions LifecycleOptions(const IssuanceSettings& account_settings = {},
                                           const std::string& token = "token");

  FakeClock clock;
  SystemRandom random;
  RecordingLogger logger;
  CancelToken cancel;
  FakeHttpClient http;
  FakeAcmeCa ca;
  FakeDnsProvider dns;
  FakeDnsResolver resolver;
  MemoryStore memory;
  FaultStore store;  // over `memory`; what the code under test uses
  // How many stores were opened through Factories().
  int stores_opened = 0;
};

}  // namespace ionos::fakes
