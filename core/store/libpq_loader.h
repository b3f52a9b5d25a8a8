// File: core/store/libpq_loader.h
//
// libpq, loaded when the first PostgreSQL store is opened rather than when the program starts.
// libpq brings some twenty shared libraries with it (Kerberos, LDAP, SASL, GnuTLS and theirs);
// loading and relocating them cost every start of the provider a few milliseconds, and Terraform
// starts the provider several times per run, whatever store it uses.
//
// libpq_loader.cc defines the libpq functions the store calls (PQconnectStartParams, PQgetvalue,
// ...) with their libpq-fe.h signatures; each forwards to the same function of libpq.so.5, which
// the first call loads with dlopen. Callers include <libpq-fe.h> and call libpq as usual.
//
// LoadLibpq() is what a caller asks first to turn a missing or too old libpq into an error
// (FailedPrecondition naming the library and what the loader said); a libpq function called
// without it loads libpq itself and ends the process with that message if it cannot.
#pragma once

#include "core/base/status.h"

namespace ionos {

// The soname loaded (Debian's libpq5 package).
inline constexpr char kLibpqSoname[] = "libpq.so.5";

// Loads libpq and resolves every function the store uses, once per process; later calls return
// the first call's result.
Status LoadLibpq();

}  // namespace ionos
