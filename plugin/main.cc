// terraform-provider-ionos: the executable Terraform starts once per phase.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "core/clock.h"
#include "core/log.h"
#include "plugin/go_plugin.h"
#include "plugin/provider.h"
#include "plugin/provider_service.h"

int main(int argc, char** argv) {
  const std::string program = argc > 0 ? argv[0] : "terraform-provider-ionos";
  if (argc > 1 && (std::strcmp(argv[1], "--version") == 0 || std::strcmp(argv[1], "version") == 0)) {
    std::printf("terraform-provider-ionos %s\n", IONOS_PROVIDER_VERSION);
    return 0;
  }
  if (!ionos::tf::StartedByTerraform()) {
    std::fputs(ionos::tf::NotAPluginMessage(program).c_str(), stderr);
    return 1;
  }

  ionos::HclogLogger log(stderr, ionos::HclogLogger::LevelFromEnvironment(), "provider.ionos");
  // IONOS_CERT_NOW (RFC 3339) moves the provider's clock: a testing aid for the
  // renewal lifecycle. The CA still stamps certificates with the real time.
  std::chrono::seconds offset{0};
  if (const char* fake_now = std::getenv("IONOS_CERT_NOW"); fake_now != nullptr && *fake_now != '\0') {
    auto t = ionos::ParseRfc3339(fake_now);
    if (!t.ok()) {
      log.Error("IONOS_CERT_NOW is not an RFC 3339 timestamp; ignoring it", {{"value", fake_now}});
    } else {
      offset = std::chrono::duration_cast<std::chrono::seconds>(*t - std::chrono::system_clock::now());
      log.Warn("IONOS_CERT_NOW is set: the provider's clock is moved (testing aid only)",
               {{"now", ionos::FormatRfc3339(*t)}});
    }
  }
  ionos::SystemClock clock(offset);
  ionos::SystemRandom random;
  ionos::CancelToken cancel;
  ionos::tf::Provider provider(&clock, &random, &log, &cancel);
  ionos::tf::ProviderService service(&provider, &cancel);
  return ionos::tf::ServeGoPlugin(&service, nullptr);
}
