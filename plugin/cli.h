// Commands for people, run by hand rather than by Terraform:
//   terraform-provider-ionos certificates [--store URL] [--json]
// lists every certificate in the store with its lifecycle state.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include "core/base/clock.h"
#include "core/store/store.h"

namespace ionos::tf {

// One row of the listing, computed with the renewal policy at `now`.
struct CertificateListing {
  std::string id;
  std::string name;
  std::string auto_certificate_id;
  std::string auto_certificate_name;
  std::string common_name;
  std::string status;  // active, superseded, expired
  TimePoint not_after;
  int64_t days_left = 0;
  TimePoint renew_at;
  bool renewal_due = false;
};

Result<std::vector<CertificateListing>> ListCertificates(Store& store, TimePoint now);
std::string FormatCertificateTable(const std::vector<CertificateListing>& rows);
std::string FormatCertificateJson(const std::vector<CertificateListing>& rows);

// Runs a command given on the command line (argv[1] onwards); returns the exit code.
int RunCommand(const std::vector<std::string>& args, const Clock& clock, FILE* out, FILE* err);

}  // namespace ionos::tf
