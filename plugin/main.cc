// terraform-provider-ionos: the executable Terraform starts once per phase,
// and a few commands for people (see plugin/cli.h).
#include <pthread.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <thread>
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
// the renewal lifecycle. The clock runs from the instant set at process start (a fixed offset from
// the real clock), so time keeps moving and a later run reads later times than an earlier one.
// The CA still stamps certificates with the real time. A value that is not a timestamp is an
// error, not ignored.
struct ClockSetting {
  std::chrono::system_clock::duration offset{0};
  std::optional<ionos::TimePoint> set;  // the instant IONOS_CERT_NOW names, when set
};

ionos::Result<ClockSetting> ClockFromEnvironment() {
  const char* fake_now = std::getenv("IONOS_CERT_NOW");
  if (fake_now == nullptr || *fake_now == '\0') return ClockSetting{};
  auto t = ionos::ParseRfc3339(fake_now);
  if (!t.ok()) {
    return ionos::InvalidArgumentError("IONOS_CERT_NOW (a testing aid that moves the clock) is set to \"" +
                                       std::string(fake_now) +
                                       "\", which is not an RFC 3339 timestamp such as 2027-01-25T00:00:00Z; "
                                       "unset it or correct it");
  }
  return ClockSetting{*t - std::chrono::system_clock::now(), *t};
}

// What every command and every Terraform run says while IONOS_CERT_NOW is in effect: renewals are
// decided by the moved clock, so it must not stay set by accident (in CI, say).
std::string ClockWarning(const ClockSetting& setting) {
  return "IONOS_CERT_NOW is set: the provider's clock starts at " + ionos::FormatRfc3339(*setting.set) +
         " instead of the real time and runs on from there. Renewals are decided by that clock (the CA still "
         "stamps the real time). A testing aid: unset IONOS_CERT_NOW outside tests.";
}

// SIGINT and SIGTERM of a command: blocked in every thread (BlockInterrupts() runs before any
// thread starts) and taken by one thread that waits for them with sigwait. The first trips the
// command's Interruption (its work stops at the next check and undoes what is in flight); a
// second ends the process at once.
sigset_t InterruptSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

void BlockInterrupts() {
  const sigset_t set = InterruptSignals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

void WatchInterrupts(ionos::tf::Interruption* interruption) {
  std::thread([interruption] {
    const sigset_t set = InterruptSignals();
    for (;;) {
      int sig = 0;
      if (sigwait(&set, &sig) != 0) continue;
      if (interruption->Trip(sig)) {
        const char* name = sig == SIGINT ? "SIGINT" : "SIGTERM";
        std::fprintf(stderr, "%s received: stopping and cleaning up (a second signal exits at once)\n", name);
        continue;
      }
      std::fprintf(stderr, "second signal: exiting at once\n");
      _exit(ionos::tf::InterruptedExitCode(sig));
    }
  }).detach();
}

// Benchmarks (tests/bench/run.py) read the plugin's own share of a run from this (RpcTimings).
class TimingsAtShutdown final : public ionos::tf::ShutdownListener {
 public:
  explicit TimingsAtShutdown(const ionos::tf::ProviderService* service) : service_(service) {}
  void OnShutdown() override { service_->timings().WriteIfRequested(); }

 private:
  const ionos::tf::ProviderService* service_;
};

}  // namespace

int main(int argc, char** argv) {
  const std::string program = argc > 0 ? argv[0] : "terraform-provider-ionos";
  const ionos::Result<ClockSetting> clock_setting = ClockFromEnvironment();
  if (argc > 1) {
    BlockInterrupts();
    static ionos::tf::Interruption interruption;  // outlives the watcher thread
    WatchInterrupts(&interruption);
    ionos::TextLogger log(stderr, ionos::LogLevel::kWarn);
    if (!clock_setting.ok()) {
      std::fprintf(stderr, "error: %s\n", clock_setting.status().message().c_str());
      return 2;
    }
    if (clock_setting->set) std::fprintf(stderr, "warning: %s\n", ClockWarning(*clock_setting).c_str());
    ionos::SystemClock clock(clock_setting->offset);
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
    ctx.interruption = &interruption;
    return ionos::tf::RunCommand(std::vector<std::string>(argv + 1, argv + argc), ctx);
  }
  if (!ionos::tf::StartedByTerraform()) {
    std::fputs((ionos::tf::NotAPluginMessage(program) + ionos::tf::Usage()).c_str(), stderr);
    return 1;
  }

  ionos::tf::PrepareAutoMtls();
  ionos::HclogLogger log(stderr, ionos::HclogLogger::LevelFromEnvironment(), "provider.ionos");
  ionos::SystemClock clock(clock_setting.ok() ? clock_setting->offset : std::chrono::system_clock::duration(0));
  ionos::SystemRandom random;
  ionos::CancelToken cancel;
  ionos::tf::Provider provider(ionos::RealServiceFactories(), &clock, &random, &log, &cancel);
  if (!clock_setting.ok()) {
    // Reported at ConfigureProvider, as an error Terraform shows.
    provider.SetConfigurationError("Invalid IONOS_CERT_NOW", clock_setting.status().message());
  } else if (clock_setting->set) {
    log.Warn(ClockWarning(*clock_setting));
    // Shown by every Terraform command that configures the provider, not only in its log.
    provider.SetConfigurationWarning("The provider's clock is moved (IONOS_CERT_NOW)", ClockWarning(*clock_setting));
  }
  ionos::tf::ProviderService service(&provider, &cancel);
  TimingsAtShutdown timings(&service);
  return ionos::tf::ServeGoPlugin(&service, &timings);
}
