// A whole fake world for in-process tests of core/lifecycle and the plugin: a scripted ACME CA
// (FakeAcmeCa behind FakeHttpClient), an in-memory DNS provider and a resolver that sees its
// records, the real SQLite store in a temporary directory behind a FaultStore, a FakeClock, and the
// ServiceFactories that hand them
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
#include "tests/fakes/fault_store.h"
#include "tests/fakes/recording_logger.h"
#include "tests/fakes/temp_store.h"

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

  // Factories whose objects forward to this world's fakes. `open_store` ignores the URL and the
  // options (a store key too): it always opens `store`.
  ServiceFactories Factories();
  // A Lifecycle over Factories() with this world's clock, randomness, logger and cancel token.
  ionos::LifecycleOptions LifecycleOptions(const IssuanceSettings& account_settings = {},
                                           const std::string& token = "token");
  // How many certificates the store keeps (superseded ones included), read past the faults.
  size_t StoredCertificates() const;

  FakeClock clock;
  SystemRandom random;
  RecordingLogger logger;
  CancelToken cancel;
  FakeHttpClient http;
  FakeAcmeCa ca;
  FakeDnsProvider dns;
  FakeDnsResolver resolver;
  TempSqliteStore sqlite;  // a fresh store of this world's own, removed with it
  FaultStore store;        // over `sqlite`; what the code under test uses
  // How many stores were opened through Factories().
  int stores_opened = 0;
};

}  // namespace ionos::fakes
