// File: core/dns/dns_provider.h
//
// What the DNS-01 workflow needs from a DNS service, independent of any vendor: the zones it
// serves, TXT records under client-chosen ids, and the selection of the zone that serves a name
// (exact label match on the longest suffix). IonosCloudDnsClient (core/dns/ionos_cloud_dns.h) is
// the implementation; tests stand in with fakes.
#pragma once

#include <string>
#include <vector>

#include "core/base/clock.h"
#include "core/base/status.h"

namespace ionos {

// A DNS zone served by the provider. `name` is normalised: lower case, no trailing dot.
struct DnsZone {
  std::string id;
  std::string name;
  std::vector<std::string> nameservers;  // authoritative servers (host names), as the API lists them
  std::string state;                     // IONOS: PROVISIONING|AVAILABLE|DESTROYING|FAILED ("" if unknown)
};

// A record as the provider reports it.
struct DnsRecord {
  std::string id;
  std::string zone_id;
  std::string name;  // relative to the zone: "_acme-challenge.www"; "" at the apex
  std::string type;  // "TXT", ...
  std::string content;
  int ttl = 0;
  std::string state;  // PROVISIONING|AVAILABLE|DESTROYING|FAILED
  std::string fqdn;   // absolute, as reported ("_acme-challenge.www.example.com")
  bool enabled = true;
  std::string state_message;  // why provisioning FAILED, when the API says (metadata.message)
};

// The name of `fqdn` relative to `zone_name` (both compared case-insensitively, trailing dots
// ignored): "_acme-challenge.www" for _acme-challenge.www.example.com in example.com,
// "_acme-challenge" for _acme-challenge.example.com, "" when fqdn is the zone apex itself.
// REQUIRES: fqdn is zone_name or lies below it (see FindZoneForName); otherwise the normalised
// fqdn is returned unchanged.
std::string RelativeName(const std::string& fqdn, const std::string& zone_name);

// The zone among `zones` whose name equals `fqdn` or is its longest parent-domain suffix (exact
// label match: "notexample.com" is not in "example.com"). Case-insensitive, trailing dots ignored;
// "*.example.com" lies in example.com. Errors: kInvalidArgument for an empty or malformed name,
// kNotFound naming `fqdn` and listing the zones that were searched.
Result<DnsZone> SelectZoneForName(const std::vector<DnsZone>& zones, const std::string& fqdn);

// What the certificate workflow needs from a DNS service. Implementations are thread-safe.
class DnsProvider {
 public:
  virtual ~DnsProvider() = default;

  // Every zone the credentials can see.
  virtual Result<std::vector<DnsZone>> ListZones() = 0;

  // The zone that serves `fqdn` (SelectZoneForName over ListZones()).
  virtual Result<DnsZone> FindZoneForName(const std::string& fqdn);

  // Creates or updates the TXT record `record_id` (a UUID the caller chose) named `relative_name`
  // in `zone` with `value` and `ttl` seconds. Idempotent: repeating the call with the same
  // arguments leaves one record. Returns the record as accepted (usually still PROVISIONING).
  virtual Result<DnsRecord> EnsureTxtRecord(const DnsZone& zone, const std::string& record_id,
                                            const std::string& relative_name, const std::string& value,
                                            int ttl) = 0;

  // Polls the record until it is AVAILABLE: first after ~50 ms, backing off to ~1 s. FAILED or
  // DESTROYING is an error (with the API's message), as is `timeout` passing (kDeadlineExceeded).
  virtual Status WaitRecordAvailable(const std::string& zone_id, const std::string& record_id,
                                     Duration timeout) = 0;

  // Deletes the record. A record (or zone) that does not exist is already deleted: OK.
  virtual Status DeleteRecord(const std::string& zone_id, const std::string& record_id) = 0;
};

}  // namespace ionos
