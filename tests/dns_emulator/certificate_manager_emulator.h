// An in-process emulator of the IONOS Cloud Certificate Manager API v2, for the
// tests of publishing (core/publish). Runs a cpp-httplib server on 127.0.0.1 (port 0 = any free
// port) and answers:
//   POST   /certificates        {"properties":{"name","certificate","certificateChain","privateKey"}}
//                               → 201 CertificateRead, metadata.state PROVISIONING
//   GET    /certificates        offset (≥0), limit (1..1000, default 100), filter.commonName
//                               ("contains", case-insensitive); a collection with `_links`
//   GET    /certificates/{id}
//   PATCH  /certificates/{id}   {"properties":{"name"}}
//   DELETE /certificates/{id}   202, state DESTROYING, gone afterwards; 404 when unknown; 409
//                               (or 422) while a test has marked the copy in use
// CertificateRead: {id,type:"certificate",href,metadata:{createdDate,lastModifiedDate,resourceURN,
// state,expired,notBefore,notAfter,serialNumber,commonName,subjectAlternativeNames},
// properties:{name,certificate,certificateChain}}; the private key is never returned. Every API
// request needs `Authorization: Bearer <token>` (401 otherwise). A body that is not the documented
// shape is 400; a certificate or chain that does not parse, or a key that does not match the
// certificate, is 422; errors are {"httpStatus":..,"messages":[{"errorCode","message"}]}.
//
// States: a written copy is PROVISIONING and becomes AVAILABLE `provisioning_delay_ms` later (0:
// at the next request); a deleted one is DESTROYING and is gone the same delay later.
//
// Control endpoints (outside the API, no authentication, not counted):
//   GET  /_emulator/faults        the fault switches; POST merges, e.g. {"unauthorized":true,
//                                 "rate_limit_next":2,"retry_after_seconds":1,"server_error":"always"|N|"off",
//                                 "server_error_status":503,"server_error_on":["POST /certificates"],
//                                 "lose_answer_next":1,"provisioning_delay_ms":500}
//                                 lose_answer_next: the next N POST /certificates are carried out,
//                                 then answered 500 (the answer is lost)
//   GET  /_emulator/certificates  {"certificates":[{id,name,serialNumber,commonName,state,inUseBy}]}
//   POST /_emulator/in-use        {"id":"...","by":"CDN distribution cdn-1","status":409}: DELETE of that
//                                 copy is refused until posted again with "by":""
//   GET  /_emulator/requests      {"POST /certificates": 1, ...}
//   POST /_emulator/reset         deletes every copy, clears counts and faults
// Thread-safe. Binds loopback only.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/base/status.h"

namespace ionos::testing {

struct CmEmulatorFaults {
  bool unauthorized = false;
  int rate_limit_next = 0;
  int retry_after_seconds = 1;
  bool server_error_always = false;
  int server_error_next = 0;
  int server_error_status = 500;
  std::vector<std::string> server_error_on;  // request kinds ("DELETE /certificates/{id}"); empty: all
  int lose_answer_next = 0;
  int provisioning_delay_ms = 0;

  Status Merge(const nlohmann::json& j);
  nlohmann::json ToJson() const;
};

struct CmEmulatorOptions {
  std::string host = "127.0.0.1";
  int port = 0;
  std::string token = "emulator-token";
  CmEmulatorFaults faults;
  bool log_requests = false;
};

struct CmCopy {
  std::string id;
  std::string name;
  std::string serial_number;  // lower-case hex
  std::string common_name;
  std::string state;  // PROVISIONING, AVAILABLE, DESTROYING
  std::string in_use_by;
};

class CertificateManagerEmulator {
 public:
  static Result<std::unique_ptr<CertificateManagerEmulator>> Start(CmEmulatorOptions options);
  ~CertificateManagerEmulator();
  CertificateManagerEmulator(const CertificateManagerEmulator&) = delete;
  CertificateManagerEmulator& operator=(const CertificateManagerEmulator&) = delete;

  void Stop();
  std::string base_url() const;
  Status MergeFaults(const nlohmann::json& j);
  // Every copy now (states settled first), in creation order.
  std::vector<CmCopy> copies() const;
  // Marks a copy in use (its DELETE answers `status`, 409 or 422) or, with `by` empty, free.
  Status SetInUse(const std::string& id, const std::string& by, int status = 409);
  std::map<std::string, int> request_counts() const;

 private:
  struct Impl;
  CertificateManagerEmulator() = default;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ionos::testing
