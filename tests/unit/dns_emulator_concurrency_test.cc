// Concurrent first requests to a freshly started DNS API emulator, through the provider's own HTTP
// client (core/http) from several threads at once. Besides what it checks, this is the case that
// makes ThreadSanitizer report the false positive of Debian's uninstrumented cpp-httplib server
// (tests/dns_emulator/test_http_server.h): this binary holds only this test, so its requests are the
// first of the process and the server's function-local statics are initialized by concurrent
// workers here. scripts/tsan passes
// only if tests/tsan.supp suppresses exactly that (the threads of ServeHttpForTests) while the
// client threads of this test stay checked.
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/dns/ionos_cloud_dns.h"
#include "core/http/http.h"
#include "tests/dns_emulator/emulator.h"

namespace ionos {
namespace {

namespace emu = ::ionos::testing;

TEST(DnsEmulatorConcurrencyTest, ConcurrentFirstRequestsThroughOneSharedClient) {
  emu::DnsEmulatorOptions options;
  options.zones.push_back({"example.com", "", {}});
  Result<std::unique_ptr<emu::DnsApiEmulator>> started = emu::DnsApiEmulator::Start(options);
  ASSERT_TRUE(started.ok()) << started.status().ToString();
  std::unique_ptr<emu::DnsApiEmulator> emulator = std::move(started).value();
  std::unique_ptr<HttpClient> http = NewHttpClient({}).value();

  constexpr int kThreads = 6;
  constexpr int kRequestsPerThread = 4;
  std::atomic<int> ok{0};
  std::atomic<int> ready{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      // Each thread its own DNS client (its own zone cache), one HTTP client for all.
      IonosCloudDnsOptions o;
      o.base_url = emulator->base_url();
      o.token = emulator->token();
      o.http = http.get();
      std::unique_ptr<IonosCloudDnsClient> dns = IonosCloudDnsClient::Create(o).value();
      ++ready;
      while (ready.load() < kThreads) {
        std::this_thread::yield();  // start together: the first requests arrive at once
      }
      for (int i = 0; i < kRequestsPerThread; ++i) {
        Result<std::vector<DnsZone>> zones = dns->ListZones();
        Result<DnsRecord> missing = dns->GetRecord("no-such-zone", "no-such-record");
        if (zones.ok() && zones->size() == 1 && missing.status().code() == StatusCode::kNotFound) {
          ++ok;
        }
        dns = IonosCloudDnsClient::Create(o).value();  // a fresh zone cache: list again
      }
    });
  }
  for (std::thread& t : threads) {
    t.join();
  }
  EXPECT_EQ(ok.load(), kThreads * kRequestsPerThread);
  EXPECT_EQ(emulator->request_count("GET /zones"), kThreads * kRequestsPerThread);
}

}  // namespace
}  // namespace ionos
