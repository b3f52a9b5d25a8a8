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

// IONOS_CERT_NOW (RFC 3339) moves the clock of the provider and the commands: a testing aid for
// the renewal lifecycle, announced in the log whenever it is in effect. The CA still stamps
// certificates with the real time. A value that is not a timestamp is an error, not ignored.
ionos::Result<std::chrono::seconds> ClockOffset() {
  const char* fake_now = std::getenv("IONOS_CERT_NOW");
  if (fake_now == nullptr || *fake_now == '\0') return std::chrono::seconds(0);
  auto t = ionos::ParseRfc3339(fake_now);
  if (!t.ok()) {
    return ionos::InvalidArgumentError("IONOS_CERT_NOW (a testing aid that moves the clock) is set to \"" +
                                       std::string(fake_now) +
                                       "\", which is not an RFC 3339 timestamp such as 2027-01-25T00:00:00Z; "
                                       "unset it or correct it");
  }
  return std::chrono::duration_cast<std::chrono::seconds>(*t - std::chrono::system_clock::now());
}

void AnnounceClock(ionos::Logger& log, std::chrono::seconds offset, const ionos::Clock& clock) {
  if (offset.count() != 0) {
    log.Warn("IONOS_CERT_NOW is set: the clock is moved (testing aid only)", {{"now", ionos::FormatRfc3339(clock.Now())}});
  }
}

}  // namespace

int main(int argc, char** argv) {
  const std::string program = argc > 0 ? argv[0] : "terraform-provider-ionos";
  const ionos::Result<std::chrono::seconds> offset = ClockOffset();
  if (argc > 1) {
    ionos::TextLogger log(stderr, ionos::LogLevel::kWarn);
    if (!offset.ok()) {
      std::fprintf(stderr, "error: %s\n", offset.status().message().c_str());
      return 2;
    }
    ionos::SystemClock clock(*offset);
    AnnounceClock(log, *offset, clock);
    ionos::SystemRandom random;
    ionos::tf::CommandContext ctx;
    ctx.clock = &clock;
    ctx.random = &random;
    ctx.log = &log;
    ctx.factories = ionos::RealServiceFactories();
    ctx.env = [](const std::string& name) {
      const char* v = std::getenv(name.c_str());
      return std::string(v == nullptr ? "" : v);
    };
    return ionos::tf::RunCommand(std::vector<std::string>(argv + 1, argv + argc), ctx);
  }
  if (!ionos::tf::StartedByTerraform()) {
    std::fputs(ionos::tf::NotAPluginMessage(program).c_str(), stderr);
    return 1;
  }

  ionos::HclogLogger log(stderr, ionos::HclogLogger::LevelFromEnvironment(), "provider.ionos");
  ionos::SystemClock clock(offset.value_or(std::chrono::seconds(0)));
  if (offset.ok()) AnnounceClock(log, *offset, clock);
  ionos::SystemRandom random;
  ionos::CancelToken cancel;
  ionos::tf::Provider provider(ionos::RealServiceFactories(), &clock, &random, &log, &cancel);
  if (!offset.ok()) {
    // Reported at ConfigureProvider, as an error Terraform shows.
    provider.SetConfigurationError("Invalid IONOS_CERT_NOW", offset.status().message());
  }
  ionos::tf::ProviderService service(&provider, &cancel);
  return ionos::tf::ServeGoPlugin(&service, nullptr);
}
