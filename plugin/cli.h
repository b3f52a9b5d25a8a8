// Commands for people, run by hand rather than by Terraform:
//   terraform-provider-ionos certificates [--store URL] [--json]
// lists every certificate in the store with its lifecycle state.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include "core/base/clock.h"
#include "core/lifecycle/certificate_manager.h"
#include "core/store/store.h"

namespace ionos::tf {

// The listing of every certificate in a store, computed by core's CertificateManager at its clock.
Result<std::vector<CertificateListing>> ListCertificates(Store& store, const Clock& clock);
std::string FormatCertificateTable(const std::vector<CertificateListing>& rows, TimePoint now);
std::string FormatCertificateJson(const std::vector<CertificateListing>& rows, TimePoint now);

// Runs a command given on the command line (argv[1] onwards); returns the exit code.
int RunCommand(const std::vector<std::string>& args, const Clock& clock, FILE* out, FILE* err);

}  // namespace ionos::tf
