// The commands of terraform-provider-ionos for people and schedulers, run by hand or from cron,
// systemd timers and CI rather than by Terraform:
//   terraform-provider-ionos certificates [--store URL] [--format text|json|openmetrics] [--json]
//   terraform-provider-ionos renew [--store URL] [--json] [--dry-run] [--metrics-file PATH]
//   terraform-provider-ionos store copy --from URL --to URL [--from-key KEY] [--to-key KEY] [--dry-run]
//   terraform-provider-ionos store rekey [--store URL] [--key KEY] --new-key KEY
//   terraform-provider-ionos help [COMMAND] | --help | -h      (and COMMAND --help | -h)
//   terraform-provider-ionos version | --version
// Each is a thin view on core's CertificateManager (the same rules and locks as Terraform).
// Secrets come from the environment only: IONOS_CERT_STORE_KEY, IONOS_TOKEN; IONOS_CERT_STORE
// names the store when --store is not given. Exit codes: 0 success, 1 the work failed (a store
// that cannot be opened, a renewal that failed), 2 usage errors, 3 (renew) a certificate within
// 30 days of its expiry is due and was not renewed in this run (plugin/cli_metrics.h), 128 + the
// signal number when interrupted (130 SIGINT, 143 SIGTERM). With --json, errors are printed on
// stdout as one JSON object {"error": MESSAGE, "exit_code": N}.
#pragma once

#include <atomic>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "core/base/clock.h"
#include "core/base/log.h"
#include "core/lifecycle/certificate_manager.h"
#include "core/lifecycle/services.h"
#include "core/store/store.h"

namespace ionos::tf {

// How a command learns that it was interrupted (SIGINT, SIGTERM): main() trips it from its
// signal-waiting thread; tests trip it themselves. The commands pass `cancel` down to core, whose
// waits end and whose issuances remove their challenge records.
struct Interruption {
  CancelToken cancel;
  std::atomic<int> signal{0};  // the first signal received; 0: none
  // Records the first signal and cancels; returns false when one was recorded before.
  bool Trip(int signal_number);
};

// The exit code of a command stopped by `signal_number`: 128 + it (130 SIGINT, 143 SIGTERM).
int InterruptedExitCode(int signal_number);

// What a command runs with; main() passes the real ones, tests fakes.
struct CommandContext {
  const Clock* clock = nullptr;
  Random* random = nullptr;
  Logger* log = nullptr;  // readable warnings on stderr (TextLogger)
  ServiceFactories factories;
  // The environment: the value of a variable, "" when it is unset.
  std::function<std::string(const std::string& name)> env;
  FILE* out = stdout;
  FILE* err = stderr;
  // Null: not interruptible (the command runs to its end).
  Interruption* interruption = nullptr;
};

// Runs the command in `args` (argv[1] onwards); returns the exit code.
int RunCommand(const std::vector<std::string>& args, CommandContext& ctx);

// The usage text of every command, or of one ("store copy" and "store rekey" have their own).
std::string Usage(const std::string& command = "");

// Every command and sub-command with its own usage ("certificates", ..., "store copy").
std::vector<std::string> CommandNames();

// ---- formatting, exposed for tests

std::string FormatCertificateTable(const std::vector<AccountRecord>& accounts,
                                   const std::vector<CertificateListing>& rows, TimePoint now);
std::string FormatCertificateJson(const std::vector<CertificateListing>& rows, TimePoint now);

}  // namespace ionos::tf
