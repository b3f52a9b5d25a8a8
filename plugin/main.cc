// terraform-provider-ionos: the executable Terraform starts once per phase,
// and a few commands for people (see plugin/cli.h).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "core/base/clock.h"
#include "core/base/log.h"
#include "core/lifecycle/services.h"
#include "plugin/cli.h"
#include "plugin/go_plugin.h"
#include "plugin/provider.h"
#include "plugin/provider_service.h"

namespace {

// IONOS_CERT_NOW (RFC 3339) moves the provider's clock: a testing aid for the
// renewal lifecycle, announced in the log whenever it is in effect. The CA
// still stamps certificates with the real time.
std::chrono::seconds ClockOffset(ionos::Logger& log) {
  const char* fake_now = std::getenv("IONOS_CERT_NOW");
  if (fake_now == nullptr || *fake_now == '\0') return std::chrono::seconds(0);
  auto t = ionos::ParseRfc3339(fake_now);
  if (!t.ok()) {
    log.Error("IONOS_CERT_NOW is not an RFC 3339 timestamp; ignoring it", {{"value", fake_now}});
    return std::chrono::seconds(0);
  }
  log.Warn("IONOS_CERT_NOW is set: the provider's clock is moved (testing aid only)",
           {{"now", ionos::FormatRfc3339(*t)}});
  return std::chrono::duration_cast<std::chrono::seconds>(*t - std::chrono::system_clock::now());
}

}  // namespace

int main(int argc, char** argv) {
  const std::string program = argc > 0 ? argv[0] : "terraform-provider-ionos";
  if (argc > 1 && (std::strcmp(argv[1], "--version") == 0 || std::strcmp(argv[1], "version") == 0)) {
    std::printf("terraform-provider-ionos %s\n", IONOS_PROVIDER_VERSION);
    return 0;
  }
  if (argc > 1) {
    ionos::HclogLogger log(stderr, ionos::LogLevel::kWarn, "ionos");
    ionos::SystemClock clock(ClockOffset(log));
    return ionos::tf::RunCommand(std::vector<std::string>(argv + 1, argv + argc), clock, stdout, stderr);
  }
  if (!ionos::tf::StartedByTerraform()) {
    std::fputs(ionos::tf::NotAPluginMessage(program).c_str(), stderr);
    return 1;
  }

  ionos::HclogLogger log(stderr, ionos::HclogLogger::LevelFromEnvironment(), "provider.ionos");
  ionos::SystemClock clock(ClockOffset(log));
  ionos::SystemRandom random;
  ionos::CancelToken cancel;
  ionos::tf::Provider provider(ionos::RealServiceFactories(), &clock, &random, &log, &cancel);
  ionos::tf::ProviderService service(&provider, &cancel);
  return ionos::tf::ServeGoPlugin(&service, nullptr);
}
