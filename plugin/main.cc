// terraform-provider-ionos: the executable Terraform starts once per phase.
#include <cstdio>
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
  ionos::SystemClock clock;
  ionos::SystemRandom random;
  ionos::CancelToken cancel;
  ionos::tf::Provider provider(&clock, &random, &log, &cancel);
  ionos::tf::ProviderService service(&provider, &cancel);
  return ionos::tf::ServeGoPlugin(&service, nullptr);
}
