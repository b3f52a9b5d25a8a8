// An in-process emulator of the IONOS Cloud DNS API, for tests (its published API description).
//
// DnsApiEmulator runs a cpp-httplib server on 127.0.0.1 (port 0 = any free port) in background
// threads and answers the published API, with the same shapes, status codes and error bodies:
//   GET    /zones                               filter.zoneName ("contains", case-insensitive),
//                                               filter.state, offset (≥0), limit (1..1000, default 100)
//   GET    /zones/{zoneId}
//   GET    /zones/{zoneId}/records              offset/limit
//   GET    /records                             filter.zoneId / filter.name ("contains"),
//                                               filter.type / filter.state (exact), offset/limit
//   POST   /zones/{zoneId}/records              202, state PROVISIONING, server-chosen id
//   PUT    /zones/{zoneId}/records/{recordId}   create-or-update under a client-chosen UUID, 202
//   GET    /zones/{zoneId}/records/{recordId}
//   DELETE /zones/{zoneId}/records/{recordId}   202; 404 when unknown
// Collections are {"id","type":"collection","href","offset","limit","_links":{prev?,self,next?},"items"}
// (`next` only while offset+limit < total, `prev` only when offset > 0). Records carry
// metadata.{state,fqdn,zoneId}; zones metadata.{state,nameservers}. Record names are relative to
// the zone ("" or "@" = apex). Every API request needs `Authorization: Bearer <token>`; errors are
//   {"httpStatus":401,"messages":[{"errorCode":"paas-auth-1","message":"Unauthorized, wrong or no api key provided to process this request"}]}
// and likewise 400 (validation: malformed JSON, unknown type, TTL outside 60..86400, ...), 404, 409,
// 429 (with Retry-After) and 5xx. The error codes other than paas-auth-1 are the emulator's own.
//
// Provisioning: a written record is PROVISIONING and becomes AVAILABLE (or FAILED, when injected)
// `provisioning_delay_ms` later; with delay 0 it is AVAILABLE on the next request. Deletion is
// immediate (no DESTROYING phase).
//
// Publishing: when `challtestsrv_url` is set, the enabled AVAILABLE TXT records are pushed to
// pebble-challtestsrv's management API under their fqdn with a trailing dot. challtestsrv APPENDS
// on /set-txt and /clear-txt drops every value of a host, so the emulator tracks what it published
// per name: new values are appended (no gap for values already there); a removed or changed value
// clears the name and re-adds the remaining ones. A name's values are settled before any request
// that reads the record's AVAILABLE state is answered, so "AVAILABLE" implies "in DNS".
// When `rfc2136_server` is set instead, the same TXT sets go to a real authoritative server (BIND)
// as RFC 2136 dynamic updates signed with `tsig_key` (tests/dns_emulator/rfc2136.h): each change of
// a name replaces its whole TXT RRset in one atomic UPDATE to the zone the record belongs to, sent
// (and acknowledged by the server) before any request that can see the record AVAILABLE or gone is
// answered, so "AVAILABLE implies in DNS" holds there too. The server must be primary for every
// emulated zone (the zone names are the same); a failed update is kept in publish_errors() and on
// stderr.
//
// Control endpoints (outside the API namespace, no authentication, not counted):
//   GET  /_emulator/faults           current fault switches (JSON as below)
//   POST /_emulator/faults           merge switches, e.g. {"unauthorized":true,"rate_limit_next":2,
//                                    "retry_after_seconds":1,"server_error":"always"|N|"off",
//                                    "server_error_status":503,"provisioning_delay_ms":500,
//                                    "fail_provisioning_next":1,"hold_provisioning":true,
//                                    "bad_error_body_next":"always"|N|"off",
//                                    "bad_error_body_on":["GET /zones/{zoneId}/records/{recordId}"]};
//                                    answers the new state
//   GET  /_emulator/records          {"records":[{id,zoneId,zoneName,name,fqdn,type,content,ttl,enabled,state}]}
//   GET  /_emulator/requests         {"GET /zones": 3, "PUT /zones/{zoneId}/records/{recordId}": 1, ...}
//   GET  /_emulator/zones            {"zones":[{id,name,nameservers}]}
//   POST /_emulator/zones            {"name":"example.org","id":"...optional..."} adds a zone
//   GET  /_emulator/published        {"<fqdn>.": ["value", ...]} as pushed to challtestsrv (or to the
//                                    RFC 2136 server), plus
//                                    "errors": [...] from failed pushes
//   POST /_emulator/reset            deletes all records (unpublishing them), clears counts and faults
// Fault switches apply to API requests in this order: unauthorized → 401, wrong token → 401,
// rate_limit_next → 429 + Retry-After, server_error → server_error_status (default 500; a 503
// carries Retry-After too), bad_error_body_next → 500 with an error body whose members have the
// wrong JSON types:
//   {"httpStatus":500,"messages":[{"errorCode":1,"message":{"x":1}}]}
// only for the request kinds listed in bad_error_body_on (the keys of /_emulator/requests, e.g.
// "PUT /zones/{zoneId}/records/{recordId}"; empty: every API request). Each answered fault counts
// down its switch.
//
// Thread-safe. Binds loopback only. Note: this is namespace ionos::testing; inside namespace ionos,
// write GoogleTest's namespace as ::testing.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/base/clock.h"
#include "core/base/status.h"
#include "tests/dns_emulator/rfc2136.h"

namespace httplib {
class Server;
}

namespace ionos::testing {

struct EmulatorZone {
  std::string name;  // normalised to lower case without trailing dot
  std::string id;    // a fresh UUID when empty
  // Default: ns-ic.ui-dns.com, ns-ic.ui-dns.de, ns-ic.ui-dns.org, ns-ic.ui-dns.biz.
  std::vector<std::string> nameservers;
};

struct EmulatorRecord {
  std::string id;
  std::string zone_id;
  std::string zone_name;
  std::string name;  // relative, as written ("" = apex)
  std::string fqdn;  // lower case, no trailing dot
  std::string type;
  std::string content;
  int ttl = 3600;
  int priority = -1;  // -1: not set
  bool enabled = true;
  std::string state;  // PROVISIONING|AVAILABLE|FAILED
};

struct EmulatorFaults {
  bool unauthorized = false;       // every API request answers 401
  int rate_limit_next = 0;         // the next N API requests answer 429
  int retry_after_seconds = 1;     // Retry-After of those 429s
  bool server_error_always = false;
  int server_error_next = 0;       // the next N API requests answer server_error_status
  int server_error_status = 500;
  int provisioning_delay_ms = 0;   // PROVISIONING → AVAILABLE delay for records written from now on
  int fail_provisioning_next = 0;  // the next N written records end FAILED instead of AVAILABLE
  bool hold_provisioning = false;  // while true no record leaves PROVISIONING, whatever its delay: a
                                   // test holds a writer mid-issuance until it turns this off
  bool bad_error_body_always = false;
  int bad_error_body_next = 0;     // the next N API requests (of bad_error_body_on) answer 500 with a
                                   // body of wrong JSON types
  std::vector<std::string> bad_error_body_on;  // request kinds ("GET /zones"); empty: every API request

  // Applies the members present in `j` (the control endpoint's format); unknown members or wrong
  // types are kInvalidArgument and change nothing.
  Status Merge(const nlohmann::json& j);
  nlohmann::json ToJson() const;
};

struct DnsEmulatorOptions {
  std::string host = "127.0.0.1";
  int port = 0;  // 0: any free port
  std::string token = "emulator-token";
  std::vector<EmulatorZone> zones;
  // pebble-challtestsrv management URL, e.g. "http://127.0.0.1:8055"; empty: publish nowhere.
  std::string challtestsrv_url;
  // Or: an authoritative server on loopback ("127.0.0.1:53", an address literal) that receives the
  // TXT records as RFC 2136 dynamic updates, signed with `tsig_key` unless its name is empty.
  // At most one of challtestsrv_url and rfc2136_server may be set.
  std::string rfc2136_server;
  TsigKey tsig_key;
  EmulatorFaults faults;
  bool log_requests = false;  // one line per request on stderr
  // When set (a FakeClock in unit tests), provisioning delays are measured on this clock and no
  // background thread settles records: a record becomes AVAILABLE at the first request (or
  // records()/SettleNow() call) after its time has come on the clock. Borrowed.
  const Clock* clock = nullptr;
};

class DnsApiEmulator {
 public:
  static Result<std::unique_ptr<DnsApiEmulator>> Start(DnsEmulatorOptions options);
  ~DnsApiEmulator();
  DnsApiEmulator(const DnsApiEmulator&) = delete;
  DnsApiEmulator& operator=(const DnsApiEmulator&) = delete;

  // Finishes the provisioning of every record whose time has come and publishes it, now.
  void SettleNow();

  // Stops the server and joins its threads. Published TXT values are left as they are.
  void Stop();

  int port() const { return port_; }
  // "http://127.0.0.1:<port>"
  std::string base_url() const;
  const std::string& token() const { return options_.token; }

  EmulatorFaults faults() const;
  void SetFaults(const EmulatorFaults& faults);
  Status MergeFaults(const nlohmann::json& j);

  Result<EmulatorZone> AddZone(EmulatorZone zone);
  std::vector<EmulatorZone> zones() const;

  // Adds a record directly, already AVAILABLE (and published if TXT); for seeding paging tests.
  Result<EmulatorRecord> AddRecord(const std::string& zone_id, const std::string& name, const std::string& type,
                                   const std::string& content, int ttl = 3600);
  // Every record now, in creation order (provisioning states settled first).
  std::vector<EmulatorRecord> records() const;

  // Requests per "METHOD /path/template" (e.g. "GET /zones/{zoneId}/records/{recordId}").
  std::map<std::string, int> request_counts() const;
  int request_count(const std::string& key) const;
  void ResetRequestCounts();

  // What was pushed to challtestsrv (or the RFC 2136 server) per "<fqdn>." and the errors of
  // failed pushes.
  std::map<std::string, std::vector<std::string>> published() const;
  std::vector<std::string> publish_errors() const;

 private:
  struct Impl;
  DnsApiEmulator() = default;

  DnsEmulatorOptions options_;
  int port_ = 0;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ionos::testing
