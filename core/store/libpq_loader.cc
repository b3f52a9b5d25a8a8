// File: core/store/libpq_loader.cc
//
// libpq loaded on first use (see libpq_loader.h).
#include "core/store/libpq_loader.h"

#include <dlfcn.h>
#include <libpq-fe.h>

#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>

namespace ionos {
namespace {

// Every libpq function the store and its tests call: return type, name, parameters, arguments.
#define IONOS_LIBPQ_FUNCTIONS(X)                                                                                    \
  X(void, PQclear, (PGresult * res), (res))                                                                         \
  X(char*, PQcmdTuples, (PGresult * res), (res))                                                                    \
  X(PostgresPollingStatusType, PQconnectPoll, (PGconn * conn), (conn))                                              \
  X(PGconn*, PQconnectStartParams, (const char* const* keywords, const char* const* values, int expand_dbname),     \
    (keywords, values, expand_dbname))                                                                              \
  X(PGconn*, PQconnectdbParams, (const char* const* keywords, const char* const* values, int expand_dbname),        \
    (keywords, values, expand_dbname))                                                                              \
  X(int, PQconsumeInput, (PGconn * conn), (conn))                                                                   \
  X(char*, PQerrorMessage, (const PGconn* conn), (conn))                                                            \
  X(char*, PQescapeIdentifier, (PGconn * conn, const char* str, size_t len), (conn, str, len))                      \
  X(char*, PQescapeLiteral, (PGconn * conn, const char* str, size_t len), (conn, str, len))                         \
  X(void, PQfinish, (PGconn * conn), (conn))                                                                        \
  X(int, PQflush, (PGconn * conn), (conn))                                                                          \
  X(void, PQfreemem, (void* ptr), (ptr))                                                                            \
  X(Oid, PQftype, (const PGresult* res, int field_num), (res, field_num))                                           \
  X(PGresult*, PQgetResult, (PGconn * conn), (conn))                                                                \
  X(int, PQgetisnull, (const PGresult* res, int tup_num, int field_num), (res, tup_num, field_num))                \
  X(int, PQgetlength, (const PGresult* res, int tup_num, int field_num), (res, tup_num, field_num))                \
  X(char*, PQgetvalue, (const PGresult* res, int tup_num, int field_num), (res, tup_num, field_num))               \
  X(int, PQisBusy, (PGconn * conn), (conn))                                                                         \
  X(int, PQnfields, (const PGresult* res), (res))                                                                   \
  X(int, PQntuples, (const PGresult* res), (res))                                                                   \
  X(char*, PQresultErrorField, (const PGresult* res, int fieldcode), (res, fieldcode))                              \
  X(char*, PQresultErrorMessage, (const PGresult* res), (res))                                                      \
  X(ExecStatusType, PQresultStatus, (const PGresult* res), (res))                                                   \
  X(int, PQsendQuery, (PGconn * conn, const char* query), (conn, query))                                            \
  X(int, PQsendQueryParams,                                                                                         \
    (PGconn * conn, const char* command, int n_params, const Oid* param_types, const char* const* param_values,     \
     const int* param_lengths, const int* param_formats, int result_format),                                        \
    (conn, command, n_params, param_types, param_values, param_lengths, param_formats, result_format))              \
  X(int, PQserverVersion, (const PGconn* conn), (conn))                                                             \
  X(PGVerbosity, PQsetErrorVerbosity, (PGconn * conn, PGVerbosity verbosity), (conn, verbosity))                    \
  X(PQnoticeReceiver, PQsetNoticeReceiver, (PGconn * conn, PQnoticeReceiver proc, void* arg), (conn, proc, arg))    \
  X(int, PQsocket, (const PGconn* conn), (conn))                                                                    \
  X(ConnStatusType, PQstatus, (const PGconn* conn), (conn))                                                         \
  X(PGTransactionStatusType, PQtransactionStatus, (const PGconn* conn), (conn))

struct Libpq {
#define IONOS_LIBPQ_POINTER(ret, name, params, args) decltype(&::name) name = nullptr;
  IONOS_LIBPQ_FUNCTIONS(IONOS_LIBPQ_POINTER)
#undef IONOS_LIBPQ_POINTER
};

struct Loaded {
  Libpq functions;
  Status status;
};

const Loaded& Load() {
  static const Loaded* loaded = [] {
    auto* out = new Loaded();
    // RTLD_LOCAL: libpq's symbols stay out of the global scope, so the definitions below remain the
    // only PQ* functions the program sees; dlsym on the handle finds libpq's own.
    void* handle = dlopen(kLibpqSoname, RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
      const char* why = dlerror();
      out->status = FailedPreconditionError(std::string("cannot load the PostgreSQL client library ") + kLibpqSoname +
                                            ": " + (why != nullptr ? why : "unknown reason") +
                                            " (on Debian: apt-get install libpq5)");
      return out;
    }
#define IONOS_LIBPQ_RESOLVE(ret, name, params, args)                                                          \
  if (out->status.ok()) {                                                                                     \
    out->functions.name = reinterpret_cast<decltype(&::name)>(dlsym(handle, #name));                          \
    if (out->functions.name == nullptr) {                                                                     \
      out->status = FailedPreconditionError(std::string("the PostgreSQL client library ") + kLibpqSoname +     \
                                            " has no " #name " (libpq 14 or newer is needed)");               \
    }                                                                                                         \
  }
    IONOS_LIBPQ_FUNCTIONS(IONOS_LIBPQ_RESOLVE)
#undef IONOS_LIBPQ_RESOLVE
    return out;
  }();
  return *loaded;
}

// The functions of a loaded libpq; a caller that skipped LoadLibpq() and meets a missing libpq
// cannot go on.
const Libpq& Functions() {
  const Loaded& loaded = Load();
  if (!loaded.status.ok()) {
    std::fprintf(stderr, "terraform-provider-ionos: %s\n", loaded.status.message().c_str());
    std::abort();
  }
  return loaded.functions;
}

}  // namespace

Status LoadLibpq() { return Load().status; }

}  // namespace ionos

// The libpq functions, declared extern "C" by libpq-fe.h.
#define IONOS_LIBPQ_FORWARD(ret, name, params, args) \
  ret name params { return ionos::Functions().name args; }
IONOS_LIBPQ_FUNCTIONS(IONOS_LIBPQ_FORWARD)
#undef IONOS_LIBPQ_FORWARD
