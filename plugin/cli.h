// The commands of terraform-provider-ionos for people and schedulers, run by hand or from cron,
// systemd timers and CI rather than by Terraform:
//   terraform-provider-ionos certificates [--store URL] [--format text|json|openmetrics] [--json]
//   terraform-provider-ionos renew [--store URL] [--json] [--dry-run] [--metrics-file PATH]
//   terraform-provider-ionos store copy --from URL --to URL [--from-key KEY] [--to-key KEY]
//   terraform-provider-ionos store rekey [--store URL] --new-key KEY
//   terraform-provider-ionos help [COMMAND] | --help | -h
//   terraform-provider-ionos version | --version
// Each is a thin view on core's CertificateManager (the same rules and locks as Terraform).
// Secrets come from the environment only: IONOS_CERT_STORE_KEY, IONOS_TOKEN; IONOS_CERT_STORE
// names the store when --store is not given. Exit codes: 0 success, 1 the work failed (a store
// that cannot be opened, a renewal that failed), 2 usage errors, 3 (renew) a certificate within
// 30 days of its expiry is due and was not renewed in this run (plugin/cli_metrics.h).
#pragma once

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
};

// Runs the command in `args` (argv[1] onwards); returns the exit code.
int RunCommand(const std::vector<std::string>& args, CommandContext& ctx);

// The usage text of every command, or of one.
std::string Usage(const std::string& command = "");

// ---- formatting, exposed for tests

std::string FormatCertificateTable(const std::vector<AccountRecord>& accounts,
                                   const std::vector<CertificateListing>& rows, TimePoint now);
std::string FormatCertificateJson(const std::vector<CertificateListing>& rows, TimePoint now);

}  // namespace ionos::tf
